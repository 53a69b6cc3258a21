"""风格因子 (style, Barra CNE5 as documented by JoinQuant), spec ``jq_factors.md`` §10.

Descriptors (``natural_log_of_market_cap``, ``cash_earnings_to_price_ratio``,
``earnings_to_price_ratio``, ``raw_beta``, ``relative_strength``, ``share_turnover_*``) are raw.
Composites go through the §10.1 pipeline, which JoinQuant does not fully publish, so they
are **approximations**:

* cross-section = the stocks of the store with a value that day;
* winsorise at mean ± 2.5·std (equal-weight mean and std, ddof=1), then standardise with the
  total-market-cap-weighted mean and the equal-weight std;
* descriptor combination with weights renormalised over the available descriptors;
* orthogonalisation = market-cap-weighted least squares with intercept, residual kept;
* the industry (``jq_l1``) missing-value fill is **skipped** (no industry data in the store);
* risk-free rate = 0 for ``momentum``; analyst forecasts are unavailable, so
  ``earnings_yield`` / ``growth`` use the remaining descriptors (renormalised weights), and
  ``growth``'s yearly points are TTM sums at 4-quarter steps of the latest report
  (= annual figures when the latest report is an annual report).
"""

from __future__ import annotations

import numpy as np

from ..base import MissingInput, factor
from ..kernels import (_column_major, cs_process, ew_beta, ew_sum_lagged, rolling_sum, safe_div,
                       slope_growth5)

_MC = ("valuation.market_cap",)
_C = ("bars.close", "bars.factor")


# ------------------------------------------------------------------ cross-sectional helpers
def _rowmask(x, mask):
    x = np.array(x, dtype=np.float64, copy=True)
    x[~np.isfinite(x)] = np.nan
    x[:, ~mask] = np.nan
    return x


def _nanstd(x):
    with np.errstate(invalid="ignore", divide="ignore"):
        cnt = np.sum(~np.isnan(x), axis=1)
        mu = np.nanmean(x, axis=1) if x.shape[1] else np.full(x.shape[0], np.nan)
        ss = np.nansum((x - mu[:, None]) ** 2, axis=1)
        sd = np.sqrt(ss / (cnt - 1))
    sd[cnt < 2] = np.nan
    return mu, sd


