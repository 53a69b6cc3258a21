"""Every fill of a momentum run over the sample market obeys JoinQuant's rules: lots, T+1,
price limits, suspensions, the volume cap and the fee formula (spec §4-5)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import jqlite

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    from jqlite.data.sample import generate_sample_market
    from jqlite.data.store import Store
    p = tmp_path_factory.mktemp("sample") / "store"
    generate_sample_market(p, n_stocks=800, start="2018-01-02", end="2019-12-31")
    return Store(p)


def test_every_fill_obeys_the_rules(sample_store, tmp_path):
    st = sample_store
    res = jqlite.run_backtest(ROOT / "strategies" / "examples" / "momentum_rotation.py", "2018-03-01",
                              "2019-06-28", 1_000_000, store=st, storage=tmp_path)
    tr = res.trades
    assert len(tr) > 100
    close, hl, ll = st.field("close"), st.field("high_limit"), st.field("low_limit")
    opn, paused, vol = st.field("open"), st.field("paused"), st.field("volume")
    held: dict[str, int] = {}
    prev_day = None
    prev_i = st.day_index("2018-03-01")
    closeable: dict[str, int] = {}
    events = st.xrxd_by_day()
    for t in tr.itertuples():
        day = pd.Timestamp(t.time).normalize()
        i, j = st.day_index(day), st.col(t.security)
        if day != prev_day:
            for k in range(prev_i + 1, i + 1):   # bonus shares on ex-dates (real-price mode)
                for code, _bonus, scale in events.get(k, []):
                    if held.get(code):
                        held[code] = int(np.floor(held[code] * scale + 1e-9))
            closeable = dict(held)          # T+1: yesterday's holdings are sellable today
            prev_day, prev_i = day, i
        assert paused[i, j] == 0                                   # never trades a suspended stock
        assert t.amount <= vol[i, j]                               # volume cap (ratio 1.0)
        slip = opn[i, j] * 0.002 / 2                               # PriceRelatedSlippage(0.002)
        if t.is_buy:
            assert t.amount % 100 == 0                             # whole lots
            assert t.price == pytest.approx(opn[i, j] + slip)      # 09:30 fill at the open
            assert t.price < hl[i, j]                              # never buys at limit-up
            fee = max(round(t.amount * t.price * 0.0003 + 1e-9, 2), 5.0)
            assert t.commission == pytest.approx(fee) and t.tax == 0
            held[t.security] = held.get(t.security, 0) + t.amount
        else:
            assert t.amount <= closeable.get(t.security, 0)        # T+1
            assert t.amount % 100 == 0 or t.amount == held[t.security]
            assert t.price == pytest.approx(opn[i, j] - slip)
            assert t.price > ll[i, j]                              # never sells at limit-down
            assert t.tax == pytest.approx(round(t.amount * t.price * 0.001 + 1e-9, 2))
            held[t.security] -= t.amount
            closeable[t.security] -= t.amount
    # final holdings agree with the broker's
    final = {k: v for k, v in held.items() if v}
    assert final == {k: p.total_amount for k, p in res.run.portfolio.positions.items()}
