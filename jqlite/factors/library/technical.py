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


for _n in (5, 10, 20, 60, 120):
    _mac(_n)


@factor("price_no_fq", "technical", "不复权价格因子", "raw close of D", ("bars.close",), 0,
        "spec §9 [D-technical; FS-tech]")
def price_no_fq(ctx):
    return ctx.raw("close").copy()


_EMA_WARMUP = 250   # spec §1.4.5: EMA(span) needs ~5 x span rows of warm-up
_EMA_WARMUP_LONG = 600


def _emac(n):
    code = "EMA5" if n == 5 else f"EMAC{n}"

    @factor(code, "technical", f"{n}日指数移动均线", f"EMA(C,{n}) / C, ewm(span={n}, adjust=False)", _C,
            _EMA_WARMUP_LONG if n > 50 else _EMA_WARMUP, "[D-technical]; FACSIM technical.py (GOOD for short spans)")
    def f(ctx):
        from ..kernels import ema
        return safe_div(ema(ctx.C, n), ctx.C)
    return f


for _n in (5, 10, 12, 20, 26, 120):
    _emac(_n)


@factor("MACDC", "technical", "平滑异同移动平均线",
        "2 * (DIF - DEA) / C; DIF = EMA(C,12) - EMA(C,26), DEA = EMA(DIF,9)", _C, _EMA_WARMUP,
        "[D-technical] MACD(12,26,9)/C; the x2 (TDX MACD bar) calibrated by FACSIM technical.py")
def macdc(ctx):
    from ..kernels import ema
    c = ctx.C
    dif = ema(c, 12) - ema(c, 26)
    return safe_div(2.0 * (dif - ema(dif, 9)), c)
