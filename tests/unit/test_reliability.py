"""Issue 15 "nothing lost, no look-ahead, no silent wrong answer": one regression test (or
more) per numbered item; each failed before its fix.  See docs/reliability.md."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

import jqlite
from jqlite.cli import main as cli
from jqlite.data.ingest import ColumnMapping, import_bars_files
from jqlite.errors import ConfigError, DataError, DataValidationError
from jqlite.testing import tiny_store
from jqlite.testing import tree_digest


def read_source(*a, **kw):
    from jqlite.data.ingest import read_source as rs
    return rs(*a, **kw)

ROOT = Path(__file__).resolve().parents[2]
MAP = ColumnMapping.jqlite()
HEADER = "date,code,open,high,low,close,volume,money,pre_close"




def bars_csv(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def good_rows(code="600000.XSHG", n=8, p0=10.0):
    """``n`` consistent days from 2024-01-02 (pre_close = previous close)."""
    days = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08", "2024-01-09",
            "2024-01-10", "2024-01-11", "2024-01-12", "2024-01-15"][:n]
    rows, prev = [], p0
    for i, d in enumerate(days):
        c = round(p0 + 0.1 * i, 2)
        rows.append(f"{d},{code},{c},{c},{c},{c},1000,{c * 1000:.2f},{prev}")
        prev = c
    return rows


@pytest.fixture
def good_store(tmp_path):
    src = bars_csv(tmp_path / "a.csv", good_rows() + good_rows("000001.XSHE", p0=20.0))
    out = import_bars_files(src, MAP, tmp_path / "good")
    return out


# ---------------------------------------------------------------- 1. only stores are replaced
def test_import_refuses_to_replace_a_folder_of_documents(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "thesis.docx").write_bytes(b"years of work")
    src = bars_csv(tmp_path / "a.csv", good_rows())
    with pytest.raises(DataError, match="not a jqlite store"):
        import_bars_files(src, MAP, docs)
    assert (docs / "thesis.docx").read_bytes() == b"years of work"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "docs"]   # no temp folder left


def test_import_replaces_an_existing_store_and_marks_it(good_store, tmp_path):
    from jqlite.data.writer import STORE_MARKER
    assert (good_store / STORE_MARKER).is_file()
    before = tree_digest(good_store)
    src = bars_csv(tmp_path / "b.csv", good_rows(n=5))
    import_bars_files(src, MAP, good_store)
    assert tree_digest(good_store) != before
    assert jqlite.data.store.Store(good_store).n_days == 5


def test_cli_import_with_out_equal_to_src_keeps_the_source(tmp_path):
    src = tmp_path / "real"
    (src / "daily").mkdir(parents=True)
    (src / "daily" / "x.parquet").write_bytes(b"PAR1 precious")
    r = CliRunner().invoke(cli, ["data", "import", "--src", str(src), "--out", str(src)])
    assert r.exit_code == 2, r.output
    assert "not a jqlite store" in r.output and "store written" not in r.output
    assert (src / "daily" / "x.parquet").read_bytes() == b"PAR1 precious"


def test_cli_sample_refuses_a_document_folder_before_simulating(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "notes.txt").write_text("keep me")
    r = CliRunner().invoke(cli, ["data", "sample", "--out", str(docs)])
    assert r.exit_code == 2 and "not a jqlite store" in r.output
    assert (docs / "notes.txt").read_text() == "keep me"


# ---------------------------------------------------------------- 2. atomic, whole-store imports
def _fake_real_src(root: Path, truncated_fundamentals: bool) -> Path:
    """A minimal real-data folder: one xbx year file (prices in fen) + a fundamentals file."""
    (root / "daily" / "xbx").mkdir(parents=True)
    days = pd.to_datetime(["2020-01-02", "2020-01-03", "2020-01-06", "2020-01-07", "2020-01-08"])
    rows = []
    for code, p0 in (("600000.XSHG", 1000), ("000001.XSHE", 1500)):
        prev = p0
        for i, d in enumerate(days):
            c = p0 + 10 * i
            rows.append(dict(date=d.date(), code=code, open=c, high=c, low=c, close=c, pre_close=prev,
                             volume=1e5, amount=c * 1e3, name="X"))
            prev = c
    pd.DataFrame(rows).to_parquet(root / "daily" / "xbx" / "xbx_stock_daily_2020.parquet", index=False)
    fd = root / "fundamentals"
    fd.mkdir()
    f = fd / "baostock_profit_data_byz670.parquet"
    pd.DataFrame({"code": ["600000.XSHG"], "pubDate": ["2020-01-03"], "statDate": ["2019-09-30"],
                  "netProfit": [1.0], "npMargin": [0.1], "gpMargin": [0.2], "roeAvg": [0.01]}).to_parquet(f)
    if truncated_fundamentals:
        f.write_bytes(f.read_bytes()[:200])
    return root


def test_bad_fundamentals_leave_the_old_store_byte_identical(tmp_path, monkeypatch):
    monkeypatch.setattr("jqlite.data.formats.real.REAL_START", "2020-01-02")
    monkeypatch.setattr("jqlite.data.formats.real.REAL_END", "2020-01-08")
    src = _fake_real_src(tmp_path / "src", truncated_fundamentals=True)
    good = tmp_path / "good"
    r = CliRunner().invoke(cli, ["data", "import", "--src", str(src), "--out", str(good), "--no-fundamentals"])
    assert r.exit_code == 0, r.output
    before = tree_digest(good)
    r = CliRunner().invoke(cli, ["data", "import", "--src", str(src), "--out", str(good)])
    assert r.exit_code == 2, r.output
    assert "baostock_profit_data_byz670.parquet" in r.output and "store written" not in r.output
    assert tree_digest(good) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good", "src"]     # no .good.tmp-* left


def test_post_write_error_leaves_old_store_byte_identical(good_store, tmp_path):
    before = tree_digest(good_store)
    src = bars_csv(tmp_path / "b.csv", good_rows(n=5))

    def boom(tmp):
        assert (tmp / "meta.json").exists()
        raise DataValidationError("fundamentals.parquet", None, None, "truncated")
    with pytest.raises(DataValidationError):
        import_bars_files(src, MAP, good_store, post_write=boom)
    assert tree_digest(good_store) == before


def test_stale_temp_folders_of_killed_imports_are_cleaned(good_store, tmp_path):
    legacy = tmp_path / ".good.tmp-k3j2h1"              # mkdtemp name of the old writer
    dead = tmp_path / ".good.tmp-999999999-abc"        # pid that cannot exist
    alive = tmp_path / f".good.tmp-{os.getppid()}-abc"  # a running process: left alone
    for d in (legacy, dead, alive):
        d.mkdir()
        (d / "bars.parquet").write_bytes(b"x")
    src = bars_csv(tmp_path / "b.csv", good_rows(n=5))
    import_bars_files(src, MAP, good_store)
    assert not legacy.exists() and not dead.exists() and alive.exists()


def test_clean_stale_restores_a_store_moved_aside(good_store):
    from jqlite.data.writer import clean_stale
    aside = good_store.with_name(".good.old-999999999")
    os.replace(good_store, aside)          # killed between the two renames of the fallback swap
    clean_stale(good_store)
    assert (good_store / "meta.json").exists() and not aside.exists()


# ---------------------------------------------------------------- 3. run folders never overwritten
GOOD = "def initialize(context):\n    pass\n"


@pytest.fixture
def store(tmp_path):
    return tiny_store(tmp_path / "s", {
        "600000.XSHG": [10.0, 10.2, 10.4, 10.1, 10.3, 10.6, 10.8, 10.5, 10.4, 10.2],
        "000300.XSHG": [3000, 3010, 3005, 3020, 3031, 3025, 3040, 3050, 3045, 3040],
    }, types={"000300.XSHG": "index"}, index_members={"000300.XSHG": ["600000.XSHG"]})


def test_two_runs_in_the_same_second_get_two_folders(tmp_path):
    import datetime as dt
    from jqlite.results import new_run_folder
    when = dt.datetime(2024, 5, 1, 9, 30, 0)
    a = new_run_folder("strategies/x.py", tmp_path / "runs", when)
    b = new_run_folder("strategies/x.py", tmp_path / "runs", when)
    assert a != b and a.name == "x-20240501-093000" and b.name == "x-20240501-093000-2"


class _Done:
    def __init__(self, returncode, stdout, stderr):
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def _cli(store, tmp_path, strategy, *args, subprocess_=False):
    """``jqlite backtest`` over the tiny store: in-process (CliRunner) unless ``subprocess_``
    (needed where the process gets a real signal)."""
    base = ["backtest", "--start", "2024-01-02", "--end", "2024-01-12", "--data", str(store.path), "--quiet",
            "--storage", str(tmp_path / "storage")]
    argv = base + [str(strategy), *args]
    if subprocess_:
        e = {**os.environ, "PYTHONPATH": str(ROOT)}
        return subprocess.run([sys.executable, "-m", "jqlite", *argv], capture_output=True, text=True,
                              cwd=tmp_path, env=e)
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        r = CliRunner().invoke(cli, argv)
    finally:
        os.chdir(old)
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise r.exception
    return _Done(r.exit_code, r.stdout, r.stderr)


def test_out_into_a_foreign_folder_needs_force(store, tmp_path):
    s = tmp_path / "good.py"
    s.write_text(GOOD)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "daily.csv").write_text("my own spreadsheet")
    r = _cli(store, tmp_path, s, "--out", str(docs))
    assert r.returncode == 2 and "not empty" in r.stderr and "--force" in r.stderr
    assert (docs / "daily.csv").read_text() == "my own spreadsheet"
    # the strategy's own folder: a clear refusal, not shutil.SameFileError
    own = tmp_path / "own"
    own.mkdir()
    (own / "strategy.py").write_text(GOOD)
    r = _cli(store, tmp_path, own / "strategy.py", "--out", str(own))
    assert r.returncode == 2 and "folder of the strategy file" in r.stderr and "SameFileError" not in r.stderr
    # a run of the same strategy may be replaced; --force overrides
    r1 = _cli(store, tmp_path, s, "--out", str(tmp_path / "o"))
    r2 = _cli(store, tmp_path, s, "--out", str(tmp_path / "o"))
    assert r1.returncode == 0 and r2.returncode == 0, r2.stderr
    r = _cli(store, tmp_path, s, "--out", str(docs), "--force")
    assert r.returncode == 0 and (docs / "metrics.json").exists()


def test_default_run_folders_are_unique(store, tmp_path):
    s = tmp_path / "good.py"
    s.write_text(GOOD)
    from jqlite.results import new_run_folder
    import datetime as dt
    # the name the CLI would pick this second (and the next) is taken: the run gets a suffix
    now = dt.datetime.now()
    for k in range(3):
        new_run_folder(s, tmp_path / "runs", now + dt.timedelta(seconds=k))
    r = _cli(store, tmp_path, s)
    assert r.returncode == 0, r.stderr
    runs = sorted(p.name for p in (tmp_path / "runs").iterdir() if (p / "metrics.json").exists())
    assert len(runs) == 1


# ---------------------------------------------------------------- 4. signals keep partial results
SELF_KILL = """
import os, signal
def initialize(context):
    run_daily(f, '14:50')
