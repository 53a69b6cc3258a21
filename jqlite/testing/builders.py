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
               names: Mapping[str, str] | None = None,
               end_dates: Mapping[str, str] | None = None, **bar_kw) -> Store:
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
    end_dates : mapping, optional
        code -> last trading day (delisting); default 2200-01-01 (still listed).
    bar_kw : mapping
        Extra per-code keyword arguments for :func:`make_bars`, given as
        ``{argument: {code: values}}``.
    """
    from ..data.writer import write_store

    types = dict(types or {})
    n_max = max(len(v) for v in closes.values())
    days = xshg_trading_days(pd.Timestamp(start).strftime("%Y-%m-%d"),
                             (pd.Timestamp(start) + pd.Timedelta(int(n_max * 1.6) + 30, unit="D")).strftime("%Y-%m-%d"))
    days = days[days >= pd.Timestamp(start)][:n_max]
    last_df = max((v["date"].max() for v in closes.values() if isinstance(v, pd.DataFrame)), default=None)
    if last_df is not None and (len(days) == 0 or pd.Timestamp(last_df) > days[-1]):
        days = xshg_trading_days(pd.Timestamp(start).strftime("%Y-%m-%d"), pd.Timestamp(last_df).strftime("%Y-%m-%d"))
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
                     "end_date": pd.Timestamp((end_dates or {}).get(code, "2200-01-01")),
                     "board": _board(code, t)})
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


_BAR_ARGS = ("opens", "highs", "lows", "volumes", "factor", "pre_closes")
_FRAME_COLS = {"open": "opens", "high": "highs", "low": "lows", "volume": "volumes",
               "factor": "factor", "pre_close": "pre_closes"}


def _day_positions(values, days: pd.DatetimeIndex, what: str) -> list[int]:
    """Positions in ``days`` of dates (str/date) or ints (positions already)."""
    out = []
    for v in values:
        if isinstance(v, (int, np.integer)):
            out.append(int(v))
            continue
        d = pd.Timestamp(v).normalize()
        k = int(days.searchsorted(d))
        if k >= len(days) or days[k] != d:
            raise ValueError(f"tiny_market(): {what} day {v!r} is not a trading day of the market "
                             f"({days[0].date()} .. {days[-1].date()})")
        out.append(k)
    return out


def tiny_market(path: str | os.PathLike, bars: Mapping[str, Sequence[float | None] | pd.DataFrame], *,
                start: str = "2024-01-02", types: Mapping[str, str] | None = None,
                paused: Mapping[str, Sequence] | None = None,
                st: Mapping[str, tuple[str, str] | bool] | None = None,
                limit_up: Mapping[str, Sequence] | None = None,
                limit_down: Mapping[str, Sequence] | None = None,
                index_members: Mapping[str, Sequence[str]] | None = None,
                names: Mapping[str, str] | None = None,
                xrxd: Sequence[tuple[str, str, float, float]] | None = None,
                valuation: Mapping[str, Mapping[str, float | Sequence[float]]] | None = None,
                **bar_kw) -> Store:
    """Write a small market stated in a few lines and return it opened.

    Day ``k`` of every list is the ``k``-th XSHG trading day from ``start``.

    Parameters
    ----------
    path : path-like
        Folder to create (must not hold a store yet).
    bars : mapping
        code -> daily closes, or a DataFrame.  In a list, ``None``/NaN marks a day the
        security is not listed: leading ``None`` make a **new listing** (first bar on the first
        number), trailing ``None`` (or a list shorter than the longest) a **delisting**.
        A DataFrame either is in store format (from :func:`make_bars`) or has a ``close``
        column (and optionally ``open``, ``high``, ``low``, ``volume``, ``paused``) indexed by
        date or with a ``date`` column; missing fields get :func:`make_bars` defaults.
    start : str
        First calendar day (rolled forward to a trading day).
    types : mapping, optional
        code -> 'stock' (default), 'etf', 'lof' or 'index'.
    paused : mapping, optional
        code -> days (dates or day positions) the security is suspended: OHLC = the previous
        close, volume 0; orders for it are refused (``order`` returns None).
    st : mapping, optional
        code -> ``(start, end)`` ST interval, or ``True`` for the whole span.  ST stocks get
        the 5 % price limit.
    limit_up, limit_down : mapping, optional
        code -> days on which the stock is "one-word" limit-up (limit-down): open = high =
        low = close = the day's limit price computed from the previous close (the close given
        in ``bars`` for that day is replaced).  A market buy (sell) placed that day is
        cancelled by the broker.
    index_members : mapping, optional
        index code -> member codes for the whole span (``get_index_stocks``).
    names : mapping, optional
        code -> display name (default: the numeric part of the code).
    xrxd : sequence, optional
        ``(code, ex-date, cash per 10 shares, scale_factor)`` events.
    valuation : mapping, optional
        code -> {valuation column: scalar or per-day list}, e.g.
        ``{'600000.XSHG': {'market_cap': 120.0, 'pe_ratio': [8, 8.1, 8.2]}}`` (market_cap in
        亿元, JoinQuant units), written as point-in-time fundamentals for ``get_fundamentals``
        / ``get_valuation`` on the days the code is listed.
    bar_kw : mapping
        Extra per-code :func:`make_bars` arrays, ``{argument: {code: values}}`` (e.g.
        ``opens={'600000.XSHG': [...]}``, ``volumes=...``), aligned like ``bars``.

    Returns
    -------
    jqlite.data.store.Store

    Examples
    --------
    >>> store = tiny_market(tmp / "m", {                        # doctest: +SKIP
    ...     "600000.XSHG": [10.0, 10.2, 10.4],
    ...     "600001.XSHG": [20.0, 22.0, 24.2],                  # limit-up closes
    ...     "688001.XSHG": [None, 30.0, 33.0],                  # new listing on day 1
    ... }, start="2024-03-01", paused={"600000.XSHG": ["2024-03-05"]},
    ...    limit_up={"600001.XSHG": ["2024-03-04"]})
    """
    types = dict(types or {})
    lists = {k: v for k, v in bars.items() if not isinstance(v, pd.DataFrame)}
    frames_in = {k: v for k, v in bars.items() if isinstance(v, pd.DataFrame)}
    n_list = max((len(v) for v in lists.values()), default=0)
    s0 = pd.Timestamp(start)
    last = s0
    norm_frames = {}
    for code, df in frames_in.items():
        f = df.copy()
        if "date" not in f.columns:
            f = f.rename_axis("date").reset_index()
        f["date"] = pd.to_datetime(f["date"]).dt.normalize()
        f = f.sort_values("date").reset_index(drop=True)
        norm_frames[code] = f
        s0 = min(s0, f["date"].iloc[0])
        last = max(last, f["date"].iloc[-1])
    span_end = max(last, s0 + pd.Timedelta(int(n_list * 1.6) + 30, unit="D"))
    cal = xshg_trading_days(s0.strftime("%Y-%m-%d"), span_end.strftime("%Y-%m-%d"))
    cal = cal[cal >= s0]
    n_days = max(n_list, int(cal.searchsorted(last, side="right")))
    days = cal[:n_days]
    st_spans: dict[str, tuple] = {}
    for code, v in (st or {}).items():
        if v is True:
            st_spans[code] = (days[0], days[-1])
        elif v:
            st_spans[code] = (pd.Timestamp(v[0]), pd.Timestamp(v[1]))
    out, end_dates = {}, {}
    for code, v in bars.items():
        t = types.get(code, "stock")
        if code in norm_frames:
            f = norm_frames[code]
            if {"pre_close", "high_limit", "low_limit", "factor", "code"} <= set(f.columns):
                out[code] = f
                if f["date"].iloc[-1] < days[-1]:
                    end_dates[code] = f["date"].iloc[-1]
                continue
            full = pd.DataFrame({"date": days})
            f = full.merge(f, on="date", how="left")
            closes = f["close"].to_numpy(dtype=float)
            extra = {arg: f[col].to_numpy(dtype=float) for col, arg in _FRAME_COLS.items() if col in f.columns}
            pz = f["paused"].fillna(0).to_numpy(dtype=int) if "paused" in f.columns else None
        else:
            closes = np.array([np.nan if x is None else float(x) for x in v] + [np.nan] * (n_days - len(v)))
            extra, pz = {}, None
        for arg, m in bar_kw.items():
            if code in m:
                a = np.asarray(m[code], dtype=float)
                extra[arg] = np.concatenate([a, np.full(n_days - len(a), np.nan)])
        listed = np.flatnonzero(~np.isnan(closes))
        if len(listed) == 0:
            raise ValueError(f"tiny_market(): {code} has no close on any day")
        a, b = int(listed[0]), int(listed[-1])
        if len(listed) != b - a + 1:
            raise ValueError(f"tiny_market(): {code} has a gap (None/NaN) between listed days; "
                             f"use paused={{'{code}': [...]}} for a suspension")
        d = days[a:b + 1]
        c = closes[a:b + 1].copy()
        kw = {arg: arr[a:b + 1] for arg, arr in extra.items()}
        for arg in list(kw):
            if np.isnan(kw[arg]).all():
                del kw[arg]
            elif np.isnan(kw[arg]).any():
                raise ValueError(f"tiny_market(): {code}: '{arg}' has missing values on listed days")
        p = np.zeros(len(d), dtype=int) if pz is None else pz[a:b + 1].copy()
        for k in _day_positions((paused or {}).get(code, ()), days, "paused"):
            if not a <= k <= b:
                raise ValueError(f"tiny_market(): {code} is not listed on paused day {days[k].date()}")
            p[k - a] = 1
        for i in np.flatnonzero(p):
            if i > 0:
                c[i] = c[i - 1]  # a suspended day closes at the previous close
        stv = np.zeros(len(d), dtype=bool)
        if code in st_spans:
            s, e = st_spans[code]
            stv = np.asarray((d >= s) & (d <= e))
        ups = set(_day_positions((limit_up or {}).get(code, ()), days, "limit_up"))
        downs = set(_day_positions((limit_down or {}).get(code, ()), days, "limit_down"))
        if ups or downs:
            o = kw.get("opens")
            o = np.concatenate([[c[0]], c[:-1]]) if o is None else o.copy()
            hi = kw.get("highs")
            lo = kw.get("lows")
            for i in range(len(d)):
                k = i + a
                if k not in ups and k not in downs:
                    if "opens" not in kw and i > 0:
                        o[i] = c[i - 1]
                    continue
                if i == 0:
                    raise ValueError(f"tiny_market(): {code} needs a previous close before limit day {d[i].date()}")
                r = limit_ratio(code, types.get(code, "stock"), d[i], bool(stv[i]))
                pc = c[i - 1]
                c[i] = o[i] = round(pc * (1 + r if k in ups else 1 - r) + 1e-9, 2)
                if hi is not None:
                    hi[i] = c[i]
                if lo is not None:
                    lo[i] = c[i]
            kw["opens"] = o
        out[code] = make_bars(code, c, d, type_=t, paused=p, st=stv, **kw)
        if b < n_days - 1:
            end_dates[code] = days[b]
    store = tiny_store(path, out, start=days[0].strftime("%Y-%m-%d"), types=types,
                       index_members=index_members,
                       st={k: (s.strftime("%Y-%m-%d"), e.strftime("%Y-%m-%d")) for k, (s, e) in st_spans.items()} or None,
                       xrxd=xrxd, names=names, end_dates=end_dates or None)
    if valuation:
        from ..data.fundamentals import write_fundamentals
        rows = []
        for code, cols in valuation.items():
            ds = out[code]["date"].reset_index(drop=True)
            row = {"day": ds, "code": code}
            for col, val in cols.items():
                if np.ndim(val) == 0:
                    row[col] = np.full(len(ds), float(val))
                else:
                    arr = np.asarray(val, dtype=float)
                    if len(arr) != len(ds):
                        raise ValueError(f"tiny_market(): valuation {code}.{col} has {len(arr)} values "
                                         f"for {len(ds)} listed days")
                    row[col] = arr
            rows.append(pd.DataFrame(row))
        write_fundamentals(path, {"valuation": pd.concat(rows, ignore_index=True)})
        store = Store(Path(path))
    return store


def make_minute_bars(code: str, day, closes: Sequence[float] | float, *, open_: float | None = None,
                     highs: Mapping[str, float] | None = None, lows: Mapping[str, float] | None = None,
                     volumes: Mapping[str, float] | float = 1000.0,
                     at: Mapping[str, float] | None = None) -> pd.DataFrame:
    """240 one-minute bars of one security on one day, for :func:`jqlite.data.minute.write_minute_bars`.

    Parameters
    ----------
    code : str
    day : date-like
    closes : float or sequence of 240 floats
        Bar closes (a float: a flat day).
    open_ : float, optional
        Open of the 09:31 bar (default the first close); later bars open at the previous close.
    highs, lows : mapping of 'HH:MM' label to yuan, optional
        Override a bar's high / low (default max / min of its open and close).
    volumes : float or mapping of 'HH:MM' label to shares
        Volume of every bar, or overrides on top of 1,000 shares.
    at : mapping of 'HH:MM' label to yuan, optional
        Override single closes (the next bar opens there).

    Returns
    -------
    pandas.DataFrame
        ``code, time, open, close, high, low, volume, money`` (money = volume x close).
    """
    from ..data.minute import LABEL_MINUTES
    labels = [f"{m // 60:02d}:{m % 60:02d}" for m in LABEL_MINUTES]
    c = np.full(240, float(closes)) if np.isscalar(closes) else np.asarray(closes, dtype=float).copy()
    for k, v in (at or {}).items():
        c[labels.index(k)] = v
    o = np.r_[[c[0] if open_ is None else open_], c[:-1]]
    h, lo = np.maximum(o, c), np.minimum(o, c)
    for k, v in (highs or {}).items():
        h[labels.index(k)] = v
    for k, v in (lows or {}).items():
        lo[labels.index(k)] = v
    vol = np.full(240, 1000.0 if isinstance(volumes, Mapping) else float(volumes))
    if isinstance(volumes, Mapping):
        for k, v in volumes.items():
            vol[labels.index(k)] = v
    d = pd.Timestamp(day).normalize()
    times = d + pd.to_timedelta(LABEL_MINUTES, unit="m")
    return pd.DataFrame({"code": code, "time": times, "open": o, "close": c, "high": h, "low": lo,
                         "volume": vol, "money": vol * c})


def tree_digest(path) -> str:
    """sha256 hex digest over every file under ``path`` (relative name + bytes, sorted): equal
    digests mean a byte-identical folder -- how the reliability tests assert that a failed or
    killed import left a store untouched."""
    import hashlib
    from pathlib import Path
    h = hashlib.sha256()
    for p in sorted(Path(path).rglob("*")):
        if p.is_file():
            h.update(str(p.relative_to(path)).encode())
            h.update(p.read_bytes())
    return h.hexdigest()

