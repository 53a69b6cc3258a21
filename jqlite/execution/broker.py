"""The simulated broker: order creation checks, bar matching, fills and the order book.

Matching rules (spec ``jq_trading_semantics.md`` §4) when the store has **minute bars**
(:mod:`jqlite.data.minute`), in daily and minute frequency alike:

* orders placed before 09:30 rest with status ``new`` and are matched at the open;
* market orders (and marketable limit orders) placed at 09:30 fill at the day's open, placed
  at HH:MM later in the session at the close of the minute bar labelled HH:MM (the last
  price of the previous minute), ± slippage; the volume cap is the whole day's volume
  (spec §4.6);
* resting limit orders are matched at the end of every later minute bar (buy when
  ``limit > bar low``, sell when ``limit < bar high``, at the limit price, at most
  ``bar volume * order_volume_ratio`` shares per bar, the rest carried to the next minute);
  fills are stamped with the bar's label; the commission minimum applies once per order;
* at 15:00 every unfinished order is cancelled.

With **daily bars only** (the documented fallback, also named in the run summary):

* orders placed before 09:30 rest with status ``new`` and are matched at the open;
* orders placed at 09:30 fill at the day's **open**;
* orders placed strictly between 09:30 and 15:00 fill at the day's **close** — without
  minute bars this is jqlite's documented approximation of JoinQuant's "last price of the
  previous minute" (most intraday tasks in real strategies run at 14:xx); logged once per run;
* resting limit orders are matched once against the day's high/low at 15:00 (a buy fills at
  the limit when ``limit > low``, a sell when ``limit < high``), then every unfinished order
  is cancelled (JoinQuant matches them minute by minute; documented approximation);
* orders placed at or after 15:00 stay ``new`` and are cancelled at the end of the day.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import TYPE_CHECKING

import numpy as np

from ..data.calendar import CLOSE, OPEN
from ..data.minute import label_time, slot_of
from . import nb
from .costs import category_of
from .orders import LimitOrderStyle, MarketOrderStyle, Order, OrderStatus, OrderStyle, Trade

if TYPE_CHECKING:  # pragma: no cover
    from ..run import Run

_REASONS = {
    nb.PARTIAL: "超出当日成交量或可用资金, 剩余部分取消",
    nb.REJECT_LIMIT: "涨跌停, 市价单取消",
    nb.REJECT_VOLUME: "当日无成交量, 订单取消",
    nb.REJECT_ZERO: "下单数量为0, 订单取消",
}


def lot_rules(code: str, sec_type: str) -> tuple[int, int, int]:
    """(lot, min_amount, step) of a security: STAR 688/689 -> (200, 200, 1), else 100-share
    lots (spec §4.3)."""
    if sec_type == "stock" and code.startswith(("688", "689")):
        return 200, 200, 1
    return 100, 100, 100


#: Fund code prefixes that trade T+0 on the exchanges: XSHG 511 (bond / money-market ETFs),
#: 513 (cross-border ETFs), 518 (gold ETFs).  XSHE 159 funds are T+0 when their name says they
#: are bond, money-market, gold, commodity or cross-border funds (_T0_NAME_WORDS).  JoinQuant
#: documents no list (spec §4.6 "UNCONFIRMED"); these are the exchanges' rules.
_T0_PREFIXES = ("511", "513", "518")
_T0_NAME_WORDS = ("债", "货币", "黄金", "金ETF", "豆粕", "纳指", "纳斯达克", "标普", "恒生", "H股", "港股",
                  "中概", "日经", "德国", "法国", "美国", "海外", "亚太", "东南亚")


def is_t0(code: str, sec_type: str, store=None) -> bool:
    """Whether a security trades T+0 (shares bought today may be sold today): bond,
    money-market, gold, commodity and cross-border ETFs (see ``_T0_PREFIXES``)."""
    if sec_type not in ("etf", "lof", "fund", "mmf"):
        return False
    if sec_type == "mmf":
        return True
    if code.endswith(".XSHG") and code.startswith(_T0_PREFIXES):
        return True
    if store is not None and code.endswith(".XSHE") and code.startswith("159"):
        name = store.cached("t0_names", lambda: {})
        v = name.get(code)
        if v is None:
            dn = str(store.display_name(code))
            v = name[code] = any(w in dn for w in _T0_NAME_WORDS)
        return v
    return False


class Broker:
    """Order book and matching for one run (created by :class:`jqlite.run.Run`)."""

    def __init__(self, run: "Run"):
        self.run = run
        self.next_order_id = 1
        self.next_trade_id = 1
        self.orders: dict[int, Order] = {}        # today's orders
        self.trades: dict[int, Trade] = {}        # today's trades
        self.open_orders: dict[int, Order] = {}   # today's unfinished orders
        self.all_orders: list[Order] = []         # whole run (results)
        self.all_trades: list[Trade] = []
        self._warned_intraday = False
        self._minute = run.minute
        self.day_buy_value = 0.0
        self.day_sell_value = 0.0

    # ------------------------------------------------------------------ day boundaries
    def start_day(self) -> None:
        self.orders = {}
        self.trades = {}
        self.open_orders = {}
        self.day_buy_value = 0.0
        self.day_sell_value = 0.0

    def at_open(self) -> None:
        """Match the orders that waited for the open (status ``new``), in placement order."""
        for o in list(self.open_orders.values()):
            if o.status is OrderStatus.new:
                o.status = OrderStatus.open
                self._match(o, placing=True)

    def advance(self) -> None:
        """Match resting limit orders against every minute bar that ended between their last
        check and ``run.current_dt`` (minute bars only; spec §4.4 "按分钟Bar撮合")."""
        if not self.open_orders or self._minute is None:
            return
        run = self.run
        upto = slot_of(run.current_dt.time())
        saved = run.current_dt
        mb = self._minute
        day = run.current_dt.date()
        try:
            for o in list(self.open_orders.values()):
                if o.status is OrderStatus.new or not o.is_limit or o._next_slot > upto:
                    continue
                j = run.store.col(o.security)
                bars = mb.day(j, run.day_i)
                if bars is None:
                    o._next_slot = upto + 1
                    continue
                scale = run.price_scale(j)
                lot, mn, step = lot_rules(o.security, run.sec_type(o.security))
                hi_a, lo_a, vol_a = bars["high"], bars["low"], bars["volume"]
                for k in range(o._next_slot, upto + 1):
                    if o.remaining <= 0 or o.order_id not in self.open_orders:
                        break
                    pos = run.portfolio.long_positions.get(o.security)
                    closeable = (pos.locked_amount if pos else 0) if not o.is_buy else o.remaining
                    q = nb.match_limit_bar_nb(o.is_buy, o.remaining, o.limit_price, hi_a[k] * scale,
                                              lo_a[k] * scale, vol_a[k] / scale,
                                              run.settings.order_volume_ratio, lot, mn, step, closeable)
                    if q > 0:
                        run.current_dt = _dt.datetime.combine(day, label_time(k))
                        self._fill(o, q, o.limit_price, from_locked=not o.is_buy)
                o._next_slot = upto + 1
        finally:
            run.current_dt = saved

    def at_close(self) -> None:
        """Match resting limit orders (against the remaining minute bars, or once against the
        day bar without minute bars), then cancel all unfinished orders."""
        run = self.run
        if self._minute is not None:
            self.advance()
            self.cancel_all("收盘, 未完成订单取消")
            return
        for o in list(self.open_orders.values()):
            if o.status is OrderStatus.new:
                continue  # placed after the close: cancelled at end of day
            if o.is_limit and o.remaining > 0:
                j = run.store.col(o.security)
                scale = run.price_scale(j)
                hi = run.bar("high", j) * scale
                lo = run.bar("low", j) * scale
                vol = run.bar("volume", j) / scale
                sec_type = run.sec_type(o.security)
                lot, mn, step = lot_rules(o.security, sec_type)
                pos = run.portfolio.long_positions.get(o.security)
                closeable = (pos.locked_amount if pos else 0) if not o.is_buy else 0
                q = nb.match_limit_bar_nb(o.is_buy, o.remaining, o.limit_price, hi, lo, vol,
                                          run.settings.order_volume_ratio, lot, mn, step,
                                          closeable if not o.is_buy else o.remaining)
                if q > 0:
                    self._fill(o, q, o.limit_price, from_locked=not o.is_buy)
        self.cancel_all("收盘, 未完成订单取消")

    def cancel_all(self, why: str) -> None:
        for o in list(self.open_orders.values()):
            self._cancel(o, why)

    # ------------------------------------------------------------------ placing
    def place(self, security: str, amount: int, style: OrderStyle | None) -> Order | None:
        """Create an order for ``amount`` shares (> 0 buy, < 0 sell); None when it cannot be
        created (spec §3.2)."""
        run = self.run
        if style is None:
            style = MarketOrderStyle()
        if amount == 0:
            run.log.order_warning(f"{security} 下单数量为0, 订单取消")
            return None
        is_buy = amount > 0
        amount = abs(int(amount))
        j = run.store.col(security)
        sec_type = run.sec_type(security)
        if sec_type == "index":
            run.log.order_warning(f"{security} 是指数, 不能交易")
            return None
        if not run.is_listed(j):
            run.log.order_warning(f"{security} 未上市或已退市, 订单取消")
            return None
        if run.is_paused(j):
            run.log.order_warning(f"{security} 停牌, 订单取消")
            return None
        lot, mn, step = lot_rules(security, sec_type)
        if lot == 200 and not isinstance(style, LimitOrderStyle) and style.limit_price is None:
            run.log.order_warning(f"{security} 科创板市价单必须指定保护价 (MarketOrderStyle(limit_price)), 订单取消")
            return None
        pos = run.portfolio.long_positions.get(security)
        if is_buy:
            q = nb.round_lot_nb(float(amount), lot, mn, step)
        else:
            closeable = pos.closeable_amount if pos is not None else 0
            if closeable <= 0:
                run.log.order_warning(f"{security} 可卖数量为0, 订单取消")
                return None
            if amount >= closeable:
                q = closeable  # selling everything: odd lots allowed
            else:
                q = nb.round_lot_nb(float(amount), lot, mn, step)
        if q <= 0:
            run.log.order_warning(f"{security} 下单数量{amount}不足一手, 下单数量为0, 订单取消")
            return None
        if q != amount:
            run.log.order_warning(f"{security} 下单数量{amount}调整为{q} (整手/可卖数量)")
        o = Order(self.next_order_id, security, is_buy, q, run.current_dt, style)
        self.next_order_id += 1
        if not is_buy:
            o.avg_cost = pos.avg_cost if pos is not None else 0.0
        self.orders[o.order_id] = o
        self.all_orders.append(o)
        t = run.current_dt.time()
        if t < OPEN or t >= CLOSE:
            o.status = OrderStatus.new
            self.open_orders[o.order_id] = o
            return o
        if t > OPEN and self._minute is None and not self._warned_intraday:
            self._warned_intraday = True
            run.log.system_info(
                f"jqlite: 日线回测中 {t.strftime('%H:%M')} 的订单按当日收盘价撮合 "
                "(no minute bars: orders placed between 09:30 and 15:00 fill at the day's close)")
            run.note(f"no minute bars in the data store: orders placed between 09:30 and 15:00 "
                     f"(first at {run.current_dt:%Y-%m-%d %H:%M}) filled at the day's close and resting "
                     f"limit orders were matched once against the day's high/low (JoinQuant uses "
                     f"minute bars for both)")
        self._match(o, placing=True)
        return o

    def _lock_shares(self, o: Order) -> None:
        pos = self.run.portfolio.long_positions.get(o.security)
        if pos is None:
            return
        q = min(o.remaining, pos.closeable_amount)
        pos.closeable_amount -= q
        pos.total_amount -= q
        pos.locked_amount += q

    def _match(self, o: Order, placing: bool) -> None:
        """Match ``o`` now at the latest price (synchronously, like JoinQuant's backtest)."""
        run = self.run
        j = run.store.col(o.security)
        scale = run.price_scale(j)
        price = run.latest_price(j)
        sec_type = run.sec_type(o.security)
        slip = run.costs.slippage_for(o.security, sec_type)
        tick = 0.01 if category_of(sec_type) == "stock" else 0.001
        half = slip.half_spread(price, tick) if slip is not None else 0.0
        if run.settings.match_by_signal:
            half = 0.0
        cost = run.costs.cost_for(o.security, sec_type)
        taxable = sec_type == "stock"
        hl = run.bar("high_limit", j) * scale
        ll = run.bar("low_limit", j) * scale
        vol = run.bar("volume", j) / scale
        lot, mn, step = lot_rules(o.security, sec_type)
        pos = run.portfolio.long_positions.get(o.security)
        limit = o.style.limit_price
        if o.is_limit:
            marketable = (price + half <= limit + 1e-9) if o.is_buy else (price - half >= limit - 1e-9)
            if not marketable:
                self._rest(o)
                return
        elif limit is not None and lot == 200:
            # STAR protective price: never buy above / sell below it (spec §3.6)
            if (o.is_buy and price + half > limit) or (not o.is_buy and price - half < limit):
                self._cancel(o, "价格超出保护价, 订单取消")
                return
        if o.is_buy:
            rate, tax = cost.open_commission, (cost.open_tax if taxable else 0.0)
        else:
            rate, tax = cost.close_commission, (cost.close_tax if taxable else 0.0)
        closeable = pos.closeable_amount if pos is not None else 0
        status, q, fill_price, _c, _t = nb.match_market_nb(
            o.is_buy, o.remaining, price, half, hl if not o.is_limit else math.nan,
            ll if not o.is_limit else math.nan, vol, run.settings.order_volume_ratio,
            run.portfolio.available_cash, closeable, lot, mn, step, rate, tax, cost.min_commission)
        if q > 0:
            self._fill(o, q, fill_price, from_locked=False)
        if o.remaining > 0:
            if o.is_limit and status in (nb.PARTIAL, nb.REJECT_VOLUME):
                self._rest(o)  # the rest of a limit order keeps working (spec §4.4 / §4.6)
                return
            why = _REASONS.get(status, "超出当日成交量或可用资金, 剩余部分取消")
            self._cancel(o, why)

    def _rest(self, o: Order) -> None:
        run = self.run
        self.open_orders[o.order_id] = o
        o._next_slot = slot_of(run.current_dt.time()) + 1
        if o.is_buy:
            o._locked_cash = o.style.limit_price * o.remaining
            run.portfolio.available_cash -= o._locked_cash
            run.portfolio.locked_cash += o._locked_cash
        else:
            self._lock_shares(o)

    # ------------------------------------------------------------------ fills / cancels
    def _fill(self, o: Order, q: int, price: float, from_locked: bool) -> None:
        run = self.run
        sec_type = run.sec_type(o.security)
        cost = run.costs.cost_for(o.security, sec_type)
        taxable = sec_type == "stock"
        if o.is_buy:
            rate, tax_rate = cost.open_commission, (cost.open_tax if taxable else 0.0)
        else:
            rate, tax_rate = cost.close_commission, (cost.close_tax if taxable else 0.0)
        value = q * price
        # min_commission applies per order (spec §4.7): charge the increment of the order total
        new_value = o._value + value
        c_total, _ = nb.fee_nb(new_value, rate, 0.0, cost.min_commission)
        commission = c_total - o._commission_only
        tax = nb.round_half_up_nb(value * tax_rate, 2)
        fees = commission + tax
        o._commission_only = c_total
        o._value = new_value
        o.price = new_value / (o.filled + q)
        o.filled += q
        o.commission = round(o.commission + fees, 2)
        o.tax = round(o.tax + tax, 2)
        pf = run.portfolio
        pos = pf.long_positions.get(o.security)
        if o.is_buy:
            if o._locked_cash:
                release = min(o._locked_cash, o.style.limit_price * q)
                o._locked_cash -= release
                pf.locked_cash -= release
                pf.available_cash += release
            if pos is None:
                pos = run.new_position(o.security)
            pos.on_buy(q, price, fees, run.current_dt)
            if run.settings.t0_mode or is_t0(o.security, sec_type, run.store):
                pos.closeable_amount += q
            pf.available_cash -= value + fees
            o.avg_cost = o.price
            self.day_buy_value += value
        else:
            pos.on_sell(q, price, fees, run.current_dt, from_locked)
            pf.available_cash += value - fees
            pf.transferable_cash = min(pf.transferable_cash, pf.available_cash)
            self.day_sell_value += value
            if pos.total_amount + pos.locked_amount <= 0:
                del pf.long_positions[o.security]
        tr = Trade(self.next_trade_id, o.order_id, run.current_dt, o.security, q, price, o.is_buy,
                   commission, tax)
        self.next_trade_id += 1
        self.trades[tr.trade_id] = tr
        self.all_trades.append(tr)
        if o.filled >= o.amount:
            o.status = OrderStatus.held
            self.open_orders.pop(o.order_id, None)
        else:
            o.status = OrderStatus.filled

    def _cancel(self, o: Order, why: str) -> None:
        run = self.run
        if o._locked_cash:
            run.portfolio.locked_cash -= o._locked_cash
            run.portfolio.available_cash += o._locked_cash
            o._locked_cash = 0.0
        if not o.is_buy and o.is_limit:
            pos = run.portfolio.long_positions.get(o.security)
            if pos is not None and pos.locked_amount > 0:
                back = min(pos.locked_amount, o.remaining)
                pos.locked_amount -= back
                pos.total_amount += back
                pos.closeable_amount += back
        o.status = OrderStatus.canceled
        o._reason = why
        self.open_orders.pop(o.order_id, None)
        if o.filled < o.amount and why:
            run.log.order_warning(f"{o.security} 订单 {o.order_id}: {why} (已成交 {o.filled}/{o.amount})")

    def cancel(self, order_or_id) -> Order | None:
        """``cancel_order``: cancel an unfinished order; None if it does not exist."""
        oid = order_or_id.order_id if isinstance(order_or_id, Order) else int(order_or_id)
        o = self.orders.get(oid)
        if o is None:
            return None
        if o in self.run.otc.pending:   # an open-end fund order (jqlite.execution.otc)
            self.run.otc.cancel(o)
            return o
        if o.order_id in self.open_orders:
            self._cancel(o, "")
        elif o.status is OrderStatus.new:
            # a futures / margin order waiting for the open (FuturesBook / MarginBook pending:
            # only orders still 'new' are matched there)
            o.status = OrderStatus.canceled
        return o

    def cancel_open_for(self, security: str) -> None:
        for o in list(self.open_orders.values()):
            if o.security == security:
                self._cancel(o, "")

    def pending_amount(self, security: str) -> int:
        """Signed shares still to be filled by today's open orders on ``security``."""
        s = 0
        for o in self.open_orders.values():
            if o.security == security:
                s += o.remaining if o.is_buy else -o.remaining
        return s
