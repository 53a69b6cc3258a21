"""Map source valuation, industry and intraday data to jqlite's layouts.

Used by ``jqlite data pull --what valuation,industries,minute`` (``docs/data-pull.md`` lists
every mapping).  As for statements (:mod:`.fundamentals_map`) only columns whose meaning is
**exactly** JoinQuant's are mapped.

Valuation units (JoinQuant's ``valuation`` table, spec ``jq_data_api.md`` §8.3 and
``jqdatasdk/api.py`` ``get_valuation``'s docstring): ``market_cap`` / ``circulating_market_cap``
亿元 (1e8 yuan), ``capitalization`` / ``circulating_cap`` 万股 (1e4 shares), ``turnover_ratio``
percent, ``pe_ratio`` (TTM), ``pe_ratio_lyr``, ``pb_ratio``, ``ps_ratio`` (TTM), ``pcf_ratio``
(市值 / 现金及现金等价物净增加额 TTM) plain ratios.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..ingest import normalize_codes

FAR = pd.Timestamp("2200-01-01")

# ------------------------------------------------------------------ valuation
#: tushare ``daily_basic`` (doc_id=32) -> JoinQuant valuation: (column, multiplier).
#: ``total_mv``/``circ_mv`` are 万元 (1e4 yuan) -> 亿元 (1e8): / 1e4; ``total_share`` /
#: ``float_share`` are 万股 like JoinQuant's; ``turnover_rate`` (成交量 / 流通股本, %) is
#: JoinQuant's ``turnover_ratio``; ``pe`` (总市值 / 上年净利润) is the static PE
#: ``pe_ratio_lyr``; ``pe_ttm``, ``pb``, ``ps_ttm`` the TTM / MRQ ratios.
TS_DAILY_BASIC = {
    "total_mv": ("market_cap", 1e-4), "circ_mv": ("circulating_market_cap", 1e-4),
    "total_share": ("capitalization", 1.0), "float_share": ("circulating_cap", 1.0),
    "turnover_rate": ("turnover_ratio", 1.0), "pe_ttm": ("pe_ratio", 1.0), "pe": ("pe_ratio_lyr", 1.0),
    "pb": ("pb_ratio", 1.0), "ps_ttm": ("ps_ratio", 1.0),
}
#: baostock ``query_history_k_data_plus`` daily valuation fields (strings) -> JoinQuant:
#: ``turn`` is percent (baostock's documentation: 换手率, 单位 %), ``peTTM`` / ``pbMRQ`` /
#: ``psTTM`` / ``pcfNcfTTM`` (市现率 on 现金净流量 TTM) are plain ratios.  baostock has no
#: market cap or share counts.
BS_VALUATION = {
    "turn": ("turnover_ratio", 1.0), "peTTM": ("pe_ratio", 1.0), "pbMRQ": ("pb_ratio", 1.0),
    "psTTM": ("ps_ratio", 1.0), "pcfNcfTTM": ("pcf_ratio", 1.0),
}
#: jqdatasdk ``get_valuation`` fields (already JoinQuant's columns and units).
JQ_VALUATION = ("capitalization", "circulating_cap", "market_cap", "circulating_market_cap", "turnover_ratio",
                "pe_ratio", "pe_ratio_lyr", "pb_ratio", "ps_ratio", "pcf_ratio", "pcf_ratio2")


def map_valuation(df: pd.DataFrame | None, mapping: dict, *, code_col: str, day_col: str, label: str,
                  date_format: str | None = None) -> pd.DataFrame:
    """Rename and rescale one source's daily valuation rows to JoinQuant's valuation table.

    Parameters
    ----------
    df : pandas.DataFrame or None
        Source rows (strings or numbers; ``''``/None = no value).
    mapping : dict
        Source column -> (JoinQuant column, multiplier).
    code_col, day_col : str
        The source's code and trade-date columns.
    label : str
        Names the source call in error messages.
    date_format : str, optional
        ``'%Y%m%d'`` for tushare; None parses ISO dates.

    Returns
    -------
    pandas.DataFrame
        ``day`` (datetime64), ``code`` and the mapped columns present (float64), one row per
        (code, day) (the last one when the source repeats a day).
    """
    cols = {"day": pd.Series(dtype="datetime64[ns]"), "code": pd.Series(dtype=object)}
    if df is None or len(df) == 0:
        return pd.DataFrame(cols)
    out = pd.DataFrame({"day": pd.to_datetime(df[day_col].replace("", None), format=date_format,
                                              errors="coerce").to_numpy(),
                        "code": normalize_codes(df[code_col].to_numpy(), file=label)})
    for src, (dst, mult) in mapping.items():
        if src in df.columns:
            out[dst] = pd.to_numeric(df[src].replace("", None), errors="coerce").astype(float).to_numpy() * mult
    out = out.dropna(subset=["day"])
    return out.drop_duplicates(["code", "day"], keep="last").reset_index(drop=True)


# ------------------------------------------------------------------ intraday
def fold_to_jq_labels(df: pd.DataFrame) -> pd.DataFrame:
    """Fold 1-minute bars a source stamps outside JoinQuant's 240 labels into JoinQuant's bars.

    JoinQuant's 09:31 bar covers 09:30:00-09:30:59 and opens at the 09:25 call-auction price;
    its 13:01 bar covers 13:00:00-13:00:59.  Sources that give the auction (or the first
    instant of a session) a row of its own -- akshare's 09:30 row, tushare ``stk_mins``'s
    241st bar -- have it added to the next bar: a row stamped at or before 09:30 goes into
    09:31, one stamped after 11:30 and at or before 13:00 into 13:01 (open of the earliest
    row, close of the latest, high max, low min, volume and money summed).

    Parameters
    ----------
    df : pandas.DataFrame
        ``code, time`` (datetime64, bar end) and ``open close high low volume money``.

    Returns
    -------
    pandas.DataFrame
        The same columns, one row per (code, JoinQuant label), sorted.
    """
    if df.empty:
        return df
    t = pd.to_datetime(df["time"])
    m = (t - t.dt.normalize()).dt.total_seconds() / 60.0
    day = t.dt.normalize()
    label = t.where(~(m <= 9 * 60 + 30), day + pd.Timedelta(9 * 60 + 31, unit="min"))
    label = label.where(~((m > 11 * 60 + 30) & (m <= 13 * 60)), day + pd.Timedelta(13 * 60 + 1, unit="min"))
    x = df.assign(_t=t, time=label).sort_values(["code", "time", "_t"], kind="stable")
    out = x.groupby(["code", "time"], sort=True).agg(open=("open", "first"), close=("close", "last"),
                                                     high=("high", "max"), low=("low", "min"),
                                                     volume=("volume", "sum"), money=("money", "sum"))
    return out.reset_index()[["code", "time", "open", "close", "high", "low", "volume", "money"]]


# ------------------------------------------------------------------ industries
_ZJW_RE = re.compile(r"^([A-S]\d\d)(.*)$")


def zjw_of(industry: str) -> tuple[str | None, str | None]:
    """baostock ``industry`` ``'J66货币金融服务'`` -> (``'J66'``, ``'货币金融服务'``); (None, None)
    when it is empty or not a CSRC 2012 division code."""
    m = _ZJW_RE.match(str(industry or "").strip())
    if not m:
        return None, None
    return m.group(1), m.group(2).strip() or None


def snapshots_to_intervals(snaps: pd.DataFrame, days=None) -> pd.DataFrame:
    """Industry snapshots -> point-in-time membership intervals.

    Parameters
    ----------
    snaps : pandas.DataFrame
        ``scheme, industry_code, code, date, name``: the industry of ``code`` in ``scheme`` on
        snapshot day ``date``.
    days : list of date-like, optional
        Every snapshot day asked (default: the days present in ``snaps``, per scheme); a code
        missing from a day's answer is no member from that day.

    Returns
    -------
    pandas.DataFrame
        ``scheme, industry_code, code, start_date, end_date, name``.  A snapshot's answer
        holds from its day to the day before the scheme's next snapshot; the last one until
        further notice (2200-01-01).  A code absent from a snapshot (not listed then) is no
        member that day; consecutive snapshots with the same industry merge into one interval,
        whose name is the latest.
    """
    cols = ["scheme", "industry_code", "code", "start_date", "end_date", "name"]
    if snaps is None or snaps.empty:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c.endswith("_date") else object)
                             for c in cols})
    s = snaps.copy()
    s["date"] = pd.to_datetime(s["date"])
    parts = []
    for scheme, g in s.groupby("scheme", sort=True):
        days_ = np.sort(g["date"].unique()) if days is None else \
            np.sort(pd.DatetimeIndex(pd.to_datetime(list(days))).unique().to_numpy())
        nxt = pd.Series(list(pd.DatetimeIndex(days_[1:]) - pd.Timedelta(1, unit="D")) + [FAR], index=pd.DatetimeIndex(days_))
        g = g.sort_values(["code", "date"], kind="stable").reset_index(drop=True)
        g["end_date"] = nxt.reindex(g["date"]).to_numpy()
        # the row continues the previous one: same code and industry, previous snapshot day
        prev_day = pd.Series(np.r_[[np.datetime64("NaT")], days_[:-1]], index=pd.DatetimeIndex(days_))
        cont = (g["code"].eq(g["code"].shift()) & g["industry_code"].eq(g["industry_code"].shift())
                & g["date"].map(prev_day).eq(g["date"].shift())).to_numpy()
        gid = np.cumsum(~cont)
        agg = g.groupby(gid).agg(industry_code=("industry_code", "first"), code=("code", "first"),
                                 start_date=("date", "min"), end_date=("end_date", "max"), name=("name", "last"))
        agg.insert(0, "scheme", scheme)
        parts.append(agg)
    return pd.concat(parts, ignore_index=True)[cols]


def merge_members(old: pd.DataFrame | None, new: pd.DataFrame) -> pd.DataFrame:
    """Combine an older store's industry intervals with newly pulled ones (``update``).

    For each (scheme, code) the new pull has, it supersedes the old rows from its own first
    day on (old rows starting then or later are dropped, one running over it is cut the day
    before); a code of a scheme the new pull answers but leaves out (delisted, declassified)
    is cut the day before the scheme's first new day; back-to-back intervals of the same
    industry are merged.  Both frames:
    ``scheme, industry_code, code, start_date, end_date`` (+ optional ``name``).
    """
    if old is None or old.empty:
        return new.reset_index(drop=True)
    old = old.copy()
    for c in ("start_date", "end_date"):
        old[c] = pd.to_datetime(old[c])
    if new.empty:
        return old
    first = new.groupby(["scheme", "code"])["start_date"].min().rename("_first")
    since = new.groupby("scheme")["start_date"].min().rename("_since")
    old = old.join(first, on=["scheme", "code"]).join(since, on="scheme")
    # a code the new answer of a scheme leaves out is no member from the answer's first day
    old["_first"] = old["_first"].fillna(old["_since"])
    old = old.drop(columns="_since")
    f = old["_first"]
    keep = f.isna() | (old["start_date"] < f)
    old = old[keep.to_numpy()].copy()
    cut = old["_first"].notna() & (old["end_date"] >= old["_first"])
    old.loc[cut, "end_date"] = old.loc[cut, "_first"] - pd.Timedelta(1, unit="D")
    old = old.drop(columns="_first")
    both = pd.concat([old, new], ignore_index=True).sort_values(["scheme", "code", "start_date"], kind="stable")
    both = both.reset_index(drop=True)
    same = (both["scheme"].eq(both["scheme"].shift()) & both["code"].eq(both["code"].shift())
            & both["industry_code"].eq(both["industry_code"].shift())
            & (both["start_date"] - both["end_date"].shift()).dt.days.le(1)).to_numpy()
    gid = np.cumsum(~same)
    agg = {"scheme": ("scheme", "first"), "industry_code": ("industry_code", "first"), "code": ("code", "first"),
           "start_date": ("start_date", "min"), "end_date": ("end_date", "max")}
    if "name" in both.columns:
        agg["name"] = ("name", "last")
    return both.groupby(gid).agg(**agg).reset_index(drop=True)


def industries_table(members: pd.DataFrame, old_names: pd.DataFrame | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split intervals with names into the store's ``industry_members`` and ``industries``.

    ``industries``: one row per (scheme, industry_code, name) spanning the intervals that
    carried the name (a renamed industry gets one row per name; names of an older store not
    seen again are kept).
    """
    mem = members[["scheme", "industry_code", "code", "start_date", "end_date"]].copy()
    named = members[members["name"].notna()] if "name" in members.columns else members.iloc[:0]
    names = named.groupby(["scheme", "industry_code", "name"], sort=True).agg(
        start_date=("start_date", "min"), end_date=("end_date", "max")).reset_index()
    if old_names is not None and len(old_names):
        o = old_names.copy()
        for c in ("start_date", "end_date"):
            o[c] = pd.to_datetime(o[c])
        names = pd.concat([o, names], ignore_index=True).groupby(["scheme", "industry_code", "name"], sort=True).agg(
            start_date=("start_date", "min"), end_date=("end_date", "max")).reset_index()
    # a name kept from an older store spans at most its industry's members now: an industry
    # whose last member left is closed on update as a whole pull closes it
    if len(mem) and len(names):
        span = mem.groupby(["scheme", "industry_code"]).agg(last=("end_date", "max"))
        last = pd.to_datetime(pd.Series(list(zip(names["scheme"], names["industry_code"]))).map(
            span["last"].to_dict()))
        cap = last.notna().to_numpy() & (pd.to_datetime(names["end_date"]).to_numpy() > last.to_numpy())
        names.loc[cap, "end_date"] = last[cap].to_numpy()
    # an industry without any name: its code stands for the name
    have = set(zip(names["scheme"], names["industry_code"]))
    miss = mem.loc[[(s, c) not in have for s, c in zip(mem["scheme"], mem["industry_code"])]]
    if len(miss):
        extra = miss.groupby(["scheme", "industry_code"]).agg(start_date=("start_date", "min"),
                                                              end_date=("end_date", "max")).reset_index()
        extra["name"] = extra["industry_code"]
        names = pd.concat([names, extra], ignore_index=True)
    mem = mem.sort_values(["scheme", "industry_code", "code", "start_date"]).reset_index(drop=True)
    return mem, names[["scheme", "industry_code", "name", "start_date", "end_date"]].reset_index(drop=True)


def jq_style_sw_name(name: str, level: int) -> str:
    """Shenwan's name -> JoinQuant's style (``银行`` -> ``银行I``, ``林业Ⅱ`` -> ``林业II``)."""
    from ..reference import jq_style_name
    return jq_style_name(name, level)
