"""Minute bars: synthesis speed, intraday daily-frequency cost, minute-frequency throughput.

    JQLITE_DATA=/path/to/sample python benchmarks/bench_minute.py [--year 2024] [--stocks 800]
        [--daily-n 300] [--minute-n 50] [--repeat 2] [--skip-gen]

Uses the sample market store ($JQLITE_DATA or the default store).  Prints:

* generation: synthesising and caching one year of 1-minute bars for ``--stocks`` securities
  (the synthetic cache folder of that year is deleted first);
* daily frequency: one task a day reading ``get_current_data()[s].last_price`` for
  ``--daily-n`` stocks and rebalancing the top 10, at 14:50 vs at 09:30 (warm, median);
* minute frequency: ``handle_data`` reading ``data[s].close`` for ``--minute-n`` securities
  every minute for the year (240 calls a day), bars per second, peak RSS.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import tempfile
import textwrap
import time
from pathlib import Path

DAILY = """
from jqdata import *
def initialize(context):
    set_option('use_real_price', True)
    g.pool = None
    run_daily(rebalance, '{time}')
def rebalance(context):
    if g.pool is None:
        g.pool = list(get_all_securities('stock', context.current_dt.date()).index[:{n}])
    cd = get_current_data()
    px = {{s: cd[s].last_price for s in g.pool if not cd[s].paused}}
    top = sorted(px, key=lambda s: (px[s] * 1000) % 7)[:10]
    for s in list(context.portfolio.positions):
        if s not in top:
            order_target(s, 0)
    for s in top:
        order_target_value(s, context.portfolio.total_value / 10)
"""

MINUTE = """
from jqdata import *
def initialize(context):
    set_option('use_real_price', True)
    g.pool = None
    g.n = 0
def handle_data(context, data):
    if g.pool is None:
        g.pool = list(get_all_securities('stock', context.current_dt.date()).index[:{n}])
    s = 0.0
    for c in g.pool:
        s += data[c].close
    g.n += 1
    if context.current_dt.minute == 0 and context.current_dt.hour == 14:
        order_target_value(g.pool[g.n % len(g.pool)], context.portfolio.total_value / 20)
"""


def _run(src: str, tmp: Path, store, start: str, end: str, frequency: str = "day"):
    """(wall s, CPU s of this process, result)."""
    import jqlite
    f = tmp / f"s_{abs(hash(src))}.py"
    f.write_text(textwrap.dedent(src))
    t0, c0 = time.perf_counter(), time.process_time()
    res = jqlite.run_backtest(f, start, end, 1_000_000, store=store, storage=tmp / "storage", frequency=frequency)
    return time.perf_counter() - t0, time.process_time() - c0, res


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--stocks", type=int, default=800)
    ap.add_argument("--daily-n", type=int, default=300)
    ap.add_argument("--minute-n", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--skip-gen", action="store_true")
    a = ap.parse_args()
    from jqlite.data.store import open_store
    from jqlite.data import ensure_default_store
    store = ensure_default_store() if not os.environ.get("JQLITE_DATA") else open_store()
    mb = store.minute_bars()
    start, end = f"{a.year}-01-01", f"{a.year}-12-31"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"store {store.path}; load average {os.getloadavg()[0]:.1f}", flush=True)
    if not a.skip_gen:
        for m in range(1, 13):
            shutil.rmtree(mb.root / f"{a.year}-{m:02d}", ignore_errors=True)
        mb._months.clear()
        codes = [c for c, t in zip(store.securities["code"], store.securities["type"]) if t == "stock"][:a.stocks]
        cols = [store.col(c) for c in codes]
        store.field("close")
        mb.month(cols[0], a.year * 12)   # numba compile, not counted
        shutil.rmtree(mb.root / f"{a.year}-01", ignore_errors=True)
        mb._months.clear()
        t0, c0 = time.perf_counter(), time.process_time()
        for j in cols:
            for m in range(12):
                mb.month(j, a.year * 12 + m)
        tg, cg = time.perf_counter() - t0, time.process_time() - c0
        size = sum(p.stat().st_size for m in range(1, 13) for p in (mb.root / f"{a.year}-{m:02d}").glob("*.arrow"))
        print(f"generation: {len(cols)} stocks x 12 months of {a.year}: {tg:.1f} s wall, {cg:.1f} s CPU "
              f"({tg / len(cols) / 12 * 1e3:.1f} ms per security-month), {size / 2**30:.2f} GiB on disk")
        mb._months.clear()
    tmp = Path(tempfile.mkdtemp(prefix="jqlite-bench-minute-"))
    rows = []
    for tm in ("09:30", "14:50"):
        src = DAILY.format(time=tm, n=a.daily_n)
        runs = [_run(src, tmp, store, start, end)[:2] for _ in range(a.repeat + 1)]
        rows.append((tm, runs[0][0], statistics.median(r[0] for r in runs[1:]),
                     statistics.median(r[1] for r in runs[1:])))
    for tm, cold, warm, cpu in rows:
        print(f"daily frequency, task at {tm}, {a.daily_n} stocks x {a.year}: cold {cold:.2f} s, "
              f"warm {warm:.2f} s wall / {cpu:.2f} s CPU")
    print(f"  ratio 14:50 / 09:30 (warm): wall {rows[1][2] / rows[0][2]:.2f}, CPU {rows[1][3] / rows[0][3]:.2f}"
          f"  (goal <= 1.5)")
    src = MINUTE.format(n=a.minute_n)
    times, cpus, res = [], [], None
    for _ in range(a.repeat + 1):
        t, c, res = _run(src, tmp, store, start, end, frequency="minute")
        times.append(t)
        cpus.append(c)
    warm, cpu = statistics.median(times[1:]), statistics.median(cpus[1:])
    calls = res.run.g.n
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"minute frequency, {a.minute_n} securities x {calls} handle_data calls: cold {times[0]:.2f} s, "
          f"warm {warm:.2f} s wall / {cpu:.2f} s CPU, {calls * a.minute_n / warm:,.0f} bars/s read (wall), "
          f"peak RSS {peak:.0f} MB (goal <= 20 s, 2 GB); load average {os.getloadavg()[0]:.1f}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
