"""End-to-end runs of the unchanged flagship strategy on the bundled sample market.

Default suite: two months (one training at the start, 5 rebalances) three times -- fresh
storage twice with the same seed (identical orders), then the first run's storage again (the
saved models are loaded instead of training).  Marked slow: the issue's full year.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import jqlite

STRATEGY = Path(__file__).resolve().parents[2] / "strategies" / "five_model_rolling.py"
ORDER_COLS = ["add_time", "security", "is_buy", "amount", "filled", "price", "commission", "status"]


def _orders(res) -> pd.DataFrame:
    assert len(res.orders) > 0
    return res.orders[ORDER_COLS].reset_index(drop=True)


def _trained_days(res) -> list[str]:
    return [line[:10] for line in res.log if "训练完成" in line]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    a = tmp_path_factory.mktemp("storage_a")
    b = tmp_path_factory.mktemp("storage_b")
    kw = dict(cash=100000, seed=7, threads=2)
    r1 = jqlite.run_backtest(STRATEGY, "2025-08-01", "2025-09-30", storage=a, **kw)
    r2 = jqlite.run_backtest(STRATEGY, "2025-08-01", "2025-09-30", storage=b, **kw)
    r3 = jqlite.run_backtest(STRATEGY, "2025-08-01", "2025-09-30", storage=a, **kw)
    # run 1 wrote models.pkl at 2025-08-01 09:00 (simulated): a run starting the next trading
    # day may load it; run 3 (initialize at 2025-08-01 00:00) may not -- look-ahead guard
    r4 = jqlite.run_backtest(STRATEGY, "2025-08-04", "2025-09-30", storage=a, **kw)
    return r1, r2, r3, a, r4


def test_trains_on_the_first_day_and_saves_models(runs):
    r1, _, _, storage, _ = runs
    first = str(pd.Timestamp(r1.daily["date"].iloc[0]).date())
    assert _trained_days(r1) == [first]           # 41 trading days < 60: no retrain
    assert (storage / "five_model_rolling" / "models.pkl").stat().st_size > 10_000
    meta = json.loads((storage / "five_model_rolling" / "meta.json").read_text())
    assert meta["train_rounds"] == 1
    assert set(meta["weights"]) == {"lightgbm", "xgboost", "svr", "random_forest", "linear"}
    assert sum(meta["weights"].values()) == pytest.approx(1.0)
    assert 5 <= len(meta["selected_features"]) <= 86


def test_rebalances_every_ten_days_into_five_stocks(runs):
    r1 = runs[0]
    days = list(r1.daily["date"])
    targets = [line[:10] for line in r1.log if "目标股票" in line]
    assert targets == [str(pd.Timestamp(d).date()) for d in days[::10]]
    held = r1.positions
    last = held[held["date"] == held["date"].max()] if "date" in held.columns else held
    assert 3 <= len(last) <= 5          # 5 targets; a limit-up name may be skipped
    assert r1.metrics["total_returns"] > -0.5


def test_same_seed_gives_identical_orders(runs):
    r1, r2 = runs[0], runs[1]
    pd.testing.assert_frame_equal(_orders(r1), _orders(r2))
    assert list(r1.daily["total_value"]) == list(r2.daily["total_value"])


def test_a_model_written_later_in_simulated_time_is_not_loaded(runs):
    r1, _, r3, _, _ = runs
    # models.pkl was written by run 1 at 2025-08-01 09:00; run 3's initialize is at 00:00 that
    # day and the flagship sets avoid_future_data: read_file refuses, the strategy retrains
    assert any("look-ahead through storage" in line for line in r3.log)
    assert not any("已加载模型" in line for line in r3.log)
    assert _trained_days(r3) == ["2025-08-01"]
    # same seed, same data: the retrained models decide exactly as run 1's
    pd.testing.assert_frame_equal(_orders(r1), _orders(r3))


def test_a_later_run_loads_the_saved_models(runs):
    r4 = runs[4]
    assert any("已加载模型 (训练至" in line for line in r4.log)
    assert _trained_days(r4) == []
    assert len(r4.orders) > 0


def test_profile_splits_callbacks_data_factor_and_engine(runs):
    prof = runs[1].profile
    assert {"check_monthly_retraining", "prepare_stock_list", "trading_logic", "(engine)",
            "(load strategy)"} <= set(prof)
    tr = prof["check_monthly_retraining"]
    assert tr["factor"] > 0 and tr["data"] > 0 and tr["other"] > 0
    assert tr["total"] == pytest.approx(tr["data"] + tr["factor"] + tr["other"])
    from jqlite.results import profile_split
    split = profile_split(prof)
    assert split["factor"] == pytest.approx(sum(v["factor"] for v in prof.values()))
    assert split["load"] == prof["(load strategy)"]["total"] and split["engine"] == prof["(engine)"]["total"]
    # the five kinds add up to the run's wall time (engine = wall - load - callbacks)
    assert sum(split.values()) == pytest.approx(runs[1].run.wall_time, rel=1e-6)


@pytest.mark.slow
def test_full_year_trains_retrains_and_rebalances(tmp_path):
    r = jqlite.run_backtest(STRATEGY, "2024-11-15", "2025-11-14", cash=100000, storage=tmp_path,
                            seed=0)
    n = len(r.daily)
    trained = _trained_days(r)
    days = [str(pd.Timestamp(d).date()) for d in r.daily["date"]]
    assert trained == [days[i] for i in range(0, n, 60)]   # first day, then every 60 days
    targets = [line[:10] for line in r.log if "目标股票" in line]
    assert targets == days[::10]
    assert (tmp_path / "five_model_rolling" / "models.pkl").exists()
