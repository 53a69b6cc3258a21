"""JoinQuant's custom-factor API: ``from jqfactor import Factor, calc_factors``.

Source: JoinQuant's manual, 因子分析 > 因子定义和计算
(https://www.joinquant.com/help/api/help?name=factor#因子定义和计算, stored copy of 2026-07-18).

A user subclasses :class:`Factor` with ``name``, ``max_window``, ``dependencies`` and
``calc(self, data) -> pandas.Series`` (index = security, value = factor value);
:func:`calc_factors` calls ``calc`` once per trading day ``D`` of ``[start_date, end_date]``
with ``data = {dependency: DataFrame}`` holding the ``max_window`` trading days ending at
``D`` (index = dates, columns = the securities), and returns
``{factor.name: DataFrame(index = dates, columns = securities)}``.

Dependencies (the manual's table "dependencies 中可以使用的基础因子"), resolved in this order:

1. price / volume fields ``open close high low money volume``: post-adjusted (后复权) prices
   and volume with ``use_real_price=False`` (the default), 动态复权 (prices adjusted to the
   logical day ``D``, i.e. forward-adjusted as of ``D``) with ``use_real_price=True``; money is
   never adjusted;
2. a factor of the factor library (:func:`jqlite.factors.get_all_factors`), e.g.
   ``'OperatingCycle'``, ``'MLEV'``, ``'market_cap'`` (元, as ``get_factor_values``);
3. a fundamentals column of ``valuation``, ``income``, ``balance``, ``cash_flow`` or
   ``indicator`` by its bare name (first table in that order holding it): the latest
   single-quarter value visible on each day (valuation: that day's value); ``X_n``
   (n = 1..8) the value ``n`` reports before the latest, ``X_y`` the latest annual report's
   (full year), ``X_yN`` the annual report ``N`` years before that;
4. an industry (any scheme the store has: sw_l1/l2/l3, jq_l1/l2, zjw), concept or index
   code: a 0/1 dummy (1 when the security is a member that day).

``skip_paused=True`` (price / volume dependencies only): each security's window is its last
``max_window`` trading (non-paused) days, and the frame's index becomes ``0 .. max_window-1``
(larger = closer to ``D``), as the manual says.  Money-flow dependencies (``change_pct``,
``net_amount_main``, ``net_pct_main`` ... the fields of ``get_money_flow``) come from
:func:`jqlite.api.reference.get_money_flow` (NaN, with its data gap, on a store without money
flow).

Look-ahead: in a backtest the values of day ``D`` use data through the close of ``D``; days
on or after the simulated day are dropped (the manual: "在回测中使用时，注意应该保证截止日期小于
context.current_dt"), the same clip as :func:`jqlite.factors.get_factor_values`.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ..errors import ParamsError
from .base import REGISTRY, Ctx, panel_has

PRICE_FIELDS = ("open", "close", "high", "low", "money", "volume")
FUNDAMENTAL_TABLES = ("valuation", "income", "balance", "cash_flow", "indicator")
MONEY_FLOW_FIELDS = ("change_pct", "net_amount_main", "net_pct_main", "net_amount_xl", "net_pct_xl",
                     "net_amount_l", "net_pct_l", "net_amount_m", "net_pct_m", "net_amount_s", "net_pct_s")
_LAG = re.compile(r"^(?P<base>.+?)_(?P<kind>y?)(?P<n>\d*)$")


class Factor:
    """Base class of a custom factor (JoinQuant's ``jqfactor.Factor``).

    Subclasses set the class (or instance) attributes

    name : str
        Key of the factor in :func:`calc_factors`' result.
    max_window : int
        Trading days of data each ``calc`` call receives (the window ends on the logical day).
    dependencies : list of str
        Data the factor needs (see the module docstring).

    and implement ``calc(self, data) -> pandas.Series`` (index = security code).  While
    ``calc`` runs, ``self._current_date`` is the logical day (``datetime.date``) and
    ``self._get_extra_data(securities, fields)`` returns the same kind of dict as ``data``
    for other securities (e.g. index closes) over the same window.

    Subclasses may override ``__init__`` without calling it (JoinQuant's base keeps no
    state there).
    """

    name = None
    max_window = None
    dependencies: list = []
    main_class = False

    def calc(self, data):  # pragma: no cover - abstract
        """Factor values of the logical day from ``data`` ({dependency: DataFrame})."""
        raise NotImplementedError("a jqfactor.Factor subclass must implement calc(self, data)")

    def _get_extra_data(self, securities=(), fields=()):
        """``{field: DataFrame}`` of ``fields`` for ``securities`` over the current window."""
        fetch = getattr(self, "_jqlite_fetch", None)
        if fetch is None:
            raise RuntimeError("_get_extra_data() can only be called inside calc()")
        return fetch(list(securities), list(fields))


# ---------------------------------------------------------------------------- dependency panels
class _Resolver:
    """Builds ``(n_rows, n_securities)`` arrays of dependencies over store rows ``[a, b]``."""

    def __init__(self, store, a: int, b: int, use_real_price: bool):
        self.store, self.a, self.b = store, int(a), int(b)
        self.use_real_price = bool(use_real_price)
        self._panel = None
        self._panel_loaded = False
        self._ctx = None
        self._memo: dict = {}

    @property
    def panel(self):
        if not self._panel_loaded:
            from . import api       # looked up at call time (tests swap api.load_panel)
            self._panel = api.load_panel(self.store)
            self._panel_loaded = True
        return self._panel

    @property
    def ctx(self):
        if self._ctx is None:
            self._ctx = Ctx(self.store, self.a, self.b, self.panel)
        return self._ctx

    def rows(self):
        return slice(self.a, self.b + 1)

    def kind(self, dep: str) -> str:
        """'price', 'factor', 'fund', 'member' or raises ParamsError."""
        if dep in PRICE_FIELDS:
            return "price"
        if dep in REGISTRY:
            return "factor"
        if self._fund_spec(dep) is not None:
            return "fund"
        if self._is_member_code(dep):
            return "member"
        if dep in MONEY_FLOW_FIELDS:
            return "flow"
        raise ParamsError(f"calc_factors: unknown dependency {dep!r}: not a price field {list(PRICE_FIELDS)}, "
                          f"a jqfactor factor, a fundamentals column (optionally _1.._8 / _y / _yN), nor an "
                          f"industry / concept / index code of this data store")

    def _fund_spec(self, dep):
        """``(table, column, lag_quarters, years)`` (years None: quarterly) or None."""
        p = self.panel
        if p is None:
            return None
        from ..data.fundamentals import STORABLE

        def has(t, c):
            return c in STORABLE.get(t, ()) and panel_has(p, t, c)
        for t in FUNDAMENTAL_TABLES:
            if has(t, dep):
                return (t, dep, 0, None)
        m = _LAG.match(dep)
        if m is None:
            return None
        base, kind, n = m.group("base"), m.group("kind"), m.group("n")
        if kind == "" and not n:
            return None
        for t in FUNDAMENTAL_TABLES[1:]:          # lagged values: statements only
            if has(t, base):
                if kind == "y":
                    return (t, base, 0, int(n) if n else 0)
                if 1 <= int(n) <= 8:
                    return (t, base, int(n), None)
        return None

    def _reference(self):
        from ..api.reference import _reference
        return _reference(self.store)

    def _is_member_code(self, dep) -> bool:
        try:
            if dep in self._reference().scheme_of:
                return True
        except Exception:
            pass
        try:
            return bool(self.store.index_members(dep, self.store.dates[self.b]))
        except Exception:
            return False

    def array(self, dep: str, cols: np.ndarray) -> np.ndarray:
        key = (dep, cols.tobytes())
        v = self._memo.get(key)
        if v is None:
            v = self._build(dep, cols)
            self._memo[key] = v
        return v

    def _build(self, dep, cols):
        st, k = self.store, self.kind(dep)
        rows = self.rows()
        if k == "price":
            raw = st.field(dep)[rows][:, cols].astype(np.float64)
            if dep == "money":
                return raw
            f = st.field("factor")[rows][:, cols]
            with np.errstate(invalid="ignore", divide="ignore"):
                if dep == "volume":
                    return raw / f            # post-adjusted volume; the dynamic case rescales per day
                return np.round(raw * f, 2)   # post-adjusted price (spec §1.4.1-3)
        if k == "factor":
            from .cache import engine_for
            arr = engine_for(st).compute([dep], self.a, self.b, self.panel)[dep]
            return np.asarray(arr)[:, cols]
        if k == "fund":
            t, c, lag, years = self._fund_spec(dep)
            ctx = self.ctx
            if t == "valuation":
                v = ctx.val(c)
            elif years is not None:
                v = ctx.annual(t, c, years)
            else:
                v = ctx.q(t, c, lag=lag)
            return np.asarray(v)[:, cols]
        if k == "flow":               # get_money_flow's field, NaN where the store has none (a data gap)
            from ..api.reference import get_money_flow
            codes = [str(c) for c in st.codes[cols]]
            df = get_money_flow(codes, start_date=st.dates[self.a], end_date=st.dates[self.b],
                                fields=["date", "sec_code", dep])
            out = np.full((self.b - self.a + 1, len(cols)), np.nan)
            if len(df):
                pv = df.pivot_table(index="date", columns="sec_code", values=dep, aggfunc="last")
                pv = pv.reindex(index=st.dates[self.a:self.b + 1], columns=codes)
                out[:] = pv.to_numpy(dtype=np.float64)
            return out
        # member dummy
        out = np.zeros((self.b - self.a + 1, len(cols)))
        dates = st.dates[self.a:self.b + 1]
        ref = None
        try:
            ref = self._reference()
        except Exception:
            pass
        codes = st.codes[cols]
        if ref is not None and dep in ref.scheme_of:
            d8 = dates.values.astype("datetime64[D]").astype(np.int64)
            pos = {c: i for i, c in enumerate(codes)}
            idx = ref.by_ind.get(dep, np.zeros(0, np.int64))
            for r in idx:
                j = pos.get(ref.m_code[r])
                if j is not None:
                    out[(d8 >= ref.m_s[r]) & (d8 <= ref.m_e[r]), j] = 1.0
            return out
        for i, d in enumerate(dates):
            mem = set(st.index_members(dep, d) or ())
            out[i] = [1.0 if c in mem else 0.0 for c in codes]
        return out


def _as_factor_list(factors) -> list:
    if isinstance(factors, Factor) or not isinstance(factors, (list, tuple, set)):
        factors = [factors]
    out = []
    for f in factors:
        if isinstance(f, type) and issubclass(f, Factor):
            f = f()
        if not isinstance(f, Factor) and not hasattr(f, "calc"):
            raise ParamsError(f"calc_factors: factors must be jqfactor.Factor instances, got {f!r}")
        if not getattr(f, "name", None):
            raise ParamsError(f"calc_factors: factor {type(f).__name__} has no name")
        mw = getattr(f, "max_window", None)
        if mw is None or int(mw) < 1:
            raise ParamsError(f"calc_factors: factor {f.name!r} needs max_window >= 1, got {mw!r}")
        deps = getattr(f, "dependencies", None)
        if isinstance(deps, str):
            deps = [deps]
        if not deps:
            raise ParamsError(f"calc_factors: factor {f.name!r} has no dependencies")
        out.append(f)
    return out


def calc_factors(securities, factors, start_date=None, end_date=None, use_real_price=False, skip_paused=False):
    """Values of custom factors over trading days (JoinQuant's ``jqfactor.calc_factors``).

    Parameters
    ----------
    securities : str or list of str
        Security codes (the columns of every result frame).
    factors : Factor or list of Factor
        Factor instances (a subclass itself is instantiated).
    start_date, end_date : date-like
        Inclusive range of logical days (default: the last trading day of the store, or the
        day before the simulated day in a backtest).
    use_real_price : bool, default False
        False: post-adjusted (后复权) prices / volume; True: 动态复权 (adjusted as of each
        logical day).
    skip_paused : bool, default False
        True: price / volume windows skip each security's paused days and are indexed
        ``0 .. max_window-1``.

    Returns
    -------
    dict of str to pandas.DataFrame
        ``factor.name`` -> frame indexed by the logical days (DatetimeIndex), one float
        column per security; a value ``calc`` did not return is NaN.

    Raises
    ------
    ParamsError
        A factor without name / max_window / dependencies, an unknown dependency, or a
        ``calc`` that returns something other than a Series / dict / scalar (the message
        names the factor and the day).
    SecurityNotFoundError
        A code that is not in the store.
    """
    from .api import _as_list, _unique, active_store, current_date_or_none
    facs = _as_factor_list(factors)
    secs = _unique(_as_list(securities))
    store = active_store()
    cols = np.array([store.col(c) for c in secs], dtype=np.int64)
    n = store.n_days
    r1 = n - 1 if end_date is None else store.day_index(end_date, "right")
    cur = current_date_or_none()
    if cur is not None:
        r1 = min(r1, store.day_index(pd.Timestamp(cur).normalize(), "left") - 1)
    r0 = r1 if start_date is None else store.day_index(start_date, "left")
    out = {}
    if r1 < r0 or r1 < 0:
        idx = pd.DatetimeIndex([])
        return {f.name: pd.DataFrame(index=idx, columns=secs, dtype=np.float64) for f in facs}
    idx = store.dates[r0:r1 + 1]
    for f in facs:
        mw = int(f.max_window)
        deps = [f.dependencies] if isinstance(f.dependencies, str) else list(f.dependencies)
        # skip_paused: look further back so that a suspended security still finds mw trading days
        a = max(0, r0 - mw + 1 - (max(2 * mw, 250) if skip_paused else 0))
        res = _Resolver(store, a, r1, use_real_price)
        kinds = {d: res.kind(d) for d in deps}
        arrays = {d: res.array(d, cols) for d in deps}
        paused = store.field("paused")[a:r1 + 1][:, cols] if skip_paused else None
        vals = np.full((len(idx), len(secs)), np.nan)
        for i, r in enumerate(range(r0, r1 + 1)):
            lo, hi = max(a, r - mw + 1) - a, r - a + 1
            data = {}
            for d in deps:
                data[d] = _window(store, arrays[d], kinds[d], d, lo, hi, a, cols, secs, use_real_price,
                                  paused, mw, r)
            f._current_date = store.dates[r].date()
            f._jqlite_fetch = _extra_fetcher(store, res, lo, hi, a, use_real_price, r)
            try:
                v = f.calc(data)
            finally:
                f._jqlite_fetch = None
            vals[i] = _to_row(v, secs, f.name, store.dates[r])
        out[f.name] = pd.DataFrame(vals, index=idx, columns=pd.Index(secs, dtype=object))
    return out


def _dynamic(store, dep, rows: slice, cols, r):
    """Raw ``dep`` of ``rows`` adjusted as of day ``r`` (动态复权): prices ``x f_t / f_r``
    rounded to 2 decimals, volume ``x f_r / f_t``."""
    f = store.field("factor")[rows][:, cols]
    fd = store.field("factor")[r][cols]
    raw = store.field(dep)[rows][:, cols]
    with np.errstate(invalid="ignore", divide="ignore"):
        return raw * fd / f if dep == "volume" else np.round(raw * f / fd, 2)


def _window(store, arr, kind, dep, lo, hi, a, cols, secs, use_real_price, paused, mw, r):
    """The ``data[dep]`` frame of logical day ``r`` (store row); ``arr`` covers rows ``a..``.
    Its columns are named ``'code'``, as JoinQuant's (corpus files merge transposed frames
    ``on='code'``)."""
    columns = pd.Index(secs, dtype=object, name="code")
    dynamic = kind == "price" and use_real_price and dep != "money"
    if kind == "price" and paused is not None:          # skip_paused: last mw trading days per security
        out = np.full((mw, len(cols)), np.nan)
        for j in range(len(cols)):
            ok = np.flatnonzero(paused[:hi, j] == 0)[-mw:]
            if dynamic:
                fr = store.field("factor")[a + ok, cols[j]]
                fd = store.field("factor")[r, cols[j]]
                raw = store.field(dep)[a + ok, cols[j]]
                with np.errstate(invalid="ignore", divide="ignore"):
                    vals = raw * fd / fr if dep == "volume" else np.round(raw * fr / fd, 2)
            else:
                vals = arr[ok, j]
            out[mw - len(vals):, j] = vals
        return pd.DataFrame(out, index=pd.RangeIndex(mw), columns=columns)
    w = _dynamic(store, dep, slice(a + lo, a + hi), cols, r) if dynamic else arr[lo:hi]
    return pd.DataFrame(w, index=store.dates[a + lo:a + hi], columns=columns)


def _extra_fetcher(store, res, lo, hi, a, use_real_price, r):
    def fetch(securities, fields):
        cols = np.array([store.col(c) for c in securities], dtype=np.int64)
        return {fd: _window(store, res.array(fd, cols), res.kind(fd), fd, lo, hi, a, cols, securities,
                            use_real_price, None, hi - lo, r) for fd in fields}
    return fetch


def _to_row(v, secs, name, day) -> np.ndarray:
    if isinstance(v, pd.DataFrame):
        if len(v) == 1:
            v = v.iloc[0]
        else:
            raise ParamsError(f"calc_factors: factor {name!r} returned a DataFrame of {len(v)} rows on {day.date()}; "
                              f"calc must return a pandas.Series (index = security), e.g. df.iloc[-1] or df.mean()")
    if isinstance(v, dict):
        v = pd.Series(v)
    if isinstance(v, pd.Series):
        return pd.to_numeric(v.reindex(secs), errors="coerce").to_numpy(dtype=np.float64)
    if np.isscalar(v) and v is not None:
        return np.full(len(secs), float(v))
    if isinstance(v, np.ndarray) and v.shape == (len(secs),):
        return v.astype(np.float64)
    raise ParamsError(f"calc_factors: factor {name!r} returned {type(v).__name__} on {day.date()}; calc must return "
                      f"a pandas.Series indexed by security code")
