"""Build small stores from a few lines of data (for unit tests and user strategy tests)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np
import pandas as pd

from ..data.calendar import xshg_trading_days
from ..data.store import Store


def _board(code: str, type_: str) -> str:
    if type_ == "index":
        return "index"
    if type_ != "stock":
        return "fund"
    if code.startswith(("688", "689")):
        return "star"
    if code.startswith(("300", "301")):
        return "chinext"
    if code.startswith(("002", "003")):
        return "sme"
    if code.endswith(".BJSE"):
        return "bse"
    return "sh_main" if code.endswith(".XSHG") else "sz_main"


def limit_ratio(code: str, type_: str, date: pd.Timestamp, is_st: bool = False) -> float | None:
    """Daily price-limit ratio of a security on ``date`` (spec §4.2): 10 %, 20 % for STAR and
    for ChiNext from 2020-08-24, 30 % BSE, 5 % for ST main-board stocks; None for indexes."""
    if type_ == "index":
        return None
    b = _board(code, type_)
    if b == "star" or (b == "chinext" and date >= pd.Timestamp("2020-08-24")):
        return 0.2
    if b == "bse":
        return 0.3
    if is_st:
        return 0.05
    return 0.1


def make_bars(code: str, closes: Sequence[float], dates: pd.DatetimeIndex, *, type_: str = "stock",
              opens: Sequence[float] | None = None, highs=None, lows=None, volumes=None,
              paused: Sequence[int] | None = None, factor: Sequence[float] | None = None,
              pre_closes: Sequence[float] | None = None, st: Sequence[bool] | None = None) -> pd.DataFrame:
    """Daily bars of one security in store format (prices yuan, volume shares).

    Defaults: open = previous close, high/low = max/min(open, close), volume 1,000,000 shares,
    money = volume x close, limits from the board rule rounded to 0.01 (0.001 for funds),
    factor 1.  ``paused[i] = 1`` turns day i into a suspended row (OHLC = previous close,
    volume 0).
    """
    n = len(closes)
    c = np.asarray(closes, dtype=float)
    pc = np.asarray(pre_closes, dtype=float) if pre_closes is not None else np.concatenate([[c[0]], c[:-1]])
    o = np.asarray(opens, dtype=float) if opens is not None else pc.copy()
    h = np.asarray(highs, dtype=float) if highs is not None else np.maximum(o, c)
    lo = np.asarray(lows, dtype=float) if lows is not None else np.minimum(o, c)
    v = np.asarray(volumes, dtype=float) if volumes is not None else np.full(n, 1_000_000.0)
    p = np.asarray(paused, dtype=int) if paused is not None else np.zeros(n, dtype=int)
    f = np.asarray(factor, dtype=float) if factor is not None else np.ones(n)
    stv = np.asarray(st, dtype=bool) if st is not None else np.zeros(n, dtype=bool)
    for i in np.flatnonzero(p):
        prev = c[i - 1] if i > 0 else c[i]
        c[i] = o[i] = h[i] = lo[i] = prev
        v[i] = 0.0
    digits = 2 if type_ == "stock" else 3
    hl = np.full(n, np.nan)
    ll = np.full(n, np.nan)
    for i, d in enumerate(dates):
        r = limit_ratio(code, type_, d, bool(stv[i]))
        if r is not None:
            hl[i] = round(pc[i] * (1 + r) + 1e-9, digits)
            ll[i] = round(pc[i] * (1 - r) + 1e-9, digits)
    return pd.DataFrame({"date": dates[:n], "code": code, "open": o, "close": c, "high": h, "low": lo,
                         "volume": v, "money": v * c, "pre_close": pc, "high_limit": hl, "low_limit": ll,
                         "paused": p, "factor": f})


def tiny_store(path: str | os.PathLike, closes: Mapping[str, Sequence[float] | pd.DataFrame], *,
               start: str = "2024-01-02", types: Mapping[str, str] | None = None,
               index_members: Mapping[str, Sequence[str]] | None = None,
               st: Mapping[str, tuple[str, str]] | None = None,
               xrxd: Sequence[tuple[str, str, float, float]] | None = None,
               names: Mapping[str, str] | None = None, **bar_kw) -> Store:
    """Write a small store and return it opened.

    Parameters
    ----------
    path : path-like
        Folder to create.
    closes : mapping
        code -> list of daily closes (from the first trading day >= ``start``) or a ready
        DataFrame from :func:`make_bars`.
    types : mapping, optional
        code -> 'stock' (default), 'etf' or 'index'.
    index_members : mapping, optional
        index code -> member codes for the whole span.
    st : mapping, optional
        code -> (start, end) ST interval.
    xrxd : sequence, optional
        (code, ex-date, bonus_pre_tax per 10 shares, scale_factor) events.
    names : mapping, optional
        code -> display_name.
    bar_kw : mapping
        Extra per-code keyword arguments for :func:`make_bars`, given as
        ``{argument: {code: values}}``.
    """
    from ..data.writer import write_store

    types = dict(types or {})
    n_max = max(len(v) for v in closes.values())
    days = xshg_trading_days(pd.Timestamp(start).strftime("%Y-%m-%d"),
                             (pd.Timestamp(start) + pd.Timedelta(days=int(n_max * 1.6) + 30)).strftime("%Y-%m-%d"))
    days = days[days >= pd.Timestamp(start)][:n_max]
    frames, secs = [], []
    for code, v in closes.items():
        t = types.get(code, "stock")
        if isinstance(v, pd.DataFrame):
            df = v
        else:
            kw = {k: m[code] for k, m in bar_kw.items() if code in m}
            df = make_bars(code, v, days, type_=t, **kw)
        frames.append(df)
        secs.append({"code": code, "display_name": (names or {}).get(code, code.split(".")[0]),
                     "name": code.split(".")[0], "type": t, "start_date": df["date"].iloc[0],
                     "end_date": pd.Timestamp("2200-01-01"), "board": _board(code, t)})
    tables = {"calendar": pd.DataFrame({"date": days}), "securities": pd.DataFrame(secs),
              "bars_daily": pd.concat(frames, ignore_index=True)}
    if index_members:
        tables["index_members"] = pd.DataFrame(
            [{"index_code": k, "code": c, "start_date": days[0], "end_date": pd.Timestamp("2200-01-01")}
             for k, cs in index_members.items() for c in cs])
    if st:
        tables["st"] = pd.DataFrame([{"code": k, "start_date": a, "end_date": b} for k, (a, b) in st.items()])
    if xrxd:
        tables["xrxd"] = pd.DataFrame(xrxd, columns=["code", "date", "bonus_pre_tax", "scale_factor"])
    write_store(path, tables, name="tiny", source="jqlite.testing.tiny_store")
    return Store(Path(path))
