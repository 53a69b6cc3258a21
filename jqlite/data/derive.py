"""Derivations shared by every import path: dense suspended days, the adjustment factor,
price limits, ST intervals, historical names, ex-rights events, and the store tables.

All work on whole panels at once (numpy over every security's rows, grouped by code), never
per-security Python loops.  Rows are sorted by (code, date) unless said otherwise.  Every rule
is documented in ``docs/data-import.md``.
"""

from __future__ import annotations

from typing import Callable, Mapping

import numpy as np
import pandas as pd

from ..errors import DataValidationError
from . import schema
from .codes import board_of, security_type_of
from .validate import _code_date_key, check_xrxd_plausible

FAR_FUTURE = pd.Timestamp(schema.FAR_FUTURE)
#: First day of ChiNext's registration-system rules (±20 % limits, 5 limit-free IPO days).
CHINEXT_REFORM_DATE = pd.Timestamp("2020-08-24")
#: The day the Beijing Stock Exchange opened (its first stocks were transfers, not IPOs).
BSE_OPENING_DATE = pd.Timestamp("2021-11-15")

Progress = Callable[[str], None] | None

# --------------------------------------------------------------------------------------
# Names and ST
# --------------------------------------------------------------------------------------

# Day markers exchanges prepend to a name: XD 除息, XR 除权, DR 除权除息 (ex-date);
# N first trading day, C days 2-5 of a registration-system IPO.  Stripped from display names.
_MARKER_RE = r"^(?:XD|XR|DR|N|C)(?=[^A-Za-z]|ST|S\*ST|SST|\*)"
_ST_RE = r"^(?:XD|XR|DR|N|C)?\s*(?:\*ST|ST|S\*ST|SST|\*)"


def clean_name(names: pd.Series) -> pd.Series:
    """Strip the daily markers XD/XR/DR (ex-date) and N/C (new listing) from names.

    ``'XD浦发银'`` -> ``'浦发银'``, ``'N利民'`` -> ``'利民'``, ``'XR*ST金'`` -> ``'*ST金'``,
    ``'TCL集团'`` is unchanged (a marker is stripped only before a non-Latin character or an
    ST prefix).
    """
    codes, cats = _factorize(names)
    cl = pd.Series(cats, dtype="string").str.replace(_MARKER_RE, "", regex=True)
    cl = cl.str.replace(r"^\*ST\s+", "*ST", regex=True).to_numpy(object)
    out = np.where(codes >= 0, cl[np.maximum(codes, 0)] if len(cl) else None, None)
    return pd.Series(out, index=getattr(names, "index", None), dtype=object)


def is_st_name(names: pd.Series) -> np.ndarray:
    """True where a daily name marks an ST stock.

    A name is ST when, after an optional XD/XR/DR/N/C day marker, it starts with ``ST``,
    ``*ST``, ``S*ST``, ``SST`` or a bare ``*`` (``'*欣泰'`` is ``*ST欣泰`` cut to 4
    characters by the source).  ``'S佳通'`` (S = share reform not done) is not ST.
    """
    codes, cats = _factorize(names)
    if not len(cats):
        return np.zeros(len(codes), bool)
    st = pd.Series(cats, dtype="string").str.contains(_ST_RE, regex=True).fillna(False).to_numpy(bool)
    return (codes >= 0) & st[np.maximum(codes, 0)]


def _factorize(values) -> tuple[np.ndarray, np.ndarray]:
    """(codes, distinct values) of a name column; code -1 = missing."""
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):
        return np.asarray(values.cat.codes if hasattr(values, "cat") else values.codes), \
            np.asarray(values.cat.categories if hasattr(values, "cat") else values.categories, dtype=object)
    codes, cats = pd.factorize(pd.Series(values).astype(object), use_na_sentinel=True)
    return np.asarray(codes), np.asarray(cats, dtype=object)


# --------------------------------------------------------------------------------------
# Dense bars
# --------------------------------------------------------------------------------------

