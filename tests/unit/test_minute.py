"""Minute bars: intraday prices, per-minute limit matching, minute-unit history, minute
frequency -- each against hand-written minute paths in tiny stores (spec
jq_trading_semantics §2.4, §4.1, §4.4; jq_data_api §3.2)."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from jqlite.data.minute import LABEL_MINUTES, slot_of, write_minute_bars
from jqlite.errors import ConfigError, DataError
from jqlite.testing import make_minute_bars, tiny_store

COSTS = """
        set_order_cost(OrderCost(open_tax=0, close_tax=0.001, open_commission=0.0003,
                       close_commission=0.0003, close_today_commission=0, min_commission=5), type='stock')
"""
D1, D2, D3 = "2024-01-02", "2024-01-03", "2024-01-04"


def _day2_path():
    """600000 on 2024-01-03: flat 10.20, 09:55..10:00 closes 10.01..10.06, 14:49 10.30,
    14:50 10.40; 10:01-10:03 dip to 10.10 / 10.12 / 10.14 with volumes 300 / 400 / 500."""
    at = {f"09:{55 + k:02d}": 10.01 + 0.01 * k for k in range(5)}
    at.update({"10:00": 10.06, "14:49": 10.30, "14:50": 10.40})
    return make_minute_bars("600000.XSHG", D2, 10.20, open_=10.20, at=at,
                            lows={"10:01": 10.10, "10:02": 10.12, "10:03": 10.14},
                            volumes={"10:01": 300, "10:02": 400, "10:03": 500})


def _limit_up_path():
    """600001 on 2024-01-03: opens 10.00 (pre_close 10.00, limit-up 11.00), climbs to 11.00
    by 09:45 and stays sealed."""
    c = np.full(240, 11.0)
    c[:14] = np.round(np.linspace(10.0, 10.9, 14), 2)
    return make_minute_bars("600001.XSHG", D2, c, open_=10.0, volumes=100.0)


@pytest.fixture
def mstore(tmp_path):
    st = tiny_store(tmp_path / "s", {
        "600000.XSHG": [10.0, 10.2, 10.2],
        "600001.XSHG": [10.0, 11.0, 11.0],
        "000300.XSHG": [3000, 3010, 3020],
    }, types={"000300.XSHG": "index"},
        opens={"600000.XSHG": [10.0, 10.2, 10.2], "600001.XSHG": [10.0, 10.0, 11.0]},
        highs={"600000.XSHG": [10.0, 10.4, 10.2], "600001.XSHG": [10.0, 11.0, 11.0]},
        lows={"600000.XSHG": [10.0, 10.01, 10.2], "600001.XSHG": [10.0, 10.0, 11.0]})
    frames = [make_minute_bars("600000.XSHG", D1, 10.0), _day2_path(),
              make_minute_bars("600000.XSHG", D3, 10.2, at={"09:31": 10.25, "15:00": 10.2}),
              make_minute_bars("600001.XSHG", D1, 10.0), _limit_up_path(),
              make_minute_bars("600001.XSHG", D3, 11.0)]
    frames[0].loc[frames[0].index[-1], "close"] = 10.0
    write_minute_bars(st.path, pd.concat(frames))
    return st


def test_slots_and_labels():
    assert slot_of(dt.time(9, 30)) == -1 and slot_of(dt.time(9, 31)) == 0
    assert slot_of(dt.time(10, 0)) == 29 and slot_of(dt.time(12, 0)) == 119
    assert slot_of(dt.time(13, 1)) == 120 and slot_of(dt.time(14, 50)) == 229 and slot_of(dt.time(15, 30)) == 239
    assert (LABEL_MINUTES[0], LABEL_MINUTES[119], LABEL_MINUTES[120], LABEL_MINUTES[-1]) == (571, 690, 781, 900)


@pytest.mark.parametrize("slip,price", [("FixedSlippage(0)", 10.40), ("FixedSlippage(0.02)", 10.41),
                                        ("PriceRelatedSlippage(0.002)", 10.4104),
                                        ("StepRelatedSlippage(4)", 10.42)])
def test_1450_market_order_fills_at_previous_minute_close(mstore, run_strategy, slip, price):
    src = f"""
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        set_slippage({slip})
        run_daily(buy, '14:50')
    def buy(context):
        if context.current_dt.day == 3:
            g.last = get_current_data()['600000.XSHG'].last_price
            g.o = order('600000.XSHG', 1000)
    """
    r = run_strategy(mstore, src, D1, D3)
    o = r.orders.iloc[0]
    # the bar labelled 14:50 (14:49:00-14:49:59) closed at 10.40; 14:49's close 10.30 is older
    assert o.price == pytest.approx(price, abs=1e-9) and o.filled == 1000 and o.status == "held"
    assert r.run.g.last == pytest.approx(10.40)
    assert r.metrics["config"]["engine_notes"] == []


def test_marketable_limit_order_fills_at_once_at_the_latest_price(mstore, run_strategy):
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        set_slippage(FixedSlippage(0))
    """ + COSTS + """
        run_daily(place, '10:00')
        run_daily(check, '10:02')
    def place(context):
        if context.current_dt.day == 3:
            g.o = order('600000.XSHG', 1000, LimitOrderStyle(10.15))
            g.status0 = str(g.o.status)
    def check(context):
        if context.current_dt.day == 3:
            g.filled_1002 = g.o.filled
            g.locked = context.portfolio.locked_cash
    """
    r = run_strategy(mstore, src, D1, D3)
    g = r.run.g
    # the 10:00 latest price is 10.06 <= limit 10.15: filled at once at 10.06 (spec §4.4)
    assert g.status0 == "held"
    assert r.trades.iloc[0].price == pytest.approx(10.06)


