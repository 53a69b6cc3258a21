"""``jqlib.technical_analysis``: JoinQuant's technical indicators with JoinQuant's signatures.

Every function takes ``(security_list, check_date, <parameters>, unit='1d', include_now=True,
fq_ref_date=None)`` and returns, for each security, the indicator's value on the **last bar**
(the bar of ``check_date``, or the bar before it with ``include_now=False``) as a float:

* one output  -> ``dict`` security -> float;
* several     -> ``tuple`` of such dicts, in JoinQuant's order (e.g. ``MACD`` -> ``(dif, dea, macd)``).

Formulas are the 通达信 / 同花顺 ones that JoinQuant's ``technical_analysis`` documentation
follows (see ``docs/technical-analysis.md``).  Building blocks, all computed vectorised on a
(bars x securities) matrix:

* ``MA(X,N)``   simple mean of the last N values (NaN until N values exist);
* ``EMA(X,N)``  ``Y = (2*X + (N-1)*Y') / (N+1)``, seeded with the first value (``Y0 = X0``);
* ``SMA(X,N,M)`` ``Y = (M*X + (N-M)*Y') / N``, seeded with the first value;
* ``REF(X,N)``  the value N bars ago; ``HHV``/``LLV`` highest / lowest of the last N values;
* ``AVEDEV(X,N)`` mean absolute deviation from the mean over the last N values.

Data: bars come from the public ``get_price`` (``fq='pre'``, ``skip_paused=True``: as in
通达信 a suspended day has no bar), ``count = max(6 * longest period, 250)`` bars ending at
``check_date`` (a date or datetime).  Inside a backtest ``get_price`` pre-adjusts relative to the
current day (real-price mode), so does every indicator here.  Recursive indicators (EMA, SMA,
MACD, KDJ, RSI, TRIX) therefore start from the first fetched bar, exactly like a 通达信 chart
that starts at that bar; with >= 6 x the period of warm-up the seed's influence is negligible.
A security with too little history (fewer bars than a window needs) gets NaN.

``fq_ref_date`` (JoinQuant: the date prices are pre-adjusted to) is honoured: when given, prices
are ``round(raw * factor / factor(fq_ref_date), 2)`` and volumes ``raw / (factor /
factor(fq_ref_date))`` (a security not yet listed on ``fq_ref_date`` is adjusted to its last bar).  Minute units are not available (daily store); ``unit`` may be ``'1d'`` or
``'Xd'``.
"""

from __future__ import annotations

import datetime as _dt
import warnings
from typing import Sequence

import numpy as np
import pandas as pd

__all__ = ["MA", "EMA", "EXPMA", "SMA", "MACD", "KDJ", "RSI", "BIAS", "Bollinger_Bands", "DMA",
           "MTM", "PSY", "HSL", "OBV", "VOL", "WR", "ATR", "CCI", "ROC", "TRIX"]

_PRICE = ("open", "close", "high", "low")
_warned: set = set()


# ---------------------------------------------------------------------------- data
def _codes(security_list) -> list[str]:
    if isinstance(security_list, str):
        return [security_list]
    return list(dict.fromkeys(security_list))


def _freq(unit) -> str:
    u = str(unit).strip().lower()
    return "daily" if u in ("1d", "d", "daily") else u


def _end_date(check_date, include_now: bool):
    """``check_date`` itself, or with ``include_now=False`` the trading day before it."""
    if include_now:
        return check_date
    from jqdata import get_trade_days
    day = pd.Timestamp(check_date).date()
    days = [d for d in get_trade_days(end_date=day, count=2) if d < day]
    return days[-1] if days else None


def _count(*periods) -> int:
    return int(max(max(int(p) for p in periods) * 6, 250))


def _load(security_list, check_date, unit, include_now, fq_ref_date, count: int | None,
          fields: Sequence[str] = ("close",), with_valuation: bool = False, raw: bool = False):
    """Bars as right-aligned (bars x securities) matrices.

    Returns ``(codes, data)`` where ``data[field]`` is a float array whose last row is each
    security's last bar; rows above a security's first bar are NaN.  ``count=None`` fetches the
    whole store history (for OBV).
    """
    from jqdata import get_price

    codes = _codes(security_list)
    fields = list(dict.fromkeys(["close", *fields]))
    end = _end_date(check_date, include_now)
    if not codes or end is None:
        out = {f: np.full((1, len(codes)), np.nan) for f in fields + ["circ"]}
        out["__time__"] = np.zeros((1, len(codes)), dtype=np.int64)
        return codes, out
    freq = _freq(unit)
    # check_date inside today's session with include_now: the daily bar of that day is still
    # forming -- the bars before it come from get_price, that day's bar as it stands at
    # check_date from get_bars(include_now=True) (the parameters unit / include_now /
    # fq_ref_date are get_bars'), so no FutureDataError under avoid_future_data
    forming = _forming_day(end, include_now, freq)
    if forming is not None:
        end = forming[0]
        if count is not None:
            count = max(count - 1, 1)
    kw = dict(count=count) if count is not None else dict(start_date="1990-01-01")
    fq = None if (raw or fq_ref_date is not None) else "pre"
    df = get_price(codes, end_date=end, frequency=freq, fields=fields, fq=fq, panel=False,
                   skip_paused=True, **kw)
    if fq_ref_date is not None and not raw:
        # pre-adjust to fq_ref_date: raw * factor / factor(fq_ref_date), prices rounded to 0.01
        fac = get_price(codes, end_date=end, frequency=freq, fields=["factor"], fq="post",
                        panel=False, skip_paused=True, **kw)["factor"].to_numpy(float)
        ref = get_price(codes, end_date=fq_ref_date, count=1, fields=["factor"], fq="post",
                        panel=True)["factor"].iloc[-1].reindex(codes)
        last = pd.Series(fac, index=df["code"].to_numpy()).groupby(level=0).last()
        ref = ref.fillna(last.reindex(codes)).fillna(1.0)
        s = fac / ref.reindex(df["code"]).to_numpy(float)
        for f in fields:
            if f in _PRICE:
                df[f] = np.round(df[f].to_numpy(float) * s, 2)
            elif f == "volume":
                df[f] = df[f].to_numpy(float) / s
    if forming is not None:
        df = pd.concat([df, _forming_rows(codes, fields, forming[1], fq_ref_date, raw)], ignore_index=True)
        end = forming[1]
    wide = {f: df.pivot(index="time", columns="code", values=f).reindex(columns=codes) for f in fields}
    index = wide["close"].index
    if with_valuation:
        wide["circ"] = _circulating(codes, index, end, len(index))
    valid = ~np.isnan(wide["close"].to_numpy(float))
    order = np.argsort(valid, axis=0, kind="stable")  # missing rows first, bars keep their order
    valid_s = np.take_along_axis(valid, order, axis=0)
    out = {}
    for f, w in wide.items():
        a = np.take_along_axis(w.to_numpy(float), order, axis=0)
        out[f] = np.where(valid_s, a, np.nan)
    # each bar's date (int64 ns; 0 above a security's first bar), for index alignment
    t = np.broadcast_to(pd.DatetimeIndex(index).normalize().asi8[:, None], valid.shape)
    out["__time__"] = np.where(valid_s, np.take_along_axis(t, order, axis=0), 0)
    if out["close"].shape[0] == 0:
        out = {f: np.full((1, len(codes)), np.nan) for f in out}
        out["__time__"] = np.zeros((1, len(codes)), dtype=np.int64)
    return codes, out


def _forming_day(end, include_now: bool, freq: str):
    """``(previous trading day, end as a datetime)`` when ``end`` lies inside a trading day's
    session (09:30 < time < 15:00) and the day's bar is wanted (``include_now``, daily unit);
    else None."""
    if not include_now or freq != "daily":
        return None
    t = pd.Timestamp(str(end) if isinstance(end, str) else end)   # numpy.str_ too
    if t.time() <= _dt.time(9, 30) or t.time() >= _dt.time(15, 0):
        return None
    from jqdata import get_trade_days
    day = t.date()
    days = list(get_trade_days(end_date=day, count=2))
    if not days or days[-1] != day:
        return None                     # not a trading day: nothing is forming
    prev = [d for d in days if d < day]
    if not prev:
        return None
    return prev[-1], t.to_pydatetime().replace(second=0, microsecond=0)


