"""jqlib.technical_analysis against hand computations written from the 通达信 formulas.

The references below are plain Python loops over the bars; they do not call the module.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jqlite.testing import tiny_store

A, B, C = "600000.XSHG", "000001.XSHE", "600519.XSHG"
N_DAYS = 40
PAUSED_B = {12, 13, 30}  # B is suspended on these days (no bar, as in 通达信)


def _series(seed):
    rng = np.random.default_rng(seed)
    c = [10.0]
    for _ in range(N_DAYS - 1):
        c.append(round(c[-1] * (1 + 0.03 * rng.standard_normal()), 2))
    o = [c[0]] + c[:-1]
    hi = [round(max(a, b) + abs(x), 2) for a, b, x in zip(o, c, 0.2 * rng.standard_normal(N_DAYS))]
    lo = [round(min(a, b) - abs(x), 2) for a, b, x in zip(o, c, 0.2 * rng.standard_normal(N_DAYS))]
    v = [float(int(1e6 * (1 + abs(x)))) for x in rng.standard_normal(N_DAYS)]
    return c, hi, lo, v


SER = {A: _series(1), B: _series(2), C: _series(3)}


@pytest.fixture
def ta(tmp_path, monkeypatch):
    path = tmp_path / "s"
    paused = {B: [1 if i in PAUSED_B else 0 for i in range(N_DAYS)]}
    store = tiny_store(path, {k: v[0] for k, v in SER.items()}, start="2024-01-02",
                       highs={k: v[1] for k, v in SER.items()}, lows={k: v[2] for k, v in SER.items()},
                       volumes={k: v[3] for k, v in SER.items()}, paused=paused)
    monkeypatch.setenv("JQLITE_DATA", str(path))
    from jqlib import technical_analysis as mod
    monkeypatch.setattr(mod, "days", list(store.dates), raising=False)
    return mod


def bars(code, upto=N_DAYS):
    """(close, high, low, volume) lists of the bars up to day index ``upto`` (exclusive),
    suspended days dropped."""
    c, h, lo, v = SER[code]
    keep = [i for i in range(upto) if not (code == B and i in PAUSED_B)]
    return [c[i] for i in keep], [h[i] for i in keep], [lo[i] for i in keep], [v[i] for i in keep]


# ---------------------------------------------------------------------------- references
def r_ma(xs, n):
    return [None if i < n - 1 or any(x is None for x in xs[i - n + 1:i + 1]) else sum(xs[i - n + 1:i + 1]) / n
            for i in range(len(xs))]


def r_ema(xs, n):
    out, y = [], None
    for x in xs:
        if x is not None:
            y = x if y is None else (2 * x + (n - 1) * y) / (n + 1)
        out.append(y)
    return out


def r_sma(xs, n, m):
    out, y = [], None
    for x in xs:
        if x is not None:
            y = x if y is None else (m * x + (n - m) * y) / n
        out.append(y)
    return out


def last(xs):
    return math.nan if xs[-1] is None else xs[-1]


def check(got, want):
    for k, w in want.items():
        if w is None or (isinstance(w, float) and math.isnan(w)):
            assert math.isnan(got[k]), (k, got[k])
        else:
            assert got[k] == pytest.approx(w, rel=1e-9, abs=1e-9), (k, got[k], w)


CODES = [A, B, C]


def each(fn):
    return {k: fn(*bars(k)) for k in CODES}


# ---------------------------------------------------------------------------- tests
def test_ma_ema_expma_sma(ta):
    d = ta.days[-1]
    check(ta.MA(CODES, d, timeperiod=5), each(lambda c, h, l, v: sum(c[-5:]) / 5))
    check(ta.EMA(CODES, d, timeperiod=10), each(lambda c, h, l, v: r_ema(c, 10)[-1]))
    check(ta.EXPMA(CODES, d, timeperiod=12), each(lambda c, h, l, v: r_ema(c, 12)[-1]))
    check(ta.SMA(CODES, d, N=7, M=2), each(lambda c, h, l, v: r_sma(c, 7, 2)[-1]))


def test_single_code_include_now_and_short_history(ta):
    d = ta.days[-1]
    got = ta.MA(A, d, timeperiod=5)
    assert list(got) == [A]
    c = bars(A)[0]
    check(ta.MA(A, d, timeperiod=5, include_now=False), {A: sum(c[-6:-1]) / 5})
    check(ta.MA(A, d.to_pydatetime().replace(hour=15), timeperiod=5), {A: sum(c[-5:]) / 5})
    early = ta.days[3]  # 4 bars
    check(ta.MA(CODES, early, timeperiod=5), {k: math.nan for k in CODES})
    check(ta.DMA(CODES, ta.days[-1], N1=10, N2=50, M=10)[0], {k: math.nan for k in CODES})
    # unknown security history: nothing before its first bar -> NaN, not an error
    check(ta.MTM(CODES, ta.days[2], timeperiod=12), {k: math.nan for k in CODES})


def test_macd(ta):
    def ref(c, h, l, v):
        dif = [a - b for a, b in zip(r_ema(c, 12), r_ema(c, 26))]
        dea = r_ema(dif, 9)
        return dif[-1], dea[-1], (dif[-1] - dea[-1]) * 2
    got = ta.MACD(CODES, ta.days[-1], SHORT=12, LONG=26, MID=9)
    want = each(ref)
    for j in range(3):
        check(got[j], {k: w[j] for k, w in want.items()})


def test_kdj(ta):
    def ref(c, h, l, v, n=9, m1=3, m2=3):
        rsv = []
        for i in range(len(c)):
            if i < n - 1:
                rsv.append(None)
                continue
            hh, ll = max(h[i - n + 1:i + 1]), min(l[i - n + 1:i + 1])
            rsv.append((c[i] - ll) / (hh - ll) * 100)
        k = r_sma(rsv, m1, 1)
        dd = r_sma(k, m2, 1)
        return k[-1], dd[-1], 3 * k[-1] - 2 * dd[-1]
    got = ta.KDJ(CODES, ta.days[-1], N=9, M1=3, M2=3)
    want = each(ref)
    for j in range(3):
        check(got[j], {k: w[j] for k, w in want.items()})


def test_rsi(ta):
    def ref(c, h, l, v, n=6):
        up = [None] + [max(c[i] - c[i - 1], 0) for i in range(1, len(c))]
        ab = [None] + [abs(c[i] - c[i - 1]) for i in range(1, len(c))]
        return r_sma(up, n, 1)[-1] / r_sma(ab, n, 1)[-1] * 100
    check(ta.RSI(CODES, ta.days[-1], N1=6), each(ref))


def test_bias_boll_dma(ta):
    d = ta.days[-1]
    got = ta.BIAS(CODES, d, N1=6, N2=12, N3=24)
    for j, n in enumerate((6, 12, 24)):
        check(got[j], each(lambda c, h, l, v: (c[-1] - sum(c[-n:]) / n) / (sum(c[-n:]) / n) * 100))

    def boll(c, h, l, v, n=20):
        m = sum(c[-n:]) / n
        sd = math.sqrt(sum((x - m) ** 2 for x in c[-n:]) / n)
        return m + 2 * sd, m, m - 1.5 * sd
    got = ta.Bollinger_Bands(CODES, d, timeperiod=20, nbdevup=2, nbdevdn=1.5)
    want = each(boll)
    for j in range(3):
        check(got[j], {k: w[j] for k, w in want.items()})

    def dma(c, h, l, v, n1=5, n2=15, m=6):
        dif = [a - b if a is not None and b is not None else None for a, b in zip(r_ma(c, n1), r_ma(c, n2))]
        return dif[-1], r_ma(dif, m)[-1]
    got = ta.DMA(CODES, d, N1=5, N2=15, M=6)
    want = each(dma)
    for j in range(2):
        check(got[j], {k: w[j] for k, w in want.items()})


def test_mtm_roc_psy(ta):
    d = ta.days[-1]
    check(ta.MTM(CODES, d, timeperiod=12), each(lambda c, h, l, v: c[-1] - c[-13]))
    check(ta.ROC(CODES, d, timeperiod=12), each(lambda c, h, l, v: (c[-1] - c[-13]) / c[-13] * 100))

    def psy(c, h, l, v, n=12):
        return sum(1 for i in range(len(c) - n, len(c)) if c[i] > c[i - 1]) / n * 100
    check(ta.PSY(CODES, d, timeperiod=12), each(psy))


def test_vol_obv(ta):
    d = ta.days[-1]
    got = ta.VOL(CODES, d, M1=5, M2=10)
    check(got[0], each(lambda c, h, l, v: v[-1]))
    check(got[1], each(lambda c, h, l, v: sum(v[-5:]) / 5))
    check(got[2], each(lambda c, h, l, v: sum(v[-10:]) / 10))

    def obv(c, h, l, v):
        s = 0.0
        for i in range(1, len(c)):
            s += v[i] if c[i] > c[i - 1] else (-v[i] if c[i] < c[i - 1] else 0.0)
        return s
    check(ta.OBV(CODES, d), each(obv))


def test_wr_atr_cci(ta):
    d = ta.days[-1]

    def wr(c, h, l, v, n):
        hh, ll = max(h[-n:]), min(l[-n:])
        return (hh - c[-1]) / (hh - ll) * 100
    got = ta.WR(CODES, d, N=10, N1=6)
    check(got[0], each(lambda *a: wr(*a, 10)))
    check(got[1], each(lambda *a: wr(*a, 6)))

    def atr(c, h, l, v, n=14):
        tr = [max(h[i] - l[i], abs(c[i - 1] - h[i]), abs(c[i - 1] - l[i])) for i in range(1, len(c))]
        return tr[-1], sum(tr[-n:]) / n
    got = ta.ATR(CODES, d, timeperiod=14)
    want = each(atr)
    check(got[0], {k: w[0] for k, w in want.items()})
    check(got[1], {k: w[1] for k, w in want.items()})

    def cci(c, h, l, v, n=14):
        typ = [(a + b + x) / 3 for a, b, x in zip(h, l, c)][-n:]
        m = sum(typ) / n
        md = sum(abs(t - m) for t in typ) / n
        return (typ[-1] - m) / (0.015 * md)
    check(ta.CCI(CODES, d, N=14), each(cci))


def test_trix(ta):
    def ref(c, h, l, v, n=5, m=8):
        mtr = r_ema(r_ema(r_ema(c, n), n), n)
        trix = [None] + [(mtr[i] - mtr[i - 1]) / mtr[i - 1] * 100 for i in range(1, len(mtr))]
        return trix[-1], r_ma(trix, m)[-1]
    got = ta.TRIX(CODES, ta.days[-1], N=5, M=8)
    want = each(ref)
    check(got[0], {k: w[0] for k, w in want.items()})
    check(got[1], {k: w[1] for k, w in want.items()})


def test_hsl_without_and_with_fundamentals(ta, monkeypatch):
    import os
    import warnings

    from jqlite.data.fundamentals import write_fundamentals
    d = ta.days[-1]
    monkeypatch.setattr(ta, "_warned", set())
    with pytest.warns(RuntimeWarning, match="HSL"):
        got = ta.HSL(CODES, d, N=5)
    check(got[0], {k: math.nan for k in CODES})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # warned once only
        ta.HSL(CODES, d, N=5)

    caps = {A: 5000.0, B: 8000.0, C: 12000.0}  # 万股
    rows = [dict(day=day, code=k, circulating_cap=caps[k] * (2 if i >= 35 else 1))
            for i, day in enumerate(ta.days) for k in CODES]
    write_fundamentals(os.environ["JQLITE_DATA"], {"valuation": pd.DataFrame(rows)})

    def hsl(code, n=5):
        keep = [i for i in range(N_DAYS) if not (code == B and i in PAUSED_B)]
        v = SER[code][3]
        h = [v[i] / (caps[code] * (2 if i >= 35 else 1) * 1e4) * 100 for i in keep]
        return h[-1], sum(h[-n:]) / n
    got = ta.HSL(CODES, d, N=5)
    check(got[0], {k: hsl(k)[0] for k in CODES})
    check(got[1], {k: hsl(k)[1] for k in CODES})


def test_fq_ref_date(tmp_path, monkeypatch):
    closes = [10.0 + 0.1 * i for i in range(20)]
    factor = [1.0] * 10 + [2.0] * 10
    tiny_store(tmp_path / "f", {A: closes}, start="2024-01-02", factor={A: factor})
    monkeypatch.setenv("JQLITE_DATA", str(tmp_path / "f"))
    from jqdata import get_trade_days
    from jqlib import technical_analysis as ta
    days = get_trade_days(end_date="2024-12-31", count=20)
    # default: pre-adjusted to the last day (factor 2)
    pre = [round(c * f / 2.0, 2) for c, f in zip(closes, factor)]
    check(ta.MA(A, days[11], timeperiod=5), {A: sum(pre[7:12]) / 5})
    ref = [round(c * f / 1.0, 2) for c, f in zip(closes, factor)]
    check(ta.MA(A, days[11], timeperiod=5, fq_ref_date=days[0]), {A: sum(ref[7:12]) / 5})


def test_minute_unit_rejected(ta):
    from jqlite.errors import ParamsError
    with pytest.raises(ParamsError):
        ta.MA(A, ta.days[-1], unit="1m")


# ---------------------------------------------------------------------------- 通达信-script indicators
def test_bbi_and_cye_by_hand(ta):
    d = ta.days[-1]
    check(ta.BBI(CODES, d, timeperiod1=3, timeperiod2=6, timeperiod3=12, timeperiod4=24),
          each(lambda c, h, l, v: (sum(c[-3:]) / 3 + sum(c[-6:]) / 6 + sum(c[-12:]) / 12 + sum(c[-24:]) / 24) / 4))

    def cye(c, h, l, v):
        mal = r_ma(c, 5)
        ma20 = r_ma(c, 20)
        mas = r_ma(ma20, 5)
        return ((mal[-1] - mal[-2]) / mal[-2] * 100, (mas[-1] - mas[-2]) / mas[-2] * 100)
    cyel, cyes = ta.CYE(CODES, check_date=d)
    want = each(cye)
    check(cyel, {k: w[0] for k, w in want.items()})
    check(cyes, {k: w[1] for k, w in want.items()})
    # a hand-written number: MA5 of A's last 6 closes
    c = bars(A)[0]
    m1, m0 = sum(c[-5:]) / 5, sum(c[-6:-1]) / 5
    assert cyel[A] == pytest.approx((m1 - m0) / m0 * 100)


def test_dpo_aroon_lb_accer(ta):
    d = ta.days[-1]

    def dpo(c, h, l, v, n=20):
        ma = r_ma(c, n)
        return c[-1] - ma[-1 - (n // 2 + 1)]
    check(ta.DPO(CODES, d, N=20, M=6)[0], each(dpo))

    def aroon_up(c, h, l, v, n=25):
        w = h[-n:]
        since = n - 1 - max(i for i, x in enumerate(w) if x == max(w))  # bars since the latest high
        return (n - since) / n * 100
    check(ta.AROON(CODES, d, N=25)[0], each(aroon_up))
    check(ta.LB(CODES, d, N=5), each(lambda c, h, l, v: v[-1] / (sum(v[-6:-1]) / 5)))

    def accer(c, h, l, v, n=8):
        y = c[-n:]
        xs = list(range(n))
        mx, my = sum(xs) / n, sum(y) / n
        b = sum((x - mx) * (yy - my) for x, yy in zip(xs, y)) / sum((x - mx) ** 2 for x in xs)
        return b / c[-1]
    got = ta.ACCER(CODES, d, N=8)
    for k, w in each(accer).items():
        assert got[k] == pytest.approx(w, rel=1e-7)


def test_vr_volume_ratio(ta):
    d = ta.days[-1]

    def vr(c, h, l, v, n=26):
        th = sum(v[i] for i in range(len(c) - n, len(c)) if c[i] > c[i - 1])
        tl = sum(v[i] for i in range(len(c) - n, len(c)) if c[i] < c[i - 1])
        tq = sum(v[i] for i in range(len(c) - n, len(c)) if c[i] == c[i - 1])
        return 100 * (th * 2 + tq) / (tl * 2 + tq)
    check(ta.VR(CODES, d, N=26, M=6)[0], each(vr))


def test_every_documented_function_exists_with_its_signature(ta):
    import inspect
    assert len(ta.__all__) == 99
    assert list(inspect.signature(ta.DBQR).parameters)[:3] == ["index_stock", "security_list", "check_date"]
    assert inspect.signature(ta.BBI).parameters["timeperiod4"].default == 24
    assert "CYEL" in ta.CYE.__doc__
