"""Strategy runtime: behaviours found on the compatibility corpus (issue 12) — the extras that
provide imported modules, Python 2 sources that are not valid Python 2 either, kuanke.wizard,
old library APIs restored for strategy code."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]

MARKET = {"600000.XSHG": [10.0, 10.5, 11.0, 11.5], "000002.XSHE": [5.0, 5.5, 6.0, 6.5],
          "000300.XSHG": [3000, 3010, 3020, 3030]}


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    from jqlite.testing import tiny_market
    return tiny_market(tmp_path_factory.mktemp("m") / "m", MARKET, start="2024-03-01",
                       types={"000300.XSHG": "index"},
                       index_members={"000300.XSHG": ["600000.XSHG"]})

#: import name -> distribution name, where they differ
_DIST = {"sklearn": "scikit-learn", "pylab": "matplotlib", "torch": "torch"}


def _extras() -> dict[str, list[str]]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data["project"]["optional-dependencies"]


def test_every_module_extra_is_listed_in_that_extra():
    from jqlite.compat.libs import MODULE_EXTRAS
    extras = _extras()
    for module, extra in MODULE_EXTRAS.items():
        dists = {re.split(r"[<>=\[ ]", d, maxsplit=1)[0].lower() for d in extras[extra]}
        assert _DIST.get(module, module).lower() in dists, (module, extra)


def test_xlrd_comes_with_the_jq_extra():
    from jqlite.compat.libs import MODULE_EXTRAS
    assert MODULE_EXTRAS["xlrd"] == "jq"


# ---------------------------------------------------------------------------- scikit-learn < 0.22

IMPUTER_SRC = """
import numpy as np
from sklearn.preprocessing import Imputer
def initialize(context):
    run_daily(f, 'open')
def f(context):
    X = np.array([[1.0, np.nan], [3.0, 4.0], [np.nan, 8.0]])
    g.cols = Imputer(missing_values='NaN', strategy='mean', axis=0).fit_transform(X).tolist()
    g.rows = Imputer(strategy='median', axis=1).fit_transform(X).tolist()
"""


def test_removed_sklearn_imputer_works_in_strategy_code_and_warns_once(market):
    pytest.importorskip("sklearn")
    from jqlite.testing import run_backtest
    r = run_backtest("imputer.py", market=market, source=IMPUTER_SRC)
    # column means: (1+3)/2 = 2, (4+8)/2 = 6; row medians: row 0 -> 1, row 2 -> 8
    assert r.run.g.cols == [[1.0, 6.0], [3.0, 4.0], [2.0, 8.0]]
    assert r.run.g.rows == [[1.0, 1.0], [3.0, 4.0], [8.0, 8.0]]
    hits = [ln for ln in r.log if "sklearn.preprocessing.Imputer" in ln]
    assert len(hits) == 1 and "SimpleImputer" in hits[0] and "scikit-learn" in hits[0]



# ---------------------------------------------------------------------------- Python 2 sources

@pytest.mark.parametrize("src, says", [
    # file published cut short inside a docstring / a call
    ("def initialize(context):\n    '''doc\n    pass\n", "it was cut short"),
    ("def initialize(context):\n    x = max(1,\n", "it was cut short"),
    # not Python 2 either: a template's empty function bodies, '< =' with a space
    ("def f(context):\n    # to do\n\ndef initialize(context):\n    print 'x'\n",
     "not valid Python 2 either (line 4)"),
    ("def initialize(context):\n    print 'x'\n    if 1 < = 2:\n        pass\n",
     "not valid Python 2 either (line 3)"),
])
def test_unloadable_file_says_whether_it_is_the_files_own_defect(src, says):
    from jqlite.compat.source import read_strategy
    from jqlite.errors import ConfigError
    with pytest.raises(ConfigError) as ei:
        read_strategy("s.py", src)
    assert says in str(ei.value)


def test_python2_tabs_mixed_with_spaces_are_read_as_python2_did():
    # Python 2: a tab indents to the next multiple of 8 columns, so the 12-space line below
    # is inside the "if" block indented by a tab and 4 spaces; Python 3 refuses the mix
    from jqlite.compat.source import python2_to_3
    src = "def f(x):\n\tif x:\n\t    y = 1\n            return y + 1\n\ts = '''a\n\tb'''\n\treturn s\n"
    out = python2_to_3("print 'x'\n" + src)
    assert out is not None
    ns: dict = {}
    exec(out, ns)
    assert ns["f"](1) == 2 and ns["f"](0) == "a\n\tb"   # the string's own tab is kept


# ---------------------------------------------------------------------------- get_fundamentals

@pytest.fixture(scope="module")
def fund_market(tmp_path_factory):
    from jqlite.testing import tiny_market
    return tiny_market(tmp_path_factory.mktemp("f") / "m", MARKET, start="2024-03-01",
                       types={"000300.XSHG": "index"},
                       valuation={"600000.XSHG": {"pb_ratio": 1.5, "market_cap": 100.0},
                                  "000002.XSHE": {"pb_ratio": -2.0, "market_cap": 50.0}})


def test_comparison_selected_by_a_query_is_an_integer_as_in_mysql(fund_market):
    # query(valuation.code, valuation.pb_ratio > 0): MySQL (JoinQuant) answers 1/0 integers,
    # so numpy's sign() works on the column; booleans would raise
    src = """
