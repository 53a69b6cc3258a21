"""Call-auction (集合竞价) snapshots and tick snapshots, synthesised from the store's bars.

jqlite's stores hold daily bars and (sample or imported) one-minute bars, no exchange
snapshots.  Decisions (written down here and in ``docs/data-coverage.md``):

* :func:`get_call_auction` answers JoinQuant's shape (one row per traded day at 09:25:00,
  ``code`` first, then ``time current volume money a1_p..a5_v b1_p..b5_v``) from the daily
  bar: the auction price ``current`` **is the day's raw open** (that is how A-share opens are
  set), the auction volume a deterministic fraction (0.4 % .. 3.4 %, whole 100-share lots) of
  the day's volume, ``money = volume * current``, and a five-level book around the price on
  the tick grid (sell levels above, buy levels at and below it, inside the price limits; a
  level outside them is 0.0 as in JoinQuant's snapshots).  The fraction and the book
  volumes come from a hash of (store seed, code, day), so answers are deterministic and
  independent of the call pattern.  Real auction data can be imported later; the answer is
  recorded as a data gap ("synthesised") once per run so a run log says where it came from.
* :func:`get_current_tick` / :func:`get_ticks` answer from the **minute bars** (JoinQuant's
  tick backtest is not simulated: ``frequency='tick'`` still fails with a clear error): a tick
  at HH:MM:SS is the state after the last minute bar that ended — ``current`` its close,
  ``high``/``low`` the day's extremes so far, ``volume``/``money`` cumulative, a one-tick
  book around ``current``.  Without minute bars they raise :class:`ParamsError` naming the
  security, as before.
"""

from __future__ import annotations

import datetime as _dt
import zlib

import numpy as np
import pandas as pd

from ..errors import ParamsError
from . import _binding
from ._binding import run_or_none, timed

__all__ = ["get_call_auction", "get_ticks", "get_current_tick"]

AUCTION_TIME = _dt.time(9, 25)
_BOOK = [f"{s}{k}_{x}" for s in ("a", "b") for k in range(1, 6) for x in ("p", "v")]
#: JoinQuant's column order of get_call_auction (jqdatasdk / strategy API docs).
AUCTION_FIELDS = ["time", "current", "volume", "money",
                  "a1_p", "a1_v", "a2_p", "a2_v", "a3_p", "a3_v", "a4_p", "a4_v", "a5_p", "a5_v",
                  "b1_p", "b1_v", "b2_p", "b2_v", "b3_p", "b3_v", "b4_p", "b4_v", "b5_p", "b5_v"]
TICK_FIELDS = ["time", "current", "high", "low", "volume", "money",
               "a1_p", "a1_v", "a2_p", "a2_v", "a3_p", "a3_v", "a4_p", "a4_v", "a5_p", "a5_v",
               "b1_p", "b1_v", "b2_p", "b2_v", "b3_p", "b3_v", "b4_p", "b4_v", "b5_p", "b5_v"]


def _seed(store) -> int:
    import re
    m = re.search(r"seed=(\d+)", str(store.meta.get("source", "")))
    return int(m.group(1)) if m else 20240101


def _rng(store, code: str, day: _dt.date, stream: str) -> np.random.Generator:
    h = zlib.crc32(f"{stream}|{code}|{day.isoformat()}".encode())
    return np.random.default_rng(np.random.SeedSequence([_seed(store), h]))


def _has(store, name: str) -> bool:
    from ..data import schema
    return name in schema.BAR_FIELDS


def _tick_of(store, code: str) -> float:
    typ = str(store.securities.at[code, "type"]) if code in store.code_index else "stock"
    return 0.01 if typ in ("stock", "index") else 0.001


def _codes(security) -> list[str]:
    if security is None:
        raise ParamsError("get_call_auction(): security is required")
    if isinstance(security, str):
        return [security]
    return [str(c) for c in security]


def _fields(func: str, fields, allowed: list[str]) -> list[str]:
    if fields is None:
        return list(allowed)
    raw = [fields] if isinstance(fields, str) else list(fields)
    bad = [f for f in raw if f not in allowed and f != "code"]
    if bad:
        raise ParamsError(f"{func}(): unknown field(s) {bad}; JoinQuant's fields are {allowed}")
    out: list[str] = []
    for f in raw:
        if f != "code" and f not in out:
            out.append(f)
    return out


