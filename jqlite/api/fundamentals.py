"""JoinQuant fundamentals API: ``query``, the fundamentals tables, ``get_fundamentals`` & co.

SQL layer
---------
Query objects are **SQLAlchemy Core** expressions (``valuation.market_cap.desc()``,
``valuation.code.in_(...)``, ``and_``/``or_``/``not_``, arithmetic between columns, whole
table selects, ``order_by``/``limit``/``offset``/``group_by`` all come from SQLAlchemy, so
any expression a JoinQuant strategy builds is accepted).  They are executed by **DuckDB**:
for the requested date each referenced table becomes one small pandas frame (one row per
security: the valuation of that day, or the latest report with ``pubDate <= date``), taken
from the point-in-time arrays of :mod:`jqlite.data.fundamentals` with only the referenced
columns, and the compiled SQL runs over them.  Tables are implicitly joined on ``code``
(as JoinQuant does).  A whole-market query on one date takes a few milliseconds warm
(see ``benchmarks/bench_fundamentals.py``); a hand-written evaluator of the expression tree
would be marginally faster but would have to re-implement SQL semantics (NULL logic,
ordering of NULLs, group_by, functions) - not simpler.

Returned frames use JoinQuant's column names; ``day``, ``pubDate`` and ``statDate`` are
``'YYYY-MM-DD'`` strings as the JoinQuant SDK returns them.  No 5000/10000-row cap is applied.
"""

from __future__ import annotations

import datetime as _dt
import re
import threading

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as _pg
from sqlalchemy.sql import visitors as _visitors

from ._binding import timed

from ..compat.panel import as_panel
from ..data import fundamentals as F
from ..errors import ParamsError

__all__ = [
    "query", "valuation", "income", "balance", "cash_flow", "indicator", "and_", "or_",
    "not_", "desc", "asc", "func", "get_fundamentals", "get_fundamentals_continuously",
    "get_valuation", "get_history_fundamentals",
]

and_ = sa.and_
or_ = sa.or_
not_ = sa.not_
desc = sa.desc
asc = sa.asc
func = sa.func

_MD = sa.MetaData()
_KEY_COLS = {
    "valuation": ("id", "code", "day"),
    "income": ("id", "code", "day", "pubDate", "statDate"),
    "balance": ("id", "code", "day", "pubDate", "statDate"),
    "cash_flow": ("id", "code", "day", "pubDate", "statDate"),
    "indicator": ("id", "code", "day", "pubDate", "statDate"),
}


class SqlTable:
    """Base of JoinQuant's query tables: attribute access gives the SQLAlchemy column
    (``valuation.market_cap``, ``finance.STK_XR_XD.code``); an unknown column raises
    AttributeError with :meth:`_missing`'s message; tables are read-only."""

    _kind = "table"

    def __init__(self, name: str, columns: list):
        self.__dict__["_name"] = name
        self.__dict__["__table__"] = sa.Table(name, _MD, *columns)

    def __clause_element__(self):
        return self.__table__

    def _missing(self, item: str) -> str:
        return f"{self._kind} {self._name} has no column {item!r}"

    def __getattr__(self, item):
        if item.startswith("__"):
            raise AttributeError(item)
        try:
            return self.__table__.c[item]
        except KeyError:
            raise AttributeError(self._missing(item)) from None

    def __setattr__(self, key, value):
        raise AttributeError(f"{self._kind} {self._name} is read-only")

    def __repr__(self):
        return f"<{self._kind} {self._name}>"

    def __dir__(self):
        return list(self.__table__.c.keys())


class FundamentalsTable(SqlTable):
    """A JoinQuant fundamentals table: ``valuation.market_cap`` is a SQLAlchemy column;
    an unknown column raises AttributeError naming table and column."""

    _kind = "fundamentals table"

    def __init__(self, name: str):
        cols = [sa.Column("id", sa.Integer)]
        cols += [sa.Column(c, sa.String) for c in _KEY_COLS[name][1:]]
        cols += [sa.Column(c, sa.Float) for c in F.COLUMNS[name]]
        super().__init__(name, cols)

    def __getattr__(self, item):
        # JoinQuant's own spellings of a few columns (F.COLUMN_ALIASES): the stored column
        # under the asked name; not part of ``query(table)``'s whole-table column list
        canon = F.COLUMN_ALIASES.get(self.__dict__["_name"], {}).get(item)
        if canon is not None:
            return self.__table__.c[canon].label(item)
        return super().__getattr__(item)

    def _missing(self, item: str) -> str:
        return (f"type object '{self._name}' has no attribute '{item}' "
                f"(JoinQuant table {self._name} has no column {item!r})")


valuation = FundamentalsTable("valuation")
income = FundamentalsTable("income")
balance = FundamentalsTable("balance")
cash_flow = FundamentalsTable("cash_flow")
indicator = FundamentalsTable("indicator")
_TABLES = {t._name: t for t in (valuation, income, balance, cash_flow, indicator)}


