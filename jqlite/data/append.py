"""Append-only ``jqlite data update``: add new trading days to a pulled store without rebuilding it.

A full rebuild (:func:`jqlite.data.ingest.build_store_tables` over every kept raw row) costs
about a minute for 5,000 stocks x 7 years, whatever the number of new days.  Everything the
store derives for a day depends on only a few earlier rows of the same security, so an update
can derive the new rows from a short *window*:

* the store's last :data:`WINDOW` trading days as stored (dense rows: close, pre_close, paused,
  limits; ST flag and name read back from the ``st`` / ``names`` intervals), plus
* the new raw rows,

run through the same :func:`build_store_tables` as a full pull (densify, limits with the
board / ST / IPO rules, ex-rights events and their plausibility check, ST and name runs), and
keep the rows after the store's last day.  :data:`WINDOW` = 5 covers the longest lookback any
derivation has (STAR / ChiNext IPOs trade without limits for their first five days).

* ``factor`` (cumulative post-adjustment factor) continues from the last stored value of each
  security: ``factor_t = factor_{t-1} * close_{t-1} / pre_close_t``, so an ex-rights day on the
  appended day rescales only the new rows and the stored history stays as it was (point in
  time).  A full rebuild computes the same product through ``exp(cumsum(log))``: the two agree
  to a few units in the last place (tests compare them to 1e-12 relative).
* ``st`` and ``names`` intervals: a run that reaches the store's last day is continued or
  closed; new runs are added.  ``xrxd``: events of the new days are appended.
* ``securities``: new listings are added (listing date from the source, IPO day without
  limit); a security with no new row that the source no longer lists ends on its last row;
  names are refreshed from the source's list as a full pull does.
* ``calendar``, ``meta.json``, ``pull/sources.json`` (pull time, last day, history),
  ``pull/raw`` and ``pull/securities.parquet`` are updated; ``index_members`` /
  ``index_weights`` and ``fundamentals/`` are rewritten when the update pulled them.

Atomicity: the new store is assembled in a sibling folder ``.NAME.tmp-PID-*`` in which every
unchanged file is a hard link to the old store's file (no copy) and every changed file is
written new (the current year's ``bars_daily`` and ``pull/raw`` files, the small tables,
``meta.json``); everything written is flushed to disk and the folder is exchanged with the
store in one ``renameat2(RENAME_EXCHANGE)`` (:func:`jqlite.data.writer.swap_into_place`).  A
crash at any point leaves the old store, complete and readable.  The memory-mapped panel
caches (``STORE/.panels``) are not carried over: the next open rebuilds them for the new
content version.

The append is refused -- and the caller rebuilds the whole store, saying why in the log --
when it could not give the same store as a full rebuild: :class:`AppendImpossible`.
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
import pyarrow.compute as pc
import pyarrow.parquet as pq

from ..errors import DataError
from . import schema
from .calendar import xshg_trading_days
from .ingest import BSE_OPENING_DATE, FAR_FUTURE, RAW_COLUMNS, build_store_tables, security_type_of
from .writer import STORE_MARKER, _arrow_schema, clean_stale, fsync_path, swap_into_place, validate_table

#: Stored trading days read back as the derivation window (IPO limit-free days: at most 5).
WINDOW = 5

#: Part files of appended raw rows a year may have before they are merged into ``YYYY.parquet``.
RAW_PARTS = 20

#: Test hook: called with the name of each step (``linked``, ``bars``, ``raw``, ``tables``,
#: ``meta``, ``synced``, ``swapped``); a test makes it raise to simulate a crash there.
_step_hook: Callable[[str], None] | None = None


class AppendImpossible(Exception):
    """The new days cannot be appended; the message says why (the caller rebuilds instead)."""


def _step(name: str) -> None:
    if _step_hook is not None:
        _step_hook(name)


def _read_bars_since(store: Path, first: pd.Timestamp, last: pd.Timestamp) -> tuple[pd.DataFrame, pa.Table]:
    """Stored dense bars on days ``first .. last`` (pandas, dates as datetime64) and the whole
    bar file of ``last``'s year (arrow, to append to)."""
    frames = []
    year_table = None
    for y in range(first.year, last.year + 1):
        f = store / "bars_daily" / f"{y}.parquet"
        if not f.exists():
            raise AppendImpossible(f"bars_daily/{y}.parquet is missing")
        t = pq.read_table(f)
        if t.column_names != list(schema.DAILY_BARS):
            raise AppendImpossible(f"bars_daily/{y}.parquet has the columns {t.column_names}, this version "
                                   f"writes {list(schema.DAILY_BARS)}")
        t = t.cast(_arrow_schema("bars_daily"))
        if y == last.year:
            year_table = t
        frames.append(t.filter(pc.greater_equal(t.column("date"), pa.scalar(first.date(), pa.date32())))
                      .to_pandas())
    df = pd.concat(frames, ignore_index=True)
    df["date"] = pd.to_datetime(df["date"])
    return df, year_table


