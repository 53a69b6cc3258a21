"""``jqlib.optimizer``: JoinQuant's portfolio optimiser (``portfolio_optimizer``).

JoinQuant documents (策略API / 投资组合优化器 ``portfolio_optimizer``)::

    portfolio_optimizer(date, securities, target, constraints,
                        bounds=[Bound(0.0, 1.0)], default_port_weight_range=[0.0, 1.0],
                        ftol=1e-9, return_none_if_fail=True)

It returns a ``pandas.Series`` of weights indexed by security (or ``None`` when the
optimisation fails and ``return_none_if_fail`` is true).  Targets (one): ``MinVariance``,
``MaxProfit``, ``MaxSharpeRatio``, ``MinTrackingError``, ``RiskParity``, ``MaxScore``,
``MinScore``, ``MaxFactorValue``, ``MinFactorValue``.  Constraints (any number):
``WeightConstraint``, ``WeightEqualConstraint``, ``AnnualStdConstraint``,
``AnnualProfitConstraint``, ``IndustryConstraint``, ``MarketConstraint``,
``TrackingErrorConstraint``, ``TurnoverConstraint``.  Bounds: ``Bound``, ``IndustryBound``.

How jqlite computes it (decisions where the documentation is silent, written down here):

* **Data.**  Daily returns are ``close_t / close_{t-1} - 1`` of ``get_price(..., fq='pre')``
  closes over the ``count + 1`` trading days ending at ``date`` (inclusive) - the strategy
  passes ``context.previous_date`` as JoinQuant advises, so nothing after ``date`` is read.
  Suspended days carry the previous close (return 0), as ``get_price`` fills them.  Means
  and covariances are pairwise over the days where a security has data (pandas ``mean`` /
  ``cov``, ddof=1).  A security with fewer than two returns cannot be estimated: it gets
  weight 0 and a ``RuntimeWarning`` names it.
* **Annualisation.**  ``annual return = 250 * mean daily return``, ``annual std =
  sqrt(250) * daily std`` (250 trading days a year, JoinQuant's convention for annual
  figures).
* **Sum of weights.**  When neither ``WeightConstraint`` nor ``WeightEqualConstraint`` is
  given, ``default_port_weight_range`` is added as a ``WeightConstraint``.
* **Bounds.**  Each weight lies in the intersection of every ``Bound`` given (and, for
  securities in the named industries, every ``IndustryBound``); with ``bounds=[]`` each weight
  is in ``[0, 1]`` (long-only, as in a JoinQuant stock account).
* **Solver.**  ``scipy.optimize.minimize(method='SLSQP')`` (the ``ftol`` parameter is
  SLSQP's), started from equal weights scaled into the feasible sum range.  RiskParity
  minimises the squared differences between each asset's risk contribution share and its
  budget (equal by default).  ``MaxSharpeRatio`` maximises ``(annual return - rf) /
  annual std`` with the weights summing to ``weight_sum_equal``.
* **Failure.**  SLSQP not converging (status other than 0, or 8 = line search stalled at
  machine precision) or ending outside the constraints (tolerance 1e-6) is a failure: ``None`` with ``return_none_if_fail=True`` (JoinQuant's default), else
  :class:`OptimizationError` with the solver message.
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np
import pandas as pd

__all__ = ["portfolio_optimizer", "OptimizationError",
           "MinVariance", "MaxProfit", "MaxSharpeRatio", "MinTrackingError", "RiskParity",
           "MaxScore", "MinScore", "MaxFactorValue", "MinFactorValue",
           "WeightConstraint", "WeightEqualConstraint", "AnnualStdConstraint",
           "AnnualProfitConstraint", "IndustryConstraint", "MarketConstraint",
           "TrackingErrorConstraint", "TurnoverConstraint",
           "Bound", "IndustryBound"]

ANNUAL_DAYS = 250
_TOL = 1e-6


class OptimizationError(RuntimeError):
    """The optimiser did not find a feasible optimum (``return_none_if_fail=False``)."""


# ---------------------------------------------------------------------------- data
class _Data:
    """Return statistics of the securities as of ``date``, fetched lazily per ``count``."""

    def __init__(self, date, securities: list[str]):
        self.date = date
        self.securities = securities
        self._cache: dict = {}

    def returns(self, count: int, codes: Sequence[str] | None = None) -> pd.DataFrame:
        codes = list(codes) if codes is not None else self.securities
        key = (int(count), tuple(codes))
        if key not in self._cache:
            from jqdata import get_price
            px = get_price(codes, end_date=self.date, count=int(count) + 1, fields=["close"],
                           fq="pre", panel=False, skip_paused=False)
            w = px.pivot(index="time", columns="code", values="close").reindex(columns=codes)
            self._cache[key] = w.pct_change(fill_method=None).iloc[1:]
        return self._cache[key]

    def mean_cov(self, count: int):
        r = self.returns(count)
        return r.mean().to_numpy(float), r.cov().to_numpy(float)


def _annual_mean(r: np.ndarray) -> np.ndarray:
    return r * ANNUAL_DAYS


# ---------------------------------------------------------------------------- targets
class _Target:
    count = 250

    def prepare(self, data: _Data, codes: list[str]):  # pragma: no cover - interface
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


class MinVariance(_Target):
    """组合风险最小化: minimise the portfolio variance ``w' Σ w`` (Σ: covariance of daily
    returns over ``count`` days)."""

    def __init__(self, count=250):
        self.count = int(count)

    def prepare(self, data, codes):
        _, cov = data.mean_cov(self.count)
        cov = np.nan_to_num(cov)
        return lambda w: float(w @ cov @ w) * ANNUAL_DAYS, lambda w: 2 * cov @ w * ANNUAL_DAYS


class MaxProfit(_Target):
    """组合收益最大化: maximise the expected (annualised mean daily) return ``w' μ``."""

    def __init__(self, count=250):
        self.count = int(count)

    def prepare(self, data, codes):
        mu, _ = data.mean_cov(self.count)
        mu = _annual_mean(np.nan_to_num(mu))
        return lambda w: -float(w @ mu), lambda w: -mu


