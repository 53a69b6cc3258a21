"""qlib's binary data folder (``~/.qlib/qlib_data/cn_data``) as an import source.

``jqlite data import --src ~/.qlib/qlib_data/cn_data --format qlib --out mystore`` reads the
folder qlib's ``scripts/dump_bin.py`` writes (qlib documentation, "Data Layer: Data
Framework & Usage", section "Converting CSV Format into Qlib Format" and "Data and Cache
File Structure")::

    calendars/day.txt                 one trading day per line, YYYY-MM-DD
    instruments/all.txt               SYMBOL<TAB>first day<TAB>last day (optional here)
    instruments/csi300.txt ...        index membership intervals (optional)
    features/<symbol>/<field>.day.bin little-endian float32: element 0 is the calendar
                                      position of the first value, then one value a day

Prices in qlib's China data are *adjusted*: qlib's collectors store ``price x factor`` (and
normalise the first close to 1), with ``$close / $factor`` the traded price and ``$volume x
$factor`` the traded volume (qlib docs, "Data Preparation": "users can use $factor to get
the original trading price").  This reader turns them back into what a JoinQuant store
holds: raw prices in yuan, volume in shares, the post-adjustment (后复权) factor, and the
exchange's ``pre_close`` (previous raw close x previous factor / today's factor, so an
ex-rights day becomes an ``xrxd`` event and the limits use the exchange's reference price).

Decisions (written down because qlib files do not say them):

* Raw prices are rounded to the exchange tick (0.01 yuan for stocks and indexes, 0.001 for
  exchange funds): float32 keeps ~7 significant digits, so ``close / factor`` is off in the
  6th-7th digit before rounding.
* Without ``factor.day.bin`` the prices are taken as raw (factor 1) and the import log says so.
* ``amount.day.bin`` (or ``money.day.bin``) is the traded value in yuan; without it money is
  0, never estimated, as for other sources without a money column (docs/data-import.md).
* The stored 后复权 factor is derived from that pre_close (as for every source with a
  pre_close), so it is free of float32 noise: a 1.00 yuan dividend on an 11.00 close gives
  exactly 1.1, not 0.11f / 0.1f = 1.0999999.
* Days inside a symbol's range with NaN close are suspended days (qlib writes NaN there).
* Symbols are ``SH600000`` / ``sz000001`` / ``BJ430047``; ``SH000xxx`` and ``SZ399xxx`` are
  indexes.  Membership files ``csi100/300/500/800/1000.txt`` become 000903, 000300, 000905,
  000906, 000852 (.XSHG) as in the bundled real data set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pandas as pd

from ...errors import DataValidationError
from ..codes import normalize_code, security_type_of
from ..derive import Progress, build_store_tables, merge_intervals
from ..validate import read_bars_frame
from ..writer import write_store
from .mapping import ColumnMapping

#: qlib instrument files -> JoinQuant index code (the same map the real data import uses).
QLIB_INDEX_FILES = {
    "csi100": "000903.XSHG", "csi300": "000300.XSHG", "csi500": "000905.XSHG",
    "csi800": "000906.XSHG", "csi1000": "000852.XSHG",
}
_PRICE = ("open", "high", "low", "close")


def read_qlib_calendar(root: str | Path, freq: str = "day") -> pd.DatetimeIndex:
    """The trading days of a qlib data folder (``calendars/<freq>.txt``).

    Raises
    ------
    DataValidationError
        The file is missing, empty, or a line is not a date (file and 0-based line named).
    """
    path = Path(root) / "calendars" / f"{freq}.txt"
    if not path.is_file():
        raise DataValidationError(str(path), None, None, "not found: a qlib data folder has calendars/day.txt "
                                  "(is --src the folder qlib's dump_bin.py wrote, e.g. ~/.qlib/qlib_data/cn_data?)")
    lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
    lines = [ln for ln in lines if ln]
    if not lines:
        raise DataValidationError(str(path), None, None, "empty calendar")
    out = pd.to_datetime(pd.Series(lines), errors="coerce", format="mixed")
    if out.isna().any():
        i = int(np.flatnonzero(out.isna().to_numpy())[0])
        raise DataValidationError(str(path), i, None, f"not a date: {lines[i]!r}")
    cal = pd.DatetimeIndex(out).normalize()
    if not cal.is_monotonic_increasing or cal.has_duplicates:
        raise DataValidationError(str(path), None, None, "calendar days are not strictly increasing")
    return cal


def read_qlib_bin(path: str | Path, n_cal: int) -> tuple[int, np.ndarray]:
    """One ``<field>.day.bin`` file: (calendar position of the first value, float64 values).

    Raises
    ------
    DataValidationError
        Empty/odd-sized file, or values running past the calendar's end.
    """
    path = Path(path)
    raw = path.read_bytes()
    if len(raw) < 4 or len(raw) % 4:
        raise DataValidationError(str(path), None, None, f"not a qlib .bin file ({len(raw)} bytes: "
                                  "expected float32 values, the first being the calendar position)")
    a = np.frombuffer(raw, dtype="<f4")
    start = a[0]
    if not np.isfinite(start) or start < 0 or start != int(start):
        raise DataValidationError(str(path), None, None, f"first value {start!r} is not a calendar position")
    start = int(start)
    vals = a[1:].astype(np.float64)
    if start + len(vals) > n_cal:
        raise DataValidationError(str(path), None, None, f"{len(vals)} values from calendar position {start} "
                                  f"run past the calendar's {n_cal} days (calendars/day.txt too short?)")
    return start, vals


def _tick(code: str) -> float:
    return 0.001 if security_type_of(code) == "etf" else 0.01


def read_qlib_bars(root: str | Path, *, start=None, end=None, codes: Iterable[str] | None = None,
                   progress: Progress = None) -> tuple[pd.DataFrame, pd.DatetimeIndex, list[str]]:
    """Read every symbol under ``features/`` into jqlite's raw-bar form.

    Parameters
    ----------
    root : path-like
        The qlib data folder (holding ``calendars/``, ``features/``).
    start, end : date-like, optional
        Keep only these days (default: the calendar's first/last).
    codes : iterable of str, optional
        Keep only these JoinQuant codes.
    progress : callable, optional
        Called with short messages.

    Returns
    -------
    bars : pandas.DataFrame
        Columns date, code (JoinQuant form), open/high/low/close in yuan (raw, rounded to the
        tick), volume in shares, money in yuan (0 without an amount file), pre_close (yuan,
        NaN on a symbol's first row), factor (后复权, 1.0 on the symbol's first row in qlib's
        data), one row per traded day.
    calendar : pandas.DatetimeIndex
        The folder's calendar clipped to ``[start, end]``.
    notes : list of str
        What the reader assumed (missing factor or amount files), for the import log.

    Raises
    ------
    DataValidationError
        Naming the file: no ``features/`` folder, a bad ``.bin`` file, a symbol that is not
        an A-share code, a symbol without ``close.day.bin``.
    """
    say = progress or (lambda _m: None)
    root = Path(root)
    cal = read_qlib_calendar(root)
    feat = root / "features"
    if not feat.is_dir():
        raise DataValidationError(str(feat), None, None, "not found: a qlib data folder has features/<symbol>/")
    want = None if codes is None else {normalize_code(c) for c in codes}
    lo = pd.Timestamp(start) if start is not None else cal[0]
    hi = pd.Timestamp(end) if end is not None else cal[-1]
    frames, notes = [], []
    no_factor, no_amount = [], []
    dirs = sorted(p for p in feat.iterdir() if p.is_dir())
    say(f"reading {len(dirs)} qlib symbols from {feat}")
    for d in dirs:
        try:
            code = normalize_code(d.name)
        except ValueError:
            raise DataValidationError(str(d), None, None, f"symbol {d.name!r} is not an A-share code "
                                      "(expected SH600000 / SZ000001 / BJ430047)") from None
        if want is not None and code not in want:
            continue
        if not (d / "close.day.bin").is_file():
            raise DataValidationError(str(d / "close.day.bin"), None, None, "missing: every symbol needs close")
        cols: dict[str, tuple[int, np.ndarray]] = {}
        for f in ("open", "high", "low", "close", "volume", "factor", "amount", "money"):
            p = d / f"{f}.day.bin"
            if p.is_file():
                cols[f] = read_qlib_bin(p, len(cal))
        for f in ("open", "high", "low", "volume"):
            if f not in cols:
                raise DataValidationError(str(d / f"{f}.day.bin"), None, None, "missing (qlib OHLCV fields)")
        first = min(s for s, _ in cols.values())
        last = max(s + len(v) for s, v in cols.values())
        n = last - first

        def dense(f):
            s, v = cols[f]
            out = np.full(n, np.nan)
            out[s - first:s - first + len(v)] = v
            return out
        px = {f: dense(f) for f in _PRICE}
        vol = dense("volume")
        if "factor" in cols:
            fac = dense("factor")
        else:
            fac = np.ones(n)
            no_factor.append(code)
        money = dense("amount") if "amount" in cols else dense("money") if "money" in cols else None
        if money is None:
            no_amount.append(code)
            money = np.zeros(n)
        ok = np.isfinite(px["close"]) & np.isfinite(fac) & (fac > 0)
        if not ok.any():
            continue
        days = cal[first:last]
        tick = _tick(code)
        rnd = lambda x: np.round(x / tick) * tick          # noqa: E731
        raw = {f: rnd(px[f][ok] / fac[ok]) for f in _PRICE}
        f_ok = fac[ok]
        close = raw["close"]
        pre = np.full(len(close), np.nan)
        # exchange reference price: yesterday's raw close carried through the factor change
        pre[1:] = rnd(close[:-1] * f_ok[:-1] / f_ok[1:])
        fr = pd.DataFrame({"date": days[ok], "code": code, **raw,
                           "volume": np.round(vol[ok] * f_ok), "money": money[ok], "pre_close": pre,
                           "factor": f_ok / f_ok[0]})
        frames.append(fr[(fr["date"] >= lo) & (fr["date"] <= hi)])
    if not frames:
        raise DataValidationError(str(feat), None, None, "no rows in the requested span/codes")
    bars = pd.concat(frames, ignore_index=True)
    if no_factor:
        notes.append(f"{len(no_factor)} symbols have no factor.day.bin: their prices are taken as raw "
                     f"(e.g. {', '.join(no_factor[:3])})")
    if no_amount:
        notes.append(f"{len(no_amount)} symbols have no amount.day.bin: money is 0, not estimated "
                     f"(e.g. {', '.join(no_amount[:3])})")
    return bars, cal[(cal >= lo) & (cal <= hi)], notes


def read_qlib_members(root: str | Path) -> pd.DataFrame:
    """Index memberships from ``instruments/csi*.txt`` (columns of ``INDEX_MEMBERS``).

    Back-to-back intervals of the same stock (qlib restarts them at every rebalance) are
    merged (:func:`jqlite.data.derive.merge_intervals`).  Absent files give an empty frame.
    """
    rows = []
    for name, idx in QLIB_INDEX_FILES.items():
        p = Path(root) / "instruments" / f"{name}.txt"
        if not p.is_file():
            continue
        t = pd.read_csv(p, sep="\t", header=None, names=["sym", "start_date", "end_date"], dtype=str)
        bad = t["start_date"].isna() | t["end_date"].isna()
        if bad.any():
            raise DataValidationError(str(p), int(np.flatnonzero(bad.to_numpy())[0]), None,
                                      "expected SYMBOL<TAB>start<TAB>end")
        rows.append(pd.DataFrame({"index_code": idx, "code": [normalize_code(s) for s in t["sym"]],
                                  "start_date": pd.to_datetime(t["start_date"]),
                                  "end_date": pd.to_datetime(t["end_date"])}))
    if not rows:
        return pd.DataFrame({"index_code": [], "code": [], "start_date": pd.Series([], dtype="datetime64[ns]"),
                             "end_date": pd.Series([], dtype="datetime64[ns]")})
    return merge_intervals(pd.concat(rows, ignore_index=True))


def import_qlib_dir(src: str | Path, out_path: str | Path, *, start=None, end=None,
                    codes: Iterable[str] | None = None, progress: Progress = None,
                    post_write: Callable[[Path], None] | None = None) -> Path:
    """Build a jqlite store from a qlib data folder (``jqlite data import --format qlib``).

    Parameters
    ----------
    src : path-like
        The qlib data folder (``calendars/``, ``features/``, optionally ``instruments/``).
    out_path : path-like
        Store folder to create or replace atomically (left as it was on any error).
    start, end : date-like, optional
        Span to import (default: the whole calendar).
    codes : iterable of str, optional
        Import only these codes.
    progress : callable, optional
        Called with short messages (including what was assumed, see the module docstring).
    post_write : callable, optional
        See :func:`jqlite.data.writer.write_store`.

    Returns
    -------
    pathlib.Path
        The store folder.

    Raises
    ------
    DataValidationError
        Naming the file (and row) at fault.
    """
    say = progress or (lambda _m: None)
    src = Path(src)
    bars, cal, notes = read_qlib_bars(src, start=start, end=end, codes=codes, progress=say)
    for n in notes:
        say(n)
    # the factor is derived from the tick-rounded pre_close (factor_t = factor_t-1 x close_t-1 /
    # pre_close_t, jqlite.data.derive.derive_factor), free of qlib's float32 noise
    m = ColumnMapping(pre_close="pre_close", code_format="jq")
    raw = read_bars_frame(bars, m, label=f"{src}/features", calendar=cal, check_calendar=True)
    tables, stats = build_store_tables(raw, cal, progress=say,
                                       source=lambda code, date: str(src / "features" / code))
    members = read_qlib_members(src)
    if len(members):
        tables["index_members"] = members
    say(f"writing store {out_path}: {stats['bars']} bar rows, {stats['securities']} securities, "
        f"{stats['xrxd']} ex-rights events, {len(members)} index membership intervals")
    return write_store(out_path, tables, name="qlib", source=str(src), sources={"bars_daily": f"qlib {src}"},
                       progress=say, post_write=post_write)
