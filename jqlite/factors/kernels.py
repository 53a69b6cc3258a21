"""Vectorised rolling kernels over ``(n_days, n_securities)`` float64 arrays.

Every kernel works column by column on the time axis (axis 0) and follows pandas'
``rolling(w)`` conventions with ``min_periods = w``: a window containing a NaN gives NaN.
Windows are evaluated directly (``O(w)`` per cell) except :func:`rolling_sum`, a running sum
re-summed exactly once per window length (values then differ from a direct sum by a few
ulps at most), so a value depends only on the rows of its window, not on where the computed
slice starts: the factor cache stays consistent whatever window a caller asked for first.

Operators follow spec ``jq_factors.md`` §1.4.5: ``MA`` includes the current day, ``STD`` is the
sample std (ddof=1), ``EMA`` is ``ewm(span=N, adjust=False)``, ``REF`` is a shift.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

NAN = np.nan


@njit(cache=True, parallel=True)
def _rolling_sum(x, w):
    n, m = x.shape
    out = np.full((m, n), np.nan).T
    for j in prange(m):
        s = 0.0
        nan = 0
        for i in range(n):
            v = x[i, j]
            if v != v:
                nan += 1
            else:
                s += v
            if i >= w:
                u = x[i - w, j]
                if u != u:
                    nan -= 1
                else:
                    s -= u
            if i >= w - 1 and nan == 0:
                if (i + 1) % w == 0:          # exact re-sum once per window: bounded drift
                    s = 0.0
                    for k in range(i - w + 1, i + 1):
                        s += x[k, j]
                out[i, j] = s
    return out


def rolling_mean(x, w):
    """``MA(X, w)``: simple mean of the last ``w`` rows, current row included."""
    return rolling_sum(x, w) / w


@njit(cache=True, inline="always")
def _window_mean(x, i, j, w):
    """Mean of ``x[i - w + 1 : i + 1, j]``; NaN when the window holds a NaN (shared by
    :func:`_rolling_std` and :func:`_rolling_avedev`: their first pass)."""
    s = 0.0
    for k in range(i - w + 1, i + 1):
        v = x[k, j]
        if v != v:
            return NAN
        s += v
    return s / w


@njit(cache=True, parallel=True)
def _rolling_std(x, w, ddof):
    """Rolling standard deviation with ``ddof`` (two-pass within each window)."""
    n, m = x.shape
    out = np.full((m, n), np.nan).T
    for j in prange(m):
        for i in range(w - 1, n):
            mu = _window_mean(x, i, j, w)
            if mu != mu:
                continue
            ss = 0.0
            for k in range(i - w + 1, i + 1):
                d = x[k, j] - mu
                ss += d * d
            out[i, j] = math.sqrt(ss / (w - ddof))
    return out


@njit(cache=True, parallel=True)
def _rolling_moments(x, w):
    """Rolling (variance ddof=1, bias-corrected skewness, bias-corrected excess kurtosis).

    Skewness/kurtosis are pandas' ``rolling(w).skew()`` / ``.kurt()`` estimators
    (= scipy ``skew(bias=False)`` / ``kurtosis(bias=False)``), spec §8.
    """
    n, m = x.shape
    var = np.full((m, n), np.nan).T
    skew = np.full((m, n), np.nan).T
    kurt = np.full((m, n), np.nan).T
    for j in prange(m):
        for i in range(w - 1, n):
            s = 0.0
            ok = True
            for k in range(i - w + 1, i + 1):
                v = x[k, j]
                if v != v:
                    ok = False
                    break
                s += v
            if not ok:
                continue
            mu = s / w
            m2 = 0.0
            m3 = 0.0
            m4 = 0.0
            for k in range(i - w + 1, i + 1):
                d = x[k, j] - mu
                d2 = d * d
                m2 += d2
                m3 += d2 * d
                m4 += d2 * d2
            var[i, j] = m2 / (w - 1)
            m2 /= w
            m3 /= w
            m4 /= w
            if m2 <= 1e-14 * (abs(mu) * abs(mu) + 1e-300) or m2 == 0.0:
                skew[i, j] = np.nan
                kurt[i, j] = np.nan
                continue
            nn = float(w)
            g1 = m3 / m2 ** 1.5
            skew[i, j] = math.sqrt(nn * (nn - 1.0)) / (nn - 2.0) * g1
            g2 = m4 / (m2 * m2) - 3.0
            kurt[i, j] = (nn - 1.0) / ((nn - 2.0) * (nn - 3.0)) * ((nn + 1.0) * g2 + 6.0)
    return var, skew, kurt


@njit(cache=True, parallel=True)
def _rolling_prod1p(x, w):
    """``prod(1 + x)`` over the last ``w`` rows (NaN if any NaN)."""
    n, m = x.shape
    out = np.full((m, n), np.nan).T
    for j in prange(m):
        for i in range(w - 1, n):
            p = 1.0
            ok = True
            for k in range(i - w + 1, i + 1):
                v = x[k, j]
                if v != v:
                    ok = False
                    break
                p *= 1.0 + v
            if ok:
                out[i, j] = p
    return out


@njit(cache=True, parallel=True)
def _ema(x, span):
    """``EMA(X, span)`` = pandas ``ewm(span=span, adjust=False).mean()``.

    Starts at the first non-NaN value of each column; rows where ``x`` is NaN are NaN in the
    output and do not update the state (the security is not listed there).
    """
    n, m = x.shape
    a = 2.0 / (span + 1.0)
    out = np.full((m, n), np.nan).T
    for j in prange(m):
        started = False
        s = 0.0
        for i in range(n):
            v = x[i, j]
            if v != v:
                continue
            if not started:
                s = v
                started = True
            else:
                s = a * v + (1.0 - a) * s
            out[i, j] = s
    return out


@njit(cache=True, parallel=True)
def _rolling_arg_extreme_last(x, w, find_max):
    """Position (0 = oldest) of the max (``find_max``) or min of the last ``w`` rows, last
    occurrence on ties (Aroon convention of spec §5)."""
    n, m = x.shape
    out = np.full((m, n), np.nan).T
    for j in prange(m):
        for i in range(w - 1, n):
            best = 0.0
            pos = -1
            ok = True
            for k in range(w):
                v = x[i - w + 1 + k, j]
                if v != v:
                    ok = False
                    break
                if pos < 0 or (find_max and v >= best) or ((not find_max) and v <= best):
                    best = v
                    pos = k
            if ok:
                out[i, j] = pos
    return out


@njit(cache=True, parallel=True)
def _rolling_count_le_last(x, w):
    """Number of rows in the last ``w`` whose value is <= the current row's value."""
    n, m = x.shape
    out = np.full((m, n), np.nan).T
    for j in prange(m):
        for i in range(w - 1, n):
            c = x[i, j]
            if c != c:
                continue
            cnt = 0
            ok = True
            for k in range(i - w + 1, i + 1):
                v = x[k, j]
                if v != v:
                    ok = False
                    break
                if v <= c:
                    cnt += 1
            if ok:
                out[i, j] = cnt
    return out