def _book(rng: np.random.Generator, price: float, tick: float, hl: float, ll: float,
          base_volume: float, buy_at_price: bool = True) -> dict[str, float]:
    """Five sell levels above ``price`` and five buy levels at/below it (0.0 outside the
    price limits), volumes in whole 100-share lots around ``base_volume``."""
    out: dict[str, float] = {}
    lot = 100.0
    vols = np.maximum(1.0, np.round(rng.uniform(0.05, 0.6, 10) * max(base_volume, lot) / lot)) * lot
    nd = 3 if tick == 0.001 else 2
    for k in range(1, 6):
        ap = round(price + k * tick, nd)
        bp = round(price - (k - 1 if buy_at_price else k) * tick, nd)
        ok_a = not (hl == hl) or ap <= hl + 1e-9
        ok_b = bp > 0 and (not (ll == ll) or bp >= ll - 1e-9)
        out[f"a{k}_p"] = ap if ok_a else 0.0
        out[f"a{k}_v"] = float(vols[k - 1]) if ok_a else 0.0
        out[f"b{k}_p"] = bp if ok_b else 0.0
        out[f"b{k}_v"] = float(vols[4 + k]) if ok_b else 0.0
    return out


def _to_day(x, what: str) -> _dt.date:
    try:
        return pd.Timestamp(x).date()
    except (TypeError, ValueError) as e:
        raise ParamsError(f"get_call_auction(): {what} must be a date, was {x!r}") from e


def auction_row(store, code: str, i: int) -> dict | None:
    """The synthesised 09:25 auction snapshot of ``code`` on store day ``i`` (raw prices),
    or None when it did not trade that day (unlisted, suspended, an open-end fund)."""
    j = store.code_index.get(code)
    if j is None or code.endswith(".OF"):
        return None
    o = float(store.field("open")[i, j])
    vol = float(store.field("volume")[i, j])
    paused = float(store.field("paused")[i, j])
    if not (o == o) or paused == 1 or not (vol > 0):
        return None
    day = store.dates[i].date()
    rng = _rng(store, code, day, "call_auction")
    frac = 0.004 + 0.03 * float(rng.uniform())
    lots = max(1.0, np.floor(vol * frac / 100.0))
    a_vol = lots * 100.0
    tick = _tick_of(store, code)
    row = {"time": _dt.datetime.combine(day, AUCTION_TIME), "current": o, "volume": a_vol,
           "money": round(a_vol * o, 2)}
    hl = float(store.field("high_limit")[i, j]) if _has(store, "high_limit") else float("nan")
    ll = float(store.field("low_limit")[i, j]) if _has(store, "low_limit") else float("nan")
    row.update(_book(rng, o, tick, hl, ll, a_vol * 0.2))
    return row


@timed("data")
def get_call_auction(security, start_date=None, end_date=None, fields=None) -> pd.DataFrame:
    """Opening call-auction (集合竞价, 09:25) snapshots of securities over a date range.

    Parameters
    ----------
    security : str or list of str
        Stock, exchange fund or index codes (JoinQuant: stocks from 2010, funds from 2019).
    start_date, end_date : date-like
        Inclusive range of days (required by JoinQuant).
    fields : list of str, optional
        A subset of ``time current volume money a1_p a1_v .. a5_p a5_v b1_p b1_v .. b5_v``
        (default all, in that order).  ``code`` is always the first column.

    Returns
    -------
    pandas.DataFrame
        One row per (security, traded day), ordered by security then day, RangeIndex;
        columns ``code`` then ``fields``.  ``time`` is a datetime (the day at 09:25:00),
        ``current`` the auction price in raw (unadjusted) yuan = the day's open, ``volume``
        shares and ``money`` yuan matched in the auction, the book levels yuan and shares
        (float64).  Days the security did not trade have no row; an unknown code has none.

    Raises
    ------
    ParamsError
        Missing dates, an unknown field, or ``start_date`` after ``end_date``.

    Notes
    -----
    Synthesised from the daily bars (module docstring); recorded once per run as a data gap
    naming the source.  With ``set_option('avoid_future_data', True)`` rows after the run's
    current time are dropped silently, as JoinQuant documents for this API (spec
    jq_data_api.md "avoid_future_data"); JoinQuant returns at most 5000 rows a call, jqlite
    does not truncate.
    """
    if start_date is None or end_date is None:
        raise ParamsError("get_call_auction(): start_date and end_date are required")
    flds = _fields("get_call_auction", fields, AUCTION_FIELDS)
    codes = _codes(security)
    s, e = _to_day(start_date, "start_date"), _to_day(end_date, "end_date")
    if s > e:
        raise ParamsError(f"get_call_auction(): start_date {s} is after end_date {e}")
    store = _binding.active_store()
    run = run_or_none()
    cutoff = None
    if run is not None and run.settings.avoid_future_data:
        cutoff = run.current_dt
    i0 = store.day_index(pd.Timestamp(s), "left")
    i1 = store.day_index(pd.Timestamp(e), "right")
    rows = []
    for c in codes:
        for i in range(i0, min(i1, store.n_days - 1) + 1):
            r = auction_row(store, c, i)
            if r is None or (cutoff is not None and r["time"] > cutoff):
                continue
            r["code"] = c
            rows.append(r)
    cols = ["code"] + flds
    if rows:
        from ._gaps import record_gap
        record_gap("get_call_auction", "call-auction snapshots",
                   "get_call_auction(): the data store has no auction snapshots; answered with "
                   "snapshots synthesised from the daily bars (price = the day's open, volume a "
                   "deterministic 0.4-3.4 % of the day's volume)")
        df = pd.DataFrame(rows)[cols]
    else:
        df = pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "time" else
                                        (object if c == "code" else "float64")) for c in cols})
    for c in flds:
        if c != "time":
            df[c] = df[c].astype("float64")
    return df.reset_index(drop=True)


