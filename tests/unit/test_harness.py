"""jqlite.testing: the strategy harness (load_strategy / at / call / assert_ordered), tiny
markets and the pytest plugin.  Numbers are hand-computed from the tiny markets below."""

from __future__ import annotations

import pandas as pd
import pytest

from jqdata import (g, get_current_data, get_index_stocks, get_valuation, log, order,
                    order_target_value, set_option)
from jqlite.api._binding import run_or_none
from jqlite.testing import (MISSING, assert_not_ordered, assert_ordered, load_strategy, run_backtest,
                            tiny_market)

STRATEGY = '''
from jqdata import *

def initialize(context):
    set_option('use_real_price', True)
    set_order_cost(OrderCost(open_tax=0, close_tax=0.001, open_commission=0.0003,
                   close_commission=0.0003, close_today_commission=0, min_commission=5), type='stock')
    set_slippage(FixedSlippage(0))
    g.stocks = ['600000.XSHG']
    g.target = 10000
    run_daily(trading_logic, '09:30')
    run_monthly(rebalance, 1, '14:50')

def filter_paused(stocks):
    cd = get_current_data()
    return [s for s in stocks if not cd[s].paused]

def trading_logic(context):
    buy = filter_paused(g.stocks)
    g.bought = buy
    log.info('buying %s', buy)
    for s in buy:
        order_target_value(s, g.target)

def sell_all(context):
    for s in list(context.portfolio.positions):
        g.last_sell = order_target(s, 0)

def rebalance(context):
    pass

class Weights:
    """Equal weights over g.stocks (a class method that uses g)."""
    def of(self, context):
        return {s: 1.0 / len(g.stocks) for s in g.stocks}
'''

# trading days from 2024-03-01: 03-01 (Fri), 03-04, 03-05, 03-06, 03-07
BARS = {
    "600000.XSHG": [10.0, 10.2, 10.4, 10.6, 10.8],
    "600001.XSHG": [20.0, 22.0, 24.2, 24.0, 24.0],
    "000002.XSHE": [5.0, 5.0, 5.0, 5.0, 5.0],
    "688001.XSHG": [None, None, 30.0, 33.0, 34.0],   # new listing on 03-05
}


@pytest.fixture
def market(jq_market):
    return jq_market(BARS, start="2024-03-01",
                     paused={"000002.XSHE": ["2024-03-04"]},
                     limit_up={"600001.XSHG": ["2024-03-04"]},      # one-word board at 22.00
                     st={"000002.XSHE": True},
                     index_members={"000300.XSHG": ["600000.XSHG", "600001.XSHG"]},
                     valuation={"600000.XSHG": {"market_cap": 120.0, "pe_ratio": [8, 8.5, 9, 9.5, 10]}})


@pytest.fixture
def strategy_file(tmp_path):
    p = tmp_path / "my_strategy.py"
    p.write_text(STRATEGY)
    return p


def test_call_records_orders_fills_log_and_g(market, strategy_file):
    h = load_strategy(strategy_file, market)
    h.at("2024-03-01 09:30")
    assert h.orders == [] and h.log == [] and h.g_changes == {}   # initialize is not recorded
    assert h.g.stocks == ["600000.XSHG"] and h.settings.use_real_price is True
    assert h.schedule == [("daily", "trading_logic", "09:30", 0), ("monthly", "rebalance", "14:50", 1)]
    h.call("trading_logic")
    o = assert_ordered(h, "600000.XSHG", side="buy", amount=1000, value=10000, status="held")
    # 10,000 / open 10.00 = 1000 shares at the open; commission max(10,000 x 0.0003, 5) = 5
    assert (o.price, o.filled, o.commission) == (10.0, 1000, 5.0)
    assert [(t.security, t.amount, t.price) for t in h.trades] == [("600000.XSHG", 1000, 10.0)]
    assert h.cash == pytest.approx(100000 - 10000 - 5)
    assert h.log == ["2024-03-01 09:30:00 - INFO  - buying ['600000.XSHG']"]
    assert h.g_changes == {"bought": (MISSING, ["600000.XSHG"])}
    assert h.holdings == {"600000.XSHG": 1000}
    # h.<name> and h.module.<name> are the same function, bound to this run
    h.g.target = 20000
    h.trading_logic()
    assert_ordered(h, "600000.XSHG", side="buy", amount=1000)   # tops up to 2000 shares
    assert h.g_changes == {}                                      # g.bought unchanged
    assert h.module.filter_paused(["600000.XSHG", "000002.XSHE"]) == ["600000.XSHG", "000002.XSHE"]
    assert h.Weights().of(h.context) == {"600000.XSHG": 1.0}