@njit(cache=True)
def _halflife_weights(w, halflife):
    """Weights ``0.5 ** (age / halflife)`` of a ``w``-row window, oldest first (age 0 = last)."""
    wt = np.empty(w)
    for k in range(w):
        wt[k] = 0.5 ** ((w - 1 - k) / halflife)
    return wt


@njit(cache=True, parallel=True)
def _ew_beta(r, rm, w, halflife, min_obs):
    """Exponentially weighted time-series regression slope of ``r[:, j]`` on ``rm``.

    Window = last ``w`` rows, weight ``0.5 ** (age / halflife)`` (age 0 = current row).
    Rows where ``r`` is NaN (not listed) are left out; fewer than ``min_obs`` valid rows -> NaN.
    """
    n, m = r.shape
    out = np.full((m, n), np.nan).T
    wt = _halflife_weights(w, halflife)
    for j in prange(m):
        for i in range(w - 1, n):
            if r[i, j] != r[i, j]:
                continue
            sw = 0.0
            sx = 0.0
            sy = 0.0
            cnt = 0
            for k in range(w):
                t = i - w + 1 + k
                y = r[t, j]
                xx = rm[t]
                if y != y or xx != xx:
                    continue
                sw += wt[k]
                sx += wt[k] * xx
                sy += wt[k] * y
                cnt += 1
            if cnt < min_obs or sw == 0.0:
                continue
            mx = sx / sw
            my = sy / sw
            sxx = 0.0
            sxy = 0.0
            for k in range(w):
                t = i - w + 1 + k
                y = r[t, j]
                xx = rm[t]
                if y != y or xx != xx:
                    continue
                sxx += wt[k] * (xx - mx) * (xx - mx)
                sxy += wt[k] * (xx - mx) * (y - my)
            if sxx > 0.0:
                out[i, j] = sxy / sxx
    return out


