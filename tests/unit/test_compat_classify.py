"""Classification rules of the compatibility-corpus runner (benchmarks/compat/classify.py).

Synthetic tracebacks, exit codes and stderr texts; no corpus needed.
"""

from __future__ import annotations


import pytest

def _load(name: str):
    from _compat_modules import load_compat
    return load_compat(name)


C = _load("classify")
F = _load("features")

STRAT = "/cache/files/abcd.py"


def tb(*frames: tuple[str, int, str, str], exc: str) -> str:
    """A Python traceback text with the given (file, line, func, source) frames."""
    lines = ["Traceback (most recent call last):"]
    for file, line, func, src in frames:
        lines.append(f'  File "{file}", line {line}, in {func}')
        if src:
            lines.append(f"    {src}")
    lines.append(exc)
    return "\n".join(lines) + "\n"


S = (STRAT, 10, "market_open", "x = f(context)")
JQ = ("/repo/jqlite/api/market.py", 200, "get_price", "return _impl(**kw)")
PD = ("/venv/lib/python3.11/site-packages/pandas/core/frame.py", 4000, "__getitem__", "")


def cl(**kw):
    kw.setdefault("strategy_path", STRAT)
    return C.classify(**kw)


def test_passes_split_on_fills():
    assert cl(returncode=0, n_orders=3, n_trades=2).cls == "pass-and-trades"
    o = cl(returncode=0, n_orders=3, n_trades=0)
    assert (o.cls, o.cause) == ("pass-no-orders", "3 orders, none filled")
    assert cl(returncode=0).cause == "no orders"


def test_pass_without_orders_names_the_missing_data():
    log = ("2021-01-04 09:00:00 - INFO  - start\n"
           "2021-01-04 09:00:00 - WARNING - get_dominant_future(): the data store has no open interest; returning ''\n")
    w = C.first_data_warning(log)
    assert w == "get_dominant_future(): the data store has no open interest; returning ''"
    o = cl(returncode=0, data_warning=w)
    assert o.cause.startswith("no orders; log: get_dominant_future(): the data store has no open interest")
    assert C.first_data_warning("2021-01-04 - INFO - fine\n") == ""


def test_timeout_wins_over_everything():
    o = cl(returncode=None, timed_out=True, timeout_s=180, traceback=tb(S, exc="KeyError: 'x'"))
    assert (o.cls, o.cause) == ("timeout", "timeout after 180 s")


def test_parse_traceback_frames_and_exception():
    text = tb(S, JQ, exc="TypeError: get_price() got an unexpected keyword argument 'frequncy'")
    frames, etype, msg = C.parse_traceback(text)
    assert [f.func for f in frames] == ["market_open", "get_price"]
    assert frames[0].line == 10 and frames[0].text == "x = f(context)"
    assert etype == "TypeError"
    assert msg == "get_price() got an unexpected keyword argument 'frequncy'"


def test_parse_traceback_takes_the_last_chained_block():
    text = tb(S, exc="KeyError: 'a'") + "\nDuring handling of the above exception, another exception occurred:\n\n" \
        + tb(S, exc="ValueError: boom")
    _, etype, msg = C.parse_traceback(text)
    assert (etype, msg) == ("ValueError", "boom")


def test_module_not_found_names_the_module():
    o = cl(returncode=1, traceback=tb(S, exc="ModuleNotFoundError: No module named 'pandas.stats'"))
    assert (o.cls, o.cause) == ("api-missing", "ModuleNotFoundError: pandas.stats")
    o = cl(returncode=1, traceback=tb(S, exc="ImportError: cannot import name 'Panel' from 'pandas' (/x/__init__.py)"))
    assert (o.cls, o.cause) == ("api-missing", "ImportError: pandas.Panel")
    o = cl(returncode=1, traceback=tb(S, exc="ModuleNotFoundError: No module named 'src'"))
    assert (o.cls, o.cause) == ("strategy-bug", "ModuleNotFoundError: src (the author's own module)")
    o = cl(returncode=1, traceback=tb(S, exc="ModuleNotFoundError: No module named 'cPickle'"))
    assert (o.cls, o.cause) == ("api-missing", "ModuleNotFoundError: cPickle")


def test_name_error_is_api_missing_with_the_name():
    o = cl(returncode=1, traceback=tb(S, exc="NameError: name 'xrange' is not defined"))
    assert (o.cls, o.cause, o.where) == ("api-missing", "NameError: xrange", "strategy")
    assert o.detail == "NameError: name 'xrange' is not defined"


