"""jqlite: the JoinQuant strategy file ``strategies/jq_momentum.py``, unchanged.

Data: the shared bars written as a jqlite store (same tables as ``benchmarks/synthetic.py``),
or with ``--store`` an existing store (the real full market from ``jqlite data import``).
Fill: market orders at the day's open (``run_daily(..., time='open')``), 100-share lots,
price limits, T+1, commission 0.03 % min 5 yuan, stamp duty 0.1 % on sells.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CASH, ROOT, Bench  # noqa: E402

STRATEGY = ROOT / "strategies" / "jq_momentum.py"


def write_synthetic_store(b, path: Path):
    import numpy as np
    import pandas as pd
    from jqlite.data.writer import write_store

    n, days = b.n, b.days
    dates = pd.DatetimeIndex(b.dates.astype("datetime64[ns]"))
    f = b.f
    D = np.repeat(dates.values, n)
    bars = pd.DataFrame({"date": D, "code": np.tile(np.array(b.codes, dtype=object), days),
                         **{k: f[k].ravel() for k in ("open", "close", "high", "low", "volume", "money",
                                                      "pre_close", "high_limit", "low_limit")},
                         "paused": 0, "factor": 1.0})
    ic = b.index_close
    idx = pd.DataFrame({"date": dates.values, "code": "000300.XSHG", "open": ic, "close": ic, "high": ic, "low": ic,
                        "volume": f["volume"].sum(1), "money": f["money"].sum(1),
                        "pre_close": np.r_[ic[:1], ic[:-1]], "high_limit": np.nan, "low_limit": np.nan,
                        "paused": 0, "factor": 1.0})
    secs = pd.DataFrame({"code": b.codes + ["000300.XSHG"], "display_name": b.codes + ["沪深300"],
                         "name": b.codes + ["HS300"], "type": ["stock"] * n + ["index"],
                         "start_date": dates[0], "end_date": pd.Timestamp("2200-01-01"),
                         "board": ["sh_main"] * n + ["index"]})
    members = pd.DataFrame({"index_code": "000300.XSHG", "code": b.codes, "start_date": dates[0],
                            "end_date": pd.Timestamp("2200-01-01")})
    return write_store(path, {"calendar": pd.DataFrame({"date": dates}), "securities": secs,
                              "bars_daily": pd.concat([bars, idx], ignore_index=True), "index_members": members},
                       name=f"peers-{n}x{days}", source="benchmarks/peers/bars.py")


def main():
    bench = Bench("jqlite")
    store_arg = bench.a.store  # real market: a store made by `jqlite data import`
    t0 = time.perf_counter()
    import jqlite
    from jqlite.data.store import Store
    bench.r["import_s"] = time.perf_counter() - t0
    bench.r["version"] = jqlite.__version__

    t0 = time.perf_counter()
    if store_arg:
        store = Store(store_arg)
        bench.r.update(n=int((store.securities["type"] == "stock").sum()), days=len(store.dates), data="real")
        start, end = store.dates[0], store.dates[-1]
    else:
        b = bench.bars()
        path = bench.work / "store"
        write_synthetic_store(b, path)
        store = Store(path)
        start, end = str(b.dates[0]), str(b.dates[-1])
    bench.r["load_s"] = time.perf_counter() - t0
    out = {}

    def run():
        res = jqlite.run_backtest(STRATEGY, start, end, CASH, store=store, storage=bench.work / "storage")
        out["res"] = res
        return len(res.trades), res.daily.total_value.iloc[-1]

    bench.runs(run)
    if store_arg:  # bars = stock-days with a bar in the span
        import numpy as np
        stock = (store.securities.reindex(store.codes)["type"] == "stock").to_numpy()
        bench.r["bars"] = int(np.isfinite(store.field("close")[:, stock]).sum())
    bench.r["profile"] = json.loads(json.dumps(out["res"].profile, default=str))
    bench.done()


if __name__ == "__main__":
    main()
