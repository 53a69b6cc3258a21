"""Open-end (场外) fund trading: ``purchase``, ``redeem``, ``set_redeem_latency`` (JoinQuant's
场外基金 API; the rules are in :mod:`jqlite.execution.otc`)."""

from __future__ import annotations

from ..execution.orders import Order
from ._binding import current_run

__all__ = ["purchase", "redeem", "set_redeem_latency"]


def purchase(security: str, cash: float, pindex: int = 0) -> Order | None:
    """Subscribe (申购) ``cash`` yuan of the open-end fund ``security`` (an ``.OF`` code).

    Parameters
    ----------
    security : str
        Open-end fund code, e.g. ``'110011.OF'``.
    cash : float
        Yuan to invest, fee included (> 0, at most the available cash).
    pindex : int
        Sub-account index (jqlite runs one account; ignored).

    Returns
    -------
    Order or None
        The order (``open`` until 15:00, then ``held`` with ``amount``/``filled`` = shares
        confirmed at the day's unit NAV, ``price`` = NAV, ``commission`` = the fee), or None
        when it cannot be placed (not an ``.OF`` fund, no NAV, cash <= 0 or above the
        available cash; an order warning says why).  The cash is frozen at once.

    Raises
    ------
    SecurityNotFoundError
        ``security`` is not in the data store.

    Notes
    -----
    shares = round(net / NAV, 2) with net = cash / (1 + purchase rate) (外扣法); the rate is
    ``open_commission`` of ``set_order_cost(..., type='open_fund' or the fund's sub-type)``.
    See :mod:`jqlite.execution.otc` for the full rules and the defaults chosen.
    """
    return current_run("purchase").otc.purchase(security, cash)


def redeem(security: str, amount: float, pindex: int = 0) -> Order | None:
    """Redeem (赎回) ``amount`` shares of the open-end fund ``security``.

    Parameters
    ----------
    security : str
        Open-end fund code held in the portfolio.
    amount : float
        Fund shares (0.01 precision); more than the redeemable (``closeable_amount``) shares
        redeems them all, with an order warning.
    pindex : int
        Ignored (one account).

    Returns
    -------
    Order or None
        ``open`` until 15:00, then ``held`` at the day's NAV with ``commission`` the
        redemption fee; None when nothing is redeemable or ``amount`` <= 0.

    Notes
    -----
    cash = shares * NAV - fee (fee = ``close_commission`` rate, at least ``min_commission``)
    arrives in ``available_cash`` at the start of the T+n trading day
    (:func:`set_redeem_latency`); until then it counts in ``total_value`` only.
    """
    return current_run("redeem").otc.redeem(security, amount)


def set_redeem_latency(day: int, type: str = "open_fund", ref: str | None = None) -> None:
    """Set the trading days between a redemption's confirmation and its cash arriving.

    Parameters
    ----------
    day : int
        n of T+n, 1..30.
    type : str
        ``'open_fund'`` (all open-end funds) or one sub-type: ``'stock_fund'``,
        ``'mixture_fund'``, ``'bond_fund'``, ``'money_market_fund'``, ``'QDII_fund'``.
    ref : str, optional
        One fund code (overrides its type's setting).

    Raises
    ------
    ParamsError
        ``day`` not a whole number in 1..30, or an unknown ``type``.

    Notes
    -----
    Defaults when never set: money-market T+2, bond T+3, stock/mixture/other T+4, QDII T+7
    (usual fund-contract payment days; JoinQuant's own defaults are not documented in the
    copies found).
    """
    current_run("set_redeem_latency").otc.set_latency(day, type, ref)
