"""1-minute bars: on-disk layout, memory-mapped reader, derived frequencies and the
deterministic synthetic minute bars of the sample market.

Layout
------
::

    STORE/bars_minute/YYYY-MM/<code>.arrow

One **Arrow IPC file** (Feather v2, uncompressed) per (security, calendar month) with the
columns of :data:`MINUTE_BARS`: ``time`` (``timestamp[s]``, the bar's **end** label, naive
Beijing time) and ``open close high low volume money`` (float64; yuan, shares, yuan; raw,
unadjusted prices like the daily bars).  Every traded day has exactly 240 rows, in time
order, labelled as JoinQuant labels them (spec ``jq_data_api.md`` "right-labelled"):
09:31 ... 11:30 and 13:01 ... 15:00 -- the bar stamped 09:31 covers 09:30:00-09:30:59 (its
open is the 09:25 call-auction price = the daily open), the bar stamped 10:00 covers
09:59:00-09:59:59.  Suspended days (and days outside the listing) have **no rows**.

Why Arrow IPC and not parquet: an uncompressed IPC file is memory-mapped and its columns
are numpy views over the mapping (``pyarrow.memory_map`` + ``ipc.open_file``, zero copy),
so a backtest touching one bar per day (a 14:50 task) pages in a few KB per month instead of
decoding whole parquet column chunks into RAM; a year of 800 stocks (2.2 GB) is never loaded
at once.  One file per (security, month) is also the unit the sample market synthesises
lazily, so a cache miss writes one small file atomically.  pandas / polars / pyarrow read the
files directly (``pandas.read_feather``).

Sample stores (``meta.json`` ``name == "sample"``) have no minute files when generated;
:class:`MinuteBars` synthesises a (security, month) on first use with :func:`synth_minute_days`
and caches it, in the same file format, under
``STORE/bars_minute_synthetic/<store version>-v<SYNTH_VERSION>/YYYY-MM/<code>.arrow`` (see
that function for the daily-consistency rules).

Derived frequencies
-------------------
``get_price`` / ``history`` / ``attribute_history`` with ``'Xm'`` (X in 1..240): sliding
windows of X one-minute bars **counted back from the end** of the requested range (spec
``jq_data_api.md`` §3.1 "合成数据的逻辑", the same rule as ``'Xd'``), each labelled with its
last bar's label; open = first open, close = last close, high = max, low = min, volume and
money summed.  ``get_bars`` instead splits each day from its open like charting software
(``'5m'`` -> 09:35, 09:40, ..., 11:30, 13:05, ..., 15:00; ``'60m'`` -> 10:30, 11:30, 14:00,
15:00; ``'120m'`` -> 11:30, 15:00), see :func:`bucket_of_slot`.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import threading
import zlib
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from numba import njit

from ..errors import DataError

MINUTE_DIR = "bars_minute"
#: Cache folder of synthetic minute bars (sample stores); the path holds the store version and
#: SYNTH_VERSION, so a regenerated store or a changed kernel never reads stale bars.
SYNTH_DIR = "bars_minute_synthetic"
SYNTH_VERSION = 3
BARS_PER_DAY = 240
MINUTE_FIELDS = ("open", "close", "high", "low", "volume", "money")

#: Columns of a minute file (Arrow types).
MINUTE_BARS = {"time": "timestamp[s]", "open": "float64", "close": "float64", "high": "float64",
               "low": "float64", "volume": "float64", "money": "float64"}

_SCHEMA = pa.schema([("time", pa.timestamp("s"))] + [(f, pa.float64()) for f in MINUTE_FIELDS])

#: Minute of the day (hour*60+minute) of each of the 240 bar labels.
LABEL_MINUTES = np.r_[np.arange(9 * 60 + 31, 11 * 60 + 31), np.arange(13 * 60 + 1, 15 * 60 + 1)].astype(np.int64)
#: Bar labels as ``timedelta64[s]`` offsets from midnight.
LABEL_OFFSETS = (LABEL_MINUTES * 60).astype("timedelta64[s]")

#: Imported 5-minute bars (no 1-minute source): ``STORE/bars_5m/YYYY-MM/<code>.arrow``, same
#: columns, 48 end-labelled bars a day (09:35 ... 11:30, 13:05 ... 15:00).
MINUTE5_DIR = "bars_5m"
#: base (minutes per stored bar) -> (folder, bar-end minutes of the day)
BASES = {1: (MINUTE_DIR, LABEL_MINUTES), 5: (MINUTE5_DIR, LABEL_MINUTES[4::5])}

_M_OPEN, _M_AM_END, _M_PM_START, _M_CLOSE = 9 * 60 + 30, 11 * 60 + 30, 13 * 60, 15 * 60


def slot_of(t: _dt.time) -> int:
    """Index (0..239) of the last bar whose end label is <= ``t``; -1 before 09:31.

    10:00 -> the bar stamped 10:00 (slot 29); 12:00 -> 11:30 (slot 119); 15:30 -> 239.
    """
    m = t.hour * 60 + t.minute
    if m <= _M_OPEN:
        return -1
    if m <= _M_AM_END:
        return m - _M_OPEN - 1
    if m <= _M_PM_START:
        return 119
    if m <= _M_CLOSE:
        return m - _M_PM_START - 1 + 120
    return 239


def label_time(slot: int) -> _dt.time:
    """End label of bar ``slot`` (0 -> 09:31, 119 -> 11:30, 120 -> 13:01, 239 -> 15:00)."""
    m = int(LABEL_MINUTES[slot])
    return _dt.time(m // 60, m % 60)


#: The 240 call times of handle_data in minute frequency (09:30 ... 11:29, 13:00 ... 14:59).
CALL_TIMES = tuple(_dt.time(m // 60, m % 60) for m in
                   list(range(_M_OPEN, _M_AM_END)) + list(range(_M_PM_START, _M_CLOSE)))


def bucket_of_slot(x: int, n: int = BARS_PER_DAY) -> np.ndarray:
    """Charting-software bucket id (0-based within the day) of each of the 240 slots for an
    ``x``-minute unit: buckets are counted from each session's open, so a bucket never spans
    the lunch break when ``x`` divides 120 (5, 15, 30, 60, 120); other ``x`` are counted from
    the day's open over the 240 bars (JoinQuant: "其他 xm 从每天开盘算起")."""
    s = np.arange(n)
    half = n // 2          # bars per session (120 one-minute, 24 five-minute)
    if half % x == 0:
        return np.where(s < half, s // x, half // x + (s - half) // x)
    return s // x


# ============================================================================ writing
def minute_file(store_path: str | os.PathLike, code: str, year: int, month: int, root: str = MINUTE_DIR) -> Path:
    """Path of the minute file of ``code`` for a month (``root``: the folder under the store)."""
    return Path(store_path) / root / f"{year:04d}-{month:02d}" / f"{code}.arrow"


def write_minute_file(path: Path, times: np.ndarray, cols: dict[str, np.ndarray]) -> None:
    """Write one (security, month) file atomically (temp file + rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = [pa.array(np.asarray(times).astype("datetime64[s]"), type=pa.timestamp("s"))]
    arrays += [pa.array(np.ascontiguousarray(cols[f], dtype=np.float64)) for f in MINUTE_FIELDS]
    path.parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_arrays(arrays, schema=_SCHEMA)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with pa.OSFile(str(tmp), "wb") as sink:
        with pa.ipc.new_file(sink, _SCHEMA) as w:
            w.write_table(table)
    os.replace(tmp, path)


def write_minute_bars(store_path: str | os.PathLike, df: pd.DataFrame, *, source: str = "<minute bars>",
                      base: int = 1) -> int:
    """Write 1-minute (``base=1``) or 5-minute (``base=5``, folder ``bars_5m``) bars into a
    store, one file per (security, month).

    Parameters
    ----------
    store_path : path-like
        An existing store folder.
    df : pandas.DataFrame
        Columns ``code``, ``time`` (datetime64, end label 09:31..11:30 / 13:01..15:00; for
        5-minute bars 09:35..11:30 / 13:05..15:00) and ``open close high low volume money``.
        Each (code, day) present must have all 240 (48) bars.
    base : {1, 5}
        Minutes per bar.
    source : str
        Named in error messages.

    Returns
    -------
    int
        Number of files written.

    Raises
    ------
    DataError
        A label that is not a JoinQuant 1-minute label, or a day without 240 bars, naming the
        security and day.
    """
    need = ["code", "time", *MINUTE_FIELDS]
    miss = [c for c in need if c not in df.columns]
    if miss:
        raise DataError(f"{source}: minute bars lack column(s) {miss}")
    df = df[need].copy()
    df["time"] = pd.to_datetime(df["time"])
    df = df.sort_values(["code", "time"], kind="stable")
    t = df["time"].to_numpy().astype("datetime64[s]")
    day = t.astype("datetime64[D]")
    mod = ((t - day).astype(np.int64) // 60)
    folder, labels = BASES[base]
    per_day = len(labels)
    ok = np.isin(mod, labels) & ((t - day).astype(np.int64) % 60 == 0)
    if not ok.all():
        k = int(np.flatnonzero(~ok)[0])
        raise DataError(f"{source}: {df['code'].iloc[k]} {pd.Timestamp(t[k])}: not a {base}-minute bar end "
                        f"label ({'09:31..11:30, 13:01..15:00' if base == 1 else '09:35..11:30, 13:05..15:00'})")
    n = 0
    codes = df["code"].to_numpy().astype(str)
    month = day.astype("datetime64[M]")
    key = pd.MultiIndex.from_arrays([codes, month])
    for (code, m), idx in pd.Series(np.arange(len(df))).groupby(key).groups.items():
        idx = np.asarray(idx)
        dd = day[idx]
        u, cnt = np.unique(dd, return_counts=True)
        if (cnt != per_day).any():
            bad = u[cnt != per_day][0]
            raise DataError(f"{source}: {code} {bad}: {int(cnt[cnt != per_day][0])} {base}-minute bars, "
                            f"expected {per_day} (or none for a suspended day)")
        mm = pd.Timestamp(m)
        write_minute_file(minute_file(store_path, code, mm.year, mm.month, folder), t[idx],
                          {f: df[f].to_numpy(dtype=np.float64)[idx] for f in MINUTE_FIELDS})
        n += 1
    return n


# ============================================================================ synthesis
@njit(cache=True, nogil=True)
def _splitmix(state: np.uint64) -> tuple:
    state = state + np.uint64(0x9E3779B97F4A7C15)
    z = state
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return state, z


@njit(cache=True, nogil=True)
def _uniform(state: np.uint64) -> tuple:
    state, z = _splitmix(state)
    return state, (float(z >> np.uint64(11)) + 0.5) / 9007199254740992.0


@njit(cache=True, nogil=True)
def _arg_ext(y, a, b, sign, skip):
    """Index in [a, b] of the max (sign 1) / min (sign -1) of ``y``, never ``skip``."""
    best = -1
    bv = -1e300
    for k in range(a, b + 1):
        if k == skip:
            continue
        v = sign * y[k]
        if v > bv:
            bv = v
            best = k
    return best


@njit(cache=True, nogil=True)
def _tent(y, k0, height, w):
    """Add a tent of ``height`` at ``k0``, zero from ``w`` minutes away (interior points only)."""
    n = y.shape[0] - 1
    if w < 1:
        w = 1
    for k in range(max(1, k0 - w + 1), min(n - 1, k0 + w - 1) + 1):
        y[k] += height * (1.0 - abs(k - k0) / w)


@njit(cache=True, nogil=True)
def _synth_day_nb(seed, o, h, l, c, vol, money, hl, ll, tick, out):
    """Fill ``out`` (240, 6: open close high low volume money) for one day."""
    n = 240
    st = np.uint64(seed)
    inv = np.floor(1.0 / tick + 0.5)     # 100 or 1000: k / inv is the double nearest to the decimal
    lim_up = (not np.isnan(hl)) and c >= hl - tick * 0.5 and h > l
    lim_dn = (not np.isnan(ll)) and c <= ll + tick * 0.5 and h > l
    y = np.empty(n + 1)
    if h - l < tick * 0.5:
        for k in range(n + 1):
            y[k] = c
        touch = 0
    else:
        # a Brownian bridge from O to C with U-shaped intraday volatility
        w = np.empty(n + 1)
        w[0] = 0.0
        for k in range(1, n + 1):
            st, u1 = _uniform(st)
            st, u2 = _uniform(st)
            z = np.sqrt(-2.0 * np.log(u1)) * np.cos(6.283185307179586 * u2)
            x = (k - 0.5) / n
            sig = 1.0 + 1.5 * (1.0 - 2.0 * x) ** 2
            w[k] = w[k - 1] + z * sig
        for k in range(n + 1):
            y[k] = o + (c - o) * k / n + (w[k] - w[n] * k / n) * (h - l) / 12.0
        # the day's high and low are where the random path peaks and bottoms; a tent-shaped
        # bump (10 minutes wide) makes them strict extremes beyond the open and close without
        # a one-minute spike.  A day closing at limit-up must bottom before it seals (and
        # vice versa), so the sealing extreme is placed first and the other one before it.
        mx = -1e300
        mn = 1e300
        for k in range(n + 1):
            mx = max(mx, y[k])
            mn = min(mn, y[k])
        span = mx - mn + 1e-9
        oc_hi = max(o, c)
        oc_lo = min(o, c)
        if lim_dn:
            kl = _arg_ext(y, 2, n - 1, -1.0, -1)
            _tent(y, kl, -(max(y[kl] - oc_lo, 0.0) + 0.05 * span), 10)
            kh = _arg_ext(y, 1, kl - 1, 1.0, -1)
            _tent(y, kh, max(oc_hi - y[kh], 0.0) + 0.05 * span, min(10, kl - kh))
        else:
            kh = _arg_ext(y, 2 if lim_up else 1, n - 1, 1.0, -1)
            _tent(y, kh, max(oc_hi - y[kh], 0.0) + 0.05 * span, 10)
            if lim_up:
                kl = _arg_ext(y, 1, kh - 1, -1.0, -1)
            else:
                kl = _arg_ext(y, 1, n - 1, -1.0, kh)
            gap = abs(kh - kl)
            _tent(y, kl, -(max(y[kl] - oc_lo, 0.0) + 0.05 * span), min(10, gap))
        hx = y[kh]
        lx = y[kl]
        for k in range(1, n):
            v = y[k]
            if v > oc_hi:
                v = oc_hi + (v - oc_hi) / (hx - oc_hi) * (h - oc_hi)
            elif v < oc_lo:
                v = oc_lo - (oc_lo - v) / (oc_lo - lx) * (oc_lo - l)
            v = np.floor(v / tick + 0.5) / inv
            y[k] = min(max(v, l), h)
        y[kh] = h
        y[kl] = l
        y[0] = o
        y[n] = c
        touch = -1
        if lim_up:          # sealed at limit-up from the first touch (kh) to the close
            for k in range(1, kh):
                if y[k] >= h:
                    y[k] = max((np.floor(h * inv + 0.5) - 1.0) / inv, l)
            touch = kh
            for k in range(kh, n + 1):
                y[k] = h
        elif lim_dn:
            for k in range(1, kl):
                if y[k] <= l:
                    y[k] = min((np.floor(l * inv + 0.5) + 1.0) / inv, h)
            touch = kl
            for k in range(kl, n + 1):
                y[k] = l
    # bars
    for k in range(n):
        bo = y[k]
        bc = y[k + 1]
        hi = max(bo, bc)
        lo = min(bo, bc)
        sealed = touch >= 0 and k >= touch
        if not sealed:
            st, u = _uniform(st)
            hi = min(np.floor(hi * inv + 0.5 + np.floor(u * 2.2)) / inv, h)
            st, u = _uniform(st)
            lo = max(np.floor(lo * inv + 0.5 - np.floor(u * 2.2)) / inv, l)
        out[k, 0] = bo
        out[k, 1] = bc
        out[k, 2] = hi
        out[k, 3] = lo
    # volume: U-shaped weights, little trading while sealed; integer lots summing to vol
    wts = np.empty(n)
    tot = 0.0
    for k in range(n):
        x = (k + 0.5) / n
        st, u1 = _uniform(st)
        st, u2 = _uniform(st)
        z = np.sqrt(-2.0 * np.log(u1)) * np.cos(6.283185307179586 * u2)
        wk = (0.6 + 2.5 * (1.0 - 2.0 * x) ** 2) * np.exp(0.45 * z)
        if touch >= 0 and k >= touch + 1:
            wk *= 0.08
        wts[k] = wk
        tot += wk
    unit = 100.0 if (vol % 100.0 == 0.0) else 1.0
    lots = np.floor(vol / unit) if vol > 0 else 0.0
    fr = np.empty(n)
    assigned = 0.0
    for k in range(n):
        e = wts[k] / tot * lots
        f = np.floor(e)
        out[k, 4] = f
        fr[k] = e - f
        assigned += f
    rest = int(lots - assigned + 0.5)
    order = np.argsort(-fr)
    for r in range(rest):
        out[order[r % n], 4] += 1.0
    for k in range(n):
        out[k, 4] *= unit
    if vol > 0:
        # a non-integral daily volume (real data): the remainder goes to the last bar
        out[n - 1, 4] += vol - lots * unit
    # money: each bar's vwap inside [low, high], total matched to the daily money
    vw = np.empty(n)
    for k in range(n):
        vw[k] = (out[k, 0] + out[k, 1] + out[k, 2] + out[k, 3]) * 0.25
    proportional = vol > 0 and money > 0 and not (l - tick <= money / vol <= h + tick)
    if proportional:
        # an index: money is the members' turnover, not price * volume -> split by volume
        for k in range(n):
            out[k, 5] = money * out[k, 4] / vol
        return
    if vol > 0 and money > 0:
        # one shift ``a`` for every bar's vwap, each clamped to its bar's [low, high]:
        # sum(v_k * clamp(vw_k + a)) rises monotonically with a, so bisection finds the shift
        # that matches the daily money exactly whenever the bars' ranges can hold it (else the
        # nearest achievable total: every bar at its low, or at its high)
        lo_a, hi_a = -(h - l) - 1.0, (h - l) + 1.0
        for _it in range(60):
            a = 0.5 * (lo_a + hi_a)
            s = 0.0
            for k in range(n):
                s += out[k, 4] * min(max(vw[k] + a, out[k, 3]), out[k, 2])
            if s < money:
                lo_a = a
            else:
                hi_a = a
        a = 0.5 * (lo_a + hi_a)
        for k in range(n):
            vw[k] = min(max(vw[k] + a, out[k, 3]), out[k, 2])
    for k in range(n):
        out[k, 5] = out[k, 4] * vw[k] if vol > 0 else 0.0


@njit(cache=True, nogil=True)
def _synth_days_nb(seeds, o, h, l, c, vol, money, hl, ll, tick):
    m = o.shape[0]
    out = np.empty((m, 240, 6))
    for i in range(m):
        _synth_day_nb(seeds[i], o[i], h[i], l[i], c[i], vol[i], money[i], hl[i], ll[i], tick, out[i])
    return out


def day_seed(seed: int, code: str, day: np.datetime64 | int) -> int:
    """Seed of one (security, day): a hash of the sample seed, the code and the date."""
    d = int(np.datetime64(day, "D").astype(np.int64)) if not isinstance(day, (int, np.integer)) else int(day)
    h = zlib.crc32(code.encode())
    return (int(seed) * 0x100000001B3 ^ (h << 20) ^ (d * 0x9E3779B1)) & 0xFFFFFFFFFFFFFFFF


def synth_minute_days(code: str, days: np.ndarray, bars: dict[str, np.ndarray], *, seed: int,
                      tick: float) -> np.ndarray:
    """Synthesise 240 one-minute bars per day consistent with the daily bars.

    Parameters
    ----------
    code : str
    days : numpy.ndarray of datetime64[D], shape (m,)
        Traded (not suspended) days.
    bars : dict of str to ndarray, shape (m,) each
        Daily ``open high low close volume money high_limit low_limit`` (raw yuan, shares).
    seed : int
        Sample seed; each (code, day) gets its own stream (:func:`day_seed`), so a day's bars
        do not depend on which month or which other days were generated with it.
    tick : float
        Price tick (0.01 stocks and indexes, 0.001 funds).

    Returns
    -------
    numpy.ndarray, shape (m, 240, 6), float64
        ``open close high low volume money`` per bar.

    Notes
    -----
    Rules (each checked by a property test): the first bar opens at the daily open; the
    last bar closes at the daily close; max of the highs = daily high and min of the lows =
    daily low (the path touches both at random minutes); every price lies on the tick grid
    inside [low, high]; volumes are whole lots (100 shares when the daily volume is) and sum
    to the daily volume; each bar's vwap (money / volume) lies in its [low, high] and the
    moneys sum to the daily money where those ranges allow; a day closing at limit-up
    (limit-down) stays sealed at the limit from the minute it first touches it to the close
    (with little volume), a one-price day (high == low) is flat.  The path is a Brownian
    bridge from open to close with U-shaped intraday volatility and volume, mapped
    monotonically onto [low, high].
    """
    seeds = np.array([day_seed(seed, code, d) for d in days], dtype=np.uint64)
    f = {k: np.asarray(v, dtype=np.float64) for k, v in bars.items()}
    return _synth_days_nb(seeds, f["open"], f["high"], f["low"], f["close"], f["volume"], f["money"],
                          f["high_limit"], f["low_limit"], float(tick))


# ============================================================================ reading
class _Month:
    """One (security, month) file: day indexes (store rows) and mapped columns."""

    __slots__ = ("rows", "cols", "pos")

    def __init__(self, rows: np.ndarray, cols: dict[str, np.ndarray]):
        self.rows = rows               # store day index of each day in the file, ascending
        self.cols = cols               # field -> (n_days*240,) float64 view
        self.pos = {int(r): k for k, r in enumerate(rows)}


_EMPTY = _Month(np.zeros(0, dtype=np.int64), {})


class MinuteBars:
    """Minute bars of a store (memory-mapped month files, synthesised on demand for sample
    stores).  Obtain with :meth:`jqlite.data.store.Store.minute_bars`.

    Attributes
    ----------
    synthetic : bool
        True for the sample market (missing months are generated and cached).
    """

    def __init__(self, store, base: int = 1):
        self.store = store
        self.base = base
        folder, labels = BASES[base]
        self.n = len(labels)                       # bars per day
        self.offsets = (labels * 60).astype("timedelta64[s]")
        self._offsets_ns = None
        self.synthetic = store.meta.get("name") == "sample" and base == 1
        self.subdir = f"{SYNTH_DIR}/{store.version}-v{SYNTH_VERSION}" if self.synthetic else folder
        self.root = Path(store.path) / self.subdir
        m = re.search(r"seed=(\d+)", str(store.meta.get("source", "")))
        self.seed = int(m.group(1)) if m else 20240101
        self._lock = threading.Lock()
        self._months: OrderedDict = OrderedDict()
        self._max_months = 20000
        self._ym = store.dates.year.to_numpy() * 12 + store.dates.month.to_numpy() - 1
        self._days_i8 = store.dates.values.astype("datetime64[D]").astype(np.int64)
        self._types = None

    @staticmethod
    def available(store, base: int = 1) -> bool:
        """Whether ``store`` has ``base``-minute bars (files, or for 1-minute bars a sample
        store that synthesises them)."""
        if base == 1 and store.meta.get("name") == "sample":
            return True
        root = Path(store.path) / BASES[base][0]
        return root.is_dir() and any(root.iterdir())

    def slot(self, t: _dt.time) -> int:
        """Index of the last stored bar that ended at or before ``t`` (-1: none today)."""
        s = slot_of(t)
        return s if self.base == 1 else (s + 1) // self.base - 1

    # ------------------------------------------------------------------ months
    def month(self, j: int, ym: int) -> _Month:
        """The month ``ym`` (year*12 + month-1) of column ``j`` (empty when no bars)."""
        key = (j, ym)
        mo = self._months.get(key)
        if mo is not None:
            return mo
        with self._lock:
            mo = self._months.get(key)
            if mo is None:
                mo = self._load(j, ym)
                self._months[key] = mo
                if len(self._months) > self._max_months:
                    self._months.popitem(last=False)
        return mo

    def _load(self, j: int, ym: int) -> _Month:
        code = str(self.store.codes[j])
        y, m = divmod(ym, 12)
        p = minute_file(self.store.path, code, y, m + 1, self.subdir)
        if not p.exists():
            if not self.synthetic:
                return _EMPTY
            # read back through a memory map: a year of 800 stocks would not fit in RAM as
            # arrays, while mapped pages are file-backed and reclaimable
            if self._synthesise(j, ym, p) is _EMPTY:
                return _EMPTY
        src = pa.memory_map(str(p), "r")
        try:
            t = pa.ipc.open_file(src).read_all()
        finally:
            src.close()   # frees the descriptor; the mapping lives on while its buffers do
        times = t.column("time").to_numpy()
        if len(times) % self.n:
            raise DataError(f"{p}: {len(times)} rows is not a whole number of {self.n}-bar days")
        d = times[::self.n].astype("datetime64[D]").astype(np.int64)
        rows = np.searchsorted(self._days_i8, d)
        bad = (rows >= len(self._days_i8)) | (self._days_i8[np.minimum(rows, len(self._days_i8) - 1)] != d)
        if bad.any():
            raise DataError(f"{p}: day {np.datetime64(int(d[np.flatnonzero(bad)[0]]), 'D')} is not a trading "
                            f"day of the store calendar")
        cols = {}
        for f in MINUTE_FIELDS:
            col = t.column(f)
            cols[f] = col.chunk(0).to_numpy(zero_copy_only=True) if col.num_chunks == 1 else col.to_numpy()
        return _Month(rows.astype(np.int64), cols)

    def _synthesise(self, j: int, ym: int, path: Path) -> _Month:
        st = self.store
        rows = np.flatnonzero(self._ym == ym)
        if rows.size == 0:
            return _EMPTY
        close = st.field("close")[rows, j]
        paused = st.field("paused")[rows, j]
        keep = (close == close) & (paused != 1)
        rows = rows[keep]
        if rows.size == 0:
            return _EMPTY
        code = str(st.codes[j])
        if code.endswith(".OF"):     # open-end (场外) funds: one NAV a day, never minute bars
            return _EMPTY
        if self._types is None:
            self._types = st.securities["type"].to_numpy().astype(str)
        typ = self._types[j]
        tick = 0.01 if typ in ("stock", "index") else 0.001
        bars = {f: st.field(f)[rows, j] for f in ("open", "high", "low", "close", "volume", "money",
                                                 "high_limit", "low_limit")}
        days = st.dates.values[rows].astype("datetime64[D]")
        arr = synth_minute_days(code, days, bars, seed=self.seed, tick=tick)
        times = (days[:, None].astype("datetime64[s]") + LABEL_OFFSETS[None, :]).reshape(-1)
        flat = arr.reshape(-1, 6)
        cols = {f: np.ascontiguousarray(flat[:, k]) for k, f in enumerate(MINUTE_FIELDS)}
        write_minute_file(path, times, cols)
        return _Month(rows.astype(np.int64), cols)

    # ------------------------------------------------------------------ access
    def day(self, j: int, i: int) -> dict[str, np.ndarray] | None:
        """The 240 bars of column ``j`` on store day ``i``: field -> (240,) view; None when
        the security has no minute bars that day (suspended, unlisted, not in the files)."""
        mo = self.month(j, int(self._ym[i]))
        k = mo.pos.get(i)
        if k is None:
            return None
        a = k * self.n
        return {f: v[a:a + self.n] for f, v in mo.cols.items()}

    def value(self, j: int, i: int, field: str, slot: int) -> float:
        """One raw bar value (NaN when the day has no bars)."""
        mo = self.month(j, int(self._ym[i]))
        k = mo.pos.get(i)
        if k is None:
            return float("nan")
        return float(mo.cols[field][k * self.n + slot])

    def window(self, j: int, end_i: int, end_slot: int, count: int | None = None,
               start_i: int | None = None, fields=MINUTE_FIELDS, fill_paused: bool = False):
        """Bars of column ``j`` up to (day ``end_i``, bar ``end_slot``) inclusive.

        Either the last ``count`` bars, or all bars from day ``start_i`` on.  Days without
        bars are skipped, or with ``fill_paused`` (and a daily row) filled with 240 bars at
        the day's close and zero volume (JoinQuant's filled suspended bars).

        Returns
        -------
        (day_rows, slots, values) : (ndarray int64, ndarray int64, dict field -> ndarray)
            Oldest first.
        """
        pieces = []
        need = count
        st = self.store
        lo = max(start_i if start_i is not None else 0, self._first_row(j))
        i = end_i
        while i >= lo and (need is None or need > 0):
            last = end_slot if i == end_i else self.n - 1
            d = self.day(j, i) if last >= 0 else None
            if d is None and last >= 0 and fill_paused:
                c = float(st.field("close")[i, j])
                if c == c:
                    d = {f: np.full(self.n, c if f in ("open", "close", "high", "low") else 0.0)
                         for f in MINUTE_FIELDS}
            if d is not None:
                a = max(0, last + 1 - need) if need is not None else 0
                sl = np.arange(a, last + 1)
                pieces.append((i, sl, d))
                if need is not None:
                    need -= sl.size
            i -= 1
        pieces.reverse()
        if not pieces:
            return (np.zeros(0, np.int64), np.zeros(0, np.int64), {f: np.zeros(0) for f in fields})
        rows = np.concatenate([np.full(sl.size, i, np.int64) for i, sl, _ in pieces])
        slots = np.concatenate([sl for _, sl, _ in pieces])
        vals = {f: np.concatenate([d[f][sl] for _, sl, d in pieces]) for f in fields}
        return rows, slots, vals

    def _first_row(self, j: int) -> int:
        close = self.store.field("close")   # outside cached(): its build runs under the store lock
        first = self.store.cached("minute_first_row", lambda: np.argmax(~np.isnan(close), axis=0))
        return int(first[j])

    def times(self, rows: np.ndarray, slots: np.ndarray) -> pd.DatetimeIndex:
        """End labels of (store day, slot) pairs."""
        # nanosecond integers added directly: building the index in seconds and converting
        # it to nanoseconds cost more than the rest of a one-bar get_price
        ns = self._offsets_ns
        if ns is None:
            ns = self._offsets_ns = self.offsets.astype("timedelta64[ns]").astype(np.int64)
        d = self.store.dates.values[rows].astype("datetime64[ns]").astype(np.int64)
        return pd.DatetimeIndex((d + ns[slots]).view("datetime64[ns]"))


def aggregate_sliding(vals: dict[str, np.ndarray], x: int) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Sliding ``x``-bar windows counted back from the last bar (the oldest window may be
    short).  Returns (values, index of each window's last bar)."""
    L = len(next(iter(vals.values()))) if vals else 0
    ends = np.arange(L - 1, -1, -x)[::-1]
    starts = np.maximum(ends - x + 1, 0)
    return _reduce(vals, starts, ends), ends