@njit(cache=True, parallel=True)
def _ew_sum_lagged(x, w, lag, halflife, min_obs):
    """Exponentially weighted sum of ``x`` over the ``w`` rows ending ``lag`` rows before the
    current row (weight ``0.5 ** (age / halflife)``, age 0 = the window's last row); NaN rows
    count as 0, fewer than ``min_obs`` valid rows -> NaN."""
    n, m = x.shape
    out = np.full((m, n), np.nan).T
    wt = _halflife_weights(w, halflife)
    for j in prange(m):
        for i in range(w - 1 + lag, n):
            s = 0.0
            cnt = 0
            for k in range(w):
                v = x[i - lag - w + 1 + k, j]
                if v == v:
                    s += wt[k] * v
                    cnt += 1
            if cnt >= min_obs:
                out[i, j] = s
    return out



@njit(cache=True, parallel=True)
def _rolling_avedev(x, w):
    """Mean absolute deviation around the window mean (``AVEDEV``), NaN if the window holds a NaN."""
    n, m = x.shape
    out = np.full((m, n), np.nan).T
    for j in prange(m):
        for i in range(w - 1, n):
            mu = _window_mean(x, i, j, w)
            if mu != mu:
                continue
            d = 0.0
            for k in range(i - w + 1, i + 1):
                d += abs(x[k, j] - mu)
            out[i, j] = d / w
    return out


@njit(cache=True, parallel=True)
def _rolling_slope(x, w):
    """OLS slope of the last ``w`` rows on ``t = 1..w`` (NaN if the window holds a NaN)."""
    n, m = x.shape
    out = np.full((m, n), np.nan).T
    tm = (w + 1) / 2.0
    sxx = 0.0
    for k in range(w):
        sxx += (k + 1 - tm) * (k + 1 - tm)
    for j in prange(m):
        for i in range(w - 1, n):
            sy = 0.0
            sty = 0.0
            ok = True
            for k in range(w):
                v = x[i - w + 1 + k, j]
                if v != v:
                    ok = False
                    break
                sy += v
                sty += (k + 1 - tm) * v
            if ok:
                out[i, j] = sty / sxx
    return out


@njit(cache=True, parallel=True)
def _ew_std(x, w, halflife, min_obs):
    """Exponentially weighted standard deviation of the last ``w`` rows (weight
    ``0.5 ** (age / halflife)``, age 0 = current row) around the weighted mean; NaN rows
    are left out; fewer than ``min_obs`` valid rows -> NaN."""
    n, m = x.shape
    out = np.full((m, n), np.nan).T
    wt = _halflife_weights(w, halflife)
    for j in prange(m):
        for i in range(w - 1, n):
            sw = 0.0
            sx = 0.0
            cnt = 0
            for k in range(w):
                v = x[i - w + 1 + k, j]
                if v == v:
                    sw += wt[k]
                    sx += wt[k] * v
                    cnt += 1
            if cnt < min_obs or sw == 0.0:
                continue
            mu = sx / sw
            ss = 0.0
            for k in range(w):
                v = x[i - w + 1 + k, j]
                if v == v:
                    ss += wt[k] * (v - mu) * (v - mu)
            out[i, j] = math.sqrt(ss / sw)
    return out