def winsorize_sigma(x, k=2.5):
    """Clip each row to ``mean ± k·std`` (row-wise over non-NaN values)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mu, sd = _nanstd(x)
    lo, hi = (mu - k * sd)[:, None], (mu + k * sd)[:, None]
    with np.errstate(invalid="ignore"):
        return np.where(np.isnan(x), np.nan, np.clip(x, lo, hi))


def cap_standardize(x, w):
    """``(x - Σw·x/Σw) / std(x)`` row-wise (cap-weighted mean, equal-weight std)."""
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ok = ~np.isnan(x) & np.isfinite(w) & (w > 0)
        ww = np.where(ok, w, 0.0)
        sw = ww.sum(axis=1)
        mw = np.where(sw > 0, np.nansum(np.where(ok, x, 0.0) * ww, axis=1) / np.where(sw > 0, sw, 1), np.nan)
        _, sd = _nanstd(x)
        out = (x - mw[:, None]) / sd[:, None]
    out[~np.isfinite(out)] = np.nan
    return out


def process(x, w, mask):
    """§10.1 steps 1/3/5: winsorise ±2.5σ, cap-weighted standardise (stocks only).

    One compiled pass per row (:func:`jqlite.factors.kernels.cs_process`) with the
    arithmetic of :func:`process_numpy`, values bit for bit: its row sums follow the order
    numpy would use for the layouts of :func:`process_numpy`'s temporaries
    (:func:`_sum_orders`)."""
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(np.broadcast_to(w, x.shape), dtype=np.float64)
    orders, out_order = _sum_orders(x.shape, _column_major(x), _column_major(w))
    return cs_process(x, w, mask, 2.5, orders, out_order)


_ORDERS: dict = {}


def _sum_orders(shape, x_f: bool, w_f: bool):
    """``(orders, out_order)`` for :func:`jqlite.factors.kernels.cs_process`: which row sums
    of :func:`process_numpy` numpy does left to right (its temporary is F-ordered) for
    inputs of ``shape`` laid out column by column (``x_f``, ``w_f``) or not.

    numpy lays a temporary out from its operands' layouts, and for mixed layouts from their
    shape as well (``~isnan(x) & isfinite(w)`` is F-ordered for 300 x 4,800 F/C inputs,
    C-ordered for 120 x 1,500), so the layouts are found by running the numpy steps once
    per (shape, layouts) on zero arrays of that shape (memoised; a few ms)."""
    key = (tuple(shape), bool(x_f), bool(w_f))
    hit = _ORDERS.get(key)
    if hit is not None:
        return hit

    def col(a):
        return bool(a.ndim == 2 and a.shape[0] > 1 and a.shape[1] > 1
                    and not a.flags.c_contiguous and a.flags.f_contiguous)
    import warnings
    x = np.zeros(shape, order="F" if x_f else "C")
    w = np.ones(shape, order="F" if w_f else "C")
    mask = np.ones(shape[1], dtype=bool)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        xr = _rowmask(x, mask)
        mu = np.zeros(shape[0])
        sq1 = (xr - mu[:, None]) ** 2
        xw = winsorize_sigma(xr)
        sq2 = (xw - mu[:, None]) ** 2
        ok = ~np.isnan(xw) & np.isfinite(w) & (w > 0)
        ww = np.where(ok, w, 0.0)
        prod = np.where(ok, xw, 0.0) * ww
        res = (xw - mu[:, None]) / mu[:, None]
    hit = ((col(xr), col(sq1), col(xw), col(sq2), col(ww), col(prod)),
           "F" if col(res) else "C")
    if len(_ORDERS) > 256:
        _ORDERS.clear()
    _ORDERS[key] = hit
    return hit


def process_numpy(x, w, mask):
    """:func:`process` as numpy array operations (the reference :func:`process` is checked
    against)."""
    x = _rowmask(x, mask)
    return cap_standardize(winsorize_sigma(x), w)


def combine(parts):
    """Weighted sum of standardised descriptors, weights renormalised over non-NaN ones."""
    num = 0.0
    den = 0.0
    for wgt, x in parts:
        ok = ~np.isnan(x)
        num = num + np.where(ok, x, 0.0) * wgt
        den = den + ok * wgt
    with np.errstate(invalid="ignore", divide="ignore"):
        out = num / den
    out[~np.isfinite(out)] = np.nan
    return out


def orthogonalize(y, x, w):
    """Residual of the row-wise weighted regression ``y = a + b·x`` (weights ``w``)."""
    ok = ~np.isnan(y) & ~np.isnan(x) & np.isfinite(w) & (w > 0)
    ww = np.where(ok, w, 0.0)
    yy, xx = np.where(ok, y, 0.0), np.where(ok, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        sw = ww.sum(axis=1, keepdims=True)
        mx = (ww * xx).sum(axis=1, keepdims=True) / sw
        my = (ww * yy).sum(axis=1, keepdims=True) / sw
        sxx = (ww * (xx - mx) ** 2).sum(axis=1, keepdims=True)
        sxy = (ww * (xx - mx) * (yy - my)).sum(axis=1, keepdims=True)
        b = np.where(sxx > 0, sxy / sxx, 0.0)
        res = y - my - b * (x - mx)
    res[~ok] = np.nan
    return res


def _size(ctx):
    return ctx.memo("style_size", lambda: process(_lnmc(ctx), ctx.MC, ctx.stock_mask))


def _lnmc(ctx):
    def build():
        mc = ctx.MC
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.log(np.where(mc > 0, mc, np.nan))
        return out
    return ctx.memo("lnmc", build)


# ------------------------------------------------------------------ size
@factor("natural_log_of_market_cap", "style", "对数总市值", "ln(valuation.market_cap * 1e8)", _MC, 0,
        "spec §10.2 [FS-style GOOD]")
def natural_log_of_market_cap(ctx):
    return _lnmc(ctx).copy()


@factor("size", "style", "市值因子", "§10.1 pipeline on ln(MC) (approximate)", _MC, 0, "spec §10.1 [D-style]",
        cross_sectional=True)
def size(ctx):
    return _size(ctx)


def _cube(ctx):
    def build():
        s = _size(ctx)
        return orthogonalize(s ** 3, s, ctx.MC)
    return ctx.memo("cube_of_size", build)


@factor("cube_of_size", "style", "市值立方因子",
        "standardised size cubed, orthogonalised to size (cap-weighted regression residual) (approximate)",
        _MC, 0, "spec §10.2 [D-style]", cross_sectional=True)
def cube_of_size(ctx):
    return _cube(ctx)


@factor("non_linear_size", "style", "非线性市值因子", "§10.1 pipeline on cube_of_size (approximate)", _MC, 0,
        "[D-style]", cross_sectional=True)
def non_linear_size(ctx):
    return process(_cube(ctx), ctx.MC, ctx.stock_mask)


# ------------------------------------------------------------------ beta / momentum
def _raw_beta(ctx):
    def build():
        r = ctx.ret
        ccap = ctx.val("circulating_market_cap")
        w = np.full_like(ccap, np.nan)
        w[1:] = ccap[:-1]                          # yesterday's float cap weights today's return
        ok = ~np.isnan(r) & np.isfinite(w) & (w > 0) & ctx.stock_mask[None, :]
        ww = np.where(ok, w, 0.0)
        sw = ww.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            rm = np.where(sw > 0, (np.where(ok, r, 0.0) * ww).sum(axis=1) / np.where(sw > 0, sw, 1.0), np.nan)
        return ew_beta(r, rm, 252, 63.0, 21)
    return ctx.memo("raw_beta", build)


@factor("raw_beta", "style", "原始贝塔",
        "EW (half-life 63) regression slope of r on the float-cap-weighted market return over 252 days",
        _C + ("valuation.circulating_market_cap",), 253, "spec §10.2 [D-style]", cross_sectional=True)
def raw_beta(ctx):
    return _raw_beta(ctx)


@factor("beta", "style", "贝塔因子", "§10.1 pipeline on raw_beta (approximate)",
        _C + ("valuation.circulating_market_cap", "valuation.market_cap"), 253, "spec §10.2 [D-style]",
        cross_sectional=True)
def beta(ctx):
    return process(_raw_beta(ctx), ctx.MC, ctx.stock_mask)


def _rstr(ctx):
    def build():
        r = ctx.ret
        with np.errstate(invalid="ignore"):
            lr = np.log1p(r)
        return ew_sum_lagged(lr, 504, 21, 126.0, 21)
    return ctx.memo("rstr", build)


@factor("relative_strength", "style", "相对强弱",
        "EW (half-life 126) sum of log returns over 504 days ending 21 days before D (rf = 0, UNCONFIRMED)",
        _C, 526, "spec §10.2 [D-style]")
def relative_strength(ctx):
    return _rstr(ctx)


@factor("momentum", "style", "动量因子", "§10.1 pipeline on relative_strength (approximate)",
        _C + _MC, 526, "spec §10.2 [D-style]", cross_sectional=True)
def momentum(ctx):
    return process(_rstr(ctx), ctx.MC, ctx.stock_mask)


# ------------------------------------------------------------------ liquidity
def _sto(ctx, n, months):
    def build():
        t = ctx.val("turnover_ratio") / 100.0
        s = rolling_sum(t, n) / months
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.log(np.where(s > 0, s, np.nan))
        return out
    return ctx.memo(("sto", n), build)


_T = ("valuation.turnover_ratio",)


@factor("share_turnover_monthly", "style", "月换手率", "ln(sum21(turnover_ratio/100))", _T, 21,
        "spec §10.2 [FS-style GOOD]")
def share_turnover_monthly(ctx):
    return _sto(ctx, 21, 1.0)


@factor("average_share_turnover_quarterly", "style", "季度平均平均月换手率", "ln(sum63(turnover_ratio/100)/3)",
        _T, 63, "spec §10.2 [FS-style GOOD]")
def average_share_turnover_quarterly(ctx):
    return _sto(ctx, 63, 3.0)


@factor("average_share_turnover_annual", "style", "年度平均月换手率", "ln(sum252(turnover_ratio/100)/12)",
        _T, 252, "spec §10.2 [D-style]")
def average_share_turnover_annual(ctx):
    return _sto(ctx, 252, 12.0)


@factor("liquidity", "style", "流动性因子",
        "0.35 STOM + 0.35 STOQ + 0.30 STOA (standardised, renormalised), processed, orthogonalised to size, "
        "processed (approximate)", _T + _MC, 252, "spec §10.2 [D-style]", cross_sectional=True)
def liquidity(ctx):
    mc, m = ctx.MC, ctx.stock_mask
    x = combine([(0.35, process(_sto(ctx, 21, 1.0), mc, m)), (0.35, process(_sto(ctx, 63, 3.0), mc, m)),
                 (0.30, process(_sto(ctx, 252, 12.0), mc, m))])
    x = process(x, mc, m)
    return process(orthogonalize(x, _size(ctx), mc), mc, m)


# ------------------------------------------------------------------ value / earnings
@factor("book_to_price_ratio", "style", "市净率因子",
        "§10.1 pipeline on 1/valuation.pb_ratio, negative -> NaN (approximate)",
        ("valuation.pb_ratio",) + _MC, 0, "spec §10.2 [D-style]", cross_sectional=True)
def book_to_price_ratio(ctx):
    bp = safe_div(1.0, ctx.val("pb_ratio"))
    bp[bp < 0] = np.nan
    return process(bp, ctx.MC, ctx.stock_mask)


def _cetop(ctx):
    return ctx.memo("cetop", lambda: safe_div(ctx.ttm("cash_flow", "net_operate_cash_flow"), ctx.MC))


def _etop(ctx):
    return ctx.memo("etop", lambda: safe_div(ctx.ttm("income", "np_parent_company_owners"), ctx.MC))


@factor("cash_earnings_to_price_ratio", "style", "现金流量市值比", "ttm(net_operate_cash_flow) / MC",
        ("cash_flow.net_operate_cash_flow",) + _MC, 0, "spec §10.2 [D-style]")
def cash_earnings_to_price_ratio(ctx):
    return _cetop(ctx)


@factor("earnings_to_price_ratio", "style", "利润市值比", "ttm(np_parent_company_owners) / MC",
        ("income.np_parent_company_owners",) + _MC, 0, "spec §10.2 [D-style]")
def earnings_to_price_ratio(ctx):
    return _etop(ctx)


@factor("earnings_yield", "style", "盈利预期因子",
        "0.21 CETOP + 0.11 ETOP (standardised; predicted E/P unavailable -> renormalised), processed (approximate)",
        ("cash_flow.net_operate_cash_flow", "income.np_parent_company_owners") + _MC, 0, "spec §10.2 [D-style]",
        cross_sectional=True)
def earnings_yield(ctx):
    mc, m = ctx.MC, ctx.stock_mask
    x = combine([(0.21, process(_cetop(ctx), mc, m)), (0.11, process(_etop(ctx), mc, m))])
    return process(x, mc, m)


# ------------------------------------------------------------------ growth
def _slope_growth(ys):
    """Slope of ``ys`` (list of 5 arrays, oldest first) on [0..4] / |mean|; >= 4 points
    (compiled: :func:`jqlite.factors.kernels.slope_growth5`, the values of
    :func:`_slope_growth_numpy`)."""
    return slope_growth5(ys)


def _slope_growth_numpy(ys):
    """:func:`_slope_growth` as numpy array operations (the reference it is checked against)."""
    y = np.stack(ys)                              # (5, n, m)
    ok = ~np.isnan(y)
    t = np.arange(5.0)[:, None, None] * np.ones_like(y)
    cnt = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mt = np.where(ok, t, 0).sum(axis=0) / cnt
        my = np.where(ok, y, 0).sum(axis=0) / cnt
        sxx = np.where(ok, (t - mt) ** 2, 0).sum(axis=0)
        sxy = np.where(ok, (t - mt) * (y - my), 0).sum(axis=0)
        out = (sxy / sxx) / np.abs(my)
    out[(cnt < 4) | ~np.isfinite(out)] = np.nan
    return out


def _yearly(ctx, table, col):
    qs = [ctx.q(table, col, lag=k) for k in range(20)]
    return [qs[k] + qs[k + 1] + qs[k + 2] + qs[k + 3] for k in (16, 12, 8, 4, 0)]


@factor("growth", "style", "成长因子",
        "0.24 earnings_growth + 0.47 sales_growth (slope of 5 yearly basic_eps / operating_revenue TTM points / "
        "|mean|; forecasts unavailable -> renormalised), processed (approximate)",
        ("income.basic_eps", "income.operating_revenue") + _MC, 0, "spec §10.2 [D-style]", cross_sectional=True)
def growth(ctx):
    mc, m = ctx.MC, ctx.stock_mask
    eg = _slope_growth(_yearly(ctx, "income", "basic_eps"))
    sg = _slope_growth(_yearly(ctx, "income", "operating_revenue"))
    x = combine([(0.24, process(eg, mc, m)), (0.47, process(sg, mc, m))])
    return process(x, mc, m)


@factor("earnings_growth", "style", "5年盈利增长率",
        "slope of the last 5 yearly basic_eps TTM points regressed on [0..4] / |their mean|; >= 4 points "
        "(the growth descriptor, unprocessed)", ("income.basic_eps",), 0, "spec §10.2 [D-style] growth descriptor")
def earnings_growth(ctx):
    return _slope_growth(_yearly(ctx, "income", "basic_eps"))


@factor("sales_growth", "style", "5年营业收入增长率",
        "slope of the last 5 yearly operating_revenue TTM points per share (today's share count: the slope / "
        "|mean| ratio does not depend on it) on [0..4] / |their mean|; >= 4 points (the growth descriptor, "
        "unprocessed)", ("income.operating_revenue",), 0, "spec §10.2 [D-style] growth descriptor")
def sales_growth(ctx):
    return _slope_growth(_yearly(ctx, "income", "operating_revenue"))


# ------------------------------------------------------------------ residual volatility
def _market_return(ctx):
    """Float-cap-weighted return of the store's stocks (yesterday's circulating cap weights
    today's return), as in :func:`_raw_beta`."""
    def build():
        r = ctx.ret
        ccap = ctx.val("circulating_market_cap")
        w = np.full_like(ccap, np.nan)
        w[1:] = ccap[:-1]
        ok = ~np.isnan(r) & np.isfinite(w) & (w > 0) & ctx.stock_mask[None, :]
        ww = np.where(ok, w, 0.0)
        sw = ww.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(sw > 0, (np.where(ok, r, 0.0) * ww).sum(axis=1) / np.where(sw > 0, sw, 1.0), np.nan)
    return ctx.memo("market_return", build)


