"""The real A-share data set under ``shared/data/real`` (see that folder's ``SOURCES.md``).

xbx stock bars (prices in fen), TDX ETF bars, qlib index bars, qlib listing ranges and index
constituents, Shenwan industries and CSI 500 weights (:mod:`jqlite.data.reference`); the
fundamentals are :mod:`jqlite.data.ingest_fundamentals`.  The stock files are read in one
pyarrow pass with dictionary-coded codes and names (5.7 M rows).
"""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from ...errors import DataValidationError
from ..calendar import xshg_trading_days
from ..codes import normalize_code
from ..derive import (BSE_OPENING_DATE, FAR_FUTURE, Progress, _build_store_tables, merge_intervals)
from ..validate import RAW_COLUMNS, _check_calendar, _parse_dates, read_bars_frame
from ..writer import write_store
from .files import read_bars_file, read_source
from .mapping import ColumnMapping

#: Default span of :func:`import_real_data` (the span of the xbx stock files).
REAL_START, REAL_END = "2015-01-05", "2022-01-14"

# --------------------------------------------------------------------------------------
# The bundled real data set
# --------------------------------------------------------------------------------------

#: Names of the indexes in ``index/qlib_index_daily.parquet`` (and derived memberships).
INDEX_NAMES = {
    "000001.XSHG": "上证指数", "000016.XSHG": "上证50", "000300.XSHG": "沪深300",
    "000688.XSHG": "科创50", "000852.XSHG": "中证1000", "000903.XSHG": "中证100",
    "000905.XSHG": "中证500", "000906.XSHG": "中证800", "000985.XSHG": "中证全指",
    "399001.XSHE": "深证成指", "399005.XSHE": "中小100", "399006.XSHE": "创业板指",
    "399008.XSHE": "中小300", "399101.XSHE": "中小综指", "399102.XSHE": "创业板综",
    "399106.XSHE": "深证综指", "399300.XSHE": "沪深300", "399303.XSHE": "国证2000",
    "399330.XSHE": "深证100", "399905.XSHE": "中证500",
}
#: Display names of the ETFs in ``etf/tdx_etf_daily.parquet`` (the data has no names).
ETF_NAMES = {
    "159509.XSHE": "纳指科技ETF", "159611.XSHE": "电力ETF", "159755.XSHE": "电池ETF",
    "159819.XSHE": "人工智能ETF", "159869.XSHE": "游戏ETF", "159870.XSHE": "化工ETF",
    "159928.XSHE": "消费ETF", "159941.XSHE": "纳指ETF", "159949.XSHE": "创业板50ETF",
    "159995.XSHE": "芯片ETF", "510050.XSHG": "上证50ETF", "510300.XSHG": "沪深300ETF",
    "510880.XSHG": "红利ETF", "512010.XSHG": "医药ETF", "512660.XSHG": "军工ETF",
    "512690.XSHG": "酒ETF", "512800.XSHG": "银行ETF", "512880.XSHG": "证券ETF",
    "512980.XSHG": "传媒ETF", "513050.XSHG": "中概互联网ETF", "513060.XSHG": "恒生医疗ETF",
    "515030.XSHG": "新能源车ETF", "515790.XSHG": "光伏ETF", "515880.XSHG": "通信ETF",
    "588000.XSHG": "科创50ETF",
}
#: qlib constituent files -> JoinQuant index code.
MEMBER_FILES = {
    "csi100": "000903.XSHG", "csi300": "000300.XSHG", "csi500": "000905.XSHG",
    "csi800": "000906.XSHG", "csi1000": "000852.XSHG",
}


def default_real_data_dir() -> Path:
    """``<repo>/../shared/data/real`` (``Path(__file__).resolve().parents[4] / 'shared/data/real'``)."""
    return Path(__file__).resolve().parents[4] / "shared" / "data" / "real"


def _read_real_bars(files: list[Path], mapping: ColumnMapping, cal: pd.DatetimeIndex, start, end,
                    codes, say) -> list[pd.DataFrame]:
    out = []
    for f in files:
        say(f"reading {f.name}")
        fr = read_bars_file(f, mapping, calendar=cal, start=start, end=end, codes=codes)
        fr["_file"] = str(f)
        out.append(fr)
    return out


