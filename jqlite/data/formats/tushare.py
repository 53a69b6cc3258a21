"""tushare ``daily`` dumps: ``ts_code`` 600000.SH, ``trade_date`` 20150105, ``vol`` in lots of
100 shares, ``amount`` in thousand yuan, ``pre_close`` (exchange reference price)."""

from __future__ import annotations

from .mapping import ColumnMapping, register


def mapping() -> ColumnMapping:
    """tushare ``daily``: ts_code, trade_date (%Y%m%d), vol ×100 -> shares, amount ×1000 -> yuan."""
    return ColumnMapping(date="trade_date", code="ts_code", volume="vol", money="amount",
                         pre_close="pre_close", volume_scale=100.0, money_scale=1000.0,
                         date_format="%Y%m%d")


register("tushare", mapping)
