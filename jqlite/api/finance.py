"""JoinQuant's ``finance`` database: ``finance.run_query(query(finance.STK_XR_XD)...)``.

Tables served from the store (derived when first queried, cached on the store):

* ``STK_XR_XD`` (分红送股) -- from the store's ``xrxd`` events (one row per ex-date).
* ``STK_LIST`` (股票上市信息) -- from the securities master (stocks).
* ``STK_CAPITAL_CHANGE`` (股本变动) -- one row per change of the valuation table's
  ``capitalization`` / ``circulating_cap`` (needs fundamentals in the store).
* ``STK_COMPANY_INFO`` (上市公司基本信息) -- securities master + the zjw (CSRC) industry.
* ``STK_EXCHANGE_TRADE_INFO`` (沪深市场每日成交概况) -- sums of the store's stock bars and
  valuation (322001 上海市场 ... 322007 创业板).
* ``FUND_NET_VALUE`` (基金净值) -- the store's fund bars (unit NAV = close, as ``get_extras``).
* sample market only (synthetic by nature; another store answers them empty with a data
  gap): ``STK_ML_QUOTA`` (沪深港通额度与成交, derived from the sample's turnover and returns),
  ``FUND_MAIN_INFO`` (基金主体信息 of the sample's ETFs/LOFs/open-end funds),
  ``FUND_PORTFOLIO_STOCK`` (quarterly top-10 holdings of its equity funds),
  ``FUND_PORTFOLIO`` (基金资产组合概况, the quarterly asset mix of every sample fund),
  ``STK_HK_HOLD_INFO`` (northbound holdings per stock), ``STK_EL_TOP_ACTIVATE`` (the ten
  most traded northbound stocks a day) and ``STK_AUDIT_OPINION`` (审计意见, one row per
  annual report).

Each builder's docstring gives its rule and the identities a reader can check by hand.

The ``macro`` database (``macro.MAC_MANUFACTURING_PMI``, ``macro.run_query``) has JoinQuant's
columns but no data: ``run_query`` returns an empty frame and records a data gap.

The ``opt`` database (期权): ``OPT_CONTRACT_INFO``, ``OPT_DAILY_PRICE``, ``OPT_RISK_INDICATOR``,
``OPT_DAILY_PREOPEN``, ``OPT_EXERCISE_INFO`` from the sample market's option chains
(:mod:`jqlite.api.options_db`, docs/options.md); ``OPT_ADJUSTMENT`` and
``OPT_TRADE_RANK_STK`` answer empty with a data gap; a store that is not the sample answers
every ``opt`` table empty with a data gap.

``jy`` (聚源, JuYuan): two tables, any other raises :class:`~jqlite.errors.ParamsError` naming it
(decision, issue 13; docs/data-coverage.md).  JuYuan is a licensed third-party database
JoinQuant exposes as ``jy`` (``jy.run_query(query(jy.SecuMain...))``); its tables are keyed by
JuYuan's own ``InnerCode``.  Public strategy files use it for two things: mapping a 6-digit
code to an ``InnerCode`` through the securities master ``SecuMain`` and reading a stock's
daily valuation ratios (dividend yield above all) from ``LC_DIndicesForValuation``.  Both are
built from what the store holds (:func:`_jy_secumain`, :func:`_jy_valuation`) with JuYuan's
column names and codes; the other JuYuan tables (index quotes ``QT_*``, ``LC_Dividend``, ...)
keep raising a clear error naming the table -- an empty answer would be silent.

Queries are the same SQLAlchemy ``query`` objects as ``get_fundamentals`` (filter,
order_by, limit, ...) and are executed by DuckDB over the table (see
:mod:`jqlite.api.fundamentals`).  One table per query, as on JoinQuant.  Date columns come
back as ``datetime.date``.  No 5000-row cap.  With ``set_option('avoid_future_data', True)``
inside a backtest, rows published after the current day are dropped (JoinQuant drops
future rows of APIs without a time parameter; spec ``jq_data_api.md`` §10).

Column lists: JoinQuant's finance-database docs (分红送股 STK_XR_XD, 股票上市信息 STK_LIST,
公司股本变动 STK_CAPITAL_CHANGE); columns jqlite cannot derive are present and NULL.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
import sqlalchemy as sa

from ..errors import ParamsError
from . import _binding
from ._binding import run_or_none
from .fundamentals import SqlTable

__all__ = ["finance", "macro", "jy", "gta", "opt"]

_MD = sa.MetaData()
_S, _F, _D, _I = sa.String, sa.Float, sa.Date, sa.Integer

#: table -> [(column, type)] (JoinQuant's names, in JoinQuant's order)
_COLUMNS = {
    "STK_XR_XD": [
        ("id", _I), ("company_id", _I), ("company_name", _S), ("code", _S), ("report_date", _D),
        ("bonus_type", _S), ("board_plan_pub_date", _D), ("board_plan_bonusnote", _S),
        ("distributed_share_base_board", _F), ("shareholders_plan_pub_date", _D),
        ("shareholders_plan_bonusnote", _S), ("distributed_share_base_shareholders", _F),
        ("implementation_pub_date", _D), ("implementation_bonusnote", _S),
        ("distributed_share_base_implement", _F), ("dividend_ratio", _F), ("transfer_ratio", _F),
        ("bonus_ratio_rmb", _F), ("bonus_ratio_usd", _F), ("bonus_ratio_hkd", _F),
        ("at_bonus_ratio_rmb", _F), ("exchange_rate", _F), ("dividend_number", _F),
        ("transfer_number", _F), ("bonus_amount_rmb", _F), ("a_registration_date", _D),
        ("b_registration_date", _D), ("a_xr_date", _D), ("b_xr_baseday", _D),
        ("b_final_trade_date", _D), ("a_bonus_date", _D), ("b_bonus_date", _D),
        ("dividend_arrival_date", _D), ("a_increment_listing_date", _D),
        ("b_increment_listing_date", _D), ("total_capital_before_transfer", _F),
        ("total_capital_after_transfer", _F), ("float_capital_before_transfer", _F),
        ("float_capital_after_transfer", _F), ("note", _S), ("a_transfer_arrival_date", _D),
        ("b_transfer_arrival_date", _D), ("b_dividend_arrival_date", _D),
        ("note_of_no_dividend", _S), ("plan_progress_code", _I), ("plan_progress", _S),
        ("bonus_cancel_pub_date", _D),
    ],
    "STK_LIST": [
        ("id", _I), ("code", _S), ("name", _S), ("short_name", _S), ("category", _S),
        ("exchange", _S), ("start_date", _D), ("end_date", _D), ("company_id", _I),
        ("company_name", _S), ("ipo_shares", _F), ("book_price", _F), ("par_value", _F),
        ("state_id", _I), ("state", _S),
    ],
    "STK_CAPITAL_CHANGE": [
        ("id", _I), ("company_id", _I), ("company_name", _S), ("code", _S), ("change_date", _D),
        ("pub_date", _D), ("change_reason_id", _I), ("change_reason", _S), ("share_total", _F),
        ("share_non_trade", _F), ("share_start", _F), ("share_nontrade_state", _F),
        ("share_nontrade_domestic", _F), ("share_nontrade_natural", _F), ("share_raised", _F),
        ("share_inside", _F), ("share_outside", _F), ("share_pref", _F), ("share_trade_total", _F),
        ("share_rmb", _F), ("share_b", _F), ("share_h", _F), ("share_limited", _F),
        ("share_management", _F),
    ],
    "STK_COMPANY_INFO": [
        ("id", _I), ("company_id", _I), ("code", _S), ("full_name", _S), ("short_name", _S),
        ("a_code", _S), ("b_code", _S), ("h_code", _S), ("fullname_en", _S), ("shortname_en", _S),
        ("legal_representative", _S), ("register_location", _S), ("office_address", _S),
        ("zipcode", _S), ("register_capital", _F), ("currency_id", _I), ("currency", _S),
        ("establish_date", _D), ("website", _S), ("email", _S), ("contact_number", _S),
        ("fax_number", _S), ("main_business", _S), ("business_scope", _S), ("description", _S),
        ("tax_number", _S), ("license_number", _S), ("pub_newspaper", _S), ("pub_website", _S),
        ("secretary", _S), ("secretary_number", _S), ("secretary_fax", _S), ("secretary_email", _S),
        ("security_representative", _S), ("province_id", _S), ("province", _S), ("city_id", _S),
        ("city", _S), ("industry_id", _S), ("industry_1", _S), ("industry_2", _S), ("cpafirm", _S),
        ("lawfirm", _S), ("ceo", _S), ("comments", _S),
    ],
    "STK_ML_QUOTA": [
        ("id", _I), ("day", _D), ("link_id", _I), ("link_name", _S), ("currency_id", _I),
        ("currency", _S), ("buy_amount", _F), ("buy_volume", _F), ("sell_amount", _F),
        ("sell_volume", _F), ("sum_amount", _F), ("sum_volume", _F), ("quota", _F),
        ("quota_balance", _F), ("quota_daily", _F), ("quota_daily_balance", _F),
    ],
    "STK_EXCHANGE_TRADE_INFO": [
        ("id", _I), ("exchange_code", _S), ("exchange_name", _S), ("date", _D),
        ("total_market_cap", _F), ("circulating_market_cap", _F), ("volume", _F), ("money", _F),
        ("deal_number", _F), ("pe_average", _F), ("turnover_ratio", _F),
    ],
    "FUND_MAIN_INFO": [
        ("id", _I), ("main_code", _S), ("name", _S), ("advisor", _S), ("trustee", _S),
        ("operate_mode_id", _I), ("operate_mode", _S), ("underlying_asset_type_id", _I),
        ("underlying_asset_type", _S), ("start_date", _D), ("end_date", _D),
        ("invest_style_id", _S), ("invest_style", _S),
    ],
    "FUND_NET_VALUE": [
        ("id", _I), ("code", _S), ("day", _D), ("net_value", _F), ("sum_value", _F),
        ("factor", _F), ("acc_factor", _F), ("refactor_net_value", _F),
    ],
    "FUND_PORTFOLIO_STOCK": [
        ("id", _I), ("code", _S), ("period_start", _D), ("period_end", _D), ("pub_date", _D),
        ("report_type_id", _I), ("report_type", _S), ("rank", _I), ("symbol", _S), ("name", _S),
        ("shares", _F), ("market_cap", _F), ("proportion", _F), ("deadline", _D),
    ],
    # 基金资产组合概况: rates in % of total assets, values in yuan
    "FUND_PORTFOLIO": [
        ("id", _I), ("code", _S), ("period_start", _D), ("period_end", _D), ("pub_date", _D),
        ("report_type_id", _I), ("report_type", _S), ("equity_value", _F), ("equity_rate", _F),
        ("stock_value", _F), ("stock_rate", _F), ("fund_value", _F), ("fund_rate", _F),
        ("fixed_income_value", _F), ("fixed_income_rate", _F), ("precious_metal_value", _F),
        ("precious_metal_rate", _F), ("derivative_value", _F), ("derivative_rate", _F),
        ("buying_back_value", _F), ("buying_back_rate", _F), ("deposit_value", _F),
        ("deposit_rate", _F), ("others_value", _F), ("others_rate", _F), ("total_asset", _F),
    ],
    # tables without data in the store (empty results): JoinQuant's columns
    "STK_EL_TOP_ACTIVATE": [
        ("id", _I), ("day", _D), ("link_id", _I), ("link_name", _S), ("rank", _I), ("code", _S),
        ("name", _S), ("exchange", _S), ("buy", _F), ("sell", _F), ("total", _F),
    ],
    "STK_HK_HOLD_INFO": [
        ("id", _I), ("day", _D), ("link_id", _I), ("link_name", _S), ("code", _S), ("name", _S),
        ("share_number", _F), ("share_ratio", _F),
    ],
    "STK_AUDIT_OPINION": [
        ("id", _I), ("company_id", _I), ("company_name", _S), ("code", _S), ("pub_date", _D),
        ("end_date", _D), ("report_type", _I), ("accounting_firm", _S), ("accountant", _S),
        ("opinion_type_id", _I), ("opinion_type", _S),
    ],
}
#: the ``macro`` database's tables (JoinQuant's columns; no data in the store)
_MACRO_COLUMNS = {
    "MAC_MANUFACTURING_PMI": [
        ("id", _I), ("stat_month", _S), ("pmi", _F), ("produce_idx", _F), ("new_orders_idx", _F),
        ("new_export_orders_idx", _F), ("order_in_hand_idx", _F), ("finished_produce_idx", _F),
        ("purchase_quantity_idx", _F), ("import_idx", _F), ("exfactory_idx", _F),
        ("purchases_idx", _F), ("raw_material_idx", _F), ("employ_idx", _F),
        ("delivery_time_idx", _F), ("production_expected_idx", _F),
    ],
}
#: the ``opt`` (期权) database's tables (JoinQuant's columns, in JoinQuant's order; data:
#: :mod:`jqlite.api.options_db` from the sample market's option chains)
_OPT_COLUMNS = {
    "OPT_CONTRACT_INFO": [
        ("id", _I), ("code", _S), ("trading_code", _S), ("name", _S), ("contract_type", _S),
        ("exchange_code", _S), ("currency_id", _S), ("underlying_symbol", _S), ("underlying_name", _S),
        ("underlying_exchange", _S), ("underlying_type", _S), ("exercise_price", _F),
        ("contract_unit", _I), ("contract_status", _S), ("list_date", _D), ("list_reason", _S),
        ("list_price", _F), ("high_limit", _F), ("low_limit", _F), ("expire_date", _D),
        ("last_trade_date", _D), ("exercise_date", _D), ("delivery_date", _D), ("is_adjust", _I),
        ("delist_date", _D), ("delist_reason", _S),
    ],
    "OPT_DAILY_PRICE": [
        ("id", _I), ("code", _S), ("exchange_code", _S), ("date", _D), ("pre_settle", _F),
        ("pre_close", _F), ("open", _F), ("high", _F), ("low", _F), ("close", _F),
        ("change_pct_close", _F), ("settle_price", _F), ("change_pct_settle", _F), ("volume", _F),
        ("money", _F), ("position", _I),
    ],
    "OPT_RISK_INDICATOR": [
        ("id", _I), ("code", _S), ("exchange_code", _S), ("date", _D), ("delta", _F), ("theta", _F),
        ("gamma", _F), ("vega", _F), ("rho", _F),
    ],
    "OPT_DAILY_PREOPEN": [
        ("id", _I), ("date", _D), ("code", _S), ("trading_code", _S), ("name", _S), ("exchange_code", _S),
        ("underlying_symbol", _S), ("underlying_name", _S), ("underlying_exchange", _S),
        ("underlying_type", _S), ("exercise_type", _S), ("contract_type", _S), ("contract_unit", _I),
        ("exercise_price", _F), ("list_date", _D), ("last_trade_date", _D), ("exercise_date", _D),
        ("delivery_date", _D), ("expire_date", _D), ("contract_version", _S), ("position", _I),
        ("pre_close", _F), ("pre_settle", _F), ("pre_close_underlying", _F), ("is_limit", _S),
        ("high_limit", _F), ("low_limit", _F), ("margin_unit", _F), ("margin_ratio_1", _F),
        ("margin_ratio_2", _F), ("round_lot", _I), ("limit_order_min", _I), ("limit_order_max", _I),
        ("market_order_min", _I), ("market_order_max", _I), ("quote_change_min", _F),
        ("contract_status", _S),
    ],
    "OPT_ADJUSTMENT": [
        ("id", _I), ("code", _S), ("adj_date", _D), ("contract_type", _S), ("ex_trading_code", _S),
        ("ex_name", _S), ("ex_exercise_price", _F), ("ex_contract_unit", _I), ("new_trading_code", _S),
        ("new_name", _S), ("new_exercise_price", _F), ("new_contract_unit", _I), ("adj_reason", _S),
        ("expire_date", _D), ("last_trade_date", _D), ("exercise_date", _D), ("delivery_date", _D),
        ("position", _I),
    ],
    "OPT_EXERCISE_INFO": [
        ("id", _I), ("underlying_symbol", _S), ("underlying_name", _S), ("exercise_date", _D),
        ("constract_type", _S), ("exercise_number", _I),
    ],
    "OPT_TRADE_RANK_STK": [
        ("id", _I), ("underlying_symbol", _S), ("underlying_name", _S), ("underlying_exchange", _S),
        ("date", _D), ("rank", _I), ("volume", _I), ("option_agency", _S), ("rank_type", _S),
    ],
}
#: every table's columns, by table name (names are unique across databases)
#: the ``gta`` (国泰安 / CSMAR) database: only its dividend table (CSMAR's upper-case names)
_GTA_COLUMNS = {
    "STK_MKT_DIVIDENT": [
        ("SECURITYID", _I), ("EXDIVIDENDDATE", _D), ("DECLAREDATE", _D), ("SYMBOL", _S),
        ("RECORDDATE", _D), ("FINALTRADINGDATE", _D), ("PAYMENTDATE", _D), ("CURRENCYCODE", _S),
        ("ALLOTMENTPRICE", _F), ("ALLOTMENTPERSHARE", _F), ("DIVIDENTBT", _F), ("DIVIDENTAT", _F),
        ("BONUSRATIO", _F), ("CONVERSIONRATIO", _F),
    ],
}
#: the ``jy`` (聚源 / JuYuan) database: its securities master and daily valuation ratios, with
#: JuYuan's column names in JuYuan's order (JuYuan's data dictionary: SecuMain ID ... JSID;
#: LC_DIndicesForValuation InnerCode, TradingDay, PE, PB, PCF, PS, DividendRatio, ...)
_JY_COLUMNS = {
    "SecuMain": [
        ("ID", _I), ("InnerCode", _I), ("CompanyCode", _I), ("SecuCode", _S), ("ChiName", _S),
        ("ChiNameAbbr", _S), ("EngName", _S), ("EngNameAbbr", _S), ("SecuAbbr", _S), ("ChiSpelling", _S),
        ("SecuMarket", _I), ("SecuCategory", _I), ("ListedDate", _D), ("ListedSector", _I),
        ("ListedState", _I), ("ISIN", _S),
    ],
    "LC_DIndicesForValuation": [
        ("ID", _I), ("InnerCode", _I), ("TradingDay", _D), ("PE", _F), ("PB", _F), ("PCF", _F), ("PS", _F),
        ("DividendRatio", _F), ("PSTTM", _F), ("TotalMV", _F), ("NegotiableMV", _F), ("PELYR", _F),
        ("PCFTTM", _F), ("PCFS", _F), ("PCFSTTM", _F), ("DividendRatioLYR", _F), ("EnterpriseValueW", _F),
        ("EnterpriseValueN", _F),
    ],
}
_ALL_COLUMNS = {**_COLUMNS, **_MACRO_COLUMNS, **_OPT_COLUMNS, **_GTA_COLUMNS, **_JY_COLUMNS}
#: tables the store has no data for -> what the one-time warning calls the data
_EMPTY: dict[str, str] = {
    "OPT_ADJUSTMENT": "期权合约调整记录 (OPT_ADJUSTMENT) data: the sample market's ETF option "
                      "contracts are never adjusted for dividends",
    "OPT_TRADE_RANK_STK": "期权交易和持仓排名 (OPT_TRADE_RANK_STK) data: brokers' rankings are not "
                          "modelled",
}
#: the column saying when a row became public (used by avoid_future_data)
_PUB_COLUMN = {"STK_XR_XD": "implementation_pub_date", "STK_LIST": "start_date",
               "STK_HK_HOLD_INFO": "day", "STK_EL_TOP_ACTIVATE": "day", "STK_AUDIT_OPINION": "pub_date",
               "STK_CAPITAL_CHANGE": "pub_date", "STK_ML_QUOTA": "day", "STK_EXCHANGE_TRADE_INFO": "date",
               "FUND_MAIN_INFO": "start_date", "FUND_NET_VALUE": "day", "FUND_PORTFOLIO_STOCK": "pub_date",
               "FUND_PORTFOLIO": "pub_date", "STK_MKT_DIVIDENT": "DECLAREDATE",
               "SecuMain": "ListedDate", "LC_DIndicesForValuation": "TradingDay",
               "OPT_CONTRACT_INFO": "list_date", "OPT_DAILY_PRICE": "date", "OPT_RISK_INDICATOR": "date",
               "OPT_DAILY_PREOPEN": "date", "OPT_EXERCISE_INFO": "exercise_date"}
#: tables the sample market synthesises that a real store has no source for: on a store that
#: is not the sample they answer empty (JoinQuant's columns) and record a data gap
_SAMPLE_ONLY = {"STK_ML_QUOTA": "沪深港通额度与成交 (STK_ML_QUOTA) data",
                "FUND_MAIN_INFO": "基金主体信息 (FUND_MAIN_INFO) data",
                "FUND_PORTFOLIO_STOCK": "基金持股 (FUND_PORTFOLIO_STOCK) data",
                "FUND_PORTFOLIO": "基金资产组合概况 (FUND_PORTFOLIO) data",
                "STK_EL_TOP_ACTIVATE": "沪深港通十大成交活跃股 (STK_EL_TOP_ACTIVATE) data",
                "STK_HK_HOLD_INFO": "沪深港通持股 (STK_HK_HOLD_INFO) data",
                "STK_AUDIT_OPINION": "审计意见 (STK_AUDIT_OPINION) data",
                "MAC_MANUFACTURING_PMI": "制造业PMI (MAC_MANUFACTURING_PMI) data",
                "OPT_CONTRACT_INFO": "期权合约资料 (OPT_CONTRACT_INFO) data",
                "OPT_DAILY_PRICE": "期权日行情 (OPT_DAILY_PRICE) data",
                "OPT_RISK_INDICATOR": "期权风险指标 (OPT_RISK_INDICATOR) data",
                "OPT_DAILY_PREOPEN": "期权每日盘前静态 (OPT_DAILY_PREOPEN) data",
                "OPT_EXERCISE_INFO": "期权行权交收 (OPT_EXERCISE_INFO) data"}
#: tables whose publication day is derived from a period column (avoid_future_data)
_PUB_DERIVED = {
    # NBS publishes a month's manufacturing PMI on that month's last day
    "MAC_MANUFACTURING_PMI": lambda df: pd.to_datetime(df["stat_month"] + "-01") + pd.offsets.MonthEnd(0),
}


class FinanceTable(SqlTable):
    """A ``finance.*`` table: ``finance.STK_XR_XD.code`` is a SQLAlchemy column; an unknown
    column raises AttributeError naming table and column."""

    _kind = "finance table"

    def __init__(self, name: str, db: str = "finance"):
        super().__init__(name, [sa.Column(c, t) for c, t in _ALL_COLUMNS[name]])
        self.__dict__["_db"] = db

    def _missing(self, item: str) -> str:
        return (f"{self._db}.{self._name} has no column {item!r} "
                f"(columns: {', '.join(self.__table__.c.keys())})")


# ---------------------------------------------------------------------------- table frames
def _dates(x) -> np.ndarray:
    """datetime64[D] array -> object array of datetime.date (None for NaT)."""
    x = np.asarray(x, dtype="datetime64[D]")
    out = x.astype(object)
    out[np.isnat(x)] = None
    return out


def _null(n: int, t) -> np.ndarray:
    if t is _F:
        return np.full(n, np.nan)
    return np.full(n, None, dtype=object)


def _frame(name: str, n: int, data: dict) -> pd.DataFrame:
    cols = {}
    for c, t in _ALL_COLUMNS[name]:
        cols[c] = data[c] if c in data else _null(n, t)
    return pd.DataFrame(cols)


def _xr_xd(store) -> pd.DataFrame:
    """STK_XR_XD from the store's ``xrxd`` table.

    Per event: ``a_xr_date`` = ex-date; ``bonus_ratio_rmb`` = cash per 10 shares before tax
    (元); ``transfer_ratio`` = bonus + transferred shares per 10 shares
    (``(scale_factor - 1) * 10``; the store does not split 送股/转增, so ``dividend_ratio``
    is 0); ``a_registration_date`` = the trading day before the ex-date; ``a_bonus_date`` =
    the ex-date; ``implementation_pub_date`` = 5 trading days before the ex-date
    (approximation); ``board_plan_pub_date`` / ``shareholders_plan_pub_date`` = the
    implementation day too (the real plan dates are earlier and not in the data -- using the
    later date can never leak information); ``report_date`` = the period the dividend is
    for: 12-31 of the previous year for ex-dates in January-September, else 06-30 of the
    same year (approximation); ``total_capital_before/after_transfer`` (万股) from the
    valuation ``capitalization`` when the store has it, and then ``bonus_amount_rmb``
    (派息金额, 万元) = ``bonus_ratio_rmb / 10 * total_capital_before_transfer`` (cash is paid
    on the registration day's shares; 0 for an event without cash).
    """
    x = store.table("xrxd").sort_values(["code", "date"], kind="stable").reset_index(drop=True)
    n = len(x)
    ex = pd.DatetimeIndex(x["date"])
    di = np.array([store.day_index(d, "left") for d in ex], dtype=np.int64)
    reg = store.dates[np.clip(di - 1, 0, store.n_days - 1)]
    impl = store.dates[np.clip(di - 5, 0, store.n_days - 1)]
    rep = np.where(ex.month <= 9, pd.to_datetime([f"{y - 1}-12-31" for y in ex.year]).values,
                   pd.to_datetime([f"{y}-06-30" for y in ex.year]).values) if n else np.array([], "datetime64[ns]")
    bonus = x["bonus_pre_tax"].to_numpy(np.float64)
    transfer = (x["scale_factor"].to_numpy(np.float64) - 1.0) * 10.0
    transfer = np.round(transfer, 6)
    notes = []
    for b, t in zip(bonus, transfer):
        parts = []
        if t > 0:
            parts.append(f"10送转{t:g}股")
        if b > 0:
            parts.append(f"10派{b:g}元(含税)")
        notes.append(",".join(parts) or None)
    data = {
        "id": np.arange(1, n + 1), "code": x["code"].astype(object).to_numpy(),
        "company_name": np.array([store.display_name(c) for c in x["code"]], dtype=object),
        "report_date": _dates(rep),
        "bonus_type": np.where(pd.DatetimeIndex(rep).month == 12, "年度分红", "中期分红").astype(object),
        "board_plan_pub_date": _dates(impl), "shareholders_plan_pub_date": _dates(impl),
        "implementation_pub_date": _dates(impl), "implementation_bonusnote": np.array(notes, dtype=object),
        "board_plan_bonusnote": np.array(notes, dtype=object),
        "dividend_ratio": np.zeros(n), "transfer_ratio": transfer, "bonus_ratio_rmb": bonus,
        "a_registration_date": _dates(reg), "a_xr_date": _dates(ex.values), "a_bonus_date": _dates(ex.values),
        "a_increment_listing_date": np.where(transfer > 0, _dates(ex.values), None),
        "plan_progress": np.full(n, "实施方案", dtype=object), "plan_progress_code": np.full(n, 313004),
    }
    cap = _capitalization(store)
    if cap is not None and n:
        cols = np.array([store.code_index.get(c, -1) for c in x["code"]])
        ok = (cols >= 0) & (di < store.n_days) & (di > 0)
        before = np.full(n, np.nan)
        after = np.full(n, np.nan)
        before[ok] = cap[0][di[ok] - 1, cols[ok]]
        after[ok] = cap[0][di[ok], cols[ok]]
        fb, fa = np.full(n, np.nan), np.full(n, np.nan)
        fb[ok] = cap[1][di[ok] - 1, cols[ok]]
        fa[ok] = cap[1][di[ok], cols[ok]]
        # 派息金额 (万元): cash per share x the registration day's share capital (万股)
        amount = np.where(bonus > 0, np.round(bonus / 10.0 * before, 4), np.where(np.isnan(before), np.nan, 0.0))
        data.update(total_capital_before_transfer=before, total_capital_after_transfer=after,
                    float_capital_before_transfer=fb, float_capital_after_transfer=fa,
                    bonus_amount_rmb=amount)
    return _frame("STK_XR_XD", n, data)


def _capitalization(store):
    """(capitalization, circulating_cap) ``(n_days, n_sec)`` arrays in 万股, or None."""
    try:
        from ..data import fundamentals as F
        if not (store.path / F.DIRNAME).exists():
            return None
        p = F.fundamentals_panel(store)
        if not (p.has("valuation", "capitalization") and p.has("valuation", "circulating_cap")):
            return None
        return p.valuation("capitalization"), p.valuation("circulating_cap")
    except Exception:  # pragma: no cover
        return None


def _stk_list(store) -> pd.DataFrame:
    """STK_LIST from the securities master (stocks): name = display name, short_name = the
    pinyin abbreviation, category 'A', exchange from the code suffix, end_date NULL while
    listed, state '正常上市' / '终止上市'."""
    sec = store.securities[(store.securities["type"] == "stock")
                           & ~store.securities.index.isin(list(store.on_demand))]   # listed: base only
    n = len(sec)
    far = pd.Timestamp("2200-01-01")
    listed = (sec["end_date"] >= far).to_numpy()
    end = _dates(sec["end_date"].to_numpy())
    end[listed] = None
    data = {"id": np.arange(1, n + 1), "code": sec["code"].astype(object).to_numpy(),
            "name": sec["display_name"].astype(object).to_numpy(),
            "short_name": sec["name"].astype(object).to_numpy(),
            "category": np.full(n, "A", dtype=object),
            "exchange": np.array([c.split(".")[-1] for c in sec["code"]], dtype=object),
            "start_date": _dates(sec["start_date"].to_numpy()), "end_date": end,
            "company_name": sec["display_name"].astype(object).to_numpy(),
            "par_value": np.ones(n),
            "state_id": np.where(listed, 301001, 301006),
            "state": np.where(listed, "正常上市", "终止上市").astype(object)}
    return _frame("STK_LIST", n, data)


def _capital_change(store) -> pd.DataFrame:
    """STK_CAPITAL_CHANGE: a row on each stock's first valuation day and on every day its
    total (``capitalization``) or float (``circulating_cap``) share count changes; shares in
    万股; ``change_date`` = ``pub_date`` = that day; ``share_trade_total`` = ``share_rmb`` =
    circulating_cap; ``share_non_trade`` = total - float.  Empty without fundamentals."""
    cap = _capitalization(store)
    if cap is None:
        return _frame("STK_CAPITAL_CHANGE", 0, {})
    tot, flo = cap
    stock = (store.securities.loc[store.codes, "type"] == "stock").to_numpy() \
        & ~np.isin(store.codes, list(getattr(store, "on_demand", ())))
    prev_t = np.vstack([np.full((1, tot.shape[1]), np.nan), tot[:-1]])
    prev_f = np.vstack([np.full((1, flo.shape[1]), np.nan), flo[:-1]])
    have = np.isfinite(tot)
    # carry the last known value over gaps so a suspension is not a change
    last_t = pd.DataFrame(prev_t).ffill().to_numpy()
    last_f = pd.DataFrame(prev_f).ffill().to_numpy()
    with np.errstate(invalid="ignore"):
        chg = have & (~np.isfinite(last_t) | (np.abs(tot - last_t) > 1e-6)
                      | (np.isfinite(flo) & (~np.isfinite(last_f) | (np.abs(flo - last_f) > 1e-6))))
    chg &= stock[None, :]
    cc, rr = np.nonzero(chg.T)     # code-major
    n = len(rr)
    day = _dates(store.dates.values[rr])
    data = {"id": np.arange(1, n + 1), "code": store.codes[cc].astype(object),
            "company_name": np.array([store.display_name(c) for c in store.codes[cc]], dtype=object),
            "change_date": day, "pub_date": day.copy(),
            "change_reason": np.full(n, "股本变动", dtype=object),
            "share_total": tot[rr, cc], "share_trade_total": flo[rr, cc], "share_rmb": flo[rr, cc],
            "share_non_trade": tot[rr, cc] - flo[rr, cc]}
    return _frame("STK_CAPITAL_CHANGE", n, data)


_PROVINCES = ("北京市", "上海市", "广东省", "浙江省", "江苏省", "山东省", "福建省", "四川省", "湖北省",
              "湖南省", "安徽省", "河南省")


def _zjw_on(store, codes, days) -> list:
    """The zjw (CSRC) industry code of each stock on its day (None without one)."""
    from .reference import _reference
    ref = _reference(store)
    out = []
    for c, d in zip(codes, days):
        ic = None
        d8 = int(np.datetime64(pd.Timestamp(d), "D").astype(np.int64))
        for k in ref.by_code.get(c, ()):
            if ref.m_scheme[k] == "zjw" and ref.m_s[k] <= d8 <= ref.m_e[k]:
                ic = str(ref.m_ind[k])
        out.append(ic)
    return out


def _company_info(store) -> pd.DataFrame:
    """STK_COMPANY_INFO from the securities master (stocks), one row per company.

    ``industry_id`` = the stock's CSRC 2012 (zjw) division on its last listed day (or the
    store's last day), ``industry_1`` its section name, ``industry_2`` the division name
    (None where the store has no zjw classification); ``full_name`` = display name +
    ``股份有限公司``; ``register_capital`` (万元) = the last ``capitalization`` (万股, par 1
    元); ``establish_date`` = three years before listing; ``province`` a deterministic pick
    (synthetic: crc32 of the code).  Other descriptive columns are NULL."""
    from ..data.industry_codes import ZJW, ZJW_SECTIONS
    sec = store.securities[store.securities["type"] == "stock"]
    n = len(sec)
    codes = sec["code"].astype(str).to_numpy()
    last = store.dates[-1]
    asof = [min(pd.Timestamp(e), last) for e in sec["end_date"]]
    zj = _zjw_on(store, codes, asof)
    cap = _capitalization(store)
    reg = np.full(n, np.nan)
    if cap is not None:
        tot = pd.DataFrame(cap[0]).ffill().to_numpy()[-1]
        reg = np.array([tot[store.col(c)] for c in codes], dtype=float)
    est = (pd.DatetimeIndex(sec["start_date"]) - pd.DateOffset(years=3)).to_numpy()
    import zlib
    prov = np.array([_PROVINCES[zlib.crc32(c.encode()) % len(_PROVINCES)] for c in codes], dtype=object)
    data = {"id": np.arange(1, n + 1), "company_id": 300000000 + np.arange(1, n + 1), "code": codes.astype(object),
            "full_name": np.array([f"{d}股份有限公司" for d in sec["display_name"]], dtype=object),
            "short_name": sec["display_name"].astype(object).to_numpy(),
            "a_code": np.array([c[:6] for c in codes], dtype=object),
            "register_capital": reg, "currency_id": np.full(n, 110001), "currency": np.full(n, "人民币", dtype=object),
            "establish_date": _dates(est), "province": prov,
            "industry_id": np.array(zj, dtype=object),
            "industry_1": np.array([ZJW_SECTIONS.get(z[0]) if z else None for z in zj], dtype=object),
            "industry_2": np.array([ZJW[z][0] if z in ZJW else None for z in zj], dtype=object)}
    return _frame("STK_COMPANY_INFO", n, data)


def _stock_panels(store):
    """(stock mask (n_sec,), money, volume, close, pre_close) of the store's daily bars.  The
    mask leaves out stocks synthesised on demand (answered, never listed: market totals must
    not depend on what earlier runs asked for)."""
    stock = (store.securities.loc[store.codes, "type"] == "stock").to_numpy()
    od = getattr(store, "on_demand", None)
    if od:
        stock &= ~np.isin(store.codes, list(od))
    return (stock, store.field("money"), store.field("volume"), store.field("close"),
            store.field("pre_close"))


#: STK_ML_QUOTA links: id, name, exchange suffix, first day, northbound?, share of the
#: exchange's stock turnover, daily quota (亿元) before / from 2018-05-01
_ML_LINKS = ((310001, "沪股通", ".XSHG", "2014-11-17", True, 0.06, 130.0, 520.0),
             (310002, "深股通", ".XSHE", "2016-12-05", True, 0.06, 130.0, 520.0),
             (310003, "港股通(沪)", ".XSHG", "2014-11-17", False, 0.03, 105.0, 420.0),
             (310004, "港股通(深)", ".XSHE", "2016-12-05", False, 0.03, 105.0, 420.0))


def _ml_quota(store) -> pd.DataFrame:
    """STK_ML_QUOTA (沪深港通每日额度与成交), synthesised from the sample market.

    Per link and trading day from the link's opening: ``sum_amount`` (亿元) = a fixed share
    (6 % northbound, 3 % southbound) of the day's stock turnover of the link's exchange;
    net buying ``buy_amount - sell_amount`` = ``sum_amount * clip(8 r, -0.3, 0.3)``
    northbound (``r`` = the money-weighted mean stock return of that exchange that day),
    half of it the other way southbound; ``quota_daily`` 130 亿元 (105 southbound) until
    2018-04-30, 520 (420) after -- the real quotas; ``quota_daily_balance = quota_daily -
    (buy_amount - sell_amount)``; volumes (笔) = amount / 15 万元.  ``quota`` /
    ``quota_balance`` (the aggregate quota, abolished in 2016) are NULL.  Identities a test
    can check by hand: ``sum_amount = buy_amount + sell_amount`` and
    ``quota_daily - quota_daily_balance = buy_amount - sell_amount``.
    """
    stock, money, _vol, close, pre = _stock_panels(store)
    days = store.dates
    out = []
    with np.errstate(invalid="ignore", divide="ignore"):
        ret = np.where(np.isfinite(close) & (pre > 0), close / pre - 1.0, 0.0)
    m = np.nan_to_num(money)
    for lid, lname, sfx, first, north, share, q0, q1 in _ML_LINKS:
        mask = stock & np.array([c.endswith(sfx) for c in store.codes])
        tot = m[:, mask].sum(1)
        r = np.divide((m[:, mask] * ret[:, mask]).sum(1), tot, out=np.zeros(len(days)), where=tot > 0)
        keep = (days >= pd.Timestamp(first)) & (tot > 0)
        s_amt = np.round(share * tot / 1e8, 4)
        net = np.round(s_amt * np.clip(8.0 * r, -0.3, 0.3) * (1.0 if north else -0.5), 4)
        buy = np.round((s_amt + net) / 2, 4)
        sell = np.round(s_amt - buy, 4)
        qd = np.where(days >= pd.Timestamp("2018-05-01"), q1, q0)
        k = np.flatnonzero(keep)
        out.append(pd.DataFrame({
            "day": days[k], "link_id": lid, "link_name": lname, "currency_id": 110001, "currency": "人民币",
            "buy_amount": buy[k], "buy_volume": np.round(buy[k] * 1e8 / 1.5e5), "sell_amount": sell[k],
            "sell_volume": np.round(sell[k] * 1e8 / 1.5e5), "sum_amount": np.round(buy[k] + sell[k], 4),
            "sum_volume": np.round(buy[k] * 1e8 / 1.5e5) + np.round(sell[k] * 1e8 / 1.5e5),
            "quota_daily": qd[k], "quota_daily_balance": np.round(qd[k] - (buy[k] - sell[k]), 4)}))
    df = pd.concat(out, ignore_index=True).sort_values(["day", "link_id"], kind="stable").reset_index(drop=True)
    n = len(df)
    data = {c: df[c].to_numpy() for c in df.columns if c != "day"}
    data["day"] = _dates(df["day"].to_numpy())
    data["link_name"] = df["link_name"].astype(object).to_numpy()
    data["currency"] = df["currency"].astype(object).to_numpy()
    data["id"] = np.arange(1, n + 1)
    return _frame("STK_ML_QUOTA", n, data)


#: STK_EXCHANGE_TRADE_INFO segments: code, name, rule on the stock code
_EXCHANGE_SEGMENTS = (("322001", "上海市场", lambda c: c.endswith(".XSHG")),
                      ("322002", "上海A股", lambda c: c.endswith(".XSHG")),
                      ("322004", "深圳市场", lambda c: c.endswith(".XSHE")),
                      ("322005", "深市主板", lambda c: c.endswith(".XSHE") and c[:3] in ("000", "001")),
                      ("322006", "中小企业板", lambda c: c.endswith(".XSHE") and c[:3] in ("002", "003")),
                      ("322007", "创业板", lambda c: c.endswith(".XSHE") and c[:3] in ("300", "301")))


def _exchange_trade_info(store) -> pd.DataFrame:
    """STK_EXCHANGE_TRADE_INFO (沪深市场每日成交概况) summed from the store's stocks.

    Per trading day and segment (322001 上海市场 = 322002 上海A股: no B shares in the store;
    322004 深圳市场 = 322005 主板 + 322006 中小企业板 + 322007 创业板): ``money`` (亿元) and
    ``volume`` (亿股) = the sums of the day's bars; ``total_market_cap`` /
    ``circulating_market_cap`` (亿元) = sums of ``valuation.market_cap`` /
    ``circulating_market_cap``; ``pe_average`` = total cap / total earnings of the stocks with
    a positive ``pe_ratio`` (earnings = cap / pe_ratio); ``turnover_ratio`` (%) = money /
    circulating cap * 100; ``deal_number`` (万笔) = money / 8 万元 / 1e4 (an assumed average
    trade).  Valuation columns are NaN on a store without fundamentals.
    """
    stock, money, vol, _c, _p = _stock_panels(store)
    cap = ccap = pe = None
    try:
        from ..data import fundamentals as F
        if (store.path / F.DIRNAME).exists():
            pn = F.fundamentals_panel(store)
            if pn.has("valuation", "market_cap"):
                cap = np.nan_to_num(pn.valuation("market_cap"))
                ccap = np.nan_to_num(pn.valuation("circulating_market_cap"))
                pe = pn.valuation("pe_ratio")
    except Exception:  # pragma: no cover - no usable fundamentals
        cap = None
    m, v = np.nan_to_num(money), np.nan_to_num(vol)
    if pe is not None:
        with np.errstate(invalid="ignore", divide="ignore"):
            earn = np.where(np.isfinite(pe) & (pe > 0), cap / pe, 0.0)
    parts = []
    T = store.n_days
    for code, name, rule in _EXCHANGE_SEGMENTS:
        mask = (stock & np.array([rule(c) for c in store.codes])).astype(float)
        mo = m @ mask / 1e8
        d = {"exchange_code": code, "exchange_name": name, "date": store.dates,
             "money": np.round(mo, 4), "volume": np.round(v @ mask / 1e8, 4),
             "deal_number": np.round(m @ mask / 8e4 / 1e4, 2)}
        if cap is not None:
            tc, cc = cap @ mask, ccap @ mask
            e = earn @ mask if pe is not None else np.full(T, np.nan)
            d.update(total_market_cap=np.round(tc, 4), circulating_market_cap=np.round(cc, 4),
                     pe_average=np.round(np.divide(tc, e, out=np.full(T, np.nan), where=e > 0), 2),
                     turnover_ratio=np.round(np.divide(mo * 100, cc, out=np.full(T, np.nan), where=cc > 0), 4))
        part = pd.DataFrame(d)
        parts.append(part[part["money"] > 0])
    df = pd.concat(parts, ignore_index=True).sort_values(["date", "exchange_code"], kind="stable").reset_index(drop=True)
    n = len(df)
    data = {c: df[c].to_numpy() for c in df.columns}
    data["date"] = _dates(df["date"].to_numpy())
    data["exchange_code"] = df["exchange_code"].astype(object).to_numpy()
    data["exchange_name"] = df["exchange_name"].astype(object).to_numpy()
    data["id"] = np.arange(1, n + 1)
    return _frame("STK_EXCHANGE_TRADE_INFO", n, data)


_ADVISORS = ("华夏", "易方达", "嘉实", "广发", "南方", "博时", "招商", "富国", "汇添富", "中欧", "景顺", "国泰",
             "华宝", "华安", "天弘", "工银", "建信", "鹏华", "银华", "平安")
_TRUSTEES = ("中国工商银行股份有限公司", "中国建设银行股份有限公司", "中国银行股份有限公司",
             "中国农业银行股份有限公司", "招商银行股份有限公司", "交通银行股份有限公司")
_ASSET_TYPES = {"股票型": 402001, "货币型": 402002, "债券型": 402003, "混合型": 402004, "基金型": 402005,
                "贵金属": 402006}
_MODES = {"开放式基金": 401001, "封闭式基金": 401002, "QDII": 401003, "FOF": 401004, "ETF": 401005, "LOF": 401006}


def _sample_funds(store) -> list:
    """The sample's funds present in the store: (code, display, listing day, kind
    ('etf'/'lof'/'of'), JoinQuant type, underlying spec)."""
    from ..data import sample as S
    out = []
    for e in S._ETFS:
        out.append((e[0], e[1], e[3], "etf", "etf", e[4]))
    for e in S._MORE_FUNDS:
        out.append((e[0], e[1], e[3], e[7], e[7], e[4]))
    for e in S._OF_FUNDS:
        out.append((e[0], e[1], e[3], "of", e[4], e[5]))
    out = [f for f in out if f[0] in store.code_index]
    # one fund per 6-digit code: where the sample lists a fund both on the exchange (LOF) and
    # off it (.OF), the open-end share stands for the fund (its series is the NAV)
    of6 = {f[0][:6] for f in out if f[3] == "of"}
    return [f for f in out if f[3] == "of" or f[0][:6] not in of6]


def _asset_type(kind: str, jtype: str, under: str) -> str:
    if under.startswith("money:") or jtype == "money_market_fund":
        return "货币型"
    if under.startswith("bond:") or jtype == "bond_fund":
        return "债券型"
    if under == "gold":
        return "贵金属"
    if jtype == "mixture_fund":
        return "混合型"
    if jtype == "fund_fund":
        return "基金型"
    return "股票型"


def _fund_main_info(store) -> pd.DataFrame:
    """FUND_MAIN_INFO for the sample's funds (ETFs, LOFs, open-end funds).

    ``main_code`` = the 6-digit code; ``operate_mode`` ETF / LOF / 开放式基金 (QDII for the
    cross-border ETFs); ``underlying_asset_type`` from what the fund tracks (股票型 for
    index/sector baskets and foreign indexes, 债券型, 货币型, 贵金属, 混合型 for the mixed OF
    funds); ``start_date`` = listing / inception; ``end_date`` NULL (none is wound up);
    ``advisor`` from the fund's name (``华夏...`` -> 华夏基金管理有限公司; else a deterministic
    pick), ``trustee`` a deterministic bank.  Type ids (401xxx, 402xxx): UNCONFIRMED."""
    import zlib
    rows = []
    for code, disp, listed, kind, jtype, under in _sample_funds(store):
        at = _asset_type(kind, jtype, under)
        mode = {"etf": "ETF", "lof": "LOF"}.get(kind, "开放式基金")
        if mode == "ETF" and under.startswith("foreign:") or jtype == "QDII_fund":
            mode = "QDII"
        h = zlib.crc32(code.encode())
        adv = next((a for a in _ADVISORS if disp.startswith(a)), _ADVISORS[h % len(_ADVISORS)])
        rows.append((code[:6], disp, f"{adv}基金管理有限公司", _TRUSTEES[h % len(_TRUSTEES)], _MODES[mode], mode,
                     _ASSET_TYPES[at], at, pd.Timestamp(listed)))
    n = len(rows)
    cols = list(zip(*rows)) if rows else [[]] * 9
    data = {"id": np.arange(1, n + 1), "main_code": np.array(cols[0], dtype=object), "name": np.array(cols[1], dtype=object),
            "advisor": np.array(cols[2], dtype=object), "trustee": np.array(cols[3], dtype=object),
            "operate_mode_id": np.array(cols[4], dtype=np.int64), "operate_mode": np.array(cols[5], dtype=object),
            "underlying_asset_type_id": np.array(cols[6], dtype=np.int64),
            "underlying_asset_type": np.array(cols[7], dtype=object),
            "start_date": _dates(np.array(cols[8], dtype="datetime64[ns]"))}
    # invest style (投资风格): public files filter ``invest_style_id.in_(["005001", "005005"])``
    # for 股票型 + 偏股混合型 funds, the evidence for these two ids; the others: UNCONFIRMED
    style = {"股票型": ("005001", "股票型"), "混合型": ("005005", "偏股混合型"),
             "债券型": ("005003", "债券型"), "货币型": ("005004", "货币型")}
    st = [style.get(a, ("005009", "其他")) for a in data["underlying_asset_type"]]
    data["invest_style_id"] = np.array([x[0] for x in st], dtype=object)
    data["invest_style"] = np.array([x[1] for x in st], dtype=object)
    return _frame("FUND_MAIN_INFO", n, data)


def _fund_net_value(store) -> pd.DataFrame:
    """FUND_NET_VALUE: every fund of the store, every trading day it has a bar.

    ``code`` = the 6-digit fund code; ``net_value`` (单位净值) = the day's close (the stores
    hold no separate NAV: an exchange-traded fund's unit NAV is its close, as in
    ``get_extras('unit_net_value')``); ``sum_value`` (累计净值) = ``refactor_net_value`` =
    close * factor (distributions added back, = ``get_extras('acc_net_value')``);
    ``factor`` = ``acc_factor`` = the store's adjustment factor.  A fund the store lists both
    on the exchange and as ``.OF`` is answered from its ``.OF`` series."""
    sec = store.securities
    fund = sec[sec["type"].isin(["fund", "etf", "lof", "open_fund", "mixture_fund", "stock_fund",
                                 "bond_fund", "money_market_fund", "fund_fund", "QDII_fund"])]
    close, fac = store.field("close"), store.field("factor")
    parts = []
    codes = [str(c) for c in fund["code"]]
    of6 = {c[:6] for c in codes if c.endswith(".OF")}
    for c in codes:
        if not c.endswith(".OF") and c[:6] in of6:
            continue                    # the fund's open-end (.OF) series is its NAV
        j = store.col(c)
        ok = np.isfinite(close[:, j])
        k = np.flatnonzero(ok)
        f = np.nan_to_num(fac[k, j], nan=1.0)
        parts.append(pd.DataFrame({"code": c[:6], "day": store.dates[k], "net_value": close[k, j],
                                   "sum_value": np.round(close[k, j] * f, 4), "factor": f, "acc_factor": f,
                                   "refactor_net_value": np.round(close[k, j] * f, 4)}))
    df = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["code", "day"])
    n = len(df)
    data = {c: df[c].to_numpy() for c in df.columns}
    data["day"] = _dates(df["day"].to_numpy())
    data["code"] = df["code"].astype(object).to_numpy()
    data["id"] = np.arange(1, n + 1)
    return _frame("FUND_NET_VALUE", n, data)


_QUARTERS = {3: (403001, "第一季度"), 6: (403002, "第二季度"), 9: (403003, "第三季度"), 12: (403004, "第四季度")}


def _fund_size(code: str) -> float:
    """A sample fund's total assets (元): a deterministic 2-18 亿元 from crc32 of the code."""
    return 2e8 * (1 + zlib.crc32(code.encode()) % 9) * 1.0


