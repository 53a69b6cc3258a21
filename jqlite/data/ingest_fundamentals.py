"""Import the real fundamentals found under ``/work/shared/data/real`` into a store.

Sources (see that folder's SOURCES.md, section "fundamentals/") and their JoinQuant mapping
-- the unavailable columns are listed in ``docs/fundamentals.md``:

* ``daily/xbx/xbx_stock_daily_*.parquet`` (every A share, 2015-2022): total_shares /
  float_shares and close -> valuation.capitalization / circulating_cap (万股),
  market_cap / circulating_market_cap (亿元), turnover_ratio (volume / float shares, %).
* ``fundamentals/baostock_daily_valuation_byz670_2014_2022.parquet`` (669 CSI300/500 stocks):
  peTTM -> pe_ratio, pbMRQ -> pb_ratio, psTTM -> ps_ratio, pcfNcfTTM -> pcf_ratio (TTM net
  increase in cash, JoinQuant's pcf definition), turn -> turnover_ratio (preferred over xbx).
* ``fundamentals/baostock_profit_data_byz670.parquet`` (+ growth; with pubDate): netProfit
  (YTD, yuan) -> income.net_profit; netProfit / npMargin -> income.total_operating_revenue
  and operating_revenue (YTD; approximate: baostock's margin base is 营业收入);
  indicator.roe (single quarter, %) = difference of the YTD roeAvg, net_profit_margin and
  gross_profit_margin (single quarter, %) from the derived single-quarter items,
  inc_net_profit_year_on_year / inc_net_profit_annual, inc_(total_)revenue_year_on_year /
  _annual (single quarter, %); eps = single-quarter netProfit / totalShare (approximate: the
  numerator includes minority interests).
* ``fundamentals/tushare_old_report_2014_2016.parquet`` (full market, 2014Q1-2016Q2) for
  stocks baostock lacks: net_profits (万元, YTD, parent) -> income.np_parent_company_owners,
  eps -> income.basic_eps (YTD); pubDate = ann_date_derived.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from . import fundamentals as F
from .ingest import read_source


def _root(src_dir) -> Path:
    p = Path(src_dir)
    if (p / "fundamentals").is_dir():
        return p
    if p.name == "fundamentals":
        return p.parent
    from ..errors import DataValidationError
    raise DataValidationError(str(p), None, None, "no fundamentals/ folder (expected the real-data root)")


def _single(df: pd.DataFrame, col: str) -> pd.Series:
    """Single-quarter values from YTD ``col`` (df sorted by code, statDate)."""
    sd = pd.to_datetime(df["statDate"])
    prev = df.groupby("code")[col].shift(1)
    prev_sd = sd.groupby(df["code"]).shift(1)
    q1 = sd.dt.month == 3
    consecutive = (sd.dt.year == prev_sd.dt.year) & (sd.dt.quarter == prev_sd.dt.quarter + 1)
    return pd.Series(np.where(q1, df[col], np.where(consecutive, df[col] - prev, np.nan)), index=df.index)


#: Columns of the xbx stock files the valuation is built from (:func:`_real_valuation`).
XBX_VALUATION_COLUMNS = ["date", "code", "close", "volume", "float_shares", "total_shares"]


def xbx_stock_files(root) -> list[Path]:
    """The xbx stock files the valuation reads: ``daily/xbx/xbx_stock_daily_*.parquet`` in name order."""
    return sorted((Path(root) / "daily" / "xbx").glob("xbx_stock_daily_*.parquet"))


def read_real_fundamentals(src_dir, codes=None, days=None, xbx_parts=None) -> dict[str, pd.DataFrame]:
    """Map the real sources to JoinQuant-named tables (not yet filtered to a store).

    ``xbx_parts``: the tables of :func:`xbx_stock_files` with :data:`XBX_VALUATION_COLUMNS`,
    already read (the whole-market import reads the stock files once for the bars and the
    valuation); default: read here.
    """
    root = _root(src_dir)
    fd = root / "fundamentals"
    want = set(codes) if codes is not None else None
    filt = (lambda d: d[d["code"].isin(want)]) if want is not None else (lambda d: d)
    # ---- statements from baostock profit data
    prof = filt(read_source(fd / "baostock_profit_data_byz670.parquet",
                            required=["code", "pubDate", "statDate", "netProfit", "npMargin", "gpMargin", "roeAvg"]))
    prof = prof.dropna(subset=["pubDate", "statDate"])
    prof["statDate"] = pd.to_datetime(prof["statDate"])
    prof["pubDate"] = pd.to_datetime(prof["pubDate"])
    prof = prof[prof["pubDate"] >= prof["statDate"]]
    prof = prof.sort_values(["code", "statDate"]).drop_duplicates(["code", "statDate"]).reset_index(drop=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        rev = np.where(prof["npMargin"].abs() > 1e-9, prof["netProfit"] / prof["npMargin"], np.nan)
    prof["rev_ytd"] = rev
    prof["gp_ytd"] = prof["gpMargin"] * prof["rev_ytd"]
    prof["roe_ytd"] = prof["roeAvg"] * 100.0
    inc = pd.DataFrame({"code": prof["code"], "statDate": prof["statDate"], "pubDate": prof["pubDate"],
                        "net_profit": prof["netProfit"], "total_operating_revenue": prof["rev_ytd"],
                        "operating_revenue": prof["rev_ytd"]})
    np_q = _single(prof, "netProfit")
    rev_q = _single(prof, "rev_ytd")
    gp_q = _single(prof, "gp_ytd")
    roe_q = _single(prof, "roe_ytd")
    with np.errstate(divide="ignore", invalid="ignore"):
        ind = pd.DataFrame({"code": prof["code"], "statDate": prof["statDate"], "pubDate": prof["pubDate"],
                            "roe": roe_q, "net_profit_margin": np_q / rev_q * 100.0,
                            "gross_profit_margin": gp_q / rev_q * 100.0})
        g = pd.DataFrame({"code": prof["code"], "sd": prof["statDate"], "v": np_q})
        q_ord = F.quarter_number(g["sd"])
        key = pd.Series(np_q.to_numpy(), index=pd.MultiIndex.from_arrays([g["code"], q_ord]))
        lag4 = key.reindex(pd.MultiIndex.from_arrays([g["code"], q_ord - 4])).to_numpy()
        lag1 = key.reindex(pd.MultiIndex.from_arrays([g["code"], q_ord - 1])).to_numpy()
        ind["inc_net_profit_year_on_year"] = (np_q.to_numpy() - lag4) / np.abs(lag4) * 100.0
        ind["inc_net_profit_annual"] = (np_q.to_numpy() - lag1) / np.abs(lag1) * 100.0
        # revenue growth (single quarter, %), same rule on the derived single-quarter revenue
        rkey = pd.Series(rev_q.to_numpy(), index=pd.MultiIndex.from_arrays([g["code"], q_ord]))
        r4 = rkey.reindex(pd.MultiIndex.from_arrays([g["code"], q_ord - 4])).to_numpy()
        r1 = rkey.reindex(pd.MultiIndex.from_arrays([g["code"], q_ord - 1])).to_numpy()
        for nm in ("total_revenue", "revenue"):
            ind[f"inc_{nm}_year_on_year"] = (rev_q.to_numpy() - r4) / np.abs(r4) * 100.0
            ind[f"inc_{nm}_annual"] = (rev_q.to_numpy() - r1) / np.abs(r1) * 100.0
        # eps (单季净利润 / 期末股本): baostock's netProfit is 净利润 (with minority interests),
        # JoinQuant's numerator is the parent's share -- close for most companies (approximate)
        ind["eps"] = np_q.to_numpy() / prof["totalShare"].to_numpy()
    # ---- tushare old report data for stocks baostock does not cover
    rep = filt(read_source(fd / "tushare_old_report_2014_2016.parquet",
                           required=["code", "end_date", "ann_date_derived", "net_profits", "eps"]))
    rep = rep[~rep["code"].isin(set(prof["code"]))].copy()
    rep["statDate"] = pd.to_datetime(rep["end_date"])
    rep["pubDate"] = pd.to_datetime(rep["ann_date_derived"], errors="coerce")
    rep = rep.dropna(subset=["pubDate"])
    rep = rep[rep["pubDate"] >= rep["statDate"]].drop_duplicates(["code", "statDate"])
    ts = pd.DataFrame({"code": rep["code"], "statDate": rep["statDate"], "pubDate": rep["pubDate"],
                       "np_parent_company_owners": rep["net_profits"] * 1e4, "basic_eps": rep["eps"]})
    inc = pd.concat([inc, ts], ignore_index=True)
    # ---- valuation: xbx shares + baostock ratios
    val = _real_valuation(root, want, days, parts=xbx_parts)
    return {"income": inc, "indicator": ind, "valuation": val}


def _real_valuation(root: Path, want: set | None, days, parts: list | None = None) -> pd.DataFrame:
    """valuation rows from the xbx shares (every stock) and baostock's ratios (669 stocks).

    Read column-wise with pyarrow (codes dictionary-coded) and joined on integer (code, day)
    keys: 5.7 M rows, no Python object per row.  Rows come out sorted by (code, day), the
    order the writer stores them in, ``code`` as a categorical; the values are those of a
    left join of the xbx rows with baostock's on (day, code), baostock's ``turn`` replacing
    xbx's turnover where present.  The first xbx row of a repeated (code, day) is kept (the
    files in name order, rows in file order).  ``parts``: those files' tables (columns
    :data:`XBX_VALUATION_COLUMNS`, ``code`` plain or dictionary-coded strings) when the
    caller read them already; the list is emptied here (the tables are freed once used).
    """
    from .formats.arrow_io import codes_of, dates_of, floats_of, read_parquet_table
    xcols = XBX_VALUATION_COLUMNS
    if parts is None:
        parts = [read_parquet_table(fp, xcols, xcols, dictionary=["code"]).select(xcols)
                 for fp in xbx_stock_files(root)]
    else:
        given, parts = parts, [t.select(xcols) for t in parts]
        given.clear()            # the caller's list: nothing else keeps the tables alive
    out_cols = ["day", "code", "capitalization", "circulating_cap", "market_cap", "circulating_market_cap",
                "turnover_ratio", "pe_ratio", "pb_ratio", "ps_ratio", "pcf_ratio"]
    if not parts:
        return pd.DataFrame({c: [] for c in out_cols})
    bv = read_parquet_table(root / "fundamentals" / "baostock_daily_valuation_byz670_2014_2022.parquet",
                            required=["date", "code", "peTTM", "pbMRQ", "psTTM", "pcfNcfTTM", "turn"],
                            dictionary=["code"])
    bi, bu = codes_of(bv.column("code"))
    pcodes = [codes_of(t.column("code")) for t in parts]
    # one vocabulary, sorted: code rank then day gives the (code, day) order
    vocab = np.unique(np.concatenate([u for _, u in pcodes] + [bu]).astype(object))
    day_ns = None if days is None else np.unique(np.asarray(pd.DatetimeIndex(days), dtype="datetime64[ns]"))
    span = np.int64(1 << 32)
    keys, poss, ranks, dates = [], [], [], []
    off = 0
    for t, (ci, cu) in zip(parts, pcodes):
        keep = ci >= 0
        if want is not None:
            keep &= pd.Index(cu).isin(want)[np.maximum(ci, 0)]
        xd = dates_of(t.column("date"))
        if day_ns is not None:
            j = np.minimum(np.searchsorted(day_ns, xd), max(len(day_ns) - 1, 0))
            keep &= (day_ns[j] == xd) if len(day_ns) else False
        sel = np.flatnonzero(keep)
        r = np.searchsorted(vocab, cu).astype(np.int64)[np.maximum(ci, 0)[sel]]
        keys.append(r * span + xd[sel].astype("datetime64[D]").astype(np.int64))
        poss.append(sel + off)
        ranks.append(r.astype(np.int32))
        dates.append(xd[sel])
        off += t.num_rows
    xkey = np.concatenate(keys)
    del keys
    order = np.argsort(xkey, kind="stable")  # == lexsort((day, code rank)): the first of a duplicate stays first
    xkey = xkey[order]
    rows = np.concatenate(poss)[order]
    del poss
    first = np.ones(len(rows), bool)
    first[1:] = xkey[1:] != xkey[:-1]
    order = order[first]
    rows, xkey = rows[first], xkey[first]
    day = np.concatenate(dates)[order]
    rank = np.concatenate(ranks)[order]
    del first, order, dates, ranks

    def xcol(name: str) -> np.ndarray:
        return np.concatenate([floats_of(t.column(name)) for t in parts])[rows]
    close = xcol("close") / 100.0
    tot, flo = xcol("total_shares"), xcol("float_shares")
    with np.errstate(divide="ignore", invalid="ignore"):
        cols = {"day": day,
                "code": pd.Categorical.from_codes(rank, categories=pd.Index(vocab, dtype=object)),
                "capitalization": tot / 1e4, "circulating_cap": flo / 1e4,
                "market_cap": close * tot / 1e8, "circulating_market_cap": close * flo / 1e8}
        del close, tot
        cols["turnover_ratio"] = xcol("volume") / flo * 100.0
    del flo, parts, rows
    # baostock ratios: first baostock row of each (code, day), looked up by integer key
    bok = bi >= 0
    if want is not None:
        bok &= pd.Index(bu).isin(want)[np.maximum(bi, 0)]
    bsel = np.flatnonzero(bok)
    bkey = np.searchsorted(vocab, bu)[np.maximum(bi, 0)][bsel].astype(np.int64) * span + \
        dates_of(bv.column("date"))[bsel].astype("datetime64[D]").astype(np.int64)
    border = np.argsort(bkey, kind="stable")
    sk = bkey[border]
    j = np.searchsorted(sk, xkey)
    hit = (j < len(sk))
    hit[hit] = sk[j[hit]] == xkey[hit]
    src = np.where(hit, bsel[border[np.minimum(j, max(len(sk) - 1, 0))]] if len(sk) else 0, -1)
    del j, hit, xkey

    def take(name: str) -> np.ndarray:
        v = floats_of(bv.column(name))
        return np.where(src >= 0, v[np.maximum(src, 0)] if len(v) else np.nan, np.nan)
    turn = take("turn")
    cols["turnover_ratio"] = np.where(~np.isnan(turn), turn, cols["turnover_ratio"])
    del turn
    for k, srcname in (("pe_ratio", "peTTM"), ("pb_ratio", "pbMRQ"), ("ps_ratio", "psTTM"),
                       ("pcf_ratio", "pcfNcfTTM")):
        cols[k] = take(srcname)
    return pd.DataFrame({c: cols[c] for c in out_cols}, copy=False)


def real_fundamentals_for(src_dir, codes, days, xbx_parts=None) -> dict[str, pd.DataFrame]:
    """:func:`read_real_fundamentals` kept to a store's ``codes`` (sorted JoinQuant codes)
    and trading ``days`` (a DatetimeIndex): the tables :func:`import_real_fundamentals`
    writes.  ``xbx_parts``: see :func:`read_real_fundamentals`."""
    tables = read_real_fundamentals(src_dir, codes=list(codes), days=days, xbx_parts=xbx_parts)
    val = tables["valuation"]
    on_cal = val["day"].isin(days).to_numpy()
    if not on_cal.all():
        tables["valuation"] = val[on_cal]
    return tables


def stage_real_fundamentals(src_dir, target, codes, days, xbx_parts=None) -> Path:
    """Write the real fundamentals of a store-to-be (its ``codes`` and trading ``days``) as
    a fundamentals folder ``target`` (which must not exist), without the store itself.

    The whole-market import runs this on a second thread while the bars are derived and
    written, then moves ``target`` into the new store; the files are those
    :func:`import_real_fundamentals` writes into a store with the same codes and days.
    ``xbx_parts``: the stock files' valuation columns when already read (see
    :func:`read_real_fundamentals`).
    """
    tables = real_fundamentals_for(src_dir, codes, days, xbx_parts=xbx_parts)
    return F.write_fundamentals_dir(target, tables, codes=codes, calendar=days)


def import_real_fundamentals(src_dir, store_path) -> Path:
    """Read the real fundamentals under ``src_dir`` (the real-data root or its
    ``fundamentals/`` folder), keep the store's codes and trading days, and write them into
    ``store_path/fundamentals`` with :func:`jqlite.data.fundamentals.write_fundamentals`."""
    from .store import Store
    st = Store(store_path)
    tables = real_fundamentals_for(src_dir, st.codes, st.dates)
    return F.write_fundamentals(store_path, tables)