def _hsigma(ctx):
    from ..kernels import ew_beta_sigma
    return ctx.memo("hsigma", lambda: ew_beta_sigma(ctx.ret, _market_return(ctx), 252, 63.0, 21)[1])


def _dastd(ctx):
    from ..kernels import ew_std
    return ctx.memo("dastd", lambda: ew_std(ctx.ret, 252, 42.0, 21))


def _cmra(ctx):
    def build():
        with np.errstate(invalid="ignore"):
            lr = np.log1p(ctx.ret)
        m = rolling_sum(lr, 21)
        months = np.stack([_shift_rows(m, 21 * k) for k in range(12)])
        ok = np.isfinite(months)
        cnt = ok.sum(axis=0)
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out = np.nanmax(months, axis=0) - np.nanmin(months, axis=0)
        out[cnt < 6] = np.nan
        return out
    return ctx.memo("cmra", build)


def _shift_rows(x, n):
    out = np.full_like(x, np.nan)
    if n < x.shape[0]:
        out[n:] = x[:x.shape[0] - n] if n else x
    return out


_RV_IN = _C + ("valuation.circulating_market_cap", "valuation.market_cap")


@factor("daily_standard_deviation", "style", "日收益率标准差",
        "exponentially weighted (half-life 42) std of daily returns over 252 days (rf = 0); >= 21 returns",
        _C, 253, "[D-style] descriptor (raw)")
