"""jqlite sweep: parameter overrides, task grid, Dask execution, nothing lost (issue 17).

Runs on a 12-day tiny store (two stocks); clusters have at most 2 workers, on 127.0.0.1.
A worker's first task pays its imports (about 5 s on an idle machine), so the tests that start
more clusters than the shared 2-worker one are marked slow.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("distributed")

from click.testing import CliRunner  # noqa: E402

from jqlite.cli import main  # noqa: E402
from jqlite.sweep import (UnknownParameterError, apply_overrides, build_tasks, find_parameters,  # noqa: E402
                          parse_param, parse_seeds, parse_windows, run_sweep)
from jqlite.sweep.report import render_sweep, walk_forward  # noqa: E402

# Buys AMOUNT + g.extra shares of g.security on day 1; from day 2 on, each day buys or sells a
# seeded-random 100..400 shares (so results depend on the seed, and only on it).  BOOM makes
# initialize raise; MARKER, when set and absent, makes the worker process die once.
STRATEGY = '''\
import os
import random

AMOUNT = 100  # shares bought on day 1
BOOM = False
MARKER = ''


def initialize(context):
    if BOOM:
        raise RuntimeError('boom requested')
    if MARKER and not os.path.exists(MARKER):
        open(MARKER, 'w').close()
        os._exit(3)   # the worker process dies mid-task
    set_benchmark('000001.XSHE')
    g.security = '000001.XSHE'
    g.extra = 0
    g.day = 0
    run_daily(trade, time='9:30')


def trade(context):
    g.day += 1
    if g.day == 1:
        order(g.security, AMOUNT + g.extra)
        return
    lots = random.randint(1, 4) * 100 + int(np.random.randint(0, 2)) * 100
    if random.random() < 0.5:
        order(g.security, lots)
    elif g.security in context.portfolio.positions:
        order(g.security, -min(lots, context.portfolio.positions[g.security].closeable_amount))
'''

CLOSES = [10.0, 10.2, 10.1, 10.4, 10.6, 10.3, 10.8, 11.0, 10.9, 11.2, 11.5, 11.3]


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    from jqlite.testing import tiny_store

    root = tmp_path_factory.mktemp("sweep")
    store = tiny_store(root / "store", {"000001.XSHE": CLOSES, "600000.XSHG": CLOSES[::-1]})
    strat = root / "toy.py"
    strat.write_text(STRATEGY, encoding="utf-8")
    return {"root": root, "store": store, "strategy": strat}


@pytest.fixture(scope="module")
def cluster2():
    """A 2-worker LocalCluster (1 thread each) shared by the tests that need two workers."""
    from distributed import LocalCluster

    cl = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=50)
    yield cl
    cl.close()


def _tasks(env, grid, seeds=(0,), windows=(("2024-01-02", "2024-01-17"),)):
    return build_tasks(env["strategy"].read_text(), grid, list(windows), list(seeds), path=str(env["strategy"]),
                       data_version=env["store"].version)


def _sweep(env, tasks, out, **kw):
    return run_sweep(env["strategy"], tasks, out, data=env["store"].path, **kw)


def _signature(out: Path, task_id: str) -> tuple:
    """Daily total values and filled orders of one task's run folder."""
    run = out / "tasks" / task_id / "run"
    daily = pd.read_parquet(run / "daily.parquet")
    orders = pd.read_parquet(run / "orders.parquet")
    return (tuple(np.round(daily["total_value"].to_numpy(), 6)),
            tuple(zip(orders["security"], orders["amount"], orders["filled"])))


# ---------------------------------------------------------------------------- parameters
def test_find_and_override_keeps_lines_and_names_both_kinds():
    src = STRATEGY
    found = find_parameters(src)
    assert list(found) == ["AMOUNT", "BOOM", "MARKER", "g.security", "g.extra", "g.day"]
    new = apply_overrides(src, {"AMOUNT": 700, "extra": 5, "g.security": "600000.XSHG"})
    old_lines, new_lines = src.splitlines(), new.splitlines()
    assert len(old_lines) == len(new_lines)
    changed = [(a, b) for a, b in zip(old_lines, new_lines) if a != b]
    assert changed == [("AMOUNT = 100  # shares bought on day 1", "AMOUNT = 700  # shares bought on day 1"),
                       ("    g.security = '000001.XSHE'", "    g.security = '600000.XSHG'"),
                       ("    g.extra = 0", "    g.extra = 5")]