def test_positions_given_to_at_and_t_plus_1(market, strategy_file):
    h = load_strategy(strategy_file, market, cash=50000)
    h.at("2024-03-04 09:30", positions={"600000.XSHG": 1000, "600001.XSHG": (200, 19.5)})
    pos = h.positions["600000.XSHG"]
    # avg_cost defaults to that day's close 10.20; price at 09:30 = the open 10.00;
    # held "from before": all shares closeable
    assert (pos.avg_cost, pos.price, pos.closeable_amount) == (10.2, 10.0, 1000)
    assert h.positions["600001.XSHG"].avg_cost == 19.5
    assert h.portfolio.total_value == pytest.approx(50000 + 1000 * 10.0 + 200 * 22.0)
    h.call("sell_all")
    sells = [(o.security, o.filled, o.price) for o in h.orders]
    # 600001 is one-word limit-up that day: selling is allowed (only buys are blocked)
    assert sells == [("600000.XSHG", 1000, 10.0), ("600001.XSHG", 200, 22.0)]

    # T+1: shares bought today cannot be sold today ...
    h.at("2024-03-05 09:30", cash=100000, positions={})
    h.call("trading_logic")
    assert h.positions["600000.XSHG"].closeable_amount == 0
    h.call("sell_all")
    assert h.g.last_sell is None and h.orders == []
    assert any("可卖数量为0" in ln for ln in h.log)
    # ... and can the next trading day, at that day's open (10.40 on 03-06)
    h.at("2024-03-06 09:30")
    # bought on 03-05: 10,000 / 10.20 (03-05 open) = 980.4 -> 900 shares
    assert h.positions["600000.XSHG"].closeable_amount == 900
    h.call("sell_all")
    o = assert_ordered(h, "600000.XSHG", side="sell", amount=900, status="held")
    assert o.price == 10.4


def test_limit_up_stock_cannot_be_bought(market, strategy_file):
    h = load_strategy(strategy_file, market)
    h.at("2024-03-04 09:30")
    h.g.stocks = ["600001.XSHG"]
    h.call("trading_logic")
    o = assert_ordered(h, "600001.XSHG", side="buy", status="canceled")
    # 10,000 / 22.00 = 454.5 -> 400 shares requested, none filled at the limit-up open
    assert (o.amount, o.filled) == (400, 0)
    assert h.trades == [] and h.cash == 100000
    assert any("涨跌停" in ln for ln in h.log)
    # the next day it opens at 22.00 (below the 24.20 limit) and fills
    h.at("2024-03-05 09:30")
    h.call("trading_logic")
    o = assert_ordered(h, "600001.XSHG", side="buy", amount=400, status="held")
    assert o.price == 22.0


def test_paused_and_unlisted_stocks_are_not_ordered(market, strategy_file):
    h = load_strategy(strategy_file, market)
    h.at("2024-03-04 09:30")
    h.g.stocks = ["000002.XSHE"]
    h.call("trading_logic")
    assert h.g.bought == []               # the strategy's own filter drops it
    assert h.call(lambda ctx: order("000002.XSHE", 100), h.context) is None   # bypass the filter
    assert_not_ordered(h, "000002.XSHE")
    assert any("000002.XSHE 停牌, 订单取消" in ln for ln in h.log)
    h.call(lambda ctx: order("688001.XSHG", 200), h.context)   # listed only from 03-05
    assert h.orders == [] and any("未上市" in ln for ln in h.log)


