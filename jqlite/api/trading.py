"""Order functions: order, order_value, order_target, order_target_value, cancel_order,
get_open_orders, get_orders, get_trades (spec ``jq_trading_semantics.md`` §3)."""

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
    price = _sizing_price(run, security, style)
    if not (price > 0):
        run.log.order_warning(f"{security} 没有价格 (未上市/停牌), 订单取消")
        return None
    shares = abs(value) / price
    sec_type = run.sec_type(security)
    lot, mn, step = lot_rules(security, sec_type)
    if value < 0:
        pos = run.portfolio.long_positions.get(security)
        closeable = pos.closeable_amount if pos is not None else 0
        if shares >= closeable - 1e-6 and closeable > 0:
            return run.broker.place(security, -closeable, style)
    q = int(math.floor(shares + 1e-6))
    q = (q // step) * step if q >= mn else 0
    if q == 0:
        run.log.order_warning(f"{security} 下单金额{value:.2f}不足一手, 下单数量为0, 订单取消")
        return None
    return run.broker.place(security, q if value > 0 else -q, style)


def _cancel_and_hold(run, security: str):
    """Cancel the security's unfinished orders (what the order_target* functions do first)
    and return ``(position or None, shares held incl. locked)``."""
    run.broker.cancel_open_for(security)
    pos = run.portfolio.long_positions.get(security)
    return pos, (pos.total_amount + pos.locked_amount) if pos is not None else 0


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
    pos, held = _cancel_and_hold(run, security)
    delta = int(amount) - held
    if delta == 0:
        run.log.order_warning(f"{security} 目标数量已经满足, 没有提交委托")
        return None
    return run.broker.place(security, delta, style)


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
    pos, held = _cancel_and_hold(run, security)
    if value <= 0:
        if held == 0:
            run.log.order_warning(f"{security} 目标数量已经满足, 没有提交委托")
            return None
        return run.broker.place(security, -held, style)
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
        return run.broker.place(security, -q, style)
    q = (q // step) * step if q >= mn else 0
    if q <= 0:
        run.log.order_warning(f"{security} 下单数量为0, 订单取消")
        return None
    return run.broker.place(security, q, style)


def cancel_order(order) -> Order | None:
    """Cancel an unfinished order (Order or order_id); None if it does not exist today."""
    return current_run("cancel_order").broker.cancel(order)


def get_open_orders() -> dict[int, Order]:
    """Today's unfinished orders (open-end fund orders waiting for a NAV included): dict
    order_id -> Order."""
    run = current_run("get_open_orders")
    out = dict(run.broker.open_orders)
    out.update({o.order_id: o for o in run.otc.pending})
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
    pf = run.portfolio
    pf.available_cash += float(cash)
    pf.inout_cash += float(cash)
