"""Validate tables and write them as a jqlite store, atomically.

Everything is validated **before** anything on disk is touched; the new store is written to
a temporary sibling folder and swapped in with renames, so a rejected or interrupted import
never damages the store already there.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ..errors import DataError, DataValidationError
from . import schema

#: Marker file written into every store: a folder is only ever replaced by an import when it
#: is empty or holds this marker (or, for stores written before the marker existed, a
#: ``meta.json`` with a store format and the store tables).
STORE_MARKER = ".jqlite-store"

_PA_TYPES = {
    "date32": pa.date32(),
    "string": pa.string(),
    "float64": pa.float64(),
    "int8": pa.int8(),
}


def _arrow_schema(table: str) -> pa.Schema:
    return pa.schema([(c, _PA_TYPES[t]) for c, t in schema.TABLES[table].items()])


def _source(sources: Mapping[str, str] | None, table: str) -> str:
    return (sources or {}).get(table, f"<{table} table>")


def _row_of(df: pd.DataFrame, pos: int) -> int:
    """Source row of positional row ``pos``: the ``_row`` column when present."""
    if "_row" in df.columns:
        return int(df["_row"].iloc[pos])
    return int(pos)


def _to_dates(df: pd.DataFrame, col: str, src: str) -> pd.Series:
    s = df[col]
    try:
        out = pd.to_datetime(s, errors="raise")
    except (ValueError, TypeError) as exc:
        bad = pd.to_datetime(s, errors="coerce").isna() & s.notna()
        pos = int(np.flatnonzero(bad.to_numpy())[0]) if bad.any() else None
        raise DataValidationError(src, None if pos is None else _row_of(df, pos), col,
                                  f"not a date: {s.iloc[pos]!r}" if pos is not None else str(exc)) from exc
    if out.isna().any():
        pos = int(np.flatnonzero(out.isna().to_numpy())[0])
        raise DataValidationError(src, _row_of(df, pos), col, "missing date")
    return out.dt.normalize()


def validate_table(table: str, df: pd.DataFrame, sources: Mapping[str, str] | None = None,
                   calendar: pd.DatetimeIndex | None = None) -> pd.DataFrame:
    """Check one table against :mod:`jqlite.data.schema` and return it normalised.

    Parameters
    ----------
    table : str
        Table name, a key of ``schema.TABLES``.
    df : pandas.DataFrame
        The rows.  An optional ``_row`` column gives each row's line in the source file,
        used in error messages.
    sources : mapping, optional
        Table name -> source file label used in error messages.
    calendar : pandas.DatetimeIndex, optional
        Trading days; dated rows must fall on them.

    Returns
    -------
    pandas.DataFrame
        Columns in schema order with schema dtypes (dates as ``datetime64[ns]``); a bars
        ``code`` column that arrives as a Categorical of strings stays one.

    Raises
    ------
    DataValidationError
        Missing column, unparsable or off-calendar date, NaN in a required field, negative
        volume/money, ``high < low``, price outside ``[low, high]``, duplicate key rows.
    """
    src = _source(sources, table)
    cols = schema.TABLES[table]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataValidationError(src, None, missing[0], f"missing column(s) {missing}")
    # columns already of the schema dtype are not copied (a daily-bar table is ~1 GB): the
    # result may share memory with ``df``; neither is modified in place here
    arrays: dict[str, np.ndarray] = {}
    for c, t in cols.items():
        if t == "date32":
            arrays[c] = _to_dates(df, c, src).to_numpy()
        elif t == "string":
            col = df[c]
            if table == "bars_daily" and c == "code" and isinstance(col.dtype, pd.CategoricalDtype) \
                    and col.cat.categories.dtype == object:
                # dictionary-coded bar codes (the real-data import) stay coded: no 6 M strings
                # to scan for NaN, hash against the master or factorize for the files
                miss = col.cat.codes.to_numpy() < 0
                if miss.any():
                    raise DataValidationError(src, _row_of(df, int(np.flatnonzero(miss)[0])), c, "missing value")
                arrays[c] = col.array
                continue
            if col.isna().any() and c in ("code", "index_code", "type"):
                pos = int(np.flatnonzero(col.isna().to_numpy())[0])
                raise DataValidationError(src, _row_of(df, pos), c, "missing value")
            arrays[c] = col.astype(object, copy=False).to_numpy()
        else:
            try:
                arrays[c] = pd.to_numeric(df[c], errors="raise").astype(t, copy=False).to_numpy()
            except (ValueError, TypeError) as exc:
                raise DataValidationError(src, None, c, f"not numeric ({exc})") from exc
    if "_row" in df.columns:
        arrays["_row"] = df["_row"].to_numpy()
    out = pd.DataFrame(arrays, index=df.index, copy=False)

    def fail(mask: np.ndarray, col: str, msg: str) -> None:
        if mask.any():
            pos = int(np.flatnonzero(mask)[0])
            key = ""
            if "code" in out.columns:
                key = f" ({out['code'].iloc[pos]}"
                if "date" in out.columns:
                    key += f", {out['date'].iloc[pos].date()}"
                key += ")"
            raise DataValidationError(src, _row_of(out, pos), col, msg + key)

    if calendar is not None and "date" in cols and table != "calendar":
        off = ~out["date"].isin(calendar).to_numpy()
        fail(off, "date", "date is not an XSHG trading day")
    if table == "bars_daily":
        for c in ("open", "close", "high", "low"):
            v = out[c].to_numpy()
            fail(~np.isfinite(v) | (v <= 0), c, f"{c} must be a positive number")
        for c in ("volume", "money"):
            v = out[c].to_numpy()
            fail(~np.isfinite(v) | (v < 0), c, f"{c} must be >= 0")
        h, lo = out["high"].to_numpy(), out["low"].to_numpy()
        fail(h < lo - 1e-9, "high", "high < low")
        for c in ("open", "close"):
            v = out[c].to_numpy()
            fail((v > h + 1e-6) | (v < lo - 1e-6), c, f"{c} outside [low, high]")
        f = out["factor"].to_numpy()
        fail(~np.isfinite(f) | (f <= 0), "factor", "factor must be a positive number")
        fail(~np.isin(out["paused"].to_numpy(), (0, 1)), "paused", "paused must be 0 or 1")
        key = ["date", "code"]
    elif table == "calendar":
        key = ["date"]
    elif table == "securities":
        key = ["code"]
        fail((out["end_date"] < out["start_date"]).to_numpy(), "end_date", "end_date before start_date")
    elif table in ("index_members", "st", "names"):
        key = [k for k in ("index_code", "code", "start_date") if k in out.columns]
        fail((out["end_date"] < out["start_date"]).to_numpy(), "end_date", "end_date before start_date")
    elif table == "xrxd":
        key = ["code", "date"]
        fail(~(out["scale_factor"].to_numpy() >= 1.0), "scale_factor", "scale_factor must be >= 1")
        fail(~(out["bonus_pre_tax"].to_numpy() >= 0.0), "bonus_pre_tax", "bonus_pre_tax must be >= 0")
    else:
        key = []
    if key:
        # dictionary-coded source columns keep their codes for the check (O(n) fast path)
        kdf = pd.DataFrame({k: (df[k].array if isinstance(df[k].dtype, pd.CategoricalDtype) else out[k].to_numpy())
                            for k in key}) if len(out) else out
        fail(_duplicated(kdf, key), key[-1], f"duplicate row for key {key}")
    return out


def _duplicated(df: pd.DataFrame, key: list[str]) -> np.ndarray:
    """``df.duplicated(key, keep='first')`` on integer codes (millions of bar rows: each
    key column is factorized once, then the combined int64 key is checked)."""
    n = len(df)
    if n == 0:
        return np.zeros(0, bool)
    fast = _no_duplicates_fast(df, key)
    if fast:
        return np.zeros(n, bool)
    comb = np.zeros(n, np.int64)
    for c in key:
        codes, uniq = pd.factorize(df[c], use_na_sentinel=False)
        comb = comb * np.int64(len(uniq)) + codes.astype(np.int64)
        if len(key) > 1:
            comb, _ = pd.factorize(comb)      # keep the combined key small (no overflow)
            comb = comb.astype(np.int64)
    return pd.Series(comb).duplicated(keep="first").to_numpy()


def _no_duplicates_fast(df: pd.DataFrame, key: list[str]) -> bool:
    """True when the key columns provably hold no duplicate, checked in O(n) without hashing
    strings: every column must be dictionary-coded (Categorical) or day-aligned datetime64
    (bars' ``code``/``date`` as the importers build them); the combined integer key is
    counted with ``np.bincount``.  False means "unknown" (the caller then runs the general
    check, which also finds *which* rows repeat)."""
    day = np.int64(86_400_000_000_000)
    if len(key) == 2:
        kinds = {c: df[c].dtype for c in key}
        obj = [c for c in key if kinds[c] == object]
        dt = [c for c in key if str(kinds[c]) == "datetime64[ns]"]
        if len(obj) == 1 and len(dt) == 1:
            return _sorted_runs_unique(df[obj[0]].to_numpy(), df[dt[0]].to_numpy().view(np.int64))
    comb, space = np.zeros(len(df), np.int64), 1
    for c in key:
        s = df[c]
        if isinstance(s.dtype, pd.CategoricalDtype):
            v = s.cat.codes.to_numpy().astype(np.int64) + 1          # NaN (-1) -> 0
            card = len(s.cat.categories) + 1
        elif s.dtype.kind == "M" and str(s.dtype) == "datetime64[ns]":
            raw = s.to_numpy().view(np.int64)
            if (raw == np.iinfo(np.int64).min).any() or (raw % day).any():
                return False
            lo = raw.min()
            v = (raw - lo) // day
            card = int(v.max()) + 1
        else:
            return False
        space *= card
        if space > 200_000_000:          # the count array would be too big: let the caller hash
            return False
        comb = comb * np.int64(card) + v
    return bool(np.bincount(comb, minlength=1).max() <= 1)


def _sorted_runs_unique(codes: np.ndarray, dates: np.ndarray) -> bool:
    """True when rows sorted by (code, date) -- each code one contiguous run, dates strictly
    increasing inside it -- which proves (code, date) unique with one pass of object
    comparisons instead of hashing millions of strings (the importers' bar tables are built
    in that order).  False = not shown (unsorted input, or a real duplicate)."""
    n = len(codes)
    if n < 2:
        return True
    if (dates == np.iinfo(np.int64).min).any():
        return False
    change = codes[1:] != codes[:-1]
    starts = np.concatenate([[0], np.flatnonzero(change) + 1])
    if len(set(codes[starts].tolist())) != len(starts):     # a code in two runs: unsorted
        return False
    same = ~change
    return bool((dates[1:][same] > dates[:-1][same]).all())


def is_store(path: str | os.PathLike) -> bool:
    """Whether ``path`` is a jqlite store folder (marker file, or a legacy store's
    ``meta.json`` with ``format`` + ``version`` next to ``calendar.parquet``)."""
    p = Path(path)
    if (p / STORE_MARKER).is_file():
        return True
    meta = p / "meta.json"
    if meta.is_file() and (p / "calendar.parquet").is_file():
        try:
            m = json.loads(meta.read_text())
        except (OSError, ValueError):
            return False
        return isinstance(m, dict) and "format" in m and "version" in m
    return False


def check_replaceable(path: str | os.PathLike) -> None:
    """Raise unless a store may be written at ``path``.

    Allowed: a path that does not exist, an empty folder, or an existing jqlite store
    (:func:`is_store`).  Anything else -- a folder of documents, the import's own source
    folder, a file -- is refused, so an import can never delete data that is not a store.

    Raises
    ------
    DataError
        Naming the folder and why it is refused.
    """
    p = Path(path)
    if not os.path.lexists(p):
        return
    if not p.is_dir() or p.is_symlink():
        raise DataError(f"{p} exists and is not a folder; refusing to replace it with a store")
    if is_store(p):
        return
    try:
        first = next(iter(p.iterdir()), None)
    except OSError as exc:
        raise DataError(f"{p}: cannot list the folder ({exc})") from None
    if first is not None:
        raise DataError(f"{p} is not empty and is not a jqlite store (no {STORE_MARKER} marker "
                        f"or store meta.json, e.g. it holds {first.name!r}); refusing to replace it: "
                        "choose a new or empty folder, or an existing store")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clean_stale(path: str | os.PathLike) -> list[Path]:
    """Remove what killed imports left next to ``path`` and undo a half-done swap.

    * ``.NAME.tmp-PID-*`` folders of processes that no longer run (and legacy
      ``.NAME.tmp-XXXX`` folders without a pid) are deleted;
    * ``.NAME.old-PID`` folders of dead processes: if ``path`` itself is missing (the
      process died between the two renames of the non-Linux swap), the old store is put
      back; otherwise the folder is deleted.

    Returns
    -------
    list of pathlib.Path
        The folders removed or restored.
    """
    p = Path(path)
    parent = p.parent
    done: list[Path] = []
    if not parent.is_dir():
        return done
    for q in sorted(parent.glob(f".{p.name}.old-*")):
        try:
            pid = int(q.name.rsplit("-", 1)[1])
        except ValueError:
            pid = -1
        if pid > 0 and _pid_alive(pid):
            continue
        if not os.path.lexists(p) and is_store(q):
            os.replace(q, p)
        else:
            shutil.rmtree(q, ignore_errors=True)
        done.append(q)
    for q in sorted(parent.glob(f".{p.name}.tmp-*")):
        rest = q.name[len(f".{p.name}.tmp-"):]
        head = rest.split("-", 1)[0]
        pid = int(head) if head.isdigit() and "-" in rest else -1
        if pid > 0 and _pid_alive(pid):
            continue
        shutil.rmtree(q, ignore_errors=True)
        done.append(q)
    return done


def verify_store(path: str | os.PathLike) -> None:
    """Open the store at ``path`` and check what every reader relies on (cheaply: the
    tables themselves were validated before they were written).

    Checks: ``meta.json``, the calendar and the securities master load; every parquet
    file under ``path`` (fundamentals included) has a readable footer; every security of
    the master has at least one bar row; ex-rights scale factors lie in
    ``[1, schema.MAX_SCALE_FACTOR]``.

    Raises
    ------
    DataError
        Naming the store and the broken invariant.
    """
    from .store import Store
    p = Path(path)
    try:
        st = Store(p)
        for f in sorted(p.rglob("*.parquet")):
            pq.read_metadata(f)
        codes = set()
        for f in sorted((p / "bars_daily").glob("*.parquet")):
            codes.update(pq.read_table(f, columns=["code"]).column("code").unique().to_pylist())
    except DataError:
        raise
    except Exception as exc:  # an unreadable file in the new store
        raise DataError(f"{p}: the new store cannot be read back ({type(exc).__name__}: {exc})") from exc
    missing = sorted(set(st.codes) - codes)
    if missing:
        raise DataError(f"{p}: {len(missing)} securities of the master have no bar at all, e.g. {missing[0]}")
    xr = p / "xrxd.parquet"
    if xr.exists():
        sf = pd.read_parquet(xr, columns=["scale_factor"])["scale_factor"].to_numpy()
        if len(sf) and not ((sf >= 1.0) & (sf <= schema.MAX_SCALE_FACTOR)).all():
            raise DataError(f"{p}: an ex-rights scale factor is outside [1, {schema.MAX_SCALE_FACTOR}]")


def fsync_path(path: str | os.PathLike, *, strict: bool = False) -> None:
    """Flush one file or folder to disk.

    Parameters
    ----------
    path : str or os.PathLike
        A file (its data) or a folder (its entries: a rename into it is durable).
    strict : bool, default False
        Raise the ``OSError`` of ``open``/``fsync``; otherwise a path that cannot be opened or
        a file system without folder fsync is skipped.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        if strict:
            raise
        return
    try:
        os.fsync(fd)
    except OSError:
        if strict:
            raise
    finally:
        os.close(fd)


def _fsync_tree(root: Path) -> None:
    """Flush every file of ``root`` to disk before it is swapped in (a power cut after the
    rename must not leave empty files behind the new name)."""
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            fsync_path(os.path.join(dirpath, f))


_RENAME_EXCHANGE = 2


def _renameat2_exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux ``renameat2(RENAME_EXCHANGE)``); False when the
    platform or file system does not support it."""
    import ctypes
    import sys
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    AT_FDCWD = -100
    r = fn(AT_FDCWD, os.fsencode(str(a)), AT_FDCWD, os.fsencode(str(b)), _RENAME_EXCHANGE)
    return r == 0


def swap_into_place(new: Path, path: Path) -> None:
    """Put the finished folder ``new`` at ``path``, replacing what is there atomically.

    With an existing ``path`` the two folders are exchanged in one system call where
    possible and the old content (now at ``new``) is deleted; otherwise the old folder is
    renamed aside to ``.NAME.old-PID`` first (:func:`clean_stale` repairs a kill between
    the two renames).
    """
    new, path = Path(new), Path(path)
    if not os.path.lexists(path):
        os.replace(new, path)
        return
    if _renameat2_exchange(new, path):
        shutil.rmtree(new, ignore_errors=True)
        return
    old = path.with_name(f".{path.name}.old-{os.getpid()}")
    os.replace(path, old)
    os.replace(new, path)
    shutil.rmtree(old, ignore_errors=True)


def _write_parquet(df: pd.DataFrame, table: str, path: Path) -> None:
    df = df.drop(columns=[c for c in df.columns if c == "_row"])
    t = pa.Table.from_pandas(df, schema=_arrow_schema(table), preserve_index=False)
    pq.write_table(t, path, compression="zstd")


def _write_bars_by_year(bars: pd.DataFrame, folder: Path, h, say: Callable[[str], None]) -> None:
    """Write validated bars as ``folder/YYYY.parquet``, rows sorted by (date, code).

    Columns go to arrow straight from their numpy arrays (codes through their distinct
    values), with the schema and pandas metadata ``pa.Table.from_pandas`` would give, so the
    files are byte-identical to writing each year's frame with :func:`_write_parquet`; the
    years are compressed on two threads (pyarrow releases the GIL).  ``h`` (the store's
    content hash) is fed in year order.
    """
    from concurrent.futures import ThreadPoolExecutor
    if len(bars) == 0:
        return
    cols = [c for c in schema.DAILY_BARS]
    sch = pa.Table.from_pandas(bars[cols].iloc[:0].astype({"code": object}), schema=_arrow_schema("bars_daily"),
                               preserve_index=False).schema
    d = bars["date"].to_numpy("datetime64[ns]")
    code = bars["code"]
    if isinstance(code.dtype, pd.CategoricalDtype):       # dictionary-coded (validate_table)
        ci, uniq = code.cat.codes.to_numpy(), np.asarray(code.cat.categories, dtype=object)
    else:
        ci, uniq = pd.factorize(code.to_numpy(object))
        uniq = np.asarray(uniq, dtype=object)
    rank = np.empty(len(uniq), np.int64)
    rank[np.argsort(uniq, kind="stable")] = np.arange(len(uniq))
    order = np.lexsort((rank[ci], d.view(np.int64)))       # == sort_values(["date", "code"], kind="stable")
    years = d[order].astype("datetime64[Y]").astype(np.int64) + 1970
    ycuts = np.flatnonzero(np.diff(years)) + 1
    bounds = np.concatenate([[0], ycuts, [len(order)]]).astype(np.int64)
    uniq_pa = pa.array(uniq, type=pa.string())
    arrays = {c: bars[c].to_numpy() for c in cols if c not in ("date", "code")}

    def table_of(idx: np.ndarray) -> pa.Table:
        out = []
        for f in sch:
            c = f.name
            if c == "date":
                out.append(pa.array(d[idx], type=pa.timestamp("ns")).cast(pa.date32()))
            elif c == "code":
                out.append(uniq_pa.take(pa.array(ci[idx])))
            else:
                out.append(pa.array(arrays[c][idx], type=f.type, from_pandas=True))
        return pa.Table.from_arrays(out, schema=sch)

    def write(k: int) -> None:
        idx = order[bounds[k]:bounds[k + 1]]
        pq.write_table(table_of(idx), folder / f"{int(years[bounds[k]])}.parquet", compression="zstd")

    with ThreadPoolExecutor(max_workers=2) as pool:
        futs = []
        for k in range(len(bounds) - 1):
            y = int(years[bounds[k]])
            say(f"writing bars {y}")
            futs.append(pool.submit(write, k))
            idx = order[bounds[k]:bounds[k + 1]]
            h.update(str(y).encode())
            part = pd.DataFrame({"close": arrays["close"][idx], "volume": arrays["volume"][idx]})
            h.update(pd.util.hash_pandas_object(part, index=False).values.tobytes())
        for f in futs:
            f.result()


def write_store(path: str | os.PathLike, tables: Mapping[str, pd.DataFrame], *, name: str,
                source: str, sources: Mapping[str, str] | None = None,
                progress: Callable[[str], None] | None = None,
                extra_files: Mapping[str, Callable[[Path], None]] | None = None,
                post_write: Callable[[Path], None] | None = None,
                release_tables: bool = False) -> Path:
    """Validate ``tables`` and write them as a store at ``path``, replacing it atomically.

    Parameters
    ----------
    path : path-like
        Store folder to create or replace.
    tables : mapping of str to pandas.DataFrame
        Table name (see ``schema.TABLES``) -> rows.  ``calendar``, ``securities`` and
        ``bars_daily`` are required.
    name, source : str
        Recorded in ``meta.json``.
    sources : mapping, optional
        Table name -> source file label for error messages.
    progress : callable, optional
        Called with a short message before each step.
    extra_files : mapping, optional
        Relative sub-path -> writer callable ``f(target_path)`` for optional content
        (fundamentals ...), run inside the temporary folder before the swap.
    post_write : callable, optional
        ``f(tmp_store)`` called once the new store is complete in its temporary folder
        (``meta.json`` written) and before it is checked and swapped in: for content that
        needs to open the new store (e.g. fundamentals, which are filtered to its codes and
        days).  An exception from it aborts the import with the old store untouched.
    release_tables : bool
        ``tables`` is a dict the caller hands over: its entries are removed once validated,
        so the memory of the written tables (a full market's bars: ~1 GB) is free before
        ``post_write`` runs.

    Returns
    -------
    pathlib.Path
        The store folder.

    Raises
    ------
    DataValidationError
        If any table is invalid; nothing on disk has been changed then.
    DataError
        ``path`` exists, is not empty and is not a jqlite store (see
        :func:`check_replaceable`); nothing is touched then.

    Notes
    -----
    Guarantees (``docs/reliability.md``): the new store is built completely in a sibling
    folder ``.NAME.tmp-PID-*``, opened and checked there (:func:`verify_store`), flushed to
    disk, then exchanged with the old one in a single ``renameat2(RENAME_EXCHANGE)`` (Linux;
    elsewhere two renames with recovery by :func:`clean_stale`).  A reader, or a kill at any
    point, sees either the old store or the new one, never a mixture.
    """
    say = progress or (lambda _m: None)
    path = Path(path)
    check_replaceable(path)
    missing = [t for t in schema.REQUIRED_TABLES if t not in tables]
    if missing:
        raise DataValidationError(str(path), None, None, f"required table(s) missing: {missing}")
    unknown = [t for t in tables if t not in schema.TABLES]
    if unknown:
        raise DataValidationError(str(path), None, None, f"unknown table(s): {unknown}")
    say("validating calendar")
    cal = validate_table("calendar", tables["calendar"], sources).sort_values("date")
    cal_idx = pd.DatetimeIndex(cal["date"])
    clean: dict[str, pd.DataFrame] = {"calendar": cal}
    df = None
    for t, df in tables.items():
        if t == "calendar":
            continue
        say(f"validating {t}")
        clean[t] = validate_table(t, df, sources, calendar=cal_idx)
    del df
    if release_tables and isinstance(tables, dict):
        tables.clear()
    bars = clean["bars_daily"]
    known = set(clean["securities"]["code"])
    unknown_codes = ~bars["code"].isin(known).to_numpy()
    if unknown_codes.any():
        pos = int(np.flatnonzero(unknown_codes)[0])
        raise DataValidationError(_source(sources, "bars_daily"), _row_of(bars, pos), "code",
                                  f"security {bars['code'].iloc[pos]} is not in the securities master")

    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(path)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-{os.getpid()}-", dir=path.parent))
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o777 & ~mask)     # mkdtemp's 0700 would make the store private
    try:
        h = hashlib.sha256()
        for t, df in clean.items():
            if t == "bars_daily":
                continue
            say(f"writing {t}")
            _write_parquet(df, t, tmp / f"{t}.parquet")
            h.update(t.encode())
            h.update(str(len(df)).encode())
        (tmp / "bars_daily").mkdir()
        _write_bars_by_year(bars, tmp / "bars_daily", h, say)
        del bars
        clean.clear()           # written: free the tables before post_write (fundamentals)
        for rel, fn in (extra_files or {}).items():
            say(f"writing {rel}")
            fn(tmp / rel)
        meta = {
            "format": schema.FORMAT_VERSION,
            "name": name,
            "source": source,
            "version": h.hexdigest()[:16],
            "first_date": str(cal["date"].iloc[0].date()),
            "last_date": str(cal["date"].iloc[-1].date()),
            "written": _dt.date.today().isoformat(),
        }
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2))
        (tmp / STORE_MARKER).write_text(json.dumps({"format": schema.FORMAT_VERSION, "name": name}) + "\n")
        if post_write is not None:
            # optional content that needs the store itself (fundamentals read its codes and
            # days); an error here leaves the existing store untouched
            post_write(tmp)
        say("checking the new store")
        verify_store(tmp)
        _fsync_tree(tmp)
        swap_into_place(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path