def test_time_travel_matches_waiting_orders_and_moves_portfolio(market, strategy_file):
    h = load_strategy(strategy_file, market)
    h.at("2024-03-04 09:00")
    h.call("trading_logic")
    o = assert_ordered(h, "600000.XSHG", side="buy")
    # before the open: sized at the previous close 10.00 -> 1000 shares, waiting ('new')
    assert (o.amount, str(o.status), h.trades) == (1000, "new", [])
    h.at("2024-03-04 14:00")
    assert h.trades[0].price == 10.0 and str(o.status) == "held"   # filled at the 03-04 open
    assert h.positions["600000.XSHG"].price == 10.2                 # marked at the close after 09:30
    h.at("2024-03-07 10:00")                                         # later day: portfolio kept, re-marked
    assert h.holdings == {"600000.XSHG": 1000}
    assert h.positions["600000.XSHG"].closeable_amount == 1000
    assert h.positions["600000.XSHG"].price == 10.8
    assert h.now.isoformat() == "2024-03-07T10:00:00"
    assert h.context.previous_date.isoformat() == "2024-03-06"


def test_state_isolation_between_two_harnesses(market, strategy_file):
    a = load_strategy(strategy_file, market)
    b = load_strategy(strategy_file, market)
    a.at("2024-03-01 09:30")
    b.at("2024-03-01 09:30", cash=5000)
    a.g.stocks = ["600001.XSHG"]
    a.call(lambda ctx: log.set_level("strategy", "error"), a.context)
    a.call(lambda ctx: set_option("order_volume_ratio", 0.5), a.context)
    b.call("trading_logic")
    a.call("trading_logic")
    assert b.g.stocks == ["600000.XSHG"] and b.settings.order_volume_ratio == 1.0
    assert [o.security for o in a.orders] == ["600001.XSHG"]
    assert [o.security for o in b.orders] == ["600000.XSHG"]
    # b has 5,000 yuan: 1000 shares asked, 400 filled (500 x 10.00 + 5 fee > 5,000)
    assert (b.orders[0].amount, b.orders[0].filled) == (1000, 400)
    assert a.log == []                        # a's strategy channel is at 'error'
    assert b.log == ["2024-03-01 09:30:00 - INFO  - buying ['600000.XSHG']",
                     "2024-03-01 09:30:00 - WARNING - 600000.XSHG 订单 1: 超出当日成交量或可用资金, "
                     "剩余部分取消 (已成交 400/1000)"]
    assert a.all_orders[0].order_id == b.all_orders[0].order_id == 1


def test_no_run_leaks_into_the_next_test_part1(market, strategy_file):
    h = load_strategy(strategy_file, market)
    h.at("2024-03-01 09:30")
    h.g.leak = 1
    assert run_or_none() is h.run


def test_no_run_leaks_into_the_next_test_part2(market, strategy_file):
    assert run_or_none() is None
    h = load_strategy(strategy_file, market)
    h.at("2024-03-01 09:30")
    assert not hasattr(h.g, "leak") and h.all_orders == []


def test_g_changes_reports_new_modified_deleted_and_ignores_equal_values(market, strategy_file):
    h = load_strategy(strategy_file, market)
    h.at("2024-03-01 09:30")
    h.g.df = pd.DataFrame({"x": [1.0, float("nan")]})
    h.g.nums = [1, 2]
    h.g.gone = "x"
    h.at("2024-03-01 10:00")

    def touch(context):
        g.df = pd.DataFrame({"x": [1.0, float("nan")]})   # equal content: not a change
        g.nums.append(3)
        del g.gone
        g.new = {"a": 1}
    h.call(touch)
    assert h.g_changes == {"gone": ("x", MISSING), "new": (MISSING, {"a": 1}), "nums": ([1, 2], [1, 2, 3])}


