"""Throughput of ``jqlite data pull`` / ``update`` with the network taken out.

A recorded-response tushare client (shapes as ``tests/unit/_pull_recorded.py``) serves N
synthetic stocks x D trading days from memory, so what is timed is the adapter's mapping, the
batch commits, the store derivations and the atomic write -- the part jqlite controls.

    python benchmarks/bench_pull.py [--stocks 1000] [--start 2023-01-03] [--end 2023-12-29]

Prints rows per second of the full pull and the seconds of ``update`` by one trading day.
"""

from __future__ import annotations

import argparse
import shutil
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
                s, e = kw["start_date"], min(kw["end_date"], outer.end.strftime("%Y%m%d"))
                lo, hi = np.searchsorted(outer.td, s), np.searchsorted(outer.td, e, side="right")
                return pd.concat([outer.frames[c].iloc[lo:hi] for c in kw["ts_code"].split(",")],
                                 ignore_index=True)
        return Api()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stocks", type=int, default=1000)
    ap.add_argument("--start", default="2023-01-03")
    ap.add_argument("--end", default="2023-12-29")
    a = ap.parse_args()
    days = xshg_trading_days(a.start, a.end)
    fake = SyntheticTushare(a.stocks, days)
    tmp = Path(tempfile.mkdtemp(prefix="bench-pull-"))
    env = {"TUSHARE_TOKEN": "x" * 32}
    try:
        fake.end = days[-2]
        t0, c0 = time.perf_counter(), time.process_time()
        r = run_pull("tushare", tmp / "s", start=a.start, end=str(days[-1].date()), adapter=TushareSource(fake),
                     env=env, batch_size=200, keyring_get=lambda s, k: None)
        t_pull, c_pull = time.perf_counter() - t0, time.process_time() - c0
        fake.end = days[-1]
        t0, c0 = time.perf_counter(), time.process_time()
        u = run_update(tmp / "s", end=str(days[-1].date()), adapter=TushareSource(fake), env=env,
                       batch_size=200, keyring_get=lambda s, k: None)
        t_upd, c_upd = time.perf_counter() - t0, time.process_time() - c0
        print(f"pull  {a.stocks} stocks x {len(days) - 1} days: {r['rows']:,} rows in {t_pull:.1f}s "
              f"= {r['rows'] / t_pull:,.0f} rows/s wall ({c_pull:.1f}s CPU = {r['rows'] / c_pull:,.0f} rows/CPU-s)")
        print(f"update by one day ({u['rows']:,} rows, store rebuilt from {u['bars']:,} bars): {t_upd:.1f}s wall, {c_upd:.1f}s CPU")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