def _forming_rows(codes, fields, end: _dt.datetime, fq_ref_date, raw: bool) -> pd.DataFrame:
    """The day's still-forming bar at ``end`` per security, as ``get_price(panel=False)`` rows
    (``time``, ``code``, fields), adjusted like the rows before it: pre-adjusted as
    ``get_price(fq='pre')`` (in a backtest to the current day / store end; in research to the
    store's last day), raw for ``raw``, to ``fq_ref_date`` when given.  A security suspended
    that day has no row."""
    from jqlite.api._binding import active_store, run_or_none
    from jqlite.api.market import get_bars
    if fq_ref_date is not None:
        ref = fq_ref_date
    elif raw:
        ref = end.date()
    elif run_or_none() is None:
        ref = active_store().dates[-1].date()
    else:
        ref = None                      # the run's own adjustment, as get_price(fq='pre')
    b = get_bars(codes, 1, "1d", ["date", *fields], include_now=True, end_dt=end, fq_ref_date=ref, df=True)
    if b.empty:
        return pd.DataFrame(columns=["time", "code", *fields])
    b = b[pd.to_datetime(b["date"]) == pd.Timestamp(end.date())]
    out = pd.DataFrame({"time": pd.to_datetime(b["date"]).to_numpy(),
                        "code": b.index.get_level_values(0).to_numpy()})
    for f in fields:
        out[f] = b[f].to_numpy(float)
    return out


def _circulating(codes, index, end, n) -> pd.DataFrame:
    """Circulating shares (万股) per bar from ``valuation.circulating_cap``; NaN (and a one-time
    warning) when the store has no fundamentals."""
    try:
        from jqlite.api.fundamentals import get_valuation
        v = get_valuation(codes, start_date=pd.Timestamp(index[0]).date(), end_date=end,
                          fields=["circulating_cap"])
        if v.empty or v["circulating_cap"].isna().all():
            # a store without valuation answers NaN rows (and records the data gap)
            raise ValueError("no valuation.circulating_cap in the data store")
        w = v.pivot(index="day", columns="code", values="circulating_cap")
        w.index = pd.DatetimeIndex(pd.to_datetime(w.index))
        return w.reindex(index=pd.DatetimeIndex(index).normalize(), columns=codes).set_axis(index, axis=0)
    except Exception as e:  # noqa: BLE001 - no fundamentals in this store
        if "HSL" not in _warned:
            _warned.add("HSL")
            warnings.warn(f"HSL: circulating shares unavailable ({e}); turnover is NaN", RuntimeWarning,
                          stacklevel=4)
        return pd.DataFrame(np.nan, index=index, columns=codes)


def _last(codes, x: np.ndarray) -> dict:
    row = x[-1]
    return {c: float(row[i]) for i, c in enumerate(codes)}


# ---------------------------------------------------------------------------- building blocks
def _rolling(x: np.ndarray, n: int):
    return pd.DataFrame(x).rolling(int(n), min_periods=int(n))


def _ma(x, n):
    return _rolling(x, n).mean().to_numpy()


def _sum(x, n):
    return _rolling(x, n).sum().to_numpy()


def _hhv(x, n):
    return _rolling(x, n).max().to_numpy()


def _llv(x, n):
    return _rolling(x, n).min().to_numpy()


def _std(x, n):  # population standard deviation (TA-Lib BBANDS)
    return _rolling(x, n).std(ddof=0).to_numpy()


def _ref(x, n):
    n = int(n)
    out = np.full_like(x, np.nan)
    if n < x.shape[0]:
        out[n:] = x[:x.shape[0] - n]
    return out


def _avedev(x, n):
    n = int(n)
    out = np.full_like(x, np.nan)
    if x.shape[0] >= n:
        from numpy.lib.stride_tricks import sliding_window_view
        w = sliding_window_view(x, n, axis=0)  # (T-n+1, K, n)
        m = w.mean(axis=-1, keepdims=True)
        out[n - 1:] = np.abs(w - m).mean(axis=-1)
    return out


def _recursive(x, alpha: float):
    """``Y = alpha*X + (1-alpha)*Y'`` seeded with the first non-NaN X (per column)."""
    y = np.full_like(x, np.nan)
    prev = np.full(x.shape[1], np.nan)
    for t in range(x.shape[0]):
        xt = x[t]
        cur = np.where(np.isnan(prev), xt, alpha * xt + (1 - alpha) * prev)
        cur = np.where(np.isnan(xt), prev, cur)
        y[t] = cur
        prev = cur
    return y


def _ema(x, n):
    return _recursive(x, 2.0 / (int(n) + 1))


def _sma(x, n, m):
    return _recursive(x, float(m) / float(n))


