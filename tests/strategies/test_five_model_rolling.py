"""The flagship strategy's own tests (strategies/five_model_rolling.py), written with the
jqlite.testing harness against the unchanged JoinQuant file.

Unit tests run on a tiny market: 8 stocks of 399101.XSHE plus ChiNext/STAR/BSE codes, one
ST, one paused, one new listing, 120 trading days from 2024-01-02.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jqlite.testing import assert_not_ordered, assert_ordered, load_strategy

STRATEGY = Path(__file__).resolve().parents[2] / "strategies" / "five_model_rolling.py"
N_DAYS = 120
MAIN = [f"0020{i:02d}.XSHE" for i in range(1, 9)]           # SME board, in 399101.XSHE
OTHER = ["300001.XSHE", "688001.XSHG", "430001.XSHE", "830001.XSHE"]   # ChiNext, STAR, BSE


def _closes(seed: int, start: float) -> list[float]:
    r = np.random.default_rng(seed).normal(0.0005, 0.01, N_DAYS)
    return list(np.round(start * np.cumprod(1 + r), 2))


@pytest.fixture
def market(jq_market):
    bars = {c: _closes(i, 10.0 + i) for i, c in enumerate(MAIN + OTHER)}
    # 002008 lists on day 100 (2024-05-29): fewer than 90 calendar days before 2024-06-20
    bars["002008.XSHE"] = [None] * 100 + bars["002008.XSHE"][100:]
    bars["399101.XSHE"] = _closes(99, 5000.0)              # the benchmark index's own bars
    return jq_market(
        bars, start="2024-01-02",
        st={"002003.XSHE": True},
        paused={"002004.XSHE": ["2024-06-20"]},
        index_members={"399101.XSHE": MAIN + OTHER},
        types={"399101.XSHE": "index"},
    )


def test_filter_drops_chinext_star_bse_st_and_new_listings(market):
    h = load_strategy(STRATEGY, market)
    h.at("2024-06-20 09:00")
    kept = h.call(lambda: h.g.strategy.filter_stocks(MAIN + OTHER, "2024-06-19"))
    # 300/688/430/830 codes go by prefix, 002003 is ST, 002008 listed 2024-05-29 (< 90 days)
    assert kept == ["002001.XSHE", "002002.XSHE", "002004.XSHE", "002005.XSHE",
                    "002006.XSHE", "002007.XSHE"]


def test_stock_list_drops_paused_and_untrained_fallback_takes_first_five(market):
    h = load_strategy(STRATEGY, market)
    h.at("2024-06-20 09:05")
    assert not h.g.strategy.is_trained        # nothing saved in the harness's fresh storage
    h.call("prepare_stock_list")
    # 002004 is suspended that day: dropped; the first five of the rest
    assert h.g.target_list == ["002001.XSHE", "002002.XSHE", "002005.XSHE", "002006.XSHE",
                               "002007.XSHE"]


def test_sells_non_targets_and_buys_targets_with_equal_cash(market):
    h = load_strategy(STRATEGY, market)
    h.at("2024-06-20 09:30", cash=100_000, positions={"002001.XSHE": 1000, "002007.XSHE": 500})
    h.g.target_list = ["002002.XSHE", "002005.XSHE", "002006.XSHE", "002007.XSHE"]
    h.g.day_count = 0
    h.call("trading_logic")
    # 002001 is not a target: sold at the open; 002007 is held and a target: untouched
    sold = assert_ordered(h, "002001.XSHE", side="sell", amount=1000, status="held")
    assert_not_ordered(h, "002007.XSHE")
    cash_after_sell = 100_000 + sold.price * 1000 - sold.commission - round(sold.price * 1000 * 0.001, 2)
    # 5 slots, 1 held target -> 4 slots for the 3 new targets: equal split of available cash
    each = cash_after_sell / 3
    for code in ["002002.XSHE", "002005.XSHE", "002006.XSHE"]:
        o = assert_ordered(h, code, side="buy", status="held")
        # the whole-lot amount closest to `each` yuan at the open, fees within the cash
        assert abs(o.amount * o.price - each) <= 100 * o.price
    assert h.g.day_count == 1


def test_trades_only_on_first_day_and_every_tenth_trading_day(market):
    h = load_strategy(STRATEGY, market)
    h.at("2024-05-06 09:00")
    h.g.strategy.train = lambda end_date: False    # keep the untrained fallback (no models)
    h.run_days("2024-05-06", "2024-06-28")
    order_days = sorted({o.add_time.date() for o in h.all_orders})
    dates = [d.date() for d in market.dates]
    window = [d for d in dates if "2024-05-06" <= str(d) <= "2024-06-28"]
    expected = window[::10]                              # day 0, 10, 20, ... of the run
    assert len(window) == 39 and len(expected) == 4
    # prepare_stock_list logs its target list on rebalance days only
    listed = [line[:10] for line in h.all_log if "目标股票" in line]
    assert listed == [str(d) for d in expected]
    # the untrained fallback keeps the same five names: only the first rebalance trades
    assert order_days == [expected[0]]
    assert h.holdings and len(h.holdings) == 5


def test_dynamic_weights_follow_the_seed_formula_with_penalty(market):
    h = load_strategy(STRATEGY, market)
    h.at("2024-06-20 09:00")
    s = h.MonthlyRolling5ModelStrategy()
    s.rolling_mse_history = {
        "lightgbm": [0.20, 0.21],
        "xgboost": [0.22, 0.22],
        "svr": [0.80, 0.90],          # both > 1.5 x global mean (0.366): penalised
        "random_forest": [0.90, 0.25],  # only the last one is low: not penalised
        "linear": [0.24],
    }
    w = s.calculate_dynamic_weights()
    last = {"lightgbm": 0.21, "xgboost": 0.22, "svr": 0.90, "random_forest": 0.25, "linear": 0.24}
    mean = sum(last.values()) / 5                       # 0.364
    assert 0.90 > 1.5 * mean and 0.80 > 1.5 * mean
    raw = {k: 1.0 / (v + 1e-8) * (0.5 if k == "svr" else 1.0) for k, v in last.items()}
    total = sum(raw.values())
    for k in last:
        assert w[k] == pytest.approx(raw[k] / total, rel=1e-12)
    assert sum(w.values()) == pytest.approx(1.0)
    # by hand: 1/0.21 = 4.7619, 1/0.22 = 4.5455, 0.5/0.90 = 0.5556, 1/0.25 = 4, 1/0.24 = 4.1667
    assert w["lightgbm"] == pytest.approx(4.761905 / 18.029582, rel=1e-5)
    assert w["svr"] == pytest.approx(0.555556 / 18.029582, rel=1e-5)


def test_saved_model_trained_through_today_is_not_loaded(market, tmp_path):
    """Issue 15 item 12: a models.pkl left by a run over later dates (trained through
    2025-11-11) must not be used on 2024-06-20 -- look-ahead through storage."""
    import pickle
    (tmp_path / "five_model_rolling").mkdir()
    state = {"trained_until": "2025-11-11", "models": {"ridge": object()}, "selected_features": ["roe_ttm"],
             "train_rounds": 7}
    (tmp_path / "five_model_rolling" / "models.pkl").write_bytes(pickle.dumps(state))
    h = load_strategy(STRATEGY, market, storage=tmp_path, initialize=False)
    h.at("2024-06-20 00:00")
    h.call("initialize")
    assert h.g.pretrained is False and not h.g.strategy.is_trained
    assert any("2025-11-11" in ln and "未来数据" in ln for ln in h.log)
    # trained through the day before: loaded
    state["trained_until"] = "2024-06-19"
    (tmp_path / "five_model_rolling" / "models.pkl").write_bytes(pickle.dumps(state))
    h = load_strategy(STRATEGY, market, storage=tmp_path, initialize=False)
    h.at("2024-06-20 00:00")
    h.call("initialize")
    assert h.g.pretrained is True and h.g.strategy.trained_until == "2024-06-19"
