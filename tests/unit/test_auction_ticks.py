"""get_call_auction (synthesised from the daily bar: price = the day's open), minute-bar
ticks (get_current_tick / get_ticks) and the gta database (only its dividend table)."""


import numpy as np
import pandas as pd
import pytest

from jqlite.testing import tiny_store

pytestmark = pytest.mark.filterwarnings("ignore::jqlite.api._gaps.DataGapWarning")


@pytest.fixture
def store(tmp_path):
    return tiny_store(tmp_path / "s", {
        "600000.XSHG": [10.0, 10.5, 11.0, 10.8],
        "600001.XSHG": [20.0, 22.0, 24.2, 24.0],     # day 3 opens at the limit-up price 24.20
        "000300.XSHG": [3000, 3010, 3020, 3030],
    }, types={"000300.XSHG": "index"},
        opens={"600000.XSHG": [9.9, 10.2, 10.6, 11.1], "600001.XSHG": [20.0, 21.5, 24.2, 24.1]},
        volumes={"600000.XSHG": [1e6] * 4, "600001.XSHG": [2e6] * 4},
        paused={"600000.XSHG": [0, 1, 0, 0], "600001.XSHG": [0, 0, 0, 0]})


def test_call_auction_shape_and_values(store):
    from jqlite.api import ticks
    df = _auction(store, ["600000.XSHG", "600001.XSHG"], "2024-01-02", "2024-01-05", None)
    # 600000 is suspended on 01-03: 3 rows; 600001 trades every day: 4 rows
    assert list(df.columns) == ["code"] + ticks.AUCTION_FIELDS
    assert list(df["code"]) == ["600000.XSHG"] * 3 + ["600001.XSHG"] * 4
    assert isinstance(df.index, pd.RangeIndex)
    a = df[df.code == "600000.XSHG"].reset_index(drop=True)
    assert list(a["time"]) == [pd.Timestamp("2024-01-02 09:25"), pd.Timestamp("2024-01-04 09:25"),
                               pd.Timestamp("2024-01-05 09:25")]
    assert list(a["current"]) == [9.9, 10.6, 11.1]            # the day's open
    # volume: whole lots, 0.4 %..3.4 % of the day's 1e6 shares; money = volume * price
    assert ((a["volume"] % 100 == 0) & (a["volume"] >= 4000) & (a["volume"] <= 34000)).all()
    assert np.allclose(a["money"], a["volume"] * a["current"])
    # book: sells 1..5 ticks above, buys at and below the price
    r = a.iloc[0]
    assert [r[f"a{k}_p"] for k in range(1, 6)] == [9.91, 9.92, 9.93, 9.94, 9.95]
    assert [r[f"b{k}_p"] for k in range(1, 6)] == [9.9, 9.89, 9.88, 9.87, 9.86]
    assert all(r[f"{s}{k}_v"] >= 100 and r[f"{s}{k}_v"] % 100 == 0 for s in "ab" for k in range(1, 6))
    # 600001 on 01-04 opens at the limit-up 24.20 (22.00 * 1.1): no sell level above it
    b = df[(df.code == "600001.XSHG") & (df.time == pd.Timestamp("2024-01-04 09:25"))].iloc[0]
    assert b["current"] == 24.2
    assert all(b[f"a{k}_p"] == 0.0 and b[f"a{k}_v"] == 0.0 for k in range(1, 6))
    assert b["b1_p"] == 24.2 and b["b5_p"] == 24.16
    # deterministic: the same call again gives the same frame
    pd.testing.assert_frame_equal(df, _auction(store, ["600000.XSHG", "600001.XSHG"], "2024-01-02", "2024-01-05", None))


def test_call_auction_fields_and_errors(store):
    df = _auction(store, "600000.XSHG", "2024-01-02", "2024-01-02", ["time", "volume", "current"])
    assert list(df.columns) == ["code", "time", "volume", "current"]
    assert df["current"].iloc[0] == 9.9
    empty = _auction(store, "600000.XSHG", "2024-01-03", "2024-01-03", ["current"])
    assert empty.empty and list(empty.columns) == ["code", "current"]
    from jqlite.errors import ParamsError
    with pytest.raises(ParamsError, match="unknown field"):
        _auction(store, "600000.XSHG", "2024-01-02", "2024-01-02", ["bogus"])
    with pytest.raises(ParamsError, match="after end_date"):
        _auction(store, "600000.XSHG", "2024-01-05", "2024-01-02", None)


