"""Seed 003 (GRU sector-ETF rotation, max-Sharpe weights, timing) as a JoinQuant file: runs on
the sample market with PyTorch, and the run seed makes PyTorch's training reproducible."""

from pathlib import Path

import pandas as pd
import pytest

import jqlite

pytest.importorskip("torch")
STRATEGY = Path(__file__).resolve().parents[2] / "strategies" / "examples" / "gru_etf_rotation.py"
COLS = ["add_time", "security", "is_buy", "amount", "filled", "price", "status"]


def test_gru_rotation_trades_within_limits_and_is_reproducible():
    kw = dict(cash=1_000_000, seed=11, threads=1)
    r1 = jqlite.run_backtest(STRATEGY, "2023-05-04", "2023-06-30", **kw)
    r2 = jqlite.run_backtest(STRATEGY, "2023-05-04", "2023-06-30", **kw)
    # two monthly rebalances (first trading days of May and June)
    assert [line[:10] for line in r1.log if "预测" in line] == ["2023-05-04", "2023-06-01"]
    w = r1.run.g.weights
    exposure = sum(w.values())
    assert 0.2 - 1e-9 <= exposure <= 1.0 + 1e-9
    assert all(0 <= v <= 0.4 * exposure + 1e-9 for v in w.values())   # per-ETF cap
    assert all(r1.run.g.pred[c] > 0 for c in w)                       # only positive predictions
    assert len(r1.orders) > 0
    # same seed and threads: PyTorch's initial weights and batch order repeat -> same orders
    pd.testing.assert_frame_equal(r1.orders[COLS].reset_index(drop=True),
                                  r2.orders[COLS].reset_index(drop=True))
    assert r1.run.g.pred == r2.run.g.pred


def test_max_sharpe_uses_jqlib_portfolio_and_matches_slsqp():
    import importlib.util

    import numpy as np
    spec = importlib.util.spec_from_file_location("gru_etf_rotation_under_test", STRATEGY)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    assert mod.max_sharpe_weights is not None               # jqlite: jqlib.portfolio is there
    rng = np.random.RandomState(5)
    # 5 ETFs, 120 days: different means / volatilities, some correlation
    common = rng.normal(0, 0.008, 120)
    rets = pd.DataFrame({f"e{i}": 0.0004 * (i + 1) + common * (0.5 + 0.2 * i) + rng.normal(0, 0.01 * (1 + i % 3), 120)
                         for i in range(5)})
    w = mod.max_sharpe(rets, 0.4)
    ref = mod.max_sharpe_slsqp(rets.mean().values, rets.cov().values, 0.4)
    assert w.sum() == pytest.approx(1.0) and (w >= -1e-9).all() and (w <= 0.4 + 1e-6).all()
    np.testing.assert_allclose(w, ref, atol=2e-3)             # the same optimum
    mu, cov = rets.mean().values, rets.cov().values

    def sharpe(x):
        return x @ mu / np.sqrt(x @ cov @ x)
    assert sharpe(w) >= sharpe(ref) - 1e-9                  # convex solve: never worse
    # no positive mean: the homogenised problem has no solution; the SLSQP search decides
    w2 = mod.max_sharpe(rets - 0.01, 0.4)
    assert w2.sum() == pytest.approx(1.0)
