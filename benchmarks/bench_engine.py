"""Engine speed: the momentum strategy over synthetic N x D bars (median of several runs).

    python benchmarks/bench_engine.py [--n 1000 --days 1250 --repeat 5] [--real]

Prints engine time (cold = first run in a fresh process incl. store load and numba
compile; warm = median of later runs), bars per second and peak memory.  ``--real`` also
times the momentum example over the imported real full market (import to result).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--days", type=int, default=1250)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--real", action="store_true")
    a = ap.parse_args()
    import jqlite
    from jqlite.data.store import Store
    from synthetic import build

    tmp = Path(tempfile.mkdtemp(prefix="jqlite-bench-"))
    t0 = time.perf_counter()
    build(tmp / "store", a.n, a.days)
    t_build = time.perf_counter() - t0
    strat = HERE / "momentum_bench.py"
    times, cpu = [], []
    res = None
    for k in range(a.repeat + 1):
        store = Store(tmp / "store") if k == 0 else store
        t0, c0 = time.perf_counter(), time.process_time()
        res = jqlite.run_backtest(strat, "2018-01-02", "2030-01-01", 1_000_000, store=store,
                                  storage=tmp / "storage")
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    cold, warm = times[0], statistics.median(times[1:])
    bars = a.n * a.days
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'case':<28}{'cold s':>9}{'warm s':>9}{'bars/s (warm)':>16}{'peak MB':>9}{'trades':>8}{'final value':>14}")
    print(f"{f'momentum {a.n}x{a.days}':<28}{cold:>9.2f}{warm:>9.2f}{bars / warm:>16,.0f}{peak:>9.0f}"
          f"{len(res.trades):>8}{res.daily.total_value.iloc[-1]:>14,.0f}")
    print(f"(store build {t_build:.1f}s, not included; warm = median of {a.repeat})")
    # CPU seconds of this process (user + system): stable on a shared machine where wall is not
    print(f"warm cpu s: {statistics.median(cpu[1:]):.3f}")
    if a.real:
        real_src = Path(os.environ.get("JQLITE_REAL_SRC", HERE.parents[1] / "shared" / "data" / "real"))
        from jqlite.data.ingest import import_real_data
        t0 = time.perf_counter()
        import_real_data(real_src, tmp / "real")
        t_imp = time.perf_counter() - t0
        t0 = time.perf_counter()
        r = jqlite.run_backtest(HERE.parent / "strategies" / "examples" / "momentum_rotation.py",
                                "2015-01-05", "2022-01-14", 1_000_000, data=tmp / "real", storage=tmp / "storage")
        t_run = time.perf_counter() - t0
        print(f"real full market: import {t_imp:.1f}s, backtest 2015-01-05..2022-01-14 {t_run:.1f}s "
              f"(load+run), {len(r.trades)} trades, final {r.daily.total_value.iloc[-1]:,.0f}")


if __name__ == "__main__":
    main()
