"""``jqlib.portfolio``: from an alpha signal to portfolio weights (jqlite's own helpers; not a
JoinQuant module -- strategies that do not import it are unaffected).

Pipeline of a typical daily alpha book (the "power rank, top half long / bottom half short,
industry- and size-neutral" recipe of the project's seed 004)::

    from jqlib.portfolio import (winsorize_med, standardlize, neutralize, power_rank,
                                 long_short_weights, neutral_inputs)
    a = standardlize(winsorize_med(alpha, scale=5))          # jqfactor's own preprocessing
    ind, size = neutral_inputs(list(a.index), context.previous_date)
    w = long_short_weights(a, industry=ind, size=size, power=2.0, max_weight=0.05)

* :func:`power_rank` -- rank -> uniform on (-1, 1) -> ``sign(u) |u| ** power``: tames skewed,
  fat-tailed signals and, with ``power > 1``, gives the head of the alpha more weight;
* :func:`long_short_weights` -- longs = top ``long_frac`` of the transformed alpha, shorts =
  the rest, solved with cvxpy (a maintained convex solver) as the closest weights to the
  signal that are dollar-neutral, industry-neutral (net weight 0 in every industry), size-
  neutral (``sum w_i size_i = 0``) and within per-name caps;
* :func:`max_sharpe_weights`, :func:`min_variance_weights` -- long-only (or capped long-short
  for min-variance) mean-variance weights with per-name caps, by cvxpy;
* ``winsorize``, ``winsorize_med``, ``standardlize``, ``neutralize`` -- jqfactor's.

The short leg is weights; how a strategy holds it (a short basket through margin accounts, or
an index-futures hedge) is the strategy's decision -- A-share spot accounts cannot short.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from jqlite.factors import neutralize, standardlize, standardize, winsorize, winsorize_med

__all__ = ["power_rank", "long_short_weights", "max_sharpe_weights", "min_variance_weights", "neutral_inputs",
           "winsorize", "winsorize_med", "standardlize", "standardize", "neutralize", "PortfolioError"]


class PortfolioError(ValueError):
    """The optimisation has no solution (infeasible constraints) or bad inputs."""


def _series(x, what: str) -> pd.Series:
    if isinstance(x, pd.Series):
        return x.astype(np.float64)
    if isinstance(x, dict):
        return pd.Series(x, dtype=np.float64)
    raise PortfolioError(f"{what}: expected a pandas Series or dict indexed by security, got {type(x).__name__}")


def power_rank(alpha, power: float = 1.0) -> pd.Series:
    """Power-rank transform of a cross-section.

    Parameters
    ----------
    alpha : pandas.Series or dict
        Signal per security; NaN stays NaN.
    power : float
        Exponent (> 0).  1 = plain uniform ranks; > 1 concentrates weight on the extremes.

    Returns
    -------
    pandas.Series
        ``sign(u) * |u| ** power`` with ``u = 2 (rank - 0.5) / n - 1`` in (-1, 1) (average rank
        of ties, ``n`` non-NaN values): symmetric around 0, monotone in ``alpha``.

    Examples
    --------
    >>> power_rank(pd.Series({'a': 10.0, 'b': -3.0, 'c': 0.5, 'd': 2.0}), 2).round(4).to_dict()
    {'a': 0.5625, 'b': -0.5625, 'c': -0.0625, 'd': 0.0625}
    """
    if not power > 0:
        raise PortfolioError(f"power must be > 0, got {power!r}")
    s = _series(alpha, "alpha")
    n = int(s.notna().sum())
    r = s.rank(method="average")
    u = 2.0 * (r - 0.5) / max(n, 1) - 1.0
    return np.sign(u) * np.abs(u) ** float(power)


def _solve(prob, what: str):
    import cvxpy as cp

    for solver in ("CLARABEL", "OSQP", "SCS"):
        if solver not in cp.installed_solvers():
            continue
        try:
            prob.solve(solver=solver)
        except cp.error.SolverError:
            continue
        if prob.status in ("optimal", "optimal_inaccurate"):
            return
    raise PortfolioError(f"{what}: no solution (status {prob.status}); relax the caps or neutrality constraints")


def long_short_weights(alpha, industry=None, size=None, power: float = 1.0, long_frac: float = 0.5,
                       gross: float = 2.0, max_weight: float | None = None, neutral: bool = True) -> pd.Series:
    """Dollar-, industry- and size-neutral long-short weights closest to a power-ranked alpha.

    Parameters
    ----------
    alpha : pandas.Series or dict
        Signal per security (NaN = not tradable: weight 0, left out).
    industry : pandas.Series or dict, optional
        Industry code per security; with it, the net weight of every industry is 0 (an
        industry whose names are all on one side cannot be neutral: they get weight 0).
    size : pandas.Series or dict, optional
        Size exposure per security (e.g. jqfactor ``size`` = standardised log market cap);
        with it, ``sum w_i size_i = 0``.  Names without a value get weight 0.
    power : float
        :func:`power_rank` exponent.
    long_frac : float
        Share of the names (by transformed alpha) held long; the rest are short.
    gross : float
        Sum of absolute weights (2.0 = 100 % long + 100 % short).
    max_weight : float, optional
        Cap on each ``|w_i|``.
    neutral : bool
        False: no optimisation, weights proportional to the transformed alpha on each side.

    Returns
    -------
    pandas.Series
        Weight per security of ``alpha``'s index (float; longs > 0, shorts < 0, 0 for names
        left out); sums to 0, absolute sum ``gross``.

    Raises
    ------
    PortfolioError
        Fewer than 2 names, or constraints that cannot all hold (e.g. ``max_weight`` too
        small for ``gross``).

    Notes
    -----
    The problem is ``min ||w - t||^2`` over ``w`` with ``t`` the side-normalised target
    (``gross/2`` per side, proportional to ``|power_rank(alpha)|``), sign constraints (longs
    >= 0, shorts <= 0), ``sum w = 0``, ``sum |w| = gross`` (linear given the signs),
    ``|w_i| <= max_weight`` and the neutrality equalities: a convex QP solved by cvxpy
    (Clarabel, OSQP or SCS).
    """
    a = _series(alpha, "alpha")
    pr = power_rank(a, power)
    ok = pr.notna()
    if industry is not None:
        ind = pd.Series(industry).reindex(a.index)
        ok &= ind.notna()
    if size is not None:
        sz = _series(size, "size").reindex(a.index)
        ok &= sz.notna()
    names = pr.index[ok]
    if len(names) < 2:
        raise PortfolioError(f"long_short_weights: need at least 2 names with alpha{'/industry' if industry is not None else ''}"
                             f"{'/size' if size is not None else ''}, got {len(names)}")
    p = pr[names]
    k_long = int(round(len(names) * float(long_frac)))
    k_long = min(max(k_long, 1), len(names) - 1)
    order = p.sort_values(ascending=False, kind="stable").index
    is_long = pd.Series(False, index=names)
    is_long[order[:k_long]] = True
    mag = p.abs() + 1e-12
    half = gross / 2.0
    target = pd.Series(0.0, index=names)
    target[is_long] = mag[is_long] / mag[is_long].sum() * half
    target[~is_long] = -mag[~is_long] / mag[~is_long].sum() * half
    out = pd.Series(0.0, index=a.index)
    if not neutral:
        out[names] = target
        return out

    import cvxpy as cp

    n = len(names)
    L = is_long.to_numpy()
    w = cp.Variable(n)
    cons = [w[L] >= 0, w[~L] <= 0, cp.sum(w[L]) == half, cp.sum(w[~L]) == -half]
    if max_weight is not None:
        cons.append(cp.abs(w) <= float(max_weight))
    if industry is not None:
        g = ind[names].astype(str).to_numpy()
        for lab in np.unique(g):
            m = g == lab
            cons.append(cp.sum(w[m]) == 0)
    if size is not None:
        s = sz[names].to_numpy()
        s = (s - s.mean()) / (s.std() or 1.0)
        cons.append(s @ w == 0)
    prob = cp.Problem(cp.Minimize(cp.sum_squares(w - target.to_numpy())), cons)
    _solve(prob, "long_short_weights")
    v = np.asarray(w.value, dtype=np.float64)
    v[np.abs(v) < 1e-9] = 0.0
    out[names] = v
    return out


def _cov_inputs(cov, mu=None):
    C = cov.to_numpy(dtype=np.float64) if isinstance(cov, pd.DataFrame) else np.asarray(cov, dtype=np.float64)
    if C.ndim != 2 or C.shape[0] != C.shape[1]:
        raise PortfolioError(f"cov must be a square matrix, got shape {C.shape}")
    C = (C + C.T) / 2.0
    idx = cov.index if isinstance(cov, pd.DataFrame) else pd.RangeIndex(C.shape[0])
    m = None
    if mu is not None:
        m = (pd.Series(mu).reindex(idx).to_numpy(dtype=np.float64) if isinstance(mu, (pd.Series, dict))
             else np.asarray(mu, dtype=np.float64))
        if m.shape != (C.shape[0],) or not np.isfinite(m).all():
            raise PortfolioError("mu must be finite and match cov's rows")
    if not np.isfinite(C).all():
        raise PortfolioError("cov has NaN/inf entries")
    # a tiny ridge keeps sample covariances of short windows positive definite
    C = C + np.eye(C.shape[0]) * 1e-10 * max(np.trace(C) / C.shape[0], 1e-12)
    return C, m, idx


def min_variance_weights(cov, max_weight: float = 1.0, long_only: bool = True) -> pd.Series:
    """Minimum-variance weights summing to 1 with ``|w_i| <= max_weight``.

    Parameters
    ----------
    cov : pandas.DataFrame or 2-D array
        Covariance of the assets' returns (same unit for all; e.g. daily).
    max_weight : float
        Per-asset cap (``1 / n`` or more to be feasible).
    long_only : bool
        ``w >= 0`` (else weights may be negative, still capped in absolute value).

    Returns
    -------
    pandas.Series
        Weights indexed like ``cov`` (sum 1).

    Raises
    ------
    PortfolioError
        Infeasible caps or bad inputs.
    """
    import cvxpy as cp

    C, _, idx = _cov_inputs(cov)
    n = C.shape[0]
    if long_only and max_weight * n < 1 - 1e-12:
        raise PortfolioError(f"max_weight={max_weight} x {n} assets < 1: weights cannot sum to 1")
    w = cp.Variable(n)
    cons = [cp.sum(w) == 1, cp.abs(w) <= max_weight] + ([w >= 0] if long_only else [])
    prob = cp.Problem(cp.Minimize(cp.quad_form(w, cp.psd_wrap(C))), cons)
    _solve(prob, "min_variance_weights")
    v = np.clip(np.asarray(w.value, dtype=np.float64), -max_weight, max_weight)
    if long_only:
        v = np.clip(v, 0.0, None)
    return pd.Series(v / v.sum(), index=idx)


def max_sharpe_weights(mu, cov, max_weight: float = 1.0, risk_free: float = 0.0) -> pd.Series:
    """Long-only maximum-Sharpe (tangency) weights with per-asset caps.

    Parameters
    ----------
    mu : pandas.Series, dict or 1-D array
        Expected returns (same period as ``cov``).
    cov : pandas.DataFrame or 2-D array
    max_weight : float
        Cap on each weight (``>= 1 / n``).
    risk_free : float
        Subtracted from ``mu``.

    Returns
    -------
    pandas.Series
        Weights indexed like ``cov`` (>= 0, sum 1, each <= ``max_weight``).

    Raises
    ------
    PortfolioError
        No asset has ``mu > risk_free`` (the Sharpe ratio cannot be positive), or
        infeasible caps.

    Notes
    -----
    Solved as the convex problem ``min y' C y`` s.t. ``(mu - rf)' y = 1``, ``y >= 0``,
    ``y_i <= max_weight * sum(y)``; ``w = y / sum(y)`` (Cornuejols & Tütüncü's
    homogenisation), instead of a non-convex SLSQP search.
    """
    import cvxpy as cp

    C, m, idx = _cov_inputs(cov, mu)
    ex = m - float(risk_free)
    n = C.shape[0]
    if not (ex > 0).any():
        raise PortfolioError("max_sharpe_weights: no asset has an expected return above the risk-free rate")
    if max_weight * n < 1 - 1e-12:
        raise PortfolioError(f"max_weight={max_weight} x {n} assets < 1: weights cannot sum to 1")
    y = cp.Variable(n)
    cons = [ex @ y == 1, y >= 0, y <= max_weight * cp.sum(y)]
    prob = cp.Problem(cp.Minimize(cp.quad_form(y, cp.psd_wrap(C))), cons)
    _solve(prob, "max_sharpe_weights")
    v = np.clip(np.asarray(y.value, dtype=np.float64), 0.0, None)
    v = v / v.sum()
    return pd.Series(v, index=idx)


def neutral_inputs(securities: Sequence[str], date=None, industry: str = "sw_l1",
                   size_factor: str = "size") -> tuple[pd.Series, pd.Series]:
    """Industry codes and size exposures of ``securities`` for :func:`long_short_weights`.

    Parameters
    ----------
    securities : sequence of str
    date : date-like, optional
        Day of the exposures (default: the previous trading day in a backtest -- factor
        values of today are published tomorrow -- and the store's last day in research).
    industry : str
        ``get_industry`` scheme.
    size_factor : str
        jqfactor factor for size (``size``: CNE5 standardised log market cap).

    Returns
    -------
    (pandas.Series, pandas.Series)
        Industry code (object, None when unclassified) and size (float, NaN when missing),
        both indexed by ``securities``.
    """
    from jqlite.api import get_industry
    from jqlite.factors import get_factor_values

    secs = list(securities)
    info = get_industry(secs, date=date)
    ind = pd.Series({c: (info.get(c, {}).get(industry) or {}).get("industry_code") for c in secs}, dtype=object)
    vals = get_factor_values(secs, size_factor, end_date=date, count=1)[size_factor]
    size = vals.iloc[-1].reindex(secs) if len(vals) else pd.Series(np.nan, index=secs)
    return ind.reindex(secs), size.astype(np.float64)
