"""bullet-trade: the JoinQuant strategy file ``strategies/jq_momentum.py``, unchanged.

Data: an in-memory ``DataProvider`` over the shared bars (one DataFrame per stock with the JQ
price fields, limits from pre_close ±10 %, factor 1, never paused) plus the synthetic
000300.XSHG; building it is the data-load time.
Fill: bullet-trade's own rules for the JQ file: market orders at the open under
``run_daily(..., time='open')``, 100-share lots, T+1, price limits, the file's OrderCost and
FixedSlippage(0).  Engine logs go to the scratch folder.
"""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import CASH, ROOT, Bench  # noqa: E402

STRATEGY = ROOT / "strategies" / "jq_momentum.py"
PRICE_FIELDS = ["open", "close", "high", "low", "volume", "money"]


def make_provider(b):
    import numpy as np
    import pandas as pd
    from bullet_trade.data.providers.base import DataProvider

    idx = pd.DatetimeIndex(b.dates.astype("datetime64[ns]"))

    def frame(cols: dict) -> pd.DataFrame:
        df = pd.DataFrame(cols, index=idx)
        df["avg"] = df["money"] / df["volume"].where(df["volume"] > 0)
        df["factor"] = 1.0
        df["paused"] = 0.0
        return df

    frames = {c: frame({k: b.f[k][:, j] for k in ("open", "close", "high", "low", "volume", "money", "pre_close",
                                                   "high_limit", "low_limit")})
              for j, c in enumerate(b.codes)}
    ic = b.index_close
    frames["000300.XSHG"] = frame({"open": ic, "close": ic, "high": ic, "low": ic, "volume": b.f["volume"].sum(1),
                                   "money": b.f["money"].sum(1), "pre_close": np.r_[ic[:1], ic[:-1]],
                                   "high_limit": ic * 1.1, "low_limit": ic * 0.9})
    secs = pd.DataFrame({"display_name": b.codes, "name": b.codes, "start_date": idx[0],
                         "end_date": pd.Timestamp("2200-01-01"), "type": "stock"}, index=b.codes)

    def cut(df, start_date, end_date, count):
        if end_date is not None:
            df = df.loc[: pd.Timestamp(end_date)]
        if count is not None:
            return df.iloc[-count:]
        if start_date is not None:
            df = df.loc[pd.Timestamp(start_date):]
        return df

    class SharedBars(DataProvider):
        name = "peers-synthetic"

        def get_price(self, security, start_date=None, end_date=None, frequency="daily", fields=None,
                      skip_paused=False, fq="pre", count=None, panel=True, fill_paused=True,
                      pre_factor_ref_date=None, prefer_engine=False, force_no_engine=False):
            fields = list(fields) if fields else PRICE_FIELDS
            if isinstance(security, str):
                return cut(frames[security], start_date, end_date, count)[fields].copy()
            if panel and len(fields) == 1:  # JQ: list + one field -> dates x codes
                return pd.DataFrame({s: cut(frames[s], start_date, end_date, count)[fields[0]] for s in security})
            parts = []
            for s in security:
                d = cut(frames[s], start_date, end_date, count)[fields]
                parts.append(d.assign(time=d.index, code=s)[["time", "code", *fields]])
            return pd.concat(parts, ignore_index=True)

        def get_trade_days(self, start_date=None, end_date=None, count=None):
            return [d.to_pydatetime() for d in cut(pd.Series(idx, index=idx), start_date, end_date, count)]

        def get_all_securities(self, types="stock", date=None):
            return secs.copy()

        def get_index_stocks(self, index_symbol, date=None):
            return list(b.codes)

        def get_split_dividend(self, security, start_date=None, end_date=None):
            return []

        def get_security_info(self, security, date=None):
            return {"type": "index" if security == "000300.XSHG" else "stock"}

    return SharedBars()


def main():
    bench = Bench("bullet-trade")
    t0 = time.perf_counter()
    import bullet_trade
    from bullet_trade.core.engine import BacktestEngine
    from bullet_trade.data.api import set_data_provider
    bench.r["import_s"] = time.perf_counter() - t0
    bench.r["version"] = getattr(bullet_trade, "__version__", "?")
    logging.basicConfig(filename=str(bench.work / "bullet.log"), level=logging.WARNING, force=True)

    t0 = time.perf_counter()
    b = bench.bars()
    provider = make_provider(b)
    set_data_provider(provider)
    bench.r["load_s"] = time.perf_counter() - t0
    start, end = str(b.dates[0])[:10], str(b.dates[-1])[:10]

    def run():
        eng = BacktestEngine(strategy_file=str(STRATEGY), start_date=start, end_date=end, initial_cash=CASH,
                             benchmark="000300.XSHG", log_file=str(bench.work / "bullet_run.log"))
        eng.run()
        return len(eng.trades), eng.context.portfolio.total_value

    bench.runs(run)
    bench.done()


if __name__ == "__main__":
    main()
