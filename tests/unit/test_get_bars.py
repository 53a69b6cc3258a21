"""get_bars with '1d' / '1w' / '1M' units (issue 3 item 4) on a hand-made tiny store.

Stock A: 28 trading days from 2024-01-02 (Tue) to 2024-02-08 (Thu; 02-09..02-16 is the
Spring Festival closure).  Defaults of ``make_bars``: open = previous close (day 0: its
close), high/low = max/min(open, close); volume day i = 1000 (i + 1); day 7 (Thu 01-11) is
suspended (volume 0, no bar).  Closes by week::

    wk1 01-02..05  i 0-3    10.0 10.5  9.8 10.2
    wk2 01-08..12  i 4-8    10.4 11.0 10.6 [10.6 paused] 10.3
    wk3 01-15..19  i 9-13   10.0  9.5  9.9 10.8 11.2
    wk4 01-22..26  i 14-18  11.0 11.5 12.0 11.6 11.8
    wk5 01-29..02-02 i 19-23 12.1 12.3 12.2 | 11.9 12.5   (spans two months)
    wk6 02-05..08  i 24-27  12.4 12.8 13.0 12.6

Hand-computed bars (open = first open, close = last close, high = max high, low = min low,
volume = sum, date = last traded day):

* wk1: 10.0 / 10.5 / 9.8 / 10.2, volume 10,000 (1+2+3+4 thousand), 2024-01-05.
* wk2 (4 traded days): open 10.2 (= wk1's last close), high 11.0, low 10.2, close 10.3,
  volume 5+6+7+9 = 27 thousand, money 5000*10.4 + 6000*11.0 + 7000*10.6 + 9000*10.3 = 284,900.
* wk5: open 11.8, high 12.5, low 11.8, close 12.5, volume 20+...+24 = 110 thousand, 2024-02-02.
* wk6: open 12.5, high 13.0, low 12.4, close 12.6, volume 25+...+28 = 106 thousand; complete
  at the store's end (02-08 after the close): no trading day left in that week.
* January: open 10.0, high 12.3, low 9.5, close 12.2, volume 1000 * (1+...+22) - 8000 =
  245,000, 2024-01-31.  February (incomplete on 02-08): open 12.2, high 13.0, low 11.9,
  close 12.6, volume 1000 * (23+...+28) = 153,000, 2024-02-08.
"""

from __future__ import annotations

import datetime as dt
import pickle

import numpy as np
import pandas as pd
import pytest

import jqlite.api.market as market
from jqlite.errors import FutureDataError, ParamsError, StrategyError
from jqlite.testing.builders import tiny_store

A, B = "600000.XSHG", "000001.XSHE"
CLOSES = [10.0, 10.5, 9.8, 10.2,
          10.4, 11.0, 10.6, 10.6, 10.3,
          10.0, 9.5, 9.9, 10.8, 11.2,
          11.0, 11.5, 12.0, 11.6, 11.8,
          12.1, 12.3, 12.2, 11.9, 12.5,
          12.4, 12.8, 13.0, 12.6]
FIELDS = ["date", "open", "high", "low", "close", "volume", "money"]


@pytest.fixture
def store(tmp_path, monkeypatch):
    paused = [0] * 28
    paused[7] = 1
    st = tiny_store(tmp_path / "s", {A: CLOSES, B: [10.0] * 28},
                    volumes={A: [1000.0 * (i + 1) for i in range(28)]}, paused={A: paused},
                    factor={B: [1.0] * 10 + [2.0] * 18})
    assert st.dates[-1] == pd.Timestamp("2024-02-08")
    monkeypatch.setattr(market, "active_store", lambda: st)
    return st


def rows(arr, fields=("open", "high", "low", "close", "volume")):
    return [tuple(round(float(r[f]), 6) for f in fields) for r in arr]


def test_weekly_bars(store):
    b = market.get_bars(A, 10, unit="1w", fields=FIELDS)
    assert isinstance(b, np.ndarray) and len(b) == 6
    assert list(b["date"]) == [dt.date(2024, 1, 5), dt.date(2024, 1, 12), dt.date(2024, 1, 19),
                               dt.date(2024, 1, 26), dt.date(2024, 2, 2), dt.date(2024, 2, 8)]
    r = rows(b)
    assert r[0] == (10.0, 10.5, 9.8, 10.2, 10000.0)
    assert r[1] == (10.2, 11.0, 10.2, 10.3, 27000.0)
    assert r[4] == (11.8, 12.5, 11.8, 12.5, 110000.0)
    assert r[5] == (12.5, 13.0, 12.4, 12.6, 106000.0)
    assert b["money"][1] == pytest.approx(284900.0)
    # count keeps the last bars; df=True gives an integer-indexed frame with a date column
    d = market.get_bars(A, 2, unit="1w", fields=FIELDS, df=True)
    assert list(d.index) == [0, 1] and list(d["date"]) == [dt.date(2024, 2, 2), dt.date(2024, 2, 8)]