def _equity_share(code: str, jtype: str, under: str) -> float:
    """Fraction of a sample fund's assets in stocks: the generated open-end funds' own share
    (``jqlite.data.sample.OF_EQUITY_SHARE``), else 0.90 for funds tracking stocks and 0 for
    bond / money / gold / foreign-index funds."""
    from ..data import sample as S
    if code in S.OF_EQUITY_SHARE:
        return float(S.OF_EQUITY_SHARE[code])
    if under.startswith(("index:", "sector:", "board:")) or under == "sse50":
        return 0.90
    return 0.0


def _is_active(kind: str, disp: str, under: str) -> bool:
    """An actively managed sample fund: an open-end fund holding a sector basket whose name
    does not say it tracks an index (指数)."""
    return kind == "of" and under.startswith("sector:") and "指数" not in disp


def _fund_holdings(store):
    """Per sample equity fund and quarter end: the full stock holdings.

    Yields ``(code, disp, kind, jtype, under, q, i, cols, prop)`` with ``cols`` the store
    columns held and ``prop`` their % of NAV (descending).  Rules: see
    :func:`_fund_portfolio_stock`."""
    from ..data import fundamentals as F
    if not (store.path / F.DIRNAME).exists():
        return
    pn = F.fundamentals_panel(store)
    if not pn.has("valuation", "market_cap"):
        return
    cap = pn.valuation("market_cap")
    close = store.field("close")
    sec = store.securities
    stock_codes = sec.loc[sec["type"] == "stock", "code"].astype(str).tolist()
    sectors = None
    try:
        from ..data.sample import sample_sectors
        sectors = sample_sectors(store.path)["sector"].to_dict()
    except Exception:  # pragma: no cover - not a sample store
        pass
    basket_cols: dict = {}
    ranked: dict = {}
    last = store.dates[-1]
    qs = pd.date_range(store.dates[0], last, freq="QE")
    ncol = len(store.codes)
    for code, disp, listed, kind, jtype, under in _sample_funds(store):
        if not under.startswith(("index:", "sector:")) or _asset_type(kind, jtype, under) not in ("股票型", "混合型"):
            continue
        eq = 100.0 * _equity_share(code, jtype, under)
        active = _is_active(kind, disp, under)
        seed = zlib.crc32(code.encode())
        z_fixed = np.random.default_rng(seed).standard_normal(ncol) if active else None
        spec = under.split(":", 1)[1]
        for q in qs:
            if q < pd.Timestamp(listed) or q + pd.Timedelta(21, unit="D") > last:
                continue
            i = store.day_index(q, "right")
            if i < 0:
                continue
            key = (under, i)
            if key not in ranked:
                day = store.dates[i]
                if under.startswith("index:"):
                    members = store.index_members(spec, day)
                elif sectors is not None:
                    if spec not in basket_cols:
                        want = set(spec.split("+"))
                        basket_cols[spec] = [c for c in stock_codes if sectors.get(c) in want]
                    members = basket_cols[spec]
                else:
                    members = []
                cols = np.array([store.col(c) for c in members if c in store.code_index], dtype=np.int64)
                cv = cap[i, cols] if len(cols) else np.zeros(0)
                ok = np.isfinite(cv) & (cv > 0) & np.isfinite(close[i, cols]) if len(cols) else np.zeros(0, bool)
                cols, cv = cols[ok], cv[ok]
                order = np.argsort(-cv, kind="stable")
                ranked[key] = (cols[order], cv[order])
            cols, cv = ranked[key]
            if not len(cols):
                continue
            if active:
                zq = np.random.default_rng([seed, q.year, q.month]).standard_normal(ncol)
                z = 0.8 * z_fixed[cols] + 0.6 * zq[cols]
                score = 0.5 * np.log(cv) + z
                pick = np.argsort(-score, kind="stable")[:40]
                w = np.exp(score[pick] - score[pick].max())
                prop = eq * w / w.sum()
                o = np.argsort(-prop, kind="stable")
                yield code, disp, kind, jtype, under, q, i, cols[pick][o], prop[o]
            else:
                yield code, disp, kind, jtype, under, q, i, cols, eq * cv / cv.sum()


