"""JoinQuant's ``finance`` database: ``finance.run_query(query(finance.STK_XR_XD)...)``.

Three tables are served from the store (everything else raises, naming the table):

* ``STK_XR_XD`` (分红送股) -- from the store's ``xrxd`` events (one row per ex-date).
* ``STK_LIST`` (股票上市信息) -- from the securities master (stocks).
* ``STK_CAPITAL_CHANGE`` (股本变动) -- one row per change of the valuation table's
  ``capitalization`` / ``circulating_cap`` (needs fundamentals in the store).

Three more finance tables exist with JoinQuant's columns but no data (the store has none):
``STK_EL_TOP_ACTIVATE`` (市场通十大成交活跃股), ``STK_HK_HOLD_INFO`` (沪深港通持股数据) and
``STK_AUDIT_OPINION`` (审计意见); ``run_query`` on them returns an empty frame with those
columns and logs one warning per table per run.  The ``macro`` database
(``macro.MAC_MANUFACTURING_PMI``, ``macro.run_query``) works the same way.  The ``jy``
(聚源) database is not available: using it raises :class:`~jqlite.errors.ParamsError`
saying so.

Queries are the same SQLAlchemy ``query`` objects as ``get_fundamentals`` (filter,
order_by, limit, ...) and are executed by DuckDB over the table (see
:mod:`jqlite.api.fundamentals`).  One table per query, as on JoinQuant.  Date columns come
back as ``datetime.date``.  No 5000-row cap.  With ``set_option('avoid_future_data', True)``
inside a backtest, rows published after the current day are dropped (JoinQuant drops
future rows of APIs without a time parameter; spec ``jq_data_api.md`` §10).

Column lists: JoinQuant's finance-database docs (分红送股 STK_XR_XD, 股票上市信息 STK_LIST,
公司股本变动 STK_CAPITAL_CHANGE); columns jqlite cannot derive are present and NULL.
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import sqlalchemy as sa

from ..errors import ParamsError
from . import _binding
from ._binding import run_or_none
from .fundamentals import SqlTable

__all__ = ["finance", "macro", "jy"]

_MD = sa.MetaData()
_S, _F, _D, _I = sa.String, sa.Float, sa.Date, sa.Integer

#: table -> [(column, type)] (JoinQuant's names, in JoinQuant's order)
_COLUMNS = {
    "STK_XR_XD": [
        ("id", _I), ("company_id", _I), ("company_name", _S), ("code", _S), ("report_date", _D),
        ("bonus_type", _S), ("board_plan_pub_date", _D), ("board_plan_bonusnote", _S),
        ("distributed_share_base_board", _F), ("shareholders_plan_pub_date", _D),
        ("shareholders_plan_bonusnote", _S), ("distributed_share_base_shareholders", _F),
        ("implementation_pub_date", _D), ("implementation_bonusnote", _S),
        ("distributed_share_base_implement", _F), ("dividend_ratio", _F), ("transfer_ratio", _F),
        ("bonus_ratio_rmb", _F), ("bonus_ratio_usd", _F), ("bonus_ratio_hkd", _F),
        ("at_bonus_ratio_rmb", _F), ("exchange_rate", _F), ("dividend_number", _F),
        ("transfer_number", _F), ("bonus_amount_rmb", _F), ("a_registration_date", _D),
        ("b_registration_date", _D), ("a_xr_date", _D), ("b_xr_baseday", _D),
        ("b_final_trade_date", _D), ("a_bonus_date", _D), ("b_bonus_date", _D),
        ("dividend_arrival_date", _D), ("a_increment_listing_date", _D),
        ("b_increment_listing_date", _D), ("total_capital_before_transfer", _F),
        ("total_capital_after_transfer", _F), ("float_capital_before_transfer", _F),
        ("float_capital_after_transfer", _F), ("note", _S), ("a_transfer_arrival_date", _D),
        ("b_transfer_arrival_date", _D), ("b_dividend_arrival_date", _D),
        ("note_of_no_dividend", _S), ("plan_progress_code", _I), ("plan_progress", _S),
        ("bonus_cancel_pub_date", _D),
    ],
    "STK_LIST": [
        ("id", _I), ("code", _S), ("name", _S), ("short_name", _S), ("category", _S),
        ("exchange", _S), ("start_date", _D), ("end_date", _D), ("company_id", _I),
        ("company_name", _S), ("ipo_shares", _F), ("book_price", _F), ("par_value", _F),
        ("state_id", _I), ("state", _S),
    ],
    "STK_CAPITAL_CHANGE": [
        ("id", _I), ("company_id", _I), ("company_name", _S), ("code", _S), ("change_date", _D),
        ("pub_date", _D), ("change_reason_id", _I), ("change_reason", _S), ("share_total", _F),
        ("share_non_trade", _F), ("share_start", _F), ("share_nontrade_state", _F),
        ("share_nontrade_domestic", _F), ("share_nontrade_natural", _F), ("share_raised", _F),
        ("share_inside", _F), ("share_outside", _F), ("share_pref", _F), ("share_trade_total", _F),
        ("share_rmb", _F), ("share_b", _F), ("share_h", _F), ("share_limited", _F),
        ("share_management", _F),
    ],
    # tables without data in the store (empty results): JoinQuant's columns
    "STK_EL_TOP_ACTIVATE": [
        ("id", _I), ("day", _D), ("link_id", _I), ("link_name", _S), ("rank", _I), ("code", _S),
        ("name", _S), ("exchange", _S), ("buy", _F), ("sell", _F), ("total", _F),
    ],
    "STK_HK_HOLD_INFO": [
        ("id", _I), ("day", _D), ("link_id", _I), ("link_name", _S), ("code", _S), ("name", _S),
        ("share_number", _F), ("share_ratio", _F),
    ],
    "STK_AUDIT_OPINION": [
        ("id", _I), ("company_id", _I), ("company_name", _S), ("code", _S), ("pub_date", _D),
        ("end_date", _D), ("report_type", _I), ("accounting_firm", _S), ("accountant", _S),
        ("opinion_type_id", _I), ("opinion_type", _S),
    ],
}
#: the ``macro`` database's tables (JoinQuant's columns; no data in the store)
_MACRO_COLUMNS = {
    "MAC_MANUFACTURING_PMI": [
        ("id", _I), ("stat_month", _S), ("pmi", _F), ("produce_idx", _F), ("new_orders_idx", _F),
        ("new_export_orders_idx", _F), ("order_in_hand_idx", _F), ("finished_produce_idx", _F),
        ("purchase_quantity_idx", _F), ("import_idx", _F), ("exfactory_idx", _F),
        ("purchases_idx", _F), ("raw_material_idx", _F), ("employ_idx", _F),
        ("delivery_time_idx", _F), ("production_expected_idx", _F),
    ],
}
#: every table's columns, by table name (names are unique across databases)
_ALL_COLUMNS = {**_COLUMNS, **_MACRO_COLUMNS}
#: tables the store has no data for -> what the one-time warning calls the data
_EMPTY = {"STK_EL_TOP_ACTIVATE": "沪深港通十大成交活跃股 (STK_EL_TOP_ACTIVATE) data",
          "STK_HK_HOLD_INFO": "沪深港通持股 (STK_HK_HOLD_INFO) data",
          "STK_AUDIT_OPINION": "审计意见 (STK_AUDIT_OPINION) data",
          "MAC_MANUFACTURING_PMI": "制造业PMI (MAC_MANUFACTURING_PMI) data"}
#: the column saying when a row became public (used by avoid_future_data)
_PUB_COLUMN = {"STK_XR_XD": "implementation_pub_date", "STK_LIST": "start_date",
               "STK_CAPITAL_CHANGE": "pub_date"}


class FinanceTable(SqlTable):
    """A ``finance.*`` table: ``finance.STK_XR_XD.code`` is a SQLAlchemy column; an unknown
    column raises AttributeError naming table and column."""

    _kind = "finance table"

    def __init__(self, name: str, db: str = "finance"):
        super().__init__(name, [sa.Column(c, t) for c, t in _ALL_COLUMNS[name]])
        self.__dict__["_db"] = db

    def _missing(self, item: str) -> str:
        return (f"{self._db}.{self._name} has no column {item!r} "
                f"(columns: {', '.join(self.__table__.c.keys())})")


# ---------------------------------------------------------------------------- table frames
def _dates(x) -> np.ndarray:
    """datetime64[D] array -> object array of datetime.date (None for NaT)."""
    x = np.asarray(x, dtype="datetime64[D]")
    out = x.astype(object)
    out[np.isnat(x)] = None
    return out


def _null(n: int, t) -> np.ndarray:
    if t is _F:
        return np.full(n, np.nan)
    return np.full(n, None, dtype=object)


def _frame(name: str, n: int, data: dict) -> pd.DataFrame:
    cols = {}
    for c, t in _ALL_COLUMNS[name]:
        cols[c] = data[c] if c in data else _null(n, t)
    return pd.DataFrame(cols)


def _xr_xd(store) -> pd.DataFrame:
    """STK_XR_XD from the store's ``xrxd`` table.

    Per event: ``a_xr_date`` = ex-date; ``bonus_ratio_rmb`` = cash per 10 shares before tax
    (元); ``transfer_ratio`` = bonus + transferred shares per 10 shares
    (``(scale_factor - 1) * 10``; the store does not split 送股/转增, so ``dividend_ratio``
    is 0); ``a_registration_date`` = the trading day before the ex-date; ``a_bonus_date`` =
    the ex-date; ``implementation_pub_date`` = 5 trading days before the ex-date
    (approximation); ``board_plan_pub_date`` / ``shareholders_plan_pub_date`` = the
    implementation day too (the real plan dates are earlier and not in the data -- using the
    later date can never leak information); ``report_date`` = the period the dividend is
    for: 12-31 of the previous year for ex-dates in January-September, else 06-30 of the
    same year (approximation); ``total_capital_before/after_transfer`` (万股) from the
    valuation ``capitalization`` when the store has it.
    """
    x = store.table("xrxd").sort_values(["code", "date"], kind="stable").reset_index(drop=True)
    n = len(x)
    ex = pd.DatetimeIndex(x["date"])
    di = np.array([store.day_index(d, "left") for d in ex], dtype=np.int64)
    reg = store.dates[np.clip(di - 1, 0, store.n_days - 1)]
    impl = store.dates[np.clip(di - 5, 0, store.n_days - 1)]
    rep = np.where(ex.month <= 9, pd.to_datetime([f"{y - 1}-12-31" for y in ex.year]).values,
                   pd.to_datetime([f"{y}-06-30" for y in ex.year]).values) if n else np.array([], "datetime64[ns]")
    bonus = x["bonus_pre_tax"].to_numpy(np.float64)
    transfer = (x["scale_factor"].to_numpy(np.float64) - 1.0) * 10.0
    transfer = np.round(transfer, 6)
    notes = []
    for b, t in zip(bonus, transfer):
        parts = []
        if t > 0:
            parts.append(f"10送转{t:g}股")
        if b > 0:
            parts.append(f"10派{b:g}元(含税)")
        notes.append(",".join(parts) or None)
    data = {
        "id": np.arange(1, n + 1), "code": x["code"].astype(object).to_numpy(),
        "company_name": np.array([store.display_name(c) for c in x["code"]], dtype=object),
        "report_date": _dates(rep),
        "bonus_type": np.where(pd.DatetimeIndex(rep).month == 12, "年度分红", "中期分红").astype(object),
        "board_plan_pub_date": _dates(impl), "shareholders_plan_pub_date": _dates(impl),
        "implementation_pub_date": _dates(impl), "implementation_bonusnote": np.array(notes, dtype=object),
        "board_plan_bonusnote": np.array(notes, dtype=object),
        "dividend_ratio": np.zeros(n), "transfer_ratio": transfer, "bonus_ratio_rmb": bonus,
        "a_registration_date": _dates(reg), "a_xr_date": _dates(ex.values), "a_bonus_date": _dates(ex.values),
        "a_increment_listing_date": np.where(transfer > 0, _dates(ex.values), None),
        "plan_progress": np.full(n, "实施方案", dtype=object), "plan_progress_code": np.full(n, 313004),
    }
    cap = _capitalization(store)
    if cap is not None and n:
        cols = np.array([store.code_index.get(c, -1) for c in x["code"]])
        ok = (cols >= 0) & (di < store.n_days) & (di > 0)
        before = np.full(n, np.nan)
        after = np.full(n, np.nan)
        before[ok] = cap[0][di[ok] - 1, cols[ok]]
        after[ok] = cap[0][di[ok], cols[ok]]
        fb, fa = np.full(n, np.nan), np.full(n, np.nan)
        fb[ok] = cap[1][di[ok] - 1, cols[ok]]
        fa[ok] = cap[1][di[ok], cols[ok]]
        data.update(total_capital_before_transfer=before, total_capital_after_transfer=after,
                    float_capital_before_transfer=fb, float_capital_after_transfer=fa)
    return _frame("STK_XR_XD", n, data)


def _capitalization(store):
    """(capitalization, circulating_cap) ``(n_days, n_sec)`` arrays in 万股, or None."""
    try:
        from ..data import fundamentals as F
        if not (store.path / F.DIRNAME).exists():
            return None
        p = F.fundamentals_panel(store)
        if not (p.has("valuation", "capitalization") and p.has("valuation", "circulating_cap")):
            return None
        return p.valuation("capitalization"), p.valuation("circulating_cap")
    except Exception:  # pragma: no cover
        return None


def _stk_list(store) -> pd.DataFrame:
    """STK_LIST from the securities master (stocks): name = display name, short_name = the
    pinyin abbreviation, category 'A', exchange from the code suffix, end_date NULL while
    listed, state '正常上市' / '终止上市'."""
    sec = store.securities[(store.securities["type"] == "stock")
                           & ~store.securities.index.isin(list(store.on_demand))]   # listed: base only
    n = len(sec)
    far = pd.Timestamp("2200-01-01")
    listed = (sec["end_date"] >= far).to_numpy()
    end = _dates(sec["end_date"].to_numpy())
    end[listed] = None
    data = {"id": np.arange(1, n + 1), "code": sec["code"].astype(object).to_numpy(),
            "name": sec["display_name"].astype(object).to_numpy(),
            "short_name": sec["name"].astype(object).to_numpy(),
            "category": np.full(n, "A", dtype=object),
            "exchange": np.array([c.split(".")[-1] for c in sec["code"]], dtype=object),
            "start_date": _dates(sec["start_date"].to_numpy()), "end_date": end,
            "company_name": sec["display_name"].astype(object).to_numpy(),
            "par_value": np.ones(n),
            "state_id": np.where(listed, 301001, 301006),
            "state": np.where(listed, "正常上市", "终止上市").astype(object)}
    return _frame("STK_LIST", n, data)


def _capital_change(store) -> pd.DataFrame:
    """STK_CAPITAL_CHANGE: a row on each stock's first valuation day and on every day its
    total (``capitalization``) or float (``circulating_cap``) share count changes; shares in
    万股; ``change_date`` = ``pub_date`` = that day; ``share_trade_total`` = ``share_rmb`` =
    circulating_cap; ``share_non_trade`` = total - float.  Empty without fundamentals."""
    cap = _capitalization(store)
    if cap is None:
        return _frame("STK_CAPITAL_CHANGE", 0, {})
    tot, flo = cap
    stock = (store.securities.loc[store.codes, "type"] == "stock").to_numpy() \
        & ~np.isin(store.codes, list(getattr(store, "on_demand", ())))
    prev_t = np.vstack([np.full((1, tot.shape[1]), np.nan), tot[:-1]])
    prev_f = np.vstack([np.full((1, flo.shape[1]), np.nan), flo[:-1]])
    have = np.isfinite(tot)
    # carry the last known value over gaps so a suspension is not a change
    last_t = pd.DataFrame(prev_t).ffill().to_numpy()
    last_f = pd.DataFrame(prev_f).ffill().to_numpy()
    with np.errstate(invalid="ignore"):
        chg = have & (~np.isfinite(last_t) | (np.abs(tot - last_t) > 1e-6)
                      | (np.isfinite(flo) & (~np.isfinite(last_f) | (np.abs(flo - last_f) > 1e-6))))
    chg &= stock[None, :]
    cc, rr = np.nonzero(chg.T)     # code-major
    n = len(rr)
    day = _dates(store.dates.values[rr])
    data = {"id": np.arange(1, n + 1), "code": store.codes[cc].astype(object),
            "company_name": np.array([store.display_name(c) for c in store.codes[cc]], dtype=object),
            "change_date": day, "pub_date": day.copy(),
            "change_reason": np.full(n, "股本变动", dtype=object),
            "share_total": tot[rr, cc], "share_trade_total": flo[rr, cc], "share_rmb": flo[rr, cc],
            "share_non_trade": tot[rr, cc] - flo[rr, cc]}
    return _frame("STK_CAPITAL_CHANGE", n, data)


_BUILDERS = {"STK_XR_XD": _xr_xd, "STK_LIST": _stk_list, "STK_CAPITAL_CHANGE": _capital_change,
             **{t: (lambda store, t=t: _frame(t, 0, {})) for t in _EMPTY}}


def _table(store, name: str) -> pd.DataFrame:
    from .reference import memo
    return memo(store, ("finance_table", name), lambda: _BUILDERS[name](store))


# ---------------------------------------------------------------------------- run_query
def _arrow(df: pd.DataFrame, name: str):
    import pyarrow as pa
    types = {_S: pa.string(), _F: pa.float64(), _D: pa.date32(), _I: pa.int64()}
    arrays = []
    for c, t in _ALL_COLUMNS[name]:
        v = df[c]
        if t is _D:
            arrays.append(pa.array(list(v), type=pa.date32()))
        elif t is _I:
            arrays.append(pa.array([None if x is None or (isinstance(x, float) and np.isnan(x)) else int(x)
                                    for x in v], type=pa.int64()))
        else:
            arrays.append(pa.array(v.to_numpy(), type=types[t], from_pandas=True))
    return pa.Table.from_arrays(arrays, names=[c for c, _ in _ALL_COLUMNS[name]])


class _Finance:
    """The ``finance`` namespace (or another JoinQuant database such as ``macro``): tables
    as attributes plus ``run_query``."""

    def __init__(self, db: str = "finance", tables: dict | None = None):
        tables = _COLUMNS if tables is None else tables
        object.__setattr__(self, "_db", db)
        object.__setattr__(self, "_tables", tuple(tables))
        object.__setattr__(self, "TABLES", tuple(tables))
        for n in tables:
            object.__setattr__(self, n, FinanceTable(n, db))

    def __getattr__(self, item):
        if item.startswith("__"):
            raise AttributeError(item)
        raise AttributeError(f"{self._db}.{item} is not available in jqlite (its data is not in the "
                             f"store); available {self._db} tables: {', '.join(self._tables)}")

    def __repr__(self):
        return f"<jqlite {self._db} database: {', '.join(self._tables)}>"

    def run_query(self, query_object) -> pd.DataFrame:
        """Run ``query(finance.TABLE...)`` (filter/order_by/limit ...) on one finance table.

        Parameters
        ----------
        query_object : Query
            ``query(finance.STK_XR_XD)`` or ``query(finance.STK_XR_XD.code, ...)`` with
            SQLAlchemy filters, built with :func:`jqlite.api.fundamentals.query`.

        Returns
        -------
        pandas.DataFrame
            Default integer index; the selected columns (whole-table selects give every
            column in JoinQuant's order); dates as ``datetime.date``.

        Raises
        ------
        ParamsError
            Not a query, a non-finance table, or more than one table.
        """
        from .fundamentals import Query, _arrow_table, _conn, _DIALECT
        q = query_object
        if isinstance(q, sa.sql.Select):
            q = Query((), q)
        if not isinstance(q, Query):
            raise ParamsError(f"finance.run_query() expects a query(...) object, got {type(q).__name__}")
        froms = q.statement.get_final_froms()
        names = []
        db = self._db
        for f in froms:
            n = getattr(f, "name", None)
            if n not in self._tables or getattr(self, n).__table__ is not f:
                raise ParamsError(f"{db}.run_query() only queries the {db} tables "
                                  f"{list(self._tables)}; got {n or f}")
            names.append(n)
        if len(names) != 1:
            raise ParamsError(f"{db}.run_query(): one table per query (JoinQuant does not join "
                              f"{db} tables); got {names or 'none'}")
        name = names[0]
        if name in _EMPTY:
            from .reference import _warn_once
            _warn_once(f"{db}.{name}", _EMPTY[name],
                       message=f"{db}.run_query(): the data store has no {_EMPTY[name]}; "
                               f"returning an empty DataFrame with JoinQuant's columns")
        store = _binding.active_store()
        df = _table(store, name)
        run = run_or_none()
        if (run is not None and getattr(run.settings, "avoid_future_data", False)
                and name in _PUB_COLUMN):
            pub = pd.to_datetime(df[_PUB_COLUMN[name]])
            df = df[~(pub > pd.Timestamp(run.current_dt.date())).to_numpy()]
        if run is None or not getattr(run.settings, "avoid_future_data", False):
            from .reference import memo
            tbl = memo(store, ("finance_arrow", name), lambda: _arrow(df, name))
        else:
            tbl = _arrow(df, name)
        sql = str(q.statement.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True}))
        con = _conn()
        con.register(name, tbl)
        try:
            return _arrow_table(con.execute(sql)).to_pandas()
        finally:
            try:
                con.unregister(name)
            except Exception:  # pragma: no cover
                pass


finance = _Finance()
macro = _Finance("macro", _MACRO_COLUMNS)


class _Unavailable:
    """A JoinQuant database jqlite has no data for (``jy``, 聚源): every table and
    ``run_query`` raise :class:`~jqlite.errors.ParamsError` naming the database."""

    def __init__(self, db: str, what: str):
        object.__setattr__(self, "_db", db)
        object.__setattr__(self, "_what", what)

    def _error(self, item: str) -> ParamsError:
        return ParamsError(f"{self._db}.{item}: the {self._what} database ({self._db}) is not "
                           f"available in jqlite; its tables have no data in the store")

    def __getattr__(self, item):
        if item.startswith("_"):      # dunders and tool probes (_repr_html_, ...)
            raise AttributeError(item)
        if item == "run_query":
            def run_query(*args, **kwargs):
                raise self._error("run_query()")
            return run_query
        raise self._error(item)

    def __repr__(self):
        return f"<jqlite {self._db} database: not available>"


jy = _Unavailable("jy", "聚源 (JuYuan)")
