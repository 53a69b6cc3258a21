"""JoinQuant reference-data API: industries, concepts, index weights, money flow, billboard.

Point in time: every function answers "as of ``date``" from the interval tables of
:mod:`jqlite.data.reference` (default date: the simulated day inside a backtest, the store's
last day in research -- JoinQuant's "today").  What each function returns on the sample and
on the real store is listed in ``docs/fundamentals.md`` ("Reference data").

Sources: JoinQuant API manual (行业概念数据, get_index_weights, get_money_flow,
get_billboard_list; spec ``jq_data_api.md`` §6, §9), jqdatasdk ``api.py``.
"""

from __future__ import annotations

import datetime as _dt
import threading

import numpy as np
import pandas as pd

from ..data import schema
from ..errors import ParamsError
from . import _binding
from .fundamentals import _to_date
from ._binding import run_or_none

__all__ = [
    "get_industry", "get_industries", "get_industry_stocks", "get_concepts", "get_concept_stocks",
    "get_concept", "get_index_weights", "get_money_flow", "get_billboard_list", "get_mtss",
    "get_margincash_stocks", "get_marginsec_stocks",
    "get_future_contracts", "get_dominant_future", "get_futures_info",
]

INDUSTRY_SCHEMES = ("sw_l1", "sw_l2", "sw_l3", "jq_l1", "jq_l2", "zjw")
CONCEPT_SCHEME = "jq_concept"
_FAR_I8 = np.datetime64(schema.FAR_FUTURE, "D").astype(np.int64)


# ---------------------------------------------------------------------------- helpers
def _default_day(store) -> _dt.date:
    """JoinQuant's default: ``context.current_dt`` in a backtest, today in research (the
    store's last trading day here)."""
    run = run_or_none()
    if run is not None:
        return run.current_dt.date()
    return store.dates[-1].date()


_MEMO_LOCK = threading.RLock()


def memo(store, key, build):
    """Memoise a derived value on ``store`` (like ``Store.cached``, but re-entrant: the
    builders here call other cached store accessors, which would deadlock inside
    ``Store.cached``'s non-re-entrant lock)."""
    cache = store.__dict__.setdefault("_jqlite_reference_memo", {})
    if key in cache:
        return cache[key]
    with _MEMO_LOCK:
        if key not in cache:
            cache[key] = build()
        return cache[key]


def _as_of(func: str, store, date) -> _dt.date:
    """The query day: ``date`` or the default; with ``avoid_future_data`` on in a backtest a
    day after the simulated day raises FutureDataError (spec §10)."""
    if date is None:
        return _default_day(store)
    d = _to_date(date)
    run = run_or_none()
    if run is not None and getattr(run.settings, "avoid_future_data", False) and d > run.current_dt.date():
        from ..errors import FutureDataError
        raise FutureDataError(f"avoid_future_data=True时,{func}的date({d})不能大于当前日期({run.current_dt})")
    return d


