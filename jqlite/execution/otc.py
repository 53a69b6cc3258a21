"""Open-end (场外, ``.OF``) fund subscription and redemption: ``purchase``, ``redeem``,
``set_redeem_latency`` (JoinQuant's 场外基金 backtest API).

Rules (JoinQuant documents the API but not every number; each choice is written down here
and in ``docs/compatibility.md``):

* **Marks.**  During the day an open-end fund is marked at the previous NAV (today's is
  published after the close; :meth:`jqlite.run.Run.latest_price`), at the close at today's.
* **Pricing at the day's NAV (未知价法).**  An order placed on trading day T before 15:00 is
  confirmed at T's unit NAV (the fund's daily ``close`` = ``unit_net_value``); one placed at
  or after 15:00 (or on a day the fund has no NAV) waits for the next day's NAV.  Orders are
  confirmed at 15:00, so they stay ``open`` until then and ``cancel_order`` works before.
* **Purchase (申购), front-end fee, 外扣法 (the CSRC formula since 2007)**::

      net    = cash / (1 + rate)            (yuan, rounded half-up to cents)
      fee    = max(cash - net, min_commission),  net = cash - fee
      shares = round_half_up(net / NAV, 2)  (fund shares to 0.01, the usual contract rule)

  The cash is frozen when the order is placed (``locked_cash``) and spent at confirmation.
  New shares are redeemable from T+1 (``closeable_amount`` 0 on T).
* **Redemption (赎回)**::

      gross = shares * NAV,  fee = max(gross * rate, min_commission),  cash = gross - fee

  The shares leave the position at placement (locked); the cash is "in transit" (counted in
  ``total_value``, not in ``available_cash``) until the start of the T+n trading day, n from
  :meth:`OtcBook.latency` (``set_redeem_latency``).
* **Rates** come from ``set_order_cost``: ``open_commission`` = purchase rate,
  ``close_commission`` = redemption rate, ``min_commission`` a minimum fee, looked up as
  (fund sub-type, code) > ('open_fund', code) > fund sub-type > 'open_fund' > jqlite's fund
  default (0.03 %, min 5 yuan; JoinQuant documents no default — UNCONFIRMED).  Taxes never
  apply to funds.
* **Default redemption latency** (JoinQuant documents ``set_redeem_latency`` but, in the copies
  found, no default): the usual fund-contract payment days — money-market T+2, bond T+3,
  stock / mixture / other open funds T+4, QDII T+7.  ``set_redeem_latency(day, 'open_fund')``
  sets all sub-types; a sub-type or one fund (``ref``) overrides it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..data.calendar import CLOSE
from ..errors import ParamsError
from .costs import DEFAULT_FUND_COST, OrderCost
from .orders import MarketOrderStyle, Order, OrderStatus, Trade

if TYPE_CHECKING:  # pragma: no cover
    from ..run import Run

#: JoinQuant's open-end fund sub-types (get_all_securities / set_redeem_latency ``type``).
OTC_TYPES = ("open_fund", "stock_fund", "mixture_fund", "bond_fund", "money_market_fund", "QDII_fund")
DEFAULT_LATENCY = {"money_market_fund": 2, "bond_fund": 3, "stock_fund": 4, "mixture_fund": 4,
                   "open_fund": 4, "QDII_fund": 7}


def _cents(x: float) -> float:
    return math.floor(x * 100.0 + 0.5 + 1e-7) / 100.0


class OtcBook:
    """Open-end fund orders and redemptions in transit of one run (``run.otc``)."""

    def __init__(self, run: "Run"):
        self.run = run
        self.latencies: dict[tuple[str, str | None], int] = {}
        self.pending: list[Order] = []                 # placed, waiting for a NAV
        self.transit: list[tuple[int, float, Order]] = []   # (store day index due, cash, order)

    # ------------------------------------------------------------------ settings
    def set_latency(self, day, type: str = "open_fund", ref: str | None = None) -> None:
        if isinstance(day, bool) or not isinstance(day, (int, float)) or int(day) != day or not (1 <= day <= 30):
            raise ParamsError(f"set_redeem_latency(): day must be a whole number of trading days in 1..30, was {day!r}")
        if type not in OTC_TYPES:
            raise ParamsError(f"set_redeem_latency(): type must be one of {list(OTC_TYPES)}, was {type!r}")
        self.latencies[(type, ref)] = int(day)

    def latency(self, code: str) -> int:
        """Trading days from the confirmation day to the day the redemption cash arrives."""
        t = self.run.sec_type(code)
        for key in ((t, code), ("open_fund", code), (t, None), ("open_fund", None)):
            if key in self.latencies:
                return self.latencies[key]
        return DEFAULT_LATENCY.get(t, DEFAULT_LATENCY["open_fund"])

    def cost(self, code: str) -> OrderCost:
        t = self.run.sec_type(code)
        book = self.run.costs.costs
        for key in ((t, code), ("open_fund", code), (t, None), ("open_fund", None)):
            c = book.get(key)
            if c is not None:
                return c
        return DEFAULT_FUND_COST

    # ------------------------------------------------------------------ placing
    def _check(self, func: str, security: str) -> bool:
        run = self.run
        if not isinstance(security, str) or not security.endswith(".OF"):
            run.log.order_warning(f"{func}({security!r}): 只能申购/赎回场外基金 (.OF 代码), 订单取消")
            return False
        t = run.sec_type(security)   # raises SecurityNotFoundError naming an unknown fund
        if t not in OTC_TYPES:
            run.log.order_warning(f"{func}({security!r}): {t} 不是场外基金, 订单取消")
            return False
        if not run.is_listed(run.store.col(security)):
            run.log.order_warning(f"{func}({security!r}): 基金未成立或已终止, 订单取消")
            return False
        return True

    def _new_order(self, security: str, is_buy: bool) -> Order:
        br = self.run.broker
        o = Order(br.next_order_id, security, is_buy, 0, self.run.current_dt, MarketOrderStyle())
        br.next_order_id += 1
        br.orders[o.order_id] = o
        br.all_orders.append(o)
        return o

    def purchase(self, security: str, cash) -> Order | None:
        run = self.run
        if not self._check("purchase", security):
            return None
        cash = float(cash)
        if not (cash > 0) or not math.isfinite(cash):
            run.log.order_warning(f"purchase({security!r}): 申购金额应大于0, 当前申购金额: {cash}元, 订单取消")
            return None
        pf = run.portfolio
        if cash > pf.available_cash + 1e-9:
            run.log.order_warning(f"purchase({security!r}): 可用资金不足 ({pf.available_cash:.2f} < {cash:.2f}), 订单取消")
            return None
        o = self._new_order(security, True)
        o._value = cash              # the yuan asked for (amount is set at confirmation)
        o._locked_cash = cash
        pf.available_cash -= cash
        pf.locked_cash += cash
        o.status = OrderStatus.open
        self.pending.append(o)
        return o

    def redeem(self, security: str, amount) -> Order | None:
        run = self.run
        if not self._check("redeem", security):
            return None
        amount = float(amount)
        if not (amount > 0) or not math.isfinite(amount):
            run.log.order_warning(f"redeem({security!r}): 赎回份额应大于0, 当前赎回份额: {amount}份, 订单取消")
            return None
        pos = run.portfolio.long_positions.get(security)
        closeable = pos.closeable_amount if pos is not None else 0
        if closeable <= 0:
            run.log.order_warning(f"redeem({security!r}): 可赎回份额为0, 订单取消")
            return None
        if amount > closeable + 1e-9:
            run.log.order_warning(f"redeem({security!r}): 赎回份额{amount}超过可赎回份额{closeable}, 按{closeable}份赎回")
            amount = closeable
        amount = round(amount, 2)
        o = self._new_order(security, False)
        o.amount = amount
        o.avg_cost = pos.avg_cost
        pos.closeable_amount = round(pos.closeable_amount - amount, 2)
        pos.total_amount = round(pos.total_amount - amount, 2)
        pos.locked_amount = round(pos.locked_amount + amount, 2)
        o.status = OrderStatus.open
        self.pending.append(o)
        return o

    def cancel(self, o: Order) -> None:
        """``cancel_order`` of a pending fund order: release the cash or the shares."""
        if o not in self.pending:
            return
        self.pending.remove(o)
        pf = self.run.portfolio
        if o.is_buy:
            pf.locked_cash -= o._locked_cash
            pf.available_cash += o._locked_cash
            o._locked_cash = 0.0
        else:
            pos = pf.long_positions.get(o.security)
            if pos is not None:
                pos.locked_amount = round(pos.locked_amount - o.amount, 2)
                pos.total_amount = round(pos.total_amount + o.amount, 2)
                pos.closeable_amount = round(pos.closeable_amount + o.amount, 2)
        o.status = OrderStatus.canceled

    # ------------------------------------------------------------------ day events
    def start_day(self) -> None:
        """Pay the redemptions due today into ``available_cash`` (before any callback)."""
        if not self.transit:
            return
        run = self.run
        pf = run.portfolio
        keep = []
        for due, cash, o in self.transit:
            if due <= run.day_i:
                pf.redeeming_cash -= cash
                pf.available_cash += cash
                pf.transferable_cash += cash
                run.log.system_info(f"{o.security} 赎回款到账 {cash:.2f} 元 (订单 {o.order_id})")
            else:
                keep.append((due, cash, o))
        self.transit = keep
        if not keep:
            pf.redeeming_cash = 0.0

    def at_close(self) -> None:
        """Confirm the pending orders placed before 15:00 at today's NAV."""
        if not self.pending:
            return
        run = self.run
        today = run.current_date
        for o in list(self.pending):
            if o.status is not OrderStatus.open:
                self.pending.remove(o)
                continue
            placed = o.add_time
            if placed.date() == today and placed.time() >= CLOSE:
                continue          # after 15:00: the next trading day's NAV
            j = run.store.col(o.security)
            nav = run.bar("close", j)
            if not (nav == nav and nav > 0):
                continue          # no NAV today (not a fund business day): wait
            self.pending.remove(o)
            if o.is_buy:
                self._confirm_purchase(o, nav)
            else:
                self._confirm_redeem(o, nav)

    def _confirm_purchase(self, o: Order, nav: float) -> None:
        run = self.run
        pf = run.portfolio
        cost = self.cost(o.security)
        cash = o._value
        net = _cents(cash / (1.0 + cost.open_commission))
        fee = max(_cents(cash - net), cost.min_commission)
        net = cash - fee
        shares = _cents(net / nav)
        pf.locked_cash -= o._locked_cash
        o._locked_cash = 0.0
        if shares <= 0:
            pf.available_cash += cash
            o.status = OrderStatus.canceled
            run.log.order_warning(f"purchase({o.security!r}): 申购金额{cash:.2f}元不足以支付费用{fee:.2f}元, 订单取消")
            return
        spent = _cents(shares * nav) + fee
        pf.available_cash += cash - spent      # the rounding residue back to cash
        pos = pf.long_positions.get(o.security) or run.new_position(o.security)
        pos.on_buy(shares, nav, fee, run.current_dt)
        pos.total_amount = round(pos.total_amount, 2)
        o.amount = o.filled = shares
        o.price = nav
        o.avg_cost = nav
        o.commission = round(fee, 2)
        o.status = OrderStatus.held
        self._trade(o, shares, nav, fee)
        run.broker.day_buy_value += shares * nav

    def _confirm_redeem(self, o: Order, nav: float) -> None:
        run = self.run
        pf = run.portfolio
        cost = self.cost(o.security)
        gross = _cents(o.amount * nav)
        fee = min(max(_cents(gross * cost.close_commission), cost.min_commission), gross)
        cash = round(gross - fee, 2)
        pos = pf.long_positions.get(o.security)
        if pos is not None:
            pos.on_sell(o.amount, nav, fee, run.current_dt, from_locked=True)
            pos.locked_amount = round(pos.locked_amount, 2)
            if pos.total_amount + pos.locked_amount <= 1e-9:
                del pf.long_positions[o.security]
        o.filled = o.amount
        o.price = nav
        o.commission = round(fee, 2)
        o.status = OrderStatus.held
        self._trade(o, o.amount, nav, fee)
        run.broker.day_sell_value += o.amount * nav
        lat = self.latency(o.security)
        due = run.day_i + lat
        pf.redeeming_cash += cash
        self.transit.append((due, cash, o))
        if due >= run.store.n_days:
            run.note(f"redemption of {o.security} on {run.current_date} is due after the data store's last "
                     f"day; its cash stays in transit (counted in total_value)")

    def _trade(self, o: Order, amount: float, price: float, fee: float) -> None:
        br = self.run.broker
        tr = Trade(br.next_trade_id, o.order_id, self.run.current_dt, o.security, amount, price,
                   o.is_buy, round(fee, 2), 0.0)
        br.next_trade_id += 1
        br.trades[tr.trade_id] = tr
        br.all_trades.append(tr)
