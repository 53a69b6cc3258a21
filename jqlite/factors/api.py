"""``jqfactor.get_factor_values`` / ``get_all_factors`` computed locally.

Spec: ``shared/spec/jq_factors.md`` §1 (API), §1.4 (conventions), §3-10 (definitions).

Look-ahead rule
---------------
JoinQuant publishes the factor library the morning after each trading day, so a value dated
D uses data through the close of D.  In a backtest (``jqlite.api._binding.current_date_or_none()``
is not None) ``end_date`` is therefore **clipped to the previous trading day** of the simulated
date; a request that then ends before ``start_date`` returns empty frames.  In research (no
simulated date) the store's last day is the limit.
"""

from __future__ import annotations

import difflib
from typing import Iterable

import numpy as np
import pandas as pd

from ..errors import ParamsError
from . import library  # noqa: F401  (registers every factor)
from .base import CATEGORIES, REGISTRY, load_panel
from .cache import engine_for

#: SDK default when neither ``start_date`` nor ``count`` is given (spec §1.1).
DEFAULT_START = "2015-01-01"
#: Output rounding (spec §1.4.4: JoinQuant publishes 6 decimals).
ROUND_DECIMALS = 6


def _binding():
    try:
        from ..api import _binding as b  # written by the lead; optional
        return b
    except ImportError:
        return None


def active_store():
    """Store of the running backtest / research session (``jqlite.api._binding``) or the
    default store (:func:`jqlite.data.store.open_store`)."""
    b = _binding()
    if b is not None and hasattr(b, "active_store"):
        return b.active_store()
    from ..data.store import open_store
    return open_store()


def current_date_or_none():
    """Simulated date in a backtest, None in research."""
    b = _binding()
    if b is not None and hasattr(b, "current_date_or_none"):
        return b.current_date_or_none()
    return None


def _as_list(x) -> list:
    if isinstance(x, str):
        return [x]
    if isinstance(x, Iterable):
        return [str(v) for v in x]
    return [str(x)]


def _unique(seq):
    seen, out = set(), []
    for s in seq:
        if s not in seen:
            seen.add(s)
            out.append(s)
    return out


def industry_factor_codes(store) -> set:
    """Shenwan level-1 industry codes of ``store`` (``'801010'`` ...): JoinQuant's risk-model
    industry factors, which ``get_factor_values`` serves as 0/1 dummies (1 when the security
    belongs to the industry that day) next to the style factors.  Empty when the store has
    no ``sw_l1`` classification."""
    def build():
        try:
            from ..api.reference import _reference
            ref = _reference(store)
        except Exception:
            return frozenset()
        return frozenset(c for c, sch in ref.scheme_of.items() if sch == "sw_l1")
    return store.cached(("jqlite.factors", "industry_codes"), build)


def check_factor_names(factors, extra=()) -> list[str]:
    """Normalise ``factors`` to a list of distinct registered names (or names in ``extra``,
    the store's industry factor codes).

    Raises
    ------
    ParamsError (a ValueError)
        ``"Invalid factors: [...]"`` naming every unknown factor with close matches.
    """
    names = _unique(_as_list(factors))
    bad = [n for n in names if n not in REGISTRY and n not in extra]
    if bad:
        hints = []
        for n in bad:
            close = difflib.get_close_matches(n, REGISTRY.keys(), n=3, cutoff=0.6)
            if not close:
                low = {k.lower(): k for k in REGISTRY}
                close = [low[c] for c in difflib.get_close_matches(n.lower(), low.keys(), n=3, cutoff=0.6)]
            hints.append(f"{n!r}" + (f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else ""))
        raise ParamsError(f"Invalid factors: {bad}. Unknown factor name(s): {'; '.join(hints)}. "
                          f"See get_all_factors() for the {len(REGISTRY)} available factors.")
    return names


def resolve_rows(store, start_date=None, end_date=None, count=None, current=None) -> tuple[int, int]:
    """Row range ``[r0, r1]`` of the request (``r1 < r0`` when empty), with the backtest
    clip of the module docstring."""
    if start_date is not None and count is not None:
        raise ParamsError("get_factor_values: start_date and count cannot both be given")
    n = store.n_days
    r1 = n - 1 if end_date is None else store.day_index(end_date, "right")
    if current is not None:
        limit = store.day_index(pd.Timestamp(current).normalize(), "left") - 1  # previous trading day
        r1 = min(r1, limit)
    if count is not None:
        count = int(count)
        if count <= 0:
            raise ParamsError(f"get_factor_values: count must be positive, got {count}")
        r0 = max(0, r1 - count + 1)
    else:
        r0 = store.day_index(DEFAULT_START if start_date is None else start_date, "left")
    return r0, r1