def _fund_portfolio_stock(store) -> pd.DataFrame:
    """FUND_PORTFOLIO_STOCK: the ten largest stock holdings of each sample equity fund per
    quarter.

    For each fund tracking stocks (an index's members, or sector baskets) and each quarter end
    ``Q`` in the store (after the fund's start): the basket on ``Q`` (``index:`` -> the
    index's members that day; ``sector:a+b`` -> the listed stocks of those sample sectors)
    with ``valuation.market_cap`` on the last trading day <= ``Q``.  The fund holds ``E`` % of
    its assets in stocks (``E`` = 90 for the exchange funds and the famous open-end funds, the
    generated open-end funds their own 60-95, ``jqlite.data.sample.OF_EQUITY_SHARE``):

    * an index fund (an ETF / LOF, or an open-end fund on an ``index:`` basket or named
      指数) holds the whole basket cap-weighted: ``proportion`` (% of NAV) = E * cap_i /
      basket cap, so its ten rows are the ten largest caps;
    * an actively managed open-end fund (a ``sector:`` basket, no 指数 in its name) holds 40
      stocks of its basket picked by ``score = 0.5 * ln(cap) + z`` with ``z = 0.8 * a + 0.6 *
      b`` (``a`` a fixed standard normal per fund and stock, ``b`` redrawn each quarter --
      deterministic, keyed by crc32 of the fund code), weighted by ``exp(score)``: funds of one
      theme hold different stocks and turn over part of them each quarter.

    ``market_cap`` (元) = proportion / 100 * fund size, the size a deterministic 2-18 亿元
    (crc32 of the code); ``shares`` = market_cap / close on that day (rounded); ``name`` the
    stock's current display name.  ``pub_date`` = ``Q`` + 21 days (quarterly reports come
    within 15 working days), rows published after the store's last day are left out;
    ``report_type`` 第一季度 ... 第四季度 (ids 403001-403004, UNCONFIRMED).
    """
    close = store.field("close")
    sec = store.securities
    names = dict(zip(sec["code"].astype(str), sec["display_name"].astype(str)))
    rows = []
    for code, _disp, _k, _jt, _u, q, i, cols, prop_all in _fund_holdings(store):
        size = _fund_size(code)
        js = cols[:10]
        prop = np.round(prop_all[:10], 2)
        mc = np.round(prop / 100.0 * size, 2)
        shares = np.round(mc / close[i, js])
        rid, rname = _QUARTERS[q.month]
        qs0, qd = pd.Timestamp(q.year, q.month - 2, 1), q + pd.Timedelta(21, unit="D")
        for rank, (j, p_, m_, sh) in enumerate(zip(js.tolist(), prop.tolist(), mc.tolist(), shares.tolist()), 1):
            c_ = store.codes[j]
            rows.append((code[:6], qs0, q, qd, rid, rname, rank, c_[:6], names.get(c_), sh, m_, p_))
    n = len(rows)
    cols_ = list(zip(*rows)) if rows else [[]] * 12
    data = {"id": np.arange(1, n + 1), "code": np.array(cols_[0], dtype=object),
            "period_start": _dates(np.array(cols_[1], dtype="datetime64[ns]")),
            "period_end": _dates(np.array(cols_[2], dtype="datetime64[ns]")),
            "pub_date": _dates(np.array(cols_[3], dtype="datetime64[ns]")),
            "report_type_id": np.array(cols_[4], dtype=np.int64), "report_type": np.array(cols_[5], dtype=object),
            "rank": np.array(cols_[6], dtype=np.int64), "symbol": np.array(cols_[7], dtype=object),
            "name": np.array(cols_[8], dtype=object), "shares": np.array(cols_[9], dtype=float),
            "market_cap": np.array(cols_[10], dtype=float), "proportion": np.array(cols_[11], dtype=float)}
    data["deadline"] = data["period_end"]
    return _frame("FUND_PORTFOLIO_STOCK", n, data)


