"""The one validator of imported daily bars: every reader and source adapter hands its rows here.

:func:`read_bars_frame` checks a frame in any :class:`~jqlite.data.formats.mapping.ColumnMapping`
layout and returns jqlite's raw-bar form (:data:`RAW_COLUMNS`); its errors name the file (or
source label), the 0-based data row and the column.  :func:`check_xrxd_plausible` rejects
ex-rights events no corporate action can produce; :func:`check_calendar_coverage` compares
the data's dates with the XSHG calendar.  The store-level schema checks are
:func:`jqlite.data.writer.validate_table`.
"""

from __future__ import annotations

import warnings
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from . import schema
from .calendar import check_against_calendar
from .codes import normalize_code, normalize_codes
from .formats.mapping import ColumnMapping

#: Canonical raw-bar columns produced by :func:`read_bars_file`.
RAW_COLUMNS = ("date", "code", "open", "high", "low", "close", "volume", "money", "pre_close",
               "name", "paused", "is_st", "factor", "high_limit", "low_limit", "_row")


def _fail(file: str, df_rows: np.ndarray, mask: np.ndarray, col: str, msg: str) -> None:
    if mask.any():
        pos = int(np.flatnonzero(mask)[0])
        raise DataValidationError(file, int(df_rows[pos]), col, msg)


def _parse_dates(s: pd.Series, fmt: str | None, file: str, col: str) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(s):
        # tz-naive datetime64 of any unit (pyarrow's date32 -> datetime64[ms]): a cast, not
        # pd.to_datetime's cache of distinct values mapped back onto millions of rows
        out = s.astype("datetime64[ns]") if isinstance(s.dtype, np.dtype) else pd.to_datetime(s)
    else:
        if fmt is not None or pd.api.types.is_integer_dtype(s):
            src = s.astype(str) if pd.api.types.is_integer_dtype(s) else s
            out = pd.to_datetime(src, format=fmt or "%Y%m%d", errors="coerce")
        elif len(s) and not isinstance(s.iloc[0], str):
            out = pd.to_datetime(s, errors="coerce")  # datetime.date objects
        else:
            # parse each distinct string once (fast for long files)
            uniq = pd.unique(s.astype(object))
            with warnings.catch_warnings():
                # mixed/odd formats: each value is parsed alone; a bad one is reported below
                warnings.filterwarnings("ignore", "Could not infer format", UserWarning)
                parsed = pd.to_datetime(pd.Series(uniq), errors="coerce")
            out = s.map(dict(zip(uniq, parsed)))
            out = pd.to_datetime(out)
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_localize(None)
    bad = out.isna().to_numpy()
    if bad.any():
        pos = int(np.flatnonzero(bad)[0])
        raise DataValidationError(file, pos, col, f"not a date: {s.iloc[pos]!r}")
    return out.dt.normalize().to_numpy("datetime64[ns]")