def test_resting_limit_order_that_never_crosses_is_cancelled_at_the_close(mstore, run_strategy):
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        set_slippage(FixedSlippage(0))
    """ + COSTS + """
        run_daily(place, '10:00')
        run_daily(check, '10:02')
    def place(context):
        if context.current_dt.day == 3:
            g.o = order('600000.XSHG', 1000, LimitOrderStyle(10.05))
            g.status0 = str(g.o.status)
    def check(context):
        if context.current_dt.day == 3:
            g.filled_1002 = g.o.filled
            g.locked = context.portfolio.locked_cash
    """
    # 10:00 price 10.06 > 10.05: rests with 10,050 yuan locked; no later bar has low < 10.05
    r = run_strategy(mstore, src, D1, D3)
    g = r.run.g
    assert g.status0 == "open" and g.filled_1002 == 0
    assert g.locked == pytest.approx(10.05 * 1000)
    o = r.orders.iloc[0]
    assert o.status == "canceled" and o.filled == 0


def test_limit_order_three_minute_fills_one_commission_minimum(tmp_path, run_strategy):
    st = tiny_store(tmp_path / "s", {"600000.XSHG": [10.0, 10.2]}, opens={"600000.XSHG": [10.0, 10.2]},
                    highs={"600000.XSHG": [10.0, 10.2]}, lows={"600000.XSHG": [10.0, 10.10]})
    day2 = make_minute_bars("600000.XSHG", D2, 10.20, open_=10.20,
                            lows={"10:01": 10.10, "10:02": 10.12, "10:03": 10.14},
                            volumes={"10:01": 300, "10:02": 400, "10:03": 500})
    write_minute_bars(st.path, pd.concat([make_minute_bars("600000.XSHG", D1, 10.0), day2]))
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        set_slippage(FixedSlippage(0))
    """ + COSTS + """
        run_daily(place, '10:00')
        run_daily(check, '10:02')
    def place(context):
        if context.current_dt.day == 3:
            g.o = order('600000.XSHG', 1000, LimitOrderStyle(10.15))
            g.status0 = str(g.o.status)
    def check(context):
        if context.current_dt.day == 3:
            g.filled_1002 = g.o.filled
    """
    r = run_strategy(st, src, D1, D2)
    g = r.run.g
    # 10:00 latest price 10.20 > 10.15: the order rests.  Then limit 10.15 > bar low in
    # 10:01 (10.10), 10:02 (10.12), 10:03 (10.14); volume cap = that minute's volume x 1.0
    assert g.status0 == "open"
    assert g.filled_1002 == 700                       # 300 + 400 by the 10:02 event
    tr = r.trades
    assert list(tr.amount) == [300, 400, 300]
    assert [t.strftime("%H:%M") for t in pd.to_datetime(tr.time)] == ["10:01", "10:02", "10:03"]
    assert list(tr.price) == [10.15, 10.15, 10.15]
    o = r.orders.iloc[0]
    # commission: 10,150 x 0.0003 = 3.045 -> the 5 yuan minimum, charged once for the order
    assert (o.status, o.filled, o.commission) == ("held", 1000, 5.0)
    assert tr.commission.sum() == pytest.approx(5.0)
    assert r.daily.iloc[-1].available_cash == pytest.approx(100000 - 10150 - 5)


