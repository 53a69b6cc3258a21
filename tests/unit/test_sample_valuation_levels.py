"""Sample generator 8: valuation levels per SW L1 industry near the real A-share market's
(issue valuecal).  Reads the default sample store (``JQLITE_DATA``); the bounds are the real
2021-01-04 levels (baostock peTTM / pbMRQ of the CSI 300 / 500 names, docs/data-coverage.md)
with room for the sample's 25-stock industries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest


@pytest.fixture(scope="module")
def day_frame():
    from jqlite.data import ensure_default_store
    from jqlite.data.sample_fundamentals import _sw_l1_names
    st = ensure_default_store(progress=False)
    v = pd.read_parquet(st.path / "fundamentals" / "valuation.parquet")
    v = v[pd.to_datetime(v["day"]) == pd.Timestamp("2021-01-04")]
    sw = dict(zip(st.codes, _sw_l1_names(st, st.codes)))
    m = pd.read_parquet(st.path / "index_members.parquet")
    m["start_date"], m["end_date"] = pd.to_datetime(m["start_date"]), pd.to_datetime(m["end_date"])
    d = pd.Timestamp("2021-01-04")
    c300 = set(m.loc[(m["index_code"] == "000300.XSHG") & (m["start_date"] <= d) & (m["end_date"] >= d), "code"])
    return v.assign(sw=v["code"].map(sw), csi300=v["code"].isin(c300)), st


def test_industry_levels_2021(day_frame):
    v, _ = day_frame
    med = v.groupby("sw")[["pe_ratio", "pb_ratio"]].median()
    # real on 2021-01-04: banks PE 6.1 / PB 0.70, food & beverage 62 / 10, property 7.0 / 1.1
    assert 4 < med.loc["银行", "pe_ratio"] < 8 and 0.5 < med.loc["银行", "pb_ratio"] < 1.0
    assert 30 < med.loc["食品饮料", "pe_ratio"] < 80 and med.loc["食品饮料", "pb_ratio"] > 4
    assert 5 < med.loc["房地产", "pe_ratio"] < 14
    banks = v[(v["sw"] == "银行")]
    assert (banks["pe_ratio"] > 0).all() and banks["pe_ratio"].max() < 20   # gen 6: 6 to 330 (real 招行 ~14)
    c = v[v["csi300"]]
    assert len(c) == 300
    assert 20 < c["pe_ratio"].median() < 40                 # real 28.6 (gen 6: 53)
    assert 0.10 < (c["pb_ratio"] < 1).mean() < 0.30          # real 15 % (gen 6: 0.3 %)
    assert ((c["pe_ratio"] > 0) & (c["pe_ratio"] < 20)).mean() > 0.2   # real 36 % (gen 6: 8 %)
    assert 0.03 < (v["pe_ratio"] < 0).mean() < 0.15          # loss-makers, real 11 % of the 669


def test_pe_pb_roe_identity(day_frame):
    """PE = cap / TTM parent net profit and PB = cap / parent equity, so the TTM ROE on
    average equity is close to PB / PE (the levels are set on profit and equity, not on the
    ratios)."""
    v, st = day_frame
    inc = pd.read_parquet(st.path / "fundamentals" / "income.parquet",
                          columns=["code", "statDate", "pubDate", "np_parent_company_owners"])
    # the 2020Q3 report (published by 2021-01-04); YTD Q3 x 4/3 ~ the year
    inc["statDate"] = pd.to_datetime(inc["statDate"])
    q3 = inc[(inc["statDate"] == pd.Timestamp("2020-09-30"))].set_index("code")["np_parent_company_owners"]
    x = v.set_index("code")[["market_cap", "pe_ratio", "pb_ratio"]].join(q3, how="inner")
    x = x[x["np_parent_company_owners"] > 0]
    ann = x["np_parent_company_owners"] * 4 / 3 / 1e8             # 亿元
    ratio = (x["market_cap"] / ann) / x["pe_ratio"]
    assert 0.7 < ratio.median() < 1.4                             # the TTM vs the annualised YTD