def _auction(store, *args):
    from jqlite.api import _binding
    from jqlite.api.ticks import get_call_auction
    orig = _binding.active_store
    import jqlite.api.ticks as t
    t._binding.active_store = lambda: store
    try:
        return get_call_auction(*args)
    finally:
        t._binding.active_store = orig


def test_auction_and_ticks_in_a_backtest(store, run_strategy):
    src = """
from jqdata import *
def initialize(context):
    set_option('avoid_future_data', True)
    run_daily(early, '09:20')
    run_daily(late, '14:55')
    g.out = []
def early(context):
    d = context.current_dt.strftime('%Y-%m-%d')
    g.out.append(('early', len(get_call_auction('600000.XSHG', d, d))))
def late(context):
    d = context.current_dt.strftime('%Y-%m-%d')
    a = get_call_auction('600000.XSHG', d, d, fields=['current'])
    t = get_current_tick('600000.XSHG')
    g.out.append(('late', list(a['current']), t.current, str(t.time)))
"""
    from jqlite.data.minute import write_minute_bars
    from jqlite.testing import make_minute_bars
    # 09:31 bar opens 9.90, every bar closes 9.95 except the 14:55 bar (10.05), 1000 shares each
    write_minute_bars(store.path, make_minute_bars("600000.XSHG", "2024-01-02", 9.95, open_=9.9,
                                                   at={"14:55": 10.05}))
    r = run_strategy(store, src, "2024-01-02", "2024-01-02")
    out = r.run.g.out
    # before 09:25 with avoid_future_data the day's auction row is dropped (spec: silently)
    assert out[0] == ("early", 0)
    # at 14:55 the tick is the close of the bar labelled 14:55
    assert out[1] == ("late", [9.9], 10.05, "2024-01-02 14:55:00")
    from jqlite.api.ticks import get_current_tick, get_ticks
    from jqlite.api import _binding
    with _binding.bind(r.run):
        t = get_current_tick("600000.XSHG", dt="2024-01-02 14:55:00")
        # 235 bars ended (09:31..11:30 = 120, 13:01..14:55 = 115) of 1000 shares
        assert (t.volume, t.high, t.low) == (235000.0, 10.05, 9.9)
        assert (t.a1_p, t.b1_p) == (10.06, 10.05)
        ticks = get_ticks("600000.XSHG", end_dt="2024-01-02 09:33:00", count=3, fields=["time", "current"], df=True)
        assert list(ticks["time"]) == [pd.Timestamp("2024-01-02 09:31"), pd.Timestamp("2024-01-02 09:32"),
                                       pd.Timestamp("2024-01-02 09:33")]
        assert list(ticks["current"]) == [9.95, 9.95, 9.95]
        first = get_ticks("600000.XSHG", end_dt="2024-01-02 09:31:00", count=2, fields=["time", "current"], df=True)
        assert list(first["time"]) == [pd.Timestamp("2024-01-02 09:25"), pd.Timestamp("2024-01-02 09:31")]
        assert list(first["current"]) == [9.9, 9.95]      # the auction snapshot (the open) first


def test_gta_serves_only_its_dividend_table():
    import jqdata
    from jqdata import gta
    from jqlite.errors import ParamsError
    with pytest.raises(ParamsError, match="国泰安"):
        gta.STK_MKT_QUOTATION
    with pytest.raises(ParamsError, match="gta.STK_FIN_BALANCE.*serves only STK_MKT_DIVIDENT"):
        gta.STK_FIN_BALANCE
    with pytest.raises(ParamsError, match="expects a query"):
        gta.run_query(None)
    assert gta.STK_MKT_DIVIDENT.DIVIDENTBT is not None
    assert "gta" in jqdata.__all__