@njit(cache=True, parallel=True)
def _ew_beta_sigma(r, rm, w, halflife, min_obs):
    """``(slope, residual std)`` of the exponentially weighted regression of ``r[:, j]`` on
    ``rm`` over the last ``w`` rows (as :func:`_ew_beta`); the residual std is the plain
    sample std (ddof=1) of ``r - a - b * rm`` over the window's valid rows."""
    n, m = r.shape
    beta = np.full((m, n), np.nan).T
    sig = np.full((m, n), np.nan).T
    wt = _halflife_weights(w, halflife)
    for j in prange(m):
        for i in range(w - 1, n):
            if r[i, j] != r[i, j]:
                continue
            sw = 0.0
            sx = 0.0
            sy = 0.0
            cnt = 0
            for k in range(w):
                t = i - w + 1 + k
                y = r[t, j]
                xx = rm[t]
                if y != y or xx != xx:
                    continue
                sw += wt[k]
                sx += wt[k] * xx
                sy += wt[k] * y
                cnt += 1
            if cnt < min_obs or sw == 0.0:
                continue
            mx = sx / sw
            my = sy / sw
            sxx = 0.0
            sxy = 0.0
            for k in range(w):
                t = i - w + 1 + k
                y = r[t, j]
                xx = rm[t]
                if y != y or xx != xx:
                    continue
                sxx += wt[k] * (xx - mx) * (xx - mx)
                sxy += wt[k] * (xx - mx) * (y - my)
            if sxx <= 0.0:
                continue
            b = sxy / sxx
            a = my - b * mx
            beta[i, j] = b
            s1 = 0.0
            s2 = 0.0
            for k in range(w):
                t = i - w + 1 + k
                y = r[t, j]
                xx = rm[t]
                if y != y or xx != xx:
                    continue
                e = y - a - b * xx
                s1 += e
                s2 += e * e
            if cnt > 1:
                mu = s1 / cnt
                sig[i, j] = math.sqrt(max(s2 - cnt * mu * mu, 0.0) / (cnt - 1))
    return beta, sig


# ---------------------------------------------------------------------------- cross-section
@njit(cache=True, inline="always")
def _pairwise_leaf(a, lo, n):
    """numpy's pairwise sum of ``a[lo:lo + n]`` for ``n <= 128`` (no split)."""
    if n < 8:
        res = -0.0
        for i in range(n):
            res += a[lo + i]
        return res
    r0 = a[lo]
    r1 = a[lo + 1]
    r2 = a[lo + 2]
    r3 = a[lo + 3]
    r4 = a[lo + 4]
    r5 = a[lo + 5]
    r6 = a[lo + 6]
    r7 = a[lo + 7]
    i = 8
    m = n - (n % 8)
    while i < m:
        r0 += a[lo + i]
        r1 += a[lo + i + 1]
        r2 += a[lo + i + 2]
        r3 += a[lo + i + 3]
        r4 += a[lo + i + 4]
        r5 += a[lo + i + 5]
        r6 += a[lo + i + 6]
        r7 += a[lo + i + 7]
        i += 8
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        res += a[lo + i]
        i += 1
    return res