def daily_standard_deviation(ctx):
    return _dastd(ctx)


@factor("cumulative_range", "style", "收益离差",
        "max - min of the 12 monthly (21-day) log returns ending today; >= 6 known months (listed > 6 months)",
        _C, 253, "[D-style] descriptor (raw); monthly returns as sums of daily log returns (UNCONFIRMED)")
def cumulative_range(ctx):
    return _cmra(ctx)


@factor("historical_sigma", "style", "残差历史波动率",
        "sample std of the residuals of raw_beta's regression over its 252-day window; >= 21 returns",
        _C + ("valuation.circulating_market_cap",), 253, "[D-style] descriptor (raw)")
def historical_sigma(ctx):
    return _hsigma(ctx)


def orthogonalize2(y, x1, x2, w):
    """Residual of the row-wise weighted regression ``y = a + b1·x1 + b2·x2`` (weights ``w``)."""
    out = np.full_like(y, np.nan)
    for i in range(y.shape[0]):
        ok = ~np.isnan(y[i]) & ~np.isnan(x1[i]) & ~np.isnan(x2[i]) & np.isfinite(w[i]) & (w[i] > 0)
        if ok.sum() < 4:
            continue
        sw = np.sqrt(w[i, ok])
        X = np.column_stack([np.ones(ok.sum()), x1[i, ok], x2[i, ok]])
        coef, *_ = np.linalg.lstsq(X * sw[:, None], y[i, ok] * sw, rcond=None)
        out[i, ok] = y[i, ok] - X @ coef
    return out