def _fund_portfolio(store) -> pd.DataFrame:
    """FUND_PORTFOLIO (基金资产组合概况): each sample fund's asset mix per quarter.

    One row per fund (ETFs, LOFs, open-end funds of every type) and quarter end ``Q`` after
    its start with ``pub_date = Q + 21`` days inside the store.  ``total_asset`` (元) = the
    fund's size (:func:`_fund_size`, 2-18 亿元); the mix in % of total assets
    (``*_rate``; ``*_value`` = rate / 100 * total_asset, 元):

    * equity funds (股票型 / 混合型 tracking stocks): ``stock_rate`` = the fund's equity share
      E (as FUND_PORTFOLIO_STOCK) plus, for the actively managed ones, a quarterly move drawn
      uniformly in +-3 points (deterministic, crc32 of the code and the quarter), capped to
      [0, 95]; ``fixed_income_rate`` = 0.6 * (100 - stock_rate), the rest ``deposit``;
    * bond funds: ``fixed_income_rate`` 92, ``deposit_rate`` 8; money-market funds:
      ``fixed_income_rate`` 55, ``buying_back_rate`` (买入返售) 30, ``deposit_rate`` 15;
      gold funds: ``precious_metal_rate`` 95, deposit 5; foreign-index (QDII / cross-border)
      funds: ``stock_rate`` E or 92, deposit the rest.

    ``equity_value`` = ``stock_value`` (no fund-of-fund holdings: ``fund_value`` 0);
    ``derivative_value``, ``others_value`` 0.  ``report_type`` 第一季度 ... 第四季度 (ids
    403001-403004, UNCONFIRMED); the half-year / annual reports are not repeated as rows.
    Column list: JoinQuant's 基金资产组合概况 (FUND_PORTFOLIO) table.
    """
    last = store.dates[-1]
    qs = pd.date_range(store.dates[0], last, freq="QE")
    rows = []
    for code, disp, listed, kind, jtype, under in _sample_funds(store):
        at = _asset_type(kind, jtype, under)
        size = _fund_size(code)
        eq = 100.0 * _equity_share(code, jtype, under)
        active = _is_active(kind, disp, under) or jtype == "mixture_fund"
        for q in qs:
            if q < pd.Timestamp(listed) or q + pd.Timedelta(21, unit="D") > last:
                continue
            stock = fixed = metal = back = 0.0
            if at in ("股票型", "混合型") and under.startswith(("index:", "sector:", "board:")) or under == "sse50":
                stock = eq
                if active:
                    u = np.random.default_rng([zlib.crc32(code.encode()), q.year, q.month, 7]).uniform(-3, 3)
                    stock = min(max(eq + u, 0.0), 95.0)
                fixed = 0.6 * (100.0 - stock)
            elif at == "债券型":
                fixed = 92.0
            elif at == "货币型":
                fixed, back = 55.0, 30.0
            elif at == "贵金属":
                metal = 95.0
            else:                       # foreign-index funds
                stock = eq if eq > 0 else 92.0
            stock = round(stock, 2)
            fixed = round(fixed, 2)
            dep = round(100.0 - stock - fixed - metal - back, 2)
            rid, rname = _QUARTERS[q.month]
            rows.append((code[:6], pd.Timestamp(q.year, q.month - 2, 1), q, q + pd.Timedelta(21, unit="D"), rid, rname,
                         stock, fixed, metal, back, dep, size))
    n = len(rows)
    c = list(zip(*rows)) if rows else [[]] * 12
    size = np.array(c[11], dtype=float)

    def val(rate):
        return np.round(rate / 100.0 * size, 2)

    stock, fixed, metal, back, dep = (np.array(c[k], dtype=float) for k in range(6, 11))
    zero = np.zeros(n)
    data = {"id": np.arange(1, n + 1), "code": np.array(c[0], dtype=object),
            "period_start": _dates(np.array(c[1], dtype="datetime64[ns]")),
            "period_end": _dates(np.array(c[2], dtype="datetime64[ns]")),
            "pub_date": _dates(np.array(c[3], dtype="datetime64[ns]")),
            "report_type_id": np.array(c[4], dtype=np.int64), "report_type": np.array(c[5], dtype=object),
            "equity_value": val(stock), "equity_rate": stock, "stock_value": val(stock), "stock_rate": stock,
            "fund_value": zero, "fund_rate": zero, "fixed_income_value": val(fixed), "fixed_income_rate": fixed,
            "precious_metal_value": val(metal), "precious_metal_rate": metal,
            "derivative_value": zero, "derivative_rate": zero,
            "buying_back_value": val(back), "buying_back_rate": back,
            "deposit_value": val(dep), "deposit_rate": dep, "others_value": zero, "others_rate": zero,
            "total_asset": size}
    return _frame("FUND_PORTFOLIO", n, data)


