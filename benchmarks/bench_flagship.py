"""Full-year run of the flagship strategy (strategies/five_model_rolling.py) with its profile.

Usage::

    python benchmarks/bench_flagship.py [--start 2024-11-15] [--end 2025-11-14] [--repeat 1]
                                        [--data STORE] [--threads N]

Each repetition runs the unchanged strategy with a fresh ``write_file`` storage (so it trains on
the first day and every 60 trading days), in a fresh process, twice:

* ``cold``: the factor disk cache of the store is deleted first (first run on a new store);
* ``warm``: right after, with the factor disk cache left by the cold run (a second run).

It prints wall time and the profile split: strategy load, engine (matching, corporate actions,
marking, ledger), data API, factor computation, and the rest ("model": the strategy's own
Python, i.e. model training and prediction).  The goal of issue 5: under 60 s on 2 cores with
engine + data + factor under 15 % of the total.  JoinQuant's platform: 7 min 36 s (456 s) for
the same kind of one-year window (published by the strategy's author).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STRATEGY = ROOT / "strategies" / "five_model_rolling.py"

CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
import jqlite
from jqlite.data import ensure_default_store
from jqlite.results import profile_split
args = json.loads(sys.argv[1])
store = None if args["data"] else ensure_default_store()
res = jqlite.run_backtest(args["strategy"], args["start"], args["end"], cash=100000,
                          data=args["data"], store=store, storage=args["storage"], seed=0,
                          threads=args["threads"])
wall = time.perf_counter() - t0
prof = res.profile
split = profile_split(prof)
trained = sum(1 for line in res.log if "训练完成" in line)
print(json.dumps({"wall": wall, "run": res.run.wall_time, "split": split, "trained": trained,
                  "orders": len(res.orders), "final": float(res.daily["total_value"].iloc[-1]),
                  "profile": prof}))
"""


def _factor_cache_dirs(data: str | None) -> list[Path]:
    if data:
        return [Path(data) / ".factor_cache"]
    from jqlite.data import ensure_default_store
    return [Path(ensure_default_store().path) / ".factor_cache"]


def run_once(args, cold: bool) -> dict:
    if cold:
        for d in _factor_cache_dirs(args.data):
            shutil.rmtree(d, ignore_errors=True)
    with tempfile.TemporaryDirectory() as storage:
        payload = json.dumps({"strategy": str(STRATEGY), "start": args.start, "end": args.end,
                              "data": args.data, "storage": storage, "threads": args.threads})
        out = subprocess.run([sys.executable, "-c", CHILD, payload], capture_output=True, text=True,
                             env={**os.environ, "PYTHONWARNINGS": "ignore"})
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--start", default="2024-11-15")
    ap.add_argument("--end", default="2025-11-14")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--data", default=None, help="store folder (default: the sample market)")
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    rows = {"cold": [], "warm": []}
    for _ in range(args.repeat):
        rows["cold"].append(run_once(args, cold=True))
        rows["warm"].append(run_once(args, cold=False))
    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if "model name" in line)
    except (OSError, StopIteration):
        pass
    print(f"flagship {STRATEGY.name} {args.start}..{args.end}  data={args.data or 'sample'}  "
          f"cores={os.cpu_count()} ({cpu})  repeat={args.repeat} (medians)")
    print(f"{'case':6} {'wall s':>7} {'load':>6} {'engine':>7} {'data':>6} {'factor':>7} {'model':>7} "
          f"{'eng+data+factor':>16} {'trainings':>9} {'orders':>6}")
    for case, rs in rows.items():
        med = lambda k: statistics.median(r["split"][k] for r in rs)  # noqa: E731
        wall = statistics.median(r["wall"] for r in rs)
        edf = med("engine") + med("data") + med("factor")
        print(f"{case:6} {wall:7.1f} {med('load'):6.1f} {med('engine'):7.1f} {med('data'):6.1f} "
              f"{med('factor'):7.1f} {med('model'):7.1f} {edf:9.1f} ({edf / wall:4.0%}) "
              f"{rs[0]['trained']:9d} {rs[0]['orders']:6d}")
    print("JoinQuant platform (author's figure): 456 s")


if __name__ == "__main__":
    main()
