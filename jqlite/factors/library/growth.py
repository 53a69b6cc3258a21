"""成长类因子 (growth), JoinQuant's page [D-growth] (…&id=10436): "(今年 X（TTM）/去年 X（TTM）)-1",
i.e. the TTM ending at the latest report over the TTM ending four quarters earlier (``lag=4``).
None of the flagship's 86 factors is in this category (the style factor ``growth`` lives in
:mod:`.style`).  Not calibrated against published values: profit growth rates are NaN when
last year's TTM is <= 0 (a growth rate off a loss is meaningless; UNCONFIRMED), revenue and
cash-flow growth rates follow the doc literally (NaN only when last year's TTM is 0)."""

from __future__ import annotations

import numpy as np

from ..base import factor


def _ttm_growth(ctx, table, col):
    cur, prev = ctx.ttm_at(table, col, 0), ctx.ttm_at(table, col, 4)
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


def _ratio_growth(cur, prev):
    with np.errstate(invalid="ignore", divide="ignore"):
        out = cur / prev - 1.0
    out[~np.isfinite(out)] = np.nan
    return out


@factor("total_asset_growth_rate", "growth", "总资产增长率",
        "b(total_assets) / b(total_assets) four reports earlier - 1",
        ("balance.total_assets",), 0, "[D-growth] '总资产 / 总资产_4 -1'")
def total_asset_growth_rate(ctx):
    return _ratio_growth(ctx.b("total_assets"), ctx.q("balance", "total_assets", lag=4))


@factor("net_asset_growth_rate", "growth", "净资产增长率",
        "b(total_owner_equities) / b(total_owner_equities) three reports earlier - 1",
        ("balance.total_owner_equities",), 0, "[D-growth] '（当季的股东权益/三季度前的股东权益）-1' (lag 3 literally)")
def net_asset_growth_rate(ctx):
    return _ratio_growth(ctx.b("total_owner_equities"), ctx.q("balance", "total_owner_equities", lag=3))


@factor("net_operate_cashflow_growth_rate", "growth", "经营活动产生的现金流量净额增长率",
        "ttm(net_operate_cash_flow) / ttm four quarters earlier - 1",
        ("cash_flow.net_operate_cash_flow",), 0, "[D-growth] doc formula")
def net_operate_cashflow_growth_rate(ctx):
    return _ratio_growth(ctx.ttm_at("cash_flow", "net_operate_cash_flow", 0),
                         ctx.ttm_at("cash_flow", "net_operate_cash_flow", 4))


@factor("financing_cash_growth_rate", "growth", "筹资活动产生的现金流量净额增长率",
        "ttm(net_finance_cash_flow) / ttm four quarters earlier - 1",
        ("cash_flow.net_finance_cash_flow",), 0, "[D-growth] doc formula")
def financing_cash_growth_rate(ctx):
    return _ratio_growth(ctx.ttm_at("cash_flow", "net_finance_cash_flow", 0),
                         ctx.ttm_at("cash_flow", "net_finance_cash_flow", 4))


@factor("operating_revenue_growth_rate", "growth", "营业收入增长率",
        "ttm(operating_revenue) / ttm four quarters earlier - 1", ("income.operating_revenue",), 0,
        "[D-growth] doc formula")
def operating_revenue_growth_rate(ctx):
    return _ratio_growth(ctx.ttm_at("income", "operating_revenue", 0), ctx.ttm_at("income", "operating_revenue", 4))


@factor("net_profit_growth_rate", "growth", "净利润增长率",
        "ttm(net_profit) / ttm four quarters earlier - 1; NaN when the earlier TTM <= 0 (UNCONFIRMED)",
        ("income.net_profit",), 0, "[D-growth] doc formula")
def net_profit_growth_rate(ctx):
    return _ttm_growth(ctx, "income", "net_profit")


@factor("PEG", "growth", "市盈率相对盈利增长比率",
        "valuation.pe_ratio / (np_parent_company_owners_growth_rate * 100); NaN when growth <= 0 (UNCONFIRMED)",
        ("valuation.pe_ratio", "income.np_parent_company_owners"), 0, "[D-growth] wording (PE_TTM / (G*100))")
def peg(ctx):
    g = _ttm_growth(ctx, "income", "np_parent_company_owners")
    pe = ctx.val("pe_ratio")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pe / (g * 100.0)
    out[~np.isfinite(out) | ~(g > 0) | ~(pe > 0)] = np.nan    # doc: PE or growth negative -> NaN
    return out
