"""vectorbt: the momentum rotation as whole-matrix operations + ``Portfolio.from_orders``.

Same decisions as the JoinQuant file: on 1-based day i (i >= 21, i % 5 == 0) rank by
close[i-2] / close[i-22] - 1 (21 closes up to yesterday), target 9.8 % of group value for the
top 10 and 0 for everything else, filled at day i's open (``price=open``), sells first
(``call_seq='auto'``), shares in multiples of 100 (``size_granularity``).
Fees: 0.03 % everywhere plus 0.1 % on the columns being exited (vectorbt's fee is per element,
not per direction, so trims of kept holdings pay no stamp duty); no 5-yuan minimum (not
expressible).  No T+1 or price-limit checks (not expressible in from_orders).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CASH, COMMISSION, EVERY, INVEST, LOOKBACK, TAX, TOP, Bench, rebalance_day  # noqa: E402


def main():
    bench = Bench("vectorbt")
    import numpy as np
    t0 = time.perf_counter()
    import pandas as pd
    import vectorbt as vbt
    bench.r["import_s"] = time.perf_counter() - t0
    bench.r["version"] = vbt.__version__

    t0 = time.perf_counter()
    b = bench.bars()
    idx = pd.DatetimeIndex(b.dates.astype("datetime64[ns]"))
    close = pd.DataFrame(b.f["close"], index=idx, columns=b.codes)
    openp = pd.DataFrame(b.f["open"], index=idx, columns=b.codes)
    bench.r["load_s"] = time.perf_counter() - t0
    D = b.days

    def run():
        c = close.to_numpy()
        mom = np.full_like(c, np.nan)
        mom[LOOKBACK + 1:] = c[LOOKBACK:-1] / c[:-LOOKBACK - 1] - 1  # row r: close[r-1] / close[r-21] - 1
        reb = np.array([rebalance_day(r + 1) for r in range(D)])
        m = np.where(np.isfinite(mom), mom, -np.inf)
        order = np.argsort(-m, axis=1, kind="stable")[:, :TOP]
        top = np.zeros(c.shape, dtype=bool)
        np.put_along_axis(top, order, True, axis=1)
        top &= np.isfinite(mom)
        size = np.where(top, INVEST / TOP, 0.0)
        size[~reb] = np.nan
        # stamp duty on columns that leave the target set (held before, not a target now)
        was = np.zeros(c.shape[1], dtype=bool)
        fees = np.full(c.shape, COMMISSION)
        for r in np.flatnonzero(reb):
            fees[r, was & ~top[r]] += TAX
            was = top[r].copy()
        pf = vbt.Portfolio.from_orders(close, size=pd.DataFrame(size, index=idx, columns=b.codes),
                                       size_type="targetpercent", price=openp, fees=fees, size_granularity=100,
                                       init_cash=CASH, cash_sharing=True, group_by=True, call_seq="auto",
                                       freq="1D")
        return len(pf.order_records), float(pf.final_value())

    bench.runs(run)
    bench.note("numba engine; NUMBA_CACHE_DIR wiped before the run unless --keep-jit-cache, so first run = compile")
    bench.done()


if __name__ == "__main__":
    main()