def _div(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(b == 0, np.nan, a / b)


# ---------------------------------------------------------------------------- indicators
def MA(security_list, check_date, timeperiod=5, unit="1d", include_now=True, fq_ref_date=None):
    """均线 MA: ``MA(CLOSE, timeperiod)`` (通达信 MA).  Returns dict security -> float."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(timeperiod))
    return _last(codes, _ma(d["close"], timeperiod))


def EMA(security_list, check_date, timeperiod=30, unit="1d", include_now=True, fq_ref_date=None):
    """指数移动平均 EMA: ``EMA(CLOSE, N)``, ``Y = (2*C + (N-1)*Y') / (N+1)``, ``Y0 = C0``
    (通达信 EMA).  Returns dict."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(timeperiod))
    return _last(codes, _ema(d["close"], timeperiod))


def EXPMA(security_list, check_date, timeperiod=12, unit="1d", include_now=True, fq_ref_date=None):
    """指数平均数 EXPMA: ``EMA(CLOSE, timeperiod)`` (通达信 EXPMA, one line).  Returns dict."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(timeperiod))
    return _last(codes, _ema(d["close"], timeperiod))


def SMA(security_list, check_date, N=7, M=1, unit="1d", include_now=True, fq_ref_date=None):
    """扩展指数加权移动平均 SMA: ``SMA(CLOSE, N, M)``, ``Y = (M*C + (N-M)*Y') / N``, ``Y0 = C0``
    (通达信 SMA).  Returns dict."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(N))
    return _last(codes, _sma(d["close"], N, M))


def MACD(security_list, check_date, SHORT=12, LONG=26, MID=9, unit="1d", include_now=True,
         fq_ref_date=None):
    """平滑异同平均 MACD (通达信): ``DIF = EMA(C,SHORT) - EMA(C,LONG)``, ``DEA = EMA(DIF,MID)``,
    ``MACD = (DIF - DEA) * 2``.  Returns ``(dif, dea, macd)`` dicts."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(SHORT, LONG, MID))
    c = d["close"]
    dif = _ema(c, SHORT) - _ema(c, LONG)
    dea = _ema(dif, MID)
    return _last(codes, dif), _last(codes, dea), _last(codes, (dif - dea) * 2)


def KDJ(security_list, check_date, N=9, M1=3, M2=3, unit="1d", include_now=True, fq_ref_date=None):
    """随机指标 KDJ (通达信): ``RSV = (C - LLV(L,N)) / (HHV(H,N) - LLV(L,N)) * 100``,
    ``K = SMA(RSV,M1,1)``, ``D = SMA(K,M2,1)``, ``J = 3K - 2D``.  RSV starts at the N-th bar
    (K seeded with the first RSV); a flat window (HHV = LLV) gives RSV NaN, which carries K/D.
    Returns ``(K, D, J)`` dicts."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(N, M1, M2),
                     fields=("high", "low"))
    llv = _llv(d["low"], N)
    rsv = _div(d["close"] - llv, _hhv(d["high"], N) - llv) * 100
    k = _sma(rsv, M1, 1)
    dd = _sma(k, M2, 1)
    return _last(codes, k), _last(codes, dd), _last(codes, 3 * k - 2 * dd)


def RSI(security_list, check_date, N1=6, unit="1d", include_now=True, fq_ref_date=None):
    """相对强弱指标 RSI (通达信): ``LC = REF(C,1)``,
    ``RSI = SMA(MAX(C-LC,0),N1,1) / SMA(ABS(C-LC),N1,1) * 100`` (from the second bar).
    Returns dict."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(N1))
    diff = d["close"] - _ref(d["close"], 1)
    up = _sma(np.where(np.isnan(diff), np.nan, np.maximum(diff, 0)), N1, 1)
    tot = _sma(np.abs(diff), N1, 1)
    return _last(codes, _div(up, tot) * 100)


def BIAS(security_list, check_date, N1=6, N2=12, N3=24, unit="1d", include_now=True, fq_ref_date=None):
    """乖离率 BIAS (通达信): ``BIAS_n = (C - MA(C,n)) / MA(C,n) * 100`` for n = N1, N2, N3.
    Returns ``(bias1, bias2, bias3)`` dicts."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(N1, N2, N3))
    c = d["close"]
    out = []
    for n in (N1, N2, N3):
        m = _ma(c, n)
        out.append(_last(codes, _div(c - m, m) * 100))
    return tuple(out)


def Bollinger_Bands(security_list, check_date, timeperiod=20, nbdevup=2, nbdevdn=2, unit="1d",
                    include_now=True, fq_ref_date=None):
    """布林线 BOLL: ``MID = MA(C,N)``, ``UPPER = MID + nbdevup*STD``, ``LOWER = MID - nbdevdn*STD``
    with the population standard deviation of the last N closes (TA-Lib ``BBANDS``, which
    JoinQuant's parameter names come from).  Returns ``(upper, middle, lower)`` dicts."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(timeperiod))
    mid = _ma(d["close"], timeperiod)
    sd = _std(d["close"], timeperiod)
    return (_last(codes, mid + nbdevup * sd), _last(codes, mid), _last(codes, mid - nbdevdn * sd))


def DMA(security_list, check_date, N1=10, N2=50, M=10, unit="1d", include_now=True, fq_ref_date=None):
    """平均差 DMA (通达信): ``DIF = MA(C,N1) - MA(C,N2)``, ``DIFMA (AMA) = MA(DIF,M)``.
    Returns ``(DIF, DIFMA)`` dicts."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(N1, N2, M))
    dif = _ma(d["close"], N1) - _ma(d["close"], N2)
    return _last(codes, dif), _last(codes, _ma(dif, M))


def MTM(security_list, check_date, timeperiod=12, unit="1d", include_now=True, fq_ref_date=None):
    """动量线 MTM (通达信): ``MTM = C - REF(C, timeperiod)``.  Returns dict."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(timeperiod))
    return _last(codes, d["close"] - _ref(d["close"], timeperiod))


def PSY(security_list, check_date, timeperiod=12, unit="1d", include_now=True, fq_ref_date=None):
    """心理线 PSY (通达信): ``PSY = COUNT(C > REF(C,1), N) / N * 100``.  Returns dict."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(timeperiod))
    prev = _ref(d["close"], 1)
    up = np.where(np.isnan(prev), np.nan, (d["close"] > prev).astype(float))
    return _last(codes, _sum(up, timeperiod) / timeperiod * 100)


def HSL(security_list, check_date, N=5, unit="1d", include_now=True, fq_ref_date=None):
    """换手线 HSL (通达信): ``HSL = VOL / CAPITAL * 100`` (volume over circulating shares, in %),
    ``MAHSL = MA(HSL, N)``.  Circulating shares are ``valuation.circulating_cap`` (万股) from
    jqlite fundamentals; without them the values are NaN (one warning).  Volumes are the raw
    (unadjusted, ``fq=None``) shares traded, so each day's turnover is that day's true one;
    ``fq_ref_date`` is irrelevant here.  Returns ``(HSL, MAHSL)`` dicts."""
    codes, d = _load(security_list, check_date, unit, include_now, None, _count(N),
                     fields=("volume",), with_valuation=True, raw=True)
    hsl = _div(d["volume"], d["circ"] * 1e4) * 100
    return _last(codes, hsl), _last(codes, _ma(hsl, N))


def OBV(security_list, check_date, timeperiod=30, unit="1d", include_now=True, fq_ref_date=None):
    """能量潮 OBV (通达信): ``VA = IF(C>REF(C,1), V, IF(C<REF(C,1), -V, 0))``,
    ``OBV = SUM(VA, 0)`` — cumulative over the whole history in the store (from the security's
    first bar; the first bar contributes 0).  ``timeperiod`` is accepted for JoinQuant's
    signature and does not change the cumulative value.  Volumes in shares.  Returns dict."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, None, fields=("volume",))
    c = d["close"]
    prev = _ref(c, 1)
    va = np.where(c > prev, d["volume"], np.where(c < prev, -d["volume"], 0.0))
    va = np.where(np.isnan(c), np.nan, va)
    obv = np.nancumsum(va, axis=0)
    obv = np.where(np.isnan(c), np.nan, obv)
    return _last(codes, obv)


def VOL(security_list, check_date, M1=5, M2=10, unit="1d", include_now=True, fq_ref_date=None):
    """成交量 VOL (通达信): ``VOLUME``, ``MAVOL1 = MA(VOLUME,M1)``, ``MAVOL2 = MA(VOLUME,M2)``;
    volumes in shares as ``get_price`` returns them.  Returns ``(VOL, MAVOL1, MAVOL2)`` dicts."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(M1, M2),
                     fields=("volume",))
    v = d["volume"]
    return _last(codes, v), _last(codes, _ma(v, M1)), _last(codes, _ma(v, M2))


def WR(security_list, check_date, N=10, N1=6, unit="1d", include_now=True, fq_ref_date=None):
    """威廉指标 WR (通达信): ``WR1 = 100 * (HHV(H,N) - C) / (HHV(H,N) - LLV(L,N))`` and
    ``WR2`` the same with ``N1``.  Returns ``(WR1, WR2)`` dicts."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(N, N1),
                     fields=("high", "low"))
    out = []
    for n in (N, N1):
        hh = _hhv(d["high"], n)
        out.append(_last(codes, _div(hh - d["close"], hh - _llv(d["low"], n)) * 100))
    return tuple(out)


def ATR(security_list, check_date, timeperiod=14, unit="1d", include_now=True, fq_ref_date=None):
    """真实波幅 ATR (通达信): ``MTR = MAX(MAX(H-L, ABS(REF(C,1)-H)), ABS(REF(C,1)-L))``,
    ``ATR = MA(MTR, N)``; MTR starts at the second bar.  Returns ``(MTR, ATR)`` dicts."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(timeperiod),
                     fields=("high", "low"))
    h, lo, pc = d["high"], d["low"], _ref(d["close"], 1)
    mtr = np.maximum(np.maximum(h - lo, np.abs(pc - h)), np.abs(pc - lo))
    return _last(codes, mtr), _last(codes, _ma(mtr, timeperiod))


def CCI(security_list, check_date, N=14, unit="1d", include_now=True, fq_ref_date=None):
    """商品路径指标 CCI (通达信): ``TYP = (H + L + C) / 3``,
    ``CCI = (TYP - MA(TYP,N)) / (0.015 * AVEDEV(TYP,N))``.  Returns dict."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(N),
                     fields=("high", "low"))
    typ = (d["high"] + d["low"] + d["close"]) / 3
    return _last(codes, _div(typ - _ma(typ, N), 0.015 * _avedev(typ, N)))


def ROC(security_list, check_date, timeperiod=12, unit="1d", include_now=True, fq_ref_date=None):
    """变动率 ROC (通达信): ``ROC = (C - REF(C,N)) / REF(C,N) * 100``.  Returns dict."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(timeperiod))
    prev = _ref(d["close"], timeperiod)
    return _last(codes, _div(d["close"] - prev, prev) * 100)


