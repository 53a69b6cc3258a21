"""基础科目及衍生类因子 (basics), spec ``jq_factors.md`` §3.  Point-in-time fundamentals:
``q`` = latest single quarter, ``b`` = latest balance sheet, ``ttm`` = sum of the latest 4
quarters, ``MC`` = valuation.market_cap × 1e8 (元)."""

from __future__ import annotations

import numpy as np

from ..base import factor
from ..kernels import safe_div

_IFCL = ("notes_payable", "accounts_payable", "advance_peceipts", "salaries_payable", "taxs_payable",
         "interest_payable", "other_payable", "other_current_liability")
_FA = ("cash_equivalents", "trading_assets", "bill_receivable", "interest_receivable", "dividend_receivable",
       "hold_for_sale_assets", "hold_to_maturity_investments")
_EBITDA_COST = ("operating_cost", "interest_expense", "commission_expense", "sale_expense",
                "administration_expense", "rd_expenses", "asset_impairment_loss")
_DA = ("fixed_assets_depreciation", "intangible_assets_amortization", "defferred_expense_amortization")


@factor("asset_impairment_loss_ttm", "basics", "资产减值损失（TTM）",
        "sum of the latest 4 single quarters of income.asset_impairment_loss, missing quarters = 0",
        ("income.asset_impairment_loss",), 0, "spec §3 [FS-basics] (magnitude UNCONFIRMED)")
def asset_impairment_loss_ttm(ctx):
    qs = [ctx.q("income", "asset_impairment_loss", lag=k) for k in range(4)]
    out = sum(np.nan_to_num(q, nan=0.0) for q in qs)
    out[np.all([np.isnan(q) for q in qs], axis=0)] = np.nan     # no report at all -> NaN
    return out


@factor("cash_flow_to_price_ratio", "basics", "现金流市值比", "1 / valuation.pcf_ratio",
        ("valuation.pcf_ratio",), 0, "spec §3 [D-basics; FS-basics]")
def cash_flow_to_price_ratio(ctx):
    return safe_div(1.0, ctx.val("pcf_ratio"))


@factor("sales_to_price_ratio", "basics", "营收市值比", "1 / valuation.ps_ratio", ("valuation.ps_ratio",), 0,
        "spec §3 [D-basics; FS-basics]")
def sales_to_price_ratio(ctx):
    return safe_div(1.0, ctx.val("ps_ratio"))


@factor("market_cap", "basics", "总市值", "valuation.market_cap * 1e8 (元)", ("valuation.market_cap",), 0,
        "spec §3 [FS-conv D6]")
def market_cap(ctx):
    return ctx.MC.copy()


@factor("circulating_market_cap", "basics", "流通市值", "valuation.circulating_market_cap * 1e8 (元)",
        ("valuation.circulating_market_cap",), 0, "[D-basics] as market_cap")
def circulating_market_cap(ctx):
    return ctx.val("circulating_market_cap") * 1e8


@factor("interest_free_current_liability", "basics", "无息流动负债",
        "b(notes_payable + accounts_payable + advance_peceipts + salaries_payable + taxs_payable + "
        "interest_payable + other_payable + other_current_liability), NaN propagates",
        tuple(f"balance.{c}" for c in _IFCL), 0, "spec §3 [FS-basics] (salaries_payable UNCONFIRMED)")
def interest_free_current_liability(ctx):
    return sum(ctx.b(c) for c in _IFCL)


@factor("EBITDA", "basics", "息税折旧摊销前利润",
        "q(total_operating_revenue - operating_tax_surcharges) - q(operating_cost + interest_expense + "
        "commission_expense + sale_expense + administration_expense + rd_expenses + asset_impairment_loss) "
        "+ q(D&A from cash_flow supplement); missing items = 0; single quarter (UNCONFIRMED)",
        ("income.total_operating_revenue", "income.operating_tax_surcharges?")
        + tuple(f"income.{c}?" for c in _EBITDA_COST) + tuple(f"cash_flow.{c}?" for c in _DA), 0,
        "spec §3 [D-basics] doc formula, not reproduced")
