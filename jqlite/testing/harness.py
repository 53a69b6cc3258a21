"""Unit-test a JoinQuant strategy file: call its functions at a chosen simulated time.

:func:`load_strategy` compiles the file exactly as a backtest does (same namespace prefill,
same engine: :class:`jqlite.run.Run`, its broker, portfolio, log and ``g``) and returns a
:class:`StrategyHarness`.  ``h.at('2024-03-01 09:30', cash=..., positions=...)`` moves the
run to that time with that portfolio; calling a strategy function through the harness
(``h.call('trading_logic')`` or ``h.trading_logic()``) then records the orders it placed,
the fills, the log lines and the changes to ``g``::

    h = load_strategy("strategies/my_strategy.py", market=store)
    h.at("2024-03-04 09:30", cash=100_000, positions={"600000.XSHG": 1000})
    h.call("trading_logic")
    assert_ordered(h, "600001.XSHG", side="buy", value=50_000)
    assert h.g_changes["stock_list"][1] == ["600001.XSHG"]

Time only moves forward through the engine's own day events: moving to a later time of the
same day matches waiting orders at the open and resting orders at the close; moving to a
later day ends the current day (unfilled orders cancelled) and starts the new one (T+1
unlock, dividends in real-price mode).  Days in between are skipped: no callbacks run and
no dividends are paid for them.  Moving to an earlier time restarts that day.
"""

from __future__ import annotations

import atexit
import copy
import datetime as _dt
import functools
import inspect
import os
import pickle
import random
import shutil
import tempfile
import types
import weakref
from collections import namedtuple
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np
import pandas as pd

from ..accounting.portfolio import Position
from ..api._binding import _ACTIVE, bind
from ..data.calendar import CLOSE, OPEN
from ..data.store import Store, open_store
from ..execution.broker import lot_rules
from ..execution.orders import Order, Trade
from ..objects import BarData, RunParams

__all__ = ["MISSING", "ScheduledTask", "StrategyHarness", "assert_not_ordered", "assert_ordered",
           "load_strategy", "resolve_market", "run_backtest", "sample_market"]


class _Missing:
    """Sentinel for "no such ``g`` attribute" in :attr:`StrategyHarness.g_changes`."""

    def __repr__(self) -> str:
        return "<missing>"

    def __reduce__(self):
        return "MISSING"


#: ``g_changes[name]`` is ``(MISSING, new)`` for a new attribute, ``(old, MISSING)`` for a deleted one.
MISSING = _Missing()

#: One scheduled function: ``kind`` ('daily'/'weekly'/'monthly'), function ``name``, ``time``
#: ('HH:MM' or 'HH:MM:SS') and ``n`` (weekday / monthday, 0 for daily).
ScheduledTask = namedtuple("ScheduledTask", ["kind", "name", "time", "n"])

# ---------------------------------------------------------------------------- temp folders
_TMP_ROOT: Path | None = None
_OPEN: "weakref.WeakSet[StrategyHarness]" = weakref.WeakSet()


def _tmp_dir(prefix: str) -> Path:
    """A fresh folder under a per-process temporary root removed at exit."""
    global _TMP_ROOT
    if _TMP_ROOT is None or not _TMP_ROOT.exists():
        _TMP_ROOT = Path(tempfile.mkdtemp(prefix="jqlite-testing-"))
        atexit.register(shutil.rmtree, _TMP_ROOT, True)
    return Path(tempfile.mkdtemp(prefix=prefix, dir=_TMP_ROOT))


# ---------------------------------------------------------------------------- markets
def sample_market() -> Store:
    """The bundled sample market (generated once into ``~/.cache/jqlite/sample``, about 20 s;
    cached afterwards), even when ``$JQLITE_DATA`` points elsewhere.

    Returns
    -------
    jqlite.data.store.Store
    """
    from ..data import add_sample_fundamentals, ensure_default_store

    if not os.environ.get("JQLITE_DATA"):
        return ensure_default_store(progress=False)
    path = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "jqlite" / "sample"
    from ..data import _stale_sample
    if _stale_sample(path):
        from ..data.sample import generate_sample_market
        generate_sample_market(path)
        add_sample_fundamentals(path)
    return open_store(path)