def TRIX(security_list, check_date, N=12, M=20, unit="1d", include_now=True, fq_ref_date=None):
    """三重指数平滑平均 TRIX (通达信): ``MTR = EMA(EMA(EMA(C,N),N),N)``,
    ``TRIX = (MTR - REF(MTR,1)) / REF(MTR,1) * 100``, ``MATRIX = MA(TRIX, M)``.
    Returns ``(TRIX, MATRIX)`` dicts."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(N, M))
    mtr = _ema(_ema(_ema(d["close"], N), N), N)
    prev = _ref(mtr, 1)
    trix = _div(mtr - prev, prev) * 100
    return _last(codes, trix), _last(codes, _ma(trix, M))


# ---------------------------------------------------------------------------- 通达信 script engine
# The remaining indicators of JoinQuant's list are written below as 通达信 scripts (the
# formulas JoinQuant's documentation gives for each function, ``NAME:=expr`` a temporary,
# ``NAME:expr`` an output, outputs returned in order) and evaluated with the formula parser
# of :mod:`jqlib._alpha_engine` on the (bars x securities) matrices loaded by ``_load``.
# Variables: OPEN/O, HIGH/H, LOW/L, CLOSE/C, VOL/V (成交量 in 手 = shares / 100, as 通达信 and
# JoinQuant's formulas count it), AMOUNT (成交额, 元), CAPITAL (流通股本 in 手, from
# valuation.circulating_cap), INDEXO/H/L/C/V (the ``index_stock`` bar of the same date).
# Functions (通达信 semantics): MA EMA SMA MEMA(=SMA(X,N,1)) EXPMEMA (EMA seeded with the
# N-day mean at the N-th bar) DMA(X,A) (Y = A*X + (1-A)*Y', A clipped to [0, 1]) REF (a
# per-bar count allowed) HHV LLV HHVBARS LLVBARS SUM (N=0: cumulative) IF ABS MAX MIN STD
# (sample) AVEDEV COUNT SLOPE (least-squares slope on the bar number) CROSS BARSLAST.

def _t_ref(x, n):
    if np.ndim(n) == 0:
        return _ref(x, int(n)) if float(n) >= 0 else np.full_like(x, np.nan)
    n = np.asarray(n, float)
    out = np.full_like(x, np.nan)
    rows = np.arange(x.shape[0])[:, None] - np.where(np.isnan(n), x.shape[0], n).astype(int)
    ok = (rows >= 0) & (rows < x.shape[0])
    cols = np.broadcast_to(np.arange(x.shape[1]), x.shape)
    out[ok] = x[rows[ok], cols[ok]]
    return out


def _t_cum(x, n, how):
    if int(n) == 0:
        df = pd.DataFrame(x)
        return getattr(df, {"sum": "cumsum", "max": "cummax", "min": "cummin"}[how])().to_numpy()
    return getattr(_rolling(x, int(n)), how)().to_numpy()


def _t_expmema(x, n):
    n = int(n)
    y = np.full_like(x, np.nan)
    a = 2.0 / (n + 1)
    for k in range(x.shape[1]):
        col = x[:, k]
        idx = np.flatnonzero(~np.isnan(col))
        if len(idx) < n:
            continue
        start = idx[n - 1]
        prev = np.nanmean(col[idx[0]:start + 1])
        y[start, k] = prev
        for t in range(start + 1, x.shape[0]):
            if not np.isnan(col[t]):
                prev = a * col[t] + (1 - a) * prev
            y[t, k] = prev
    return y


def _t_dma(x, a):
    a = np.clip(np.broadcast_to(np.asarray(a, float), x.shape), 0.0, 1.0)
    y = np.full_like(x, np.nan)
    prev = np.full(x.shape[1], np.nan)
    for t in range(x.shape[0]):
        cur = np.where(np.isnan(prev), x[t], a[t] * x[t] + (1 - a[t]) * prev)
        cur = np.where(np.isnan(x[t]) | np.isnan(a[t]), prev, cur)
        y[t] = cur
        prev = cur
    return y


def _t_bars(x, n, fn):
    n = int(n)
    out = np.full_like(x, np.nan)
    if x.shape[0] >= n:
        from numpy.lib.stride_tricks import sliding_window_view
        w = sliding_window_view(x, n, axis=0)
        bad = np.isnan(w).all(-1)
        ww = np.where(np.isnan(w), -np.inf if fn is np.argmax else np.inf, w)
        # 通达信 counts from the most recent extreme: reverse the window so ties take the latest
        pos = fn(ww[..., ::-1], axis=-1).astype(float)
        out[n - 1:] = np.where(bad, np.nan, pos)
    return out


def _t_slope(x, n):
    n = int(n)
    t = np.arange(x.shape[0], dtype=float)[:, None] * np.ones((1, x.shape[1]))
    mx, my = _ma(t, n), _ma(x, n)
    cov = _ma(t * x, n) - mx * my
    var = _ma(t * t, n) - mx * mx
    return _div(cov, var)


def _t_barslast(c):
    c = np.asarray(c, float)
    out = np.full_like(c, np.nan)
    last = np.full(c.shape[1], -1)
    for t in range(c.shape[0]):
        last = np.where(c[t] > 0, t, last)
        out[t] = np.where(last >= 0, t - last, np.nan)
    return out


def _t_cross(a, b):
    a = np.broadcast_to(np.asarray(a, float), np.shape(a) if np.ndim(a) else np.shape(b))
    b = np.broadcast_to(np.asarray(b, float), a.shape)
    pa, pb = _ref(np.array(a), 1), _ref(np.array(b), 1)
    with np.errstate(invalid="ignore"):
        r = (a > b) & (pa <= pb)
    return np.where(np.isnan(a) | np.isnan(pa), np.nan, r.astype(float))


def _t_if(c, a, b):
    c = np.asarray(c, float)
    out = np.where(c != 0, a, b).astype(float)
    return np.where(np.isnan(c), np.nan, out)


_TDX_FUNCS = {
    "ma": lambda c, x, n: _ma(np.asarray(x, float), int(n)),
    "ema": lambda c, x, n: _ema(np.asarray(x, float), int(n)),
    "sma": lambda c, x, n, m: _sma(np.asarray(x, float), n, m),
    "mema": lambda c, x, n: _sma(np.asarray(x, float), n, 1),
    "expmema": lambda c, x, n: _t_expmema(np.asarray(x, float), n),
    "dma": lambda c, x, a: _t_dma(np.asarray(x, float), a),
    "ref": lambda c, x, n: _t_ref(np.asarray(x, float), n),
    "hhv": lambda c, x, n: _t_cum(np.asarray(x, float), n, "max"),
    "llv": lambda c, x, n: _t_cum(np.asarray(x, float), n, "min"),
    "hhvbars": lambda c, x, n: _t_bars(np.asarray(x, float), n, np.argmax),
    "llvbars": lambda c, x, n: _t_bars(np.asarray(x, float), n, np.argmin),
    "sum": lambda c, x, n: _t_cum(np.asarray(x, float), n, "sum"),
    "if": lambda c, cond, a, b: _t_if(cond, a, b),
    "abs": lambda c, x: np.abs(x),
    "max": lambda c, a, b: np.fmax(a, b) if not (np.isnan(a).all() if np.ndim(a) else False) else a,
    "min": lambda c, a, b: np.fmin(a, b),
    "std": lambda c, x, n: _rolling(np.asarray(x, float), int(n)).std(ddof=1).to_numpy(),
    "avedev": lambda c, x, n: _avedev(np.asarray(x, float), int(n)),
    "count": lambda c, cond, n: _sum(np.where(np.isnan(np.asarray(cond, float)), np.nan,
                                              (np.asarray(cond, float) != 0).astype(float)), int(n)),
    "slope": lambda c, x, n: _t_slope(np.asarray(x, float), n),
    "cross": lambda c, a, b: _t_cross(a, b),
    "barslast": lambda c, cond: _t_barslast(cond),
}
_TDX_FUNCS["max"] = lambda c, a, b: np.fmax(a, b)


def _tdx_statements(script: str):
    out = []
    for st in script.split(";"):
        st = st.strip()
        if not st:
            continue
        m = __import__("re").match(r"^([A-Za-z_][A-Za-z_0-9]*)\s*(:=|:)\s*(.*)$", st, __import__("re").S)
        if not m:
            raise SyntaxError(f"通达信 script: cannot read statement {st!r}")
        out.append((m.group(1).lower(), m.group(2) == ":", m.group(3)))
    return out


def _tdx_eval(name, script, codes, d, params, index_bars=None):
    from jqlib import _alpha_engine as E
    ctx = {}
    for k, v in params.items():
        ctx[k.lower()] = float(v)
    c = d["close"]
    vol = d.get("volume", np.full_like(c, np.nan)) / 100.0
    ctx.update({"close": c, "c": c, "open": d.get("open"), "o": d.get("open"), "high": d.get("high"),
                "h": d.get("high"), "low": d.get("low"), "l": d.get("low"), "vol": vol, "v": vol,
                "volume": vol, "amount": d.get("money"), "money": d.get("money"),
                "drawnull": np.full_like(c, np.nan)})
    if "circ" in d:
        ctx["capital"] = d["circ"] * 100.0  # 万股 -> 手
    if index_bars is not None:
        ctx.update(index_bars)
    outs = []
    for var, is_out, expr in _tdx_statements(script):
        val = E.evaluate(E.parse(expr), ctx, _TDX_FUNCS)
        val = np.broadcast_to(np.asarray(val, float), c.shape).copy() if np.ndim(val) < 2 else val
        ctx[var] = val
        if is_out:
            outs.append(val)
    res = tuple(_last(codes, v) for v in outs)
    return res[0] if len(res) == 1 else res


def _index_bars(index_stock, d, unit):
    from jqdata import get_price
    t = d["__time__"]
    valid = t > 0
    if not valid.any():
        nan = np.full(t.shape, np.nan)
        return {k: nan for k in ("indexo", "indexh", "indexl", "indexc", "indexv")}
    start = pd.Timestamp(int(t[valid].min())).date()
    end = pd.Timestamp(int(t[valid].max())).date()
    px = get_price(index_stock, start_date=start, end_date=end, frequency=_freq(unit),
                   fields=["open", "high", "low", "close", "volume"], fq=None)
    px.index = pd.DatetimeIndex(px.index).normalize()
    out = {}
    for f, key in (("open", "indexo"), ("high", "indexh"), ("low", "indexl"), ("close", "indexc"),
                   ("volume", "indexv")):
        s = px[f].astype(float)
        if f == "volume":
            s = s / 100.0
        lut = pd.Series(s.to_numpy(), index=s.index.asi8)
        vals = lut.reindex(t.ravel()).to_numpy().reshape(t.shape)
        out[key] = np.where(valid, vals, np.nan)
    return out


# name -> (parameters with defaults, script, needs index_stock, needs CAPITAL)
_TDX = {
    "MFI": ("timeperiod=14", "TYP:=(HIGH+LOW+CLOSE)/3;"
            "V1:=SUM(IF(TYP>REF(TYP,1),TYP*VOL,0),timeperiod)/SUM(IF(TYP<REF(TYP,1),TYP*VOL,0),timeperiod);"
            "MFI:100-(100/(1+V1));", False, False),
    "ACCER": ("N=8", "ACCER:SLOPE(CLOSE,N)/CLOSE;", False, False),
    "ADTM": ("N=23, M=8", "DTM:=IF(OPEN<=REF(OPEN,1),0,MAX((HIGH-OPEN),(OPEN-REF(OPEN,1))));"
             "DBM:=IF(OPEN>=REF(OPEN,1),0,MAX((OPEN-LOW),(OPEN-REF(OPEN,1))));"
             "STM:=SUM(DTM,N);SBM:=SUM(DBM,N);"
             "ADTM:IF(STM>SBM,(STM-SBM)/STM,IF(STM=SBM,0,(STM-SBM)/SBM));MAADTM:MA(ADTM,M);", False, False),
    "BIAS_QL": ("N=6, M=6", "BIAS:(CLOSE-MA(CLOSE,N))/MA(CLOSE,N)*100;BIASMA:MA(BIAS,M);", False, False),
    "BIAS_36": ("M=6", "BIAS36:MA(CLOSE,3)-MA(CLOSE,6);BIAS612:MA(CLOSE,6)-MA(CLOSE,12);"
                "MABIAS:MA(BIAS36,M);", False, False),
    "DKX": ("M=10", "MID:=(3*CLOSE+LOW+OPEN+HIGH)/6;"
            "DKX:(20*MID+19*REF(MID,1)+18*REF(MID,2)+17*REF(MID,3)+16*REF(MID,4)+15*REF(MID,5)"
            "+14*REF(MID,6)+13*REF(MID,7)+12*REF(MID,8)+11*REF(MID,9)+10*REF(MID,10)+9*REF(MID,11)"
            "+8*REF(MID,12)+7*REF(MID,13)+6*REF(MID,14)+5*REF(MID,15)+4*REF(MID,16)+3*REF(MID,17)"
            "+2*REF(MID,18)+REF(MID,20))/210;MADKX:MA(DKX,M);", False, False),
    "KD": ("N=9, M1=3, M2=3", "RSV:=(CLOSE-LLV(LOW,N))/(HHV(HIGH,N)-LLV(LOW,N))*100;"
           "K:SMA(RSV,M1,1);D:SMA(K,M2,1);", False, False),
    "LWR": ("N=9, M1=3, M2=3", "RSV:=(HHV(HIGH,N)-CLOSE)/(HHV(HIGH,N)-LLV(LOW,N))*100;"
            "LWR1:SMA(RSV,M1,1);LWR2:SMA(LWR1,M2,1);", False, False),
    "MARSI": ("M1=10, M2=6", "DIF:=CLOSE-REF(CLOSE,1);VU:=IF(DIF>=0,DIF,0);VD:=IF(DIF<0,-DIF,0);"
              "MAU1:=MEMA(VU,M1);MAD1:=MEMA(VD,M1);MAU2:=MEMA(VU,M2);MAD2:=MEMA(VD,M2);"
              "RSI10:MA(100*MAU1/(MAU1+MAD1),M1);RSI6:MA(100*MAU2/(MAU2+MAD2),M2);", False, False),
    "OSC": ("N=20, M=6", "OSC:100*(CLOSE-MA(CLOSE,N));MAOSC:EXPMEMA(OSC,M);", False, False),
    "SKDJ": ("N=9, M=3", "LOWV:=LLV(LOW,N);HIGHV:=HHV(HIGH,N);RSV:=EMA((CLOSE-LOWV)/(HIGHV-LOWV)*100,M);"
             "K:EMA(RSV,M);D:MA(K,M);", False, False),
    "UDL": ("N1=3, N2=5, N3=10, N4=20, M=6", "UDL:(MA(CLOSE,N1)+MA(CLOSE,N2)+MA(CLOSE,N3)+MA(CLOSE,N4))/4;"
            "MAUDL:MA(UDL,M);", False, False),
    "CYF": ("N=21", "HSL:=VOL/CAPITAL*100;CYF:100-100/(1+EMA(HSL,N));", False, True),
    "FSL": ("", "SWL:(EMA(CLOSE,5)*7+EMA(CLOSE,10)*3)/10;"
            "SWS:DMA(EMA(CLOSE,12),MAX(1,100*(SUM(VOL,5)/(3*CAPITAL))));", False, True),
    "TAPI": ("M=6", "TAPI:AMOUNT/INDEXC;MATAIP:MA(TAPI,M);", True, False),
    "CHO": ("N1=10, N2=20, M=6", "MID:=SUM(VOL*(2*CLOSE-HIGH-LOW)/(HIGH+LOW),0);"
            "CHO:MA(MID,N1)-MA(MID,N2);MACHO:MA(CHO,M);", False, False),
    "CYE": ("", "MAL:=MA(CLOSE,5);MAS:=MA(MA(CLOSE,20),5);"
            "CYEL:(MAL-REF(MAL,1))/REF(MAL,1)*100;CYES:(MAS-REF(MAS,1))/REF(MAS,1)*100;", False, False),
    "DBQR": ("N=5, M1=10, M2=20, M3=60", "ZS:(INDEXC-REF(INDEXC,N))/REF(INDEXC,N);"
             "GG:(CLOSE-REF(CLOSE,N))/REF(CLOSE,N);MADBQR1:MA(GG,M1);MADBQR2:MA(GG,M2);"
             "MADBQR3:MA(GG,M3);", True, False),
    "DMI": ("N=14, MM=6", "MTR:=EXPMEMA(MAX(MAX(HIGH-LOW,ABS(HIGH-REF(CLOSE,1))),ABS(REF(CLOSE,1)-LOW)),N);"
            "HD:=HIGH-REF(HIGH,1);LD:=REF(LOW,1)-LOW;"
            "DMP:=EXPMEMA(IF(HD>0 AND HD>LD,HD,0),N);DMM:=EXPMEMA(IF(LD>0 AND LD>HD,LD,0),N);"
            "PDI:DMP*100/MTR;MDI:DMM*100/MTR;ADX:EXPMEMA(ABS(MDI-PDI)/(MDI+PDI)*100,MM);"
            "ADXR:EXPMEMA(ADX,MM);", False, False),
    "DPO": ("N=20, M=6", "DPO:CLOSE-REF(MA(CLOSE,N),N/2+1);MADPO:MA(DPO,M);", False, False),
    "EMV": ("N=14, M=9", "VOLUME:=MA(VOL,N)/VOL;MID:=100*(HIGH+LOW-REF(HIGH+LOW,1))/(HIGH+LOW);"
            "EMV:MA(MID*VOLUME*(HIGH-LOW)/MA(HIGH-LOW,N),N);MAEMV:MA(EMV,M);", False, False),
    "GDX": ("N=30, M=9", "AA:=ABS((2*CLOSE+HIGH+LOW)/4-MA(CLOSE,N))/MA(CLOSE,N);JAX:DMA(CLOSE,AA);"
            "YLX:(1+M/100)*JAX;ZCX:(1-M/100)*JAX;", False, False),
    "JLHB": ("N=7, M=5", "VAR1:=(CLOSE-LLV(LOW,60))/(HHV(HIGH,60)-LLV(LOW,60))*80;B:SMA(VAR1,N,1);"
             "VAR2:SMA(B,M,1);JLHB:IF(CROSS(B,VAR2) AND B<40,50,0);", False, False),
    "JS": ("N=5, M1=5, M2=10, M3=20", "JS:100*(CLOSE-REF(CLOSE,N))/(N*REF(CLOSE,N));MAJS1:MA(JS,M1);"
           "MAJS2:MA(JS,M2);MAJS3:MA(JS,M3);", False, False),
    "QACD": ("N1=12, N2=26, M=9", "DIF:EMA(CLOSE,N1)-EMA(CLOSE,N2);MACD:EMA(DIF,M);DDIF:DIF-MACD;", False, False),
    "QR": ("N=21", "GG:(CLOSE-REF(CLOSE,N))/REF(CLOSE,N)*100;DP:(INDEXC-REF(INDEXC,N))/REF(INDEXC,N)*100;"
           "QRZ:EMA(GG-DP,2);", True, False),
    "UOS": ("N1=7, N2=14, N3=28, M=6", "TH:=MAX(HIGH,REF(CLOSE,1));TL:=MIN(LOW,REF(CLOSE,1));"
            "ACC1:=SUM(CLOSE-TL,N1)/SUM(TH-TL,N1);ACC2:=SUM(CLOSE-TL,N2)/SUM(TH-TL,N2);"
            "ACC3:=SUM(CLOSE-TL,N3)/SUM(TH-TL,N3);"
            "UOS:(ACC1*N2*N3+ACC2*N1*N3+ACC3*N1*N2)*100/(N1*N2+N1*N3+N2*N3);MAUOS:EXPMEMA(UOS,M);",
            False, False),
    "VMACD": ("SHORT=12, LONG=26, MID=9", "DIF:EMA(VOL,SHORT)-EMA(VOL,LONG);DEA:EMA(DIF,MID);"
              "MACD:DIF-DEA;", False, False),
    "VPT": ("N=51, M=6", "VPT:SUM(VOL*(CLOSE-REF(CLOSE,1))/REF(CLOSE,1),N);MAVPT:MA(VPT,M);", False, False),
    "WVAD": ("N=24, M=6", "WVAD:SUM((CLOSE-OPEN)/(HIGH-LOW)*VOL,N)/10000;MAWVAD:MA(WVAD,M);", False, False),
    "VR": ("N=26, M=6", "TH:=SUM(IF(CLOSE>REF(CLOSE,1),VOL,0),N);TL:=SUM(IF(CLOSE<REF(CLOSE,1),VOL,0),N);"
           "TQ:=SUM(IF(CLOSE=REF(CLOSE,1),VOL,0),N);VR:100*(TH*2+TQ)/(TL*2+TQ);MAVR:MA(VR,M);", False, False),
    "BRAR": ("N=26", "BR:SUM(MAX(0,HIGH-REF(CLOSE,1)),N)/SUM(MAX(0,REF(CLOSE,1)-LOW),N)*100;"
             "AR:SUM(HIGH-OPEN,N)/SUM(OPEN-LOW,N)*100;", False, False),
    "CR": ("N=26, M1=10, M2=20, M3=40, M4=62", "MID:=REF(HIGH+LOW,1)/2;"
           "CR:SUM(MAX(0,HIGH-MID),N)/SUM(MAX(0,MID-LOW),N)*100;MA1:REF(MA(CR,M1),M1/2.5+1);"
           "MA2:REF(MA(CR,M2),M2/2.5+1);MA3:REF(MA(CR,M3),M3/2.5+1);MA4:REF(MA(CR,M4),M4/2.5+1);",
           False, False),
    "CYR": ("N=13, M=5", "DIVE:=0.01*EMA(AMOUNT,N)/EMA(VOL,N);CYR:(DIVE/REF(DIVE,1)-1)*100;"
            "MACYR:MA(CYR,M);", False, False),
    "MASS": ("N1=9, N2=25, M=6", "MASS:SUM(MA(HIGH-LOW,N1)/MA(MA(HIGH-LOW,N1),N1),N2);MAMASS:MA(MASS,M);",
             False, False),
    "PCNT": ("M=5", "PCNT:(CLOSE-REF(CLOSE,1))/CLOSE*100;MAPCNT:EXPMEMA(PCNT,M);", False, False),
    "AMO": ("M1=5, M2=10", "AMOW:AMOUNT/10000.0;AMO1:MA(AMOW,M1);AMO2:MA(AMOW,M2);", False, False),
    "DBLB": ("N=5, M=5", "GG:=VOL/SUM(REF(VOL,1),N);ZS:=INDEXV/SUM(REF(INDEXV,1),N);DBLB:GG/ZS;"
             "MADBLB:MA(DBLB,M);", True, False),
    "DBQRV": ("N=5", "ZS:(INDEXV-REF(INDEXV,N))/REF(INDEXV,N);GG:(VOL-REF(VOL,N))/REF(VOL,N);", True, False),
    "VRSI": ("N1=6, N2=12, N3=24", "LC:=REF(VOL,1);RSI1:SMA(MAX(VOL-LC,0),N1,1)/SMA(ABS(VOL-LC),N1,1)*100;"
             "RSI2:SMA(MAX(VOL-LC,0),N2,1)/SMA(ABS(VOL-LC),N2,1)*100;"
             "RSI3:SMA(MAX(VOL-LC,0),N3,1)/SMA(ABS(VOL-LC),N3,1)*100;", False, False),
    "BBI": ("timeperiod1=3, timeperiod2=6, timeperiod3=12, timeperiod4=24",
            "BBI:(MA(CLOSE,timeperiod1)+MA(CLOSE,timeperiod2)+MA(CLOSE,timeperiod3)+MA(CLOSE,timeperiod4))/4;",
            False, False),
    "HMA": ("timeperiod=12", "HMA:MA(HIGH,timeperiod);", False, False),
    "LMA": ("timeperiod=12", "LMA:MA(LOW,timeperiod);", False, False),
    "VMA": ("timeperiod=12", "VV:=(HIGH+OPEN+LOW+CLOSE)/4;VMA:MA(VV,timeperiod);", False, False),
    "ALLIGAT": ("timeperiod=21", "NN:=(H+L)/2;SC:REF(MA(NN,5),3);YC:REF(MA(NN,8),5);XE:REF(MA(NN,13),8);",
                False, False),
    "AMV": ("timeperiod=13", "AMOV:=VOL*(OPEN+CLOSE)/2;AMV:SUM(AMOV,timeperiod)/SUM(VOL,timeperiod);", False, False),
    "BBIBOLL": ("N=11, M=6", "CV:=CLOSE;BBIBOLL:(MA(CV,3)+MA(CV,6)+MA(CV,12)+MA(CV,24))/4;"
                "UPR:BBIBOLL+M*STD(BBIBOLL,N);DWN:BBIBOLL-M*STD(BBIBOLL,N);", False, False),
    "ENE": ("N=25, M1=6, M2=6", "UPPER:(1+M1/100)*MA(CLOSE,N);LOWER:(1-M2/100)*MA(CLOSE,N);"
            "ENE:(UPPER+LOWER)/2;", False, False),
    "MIKE": ("timeperiod=10", "HLC:=REF(MA((HIGH+LOW+CLOSE)/3,timeperiod),1);HV:=EMA(HHV(HIGH,timeperiod),3);"
             "LV:=EMA(LLV(LOW,timeperiod),3);STOR:EMA(2*HV-LV,3);MIDR:EMA(HLC+HV-LV,3);"
             "WEKR:EMA(HLC*2-LV,3);WEKS:EMA(HLC*2-HV,3);MIDS:EMA(HLC-HV+LV,3);STOS:EMA(2*LV-HV,3);",
             False, False),
    "PBX": ("timeperiod=9", "PBX:(EMA(CLOSE,timeperiod)+MA(CLOSE,timeperiod*2)+MA(CLOSE,timeperiod*4))/3;",
            False, False),
    "XS": ("timeperiod=13", "VAR2:=CLOSE*VOL;VAR3:=EMA((EMA(VAR2,3)/EMA(VOL,3)+EMA(VAR2,6)/EMA(VOL,6)"
           "+EMA(VAR2,12)/EMA(VOL,12)+EMA(VAR2,24)/EMA(VOL,24))/4,timeperiod);SUP:1.06*VAR3;SDN:VAR3*0.94;"
           "VAR4:=EMA(CLOSE,9);LUP:EMA(VAR4*1.14,5);LDN:EMA(VAR4*0.86,5);", False, False),
    "XS2": ("N=102, M=7", "AA:=MA((2*CLOSE+HIGH+LOW)/4,5);PASS1:AA*N/100;PASS2:AA*(200-N)/100;"
            "CC:=ABS((2*CLOSE+HIGH+LOW)/4-MA(CLOSE,20))/MA(CLOSE,20);DD:=DMA(CLOSE,CC);"
            "PASS3:(1+M/100)*DD;PASS4:(1-M/100)*DD;", False, False),
    "BDZX": ("timeperiod=40", "VAR1:=(HIGH+LOW+CLOSE*2)/4;VAR2:=EMA(VAR1,21);VAR3:=STD(VAR1,21);"
             "VAR4:=((VAR1-VAR2)/VAR3*100+200)/4;VAR5:=(EMA(VAR4,5)-25)*1.56;AK:EMA(VAR5,2)*1.22;"
             "AD1:EMA(AK,2);AJ:3*AK-2*AD1;AA:100;BB:0;CC:timeperiod*2;BUY:IF(CROSS(AK,AD1),58,20);"
             "SELL:IF(CROSS(AD1,AK),58,20);", False, False),
    "CDP_STD": ("timeperiod=2", "CH:=REF(H,1);CL:=REF(L,1);CC:=REF(C,1);CDP:(CH+CL+CC)/3;AH:2*CDP+CH-2*CL;"
                "NH:CDP+CDP-CL;NL:CDP+CDP-CH;AL:2*CDP-2*CH+CL;", False, False),
    "CJDX": ("timeperiod=16", "VAR1:=(2*CLOSE+HIGH+LOW)/4;VAR2:=EMA(EMA(EMA(VAR1,4),4),4);"
             "J:(VAR2-REF(VAR2,1))/REF(VAR2,1)*100;D:MA(J,3);K:MA(J,1);", False, False),
    "CYHT": ("timeperiod=60", "VAR1:=(2*CLOSE+HIGH+LOW+OPEN)/5;GP:80;VAR2:=LLV(LOW,34);VAR3:=HHV(HIGH,34);"
             "SK:EMA((VAR1-VAR2)/(VAR3-VAR2)*100,13);SD:EMA(SK,3);DX:20;QRFJ:50;"
             "VAR4:=IF(CROSS(SK,SD),40,22);VAR5:=IF(CROSS(SD,SK),60,78);SELL:VAR5;BUY:VAR4;", False, False),
    "JAX": ("timeperiod=30", "AA:=ABS((2*CLOSE+HIGH+LOW)/4-MA(CLOSE,timeperiod))/MA(CLOSE,timeperiod);"
            "JAX:DMA((2*CLOSE+LOW+HIGH)/4,AA);CC:=(CLOSE/JAX);MA1:=MA(CC*(2*CLOSE+HIGH+LOW)/4,3);"
            "MAAA:=((MA1-JAX)/JAX)/3;TMP:=MA1-MAAA*MA1;J:IF(TMP<=JAX,JAX,DRAWNULL);A:TMP;"
            "X:IF(TMP<=JAX,TMP,DRAWNULL);", False, False),
    "JFZX": ("timeperiod=30", "VAR2:=SUM(IF(CLOSE>OPEN,VOL,0),timeperiod)/SUM(VOL,timeperiod)*100;"
             "VAR3:=100-SUM(IF(CLOSE>OPEN,VOL,0),timeperiod)/SUM(VOL,timeperiod)*100;"
             "DTLL:VAR2;KTLL:VAR3;DKPH:50;", False, False),
    "JYJL": ("N=120, M=5", "DWZL:SUM(VOL,N)*100;DWJL:DWZL/(N/M);", False, False),
    "LHXJ": ("timeperiod=100", "VAR1:=(CLOSE*2+HIGH+LOW)/4;VAR2:=EMA(VAR1,13)-EMA(VAR1,34);VAR3:=EMA(VAR2,5);"
             "QP:(-2)*(VAR2-VAR3)*3.8;KP:2*(VAR2-VAR3)*3.8;", False, False),
    "LYJH": ("M=80, M1=50", "VAR1:=(HHV(HIGH,36)-CLOSE)/(HHV(HIGH,36)-LLV(LOW,36))*100;EMPTY:SMA(VAR1,2,1);"
             "VAR2:=(CLOSE-LLV(LOW,9))/(HHV(HIGH,9)-LLV(LOW,9))*100;MOST:SMA(VAR2,5,1)-8;LH:M;LH1:M1;",
             False, False),
    "TBP_STD": ("timeperiod=30", "APX:=(H+L+C)/3;TR0:=MAX(H-L,MAX(ABS(H-REF(C,1)),ABS(L-REF(C,1))));"
                "MF0:=C-REF(C,2);MF1:=REF(MF0,1);MF2:=REF(MF0,2);"
                "DIRECT1:=BARSLAST(MF0>MF1 AND MF0>MF2);DIRECT2:=BARSLAST(MF0<MF1 AND MF0<MF2);"
                "DIRECT0:=IF(DIRECT1<DIRECT2,100,-100);"
                "TBP:REF(REF(C,1)+IF(DIRECT0>50,MIN(MF0,MF1),MAX(MF0,MF1)),1);"
                "DTHL:REF(IF(DIRECT0>50,APX*2-L,DRAWNULL),1);DTTS:REF(IF(DIRECT0>50,APX-TR0,DRAWNULL),1);"
                "KTHB:REF(IF(DIRECT0<-50,APX*2-H,DRAWNULL),1);KTTS:REF(IF(DIRECT0<-50,APX+TR0,DRAWNULL),1);",
                False, False),
    "ZBCD": ("timeperiod=10", "VAR1:=AMOUNT/VOL/7;VAR2:=(3*HIGH+LOW+OPEN+2*CLOSE)/7;"
             "VAR3:=SUM(AMOUNT,timeperiod)/VAR1/7;VAR4:=DMA(VAR2,VOL/VAR3);CD:(CLOSE-VAR4)/VAR4*100;",
             False, False),
    "SG_SMX": ("N=50", "ZY:=CLOSE/INDEXC*2000;ZY1:EMA(ZY,3);ZY2:EMA(ZY,17);ZY3:EMA(ZY,34);", True, False),
    "XDT": ("P1=5, P2=10", "QR:CLOSE/INDEXC*1000;MQR1:MA(QR,P1);MQR2:MA(QR,P2);", True, False),
    "SG_LB": ("", "ZY2:=VOL/INDEXV*1000;LB:ZY2;MA5:MA(ZY2,5);MA10:MA(ZY2,10);", True, False),
    "SG_PF": ("", "ZY1:=CLOSE/INDEXC*1000;A1:=IF(ZY1>=HHV(ZY1,3),10,0);A2:=IF(ZY1>=HHV(ZY1,5),15,0);"
              "A3:=IF(ZY1>=HHV(ZY1,10),20,0);A4:=IF(ZY1>=HHV(ZY1,2),10,0);A5:=COUNT(ZY1>REF(ZY1,1),9)*5;"
              "PF:A1+A2+A3+A4+A5;", True, False),
    "ZLMM": ("", "LC:=REF(CLOSE,1);RSI2:=SMA(MAX(CLOSE-LC,0),12,1)/SMA(ABS(CLOSE-LC),12,1)*100;"
             "RSI3:=SMA(MAX(CLOSE-LC,0),18,1)/SMA(ABS(CLOSE-LC),18,1)*100;"
             "MMS:MA(3*RSI2-2*SMA(MAX(CLOSE-LC,0),16,1)/SMA(ABS(CLOSE-LC),16,1)*100,3);MMM:EMA(MMS,8);"
             "MML:MA(3*RSI3-2*SMA(MAX(CLOSE-LC,0),12,1)/SMA(ABS(CLOSE-LC),12,1)*100,5);", False, False),
    "RAD": ("D=3, S=30, M=30", "SM:=(OPEN+HIGH+CLOSE+LOW)/4;SMID:=MA(SM,D);IM:=(INDEXO+INDEXH+INDEXL+INDEXC)/4;"
            "IMID:=MA(IM,D);SI1:=(SMID-REF(SMID,1))/SMID;II:=(IMID-REF(IMID,1))/IMID;"
            "RADER1:SUM((SI1-II)*2,S)*1000;RADERMA:SMA(RADER1,M,1);", True, False),
    "SHT": ("N=5", "VAR1:=MA((VOL-REF(VOL,1))/REF(VOL,1),5);VAR2:=(CLOSE-MA(CLOSE,24))/MA(CLOSE,24)*100;"
            "MY:=VAR2*(1+VAR1);SHT:MY;SHTMA:MA(SHT,N);", False, False),
    "CYW": ("", "VAR1:=CLOSE-LOW;VAR2:=HIGH-LOW;VAR3:=CLOSE-HIGH;VAR4:=IF(HIGH>LOW,(VAR1/VAR2+VAR3/VAR2)*VOL,0);"
            "CYW:SUM(VAR4,10)/10000;", False, False),
    "CYS": ("", "CYC13:=0.01*EMA(AMOUNT,13)/EMA(VOL,13);CYS:(CLOSE-CYC13)/CYC13*100;", False, False),
    "AROON": ("N=25", "SG:(N-HHVBARS(H,N))/N*100;XG:(N-LLVBARS(H,N))/N*100;", False, False),
    "CFJT": ("MM=200", "TP:REF(EMA(C,14),1);A1X:(EMA(C,10)-TP)/TP*100;"
             "DF:IF(A1X>=0,REF(EMA(C,10),BARSLAST(CROSS(A1X,0))+1),DRAWNULL);"
             "KF:IF(A1X<0,REF(EMA(C,10),BARSLAST(CROSS(0,A1X))+1),DRAWNULL);", False, False),
    "ZX": ("", "AV:0.01*AMOUNT/VOL;", False, False),
    "PUCU": ("N=24", "PU:MA(CLOSE,N);CU:MA(VOL,N);", False, False),
}


def _make_tdx(name, params_text, script, with_index, with_cap):
    import inspect
    P = inspect.Parameter
    params = []
    if with_index:
        params.append(P("index_stock", P.POSITIONAL_OR_KEYWORD))
    params += [P("security_list", P.POSITIONAL_OR_KEYWORD), P("check_date", P.POSITIONAL_OR_KEYWORD)]
    defaults = {}
    for part in [x.strip() for x in params_text.split(",") if x.strip()]:
        k, v = part.split("=")
        defaults[k.strip()] = float(v) if "." in v else int(v)
        params.append(P(k.strip(), P.POSITIONAL_OR_KEYWORD, default=defaults[k.strip()]))
    params += [P("unit", P.POSITIONAL_OR_KEYWORD, default="1d"),
               P("include_now", P.POSITIONAL_OR_KEYWORD, default=True),
               P("fq_ref_date", P.POSITIONAL_OR_KEYWORD, default=None)]
    sig = inspect.Signature(params)
    outs = [v for v, is_out, _ in _tdx_statements(script) if is_out]

    def f(*args, **kwargs):
        ba = sig.bind(*args, **kwargs)
        ba.apply_defaults()
        a = ba.arguments
        vals = {k: a[k] for k in defaults}
        periods = [abs(float(v)) for v in vals.values() if isinstance(v, (int, float))] + [60]
        codes, d = _load(a["security_list"], a["check_date"], a["unit"], a["include_now"], a["fq_ref_date"],
                         _count(*[int(p) for p in periods]), fields=("open", "high", "low", "volume", "money"),
                         with_valuation=with_cap)
        idx = _index_bars(a["index_stock"], d, a["unit"]) if with_index else None
        return _tdx_eval(name, script, codes, d, vals, idx)

    f.__name__ = f.__qualname__ = name
    f.__signature__ = sig
    script_doc = "\n".join("        " + st.strip() + ";" for st in script.split(";") if st.strip())
    ret = (f"dict security -> float ({outs[0].upper()})" if len(outs) == 1 else
           f"tuple of {len(outs)} dicts security -> float: ({', '.join(o.upper() for o in outs)})")
    f.__doc__ = f"""JoinQuant ``{name}`` ({'index_stock, ' if with_index else ''}security_list, check_date, ...).

    通达信 formula evaluated on the bars up to ``check_date`` (see the module docstring and the
    通达信 engine notes above ``_TDX``)::

