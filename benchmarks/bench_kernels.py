"""A/B of the numba factor kernels: this tree's ``jqlite/factors/kernels.py`` against the one of
a git revision, in the same process, on the same data.

Usage::

    python benchmarks/bench_kernels.py [--rev HEAD~1] [--rows 782] [--cols 4800] [--repeat 3]

``rows x cols`` is one computation pass of the flagship on the real market (4 blocks of 64
days plus the 526-day lookback of ``momentum``, 4,800 securities), with 2 % NaN cells.  For each
kernel it checks that both versions return bit-identical arrays (NaN in the same cells) and
prints the median time of each and the ratio new / old (numba compilation excluded: a warm-up
call on a small array first).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def load_old(rev: str, folder: Path):
    """The kernels module of ``rev`` imported from a temporary file (own numba cache)."""
    src = subprocess.run(["git", "show", f"{rev}:jqlite/factors/kernels.py"], cwd=ROOT,
                         check=True, capture_output=True, text=True).stdout
    p = folder / "kernels_old.py"
    p.write_text(src)
    spec = importlib.util.spec_from_file_location("kernels_old", p)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


CASES = {
    "ew_beta": lambda k, r, rm: k.ew_beta(r, rm, 252, 63.0, 21),
    "ew_beta_sigma": lambda k, r, rm: k.ew_beta_sigma(r, rm, 252, 63.0, 21),
    "ew_std": lambda k, r, rm: k.ew_std(r, 252, 42.0, 21),
    "ew_sum_lagged": lambda k, r, rm: k.ew_sum_lagged(r, 504, 21, 126.0, 21),
    "rolling_std": lambda k, r, rm: k.rolling_std(r, 20, 1),
    "rolling_avedev": lambda k, r, rm: k.rolling_avedev(r, 20),
}


def _same(a, b) -> bool:
    if isinstance(a, tuple):
        return all(_same(x, y) for x, y in zip(a, b))
    return a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rev", default="HEAD~1")
    ap.add_argument("--rows", type=int, default=782)
    ap.add_argument("--cols", type=int, default=4800)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from jqlite.factors import kernels as new
    rng = np.random.default_rng(0)
    r = rng.normal(0.0, 0.02, (args.rows, args.cols))
    r[rng.random(r.shape) < 0.02] = np.nan
    rm = np.nanmean(r, axis=1)
    small_r, small_rm = r[:300, :8].copy(), rm[:300].copy()
    ok_all = True
    with tempfile.TemporaryDirectory() as tmp:
        old = load_old(args.rev, Path(tmp))
        print(f"{'kernel':<16} {'old ms':>9} {'new ms':>9} {'new/old':>8}  identical")
        for name, fn in CASES.items():
            for mod in (old, new):          # compile / load numba's cache outside the timing
                fn(mod, small_r, small_rm)
            times = {"old": [], "new": []}
            outs = {}
            for _ in range(args.repeat):
                for label, mod in (("old", old), ("new", new)):
                    t = time.perf_counter()
                    outs[label] = fn(mod, r, rm)
                    times[label].append(time.perf_counter() - t)
            same = _same(outs["old"], outs["new"])
            ok_all &= same
            to, tn = statistics.median(times["old"]) * 1e3, statistics.median(times["new"]) * 1e3
            print(f"{name:<16} {to:9.1f} {tn:9.1f} {tn / to:8.2f}  {same}")
    return 0 if ok_all else 1


if __name__ == "__main__":
    sys.exit(main())
