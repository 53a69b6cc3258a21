"""Margin-trading (融资融券) sub-accounts (jqlite.execution.margin) with hand-computed numbers.

Calendar of the tiny store: 2024-01-02 (Tue), 01-03, 01-04, 01-05 (Fri), 01-08 (Mon).
Costs in every strategy: commission 0.03 % (min 5 yuan), stamp tax 0.1 % on sells, no slippage.
"""

from __future__ import annotations

import ast

import pytest

from jqlite.testing.builders import tiny_store

A = "600000.XSHG"
B = "600010.XSHG"


@pytest.fixture
def mstore(tmp_path):
    closes = {A: [10.2, 10.4, 10.3, 10.6, 10.7], B: [19.8, 19.2, 18.8, 18.5, 18.4],
              "000300.XSHG": [3900.0, 3910.0, 3890.0, 3920.0, 3930.0]}
    return tiny_store(tmp_path / "s", closes, types={"000300.XSHG": "index"},
                      opens={A: [10.0, 10.3, 10.35, 10.5, 10.6], B: [20.0, 19.5, 19.0, 18.6, 18.45]})


HEAD = """
from jqdata import *
def initialize(context):
    set_subportfolios([SubPortfolioConfig(cash=context.portfolio.starting_cash, type='stock_margin')])
    set_order_cost(OrderCost(open_tax=0, close_tax=0.001, open_commission=0.0003,
                             close_commission=0.0003, min_commission=5), type='stock')
    set_slippage(FixedSlippage(0))
    set_option('margincash_interest_rate', 0.08)
    set_option('marginsec_interest_rate', 0.10)
    run_daily(trade, 'open')
    run_daily(look, '15:30')
def look(context):
    s = context.subportfolios[0]
    log.info('SEEN ' + repr((str(context.current_dt.date()), s.type, s.available_cash, s.total_value,
                             s.cash_liability, s.sec_liability, s.interest, s.total_liability, s.net_value,
                             s.available_margin, min(s.maintenance_margin_rate, 1e18),
                             {k: p.total_amount for k, p in s.long_positions.items()},
                             {k: p.total_amount for k, p in s.short_positions.items()})))
"""


def _seen(res):
    return [ast.literal_eval(ln.split("SEEN ", 1)[1]) for ln in res.log if "SEEN " in ln]


def test_financed_buy_direct_refund_and_repayment_with_interest(mstore, run_strategy):
    src = HEAD + """
def trade(context):
    d = str(context.current_dt.date())
    if d == '2024-01-02':
        o = margincash_open('600000.XSHG', 5000)      # 5000 * 10.00 = 50000, commission 15.00
        assert o.filled == 5000 and o.commission == 15.0
        assert margincash_close('600000.XSHG', 5000) is None      # T+1: nothing closeable today
    elif d == '2024-01-03':
        assert margincash_direct_refund(20000) == 20000
    elif d == '2024-01-05':
        o = margincash_close('600000.XSHG', 5000)     # 5000 * 10.50 = 52500: 15.75 + tax 52.50
        assert o.filled == 5000 and o.commission == 68.25
"""
    res = run_strategy(mstore, src, "2024-01-02", "2024-01-08", 100_000.0)
    assert res.error is None, res.error
    s = _seen(res)
    day_i = 50015.0 * 0.08 / 360                       # one day's interest on the first debt
    # day 1: the fees are financed too; interest starts at the close
    d1 = s[0]
    assert d1[1] == "stock_margin"
    assert d1[2] == pytest.approx(100_000.0)           # own cash untouched
    assert d1[3] == pytest.approx(100_000.0 + 5000 * 10.2)
    assert d1[4] == pytest.approx(50015.0) and d1[5] == 0 and d1[6] == 0
    assert d1[8] == pytest.approx(100_000.0 + 51000.0 - 50015.0)
    assert d1[9] == pytest.approx(d1[8] - 50015.0)     # net - cash_liability * 100 %
    assert d1[10] == pytest.approx(151_000.0 / 50015.0)
    assert d1[11] == {A: 5000}
    # day 2: 20000 repaid, the day's interest first (11.114444), then principal
    debt2 = 50015.0 - (20000.0 - day_i)
    d2 = s[1]
    assert d2[2] == pytest.approx(80_000.0)
    assert d2[4] == pytest.approx(debt2) and d2[6] == pytest.approx(0.0, abs=1e-9)
    # day 4 (Fri): 2 days of interest on the smaller debt are repaid with it
    int_2 = 2 * debt2 * 0.08 / 360
    cash4 = 80_000.0 + (52500.0 - 15.75 - 52.5) - int_2 - debt2
    d4 = s[3]
    assert d4[2] == pytest.approx(cash4) and d4[4] == 0 and d4[6] == 0 and d4[11] == {}
    assert cash4 == pytest.approx(100_000.0 + 2500.0 - 15.0 - 68.25 - day_i - int_2)
    # the equity curve counts the net value (borrowing is no gain): day 1 after its interest
    tv = list(res.daily["total_value"])
    assert tv[0] == pytest.approx(100_000.0 + 51000.0 - 50015.0 - day_i)
    assert tv[3] == pytest.approx(cash4) and tv[4] == pytest.approx(cash4)
    assert list(res.trades["amount"]) == [5000, 5000]


