"""The intraday ETF grid example in minute frequency: every fill is checked by hand against
the minute bar it was priced from (close of the bar labelled with the order time ± half the
fixed slippage), and the gold ETF's T+0 lets lots bought today be sold today."""

from pathlib import Path

import pandas as pd
import pytest

import jqlite
from jqlite.data.minute import slot_of

EXAMPLE = Path(__file__).resolve().parents[2] / "strategies" / "examples" / "etf_grid_intraday.py"


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    from jqlite.data.sample import generate_sample_market
    from jqlite.data.store import Store
    p = tmp_path_factory.mktemp("gsample") / "store"
    generate_sample_market(p, n_stocks=20, start="2023-05-04", end="2023-06-30")
    return Store(p)


def test_grid_fills_match_the_minute_bars(small_sample, tmp_path):
    st = small_sample
    res = jqlite.run_backtest(EXAMPLE, "2023-06-01", "2023-06-30", 100_000, store=st, storage=tmp_path,
                              frequency="minute")
    tr = res.trades
    assert len(tr) >= 4
    mb = st.minute_bars()
    j = st.col("518880.XSHG")
    for t in tr.itertuples():
        ts = pd.Timestamp(t.time)
        i = st.day_index(ts)
        s = slot_of(ts.time())
        # by hand: the bar labelled HH:MM ended at HH:MM:00; its close is the latest price
        base = float(st.field("open")[i, j]) if s < 0 else float(mb.day(j, i)["close"][s])
        expect = base + (0.001 if t.is_buy else -0.001)
        assert t.price == pytest.approx(expect, abs=1e-9), (ts, t.price, expect)
        assert t.amount == 2000
    # T+0: some day both buys and sells the ETF, and a same-day sell never exceeds holdings
    days = pd.to_datetime(tr.time).dt.date
    both = [d for d, g in tr.groupby(days) if g.is_buy.any() and (~g.is_buy).any()]
    assert both, "the gold ETF should be bought and sold on the same day at least once"
    held = 0
    for t in tr.sort_values("trade_id").itertuples():
        held += t.amount if t.is_buy else -t.amount
        assert 0 <= held <= 16000
    pos = res.positions
    last = pos[pos.date == pos.date.max()]
    assert int(last.total_amount.sum()) == held
