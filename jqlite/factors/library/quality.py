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


def _geo8(ctx, key, yearly):
    """``prod(1 + x_k) ** (1 / n) - 1`` over the yearly points ``x_k`` (k = 0..7, 4 quarters
    apart) that are known; NaN with fewer than 4 (doc: "至少要有近4年的数据，否则为 nan").
    The doc writes ``^(1/8)``; with fewer than 8 known years the root is taken over the known
    ones (a geometric mean; UNCONFIRMED)."""
    def build():
        ys = np.stack([yearly(4 * k) for k in range(8)])
        ok = np.isfinite(ys) & (1.0 + ys > 0)
        cnt = ok.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.exp(np.where(ok, np.log1p(np.where(ok, ys, 0.0)), 0.0).sum(axis=0) / cnt) - 1.0
        out[cnt < 4] = np.nan
        return out
    return ctx.memo(("geo8", key), build)


@factor("DEGM_8y", "quality", "长期毛利率增长",
        "prod over the last 8 yearly DEGM points (lags 0, 4, ..., 28 quarters) of (1 + DEGM) ** (1/n) - 1, "
        "n known points >= 4 else NaN", ("income.operating_revenue", "income.operating_cost"), 0,
        "[D-quality] '过去8年(1+DEGM)的累成 ^ (1/8) - 1' (root over the known years, UNCONFIRMED)")
def degm_8y(ctx):
    return _geo8(ctx, "DEGM", lambda lag: _degm(ctx, lag))


_IFCL_Q = ("notes_payable", "accounts_payable", "advance_peceipts", "salaries_payable", "taxs_payable",
           "interest_payable", "other_payable", "other_current_liability")


_ROIC_FREE = ("accounts_payable", "advance_peceipts", "salaries_payable", "taxs_payable", "other_payable",
              "other_current_liability")


@factor("roic_ttm", "quality", "投资资本回报率TTM",
        "ttm(np_parent_company_owners) / mean over the latest 4 quarter-ends of invested capital = "
        "total_owner_equities + total_liability - (accounts_payable + advance_peceipts + salaries_payable + "
        "taxs_payable + other_payable + other_current_liability) - (total_non_current_liability - longterm_loan - "
        "bonds_payable); absent items 0 (一年内的递延收益 is not a JoinQuant balance column)",
        ("income.np_parent_company_owners", "balance.total_owner_equities", "balance.total_liability",
         "balance.total_non_current_liability") + tuple(f"balance.{c}?" for c in _ROIC_FREE + ("longterm_loan",
                                                                                              "bonds_payable")),
        0, "[D-quality] doc formula (前四个季度投资资本均值)")
def roic_ttm(ctx):
    def invested(lag):
        b = lambda c: ctx.q("balance", c, lag=lag)
        o = lambda c: np.nan_to_num(ctx.q("balance", c, lag=lag), nan=0.0) if ctx.panel.has("balance", c) else 0.0
        ifcl = sum(o(c) for c in _ROIC_FREE)
        ifncl = b("total_non_current_liability") - o("longterm_loan") - o("bonds_payable")
        return b("total_owner_equities") + b("total_liability") - ifcl - ifncl
    avg = sum(invested(k) for k in range(4)) / 4.0
    return safe_div(ctx.ttm("income", "np_parent_company_owners"), avg)


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
        "((sale_expense + administration_expense) / operating_revenue) of the latest annual report / the same "
        "of the annual report before", ("income.sale_expense", "income.administration_expense",
                                         "income.operating_revenue"), 0,
        "[D-quality] '本期(年报)销售管理费用占营业收入的比例/上期(年报)...' (M-score SGAI)")
def sgai(ctx):
    def r(y):
        return safe_div(ctx.annual("income", "sale_expense", y) + ctx.annual("income", "administration_expense", y),
                        ctx.annual("income", "operating_revenue", y))
    return safe_div(r(0), r(1))


# ------------------------------------------------------------------ TTM ratios ([D-quality]; FACSIM quality.py)
def _ttm_ratio(code, intro, num, den, note="[D-quality] doc formula"):
    (nt, nc), (dt, dc) = num, den

    @factor(code, "quality", intro, f"ttm({nt}.{nc}) / ttm({dt}.{dc})", (f"{nt}.{nc}", f"{dt}.{dc}"), 0, note)
    def f(ctx):
        return safe_div(ctx.ttm(nt, nc), ctx.ttm(dt, dc))
    return f