def read_bars_frame(df: pd.DataFrame, mapping: ColumnMapping | None = None, *, label: str = "<frame>",
                    calendar: pd.DatetimeIndex | None = None, code: str | None = None,
                    start=None, end=None, codes: Iterable[str] | None = None,
                    check_calendar: bool = True) -> pd.DataFrame:
    """Check a daily-bar frame already in memory and return jqlite's raw-bar form.

    The same checks and result as :func:`read_bars_file` (which reads a file and calls
    this), for frames a source library returned (``jqlite.data.sources``).

    Parameters
    ----------
    df : pandas.DataFrame
        Rows in the layout ``mapping`` describes.
    mapping : ColumnMapping, optional
    label : str
        Names the data in errors (a file path, or ``'tushare daily 600000.XSHG'``).
    calendar, code, start, end, codes, check_calendar
        As for :func:`read_bars_file`; ``code`` is required when ``mapping.code`` is None.

    Returns
    -------
    pandas.DataFrame
        :data:`RAW_COLUMNS`, sorted by code, date.

    Raises
    ------
    DataValidationError
        Naming ``label``, the 0-based row and the column of the first bad value.
    """
    file = label
    m = mapping or ColumnMapping()
    cols = m.source_columns()
    missing = [c for k, c in cols.items() if c not in df.columns]
    if missing:
        raise DataValidationError(file, None, missing[0], f"missing column(s) {missing}")
    n = len(df)
    if n == 0:
        # a header-only file would silently drop its security from the store
        raise DataValidationError(file, None, None, "no data rows (header only)")
    rows = np.arange(n, dtype=np.int64)
    out: dict[str, np.ndarray] = {"_row": rows}
    code_cat = None
    out["date"] = _parse_dates(df[m.date], m.date_format, file, m.date)
    if m.code is None:
        c = code
        try:
            if c is None:
                raise ValueError("no code given for a frame without a code column")
            out["code"] = np.full(n, normalize_code(c), dtype=object)
        except ValueError as exc:
            raise DataValidationError(file, None, None, f"no code column and {exc}") from None
    elif m.code_format == "jq":
        if isinstance(df[m.code].dtype, pd.CategoricalDtype):
            code_cat = df[m.code].array           # fast readers: codes stay dictionary-coded
            out["code"] = code_cat
        else:
            out["code"] = df[m.code].astype(object).to_numpy()
    else:
        out["code"] = normalize_codes(df[m.code].to_numpy(), file=file, column=m.code)

    def num(key: str, scale: float = 1.0) -> np.ndarray:
        col = cols[key]
        v = pd.to_numeric(df[col], errors="coerce").to_numpy(np.float64)
        bad = np.isnan(v) & df[col].notna().to_numpy()
        _fail(file, rows, bad, col, f"not a number: {df[col].iloc[int(np.flatnonzero(bad)[0])]!r}"
              if bad.any() else "")
        if scale == 1.0:
            return v
        inv = 1.0 / scale
        if scale < 1.0 and abs(inv - round(inv)) < 1e-9:
            return v / round(inv)        # fen -> yuan: 1020 / 100 == 10.2 exactly, 1020 * 0.01 is not
        return v * scale

    for k in ("open", "high", "low", "close"):
        v = num(k, m.price_scale)
        _fail(file, rows, ~np.isfinite(v) | (v <= 0), cols[k], f"{k} must be a positive number")
        out[k] = v
    susp = np.zeros(n, bool)
    if m.paused:    # a suspended row may leave volume/money empty (baostock: tradestatus 0, volume '')
        p = pd.to_numeric(df[m.paused], errors="coerce").fillna(0).to_numpy() != 0
        susp = ~p if m.paused_invert else p
    for k, sc in (("volume", m.volume_scale), ("money", m.money_scale)):
        if k in cols:
            v = num(k, sc)
            v = np.where(np.isnan(v) & susp, 0.0, v)
            _fail(file, rows, ~np.isfinite(v) | (v < 0), cols[k], f"{k} must be >= 0")
            out[k] = v
        else:
            out[k] = np.zeros(n)
    if "pre_close" in cols:
        v = num("pre_close", m.price_scale)
        _fail(file, rows, v <= 0, cols["pre_close"], "pre_close must be positive")
        out["pre_close"] = v
    else:
        out["pre_close"] = np.full(n, np.nan)
    h, lo = out["high"], out["low"]
    tol = 1e-6
    _fail(file, rows, h < lo - 1e-9, cols["high"], "high < low")
    for k in ("open", "close"):
        v = out[k]
        _fail(file, rows, (v > h + tol) | (v < lo - tol), cols[k], f"{k} outside [low, high]")
    for k in ("factor", "high_limit", "low_limit"):
        if k in cols:
            v = num(k, 1.0 if k == "factor" else m.price_scale)
            if k == "factor":
                _fail(file, rows, ~np.isfinite(v) | (v <= 0), cols[k], "factor must be a positive number")
            out[k] = v
        else:
            out[k] = np.full(n, np.nan)
    if m.name and isinstance(df[m.name].dtype, pd.CategoricalDtype):
        out["name"] = df[m.name].array          # dictionary-coded (fast readers): stays coded
    elif m.name:
        out["name"] = df[m.name].astype(object).where(df[m.name].notna(), None).to_numpy()
    else:
        out["name"] = np.full(n, None, dtype=object)
    if m.paused:
        p = pd.to_numeric(df[m.paused], errors="coerce").fillna(0).to_numpy() != 0
        out["paused"] = (~p if m.paused_invert else p).astype(np.int8)
    else:
        out["paused"] = np.full(n, -1, np.int8)
    if m.is_st:
        out["is_st"] = (pd.to_numeric(df[m.is_st], errors="coerce").fillna(0).to_numpy() != 0).astype(np.int8)
    else:
        out["is_st"] = np.full(n, -1, np.int8)

    # duplicates (code, date)
    key = _code_date_key(code_cat if code_cat is not None else out["code"], out["date"])
    order = np.argsort(key, kind="stable")
    sk = key[order]
    dup = np.zeros(n, bool)
    dup[order[1:][sk[1:] == sk[:-1]]] = True
    _fail(file, rows, dup, m.date, "duplicate row for (code, date)")
    if calendar is not None and check_calendar:
        d = pd.DatetimeIndex(out["date"])
        cal = pd.DatetimeIndex(calendar)
        if len(cal) and cal.is_monotonic_increasing and cal.tz is None:
            # binary search in the sorted calendar (no hash of millions of dates)
            cv = cal.to_numpy("datetime64[ns]")
            j = np.minimum(np.searchsorted(cv, out["date"]), len(cv) - 1)
            off = cv[j] != out["date"]
        else:
            off = ~d.isin(calendar)
        if start is not None:  # only the part we import must be on the calendar
            off &= d >= pd.Timestamp(start)
        if end is not None:
            off &= d <= pd.Timestamp(end)
        if off.any():
            pos = int(np.flatnonzero(off)[0])
            raise DataValidationError(file, pos, m.date, f"date is not an XSHG trading day ({d[pos].date()})")
    keep = np.ones(n, bool)
    if start is not None:
        keep &= out["date"] >= pd.Timestamp(start).to_datetime64()
    if end is not None:
        keep &= out["date"] <= pd.Timestamp(end).to_datetime64()
    if codes is not None:
        keep &= pd.Series(out["code"]).isin(set(codes)).to_numpy()
    order = order[keep[order]]          # sorted by (code, date), filtered
    # gather column by column, dropping each source array as soon as it is copied (peak memory)
    return pd.DataFrame({c: out.pop(c)[order] for c in RAW_COLUMNS}, copy=False)


