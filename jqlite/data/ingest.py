"""Import daily bars into a jqlite store: users' own CSV/parquet files and the bundled real data.

This module is the stable import surface (the CLI, the source adapters and users import from
here); the code lives in one module per concern:

* :mod:`jqlite.data.formats` -- one module per source format (``files`` for users' CSV/parquet
  in any :class:`ColumnMapping` layout, ``csv``/``xbx``/``tushare``/``baostock`` presets,
  ``real`` for ``shared/data/real``), plus the pyarrow readers;
* :mod:`jqlite.data.validate` -- the one validator (file/row/column errors);
* :mod:`jqlite.data.derive` -- the derivations (dense suspended days, factor, limits, ST,
  names, ex-rights events, store tables);
* :mod:`jqlite.data.codes` -- security codes, boards and types.

Two entry points (the CLI wires them to ``jqlite data import``):

* :func:`import_bars_files` -- any CSV/parquet daily-bar layout, described by a
  :class:`ColumnMapping` (column names, code format, price/volume/money units, date format).
* :func:`import_real_data` -- the real A-share data set under ``shared/data/real``
  (xbx stock bars, TDX ETF bars, qlib index bars, qlib listing ranges and index
  constituents; see that folder's ``SOURCES.md``).

Both go through the same pipeline, whose steps are public so they can be tested and reused:

1. read + check every source file (:func:`read_bars_file`): errors name file, row, column;
2. :func:`densify_bars`: insert ``paused = 1`` rows for suspended days;
3. :func:`derive_factor`: cumulative post-adjustment factor from ``pre_close``;
4. :func:`derive_limits`: ``high_limit`` / ``low_limit`` from ``pre_close`` with the board,
   date and ST rules of :func:`limit_pct`;
5. :func:`st_intervals`, :func:`derive_xrxd`, :func:`names_table`: ST periods, ex-rights
   events and historical names;
6. :func:`jqlite.data.writer.write_store` validates everything again and writes atomically
   (a rejected import never touches an existing store).

Every rule is documented in ``docs/data-import.md``.  Units throughout: prices in yuan,
volume in shares, money in yuan.
"""

from __future__ import annotations

from .codes import board_of, normalize_code, normalize_codes, security_type_of  # noqa: F401
from .codes import _CODE_RE, _EXCHANGES, _exchange_of_digits  # noqa: F401
from .derive import (BSE_OPENING_DATE, CHINEXT_REFORM_DATE, FAR_FUTURE, Progress,  # noqa: F401
                     _board_masks, _build_store_tables, _clean_name_codes, _clean_names_filled,
                     _factorize, _fill_within, _ffill_idx, _group_bounds, _prev_close, _round_half_up,
                     _runs, build_store_tables, clean_name, densify_bars, derive_factor, derive_limits,
                     derive_xrxd, is_st_name, limit_pct, merge_intervals, names_table, st_intervals)
from .formats.files import (_csv_encoding, _expand, _read_table, import_bars_files,  # noqa: F401
                            read_bars_file, read_source)
from .formats.mapping import MAPPING_PRESETS, ColumnMapping, load_mapping  # noqa: F401
from .formats.real import (ETF_NAMES, INDEX_NAMES, MEMBER_FILES, REAL_END, REAL_START,  # noqa: F401
                           default_real_data_dir, import_real_data)
from .validate import (RAW_COLUMNS, _check_calendar, _code_date_key, _fail,  # noqa: F401
                       _parse_dates, check_xrxd_plausible, read_bars_frame)

__all__ = [
    "ColumnMapping", "normalize_code", "normalize_codes", "board_of", "security_type_of",
    "read_bars_file", "read_bars_frame", "densify_bars", "derive_factor", "limit_pct", "derive_limits",
    "is_st_name", "clean_name", "st_intervals", "derive_xrxd", "check_xrxd_plausible", "names_table",
    "build_store_tables", "merge_intervals", "read_source", "import_bars_files", "import_real_data",
    "default_real_data_dir", "load_mapping", "MAPPING_PRESETS", "RAW_COLUMNS",
    "CHINEXT_REFORM_DATE", "FAR_FUTURE",
]