def test_multiline_value_and_non_ascii_columns_keep_line_numbers():
    src = "名 = '中文'; X = (1,\n     2)  # 注释\nY = 3\n"
    new = apply_overrides(src, {"X": [7], "名": "ok"})
    assert new.count("\n") == src.count("\n")
    ns: dict = {}
    exec(new, ns)
    assert ns["X"] == [7] and ns["名"] == "ok" and ns["Y"] == 3
    assert new.splitlines()[2] == "Y = 3"


def test_unknown_parameter_lists_what_the_file_defines():
    with pytest.raises(UnknownParameterError) as ei:
        apply_overrides(STRATEGY, {"hold_num": 3})
    assert "hold_num" in str(ei.value)
    assert "AMOUNT, BOOM, MARKER, g.security, g.extra, g.day" in str(ei.value)


def test_cli_unknown_parameter_exits_2(env, tmp_path):
    r = CliRunner().invoke(main, ["sweep", str(env["strategy"]), "--param", "hold_num=3,5", "--start", "2024-01-02",
                                  "--end", "2024-01-17", "--data", str(env["store"].path), "--out",
                                  str(tmp_path / "o"), "--workers", "0"])
    assert r.exit_code == 2
    assert "unknown parameter(s) hold_num" in r.output and "g.extra" in r.output
    assert not (tmp_path / "o").exists()


def test_parsers():
    assert parse_param("n=3,5,8") == ("n", [3, 5, 8])
    assert parse_param("g.index=000300.XSHG,'x'") == ("g.index", ["000300.XSHG", "x"])
    assert parse_param("w=[1,2],[3,4]") == ("w", [[1, 2], [3, 4]])
    assert parse_seeds("0..3") == [0, 1, 2, 3] and parse_seeds("4,7") == [4, 7]
    assert parse_windows("2016-01-01:2018-06-30/1y") == [("2016-01-01", "2016-12-31"), ("2017-01-01", "2017-12-31"),
                                                        ("2018-01-01", "2018-06-30")]
    assert parse_windows("2020-01-01:2020-03-31/1m")[1] == ("2020-02-01", "2020-02-29")
    with pytest.raises(ValueError):
        parse_windows("2020-01-01:2020-03-31/1q")


def test_task_ids_stable_and_depend_on_what_runs(env):
    a = _tasks(env, {"AMOUNT": [100, 200]}, seeds=[0, 1])
    b = _tasks(env, {"AMOUNT": [200, 100]}, seeds=[1, 0])
    assert len(a) == 4 and {t.task_id for t in a} == {t.task_id for t in b}
    c = build_tasks(env["strategy"].read_text() + "\n# edited\n", {"AMOUNT": [100, 200]},
                    [("2024-01-02", "2024-01-17")], [0, 1], data_version=env["store"].version)
    assert not ({t.task_id for t in a} & {t.task_id for t in c})


# ---------------------------------------------------------------------------- runs
def test_overrides_change_the_run_not_the_file(env, tmp_path):
    before = env["strategy"].read_text()
    tasks = _tasks(env, {"AMOUNT": [200], "g.extra": [100]})
    out = tmp_path / "o"
    res = _sweep(env, tasks, out, workers=0)
    assert env["strategy"].read_text() == before
    assert res.failed == 0 and res.ran == 1
    orders = pd.read_parquet(out / "tasks" / tasks[0].task_id / "run" / "orders.parquet")
    # day 1 (2024-01-02): AMOUNT + g.extra = 200 + 100 shares at the 09:30 open
    assert orders.iloc[0]["amount"] == 300 and bool(orders.iloc[0]["is_buy"])
    assert pd.Timestamp(orders.iloc[0]["add_time"]).date().isoformat() == "2024-01-02"
    row = res.results.iloc[0]
    assert row["AMOUNT"] == 200 and row["g.extra"] == 100 and row["status"] == "ok"
    assert "AMOUNT = 200" in (out / "tasks" / tasks[0].task_id / "run" / "strategy.py").read_text()