def _code_date_key(codes, dates: np.ndarray) -> np.ndarray:
    """int64 key ordering rows by (code, date); ``codes`` an object array or a Categorical."""
    if isinstance(codes, pd.Categorical) and not codes.isna().any():
        cats = np.asarray(codes.categories, dtype=object)
        rank = np.empty(len(cats), np.int64)
        rank[np.argsort(cats, kind="stable")] = np.arange(len(cats))
        cid = rank[codes.codes] if len(cats) else np.zeros(len(codes), np.int64)
    else:
        cid, _ = pd.factorize(np.asarray(codes, dtype=object), sort=True)
    days = dates.astype("datetime64[D]").astype(np.int64)
    return cid.astype(np.int64) * 1_000_000 + (days - days.min() if len(days) else days)


def check_xrxd_plausible(bars: pd.DataFrame, xrxd: pd.DataFrame, high_limit: np.ndarray,
                         low_limit: np.ndarray, source: str | Callable[[str, pd.Timestamp], str] = "<bars>") -> None:
    """Reject ex-rights events that no A-share corporate action can produce.

    An event inferred from ``pre_close`` (:func:`derive_xrxd`) turns into bonus shares in
    every position held over it, so a single bad price row would silently multiply holdings
    (a close ×100 becomes "送转比例100").  An event with ``scale_factor > 1`` is accepted
    only when

    1. ``scale_factor <= schema.MAX_SCALE_FACTOR`` (A-share 送转 has reached 10送转30, scale 4);
    2. the previous row's close -- the price the ratio is computed from -- lies within that
       day's own price limits (a genuine previous close always does; a mis-scaled one
       cannot), when that day has limits;
    3. the event day's close lies within its limits, which are derived from the new
       ``pre_close`` (checks a mis-scaled ``pre_close``), when it has limits.

    Rules 2 and 3 are skipped when the security resumes from a suspension that day (the
    previous row is paused): the first day after a restructuring has no price limit
    (600733.XSHG on 2018-09-27: pre_close 15.05 after 52.69, closed at 9.50).

    Parameters
    ----------
    bars : pandas.DataFrame
        Dense bars sorted by code, date with a ``_row`` column (row in the source file).
    xrxd : pandas.DataFrame
        Output of :func:`derive_xrxd`.
    high_limit, low_limit : numpy.ndarray of float64, shape (len(bars),)
        Price limits per row (NaN = no limit that day).
    source : str or callable
        Label of the source file in errors, or ``(code, date) -> label``.

    Raises
    ------
    DataValidationError
        Naming the file, the row (of the event day), the code, the date and the rule.
    """
    ev = xrxd[xrxd["scale_factor"].to_numpy() > 1.0]
    if ev.empty:
        return
    pos = _positions_of(bars, ev["code"].to_numpy(object), ev["date"].to_numpy("datetime64[ns]"))
    close = bars["close"].to_numpy(np.float64)
    paused = bars["paused"].to_numpy() if "paused" in bars.columns else np.zeros(len(bars))
    rows = bars["_row"].to_numpy() if "_row" in bars.columns else np.full(len(bars), -1)
    sf = ev["scale_factor"].to_numpy()
    tol = 0.011
    for k in range(len(ev)):
        i = int(pos[k])
        if i <= 0:
            continue
        why = None
        if sf[k] > schema.MAX_SCALE_FACTOR:
            why = f"ratio {sf[k]:g} is above {schema.MAX_SCALE_FACTOR:g}, more than any A-share bonus/transfer issue"
        elif paused[i - 1] != 1:
            for j, label in ((i - 1, "the previous close"), (i, "the close of the event day")):
                hi, lo = high_limit[j], low_limit[j]
                if np.isfinite(hi) and np.isfinite(lo) and not (lo - tol <= close[j] <= hi + tol):
                    why = (f"{label} {close[j]:g} ({pd.Timestamp(bars['date'].iloc[j]).date()}) is outside "
                           f"that day's price limits [{lo:g}, {hi:g}]")
                    break
        if why is None:
            continue
        code = str(ev["code"].iloc[k])
        label = source(code, pd.Timestamp(ev["date"].iloc[k])) if callable(source) else source
        r = int(rows[i]) if rows[i] >= 0 else None
        raise DataValidationError(label, r, "pre_close",
                                  f"implausible ex-rights event for {code} on {pd.Timestamp(ev['date'].iloc[k]).date()}: "
                                  f"pre_close {bars['pre_close'].iloc[i]:g} after a close of {close[i - 1]:g} "
                                  f"would be 送转比例 {sf[k]:g}, but {why}; fix the price row (a unit slip, "
                                  "e.g. ×100?) -- it is not turned into bonus shares")


