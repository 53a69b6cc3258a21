"""Property test: the sample market's synthetic minute bars agree with its daily bars for
every security on hypothesis-sampled days (rules in jqlite.data.minute.synth_minute_days)."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as hs

from jqlite.data.minute import BARS_PER_DAY, LABEL_MINUTES, synth_minute_days


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    from jqlite.data.sample import generate_sample_market
    from jqlite.data.store import Store
    p = tmp_path_factory.mktemp("msample") / "store"
    generate_sample_market(p, n_stocks=20, start="2023-06-01", end="2023-07-31")
    return Store(p)


def _check_day(st, mb, j, i):
    f = {k: float(st.field(k)[i, j]) for k in ("open", "high", "low", "close", "volume", "money",
                                               "high_limit", "low_limit", "paused")}
    code = st.codes[j]
    bars = mb.day(j, i)
    if code.endswith(".OF"):            # open-end funds: daily NAV only, no minute bars
        assert bars is None, f"{code}: an open-end fund has minute bars"
        return
    if f["paused"] == 1 or f["close"] != f["close"]:
        assert bars is None, f"{code} {st.dates[i].date()}: suspended / unlisted day has minute bars"
        return
    assert bars is not None
    o, c, h, lo, v, m = (np.asarray(bars[k]) for k in ("open", "close", "high", "low", "volume", "money"))
    where = f"{code} {st.dates[i].date()}"
    assert len(c) == BARS_PER_DAY
    assert o[0] == f["open"] and c[-1] == f["close"], where
    assert h.max() == f["high"] and lo.min() == f["low"], where
    assert (lo <= np.minimum(o, c)).all() and (h >= np.maximum(o, c)).all(), where
    assert (lo >= f["low"]).all() and (h <= f["high"]).all(), where
    assert (o[1:] == c[:-1]).all(), where
    tick = 0.01 if st.securities["type"].iloc[j] in ("stock", "index") else 0.001
    for a in (o, c, h, lo):
        assert np.allclose(np.round(a / tick), a / tick, atol=1e-6), where
    assert v.sum() == f["volume"], where
    if f["volume"] % 100 == 0:
        assert (v % 100 == 0).all(), where
    if st.securities["type"].iloc[j] != "index":
        traded = v > 0
        vw = m[traded] / v[traded]
        assert (vw >= lo[traded] - 1e-9).all() and (vw <= h[traded] + 1e-9).all(), where
        # the daily money is matched exactly whenever the bars' [low, high] ranges can hold
        # it; otherwise the total is the nearest achievable one (every bar at its low, or at
        # its high) -- a volume profile heavy where the path is high cannot reach a low vwap
        reach = np.clip(f["money"], (v * lo).sum(), (v * h).sum())
        assert abs(m.sum() - reach) <= 1e-6 * f["money"], where
    if f["high"] == f["low"]:
        assert (c == f["close"]).all() and (h == f["close"]).all(), where
    elif f["high_limit"] == f["high_limit"] and f["close"] >= f["high_limit"] - 1e-9:
        k = int(np.argmax(c >= f["high_limit"] - 1e-9))
        assert (c[k:] == f["high_limit"]).all() and (lo[k + 1:] == f["high_limit"]).all(), where
    elif f["low_limit"] == f["low_limit"] and f["close"] <= f["low_limit"] + 1e-9:
        k = int(np.argmax(c <= f["low_limit"] + 1e-9))
        assert (c[k:] == f["low_limit"]).all() and (h[k + 1:] == f["low_limit"]).all(), where


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(day=hs.integers(min_value=0, max_value=10_000))
def test_minute_bars_match_the_daily_bar_for_every_security(small_sample, day):
    st = small_sample
    mb = st.minute_bars()
    assert mb is not None and mb.synthetic
    i = day % st.n_days
    for j in range(st.n_securities):
        _check_day(st, mb, j, i)


def test_limit_days_and_one_price_days_are_covered(small_sample):
    """Every limit-up / limit-down close and one-price day of the store passes the rules (the
    sampled test may miss them)."""
    st = small_sample
    mb = st.minute_bars()
    c, hl, ll = st.field("close"), st.field("high_limit"), st.field("low_limit")
    h, lo = st.field("high"), st.field("low")
    with np.errstate(invalid="ignore"):
        special = (c >= hl - 1e-9) | (c <= ll + 1e-9) | ((h == lo) & (st.field("volume") > 0))
    cells = np.argwhere(special)
    assert len(cells) > 0
    for i, j in cells:
        _check_day(st, mb, int(j), int(i))


def test_synthesis_is_deterministic_per_security_and_day():
    days = np.array(["2024-03-04", "2024-03-05"], dtype="datetime64[D]")
    bars = {"open": [10.0, 10.5], "high": [10.6, 11.0], "low": [9.9, 10.4], "close": [10.5, 11.0],
            "volume": [123400.0, 5600.0], "money": [1.27e6, 6.1e4], "high_limit": [11.0, 11.55],
            "low_limit": [9.0, 9.45]}
    a = synth_minute_days("600000.XSHG", days, bars, seed=1, tick=0.01)
    b = synth_minute_days("600000.XSHG", days[1:], {k: v[1:] for k, v in bars.items()}, seed=1, tick=0.01)
    assert np.array_equal(a[1], b[0])                      # a day does not depend on its neighbours
    c = synth_minute_days("600001.XSHG", days, bars, seed=1, tick=0.01)
    assert not np.array_equal(a[0], c[0])
    assert len(LABEL_MINUTES) == 240
