"""Open-end (场外) fund purchase / redeem / set_redeem_latency, with hand-computed numbers
(rules: jqlite.execution.otc)."""

import pytest

from jqlite.testing import tiny_store

NAV = [1.000, 1.010, 1.020, 1.030, 1.040, 1.050, 1.060, 1.070]


@pytest.fixture
def store(tmp_path):
    # 2024-01-02 .. 2024-01-11: day i has unit NAV NAV[i] (an OF fund's bar: open = close = NAV)
    return tiny_store(tmp_path / "s", {"110011.OF": NAV, "000300.XSHG": [3000 + i for i in range(8)]},
                      types={"110011.OF": "mixture_fund", "000300.XSHG": "index"},
                      opens={"110011.OF": NAV})


SRC = """
from jqdata import *
def initialize(context):
    set_subportfolios([SubPortfolioConfig(context.portfolio.cash, 'open_fund')])
    {setup}
    run_daily(trade, '10:00')
    run_daily(check, '14:00')
    run_daily(after, 'after_close')
    g.log = []
def trade(context):
    d = context.current_dt.day
    if d == 2:
        g.p = purchase('110011.OF', 10000)
        g.log.append(('placed', str(g.p.status), context.portfolio.available_cash, context.portfolio.locked_cash))
    if d == 3:
        g.r = redeem('110011.OF', 5000)
def check(context):
    if context.current_dt.day == 2:
        g.log.append(('same-day redeem', redeem('110011.OF', 100)))
    if context.current_dt.day == 4:
        g.log.append(('mark', context.portfolio.positions['110011.OF'].price,
                      get_current_data()['110011.OF'].last_price))
def after(context):
    pos = context.portfolio.positions.get('110011.OF')
    g.log.append((context.current_dt.day, round(context.portfolio.available_cash, 2),
                  round(context.portfolio.total_value, 4), pos.total_amount if pos else 0,
                  pos.closeable_amount if pos else 0))
"""


def _run(store, run_strategy, setup):
    import jqlite.api._binding  # noqa: F401
    r = run_strategy(store, SRC.replace("{setup}", setup), "2024-01-02", "2024-01-11")
    return r


def test_purchase_and_redeem_with_fees_and_latency(store, run_strategy):
    setup = ("set_order_cost(OrderCost(open_commission=0.015, close_commission=0.005, min_commission=0), "
             "type='open_fund')\n    set_redeem_latency(3, 'open_fund')")
    r = _run(store, run_strategy, setup)
    log = r.run.g.log
    assert log is not None
    placed = log[0]
    # at 10:00 the order waits for the day's NAV; the 10000 yuan are frozen
    assert placed[1] == "open" and placed[2] == 90000.0 and placed[3] == 10000.0
    # bought on 01-02 -> not redeemable the same day (T+1)
    assert log[1] == ("same-day redeem", None)
    days = {row[0]: row[1:] for row in log if isinstance(row[0], int)}
    # purchase at NAV 1.000: net = 10000 / 1.015 = 9852.2167 -> 9852.22, fee 147.78,
    # shares 9852.22; cash 90000; total = 90000 + 9852.22 * 1.000
    assert days[2] == (90000.0, 99852.22, 9852.22, 0)
    # 01-03: redeem 5000 at NAV 1.010: gross 5050.00, fee 5050 * 0.005 = 25.25, cash 5024.75 in
    # transit; total = 90000 + 5024.75 + 4852.22 * 1.010 = 99925.4922
    assert days[3] == (90000.0, 99925.4922, 4852.22, 4852.22)
    # T+3 trading days after 01-03 = 01-08: cash arrives at that day's start
    assert days[4][0] == 90000.0 and days[5][0] == 90000.0
    assert days[8][0] == 95024.75
    # intraday (14:00 on 01-04) the fund is marked at the previous NAV (01-03: 1.010), today's
    # NAV (1.020) being published after the close
    assert ("mark", 1.01, 1.01) in log
    assert days[8][1] == pytest.approx(95024.75 + 4852.22 * 1.040, abs=1e-6)
    o = r.orders.sort_values("order_id")
    buy, sell = o.iloc[0], o.iloc[1]
    assert buy["amount"] == pytest.approx(9852.22) and buy["price"] == 1.0
    assert buy["commission"] == pytest.approx(147.78)
    assert sell["amount"] == 5000 and sell["price"] == pytest.approx(1.01)
    assert sell["commission"] == pytest.approx(25.25)


def test_default_fee_and_latency(store, run_strategy):
    r = _run(store, run_strategy, "pass")
    log = r.run.g.log
    days = {row[0]: row[1:] for row in log if isinstance(row[0], int)}
    # default fund cost 0.03 %, min 5: net = 10000 / 1.0003 = 9997.00, fee 3.00 -> min 5,
    # shares = 9995.00 at NAV 1.000
    assert days[2][2] == 9995.0
    # redeem 5000 at 1.010: gross 5050, fee max(1.515 -> 1.52, 5) = 5 -> 5045; mixture fund T+4:
    # 01-03 + 4 trading days = 01-09
    assert days[8][0] == days[3][0] == 90000.0
    assert days[9][0] == pytest.approx(95045.0)


def test_bad_calls(store, run_strategy):
    src = """
from jqdata import *
def initialize(context):
    g.errors = []
    for args in [(0, 'open_fund'), (3, 'stock'), (2.5, 'open_fund')]:
        try:
            set_redeem_latency(*args)
        except Exception as e:
            g.errors.append(type(e).__name__)
    run_daily(trade, '10:00')
def trade(context):
    g.res = [purchase('000300.XSHG', 1000), purchase('110011.OF', -5), purchase('110011.OF', 1e9),
             redeem('110011.OF', 10)]
"""
    r = run_strategy(store, src, "2024-01-02", "2024-01-02")
    g = r.run.g
    assert g.errors == ["ParamsError"] * 3
    assert g.res == [None, None, None, None]


def test_get_fund_info(store):
    import datetime as dt
    import warnings
    import jqlite.api._binding as b
    from jqlite.api.funds import FUND_INFO_KEYS, get_fund_info
    from jqlite.errors import ParamsError
    orig = b.active_store
    b.active_store = lambda: store
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            info = get_fund_info("110011.OF")
        assert tuple(info) == FUND_INFO_KEYS
        assert info["fund_type"] == "混合型"
        assert info["fund_establishment_day"] == dt.date(2024, 1, 2)
        assert info["fund_name"] == "110011" and info["fund_manager"] is None
        with pytest.raises(ParamsError, match="is not a fund"):
            get_fund_info("000300.XSHG")
    finally:
        b.active_store = orig