def test_name_error_on_a_name_the_file_never_defines_is_marked():
    src = ("def initialize(context):\n    x = get_call_auction(context)\n    run_daily(before_market_open, 'open')\n"
           "    y = unpaused(context)\n\ndef helper(a, b):\n    total = 1\n")
    o = cl(returncode=1, traceback=tb(S, exc="NameError: name 'get_call_auction' is not defined"), source=src)
    assert (o.cls, o.cause) == ("api-missing", "NameError: get_call_auction (defined nowhere in the file)")
    o = cl(returncode=1, traceback=tb(S, exc="NameError: name 'total' is not defined"), source=src)
    assert o.cause == "NameError: total"
    o = cl(returncode=1, traceback=tb(S, exc="NameError: name 'xrange' is not defined"), source=src)
    assert o.cause == "NameError: xrange"
    # a scheduled callback the file never defines, a name JoinQuant's API does not have:
    # JoinQuant raises the same NameError
    o = cl(returncode=1, traceback=tb(S, exc="NameError: name 'before_market_open' is not defined"), source=src)
    assert (o.cls, o.cause) == ("strategy-bug",
                                "NameError: before_market_open (a scheduled callback the file never defines)")
    o = cl(returncode=1, traceback=tb(S, exc="NameError: name 'unpaused' is not defined"), source=src)
    assert o.cls == "strategy-bug" and o.cause.startswith("NameError: unpaused (not a JoinQuant function")
    assert C.defined_names("print 'py2'\n") is None


def test_attribute_error_on_api_object_and_module():
    o = cl(returncode=1, traceback=tb(S, exc="AttributeError: 'Position' object has no attribute 'sellable_amount'"))
    assert (o.cls, o.cause) == ("api-missing", "AttributeError: Position.sellable_amount")
    o = cl(returncode=1, traceback=tb(S, exc="AttributeError: module 'jqdata' has no attribute 'get_money_flow2'"))
    assert (o.cls, o.cause) == ("api-missing", "AttributeError: jqdata.get_money_flow2")


def test_attribute_error_raised_inside_jqlite_is_a_crash_unless_api_getattr():
    o = cl(returncode=1, traceback=tb(S, ("/r/jqlite/api/fundamentals.py", 409, "_run", "return x.to_pandas()"),
                                      exc="AttributeError: 'pyarrow.lib.RecordBatchReader' object has no attribute 'to_pandas'"))
    assert (o.cls, o.cause) == ("engine-crash", "AttributeError in jqlite _run(): pyarrow.lib.RecordBatchReader.to_pandas")
    ga = ("/r/jqlite/objects.py", 50, "__getattr__", "raise AttributeError(name)")
    o = cl(returncode=1, traceback=tb(S, ga, exc="AttributeError: 'Context' object has no attribute 'universe'"))
    assert (o.cls, o.cause) == ("api-missing", "AttributeError: Context.universe")


def test_security_info_none_is_data_absent():
    line = (STRAT, 293, "delNewStock", "if get_security_info(stock).start_date < deltaDate:")
    o = cl(returncode=1, traceback=tb(line, exc="AttributeError: 'NoneType' object has no attribute 'start_date'"))
    assert (o.cls, o.cause) == ("data-absent", "get_security_info() gave None: code not in the store")
    o = cl(returncode=1, traceback=tb(S, exc="AttributeError: 'NoneType' object has no attribute 'display_name'"))
    assert o.cls == "data-absent"


def test_column_joinquant_lacks_too_is_a_strategy_bug():
    ga = ("/r/jqlite/api/fundamentals.py", 95, "__getattr__", "raise AttributeError(self._missing(item))")
    o = cl(returncode=1, traceback=tb(S, ga, exc="AttributeError: type object 'indicator' has no attribute 'roic' "
                                                  "(JoinQuant table indicator has no column 'roic')"))
    assert (o.cls, o.cause) == ("strategy-bug", "AttributeError: JoinQuant table indicator has no column")


def test_finance_table_without_data_is_data_absent():
    fin = ("/r/jqlite/api/finance.py", 120, "__getattr__", "raise AttributeError(msg)")
    o = cl(returncode=1, traceback=tb(S, fin, exc="AttributeError: finance.STK_ML_QUOTA is not available in jqlite "
                                                   "(its data is not in the store); available finance tables: STK_XR_XD"))
    assert (o.cls, o.cause) == ("data-absent", "finance.STK_ML_QUOTA table not in the store")


