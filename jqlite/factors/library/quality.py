"""质量类因子 (quality), spec ``jq_factors.md`` §7 (point-in-time statements; single quarters
for income / cash-flow items unless TTM)."""

from __future__ import annotations

import numpy as np

from ..base import factor
from ..kernels import safe_div


def _bal(*cols):
    return tuple(f"balance.{c}" for c in cols)


@factor("ACCA", "quality", "现金流资产比和资产回报率之差",
        "(q(net_operate_cash_flow) - q(net_profit)) / b(total_assets)",
        ("cash_flow.net_operate_cash_flow", "income.net_profit", "balance.total_assets"), 0,
        "spec §7 [FS-quality]")
def acca(ctx):
    return safe_div(ctx.q("cash_flow", "net_operate_cash_flow") - ctx.q("income", "net_profit"),
                    ctx.b("total_assets"))


def _ar_rate(ctx):
    def build():
        den = ctx.avgq("balance", "account_receivable") + ctx.avgq("balance", "bill_receivable")
        return safe_div(ctx.ttm("income", "operating_revenue"), den)
    return ctx.memo("ar_rate", build)


@factor("account_receivable_turnover_rate", "quality", "应收账款周转率",
        "ttm(operating_revenue) / (avgq(account_receivable) + avgq(bill_receivable))",
        ("income.operating_revenue",) + _bal("account_receivable", "bill_receivable"), 0,
        "spec §7 [FS-quality] (advance_peceipts term of the doc omitted, UNCONFIRMED)")
def account_receivable_turnover_rate(ctx):
    return _ar_rate(ctx)


@factor("account_receivable_turnover_days", "quality", "应收账款周转天数", "360 / account_receivable_turnover_rate",
        ("income.operating_revenue",) + _bal("account_receivable", "bill_receivable"), 0, "spec §7")
def account_receivable_turnover_days(ctx):
    return safe_div(360.0, _ar_rate(ctx))


@factor("adjusted_profit_to_total_profit", "quality", "扣除非经常损益后的净利润与利润总额之比",
        "q(indicator.adjusted_profit) / q(income.total_profit)", ("indicator.adjusted_profit", "income.total_profit"),
        0, "spec §7 [FS-conv F4b]")
def adjusted_profit_to_total_profit(ctx):
    return safe_div(ctx.q("indicator", "adjusted_profit"), ctx.q("income", "total_profit"))


_SQR = ("cash_equivalents", "trading_assets", "bill_receivable", "account_receivable", "other_receivable")


@factor("super_quick_ratio", "quality", "超速动比率",
        "b(cash_equivalents + trading_assets + bill_receivable + account_receivable + other_receivable) / "
        "b(total_current_liability), NaN propagates", _bal(*_SQR, "total_current_liability"), 0,
        "spec §7 [FS-conv F4b, F4d]")
def super_quick_ratio(ctx):
    return safe_div(sum(ctx.b(c) for c in _SQR), ctx.b("total_current_liability"))


@factor("MLEV", "quality", "市场杠杆", "b(total_non_current_liability) / (b(total_non_current_liability) + MC)",
        _bal("total_non_current_liability") + ("valuation.market_cap",), 0, "spec §7 [FS-conv F4b]")
def mlev(ctx):
    ncl = ctx.b("total_non_current_liability")
    return safe_div(ncl, ncl + ctx.MC)


@factor("debt_to_equity_ratio", "quality", "产权比率", "b(total_liability) / b(equities_parent_company_owners)",
        _bal("total_liability", "equities_parent_company_owners"), 0, "spec §7")
def debt_to_equity_ratio(ctx):
    return safe_div(ctx.b("total_liability"), ctx.b("equities_parent_company_owners"))


@factor("debt_to_tangible_equity_ratio", "quality", "有形净值债务率",
        "b(total_liability) / (b(total_owner_equities) - b(good_will) - b(intangible_assets))",
        _bal("total_liability", "total_owner_equities", "good_will", "intangible_assets"), 0, "spec §7")
def debt_to_tangible_equity_ratio(ctx):
    return safe_div(ctx.b("total_liability"),
                    ctx.b("total_owner_equities") - ctx.b("good_will") - ctx.b("intangible_assets"))


def _fixed(ctx):
    return ctx.memo("fixed_sum", lambda: (np.nan_to_num(ctx.b("fixed_assets"), nan=0.0)
                                          + ctx.b("construction_materials", optional=True)
                                          + ctx.b("constru_in_process", optional=True)))


_FIX_IN = _bal("fixed_assets") + ("balance.construction_materials?", "balance.constru_in_process?")


@factor("equity_to_fixed_asset_ratio", "quality", "股东权益与固定资产比率",
        "b(total_owner_equities) / (b(fixed_assets) + b(construction_materials) + b(constru_in_process)), "
        "missing addends = 0 (UNCONFIRMED)", _bal("total_owner_equities") + _FIX_IN, 0, "spec §7")
