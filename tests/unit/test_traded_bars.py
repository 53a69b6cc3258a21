"""get_price(count=n, skip_paused=True) counts *traded* bars, like attribute_history and
history with skip_paused=True: a security suspended for a while or delisted before
end_date answers its last n bars, not an empty frame (corpus file b1b6db6b died on
``get_price(delisted, count=20, skip_paused=True)['money'].idxmax()``)."""

import pandas as pd
import pytest

from jqlite.testing import tiny_store


@pytest.fixture
def store(tmp_path):
    # 2024-01-02 .. 2024-01-11 (8 trading days); 600000 suspended 01-05 .. 01-09;
    # 600002 trades 01-02 .. 01-04 and is delisted after 01-04
    from jqlite.testing.builders import make_bars
    days = pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-01-04"])
    return tiny_store(tmp_path / "s", {
        "600000.XSHG": [10.0, 10.1, 10.2, 10.2, 10.2, 10.2, 10.2, 10.5],
        "600002.XSHG": make_bars("600002.XSHG", [5.0, 5.1, 5.2], days),
    }, paused={"600000.XSHG": [0, 0, 0, 1, 1, 1, 0, 0]}, end_dates={"600002.XSHG": "2024-01-04"})


def _get_price(store, *a, **k):
    import jqlite.api.market as m
    orig = m.active_store
    m.active_store = lambda: store
    try:
        return m.get_price(*a, **k)
    finally:
        m.active_store = orig


def test_count_with_skip_paused_counts_traded_days(store):
    df = _get_price(store, "600000.XSHG", count=4, end_date="2024-01-11", skip_paused=True,
                    fields=["close", "paused"], fq=None)
    # the last 4 days it traded: 01-03, 01-04, 01-10, 01-11 (01-05, 01-08, 01-09 suspended)
    assert [d.strftime("%m-%d") for d in df.index] == ["01-03", "01-04", "01-10", "01-11"]
    assert df["close"].tolist() == [10.1, 10.2, 10.2, 10.5]
    assert (df["paused"] == 0).all()
    # without skip_paused: 4 calendar trading days, suspended ones included
    full = _get_price(store, "600000.XSHG", count=4, end_date="2024-01-11", fields=["paused"], fq=None)
    assert full["paused"].tolist() == [1.0, 1.0, 0.0, 0.0]


def test_delisted_security_answers_its_last_bars(store):
    df = _get_price(store, "600002.XSHG", count=2, end_date="2024-01-11", skip_paused=True,
                    fields=["close", "money"], fq=None)
    assert [d.strftime("%m-%d") for d in df.index] == ["01-03", "01-04"]
    assert df["close"].tolist() == [5.1, 5.2]
    assert isinstance(df["money"].idxmax(), pd.Timestamp)
    # several securities: the long frame, per code its own last traded days
    both = _get_price(store, ["600000.XSHG", "600002.XSHG"], count=2, end_date="2024-01-11",
                      skip_paused=True, fields=["close"], fq=None, panel=False)
    assert both.columns.tolist() == ["time", "code", "close"]
    assert both["code"].tolist() == ["600000.XSHG"] * 2 + ["600002.XSHG"] * 2
    assert both["close"].tolist() == [10.2, 10.5, 5.1, 5.2]


def test_history_skip_paused_pads_short_histories_at_the_front(tmp_path):
    # 600001 lists on the 4th trading day (closes 7, 8 on days 3, 4); 600000 trades every
    # day (closes 1..6) but is suspended on day 4.  On day 5, history(3, skip_paused=True)
    # answers each security's own last 3 traded bars, NaN-padded at the front to 3 values:
    # 600000 -> days 1, 2, 3 (closes 2, 3, 4; day 4 suspended); 600001 -> [nan, 7, 8];
    # 600002 (listing on day 5, today) -> [nan, nan, nan], never an empty array
    # (corpus 55c624be indexes [-1], [-2], [-3] of every stock of get_all_securities()).
    import numpy as np
    from jqlite.testing import run_backtest, tiny_market
    m = tiny_market(tmp_path / "m", {"600000.XSHG": [1.0, 2.0, 3.0, 4.0, 4.0, 6.0],
                                     "600001.XSHG": [None, None, None, 7.0, 8.0, 9.0],
                                     "600002.XSHG": [None] * 5 + [5.0]},
                    paused={"600000.XSHG": [4]})
    day = m.dates[5].strftime("%Y-%m-%d")
    src = ("def initialize(context):\n    run_daily(f, '11:30')\n"
           "def f(context):\n"
           "    codes = ['600000.XSHG', '600001.XSHG', '600002.XSHG']\n"
           "    g.d = history(3, '1d', 'close', codes, df=False, skip_paused=True, fq=None)\n"
           "    g.f = history(3, '1d', 'close', codes, df=True, skip_paused=True, fq=None)\n"
           "    g.kept = [s for s in codes if g.d[s][-1] != 99.0]\n")
    r = run_backtest("pad.py", market=m, source=src, start=day, end=day)
    d = r.run.g.d
    assert d["600000.XSHG"].tolist() == [2.0, 3.0, 4.0]
    assert np.isnan(d["600001.XSHG"][0]) and d["600001.XSHG"][1:].tolist() == [7.0, 8.0]
    assert len(d["600002.XSHG"]) == 3 and np.isnan(d["600002.XSHG"]).all()
    f = r.run.g.f
    assert f.index.tolist() == [0, 1, 2]
    assert f.iloc[-1].tolist()[:2] == [4.0, 8.0] and np.isnan(f.iloc[-1, 2])
    assert r.run.g.kept == ["600000.XSHG", "600001.XSHG", "600002.XSHG"]


def test_several_securities_long_frame_equals_per_security_answers(store):
    # the long frame of several codes is each code's own answer, stacked in the order asked,
    # with a RangeIndex and the dtypes of one-code answers (a code with no traded bar adds
    # no row); a field asked twice stays twice
    codes = ["600002.XSHG", "600000.XSHG"]
    both = _get_price(store, codes, count=3, end_date="2024-01-11", skip_paused=True,
                      fields=["close", "volume", "close"], fq=None, panel=False)
    assert both.columns.tolist() == ["time", "code", "close", "volume", "close"]
    assert isinstance(both.index, pd.RangeIndex) and len(both) == 6
    assert both["code"].tolist() == ["600002.XSHG"] * 3 + ["600000.XSHG"] * 3
    assert both["code"].dtype == object and both["time"].dtype == "datetime64[ns]"
    assert [t.strftime("%m-%d") for t in both["time"]] == ["01-02", "01-03", "01-04",
                                                          "01-04", "01-10", "01-11"]
    assert both.iloc[:, 2].tolist() == [5.0, 5.1, 5.2, 10.2, 10.2, 10.5]
    for c in codes:
        one = _get_price(store, c, count=3, end_date="2024-01-11", skip_paused=True,
                         fields=["volume"], fq=None)
        assert both.loc[both["code"] == c, "volume"].tolist() == one["volume"].tolist()
    # before anything listed: no rows, the same columns
    none = _get_price(store, codes, count=3, end_date="2023-12-29", skip_paused=True,
                      fields=["close"], fq=None, panel=False)
    assert len(none) == 0 and none.columns.tolist() == ["time", "code", "close"]
