"""Local computation of JoinQuant's factor library (``jqfactor``).

* :func:`get_factor_values`, :func:`get_all_factors` -- :mod:`jqlite.factors.api`;
* preprocessing -- :mod:`jqlite.factors.preprocess`;
* factor declarations -- :mod:`jqlite.factors.library` (registry in :mod:`.base`);
* block cache -- :mod:`jqlite.factors.cache`;
* JoinQuant's factor list -- :mod:`jqlite.factors.catalog`;
* custom factors (``Factor``, ``calc_factors``) -- :mod:`jqlite.factors.custom`.

Formulas: ``shared/spec/jq_factors.md``.
"""

from .api import factor_availability, get_all_factors, get_factor_values
from .base import CATEGORIES, REGISTRY, FactorDef
from .cache import engine_for
from .custom import Factor, calc_factors
from .preprocess import neutralize, set_industry_source, standardize, standardlize, winsorize, winsorize_med

#: The 86 factors requested by the flagship strategy (spec §2).
FLAGSHIP_FACTORS = (
    # basics
    "asset_impairment_loss_ttm", "cash_flow_to_price_ratio", "market_cap", "interest_free_current_liability",
    "EBITDA", "financial_assets", "gross_profit_ttm", "net_working_capital", "non_recurring_gain_loss", "EBIT",
    "sales_to_price_ratio",
    # emotion
    "AR", "ARBR", "ATR6", "DAVOL10", "MAWVAD", "TVMA6", "PSY", "VOL10", "VDIFF", "VEMA26", "VMACD", "VOL120",
    "VOSC", "VR", "WVAD",
    # momentum
    "arron_down_25", "arron_up_25", "BBIC", "MASS", "Rank1M", "single_day_VPT", "single_day_VPT_12",
    "single_day_VPT_6", "Volume1M", "fifty_two_week_close_rank",
    # pershare
    "capital_reserve_fund_per_share", "net_asset_per_share", "net_operate_cash_flow_per_share",
    "operating_profit_per_share", "total_operating_revenue_per_share", "surplus_reserve_fund_per_share",
    # quality
    "ACCA", "account_receivable_turnover_days", "account_receivable_turnover_rate",
    "adjusted_profit_to_total_profit", "super_quick_ratio", "MLEV", "debt_to_equity_ratio",
    "debt_to_tangible_equity_ratio", "equity_to_fixed_asset_ratio", "fixed_asset_ratio", "intangible_asset_ratio",
    "invest_income_associates_to_total_profit", "long_debt_to_asset_ratio", "long_debt_to_working_capital_ratio",
    "net_operate_cash_flow_to_total_liability", "net_operating_cash_flow_coverage", "non_current_asset_ratio",
    "operating_profit_to_total_profit", "roa_ttm", "roe_ttm",
    # risk
    "Kurtosis120", "Kurtosis20", "Kurtosis60", "sharpe_ratio_20", "sharpe_ratio_60", "Skewness120", "Skewness20",
    "Skewness60", "Variance120", "Variance20",
    # style
    "liquidity", "beta", "book_to_price_ratio", "cash_earnings_to_price_ratio", "cube_of_size",
    "earnings_to_price_ratio", "earnings_yield", "growth", "momentum", "natural_log_of_market_cap",
    # technical
    "boll_down", "MFI14", "MAC10", "price_no_fq",
)

__all__ = ["get_factor_values", "get_all_factors", "Factor", "calc_factors", "factor_availability", "winsorize", "winsorize_med",
           "standardlize", "standardize", "neutralize", "set_industry_source", "REGISTRY", "CATEGORIES",
           "FactorDef", "FLAGSHIP_FACTORS", "engine_for"]