def equity_to_fixed_asset_ratio(ctx):
    return safe_div(ctx.b("total_owner_equities"), _fixed(ctx))


@factor("fixed_asset_ratio", "quality", "固定资产比率",
        "(b(fixed_assets) + b(construction_materials) + b(constru_in_process)) / b(total_assets)",
        _bal("total_assets") + _FIX_IN, 0, "spec §7")
def fixed_asset_ratio(ctx):
    out = safe_div(_fixed(ctx), ctx.b("total_assets"))
    out[np.isnan(ctx.b("fixed_assets"))] = np.nan
    return out


@factor("intangible_asset_ratio", "quality", "无形资产比率",
        "(b(intangible_assets) + b(development_expenditure) + b(good_will)) / b(total_assets), NaN -> 0 "
        "(UNCONFIRMED)", _bal("intangible_assets", "total_assets") + ("balance.development_expenditure?",
                                                                      "balance.good_will?"), 0, "spec §7")
def intangible_asset_ratio(ctx):
    num = (np.nan_to_num(ctx.b("intangible_assets"), nan=0.0) + ctx.b("development_expenditure", optional=True)
           + ctx.b("good_will", optional=True))
    return safe_div(num, ctx.b("total_assets"))


@factor("invest_income_associates_to_total_profit", "quality", "对联营和合营公司投资收益与利润总额之比",
        "q(income.invest_income_associates) / q(income.total_profit) (single quarter UNCONFIRMED)",
        ("income.invest_income_associates", "income.total_profit"), 0, "spec §7")
def invest_income_associates_to_total_profit(ctx):
    return safe_div(ctx.q("income", "invest_income_associates"), ctx.q("income", "total_profit"))


@factor("long_debt_to_asset_ratio", "quality", "长期借款与资产总计之比", "b(longterm_loan) / b(total_assets)",
        _bal("longterm_loan", "total_assets"), 0, "spec §7")
def long_debt_to_asset_ratio(ctx):
    return safe_div(ctx.b("longterm_loan"), ctx.b("total_assets"))


@factor("long_debt_to_working_capital_ratio", "quality", "长期负债与营运资金比率",
        "b(total_non_current_liability) / (b(total_current_assets) - b(total_current_liability))",
        _bal("total_non_current_liability", "total_current_assets", "total_current_liability"), 0, "spec §7")
def long_debt_to_working_capital_ratio(ctx):
    return safe_div(ctx.b("total_non_current_liability"),
                    ctx.b("total_current_assets") - ctx.b("total_current_liability"))


@factor("net_operate_cash_flow_to_total_liability", "quality", "经营活动产生的现金流量净额与负债合计之比",
        "q(net_operate_cash_flow) / b(total_liability) (single quarter)",
        ("cash_flow.net_operate_cash_flow", "balance.total_liability"), 0, "spec §7 [FS-quality calibrated]")
def net_operate_cash_flow_to_total_liability(ctx):
    return safe_div(ctx.q("cash_flow", "net_operate_cash_flow"), ctx.b("total_liability"))


@factor("net_operating_cash_flow_coverage", "quality", "净利润现金含量",
        "q(net_operate_cash_flow) / q(np_parent_company_owners) (single quarter)",
        ("cash_flow.net_operate_cash_flow", "income.np_parent_company_owners"), 0, "spec §7 [FS-quality calibrated]")
def net_operating_cash_flow_coverage(ctx):
    return safe_div(ctx.q("cash_flow", "net_operate_cash_flow"), ctx.q("income", "np_parent_company_owners"))


@factor("non_current_asset_ratio", "quality", "非流动资产比率", "b(total_non_current_assets) / b(total_assets)",
        _bal("total_non_current_assets", "total_assets"), 0, "spec §7")
def non_current_asset_ratio(ctx):
    return safe_div(ctx.b("total_non_current_assets"), ctx.b("total_assets"))


@factor("operating_profit_to_total_profit", "quality", "经营活动净收益与利润总额之比",
        "q(indicator.operating_profit) / q(income.total_profit) (UNCONFIRMED)",
        ("indicator.operating_profit", "income.total_profit"), 0, "spec §7 [D-9885]")
def operating_profit_to_total_profit(ctx):
    return safe_div(ctx.q("indicator", "operating_profit"), ctx.q("income", "total_profit"))


@factor("roa_ttm", "quality", "资产回报率TTM", "ttm(net_profit) / b(total_assets)",
        ("income.net_profit", "balance.total_assets"), 0, "spec §7 [FS-quality]")
def roa_ttm(ctx):
    return safe_div(ctx.ttm("income", "net_profit"), ctx.b("total_assets"))


@factor("roe_ttm", "quality", "权益回报率TTM", "ttm(np_parent_company_owners) / b(equities_parent_company_owners)",
        ("income.np_parent_company_owners", "balance.equities_parent_company_owners"), 0,
        "spec §7 [FS-quality calibrated]")