import numpy as np
def initialize(context):
    run_daily(f, 'open')
def f(context):
    df = get_fundamentals(query(valuation.code, valuation.pb_ratio > 0).order_by(valuation.code))
    g.dtype = str(df.iloc[:, 1].dtype)
    g.signed = (np.sign(df.iloc[:, 1]) * np.log(1.0 + abs(df.iloc[:, 1]))).round(6).tolist()
"""
    from jqlite.testing import run_backtest
    r = run_backtest("cmp.py", market=fund_market, source=src, start="2024-03-04", end="2024-03-04")
    assert r.run.g.dtype == "int64"
    # 000002 (pb -2.0) -> 0, 600000 (pb 1.5) -> 1: sign(1) * ln(2) = 0.693147
    assert r.run.g.signed == [0.0, 0.693147]


# ---------------------------------------------------------------------------- numpy 1.x scalars

ONE_ELEMENT_SRC = """
import numpy as np
from sklearn.linear_model import LinearRegression
def initialize(context):
    run_daily(f, 'open')
def f(context):
    m = LinearRegression().fit(np.arange(3).reshape(-1, 1), np.array([1.0, 3.0, 5.0]).reshape(-1, 1)).coef_
    g.slope = round(float(m), 3)                 # coef_ has shape (1, 1)
    g.n = int(np.array([2.9]))
    g.kinds = (isinstance(1.5, float), isinstance(True, int), type(2.0) == float,
               str(np.zeros(2, dtype=float).dtype), str(np.zeros(2, dtype=int).dtype),
               float('1.5'), int('ff', 16))
    try:
        float(np.array([1.0, 2.0]))
    except TypeError:
        g.two = 'TypeError'
    price = attribute_history('600000.XSHG', 1, '1d', ('close',))['close'].values  # array([x])
    order_target_value('600000.XSHG', price * 1000)
"""


def test_float_and_int_of_a_one_element_array_as_numpy1(market):
    pytest.importorskip("sklearn")
    from jqlite.testing import run_backtest
    r = run_backtest("one.py", market=market, source=ONE_ELEMENT_SRC, start="2024-03-05", end="2024-03-05")
    g = r.run.g
    assert g.slope == 2.0 and g.n == 2          # slope of 1, 3, 5 over 0, 1, 2 is 2
    assert g.kinds == (True, True, True, "float64", "int64", 1.5, 255)
    assert g.two == "TypeError"                 # more than one element: still an error
    # array([10.5]) (the 2024-03-04 close) * 1000 = 10500 yuan at the open (10.5 in this
    # market, as the sizing price) -> 1000 shares
    assert r.run.portfolio.positions["600000.XSHG"].total_amount == 1000
    assert sum("float() of a 2-d array of one element" in ln for ln in r.log) == 1


# ---------------------------------------------------------------------------- Panel indexing

PANEL_SRC = """
def initialize(context):
    run_daily(f, 'open')
def f(context):
    p = get_price(['600000.XSHG', '000002.XSHE'], end_date=context.previous_date, count=2,
                  fields=['close', 'high_limit'])
    first_day = p.iloc[:, 0, :]            # Panel: codes x fields of the first date
    g.first = first_day.to_dict()
    g.close_000002 = p.loc['close', :, '000002.XSHE'].tolist()
    g.minor = list(p.minor_axis)
    g.xs = p.minor_xs('600000.XSHG')['close'].tolist()
    g.plain = p['close'].iloc[-1].tolist()  # two-key / column access unchanged