def test_limit_up_day_10am_market_buy_refused(mstore, run_strategy):
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        set_slippage(FixedSlippage(0))
        run_daily(buy, '10:00')
    def buy(context):
        if context.current_dt.day == 3:
            g.last = get_current_data()['600001.XSHG'].last_price
            g.o = order('600001.XSHG', 100)
    """
    r = run_strategy(mstore, src, D1, D3)
    g = r.run.g
    assert g.last == pytest.approx(11.0)          # sealed at the 11.00 limit since 09:45
    o = r.orders.iloc[0]
    assert (o.status, o.filled) == ("canceled", 0)
    assert "涨跌停" in o.reason
    assert len(r.trades) == 0


def test_history_1m_at_10_excludes_the_current_minute(mstore, run_strategy):
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        run_daily(look, '10:00')
    def look(context):
        if context.current_dt.day == 3:
            g.h = history(5, '1m', 'close', ['600000.XSHG'])
            g.a = attribute_history('600000.XSHG', 2, '5m', ['open', 'close', 'volume'])
            g.p = get_price('600000.XSHG', end_date=context.current_dt, count=1, frequency='1m', fields=['close'])
            g.last = get_current_data()['600000.XSHG'].last_price
    """
    r = run_strategy(mstore, src, D1, D3)
    g = r.run.g
    idx = [t.strftime("%H:%M") for t in g.h.index]
    assert idx == ["09:55", "09:56", "09:57", "09:58", "09:59"]
    assert list(g.h["600000.XSHG"]) == pytest.approx([10.01, 10.02, 10.03, 10.04, 10.05])
    # the bar labelled 10:00 has ended (last price / get_price end=current_dt see it) but it is
    # the "current minute" for history / attribute_history
    assert g.last == pytest.approx(10.06)
    assert g.p["close"].iloc[-1] == pytest.approx(10.06) and g.p.index[-1] == pd.Timestamp("2024-01-03 10:00")
    # 5m sliding windows counted back from 09:59: (09:50..09:54], (09:55..09:59]
    assert [t.strftime("%H:%M") for t in g.a.index] == ["09:54", "09:59"]
    assert list(g.a["open"]) == pytest.approx([10.20, 10.20]) and list(g.a["close"]) == pytest.approx([10.20, 10.05])
    assert list(g.a["volume"]) == [5000.0, 5000.0]


