"""Margin-trading (融资融券) sub-accounts: financed buys, short sales, collateral, interest.

A strategy gets one with ``set_subportfolios([SubPortfolioConfig(cash, 'stock_margin'), ...])``
(JoinQuant manual, 融资融券专用函数).  The run's sub-account book
(:class:`jqlite.execution.futures.FuturesBook`) then holds a :class:`MarginBook` whose
accounts are :class:`MarginAccount` objects (``context.subportfolios[i]``).  The functions
(:mod:`jqlite.api.trading`):

* ``margincash_open`` 融资买入 -- buy with borrowed cash: price x shares + fees become
  ``cash_liability``;  ``margincash_close`` 卖券还款 -- sell shares held in the account, the
  proceeds (net of fees) repay the financing interest first, then the principal, the rest is
  cash;  ``margincash_direct_refund(value)`` 直接还款 -- repay from cash (interest first).
* ``marginsec_open`` 融券卖出 -- sell borrowed shares: the proceeds stay frozen in the account
  (only buy-backs can use them, as the exchanges' rules say) and the shares are owed,
  ``sec_liability = shares x latest price`` (marked to market);  ``marginsec_close`` 买券还券
  -- buy shares back (the frozen proceeds pay first, then cash) and return them;
  ``marginsec_direct_refund(security, amount)`` 直接还券 -- return shares the account holds.
  A short's costs (buy-back, interest) are paid from its frozen proceeds first; what is left
  of them is released when the whole short is settled.
* ordinary ``order*`` calls whose ``pindex`` names the margin account buy and sell collateral
  (担保品买卖) with the account's own cash.

Rules (decisions recorded in docs/margin.md):

* ``available_margin`` (保证金可用余额) follows the exchanges' formula (上交所/深交所融资融券交易
  实施细则) with every collateral haircut (折算率) at 100 %, which reduces it to
  ``net_value - cash_liability x margincash_margin_rate - sec_liability x marginsec_margin_rate``.
  A financed buy needs ``(value + fees) x margincash_margin_rate`` of it, a short sale
  ``value x marginsec_margin_rate`` (+ fees); the quantity is reduced to what it affords and an
  order that affords nothing is cancelled with the reason in the log.
* interest: simple, on the principal, per calendar day at ``rate / 360`` (the brokers' and
  exchanges' day count), counted from the day of the trade to the day of repayment
  (算头不算尾): at each close the debts still open accrue ``(next trading day - today)``
  days.  Financing accrues on ``cash_liability`` at ``margincash_interest_rate`` (default
  8 %), a short on its sale value at ``marginsec_interest_rate`` (default 10 %); a short's
  interest is paid when its shares are returned (pro rata).
* ``total_value = available_cash + frozen short proceeds + long market value``;
  ``total_liability = cash_liability + sec_liability + interest``; ``net_value =
  total_value - total_liability``; ``maintenance_margin_rate = total_value / total_liability``
  (inf without debt); ``margin = 0`` (JoinQuant: 融资融券保证金为0).  The run's equity curve
  counts a margin account's ``net_value`` (borrowing is not a gain).
* T+1 for stocks: shares bought today (also by ``margincash_open``) are sold tomorrow at the
  earliest; a short may be bought back the same day; ``marginsec_direct_refund`` may use
  shares bought today (JoinQuant's own example buys, then returns at once).
* matching as for futures: market orders fill at once at the latest price +/- slippage, at most
  the day's volume x ``order_volume_ratio``, never at the limit price against the trade; before
  09:30 they wait for the open, after 15:00 they are cancelled; limit orders fill only when
  marketable when placed (no resting orders in margin accounts: simplification).
* corporate actions (real-price runs): longs get dividends and bonus shares as in the stock
  account; a short owes them (the dividend is paid from the cash, the shares owed grow).
* not modelled: forced liquidation below the maintenance ratio (a warning is logged when it
  falls under 130 %), collateral haircuts, concentration limits, credit lines.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..accounting.portfolio import Position, Positions, SubPortfolio
from ..data.calendar import CLOSE, OPEN
from . import nb
from .broker import is_t0, lot_rules
from .costs import category_of
from .orders import MarketOrderStyle, Order, OrderStatus, Trade

if TYPE_CHECKING:  # pragma: no cover
    from ..run import Run

MARGIN_TYPE = "stock_margin"
#: JoinQuant's documented defaults (融资利率 8 %, 融资保证金比率 100 %, 融券利率 10 %, 融券保证金比率 100 %)
DEFAULT_RATES = {"margincash_interest_rate": 0.08, "margincash_margin_rate": 1.0,
                 "marginsec_interest_rate": 0.10, "marginsec_margin_rate": 1.0}
#: the exchanges' maintenance ratio under which a broker calls for more collateral (130 %)
WARN_MAINTENANCE = 1.3
#: day count of the interest rates (annual rate / 360 per calendar day)
DAY_COUNT = 360.0

_KIND_TEXT = {"buy": "担保品买入", "sell": "担保品卖出", "cash_open": "融资买入", "cash_close": "卖券还款",
              "sec_open": "融券卖出", "sec_close": "买券还券"}


class MarginShortPosition(Position):
    """A short (融券) position: ``total_amount`` shares owed, ``price`` the latest price,
    ``value = price * total_amount`` (the liability, yuan).  ``sold_value`` is the sale value
    of the shares still owed (the base of the 融券 interest, yuan), ``proceeds`` their frozen
    sale proceeds net of fees (yuan), ``accrued`` the unpaid interest (yuan)."""

    __slots__ = ("sold_value", "proceeds", "accrued")

    def __init__(self, security: str, pindex: int, init_time=None):
        super().__init__(security, init_time)
        self.side = "short"
        self.pindex = pindex
        self.sold_value = 0.0
        self.proceeds = 0.0
        self.accrued = 0.0

    def __repr__(self) -> str:
        return (f"UserPosition({{'security': '{self.security}', 'price': {self.price}, "
                f"'avg_cost': {self.avg_cost}, 'hold_cost': {self.hold_cost}, 'init_time': {self.init_time}, "
                f"'transact_time': {self.transact_time}, 'closeable_amount': {self.closeable_amount}, "
                f"'today_amount': {self.today_amount}, 'total_amount': {self.total_amount}, "
                f"'value': {self.value}, 'side': 'short', 'pindex': {self.pindex}}})")


class MarginAccount(SubPortfolio):
    """A ``'stock_margin'`` sub-account (``context.subportfolios[i]``).  Cash and values in yuan.

    ``available_cash`` is the account's own cash (short-sale proceeds are frozen apart);
    ``cash_liability`` the financing principal; ``interest`` the unpaid interest of financing
    and shorts.  See the module docstring for the other fields.
    """

    def __init__(self, cash: float, pindex: int, book: "MarginBook"):
        # not SubPortfolio.__init__: most of its fields are derived here
        self._book = book
        self.inout_cash = float(cash)
        self.available_cash = float(cash)
        self.locked_cash = 0.0
        self.redeeming_cash = 0.0
        self.long_positions = Positions()
        self.short_positions = Positions()
        self.type = MARGIN_TYPE
        self.pindex = pindex
        self._cash_debt = 0.0        # 融资负债 principal
        self._cash_interest = 0.0    # unpaid financing interest
        self._prev_net = float(cash)
        self._warned_day = None

    # ---- liabilities ------------------------------------------------------------------
    @property
    def cash_liability(self) -> float:
        """融资负债: principal of the financed buys not yet repaid (yuan)."""
        return self._cash_debt

    @property
    def sec_liability(self) -> float:
        """融券负债: shares owed x latest price (yuan)."""
        return sum(p.price * p.total_amount for p in self.short_positions.values())

    @property
    def interest(self) -> float:
        """利息总负债: unpaid financing and short interest (yuan)."""
        return self._cash_interest + sum(p.accrued for p in self.short_positions.values())

    @property
    def total_liability(self) -> float:
        """``cash_liability + sec_liability + interest`` (yuan)."""
        return self.cash_liability + self.sec_liability + self.interest

    # ---- assets -----------------------------------------------------------------------
    @property
    def frozen_cash(self) -> float:
        """Short-sale proceeds kept for buy-backs (yuan; jqlite field, not JoinQuant's)."""
        return sum(p.proceeds for p in self.short_positions.values())

    @property
    def positions_value(self) -> float:
        """Market value of the long holdings (yuan)."""
        return sum(p.price * p.total_amount for p in self.long_positions.values())

    @property
    def total_value(self) -> float:
        """总资产: own cash + frozen short proceeds + long market value (yuan)."""
        return self.available_cash + self.locked_cash + self.frozen_cash + self.positions_value

    @property
    def net_value(self) -> float:
        """净资产: ``total_value - total_liability`` (yuan)."""
        return self.total_value - self.total_liability

    @property
    def margin(self) -> float:
        """0: JoinQuant documents no margin for 融资融券 accounts."""
        return 0.0

    @property
    def maintenance_margin_rate(self) -> float:
        """维持担保比例 ``total_value / total_liability`` (a ratio, 1.3 = 130 %); inf without debt."""
        tl = self.total_liability
        return self.total_value / tl if tl > 1e-9 else math.inf

    @property
    def available_margin(self) -> float:
        """保证金可用余额 (yuan): ``net_value - cash_liability * margincash_margin_rate -
        sec_liability * marginsec_margin_rate`` (the exchanges' formula, haircuts at 100 %)."""
        rc, rs = self._book.rate("margincash_margin_rate"), self._book.rate("marginsec_margin_rate")
        return self.net_value - self.cash_liability * rc - self.sec_liability * rs

    @property
    def transferable_cash(self) -> float:
        """What ``transfer_cash`` may move out: own cash, at most the available margin."""
        return max(0.0, min(self.available_cash, self.available_margin))

    @property
    def returns(self) -> float:
        """Cumulative return as of the previous trading day on the net value."""
        return self._prev_net / self.inout_cash - 1.0 if self.inout_cash else 0.0

    def __repr__(self) -> str:
        return (f"SubPortfolio(type=stock_margin, total_value={self.total_value:.2f}, "
                f"net_value={self.net_value:.2f}, available_cash={self.available_cash:.2f}, "
                f"cash_liability={self.cash_liability:.2f}, sec_liability={self.sec_liability:.2f}, "
                f"interest={self.interest:.2f}, long={list(self.long_positions)}, short={list(self.short_positions)})")


class MarginBook:
    """The margin accounts of one run and their order matching (created by the sub-account
    book when ``set_subportfolios`` names a ``'stock_margin'`` account)."""

    def __init__(self, run: "Run"):
        self.run = run
        self.accounts: list[MarginAccount] = []
        self.pending: list[tuple[Order, MarginAccount, str]] = []
        self._said_lists = False

    def add(self, cash: float, pindex: int) -> MarginAccount:
        a = MarginAccount(cash, pindex, self)
        self.accounts.append(a)
        return a

    def rate(self, name: str) -> float:
        """The current value of a margin option (``set_option``), JoinQuant's default otherwise."""
        v = self.run.settings.margin_rates.get(name)
        return DEFAULT_RATES[name] if v is None else v

    # ------------------------------------------------------------------ orders
    def _warn(self, text: str) -> None:
        self.run.log.order_warning(text)

    def eligible(self, code: str, kind: str) -> bool:
        """Whether ``code`` is a 融资 (``cash_open``) / 融券 (``sec_open``) target today: the
        sample market's list of the simulated day for stocks (what ``get_margincash_stocks()``
        answers in the backtest; the exchanges publish the list in force before the open);
        exchange-traded funds always (the exchanges admit ETFs; the sample market has no list
        of them); any stock or fund on a store without lists (said once in the run log)."""
        run = self.run
        st = run.store
        t = run.sec_type(code)
        if t == "stock":
            from ..data import sample_flows
            if sample_flows.is_sample(st):
                day = run.day_i
                lists = st.cached("margin_targets", lambda: {})
                s = lists.get(day)
                if s is None:
                    s = lists[day] = frozenset(sample_flows.margin_stocks(st, day))
                return code in s
            if not self._said_lists:
                self._said_lists = True
                run.note("the data store has no margin-trading target lists (融资融券标的): every stock "
                         "was accepted for margincash_open / marginsec_open")
            return True
        return category_of(t) == "fund"

    def place(self, acc: MarginAccount, code: str, amount: int, kind: str, style=None) -> Order | None:
        """Place ``amount`` (> 0) shares of ``kind`` (``'buy'``, ``'sell'``, ``'cash_open'``,
        ``'cash_close'``, ``'sec_open'``, ``'sec_close'``) on ``acc``; the Order (maybe
        cancelled), or None when it cannot be created (reason logged)."""
        run = self.run
        what = _KIND_TEXT[kind]
        amount = int(amount)
        if amount <= 0:
            self._warn(f"{code} {what}: 数量必须为正 ({amount}), 订单取消")
            return None
        j = run.store.col(code)
        sec_type = run.sec_type(code)
        if sec_type == "index" or category_of(sec_type) == "mmf" and kind != "buy" and kind != "sell":
            self._warn(f"{code} 不能{what}, 订单取消")
            return None
        if kind in ("cash_open", "sec_open") and not self.eligible(code, kind):
            self._warn(f"{code} 不是{'融资' if kind == 'cash_open' else '融券'}标的, {what}订单取消")
            return None
        if not run.is_listed(j):
            self._warn(f"{code} 未上市或已退市, 订单取消")
            return None
        if run.is_paused(j):
            self._warn(f"{code} 停牌, 订单取消")
            return None
        lot, mn, step = lot_rules(code, sec_type)
        is_buy = kind in ("buy", "cash_open", "sec_close")
        if kind in ("sell", "cash_close"):
            pos = dict.get(acc.long_positions, code)
            have = pos.closeable_amount if pos is not None else 0
            if have <= 0:
                self._warn(f"{code} {what}: 可卖数量为0, 订单取消")
                return None
            q = have if amount >= have else nb.round_lot_nb(float(amount), lot, mn, step)
        elif kind == "sec_close":
            sp = dict.get(acc.short_positions, code)
            owed = sp.total_amount if sp is not None else 0
            if owed <= 0:
                self._warn(f"{code} {what}: 没有融券负债, 订单取消")
                return None
            q = owed if amount >= owed else nb.round_lot_nb(float(amount), lot, mn, step)
        else:
            q = nb.round_lot_nb(float(amount), lot, mn, step)
        if q <= 0:
            self._warn(f"{code} {what}: 下单数量{amount}不足一手, 订单取消")
            return None
        if q != amount:
            self._warn(f"{code} {what}: 下单数量{amount}调整为{q} (整手/可用数量)")
        style = style or MarketOrderStyle()
        broker = run.broker
        o = Order(broker.next_order_id, code, is_buy, q, run.current_dt, style)
        broker.next_order_id += 1
        o.side = "short" if kind in ("sec_open", "sec_close") else "long"
        o.action = "open" if kind in ("buy", "cash_open", "sec_open") else "close"
        o.pindex = acc.pindex
        o.margin_kind = kind
        broker.orders[o.order_id] = o
        broker.all_orders.append(o)
        t = run.current_dt.time()
        if t < OPEN:
            o.status = OrderStatus.new
            self.pending.append((o, acc, kind))
            return o
        if t >= CLOSE:
            self._cancel(o, "收盘后下单, 订单取消")
            return o
        self._match(o, acc, kind)
        return o

    def at_open(self) -> None:
        """Match the orders placed before the open, in placement order."""
        pend, self.pending = self.pending, []
        for o, acc, kind in pend:
            if o.status is OrderStatus.new:
                o.status = OrderStatus.open
                self._match(o, acc, kind)

    def _cancel(self, o: Order, why: str) -> None:
        o.status = OrderStatus.canceled
        o._reason = why
        self._warn(f"{o.security} {_KIND_TEXT[o.margin_kind]}订单 {o.order_id}: {why} (已成交 {o.filled}/{o.amount})")

    def _match(self, o: Order, acc: MarginAccount, kind: str) -> None:
        run = self.run
        code = o.security
        j = run.store.col(code)
        sec_type = run.sec_type(code)
        scale = run.price_scale(j)
        price = run.latest_price(j)
        if not (price > 0):
            self._cancel(o, "没有价格, 订单取消")
            return
        slip = run.costs.slippage_for(code, sec_type)
        tick = 0.01 if category_of(sec_type) == "stock" else 0.001
        half = slip.half_spread(price, tick) if slip is not None else 0.0
        if run.settings.match_by_signal:
            half = 0.0
        cost = run.costs.cost_for(code, sec_type)
        taxable = sec_type == "stock"
        if o.is_buy:
            c_rate, t_rate = cost.open_commission, (cost.open_tax if taxable else 0.0)
        else:
            c_rate, t_rate = cost.close_commission, (cost.close_tax if taxable else 0.0)
        if o.is_limit:
            lim = o.style.limit_price
            fill0 = price + half if o.is_buy else price - half
            if (o.is_buy and fill0 > lim + 1e-9) or (not o.is_buy and fill0 < lim - 1e-9):
                self._cancel(o, "限价单不能立即成交 (融资融券账户的限价单只在下单时撮合), 订单取消")
                return
        hl = run.bar("high_limit", j) * scale
        ll = run.bar("low_limit", j) * scale
        vol = run.bar("volume", j) / scale
        lot, mn, step = lot_rules(code, sec_type)
        rc = self.rate("margincash_margin_rate")
        rs = self.rate("marginsec_margin_rate")
        avail = acc.available_margin
        if kind == "buy":
            cash, closeable = acc.available_cash, 0
        elif kind == "cash_open":
            cash, closeable = (max(avail, 0.0) / rc if rc > 0 else math.inf), 0
        elif kind == "sec_close":
            sp = dict.get(acc.short_positions, code)
            cash, closeable = max(acc.available_cash, 0.0) + sp.proceeds, 0
        elif kind == "sec_open":
            cash, closeable = 0.0, o.remaining
        else:
            pos = dict.get(acc.long_positions, code)
            cash, closeable = 0.0, (pos.closeable_amount if pos is not None else 0)
        status, q, fill, c, t = nb.match_market_nb(
            o.is_buy, o.remaining, price, half, hl, ll, vol, run.settings.order_volume_ratio,
            cash, closeable, lot, mn, step, c_rate, t_rate, cost.min_commission)

        def after(qq):
            """available_margin left after ``qq`` shares (fees and the fill's slippage included)."""
            cc, tt = nb.fee_nb(qq * fill, c_rate, t_rate, cost.min_commission)
            fees = cc + tt
            if kind == "cash_open":
                return avail + qq * (price - fill) - fees - (qq * fill + fees) * rc, cc, tt
            return avail + qq * (fill - price) - fees - qq * price * rs, cc, tt

        def refuse() -> None:
            short = -after(mn)[0]
            self._cancel(o, f"可用保证金不足 (可用保证金 {avail:.2f} 元, 一手还差 {max(short, 0.0):.2f} 元), 订单取消")

        if q <= 0:
            if kind == "cash_open" and status == nb.REJECT_ZERO:
                refuse()
            else:
                self._cancel(o, _reason(status, kind))
            return
        if kind in ("cash_open", "sec_open"):
            # the order must leave available_margin >= 0
            left, c, t = after(q)
            while q > 0 and left < -1e-9:
                q = nb.round_lot_nb(float(q - step), lot, mn, step)
                if q > 0:
                    left, c, t = after(q)
            if q <= 0:
                refuse()
                return
        self._fill(o, acc, kind, q, fill, c, t, price)
        if q < o.amount:
            o.status = OrderStatus.canceled
            o._reason = "超出当日成交量、可用资金或可用保证金, 剩余部分取消"
            self._warn(f"{code} {_KIND_TEXT[kind]}订单 {o.order_id}: 超出当日成交量、可用资金或可用保证金, "
                       f"剩余部分取消 (已成交 {q}/{o.amount})")
        else:
            o.status = OrderStatus.held

    def _fill(self, o: Order, acc: MarginAccount, kind: str, q: int, fill: float, c: float, t: float,
              price: float) -> None:
        run = self.run
        code = o.security
        dt = run.current_dt
        value = q * fill
        fees = c + t
        if kind in ("buy", "cash_open"):
            pos = dict.get(acc.long_positions, code)
            if pos is None:
                pos = Position(code, dt)
                pos.pindex = acc.pindex
                dict.__setitem__(acc.long_positions, code, pos)
            pos.on_buy(q, fill, fees, dt)
            if run.settings.t0_mode or is_t0(code, run.sec_type(code), run.store):
                pos.closeable_amount += q
            if kind == "buy":
                acc.available_cash -= value + fees
            else:
                acc._cash_debt += value + fees        # the fees are financed too
            pos.price = price
        elif kind in ("sell", "cash_close"):
            pos = dict.get(acc.long_positions, code)
            o.avg_cost = pos.avg_cost       # the sell's cost basis (trade statistics, as the stock broker)
            pos.on_sell(q, fill, fees, dt, False)
            pos.price = price
            net = value - fees
            if kind == "cash_close":
                net = self._repay(acc, net)
            acc.available_cash += net
            if pos.total_amount <= 0:
                dict.pop(acc.long_positions, code, None)
        elif kind == "sec_open":
            sp = dict.get(acc.short_positions, code)
            if sp is None:
                sp = MarginShortPosition(code, acc.pindex, dt)
                dict.__setitem__(acc.short_positions, code, sp)
            amt = sp.total_amount
            sp.avg_cost = (sp.avg_cost * amt + value) / (amt + q)
            sp.acc_avg_cost = sp.avg_cost
            sp.hold_cost = (sp.hold_cost * amt + value) / (amt + q)
            sp.total_amount += q
            sp.closeable_amount += q
            sp.today_amount += q
            sp.transact_time = dt
            sp.sold_value += value
            sp.proceeds += value - fees
            sp.price = price
        else:   # sec_close: buy back and return
            sp = dict.get(acc.short_positions, code)
            self._return_shares(acc, sp, q, value + fees)
            sp.price = price
        o.filled += q
        o.price = fill
        if kind not in ("sell", "cash_close"):
            o.avg_cost = fill
        o.commission = round(o.commission + fees, 2)
        o.tax = round(o.tax + t, 2)
        o._value += value
        broker = run.broker
        tr = Trade(broker.next_trade_id, o.order_id, dt, code, q, fill, o.is_buy, c, t)
        broker.next_trade_id += 1
        broker.trades[tr.trade_id] = tr
        broker.all_trades.append(tr)
        if o.is_buy:
            broker.day_buy_value += value
        else:
            broker.day_sell_value += value

    @staticmethod
    def _repay(acc: MarginAccount, cash: float) -> float:
        """Repay financing with ``cash`` yuan, interest first; returns what is left."""
        pay_i = min(cash, acc._cash_interest)
        acc._cash_interest -= pay_i
        cash -= pay_i
        pay_d = min(cash, acc._cash_debt)
        acc._cash_debt -= pay_d
        return cash - pay_d

    def _return_shares(self, acc: MarginAccount, sp: MarginShortPosition, q: int, cost: float) -> None:
        """Settle ``q`` of ``sp``'s owed shares: ``cost`` (the buy-back, yuan; 0 for a direct
        return) and their pro-rata share of the accrued interest are paid from the short's
        frozen proceeds first, the shortfall from the cash; what is left of the proceeds is
        released to the cash when the whole short is settled."""
        frac = q / sp.total_amount
        interest = sp.accrued * frac
        sp.accrued -= interest
        sp.sold_value -= sp.sold_value * frac
        pay = cost + interest
        from_pool = min(pay, max(sp.proceeds, 0.0))
        sp.proceeds -= from_pool
        acc.available_cash -= pay - from_pool
        sp.total_amount -= q
        sp.closeable_amount = max(0, min(sp.closeable_amount - q, sp.total_amount))
        sp.today_amount = max(0, min(sp.today_amount, sp.total_amount))
        sp.transact_time = self.run.current_dt
        if sp.total_amount <= 0:
            acc.available_cash += sp.proceeds - sp.accrued      # the surplus (and rounding leftovers)
            dict.pop(acc.short_positions, sp.security, None)

    # ------------------------------------------------------------------ direct refunds
    def direct_refund_cash(self, acc: MarginAccount, value: float) -> float:
        """直接还款: repay up to ``value`` yuan of financing from the cash (interest first);
        returns the yuan repaid."""
        owed = acc._cash_interest + acc._cash_debt
        pay = min(float(value), max(acc.available_cash, 0.0), owed)
        if pay <= 0:
            why = "没有融资负债" if owed <= 0 else "可用资金不足"
            self._warn(f"margincash_direct_refund({value}): {why}, 没有还款")
            return 0.0
        if pay < value - 1e-9:
            self._warn(f"margincash_direct_refund({value}): 只还了 {pay:.2f} 元 (负债 {owed:.2f}, 可用资金 "
                       f"{acc.available_cash:.2f})")
        acc.available_cash -= pay
        left = self._repay(acc, pay)
        acc.available_cash += left
        return pay

    def direct_refund_sec(self, acc: MarginAccount, code: str, amount: int) -> int:
        """直接还券: return up to ``amount`` shares of ``code`` held in the account against its
        short; returns the shares returned."""
        sp = dict.get(acc.short_positions, code)
        pos = dict.get(acc.long_positions, code)
        owed = sp.total_amount if sp is not None else 0
        held = pos.total_amount if pos is not None else 0
        q = min(int(amount), owed, held)
        if q <= 0:
            why = "没有融券负债" if owed <= 0 else ("账户中没有该证券的持仓" if held <= 0 else "数量必须为正")
            self._warn(f"marginsec_direct_refund({code}, {amount}): {why}, 没有还券")
            return 0
        if q < amount:
            self._warn(f"marginsec_direct_refund({code}, {amount}): 只还了 {q} 股 (融券负债 {owed}, 持仓 {held})")
        pos.total_amount -= q
        pos.closeable_amount = max(0, min(pos.closeable_amount, pos.total_amount))
        pos.today_amount = max(0, min(pos.today_amount, pos.total_amount))
        if pos.total_amount <= 0:
            dict.pop(acc.long_positions, code, None)
        self._return_shares(acc, sp, q, 0.0)
        self.run.log.system_info(f"{code} 直接还券 {q} 股")
        return q

    # ------------------------------------------------------------------ corporate actions
    def corporate_actions(self, events) -> None:
        """Dividends and bonus shares on the ex-date (real-price runs), for the positions held
        at the previous close: a long gets the cash dividend (20 % withheld on stocks, as in
        the stock account) and the bonus shares (the fraction of a share in cash at the
        previous close); a short owes both -- the lender's dividend (pre-tax) is paid from the
        cash (权益补偿) and the shares owed grow by the bonus ratio (the fraction in cash)."""
        run = self.run
        for code, bonus, scale in events:
            cash_ps = bonus / 10.0
            is_stock = run.sec_type(code) == "stock"
            for a in self.accounts:
                for book, sign in ((a.long_positions, 1), (a.short_positions, -1)):
                    p = dict.get(book, code)
                    if p is None or p.total_amount <= 0:
                        continue
                    held = p.total_amount
                    if sign > 0:
                        pay = cash_ps * held * (0.8 if is_stock else 1.0)
                    else:
                        pay = -cash_ps * held
                    a.available_cash += round(pay, 2)
                    if scale > 1.0:
                        exact = held * scale
                        new_total = int(math.floor(exact + 1e-9))
                        ref = run.bar("pre_close", run.store.col(code))
                        a.available_cash += sign * (exact - new_total) * ref
                        p.total_amount = new_total
                        p.closeable_amount = new_total
                    p.avg_cost = (p.avg_cost - cash_ps) / max(scale, 1.0)
                    p.acc_avg_cost = (p.acc_avg_cost - cash_ps) / max(scale, 1.0)
                    p.hold_cost = (p.hold_cost - cash_ps) / max(scale, 1.0)
                    run.log.system_info(f"{code} 分红送股 (融资融券子账户 {a.pindex}, {'多' if sign > 0 else '空'}头 "
                                        f"{held}股): 每10股派{bonus:g}元, 送转比例{scale:g}")

    # ------------------------------------------------------------------ day boundaries
    def _positions(self):
        for a in self.accounts:
            yield from dict.values(a.long_positions)
            yield from dict.values(a.short_positions)

    def start_day(self) -> None:
        for a in self.accounts:
            a._prev_net = a.net_value if self.run.ledger else a.inout_cash
            for p in dict.values(a.long_positions):
                p.closeable_amount = p.total_amount
                p.today_amount = 0
            for p in dict.values(a.short_positions):
                p.closeable_amount = p.total_amount
                p.today_amount = 0

    def mark(self) -> None:
        run = self.run
        for p in self._positions():
            px = run.latest_price(run.store.col(p.security))
            if px == px:
                p.price = px

    def end_day(self) -> None:
        """Cancel what waited for an open that never came, accrue interest to the next trading
        day, warn when an account's maintenance ratio is under 130 %."""
        run = self.run
        for o, _a, _k in self.pending:
            if o.status is OrderStatus.new:
                o.status = OrderStatus.canceled
        self.pending = []
        self.mark()
        days = self.accrual_days()
        rci = self.rate("margincash_interest_rate")
        rsi = self.rate("marginsec_interest_rate")
        for a in self.accounts:
            a._cash_interest += a._cash_debt * rci * days / DAY_COUNT
            for sp in dict.values(a.short_positions):
                sp.accrued += sp.sold_value * rsi * days / DAY_COUNT
            m = a.maintenance_margin_rate
            if m < WARN_MAINTENANCE:
                run.log.system_warning(
                    f"融资融券子账户 {a.pindex}: 维持担保比例 {m * 100:.1f}% 低于 130% (总资产 {a.total_value:.2f}, "
                    f"总负债 {a.total_liability:.2f}); jqlite 不模拟强制平仓")

    def accrual_days(self) -> int:
        """Calendar days from today to the next trading day of the store (1 on its last day)."""
        run = self.run
        dates = run.store.dates
        i = run.day_i
        if i + 1 < len(dates):
            return int((dates[i + 1] - dates[i]).days)
        return 1

    def total_net(self) -> float:
        return sum(a.net_value for a in self.accounts)


def _reason(status: int, kind: str) -> str:
    if status == nb.REJECT_LIMIT:
        return "涨跌停, 订单取消"
    if status == nb.REJECT_VOLUME:
        return "当日无成交量, 订单取消"
    if kind in ("buy", "sec_close"):
        return "可用资金不足, 订单取消"
    return "下单数量为0, 订单取消"
