"""Futures sub-accounts (jqlite.execution.futures) with hand-computed numbers, and the sample
market's futures (jqlite.data.futures): contract calendar, dominant contract, continuous codes,
expiry."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from jqlite.data import futures as F
from jqlite.testing.builders import tiny_store

CODE = "IF2401.CCFX"


@pytest.fixture
def fstore(tmp_path):
    # four days: open/close in index points; the contract's last trading day is day 4
    closes = {CODE: [4000.0, 4010.0, 3990.0, 4020.0], "000300.XSHG": [3900.0, 3910.0, 3890.0, 3920.0]}
    st = tiny_store(tmp_path / "s", closes, types={CODE: "futures", "000300.XSHG": "index"},
                    opens={CODE: [3995.0, 4005.0, 4012.0, 3992.0]}, end_dates={CODE: "2024-01-05"})
    return st


COMMON = """
from jqdata import *
def initialize(context):
    set_subportfolios([SubPortfolioConfig(cash=context.portfolio.starting_cash, type='index_futures')])
    set_order_cost(OrderCost(open_commission=0.0001, close_commission=0.0002,
                             close_today_commission=0.001), type='index_futures')
    set_slippage(FixedSlippage(0), type='futures')
    set_option('futures_margin_rate', 0.1)
    run_daily(trade, 'open')
    run_daily(look, '15:30')
def look(context):
    p = context.portfolio
    s = context.subportfolios[0]
    log.info('SEEN ' + repr((str(context.current_dt.date()), round(p.total_value, 2), round(p.available_cash, 2),
                             round(s.margin, 2), sorted(p.long_positions), sorted(p.short_positions))))
"""


def test_margin_fees_settlement_and_expiry(fstore, run_strategy):
    src = COMMON + """
def trade(context):
    g.n = getattr(g, 'n', 0) + 1
    if g.n == 1:
        order('IF2401.CCFX', 2, side='long')           # 3995 * 300 * 2 * 0.0001 = 239.70
        order('IF2401.CCFX', 1, side='short')          # 119.85
    elif g.n == 2:
        order('IF2401.CCFX', -1, side='long')          # yesterday's lot: 4005*300*0.0002 = 240.30
        order('IF2401.CCFX', 1, side='short')          # 120.15
        o = order_target('IF2401.CCFX', 0, side='short')   # 1 old + 1 today: 4005*300*(0.0002+0.001)
        assert o.action == 'close' and o.side == 'short' and o.is_buy
"""
    res = run_strategy(fstore, src, "2024-01-02", "2024-01-05", 1_000_000.0)
    assert res.error is None, res.error
    t = res.trades
    assert list(t["commission"]) == [239.70, 119.85, 240.30, 120.15, 1441.80]
    assert list(t["price"]) == [3995.0] * 2 + [4005.0] * 3
    tv = list(np.round(res.daily["total_value"], 2))
    # day 1: settle 4000: +5*300*2 long, -5*300 short, minus fees
    d1 = 1_000_000 - 239.70 - 119.85 + 3000 - 1500
    # day 2: long lot closed +1500 - 240.30; shorts: -1500 realised, fees 120.15 + 1441.80;
    # the last long lot settles 4000 -> 4010: +3000
    d2 = d1 - 240.30 + 1500 - 120.15 - 1441.80 - 1500 + 3000
    d3 = d2 + (3990 - 4010) * 300          # settlement at 3990
    d4 = d3 + (4020 - 3990) * 300          # last day: settled at 4020 and closed (no fee)
    assert tv == pytest.approx([d1, d2, d3, d4], abs=0.01)
    g = _g(res)
    assert g[0][3] == pytest.approx(4000 * 300 * 3 * 0.1)            # margin on 3 lots
    assert g[0][2] == pytest.approx(d1 - 360000.0, abs=0.01)          # available = equity - margin
    assert g[0][4] == [CODE] and g[0][5] == [CODE]
    assert g[1][3] == pytest.approx(4010 * 300 * 0.1) and g[1][5] == []
    assert g[3][4] == [CODE]                     # still held at 15:30 of its last trading day,
    assert res.daily["positions_value"].iloc[-1] == 0     # closed by the day's settlement
    assert "到期交割" in "\n".join(res.log)


def _g(res):
    """The SEEN rows the strategy logged at 15:30 each day."""
    import ast
    rows = [ln.split("SEEN ", 1)[1] for ln in res.log if "SEEN " in ln]
    return [ast.literal_eval(r) for r in rows]


def test_order_value_converts_with_margin_and_refuses_without_cash(fstore, run_strategy):
    src = COMMON + """
