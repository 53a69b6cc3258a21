"""Strategy-facing objects: ``g``, ``context``, ``log``, run parameters, SecurityUnitData."""

from __future__ import annotations

import datetime as _dt
import logging
import re
import sys
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # pragma: no cover
    from .run import Run

LEVELS = {"debug": 10, "info": 20, "warn": 30, "warning": 30, "error": 40, "critical": 50}


class GlobalVars:
    """``g``: a fresh, picklable attribute bag per run (spec §1.2)."""

    def __repr__(self) -> str:
        return f"g({', '.join(k for k in vars(self) if not k.startswith('__'))})"


class RunParams:
    """``context.run_params``: start_date, end_date (datetime.date), type, frequency."""

    def __init__(self, start_date: _dt.date, end_date: _dt.date, frequency: str = "day"):
        self.start_date = start_date
        self.end_date = end_date
        self.type = "full_backtest"
        self.frequency = frequency

    def __repr__(self) -> str:
        return f"RunParams(start_date={self.start_date}, end_date={self.end_date}, type='{self.type}', frequency='{self.frequency}')"


class Context:
    """``context``: system fields come from the run; user attributes may be added and shadow a
    system field until deleted (spec §1.3)."""

    _SYSTEM = ("portfolio", "subportfolios", "current_dt", "previous_date", "universe", "run_params")

    def __init__(self, run: "Run"):
        object.__setattr__(self, "_run", run)

    def __getattr__(self, name: str) -> Any:
        run = object.__getattribute__(self, "_run")
        if name == "portfolio":
            return run.portfolio if getattr(run, "futures", None) is None else run.futures.view
        if name == "subportfolios":
            return [run.portfolio] if getattr(run, "futures", None) is None else list(run.futures.subportfolios)
        if name == "current_dt":
            return run.current_dt
        if name == "previous_date":
            return run.previous_date
        if name == "universe":
            return list(run.universe)
        if name == "run_params":
            return run.run_params
        raise AttributeError(f"'Context' object has no attribute '{name}'")

    def __repr__(self) -> str:
        return f"Context(current_dt={self.current_dt})"


