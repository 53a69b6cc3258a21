"""``jqlite check``: static compatibility report on strategy sources (jqlite/check.py)."""

from __future__ import annotations

import json
import textwrap
import types

import pytest
from click.testing import CliRunner

from jqlite import check as C
from jqlite.cli import main
from jqlite.data.minute import write_minute_bars
from jqlite.testing.builders import make_minute_bars, tiny_store


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    root = tmp_path_factory.mktemp("checkstore")
    return tiny_store(root / "store", {"000001.XSHE": [10.0] * 5, "510300.XSHG": [4.0] * 5,
                                       "000300.XSHG": [3500.0] * 5},
                      types={"510300.XSHG": "etf", "000300.XSHG": "index"},
                      index_members={"000300.XSHG": ["000001.XSHE"]})


def run_check(src: str, store=None) -> C.CheckReport:
    return C.check_source(textwrap.dedent(src).lstrip("\n"), "s.py", store=store)


needs_py2_loader = pytest.mark.skipif(
    C.to_python3("print 1\n") is None,
    reason="this jqlite's loader cannot convert Python 2 on this Python (lib2to3 is gone in 3.13)")


def only(report, kind, severity=None):
    return [f for f in report.findings if f.kind == kind and (severity is None or f.severity == severity)]


CLEAN = """
from jqdata import *

def initialize(context):
    set_benchmark('000300.XSHG')
    set_option('use_real_price', True)
    g.security = '000001.XSHE'
    run_daily(market_open, time='open')

def market_open(context):
    s = g.security
    cd = get_current_data()
    if cd[s].paused:
        return
    h = attribute_history(s, 5, '1d', ['close'])
    p = history(1, '1m', 'close', [s])
    cash = context.portfolio.available_cash
    for pos in context.portfolio.positions.values():
        log.info(pos.security, pos.avg_cost, math.floor(pos.closeable_amount / 100.0))
    o = order_value(s, cash)
    if o is not None:
        log.info(o.filled, datetime.date.today(), isnan(o.price))
"""


def test_clean_file_has_no_blocker_and_checks_store(store):
    r = run_check(CLEAN, store)
    assert r.ok and not r.python2
    assert r.store == str(store.path)
    # history(1, '1m', 'close') is the one-bar helper: served from daily bars, a warning
    (w,) = only(r, "frequency")
    assert w.severity == C.WARNING and w.line == 15


def test_unknown_api_name_is_a_blocker_with_its_lines():
    r = run_check("""
        def initialize(context):
            set_benchmark('000300.XSHG')
            x = get_unknown_api('IF')
            y = get_unknown_api('IC')
            z = context.portfolio.positions['000001.XSHE'].no_such_field
            context.my_value = 1
            w = context.my_value + context.not_assigned
            cd = get_current_data()['000001.XSHE'].is_stt
        """)
    names = {f.name: f for f in r.blockers}
    assert names["get_unknown_api"].kind == "name"
    assert names["get_unknown_api"].lines == [3, 4]
    assert names["Position.no_such_field"].line == 5
    assert names["context.not_assigned"].line == 7
    assert "context.my_value" not in names             # user attributes are allowed
    assert names["get_current_data()[s].is_stt"].line == 8
    assert not r.ok


def test_python2_only_builtin_in_python3_file_is_a_blocker():
    r = run_check("""
        def handle_data(context, data):
            for i in xrange(3):
                pass
        """)
    (b,) = r.blockers
    assert (b.kind, b.name, b.line) == ("name", "xrange", 2)
    assert "Python 2 only" in b.message


def test_missing_module_names_the_extra(monkeypatch):
    real = C.importlib.util.find_spec

    def fake(name, *a, **k):
        return None if name == "lightgbm" else real(name, *a, **k)
    monkeypatch.setattr(C.importlib.util, "find_spec", fake)
    r = run_check("""
        import lightgbm as lgb
        import no_such_module_jqlite_xyz
        try:
            import another_missing_module_xyz
        except ImportError:
            another_missing_module_xyz = None
        from sklearn.cross_validation import train_test_split
        from pandas import no_such_name_xyz
        """)
    f = {x.name: x for x in r.findings}
    assert f["lightgbm"].severity == C.BLOCKER and f["lightgbm"].line == 1
    assert "jqlite-engine[ml]" in f["lightgbm"].message
    assert f["no_such_module_jqlite_xyz"].severity == C.BLOCKER
    assert "no jqlite extra" in f["no_such_module_jqlite_xyz"].message
    assert f["another_missing_module_xyz"].severity == C.WARNING      # handled by the file
    # removed in scikit-learn 0.20; the runtime's legacy layer imports sklearn.model_selection
    assert f["sklearn.cross_validation"].severity == C.WARNING and f["sklearn.cross_validation"].line == 7
    assert "sklearn.model_selection" in f["sklearn.cross_validation"].message
    assert f["pandas.no_such_name_xyz"].severity == C.BLOCKER


