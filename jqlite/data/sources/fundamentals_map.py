"""Map source financial statements to jqlite's point-in-time fundamentals tables.

Used by ``jqlite data pull --what fundamentals`` (``docs/data-pull.md`` lists every mapping).
Only columns whose meaning is **exactly** JoinQuant's are mapped; a JoinQuant column without
an exact source column stays absent (the store then reads it as NaN and its data-gap ledger
names it).  Units are JoinQuant's (:mod:`jqlite.data.fundamentals`): statements in yuan,
stored cumulative year-to-date for income / cash_flow (the reader derives single quarters),
indicator single-quarter with ratios in percent.

Point in time: ``pubDate`` is the date the report was first announced (tushare ``ann_date``
of the original, un-revised version; baostock ``pubDate``; jqdatasdk ``pubDate`` as
``get_fundamentals`` answers it), ``statDate`` the report period end (tushare ``end_date``;
baostock and jqdatasdk ``statDate``).  A report is visible on day D when ``pubDate <= D``.
The store keeps one version per (code, statDate): the first announced one.

jqdatasdk serves income / cash_flow as **single quarters** (``get_fundamentals(q,
statDate='2023q3')``); :func:`cumulate_quarters` turns them into the store's year-to-date
rows, and :func:`rebase_on_kept` keeps the single quarters exact when an update adds quarters
to a year whose earlier reports the store already holds in another version.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..fundamentals import BALANCE_COLUMNS, CASH_FLOW_COLUMNS, INCOME_COLUMNS, INDICATOR_COLUMNS
from ..ingest import normalize_codes

# ------------------------------------------------------------------ tushare (yuan, YTD)
#: tushare ``income`` (report_type 1 = 合并报表, cumulative YTD, yuan) -> JoinQuant ``income``.
TS_INCOME = {
    "total_revenue": "total_operating_revenue", "revenue": "operating_revenue",
    "int_income": "interest_income", "prem_earned": "premiums_earned", "comm_income": "commission_income",
    "total_cogs": "total_operating_cost", "oper_cost": "operating_cost", "int_exp": "interest_expense",
    "comm_exp": "commission_expense", "biz_tax_surchg": "operating_tax_surcharges", "sell_exp": "sale_expense",
    "admin_exp": "administration_expense", "rd_exp": "rd_expenses", "fin_exp": "financial_expense",
    "assets_impair_loss": "asset_impairment_loss", "credit_impa_loss": "credit_impairment_loss",
    "fv_value_chg_gain": "fair_value_variable_income", "invest_income": "investment_income",
    "ass_invest_income": "invest_income_associates", "forex_gain": "exchange_income",
    "oth_income": "other_income", "asset_disp_income": "asset_disposal_income",
    "operate_profit": "operating_profit", "non_oper_income": "non_operating_revenue",
    "non_oper_exp": "non_operating_expense", "total_profit": "total_profit", "income_tax": "income_tax_expense",
    "n_income": "net_profit", "n_income_attr_p": "np_parent_company_owners", "minority_gain": "minority_profit",
    "basic_eps": "basic_eps", "diluted_eps": "diluted_eps", "oth_compr_income": "other_composite_income",
    "t_compr_income": "total_composite_income", "compr_inc_attr_p": "ci_parent_company_owners",
    "compr_inc_attr_m_s": "ci_minority_owners",
}
#: tushare ``balancesheet`` (report_type 1, yuan at statDate) -> JoinQuant ``balance``.
TS_BALANCE = {
    "money_cap": "cash_equivalents", "trad_asset": "trading_assets", "notes_receiv": "bill_receivable",
    "accounts_receiv": "account_receivable", "prepayment": "advance_payment", "int_receiv": "interest_receivable",
    "div_receiv": "dividend_receivable", "oth_receiv": "other_receivable", "inventories": "inventories",
    "nca_within_1y": "non_current_asset_in_one_year", "oth_cur_assets": "other_current_assets",
    "total_cur_assets": "total_current_assets", "fa_avail_for_sale": "hold_for_sale_assets",
    "htm_invest": "hold_to_maturity_investments", "lt_rec": "longterm_receivable_account",
    "lt_eqt_invest": "longterm_equity_invest", "invest_real_estate": "investment_property",
    "fix_assets": "fixed_assets", "cip": "constru_in_process", "const_materials": "construction_materials",
    "fixed_assets_disp": "fixed_assets_liquidation", "produc_bio_assets": "biological_assets",
    "oil_and_gas_assets": "oil_gas_assets", "intan_assets": "intangible_assets",
    "r_and_d": "development_expenditure", "goodwill": "good_will", "lt_amor_exp": "long_deferred_expense",
    "defer_tax_assets": "deferred_tax_assets", "oth_nca": "other_non_current_assets",
    "total_nca": "total_non_current_assets", "total_assets": "total_assets", "st_borr": "shortterm_loan",
    "trading_fl": "trading_liability", "notes_payable": "notes_payable", "acct_payable": "accounts_payable",
    "adv_receipts": "advance_peceipts", "payroll_payable": "salaries_payable", "taxes_payable": "taxs_payable",
    "int_payable": "interest_payable", "div_payable": "dividend_payable", "oth_payable": "other_payable",
    "non_cur_liab_due_1y": "non_current_liability_in_one_year", "oth_cur_liab": "other_current_liability",
    "total_cur_liab": "total_current_liability", "lt_borr": "longterm_loan", "bond_payable": "bonds_payable",
    "lt_payable": "longterm_account_payable", "specific_payables": "specific_account_payable",
    "estimated_liab": "estimate_liability", "defer_tax_liab": "deferred_tax_liability",
    "oth_ncl": "other_non_current_liability", "total_ncl": "total_non_current_liability",
    "total_liab": "total_liability", "cap_rese": "capital_reserve_fund", "treasury_share": "treasury_stock",
    "special_rese": "specific_reserves", "surplus_rese": "surplus_reserve_fund",
    "ordin_risk_reser": "ordinary_risk_reserve_fund", "undistr_porfit": "retained_profit",
    "forex_differ": "foreign_currency_report_conv_diff",
    "total_hldr_eqy_exc_min_int": "equities_parent_company_owners", "minority_int": "minority_interests",
    "total_hldr_eqy_inc_min_int": "total_owner_equities", "total_liab_hldr_eqy": "total_sheet_owner_equities",
    "oth_eqt_tools": "other_equity_tools", "oth_eqt_tools_p_shr": "preferred_shares_equity",
    "contract_assets": "contract_assets", "contract_liab": "contract_liability", "lease_liab": "lease_liability",
    "use_right_assets": "usufruct_assets",
}
#: tushare ``cashflow`` (report_type 1, cumulative YTD, yuan) -> JoinQuant ``cash_flow``
#: (plus the three supplement items jqlite keeps for the factor library).
TS_CASH_FLOW = {
    "c_fr_sale_sg": "goods_sale_and_service_render_cash", "recp_tax_rends": "tax_levy_refund",
    "c_inf_fr_operate_a": "subtotal_operate_cash_inflow", "c_paid_goods_s": "goods_and_services_cash_paid",
    "c_paid_to_for_empl": "staff_behalf_paid", "c_paid_for_taxes": "tax_payments",
    "st_cash_out_act": "subtotal_operate_cash_outflow", "n_cashflow_act": "net_operate_cash_flow",
    "c_disp_withdrwl_invest": "invest_withdrawal_cash", "c_recp_return_invest": "invest_proceeds",
    "n_recp_disp_fiolta": "fix_intan_other_asset_dispo_cash", "stot_inflows_inv_act": "subtotal_invest_cash_inflow",
    "c_pay_acq_const_fiolta": "fix_intan_other_asset_acqui_cash", "c_paid_invest": "invest_cash_paid",
    "stot_out_inv_act": "subtotal_invest_cash_outflow", "n_cashflow_inv_act": "net_invest_cash_flow",
    "c_recp_cap_contrib": "cash_from_invest", "c_recp_borrow": "cash_from_borrowing",
    "proc_issue_bonds": "cash_from_bonds_issue", "stot_cash_in_fnc_act": "subtotal_finance_cash_inflow",
    "c_prepay_amt_borr": "borrowing_repayment", "c_pay_dist_dpcp_int_exp": "dividend_interest_payment",
    "stot_cashout_fnc_act": "subtotal_finance_cash_outflow", "n_cash_flows_fnc_act": "net_finance_cash_flow",
    "eff_fx_flu_cash": "exchange_rate_change_effect", "n_incr_cash_cash_equ": "cash_equivalent_increase",
    "c_cash_equ_beg_period": "cash_equivalents_at_beginning", "c_cash_equ_end_period": "cash_and_equivalents_at_end",
    "depr_fa_coga_dpba": "fixed_assets_depreciation", "amort_intang_assets": "intangible_assets_amortization",
    "lt_amort_deferred_exp": "defferred_expense_amortization",
}
#: tushare ``fina_indicator`` single-quarter (``q_``) fields -> JoinQuant ``indicator``
#: (single quarter; tushare's ratios are in percent like JoinQuant's, money in yuan).
TS_INDICATOR = {
    "q_eps": "eps", "q_dtprofit": "adjusted_profit", "q_opincome": "operating_profit", "q_roe": "roe",
    "q_npta": "roa", "q_netprofit_margin": "net_profit_margin", "q_gsprofit_margin": "gross_profit_margin",
    "q_gr_yoy": "inc_total_revenue_year_on_year", "q_gr_qoq": "inc_total_revenue_annual",
    "q_sales_yoy": "inc_revenue_year_on_year", "q_sales_qoq": "inc_revenue_annual",
    "q_op_yoy": "inc_operation_profit_year_on_year", "q_op_qoq": "inc_operation_profit_annual",
    "q_profit_yoy": "inc_net_profit_year_on_year", "q_profit_qoq": "inc_net_profit_annual",
    "q_netprofit_yoy": "inc_net_profit_to_shareholders_year_on_year",
    "q_netprofit_qoq": "inc_net_profit_to_shareholders_annual",
}
#: tushare API -> (JoinQuant table, mapping).
TUSHARE_STATEMENTS = {"income": ("income", TS_INCOME), "balancesheet": ("balance", TS_BALANCE),
                      "cashflow": ("cash_flow", TS_CASH_FLOW), "fina_indicator": ("indicator", TS_INDICATOR)}

# ------------------------------------------------------------------ baostock
#: baostock ``query_profit_data`` -> JoinQuant ``income``: ``netProfit`` (净利润, YTD, yuan,
#: including minority interests) is exactly ``income.net_profit``.  Its other fields are YTD
#: ratios in fractions (roeAvg, npMargin, gpMargin), TTM eps or share counts, none of which is
#: a JoinQuant column (JoinQuant's indicator ratios are single-quarter percent); the
#: growth/balance/cash-flow/operation/dupont queries return only such ratios, so they are not
#: pulled.
BS_PROFIT = {"netProfit": "net_profit"}


# ------------------------------------------------------------------ jqdatasdk (JoinQuant's own)
#: jqdatasdk 1.9.8 column -> jqlite column, per ``get_fundamentals`` table
#: (``jqdatasdk/finance_tables.py``: ``IncomeStatementDay``, ``BalanceSheetDay``,
#: ``CashFlowStatementDay``, ``FinancialIndicatorDay``).  The names are JoinQuant's, so the
#: map is the identity except where jqlite's column name differs from the SDK's for the same
#: item: 资产处置收益 (``asset_deal_income``), 其他收益 (``other_earnings``), 所有者权益-永续债
#: (``pepertual_liability_equity``, sic).  SDK columns jqlite has no column for (e.g.
#: ``sust_operate_net_profit``, the bank/insurer cash-flow items) are not asked for; jqlite
#: columns the SDK table lacks (``settlement_provi_other``) stay absent; the cash-flow
#: supplement items come from ``finance.STK_CASHFLOW_STATEMENT`` instead (see the adapter).
JQ_INCOME = {**{c: c for c in INCOME_COLUMNS if c not in ("asset_disposal_income", "other_income")},
             "asset_deal_income": "asset_disposal_income", "other_earnings": "other_income"}
JQ_BALANCE = {**{c: c for c in BALANCE_COLUMNS if c not in ("perpetual_bonds_equity", "settlement_provi_other")},
              "pepertual_liability_equity": "perpetual_bonds_equity"}
JQ_CASH_FLOW = {c: c for c in CASH_FLOW_COLUMNS}
JQ_INDICATOR = {c: c for c in INDICATOR_COLUMNS}
#: JoinQuant table (the jqdatasdk attribute and jqlite's table name) -> column map.
JQ_STATEMENTS = {"income": JQ_INCOME, "balance": JQ_BALANCE, "cash_flow": JQ_CASH_FLOW, "indicator": JQ_INDICATOR}


def _empty(table: str) -> pd.DataFrame:
    return pd.DataFrame({"code": pd.Series(dtype=object), "statDate": pd.Series(dtype="datetime64[ns]"),
                         "pubDate": pd.Series(dtype="datetime64[ns]")})


def map_statement(df: pd.DataFrame, mapping: dict[str, str], *, code_col: str, stat_col: str, pub_col: str,
                  label: str, date_format: str | None = None, table: str = "") -> pd.DataFrame:
    """Rename one source statement frame to a JoinQuant-named long table.

    Parameters
    ----------
    df : pandas.DataFrame
        Source rows: a code column, a report-period column, an announcement-date column and
        value columns (strings or numbers; ``''``/None = no value).
    mapping : dict
        Source column -> JoinQuant column (only exact matches; see the module constants).
    code_col, stat_col, pub_col : str
        The source's code, report-period (-> ``statDate``) and announcement (-> ``pubDate``)
        columns.
    label : str
        Names the source call in error messages.
    date_format : str, optional
        ``'%Y%m%d'`` for tushare; None parses ISO dates.

    Returns
    -------
    pandas.DataFrame
        ``code`` (JoinQuant form), ``statDate``, ``pubDate`` (datetime64) and the mapped
        columns present in ``df`` (float64).  Rows without a pubDate or statDate, or announced
        before their period end, are dropped; of several versions of a (code, statDate) the
        first announced is kept (the store holds one version per report).
    """
    if df is None or len(df) == 0:
        return _empty(table)
    out = pd.DataFrame({"code": normalize_codes(df[code_col].to_numpy(), file=label)})
    out["statDate"] = pd.to_datetime(df[stat_col].replace("", None), format=date_format, errors="coerce").to_numpy()
    out["pubDate"] = pd.to_datetime(df[pub_col].replace("", None), format=date_format, errors="coerce").to_numpy()
    for src, dst in mapping.items():
        if src in df.columns:
            out[dst] = pd.to_numeric(df[src].replace("", None), errors="coerce").astype(float).to_numpy()
    out = out.dropna(subset=["statDate", "pubDate"])
    out = out[(out["pubDate"] >= out["statDate"]).to_numpy() & out["statDate"].dt.is_quarter_end.to_numpy()]
    out = out.sort_values(["code", "statDate", "pubDate"], kind="stable")
    return out.drop_duplicates(["code", "statDate"], keep="first").reset_index(drop=True)


def report_quarters(start, end) -> list[tuple[int, int]]:
    """(year, quarter) report periods a pull of ``[start, end]`` needs: from Q1 of the year
    before ``start`` (the reports visible on ``start`` and the earlier quarters of the same
    year that single-quarter figures are differenced against) to the quarter of ``end``."""
    s, e = pd.Timestamp(start), pd.Timestamp(end)
    return [(y, q) for y in range(s.year - 1, e.year + 1) for q in (1, 2, 3, 4)
            if pd.Timestamp(year=y, month=3 * q, day=1) <= e]


def _value_columns(df: pd.DataFrame, stock_items) -> list[str]:
    return [c for c in df.columns if c not in ("code", "statDate", "pubDate") and c not in set(stock_items)]


def cumulate_quarters(df: pd.DataFrame, stock_items=()) -> pd.DataFrame:
    """Single-quarter statement rows -> the store's cumulative year-to-date rows.

    Parameters
    ----------
    df : pandas.DataFrame
        ``code, statDate, pubDate`` (datetime64) and float value columns, one row per
        (code, statDate), each value the quarter alone (jqdatasdk's income / cash_flow).
    stock_items : iterable of str
        Balance-type columns served as they are (``cash_and_equivalents_at_end``,
        ``cash_equivalents_at_beginning``): not summed.

    Returns
    -------
    pandas.DataFrame
        The same rows sorted by code and statDate; each value column is the sum of the
        quarters of the same year up to this one.  A quarter whose own value is NaN stays NaN;
        an earlier NaN quarter or a missing earlier report counts as nothing in the sum.  So
        the single quarter the reader derives back (this row minus the previous quarter's)
        is the source's single quarter wherever both quarters have a value, and NaN (never a
        wrong number) after a gap.
    """
    if df is None or len(df) == 0:
        return df
    df = df.sort_values(["code", "statDate"], kind="stable").reset_index(drop=True)
    keys = [df["code"].to_numpy(), pd.DatetimeIndex(df["statDate"]).year.to_numpy()]
    for c in _value_columns(df, stock_items):
        v = df[c].astype(float)
        run = v.fillna(0.0).groupby(keys).cumsum()
        df[c] = run.where(v.notna()).to_numpy()
    return df


def rebase_on_kept(old: pd.DataFrame, new: pd.DataFrame, stock_items=()) -> pd.DataFrame:
    """Newly pulled cumulative rows of a year the store already holds earlier quarters of,
    re-based on the store's (first-announced) version of those quarters.

    An update keeps the store's row of a report it already has (the first announced version)
    and adds the reports announced since.  When the source now sends another version of the
    kept quarter (a restatement), the new year-to-date rows after it were built on that other
    version; each is shifted by (kept value - newly sent value) of the last kept quarter of the
    same year, so the single quarter the reader derives at the boundary (added row minus kept
    row) is the newly sent single quarter, and the kept quarters are unchanged.  Where the two
    versions agree (or either is NaN: nothing to shift by) the pulled values stay as they are.

    Parameters
    ----------
    old : pandas.DataFrame
        The store's rows of one cumulative table (``code, statDate, pubDate``, values).
    new : pandas.DataFrame
        The pull's rows of the same table (cumulative, one per (code, statDate)).
    stock_items : iterable of str
        Columns never differenced (kept as pulled).

    Returns
    -------
    pandas.DataFrame
        The rows of ``new`` whose (code, statDate) is not in ``old``, sorted by code and
        statDate, shifted where the pull also sent the kept quarter they follow.
    """
    def key(d, col="statDate"):
        return pd.MultiIndex.from_arrays([d["code"].to_numpy(), pd.DatetimeIndex(d[col]).to_numpy()])
    new = new.sort_values(["code", "statDate"], kind="stable").reset_index(drop=True)
    in_old = key(new).isin(key(old))
    add = new[~in_old].reset_index(drop=True)
    if not in_old.any() or add.empty:
        return add
    # the last kept quarter of the same code before each added row (merge_asof needs time order)
    left = add[["code", "statDate"]].reset_index().sort_values("statDate", kind="stable")
    right = pd.DataFrame({"code": old["code"].to_numpy(), "anchor": pd.DatetimeIndex(old["statDate"]).to_numpy()})
    m = pd.merge_asof(left, right.sort_values("anchor", kind="stable"), left_on="statDate", right_on="anchor",
                      by="code", allow_exact_matches=False, direction="backward").sort_values("index")
    same_year = np.asarray(pd.DatetimeIndex(m["anchor"]).year == pd.DatetimeIndex(m["statDate"]).year)
    anchors = key(m, "anchor")
    oldv = old.set_index(key(old))
    newv = new.set_index(key(new))
    for c in [c for c in _value_columns(new, stock_items) if c in old.columns]:
        delta = oldv[c].reindex(anchors).to_numpy(dtype=float) - newv[c].reindex(anchors).to_numpy(dtype=float)
        ok = same_year & np.isfinite(delta)
        add[c] = np.where(ok, add[c].to_numpy(dtype=float) + np.where(ok, delta, 0.0), add[c].to_numpy(dtype=float))
    return add
