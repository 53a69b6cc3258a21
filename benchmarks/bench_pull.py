"""Throughput of ``jqlite data pull`` / ``update`` with the network taken out.

A recorded-response tushare client (shapes as ``tests/unit/_pull_recorded.py``) serves N
synthetic stocks x D trading days from memory, so what is timed is the adapter's mapping, the
batch commits, the store derivations and the atomic write -- the part jqlite controls.

    python benchmarks/bench_pull.py [--stocks 1000] [--start 2023-01-03] [--end 2023-12-29]

Prints rows per second of the full pull, then the seconds of ``update`` by one trading day
(tushare's per-day endpoints: ``daily`` / ``stk_limit`` / ``suspend_d`` by ``trade_date``),
appended (:mod:`jqlite.data.append`) and rebuilt (``--rebuild``) from copies of the same store,
medians of ``--repeat`` runs, with the machine and its load average.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jqlite.data.calendar import xshg_trading_days  # noqa: E402
from jqlite.data.pull import run_pull, run_update  # noqa: E402
from jqlite.data.sources.tushare import TushareSource  # noqa: E402


class SyntheticTushare:
    """``tushare`` double serving a random-walk market (no suspensions, no corporate actions)."""

    def __init__(self, n: int, days: pd.DatetimeIndex, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.codes = [f"{600000 + i:06d}.SH" if i % 2 == 0 else f"{i:06d}.SZ" for i in range(n)]
        r = rng.normal(0, 0.015, (len(days), n)).clip(-0.09, 0.09)
        close = np.round(10 * np.exp(np.cumsum(r, axis=0)), 2)
        pre = np.vstack([np.full(n, 10.0), close[:-1]])
        self.frames = {}
        td = days.strftime("%Y%m%d").to_numpy()
        self.td = td.astype(str)
        for j, c in enumerate(self.codes):
            cl, pc = close[:, j], pre[:, j]
            self.frames[c] = pd.DataFrame({
                "ts_code": c, "trade_date": td, "open": pc, "high": np.maximum(pc, cl), "low": np.minimum(pc, cl),
                "close": cl, "pre_close": pc, "change": cl - pc, "pct_chg": (cl / pc - 1) * 100,
                "vol": 12345.0, "amount": 12345.0 * cl / 10})
        self.end = days[-1]
        self.close, self.pre = close, pre

    def day_frame(self, i: int) -> pd.DataFrame:
        """``daily(trade_date=...)``: one row per stock of day ``i`` (what the per-day endpoint returns)."""
        cl, pc = self.close[i], self.pre[i]
        return pd.DataFrame({"ts_code": self.codes, "trade_date": str(self.td[i]), "open": pc, "high": np.maximum(pc, cl),
                             "low": np.minimum(pc, cl), "close": cl, "pre_close": pc, "change": cl - pc,
                             "pct_chg": (cl / pc - 1) * 100, "vol": 12345.0, "amount": 12345.0 * cl / 10})

    def pro_api(self, token="", timeout=30):
        outer = self

        class Api:
            def query(self, api_name, fields="", **kw):
                if api_name == "trade_cal":
                    return pd.DataFrame({"exchange": ["SSE"], "cal_date": [kw["start_date"]], "is_open": [1]})
                if api_name == "stock_basic":
                    if kw["list_status"] != "L":
                        return pd.DataFrame(columns=["ts_code", "name", "list_date", "delist_date"])
                    return pd.DataFrame({"ts_code": outer.codes, "name": "X", "list_date": "20000101",
                                         "delist_date": None})
                if api_name == "stk_limit":
                    raise Exception("抱歉，您没有访问该接口的权限")
                if api_name == "suspend_d":
                    return pd.DataFrame(columns=["ts_code", "trade_date", "suspend_timing", "suspend_type"])
                if "trade_date" in kw:         # per-day form: every stock of the day (doc_id=27)
                    if kw.get("offset") or kw["trade_date"] > outer.end.strftime("%Y%m%d"):
                        return outer.frames[outer.codes[0]].iloc[0:0]
                    i = int(np.searchsorted(outer.td, kw["trade_date"]))
                    return outer.day_frame(i)
                s, e = kw["start_date"], min(kw["end_date"], outer.end.strftime("%Y%m%d"))
                lo, hi = np.searchsorted(outer.td, s), np.searchsorted(outer.td, e, side="right")
                return pd.concat([outer.frames[c].iloc[lo:hi] for c in kw["ts_code"].split(",")],
                                 ignore_index=True)
        return Api()


def _load() -> str:
    try:
        return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "load average n/a"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stocks", type=int, default=1000)
    ap.add_argument("--start", default="2023-01-03")
    ap.add_argument("--end", default="2023-12-29")
    ap.add_argument("--repeat", type=int, default=3, help="updates timed per mode (medians reported)")
    a = ap.parse_args()
    days = xshg_trading_days(a.start, a.end)
    fake = SyntheticTushare(a.stocks, days)
    tmp = Path(tempfile.mkdtemp(prefix="bench-pull-"))
    env = {"TUSHARE_TOKEN": "x" * 32}
    kw = dict(env=env, batch_size=20, keyring_get=lambda s, k: None, sleep=lambda s: None)
    try:
        fake.end = days[-2]
        print(f"{platform.node()} {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {_load()}")
        t0, c0 = time.perf_counter(), time.process_time()
        r = run_pull("tushare", tmp / "s", start=a.start, end=str(days[-2].date()), adapter=TushareSource(fake),
                     **dict(kw, batch_size=200))
        t_pull, c_pull = time.perf_counter() - t0, time.process_time() - c0
        print(f"pull  {a.stocks} stocks x {len(days) - 1} days: {r['rows']:,} rows in {t_pull:.1f}s "
              f"= {r['rows'] / t_pull:,.0f} rows/s wall ({c_pull:.1f}s CPU = {r['rows'] / c_pull:,.0f} rows/CPU-s)")
        fake.end = days[-1]
        res = {"append": [], "rebuild": []}
        for k in range(a.repeat):
            for mode in ("append", "rebuild"):
                dst = tmp / f"{mode}{k}"
                shutil.copytree(tmp / "s", dst)
                t0, c0 = time.perf_counter(), time.process_time()
                u = run_update(dst, end=str(days[-1].date()), adapter=TushareSource(fake), rebuild=mode == "rebuild",
                               **kw)
                res[mode].append((time.perf_counter() - t0, time.process_time() - c0))
                assert u["mode"] == mode, u
                shutil.rmtree(dst)
        med = {m: (statistics.median(w for w, _c in v), statistics.median(c for _w, c in v)) for m, v in res.items()}
        print(f"update by one day, {a.stocks} stocks ({u['rows']:,} rows, store of {len(days)} days), "
              f"median of {a.repeat}: append {med['append'][0]:.2f}s wall / {med['append'][1]:.2f}s CPU, "
              f"rebuild {med['rebuild'][0]:.2f}s wall / {med['rebuild'][1]:.2f}s CPU, "
              f"ratio rebuild/append {med['rebuild'][0] / med['append'][0]:.1f}x; {_load()}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