@needs_py2_loader
def test_python2_print_is_converted_warning():
    r = run_check("""
        def initialize(context):
            print 'hello'
            d = {}
            if d.has_key('a'):
                print 'a'
            try:
                pass
            except Exception, e:
                print e
        """)
    assert r.python2 and r.ok
    f = {x.name: x for x in only(r, "python2")}
    assert f["print"].lines == [2, 5, 9] and f["print"].severity == C.WARNING
    assert f["has_key"].lines == [4]
    assert f["except"].lines == [8]


@needs_py2_loader
def test_integer_division_sites_in_python2_files():
    r = run_check("""
        def before_trading_start(context):
            stocks = ['a', 'b', 'c']
            n = len(stocks)
            half = n / 2
            mid = stocks[len(stocks) / 2]
            ratio = context.portfolio.total_value / 2
            print half
        """)
    d = {x.line: x for x in only(r, "division")}
    assert d[4].severity == C.WARNING and d[4].name == "n / 2"
    assert 6 not in d                                  # not integer by construction
    if "old_div(" in C.to_python3("print 1 / 2\n"):
        # the conversion keeps Python 2's floor division: nothing changes meaning
        assert d[5].severity == C.WARNING and "old_div" in d[5].message
    else:
        assert d[5].severity == C.BLOCKER              # a float index raises TypeError
    # the same divisions in a Python 3 file are not reported
    r3 = run_check("def f():\n    n = len([1])\n    return n / 2\n")
    assert not only(r3, "division")


@pytest.mark.parametrize("has_layer,severity", [(True, C.WARNING), (False, C.BLOCKER)])
def test_legacy_idioms(monkeypatch, has_layer, severity):
    monkeypatch.setattr(C, "_legacy_layer", lambda: types.ModuleType("legacy") if has_layer else None)
    r = run_check("""
        import numpy as np
        import pandas as pd
        def f(df, s):
            a = np.float(3)
            m = pd.rolling_mean(s, 5)
            df = df.sort(columns='close')
            df = df.append(s, ignore_index=True)
            v = df.ix[0]
            x = [3, 1]
            x.sort()
            x.append(2)
        f(None, None)
        """)
    f = {x.name: x for x in only(r, "legacy")}
    assert set(f) == {"np.float", "pd.rolling_mean", ".sort", ".append", ".ix"}
    assert {x.severity for x in f.values()} == {severity}
    assert f["np.float"].line == 4 and f[".ix"].line == 8


def test_security_literals_against_the_store(store):
    r = run_check("""
        def initialize(context):
            set_benchmark('000300.XSHG')
            g.pool = ['510300.XSHG', '159915.XSHE']
            a = get_index_stocks('000300.XSHG')
            b = get_index_stocks('000905.XSHG')
        """, store)
    f = {x.name: x for x in only(r, "security")}
    assert set(f) == {"159915.XSHE", "000905.XSHG"}
    assert f["159915.XSHE"].severity == C.BLOCKER and f["159915.XSHE"].line == 3
    assert f["000905.XSHG"].severity == C.WARNING          # unknown index: empty list
    assert "get_index_stocks returns []" in f["000905.XSHG"].message


