"""Order functions: order, order_value, order_target, order_target_value, cancel_order,
get_open_orders, get_orders, get_trades (spec ``jq_trading_semantics.md`` §3), and the
margin-trading (融资融券) functions margincash_open/close/direct_refund and
marginsec_open/close/direct_refund (:mod:`jqlite.execution.margin`)."""

from __future__ import annotations

import math

import numbers

import numpy as np

from ..errors import ParamsError
from ..execution.broker import lot_rules
from ..execution.orders import LimitOrderStyle, Order, OrderStatus, OrderStyle
from ._binding import current_run


def _finite(value, name: str, func: str) -> float:
    """``value`` as a float, or ParamsError naming the argument when it is not a finite
    number (NaN, inf, None, a string): JoinQuant rejects such orders with a parameter error
    rather than letting ``int(nan)`` raise a bare ValueError from inside the engine.  A numpy
    array of one element counts as that element (numpy 1.x's ``float()`` rule)."""
    if isinstance(value, np.ndarray) and value.size == 1:
        # numpy 1.x (JoinQuant's) converted a one-element array with float(): a value read
        # as attribute_history(...)['close'].values is accepted as its one number
        value = value.reshape(()).item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ParamsError(f"{func}(): {name} must be a number, was {value!r} ({type(value).__name__})")
    v = float(value)
    if not math.isfinite(v):
        raise ParamsError(f"{func}(): {name} must be a finite number, was {value!r}")
    return v


def _check_side(side: str, func: str) -> bool:
    if side != "long":
        current_run(func).log.order_warning(f"{func}(): 股票/基金不支持 side='{side}', 订单取消")
        return False
    return True


def _sizing_price(run, security: str, style: OrderStyle | None) -> float:
    """Price used to turn yuan into shares: the limit price of a limit order, otherwise the
    latest price without slippage (spec §3.1 / FAQ S2)."""
    if isinstance(style, LimitOrderStyle):
        return style.limit_price
    j = run.store.col(security)
    return run.latest_price(j)


def _futures_book(run, security, func: str):
    """The run's FuturesBook when ``security`` is a futures code (None for anything else); a
    futures code without a futures sub-account is refused (logged) with ``False``, and so is
    an option code (JoinQuant serves option data but does not backtest option orders)."""
    from ..data.options import is_option_code
    from ..execution.futures import is_futures
    if is_option_code(security):
        # JoinQuant's options docs: "目前只提供期权数据，暂时还不支持期权的回测、模拟及实盘"
        run.log.order_warning(f"{func}(): {security} 是期权; 聚宽只提供期权数据, 不支持期权的回测交易 "
                              f"(jqlite 同样拒绝), 订单取消")
        return False
    if not is_futures(security):
        return None
    if run.futures is None:
        run.log.order_warning(f"{func}(): {security} 是期货, 需要期货子账户 "
                              f"(set_subportfolios([SubPortfolioConfig(cash, 'futures')])), 订单取消")
        return False
    return run.futures


def _futures_target(run, book, security, target: int, side, pindex, style, close_today, func):
    """Trade ``security`` on ``side`` to ``target`` lots (cancelling nothing: futures orders
    never rest)."""
    held = book.held(security, side, int(pindex))
    delta = int(target) - held
    if delta == 0:
        run.log.order_warning(f"{security} 目标数量已经满足, 没有提交委托")
        return None
    return book.place(security, delta, side, int(pindex), style, close_today)


def _futures_lots(run, book, security, value: float, style, func: str):
    """Lots worth ``value`` yuan of margin (spec §3.1: value = price * lots * multiplier *
    margin rate), rounded toward zero; None when there is no price."""
    px, per_lot = book.lot_price(security, style)
    if not (per_lot > 0):
        run.log.order_warning(f"{security} 没有价格 (未上市/已到期), 订单取消")
        return None
    return int(math.floor(abs(value) / per_lot + 1e-9)) * (1 if value >= 0 else -1)


def order(security: str, amount: int, style: OrderStyle | None = None, side: str = "long",
          pindex: int = 0, close_today: bool = False) -> Order | None:
    """Buy (``amount`` > 0) or sell (< 0) ``amount`` shares of ``security``.

    Returns the Order (possibly ``canceled`` when it could not fill) or None when it could
    not be created (suspended, unlisted, zero after lot rounding ...; spec §3.2).
    Buys are rounded down to 100-share lots (STAR: 200 minimum, then single shares); a sell
    of the whole closeable position may be an odd lot (spec §4.3).
    """
    run = current_run("order")
    amount = _finite(amount, "amount", "order")
    book = _futures_book(run, security, "order")
    if book is not None:
        return book.place(security, int(amount), side, int(pindex), style, close_today) if book else None
    if not _check_side(side, "order"):
        return None
    acc = _margin_target(run, pindex)
    if acc is not None:
        return _margin_place(run, acc, security, int(amount), style)
    return run.broker.place(security, int(amount), style)