def _string_columns(text: str) -> list:
    """Columns named by a string such as ``'finance.STK_ML_QUOTA.day,finance.STK_ML_QUOTA.link_name'``.

    JoinQuant's ``query`` is SQLAlchemy's ``Session.query``; before SQLAlchemy 1.4 a string
    entity was taken as textual SQL (with a warning), so a comma-separated list of
    ``table.column`` names selected those columns on JoinQuant's MySQL.  jqlite resolves each
    name to its column (``valuation.pe_ratio``, ``indicator.roe``,
    ``finance.STK_ML_QUOTA.day``, ``macro.MAC_AREA_GDP_QUARTER.gdp``...).

    Raises
    ------
    ParamsError
        When a part is not a ``table.column`` name (names it).
    AttributeError
        When the table or column is unknown, or a finance table is not in the store (the
        table's own message).
    """
    import jqdata
    out = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        names = part.split(".")
        obj = getattr(jqdata, names[0], None) if len(names) >= 2 and names[0] in jqdata.__all__ else None
        for n in names[1:]:   # a table jqlite lacks raises its own AttributeError here
            obj = getattr(obj, n) if obj is not None else None
        if not isinstance(obj, sa.sql.elements.ColumnElement):
            raise ParamsError(f"query() takes table columns such as valuation.market_cap; the string "
                              f"{text!r} names {part!r}, which is not a column jqlite knows")
        out.append(obj)
    if not out:
        raise ParamsError(f"query() got the empty string {text!r}")
    return out


class Query:
    """``query(...)`` result: an immutable SQLAlchemy ``Select`` with JoinQuant's chaining
    methods (``filter``, ``order_by``, ``limit``, ``offset``, ``group_by``, ``having``)."""

    def __init__(self, entities, stmt=None):
        self._entities = tuple(entities)
        if stmt is None:
            if not entities:
                raise ParamsError("query() needs at least one table or column")
            if any(isinstance(e, str) for e in entities):
                entities = tuple(x for e in entities for x in (_string_columns(e) if isinstance(e, str) else [e]))
                self._entities = entities
            stmt = sa.select(*entities)
        self.statement = stmt

    def _new(self, stmt):
        return Query(self._entities, stmt)

    def filter(self, *criteria):
        return self._new(self.statement.where(*criteria))

    where = filter

    def order_by(self, *clauses):
        return self._new(self.statement.order_by(*clauses))

    def limit(self, n):
        return self._new(self.statement.limit(int(n)))

    def offset(self, n):
        return self._new(self.statement.offset(int(n)))

    def group_by(self, *clauses):
        return self._new(self.statement.group_by(*clauses))

    def having(self, *criteria):
        return self._new(self.statement.having(*criteria))

    def distinct(self):
        return self._new(self.statement.distinct())

    def subquery(self, name=None):
        return self.statement.subquery(name)

    def __str__(self):
        return str(self.statement.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True}))

    __repr__ = __str__


def query(*entities) -> Query:
    """JoinQuant ``query(table_or_column, ...)``."""
    return Query(entities)


_DIALECT = _pg.dialect()


# ---------------------------------------------------------------------------- context
def _current_date():
    """The simulated date inside a backtest, None in research."""
    try:
        from ._binding import current_date_or_none  # type: ignore
    except ImportError:
        return None
    return current_date_or_none()


def _store():
    try:
        from ._binding import active_store  # type: ignore
    except ImportError:
        active_store = None
    if active_store is not None:
        return active_store()
    from ..data.store import open_store
    return open_store()


def _to_date(d) -> _dt.date:
    if isinstance(d, _dt.datetime):
        return d.date()
    if isinstance(d, _dt.date):
        return d
    from ..compat.dates import to_date
    return to_date(d)


def _default_date(store) -> _dt.date:
    """JoinQuant's default ``date``: the day before the simulated date in a backtest; the
    latest data date of the store in research."""
    cur = _current_date()
    if cur is not None:
        return _to_date(cur) - _dt.timedelta(days=1)
    return store.dates[-1].date()


# ---------------------------------------------------------------------------- snapshots
_STR_CACHE_LOCK = threading.Lock()


def _date_strings(days_int: np.ndarray) -> np.ndarray:
    return np.datetime_as_string(days_int.astype("datetime64[D]"), unit="D").astype(object)


def _stmt_strings(panel, table):
    """Cached pyarrow string arrays: statDate per quarter, pubDate per (security, quarter)
    flattened row-major."""
    import pyarrow as pa

    def build():
        st = panel.statement(table)
        q = np.arange(st.nq) + st.q0
        sd = _date_strings(F.quarter_end(q).values.astype("datetime64[D]").astype(np.int64))
        pub = np.where(st.has_report, st.pub_days, 0)
        ps = _date_strings(pub.ravel())
        return pa.array(sd.astype(str), type=pa.string()), pa.array(ps.astype(str), type=pa.string())
    return panel.store.cached(("fund_strings", panel.version, table), build)


def _code_array(store):
    import pyarrow as pa
    return store.cached("fund_codes_pa", lambda: pa.array(store.codes.astype(str), type=pa.string()))


def _listed_mask(store, day: _dt.date) -> np.ndarray:
    sec = store.cached("fund_listing_i8", lambda: (
        store.securities["start_date"].to_numpy().astype("datetime64[D]").astype(np.int64),
        store.securities["end_date"].to_numpy().astype("datetime64[D]").astype(np.int64)))
    d = np.datetime64(day, "D").astype(np.int64)
    return (sec[0] <= d) & (sec[1] >= d)


