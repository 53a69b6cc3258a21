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


# ------------------------------------------------------------------ TTM sums ([D-basics] "计算过去12个月 X 之和")
def _ttm_factor(code, intro, table, col):
    @factor(code, "basics", intro, f"ttm({table}.{col}): sum of the latest 4 single quarters",
            (f"{table}.{col}",), 0, "[D-basics]; TTM rule spec §1.4.8 (FACSIM basics.py: exact)")
    def f(ctx):
        return ctx.ttm(table, col).copy()
    return f


for _code, _intro, _t, _c in (
        ("operating_profit_ttm", "营业利润TTM", "income", "operating_profit"),
        ("net_operate_cash_flow_ttm", "经营活动现金流量净额TTM", "cash_flow", "net_operate_cash_flow"),
        ("sale_expense_ttm", "销售费用TTM", "income", "sale_expense"),
        ("total_operating_cost_ttm", "营业总成本TTM", "income", "total_operating_cost"),
        ("net_invest_cash_flow_ttm", "投资活动现金流量净额TTM", "cash_flow", "net_invest_cash_flow"),
        ("financial_expense_ttm", "财务费用TTM", "income", "financial_expense"),
        ("administration_expense_ttm", "管理费用TTM", "income", "administration_expense"),
        ("value_change_profit_ttm", "价值变动净收益TTM", "indicator", "value_change_profit"),
        ("total_profit_ttm", "利润总额TTM", "income", "total_profit"),
        ("net_finance_cash_flow_ttm", "筹资活动现金流量净额TTM", "cash_flow", "net_finance_cash_flow"),
        ("np_parent_company_owners_ttm", "归属于母公司股东的净利润TTM", "income", "np_parent_company_owners"),
        ("operating_cost_ttm", "营业成本TTM", "income", "operating_cost"),
        ("goods_sale_and_service_render_cash_ttm", "销售商品提供劳务收到的现金", "cash_flow",
         "goods_sale_and_service_render_cash")):
    _ttm_factor(_code, _intro, _t, _c)


@factor("non_operating_net_profit_ttm", "basics", "营业外收支净额TTM",
        "ttm(non_operating_revenue) - ttm(non_operating_expense)",
        ("income.non_operating_revenue", "income.non_operating_expense"), 0, "[D-basics] doc formula")
def non_operating_net_profit_ttm(ctx):
    return ctx.ttm("income", "non_operating_revenue") - ctx.ttm("income", "non_operating_expense")


@factor("interest_carry_current_liability", "basics", "带息流动负债",
        "b(total_current_liability) - interest_free_current_liability",
        ("balance.total_current_liability",) + tuple(f"balance.{c}" for c in _IFCL), 0,
        "[D-basics] doc formula (FACSIM basics.py)")
def interest_carry_current_liability(ctx):
    return ctx.b("total_current_liability") - ctx.factor("interest_free_current_liability")


@factor("retained_earnings", "basics", "留存收益", "b(surplus_reserve_fund) + b(retained_profit)",
        ("balance.surplus_reserve_fund", "balance.retained_profit"), 0, "[D-basics] doc formula")
def retained_earnings(ctx):
    return ctx.b("surplus_reserve_fund") + ctx.b("retained_profit")


@factor("net_interest_expense", "basics", "净利息费用",
        "q(interest_expense) - q(interest_income) (single quarter; a missing item counts 0, both missing NaN)",
        ("income.interest_expense", "income.interest_income"), 0,
        "[D-basics] '利息支出-利息收入' (FACSIM basics.py EXACT on the latest report)")
def net_interest_expense(ctx):
    ie, ii = ctx.q("income", "interest_expense"), ctx.q("income", "interest_income")
    out = np.nan_to_num(ie, nan=0.0) - np.nan_to_num(ii, nan=0.0)
    out[np.isnan(ie) & np.isnan(ii)] = np.nan
    return out


@factor("OperateNetIncome", "basics", "经营活动净收益",
        "q(indicator.operating_profit_to_profit) / 100 * q(income.total_profit)",
        ("indicator.operating_profit_to_profit", "income.total_profit"), 0,
        "[D-basics] '经营活动净收益/利润总额(%) * 利润总额'")
def operate_net_income(ctx):
    return ctx.q("indicator", "operating_profit_to_profit") / 100.0 * ctx.q("income", "total_profit")


_DEBT = ("shortterm_loan", "non_current_liability_in_one_year", "longterm_loan", "bonds_payable")


@factor("net_debt", "basics", "净债务",
        "b(shortterm_loan + non_current_liability_in_one_year + longterm_loan + bonds_payable) (interest-"
        "bearing debt; missing items 0) - cash_flow.cash_and_equivalents_at_end (UNCONFIRMED: 总债务 read as "
        "interest-bearing debt)", tuple(f"balance.{c}?" for c in _DEBT) + ("cash_flow.cash_and_equivalents_at_end",
                                                                            "balance.total_liability"), 0,
        "[D-basics] '总债务-期末现金及现金等价物余额'; 期末现金 = cash_flow.cash_and_equivalents_at_end (spec §1.4.12)")
def net_debt(ctx):
    debt = sum(ctx.b(c, optional=True) for c in _DEBT)
    debt = np.where(np.isnan(ctx.b("total_liability")), np.nan, debt)
    return debt - ctx.q("cash_flow", "cash_and_equivalents_at_end")


@factor("operating_assets", "basics", "经营性资产", "b(total_assets) - financial_assets",
        ("balance.total_assets", "balance.cash_equivalents") + tuple(f"balance.{c}?" for c in _FA[1:]), 0,
        "[D-basics] '总资产 - 金融资产'")
def operating_assets(ctx):
    return ctx.b("total_assets") - ctx.factor("financial_assets")


_FL_FREE = ("accounts_payable", "advance_peceipts", "salaries_payable", "taxs_payable", "other_payable",
            "other_current_liability")


@factor("financial_liability", "basics", "金融负债",
        "(b(total_current_liability) - b(accounts_payable + advance_peceipts + salaries_payable + taxs_payable + "
        "other_payable + other_current_liability)) + b(longterm_loan + bonds_payable); missing items 0 "
        "(一年内的递延收益 is not a JoinQuant balance column: 0)",
        ("balance.total_current_liability",) + tuple(f"balance.{c}?" for c in _FL_FREE + ("longterm_loan",
                                                                                          "bonds_payable")), 0,
        "[D-basics] doc formula")
def financial_liability(ctx):
    def build():
        out = ctx.b("total_current_liability").copy()
        for c in _FL_FREE:
            out = out - ctx.b(c, optional=True)
        return out + ctx.b("longterm_loan", optional=True) + ctx.b("bonds_payable", optional=True)
    return ctx.memo("financial_liability", build)


@factor("operating_liability", "basics", "经营性负债", "b(total_liability) - financial_liability",
        ("balance.total_liability", "balance.total_current_liability")
        + tuple(f"balance.{c}?" for c in _FL_FREE + ("longterm_loan", "bonds_payable")), 0,
        "[D-basics] '总负债 - 金融负债'")
def operating_liability(ctx):
    return ctx.b("total_liability") - ctx.factor("financial_liability")