def f(context):
    if context.current_dt.day == 9:
        os.kill(os.getpid(), signal.{sig})
"""


@pytest.mark.parametrize("sig,code", [("SIGINT", 130), ("SIGTERM", 143)])
def test_signal_writes_partial_results_and_error_json(store, tmp_path, sig, code):
    s = tmp_path / "k.py"
    s.write_text(SELF_KILL.replace("{sig}", sig))
    out = tmp_path / "o"
    r = _cli(store, tmp_path, s, "--out", str(out), subprocess_=True)
    assert r.returncode == code, r.stderr
    daily = pd.read_csv(out / "daily.csv")
    assert list(daily["date"]) == ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08"]
    err = json.loads((out / "error.json").read_text())
    assert err["signal"] == sig and err["dt"] == "2024-01-09 14:50" and err["callback"] == "f"
    assert err["message"].startswith("interrupted at 2024-01-09 14:50") and "5 of 9 days" in err["message"]
    assert "interrupted at 2024-01-09 14:50" in r.stderr


def test_keyboard_interrupt_in_the_library_writes_then_reraises(store, tmp_path):
    s = tmp_path / "k.py"
    s.write_text("def initialize(context):\n    run_daily(f, '9:30')\n"
                 "def f(context):\n    if context.current_dt.day == 4:\n        raise KeyboardInterrupt\n")
    with pytest.raises(KeyboardInterrupt):
        jqlite.run_backtest(s, "2024-01-02", "2024-01-12", store=store, out=tmp_path / "o",
                            storage=tmp_path / "st")
    assert len(pd.read_csv(tmp_path / "o" / "daily.csv")) == 2
    assert json.loads((tmp_path / "o" / "error.json").read_text())["signal"] == "SIGINT"


# ---------------------------------------------------------------- 6. bad CLI values
@pytest.mark.parametrize("args,msg", [(["--cash", "nan"], "finite"), (["--cash", "inf"], "finite"),
                                      (["--benchmark", "999999.XSHG"], "not in the data store")])
def test_bad_cash_and_benchmark_exit_2(store, tmp_path, args, msg):
    s = tmp_path / "good.py"
    s.write_text(GOOD)
    r = _cli(store, tmp_path, s, "--out", str(tmp_path / "o"), *args)
    assert r.returncode == 2 and msg in r.stderr and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (tmp_path / "o").exists()


def test_library_rejects_nan_cash(store, run_strategy):
    with pytest.raises(ConfigError, match="finite"):
        run_strategy(store, GOOD, "2024-01-02", "2024-01-05", cash=float("nan"))


def test_end_past_the_store_is_said(store, tmp_path):
    s = tmp_path / "good.py"
    s.write_text(GOOD)
    r = _cli(store, tmp_path, s, "--out", str(tmp_path / "o"), "--end", "2030-01-01")
    assert r.returncode == 0
    assert "warning: end 2030-01-01 is after the data store's last day 2024-01-15" in r.stderr
    cfg = json.loads((tmp_path / "o" / "metrics.json").read_text())["config"]
    assert cfg["end"] == "2024-01-15" and "2030-01-01" in cfg["warnings"][0]


# ---------------------------------------------------------------- 7. order arguments
@pytest.mark.parametrize("call,arg", [("order(S, nan)", "amount"), ("order(S, inf)", "amount"),
                                      ("order_value(S, inf)", "value"), ("order_value(S, nan)", "value"),
                                      ("order_target(S, nan)", "amount"), ("order_target_value(S, -inf)", "value"),
                                      ("order(S, None)", "amount")])
def test_order_nan_inf_are_params_errors(store, run_strategy, call, arg):
    src = f"""
