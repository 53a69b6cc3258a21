"""Benchmark ``jqfactor.get_factor_values`` on a synthetic store (issue 4).

Cases (the flagship's 86 factors, spec ``jq_factors.md`` §2):

* A: 1,000 stocks x 1 date   (goal: < 100 ms warm, < 5 s cold)
* B:   300 stocks x 72 dates (goal: < 0.5 s warm, < 3 s cold)

Columns: ``cold`` = empty memory and disk factor caches (bars already loaded, numba already
compiled); ``disk`` = empty memory cache, parquet block cache present (a new process);
``warm`` = repeated call (memory cache).  Median of ``--repeat`` runs.  Fundamentals come
from a synthetic panel implementing the FundamentalsPanel contract (random
piecewise-constant quarterly values), unless ``--no-fundamentals``.

Usage::

    python benchmarks/bench_factors.py [--stocks 1000] [--days 800] [--repeat 5] [--no-fundamentals]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd


def build_store(path: Path, n_stocks: int, n_days: int, seed: int = 0):
    from jqlite.data.writer import write_store
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2019-01-02", periods=n_days)
    codes = [f"{600000 + i:06d}.XSHG" if i % 2 else f"{i:06d}.XSHE" for i in range(n_stocks)]
    ret = rng.normal(0.0003, 0.02, size=(n_days, n_stocks))
    close = np.round(rng.uniform(5, 50, n_stocks) * np.cumprod(1 + ret, axis=0), 2)
    close = np.maximum(close, 0.5)
    pre = np.vstack([close[:1], close[:-1]])
    opn = np.round(pre * (1 + rng.normal(0, 0.01, close.shape)), 2)
    high = np.round(np.maximum(opn, close) * (1 + np.abs(rng.normal(0, 0.01, close.shape))), 2)
    low = np.round(np.minimum(opn, close) * (1 - np.abs(rng.normal(0, 0.01, close.shape))), 2)
    vol = rng.integers(1, 1000, close.shape).astype(float) * 1000
    factor = np.ones_like(close)
    start = rng.integers(0, n_days // 2, n_stocks) * (rng.random(n_stocks) < 0.1)   # 10 % listed later
    di, ci = np.meshgrid(np.arange(n_days), np.arange(n_stocks), indexing="ij")
    keep = (di >= start[None, :]).ravel()
    bars = pd.DataFrame({
        "date": np.repeat(dates.values, n_stocks)[keep], "code": np.tile(codes, n_days)[keep],
        "open": opn.ravel()[keep], "close": close.ravel()[keep], "high": high.ravel()[keep],
        "low": low.ravel()[keep], "volume": vol.ravel()[keep], "money": (vol * close).ravel()[keep],
        "pre_close": pre.ravel()[keep], "high_limit": np.round(pre * 1.1, 2).ravel()[keep],
        "low_limit": np.round(pre * 0.9, 2).ravel()[keep], "paused": np.zeros(keep.sum(), dtype=int),
        "factor": factor.ravel()[keep]})
    sec = pd.DataFrame({"code": codes, "display_name": codes, "name": codes, "type": "stock",
                        "start_date": dates[start], "end_date": pd.Timestamp("2200-01-01"),
                        "board": ["sh_main" if c.endswith("XSHG") else "sz_main" for c in codes]})
    return write_store(path, {"calendar": pd.DataFrame({"date": dates}), "securities": sec, "bars_daily": bars},
                       name="bench", source="synthetic")


class SyntheticPanel:
    """FundamentalsPanel contract on random piecewise-constant (quarterly) data."""

    def __init__(self, store, seed=1):
        self.n, self.m = store.n_days, store.n_securities
        self.seed = seed
        self._d = {}

    def has(self, table, column):
        return True

    def _arr(self, key, lo, hi):
        a = self._d.get(key)
        if a is None:
            rng = np.random.default_rng(abs(hash(key)) % 2**32)
            steps = rng.uniform(lo, hi, size=(self.n // 61 + 1, self.m))
            a = np.repeat(steps, 61, axis=0)[:self.n]
            self._d[key] = a
        return a

    def latest(self, table, column, lag=0):
        return self._arr((table, column, lag), -1e8 if "profit" in column else 1e6, 1e9)

    def ttm(self, table, column):
        return sum(self.latest(table, column, k) for k in range(4))

    def valuation(self, column):
        lo, hi = {"market_cap": (10, 1000), "circulating_market_cap": (5, 800), "capitalization": (1e4, 1e6),
                  "turnover_ratio": (0.1, 5)}.get(column, (0.5, 50))
        return self._arr(("valuation", column), lo, hi)


def timeit(fn, repeat, before=None):
    ts = []
    for _ in range(repeat):
        if before:
            before()
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stocks", type=int, default=1000)
    ap.add_argument("--days", type=int, default=800)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-fundamentals", action="store_true")
    args = ap.parse_args(argv)

    import jqlite.factors.api as fapi
    from jqlite.data.store import open_store
    from jqlite.factors import FLAGSHIP_FACTORS, engine_for, get_factor_values

    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        p = build_store(Path(tmp) / "store", args.stocks, args.days)
        t_build = time.perf_counter() - t
        store = open_store(p)
        t = time.perf_counter()
        store.field("close")
        t_load = time.perf_counter() - t
        panel = None if args.no_fundamentals else SyntheticPanel(store)
        fapi.active_store = lambda: store
        fapi.current_date_or_none = lambda: None
        fapi.load_panel = lambda st: panel
        warnings.simplefilter("ignore")
        eng = engine_for(store)
        names = list(FLAGSHIP_FACTORS)
        avail = [n for n in names if not eng.missing_inputs(n, panel)]
        codes = list(store.codes)

        t = time.perf_counter()
        get_factor_values(codes[:10], avail, end_date=store.dates[-1], count=1)   # numba JIT / cache load
        t_jit = time.perf_counter() - t

        def clear_all():
            eng.clear(disk=True)

        def clear_mem():
            eng.clear(disk=False)

        cases = [("A: %d stocks x 1 date" % min(1000, len(codes)), codes[:1000], 1, 0.1, 5.0),
                 ("B: %d stocks x 72 dates" % min(300, len(codes)), codes[:300], 72, 0.5, 3.0)]
        rows = []
        for label, cs, cnt, goal_warm, goal_cold in cases:
            def call():
                get_factor_values(cs, avail, end_date=store.dates[-1], count=cnt)
            cold = timeit(call, args.repeat, clear_all)
            call()
            disk = timeit(call, args.repeat, clear_mem)
            call()
            warm = timeit(call, args.repeat)
            rows.append((label, cold, disk, warm, goal_cold, goal_warm))

        print(f"synthetic store: {args.stocks} stocks x {args.days} days (build {t_build:.1f} s, "
              f"bar load {t_load * 1e3:.0f} ms, first call incl. numba cache load {t_jit:.2f} s)")
        print(f"factors: {len(avail)} of {len(names)} flagship factors available"
              f"{' (synthetic fundamentals)' if panel is not None else ' (bars only)'}; median of {args.repeat}")
        print(f"{'case':<28}{'cold':>10}{'disk':>10}{'warm':>10}   goals (cold / warm)")
        for label, cold, disk, warm, gc, gw in rows:
            ok = "ok" if cold < gc and warm < gw else "MISSED"
            print(f"{label:<28}{cold * 1e3:>8.0f}ms{disk * 1e3:>8.0f}ms{warm * 1e3:>8.1f}ms   "
                  f"< {gc:.0f} s / < {gw * 1e3:.0f} ms  {ok}")


if __name__ == "__main__":
    main()