def test_minute_frequency_handle_data_240_calls_and_bars(mstore, run_strategy):
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        g.calls, g.first, g.last, g.bar = {}, {}, {}, {}
        run_daily(every, 'every_bar')
        g.every = 0
    def every(context):
        g.every += 1
    def handle_data(context, data):
        d = context.current_dt.date()
        g.calls[d] = g.calls.get(d, 0) + 1
        g.first.setdefault(d, context.current_dt)
        g.last[d] = context.current_dt
        if context.current_dt.time() in (dt.time(9, 30), dt.time(10, 0), dt.time(13, 0)):
            g.bar[(d.day, context.current_dt.strftime('%H:%M'))] = (data['600000.XSHG'].close, data['600000.XSHG'].volume)
    import datetime as dt
    """
    r = run_strategy(mstore, src, D1, D3, frequency="minute")
    g = r.run.g
    assert r.run.run_params.frequency == "minute"
    assert list(g.calls.values()) == [240, 240, 240]
    assert all(v.time() == dt.time(9, 30) for v in g.first.values())
    assert all(v.time() == dt.time(14, 59) for v in g.last.values())
    assert g.every == 720
    assert g.bar[(3, "10:00")] == (pytest.approx(10.06), 1000.0)      # the bar labelled 10:00
    assert g.bar[(3, "09:30")][0] == pytest.approx(10.0)               # 2024-01-02's 15:00 bar
    assert g.bar[(4, "09:30")][0] == pytest.approx(10.20)
    assert g.bar[(3, "13:00")][0] == pytest.approx(10.20)              # the 11:30 bar


def test_every_bar_fires_once_a_day_in_daily_frequency(mstore, run_strategy):
    src = """
    from jqdata import *
    def initialize(context):
        g.times = []
        run_daily(every, 'every_bar')
    def every(context):
        g.times.append(context.current_dt)
    """
    r = run_strategy(mstore, src, D1, D3)
    t = r.run.g.times
    assert [x.strftime("%d %H:%M") for x in t] == ["02 09:30", "03 09:30", "04 09:30"]


def test_without_minute_bars_the_fallback_is_in_the_run_summary(tmp_path, run_strategy):
    st = tiny_store(tmp_path / "d", {"600000.XSHG": [10.0, 10.5]})
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        run_daily(buy, '14:50')
    def buy(context):
        order('600000.XSHG', 100)
    """
    r = run_strategy(st, src, D1, D2)
    assert r.trades.iloc[0].price > 10.0     # the day's close (+ default slippage)
    notes = r.metrics["config"]["engine_notes"]
    assert len(notes) == 1 and "no minute bars" in notes[0] and "2024-01-02 14:50" in notes[0]
    with pytest.raises(ConfigError, match="needs 1-minute bars"):
        run_strategy(st, src, D1, D2, frequency="minute")
    with pytest.raises(ConfigError, match="tick"):
        run_strategy(st, src, D1, D2, frequency="tick")


def test_write_minute_bars_rejects_bad_labels_and_short_days(tmp_path):
    st = tiny_store(tmp_path / "w", {"600000.XSHG": [10.0]})
    df = make_minute_bars("600000.XSHG", D1, 10.0)
    bad = df.copy()
    bad.loc[0, "time"] = pd.Timestamp("2024-01-02 09:30")
    with pytest.raises(DataError, match="600000.XSHG 2024-01-02 09:30:00"):
        write_minute_bars(st.path, bad, source="x.csv")
    with pytest.raises(DataError, match="239 1-minute bars, expected 240"):
        write_minute_bars(st.path, df.iloc[1:], source="x.csv")


