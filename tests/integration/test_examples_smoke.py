"""Every example strategy (plain JoinQuant files under strategies/) runs a short backtest on the
sample market and trades.  Part of the ``smoke`` subset that .ci/run also runs on Python 3.12
and 3.13.  The GRU example (torch, the dl extra: Python 3.11 only) has its own test,
tests/strategies/test_gru_etf_rotation.py."""

from __future__ import annotations

from pathlib import Path

import pytest

import jqlite

pytestmark = pytest.mark.smoke

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = {
    # file: (start, end) -- windows long enough for each file's first rebalance
    "examples/momentum_rotation.py": ("2024-01-02", "2024-02-29"),
    "examples/etf_rotation.py": ("2024-01-02", "2024-02-29"),
    "examples/ma_timing.py": ("2024-01-02", "2024-03-29"),
    "examples/small_cap_roe.py": ("2024-01-02", "2024-02-29"),
    "five_model_rolling.py": ("2024-11-15", "2024-11-29"),
    "examples/etf_grid_intraday.py": ("2024-01-02", "2024-01-31"),
    "examples/alpha_long_short.py": ("2023-03-01", "2023-03-17"),
}
FREQUENCY = {"examples/etf_grid_intraday.py": "minute"}   # default: daily


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_runs_and_trades(name, tmp_path):
    start, end = EXAMPLES[name]
    res = jqlite.run_backtest(ROOT / "strategies" / name, start, end, 1_000_000,
                              storage=tmp_path / "storage", frequency=FREQUENCY.get(name, "day"))
    assert res.error is None, res.error
    assert len(res.daily) > 10
    # every example places at least one filled order in its window
    assert len(res.trades) > 0, res.log[-20:]
    # accounting identity on the last day: total = cash + positions (yuan, to the cent)
    last = res.daily.iloc[-1]
    assert abs(last.total_value - last.available_cash - last.positions_value) < 0.01
