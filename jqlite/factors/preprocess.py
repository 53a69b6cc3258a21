"""jqfactor's data-processing functions: ``winsorize``, ``winsorize_med``, ``standardlize``
(JoinQuant's spelling; ``standardize`` alias) and ``neutralize``, with JoinQuant's signatures.

Source: JoinQuant API manual, section 因子数据处理 (jqfactor), as quoted in public copies;
``data`` is a ``pandas.Series`` (one cross-section), a ``pandas.DataFrame`` (``axis=1``: each
row is processed, ``axis=0``: each column) or a numpy array of the same layouts.  Statistics
ignore NaN (and ±inf, which ``inf2nan=True`` turns into NaN first).
"""

from __future__ import annotations

import warnings
from typing import Callable

import numpy as np
import pandas as pd

from ..errors import user_stacklevel

__all__ = ["winsorize", "winsorize_med", "standardlize", "standardize", "neutralize",
           "set_industry_source", "reference_industry_map", "store_sector_map"]


def _apply(data, fn, axis):
    """Apply ``fn(1-d float array) -> 1-d array`` to a Series, or along ``axis`` of a
    DataFrame / 2-d array; keep the input's type and labels."""
    if isinstance(data, pd.Series):
        return pd.Series(fn(data.to_numpy(dtype=np.float64, copy=True)), index=data.index, name=data.name)
    if isinstance(data, pd.DataFrame):
        v = data.to_numpy(dtype=np.float64, copy=True)
        out = np.array([fn(r) for r in v]) if axis == 1 else np.array([fn(c) for c in v.T]).T
        return pd.DataFrame(out.reshape(v.shape), index=data.index, columns=data.columns)
    arr = np.asarray(data, dtype=np.float64)
    if arr.ndim == 1:
        return fn(arr.copy())
    if arr.ndim == 2:
        out = np.array([fn(r.copy()) for r in arr]) if axis == 1 else np.array([fn(c.copy()) for c in arr.T]).T
        return out.reshape(arr.shape)
    raise TypeError("data must be a pandas Series/DataFrame or a 1-d/2-d array")


def _clip(x, lo, hi, inclusive, inf2nan):
    if inf2nan:
        x[np.isinf(x)] = np.nan
    with np.errstate(invalid="ignore"):
        if inclusive:
            x = np.where(x < lo, lo, np.where(x > hi, hi, x))
        else:
            x = np.where((x < lo) | (x > hi), np.nan, x)
    return x


def _finite(x):
    return x[np.isfinite(x)]


def winsorize(data, scale=None, range=None, qrange=None, inclusive=True, inf2nan=True, axis=1):
    """Clip extreme values (去极值) by standard deviations, fixed bounds or quantiles.

    Parameters
    ----------
    data : pandas.Series, pandas.DataFrame or ndarray
        Factor values (a Series is one cross-section indexed by security).
    scale : float, optional
        Bounds ``mean ± scale · std`` (sample std, ddof=1).
    range : [float, float], optional
        Fixed bounds ``[low, high]``.
    qrange : [float, float], optional
        Quantile bounds, e.g. ``[0.05, 0.95]``.
    inclusive : bool, default True
        True: values outside the bounds are set to the bounds; False: set to NaN.
    inf2nan : bool, default True
        Turn ±inf into NaN first (else they are clipped like other values).
    axis : {1, 0}, default 1
        DataFrame only: 1 processes each row, 0 each column.

    Returns
    -------
    Same type as ``data``.

    Notes
    -----
    JoinQuant API manual, jqfactor ``winsorize``; exactly one of ``scale``/``range``/``qrange``
    is expected (the first given wins, in that order).
    """
    if scale is None and range is None and qrange is None:
        raise ValueError("winsorize: give one of scale, range or qrange")

    def fn(x):
        f = _finite(x)
        if scale is not None:
            if f.size < 2:
                return _clip(x, -np.inf, np.inf, inclusive, inf2nan)
            mu, sd = f.mean(), f.std(ddof=1)
            lo, hi = mu - scale * sd, mu + scale * sd
        elif range is not None:
            lo, hi = float(range[0]), float(range[1])
        else:
            if f.size == 0:
                return _clip(x, -np.inf, np.inf, inclusive, inf2nan)
            lo, hi = np.quantile(f, float(qrange[0])), np.quantile(f, float(qrange[1]))
        return _clip(x, lo, hi, inclusive, inf2nan)
    return _apply(data, fn, axis)


def winsorize_med(data, scale=1, inclusive=True, inf2nan=True, axis=1):
    """Median / MAD winsorisation (中位数去极值).

    Bounds ``median ± scale · MAD`` with ``MAD = median(|x - median|)`` (no 1.4826 factor,
    JoinQuant's definition); see :func:`winsorize` for the other parameters.

    Returns
    -------
    Same type as ``data``.
    """
    def fn(x):
        f = _finite(x)
        if f.size == 0:
            return _clip(x, -np.inf, np.inf, inclusive, inf2nan)
        med = np.median(f)
        mad = np.median(np.abs(f - med))
        return _clip(x, med - scale * mad, med + scale * mad, inclusive, inf2nan)
    return _apply(data, fn, axis)