@factor("residual_volatility", "style", "残差波动率因子",
        "0.74 daily_standard_deviation + 0.16 cumulative_range + 0.10 historical_sigma (standardised, "
        "renormalised), processed, orthogonalised to beta and size (cap-weighted), processed (approximate)",
        _RV_IN, 253, "[D-style]", cross_sectional=True)
def residual_volatility(ctx):
    mc, m = ctx.MC, ctx.stock_mask
    x = combine([(0.74, process(_dastd(ctx), mc, m)), (0.16, process(_cmra(ctx), mc, m)),
                 (0.10, process(_hsigma(ctx), mc, m))])
    x = process(x, mc, m)
    bt = process(_raw_beta(ctx), mc, m)
    return process(orthogonalize2(x, bt, _size(ctx), mc), mc, m)


# ------------------------------------------------------------------ leverage
def _ld(ctx):
    return ctx.b("total_non_current_liability")


def _pe(ctx):
    return ctx.b("preferred_shares_equity", optional=True)


_LEV_BAL = ("balance.total_non_current_liability", "balance.preferred_shares_equity?")


@factor("market_leverage", "style", "市场杠杆",
        "(MC + b(preferred_shares_equity) + b(total_non_current_liability)) / MC; long-term debt = 非流动负债合计 "
        "(JoinQuant's 长期负债, as in long_term_debt_to_asset_ratio)", _LEV_BAL + _MC, 0, "[D-style] descriptor (raw)")