def _raw_files(store: Path, year: int) -> list[Path]:
    """``pull/raw`` files of ``year``: ``YYYY.parquet`` and the parts appended since
    (``YYYY-MMDD.parquet``, one per update)."""
    d = store / "pull" / "raw"
    return sorted(p for p in d.glob(f"{year}*.parquet") if p.name[:4] == str(year))


def _covering(intervals: pd.DataFrame | None, rows: pd.DataFrame, value: str | None = None) -> np.ndarray:
    """Per row of ``rows`` (code, date): whether an interval of ``intervals`` covers it, or
    (``value`` given) that interval's ``value`` (None when none)."""
    n = len(rows)
    if intervals is None or intervals.empty or n == 0:
        return np.zeros(n, bool) if value is None else np.full(n, None, dtype=object)
    iv = intervals.copy()
    iv["start_date"] = pd.to_datetime(iv["start_date"])
    iv["end_date"] = pd.to_datetime(iv["end_date"])
    r = rows[["code", "date"]].reset_index(drop=True).assign(_i=np.arange(n))
    m = r.merge(iv, on="code", how="inner")
    m = m[(m["start_date"] <= m["date"]) & (m["date"] <= m["end_date"])]
    if value is None:
        out = np.zeros(n, bool)
        out[m["_i"].to_numpy()] = True
        return out
    out = np.full(n, None, dtype=object)
    m = m.drop_duplicates("_i", keep="last")
    out[m["_i"].to_numpy()] = m[value].to_numpy(object)
    return out


def merge_runs(old: pd.DataFrame | None, win: pd.DataFrame | None, last: pd.Timestamp, w0: pd.Timestamp,
               value: str | None = None) -> pd.DataFrame | None:
    """Merge interval runs derived on the window into the store's intervals.

    Parameters
    ----------
    old : pandas.DataFrame or None
        The store's intervals (``code, [value,] start_date, end_date``).
    win : pandas.DataFrame or None
        Runs derived on the window (store days ``w0 .. last`` plus the new days) with the
        same open-end rule as a full build.
    last, w0 : pandas.Timestamp
        The store's last day and the window's first day.
    value : str, optional
        Column that must match as well (``display_name`` for names).

    Returns
    -------
    pandas.DataFrame or None
        ``old`` with every interval that a window run touching the store's days overlaps
        replaced by that run (keeping the old start when the run begins at ``w0``: it started
        earlier), plus the window runs that start after ``last``.
    """
    if win is None or win.empty:
        return old
    win = win.copy()
    for c in ("start_date", "end_date"):
        win[c] = pd.to_datetime(win[c])
    keys = ["code"] + ([value] if value else [])
    if old is None or old.empty:
        new_runs = win[win["start_date"] > last]
        # runs over the stored days are already in the (empty) table: nothing to merge with
        return new_runs.reset_index(drop=True) if len(new_runs) else old
    old = old.copy()
    for c in ("start_date", "end_date"):
        old[c] = pd.to_datetime(old[c])
    old["_k"] = np.arange(len(old))
    touch = win[win["start_date"] <= last].copy()
    touch["_probe"] = touch["start_date"].where(touch["start_date"] > w0, w0)
    m = touch.merge(old, on=keys, how="inner", suffixes=("", "_old"))
    m = m[(m["start_date_old"] <= m["_probe"]) & (m["_probe"] <= m["end_date_old"])]
    replaced = m["_k"].to_numpy()
    rep = m.copy()
    rep["start_date"] = np.where(rep["start_date"] <= w0, rep["start_date_old"], rep["start_date"])
    rep = rep[keys + ["start_date", "end_date"]]
    keep = old[~np.isin(old["_k"].to_numpy(), replaced)].drop(columns="_k")
    out = pd.concat([keep, rep, win[win["start_date"] > last][keys + ["start_date", "end_date"]]],
                    ignore_index=True)
    return out.sort_values(keys + ["start_date"], kind="stable").reset_index(drop=True)