def _parse_stat_date(s) -> tuple[int, bool]:
    """'2019q3' -> (quarter ordinal, False); '2019' -> (Q4 ordinal, True)."""
    m = re.fullmatch(r"\s*(\d{4})(?:\s*[qQ]([1-4]))?\s*", str(s))
    if not m:
        # 'YYYYq3.0' / 'YYYYq3.3333333333333335': str(month / 3) in a file written for
        # Python 2, where / floored; read the quarter as Python 2 computed it
        m2 = re.fullmatch(r"\s*(\d{4})\s*[qQ]([1-4])\.\d+\s*", str(s))
        if m2:
            from ..compat.legacy import used
            used("statDate 'YYYYqN.x' (Python 2 integer division)",
                 "str(year) + 'q' + str(month // 3)")
            return int(m2.group(1)) * 4 + int(m2.group(2)) - 1, False
        raise ParamsError(f"statDate {s!r} is not 'YYYY' or 'YYYYqN' (e.g. '2019' or '2019q3')")
    y = int(m.group(1))
    if m.group(2):
        return y * 4 + int(m.group(2)) - 1, False
    return y * 4 + 3, True


#: What would supply a fundamentals table the store lacks (for the gap message).
_SUPPLY = {
    "valuation": "daily valuation (market cap, shares, PE/PB ...) in fundamentals/valuation.parquet",
    "income": "income statements (利润表) in fundamentals/income.parquet",
    "balance": "balance sheets (资产负债表) in fundamentals/balance.parquet",
    "cash_flow": "cash-flow statements (现金流量表) in fundamentals/cash_flow.parquet",
    "indicator": "financial indicators (财务指标) in fundamentals/indicator.parquet",
}


def column_filled(panel, table: str, column: str) -> bool:
    """Whether the store holds at least one value of ``table.column`` (a column present in
    the file but entirely NaN counts as absent).  Cached on the panel."""
    cache = panel.__dict__.setdefault("_jqlite_filled", {})
    key = (table, column)
    v = cache.get(key)
    if v is None:
        if not panel.has(table, column):
            v = False
        elif table == "valuation":
            v = bool(np.isfinite(panel.valuation(column)).any())
        else:
            v = bool(np.isfinite(panel.statement(table).raw(column)).any())
        cache[key] = v
    return v


def _gap(api: str, panel, table: str, cols) -> None:
    """Record a data gap for every requested value column of ``table`` the store lacks."""
    from ._gaps import record_gap
    vals = [c for c in cols if c not in ("id", "code", "day", "pubDate", "statDate")]
    if not vals:
        return
    if table not in panel.tables():
        what = f"table {table}" if len(vals) > 3 else ", ".join(f"{table}.{c}" for c in vals)
        record_gap(api, what, f"{api}: {what} absent in store (the store has no {table} table; "
                              f"{_SUPPLY[table]} would supply it); returning NaN for "
                              f"{', '.join(vals[:8])}{' ...' if len(vals) > 8 else ''}")
        return
    for c in vals:
        if not column_filled(panel, table, c):
            held = "holds the column but no value" if panel.has(table, c) else "has no such column"
            record_gap(api, f"{table}.{c}", f"{api}: {table}.{c} absent in store (its {table} "
                                            f"table {held}; {_SUPPLY[table]} with a {c} column "
                                            f"would supply it); returning NaN")


def _nan_frame(panel, name: str, cols: list[str], day: _dt.date | None, stat_q: int | None,
               annual: bool):
    """The frame of a table the store does not hold: one row per security listed on the
    query day (the period end for ``statDate`` queries), every value NaN, no dates."""
    store = panel.store
    if day is None:
        qe = F.quarter_end([stat_q])[0]
        if annual:
            qe = pd.Timestamp(year=qe.year, month=12, day=31)
        day = qe.date()
    typ = store.cached("fund_is_stock", lambda: (store.securities["type"].to_numpy() == "stock")
                       & ~store.securities.index.isin(list(store.on_demand)))   # never listed
    s = np.flatnonzero(_listed_mask(store, day) & typ)
    data = {"id": s + 1, "code": _code_array(store).take(s), "day": _repeat(str(day), len(s))}
    if name != "valuation":
        import pyarrow as pa
        data["pubDate"] = pa.nulls(len(s), type=pa.string())
        data["statDate"] = pa.nulls(len(s), type=pa.string())
    for c in cols:
        if c not in data:
            data[c] = np.full(len(s), np.nan)
    return _arrow(data)


_CODE_LIT = re.compile(r"'(\d{6}\.(?:XSHG|XSHE))'")


def _named_on_demand(store, sql: str) -> frozenset:
    """On-demand codes a query names as literals (``valuation.code.in_([...])``,
    ``== '601633.XSHG'``): only those enter its tables, so a query naming none answers the
    base market, whatever earlier calls synthesised.  A valid stock code the sample store
    lacks is synthesised first (``SecuritiesAdded``: the call is repeated / the backtest
    restarts, :mod:`jqlite.data.on_demand`)."""
    if not getattr(store, "synthesizes", False):
        return frozenset()
    named = set(_CODE_LIT.findall(sql))
    if not named:
        return frozenset()
    from ..data.on_demand import classify, ensure
    ensure(store, sorted(c for c in named if (k := classify(c)) is not None and k.kind == "stock"))
    return frozenset(named & store.on_demand)


def _hide_on_demand(store, s: np.ndarray, allow: frozenset) -> np.ndarray:
    """Keep the base columns of ``s`` and the on-demand ones in ``allow``."""
    if not store.on_demand or not len(s):
        return np.ones(len(s), bool)
    od = store.cached("fund_od_mask", lambda: np.isin(store.codes, list(store.on_demand)))
    keep = ~od[s]
    if allow:
        keep |= np.isin(store.codes[s], list(allow))
    return keep


