"""The store side of ``jqlite data pull --what minute,valuation,industries,etf``.

The pull engine (:mod:`jqlite.data.pull`) commits what each source module returns into the
staging folder (per batch ``batches/NNNNN.minute.parquet`` / ``NNNNN.valuation.parquet``, once
per pull ``industries.parquet``); the functions here turn those committed frames (and, on
``update``, the store's own tables) into the store's layouts:

* minute bars -> ``STORE/bars_minute`` (1-minute) or ``STORE/bars_5m`` (5-minute), one Arrow
  file per (security, month) (:mod:`jqlite.data.minute`); only (security, day)s that are
  trading days of the store with an unsuspended daily bar and the full set of bars (240 or
  48) are written, the others are counted in the log;
* valuation -> ``STORE/fundamentals/valuation.parquet`` (day, code, JoinQuant columns), a
  newer row replacing an older one of the same (code, day);
* industries -> ``industry_members`` / ``industries`` (:mod:`jqlite.data.schema`).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from .minute import BASES, MINUTE_FIELDS, write_minute_bars
from .sources.extras_map import industries_table, merge_members

#: ``--what`` items committed per batch (``batches/NNNNN.<item>.parquet``).
PER_BATCH = ("minute", "valuation")


def batch_frames(stage: Path, item: str) -> pd.DataFrame | None:
    """All committed ``batches/*.<item>.parquet`` frames of a pull, concatenated (None if none)."""
    frames = [pd.read_parquet(f) for f in sorted((stage / "batches").glob(f"*.{item}.parquet"))]
    frames = [f for f in frames if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else None


# ---------------------------------------------------------------------------- minute
def minute_days(df: pd.DataFrame, bars: pd.DataFrame, base: int) -> tuple[pd.DataFrame, dict]:
    """Keep the (code, day)s of ``df`` that the store can hold as minute bars.

    Parameters
    ----------
    df : pandas.DataFrame
        Pulled intraday bars (``code, time, open close high low volume money``).
    bars : pandas.DataFrame
        The store's daily bars (``date, code, paused``).
    base : {1, 5}
        Minutes per bar.

    Returns
    -------
    (pandas.DataFrame, dict)
        The rows kept, and counts of (code, day)s left out: ``suspended`` (the daily bar is
        paused, or absent), ``incomplete`` (not exactly 240 / 48 bars at JoinQuant's labels).
    """
    folder, labels = BASES[base]
    df = df.copy()
    df["time"] = pd.to_datetime(df["time"])
    df = df.drop_duplicates(["code", "time"], keep="last")
    day = df["time"].dt.normalize()
    mins = (df["time"] - day).dt.total_seconds().to_numpy() / 60.0
    on_label = np.isin(mins, labels.astype(float))
    key = pd.MultiIndex.from_arrays([df["code"].to_numpy(), day.to_numpy()])
    traded = bars[bars["paused"].to_numpy() == 0]
    tkey = pd.MultiIndex.from_arrays([traded["code"].to_numpy(), pd.to_datetime(traded["date"]).to_numpy()])
    ok_day = key.isin(tkey)
    cnt = pd.Series(on_label.astype(int)).groupby([df["code"].to_numpy(), day.to_numpy()]).transform("sum").to_numpy()
    tot = pd.Series(np.ones(len(df), int)).groupby([df["code"].to_numpy(), day.to_numpy()]).transform("sum").to_numpy()
    full = (cnt == len(labels)) & (tot == len(labels))
    keep = ok_day & full
    days = pd.DataFrame({"code": df["code"].to_numpy(), "day": day.to_numpy(), "ok": ok_day, "full": full}) \
        .drop_duplicates(["code", "day"])
    stats = {"suspended": int((~days["ok"]).sum()), "incomplete": int((days["ok"] & ~days["full"]).sum()),
             "days": int((days["ok"] & days["full"]).sum())}
    return df[keep].reset_index(drop=True), stats


def minute_writer(new: pd.DataFrame, base: int, old_store: Path | None) -> Callable[[Path], None]:
    """A ``write_store(extra_files=...)`` callable writing the minute folder of ``base``.

    On update the old store's month files are carried over; a month that also has new bars
    is rewritten with the old days not pulled again plus the new ones.
    """
    folder = BASES[base][0]

    def write(target: Path) -> None:
        old_dir = old_store / folder if old_store is not None else None
        if old_dir is not None and old_dir.is_dir():
            shutil.copytree(old_dir, target)
        else:
            target.mkdir(parents=True)
        if new is None or new.empty:
            return
        df = new
        if old_dir is not None and old_dir.is_dir():
            month = pd.to_datetime(df["time"]).dt.strftime("%Y-%m")
            extra = []
            for (code, m), g in df.groupby([df["code"], month]):
                f = target / m / f"{code}.arrow"
                if f.exists():
                    o = pd.read_feather(f)
                    o["code"] = code
                    o = o[~o["time"].dt.normalize().isin(pd.to_datetime(g["time"]).dt.normalize().unique())]
                    extra.append(o)
            if extra:
                df = pd.concat([df] + extra, ignore_index=True)
        write_minute_bars(target.parent, df[["code", "time", *MINUTE_FIELDS]], source=f"pulled {folder}", base=base)

    return write


# ---------------------------------------------------------------------------- valuation
def valuation_table(stage: Path, update_of: Path | None, known: set, days: pd.DatetimeIndex,
                    fund_dir: str = "fundamentals") -> tuple[pd.DataFrame | None, int]:
    """Pulled valuation rows (+ the store's own on update) restricted to the store.

    Returns
    -------
    (pandas.DataFrame or None, int)
        ``day, code, <columns>`` (newest row per (code, day)) and the number of pulled rows
        dropped because their code or day is not in the store.
    """
    new = batch_frames(stage, "valuation")
    frames = []
    if update_of is not None and (update_of / fund_dir / "valuation.parquet").exists():
        frames.append(pd.read_parquet(update_of / fund_dir / "valuation.parquet"))
    if new is not None:
        frames.append(new)
    if not frames:
        return None, 0
    df = pd.concat(frames, ignore_index=True)
    df["day"] = pd.to_datetime(df["day"])
    inside = df["code"].isin(known).to_numpy() & df["day"].isin(days).to_numpy()
    dropped = int((~inside[len(df) - (len(new) if new is not None else 0):]).sum())
    df = df[inside].drop_duplicates(["code", "day"], keep="last")
    return df.sort_values(["code", "day"]).reset_index(drop=True), dropped


# ---------------------------------------------------------------------------- industries
def industry_tables(stage: Path, update_of: Path | None, known: set) -> tuple[pd.DataFrame, pd.DataFrame] | None:
    """``industry_members`` and ``industries`` from the pulled intervals (``stage/industries.parquet``),
    merged on update with the store's own (:func:`~jqlite.data.sources.extras_map.merge_members`)."""
    f = stage / "industries.parquet"
    new = pd.read_parquet(f) if f.exists() else None
    old = old_names = None
    if update_of is not None and (update_of / "industry_members.parquet").exists():
        old = pd.read_parquet(update_of / "industry_members.parquet")
        if (update_of / "industries.parquet").exists():
            old_names = pd.read_parquet(update_of / "industries.parquet")
    if new is None and old is None:
        return None
    if new is None:
        new = old.iloc[:0].assign(name=pd.Series(dtype=object))
    new = new[new["code"].isin(known).to_numpy()].copy()
    for c in ("start_date", "end_date"):
        new[c] = pd.to_datetime(new[c])
    merged = merge_members(old, new)
    return industries_table(merged, old_names)