def test_monthly_bars_and_include_now(store):
    m = market.get_bars(A, 5, unit="1M", fields=FIELDS)
    assert list(m["date"]) == [dt.date(2024, 1, 31)]       # February is not over on 02-08
    assert rows(m) == [(10.0, 12.3, 9.5, 12.2, 245000.0)]
    m2 = market.get_bars(A, 5, unit="1M", fields=FIELDS, include_now=True)
    assert list(m2["date"]) == [dt.date(2024, 1, 31), dt.date(2024, 2, 8)]
    assert rows(m2)[1] == (12.2, 13.0, 11.9, 12.6, 153000.0)


def test_end_dt_inside_a_week(store):
    w = market.get_bars(A, 10, unit="1w", fields=FIELDS, end_dt="2024-01-17")
    assert list(w["date"]) == [dt.date(2024, 1, 5), dt.date(2024, 1, 12)]
    w2 = market.get_bars(A, 10, unit="1w", fields=FIELDS, end_dt="2024-01-17", include_now=True)
    assert list(w2["date"])[-1] == dt.date(2024, 1, 17)
    # 01-15..17: opens 10.3 10.0 9.5, closes 10.0 9.5 9.9, volumes 10+11+12 thousand
    assert rows(w2)[-1] == (10.3, 10.3, 9.5, 9.9, 33000.0)
    # Friday before the close: the week is still forming
    w3 = market.get_bars(A, 10, unit="1w", fields=FIELDS, end_dt="2024-01-19 14:00:00")
    assert list(w3["date"])[-1] == dt.date(2024, 1, 12)
    w4 = market.get_bars(A, 10, unit="1w", fields=FIELDS, end_dt="2024-01-19 15:00:00")
    assert list(w4["date"])[-1] == dt.date(2024, 1, 19)


def test_daily_suspended_day_absent_and_several_codes(store):
    d = market.get_bars(A, 3, unit="1d", fields=["date", "close"], end_dt="2024-01-12")
    assert list(d["date"]) == [dt.date(2024, 1, 9), dt.date(2024, 1, 10), dt.date(2024, 1, 12)]
    both = market.get_bars([A, B], 2, unit="1w", fields=["date", "close"], df=True)
    assert list(both.index) == [(A, 0), (A, 1), (B, 0), (B, 1)]


def test_fq_ref_date(store):
    f = ["date", "open", "high", "low", "close", "volume", "factor"]
    raw = market.get_bars(B, 3, unit="1w", fields=f, end_dt="2024-01-19")
    assert rows(raw, ("open", "close", "volume", "factor")) == [
        (10.0, 10.0, 4e6, 1.0), (10.0, 10.0, 5e6, 1.0), (10.0, 10.0, 5e6, 2.0)]
    # forward-adjusted to 2024-02-08 (factor 2): days 0-9 halve, their volume doubles;
    # week 3 = day 9 (factor 1) + days 10-13 (factor 2); factor stays the store's
    pre = market.get_bars(B, 3, unit="1w", fields=f, end_dt="2024-01-19", fq_ref_date="2024-02-08")
    assert rows(pre, ("open", "high", "low", "close", "volume", "factor")) == [
        (5.0, 5.0, 5.0, 5.0, 8e6, 1.0), (5.0, 5.0, 5.0, 5.0, 10e6, 1.0), (5.0, 10.0, 5.0, 10.0, 6e6, 2.0)]
    # a date before the listing: post-adjusted
    post = market.get_bars(B, 1, unit="1d", fields=["close", "volume"], fq_ref_date="2000-01-01")
    assert rows(post, ("close", "volume")) == [(20.0, 5e5)]


def test_minute_and_unknown_units(store):
    for u in ("1m", "5m", "15m", "60m"):
        with pytest.raises(ParamsError, match="minute"):
            market.get_bars(A, 1, unit=u)
    with pytest.raises(ParamsError, match="not supported"):
        market.get_bars(A, 1, unit="2w")
    with pytest.raises(ParamsError, match="high_limit"):
        market.get_bars(A, 1, unit="1w", fields=["date", "high_limit"])
    with pytest.raises(ParamsError, match="count"):
        market.get_bars(A, 0, unit="1d")


STRATEGY = """
import pickle
OUT = {}

def initialize(context):
    set_option('use_real_price', True)
    run_daily(before, time='before_open')
    run_daily(at_open, time='open')
    run_daily(late, time='14:50')
    run_daily(after, time='after_close')

def before(context):
    rec(context, 'before')

def at_open(context):
    rec(context, 'open')

def late(context):
    rec(context, 'late')

def after(context):
    rec(context, 'after')

def rec(context, tag):
    f = ['date', 'open', 'high', 'low', 'close', 'volume']
    key = (str(context.current_dt.date()), tag)
    OUT[key] = {
        'd': get_bars('%(A)s', 2, '1d', f).tolist(),
        'd_now': get_bars('%(A)s', 2, '1d', f, include_now=True).tolist(),
        'w': get_bars('%(A)s', 2, '1w', f).tolist(),
        'w_now': get_bars('%(A)s', 2, '1w', f, include_now=True).tolist(),
    }
    with open(%(path)r, 'wb') as fh:
        pickle.dump(OUT, fh)
"""


