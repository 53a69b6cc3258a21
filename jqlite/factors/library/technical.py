"""技术指标因子 (technical), spec ``jq_factors.md`` §9.  Prices post-adjusted except price_no_fq."""

from __future__ import annotations

import numpy as np

from ..base import factor
from ..kernels import rolling_mean, rolling_std, rolling_sum, safe_div, shift

_C = ("bars.close", "bars.factor")
_HLCV = ("bars.high", "bars.low", "bars.close", "bars.volume", "bars.factor")


@factor("boll_down", "technical", "下轨线（布林线）指标", "(MA(C,20) - 2*STD(C,20,ddof=1)) / C",
        _C, 20, "spec §9 [D-technical; FS-conv B1, J5h]")
def boll_down(ctx):
    c = ctx.C
    return safe_div(rolling_mean(c, 20) - 2.0 * rolling_std(c, 20, 1), c)


@factor("boll_up", "technical", "上轨线（布林线）指标", "(MA(C,20) + 2*STD(C,20,ddof=1)) / C",
        _C, 20, "[D-technical] by symmetry with boll_down (UNCONFIRMED)")
def boll_up(ctx):
    c = ctx.C
    return safe_div(rolling_mean(c, 20) + 2.0 * rolling_std(c, 20, 1), c)


@factor("MFI14", "technical", "资金流量指标",
        "TYP=(H+L+C)/3, MF=TYP*V; 100 - 100/(1 + sum14(MF|TYP>TYP[-1]) / sum14(MF|TYP<TYP[-1]))",
        _HLCV, 15, "spec §9 [D-technical; FS-tech; FS-conv C3b]")
def mfi14(ctx):
    typ = (ctx.H + ctx.L + ctx.C) / 3.0
    mf = typ * ctx.V
    prev = shift(typ, 1)
    with np.errstate(invalid="ignore"):
        up = np.where(typ > prev, mf, 0.0)
        dn = np.where(typ < prev, mf, 0.0)
    bad = np.isnan(prev) | np.isnan(mf)
    up[bad] = np.nan
    dn[bad] = np.nan
    pos, neg = rolling_sum(up, 14), rolling_sum(dn, 14)
    # = 100 - 100 / (1 + pos/neg); written so that neg == 0 gives 100 (pos + neg == 0 -> NaN)
    return 100.0 * safe_div(pos, pos + neg)


def _mac(n):
    @factor(f"MAC{n}", "technical", f"{n}日移动均线", f"MA(C,{n}) / C", _C, n,
            "spec §9 [D-technical; FS-conv J5h]" if n == 10 else "[D-technical] same form as MAC10")
    def f(ctx):
        return safe_div(rolling_mean(ctx.C, n), ctx.C)
    return f


for _n in (5, 10, 20, 30, 60, 120):
    _mac(_n)


@factor("price_no_fq", "technical", "不复权价格因子", "raw close of D", ("bars.close",), 0,
        "spec §9 [D-technical; FS-tech]")
def price_no_fq(ctx):
    return ctx.raw("close").copy()
