"""Real JoinQuant files in jqlite's runtime (issue 12): the legacy pandas/numpy layer, source
decoding, Python 2 conversion, the strategy namespace, positions iterated while ordering,
date arguments and JoinQuant's preinstalled libraries.  Numbers are hand-computed."""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jqlite.compat import legacy
from jqlite.compat.dates import JQDate, to_timestamp
from jqlite.compat.source import decode_source, old_div, python2_to_3, read_strategy
from jqlite.errors import ConfigError, ParamsError, StrategyError
from jqlite.testing import run_backtest, tiny_market

legacy.install()

pytestmark = pytest.mark.smoke  # runtime compatibility: also run on Python 3.12 / 3.13 by .ci/run

MARKET = {"600000.XSHG": [10.0, 10.5, 11.0, 11.5], "600001.XSHG": [20.0, 20.0, 21.0, 22.0],
          "000002.XSHE": [5.0, 5.5, 6.0, 6.5], "000300.XSHG": [3000, 3010, 3020, 3030]}


@pytest.fixture(scope="module")
def market():
    return tiny_market(Path(tempfile.mkdtemp()) / "m", MARKET, start="2024-03-01",
                       types={"000300.XSHG": "index"},
                       index_members={"000300.XSHG": ["600000.XSHG", "600001.XSHG"]})


