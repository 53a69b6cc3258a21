"""jqfactor.neutralize with industry dummies (issue 4): the industry assignment comes from
``jqlite.api.reference.get_industry`` when that module answers, else from the store's sector
table (``sample_sectors.parquet``).

Hand-computed case (6 stocks, two industries, log market cap)::

    industry   A: s1 s2 s3        B: s4 s5 s6
    ln(mc)     k + (0, 1, 2)      k + (0, 2, 4)      (mc = e^x 亿元, k = ln 1e8)
    y          1, 5, 3            0, 0, 6

With one dummy per industry the OLS slope is the within-industry one.  Demeaned inside each
industry: x~ = (-1, 0, 1 | -2, 0, 2), y~ = (-2, 2, 0 | -2, -2, 4), so
b = sum(x~ y~) / sum(x~^2) = (2 + 4 + 8) / (1 + 1 + 4 + 4) = 1.4 and the residuals are
y~ - 1.4 x~ = (-0.6, 2, -1.4 | 0.8, -2, 1.2).
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pandas as pd
import pytest

import jqfactor
import jqlite.factors.api as fapi
import jqlite.factors.preprocess as pre
from jqlite.data.fundamentals import write_fundamentals
from jqlite.testing.builders import tiny_store

CODES = ["000001.XSHE", "000002.XSHE", "000004.XSHE", "600000.XSHG", "600004.XSHG", "600006.XSHG"]
SECTOR = dict(zip(CODES, ["banks", "banks", "banks", "steel", "steel", "steel"]))
LOG_MC = [0.0, 1.0, 2.0, 0.0, 2.0, 4.0]
Y = [1.0, 5.0, 3.0, 0.0, 0.0, 6.0]
EXPECTED = [-0.6, 2.0, -1.4, 0.8, -2.0, 1.2]


@pytest.fixture
def store(tmp_path, monkeypatch):
    st = tiny_store(tmp_path / "s", {c: [10.0, 10.1, 10.2, 10.3, 10.4] for c in CODES})
    pd.DataFrame({"code": CODES, "sector": [SECTOR[c] for c in CODES],
                  "sector_name": [SECTOR[c] for c in CODES]}).to_parquet(st.path / pre.STORE_SECTOR_FILE)
    val = pd.DataFrame([{"day": d, "code": c, "market_cap": float(np.exp(x)), "capitalization": 1e4}
                        for d in st.dates for c, x in zip(CODES, LOG_MC)])
    write_fundamentals(st.path, {"valuation": val})
    monkeypatch.setattr(fapi, "active_store", lambda: st)
    monkeypatch.setattr(fapi, "current_date_or_none", lambda: None)
    monkeypatch.setenv("JQLITE_FACTOR_DISK_CACHE", "0")
    jqfactor.set_industry_source(None)
    return st


def test_neutralize_sector_table_and_log_market_cap(store, monkeypatch):
    monkeypatch.setattr(pre, "reference_industry_map", lambda kind, codes, date=None: None)
    y = pd.Series(Y, index=CODES)
    res = jqfactor.neutralize(y, how=["sw_l1", "market_cap"], date=store.dates[-1])
    np.testing.assert_allclose(res.to_numpy(), EXPECTED, atol=1e-9)
    # DataFrame, axis=0: each column is one cross-section (index = codes)
    df = pd.DataFrame({"f1": Y, "f2": [2 * v for v in Y]}, index=CODES)
    out = jqfactor.neutralize(df, how=["jq_l1", "market_cap"], date=store.dates[-1], axis=0)
    np.testing.assert_allclose(out["f1"].to_numpy(), EXPECTED, atol=1e-9)
    np.testing.assert_allclose(out["f2"].to_numpy(), [2 * v for v in EXPECTED], atol=1e-9)
    # industry only: residual = y minus its industry mean (A mean 3, B mean 2)
    only = jqfactor.neutralize(y, how=["sw_l1"], date=store.dates[-1])
    np.testing.assert_allclose(only.to_numpy(), [-2, 2, 0, -2, -2, 4], atol=1e-12)
    # codes outside the sector table get no industry (NaN exposure -> NaN residual)
    m = pre.store_sector_map("sw_l1", CODES + ["000005.XSHE"], store=store)
    assert m["600006.XSHG"] == "steel" and "000005.XSHE" not in m


def test_reference_get_industry_is_preferred(store, monkeypatch):
    """JoinQuant's get_industry shape; here it swaps s3 and s4 between the industries."""
    ref = {c: {"sw_l1": {"industry_code": "801780" if c in CODES[:2] + CODES[3:4] else "801040",
                         "industry_name": "x"}} for c in CODES}
    calls = []

    def get_industry(security, date=None):
        calls.append((tuple(security), date))
        return {c: ref[c] for c in security}
    fake = types.ModuleType("jqlite.api.reference")
    fake.get_industry = get_industry
    monkeypatch.setitem(sys.modules, "jqlite.api.reference", fake)
    y = pd.Series(Y, index=CODES)
    res = jqfactor.neutralize(y, how=["sw_l1"], date=store.dates[-1])
    # groups {s1, s2, s4} (mean 2) and {s3, s5, s6} (mean 3)
    np.testing.assert_allclose(res.to_numpy(), [-1, 3, 0, -2, -3, 3], atol=1e-12)
    assert calls and calls[0][1] == store.dates[-1]
    # a kind the reference does not know falls back to the store's sector table
    res2 = jqfactor.neutralize(y, how=["jq_l1"], date=store.dates[-1])
    np.testing.assert_allclose(res2.to_numpy(), [-2, 2, 0, -2, -2, 4], atol=1e-12)


def test_a_frame_of_factors_looks_industries_up_once(store, monkeypatch):
    """Every column of an axis=0 frame is a cross-section of the same codes and date: the
    industry look-up (the costly part: 0.17 s of 0.2 s per column on 631 stocks) runs once,
    not once per column; each column's residuals are those of neutralising it alone."""
    calls = []

    def sector_map(kind, codes, date=None):
        calls.append(kind)
        return {c: SECTOR[c] for c in codes}
    monkeypatch.setattr(pre, "reference_industry_map", sector_map)
    df = pd.DataFrame({f"f{k}": [v * (k + 1) for v in Y] for k in range(5)}, index=CODES)
    df.iloc[0, 2] = np.nan        # a column with its own missing value
    out = jqfactor.neutralize(df, how=["sw_l1", "market_cap"], date=store.dates[-1], axis=0)
    assert calls == ["sw_l1"]
    np.testing.assert_allclose(out["f0"].to_numpy(), EXPECTED, atol=1e-9)
    np.testing.assert_allclose(out["f3"].to_numpy(), [4 * v for v in EXPECTED], atol=1e-9)
    alone = jqfactor.neutralize(df["f2"], how=["sw_l1", "market_cap"], date=store.dates[-1])
    np.testing.assert_allclose(out["f2"].to_numpy(), alone.to_numpy(), atol=1e-12)
    assert np.isnan(out.iloc[0, 2])
    # axis=1 (rows = dates, columns = codes): once per distinct date
    calls.clear()
    rows = pd.DataFrame([Y, [2 * v for v in Y], Y], index=[store.dates[-1], store.dates[-1], store.dates[-2]],
                        columns=CODES)
    out1 = jqfactor.neutralize(rows, how=["sw_l1", "market_cap"], axis=1)
    assert calls == ["sw_l1", "sw_l1"]
    np.testing.assert_allclose(out1.iloc[1].to_numpy(), [2 * v for v in EXPECTED], atol=1e-9)