def _gta_dividend(store) -> pd.DataFrame:
    """gta.STK_MKT_DIVIDENT (国泰安 分红, CSMAR's dividend table) from the stock events of
    STK_XR_XD, per share instead of per 10 shares.

    ``SYMBOL`` = the 6-digit code; ``EXDIVIDENDDATE`` = ``a_xr_date``; ``RECORDDATE`` =
    ``FINALTRADINGDATE`` = ``a_registration_date`` (the last day trading with the right);
    ``PAYMENTDATE`` = ``a_bonus_date``; ``DECLAREDATE`` = ``implementation_pub_date``;
    ``DIVIDENTBT`` (每股税前派息, 元) = ``bonus_ratio_rmb / 10``; ``DIVIDENTAT`` (税后) =
    ``DIVIDENTBT * 0.9`` (the 10 % withheld on a holding of one month to a year -- the
    figure announcements print as 税后); ``BONUSRATIO`` (每股送股) = ``dividend_ratio / 10``;
    ``CONVERSIONRATIO`` (每股转增) = ``transfer_ratio / 10``; no rights issues
    (``ALLOTMENT*`` NULL); ``CURRENCYCODE`` ``CNY``; ``SECURITYID`` = 2e11 + the 6-digit
    code (CSMAR's own ids are not known here).  Column list: the gta table's model as
    JoinQuant's jqdata client declared it (SECURITYID ... CONVERSIONRATIO)."""
    x = _table(store, "STK_XR_XD")
    sec = store.securities
    stocks = set(sec.loc[sec["type"] == "stock", "code"].astype(str))
    x = x[x["code"].isin(stocks)].reset_index(drop=True)
    n = len(x)
    code6 = x["code"].str[:6].astype(object).to_numpy()
    bt = np.round(x["bonus_ratio_rmb"].to_numpy(np.float64) / 10.0, 6)
    data = {"SECURITYID": np.array([200000000000 + int(c) for c in code6], dtype=np.int64),
            "EXDIVIDENDDATE": x["a_xr_date"].to_numpy(), "DECLAREDATE": x["implementation_pub_date"].to_numpy(),
            "SYMBOL": code6, "RECORDDATE": x["a_registration_date"].to_numpy(),
            "FINALTRADINGDATE": x["a_registration_date"].to_numpy(), "PAYMENTDATE": x["a_bonus_date"].to_numpy(),
            "CURRENCYCODE": np.full(n, "CNY", dtype=object), "DIVIDENTBT": bt,
            "DIVIDENTAT": np.round(bt * 0.9, 6),
            "BONUSRATIO": np.round(x["dividend_ratio"].to_numpy(np.float64) / 10.0, 6),
            "CONVERSIONRATIO": np.round(x["transfer_ratio"].to_numpy(np.float64) / 10.0, 6)}
    return _frame("STK_MKT_DIVIDENT", n, data)


