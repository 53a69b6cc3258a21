"""One backtest run: owns the clock, broker, portfolio, scheduler, settings, ``g`` and log.

Nothing a run changes lives in module globals: two runs in one process (or two threads) do
not see each other (architecture brief §1, §4).  The event order inside a day follows spec
``jq_trading_semantics.md`` §1.1/§2.4::

    day start: T+1 unlock, corporate actions (real-price mode), clear today's orders
    for each time of day (ascending): run_monthly > run_weekly > run_daily tasks,
        then before_trading_start (09:00), handle_data (09:30), after_trading_end (15:30)
    09:30 before callbacks: orders waiting for the open are matched
    15:00 before callbacks at/after 15:00: resting limit orders matched, the rest cancelled
    day end: mark to market, ledger row

With minute bars in the store (:mod:`jqlite.data.minute`) the clock also moves inside the
session: before every event at HH:MM the broker matches resting limit orders against the
minute bars that ended since the last event, the latest price is the close of the bar
labelled HH:MM (spec §4.1), and in minute frequency (``frequency='minute'``) handle_data and
``run_daily(f, 'every_bar')`` run at the 240 call times 09:30 ... 11:29, 13:00 ... 14:59.
"""

from __future__ import annotations

import datetime as _dt
import math
import os
import time as _time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from .accounting.portfolio import Portfolio, Position
from .data.calendar import AFTER_CLOSE, BEFORE_OPEN, CLOSE, OPEN
from .data.minute import CALL_TIMES, slot_of
from .data.store import Store, open_store
from .errors import ConfigError, DataError, StrategyError
from .execution.broker import Broker
from .execution.costs import CostBook
from .execution.otc import OtcBook
from .objects import BarData, Context, GlobalVars, RunParams, StrategyLog
from .scheduler import PRIORITY, Task, fire_days


@dataclass
class Settings:
    """Per-run options set by ``set_option`` / ``set_benchmark`` (spec §6)."""

    use_real_price: bool = False
    order_volume_ratio: float = 1.0
    avoid_future_data: bool = False
    match_by_signal: bool = False
    t0_mode: bool = False
    futures_margin_rate: float | None = None   # set_option('futures_margin_rate')
    #: set_option('margincash_interest_rate' | 'margincash_margin_rate' | 'marginsec_interest_rate' |
    #: 'marginsec_margin_rate'): name -> value (jqlite.execution.margin.DEFAULT_RATES otherwise)
    margin_rates: dict = field(default_factory=dict)
    benchmark: str | dict | None = "000300.XSHG"


@dataclass
class BacktestConfig:
    """What to run.

    Parameters
    ----------
    strategy : path
        The JoinQuant strategy file.
    start, end : str or datetime.date
        First and last day (inclusive); non-trading days are rolled inward.
    cash : float
        Starting cash in yuan (JoinQuant's default 100,000).
    benchmark : str, optional
        Overrides the strategy's ``set_benchmark``.
    data : path, optional
        Store folder (default :func:`jqlite.data.store.default_store_path`).
    out : path, optional
        Result folder (not written when None).
    seed : int
        Seeds Python's, numpy's (hence scikit-learn's default) and PyTorch's generators before
        the strategy is loaded (:mod:`jqlite.determinism`).
    threads : int, optional
        OpenMP/BLAS threads of the run (LightGBM, XGBoost, BLAS, PyTorch); default
        ``os.cpu_count()``.  Same seed and threads => identical orders.
    storage : path, optional
        Folder of ``write_file``/``read_file`` (default ``~/.jqlite/storage/<strategy stem>``).
    echo_log : bool
        Print log lines while running.
    """

    strategy: str | os.PathLike
    start: Any
    end: Any
    cash: float = 100000.0
    benchmark: str | None = None
    data: str | os.PathLike | None = None
    out: str | os.PathLike | None = None
    seed: int = 0
    threads: int | None = None
    storage: str | os.PathLike | None = None
    echo_log: bool = False
    verbose: bool = False       # echo every order warning (else counted per kind on the console)
    progress: Callable[[int, int, "Run"], None] | None = None
    store: Store | None = None
    source: str | None = None   # strategy source text (tests); read from file when None
    frequency: str = "day"      # 'day' or 'minute' (JoinQuant's run_params.frequency)
    #: codes synthesised on demand by an earlier attempt of this run (a restart, see
    #: jqlite.run_backtest): synthesised before the run starts
    on_demand: tuple = ()