def resolve_market(market=None) -> Store:
    """Turn a ``market`` argument into a Store.

    Parameters
    ----------
    market : Store, path, mapping or None
        A :class:`~jqlite.data.store.Store` (e.g. from :func:`jqlite.testing.tiny_market`),
        the folder of a store, a mapping ``code -> closes`` (built with
        :func:`jqlite.testing.tiny_market` in a temporary folder, days from 2024-01-02), or
        None for the default store (``$JQLITE_DATA`` or the sample market).

    Returns
    -------
    jqlite.data.store.Store
    """
    if isinstance(market, Store):
        return market
    if market is None:
        from ..data import ensure_default_store
        return ensure_default_store(progress=False)
    if isinstance(market, Mapping):
        from .builders import tiny_market
        return tiny_market(_tmp_dir("market-") / "store", market)
    return open_store(market)


def _parse_when(when) -> _dt.datetime:
    if isinstance(when, _dt.datetime):
        return when.replace(microsecond=0, tzinfo=None)
    if isinstance(when, _dt.date):
        return _dt.datetime.combine(when, OPEN)
    s = str(when).strip()
    ts = pd.Timestamp(s)
    if len(s) <= 10:  # a date alone: 09:30, when run_daily(..., 'open') tasks run
        return _dt.datetime.combine(ts.date(), OPEN)
    return ts.to_pydatetime().replace(microsecond=0, tzinfo=None)


# ---------------------------------------------------------------------------- g snapshots
def _snapshot(run) -> dict[str, Any]:
    # engine objects a strategy may keep in g (context, positions dict ...) are not copied
    keep = (run, run.store, run.context, run.portfolio, run.portfolio.long_positions, run.broker,
            run.log, run.g, run.settings)
    out = {}
    for k, v in vars(run.g).items():
        try:
            out[k] = copy.deepcopy(v, {id(x): x for x in keep})
        except Exception:  # un-copyable (open file, C object): compare by identity
            out[k] = v
    return out


def _same(a, b) -> bool:
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    try:
        if isinstance(a, (pd.DataFrame, pd.Series, pd.Index)):
            return bool(a.equals(b))
        if isinstance(a, np.ndarray):
            return a.shape == b.shape and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        if isinstance(a, float) and a != a and b != b:
            return True
        r = a == b
        if isinstance(r, (bool, np.bool_)):
            return bool(r)
        return bool(np.all(r))
    except Exception:
        try:
            return pickle.dumps(a) == pickle.dumps(b)
        except Exception:
            return False


# ---------------------------------------------------------------------------- module view
class _ModuleView:
    """``h.module``: the strategy's module-level names; functions come back bound to the
    harness's run (they record like :meth:`StrategyHarness.call`)."""

    def __init__(self, harness: "StrategyHarness"):
        object.__setattr__(self, "_h", harness)

    def __getattr__(self, name: str):
        return self._h._lookup(name)

    def __setattr__(self, name: str, value) -> None:
        self._h.run.namespace[name] = value

    def __dir__(self):
        return [k for k in self._h.run.namespace if not k.startswith("__")]

    def __repr__(self) -> str:
        return f"<strategy module {self._h.path}>"