@njit(cache=True)
def _pairwise_sum(a, lo, n):
    """Sum of ``a[lo:lo + n]`` in numpy's pairwise order (``np.sum`` of a contiguous row):
    runs of up to 128 values summed with 8 interleaved accumulators, longer runs split in
    two at a multiple of 8 and the halves' sums added -- so a row sum here equals numpy's
    ``x.sum(axis=1)`` of a C-ordered array bit for bit (checked in
    ``tests/unit/test_factor_kernels_cs.py``).  The split tree is walked with an explicit
    stack: numba's on-disk cache does not reload recursive functions safely."""
    if n <= 128:
        return _pairwise_leaf(a, lo, n)
    seg_lo = np.empty(64, np.int64)
    seg_n = np.empty(64, np.int64)
    seg_st = np.zeros(64, np.int64)      # 0: left half next, 1: right half next, 2: add them
    res = np.empty(64)
    seg_lo[0] = lo
    seg_n[0] = n
    sp = 1
    rp = 0
    while sp > 0:
        i = sp - 1
        nn = seg_n[i]
        if nn <= 128:
            res[rp] = _pairwise_leaf(a, seg_lo[i], nn)
            rp += 1
            sp -= 1
            continue
        n2 = nn // 2
        n2 -= n2 % 8
        st = seg_st[i]
        if st == 0:
            seg_st[i] = 1
            seg_lo[sp] = seg_lo[i]
            seg_n[sp] = n2
            seg_st[sp] = 0
            sp += 1
        elif st == 1:
            seg_st[i] = 2
            seg_lo[sp] = seg_lo[i] + n2
            seg_n[sp] = nn - n2
            seg_st[sp] = 0
            sp += 1
        else:
            rp -= 1
            res[rp - 1] = res[rp - 1] + res[rp]
            sp -= 1
    return res[0]


@njit(cache=True, inline="always")
def _row_sum(t, seq):
    """Sum of row ``t`` as numpy sums a row of a C-ordered array (pairwise, ``seq`` False) or
    of an F-ordered one (left to right, ``seq`` True: numpy then adds column after column)."""
    m = t.shape[0]
    if seq:
        s = 0.0
        for j in range(m):
            s += t[j]
        return s
    return 0.0 + _pairwise_sum(t, 0, m)


@njit(cache=True, error_model="numpy")
def _row_nanstd(a, t, seq_tot, seq_ss):
    """``(mean, std ddof=1)`` of the non-NaN values of row ``a`` (NaN std below 2 values),
    numpy's ``nanmean`` / ``nansum`` arithmetic (sums as :func:`_row_sum`: ``seq_tot`` for
    the values' sum, ``seq_ss`` for the squared deviations'); ``t`` is scratch space of
    ``a``'s length."""
    m = a.shape[0]
    cnt = 0
    for j in range(m):
        v = a[j]
        if v == v:
            t[j] = v
            cnt += 1
        else:
            t[j] = 0.0
    if cnt == 0:
        return np.nan, np.nan
    mu = _row_sum(t, seq_tot) / cnt
    for j in range(m):
        d = a[j] - mu
        d = d * d
        t[j] = d if d == d else 0.0
    if cnt < 2:
        return mu, np.nan
    return mu, math.sqrt(_row_sum(t, seq_ss) / (cnt - 1))