class StrategyLog:
    """``log``: JoinQuant's logger (spec §6.4).

    Lines look like ``2024-01-02 09:30:00 - INFO  - message`` with the simulated time.
    ``set_level(channel, level)`` filters the channels ``order``, ``history``, ``strategy``
    and ``system``; the default level of every channel is ``debug``.
    """

    def __init__(self, run: "Run | None", echo: bool = False, verbose: bool = False):
        self._run = run
        self.lines: list[str] = []
        self.levels = {"order": 10, "history": 10, "strategy": 10, "system": 10}
        self.echo = echo
        #: echo the engine's order warnings one by one too (else counted per kind, see
        #: :meth:`counts_text`); every line is in ``lines`` / log.txt either way
        self.verbose = verbose
        self.order_counts: dict[str, int] = {}
        self._py = logging.getLogger("jqlite.strategy")

    @staticmethod
    def message_kind(text: str) -> str:
        """``"600000.XSHG 下单金额12.00不足一手, 下单数量为0, 订单取消"`` ->
        ``"下单金额#不足一手, 下单数量为#, 订单取消"``: the message without its security and numbers."""
        t = re.sub(r"^\S+\.(XSHG|XSHE|BJSE|CCFX|XSGE|XDCE|XZCE|XINE|OF)\s+", "", text)
        return re.sub(r"-?\d+(?:\.\d+)?", "#", t)

    def counts_text(self) -> str:
        """One line per kind of order warning not echoed (most frequent first), or ``""``."""
        if not self.order_counts:
            return ""
        total = sum(self.order_counts.values())
        rows = sorted(self.order_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        head = f"{total:,} order warnings (each in log.txt; --verbose prints them as they happen):"
        return "\n".join([head] + [f"  {n:>8,} x {k}" for k, n in rows])

    def _emit(self, channel: str, level: str, msg: Any, args: tuple) -> None:
        lv = LEVELS[level]
        if lv < self.levels.get(channel, 10):
            return
        text = str(msg)
        if args:
            try:
                text = text % args
            except (TypeError, ValueError):
                text = " ".join([text, *map(str, args)])
        dt = self._run.current_dt if self._run is not None else _dt.datetime.now()
        name = "WARNING" if level == "warn" else level.upper()
        line = f"{dt:%Y-%m-%d %H:%M:%S} - {name:<5} - {text}"
        self.lines.append(line)
        if self.echo:
            if channel == "order" and not self.verbose and lv >= LEVELS["warning"]:
                k = self.message_kind(text)
                self.order_counts[k] = self.order_counts.get(k, 0) + 1
            else:
                print(line, file=sys.stdout)

    def debug(self, msg, *args):
        self._emit("strategy", "debug", msg, args)

    def info(self, msg, *args):
        self._emit("strategy", "info", msg, args)

    def warn(self, msg, *args):
        self._emit("strategy", "warning", msg, args)

    warning = warn

    def error(self, msg, *args):
        self._emit("strategy", "error", msg, args)

    def critical(self, msg, *args):
        self._emit("strategy", "critical", msg, args)

    def set_level(self, name: str, level: str) -> None:
        """Suppress messages of channel ``name`` below ``level`` ('debug' < 'info' < 'warning' < 'error')."""
        if level not in LEVELS:
            raise ValueError(f"log.set_level(): level must be one of debug/info/warning/error, was {level!r}")
        if name not in self.levels:
            raise ValueError(f"log.set_level(): name must be one of {list(self.levels)}, was {name!r}")
        self.levels[name] = LEVELS[level]

    # engine-side channels
    def order_warning(self, msg: str) -> None:
        self._emit("order", "warning", msg, ())

    def system_info(self, msg: str) -> None:
        self._emit("system", "info", msg, ())

    def system_warning(self, msg: str) -> None:
        self._emit("system", "warning", msg, ())

    def history_warning(self, msg: str) -> None:
        self._emit("history", "warning", msg, ())


class SecurityUnitData:
    """``data[code]`` in ``handle_data``: the previous day's bar of one security, plus
    ``mavg``/``vwap``/``returns``/``stddev`` helpers (JoinQuant SecurityUnitData)."""

    def __init__(self, run: "Run", code: str):
        self._run, self.security = run, code
        j = run.store.col(code)
        i = run.day_i - 1
        self._j = j
        fields = ("open", "close", "high", "low", "volume", "money", "pre_close", "high_limit",
                  "low_limit", "paused", "factor")
        # no bar before the store's first day: every field is NaN (not an AttributeError)
        vals = {f: run.adjusted_value(f, i, j) if i >= 0 else np.nan for f in fields}
        self.__dict__.update(vals)
        v, m = vals.get("volume", np.nan), vals.get("money", np.nan)
        self.avg = round(m / v, 2) if v and v == v and v > 0 else vals.get("close", np.nan)
        self.price = self.avg
        self.paused = bool(vals.get("paused", 1) == 1) if i >= 0 else True
        self.isnan = lambda: bool(np.isnan(self.close)) if i >= 0 else True

    def _hist(self, days: int, field: str = "close") -> np.ndarray:
        from .api import market
        return market._window(self._run, [self.security], field, days, self._run.day_i - 1,
                              fq="pre")[:, 0]

    def mavg(self, days: int, field: str = "close") -> float:
        return float(np.nanmean(self._hist(days, field)))

    def vwap(self, days: int) -> float:
        m = self._hist(days, "money")
        v = self._hist(days, "volume")
        return float(np.nansum(m) / np.nansum(v)) if np.nansum(v) > 0 else float("nan")

    def stddev(self, days: int) -> float:
        return float(np.nanstd(self._hist(days + 0, "close"), ddof=1))

    def returns(self) -> float:
        return float(self.close / self.pre_close - 1.0)

    def __repr__(self) -> str:
        return f"SecurityUnitData({self.security}, close={getattr(self, 'close', None)})"


class _MinuteDay:
    """One security's 240 minute bars of one day in the run's price mode, as Python lists
    (built once per (security, day) by :func:`minute_day`)."""

    __slots__ = ("open", "close", "high", "low", "volume", "money", "high_limit", "low_limit",
                 "factor", "paused", "listed")


def minute_day(run: "Run", j: int, i: int) -> _MinuteDay:
    """The cached :class:`_MinuteDay` of column ``j`` on store day ``i`` (cache reset daily)."""
    cache = run._minute_days
    key = i * 1_000_003 + j
    d = cache.get(key)
    if d is not None:
        return d
    st = run.store
    d = _MinuteDay()
    c_day = st.field("close")[i, j] if i >= 0 else np.nan
    d.listed = bool(c_day == c_day)
    sc = run._fq_scale(i, j) if d.listed else float("nan")
    bars = run.minute.day(j, i) if d.listed else None
    if bars is not None:
        for f in ("open", "close", "high", "low"):
            setattr(d, f, (bars[f] * sc).tolist() if sc != 1.0 else bars[f].tolist())
        d.volume = (bars["volume"] / sc).tolist() if sc != 1.0 else bars["volume"].tolist()
        d.money = bars["money"].tolist()
        d.paused = False
    else:
        c = float(c_day * sc) if d.listed else float("nan")
        d.open = d.close = d.high = d.low = [c] * 240
        d.volume = d.money = [0.0 if d.listed else float("nan")] * 240
        d.paused = True
    d.high_limit = float(st.field("high_limit")[i, j] * sc) if d.listed else float("nan")
    d.low_limit = float(st.field("low_limit")[i, j] * sc) if d.listed else float("nan")
    d.factor = sc
    cache[key] = d
    return d


class MinuteUnitData(SecurityUnitData):
    """``data[code]`` in minute frequency: the bar that has just ended (the bar labelled
    HH:MM at HH:MM; at 09:30 the previous day's 15:00 bar, at 13:00 the 11:30 bar), prices
    in the run's price mode.  ``pre_close`` equals ``open`` (JoinQuant's minute
    SecurityUnitData), ``high_limit``/``low_limit``/``factor`` are the bar's day's, ``paused``
    is True when the security has no bar that minute (suspended: prices = the day's close,
    volume 0).  ``mavg``/``vwap``/``stddev`` work on daily bars as in daily frequency."""

    __slots__ = ("_d", "_s")

    def __init__(self, run: "Run", code: str, i: int, s: int):
        self._run, self.security = run, code
        self._j = j = run.store.col(code)
        self._d = minute_day(run, j, i)
        self._s = s

    open = property(lambda self: self._d.open[self._s])
    close = property(lambda self: self._d.close[self._s])
    high = property(lambda self: self._d.high[self._s])
    low = property(lambda self: self._d.low[self._s])
    volume = property(lambda self: self._d.volume[self._s])
    money = property(lambda self: self._d.money[self._s])
    pre_close = open
    high_limit = property(lambda self: self._d.high_limit)
    low_limit = property(lambda self: self._d.low_limit)
    factor = property(lambda self: self._d.factor)
    paused = property(lambda self: self._d.paused)

    @property
    def avg(self) -> float:
        v, m = self.volume, self.money
        return round(m / v, 2) if v and v == v and v > 0 else self.close

    price = avg

    def isnan(self) -> bool:
        return not self._d.listed or bool(np.isnan(self.close))


_new_minute_unit = object.__new__


class BarData(dict):
    """``data`` passed to ``handle_data``: fills ``data[code]`` lazily (the previous day's
    bar in daily frequency, the just-ended minute bar in minute frequency)."""

    def __init__(self, run: "Run"):
        super().__init__()
        self._run = run
        self._minute = getattr(run, "frequency", "day") == "minute"
        if self._minute:
            from .data.minute import slot_of
            i, s = run.day_i, slot_of(run.current_dt.time())
            self._at = (i - 1, 239) if s < 0 else (i, s)

    def __missing__(self, code: str) -> SecurityUnitData:
        if self._minute:     # hot path: 50 securities x 240 minutes x 242 days
            run = self._run
            j = run.store.code_index.get(code)
            if j is None:
                j = run.store.col(code)   # raises SecurityNotFoundError naming it
            i, s = self._at
            d = run._minute_days.get(i * 1_000_003 + j)
            v = _new_minute_unit(MinuteUnitData)
            v._run, v.security, v._j, v._d, v._s = run, code, j, d if d is not None else minute_day(run, j, i), s
        else:
            v = SecurityUnitData(self._run, code)
        self[code] = v
        return v