_REV, _TREV = ("income", "operating_revenue"), ("income", "total_operating_revenue")
_OCF = ("cash_flow", "net_operate_cash_flow")
for _code, _intro, _num, _den in (
        ("net_profit_ratio", "销售净利率", ("income", "net_profit"), _REV),
        ("sale_expense_to_operating_revenue", "营业费用与营业总收入之比", ("income", "sale_expense"), _TREV),
        ("operating_tax_to_operating_revenue_ratio_ttm", "销售税金率", ("income", "operating_tax_surcharges"), _REV),
        ("operating_profit_ratio", "营业利润率", ("income", "operating_profit"), _REV),
        ("profit_margin_ttm", "销售利润率TTM", ("income", "operating_profit"), _REV),
        ("financial_expense_rate", "财务费用与营业总收入之比", ("income", "financial_expense"), _TREV),
        ("cash_rate_of_sales", "经营活动产生的现金流量净额与营业收入之比", _OCF, _REV),
        ("operating_profit_to_operating_revenue", "营业利润与营业总收入之比", ("income", "operating_profit"), _TREV),
        ("admin_expense_rate", "管理费用与营业总收入之比", ("income", "administration_expense"), _TREV),
        ("goods_service_cash_to_operating_revenue_ttm", "销售商品提供劳务收到的现金与营业收入之比",
         ("cash_flow", "goods_sale_and_service_render_cash"), _REV),
        ("operating_cost_to_operating_revenue_ratio", "销售成本率", ("income", "operating_cost"), _REV)):
    _ttm_ratio(_code, _intro, _num, _den)


@factor("total_profit_to_cost_ratio", "quality", "成本费用利润率",
        "ttm(total_profit) / (ttm(operating_cost) + ttm(financial_expense) + ttm(sale_expense) + "
        "ttm(administration_expense))",
        ("income.total_profit", "income.operating_cost", "income.financial_expense", "income.sale_expense",
         "income.administration_expense"), 0, "[D-quality] doc formula (all TTM)")
def total_profit_to_cost_ratio(ctx):
    den = (ctx.ttm("income", "operating_cost") + ctx.ttm("income", "financial_expense")
           + ctx.ttm("income", "sale_expense") + ctx.ttm("income", "administration_expense"))
    return safe_div(ctx.ttm("income", "total_profit"), den)


@factor("net_operate_cash_flow_to_operate_income", "quality", "经营活动产生的现金流量净额与经营活动净收益之比",
        "ttm(net_operate_cash_flow) / (ttm(total_operating_revenue) - ttm(total_operating_cost))",
        ("cash_flow.net_operate_cash_flow", "income.total_operating_revenue", "income.total_operating_cost"), 0,
        "[D-quality] doc formula (FACSIM quality.py: EXACT)")
def net_operate_cash_flow_to_operate_income(ctx):
    return safe_div(ctx.ttm(*_OCF),
                    ctx.ttm("income", "total_operating_revenue") - ctx.ttm("income", "total_operating_cost"))


# ------------------------------------------------------------------ balance-sheet ratios
@factor("quick_ratio", "quality", "速动比率", "(b(total_current_assets) - b(inventories)) / b(total_current_liability)",
        _bal("total_current_assets", "inventories", "total_current_liability"), 0, "[D-quality] doc formula")
def quick_ratio(ctx):
    return safe_div(ctx.b("total_current_assets") - ctx.b("inventories"), ctx.b("total_current_liability"))


@factor("debt_to_asset_ratio", "quality", "债务总资产比", "b(total_liability) / b(total_assets)",
        _bal("total_liability", "total_assets"), 0, "[D-quality] doc formula")
def debt_to_asset_ratio(ctx):
    return safe_div(ctx.b("total_liability"), ctx.b("total_assets"))


@factor("equity_to_asset_ratio", "quality", "股东权益比率", "b(total_owner_equities) / b(total_assets)",
        _bal("total_owner_equities", "total_assets"), 0, "[D-quality] doc formula")
