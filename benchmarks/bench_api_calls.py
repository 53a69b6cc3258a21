"""Per-call cost of the data API calls strategies make in loops (one security per call).

    JQLITE_DATA=/path/to/sample python benchmarks/bench_api_calls.py [--n 100] [--days 5]
        [--old-root OLD_CHECKOUT] [--rounds 1]

Public JoinQuant strategies often loop over an index's members and call ``attribute_history``
/ ``get_price`` / ``get_bars`` once per security, several times a day (corpus files c5f64603,
ae88495f, ae6ea0d8, 0f36825f timed out on that).  This runs one backtest over ``--days``
trading days from 2021-01-04 whose 10:00 task calls each shape below once for each of ``--n``
stocks of 000300.XSHG and times every call inside the strategy; it prints microseconds per
call: CPU time of the process (the calls are single-threaded, and CPU time is steadier than
wall time on a shared machine), median over the days of the per-day mean.  With
``--old-root`` the same is run from another checkout (``PYTHONPATH=OLD``, same interpreter,
same store) in a subprocess, alternating old/new for ``--rounds``, and the new/old ratio is
printed per shape.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

STRATEGY = """
from jqdata import *
import time as _time

SHAPES = {
    'attribute_history(s, 81)': lambda s, c: attribute_history(s, 81),
    "attribute_history(s, 5, '1d', ['close'])": lambda s, c: attribute_history(s, 5, '1d', ['close']),
    "attribute_history(s, 20, '1d', 'close', df=False)": lambda s, c: attribute_history(s, 20, '1d', 'close', df=False),
    'get_price(s, d, d) all fields': lambda s, c: get_price(s, start_date=c.previous_date, end_date=c.previous_date),
    "get_price(s, count=20, fields='close', skip_paused=True)": lambda s, c: get_price(
        s, end_date=c.previous_date, count=20, fields='close', skip_paused=True),
    "get_price(s, count=60, fields=['close','high_limit'])": lambda s, c: get_price(
        s, end_date=c.previous_date, count=60, fields=['close', 'high_limit']),
    "get_price(s, count=1, '1m', ['close'], panel=False)": lambda s, c: get_price(
        s, end_date=c.current_dt, frequency='1m', fields=['close'], count=1, panel=False),
    "get_price(s, count=24, '1m', ['high','low','close'])": lambda s, c: get_price(
        s, end_date=c.current_dt, frequency='1m', fields=['high', 'low', 'close'], count=24),
    "history(20, '1d', 'close', [s])": lambda s, c: history(20, '1d', 'close', [s]),
    "get_bars(s, 1, '1d', ['close'])": lambda s, c: get_bars(s, count=1, unit='1d', fields=['close']),
    'get_current_data()[s].last_price': lambda s, c: get_current_data()[s].last_price,
    "get_current_data() unit filled afresh (day_open, limits, paused, name)": lambda s, c: _fresh_unit(s),
    "attribute_history(s, 1, '1m', 'close')": lambda s, c: attribute_history(s, 1, '1m', 'close'),
    "get_price(s, end_date=str, count=5, ['close','open'], skip_paused=True)": lambda s, c: get_price(
        s, end_date=str(c.previous_date), frequency='daily', fields=['close', 'open'], count=5, skip_paused=True),
    "get_price(10 codes, count=5, ['close','low_limit'], skip_paused=True, panel=False)": lambda s, c: get_price(
        g.pool[:10], end_date=c.previous_date, count=5, fields=['close', 'low_limit'], skip_paused=True, panel=False),
}

def _fresh_unit(s):
    # the snapshot fills a unit once per time point: drop it so every call measures the fill
    cd = get_current_data()
    cd.pop(s, None)
    u = cd[s]
    return (u.day_open, u.high_limit, u.low_limit, u.paused, u.name)

def initialize(context):
    set_option('use_real_price', True)
    g.pool = get_index_stocks('000300.XSHG')[:__N__]
    g.t = {k: [] for k in SHAPES}
    run_daily(probe, '10:00')

def probe(context):
    for name, f in SHAPES.items():
        t0 = _time.process_time()
        for s in g.pool:
            f(s, context)
        g.t[name].append((_time.process_time() - t0) / len(g.pool))
"""


def measure(n: int, days: int) -> dict[str, float]:
    """Microseconds per call for each shape (median over the days, first day dropped as warm-up)."""
    import jqlite
    from jqlite.data.store import open_store
    store = open_store()
    tmp = Path(tempfile.mkdtemp(prefix="jqlite-bench-api-"))
    f = tmp / "probe.py"
    f.write_text(textwrap.dedent(STRATEGY.replace('__N__', str(n))))
    start = store.dates[store.day_index("2021-01-04", "left")]
    end = store.dates[min(store.day_index(start, "left") + days, store.n_days - 1)]
    res = jqlite.run_backtest(f, start.date(), end.date(), 1_000_000, store=store, storage=tmp / "storage")
    return {k: statistics.median(v[1:] or v) * 1e6 for k, v in res.run.g.t.items()}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--days", type=int, default=5)
    ap.add_argument("--old-root")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.json:
        print(json.dumps(measure(a.n, a.days)))
        return
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
          f"load average {os.getloadavg()[0]:.1f}", flush=True)

    def sub(root: str) -> dict[str, float]:
        env = dict(os.environ, PYTHONPATH=root, JQLITE_ATTRIBUTION="off")
        out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--json",
                              "--n", str(a.n), "--days", str(a.days)], env=env, check=True,
                             capture_output=True, text=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    new_root = str(Path(__file__).resolve().parents[1])
    if not a.old_root:
        for k, v in sub(new_root).items():
            print(f"{v:10.0f} us  {k}")
        return
    olds, news = [], []
    for _ in range(a.rounds):
        olds.append(sub(a.old_root))
        news.append(sub(new_root))
    print(f"{'old us':>10} {'new us':>10} {'new/old':>8}  shape (median of {a.rounds} rounds)")
    for k in news[0]:
        o = statistics.median(r[k] for r in olds if k in r) if all(k in r for r in olds) else float("nan")
        nw = statistics.median(r[k] for r in news)
        print(f"{o:10.0f} {nw:10.0f} {nw / o:8.2f}  {k}")


if __name__ == "__main__":
    main()
