"""``from kuanke.wizard import *``: the fundamentals filters of JoinQuant's strategy wizard.

JoinQuant's strategy wizard (策略向导) generates strategy files that start with
``from kuanke.wizard import *``.  Almost every such file defines its own helper functions
(``st_filter``, ``paused_filter``, ...) and needs nothing from the module; some call the
wizard's fundamentals filters, which take a list of codes and keep those whose fundamentals
column passes a test on the strategy's date:

========================================  ============================================
``financial_data_filter_dayu(l, f, v)``   keep codes with ``f > v``  (大于, greater)
``financial_data_filter_xiaoyu(l, f, v)`` keep codes with ``f < v``  (小于, less)
``financial_data_filter_qujian(l, f, r)`` keep codes with ``r[0] <= f <= r[1]`` (区间, range)
========================================  ============================================

``f`` is a column of a fundamentals table (``valuation.pe_ratio``, ``indicator.roe``), the
date is :func:`get_fundamentals`' default (the day before the simulated day in a backtest).
Decisions where JoinQuant's source is not public: strict comparisons for dayu/xiaoyu (the
names say "greater"/"less"), closed bounds for qujian, codes kept in the order of the input
list, codes without a value for ``f`` (missing report) dropped — as SQL's ``WHERE`` does.
"""

from __future__ import annotations

from jqlite.api.fundamentals import get_fundamentals, query

__all__ = ["financial_data_filter_dayu", "financial_data_filter_xiaoyu", "financial_data_filter_qujian"]


def _filter(security_list, field, cond) -> list[str]:
    codes = [security_list] if isinstance(security_list, str) else list(security_list)
    if not codes:
        return []
    table = field.table
    df = get_fundamentals(query(table.c.code).filter(table.c.code.in_(codes), cond))
    keep = set(df["code"])
    return [c for c in codes if c in keep]


def financial_data_filter_dayu(security_list, field, value) -> list[str]:
    """Codes of ``security_list`` whose fundamentals ``field`` is greater than ``value``.

    Parameters
    ----------
    security_list : str or list of str
        Security codes.
    field : column
        A fundamentals column, e.g. ``valuation.circulating_market_cap`` (亿元) or ``indicator.roe`` (%).
    value : float
        The bound, in the column's unit.

    Returns
    -------
    list of str
        The codes that pass, in the order of ``security_list``.
    """
    return _filter(security_list, field, field > value)


def financial_data_filter_xiaoyu(security_list, field, value) -> list[str]:
    """Codes of ``security_list`` whose fundamentals ``field`` is less than ``value`` (see
    :func:`financial_data_filter_dayu`)."""
    return _filter(security_list, field, field < value)


def financial_data_filter_qujian(security_list, field, interval) -> list[str]:
    """Codes of ``security_list`` whose fundamentals ``field`` lies in ``interval = (low, high)``,
    bounds included (see :func:`financial_data_filter_dayu`)."""
    low, high = interval
    return _filter(security_list, field, field.between(low, high))