{script_doc}

    Returns
    -------
    {ret}
        The value on the last bar for each security (NaN with too little history).
    """
    return f


for _n, (_p, _s, _i, _c) in _TDX.items():
    globals()[_n] = _make_tdx(_n, _p, _s, _i, _c)
    __all__.append(_n)
del _n, _p, _s, _i, _c


def LB(security_list, check_date, N=5, fq_ref_date=None, unit="1d", include_now=True):
    """量比 LB: ``(当日成交总手数 / 当日累计交易分钟) / (过去N日成交总手数 / 过去N日累计交易分钟)``.

    On daily bars the day is complete (240 minutes, as each of the N past days), so
    ``LB = VOL / (SUM(REF(VOL,1), N) / N)``.  Returns dict security -> float."""
    codes, d = _load(security_list, check_date, unit, include_now, fq_ref_date, _count(N),
                     fields=("volume",))
    v = d["volume"]
    return _last(codes, _div(v, _sum(_ref(v, 1), int(N)) / int(N)))


def ZSDB(index_stock, check_date, unit="1d", include_now=True, fq_ref_date=None):
    """指数对比 ZSDB: ``A := REF(INDEXC,1)``, ``指数涨幅 = IF(A>0, (INDEXC-A)*100/A, 0)``.

    Returns ``(A, 指数涨幅)`` dicts keyed by ``index_stock``."""
    codes, d = _load(index_stock, check_date, unit, include_now, fq_ref_date, 10)
    c = d["close"]
    a = _ref(c, 1)
    return _last(codes, a), _last(codes, np.where(a > 0, _div((c - a) * 100, a), 0.0))


def CCL(futures_list, check_date, M=5):
    """持仓线 CCL (futures): ``持仓量 = VOLINSTK`` (open interest), ``MACCL = MA(持仓量, M)``.

    Returns ``(CCL, MACCL)`` dicts.  Raises NotImplementedError when the store has no
    ``open_interest`` for these contracts."""
    from jqdata import get_price
    codes = _codes(futures_list)
    try:
        df = get_price(codes, end_date=check_date, count=_count(M), fields=["open_interest"],
                       panel=False, skip_paused=True)
    except Exception as e:  # noqa: BLE001
        raise NotImplementedError(f"CCL: open interest unavailable in this store ({e})") from None
    w = df.pivot(index="time", columns="code", values="open_interest").reindex(columns=codes).to_numpy(float)
    return _last(codes, w), _last(codes, _ma(w, int(M)))


__all__ += ["LB", "ZSDB", "CCL"]