# ---------------------------------------------------------------------------- harness
class StrategyHarness:
    """A strategy file loaded for unit tests; create it with :func:`load_strategy` (the
    parameters are documented there).

    Attributes
    ----------
    run : jqlite.run.Run
        The engine run behind the harness (its window is the whole market).
    path : pathlib.Path
        The strategy file.
    module : object
        The strategy's module-level names (``h.module.trading_logic``); ``h.<name>`` is the
        same for names the harness does not define itself.
    """

    def __init__(self, path: str | os.PathLike, market=None, *, cash: float = 100000.0,
                 initialize: bool = True, source: str | None = None,
                 storage: str | os.PathLike | None = None, seed: int = 0, echo_log: bool = False,
                 benchmark: str | None = None):
        from ..run import BacktestConfig, Run
        from ..strategy import load_strategy as _compile

        store = resolve_market(market)
        self.path = Path(path)
        if storage is None:
            storage = _tmp_dir(f"storage-{self.path.stem}-")
        cfg = BacktestConfig(strategy=path, start=store.dates[0], end=store.dates[-1], cash=cash,
                             benchmark=benchmark, store=store, source=source, storage=storage,
                             seed=seed, echo_log=echo_log)
        self.run = Run(cfg)
        self._run_initialize = initialize
        self._initialized = False
        self._day_started = False
        self._opened = self._closed = False
        random.seed(seed)
        np.random.seed(seed)
        with bind(self.run):
            self.run.namespace = _compile(self.run)
        self.module = _ModuleView(self)
        _OPEN.add(self)
        self._mark()
        self.activate()

    # ------------------------------------------------------------------ activation
    def activate(self) -> "StrategyHarness":
        """Make this harness's run the active one, so that strategy code called outside
        :meth:`call` (methods of strategy classes, raw functions) and API calls in the test
        body (``get_price``...) see it.  :meth:`at`, :meth:`call` and ``h.<function>`` do
        this for you; the pytest plugin undoes it after each test."""
        _ACTIVE.set(self.run)
        return self

    def close(self) -> None:
        """Deactivate the run when it is the active one (the pytest plugin calls this)."""
        if _ACTIVE.get() is self.run:
            _ACTIVE.set(None)
        _OPEN.discard(self)

    def __enter__(self) -> "StrategyHarness":
        return self.activate()

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ time travel
    def at(self, when, cash: float | None = None, positions: Mapping | None = None,
           market=None) -> "StrategyHarness":
        """Put the run at simulated time ``when`` with the given portfolio.

        Parameters
        ----------
        when : str, datetime.datetime or datetime.date
            ``'2024-03-01 09:30'``; a date alone means 09:30.  Must be a trading day of the
            market.  The first call also runs ``initialize`` (and ``process_initialize``) at
            00:00 of that day, as a backtest starting that day would.
        cash : float, optional
            Set the available cash (yuan); default: keep it (the starting ``cash`` of
            :func:`load_strategy` at first).
        positions : mapping, optional
            Replace the holdings: ``{code: shares}``, ``{code: (shares, avg_cost)}`` or
            ``{code: {'amount': shares, 'avg_cost': yuan, 'closeable_amount': shares}}``.
            ``avg_cost`` defaults to that day's close; positions count as bought on an
            earlier day (all shares closeable, T+1) unless ``closeable_amount`` says less.
            Default: keep the current holdings.
        market : optional
            Switch to another market (see :func:`resolve_market`); ``g``, settings, log and
            holdings are kept.

        Returns
        -------
        StrategyHarness
            ``self``, so ``h.at(...).call(...)`` chains.  The recording restarts here (after
            ``initialize``): :attr:`trades` then shows the fills of waiting orders matched
            on the way (at the open, at the close), :attr:`log` the day-end cancellations.

        Raises
        ------
        ValueError
            ``when`` is not a trading day, or a position's security is not listed then.
        """
        dt = _parse_when(when)
        run = self.run
        if market is not None:
            store = resolve_market(market)
            if store is not run.store:
                self._retarget(store)
        store = run.store
        i = store.day_index(dt.date(), "right")
        if i < 0 or store.dates[i].date() != dt.date():
            j = store.day_index(dt.date(), "left")
            near = [str(store.dates[k].date()) for k in (i, j) if 0 <= k < store.n_days]
            raise ValueError(f"h.at(): {dt.date()} is not a trading day of the market "
                             f"({store.dates[0].date()} .. {store.dates[-1].date()}); nearest: {near}")
        self.activate()
        with bind(run):
            if not self._initialized:
                run.day_i = i
                run.current_dt = _dt.datetime.combine(dt.date(), _dt.time(0, 0))
                run.run_params = RunParams(dt.date(), store.dates[-1].date())
                if cash is not None:
                    self._set_cash(float(cash))
                    run.portfolio.inout_cash = float(cash)
                    run.portfolio._prev_total_value = float(cash)
                self._do_initialize()
            self._mark()
            if self._day_started and (i != run.day_i or dt.time() < run.current_dt.time()):
                self._finish_day()
            if not self._day_started:
                run.day_i = i
                run._start_day()
                self._day_started = True
                self._opened = self._closed = False
            if cash is not None or positions is not None:
                self._set_portfolio(cash, positions)
            self._advance(dt.time())
        return self

    def _do_initialize(self) -> None:
        run = self.run
        ns = run.namespace
        run.phase = "initialize"
        try:
            if self._run_initialize:
                for name in ("initialize", "after_code_changed", "process_initialize"):
                    fn = ns.get(name)
                    if callable(fn):
                        fn(run.context)
            if run.config.benchmark:
                run.settings.benchmark = run.config.benchmark
        finally:
            run.phase = "trading"
            self._initialized = True

    def _advance(self, t: _dt.time) -> None:
        run = self.run
        if not self._opened and t >= OPEN:
            run._set_time(OPEN)
            run._open()
            self._opened = True
        if not self._closed and t >= CLOSE:
            run._set_time(CLOSE)
            run._close()
            self._closed = True
        run._set_time(t)
        run._mark(t)

    def _finish_day(self) -> None:
        self._advance(CLOSE)
        self.run._end_day()
        self._day_started = False

    def _retarget(self, store: Store) -> None:
        """Point the run at another store (same broker, portfolio, g, settings, log)."""
        from ..scheduler import fire_days

        run = self.run
        if self._day_started:
            with bind(run):
                self._finish_day()
        for code in run.portfolio.long_positions:
            store.col(code)  # a held security must exist in the new market
        run.store = store
        run.i0, run.i1 = 0, store.n_days - 1
        run.run_dates = store.dates
        run._sec_type = store.cached("sec_type", lambda: dict(zip(store.securities["code"], store.securities["type"])))
        run._adj_cache = {}
        run._benchmark_cache = None
        for t in run.tasks:
            t.days = fire_days(t.kind, t.n, t.force, run.run_dates, store.dates, 0)

    def _set_cash(self, cash: float) -> None:
        pf = self.run.portfolio
        self.run.broker.cancel_all("")  # release cash/shares locked by resting orders
        pf.available_cash = cash
        pf.locked_cash = 0.0
        pf.transferable_cash = cash

    def _set_portfolio(self, cash: float | None, positions: Mapping | None) -> None:
        run = self.run
        pf = run.portfolio
        if cash is not None:
            self._set_cash(float(cash))
        if positions is not None:
            run.broker.cancel_all("")
            pf.long_positions.clear()
            prev = run.previous_date or run.current_date
            bought = _dt.datetime.combine(prev, CLOSE)
            for code, spec in positions.items():
                avg_cost = closeable = None
                if isinstance(spec, Mapping):
                    amount = spec["amount"]
                    avg_cost = spec.get("avg_cost")
                    closeable = spec.get("closeable_amount")
                elif isinstance(spec, (tuple, list)):
                    amount, avg_cost = spec
                else:
                    amount = spec
                amount = int(amount)
                if amount <= 0:
                    continue
                j = run.store.col(code)
                if not run.is_listed(j):
                    raise ValueError(f"h.at(): {code} is not listed on {run.current_date}; cannot hold it")
                if avg_cost is None:
                    avg_cost = run.bar("close", j) * run.price_scale(j)
                p = Position(code, bought)
                p.avg_cost = p.acc_avg_cost = p.hold_cost = float(avg_cost)
                p.total_amount = amount
                p.closeable_amount = amount if closeable is None else int(closeable)
                p.today_amount = amount - p.closeable_amount
                px = run.latest_price(j)
                p.price = px if px == px else float(avg_cost)
                pf.long_positions[code] = p
        total = pf.total_value
        pf.inout_cash = total
        pf._prev_total_value = total
        pf.available_margin = pf.available_cash

    # ------------------------------------------------------------------ calling
    def _mark(self) -> None:
        b = self.run.broker
        self._o0, self._t0, self._l0 = len(b.all_orders), len(b.all_trades), len(self.run.log.lines)
        self._g0 = _snapshot(self.run)

    def _default_args(self, fn: Callable, name: str) -> tuple:
        try:
            params = inspect.signature(fn).parameters.values()
        except (TypeError, ValueError):
            return (self.context,)
        req = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
               and p.default is p.empty]
        if not req:
            return ()
        if len(req) == 1:
            return (self.context,)
        if len(req) == 2 and name == "handle_data":
            return (self.context, BarData(self.run))
        raise TypeError(f"{name}() takes {len(req)} arguments ({', '.join(p.name for p in req)}); "
                        f"pass them, e.g. h.call('{name}', h.context, ...)")

    def call(self, func: str | Callable, *args, **kwargs) -> Any:
        """Call a strategy function at the current simulated time and record what it does.

        With no arguments a callback gets ``context`` (``handle_data`` also gets ``data``);
        otherwise the arguments are passed as given (``h.context`` is the context).  The
        recording (:attr:`orders`, :attr:`trades`, :attr:`log`, :attr:`g_changes`) restarts
        at each call.  Exceptions of the strategy propagate unchanged.

        Parameters
        ----------
        func : str or callable
            Name of a module-level function of the strategy, or any callable.

        Returns
        -------
        object
            What the function returned.
        """
        if isinstance(func, str):
            name = func
            fn = self.run.namespace.get(func)
            if not callable(fn):
                raise AttributeError(self._no_such(func))
        else:
            fn, name = func, getattr(func, "__name__", repr(func))
        if not args and not kwargs:
            args = self._default_args(fn, name)
        self.activate()
        self._mark()
        run = self.run
        phase = run.phase
        if name in ("initialize", "after_code_changed", "process_initialize"):
            run.phase = "initialize"  # set_option('use_real_price') is allowed there
        try:
            with bind(run):
                return fn(*args, **kwargs)
        finally:
            run.phase = phase

    def _no_such(self, name: str) -> str:
        defined = sorted(k for k, v in self.run.namespace.items()
                         if (isinstance(v, (types.FunctionType, type))) and
                         getattr(v, "__module__", None) == "__jqlite_strategy__")
        return f"strategy {self.path.name} defines no {name!r}; it defines: {', '.join(defined) or '(nothing)'}"

    def _lookup(self, name: str):
        ns = self.run.namespace
        if name not in ns:
            raise AttributeError(self._no_such(name))
        v = ns[name]
        if isinstance(v, types.FunctionType) and v.__globals__ is ns:
            @functools.wraps(v)
            def bound(*args, **kwargs):
                return self.call(v, *args, **kwargs)
            return bound
        if isinstance(v, type):
            self.activate()  # its methods use the API through the active run
        return v

    def __getattr__(self, name: str):
        if name.startswith("_") or "run" not in self.__dict__:
            raise AttributeError(name)
        return self._lookup(name)

    # ------------------------------------------------------------------ recordings
    @property
    def orders(self) -> list[Order]:
        """Orders placed since the start of the last :meth:`at` / :meth:`call` (engine Order
        objects, in placement order)."""
        return self.run.broker.all_orders[self._o0:]

    @property
    def trades(self) -> list[Trade]:
        """Fills since the last :meth:`at` / :meth:`call` (engine Trade objects)."""
        return self.run.broker.all_trades[self._t0:]

    @property
    def log(self) -> list[str]:
        """Log lines (strategy and engine) since the last :meth:`at` / :meth:`call`."""
        return self.run.log.lines[self._l0:]

    @property
    def g_changes(self) -> dict[str, tuple[Any, Any]]:
        """``{name: (old, new)}`` of the ``g`` attributes changed since the last :meth:`at` /
        :meth:`call`; :data:`MISSING` stands for an attribute that did not (no longer) exist."""
        now = vars(self.run.g)
        out = {}
        for k in sorted(set(self._g0) | set(now)):
            old, new = self._g0.get(k, MISSING), now.get(k, MISSING)
            if old is MISSING or new is MISSING or not _same(old, new):
                out[k] = (old, new)
        return out

    @property
    def all_orders(self) -> list[Order]:
        """Every order since :func:`load_strategy`."""
        return list(self.run.broker.all_orders)

    @property
    def all_trades(self) -> list[Trade]:
        """Every fill since :func:`load_strategy`."""
        return list(self.run.broker.all_trades)

    @property
    def all_log(self) -> list[str]:
        """Every log line since :func:`load_strategy`."""
        return list(self.run.log.lines)

    # ------------------------------------------------------------------ state
    @property
    def context(self):
        """The strategy's ``context``."""
        return self.run.context

    @property
    def g(self):
        """The strategy's ``g`` (this run's, not a proxy)."""
        return self.run.g

    @property
    def portfolio(self):
        """``context.portfolio``."""
        return self.run.portfolio

    @property
    def positions(self):
        """``context.portfolio.positions`` (code -> Position)."""
        return self.run.portfolio.long_positions

    @property
    def holdings(self) -> dict[str, int]:
        """``{code: total shares}`` of the current holdings (locked shares included)."""
        return {c: p.total_amount + p.locked_amount for c, p in self.run.portfolio.long_positions.items()}

    @property
    def cash(self) -> float:
        """``context.portfolio.available_cash`` in yuan."""
        return self.run.portfolio.available_cash

    @property
    def now(self) -> _dt.datetime:
        """``context.current_dt``."""
        return self.run.current_dt

    @property
    def settings(self):
        """The run's settings (``use_real_price``, ``benchmark``, ...)."""
        return self.run.settings

    @property
    def market(self) -> Store:
        """The store the run reads."""
        return self.run.store

    @property
    def schedule(self) -> list[ScheduledTask]:
        """The functions scheduled with ``run_daily``/``run_weekly``/``run_monthly``."""
        def hm(t: _dt.time) -> str:
            return t.strftime("%H:%M:%S" if t.second else "%H:%M")
        return [ScheduledTask(t.kind, t.func.__name__, hm(t.time), t.n) for t in self.run.tasks]

    def run_days(self, start, end=None) -> "StrategyHarness":
        """Run the engine's whole day loop (scheduled tasks, ``before_trading_start``,
        ``handle_data``, ``after_trading_end``, matching) for the trading days in
        ``[start, end]`` (``end`` defaults to ``start``) from the current portfolio.

        The recording restarts here and covers all those days.  The current day, if any, is
        ended first.

        Returns
        -------
        StrategyHarness
        """
        run = self.run
        store = run.store
        a = store.day_index(pd.Timestamp(start), "left")
        b = store.day_index(pd.Timestamp(end if end is not None else start), "right")
        if a > b:
            raise ValueError(f"h.run_days(): no trading day in {start} .. {end}")
        self.activate()
        self._mark()
        with bind(run):
            if not self._initialized:
                run.day_i = a
                run.current_dt = _dt.datetime.combine(store.dates[a].date(), _dt.time(0, 0))
                run.run_params = RunParams(store.dates[a].date(), store.dates[-1].date())
                self._do_initialize()
            elif self._day_started:
                self._finish_day()
            handle = run.namespace.get("handle_data")
            for pos in range(a, b + 1):
                run._run_day(pos - run.i0, handle if callable(handle) else None)
        self._day_started = False
        return self

    def __repr__(self) -> str:
        return f"<StrategyHarness {self.path.name} at {self.run.current_dt} holdings={self.holdings}>"