def test_minute_frequency(store):
    r = run_check("""
        def handle_data(context, data):
            p = history(1, '1m', 'close', ['000001.XSHE'])
            q = get_price('000001.XSHE', count=30, frequency='1m', fields=['close'])
            b = get_bars('000001.XSHE', 5, '1m')
            w = get_bars('000001.XSHE', 5, '1M')
            if context.current_dt.minute == 50:
                pass
        def initialize(context):
            run_daily(handle_data, '14:50')
            run_daily(handle_data, 'sometime')
        """, store)
    f = {x.line: x for x in r.findings if x.kind in ("frequency", "schedule")}
    assert f[2].severity == C.WARNING                     # one-bar helper
    assert f[3].severity == C.BLOCKER and f[4].severity == C.BLOCKER
    assert 5 not in f                                     # '1M' is a month
    assert f[1].severity == C.WARNING and f[1].name == "handle_data"
    assert f[9].severity == C.WARNING and "day's close" in f[9].message
    assert f[10].severity == C.BLOCKER


def test_fundamentals_finance_and_factors(store):
    r = run_check("""
        def after_trading_end(context):
            q = query(valuation.code, valuation.market_capp, indicator.roe)
            t = finance.run_query(query(finance.STK_HK_HOLD_INFO).limit(3))
            u = finance.NO_SUCH_TABLE
            fv = get_factor_values(['000001.XSHE'], ['roe_ttm', 'no_such_factor'], count=1)
        """, store)
    f = {x.name: x for x in r.findings}
    assert f["valuation.market_capp"].severity == C.BLOCKER and f["valuation.market_capp"].line == 2
    # the tiny store has no fundamentals at all: get_fundamentals would raise
    assert f["fundamentals"].severity == C.BLOCKER
    assert f["finance.STK_HK_HOLD_INFO"].severity == C.WARNING
    assert f["finance.NO_SUCH_TABLE"].severity == C.BLOCKER
    assert f["no_such_factor"].severity == C.BLOCKER
    # a known factor whose fundamentals inputs the store lacks: NaN values, a warning
    assert f["roe_ttm"].severity == C.WARNING and "NaN" in f["roe_ttm"].message


def test_factor_names_passed_through_a_helper():
    r = run_check("""
        def pick(stocks, factor):
            return get_factor_values(stocks, factor, count=1)
        def initialize(context):
            pick(['000001.XSHE'], 'no_such_factor_b')
        """)
    (b,) = r.blockers
    assert (b.kind, b.name) == ("factor", "no_such_factor_b")
    # factor lists the check cannot follow: literal lists naming a known factor
    r = run_check("""
        def initialize(context):
            g.factor_list = [(['roe_ttm', 'no_such_factor_c'], [0.5, 0.5])]
        def handle_data(context, data):
            for names, weights in g.factor_list:
                get_factor_values(['000001.XSHE'], names, count=1)
            log.info(['close', 'open'])
        """)
    (b,) = r.blockers
    assert (b.kind, b.name, b.line) == ("factor", "no_such_factor_c", 2)


def test_syntax_error_that_no_conversion_fixes():
    r = run_check("""
        def initialize(context):
            x = (1,
        """)
    (b,) = r.findings
    assert (b.kind, b.severity, b.line) == ("syntax", C.BLOCKER, 2)


def _write(tmp_path, name, src):
    p = tmp_path / name
    p.write_text(textwrap.dedent(src).lstrip("\n"), encoding="utf-8")
    return p


def test_cli_exit_codes_and_json_schema(tmp_path, store):
    good = _write(tmp_path, "good.py", CLEAN)
    bad = _write(tmp_path, "bad.py", "def initialize(context):\n    no_such_api_xyz()\n")
    runner = CliRunner()
    res = runner.invoke(main, ["check", str(good), "--data", str(store.path)])
    assert res.exit_code == 0, res.output
    assert "good.py: OK" in res.output
    res = runner.invoke(main, ["check", str(good), str(bad), "--data", str(store.path), "--json"])
    assert res.exit_code == 1
    doc = json.loads(res.output)
    assert doc["ok"] is False and [f["file"].rsplit("/", 1)[1] for f in doc["files"]] == ["good.py", "bad.py"]
    finding = doc["files"][1]["findings"][0]
    assert set(finding) == {"kind", "name", "line", "severity", "message", "lines"}
    assert (finding["kind"], finding["name"], finding["line"], finding["severity"]) == \
        ("name", "no_such_api_xyz", 2, "blocker")
    assert doc["files"][1]["blockers"] == 1 and doc["files"][0]["ok"] is True
    res = runner.invoke(main, ["check", str(tmp_path / "absent.py")])
    assert res.exit_code == 2


