"""kuanke.wizard: the strategy wizard's indicator judges, filters, order sizing and risk
control, run inside backtests on a hand-made market (numbers computed by hand below)."""

from __future__ import annotations

import pytest

from jqlite.testing import run_backtest, tiny_market

pytest.importorskip("talib")

# 600000: 24 closes falling 0.1 a day from 12.3 to 10.0, then 13.0 for 6 days
UP = [round(12.3 - 0.1 * i, 1) for i in range(24)] + [13.0] * 6
# 000002: 10.0 for 26 days, then 8.0 (a 20 % fall)
DOWN = [10.0] * 26 + [8.0] * 4
IDX = [3000.0] * 26 + [2800.0] * 4
MARKET = {"600000.XSHG": UP, "000002.XSHE": DOWN, "000300.XSHG": IDX}


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    return tiny_market(tmp_path_factory.mktemp("wiz") / "m", MARKET, start="2024-03-01",
                       types={"000300.XSHG": "index"})


@pytest.fixture(scope="module")
def days(market):
    return [d.strftime("%Y-%m-%d") for d in market.dates]


JUDGES = """
from kuanke.wizard import *
def initialize(context):
    g.res = []
    run_daily(f, 'before_open')
def f(context):
    s = '600000.XSHG'
    g.res.append((MA_judge_jincha(s, 5, 10), MA_judge_duotou(s, 5, 10), MA_judge_kongtou(s),
                  MA_judge_dayu(s, 10.6, 5), MA_judge_qujian(s, (10.0, 10.5)),
                  n_day_chg_dayu(s, 1, 0.25), MA_judge_xiaoyu(s, 10.3), MA_judge_jincha('999999.XSHG')))
"""


def test_indicator_judges_and_n_day_change(market, days):
    # day 25 (history to day 24): MA5 = mean(10.4..10.0) = 10.2 < MA10 = 10.45 (falling)
    # day 26 (history to day 25 = 13.0): MA5 = (10.3+10.2+10.1+10.0+13)/5 = 10.72 >
    #   MA10 = (10.0+...+10.8 + 13)/10 = 10.66, and the bar before MA5 < MA10: golden cross;
    #   1-day change 13.0 / 10.0 - 1 = 30 % > 25 %
    r = run_backtest("wiz.py", market=market, source=JUDGES, start=days[24], end=days[25])
    before, after = r.run.g.res
    assert before == (False, False, True, False, True, False, True, False)
    assert after == (True, True, False, True, False, True, False, False)
    # an unknown code: the judge logs the traceback and answers False, as the wizard does
    assert any("ERROR" in ln and "999999.XSHG" in ln for ln in r.log)


SITUATION = """
from kuanke.wizard import *
def initialize(context):
    g.res = []
    run_daily(f, 'before_open')
def f(context):
    s = '600000.XSHG'
    g.res.append((situation_filter_dayu(s, 'close', 12.9), situation_filter_xiaoyu(s, 'close', 12.9),
                  situation_filter_qujian(s, 'close', (9.5, 10.5)), situation_filter_dayu_ma(s, 'close', 5),
                  situation_filter_xiaoyu_ma(s, 'close', 5), situation_filter_qujian_ma(s, 'close', (2, 5)),
                  round(get_n_day_chg(s, 1), 6), situation_filter_dayu('999999.XSHG', 'close', 1)))
"""


def test_situation_filters_and_n_day_change(market, days):
    # day 25 (history to day 24): closes ... 10.4 10.3 10.2 10.1 10.0; MA5 = 10.2, MA2 = 10.05:
    #   10.0 < 12.9, inside (9.5, 10.5), below MA5; qujian_ma wants MA5 < 10.0 < MA2: no;
    #   1-day change 10.0 / 10.1 - 1
    # day 26 (history to day 25 = 13.0): MA5 = (10.3+10.2+10.1+10.0+13)/5 = 10.72, MA2 = 11.5:
    #   13.0 > 12.9, above MA5; 10.72 < 13.0 but not < 11.5; change 13.0 / 10.0 - 1 = 0.3
    r = run_backtest("wiz.py", market=market, source=SITUATION, start=days[24], end=days[25])
    before, after = r.run.g.res
    assert before == (False, True, True, False, True, False, round(10.0 / 10.1 - 1, 6), False)
    assert after == (True, False, False, True, False, False, 0.3, False)
    # an unknown code: the filter logs the traceback and answers False, as the wizard does
    assert any("ERROR" in ln and "999999.XSHG" in ln for ln in r.log)


RISK = """
from kuanke.wizard import *
def initialize(context):
    g.open_sell = []
    g.index = '000300.XSHG'
    g.daily_risk_management = True
    run_daily(f, 'open')
def f(context):
    if not context.portfolio.positions and not getattr(g, 'bought', False):
        cash = order_style(context, ['000002.XSHE', '600000.XSHG'], 4, 'by_cap_mean')
        g.cash = cash
        v = judge_security_max_proportion(context, '000002.XSHE', cash['000002.XSHE'], 0.2)
        g.value = v
        g.amount = max_buy_value_or_amount('000002.XSHE', v, None, None)
        order('000002.XSHE', g.amount)
        g.bought = True
        return
    security_stoploss(context, 0.15, g.open_sell)
    index_stoploss_diefu(context, 2, 0.05, g.open_sell)
    g.after = dict((s, p.total_amount) for s, p in context.portfolio.positions.items())
"""


def test_order_sizing_and_stop_loss(market, days):
    r = run_backtest("risk.py", market=market, source=RISK, start=days[24], end=days[27], cash=100000)
    g = r.run.g
    # by_cap_mean: total value 100000 / 4 holdings = 25000 each; capped at 20 % of the
    # portfolio = 20000; at the open of 10.0: 2000 shares (whole lots)
    assert g.cash == {"000002.XSHE": 25000.0, "600000.XSHG": 25000.0}
    assert g.value == 20000.0 and g.amount == 2000
    # day 27 the price is 8.0: 1 - 8/10 = 20 % >= 15 %: sold; the index fell 3000 -> 2800
    # (6.7 % >= 5 % over 4 closes): the market stop says "do not open today"
    assert g.after == {}
    assert any("跌幅达个股止损线" in ln for ln in r.log)
    assert g.daily_risk_management is False


def test_star_import_names():
    ns: dict = {}
    exec("from kuanke.wizard import *", ns)
    for name in ("order_style", "get_sort_dataframe", "security_stoploss", "index_stoploss_diefu",
                 "MACD_judge_jincha", "MA_judge_duotou", "BBands_lowerband_judge_dayu",
                 "CDL3BLACKCROWS_judge", "ipo_days_dayu", "money_flow_dayu", "max_hold_days",
                 "financial_data_filter_dayu"):
        assert callable(ns[name]), name
    import datetime
    assert ns["datetime"] is datetime    # the module, as the wizard's own "import datetime"
