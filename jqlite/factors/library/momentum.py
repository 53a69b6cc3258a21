"""动量类因子 (momentum), spec ``jq_factors.md`` §5.  Post-adjusted prices; windows include
the current day."""

from __future__ import annotations

import numpy as np

from ..base import factor
from ..kernels import (rolling_arg_extreme_last, rolling_count_le_last, rolling_mean,
                       rolling_sum, safe_div, shift)

_C = ("bars.close", "bars.factor")
_H = ("bars.high", "bars.factor")
_HL = ("bars.high", "bars.low", "bars.factor")
_CV = ("bars.close", "bars.volume", "bars.factor")


@factor("arron_up_25", "momentum", "Aroon指标上轨",
        "idx = position (0 = oldest, last occurrence) of max(H) in 25 bars; (idx+1)/25*100", _H, 25,
        "spec §5 [D-momentum; FS-mom]")
def arron_up_25(ctx):
    return (rolling_arg_extreme_last(ctx.H, 25, True) + 1.0) / 25.0 * 100.0


@factor("arron_down_25", "momentum", "Aroon指标下轨",
        "JoinQuant quirk: on HIGH -- idx of min(H) in 25 bars (last occurrence); (idx+1)/25*100", _H, 25,
        "spec §5 [FS-mom; FS-conv J5b]")
def arron_down_25(ctx):
    return (rolling_arg_extreme_last(ctx.H, 25, False) + 1.0) / 25.0 * 100.0


@factor("BBIC", "momentum", "BBI 动量", "(MA3+MA6+MA12+MA24)/4 / C", _C, 24,
        "spec §5 [D-momentum; FS-conv J4]")
def bbic(ctx):
    c = ctx.C
    bbi = (rolling_mean(c, 3) + rolling_mean(c, 6) + rolling_mean(c, 12) + rolling_mean(c, 24)) / 4.0
    return safe_div(bbi, c)


@factor("MASS", "momentum", "梅斯线", "sum25(SMA9(H-L) / SMA9(SMA9(H-L))), simple MAs", _HL, 41,
        "spec §5 [FS-mom calibrated]")
def mass(ctx):
    hl = ctx.H - ctx.L
    m1 = rolling_mean(hl, 9)
    m2 = rolling_mean(m1, 9)
    return rolling_sum(safe_div(m1, m2), 25)


def _rank(ctx, n):
    c = ctx.C
    with np.errstate(invalid="ignore", divide="ignore"):
        r = c / shift(c, n) - 1.0
    r[:, ~ctx.stock_mask] = np.nan
    return 1.0 - cross_rank_pct(r)


def cross_rank_pct(x):
    """Row-wise pandas ``rank(pct=True)`` (average ties, NaN kept) over the columns."""
    n, m = x.shape
    out = np.full_like(x, np.nan)
    for i in range(n):
        row = x[i]
        ok = ~np.isnan(row)
        k = int(ok.sum())
        if k == 0:
            continue
        v = row[ok]
        order = np.argsort(v, kind="mergesort")
        sv = v[order]
        ranks = np.empty(k)
        # average ranks for ties
        uniq, first, counts = np.unique(sv, return_index=True, return_counts=True)
        avg = first + (counts + 1) / 2.0
        ranks[order] = np.repeat(avg, counts)
        out[i, ok] = ranks / k
    return out


@factor("Rank1M", "momentum", "1减去 过去一个月收益率排名与股票总数的比值",
        "1 - pct_rank(C/REF(C,20) - 1) over all stocks of the store (pandas rank pct, average ties)",
        _C, 20, "spec §5 [D-momentum; FS-mom]; universe = stocks in the store (UNCONFIRMED)",
        cross_sectional=True)
def rank1m(ctx):
    return _rank(ctx, 20)


def _vpt(ctx):
    def build():
        return ctx.ret * ctx.raw("volume") / 100.0
    return ctx.memo("VPT", build)


@factor("single_day_VPT", "momentum", "单日价量趋势", "(C/C[-1] - 1) * raw volume / 100 (lots)",
        _CV, 1, "spec §5 [FS-mom; FS-conv G5]")
def single_day_vpt(ctx):
    return _vpt(ctx)


@factor("single_day_VPT_6", "momentum", "单日价量趋势6日均值", "MA6(single_day_VPT)", _CV, 7,
        "spec §5 (rel. err 0.029 vs JQ: window volume adjustment UNCONFIRMED)")
def single_day_vpt_6(ctx):
    return rolling_mean(_vpt(ctx), 6)


@factor("single_day_VPT_12", "momentum", "单日价量趋势12均值", "MA12(single_day_VPT)", _CV, 13,
        "spec §5 (rel. err 0.049 vs JQ: window volume adjustment UNCONFIRMED)")
def single_day_vpt_12(ctx):
    return rolling_mean(_vpt(ctx), 12)


@factor("Volume1M", "momentum", "当前交易量相比过去1个月日均交易量 与过去过去20日日均收益率乘积",
        "V / MA20(V) * MA20(C/C[-1] - 1)", _CV, 21, "spec §5 [FS-mom]")
def volume1m(ctx):
    v = ctx.V
    return safe_div(v, rolling_mean(v, 20)) * rolling_mean(ctx.ret, 20)


@factor("fifty_two_week_close_rank", "momentum", "当前价格处于过去1年股价的位置",
        "count(C_i <= C_today over the last 250 closes) / 250 (1.0 = 52-week high; direction UNCONFIRMED)",
        _C, 250, "spec §5 [FS-mom]")