@njit(cache=True, parallel=True, error_model="numpy")
def _cs_process(x, w, mask, k, seq, out):
    """Row-wise §10.1 pipeline (see :func:`cs_process`) of ``x`` and ``w`` ``(n, m)``,
    ``mask`` ``(m,)`` bool, into ``out`` ``(n, m)``; ``seq`` (6 bools): which of the row
    sums go left to right rather than pairwise (:data:`CS_SUMS`, :func:`_row_sum`)."""
    n, m = x.shape
    for i in prange(n):
        a = np.empty(m)
        t = np.empty(m)
        for j in range(m):                        # stocks only, finite values
            v = x[i, j]
            a[j] = v if (mask[j] and np.isfinite(v)) else np.nan
        mu, sd = _row_nanstd(a, t, seq[0], seq[1])    # winsorise at mean +- k std
        lo = mu - k * sd
        hi = mu + k * sd
        for j in range(m):
            v = a[j]
            if v == v:                            # np.clip's order: max with lo, min with hi
                v = v if v > lo else lo
                a[j] = v if v < hi else hi
        for j in range(m):                        # cap-weighted mean
            wj = w[i, j]
            t[j] = wj if (a[j] == a[j] and np.isfinite(wj) and wj > 0.0) else 0.0
        sw = _row_sum(t, seq[4])
        for j in range(m):
            p = (a[j] if t[j] != 0.0 else 0.0) * t[j]
            t[j] = p if p == p else 0.0
        num = _row_sum(t, seq[5])
        mw = num / sw if sw > 0.0 else np.nan
        _, sd2 = _row_nanstd(a, t, seq[2], seq[3])   # equal-weight std of the clipped row
        for j in range(m):
            o = (a[j] - mw) / sd2
            out[i, j] = o if np.isfinite(o) else np.nan


@njit(cache=True, parallel=True, error_model="numpy")
def _slope5(y0, y1, y2, y3, y4):
    """Body of :func:`slope_growth5` on five C-ordered ``(n, m)`` arrays."""
    n, m = y0.shape
    out = np.empty((n, m))
    for i in prange(n):
        for j in range(m):
            v0 = y0[i, j]
            v1 = y1[i, j]
            v2 = y2[i, j]
            v3 = y3[i, j]
            v4 = y4[i, j]
            k0 = v0 == v0
            k1 = v1 == v1
            k2 = v2 == v2
            k3 = v3 == v3
            k4 = v4 == v4
            cnt = int(k0) + int(k1) + int(k2) + int(k3) + int(k4)
            if cnt < 4:
                out[i, j] = np.nan
                continue
            # numpy's axis-0 sums: the first slice, then the others added in order
            st = ((((0.0 if k0 else 0.0) + (1.0 if k1 else 0.0)) + (2.0 if k2 else 0.0))
                  + (3.0 if k3 else 0.0)) + (4.0 if k4 else 0.0)
            sy = ((((v0 if k0 else 0.0) + (v1 if k1 else 0.0)) + (v2 if k2 else 0.0))
                  + (v3 if k3 else 0.0)) + (v4 if k4 else 0.0)
            mt = st / cnt
            my = sy / cnt
            d0 = 0.0 - mt
            d1 = 1.0 - mt
            d2 = 2.0 - mt
            d3 = 3.0 - mt
            d4 = 4.0 - mt
            sxx = ((((d0 * d0 if k0 else 0.0) + (d1 * d1 if k1 else 0.0)) + (d2 * d2 if k2 else 0.0))
                   + (d3 * d3 if k3 else 0.0)) + (d4 * d4 if k4 else 0.0)
            sxy = ((((d0 * (v0 - my) if k0 else 0.0) + (d1 * (v1 - my) if k1 else 0.0))
                    + (d2 * (v2 - my) if k2 else 0.0)) + (d3 * (v3 - my) if k3 else 0.0)) \
                + (d4 * (v4 - my) if k4 else 0.0)
            o = (sxy / sxx) / abs(my)
            out[i, j] = o if np.isfinite(o) else np.nan
    return out


def slope_growth5(ys):
    """Least-squares slope of five yearly points on ``t = 0..4``, over ``|mean|``.

    Parameters
    ----------
    ys : sequence of 5 ndarrays, each shape (n_days, n_securities)
        The points, oldest first (NaN: missing).

    Returns
    -------
    ndarray of float64, shape (n_days, n_securities)
        ``Σ(t - t̄)(y - ȳ) / Σ(t - t̄)² / |ȳ|`` over the non-NaN points (means over those
        points too); NaN with fewer than 4 points or a non-finite result.  The arithmetic of
        the numpy version it replaces (``np.stack`` then sums over the first axis, which
        numpy adds slice after slice), so the values are the same bit for bit, without the
        ten ``(5, n_days, n_securities)`` temporaries.
    """
    if len(ys) != 5:
        raise ValueError(f"slope_growth5 takes 5 arrays, got {len(ys)}")
    a = [np.ascontiguousarray(y, dtype=np.float64) for y in ys]
    if any(y.ndim != 2 or y.shape != a[0].shape for y in a):
        raise ValueError("slope_growth5: the 5 arrays must be 2-D of one shape")
    return _slope5(a[0], a[1], a[2], a[3], a[4])


