"""Peak memory and time split of the flagship strategy on a store (issue 13's last criterion).

Usage::

    python benchmarks/mem_flagship.py --data STORE [--start 2019-01-02] [--end 2021-12-31]
                                      [--cold] [--json OUT.json]

Runs the unchanged ``strategies/five_model_rolling.py`` in this process with a fresh
``write_file`` storage (so it trains on day 1 and every 60 trading days) while a thread samples
the process's resident set size every 0.2 s.  ``--cold`` deletes the store's factor disk cache
first.  Prints wall, CPU user/system seconds, peak RSS, the profile split (data API, factor,
the strategy's own Python, engine) with the factor share of the wall time and of the CPU time
(user + system of all threads inside ``get_factor_values``), and what the large
holders weigh at the end of the run: the factor memory cache (bytes it counts and bytes its
blocks really keep alive), the fundamentals panel's daily valuation columns and the bar panels.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STRATEGY = ROOT / "strategies" / "five_model_rolling.py"


class RssSampler(threading.Thread):
    """Samples this process's RSS (bytes) every ``every`` seconds; ``peak`` and ``trace``."""

    def __init__(self, every: float = 0.2, progress: str | None = None):
        super().__init__(daemon=True)
        self.progress = progress
        import psutil
        self.proc = psutil.Process()
        self.every = every
        self.peak = 0
        self.trace: list[tuple[float, int]] = []
        self._halt = threading.Event()
        self.t0 = time.perf_counter()

    def run(self):
        while not self._halt.is_set():
            rss = self.proc.memory_info().rss
            self.peak = max(self.peak, rss)
            self.trace.append((time.perf_counter() - self.t0, rss))
            if self.progress and len(self.trace) % 50 == 0:     # every ~10 s: a run cut short
                Path(self.progress).write_text(           # still says how far it got
                    json.dumps({"t_s": round(self.trace[-1][0]), "rss_mb": rss >> 20,
                                "peak_mb": self.peak >> 20}))
            self._halt.wait(self.every)

    def stop(self):
        self._halt.set()
        self.join()


def _held_bytes(arrays) -> int:
    """Bytes really kept alive by ``arrays`` (a view keeps its whole base array)."""
    seen, total = set(), 0
    for a in arrays:
        b = a
        while getattr(b, "base", None) is not None and hasattr(b.base, "nbytes"):
            b = b.base
        if id(b) not in seen:
            seen.add(id(b))
            total += getattr(b, "nbytes", a.nbytes)
    return total


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", required=True)
    ap.add_argument("--start", default="2019-01-02")
    ap.add_argument("--end", default="2021-12-31")
    ap.add_argument("--cold", action="store_true", help="delete the factor disk cache first")
    ap.add_argument("--json", help="write the figures (and the RSS trace) here")
    args = ap.parse_args(argv)
    if args.cold:
        shutil.rmtree(Path(args.data) / ".factor_cache", ignore_errors=True)
    sampler = RssSampler(progress=args.json + ".progress" if args.json else None)
    sampler.start()
    t0 = time.perf_counter()
    import jqlite
    import jqlite.factors.api as fapi
    from jqlite.data.store import open_store
    from jqlite.results import profile_split
    # CPU seconds of the process (all threads: numba's workers, the cache writer) spent
    # inside get_factor_values: the factor share of the CPU time, next to that of the wall
    # time (on a loaded box the multi-threaded factor passes lose more wall time than the
    # single-threaded parts, so the two shares differ)
    factor_cpu = [0.0]
    inner = fapi._get_factor_values

    def timed_factor(*a, **kw):
        c0 = time.process_time()
        try:
            return inner(*a, **kw)
        finally:
            factor_cpu[0] += time.process_time() - c0
    fapi._get_factor_values = timed_factor
    store = open_store(args.data)
    with tempfile.TemporaryDirectory() as storage:
        res = jqlite.run_backtest(str(STRATEGY), args.start, args.end, cash=100000, data=args.data,
                                  store=store, storage=storage, seed=0, threads=None)
    wall = time.perf_counter() - t0
    sampler.stop()
    ru = resource.getrusage(resource.RUSAGE_SELF)
    split = profile_split(res.profile)
    from jqlite.factors.cache import engine_for
    eng = engine_for(store)
    holders = {"factor_mem_counted": eng.mem_bytes,
               "factor_mem_held": _held_bytes(list(eng.mem.values())),
               "factor_mem_blocks": len(eng.mem),
               "bar_fields": sum(a.nbytes for a in store._fields.values())}
    try:
        from jqlite.data.fundamentals import fundamentals_panel
        p = fundamentals_panel(store)
        holders["valuation_columns"] = sum(a.nbytes for a in p._val.values())
    except Exception:
        pass
    out = {"start": args.start, "end": args.end, "cold": args.cold, "wall_s": round(wall, 1),
           "cpu_user_s": round(ru.ru_utime, 1), "cpu_sys_s": round(ru.ru_stime, 1),
           "peak_rss_mb": round(sampler.peak / 2**20), "maxrss_mb": round(ru.ru_maxrss / 1024),
           "split_s": {k: round(v, 1) for k, v in split.items()},
           "factor_share": round(split["factor"] / wall, 3),
           "factor_cpu_s": round(factor_cpu[0], 1),
           "factor_cpu_share": round(factor_cpu[0] / max(ru.ru_utime + ru.ru_stime, 1e-9), 3),
           "trained": sum(1 for line in res.log if "训练完成" in line), "orders": len(res.orders),
           "final": float(res.daily["total_value"].iloc[-1]), "factor_stats": dict(eng.stats),
           "holders_mb": {k: (round(v / 2**20) if k != "factor_mem_blocks" else v)
                          for k, v in holders.items()},
           "loadavg": os.getloadavg()}
    print(json.dumps(out, indent=1))
    if args.json:
        out["rss_trace"] = [(round(t, 1), round(r / 2**20)) for t, r in sampler.trace[::5]]
        Path(args.json).write_text(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
