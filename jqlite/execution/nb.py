"""Numba kernels for A-share order matching and fees (pure functions of scalars).

Every kernel is ``@njit(cache=True, nogil=True)`` and keeps a ``.py_func`` twin that tests
call too.  Business outcomes are integer status codes (see :mod:`jqlite.enums`), never
exceptions.  Rules and their sources: spec ``jq_trading_semantics.md`` §4 (matching), §5
(costs and slippage).
"""

from __future__ import annotations

import math

from numba import njit

# status codes returned by match_market_nb (mirrored in jqlite.execution.orders.MatchStatus)
FILLED = 0            # whole requested amount filled
PARTIAL = 1           # some filled, the rest cancelled (volume cap / cash)
REJECT_LIMIT = 2      # buy at/above limit-up or sell at/below limit-down: cancelled
REJECT_VOLUME = 3     # no volume that day
REJECT_ZERO = 4       # amount rounds to zero (cash, closeable, lot)

EPS = 1e-9


@njit(cache=True, nogil=True)
def round_half_up_nb(x: float, ndigits: int) -> float:
    """Round half away from zero to ``ndigits`` decimals (money rounding: 0.005 -> 0.01)."""
    m = 10.0 ** ndigits
    if x >= 0:
        return math.floor(x * m + 0.5 + 1e-9) / m
    return -math.floor(-x * m + 0.5 + 1e-9) / m


@njit(cache=True, nogil=True)
def fee_nb(value: float, commission_rate: float, tax_rate: float, min_commission: float) -> tuple:
    """Commission and tax of one order of ``value`` yuan.

    ``commission = max(value * commission_rate, min_commission)``, ``tax = value * tax_rate``,
    each rounded half-up to 0.01 yuan (spec §5.1; rounding per the reference fixture T2:
    49,344 yuan at 0.0003 -> 14.80).  A zero value pays nothing.

    Returns
    -------
    (commission, tax) : tuple of float, yuan
    """
    if value <= 0:
        return 0.0, 0.0
    c = value * commission_rate
    if c < min_commission:
        c = min_commission
    return round_half_up_nb(c, 2), round_half_up_nb(value * tax_rate, 2)


@njit(cache=True, nogil=True)
def round_lot_nb(amount: float, lot: int, min_amount: int, step: int) -> int:
    """Round a share amount down to what the board allows.

    Main boards / ChiNext / funds: multiples of ``lot`` (100).  STAR (``min_amount`` 200,
    ``step`` 1): 0 below 200, otherwise any integer (spec §4.3).
    """
    a = int(math.floor(amount + EPS))
    if a < min_amount:
        return 0
    if step > 1 or lot == step:
        return (a // step) * step
    return a


@njit(cache=True, nogil=True)
def match_market_nb(is_buy: bool, amount: int, price: float, half_spread: float,
                    high_limit: float, low_limit: float, day_volume: float, volume_ratio: float,
                    cash: float, closeable: int, lot: int, min_amount: int, step: int,
                    commission_rate: float, tax_rate: float, min_commission: float) -> tuple:
    """Match one market order against the day's bar (daily-bar matching, spec §4.1-4.6).

    Parameters
    ----------
    is_buy : bool
    amount : int
        Requested shares (> 0), already lot-rounded by the caller.
    price : float
        "Latest price" in yuan (the open for 09:30 orders).
    half_spread : float
        Slippage per side in yuan (buy fills at price + half_spread, sell at price - it).
    high_limit, low_limit : float
        The day's limit prices in yuan; NaN = no limit.
    day_volume : float
        The whole day's volume in shares (JoinQuant caps 09:30 orders by it: §4.6).
    volume_ratio : float
        ``order_volume_ratio`` (default 1.0).
    cash : float
        Available cash in yuan (buys are sized with it at the **un-slipped** price, so cash
        may go negative after slippage, as on JoinQuant: §4.6 / FAQ S2).
    closeable : int
        Closeable (T+1) shares (sells).
    lot, min_amount, step : int
        Board trading-unit rules (see :func:`round_lot_nb`).
    commission_rate, tax_rate, min_commission : float
        Side-specific cost settings (fractions; min in yuan).

    Returns
    -------
    (status, filled, fill_price, commission, tax) : tuple
        ``status`` one of FILLED, PARTIAL, REJECT_LIMIT, REJECT_VOLUME, REJECT_ZERO;
        ``filled`` shares; ``fill_price`` yuan; fees yuan.
    """
    if is_buy:
        fill_price = price + half_spread
        if not math.isnan(high_limit) and fill_price >= high_limit - EPS:
            return REJECT_LIMIT, 0, fill_price, 0.0, 0.0
    else:
        fill_price = price - half_spread
        if not math.isnan(low_limit) and fill_price <= low_limit + EPS:
            return REJECT_LIMIT, 0, fill_price, 0.0, 0.0
    if not (day_volume > 0):
        return REJECT_VOLUME, 0, fill_price, 0.0, 0.0
    want = amount
    q = amount
    if is_buy:
        # affordable at the un-slipped price with fees reserved
        if q * price * (1.0 + commission_rate + tax_rate) > cash or \
                q * price + min_commission > cash:
            afford = cash / (price * (1.0 + commission_rate + tax_rate))
            q2 = round_lot_nb(afford, lot, min_amount, step)
            while q2 > 0:
                c, t = fee_nb(q2 * price, commission_rate, tax_rate, min_commission)
                if q2 * price + c + t <= cash + EPS:
                    break
                q2 = round_lot_nb(q2 - step, lot, min_amount, step)
            q = min(q, q2)
    else:
        if q > closeable:
            q = closeable
    cap = day_volume * volume_ratio
    if q > cap:
        if is_buy or q < closeable:
            q = round_lot_nb(cap, lot, min_amount, step)
        else:
            q = int(math.floor(cap))
            if q < closeable:
                q = round_lot_nb(cap, lot, min_amount, step)
    if q <= 0:
        return REJECT_ZERO, 0, fill_price, 0.0, 0.0
    c, t = fee_nb(q * fill_price, commission_rate, tax_rate, min_commission)
    status = FILLED if q >= want else PARTIAL
    return status, q, fill_price, c, t


@njit(cache=True, nogil=True)
def match_limit_bar_nb(is_buy: bool, remaining: int, limit_price: float, bar_high: float,
                       bar_low: float, bar_volume: float, volume_ratio: float, lot: int,
                       min_amount: int, step: int, closeable: int) -> int:
    """Shares of a resting limit order that fill against a bar (spec §4.4).

    A buy fills when ``limit > low`` (strict), a sell when ``limit < high``, at the limit
    price, at most ``bar_volume * volume_ratio`` shares (lot-rounded unless a sell empties
    the position).  Returns the filled shares (0 when nothing fills).
    """
    if not (bar_volume > 0) or remaining <= 0:
        return 0
    if is_buy:
        if not (limit_price > bar_low + EPS):
            return 0
    else:
        if not (limit_price < bar_high - EPS):
            return 0
        if remaining > closeable:
            remaining = closeable
    cap = bar_volume * volume_ratio
    q = remaining
    if q > cap:
        q = round_lot_nb(cap, lot, min_amount, step)
    return q