def equity_to_asset_ratio(ctx):
    return safe_div(ctx.b("total_owner_equities"), ctx.b("total_assets"))


@factor("long_term_debt_to_asset_ratio", "quality", "长期负债与资产总计之比",
        "b(total_non_current_liability) / b(total_assets)", _bal("total_non_current_liability", "total_assets"), 0,
        "[D-quality] doc formula")
def long_term_debt_to_asset_ratio(ctx):
    return safe_div(ctx.b("total_non_current_liability"), ctx.b("total_assets"))


@factor("net_operate_cash_flow_to_asset", "quality", "总资产现金回收率", "ttm(net_operate_cash_flow) / b(total_assets)",
        ("cash_flow.net_operate_cash_flow", "balance.total_assets"), 0, "[D-quality] doc formula")
def net_operate_cash_flow_to_asset(ctx):
    return safe_div(ctx.ttm(*_OCF), ctx.b("total_assets"))


@factor("total_asset_turnover_rate", "quality", "总资产周转率", "ttm(operating_revenue) / b(total_assets)",
        ("income.operating_revenue", "balance.total_assets"), 0, "[D-quality] doc formula")
def total_asset_turnover_rate(ctx):
    return safe_div(ctx.ttm(*_REV), ctx.b("total_assets"))


@factor("equity_turnover_rate", "quality", "股东权益周转率",
        "b(total_owner_equities) / ttm(operating_revenue) -- the inverse of the doc's wording",
        ("income.operating_revenue", "balance.total_owner_equities"), 0,
        "[D-quality] '营业收入(ttm)/股东权益'; FACSIM quality.py found JoinQuant publishes the inverse "
        "(maxerr 1.4e-07, the doc's direction has corr -0.96)")
def equity_turnover_rate(ctx):
    return safe_div(ctx.b("total_owner_equities"), ctx.ttm(*_REV))


@factor("cfo_to_ev", "quality", "经营活动产生的现金流量净额与企业价值之比TTM",
        "ttm(net_operate_cash_flow) / (MC + b(total_liability) - b(cash_equivalents))",
        ("cash_flow.net_operate_cash_flow", "balance.total_liability", "balance.cash_equivalents",
         "valuation.market_cap"), 0, "[D-quality] doc formula (企业价值=公司市值+负债合计-货币资金)")
def cfo_to_ev(ctx):
    return safe_div(ctx.ttm(*_OCF), ctx.MC + ctx.b("total_liability") - ctx.b("cash_equivalents"))


@factor("net_non_operating_income_to_total_profit", "quality", "营业外收支利润净额/利润总额",
        "(q(non_operating_revenue) - q(non_operating_expense)) / q(total_profit) (single quarter, UNCONFIRMED)",
        ("income.non_operating_revenue", "income.non_operating_expense", "income.total_profit"), 0,
        "[D-quality] doc formula")
def net_non_operating_income_to_total_profit(ctx):
    return safe_div(ctx.q("income", "non_operating_revenue") - ctx.q("income", "non_operating_expense"),
                    ctx.q("income", "total_profit"))


@factor("net_operate_cash_flow_to_net_debt", "quality", "经营活动产生现金流量净额/净债务",
        "ttm(net_operate_cash_flow) / net_debt (UNCONFIRMED: TTM numerator)",
        ("cash_flow.net_operate_cash_flow", "cash_flow.cash_and_equivalents_at_end", "balance.total_liability"), 0,
        "[D-quality] doc formula; net_debt as [D-basics]")
def net_operate_cash_flow_to_net_debt(ctx):
    return safe_div(ctx.ttm(*_OCF), ctx.factor("net_debt"))


# ------------------------------------------------------------------ AvgQ turnovers
def _avgq_sum(ctx, cols, optional=()):
    return sum(ctx.avgq("balance", c, optional=c in optional) for c in cols)


def _ap_rate(ctx):
    return ctx.memo("ap_rate", lambda: safe_div(ctx.ttm("income", "operating_cost"),
                                                _avgq_sum(ctx, ("accounts_payable", "notes_payable"))))


def _inv_rate(ctx):
    return ctx.memo("inv_rate", lambda: safe_div(ctx.ttm("income", "operating_cost"), ctx.avgq("balance", "inventories")))


