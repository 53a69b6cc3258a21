"""Recorded-response double of jqdatasdk's ``get_fundamentals`` for ``jqlite data pull
--source jqdatasdk --what fundamentals`` (the market of ``_pull_recorded.py``).

Shapes, read from jqdatasdk 1.9.8 (https://github.com/JoinQuant/jqdatasdk, commit
``ba61143`` "change version to 1.9.8"):

* ``jqdatasdk/__init__.py`` re-exports ``query`` and the tables ``income``, ``balance``,
  ``cash_flow``, ``indicator`` (``finance_service.py``: ``income = IncomeStatementDay`` ...,
  sqlalchemy declarative classes of ``finance_tables.py``); a column is a class attribute
  (``income.net_profit``), ``income.code.in_(codes)`` a filter.  The double below has the same
  surface (``query(*columns).filter(...)``, ``table.column``, ``column.in_``) and the same
  column names per table (``SDK_COLUMNS``, copied from ``finance_tables.py``); an attribute
  the SDK table lacks raises ``AttributeError`` as on a sqlalchemy class.
* ``api.py`` ``get_fundamentals(query_object, date=None, statDate=None)``: exactly one of
  ``date`` / ``statDate``; ``finance_service.get_fundamentals_sql`` turns ``'2023q3'`` into
  ``statDate == 2023-09-30`` on the quarter tables (``income_statement`` ...), whose income,
  cash-flow and indicator values are the quarter alone (``get_history_fundamentals``
  docstring: "income表中只有单个季度的利润"); the answer is a DataFrame with the selected
  columns in order (dates as ``datetime.date``, values float, NaN where the report has none),
  at most ``FUNDAMENTAL_RESULT_LIMIT`` (10,000) rows; each row costs one quota row
  (``get_query_count``).

Hand-made reports (single quarters, yuan; indicator ratios in percent), chosen to check by hand:

* 600000.XSHG 2023: ``np_parent_company_owners`` Q1..Q4 = 1.00e10, 1.10e10, 0.90e10, 1.20e10
  (cumulative 1.00, 2.10, 3.00, 4.20 e10), announced 2023-04-28, 2023-08-30, 2023-10-31 and
  2024-01-09 (the annual report inside the span, as in ``_pull_recorded.TS_REPORTS``).  With
  ``restate=True`` the server answers 2023Q3 with a correction announced 2024-01-08
  (``np_parent_company_owners`` 0.95e10, ``net_profit`` 1.00e10) instead of the original.
* 000001.XSHE 2023Q1..Q3 (the annual report is announced 2024-03-15, after the span);
  ``rd_expenses`` has no Q1 value (NaN), 1.0e8 in Q2 and 1.2e8 in Q3.
* 000002.XSHE, 600087.XSHG: no reports.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd

from _pull_recorded import FakeJqdatasdk

SDK_COLUMNS = {
    "income": """id code day pubDate statDate total_operating_revenue operating_revenue interest_income
        premiums_earned commission_income total_operating_cost operating_cost interest_expense commission_expense
        refunded_premiums net_pay_insurance_claims withdraw_insurance_contract_reserve policy_dividend_payout
        reinsurance_cost operating_tax_surcharges sale_expense administration_expense financial_expense
        asset_impairment_loss fair_value_variable_income investment_income invest_income_associates exchange_income
        operating_profit non_operating_revenue non_operating_expense disposal_loss_non_current_liability
        total_profit income_tax_expense net_profit np_parent_company_owners minority_profit basic_eps diluted_eps
        other_composite_income total_composite_income ci_parent_company_owners ci_minority_owners rd_expenses
        asset_deal_income sust_operate_net_profit discon_operate_net_profit credit_impairment_loss
        net_open_hedge_income interest_cost_fin interest_income_fin other_earnings
        other_composite_income_mino_at""",
    "balance": """id code day pubDate statDate cash_equivalents settlement_provi lend_capital trading_assets
        bill_receivable account_receivable advance_payment insurance_receivables reinsurance_receivables
        reinsurance_contract_reserves_receivable interest_receivable dividend_receivable other_receivable
        bought_sellback_assets inventories non_current_asset_in_one_year other_current_assets total_current_assets
        loan_and_advance hold_for_sale_assets hold_to_maturity_investments longterm_receivable_account
        longterm_equity_invest investment_property fixed_assets constru_in_process construction_materials
        fixed_assets_liquidation biological_assets oil_gas_assets intangible_assets development_expenditure
        good_will long_deferred_expense deferred_tax_assets other_non_current_assets total_non_current_assets
        total_assets shortterm_loan borrowing_from_centralbank deposit_in_interbank borrowing_capital
        trading_liability notes_payable accounts_payable advance_peceipts sold_buyback_secu_proceeds
        commission_payable salaries_payable taxs_payable interest_payable dividend_payable other_payable
        reinsurance_payables insurance_contract_reserves proxy_secu_proceeds
        receivings_from_vicariously_sold_securities non_current_liability_in_one_year other_current_liability
        total_current_liability longterm_loan bonds_payable longterm_account_payable specific_account_payable
        estimate_liability deferred_tax_liability other_non_current_liability total_non_current_liability
        total_liability paidin_capital capital_reserve_fund treasury_stock specific_reserves surplus_reserve_fund
        ordinary_risk_reserve_fund retained_profit foreign_currency_report_conv_diff equities_parent_company_owners
        minority_interests total_owner_equities total_sheet_owner_equities other_comprehensive_income
        deferred_earning loan_and_advance_current_assets derivative_financial_asset hold_sale_asset
        loan_and_advance_noncurrent_assets derivative_financial_liability hold_sale_liability
        estimate_liability_current deferred_earning_current preferred_shares_noncurrent
        pepertual_liability_noncurrent longterm_salaries_payable other_equity_tools preferred_shares_equity
        pepertual_liability_equity receivable_fin usufruct_assets contract_assets bond_invest other_bond_invest
        other_equity_tools_invest other_non_current_financial_assets contract_liability lease_liability""",
    "cash_flow": """id code day pubDate statDate goods_sale_and_service_render_cash net_deposit_increase
        net_borrowing_from_central_bank net_borrowing_from_finance_co net_original_insurance_cash
        net_cash_received_from_reinsurance_business net_insurer_deposit_investment net_deal_trading_assets
        interest_and_commission_cashin net_increase_in_placements net_buyback tax_levy_refund
        other_cashin_related_operate subtotal_operate_cash_inflow goods_and_services_cash_paid
        net_loan_and_advance_increase net_deposit_in_cb_and_ib original_compensation_paid
        handling_charges_and_commission policy_dividend_cash_paid staff_behalf_paid tax_payments
        other_operate_cash_paid subtotal_operate_cash_outflow net_operate_cash_flow invest_withdrawal_cash
        invest_proceeds fix_intan_other_asset_dispo_cash net_cash_deal_subcompany other_cash_from_invest_act
        subtotal_invest_cash_inflow fix_intan_other_asset_acqui_cash invest_cash_paid impawned_loan_net_increase
        net_cash_from_sub_company other_cash_to_invest_act subtotal_invest_cash_outflow net_invest_cash_flow
        cash_from_invest cash_from_mino_s_invest_sub cash_from_borrowing cash_from_bonds_issue
        other_finance_act_cash subtotal_finance_cash_inflow borrowing_repayment dividend_interest_payment
        proceeds_from_sub_to_mino_s other_finance_act_payment subtotal_finance_cash_outflow net_finance_cash_flow
        exchange_rate_change_effect cash_equivalent_increase cash_equivalents_at_beginning
        cash_and_equivalents_at_end""",
    "indicator": """id code day pubDate statDate eps adjusted_profit operating_profit value_change_profit roe
        inc_return roa net_profit_margin gross_profit_margin expense_to_total_revenue
        operation_profit_to_total_revenue net_profit_to_total_revenue operating_expense_to_total_revenue
        ga_expense_to_total_revenue financing_expense_to_total_revenue operating_profit_to_profit
        invesment_profit_to_profit adjusted_profit_to_profit goods_sale_and_service_to_revenue ocf_to_revenue
        ocf_to_operating_profit inc_total_revenue_year_on_year inc_total_revenue_annual inc_revenue_year_on_year
        inc_revenue_annual inc_operation_profit_year_on_year inc_operation_profit_annual
        inc_net_profit_year_on_year inc_net_profit_annual inc_net_profit_to_shareholders_year_on_year
        inc_net_profit_to_shareholders_annual""",
}
SDK_COLUMNS = {t: s.split() for t, s in SDK_COLUMNS.items()}
#: ``finance.STK_CASHFLOW_STATEMENT`` columns the adapter uses (JQData doc id=9898; the real
#: table has ~90, loaded from the server)
SDK_COLUMNS["STK_CASHFLOW_STATEMENT"] = """company_id company_name code a_code b_code h_code pub_date start_date
    end_date report_date report_type source_id source net_operate_cash_flow net_profit fixed_assets_depreciation
    intangible_assets_amortization defferred_expense_amortization""".split()

#: finance.STK_CASHFLOW_STATEMENT rows (year-to-date as reported): code, pub_date,
#: report_date, report_type (0 本期, 1 上期), fixed_assets_depreciation,
#: intangible_assets_amortization, defferred_expense_amortization.  600000's H1 2023 report
#: (1.2e9 depreciation) has a correction announced 2023-10-31 (1.3e9): the first is kept; the
#: report_type 1 row (the comparative figure, 9.9e9) is never asked for.
STK_CASHFLOW = [
    ("600000.XSHG", "2023-08-30", "2023-06-30", 0, 1.2e9, 3.0e8, 1.0e7),
    ("600000.XSHG", "2023-10-31", "2023-06-30", 0, 1.3e9, 3.0e8, 1.0e7),
    ("600000.XSHG", "2023-08-30", "2023-06-30", 1, 9.9e9, 9.9e9, 9.9e9),
    ("600000.XSHG", "2024-01-09", "2023-12-31", 0, 2.5e9, 6.1e8, 2.2e7),
]

# (table, code, statDate) -> list of versions (pubDate, {column: single-quarter value}); the
# server answers with the latest version announced by its own "today"
_P6, _P1 = "600000.XSHG", "000001.XSHE"
REPORTS = {
    ("income", _P6, "2023-03-31"): [("2023-04-28", dict(total_operating_revenue=4.50e10, net_profit=1.05e10,
                                                        np_parent_company_owners=1.00e10, basic_eps=0.34,
                                                        asset_deal_income=1.0e7))],
    ("income", _P6, "2023-06-30"): [("2023-08-30", dict(total_operating_revenue=4.40e10, net_profit=1.15e10,
                                                        np_parent_company_owners=1.10e10, basic_eps=0.37,
                                                        asset_deal_income=2.0e7))],
    ("income", _P6, "2023-09-30"): [("2023-10-31", dict(total_operating_revenue=4.10e10, net_profit=0.95e10,
                                                        np_parent_company_owners=0.90e10, basic_eps=0.30,
                                                        asset_deal_income=0.0))],
    ("income", _P6, "2023-12-31"): [("2024-01-09", dict(total_operating_revenue=3.90e10, net_profit=1.25e10,
                                                        np_parent_company_owners=1.20e10, basic_eps=0.41,
                                                        asset_deal_income=5.0e6))],
    ("income", _P1, "2023-03-31"): [("2023-04-25", dict(np_parent_company_owners=1.46e10, rd_expenses=np.nan))],
    ("income", _P1, "2023-06-30"): [("2023-08-24", dict(np_parent_company_owners=1.27e10, rd_expenses=1.0e8))],
    ("income", _P1, "2023-09-30"): [("2023-10-25", dict(np_parent_company_owners=1.23e10, rd_expenses=1.2e8))],
    ("income", _P1, "2023-12-31"): [("2024-03-15", dict(np_parent_company_owners=1.10e10, rd_expenses=1.5e8))],
    ("cash_flow", _P6, "2023-03-31"): [("2023-04-28", dict(net_operate_cash_flow=2.0e10, cash_and_equivalents_at_end=3.0e11))],
    ("cash_flow", _P6, "2023-06-30"): [("2023-08-30", dict(net_operate_cash_flow=1.0e10, cash_and_equivalents_at_end=3.2e11))],
    ("cash_flow", _P6, "2023-09-30"): [("2023-10-31", dict(net_operate_cash_flow=-0.5e10, cash_and_equivalents_at_end=3.1e11))],
    ("cash_flow", _P6, "2023-12-31"): [("2024-01-09", dict(net_operate_cash_flow=3.0e10, cash_and_equivalents_at_end=3.3e11))],
    ("balance", _P6, "2023-09-30"): [("2023-10-31", dict(total_assets=9.0e12, total_liability=8.3e12,
                                                         pepertual_liability_equity=1.0e10))],
    ("balance", _P6, "2023-12-31"): [("2024-01-09", dict(total_assets=9.1e12, total_liability=8.4e12,
                                                         pepertual_liability_equity=1.0e10))],
    ("indicator", _P6, "2023-09-30"): [("2023-10-31", dict(roe=1.25, eps=0.30, inc_revenue_year_on_year=-5.5))],
    ("indicator", _P6, "2023-12-31"): [("2024-01-09", dict(roe=1.55, eps=0.41, inc_revenue_year_on_year=-3.0))],
}
#: the correction of 600000.XSHG 2023Q3 (served instead of the original with ``restate=True``)
RESTATED = {("income", _P6, "2023-09-30"): ("2024-01-08", dict(total_operating_revenue=4.10e10, net_profit=1.00e10,
                                                               np_parent_company_owners=0.95e10, basic_eps=0.32,
                                                               asset_deal_income=0.0))}


class _Column:
    def __init__(self, table, name):
        self.table, self.name = table, name

    def in_(self, values):
        return ("in", self, list(values))

    def __eq__(self, other):
        return ("==", self, other)

    def __ge__(self, other):
        return (">=", self, other)

    def __le__(self, other):
        return ("<=", self, other)

    __hash__ = object.__hash__


class _Table:
    def __init__(self, name):
        self._name = name

    def __getattr__(self, item):
        if item.startswith("_") or item not in SDK_COLUMNS[self._name]:
            raise AttributeError(f"type object '{self._name}' has no attribute '{item}'")
        return _Column(self._name, item)


class _Query:
    def __init__(self, *columns, criteria=()):
        self.columns, self.criteria = columns, tuple(criteria)

    def filter(self, *criteria):
        return _Query(*self.columns, criteria=self.criteria + criteria)


class FakeJqdatasdkF(FakeJqdatasdk):
    """FakeJqdatasdk plus ``query``, the four tables and ``get_fundamentals(statDate=...)``.

    ``today``: the server's date (a version announced later is not served yet);
    ``restate``: serve the 2023Q3 correction of 600000.XSHG (``RESTATED``).
    """

    query = staticmethod(lambda *columns: _Query(*columns))

    class finance:       # noqa: N801 - jqdatasdk's module-level ``finance`` DBTable
        STK_CASHFLOW_STATEMENT = _Table("STK_CASHFLOW_STATEMENT")
        owner = None

        @classmethod
        def run_query(cls, query_object):
            return cls.owner._run_finance(query_object)
    income, balance, cash_flow, indicator = (_Table("income"), _Table("balance"), _Table("cash_flow"),
                                             _Table("indicator"))

    def __init__(self, today="2024-01-10", restate=False, **kw):
        super().__init__(**kw)
        self.today, self.restate = pd.Timestamp(today), restate
        self.finance = type("finance", (FakeJqdatasdkF.finance,), {"owner": self})

    def _run_finance(self, query_object):
        """``finance.run_query``: the filters ``code.in_``, ``==``, ``>=``, ``<=`` applied to
        ``STK_CASHFLOW``; the selected columns in order; at most 5,000 rows."""
        names = ["code", "pub_date", "report_date", "report_type", "fixed_assets_depreciation",
                 "intangible_assets_amortization", "defferred_expense_amortization"]
        df = pd.DataFrame(STK_CASHFLOW, columns=names)
        df = df[df["pub_date"] <= str(self.today.date())]
        for op, col, val in query_object.criteria:
            v = df[col.name]
            df = df[v.isin(val) if op == "in" else (v == val) if op == "==" else (v >= val) if op == ">=" else
                    (v <= val)]
        for c in ("pub_date", "report_date"):
            df[c] = [_dt.date.fromisoformat(x) for x in df[c]]
        self.calls.append(("run_query", tuple(c.name for c in query_object.columns), len(df)))
        self._spend(len(df))
        return df[[c.name for c in query_object.columns]].head(5000).reset_index(drop=True)

    def get_fundamentals(self, query_object, date=None, statDate=None):
        assert (not date) ^ (not statDate), "(statDate, date) only one param is required"
        y, q = statDate.lower().split("q")
        stat = pd.Timestamp(int(y), 3 * int(q), 1) + pd.offsets.MonthEnd(0)
        tables = {c.table for c in query_object.columns}
        assert len(tables) == 1
        table = tables.pop()
        codes = [c for op, col, vals in query_object.criteria if op == "in" and col.name == "code" for c in vals]
        rows = []
        for code in codes:
            versions = list(REPORTS.get((table, code, str(stat.date())), []))
            if self.restate and (table, code, str(stat.date())) in RESTATED:
                versions.append(RESTATED[(table, code, str(stat.date()))])
            versions = [v for v in versions if pd.Timestamp(v[0]) <= self.today]
            if not versions:
                continue
            pub, vals = versions[-1]
            row = []
            for c in query_object.columns:
                if c.name == "code":
                    row.append(code)
                elif c.name == "pubDate":
                    row.append(_dt.date.fromisoformat(pub))
                elif c.name == "statDate":
                    row.append(stat.date())
                else:
                    row.append(float(vals.get(c.name, np.nan)))
            rows.append(row)
        self.calls.append(("get_fundamentals", table, statDate, tuple(codes), len(query_object.columns)))
        self._spend(len(rows))
        return pd.DataFrame(rows, columns=[c.name for c in query_object.columns])