def ebitda(ctx):
    rev = ctx.q("income", "total_operating_revenue")
    out = rev - ctx.q("income", "operating_tax_surcharges", optional=True)
    for c in _EBITDA_COST:
        out = out - ctx.q("income", c, optional=True)
    for c in _DA:
        out = out + ctx.q("cash_flow", c, optional=True)
    return out


@factor("financial_assets", "basics", "金融资产",
        "b(cash_equivalents + trading_assets + bill_receivable + interest_receivable + dividend_receivable + "
        "hold_for_sale_assets + hold_to_maturity_investments), NaN -> 0 (UNCONFIRMED)",
        ("balance.cash_equivalents",) + tuple(f"balance.{c}?" for c in _FA[1:]), 0, "spec §3 [D-basics]")
def financial_assets(ctx):
    out = ctx.b("cash_equivalents")
    out = np.where(np.isnan(out), 0.0, out)
    for c in _FA[1:]:
        out = out + ctx.b(c, optional=True)
    # all items absent -> NaN (not a reported balance sheet)
    return np.where(np.isnan(ctx.b("cash_equivalents")) & (out == 0.0), np.nan, out)


@factor("gross_profit_ttm", "basics", "毛利（TTM）", "ttm(operating_revenue) - ttm(operating_cost)",
        ("income.operating_revenue", "income.operating_cost"), 0, "spec §3 [FS-basics; FS-conv F1]")
def gross_profit_ttm(ctx):
    return ctx.ttm("income", "operating_revenue") - ctx.ttm("income", "operating_cost")


@factor("net_working_capital", "basics", "净运营资本", "b(total_current_assets) - b(total_current_liability)",
        ("balance.total_current_assets", "balance.total_current_liability"), 0, "spec §3 [FS-conv F4b]")
def net_working_capital(ctx):
    return ctx.b("total_current_assets") - ctx.b("total_current_liability")


@factor("non_recurring_gain_loss", "basics", "非经常性损益",
        "q(income.np_parent_company_owners) - q(indicator.adjusted_profit) (single quarter UNCONFIRMED)",
        ("income.np_parent_company_owners", "indicator.adjusted_profit"), 0, "spec §3 [D-basics]")
def non_recurring_gain_loss(ctx):
    return ctx.q("income", "np_parent_company_owners") - ctx.q("indicator", "adjusted_profit")


@factor("EBIT", "basics", "息税前利润", "q(net_profit) + q(income_tax_expense) + q(financial_expense)",
        ("income.net_profit", "income.income_tax_expense", "income.financial_expense"), 0,
        "spec §3 [FS-basics calibrated EXACT, single quarter]")
def ebit(ctx):
    return ctx.q("income", "net_profit") + ctx.q("income", "income_tax_expense") + ctx.q("income", "financial_expense")


@factor("net_profit_ttm", "basics", "净利润（TTM）", "ttm(income.net_profit)", ("income.net_profit",), 0,
        "[D-basics]; TTM rule spec §1.4.8")
def net_profit_ttm(ctx):
    return ctx.ttm("income", "net_profit")


@factor("operating_revenue_ttm", "basics", "营业收入（TTM）", "ttm(income.operating_revenue)",
        ("income.operating_revenue",), 0, "[D-basics]; TTM rule spec §1.4.8")
def operating_revenue_ttm(ctx):
    return ctx.ttm("income", "operating_revenue")


@factor("total_operating_revenue_ttm", "basics", "营业总收入（TTM）", "ttm(income.total_operating_revenue)",
        ("income.total_operating_revenue",), 0, "[D-basics]; TTM rule spec §1.4.8")
def total_operating_revenue_ttm(ctx):
    return ctx.ttm("income", "total_operating_revenue")
