"""每股指标因子 (pershare), spec ``jq_factors.md`` §6: denominator ``SH`` =
valuation.capitalization × 1e4 (shares) on date D."""

from __future__ import annotations

from ..base import factor
from ..kernels import safe_div

_SH = "valuation.capitalization"


@factor("capital_reserve_fund_per_share", "pershare", "每股资本公积金", "b(capital_reserve_fund) / SH",
        ("balance.capital_reserve_fund", _SH), 0, "spec §6 [FS-pershare]")
def capital_reserve_fund_per_share(ctx):
    return safe_div(ctx.b("capital_reserve_fund"), ctx.SH)


@factor("net_asset_per_share", "pershare", "每股净资产",
        "(b(equities_parent_company_owners) - b(other_equity_tools, NaN->0)) / SH",
        ("balance.equities_parent_company_owners", "balance.other_equity_tools?", _SH), 0, "spec §6 [FS-pershare]")
def net_asset_per_share(ctx):
    return safe_div(ctx.b("equities_parent_company_owners") - ctx.b("other_equity_tools", optional=True), ctx.SH)


@factor("net_operate_cash_flow_per_share", "pershare", "每股经营活动产生的现金流量净额",
        "q(cash_flow.net_operate_cash_flow) / SH (single quarter)", ("cash_flow.net_operate_cash_flow", _SH), 0,
        "spec §6 [FS-pershare calibrated]")
def net_operate_cash_flow_per_share(ctx):
    return safe_div(ctx.q("cash_flow", "net_operate_cash_flow"), ctx.SH)


@factor("operating_profit_per_share", "pershare", "每股营业利润", "q(income.operating_profit) / SH",
        ("income.operating_profit", _SH), 0, "spec §6 [FS-pershare]")
def operating_profit_per_share(ctx):
    return safe_div(ctx.q("income", "operating_profit"), ctx.SH)


@factor("total_operating_revenue_per_share", "pershare", "每股营业总收入", "q(income.total_operating_revenue) / SH",
        ("income.total_operating_revenue", _SH), 0, "spec §6 [FS-pershare]")
def total_operating_revenue_per_share(ctx):
    return safe_div(ctx.q("income", "total_operating_revenue"), ctx.SH)


@factor("surplus_reserve_fund_per_share", "pershare", "每股盈余公积金", "b(surplus_reserve_fund) / SH",
        ("balance.surplus_reserve_fund", _SH), 0, "spec §6 [FS-pershare]")
def surplus_reserve_fund_per_share(ctx):
    return safe_div(ctx.b("surplus_reserve_fund"), ctx.SH)


@factor("eps_ttm", "pershare", "每股收益TTM", "ttm(np_parent_company_owners) / SH",
        ("income.np_parent_company_owners", _SH), 0, "[D-pershare] (UNCONFIRMED numerator)")
def eps_ttm(ctx):
    return safe_div(ctx.ttm("income", "np_parent_company_owners"), ctx.SH)


@factor("retained_profit_per_share", "pershare", "每股未分配利润", "b(retained_profit) / SH",
        ("balance.retained_profit", _SH), 0, "[D-pershare] wording")
def retained_profit_per_share(ctx):
    return safe_div(ctx.b("retained_profit"), ctx.SH)


def _ps_ttm(code, intro, col):
    @factor(code, "pershare", intro, f"ttm(income.{col}) / SH", (f"income.{col}", _SH), 0,
            "[D-pershare] 'X（TTM）除以总股本'")
    def f(ctx):
        return safe_div(ctx.ttm("income", col), ctx.SH)
    return f


_ps_ttm("total_operating_revenue_per_share_ttm", "每股营业总收入TTM", "total_operating_revenue")
_ps_ttm("operating_revenue_per_share_ttm", "每股营业收入TTM", "operating_revenue")
_ps_ttm("operating_profit_per_share_ttm", "每股营业利润TTM", "operating_profit")


@factor("cash_and_equivalents_per_share", "pershare", "每股现金及现金等价物余额",
        "q(cash_flow.cash_and_equivalents_at_end) / SH", ("cash_flow.cash_and_equivalents_at_end", _SH), 0,
        "[D-pershare]; cash_flow.cash_and_equivalents_at_end, not balance.cash_equivalents (spec §1.4.12)")
def cash_and_equivalents_per_share(ctx):
    return safe_div(ctx.q("cash_flow", "cash_and_equivalents_at_end"), ctx.SH)


@factor("retained_earnings_per_share", "pershare", "每股留存收益",
        "(b(surplus_reserve_fund) + b(retained_profit)) / SH",
        ("balance.surplus_reserve_fund", "balance.retained_profit", _SH), 0, "[D-pershare]; 留存收益 as [D-basics]")
def retained_earnings_per_share(ctx):
    return safe_div(ctx.b("surplus_reserve_fund") + ctx.b("retained_profit"), ctx.SH)


@factor("operating_revenue_per_share", "pershare", "每股营业收入", "q(income.operating_revenue) / SH",
        ("income.operating_revenue", _SH), 0, "[D-pershare] (single quarter, as total_operating_revenue_per_share)")
def operating_revenue_per_share(ctx):
    return safe_div(ctx.q("income", "operating_revenue"), ctx.SH)


@factor("cashflow_per_share_ttm", "pershare", "每股现金流量净额，根据当时日期来获取最近变更日的总股本",
        "ttm(cash_flow.cash_equivalent_increase) / SH", ("cash_flow.cash_equivalent_increase", _SH), 0,
        "[D-pershare] '现金流量净额（TTM）除以总股本'")
def cashflow_per_share_ttm(ctx):
    return safe_div(ctx.ttm("cash_flow", "cash_equivalent_increase"), ctx.SH)