def get_factor_values(securities, factors, start_date=None, end_date=None, count=None):
    """Values of jqfactor factors for ``securities`` over trading days.

    Parameters
    ----------
    securities : str or list of str
        Security code(s); duplicates are collapsed (one column each).
    factors : str or list of str
        Factor name(s) as jqfactor spells them (see :func:`get_all_factors`), or Shenwan
        level-1 industry codes (``'801010'`` ...): JoinQuant's risk-model industry factors,
        0/1 dummies (1.0 when the security belongs to the industry that day).
    start_date, end_date : date-like, optional
        Inclusive range.  ``end_date`` defaults to the last day of the store (research) or
        the previous trading day (backtest; later dates are clipped there -- JoinQuant
        publishes factors the next morning).
    count : int, optional
        Number of trading days ending at ``end_date`` (inclusive); exclusive with
        ``start_date``.  With neither, ``start_date = '2015-01-01'`` (SDK default).

    Returns
    -------
    dict of str to pandas.DataFrame
        Factor name -> DataFrame indexed by trading date (DatetimeIndex), one column per
        security, float values rounded to 6 decimals (NaN when not computable or when a
        fundamentals input is missing -- a RuntimeWarning names it).

    Raises
    ------
    ParamsError
        Unknown factor names ("Invalid factors", with close matches) or both
        ``start_date`` and ``count``.
    SecurityNotFoundError
        A code that is not in the store.

    Notes
    -----
    Formulas: ``shared/spec/jq_factors.md`` §3-10 (each factor's ``source`` in
    :func:`get_all_factors` / ``jqlite.factors.REGISTRY``).  Values are computed on the whole
    cross-section of the store for the needed rows ``[start - lookback, end]`` only, and
    cached per block of 64 trading days (memory + parquet under ``STORE/.factor_cache``).
    """
    b = _binding()
    timed = getattr(b, "timed", None) if b is not None else None
    if timed is not None:   # counts in the run profile's api_time['factor']
        return timed("factor")(_get_factor_values)(securities, factors, start_date, end_date, count)
    return _get_factor_values(securities, factors, start_date, end_date, count)


def _get_factor_values(securities, factors, start_date, end_date, count):
    if start_date is not None and count is not None:      # checked first, as jqdatasdk does
        raise ParamsError("(start_date, count) only one param is required: get_factor_values takes start_date "
                          "or count, not both")
    store = active_store()
    names = _as_list(factors)
    inds = industry_factor_codes(store) if any(n not in REGISTRY for n in names) else frozenset()
    names = check_factor_names(factors, inds)
    secs = _unique(_as_list(securities))
    cols = np.array([store.col(c) for c in secs], dtype=np.int64)
    r0, r1 = resolve_rows(store, start_date, end_date, count, current_date_or_none())
    if r1 < r0 or r1 < 0:
        idx = pd.DatetimeIndex([])
        return {nm: pd.DataFrame(index=idx, columns=secs, dtype=np.float64) for nm in names}
    lib = [n for n in names if n in REGISTRY]
    panel = None
    if any(REGISTRY[n].required_fundamentals for n in lib):
        panel = load_panel(store)
    arrays = engine_for(store).compute(lib, r0, r1, panel) if lib else {}
    if len(lib) < len(names):     # industry dummies (JoinQuant's risk-model industry factors)
        from .custom import _Resolver
        res = _Resolver(store, r0, r1, False)
        allc = np.arange(store.n_securities)
        for n in names:
            if n not in arrays:
                arrays[n] = res.array(n, allc)
    idx = store.dates[r0:r1 + 1]
    columns = pd.Index(secs, dtype=object)     # built once: shared by the frames (cheap)
    out = {}
    for nm in names:
        a = np.round(arrays[nm][:, cols], ROUND_DECIMALS)
        out[nm] = pd.DataFrame(a, index=idx, columns=columns, copy=False)
    if store.on_demand:
        _cross_section_gap(store, secs, out, arrays)
    return out


def _cross_section_gap(store, secs, out, arrays) -> None:
    """Say when a factor is NaN for a stock synthesised on demand because it is computed over
    the base market's cross-section (ranks, standardised style factors: ``Rank1M``, ``size``,
    ``beta``, ``liquidity``, ``book_to_price_ratio``, ``earnings_yield`` ...), which an
    on-demand stock never enters (:mod:`jqlite.data.on_demand`)."""
    od = [c for c in secs if c in store.on_demand and store.securities["type"].get(c) == "stock"]
    if not od:
        return
    from ..api._gaps import record_gap
    for nm, df in out.items():
        empty = [c for c in od if df[c].isna().all()]
        if empty and len(df) and np.isfinite(arrays[nm]).any():     # the base market has values
            record_gap("get_factor_values", f"factor {nm} of on-demand stocks",
                       f"get_factor_values: {nm} is computed over the base market's cross-section, "
                       f"which stocks synthesised on demand never enter; NaN for {', '.join(empty)}")


def get_all_factors() -> pd.DataFrame:
    """JoinQuant's whole factor library, as JoinQuant's ``get_all_factors()`` lists it.

    Returns
    -------
    pandas.DataFrame
        260 rows, columns ``factor``, ``factor_intro``, ``category``, ``category_intro``;
        integer index; sorted by category then case-insensitively by factor code, the order of
        the example on JoinQuant's page (spec §1.2 [D-allfactors]; list and sources in
        :mod:`jqlite.factors.catalog`).  Every listed factor is computable by
        :func:`get_factor_values` (three analyst-forecast descriptors answer NaN: no store
        holds forecasts).
    """
    from .catalog import BY_NAME, listing_order
    names = listing_order()
    return pd.DataFrame({
        "factor": names,
        "factor_intro": [BY_NAME[n][1] for n in names],
        "category": [BY_NAME[n][0] for n in names],
        "category_intro": [CATEGORIES[BY_NAME[n][0]] for n in names],
    })


def factor_availability(store=None) -> pd.DataFrame:
    """Which factors can be computed on ``store`` (default: the active store).

    Returns
    -------
    pandas.DataFrame
        Indexed by factor: ``category``, ``available`` (bool), ``missing`` (comma-separated
        fundamentals inputs the panel lacks), ``lookback``, ``source``.
    """
    store = store if store is not None else active_store()
    panel = load_panel(store)
    eng = engine_for(store)
    recs = []
    for f in REGISTRY.values():
        miss = eng.missing_inputs(f.name, panel)
        recs.append((f.name, f.category, not miss, ", ".join(miss), f.lookback, f.source))
    return pd.DataFrame(recs, columns=["factor", "category", "available", "missing", "lookback",
                                       "source"]).set_index("factor")