def standardlize(data, inf2nan=True, axis=1):
    """Z-score standardisation (标准化): ``(x - mean) / std`` (sample std, ddof=1).

    Parameters
    ----------
    data : pandas.Series, pandas.DataFrame or ndarray
    inf2nan : bool, default True
        Turn ±inf into NaN first; otherwise they are left out of mean/std.
    axis : {1, 0}, default 1
        DataFrame only: 1 standardises each row, 0 each column.

    Returns
    -------
    Same type as ``data``.

    Notes
    -----
    JoinQuant API manual, jqfactor ``standardlize`` (sic).
    """
    def fn(x):
        if inf2nan:
            x[np.isinf(x)] = np.nan
        f = _finite(x)
        if f.size < 2:
            return np.full_like(x, np.nan)
        sd = f.std(ddof=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (x - f.mean()) / sd
    return _apply(data, fn, axis)


standardize = standardlize

# ---------------------------------------------------------------------------- neutralize
_INDUSTRY_TYPES = ("jq_l1", "jq_l2", "sw_l1", "sw_l2", "sw_l3", "zjw")
_industry_source: Callable | None = None


def set_industry_source(fn: Callable | None) -> None:
    """Register ``fn(industry_type, codes, date) -> mapping code -> industry code`` used by
    :func:`neutralize` for ``how`` entries like ``'jq_l1'`` / ``'sw_l1'``."""
    global _industry_source
    _industry_source = fn


def reference_industry_map(kind, codes, date=None):
    """Industry codes from ``jqlite.api.reference.get_industry`` (JoinQuant's
    ``get_industry(security, date)`` shape: ``{code: {kind: {'industry_code': ...,
    'industry_name': ...}}}``).

    Returns
    -------
    dict of str to str, or None
        code -> industry code of classification ``kind``; None when the reference module
        is not there or knows no industry of ``kind`` for any of ``codes``.
    """
    try:
        from ..api.reference import get_industry  # added by the reference-data work
    except Exception:   # ImportError or a half-written module
        return None
    got = get_industry(list(codes), date=date) or {}
    out = {}
    for c in codes:
        entry = (got.get(c) or {}).get(kind)
        if isinstance(entry, dict) and entry.get("industry_code") is not None:
            out[c] = str(entry["industry_code"])
    return out or None


#: File of the store's own sector assignment (written by the sample market,
#: :func:`jqlite.data.sample.sample_sectors`): columns ``code``, ``sector``.
STORE_SECTOR_FILE = "sample_sectors.parquet"


def store_sector_map(kind, codes, date=None, store=None):
    """Fallback industry source: the store's sector table (:data:`STORE_SECTOR_FILE`).

    The sample market has a single, time-invariant classification (10 sectors), so every
    ``kind`` (``jq_l1``, ``sw_l1`` ...) gets the same assignment and ``date`` is ignored.

    Returns
    -------
    dict of str to str, or None
        code -> sector key; None when the store has no sector table.
    """
    if store is None:
        from .api import active_store
        store = active_store()
    path = getattr(store, "path", None)
    if path is None:
        return None
    from pathlib import Path
    f = Path(path) / STORE_SECTOR_FILE
    if not f.exists():
        return None
    t = pd.read_parquet(f, columns=["code", "sector"]).set_index("code")["sector"]
    return {c: str(t[c]) for c in codes if c in t.index}


def _industries(kind, codes, date):
    """Industry of each code (Series over ``codes``, NaN when unknown) or None when no source
    has an assignment.  Sources, first that answers: :func:`set_industry_source`'s function,
    :func:`reference_industry_map` (``jqlite.api.reference.get_industry``),
    :func:`store_sector_map` (the store's own sector table)."""
    sources = [_industry_source] if _industry_source is not None else []
    sources += [reference_industry_map, store_sector_map]
    for fn in sources:
        try:
            m = fn(kind, list(codes), date)
        except Exception as e:
            warnings.warn(f"neutralize: industry source {getattr(fn, '__name__', fn)} failed for {kind!r}: {e}",
                          RuntimeWarning, stacklevel=user_stacklevel())
            continue
        if m:
            return pd.Series(m, dtype=object).reindex(list(codes))
    return None


def _exposures(how, codes, date):
    """Columns of the regression design for one cross-section (DataFrame indexed by code)."""
    from .api import get_factor_values
    cols = {}
    for h in how:
        if h in _INDUSTRY_TYPES:
            ind = _industries(h, codes, date)
            if ind is None:
                from ..api._gaps import record_gap
                record_gap("neutralize", f"industry mapping {h}",
                           f"neutralize: no industry mapping for {h!r} (no reference data, no store "
                           f"sector table; register one with jqfactor.set_industry_source); "
                           f"industry neutralisation skipped")
                continue
            d = pd.get_dummies(ind.astype(object), prefix=h, dtype=float)
            d[ind.isna().to_numpy()] = np.nan
            for c in d.columns:
                cols[c] = d[c]
        else:
            name = h
            v = get_factor_values(list(codes), name, end_date=date, count=1)[name]
            s = v.iloc[-1] if len(v) else pd.Series(np.nan, index=list(codes))
            if h in ("market_cap", "circulating_market_cap"):
                s = np.log(s.where(s > 0))   # log market cap (UNCONFIRMED: JoinQuant's transform)
            cols[h] = s
    return pd.DataFrame(cols, index=list(codes))


def _design(how, codes, date, fillna, add_constant):
    """The regression design of one cross-section, shared by every factor neutralised over the
    same codes and date: ``(X, fill_industries)`` -- the exposures (with the constant when
    asked) and the ``fillna`` industry of each code (None when not asked or unknown)."""
    ind = _industries(fillna, codes, date) if fillna is not None else None
    X = _exposures(how, codes, date)
    if add_constant:
        X.insert(0, "const", 1.0)
    return X, ind


def _neutralize_one(y: pd.Series, how, date, fillna, add_constant, design=None):
    """Residual of one cross-section ``y`` (index = codes); ``design``: :func:`_design` of the
    same codes and date, computed once by the caller for many factors (the industry and market
    cap look-ups cost far more than the regression)."""
    codes = y.index
    y = y.astype(np.float64).copy()
    y[np.isinf(y)] = np.nan
    X, ind = design if design is not None else _design(how, codes, date, fillna, add_constant)
    if fillna is not None:
        if ind is None:
            from ..api._gaps import record_gap
            record_gap("neutralize", f"industry mapping {fillna}",
                       f"neutralize: no industry mapping for fillna={fillna!r}; NaN kept")
        else:
            y = y.fillna(y.groupby(ind).transform("mean"))
    if X.shape[1] == 0:
        return y
    ok = y.notna() & X.notna().all(axis=1)
    out = pd.Series(np.nan, index=codes)
    if ok.sum() == 0:
        return out
    Xa, ya = X[ok].to_numpy(np.float64), y[ok].to_numpy(np.float64)
    beta, *_ = np.linalg.lstsq(Xa, ya, rcond=None)
    out[ok] = ya - Xa @ beta
    return out


def neutralize(data, how=None, date=None, axis=1, fillna=None, add_constant=False):
    """Neutralise factor values against industries and/or factors (中性化): the residual of a
    cross-sectional least-squares regression of ``data`` on the exposures in ``how``.

    Parameters
    ----------
    data : pandas.Series or pandas.DataFrame
        A Series indexed by security code, or a DataFrame.  DataFrame with ``axis=0``:
        each column (index = codes); ``axis=1``: each row (columns = codes, e.g. a
        ``get_factor_values`` frame; rows use their own date when ``date`` is None).
    how : list of str, default ``['jq_l1', 'market_cap']``
        Industry types (``jq_l1, jq_l2, sw_l1, sw_l2, sw_l3, zjw``: one dummy per industry;
        the assignment comes from :func:`set_industry_source`'s function, else
        ``jqlite.api.reference.get_industry``, else the store's sector table
        (:func:`store_sector_map`; the sample market has one classification used for every
        type); with none of them a warning and skipped) and factor names
        (``market_cap`` / ``circulating_market_cap`` enter as log market cap; any
        ``get_factor_values`` factor, e.g. style factors, enters as is).
    date : date-like, optional
        Date of the exposures (default: previous trading day in a backtest, last store
        day in research).
    axis : {1, 0}
    fillna : str, optional
        Industry type: fill NaN values with the industry mean before the regression.
    add_constant : bool, default False
        Add an intercept to the regression.

    Returns
    -------
    Same type as ``data``: residuals (NaN where the value or an exposure is missing).

    Notes
    -----
    JoinQuant API manual, jqfactor ``neutralize``.  JoinQuant's exact market-cap transform
    and regression weights are not published (**UNCONFIRMED**): OLS on log market cap here.
    """
    how = ["jq_l1", "market_cap"] if how is None else ([how] if isinstance(how, str) else list(how))
    if isinstance(data, pd.Series):
        return _neutralize_one(data, how, date, fillna, add_constant)
    if isinstance(data, pd.DataFrame):
        if axis == 0:
            # every column is a cross-section of the same codes on the same date: one design
            design = _design(how, data.index, date, fillna, add_constant)
            return pd.DataFrame({c: _neutralize_one(data[c], how, date, fillna, add_constant, design)
                                 for c in data.columns}, index=data.index)[data.columns]
        rows = []
        designs = {}
        for lab, row in data.iterrows():
            d = date
            if d is None and isinstance(lab, (pd.Timestamp, np.datetime64)):
                d = lab
            key = pd.Timestamp(d) if d is not None else None
            if key not in designs:      # rows of one date share the design
                designs[key] = _design(how, data.columns, d, fillna, add_constant)
            rows.append(_neutralize_one(row, how, d, fillna, add_constant, designs[key]))
        return pd.DataFrame(rows, index=data.index, columns=data.columns)
    raise TypeError("neutralize: data must be a pandas Series or DataFrame indexed by security code")