def test_short_sale_marked_to_market_and_bought_back(mstore, run_strategy):
    src = HEAD + """
def trade(context):
    d = str(context.current_dt.date())
    if d == '2024-01-02':
        o = marginsec_open('600010.XSHG', 2000)       # 2000 * 20.00 = 40000: 12.00 + tax 40.00
        assert o.filled == 2000 and o.side == 'short' and not o.is_buy
    elif d == '2024-01-04':
        o = marginsec_close('600010.XSHG', 1000)      # 1000 * 19.00 = 19000: 5.70
        assert o.filled == 1000 and o.is_buy
    elif d == '2024-01-05':
        o = marginsec_close('600010.XSHG', 5000)      # capped at the 1000 owed: 18600: 5.58
        assert o.filled == 1000
"""
    res = run_strategy(mstore, src, "2024-01-02", "2024-01-05", 100_000.0)
    assert res.error is None, res.error
    s = _seen(res)
    proceeds = 40000.0 - 12.0 - 40.0
    d1 = s[0]
    assert d1[2] == pytest.approx(100_000.0)                    # proceeds are frozen
    assert d1[3] == pytest.approx(100_000.0 + proceeds)
    assert d1[5] == pytest.approx(2000 * 19.8)                  # liability at the close
    assert d1[8] == pytest.approx(100_000.0 + proceeds - 39600.0)
    assert d1[9] == pytest.approx(d1[8] - 39600.0)
    assert d1[12] == {B: 2000}
    day_i = 40000.0 * 0.10 / 360                                # on the sale value
    d2 = s[1]
    assert d2[5] == pytest.approx(2000 * 19.2) and d2[6] == pytest.approx(day_i)
    assert d2[8] == pytest.approx(100_000.0 + proceeds - 38400.0 - day_i)
    # day 3: half bought back; the frozen proceeds pay it and half the interest, cash untouched
    frozen3 = proceeds - (19000.0 + 5.70) - day_i
    d3 = s[2]
    assert d3[2] == pytest.approx(100_000.0)
    assert d3[3] == pytest.approx(100_000.0 + frozen3)
    assert d3[5] == pytest.approx(1000 * 18.8) and d3[6] == pytest.approx(day_i)
    assert d3[12] == {B: 1000}
    # day 4: the rest, with one more day of interest on the remaining 20000 sale value; the
    # short is settled, so what is left of its proceeds is released
    int_rest = day_i + 20000.0 * 0.10 / 360
    cash4 = 100_000.0 + frozen3 - (18600.0 + 5.58) - int_rest
    d4 = s[3]
    assert d4[2] == pytest.approx(cash4) and d4[12] == {} and d4[7] == 0
    # the whole trade: 2400 gained, 63.28 of fees, 2.5 days' interest on 40000 at 10 %
    assert cash4 == pytest.approx(100_000.0 + 2400.0 - (12.0 + 40.0 + 5.70 + 5.58) - 2.5 * day_i)
    assert res.daily["total_value"].iloc[-1] == pytest.approx(cash4)