def _group_bounds(cid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start/end masks of runs of equal ``cid`` (rows sorted by code)."""
    n = len(cid)
    first = np.ones(n, bool)
    first[1:] = cid[1:] != cid[:-1]
    last = np.ones(n, bool)
    last[:-1] = cid[1:] != cid[:-1]
    return first, last


def _fill_within(v: np.ndarray, gid: np.ndarray) -> np.ndarray:
    """Forward- then back-fill the -1 entries of integer codes ``v`` within groups ``gid``."""
    for rev in (False, True):
        a, g = (v[::-1], gid[::-1]) if rev else (v, gid)
        j = _ffill_idx(a >= 0)
        ok = (g[j] == g) & (a[j] >= 0)
        a = np.where(a >= 0, a, np.where(ok, a[j], -1))
        v = a[::-1] if rev else a
    return np.ascontiguousarray(v)


def _ffill_idx(valid: np.ndarray) -> np.ndarray:
    idx = np.where(valid, np.arange(len(valid)), 0)
    np.maximum.accumulate(idx, out=idx)
    return idx


def densify_bars(raw: pd.DataFrame, calendar: pd.DatetimeIndex,
                 spans: pd.DataFrame | None = None) -> pd.DataFrame:
    """Insert a suspended (``paused = 1``) row for every trading day a security has no row.

    Parameters
    ----------
    raw : pandas.DataFrame
        Raw bars (:data:`RAW_COLUMNS`), any order; dates must be on ``calendar``.
    calendar : pandas.DatetimeIndex
        Trading days, ascending.
    spans : pandas.DataFrame, optional
        Indexed by code with ``first``/``last`` dates: extend a security's rows to these
        days (e.g. a stock suspended from before the store's first day, or suspended until
        delisting).  Default: its first and last source row.

    Returns
    -------
    pandas.DataFrame
        One row per (code, trading day) from each security's first to last day, sorted by
        code, date.  Inserted rows: ``open = high = low = close =`` the last close (before
        the first source row: that row's ``pre_close``, else its open), ``pre_close`` = the
        same price, ``volume = money = 0``, ``paused = 1``, the name carried forward,
        ``_row = -1``.  A source row whose ``paused`` is unknown (-1) is paused when its
        volume is 0.
    """
    code_cat = raw["code"].array if isinstance(raw["code"].dtype, pd.CategoricalDtype) else None
    if code_cat is not None and code_cat.isna().any():
        code_cat = None
    key = _code_date_key(code_cat if code_cat is not None else raw["code"].to_numpy(object),
                         raw["date"].to_numpy("datetime64[ns]"))
    order = None if len(key) < 2 or (key[1:] > key[:-1]).all() else np.argsort(key, kind="stable")

    def col(c: str) -> np.ndarray:
        v = raw[c].to_numpy()
        return v if order is None else v[order]
    cal = pd.DatetimeIndex(calendar)
    ncal = len(cal)
    if code_cat is not None:                   # dictionary-coded: factorize the small ints
        cc = code_cat.codes if order is None else code_cat.codes[order]
        cid, ucc = pd.factorize(cc)
        codes_u = np.asarray(code_cat.categories, dtype=object)[ucc]
    else:
        cid, codes_u = pd.factorize(col("code"))   # rows are now sorted by code
    codes_u = np.asarray(codes_u, dtype=object)
    dates = col("date")
    di = cal.get_indexer(pd.DatetimeIndex(dates))
    if (di < 0).any():
        pos = int(np.flatnonzero(di < 0)[0])
        raise DataValidationError("<bars>", int(col("_row")[pos]), "date",
                                  f"date {pd.Timestamp(dates[pos]).date()} is not a trading day")
    nsec = len(codes_u)
    # raw is sorted by (code, date): each code's first/last row bound its span
    gfirst, glast = _group_bounds(cid)
    first_di = di[gfirst].astype(np.int64)
    last_di = di[glast].astype(np.int64)
    if spans is not None and len(spans):
        sp = spans.reindex(codes_u)
        f = cal.searchsorted(pd.DatetimeIndex(sp["first"]).fillna(cal[-1] + pd.Timedelta(1, unit="D")))
        l_ = cal.searchsorted(pd.DatetimeIndex(sp["last"]).fillna(cal[0] - pd.Timedelta(1, unit="D")), side="right") - 1
        has = sp["first"].notna().to_numpy()
        first_di = np.where(has, np.minimum(first_di, f), first_di)
        has = sp["last"].notna().to_numpy()
        last_di = np.where(has, np.maximum(last_di, np.minimum(l_, ncal - 1)), last_di)
    lengths = last_di - first_di + 1
    total = int(lengths.sum())
    g_cid = np.repeat(np.arange(nsec), lengths)
    offs = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    g_di = np.repeat(first_di, lengths) + (np.arange(total) - np.repeat(offs, lengths))
    pos = offs[cid] + (di - first_di[cid])
    src = np.zeros(total, bool)
    src[pos] = True

    out: dict[str, np.ndarray] = {}
    for c in ("open", "high", "low", "close", "volume", "money", "pre_close", "factor",
              "high_limit", "low_limit"):
        a = np.full(total, np.nan)
        a[pos] = col(c)
        out[c] = a
    for c, fill in (("paused", 1), ("is_st", -1), ("_row", -1)):
        a = np.full(total, fill, np.int64)
        a[pos] = col(c)
        out[c] = a
    # seed value at group starts that are inserted rows: the first source row's pre_close
    g_first, _ = _group_bounds(g_cid)
    first_src_row = np.searchsorted(cid, np.arange(nsec))  # position in raw of each code's first row
    seed = col("pre_close")[first_src_row]
    seed = np.where(np.isfinite(seed), seed, col("open")[first_src_row])
    close = out["close"]
    need = g_first & ~src
    close[need] = seed[g_cid[need]]
    idx = _ffill_idx(np.isfinite(close))
    last_close = close[idx]
    ins = ~src
    prev_close = np.empty(total)
    prev_close[1:] = last_close[:-1]
    prev_close[g_first] = np.nan
    for c in ("open", "high", "low", "close"):
        out[c][ins] = last_close[ins]
    pc = out["pre_close"]
    pc_ins = np.where(np.isnan(prev_close), last_close, prev_close)
    pc[ins] = pc_ins[ins]
    # source rows without a pre_close (files with no such column): the previous close, as
    # ColumnMapping documents; a security's first row keeps NaN (no limit, no factor step)
    miss = src & np.isnan(pc) & np.isfinite(prev_close)
    pc[miss] = prev_close[miss]
    out["volume"][ins] = 0.0
    out["money"][ins] = 0.0
    # source rows: paused unknown -> volume == 0
    unk = out["paused"] == -1
    out["paused"] = np.where(unk, (out["volume"] == 0).astype(np.int64), out["paused"]).astype(np.int8)
    # factor / limits given in the source: carry forward into inserted rows
    for c in ("factor",):
        a = out[c]
        if np.isfinite(a).any():
            j = _ffill_idx(np.isfinite(a))
            same = g_cid[j] == g_cid
            a[ins] = np.where(same[ins], a[j][ins], np.nan)
    # names: forward then backward fill within the security
    ncode, ncats = _factorize(raw["name"])
    if order is not None:
        ncode = ncode[order]
    nc = np.full(total, -1, np.int64)
    nc[pos] = ncode
    nc = _fill_within(nc, g_cid)
    nm = pd.Categorical.from_codes(nc, categories=pd.Index(ncats, dtype=object)) if len(ncats) else \
        pd.Categorical.from_codes(np.full(total, -1), categories=pd.Index(["?"]))
    res = pd.DataFrame({
        "date": cal.values[g_di],
        "code": codes_u[g_cid].astype(object),
        **{c: out[c] for c in ("open", "high", "low", "close", "volume", "money", "pre_close",
                               "high_limit", "low_limit", "factor")},
        "paused": out["paused"],
        "is_st": out["is_st"].astype(np.int8),
        "name": nm,
        "_row": out["_row"],
    }, copy=False)    # fresh arrays: no copy into one consolidated block
    # is_st unknown on inserted rows: carry forward the security's flag if the source gave one
    if (res["is_st"] >= 0).any():
        st = res["is_st"].to_numpy().astype(np.int64)
        j = _ffill_idx(st >= 0)
        ok = (g_cid[j] == g_cid) & (st[j] >= 0)
        res["is_st"] = np.where(st >= 0, st, np.where(ok, st[j], -1)).astype(np.int8)
    return res


# --------------------------------------------------------------------------------------
# Derivations on dense bars (sorted by code, date)
# --------------------------------------------------------------------------------------

def _prev_close(bars: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    code = bars["code"].to_numpy(object)
    first = np.ones(len(code), bool)
    first[1:] = code[1:] != code[:-1]
    close = bars["close"].to_numpy(np.float64)
    prev = np.empty_like(close)
    prev[0:1] = np.nan
    prev[1:] = close[:-1]
    prev[first] = np.nan
    return prev, first


def derive_factor(bars: pd.DataFrame) -> np.ndarray:
    """Cumulative post-adjustment (后复权) factor from ``pre_close``.

    ``factor = 1.0`` on each security's first row; on every later row
    ``factor_t = factor_{t-1} * close_{t-1} / pre_close_t`` (the ratio is 1 where pre_close is
    missing).  ``bars`` must be dense and sorted by code, date.

    Returns
    -------
    numpy.ndarray of float64
    """
    prev, first = _prev_close(bars)
    pc = bars["pre_close"].to_numpy(np.float64)
    ratio = np.where(~first & np.isfinite(pc) & (pc > 0) & np.isfinite(prev), prev / pc, 1.0)
    ratio = np.where(np.abs(ratio - 1.0) < 1e-12, 1.0, ratio)
    logr = np.log(ratio)
    cs = np.cumsum(logr)
    gid = np.cumsum(first) - 1
    base = (cs - logr)[first]          # cumulative sum before each group's first row
    f = np.exp(cs - base[gid])
    # exact 1.0 on rows before a security's first event
    f[np.abs(f - 1.0) < 1e-13] = 1.0
    return f


def limit_pct(boards: np.ndarray, dates: np.ndarray, is_st: np.ndarray) -> np.ndarray:
    """Daily price-limit fraction per row (NaN = no limit).

    ======================  ===========================================================
    board                   limit
    ======================  ===========================================================
    sh_main, sz_main, sme   10 %; 5 % while ST/*ST
    chinext (300/301)       10 % before 2020-08-24 (5 % while ST); 20 % from 2020-08-24
                            (ST included)
    star (688/689)          20 % (ST included)
    bse                     30 %
    fund (ETF)              10 %
    index                   none (NaN)
    ======================  ===========================================================
    """
    isb = _board_masks(boards)
    dates = np.asarray(dates, dtype="datetime64[ns]")
    st = np.asarray(is_st, bool)
    pct = np.full(len(dates), 0.10)
    main = isb("sh_main", "sz_main", "sme")
    pct[main & st] = 0.05
    chi = isb("chinext")
    new = dates >= CHINEXT_REFORM_DATE.to_datetime64()
    pct[chi & new] = 0.20
    pct[chi & ~new & st] = 0.05
    pct[isb("star")] = 0.20
    pct[isb("bse")] = 0.30
    pct[isb("index")] = np.nan
    return pct


def _board_masks(boards) -> Callable[..., np.ndarray]:
    """Fast ``np.isin(boards, names)`` for a long object array with few distinct values."""
    if isinstance(boards, pd.Categorical):       # already coded (build_store_tables)
        codes, uniq = boards.codes, np.asarray(boards.categories, dtype=object)
    else:
        codes, uniq = pd.factorize(np.asarray(boards, dtype=object))
        uniq = np.asarray(uniq, dtype=object)

    def isb(*names: str) -> np.ndarray:
        return np.isin(uniq, names)[codes] if len(uniq) else np.zeros(len(codes), bool)
    return isb


def _round_half_up(x: np.ndarray, tick: np.ndarray) -> np.ndarray:
    q = np.floor(x / tick + 0.5 + 1e-7)
    return np.round(q * tick, 4)


def derive_limits(bars: pd.DataFrame, boards: np.ndarray, is_st: np.ndarray,
                  ipo_dates: Mapping[str, pd.Timestamp] | pd.Series | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Limit-up / limit-down prices from ``pre_close`` (exchange rule, rounded half up).

    ``high_limit = round(pre_close * (1 + p), tick)``, ``low_limit = round(pre_close * (1 - p), tick)``
    with ``p`` from :func:`limit_pct` and ``tick`` 0.01 yuan for stocks, 0.001 yuan for funds.
    No limit (NaN) for indexes, on a stock's IPO day, on the first five trading days of STAR
    IPOs and of ChiNext IPOs from 2020-08-24, and where ``pre_close`` is missing.

    Parameters
    ----------
    bars : pandas.DataFrame
        Dense bars sorted by code, date (date, code, pre_close).
    boards : array of str
        Board per row (``schema.BOARDS``).
    is_st : array of bool
        ST flag per row.
    ipo_dates : mapping code -> Timestamp, optional
        Listing (IPO) day of securities whose IPO falls inside the data; those days (and the
        limit-free days that follow) get NaN limits.

    Returns
    -------
    (high_limit, low_limit) : tuple of numpy.ndarray (yuan)
    """
    dates = bars["date"].to_numpy("datetime64[ns]")
    pct = limit_pct(boards, dates, is_st)
    pc = bars["pre_close"].to_numpy(np.float64)
    isb = _board_masks(boards)
    tick = np.where(isb("fund"), 0.001, 0.01)
    hi = _round_half_up(pc * (1 + pct), tick)
    lo = _round_half_up(pc * (1 - pct), tick)
    if ipo_dates is not None and len(ipo_dates):
        ipo = pd.Series(ipo_dates)
        ipo = ipo[ipo.notna()]
        code = bars["code"].to_numpy(object)
        # trading-day number since IPO within each security (rows are dense, grouped by code)
        first = np.ones(len(code), bool)
        first[1:] = code[1:] != code[:-1]
        cc = np.cumsum(first) - 1
        cu = code[first]
        ipo_day = pd.Series(cu).map(ipo).to_numpy("datetime64[ns]")[cc]
        has = ~np.isnat(ipo_day)
        gstart = np.maximum.accumulate(np.where(first, np.arange(len(code)), 0))
        k = np.arange(len(code)) - gstart      # rows since the security's first row
        at_ipo = has & (dates == ipo_day)
        # the IPO row is the security's first row when the IPO is inside the data
        ipo_first = np.zeros(len(code), bool)
        ipo_first[gstart[at_ipo]] = True
        from_ipo = ipo_first[gstart] & has
        free_days = np.where(isb("star") | (isb("chinext") & (ipo_day >= CHINEXT_REFORM_DATE.to_datetime64())), 5, 1)
        nolimit = from_ipo & (k < free_days)
        hi[nolimit] = np.nan
        lo[nolimit] = np.nan
    return hi, lo


def st_intervals(bars: pd.DataFrame, is_st: np.ndarray, open_end: Mapping[str, bool] | None = None) -> pd.DataFrame:
    """ST intervals (table ``st``) from a per-row ST flag on dense bars sorted by code, date.

    Each run of consecutive ST rows becomes ``(code, start_date, end_date)``, both inclusive.
    A run still open on a security's last row gets ``end_date = 2200-01-01`` when
    ``open_end[code]`` is true (the security is still listed at the store's end).
    """
    return _runs(bars, np.asarray(is_st, bool), None, open_end)[["code", "start_date", "end_date"]]


def _runs(bars: pd.DataFrame, mask: np.ndarray, values: np.ndarray | None,
          open_end: Mapping[str, bool] | None) -> pd.DataFrame:
    code = bars["code"].to_numpy(object)
    dates = bars["date"].to_numpy("datetime64[ns]")
    n = len(code)
    first = np.ones(n, bool)
    first[1:] = code[1:] != code[:-1]
    last = np.ones(n, bool)
    last[:-1] = code[1:] != code[:-1]
    if values is None:
        chg_prev = np.ones(n, bool)
        chg_prev[1:] = ~mask[:-1]
        chg_next = np.ones(n, bool)
        chg_next[:-1] = ~mask[1:]
    else:
        chg_prev = np.ones(n, bool)
        chg_prev[1:] = (values[1:] != values[:-1]) | ~mask[:-1]
        chg_next = np.ones(n, bool)
        chg_next[:-1] = (values[1:] != values[:-1]) | ~mask[1:]
    s = mask & (first | chg_prev)
    e = mask & (last | chg_next)
    si, ei = np.flatnonzero(s), np.flatnonzero(e)
    end = dates[ei].copy()
    if open_end:
        oe = pd.Series(code[ei]).map(dict(open_end)).fillna(False).to_numpy(bool)
        end[last[ei] & oe] = FAR_FUTURE.to_datetime64()
    out = pd.DataFrame({"code": code[si], "start_date": dates[si], "end_date": end})
    if values is not None:
        out["display_name"] = values[si]
    return out


def _clean_name_codes(bars: pd.DataFrame, gid: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_clean_names_filled` as ``(codes int64 (-1 = none), distinct cleaned names)``;
    ``gid``: the rows' security numbers when the caller has them (rows grouped by code)."""
    codes, cats = _factorize(bars["name"])
    if not len(cats):
        return np.full(len(codes), -1, np.int64), np.zeros(0, dtype=object)
    cs = pd.Series(cats, dtype="string")
    cl = cs.str.replace(_MARKER_RE, "", regex=True).str.replace(r"^\*ST\s+", "*ST", regex=True)
    ccodes, ccats = pd.factorize(cl.astype(object))
    marked = cs.str.contains(_MARKER_RE, regex=True).fillna(False).to_numpy(bool)
    v = np.where(codes >= 0, ccodes[np.maximum(codes, 0)], -1)
    vm = np.where((codes >= 0) & ~marked[np.maximum(codes, 0)], v, -1)
    if gid is None:
        gid = pd.factorize(bars["code"].to_numpy(object))[0]
    vm = _fill_within(vm, gid)
    v = np.where(vm >= 0, vm, v)
    return v.astype(np.int64), np.asarray(ccats, dtype=object)


def _clean_names_filled(bars: pd.DataFrame) -> pd.Series:
    """Cleaned daily names; on rows that carried a day marker the source name is usually
    truncated (``'XD浦发银'`` for 浦发银行), so those rows take the neighbouring unmarked
    name of the same security (previous row, else next row)."""
    v, ccats = _clean_name_codes(bars)
    if not len(ccats):
        return pd.Series([None] * len(v), dtype=object)
    return pd.Series(np.where(v >= 0, ccats[np.maximum(v, 0)], None), dtype=object)


def names_table(bars: pd.DataFrame, open_end: Mapping[str, bool] | None = None) -> pd.DataFrame:
    """Historical display names (table ``names``): runs of the cleaned daily name.

    Day markers (XD/XR/DR/N/C, see :func:`clean_name`) are stripped first, so an ex-date
    does not start a new name.  The current name of a still-listed security runs to
    2200-01-01 (``open_end``).
    """
    return _names_from_codes(bars, *_clean_name_codes(bars), open_end)


def _names_from_codes(bars: pd.DataFrame, v: np.ndarray, cats: np.ndarray,
                      open_end: Mapping[str, bool] | None) -> pd.DataFrame:
    r = _runs(bars, v >= 0, v, open_end)       # equal codes <=> equal cleaned names
    r["display_name"] = cats[r["display_name"].to_numpy(np.int64)] if len(r) else np.zeros(0, dtype=object)
    return r[["code", "display_name", "start_date", "end_date"]]


def derive_xrxd(bars: pd.DataFrame, boards: np.ndarray | None = None) -> tuple[pd.DataFrame, int]:
    """Ex-rights / ex-dividend events (table ``xrxd``) from ``pre_close != previous close``.

    On an ex-date ``prev = close_{t-1}``, ``pre = pre_close_t`` and the exchange's reference
    price is ``pre = (prev - cash_per_share) / scale`` rounded to the tick.  The event is
    split with this heuristic:

    * ``ratio = prev / pre``.  If ``ratio > 1.12`` there are bonus/transferred shares:
      ``scale_factor`` is the ratio rounded to a multiple of 0.05 (= half a share per 10),
      and the remainder ``cash = prev - pre * scale_factor`` is a cash dividend when it is
      positive beyond rounding (``bonus_pre_tax = cash * 10``, yuan per 10 shares); if that
      rounding leaves a negative remainder beyond the tick, ``scale_factor = ratio`` exactly
      and no cash.
    * Otherwise (``1 < ratio <= 1.12``) it is a pure cash dividend:
      ``bonus_pre_tax = (prev - pre) * 10``, ``scale_factor = 1``.
    * ``ratio < 1`` (pre_close above the last close: rights issues priced above market,
      reverse splits, data quirks) is not an event the account layer can apply; it is
      skipped and counted (the factor still records it).

    Returns
    -------
    (xrxd, skipped) : (pandas.DataFrame, int)
    """
    prev, first = _prev_close(bars)
    pc = bars["pre_close"].to_numpy(np.float64)
    fund = _board_masks(boards)("fund") if boards is not None else np.zeros(len(pc), bool)
    tick = np.where(fund, 0.001, 0.01)
    ok = ~first & np.isfinite(pc) & np.isfinite(prev) & (pc > 0)
    ev = ok & (np.abs(pc - prev) > tick * 0.5)
    idx = np.flatnonzero(ev)
    p, q, t = prev[idx], pc[idx], tick[idx]
    ratio = p / q
    skip = ratio < 1
    bonus = ratio > 1.12
    scale = np.ones(len(idx))
    cash = np.where(bonus, 0.0, p - q)
    sr = np.round(ratio * 20) / 20
    rem = p - q * sr
    tol = t * 0.5 * sr + 1e-9
    good = bonus & (rem >= -tol)
    scale[good] = sr[good]
    cash[good] = np.where(rem[good] > tol[good], rem[good], 0.0)
    bad = bonus & ~good
    scale[bad] = ratio[bad]
    cash[bad] = 0.0
    keep = ~skip
    code = bars["code"].to_numpy(object)[idx][keep]
    dates = bars["date"].to_numpy("datetime64[ns]")[idx][keep]
    out = pd.DataFrame({"code": code, "date": dates,
                        "bonus_pre_tax": np.round(cash[keep] * 10, 6),
                        "scale_factor": np.maximum(scale[keep], 1.0)})
    return out, int(skip.sum())


# --------------------------------------------------------------------------------------
# Store assembly
# --------------------------------------------------------------------------------------

def build_store_tables(raw: pd.DataFrame, calendar: pd.DatetimeIndex, *,
                       securities: pd.DataFrame | None = None,
                       spans: pd.DataFrame | None = None,
                       ipo_dates: Mapping[str, pd.Timestamp] | None = None,
                       progress: Progress = None,
                       source: str | Callable[[str, pd.Timestamp], str] = "<bars>") -> tuple[dict[str, pd.DataFrame], dict]:
    """Turn raw bars of any securities into the store tables (everything but memberships).

    Parameters
    ----------
    raw : pandas.DataFrame
        :data:`RAW_COLUMNS` rows (from :func:`read_bars_file`), already restricted to the span.
    calendar : pandas.DatetimeIndex
        The store's trading days.
    securities : pandas.DataFrame, optional
        Known master rows (code, display_name, type, start_date, end_date); missing codes
        get ``type`` from :func:`security_type_of`, start/end from their rows.
    spans : pandas.DataFrame, optional
        See :func:`densify_bars`.
    ipo_dates : mapping, optional
        code -> listing day, when the listing is inside the data (see :func:`derive_limits`).
        Default: a security's first row when that is after the calendar's first day (except
        BSE transfers on the exchange's opening day 2021-11-15).
    progress : callable, optional
        Called with short progress messages.
    source : str or callable
        Source file label (or ``(code, date) -> label``) for errors about single rows.

    Returns
    -------
    (tables, stats) : (dict of str -> pandas.DataFrame, dict)
        ``calendar``, ``securities``, ``bars_daily``, ``st``, ``xrxd``, ``names``; stats holds
        counts (rows, inserted paused rows, skipped xrxd rows, limit violations).
    """
    holder = [raw]
    del raw
    return _build_store_tables(holder, calendar, securities=securities, spans=spans, ipo_dates=ipo_dates,
                               progress=progress, source=source)


def _build_store_tables(holder: list, calendar, *, securities=None, spans=None, ipo_dates=None,
                        progress: Progress = None, source="<bars>", on_dense: Callable[[], None] | None = None,
                        categorical_code: bool = False):
    """:func:`build_store_tables` on ``holder = [raw]``; the raw rows are dropped from the
    holder once the dense bars exist, so a caller that keeps no other reference frees them.
    ``on_dense()`` is called right after that (the real import trims the heap there and
    starts the fundamentals beside the derivations).  ``categorical_code``: the bars'
    ``code`` column comes out as a Categorical of the security numbers (categories: the
    codes in row order) instead of 6 M Python strings, for :func:`jqlite.data.writer.write_store`,
    which checks and writes it without hashing strings."""
    say = progress or (lambda _m: None)
    cal = pd.DatetimeIndex(calendar)
    say("filling suspended days")
    raw = holder.pop()
    bars = densify_bars(raw, cal, spans)
    n_raw = len(raw)
    del raw
    if on_dense is not None:
        on_dense()
    codes = bars["code"].to_numpy(object)
    # bars are sorted by code: security numbers from the boundaries (== pd.factorize)
    bfirst = np.ones(len(codes), bool)
    bfirst[1:] = codes[1:] != codes[:-1]
    inv = np.cumsum(bfirst) - 1
    ucodes = np.asarray(codes[bfirst], dtype=object)
    del bfirst
    ub = np.array([board_of(c) for c in ucodes], dtype=object)
    boards = ub[inv]
    sec = securities.set_index("code") if securities is not None and len(securities) else None
    ut = np.array([(sec["type"].get(c) if sec is not None and c in sec.index else None)
                   or security_type_of(c) for c in ucodes], dtype=object)
    # a fund's board is 'fund' whatever its code; an index's board is 'index'
    ub = np.where(ut == "index", "index", np.where(np.isin(ut, ("etf", "lof", "fund", "mmf")), "fund", ub))
    bu, bcode = np.unique(ub.astype(str), return_inverse=True)
    boards = pd.Categorical.from_codes(bcode.astype(np.int32)[inv], categories=pd.Index(bu, dtype=object))
    is_stock_row = (ut == "stock")[inv]

    say("deriving factors, limits, ST, ex-rights events")
    src_factor = bars["factor"].to_numpy(np.float64)
    derived = derive_factor(bars)
    factor = np.where(np.isfinite(src_factor), src_factor, derived)
    st_flag = bars["is_st"].to_numpy()
    has_names = bool((_factorize(bars["name"])[0] >= 0).any())
    st = np.where(st_flag >= 0, st_flag == 1, is_st_name(bars["name"]) if has_names
                  else np.zeros(len(bars), bool))
    st &= is_stock_row
    # rows are sorted by (code, date) and dense bars have no missing date: a security's first
    # and last day are those of its first and last row (== groupby(inv).first()/.last())
    dts = bars["date"].to_numpy("datetime64[ns]")
    gstart = np.searchsorted(inv, np.arange(len(ucodes)), side="left")
    gend = np.append(gstart[1:], len(inv)) - 1
    first_by_code = pd.Series(dts[gstart], index=pd.Index(ucodes, dtype=object))
    last_by_code = pd.Series(dts[gend], index=pd.Index(ucodes, dtype=object))
    del dts
    if ipo_dates is None:
        ipo = first_by_code[first_by_code > cal[0]]
        bse_transfer = (pd.Index(ipo.index).str.endswith("BJSE")) & (ipo == BSE_OPENING_DATE).to_numpy()
        ipo = ipo[~bse_transfer]
        ipo = ipo[pd.Series(ut, index=ucodes).reindex(ipo.index).to_numpy() == "stock"]
    else:
        ipo = pd.Series(ipo_dates)
    hi, lo = derive_limits(bars, boards, st, ipo)
    lim = {}
    for c, v in (("high_limit", hi), ("low_limit", lo)):
        srcv = bars[c].to_numpy(np.float64)
        lim[c] = np.where(np.isfinite(srcv), srcv, v)
    xrxd, skipped = derive_xrxd(bars, boards)
    check_xrxd_plausible(bars, xrxd, lim["high_limit"], lim["low_limit"], source)
    keep_codes = set(ucodes[ut == "stock"]) | set(ucodes[np.isin(ut, ("etf", "lof", "fund"))])
    xrxd = xrxd[pd.Index(xrxd["code"].to_numpy(object)).isin(keep_codes)]

    # securities master
    end_open = last_by_code >= cal[-1]
    master = pd.DataFrame({"code": ucodes, "type": ut, "board": ub,
                           "start_date": first_by_code.reindex(ucodes).to_numpy(),
                           "end_date": np.where(end_open.reindex(ucodes).to_numpy(bool),
                                                FAR_FUTURE.to_datetime64(),
                                                last_by_code.reindex(ucodes).to_numpy())})
    name_v, name_cats = _clean_name_codes(bars, inv)
    # last non-missing cleaned name of each security
    nz = np.flatnonzero(name_v >= 0)
    last_pos = np.full(len(ucodes), -1, np.int64)
    np.maximum.at(last_pos, inv[nz], nz)
    master["display_name"] = np.where(last_pos >= 0, name_cats[name_v[np.maximum(last_pos, 0)]]
                                      if len(name_cats) else None, None)
    master["name"] = None
    if sec is not None:
        for c in ("display_name", "start_date", "end_date", "name"):
            if c in sec.columns:
                v = master["code"].map(sec[c])
                master[c] = v.where(v.notna(), master[c])
    master["display_name"] = master["display_name"].where(master["display_name"].notna(), master["code"])
    open_end = dict(zip(master["code"], pd.to_datetime(master["end_date"]) >= FAR_FUTURE))

    st_tab = st_intervals(bars, st, open_end)
    names = _names_from_codes(bars, name_v, name_cats, open_end) if has_names else None

    # limit sanity: closes outside the derived limits (non-paused, both limits known)
    c = bars["close"].to_numpy()
    h, l_ = lim["high_limit"], lim["low_limit"]
    known = np.isfinite(h) & (bars["paused"].to_numpy() == 0)
    viol = int((known & ((c > h + 1e-9) | (c < l_ - 1e-9))).sum())

    final = {c: bars[c].to_numpy() for c in list(schema.DAILY_BARS) + ["_row"]}
    final.update(lim)
    final["factor"] = factor
    if categorical_code and len(ucodes) and pd.Index(ucodes).is_unique:
        final["code"] = pd.Categorical.from_codes(inv.astype(np.int32), categories=pd.Index(ucodes, dtype=object))
    bars = pd.DataFrame(final, copy=False)
    tables = {"calendar": pd.DataFrame({"date": cal}), "securities": master[list(schema.SECURITIES)],
              "bars_daily": bars, "st": st_tab, "xrxd": xrxd}
    if names is not None:
        tables["names"] = names
    stats = {"bars": len(bars), "source_rows": n_raw, "inserted_paused": int((bars["_row"] < 0).sum()),
             "paused": int(bars["paused"].sum()), "securities": len(master), "st_intervals": len(st_tab),
             "xrxd": len(xrxd), "xrxd_skipped": skipped, "limit_violations": viol,
             "names": 0 if names is None else len(names)}
    return tables, stats


def merge_intervals(df: pd.DataFrame, max_gap_days: int = 15) -> pd.DataFrame:
    """Merge back-to-back membership intervals of the same (index_code, code).

    qlib's index files restart every interval at each rebalance (``... -> 2015-01-29``,
    ``2015-01-30 -> ...``).  Two intervals are merged when the next starts at most
    ``max_gap_days`` calendar days after the previous ends (no rebalance can drop and re-add
    a stock within two weeks; the longest exchange holiday is 10 days).
    """
    if df.empty:
        return df
    df = df.sort_values(["index_code", "code", "start_date"], kind="stable").reset_index(drop=True)
    same = (df["index_code"].eq(df["index_code"].shift()) & df["code"].eq(df["code"].shift())).to_numpy()
    prev_end = df.groupby(["index_code", "code"])["end_date"].cummax().shift()
    cont = same & ((df["start_date"] - prev_end).dt.days <= max_gap_days).fillna(False).to_numpy()
    gid = np.cumsum(~cont)
    out = df.groupby(gid).agg(index_code=("index_code", "first"), code=("code", "first"),
                              start_date=("start_date", "min"), end_date=("end_date", "max"))
    return out.reset_index(drop=True)
