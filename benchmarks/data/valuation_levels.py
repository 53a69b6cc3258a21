"""Measure PE / PB / ROE levels per Shenwan L1 industry: real A-share data vs the sample market.

Real side (internal fixtures, never copied into the repo): baostock daily peTTM / pbMRQ /
psTTM of the 669 stocks that were ever CSI 300 / CSI 500 members
(/work/shared/data/real/fundamentals/baostock_daily_valuation_byz670_2014_2022.parquet),
roeAvg of their annual reports (baostock_profit_data_byz670), the SW2021 L1 industry of each
code (sw_industry_history_swsindex, latest row), CSI 300 membership (qlib_csi300_2005_2025).
Sample side: a jqlite store (``--data``), valuation and indicator via the store.

Usage::

    PYTHONPATH=$PWD python benchmarks/data/valuation_levels.py --real ../shared/data/real \
        [--data /path/to/sample] [--day 2021-01-04] [--calib]

``--calib`` prints the per-industry numbers written into
``jqlite/data/sample_fundamentals.py`` (_SW_LEVELS): over the trading days of 2019-2021
(every 20th), median and the robust spread ((q75 - q25) / 1.35) of log PE over the
profitable stocks, the loss-making share, median / spread of log PB, median annual roeAvg.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd


def real_frames(real: Path):
    f = real / "fundamentals"
    v = pd.read_parquet(f / "baostock_daily_valuation_byz670_2014_2022.parquet",
                        columns=["date", "code", "tradestatus", "peTTM", "pbMRQ", "psTTM"])
    sw = pd.read_parquet(f / "sw_industry_history_swsindex.parquet")
    sw = sw.sort_values("计入日期").groupby("code").tail(1)
    ind = sw.set_index("code")["sw2021_l1_by_prefix"]
    v["sw"] = v["code"].map(ind)
    v["date"] = pd.to_datetime(v["date"])
    return v, ind


def csi300_on(real: Path, day):
    m = pd.read_parquet(real / "constituents" / "qlib_csi300_2005_2025.parquet")
    day = pd.Timestamp(day)
    ok = (pd.to_datetime(m["start_date"]) <= day) & (pd.to_datetime(m["end_date"]) >= day)
    return set(m.loc[ok, "code"])


def summary(df, pe="pe", pb="pb"):
    """Quantiles of PE (all, incl. negative: share < 0) and PB per group."""
    g = df.groupby("sw")
    out = pd.DataFrame({
        "n": g.size(),
        "pe_q25": g[pe].quantile(.25), "pe_med": g[pe].median(), "pe_q75": g[pe].quantile(.75),
        "neg_pe%": g[pe].apply(lambda s: 100 * (s < 0).mean()),
        "pb_q25": g[pb].quantile(.25), "pb_med": g[pb].median(), "pb_q75": g[pb].quantile(.75),
    })
    return out.round(2)


def overall(df, pe="pe", pb="pb"):
    s = df[pe]
    return {"n": len(df), "pe_q10": s.quantile(.1), "pe_q25": s.quantile(.25), "pe_med": s.median(),
            "pe_q75": s.quantile(.75), "neg_pe%": 100 * (s < 0).mean(),
            "pe<20%": 100 * ((s > 0) & (s < 20)).mean(),
            "pb_q10": df[pb].quantile(.1), "pb_med": df[pb].median(), "pb<1%": 100 * (df[pb] < 1).mean()}


def calib(real: Path):
    v, _ = real_frames(real)
    v = v[(v["date"] >= "2019-01-01") & (v["date"] <= "2021-12-31") & (v["tradestatus"] == 1)]
    days = np.sort(v["date"].unique())[::20]
    v = v[v["date"].isin(days) & v["sw"].notna()]
    prof = pd.read_parquet(real / "fundamentals" / "baostock_profit_data_byz670.parquet")
    prof = prof[pd.to_datetime(prof["statDate"]).dt.month.eq(12)
                & pd.to_datetime(prof["statDate"]).dt.year.between(2018, 2020)]
    _, ind = real_frames(real)
    prof["sw"] = prof["code"].map(ind)
    rows = {}
    for sw, g in v.groupby("sw"):
        pos = g.loc[g["peTTM"] > 0, "peTTM"]
        lpe, lpb = np.log(pos), np.log(g.loc[g["pbMRQ"] > 0, "pbMRQ"])
        roe = prof.loc[prof["sw"] == sw, "roeAvg"]
        rows[sw] = (len(g["code"].unique()), np.exp(lpe.median()), (lpe.quantile(.75) - lpe.quantile(.25)) / 1.35,
                    100 * (g["peTTM"] < 0).mean(), np.exp(lpb.median()),
                    (lpb.quantile(.75) - lpb.quantile(.25)) / 1.35, 100 * roe.median())
    t = pd.DataFrame(rows, index=["codes", "pe_med", "pe_sd", "neg%", "pb_med", "pb_sd", "roe_med%"]).T
    print(t.round(3).to_string())
    g = v.copy()
    pos = g["peTTM"] > 0
    print("overall: neg share %.1f%%, corr(log pe, log pb) within industry %.2f" % (
        100 * (~pos).mean(),
        g[pos & (g["pbMRQ"] > 0)].assign(lpe=lambda d: np.log(d["peTTM"]), lpb=lambda d: np.log(d["pbMRQ"]))
        .groupby("sw")[["lpe", "lpb"]].apply(lambda d: d["lpe"].corr(d["lpb"])).median()))


def sample_frame(data: Path, day):
    """Valuation of a sample store on ``day`` with each stock's latest SW2021 L1 name (as the
    real side: the generator's own :func:`jqlite.data.sample_fundamentals._sw_l1_names`)."""
    from jqlite.data.store import Store
    from jqlite.data.sample_fundamentals import _sw_l1_names
    st = Store(data)
    ind = dict(zip(st.codes, _sw_l1_names(st, st.codes)))
    val = pd.read_parquet(Path(data) / "fundamentals" / "valuation.parquet") \
        if (Path(data) / "fundamentals" / "valuation.parquet").exists() else None
    if val is None:
        raise SystemExit("no fundamentals/valuation.parquet in " + str(data))
    val = val[pd.to_datetime(val["day"]) == pd.Timestamp(day)]
    df = pd.DataFrame({"code": val["code"].to_numpy(), "pe": val["pe_ratio"].to_numpy(),
                       "pb": val["pb_ratio"].to_numpy()})
    df["sw"] = df["code"].map(ind).replace("", np.nan)
    return df, st