def order_value(security: str, value: float, style: OrderStyle | None = None, side: str = "long",
                pindex: int = 0, close_today: bool = False) -> Order | None:
    """Buy (``value`` > 0) or sell (< 0) about ``value`` yuan of ``security``: shares =
    value / latest price (no slippage), rounded down to the lot (spec §3.1)."""
    run = current_run("order_value")
    value = _finite(value, "value", "order_value")
    book = _futures_book(run, security, "order_value")
    if book is not None:
        if not book:
            return None
        lots = _futures_lots(run, book, security, value, style, "order_value")
        if not lots:
            if lots == 0:
                run.log.order_warning(f"{security} 下单金额{value:.2f}不足一手保证金, 下单数量为0, 订单取消")
            return None
        return book.place(security, lots, side, int(pindex), style, close_today)
    if not _check_side(side, "order_value"):
        return None
    pf, place = _stock_account(run, pindex)
    price = _sizing_price(run, security, style)
    if not (price > 0):
        run.log.order_warning(f"{security} 没有价格 (未上市/停牌), 订单取消")
        return None
    shares = abs(value) / price
    sec_type = run.sec_type(security)
    lot, mn, step = lot_rules(security, sec_type)
    if value < 0:
        pos = dict.get(pf.long_positions, security)
        closeable = pos.closeable_amount if pos is not None else 0
        if shares >= closeable - 1e-6 and closeable > 0:
            return place(security, -closeable, style)
    q = int(math.floor(shares + 1e-6))
    q = (q // step) * step if q >= mn else 0
    if q == 0:
        run.log.order_warning(f"{security} 下单金额{value:.2f}不足一手, 下单数量为0, 订单取消")
        return None
    return place(security, q if value > 0 else -q, style)


def _cancel_and_hold(run, security: str, pf=None):
    """Cancel the security's unfinished orders (what the order_target* functions do first)
    and return ``(position or None, shares held incl. locked)`` in ``pf`` (default: the stock
    account)."""
    run.broker.cancel_open_for(security)
    pos = dict.get((pf if pf is not None else run.portfolio).long_positions, security)
    return pos, (pos.total_amount + pos.locked_amount) if pos is not None else 0


# ---------------------------------------------------------------------------- margin accounts
def _margin_target(run, pindex):
    """The margin account an ordinary order with ``pindex`` goes to (担保品买卖), or None for
    the stock account: sub-account ``pindex`` is a ``'stock_margin'`` account, or ``pindex`` 0
    when the strategy configured no stock account."""
    book = run.futures
    if book is None or book.margin is None:
        return None
    from ..execution.margin import MarginAccount
    try:
        k = int(pindex)
    except (TypeError, ValueError):
        return None
    subs = book.subportfolios
    if 0 <= k < len(subs) and isinstance(subs[k], MarginAccount):
        return subs[k]
    if k == 0 and run.portfolio.pindex == -1:
        return book.margin.accounts[0]
    return None


def _margin_place(run, acc, security: str, amount: int, style):
    """An ordinary buy (``amount`` > 0) or sell (< 0) of collateral on margin account ``acc``."""
    if amount == 0:
        run.log.order_warning(f"{security} 下单数量为0, 订单取消")
        return None
    return run.futures.margin.place(acc, security, abs(amount), "buy" if amount > 0 else "sell", style)


def _stock_account(run, pindex):
    """``(account, place)`` for an ordinary stock order: the margin account ``pindex`` names
    (担保品买卖) or the stock account with the broker's ``place``."""
    acc = _margin_target(run, pindex)
    if acc is None:
        return run.portfolio, run.broker.place
    return acc, lambda security, q, style: _margin_place(run, acc, security, q, style)


def _margin_account(run, pindex, func: str, security: str | None = None):
    """The margin account of a margin function, or None (logged) when ``pindex`` names none
    (JoinQuant: only 'stock_margin' sub-accounts can trade on margin) or ``security`` is a
    futures code."""
    from ..data.options import is_option_code
    from ..execution.futures import is_futures
    what = f"{func}({security or ''})"
    if security is not None and (is_futures(security) or is_option_code(security)):
        run.log.order_warning(f"{what}: {security} 是{'期货' if is_futures(security) else '期权'}, 不能融资融券, 订单取消")
        return None
    book = run.futures
    acc = book.margin_account(int(pindex)) if book is not None else None
    if acc is None:
        run.log.order_warning(f"{what}: 子账户 pindex={pindex} 不是融资融券账户 (需要 set_subportfolios("
                              f"[SubPortfolioConfig(cash, 'stock_margin')])), 订单取消")
    return acc


def _margin_order(func: str, kind: str, security, amount, style, pindex):
    run = current_run(func)
    amount = _finite(amount, "amount", func)
    acc = _margin_account(run, pindex, func, security)
    if acc is None:
        return None
    return run.futures.margin.place(acc, security, int(amount), kind, style)


def margincash_open(security: str, amount: int, style: OrderStyle | None = None, pindex: int = 0) -> Order | None:
    """融资买入: buy ``amount`` shares (rounded down to the lot) of ``security`` with borrowed
    cash on margin account ``pindex``; price x shares + fees become ``cash_liability``.

    Needs ``(value + fees) * margincash_margin_rate`` of ``available_margin``; the quantity
    is reduced to what it affords.  Returns the Order (``canceled`` when nothing filled,
    reason in the log) or None when it cannot be created: ``pindex`` is not a
    ``'stock_margin'`` account, ``security`` is no 融资 target, suspended, ... (logged).
    See :mod:`jqlite.execution.margin` and docs/margin.md.
    """
    return _margin_order("margincash_open", "cash_open", security, amount, style, pindex)


def margincash_close(security: str, amount: int, style: OrderStyle | None = None, pindex: int = 0) -> Order | None:
    """卖券还款: sell ``amount`` closeable shares (T+1) of ``security`` held in the margin
    account; the proceeds net of fees repay the financing interest, then its principal, and
    the rest is cash.  Returns the Order or None (logged)."""
    return _margin_order("margincash_close", "cash_close", security, amount, style, pindex)


def marginsec_open(security: str, amount: int, style: OrderStyle | None = None, pindex: int = 0) -> Order | None:
    """融券卖出: sell ``amount`` borrowed shares of ``security`` (a 融券 target); the
    proceeds are frozen for buy-backs and ``sec_liability`` is the shares owed at the latest
    price.  Needs ``value * marginsec_margin_rate`` (+ fees) of ``available_margin``.  Returns
    the Order or None (logged)."""
    return _margin_order("marginsec_open", "sec_open", security, amount, style, pindex)


def marginsec_close(security: str, amount: int, style: OrderStyle | None = None, pindex: int = 0) -> Order | None:
    """买券还券: buy back ``amount`` shares of ``security`` (at most the shares owed; the
    whole short may be an odd lot) and return them; the frozen proceeds pay first, then the
    cash, and the short's accrued interest is paid pro rata.  Returns the Order or None."""
    return _margin_order("marginsec_close", "sec_close", security, amount, style, pindex)


def margincash_direct_refund(value: float, pindex: int = 0) -> float | None:
    """直接还款: repay up to ``value`` yuan of financing (interest first) from the margin
    account's cash.  Returns the yuan repaid (jqlite; JoinQuant documents no return value),
    None when ``pindex`` is not a margin account (logged)."""
    run = current_run("margincash_direct_refund")
    value = _finite(value, "value", "margincash_direct_refund")
    acc = _margin_account(run, pindex, "margincash_direct_refund")
    if acc is None:
        return None
    return run.futures.margin.direct_refund_cash(acc, value)


def marginsec_direct_refund(security: str, amount: int, pindex: int = 0) -> int | None:
    """直接还券: return up to ``amount`` shares of ``security`` held in the margin account
    (shares bought today included) against its short; its frozen proceeds are released and
    its accrued interest paid pro rata.  Returns the shares returned (jqlite), None when
    ``pindex`` is not a margin account (logged)."""
    run = current_run("marginsec_direct_refund")
    amount = _finite(amount, "amount", "marginsec_direct_refund")
    acc = _margin_account(run, pindex, "marginsec_direct_refund", security)
    if acc is None:
        return None
    return run.futures.margin.direct_refund_sec(acc, security, int(amount))


def order_target(security: str, amount: int, style: OrderStyle | None = None, side: str = "long",
                 pindex: int = 0, close_today: bool = False) -> Order | None:
    """Trade so that the position holds ``amount`` shares; first cancels the security's
    unfinished orders (spec §3.1).  ``amount`` 0 sells the whole closeable position."""
    run = current_run("order_target")
    amount = _finite(amount, "amount", "order_target")
    book = _futures_book(run, security, "order_target")
    if book is not None:
        return _futures_target(run, book, security, int(amount), side, pindex, style, close_today,
                               "order_target") if book else None
    if not _check_side(side, "order_target"):
        return None
    pf, place = _stock_account(run, pindex)
    pos, held = _cancel_and_hold(run, security, pf)
    delta = int(amount) - held
    if delta == 0:
        run.log.order_warning(f"{security} 目标数量已经满足, 没有提交委托")
        return None
    return place(security, delta, style)


def order_target_value(security: str, value: float, style: OrderStyle | None = None, side: str = "long",
                       pindex: int = 0, close_today: bool = False) -> Order | None:
    """Trade so that the position is worth about ``value`` yuan; first cancels the security's
    unfinished orders.  ``value`` 0 sells the whole closeable position (never leaves an odd
    lot through float error, spec §9.1 item 21)."""
    run = current_run("order_target_value")
    value = _finite(value, "value", "order_target_value")
    book = _futures_book(run, security, "order_target_value")
    if book is not None:
        if not book:
            return None
        if value <= 0:
            target = 0
        else:
            target = _futures_lots(run, book, security, value, style, "order_target_value")
            if target is None:
                return None
        return _futures_target(run, book, security, target, side, pindex, style, close_today,
                               "order_target_value")
    if not _check_side(side, "order_target_value"):
        return None
    pf, place = _stock_account(run, pindex)
    pos, held = _cancel_and_hold(run, security, pf)
    if value <= 0:
        if held == 0:
            run.log.order_warning(f"{security} 目标数量已经满足, 没有提交委托")
            return None
        return place(security, -held, style)
    price = _sizing_price(run, security, style)
    if not (price > 0):
        run.log.order_warning(f"{security} 没有价格 (未上市/停牌), 订单取消")
        return None
    delta_value = value - held * price
    sec_type = run.sec_type(security)
    lot, mn, step = lot_rules(security, sec_type)
    shares = abs(delta_value) / price
    q = int(math.floor(shares + 1e-6))
    if delta_value < 0:
        closeable = pos.closeable_amount if pos is not None else 0
        if q >= closeable:
            q = closeable
        else:
            q = (q // step) * step if (held - q >= mn or q >= mn) else 0
        if q <= 0:
            run.log.order_warning(f"{security} 目标数量已经满足, 没有提交委托")
            return None
        return place(security, -q, style)
    q = (q // step) * step if q >= mn else 0
    if q <= 0:
        run.log.order_warning(f"{security} 下单数量为0, 订单取消")
        return None
    return place(security, q, style)


def cancel_order(order) -> Order | None:
    """Cancel an unfinished order (Order or order_id); None if it does not exist today."""
    return current_run("cancel_order").broker.cancel(order)


def get_open_orders() -> dict[int, Order]:
    """Today's unfinished orders (open-end fund orders waiting for a NAV, futures and margin
    orders waiting for the open included): dict order_id -> Order."""
    run = current_run("get_open_orders")
    out = dict(run.broker.open_orders)
    out.update({o.order_id: o for o in run.otc.pending})
    if run.futures is not None:     # futures / margin orders waiting for the open
        waiting = [t[0] for t in run.futures.pending]
        if run.futures.margin is not None:
            waiting += [t[0] for t in run.futures.margin.pending]
        out.update({o.order_id: o for o in waiting if o.status is OrderStatus.new})
    return out


def get_orders(order_id=None, security=None, status=None) -> dict[int, Order]:
    """Today's orders, optionally filtered by id, security and status (OrderStatus or name)."""
    out = {}
    for oid, o in current_run("get_orders").broker.orders.items():
        if order_id is not None and oid != order_id:
            continue
        if security is not None and o.security != security:
            continue
        if status is not None and o.status != status:
            continue
        out[oid] = o
    return out


def get_trades() -> dict:
    """Today's fills: dict trade_id -> Trade."""
    return dict(current_run("get_trades").broker.trades)


def inout_cash(cash: float, pindex: int = 0) -> None:
    """Deposit (+) or withdraw (-) cash in yuan; it counts as principal from today."""
    run = current_run("inout_cash")
    pf = _margin_target(run, pindex) or run.portfolio   # a margin account when pindex names one
    pf.available_cash += float(cash)
    pf.inout_cash += float(cash)
