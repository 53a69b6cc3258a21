"""Real-network smoke test of ``jqlite data pull`` (opt-in; never run on the project's machines).

Run it where the services can be reached::

    JQLITE_NETWORK_TESTS=1 pytest tests/integration/test_pull_network.py -m network -v

Each source pulls five large stocks for one month into a temporary store, then the store is
checked as the sample market is: dense trading days (suspensions only), limits consistent with
pre_close and the board, a positive factor, and no credential in any file.  tushare needs
TUSHARE_TOKEN, jqdatasdk JQDATA_USERNAME/JQDATA_PASSWORD; a source whose library or credential
is missing is skipped.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

pytestmark = [pytest.mark.network,
              pytest.mark.skipif(os.environ.get("JQLITE_NETWORK_TESTS") != "1",
                                 reason="real-network test: set JQLITE_NETWORK_TESTS=1")]

CODES = ["600000.XSHG", "600519.XSHG", "000001.XSHE", "000858.XSHE", "300750.XSHE"]
NEEDS = {"tushare": ("TUSHARE_TOKEN",), "jqdatasdk": ("JQDATA_USERNAME", "JQDATA_PASSWORD")}


@pytest.mark.parametrize("source", ["baostock", "tushare", "akshare", "jqdatasdk"])
def test_pull_one_month_from_the_real_service(tmp_path, source):
    from jqlite.data.pull import run_pull
    from jqlite.data.store import Store
    if importlib.util.find_spec(source) is None:
        pytest.skip(f"{source} not installed: pip install 'jqlite-engine[{source}]'")
    if any(not os.environ.get(v) for v in NEEDS.get(source, ())):
        pytest.skip(f"{source}: set {' and '.join(NEEDS[source])}")
    log: list[str] = []
    r = run_pull(source, tmp_path / "s", start="2024-03-01", end="2024-03-29", codes=CODES, progress=log.append)
    assert r["status"] == "written" and r["first_date"] == "2024-03-01" and r["last_date"] == "2024-03-29"
    st = Store(tmp_path / "s")
    assert st.n_days == 21 and sorted(st.codes) == sorted(CODES)
    b = pd.concat(pd.read_parquet(f) for f in (tmp_path / "s" / "bars_daily").glob("*.parquet"))
    assert len(b) == 21 * 5                                     # dense
    live = b[b["paused"] == 0]
    assert (live["close"] <= live["high_limit"] + 1e-9).all() and (live["close"] >= live["low_limit"] - 1e-9).all()
    assert (b["factor"] > 0).all() and np.isfinite(b["factor"]).all()
    # 600519 on 2024-03-01 closed around 1,700 yuan: a unit slip (fen, lots) would be off by 100
    mt = b[(b["code"] == "600519.XSHG")]["close"]
    assert 1000 < mt.iloc[0] < 3000
    secrets = [os.environ[v] for v in NEEDS.get(source, ()) if os.environ.get(v)]
    for p in Path(tmp_path).rglob("*"):
        if p.is_file():
            assert not any(s.encode() in p.read_bytes() for s in secrets), p
    assert not any(s in "\n".join(log) for s in secrets)


EXTRAS = {"baostock": ("minute", "valuation", "industries"), "tushare": ("valuation", "industries", "etf"),
          "akshare": ("etf",), "jqdatasdk": ("valuation", "industries")}


@pytest.mark.parametrize("source", ["baostock", "tushare", "akshare", "jqdatasdk"])
def test_pull_extras_from_the_real_service(tmp_path, source):
    """``--what`` minute / valuation / industries / etf for two stocks and one week: the
    unit checks a real answer can confirm (600519's market cap is about 2 trillion yuan =
    ~20,000 亿元; its turnover well under 5 %; a 5-minute day has 48 bars)."""
    from jqlite.data.pull import run_pull
    if importlib.util.find_spec(source) is None:
        pytest.skip(f"{source} not installed: pip install 'jqlite-engine[{source}]'")
    if any(not os.environ.get(v) for v in NEEDS.get(source, ())):
        pytest.skip(f"{source}: set {' and '.join(NEEDS[source])}")
    what = ("bars",) + EXTRAS[source]
    codes = ["600519.XSHG", "000001.XSHE"] + (["510300.XSHG"] if "etf" in what else [])
    run_pull(source, tmp_path / "s", start="2024-03-04", end="2024-03-08", codes=codes, what=what)
    if "valuation" in what:
        v = pd.read_parquet(tmp_path / "s" / "fundamentals" / "valuation.parquet")
        mt = v[v["code"] == "600519.XSHG"]
        assert len(mt) == 5 and (mt["turnover_ratio"] < 5).all() and (mt["pe_ratio"] > 5).all()
        if "market_cap" in mt:
            assert 15_000 < mt["market_cap"].iloc[0] < 30_000
    if "industries" in what:
        m = pd.read_parquet(tmp_path / "s" / "industry_members.parquet")
        assert {"600519.XSHG", "000001.XSHE"} <= set(m["code"])
    if "minute" in what:
        f = pd.read_feather(tmp_path / "s" / "bars_5m" / "2024-03" / "600519.XSHG.arrow")
        assert len(f) == 5 * 48 and str(f["time"].iloc[0]) == "2024-03-04 09:35:00"
    if "etf" in what:
        sec = pd.read_parquet(tmp_path / "s" / "securities.parquet").set_index("code")
        assert sec.loc["510300.XSHG", "type"] == "etf"        # a FILE's ETFs are pulled as ETFs
        b = pd.read_parquet(tmp_path / "s" / "bars_daily" / "2024.parquet")
        assert 2.5 < b.loc[b["code"] == "510300.XSHG", "close"].iloc[0] < 5.0   # yuan, 0.001 tick


def test_jqdatasdk_fundamentals_from_the_real_service(tmp_path):
    """``--source jqdatasdk --what fundamentals`` for 600519 over April 2024: the sums a real
    answer can confirm.  Kweichow Moutai's 2023 归母净利润 was about 747 亿 yuan (annual report,
    early April 2024) and about 529 亿 for 2023Q1-Q3: the stored year-to-date rows (summed from
    jqdatasdk's single quarters) must land there, in yuan."""
    from jqlite.data.pull import run_pull
    if importlib.util.find_spec("jqdatasdk") is None:
        pytest.skip("jqdatasdk not installed: pip install 'jqlite-engine[jqdatasdk]'")
    if any(not os.environ.get(v) for v in NEEDS["jqdatasdk"]):
        pytest.skip(f"jqdatasdk: set {' and '.join(NEEDS['jqdatasdk'])}")
    run_pull("jqdatasdk", tmp_path / "s", start="2024-04-01", end="2024-04-30", codes=["600519.XSHG"],
             what=("bars", "fundamentals"))
    inc = pd.read_parquet(tmp_path / "s" / "fundamentals" / "income.parquet")
    inc["statDate"] = pd.to_datetime(inc["statDate"])
    ytd = inc.set_index("statDate")["np_parent_company_owners"]
    assert 7.0e10 < ytd[pd.Timestamp("2023-12-31")] < 8.0e10
    assert 5.0e10 < ytd[pd.Timestamp("2023-09-30")] < 5.6e10
    ind = pd.read_parquet(tmp_path / "s" / "fundamentals" / "indicator.parquet")
    assert ((ind["roe"] > 2) & (ind["roe"] < 20)).all()        # single-quarter percent
