"""Market-data API: get_price, history, attribute_history, get_bars, get_current_data,
calendar and security-master functions (spec ``jq_data_api.md`` §1-7).

All of them read the store's ``(n_days, n_securities)`` arrays; per-stock calls slice one
column, so calling ``get_price`` for one stock in a loop stays cheap.
"""

from __future__ import annotations

import datetime as _dt
import re
import weakref
from typing import Iterable

import numpy as np
import pandas as pd

from ..compat.panel import as_panel
from ..compat.dates import jq_dates, to_date, to_datetime, to_timestamp
from ..data.calendar import OPEN, CLOSE
from ..errors import FutureDataError, ParamsError
from ._binding import active_store, current_run, run_or_none, timed

PRICE_FIELDS = ("open", "close", "high", "low", "pre_close", "high_limit", "low_limit", "avg", "price")
ALL_FIELDS = ("open", "close", "high", "low", "volume", "money", "factor", "high_limit", "low_limit",
              "avg", "pre_close", "paused", "price")
DEFAULT_FIELDS = ["open", "close", "high", "low", "volume", "money"]


# ---------------------------------------------------------------------------- helpers
def _codes(security) -> tuple[list[str], bool]:
    """(codes, single) of a ``security`` argument: one code, or any iterable of codes.

    JoinQuant strategies pass lists, tuples, sets, numpy arrays, ``pd.Index``, ``pd.Series``
    (``df['code']``), dict keys and dicts (``context.portfolio.positions`` iterates its codes).
    """
    if isinstance(security, str):
        codes, single = [security], True
    elif isinstance(security, (bytes, int, float)) or security is None or not hasattr(security, "__iter__"):
        raise ParamsError(f"security must be a code or a list of codes, was {security!r}")
    else:
        codes, single = [str(s) for s in security], False
    st = active_store()
    if st.synthesizes:       # sample market: synthesise every new valid code at once
        from ..data.on_demand import ensure
        ensure(st, codes)
    return codes, single


class _FieldsFrame(pd.DataFrame):
    """``get_price(codes, panel=True)`` for an empty code list: no columns, yet
    ``df['close']`` is an empty dates x codes frame, as JoinQuant's Panel gives."""

    _metadata = ["_jq_fields"]

    def __getitem__(self, key):
        if isinstance(key, str) and key in (getattr(self, "_jq_fields", None) or ()):
            return pd.DataFrame(index=self.index, columns=pd.Index([], dtype=object), dtype=float)
        return super().__getitem__(key)


def _ref_day(store, run, fq) -> int | None:
    """Day index of the forward-adjustment reference (None = raw / post)."""
    if fq == "pre":
        if run is not None and run.settings.use_real_price:
            return run.day_i
        return -1  # store end ("backtest creation date" / research today)
    return None


def _trading_rows(store, j: int, end_i: int, n: int) -> np.ndarray:
    """Day rows (ascending) of the last ``n`` days up to ``end_i`` on which security column
    ``j`` traded (listed and not suspended); fewer when its history is shorter.  Looked for
    in a trailing window first, the whole history only when the window holds fewer."""
    traded = _traded_by_security(store)[j]
    start = max(end_i + 1 - (2 * n + 60), 0)
    while True:
        ok = np.flatnonzero(traded[start:end_i + 1]) + start
        if start == 0 or len(ok) >= n:
            return ok[-n:] if n > 0 else ok[:0]
        start = 0


def _listing_day_is_real(store, code: str) -> bool:
    """True when ``code``'s listing day in ``store`` is the real one: any store but the
    synthetic sample; in the sample, the securities whose listing day is the real one
    (:func:`jqlite.data.sample.real_listing_codes`), never one synthesised on demand."""
    if store.meta.get("name") != "sample":
        return True
    if code in store.on_demand:
        return False
    from ..data.sample import real_listing_codes
    return code in store.cached("sample_real_listing_codes", lambda: real_listing_codes(store))


def _note_unlisted(run, func: str, code: str, day) -> None:
    """Log once per run and security that a ``skip_paused=True`` history of ``code`` asked
    on ``day`` (the window's last day) found no row because ``code`` lists later: JoinQuant
    answers the same 0 rows (spec jq_data_api §2: not-yet-listed days are dropped).  The
    note ends with "as on JoinQuant" (the compatibility runner reads it, benchmarks/compat)
    and says when the sample's listing day is a drawn one rather than the real one."""
    if run is None:
        return
    store = run.store
    r = store.cached("security_info_rows", lambda: _security_rows(store)).get(code)
    if r is None or r[2] is None or r[2] <= day or not _first_note(run, "_unlisted_noted", code):
        return
    why = _drawn_listing(store, code)
    run.log.warn(f"{func}({code!r}, skip_paused=True): {code} is not yet listed on {day} "
                 f"(listing day {r[2]}){why}; the days before listing are skipped: 0 rows, as on JoinQuant")


def _first_note(run, kind: str, code: str) -> bool:
    """True the first time a note of ``kind`` is asked for ``code`` in ``run`` (once per run
    and security), False afterwards."""
    seen = run.__dict__.setdefault(kind, set())
    if code in seen:
        return False
    seen.add(code)
    return True


def _drawn_listing(store, code: str) -> str:
    """'' when ``code``'s listing day in ``store`` is the real one, else the words saying the
    sample drew it."""
    return "" if _listing_day_is_real(store, code) else \
        " (a synthetic sample security: its listing day is drawn, not the real one)"


def _note_listed_within(run, func: str, code: str, day, got: int, count: int) -> None:
    """Log once per run and security that a ``skip_paused=True`` history of ``code`` asked
    on ``day`` (the window's last day) for ``count`` bars answered only ``got`` (0 < got <
    count) because ``code`` listed inside the window: JoinQuant drops the days before
    listing too (spec jq_data_api §2), so the answer is shorter than ``count`` there as well
    (a regression of it on an index's full-length history then fails on JoinQuant too).  The
    note ends with "as on JoinQuant" (read by the compatibility runner, benchmarks/compat)."""
    if run is None or not 0 < got < count:
        return
    store = run.store
    r = store.cached("security_info_rows", lambda: _security_rows(store)).get(code)
    if r is None or r[2] is None or r[2] > day:
        return
    first = store.dates[0].date()
    if r[2] <= first:
        return  # the store starts after the listing: short for lack of data, not of listing
    if not _first_note(run, "_listed_within_noted", code):
        return
    why = _drawn_listing(store, code)
    run.log.warn(f"{func}({code!r}, {count}, skip_paused=True) on {day}: {code} listed on {r[2]}{why}, "
                 f"inside the window: {got} rows, not {count}, as on JoinQuant")


def _traded_by_security(store) -> np.ndarray:
    """``(n_securities, n_days)`` bool, C-ordered: listed (a close) and not suspended.  One
    security's days are contiguous, so a per-security window read is one short scan instead
    of a strided walk down two day-major matrices (5x faster per call)."""
    def build():
        close = store.field("close")
        return np.ascontiguousarray(((store.field("paused") == 0) & (close == close)).T)
    return store.cached("traded_by_security", build)


def _take(m: np.ndarray, rows: np.ndarray | slice, cols: list[int]) -> np.ndarray:
    """``m[rows][:, cols]`` without copying whole rows first: with an index array for
    ``rows``, ``m[rows]`` would copy every security of those days (a day x all-codes matrix)
    before picking the few columns asked for."""
    if isinstance(rows, slice):
        return m[rows][:, cols]
    return m[np.ix_(np.asarray(rows, dtype=np.intp), np.asarray(cols, dtype=np.intp))]


def _scale(store, rows: np.ndarray | slice, cols: list[int], fq, run) -> np.ndarray | None:
    """Per-cell multiplier for price fields under ``fq`` (None when raw).  ``'none'`` is
    accepted as None: JoinQuant's server takes it (jqdatasdk passes ``fq`` through unchecked,
    and public jqdatasdk / strategy code calls ``get_price(..., fq='none')`` for raw prices)."""
    if _fq_mode(fq) is None:
        return None
    f = _take(store.field("factor"), rows, cols)
    if fq == "post":
        return f
    return f / _fq_ref(store, run, fq, cols)


def _fq_mode(fq):
    """``None`` (raw: ``None`` or ``'none'``), ``'pre'`` or ``'post'``; ParamsError otherwise."""
    if fq is None or (isinstance(fq, str) and fq.lower() == "none"):
        return None
    if fq not in ("pre", "post"):
        raise ParamsError(f"fq must be 'pre', 'post' or None ('none'), was {fq!r}")
    return fq


def _fq_ref(store, run, fq, cols):
    """The reference day's adjustment factor of ``cols`` (a list of columns or one column
    number) for ``fq='pre'``: the run's reference day, or the last known factor where the
    store has none on that day (a security not yet listed or already delisted)."""
    ref_i = _ref_day(store, run, fq)
    if ref_i == -1:
        return _last_factor(store)[cols]
    ref = store.field("factor")[ref_i, cols]
    bad = ~(ref == ref)
    if bad.any():
        ref = np.where(bad, _last_factor(store)[cols], ref)
    return ref


def _last_factor(store) -> np.ndarray:
    def build():
        last = pd.DataFrame(store.field("factor")).ffill().to_numpy()[-1]
        return np.where(np.isnan(last), 1.0, last)
    return store.cached("ref_factor_last", build)