def test_agreement_with_run_results(tmp_path, store):
    good = _write(tmp_path, "aaa.py", CLEAN)
    bad = _write(tmp_path, "bbb.py", "def initialize(context):\n    no_such_api_xyz()\n")
    also_bad = _write(tmp_path, "ccc.py", "def initialize(context):\n    no_such_api_xyz()\n")
    slow = _write(tmp_path, "ddd.py", CLEAN)
    reports = C.check_paths([good, bad, also_bad, slow], data=store.path)
    results = tmp_path / "results.json"
    results.write_text(json.dumps([{"id": "aaa", "cls": "pass-no-orders"},
                                   {"id": "bbb", "cls": "api-missing"},
                                   {"id": "ccc", "cls": "pass-and-trades"},
                                   {"id": "ddd", "cls": "timeout"}]))
    a = C.agreement(reports, results)
    assert (a["n"], a["agree"], a["left_out"]) == (3, 2, 1)
    assert a["rate"] == pytest.approx(2 / 3)
    assert a["false_blockers"] == ["ccc"] and a["missed"] == {}
    log = tmp_path / "run.log"
    log.write_text("[1/2] aaa pass-and-trades 3.0s\n[2/2] bbb data-absent 2.0s Security...\n")
    assert C.read_results(log) == {"aaa": "pass-and-trades", "bbb": "data-absent"}
    res = CliRunner().invoke(main, ["check", str(good), str(bad), "--data", str(store.path), "-q",
                                    "--agreement", str(log)])
    assert "2/2 files = 100.0 %" in res.output


def test_read_file_needs_the_uploaded_file(tmp_path, monkeypatch):
    monkeypatch.setenv("JQLITE_STORAGE", str(tmp_path / "base"))    # research folder: empty
    own = tmp_path / "own"
    own.mkdir()
    (own / "model.pkl").write_bytes(b"x")
    r = C.check_source(textwrap.dedent("""
        def initialize(context):
            m = read_file('model.pkl')
            n = read_file('absent.csv')
            write_file('later.csv', 'a')
            k = read_file('later.csv')
            try:
                o = read_file('optional.csv')
            except IOError:
                o = None
        """).lstrip("\n"), "s.py", storage=own)
    f = {x.name: x for x in only(r, "file")}
    assert set(f) == {"absent.csv", "later.csv", "optional.csv"}
    assert f["absent.csv"].severity == C.BLOCKER and f["absent.csv"].line == 3
    assert f["later.csv"].severity == C.WARNING and f["optional.csv"].severity == C.WARNING


def test_legacy_name_the_layer_does_not_restore_blocks(monkeypatch):
    layer = types.ModuleType("legacy")
    layer.RESTORED = {"Series": ["sort"], "DataFrame": ["sort"], "pandas": ["rolling_mean"], "numpy": ["float"]}
    monkeypatch.setattr(C, "_legacy_layer", lambda: layer)
    r = run_check("""
        import numpy as np
        def f(df):
            a = np.float(1)
            b = np.asscalar(df)
            c = df.irow(0)
        f(None)
        """)
    f = {x.name: x for x in only(r, "legacy")}
    assert f["np.float"].severity == C.WARNING
    assert f["np.asscalar"].severity == C.BLOCKER and "does not restore" in f["np.asscalar"].message
    assert f[".irow"].severity == C.BLOCKER


def test_unknown_name_is_reported_only_where_it_is_global():
    r = run_check("""
        def helper(date):
            return context.portfolio.cash
        def trade(context):
            x = context.portfolio.cash
            f = lambda context: context.current_dt
            return [context for context in range(3)]
        run_daily(trade, 'open'); helper(None)
        """)
    (b,) = r.blockers
    assert (b.kind, b.name, b.lines) == ("name", "context", [2])


def test_blockers_in_functions_nothing_calls_are_warnings():
    r = run_check("""
        def initialize(context):
            run_daily(trade, 'open')
        def trade(context):
            helper()
        def helper():
            get_unknown_api('IF')
        def old_unused(context):
            other_unknown_api(3, 'open_fund')
        """)
    f = {x.name: x for x in only(r, "name")}
    assert f["get_unknown_api"].severity == C.BLOCKER          # initialize -> trade -> helper
    assert f["other_unknown_api"].severity == C.WARNING
    assert "old_unused()" in f["other_unknown_api"].message
    assert r.ok is False
    r = run_check("""
        if __name__ == '__main__':
            import jqsdk_not_installed_xyz
            jqsdk_not_installed_xyz.run({})
        def initialize(context):
            pass
        """)
    assert r.ok and only(r, "import")[0].severity == C.WARNING