def test_get_bars_minute_units_split_from_the_open(mstore, run_strategy):
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        run_daily(look, '10:03')
    def look(context):
        if context.current_dt.day == 3:
            g.b = get_bars('600000.XSHG', 2, '5m', ['date', 'open', 'close', 'low', 'volume'])
            g.now = get_bars('600000.XSHG', 1, '5m', ['date', 'close', 'volume'], include_now=True)
            g.h = get_bars('600000.XSHG', 2, '60m', ['date', 'close'], end_dt='2024-01-03 15:00')
    """
    r = run_strategy(mstore, src, D1, D3)
    g = r.run.g
    # 5m bars from 09:30: (09:55 09:56..10:00]; at 10:03 the 10:01-10:05 bar is still forming
    assert [d.strftime("%H:%M") for d in g.b["date"]] == ["09:55", "10:00"]
    assert list(g.b["close"]) == pytest.approx([10.01, 10.06])
    assert g.b["open"][1] == pytest.approx(10.01) and g.b["volume"][1] == 5000.0
    # include_now: the forming bar 10:01..10:03 (volumes 300 + 400 + 500, low 10.10)
    assert g.now["date"][0].strftime("%H:%M") == "10:03" and g.now["volume"][0] == 1200.0
    # 60m bars end 10:30, 11:30, 14:00, 15:00; end_dt is clipped to now (10:03), when today's
    # 10:30 bar is still forming: the last two complete ones are yesterday's
    assert [d.strftime("%m-%d %H:%M") for d in g.h["date"]] == ["01-02 14:00", "01-02 15:00"]
    assert list(g.h["close"]) == pytest.approx([10.0, 10.0])


def test_avoid_future_data_is_enforced_to_the_minute(mstore, run_strategy):
    src = """
    from jqdata import *
    import datetime as dt
    def initialize(context):
        set_option('avoid_future_data', True)
        run_daily(look, '10:00')
    def look(context):
        if context.current_dt.day == 3:
            g.ok = get_price('600000.XSHG', end_date=context.current_dt, count=1, frequency='1m', fields=['close'])
            try:
                get_price('600000.XSHG', end_date=context.current_dt + dt.timedelta(minutes=1), count=1,
                          frequency='1m', fields=['close'])
                g.err = None
            except Exception as e:
                g.err = type(e).__name__
    """
    r = run_strategy(mstore, src, D1, D3)
    assert r.run.g.ok.index[-1] == pd.Timestamp("2024-01-03 10:00")
    assert r.run.g.err == "FutureDataError"


def test_get_bars_include_now_daily_bar_as_it_stands_at_the_minute(mstore, run_strategy):
    """JoinQuant's get_bars(include_now=True) returns the bar that contains the current
    moment as it stands (spec jq_data_api §3.4; JoinQuant docs "同时还支持返回当前时刻所在 bar
    的数据"): not future data, so no FutureDataError under avoid_future_data either.

    600000 on 2024-01-03 at 10:00 (bars 09:31..10:00 ended): open 10.20 (daily), bars
    09:31..09:54 flat 10.20, 09:55..10:00 close 10.01..10.06 (the 09:55 bar opens 10.20 and
    falls to 10.01), 1,000 shares each -> high 10.20, low 10.01, close 10.06 = last_price,
    volume 30 x 1,000 = 30,000, money 24,000 x 10.20 + 1,000 x (10.01 + ... + 10.06)
    = 244,800 + 60,210 = 305,010, avg 305,010 / 30,000 = 10.167.  The whole day (high 10.40,
    close 10.20) is not used.  The week of 01-02: 01-02 (10.0 flat) + the forming day."""
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        set_option('avoid_future_data', True)
        run_daily(look, '10:00')
    def look(context):
        if context.current_dt.day == 3:
            f = ['date', 'open', 'high', 'low', 'close', 'volume', 'money', 'avg', 'pre_close']
            g.d = get_bars('600000.XSHG', 2, '1d', f, include_now=True)
            g.w = get_bars('600000.XSHG', 1, '1w', ['open', 'high', 'low', 'close', 'volume'], include_now=True)
            g.without = get_bars('600000.XSHG', 1, '1d', ['date', 'close'])
            g.last = get_current_data()['600000.XSHG'].last_price
    """
    r = run_strategy(mstore, src, D1, D2)
    g = r.run.g
    assert list(g.d["date"]) == [dt.date(2024, 1, 2), dt.date(2024, 1, 3)]
    today = g.d[-1]
    assert (today["open"], today["high"], today["low"], today["close"]) == (10.2, 10.2, 10.01, 10.06)
    assert today["volume"] == 30000.0 and today["money"] == pytest.approx(305010.0)
    assert today["avg"] == 10.17 and today["pre_close"] == 10.0 and g.last == pytest.approx(10.06)
    # 01-02 is the stored daily bar (tiny_store's volume 1,000,000)
    assert tuple(g.d[0][["open", "high", "low", "close", "volume"]]) == (10.0, 10.0, 10.0, 10.0, 1e6)
    assert tuple(g.w[0]) == (10.0, 10.2, 10.0, 10.06, 1e6 + 30000.0)
    assert g.without["date"][-1] == dt.date(2024, 1, 2)        # without include_now: yesterday
    assert not [x for x in r.metrics.get("data_gaps", []) if x["api"] == "get_bars"]


def test_get_bars_forming_bar_in_research(mstore, monkeypatch):
    """Research (no run): an intraday end_dt gives the same forming bar, raw prices (no
    fq_ref_date); at 10:03 the three 10:01-10:03 bars add volumes 300 + 400 + 500 and closes
    10.20 (money 12,240), the low stays 10.01."""
    import jqlite.api.market as market
    monkeypatch.setattr(market, "active_store", lambda: mstore)
    b = market.get_bars("600000.XSHG", 1, "1d", ["date", "high", "low", "close", "volume", "money"],
                        include_now=True, end_dt="2024-01-03 10:03:00")
    assert b["date"][0] == dt.date(2024, 1, 3)
    assert (b["high"][0], b["low"][0], b["close"][0], b["volume"][0]) == (10.2, 10.01, 10.2, 31200.0)
    assert b["money"][0] == pytest.approx(305010.0 + 12240.0)
    # without include_now the forming day is left out; after the close the whole day's bar
    assert market.get_bars("600000.XSHG", 1, "1d", ["date"], end_dt="2024-01-03 10:03:00")["date"][0] == \
        dt.date(2024, 1, 2)
    full = market.get_bars("600000.XSHG", 1, "1d", ["high", "close"], include_now=True, end_dt="2024-01-03 15:00:00")
    assert (full["high"][0], full["close"][0]) == (10.4, 10.2)


def test_technical_analysis_include_now_intraday_uses_the_forming_bar(mstore, run_strategy):
    """jqlib.technical_analysis takes get_bars' (unit, include_now, fq_ref_date): with
    check_date = current_dt at 10:00 on 2024-01-03 the last bar is that day's bar as it
    stands (close 10.06), no FutureDataError under avoid_future_data.  MA(2) = (10.00 +
    10.06) / 2 = 10.03; include_now=False: the bars up to 01-02 only (one bar: NaN)."""
    src = """
    from jqdata import *
    from jqlib.technical_analysis import MA
    def initialize(context):
        set_option('use_real_price', True)
        set_option('avoid_future_data', True)
        run_daily(look, '10:00')
    def look(context):
        if context.current_dt.day == 3:
            g.now = MA(['600000.XSHG'], context.current_dt, timeperiod=2)
            g.before = MA('600000.XSHG', context.current_dt, timeperiod=2, include_now=False)
    """
    r = run_strategy(mstore, src, D1, D2)
    assert r.run.g.now["600000.XSHG"] == pytest.approx(10.03)
    assert np.isnan(r.run.g.before["600000.XSHG"])


def test_a_security_without_minute_bars_is_named_in_the_run_summary(tmp_path, run_strategy):
    st = tiny_store(tmp_path / "p", {"600000.XSHG": [10.0, 10.5], "600001.XSHG": [20.0, 21.0]})
    write_minute_bars(st.path, pd.concat([make_minute_bars("600000.XSHG", D1, 10.0),
                                          make_minute_bars("600000.XSHG", D2, 10.5)]))
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        set_slippage(FixedSlippage(0))
        run_daily(buy, '14:50')
    def buy(context):
        if context.current_dt.day == 3:
            order('600001.XSHG', 100)
    """
    r = run_strategy(st, src, D1, D2)
    assert r.trades.iloc[0].price == 21.0          # the day's close: no minute bar to use
    notes = r.metrics["config"]["engine_notes"]
    assert len(notes) == 1 and "600001.XSHG has no minute bars on 2024-01-03" in notes[0]


def test_get_price_minute_several_codes_long_and_panel_forms(mstore, run_strategy):
    """get_price(list, frequency='1m') with panel=False is one long frame (time, code, fields:
    each code's bars in turn) and with panel=True a (field, code) column frame; both built from
    whole arrays, both carrying the hand-set bars of _day2_path / _limit_up_path."""
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        run_daily(look, '15:00')
    def look(context):
        if context.current_dt.day == 3:
            codes = ['600000.XSHG', '600001.XSHG']
            g.long = get_price(codes, '2024-01-03 09:54', '2024-01-03 10:03', frequency='1m',
                               fields=['close', 'low', 'volume'], panel=False)
            g.wide = get_price(codes, '2024-01-03 09:54', '2024-01-03 10:03', frequency='1m',
                               fields=['close', 'volume'])
    """
    r = run_strategy(mstore, src, D1, D3)
    long, wide = r.run.g.long, r.run.g.wide
    assert list(long.columns) == ["time", "code", "close", "low", "volume"]
    assert list(long["code"]) == ["600000.XSHG"] * 10 + ["600001.XSHG"] * 10
    assert long["time"].dt.strftime("%H:%M").tolist()[:10] == [f"09:{m}" for m in range(54, 60)] + \
        [f"10:0{m}" for m in range(4)]
    a = long[long["code"] == "600000.XSHG"].set_index("time")
    # 09:55..10:00 closes 10.01..10.06, 10:01-10:03 lows 10.10/10.12/10.14 on volumes 300/400/500
    assert a["close"].tolist()[1:7] == pytest.approx([10.01, 10.02, 10.03, 10.04, 10.05, 10.06])
    assert a["low"].tolist()[-3:] == pytest.approx([10.10, 10.12, 10.14])
    assert a["volume"].tolist()[-3:] == [300.0, 400.0, 500.0]
    b = long[long["code"] == "600001.XSHG"]
    assert b["close"].tolist() == pytest.approx([11.0] * 10)   # sealed at 11.00 from 09:45
    assert b["volume"].tolist() == [100.0] * 10
    assert wide["close"]["600000.XSHG"].tolist() == pytest.approx(a["close"].tolist())
    assert wide["volume"]["600001.XSHG"].tolist() == [100.0] * 10
    assert list(wide["close"].columns) == ["600000.XSHG", "600001.XSHG"]


@pytest.mark.parametrize("real_price", [True, False])
def test_attribute_history_minute_frame_is_the_general_dataframe(mstore, real_price):
    # attribute_history with a minute unit builds its frame as one float block
    # (jqlite.api.market._frame); it must be exactly pd.DataFrame(dict, index=times): same
    # values bit for bit, same columns (object Index, order as asked), index and dtypes
    import jqlite.api.market as m
    from jqlite.testing import load_strategy
    src = f"def initialize(context):\n    set_option('use_real_price', {real_price})\n"
    h = load_strategy("mf.py", market=mstore, source=src)
    h.at(f"{D3} 10:00")
    run = h.run
    shapes = [("600000.XSHG", 1, "1m", ["close"], "pre"), ("600001.XSHG", 5, "1m", ["high", "low", "close"], None),
              ("600000.XSHG", 3, "5m", ["open", "close", "volume"], "pre"),
              ("600001.XSHG", 30, "1m", ["close", "money", "volume", "open"], "post"),
              ("600000.XSHG", 4, "15m", ["volume", "close"], None)]
    for code, count, unit, fields, fq in shapes:
        got = m.attribute_history(code, count, unit, fields, fq=fq)
        t, vals = m._minute_series(run.store, run, code, fields, m._minute_history_end(run), count, None,
                                   fq, True, int(unit[:-1]), "attribute_history")
        exp = pd.DataFrame(vals, index=t)
        pd.testing.assert_frame_equal(got, exp, check_exact=True)
        assert got.columns.dtype == object and list(got.columns) == fields
        assert all(got.dtypes == np.float64) and len(got) == min(count, len(got)) and len(got)
    h.close()