def _dictionary_coded(t, col: str | None):
    """``t`` with its string column ``col`` dictionary-coded (kept tables: a few thousand
    codes instead of millions of strings in memory)."""
    import pyarrow as pa
    import pyarrow.compute as pc
    if col is None or col not in t.column_names:
        return t
    c = t.column(col)
    if not (pa.types.is_string(c.type) or pa.types.is_large_string(c.type)):
        return t
    i = t.column_names.index(col)
    return t.set_column(i, col, pc.dictionary_encode(c.combine_chunks()))


def _read_parquet_bars(files: list[Path], mapping: ColumnMapping, cal: pd.DatetimeIndex, start, end,
                       codes, say, also: tuple[list[str], list] | None = None) -> pd.DataFrame:
    """Read same-layout parquet bar files in one pass (pyarrow, dictionary-coded code and
    name columns) and check them as :func:`read_bars_file` does file by file.

    Errors name the file and the row in that file.  The result is :data:`RAW_COLUMNS` plus a
    categorical ``_file`` column, sorted by code, date; ``name`` stays categorical.

    ``also = (columns, out)``: the same read also yields these source columns of every file
    (the real import's valuation: shares, close, volume), appended to the list ``out`` as
    one pyarrow table per file, in ``files`` order -- only when every file has them all
    (``out`` stays empty otherwise).
    """
    import pyarrow as pa
    from .arrow_io import read_parquet_table
    cols = list(mapping.source_columns().values())
    extra_cols = list(also[0]) if also is not None else []
    kept: list = []
    tabs = []
    for f in files:
        say(f"reading {f.name}")
        # code and name come dictionary-coded straight from the parquet pages (a few thousand
        # distinct strings, not 5.7 M of each)
        t = read_parquet_table(f, cols + [c for c in extra_cols if c not in cols],
                               dictionary=[c for c in (mapping.code, mapping.name) if c])
        missing = [c for c in cols if c not in t.column_names]
        if missing:
            raise DataValidationError(str(f), None, missing[0], f"missing column(s) {missing}")
        if t.num_rows == 0:
            raise DataValidationError(str(f), None, None, "no data rows (header only)")
        if kept is not None and extra_cols:
            kept = kept + [_dictionary_coded(t.select(extra_cols), mapping.code)] \
                if all(c in t.column_names for c in extra_cols) else None
        tabs.append(t.select(cols))
        del t
    try:
        t = pa.concat_tables([x.cast(tabs[0].schema) for x in tabs])
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        return pd.concat(_read_real_bars(files, mapping, cal, start, end, codes, lambda _m: None),
                         ignore_index=True)
    if also is not None and kept:
        also[1].extend(kept)
    del kept
    str_cols = {c for c in (mapping.code, mapping.name) if c}
    arrays = {}
    for c in cols:
        col = t.column(c)
        if c in str_cols and (pa.types.is_string(col.type) or pa.types.is_large_string(col.type)):
            col = col.combine_chunks().dictionary_encode()
        arrays[c] = col
    del t
    df = pa.table(arrays).to_pandas(date_as_object=False)
    del arrays
    offs = np.concatenate([[0], np.cumsum([x.num_rows for x in tabs])])
    del tabs
    try:
        raw = read_bars_frame(df, mapping, label="<parquet bars>", calendar=cal, start=start, end=end,
                              codes=codes)
    except DataValidationError as exc:
        if exc.file != "<parquet bars>":
            raise
        if exc.row is None:
            raise DataValidationError(str(files[0]) + (f" (+{len(files) - 1} files)" if len(files) > 1 else ""),
                                      None, exc.column, exc.message) from None
        i = int(np.searchsorted(offs, exc.row, side="right") - 1)
        raise DataValidationError(str(files[i]), int(exc.row - offs[i]), exc.column, exc.message) from None
    fi = np.searchsorted(offs, raw["_row"].to_numpy(), side="right") - 1
    raw["_row"] = raw["_row"].to_numpy() - offs[fi]
    raw["_file"] = pd.Categorical.from_codes(fi, categories=[str(f) for f in files])
    return raw


