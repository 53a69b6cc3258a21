"""Third-party modules real JoinQuant files import at the top (spec real_strategy_api_usage.md
§10): talib, six (BytesIO with read_file), prettytable, statsmodels."""

import pytest

import jqlite

pytestmark = pytest.mark.smoke  # also run on Python 3.12 / 3.13 by .ci/run

SRC = """
from jqdata import *
import talib
import numpy as np
from six import BytesIO
import pandas as pd
from prettytable import PrettyTable
import statsmodels.api as sm

def initialize(context):
    write_file('prices.csv', 'code,close\\n600000.XSHG,10.0\\n')
    g.table = pd.read_csv(BytesIO(read_file('prices.csv')))
    run_daily(check, '15:00')

def check(context):
    close = attribute_history('600000.XSHG', 3, '1d', ['close'])['close'].values
    if len(close) < 3:
        return
    g.sma = talib.SMA(close, 3)[-1]
    t = PrettyTable(['sma'])
    t.add_row([round(g.sma, 2)])
    g.rendered = t.get_string()
"""


def test_talib_six_prettytable_statsmodels_import_and_work(jq_market, tmp_path):
    market = jq_market({"600000.XSHG": [10.0, 10.2, 10.4, 10.6]}, start="2024-03-01")
    res = jqlite.run_backtest("imports.py", "2024-03-01", "2024-03-06", source=SRC, store=market,
                              storage=tmp_path)
    g = res.run.g
    assert g.table["close"].tolist() == [10.0]
    # on 2024-03-06 attribute_history('1d') ends the day before (JoinQuant: today's bar is not
    # included): closes 10.0, 10.2, 10.4 -> SMA 10.2
    assert abs(g.sma - 10.2) < 1e-9
    assert "10.2" in g.rendered
