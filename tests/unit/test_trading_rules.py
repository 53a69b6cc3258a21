"""Fills, fees, T+1, limit-up/down, partial fills, paused stocks, dividends and bonus shares —
each with hand-computed numbers, through real strategy files over tiny stores."""

import pytest

from jqlite.testing import tiny_store

COSTS = """
        set_order_cost(OrderCost(open_tax=0, close_tax=0.001, open_commission=0.0003,
                       close_commission=0.0003, close_today_commission=0, min_commission=5), type='stock')
"""


@pytest.fixture
def store(tmp_path):
    return tiny_store(tmp_path / "s", {
        "600000.XSHG": [10.0, 10.5, 11.0, 10.8, 11.2, 11.0],
        "600001.XSHG": [20.0, 22.0, 24.2, 24.2, 21.78, 21.0],   # day 3 limit-up close, day 5 limit-down
        "000300.XSHG": [3000, 3010, 3020, 3030, 3040, 3050],
    }, types={"000300.XSHG": "index"},
        opens={"600001.XSHG": [20.0, 22.0, 24.2, 24.2, 21.78, 21.0]},
        volumes={"600000.XSHG": [1e6, 1e6, 1e6, 1e6, 1e6, 1e6], "600001.XSHG": [1e6, 1e6, 5e5, 1e6, 1e6, 1e6]},
        paused={"600000.XSHG": [0, 0, 0, 0, 0, 0], "600001.XSHG": [0, 0, 0, 1, 0, 0]})


def test_buy_at_open_with_fixed_slippage_and_fees(store, run_strategy):
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        set_slippage(FixedSlippage(0.02))
    """ + COSTS + """
        run_daily(buy, '09:30')
    def buy(context):
        if context.current_dt.day == 2:
            g.o = order('600000.XSHG', 1050)
    """
    r = run_strategy(store, src, "2024-01-02", "2024-01-03")
    o = r.orders.iloc[0]
    # 1050 -> 1000 (lot), open 10.00 + 0.01 = 10.01; commission max(10010 * 0.0003 = 3.003, 5) = 5
    assert (o.amount, o.filled, o.price, o.commission, o.status) == (1000, 1000, 10.01, 5.0, "held")
    d0 = r.daily.iloc[0]
    assert d0.available_cash == pytest.approx(100000 - 10010 - 5)
    # day-1 close 10.00 -> value 10,000; total = 89,985 + 10,000
    assert d0.total_value == pytest.approx(99985.0)


def test_t_plus_1_sell_same_day_is_refused_then_allowed(store, run_strategy):
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        set_slippage(FixedSlippage(0))
    """ + COSTS + """
        run_daily(trade, '09:30')
    def trade(context):
        if context.current_dt.day == 2:
            order('600000.XSHG', 1000)
            g.same_day = order('600000.XSHG', -1000)
            g.closeable_day1 = context.portfolio.positions['600000.XSHG'].closeable_amount
        if context.current_dt.day == 3:
            g.closeable_day2 = context.portfolio.positions['600000.XSHG'].closeable_amount
            g.sell = order('600000.XSHG', -1000)
    """
    r = run_strategy(store, src, "2024-01-02", "2024-01-04")
    g = r.run.g
    assert g.same_day is None and g.closeable_day1 == 0 and g.closeable_day2 == 1000
    sell = r.orders[~r.orders.is_buy].iloc[0]
    # day-2 open = day-1 close 10.00; sell 1000: commission max(3.00, 5) = 5, stamp 10.00
    # -> Order.commission (commission + tax) 15.00
    assert (sell.price, sell.commission, sell.tax) == (10.0, 15.0, 10.0)
    assert sell.avg_cost == pytest.approx(10.005)  # (10,000 + 5) / 1000
    assert "600000.XSHG" not in r.run.portfolio.positions


