"""zipline-reloaded: the momentum rotation in zipline's API (``run_algorithm`` + ``handle_data``).

Data: the shared bars ingested as a custom bundle on exchange_calendars' XSHG calendar (its
sessions equal jqlite's for 2018-2025; checked at run time); ingest = data-load time.
Fill: zipline fills an order placed in ``handle_data`` on day t with day t+1's bar; a custom
slippage model takes that bar's *open*, so "decide on closes up to t, fill at open t+1" is the
JoinQuant file's rule.  No volume limit.  Shares in 100-share lots (rounded in the strategy from
the deciding close).  Commission 0.03 % + 0.1 % stamp duty on sells, min 5 yuan per order
(custom commission model).  No T+1 or price-limit checks (zipline has neither).
"""

from __future__ import annotations

import math
import os
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CASH, COMMISSION, INVEST, LOOKBACK, MIN_COMMISSION, TAX, TOP, Bench, rebalance_day  # noqa: E402


def main():
    bench = Bench("zipline-reloaded")
    root = bench.work / "zipline_root"
    shutil.rmtree(root, ignore_errors=True)
    os.environ["ZIPLINE_ROOT"] = str(root)
    t0 = time.perf_counter()
    import pandas as pd
    import zipline
    from zipline import run_algorithm
    from zipline.api import order_target, set_commission, set_slippage, symbol
    from zipline.data.bundles import ingest, register
    from zipline.finance.commission import CommissionModel
    from zipline.finance.slippage import SlippageModel
    from zipline.utils.calendar_utils import get_calendar
    bench.r["import_s"] = time.perf_counter() - t0
    bench.r["version"] = zipline.__version__

    t0 = time.perf_counter()
    b = bench.bars()
    cal = get_calendar("XSHG")
    sessions = pd.DatetimeIndex(b.dates.astype("datetime64[ns]"))
    if not cal.sessions_in_range(sessions[0], sessions[-1]).equals(sessions):
        bench.note("XSHG calendar differs from the bars' dates")
    syms = [c.split(".")[0] for c in b.codes]

    def ingest_fn(environ, asset_db_writer, minute_bar_writer, daily_bar_writer, adjustment_writer, calendar,
                  start_session, end_session, cache, show_progress, output_dir):
        eq = pd.DataFrame({"symbol": syms, "asset_name": syms, "start_date": sessions[0], "end_date": sessions[-1],
                           "first_traded": sessions[0], "auto_close_date": sessions[-1] + pd.Timedelta(1, unit="D"),
                           "exchange": "XSHG"})
        asset_db_writer.write(equities=eq, exchanges=pd.DataFrame(
            {"exchange": ["XSHG"], "canonical_name": ["XSHG"], "country_code": ["CN"]}))
        daily_bar_writer.write(((j, pd.DataFrame({k: b.f[k][:, j] for k in ("open", "high", "low", "close", "volume")},
                                                 index=sessions)) for j in range(b.n)), show_progress=False)
        adjustment_writer.write()

    register("peers", ingest_fn, calendar_name="XSHG", start_session=sessions[0], end_session=sessions[-1])
    ingest("peers", show_progress=False)
    bench.r["load_s"] = time.perf_counter() - t0

    class OpenFill(SlippageModel):
        """Fill the whole order at the open of the bar it is processed on."""

        def process_order(self, data, order):
            return data.current(order.asset, "open"), order.amount

    class AShareCost(CommissionModel):
        def calculate(self, order, transaction):
            value = abs(transaction.amount * transaction.price)
            cost = value * (COMMISSION + (TAX if transaction.amount < 0 else 0.0))
            return max(cost, MIN_COMMISSION) if order.commission == 0 else cost

    def initialize(context):
        context.assets = [symbol(s) for s in syms]
        context.i = 0
        set_slippage(OpenFill())
        set_commission(AShareCost())

    def handle_data(context, data):
        context.i += 1
        if not rebalance_day(context.i + 1):  # orders fill on the next bar: day i + 1
            return
        h = data.history(context.assets, "close", LOOKBACK + 1, "1d")
        mom = (h.iloc[-1] / h.iloc[0] - 1).dropna().sort_values(ascending=False)
        target = list(mom.index[:TOP])
        for a in list(context.portfolio.positions):
            if a not in target:
                order_target(a, 0)
        val = context.portfolio.portfolio_value / TOP * INVEST
        last = h.iloc[-1]
        for a in target:
            order_target(a, math.floor(val / last[a] / 100) * 100)

    bench_rets = pd.Series(0.0, index=sessions)

    def run():
        perf = run_algorithm(start=sessions[0], end=sessions[-1], initialize=initialize, handle_data=handle_data,
                             capital_base=CASH, bundle="peers", trading_calendar=cal,
                             benchmark_returns=bench_rets, data_frequency="daily")
        return sum(len(t) for t in perf.transactions), perf.portfolio_value.iloc[-1]

    bench.runs(run)
    bench.done()


if __name__ == "__main__":
    main()
