"""rqalpha: the momentum rotation in rqalpha's own API (``run_func`` with ``open_auction``).

Data: the shared bars written as an rqalpha bundle (HDF5 per-stock structured arrays,
instruments.pk, trading_dates.npy, ...) in the scratch folder; writing it is the data-load time.
Fill: orders sent in ``open_auction`` match at the day's open (the same as the JoinQuant file's
``run_daily(..., time='open')``); 100-share round lots, T+1, price limits (limit_up/limit_down
from the bars) on; volume limit off (jqlite has none by default).  Commission 0.03 %
(0.0008 x 0.375), min 5 yuan, stamp duty 0.1 % on sells, no slippage.
"""

from __future__ import annotations

import json
import pickle
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CASH, COMMISSION, INVEST, LOOKBACK, TOP, Bench, rebalance_day  # noqa: E402

INDEX = ("000300.XSHG", "000001.XSHG")  # rqalpha reads the bundle's date range from 000001.XSHG


def ymd(d) -> int:
    return int(str(d)[:10].replace("-", ""))


def write_bundle(b, out: Path):
    import h5py
    import numpy as np

    out.mkdir(parents=True, exist_ok=True)
    np.save(out / "trading_dates.npy", np.array([ymd(d) for d in b.calendar], dtype=np.int64), allow_pickle=False)
    dt = np.array([ymd(d) * 1_000_000 for d in b.dates], dtype=np.int64)
    fields = ["open", "close", "high", "low", "volume", "total_turnover", "limit_up", "limit_down"]
    dtype = np.dtype([("datetime", np.int64)] + [(k, np.float64) for k in fields])
    src = {"open": "open", "close": "close", "high": "high", "low": "low", "volume": "volume",
           "total_turnover": "money", "limit_up": "high_limit", "limit_down": "low_limit"}
    first = str(b.dates[0])[:10]
    ins = []
    with h5py.File(out / "stocks.h5", "w") as h5:
        for j, c in enumerate(b.codes):
            ok = np.isfinite(b.f["close"][:, j])
            a = np.empty(int(ok.sum()), dtype=dtype)
            a["datetime"] = dt[ok]
            for k in fields:
                a[k] = b.f[src[k]][ok, j]
            h5.create_dataset(c, data=a)
            ins.append(dict(order_book_id=c, symbol=c, abbrev_symbol=c, type="CS", exchange="XSHG", round_lot=100.0,
                            listed_date=first, de_listed_date="0000-00-00", board_type="MainBoard", status="Active",
                            special_type="Normal", market_tplus=1, sector_code="Financials", industry_code="J66",
                            industry_name="bank", concept_names="", trading_hours="09:31-11:30,13:01-15:00",
                            stock_connect=None))
    idt = np.dtype(dtype.descr[:7])
    with h5py.File(out / "indexes.h5", "w") as h5:
        a = np.empty(b.days, dtype=idt)
        a["datetime"] = dt
        for k in ("open", "close", "high", "low"):
            a[k] = b.index_close
        a["volume"] = a["total_turnover"] = 1.0
        for c in INDEX:
            h5.create_dataset(c, data=a)
            ins.append(dict(order_book_id=c, symbol=c, abbrev_symbol=c, type="INDX", exchange="XSHG", round_lot=1.0,
                            listed_date=first, de_listed_date="0000-00-00", status="Active", market_tplus=0,
                            trading_hours="09:31-11:30,13:01-15:00"))
    with open(out / "instruments.pk", "wb") as fh:
        pickle.dump(ins, fh, protocol=2)
    for name in ("funds.h5", "futures.h5", "dividends.h5", "split_factor.h5", "ex_cum_factor.h5",
                 "suspended_days.h5", "st_stock_days.h5"):
        h5py.File(out / name, "w").close()
    tenors = ["0S", "1M", "2M", "3M", "6M", "9M", "1Y", "2Y", "3Y", "4Y", "5Y", "6Y", "7Y", "8Y", "9Y", "10Y",
              "15Y", "20Y", "30Y", "40Y", "50Y"]
    yc = np.zeros(len(b.calendar), dtype=[("date", np.int64)] + [(t, np.float64) for t in tenors])
    yc["date"] = [ymd(d) for d in b.calendar]
    for t in tenors:
        yc[t] = 0.02
    with h5py.File(out / "yield_curve.h5", "w") as h5:
        h5.create_dataset("data", data=yc)
    (out / "future_info.json").write_text(json.dumps([{
        "underlying_symbol": "IF", "margin_rate": 0.12, "commission_type": "by_money",
        "open_commission_ratio": 2.3e-5, "close_commission_ratio": 2.3e-5,
        "close_commission_today_ratio": 3.45e-4, "tick_size": 0.2}]))
    (out / "share_transformation.json").write_text("[]")


def main():
    bench = Bench("rqalpha")
    import numpy as np
    t0 = time.perf_counter()
    import rqalpha
    from rqalpha import run_func
    from rqalpha.apis import all_instruments, history_bars, order_target_value
    bench.r["import_s"] = time.perf_counter() - t0
    bench.r["version"] = rqalpha.__version__

    t0 = time.perf_counter()
    b = bench.bars()
    bundle = bench.work / "bundle"
    write_bundle(b, bundle)
    bench.r["load_s"] = time.perf_counter() - t0

    def init(context):
        context.i = 0

    def open_auction(context, bar_dict):
        context.i += 1
        if not rebalance_day(context.i):
            return
        codes = list(all_instruments("CS").order_book_id)
        mom = {}
        for c in codes:
            h = history_bars(c, LOOKBACK + 1, "1d", "close")  # in open_auction: bars up to yesterday
            if h is not None and len(h) == LOOKBACK + 1:
                mom[c] = h[-1] / h[0] - 1
        target = sorted(mom, key=lambda c: -mom[c])[:TOP]
        for c in list(context.portfolio.positions.keys()):
            if c not in target:
                order_target_value(c, 0)
        val = context.portfolio.total_value / TOP * INVEST
        for c in target:
            order_target_value(c, val)

    cfg = {"base": {"start_date": str(b.dates[0])[:10], "end_date": str(b.dates[-1])[:10], "frequency": "1d",
                    "accounts": {"stock": CASH}, "data_bundle_path": str(bundle)},
           "extra": {"log_level": "error"},
           "mod": {"sys_analyser": {"enabled": True, "benchmark": None},
                   "sys_progress": {"enabled": False},
                   "sys_simulation": {"volume_limit": False, "slippage": 0},
                   "sys_transaction_cost": {"stock_commission_multiplier": COMMISSION / 0.0008,
                                            "stock_min_commission": 5, "tax_multiplier": 1}}}

    def run():
        r = run_func(init=init, open_auction=open_auction, config=cfg)
        trades = r["sys_analyser"]["trades"]
        return len(trades), r["sys_analyser"]["summary"]["total_value"]

    bench.runs(run)
    bench.done()


if __name__ == "__main__":
    main()