def _values(store, field: str, rows, cols: list[int], fq, run) -> np.ndarray:
    """Field values (rows × cols) with the price adjustment of ``fq`` applied."""
    if field == "price":
        field = "avg"
    if field not in ALL_FIELDS:
        raise ParamsError(f"unknown field {field!r}; allowed: {list(ALL_FIELDS)}")
    v = _take(store.field(field), rows, cols)
    if field in PRICE_FIELDS:
        s = _scale(store, rows, cols, fq, run)
        if s is not None:
            v = np.round(v * s, 2)
    elif field == "volume":
        s = _scale(store, rows, cols, fq, run)
        if s is not None:
            v = v / s
    elif field == "factor":
        s = _scale(store, rows, cols, fq, run)
        v = s if s is not None else np.where(np.isnan(v), np.nan, 1.0)
    return v


def _col_values(store, fields, rows, j: int, fq, run) -> dict[str, np.ndarray]:
    """``{f: _values(store, f, rows, [j], fq, run)[:, 0] for f in fields}`` for one security
    column ``j``, computed once per call: the adjustment multiplier is taken once (not once
    per price field) and cells are read by 1-D indexing (no ``np.ix_`` grid).  The same
    arithmetic in the same order as :func:`_values`, so the values are bit-identical; each
    array is a fresh copy (never a view of the store).  This is the per-call cost of
    ``attribute_history`` / ``get_price`` for one security, which public strategies call for
    every member of an index several times a day (benchmarks/bench_api_calls.py)."""
    out: dict[str, np.ndarray] = {}
    sc = None
    have_sc = False
    for f in fields:
        if f in out:
            continue
        field = "avg" if f == "price" else f
        if field not in ALL_FIELDS:
            raise ParamsError(f"unknown field {field!r}; allowed: {list(ALL_FIELDS)}")
        v = store.field(field)[rows, j]
        if field in PRICE_FIELDS or field in ("volume", "factor"):
            if not have_sc:
                sc = _col_scale(store, rows, j, fq, run)
                have_sc = True
            if field in PRICE_FIELDS:
                v = np.round(v * sc, 2) if sc is not None else np.array(v)
            elif field == "volume":
                v = v / sc if sc is not None else np.array(v)
            else:
                v = sc.copy() if sc is not None else np.where(np.isnan(v), np.nan, 1.0)
        else:
            v = np.array(v)
        out[f] = v
    return out


def _col_scale(store, rows, j: int, fq, run) -> np.ndarray | None:
    """:func:`_scale` of one security column, 1-D (same rules, ``'none'`` included)."""
    if _fq_mode(fq) is None:
        return None
    f = store.field("factor")[rows, j]
    if fq == "post":
        return np.array(f)
    return f / _fq_ref(store, run, fq, j)


_COLUMN_INDEX: dict[tuple, pd.Index] = {}


def _frame(vals: dict[str, np.ndarray], index) -> pd.DataFrame:
    """``pd.DataFrame(vals, index=index)`` for equal-length float64 columns, built as one
    block with a cached column index: building the column ``Index`` from a list of strings
    was most of the cost of a small frame (pandas infers its dtype every time)."""
    if not vals or any(v.dtype != np.float64 or v.ndim != 1 for v in vals.values()):
        return pd.DataFrame(vals, index=index)
    key = tuple(vals)
    cols = _COLUMN_INDEX.get(key)
    if cols is None:
        if len(_COLUMN_INDEX) > 512:
            _COLUMN_INDEX.clear()
        cols = _COLUMN_INDEX[key] = pd.Index(list(key), dtype=object)
    # a (fields x rows) C-ordered array is the block pandas keeps: no copy, contiguous columns
    return pd.DataFrame(np.vstack(list(vals.values())).T, index=index, columns=cols._view())


_DATE_RUNS: dict[tuple[int, int], tuple] = {}


def _rows_dates(store, rows) -> pd.DatetimeIndex:
    """``store.dates[rows]``, by slicing when ``rows`` is a run of consecutive days.

    A run's index is kept (per ``store.dates`` object, first and last row) and each call gets
    a fresh ``view()`` of it: one-security calls in a loop ask for the same window for every
    stock that traded on all its days, and slicing a ``DatetimeIndex`` cost ~40 us a call.
    The view is a new object (renaming the returned frame's index does not touch the kept
    one) with the same values, name and ``freq`` as the slice."""
    if isinstance(rows, slice):
        return store.dates[rows]
    n = len(rows)
    if n and rows[-1] - rows[0] == n - 1:
        a, b = int(rows[0]), int(rows[-1]) + 1
        dates = store.dates
        hit = _DATE_RUNS.get((a, b))
        if hit is None or hit[0] is not dates:
            if len(_DATE_RUNS) > 4096:
                _DATE_RUNS.clear()
            hit = _DATE_RUNS[(a, b)] = (dates, dates[a:b])
        return hit[1].view()
    return store.dates[rows]


def _window(run, codes: list[str], field: str, count: int, end_i: int, fq="pre") -> np.ndarray:
    store = run.store
    cols = [store.col(c) for c in codes]
    a = max(end_i - count + 1, 0)
    v = _values(store, field, slice(a, end_i + 1), cols, fq, run)
    if end_i - count + 1 < 0:
        pad = np.full((-(end_i - count + 1), len(cols)), np.nan)
        v = np.vstack([pad, v])
    return v


def _to_date(x) -> _dt.date:
    return to_date(x)


def _unit_days(unit: str, func: str) -> int | None:
    """Days per bar for 'Xd' units; None for minute units."""
    u = str(unit).strip().lower()
    if u in ("daily", "1d", "d"):
        return 1
    m = re.fullmatch(r"(\d+)d", u)
    if m:
        return int(m.group(1))
    if u in ("minute", "1m") or re.fullmatch(r"\d+m", u):
        return None
    raise ParamsError(f"{func}(): unit/frequency {unit!r} is not supported (use '1d', 'Xd' or minute units)")


def _minute_latest(run, codes, field, func):
    """A daily engine serves the one-bar minute helper ``history(1, '1m', 'close')`` from the
    current price (spec real_strategy_api_usage §4)."""
    cols = [run.store.col(c) for c in codes]
    if field in ("close", "price", "avg", "open", "high", "low"):
        return np.array([[run.latest_price(j) for j in cols]])
    raise ParamsError(f"{func}(): minute bars are not in this data store; only the latest price "
                      f"(count=1, field 'close') can be served from daily bars")


# ---------------------------------------------------------------------------- minute bars
_MINUTE_OK = ("open", "close", "high", "low", "volume", "money", "avg", "price", "factor", "high_limit",
              "low_limit", "pre_close", "paused")
_ONE_MINUTE = _dt.timedelta(minutes=1)


def _unit_minutes(unit) -> int:
    """Bars per unit of a minute unit: ``'1m'``/``'minute'`` -> 1, ``'Xm'`` -> X (1..240)."""
    u = str(unit).strip().lower()
    if u in ("minute", "1m"):
        return 1
    x = int(u[:-1])
    if not 1 <= x <= 240:
        raise ParamsError(f"minute unit {unit!r}: X must be 1..240")
    return x


def _has_minute(store) -> bool:
    return store.minute_bars() is not None or store.minute_bars(5) is not None


def _minute_bars_of(store, x: int, func: str):
    """(bars, stored bars per unit): 1-minute bars, else imported 5-minute bars for units
    that are multiples of 5 minutes."""
    mb = store.minute_bars()
    if mb is not None:
        return mb, x
    mb5 = store.minute_bars(5)
    if mb5 is not None and x % 5 == 0:
        return mb5, x // 5
    if mb5 is not None:
        raise ParamsError(f"{func}(): the data store {store.path} has 5-minute bars only; unit {x}m needs "
                          f"1-minute bars (use a multiple of 5 minutes)")
    raise ParamsError(f"{func}(): minute bars are not in this data store ({store.path} has daily bars "
                      f"only; import 1-minute bars with `jqlite data import`)")


def _minute_series(store, run, code: str, fields, end: _dt.datetime, count: int | None, start,
                   fq, skip_paused: bool, x: int, func: str):
    """(times, {field: values}) of one security's minute bars ending at ``end`` (bar labels
    <= end), the last ``count`` ``x``-minute bars or those from ``start`` on (sliding windows
    of the stored bars counted back from the end)."""
    from ..data.minute import MINUTE_FIELDS, aggregate_sliding
    bad = [f for f in fields if f not in (_MINUTE_OK if x == 1 else MINUTE_FIELDS)]
    if bad:
        raise ParamsError(f"{func}(): field(s) {bad} not available for minute unit {x}m; allowed: "
                          f"{list(_MINUTE_OK if x == 1 else MINUTE_FIELDS)}")
    mb, x = _minute_bars_of(store, x, func)
    nbars = None if count is None else int(count) * x
    j = store.col(code)
    end_i = store.day_index(end, "right")
    if end_i < 0:
        return pd.DatetimeIndex([]), {f: np.zeros(0) for f in fields}
    end_slot = mb.slot(end.time()) if store.dates[end_i].date() == end.date() else mb.n - 1
    start_i = store.day_index(start, "left") if start is not None else None
    rows, slots, vals = mb.window(j, end_i, end_slot, count=nbars, start_i=start_i, fill_paused=not skip_paused)
    times = mb.times(rows, slots)
    if start is not None:
        keep = np.asarray(times >= pd.Timestamp(start))
        rows, slots, times = rows[keep], slots[keep], times[keep]
        vals = {f: v[keep] for f, v in vals.items()}
    sc = _col_scale(store, rows, j, fq, run)
    nd = 2 if run is None or run.sec_type(code) == "stock" else 3
    out = {}
    for f in fields:
        ff = "avg" if f == "price" else f
        if ff in MINUTE_FIELDS:
            v = vals[ff].copy()
        elif ff == "avg":
            with np.errstate(invalid="ignore", divide="ignore"):
                v = np.where(vals["volume"] > 0, vals["money"] / vals["volume"], vals["close"])
        elif ff == "pre_close":
            v = vals["open"].copy()
        else:
            v = store.field(ff)[rows, j].astype(np.float64)
        if ff in PRICE_FIELDS and sc is not None:
            v = np.round(v * sc, nd)
        elif ff == "volume" and sc is not None:
            v = v / sc
        elif ff == "factor":
            v = sc if sc is not None else np.ones(len(v))
        out[f] = v
    if x > 1:
        out, ends = aggregate_sliding(out, x)
        times = times[ends]
    return times, out