def _link_tree(src: Path, dst: Path, skip: set[str]) -> int:
    """Hard-link every file of ``src`` into ``dst`` (copy where links fail), except the
    relative paths in ``skip`` and anything under a skipped folder; returns files linked."""
    n = 0
    for dirpath, dirs, files in os.walk(src):
        rel_dir = os.path.relpath(dirpath, src)
        rel_dir = "" if rel_dir == "." else rel_dir
        dirs[:] = [d for d in dirs if os.path.join(rel_dir, d) not in skip]
        (dst / rel_dir).mkdir(parents=True, exist_ok=True)
        for f in files:
            rel = os.path.join(rel_dir, f)
            if rel in skip:
                continue
            try:
                os.link(os.path.join(dirpath, f), dst / rel)
            except OSError:
                shutil.copy2(os.path.join(dirpath, f), dst / rel)
            n += 1
    return n


def _fsync_files(paths: list[Path], dirs: set[Path]) -> None:
    for p in paths:
        fsync_path(p, strict=True)
    for d in dirs:
        fsync_path(d)


def append_days(store: str | os.PathLike, new_raw: pd.DataFrame, secs: pd.DataFrame, days: pd.DatetimeIndex, *,
                source: str, record: dict, universe: str, what: tuple[str, ...], pulled: dict,
                tables: Mapping[str, pd.DataFrame] | None = None,
                extra_files: Mapping[str, Callable[[Path], None]] | None = None,
                progress: Callable[[str], None] | None = None, counts: Mapping[str, int] | None = None) -> dict:
    """Append the new days' raw rows to a pulled store (see the module docstring).

    Parameters
    ----------
    store : path-like
        A store written by ``jqlite data pull`` (``pull/sources.json``).
    new_raw : pandas.DataFrame
        :data:`~jqlite.data.ingest.RAW_COLUMNS` rows of the new days (normalised: dates
        datetime64, ``paused``/``is_st`` int8), none on or before the store's last day.
    secs : pandas.DataFrame
        The source's securities list of this update (``code``, ``display_name``, optionally
        ``start_date``, ``listed``, ``type``), delisted ones of the store included.
    days : pandas.DatetimeIndex
        The XSHG trading days the update asked for (the first must follow the store's last day).
    source, record, universe, what
        The source name, the store's ``pull/sources.json`` content, the universe and the
        ``--what`` tables, for the new ``sources.json``.
    pulled : dict
        ``rows`` and ``securities`` of this update, for the pull history.
    tables : mapping, optional
        Whole tables to replace (``index_members``, ``index_weights``), validated here.
    extra_files : mapping, optional
        Relative path -> ``f(target)`` writing that path in the new store (fundamentals).
    progress : callable, optional
        Log lines.
    counts : mapping, optional
        ``fundamentals/TABLE`` -> rows written, for ``pull/sources.json``.

    Returns
    -------
    dict
        ``bars`` (rows appended), ``securities`` (in the store), ``first_date``,
        ``last_date``, ``new_securities``, ``ended`` (securities ended on their last row),
        ``limit_violations``, ``xrxd`` (events appended), ``seconds``.

    Raises
    ------
    AppendImpossible
        A gap between the store and the new days, a day restated, columns the store does not
        know, a security resuming after the store ended it, or one delisted while suspended
        (a full rebuild would remove its paused rows); nothing has been written then.
    DataValidationError
        The new rows fail the store's checks (as a full pull would).
    """
    import time
    t0 = time.perf_counter()
    say = progress or (lambda _m: None)
    store = Path(store)
    last = pd.Timestamp(record["tables"]["bars_daily"]["last_date"])
    old_cal = pd.DatetimeIndex(pd.to_datetime(pd.read_parquet(store / "calendar.parquet")["date"]))
    if len(old_cal) == 0 or old_cal[-1] != last:
        raise AppendImpossible(f"the store's calendar ends on {old_cal[-1].date() if len(old_cal) else '-'}, "
                               f"its bars on {last.date()}")
    extra_cols = [c for c in new_raw.columns if c not in RAW_COLUMNS]
    if extra_cols:
        raise AppendImpossible(f"the new rows have columns the store does not keep: {extra_cols}")
    if len(new_raw) == 0:
        raise AppendImpossible("no new rows")
    if (new_raw["date"] <= last).any():
        d = new_raw.loc[new_raw["date"] <= last, "date"].iloc[0]
        raise AppendImpossible(f"a row of {d.date()} restates a day already in the store")
    if np.isfinite(new_raw["factor"].to_numpy(np.float64)).any():
        raise AppendImpossible("the source gives its own adjustment factors")
    end = new_raw["date"].max()
    new_days = xshg_trading_days(str((last + pd.Timedelta(1, unit="D")).date()), str(end.date()))
    if len(days) == 0 or days[0] != new_days[0]:
        raise AppendImpossible(f"gap: the update starts on {days[0].date() if len(days) else '-'}, the trading "
                               f"day after the store's last day {last.date()} is {new_days[0].date()}")
    have = pd.DatetimeIndex(new_raw["date"].unique())
    missing = new_days.difference(have)
    if len(missing):
        say(f"{source}: no data at all on {len(missing)} trading day(s), e.g. "
            f"{', '.join(str(d.date()) for d in missing[:5])}: securities are shown suspended there")

    # ---- the window: the last WINDOW stored days + the new days
    wdays = old_cal[-WINDOW:]
    w0 = wdays[0]
    ctx, year_table = _read_bars_since(store, w0, last)
    at_last = set(ctx.loc[ctx["date"] == last, "code"])
    ctx = ctx[ctx["code"].isin(at_last).to_numpy()]
    old_master = pd.read_parquet(store / "securities.parquet")
    old_codes = set(old_master["code"])
    new_codes = set(new_raw["code"].unique())
    resumed = sorted((new_codes & old_codes) - at_last)
    if resumed:
        raise AppendImpossible(f"{len(resumed)} securities the store ended before {last.date()} have new rows "
                               f"(e.g. {resumed[0]}): their gap would be restated")
    listed = None
    if "listed" in secs.columns:
        listed = set(secs.loc[secs["listed"].fillna(False).astype(bool), "code"])
    # a security without new rows that is not extended to the new end keeps its stored rows only
    # when they end on its last source row (else a full rebuild would drop its paused tail)
    quiet = sorted(at_last - new_codes - (listed or set()))
    raw_year = _raw_files(store, last.year)
    if not raw_year:
        raise AppendImpossible(f"pull/raw/{last.year}.parquet is missing")
    kept_cols = pq.read_schema(raw_year[-1]).names
    now_cols = set(new_raw.columns) - {"_row"}
    if set(kept_cols) - {"_row"} != now_cols:
        raise AppendImpossible(f"the source rows now have the columns {sorted(now_cols)}, the kept "
                               f"rows {sorted(kept_cols)}")
    if quiet:
        lr = pd.concat([pd.read_parquet(f, columns=["code", "date"]) for f in raw_year], ignore_index=True)
        last_raw = pd.to_datetime(lr.groupby("code")["date"].max())
        tail = [c for c in quiet if last_raw.get(c, pd.NaT) != last]
        if tail:
            raise AppendImpossible(f"{len(tail)} securities no longer listed were shown suspended after their last "
                                   f"source row (e.g. {tail[0]}): a full rebuild ends them there")
    st_old = pd.read_parquet(store / "st.parquet") if (store / "st.parquet").exists() else None
    names_old = pd.read_parquet(store / "names.parquet") if (store / "names.parquet").exists() else None
    ctx_raw = pd.DataFrame({
        "date": ctx["date"].to_numpy("datetime64[ns]"), "code": ctx["code"].to_numpy(object),
        **{c: ctx[c].to_numpy(np.float64) for c in ("open", "high", "low", "close", "volume", "money",
                                                    "pre_close", "high_limit", "low_limit")},
        "name": _covering(names_old, ctx, "display_name") if names_old is not None else None,
        "paused": ctx["paused"].to_numpy(np.int8),
        "is_st": _covering(st_old, ctx).astype(np.int8),
        "factor": np.nan, "_row": -1,
    })
    nr = new_raw.copy()
    nr["_row"] = np.arange(len(nr))
    win_raw = pd.concat([ctx_raw, nr[list(ctx_raw.columns)]], ignore_index=True)
    win_raw = win_raw.sort_values(["code", "date"], kind="stable").reset_index(drop=True)
    win_cal = wdays.append(new_days)

    # the master as a full pull passes it: listing dates never after the first row
    first_row = win_raw.groupby("code")["date"].min()
    master = secs[secs["code"].isin(set(win_raw["code"])).to_numpy()].copy()
    if "type" not in master.columns:
        master["type"] = master["code"].map(security_type_of)
    if "start_date" in master.columns:
        src_start = pd.to_datetime(master["start_date"])
        fr = master["code"].map(first_row)
        master["start_date"] = src_start.where(src_start.notna() & (src_start <= fr), fr)
        old_start = old_master.set_index("code")["start_date"]
        is_old = master["code"].isin(old_codes).to_numpy()
        master.loc[is_old, "start_date"] = pd.to_datetime(master.loc[is_old, "code"].map(old_start)).to_numpy()
    master = master.drop(columns=[c for c in ("listed",) if c in master.columns])
    # IPO days inside the window (only rows after w0 can be one; see derive_limits)
    fresh = first_row[first_row > w0]
    if "start_date" in secs.columns and pd.to_datetime(secs["start_date"]).notna().all():
        s = pd.Series(pd.to_datetime(secs["start_date"]).to_numpy(), index=secs["code"].to_numpy())
        s = s.reindex(fresh.index)
        ipo = fresh[(s == fresh).to_numpy()]
    else:
        ipo = fresh[[security_type_of(c) == "stock" for c in fresh.index]] if len(fresh) else fresh
    ipo = ipo[~(pd.Index(ipo.index).str.endswith(".BJSE") & (ipo == BSE_OPENING_DATE).to_numpy())]
    spans = None
    if listed is not None:
        last_row = win_raw.groupby("code")["date"].max()
        ext = last_row.index[last_row.index.isin(list(listed)) & (last_row < win_cal[-1]).to_numpy()].tolist()
        if ext:
            say(f"{len(ext)} listed securities have no rows at the end (suspended), e.g. {ext[0]}")
            spans = pd.DataFrame({"first": first_row, "last": last_row})
            spans.loc[ext, "last"] = win_cal[-1]
    say(f"deriving {len(new_days)} new day(s) from a {len(wdays)}-day window of {len(at_last):,} securities")
    wt, wstats = build_store_tables(win_raw, win_cal, securities=master, ipo_dates=ipo, spans=spans,
                                    source=lambda c, d: f"{source} {c} {pd.Timestamp(d).date()}")
    wb = wt["bars_daily"]
    wb["date"] = pd.to_datetime(wb["date"])
    is_new = (wb["date"] > last).to_numpy()

    # factor: continue each security's stored factor (ratio close_{t-1} / pre_close_t)
    code = wb["code"].to_numpy(object)
    close = wb["close"].to_numpy(np.float64)
    prec = wb["pre_close"].to_numpy(np.float64)
    first = np.ones(len(wb), bool)
    first[1:] = code[1:] != code[:-1]
    prev = np.r_[np.nan, close[:-1]]
    ratio = np.where(~first & np.isfinite(prec) & (prec > 0) & np.isfinite(prev), prev / prec, 1.0)
    ratio = np.where(np.abs(ratio - 1.0) < 1e-12, 1.0, ratio)
    last_factor = ctx.loc[ctx["date"] == last].set_index("code")["factor"]
    fac = np.ones(len(wb))
    on_last = (wb["date"] == last).to_numpy()
    fac[on_last] = last_factor.reindex(code[on_last]).to_numpy()
    idx = np.flatnonzero(is_new)      # rows sorted by code, date: a new row follows its previous day
    for i in idx:
        fac[i] = 1.0 if first[i] else fac[i - 1] * ratio[i]
    fac[np.abs(fac - 1.0) < 1e-13] = 1.0
    wb["factor"] = fac
    new_bars = wb[is_new].drop(columns=[c for c in ("_row",) if c in wb.columns])
    new_bars = new_bars.sort_values(["date", "code"], kind="stable").reset_index(drop=True)
    full_cal = old_cal.append(new_days)
    new_bars = validate_table("bars_daily", new_bars, {"bars_daily": f"{source} update"}, calendar=full_cal)

    # ---- securities master
    wm = wt["securities"].set_index("code")
    om = old_master.set_index("code")
    for c in om.columns:
        if c in ("start_date", "end_date"):
            om[c] = pd.to_datetime(om[c])
    touched = [c for c in wm.index if c in om.index]
    om.loc[touched, "end_date"] = pd.to_datetime(wm.loc[touched, "end_date"]).to_numpy()
    added = [c for c in wm.index if c not in om.index]
    if added:
        add = wm.loc[added, list(om.columns)]
        om = pd.concat([om, add])
    sec_src = secs.set_index("code")
    for c in ("display_name", "name", "end_date"):
        if c in sec_src.columns:
            v = om.index.to_series().map(sec_src[c])
            if c == "end_date":
                v = pd.to_datetime(v)
            om[c] = v.where(v.notna(), om[c])
    om["display_name"] = om["display_name"].where(om["display_name"].notna(), om.index.to_series())
    new_master = om.reset_index().sort_values("code").reset_index(drop=True)[list(schema.SECURITIES)]
    wend = pd.to_datetime(wm.loc[touched, "end_date"])
    ended = wend.index[(wend < FAR_FUTURE).to_numpy()].tolist()

    # ---- interval tables and events
    st_new = merge_runs(st_old, wt.get("st"), last, w0)
    names_new = merge_runs(names_old, wt.get("names"), last, w0, value="display_name") \
        if names_old is not None or "names" in wt else None
    xr_old = pd.read_parquet(store / "xrxd.parquet") if (store / "xrxd.parquet").exists() else None
    xr_win = wt["xrxd"]
    xr_add = xr_win[pd.to_datetime(xr_win["date"]) > last]
    xrxd = xr_add if xr_old is None else pd.concat([xr_old, xr_add], ignore_index=True)
    small = {"calendar": pd.DataFrame({"date": full_cal}), "securities": new_master, "xrxd": xrxd}
    if st_new is not None:
        small["st"] = st_new
    if names_new is not None:
        small["names"] = names_new
    small.update(tables or {})
    clean = {t: validate_table(t, df, {t: f"{source} update"}, calendar=full_cal if t != "calendar" else None)
             for t, df in small.items()}
    unknown = sorted(set(new_bars["code"]) - set(new_master["code"]))
    if unknown:
        raise DataError(f"{store}: {unknown[0]} has new bars but is not in the securities master")

    # ---- pull records
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    rec = json.loads(json.dumps(record))
    first_date = rec["tables"]["bars_daily"]["first_date"]
    for t in list(rec["tables"]):
        if "/" not in t:
            rec["tables"][t].update({"source": source, "pulled_at": now, "first_date": first_date,
                                     "last_date": str(end.date())})
    for t in small:
        rec["tables"].setdefault(t, {"source": source, "pulled_at": now, "first_date": first_date,
                                     "last_date": str(end.date())})
    rec["history"] = rec.get("history", []) + [{"pulled_at": now, "start": str(days[0].date()),
                                                "end": str(days[-1].date()), "rows": int(pulled["rows"]),
                                                "securities": int(pulled["securities"]), "mode": "append"}]
    rec["what"] = list(what)
    for t, n in (counts or {}).items():
        rec["tables"][t] = {"source": source, "pulled_at": now, "rows": int(n)}
    rec["universe"] = universe

    # ---- write beside, link the rest, sync, swap
    years = sorted(set(new_bars["date"].dt.year))
    raw_years = sorted(set(pd.to_datetime(new_raw["date"]).dt.year))
    changed = {f"{t}.parquet" for t in clean} | {f"bars_daily/{y}.parquet" for y in years} | \
        {"meta.json", "pull/sources.json", "pull/securities.parquet", ".panels"} | set(extra_files or {})
    store.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(store)
    tmp = Path(tempfile.mkdtemp(prefix=f".{store.name}.tmp-{os.getpid()}-", dir=store.parent))
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(tmp, 0o777 & ~mask)
    written: list[Path] = []
    try:
        _link_tree(store, tmp, changed)
        _step("linked")
        bschema = _arrow_schema("bars_daily")
        for y in years:
            part = new_bars[new_bars["date"].dt.year == y]
            t_new = pa.Table.from_pandas(part[list(schema.DAILY_BARS)], schema=bschema, preserve_index=False)
            if y == last.year:
                t_new = pa.concat_tables([year_table, t_new])
            out = tmp / "bars_daily" / f"{y}.parquet"
            out.parent.mkdir(exist_ok=True)
            # zstd level 1: a quarter of the default's time for this daily rewrite (a rebuild
            # writes the default level again)
            pq.write_table(t_new, out, compression="zstd", compression_level=1)
            written.append(out)
        _step("bars")
        # the new source rows as a part file per update (YYYY-MMDD.parquet), the year's parts
        # merged into YYYY.parquet once there are RAW_PARTS of them; a rebuild merges them all
        keep_raw = new_raw.drop(columns=[c for c in ("_row",) if c in new_raw.columns])
        (tmp / "pull" / "raw").mkdir(parents=True, exist_ok=True)
        for y in raw_years:
            part = keep_raw[pd.to_datetime(keep_raw["date"]).dt.year == y]
            olds = _raw_files(store, y)
            t_new = pa.Table.from_pandas(part, preserve_index=False)
            if len(olds) >= RAW_PARTS:
                ts = [pq.read_table(f) for f in olds]
                t_new = pa.concat_tables(ts + [t_new.select(ts[0].column_names).cast(ts[0].schema)])
                for f in olds:
                    (tmp / "pull" / "raw" / f.name).unlink()
                out = tmp / "pull" / "raw" / f"{y}.parquet"
            else:
                out = tmp / "pull" / "raw" / f"{y}-{part['date'].max():%m%d}.parquet"
            pq.write_table(t_new, out)
            written.append(out)
        _step("raw")
        for t, df in clean.items():
            df = df.drop(columns=[c for c in df.columns if c == "_row"])
            pq.write_table(pa.Table.from_pandas(df, schema=_arrow_schema(t), preserve_index=False),
                           tmp / f"{t}.parquet", compression="zstd")
            written.append(tmp / f"{t}.parquet")
        (tmp / "pull").mkdir(exist_ok=True)
        secs.to_parquet(tmp / "pull" / "securities.parquet", index=False)
        (tmp / "pull" / "sources.json").write_text(json.dumps(rec, indent=1, ensure_ascii=False))
        written += [tmp / "pull" / "securities.parquet", tmp / "pull" / "sources.json"]
        for rel, fn in (extra_files or {}).items():
            fn(tmp / rel)
            written += [p for p in (tmp / rel).rglob("*") if p.is_file()] if (tmp / rel).is_dir() else [tmp / rel]
        _step("tables")
        meta = json.loads((store / "meta.json").read_text())
        h = hashlib.sha256(str(meta.get("version")).encode())
        h.update(pd.util.hash_pandas_object(new_bars[["close", "volume"]], index=False).values.tobytes())
        h.update(str(end.date()).encode())
        meta.update({"version": h.hexdigest()[:16], "last_date": str(end.date()),
                     "source": f"{source} update {now}", "written": _dt.date.today().isoformat()})
        (tmp / "meta.json").write_text(json.dumps(meta, indent=2))
        written.append(tmp / "meta.json")
        if not (tmp / STORE_MARKER).exists():
            (tmp / STORE_MARKER).write_text(json.dumps({"format": schema.FORMAT_VERSION,
                                                        "name": meta.get("name")}) + "\n")
            written.append(tmp / STORE_MARKER)
        _step("meta")
        from .store import Store
        try:
            for p in written:
                if p.suffix == ".parquet":
                    pq.read_metadata(p)          # a readable footer, as verify_store checks
            opened = Store(tmp)                  # meta, calendar and master load
        except DataError:
            raise
        except Exception as exc:
            raise DataError(f"{store}: the updated store cannot be read back ({type(exc).__name__}: {exc})") from exc
        if opened.dates[-1] != end or len(opened.dates) != len(full_cal):
            raise DataError(f"{store}: the updated calendar ends on {opened.dates[-1].date()}, not {end.date()}")
        _fsync_files(written, {p.parent for p in written} | {tmp})
        _step("synced")
        swap_into_place(tmp, store)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _step("swapped")
    c = new_bars["close"].to_numpy()
    hl, ll = new_bars["high_limit"].to_numpy(), new_bars["low_limit"].to_numpy()
    known = np.isfinite(hl) & (new_bars["paused"].to_numpy() == 0)
    viol = int((known & ((c > hl + 1e-9) | (c < ll - 1e-9))).sum())
    return {"bars": int(len(new_bars)), "securities": int(len(new_master)), "first_date": first_date,
            "last_date": str(end.date()), "new_securities": sorted(added), "ended": sorted(ended),
            "limit_violations": viol, "xrxd": int(len(xr_add)), "seconds": time.perf_counter() - t0,
            "window_stats": wstats}
