"""Finite share of every registered factor on a store, as a Markdown table.

Usage::

    python scripts/factor_real_coverage.py STORE [DATE ...] > table.md

Defaults: dates 2019-06-28 and 2021-06-30.  Eligible stocks on a date D: type ``stock``,
listed at least 365 days before D, not paused and with a close on D.  For each factor the
table gives the finite share over the eligible stocks on each date, whether
:func:`jqlite.factors.factor_availability` finds every required input, the missing inputs,
and a note on the inputs that limit coverage (``NOTES``, written for the real data set of
``docs/data-import.md`` §4 + ``jqlite.data.ingest_fundamentals``).  Used to write
``docs/factors-real-data.md``.
"""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd

#: Why an input that exists only partly limits a factor on the real data.
NOTES = {
    "valuation.pcf_ratio": "pcf_ratio: baostock valuation, 669 CSI 300/500 stocks only",
    "valuation.ps_ratio": "ps_ratio: baostock valuation, 669 CSI 300/500 stocks only",
    "valuation.pb_ratio": "pb_ratio: baostock valuation, 669 CSI 300/500 stocks only",
    "income.net_profit": "net_profit: baostock profit data, 670 CSI 300/500 stocks only",
    "income.operating_revenue": "operating_revenue: derived from baostock (netProfit / npMargin), 670 stocks only",
    "income.total_operating_revenue": "total_operating_revenue: derived from baostock (netProfit / npMargin), "
                                      "670 stocks only",
    "income.np_parent_company_owners": "np_parent_company_owners: only old tushare reports (2014Q1-2016Q2, stocks "
                                       "outside baostock's 670): **stale**, the values come from 2015-2016 reports",
    "income.basic_eps": "basic_eps: only old tushare reports (2014Q1-2016Q2): stale",
    "valuation.turnover_ratio": "turnover_ratio: no valuation row on suspended days, so a window with a "
                                "suspension is NaN",
}
BAR_NOTES = {
    "WVAD": "NaN when a day of the 6-day window has H == L (suspension, one-price limit day)",
    "MAWVAD": "NaN when a day of the 11-day window has H == L",
    "EBITDA": "computed, but every optional input except total_operating_revenue is absent and counts as 0, "
              "so the value is close to revenue: **not meaningful**",
}


def coverage(store, dates) -> pd.DataFrame:
    """Finite shares (rows: factors; columns: dates) plus availability columns."""
    from jqlite.factors import FLAGSHIP_FACTORS, REGISTRY, engine_for, factor_availability
    from jqlite.factors.base import load_panel

    panel = load_panel(store)
    av = factor_availability(store)
    eng = engine_for(store)
    secs = store.securities
    typ = secs["type"].reindex(store.codes).astype(str).to_numpy()
    start = pd.to_datetime(secs["start_date"]).reindex(store.codes).to_numpy()
    shares, n_elig = {}, {}
    for d in dates:
        r = store.day_index(d, "right")
        day = store.dates[r]
        elig = ((typ == "stock") & (start <= np.datetime64(day - pd.Timedelta(days=365)))
                & (store.field("paused")[r] == 0) & np.isfinite(store.field("close")[r]))
        n_elig[d] = int(elig.sum())
        arrs = eng.compute(list(REGISTRY), r, r, panel)
        for f in REGISTRY:
            shares.setdefault(f, {})[d] = float(np.isfinite(arrs[f][0][elig]).mean())
    df = pd.DataFrame(shares).T
    df["category"] = av["category"]
    df["available"] = av["available"]
    df["missing"] = av["missing"]
    df["flagship"] = df.index.isin(FLAGSHIP_FACTORS)
    notes = []
    for f in df.index:
        n = [NOTES[i] for i in REGISTRY[f].inputs if i in NOTES] if df.loc[f, "available"] else []
        if f in BAR_NOTES:
            n.append(BAR_NOTES[f])
        notes.append("; ".join(n))
    df["note"] = notes
    df.attrs["eligible"] = n_elig
    return df


def markdown(df: pd.DataFrame, dates) -> str:
    head = "| factor | category | " + " | ".join(dates) + " | missing input / note |"
    lines = [head, "|" + "---|" * (3 + len(dates))]
    for f, r in df.iterrows():
        cells = " | ".join(f"{100 * r[d]:.1f} %" for d in dates)
        miss = f"**missing:** {r['missing']}" if r["missing"] else ""
        text = "; ".join(x for x in (miss, r["note"]) if x)
        lines.append(f"| `{f}` | {r['category']} | {cells} | {text} |")
    return "\n".join(lines)


def main(argv):
    from jqlite.data.store import Store
    warnings.simplefilter("ignore", RuntimeWarning)
    store = Store(argv[0])
    dates = argv[1:] or ["2019-06-28", "2021-06-30"]
    df = coverage(store, dates)
    order = ["basics", "emotion", "momentum", "pershare", "quality", "risk", "style", "technical", "growth"]
    df["_c"] = df["category"].map(order.index)
    print(f"eligible stocks: {df.attrs['eligible']}\n")
    print("## Flagship factors (86)\n")
    print(markdown(df[df["flagship"]].sort_values("_c", kind="stable"), dates))
    print("\n## Other factors of the library\n")
    print(markdown(df[~df["flagship"]].sort_values("_c", kind="stable"), dates))


if __name__ == "__main__":
    main(sys.argv[1:])