def test_assert_ordered_failure_lists_what_was_ordered(market, strategy_file):
    h = load_strategy(strategy_file, market)
    h.at("2024-03-04 09:30")
    h.g.stocks = ["600000.XSHG", "000002.XSHE"]
    h.call(lambda ctx: [order_target_value(s, 10000) for s in g.stocks], h.context)
    with pytest.raises(AssertionError) as exc:
        assert_ordered(h, "600000.XSHG", side="sell")
    msg = str(exc.value)
    assert "expected an order with security='600000.XSHG', side='sell' at 2024-03-04 09:30" in msg
    assert "#1 2024-03-04 09:30 buy  600000.XSHG amount=1000 filled=1000 price=10.00 status=held" in msg
    assert "000002.XSHE 停牌, 订单取消" in msg
    with pytest.raises(AssertionError, match="expected no buy order for 600000.XSHG, found 1"):
        assert_not_ordered(h, "600000.XSHG", side="buy")
    with pytest.raises(AssertionError):
        assert_ordered(h, "600000.XSHG", value=5000)   # 10,000 ordered: more than one lot off


def test_initialize_can_be_called_by_hand_and_missing_names_are_explained(market, strategy_file):
    h = load_strategy(strategy_file, market, initialize=False)
    h.at("2024-03-01 09:00")
    assert h.schedule == [] and not hasattr(h.g, "stocks")
    h.call("initialize")
    assert [t.name for t in h.schedule] == ["trading_logic", "rebalance"]
    assert h.g_changes["target"] == (MISSING, 10000)
    with pytest.raises(AttributeError, match="defines no 'trade'; it defines: Weights, filter_paused"):
        h.call("trade")
    with pytest.raises(ValueError, match="2024-03-02 is not a trading day"):
        h.at("2024-03-02 09:30")


def test_run_days_runs_the_engine_day_loop(market, strategy_file):
    h = load_strategy(strategy_file, market)
    h.run_days("2024-03-01", "2024-03-04")
    # 03-01: 1000 shares at 10.00; 03-04: target 10,000 at the 10.00 open -> nothing to do
    assert [(o.add_time.day, o.amount, o.price) for o in h.orders] == [(1, 1000, 10.0)]
    assert [ln[:10] for ln in h.log if "buying" in ln] == ["2024-03-01", "2024-03-04"]
    assert h.run.ledger[-1][1] == pytest.approx(100000 - 5 + 1000 * (10.2 - 10.0))


def test_tiny_market_fundamentals_st_limits_and_index(market, strategy_file):
    h = load_strategy(strategy_file, market)
    h.at("2024-03-05 09:30")

    def look(context):
        v = get_valuation("600000.XSHG", end_date="2024-03-05", count=2, fields=["pe_ratio", "market_cap"])
        cd = get_current_data()
        return (list(v["pe_ratio"]), list(v["market_cap"]), get_index_stocks("000300.XSHG"),
                cd["000002.XSHE"].is_st, cd["000002.XSHE"].high_limit)
    pe, cap, members, is_st, hl = h.call(look, h.context)
    assert pe == [8.5, 9.0] and cap == [120.0, 120.0]
    assert members == ["600000.XSHG", "600001.XSHG"]
    assert is_st and hl == 5.25            # ST: 5 % over the 5.00 previous close


def test_run_backtest_over_a_mapping_market(strategy_file):
    r = run_backtest(strategy_file, "2024-03-01", "2024-03-05",
                     market={"600000.XSHG": [10.0, 10.5, 11.0], "000300.XSHG": [3000, 3010, 3020]})
    assert list(r.orders["amount"]) == [1000]
    # 1000 shares bought at 10.00 for 10,005; closes 10.00, 10.50, 11.00
    assert list(r.daily["total_value"].round(2)) == [99995.0, 100495.0, 100995.0]
    assert r.metrics["total_returns"] == pytest.approx(0.00995)