def sample_csi300(data: Path, day):
    m = pd.read_parquet(Path(data) / "index_members.parquet")
    day = pd.Timestamp(day)
    ok = (m["index_code"] == "000300.XSHG") & (pd.to_datetime(m["start_date"]) <= day) \
        & (pd.to_datetime(m["end_date"]) >= day)
    return set(m.loc[ok, "code"])


def markdown(real: Path, day, stores: dict):
    """Markdown table: CSI 300 / all quantiles, then per SW L1 medians (real vs each store)."""
    v, _ = real_frames(real)
    r = v[(v["date"] == pd.Timestamp(day)) & v["sw"].notna()].rename(columns={"peTTM": "pe", "pbMRQ": "pb"})
    c300 = csi300_on(real, day)
    sets = {"real": (r, c300)}
    for k, d in stores.items():
        s, _st = sample_frame(Path(d), day)
        sets[k] = (s, sample_csi300(Path(d), day))
    cols = ["n", "pe_q10", "pe_q25", "pe_med", "pe_q75", "neg_pe%", "pe<20%", "pb_q10", "pb_med", "pb<1%"]
    print("| set | " + " | ".join(cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for k, (df, c3) in sets.items():
        for lab, sub in (("CSI 300", df[df["code"].isin(c3)]), ("all", df)):
            o = overall(sub)
            print(f"| {k} {lab} | " + " | ".join(f"{o[c]:.0f}" if c == "n" else f"{o[c]:.2f}" for c in cols) + " |")
    print()
    names = list(sets)
    print("| SW L1 | " + " | ".join(f"n {k}" for k in names) + " | " + " | ".join(f"PE med {k}" for k in names)
          + " | " + " | ".join(f"PB med {k}" for k in names) + " | " + " | ".join(f"PE<0 % {k}" for k in names) + " |")
    print("|---" * (1 + 4 * len(names)) + "|")
    summ = {k: summary(df.dropna(subset=["sw"])) for k, (df, _c) in sets.items()}
    for sw in summ["real"].index:
        g = lambda k, c: summ[k][c].get(sw, np.nan)
        print(f"| {sw} | " + " | ".join(f"{g(k, 'n'):.0f}" for k in names) + " | "
              + " | ".join(f"{g(k, 'pe_med'):.1f}" for k in names) + " | "
              + " | ".join(f"{g(k, 'pb_med'):.2f}" for k in names) + " | "
              + " | ".join(f"{g(k, 'neg_pe%'):.0f}" for k in names) + " |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--real", default="../shared/data/real")
    ap.add_argument("--data")
    ap.add_argument("--day", default="2021-01-04")
    ap.add_argument("--calib", action="store_true")
    ap.add_argument("--markdown", nargs="*", metavar="NAME=STORE",
                    help="print the comparison tables for these sample stores")
    a = ap.parse_args()
    real = Path(a.real)
    if a.calib:
        calib(real)
        return
    if a.markdown is not None:
        markdown(real, a.day, dict(x.split("=", 1) for x in a.markdown))
        return
    v, _ = real_frames(real)
    r = v[(v["date"] == pd.Timestamp(a.day)) & v["sw"].notna()].rename(columns={"peTTM": "pe", "pbMRQ": "pb"})
    c300 = csi300_on(real, a.day)
    print("REAL CSI 300", {k: round(x, 2) for k, x in overall(r[r["code"].isin(c300)]).items()})
    print("REAL all 669", {k: round(x, 2) for k, x in overall(r).items()})
    print(summary(r).to_string())
    if a.data:
        s, st = sample_frame(Path(a.data), a.day)
        print("SAMPLE all", {k: round(x, 2) for k, x in overall(s).items()})
        print(summary(s.dropna(subset=["sw"])).to_string())


if __name__ == "__main__":
    main()