_AP_IN = ("income.operating_cost", "balance.accounts_payable", "balance.notes_payable")
_INV_IN = ("income.operating_cost", "balance.inventories")


@factor("accounts_payable_turnover_rate", "quality", "应付账款周转率",
        "ttm(operating_cost) / (avgq(accounts_payable) + avgq(notes_payable))", _AP_IN, 0,
        "[D-quality] TTM(营业成本)/(AvgQ(应付账款)+AvgQ(应付票据)+AvgQ(预付款项)); the 预付款项 term left out "
        "as FACSIM quality.py (same as account_receivable_turnover_rate, UNCONFIRMED)")
def accounts_payable_turnover_rate(ctx):
    return _ap_rate(ctx)


@factor("accounts_payable_turnover_days", "quality", "应付账款周转天数", "360 / accounts_payable_turnover_rate",
        _AP_IN, 0, "[D-quality] doc formula")
def accounts_payable_turnover_days(ctx):
    return safe_div(360.0, _ap_rate(ctx))


@factor("inventory_turnover_rate", "quality", "存货周转率", "ttm(operating_cost) / avgq(inventories)", _INV_IN, 0,
        "[D-quality] '营业成本（TTM）/存货' with the AvgQ denominator of FACSIM quality.py")
def inventory_turnover_rate(ctx):
    return _inv_rate(ctx)


@factor("inventory_turnover_days", "quality", "存货周转天数", "360 / inventory_turnover_rate", _INV_IN, 0,
        "[D-quality] doc formula")
def inventory_turnover_days(ctx):
    return safe_div(360.0, _inv_rate(ctx))


@factor("OperatingCycle", "quality", "营业周期", "account_receivable_turnover_days + inventory_turnover_days",
        _INV_IN + ("income.operating_revenue",) + _bal("account_receivable", "bill_receivable"), 0,
        "[D-quality] doc formula")
def operating_cycle(ctx):
    return safe_div(360.0, _ar_rate(ctx)) + safe_div(360.0, _inv_rate(ctx))


@factor("current_asset_turnover_rate", "quality", "流动资产周转率TTM", "ttm(operating_revenue) / avgq(total_current_assets)",
        ("income.operating_revenue", "balance.total_current_assets"), 0, "[D-quality] doc formula")
def current_asset_turnover_rate(ctx):
    return safe_div(ctx.ttm(*_REV), ctx.avgq("balance", "total_current_assets"))


@factor("fixed_assets_turnover_rate", "quality", "固定资产周转率",
        "ttm(operating_revenue) / avgq(fixed_assets + construction_materials + constru_in_process), missing "
        "addends 0", ("income.operating_revenue",) + _FIX_IN, 0, "[D-quality] doc formula")
def fixed_assets_turnover_rate(ctx):
    def fixed(lag):
        fa = ctx.q("balance", "fixed_assets", lag=lag)
        out = np.nan_to_num(fa, nan=0.0)
        for c in ("construction_materials", "constru_in_process"):
            if ctx.panel.has("balance", c):
                out = out + np.nan_to_num(ctx.q("balance", c, lag=lag), nan=0.0)
        return np.where(np.isnan(fa), np.nan, out)
    return safe_div(ctx.ttm(*_REV), sum(fixed(k) for k in range(4)) / 4.0)


@factor("cash_to_current_liability", "quality", "现金比率",
        "q(cash_flow.cash_and_equivalents_at_end) / avgq(total_current_liability)",
        ("cash_flow.cash_and_equivalents_at_end", "balance.total_current_liability"), 0,
        "[D-quality]; numerator from cash_flow and AvgQ denominator calibrated by FACSIM quality.py (EXACT)")
def cash_to_current_liability(ctx):
    return safe_div(ctx.q("cash_flow", "cash_and_equivalents_at_end"), ctx.avgq("balance", "total_current_liability"))


@factor("net_operate_cash_flow_to_total_current_liability", "quality", "现金流动负债比",
        "ttm(net_operate_cash_flow) / avgq(total_current_liability)",
        ("cash_flow.net_operate_cash_flow", "balance.total_current_liability"), 0,
        "[D-quality]; AvgQ denominator calibrated by FACSIM quality.py (EXACT)")
