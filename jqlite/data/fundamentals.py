"""Point-in-time fundamentals: on-disk layout, validating writer and panel reader.

Layout (inside a store folder, see :mod:`jqlite.data.schema`)::

    STORE/fundamentals/
      meta.json            {"format": 1, "version": str (content hash), "tables": [...]}
      income.parquet       long: code, statDate, pubDate, <JoinQuant income columns>
      balance.parquet      long: code, statDate, pubDate, <JoinQuant balance columns>
      cash_flow.parquet    long: code, statDate, pubDate, <JoinQuant cash_flow columns>
      indicator.parquet    long: code, statDate, pubDate, <JoinQuant indicator columns>
      valuation.parquet    daily: day, code, <JoinQuant valuation columns>

Every table is optional; a column JoinQuant has but the source lacks is simply absent
(read back as NaN).  Column names are JoinQuant's (typos included: ``advance_peceipts``,
``taxs_payable``, ``invesment_profit_to_profit``).

Units (JoinQuant's):

* statements (income, balance, cash_flow): yuan; ``basic_eps``/``diluted_eps`` yuan/share.
* **income and cash_flow are stored as reported: cumulative year-to-date** (Q2 row = H1,
  Q4 row = full year), except the stock item ``cash_flow.cash_and_equivalents_at_end``.
  The reader derives JoinQuant's single-quarter figures (Q2 = H1 - Q1 ...), which is what
  ``get_fundamentals(date=...)`` serves; ``statDate='2019'`` serves the cumulative Q4 row.
* balance: point-in-time balances at statDate.
* indicator: single-quarter values as JoinQuant serves them; ratios in **percent**
  (``roe`` 12.3 = 12.3 %), money items (adjusted_profit, operating_profit,
  value_change_profit) in yuan, eps in yuan.
* valuation: ``market_cap``/``circulating_market_cap`` 亿元 (1e8 yuan), ``capitalization``/
  ``circulating_cap`` 万股 (1e4 shares), ``turnover_ratio`` %, ``pe_ratio`` (TTM),
  ``pe_ratio_lyr``, ``pb_ratio``, ``ps_ratio`` (TTM), ``pcf_ratio`` (TTM) plain ratios.

``statDate`` is a quarter end (03-31, 06-30, 09-30, 12-31); ``pubDate`` the announcement
date, ``pubDate >= statDate``; (code, statDate) is unique (one version per report: the
store does not model restatements).  A report is visible on day D when ``pubDate <= D``.

Reader: :func:`fundamentals_panel` returns a :class:`FundamentalsPanel` cached on the store.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from numba import njit, prange

from ..errors import DataError, DataValidationError

FORMAT_VERSION = 1
DIRNAME = "fundamentals"

# ---------------------------------------------------------------------------- columns
VALUATION_COLUMNS = (
    "capitalization", "circulating_cap", "market_cap", "circulating_market_cap",
    "turnover_ratio", "pe_ratio", "pe_ratio_lyr", "pb_ratio", "ps_ratio", "pcf_ratio",
    "pcf_ratio2", "dividend_ratio", "free_cap", "free_market_cap", "a_cap", "a_market_cap",
)

INCOME_COLUMNS = (
    "total_operating_revenue", "operating_revenue", "interest_income", "premiums_earned",
    "commission_income", "total_operating_cost", "operating_cost", "interest_expense",
    "commission_expense", "refunded_premiums", "net_pay_insurance_claims",
    "withdraw_insurance_contract_reserve", "policy_dividend_payout", "reinsurance_cost",
    "operating_tax_surcharges", "sale_expense", "administration_expense", "rd_expenses",
    "financial_expense", "interest_cost_fin", "interest_income_fin", "asset_impairment_loss",
    "credit_impairment_loss", "fair_value_variable_income", "investment_income",
    "invest_income_associates", "exchange_income", "other_income", "asset_disposal_income",
    "operating_profit", "non_operating_revenue", "non_operating_expense",
    "disposal_loss_non_current_liability", "total_profit", "income_tax_expense", "net_profit",
    "np_parent_company_owners", "minority_profit", "basic_eps", "diluted_eps",
    "other_composite_income", "total_composite_income", "ci_parent_company_owners",
    "ci_minority_owners",
)

BALANCE_COLUMNS = (
    "cash_equivalents", "settlement_provi", "lend_capital", "trading_assets",
    "bill_receivable", "account_receivable", "advance_payment", "insurance_receivables",
    "reinsurance_receivables", "reinsurance_contract_reserves_receivable",
    "interest_receivable", "dividend_receivable", "other_receivable",
    "bought_sellback_assets", "inventories", "non_current_asset_in_one_year",
    "other_current_assets", "total_current_assets", "loan_and_advance",
    "hold_for_sale_assets", "hold_to_maturity_investments", "longterm_receivable_account",
    "longterm_equity_invest", "investment_property", "fixed_assets", "constru_in_process",
    "construction_materials", "fixed_assets_liquidation", "biological_assets", "oil_gas_assets",
    "intangible_assets", "development_expenditure", "good_will", "long_deferred_expense",
    "deferred_tax_assets", "other_non_current_assets", "total_non_current_assets",
    "total_assets", "shortterm_loan", "borrowing_from_centralbank", "deposit_in_interbank",
    "borrowing_capital", "trading_liability", "notes_payable", "accounts_payable",
    "advance_peceipts", "sold_buyback_secu_proceeds", "commission_payable",
    "salaries_payable", "taxs_payable", "interest_payable", "dividend_payable",
    "other_payable", "reinsurance_payables", "insurance_contract_reserves",
    "proxy_secu_proceeds", "receivings_from_vicariously_sold_securities",
    "non_current_liability_in_one_year", "other_current_liability",
    "total_current_liability", "longterm_loan", "bonds_payable", "longterm_account_payable",
    "specific_account_payable", "estimate_liability", "deferred_tax_liability",
    "other_non_current_liability", "total_non_current_liability", "total_liability",
    "paidin_capital", "capital_reserve_fund", "treasury_stock", "specific_reserves",
    "surplus_reserve_fund", "ordinary_risk_reserve_fund", "retained_profit",
    "foreign_currency_report_conv_diff", "equities_parent_company_owners",
    "minority_interests", "total_owner_equities", "total_sheet_owner_equities",
    "other_comprehensive_income", "deferred_earning", "settlement_provi_other",
    "other_equity_tools", "preferred_shares_equity", "perpetual_bonds_equity",
    "bond_invest", "other_bond_invest", "other_equity_tools_invest",
    "other_non_current_financial_assets", "contract_assets", "contract_liability",
    "lease_liability", "usufruct_assets", "receivable_fin",
)

CASH_FLOW_COLUMNS = (
    "goods_sale_and_service_render_cash", "net_deposit_increase",
    "tax_levy_refund", "subtotal_operate_cash_inflow",
    "goods_and_services_cash_paid", "staff_behalf_paid", "tax_payments",
    "subtotal_operate_cash_outflow", "net_operate_cash_flow",
    "invest_withdrawal_cash", "invest_proceeds", "fix_intan_other_asset_dispo_cash",
    "subtotal_invest_cash_inflow", "fix_intan_other_asset_acqui_cash", "invest_cash_paid",
    "subtotal_invest_cash_outflow", "net_invest_cash_flow", "cash_from_invest",
    "cash_from_borrowing", "cash_from_bonds_issue", "subtotal_finance_cash_inflow",
    "borrowing_repayment", "dividend_interest_payment", "subtotal_finance_cash_outflow",
    "net_finance_cash_flow", "exchange_rate_change_effect", "cash_equivalent_increase",
    "cash_equivalents_at_beginning", "cash_and_equivalents_at_end",
)
#: Indirect-method supplement items JoinQuant keeps in ``finance.STK_CASHFLOW_STATEMENT``;
#: jqlite stores them in cash_flow.parquet (cumulative YTD like the rest) for the factor
#: library, but they are NOT columns of the ``cash_flow`` query table (JoinQuant has none).
CASH_FLOW_SUPPLEMENT = (
    "fixed_assets_depreciation", "intangible_assets_amortization",
    "defferred_expense_amortization",
)

INDICATOR_COLUMNS = (
    "eps", "adjusted_profit", "operating_profit", "value_change_profit", "roe",
    "inc_return", "roa", "net_profit_margin", "gross_profit_margin",
    "expense_to_total_revenue", "operation_profit_to_total_revenue",
    "net_profit_to_total_revenue", "operating_expense_to_total_revenue",
    "ga_expense_to_total_revenue", "financing_expense_to_total_revenue",
    "operating_profit_to_profit", "invesment_profit_to_profit", "adjusted_profit_to_profit",
    "goods_sale_and_service_to_revenue", "ocf_to_revenue", "ocf_to_operating_profit",
    "inc_total_revenue_year_on_year", "inc_total_revenue_annual", "inc_revenue_year_on_year",
    "inc_revenue_annual", "inc_operation_profit_year_on_year", "inc_operation_profit_annual",
    "inc_net_profit_year_on_year", "inc_net_profit_annual",
    "inc_net_profit_to_shareholders_year_on_year", "inc_net_profit_to_shareholders_annual",
)

STATEMENT_TABLES = ("income", "balance", "cash_flow", "indicator")
TABLES = ("valuation",) + STATEMENT_TABLES
#: Query-visible value columns of each table (JoinQuant's).
COLUMNS = {
    "valuation": VALUATION_COLUMNS,
    "income": INCOME_COLUMNS,
    "balance": BALANCE_COLUMNS,
    "cash_flow": CASH_FLOW_COLUMNS,
    "indicator": INDICATOR_COLUMNS,
}
#: Columns the parquet files may hold (query columns + storage-only extras).
STORABLE = {**COLUMNS, "cash_flow": CASH_FLOW_COLUMNS + CASH_FLOW_SUPPLEMENT}
#: Second names JoinQuant's tables answer to (jqdatasdk 1.9.8 ``finance_tables.py`` spells
#: these columns so, and strategies written against the SDK's tables use them): the alias
#: reads the same stored values as the column jqlite stores.  ``income.asset_deal_income``
#: (资产处置收益), ``income.other_earnings`` (其他收益), ``balance.pepertual_liability_equity``
#: (永续债, JoinQuant's spelling).
COLUMN_ALIASES = {
    "income": {"asset_deal_income": "asset_disposal_income", "other_earnings": "other_income"},
    "balance": {"pepertual_liability_equity": "perpetual_bonds_equity"},
}


def canonical_column(table: str, column: str) -> str:
    """The stored name of ``table.column`` (itself unless it is one of :data:`COLUMN_ALIASES`)."""
    return COLUMN_ALIASES.get(table, {}).get(column, column)


#: Tables stored cumulative year-to-date (single quarters are derived on read).
CUMULATIVE_TABLES = ("income", "cash_flow")
#: Stock (balance-type) items inside cumulative tables: never differenced.
STOCK_ITEMS = {"cash_flow": ("cash_and_equivalents_at_end", "cash_equivalents_at_beginning")}
KEY_COLUMNS = {"valuation": ("day", "code")}
for _t in STATEMENT_TABLES:
    KEY_COLUMNS[_t] = ("code", "statDate", "pubDate")
#: The raw fields jq_factors.md §11 requires (checked by the sample generator's tests).
FACTOR_FIELDS = {
    "valuation": ("market_cap", "circulating_market_cap", "capitalization", "circulating_cap",
                  "turnover_ratio", "pb_ratio", "ps_ratio", "pcf_ratio", "pe_ratio"),
    "balance": ("total_current_assets", "total_current_liability", "total_assets",
                "total_liability", "total_non_current_assets", "total_non_current_liability",
                "equities_parent_company_owners", "total_owner_equities", "other_equity_tools",
                "capital_reserve_fund", "surplus_reserve_fund", "cash_equivalents",
                "trading_assets", "bill_receivable", "account_receivable", "other_receivable",
                "interest_receivable", "dividend_receivable", "hold_for_sale_assets",
                "hold_to_maturity_investments", "advance_peceipts", "notes_payable",
                "accounts_payable", "salaries_payable", "taxs_payable", "interest_payable",
                "other_payable", "other_current_liability", "fixed_assets", "constru_in_process",
                "construction_materials", "intangible_assets", "development_expenditure",
                "good_will", "longterm_loan"),
    "income": ("net_profit", "np_parent_company_owners", "total_profit", "income_tax_expense",
               "financial_expense", "operating_profit", "total_operating_revenue",
               "operating_revenue", "total_operating_cost", "operating_cost",
               "operating_tax_surcharges", "interest_expense", "commission_expense",
               "sale_expense", "administration_expense", "rd_expenses", "asset_impairment_loss",
               "credit_impairment_loss", "invest_income_associates", "basic_eps",
               "premiums_earned"),
    "cash_flow": ("net_operate_cash_flow", "cash_equivalent_increase",
                  "cash_and_equivalents_at_end") + CASH_FLOW_SUPPLEMENT,
    "indicator": ("adjusted_profit", "operating_profit"),
}


def quarter_number(dates) -> np.ndarray:
    """Quarter ordinal ``year*4 + quarter-1`` of quarter-end dates (array-like of dates)."""
    d = pd.DatetimeIndex(pd.to_datetime(dates))
    return (d.year.to_numpy() * 4 + (d.month.to_numpy() - 1) // 3).astype(np.int64)


def quarter_end(q) -> pd.DatetimeIndex:
    """Inverse of :func:`quarter_number`: the quarter-end dates of quarter ordinals."""
    q = np.asarray(q, dtype=np.int64)
    y, k = q // 4, q % 4
    start = pd.to_datetime({"year": y, "month": 3 * k + 1, "day": np.ones_like(y)})
    return pd.DatetimeIndex(start + pd.offsets.QuarterEnd(0))


def _days(values) -> np.ndarray:
    """Dates -> int64 days since epoch."""
    return pd.to_datetime(values).to_numpy().astype("datetime64[D]").astype(np.int64)


# ---------------------------------------------------------------------------- writer
def validate_fundamentals(name: str, df: pd.DataFrame, codes=None, calendar=None) -> pd.DataFrame:
    """Check one fundamentals table and return it normalised (key columns first, sorted).

    Raises
    ------
    DataValidationError
        Unknown table or column, missing key column, unparsable date, statDate not a quarter
        end, ``pubDate < statDate``, duplicate (code, statDate) / (code, day), a code unknown
        to the store (when ``codes`` is given), a valuation day off the store's calendar.
    """
    src = f"fundamentals/{name}"
    if name not in TABLES:
        raise DataValidationError(src, None, None, f"unknown fundamentals table {name!r}; known: {list(TABLES)}")
    keys = KEY_COLUMNS[name]
    missing = [c for c in keys if c not in df.columns]
    if missing:
        raise DataValidationError(src, None, missing[0], f"missing required column(s) {missing}")
    allowed = set(keys) | set(STORABLE[name])
    unknown = [c for c in df.columns if c not in allowed and c != "_row"]
    if unknown:
        raise DataValidationError(src, None, unknown[0],
                                  f"column(s) {unknown} are not JoinQuant {name} columns")
    row_of = (lambda pos: int(df["_row"].iloc[pos])) if "_row" in df.columns else (lambda pos: int(pos))
    # codes are handled through their distinct values (a valuation table has millions of
    # rows and a few thousand codes): conversion, membership, duplicate key and sort order
    # all work on integer ranks, never on millions of Python strings
    if df["code"].isna().any():
        pos = int(np.flatnonzero(df["code"].isna().to_numpy())[0])
        raise DataValidationError(src, row_of(pos), "code", "missing value")
    ci, uniq = pd.factorize(df["code"], sort=False)
    ustr = pd.Index(uniq).astype(str).to_numpy(object)
    order_u = np.argsort(ustr, kind="stable")
    rank = np.empty(len(ustr), np.int64)
    rank[order_u] = np.arange(len(ustr))
    # equal strings from different raw values (e.g. 1 and '1') share one rank
    sorted_u = ustr[order_u]
    same = np.zeros(len(ustr), bool)
    if len(ustr) > 1:
        same[1:] = sorted_u[1:] == sorted_u[:-1]
    grp = np.cumsum(~same) - 1
    rank[order_u] = grp
    crank = rank[ci]
    code_col = ustr[ci]

    def fail(mask, col, msg):
        mask = np.asarray(mask)
        if mask.any():
            pos = int(np.flatnonzero(mask)[0])
            raise DataValidationError(src, row_of(pos), col, f"{msg} (code {code_col[pos]})")

    cols_out: dict[str, object] = {"code": code_col}
    for c in keys:
        if c == "code":
            continue
        v = pd.to_datetime(df[c], errors="coerce")
        bad = v.isna().to_numpy()
        if bad.any():
            pos = int(np.flatnonzero(bad)[0])
            raise DataValidationError(src, row_of(pos), c, f"not a date: {df[c].iloc[pos]!r}")
        cols_out[c] = v.dt.normalize().to_numpy("datetime64[ns]")
    cols = [c for c in STORABLE[name] if c in df.columns]
    for c in cols:
        try:
            # no copy when the column is float64 already (valuation: 9 columns x 5.7 M rows)
            cols_out[c] = pd.to_numeric(df[c], errors="raise").to_numpy(np.float64, copy=False)
        except (ValueError, TypeError) as exc:
            raise DataValidationError(src, None, c, f"not numeric ({exc})") from exc
    if codes is not None:
        known = pd.Index(ustr).isin(set(codes))
        fail(~known[ci], "code", "security is not in the store's securities master")
    if name == "valuation":
        if calendar is not None:
            fail(~pd.DatetimeIndex(cols_out["day"]).isin(calendar), "day", "day is not a trading day of the store")
        key = ["code", "day"]
    else:
        sd = pd.DatetimeIndex(cols_out["statDate"])
        fail(~sd.is_quarter_end, "statDate", "statDate is not a quarter end")
        fail(cols_out["pubDate"] < cols_out["statDate"], "pubDate", "pubDate before statDate")
        key = ["code", "statDate"]
    # (code rank, date) -> stable order; duplicates are adjacent in it
    d = cols_out[key[1]].view(np.int64)
    n = len(d)
    in_order = n < 2 or bool(((crank[1:] > crank[:-1]) | ((crank[1:] == crank[:-1]) & (d[1:] >= d[:-1]))).all())
    order = np.arange(n) if in_order else np.lexsort((d, crank))   # already sorted: no reshuffle
    sr, sd_ = (crank, d) if in_order else (crank[order], d[order])
    dup_sorted = np.zeros(len(order), bool)
    if len(order) > 1:
        dup_sorted[1:] = (sr[1:] == sr[:-1]) & (sd_[1:] == sd_[:-1])
    dup = np.zeros(len(order), bool)
    dup[order[dup_sorted]] = True    # every repeat after the first (stable order keeps the first first)
    fail(dup, key[-1], f"duplicate row for key {key}")
    if "_row" in df.columns:
        cols_out["_row"] = df["_row"].to_numpy()
    return pd.DataFrame({c: (v if in_order else v[order]) for c, v in cols_out.items()}, copy=False)


def _write_table(df: pd.DataFrame, name: str, path: Path) -> None:
    fields = []
    for c in df.columns:
        if c == "_row":
            continue
        if c in ("day", "statDate", "pubDate"):
            fields.append((c, pa.date32()))
        elif c == "code":
            fields.append((c, pa.string()))
        else:
            fields.append((c, pa.float64()))
    if "_row" in df.columns:
        df = df.drop(columns=["_row"])
    t = pa.Table.from_pandas(df, schema=pa.schema(fields), preserve_index=False)
    # dictionary pages only for the key columns (codes, dates repeat): the values are
    # floats that barely repeat, so parquet's dictionary attempt on them is wasted work
    # and a larger file (valuation, 5.7 M rows: 145 -> 132 MB, writing 2.9 -> 1.6 CPU s,
    # reading back 1.4x faster; benchmarks/README.md "Real-data import")
    pq.write_table(t, path, compression="zstd",
                   use_dictionary=[c for c in t.column_names if c in ("code", "day", "statDate", "pubDate")])


def write_fundamentals_dir(target: str | os.PathLike, tables: Mapping[str, pd.DataFrame],
                           codes=None, calendar=None, keep_from: str | os.PathLike | None = None) -> Path:
    """Validate ``tables`` and write them as a fundamentals folder ``target`` (which must not
    exist).  Tables not given are copied from ``keep_from`` when that folder has them.
    Usable as a ``write_store(extra_files={'fundamentals': ...})`` callable."""
    target = Path(target)
    clean = {n: validate_fundamentals(n, df, codes, calendar) for n, df in tables.items()}
    target.mkdir(parents=True)
    h = hashlib.sha256()
    names = []
    for n in TABLES:
        if n in clean:
            _write_table(clean[n], n, target / f"{n}.parquet")
        elif keep_from is not None and (Path(keep_from) / f"{n}.parquet").exists():
            shutil.copy2(Path(keep_from) / f"{n}.parquet", target / f"{n}.parquet")
        else:
            continue
        names.append(n)
        with open(target / f"{n}.parquet", "rb") as fh:
            h.update(n.encode())
            h.update(hashlib.sha256(fh.read()).digest())
    meta = {"format": FORMAT_VERSION, "version": h.hexdigest()[:16], "tables": names}
    (target / "meta.json").write_text(json.dumps(meta, indent=2))
    return target


def write_fundamentals(store_path: str | os.PathLike, tables: Mapping[str, pd.DataFrame]) -> Path:
    """Validate ``tables`` (name -> DataFrame, names from :data:`TABLES`) and write them into
    ``store_path/fundamentals/``, atomically.

    Tables not given keep their current content.  Everything is validated first and written
    to a temporary sibling folder that is swapped in with renames: on any failure the
    existing store (and its fundamentals) are untouched.

    Raises
    ------
    DataError
        No store at ``store_path``.
    DataValidationError
        A table is invalid (names table, row and column).
    """
    from .store import Store

    store_path = Path(store_path)
    if not (store_path / "meta.json").exists():
        raise DataError(f"no jqlite data store at {store_path} (meta.json missing)")
    st = Store(store_path)  # fresh read: codes and calendar for validation
    from .writer import clean_stale, swap_into_place
    final = store_path / DIRNAME
    clean_stale(final)
    tmp = Path(tempfile.mkdtemp(prefix=f".{DIRNAME}.tmp-{os.getpid()}-", dir=store_path))
    try:
        out = tmp / DIRNAME
        write_fundamentals_dir(out, tables, codes=st.codes, calendar=st.dates,
                               keep_from=final if final.exists() else None)
        swap_into_place(out, final)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return final


def fundamentals_version(store) -> str | None:
    """Content version of the store's fundamentals folder (None when it has none)."""
    p = Path(store.path) / DIRNAME / "meta.json"
    try:
        return str(json.loads(p.read_text()).get("version"))
    except FileNotFoundError:
        return None


