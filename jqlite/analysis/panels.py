"""Date x security panels read straight from a store, for the research tools
(:mod:`jqlite.analysis.factor`, :mod:`jqlite.analysis.attribution`).

These are vectorised equivalents of calling ``get_price(..., fq='post')`` and
``get_industry`` once per day: one array slice instead of one API call per day, so a
300-stock x 2-year factor analysis loads its inputs in well under a second.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import ParamsError

#: Industry schemes ``get_industry`` knows (JoinQuant's names).
INDUSTRY_SCHEMES = ("sw_l1", "sw_l2", "sw_l3", "jq_l1", "jq_l2", "zjw")


def _store(store=None):
    if store is not None:
        return store
    from ..api._binding import active_store
    return active_store()


def _cols(store, securities: Sequence[str]) -> np.ndarray:
    return np.array([store.col(str(c)) for c in securities], dtype=np.int64)


def post_prices(securities: Sequence[str], start_date, end_date, extra_days: int = 0, store=None,
                field: str = "close") -> pd.DataFrame:
    """Post-adjusted (后复权) prices, trading days ``[start_date, end_date]`` plus up to
    ``extra_days`` trading days after ``end_date`` (for forward returns).

    Parameters
    ----------
    securities : sequence of str
        Security codes (columns, in this order).
    start_date, end_date : date-like
    extra_days : int
        Trading days after ``end_date`` to include (fewer near the store's end).
    field : {'close', 'open'}

    Returns
    -------
    pandas.DataFrame
        float64 yuan rounded to 0.01 (as ``get_price(..., fq='post')``), DatetimeIndex of
        trading days, one column per security; NaN where the
        security has no bar (not listed yet / delisted).  Paused days carry the store's
        bar (the previous close), as ``get_price`` does.

    Raises
    ------
    SecurityNotFoundError
        A code that is not in the store.
    """
    st = _store(store)
    r0 = st.day_index(start_date, "left")
    r1 = min(st.day_index(end_date, "right") + int(extra_days), st.n_days - 1)
    cols = _cols(st, securities)
    # rounded to the cent like get_price(fq='post') (what jqfactor_analyzer's DataApi reads)
    px = np.round(st.field(field)[r0:r1 + 1][:, cols] * st.field("factor")[r0:r1 + 1][:, cols], 2)
    return pd.DataFrame(px, index=st.dates[r0:r1 + 1], columns=pd.Index(list(securities), dtype=object))


def industry_panel(securities: Sequence[str], dates: Sequence, scheme: str = "sw_l1", store=None,
                   names: bool = False) -> pd.DataFrame:
    """Point-in-time industry of every (date, security).

    Parameters
    ----------
    securities : sequence of str
    dates : sequence of date-like
    scheme : str
        One of :data:`INDUSTRY_SCHEMES`.
    names : bool
        Industry names (as ``get_industry``'s ``industry_name`` on the last date) instead of codes.

    Returns
    -------
    pandas.DataFrame
        object dtype, index ``dates`` (DatetimeIndex), columns ``securities``; None where the
        security has no classification that day.

    Raises
    ------
    ParamsError
        Unknown ``scheme``.
    """
    if scheme not in INDUSTRY_SCHEMES:
        raise ParamsError(f"industry scheme {scheme!r} unknown; use one of {list(INDUSTRY_SCHEMES)}")
    from ..api.reference import _reference
    st = _store(store)
    ref = _reference(st)
    idx = pd.DatetimeIndex(pd.to_datetime(list(dates)))
    d8 = idx.values.astype("datetime64[D]").astype(np.int64)
    out = np.full((len(idx), len(securities)), None, dtype=object)
    for j, c in enumerate(securities):
        rows = ref.by_code.get(str(c))
        if rows is None and str(c) in getattr(st, "on_demand", ()):
            # a stock the sample market synthesised on demand: its base-market twin's industry
            # (as get_industry answers)
            rows = ref.by_code.get((getattr(st, "on_demand_info", {}).get(str(c)) or {}).get("twin"))
        if rows is None:
            continue
        for k in rows:
            if ref.m_scheme[k] != scheme:
                continue
            ok = (d8 >= ref.m_s[k]) & (d8 <= ref.m_e[k])
            out[ok, j] = ref.m_ind[k]
    df = pd.DataFrame(out, index=idx, columns=pd.Index(list(securities), dtype=object))
    if names and len(idx):
        last = int(d8[-1])
        labels = {ic: ref.name(ic, last) for ic in pd.unique(out.ravel()) if ic is not None}
        df = df.apply(lambda s: s.map(labels))
    return df


def industry_name(code: str, date=None, store=None) -> str:
    """Display name of an industry code (``'801780'`` -> ``'银行I'``) on ``date`` (default: store end)."""
    from ..api.reference import _reference
    st = _store(store)
    ref = _reference(st)
    d = st.dates[-1] if date is None else pd.Timestamp(date)
    return ref.name(str(code), int(np.datetime64(d, "D").astype(np.int64)))
