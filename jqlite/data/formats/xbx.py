"""邢不行 (xbx) stock bars: the parquet files of ``daily/xbx`` and the original CSV exports.

Prices in the parquet files are int32 fen (``price_scale=0.01``), ``amount`` in yuan, volume in
shares, a daily ``name`` (ST flags and historical names are derived from it).
"""

from __future__ import annotations

from .mapping import ColumnMapping, register


def mapping() -> ColumnMapping:
    """``daily/xbx`` parquet: date, code, name, open/high/low/close/pre_close in fen, volume, amount."""
    return ColumnMapping(money="amount", pre_close="pre_close", name="name", price_scale=0.01)


def csv_mapping() -> ColumnMapping:
    """Original 邢不行 CSV headers (交易日期, 股票代码 sh600000, 开盘价 ... in yuan, 成交量 in shares)."""
    return ColumnMapping(date="交易日期", code="股票代码", open="开盘价", high="最高价", low="最低价",
                         close="收盘价", pre_close="前收盘价", volume="成交量", money="成交额",
                         name="股票名称")


register("xbx", mapping)
register("xbx_csv", csv_mapping)