def test_tiny_market_new_listing_and_paused_close():
    import tempfile
    from pathlib import Path
    s = tiny_market(Path(tempfile.mkdtemp()) / "m", {"600000.XSHG": [10, 11, 12], "301001.XSHE": [None, 50, 60]},
                    start="2024-03-01", paused={"600000.XSHG": [1]})
    j = s.col("600000.XSHG")
    assert list(s.field("close")[:, j]) == [10, 10, 12] and list(s.field("pre_close")[:, j]) == [10, 10, 10]
    assert s.securities.at["301001.XSHE", "start_date"] == pd.Timestamp("2024-03-04")
    assert s.field("high_limit")[2, s.col("301001.XSHE")] == 60.0   # ChiNext 20 % over 50


USER_TEST = """
import pytest
from jqlite.testing import load_strategy, assert_ordered
from jqlite.api._binding import run_or_none

STRATEGY = {path!r}

@pytest.fixture
def market(jq_market):
    return jq_market({{"600000.XSHG": [10.0, 10.5, 11.0]}}, start="2024-03-01")

def test_buys(market):
    h = load_strategy(STRATEGY, market)
    h.at("2024-03-01 09:30")
    h.call("trading_logic")
    assert_ordered(h, "600000.XSHG", side="buy", amount=1000)
    h.g.dirty = True

def test_clean_afterwards(market):
    assert run_or_none() is None
    h = load_strategy(STRATEGY, market)
    h.at("2024-03-01 09:30")
    assert not hasattr(h.g, "dirty")

def test_fails_with_report(market):
    h = load_strategy(STRATEGY, market)
    h.at("2024-03-01 09:30")
    h.call("trading_logic")
    assert_ordered(h, "600000.XSHG", side="sell")
"""


def test_user_style_test_file_end_to_end(pytester, strategy_file):
    pytester.makepyfile(test_user=USER_TEST.format(path=str(strategy_file)))
    res = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    res.assert_outcomes(passed=2, failed=1)
    res.stdout.fnmatch_lines(["*expected an order with security='600000.XSHG', side='sell'*",
                              "*#1 2024-03-01 09:30 buy  600000.XSHG amount=1000 filled=1000 price=10.00 status=held*"])


@pytest.mark.slow
def test_sample_market_fixture(jq_sample_market, strategy_file):
    h = load_strategy(strategy_file, jq_sample_market)
    day = jq_sample_market.dates[-30]
    h.at(f"{day.date()} 09:30")
    members = h.call(lambda ctx: get_index_stocks("000300.XSHG"), h.context)
    assert len(members) > 10


def test_handle_data_market_switch_and_context_kept_in_g(jq_market):
    src = '''
def initialize(context):
    set_option('use_real_price', True)
    set_slippage(FixedSlippage(0))
    g.ctx = context            # engine objects in g are not deep-copied for g_changes
    g.n = 0
def handle_data(context, data):
    g.n += 1
    g.last = data['600000.XSHG'].close
    order('600000.XSHG', 100)
'''
    m1 = jq_market({"600000.XSHG": [10.0, 11.0, 12.0]}, start="2024-03-01")
    m2 = jq_market({"600000.XSHG": [50.0, 51.0, 52.0]}, start="2024-03-01")
    h = load_strategy("inline.py", m1, source=src)
    h.at("2024-03-04 09:30")
    h.call("handle_data")                       # gets (context, data); data = previous day's bars
    assert h.g_changes == {"last": (MISSING, 10.0), "n": (0, 1)}
    # 09:30 fills at the 03-04 open, which tiny markets set to the previous close 10.00
    assert (h.orders[0].price, h.g.ctx is h.context) == (10.0, True)
    h.at("2024-03-05 09:30", market=m2)         # same portfolio, other market
    assert h.holdings == {"600000.XSHG": 100} and h.positions["600000.XSHG"].price == 51.0
    h.handle_data()
    assert h.g_changes == {"last": (10.0, 51.0), "n": (1, 2)} and h.orders[0].price == 51.0
