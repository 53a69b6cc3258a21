"""情绪类因子 (emotion), spec ``jq_factors.md`` §4.  Post-adjusted prices / volume; windows
include the current day."""

from __future__ import annotations

import numpy as np

from ..base import factor
from ..kernels import ema, rolling_mean, rolling_sum, safe_div, shift

_OHLC = ("bars.open", "bars.high", "bars.low", "bars.close", "bars.factor")
_OHLCV = _OHLC + ("bars.volume",)
_V = ("bars.volume", "bars.factor")
_T = ("valuation.turnover_ratio",)
_EMA_WARMUP = 250  # spec §1.4.5: long spans need >= 5N days of warm-up; 250 ≈ 10 x 26


def _ar(ctx):
    def build():
        o = ctx.O
        with np.errstate(invalid="ignore"):
            up = np.maximum(ctx.H - o, 0.0)
            dn = np.maximum(o - ctx.L, 0.0)
        up[np.isnan(o)] = np.nan
        dn[np.isnan(o)] = np.nan
        return safe_div(rolling_sum(up, 26), rolling_sum(dn, 26)) * 100.0
    return ctx.memo("AR", build)


@factor("AR", "emotion", "人气指标", "sum26(max(H-O,0)) / sum26(max(O-L,0)) * 100", _OHLC, 26,
        "spec §4 [D-emotion; FS-emo]")
def ar(ctx):
    return _ar(ctx)


@factor("BR", "emotion", "意愿指标", "sum26(H - C[-1]) / sum26(C[-1] - L) * 100 (no clipping)", _OHLC, 27,
        "spec §4 ARBR row [FS-emo]")
def br(ctx):
    pc = shift(ctx.C, 1)
    return safe_div(rolling_sum(ctx.H - pc, 26), rolling_sum(pc - ctx.L, 26)) * 100.0


@factor("ARBR", "emotion", "ARBR", "AR - BR, BR = sum26(H-C[-1])/sum26(C[-1]-L)*100 unclipped", _OHLC, 27,
        "spec §4 [D-emotion; FS-emo]")
def arbr(ctx):
    return _ar(ctx) - ctx.factor("BR")


@factor("ATR6", "emotion", "6日均幅指标", "MA6(max(H-L, |H-C[-1]|, |L-C[-1]|))", _OHLC, 7,
        "spec §4 [D-emotion; FS-emo; FS-conv J5h]")
def atr6(ctx):
    pc = shift(ctx.C, 1)
    h, l = ctx.H, ctx.L
    tr = np.fmax(np.fmax(h - l, np.abs(h - pc)), np.abs(l - pc))
    tr[np.isnan(pc) | np.isnan(h)] = np.nan
    return rolling_mean(tr, 6)


@factor("ATR14", "emotion", "14日均幅指标", "MA14(TR)", _OHLC, 15, "[D-emotion] same form as ATR6")
def atr14(ctx):
    pc = shift(ctx.C, 1)
    h, l = ctx.H, ctx.L
    tr = np.fmax(np.fmax(h - l, np.abs(h - pc)), np.abs(l - pc))
    tr[np.isnan(pc) | np.isnan(h)] = np.nan
    return rolling_mean(tr, 14)


def _vol(n):
    @factor(f"VOL{n}", "emotion", f"{n}日平均换手率", f"mean{n}(valuation.turnover_ratio) (%)", _T, n,
            "spec §4 [D-emotion; FS-emo]")
    def f(ctx):
        return ctx.memo(("VOL", n), lambda: rolling_mean(ctx.val("turnover_ratio"), n))
    return f


for _n in (5, 10, 20, 60, 120, 240):
    _vol(_n)


def _davol(n):
    @factor(f"DAVOL{n}", "emotion", f"{n}日平均换手率与120日平均换手率之比", f"VOL{n} / VOL120", _T, 120,
            "spec §4 [D-emotion; FS-emo]")
    def f(ctx):
        return safe_div(ctx.factor(f"VOL{n}"), ctx.factor("VOL120"))
    return f