def load_strategy(path: str | os.PathLike, market=None, *, cash: float = 100000.0,
                  initialize: bool = True, source: str | None = None,
                  storage: str | os.PathLike | None = None, seed: int = 0,
                  echo_log: bool = False, benchmark: str | None = None) -> StrategyHarness:
    """Load a JoinQuant strategy file for unit tests.

    The file runs unchanged, in a fresh namespace, bound to a new engine run over
    ``market``; nothing is shared with other harnesses or backtests.

    Parameters
    ----------
    path : path-like
        The strategy file (or only its name when ``source`` is given).
    market : Store, path, mapping or None
        See :func:`resolve_market`; default the default store (the sample market).
    cash : float
        Starting cash in yuan.
    initialize : bool
        Run ``initialize(context)`` at the first :meth:`StrategyHarness.at` (default).
        With False, call it yourself: ``h.at(...); h.call('initialize')``.
    source : str, optional
        Strategy source text instead of the file's.
    storage : path, optional
        ``write_file``/``read_file`` folder (default: a fresh temporary folder).
    seed : int
        Seeds Python's and numpy's RNGs before the module code runs.
    echo_log : bool
        Also print log lines.
    benchmark : str, optional
        Overrides ``set_benchmark``.

    Returns
    -------
    StrategyHarness

    Raises
    ------
    ConfigError
        Missing file or syntax error.
    StrategyError
        The module-level code raised.
    """
    return StrategyHarness(path, market, cash=cash, initialize=initialize, source=source,
                           storage=storage, seed=seed, echo_log=echo_log, benchmark=benchmark)


