"""Importers, one module per source format, around one validator and one set of derivations.

================  ============================================================================
module            what it reads
================  ============================================================================
``mapping``       :class:`ColumnMapping` (a file's columns and units) and the ``--format`` registry
``files``         users' CSV/parquet bar files in any mapped layout (:func:`import_bars_files`)
``csv``           presets ``csv`` and ``jqlite``
``xbx``           presets ``xbx`` (``daily/xbx`` parquet, prices in fen) and ``xbx_csv``
``tushare``       preset ``tushare`` (``daily``: lots, thousand yuan, ``20150105`` dates)
``baostock``      preset ``baostock`` (k-data: ``tradestatus``, ``isST``)
``qlib``          a qlib data folder (``calendars/``, ``features/*.day.bin``; :func:`import_qlib_dir`)
``real``          the bundled real data set ``shared/data/real`` (:func:`import_real_data`)
``arrow_io``      fast pyarrow column readers used by the importers
================  ============================================================================

Every reader hands its rows to :func:`jqlite.data.validate.read_bars_frame` (file/row/column
errors) and the store tables come from :func:`jqlite.data.derive.build_store_tables` (dense
suspended days, factor, limits, ST, names, ex-rights).  Adding a file format means adding one
module here that builds a :class:`ColumnMapping` and calls :func:`mapping.register` (and
importing it below); a network source is a module in :mod:`jqlite.data.sources`.
"""

from __future__ import annotations

from . import baostock, csv, tushare, xbx  # noqa: F401  (register their presets)
from .mapping import MAPPING_PRESETS, ColumnMapping, load_mapping, register

__all__ = ["ColumnMapping", "MAPPING_PRESETS", "load_mapping", "register"]