"""


def test_panel_three_key_indexing_as_pandas_panel(market):
    from jqlite.testing import run_backtest
    r = run_backtest("panel.py", market=market, source=PANEL_SRC, start="2024-03-06", end="2024-03-06")
    g = r.run.g
    # previous two days: 2024-03-04 and 2024-03-05; closes 600000: 10.5, 11.0; 000002: 5.5, 6.0
    assert g.first["close"] == {"600000.XSHG": 10.5, "000002.XSHE": 5.5}
    assert set(g.first) == {"close", "high_limit"}
    assert g.close_000002 == [5.5, 6.0]
    assert g.minor == ["600000.XSHG", "000002.XSHE"]
    assert g.xs == [10.5, 11.0]
    assert g.plain == [11.0, 6.0]
    assert sum("Panel indexing" in ln for ln in r.log) == 1


def test_get_security_info_of_a_code_the_store_lacks_is_a_logged_gap(market):
    from jqlite.testing import run_backtest
    src = ("def initialize(context):\n    g.a = get_security_info('161226.XSHE')\n"
           "    g.b = get_security_info('not a code')\n    g.c = get_security_info('600000.XSHG').code\n")
    r = run_backtest("info.py", market=market, source=src, start="2024-03-05", end="2024-03-05")
    assert r.run.g.a is None and r.run.g.b is None and r.run.g.c == "600000.XSHG"
    gaps = [ln for ln in r.log if "get_security_info(" in ln and "161226.XSHE" in ln]
    assert len(gaps) == 1 and "not in the data store" in gaps[0]


def test_query_of_a_string_of_column_names_as_old_sqlalchemy(fund_market):
    # SQLAlchemy < 1.4 (JoinQuant's) took a string entity as textual SQL: a comma-separated
    # list of table.column names selected those columns
    from jqlite.testing import run_backtest
    src = """
def initialize(context):
    fields = ','.join('valuation.%s' % f for f in ['code', 'market_cap'])
    df = get_fundamentals(query(fields).filter(valuation.market_cap > 60).order_by(valuation.code))
    g.rows = df.values.tolist()
    try:
        query('no_such_table.x')
    except Exception as e:
        g.err = type(e).__name__
"""
    r = run_backtest("strq.py", market=fund_market, source=src, start="2024-03-05", end="2024-03-05")
    assert r.run.g.rows == [["600000.XSHG", 100.0]]
    assert r.run.g.err == "ParamsError"


def test_attribute_history_skips_a_long_suspension(tmp_path):
    # 600000 trades on days 0-9 (closes 1..10) and is suspended on days 10-98: the last 5
    # trading days before day 99 lie further back than any short trailing window
    from jqlite.testing import run_backtest, tiny_market
    closes = [float(i + 1) for i in range(100)]
    m = tiny_market(tmp_path / "m", {"600000.XSHG": closes, "000002.XSHE": [5.0] * 100}, start="2024-01-02",
                    paused={"600000.XSHG": list(range(10, 99))})
    day = m.dates[99].strftime("%Y-%m-%d")
    src = ("def initialize(context):\n    run_daily(f, 'open')\n"
           "def f(context):\n    g.c = attribute_history('600000.XSHG', 5, '1d', ['close'])['close'].tolist()\n"
           "    g.all = attribute_history('600000.XSHG', 5, '1d', ['close'], skip_paused=False)['close'].tolist()\n")
    r = run_backtest("susp.py", market=m, source=src, start=day, end=day)
    assert r.run.g.c == [6.0, 7.0, 8.0, 9.0, 10.0]
    assert len(r.run.g.all) == 5


@pytest.mark.parametrize("unit", ["1d", "1w", "1M"])
def test_get_bars_on_a_long_history_reads_only_the_days_it_needs(tmp_path, unit):
    # 300 trading days with closes 1..300: the last 3 bars, computed from the whole history
    # by pandas' calendar grouping, equal get_bars' (which reads a trailing window of days)
    from jqlite.testing import run_backtest, tiny_market
    closes = [float(i + 1) for i in range(300)]
    m = tiny_market(tmp_path / "m", {"600000.XSHG": closes}, start="2023-01-02")
    day = m.dates[299].strftime("%Y-%m-%d")
    src = ("def initialize(context):\n    run_daily(f, '15:30')\n"
           f"def f(context):\n    g.b = get_bars('600000.XSHG', 3, '{unit}', ['date', 'close'], include_now=True)\n")
    r = run_backtest("bars.py", market=m, source=src, start=day, end=day)
    s = pd.Series(closes, index=pd.DatetimeIndex(m.dates[:300]))
    if unit == "1d":
        expect = s.iloc[-3:]
    else:
        key = s.index.to_period("W" if unit == "1w" else "M")
        expect = s.groupby(key).last().iloc[-3:]
    assert [float(x) for x in r.run.g.b["close"]] == [float(x) for x in expect]


# ---------------------------------------------------------------------------- numpy 1.x "%d" % array

PERCENT_SRC = """
import numpy as np
def initialize(context):
    run_daily(f, 'open')