def _table_frame(panel, name: str, cols: list[str], day: _dt.date | None,
                 stat_q: int | None = None, annual: bool = False,
                 allow: frozenset = frozenset()) -> pd.DataFrame:
    """One frame per referenced table: one row per security, the requested columns
    (on-demand stocks only when in ``allow``)."""
    store = panel.store
    if name == "valuation" and name not in panel.tables():
        return _nan_frame(panel, name, cols, day, stat_q, annual)
    if name == "valuation":
        if day is None:   # statDate query: last trading day of the period
            qe = F.quarter_end([stat_q])[0]
            if annual:
                qe = pd.Timestamp(year=qe.year, month=12, day=31)
            i = store.day_index(qe)
            day = store.dates[i].date() if i >= 0 else qe.date()
        else:
            i = store.day_index(day)
        if i < 0:
            return _arrow({"id": np.zeros(0, np.int64), "code": np.zeros(0, dtype=str),
                           "day": np.zeros(0, dtype=str),
                           **{c: np.zeros(0) for c in cols if c not in ("id", "code", "day")}})
        s = np.flatnonzero(panel.valuation_present()[i])
        s = s[_hide_on_demand(store, s, allow)]
        trading = store.dates[i].date() == day
        data = {"id": s + 1, "code": _code_array(store).take(s), "day": _repeat(str(day), len(s))}
        for c in cols:
            if c in ("id", "code", "day"):
                continue
            if c == "turnover_ratio" and not trading:
                data[c] = np.full(len(s), np.nan)
            elif c == "turnover_ratio":
                # A security suspended that day did not trade: no turnover, as on a
                # non-trading day (NaN, not the 0 a store may hold for volume 0).
                # JoinQuant keeps no valuation row for a suspended day (get_valuation
                # returns fewer rows), so its turnover is never a 0 there.
                v = np.array(panel.valuation(c)[i, s], dtype=np.float64)
                v[store.field("paused")[i, s] == 1] = np.nan
                data[c] = v
            else:
                data[c] = panel.valuation(c)[i, s]
        return _arrow(data)
    if name not in panel.tables():
        return _nan_frame(panel, name, cols, day, stat_q, annual)
    st = panel.statement(name)
    if stat_q is None:
        s, qi = st.latest_on(np.datetime64(day, "D").astype(np.int64))
        lm = _listed_mask(store, day)
        keep = lm[s]
        s, qi = s[keep], qi[keep]
    else:
        k = stat_q - st.q0
        if k < 0 or k >= st.nq:
            s = np.zeros(0, np.int64)
        else:
            s = np.flatnonzero(st.has_report[:, k])
        qi = np.full(len(s), max(k, 0), dtype=np.int64) if stat_q is not None else qi
    keep = _hide_on_demand(store, s, allow)
    s, qi = s[keep], qi[keep]
    sd, ps = _stmt_strings(panel, name)
    day_s = str(day) if day is not None else None
    if day_s is None:
        day_s = str(F.quarter_end([stat_q])[0].date())
    data = {"id": s + 1, "code": _code_array(store).take(s), "day": _repeat(day_s, len(s)),
            "pubDate": ps.take(s * st.nq + qi), "statDate": sd.take(qi)}
    for c in cols:
        if c in data:
            continue
        if annual or not st.cumulative:
            v = st.raw(c)
        else:
            v = st.single(c)[0]
        data[c] = v[s, qi]
    return _arrow(data)


def _repeat(value: str, n: int):
    import pyarrow as pa
    return pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int32)),
                                          pa.array([value], type=pa.string())).cast(pa.string())


def _arrow(data: dict):
    """A pyarrow table from numpy columns (DuckDB scans Arrow much faster than object
    columns of a pandas frame)."""
    import pyarrow as pa
    cols = {}
    for k, v in data.items():
        if isinstance(v, (pa.Array, pa.ChunkedArray)):
            cols[k] = v
            continue
        v = np.asarray(v)
        if v.dtype.kind in "OU":
            cols[k] = pa.array(v.astype(str) if v.dtype.kind == "O" else v, type=pa.string())
        else:
            cols[k] = pa.array(v)
    return pa.table(cols)


_local = threading.local()


def _conn():
    con = getattr(_local, "con", None)
    if con is None:
        import duckdb
        con = duckdb.connect(":memory:")
        con.execute("SET threads TO 1")
        _local.con = con
    return con


def _arrow_table(result):
    """The Arrow table of a DuckDB result (``to_arrow_table`` from duckdb 1.4; older names before)."""
    fetch = getattr(result, "to_arrow_table", None) or result.fetch_arrow_table
    return fetch()


