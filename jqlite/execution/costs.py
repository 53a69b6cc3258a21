"""Costs and slippage settings: OrderCost, PerTrade, FixedSlippage, PriceRelatedSlippage,
StepRelatedSlippage, and how a security's settings are resolved (spec §5)."""

from __future__ import annotations

import math

from ..errors import ParamsError


class OrderCost:
    """Transaction costs of one security category (``set_order_cost``; spec §5.1).

    Parameters
    ----------
    open_tax, close_tax : float
        Tax rates (fractions) on buys / sells; charged on stock-class securities only.
    open_commission, close_commission : float
        Commission rates (fractions) on buys / sells.
    close_today_commission : float
        Futures only; accepted and ignored for A-shares.
    min_commission : float
        Minimum commission per order in yuan (tax excluded).
    """

    def __init__(self, open_tax=0.0, close_tax=0.0, open_commission=0.0, close_commission=0.0,
                 close_today_commission=0.0, min_commission=0.0):
        self.open_tax = float(open_tax)
        self.close_tax = float(close_tax)
        self.open_commission = float(open_commission)
        self.close_commission = float(close_commission)
        self.close_today_commission = float(close_today_commission)
        self.min_commission = float(min_commission)

    def __repr__(self) -> str:
        return (f"OrderCost(open_tax={self.open_tax}, close_tax={self.close_tax}, "
                f"open_commission={self.open_commission}, close_commission={self.close_commission}, "
                f"close_today_commission={self.close_today_commission}, min_commission={self.min_commission})")


class PerTrade:
    """Deprecated ``set_commission(PerTrade(buy_cost, sell_cost, min_cost))``: ``sell_cost``
    includes the stamp duty; mapped to an OrderCost with no separate tax (spec §5.2)."""

    def __init__(self, buy_cost=0.0003, sell_cost=0.0013, min_cost=5):
        self.buy_cost, self.sell_cost, self.min_cost = float(buy_cost), float(sell_cost), float(min_cost)

    def to_order_cost(self) -> OrderCost:
        return OrderCost(0.0, 0.0, self.buy_cost, self.sell_cost, 0.0, self.min_cost)


#: JoinQuant's documented default for stocks (spec §5.2).
DEFAULT_STOCK_COST = OrderCost(open_tax=0, close_tax=0.001, open_commission=0.0003,
                               close_commission=0.0003, close_today_commission=0, min_commission=5)
#: Funds when unset: same commission, no tax (spec §5.2 inference: tax is stock-only).
DEFAULT_FUND_COST = OrderCost(open_tax=0, close_tax=0, open_commission=0.0003,
                              close_commission=0.0003, close_today_commission=0, min_commission=5)


class Slippage:
    """Base slippage model: ``half_spread(price, tick)`` is the per-side amount in yuan."""

    def half_spread(self, price: float, tick: float = 0.01) -> float:  # pragma: no cover
        raise NotImplementedError


class FixedSlippage(Slippage):
    """Fixed full spread in yuan; half is applied per side (``FixedSlippage(0.02)`` ->
    buy +0.01, sell -0.01; spec §5.3, T1)."""

    def __init__(self, value: float):
        if value < 0:
            raise ParamsError(f"FixedSlippage(): value must be >= 0, was {value}")
        self.value = float(value)

    def half_spread(self, price: float, tick: float = 0.01) -> float:
        return self.value / 2.0

    def __repr__(self) -> str:
        return f"FixedSlippage({self.value})"


class PriceRelatedSlippage(Slippage):
    """Spread as a fraction of price; half per side (``PriceRelatedSlippage(0.002)`` on 10.00
    -> buy 10.01; default 0.00246 -> buy 10.0123; spec §5.3, T1)."""

    def __init__(self, value: float):
        if value < 0:
            raise ParamsError(f"PriceRelatedSlippage(): value must be >= 0, was {value}")
        self.value = float(value)

    def half_spread(self, price: float, tick: float = 0.01) -> float:
        return price * self.value / 2.0

    def __repr__(self) -> str:
        return f"PriceRelatedSlippage({self.value})"


class StepRelatedSlippage(Slippage):
    """Spread in ticks; ``floor(steps / 2)`` ticks per side (StepRelatedSlippage(3) -> 1
    tick; spec §5.3, T1)."""

    def __init__(self, steps: int):
        self.steps = int(steps)

    def half_spread(self, price: float, tick: float = 0.01) -> float:
        return math.floor(self.steps / 2) * tick

    def __repr__(self) -> str:
        return f"StepRelatedSlippage({self.steps})"


DEFAULT_SLIPPAGE = PriceRelatedSlippage(0.00246)

_COST_TYPES = {"stock", "fund", "mmf", "fja", "fjb", "fjm", "index_futures", "futures",
               "bond_fund", "stock_fund", "QDII_fund", "mixture_fund", "money_market_fund", "etf", "lof",
               "open_fund"}


def category_of(sec_type: str) -> str:
    """Map a security ``type`` to the cost/slippage category used by set_order_cost."""
    if sec_type == "stock":
        return "stock"
    if sec_type in ("mmf", "money_market_fund"):
        return "mmf"
    return "fund"


class CostBook:
    """Per-run resolution of OrderCost and slippage: (type, ref) > type > global > default."""

    def __init__(self) -> None:
        self.costs: dict[tuple[str, str | None], OrderCost] = {}
        self.slippages: dict[tuple[str | None, str | None], Slippage] = {}

    def set_cost(self, cost: OrderCost, type: str, ref: str | None = None) -> None:
        if isinstance(cost, PerTrade):
            cost = cost.to_order_cost()
        if not isinstance(cost, OrderCost):
            raise ParamsError(f"set_order_cost(): cost must be an OrderCost, was {cost!r}")
        if type not in _COST_TYPES:
            raise ParamsError(f"set_order_cost(): type must be one of {sorted(_COST_TYPES)}, was {type!r}")
        self.costs[(type, ref)] = cost

    def set_slippage(self, slippage: Slippage, type: str | None = None, ref: str | None = None) -> None:
        if not isinstance(slippage, Slippage):
            raise ParamsError(f"set_slippage(): object must be a *Slippage, was {slippage!r}")
        if ref is not None and type is None:
            raise ParamsError("set_slippage(): ref needs type as well")
        self.slippages[(type, ref)] = slippage

    def cost_for(self, code: str, sec_type: str) -> OrderCost:
        cat = category_of(sec_type)
        for key in ((cat, code), (sec_type, code), (cat, None), (sec_type, None)):
            c = self.costs.get(key)
            if c is not None:
                return c
        if cat == "stock":
            return DEFAULT_STOCK_COST
        return DEFAULT_FUND_COST

    def slippage_for(self, code: str, sec_type: str) -> Slippage | None:
        cat = category_of(sec_type)
        if cat == "mmf":
            return None  # money-market funds never slip (spec §5.3)
        for key in ((cat, code), (sec_type, code), (cat, None), (sec_type, None), (None, None)):
            s = self.slippages.get(key)
            if s is not None:
                return s
        return DEFAULT_SLIPPAGE