class MaxSharpeRatio(_Target):
    """组合夏普比率最大化: maximise ``(w' μ - rf) / sqrt(w' Σ w)`` (annualised), with the
    weights summing to ``weight_sum_equal``."""

    def __init__(self, rf=0.0, weight_sum_equal=1.0, count=250):
        self.rf = float(rf)
        self.weight_sum_equal = float(weight_sum_equal)
        self.count = int(count)

    def prepare(self, data, codes):
        mu, cov = data.mean_cov(self.count)
        mu = _annual_mean(np.nan_to_num(mu))
        cov = np.nan_to_num(cov) * ANNUAL_DAYS

        def f(w):
            sd = np.sqrt(max(float(w @ cov @ w), 1e-18))
            return -(float(w @ mu) - self.rf) / sd
        return f, None


class MinTrackingError(_Target):
    """追踪误差最小化: minimise the variance of (portfolio - benchmark) daily returns."""

    def __init__(self, benchmark, count=250):
        self.benchmark = benchmark
        self.count = int(count)

    def prepare(self, data, codes):
        r = data.returns(self.count)
        b = data.returns(self.count, [self.benchmark])[self.benchmark]
        x = pd.concat([r, b.rename("__bench__")], axis=1).fillna(0.0).to_numpy(float)
        a, bb = x[:, :-1], x[:, -1]

        def f(w):
            d = a @ w - bb
            return float(np.var(d, ddof=1)) * ANNUAL_DAYS
        return f, None


class RiskParity(_Target):
    """风险平价: each security's share of portfolio risk ``w_i (Σ w)_i / w' Σ w`` equal to its
    budget (``risk_budget``: a Series by security, normalised to sum 1; default equal)."""

    def __init__(self, count=250, risk_budget=None):
        self.count = int(count)
        self.risk_budget = risk_budget

    def prepare(self, data, codes):
        _, cov = data.mean_cov(self.count)
        cov = np.nan_to_num(cov)
        if self.risk_budget is None:
            b = np.full(len(codes), 1.0 / len(codes))
        else:
            b = pd.Series(self.risk_budget, dtype=float).reindex(codes).fillna(0.0).to_numpy()
            b = b / b.sum()

        def f(w):
            v = float(w @ cov @ w)
            if v <= 0:
                return 0.0
            share = w * (cov @ w) / v
            return float(((share - b) ** 2).sum())
        return f, None