def test_order_refused_for_insufficient_available_margin(mstore, run_strategy):
    src = HEAD.replace("    run_daily(trade, 'open')", "    set_option('margincash_margin_rate', 1.5)\n    run_daily(trade, 'open')") + """
def trade(context):
    if str(context.current_dt.date()) != '2024-01-02':
        return
    s = context.subportfolios[0]
    o = order_value('600000.XSHG', 30000)             # collateral bought with own cash: 3000 sh, fee 9
    assert o.filled == 3000 and s.available_cash == 100000 - 30009
    assert s.available_margin == pytest_approx(100000 - 9)
    o = margincash_open('600000.XSHG', 20000)         # (6600*10 + 19.80) * 1.5 + 19.80 <= 99991
    assert o.filled == 6600 and o.status == OrderStatus.canceled, (o.filled, o.status, s.available_margin)
    left = 99991 - 19.80 - 66019.80 * 1.5
    assert abs(s.available_margin - left) < 1e-6
    o = margincash_open('600000.XSHG', 100)           # (1000 + 5) * 1.5 + 5 = 1512.5 > 941.5
    assert o.filled == 0 and o.status == OrderStatus.canceled
    g.done = True
def pytest_approx(x):
    return round(x, 6)
"""
    res = run_strategy(mstore, src, "2024-01-02", "2024-01-02", 100_000.0)
    assert res.error is None, res.error
    log = "\n".join(res.log)
    assert "可用保证金不足" in log and "一手还差 571.00 元" in log
    assert "剩余部分取消 (已成交 6600/20000)" in log
    assert list(res.trades["amount"]) == [3000, 6600]


def test_margin_functions_need_a_margin_account(mstore, run_strategy):
    # JoinQuant's default sub-account is type 'stock': margin functions are refused there
    src = """
from jqdata import *
def initialize(context):
    run_daily(trade, 'open')
def trade(context):
    assert marginsec_open('600010.XSHG', 1000, style=None, pindex=0) is None
    assert margincash_open('600000.XSHG', 1000) is None
    assert margincash_direct_refund(100) is None
    assert order('600000.XSHG', 100).filled == 100      # ordinary orders are unaffected
"""
    res = run_strategy(mstore, src, "2024-01-02", "2024-01-02", 100_000.0)
    assert res.error is None, res.error
    assert "不是融资融券账户" in "\n".join(res.log)
    assert list(res.trades["amount"]) == [100]


def test_stock_and_margin_subaccounts_direct_return(mstore, run_strategy):
    src = """
from jqdata import *
def initialize(context):
    set_subportfolios([SubPortfolioConfig(cash=40000, type='stock'),
                       SubPortfolioConfig(cash=60000, type='stock_margin')])
    set_slippage(FixedSlippage(0))
    set_order_cost(OrderCost(open_tax=0, close_tax=0, open_commission=0, close_commission=0,
                             min_commission=0), type='stock')
    run_daily(trade, 'open')
def trade(context):
    s0, s1 = context.subportfolios
    if str(context.current_dt.date()) != '2024-01-02':
        return
    assert s0.type == 'stock' and s1.type == 'stock_margin'
    order('600000.XSHG', 1000)                                   # pindex 0: the stock account
    assert s0.available_cash == 40000 - 10000 and s1.available_cash == 60000
    marginsec_open('600010.XSHG', 1000, pindex=1)                # 20000 frozen
    order('600010.XSHG', 1000, pindex=1)                         # collateral buy: 20000 of cash
    assert s1.available_cash == 40000 and s1.long_positions['600010.XSHG'].closeable_amount == 0
    assert marginsec_direct_refund('600010.XSHG', 1000, pindex=1) == 1000   # today's shares may go back
    assert s1.available_cash == 60000 and not s1.short_positions and not s1.long_positions
    transfer_cash(1, 0, 10000)
    assert s0.available_cash == 40000 and s1.available_cash == 50000
    assert context.portfolio.total_liability == 0
    inout_cash(1000, pindex=1)
    assert s1.available_cash == 51000 and s1.inout_cash == 51000 and s0.inout_cash == 50000
"""
    res = run_strategy(mstore, src, "2024-01-02", "2024-01-02", 100_000.0)
    assert res.error is None, res.error
    assert list(res.trades["amount"]) == [1000, 1000, 1000]