def net_operate_cash_flow_to_total_current_liability(ctx):
    return safe_div(ctx.ttm(*_OCF), ctx.avgq("balance", "total_current_liability"))


@factor("ROAEBITTTM", "quality", "总资产报酬率",
        "(ttm(total_profit) + ttm(interest_expense), missing interest_expense = 0) / avgq(total_assets)",
        ("income.total_profit", "income.interest_expense?", "balance.total_assets"), 0,
        "[D-quality] doc formula (总资产在过去12个月的平均 = AvgQ)")
def roaebitttm(ctx):
    ie = sum(ctx.q("income", "interest_expense", lag=k, optional=True) for k in range(4))
    return safe_div(ctx.ttm("income", "total_profit") + ie, ctx.avgq("balance", "total_assets"))


# ------------------------------------------------------------------ operating assets (rnoa)
def _noa(ctx, lag):
    """Net operating assets = operating_assets - operating_liability at ``lag`` quarters back."""
    def build():
        b = lambda c: ctx.q("balance", c, lag=lag)
        o = lambda c: (np.nan_to_num(ctx.q("balance", c, lag=lag), nan=0.0) if ctx.panel.has("balance", c) else 0.0)
        fin_a = np.nan_to_num(b("cash_equivalents"), nan=0.0) + sum(
            o(c) for c in ("trading_assets", "bill_receivable", "interest_receivable", "dividend_receivable",
                           "hold_for_sale_assets", "hold_to_maturity_investments"))
        fin_l = (b("total_current_liability") - sum(o(c) for c in ("accounts_payable", "advance_peceipts",
                                                                     "salaries_payable", "taxs_payable",
                                                                     "other_payable", "other_current_liability"))
                 + o("longterm_loan") + o("bonds_payable"))
        return (b("total_assets") - fin_a) - (b("total_liability") - fin_l)
    return ctx.memo(("noa", lag), build)


_NOA_IN = ("income.operating_revenue", "balance.total_assets", "balance.total_liability",
           "balance.total_current_liability", "balance.cash_equivalents")


@factor("asset_turnover_ttm", "quality", "经营资产周转率TTM",
        "ttm(operating_revenue) / mean of the latest 4 quarter-ends of (operating_assets - operating_liability)",
        _NOA_IN, 0, "[D-quality] doc formula; operating assets / liabilities as [D-basics]")
def asset_turnover_ttm(ctx):
    return safe_div(ctx.ttm(*_REV), sum(_noa(ctx, k) for k in range(4)) / 4.0)


@factor("rnoa_ttm", "quality", "经营资产回报率TTM", "profit_margin_ttm * asset_turnover_ttm",
        _NOA_IN + ("income.operating_profit",), 0, "[D-quality] '销售利润率*经营资产周转率'")
def rnoa_ttm(ctx):
    return ctx.factor("profit_margin_ttm") * ctx.factor("asset_turnover_ttm")


# ------------------------------------------------------------------ annual-report indexes (M-score)
@factor("LVGI", "quality", "财务杠杆指数",
        "(total_liability / total_assets) of the latest annual report / the same of the annual report before",
        _bal("total_liability", "total_assets"), 0, "[D-quality] '本期(年报)资产负债率/上期(年报)资产负债率'")
def lvgi(ctx):
    r = lambda y: safe_div(ctx.annual("balance", "total_liability", y), ctx.annual("balance", "total_assets", y))
    return safe_div(r(0), r(1))


@factor("SGI", "quality", "营业收入指数", "annual operating_revenue / the annual report before's",
        ("income.operating_revenue",), 0, "[D-quality] '本期(年报)营业收入/上期(年报)营业收入'")
def sgi(ctx):
    return safe_div(ctx.annual("income", "operating_revenue", 0), ctx.annual("income", "operating_revenue", 1))


@factor("GMI", "quality", "毛利率指数",
        "gross margin (1 - operating_cost / operating_revenue) of the annual report before / the latest annual's",
        ("income.operating_revenue", "income.operating_cost"), 0, "[D-quality] '上期(年报)毛利率/本期(年报)毛利率'")