def _hoist_order_modifiers(stmt):
    """``order_by(a / (b * 1e8).desc())`` -- ``.desc()`` called on an operand instead of the
    whole term -- as MySQL reads what JoinQuant's SQLAlchemy writes for it,
    ``ORDER BY a / b * 100000000 DESC``: the modifier sorts the whole term.  SQLAlchemy 2
    with jqlite's dialect would write ``CAST(b * 100000000 DESC AS NUMERIC)``, which no SQL
    parser accepts.  Terms whose modifier is already outermost are left as they are."""
    clauses = list(getattr(stmt, "_order_by_clauses", ()) or ())
    if not clauses:
        return stmt
    from sqlalchemy.sql import operators as ops
    from sqlalchemy.sql.elements import UnaryExpression
    mods = (ops.desc_op, ops.asc_op)
    out, changed = [], False
    for c in clauses:
        if isinstance(c, UnaryExpression) and c.modifier in mods:
            out.append(c)
            continue
        found = []

        def inner(el, found=found):
            if isinstance(el, UnaryExpression) and el.modifier in mods:
                found.append(el.modifier)
                return el.element
            return None
        c2 = _visitors.replacement_traverse(c, {}, inner)
        if found:
            changed = True
            c2 = c2.desc() if found[-1] is ops.desc_op else c2.asc()
        out.append(c2)
    return stmt.order_by(None).order_by(*out) if changed else stmt


def _plan(q: Query):
    """(compiled SQL, {table name: [columns needed]}) for a query; cached per Query."""
    plan = getattr(q, "_plan_cache", None)
    if plan is not None:
        return plan
    stmt = _hoist_order_modifiers(q.statement)
    froms = stmt.get_final_froms()
    names = []
    for f in froms:
        n = getattr(f, "name", None)
        if n not in _TABLES or _TABLES[n].__table__ is not f:
            raise ParamsError(f"get_fundamentals only queries the fundamentals tables "
                              f"{list(_TABLES)}; got {f}")
        names.append(n)
    # a table named only in ORDER BY (``query(valuation.code).order_by(balance.x.desc())``) is
    # not in SQLAlchemy's FROM list; JoinQuant joins it on code like any other (a real public
    # file does this) -- add it, the join below puts it in FROM
    for el in _visitors.iterate(stmt):
        if isinstance(el, sa.Column) and el.table is not None:
            n = getattr(el.table, "name", None)
            if n in _TABLES and _TABLES[n].__table__ is el.table and n not in names:
                names.append(n)
    if not names:
        raise ParamsError("the query selects no fundamentals table")
    needed: dict[str, set] = {n: set() for n in names}
    for e in q._entities:
        t = e.__clause_element__() if isinstance(e, FundamentalsTable) else e
        if isinstance(t, sa.Table) and t.name in needed:
            needed[t.name].update(t.c.keys())
    for el in _visitors.iterate(stmt):
        if isinstance(el, sa.Column) and el.table is not None and el.table.name in needed:
            needed[el.table.name].add(el.name)
    first = _TABLES[names[0]]
    for n in names[1:]:
        stmt = stmt.where(_TABLES[n].code == first.code)
        needed[n].add("code")
        needed[names[0]].add("code")
    sql = str(stmt.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True}))
    plan = (sql, {n: sorted(c for c in v if c not in ("id", "code", "day", "pubDate", "statDate"))
                  + [c for c in ("id", "code", "day", "pubDate", "statDate") if c in v]
                  for n, v in needed.items()})
    try:
        q._plan_cache = plan
    except AttributeError:
        pass
    return plan


def _mysql_booleans(df: pd.DataFrame) -> pd.DataFrame:
    """Comparison columns as JoinQuant's MySQL returns them: integers 1/0, not booleans.

    ``query(valuation.code, valuation.pb_ratio > 0)`` selects a comparison (a common slip
    for ``filter``); MySQL has no boolean type and answers 1/0 (NULL where an operand is
    NULL), which pandas reads as int64 (float64 with NaN when a NULL is present).  DuckDB
    answers booleans, on which numpy's ``sign``/``log`` fail.  Such columns become int64, or
    float64 1.0/0.0/NaN when a value is missing."""
    for col in df.columns:
        s = df[col]
        if s.dtype == bool:
            df[col] = s.astype("int64")
        elif s.dtype == object and len(s) and s.map(lambda v: v is None or isinstance(v, bool)).all() \
                and s.map(lambda v: isinstance(v, bool)).any():
            df[col] = s.map(lambda v: np.nan if v is None else float(v)).astype("float64")
    return df


def _run(q: Query, panel, day=None, stat_q=None, annual=False, api="get_fundamentals") -> pd.DataFrame:
    sql, needed = _plan(q)
    for n, cols in needed.items():
        _gap(api, panel, n, cols)
    allow = _named_on_demand(panel.store, sql)
    return _execute(sql, {n: _table_frame(panel, n, cols, day, stat_q, annual, allow)
                          for n, cols in needed.items()})


def _execute(sql: str, frames: dict) -> pd.DataFrame:
    """``sql`` run by DuckDB over ``frames`` (table name -> pandas DataFrame or Arrow table),
    registered for this query only; the answer with MySQL's 0/1 booleans."""
    con = _conn()
    for n, t in frames.items():
        con.register(n, t)
    try:
        return _mysql_booleans(_arrow_table(con.execute(sql)).to_pandas())
    finally:
        for n in frames:
            try:
                con.unregister(n)
            except Exception:
                pass


#: SQL a per-day query cannot be answered from one query over all days stacked: row limits,
#: grouping/aggregation and windows work across the days' rows, subqueries see other days
_PER_DAY_SQL = re.compile(r"\b(?:LIMIT|OFFSET|GROUP\s+BY|HAVING|DISTINCT|OVER|UNION|INTERSECT|EXCEPT)\b|"
                          r"\b(?:count|sum|avg|min|max|stddev\w*|var\w*|first|last|any_value)\s*\(", re.I)


