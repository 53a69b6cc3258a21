"""jqlib.alpha101 / alpha191: the operator layer against hand computations, and a few alphas
against the formula worked out by hand on a tiny store."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from jqlib import _alpha_engine as E
from jqlite.testing import tiny_store


def ev(text, **arrays):
    ctx = {k.lower(): np.asarray(v, dtype=float) for k, v in arrays.items()}
    return E.evaluate(E.parse(text), ctx)


# ---------------------------------------------------------------------------- operators
def test_rank_is_cross_sectional_percentile_with_ties_averaged():
    x = [[3.0, 1.0, 2.0, 2.0]]
    assert ev("rank(x)", x=x)[0].tolist() == [1.0, 0.25, 0.625, 0.625]


def test_ts_rank_delay_delta_and_sum():
    x = np.array([[1.0], [5.0], [3.0], [4.0]])
    # window of 3 ending at 4: [5, 3, 4] -> 4 is 2nd of 3 -> 2/3
    assert ev("ts_rank(x, 3)", x=x)[-1, 0] == pytest.approx(2 / 3)
    assert ev("delay(x, 2)", x=x)[-1, 0] == 5.0
    assert ev("delta(x, 3)", x=x)[-1, 0] == 3.0
    assert ev("sum(x, 2)", x=x)[-1, 0] == 7.0
    assert math.isnan(ev("sum(x, 5)", x=x)[-1, 0])


def test_decay_linear_wma_and_sma():
    x = np.array([[1.0], [2.0], [4.0]])
    assert ev("decay_linear(x, 3)", x=x)[-1, 0] == pytest.approx((1 * 1 + 2 * 2 + 4 * 3) / 6)
    assert ev("WMA(x, 3)", x=x)[-1, 0] == pytest.approx((0.81 * 1 + 0.9 * 2 + 4) / (0.81 + 0.9 + 1))
    # SMA(x, 3, 1): y0 = 1, y1 = (2 + 2*1)/3 = 4/3, y2 = (4 + 2*4/3)/3 = 20/9
    assert ev("SMA(x, 3, 1)", x=x)[-1, 0] == pytest.approx(20 / 9)


def test_correlation_argmax_and_ternary():
    x = np.array([[1.0], [2.0], [3.0], [5.0]])
    y = np.array([[2.0], [4.0], [6.0], [1.0]])
    assert ev("correlation(x, y, 3)", x=x, y=y)[2, 0] == pytest.approx(1.0)
    assert ev("ts_argmax(y, 3)", y=y)[-1, 0] == 2.0  # [4, 6, 1]: max is the 2nd day
    assert ev("HIGHDAY(y, 3)", y=y)[-1, 0] == 1.0  # one day ago
    assert ev("(x > 2) ? x : -1", x=x)[:, 0].tolist() == [-1.0, -1.0, 3.0, 5.0]
    assert ev("CLOSE=DELAY(CLOSE,1)?0:1", close=[[1.0], [1.0], [2.0]])[1:, 0].tolist() == [0.0, 1.0]


def test_min_max_with_integer_window_are_time_series():
    x = np.array([[1.0], [7.0], [3.0]])
    assert ev("MAX(x, 3)", x=x)[-1, 0] == 7.0
    assert ev("MAX(x, 0)", x=x)[-1, 0] == 3.0  # elementwise with 0
    assert ev("min(x, y)", x=x, y=[[0.0], [9.0], [2.0]])[-1, 0] == 2.0


def test_regbeta_on_sequence():
    y = np.array([[1.0], [3.0], [5.0], [10.0]])
    assert ev("REGBETA(y, SEQUENCE(3), 3)", y=y)[2, 0] == pytest.approx(2.0)


def test_scale_and_signedpower_and_power():
    x = np.array([[1.0, -3.0]])
    assert ev("scale(x)", x=x)[0].tolist() == [0.25, -0.75]
    assert ev("SignedPower(x, 2)", x=x)[0].tolist() == [1.0, -9.0]
    assert ev("x ^ 2", x=x)[0].tolist() == [1.0, 9.0]


# ---------------------------------------------------------------------------- alphas on a store
A, B, C = "600000.XSHG", "000001.XSHE", "600519.XSHG"
N = 40


def _bars(seed):
    rng = np.random.default_rng(seed)
    c = [10.0]
    for _ in range(N - 1):
        c.append(round(c[-1] * (1 + 0.02 * rng.standard_normal()), 2))
    o = [round(x * (1 + 0.01 * rng.standard_normal()), 2) for x in c]
    h = [round(max(a, b) + 0.1, 2) for a, b in zip(o, c)]
    lo = [round(min(a, b) - 0.1, 2) for a, b in zip(o, c)]
    v = [float(1e5 * (1 + i % 7)) for i in range(N)]
    return c, o, h, lo, v


SER = {A: _bars(1), B: _bars(2), C: _bars(3)}


@pytest.fixture
def store(tmp_path, monkeypatch):
    path = tmp_path / "s"
    st = tiny_store(path, {k: v[0] for k, v in SER.items()}, start="2024-01-02",
                    opens={k: v[1] for k, v in SER.items()}, highs={k: v[2] for k, v in SER.items()},
                    lows={k: v[3] for k, v in SER.items()}, volumes={k: v[4] for k, v in SER.items()})
    monkeypatch.setenv("JQLITE_DATA", str(path))
    return list(st.dates)


def test_alpha101_101_and_012_by_hand(store):
    from jqlib import alpha101
    day = store[-1]
    s = alpha101.alpha_101(day, [A, B, C])
    for k in (A, B, C):
        c, o, h, lo, v = SER[k]
        assert s[k] == pytest.approx((c[-1] - o[-1]) / ((h[-1] - lo[-1]) + 0.001))
    s12 = alpha101.alpha_012(day, [A, B])
    for k in (A, B):
        c, o, h, lo, v = SER[k]
        assert s12[k] == pytest.approx(np.sign(v[-1] - v[-2]) * -(c[-1] - c[-2]))
    assert list(s.index) == [A, B, C]


def test_alpha101_uses_no_bar_after_enddate(store):
    from jqlib import alpha101
    day = store[20]
    s = alpha101.alpha_101(day, [A])
    c, o, h, lo, v = SER[A]
    assert s[A] == pytest.approx((c[20] - o[20]) / ((h[20] - lo[20]) + 0.001))


def test_alpha191_031_and_not_computable(store):
    from jqlib import alpha191
    day = store[-1]
    s = alpha191.alpha_031([A, C], day)
    for k in (A, C):
        c = SER[k][0]
        m = sum(c[-12:]) / 12
        assert s[k] == pytest.approx((c[-1] - m) / m * 100)
    with pytest.raises(NotImplementedError, match="alpha_143"):
        alpha191.alpha_143([A], day)
    assert "SELF" in alpha191.alpha_143.__doc__


def test_every_alpha_is_a_function_with_its_formula():
    from jqlib import alpha101, alpha191
    assert len(alpha101.__all__) == 101 and len(alpha191.__all__) == 191
    for mod in (alpha101, alpha191):
        for name in mod.__all__:
            f = getattr(mod, name)
            assert callable(f) and "公式" in f.__doc__
            E.parse(mod.FORMULAS[int(name[6:])]) if int(name[6:]) != 166 else None


def test_alpha101_003_and_004_against_pandas(store):
    """The same formulas written directly with pandas on the stored bars."""
    from jqlib import alpha101
    day = store[-1]
    codes = [A, B, C]
    close = pd.DataFrame({k: SER[k][0] for k in codes})
    opn = pd.DataFrame({k: SER[k][1] for k in codes})
    low = pd.DataFrame({k: SER[k][3] for k in codes})
    vol = pd.DataFrame({k: SER[k][4] for k in codes})
    ro, rv = opn.rank(axis=1, pct=True), vol.rank(axis=1, pct=True)
    want3 = -ro.rolling(10).corr(rv).iloc[-1]
    got3 = alpha101.alpha_003(day, codes)
    for k in codes:
        if math.isnan(want3[k]):
            assert math.isnan(got3[k])
        else:
            assert got3[k] == pytest.approx(want3[k], rel=1e-9)
    rl = low.rank(axis=1, pct=True)
    want4 = -rl.rolling(9).apply(lambda w: (pd.Series(w).rank().iloc[-1]) / 9, raw=True).iloc[-1]
    got4 = alpha101.alpha_004(day, codes)
    for k in codes:
        assert got4[k] == pytest.approx(want4[k], rel=1e-9)