# ---------------------------------------------------------------------------- assertions
def _describe(o: Order) -> str:
    side = "buy " if o.is_buy else "sell"
    why = f" ({o._reason})" if o._reason else ""
    return (f"  #{o.order_id} {o.add_time:%Y-%m-%d %H:%M} {side} {o.security} amount={o.amount} "
            f"filled={o.filled} price={o.price:.2f} status={o.status}{why}")


def _report(h: StrategyHarness) -> str:
    lines = [_describe(o) for o in h.orders] or ["  (none)"]
    warn = [ln for ln in h.log if " - WARNING - " in ln or " - ERROR - " in ln][-10:]
    msg = "Orders placed since the last h.at()/h.call():\n" + "\n".join(lines)
    if warn:
        msg += "\nWarnings logged:\n" + "\n".join("  " + w for w in warn)
    return msg


def _matches(h: StrategyHarness, o: Order, security, amount, value, side, status, rel) -> bool:
    if security is not None and o.security != security:
        return False
    if side is not None and o.is_buy != (side == "buy"):
        return False
    if amount is not None and o.amount != int(amount):
        return False
    if status is not None and str(o.status) != str(status):
        return False
    if value is not None:
        run = h.run
        if o.filled:
            price = o.price
        else:
            with bind(run):
                price = run.latest_price(run.store.col(o.security))
        lot = lot_rules(o.security, run.sec_type(o.security))[0]
        tol = abs(value) * rel if rel is not None else lot * price
        if abs(o.amount * price - abs(value)) > tol + 1e-6:
            return False
    return True


