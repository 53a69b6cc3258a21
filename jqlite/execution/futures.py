"""Futures sub-accounts: margin, long and short positions, daily settlement, expiry.

A strategy gets futures accounts with ``set_subportfolios([SubPortfolioConfig(cash,
'futures'|'index_futures'), ...])``.  The run then holds a :class:`FuturesBook`
(``run.futures``): the stock account stays ``run.portfolio`` (empty when the strategy configured
none) and every futures account is a :class:`FuturesAccount`; ``context.portfolio`` becomes a
:class:`PortfolioView` summing them and ``context.subportfolios`` lists them in configuration
order.  The rules (JoinQuant's documentation, spec ``jq_trading_semantics.md`` §3, §5, §6.8, §7;
decisions in docs/futures.md):

* ``order(code, amount, side='long'|'short', pindex)``: ``amount > 0`` opens (a long is bought, a
  short sold), ``amount < 0`` closes; ``order_target`` aims at a number of lots of that side;
  ``order_value``/``order_target_value`` convert yuan to lots with ``price * multiplier *
  margin_rate`` (the margin a lot needs, spec §3.1).  T+0: what is opened can be closed at once.
  Continuous codes (``IF8888``, ``IF9999``) are not tradable.
* margin = ``price * multiplier * lots * margin_rate`` (rate: ``set_option('futures_margin_rate')``
  or the variety's default); an open needs margin + commission in ``available_cash`` (the
  quantity is reduced to what it affords, as for stock buys).
* fees: ``OrderCost`` of ``set_order_cost(..., type='index_futures'|'futures', ref=code or
  variety)`` on the traded value ``price * lots * multiplier``: ``open_commission`` on opens;
  closes use ``close_commission`` on yesterday's lots and ``close_today_commission`` on lots
  opened today (yesterday's first, 先开先平; ``close_today=True`` closes today's first);
  ``min_commission`` per order; no tax.  Default (nothing set): 0.000023 / 0.000023 / 0.0023
  (JoinQuant's documented index-futures example).
* equity: ``total_value = balance + floating P&L`` where ``balance`` is the cash after fees,
  realised and settled P&L, and floating P&L is measured from each position's ``hold_cost`` (the
  last settlement price, or the fill price of lots opened since); ``available_cash =
  total_value - margin``; ``positions_value = margin``.
* daily settlement (mark to market) at the close: every position's P&L to the day's settlement
  price is booked into ``balance`` and ``hold_cost`` becomes the settlement price.
* expiry: a position still open after its contract's last trading day is settled and closed at
  that day's settlement price, with no fee and no trade record (spec §5.1).
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import TYPE_CHECKING

from ..accounting.portfolio import Position, Positions, SubPortfolio
from ..data import futures as fdata
from ..data.calendar import CLOSE, OPEN
from .costs import DEFAULT_SLIPPAGE, OrderCost
from .orders import LimitOrderStyle, MarketOrderStyle, Order, OrderStatus, Trade

if TYPE_CHECKING:  # pragma: no cover
    from ..run import Run

#: Costs when the strategy sets none (JoinQuant's documented index-futures example, spec §5.2).
DEFAULT_FUTURES_COST = OrderCost(open_commission=0.000023, close_commission=0.000023,
                                 close_today_commission=0.0023, min_commission=0.0)
FUTURES_TYPES = ("futures", "index_futures")


def is_futures(code) -> bool:
    """Whether ``code`` is a futures code (contract month or continuous) of a known variety."""
    return fdata.parse(code) is not None


class FuturesPosition(Position):
    """A long or short futures position.  Amounts in lots, prices in yuan (index points for
    CFFEX), ``value = price * total_amount * multiplier`` (yuan)."""

    __slots__ = ("margin_rate",)

    def __init__(self, security: str, side: str, pindex: int, multiplier: float, margin_rate: float,
                 init_time: _dt.datetime | None = None):
        super().__init__(security, init_time)
        self.side = side
        self.pindex = pindex
        self._multiplier = float(multiplier)
        self.margin_rate = float(margin_rate)

    @property
    def multiplier(self) -> float:
        return self._multiplier

    @property
    def value(self) -> float:
        """Contract value ``price * total_amount * multiplier`` (yuan)."""
        return self.price * self.total_amount * self._multiplier

    @property
    def margin(self) -> float:
        """Margin held: ``value * margin_rate`` (yuan)."""
        return self.value * self.margin_rate

    @property
    def sign(self) -> int:
        return 1 if self.side == "long" else -1

    def floating(self) -> float:
        """P&L since the last settlement (or the fills since), yuan."""
        return (self.price - self.hold_cost) * self.total_amount * self._multiplier * self.sign

    def __repr__(self) -> str:
        return (f"UserPosition({{'security': '{self.security}', 'price': {self.price}, "
                f"'avg_cost': {self.avg_cost}, 'hold_cost': {self.hold_cost}, 'init_time': {self.init_time}, "
                f"'transact_time': {self.transact_time}, 'closeable_amount': {self.closeable_amount}, "
                f"'today_amount': {self.today_amount}, 'total_amount': {self.total_amount}, "
                f"'value': {self.value}, 'margin': {self.margin}, 'side': '{self.side}', 'pindex': {self.pindex}}})")


class FuturesAccount(SubPortfolio):
    """A ``'futures'``/``'index_futures'`` sub-account (``context.subportfolios[i]``)."""

    def __init__(self, cash: float, type: str, pindex: int):
        self._balance = float(cash)
        super().__init__(cash)
        self.type = type
        self.pindex = pindex
        self.maintenance_margin_rate = math.inf

    # available_cash is derived: SubPortfolio code (inout_cash, transfers) adds to it
    @property
    def available_cash(self) -> float:
        """``total_value - margin`` (yuan); may go negative after losses (no forced liquidation)."""
        return self.total_value - self.margin

    @available_cash.setter
    def available_cash(self, v: float) -> None:
        if hasattr(self, "long_positions"):
            self._balance += float(v) - self.available_cash
        else:
            self._balance = float(v)

    def _all(self):
        return list(self.long_positions.values()) + list(self.short_positions.values())

    @property
    def margin(self) -> float:
        """Margin of all positions (yuan)."""
        if not hasattr(self, "short_positions"):
            return 0.0
        return sum(p.margin for p in self._all())

    @margin.setter
    def margin(self, v) -> None:   # SubPortfolio.__init__ assigns 0.0
        pass

    @property
    def positions_value(self) -> float:
        """The margin held (so ``total_value = available_cash + positions_value``)."""
        return self.margin

    @property
    def total_value(self) -> float:
        """Equity: balance + floating P&L of all positions (yuan)."""
        return self._balance + sum(p.floating() for p in self._all())

    @property
    def transferable_cash(self) -> float:
        """What ``transfer_cash`` can move out: ``available_cash``."""
        return self.available_cash

    @transferable_cash.setter
    def transferable_cash(self, v) -> None:
        pass

    @property
    def available_margin(self) -> float:
        return self.available_cash

    @available_margin.setter
    def available_margin(self, v) -> None:
        pass

    def __repr__(self) -> str:
        return (f"SubPortfolio(type={self.type}, total_value={self.total_value:.2f}, "
                f"available_cash={self.available_cash:.2f}, margin={self.margin:.2f}, "
                f"long={list(self.long_positions)}, short={list(self.short_positions)})")


class PortfolioView:
    """``context.portfolio`` of a run with futures accounts: the sum of all sub-accounts.
    Position dicts merge the accounts' positions (a new dict per access)."""

    def __init__(self, book: "FuturesBook"):
        self._book = book

    def _subs(self):
        return self._book.subportfolios

    def _sum(self, name):
        return sum(getattr(s, name) for s in self._subs())

    inout_cash = property(lambda self: self._sum("inout_cash"))
    starting_cash = inout_cash
    available_cash = property(lambda self: self._sum("available_cash"))
    cash = available_cash
    locked_cash = property(lambda self: self._sum("locked_cash"))
    transferable_cash = property(lambda self: self._sum("transferable_cash"))
    positions_value = property(lambda self: self._sum("positions_value"))
    total_value = property(lambda self: self._sum("total_value"))
    portfolio_value = total_value
    margin = property(lambda self: sum(s.margin for s in self._subs()))
    total_liability = property(lambda self: self._sum("total_liability"))
    cash_liability = property(lambda self: self._sum("cash_liability"))
    sec_liability = property(lambda self: self._sum("sec_liability"))
    interest = property(lambda self: self._sum("interest"))
    net_value = property(lambda self: self._sum("net_value"))

    @property
    def subportfolios(self) -> list:
        return list(self._subs())

    def _merged(self, which: str) -> Positions:
        out = Positions()
        for s in self._subs():
            for k, p in getattr(s, which).items():
                dict.__setitem__(out, k, p)
        return out

    @property
    def long_positions(self) -> Positions:
        return self._merged("long_positions")

    positions = long_positions

    @property
    def short_positions(self) -> Positions:
        return self._merged("short_positions")

    @property
    def returns(self) -> float:
        """Cumulative return as of the previous trading day (spec §7.1)."""
        run = self._book.run
        prev = run.ledger[-1][1] if run.ledger else self.inout_cash
        return prev / self.inout_cash - 1.0 if self.inout_cash else 0.0

    def __repr__(self) -> str:
        return (f"Portfolio(total_value={self.total_value:.2f}, available_cash={self.available_cash:.2f}, "
                f"long={list(self.long_positions)}, short={list(self.short_positions)})")


