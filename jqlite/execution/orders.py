"""JoinQuant's order objects: OrderStatus, Order, Trade and the order styles (spec §3)."""

from __future__ import annotations

import datetime as _dt
import enum


class OrderStatus(enum.Enum):
    """JoinQuant order status (spec §3.4).  ``str(status)`` is the bare name (``'held'``).

    ``filled`` means *partially* filled and still working; ``held`` means completely filled.
    """

    open = 0
    filled = 1
    canceled = 2
    rejected = 3
    held = 4
    new = 8

    def __str__(self) -> str:
        return self.name

    def __repr__(self) -> str:
        return f"OrderStatus.{self.name}"

    def __eq__(self, other):  # strategies compare with strings and ints too
        if isinstance(other, str):
            return self.name == other
        if isinstance(other, int) and not isinstance(other, bool):
            return self.value == other
        return enum.Enum.__eq__(self, other)

    __hash__ = enum.Enum.__hash__


class OrderStyle:
    """Base of the order styles."""

    limit_price: float | None = None


class MarketOrderStyle(OrderStyle):
    """Market order; ``limit_price`` is the protective price required for STAR-board
    (688xxx) stocks and ignored otherwise (spec §3.6)."""

    def __init__(self, limit_price: float | None = None):
        self.limit_price = limit_price

    def __repr__(self) -> str:
        return f"MarketOrderStyle(limit_price={self.limit_price})"


class LimitOrderStyle(OrderStyle):
    """Limit order at ``limit_price`` yuan (spec §4.4)."""

    def __init__(self, limit_price: float):
        self.limit_price = float(limit_price)

    def __repr__(self) -> str:
        return f"LimitOrderStyle(limit_price={self.limit_price})"


class Order:
    """An order as JoinQuant shows it (spec §3.3).

    Attributes
    ----------
    order_id : int
        Sequential within a run (deterministic).
    security : str
    status : OrderStatus
    add_time : datetime.datetime
    is_buy : bool
    amount : int
        Requested shares, always positive.
    filled : int
        Filled shares, positive.
    price : float
        Average fill price in yuan (0.0 before any fill).
    avg_cost : float
        Sells: the position's average cost before the sell; buys: equals ``price``.
    commission : float
        Total fees of the order (commission + tax), yuan.
    side : str
        ``'long'``.
    action : str
        ``'open'`` for buys, ``'close'`` for sells.
    style : OrderStyle
    """

    __slots__ = ("order_id", "security", "status", "add_time", "is_buy", "amount", "filled",
                 "price", "avg_cost", "commission", "tax", "side", "action", "style", "pindex",
                 "_value", "_commission_only", "_locked_cash", "_reason", "_next_slot", "margin_kind",
                 "__weakref__")

    def __init__(self, order_id: int, security: str, is_buy: bool, amount: int,
                 add_time: _dt.datetime, style: OrderStyle):
        self.order_id = order_id
        self.security = security
        self.is_buy = is_buy
        self.amount = int(amount)
        self.filled = 0
        self.price = 0.0
        self.avg_cost = 0.0
        self.commission = 0.0
        self.tax = 0.0
        self.status = OrderStatus.open
        self.add_time = add_time
        self.side = "long"
        self.action = "open" if is_buy else "close"
        self.style = style
        self.pindex = 0
        self._value = 0.0
        self._commission_only = 0.0
        self._locked_cash = 0.0
        self._reason = ""
        #: margin-account order kind (jqlite.execution.margin): None for every other order
        self.margin_kind = None
        self._next_slot = 0    # first minute bar (0..239) a resting limit order is matched against

    @property
    def limit_price(self) -> float | None:
        return self.style.limit_price if isinstance(self.style, LimitOrderStyle) else None

    @property
    def is_limit(self) -> bool:
        return isinstance(self.style, LimitOrderStyle)

    @property
    def remaining(self) -> int:
        return self.amount - self.filled

    def __repr__(self) -> str:
        return (f"UserOrder({{'order_id': {self.order_id}, 'security': '{self.security}', "
                f"'status': {self.status}, 'add_time': {self.add_time}, 'is_buy': {self.is_buy}, "
                f"'amount': {self.amount}, 'filled': {self.filled}, 'price': {self.price}, "
                f"'avg_cost': {self.avg_cost}, 'commission': {self.commission}, 'side': '{self.side}', "
                f"'action': '{self.action}', 'style': {self.style!r}}})")

    __str__ = __repr__


class Trade:
    """One fill of an order (spec §3.5): ``time``, ``security``, ``amount`` (positive shares),
    ``price`` (yuan), ``trade_id``, ``order_id``; plus ``is_buy``, ``commission`` and ``tax``."""

    __slots__ = ("trade_id", "order_id", "time", "security", "amount", "price", "is_buy",
                 "commission", "tax")

    def __init__(self, trade_id, order_id, time, security, amount, price, is_buy, commission, tax):
        self.trade_id, self.order_id, self.time, self.security = trade_id, order_id, time, security
        self.amount, self.price, self.is_buy = amount, price, is_buy
        self.commission, self.tax = commission, tax

    @property
    def value(self) -> float:
        return self.amount * self.price

    def __repr__(self) -> str:
        return (f"UserTrade({{'trade_id': {self.trade_id}, 'order_id': {self.order_id}, "
                f"'time': {self.time}, 'security': '{self.security}', 'amount': {self.amount}, "
                f"'price': {self.price}}})")
