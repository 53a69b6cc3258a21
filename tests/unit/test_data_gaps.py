"""The data-gap ledger (jqlite.api._gaps): missing data is never silent.

A store that lacks a table, column or concept data answers with JoinQuant's columns and
NaN / empty rows, and the gap reaches the run log, metrics.json and the console summary even
when the strategy switched Python warnings off.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import jqlite
from jqlite.api import _gaps
from jqlite.cli import gap_summary_lines

VAL = {"600000.XSHG": {"market_cap": 100.0, "pe_ratio": 8.0},
       "600001.XSHG": {"market_cap": 50.0, "pe_ratio": 12.0}}


@pytest.fixture
def vstore(jq_market):
    """Two stocks over 6 days, valuation only (no balance / income / cash_flow / indicator)."""
    return jq_market({"600000.XSHG": [10, 10.1, 10.2, 10.3, 10.4, 10.5],
                      "600001.XSHG": [20, 20.1, 20.2, 20.3, 20.4, 20.5]},
                     start="2024-03-01", valuation=VAL)


STRATEGY = """
import warnings
warnings.filterwarnings('ignore')
from jqdata import *

def initialize(context):
    run_daily(pick, '9:30')

def pick(context):
    df = get_fundamentals(query(valuation.code, balance.total_assets)
                          .filter(balance.total_assets > 0))
    g.n = len(df)
    for code in df['code']:
        order_value(code, 1000)
"""


def test_missing_table_reaches_metrics_log_and_console(vstore, run_strategy, tmp_path):
    out = tmp_path / "run"
    res = run_strategy(vstore, STRATEGY, "2024-03-04", "2024-03-08", out=out)
    assert res.error is None
    gaps = res.metrics["data_gaps"]
    assert len(gaps) == 1
    g = gaps[0]
    assert (g["api"], g["what"]) == ("get_fundamentals", "balance.total_assets")
    assert g["calls"] == 5                     # one query per trading day, 5 days
    assert g["first_dt"].startswith("2024-03-04 09:30")
    assert "balance" in g["message"] and "fundamentals/balance.parquet" in g["message"]
    assert res.metrics["orders_placed"] == 0
    # metrics.json on disk
    m = json.loads((out / "metrics.json").read_text())
    assert m["data_gaps"][0]["calls"] == 5 and m["orders_placed"] == 0
    # the run log: once when first seen, once in the end-of-run summary, plus "no order"
    log = "\n".join(res.log)
    assert log.count("data gap: get_fundamentals: balance.total_assets absent in store") == 1
    assert "data gap summary: get_fundamentals: balance.total_assets absent in store — 5 calls" in log
    assert "this run placed no order (1 data gap above)" in log
    # console summary lines
    lines = gap_summary_lines(res.metrics)
    assert lines[1] == "  get_fundamentals: balance.total_assets absent in store — 5 calls"
    assert lines[-1] == "this run placed no order — see the data gaps above"


def test_query_on_missing_table_returns_nan_rows_with_jq_columns(vstore, monkeypatch):
    monkeypatch.setenv("JQLITE_DATA", str(vstore.path))
    from jqdata import balance, cash_flow, get_fundamentals, query, valuation
    with pytest.warns(_gaps.DataGapWarning, match=r"balance\.total_assets.*no balance table"):
        df = get_fundamentals(query(valuation.code, valuation.market_cap, balance.total_assets),
                              date="2024-03-05")
    assert list(df.columns) == ["code", "market_cap", "total_assets"]
    assert sorted(df["code"]) == ["600000.XSHG", "600001.XSHG"]
    assert df.set_index("code")["market_cap"].to_dict() == {"600000.XSHG": 100.0, "600001.XSHG": 50.0}
    assert df["total_assets"].isna().all()
    # whole-table select: every JoinQuant column, NaN values, one gap for the table
    with pytest.warns(_gaps.DataGapWarning, match="table cash_flow absent in store"):
        cf = get_fundamentals(query(cash_flow), date="2024-03-05")
    from jqlite.data.fundamentals import CASH_FLOW_COLUMNS
    assert list(cf.columns) == ["id", "code", "day", "pubDate", "statDate", *CASH_FLOW_COLUMNS]
    assert len(cf) == 2 and cf["net_operate_cash_flow"].isna().all() and cf["pubDate"].isna().all()
    gaps = {(g["api"], g["what"]): g["calls"] for g in _gaps.research_gaps()}
    assert gaps == {("get_fundamentals", "balance.total_assets"): 1,
                    ("get_fundamentals", "table cash_flow"): 1}


def test_history_fundamentals_and_valuation_gaps(vstore, monkeypatch):
    monkeypatch.setenv("JQLITE_DATA", str(vstore.path))
    from jqdata import get_history_fundamentals, get_valuation
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        h = get_history_fundamentals(["600000.XSHG"], ["income.net_profit", "cash_flow.net_operate_cash_flow"],
                                     watch_date="2024-03-08", count=4)
        v = get_valuation(["600000.XSHG"], end_date="2024-03-08", count=2, fields=["market_cap", "pb_ratio"])
    assert list(h.columns) == ["code", "statDate", "net_profit", "net_operate_cash_flow"] and h.empty
    assert len(v) == 2 and (v["market_cap"] == 100.0).all() and v["pb_ratio"].isna().all()
    msgs = [str(x.message) for x in w if issubclass(x.category, _gaps.DataGapWarning)]
    assert len(msgs) == 3
    assert any("income.net_profit" in m for m in msgs) and any("valuation.pb_ratio" in m for m in msgs)


def test_store_without_fundamentals_folder_does_not_crash(jq_market, monkeypatch):
    st = jq_market({"600000.XSHG": [10, 10.1, 10.2]}, start="2024-03-01")
    monkeypatch.setenv("JQLITE_DATA", str(st.path))
    from jqdata import get_fundamentals, indicator, query, valuation
    with pytest.warns(_gaps.DataGapWarning):
        df = get_fundamentals(query(valuation.code, valuation.pe_ratio, indicator.eps), date="2024-03-04")
    assert list(df.columns) == ["code", "pe_ratio", "eps"]
    assert list(df["code"]) == ["600000.XSHG"] and np.isnan(df["eps"].iloc[0])


def test_concepts_gap(jq_market, monkeypatch):
    st = jq_market({"600000.XSHG": [10, 10.1, 10.2]}, start="2024-03-01")
    monkeypatch.setenv("JQLITE_DATA", str(st.path))
    from jqdata import get_concepts
    with pytest.warns(_gaps.DataGapWarning, match="concept"):
        c = get_concepts()
    assert c.empty and list(c.columns) == ["name", "start_date"]


def test_record_gap_counts_and_research_mode():
    _gaps.reset_research_gaps()
    with pytest.warns(_gaps.DataGapWarning, match="minute bars"):
        assert _gaps.record_gap("get_price", "minute bars", "no minute bars in store")
    with warnings.catch_warnings():
        warnings.simplefilter("error")          # second time: counted, no new warning
        assert not _gaps.record_gap("get_price", "minute bars", calls=2)
    assert _gaps.research_gaps() == [{"api": "get_price", "what": "minute bars", "calls": 3,
                                      "first_dt": None, "message": "no minute bars in store"}]
    assert _gaps.summary_lines(_gaps.research_gaps()) == [
        "get_price: minute bars absent in store — 3 calls"]
    assert _gaps.summary_lines([{"api": "a", "what": "b", "calls": 1240}]) == [
        "a: b absent in store — 1,240 calls"]
