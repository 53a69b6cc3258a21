"""jqlib.portfolio: power rank, cvxpy long-short neutral weights, min-variance and max-Sharpe
with caps, checked against hand-solved small problems."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("cvxpy", reason="cvxpy is in the jq extra (pip install -e '.[jq]')")

from jqlib.portfolio import (PortfolioError, long_short_weights, max_sharpe_weights, min_variance_weights,
                             neutral_inputs, power_rank)


def test_power_rank_by_hand():
    a = pd.Series({"a": 10.0, "b": -3.0, "c": 0.5, "d": 2.0, "e": np.nan})
    # ranks b<c<d<a over n=4 -> u = 2 (r - .5) / 4 - 1 = -.75, -.25, .25, .75
    assert power_rank(a, 1).drop("e").to_dict() == pytest.approx({"a": 0.75, "b": -0.75, "c": -0.25, "d": 0.25})
    assert power_rank(a, 2).drop("e").to_dict() == pytest.approx({"a": 0.5625, "b": -0.5625, "c": -0.0625,
                                                                 "d": 0.0625})
    assert np.isnan(power_rank(a, 2)["e"])
    # a skewed signal becomes symmetric: same output for alpha and any monotone transform of it
    assert power_rank(np.exp(a), 3).equals(power_rank(a, 3))
    with pytest.raises(PortfolioError):
        power_rank(a, 0)


def test_long_short_industry_neutral_by_hand():
    alpha = pd.Series({"a": 4.0, "b": 3.0, "c": 2.0, "d": 1.0})
    ind = {"a": "X", "c": "X", "b": "Y", "d": "Y"}
    # targets .75, .25, -.25, -.75; industry-neutral: w_c = -w_a, w_d = -w_b, w_a + w_b = 1;
    # the squared distance 2 (w_a - .75)^2 + 2 (w_a - .25)^2 is smallest at w_a = .5
    w = long_short_weights(alpha, industry=ind, power=1.0)
    assert w.to_dict() == pytest.approx({"a": 0.5, "b": 0.5, "c": -0.5, "d": -0.5}, abs=1e-6)
    raw = long_short_weights(alpha, power=1.0, neutral=False)
    assert raw.to_dict() == pytest.approx({"a": 0.75, "b": 0.25, "c": -0.25, "d": -0.75})


def test_long_short_constraints_hold_on_random_book():
    rng = np.random.default_rng(0)
    codes = [f"s{i:02d}" for i in range(60)]
    alpha = pd.Series(rng.standard_t(3, 60), index=codes)      # fat-tailed
    alpha.iloc[5] = np.nan
    ind = pd.Series([f"i{i % 5}" for i in range(60)], index=codes)
    size = pd.Series(rng.normal(size=60), index=codes)
    w = long_short_weights(alpha, industry=ind, size=size, power=2.0, max_weight=0.08)
    assert w.iloc[5] == 0.0
    assert w.sum() == pytest.approx(0.0, abs=1e-6)
    assert w.abs().sum() == pytest.approx(2.0, abs=1e-5)
    assert w.abs().max() <= 0.08 + 1e-6
    assert w.groupby(ind).sum().abs().max() < 1e-6
    zs = (size - size[w.index != "s05"].mean())
    assert abs((w * size).sum() - (w * zs).sum()) < 1e-6   # dollar neutral: shift-invariant
    assert abs((w * size).sum()) < 1e-5
    # longs are the top half of the alpha
    top = alpha.drop("s05").sort_values(ascending=False).index[:30]
    assert (w[top] >= 0).all() and (w.drop(top).drop("s05") <= 0).all()
    with pytest.raises(PortfolioError, match="no solution"):
        long_short_weights(alpha, industry=ind, max_weight=0.01)


def test_min_variance_and_max_sharpe_by_hand():
    cov = pd.DataFrame(np.diag([1.0, 4.0]), index=["x", "y"], columns=["x", "y"])
    # w proportional to 1 / variance: 4/5, 1/5
    assert min_variance_weights(cov).to_dict() == pytest.approx({"x": 0.8, "y": 0.2}, abs=1e-6)
    assert min_variance_weights(cov, max_weight=0.7).to_dict() == pytest.approx({"x": 0.7, "y": 0.3}, abs=1e-6)
    cov2 = pd.DataFrame(np.diag([0.04, 0.01, 0.02]), index=list("abc"), columns=list("abc"))
    mu = pd.Series({"a": 0.10, "b": 0.05, "c": -0.01})
    # tangency: inverse(cov) mu = (2.5, 5, -) on the assets with mu > 0: 1/3, 2/3, 0
    assert max_sharpe_weights(mu, cov2).to_dict() == pytest.approx({"a": 1 / 3, "b": 2 / 3, "c": 0.0}, abs=1e-5)
    # capped at 0.6, b is held at the cap; a gets 0.4 minus a sliver moved into c: c lowers the
    # variance (uncorrelated) more than its -1 % costs.  Sharpe at c = 0 is exactly 0.7
    w = max_sharpe_weights(mu, cov2, max_weight=0.6)
    assert w["b"] == pytest.approx(0.6, abs=1e-6) and 0 < w["c"] < 0.02
    sharpe = (w @ mu) / np.sqrt(w @ cov2 @ w)
    assert sharpe > 0.7
    for c in np.linspace(0, 0.03, 31):    # no feasible point with b at the cap does better
        v = pd.Series({"a": 0.4 - c, "b": 0.6, "c": c})
        assert (v @ mu) / np.sqrt(v @ cov2 @ v) <= sharpe + 1e-9
    two = max_sharpe_weights(mu[["a", "b"]], cov2.loc[["a", "b"], ["a", "b"]], max_weight=0.6)
    assert two.to_dict() == pytest.approx({"a": 0.4, "b": 0.6}, abs=1e-6)
    with pytest.raises(PortfolioError, match="above the risk-free"):
        max_sharpe_weights(-mu.abs(), cov2)
    with pytest.raises(PortfolioError, match="cannot sum to 1"):
        min_variance_weights(cov, max_weight=0.4)


def test_neutral_inputs_on_sample_store():
    from jqlite.data import ensure_default_store

    ensure_default_store(progress=False)
    ind, size = neutral_inputs(["000001.XSHE", "000002.XSHE"], date="2023-06-30")
    assert ind.to_dict() == {"000001.XSHE": "801780", "000002.XSHE": "801180"}
    assert size.notna().all() and size.index.tolist() == ["000001.XSHE", "000002.XSHE"]
