"""``jqlite data info STORE``: what a store holds, where it came from, and its gaps."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..errors import DataError
from . import schema
from .calendar import xshg_trading_days


def _dates_of(path: Path, col: str) -> tuple[str | None, str | None, int]:
    try:
        t = pq.read_table(path, columns=[col]).column(col).to_pandas()
    except Exception:
        return None, None, 0
    if t.empty:
        return None, None, 0
    d = pd.to_datetime(t)
    return str(d.min().date()), str(d.max().date()), len(t)


def store_info(path: str | os.PathLike) -> dict:
    """Summary of the store at ``path``.

    Parameters
    ----------
    path : path-like
        A jqlite store.

    Returns
    -------
    dict
        ``store``, ``name``, ``source`` (meta.json), ``pull`` (``pull/sources.json`` or None),
        ``first_date``/``last_date``, ``trading_days``, ``tables`` (name -> rows, first/last
        date where the table has dates, and the per-table source/pull time when pulled;
        intraday folders ``bars_minute`` / ``bars_5m`` -> ``files``, ``securities``,
        ``bars_per_day``, ``first_month``, ``last_month``),
        ``securities`` (type -> {total, listed, delisted}), ``fundamentals`` (table -> rows,
        codes, first/last date and the share of non-missing values per column, in percent),
        ``gaps``: ``missing_trading_days`` (XSHG trading days between the first and last
        day absent from the calendar), ``all_paused_days`` (days on which every security with
        a bar is suspended: usually no data that day), ``paused_rows``.

    Raises
    ------
    DataError
        No store at ``path``.
    """
    p = Path(path)
    if not (p / "meta.json").exists():
        raise DataError(f"no jqlite data store at {p} (meta.json missing)")
    meta = json.loads((p / "meta.json").read_text())
    pull = None
    if (p / "pull" / "sources.json").exists():
        pull = json.loads((p / "pull" / "sources.json").read_text())
    cal = pd.to_datetime(pd.read_parquet(p / "calendar.parquet")["date"]).sort_values()
    out: dict = {"store": str(p), "name": meta.get("name"), "source": meta.get("source"),
                 "written": meta.get("written"), "pull": pull,
                 "first_date": str(cal.iloc[0].date()) if len(cal) else None,
                 "last_date": str(cal.iloc[-1].date()) if len(cal) else None, "trading_days": len(cal)}
    tables = {}
    date_col = {"bars_daily": "date", "xrxd": "date", "index_weights": "date", "calendar": "date",
                "st": "start_date", "names": "start_date", "index_members": "start_date",
                "industry_members": "start_date", "industries": "start_date", "securities": "start_date"}
    for t in schema.TABLES:
        files = sorted((p / t).glob("*.parquet")) if t == "bars_daily" else [p / f"{t}.parquet"]
        files = [f for f in files if f.exists()]
        if not files:
            continue
        rows, lo, hi = 0, None, None
        for f in files:
            a, b, n = _dates_of(f, date_col.get(t, "date"))
            rows += n
            lo = a if lo is None or (a and a < lo) else lo
            hi = b if hi is None or (b and b > hi) else hi
        e = {"rows": rows, "first_date": lo, "last_date": hi}
        if pull and t in pull.get("tables", {}):
            e["source"] = pull["tables"][t]["source"]
            e["pulled_at"] = pull["tables"][t]["pulled_at"]
        tables[t] = e
    from .minute import BASES
    for base, (folder, labels) in sorted(BASES.items()):
        months = sorted(d for d in (p / folder).glob("????-??") if d.is_dir()) if (p / folder).is_dir() else []
        files = [f for m in months for f in m.glob("*.arrow")]
        if not files:
            continue
        e = {"files": len(files), "securities": len({f.stem for f in files}), "bars_per_day": len(labels),
             "first_month": months[0].name, "last_month": months[-1].name}
        if pull and folder in pull.get("tables", {}):
            e["source"] = pull["tables"][folder]["source"]
            e["pulled_at"] = pull["tables"][folder]["pulled_at"]
        tables[folder] = e
    out["tables"] = tables
    sec = pd.read_parquet(p / "securities.parquet")
    last = cal.iloc[-1] if len(cal) else None
    by_type = {}
    for ty, g in sec.groupby("type"):
        ended = pd.to_datetime(g["end_date"]) < last if last is not None else np.zeros(len(g), bool)
        by_type[str(ty)] = {"total": int(len(g)), "listed": int((~ended).sum()), "delisted": int(ended.sum())}
    out["securities"] = by_type
    fund = {}
    fd = p / "fundamentals"
    if fd.is_dir():
        for f in sorted(fd.glob("*.parquet")):
            df = pd.read_parquet(f)
            dcol = "day" if "day" in df.columns else "pubDate" if "pubDate" in df.columns else \
                next((c for c in df.columns if "date" in c.lower()), None)
            d = pd.to_datetime(df[dcol]) if dcol else None
            cover = {c: round(float(df[c].notna().mean() * 100), 1) for c in df.columns
                     if c not in ("code", "day", "pubDate", "statDate", dcol)}
            fund[f.stem] = {"rows": int(len(df)), "codes": int(df["code"].nunique()) if "code" in df else None,
                            "first_date": str(d.min().date()) if d is not None and len(d) else None,
                            "last_date": str(d.max().date()) if d is not None and len(d) else None,
                            "coverage_pct": cover}
    out["fundamentals"] = fund
    gaps: dict = {"missing_trading_days": [], "all_paused_days": [], "paused_rows": 0}
    if len(cal):
        xs = xshg_trading_days(str(cal.iloc[0].date()), str(cal.iloc[-1].date()))
        gaps["missing_trading_days"] = [str(d.date()) for d in xs.difference(pd.DatetimeIndex(cal))]
        parts = [pq.read_table(f, columns=["date", "paused"]).to_pandas()
                 for f in sorted((p / "bars_daily").glob("*.parquet"))]
        if parts:
            b = pd.concat(parts, ignore_index=True)
            gaps["paused_rows"] = int(b["paused"].sum())
            allp = b.groupby("date")["paused"].min()
            gaps["all_paused_days"] = [str(pd.Timestamp(d).date()) for d in allp.index[allp.to_numpy() == 1]]
    out["gaps"] = gaps
    return out


def format_info(info: dict) -> str:
    """Plain-text tables of :func:`store_info`'s result."""
    lines = [f"store {info['store']}  ({info['name']})",
             f"  source: {info['source']}",
             f"  days:   {info['first_date']} .. {info['last_date']}  ({info['trading_days']} trading days)"]
    pull = info.get("pull")
    if pull:
        h = pull.get("history", [])
        lines.append(f"  pulled: {pull['source']} ({pull.get('library')} {pull.get('library_version')}), universe "
                     f"{pull['universe']}, {len(h)} pull(s), last {h[-1]['pulled_at'] if h else '?'}")
    lines.append("")
    lines.append(f"  {'table':<18}{'rows':>12}  {'first':<11} {'last':<11} source")
    for t, e in info["tables"].items():
        src = f"{e.get('source', '')} {e.get('pulled_at', '')}".strip()
        if "files" in e:        # intraday bars: files per (security, month)
            lines.append(f"  {t:<18}{e['files']:>8,} files  {e['first_month']:<7} .. {e['last_month']:<7}  "
                         f"{e['securities']:,} securities, {e['bars_per_day']} bars a day  {src}".rstrip())
            continue
        lines.append(f"  {t:<18}{e['rows']:>12,}  {e['first_date'] or '':<11} {e['last_date'] or '':<11} {src}")
    lines.append("")
    lines.append(f"  {'securities':<18}{'total':>8}{'listed':>8}{'delisted':>10}")
    for ty, c in info["securities"].items():
        lines.append(f"  {ty:<18}{c['total']:>8}{c['listed']:>8}{c['delisted']:>10}")
    if info["fundamentals"]:
        lines.append("")
        lines.append(f"  {'fundamentals':<18}{'rows':>10}{'codes':>8}  {'first':<11} {'last':<11} columns >= 90 % filled")
        for t, e in info["fundamentals"].items():
            cov = e["coverage_pct"]
            good = sum(v >= 90 for v in cov.values())
            lines.append(f"  {t:<18}{e['rows']:>10,}{e['codes'] or 0:>8}  {e['first_date'] or '':<11} "
                         f"{e['last_date'] or '':<11} {good}/{len(cov)}")
    g = info["gaps"]
    lines.append("")
    lines.append(f"  gaps: {len(g['missing_trading_days'])} XSHG trading day(s) missing from the calendar"
                 + (f" (e.g. {', '.join(g['missing_trading_days'][:3])})" if g["missing_trading_days"] else "")
                 + f"; {len(g['all_paused_days'])} day(s) with every security suspended"
                 + (f" (e.g. {', '.join(g['all_paused_days'][:3])})" if g["all_paused_days"] else "")
                 + f"; {g['paused_rows']:,} suspended rows")
    return "\n".join(lines)