def test_attribute_error_legacy_pandas_vs_shape():
    o = cl(returncode=1, traceback=tb(S, exc="AttributeError: 'DataFrame' object has no attribute 'ix'"))
    assert (o.cls, o.cause) == ("api-missing", "AttributeError: DataFrame.ix (legacy)")
    o = cl(returncode=1, traceback=tb(S, exc="AttributeError: 'DataFrame' object has no attribute 'high_limit'"))
    assert (o.cls, o.cause) == ("shape-differs", "AttributeError: DataFrame.high_limit")
    o = cl(returncode=1, traceback=tb(S, exc="AttributeError: 'NoneType' object has no attribute 'index'"))
    assert o.cls == "shape-differs"


def test_security_not_found_is_data_absent_with_code_masked():
    o = cl(returncode=1, traceback=tb(S, JQ, exc="SecurityNotFoundError: security '600519.XSHG' is not in the data store /d"))
    assert o.cls == "data-absent"
    assert o.cause == "SecurityNotFoundError: security '<code>' is not in the data store"
    assert "600519.XSHG" in o.detail
    o = cl(returncode=1, traceback=tb(S, JQ, exc="SecurityNotFoundError: security np.str_('LH8888.XDCE') is not in the data store /d"))
    assert o.cause == "SecurityNotFoundError: security '<code>' is not in the data store"


def test_keyword_spelling_inside_jqlite_is_api_missing_other_jqlite_errors_crash():
    o = cl(returncode=1, traceback=tb(S, JQ, exc="TypeError: get_price() got an unexpected keyword argument 'frequncy'"))
    assert (o.cls, o.where) == ("api-missing", "jqlite")
    assert o.cause == "TypeError: get_price() got an unexpected keyword argument 'frequncy'"
    o = cl(returncode=1, traceback=tb(S, JQ, exc="ValueError: cannot reshape array of size 3"))
    assert (o.cls, o.cause) == ("engine-crash", "ValueError in jqlite get_price(): cannot reshape array of size 3")


def test_strategy_own_errors_are_strategy_bugs():
    o = cl(returncode=1, traceback=tb(S, exc="ZeroDivisionError: division by zero"))
    assert (o.cls, o.cause) == ("strategy-bug", "ZeroDivisionError")
    raise_frame = (STRAT, 30, "check", "raise ValueError('bad universe')")
    o = cl(returncode=1, traceback=tb(S, raise_frame, exc="ValueError: bad universe"))
    assert (o.cls, o.cause) == ("strategy-bug", "ValueError raised by the strategy")


# A strategy in the shape of five corpus files (558ec0c3, b27a2e8d, b4837061: cash / Num with
# Num = g.stocknum - len(positions); af23f1f6: the same with len(list(positions.keys())) and a
# comment on the line; f7a148bc: cash / len(new_names)).  Line numbers are this text's.
ZD_SRC = """\
def initialize(context):
    g.stocknum = 3

def buy(context):
    Num = g.stocknum - len(context.portfolio.positions)
    avg_cash = context.portfolio.cash / Num
    for s in g.stock_list:
        order_value(s, avg_cash)

def weekly(context):
    stock_count=3-len(list(context.portfolio.positions.keys()))#准备买入数量
    every_stock_money=context.portfolio.available_cash/stock_count#每只股的买入资金

def market_open(context):
    cash = context.portfolio.available_cash / len(g.security2)
    n = len(g.picks)
    w = 1.0 / n

def other(context):
    w = context.portfolio.total_value / n
    k = len(g.picks)
    k = g.weights_sum
    x = 1.0 / k
    y = 2 / k * 3 / len(g.picks)
"""
ZD_STRAT = (STRAT, "ZeroDivisionError: float division by zero")


def _zd(line: int, func: str, text: str, **kw):
    return cl(returncode=1, traceback=tb((STRAT, line, func, text), exc=ZD_STRAT[1]), source=ZD_SRC, **kw)


