"""Sweep throughput: a 16-task grid on 2 local Dask workers against the same tasks one by one.

    python benchmarks/bench_sweep.py [--start 2015-01-01 --end 2024-12-31] [--workers 2]
                                     [--separate] [--keep DIR]

Grid: ``strategies/examples/momentum_rotation.py`` with ``hold_num`` in {5, 10, 15, 20} x
``period`` in {5, 10, 15, 20} (16 tasks) on the sample market.  Each case runs in a fresh
process state as a user would see it:

* ``sequential``: ``run_sweep(workers=0)`` -- one by one in this process (imports and the
  store load paid once);
* ``local N``: ``run_sweep(workers=N)`` -- a LocalCluster of N one-thread worker processes
  (cluster start, each worker's imports and store load included);
* ``separate`` (``--separate``): ``dask scheduler`` + N ``dask worker`` processes started here
  on 127.0.0.1 and stopped after; its results must equal the local ones.

Printed: wall time of each case and the ratio to sequential (target <= 0.6 for 2 workers),
the sum of the tasks' own backtest time, the per-task overhead ``(wall x workers - sum of
backtest time) / tasks`` (everything that is not a backtest: cluster start, worker imports,
store load, scheduling, result writing), the scheduler's own round trip per task (100 no-op
tasks through the same cluster), and the load average (the machine is shared).

CPU columns: ``cpu_s`` is the CPU time of the worker process while it ran the task; the busiest
worker's total is the wall time the sweep would take if every worker had a core to itself, and
its ratio to the sequential total is the speed-up a non-shared machine would show.  On a shared
Linux box with ``kernel.sched_autogroup_enabled = 1`` all processes of one session share one CPU
share, so extra worker processes cannot get more CPU while other sessions keep the cores busy:
there the wall ratio says little, the CPU ratio is the measure.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

STRATEGY = ROOT / "strategies" / "examples" / "momentum_rotation.py"
GRID = {"hold_num": [5, 10, 15, 20], "period": [5, 10, 15, 20]}


def _noop(i):
    return i


def _tasks(start, end, store):
    from jqlite.sweep import build_tasks
    return build_tasks(STRATEGY.read_text(encoding="utf-8"), GRID, [(start, end)], [0], path=str(STRATEGY),
                       data_version=store.version)


def _signature(out: Path, df):
    import pandas as pd
    sig = {}
    for tid in df["task_id"]:
        d = pd.read_parquet(out / "tasks" / tid / "run" / "daily.parquet")
        sig[tid] = tuple(d["total_value"].round(6))
    return sig


def _case(name, tasks, out, store, **kw):
    from jqlite.sweep import run_sweep
    t0 = time.perf_counter()
    res = run_sweep(STRATEGY, tasks, out, data=store.path, meta={"params": list(GRID)}, **kw)
    wall = time.perf_counter() - t0
    df = res.results
    assert res.failed == 0, df[df["status"] != "ok"]["error"].tolist()
    per_worker_cpu = df.groupby("worker")["cpu_s"].sum()
    return {"case": name, "wall": wall, "startup": res.startup_s, "run_sum": float(df["run_s"].sum()),
            "cpu_sum": float(df["cpu_s"].sum()), "cpu_critical": float(per_worker_cpu.max()),
            "store_s": float(df["store_s"].max()), "workers": int(df["worker"].nunique()), "df": df, "out": out}


def _roundtrip(address=None, workers=2, n=100):
    from distributed import Client, LocalCluster
    cl = None
    if address is None:
        cl = LocalCluster(n_workers=workers, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                          silence_logs=50)
        address = cl.scheduler_address
    with Client(address) as c:
        c.gather(c.map(_noop, range(10), pure=False))
        t0 = time.perf_counter()
        c.gather(c.map(_noop, range(n), pure=False))
        dt = (time.perf_counter() - t0) / n
    if cl is not None:
        cl.close()
    return dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--start", default="2015-01-01")
    ap.add_argument("--end", default="2024-12-31")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--separate", action="store_true", help="also a dask scheduler + worker subprocess cluster")
    ap.add_argument("--keep", default=None, help="keep the results folders here")
    args = ap.parse_args()

    from jqlite.data import ensure_default_store
    store = ensure_default_store()
    root = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-sweep-"))
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    tasks = _tasks(args.start, args.end, store)
    load0 = os.getloadavg()
    rows = [_case("sequential", tasks, root / "seq", store, workers=0)]
    rows.append(_case(f"local {args.workers} workers", tasks, root / "local", store, workers=args.workers))
    rt_local = _roundtrip(workers=args.workers)
    rt_sep = None
    if args.separate:
        dask = Path(sys.executable).with_name("dask")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        addr = f"tcp://127.0.0.1:{port}"
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        procs = [subprocess.Popen([str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--no-dashboard"], env=env, stderr=subprocess.DEVNULL)]
        try:
            procs.append(subprocess.Popen([str(dask), "worker", addr, "--nthreads", "1", "--nworkers",
                                           str(args.workers), "--host", "127.0.0.1", "--no-dashboard"], env=env,
                                          stderr=subprocess.DEVNULL))
            from distributed import Client
            with Client(addr, timeout="60s") as c:
                c.wait_for_workers(args.workers, timeout=120)
            rows.append(_case(f"separate scheduler + {args.workers} workers", tasks, root / "sep", store,
                              scheduler=addr))
            rt_sep = _roundtrip(addr)
        finally:
            for p in reversed(procs):
                p.terminate()
                p.wait(timeout=30)
    load1 = os.getloadavg()

    seq = rows[0]
    ref = _signature(seq["out"], seq["df"])
    print(f"16-task grid {json.dumps(GRID)} of {STRATEGY.name}, {args.start}..{args.end}, sample market; "
          f"load average {load0[0]:.1f} before, {load1[0]:.1f} after; {os.cpu_count()} cores")
    print("| case | wall s | ratio to sequential | Σ backtest s | per-task overhead s | store load s (per worker) "
          "| Σ task CPU s | busiest worker CPU s | CPU ratio | workers used | results = sequential |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        n = len(r["df"])
        used = 1 if r["case"] == "sequential" else args.workers
        over = (r["wall"] * used - r["run_sum"]) / n
        same = _signature(r["out"], r["df"]) == ref
        print(f"| {r['case']} | {r['wall']:.1f} | {r['wall'] / seq['wall']:.2f} | {r['run_sum']:.1f} | {over:.2f} "
              f"| {r['store_s']:.1f} | {r['cpu_sum']:.1f} | {r['cpu_critical']:.1f} "
              f"| {r['cpu_critical'] / seq['cpu_critical']:.2f} | {r['workers']} | {'yes' if same else 'NO'} |")
    print(f"scheduler round trip per no-op task: LocalCluster {rt_local * 1000:.1f} ms"
          + (f", separate scheduler {rt_sep * 1000:.1f} ms" if rt_sep is not None else ""))
    print(f"median backtest per task (sequential): {seq['df']['run_s'].median():.2f} s; results in {root}")


if __name__ == "__main__":
    main()