def _date_range_by_code(raw: pd.DataFrame) -> pd.DataFrame:
    """``raw.groupby("code")["date"].agg(["min", "max"])`` (index: codes, sorted) for an
    object or dictionary-coded code column."""
    col = raw["code"]
    if isinstance(col.dtype, pd.CategoricalDtype) and not col.isna().any():
        d = pd.Series(raw["date"].to_numpy("datetime64[ns]"))
        g = d.groupby(col.array.codes).agg(["min", "max"])
        g.index = pd.Index(np.asarray(col.cat.categories, dtype=object)[g.index.to_numpy()], name="code")
        return g.sort_index()
    return raw.groupby("code")["date"].agg(["min", "max"])


def _concat_raw(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """``pd.concat`` of raw-bar frames keeping ``name``/``_file`` dictionary-coded."""
    from pandas.api.types import union_categoricals
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=list(RAW_COLUMNS))
    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    cat_cols = [c for c in ("code", "name", "_file") if all(c in f.columns for f in frames)
                and any(isinstance(f[c].dtype, pd.CategoricalDtype) for f in frames)]
    unified = {}
    for c in cat_cols:
        parts = [f[c].array if isinstance(f[c].dtype, pd.CategoricalDtype)
                 else pd.Categorical(f[c].astype(object).where(f[c].notna(), None)) for f in frames]
        unified[c] = union_categoricals(parts, ignore_order=True)
    out = pd.concat([f.drop(columns=cat_cols) for f in frames], ignore_index=True)
    for c in cat_cols:
        out[c] = unified[c]
    return out