def test_zero_division_names_the_free_places_count():
    o = _zd(6, "buy", "avg_cash = context.portfolio.cash / Num")
    assert o.cls == "strategy-bug"
    assert o.cause == "ZeroDivisionError: free places N - len(positions) = 0 (already holds N; JoinQuant too)"
    assert o.at == ("L6 buy: avg_cash = context.portfolio.cash / Num "
                    "[divisor Num = g.stocknum - len(context.portfolio.positions)]")
    # the comment after the statement, no spaces around '=', positions.keys() inside list()
    o = _zd(12, "weekly", "every_stock_money=context.portfolio.available_cash/stock_count#每只股的买入资金")
    assert o.cause.startswith("ZeroDivisionError: free places N - len(positions) = 0")
    assert o.at.endswith("[divisor stock_count = 3 - len(list(context.portfolio.positions.keys()))]")
    # a data gap elsewhere in the log does not move it: the count is of the strategy's own holdings
    o = _zd(6, "buy", "avg_cash = context.portfolio.cash / Num",
            data_warning="get_billboard_list: billboard (龙虎榜) data absent in store")
    assert o.cls == "strategy-bug" and "free places" in o.cause


def test_zero_division_by_an_empty_list_and_after_a_data_gap():
    o = _zd(15, "market_open", "cash = context.portfolio.available_cash / len(g.security2)")
    assert (o.cls, o.cause) == ("strategy-bug", "ZeroDivisionError: len() of an empty list (no data gap logged; "
                                                "JoinQuant too)")
    assert o.at.endswith("[divisor len(g.security2)]")
    # a name followed back to its assignment in the same function
    o = _zd(17, "market_open", "w = 1.0 / n")
    assert o.cause.startswith("ZeroDivisionError: len() of an empty list")
    assert o.at.endswith("[divisor n = len(g.picks)]")
    # the same empty list after the run log said data were missing: maybe jqlite's gap
    w = "get_fundamentals(): table valuation has no rows on 2021-01-04 (data store has no fundamentals)"
    o = _zd(15, "market_open", "cash = context.portfolio.available_cash / len(g.security2)", data_warning=w)
    assert o.cls == "data-absent"
    assert o.cause == C._short("ZeroDivisionError after a data gap: " + w, 100)
    assert len(o.cause) == 100 and o.cause.endswith("…")


def test_zero_division_divisor_not_read_stays_plain():
    # n is assigned in another function only: the walk stops at 'def other'
    o = _zd(20, "other", "w = context.portfolio.total_value / n")
    assert (o.cls, o.cause, o.at) == ("strategy-bug", "ZeroDivisionError", "L20 other: w = context.portfolio.total_value / n")
    # the last assignment above the line wins (k = g.weights_sum, not len(...))
    o = _zd(23, "other", "x = 1.0 / k")
    assert o.cause == "ZeroDivisionError"
    # two divisions of different kinds on one line: not guessed
    o = _zd(24, "other", "y = 2 / k * 3 / len(g.picks)")
    assert o.cause == "ZeroDivisionError"
    # a Python 2 line (does not parse) and a division raised inside a library
    o = _zd(24, "other", "print 1 / len(x)")
    assert o.cause == "ZeroDivisionError"
    lib = ("/usr/lib/python3.11/statistics.py", 330, "mean", "return total / n")
    o = cl(returncode=1, traceback=tb((STRAT, 15, "market_open", "m = mean([])"), lib, exc="ZeroDivisionError: x"),
           source=ZD_SRC)
    assert (o.cls, o.cause) == ("strategy-bug", "ZeroDivisionError")


def test_zero_divisor_reader():
    F15 = C.Frame(STRAT, 15, "market_open", "")   # no text in the traceback: read from the source
    assert C.zero_divisor(ZD_SRC, F15) == ("len", "len(g.security2)")
    assert C.zero_divisor(ZD_SRC, C.Frame(STRAT, 6, "buy", "")) == (
        "slots", "Num = g.stocknum - len(context.portfolio.positions)")
    assert C.zero_divisor("", C.Frame(STRAT, 3, "f", "a = b / c")) == ("", "")
    assert C.zero_divisor(ZD_SRC, None) == ("", "")
    # augmented division
    assert C.zero_divisor("def f(x):\n    x /= len(y)\n", C.Frame(STRAT, 2, "f", "")) == ("len", "len(y)")
    # comparisons are not assignments
    src = "def f(c):\n    n = len(a)\n    n == 0\n    return c / n\n"
    assert C.zero_divisor(src, C.Frame(STRAT, 4, "f", "")) == ("len", "n = len(a)")