for _n in (5, 10, 20):
    _davol(_n)


def _wvad(ctx):
    def build():
        c, o, h, l = ctx.C, ctx.O, ctx.H, ctx.L
        term = safe_div(c - o, h - l) * ctx.V   # H == L -> NaN term (spec §4)
        return rolling_sum(term, 6)
    return ctx.memo("WVAD", build)


@factor("WVAD", "emotion", "威廉变异离散量", "sum6((C-O)/(H-L) * V), H=L -> NaN", _OHLCV, 6,
        "spec §4 [D-emotion; FS-conv J5h]")
def wvad(ctx):
    return _wvad(ctx)


@factor("MAWVAD", "emotion", "因子WVAD的6日均值", "MA6(WVAD)", _OHLCV, 11, "spec §4 [FS-emo]")
def mawvad(ctx):
    return rolling_mean(_wvad(ctx), 6)


@factor("TVMA6", "emotion", "6日成交金额的移动平均值", "MA6(money) (元)", ("bars.money",), 6,
        "spec §4 [FS-conv J5h]")
def tvma6(ctx):
    return rolling_mean(ctx.raw("money"), 6)


@factor("TVMA20", "emotion", "20日成交金额的移动平均值", "MA20(money) (元)", ("bars.money",), 20,
        "[D-emotion] same form as TVMA6")
def tvma20(ctx):
    return rolling_mean(ctx.raw("money"), 20)


@factor("PSY", "emotion", "心理线指标", "count12(C/C[-1]-1 > 0) / 12 * 100", _OHLC, 13,
        "spec §4 [D-emotion]")
def psy(ctx):
    r = ctx.ret
    with np.errstate(invalid="ignore"):
        up = (r > 0).astype(np.float64)
    up[np.isnan(r)] = np.nan
    return rolling_sum(up, 12) / 12.0 * 100.0


def _vema(ctx, span):
    return ctx.memo(("VEMA", span), lambda: ema(ctx.V, span))


def _vdiff(ctx):
    return ctx.memo("VDIFF", lambda: _vema(ctx, 12) - _vema(ctx, 26))


@factor("VEMA5", "emotion", "成交量的5日指数移动平均", "EMA(V,5)", _V, _EMA_WARMUP, "[D-emotion] as VEMA26")
def vema5(ctx):
    return _vema(ctx, 5)


@factor("VEMA10", "emotion", "成交量的10日指数移动平均", "EMA(V,10)", _V, _EMA_WARMUP, "[D-emotion] as VEMA26")
def vema10(ctx):
    return _vema(ctx, 10)


@factor("VEMA12", "emotion", "12日成交量的移动平均值", "EMA(V,12)", _V, _EMA_WARMUP, "[D-emotion] as VEMA26")
def vema12(ctx):
    return _vema(ctx, 12)


@factor("VEMA26", "emotion", "成交量的26日指数移动平均", "EMA(V,26), ewm(span=26, adjust=False)", _V,
        _EMA_WARMUP, "spec §4 [FS-emo]")
def vema26(ctx):
    return _vema(ctx, 26)


@factor("VDIFF", "emotion", "计算VMACD因子的中间变量", "EMA(V,12) - EMA(V,26)", _V, _EMA_WARMUP,
        "spec §4 [D-emotion; FS-emo]")
def vdiff(ctx):
    return _vdiff(ctx)


@factor("VDEA", "emotion", "计算VMACD因子的中间变量", "EMA(VDIFF,9)", _V, _EMA_WARMUP,
        "[D-emotion] VMACD's DEA")
def vdea(ctx):
    return ctx.memo("VDEA", lambda: ema(_vdiff(ctx), 9))


@factor("VMACD", "emotion", "成交量指数平滑异同移动平均线", "VDIFF - EMA(VDIFF,9) (no x2)", _V,
        _EMA_WARMUP, "spec §4 [D-emotion; FS-emo]")
