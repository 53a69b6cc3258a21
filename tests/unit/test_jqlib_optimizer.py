"""jqlib.optimizer against closed forms computed by hand from the stored closes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jqlite.testing import tiny_store

A, B, C = "600000.XSHG", "000001.XSHE", "510300.XSHG"
N = 60


def _closes(seed, vol, drift):
    rng = np.random.default_rng(seed)
    c = [10.0]
    for _ in range(N - 1):
        c.append(round(c[-1] * (1 + drift + vol * rng.standard_normal()), 2))
    return c


CL = {A: _closes(1, 0.02, 0.002), B: _closes(2, 0.01, 0.0), C: _closes(3, 0.015, 0.001)}


@pytest.fixture
def opt(tmp_path, monkeypatch):
    path = tmp_path / "s"
    store = tiny_store(path, CL, start="2024-01-02", types={C: "etf"})
    monkeypatch.setenv("JQLITE_DATA", str(path))
    from jqlib import optimizer as mod
    mod._days = list(store.dates)
    return mod


def _rets(codes, upto=N, count=250):
    m = np.array([CL[c][:upto] for c in codes], dtype=float).T
    r = m[1:] / m[:-1] - 1
    return r[-count:]


def test_two_asset_min_variance_closed_form(opt):
    day = opt._days[-1]
    w = opt.portfolio_optimizer(day, [A, B], opt.MinVariance(count=40),
                                constraints=[opt.WeightEqualConstraint(1.0)], bounds=[])
    r = _rets([A, B], count=40)
    cov = np.cov(r.T, ddof=1)
    w_a = (cov[1, 1] - cov[0, 1]) / (cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    assert list(w.index) == [A, B]
    assert w[A] == pytest.approx(w_a, abs=1e-4)
    assert w[B] == pytest.approx(1 - w_a, abs=1e-4)
    assert w.sum() == pytest.approx(1.0, abs=1e-8)


def test_no_look_ahead_uses_bars_up_to_date(opt):
    day = opt._days[30]
    w = opt.portfolio_optimizer(day, [A, B], opt.MinVariance(count=20),
                                constraints=[opt.WeightEqualConstraint(1.0)])
    r = _rets([A, B], upto=31, count=20)
    cov = np.cov(r.T, ddof=1)
    w_a = (cov[1, 1] - cov[0, 1]) / (cov[0, 0] + cov[1, 1] - 2 * cov[0, 1])
    assert w[A] == pytest.approx(w_a, abs=1e-4)


def test_max_profit_hits_the_bounds(opt):
    day = opt._days[-1]
    mu = _rets([A, B, C], count=50).mean(axis=0)
    w = opt.portfolio_optimizer(day, [A, B, C], opt.MaxProfit(count=50),
                                constraints=[opt.WeightEqualConstraint(1.0)], bounds=[opt.Bound(0.0, 0.5)])
    order = np.argsort(-mu)
    # linear objective: the best asset at its cap (0.5), the second at 0.5, the last at 0
    assert w.iloc[order[0]] == pytest.approx(0.5, abs=1e-6)
    assert w.iloc[order[1]] == pytest.approx(0.5, abs=1e-6)
    assert w.iloc[order[2]] == pytest.approx(0.0, abs=1e-6)


def test_default_weight_range_and_max_score(opt):
    day = opt._days[-1]
    w = opt.portfolio_optimizer(day, [A, B, C], opt.MaxScore({A: 1.0, B: 3.0, C: 2.0}),
                                constraints=[], bounds=[opt.Bound(0, 0.4)],
                                default_port_weight_range=[0.0, 0.9])
    assert w[B] == pytest.approx(0.4, abs=1e-6) and w[C] == pytest.approx(0.4, abs=1e-6)
    assert w[A] == pytest.approx(0.1, abs=1e-6)


def test_market_constraint_and_risk_parity(opt):
    day = opt._days[-1]
    w = opt.portfolio_optimizer(day, [A, B, C], opt.RiskParity(count=50),
                                constraints=[opt.WeightEqualConstraint(1.0),
                                             opt.MarketConstraint("etf", 0.0, 0.1)])
    assert w[C] <= 0.1 + 1e-6
    # risk parity between A and B when C is capped: equal risk shares of A and B
    w2 = opt.portfolio_optimizer(day, [A, B], opt.RiskParity(count=50),
                                 constraints=[opt.WeightEqualConstraint(1.0)])
    cov = np.cov(_rets([A, B], count=50).T, ddof=1)
    x = w2.to_numpy()
    rc = x * (cov @ x)
    assert rc[0] == pytest.approx(rc[1], rel=1e-3)
    assert w.sum() == pytest.approx(1.0, abs=1e-8)


def test_infeasible_returns_none_or_raises(opt):
    day = opt._days[-1]
    kw = dict(constraints=[opt.WeightEqualConstraint(1.0), opt.AnnualProfitConstraint(limit=50.0, count=50)])
    assert opt.portfolio_optimizer(day, [A, B], opt.MinVariance(count=50), **kw) is None
    with pytest.raises(opt.OptimizationError, match="failed"):
        opt.portfolio_optimizer(day, [A, B], opt.MinVariance(count=50), return_none_if_fail=False, **kw)


def test_annual_profit_constraint_binds(opt):
    day = opt._days[-1]
    mu = _rets([A, B], count=50).mean(axis=0) * 250
    lim = float(0.5 * mu[0] + 0.5 * mu[1]) if mu[0] > mu[1] else float(mu[1])
    w = opt.portfolio_optimizer(day, [A, B], opt.MinVariance(count=50),
                                constraints=[opt.WeightConstraint(0.9, 1.0),
                                             opt.AnnualProfitConstraint(limit=lim, count=50)])
    assert w is not None
    assert float(w.to_numpy() @ mu) >= lim - 1e-6
    assert 0.9 - 1e-8 <= w.sum() <= 1.0 + 1e-8


def test_in_a_backtest_like_the_corpus_files(tmp_path, run_strategy):
    store = tiny_store(tmp_path / "s2", CL, start="2024-01-02", types={C: "etf"})
    days = list(store.dates)
    res = run_strategy(store, """
        from jqlib.optimizer import *
        def initialize(context):
            g.w = []
            run_daily(trade, 'open')
        def trade(context):
            w = portfolio_optimizer(date=context.previous_date, securities=['600000.XSHG', '000001.XSHE'],
                                    target=MinVariance(count=30),
                                    constraints=[WeightConstraint(low=0.9, high=1.0)],
                                    bounds=[], default_port_weight_range=[0., 1.0], ftol=1e-09,
                                    return_none_if_fail=True)
            g.w.append(None if w is None else round(float(w.sum()), 6))
            if w is not None:
                for s in w.index:
                    order_target_value(s, context.portfolio.total_value * w[s])
    """, days[40], days[45], cash=1e6)
    assert len(res.orders) > 0  # the optimiser's weights were ordered