def quiet(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        return fn()


# ---------------------------------------------------------------------------- pandas legacy names

def test_series_sort_is_in_place_and_order_returns_a_copy():
    s = pd.Series([3.0, 1.0, 2.0], index=["a", "b", "c"])
    assert quiet(lambda: s.sort()) is None
    assert list(s.index) == ["b", "c", "a"] and list(s) == [1.0, 2.0, 3.0]
    t = pd.Series([3, 1, 2])
    o = quiet(lambda: t.order(ascending=False))
    assert list(o) == [3, 2, 1] and list(t) == [3, 1, 2]


def test_dataframe_sort_returns_a_sorted_copy_by_columns_or_index():
    df = pd.DataFrame({"x": [3, 1, 2], "y": [1, 2, 3]}, index=["a", "b", "c"])
    assert list(quiet(lambda: df.sort("x")).index) == ["b", "c", "a"]
    assert list(quiet(lambda: df.sort(columns="x", ascending=False)).index) == ["a", "c", "b"]
    assert list(quiet(lambda: df.sort_index(by="y", ascending=False)).index) == ["c", "b", "a"]
    assert list(df.index) == ["a", "b", "c"]          # a copy: df unchanged
    rev = df.iloc[::-1]
    assert list(quiet(lambda: rev.sort()).index) == ["a", "b", "c"]   # no columns: by index
    assert list(rev.sort_index().index) == ["a", "b", "c"]            # modern call unchanged


def test_ix_labels_then_positions():
    df = pd.DataFrame({"x": [3, 1, 2], "y": [7, 8, 9]}, index=["a", "b", "c"])
    assert quiet(lambda: df.ix["b", "y"]) == 8
    assert quiet(lambda: df.ix[2, "x"]) == 2                       # position on a str index
    assert list(quiet(lambda: df.ix[0:2]).index) == ["a", "b"]    # positional slice
    assert quiet(lambda: df.ix[1, 0]) == 1
    s = pd.Series([5.0, 6.0], index=[10, 20])
    assert quiet(lambda: s.ix[20]) == 6.0                         # integer index: labels
    quiet(lambda: df.ix.__setitem__(("a", "y"), 70))
    assert df.at["a", "y"] == 70


def test_rolling_expanding_and_ewm_functions_give_old_values():
    s = pd.Series([1.0, 2.0, 3.0, 4.0])
    assert quiet(lambda: pd.rolling_mean(s, 2)).tolist()[1:] == [1.5, 2.5, 3.5]
    arr = quiet(lambda: pd.rolling_sum(np.array([1.0, 2.0, 3.0, 4.0]), 3))
    assert isinstance(arr, np.ndarray) and np.isnan(arr[1]) and list(arr[2:]) == [6.0, 9.0]
    # sample std (ddof=1) of [1,2,3] is 1
    assert quiet(lambda: pd.rolling_std(s, 3)).iloc[2] == pytest.approx(1.0)
    assert quiet(lambda: pd.rolling_max(s, 2)).iloc[3] == 4.0
    assert quiet(lambda: pd.expanding_mean(s)).tolist() == [1.0, 1.5, 2.0, 2.5]
    # span=2 -> alpha 2/3, adjusted weights 1, 1/3, 1/9:  (3 + 2/3 + 1/9) / (1 + 1/3 + 1/9)
    e = quiet(lambda: pd.ewma(pd.Series([1.0, 2.0, 3.0]), span=2))
    assert e.tolist() == pytest.approx([1.0, 1.75, (3 + 2 / 3 + 1 / 9) / (1 + 1 / 3 + 1 / 9)])


def test_pandas_stats_ols_fits_a_line():
    from pandas.stats.api import ols
    x = pd.Series([0.0, 1.0, 2.0, 3.0, 4.0])
    y = 2.0 * x + 1.0 + pd.Series([0.1, -0.1, 0.0, 0.1, -0.1])
    r = quiet(lambda: ols(y=y, x=x))
    # least squares on these residual-balanced points: slope 2 - 0.02, intercept 1 + 0.04
    assert list(r.beta.index) == ["x", "intercept"]
    assert r.beta["x"] == pytest.approx(1.98) and r.beta["intercept"] == pytest.approx(1.04)
    assert r.resid.sum() == pytest.approx(0.0, abs=1e-12)
    assert 0.99 < r.r2 < 1.0 and r.nobs == 5 and r.df_resid == 3


def test_append_iteritems_as_matrix_valid_mad():
    df = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
    out = quiet(lambda: df.append({"x": 5, "y": 6}, ignore_index=True))
    assert out.to_numpy().tolist() == [[1, 3], [2, 4], [5, 6]]
    out2 = quiet(lambda: df.append(pd.DataFrame({"x": [9], "y": [9]}), ignore_index=True))
    assert len(out2) == 3 and out2["x"].tolist() == [1, 2, 9]
    s = quiet(lambda: pd.Series([1, 2]).append(pd.Series([3])))
    assert s.tolist() == [1, 2, 3]
    assert [k for k, _ in quiet(lambda: df.iteritems())] == ["x", "y"]
    assert quiet(lambda: df.as_matrix(["y"])).tolist() == [[3], [4]]
    assert quiet(lambda: pd.Series([1.0, np.nan, 3.0]).valid()).tolist() == [1.0, 3.0]
    assert quiet(lambda: pd.Series([1.0, 2.0, 3.0, 6.0]).mad()) == pytest.approx(1.5)


def test_numpy_removed_aliases():
    assert quiet(lambda: np.float) is float and quiet(lambda: np.int) is int
    assert quiet(lambda: np.object) is object and quiet(lambda: np.str) is str
    assert np.isnan(quiet(lambda: np.NaN)) and quiet(lambda: np.Inf) == np.inf
    assert quiet(lambda: np.NINF) == -np.inf and quiet(lambda: np.float_) is np.float64
    assert quiet(lambda: np.product([2, 3, 4])) == 24
    assert quiet(lambda: np.cumproduct([2, 3])).tolist() == [2, 6]
    assert quiet(lambda: np.alltrue([True, False])) is np.False_
    assert quiet(lambda: np.asscalar(np.array([7]))) == 7
    assert quiet(lambda: pd.np) is np


def test_library_code_does_not_see_the_restored_names():
    # code compiled as if it lived inside pandas: a library probing for old names
    ns = {"df": pd.DataFrame({"a": [1]}), "np": np}
    src = "r1 = hasattr(df, 'iteritems'); r2 = hasattr(np, 'float'); r3 = hasattr(df, 'ix')"
    exec(compile(src, pd.__file__, "exec"), ns)
    assert (ns["r1"], ns["r2"], ns["r3"]) == (False, False, False)


def test_a_column_named_like_a_restored_method_wins():
    df = pd.DataFrame({"order": [1, 2], "x": [3, 4]})
    assert df.order.tolist() == [1, 2]


def test_each_restored_name_warns_once_in_the_run_log(market):
    src = """
import pandas as pd
def initialize(context):
    run_daily(f, 'open')
def f(context):
    g.s = pd.Series([2, 1]).order().tolist()
    pd.Series([3, 1]).order()
"""
    r = run_backtest("legacy_warn.py", market=market, source=src)
    hits = [ln for ln in r.log if "Series.order" in ln]
    assert len(hits) == 1 and "sort_values" in hits[0] and "WARNING" in hits[0]
    assert r.run.g.s == [1, 2]


# ---------------------------------------------------------------------------- source decoding

GBK_SRC = "# 中文注释\ndef initialize(context):\n    g.name = '平安银行'\n    log.info('买入 %s', g.name)\n"


def test_gbk_file_runs_and_says_how_it_was_decoded(market, tmp_path):
    p = tmp_path / "gbk_strategy.py"
    p.write_bytes(GBK_SRC.encode("gbk"))
    text, enc = decode_source(p.read_bytes())
    assert text == GBK_SRC and enc == "gb18030"
    r = run_backtest(p, market=market)
    assert r.run.g.name == "平安银行"
    assert any("买入 平安银行" in ln for ln in r.log)
    assert any("decoded as gb18030" in ln for ln in r.log)


def test_utf8_bom_and_coding_cookie(tmp_path):
    assert decode_source(b"\xef\xbb\xbfx = '\xe4\xb8\xad'\n") == ("x = '中'\n", "utf-8-sig")
    cookie = "# -*- coding: gbk -*-\nx = '中'\n"
    assert decode_source(cookie.encode("gbk")) == (cookie, "gb18030")
    with pytest.raises(ConfigError, match="does not exist"):
        read_strategy(tmp_path / "nope.py")


# ---------------------------------------------------------------------------- Python 2

PY2_SRC = """
def initialize(context):
    year, month = 2015, 12
    g.stat = str(year) + 'q' + str(month / 3)
    g.half = 7 / 2
    g.exact = 7 / 2.0
    g.npint = np.int64(7) / 2
    d = {'a': 1}
    if d.has_key('a'):
        for k, v in d.iteritems():
            print "item", k, v
    g.r = list(xrange(3))
    g.letters = string.letters[:3]
    g.red = reduce(lambda a, b: a + b, [1, 2, 3])

def boom(context):
    x = 1
    raise ValueError, "line 18"
"""


def test_python2_file_keeps_integer_division_and_line_numbers(market):
    out = python2_to_3("import string\n" + PY2_SRC)
    assert out.count("\n") == ("import string\n" + PY2_SRC).count("\n")
    assert "old_div(month, 3)" in out and "print(\"item\", k, v)" in out
    src = "import string" + PY2_SRC + "\ndef later(context):\n    boom(context)\n"
    r = run_backtest("py2.py", market=market, source=src)
    g = r.run.g
    assert g.stat == "2015q4" and g.half == 3 and g.exact == 3.5 and g.npint == 3
    assert g.r == [0, 1, 2] and g.letters == "abc" and g.red == 6
    assert any("Python 2 source converted" in ln and "old_div" in ln for ln in r.log)
    src2 = src.replace("def initialize(context):\n", "def initialize(context):\n    run_daily(later, 'open')\n", 1)
    with pytest.raises(StrategyError) as ei:
        run_backtest("py2.py", market=market, source=src2)
    # 'raise ValueError, "line 18"' sits on line 18 of the original text (+1 for run_daily)
    assert 'line 19, in boom' in ei.value.traceback_text


def test_old_div_floors_only_integers():
    assert old_div(12, 3) == 4 and isinstance(old_div(12, 3), int)
    assert old_div(7, 2) == 3 and old_div(-7, 2) == -4          # Python 2 floors
    assert old_div(7.0, 2) == 3.5 and old_div(np.int64(7), np.int32(2)) == 3
    assert old_div(np.array([3, 4]), 2).tolist() == [1, 2]
    assert old_div(np.array([3.0, 4.0]), 2).tolist() == [1.5, 2.0]
    assert old_div(pd.Series([3, 4]), 2).tolist() == [1.5, 2.0]  # pandas divided exactly


def test_future_division_keeps_true_division():
    out = python2_to_3("from __future__ import division\nprint 'x'\nx = 7 / 2\n")
    assert "old_div" not in out and "x = 7 / 2" in out


# ---------------------------------------------------------------------------- namespace

def test_strategy_namespace_matches_joinquant():
    from jqlite.strategy import base_namespace
    ns = base_namespace()
    import builtins
    import datetime as dtmod
    import math
    import random
    for name in ("mean", "std", "array", "exp", "nan", "power", "diff", "isnan", "sign", "cov",
                 "zeros", "NaN", "log", "sqrt"):
        assert name in ns, name
    assert ns["datetime"] is dtmod and ns["timedelta"] is dtmod.timedelta and ns["math"] is math
    assert ns["np"] is np and ns["pd"] is pd and ns["random"] is random
    for name in ("max", "min", "round", "abs", "any", "all", "pow"):
        assert name not in ns, name      # Python's builtins, as under numpy 1.x
    assert ns["log"] is not np.log       # JoinQuant's logger wins over numpy's log
    paused = pd.DataFrame({"paused": [0.0, 1.0, 0.0]})
    assert ns["sum"](paused).iloc[0] == 1.0                 # sum(attribute_history(...))[0]
    frame = pd.DataFrame({"a": [1, 2], "b": [10, 20]})
    assert ns["sum"](frame, 1).tolist() == [11, 22]         # sum(df, 1): row sums
    assert ns["sum"](x * x for x in range(4)) == 14         # generators (numpy 2 raises)
    assert ns["sum"]({"a": 0.5, "b": 0.25}.values()) == 0.75  # dict views: numpy returns the view
    assert ns["sum"](map(float, [1, 2]), 10) == 13.0        # Python's start argument
    assert ns["mean"](frame).tolist() == [1.5, 15.0]
    assert builtins.max(1, 2) == 2


def test_real_idiom_sum_of_attribute_history(market):
    src = """
def initialize(context):
    run_daily(f, 'open')
def f(context):
    g.p = sum(attribute_history('600000.XSHG', 2, '1d', ('paused')))[0]
    g.m = max(3, 4)
"""
    r = run_backtest("ns.py", "2024-03-05", "2024-03-05", market=market, source=src)
    assert r.run.g.p == 0 and r.run.g.m == 4


# ---------------------------------------------------------------------------- positions

SELL_ALL = """
def initialize(context):
    set_order_cost(OrderCost(open_tax=0, close_tax=0, open_commission=0, close_commission=0,
                   min_commission=0), type='stock')
    set_slippage(FixedSlippage(0))
    run_daily(f, 'open')
    g.day = 0
    g.counts = []

def f(context):
    g.day += 1
    pos = context.portfolio.positions
    if g.day == 1:
        for s in ['600000.XSHG', '600001.XSHG', '000002.XSHE']:
            order(s, 100)
    elif g.day == 2:
        for s in context.portfolio.positions:
            order_target(s, 0)
            g.counts.append(len(pos))
        order('600000.XSHG', 100)
    elif g.day == 3:
        for s, p in context.portfolio.positions.items():
            order_target(s, 0)
            order('000002.XSHE', 100)
        for s in pos.keys():
            pass
    g.final = sorted(pos.keys() - {'000002.XSHE'})
"""


def test_positions_iterated_while_ordering(market):
    r = run_backtest("sell_all.py", market=market, source=SELL_ALL)
    g = r.run.g
    assert g.counts == [2, 1, 0]        # a sold-out position leaves positions at once
    pos = r.run.portfolio.positions
    assert list(pos) == ["000002.XSHE"] and pos["000002.XSHE"].total_amount == 100
    assert g.final == []
    # day 2 bought 600000 back at the open 10.5 after selling at 10.5: fills are in the trades
    assert len(r.trades) == 3 + 3 + 1 + 2


# ---------------------------------------------------------------------------- dates

def _at_end(market):
    """A harness bound to ``market`` on its last day (data calls see the whole market)."""
    from jqlite.testing import load_strategy
    h = load_strategy("dates.py", market=market, source="def initialize(context):\n    pass\n")
    h.at("2024-03-06 15:00")
    return h


DATE_FORMS = ["2024-03-05", "20240305", "2024-03-05 10:00:00", np.str_("2024-03-05"),
              dt.date(2024, 3, 5), dt.datetime(2024, 3, 5, 10), pd.Timestamp("2024-03-05"),
              np.datetime64("2024-03-05"), 20240305, b"2024-03-05"]


@pytest.mark.parametrize("d", DATE_FORMS, ids=[type(d).__name__ + ":" + str(d) for d in DATE_FORMS])
def test_every_date_argument_type(d, market):
    from jqdata import (get_all_securities, get_extras, get_index_stocks, get_price,
                        get_security_info, get_trade_days)
    assert to_timestamp(d).normalize() == pd.Timestamp("2024-03-05")
    with _at_end(market):
        assert list(get_trade_days(end_date=d, count=2)) == [dt.date(2024, 3, 4), dt.date(2024, 3, 5)]
        assert list(get_trade_days(start_date=d, end_date="2024-03-06")) == [dt.date(2024, 3, 5), dt.date(2024, 3, 6)]
        px = get_price("600000.XSHG", end_date=d, count=1, fields=["close"], fq=None)
        assert float(px["close"].iloc[0]) == 11.0
        assert sorted(get_index_stocks("000300.XSHG", date=d)) == ["600000.XSHG", "600001.XSHG"]
        assert "600000.XSHG" in get_all_securities(date=d).index
        assert get_security_info("600000.XSHG", date=d).display_name
        assert get_extras("is_st", ["600000.XSHG"], end_date=d, count=1).shape == (1, 1)


def test_bad_dates_name_function_and_argument():
    with pytest.raises(ParamsError, match=r"get_price\(\): end_date='not a date'"):
        to_timestamp("not a date", "end_date", "get_price")
    with pytest.raises(ParamsError, match="NaT"):
        to_timestamp(pd.NaT)
    with pytest.raises(ParamsError, match="bool"):
        to_timestamp(True)


def test_listing_dates_compare_with_dates_strings_and_subtract(market):
    from jqdata import get_all_securities, get_security_info
    with _at_end(market):
        df = get_all_securities()
        info = get_security_info("600000.XSHG")
    first = df.at["600000.XSHG", "start_date"]
    assert isinstance(first, dt.date) and first == dt.date(2024, 3, 1) and first == "2024-03-01"
    # three stocks (the index is not a stock), all listed on 2024-03-01
    assert len(df[df["start_date"] < dt.date(2024, 3, 2)]) == 3
    assert len(df[df.start_date < "2024-03-01"]) == 0
    assert len(df[df.start_date <= pd.Timestamp("2024-03-01")]) == 3
    days = (dt.date(2024, 3, 11) - df.start_date).tolist()
    assert days == [dt.timedelta(days=10)] * 3
    assert dt.date(2024, 3, 11) - info.start_date == dt.timedelta(days=10)
    assert (dt.date(2024, 3, 11) - info.start_date).days == 10
    assert info.start_date < dt.datetime(2024, 3, 1, 9) and repr(info.start_date) == "datetime.date(2024, 3, 1)"
    assert isinstance(JQDate(2024, 3, 1) - dt.date(2024, 2, 1), dt.timedelta)


# ---------------------------------------------------------------------------- libraries

def test_missing_module_names_the_extra(market, monkeypatch):
    monkeypatch.setitem(sys.modules, "lightgbm", None)    # import lightgbm -> ModuleNotFoundError
    with pytest.raises(StrategyError) as ei:
        run_backtest("m.py", market=market, source="import lightgbm\n")
    assert "pip install 'jqlite-engine[ml]'" in str(ei.value)
    with pytest.raises(StrategyError) as ei:
        run_backtest("m.py", market=market, source="def initialize(context):\n    import no_such_mod_xyz\n")
    assert "No module named 'no_such_mod_xyz'" in str(ei.value) and "initialize" in str(ei.value)


def test_matplotlib_figures_go_to_the_run_folder(market, tmp_path):
    src = """
import matplotlib.pyplot as plt
def initialize(context):
    run_daily(f, 'after_close')
def f(context):
    plt.plot([1, 2, 3])
    plt.show()
"""
    pytest.importorskip("matplotlib")
    r = run_backtest("plot.py", "2024-03-05", "2024-03-06", market=market, source=src, out=tmp_path / "out")
    import matplotlib
    assert matplotlib.get_backend().lower() == "agg"
    figs = sorted(p.name for p in (tmp_path / "out" / "figures").glob("*.png"))
    assert figs == ["2024-03-05_1.png", "2024-03-06_2.png"]
    assert any("saved 2024-03-05_1.png" in ln for ln in r.log)


def test_tushare_network_errors_are_explained():
    from jqlite.compat import libs
    from jqlite.errors import DataError

    def get_k_data(code):
        raise OSError("Name or service not known")

    with pytest.raises(DataError, match=r"tushare.get_k_data\(\) needs the network"):
        libs._offline("get_k_data", get_k_data)("600000")


def test_keras_backend_is_torch_before_import(market, monkeypatch):
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    if "keras" in sys.modules:
        pytest.skip("keras already imported in this process")
    import os
    run_backtest("k.py", market=market, source="def initialize(context):\n    pass\n")
    assert os.environ["KERAS_BACKEND"] == "torch"


def test_reductions_drop_non_numeric_columns_as_old_pandas():
    df = pd.DataFrame({"code": ["a", "a", "b"], "day": [dt.date(2020, 1, 1)] * 3,
                       "v": [1.0, 2.0, 3.0]})
    # pandas 2 raises TypeError summing dates; pandas < 2 dropped the "nuisance" column
    assert quiet(lambda: df.groupby("code").sum()).to_dict() == {"v": {"a": 3.0, "b": 3.0}}
    assert quiet(lambda: df[["day", "v"]].mean()).to_dict() == {"v": 2.0}
    with pytest.raises(TypeError):
        df.groupby("code").sum(numeric_only=False)   # explicit modern call: unchanged


def test_python2_module_names_import_as_python3_modules(market):
    src = "import cPickle\nfrom cStringIO import StringIO\nimport urllib2\n" \
          "def initialize(context):\n    g.ok = cPickle.loads(cPickle.dumps([1, 2])) == [1, 2]\n" \
          "    g.s = StringIO('x').read()\n"
    r = run_backtest("py2mods.py", market=market, source=src)
    assert r.run.g.ok is True and r.run.g.s == "x"
    pytest.importorskip("sklearn")
    from sklearn import cross_validation      # scikit-learn < 0.20 name (alias installed above)
    from sklearn.model_selection import train_test_split
    assert cross_validation.train_test_split is train_test_split


def test_missing_submodule_of_an_installed_package_is_named():
    from jqlite.compat.libs import missing_module_error
    err = missing_module_error(ModuleNotFoundError("No module named 'kuanke.nothere'", name="kuanke.nothere"))
    assert "No module named 'kuanke.nothere'" in str(err) and "package 'kuanke' is installed" in str(err)


def test_share_header_of_community_posts_becomes_comments():
    from jqlite.compat.source import strip_share_header
    text = ("该策略由聚宽用户分享，仅供学习交流使用。\n原文网址：https://www.joinquant.com/post/1\n\n"
            "原文策略源代码如下：\n\nx = 1\n")
    out, n = strip_share_header(text)
    assert n == 4 and out.count("\n") == text.count("\n")
    ns = {}
    exec(compile(out, "s.py", "exec"), ns)
    assert ns["x"] == 1
    assert strip_share_header("x = 1\n") == ("x = 1\n", 0)


def test_stat_date_with_a_python3_float_quarter_reads_as_python2():
    from jqlite.api.fundamentals import _parse_stat_date
    # str(2015) + 'q' + str(12 / 3) under Python 3 is '2015q4.0'; Python 2 gave '2015q4'
    assert quiet(lambda: _parse_stat_date("2015q4.0")) == _parse_stat_date("2015q4") == (2015 * 4 + 3, False)
    assert quiet(lambda: _parse_stat_date("2015q3.3333333333333335")) == (2015 * 4 + 2, False)
    with pytest.raises(ParamsError):
        _parse_stat_date("2015q5.0")


def test_groupby_reductions_drop_text_columns_as_pandas_1():
    df = pd.DataFrame({"time": [1, 1, 2], "code": ["a", "b", "a"], "close": [1.0, 2.0, 3.0]})
    # pandas 2 would concatenate the codes ('ab'); JoinQuant's pandas dropped the column
    out = quiet(lambda: df.groupby("time").sum())
    assert list(out.columns) == ["close"] and out["close"].tolist() == [3.0, 3.0]
    assert df.groupby("time").sum(numeric_only=False)["code"].tolist() == ["ab", "a"]
    assert df.groupby("time")["close"].mean().tolist() == [1.5, 3.0]


def test_sets_as_indexers_are_sorted_lists():
    s = pd.Series([0] * 4, index=["a", "b", "c", "d"])
    quiet(lambda: s.__setitem__({"c", "a"}, 1))            # s[set(...)] = 1
    assert s.tolist() == [1, 0, 1, 0]
    assert quiet(lambda: s[{"d", "a"}]).index.tolist() == ["a", "d"]
    df = pd.DataFrame({"x": [1, 2], "y": [3, 4]})
    assert quiet(lambda: df[{"y", "x"}]).columns.tolist() == ["x", "y"]
    assert quiet(lambda: df.loc[{1}, "x"]).tolist() == [2]


def test_exit_in_a_callback_ends_the_backtest_not_python(market):
    src = "def initialize(context):\n    run_daily(f, 'open')\n\ndef f(context):\n    g.n = getattr(g, 'n', 0) + 1\n    exit()\n"
    with pytest.raises(StrategyError) as ei:
        run_backtest("exit.py", market=market, source=src)
    assert "called exit()" in str(ei.value) and "line 6, in f" in ei.value.traceback_text
    r = run_backtest("exit.py", market=market, source=src, raise_errors=False)
    assert r.run.g.n == 1 and r.run.error is not None   # stopped on the first day


def test_get_current_data_takes_the_old_security_list_argument(market):
    # JoinQuant's older API: get_current_data(security_list); public files still pass one
    src = """
def initialize(context):
    run_daily(f, 'open')
def f(context):
    cd = get_current_data(['600000.XSHG'])
    g.p = cd['600000.XSHG'].day_open
    g.q = get_current_data()['600000.XSHG'].day_open
"""
    r = run_backtest("current_data_arg.py", market=market, source=src)
    assert r.error is None and r.run.g.p == r.run.g.q and r.run.g.p > 0


def test_python2_round_is_float_half_away_from_zero_and_takes_one_element_arrays(market):
    from jqlite.compat.source import PY2_NAMESPACE
    r2 = PY2_NAMESPACE["round"]
    assert r2(2.5) == 3.0 and r2(-2.5) == -3.0 and r2(0.5) == 1.0       # Python 3 gives 2, -2, 0
    assert isinstance(r2(7), float) and r2(1234.5, -2) == 1200.0
    assert r2(2.675, 2) == 2.67                                          # the double is 2.67499...
    assert r2(np.array([1.23456]), 3) == 1.235                           # float() of a 1-element array
    # a Python 2 file (print statement) gets it; a Python 3 file keeps the builtin
    src = "def initialize(context):\n    g.r = round(2.5)\n    print 'x'\n"
    r = run_backtest("py2_round.py", market=market, source=src)
    assert r.error is None and r.run.g.r == 3.0 and isinstance(r.run.g.r, float)
    r = run_backtest("py3_round.py", market=market, source="def initialize(context):\n    g.r = round(2.5)\n")
    assert r.run.g.r == 2 and isinstance(r.run.g.r, int)


def test_merge_whose_suffixes_collide_gives_duplicate_columns_as_old_pandas():
    # pandas < 2 allowed it (FutureWarning since 1.2): old public files merge factor frames so
    a = pd.DataFrame({"code": ["a", "b"], "v_x": [1, 2], "v": [3, 4]})
    b = pd.DataFrame({"code": ["a", "b"], "v": [5, 6]})
    m = quiet(lambda: a.merge(b, on="code"))
    assert m.columns.tolist() == ["code", "v_x", "v_x", "v_y"]
    assert m.to_numpy().tolist() == [["a", 1, 3, 5], ["b", 2, 4, 6]]
    assert quiet(lambda: pd.merge(a, b, on="code", suffixes=("_l", "_x"))).columns.tolist() == \
        ["code", "v_x", "v_l", "v_x"]
    assert a.merge(b, on="code", suffixes=("_1", "_2")).columns.tolist() == ["code", "v_x", "v_1", "v_2"]
    # library code (not the strategy) keeps pandas 2's error
    from pandas.errors import MergeError
    from jqlite.compat import legacy
    with pytest.raises(MergeError):
        legacy._merge_fallback.__globals__["pd"].DataFrame.merge.__wrapped__(a, b, on="code")


def test_tree_ensembles_take_max_features_auto_as_old_scikit_learn(market):
    pytest.importorskip("sklearn")
    # scikit-learn < 1.3: 'auto' meant sqrt(n_features) for classifiers, n_features for regressors
    src = """
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
import numpy as np
def initialize(context):
    X = np.arange(40.0).reshape(20, 2); y = (X[:, 0] > 19).astype(int)
    c = RandomForestClassifier(n_estimators=3, max_features='auto', random_state=0).fit(X, y)
    r = RandomForestRegressor(n_estimators=3, max_features='auto', random_state=0).fit(X, X[:, 1])
    g.m = (c.max_features, r.max_features, int(c.predict(X[-1:])[0]))
"""
    r = run_backtest("rf_auto.py", market=market, source=src)
    assert r.error is None and r.run.g.m == ("sqrt", 1.0, 1)
    assert any("max_features='auto'" in ln and "scikit-learn" in ln for ln in r.log)


def test_series_integer_key_on_dates_is_a_position_with_pandas_warning():
    # ``df['close'][-1]``: pandas 2.x reads an int key on a dates index as a position and warns
    # (FutureWarning, GH#50617); the legacy wrapper answers the same value and the same warning
    # naming the caller's line, without pandas' stack walk (corpus c5f64603 spent ~10 % there)
    s = pd.Series([1.5, 2.5, 3.5], index=pd.date_range("2024-01-02", periods=3))
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        assert s[-1] == 3.5 and s[0] == 1.5 and s[np.int64(1)] == 2.5
    assert len(w) == 3 and all(x.category is FutureWarning for x in w)
    assert all("treating keys as positions" in str(x.message) for x in w)
    assert {Path(x.filename).name for x in w} == {Path(__file__).name}
    # an integer index: the key is a label, as in pandas (no fallback, KeyError when absent)
    r = pd.Series([1.5, 2.5, 3.5], index=[10, 20, 30])
    assert r[20] == 2.5
    with pytest.raises(KeyError):
        r[-1]
    with pytest.raises(IndexError):
        s[3]


def test_chained_positional_write_into_a_wide_history_frame():
    # ``g.x1[code][0] = x`` for every column of a history() frame (corpus d17b6b6e): the value
    # lands in the frame, as in the pandas JoinQuant ran, and the frame stays one block
    # (pandas 2.x split it per write, which made the loop quadratic in the number of columns)
    cols = ["600000.XSHG", "600001.XSHG", "000001.XSHE"]
    df = pd.DataFrame([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], index=pd.to_datetime(["2024-01-02", "2024-01-03"]),
                      columns=cols)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        for k, c in enumerate(cols):
            df[c][0] = 10.0 + k
        df["000001.XSHE"][-1] = np.float64(0.5)
    assert df.values.tolist() == [[10.0, 11.0, 12.0], [4.0, 5.0, 0.5]]
    assert df._mgr.nblocks == 1
    assert {x.category for x in w} == {FutureWarning} and {Path(x.filename).name for x in w} == {Path(__file__).name}
    # a Series of its own: written in place; a position past the end raises as in pandas
    s = pd.Series([1.0, 2.0], index=pd.to_datetime(["2024-01-02", "2024-01-03"]))
    s[1] = 3
    assert s.tolist() == [1.0, 3.0]
    with pytest.raises(IndexError):
        s[2] = 1.0
    # an integer column takes pandas' own path (a float written into it upcasts, as pandas does)
    di = pd.DataFrame({"a": [1, 2]}, index=pd.to_datetime(["2024-01-02", "2024-01-03"]))
    col = di["a"]
    col[0] = 5
    assert col.tolist() == [5, 2]
    # a column of a copied frame changes the copy only
    df2 = df[["600000.XSHG"]].copy()
    df2["600000.XSHG"][1] = -1.0
    assert df2["600000.XSHG"].tolist() == [10.0, -1.0] and df["600000.XSHG"].tolist() == [10.0, 4.0]


def test_merge_key_both_index_level_and_column_means_the_column_as_old_pandas():
    # pandas 0.21-0.25 took the column (FutureWarning); pandas >= 1.0 raises ValueError.  A
    # chain of merges on an empty selection meets it: merging an empty frame with
    # left_on='code', right_index=True gives the right frame's index, named 'code'
    cur = pd.DataFrame({"code": pd.Series([], dtype=object), "close": pd.Series([], dtype=float)})
    base = pd.DataFrame({"code": ["a", "a", "b"], "high": [1.0, 2.0, 3.0], "low": [0.5, 0.7, 0.9]})
    hi = base.groupby("code").aggregate({"high": "max"})
    lo = base.groupby("code").aggregate({"low": "min"})
    t1 = pd.merge(cur, hi, left_on="code", right_index=True, how="inner")
    assert t1.index.name == "code" and "code" in t1.columns       # pandas' own shape
    t2 = quiet(lambda: pd.merge(t1, lo, left_on="code", right_index=True, how="inner"))
    assert len(t2) == 0 and t2.columns.tolist() == ["code", "close", "high", "low"]
    # non-empty: the column is the key (its values, not the index's)
    left = pd.DataFrame({"code": ["b", "a"], "close": [2.0, 1.0]},
                        index=pd.Index(["x", "y"], name="code"))
    m = quiet(lambda: left.merge(lo, left_on="code", right_index=True))
    assert m["low"].tolist() == [0.9, 0.5] and left.index.name == "code"   # caller's frame kept
    m = quiet(lambda: pd.merge(left, lo.reset_index(), on="code"))
    assert m["low"].tolist() == [0.9, 0.5]
    # library code (not the strategy) keeps pandas' error
    from jqlite.compat import legacy
    with pytest.raises(ValueError, match="both an index level and a column label"):
        legacy._merge_fallback.__globals__["pd"].DataFrame.merge.__wrapped__(
            left, lo, left_on="code", right_index=True)