def test_minute_one_bar_rules_follow_jqlite():
    r = run_check("""
        def handle_data(context, data):
            a = get_price('000001.XSHE', count=1, frequency='1m', fields=['close', 'high_limit'])
            b = attribute_history('000001.XSHE', 1, '1m')
            c = attribute_history('000001.XSHE', 1, '1m', ['close'])
            d = history(1, '1m', 'volume')
        """)
    f = {x.line: x.severity for x in only(r, "frequency")}
    if C._Checker("x = 1\n", "x.py")._has_minute():
        assert f == {}
    else:
        assert f == {2: C.WARNING, 3: C.BLOCKER, 4: C.WARNING, 5: C.BLOCKER}


def test_ordering_while_iterating_positions(monkeypatch):
    src = """
        def handle_data(context, data):
            for s in context.portfolio.positions:
                sell(s)
            for s in list(context.portfolio.positions.keys()):
                order_target(s, 0)
            for p in context.portfolio.positions.values():
                log.info(p.price)
        def sell(s):
            order_target_value(s, 0)
        """
    monkeypatch.setattr(C, "positions_unsafe_iterations", lambda: {"iter", "keys", "values", "items"})
    r = run_check(src)
    (b,) = only(r, "iteration")       # line 4 lists a snapshot; line 6 places no order
    assert (b.line, b.severity) == (2, C.BLOCKER) and not r.ok
    monkeypatch.setattr(C, "positions_unsafe_iterations", lambda: set())
    assert not only(run_check(src), "iteration")


def test_positions_probe_matches_jqlite():
    from jqlite.accounting.portfolio import Positions
    bad = C.positions_unsafe_iterations()
    assert bad <= {"iter", "keys", "values", "items"}
    assert ("iter" in bad) == (Positions.__iter__ is dict.__iter__)


def test_api_function_that_always_raises():
    def get_x(security):
        """doc"""
        raise ValueError(f"get_x({security!r}): no such data")

    def get_y(security):
        if security:
            return 1
        raise ValueError("no")
    assert C.always_raises(get_x).startswith("ValueError: get_x(")
    assert C.always_raises(get_y) is None
    from jqlite.api import reference
    if C.always_raises(reference.get_current_tick) is not None:   # a jqlite without ticks
        r = run_check("""
            def handle_data(context, data):
                t = get_current_tick('000001.XSHE')
            """)
        (b,) = r.blockers
        assert (b.kind, b.name, b.line) == ("unsupported", "get_current_tick", 2)


def test_date_column_compared_with_a_date(monkeypatch):
    src = """
        def before_trading_start(context):
            df = get_all_securities()
            new = df[df['start_date'] > context.previous_date]
            old = df[df['start_date'] < '2015-01-01']
        """
    monkeypatch.setattr(C, "date_columns_refuse_dates", lambda: True)
    (b,) = run_check(src).blockers
    assert (b.kind, b.line) == ("shape", 3)
    monkeypatch.setattr(C, "date_columns_refuse_dates", lambda: False)
    assert run_check(src).ok


def test_gbk_file_is_decoded_as_the_loader_does(tmp_path):
    p = tmp_path / "gbk.py"
    p.write_bytes("# 中文注释：沪深300\ndef initialize(context):\n    no_such_api_gbk()\n".encode("gbk"))
    r = C.check_file(p)
    (b,) = r.blockers
    assert (b.kind, b.name, b.line) == ("name", "no_such_api_gbk", 3)


def test_industry_code_the_store_does_not_classify(store):
    r = run_check("""
        def before_trading_start(context):
            a = get_industry_stocks('HY001')
        """, store)
    (b,) = r.blockers         # the tiny store has no classification data at all
    assert (b.kind, b.name, b.line) == ("classification", "HY001", 2)
    r = run_check("""
        CODES = ['HY002', 'HY003']
        def before_trading_start(context):
            for c in CODES:
                get_industry_stocks(c)
        """, store)
    assert sorted(b.name for b in r.blockers) == ["HY002", "HY003"]