def test_empty_data_and_library_errors():
    o = cl(returncode=1, traceback=tb(S, PD, exc="IndexError: single positional indexer is out-of-bounds"))
    assert o.cls == "data-absent"
    o = cl(returncode=1, traceback=tb(S, PD, exc="KeyError: 'close'"))
    assert (o.cls, o.cause) == ("shape-differs", "KeyError: 'close'")
    o = cl(returncode=1, traceback=tb(S, PD, exc="TypeError: unsupported operand type(s) for -: 'str' and 'int'"))
    assert (o.cls, o.cause, o.where) == ("shape-differs", "TypeError in pandas: unsupported operand type(s) for -: '…' and '…'", "library")
    assert o.at == "L10 market_open: x = f(context)"


def test_date_vs_datetime64_is_one_cause():
    for m in ("TypeError: Invalid comparison between dtype=datetime64[ns] and date",
              "TypeError: Cannot compare Timestamp with datetime.date. Use ts == pd.Timestamp(date)",
              "TypeError: unsupported operand type(s) for -: 'DatetimeArray' and 'datetime.date'"):
        o = cl(returncode=1, traceback=tb(S, PD, exc=m))
        assert (o.cls, o.cause) == ("shape-differs", "datetime.date vs datetime64/Timestamp (pandas >= 2 refuses; old pandas allowed)")


def test_numpy2_scalar_conversion_is_one_cause():
    o = cl(returncode=1, traceback=tb(S, exc="TypeError: only 0-dimensional arrays can be converted to Python scalars"))
    assert (o.cls, o.cause) == ("shape-differs", "float()/int() of a size-1 array (numpy >= 2 refuses; older numpy allowed)")
    R = _load("run")
    assert R.owner(o.cls, o.cause) == "runtime"


def test_positions_changed_during_iteration():
    loop = (STRAT, 93, "trade", "for s in context.portfolio.positions:")
    o = cl(returncode=1, traceback=tb(loop, exc="RuntimeError: dictionary changed size during iteration"))
    assert (o.cls, o.cause) == ("shape-differs", "dict changed size during iteration (loop over positions while ordering)")


def test_load_errors_from_stderr():
    o = cl(returncode=2, stderr="jqlite backtest: /c/f.py:12: syntax error: Missing parentheses in call to 'print'\n",
           python2=True)
    assert (o.cls, o.cause) == ("api-missing", "Python 2 source not converted: Missing parentheses in call to 'print'")
    err = "jqlite backtest: /c/f.py:4: syntax error: expected an indented block after function definition on line 4\n"
    src = "def initialize(context):\n    pass\n\ndef close_position(p):\n\n"
    assert C.syntax_error_at_end(err, src) and not C.syntax_error_at_end(err, src + "    return 1\nx = 2\n")
    o = cl(returncode=2, stderr=err, python2=True, truncated=True)
    assert (o.cls, o.cause) == ("strategy-bug", "SyntaxError: file ends inside a block (truncated file)")
    o = cl(returncode=2, stderr="jqlite backtest: /c/f.py:3: syntax error: invalid syntax\n", python2=False)
    assert (o.cls, o.cause) == ("strategy-bug", "SyntaxError: invalid syntax")
    crash = tb(("/repo/jqlite/strategy.py", 112, "load_strategy", "src = path.read_text()"),
               exc="UnicodeDecodeError: 'utf-8' codec can't decode byte 0xb3 in position 2: invalid start byte")
    o = cl(returncode=1, stderr="some log\n" + crash)
    assert (o.cls, o.cause) == ("api-missing", "encoding: source is not UTF-8 (GBK?)")