def _run_days(q: Query, panel, days: list) -> "pd.DataFrame | None":
    """``q`` run on each of ``days`` at once: every referenced table's frames of all the days
    stacked (each row carries its ``day``) and joined on code *and* day, so one DuckDB query
    answers what ``len(days)`` queries did (``get_fundamentals_continuously(count=250)``
    was 250 queries, ~8 s).  Rows are those of the per-day queries; their order is left to
    the caller (which sorts by code and day).  None when the SQL works across rows (LIMIT,
    GROUP BY, aggregates, DISTINCT, windows, subqueries): the caller then runs day by day."""
    import pyarrow as pa
    sql0, needed0 = _plan(q)
    if _PER_DAY_SQL.search(sql0) or sql0.upper().count("SELECT") != 1:
        return None
    names = list(needed0)
    stmt = q.statement
    first = _TABLES[names[0]]
    for n in names[1:]:
        stmt = stmt.where(_TABLES[n].day == first.day)
    bq = Query(q._entities, stmt)
    sql, needed = _plan(bq)
    for n, cols in needed.items():
        _gap("get_fundamentals_continuously", panel, n, cols)
    allow = _named_on_demand(panel.store, sql)
    frames = {}
    for n, cols in needed.items():
        parts = [_table_frame(panel, n, cols, d, None, False, allow) for d in days]
        parts = [t if isinstance(t, pa.Table) else pa.Table.from_pandas(t, preserve_index=False) for t in parts]
        frames[n] = pa.concat_tables(parts, promote_options="default")
    return _execute(sql, frames)


def _panel(store):
    """The store's fundamentals panel; a store without ``fundamentals/`` gets an empty one
    (every table absent: queries answer NaN rows and record data gaps)."""
    return F.fundamentals_panel(store)


def _check_query(q):
    if not isinstance(q, Query):
        if isinstance(q, sa.sql.Select):
            return Query((), q)
        raise ParamsError(f"expected a query(...) object, got {type(q).__name__}")
    return q


def _check_future(func: str, day, q: "Query | None" = None, stat_date=None, valuation=None) -> None:
    """``set_option('avoid_future_data', True)`` inside a backtest (spec §10): a date after
    the simulated day raises FutureDataError; so does the simulated day itself before 15:00
    when valuation is asked for (valuation is published after the close), and ``statDate``
    (a report period says nothing about when the report was public)."""
    from ._binding import run_or_none
    run = run_or_none()
    if run is None or not getattr(run.settings, "avoid_future_data", False):
        return
    from ..errors import FutureDataError
    cur = run.current_dt
    if stat_date is not None:
        raise FutureDataError(f"avoid_future_data=True时,{func}不能使用statDate参数({stat_date}),"
                              f"请使用date参数")
    if day > cur.date():
        raise FutureDataError(f"avoid_future_data=True时,{func}的date({day})不能大于当前日期({cur})")
    if day == cur.date() and cur.time() < _dt.time(15, 0):
        if valuation is None:
            valuation = q is None or "valuation" in _plan(q)[1]
        if valuation:
            raise FutureDataError(f"avoid_future_data=True时,{func}不能在{cur}获取当天({day})的估值数据"
                                  f"(valuation),收盘后才可获取")


# ---------------------------------------------------------------------------- public API
@timed("data")
def get_fundamentals(query_object, date=None, statDate=None) -> pd.DataFrame:
    """JoinQuant ``get_fundamentals``: run ``query_object`` on ``date`` (valuation of that day,
    statements with ``pubDate <= date``) or on the report period ``statDate``
    (``'2019q3'`` single quarter, ``'2019'`` full year), never both.

    Default date: the day before the simulated date inside a backtest, the store's last
    date in research.

    Raises
    ------
    FutureDataError
        With ``set_option('avoid_future_data', True)`` in a backtest: ``date`` after the
        simulated day, the simulated day itself before 15:00 when valuation is queried, or
        any ``statDate`` (spec §10).
    """
    q = _check_query(query_object)
    if date is not None and statDate is not None:
        raise ParamsError("get_fundamentals: date and statDate cannot both be given")
    store = _store()
    panel = _panel(store)
    if statDate is not None:
        _check_future("get_fundamentals", None, q, stat_date=statDate)
        sq, annual = _parse_stat_date(statDate)
        return _run(q, panel, None, sq, annual)
    day = _to_date(date) if date is not None else _default_date(store)
    _check_future("get_fundamentals", day, q)
    return _run(q, panel, day)