def gmi(ctx):
    def gm(y):
        rev = ctx.annual("income", "operating_revenue", y)
        return safe_div(rev - ctx.annual("income", "operating_cost", y), rev)
    return safe_div(gm(1), gm(0))


@factor("DSRI", "quality", "应收账款指数",
        "(account_receivable / operating_revenue) of the latest annual report / the annual report before's",
        ("income.operating_revenue", "balance.account_receivable"), 0,
        "[D-quality] '本期(年报)应收账款占营业收入比例/上期(年报)应收账款占营业收入比例'")
def dsri(ctx):
    r = lambda y: safe_div(ctx.annual("balance", "account_receivable", y), ctx.annual("income", "operating_revenue", y))
    return safe_div(r(0), r(1))


# ------------------------------------------------------------------ 8-year factors
def _roe_at(ctx, lag):
    return safe_div(ctx.ttm_at("income", "np_parent_company_owners", lag),
                    ctx.q("balance", "equities_parent_company_owners", lag=lag))


def _roa_at(ctx, lag):
    return safe_div(ctx.ttm_at("income", "net_profit", lag), ctx.q("balance", "total_assets", lag=lag))


@factor("roe_ttm_8y", "quality", "长期权益回报率TTM",
        "prod(1 + roe_ttm at lags 0, 4, ..., 28 quarters) ** (1/n) - 1, n known points >= 4 else NaN",
        ("income.np_parent_company_owners", "balance.equities_parent_company_owners"), 0,
        "[D-quality] '8年(1+roe_ttm)的累乘 ^ (1/8) - 1, 至少要有近4年的数据' (root over the known years, UNCONFIRMED)")
def roe_ttm_8y(ctx):
    return _geo8(ctx, "roe", lambda lag: _roe_at(ctx, lag))


@factor("roa_ttm_8y", "quality", "长期资产回报率TTM",
        "prod(1 + roa_ttm at lags 0, 4, ..., 28 quarters) ** (1/n) - 1, n known points >= 4 else NaN",
        ("income.net_profit", "balance.total_assets"), 0,
        "[D-quality] '8年(1+roa_ttm)的乘积 ^ (1/8) - 1, 至少要有近4年的数据' (root over the known years, UNCONFIRMED)")
def roa_ttm_8y(ctx):
    return _geo8(ctx, "roa", lambda lag: _roa_at(ctx, lag))


def _margin_stability(ctx):
    def build():
        g = np.stack([_gm_ttm(ctx, 4 * k) for k in range(8)])
        ok = np.isfinite(g)
        cnt = ok.sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            mu = np.where(ok, g, 0.0).sum(axis=0) / cnt
            sd = np.sqrt(np.where(ok, (g - mu) ** 2, 0.0).sum(axis=0) / (cnt - 1))
            out = mu / sd
        out[(cnt < 4) | ~np.isfinite(out)] = np.nan
        return out
    return ctx.memo("margin_stability", build)


@factor("margin_stability", "quality", "盈利能力稳定性",
        "mean / std (ddof=1) of the yearly gross margin TTM over the last 8 years (lags 0, 4, ..., 28 quarters); "
        ">= 4 known points else NaN (UNCONFIRMED minimum)", ("income.operating_revenue", "income.operating_cost"), 0,
        "[D-quality] 'mean(GM)/std(GM); GM 为过去8年毛利率ttm'")
def margin_stability(ctx):
    return _margin_stability(ctx)


@factor("maximum_margin", "quality", "最大盈利水平", "max(margin_stability, DEGM_8y) (NaN if either is NaN)",
        ("income.operating_revenue", "income.operating_cost"), 0, "[D-quality] doc formula")
def maximum_margin(ctx):
    return np.maximum(_margin_stability(ctx), ctx.factor("DEGM_8y"))


@factor("operating_profit_growth_rate", "quality", "营业利润增长率",
        "ttm(operating_profit) / ttm four quarters earlier - 1; NaN when the earlier TTM <= 0 (UNCONFIRMED, as the "
        "growth category's profit growth rates)", ("income.operating_profit",), 0,
        "[D-quality] '(今年营业利润（TTM）/去年营业利润（TTM）)-1'")
def operating_profit_growth_rate(ctx):
    from .growth import _ttm_growth
    return _ttm_growth(ctx, "income", "operating_profit")