def f(context):
    m = np.array([7.9])
    g.a = "合计：%3d%%，%3d，" % (0, m)
    g.b = "%.2f" % np.array([[1.234]])
    g.c = "%s" % np.array([3])
    g.d = "%(x)d" % {"x": np.array([5])}
    g.e = "%d" % 4
    try:
        "%d %d" % (1,)
        g.err = None
    except TypeError as exc:
        g.err = str(exc)
"""


def test_percent_format_of_a_one_element_array_works_as_in_numpy_1(market):
    from jqlite.testing import run_backtest
    r = run_backtest("pct.py", market=market, source=PERCENT_SRC)
    g = r.run.g
    # numpy 1.x: int(array([7.9])) = 7, float(array([[1.234]])) = 1.234
    assert g.a == "合计：  0%，  7，"
    assert g.b == "1.23"
    assert g.c == "[3]"             # %s of an array is unchanged: '[3]'
    assert g.d == "5" and g.e == "4"
    assert g.err == "not enough arguments for format string"   # other errors are Python's
    assert len([ln for ln in r.log if "one-element array" in ln]) == 1


def test_percent_args_leaves_other_operands_alone():
    import numpy as np
    from jqlite.compat.legacy import percent_args
    t = (1, "x")
    assert percent_args("%d %s", t) is t
    a = np.array([1, 2])
    assert percent_args("%s", a) is a           # two elements: not a scalar in numpy 1 either


# ---------------------------------------------------------------------------- scikit-learn < 0.19 (Python 2)

SK1D_SRC = """
from sklearn import linear_model
def initialize(context):
    run_daily(f, 'open')
def f(context):
    clf = linear_model.LinearRegression()
    clf.fit([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]], [1.0, 3.0, 4.0])
    g.y = list(clf.predict([1.0, 2.0]))
    print 'done'
"""


def test_python2_file_predicts_a_1d_sample_as_old_sklearn_did(market):
    pytest.importorskip("sklearn")
    from jqlite.testing import run_backtest
    r = run_backtest("sk1d.py", market=market, source=SK1D_SRC)
    # y = 1 + 2*x1 + 3*x2 fits exactly; X = [1, 2] as one sample -> 1 + 2 + 6 = 9
    assert r.run.g.y == pytest.approx([9.0])
    assert len([ln for ln in r.log if "1-D X" in ln]) == 1


def test_python3_file_keeps_modern_sklearn_1d_error(market):
    pytest.importorskip("sklearn")
    from jqlite.testing import run_backtest
    src = SK1D_SRC.replace("    print 'done'\n", "")
    with pytest.raises(Exception, match="Expected 2D array"):
        run_backtest("sk1d3.py", market=market, source=src, raise_errors=True)


def test_file_importing_removed_sklearn_names_gets_old_1d_rule(market):
    # Python 3 syntax, but `Imputer` (removed in scikit-learn 0.22) dates it to the old
    # scikit-learn JoinQuant had: predict([1, 2]) is one sample, 1 + 2*1 + 3*2 = 9
    pytest.importorskip("sklearn")
    from jqlite.testing import run_backtest
    src = "from sklearn.preprocessing import Imputer\n" + SK1D_SRC.replace("    print 'done'\n", "")
    r = run_backtest("sk1d_old.py", market=market, source=src)
    assert r.run.g.y == pytest.approx([9.0])


def test_record_takes_a_one_element_array(market):
    from jqlite.testing import run_backtest
    src = ("import numpy as np\ndef initialize(context):\n    run_daily(f, 'open')\n"
           "def f(context):\n    record(w=np.array([[2.5]]), n=3)\n")
    r = run_backtest("rec.py", market=market, source=src)
    rows = list(r.run.records.values())
    assert rows and all(row == {"w": 2.5, "n": 3.0} for row in rows)