from jqdata import *
S = '600000.XSHG'
def initialize(context):
    run_daily(f, '9:30')
def f(context):
    try:
        {call}
    except Exception as e:
        g.err = type(e).__name__ + ': ' + str(e)
"""
    r = run_strategy(store, src, "2024-01-02", "2024-01-02")
    assert r.run.g.err.startswith("ParamsError: ") and arg in r.run.g.err and ("finite" in r.run.g.err or "number" in r.run.g.err)
    assert r.orders.empty


# ---------------------------------------------------------------- 8. write_file content types
def test_write_file_accepts_only_str_and_bytes(store, run_strategy, tmp_path):
    src = """
def initialize(context):
    g.errs = []
    for bad in (5, [1, 2, 3], 1.5, None):
        try:
            write_file('f.bin', bad)
        except TypeError as e:
            g.errs.append(str(e))
    write_file('s.txt', '中文')
    write_file('b.bin', b'\\x00\\x01')
    write_file('b.bin', bytearray(b'\\x02'), append=True)
"""
    r = run_strategy(store, src, "2024-01-02", "2024-01-02", storage=tmp_path / "st")
    assert len(r.run.g.errs) == 4 and "str or bytes" in r.run.g.errs[0]
    assert not (tmp_path / "st" / "f.bin").exists()
    assert (tmp_path / "st" / "s.txt").read_bytes() == "中文".encode()
    assert (tmp_path / "st" / "b.bin").read_bytes() == b"\x00\x01\x02"


# ---------------------------------------------------------------- 9. unreadable inputs
def test_header_only_csv_is_an_error_not_a_dropped_security(tmp_path):
    a = bars_csv(tmp_path / "a.csv", good_rows())
    b = bars_csv(tmp_path / "b.csv", [])
    with pytest.raises(DataValidationError, match=r"b\.csv: no data rows"):
        import_bars_files([a, b], MAP, tmp_path / "st")


def test_empty_truncated_and_gbk_inputs_name_the_file(tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(DataValidationError, match=r"empty\.csv: empty file"):
        read_source(empty)
    pq = tmp_path / "t.parquet"
    pd.DataFrame({"date": ["2024-01-02"] * 100, "x": np.arange(100.0)}).to_parquet(pq)
    pq.write_bytes(pq.read_bytes()[:300])
    with pytest.raises(DataValidationError, match=r"t\.parquet: not a readable parquet file"):
        read_source(pq)
    cal = tmp_path / "cal.csv"
    cal.write_bytes("交易日期\n2024-01-02\n".encode("gbk"))
    with pytest.raises(DataValidationError, match=r"cal\.csv, column 'date': missing column"):
        read_source(cal, required=["date"])
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"date,x\n2024-01-02,\xff\xfe\xfa\n")   # neither UTF-8 nor GBK
    with pytest.raises(DataValidationError, match=r"bad\.csv: cannot decode"):
        read_source(bad)


def test_utf16_csv_imports(tmp_path):
    f = tmp_path / "u16.csv"
    f.write_text(HEADER + "\n" + "\n".join(good_rows()) + "\n", encoding="utf-16")
    out = import_bars_files(f, MAP, tmp_path / "st")
    assert jqlite.data.store.Store(out).n_days == 8


def test_cli_import_of_a_truncated_index_file_exits_2(tmp_path, monkeypatch):
    monkeypatch.setattr("jqlite.data.formats.real.REAL_START", "2020-01-02")
    monkeypatch.setattr("jqlite.data.formats.real.REAL_END", "2020-01-08")
    src = _fake_real_src(tmp_path / "src", truncated_fundamentals=False)
    (src / "index").mkdir()
    (src / "index" / "qlib_index_daily.parquet").write_bytes(b"PAR1\x00\x00")
    r = CliRunner().invoke(cli, ["data", "import", "--src", str(src), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2 and "qlib_index_daily.parquet: not a readable parquet file" in r.output
    assert "Traceback" not in r.output


# ---------------------------------------------------------------- 5. implausible ex-rights events
@pytest.mark.parametrize("k", [100.0, 10.0])
def test_price_row_times_k_is_rejected_not_made_bonus_shares(tmp_path, k):
    rows = good_rows(n=8)
    d, code, *v = rows[4].split(",")
    o, h, lo, c = (round(float(x) * k, 2) for x in v[:4])
    rows[4] = f"{d},{code},{o},{h},{lo},{c},{v[4]},{float(v[5]) * k:.2f},{v[6]}"
    d5, _, *v5 = rows[5].split(",")                 # the next row's pre_close is the true close
    f = bars_csv(tmp_path / "x100.csv", rows)
    with pytest.raises(DataValidationError) as ei:
        import_bars_files(f, MAP, tmp_path / "st")
    msg = str(ei.value)
    assert "x100.csv, row 5, column 'pre_close'" in msg and "600000.XSHG on 2024-01-09" in msg
    assert "implausible ex-rights" in msg
    assert not (tmp_path / "st").exists()


def test_genuine_ten_for_ten_bonus_is_kept(tmp_path):
    rows = good_rows(n=6)
    # 2024-01-09: 10送10, previous close 10.3 -> pre_close 5.15; the stock trades around it
    rows[4] = "2024-01-09,600000.XSHG,5.15,5.3,5.1,5.25,2000,10500,5.15"
    rows[5] = "2024-01-10,600000.XSHG,5.25,5.3,5.2,5.3,2000,10600,5.25"
    out = import_bars_files(bars_csv(tmp_path / "b.csv", rows), MAP, tmp_path / "st")
    xr = pd.read_parquet(out / "xrxd.parquet")
    assert xr["scale_factor"].tolist() == [2.0]


# ---------------------------------------------------------------- 10. get_bars today's bar
BARS_SRC = """
from jqdata import *
def initialize(context):
    set_option('use_real_price', True)
    {opt}
    run_daily(f, '{t}')