# ---------------------------------------------------------------------------- ticks
def _minute_tick(store, mb, code: str, i: int, slot: int) -> dict | None:
    """Tick state of ``code`` after minute bar ``slot`` (-1: the auction) of store day ``i``."""
    day = store.dates[i].date()
    a = auction_row(store, code, i)
    if a is None:
        return None
    if slot < 0:
        t = a.copy()
        t["high"] = t["low"] = t["current"]
        return t
    bars = mb.day(store.col(code), i)
    if bars is None:
        return None
    from ..data.minute import label_time
    k = slot + 1
    cur = float(bars["close"][slot])
    j = store.col(code)
    hl = float(store.field("high_limit")[i, j]) if _has(store, "high_limit") else float("nan")
    ll = float(store.field("low_limit")[i, j]) if _has(store, "low_limit") else float("nan")
    t = {"time": _dt.datetime.combine(day, label_time(slot)), "current": cur,
         "high": float(np.max(bars["high"][:k])), "low": float(np.min(bars["low"][:k])),
         "volume": float(np.sum(bars["volume"][:k])), "money": float(np.sum(bars["money"][:k]))}
    rng = _rng(store, code, day, f"tick{slot}")
    t.update(_book(rng, cur, _tick_of(store, code), hl, ll, float(bars["volume"][slot]) * 0.1 + 100.0,
                   buy_at_price=True))
    return t


class Tick:
    """A tick snapshot object as ``get_current_tick`` returns it (attribute access:
    ``tick.current``, ``tick.a1_p``, ``tick.datetime``, ``tick.code``)."""

    def __init__(self, code: str, values: dict):
        self.code = code
        self.__dict__.update(values)
        self.datetime = values["time"]

    def __getitem__(self, key):
        return getattr(self, key)

    def __repr__(self) -> str:
        return f"Tick({self.code}, {self.time}, current={self.current})"


def _need_minute(func: str, security):
    store = _binding.active_store()
    mb = store.minute_bars()
    if mb is None:
        raise ParamsError(f"{func}({security!r}): the data store has daily bars only, no minute bars "
                          f"to build ticks from (import minute bars or use the sample market)")
    return store, mb


def _as_of(dt) -> _dt.datetime:
    if dt is not None:
        return pd.Timestamp(dt).to_pydatetime()
    run = run_or_none()
    if run is None:   # research: the store's last day after the close
        return _dt.datetime.combine(_binding.active_store().dates[-1].date(), _dt.time(15, 0))
    return run.current_dt


def _slot_at(t: _dt.time) -> int:
    """Index of the last minute bar ended at ``t`` (the bar labelled HH:MM at HH:MM:00, as
    the engine's latest price); -1 up to 09:30: the 09:25 auction state."""
    from ..data.minute import slot_of
    return slot_of(t)