# ---------------------------------------------------------------------------- reader
@njit(cache=True, parallel=True)
def _gather_on_days(lq, vals, avail, lag, day0):
    """Compiled body of :meth:`_Statement.on_days` (float64 values, int64 visibility).

    ``lq`` (n_days, n_sec) int32 latest visible quarter index (-1: none); ``vals`` and
    ``avail`` (n_sec, n_quarters); day ``d`` of ``lq`` is trading day ``day0 + d``.  Returns
    (n_days, n_sec) float64: ``vals[s, lq[d, s] - lag]`` when that quarter index is >= 0 and
    ``avail[s, q] <= day0 + d``, NaN otherwise."""
    nd, ns = lq.shape
    out = np.empty((nd, ns), dtype=np.float64)
    for d in prange(nd):
        day = day0 + d
        for j in range(ns):
            q = lq[d, j]
            t = q - lag
            if q >= 0 and t >= 0 and avail[j, t] <= day:
                out[d, j] = vals[j, t]
            else:
                out[d, j] = np.nan
    return out


class _Statement:
    """One statement table as dense ``(n_securities, n_quarters)`` arrays."""

    def __init__(self, name: str, df: pd.DataFrame, store):
        self.name = name
        ns = store.n_securities
        codes = df["code"].to_numpy().astype(str)
        ci = np.searchsorted(store.codes, codes)
        ci = np.clip(ci, 0, max(ns - 1, 0))
        ok = (store.codes[ci] == codes) if ns else np.zeros(len(codes), bool)
        df, ci = df[ok], ci[ok]
        q = quarter_number(df["statDate"])
        self.q0 = int(q.min()) if len(q) else 0
        self.nq = int(q.max()) - self.q0 + 1 if len(q) else 1
        qi = q - self.q0
        self.rows = (ci, qi)
        nd = store.n_days
        pub = _days(df["pubDate"])
        self.pub_days = np.full((ns, self.nq), np.iinfo(np.int64).max, dtype=np.int64)
        self.pub_days[ci, qi] = pub
        pidx = np.searchsorted(store._dates_i8, pub, side="left")
        self.pub_idx = np.full((ns, self.nq), np.iinfo(np.int32).max, dtype=np.int64)
        self.pub_idx[ci, qi] = pidx
        self.has_report = np.zeros((ns, self.nq), dtype=bool)
        self.has_report[ci, qi] = True
        self.columns = [c for c in df.columns if c in STORABLE[name]]
        self._df = df
        self._raw: dict[str, np.ndarray] = {}
        self._single: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self._ttm: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        # latest visible quarter per (day, security): running max of scattered publications
        lq = np.full((nd, ns), -1, dtype=np.int32)
        keep = pidx < nd
        np.maximum.at(lq, (pidx[keep], ci[keep]), qi[keep].astype(np.int32))
        self.latest_q = np.maximum.accumulate(lq, axis=0) if nd else lq
        self.cumulative = name in CUMULATIVE_TABLES
        self.stock_items = set(STOCK_ITEMS.get(name, ()))
        self.store = store

    def raw(self, col: str) -> np.ndarray:
        """Dense (n_sec, n_q) values as stored (YTD for cumulative tables)."""
        col = canonical_column(self.name, col)
        v = self._raw.get(col)
        if v is None:
            v = np.full(self.pub_idx.shape, np.nan)
            if col in self._df.columns:
                v[self.rows] = self._df[col].to_numpy(dtype=np.float64)
            self._raw[col] = v
        return v

    def single(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        """(single-quarter values, trading-day index from which they are visible)."""
        col = canonical_column(self.name, col)
        r = self._single.get(col)
        if r is None:
            y = self.raw(col)
            if not self.cumulative or col in self.stock_items:
                r = (y, self.pub_idx)
            else:
                qnum = np.arange(self.nq) + self.q0
                first = (qnum % 4 == 0)[None, :]
                prev = np.full_like(y, np.nan)
                prev[:, 1:] = y[:, :-1]
                pprev = np.full_like(self.pub_idx, np.iinfo(np.int32).max)
                pprev[:, 1:] = self.pub_idx[:, :-1]
                s = np.where(first, y, y - prev)
                p = np.where(first, self.pub_idx, np.maximum(self.pub_idx, pprev))
                r = (s, p)
            self._single[col] = r
        return r

    def ttm(self, col: str) -> tuple[np.ndarray, np.ndarray]:
        col = canonical_column(self.name, col)
        r = self._ttm.get(col)
        if r is None:
            s, p = self.single(col)
            t = s.copy()
            pt = p.copy()
            for k in (1, 2, 3):
                sh = np.full_like(s, np.nan)
                sh[:, k:] = s[:, :-k]
                ph = np.full_like(p, np.iinfo(np.int32).max)
                ph[:, k:] = p[:, :-k]
                t = t + sh
                pt = np.maximum(pt, ph)
            r = (t, pt)
            self._ttm[col] = r
        return r

    def on_days(self, vals: np.ndarray, avail: np.ndarray, lag: int = 0,
                rows: slice | None = None) -> np.ndarray:
        """Map dense per-quarter values to days: quarter ``latest - lag`` of each security.

        Parameters
        ----------
        vals : ndarray, shape (n_securities, n_quarters)
            Values per security and quarter (:meth:`raw`, :meth:`single`, :meth:`ttm` ...).
        avail : ndarray of int, shape (n_securities, n_quarters)
            Trading-day index from which each value is visible (``pub_idx`` or the latest
            publication of the quarters a derived value uses).
        lag : int, default 0
            Quarters before the latest report visible that day.
        rows : slice, optional
            A step-1 slice of day indexes: only those days are computed.

        Returns
        -------
        ndarray of float64, shape (n_days, n_securities) (or ``(len(rows), n_securities)``)
            ``vals[s, latest_q[d, s] - lag]`` where that quarter exists and is visible on day
            ``d`` (``avail <= d``), NaN elsewhere.  float64 values with int64 ``avail`` go
            through one compiled gather (:func:`_gather_on_days`, ~15x the numpy fancy
            indexing it replaces, same values); other dtypes through numpy.
        """
        lq = self.latest_q
        day0 = 0
        if rows is not None:
            day0 = rows.indices(lq.shape[0])[0]
            lq = lq[rows]
        nd, ns = lq.shape
        if (vals.dtype == np.float64 and avail.dtype == np.int64 and lq.dtype == np.int32
                and vals.shape == avail.shape and vals.shape[0] == ns):
            return _gather_on_days(lq, np.ascontiguousarray(vals), np.ascontiguousarray(avail),
                                   int(lag), int(day0))
        tq = lq.astype(np.int64) - lag
        ok = (lq >= 0) & (tq >= 0)
        tqc = np.where(ok, tq, 0)
        sidx = np.broadcast_to(np.arange(ns), (nd, ns))
        out = vals[sidx, tqc]
        vis = avail[sidx, tqc] <= (np.arange(nd) + day0)[:, None]
        return np.where(ok & vis, out, np.nan)

    # ---- single-date snapshot (for queries)
    def latest_on(self, day_int: int, lag_quarters: int = 0):
        """(security columns, quarter indexes) of the latest report with pubDate <= day."""
        vis = self.pub_days <= day_int
        any_ = vis.any(axis=1)
        last = self.nq - 1 - np.argmax(vis[:, ::-1], axis=1)
        s = np.flatnonzero(any_)
        return s, last[s]


class FundamentalsPanel:
    """Point-in-time fundamentals of one store, as ``(n_days, n_securities)`` arrays.

    Day ``i`` (``store.dates[i]``) sees a report when its ``pubDate <= dates[i]``.  Columns
    are JoinQuant's; see the module docstring for units.
    """

    def __init__(self, store):
        self.store = store
        self.path = Path(store.path) / DIRNAME
        self.version = fundamentals_version(store)
        self._lock = threading.RLock()
        self._stmt: dict[str, _Statement] = {}
        self._val: dict[str, np.ndarray] = {}
        self._val_cols: tuple[str, ...] | None = None
        self._val_present: np.ndarray | None = None
        self._stmt_cols: dict[str, tuple[str, ...]] = {}

    # ---- discovery
    def tables(self) -> list[str]:
        return [t for t in TABLES if (self.path / f"{t}.parquet").exists()]

    def stored_columns(self, table: str) -> tuple[str, ...]:
        """Value columns physically present in the table's file (empty if no file)."""
        cols = self._stmt_cols.get(table)
        if cols is None:
            p = self.path / f"{table}.parquet"
            if not p.exists():
                cols = ()
            else:
                names = pq.read_schema(p).names
                cols = tuple(c for c in names if c in STORABLE.get(table, ()))
            self._stmt_cols[table] = cols
        return cols

    def has(self, table: str, column: str) -> bool:
        """True when the store holds ``table.column`` (the values may still be NaN)."""
        return table in TABLES and canonical_column(table, column) in self.stored_columns(table)

    def _check(self, table: str, column: str) -> None:
        if table not in TABLES:
            raise DataError(f"unknown fundamentals table {table!r}; known: {list(TABLES)}")
        if canonical_column(table, column) not in STORABLE[table]:
            raise DataError(f"{table} has no column {column!r}")

    # ---- statements
    def statement(self, table: str) -> _Statement:
        st = self._stmt.get(table)
        if st is None:
            with self._lock:
                st = self._stmt.get(table)
                if st is None:
                    if table not in STATEMENT_TABLES:
                        raise DataError(f"{table!r} is not a statement table {list(STATEMENT_TABLES)}")
                    p = self.path / f"{table}.parquet"
                    if p.exists():
                        df = pd.read_parquet(p)
                        od = self._on_demand(table)
                        if od is not None:
                            df = pd.concat([df, od.to_pandas()], ignore_index=True)
                    else:
                        df = pd.DataFrame({"code": pd.Series(dtype=object),
                                           "statDate": pd.Series(dtype="datetime64[ns]"),
                                           "pubDate": pd.Series(dtype="datetime64[ns]")})
                    st = _Statement(table, df, self.store)
                    self._stmt[table] = st
        return st

    def _on_demand(self, table: str, columns=None):
        """Rows of the store's on-demand stocks (:mod:`jqlite.data.on_demand_fundamentals`)
        for ``table``, in the base table's schema, or None."""
        codes = getattr(self.store, "on_demand", ())
        if not codes:
            return None
        from .on_demand_fundamentals import read
        t = read(self.store.path, codes, table, columns)
        if t is None:
            return None
        base = pq.read_schema(self.path / f"{table}.parquet")
        cols = [c for c in t.column_names if c in base.names]
        return t.select(cols).cast(pa.schema([base.field(c) for c in cols]))

    def _valuation_table(self, columns):
        """Base valuation rows then the on-demand ones (same order for every column)."""
        t = pq.read_table(self.path / "valuation.parquet", columns=columns)
        t = t.select(columns)
        if not hasattr(self, "_od_valuation"):     # all columns, read once per panel
            self._od_valuation = self._on_demand("valuation")
        full = self._od_valuation
        if full is not None and full.num_rows:
            arrays = [full.column(c) if c in full.column_names else pa.nulls(full.num_rows, t.schema.field(c).type)
                      for c in columns]
            t = pa.concat_tables([t, pa.table(arrays, schema=t.schema)])
        return t

    def latest(self, table: str, column: str, lag: int = 0, ytd: bool = False,
               rows: slice | None = None) -> np.ndarray:
        """``(n_days, n_securities)`` value of the report ``lag`` quarters before the latest
        report visible that day (``lag=0`` the latest, ``lag=4`` the same quarter a year
        earlier); NaN where there is none or it was not yet published.

        income / cash_flow give single-quarter values (JoinQuant's tables), or the stored
        cumulative year-to-date values with ``ytd=True``.  ``rows`` (a step-1 slice of day
        indexes) returns only those days, much cheaper than slicing the full result.
        """
        self._check(table, column)
        st = self.statement(table)
        if ytd:
            return st.on_days(st.raw(column), st.pub_idx, lag, rows)
        v, p = st.single(column)
        return st.on_days(v, p, lag, rows)

    def ttm(self, table: str, column: str, rows: slice | None = None) -> np.ndarray:
        """``(n_days, n_securities)`` sum of the last four single quarters ending with the
        latest visible report; NaN unless all four are known and published.  ``rows`` as
        in :meth:`latest`."""
        self._check(table, column)
        st = self.statement(table)
        v, p = st.ttm(column)
        return st.on_days(v, p, 0, rows)

    def report_dates(self, table: str, lag: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """``(statDate, pubDate)`` of the report :meth:`latest` uses, as ``datetime64[D]``
        arrays ``(n_days, n_securities)`` (NaT where none)."""
        st = self.statement(table)
        q = np.arange(st.nq) + st.q0
        sd = np.broadcast_to(quarter_end(q).values.astype("datetime64[D]").astype(np.int64),
                             st.pub_days.shape).astype(np.float64)
        sd = np.where(st.has_report, sd, np.nan)
        pdays = np.where(st.has_report, st.pub_days, 0).astype(np.float64)
        a = st.on_days(sd, st.pub_idx, lag)
        b = st.on_days(np.where(st.has_report, pdays, np.nan), st.pub_idx, lag)

        def conv(x):
            out = np.full(x.shape, np.datetime64("NaT"), dtype="datetime64[D]")
            ok = ~np.isnan(x)
            out[ok] = x[ok].astype(np.int64).astype("datetime64[D]")
            return out
        return conv(a), conv(b)

    # ---- valuation
    def _valuation_columns(self) -> tuple[str, ...]:
        return self.stored_columns("valuation")

    def _load_valuation_index(self):
        if self._val_present is None:
            p = self.path / "valuation.parquet"
            nd, ns = self.store.n_days, self.store.n_securities
            present = np.zeros((nd, ns), dtype=bool)
            if p.exists():
                t = self._valuation_table(["day", "code"])
                ri, ci, ok = self._val_positions(t)
                self._val_rows = (ri[ok], ci[ok], ok)
                present[ri[ok], ci[ok]] = True
            else:
                self._val_rows = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, bool))
            self._val_present = present
        return self._val_rows

    def _val_positions(self, t):
        st = self.store
        d = t.column("day").to_numpy().astype("datetime64[D]").astype(np.int64)
        ri = np.searchsorted(st._dates_i8, d)
        # codes matched once per distinct code (dictionary-encoded), not once per row: the
        # per-row string searchsorted took ~4 s on the sample's valuation table
        enc = t.column("code").combine_chunks().dictionary_encode()
        uniq = np.asarray(enc.dictionary.to_pylist(), dtype=str)
        idx = enc.indices.to_numpy(zero_copy_only=False)
        uci = np.clip(np.searchsorted(st.codes, uniq), 0, max(st.n_securities - 1, 0))
        uok = st.codes[uci] == uniq if len(uniq) else np.zeros(0, bool)
        ci, code_ok = uci[idx], uok[idx]
        rc = np.clip(ri, 0, max(st.n_days - 1, 0))
        ok = (ri < st.n_days) & (st._dates_i8[rc] == d) & code_ok
        return rc, ci, ok

    def valuation_present(self) -> np.ndarray:
        """``(n_days, n_securities)`` bool: the store has a valuation row that day."""
        with self._lock:
            self._load_valuation_index()
        return self._val_present

    def valuation(self, column: str, rows: slice | None = None) -> np.ndarray:
        """``(n_days, n_securities)`` daily valuation column (NaN where no row / no value).

        Parameters
        ----------
        column : str
            A ``valuation`` column (``market_cap`` 亿元, ``capitalization`` 万股 ...).
        rows : slice, optional
            A step-1 slice of day indexes: only those days, ``(len(rows), n_securities)``
            float64, read from the column's dense file (:meth:`_valuation_file`) without
            keeping the whole column in memory (7 columns of the real market are ~440 MB;
            a factor pass needs ~780 of their 1,714 rows).  Falls back to slicing the
            in-memory column when that is already loaded or no file can be written.

        Returns
        -------
        numpy.ndarray
            Read-only float64 array, identical values either way.

        Raises
        ------
        DataError
            ``column`` is not a valuation column.
        """
        self._check("valuation", column)
        v = self._val.get(column)
        if v is None and rows is not None:
            part = self._valuation_rows(column, rows)
            if part is not None:
                return part
        if v is None:
            with self._lock:
                v = self._val.get(column)
                if v is None:
                    v = self._dense_valuation(column)
                    v.setflags(write=False)
                    self._val[column] = v
        return v if rows is None else v[rows]

    def _dense_valuation(self, column: str, keep_index: bool = True) -> np.ndarray:
        """The whole column as a new ``(n_days, n_securities)`` array (from the parquet);
        ``keep_index=False`` does not memoise the rows' positions (~100 MB on the real
        market) unless they already are."""
        if keep_index or self._val_present is not None:
            ri, ci, ok = self._load_valuation_index()
        elif (self.path / "valuation.parquet").exists():
            ri, ci, ok = self._val_positions(self._valuation_table(["day", "code"]))
            ri, ci = ri[ok], ci[ok]
        else:
            ri = ci = np.zeros(0, np.int64)
            ok = np.zeros(0, bool)
        v = np.full((self.store.n_days, self.store.n_securities), np.nan)
        if column in self._valuation_columns():
            t = self._valuation_table([column])
            vals = t.column(column).to_numpy(zero_copy_only=False).astype(np.float64)
            v[ri, ci] = vals[ok]
        return v

    def _valuation_file(self, column: str) -> Path | None:
        """Dense ``.npy`` file of ``column`` (``(n_days, n_securities)`` float64, day-major, so
        a row range is one contiguous read), written on first use under
        ``STORE/.valuation_panels/<key>/`` (``$XDG_CACHE_HOME/jqlite/valuation_panels`` for a
        read-only store); the key covers the fundamentals content version and the store's
        columns, and folders of other keys are deleted.  None when it cannot be written."""
        st = self.store
        key = hashlib.sha256(f"{self.version}|{getattr(st, 'columns_key', st.version)}|"
                             f"{st.n_days}|{st.n_securities}".encode()).hexdigest()[:20]
        if os.access(st.path, os.W_OK):
            parent = Path(st.path) / ".valuation_panels"
        else:
            parent = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "jqlite" \
                / "valuation_panels"
        folder = parent / key
        f = folder / f"{column}.npy"
        if f.exists():
            return f
        with self._lock:
            if f.exists():
                return f
            tmp = None
            try:
                folder.mkdir(parents=True, exist_ok=True)
                for old in parent.iterdir():       # other fundamentals versions / columns
                    if old.is_dir() and old != folder and not old.name.startswith(".tmp"):
                        shutil.rmtree(old, ignore_errors=True)
                fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".npy", dir=folder)
                with os.fdopen(fd, "wb") as fh:
                    np.save(fh, self._dense_valuation(column, keep_index=False))
                os.replace(tmp, f)
                tmp = None
            except OSError:
                return None
            finally:
                if tmp is not None:
                    try:
                        os.unlink(tmp)
                    except OSError:
                        pass
        return f

    def _valuation_rows(self, column: str, rows: slice) -> np.ndarray | None:
        """Rows ``rows`` of ``column`` read from :meth:`_valuation_file` (None: no file)."""
        f = self._valuation_file(column)
        if f is None:
            return None
        nd, ns = self.store.n_days, self.store.n_securities
        try:
            m = np.load(f, mmap_mode="r")
            if m.shape != (nd, ns) or m.dtype != np.float64:
                return None
            out = np.array(m[rows], dtype=np.float64)     # a copy: the mapping is closed
            del m
        except (OSError, ValueError):
            return None
        out.setflags(write=False)
        return out


def fundamentals_panel(store) -> FundamentalsPanel:
    """The store's :class:`FundamentalsPanel` (cached on the store per fundamentals version)."""
    ver = fundamentals_version(store)

    def build():
        panel = FundamentalsPanel(store)
        panel.version = ver      # content version: keys the factor disk cache (jqlite.factors.cache)
        return panel
    return store.cached(("fundamentals_panel", ver), build)
