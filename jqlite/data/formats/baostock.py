"""baostock ``query_history_k_data_plus`` dumps (adjustflag=3, raw prices): ``sh.600000`` codes,
``preclose``, ``tradestatus`` (1 = trading, 0 = suspended), ``isST``."""

from __future__ import annotations

from .mapping import ColumnMapping, register


def mapping() -> ColumnMapping:
    """baostock k-data: amount in yuan, preclose, tradestatus (inverted paused flag), isST."""
    return ColumnMapping(money="amount", pre_close="preclose", paused="tradestatus",
                         paused_invert=True, is_st="isST")


register("baostock", mapping)
