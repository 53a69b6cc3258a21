"""jqlite: run JoinQuant (聚宽) strategy files unchanged on local A-share data.

>>> from jqlite import run_backtest                        # doctest: +SKIP
>>> res = run_backtest("strategies/examples/momentum_rotation.py", "2018-01-01", "2019-12-31",
...                    cash=1_000_000)
>>> res.metrics["total_returns"]
"""

from __future__ import annotations

__version__ = "0.1.0"

import os
from pathlib import Path
from typing import Any


def run_backtest(strategy: str | os.PathLike, start, end, cash: float = 100000.0, *,
                 benchmark: str | None = None, data: str | os.PathLike | None = None,
                 out: str | os.PathLike | None = None, seed: int = 0, threads: int | None = None,
                 storage: str | os.PathLike | None = None, echo_log: bool = False,
                 progress=None, store=None, source: str | None = None, raise_errors: bool = True,
                 frequency: str = "day",
                 force: bool = False, catch_signals: bool = True, verbose: bool = False,
                 hold_signals: bool = False):
    """Run a JoinQuant strategy file over ``[start, end]`` and return a BacktestResult.

    Parameters
    ----------
    strategy : path
        JoinQuant strategy file (run unchanged).
    start, end : date-like
        Inclusive run window.
    cash : float
        Starting cash in yuan (JoinQuant's default 100,000).
    benchmark : str, optional
        Overrides ``set_benchmark``.
    data : path, optional
        Store folder; default ``$JQLITE_DATA`` or the sample store (generated on first use).
    out : path, optional
        Write the run folder there (also on failure: partial results + error.json).
    seed : int
        Seeds Python's, numpy's and PyTorch's generators before the strategy is loaded.
    threads : int, optional
        OpenMP/BLAS threads (LightGBM, XGBoost, BLAS, PyTorch); default ``os.cpu_count()``.
        Same data + strategy + seed + threads => identical orders (:mod:`jqlite.determinism`).
    storage : path, optional
        ``write_file``/``read_file`` folder.
    frequency : {'day', 'minute'}
        JoinQuant's backtest frequency (``context.run_params.frequency``).  ``'minute'``
        runs handle_data and ``run_daily(f, 'every_bar')`` at the 240 minutes of each day
        and needs minute bars; ``'tick'`` raises ConfigError (no tick data).
    raise_errors : bool
        Re-raise a StrategyError (or the interruption) after writing partial results
        (default); False returns the partial result with ``result.error`` set.
    force : bool
        Allow ``out`` to be a non-empty folder that is not a run folder of this strategy
        (its files are overwritten); without it that is a :class:`~jqlite.errors.ConfigError`
        before anything runs (:func:`jqlite.results.check_out_folder`).
    verbose : bool
        With ``echo_log``, print each order warning ("下单数量为0, 订单取消" ...) as it happens;
        by default they are only counted per kind (``result.run.log.counts_text()``).  They
        are in ``result.log`` / ``log.txt`` either way, as on JoinQuant.
    hold_signals : bool
        Leave SIGINT/SIGTERM ignored when returning (the CLI, which only prints
        afterwards: a late Ctrl-C must not turn a complete run into a traceback).
    catch_signals : bool
        In the main thread, turn SIGTERM into :class:`~jqlite.errors.RunInterrupted` while
        the run executes (SIGINT already raises ``KeyboardInterrupt``), so that both stop
        the run with its partial results and ``error.json`` written.

    Returns
    -------
    jqlite.results.BacktestResult

    Raises
    ------
    StrategyError
        A callback raised (after partial results were written to ``out``).
    KeyboardInterrupt, jqlite.errors.RunInterrupted
        SIGINT / SIGTERM stopped the run (after partial results and ``error.json``
        "interrupted at <simulated time>" were written to ``out``).
    ConfigError, DataError
        Bad arguments or data.
    """
    import signal
    import sys
    import threading

    from .data import ensure_default_store
    from .errors import RunInterrupted, StrategyError
    from .results import check_out_folder, collect, write
    from .run import BacktestConfig, Run

    if out is not None:
        check_out_folder(out, strategy, force=force)
    if store is None and data is None:
        store = ensure_default_store()
    cfg = BacktestConfig(strategy=strategy, start=start, end=end, cash=cash, benchmark=benchmark, data=data,
                         out=out, seed=seed, threads=threads, storage=storage, echo_log=echo_log, progress=progress,
                         store=store, source=source, frequency=frequency, verbose=verbose)
    run = Run(cfg)
    box = [run]      # the run that executes (a restart replaces it: _execute_restarting)
    err: StrategyError | None = None
    stop: BaseException | None = None
    main = catch_signals and threading.current_thread() is threading.main_thread()
    old_term = old_int = None
    if main:
        def _on_term(signum, _frame):
            raise RunInterrupted(signum)
        old_term = signal.signal(signal.SIGTERM, _on_term)
        old_int = signal.getsignal(signal.SIGINT)
        if old_term is None:          # installed outside Python
            old_term = signal.SIG_DFL
    late: list[int] = []

    def _defer(signum, _frame):       # while results are written: note the signal, finish first
        late.append(signum)
    try:
        try:
            _execute_restarting(box, cfg)
        except StrategyError as e:
            err = e
        except (KeyboardInterrupt, RunInterrupted) as e:
            stop = e
            run = box[0]
            run.interrupted = RunInterrupted(signal.SIGINT) if isinstance(e, KeyboardInterrupt) else e
        try:
            if main:
                signal.signal(signal.SIGINT, _defer)
                signal.signal(signal.SIGTERM, _defer)
        except (KeyboardInterrupt, RunInterrupted) as e:   # arrived just before the line above
            late.append(getattr(e, "signum", signal.SIGINT))
            if main:
                signal.signal(signal.SIGINT, _defer)
                signal.signal(signal.SIGTERM, _defer)
        # the results are written whatever arrives now: a second Ctrl-C must not lose them
        run = box[0]
        result = collect(run)
        if out is not None:
            write(result, out)
    except BaseException:
        hold = False
        raise
    else:
        hold = hold_signals
    finally:
        if main and not hold:
            signal.signal(signal.SIGTERM, old_term)
            signal.signal(signal.SIGINT, old_int if old_int is not None else signal.default_int_handler)
    if late and stop is None and err is None:
        # the run had finished: its results are complete; the signal only came too late
        sys.stderr.write(f"jqlite: {signal.Signals(late[0]).name} received while the finished run's "
                         "results were written; they are complete\n")
    if stop is not None and raise_errors:
        raise stop
    if err is not None and raise_errors:
        raise err
    return result


def _execute_restarting(box: list, cfg) -> None:
    """``run.execute()``; when the strategy asked for a valid JoinQuant code the sample market
    did not hold (``SecuritiesAdded``, :mod:`jqlite.data.on_demand`), the code is now in the
    store and the backtest restarts from its first day (deterministic: the result is the
    one of a run that had the code from the start).  ``box[0]`` is the run; a restart
    replaces it."""
    import dataclasses

    from .errors import SecuritiesAdded
    from .run import Run

    added: list[str] = []
    for _ in range(200):
        run = box[0]
        try:
            run.execute()
        except SecuritiesAdded as e:
            added += e.codes
        else:
            # a strategy's bare ``except:`` may have swallowed the signal: the codes it asked
            # for are in the store now, run again so that it gets them
            if not run.on_demand_pending:
                return
            added += sorted(run.on_demand_pending)
        cfg = dataclasses.replace(cfg, store=None, data=str(run.store.path),
                                  on_demand=tuple(sorted(set(cfg.on_demand) | set(added))))
        box[0] = Run(cfg)
        box[0].log.system_warning(f"sample market: restarted the backtest after synthesising "
                                  f"{', '.join(sorted(set(added)))} on demand")


__all__ = ["run_backtest", "__version__"]