def test_params_errors_inside_jqlite():
    fac = ("/repo/jqlite/factors/api.py", 90, "get_factor_values", "raise ParamsError(msg)")
    o = cl(returncode=1, traceback=tb(S, fac, exc="ParamsError: Invalid factors: ['SGAI', 'roe_ttm']. Unknown factor name(s): 'SGAI'"))
    assert (o.cls, o.cause) == ("api-missing", "get_factor_values: unknown factor 'SGAI' (+1 more)")
    o = cl(returncode=1, traceback=tb(S, JQ, exc="ParamsError: get_current_tick('000001.XSHG'): the data store has daily bars only, no ticks"))
    assert (o.cls, o.cause) == ("data-absent", "ticks/minute bars asked of a daily-only store")
    o = cl(returncode=1, traceback=tb(S, JQ, exc="ParamsError: get_industry_stocks(): unknown industry code 'HY001' "
                                                  "(this data store has schemes sw_l1)"))
    assert (o.cls, o.cause) == ("data-absent", "industry/concept code of a scheme the store lacks")
    o = cl(returncode=1, traceback=tb(S, JQ, exc="ParamsError: jy.SecuMain: the 聚源 (JuYuan) database (jy) is not "
                                                  "available in jqlite; its tables are not in the store"))
    assert (o.cls, o.cause) == ("data-absent", "jy.SecuMain: database/table not available in jqlite")
    o = cl(returncode=1, traceback=tb(S, JQ, exc="ParamsError: order amount must be a number, got 'abc'"))
    assert (o.cls, o.cause) == ("strategy-bug", "ParamsError: order amount must be a number, got 'abc'")
    o = cl(returncode=2, stderr="jqlite backtest: /c/f.py:9: syntax error: invalid character '，' (U+FF0C)\n", python2=True)
    assert (o.cls, o.cause) == ("strategy-bug", "SyntaxError: invalid character '，'")


def test_missing_uploaded_file_is_the_authors_own_dependency():
    # a public file reading the author's private upload fails on JoinQuant for anyone else too
    rf = ("/repo/jqlite/api/files.py", 40, "read_file", "raise FileNotFoundError(...)")
    o = cl(returncode=1, traceback=tb(S, rf, exc="FileNotFoundError: [Errno 2] read_file(): no such file './m.pkl'"))
    assert (o.cls, o.cause) == ("strategy-bug", "read_file(): a file the author uploaded to their JoinQuant storage")


def test_missing_file_read_before_the_strategy_writes_it():
    rf = ("/repo/jqlite/api/files.py", 40, "read_file", "raise FileNotFoundError(...)")
    src = "def initialize(context):\n    write_file('m.pkl', b'x')\n"
    o = cl(returncode=1, source=src,
           traceback=tb(S, rf, exc="FileNotFoundError: [Errno 2] read_file(): no such file './m.pkl'"))
    # write_file works, so the file was not written earlier in this run: a fresh JoinQuant
    # account fails the same way (the author's storage held it from earlier runs)
    assert (o.cls, o.cause) == ("strategy-bug", "read_file(): read before the strategy writes it (author's earlier runs)")


def test_process_deaths_are_engine_crashes():
    assert cl(returncode=-9).cause == "killed by signal 9"
    assert cl(returncode=-9).cls == "engine-crash"
    assert cl(returncode=1, stderr="").cause == "exit 1 without a report"


def test_every_result_is_one_of_the_classes():
    cases = [dict(returncode=0), dict(returncode=1, traceback=tb(S, exc="RuntimeError: x")),
             dict(returncode=1, traceback=tb(S, JQ, exc="MemoryError")),
             dict(returncode=3, stderr="Segmentation fault")]
    for kw in cases:
        assert cl(**kw).cls in C.CLASSES


@pytest.mark.parametrize("src,freq", [
    ("def initialize(context):\n    run_daily(f, 'every_bar')\n", "minute"),
    ("def initialize(context):\n    get_price('a', frequency='1m')\n", "minute"),
    ("def initialize(context):\n    pass\ndef handle_tick(context, tick):\n    pass\n", "tick"),
    ("def initialize(context):\n    run_daily(f, '14:50')\n", "daily"),
])
def test_frequency_guess(src, freq):
    assert F.guess_frequency(src) == freq


_HD = "def initialize(context):\n    pass\ndef handle_data(context, data):\n"