def _connect_members(store, indexes=("000300.XSHG", "000905.XSHG")) -> np.ndarray:
    """(n_days, n_sec) bool: the stocks Stock Connect (northbound) may buy on a day -- in the
    sample, the members of 000300 or 000905 that day (the real lists are the large and mid
    caps of 上证180/380 and 深证成指/中小创新指数); ``indexes`` narrows it."""
    im = store.table("index_members")
    im = im[im["index_code"].isin(list(indexes))]
    out = np.zeros((store.n_days, len(store.codes)), bool)
    dates = store.dates.values
    for c, a, b in zip(im["code"], im["start_date"], im["end_date"]):
        if c not in store.code_index:
            continue
        i0, i1 = np.searchsorted(dates, np.datetime64(a)), np.searchsorted(dates, np.datetime64(b), side="right")
        out[i0:i1, store.col(c)] = True
    return out


def _hk_hold_info(store) -> pd.DataFrame:
    """STK_HK_HOLD_INFO (沪深港通持股), synthesised for the sample's northbound holdings.

    From 2017-03-17 (the first day HKEX published holdings), each trading day, for link 310001
    (沪股通: XSHG) / 310002 (深股通: XSHE) and each 000300 member that day (the holdings of
    the larger Stock Connect stocks; the table stays ~650k rows): ``share_ratio`` (% of the A shares) = ``base * exp(0.35 *
    sin(2 pi t / 480 + phase))`` with ``t`` the trading-day number, ``base`` in 0.3-8 %
    and ``phase`` fixed per stock (crc32 of the code), rounded to 2 decimals;
    ``share_number`` = share_ratio / 100 * ``capitalization`` (万股) * 1e4, rounded.
    Identity: ``share_number / (capitalization * 1e4) * 100 = share_ratio`` (to rounding)."""
    import zlib
    stock = (store.securities.loc[store.codes, "type"] == "stock").to_numpy()
    elig = _connect_members(store, ("000300.XSHG",)) & stock[None, :]
    cap = _capitalization(store)
    t = np.arange(store.n_days, dtype=float)
    base = np.array([0.3 + 7.7 * ((zlib.crc32(c.encode()) % 1000) / 1000.0) ** 2 for c in store.codes])
    phase = np.array([2 * np.pi * (zlib.crc32((c + "/hk").encode()) % 1000) / 1000.0 for c in store.codes])
    first = int(np.searchsorted(store.dates.values, np.datetime64("2017-03-17")))
    names = dict(zip(store.securities["code"].astype(str), store.securities["display_name"].astype(str)))
    parts = []
    for lid, lname, sfx in ((310001, "沪股通", ".XSHG"), (310002, "深股通", ".XSHE")):
        ex = np.array([c.endswith(sfx) for c in store.codes])
        m = elig[first:] & ex[None, :]
        rr, cc = np.nonzero(m)
        rr = rr + first
        ratio = np.round(base[cc] * np.exp(0.35 * np.sin(2 * np.pi * t[rr] / 480.0 + phase[cc])), 2)
        shares = np.round(ratio / 100.0 * cap[0][rr, cc] * 1e4) if cap is not None else np.full(len(rr), np.nan)
        codes = store.codes[cc]
        parts.append(pd.DataFrame({"day": store.dates.values[rr], "link_id": lid, "link_name": lname,
                                   "code": codes, "name": [names.get(c) for c in codes],
                                   "share_number": shares, "share_ratio": ratio}))
    df = pd.concat(parts, ignore_index=True).sort_values(["day", "link_id", "code"], kind="stable")
    df = df.reset_index(drop=True)
    n = len(df)
    data = {c: df[c].to_numpy() for c in df.columns}
    data["day"] = _dates(df["day"].to_numpy())
    for c in ("link_name", "code", "name"):
        data[c] = df[c].astype(object).to_numpy()
    data["id"] = np.arange(1, n + 1)
    return _frame("STK_HK_HOLD_INFO", n, data)