# ---------------------------------------------------------------------------- wrappers
# The kernels walk each column along time; Fortran-ordered inputs/outputs keep that walk
# contiguous in memory (about 5x faster than strided C-order access).
def _F(x):
    return np.asfortranarray(x, dtype=np.float64)


def rolling_sum(x, w):
    """Sum over the last ``w`` rows (current included); NaN if the window holds a NaN."""
    return _rolling_sum(_F(x), int(w))


def rolling_std(x, w, ddof):
    """Rolling standard deviation with ``ddof`` (two-pass within each window)."""
    return _rolling_std(_F(x), int(w), int(ddof))


def rolling_moments(x, w):
    """Rolling ``(variance ddof=1, skewness, excess kurtosis)``, pandas' bias-corrected
    ``rolling(w).var() / .skew() / .kurt()`` estimators (spec §8)."""
    return _rolling_moments(_F(x), int(w))


def rolling_prod1p(x, w):
    """``prod(1 + x)`` over the last ``w`` rows (NaN if any NaN)."""
    return _rolling_prod1p(_F(x), int(w))


def ema(x, span):
    """``EMA(X, span)`` = pandas ``ewm(span=span, adjust=False).mean()`` per column, starting at
    the first non-NaN value; NaN rows stay NaN and do not update the state."""
    return _ema(_F(x), float(span))


def rolling_arg_extreme_last(x, w, find_max):
    """Position (0 = oldest) of the max/min of the last ``w`` rows, last occurrence on ties."""
    return _rolling_arg_extreme_last(_F(x), int(w), bool(find_max))


def rolling_count_le_last(x, w):
    """Number of rows in the last ``w`` whose value is <= the current row's value."""
    return _rolling_count_le_last(_F(x), int(w))


def ew_beta(r, rm, w, halflife, min_obs):
    """Exponentially weighted regression slope of each column of ``r`` on ``rm`` over ``w``
    rows (weight ``0.5 ** (age / halflife)``); fewer than ``min_obs`` valid rows -> NaN."""
    return _ew_beta(_F(r), np.ascontiguousarray(rm, dtype=np.float64), int(w), float(halflife), int(min_obs))


def ew_sum_lagged(x, w, lag, halflife, min_obs):
    """Exponentially weighted sum over the ``w`` rows ending ``lag`` rows before each row
    (NaN rows count 0; fewer than ``min_obs`` valid rows -> NaN)."""
    return _ew_sum_lagged(_F(x), int(w), int(lag), float(halflife), int(min_obs))


def rolling_avedev(x, w):
    """``AVEDEV(X, w)``: mean absolute deviation from the window mean."""
    return _rolling_avedev(_F(x), int(w))


def rolling_slope(x, w):
    """Least-squares slope of the last ``w`` rows regressed on ``t = 1..w``."""
    return _rolling_slope(_F(x), int(w))


def ew_std(x, w, halflife, min_obs):
    """Exponentially weighted std over ``w`` rows (weight ``0.5 ** (age / halflife)``)."""
    return _ew_std(_F(x), int(w), float(halflife), int(min_obs))


def ew_beta_sigma(r, rm, w, halflife, min_obs):
    """``(beta, residual std)`` of :func:`ew_beta`'s regression (residual std ddof=1)."""
    return _ew_beta_sigma(_F(r), np.ascontiguousarray(rm, dtype=np.float64), int(w), float(halflife),
                          int(min_obs))