class MaxScore(_Target):
    """打分最大化: maximise ``Σ w_i score_i`` (``scores``: Series or dict by security;
    a security without a score counts 0)."""

    sign = -1.0

    def __init__(self, scores):
        self.scores = scores

    def prepare(self, data, codes):
        s = pd.Series(self.scores, dtype=float).reindex(codes).fillna(0.0).to_numpy()
        return lambda w: self.sign * float(w @ s), lambda w: self.sign * s


class MinScore(MaxScore):
    """打分最小化: minimise ``Σ w_i score_i``."""

    sign = 1.0


class MaxFactorValue(_Target):
    """因子值最大化: maximise ``Σ w_i f_i`` where ``f`` is a :class:`jqfactor.Factor` subclass
    computed with ``jqfactor.calc_factors`` on ``date`` (``count`` days of history)."""

    sign = -1.0

    def __init__(self, factor, count=1):
        self.factor = factor
        self.count = int(count)

    def prepare(self, data, codes):
        try:
            from jqfactor import calc_factors
        except ImportError as e:  # jqfactor.Factor / calc_factors not provided by this jqlite
            raise NotImplementedError(f"{type(self).__name__}: needs jqfactor.calc_factors, which this "
                                      "jqlite does not provide") from e
        fac = self.factor() if isinstance(self.factor, type) else self.factor
        day = pd.Timestamp(data.date).date()
        res = calc_factors(codes, [fac], start_date=day, end_date=day)
        df = res[fac.name]
        s = df.iloc[-1].reindex(codes).astype(float).fillna(0.0).to_numpy()
        return lambda w: self.sign * float(w @ s), lambda w: self.sign * s


class MinFactorValue(MaxFactorValue):
    """因子值最小化."""

    sign = 1.0


# ---------------------------------------------------------------------------- constraints
class _Constraint:
    def scipy(self, data, codes) -> list[dict]:  # pragma: no cover - interface
        raise NotImplementedError

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({args})"


def _range(fun, low, high, jac=None):
    out = []
    if low is not None:
        out.append({"type": "ineq", "fun": lambda w: fun(w) - low,
                    **({"jac": jac} if jac else {})})
    if high is not None:
        out.append({"type": "ineq", "fun": lambda w: high - fun(w),
                    **({"jac": (lambda w: -jac(w))} if jac else {})})
    return out


class WeightConstraint(_Constraint):
    """组合总权重限制: ``low <= Σ w <= high``."""

    def __init__(self, low=0.0, high=1.0):
        self.low, self.high = float(low), float(high)

    def scipy(self, data, codes):
        one = np.ones(len(codes))
        return _range(lambda w: float(w.sum()), self.low, self.high, lambda w: one)


class WeightEqualConstraint(_Constraint):
    """组合总权重和限制: ``Σ w == limit``."""

    def __init__(self, limit=1.0):
        self.limit = float(limit)

    def scipy(self, data, codes):
        one = np.ones(len(codes))
        return [{"type": "eq", "fun": lambda w: float(w.sum()) - self.limit, "jac": lambda w: one}]


class AnnualStdConstraint(_Constraint):
    """年化收益率标准差限制: ``sqrt(250 w' Σ w) <= limit``."""

    def __init__(self, limit, count=250):
        self.limit, self.count = float(limit), int(count)

    def scipy(self, data, codes):
        _, cov = data.mean_cov(self.count)
        cov = np.nan_to_num(cov) * ANNUAL_DAYS
        return [{"type": "ineq", "fun": lambda w: self.limit ** 2 - float(w @ cov @ w),
                 "jac": lambda w: -2 * cov @ w}]


class AnnualProfitConstraint(_Constraint):
    """年化收益率预期限制: ``250 * w' μ >= limit`` (μ: mean daily returns over ``count``)."""

    def __init__(self, limit, count=250):
        self.limit, self.count = float(limit), int(count)

    def scipy(self, data, codes):
        mu, _ = data.mean_cov(self.count)
        mu = _annual_mean(np.nan_to_num(mu))
        return [{"type": "ineq", "fun": lambda w: float(w @ mu) - self.limit, "jac": lambda w: mu}]


def _industry_members(codes, industry_codes, date) -> np.ndarray:
    from jqdata import get_industry
    want = {str(x) for x in ([industry_codes] if isinstance(industry_codes, str) else industry_codes)}
    info = get_industry(list(codes), date=date)
    mask = np.zeros(len(codes), dtype=bool)
    for i, c in enumerate(codes):
        for v in (info.get(c) or {}).values():
            if str(v.get("industry_code")) in want:
                mask[i] = True
    return mask


