"""Compiled cross-sectional and fundamentals kernels of the factor passes against the numpy
code they replace (values bit for bit) and against hand-computed numbers.

* ``kernels._pairwise_sum`` / ``_row_sum``: numpy's summation orders (pairwise for the rows of
  a C-ordered array, left to right for an F-ordered one);
* ``kernels.cs_process`` (style factors' winsorise + cap-weighted standardise);
* ``kernels.slope_growth5`` (growth's yearly slope);
* ``fundamentals._gather_on_days`` (point-in-time statement values per day).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from numba import njit

from jqlite.data.fundamentals import _gather_on_days
from jqlite.factors.kernels import _pairwise_sum, _row_sum, cs_process, slope_growth5
from jqlite.factors.library.style import (_slope_growth, _slope_growth_numpy, process,
                                          process_numpy)


@njit
def _rows_pairwise(x):
    out = np.empty(x.shape[0])
    for r in range(x.shape[0]):
        out[r] = 0.0 + _pairwise_sum(x[r], 0, x.shape[1])
    return out


@njit
def _rows(x, seq):
    out = np.empty(x.shape[0])
    for r in range(x.shape[0]):
        out[r] = _row_sum(x[r].copy(), seq)
    return out


def _same(a, b):
    """Equal values, NaN where the other is NaN (and no sign change of zeros)."""
    return bool(np.array_equal(a, b, equal_nan=True)
                and np.array_equal(np.signbit(a), np.signbit(b)))


@pytest.mark.parametrize("n", [1, 7, 8, 9, 128, 129, 1000, 4800, 9000])
def test_pairwise_sum_is_numpys_row_sum(n):
    rng = np.random.default_rng(n)
    x = rng.standard_normal((40, n)) * np.exp(rng.standard_normal((40, n)) * 6)
    np.testing.assert_array_equal(_rows_pairwise(x), x.sum(axis=1))
    np.testing.assert_array_equal(_rows(x, False), x.sum(axis=1))
    xf = np.asfortranarray(x)
    np.testing.assert_array_equal(_rows(x, True), xf.sum(axis=1))


def test_the_two_orders_differ_where_numpy_differs():
    # 1e16 + 1 + 1 ... : left to right, each 1 is lost against 1e16 (ulp 2); pairwise, the
    # 8 interleaved accumulators add the ones among themselves first
    row = np.array([1e16] + [1.0] * 15 + [-1e16])
    x = np.vstack([row, row])
    assert _rows(x, True)[0] == 0.0 == np.asfortranarray(x).sum(axis=1)[0]
    assert _rows(x, False)[0] == 14.0 == x.sum(axis=1)[0]


def test_cs_process_hand_computed():
    nan = np.nan
    x = np.array([[1.0, 2.0, 3.0, nan],
                  [1.0, 2.0, 3.0, 4.0]])
    w = np.array([[1.0, 1.0, 2.0, 1.0],
                  [1.0, 1.0, 1.0, 1.0]])
    mask = np.array([True, True, True, False])     # the 4th security is not a stock
    out = cs_process(x, w, mask)
    # row 0: mean 2, std 1 (no clipping at 2 +- 2.5), cap-weighted mean 9/4
    np.testing.assert_allclose(out[0, :3], [-1.25, -0.25, 0.75], rtol=0, atol=1e-15)
    assert np.isnan(out[0, 3]) and np.isnan(out[1, 3])
    np.testing.assert_allclose(out[1, :3], [-1.0, 0.0, 1.0], rtol=0, atol=1e-15)
    # clipping: nine zeros and 100 -> mean 10, std sqrt(1000); 100 clipped to 10 + 2.5 std
    row = np.array([[0.0] * 9 + [100.0]])
    hi = 10 + 2.5 * math.sqrt(1000.0)
    clipped = np.array([0.0] * 9 + [hi])
    mu = clipped.mean()
    sd = math.sqrt(((clipped - mu) ** 2).sum() / 9)
    got = cs_process(row, np.ones_like(row), np.ones(10, bool))
    np.testing.assert_allclose(got[0], (clipped - mu) / sd, rtol=1e-12)
    # weights that are NaN, zero or negative leave a value out of the mean, not the std
    got = cs_process(np.array([[1.0, 2.0, 3.0]]), np.array([[nan, -1.0, 1.0]]), np.ones(3, bool))
    np.testing.assert_allclose(got[0], [-2.0, -1.0, 0.0], rtol=0, atol=1e-15)


@pytest.mark.parametrize("ox, ow", [("C", "C"), ("C", "F"), ("F", "C"), ("F", "F")])
def test_cs_process_is_the_numpy_pipeline_bit_for_bit(ox, ow):
    rng = np.random.default_rng(7)
    n, m = 120, 1500
    x = rng.standard_normal((n, m)) * 3 + 1
    x[rng.random((n, m)) < 0.1] = np.nan
    x[rng.random((n, m)) < 0.01] = np.inf
    x[5] = np.nan
    x[6, 1:] = np.nan                               # one value: NaN std
    w = np.exp(rng.standard_normal((n, m)) * 2)
    w[rng.random((n, m)) < 0.05] = np.nan
    w[rng.random((n, m)) < 0.01] = -1.0
    mask = rng.random(m) < 0.9
    xx, ww = np.asarray(x, order=ox), np.asarray(w, order=ow)
    ref, got = process_numpy(xx, ww, mask), process(xx, ww, mask)
    assert _same(ref, got)
    assert got.flags.f_contiguous == ref.flags.f_contiguous      # numpy's layout kept
    # a row slice of an F-ordered array (what a factor's view hands over) sums as F
    big = np.asarray(np.vstack([x, x[:30]]), order=ox)[30:]
    assert _same(process_numpy(big, w, mask), process(big, w, mask))


def test_slope_growth5_hand_computed_and_bit_for_bit():
    nan = np.nan
    pts = [np.array([[1.0, 1.0, 1.0, 2.0]]), np.array([[2.0, nan, nan, 2.0]]),
           np.array([[3.0, 3.0, nan, 2.0]]), np.array([[4.0, 4.0, 4.0, 2.0]]),
           np.array([[5.0, 5.0, 5.0, 2.0]])]
    got = slope_growth5(pts)
    assert got[0, 0] == pytest.approx(1.0 / 3.0)       # slope 1, mean 3
    # t = 0, 2, 3, 4: mean t 2.25, mean y 3.25, Sxy = Sxx = 8.75 -> slope 1
    assert got[0, 1] == pytest.approx(1.0 / 3.25)
    assert np.isnan(got[0, 2])                         # 3 points only
    assert got[0, 3] == 0.0                            # flat
    rng = np.random.default_rng(3)
    ys = [rng.standard_normal((200, 900)) * 10.0 ** rng.integers(-3, 9, (200, 900)) for _ in range(5)]
    for y in ys:
        y[rng.random(y.shape) < 0.15] = np.nan
    ys[2][:5] = 0.0
    ys[3][5:8] = -0.0
    assert _same(_slope_growth_numpy(ys), _slope_growth(ys))
    with pytest.raises(ValueError):
        slope_growth5(ys[:4])


def test_gather_on_days_hand_computed():
    nan = np.nan
    lq = np.array([[-1, 0], [0, 1], [1, 1]], dtype=np.int32)   # latest quarter per day, security
    vals = np.array([[10.0, 11.0], [20.0, 21.0]])               # (security, quarter)
    avail = np.array([[0, 2], [1, 5]], dtype=np.int64)          # visible from that day on
    np.testing.assert_array_equal(_gather_on_days(lq, vals, avail, 0, 0),
                                  [[nan, nan], [10.0, nan], [11.0, nan]])
    # one quarter earlier: day 1 security 1 -> quarter 0 (20, visible from day 1)
    np.testing.assert_array_equal(_gather_on_days(lq, vals, avail, 1, 0),
                                  [[nan, nan], [nan, 20.0], [10.0, 20.0]])
    # rows starting at day 2: day index 2 + d
    np.testing.assert_array_equal(_gather_on_days(lq[:1], vals, avail, 0, 2), [[nan, 20.0]])
