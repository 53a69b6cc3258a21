"""JoinQuant's global API as thin facades over the active run (``from jqdata import *``)."""

from __future__ import annotations

from ..execution.costs import (FixedSlippage, OrderCost, PerTrade, PriceRelatedSlippage,
                               StepRelatedSlippage)
from ..execution.orders import LimitOrderStyle, MarketOrderStyle, OrderStatus
from .events import DividendsEvent, ForcedLiquidationEvent
from .files import read_file, write_file
from .funds import get_fund_info, purchase, redeem, set_redeem_latency
from .market import (attribute_history, get_all_securities, get_all_trade_days, get_bars,
                     get_current_data, get_extras, get_index_stocks, get_price,
                     get_security_info, get_trade_days, history, normalize_code)
from .finance import finance, gta, jy, macro, opt
from .reference import (get_billboard_list, get_concept, get_concept_stocks, get_concepts,
                        get_dominant_future, get_future_contracts, get_futures_info, get_index_weights, get_industries, get_industry, get_industry_stocks,
                        get_margincash_stocks, get_marginsec_stocks, get_money_flow, get_mtss,
                        get_ticks, get_current_tick, get_call_auction, subscribe, unsubscribe,
                        unsubscribe_all)
from .scheduling import run_daily, run_monthly, run_weekly, unschedule_all
from .settings import (SubPortfolioConfig, disable_cache, enable_profile, g, log, record,
                       send_message, set_benchmark, set_commission, set_option, set_order_cost,
                       set_params, set_slippage, set_subportfolios, set_universe, transfer_cash)
from .trading import (cancel_order, get_open_orders, get_orders, get_trades, inout_cash,
                      margincash_close, margincash_direct_refund, margincash_open, marginsec_close,
                      marginsec_direct_refund, marginsec_open, order, order_target,
                      order_target_value, order_value)

__all__ = [
    "FixedSlippage", "OrderCost", "PerTrade", "PriceRelatedSlippage", "StepRelatedSlippage",
    "LimitOrderStyle", "MarketOrderStyle", "OrderStatus", "DividendsEvent", "ForcedLiquidationEvent",
    "read_file", "write_file", "purchase", "redeem", "set_redeem_latency", "get_fund_info",
    "attribute_history", "get_all_securities", "get_all_trade_days", "get_bars", "get_current_data",
    "get_extras", "get_index_stocks", "get_price", "get_security_info", "get_trade_days", "history",
    "normalize_code",
    "finance", "macro", "jy", "gta", "opt", "get_billboard_list", "get_dominant_future", "get_future_contracts", "get_futures_info", "get_concept", "get_concept_stocks", "get_concepts",
    "get_index_weights", "get_industries", "get_industry", "get_industry_stocks", "get_money_flow",
    "get_margincash_stocks", "get_marginsec_stocks",
    "get_mtss", "get_ticks", "get_current_tick", "get_call_auction", "subscribe", "unsubscribe",
    "unsubscribe_all",
    "run_daily", "run_monthly", "run_weekly", "unschedule_all",
    "SubPortfolioConfig", "disable_cache", "enable_profile", "g", "log", "record", "send_message",
    "set_benchmark", "set_commission", "set_option", "set_order_cost", "set_params", "set_slippage",
    "set_subportfolios", "set_universe", "transfer_cash",
    "cancel_order", "get_open_orders", "get_orders", "get_trades", "inout_cash", "order",
    "order_target", "order_target_value", "order_value",
    "margincash_open", "margincash_close", "margincash_direct_refund", "marginsec_open",
    "marginsec_close", "marginsec_direct_refund",
]


from ._binding import repeat_on_demand as _repeat_on_demand  # noqa: E402


def _wrap_all() -> None:
    import types
    g = globals()
    for name in __all__:
        f = g.get(name)
        if isinstance(f, types.FunctionType) and not getattr(f, "__wrapped_on_demand__", False):
            g[name] = _repeat_on_demand(f)


_wrap_all()