class IndustryConstraint(_Constraint):
    """行业权重限制: the summed weight of the securities in any of ``industry_code``
    (codes of any scheme ``get_industry`` knows, e.g. ``'HY001'``, ``'801780'``) is in
    ``[low, high]``."""

    def __init__(self, industry_code, low=0.0, high=1.0):
        self.industry_code, self.low, self.high = industry_code, float(low), float(high)

    def scipy(self, data, codes):
        m = _industry_members(codes, self.industry_code, data.date).astype(float)
        return _range(lambda w: float(w @ m), self.low, self.high, lambda w: m)


class MarketConstraint(_Constraint):
    """市场权重限制: the summed weight of the securities of type ``market_type``
    (``get_security_info(code).type``: ``'stock'``, ``'etf'``, ``'fund'``, ``'lof'``, ...) is in
    ``[low, high]``."""

    def __init__(self, market_type, low=0.0, high=1.0):
        self.market_type, self.low, self.high = str(market_type), float(low), float(high)

    def scipy(self, data, codes):
        from jqdata import get_security_info
        m = np.array([1.0 if (get_security_info(c) is not None
                              and get_security_info(c).type == self.market_type) else 0.0
                      for c in codes])
        return _range(lambda w: float(w @ m), self.low, self.high, lambda w: m)


class TrackingErrorConstraint(_Constraint):
    """追踪误差限制: annualised std of (portfolio - ``benchmark``) daily returns ``<= limit``."""

    def __init__(self, benchmark, limit, count=250):
        self.benchmark, self.limit, self.count = benchmark, float(limit), int(count)

    def scipy(self, data, codes):
        f, _ = MinTrackingError(self.benchmark, self.count).prepare(data, codes)
        return [{"type": "ineq", "fun": lambda w: self.limit ** 2 - f(w)}]


class TurnoverConstraint(_Constraint):
    """换手率限制: ``Σ |w - w0| <= limit`` where ``w0`` is ``current_portfolio`` (a Series or
    dict of current weights by security; default none held)."""

    def __init__(self, limit, current_portfolio=None):
        self.limit, self.current_portfolio = float(limit), current_portfolio

    def scipy(self, data, codes):
        w0 = pd.Series(self.current_portfolio or {}, dtype=float).reindex(codes).fillna(0.0).to_numpy()
        return [{"type": "ineq", "fun": lambda w: self.limit - float(np.abs(w - w0).sum())}]


# ---------------------------------------------------------------------------- bounds
class Bound:
    """每只标的的权重限制: every weight in ``[low, high]``."""

    def __init__(self, low=0.0, high=1.0):
        self.low, self.high = float(low), float(high)

    def limits(self, data, codes):
        n = len(codes)
        return np.full(n, self.low), np.full(n, self.high)

    def __repr__(self):
        return f"{type(self).__name__}(low={self.low}, high={self.high})"


class IndustryBound(Bound):
    """行业内股票权重限制: each security of ``industry_code`` has its weight in ``[low, high]``."""

    def __init__(self, industry_code, low=0.0, high=1.0):
        super().__init__(low, high)
        self.industry_code = industry_code

    def limits(self, data, codes):
        m = _industry_members(codes, self.industry_code, data.date)
        return np.where(m, self.low, -np.inf), np.where(m, self.high, np.inf)