def assert_ordered(h: StrategyHarness, security: str | None = None, *, amount: int | None = None,
                   value: float | None = None, side: str | None = None, status: str | None = None,
                   rel: float | None = None) -> Order:
    """Assert that the last :meth:`~StrategyHarness.call` (or since the last
    :meth:`~StrategyHarness.at`) placed a matching order; return it.

    Parameters
    ----------
    h : StrategyHarness
    security : str, optional
        Code of the order.
    amount : int, optional
        Requested shares after lot rounding (positive for sells too).
    value : float, optional
        Yuan: matches when ``amount x price`` is within one lot's value of it (within
        ``rel x value`` when ``rel`` is given); price = the fill price, or the latest price
        for an unfilled order.
    side : {'buy', 'sell'}, optional
    status : str, optional
        ``'held'`` (filled), ``'canceled'``, ``'open'``, ``'new'``, ``'filled'`` (partly).
    rel : float, optional
        Relative tolerance of ``value``.

    Returns
    -------
    jqlite.execution.orders.Order
        The first matching order.

    Raises
    ------
    AssertionError
        Listing every order placed and the warnings logged (why an order was refused).
    """
    if side not in (None, "buy", "sell"):
        raise ValueError(f"assert_ordered(): side must be 'buy' or 'sell', was {side!r}")
    for o in h.orders:
        if _matches(h, o, security, amount, value, side, status, rel):
            return o
    want = ", ".join(f"{k}={v!r}" for k, v in (("security", security), ("side", side), ("amount", amount),
                                                ("value", value), ("status", status)) if v is not None)
    raise AssertionError(f"expected an order with {want or 'any fields'} at {h.now:%Y-%m-%d %H:%M}, "
                         f"found none.\n{_report(h)}")