@timed("data")
def get_fundamentals_continuously(query_object, end_date=None, count=None, panel=True):
    """Run the query on each of the last ``count`` trading days up to ``end_date``.

    ``panel=False``: a DataFrame with ``day`` and ``code`` columns, sorted by code then day.
    ``panel=True`` (pandas has no Panel any more): a DataFrame indexed by day with
    (field, code) MultiIndex columns, so ``result['market_cap']`` is a day x code frame as
    the old Panel item was.
    """
    q = _check_query(query_object)
    if count is None:
        raise ParamsError("get_fundamentals_continuously: count is required")
    store = _store()
    fp = _panel(store)
    end = _to_date(end_date) if end_date is not None else _default_date(store)
    _check_future("get_fundamentals_continuously", end, q)
    i = store.day_index(end)
    days = store.dates[max(0, i - int(count) + 1): i + 1]
    # make sure code and day come back
    sql_q = q
    sel = q.statement.selected_columns
    names = [c.name for c in sel if hasattr(c, "name")]
    tbl = _TABLES[next(iter(_plan(q)[1]))]
    extra = [c for c in ("code", "day") if c not in names]
    if extra:
        sql_q = Query(q._entities, q.statement.add_columns(*[getattr(tbl, c) for c in extra]))
    df = _run_days(sql_q, fp, [d.date() for d in days]) if len(days) else None
    if df is None:
        frames = [_run(sql_q, fp, d.date(), api="get_fundamentals_continuously") for d in days]
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["code", "day"])
    df = df.sort_values(["code", "day"], kind="stable").reset_index(drop=True)
    if not panel:
        return df
    vals = [c for c in df.columns if c not in ("code", "day", "id")]
    wide = df.pivot_table(index="day", columns="code", values=vals, aggfunc="first", dropna=False)
    wide.index = pd.to_datetime(wide.index)
    return as_panel(wide)


def _codes(security_list) -> list[str]:
    if isinstance(security_list, str):
        return [security_list]
    return list(security_list)


@timed("data")
def get_valuation(security_list, start_date=None, end_date=None, fields=None, count=None) -> pd.DataFrame:
    """JoinQuant ``get_valuation``: daily valuation rows (``code``, ``day`` as datetime.date,
    fields), sorted by code then day; a suspended day has no row.  ``start_date`` and
    ``count`` are exclusive."""
    if start_date is not None and count is not None:
        raise ParamsError("get_valuation: start_date and count cannot both be given")
    if start_date is None and count is None:
        raise ParamsError("get_valuation: one of start_date and count is required")
    store = _store()
    fp = _panel(store)
    end = _to_date(end_date) if end_date is not None else _default_date(store)
    _check_future("get_valuation", end)
    j = store.day_index(end)
    if count is not None:
        i = max(0, j - int(count) + 1)
    else:
        i = store.day_index(_to_date(start_date), side="left")
    if isinstance(fields, str):
        fields = [fields]
    have_table = "valuation" in fp.tables()
    if not fields:
        fields = [c for c in F.VALUATION_COLUMNS if fp.has("valuation", c)] if have_table \
            else list(F.VALUATION_COLUMNS)
    fields = list(fields)
    for f in fields:
        if f not in F.VALUATION_COLUMNS:
            raise ParamsError(f"get_valuation: {f!r} is not a valuation column")
    _gap("get_valuation", fp, "valuation", fields)
    codes = _codes(security_list)
    cols = np.array([store.col(c) for c in codes], dtype=np.int64)
    if j < i or not len(cols):
        return pd.DataFrame(columns=["code", "day"] + fields)
    paused = store.field("paused")[i:j + 1][:, cols]
    if have_table:
        pres = fp.valuation_present()[i:j + 1][:, cols]
    else:   # no valuation table: a (NaN) row for every traded day, as JoinQuant would have
        pres = ~np.isnan(store.field("close")[i:j + 1][:, cols])
    ok = pres & ~(paused == 1)
    rr, cc = np.nonzero(ok.T)  # code-major order
    di = cc + i
    out = {"code": np.asarray(codes, dtype=object)[rr],
           "day": store.dates[di].date}
    for f in fields:
        out[f] = fp.valuation(f)[di, cols[rr]]
    return pd.DataFrame(out)


def _field_of(f):
    if isinstance(f, str):
        if "." not in f:
            raise ParamsError(f"field {f!r} must be 'table.column' (e.g. 'income.net_profit')")
        t, c = f.split(".", 1)
        if t not in _TABLES:
            raise ParamsError(f"unknown fundamentals table {t!r}")
        getattr(_TABLES[t], c)
        return t, c
    if isinstance(f, sa.Column) and f.table is not None and f.table.name in _TABLES:
        return f.table.name, f.name
    raise ParamsError(f"bad field {f!r}")


@timed("data")
def _stat_date_future(fp, fl, cols, codes, qs, wd, wdi, stat_date) -> None:
    """Reports requested by ``stat_date`` in a backtest that are not public on ``wd``:
    FutureDataError under ``avoid_future_data``, else a log warning (they are left out)."""
    from ._binding import run_or_none
    from ..errors import FutureDataError
    hidden = []
    for t, _c in dict.fromkeys(fl):
        st = fp.statement(t)
        k = qs - st.q0
        okk = (k >= 0) & (k < st.nq)
        kc = np.clip(k, 0, st.nq - 1)
        late = okk & st.has_report[cols[:, None], kc] & (st.pub_days[cols[:, None], kc] > wdi)
        for i, kk in zip(*np.nonzero(late)):
            hidden.append((codes[i], F.quarter_end(np.array([qs[i, kk]]))[0].date(),
                           np.datetime64(int(st.pub_days[cols[i], kc[i, kk]]), "D")))
    if not hidden:
        return
    c, sd, pub = hidden[0]
    msg = (f"get_history_fundamentals(stat_date={stat_date!r}): {len(hidden)} report(s) not yet published on "
           f"{wd}, e.g. {c} {sd} (published {pub}); they are left out")
    run = run_or_none()
    if run is not None and getattr(run.settings, "avoid_future_data", False):
        raise FutureDataError(f"avoid_future_data=True时,{msg.replace('; they are left out', '')}")
    if run is not None:
        run.log.system_warning(msg)


