"""Fast column readers for the importers: pyarrow tables, dictionary-coded codes, int dates.

The importers read millions of rows (the real data set has 5.7 M stock rows); going through
pandas object columns (``datetime.date`` objects, Python strings) costs most of an import's
time and memory.  These helpers read only the columns asked for, with pyarrow's threads, and
hand back numpy arrays: codes as ``(int32 index, distinct values)``, dates as
``datetime64[ns]``, numbers as float64.  Errors are the same :class:`DataValidationError`
(naming the file) as :func:`jqlite.data.formats.common.read_source`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ...errors import DataValidationError

__all__ = ["read_parquet_table", "codes_of", "dates_of", "floats_of"]


def read_parquet_table(path: str | Path, columns: Sequence[str] | None = None,
                       required: Sequence[str] = (), dictionary: Sequence[str] = ()) -> pa.Table:
    """Read ``columns`` (those the file has) of a parquet file as a pyarrow table.

    ``dictionary`` names string columns to read dictionary-coded (a code column of millions
    of rows and a few thousand values: no string per row).

    Raises
    ------
    DataValidationError
        File missing, unreadable (truncated/corrupt), or a ``required`` column missing.
    """
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise DataValidationError(file, None, None, "file not found")
    try:
        have = pq.read_schema(path).names
        cols = None if columns is None else [c for c in columns if c in have]
        dic = [c for c in dictionary if c in have and (cols is None or c in cols)]
        t = pq.read_table(path, columns=cols, use_threads=True, read_dictionary=dic or None)
    except Exception as exc:  # pyarrow.ArrowInvalid, OSError ...
        raise DataValidationError(file, None, None, f"not a readable parquet file (truncated or "
                                  f"corrupt?): {type(exc).__name__}: {exc}") from None
    missing = [c for c in required if c not in t.column_names]
    if missing:
        raise DataValidationError(file, None, missing[0], f"missing column(s) {missing} "
                                  f"(the file has {list(t.column_names)[:8]})")
    return t


def codes_of(col: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Dictionary-encode a string column: ``(index int32 (-1 = null), distinct values object)``."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks() if col.num_chunks != 1 else col.chunk(0)
    if not pa.types.is_dictionary(col.type):
        col = pc.dictionary_encode(col)
    idx = col.indices.to_numpy(zero_copy_only=False)
    if col.null_count:
        idx = np.where(col.is_valid().to_numpy(zero_copy_only=False), idx, -1)
    return np.asarray(idx, dtype=np.int32), np.asarray(col.dictionary.to_pylist(), dtype=object)


def dates_of(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A date/timestamp column as ``datetime64[ns]`` (nulls -> NaT)."""
    t = col.type
    if pa.types.is_date(t) or pa.types.is_timestamp(t):
        if pa.types.is_timestamp(t) and t.tz is not None:
            col = col.cast(pa.timestamp(t.unit))
        col = col.cast(pa.timestamp("ns"))
        return col.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
    raise TypeError(f"not a date column: {t}")


def floats_of(col: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A numeric column as float64 (nulls -> NaN)."""
    return col.cast(pa.float64()).to_numpy(zero_copy_only=False)