def test_failing_task_recorded_while_others_finish(env, tmp_path, cluster2):
    tasks = _tasks(env, {"BOOM": [False, True], "AMOUNT": [100, 200]})
    out = tmp_path / "o"
    res = _sweep(env, tasks, out, scheduler=cluster2.scheduler_address)
    df = pd.read_parquet(out / "results.parquet")
    assert len(df) == 4 and res.failed == 2
    assert list(df["status"]) == ["ok", "ok", "error", "error"]   # task order: BOOM False first
    assert all("RuntimeError: boom requested" in e for e in df.loc[df["status"] == "error", "error"])
    assert all("initialize()" in e for e in df.loc[df["status"] == "error", "error"])
    assert df.loc[df["status"] == "ok", "total_returns"].notna().all()
    assert df["worker"].str.startswith("tcp://127.0.0.1:").all()
    page = render_sweep(out)
    assert "boom requested" in page.read_text(encoding="utf-8")
    # a worker process gives what this process gives (seeded random draws included)
    here = tmp_path / "here"
    _sweep(env, tasks[:2], here, workers=0)
    assert all(_signature(out, t.task_id) == _signature(here, t.task_id) for t in tasks[:2])


def test_resume_runs_only_missing_tasks(env, tmp_path):
    tasks = _tasks(env, {"AMOUNT": [100, 200, 300]})
    out = tmp_path / "o"
    _sweep(env, tasks, out, workers=0)
    keep = out / "tasks" / tasks[0].task_id / "result.json"
    stamp = keep.stat().st_mtime_ns
    shutil.rmtree(out / "tasks" / tasks[1].task_id)            # lost
    (out / "tasks" / tasks[2].task_id / "result.json").write_text("{trunc")   # torn write
    with pytest.raises(Exception, match="--resume"):
        _sweep(env, tasks, out, workers=0)
    seen = []
    res = _sweep(env, tasks, out, workers=0, resume=True, on_result=lambda r, d, n: seen.append(r["task_id"]))
    assert (res.ran, res.skipped) == (2, 1)
    assert seen == [tasks[1].task_id, tasks[2].task_id]
    assert keep.stat().st_mtime_ns == stamp
    assert list(pd.read_parquet(out / "results.parquet")["AMOUNT"]) == [100, 200, 300]


def test_interrupt_leaves_completed_results_readable(env, tmp_path):
    tasks = _tasks(env, {"AMOUNT": [100, 200, 300]})
    out = tmp_path / "o"

    def stop(rec, done, total):
        if done == 1:
            raise KeyboardInterrupt

    res = _sweep(env, tasks, out, workers=0, on_result=stop)
    assert res.interrupted and res.ran == 1
    df = pd.read_parquet(out / "results.parquet")
    assert list(df["task_id"]) == [tasks[0].task_id]
    res = _sweep(env, tasks, out, workers=0, resume=True)
    assert (res.ran, res.skipped) == (2, 1)


@pytest.mark.slow
def test_same_results_on_one_and_two_workers(env, tmp_path, cluster2):
    tasks = _tasks(env, {"AMOUNT": [100, 200]}, seeds=[0, 1, 2])
    one, two = tmp_path / "one", tmp_path / "two"
    r1 = _sweep(env, tasks, one, workers=1)
    r2 = _sweep(env, tasks, two, scheduler=cluster2.scheduler_address)
    assert r1.failed == r2.failed == 0
    assert r1.results["worker"].nunique() == 1
    sigs = {t.task_id: _signature(one, t.task_id) for t in tasks}
    assert all(sigs[t.task_id] == _signature(two, t.task_id) for t in tasks)
    # the seed matters (else this test could not fail), the worker does not
    assert len({sigs[t.task_id] for t in tasks if t.params["AMOUNT"] == 100}) == 3
    cols = ["task_id", "total_returns", "sharpe", "max_drawdown"]
    pd.testing.assert_frame_equal(r1.results[cols], r2.results[cols])