def aggregate_buckets(vals: dict[str, np.ndarray], rows: np.ndarray, slots: np.ndarray, x: int,
                      n: int = BARS_PER_DAY):
    """Charting-software ``x``-bar bars: stored bars grouped by (day, bucket of the slot)."""
    if len(rows) == 0:
        return vals, np.zeros(0, np.int64)
    key = rows * 1000 + bucket_of_slot(x, n)[slots]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    ends = np.r_[starts[1:] - 1, len(key) - 1]
    return _reduce(vals, starts, ends), ends


def reduce_bars(vals: dict[str, np.ndarray], starts: np.ndarray, ends: np.ndarray) -> dict[str, np.ndarray]:
    """Merge consecutive bars into groups ``[starts[i], ends[i]]`` (row positions, inclusive):
    open first, high max, low min, volume/money sum, every other field (close, factor, ...)
    last.  Used for minute-derived units here and for get_bars' week/month bars."""
    return _reduce(vals, starts, ends)


def _reduce(vals, starts, ends):
    out = {}
    for f, v in vals.items():
        if len(starts) == 0:
            out[f] = v[:0]
        elif f == "open":
            out[f] = v[starts]
        elif f == "high":
            out[f] = np.maximum.reduceat(v, starts)
        elif f == "low":
            out[f] = np.minimum.reduceat(v, starts)
        elif f in ("volume", "money"):
            out[f] = np.add.reduceat(v, starts)
        else:
            out[f] = v[ends]
    return out
