"""jqlib.evaluation: forward gains, IC / RankIC and the top-N hit rate on hand-built panels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from jqlib.evaluation import daily_ic, evaluate_signal, forward_return, hit_rate, max_forward_gain

D = pd.bdate_range("2024-01-01", periods=5)
C = ["a", "b", "c", "d"]


def test_max_forward_gain_by_hand():
    close = pd.DataFrame({"a": [10, 10, 10, 10, 10], "b": [10, 11, 9, 12, 10],
                          "c": [10, 10, 10, 10, 10], "d": [10, 10, 10, 10, 10]}, index=D, dtype=float)
    high = close.copy()
    high.loc[D[2], "a"] = 11.5         # a's intraday high on day 2: +15 % from day 0 or 1's close
    g = max_forward_gain(close, high, horizon=2)
    assert g.loc[D[0], "a"] == pytest.approx(0.15) and g.loc[D[1], "a"] == pytest.approx(0.15)
    assert g.loc[D[2], "a"] == pytest.approx(0.0)
    assert g.loc[D[0], "b"] == pytest.approx(0.1)          # max(11, 9) / 10 - 1
    assert g.loc[D[1], "b"] == pytest.approx(12 / 11 - 1)  # max(9, 12) / 11 - 1
    assert g.iloc[-2:].isna().all().all()                  # fewer than 2 days follow
    gc = max_forward_gain(close, horizon=2, use_high=False)
    assert gc.loc[D[0], "a"] == 0.0
    assert forward_return(close, 1).loc[D[0], "b"] == pytest.approx(0.1)


def test_hit_rate_and_base_rate_by_hand():
    score = pd.DataFrame([[4, 3, 2, 1], [1, 2, 3, np.nan]], index=D[:2], columns=C, dtype=float)
    gain = pd.DataFrame([[0.12, 0.01, 0.10, 0.0], [0.2, 0.0, 0.0, 0.3]], index=D[:2], columns=C)
    h = hit_rate(score, gain, top_n=2, threshold=0.10)
    # day 0: picks a, b -> 1 hit of 2; all names: a, c hit -> 2 / 4
    # day 1: d has no score: picks c, b -> 0 hits; base a -> 1 / 3
    assert h["hit_rate"].tolist() == pytest.approx([0.5, 0.0])
    assert h["base_rate"].tolist() == pytest.approx([0.5, 1 / 3])
    assert h["n_names"].tolist() == [4, 3]


def test_ic_matches_scipy():
    rng = np.random.default_rng(2)
    s = pd.DataFrame(rng.normal(size=(6, 15)), index=pd.bdate_range("2024-01-01", periods=6))
    t = pd.DataFrame(rng.normal(size=(6, 15)), index=s.index)
    t.iloc[2, 3] = np.nan
    ric, ic = daily_ic(s, t, "rank"), daily_ic(s, t, "pearson")
    for i in range(6):
        ok = t.iloc[i].notna()
        assert ric.iloc[i] == pytest.approx(stats.spearmanr(s.iloc[i][ok], t.iloc[i][ok])[0])
        assert ic.iloc[i] == pytest.approx(stats.pearsonr(s.iloc[i][ok], t.iloc[i][ok])[0])


def test_evaluate_signal_perfect_foresight_beats_base_rate():
    rng = np.random.default_rng(4)
    idx = pd.bdate_range("2024-01-01", periods=60)
    r = pd.DataFrame(rng.normal(0, 0.05, (60, 50)), index=idx)
    close = 10 * (1 + r).cumprod()
    score = forward_return(close, 1)          # knows tomorrow's return
    ev = evaluate_signal(score, close, top_n=5, threshold=0.05, horizon=1)
    assert ev["rank_ic_mean"] == pytest.approx(1.0) and ev["ic_mean"] == pytest.approx(1.0)
    # the top 5 of 50 by tomorrow's return: every pick that could hit did
    assert ev["hit_rate"] > 0.9 and ev["lift"] > 4
    noise = evaluate_signal(pd.DataFrame(rng.normal(size=close.shape), index=idx), close, top_n=5,
                            threshold=0.05, horizon=1)
    assert abs(noise["rank_ic_mean"]) < 0.05 and noise["lift"] < 2