def roe_ttm(ctx):
    return safe_div(ctx.ttm("income", "np_parent_company_owners"), ctx.b("equities_parent_company_owners"))


@factor("current_ratio", "quality", "流动比率", "b(total_current_assets) / b(total_current_liability)",
        _bal("total_current_assets", "total_current_liability"), 0, "[D-quality] (banks NaN, spec §1.4.11)")
def current_ratio(ctx):
    return safe_div(ctx.b("total_current_assets"), ctx.b("total_current_liability"))


def _gm_ttm(ctx, lag):
    """Gross margin of the TTM ending ``lag`` quarters before the latest report."""
    rev = sum(ctx.q("income", "operating_revenue", lag=lag + k) for k in range(4))
    cost = sum(ctx.q("income", "operating_cost", lag=lag + k) for k in range(4))
    return safe_div(rev - cost, rev)


def _degm(ctx, lag):
    return ctx.memo(("degm", lag), lambda: safe_div(_gm_ttm(ctx, lag), _gm_ttm(ctx, lag + 4)) - 1.0)


@factor("DEGM", "quality", "毛利率增长", "gm_ttm / gm_ttm a year earlier - 1, gm = 1 - cost/revenue (UNCONFIRMED)",
        ("income.operating_revenue", "income.operating_cost"), 0, "[D-quality] wording")
def degm(ctx):
    return _degm(ctx, 0)


@factor("DEGM_8y", "quality", "长期毛利率增长",
        "mean of the yearly DEGM over the last 8 years (lags 0, 4, ..., 28 quarters); at least 4 of the 8 "
        "known, else NaN (UNCONFIRMED: JoinQuant's exact window rule)",
        ("income.operating_revenue", "income.operating_cost"), 0, "[D-quality] wording")
def degm_8y(ctx):
    ys = np.stack([_degm(ctx, 4 * k) for k in range(8)])
    ok = np.isfinite(ys)
    cnt = ok.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.where(ok, ys, 0.0).sum(axis=0) / cnt
    out[cnt < 4] = np.nan
    return out


_IFCL_Q = ("notes_payable", "accounts_payable", "advance_peceipts", "salaries_payable", "taxs_payable",
           "interest_payable", "other_payable", "other_current_liability")


@factor("roic_ttm", "quality", "投资资本回报率TTM",
        "ttm(np_parent_company_owners) / (b(total_owner_equities) + b(total_liability) - interest-free current "
        "liability (8 items, as interest_free_current_liability) - (b(total_non_current_liability) - "
        "b(longterm_loan) - b(bonds_payable))); absent items 0 (UNCONFIRMED)",
        ("income.np_parent_company_owners", "balance.total_owner_equities", "balance.total_liability",
         "balance.total_non_current_liability") + tuple(f"balance.{c}?" for c in _IFCL_Q + ("longterm_loan", "bonds_payable")),
        0, "[D-quality] doc wording (投资资本 = 权益 + 负债 - 无息流动负债 - 无息非流动负债)")
def roic_ttm(ctx):
    ifcl = sum(ctx.b(c, optional=True) for c in _IFCL_Q)
    ifncl = (ctx.b("total_non_current_liability") - ctx.b("longterm_loan", optional=True)
             - ctx.b("bonds_payable", optional=True))
    invested = ctx.b("total_owner_equities") + ctx.b("total_liability") - ifcl - ifncl
    return safe_div(ctx.ttm("income", "np_parent_company_owners"), invested)


@factor("net_profit_to_total_operate_revenue_ttm", "quality", "净利润与营业总收入之比",
        "ttm(net_profit) / ttm(total_operating_revenue)",
        ("income.net_profit", "income.total_operating_revenue"), 0, "[D-quality] wording")
def net_profit_to_total_operate_revenue_ttm(ctx):
    return safe_div(ctx.ttm("income", "net_profit"), ctx.ttm("income", "total_operating_revenue"))


@factor("gross_income_ratio", "quality", "销售毛利率", "(ttm(operating_revenue) - ttm(operating_cost)) / ttm(operating_revenue)",
        ("income.operating_revenue", "income.operating_cost"), 0, "[D-quality] wording")
def gross_income_ratio(ctx):
    return _gm_ttm(ctx, 0)


@factor("SGAI", "quality", "销售管理费用指数",
        "(ttm(sale+administration expense) / ttm(operating_revenue)) / same a year earlier (UNCONFIRMED)",
        ("income.sale_expense", "income.administration_expense", "income.operating_revenue"), 0,
        "[D-quality] wording (M-score SGAI)")
def sgai(ctx):
    def ratio(lag):
        sga = sum(ctx.q("income", "sale_expense", lag=lag + k) + ctx.q("income", "administration_expense", lag=lag + k)
                  for k in range(4))
        rev = sum(ctx.q("income", "operating_revenue", lag=lag + k) for k in range(4))
        return safe_div(sga, rev)
    return safe_div(ratio(0), ratio(4))
