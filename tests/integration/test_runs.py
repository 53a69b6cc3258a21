"""Whole runs: callback order, back-to-back isolation, determinism, failures, files, CLI."""

import json
import subprocess
import sys

import pytest

from jqlite.errors import StrategyError
from jqlite.testing import tiny_store


@pytest.fixture
def store(tmp_path):
    return tiny_store(tmp_path / "s", {
        "600000.XSHG": [10.0, 10.2, 10.4, 10.1, 10.3, 10.6, 10.8, 10.5],
        "000001.XSHE": [12.0, 11.8, 11.5, 11.9, 12.3, 12.1, 12.6, 12.9],
        "000300.XSHG": [3000, 3010, 3005, 3020, 3031, 3025, 3040, 3050],
    }, types={"000300.XSHG": "index"}, index_members={"000300.XSHG": ["600000.XSHG", "000001.XSHE"]})


ORDER_SRC = """
from jqdata import *
def initialize(context):
    g.seen = []
    run_daily(b, '9:30')
    run_weekly(w, 1, '9:30')
    run_monthly(m, 1, '9:30')
    run_daily(early, 'before_open')
    run_daily(late, 'after_close')
def before_trading_start(context): g.seen.append(('bts', context.current_dt.strftime('%H:%M')))
def handle_data(context, data): g.seen.append(('hd', context.current_dt.strftime('%H:%M')))
def after_trading_end(context): g.seen.append(('ate', context.current_dt.strftime('%H:%M')))
def b(context): g.seen.append(('daily', context.current_dt.strftime('%H:%M')))
def w(context): g.seen.append(('weekly', context.current_dt.strftime('%H:%M')))
def m(context): g.seen.append(('monthly', context.current_dt.strftime('%H:%M')))
def early(context): g.seen.append(('early', context.current_dt.strftime('%H:%M')))
def late(context): g.seen.append(('late', context.current_dt.strftime('%H:%M')))
"""


def test_same_timestamp_order(store, run_strategy):
    r = run_strategy(store, ORDER_SRC, "2024-01-02", "2024-01-02")
    assert r.run.g.seen == [("early", "09:00"), ("bts", "09:00"), ("monthly", "09:30"), ("weekly", "09:30"),
                            ("daily", "09:30"), ("hd", "09:30"), ("late", "15:30"), ("ate", "15:30")]


MOMO = """
from jqdata import *
def initialize(context):
    set_option('use_real_price', True)
    g.count = getattr(g, 'count', 0)
    run_daily(trade, '9:30')
def trade(context):
    g.count += 1
    stocks = get_index_stocks('000300.XSHG')
    h = history(2, '1d', 'close', stocks).dropna()   # rows before the store's first day are NaN
    if len(h) < 2:
        return
    best = (h.iloc[-1] / h.iloc[0]).idxmax()
    for s in list(context.portfolio.positions):
        if s != best:
            order_target(s, 0)
    order_target_value(best, context.portfolio.total_value * 0.9)
"""


def test_back_to_back_runs_identical_and_isolated(store, run_strategy):
    r1 = run_strategy(store, MOMO, "2024-01-02", "2024-01-11")
    r2 = run_strategy(store, MOMO, "2024-01-02", "2024-01-11")
    assert r1.run.g.count == r2.run.g.count == 8     # the second run does not see the first g
    assert r1.orders.drop(columns=[]).equals(r2.orders)
    assert list(r1.daily.total_value) == list(r2.daily.total_value)
    assert len(r1.trades) > 0


def test_strategy_error_keeps_partial_results(store, run_strategy, tmp_path):
    src = """
from jqdata import *
def initialize(context):
    run_daily(f, '9:30')
def f(context):
    if context.current_dt.day == 4:
        raise ValueError('boom')
"""
    out = tmp_path / "out"
    with pytest.raises(StrategyError) as ei:
        run_strategy(store, src, "2024-01-02", "2024-01-11", out=out)
    assert ei.value.callback == "f" and "boom" in str(ei.value) and "line 7" in ei.value.traceback_text
    daily = (out / "daily.csv").read_text().splitlines()
    assert len(daily) == 1 + 2       # header + the two finished days
    err = json.loads((out / "error.json").read_text())
    assert err["callback"] == "f" and err["exception"] == "ValueError"


def test_write_file_cannot_escape_storage(store, run_strategy, tmp_path):
    src = """
from jqdata import *
def initialize(context):
    write_file('models/a.bin', b'abc')
    write_file('models/a.bin', 'de', append=True)
    g.back = read_file('models/a.bin')
    try:
        write_file('../evil.txt', 'x')
        g.escaped = True
    except Exception as e:
        g.escaped = type(e).__name__
    try:
        read_file('missing.pkl')
    except IOError as e:
        g.missing = 'IOError'
"""
    r = run_strategy(store, src, "2024-01-02", "2024-01-02", storage=tmp_path / "st")
    assert r.run.g.back == b"abcde" and r.run.g.escaped == "ParamsError" and r.run.g.missing == "IOError"
    assert not (tmp_path / "evil.txt").exists()


def test_prefilled_names_and_context_attributes(store, run_strategy):
    src = """
def initialize(context):
    context.my_flag = 3
    g.x = isnan(nan) and math.sqrt(4) == 2 and np.mean([1, 3]) == 2 and isinstance(pd.DataFrame(), pd.DataFrame)
    g.d = datetime.date(2024, 1, 1) + timedelta(days=1)
    run_daily(f, 'every_bar')
def f(context):
    g.flag = context.my_flag
    g.prev = context.previous_date
"""
    r = run_strategy(store, src, "2024-01-02", "2024-01-03")
    g = r.run.g
    assert g.x and str(g.d) == "2024-01-02" and g.flag == 3 and str(g.prev) == "2024-01-02"


def test_cli_exit_codes(store, tmp_path):
    good = tmp_path / "good.py"
    good.write_text("def initialize(context):\n    pass\n")
    bad = tmp_path / "bad.py"
    bad.write_text("def initialize(context):\n    raise RuntimeError('x')\n")
    base = [sys.executable, "-m", "jqlite", "backtest", "--start", "2024-01-02", "--end", "2024-01-05",
            "--data", str(store.path), "--quiet"]
    ok = subprocess.run(base + [str(good), "--out", str(tmp_path / "o1")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert (tmp_path / "o1" / "metrics.json").exists()
    fail = subprocess.run(base + [str(bad), "--out", str(tmp_path / "o2")], capture_output=True, text=True)
    assert fail.returncode == 1 and "RuntimeError" in fail.stderr
    args = subprocess.run(base[:4] + ["--start", "2024-13-01", "--end", "2024-01-05", str(good)],
                          capture_output=True, text=True)
    assert args.returncode == 2