def test_synthesised_ticks_and_auction_are_data_warnings():
    r = run_check("""
        def handle_data(context, data):
            t = get_current_tick('000001.XSHE')
            a = get_call_auction('000001.XSHE', '2021-01-04', '2021-01-04')
        """)
    f = {x.name: x for x in r.findings if x.kind in ("data", "unsupported")}
    assert f["get_call_auction"].severity == C.WARNING and f["get_call_auction"].line == 3
    assert "synthesised from the daily bars" in f["get_call_auction"].message
    t = f["get_current_tick"]
    # the sample store has minute bars: ticks are built from them (a warning); a daily-only
    # store cannot serve them (a blocker)
    assert (t.severity, t.line) in ((C.WARNING, 2), (C.BLOCKER, 2))


def test_function_redefined_later_is_not_run():
    # two strategies pasted into one file: the second my_trade replaces the first before
    # initialize runs, so what only the first one calls never runs
    r = run_check("""
        def initialize(context):
            run_daily(my_trade, 'open')

        def my_trade(context):
            helper(context)

        def helper(context):
            get_missing_x('IF')

        def my_trade(context):
            get_call_auction_x('000001.XSHE')
        """)
    f = {x.name: x for x in only(r, "name")}
    assert f["get_missing_x"].severity == C.WARNING
    assert "redefined" not in f["get_missing_x"].message      # helper() is simply dead
    assert f["get_call_auction_x"].severity == C.BLOCKER and f["get_call_auction_x"].line == 11


def test_index_code_held_in_a_variable(store):
    r = run_check("""
        def before_trading_start(context):
            index = '000905.XSHG'
            log.info('index', index)
            stocks = get_index_stocks(index)
            etf = '159915.XSHE'
            order(etf, 100)
        """, store)
    f = {x.name: x for x in only(r, "security")}
    assert f["000905.XSHG"].severity == C.WARNING            # only given to get_index_stocks
    assert f["159915.XSHE"].severity == C.BLOCKER            # ordered: SecurityNotFoundError


def test_futures_codes_are_checked_against_the_store(store):
    r = run_check("""
        def initialize(context):
            run_daily(trade, 'open', reference_security='RB8888.XSGE')
        def trade(context):
            h = history(5, '1d', 'close', ['RB8888.XSGE', 'IF2103.CCFX', '000001.XSHE'])
        """, store)
    f = {x.name: x for x in only(r, "security")}
    assert set(f) == {"RB8888.XSGE", "IF2103.CCFX"}
    assert f["RB8888.XSGE"].lines == [4]                      # reference_security is not priced
    assert all(x.severity == C.BLOCKER for x in f.values())


def test_read_file_path_and_codes_held_in_g_or_a_list(tmp_path, monkeypatch, store):
    monkeypatch.setenv("JQLITE_STORAGE", str(tmp_path / "base"))
    r = C.check_source(textwrap.dedent("""
        def initialize(context):
            g.model_path = './model.pkl'
            g.model = read_file(g.model_path)
            codes = ['HY001', 'HY002']
            for i in range(len(codes)):
                get_industry_stocks(codes[i])
            name = 'abc'
            get_industry_stocks(name[0])
        """).lstrip("\n"), "s.py", store=store, storage=tmp_path / "own")
    (f,) = only(r, "file")
    assert (f.name, f.severity, f.line) == ("./model.pkl", C.BLOCKER, 3)
    # codes[i] is one of the list's items; name[0] of a plain string is not resolved
    assert sorted(x.name for x in only(r, "classification")) == ["HY001", "HY002"]


def test_blockers_under_a_time_of_day_test_on_daily_bars(store):
    r = run_check("""
        def handle_data(context, data):
            hour = context.current_dt.hour
            if hour == 14 and context.current_dt.minute == 30:
                pick(context)
            now = context.current_dt.strftime('%H:%M')
            if now > '13:30':
                get_ticks_x('000001.XSHE')
            get_other_x()

        def pick(context):
            return get_factor_values(['000001.XSHE'], ['no_such_factor'])
        """, store)
    sev = {f.name: f.severity for f in r.findings if f.kind in ("name", "factor")}
    assert sev == {"get_ticks_x": C.WARNING, "get_other_x": C.BLOCKER, "no_such_factor": C.WARNING}


