"""Open-end (场外) fund trading: ``purchase``, ``redeem``, ``set_redeem_latency`` (JoinQuant's
场外基金 API; the rules are in :mod:`jqlite.execution.otc`)."""

from __future__ import annotations

from ..execution.orders import Order
from ._binding import current_run

__all__ = ["purchase", "redeem", "set_redeem_latency", "get_fund_info"]


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


#: JoinQuant's fund_type labels of get_fund_info, by jqlite security type.
_FUND_TYPE_NAMES = {"stock_fund": "股票型", "mixture_fund": "混合型", "bond_fund": "债券型",
                    "money_market_fund": "货币型", "QDII_fund": "QDII", "open_fund": "开放式",
                    "etf": "ETF", "lof": "LOF", "mmf": "货币型", "fja": "分级A", "fjb": "分级B",
                    "fjm": "分级母基金"}
#: get_fund_info keys (JoinQuant's order); those the store has no source for are None.
FUND_INFO_KEYS = ("fund_name", "fund_type", "fund_establishment_day", "fund_manager",
                  "fund_management_fee", "fund_custodian_fee", "fund_status", "fund_size",
                  "fund_share", "fund_asset_allocation_proportion", "heavy_hold_stocks",
                  "heavy_hold_stocks_proportion", "heavy_hold_bond", "heavy_hold_bond_proportion")


def get_fund_info(security: str, date=None) -> dict:
    """Basic information of one fund (exchange-traded or open-end), JoinQuant's
    ``get_fund_info``.

    Parameters
    ----------
    security : str
        Fund code (``'110011.OF'``, ``'510300.XSHG'``).
    date : date-like, optional
        JoinQuant reports the quarterly figures as of this day; the store holds none of them.

    Returns
    -------
    dict
        ``fund_name`` (the store's display name), ``fund_type`` (股票型 / 混合型 / 债券型 /
        货币型 / QDII / ETF / LOF ...), ``fund_establishment_day`` (``datetime.date``, the
        store's first day for the fund), and JoinQuant's other keys (manager, fees, status,
        size, shares, asset allocation, top holdings) as None: the store has no source for
        them, which is recorded once as a data gap.

    Raises
    ------
    ParamsError
        ``security`` is not a fund of the data store.
    """
    from ..errors import ParamsError
    from ._binding import active_store
    from ._gaps import record_gap
    store = active_store()
    if security not in store.code_index:
        raise ParamsError(f"get_fund_info({security!r}): not a security of the data store {store.path}")
    row = store.securities.loc[security]
    t = str(row["type"])
    if t not in _FUND_TYPE_NAMES:
        raise ParamsError(f"get_fund_info({security!r}): {t} is not a fund")
    out = dict.fromkeys(FUND_INFO_KEYS)
    out["fund_name"] = str(row["display_name"])
    out["fund_type"] = _FUND_TYPE_NAMES[t]
    out["fund_establishment_day"] = row["start_date"].date()
    record_gap("get_fund_info", "fund manager, fees, size and holdings",
               "get_fund_info(): the data store has fund names, types and inception days only; "
               "manager, fees, status, size, shares, allocation and top holdings are None")
    return out