def trade(context):
    if context.current_dt.day == 2:
        o = order_value('IF2401.CCFX', 250000, side='short')   # 3995*300*0.1 = 119850 per lot -> 2
        assert o.filled == 2 and not o.is_buy
        # left: 1e6 - 239.70 - 239700 = 760060.30; a lot needs 3995*300*(0.1 + 0.0001) = 119969.85
        assert order('IF2401.CCFX', 100, side='long').filled == 6
        assert order('IF8888.CCFX', 1) is None                      # continuous codes do not trade
        assert order('IF2401.CCFX', -1, side='long', pindex=3) is None
"""
    res = run_strategy(fstore, src, "2024-01-02", "2024-01-03", 1_000_000.0)
    assert res.error is None, res.error
    assert list(res.trades["amount"]) == [2, 6]
    log = "\n".join(res.log)
    assert "可用资金不足" in log or "剩余部分取消" in log


def test_stock_and_futures_subaccounts_transfer_cash(fstore, run_strategy):
    src = """
from jqdata import *
def initialize(context):
    set_subportfolios([SubPortfolioConfig(cash=600000, type='stock'),
                       SubPortfolioConfig(cash=400000, type='futures')])
    set_slippage(FixedSlippage(0), type='futures')
    run_daily(trade, 'open')
def trade(context):
    s0, s1 = context.subportfolios
    assert s0.type == 'stock' and s1.type == 'futures'
    if context.current_dt.day == 2:
        assert s0.available_cash == 600000 and s1.total_value == 400000
        transfer_cash(0, 1, 100000)
        assert s0.available_cash == 500000 and s1.available_cash == 500000
        order('IF2401.CCFX', 1, side='short', pindex=1)
        assert list(context.portfolio.short_positions) == ['IF2401.CCFX']
        assert context.portfolio.total_value == pytest_total(context)
def pytest_total(context):
    return sum(s.total_value for s in context.subportfolios)
"""
    res = run_strategy(fstore, src, "2024-01-02", "2024-01-03", 1_000_000.0)
    assert res.error is None, res.error
    assert len(res.trades) == 1


# ----------------------------------------------------------------------------- sample market data
def test_cffex_contract_calendar():
    days = pd.bdate_range("2020-11-02", "2021-03-31")
    cs = {c.code: c for c in F.contracts(days, F.VARIETIES["IF"])}
    # IF2101 expires on the third Friday of January 2021 and lists the day after IF2011 expires
    assert days[cs["IF2101.CCFX"].i1].date() == dt.date(2021, 1, 15)
    assert days[cs["IF2101.CCFX"].i0].date() == dt.date(2020, 11, 23)
    i = days.get_loc(pd.Timestamp("2021-01-18"))
    listed = sorted(c for c, k in cs.items() if k.i0 <= i <= k.i1)
    assert listed == ["IF2102.CCFX", "IF2103.CCFX", "IF2106.CCFX", "IF2109.CCFX"]   # 2 months + 2 quarters
    # commodities: SHFE stops on the 15th (next trading day when a holiday), DCE the 10th trading day
    rb = {c.code: c for c in F.contracts(pd.bdate_range("2020-01-02", "2021-12-31"), F.VARIETIES["RB"])}
    d2 = pd.bdate_range("2020-01-02", "2021-12-31")
    assert d2[rb["RB2105.XSGE"].i1].date() == dt.date(2021, 5, 17)       # 15 May 2021 is a Saturday
    lh = [c.code for c in F.contracts(d2, F.VARIETIES["LH"])]
    assert lh[0] == "LH2109.XDCE" and all(int(c[4:6]) % 2 == 1 for c in lh)


def test_parse_and_classify():
    from jqlite.data.on_demand import classify, codes_in_source
    assert F.parse("IF2103.CCFX")[0].multiplier == 300
    assert F.parse("IC8888.CCFX")[1] == "8888"
    assert F.parse("IF2103.XSGE") is None and F.parse("ZZ2103.CCFX") is None
    assert classify("RB9999.XSGE").kind == "futures" and classify("RB2113.XSGE") is None
    assert codes_in_source("x = ['IF8888.CCFX', 'J8888.XDCE'] # 000300.XSHG") == ["IF8888.CCFX", "J8888.XDCE"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from jqlite.data.sample import generate_sample_market
    path = tmp_path_factory.mktemp("fut") / "sample"
    generate_sample_market(path, n_stocks=20, start="2020-06-01", end="2021-06-30")
    return path


def test_sample_dominant_switch_and_continuous_codes(sample):
    from jqlite.data.store import open_store
    st = open_store(sample)
    p = F.panel(st, "IF")
    oi = p.fields["open_interest"]
    switched = 0
    for i in range(1, st.n_days):
        a, b = p.dominant[i - 1], p.dominant[i]
        if a >= 0 and b != a and p.contracts[a].i1 >= i:    # a switch while the old one still trades
            assert b > a and oi[i - 1, b] > 1.1 * oi[i - 1, a]
            switched += 1
        if b >= 0:
            assert p.continuous["8888"]["close"][i] == p.fields["close"][i, b]
    assert switched >= 8
    # the index code is the open-interest weighted average, on the tick grid
    i = st.day_index("2021-03-01")
    alive = ~np.isnan(p.fields["close"][i])
    w = oi[i, alive]
    exp = np.round((p.fields["close"][i, alive] * w).sum() / w.sum() / 0.2) * 0.2
    assert p.continuous["9999"]["close"][i] == pytest.approx(exp)
    # delivery settlement is the underlying's close
    k = p.index["IF2101.CCFX"]
    j = st.code_index["000300.XSHG"]
    last = p.contracts[k].i1
    assert st.dates[last].date() == dt.date(2021, 1, 15)
    assert p.fields["settlement"][last, k] == pytest.approx(round(float(st.field("close")[last, j]), 2))


def test_sample_backtest_trades_the_dominant_contract(sample, run_strategy):
    from jqlite.data.store import open_store
    src = """