def f(context):
    try:
        g.r = get_bars('600000.XSHG', 2, '1d', {fields}, include_now=True)
    except Exception as e:
        g.r = type(e).__name__ + ': ' + str(e)
"""


def test_get_bars_at_open_without_open_field_is_the_snapshot(store, run_strategy):
    src = BARS_SRC.format(opt="", t="9:30", fields="['close', 'high', 'low', 'volume']")
    r = run_strategy(store, src, "2024-01-04", "2024-01-04")
    today_open = store.field("open")[store.day_index("2024-01-04"), store.col("600000.XSHG")]
    assert list(r.run.g.r["close"]) == [10.2, today_open] and r.run.g.r["volume"][-1] == 0
    assert r.run.g.r["high"][-1] == r.run.g.r["low"][-1] == today_open


def test_get_bars_intraday_include_now_without_minute_bars_says_so(store, run_strategy):
    """Today's forming bar is not future data on JoinQuant (no FutureDataError under
    avoid_future_data); a store without minute bars cannot build it, returns the whole day's
    bar (600000 on 2024-01-04: close 10.4) and names the gap in the run log."""
    src = BARS_SRC.format(opt="set_option('avoid_future_data', True)", t="10:00",
                          fields="['date', 'close']")
    r = run_strategy(store, src, "2024-01-04", "2024-01-04")
    assert list(r.run.g.r["close"]) == [10.2, 10.4]
    (gap,) = [x for x in r.metrics["data_gaps"] if x["api"] == "get_bars"]
    assert gap["first_dt"] == "2024-01-04 10:00:00" and "600000.XSHG" in gap["message"]
    assert any("data gap: get_bars(include_now=True): no minute bars" in ln for ln in r.log)


# ---------------------------------------------------------------- 11. other future reads
FUT_SRC = """
from jqdata import *
def initialize(context):
    set_option('avoid_future_data', True)
    run_daily(f, '10:00')