def _prescan_codes(store: Store, config: "BacktestConfig") -> tuple[Store, list[str]]:
    """Synthesise the codes the strategy source names (and those a restarted run added)
    before the run opens its store (sample stores only, :mod:`jqlite.data.on_demand`).

    Returns the store to use (re-opened when codes were added) and the run's on-demand codes.
    """
    from .data.on_demand import codes_in_source, materialise
    text = config.source
    if text is None:
        try:
            text = Path(config.strategy).read_text(encoding="utf-8", errors="replace")
        except OSError:
            text = ""
    codes = set(codes_in_source(text)) | set(config.on_demand)
    if isinstance(config.benchmark, str):
        codes |= set(codes_in_source(repr(config.benchmark)))
    missing = [c for c in sorted(codes) if c not in store.code_index]
    if missing and materialise(store, missing, window=(config.start, config.end)):
        store = open_store(store.path)
    return store, sorted(c for c in codes if c in store.on_demand)


def default_storage(strategy: str | os.PathLike) -> Path:
    """``~/.jqlite/storage/<strategy stem>`` or ``$JQLITE_STORAGE/<stem>``."""
    root = os.environ.get("JQLITE_STORAGE")
    base = Path(root).expanduser() if root else Path.home() / ".jqlite" / "storage"
    return base / Path(strategy).stem