def _el_top_activate(store) -> pd.DataFrame:
    """STK_EL_TOP_ACTIVATE (沪深港通十大成交活跃股), northbound links of the sample.

    Per trading day from the link's opening (沪股通 2014-11-17, 深股通 2016-12-05): the ten
    Stock Connect stocks (:func:`_connect_members`) of the exchange with the largest turnover;
    ``total`` (元) = 6 % of the stock's turnover (the share :func:`_ml_quota` gives the link),
    net buying ``buy - sell`` = ``total * clip(8 r, -0.3, 0.3)`` (``r`` the stock's return
    that day); ``rank`` 1..10 by ``total``.  Identity: ``buy + sell = total``."""
    stock, money, _vol, close, pre = _stock_panels(store)
    elig = _connect_members(store) & stock[None, :]
    m = np.where(elig, np.nan_to_num(money), 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        ret = np.where(np.isfinite(close) & (pre > 0), close / pre - 1.0, 0.0)
    names = dict(zip(store.securities["code"].astype(str), store.securities["display_name"].astype(str)))
    rows = []
    for lid, lname, sfx, exch, first in ((310001, "沪股通", ".XSHG", "上海证券交易所", "2014-11-17"),
                                         (310002, "深股通", ".XSHE", "深圳证券交易所", "2016-12-05")):
        ex = np.array([c.endswith(sfx) for c in store.codes])
        mm = np.where(ex[None, :], m, 0.0)
        i0 = int(np.searchsorted(store.dates.values, np.datetime64(first)))
        top = np.argsort(-mm[i0:], axis=1, kind="stable")[:, :10]
        for k in range(top.shape[0]):
            i = i0 + k
            for rank, j in enumerate(top[k], 1):
                if mm[i, j] <= 0:
                    break
                tot = round(0.06 * mm[i, j], 2)
                net = tot * float(np.clip(8.0 * ret[i, j], -0.3, 0.3))
                buy = round((tot + net) / 2, 2)
                rows.append((store.dates[i], lid, lname, rank, store.codes[j], names.get(store.codes[j]), exch,
                             buy, round(tot - buy, 2), tot))
    df = pd.DataFrame(rows, columns=["day", "link_id", "link_name", "rank", "code", "name", "exchange",
                                     "buy", "sell", "total"])
    df = df.sort_values(["day", "link_id", "rank"], kind="stable").reset_index(drop=True)
    n = len(df)
    data = {c: df[c].to_numpy() for c in df.columns}
    data["day"] = _dates(df["day"].to_numpy())
    for c in ("link_name", "code", "name", "exchange"):
        data[c] = df[c].astype(object).to_numpy()
    data["id"] = np.arange(1, n + 1)
    return _frame("STK_EL_TOP_ACTIVATE", n, data)


_AUDITORS = ("普华永道中天会计师事务所(特殊普通合伙)", "德勤华永会计师事务所(特殊普通合伙)",
             "安永华明会计师事务所(特殊普通合伙)", "毕马威华振会计师事务所(特殊普通合伙)",
             "立信会计师事务所(特殊普通合伙)", "天健会计师事务所(特殊普通合伙)",
             "信永中和会计师事务所(特殊普通合伙)", "致同会计师事务所(特殊普通合伙)")


def _audit_opinion(store) -> pd.DataFrame:
    """STK_AUDIT_OPINION (审计意见) of the sample: one row per stock and annual report.

    ``end_date`` = the report's period (12-31), ``pub_date`` = the annual report's ``pubDate``
    in the store's fundamentals (income table), ``report_type`` 0 (annual report);
    ``opinion_type`` 标准无保留意见 (id 1), or 带强调事项段的无保留意见 (id 2) for a stock
    that is ST on the publication day; ``accounting_firm`` a deterministic pick (crc32 of the
    code; one of the large firms).  Type ids: UNCONFIRMED.  Empty without fundamentals."""
    import zlib
    from ..data import fundamentals as F
    f = store.path / F.DIRNAME / "income.parquet"
    if not f.exists():
        return _frame("STK_AUDIT_OPINION", 0, {})
    inc = pd.read_parquet(f, columns=["code", "statDate", "pubDate"])
    inc = inc[pd.to_datetime(inc["statDate"]).dt.month == 12]
    inc = inc[inc["code"].isin(set(store.securities.loc[store.securities["type"] == "stock", "code"]))]
    inc = inc.sort_values(["code", "statDate"], kind="stable").reset_index(drop=True)
    n = len(inc)
    pub = pd.to_datetime(inc["pubDate"])
    st = store.st_matrix()
    di = np.array([store.day_index(d, "right") for d in pub], dtype=np.int64)
    cols = np.array([store.col(c) for c in inc["code"]], dtype=np.int64)
    is_st = np.zeros(n, bool)
    ok = di >= 0
    is_st[ok] = st[di[ok], cols[ok]]
    codes = inc["code"].astype(str).to_numpy()
    names = dict(zip(store.securities["code"].astype(str), store.securities["display_name"].astype(str)))
    data = {"id": np.arange(1, n + 1), "code": codes.astype(object),
            "company_name": np.array([f"{names.get(c)}股份有限公司" for c in codes], dtype=object),
            "pub_date": _dates(pub.to_numpy()), "end_date": _dates(pd.to_datetime(inc["statDate"]).to_numpy()),
            "report_type": np.zeros(n, dtype=np.int64),
            "accounting_firm": np.array([_AUDITORS[zlib.crc32(c.encode()) % len(_AUDITORS)] for c in codes],
                                        dtype=object),
            "opinion_type_id": np.where(is_st, 2, 1),
            "opinion_type": np.where(is_st, "带强调事项段的无保留意见", "标准无保留意见").astype(object)}
    return _frame("STK_AUDIT_OPINION", n, data)


def _manufacturing_pmi(store) -> pd.DataFrame:
    """macro.MAC_MANUFACTURING_PMI (制造业采购经理指数, monthly, from 2005-01 as NBS publishes it)
    for the sample market: the thirteen sub-indexes follow deterministic AR(1) paths around
    their usual levels, and ``pmi`` is NBS's composite of five of them,
    ``0.30 new_orders + 0.25 produce + 0.20 employ + 0.15 (100 - delivery_time) + 0.10
    raw_material`` (国家统计局, 采购经理指数调查制度), each rounded to 0.1 as published."""
    months = pd.period_range("2005-01", pd.Timestamp(store.dates[-1]).to_period("M"), freq="M")
    n = len(months)
    rng = np.random.default_rng(zlib.crc32(b"macro:MAC_MANUFACTURING_PMI"))
    cycle = np.zeros(n)                      # the common business cycle
    for t in range(1, n):
        cycle[t] = 0.8 * cycle[t - 1] + rng.normal(0.0, 0.9)

    def sub(level, beta, sd):
        x = np.zeros(n)
        e = rng.normal(0.0, sd, n)
        for t in range(n):
            x[t] = (0.5 * x[t - 1] if t else 0.0) + e[t]
        return np.round(np.clip(level + beta * cycle + x, 30.0, 70.0), 1)

    d = {"produce_idx": sub(52.0, 1.2, 0.6), "new_orders_idx": sub(50.8, 1.3, 0.6),
         "new_export_orders_idx": sub(48.0, 1.1, 1.0), "order_in_hand_idx": sub(45.5, 0.9, 0.8),
         "finished_produce_idx": sub(47.5, 0.4, 0.8), "purchase_quantity_idx": sub(51.0, 1.2, 0.7),
         "import_idx": sub(48.5, 1.0, 0.9), "exfactory_idx": sub(50.0, 2.0, 2.5),
         "purchases_idx": sub(53.0, 2.0, 2.5), "raw_material_idx": sub(48.0, 0.5, 0.6),
         "employ_idx": sub(49.0, 0.6, 0.4), "delivery_time_idx": sub(50.0, -0.3, 0.4),
         "production_expected_idx": sub(57.5, 0.8, 1.2)}
    pmi = (0.30 * d["new_orders_idx"] + 0.25 * d["produce_idx"] + 0.20 * d["employ_idx"]
           + 0.15 * (100.0 - d["delivery_time_idx"]) + 0.10 * d["raw_material_idx"])
    data = {"id": np.arange(1, n + 1, dtype=np.int64),
            "stat_month": np.array([str(m) for m in months], dtype=object),
            "pmi": np.round(pmi, 1), **d}
    return _frame("MAC_MANUFACTURING_PMI", n, data)


# ---------------------------------------------------------------------------- jy (聚源 / JuYuan)
#: JuYuan's codes (its data dictionary, CT_SystemConst): SecuMarket (LB 201) 83 上海证券交易所,
#: 90 深圳证券交易所; SecuCategory (LB 1177) 1 A股, 4 大盘 (indexes), 8 开放式基金 (exchange funds);
#: ListedSector (LB 207) 1 主板, 2 中小企业板, 6 创业板, 7 科创板; ListedState (LB 1176) 1 上市,
#: 5 终止.
_JY_MARKET = {"XSHG": 83, "XSHE": 90}
_JY_CATEGORY = {"stock": 1, "index": 4, "etf": 8, "lof": 8, "fja": 8, "fjb": 8, "fjm": 8}


def _jy_inner_code(code: str, category: int) -> int:
    """jqlite's stand-in for JuYuan's ``InnerCode`` (JuYuan's own numbers are not public):
    ``1_000_000 * k + int(6-digit code)`` with ``k`` = 1/2 (A shares SSE/SZSE), 3/4 (indexes),
    5/6 (exchange funds) -- unique per security and the same in every store."""
    k = {1: 1, 4: 3, 8: 5}[category] + (0 if code.endswith(".XSHG") else 1)
    return 1_000_000 * k + int(code[:6])


def _jy_listed_sector(code: str, typ: str):
    """JuYuan's 上市板块 of a stock from its code: 688 科创板 7, 300/301 创业板 6, 002/003
    中小企业板 2 (the board merged into the SZSE main board on 2021-04-06), else 主板 1;
    exchange funds 1; indexes NULL."""
    if typ == "index":
        return None
    if typ != "stock":
        return 1
    c = code[:3]
    return 7 if c == "688" else 6 if c in ("300", "301") else 2 if c in ("002", "003") else 1


def _jy_secumain(store) -> pd.DataFrame:
    """jy.SecuMain (证券主表) from the securities master: one row per stock (``SecuCategory`` 1),
    index (4) and exchange fund (8: ETF/LOF/分级) of the SSE (``SecuMarket`` 83) and SZSE (90).

    ``SecuCode`` = the 6-digit code (so 000001 is both 平安银行 and 上证指数, told apart by
    ``SecuCategory``, as in JuYuan); ``InnerCode`` = :func:`_jy_inner_code`; ``CompanyCode`` =
    the stock's ``company_id`` of ``finance.STK_COMPANY_INFO`` (NULL for funds and indexes);
    ``SecuAbbr`` = ``ChiNameAbbr`` = the display name; ``ChiName`` = the company name of
    STK_COMPANY_INFO for stocks (the display name otherwise); ``ChiSpelling`` = the pinyin
    abbreviation; ``ListedDate`` = the listing day; ``ListedSector`` = :func:`_jy_listed_sector`;
    ``ListedState`` 1 (上市) while listed at the store's end, 5 (终止) after delisting.
    ``EngName``, ``EngNameAbbr``, ``ISIN`` NULL.  Securities synthesised on demand are not
    listed (as in STK_LIST).  Rows ordered by InnerCode."""
    sec = store.securities
    sec = sec[sec["type"].isin(list(_JY_CATEGORY)) & sec["code"].astype(str).str[-4:].isin(list(_JY_MARKET))
              & ~sec["code"].isin(list(store.on_demand))]
    codes = sec["code"].astype(str).to_numpy()
    types = sec["type"].astype(str).to_numpy()
    cat = np.array([_JY_CATEGORY[t] for t in types], dtype=np.int64)
    inner = np.array([_jy_inner_code(c, k) for c, k in zip(codes, cat)], dtype=np.int64)
    order = np.argsort(inner, kind="stable")
    sec, codes, types, cat, inner = sec.iloc[order], codes[order], types[order], cat[order], inner[order]
    n = len(codes)
    info = _table(store, "STK_COMPANY_INFO")
    company = dict(zip(info["code"], info["company_id"]))
    full = dict(zip(info["code"], info["full_name"]))
    disp = sec["display_name"].astype(object).to_numpy()
    far = pd.Timestamp("2200-01-01")
    company_code = np.array([company.get(c) for c in codes], dtype=object)
    data = {"ID": np.arange(1, n + 1), "InnerCode": inner, "CompanyCode": company_code,
            "SecuCode": np.array([c[:6] for c in codes], dtype=object),
            "ChiName": np.array([full.get(c, d) for c, d in zip(codes, disp)], dtype=object),
            "ChiNameAbbr": disp, "SecuAbbr": disp, "ChiSpelling": sec["name"].astype(object).to_numpy(),
            "SecuMarket": np.array([_JY_MARKET[c[-4:]] for c in codes], dtype=np.int64),
            "SecuCategory": cat, "ListedDate": _dates(sec["start_date"].to_numpy()),
            "ListedSector": np.array([_jy_listed_sector(c, t) for c, t in zip(codes, types)], dtype=object),
            "ListedState": np.where((sec["end_date"] >= far).to_numpy(), 1, 5).astype(np.int64)}
    return _frame("SecuMain", n, data)


#: LC_DIndicesForValuation column <- (store valuation column, scale): JuYuan's PE is the TTM
#: ratio (PELYR the last year's), PB the latest report's, PSTTM / PCFTTM / PCFSTTM the TTM
#: price-to-sales, -to-operating-cash-flow and -to-net-cash-flow ratios (JuYuan's "S" =
#: 现金净流量), DividendRatio the TTM cash dividend yield as a fraction (0.03 = 3 %; the store's
#: ``dividend_ratio`` is in %), TotalMV / NegotiableMV in yuan (the store's caps are in 亿元)
_JY_VALUATION = {"PE": ("pe_ratio", 1.0), "PB": ("pb_ratio", 1.0), "DividendRatio": ("dividend_ratio", 0.01),
                 "PSTTM": ("ps_ratio", 1.0), "TotalMV": ("market_cap", 1e8),
                 "NegotiableMV": ("circulating_market_cap", 1e8), "PELYR": ("pe_ratio_lyr", 1.0),
                 "PCFTTM": ("pcf_ratio2", 1.0), "PCFSTTM": ("pcf_ratio", 1.0)}


def _jy_valuation(store):
    """jy.LC_DIndicesForValuation (公司指标-估值, daily) from the store's ``valuation`` table, as a
    pyarrow Table (one row per stock of jy.SecuMain and trading day with a valuation row:
    ~2 M rows for the sample, so no pandas copy is kept).

    ``InnerCode`` = the stock's jy.SecuMain InnerCode; ``TradingDay`` = the day; the ratios
    per :data:`_JY_VALUATION` (e.g. ``DividendRatio = valuation.dividend_ratio / 100``,
    ``TotalMV = valuation.market_cap * 1e8``).  PCF, PS, PCFS, DividendRatioLYR and the
    enterprise values (LYR / EV figures the store does not hold) are NULL.  A store without
    fundamentals answers an empty table and records a data gap."""
    import pyarrow as pa
    from ..data import fundamentals as F
    names = [c for c, _ in _ALL_COLUMNS["LC_DIndicesForValuation"]]
    sm = _table(store, "SecuMain")
    stocks = sm[sm["SecuCategory"] == 1]
    codes = [f"{c}.{'XSHG' if m == 83 else 'XSHE'}" for c, m in zip(stocks["SecuCode"], stocks["SecuMarket"])]
    panel = None
    if (store.path / F.DIRNAME).exists():
        p = F.fundamentals_panel(store)
        if p.has("valuation", "market_cap"):
            panel = p
    if panel is None or not codes:
        from .reference import _warn_once
        _warn_once("jy.run_query", "valuation data (jy.LC_DIndicesForValuation)")
        types = {_F: pa.float64(), _D: pa.date32(), _I: pa.int64()}
        return pa.Table.from_arrays([pa.array([], type=types[t]) for _, t in _ALL_COLUMNS["LC_DIndicesForValuation"]],
                                    names=names)
    cols = np.array([store.col(c) for c in codes])
    present = panel.valuation_present()[:, cols]
    rr, cc = np.nonzero(present)                 # row-major: by day, then by InnerCode
    n = len(rr)
    arrays = {"ID": pa.array(np.arange(1, n + 1, dtype=np.int64)),
              "InnerCode": pa.array(stocks["InnerCode"].to_numpy(np.int64)[cc]),
              "TradingDay": pa.array(store.dates.values.astype("datetime64[D]")[rr], type=pa.date32())}
    for col, (src, scale) in _JY_VALUATION.items():
        if panel.has("valuation", src):
            v = panel.valuation(src)[:, cols][rr, cc] * scale
            arrays[col] = pa.array(v, type=pa.float64(), mask=np.isnan(v))
    # the all-NULL float columns share one pair of buffers (the table is large)
    null_f = pa.Array.from_buffers(pa.float64(), n, [pa.py_buffer(np.zeros((n + 7) // 8, np.uint8)),
                                                     pa.py_buffer(np.zeros(n, np.float64))], null_count=n)
    return pa.Table.from_arrays([arrays.get(c, null_f) for c in names], names=names)


_BUILDERS = {"STK_XR_XD": _xr_xd, "STK_LIST": _stk_list, "STK_CAPITAL_CHANGE": _capital_change,
             "STK_COMPANY_INFO": _company_info, "STK_ML_QUOTA": _ml_quota,
             "STK_EXCHANGE_TRADE_INFO": _exchange_trade_info, "FUND_MAIN_INFO": _fund_main_info,
             "FUND_NET_VALUE": _fund_net_value, "FUND_PORTFOLIO_STOCK": _fund_portfolio_stock,
             "FUND_PORTFOLIO": _fund_portfolio, "STK_MKT_DIVIDENT": _gta_dividend,
             "STK_HK_HOLD_INFO": _hk_hold_info, "STK_EL_TOP_ACTIVATE": _el_top_activate,
             "STK_AUDIT_OPINION": _audit_opinion, "MAC_MANUFACTURING_PMI": _manufacturing_pmi,
             "SecuMain": _jy_secumain, "LC_DIndicesForValuation": _jy_valuation,
             **{t: (lambda store, t=t: _frame(t, 0, {})) for t in _EMPTY}}


def _opt_builder(name: str):
    def build(store):
        from . import options_db
        return options_db.build(store, name)
    return build


_BUILDERS.update({t: _opt_builder(t) for t in _OPT_COLUMNS if t not in _EMPTY})


def _sample_only_elsewhere(store, name: str) -> bool:
    """A sample-only table (:data:`_SAMPLE_ONLY`) asked of a store that is not the sample."""
    return name in _SAMPLE_ONLY and store.meta.get("name") != "sample"


def _table(store, name: str) -> pd.DataFrame:
    from .reference import memo
    if _sample_only_elsewhere(store, name):
        return memo(store, ("finance_table", name, "empty"), lambda: _frame(name, 0, {}))
    return memo(store, ("finance_table", name), lambda: _BUILDERS[name](store))


# ---------------------------------------------------------------------------- run_query
def _arrow(df: pd.DataFrame, name: str):
    import pyarrow as pa
    if isinstance(df, pa.Table):          # a builder that answers arrow directly
        return df
    types = {_S: pa.string(), _F: pa.float64(), _D: pa.date32(), _I: pa.int64()}
    arrays = []
    for c, t in _ALL_COLUMNS[name]:
        v = df[c]
        if t is _D and np.issubdtype(v.dtype, np.datetime64):
            d = v.to_numpy().astype("datetime64[D]")
            arrays.append(pa.array(d, type=pa.date32(), mask=np.isnat(d)))
        elif t is _I and np.issubdtype(v.dtype, np.integer):
            arrays.append(pa.array(v.to_numpy(), type=pa.int64()))
        elif t is _D:
            arrays.append(pa.array(list(v), type=pa.date32()))
        elif t is _I:
            arrays.append(pa.array([None if x is None or (isinstance(x, float) and np.isnan(x)) else int(x)
                                    for x in v], type=pa.int64()))
        else:
            arrays.append(pa.array(v.to_numpy(), type=types[t], from_pandas=True))
    return pa.Table.from_arrays(arrays, names=[c for c, _ in _ALL_COLUMNS[name]])


class _Finance:
    """The ``finance`` namespace (or another JoinQuant database such as ``macro``): tables
    as attributes plus ``run_query``."""

    def __init__(self, db: str = "finance", tables: dict | None = None):
        tables = _COLUMNS if tables is None else tables
        object.__setattr__(self, "_db", db)
        object.__setattr__(self, "_tables", tuple(tables))
        object.__setattr__(self, "TABLES", tuple(tables))
        for n in tables:
            object.__setattr__(self, n, FinanceTable(n, db))

    def __getattr__(self, item):
        if item.startswith("__"):
            raise AttributeError(item)
        raise AttributeError(f"{self._db}.{item} is not available in jqlite (its data is not in the "
                             f"store); available {self._db} tables: {', '.join(self._tables)}")

    def __repr__(self):
        return f"<jqlite {self._db} database: {', '.join(self._tables)}>"

    def run_query(self, query_object) -> pd.DataFrame:
        """Run ``query(finance.TABLE...)`` (filter/order_by/limit ...) on one finance table.

        Parameters
        ----------
        query_object : Query
            ``query(finance.STK_XR_XD)`` or ``query(finance.STK_XR_XD.code, ...)`` with
            SQLAlchemy filters, built with :func:`jqlite.api.fundamentals.query`.

        Returns
        -------
        pandas.DataFrame
            Default integer index; the selected columns (whole-table selects give every
            column in JoinQuant's order); dates as ``datetime.date``.

        Raises
        ------
        ParamsError
            Not a query, a non-finance table, or more than one table.
        """
        from .fundamentals import Query, _arrow_table, _conn, _DIALECT
        q = query_object
        if isinstance(q, sa.sql.Select):
            q = Query((), q)
        if not isinstance(q, Query):
            raise ParamsError(f"finance.run_query() expects a query(...) object, got {type(q).__name__}")
        froms = q.statement.get_final_froms()
        names = []
        db = self._db
        for f in froms:
            n = getattr(f, "name", None)
            if n not in self._tables or getattr(self, n).__table__ is not f:
                raise ParamsError(f"{db}.run_query() only queries the {db} tables "
                                  f"{list(self._tables)}; got {n or f}")
            names.append(n)
        if len(names) != 1:
            raise ParamsError(f"{db}.run_query(): one table per query (JoinQuant does not join "
                              f"{db} tables); got {names or 'none'}")
        name = names[0]
        if name in _EMPTY:
            from .reference import _warn_once
            _warn_once(f"{db}.{name}", _EMPTY[name],
                       message=f"{db}.run_query(): the data store has no {_EMPTY[name]}; "
                               f"returning an empty DataFrame with JoinQuant's columns")
        store = _binding.active_store()
        if _sample_only_elsewhere(store, name):
            from .reference import _warn_once
            _warn_once(f"{db}.{name}", _SAMPLE_ONLY[name],
                       message=f"{db}.run_query(): the data store has no {_SAMPLE_ONLY[name]} (only the "
                               f"synthetic sample market has it); returning an empty DataFrame with "
                               f"JoinQuant's columns")
        df = _table(store, name)
        run = run_or_none()
        if (run is not None and getattr(run.settings, "avoid_future_data", False)
                and (name in _PUB_COLUMN or name in _PUB_DERIVED)):
            if isinstance(df, pd.DataFrame):
                pub = _PUB_DERIVED[name](df) if name in _PUB_DERIVED else pd.to_datetime(df[_PUB_COLUMN[name]])
                df = df[~(pub > pd.Timestamp(run.current_dt.date())).to_numpy()]
            else:                         # a pyarrow Table (jy.LC_DIndicesForValuation)
                import pyarrow as pa
                import pyarrow.compute as pc
                keep = pc.less_equal(df[_PUB_COLUMN[name]], pa.scalar(run.current_dt.date(), type=pa.date32()))
                df = df.filter(pc.fill_null(keep, True))
        if run is None or not getattr(run.settings, "avoid_future_data", False):
            from .reference import memo
            tbl = memo(store, ("finance_arrow", name, _sample_only_elsewhere(store, name)),
                       lambda: _arrow(df, name))
        else:
            tbl = _arrow(df, name)
        sql = str(q.statement.compile(dialect=_DIALECT, compile_kwargs={"literal_binds": True}))
        con = _conn()
        con.register(name, tbl)
        try:
            return _arrow_table(con.execute(sql)).to_pandas()
        finally:
            try:
                con.unregister(name)
            except Exception:  # pragma: no cover
                pass


finance = _Finance()
macro = _Finance("macro", _MACRO_COLUMNS)


class _Unavailable:
    """A JoinQuant database jqlite has no data for (``jy``, 聚源): every table and
    ``run_query`` raise :class:`~jqlite.errors.ParamsError` naming the database."""

    def __init__(self, db: str, what: str):
        object.__setattr__(self, "_db", db)
        object.__setattr__(self, "_what", what)

    def _error(self, item: str) -> ParamsError:
        return ParamsError(f"{self._db}.{item}: the {self._what} database ({self._db}) is not "
                           f"available in jqlite; its tables have no data in the store")

    def __getattr__(self, item):
        if item.startswith("_"):      # dunders and tool probes (_repr_html_, ...)
            raise AttributeError(item)
        if item == "run_query":
            def run_query(*args, **kwargs):
                raise self._error("run_query()")
            return run_query
        raise self._error(item)

    def __repr__(self):
        return f"<jqlite {self._db} database: not available>"




class _PartialDb(_Finance):
    """A third-party JoinQuant database of which jqlite serves a few tables: those answer as
    ``finance`` tables do; any other table raises :class:`~jqlite.errors.ParamsError`
    naming the database and the tables it has."""

    def __init__(self, db: str, tables: dict, what: str):
        super().__init__(db, tables)
        object.__setattr__(self, "_what", what)

    def __getattr__(self, item):
        if item.startswith("_"):
            raise AttributeError(item)
        raise ParamsError(f"{self._db}.{item}: this table of the {self._what} database is not available in "
                          f"jqlite; {self._db} serves only {', '.join(self._tables)}")


#: 国泰安 (GTA / CSMAR): JoinQuant's old third-party database (``from jqdata import gta``,
#: ``gta.run_query(query(gta.STK_MKT_DIVIDENT...))``), retired from JoinQuant years ago.
#: Decision: its dividend table STK_MKT_DIVIDENT -- the one public strategies query, for a
#: dividend yield (``dividend_rate`` = DIVIDENTBT / close) -- is served from the store's
#: dividend events (:func:`_gta_dividend`); any other of its hundreds of CSMAR tables raises
#: ParamsError naming it (no source here, and an empty answer would be silent).
gta = _PartialDb("gta", _GTA_COLUMNS, "国泰安 (GTA / CSMAR)")
#: 聚源 (JuYuan): ``jy.SecuMain`` and ``jy.LC_DIndicesForValuation`` from the store (see the
#: module docstring and :func:`_jy_secumain` / :func:`_jy_valuation`); any other JuYuan table
#: raises ParamsError naming it.
jy = _PartialDb("jy", _JY_COLUMNS, "聚源 (JuYuan)")
#: 期权 (options): ``opt.run_query(query(opt.OPT_CONTRACT_INFO)...)`` -- the sample market's
#: ETF and CSI 300 index options (:mod:`jqlite.data.options`, docs/options.md); another store
#: answers empty with JoinQuant's columns and a data gap.
opt = _Finance("opt", _OPT_COLUMNS)