def get_history_fundamentals(security, fields, watch_date=None, stat_date=None, count=1,
                             interval="1q", stat_by_year=False) -> pd.DataFrame:
    """JoinQuant ``get_history_fundamentals``: ``count`` report periods per security ending
    at ``stat_date`` (or at each security's latest report visible on ``watch_date``), one
    row per (code, statDate).  ``interval`` '1q' (quarters) or '1y' (years); single-quarter
    values, or full-year cumulative values with ``stat_by_year=True``.  Valuation fields
    are not allowed (as on JoinQuant)."""
    if watch_date is not None and stat_date is not None:
        raise ParamsError("get_history_fundamentals: watch_date and stat_date cannot both be given")
    if interval not in ("1q", "1y"):
        raise ParamsError("get_history_fundamentals: interval must be '1q' or '1y'")
    fl = [_field_of(f) for f in (fields if isinstance(fields, (list, tuple)) else [fields])]
    for t, c in fl:
        if t == "valuation":
            raise ParamsError("get_history_fundamentals does not support valuation fields")
    # key columns among the fields (indicator.code, income.statDate...): the result always
    # has code and statDate; id/day carry nothing per report
    keys = ("code", "statDate", "id", "day")
    if all(c in keys for _t, c in fl):
        raise ParamsError("get_history_fundamentals needs at least one data field besides "
                          "code/statDate (e.g. indicator.roa)")
    fl = [(t, c) for t, c in fl if c not in keys]
    store = _store()
    fp = _panel(store)
    for t in dict.fromkeys(t for t, _c in fl):
        _gap("get_history_fundamentals", fp, t, [c for t2, c in fl if t2 == t])
    codes = _codes(security)
    cols = np.array([store.col(c) for c in codes], dtype=np.int64)
    step = 4 if (interval == "1y" or stat_by_year) else 1
    wd = None
    if stat_date is not None:
        end_q, annual = _parse_stat_date(stat_date)
        end = np.full(len(cols), end_q, dtype=np.int64)
        if _current_date() is not None:
            # in a backtest a report period is only visible once its report is public
            # (pubDate before the simulated day); spec §10
            wd = _default_date(store)
            wdi = np.datetime64(wd, "D").astype(np.int64)
            _stat_date_future(fp, fl, cols, codes, end[:, None] - step * np.arange(count)[::-1][None, :], wd, wdi,
                              stat_date)
    else:
        wd = _to_date(watch_date) if watch_date is not None else _default_date(store)
        _check_future("get_history_fundamentals", wd, valuation=False)
        wdi = np.datetime64(wd, "D").astype(np.int64)
        st0 = fp.statement(fl[0][0])
        vis = st0.pub_days[cols] <= wdi
        last = st0.nq - 1 - np.argmax(vis[:, ::-1], axis=1) + st0.q0
        end = np.where(vis.any(axis=1), last, -10**9)
        if stat_by_year:  # last completed fiscal year
            end = np.where(end % 4 == 3, end, end - (end % 4) - 1)
    rows = {"code": [], "statDate": []}
    qs = (end[:, None] - step * np.arange(count)[::-1][None, :])  # (n_codes, count)
    data = {}
    names = []
    for t, c in fl:
        nm = c if sum(1 for _, c2 in fl if c2 == c) == 1 else f"{t}.{c}"
        names.append(nm)
        st = fp.statement(t)
        v = st.raw(c) if (stat_by_year or not st.cumulative) else st.single(c)[0]
        k = qs - st.q0
        okk = (k >= 0) & (k < st.nq)
        kc = np.clip(k, 0, st.nq - 1)
        val = np.where(okk, v[cols[:, None], kc], np.nan)
        if wd is not None:
            pub = st.pub_days[cols[:, None], kc]
            val = np.where(okk & (pub <= wdi), val, np.nan)
        data[nm] = val
    has = np.zeros(qs.shape, dtype=bool)
    for t, _c in fl:
        st = fp.statement(t)
        k = qs - st.q0
        okk = (k >= 0) & (k < st.nq)
        h = np.where(okk, st.has_report[cols[:, None], np.clip(k, 0, st.nq - 1)], False)
        if wd is not None:
            h &= np.where(okk, st.pub_days[cols[:, None], np.clip(k, 0, st.nq - 1)] <= wdi, False)
        has |= h
    ri, ki = np.nonzero(has)
    sd = F.quarter_end(qs[ri, ki]) if len(ri) else pd.DatetimeIndex([])
    out = {"code": np.asarray(codes, dtype=object)[ri],
           "statDate": [str(d.date()) for d in sd]}
    for nm in names:
        out[nm] = data[nm][ri, ki]
    return pd.DataFrame(out)


def _wrap_on_demand() -> None:
    """Research mode: a call that synthesised a stock into the sample market (a code named
    in a query filter, ``get_valuation``'s list) is repeated on the re-opened store, as the
    market API's calls are (:func:`jqlite.api._binding.repeat_on_demand`)."""
    from ._binding import repeat_on_demand as _repeat_on_demand
    g = globals()
    for name in ("get_fundamentals", "get_fundamentals_continuously", "get_valuation",
                 "get_history_fundamentals"):
        if not getattr(g[name], "__wrapped_on_demand__", False):
            g[name] = _repeat_on_demand(g[name])


_wrap_on_demand()