def _last_state(func: str, security: str, at: _dt.datetime) -> dict | None:
    store, mb = _need_minute(func, security)
    if security not in store.code_index:
        return None
    i = store.day_index(pd.Timestamp(at.date()), "right")
    if i < 0:
        return None
    if store.dates[i].date() < at.date() or at.time() < AUCTION_TIME:
        if store.dates[i].date() == at.date():
            i -= 1
        slot = 239
    else:
        slot = _slot_at(at.time())
    while i >= 0:
        t = _minute_tick(store, mb, security, i, slot)
        if t is not None:
            return t
        i, slot = i - 1, 239
    return None


@timed("data")
def get_current_tick(security, dt=None, df=False):
    """The latest tick snapshot of ``security`` at the run's current time (or ``dt``).

    Returns
    -------
    Tick or pandas.DataFrame or None
        A :class:`Tick` (``df=False``; ``security`` a str) with ``time current high low
        volume money a1_p .. b5_v``; a dict code -> Tick for a list; ``df=True`` a DataFrame
        indexed by code.  None for a security without data.  Prices raw yuan, volume shares
        and money yuan cumulative for the day.

    Raises
    ------
    ParamsError
        The store has no minute bars to synthesise ticks from.

    Notes
    -----
    Synthesised from the minute bars (module docstring): at 14:55 the tick is the close of the
    bar labelled 14:55 with the day's volume so far; before 09:31 the 09:25 auction state.
    """
    at = _as_of(dt)
    codes = [security] if isinstance(security, str) else list(security)
    out = {c: _last_state("get_current_tick", c, at) for c in codes}
    if df:
        rows = {c: v for c, v in out.items() if v is not None}
        return pd.DataFrame.from_dict(rows, orient="index")[TICK_FIELDS] if rows else pd.DataFrame(columns=TICK_FIELDS)
    ticks = {c: (Tick(c, v) if v is not None else None) for c, v in out.items()}
    return ticks[security] if isinstance(security, str) else ticks


@timed("data")
def get_ticks(security, end_dt=None, start_dt=None, count=None, fields=None, skip=True, df=False):
    """Tick snapshots of one security up to ``end_dt``: one per minute bar (JoinQuant's real
    ticks come every 3 seconds; jqlite synthesises one per minute from the minute bars, plus
    the 09:25 auction snapshot of each day).

    Parameters
    ----------
    security : str
    end_dt : datetime-like, optional
        Default the run's current time.
    start_dt : datetime-like, optional
        Exclusive of ``count``.
    count : int, optional
        The last ``count`` ticks up to ``end_dt``.
    fields : list of str, optional
        Subset of ``time current high low volume money a1_p .. b5_v``.
    df : bool
        DataFrame (True) or numpy structured array (False, JoinQuant's default).

    Returns
    -------
    numpy.ndarray or pandas.DataFrame
        Oldest first.

    Raises
    ------
    ParamsError
        No minute bars in the store, both or neither of ``start_dt`` / ``count``, a list of
        securities, or an unknown field.
    """
    if not isinstance(security, str):
        raise ParamsError("get_ticks(): security must be a single code (JoinQuant accepts one)")
    if (start_dt is None) == (count is None):
        raise ParamsError("get_ticks(): give exactly one of start_dt and count")
    flds = _fields("get_ticks", fields, TICK_FIELDS)
    store, mb = _need_minute("get_ticks", security)
    end = _as_of(end_dt)
    rows: list[dict] = []
    if security in store.code_index:
        i = store.day_index(pd.Timestamp(end.date()), "right")
        start = pd.Timestamp(start_dt).to_pydatetime() if start_dt is not None else None
        while i >= 0 and (count is None or len(rows) < count):
            day = store.dates[i].date()
            if start is not None and day < start.date():
                break
            last = 239 if day < end.date() else _slot_at(end.time())
            day_rows = []
            if day < end.date() or end.time() >= AUCTION_TIME:
                for s in range(-1, last + 1):
                    t = _minute_tick(store, mb, security, i, s)
                    if t is not None and (start is None or t["time"] >= start):
                        day_rows.append(t)
            rows = day_rows + rows
            i -= 1
        if count is not None:
            rows = rows[-int(count):]
    if df:
        return pd.DataFrame(rows, columns=TICK_FIELDS)[flds] if rows else pd.DataFrame(columns=flds)
    dtype = [(f, "datetime64[ms]" if f == "time" else "f8") for f in flds]
    return np.array([tuple(r[f] for f in flds) for r in rows], dtype=dtype)
