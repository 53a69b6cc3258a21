"""Import 1-minute and 5-minute bar files into a store (layout: :mod:`jqlite.data.minute`).

Accepted files (CSV or parquet), one or many securities per file:

* time: a ``datetime`` column (also ``time``, ``trade_time``, ``bar_time``, ``eob``/``bob``,
  ``日期时间``) **or** a ``date`` column plus a ``time`` column (``HH:MM[:SS]`` or ``HHMM``);
* code: ``code`` (also ``symbol``, ``ts_code``, ``证券代码``) in any common spelling
  (``000338``, ``sz000338``, ``000338.SZ``, ``000338.XSHE``), or one code for the whole file;
* ``open high low close volume`` and ``money`` (also ``amount``, ``turnover``, ``成交额``);
  volume in shares (``--volume-unit lot`` multiplies by 100).

``label`` says what the timestamps mark: ``'end'`` (JoinQuant, zvt, most Chinese vendors:
the bar 09:30-09:31 is stamped 09:31) or ``'start'`` (the bar 09:30-09:31 is stamped 09:30,
as in many Western feeds); start labels are shifted by one bar to JoinQuant's end labels,
and a start-labelled 1-minute feed's 09:25 auction bar (if any) is merged into 09:31 (its
open becomes the 09:31 open, volumes add).

Rows with the same (code, time) keep the last one; a (code, day) without exactly 240
(1-minute) / 48 (5-minute) bars after that is left out and reported (a partial day would make
prices and volume caps wrong) -- the import never invents bars.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

import numpy as np
import pandas as pd

from ..errors import DataError
from .minute import BASES, MINUTE_FIELDS, write_minute_bars

_TIME_COLS = ("datetime", "trade_time", "bar_time", "eob", "bob", "日期时间", "timestamp")
_CODE_COLS = ("code", "symbol", "ts_code", "证券代码", "股票代码", "order_book_id")
_RENAME = {"amount": "money", "turnover": "money", "成交额": "money", "vol": "volume", "成交量": "volume",
           "开盘": "open", "收盘": "close", "最高": "high", "最低": "low"}


def read_minute_file(path: str | os.PathLike, *, freq: str = "1m", label: str = "end",
                     code: str | None = None, volume_unit: str = "share") -> pd.DataFrame:
    """Read one minute-bar file into ``code, time, open, close, high, low, volume, money``
    with JoinQuant end labels.

    Parameters
    ----------
    path : path-like
        ``.csv`` / ``.parquet``.
    freq : {'1m', '5m'}
    label : {'end', 'start'}
        What the file's timestamps mark (see the module docstring).
    code : str, optional
        The security of a file without a code column.
    volume_unit : {'share', 'lot'}

    Raises
    ------
    DataError
        Unreadable file, missing columns, bad timestamps -- naming the file (and row).
    """
    p = Path(path)
    base = _base(freq)
    if label not in ("end", "start"):
        raise DataError(f"{p}: label must be 'end' or 'start', was {label!r}")
    try:
        df = pd.read_parquet(p) if p.suffix.lower() in (".parquet", ".pq") else pd.read_csv(p)
    except Exception as exc:  # noqa: BLE001 - reported with the file name
        raise DataError(f"{p}: cannot read minute bars: {exc}") from exc
    df = df.rename(columns={c: _RENAME.get(str(c).strip(), str(c).strip().lower()) for c in df.columns})
    tcol = next((c for c in _TIME_COLS if c in df.columns), None)
    if tcol is not None:
        t = pd.to_datetime(df[tcol], errors="coerce")
    elif "date" in df.columns and "time" in df.columns:
        tt = df["time"].astype(str).str.strip()
        tt = tt.where(tt.str.contains(":"), tt.str.zfill(4).str[:2] + ":" + tt.str.zfill(4).str[2:4])
        t = pd.to_datetime(df["date"].astype(str).str.strip() + " " + tt, errors="coerce")
    elif "time" in df.columns:
        t = pd.to_datetime(df["time"], errors="coerce")
    else:
        raise DataError(f"{p}: no time column (need 'datetime' or 'date' + 'time'); columns: {list(df.columns)}")
    if t.isna().any():
        k = int(np.flatnonzero(t.isna().to_numpy())[0])
        raise DataError(f"{p}, row {k + 2}: unreadable timestamp")
    if getattr(t.dt, "tz", None) is not None:
        t = t.dt.tz_convert("Asia/Shanghai").dt.tz_localize(None)
    ccol = next((c for c in _CODE_COLS if c in df.columns), None)
    from ..api.market import normalize_code
    if ccol is not None:
        try:
            uniq = {c: normalize_code(c) for c in pd.unique(df[ccol].astype(str).str.strip())}
        except Exception as exc:  # noqa: BLE001
            raise DataError(f"{p}: column {ccol!r}: {exc}") from exc
        codes = df[ccol].astype(str).str.strip().map(uniq)
    elif code is not None:
        codes = pd.Series(normalize_code(code), index=df.index)
    else:
        raise DataError(f"{p}: no code column; pass the security with --minute-code")
    miss = [f for f in MINUTE_FIELDS if f not in df.columns]
    if miss:
        raise DataError(f"{p}: minute bars lack column(s) {miss}; columns: {list(df.columns)}")
    out = pd.DataFrame({"code": codes.to_numpy(), "time": t.to_numpy()})
    for f in MINUTE_FIELDS:
        out[f] = pd.to_numeric(df[f], errors="coerce").to_numpy(dtype=np.float64)
    if volume_unit == "lot":
        out["volume"] *= 100.0
    if label == "start":
        out = _start_to_end(out, base)
    return out


def _base(freq: str) -> int:
    f = str(freq).strip().lower()
    if f in ("1m", "1min", "minute"):
        return 1
    if f in ("5m", "5min"):
        return 5
    raise DataError(f"minute import: frequency must be '1m' or '5m', was {freq!r}")


def _start_to_end(df: pd.DataFrame, base: int) -> pd.DataFrame:
    """Shift start labels to end labels; fold a 09:25 auction bar into the first bar."""
    t = df["time"]
    hm = t.dt.hour * 60 + t.dt.minute
    auction = hm < 9 * 60 + 30
    out = df.copy()
    out["time"] = t + pd.Timedelta(base, unit="min")
    if auction.any():
        a = out[auction].copy()
        a["time"] = t[auction].dt.normalize() + pd.Timedelta(9 * 60 + 30 + base, unit="min")
        rest = out[~auction]
        key = ["code", "time"]
        m = rest.merge(a[key + ["open", "volume", "money", "high", "low"]], on=key, how="left", suffixes=("", "_a"))
        has = m["open_a"].notna()
        m.loc[has, "open"] = m.loc[has, "open_a"]
        m.loc[has, "high"] = np.maximum(m.loc[has, "high"], m.loc[has, "high_a"])
        m.loc[has, "low"] = np.minimum(m.loc[has, "low"], m.loc[has, "low_a"])
        m.loc[has, "volume"] += m.loc[has, "volume_a"]
        m.loc[has, "money"] += m.loc[has, "money_a"]
        out = m[df.columns]
    return out


def import_minute_bars(store_path: str | os.PathLike, files: Iterable[str | os.PathLike], *,
                       freq: str = "1m", label: str = "end", code: str | None = None,
                       volume_unit: str = "share", progress=None) -> dict:
    """Read minute-bar files and write them into the store at ``store_path``.

    Only (code, day) pairs whose security and trading day are in the store are written;
    1-minute bars go to ``bars_minute/``, 5-minute bars to ``bars_5m/``.

    Returns
    -------
    dict
        ``files``, ``rows``, ``written`` (security-month files), ``days`` (complete
        security-days written), ``skipped`` (list of ``(code, day, bars, why)``).

    Raises
    ------
    DataError
        A file that cannot be read (named), or no store at ``store_path``.
    """
    from .store import Store
    say = progress or (lambda _m: None)
    base = _base(freq)
    st = Store(store_path)
    frames = []
    files = [Path(f) for f in files]
    for f in files:
        frames.append(read_minute_file(f, freq=freq, label=label, code=code, volume_unit=volume_unit))
        say(f"read {f} ({len(frames[-1]):,} rows)")
    if not frames:
        raise DataError("minute import: no files given")
    df = pd.concat(frames, ignore_index=True)
    n_rows = len(df)
    df = df.drop_duplicates(["code", "time"], keep="last").sort_values(["code", "time"], kind="stable")
    per_day = len(BASES[base][1])
    df["day"] = df["time"].dt.normalize()
    skipped = []
    known = df["code"].isin(st.code_index)
    for c in pd.unique(df.loc[~known, "code"]):
        skipped.append((c, None, int((df["code"] == c).sum()), "security not in the store"))
    df = df[known]
    cal = set(st.dates)
    in_cal = df["day"].isin(cal)
    for (c, d), g in df[~in_cal].groupby(["code", "day"]):
        skipped.append((c, d.date(), len(g), "not a trading day of the store"))
    df = df[in_cal]
    labels_ok = set(BASES[base][1].tolist())
    hm = df["time"].dt.hour * 60 + df["time"].dt.minute
    bad_label = ~hm.isin(labels_ok) | (df["time"].dt.second != 0)
    if bad_label.any():
        for (c, d), g in df[bad_label].groupby(["code", "day"]):
            skipped.append((c, d.date(), len(g), f"bars at times that are not {base}-minute end labels "
                                                  f"(first {g['time'].iloc[0].time()}); is --minute-label right?"))
        bad_days = set(zip(df.loc[bad_label, "code"], df.loc[bad_label, "day"]))
        df = df[~pd.Series(list(zip(df["code"], df["day"])), index=df.index).isin(bad_days)]
    cnt = df.groupby(["code", "day"])["time"].transform("size")
    for (c, d), g in df[cnt != per_day].groupby(["code", "day"]):
        skipped.append((c, d.date(), len(g), f"{len(g)} bars, expected {per_day}"))
    df = df[cnt == per_day]
    written = write_minute_bars(st.path, df.drop(columns="day"), source=", ".join(map(str, files)), base=base) \
        if len(df) else 0
    days = len(df) // per_day
    say(f"wrote {days:,} security-days of {base}-minute bars in {written} files; skipped {len(skipped)}")
    return {"files": len(files), "rows": n_rows, "written": written, "days": days, "skipped": skipped}
