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
                 frequency: str = "day"):
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
        Re-raise a StrategyError after writing partial results (default); False returns the
        partial result with ``result.error`` set.

    Returns
    -------
    jqlite.results.BacktestResult

    Raises
    ------
    StrategyError
        A callback raised (after partial results were written to ``out``).
    ConfigError, DataError
        Bad arguments or data.
    """
    from .data import ensure_default_store
    from .errors import StrategyError
    from .results import collect, write
    from .run import BacktestConfig, Run

    if store is None and data is None:
        store = ensure_default_store()
    cfg = BacktestConfig(strategy=strategy, start=start, end=end, cash=cash, benchmark=benchmark, data=data,
                         out=out, seed=seed, threads=threads, storage=storage, echo_log=echo_log, progress=progress,
                         store=store, source=source, frequency=frequency)
    run = Run(cfg)
    err: StrategyError | None = None
    try:
        run.execute()
    except StrategyError as e:
        err = e
    result = collect(run)
    if out is not None:
        write(result, out)
    if err is not None and raise_errors:
        raise err
    return result


__all__ = ["run_backtest", "__version__"]
