"""Seed 002 (AI multi-factor: 1-minute-bar factor proxies, LightGBM + LSTM, walk-forward, judged
by IC / RankIC / top-N hit rate of 10 % gains) as a JoinQuant strategy file and a research script.

* the minute factors against hand-computed numbers on a three-bar day;
* a few weeks of the strategy on the sample market with tiny models (parameters shrunk in a copy
  of the file): two runs with the same seed give the same orders and scores, and the scores
  evaluate to finite IC / RankIC / hit rate / base rate;
* slow: the research script's one-year walk-forward table.
"""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import jqlite

pytest.importorskip("torch")
pytest.importorskip("lightgbm")
ROOT = Path(__file__).resolve().parents[2]
STRATEGY = ROOT / "strategies" / "examples" / "ai_multifactor" / "ai_multifactor.py"
RESEARCH = ROOT / "strategies" / "research" / "ai_multifactor_research.py"
COLS = ["add_time", "security", "is_buy", "amount", "filled", "price", "status"]


def _load(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_minute_factor_proxies_by_hand():
    am = _load(STRATEGY, "ai_multifactor_under_test")
    t = pd.to_datetime(["2023-06-01 14:00", "2023-06-01 14:45", "2023-06-01 15:00"])
    m = pd.DataFrame({"time": t, "code": "000001.XSHE",
                      "open": [10.0, 10.0, 11.0], "close": [10.0, 11.0, 10.5],
                      "high": [10.2, 11.0, 11.0], "low": [9.8, 10.0, 10.5],
                      "volume": [100.0, 200.0, 300.0], "money": [1000.0, 2150.0, 3200.0]})
    f = am.minute_factors(m).loc[(pd.Timestamp("2023-06-01"), "000001.XSHE")]
    r2, r3 = math.log(1.1), math.log(10.5 / 11.0)        # first bar: log(close/open) = 0
    rv2 = r2 ** 2 + r3 ** 2
    assert f["rv_1m"] == pytest.approx(math.sqrt(rv2))
    # bipower: (pi/2) * (|r2||r1| + |r3||r2|) = (pi/2) |r3||r2|
    assert f["jump_share"] == pytest.approx((rv2 - math.pi / 2 * abs(r2 * r3)) / rv2)
    assert f["ofi_proxy"] == pytest.approx((0 * 100 + 200 - 300) / 600)
    assert f["spread_proxy"] == pytest.approx((0.4 / 10.0 + 1.0 / 10.5 + 0.5 / 10.75) / 3)
    assert f["late_vol_share"] == pytest.approx(500 / 600)      # bars after 14:30
    assert f["pm_momentum"] == pytest.approx(10.5 / 10.0 - 1)   # close / 14:00 close
    assert f["vwap_gap"] == pytest.approx(10.5 / (6350 / 600) - 1)


def test_target_is_best_high_within_three_days():
    am = _load(STRATEGY, "ai_multifactor_under_test2")
    idx = list(range(6))
    close = pd.DataFrame({"a": [10, 10, 10, 10, 10, 10.0]}, index=idx)
    high = pd.DataFrame({"a": [10, 10.5, 11.2, 10.1, 10, 10.0]}, index=idx)
    y = am.target(close, high)["a"]
    assert list(y.iloc[:3].round(6)) == [0.12, 0.12, 0.01]
    assert y.iloc[3:].isna().all()                              # fewer than 3 days follow


def _small_copy(tmp_path: Path) -> Path:
    text = STRATEGY.read_text(encoding="utf-8")
    for old, new in [("g.n_stocks = 60", "g.n_stocks = 15"), ("g.train_days = 120", "g.train_days = 30"),
                     ("g.seq_len = 10", "g.seq_len = 5"), ("g.lstm_epochs = 8", "g.lstm_epochs = 2"),
                     ("g.lgb_rounds = 100", "g.lgb_rounds = 10"), ("g.retrain_every = 20", "g.retrain_every = 5")]:
        assert old in text
        text = text.replace(old, new)
    out = tmp_path / "ai_multifactor_small.py"
    out.write_text(text, encoding="utf-8")
    return out


def test_short_run_is_deterministic_and_evaluates(tmp_path):
    from jqlib.evaluation import evaluate_signal
    strategy = _small_copy(tmp_path)
    kw = dict(cash=1_000_000, seed=7, threads=1, storage=tmp_path / "storage")
    r1 = jqlite.run_backtest(strategy, "2023-06-01", "2023-06-16", **kw)
    r2 = jqlite.run_backtest(strategy, "2023-06-01", "2023-06-16", **kw)
    retrains = [line[:10] for line in r1.log if "retrained" in line]
    assert retrains == ["2023-06-01", "2023-06-08", "2023-06-15"]   # every 5 trading days
    assert len(r1.orders) > 0
    pd.testing.assert_frame_equal(r1.orders[COLS].reset_index(drop=True),
                                  r2.orders[COLS].reset_index(drop=True))
    s1, s2 = pd.DataFrame(r1.run.g.scores).T, pd.DataFrame(r2.run.g.scores).T
    pd.testing.assert_frame_equal(s1, s2)
    assert s1.shape == (12, 15) and np.isfinite(s1.values).all()
    # judge the scores with the project's evaluation (prices up to 3 days after the window)
    from jqdata import get_price
    px = get_price(list(s1.columns), start_date="2023-05-31", end_date="2023-06-26",
                   fields=["close", "high"], fq="pre", panel=False)
    close = px.pivot(index="time", columns="code", values="close")
    high = px.pivot(index="time", columns="code", values="high")
    close.index = high.index = [t.date() for t in close.index]
    ev = evaluate_signal(s1, close.reindex(columns=s1.columns), high.reindex(columns=s1.columns),
                         top_n=5, threshold=0.10, horizon=3)
    assert ev["days"] == 12
    for k in ("ic_mean", "rank_ic_mean", "hit_rate", "base_rate"):
        assert math.isfinite(ev[k]), k
    assert -1 <= ev["rank_ic_mean"] <= 1 and 0 <= ev["base_rate"] <= 1


@pytest.mark.slow
def test_research_one_year_table():
    sys.modules.pop("ai_multifactor", None)
    mod = _load(RESEARCH, "ai_multifactor_research_under_test")
    table = mod.main(["--start", "2023-01-03", "--end", "2023-12-29"])
    assert {"lgb", "lstm", "combined", "factor rv_1m"} <= set(table.index)
    assert (table["days"] > 230).all()
    assert np.isfinite(table[["IC", "RankIC", "hit_rate", "base_rate"]].values).all()