def test_walk_forward_table(env, tmp_path):
    tasks = _tasks(env, {"AMOUNT": [100, 900]}, windows=[("2024-01-02", "2024-01-09"), ("2024-01-10", "2024-01-17")])
    out = tmp_path / "o"
    res = _sweep(env, tasks, out, workers=0, meta={"params": ["AMOUNT"]})
    df = res.results
    wf = walk_forward(df, ["AMOUNT"], "total_returns")
    assert len(wf) == 1
    w0 = df[df["window"] == 0].set_index("AMOUNT")["total_returns"]
    w1 = df[df["window"] == 1].set_index("AMOUNT")["total_returns"]
    best = int(w0.idxmax())
    assert wf.iloc[0]["best_params"] == str(best)
    assert wf.iloc[0]["out_of_sample_total_returns"] == pytest.approx(w1.loc[best])
    assert wf.iloc[0]["in_sample"] == "2024-01-02..2024-01-09"
    assert "Walk-forward" in render_sweep(out, metric="total_returns").read_text(encoding="utf-8")


@pytest.mark.slow
def test_killed_worker_task_rescheduled_with_same_result(env, tmp_path, cluster2):
    marker = tmp_path / "died-once"
    tasks = _tasks(env, {"MARKER": [str(marker)], "AMOUNT": [300]}, seeds=[5])
    out = tmp_path / "o"
    res = _sweep(env, tasks, out, scheduler=cluster2.scheduler_address)
    assert marker.exists()            # the first attempt did kill its worker
    assert res.failed == 0, res.results.get("error")
    ref_tasks = _tasks(env, {"MARKER": [""], "AMOUNT": [300]}, seeds=[5])
    ref = tmp_path / "ref"
    _sweep(env, ref_tasks, ref, workers=0)
    assert _signature(out, tasks[0].task_id) == _signature(ref, ref_tasks[0].task_id)
    cluster2.scale(2)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_separate_process_scheduler_gives_local_results(env, tmp_path):
    dask = Path(sys.executable).with_name("dask")
    if not dask.exists():
        pytest.skip("dask command line not installed")
    port = _free_port()
    addr = f"tcp://127.0.0.1:{port}"
    envv = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], env=envv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        procs.append(subprocess.Popen([str(dask), "worker", addr, "--nthreads", "1", "--nworkers", "1", "--host",
                                       "127.0.0.1", "--no-dashboard"], env=envv,
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client
        deadline = time.time() + 90
        while True:
            try:
                with Client(addr, timeout="5s") as c:
                    if c.scheduler_info()["workers"]:
                        break
            except OSError:
                pass
            assert time.time() < deadline, "dask scheduler/worker did not start"
            time.sleep(0.5)
        tasks = _tasks(env, {"AMOUNT": [100, 200]}, seeds=[3])
        remote, local = tmp_path / "remote", tmp_path / "local"
        r = _sweep(env, tasks, remote, scheduler=addr)
        assert r.failed == 0
        assert not r.results["worker"].str.startswith("local:").any()
        _sweep(env, tasks, local, workers=0)
        assert all(_signature(remote, t.task_id) == _signature(local, t.task_id) for t in tasks)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_cli_grid_file_runs_records_failure_and_writes_report(env, tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text("AMOUNT: [100, 200]\nBOOM: [false, true]\n", encoding="utf-8")
    out = tmp_path / "o"
    args = ["sweep", str(env["strategy"]), "--grid", str(grid), "--start", "2024-01-02", "--end", "2024-01-17",
            "--data", str(env["store"].path), "--out", str(out), "--workers", "0", "--metric", "total_returns"]
    r = CliRunner().invoke(main, args)
    assert r.exit_code == 1, r.output          # two of four tasks raise
    assert "4 run, 0 skipped (complete), 2 failed" in r.output
    df = pd.read_parquet(out / "results.parquet")
    assert sorted(zip(df["AMOUNT"], df["BOOM"], df["status"])) == [
        (100, False, "ok"), (100, True, "error"), (200, False, "ok"), (200, True, "error")]
    html_text = (out / "sweep.html").read_text(encoding="utf-8")
    assert "total_returns" in html_text and "AMOUNT" in html_text
    meta = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    assert meta["grid"] == {"AMOUNT": [100, 200], "BOOM": [False, True]} and len(meta["task_ids"]) == 4
    r = CliRunner().invoke(main, args)           # results there, no --resume: refused
    assert r.exit_code == 2 and "--resume" in r.output
    r = CliRunner().invoke(main, args + ["--resume"])   # failed tasks run again, ok ones skipped
    assert r.exit_code == 1 and "2 run, 2 skipped (complete), 2 failed" in r.output


def test_worker_with_another_store_version_records_an_error(env, tmp_path):
    from jqlite.sweep import run_task

    t = _tasks(env, {"AMOUNT": [100]})[0]
    row = run_task({**t.describe(), "source": t.source},
                   {"strategy": str(env["strategy"]), "data": str(env["store"].path), "out": str(tmp_path),
                    "cash": 100000.0, "benchmark": None, "data_version": "not-this-one"})
    assert row["status"] == "error" and "content version" in row["error"] and "not-this-one" in row["error"]
    assert not (tmp_path / "tasks" / t.task_id / "run").exists()


def test_ctrl_c_inside_a_run_stops_the_sweep_without_recording_the_task(env, tmp_path):
    import _thread
    import threading

    src = STRATEGY.replace("    g.day += 1\n", "    g.day += 1\n    if AMOUNT == 200 and g.day == 3:\n"
                                                 "        import time; time.sleep(5)\n", 1)
    strat = tmp_path / "slow.py"
    strat.write_text(src, encoding="utf-8")
    tasks = build_tasks(src, {"AMOUNT": [100, 200, 300]}, [("2024-01-02", "2024-01-17")], [0],
                        data_version=env["store"].version)
    out = tmp_path / "o"

    def on_result(rec, done, total):
        if done == 1:   # Ctrl-C while the second task sleeps in its third day
            threading.Timer(1.5, _thread.interrupt_main).start()

    res = run_sweep(strat, tasks, out, data=env["store"].path, workers=0, on_result=on_result)
    assert res.interrupted and res.ran == 1
    assert not (out / "tasks" / tasks[1].task_id / "result.json").exists()
    assert list(pd.read_parquet(out / "results.parquet")["task_id"]) == [tasks[0].task_id]


# ---------------------------------------------------------------- batch jobs (check, corpus)
JOBMOD = '''\
def job(x, k=1):
    if x == 3:
        raise ValueError(f"job {x} failed")
    return x * k
'''


def _jobmod(tmp_path):
    folder = tmp_path / "jobs"
    folder.mkdir()
    (folder / "jqlite_test_jobmod.py").write_text(JOBMOD, encoding="utf-8")
    sys.path.insert(0, str(folder))
    try:
        import jqlite_test_jobmod
    finally:
        sys.path.remove(str(folder))
    return folder, jqlite_test_jobmod


@pytest.mark.parametrize("on_dask", [False, True])
def test_batch_jobs_return_results_and_errors(tmp_path, cluster2, on_dask):
    from jqlite.sweep.batch import map_unordered

    folder, mod = _jobmod(tmp_path)
    kw = dict(scheduler=cluster2.scheduler_address) if on_dask else dict(workers=0)
    got = {it: (res, err) for it, res, err in map_unordered(mod.job, [1, 2, 3], sys_path=[str(folder)],
                                                            k=10, **kw)}
    assert got[1] == (10, None) and got[2] == (20, None)
    assert got[3][0] is None and isinstance(got[3][1], ValueError) and "job 3 failed" in str(got[3][1])


def test_check_on_dask_gives_the_same_reports(tmp_path, env, cluster2):
    from jqlite.check import check_paths

    ok = tmp_path / "ok.py"
    ok.write_text("def initialize(context):\n    g.s = '000001.XSHE'\n", encoding="utf-8")
    bad = tmp_path / "bad.py"
    bad.write_text("import nosuchmodule_jq\n\ndef initialize(context):\n    pass\n", encoding="utf-8")
    files = [str(bad), str(ok)]
    here = check_paths(files, data=env["store"].path)
    there = check_paths(files, data=env["store"].path, scheduler=cluster2.scheduler_address)
    assert [r.file for r in there] == files               # input order, whatever finished first
    assert [(r.ok, [(f.kind, f.name, f.line) for f in r.findings]) for r in there] == \
        [(r.ok, [(f.kind, f.name, f.line) for f in r.findings]) for r in here]
    assert not there[0].ok and any(f.name.startswith("nosuchmodule_jq") for f in there[0].blockers)
    assert there[1].ok
