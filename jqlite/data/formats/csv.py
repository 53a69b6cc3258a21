"""Plain CSV/parquet daily bars: ``--format csv`` (default column names date, code, open, high,
low, close, volume, money) and ``--format jqlite`` (the same plus ``pre_close``).

Any other layout is a mapping file (``--mapping FILE``, see :func:`jqlite.data.formats.mapping.load_mapping`);
reading and importing is :mod:`jqlite.data.formats.files`.
"""

from __future__ import annotations

from .mapping import ColumnMapping, register


def csv_mapping() -> ColumnMapping:
    """The plain defaults: date, code, open, high, low, close, volume, money (no pre_close)."""
    return ColumnMapping()


def jqlite_mapping() -> ColumnMapping:
    """jqlite/JoinQuant names: date, code, open, high, low, close, volume, money, pre_close."""
    return ColumnMapping(pre_close="pre_close")


register("csv", csv_mapping)
register("jqlite", jqlite_mapping)
