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

from ..errors import DataValidationError
from . import schema

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
        Columns in schema order with schema dtypes (dates as ``datetime64[ns]``).

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
    out = pd.DataFrame(index=df.index)
    for c, t in cols.items():
        if t == "date32":
            out[c] = _to_dates(df, c, src)
        elif t == "string":
            if df[c].isna().any() and c in ("code", "index_code", "type"):
                pos = int(np.flatnonzero(df[c].isna().to_numpy())[0])
                raise DataValidationError(src, _row_of(df, pos), c, "missing value")
            out[c] = df[c].astype(object)
        else:
            try:
                out[c] = pd.to_numeric(df[c], errors="raise").astype(t)
            except (ValueError, TypeError) as exc:
                raise DataValidationError(src, None, c, f"not numeric ({exc})") from exc
    if "_row" in df.columns:
        out["_row"] = df["_row"].to_numpy()

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
        dup = out.duplicated(key, keep="first").to_numpy()
        fail(dup, key[-1], f"duplicate row for key {key}")
    return out


def _write_parquet(df: pd.DataFrame, table: str, path: Path) -> None:
    df = df.drop(columns=[c for c in df.columns if c == "_row"])
    t = pa.Table.from_pandas(df, schema=_arrow_schema(table), preserve_index=False)
    pq.write_table(t, path, compression="zstd")


def write_store(path: str | os.PathLike, tables: Mapping[str, pd.DataFrame], *, name: str,
                source: str, sources: Mapping[str, str] | None = None,
                progress: Callable[[str], None] | None = None,
                extra_files: Mapping[str, Callable[[Path], None]] | None = None) -> Path:
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

    Returns
    -------
    pathlib.Path
        The store folder.

    Raises
    ------
    DataValidationError
        If any table is invalid; nothing on disk has been changed then.
    """
    say = progress or (lambda _m: None)
    path = Path(path)
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
    for t, df in tables.items():
        if t == "calendar":
            continue
        say(f"validating {t}")
        clean[t] = validate_table(t, df, sources, calendar=cal_idx)
    bars = clean["bars_daily"]
    known = set(clean["securities"]["code"])
    unknown_codes = ~bars["code"].isin(known).to_numpy()
    if unknown_codes.any():
        pos = int(np.flatnonzero(unknown_codes)[0])
        raise DataValidationError(_source(sources, "bars_daily"), _row_of(bars, pos), "code",
                                  f"security {bars['code'].iloc[pos]} is not in the securities master")

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
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
        bars = bars.sort_values(["date", "code"], kind="stable")
        years = bars["date"].dt.year.to_numpy()
        for y in np.unique(years):
            say(f"writing bars {y}")
            part = bars[years == y]
            _write_parquet(part, "bars_daily", tmp / "bars_daily" / f"{y}.parquet")
            h.update(str(int(y)).encode())
            h.update(pd.util.hash_pandas_object(part[["close", "volume"]], index=False).values.tobytes())
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
        old = None
        if path.exists():
            old = path.with_name(f".{path.name}.old-{os.getpid()}")
            os.replace(path, old)
        os.replace(tmp, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return path