def assert_not_ordered(h: StrategyHarness, security: str | None = None, *, side: str | None = None) -> None:
    """Assert that no order (for ``security``, on ``side``) was placed since the last
    :meth:`~StrategyHarness.at` / :meth:`~StrategyHarness.call`.

    Raises
    ------
    AssertionError
        Listing the offending orders.
    """
    bad = [o for o in h.orders if _matches(h, o, security, None, None, side, None, None)]
    if bad:
        what = security or "any security"
        raise AssertionError(f"expected no {side + ' ' if side else ''}order for {what}, found "
                             f"{len(bad)}.\n{_report(h)}")


# ---------------------------------------------------------------------------- whole runs
def run_backtest(path: str | os.PathLike = "strategy.py", start=None, end=None, market=None,
                 cash: float = 100000.0, *, source: str | None = None,
                 storage: str | os.PathLike | None = None, **kwargs):
    """Run a whole backtest of a strategy file over a (tiny) market, for tests.

    A thin wrapper of :func:`jqlite.run_backtest`: the market may be a Store, a folder, a
    mapping of closes (its days start at ``start``) or None (see :func:`resolve_market`),
    ``start``/``end`` default to the
    market's first/last day, and ``write_file`` goes to a fresh temporary folder.

    Parameters
    ----------
    path : path-like
        Strategy file (only named when ``source`` is given).
    start, end : date-like, optional
    market : optional
    cash : float
    source : str, optional
        Strategy source text.
    storage : path, optional
    kwargs
        Passed to :func:`jqlite.run_backtest` (``benchmark``, ``seed``, ``raise_errors``, ``out``...).

    Returns
    -------
    jqlite.results.BacktestResult
        ``daily`` (values per day), ``orders``, ``trades``, ``positions`` DataFrames,
        ``metrics`` dict, ``log`` lines and ``run`` (the engine run: ``result.run.g``...).
    """
    import jqlite

    if isinstance(market, Mapping) and start is not None:
        from .builders import tiny_market
        store = tiny_market(_tmp_dir("market-") / "store", market, start=str(pd.Timestamp(start).date()))
    else:
        store = resolve_market(market)
    if start is None:
        start = store.dates[0]
    if end is None:
        end = store.dates[-1]
    if storage is None:
        storage = _tmp_dir(f"storage-{Path(path).stem}-")
    return jqlite.run_backtest(path, start, end, cash, store=store, storage=storage, source=source, **kwargs)


def _close_all() -> None:
    """Deactivate every open harness (pytest plugin teardown)."""
    for h in list(_OPEN):
        h.close()
