"""Portfolio, SubPortfolio and Position with JoinQuant's fields and old aliases (spec §7)."""

from __future__ import annotations

import datetime as _dt
import logging
import math

_log = logging.getLogger("jqlite.portfolio")


class Position:
    """A long position (spec §7.4).  Amounts in shares, prices and values in yuan.

    ``total_amount`` excludes shares locked by resting sell orders; ``closeable_amount`` is
    what can be sold now (T+1); ``amount`` is JoinQuant's deprecated alias of
    ``closeable_amount`` (not of the total!).
    """

    __slots__ = ("security", "price", "avg_cost", "acc_avg_cost", "hold_cost", "init_time",
                 "transact_time", "total_amount", "locked_amount", "closeable_amount",
                 "today_amount", "side", "pindex", "_multiplier")

    def __init__(self, security: str, init_time: _dt.datetime | None = None, price: float = 0.0):
        self.security = security
        self.price = price
        self.avg_cost = 0.0
        self.acc_avg_cost = 0.0
        self.hold_cost = 0.0
        self.init_time = init_time
        self.transact_time = init_time
        self.total_amount = 0
        self.locked_amount = 0
        self.closeable_amount = 0
        self.today_amount = 0
        self.side = "long"
        self.pindex = 0
        self._multiplier = 1.0

    @property
    def value(self) -> float:
        """Market value: ``price * total_amount`` (yuan)."""
        return self.price * self.total_amount

    # deprecated aliases
    @property
    def amount(self) -> int:
        return self.closeable_amount

    @property
    def sellable_amount(self) -> int:
        return self.closeable_amount

    @property
    def last_sale_price(self) -> float:
        """Deprecated alias of ``price`` (the latest market price, as in the old JoinQuant /
        Quantopian Position); real files use it for stop-loss checks against ``avg_cost``."""
        return self.price

    def __repr__(self) -> str:
        return (f"UserPosition({{'security': '{self.security}', 'price': {self.price}, "
                f"'acc_avg_cost': {self.acc_avg_cost}, 'avg_cost': {self.avg_cost}, "
                f"'hold_cost': {self.hold_cost}, 'init_time': {self.init_time}, "
                f"'transact_time': {self.transact_time}, 'locked_amount': {self.locked_amount}, "
                f"'closeable_amount': {self.closeable_amount}, 'today_amount': {self.today_amount}, "
                f"'total_amount': {self.total_amount}, 'value': {self.value}, 'side': 'long', 'pindex': 0}})")

    # ---- engine-side updates -------------------------------------------------------
    def on_buy(self, amount: int, price: float, fees: float, dt: _dt.datetime) -> None:
        """Apply a buy fill: avg_cost and acc_avg_cost include fees (spec §7.4)."""
        amt = self.total_amount + self.locked_amount
        value = amount * price
        self.avg_cost = (self.avg_cost * amt + value + fees) / (amt + amount)
        self.acc_avg_cost = (self.acc_avg_cost * amt + value + fees) / (amt + amount)
        self.hold_cost = (self.hold_cost * amt + value) / (amt + amount)
        self.total_amount += amount
        self.today_amount += amount
        self.transact_time = dt
        if self.init_time is None:
            self.init_time = dt
        self.price = price

    def on_sell(self, amount: int, price: float, fees: float, dt: _dt.datetime, from_locked: bool) -> None:
        """Apply a sell fill; avg_cost is unchanged on sells (spec §7.4)."""
        amt = self.total_amount + self.locked_amount
        value = amount * price
        rest = amt - amount
        if rest > 0:
            self.acc_avg_cost = (self.acc_avg_cost * amt - value + fees) / rest
            self.hold_cost = (self.hold_cost * amt - value) / rest
        if from_locked:
            self.locked_amount -= amount
        else:
            self.total_amount -= amount
            self.closeable_amount -= amount
        self.transact_time = dt
        self.price = price


