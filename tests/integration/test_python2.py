"""Python 2 JoinQuant files (spec real_strategy_api_usage.md §11) run after an in-memory
lib2to3 conversion; the user's line numbers are kept."""

import pytest

import jqlite

pytestmark = pytest.mark.smoke  # also run on Python 3.12 / 3.13 by .ci/run

PY2 = """
from jqdata import *

def initialize(context):
    g.security = '600000.XSHG'
    g.seen = []
    run_daily(market_open, time='09:30')

def market_open(context):
    try:
        price = attribute_history(g.security, 1, '1d', ['close'])['close'][-1]
    except Exception, e:
        print 'error', e
        return
    if not g.seen:
        print "buy at", price
        order_value(g.security, 10000)
    g.seen.append(price)
    d = {'a': 1}
    if d.has_key('a') and len(g.seen) == 3:
        raise ValueError, 'third day'
"""


def test_python2_strategy_runs_and_keeps_line_numbers(jq_market):
    market = jq_market({"600000.XSHG": [10.0, 10.2, 10.4, 10.6]}, start="2024-03-01")
    res = jqlite.run_backtest("py2.py", "2024-03-01", "2024-03-06", source=PY2, store=market,
                              raise_errors=False)
    assert any("Python 2 source converted" in line for line in res.log)
    # orders were placed: the first day buys 10,000 yuan at the 09:30 price (open = 10.0)
    assert len(res.orders) == 1 and int(res.orders["amount"].iloc[0]) == 1000
    # the ValueError on the third day points at the user's line 21 (`raise ValueError, ...`)
    assert res.error is not None
    assert "third day" in str(res.error) and "line 21" in str(res.error)
    assert res.run.g.seen == [10.0, 10.2, 10.4]