def test_limit_up_buy_cancelled_and_paused_order_none(store, run_strategy):
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        set_slippage(FixedSlippage(0))
        run_daily(trade, '09:30')
    def trade(context):
        d = context.current_dt.day
        if d == 4:   # 600001 opens at limit-up 24.20 (pre_close 22.00 * 1.1)
            g.up = order('600001.XSHG', 100)
        if d == 5:   # suspended
            g.paused = order('600001.XSHG', 100)
    """
    r = run_strategy(store, src, "2024-01-02", "2024-01-05")
    assert str(r.run.g.up.status) == "canceled" and r.run.g.up.filled == 0
    assert r.run.g.paused is None
    assert any("涨跌停" in line for line in r.log)


def test_volume_ratio_partial_fill_is_cancelled_rest(store, run_strategy):
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        set_option('order_volume_ratio', 0.001)
        set_slippage(FixedSlippage(0))
        run_daily(trade, '09:30')
    def trade(context):
        if context.current_dt.day == 3:
            g.o = order('600000.XSHG', 5000)
    """
    r = run_strategy(store, src, "2024-01-02", "2024-01-03")
    o = r.run.g.o
    # cap = 1,000,000 * 0.001 = 1,000 shares
    assert (o.filled, o.amount, str(o.status)) == (1000, 5000, "canceled")


def test_intraday_order_fills_at_close_and_limit_order_rests_until_close(store, run_strategy):
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        set_slippage(FixedSlippage(0))
        run_daily(trade, '14:50')
    def trade(context):
        if context.current_dt.day == 2:
            g.m = order('600000.XSHG', 100)
            g.l = order('600000.XSHG', 100, LimitOrderStyle(9.5))
    """
    r = run_strategy(store, src, "2024-01-02", "2024-01-02")
    assert r.run.g.m.price == 10.0        # day close
    assert str(r.run.g.l.status) == "canceled" and r.run.g.l.filled == 0   # low 10.0 > 9.5


def test_cash_dividend_and_bonus_shares_in_real_price_mode(tmp_path, run_strategy):
    # 10派5 with 10送3 on day 3: cash 1000 * 0.5 * 0.8 = 400; shares 1000 * 1.3 = 1300
    st = tiny_store(tmp_path / "d", {"600000.XSHG": [10.0, 10.0, 7.3, 7.3]},
                    pre_closes={"600000.XSHG": [10.0, 10.0, 7.3, 7.3]},
                    factor={"600000.XSHG": [1.0, 1.0, 10.0 / 7.3, 10.0 / 7.3]},
                    xrxd=[("600000.XSHG", "2024-01-04", 5.0, 1.3)])
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        set_slippage(FixedSlippage(0))
        set_benchmark('600000.XSHG')
        run_daily(trade, '09:30')
    def trade(context):
        if context.current_dt.day == 2:
            order('600000.XSHG', 1000)
    """
    r = run_strategy(st, src, "2024-01-02", "2024-01-05")
    pos = r.run.portfolio.positions["600000.XSHG"]
    assert pos.total_amount == 1300
    cash_before = 100000 - 10000 - 5
    assert r.daily.available_cash.iloc[2] == pytest.approx(cash_before + 400.0)


def test_positions_missing_key_returns_empty_position(store, run_strategy):
    src = """
    from jqdata import *
    def initialize(context):
        run_daily(check, '9:30')
    def check(context):
        g.amt = context.portfolio.positions['600000.XSHG'].closeable_amount
        g.inside = '600000.XSHG' in context.portfolio.positions
    """
    r = run_strategy(store, src, "2024-01-02", "2024-01-02")
    assert r.run.g.amt == 0 and r.run.g.inside is False


def test_order_target_value_zero_sells_everything_including_odd_lot(store, run_strategy):
    src = """
    from jqdata import *
    def initialize(context):
        set_option('use_real_price', True)
        set_slippage(FixedSlippage(0))
        run_daily(trade, '9:30')
    def trade(context):
        d = context.current_dt.day
        if d == 2:
            order_value('600000.XSHG', 10000)         # 1000 shares at 10.00
        if d == 3:
            order_target_value('600000.XSHG', 0)
    """
    r = run_strategy(store, src, "2024-01-02", "2024-01-03")
    assert list(r.orders.filled) == [1000, 1000]
    assert len(r.run.portfolio.positions) == 0