def f(context):
    g.errs = {}
    for name, call in [('nav', lambda: get_extras('unit_net_value', ['600000.XSHG'], end_date='2024-01-10', count=2)),
                       ('st', lambda: get_extras('is_st', ['600000.XSHG'], end_date='2024-01-10', count=2)),
                       ('nav_today', lambda: get_extras('unit_net_value', ['600000.XSHG'], end_date='2024-01-04', count=1)),
                       ('st_today', lambda: get_extras('is_st', ['600000.XSHG'], end_date='2024-01-04', count=1)),
                       ('idx', lambda: get_index_stocks('000300.XSHG', date='2024-01-10')),
                       ('idx_today', lambda: get_index_stocks('000300.XSHG', date='2024-01-04'))]:
        try:
            call()
            g.errs[name] = None
        except Exception as e:
            g.errs[name] = type(e).__name__ + ': ' + str(e)
"""


def test_get_extras_and_index_stocks_refuse_future_dates(store, run_strategy):
    r = run_strategy(store, FUT_SRC, "2024-01-04", "2024-01-04")
    e = r.run.g.errs
    assert all(e[k].startswith("FutureDataError") for k in ("nav", "st", "nav_today", "idx")), e
    assert e["st_today"] is None and e["idx_today"] is None


def test_history_fundamentals_stat_date_before_pubdate(tmp_path, run_strategy):
    from tests.unit.test_fundamentals import _make_store, _reports
    from jqlite.data.fundamentals import write_fundamentals
    from jqlite.data.store import open_store
    path = tmp_path / "fs"
    _make_store(path)
    write_fundamentals(path, _reports())
    st = open_store(path)
    src = """