def test_backtest_no_look_ahead(store, run_strategy, tmp_path):
    path = str(tmp_path / "bars.pkl")
    run_strategy(store, STRATEGY % {"A": A, "path": path}, "2024-01-18", "2024-01-19")
    with open(path, "rb") as fh:
        out = pickle.load(fh)
    day = dt.date(2024, 1, 19)        # Friday, day 13: open 10.8, close 11.2, volume 14,000
    # daily: today's bar only after the close, or with include_now (snapshot at the open)
    for tag in ("before", "open", "late"):
        assert out[("2024-01-19", tag)]["d"][-1][0] == dt.date(2024, 1, 18)
    assert out[("2024-01-19", "before")]["d_now"][-1][0] == dt.date(2024, 1, 18)
    assert out[("2024-01-19", "open")]["d_now"][-1] == (day, 10.8, 10.8, 10.8, 10.8, 0.0)
    assert out[("2024-01-19", "late")]["d_now"][-1] == (day, 10.8, 11.2, 10.8, 11.2, 14000.0)
    assert out[("2024-01-19", "after")]["d"][-1] == (day, 10.8, 11.2, 10.8, 11.2, 14000.0)
    # weekly: the week of 01-15 is complete only after Friday's close
    for tag in ("before", "open", "late"):
        assert out[("2024-01-19", tag)]["w"][-1][0] == dt.date(2024, 1, 12)
    assert out[("2024-01-19", "after")]["w"][-1] == (day, 10.3, 11.2, 9.5, 11.2, 60000.0)
    # include_now at Thursday's open: 01-15..17 plus the 01-18 opening snapshot (open 9.9)
    assert out[("2024-01-18", "open")]["w_now"][-1] == (dt.date(2024, 1, 18), 10.3, 10.3, 9.5, 9.9, 33000.0)


def test_future_end_dt_in_backtest(store, run_strategy, tmp_path):
    src = """
def initialize(context):
    set_option('avoid_future_data', True)
    run_daily(go, time='open')

def go(context):
    get_bars('%s', 2, '1w', end_dt='2024-01-25')
""" % A
    with pytest.raises(StrategyError, match="FutureDataError") as ei:
        run_strategy(store, src, "2024-01-18", "2024-01-18")
    assert isinstance(ei.value.__cause__, FutureDataError)


def test_get_price_and_history_accept_fq_none_string(store, run_strategy):
    """fq='none' (a string) means unadjusted, as fq=None: jqdatasdk sends fq to the server
    unchecked and public jqdatasdk / strategy code uses fq='none' for raw prices.  B closes
    10.0 every day, factor 1 on days 0-9 and 2 from day 10 (2024-01-16): raw 10.0; pre-adjusted
    to the store end (factor 2) the factor-1 days are 5.0; post-adjusted the factor-2 days 20.0."""
    kw = dict(end_date="2024-01-16", count=2, fields=["close"])
    assert market.get_price(B, fq="none", **kw)["close"].tolist() == [10.0, 10.0]
    assert market.get_price(B, fq=None, **kw)["close"].tolist() == [10.0, 10.0]
    assert market.get_price(B, fq="pre", **kw)["close"].tolist() == [5.0, 10.0]
    assert market.get_price(B, fq="post", **kw)["close"].tolist() == [10.0, 20.0]
    with pytest.raises(ParamsError, match="fq must be"):
        market.get_price(B, fq="qfq", **kw)
    src = """
def initialize(context):
    set_option('use_real_price', True)
    run_daily(f, 'open')
def f(context):
    g.h = history(2, '1d', 'close', ['%s'], fq='none')['%s'].tolist()
""" % (B, B)
    r = run_strategy(store, src, "2024-01-17", "2024-01-17")
    assert r.run.g.h == [10.0, 10.0]      # 01-15 (factor 1) and 01-16 (factor 2), raw


def test_empty_code_list(store):
    """get_bars([]): no rows -- {} (df=False) or an empty frame with the (code, i) index and
    the asked fields (df=True), so ``reset_index()`` gives level_0 / level_1 as for codes."""
    assert market.get_bars([], 2, unit="1d", fields=["date", "close"]) == {}
    d = market.get_bars([], 2, unit="1w", fields=["date", "close"], df=True)
    assert d.empty and list(d.columns) == ["date", "close"] and d.index.nlevels == 2
    assert list(d.reset_index().columns) == ["level_0", "level_1", "date", "close"]