def test_dividends_paid_to_longs_and_owed_by_shorts(tmp_path, run_strategy):
    closes = {A: [10.2, 10.4, 10.3], B: [19.8, 19.2, 18.8], "000300.XSHG": [3900.0, 3910.0, 3890.0]}
    st = tiny_store(tmp_path / "x", closes, types={"000300.XSHG": "index"},
                    opens={A: [10.0, 10.3, 10.35], B: [20.0, 19.5, 19.0]},
                    xrxd=[(A, "2024-01-03", 2.0, 1.0), (B, "2024-01-03", 1.0, 1.3)])
    src = HEAD.replace("    run_daily(trade, 'open')", "    set_option('use_real_price', True)\n"
                       "    set_order_cost(OrderCost(), type='stock')\n    run_daily(trade, 'open')") + """
def trade(context):
    if str(context.current_dt.date()) == '2024-01-02':
        assert margincash_open('600000.XSHG', 5000).filled == 5000      # financed: no cash used
        assert marginsec_open('600010.XSHG', 1000).filled == 1000       # proceeds frozen
"""
    res = run_strategy(st, src, "2024-01-02", "2024-01-03", 100_000.0)
    assert res.error is None, res.error
    s = _seen(res)
    # ex-date: +0.2 * 5000 * 0.8 = 800 on the long; -0.1 * 1000 = 100 owed to the lender; the
    # short grows to 1000 * 1.3 = 1300 shares owed
    assert s[1][2] == pytest.approx(100_000.0 + 800.0 - 100.0)
    assert s[1][11] == {A: 5000} and s[1][12] == {B: 1300}
    assert s[1][5] == pytest.approx(1300 * 19.2)       # the liability: shares owed x the close


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory):
    from jqlite.data.sample import generate_sample_market
    path = tmp_path_factory.mktemp("margin") / "sample"
    generate_sample_market(path, n_stocks=20, start="2020-06-01", end="2020-12-31")
    return path


def test_margin_targets_follow_the_published_list(small_sample, run_strategy):
    # the sample market's 融资融券 list (get_margincash_stocks() of the simulated day) decides
    # what may be financed or shorted; a non-target is refused with the reason logged
    from jqlite.data.store import open_store
    src = """
from jqdata import *
def initialize(context):
    set_subportfolios([SubPortfolioConfig(cash=context.portfolio.starting_cash, type='stock_margin')])
    run_daily(trade, 'open')
def trade(context):
    listed = set(get_all_securities('stock', context.current_dt).index)
    targets = set(get_margincash_stocks())
    assert targets == set(get_marginsec_stocks())
    assert targets and targets <= listed and targets != listed
    inside = sorted(targets)[0]
    outside = sorted(listed - targets)[0]
    assert margincash_open(inside, 100).filled == 100
    assert marginsec_open(outside, 100) is None
    assert margincash_open(outside, 100) is None
    assert order(outside, 100).filled == 100          # collateral may be any stock
    g.pair = (inside, outside)
    unschedule_all()
"""
    res = run_strategy(open_store(small_sample), src, "2020-11-02", "2020-11-03", 1_000_000.0)
    assert res.error is None, res.error
    log = "\n".join(res.log)
    assert "不是融券标的" in log and "不是融资标的" in log
    assert len(res.trades) == 2


def test_orders_before_the_open_wait_and_can_be_cancelled(mstore, run_strategy):
    src = HEAD.replace("    run_daily(trade, 'open')", "    run_daily(early, '09:00')\n    run_daily(trade, 'open')") + """
def early(context):
    if str(context.current_dt.date()) == '2024-01-02':
        a = margincash_open('600000.XSHG', 1000)
        b = marginsec_open('600010.XSHG', 1000)
        assert a.status == OrderStatus.new and set(get_open_orders()) == {a.order_id, b.order_id}
        cancel_order(b)
        g.ids = (a.order_id, b.order_id)
def trade(context):
    if str(context.current_dt.date()) == '2024-01-02':
        a, b = (get_orders()[i] for i in g.ids)
        assert a.filled == 1000 and a.price == 10.0          # matched at the open
        assert b.filled == 0 and b.status == OrderStatus.canceled
"""
    res = run_strategy(mstore, src, "2024-01-02", "2024-01-02", 100_000.0)
    assert res.error is None, res.error
    assert list(res.trades["amount"]) == [1000]