def _minute_result(series: dict, fields, single: bool, panel: bool = True, df_out: bool = True):
    """Shape per-code minute series like get_price's daily output.

    Built from whole arrays (one frame, no per-column inserts): a day of 1-minute bars for 60
    codes took ~0.8 s CPU through per-code frames."""
    codes = list(series)
    if single:
        t, v = series[codes[0]]
        return _frame({f: v[f] for f in fields}, t)
    if panel:
        t0 = series[codes[0]][0]
        if all(len(series[c][0]) == len(t0) and series[c][0].equals(t0) for c in codes[1:]):
            cols = pd.MultiIndex.from_product([list(fields), codes])
            if len(codes) and len(fields):
                data = np.column_stack([np.asarray(series[c][1][f], dtype=np.float64)
                                        for f in fields for c in codes])
            else:
                data = np.zeros((len(t0), 0))
            return as_panel(pd.DataFrame(data, index=t0, columns=cols))
        frames = {f: pd.DataFrame({c: pd.Series(series[c][1][f], index=series[c][0]) for c in codes})
                  for f in fields}
        return as_panel(pd.concat(frames, axis=1))
    times = [series[c][0] for c in codes]
    lens = [len(t) for t in times]
    data = {"time": pd.DatetimeIndex(np.concatenate([np.asarray(t, dtype="datetime64[ns]") for t in times]))
            if codes else pd.DatetimeIndex([]),
            "code": np.repeat(np.array(codes, dtype=object), lens)}
    for f in fields:
        data[f] = np.concatenate([np.asarray(series[c][1][f]) for c in codes]) if codes else np.zeros(0)
    return pd.DataFrame(data)


def _minute_history_end(run) -> _dt.datetime:
    """history/attribute_history with minute units exclude the current minute: at HH:MM the
    last bar is the one labelled HH:MM-1 (spec jq_data_api §3.2/§3.3 "不包括当前分钟",
    implementation hint "end_date = previous minute")."""
    return run.current_dt.replace(second=0, microsecond=0) - _ONE_MINUTE