from jqdata import *
def initialize(context):
    set_subportfolios([SubPortfolioConfig(cash=context.portfolio.starting_cash, type='index_futures')])
    set_benchmark('IF8888.CCFX')
    run_daily(trade, '10:00', reference_security='IF8888.CCFX')
def trade(context):
    dom = get_dominant_future('IF')
    if dom not in context.portfolio.short_positions:
        for c in list(context.portfolio.short_positions):
            order_target(c, 0, side='short')
        order(dom, 1, side='short')
    log.info('DOM', dom, get_security_info(dom).end_date,
             get_extras('futures_sett_price', [dom], end_date=context.previous_date, count=1).iloc[0, 0])
"""
    res = run_strategy(open_store(sample), src, "2021-01-04", "2021-02-26", 2_000_000.0)
    assert res.error is None, res.error
    codes = list(dict.fromkeys(res.trades["security"]))
    assert codes[:2] == ["IF2101.CCFX", "IF2102.CCFX"]
    assert res.trades["is_buy"].tolist()[:3] == [False, True, False]   # roll: close short, open next


def test_sample_research_answers(sample, monkeypatch):
    from jqdata import get_extras, get_future_contracts, get_security_info
    from jqlite.api import research as r
    from jqlite.data.store import open_store
    monkeypatch.setenv("JQLITE_DATA", str(sample))
    monkeypatch.setattr(r, "research_store", lambda: open_store(sample))
    assert get_future_contracts("IF", "2021-01-18") == ["IF2102.CCFX", "IF2103.CCFX", "IF2106.CCFX",
                                                         "IF2109.CCFX"]
    st = open_store(sample)         # synthesised by the call above
    info = get_security_info("IF2102.CCFX")
    assert info.type == "futures" and str(info.end_date) == "2021-02-19"   # third Friday
    with pytest.warns(RuntimeWarning, match="IF3001.CCFX"):
        assert get_security_info("IF3001.CCFX") is None    # a month outside the calendar
    oi = get_extras("futures_positions", ["IF2102.CCFX"], start_date="2021-01-18", end_date="2021-01-19")
    k = F.panel(st, "IF").index["IF2102.CCFX"]
    i = st.day_index("2021-01-18")
    assert oi.iloc[0, 0] == F.panel(st, "IF").fields["open_interest"][i, k] > 0