#: The row sums of :func:`cs_process`, in the order of its ``orders`` argument: values and
#: squared deviations of the masked row, the same of the clipped row, the weights, the
#: weighted values.
CS_SUMS = ("values", "squares", "clipped values", "clipped squares", "weights", "weighted values")


def _column_major(a) -> bool:
    """Whether numpy copies / reduces the 2-D ``a`` column by column (F-like strides: an
    F-ordered array or a row slice of one), as ``np.array(a, order="K")`` would lay it out."""
    return (a.ndim == 2 and a.shape[0] > 1 and a.shape[1] > 1
            and abs(a.strides[0]) < abs(a.strides[1]))


def cs_process(x, w, mask, k=2.5, orders=None, out_order=None):
    """Cross-sectional §10.1 pipeline of the style factors, row by row, in one compiled pass.

    Parameters
    ----------
    x : ndarray, shape (n_days, n_securities)
        Raw descriptor values.
    w : ndarray, shape (n_days, n_securities)
        Weights of the mean (total market cap); only finite positive ones count.
    mask : ndarray of bool, shape (n_securities,)
        Securities of the cross-section (stocks): the others come out NaN.
    k : float, default 2.5
        Winsorising width in standard deviations.
    orders : sequence of 6 bool, optional
        For each row sum of :data:`CS_SUMS`, True to add left to right (as numpy sums the
        rows of an F-ordered array), False pairwise (:func:`_pairwise_sum`, as numpy sums the
        rows of a C-ordered one).  Default: left to right when ``x`` is laid out column by
        column, pairwise otherwise.
    out_order : {"C", "F"}, optional
        Memory order of the result (default: ``x``'s).

    Returns
    -------
    ndarray of float64, shape (n_days, n_securities)
        Per row: values outside ``mask`` and non-finite values set to NaN, clipped to
        ``mean ± k·std`` (equal-weight, ddof=1, over the row's non-NaN values), then
        ``(x - Σw·x / Σw) / std`` (``w``-weighted mean over the values with a finite positive
        weight, equal-weight std of the clipped row); non-finite results are NaN.

    Notes
    -----
    The arithmetic of ``jqlite.factors.library.style.winsorize_sigma`` followed by
    ``cap_standardize`` (numpy) in one pass per row instead of ~20 array temporaries (~5x
    less CPU).  numpy sums the rows of a C-ordered array pairwise and those of an F-ordered
    one left to right, and picks its temporaries' layouts from the inputs' layouts *and
    shapes*; ``jqlite.factors.library.style.process`` finds those layouts once per shape
    and passes them as ``orders``, which makes the values numpy's bit for bit.
    """
    x = np.asarray(x, dtype=np.float64)
    w = np.asarray(np.broadcast_to(w, x.shape), dtype=np.float64)
    mask = np.ascontiguousarray(np.broadcast_to(mask, x.shape[1:]), dtype=np.bool_)
    if orders is None:
        orders = (_column_major(x),) * 6
    seq = np.array([bool(o) for o in orders], dtype=np.bool_)
    if seq.shape != (6,):
        raise ValueError(f"cs_process: orders needs 6 flags ({', '.join(CS_SUMS)})")
    if out_order is None:
        out_order = "F" if _column_major(x) else "C"
    out = np.empty(x.shape, dtype=np.float64, order=out_order)
    _cs_process(x, w, mask, float(k), seq, out)
    return out


def shift(x, n=1):
    """``REF(X, n)``: the value ``n`` rows earlier (NaN for the first ``n`` rows)."""
    out = np.full_like(x, np.nan)
    if n < x.shape[0]:
        out[n:] = x[:-n] if n > 0 else x
    return out


def safe_div(a, b):
    """``a / b`` with NaN where ``b == 0`` or either side is NaN (no warnings)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.true_divide(a, b)
    out[~np.isfinite(out)] = np.nan
    return out
