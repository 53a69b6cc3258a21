"""Factor registry and the computation context.

Each factor is declared **once** with :func:`factor` (name exactly as jqfactor spells it,
category, Chinese intro, description, inputs, lookback in trading days, formula source from
``shared/spec/jq_factors.md``) on top of a vectorised compute function
``f(ctx) -> ndarray (n_rows, n_securities)``.

A :class:`Ctx` exposes the inputs of one row window ``[a, b]`` of the store (all securities):
post-adjusted bars rounded to 2 decimals (spec §1.4.1-3), post-adjusted volume, raw fields,
and point-in-time fundamentals sliced from :mod:`jqlite.data.fundamentals`' panel.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np


CATEGORIES = {
    "basics": "基础科目及衍生类因子",
    "quality": "质量类因子",
    "emotion": "情绪类因子",
    "growth": "成长类因子",
    "risk": "风险类因子",
    "pershare": "每股指标因子",
    "technical": "技术指标因子",
    "momentum": "动量类因子",
    "style": "风险因子 - 风格因子",
}

#: Bump when a formula changes: part of the on-disk cache key.
LIBRARY_VERSION = "1"

#: Inputs that live in the bar store (``bars.<field>``); everything else is ``table.column``
#: of the fundamentals panel (``valuation.<col>`` for daily valuation).
BAR_PREFIX = "bars."


class MissingInput(Exception):
    """Raised inside a compute function when a required fundamentals input is absent."""

    def __init__(self, missing):
        self.missing = list(missing)
        super().__init__(", ".join(self.missing))


@dataclass(frozen=True)
class FactorDef:
    """Declaration of one factor.

    Attributes
    ----------
    name : str
        jqfactor's spelling (``'ATR6'``, ``'roe_ttm'`` ...).
    category : str
        One of :data:`CATEGORIES`.
    intro : str
        JoinQuant's ``factor_intro`` (Chinese name).
    description : str
        The formula implemented.
    inputs : tuple of str
        ``'bars.close'`` ... or ``'<table>.<column>'`` for fundamentals; a trailing ``'?'``
        marks an optional input (treated as 0 when absent).
    lookback : int
        Rows before the first output row the computation needs.
    source : str
        Where the formula comes from (spec section / calibration key).
    compute : callable
        ``compute(ctx) -> ndarray`` of shape ``(ctx.n, n_securities)``.
    cross_sectional : bool
        True when a value depends on other securities (ranks, style standardisation).
    """

    name: str
    category: str
    intro: str
    description: str
    inputs: tuple
    lookback: int
    source: str
    compute: Callable = field(repr=False)
    cross_sectional: bool = False

    @property
    def required_fundamentals(self) -> list[str]:
        return [i for i in self.inputs if not i.startswith(BAR_PREFIX) and not i.endswith("?")]

    @property
    def bars_only(self) -> bool:
        return all(i.startswith(BAR_PREFIX) for i in self.inputs)


REGISTRY: dict[str, FactorDef] = {}


def factor(name, category, intro, description, inputs, lookback, source, cross_sectional=False):
    """Decorator registering ``compute`` as factor ``name`` (see :class:`FactorDef`)."""
    if category not in CATEGORIES:
        raise ValueError(f"unknown category {category!r}")

    def deco(fn):
        if name in REGISTRY:
            raise ValueError(f"factor {name!r} declared twice")
        REGISTRY[name] = FactorDef(name, category, intro, description, tuple(inputs), int(lookback),
                                   source, fn, cross_sectional)
        return fn
    return deco


# ---------------------------------------------------------------------------- fundamentals
def load_panel(store):
    """The fundamentals panel of ``store`` or None when the module / data is unavailable."""
    try:
        from ..data.fundamentals import fundamentals_panel  # lazy: written by another issue
    except Exception:  # ImportError or a half-written module
        return None
    try:
        return fundamentals_panel(store)   # cached on the store per fundamentals version
    except Exception as e:  # no fundamentals in this store
        from ..api._gaps import record_gap
        record_gap("get_factor_values", "fundamentals",
                   f"jqfactor: fundamentals unavailable ({type(e).__name__}: {e}); "
                   f"fundamental factors are NaN")
        return None


def panel_has(panel, table: str, column: str) -> bool:
    """Whether ``panel`` can serve ``table.column`` (valuation included)."""
    if panel is None:
        return False
    try:
        return bool(panel.has(table, column))
    except Exception:
        return False


# ---------------------------------------------------------------------------- context
class Ctx:
    """Inputs of rows ``[a, b]`` (inclusive; attributes ``r0``, ``r1``) of ``store`` for all securities.

    Arrays are computed lazily and memoised; compute functions must not modify them.
    """

    def __init__(self, store, a: int, b: int, panel=None, stock_mask=None, root=None):
        self.store, self.r0, self.r1 = store, int(a), int(b)
        self.n = self.r1 - self.r0 + 1
        self.panel = panel
        self._memo: dict = {}
        self._root = root if root is not None else self
        self._views: dict = {}
        self.stock_mask = stock_mask if stock_mask is not None else stock_mask_of(store)

    def view(self, r0: int) -> "Ctx":
        """A context over rows ``[r0, self.r1]`` (``r0 >= self.r0``) sharing this context's
        input arrays; views with the same ``r0`` are the same object (shared memo).  Each
        factor is computed on a view sized to its own lookback."""
        root = self._root
        r0 = max(int(r0), root.r0)
        if r0 == root.r0:
            return root
        v = root._views.get(r0)
        if v is None:
            v = Ctx(self.store, r0, root.r1, root.panel, root.stock_mask, root)
            root._views[r0] = v
        return v

    def release_view(self, view: "Ctx") -> None:
        """Forget ``view`` (made by :meth:`view`): the next :meth:`view` with its ``r0`` builds a
        fresh one, and ``view``'s memo is freed once the caller drops it.  The root's own
        memo (shared inputs) is kept."""
        root = self._root
        if view is not root and root._views.get(view.r0) is view:
            del root._views[view.r0]

    def close(self) -> None:
        """Free the memo of this root context and of all its views (a root refers to itself
        and its views refer to it: without this their arrays wait for the cyclic garbage
        collector, i.e. several passes' inputs could be alive at once)."""
        root = self._root
        for v in root._views.values():
            v._memo.clear()
        root._views.clear()
        root._memo.clear()

    def _shared(self, key, build):
        """Input array memoised on the root context (full root rows), sliced to this view."""
        root = self._root
        v = root._memo.get(key)
        if v is None:
            v = build(root)
            root._memo[key] = v
        off = self.r0 - root.r0
        return v[off:] if off else v

    # -- memo
    def memo(self, key, build):
        v = self._memo.get(key)
        if v is None:
            v = build()
            self._memo[key] = v
        return v

    # -- bars
    def raw(self, name: str) -> np.ndarray:
        """Raw bar field ``name`` for the window (shared, read-only)."""
        return self.store.field(name)[self.r0:self.r1 + 1]

    def _post(self, name):
        def build(root):
            with np.errstate(invalid="ignore"):
                return np.round(root.raw(name) * root.raw("factor"), 2)
        return self._shared(("post", name), build)

    @property
    def C(self):
        """Post-adjusted close, rounded to 2 decimals (spec §1.4.1, §1.4.3)."""
        return self._post("close")

    @property
    def O(self):
        return self._post("open")

    @property
    def H(self):
        return self._post("high")

    @property
    def L(self):
        return self._post("low")

    @property
    def V(self):
        """Post-adjusted volume = raw volume / post factor (spec §1.4.2)."""
        def build(root):
            with np.errstate(invalid="ignore", divide="ignore"):
                return root.raw("volume") / root.raw("factor")
        return self._shared("V", build)

    @property
    def ret(self):
        """Simple daily return of the post-adjusted close, ``C / C[-1] - 1``."""
        def build(root):
            c = root.C
            out = np.full_like(c, np.nan)
            with np.errstate(invalid="ignore", divide="ignore"):
                out[1:] = c[1:] / c[:-1] - 1.0
            if root.r0 > 0:        # first row: return against the day before the window
                prev = np.round(self.store.field("close")[root.r0 - 1] * self.store.field("factor")[root.r0 - 1], 2)
                with np.errstate(invalid="ignore", divide="ignore"):
                    out[0] = c[0] / prev - 1.0
            return out
        return self._shared("ret", build)

    # -- fundamentals
    def _need(self, table, column):
        if not panel_has(self.panel, table, column):
            raise MissingInput([f"{table}.{column}"])

    def q(self, table: str, column: str, lag: int = 0, optional: bool = False) -> np.ndarray:
        """Point-in-time value of the ``lag``-th most recent report (single quarter for
        income / cash_flow, spec §1.4.7).  ``optional`` -> zeros when the column is absent,
        NaN cells -> 0."""
        if optional and not panel_has(self.panel, table, column):
            return np.zeros((self.n, self.store.n_securities))
        self._need(table, column)
        v = self.memo(("q", table, column, lag),
                      lambda: self._panel_rows(self.panel.latest, table, column, lag=lag))
        return np.nan_to_num(v, nan=0.0) if optional else v

    def _panel_rows(self, method, *args, **kw) -> np.ndarray:
        """``method(*args, **kw)`` restricted to this window's rows: passes ``rows=`` when the
        panel supports it (:class:`jqlite.data.fundamentals.FundamentalsPanel` does; computing
        only the window is ~30x cheaper than slicing the full history), else slices."""
        rows = slice(self.r0, self.r1 + 1)
        try:
            return np.asarray(method(*args, rows=rows, **kw), dtype=np.float64)
        except TypeError:
            return np.asarray(method(*args, **kw), dtype=np.float64)[rows]

    def b(self, column: str, optional: bool = False) -> np.ndarray:
        """Latest balance-sheet value ``b(x)``."""
        return self.q("balance", column, 0, optional)

    def ttm(self, table: str, column: str) -> np.ndarray:
        """Sum of the latest 4 single quarters (spec §1.4.8)."""
        self._need(table, column)
        return self.memo(("ttm", table, column),
                         lambda: self._panel_rows(self.panel.ttm, table, column))

    def avgq(self, table: str, column: str, optional: bool = False) -> np.ndarray:
        """Mean of the latest 4 quarter-end values (spec §1.4.9)."""
        vals = [self.q(table, column, lag=k, optional=optional) for k in range(4)]
        return (vals[0] + vals[1] + vals[2] + vals[3]) / 4.0

    def ttm_at(self, table: str, column: str, lag: int = 0) -> np.ndarray:
        """TTM ending ``lag`` quarters before the latest report: the sum of single quarters
        ``lag .. lag + 3`` (NaN unless all four are known); ``lag=0`` is :meth:`ttm`."""
        if lag == 0:
            return self.ttm(table, column)
        return self.memo(("ttm_at", table, column, lag),
                         lambda: sum(self.q(table, column, lag=lag + k) for k in range(4)))

    def annual(self, table: str, column: str, years: int = 0) -> np.ndarray:
        """Value in the latest **annual** report visible that day (``years`` annual reports
        earlier with ``years > 0``): for income / cash_flow the full-year (Q4 year-to-date)
        figure, for balance the year-end value.  JoinQuant's "本期(年报) / 上期(年报)".

        With a panel that does not expose its statements (test doubles), the annual figure
        is approximated by the TTM / balance ``4 * years`` quarters back."""
        self._need(table, column)

        def build():
            p = self.panel
            st = p.statement(table) if hasattr(p, "statement") else None
            if st is None or not hasattr(st, "latest_q"):
                if table == "balance":
                    return self.q(table, column, lag=4 * years)
                return self.ttm_at(table, column, 4 * years)
            rows = slice(self.r0, self.r1 + 1)
            lq = st.latest_q[rows].astype(np.int64)
            nd, ns = lq.shape
            qn = lq + st.q0
            tq = lq - ((qn - 3) % 4 + 4 * years)        # quarter number % 4 == 3: Q4 (year end)
            ok = (lq >= 0) & (tq >= 0)
            tqc = np.where(ok, tq, 0)
            sidx = np.broadcast_to(np.arange(ns), (nd, ns))
            vals = st.raw(column)[sidx, tqc]
            vis = st.pub_idx[sidx, tqc] <= (np.arange(nd) + self.r0)[:, None]
            return np.where(ok & vis, vals, np.nan)
        return self.memo(("annual", table, column, years), build)

    def val(self, column: str) -> np.ndarray:
        """Daily valuation column (``market_cap`` 亿元, ``capitalization`` 万股, ...)."""
        self._need("valuation", column)
        # rows of the pass only, read once per pass (root memo) and sliced for each view: the
        # whole column is never held (jqlite.data.fundamentals.FundamentalsPanel.valuation)
        return self._shared(("val", column),
                            lambda root: root._panel_rows(root.panel.valuation, column))

    @property
    def MC(self):
        """Total market cap in 元 (``valuation.market_cap × 1e8``, spec §1.4.10)."""
        return self.memo("MC", lambda: self.val("market_cap") * 1e8)

    @property
    def SH(self):
        """Total shares (``valuation.capitalization × 1e4``, spec §1.4.10)."""
        return self.memo("SH", lambda: self.val("capitalization") * 1e4)

    # -- other factors
    def factor(self, name: str) -> np.ndarray:
        """Value of another registered factor over the same window (memoised)."""
        return self.memo(("factor", name), lambda: np.asarray(REGISTRY[name].compute(self), dtype=np.float64))


def stock_mask_of(store) -> np.ndarray:
    """Boolean ``(n_securities,)``: True for stocks (the cross-section universe)."""
    def build():
        t = store.securities["type"].reindex(store.codes).astype(str).to_numpy()
        # stocks synthesised on demand (sample market) stay out of every cross-section, so a
        # factor's value never depends on which codes earlier runs asked for
        return (t == "stock") & ~np.isin(store.codes, list(getattr(store, "on_demand", ())))
    return store.cached(("jqlite.factors", "stock_mask"), build)