@pytest.mark.parametrize("src,freq", [
    # a per-bar callback that waits for a time of day: fires only at minute frequency
    (_HD + "    if context.current_dt.hour == 14 and context.current_dt.minute == 55:\n        pass\n", "minute"),
    ("def initialize(context):\n    run_daily(f, time='every_bar')\n"
     "def f(context):\n    if context.current_dt.time() >= g.start:\n        pass\n", "minute"),
    ("def initialize(context):\n    run_daily(f, 'every_bar')\n"
     "def f(context):\n    t = context.current_dt.strftime('%H:%M:%S')\n", "minute"),
    # a per-bar callback reading minute bars (a 缠论 engine fed one 1-minute bar per call)
    ("def initialize(context):\n    run_daily(f, 'every_bar')\n"
     "def f(context):\n    df = get_bars(s, count=1, unit='1m')\n", "minute"),
    (_HD + "    h = history(1, '1m', 'close')\n", "minute"),
    # the time of day as a string compared with 'HH:MM:SS' (an IH futures file that trades
    # from 14:30 inside an every_bar task)
    ("def initialize(context):\n    run_daily(f, time='every_bar')\n"
     "def f(context):\n    if str(context.current_dt.time()) < '14:30:00':\n        return\n", "minute"),
    # day frequency: HH:MM tasks run at their time there too; a per-bar callback that neither
    # reads the time of day nor minute bars; the time only logged; a commented-out every_bar
    ("def initialize(context):\n    run_daily(f, '14:50')\n"
     "def f(context):\n    if context.current_dt.hour == 14:\n        pass\n", "day"),
    (_HD + "    order('600000.XSHG', 100)\n", "day"),
    (_HD + "    log.info('time ' + str(context.current_dt.time()))\n", "day"),
    ("def initialize(context):\n    #run_daily(f, time='every_bar')\n"
     "    get_price(s, frequency='1m')\n", "day"),
    # tick files: jqlite has no tick frequency
    ("def handle_tick(context, tick):\n    pass\n" + _HD + "    x = context.current_dt.minute\n", "day"),
])
def test_run_frequency_guess(src, freq):
    assert F.guess_run_frequency(src) == freq


def test_asset_python_ml_guesses():
    assert F.guess_asset("order('510300.XSHG', 100)") == "etf"
    assert F.guess_asset("order('600519.XSHG', 100); order('510300.XSHG', 1)") == "mixed"
    assert F.guess_asset("set_benchmark('000300.XSHG'); q = query(valuation.code)") == "stock"
    assert F.guess_asset("order('IF2103.CCFX', 1)") == "future"
    assert F.guess_python("print 'hi'\n") == "2"
    assert F.guess_python("print('hi')\n") == "3"
    assert F.guess_ml("import numpy as np\nfrom sklearn.svm import SVR\n") == "yes"
    assert F.guess_ml("# sklearn is not used\n") == "no"
    assert F.decode_source("价格".encode("gbk")) == "价格"
    assert F.decode_source("\ufeff价格".encode("utf-8")) == "价格"


def test_owner_of_causes():
    R = _load("run")
    assert R.owner("api-missing", "encoding: source is not UTF-8 (GBK?)") == "runtime"
    assert R.owner("api-missing", "ModuleNotFoundError: jqlib.optimizer") == "api"
    assert R.owner("api-missing", "ModuleNotFoundError: pandas.stats") == "runtime"
    assert R.owner("api-missing", "NameError: get_dominant_future (defined nowhere in the file)") == "api"
    assert R.owner("api-missing", "NameError: sign (defined nowhere in the file)") == "runtime (namespace) or strategy bug"
    assert R.owner("data-absent", "ticks/minute bars asked of a daily-only store") == "minute"
    assert R.owner("data-absent", "SecurityNotFoundError: security '<code>' is not in the data store") == "data"
    assert R.owner("shape-differs", "TypeError in groupby.pyx: unsupported operand") == "runtime (pandas idiom?)"
    assert R.owner("shape-differs", "KeyError: 'close'") == "api (shape)"
    assert R.owner("strategy-bug", "ZeroDivisionError") == "-"


def test_merge_keeps_new_rows_and_fills_the_rest():
    R = _load("run")
    old = [{"id": "a", "cls": "api-missing", "cause": "x"}, {"id": "b", "cls": "timeout", "cause": "t"}]
    new = [{"id": "a", "cls": "pass-and-trades", "cause": ""}]
    got = {r["id"]: r["cls"] for r in R.merge_rows(new, old, 180)}
    assert got == {"a": "pass-and-trades", "b": "timeout"}