class FuturesBook:
    """The futures side of one run (created by ``set_subportfolios``)."""

    def __init__(self, run: "Run", configs):
        self.run = run
        self.subportfolios: list = []
        self.accounts: list[FuturesAccount] = []
        self.margin_rate: float | None = None       # set_option('futures_margin_rate')
        self.pending: list[tuple] = []               # orders placed before the open
        from .margin import MARGIN_TYPE, MarginBook
        #: the 'stock_margin' accounts (jqlite.execution.margin), None when there is none
        self.margin: MarginBook | None = None
        stock_cash = 0.0
        stock_index = None
        for i, c in enumerate(configs):
            t = str(getattr(c, "type", "stock"))
            cash = float(getattr(c, "cash", 0.0))
            if t in FUTURES_TYPES:
                a = FuturesAccount(cash, t, i)
                self.accounts.append(a)
                self.subportfolios.append(a)
            elif t == MARGIN_TYPE:
                if self.margin is None:
                    self.margin = MarginBook(run)
                self.subportfolios.append(self.margin.add(cash, i))
            else:
                stock_cash += cash
                if stock_index is None:
                    stock_index = i
                    self.subportfolios.append(run.portfolio)
                else:     # further stock accounts are merged into the first
                    run.log.system_warning(f"set_subportfolios(): jqlite keeps one stock account; the cash of "
                                           f"sub-account {i} ({t}) is added to sub-account {stock_index}")
                    self.subportfolios.append(run.portfolio)
        pf = run.portfolio
        pf.available_cash = pf.inout_cash = pf.transferable_cash = stock_cash
        pf._prev_total_value = stock_cash
        pf.available_margin = stock_cash
        pf.pindex = stock_index if stock_index is not None else -1
        self.view = PortfolioView(self)

    # ------------------------------------------------------------------ lookups
    def account(self, pindex: int, code: str) -> FuturesAccount | None:
        """The futures account ``pindex`` names; ``pindex`` 0 with a stock account first means
        the first futures account (files written for one futures account pass no pindex)."""
        subs = self.subportfolios
        if 0 <= pindex < len(subs) and isinstance(subs[pindex], FuturesAccount):
            return subs[pindex]
        if pindex == 0 and self.accounts:
            return self.accounts[0]
        return None

    def rate(self, v: fdata.Variety) -> float:
        if self.margin_rate is not None:
            return self.margin_rate
        r = self.run.settings.futures_margin_rate
        return r if r is not None else v.margin

    def cost(self, code: str, v: fdata.Variety) -> OrderCost:
        costs = self.run.costs.costs
        for key in ((v.type, code), (v.type, v.symbol), ("futures", code), ("futures", v.symbol),
                    (v.type, None), ("futures", None)):
            c = costs.get(key)
            if c is not None:
                return c
        return DEFAULT_FUTURES_COST

    def slippage(self, code: str, v: fdata.Variety):
        sl = self.run.costs.slippages
        for key in ((v.type, code), (v.type, v.symbol), ("futures", code), ("futures", v.symbol),
                    (v.type, None), ("futures", None), (None, None)):
            s = sl.get(key)
            if s is not None:
                return s
        return DEFAULT_SLIPPAGE

    def settlement(self, code: str, j: int) -> float:
        """Today's settlement price of ``code`` (the sample market's; the close elsewhere)."""
        run = self.run
        st = run.store
        if getattr(st, "synthesizes", False):
            v = fdata.variety_of(code)
            ser = fdata.panel(st, v).series(code)
            if ser is not None:
                x = float(ser["settlement"][run.day_i])
                if x == x:
                    return x
        return run.bar("close", j)

    # ------------------------------------------------------------------ orders
    def _warn(self, text: str) -> None:
        self.run.log.order_warning(text)

    def held(self, code: str, side: str, pindex: int) -> int:
        a = self.account(pindex, code)
        if a is None:
            return 0
        book = a.long_positions if side == "long" else a.short_positions
        p = dict.get(book, code)
        return p.total_amount if p is not None else 0

    def lot_price(self, code: str, style) -> tuple[float, float]:
        """(price, yuan of margin per lot) used to size value orders."""
        run = self.run
        v = fdata.variety_of(code)
        j = run.store.col(code)
        px = style.limit_price if isinstance(style, LimitOrderStyle) else run.latest_price(j)
        return px, px * v.multiplier * self.rate(v)

    def place(self, code: str, amount: int, side: str, pindex: int = 0, style=None,
              close_today: bool = False) -> Order | None:
        """Open (``amount`` > 0) or close (< 0) ``abs(amount)`` lots on ``side``; the Order, or
        None when it cannot be created (logged)."""
        run = self.run
        if side not in ("long", "short"):
            self._warn(f"{code} side 必须是 'long' 或 'short', 不是 {side!r}, 订单取消")
            return None
        p = fdata.parse(code)
        if p is None:
            self._warn(f"{code} 不是期货合约, 订单取消")
            return None
        v, digits = p
        if digits in ("8888", "9999"):
            self._warn(f"{code} 是连续合约 (主力/指数), 不能交易, 订单取消")
            return None
        acc = self.account(pindex, code)
        if acc is None:
            self._warn(f"{code}: 子账户 pindex={pindex} 不是期货账户, 订单取消")
            return None
        amount = int(amount)
        if amount == 0:
            self._warn(f"{code} 下单数量为0, 订单取消")
            return None
        j = run.store.col(code)
        if not run.is_listed(j):
            self._warn(f"{code} 未上市或已到期, 订单取消")
            return None
        opening = amount > 0
        q = abs(amount)
        is_buy = (side == "long") == opening
        style = style or MarketOrderStyle()
        o = Order(run.broker.next_order_id, code, is_buy, q, run.current_dt, style)
        run.broker.next_order_id += 1
        o.side = side
        o.action = "open" if opening else "close"
        o.pindex = acc.pindex
        run.broker.orders[o.order_id] = o
        run.broker.all_orders.append(o)
        t = run.current_dt.time()
        if t < OPEN:
            o.status = OrderStatus.new
            self.pending.append((o, acc, v, close_today))
            return o
        if t >= CLOSE:
            o.status = OrderStatus.canceled
            o._reason = "收盘后下单, 订单取消"
            self._warn(f"{code} 订单 {o.order_id}: 收盘后下单, 订单取消")
            return o
        self._match(o, acc, v, close_today)
        return o

    def at_open(self) -> None:
        """Match the orders placed before the open, in placement order."""
        if self.margin is not None:
            self.margin.at_open()
        pend, self.pending = self.pending, []
        for o, acc, v, ct in pend:
            if o.status is OrderStatus.new:
                o.status = OrderStatus.open
                self._match(o, acc, v, ct)

    def cancel_pending(self) -> None:
        for o, _a, _v, _c in self.pending:
            if o.status is OrderStatus.new:
                o.status = OrderStatus.canceled
        self.pending = []

    def _cancel(self, o: Order, why: str) -> None:
        o.status = OrderStatus.canceled
        o._reason = why
        self._warn(f"{o.security} 订单 {o.order_id}: {why} (已成交 {o.filled}/{o.amount})")

    def _match(self, o: Order, acc: FuturesAccount, v: fdata.Variety, close_today: bool) -> None:
        run = self.run
        code = o.security
        j = run.store.col(code)
        price = run.latest_price(j)
        if not (price > 0):
            self._cancel(o, "没有价格, 订单取消")
            return
        slip = self.slippage(code, v)
        half = 0.0 if run.settings.match_by_signal else slip.half_spread(price, v.tick)
        fill = price + half if o.is_buy else price - half
        hl, ll = run.bar("high_limit", j), run.bar("low_limit", j)
        if o.is_limit:
            lim = o.style.limit_price
            if (o.is_buy and fill > lim + 1e-9) or (not o.is_buy and fill < lim - 1e-9):
                self._cancel(o, "限价单不能立即成交, 期货限价单只在下单时撮合, 订单取消")
                return
        if o.is_buy and hl == hl and price >= hl - 1e-9:
            self._cancel(o, "涨停, 买单取消")
            return
        if not o.is_buy and ll == ll and price <= ll + 1e-9:
            self._cancel(o, "跌停, 卖单取消")
            return
        fill = round(round(fill / v.tick) * v.tick, 6)     # fills are on the price grid
        if hl == hl:
            fill = min(fill, hl)
        if ll == ll:
            fill = max(fill, ll)
        q = o.amount
        vol = run.bar("volume", j) * run.settings.order_volume_ratio
        if vol == vol and q > vol:
            q = int(math.floor(vol))
        cost = self.cost(code, v)
        book = acc.long_positions if o.side == "long" else acc.short_positions
        pos = dict.get(book, code)
        mult = v.multiplier
        rate = self.rate(v)
        if o.action == "open":
            per_lot = fill * mult * (rate + cost.open_commission)
            afford = int(math.floor((acc.available_cash - cost.min_commission) / per_lot + 1e-9)) if per_lot > 0 else q
            if afford < q:
                q = max(afford, 0)
            if q <= 0:
                self._cancel(o, "可用资金不足, 订单取消")
                return
            commission = max(fill * q * mult * cost.open_commission, cost.min_commission)
            if pos is None:
                pos = FuturesPosition(code, o.side, acc.pindex, mult, rate, run.current_dt)
                dict.__setitem__(book, code, pos)
            amt = pos.total_amount
            pos.avg_cost = (pos.avg_cost * amt + fill * q) / (amt + q)
            pos.acc_avg_cost = pos.avg_cost
            pos.hold_cost = (pos.hold_cost * amt + fill * q) / (amt + q)
            pos.total_amount += q
            pos.closeable_amount += q           # T+0
            pos.today_amount += q
            pos.margin_rate = rate
        else:
            have = pos.closeable_amount if pos is not None else 0
            if have <= 0:
                self._cancel(o, f"没有可平的{'多' if o.side == 'long' else '空'}头仓位, 订单取消")
                return
            q = min(q, have)
            today = pos.today_amount
            old = pos.total_amount - today
            if close_today:
                q_today = min(q, today)
            else:
                q_today = max(0, q - old)
            q_old = q - q_today
            value = fill * mult
            commission = max(value * (q_old * cost.close_commission + q_today * cost.close_today_commission),
                             cost.min_commission)
            acc._balance += (fill - pos.hold_cost) * q * mult * pos.sign
            pos.total_amount -= q
            pos.closeable_amount -= q
            pos.today_amount -= q_today
        commission = round(commission, 2)
        acc._balance -= commission
        pos.price = price
        pos.transact_time = run.current_dt
        if pos.total_amount <= 0:
            dict.pop(book, code, None)
        o.filled = q
        o.price = fill
        o.avg_cost = fill
        o.commission = commission
        o._value = fill * q
        tr = Trade(run.broker.next_trade_id, o.order_id, run.current_dt, code, q, fill, o.is_buy, commission, 0.0)
        run.broker.next_trade_id += 1
        run.broker.trades[tr.trade_id] = tr
        run.broker.all_trades.append(tr)
        if o.is_buy:
            run.broker.day_buy_value += fill * q * mult
        else:
            run.broker.day_sell_value += fill * q * mult
        if q < o.amount:
            o.status = OrderStatus.canceled
            o._reason = "超出当日成交量或可用资金, 剩余部分取消"
            self._warn(f"{code} 订单 {o.order_id}: 超出当日成交量或可用资金, 剩余部分取消 (已成交 {q}/{o.amount})")
        else:
            o.status = OrderStatus.held

    # ------------------------------------------------------------------ day boundaries
    def positions(self):
        for a in self.accounts:
            for p in list(a.long_positions.values()) + list(a.short_positions.values()):
                yield a, p

    def start_day(self) -> None:
        for _a, p in self.positions():
            p.today_amount = 0
            p.closeable_amount = p.total_amount
        if self.margin is not None:
            self.margin.start_day()

    def mark(self) -> None:
        run = self.run
        for _a, p in self.positions():
            px = run.latest_price(run.store.col(p.security))
            if px == px:
                p.price = px
        if self.margin is not None:
            self.margin.mark()

    def end_day(self) -> None:
        """Cancel what waited for an open that never came, settle every position at the day's
        settlement price, close the positions of contracts whose last trading day is today."""
        run = self.run
        self.cancel_pending()
        if self.margin is not None:
            self.margin.end_day()
        today = run.current_date
        for a, p in list(self.positions()):
            j = run.store.col(p.security)
            st = self.settlement(p.security, j)
            if not (st == st):
                continue
            a._balance += (st - p.hold_cost) * p.total_amount * p._multiplier * p.sign
            p.hold_cost = st
            close = run.bar("close", j)
            p.price = close if close == close else st
            end = run.store.securities.at[p.security, "end_date"] if p.security in run.store.securities.index else None
            if end is not None and end == end and end.date() <= today:
                # delivery: closed at the settlement price, no fee, no trade record
                p.price = st      # settled at st above: closing there books nothing more
                book = a.long_positions if p.side == "long" else a.short_positions
                dict.pop(book, p.security, None)
                run.log.system_info(f"{p.security} 到期交割: {'多' if p.side == 'long' else '空'}头 {p.total_amount} 手"
                                    f"按结算价 {st:g} 平仓")

    def total_value(self) -> float:
        """Equity of the futures accounts plus the net value of the margin accounts (yuan)."""
        v = sum(a.total_value for a in self.accounts)
        return v + (self.margin.total_net() if self.margin is not None else 0.0)

    def ledger_cash(self) -> float:
        """Available cash of the futures and margin accounts (yuan)."""
        m = sum(a.available_cash for a in self.margin.accounts) if self.margin is not None else 0.0
        return sum(a.available_cash for a in self.accounts) + m

    def ledger_positions_value(self) -> float:
        """Futures margin plus the margin accounts' long market value (yuan)."""
        m = sum(a.positions_value for a in self.margin.accounts) if self.margin is not None else 0.0
        return sum(a.margin for a in self.accounts) + m

    def margin_account(self, pindex: int):
        """The margin account ``pindex`` names (the first one for ``pindex`` 0 when
        sub-account 0 is not a margin account: files written for one margin account pass
        no pindex); None when there is none."""
        if self.margin is None:
            return None
        from .margin import MarginAccount
        subs = self.subportfolios
        if 0 <= pindex < len(subs) and isinstance(subs[pindex], MarginAccount):
            return subs[pindex]
        if pindex == 0:
            return self.margin.accounts[0]
        return None

    def transfer(self, src: int, dst: int, cash: float) -> None:
        """``transfer_cash``: move ``cash`` yuan between sub-accounts (at most what ``src`` can
        transfer)."""
        subs = self.subportfolios
        for k in (src, dst):
            if not (0 <= k < len(subs)):
                from ..errors import ParamsError
                raise ParamsError(f"transfer_cash(): no sub-account pindex={k} (there are {len(subs)})")
        a, b = subs[src], subs[dst]
        cash = float(cash)
        if cash <= 0 or a is b:
            return
        from .margin import MarginAccount
        avail = a.available_cash if isinstance(a, FuturesAccount) else min(a.available_cash, a.transferable_cash)
        if cash > avail + 1e-6:
            self.run.log.system_warning(f"transfer_cash(): sub-account {src} can transfer {avail:.2f}, "
                                        f"not {cash:.2f}; {max(avail, 0):.2f} moved")
            cash = max(avail, 0.0)
        a.available_cash -= cash
        a.inout_cash -= cash
        if not isinstance(a, (FuturesAccount, MarginAccount)):
            a.transferable_cash -= cash
        b.available_cash += cash
        b.inout_cash += cash
        if not isinstance(b, (FuturesAccount, MarginAccount)):
            b.transferable_cash += cash