def test_exit_in_reachable_code_blocks():
    r = run_check("""
        import sys
        def before_trading_start(context):
            write_file('x.txt', 'a')
            exit()
        def handle_data(context, data):
            try:
                sys.exit(0)
            except SystemExit:
                pass
        def never(context):
            sys.exit(1)
        """)
    f = {x.name: x for x in only(r, "exit")}
    assert f["exit()"].severity == C.BLOCKER and f["exit()"].line == 4
    assert f["sys.exit()"].severity == C.WARNING and f["sys.exit()"].lines == [11]   # only in never()


def test_missing_attribute_of_an_imported_class():
    r = run_check("""
        from datetime import datetime, timedelta
        import datetime as dt
        import pandas as pd
        pd.DataFrame.my_helper = lambda self: 1
        def initialize(context):
            a = datetime.timedelta(20)
            b = dt.datetime.timedelta(1)
            c = datetime.now() - timedelta(1)
            d = pd.DataFrame.my_helper
            e = dt.datetime.strptime('2020', '%Y').date()
        """)
    f = {x.name: x for x in only(r, "attribute")}
    assert set(f) == {"datetime.timedelta", "dt.datetime.timedelta"}
    assert f["datetime.timedelta"].severity == C.BLOCKER and f["datetime.timedelta"].line == 6
    assert "datetime.datetime has no attribute 'timedelta'" in f["datetime.timedelta"].message


def test_undefined_name_only_inside_a_branch_is_a_warning():
    r = run_check("""
        def handle_data(context, data):
            for p in list(context.portfolio.positions.values()):
                ret = p.price / p.avg_cost - 1
                if ret < -0.9:
                    order_target(p.security, 0)
                    log.info(undefined_value)
                elif ret > 5:
                    pass
                else:
                    both_x()
            both_x()
            get_ticks('000001.XSHE', count=1)
        """)
    f = {x.name: x for x in r.findings if x.kind == "name"}
    assert f["undefined_value"].severity == C.WARNING and "if-branches" in f["undefined_value"].message
    assert f["both_x"].severity == C.BLOCKER and f["both_x"].lines == [10, 11]   # also outside a branch


def test_positional_row_of_a_table_jqlite_serves_empty(monkeypatch):
    import importlib
    F = importlib.import_module("jqlite.api.finance")
    monkeypatch.setitem(F._EMPTY, "MAC_MANUFACTURING_PMI", "PMI data")   # whatever the store holds
    macro = C._Implemented.get().namespace["macro"]
    if not isinstance(getattr(macro, "MAC_MANUFACTURING_PMI", None), F.FinanceTable):
        pytest.skip("this jqlite has no macro.MAC_MANUFACTURING_PMI table")
    r = run_check("""
        def pmi_signal(context):
            a = macro.MAC_MANUFACTURING_PMI
            q = query(a.stat_month, a.pmi)
            pmi = macro.run_query(q)
            m = pmi['pmi'].rolling(3).mean()
            return m.values[-1] > m.values[-2]

        def guarded(context):
            df = macro.run_query(query(macro.MAC_MANUFACTURING_PMI))
            if df.empty:
                return 0
            return df['pmi'].iloc[-1]

        def handle_data(context, data):
            pmi_signal(context); guarded(context)
        """)
    rows = [f for f in r.findings if f.kind == "finance" and f.name.endswith("[row]")]
    assert len(rows) == 1 and rows[0].severity == C.BLOCKER and rows[0].lines == [6]
    assert rows[0].name == "macro.MAC_MANUFACTURING_PMI[row]"


def test_undefined_name_in_a_comprehension_filter():
    # the target and 'if' clauses belong to the comprehension's scope, the first iterable
    # to the enclosing one: both are global lookups of an undefined name
    r = run_check("""
        def pick(context, xs):
            a = [s for s in xs if judge_x(s, 12)]
            b = [y for y in undefined_iter_x if y]
            c = [y for x in xs for y in x if y > limit_x]
            return [z for z in range(3) if z]
        def handle_data(context, data):
            pick(context, [])
        """)
    assert sorted((f.name, f.line, f.severity) for f in only(r, "name")) == [
        ("judge_x", 2, C.BLOCKER), ("limit_x", 4, C.BLOCKER), ("undefined_iter_x", 3, C.BLOCKER)]


