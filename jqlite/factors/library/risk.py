"""风险类因子 (risk), spec ``jq_factors.md`` §8: simple daily returns of the post-adjusted
close over the last n returns (today included); annualisation 250."""

from __future__ import annotations

import numpy as np

from ..base import factor
from ..kernels import rolling_moments, rolling_prod1p, rolling_std

_C = ("bars.close", "bars.factor")


def _moments(ctx, n):
    return ctx.memo(("moments", n), lambda: rolling_moments(ctx.ret, n))


def _variance(n):
    @factor(f"Variance{n}", "risk", f"{n}日年化收益方差", f"var(r, {n}, ddof=1) * 250", _C, n + 1,
            "spec §8 [D-risk; FS-risk; FS-conv C5]")
    def f(ctx):
        return _moments(ctx, n)[0] * 250.0
    return f


def _skew(n):
    @factor(f"Skewness{n}", "risk", f"个股收益的{n}日偏度", f"rolling({n}).skew() of r (bias-corrected)", _C,
            n + 1, "spec §8 [D-risk; FS-risk]")
    def f(ctx):
        return _moments(ctx, n)[1]
    return f


def _kurt(n):
    @factor(f"Kurtosis{n}", "risk", f"个股收益的{n}日峰度", f"rolling({n}).kurt() of r (excess, bias-corrected)",
            _C, n + 1, "spec §8 [D-risk; FS-risk]")
    def f(ctx):
        return _moments(ctx, n)[2]
    return f


def _sharpe(n):
    @factor(f"sharpe_ratio_{n}", "risk", f"{n}日夏普比率",
            f"((prod(1+r))^(250/{n}) - 1 - 0.04) / (std(r,{n},ddof=1) * sqrt(250))", _C, n + 1,
            "spec §8 [D-risk; FS-risk calibrated geometric annualisation]")
    def f(ctx):
        r = ctx.ret
        p = rolling_prod1p(r, n)
        sd = rolling_std(r, n, 1)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = (np.power(p, 250.0 / n) - 1.0 - 0.04) / (sd * np.sqrt(250.0))
        out[~np.isfinite(out)] = np.nan
        return out
    return f


for _n in (20, 60, 120):
    _variance(_n)
    _skew(_n)
    _kurt(_n)
    _sharpe(_n)