def _i8(d: _dt.date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


class _Reference:
    """Interval tables of one store, indexed for fast point-in-time lookups."""

    def __init__(self, mem: pd.DataFrame, names: pd.DataFrame):
        mem = mem.sort_values(["code", "scheme", "start_date"], kind="stable").reset_index(drop=True)
        self.m_scheme = mem["scheme"].to_numpy().astype(str)
        self.m_ind = mem["industry_code"].to_numpy().astype(str)
        self.m_code = mem["code"].to_numpy().astype(str)
        self.m_s = mem["start_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
        self.m_e = mem["end_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
        # rows per code / per industry
        self.by_code: dict[str, np.ndarray] = {}
        for c, idx in pd.Series(np.arange(len(mem))).groupby(self.m_code).groups.items():
            self.by_code[str(c)] = np.asarray(idx)
        self.by_ind: dict[str, np.ndarray] = {}
        for c, idx in pd.Series(np.arange(len(mem))).groupby(self.m_ind).groups.items():
            self.by_ind[str(c)] = np.asarray(idx)
        names = names.sort_values(["scheme", "industry_code", "start_date"], kind="stable").reset_index(drop=True)
        self.names = names
        self.scheme_of: dict[str, str] = {}
        self.name_eras: dict[str, list] = {}
        for sch, ic, nm, s, e in zip(names["scheme"], names["industry_code"], names["name"],
                                     names["start_date"], names["end_date"]):
            self.scheme_of[str(ic)] = str(sch)
            self.name_eras.setdefault(str(ic), []).append(
                (np.datetime64(s, "D").astype(np.int64), np.datetime64(e, "D").astype(np.int64), str(nm)))
        for ic, sch in zip(self.m_ind, self.m_scheme):
            self.scheme_of.setdefault(ic, sch)
        self.schemes = sorted(set(self.m_scheme.tolist()) | set(names["scheme"].astype(str)))

    def name(self, ic: str, d: int) -> str:
        eras = self.name_eras.get(ic)
        if not eras:
            return ic
        for s, e, nm in eras:
            if s <= d <= e:
                return nm
        return eras[-1][2] if d > eras[-1][1] else eras[0][2]

    def members(self, ic: str, d: int) -> list[str]:
        idx = self.by_ind.get(ic)
        if idx is None:
            return []
        ok = (self.m_s[idx] <= d) & (self.m_e[idx] >= d)
        return sorted(set(self.m_code[idx[ok]].tolist()))


def _reference(store) -> _Reference:
    """The store's reference tables (cached on the store).  A sample store written before
    the tables existed gets them derived in memory from its ``sample_sectors.parquet``."""
    def build():
        mem, names = store.table("industry_members"), store.table("industries")
        if mem.empty and store.meta.get("name") == "sample" and (store.path / "sample_sectors.parquet").exists():
            from ..data.reference import sample_reference_tables
            from ..data.sample import sample_sectors
            t = sample_reference_tables(store.securities.reset_index(drop=True), sample_sectors(store.path))
            mem, names = t["industry_members"], t["industries"]
        return _Reference(mem, names)
    return memo(store, "reference_tables", build)


def _listed(store, codes: list[str], d: _dt.date) -> list[str]:
    """``codes`` listed on ``d`` (start_date <= d <= end_date), in the given order."""
    def build():
        sec = store.securities
        s = sec["start_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
        e = sec["end_date"].to_numpy().astype("datetime64[D]").astype(np.int64)
        return {str(c): (int(a), int(b)) for c, a, b in zip(sec["code"], s, e)}
    span = memo(store, "listing_spans", build)   # one dict lookup per code (was a .loc each: 0.4 s / call)
    di = _i8(d)
    return [c for c in codes if c in span and span[c][0] <= di <= span[c][1]]


def _codes(security) -> list[str]:
    codes = [security] if isinstance(security, str) else [str(c) for c in security]
    st = _binding.active_store()
    if st.synthesizes:       # sample market: synthesise every new valid code at once
        from ..data.on_demand import ensure
        ensure(st, codes)
    return codes


# ---------------------------------------------------------------------------- industries
def get_industry(security, date=None) -> dict:
    """Industries of one or more securities on ``date``.

    Parameters
    ----------
    security : str or list of str
        Security code(s).
    date : date-like, optional
        Default: the simulated day in a backtest, the store's last day in research.

    Returns
    -------
    dict
        ``{code: {scheme: {'industry_code': str, 'industry_name': str}}}`` with the schemes
        the store has for that code on that day (``sw_l1``, ``sw_l2``, ``sw_l3``, ``jq_l1``,
        ...); ``{code: {}}`` for a security without a classification that day (or unknown).
        Example: ``{'000001.XSHE': {'sw_l1': {'industry_code': '801780', 'industry_name': '银行I'}, ...}}``.

    Notes
    -----
    JoinQuant manual, 行业概念数据 / get_industry (spec §6).  Codes and names: see
    :mod:`jqlite.data.reference` (all codes are JoinQuant's: Shenwan index codes for sw_l1/l2/l3).
    """
    store = _binding.active_store()
    d = _i8(_as_of("get_industry", store, date))
    ref = _reference(store)
    out: dict = {}
    for c in _codes(security):
        entry: dict = {}
        idx = ref.by_code.get(c)
        if idx is None and c in store.on_demand:
            # a stock synthesised on demand is classified as its base-market twin
            idx = ref.by_code.get(store.on_demand_info.get(c, {}).get("twin"))
        if idx is not None:
            for k in idx:
                sch = ref.m_scheme[k]
                if sch == CONCEPT_SCHEME or not (ref.m_s[k] <= d <= ref.m_e[k]):
                    continue
                ic = ref.m_ind[k]
                entry[sch] = {"industry_code": str(ic), "industry_name": ref.name(ic, d)}
        out[c] = {k: entry[k] for k in INDUSTRY_SCHEMES if k in entry}
    missing = [k for k in INDUSTRY_SCHEMES if k not in ref.schemes]
    if missing:
        _scheme_gap("get_industry", missing)
    return out


def _scheme_gap(func: str, schemes) -> None:
    from ._gaps import record_gap
    for k in schemes:
        record_gap(func, f"industry scheme {k}",
                   f"{func}(): the data store has no {k} classification; answers leave it out "
                   f"(import a classification table with that scheme to supply it)")


def _listing(ref: _Reference, scheme: str, date) -> pd.DataFrame:
    n = ref.names[ref.names["scheme"] == scheme]
    if date is not None:
        ts = pd.Timestamp(_to_date(date))
        n = n[(n["start_date"] <= ts) & (n["end_date"] >= ts)]
        first = ref.names[ref.names["scheme"] == scheme].groupby("industry_code")["start_date"].min()
    else:
        first = n.groupby("industry_code")["start_date"].min()
    n = n.sort_values("start_date").drop_duplicates("industry_code", keep="last")
    df = pd.DataFrame({"name": n["name"].astype(object).to_numpy(),
                       "start_date": first.reindex(n["industry_code"]).to_numpy()},
                      index=pd.Index(n["industry_code"].astype(object).to_numpy()))
    return df.sort_index()


def get_industries(name="zjw", date=None) -> pd.DataFrame:
    """The industries of one classification scheme.

    Parameters
    ----------
    name : str
        ``'sw_l1'``, ``'sw_l2'``, ``'sw_l3'``, ``'jq_l1'``, ``'jq_l2'`` or ``'zjw'``
        (JoinQuant's default is ``'zjw'``).
    date : date-like, optional
        Only industries existing that day (with that day's name); None (default): every
        industry that ever existed, with its latest name.

    Returns
    -------
    pandas.DataFrame
        Index: industry code (str); columns ``name`` (str, e.g. ``'银行I'``) and
        ``start_date`` (datetime64: first day the industry has members in the store's data).
        Empty (same columns) when the store has no data for ``name``.

    Raises
    ------
    ParamsError
        Unknown scheme name.
    """
    if name not in INDUSTRY_SCHEMES:
        raise ParamsError(f"get_industries(): name must be one of {list(INDUSTRY_SCHEMES)}, got {name!r}")
    ref = _reference(_binding.active_store())
    if name not in ref.schemes:
        _scheme_gap("get_industries", [name])
    return _listing(ref, name, date)


def _joinquant_code_scheme(code: str) -> str | None:
    """The scheme of an industry code JoinQuant serves (jqlite's catalogues,
    :mod:`jqlite.data.industry_codes`), ``'sw'`` for a code of the shape of a Shenwan index
    code jqlite's catalogue lacks (the SW2014 L2/L3 index codes, ``801021`` 煤炭开采II ...),
    None for anything else."""
    import re
    from ..data import industry_codes as IC
    from ..data.reference import SW_L1
    if code in IC.ZJW:
        return "zjw"
    if code in IC.JQ_L1:
        return "jq_l1"
    if code in IC.SW_RETIRED_L1 or any(v[0] == code for v in SW_L1.values()):
        return "sw_l1"
    if any(v[0] == code for v in IC.SW2021_L2.values()):
        return "sw_l2"
    if any(v[0] == code for v in IC.SW2021_L3.values()):
        return "sw_l3"
    if re.fullmatch(r"HY\d{3}(\d{2})?", code):
        return "jq_l2"
    if re.fullmatch(r"8[05]\d{4}", code):
        return "sw"
    return None


def _members_of(func: str, code: str, date, concept: bool) -> list[str]:
    store = _binding.active_store()
    ref = _reference(store)
    d = _as_of(func, store, date)
    sch = ref.scheme_of.get(code)
    if sch is None and not concept:
        known = _joinquant_code_scheme(code)
        if known is not None:
            # a code JoinQuant serves that this store has no members for: JoinQuant's answer
            # would be a list; jqlite's is empty, said in the run's data-gap ledger
            from ._gaps import record_gap
            what = "Shenwan" if known == "sw" else known
            record_gap(func, f"industry code {code}",
                       f"{func}({code!r}): the data store has no members for this {what} industry "
                       f"code (JoinQuant serves it); answering [] (import a classification table "
                       f"holding it to supply it)")
            return []
    if sch is None or (sch == CONCEPT_SCHEME) != concept:
        kind = "concept" if concept else "industry"
        have = [s for s in ref.schemes if (s == CONCEPT_SCHEME) == concept]
        raise ParamsError(f"{func}(): unknown {kind} code {code!r} (this data store has "
                          f"{'no ' + kind + ' data' if not have else 'schemes ' + str(have)})")
    return _listed(store, ref.members(code, _i8(d)), d)


def get_industry_stocks(industry_code: str, date=None) -> list[str]:
    """Stocks of an industry on ``date`` (listed that day), sorted.

    Parameters
    ----------
    industry_code : str
        E.g. ``'801780'`` (申万一级 银行), ``'801783'`` (申万二级 股份制银行II), ``'857831'``
        (申万三级), ``'HY007'`` (jq_l1), ``'J66'`` (证监会 zjw).  Retired Shenwan L1 codes
        (``'801020'`` 采掘 until 2021-07-29, the six pre-2014 L1s until 2014-02-20) answer for
        dates of their era, ``[]`` after.
    date : date-like, optional
        Default: the simulated day in a backtest, the store's last day in research.

    Returns
    -------
    list of str
        Empty when the industry has no members that day.

    Raises
    ------
    ParamsError
        A code that is no JoinQuant industry code (the message lists the store's schemes).

    Notes
    -----
    Unknown codes (jqlite's decision; JoinQuant's manual does not say): a code JoinQuant
    serves but the store has no members for -- any code of jqlite's catalogues
    (:mod:`jqlite.data.industry_codes`: SW2021 L1/L2/L3, the retired SW L1s, CSRC 2012,
    jq_l1), any ``HYnnn``/``HYnnnnn`` (jq_l2) and any 6-digit ``80nnnn``/``85nnnn`` (a
    Shenwan index code: the SW2014 L2/L3 codes are not in the catalogue) -- answers ``[]``
    and records a data gap (run log, ``metrics.json``); anything else raises, as a code
    JoinQuant does not know cannot be answered.
    """
    return _members_of("get_industry_stocks", str(industry_code), date, concept=False)


def get_concepts() -> pd.DataFrame:
    """All concepts (概念板块).

    Returns
    -------
    pandas.DataFrame
        Index: concept code (e.g. ``'GN001'``); columns ``name`` (str) and ``start_date``
        (datetime64).  Empty on a store without concept data (the real data set has none).
    """
    ref = _reference(_binding.active_store())
    if CONCEPT_SCHEME not in ref.schemes:
        _warn_once("get_concepts", "concept (概念板块) data")
    return _listing(ref, CONCEPT_SCHEME, None)


def get_concept_stocks(concept_code: str, date=None) -> list[str]:
    """Stocks of a concept on ``date`` (listed that day), sorted; ``[]`` before the concept
    existed (spec §6).  Default date as :func:`get_industry_stocks`.

    Raises
    ------
    ParamsError
        Unknown concept code.
    """
    return _members_of("get_concept_stocks", str(concept_code), date, concept=True)


def get_concept(security, date=None) -> dict:
    """Concepts of one or more securities on ``date``:
    ``{code: {'jq_concept': [{'concept_code': str, 'concept_name': str}, ...]}}``
    (an empty list when none)."""
    store = _binding.active_store()
    d = _i8(_as_of("get_concept", store, date))
    ref = _reference(store)
    if CONCEPT_SCHEME not in ref.schemes:
        _warn_once("get_concept", "concept (概念板块) data", "every security has an empty concept list")
    out = {}
    for c in _codes(security):
        lst = []
        for k in ref.by_code.get(c, ()):
            if ref.m_scheme[k] == CONCEPT_SCHEME and ref.m_s[k] <= d <= ref.m_e[k]:
                ic = ref.m_ind[k]
                lst.append({"concept_code": ic, "concept_name": ref.name(ic, d)})
        out[c] = {CONCEPT_SCHEME: sorted(lst, key=lambda x: x["concept_code"])}
    return out


# ---------------------------------------------------------------------------- index weights
def _month_end_before(store, d: _dt.date) -> int:
    """Store row of the last trading day of the month before ``d``'s month (-1 if none)."""
    first = pd.Timestamp(d).replace(day=1)
    return store.day_index(first - pd.Timedelta(1, unit="D"), "right")


def get_index_weights(index_id: str, date=None) -> pd.DataFrame:
    """Constituent weights of an index.

    Parameters
    ----------
    index_id : str
        Index code, e.g. ``'000905.XSHG'``.
    date : date-like, optional
        Default: the simulated day in a backtest, the store's last day in research.

    Returns
    -------
    pandas.DataFrame
        Index ``code`` (str); columns ``date`` (str ``'YYYY-MM-DD'``: the weights' date),
        ``weight`` (float, **percent**; sums to about 100) and ``display_name``.  Sorted by
        code.  Empty (same columns) when the index has no members or weights.

    Notes
    -----
    * Stored weights (real store: JoinQuant's daily CSI 500 weights 2020-01-02 → 2024-06-28,
      ``000905.XSHG`` only): the latest weights dated on or before ``date`` -- never later
      ones (JoinQuant may return the "nearest" date, which can be in the future; spec §6).
    * Otherwise (every sample index; real indexes other than CSI 500 or before 2020):
      derived weights.  Members are ``get_index_stocks`` on the last trading day of the
      previous month (JoinQuant's weights are monthly), weighted by their circulating market
      cap (``valuation.circulating_market_cap``) that day; ``date`` is that day.  Without
      fundamentals in the store, equal weights.
    """
    store = _binding.active_store()
    d = _as_of("get_index_weights", store, date)
    cols = ["date", "weight", "display_name"]
    day, wt = index_weights_of(store, index_id, d)
    if day is None:
        return pd.DataFrame({c: pd.Series(dtype=object if c != "weight" else float) for c in cols},
                            index=pd.Index([], name="code", dtype=object))
    out = pd.DataFrame({"date": str(day.date()), "weight": wt.to_numpy(),
                        "display_name": [store.display_name(c, day) for c in wt.index]},
                       index=pd.Index(wt.index.astype(object).to_numpy(), name="code"))
    return out[cols].sort_index()


def index_weights_of(store, index_id: str, d: _dt.date) -> tuple[pd.Timestamp | None, pd.Series]:
    """The weights :func:`get_index_weights` answers, without display names (fast path for
    attribution): ``(weights' date, percent weights indexed by code, sorted)``; ``(None,
    empty)`` when the index has no members or weights on ``d``."""
    empty = pd.Series(dtype=float, index=pd.Index([], dtype=object, name="code"), name="weight")
    w = store.table("index_weights")
    if len(w):
        wi = memo(store, "index_weights_by_index", lambda: {
            k: g.sort_values(["date", "code"]) for k, g in w.groupby("index_code")})
        g = wi.get(index_id)
        if g is not None:
            dd = g["date"].to_numpy()
            ts = np.datetime64(pd.Timestamp(d))
            k = int(np.searchsorted(dd, ts, side="right"))
            if k > 0:
                day = dd[k - 1]
                sel = g[g["date"] == day]
                out = pd.Series(sel["weight"].to_numpy(dtype=float),
                                index=pd.Index(sel["code"].astype(object).to_numpy(), name="code"), name="weight")
                return pd.Timestamp(day), out.sort_index()
    i = _month_end_before(store, d)
    if i < 0:
        return None, empty
    day = store.dates[i]
    members = store.index_members(index_id, day)
    members = _listed(store, members, day.date())
    if not members:
        return None, empty
    cap = None
    try:
        from ..data import fundamentals as F
        if (store.path / F.DIRNAME).exists():
            panel = F.fundamentals_panel(store)
            if panel.has("valuation", "circulating_market_cap"):
                cap = panel.valuation("circulating_market_cap")[i, [store.col(c) for c in members]]
    except Exception:  # pragma: no cover - no usable fundamentals
        cap = None
    if cap is None:
        cap = np.ones(len(members))
    cap = np.asarray(cap, dtype=np.float64)
    ok = np.isfinite(cap) & (cap > 0)
    members = [m for m, k in zip(members, ok) if k]
    cap = cap[ok]
    if not members:
        return None, empty
    out = pd.Series(cap / cap.sum() * 100.0, index=pd.Index(members, name="code", dtype=object), name="weight")
    return day, out.sort_index()


# ---------------------------------------------------------------------------- not in the data
MONEY_FLOW_COLUMNS = ["date", "sec_code", "change_pct", "net_amount_main", "net_pct_main",
                      "net_amount_xl", "net_pct_xl", "net_amount_l", "net_pct_l",
                      "net_amount_m", "net_pct_m", "net_amount_s", "net_pct_s"]
BILLBOARD_COLUMNS = ["code", "day", "direction", "abnormal_code", "abnormal_name",
                     "sales_depart_name", "rank", "buy_value", "buy_rate", "sell_value",
                     "sell_rate", "net_value", "amount", "total_value"]


def _warn_once(func: str, what: str, result: str = "returning an empty DataFrame with "
                                                   "JoinQuant's columns", *, message: str | None = None) -> None:
    """Record that ``func`` has no data in the store (``message`` replaces the default text):
    a data gap of the run's ledger (:mod:`jqlite.api._gaps`: run log, metrics.json, console
    summary; one Python warning per run, per process in research), counted on every call."""
    from ._gaps import record_gap
    msg = message or f"{func}(): the data store has no {what}; {result}"
    record_gap(func, what, msg)


def _check_range(func, start_date, count):
    if start_date is not None and count is not None:
        raise ParamsError(f"{func}(): start_date 参数与 count 参数只能二选一")


def _flow_days(func: str, store, start_date, end_date, count, *, need_one: bool = False) -> tuple[int, int]:
    """Store day indices ``(a, b)`` of a per-stock daily table query (money flow, margin
    trading, billboard): ``end_date`` (default: the simulated day in a backtest, the store's
    last day in research) back to ``start_date`` or ``count`` trading days including the end
    day; neither: from the first day (or ParamsError when ``need_one``).  These tables are
    published after the close, so inside a backtest the simulated day's row is never
    returned (spec §9 for get_money_flow; the same rule for the others, to avoid look-ahead)."""
    _check_range(func, start_date, count)
    if need_one and start_date is None and count is None:
        raise ParamsError(f"{func}(): start_date 参数与 count 参数必须输入一个")
    if count is not None and (not isinstance(count, (int, np.integer)) or count <= 0):
        raise ParamsError(f"{func}(): count must be a positive integer, got {count!r}")
    end = _to_date(end_date) if end_date is not None else _default_day(store)
    b = store.day_index(end, "right")
    now = _binding.current_date_or_none()
    if now is not None:
        b = min(b, store.day_index(now, "left") - 1)
    if count is not None:
        a = b - int(count) + 1
    elif start_date is not None:
        a = store.day_index(_to_date(start_date), "left")
    else:
        a = 0
    return max(a, 0), b


def _select(df: pd.DataFrame, func: str, columns: list, fields) -> pd.DataFrame:
    if fields is None:
        return df
    f = [fields] if isinstance(fields, str) else list(fields)
    bad = [x for x in f if x not in columns]
    if bad:
        raise ParamsError(f"{func}(): unknown field(s) {bad}; known {columns}")
    return df[f]


def get_money_flow(security_list=None, start_date=None, end_date=None, fields=None, count=None) -> pd.DataFrame:
    """Daily money flow (资金流向) of stocks.

    Parameters
    ----------
    security_list : str or list of str
        Stocks (required, as on JoinQuant); other security types have no rows.
    start_date, end_date, count :
        ``end_date`` (default: the simulated day / the store's last day) back to
        ``start_date`` (default: the first day of data) or ``count`` trading days including
        ``end_date``.  In a backtest the simulated day's row is never returned (JoinQuant
        manual; spec §9).
    fields : str or list of str, optional
        Columns to return, in that order.

    Returns
    -------
    pandas.DataFrame
        Columns ``date, sec_code, change_pct (%), net_amount_main (万元), net_pct_main (%),
        net_amount_xl, net_pct_xl, net_amount_l, net_pct_l, net_amount_m, net_pct_m,
        net_amount_s, net_pct_s`` (JoinQuant manual, get_money_flow; spec §9); main = xl + l.
        The sample market derives them from its bars (:mod:`jqlite.data.sample_flows`); a
        store without money-flow data answers no rows and records a data gap.

    Raises
    ------
    ParamsError
        No ``security_list``, both ``start_date`` and ``count``, a non-positive ``count`` or
        an unknown field.
    """
    if security_list is None or (not isinstance(security_list, str) and len(list(security_list)) == 0):
        raise ParamsError("get_money_flow(): security_list is required")
    store = _binding.active_store()
    a, b = _flow_days("get_money_flow", store, start_date, end_date, count)
    from ..data import sample_flows
    if not sample_flows.is_sample(store):
        return _empty_daily_frame("get_money_flow", "money-flow data", MONEY_FLOW_COLUMNS, fields,
                                  None, None)
    df = sample_flows.money_flow(store, _codes(security_list), a, b)
    return _select(df, "get_money_flow", MONEY_FLOW_COLUMNS, fields)


def _empty_daily_frame(func: str, what: str, columns: list, fields, start_date, count) -> pd.DataFrame:
    """The empty ``date, sec_code, <numbers>`` frame of a per-stock daily table the store
    lacks (``fields`` selects and orders columns), after the argument checks; records the gap."""
    _check_range(func, start_date, count)
    cols = columns
    if fields is not None:
        f = [fields] if isinstance(fields, str) else list(fields)
        bad = [x for x in f if x not in columns]
        if bad:
            raise ParamsError(f"{func}(): unknown field(s) {bad}; known {columns}")
        cols = f
    _warn_once(func, what)
    return pd.DataFrame({c: pd.Series(dtype=object if c in ("date", "sec_code") else float) for c in cols})


def get_billboard_list(stock_list=None, start_date=None, end_date=None, count=None) -> pd.DataFrame:
    """龙虎榜 (billboard) data.

    Parameters
    ----------
    stock_list : str or list of str, optional
        Stocks; None: every stock.
    start_date, end_date, count :
        One of ``start_date`` / ``count`` is required; ``count`` trading days end at
        ``end_date`` inclusive (default: the simulated day / the store's last day).  In a
        backtest the simulated day's list is not returned (published after the close).

    Returns
    -------
    pandas.DataFrame
        Columns ``code, day, direction (ALL/BUY/SELL), abnormal_code, abnormal_name,
        sales_depart_name, rank (0 summary, 1-5 seats), buy_value, buy_rate, sell_value,
        sell_rate, net_value, amount, total_value`` (JoinQuant manual, get_billboard_list;
        spec §9; yuan, rates in percent).  The sample market derives them from its bars
        (:mod:`jqlite.data.sample_flows`); a store without billboard data answers no rows and
        records a data gap.

    Raises
    ------
    ParamsError
        Both ``start_date`` and ``count``, or neither given.
    """
    store = _binding.active_store()
    a, b = _flow_days("get_billboard_list", store, start_date, end_date, count, need_one=True)
    from ..data import sample_flows
    if not sample_flows.is_sample(store):
        _warn_once("get_billboard_list", "billboard (龙虎榜) data")
        num = {"rank", "buy_value", "buy_rate", "sell_value", "sell_rate", "net_value", "amount", "total_value"}
        return pd.DataFrame({c: pd.Series(dtype=float if c in num else object) for c in BILLBOARD_COLUMNS})
    return sample_flows.billboard(store, None if stock_list is None else _codes(stock_list), a, b)


MTSS_COLUMNS = ["date", "sec_code", "fin_value", "fin_buy_value", "fin_refund_value",
                "sec_value", "sec_sell_value", "sec_refund_value", "fin_sec_value"]


def get_mtss(security_list=None, start_date=None, end_date=None, fields=None, count=None) -> pd.DataFrame:
    """融资融券 (margin trading) data of stocks.

    Parameters
    ----------
    security_list : str or list of str
    start_date, end_date, count :
        One of ``start_date`` / ``count`` is required (as on JoinQuant); ``count`` trading
        days end at ``end_date`` inclusive.  In a backtest the simulated day's row is not
        returned (published after the close).
    fields : str or list of str, optional

    Returns
    -------
    pandas.DataFrame
        Columns ``date, sec_code, fin_value (融资余额), fin_buy_value (融资买入额),
        fin_refund_value (融资偿还额)`` in yuan, ``sec_value (融券余量), sec_sell_value,
        sec_refund_value`` in shares, ``fin_sec_value (融资融券余额)`` in yuan (JoinQuant manual,
        get_mtss); rows only for margin-trading targets.  The sample market derives them from
        its bars (:mod:`jqlite.data.sample_flows`); other stores answer no rows with a data gap.

    Raises
    ------
    ParamsError
        Both or neither of ``start_date`` and ``count``, or an unknown field.
    """
    store = _binding.active_store()
    a, b = _flow_days("get_mtss", store, start_date, end_date, count, need_one=True)
    from ..data import sample_flows
    if not sample_flows.is_sample(store) or security_list is None:
        return _empty_daily_frame("get_mtss", "margin-trading (融资融券) data", MTSS_COLUMNS, fields,
                                  None, None)
    df = sample_flows.mtss(store, _codes(security_list), a, b)
    return _select(df, "get_mtss", MTSS_COLUMNS, fields)


def _margin_list(func: str, date) -> list[str]:
    store = _binding.active_store()
    from ..data import sample_flows
    d = _as_of(func, store, date)
    if not sample_flows.is_sample(store):
        _warn_once(func, "margin-trading (融资融券) data", "returning []")
        return []
    i = store.day_index(d, "right")
    return sample_flows.margin_stocks(store, i) if i >= 0 else []


def get_margincash_stocks(date=None) -> list[str]:
    """Stocks that can be bought on margin (融资标的) on ``date`` (default: the simulated day /
    the store's last day), sorted; the sample market's margin targets
    (:func:`jqlite.data.sample_flows.margin_stocks`), [] with a data gap elsewhere."""
    return _margin_list("get_margincash_stocks", date)


def get_marginsec_stocks(date=None) -> list[str]:
    """Stocks that can be sold short (融券标的) on ``date``; the same list as
    :func:`get_margincash_stocks` in the sample market."""
    return _margin_list("get_marginsec_stocks", date)


# ---------------------------------------------------------------------------- ticks
def subscribe(security, frequency="tick") -> None:
    """Tick subscription: a no-op here (daily bars only; ``handle_tick`` is never called).
    Warns once per run."""
    _warn_once("subscribe", "tick data", "subscription ignored, handle_tick is never called")


def unsubscribe(security, frequency="tick") -> None:
    """No-op counterpart of :func:`subscribe`."""


def unsubscribe_all() -> None:
    """No-op counterpart of :func:`subscribe`."""


# get_ticks / get_current_tick / get_call_auction: synthesised from the bars (jqlite.api.ticks)
from .ticks import get_call_auction, get_current_tick, get_ticks  # noqa: E402,F401


# ---------------------------------------------------------------------------- futures
_FUTURE_CODE = r"^{sym}(\d{{3,4}})\.[A-Z]{{4}}$"


def _today(date) -> _dt.date:
    if date is not None:
        return _to_date(date)
    run = run_or_none()
    if run is not None:
        return run.current_date
    return _binding.active_store().dates[-1].date()


#: Night session of each variety (exchange trading hours as of 2021; SHFE base metals to
#: 01:00, gold, silver and INE crude to 02:30, the other night varieties to 23:00; CFFEX,
#: eggs, hogs, apples and the GFEX varieties have none)
_NIGHT = {**{s: "21:00~01:00" for s in ("CU", "AL", "ZN", "PB", "NI", "SN", "SS")},
          **{s: "21:00~02:30" for s in ("AU", "AG", "SC")},
          **{s: "21:00~23:00" for s in ("RB", "HC", "RU", "BU", "FU", "SP", "I", "J", "JM", "M", "Y",
                                        "A", "P", "C", "L", "PP", "V", "EG", "SR", "CF", "TA", "MA",
                                        "FG", "RM", "OI", "ZC", "SA")}}
_DAY_SESSIONS = ("09:00~10:15", "10:30~11:30", "13:30~15:00")
_CFFEX_SESSIONS = ("09:30~11:30", "13:00~15:00")


def get_futures_info(securities=None, fields=("contract_multiplier", "tick_size", "trade_time")) -> dict:
    """Contract multiplier, price tick and trading hours of futures (jqdatasdk's
    ``get_futures_info``).

    The answer's shape is jqdatasdk's (its own test: ``get_futures_info('SN2107.XSGE')`` ==
    ``{'SN2107.XSGE': {'tick_size': 10.0, 'trade_time': [['2020-07-16', '2021-07-15',
    '21:00~01:00', '09:00~10:15', '10:30~11:30', '13:30~15:00']], 'contract_multiplier':
    1.0}}``).  Multiplier and tick are the variety's (:data:`jqlite.data.futures.VARIETIES`:
    IF/IH 300, IC/IM 200 yuan per point, tick 0.2; RB 10 t ...).  ``trade_time`` is one period
    ``[first trading day, last trading day, sessions...]``: the contract's days in the store's
    calendar (a continuous ``8888``/``9999`` code: the variety's listing day to the store's
    last day), the night session first (:data:`_NIGHT`) then the day sessions.  jqlite's
    futures bars follow the day sessions only (docs/futures.md); the night session is listed
    as the exchanges trade it.

    Parameters
    ----------
    securities : str or list of str
        Futures codes (``'IF2103.CCFX'``, ``'RB8888.XSGE'``).
    fields : sequence of str
        Any of ``'contract_multiplier'``, ``'tick_size'``, ``'trade_time'``.

    Returns
    -------
    dict
        code -> {field: value}; ``contract_multiplier`` and ``tick_size`` floats.

    Raises
    ------
    ParamsError
        No securities, an unknown field, or a code that is no futures code of a variety jqlite
        knows.
    """
    from ..data import futures as FU
    if not securities:
        raise ParamsError("get_futures_info(): securities is required")
    codes = [securities] if isinstance(securities, str) else list(securities)
    fields = [fields] if isinstance(fields, str) else list(fields)
    bad = [f for f in fields if f not in ("contract_multiplier", "tick_size", "trade_time")]
    if bad:
        raise ParamsError(f"get_futures_info(): unknown field(s) {bad}; fields are 'contract_multiplier', "
                          f"'tick_size', 'trade_time'")
    store = _binding.active_store()
    out = {}
    for code in codes:
        p = FU.parse(code)
        if p is None:
            raise ParamsError(f"get_futures_info(): {code!r} is not a futures code of a variety jqlite knows "
                              f"(e.g. 'IF2103.CCFX', 'RB8888.XSGE')")
        v, digits = p
        info = {}
        if "contract_multiplier" in fields:
            info["contract_multiplier"] = float(v.multiplier)
        if "tick_size" in fields:
            info["tick_size"] = float(v.tick)
        if "trade_time" in fields:
            if digits in ("8888", "9999"):
                a, b = _dt.date.fromisoformat(v.listed), store.dates[-1].date()
            else:
                c = FU.contract_range(store.dates, code)
                if c is None:
                    raise ParamsError(f"get_futures_info(): {code} does not trade within the data store's "
                                      f"calendar ({store.dates[0].date()} - {store.dates[-1].date()})")
                a, b = store.dates[c.i0].date(), store.dates[c.i1].date()
            sessions = _CFFEX_SESSIONS if v.is_index else ((_NIGHT[v.symbol],) if v.symbol in _NIGHT else ()) + _DAY_SESSIONS
            info["trade_time"] = [[str(a), str(b), *sessions]]
        out[code] = info
    return out


def get_future_contracts(underlying_symbol: str, date=None) -> list[str]:
    """Futures contracts of one underlying that trade on ``date`` (JoinQuant API).

    Parameters
    ----------
    underlying_symbol : str
        Variety code in capitals, e.g. ``'IF'``, ``'AG'``, ``'C'``.
    date : date-like, optional
        Default: the current day in a backtest, the store's last day in research.

    Returns
    -------
    list of str
        Codes such as ``'IF2103.CCFX'`` of the store's ``futures`` securities whose code is the
        symbol followed by the delivery year-month (continuous codes ``IF8888``/``IF9999`` are
        not contracts), listed on ``date`` (``start_date <= date <= end_date``), nearest
        delivery first.  Empty when there is none; a store without any futures says so once
        in the run log (JoinQuant answers ``[]`` for an unknown variety).

    Raises
    ------
    ParamsError
        ``underlying_symbol`` is not a string.
    """
    import re
    if not isinstance(underlying_symbol, str) or not underlying_symbol:
        raise ParamsError(f"get_future_contracts(): underlying_symbol must be a variety code such as 'IF', "
                          f"was {underlying_symbol!r}")
    store = _binding.active_store()
    sample = _sample_contracts(store, underlying_symbol, date)
    if sample is not None:
        return sample
    sec = store.securities
    fut = sec[sec["type"].isin(["futures", "index_futures"])]
    if fut.empty:
        _warn_once("get_future_contracts", "futures contracts", "returning []")
        return []
    d = np.datetime64(_today(date), "D")
    codes = fut["code"] if "code" in fut.columns else pd.Series(fut.index, index=fut.index)
    pat = re.compile(_FUTURE_CODE.format(sym=re.escape(underlying_symbol.upper())))
    out = []
    for i, c in enumerate(codes):
        m = pat.match(str(c))
        if not m or m.group(1) in ("8888", "9999", "888", "999"):
            continue
        s0 = np.datetime64(pd.Timestamp(fut["start_date"].iloc[i]).date(), "D")
        s1 = np.datetime64(pd.Timestamp(fut["end_date"].iloc[i]).date(), "D")
        if s0 <= d <= s1:
            out.append(str(c))
    # delivery month order: the digits (2-digit year + month; CZCE's 3 digits sort by year digit)
    return sorted(out, key=lambda c: int(pat.match(c).group(1)))


def _sample_contracts(store, symbol: str, date) -> list[str] | None:
    """The sample market's contracts of ``symbol`` trading on ``date`` (nearest delivery first,
    synthesised into the store when missing: jqlite.data.futures), or None when the store does
    not synthesise or the variety is unknown there."""
    from ..data import futures as _fut
    v = _fut.variety_of(symbol)
    if not getattr(store, "synthesizes", False) or v is None:
        return None
    i = store.day_index(pd.Timestamp(_today(date)), "right")
    codes = _fut.panel(store, v).listed_on(i)
    if codes:
        from ..data.on_demand import ensure
        ensure(store, codes)
    return codes


def get_dominant_future(underlying_symbol: str, date=None, end_date=None):
    """The dominant (主力) contract of a futures variety on ``date`` (JoinQuant API).

    JoinQuant's dominant contract is the one with the largest open interest, switched over
    from the previous day's figures.  jqlite picks, among :func:`get_future_contracts` of
    ``date``, the contract with the largest ``open_interest`` on the trading day before
    ``date`` (ties: nearest delivery).

    Returns
    -------
    str
        The code, or ``''`` when the variety has no contract on that day or the store has no
        open interest (said once in the run log), as JoinQuant answers ``''``.  With
        ``end_date`` (JoinQuant's range form) a Series indexed by trading day.
    """
    if end_date is not None:
        store = _binding.active_store()
        a, b = pd.Timestamp(_today(date)), pd.Timestamp(_to_date(end_date))
        days = store.dates[(store.dates >= a) & (store.dates <= b)]
        return pd.Series([get_dominant_future(underlying_symbol, d.date()) for d in days], index=days)
    store = _binding.active_store()
    from ..data import futures as _fut
    v = _fut.variety_of(underlying_symbol) if isinstance(underlying_symbol, str) else None
    if getattr(store, "synthesizes", False) and v is not None:
        i = store.day_index(pd.Timestamp(_today(date)), "right")
        code = _fut.panel(store, v).dominant_on(i)
        if code:
            from ..data.on_demand import ensure
            ensure(store, [code])       # synthesised now: the call repeats / the run restarts
        return code
    contracts = get_future_contracts(underlying_symbol, date)
    if not contracts:
        return ""
    try:
        oi = store.field("open_interest")
    except Exception:
        _warn_once("get_dominant_future", "open interest", "returning ''")
        return ""
    i = store.day_index(pd.Timestamp(_today(date)), "left") - 1
    if i < 0:
        return ""
    vals = np.array([oi[i, store.col(c)] for c in contracts], dtype=float)
    if np.isnan(vals).all():
        return ""
    return contracts[int(np.nanargmax(vals))]