def _positions_of(bars: pd.DataFrame, codes: np.ndarray, dates: np.ndarray) -> np.ndarray:
    """Row positions of the ``(codes[k], dates[k])`` pairs in ``bars`` (-1 where absent).

    ``bars`` sorted by (code, date), as the derivations keep them, is searched in place: each
    code's block of rows is found from the row boundaries and its dates are binary-searched
    (no hash of millions of (code, date) pairs).  Otherwise (or with a repeated code block)
    the general ``MultiIndex.get_indexer`` answers.
    """
    bc = bars["code"].to_numpy(object)
    bd = bars["date"].to_numpy("datetime64[ns]")
    n = len(bc)
    if n:
        first = np.ones(n, bool)
        first[1:] = bc[1:] != bc[:-1]
        starts = np.flatnonzero(first)
        blocks = pd.Index(bc[starts])
        ends = np.append(starts[1:], n)
        days = bd.view(np.int64)
        # dates ascending inside every code block, each code in one block
        inside = np.ones(n, bool)
        inside[1:] = days[1:] > days[:-1]
        if blocks.is_unique and bool((inside | first).all()):
            g = blocks.get_indexer(pd.Index(codes, dtype=object))
            want = np.asarray(dates, dtype="datetime64[ns]").view(np.int64)
            out = np.full(len(codes), -1, np.int64)
            for k in np.flatnonzero(g >= 0):
                s, e = starts[g[k]], ends[g[k]]
                i = s + int(np.searchsorted(days[s:e], want[k]))
                if i < e and days[i] == want[k]:
                    out[k] = i
            return out
    key = pd.MultiIndex.from_arrays([bc, bd])
    return key.get_indexer(pd.MultiIndex.from_arrays([np.asarray(codes, dtype=object), dates]))


def _check_calendar(data_dates: pd.DatetimeIndex, cal: pd.DatetimeIndex, label: str,
                    max_missing: int = 5) -> list[str]:
    extra, missing = check_against_calendar(data_dates, cal)
    if extra:
        raise DataValidationError(label, None, "date",
                                  f"{len(extra)} date(s) are not XSHG trading days, e.g. {extra[0].date()}")
    notes = []
    if missing:
        msg = (f"{label}: {len(missing)} trading day(s) have no data at all, e.g. "
               f"{', '.join(str(d.date()) for d in missing[:5])}")
        if len(missing) > max_missing:
            raise DataValidationError(label, None, "date", msg)
        warnings.warn(msg, stacklevel=3)
        notes.append(msg)
    return notes
