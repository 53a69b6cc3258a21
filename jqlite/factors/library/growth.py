"""成长类因子 (growth).  None of the flagship's 86 factors is in this category (the style
factor ``growth`` lives in :mod:`.style`); the ones here follow JoinQuant's doc wording
(year-over-year on single quarters, ``lag=4`` = same quarter last year) and are
**UNCONFIRMED** (not calibrated against published values)."""

from __future__ import annotations

import numpy as np

from ..base import factor


def _yoy(ctx, table, col):
    cur, prev = ctx.q(table, col), ctx.q(table, col, lag=4)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (cur - prev) / np.abs(prev)
    out[~np.isfinite(out)] = np.nan
    return out


@factor("operating_revenue_growth_rate", "growth", "营业收入增长率",
        "(q(operating_revenue) - q_lag4) / |q_lag4| (UNCONFIRMED)", ("income.operating_revenue",), 0,
        "[D-growth] wording")
def operating_revenue_growth_rate(ctx):
    return _yoy(ctx, "income", "operating_revenue")


@factor("net_profit_growth_rate", "growth", "净利润增长率", "(q(net_profit) - q_lag4) / |q_lag4| (UNCONFIRMED)",
        ("income.net_profit",), 0, "[D-growth] wording")
def net_profit_growth_rate(ctx):
    return _yoy(ctx, "income", "net_profit")


def _ttm_lag(ctx, table, col, lag):
    """TTM ending ``lag`` quarters before the latest report: sum of single quarters
    ``lag .. lag+3`` (NaN unless all four are known)."""
    return sum(ctx.q(table, col, lag=lag + k) for k in range(4))


def _ttm_growth(ctx, table, col):
    cur, prev = _ttm_lag(ctx, table, col, 0), _ttm_lag(ctx, table, col, 4)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = cur / prev - 1.0
    out[~np.isfinite(out) | (prev <= 0)] = np.nan
    return out


@factor("total_profit_growth_rate", "growth", "利润总额增长率",
        "ttm(total_profit) / ttm(total_profit) a year earlier - 1; NaN when the earlier TTM <= 0 (UNCONFIRMED)",
        ("income.total_profit",), 0, "[D-growth] wording (今年利润总额TTM/去年利润总额TTM - 1)")
def total_profit_growth_rate(ctx):
    return _ttm_growth(ctx, "income", "total_profit")


@factor("np_parent_company_owners_growth_rate", "growth", "归属母公司股东的净利润增长率",
        "ttm(np_parent_company_owners) / ttm a year earlier - 1; NaN when the earlier TTM <= 0 (UNCONFIRMED)",
        ("income.np_parent_company_owners",), 0, "[D-growth] wording")
def np_parent_company_owners_growth_rate(ctx):
    return _ttm_growth(ctx, "income", "np_parent_company_owners")


@factor("total_asset_growth_rate", "growth", "总资产增长率",
        "b(total_assets) / b(total_assets) four reports earlier - 1 (UNCONFIRMED)",
        ("balance.total_assets",), 0, "[D-growth] wording")
def total_asset_growth_rate(ctx):
    return _yoy(ctx, "balance", "total_assets")


@factor("net_asset_growth_rate", "growth", "净资产增长率",
        "b(total_owner_equities) / same four reports earlier - 1 (UNCONFIRMED)",
        ("balance.total_owner_equities",), 0, "[D-growth] wording")
def net_asset_growth_rate(ctx):
    return _yoy(ctx, "balance", "total_owner_equities")


@factor("net_operate_cashflow_growth_rate", "growth", "经营活动产生的现金流量净额增长率",
        "(q(net_operate_cash_flow) - q_lag4) / |q_lag4| (UNCONFIRMED)",
        ("cash_flow.net_operate_cash_flow",), 0, "[D-growth] wording")
def net_operate_cashflow_growth_rate(ctx):
    return _yoy(ctx, "cash_flow", "net_operate_cash_flow")


@factor("PEG", "growth", "市盈率相对盈利增长比率",
        "valuation.pe_ratio / (np_parent_company_owners_growth_rate * 100); NaN when growth <= 0 (UNCONFIRMED)",
        ("valuation.pe_ratio", "income.np_parent_company_owners"), 0, "[D-growth] wording (PE_TTM / (G*100))")
def peg(ctx):
    g = _ttm_growth(ctx, "income", "np_parent_company_owners")
    pe = ctx.val("pe_ratio")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pe / (g * 100.0)
    out[~np.isfinite(out) | ~(g > 0)] = np.nan
    return out
