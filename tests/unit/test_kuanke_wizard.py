"""kuanke.wizard: the strategy wizard's fundamentals filters (dayu/xiaoyu/qujian)."""

from __future__ import annotations

import pandas as pd
import pytest

from jqlite.data.fundamentals import write_fundamentals
from jqlite.data.writer import write_store

CODES = ["000001.XSHE", "000002.XSHE", "600000.XSHG"]


@pytest.fixture
def wstore(tmp_path, monkeypatch):
    path = tmp_path / "store"
    days = pd.bdate_range("2020-01-02", "2020-01-31")
    sec = pd.DataFrame(dict(code=CODES, display_name=CODES, name=CODES, type="stock",
                            start_date=pd.Timestamp("2010-01-01"), end_date=pd.Timestamp("2200-01-01"),
                            board=["sz_main", "sz_main", "sh_main"]))
    bars = pd.DataFrame([dict(date=d, code=c, open=10.0, close=10.0, high=10.0, low=10.0, volume=1e6,
                              money=1e7, pre_close=10.0, high_limit=11.0, low_limit=9.0, paused=0,
                              factor=1.0) for c in CODES for d in days])
    write_store(path, {"calendar": pd.DataFrame({"date": days}), "securities": sec, "bars_daily": bars},
                name="t", source="test")
    # market caps 100, 200, 300 (亿元); pe 5, 15, 25 on every day
    val = pd.DataFrame([dict(day=d, code=c, market_cap=100.0 * (j + 1), pe_ratio=5.0 + 10 * j,
                             capitalization=1e4, turnover_ratio=1.0)
                        for d in days for j, c in enumerate(CODES)])
    write_fundamentals(path, {"valuation": val})
    monkeypatch.setenv("JQLITE_DATA", str(path))
    return path


def test_wizard_filters(wstore):
    from jqdata import valuation
    from kuanke.wizard import (financial_data_filter_dayu, financial_data_filter_qujian,
                               financial_data_filter_xiaoyu)
    rev = list(reversed(CODES))
    # strict: 200 is not > 200; input order kept
    assert financial_data_filter_dayu(rev, valuation.market_cap, 200) == ["600000.XSHG"]
    assert financial_data_filter_dayu(rev, valuation.market_cap, 150) == ["600000.XSHG", "000002.XSHE"]
    assert financial_data_filter_xiaoyu(CODES, valuation.pe_ratio, 15) == ["000001.XSHE"]
    # closed interval: pe 5 and 15 are in [5, 15]
    assert financial_data_filter_qujian(rev, valuation.pe_ratio, (5, 15)) == ["000002.XSHE", "000001.XSHE"]
    assert financial_data_filter_dayu([], valuation.pe_ratio, 0) == []
    assert financial_data_filter_dayu("000002.XSHE", valuation.pe_ratio, 0) == ["000002.XSHE"]


def test_star_import_gives_the_wizard_names():
    ns: dict = {}
    exec("from kuanke.wizard import *", ns)
    assert {"financial_data_filter_dayu", "financial_data_filter_xiaoyu",
            "financial_data_filter_qujian"} <= set(ns)
    assert not any(k.startswith("_") for k in ns if not k.startswith("__"))