def market_leverage(ctx):
    return ctx.memo("mlev_s", lambda: safe_div(ctx.MC + _pe(ctx) + _ld(ctx), ctx.MC))


@factor("debt_to_assets", "style", "总负债的账面价值/总资产的账面价值", "b(total_liability) / b(total_assets)",
        ("balance.total_liability", "balance.total_assets"), 0, "[D-style] descriptor (raw)")
def debt_to_assets(ctx):
    return ctx.memo("dtoa", lambda: safe_div(ctx.b("total_liability"), ctx.b("total_assets")))


@factor("book_leverage", "style", "账面杠杆",
        "(BE + PE + LD) / BE, BE = b(equities_parent_company_owners) - PE, PE = b(preferred_shares_equity), "
        "LD = b(total_non_current_liability); NaN outside (0, 100)",
        _LEV_BAL + ("balance.equities_parent_company_owners",), 0, "[D-style] descriptor (raw)")
def book_leverage(ctx):
    def build():
        pe = _pe(ctx)
        be = ctx.b("equities_parent_company_owners") - pe
        out = safe_div(be + pe + _ld(ctx), be)
        out[~((out > 0) & (out < 100))] = np.nan
        return out
    return ctx.memo("blev", build)


@factor("leverage", "style", "杠杆因子",
        "0.38 market_leverage + 0.35 debt_to_assets + 0.27 book_leverage (standardised, renormalised), processed "
        "(approximate)", _LEV_BAL + _MC + ("balance.total_liability", "balance.total_assets",
                                            "balance.equities_parent_company_owners"), 0, "[D-style]",
        cross_sectional=True)
def leverage(ctx):
    mc, m = ctx.MC, ctx.stock_mask
    x = combine([(0.38, process(market_leverage(ctx), mc, m)), (0.35, process(debt_to_assets(ctx), mc, m)),
                 (0.27, process(book_leverage(ctx), mc, m))])
    return process(x, mc, m)


# ------------------------------------------------------------------ analyst-forecast descriptors
# JoinQuant computes these from analysts' consensus forecasts, which no jqlite store holds:
# declared with the input ``forecast.*`` so that the engine answers NaN and records the gap
# ("missing input forecast.consensus_net_profit ...") instead of inventing numbers.
_FC = ("forecast.consensus_net_profit",)


@factor("predicted_earnings_to_price_ratio", "style", "预期市盈率",
        "consensus net profit of the next 12 months / MC -- needs analyst forecasts (NaN in jqlite)",
        _FC + _MC, 0, "[D-style] descriptor; input absent from every jqlite store")
def predicted_earnings_to_price_ratio(ctx):
    raise MissingInput(list(_FC))


@factor("long_term_predicted_earnings_growth", "style", "预期长期盈利增长率",
        "3-year consensus net profit growth vs the latest annual report -- needs analyst forecasts (NaN in jqlite)",
        _FC, 0, "[D-style] descriptor; input absent from every jqlite store")
def long_term_predicted_earnings_growth(ctx):
    raise MissingInput(list(_FC))


@factor("short_term_predicted_earnings_growth", "style", "预期短期盈利增长率",
        "1-year consensus net profit growth vs the latest annual report -- needs analyst forecasts (NaN in jqlite)",
        _FC, 0, "[D-style] descriptor; input absent from every jqlite store")
def short_term_predicted_earnings_growth(ctx):
    raise MissingInput(list(_FC))