def test_get_bars_include_now_intraday_without_minute_bars(tmp_path):
    """JoinQuant returns today's forming bar (no FutureDataError, with or without
    avoid_future_data); only a store without minute bars is worth a warning: there jqlite
    returns the whole day's bar."""
    src = """
        def initialize(context):
            set_option('avoid_future_data', True)
            run_weekly(buy, 3, time='11:10')
            run_daily(after, time='after_close')

        def buy(context):
            check(context)
            ok = get_bars('000001.XSHE', 1, '1d', ['open', 'high_limit'], include_now=True)

        def check(context):
            return get_bars('000001.XSHE', 60, '1d', ['high', 'close'], include_now=True)

        def after(context):
            return get_bars('000001.XSHE', 5, fields=['close'], include_now=True)
        """
    daily = tiny_store(tmp_path / "d", {"000001.XSHE": [10.0] * 5})
    (f,) = only(run_check(src, daily), "future")
    # check() runs intraday through buy() at 11:10; after() at 15:30 gets the finished bar
    assert (f.severity, f.lines) == (C.WARNING, [11]) and "['close', 'high']" in f.message
    assert only(run_check(src), "future") == []                  # store not known
    minute = tiny_store(tmp_path / "m", {"000001.XSHE": [10.0] * 5})
    write_minute_bars(minute.path, make_minute_bars("000001.XSHE", minute.dates[0], 10.0))
    assert only(run_check(src, minute), "future") == []


def test_indexing_future_contracts_the_store_does_not_hold(store, tmp_path):
    src = """
        def before_trading_start(context):
            g.sym = 'IF'
            a = get_future_contracts('IF')[0]
            b = get_future_contracts(g.sym)[1]
            c = get_future_contracts('IF')          # not indexed: an empty list is fine
        """
    r = run_check(src, store)                         # no futures at all
    (f,) = only(r, "futures")
    assert f.severity == C.BLOCKER and f.lines == [3, 4] and "no futures contracts" in f.message
    fut = tiny_store(tmp_path / "fut", {"000001.XSHE": [10.0] * 5, "IF2103.CCFX": [5000.0] * 5,
                                        "RB8888.XSGE": [4000.0] * 5},
                     types={"IF2103.CCFX": "futures", "RB8888.XSGE": "futures"})
    assert only(run_check(src, fut), "futures") == []
    (f,) = only(run_check("x = get_future_contracts('RB')[0]\n", fut), "futures")   # only the 8888 series
    assert "no 'RB' contracts" in f.message


def test_branch_rule_is_not_carried_into_called_functions():
    # a helper called from a branch is judged on its own lines: on the corpus, carrying the
    # branch into callees turned as many right verdicts wrong as it fixed
    r = run_check("""
        def handle_data(context, data):
            if g.trade:
                buy(context)

        def buy(context):
            return get_unknown_price_x('IF')
        """)
    (f,) = only(r, "name")
    assert f.severity == C.BLOCKER


def test_futures_code_built_at_run_time(store):
    r = run_check("""
        def before_trading_start(context):
            g.code = 'IF' + str(context.current_dt.year)[2:] + '03' + '.CCFX'
            g.stock = '000001' + '.XSHE'
        """, store)
    (f,) = only(r, "security")
    assert (f.name, f.severity, f.line) == ("*.CCFX", C.BLOCKER, 2)


def test_removed_library_name_the_layer_restores_is_a_warning(monkeypatch):
    pytest.importorskip("sklearn")
    layer = types.ModuleType("legacy")
    layer.RESTORED = {"sklearn.preprocessing": ["Imputer"]}
    monkeypatch.setattr(C, "_legacy_layer", lambda: layer)
    r = run_check("from sklearn.preprocessing import Imputer, NoSuchScaler\n")
    assert [(f.name, f.severity) for f in only(r, "legacy")] == [
        ("sklearn.preprocessing.Imputer", C.WARNING)]
    assert [f.name for f in only(r, "import", C.BLOCKER)] == ["sklearn.preprocessing.NoSuchScaler"]