class _FundamentalsJob:
    """The real fundamentals built on a second thread while the bars are derived and written.

    Started once the store's codes are known (they are the codes of the bar rows; the
    trading days are the calendar), it writes the fundamentals folder into a staging folder
    next to the store (``.NAME.tmp-PID-fund-*``, same file system); :meth:`install` waits for
    it and renames it into the finished store.  Most of its work (parquet reading and
    writing, numpy sorts and joins) runs outside the GIL, so on two cores it overlaps the
    bars' derivation.  Should the finished store's codes or days differ from those it was
    started with, :meth:`install` builds the fundamentals again from the store (never
    happens with the real data; kept so the result is always what the store asks for).
    """

    def __init__(self, src: Path, out_path: Path, codes, calendar: pd.DatetimeIndex, say,
                 xbx_parts: list | None = None) -> None:
        import os
        import tempfile
        import threading
        self.src, self.codes, self.calendar, self.say = src, np.asarray(codes, dtype=object), calendar, say
        self.xbx_parts = xbx_parts      # the stock files' valuation columns, read with the bars
        out_path = Path(out_path)
        out_path.parent.mkdir(parents=True, exist_ok=True)
        self.stage = Path(tempfile.mkdtemp(prefix=f".{out_path.name}.tmp-{os.getpid()}-fund-", dir=out_path.parent))
        self.error: BaseException | None = None
        self.seconds = self.cpu_seconds = 0.0
        self.thread = threading.Thread(target=self._run, name="jqlite-fundamentals", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from ..ingest_fundamentals import stage_real_fundamentals
        t0, c0 = time.perf_counter(), time.thread_time()
        try:
            parts, self.xbx_parts = self.xbx_parts, None
            stage_real_fundamentals(self.src, self.stage / "fundamentals", self.codes, self.calendar,
                                    xbx_parts=parts)
            del parts
        except BaseException as exc:  # re-raised on the main thread by install()
            self.error = exc
        self.seconds, self.cpu_seconds = time.perf_counter() - t0, time.thread_time() - c0

    def install(self, tmp_store: Path) -> None:
        """Wait for the fundamentals and move them into ``tmp_store/fundamentals``."""
        import os
        from ..store import Store
        self.thread.join()
        if self.error is not None:
            raise self.error
        st = Store(tmp_store)
        if list(st.codes) != list(self.codes) or not pd.DatetimeIndex(st.dates).equals(self.calendar):
            from ..ingest_fundamentals import import_real_fundamentals
            self.say("fundamentals: the store's codes/days differ from the staged ones; building them again")
            import_real_fundamentals(self.src, tmp_store)
            return
        os.replace(self.stage / "fundamentals", Path(tmp_store) / "fundamentals")
        self.say(f"fundamentals and valuation built in {self.seconds:.1f}s ({self.cpu_seconds:.1f} CPU s, "
                 "second thread, beside the bars)")

    def close(self) -> None:
        """Wait for the thread (an error elsewhere stops the import) and remove the staging folder."""
        import shutil
        self.thread.join()
        shutil.rmtree(self.stage, ignore_errors=True)


def import_real_data(src_dir: str | Path | None = None, out_path: str | Path = "store", *,
                     start=None, end=None, codes: Iterable[str] | None = None,
                     progress: Progress = None, post_write: Callable[[Path], None] | None = None,
                     fundamentals: bool = False) -> Path:
    """Build a jqlite store from the real A-share data set (``shared/data/real``).

    Parameters
    ----------
    src_dir : path-like, optional
        The data folder (default :func:`default_real_data_dir`).
    out_path : path-like
        Store folder to create or replace atomically.
    start, end : date-like, optional
        Span (default 2015-01-05 -> 2022-01-14, the span of the stock files).
    codes : iterable of str, optional
        Import only these JoinQuant codes (stocks, ETFs or indexes) -- for quick test stores.
    progress : callable, optional
        Called with short progress messages (and a final summary line).
    post_write : callable, optional
        ``f(new_store_folder)`` run on the complete new store before it replaces
        ``out_path`` (the CLI adds minute bars there); if it raises, ``out_path`` is left
        byte-identical.
    fundamentals : bool, default False
        Also import ``src_dir/fundamentals`` (statements, valuation, ratios:
        :mod:`jqlite.data.ingest_fundamentals`) into the new store.  They are built on a
        second thread while the bars are derived and written, and are the same files as
        :func:`~jqlite.data.ingest_fundamentals.import_real_fundamentals` run on the finished
        store writes.  Ignored when the folder has no ``fundamentals/``.

    Returns
    -------
    pathlib.Path
        The store folder.

    Notes
    -----
    Sources: stocks ``daily/xbx/xbx_stock_daily_YYYY.parquet`` (prices in fen -> yuan),
    ETFs ``etf/tdx_etf_daily.parquet``, indexes ``index/qlib_index_daily.parquet`` (no
    money column: money = 0), listing/delisting dates
    ``constituents/qlib_all_listing_ranges_2005_2025.parquet``, memberships
    ``constituents/qlib_csi*_2005_2025.parquet`` plus derived composite indexes.  All rules
    are in ``docs/data-import.md``.

    Raises
    ------
    DataValidationError
        A source file is malformed (file/row/column named), or the data's dates disagree
        with the XSHG calendar.

    Notes
    -----
    Runs inside :func:`jqlite.data.heap.reuse_freed_memory` (freed arrays are reused instead
    of being faulted in afresh), trimming the heap where the raw rows and the written
    tables are dropped.
    """
    from ..heap import reuse_freed_memory
    jobs: list[_FundamentalsJob] = []
    try:
        with reuse_freed_memory():
            return _import_real_data(src_dir, out_path, start=start, end=end, codes=codes, progress=progress,
                                     post_write=post_write, fundamentals=fundamentals, jobs=jobs)
    finally:
        for job in jobs:
            job.close()


def _import_real_data(src_dir, out_path, *, start, end, codes, progress, post_write, fundamentals,
                      jobs: list) -> Path:
    from ..heap import release_free_memory
    t0 = time.perf_counter()
    say = progress or (lambda _m: None)
    src = Path(src_dir) if src_dir is not None else default_real_data_dir()
    if not src.is_dir():
        raise DataValidationError(str(src), None, None, "real data folder not found")
    from ..writer import check_replaceable
    check_replaceable(out_path)    # before the long read: never replace a non-store folder
    start = pd.Timestamp(start or REAL_START)
    end = pd.Timestamp(end or REAL_END)
    codes = None if codes is None else {normalize_code(c) for c in codes}
    say(f"calendar {start.date()} -> {end.date()}")
    cal = xshg_trading_days(str(start.date()), str(end.date()))
    notes: list[str] = []
    # cross-check with the akshare calendar
    ak_file = src / "calendar" / "akshare_trade_calendar_1990_2026.csv"
    if ak_file.exists():
        akd = read_source(ak_file, str_cols=["date"], required=["date"])["date"]
        ak = pd.DatetimeIndex(_parse_dates(akd, None, str(ak_file), "date"))
        ak = ak[(ak >= start) & (ak <= end)]
        if len(ak.difference(cal)) or len(cal.difference(ak)):
            raise DataValidationError(str(ak_file), None, "date",
                                      f"akshare calendar disagrees with XSHG: only in akshare "
                                      f"{[str(d.date()) for d in ak.difference(cal)[:5]]}, only in XSHG "
                                      f"{[str(d.date()) for d in cal.difference(ak)[:5]]}")

    # ---- stocks
    years = range(start.year, end.year + 1)
    stock_files = [src / "daily" / "xbx" / f"xbx_stock_daily_{y}.parquet" for y in years]
    stock_files = [f for f in stock_files if f.exists()]
    xbx = ColumnMapping.xbx()
    xbx.code_format = "jq"
    # the valuation (fundamentals) is built from the same files: read its columns in the same
    # pass when it will read exactly these files (every year of the folder)
    xbx_parts: list = []
    also = None
    if fundamentals and (src / "fundamentals").is_dir():
        from ..ingest_fundamentals import XBX_VALUATION_COLUMNS, xbx_stock_files
        if xbx_stock_files(src) == stock_files:
            also = (XBX_VALUATION_COLUMNS, xbx_parts)
    stocks = _read_parquet_bars(stock_files, xbx, cal, start, end, codes, say, also=also) if stock_files \
        else pd.DataFrame(columns=list(RAW_COLUMNS))
    if len(stocks):
        # codes in the stock files must already be JoinQuant codes
        uc = pd.unique(stocks["code"])
        bad = [c for c in uc if not re.fullmatch(r"\d{6}\.(XSHG|XSHE|BJSE)", str(c))]
        if bad:
            fr = stocks[stocks["code"] == bad[0]].iloc[0]
            raise DataValidationError(fr["_file"], int(fr["_row"]), "code", f"not a JoinQuant code: {bad[0]!r}")
        if codes is None:
            notes += _check_calendar(pd.DatetimeIndex(stocks["date"].unique()), cal, "xbx stock files")
    # ---- ETFs
    etf_file = src / "etf" / "tdx_etf_daily.parquet"
    etfs = pd.DataFrame(columns=list(RAW_COLUMNS))
    if etf_file.exists():
        m = ColumnMapping(money="amount", pre_close="pre_close", code_format="jq")
        etfs = pd.concat(_read_real_bars([etf_file], m, cal, start, end, codes, say), ignore_index=True)
    # ---- indexes
    idx_file = src / "index" / "qlib_index_daily.parquet"
    idxs = pd.DataFrame(columns=list(RAW_COLUMNS))
    if idx_file.exists():
        say(f"reading {idx_file.name}")
        ix = read_source(idx_file, required=["date", "code", "open", "high", "low", "close", "volume"])
        ix["_row"] = np.arange(len(ix))
        ix["date"] = pd.to_datetime(ix["date"])
        ix = ix.sort_values(["code", "date"], kind="stable")
        # qlib float32 OHLC: make high/low contain open/close
        o, h, l_, c = (ix[k].astype(np.float64).round(3).to_numpy() for k in ("open", "high", "low", "close"))
        ix["high"] = np.maximum.reduce([o, h, l_, c])
        ix["low"] = np.minimum.reduce([o, h, l_, c])
        ix["open"], ix["close"] = o, c
        prev = ix.groupby("code")["close"].shift(1)
        ix["pre_close"] = prev
        ix["money"] = 0.0
        ix["volume"] = pd.to_numeric(ix["volume"], errors="coerce").fillna(0.0).astype(np.float64)
        sel = (ix["date"] >= start) & (ix["date"] <= end)
        if codes is not None:
            sel &= ix["code"].isin(codes)
        ix = ix[sel]
        bad = ~ix["date"].isin(cal)
        if bad.any():
            raise DataValidationError(str(idx_file), int(ix["_row"][bad].iloc[0]), "date",
                                      "date is not an XSHG trading day")
        for k in ("name", "factor", "high_limit", "low_limit"):
            ix[k] = np.nan if k != "name" else None
        ix["paused"] = np.int8(0)
        ix["is_st"] = np.int8(-1)
        ix["_file"] = str(idx_file)
        idxs = ix[list(RAW_COLUMNS) + ["_file"]]
    raw = _concat_raw([stocks, etfs, idxs])
    # the stock rows now live in ``raw`` (a copy): drop the 5.7 M-row frame and hand the
    # read's free memory back before the listing ranges and densify, the import's peak
    del stocks
    release_free_memory()
    if raw.empty:
        raise DataValidationError(str(src), None, None, "no rows in the requested span/codes")

    # ---- listing ranges -> spans, securities
    say("listing ranges")
    lst_file = src / "constituents" / "qlib_all_listing_ranges_2005_2025.parquet"
    g = _date_range_by_code(raw)
    idx_set, etf_set = set(idxs["code"]), set(etfs["code"])
    types = pd.Series({c: ("index" if c in idx_set else "etf" if c in etf_set else "stock")
                       for c in g.index})
    spans = pd.DataFrame({"first": g["min"], "last": g["max"]})
    end_date = pd.Series(pd.NaT, index=g.index, dtype="datetime64[ns]")
    start_date = g["min"].copy()
    if lst_file.exists():
        L = read_source(lst_file, required=["code", "start_date", "end_date"])
        L = L.assign(start_date=pd.to_datetime(L["start_date"]), end_date=pd.to_datetime(L["end_date"]))
        L = L.drop_duplicates("code", keep="last").set_index("code")
        L_end_max = L["end_date"].max()
        Ls, Le = L["start_date"].reindex(g.index), L["end_date"].reindex(g.index)
        is_stock = (types == "stock").reindex(g.index).to_numpy()
        # listed before the store starts but first row later: suspended from the store's first day
        lead = is_stock & (Ls < start).to_numpy() & (g["min"] > start).to_numpy()
        spans.loc[lead, "first"] = start
        start_date[is_stock & (Ls < g["min"]).to_numpy() & (Ls < start).to_numpy()] = Ls
        # listed after the last row: suspended until delisting (or the store's end)
        trail = is_stock & (Le > g["max"]).to_numpy()
        spans.loc[trail, "last"] = Le[trail].clip(upper=end)
        delisted = is_stock & (Le < L_end_max).to_numpy() & (Le <= end).to_numpy() & (Le >= g["max"]).to_numpy()
        end_date[delisted] = Le[delisted]
        ended = (~delisted) & (g["max"] < cal[-1]).to_numpy() & ~trail
        end_date[ended] = g["max"][ended]
    else:
        ended = (g["max"] < cal[-1]).to_numpy()
        end_date[ended] = g["max"][ended]
    end_date = end_date.fillna(FAR_FUTURE)
    disp = {**INDEX_NAMES, **ETF_NAMES}
    securities = pd.DataFrame({"code": g.index, "type": types.reindex(g.index).to_numpy(),
                               "start_date": start_date.to_numpy(), "end_date": end_date.to_numpy()})
    dn = securities["code"].map(disp)
    securities["display_name"] = dn
    securities = securities.astype({"display_name": object})
    securities.loc[dn.isna().to_numpy(), "display_name"] = None
    sec_in = securities.drop(columns=["display_name"])
    sec_in["display_name"] = dn.to_numpy(object)
    # IPO days inside the store: listing start == first row (stocks only)
    ipo = None
    if lst_file.exists():
        Ls = L["start_date"].reindex(g.index)
        is_ipo = (types == "stock").to_numpy() & (Ls >= start).to_numpy() & (Ls == g["min"]).to_numpy()
        is_ipo &= ~((g.index.str.endswith("BJSE")) & (g["min"] == BSE_OPENING_DATE).to_numpy())
        ipo = g["min"][is_ipo]

    file_label = {"bars_daily": f"{src}/daily/xbx/xbx_stock_daily_*.parquet | {etf_file} | {idx_file} "
                                "(row = 0-based row in its own file)"}
    row_file = raw["_file"].astype("category").array
    row_code, row_date = raw["code"].to_numpy(object), raw["date"].to_numpy("datetime64[ns]")

    def file_of_row(code, date):      # only called to label an error: a scan is fine
        hit = np.flatnonzero((row_date == pd.Timestamp(date).to_datetime64()) & (row_code == code))
        return str(row_file[hit[0]]) if len(hit) else str(src)
    holder = [raw.drop(columns=["_file"])]
    del raw, etfs, idxs
    store_codes = g.index.to_numpy(object)

    def on_dense() -> None:
        release_free_memory()      # the raw rows are gone
        if fundamentals and (src / "fundamentals").is_dir():
            # the store's codes are those of the bar rows, its days the calendar: the
            # fundamentals can be built now, beside the derivations and the bars' writing
            # (started here, not earlier: the raw rows and the dense bars together are the
            # import's largest memory)
            jobs.append(_FundamentalsJob(src, Path(out_path), store_codes, cal, say,
                                         xbx_parts=list(xbx_parts) if xbx_parts else None))
        xbx_parts.clear()
    tables, stats = _build_store_tables(holder, cal, securities=sec_in, spans=spans, ipo_dates=ipo,
                                        progress=say, source=file_of_row, on_dense=on_dense,
                                        categorical_code=True)
    release_free_memory()

    # ---- index memberships
    say("index memberships")
    master = tables["securities"]
    stock_m = master[master["type"] == "stock"]
    known = set(stock_m["code"])
    parts = []
    for key, icode in MEMBER_FILES.items():
        f = src / "constituents" / f"qlib_{key}_2005_2025.parquet"
        if not f.exists():
            continue
        mm = read_source(f, required=["code", "start_date", "end_date"])
        mm = mm.assign(start_date=pd.to_datetime(mm["start_date"]), end_date=pd.to_datetime(mm["end_date"]))
        emax = mm["end_date"].max()
        mm = mm[(mm["end_date"] >= start) & (mm["start_date"] <= end) & mm["code"].isin(known)]
        mm = mm.assign(index_code=icode,
                       end_date=mm["end_date"].where(mm["end_date"] < emax, FAR_FUTURE))
        parts.append(merge_intervals(mm[["index_code", "code", "start_date", "end_date"]]))
    sd = pd.to_datetime(stock_m["start_date"])
    sc = stock_m["code"].astype(str)
    derived = {
        "000001.XSHG": sc.str.endswith("XSHG"),
        "399106.XSHE": sc.str.endswith("XSHE"),
        "399101.XSHE": sc.str.match(r"^00[23]\d{3}\.XSHE$"),
        "399102.XSHE": sc.str.match(r"^30[01]\d{3}\.XSHE$"),
        "000985.XSHG": ~sc.str.endswith("BJSE"),
    }
    for icode, sel in derived.items():
        sub = stock_m[sel.to_numpy()]
        parts.append(pd.DataFrame({"index_code": icode, "code": sub["code"].to_numpy(),
                                   "start_date": np.maximum(sd[sel.to_numpy()].to_numpy(), start.to_datetime64()),
                                   "end_date": pd.to_datetime(sub["end_date"]).to_numpy()}))
    if parts:
        tables["index_members"] = pd.concat(parts, ignore_index=True)
    n_members = 0 if not parts else len(tables["index_members"])
    # ---- Shenwan industry history and CSI 500 weights (jqlite.data.reference)
    say("industries and index weights")
    from ..reference import read_real_reference
    tables.update(read_real_reference(src, codes=set(master["code"]), calendar=cal))
    say(f"writing store {out_path}: {stats['bars']:,} bar rows ({stats['inserted_paused']:,} inserted paused), "
        f"{stats['securities']} securities, {n_members:,} membership intervals")
    def post(tmp: Path) -> None:
        release_free_memory()      # the written tables are gone
        for job in jobs:
            job.install(tmp)
        if post_write is not None:
            post_write(tmp)
    out = write_store(out_path, tables, name="jqlite-real-ashare", source=f"{src} (see SOURCES.md)",
                      sources=file_label, progress=say, post_write=post, release_tables=True)
    stats["index_members"] = n_members
    stats["seconds"] = round(time.perf_counter() - t0, 1)
    say("done: " + ", ".join(f"{k}={v}" for k, v in stats.items()))
    import_real_data.last_stats = stats  # type: ignore[attr-defined]
    return out
