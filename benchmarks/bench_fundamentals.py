"""Time whole-market ``get_fundamentals`` on one date (goal: < 20 ms warm).

Usage::

    python benchmarks/bench_fundamentals.py [--stocks 5000] [--days 260] [--runs 15] [--store PATH]

Without ``--store`` a synthetic store of ``--stocks`` stocks x ``--days`` trading days is
built in a temporary folder (with :mod:`jqlite.data.sample_fundamentals`).  Prints the
median (and min) of ``--runs`` warm runs per query.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def build_store(path: Path, n_stocks: int, n_days: int, seed: int = 0) -> None:
    from jqlite.data.sample_fundamentals import write_sample_fundamentals
    from jqlite.data.writer import write_store

    rng = np.random.default_rng(seed)
    days = pd.bdate_range("2019-01-02", periods=n_days)
    codes = [f"{600000 + i:06d}.XSHG" for i in range(n_stocks)]
    sec = pd.DataFrame(dict(code=codes, display_name=codes, name=codes, type="stock",
                            start_date=pd.Timestamp("2010-01-01"), end_date=pd.Timestamp("2200-01-01"),
                            board="sh_main"))
    px = 10 * np.exp(np.cumsum(rng.normal(0, 0.02, (n_days, n_stocks)), axis=0)) * rng.uniform(0.5, 5, n_stocks)
    px = np.round(px, 2)
    vol = np.round(rng.lognormal(14, 1, (n_days, n_stocks)), -2)
    bars = pd.DataFrame({
        "date": np.repeat(days.values, n_stocks), "code": np.tile(codes, n_days),
        "open": px.ravel(), "close": px.ravel(), "high": px.ravel(), "low": px.ravel(),
        "volume": vol.ravel(), "money": (vol * px).ravel(), "pre_close": px.ravel(),
        "high_limit": np.round(px * 1.1, 2).ravel(), "low_limit": np.round(px * 0.9, 2).ravel(),
        "paused": 0, "factor": 1.0})
    write_store(path, {"calendar": pd.DataFrame({"date": days}), "securities": sec, "bars_daily": bars},
                name="bench", source="synthetic")
    write_sample_fundamentals(path, seed=seed)


def timeit(fn, runs: int) -> tuple[float, float]:
    fn()  # warm
    ts = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts), min(ts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stocks", type=int, default=5000)
    ap.add_argument("--days", type=int, default=260)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--store", type=str, default=None)
    a = ap.parse_args()
    import os

    tmp = None
    if a.store is None:
        tmp = tempfile.TemporaryDirectory()
        store_path = Path(tmp.name) / "store"
        t0 = time.perf_counter()
        build_store(store_path, a.stocks, a.days)
        print(f"built synthetic store {a.stocks} stocks x {a.days} days in {time.perf_counter() - t0:.1f}s")
    else:
        store_path = Path(a.store)
    os.environ["JQLITE_DATA"] = str(store_path)

    from jqlite.api.fundamentals import (balance, cash_flow, get_fundamentals, get_valuation, income,
                                         indicator, query, valuation)
    from jqlite.data.fundamentals import fundamentals_panel
    from jqlite.data.store import open_store

    st = open_store(store_path)
    date = st.dates[-5].date()
    t0 = time.perf_counter()
    get_fundamentals(query(valuation.code, valuation.market_cap, income.net_profit, balance.total_assets,
                           cash_flow.net_operate_cash_flow, indicator.roe), date=date)
    cold = (time.perf_counter() - t0) * 1e3
    cases = {
        "valuation: filter+order_by+limit(100)": query(valuation.code, valuation.market_cap, valuation.pe_ratio)
            .filter(valuation.pe_ratio > 0, valuation.pe_ratio < 50)
            .order_by(valuation.market_cap.desc()).limit(100),
        "valuation: 2 columns, whole market": query(valuation.code, valuation.market_cap),
        "valuation whole table, whole market": query(valuation),
        "valuation+income+balance join, filter": query(
            valuation.code, valuation.market_cap, income.net_profit, balance.total_assets,
            (balance.total_liability / balance.total_assets).label("lev"))
            .filter(valuation.market_cap > 20, income.net_profit > 0),
        "indicator whole table, whole market": query(indicator),
        "4 tables x 1 col + in_(500 codes)": query(
            valuation.code, valuation.pb_ratio, income.total_operating_revenue, cash_flow.net_operate_cash_flow,
            indicator.roe).filter(valuation.code.in_(list(st.codes[:500]))),
    }
    rows = []
    for name, q in cases.items():
        n = len(get_fundamentals(q, date=date))
        med, mn = timeit(lambda: get_fundamentals(q, date=date), a.runs)
        rows.append((name, n, med, mn))
    q = query(income.code, income.net_profit)
    med, mn = timeit(lambda: get_fundamentals(q, statDate=f"{date.year - 1}q4"), a.runs)
    rows.append(("income statDate='YYYYq4'", len(get_fundamentals(q, statDate=f"{date.year - 1}q4")), med, mn))
    codes = list(st.codes[:300])
    med, mn = timeit(lambda: get_valuation(codes, end_date=date, count=20, fields=["market_cap", "pe_ratio"]), a.runs)
    rows.append(("get_valuation 300 codes x 20 days", 6000, med, mn))
    p = fundamentals_panel(st)
    med, mn = timeit(lambda: p.latest("income", "net_profit", lag=4), max(3, a.runs // 5))
    rows.append(("panel.latest(income.net_profit, lag=4) full", p.latest("income", "net_profit").size, med, mn))

    print(f"\nstore: {st.n_securities} securities x {st.n_days} days; date {date}; "
          f"first query (cold, loads the panel): {cold:.0f} ms\n")
    print(f"{'query':48s} {'rows':>7s} {'median ms':>10s} {'min ms':>8s}")
    print("-" * 76)
    for name, n, med, mn in rows:
        print(f"{name:48s} {n:7d} {med:10.2f} {mn:8.2f}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