def vmacd(ctx):
    return _vdiff(ctx) - ctx.factor("VDEA")


@factor("VOSC", "emotion", "成交量震荡", "(EMA(V,12) - EMA(V,26)) / EMA(V,12) * 100", _V, _EMA_WARMUP,
        "spec §4 [D-emotion; FS-emo]")
def vosc(ctx):
    return safe_div(_vdiff(ctx), _vema(ctx, 12)) * 100.0


@factor("VR", "emotion", "成交量比率",
        "window 24: (AVS + CVS/2) / (BVS + CVS/2), AVS/BVS/CVS = sum V on up/down/flat days",
        _OHLCV, 25, "spec §4 [D-emotion; FS-emo calibrated N=24]")
def vr(ctx):
    c, v = ctx.C, ctx.V
    pc = shift(c, 1)
    bad = np.isnan(pc) | np.isnan(c) | np.isnan(v)
    with np.errstate(invalid="ignore"):
        a = np.where(c > pc, v, 0.0)
        b = np.where(c < pc, v, 0.0)
        z = np.where(c == pc, v, 0.0)
    for x in (a, b, z):
        x[bad] = np.nan
    avs, bvs, cvs = rolling_sum(a, 24), rolling_sum(b, 24), rolling_sum(z, 24)
    return safe_div(avs + 0.5 * cvs, bvs + 0.5 * cvs)


@factor("TVSTD6", "emotion", "6日成交金额的标准差", "STD6(money) (元, ddof=1, UNCONFIRMED ddof)",
        ("bars.money",), 6, "[D-emotion] same form as TVMA6")
def tvstd6(ctx):
    from ..kernels import rolling_std
    return rolling_std(ctx.raw("money"), 6, 1)


@factor("TVSTD20", "emotion", "20日成交金额的标准差", "STD20(money) (元, ddof=1, UNCONFIRMED ddof)",
        ("bars.money",), 20, "[D-emotion] same form as TVMA20")
def tvstd20(ctx):
    from ..kernels import rolling_std
    return rolling_std(ctx.raw("money"), 20, 1)


def _vroc(n):
    @factor(f"VROC{n}", "emotion", f"{n}日量变动速率指标",
            f"(V - REF(V,{n - 1})) / REF(V,{n - 1}) * 100, post-adjusted volume",
            _V, n, "[D-emotion] with the lag n-1 calibrated by FACSIM emotion.py (REF(V,n) off by one "
            "against live values)")
    def f(ctx):
        v = ctx.V
        base = shift(v, n - 1)
        return safe_div(v - base, base) * 100.0
    return f


for _n in (6, 12):
    _vroc(_n)


def _vstd(n):
    @factor(f"VSTD{n}", "emotion", f"{n}日成交量标准差", f"STD(V,{n}, ddof=1), post-adjusted volume (shares)",
            _V, n, "[D-emotion]; ddof=1 and post-adjusted V as FACSIM emotion.py")
    def f(ctx):
        from ..kernels import rolling_std
        return rolling_std(ctx.V, n, 1)
    return f


for _n in (10, 20):
    _vstd(_n)


@factor("turnover_volatility", "emotion", "换手率相对波动率",
        "STD(valuation.turnover_ratio, 20, ddof=1) / 100 (a decimal, not percent)", _T, 20,
        "[D-emotion] '取20个交易日个股换手率的标准差'; /100 calibrated by FACSIM emotion.py")
def turnover_volatility(ctx):
    from ..kernels import rolling_std
    return rolling_std(ctx.val("turnover_ratio"), 20, 1) / 100.0


@factor("money_flow_20", "emotion", "20日资金流量",
        "sum20((H + L + C) / 3 * V), post-adjusted prices and volume", _OHLCV, 20,
        "[D-emotion] typical price x volume; the 20-day sum calibrated by FACSIM emotion.py")
def money_flow_20(ctx):
    return rolling_sum((ctx.H + ctx.L + ctx.C) / 3.0 * ctx.V, 20)
