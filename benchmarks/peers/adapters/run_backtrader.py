"""backtrader: the momentum rotation as a ``bt.Strategy`` over one ``PandasData`` feed per stock.

Fill: backtrader's default market order fills at the next bar's open, so ``next()`` on day t
decides for day t+1 on closes up to t: the JoinQuant file's rule.  Sells are submitted first and
cash is only checked at execution (``checksubmit=False``).  Shares in 100-share lots (rounded
from the deciding close).  Commission 0.03 % + 0.1 % stamp duty on sells, min 5 yuan per order
(custom ``CommInfoBase``).  No T+1 or price-limit checks (backtrader has neither).
A new Cerebro (and feed objects over the same DataFrames) is built inside every timed run:
backtrader consumes its feeds.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CASH, COMMISSION, INVEST, LOOKBACK, MIN_COMMISSION, TAX, TOP, Bench, rebalance_day  # noqa: E402


def main():
    bench = Bench("backtrader")
    t0 = time.perf_counter()
    import backtrader as bt
    import pandas as pd
    bench.r["import_s"] = time.perf_counter() - t0
    bench.r["version"] = bt.__version__

    t0 = time.perf_counter()
    b = bench.bars()
    idx = pd.DatetimeIndex(b.dates.astype("datetime64[ns]"))
    frames = [pd.DataFrame({k: b.f[k][:, j] for k in ("open", "high", "low", "close", "volume")}, index=idx)
              for j in range(b.n)]
    bench.r["load_s"] = time.perf_counter() - t0

    class AShareCost(bt.CommInfoBase):
        params = (("stocklike", True), ("commtype", bt.CommInfoBase.COMM_PERC), ("percabs", True))

        def _getcommission(self, size, price, pseudoexec):
            value = abs(size) * price
            return max(value * (COMMISSION + (TAX if size < 0 else 0.0)), MIN_COMMISSION)

    class Momentum(bt.Strategy):
        def __init__(self):
            self.i = 0
            self.filled = 0

        def notify_order(self, order):
            if order.status == order.Completed:
                self.filled += 1

        def next(self):
            self.i += 1
            if not rebalance_day(self.i + 1):  # market orders fill at the next bar's open
                return
            mom = [(d.close[0] / d.close[-LOOKBACK] - 1, k) for k, d in enumerate(self.datas)]
            mom = [m for m in mom if m[0] == m[0]]
            mom.sort(key=lambda x: -x[0])
            target = {k for _, k in mom[:TOP]}
            for k, d in enumerate(self.datas):
                if k not in target and self.getposition(d).size:
                    self.order_target_size(d, 0)
            val = self.broker.getvalue() / TOP * INVEST
            for _, k in mom[:TOP]:
                d = self.datas[k]
                self.order_target_size(d, math.floor(val / d.close[0] / 100) * 100)

    def run():
        cer = bt.Cerebro(stdstats=False)
        for c, df in zip(b.codes, frames):
            cer.adddata(bt.feeds.PandasData(dataname=df), name=c)
        cer.broker.setcash(CASH)
        cer.broker.set_checksubmit(False)
        cer.broker.addcommissioninfo(AShareCost())
        cer.addstrategy(Momentum)
        strat = cer.run()[0]
        return strat.filled, cer.broker.getvalue()

    bench.runs(run)
    bench.done()


if __name__ == "__main__":
    main()
