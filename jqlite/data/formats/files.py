"""Users' own daily-bar files (CSV/TXT, gzip/zip, parquet) in any column layout.

:func:`read_source` reads one file (errors name the file); :func:`read_bars_file` reads and
checks one bar file through the shared validator (:func:`jqlite.data.validate.read_bars_frame`);
:func:`import_bars_files` builds a store from many (``jqlite data import --format csv|jqlite|
xbx|tushare|baostock ...``; the layouts are the presets of the sibling format modules).
"""

from __future__ import annotations

import glob as _glob
import re
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from ...errors import DataValidationError
from ..calendar import xshg_trading_days
from ..derive import Progress, build_store_tables
from ..validate import read_bars_frame
from ..writer import write_store
from .mapping import ColumnMapping

def _csv_encoding(path: Path) -> str | None:
    """Encoding from a byte-order mark (UTF-16/UTF-8-sig), else None (try UTF-8 then GBK)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:
        return None
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "utf-16"
    if head[:3] == b"\xef\xbb\xbf":
        return "utf-8-sig"
    return None


def read_source(path: str | Path, columns: Sequence[str] | None = None, str_cols: Sequence[str] = (),
                required: Sequence[str] = ()) -> pd.DataFrame:
    """Read one source file (CSV/TXT, optionally gzip/zip, or parquet) for an import.

    Any problem reading it becomes one :class:`DataValidationError` naming the file: missing
    or empty file, truncated/corrupt parquet, undecodable text, a CSV whose rows do not
    parse, a missing ``required`` column.  CSV text may be UTF-8 (with or without BOM),
    UTF-16 with a BOM, or GBK.

    Parameters
    ----------
    path : path-like
    columns : sequence of str, optional
        Read only these columns (those the file has).
    str_cols : sequence of str
        CSV columns kept as text (codes with leading zeros, dates).
    required : sequence of str
        Columns that must be present.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DataValidationError
    """
    path = Path(path)
    file = str(path)
    if not path.is_file():
        raise DataValidationError(file, None, None, "file not found")
    suf = "".join(path.suffixes[-2:]).lower()
    try:
        if path.suffix.lower() == ".parquet":
            import pyarrow.parquet as pq
            try:
                have = pq.read_schema(path).names
                cols = None if columns is None else [c for c in columns if c in have]
                df = pd.read_parquet(path, columns=cols)
            except Exception as exc:  # pyarrow.ArrowInvalid, OSError ...
                raise DataValidationError(file, None, None, f"not a readable parquet file (truncated or "
                                          f"corrupt?): {type(exc).__name__}: {exc}") from None
        elif path.suffix.lower() in (".csv", ".txt") or suf.endswith((".csv.gz", ".csv.zip")):
            if path.stat().st_size == 0:
                raise DataValidationError(file, None, None, "empty file (no header, no rows)")
            dtype = {c: str for c in str_cols}
            use = (lambda c: columns is None or c in columns)
            enc = _csv_encoding(path)
            tries = [enc] if enc else ["utf-8", "gbk"]
            df = None
            for i, e in enumerate(tries):
                try:
                    df = pd.read_csv(path, dtype=dtype, usecols=use, encoding=e)
                    break
                except UnicodeError as exc:
                    if i == len(tries) - 1:
                        raise DataValidationError(file, None, None, f"cannot decode the text as "
                                                  f"{' or '.join(tries)} ({exc.reason} at byte {exc.start}); "
                                                  "save it as UTF-8") from None
                except pd.errors.EmptyDataError:
                    raise DataValidationError(file, None, None, "empty file (no header, no rows)") from None
                except pd.errors.ParserError as exc:
                    m = re.search(r"line (\d+)", str(exc))
                    row = int(m.group(1)) - 2 if m else None   # data rows are 0-based after the header
                    raise DataValidationError(file, row, None, f"malformed CSV: {exc}") from None
        else:
            raise DataValidationError(file, None, None, "unsupported file type (use .csv or .parquet)")
    except OSError as exc:
        raise DataValidationError(file, None, None, f"cannot read: {exc}") from None
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise DataValidationError(file, None, missing[0], f"missing column(s) {missing} "
                                  f"(the file has {list(df.columns)[:8]})")
    return df


def _read_table(path: Path, columns: list[str] | None = None, str_cols: Sequence[str] = ()) -> pd.DataFrame:
    return read_source(path, columns, str_cols)


def read_bars_file(path: str | Path, mapping: ColumnMapping | None = None, *,
                   calendar: pd.DatetimeIndex | None = None, code: str | None = None,
                   start=None, end=None, codes: Iterable[str] | None = None,
                   check_calendar: bool = True) -> pd.DataFrame:
    """Read one CSV/parquet daily-bar file into jqlite's raw-bar form and check it.

    Parameters
    ----------
    path : path-like
        A ``.csv`` (UTF-8 or GBK) or ``.parquet`` file.
    mapping : ColumnMapping, optional
        The file's layout; default ``ColumnMapping()`` (jqlite names).
    calendar : pandas.DatetimeIndex, optional
        Trading days; a row dated off the calendar is rejected.
    code : str, optional
        Code for a one-security file without a code column (default: from the file name).
    start, end : date-like, optional
        Keep only rows in ``[start, end]`` (after the checks on the whole file).
    codes : iterable of str, optional
        Keep only these JoinQuant codes.
    check_calendar : bool
        Whether to reject off-calendar dates (needs ``calendar``).

    Returns
    -------
    pandas.DataFrame
        Columns ``RAW_COLUMNS``: date (datetime64), code (JoinQuant form), open/high/low/close
        and pre_close in yuan (pre_close NaN when absent), volume in shares, money in yuan,
        name (or NA), paused (int8, -1 = unknown), is_st (int8, -1 = unknown), factor /
        high_limit / low_limit (NaN when absent) and ``_row``, the 0-based data row in the
        file (header not counted).  Sorted by code, date.

    Raises
    ------
    DataValidationError
        Naming the file, the row and the column: missing column, unparsable date or code,
        non-positive or missing price, negative or missing volume/money, ``high < low``,
        open/close outside ``[low, high]``, duplicate (code, date), date not a trading day.
    """
    path = Path(path)
    m = mapping or ColumnMapping()
    cols = m.source_columns()
    str_cols = [c for c in (m.code, m.name, m.date) if c is not None]
    df = _read_table(path, list(cols.values()), str_cols)
    if m.code is None and code is None:
        code = path.name.split(".")[0] if not re.match(
            r"^\d{6}\.[A-Za-z]{2,4}\.", path.name) else ".".join(path.name.split(".")[:2])
    return read_bars_frame(df, m, label=str(path), calendar=calendar, code=code, start=start, end=end,
                           codes=codes, check_calendar=check_calendar)


def import_bars_files(paths: Sequence[str | Path] | str | Path, mapping: ColumnMapping | None,
                      out_path: str | Path, *, start=None, end=None, codes: Iterable[str] | None = None,
                      securities: pd.DataFrame | None = None, index_members: pd.DataFrame | None = None,
                      name: str = "user", progress: Progress = None,
                      post_write: Callable[[Path], None] | None = None) -> Path:
    """Build a store from users' own daily-bar files (CSV or parquet).

    Parameters
    ----------
    paths : path or sequence of paths
        Files (a folder means every ``*.csv``/``*.parquet`` in it; glob patterns work).
    mapping : ColumnMapping or None
        The files' layout (default: jqlite column names).
    out_path : path-like
        Store folder to create or replace atomically.
    start, end : date-like, optional
        Span to import (default: the data's first/last date).  The calendar is XSHG's.
    codes : iterable of str, optional
        Import only these JoinQuant codes.
    securities : pandas.DataFrame, optional
        Master rows to use (code plus any of display_name, type, start_date, end_date, name).
    index_members : pandas.DataFrame, optional
        Membership intervals (index_code, code, start_date, end_date).
    name : str
        Store name for ``meta.json``.
    progress : callable, optional
        Called with short progress messages.
    post_write : callable, optional
        See :func:`jqlite.data.writer.write_store` (fundamentals into the new store before
        it is swapped in).

    Returns
    -------
    pathlib.Path
        The store folder.

    Raises
    ------
    DataValidationError
        Naming the file, row and column of the first bad value; ``out_path`` is then left
        as it was.
    DataError
        ``out_path`` is a non-empty folder that is not a jqlite store.
    """
    say = progress or (lambda _m: None)
    files = _expand(paths)
    if not files:
        raise DataValidationError(str(paths), None, None, "no input files")
    m = mapping or ColumnMapping()
    frames = []
    for f in files:
        say(f"reading {f}")
        frames.append(read_bars_file(f, m, codes=codes, check_calendar=False))
    raw = pd.concat(frames, ignore_index=True)
    if raw.empty:
        raise DataValidationError(str(files[0]), None, None, "no rows to import")
    lo = pd.Timestamp(start) if start is not None else raw["date"].min()
    hi = pd.Timestamp(end) if end is not None else raw["date"].max()
    cal = xshg_trading_days(str(lo.date()), str(hi.date()))
    # off-calendar dates inside the span: name the file and row
    for f, fr in zip(files, frames):
        d = pd.DatetimeIndex(fr["date"])
        off = ~d.isin(cal) & (d >= lo) & (d <= hi)
        if off.any():
            pos = int(np.flatnonzero(off)[0])
            raise DataValidationError(str(f), int(fr["_row"].iloc[pos]), m.date,
                                      f"date is not an XSHG trading day ({d[pos].date()})")
    file_of = np.concatenate([np.full(len(fr), i) for i, fr in enumerate(frames)])
    keep = ((raw["date"] >= lo) & (raw["date"] <= hi)).to_numpy()
    raw, file_of = raw[keep], file_of[keep]
    dup = raw.duplicated(["code", "date"], keep="first").to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        raise DataValidationError(str(files[file_of[pos]]), int(raw["_row"].iloc[pos]), m.date,
                                  f"duplicate row for ({raw['code'].iloc[pos]}, {raw['date'].iloc[pos].date()}) "
                                  "(also in an earlier file)")
    def file_of_row(code, date):
        for f, fr in zip(files, frames):
            if ((fr["code"] == code) & (fr["date"] == date)).any():
                return str(f)
        return str(files[0])
    tables, stats = build_store_tables(raw.reset_index(drop=True), cal, securities=securities,
                                       progress=say, source=file_of_row)
    if index_members is not None:
        tables["index_members"] = index_members
    src = files[0] if len(files) == 1 else f"{len(files)} files: {', '.join(map(str, files[:3]))}{' ...' if len(files) > 3 else ''}"
    say(f"writing store {out_path}: {stats['bars']} bar rows")
    return write_store(out_path, tables, name=name, source=str(src),
                       sources={"bars_daily": str(src)}, progress=say, post_write=post_write)


def _expand(paths) -> list[Path]:
    if isinstance(paths, (str, Path)):
        paths = [paths]
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out += sorted(x for x in p.iterdir() if x.suffix.lower() in (".csv", ".parquet"))
        elif any(ch in str(p) for ch in "*?["):
            out += [Path(x) for x in sorted(_glob.glob(str(p)))]
        else:
            out.append(p)
    return out