def test_loader_says_cut_short_or_not_python2_either():
    # the loader's message (jqlite.compat.source._syntax_message) decides the class
    cut = ("jqlite backtest: /c/f.py:89: syntax error: '(' was never closed; the file ends inside an "
           "unclosed string, bracket or block: it was cut short (invalid as Python 3 and as Python 2)\n")
    o = cl(returncode=2, stderr=cut, python2=True)
    assert (o.cls, o.cause) == ("strategy-bug", "SyntaxError: file ends inside a block (truncated file)")
    bad = ("jqlite backtest: /c/f.py:361: syntax error: invalid syntax; not valid Python 2 either "
           "(line 361): a syntax error of the file itself\n")
    o = cl(returncode=2, stderr=bad, python2=True)
    assert (o.cls, o.cause) == ("strategy-bug", "SyntaxError: invalid syntax (invalid as Python 3 and as Python 2)")
    gap = ("jqlite backtest: /c/f.py:3: syntax error: invalid syntax; the file is valid Python 2, but "
           "its conversion to Python 3 does not compile: a gap in jqlite's Python 2 support\n")
    o = cl(returncode=2, stderr=gap, python2=True)
    assert (o.cls, o.cause) == ("api-missing", "Python 2 source not converted: invalid syntax")


def test_none_code_after_get_security_info_gap_is_data_absent():
    line = ("S", 150, "set_params", 'stocks_info += "%s" % (s_info.code, s_info.display_name)')
    o = cl(returncode=1, traceback=tb(line, exc="AttributeError: 'NoneType' object has no attribute 'code'"),
           data_warning="data gap: get_security_info('161226.XSHE'): the security is not in the data store; returned None")
    assert (o.cls, o.cause) == ("data-absent", "get_security_info() gave None: code not in the store")
    o = cl(returncode=1, traceback=tb(line, exc="AttributeError: 'NoneType' object has no attribute 'code'"))
    assert o.cls == "shape-differs"


def test_exit_called_by_the_strategy_is_its_own_doing():
    line = ("S", 22, "before_trading_start", "exit()")
    o = cl(returncode=1, traceback=tb(line, exc="RuntimeError: the strategy called exit()/sys.exit(None) in "
                                               "before_trading_start(): the backtest stops here"))
    assert (o.cls, o.cause) == ("strategy-bug", "the strategy ends the backtest itself with exit()")


@pytest.mark.parametrize("forced,expect", [("auto", "minute"), ("day", "day")])
def test_runner_runs_a_file_at_its_inferred_frequency(tmp_path, forced, expect):
    # a stand-in interpreter records the command line the runner gives it
    R = _load("run")
    fake = tmp_path / "python"
    fake.write_text(f'#!/bin/sh\necho "$@" > {tmp_path}/argv\n')
    fake.chmod(0o755)
    strat = tmp_path / "s.py"
    strat.write_text(_HD + "    if context.current_dt.hour == 14 and context.current_dt.minute == 55:\n        pass\n")
    row = R.run_one(strat, tmp_path / "out", start="2021-01-04", end="2021-01-08", cash=1e6, timeout=30,
                    python=str(fake), frequency=forced)
    argv = (tmp_path / "argv").read_text().split()
    assert argv[argv.index("--frequency") + 1] == expect
    assert row["run_frequency"] == expect
    assert row["cls"] == "pass-no-orders"


def test_empty_security_code_is_the_strategys_unless_jqlite_answered_it():
    # get_dominant_future('LH') before live hogs listed (2021-01-08) answers '' on JoinQuant too;
    # get_price('') then fails there as here (caf889a7)
    frames = [("S", 320, "get_ma", "df = get_price(stock, count=14, end_date=end_date)"), JQ]
    exc = "jqlite.errors.SecurityNotFoundError: security '' is not in the data store /tmp/s"
    o = cl(returncode=1, traceback=tb(*frames, exc=exc),
           data_warning="data gap: security '' is not in the data store /tmp/s")
    assert (o.cls, o.cause) == ("strategy-bug",
                                "SecurityNotFoundError: empty security code '' (no such security on JoinQuant)")
    # jqlite answered '' for lack of data: a data gap
    o = cl(returncode=1, traceback=tb(*frames, exc=exc),
           data_warning="get_dominant_future(): the data store has no open interest; returning ''")
    assert o.cls == "data-absent"
    # a real code the store lacks stays data-absent
    o = cl(returncode=1, traceback=tb(*frames, exc=exc.replace("''", "'162719.XSHE'")))
    assert o.cls == "data-absent"


def test_zero_divisor_ignores_literal_divisors():
    src = "def f(c):\n    return c / len(a) * 100 / 2.0\n"
    assert C.zero_divisor(src, C.Frame(STRAT, 2, "f", "")) == ("len", "len(a)")
    src = "def f(c):\n    return c / len(a) / 0\n"
    assert C.zero_divisor(src, C.Frame(STRAT, 2, "f", "")) == ("", "")