from jqdata import *
def initialize(context):
    {opt}
    run_daily(f, '9:30')
def f(context):
    try:
        g.r = get_history_fundamentals('000001.XSHE', [income.net_profit], stat_date='2019q4', count=1)
    except Exception as e:
        g.r = type(e).__name__ + ': ' + str(e)
"""
    # 2019Q4 of 000001 was published 2020-03-20: on 2020-03-10 it is future data
    r = run_strategy(st, src.format(opt="set_option('avoid_future_data', True)"), "2020-03-10", "2020-03-10")
    assert isinstance(r.run.g.r, str) and r.run.g.r.startswith("FutureDataError") and "2020-03-20" in r.run.g.r
    r = run_strategy(st, src.format(opt=""), "2020-03-10", "2020-03-10")
    assert r.run.g.r.empty and any("not yet published" in ln for ln in r.log)
    r = run_strategy(st, src.format(opt="set_option('avoid_future_data', True)"), "2020-03-24", "2020-03-24")
    assert r.run.g.r["net_profit"].tolist() == [25.0]


# ---------------------------------------------------------------- 12. storage written "in the future"
WRITER = """
def initialize(context):
    run_daily(f, '15:30')
def f(context):
    write_file('model.txt', str(context.current_dt))
"""
READER = """
from jqdata import *
def initialize(context):
    {opt}
    try:
        g.got = read_file('model.txt').decode()
    except Exception as e:
        g.got = type(e).__name__ + ': ' + str(e)
