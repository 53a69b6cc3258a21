"""Shared by every adapter (runs inside each engine's own venv: stdlib + numpy only).

An adapter is ``python adapters/<engine>.py BARS.npz OUT.json [--repeat R] [--budget S]``.
It times, with ``time.perf_counter`` inside its own process:

* ``import_s``  importing the engine package(s);
* ``load_s``    turning the shared bars into the engine's own data (store / bundle / feeds /
                DataFrames) and opening it;
* ``first_s``   the first backtest in the process (includes any JIT compile / lazy caches);
* ``warm_s``    median of the further runs in the same process (``repeat`` of them, fewer when
                ``budget`` seconds are used up; none = slow engine, see ``first_s``);

plus peak RSS (``resource.getrusage``), trade count and final portfolio value, then writes JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bars import Bars  # noqa: E402

CASH = 10_000_000.0
LOOKBACK, TOP, EVERY, INVEST = 20, 10, 5, 0.98
COMMISSION, TAX, MIN_COMMISSION = 0.0003, 0.001, 5.0


def rebalance_day(i: int) -> bool:
    """``i`` = 1-based count of trading days since the start (JoinQuant's g.i at the open)."""
    return i >= LOOKBACK + 1 and i % EVERY == 0


def args():
    ap = argparse.ArgumentParser()
    ap.add_argument("bars")
    ap.add_argument("out")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--budget", type=float, default=120.0, help="stop warm runs after this many s")
    ap.add_argument("--work", default=None, help="scratch folder for bundles / stores")
    ap.add_argument("--store", default=None, help="jqlite only: run on this store (real market)")
    return ap.parse_args()


class Bench:
    def __init__(self, engine: str):
        self.a = args()
        self.t_start = time.perf_counter()
        self.r = {"engine": engine, "python": sys.version.split()[0], "notes": []}
        self.work = Path(self.a.work or Path(self.a.out).with_suffix(".work"))
        self.work.mkdir(parents=True, exist_ok=True)

    def timed(self, key: str, fn, *a, **kw):
        t0 = time.perf_counter()
        v = fn(*a, **kw)
        self.r[key] = time.perf_counter() - t0
        return v

    def bars(self) -> Bars:
        b = Bars(self.a.bars)
        self.r.update(n=b.n, days=b.days, bars=b.bars, data=b.meta.get("kind", "synthetic"))
        return b

    def runs(self, fn):
        """fn() -> (trades, final_value).  First run, then warm runs within repeat / budget."""
        t0 = time.perf_counter()
        trades, final = fn()
        self.r["first_s"] = time.perf_counter() - t0
        warm = []
        spent = self.r["first_s"]
        while len(warm) < self.a.repeat and spent + self.r["first_s"] <= self.a.budget:
            t0 = time.perf_counter()
            trades, final = fn()
            warm.append(time.perf_counter() - t0)
            spent += warm[-1]
        self.r["warm_runs"] = warm
        self.r["warm_s"] = statistics.median(warm) if warm else None
        if not warm:
            self.r["notes"].append(f"no warm run: first run {self.r['first_s']:.0f}s vs budget {self.a.budget:.0f}s")
        self.r["trades"] = int(trades)
        self.r["final_value"] = float(final)

    def note(self, s: str):
        self.r["notes"].append(s)

    def done(self):
        self.r["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        self.r["total_s"] = time.perf_counter() - self.t_start
        self.r["env"] = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "NUMBA_NUM_THREADS", "MKL_NUM_THREADS",
                                                         "OPENBLAS_NUM_THREADS")}
        Path(self.a.out).write_text(json.dumps(self.r, indent=1, default=str))