def fifty_two_week_close_rank(ctx):
    return rolling_count_le_last(ctx.C, 250) / 250.0


def _roc(n):
    @factor(f"ROC{n}", "momentum", f"{n}日变动速率（Price Rate of Change）", f"(C / REF(C,{n}) - 1) * 100",
            _C, n, "[D-momentum] (UNCONFIRMED: not calibrated)")
    def f(ctx):
        return (safe_div(ctx.C, shift(ctx.C, n)) - 1.0) * 100.0
    return f


for _n in (6, 12, 20, 60, 120):
    _roc(_n)


def _bias(n):
    @factor(f"BIAS{n}", "momentum", f"{n}日乖离率", f"(C - MA(C,{n})) / MA(C,{n}) * 100", _C, n,
            "[D-momentum]; MA includes today (FACSIM momentum.py)")
    def f(ctx):
        m = rolling_mean(ctx.C, n)
        return safe_div(ctx.C - m, m) * 100.0
    return f


for _n in (5, 10, 20, 60):
    _bias(_n)

_HLC = ("bars.high", "bars.low", "bars.close", "bars.factor")


def _typ(ctx):
    return ctx.memo("TYP", lambda: (ctx.H + ctx.L + ctx.C) / 3.0)


def _cci(n):
    @factor(f"CCI{n}", "momentum", f"{n}日顺势指标",
            f"(TYP - MA(TYP,{n})) / (0.015 * AVEDEV(TYP,{n})), TYP = (H+L+C)/3", _HLC, n,
            "[D-momentum] doc formula (AVEDEV = mean absolute deviation, spec §1.4.5)")
    def f(ctx):
        from ..kernels import rolling_avedev
        typ = _typ(ctx)
        ma, ad = rolling_mean(typ, n), rolling_avedev(typ, n)
        with np.errstate(invalid="ignore"):
            ad[ad <= 1e-10 * np.abs(ma)] = np.nan     # a flat window (suspension): undefined, not rounding noise
        return safe_div(typ - ma, 0.015 * ad)
    return f


for _n in (10, 15, 20, 88):
    _cci(_n)


@factor("CR20", "momentum", "CR指标",
        "mid = (H[-1] + L[-1]) / 2; sum20(max(H - mid, 0)) / sum20(max(mid - L, 0)) * 100", _HLC, 21,
        "[D-momentum] doc steps ①-⑤")
def cr20(ctx):
    mid = (shift(ctx.H, 1) + shift(ctx.L, 1)) / 2.0
    with np.errstate(invalid="ignore"):
        up = np.maximum(ctx.H - mid, 0.0)
        dn = np.maximum(mid - ctx.L, 0.0)
    bad = np.isnan(mid) | np.isnan(ctx.H)
    up[bad] = np.nan
    dn[bad] = np.nan
    return safe_div(rolling_sum(up, 20), rolling_sum(dn, 20)) * 100.0


def _plrc(n):
    @factor(f"PLRC{n}", "momentum", f"{n}日收盘价格与日期线性回归系数",
            f"slope of C on t = 1..{n} / MA(C,{n}) (= slope of C / mean(C) over the window)", _C, n,
            "[D-momentum]; slope(C)/MA(C) calibrated by FACSIM momentum.py")
    def f(ctx):
        from ..kernels import rolling_slope
        return safe_div(rolling_slope(ctx.C, n), rolling_mean(ctx.C, n))
    return f


for _n in (6, 12, 24):
    _plrc(_n)


def _price(code, intro, n, src):
    @factor(code, "momentum", intro, f"C / REF(MA(C,{n}),1) - 1 (mean of the {n} closes before today)",
            _C, n + 1, src)
    def f(ctx):
        return safe_div(ctx.C, shift(rolling_mean(ctx.C, n), 1)) - 1.0
    return f


_price("Price1M", "当前股价除以过去一个月股价均值再减1", 20,
       "[D-momentum] '过去一个月(21天)'; mean of the 20 days before today calibrated by FACSIM momentum.py")
_price("Price3M", "当前股价除以过去三个月股价均值再减1", 60,
       "[D-momentum] '过去三个月(61天)'; mean of the 60 days before today calibrated by FACSIM momentum.py")
_price("Price1Y", "当前股价除以过去一年股价均值再减1", 249,
       "[D-momentum] '过去一年(250天)'; 249 days before today by analogy with Price1M/3M (UNCONFIRMED)")


def _trix(n):
    @factor(f"TRIX{n}", "momentum", f"{n}日终极指标TRIX",
            f"MTR = EMA(EMA(EMA(C,{n}),{n}),{n}); (MTR / REF(MTR,1) - 1) * 100", _C, 250,
            "[D-momentum] doc formula; EMA = ewm(span, adjust=False)")
    def f(ctx):
        from ..kernels import ema
        mtr = ema(ema(ema(ctx.C, n), n), n)
        return (safe_div(mtr, shift(mtr, 1)) - 1.0) * 100.0
    return f


for _n in (5, 10):
    _trix(_n)


def _ema13(ctx):
    from ..kernels import ema
    return ctx.memo("EMA13", lambda: ema(ctx.C, 13))


@factor("bull_power", "momentum", "多头力道", "(H - EMA(C,13)) / C", _HLC, 250, "[D-momentum] doc formula")
def bull_power(ctx):
    return safe_div(ctx.H - _ema13(ctx), ctx.C)


@factor("bear_power", "momentum", "空头力道", "(L - EMA(C,13)) / C", _HLC, 250, "[D-momentum] doc formula")
def bear_power(ctx):
    return safe_div(ctx.L - _ema13(ctx), ctx.C)