class Positions(dict):
    """``context.portfolio.positions``: a dict that answers a missing code with an empty
    Position and a warning instead of KeyError, without inserting it (spec §7.3).

    Iteration works on a snapshot: ``for s in positions: order_target(s, 0)`` (and over
    ``keys()``/``values()``/``items()``) may fill orders that remove or add positions while
    the loop runs — JoinQuant's own advice for selling everything is exactly that loop
    (spec S6).  A position sold out is removed at once (spec §7.3: JoinQuant's sample
    strategy tests ``code not in positions``; real files count ``len(positions)`` right
    after selling to size new buys), so ``len``/``in`` are live while a loop started
    before the sale still visits the old keys.  ``keys()`` etc. are views of a copy taken
    when called: set operations (``positions.keys() - buy_list``) work as on a dict.
    """

    def __iter__(self):
        return iter(list(dict.keys(self)))

    def _snapshot(self) -> dict:
        # dict(dict.items(self)): a plain copy that bypasses the overridden iteration
        return dict(dict.items(self))

    def keys(self):
        return self._snapshot().keys()

    def values(self):
        return self._snapshot().values()

    def items(self):
        return self._snapshot().items()

    def copy(self) -> dict:
        return self._snapshot()

    def __missing__(self, key):
        _log.warning("Security(code=%s) 在 positions 中不存在, 为了保持兼容, 我们返回空的 Position 对象, "
                     "amount/price/avg_cost/acc_avg_cost 都是 0", key)
        return Position(key)


class SubPortfolio:
    """One stock sub-account; also what ``context.portfolio`` is when there is a single one
    (spec §7.1-7.2).  Cash in yuan."""

    def __init__(self, starting_cash: float):
        self.inout_cash = float(starting_cash)
        self.available_cash = float(starting_cash)
        self.locked_cash = 0.0
        #: open-end fund redemptions confirmed and not yet paid (jqlite.execution.otc), yuan
        self.redeeming_cash = 0.0
        self.transferable_cash = float(starting_cash)
        self.long_positions = Positions()
        self.short_positions = Positions()
        self.type = "stock"
        self.pindex = 0
        self._prev_total_value = float(starting_cash)
        self.margin = 0.0
        self.total_liability = 0.0
        self.cash_liability = 0.0
        self.sec_liability = 0.0
        self.interest = 0.0
        self.maintenance_margin_rate = math.inf
        self.available_margin = float(starting_cash)

    @property
    def positions(self) -> Positions:
        return self.long_positions

    @property
    def starting_cash(self) -> float:
        return self.inout_cash

    @property
    def positions_value(self) -> float:
        """Market value of all holdings incl. shares locked by resting sells (yuan)."""
        return sum(p.price * (p.total_amount + p.locked_amount) for p in self.long_positions.values())

    @property
    def total_value(self) -> float:
        """``available_cash + locked_cash + positions_value`` (yuan), plus the cash of
        open-end fund redemptions in transit (``redeeming_cash``)."""
        return self.available_cash + self.locked_cash + self.redeeming_cash + self.positions_value

    @property
    def net_value(self) -> float:
        return self.total_value - self.total_liability

    @property
    def returns(self) -> float:
        """Cumulative return as of the previous trading day: ``prev_total_value / inout_cash - 1``
        (spec §7.1, newest doc S1)."""
        return self._prev_total_value / self.inout_cash - 1.0 if self.inout_cash else 0.0

    # deprecated aliases
    @property
    def cash(self) -> float:
        return self.available_cash

    @property
    def portfolio_value(self) -> float:
        return self.total_value

    @property
    def unsell_positions(self) -> dict:
        return {k: p for k, p in self.long_positions.items() if p.today_amount > 0}

    def __repr__(self) -> str:
        return (f"Portfolio(total_value={self.total_value:.2f}, available_cash={self.available_cash:.2f}, "
                f"positions={list(self.long_positions)})")


class Portfolio(SubPortfolio):
    """``context.portfolio``: the aggregate of the sub-accounts (one stock account here)."""

    @property
    def subportfolios(self) -> list:
        return [self]