class Run:
    """A single backtest; create with a :class:`BacktestConfig` and call :meth:`execute`."""

    def __init__(self, config: BacktestConfig):
        self.config = config
        self.store = config.store or open_store(config.data)
        #: codes of this run synthesised on demand in the sample market (jqlite.data.on_demand)
        self.on_demand_codes: list[str] = []
        self.on_demand_used: set[str] = set()
        self.on_demand_pending: set[str] = set()   # synthesised mid-run: a restart follows
        if getattr(self.store, "synthesizes", False):
            self.store, self.on_demand_codes = _prescan_codes(self.store, config)
        start = pd.Timestamp(config.start).normalize()
        end = pd.Timestamp(config.end).normalize()
        try:
            cash_ok = math.isfinite(float(config.cash)) and float(config.cash) > 0
        except (TypeError, ValueError):
            cash_ok = False
        if not cash_ok:
            raise ConfigError(f"backtest: cash must be a finite number > 0 yuan, was {config.cash!r}")
        if config.benchmark and config.benchmark not in self.store.code_index:
            raise ConfigError(f"backtest: benchmark {config.benchmark!r} is not in the data store {self.store.path}")
        if end < start:
            raise ConfigError(f"backtest: end ({end.date()}) must not be before start ({start.date()})")
        i0 = self.store.day_index(start, "left")
        i1 = self.store.day_index(end, "right")
        if i0 >= self.store.n_days or i1 < i0:
            raise ConfigError(f"backtest: no trading day of the data store {self.store.path} "
                              f"({self.store.dates[0].date()} .. {self.store.dates[-1].date()}) "
                              f"lies in {start.date()} .. {end.date()}")
        freq = str(config.frequency or "day").strip().lower()
        freq = {"daily": "day", "1d": "day", "1m": "minute"}.get(freq, freq)
        if freq == "tick":
            raise ConfigError("backtest: tick frequency needs tick (snapshot) data and handle_tick/subscribe "
                              "matching, which jqlite does not have; use frequency 'day' or 'minute'")
        if freq not in ("day", "minute"):
            raise ConfigError(f"backtest: frequency must be 'day' or 'minute', was {config.frequency!r}")
        #: 1-minute bars of the store (None: daily bars only, intraday orders use the
        #: documented daily fallback, see jqlite.execution.broker)
        self.minute = self.store.minute_bars()
        if freq == "minute" and self.minute is None:
            raise ConfigError(f"backtest: frequency 'minute' needs 1-minute bars, and the data store "
                              f"{self.store.path} has none (bars_minute/ is missing); import minute bars "
                              f"(`jqlite data import`) or use the sample market")
        self.frequency = freq
        #: engine notes shown in the run summary (e.g. the daily-bar fallback for intraday orders)
        self.notes: list[str] = []
        self._minute_days: dict = {}   # day * 1_000_003 + column -> objects._MinuteDay, reset daily
        self._today: tuple | None = None
        self._minute_gaps: set[str] = set()
        #: run-level warnings shown on the console, in the summary and in metrics.json
        self.warnings: list[str] = []
        first, last = self.store.dates[0], self.store.dates[-1]
        if end > last:
            self.warnings.append(f"end {end.date()} is after the data store's last day {last.date()}: "
                                 f"the run stops on {last.date()}")
        if start < first:
            self.warnings.append(f"start {start.date()} is before the data store's first day {first.date()}: "
                                 f"the run starts on {self.store.dates[i0].date()}")
        self.i0, self.i1 = i0, i1
        self.run_dates = self.store.dates[i0:i1 + 1]
        self.day_i = i0
        self.current_dt = _dt.datetime.combine(self.run_dates[0].date(), _dt.time(0, 0))
        self.phase = "init"
        self.settings = Settings()
        self.costs = CostBook()
        self.portfolio = Portfolio(config.cash)
        self.broker = Broker(self)
        #: futures accounts (jqlite.execution.futures.FuturesBook), set by set_subportfolios
        self.futures = None
        self.otc = OtcBook(self)     # open-end fund purchase/redeem (jqlite.execution.otc)
        self.g = GlobalVars()
        self.log = StrategyLog(self, echo=config.echo_log, verbose=config.verbose)
        self.context = Context(self)
        self.universe: list[str] = []
        self.run_params = RunParams(self.run_dates[0].date(), self.run_dates[-1].date(), freq)
        self.tasks: list[Task] = []
        self.records: dict[_dt.date, dict] = {}
        self.storage = Path(config.storage) if config.storage else default_storage(config.strategy)
        self.profile: dict[str, dict[str, float]] = {}
        self.api_time: dict[str, float] = {"data": 0.0, "factor": 0.0}
        self.ledger: list[tuple] = []
        self.position_rows: list[tuple] = []
        self.error: StrategyError | None = None
        self.namespace: dict[str, Any] = {}
        self._sec_type = self.store.cached("sec_type", lambda: dict(zip(self.store.securities["code"], self.store.securities["type"])))
        self._adj_cache: dict = {}
        self._benchmark_cache: tuple | None = None
        self.finished_days = 0
        self.wall_time = 0.0    # seconds in execute(): strategy load + callbacks + engine
        self.load_time = 0.0    # seconds importing/compiling the strategy file
        self.threads: int | None = None   # OpenMP/BLAS threads, set by execute()
        #: data-gap ledger (jqlite.api._gaps): (api, what) -> {api, what, calls, first_dt, message}
        self.data_gaps: dict[tuple[str, str], dict[str, Any]] = {}
        self.callback_name: str | None = None   # the callback running (or last run)
        self.interrupted = None    # a jqlite.errors.RunInterrupted when a signal stopped the run
        if self.on_demand_codes:
            self._say_on_demand()

    # ------------------------------------------------------------------ market state
    @property
    def previous_date(self) -> _dt.date | None:
        return self.store.dates[self.day_i - 1].date() if self.day_i > 0 else None

    @property
    def current_date(self) -> _dt.date:
        return self.store.dates[self.day_i].date()

    def sec_type(self, code: str) -> str:
        t = self._sec_type.get(code)
        if t is None:
            self.store.col(code)  # raises SecurityNotFoundError naming it
        return t

    def bar(self, field: str, j: int, i: int | None = None) -> float:
        """Raw bar value of column ``j`` on day ``i`` (default today)."""
        return float(self.store.field(field)[self.day_i if i is None else i, j])

    def ref_factor(self) -> np.ndarray:
        """Per-security factor of the adjustment reference in non-real-price mode: the last
        factor in the store ("backtest creation date", spec §6.2)."""
        from .api.market import _last_factor
        return _last_factor(self.store)

    def price_scale(self, j: int, i: int | None = None) -> float:
        """Multiplier from raw to trading prices: 1 in real-price mode, else the forward
        adjustment to the store's last date (``factor(d) / factor(last)``)."""
        if self.settings.use_real_price:
            return 1.0
        f = self.store.field("factor")[self.day_i if i is None else i, j]
        return float(f / self.ref_factor()[j]) if f == f else 1.0

    def adjusted_value(self, field: str, i: int, j: int) -> float:
        """A bar value as the strategy sees it in its price mode (pre-adjusted to today in
        real-price mode, to the store end otherwise; volume divided by the same factor)."""
        v = float(self.store.field(field)[i, j])
        if field in ("open", "close", "high", "low", "pre_close", "high_limit", "low_limit", "avg"):
            return v * self._fq_scale(i, j)
        if field == "volume":
            return v / self._fq_scale(i, j)
        if field == "factor":
            return self._fq_scale(i, j)
        return v

    def _fq_scale(self, i: int, j: int) -> float:
        f = self.store.field("factor")
        ref = f[self.day_i, j] if self.settings.use_real_price else self.ref_factor()[j]
        if not (ref == ref):
            ref = self.ref_factor()[j]
        return float(f[i, j] / ref) if f[i, j] == f[i, j] else float("nan")

    def is_listed(self, j: int) -> bool:
        return bool(self.store.field("close")[self.day_i, j] == self.store.field("close")[self.day_i, j])

    def is_paused(self, j: int) -> bool:
        return bool(self.store.field("paused")[self.day_i, j] == 1)

    def latest_price(self, j: int) -> float:
        """The "latest price" at ``current_dt`` (spec §4.1) in trading-price terms: before the
        open the previous close (today's ``pre_close``), at 09:30 the open, after the close
        the close.  In between: with minute bars the close of the last bar that ended (the
        bar labelled HH:MM at HH:MM:00, 11:30's during the lunch break); without them the
        day's close (jqlite's documented daily fallback)."""
        t = self.current_dt.time()
        if t < OPEN or (t < CLOSE and self._otc_col(j)):
            # open-end (.OF) funds: today's NAV is published after the close, so during the
            # day the latest price is the previous NAV (the daily bar's open = close = NAV)
            f = "pre_close"
        elif t == OPEN:
            f = "open"
        else:
            f = "close"
            if t < CLOSE and self.minute is not None:
                s = slot_of(t)
                if s < 0:
                    f = "open"
                else:
                    v = self.minute.value(j, self.day_i, "close", s)
                    if v == v:
                        return v * self.price_scale(j)
                    if not self.is_paused(j) and self.is_listed(j):
                        # a traded day without minute bars (partial import): say so once
                        code = str(self.store.codes[j])
                        if code not in self._minute_gaps:
                            self._minute_gaps.add(code)
                            self.note(f"{code} has no minute bars on {self.current_date} (first gap): its "
                                      f"intraday prices fell back to the day's close")
        return self.bar(f, j) * self.price_scale(j)

    def _otc_col(self, j: int) -> bool:
        """Whether store column ``j`` is an open-end (``.OF``) fund (cached per store)."""
        m = self.store.cached("otc_columns", lambda: np.char.endswith(self.store.codes.astype(str), ".OF"))
        return bool(m[j])

    def note(self, text: str) -> None:
        """Record an engine note once; it is printed in the run summary and kept in
        ``metrics['engine_notes']``."""
        if text not in self.notes:
            self.notes.append(text)

    def new_position(self, code: str) -> Position:
        p = Position(code, self.current_dt)
        self.portfolio.long_positions[code] = p
        return p

    # ------------------------------------------------------------------ scheduling
    def add_task(self, kind: str, func: Callable, time: _dt.time, n: int = 0, force: bool = True,
                 every_bar: bool = False) -> None:
        days = fire_days(kind, n, force, self.run_dates, self.store.dates, self.i0)
        self.tasks.append(Task(kind, func, time, n, force, len(self.tasks), days, every_bar))

    def _events_of(self, pos: int) -> list[tuple]:
        ev = []
        minute = self.frequency == "minute"
        for t in self.tasks:
            if pos in t.days:
                if minute and t.every_bar:   # every minute in minute frequency (spec §2.2)
                    ev.extend((tm, PRIORITY[t.kind], t.seq, t.func.__name__, t.func) for tm in CALL_TIMES)
                else:
                    ev.append((t.time, PRIORITY[t.kind], t.seq, t.func.__name__, t.func))
        ns = self.namespace
        for name, tm, pr in (("before_trading_start", BEFORE_OPEN, 3), ("handle_data", OPEN, 4),
                             ("after_trading_end", AFTER_CLOSE, 5)):
            fn = ns.get(name)
            if callable(fn):
                if minute and name == "handle_data":
                    ev.extend((t, pr, 0, name, fn) for t in CALL_TIMES)
                else:
                    ev.append((tm, pr, 0, name, fn))
        ev.sort(key=lambda e: (e[0], e[1], e[2]))
        return ev

    # ------------------------------------------------------------------ callbacks
    def call(self, name: str, fn: Callable, *args) -> Any:
        t0 = _time.perf_counter()
        d0, f0 = self.api_time["data"], self.api_time["factor"]
        self.callback_name = name   # named in error.json when a signal stops the run here
        try:
            return fn(*args)
        except StrategyError:
            raise
        except SystemExit as exc:  # exit()/sys.exit() in a callback ends the backtest, not Python
            new = RuntimeError(f"the strategy called exit()/sys.exit({exc.code!r}) in {name}(): "
                               "the backtest stops here")
            new.__traceback__ = exc.__traceback__
            raise StrategyError(name, self.current_dt, self._user_traceback(new), new) from exc
        except ModuleNotFoundError as exc:  # name the jqlite extra that provides it
            from .compat.libs import missing_module_error
            new = missing_module_error(exc)
            raise StrategyError(name, self.current_dt, self._user_traceback(new), new) from exc
        except Exception as exc:  # the strategy's own error
            raise StrategyError(name, self.current_dt, self._user_traceback(exc), exc) from exc
        finally:
            el = _time.perf_counter() - t0
            p = self.profile.setdefault(name, {"calls": 0, "total": 0.0, "data": 0.0, "factor": 0.0})
            p["calls"] += 1
            p["total"] += el
            p["data"] += self.api_time["data"] - d0
            p["factor"] += self.api_time["factor"] - f0

    def _user_traceback(self, exc: BaseException) -> str:
        tb = traceback.extract_tb(exc.__traceback__)
        path = str(Path(self.config.strategy).resolve())
        keep = [i for i, fr in enumerate(tb) if fr.filename == path]
        frames = tb[keep[0]:] if keep else tb
        return "Traceback (most recent call last):\n" + "".join(traceback.format_list(frames)) + \
            "".join(traceback.format_exception_only(type(exc), exc))

    def _say_on_demand(self) -> None:
        """Say once, in the run log and the data-gap ledger, which securities the sample
        market synthesised on demand for this run and what they lack."""
        from .api._binding import bind
        from .api._gaps import record_gap
        from .data.on_demand import describe
        codes = self.on_demand_codes
        self.log.system_warning(
            f"sample market: {len(codes)} securit{'y' if len(codes) == 1 else 'ies'} not in the base sample "
            f"synthesised on demand for this run (deterministic synthetic bars; stocks take the industries and the "
            f"size-scaled statements of a base-market twin, valuation from their own bars, and have no index "
            f"membership, dividends or ST periods): "
            f"{describe(self.store, codes)}")
        from .data.on_demand_fundamentals import file_of as _fund_file
        stocks = [c for c in codes if self._sec_type.get(c) == "stock"
                  and not _fund_file(self.store.path, c, "valuation").exists()]
        if stocks:      # a store without base fundamentals (or a stock without a twin)
            with bind(self):
                record_gap("sample market", "fundamentals of on-demand stocks",
                           f"stocks synthesised on demand have no fundamentals or valuation rows (the "
                           f"store has no base fundamentals to scale): {', '.join(stocks)}", warn=False)

    # ------------------------------------------------------------------ main loop
    def execute(self) -> "Run":
        """Run the backtest; raises StrategyError after the partial results are complete."""
        from .api._binding import bind
        from .strategy import load_strategy

        from .determinism import Reproducible

        repro = Reproducible(self.config.seed, self.config.threads)
        self.threads = repro.threads
        t_start = _time.perf_counter()
        with bind(self), repro:
            try:
                self.namespace = load_strategy(self)
                repro.after_strategy_loaded()
                self.load_time = _time.perf_counter() - t_start
                ns = self.namespace
                self.phase = "initialize"
                init = ns.get("initialize")
                if callable(init):
                    self.call("initialize", init, self.context)
                for name in ("after_code_changed", "process_initialize"):
                    if callable(ns.get(name)):
                        self.call(name, ns[name], self.context)
                if self.config.benchmark:
                    self.settings.benchmark = self.config.benchmark
                self.phase = "trading"
                n = len(self.run_dates)
                handle = ns.get("handle_data")
                for pos in range(n):
                    self._run_day(pos, handle)
                    self.finished_days = pos + 1
                    if self.config.progress is not None:
                        self.config.progress(pos + 1, n, self)
                self.phase = "end"
                if callable(ns.get("on_strategy_end")):
                    self.call("on_strategy_end", ns["on_strategy_end"], self.context)
            except StrategyError as err:
                self.error = err
                raise
            finally:
                self.phase = "done"
                from .compat.libs import finish
                finish(self)
                late = sorted(self.on_demand_used - set(self.on_demand_codes))
                if late:
                    from .data.on_demand import describe
                    self.log.system_warning(f"sample market: this run also used securities synthesised on "
                                            f"demand (bars only): {describe(self.store, late)}")
                from .api._gaps import log_summary
                log_summary(self)
                self.wall_time = _time.perf_counter() - t_start
        return self

    def _set_time(self, t: _dt.time) -> None:
        d = self._today
        if d is None or d[0] != self.day_i:
            d = self._today = (self.day_i, self.run_dates[self.day_i - self.i0].date())
        self.current_dt = _dt.datetime.combine(d[1], t)

    def _run_day(self, pos: int, handle: Callable | None) -> None:
        self.day_i = self.i0 + pos
        self._start_day()
        events = self._events_of(pos)
        opened = closed = False
        for tm, _prio, _seq, name, fn in events:
            if not opened and tm >= OPEN:
                self._set_time(OPEN)
                self._open()
                opened = True
            if not closed and tm >= CLOSE:
                self._set_time(CLOSE)
                self._close()
                closed = True
            self._set_time(tm)
            if opened and not closed and self.minute is not None:
                self.broker.advance()     # resting limit orders vs the bars ended since
            self._mark(tm)
            if name == "handle_data":
                self.call(name, fn, self.context, BarData(self))
            else:
                self.call(name, fn, self.context)
        if not opened:
            self._set_time(OPEN)
            self._open()
        if not closed:
            self._set_time(CLOSE)
            self._close()
        self._end_day()

    def _start_day(self) -> None:
        self.broker.start_day()
        self._minute_days = {}
        pf = self.portfolio
        pf._prev_total_value = pf.total_value if self.ledger else pf.inout_cash
        for p in pf.long_positions.values():
            p.closeable_amount = p.total_amount
            p.today_amount = 0
        if self.futures is not None:
            self.futures.start_day()
        if self.settings.use_real_price:
            self._corporate_actions()
        self._set_time(_dt.time(0, 0))
        self.otc.start_day()         # redemptions due today: cash before any callback
        self._mark(_dt.time(0, 0))

    def _corporate_actions(self) -> None:
        """Cash dividends (20 % tax withheld on stocks) and bonus shares on the ex-date, for
        positions held at the previous close (spec §7.6)."""
        events = self.store.xrxd_by_day().get(self.day_i)
        if not events:
            return
        if self.futures is not None and self.futures.margin is not None:
            self.futures.margin.corporate_actions(events)
        pf = self.portfolio
        for code, bonus, scale in events:
            p = pf.long_positions.get(code)
            if p is None or p.total_amount + p.locked_amount <= 0:
                continue
            held = p.total_amount + p.locked_amount
            cash_ps = bonus / 10.0
            is_stock = self.sec_type(code) == "stock"
            net = cash_ps * held * (0.8 if is_stock else 1.0)
            if net:
                pf.available_cash += round(net, 2)
            if scale > 1.0:
                j = self.store.col(code)
                exact = held * scale
                new_total = int(np.floor(exact + 1e-9))
                add = new_total - held
                frac = exact - new_total
                ref = self.bar("pre_close", j)
                pf.available_cash += frac * ref  # keep total value unchanged (spec §7.6 注意2)
                p.total_amount += add
                p.closeable_amount = p.total_amount
                p.avg_cost = (p.avg_cost - cash_ps) / scale
                p.acc_avg_cost = (p.acc_avg_cost - cash_ps) / scale
                p.hold_cost = (p.hold_cost - cash_ps) / scale
            elif cash_ps:
                p.avg_cost -= cash_ps
                p.acc_avg_cost -= cash_ps
                p.hold_cost -= cash_ps
            self.log.system_info(f"{code} 分红送股: 每10股派{bonus:g}元, 送转比例{scale:g}, 持仓{held}股")
            fn = self.namespace.get("on_event")
            if callable(fn):
                from .api.events import DividendsEvent
                ev = DividendsEvent(code, [{"date": self.current_date, "scale_factor": scale,
                                            "bonus_pre_tax": bonus}])
                self.call("on_event", fn, self.context, ev)

    def _mark(self, t: _dt.time) -> None:
        for p in self.portfolio.long_positions.values():
            j = self.store.col(p.security)
            px = self.latest_price(j)
            if px == px:
                p.price = px
        if self.futures is not None:
            self.futures.mark()

    def _open(self) -> None:
        self._mark(OPEN)
        self.broker.at_open()
        if self.futures is not None:
            self.futures.at_open()

    def _close(self) -> None:
        self._mark(CLOSE)
        self.otc.at_close()
        self.broker.at_close()

    def _end_day(self) -> None:
        self._set_time(CLOSE)
        self.broker.cancel_all("")
        self._mark(CLOSE)
        pf = self.portfolio
        d = self.current_date
        pv = 0.0
        for p in pf.long_positions.values():
            amt = p.total_amount + p.locked_amount
            pv += p.price * amt
            self.position_rows.append((d, p.security, p.total_amount, p.closeable_amount,
                                       p.avg_cost, p.price, p.price * amt))
        total = pf.available_cash + pf.locked_cash + pf.redeeming_cash + pv
        cash = pf.available_cash
        if self.futures is not None:     # daily settlement and expiry, then the accounts' equity
            self.futures.end_day()
            total += self.futures.total_value()      # margin accounts: their net value
            cash += self.futures.ledger_cash()
            pv += self.futures.ledger_positions_value()
        self.ledger.append((d, total, cash, pv, self.broker.day_buy_value, self.broker.day_sell_value))
        pf.transferable_cash = pf.available_cash

    # ------------------------------------------------------------------ benchmark
    def benchmark_series(self) -> tuple[np.ndarray, float] | None:
        """(closes over the run days, close of the day before the start) of the benchmark,
        post-adjusted for stocks/funds; None when there is no usable benchmark."""
        bm = self.settings.benchmark
        if not bm:
            return None
        items = bm.items() if isinstance(bm, dict) else [(bm, 1.0)]
        total = np.zeros(len(self.run_dates) + 1)
        wsum = 0.0
        for code, w in items:
            if not w:
                continue
            j = self.store.code_index.get(code)
            if j is None:
                self.log.system_warning(f"benchmark {code} is not in the data store; no benchmark")
                return None
            a = max(self.i0 - 1, 0)
            c = self.store.field("close")[a:self.i1 + 1, j] * self.store.field("factor")[a:self.i1 + 1, j]
            c = pd.Series(c).ffill().bfill().to_numpy()
            if self.i0 == 0:
                c = np.concatenate([[c[0]], c])
            if not np.isfinite(c).all():
                self.log.system_warning(f"benchmark {code} has no data in the run window; no benchmark")
                return None
            total += w * c / c[0]
            wsum += w
        if wsum == 0:
            return None
        total += (1.0 - wsum)  # idle remainder (spec §6.1)
        return total[1:], float(total[0])