def _aggregate(values: dict[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    """Combine daily rows into sliding X-day bars counted back from the end (spec §3.1)."""
    out = {}
    L = next(iter(values.values())).shape[0]
    ends = np.arange(L - 1, -1, -n)[::-1]
    for f, v in values.items():
        rows = []
        for e in ends:
            s = max(e - n + 1, 0)
            seg = v[s:e + 1]
            if f == "open":
                rows.append(seg[0])
            elif f in ("close", "factor", "pre_close", "paused", "high_limit", "low_limit", "avg", "price"):
                rows.append(seg[-1])
            elif f == "high":
                rows.append(np.nanmax(seg, axis=0))
            elif f == "low":
                rows.append(np.nanmin(seg, axis=0))
            else:
                rows.append(np.nansum(seg, axis=0))
        out[f] = np.array(rows)
    return out, ends


# ---------------------------------------------------------------------------- get_price
@timed("data")
def get_price(security, start_date=None, end_date=None, frequency="daily", fields=None,
              skip_paused=False, fq="pre", count=None, panel=True, fill_paused=True):
    """Bars of one or several securities (spec ``jq_data_api.md`` §3.1).

    Parameters
    ----------
    security : str or list of str
    start_date, end_date : date-like, optional
        Inclusive.  ``count`` XOR ``start_date``.  Defaults: in a backtest ``end_date`` is the
        current time (today's bar included, as on JoinQuant — a known look-ahead source);
        in research the store's last day.  Without both ``start_date`` and ``count``,
        ``start_date='2015-01-01'``.
    frequency : str
        ``'daily'``/``'1d'`` or ``'Xd'`` (sliding X-day bars labelled by their last day);
        with minute bars in the store ``'minute'``/``'1m'`` or ``'Xm'`` (sliding X-minute
        bars counted back from ``end_date``, labelled by their last bar's end time; a
        date-only ``end_date`` means 00:00, i.e. before that day's bars).  Fields for minute
        units: ``open close high low volume money avg price`` (+ ``factor high_limit
        low_limit paused``, and ``pre_close`` = ``open``, for ``'1m'``).
    fields : list of str, optional
        Default ``['open','close','high','low','volume','money']``.
    skip_paused : bool
        Drop suspended / unlisted days (one security, or ``panel=False``).
    fq : {'pre', 'post', None}
        Adjustment; 'pre' is relative to the current backtest day in real-price mode, to
        the store's last day otherwise.  Adjusted prices are rounded to 0.01.  The string
        ``'none'`` means None (JoinQuant accepts it).
    count : int, optional
    panel : bool
        Several securities: True -> DataFrame with (field, code) column MultiIndex so that
        ``df['close']`` is a dates x codes frame (pandas has no Panel); False -> long frame
        with ``time``, ``code`` columns.
    fill_paused : bool
        False leaves suspended days' prices NaN.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    ParamsError
        Both ``count`` and ``start_date``, unknown field or frequency.
    FutureDataError
        With ``avoid_future_data`` on, an ``end_date`` after the current time.
    SecurityNotFoundError
        Unknown code (named).
    """
    run = run_or_none()
    store = active_store()
    codes, single = _codes(security)
    if count is not None and start_date is not None:
        raise ParamsError("get_price(): (start_date, count) only one param is required")
    fields = list(DEFAULT_FIELDS if fields is None else ([fields] if isinstance(fields, str) else fields))
    ndays = _unit_days(frequency, "get_price")
    if ndays is None and _has_minute(store):
        x = _unit_minutes(frequency)
        if end_date is None:
            end = run.current_dt if run is not None else _dt.datetime.combine(store.dates[-1].date(), CLOSE)
        else:
            end = to_datetime(end_date, "end_date", "get_price")
        if run is not None and run.settings.avoid_future_data and end > run.current_dt:
            raise FutureDataError(f"avoid_future_data=True时,get_price的end_date({end})不能大于当前时间({run.current_dt})")
        start = None
        if count is None:
            start = to_datetime(start_date or "2015-01-01", "start_date", "get_price")
        series = {c: _minute_series(store, run, c, fields, end, None if count is None else int(count), start,
                                    fq, skip_paused, x, "get_price") for c in codes}
        return _minute_result(series, fields, single, panel and not skip_paused)
    if ndays is None:
        if run is not None and count == 1:
            v = _minute_latest(run, codes, fields[0] if len(fields) == 1 else "close", "get_price")
            idx = pd.DatetimeIndex([run.current_dt])
            if single:
                return pd.DataFrame({f: v[0] for f in fields}, index=idx)
            return pd.DataFrame(v, index=idx, columns=codes)
        raise ParamsError("get_price(): minute bars are not in this data store (daily bars only)")
    if end_date is None:
        end = run.current_dt if run is not None else store.dates[-1].to_pydatetime()
    else:
        end = to_datetime(end_date, "end_date", "get_price")
    if run is not None and run.settings.avoid_future_data:
        _check_future(run, end, fields, "get_price")
    end_i = store.day_index(end, "right")
    if count is not None and skip_paused and ndays == 1:
        return _traded_bars(store, run, codes, single, fields, end_i, int(count), fq)
    if count is not None:
        start_i = end_i - int(count) * ndays + 1
    else:
        start_i = store.day_index(to_timestamp(start_date or "2015-01-01", "start_date", "get_price"), "left")
    start_i = max(start_i, 0)
    cols = [store.col(c) for c in codes]
    rows = slice(start_i, end_i + 1)
    if single:
        vals = {f: v[:, None] for f, v in _col_values(store, fields, rows, cols[0], fq, run).items()}
    else:
        vals = {f: _values(store, f, rows, cols, fq, run) for f in fields}
    dates = store.dates[start_i:end_i + 1]
    need_mask = skip_paused or not fill_paused
    if need_mask:
        paused = _take(store.field("paused"), rows, cols) == 1
        listed = ~np.isnan(_take(store.field("close"), rows, cols))
    if not fill_paused:
        for f in fields:
            if f in PRICE_FIELDS:
                vals[f] = np.where(paused, np.nan, vals[f])
    if ndays > 1:
        vals, ends = _aggregate(vals, ndays)
        dates = dates[ends]
    if single:
        df = _frame({f: vals[f][:, 0] for f in fields}, dates)
        if skip_paused and ndays == 1:
            df = df[(~paused[:, 0]) & listed[:, 0]]
            if df.empty and end_i >= 0:
                _note_unlisted(run, "get_price", codes[0], store.dates[end_i].date())
        return df
    if panel and not skip_paused:
        if not codes:
            empty = _FieldsFrame(index=dates)
            empty._jq_fields = tuple(fields)
            return empty
        frames = {f: pd.DataFrame(vals[f], index=dates, columns=codes) for f in fields}
        return as_panel(pd.concat(frames, axis=1))
    n, k = len(dates), len(codes)
    long = pd.DataFrame({"time": np.tile(dates.values, k), "code": np.repeat(codes, n)})
    for f in fields:
        long[f] = vals[f].T.reshape(-1)
    if skip_paused and ndays == 1:
        keep = ((~paused) & listed).T.reshape(-1)
        long = long[keep].reset_index(drop=True)
    return long


def _traded_bars(store, run, codes, single, fields, end_i: int, count: int, fq) -> pd.DataFrame:
    """``get_price(count=n, skip_paused=True)``: per security the last ``n`` days it traded
    (not suspended, listed) up to ``end_i`` -- JoinQuant counts traded bars, as
    ``attribute_history``/``history`` with ``skip_paused=True`` do, so a security suspended
    for weeks or delisted before ``end_date`` still answers its last ``n`` bars (before
    this, jqlite cut ``n`` calendar days first and returned fewer or no rows)."""
    parts = []
    for c in codes:
        j = store.col(c)
        rows = _trading_rows(store, j, end_i, count) if count > 0 else np.arange(0)
        if count > 0 and not len(rows) and end_i >= 0:
            _note_unlisted(run, "get_price", c, store.dates[end_i].date())
        elif 0 < len(rows) < count:
            _note_listed_within(run, "get_price", c, store.dates[end_i].date(), len(rows), count)
        vals = _col_values(store, fields, rows, j, fq, run)
        parts.append((c, _rows_dates(store, rows), vals))
    if single:
        c, dates, vals = parts[0]
        if len(set(fields)) == len(fields):
            return _frame(vals, dates)
        return pd.DataFrame(vals, index=dates, columns=fields)
    if not parts:
        return pd.DataFrame(columns=["time", "code", *fields])
    # one long frame built from concatenated columns: a DataFrame per security, then
    # pd.concat, cost ~4 ms a security (a 3,000-stock call took seconds; corpus 16921600)
    lens = [len(dates) for _, dates, _ in parts]
    data = {"time": np.concatenate([dates.values for _, dates, _ in parts]),
            "code": np.repeat(np.array([c for c, _, _ in parts], dtype=object), lens)}
    for f in dict.fromkeys(fields):
        data[f] = np.concatenate([vals[f] for _, _, vals in parts])
    return pd.DataFrame(data, columns=["time", "code", *fields])


def _check_future(run, end: _dt.datetime, fields, func: str) -> None:
    cur = run.current_dt
    if end.date() > cur.date():
        raise FutureDataError(f"avoid_future_data=True时,{func}的end_date({end})不能大于当前日期({cur})")
    if end.date() == cur.date() and cur.time() < CLOSE:
        allowed = {"open", "high_limit", "low_limit", "paused", "factor", "pre_close"} if cur.time() >= OPEN \
            else {"high_limit", "low_limit", "paused", "factor", "pre_close"}
        bad = [f for f in fields if f not in allowed]
        if bad:
            raise FutureDataError(f"avoid_future_data=True时,{func}不能在{cur}获取当天的{bad}")


# ---------------------------------------------------------------------------- history
@timed("data")
def history(count, unit="1d", field="avg", security_list=None, df=True, skip_paused=False, fq="pre"):
    """The last ``count`` bars of one field for several securities, **excluding today**
    (spec §3.2).  ``security_list`` defaults to ``context.universe``.

    Returns a DataFrame (dates x codes) or, with ``df=False``, dict code -> ndarray.

    With ``skip_paused=True`` (daily units) each security's own last ``count`` traded bars
    are taken, so the row index stops being dates (an integer position, oldest first).  A
    security with fewer traded bars than ``count`` (listed today or lately, or not listed yet)
    is **padded with NaN at the front** to ``count`` values, so every column / array has
    ``count`` entries and position ``-1`` is each security's latest bar.  JoinQuant's manual
    does not spell the short case out; jqlite pads because (a) a ``df=True`` frame of several
    securities must be rectangular, and the alignment that keeps ``iloc[-1]`` the latest
    bar is at the end, and (b) public strategies index ``history(3, ...,
    skip_paused=True, df=False)[s][-3]`` over every stock of ``get_all_securities()``
    without leaving out new listings, which on JoinQuant passes on IPO days (an IPO opens
    at +20 %, below its +44 % first-day limit, so "one-price limit-up" filters keep it); with
    short arrays those files would fail every day a stock lists (corpus file 55c624be), and
    (c) JoinQuant's own helper libraries (the strategy wizard's and ``jqlib.technical_analysis``'s
    ``MACD``/``ATR``, public copies) test ``history(..., skip_paused=True, df=False)`` results
    for "输入数据全是 NaN, 该股票可能已退市或刚上市" (all NaN: delisted or just listed) and
    back-fill partly-NaN ones, i.e. they receive NaN values, not shorter arrays.
    """
    run = current_run("history")
    codes = list(run.universe) if security_list is None else _codes(security_list)[0]
    ndays = _unit_days(unit, "history")
    if ndays is None and _has_minute(run.store):
        x = _unit_minutes(unit)
        end = _minute_history_end(run)
        series = {c: _minute_series(run.store, run, c, [field], end, int(count), None, fq, skip_paused, x,
                                    "history") for c in codes}
        if not df:
            return {c: v[field] for c, (_t, v) in series.items()}
        if skip_paused:
            return pd.DataFrame({c: pd.Series(v[field]) for c, (_t, v) in series.items()})
        return pd.DataFrame({c: pd.Series(v[field], index=t) for c, (t, v) in series.items()})
    if ndays is None:
        if count == 1:
            v = _minute_latest(run, codes, field, "history")
            if not df:
                return {c: v[:, i] for i, c in enumerate(codes)}
            return pd.DataFrame(v, index=pd.DatetimeIndex([run.current_dt]), columns=codes)
        raise ParamsError("history(): minute bars are not in this data store (daily bars only)")
    end_i = run.day_i - 1
    if skip_paused:
        n = count * ndays
        out = {c: _pad_front(_skip_paused_series(run, c, field, n, end_i, fq)[0], n) for c in codes}
        if n > 0 and end_i >= 0:
            for c in codes:
                if np.isnan(out[c]).all():
                    _note_unlisted(run, "history", c, run.store.dates[end_i].date())
        if not df:
            return out
        return pd.DataFrame(out, index=pd.RangeIndex(n), columns=list(out))
    v = _window(run, codes, field, count * ndays, end_i, fq)
    a = max(end_i - count * ndays + 1, 0)
    dates = run.store.dates[a:end_i + 1]
    if len(dates) < v.shape[0]:
        # the store starts later than the window: keep count rows, padded rows are NaN / NaT
        dates = pd.DatetimeIndex([pd.NaT] * (v.shape[0] - len(dates))).append(dates)
    if ndays > 1:
        agg, ends = _aggregate({field: v}, ndays)
        v, dates = agg[field], dates[ends]
    if not df:
        return {c: v[:, i] for i, c in enumerate(codes)}
    return pd.DataFrame(v, index=dates, columns=codes)


def _pad_front(v: np.ndarray, n: int) -> np.ndarray:
    """``v`` (1-D, oldest first) with NaN prepended up to ``n`` values (float; see :func:`history`)."""
    n = max(int(n), 0)
    if len(v) >= n:
        return v
    out = np.full(n, np.nan)
    if len(v):
        out[n - len(v):] = v
    return out


def _skip_paused_series(run, code, field, count, end_i, fq):
    store = run.store
    j = store.col(code)
    paused = store.field("paused")[:end_i + 1, j]
    ok = np.flatnonzero(paused == 0)
    rows = ok[-count:] if count > 0 else ok[:0]
    v = _col_values(store, [field], rows, j, fq, run)[field]
    return v, store.dates[rows]


@timed("data")
def attribute_history(security, count, unit="1d", fields=("open", "close", "high", "low", "volume", "money"),
                      skip_paused=True, df=True, fq="pre"):
    """The last ``count`` bars of several fields of one security, excluding today; suspended
    days skipped by default (spec §3.3).  DataFrame (dates x fields) or dict field -> ndarray."""
    run = current_run("attribute_history")
    fields = [fields] if isinstance(fields, str) else list(fields)
    ndays = _unit_days(unit, "attribute_history")
    if ndays is None and _has_minute(run.store):
        x = _unit_minutes(unit)
        t, vals = _minute_series(run.store, run, security, fields, _minute_history_end(run), int(count), None,
                                 fq, skip_paused, x, "attribute_history")
        if not df:
            return vals
        return _frame(vals, t)
    if ndays is None:
        if count == 1:
            vals = {f: _minute_latest(run, [security], f, "attribute_history")[:, 0] for f in fields}
            if not df:
                return vals
            return pd.DataFrame(vals, index=pd.DatetimeIndex([run.current_dt]))
        raise ParamsError("attribute_history(): minute bars are not in this data store (daily bars only)")
    store = run.store
    j = store.col(security)
    end_i = run.day_i - 1
    n = count * ndays
    if skip_paused:
        rows = _trading_rows(store, j, end_i, n) if n > 0 else np.arange(0)
        if n > 0 and not len(rows) and end_i >= 0:
            _note_unlisted(run, "attribute_history", security, store.dates[end_i].date())
        elif 0 < len(rows) < n:
            _note_listed_within(run, "attribute_history", security, store.dates[end_i].date(), len(rows), n)
    else:
        a = max(end_i - n + 1, 0)
        rows = np.arange(a, end_i + 1)
    vals = _col_values(store, fields, rows, j, fq, run)
    if ndays > 1:
        dates = store.dates[rows]
        vals, ends = _aggregate({f: v[:, None] for f, v in vals.items()}, ndays)
        vals = {f: v[:, 0] for f, v in vals.items()}
        dates = dates[ends]
    if not df:
        return vals
    if ndays == 1:
        dates = _rows_dates(store, rows)
    return _frame(vals, dates)


@timed("data")
def get_bars(security, count, unit="1d", fields=("date", "open", "high", "low", "close"), include_now=False,
             end_dt=None, fq_ref_date=None, df=False):
    """Daily, weekly or monthly bars as charting software draws them (spec §3.4).

    Parameters
    ----------
    security : str or list of str
    count : int
        Number of bars ending at ``end_dt``; fewer when the history is shorter (no padding).
    unit : {'1d', '1w', '1M', '1m', '5m', '15m', '30m', '60m', '120m', 'Xm'}
        Day, calendar week (Monday-Sunday) or calendar month; with minute bars in the store
        also minute units, split from each session's open like charting software (see
        :func:`jqlite.data.minute.bucket_of_slot`; ``date`` is then the bar's end
        ``datetime``, fields ``date open close high low volume money factor``).  Without
        minute bars minute units raise :class:`ParamsError`.  Case matters, as on
        JoinQuant: ``'1M'`` is a month, ``'1m'`` a minute.
    fields : str or sequence of str
        ``date open close high low volume money factor``; with ``'1d'`` also ``avg
        pre_close high_limit low_limit paused``.
    include_now : bool
        Include the still-forming bar that contains ``end_dt``: today's bar before the close,
        the current week / month before its last trading day has closed.
    end_dt : datetime-like, optional
        Default: ``context.current_dt`` in a backtest, the store's last day after the close
        in research.  Seconds are dropped; a bare date (or midnight) means the whole day
        (in a backtest, today's date means ``current_dt``).  In a backtest a later ``end_dt`` raises :class:`FutureDataError` with
        ``avoid_future_data`` on and is clipped to ``current_dt`` otherwise.
    fq_ref_date : date-like, optional
        Reference day of the forward adjustment: prices × ``factor(d) / factor(ref)`` (rounded
        to 0.01), volume divided by the same ratio; a day before the listing gives post-adjusted
        (后复权) values.  ``None``: in a backtest, adjusted to the current day (real-price mode)
        or to the store end, like ``get_price(fq='pre')``; in research, raw prices.
    df : bool, default False
        False: structured ndarray (one code) or dict code -> ndarray; True: DataFrame with an
        integer index (one code) or a ``(code, i)`` MultiIndex.

    Returns
    -------
    numpy.ndarray, dict or pandas.DataFrame
        ``date`` is a ``datetime.date``.

    Raises
    ------
    ParamsError
        A minute or unknown unit, a field the unit does not have, ``count < 1``.
    FutureDataError
        ``end_dt`` after ``current_dt`` with ``avoid_future_data`` on (today's still-forming
        bar is not future data).

    Notes
    -----
    Decisions (JoinQuant: "bar的分割方式与主流股票软件相同, 同时还支持返回当前时刻所在 bar 的数据";
    jqdata ``get_price_period``: "当unit是1w或1M时,第一条数据是开始时间date所在的周或月的行情"):

    * Suspended days have no bar; a week / month bar aggregates the days the security
      traded: open = first open, close = last close, high = max, low = min, volume and money
      summed, factor = the last day's.  A period in which it never traded has no bar.
    * ``date`` of a week / month bar is its last traded day (for a still-forming bar, the
      last day included so far).
    * A bar is complete once the close of the last XSHG trading day of its period has
      passed at ``end_dt``; an incomplete bar is returned only with ``include_now=True``.
    * Intraday (``end_dt`` on a trading day between 09:30 and 15:00), ``include_now=True``
      returns today's bar as it stands at ``end_dt`` (JoinQuant: "支持返回当前时刻所在 bar
      的数据"; spec jq_data_api §3.4): nothing before 09:30, O=H=L=C=open and
      volume=money=0 at 09:30 (JoinQuant's opening snapshot, whichever fields are asked
      for), afterwards open = the day's open, high / low / close / volume / money from the
      minute bars that have ended by ``end_dt`` (close = the engine's latest price).  This is
      not future data: ``avoid_future_data`` does not reject it (only an ``end_dt`` after
      ``current_dt`` raises).  A store without minute bars for that day returns the whole
      day's bar instead and says so in the run log (data gap ``get_bars`` / ``minute bars``).
      The week / month bar that contains today aggregates this forming day bar.  Without
      ``include_now`` today is left out until 15:00.
    * ``factor`` is the store's cumulative post-adjustment factor, unaffected by
      ``fq_ref_date`` (spec §1.1).
    """
    run = run_or_none()
    store = active_store()
    codes, single = _codes(security)
    fields = [fields] if isinstance(fields, str) else list(fields)
    u = str(unit).strip()
    if (re.fullmatch(r"\d+m", u) or u == "minute") and _has_minute(store):
        return _get_bars_minute(run, store, codes, single, fields, int(count), _unit_minutes(u), include_now,
                                end_dt, fq_ref_date, df)
    kind = _bars_unit(unit)
    _bars_check_fields(fields, kind)
    count = int(count)
    if count < 1:
        raise ParamsError(f"get_bars(): count must be a positive integer, was {count}")
    end = _bars_end(run, store, end_dt)
    end_i, snapshot = _bars_last_row(run, store, end, include_now)
    # today's bar still forming (after the open, before the close): JoinQuant returns it as it
    # stands at end_dt -- built from the minute bars that have ended by then (not future data,
    # so no FutureDataError even under avoid_future_data)
    forming = (not snapshot and end_i >= 0 and store.dates[end_i].date() == end.date()
               and OPEN < end.time() < CLOSE)
    out = {}
    # trading days needed: the last `count` of them for days; for weeks / months enough
    # days to cover count + 1 periods (<= 5 trading days a week, <= 23 a month), the first,
    # possibly partial, period dropped below
    need = count if kind == "1d" else count * (7 if kind == "1w" else 31) + (7 if kind == "1w" else 31)
    for c in codes:
        j = store.col(c)
        ok = _trading_rows(store, j, end_i, need)
        if kind != "1d" and len(ok) == need:
            keys = _bars_period_keys(store.dates[ok], kind)
            ok = ok[keys != keys[0]]
        vals = _bars_values(store, run, fields, ok, j, fq_ref_date)
        if snapshot and ok.size and ok[-1] == end_i:
            # the snapshot needs today's open even when 'open' is not among the fields
            op = vals["open"] if "open" in vals else _bars_values(store, run, ["open"], ok, j, fq_ref_date)["open"]
            _bars_open_snapshot(vals, op[-1])
        elif forming and ok.size and ok[-1] == end_i:
            _bars_forming_today(store, run, vals, j, end_i, end, fq_ref_date, c)
        dates = store.dates[ok]
        if kind != "1d":
            vals, dates = _bars_aggregate(vals, dates, kind)
            if not include_now and len(dates) and not _bars_period_complete(dates[-1], kind, end):
                vals = {f: v[:-1] for f, v in vals.items()}
                dates = dates[:-1]
        vals = {f: v[-count:] for f, v in vals.items()}
        dates = dates[-count:]
        out[c] = _bars_record(fields, vals, dates)
    if not df:
        return out[codes[0]] if single else out
    if single:
        return pd.DataFrame(out[codes[0]])
    return _records_frame(out, codes, fields)


def _records_frame(out: dict, codes: list[str], fields=()) -> pd.DataFrame:
    """``pd.concat({code: pd.DataFrame(record)})`` built in one go: a ``(code, i)``
    MultiIndex over the codes' structured arrays (one DataFrame instead of one per code);
    no codes: an empty frame with columns ``fields``."""
    if not codes:       # an empty list of codes: no rows, the (code, i) index and the fields
        return pd.DataFrame(columns=list(fields),
                            index=pd.MultiIndex.from_arrays([np.zeros(0, dtype=object), np.zeros(0, np.int64)]))
    recs = [out[c] for c in codes]
    names = recs[0].dtype.names
    lens = [len(r) for r in recs]
    data = {n: np.concatenate([r[n] for r in recs]) for n in names}
    idx = pd.MultiIndex.from_arrays([np.repeat(np.asarray(codes, dtype=object), lens),
                                     np.concatenate([np.arange(k) for k in lens])])
    return pd.DataFrame(data, index=idx, columns=list(names))


def _get_bars_minute(run, store, codes, single, fields, count, x, include_now, end_dt, fq_ref_date, df):
    """get_bars with a minute unit: bars split from each session's open like charting
    software (:func:`jqlite.data.minute.bucket_of_slot`), labelled with their last bar's end
    time; suspended minutes absent; the still-forming bar only with ``include_now``."""
    from ..data.minute import aggregate_buckets, bucket_of_slot
    allowed = ("date", "open", "close", "high", "low", "volume", "money", "factor")
    bad = [f for f in fields if f not in allowed]
    if bad:
        raise ParamsError(f"get_bars(): field(s) {bad} not available with a minute unit; allowed: {list(allowed)}")
    if count < 1:
        raise ParamsError(f"get_bars(): count must be a positive integer, was {count}")
    end = _bars_end(run, store, end_dt)
    out = {}
    for c in codes:
        mb, xs = _minute_bars_of(store, x, "get_bars")
        j = store.col(c)
        end_i = store.day_index(end, "right")
        end_slot = mb.slot(end.time()) if end_i >= 0 and store.dates[end_i].date() == end.date() else mb.n - 1
        rows, slots, vals = mb.window(j, end_i, end_slot, count=(count + 1) * xs + mb.n) if end_i >= 0 else \
            (np.zeros(0, np.int64), np.zeros(0, np.int64), {})
        need = [f for f in fields if f not in ("date", "factor")]
        vals = {f: vals[f] for f in need} if len(rows) else {f: np.zeros(0) for f in need}
        ratio = _bars_ratio(store, run, j, rows, fq_ref_date) if len(rows) else None
        if ratio is not None:
            nd = 2 if run is None or run.sec_type(c) == "stock" else 3
            for f in ("open", "close", "high", "low"):
                if f in vals:
                    vals[f] = np.round(vals[f] * ratio, nd)
            if "volume" in vals:
                vals["volume"] = vals["volume"] / ratio
        if "factor" in fields:
            vals["factor"] = store.field("factor")[rows, j] if len(rows) else np.zeros(0)
        vals, ends = aggregate_buckets(vals, rows, slots, xs, mb.n)
        times = mb.times(rows[ends], slots[ends]) if len(rows) else pd.DatetimeIndex([])
        if len(ends) and not include_now:
            b = bucket_of_slot(xs, mb.n)
            last = slots[ends[-1]]
            if last < mb.n - 1 and b[last + 1] == b[last]:      # the bar is still forming
                vals = {f: v[:-1] for f, v in vals.items()}
                times = times[:-1]
        vals = {f: v[-count:] for f, v in vals.items()}
        times = times[-count:]
        arr = np.empty(len(times), dtype=[(f, "O") if f == "date" else (f, "f8") for f in fields])
        for f in fields:
            arr[f] = np.array(times.to_pydatetime(), dtype=object) if f == "date" else vals[f]
        out[c] = arr
    if not df:
        return out[codes[0]] if single else out
    frames = {c: pd.DataFrame(out[c]) for c in codes}
    if not frames:
        return _records_frame({}, [], fields)
    return frames[codes[0]] if single else pd.concat(frames)


# ---------------------------------------------------------------------------- current data
class _CurrentUnit:
    __slots__ = ("security", "last_price", "high_limit", "low_limit", "paused", "is_st", "_open", "_early",
                 "name", "industry_code", "pre_close")

    @property
    def day_open(self) -> float:
        """Today's open from 09:27 on; NaN before (JoinQuant publishes it with the call
        auction's result).  A read before 09:27 of a listed security is noted once per run
        in the run log ("... as on JoinQuant")."""
        run = self._early
        if run is not None:
            seen = run.__dict__.setdefault("_unlisted_noted", set())
            if "day_open" not in seen:
                seen.add("day_open")
                run.log.warn(f"get_current_data()[{self.security!r}].day_open read at "
                             f"{run.current_dt.time()} (before 09:27): NaN, as on JoinQuant "
                             f"(today's open is known from 09:27)")
        return self._open

    def __repr__(self) -> str:
        return (f"CurrentData(security={self.security}, last_price={self.last_price}, "
                f"high_limit={self.high_limit}, low_limit={self.low_limit}, paused={self.paused}, "
                f"is_st={self.is_st}, name={self.name})")


class CurrentData(dict):
    """``get_current_data()``: lazily filled dict code -> unit with ``last_price``,
    ``high_limit``, ``low_limit``, ``paused`` (also True when unlisted), ``is_st``,
    ``day_open`` (from 09:27), ``name`` (that day's name), ``industry_code`` (spec §4)."""

    def __init__(self, run):
        super().__init__()
        self._run = run
        self._day = None

    def _day_rows(self, run, store) -> tuple:
        """Today's rows of the daily fields a unit reads, plus the date: taken once per
        (day, store) instead of once per unit (a strategy filling the snapshot for every
        listed stock made ~10 field look-ups per stock).  Views of the store, never copied."""
        key = (run.day_i, id(store))
        d = self._day
        if d is None or d[0] != key:
            i = run.day_i
            d = self._day = (key, store.field("close")[i], store.field("paused")[i],
                             store.field("high_limit")[i], store.field("low_limit")[i],
                             store.field("pre_close")[i], store.field("open")[i],
                             store.st_matrix()[i], run.current_date)
        return d

    def __missing__(self, code: str) -> _CurrentUnit:
        # the same values as reading run.bar()/is_listed()/is_paused() per unit, from rows
        # taken once per day (tests/unit/test_one_security_calls.py compares both)
        run = self._run
        store = run.store
        j = store.col(code)
        _, close, paused, hl, ll, pc, op, st, today = self._day_rows(run, store)
        u = _CurrentUnit()
        u.security = code
        c = close[j]
        listed = bool(c == c)
        scale = run.price_scale(j)
        nan = float("nan")
        u.last_price = run.latest_price(j) if listed else nan
        u.high_limit = float(hl[j]) * scale if listed else nan
        u.low_limit = float(ll[j]) * scale if listed else nan
        u.pre_close = float(pc[j]) * scale if listed else nan
        u.paused = (not listed) or bool(paused[j] == 1)
        u.is_st = bool(st[j])
        early = run.current_dt.time() < _NINE_27
        u._open = float(op[j]) * scale if listed and not early else nan
        u._early = run if listed and early else None
        u.name = store.display_name(code, today)
        u.industry_code = None
        self[code] = u
        return u


_NINE_27 = _dt.time(9, 27)


@timed("data")
def get_current_data(security_list=None) -> CurrentData:
    """Today's per-security snapshot (backtest only); values must not be kept across days.

    Parameters
    ----------
    security_list : str or list of str, optional
        Accepted as JoinQuant's older API took it (``get_current_data(stocks)`` in public
        files); the snapshot is lazy and answers any code either way.

    Notes
    -----
    The same snapshot object is returned again while the run stays at the same time point
    (same ``current_dt``, day, price mode and store): JoinQuant's manual says the returned
    dict is filled on demand and is valid only at that time point, so a strategy calling
    ``get_current_data()[s]`` for every stock of a loop (public files do) fills one snapshot
    instead of building each unit afresh per call.
    """
    run = current_run("get_current_data")
    key = (run.current_dt, run.day_i, run.settings.use_real_price, id(run.store))
    hit = _SNAPSHOTS.get(run)
    if hit is not None and hit[0] == key:
        return hit[1]
    cd = CurrentData(run)
    _SNAPSHOTS[run] = (key, cd)
    return cd


_SNAPSHOTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


# ---------------------------------------------------------------------------- calendar
def _default_today():
    run = run_or_none()
    if run is not None:
        return run.current_date
    return active_store().dates[-1].date()


@timed("data")
def get_trade_days(start_date=None, end_date=None, count=None) -> np.ndarray:
    """Trading days in ``[start_date, end_date]`` (or the ``count`` days ending at
    ``end_date``) as an object ndarray of ``datetime.date`` (spec §5.1).  ``end_date``
    defaults to today (the store's last day in research)."""
    if start_date is not None and count is not None:
        raise ParamsError("get_trade_days(): start_date 参数与 count 参数只能二选一")
    store = active_store()
    run = run_or_none()
    end = to_timestamp(end_date, "end_date", "get_trade_days") if end_date is not None else pd.Timestamp(_dt.date.today())
    if run is not None and run.settings.avoid_future_data and end_date is None:
        end = pd.Timestamp(run.current_date)
    e = store.day_index(end, "right")
    if count is not None:
        s = max(e - int(count) + 1, 0)
    elif start_date is not None:
        s = store.day_index(to_timestamp(start_date, "start_date", "get_trade_days"), "left")
    else:
        s = 0
    return np.array([d.date() for d in store.dates[s:e + 1]], dtype=object)


@timed("data")
def get_all_trade_days() -> np.ndarray:
    """All trading days of the store (ndarray of ``datetime.date``)."""
    return np.array([d.date() for d in active_store().dates], dtype=object)


# ---------------------------------------------------------------------------- securities
class SecurityInfo:
    """``get_security_info`` result: code, display_name, name, start_date, end_date, type, parent."""

    def __init__(self, code, display_name, name, start_date, end_date, type_, parent=None):
        self.code, self.display_name, self.name = code, display_name, name
        self.start_date, self.end_date, self.type, self.parent = start_date, end_date, type_, parent

    def __repr__(self) -> str:
        return self.code

    __str__ = __repr__


@timed("data")
def get_security_info(code: str, date=None) -> SecurityInfo | None:
    """Security master row of ``code`` (None when unknown; spec §5.3)."""
    store = active_store()
    rows = store.cached("security_info_rows", lambda: _security_rows(store))
    r = rows.get(code)
    if r is None:
        if not isinstance(code, str):
            return None
        from ..data.on_demand import classify
        if store.synthesizes and classify(code) is not None:
            from ..errors import SecurityNotFoundError
            try:
                store.missing(code)    # synthesises it: the call is repeated / the run restarts
            except SecurityNotFoundError:
                pass                   # a futures month outside the store's calendar: None
        from ._gaps import record_gap
        record_gap("get_security_info", f"security {code}",
                   f"get_security_info({code!r}): not in the data store {store.path}; returning None")
        return None
    if code in store.on_demand:
        from ..data.store import _note_on_demand
        _note_on_demand(code)
    name = store.display_name(code, date) if date is not None else r[0]
    return SecurityInfo(code, name, r[1], r[2], r[3], r[4])


def _security_rows(store) -> dict:
    """code -> (display_name, name, start_date, end_date, type), built once per store
    (a pandas ``.loc`` per call cost ~0.5 ms; strategies call this per stock per day)."""
    t = store.securities
    starts = list(jq_dates(t["start_date"].to_numpy()))
    ends = list(jq_dates(t["end_date"].to_numpy()))
    return {c: (str(dn), str(n), s0, s1, str(ty)) for c, dn, n, s0, s1, ty in
            zip(t.index if t.index.name == "code" else t["code"], t["display_name"], t["name"],
                starts, ends, t["type"])}


_FUND_TYPES = {"etf", "lof", "fja", "fjb", "fjm", "mmf", "open_fund", "bond_fund", "stock_fund",
               "QDII_fund", "money_market_fund", "mixture_fund"}


#: JoinQuant's open-end (场外, ``.OF``) fund sub-types: ``get_all_securities('open_fund')``
#: lists them all.
_OPEN_FUND_TYPES = {"open_fund", "bond_fund", "stock_fund", "QDII_fund", "money_market_fund", "mixture_fund"}

_ALL_TYPES = _FUND_TYPES | {"stock", "fund", "index", "futures", "options", "index_futures",
                            "conbond", "reits", "bond_fund", "fjm"}


@timed("data")
def get_all_securities(types=(), date=None) -> pd.DataFrame:
    """Securities of ``types`` (default stocks) listed on ``date`` (all when None); DataFrame
    indexed by code with display_name, name, start_date, end_date, type (spec §5.4)."""
    store = active_store()
    if isinstance(types, str):
        types = [types]
    types = list(types) or ["stock"]
    bad = [t for t in types if t not in _ALL_TYPES]
    if bad:
        raise ParamsError(f"get_all_securities(): unknown type(s) {bad}; JoinQuant types are {sorted(_ALL_TYPES)}")
    want = set(types)
    if "fund" in want:
        want |= _FUND_TYPES
    if "open_fund" in want:   # 场外基金: every open-end (.OF) fund sub-type
        want |= _OPEN_FUND_TYPES
    # strategies call this every day: the frame of each type set is built once per store,
    # the listing filter of a date is two integer comparisons (pandas filtering per call was
    # 37 % of a momentum run), and callers get a new frame they may modify
    memo = store.cached("all_securities_by_types", dict)
    key = frozenset(want)
    typed = memo.get(key)
    if typed is None:
        sec = store.securities
        # codes synthesised on demand are answered, never listed (docs/data-coverage.md)
        sec = sec[~sec.index.isin(list(store.on_demand))] if store.on_demand else sec
        df = sec[sec["type"].isin(want)][["display_name", "name", "start_date", "end_date", "type"]].copy()
        df.index.name = None
        typed = (df, df["start_date"].values.astype("datetime64[D]").astype(np.int64),
                 df["end_date"].values.astype("datetime64[D]").astype(np.int64))
        # dates that compare with datetime.date and strings alike (jqlite.compat.dates.JQDate)
        df["start_date"] = jq_dates(df["start_date"].to_numpy())
        df["end_date"] = jq_dates(df["end_date"].to_numpy())
        memo[key] = typed
    df, starts, ends = typed
    if date is None:
        return df.copy()
    d = np.datetime64(to_date(date, "date", "get_all_securities"), "D").astype(np.int64)
    return df.take(np.flatnonzero((starts <= d) & (ends >= d)))


@timed("data")
def get_index_stocks(index_symbol: str, date=None) -> list[str]:
    """Constituents of an index on ``date`` (default: today in a backtest / the store's last
    day in research), listed that day (spec §6)."""
    store = active_store()
    d = to_timestamp(date, "date", "get_index_stocks") if date is not None else pd.Timestamp(_default_today())
    run = run_or_none()
    if run is not None and run.settings.avoid_future_data and d.date() > run.current_dt.date():
        raise FutureDataError(f"avoid_future_data=True时,get_index_stocks的date({d.date()})不能大于当前日期"
                              f"({run.current_dt.date()})")
    members = store.index_members(index_symbol, d)
    if not members:
        if not store.index_members_known(index_symbol):
            from ._gaps import record_gap
            record_gap("get_index_stocks", f"members of {index_symbol}",
                       f"get_index_stocks({index_symbol!r}): the data store has no constituents of this "
                       f"index; returning []")
        return []
    life = _listing_days(store)
    di = np.datetime64(d.normalize().date(), "D").astype(np.int64)
    out = []
    for m in members:
        j = store.code_index.get(m)
        if j is not None and life[0][j] <= di <= life[1][j]:
            out.append(m)
    return out


def _listing_days(store) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) listing dates per store column as int days since the epoch (cached)."""
    def build():
        sec = store.securities.loc[store.codes]
        return (sec["start_date"].values.astype("datetime64[D]").astype(np.int64),
                sec["end_date"].values.astype("datetime64[D]").astype(np.int64))
    return store.cached("listing_days", build)


_NAV_INFOS = ("unit_net_value", "acc_net_value", "adj_net_value")
#: get_extras infos of futures: settlement price (yuan / index points) and open interest (lots)
_FUTURES_INFOS = ("futures_sett_price", "futures_positions")


def _futures_extras(store, info: str, codes, s: int, e: int) -> np.ndarray:
    """``(e - s + 1, len(codes))`` settlement prices or open interest of futures codes (NaN for
    other securities and outside a contract's life): the sample market's synthetic values
    (jqlite.data.futures); a store without them answers NaN, said once in the run log."""
    from ..data import futures as _fut
    v = np.full((e - s + 1, len(codes)), np.nan)
    field = "settlement" if info == "futures_sett_price" else "open_interest"
    for k, c in enumerate(codes):
        var = _fut.variety_of(c)
        if var is None:
            continue
        if not getattr(store, "synthesizes", False):
            from ._gaps import record_gap
            record_gap("get_extras", f"{info} of {c}", f"get_extras({info!r}): this data store has no "
                       f"futures settlement/open-interest data; NaN for {c}")
            continue
        ser = _fut.panel(store, var).series(c)
        if ser is not None:
            v[:, k] = ser[field][s:e + 1]
    return v


@timed("data")
def get_extras(info, security_list, start_date="2015-01-01", end_date="2015-12-31", df=True, count=None):
    """Extra daily data over a date range (spec §7).

    ``info``: ``'is_st'`` (bool); ``'unit_net_value'`` / ``'acc_net_value'`` /
    ``'adj_net_value'`` (float, 元 per unit) for funds.  The stores have no fund NAVs, so an
    ETF/fund's **unit NAV is its raw close** and its accumulated/adjusted NAV the
    post-adjusted close ``close * factor`` (distributions reinvested, = unit NAV until the
    first distribution); NaN for non-funds and before listing.

    Returns
    -------
    pandas.DataFrame or dict
        ``df=True``: index = trading days (datetime64), columns = codes; ``df=False``:
        ``{code: numpy.ndarray}``.

    Raises
    ------
    ParamsError
        Unknown ``info``, or both ``start_date`` and ``count``.
    FutureDataError
        In a backtest with ``avoid_future_data``: ``end_date`` after the current day, or the
        current day itself before 15:00 for a NAV (the day's close; ``is_st`` of today is
        known before the open).
    """
    if info != "is_st" and info not in _NAV_INFOS and info not in _FUTURES_INFOS:
        raise ParamsError(f"get_extras(): info {info!r} is not available in this data store "
                          f"(available: 'is_st', {', '.join(repr(i) for i in _NAV_INFOS + _FUTURES_INFOS)})")
    if count is not None and start_date not in (None, "2015-01-01"):
        raise ParamsError("get_extras(): start_date 参数与 count 参数只能二选一")
    store = active_store()
    codes, _ = _codes(security_list)
    run = run_or_none()
    if run is not None and run.settings.avoid_future_data:
        cur = run.current_dt
        ed = to_date(end_date, "end_date", "get_extras")
        if ed > cur.date() or (ed == cur.date() and info != "is_st" and cur.time() < CLOSE):
            raise FutureDataError(f"avoid_future_data=True时,get_extras({info!r})的end_date({ed})不能大于"
                                  f"当前日期({cur}){'' if ed > cur.date() else ', 当天净值收盘后才可获取'}")
    e = store.day_index(to_timestamp(end_date, "end_date", "get_extras"), "right")
    s = e - int(count) + 1 if count is not None else store.day_index(to_timestamp(start_date, "start_date", "get_extras"), "left")
    s = max(s, 0)
    cols = [store.col(c) for c in codes]
    if info == "is_st":
        v = store.st_matrix()[s:e + 1][:, cols]
    elif info in _FUTURES_INFOS:
        v = _futures_extras(store, info, codes, s, e)
    else:
        fund = np.array([store.securities.at[c, "type"] in _FUND_TYPES for c in codes], dtype=bool)
        v = store.field("close")[s:e + 1][:, cols].copy()
        if info != "unit_net_value":
            v = v * store.field("factor")[s:e + 1][:, cols]
        v[:, ~fund] = np.nan
    if not df:
        return {c: v[:, i] for i, c in enumerate(codes)}
    return pd.DataFrame(v, index=store.dates[s:e + 1], columns=codes)


_CODE_RE = re.compile(r"^(?:(sh|sz|bj)\.?)?(\d{6})(?:\.?(sh|sz|bj|xshg|xshe|bjse))?$", re.I)


def normalize_code(code) -> str | list[str]:
    """``'000001'``, ``'SZ000001'``, ``'000001SZ'``, ``'000001.sz'`` -> ``'000001.XSHE'``."""
    if not isinstance(code, str):
        return [normalize_code(c) for c in code]
    m = _CODE_RE.match(code.strip())
    if not m:
        raise ParamsError(f"normalize_code(): cannot understand {code!r}")
    num = m.group(2)
    ex = (m.group(1) or m.group(3) or "").lower()
    if ex in ("sh", "xshg"):
        return num + ".XSHG"
    if ex in ("sz", "xshe"):
        return num + ".XSHE"
    if ex in ("bj", "bjse"):
        return num + ".BJSE"
    if num[0] in "569":
        return num + ".XSHG"
    if num[0] in "48":
        return num + ".BJSE"
    return num + ".XSHE"


# ---------------------------------------------------------------------------- get_bars helpers
_BAR_FIELDS = ("date", "open", "close", "high", "low", "volume", "money", "factor")
_BAR_FIELDS_1D = _BAR_FIELDS + ("avg", "pre_close", "high_limit", "low_limit", "paused")


def _bars_unit(unit) -> str:
    """``'1d'`` / ``'1w'`` / ``'1M'`` (case-sensitive, as JoinQuant); minute units raise."""
    u = str(unit).strip()
    if u in ("1d", "daily", "d", "1D"):
        return "1d"
    if u in ("1w", "1W", "w"):
        return "1w"
    if u in ("1M", "M"):
        return "1M"
    if re.fullmatch(r"\d+m", u) or u == "minute":
        raise ParamsError(f"get_bars(): unit {unit!r} needs minute bars, which this data store does not "
                          f"have (daily bars only); use '1d', '1w' or '1M'")
    raise ParamsError(f"get_bars(): unit {unit!r} is not supported; use '1d', '1w' or '1M' "
                      f"(minute units need minute data)")


def _bars_check_fields(fields, kind) -> None:
    allowed = _BAR_FIELDS_1D if kind == "1d" else _BAR_FIELDS
    bad = [f for f in fields if f not in allowed]
    if bad:
        raise ParamsError(f"get_bars(): field(s) {bad} not available with unit {kind!r}; allowed: {list(allowed)}")


def _bars_end(run, store, end_dt) -> _dt.datetime:
    """End datetime: default current_dt / store end after the close; clipped to current_dt
    in a backtest (FutureDataError with avoid_future_data)."""
    if end_dt is None:
        if run is not None:
            return run.current_dt
        return _dt.datetime.combine(store.dates[-1].date(), _dt.time(16, 0))
    end = to_datetime(end_dt, "end_dt", "get_bars").replace(second=0, microsecond=0)
    if end.time() == _dt.time(0, 0):      # a bare date (or midnight): the whole day
        end = _dt.datetime.combine(end.date(), _dt.time(23, 59))
        if run is not None and end.date() == run.current_dt.date():
            end = run.current_dt
    if run is not None and end > run.current_dt:
        if run.settings.avoid_future_data:
            raise FutureDataError(f"avoid_future_data=True时,get_bars的end_dt({end})不能大于当前时间({run.current_dt})")
        end = run.current_dt
    return end


def _bars_last_row(run, store, end, include_now) -> tuple[int, bool]:
    """(last store row to use, whether that row is today's opening snapshot)."""
    end_i = store.day_index(end, "right")
    if end_i < 0 or store.dates[end_i].date() != end.date() or end.time() >= CLOSE:
        return end_i, False
    # end falls on a trading day before its close: today's bar is still forming
    if not include_now or end.time() < OPEN:
        return end_i - 1, False
    return end_i, end.time() == OPEN


def _bars_ratio(store, run, j, rows, fq_ref_date):
    """Per-row price multiplier of column ``j`` (None = raw)."""
    if fq_ref_date is None:
        if run is None:
            return None
        return _scale(store, rows, [j], "pre", run)[:, 0]
    f = pd.Series(store.field("factor")[:, j]).ffill().to_numpy()
    r = store.day_index(to_timestamp(fq_ref_date, "fq_ref_date", "get_bars"), "right")
    ref = f[r] if r >= 0 else np.nan
    if not ref == ref:        # before the listing (or the store): post-adjusted
        valid = f[f == f]
        ref = valid[0] if valid.size else 1.0
    return store.field("factor")[rows, j] / ref


def _bars_values(store, run, fields, rows, j, fq_ref_date) -> dict:
    ratio = _bars_ratio(store, run, j, rows, fq_ref_date)
    vals = {}
    for f in fields:
        if f == "date":
            continue
        v = store.field(f)[rows, j].astype(np.float64)
        if ratio is not None and f in PRICE_FIELDS:
            v = np.round(v * ratio, 2)
        elif ratio is not None and f == "volume":
            v = v / ratio
        vals[f] = v
    return vals


def _bars_open_snapshot(vals, o: float) -> None:
    """Today's bar at 09:30: O=H=L=C=open ``o``, volume = money = 0 (JoinQuant's snapshot)."""
    for f in ("high", "low", "close", "avg"):
        if f in vals:
            vals[f][-1] = o
    for f in ("volume", "money"):
        if f in vals:
            vals[f][-1] = 0.0


def _bars_forming_today(store, run, vals: dict, j: int, i: int, end: _dt.datetime, fq_ref_date,
                        code: str) -> None:
    """Replace the last row of ``vals`` (store day ``i``, the day of ``end``) by the day's
    bar as it stands at ``end`` (after 09:30, before 15:00): open = the day's open, high /
    low = extremes of the open and of the minute bars that have ended by ``end`` (labels <=
    ``end``), close = the last of them (the engine's latest price, spec §4.1), volume / money
    their sums, avg = money / volume; ``pre_close``, limits, ``paused`` and ``factor`` are
    the day's.  Prices are adjusted like the rest of the bars (ratio of day ``i``).

    Without minute bars for that day (a daily-only store, a partial import) the whole day's
    bar stays -- its close is the day's close, a look-ahead JoinQuant does not have -- and
    the data-gap ledger says so in the run log (:func:`jqlite.api._gaps.record_gap`)."""
    mb = store.minute_bars() or store.minute_bars(5)
    d = mb.day(j, i) if mb is not None else None
    if d is None:
        from ._gaps import record_gap
        record_gap("get_bars", "minute bars (today's forming bar)",
                   f"get_bars(include_now=True): no minute bars for {code} on {end.date()} in the data store; "
                   f"today's still-forming bar at {end:%H:%M} was the whole day's daily bar (close = the day's "
                   f"close, a look-ahead JoinQuant does not have; import 1-minute bars to get the bar as it "
                   f"stands)")
        return
    s = mb.slot(end.time())
    o = float(store.field("open")[i, j])
    if s < 0:        # 5-minute bars before the first one ends: the opening snapshot
        raw = {"open": o, "high": o, "low": o, "close": o, "volume": 0.0, "money": 0.0, "avg": o}
    else:
        hi = float(np.nanmax(d["high"][:s + 1]))
        lo = float(np.nanmin(d["low"][:s + 1]))
        vol = float(np.nansum(d["volume"][:s + 1]))
        money = float(np.nansum(d["money"][:s + 1]))
        c = float(d["close"][s])
        raw = {"open": o, "high": max(o, hi), "low": min(o, lo), "close": c, "volume": vol, "money": money,
               "avg": money / vol if vol > 0 else c}
    ratio = _bars_ratio(store, run, j, np.array([i]), fq_ref_date)
    r = float(ratio[0]) if ratio is not None else None
    for f, v in raw.items():
        if f not in vals:
            continue
        if r is not None and f in PRICE_FIELDS:
            v = round(v * r, 2)
        elif r is not None and f == "volume":
            v = v / r
        vals[f][-1] = v


def _bars_period_keys(dates: pd.DatetimeIndex, kind: str) -> np.ndarray:
    if kind == "1w":   # Monday of the week, in days since the epoch
        d = dates.values.astype("datetime64[D]").astype(np.int64)
        return d - (d + 3) % 7        # 1970-01-01 was a Thursday
    return (dates.year * 12 + dates.month - 1).to_numpy()


def _bars_aggregate(vals: dict, dates: pd.DatetimeIndex, kind: str):
    """Week / month bars from the traded days (open first, close last, high max, low min,
    volume/money sum, factor last); labelled by the last traded day."""
    if len(dates) == 0:
        return {f: v[:0] for f, v in vals.items()}, dates
    keys = _bars_period_keys(dates, kind)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    lasts = np.r_[starts[1:] - 1, len(keys) - 1]
    from ..data.minute import reduce_bars
    out = reduce_bars(vals, starts, lasts)
    return out, dates[lasts]


def _bars_period_complete(last_day: pd.Timestamp, kind: str, end: _dt.datetime) -> bool:
    """Whether the week / month containing ``last_day`` has fully traded at ``end``: no XSHG
    trading day of the period lies after ``end``'s date, and ``end`` is past the close when
    that date is the period's last trading day."""
    d = pd.Timestamp(last_day)
    if kind == "1w":
        p_end = d + pd.Timedelta(6 - d.weekday(), unit="D")
    else:
        p_end = d + pd.offsets.MonthEnd(0)
    e = pd.Timestamp(end.date())
    if e > p_end:
        return True
    later = _trading_days_between(e + pd.Timedelta(1, unit="D"), p_end)
    if later:
        return False
    return not (_trading_days_between(e, e) and end.time() < CLOSE)


def _trading_days_between(a: pd.Timestamp, b: pd.Timestamp) -> int:
    """Number of XSHG trading days in ``[a, b]``; weekdays beyond the calendar's range."""
    if b < a:
        return 0
    from ..data.calendar import _CAL_END, xshg_trading_days
    cal_end = pd.Timestamp(_CAL_END)
    n = len(xshg_trading_days(a.strftime("%Y-%m-%d"), min(b, cal_end).strftime("%Y-%m-%d"))) if a <= cal_end else 0
    if b > cal_end:
        n += len(pd.bdate_range(max(a, cal_end + pd.Timedelta(1, unit="D")), b))
    return n


def _bars_record(fields, vals: dict, dates: pd.DatetimeIndex) -> np.ndarray:
    dtypes = [(f, "O") if f == "date" else (f, "f8") for f in fields]
    arr = np.empty(len(dates), dtype=dtypes)
    for f in fields:
        arr[f] = np.array([d.date() for d in dates], dtype=object) if f == "date" else vals[f]
    return arr