"""


def test_read_file_written_later_by_another_run(store, run_strategy, tmp_path):
    st = tmp_path / "shared_storage"
    run_strategy(store, WRITER, "2024-01-02", "2024-01-12", storage=st)
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        r = run_strategy(store, READER.format(opt=""), "2024-01-04", "2024-01-05", storage=st)
    assert r.run.g.got == "2024-01-12 15:30:00"
    msg = [ln for ln in r.log if "look-ahead through storage" in ln]
    assert msg and "2024-01-12 15:30" in msg[0] and "2024-01-04 00:00" in msg[0]
    assert any("look-ahead" in str(x.message) for x in w)
    r = run_strategy(store, READER.format(opt="set_option('avoid_future_data', True)"), "2024-01-04",
                     "2024-01-05", storage=st)
    assert r.run.g.got.startswith("FutureDataError") and "2024-01-12 15:30" in r.run.g.got
    # a run after the write time reads it silently
    r = run_strategy(store, READER.format(opt="set_option('avoid_future_data', True)"), "2024-01-15",
                     "2024-01-15", storage=st)
    assert r.run.g.got == "2024-01-12 15:30:00" and not any("look-ahead" in ln for ln in r.log)


# ---------------------------------------------------------------- clear errors elsewhere
def test_compare_and_report_without_runs_exit_2(tmp_path):
    r = CliRunner().invoke(cli, ["compare"])
    assert r.exit_code == 2 and "give one or more run folders" in r.output
    (tmp_path / "empty").mkdir()
    for cmd in (["report", str(tmp_path / "empty")], ["compare", str(tmp_path / "empty")]):
        r = CliRunner().invoke(cli, cmd)
        assert r.exit_code == 2 and "is empty" in r.output and not isinstance(r.exception, FileNotFoundError)


# ---------------------------------------------------------------- first hour
def test_progress_eta_ignores_the_first_days_setup(monkeypatch, capsys):
    from jqlite import cli as C
    t = iter([0.0, 100.0, 101.0, 102.0])      # set-up + day 1 take 100 s, later days 1 s
    monkeypatch.setattr(C.time, "perf_counter", lambda: next(t))
    monkeypatch.setattr(C.sys.stderr, "isatty", lambda: False, raising=False)

    class R:
        current_date = "2024-01-02"

        class portfolio:
            total_value = 1.0
    cb = C._progress_printer()
    for done in (1, 2, 3):
        cb(done, 10, R)
    lines = capsys.readouterr().err.splitlines()
    assert "eta=?" in lines[0]
    assert "eta=7.0s" in lines[-1]          # (102 - 100) / 2 days * 7 days left


def test_order_warnings_counted_on_the_console(store, run_strategy, capsys):
    src = """
def initialize(context):
    run_daily(f, '9:30')
def f(context):
    order('600000.XSHG', 10)
    order_target('600000.XSHG', 0)
"""
    r = run_strategy(store, src, "2024-01-02", "2024-01-05", echo_log=True)
    out = capsys.readouterr().out
    assert "订单取消" not in out and "目标数量已经满足" not in out
    assert sum("订单取消" in ln for ln in r.log) == 4        # all still in the log (log.txt)
    text = r.run.log.counts_text()
    assert "8 order warnings" in text and "4 x 下单数量#不足一手, 下单数量为#, 订单取消" in text
    r = run_strategy(store, src, "2024-01-02", "2024-01-02", echo_log=True, verbose=True)
    assert "订单取消" in capsys.readouterr().out


def test_cli_backtest_in_process_gives_ctrl_c_back(store, tmp_path):
    """The CLI defers Ctrl-C while it prints a finished run's summary; run in-process (a test,
    a notebook), it must put the caller's handlers back -- found when a later in-process sweep
    could no longer be interrupted (SIGINT was left on the deferring handler)."""
    import signal
    s = tmp_path / "good.py"
    s.write_text(GOOD)
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    r = _cli(store, tmp_path, s, "--out", str(tmp_path / "o"))
    assert r.returncode == 0, r.stderr
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before