# ---------------------------------------------------------------------------- solver
def portfolio_optimizer(date, securities, target, constraints=None, bounds=None,
                        default_port_weight_range=(0.0, 1.0), ftol=1e-9, return_none_if_fail=True):
    """Optimal portfolio weights under constraints (JoinQuant ``jqlib.optimizer``).

    Parameters
    ----------
    date : date-like
        Day the statistics end at (inclusive); pass ``context.previous_date`` in a backtest.
    securities : list of str
        Securities to weight (duplicates dropped, order kept).
    target : MinVariance, MaxProfit, MaxSharpeRatio, MinTrackingError, RiskParity, MaxScore, MinScore, MaxFactorValue or MinFactorValue
        The objective.
    constraints : list, optional
        Constraint objects (module docstring).  Without a ``WeightConstraint`` /
        ``WeightEqualConstraint``, ``default_port_weight_range`` bounds the sum of weights.
    bounds : list of Bound / IndustryBound, optional
        Per-security weight limits (intersected).  Default / ``[]``: ``[0, 1]``.
    default_port_weight_range : (float, float)
        Default range of the sum of weights.
    ftol : float
        SLSQP's stopping tolerance on the objective.
    return_none_if_fail : bool
        Failure returns ``None`` (True) or raises :class:`OptimizationError` (False).

    Returns
    -------
    pandas.Series or None
        float weights indexed by security, in the order of ``securities``.

    Raises
    ------
    OptimizationError
        The optimisation failed and ``return_none_if_fail`` is false.
    TypeError
        ``target`` is not one of the target classes, or a constraint / bound is of an unknown kind.
    """
    from scipy.optimize import minimize

    codes = list(dict.fromkeys([securities] if isinstance(securities, str) else securities))
    if not isinstance(target, _Target):
        raise TypeError(f"portfolio_optimizer: target must be MinVariance, MaxProfit, ... (got {target!r})")
    constraints = list(constraints or [])
    for c in constraints:
        if not isinstance(c, _Constraint):
            raise TypeError(f"portfolio_optimizer: unknown constraint {c!r}")
    if not codes:
        return pd.Series(dtype=float)
    data = _Data(date, codes)

    # securities whose statistics cannot be estimated get weight 0
    counts = [getattr(target, "count", 250)] + [c.count for c in constraints if hasattr(c, "count")]
    r = data.returns(max(counts))
    n_obs = r.notna().sum()
    bad = [c for c in codes if n_obs.get(c, 0) < 2]
    if bad and not isinstance(target, (MaxScore, MaxFactorValue)):
        warnings.warn(f"portfolio_optimizer: fewer than 2 daily returns up to {date} for {bad}; "
                      "their weight is 0", RuntimeWarning, stacklevel=2)

    n = len(codes)
    lo, hi = np.zeros(n), np.ones(n)
    blist = list(bounds) if bounds else [Bound(0.0, 1.0)]
    first = True
    for b in blist:
        if not isinstance(b, Bound):
            raise TypeError(f"portfolio_optimizer: unknown bound {b!r}")
        bl, bh = b.limits(data, codes)
        if first and type(b) is Bound:
            lo, hi = bl, bh
            first = False
        else:
            lo, hi = np.maximum(lo, bl), np.minimum(hi, bh)
    for i, c in enumerate(codes):
        if c in bad:
            lo[i] = hi[i] = 0.0

    if not any(isinstance(c, (WeightConstraint, WeightEqualConstraint)) for c in constraints):
        lo_s, hi_s = default_port_weight_range
        constraints.append(WeightConstraint(lo_s, hi_s))
    if isinstance(target, MaxSharpeRatio):
        constraints.append(WeightEqualConstraint(target.weight_sum_equal))

    fun, jac = target.prepare(data, codes)
    cons = [d for c in constraints for d in c.scipy(data, codes)]

    # start: equal weights within the bounds, scaled into the sum range
    sums = [(c.low, c.high) for c in constraints if isinstance(c, WeightConstraint)]
    sums += [(c.limit, c.limit) for c in constraints if isinstance(c, WeightEqualConstraint)]
    s_lo = max(s[0] for s in sums)
    s_hi = min(s[1] for s in sums)
    free = hi > lo
    x0 = np.clip(np.where(free, (s_lo + s_hi) / 2 / max(free.sum(), 1), lo), lo, hi)

    with np.errstate(invalid="ignore", divide="ignore"):
        res = minimize(fun, x0, jac=jac, method="SLSQP", bounds=list(zip(lo, hi)), constraints=cons,
                       options={"ftol": float(ftol), "maxiter": 1000})
    w = np.clip(res.x, lo, hi)
    # status 8 (positive directional derivative in the line search) is SLSQP stalling at
    # machine precision; the point counts when it satisfies every constraint (checked below)
    ok = (bool(res.success) or res.status == 8) and bool(np.all(np.isfinite(w)))
    if ok:
        for d in cons:
            v = d["fun"](w)
            if (d["type"] == "eq" and abs(v) > _TOL) or (d["type"] == "ineq" and v < -_TOL):
                ok = False
                break
    if not ok:
        if return_none_if_fail:
            return None
        raise OptimizationError(f"portfolio_optimizer({target!r}) on {date} failed: {res.message}")
    return pd.Series(w, index=codes, dtype=float)
