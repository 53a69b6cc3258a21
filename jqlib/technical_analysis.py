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
        return codes, {f: np.full((1, len(codes)), np.nan) for f in fields + ["circ"]}
    freq = _freq(unit)
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
    if out["close"].shape[0] == 0:
        out = {f: np.full((1, len(codes)), np.nan) for f in out}
    return codes, out


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
