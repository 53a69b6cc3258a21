"""``jqlite data pull --what fundamentals``: financial reports from recorded responses.

The reports are the hand-made ones in ``_pull_recorded.py`` (``TS_REPORTS`` for tushare,
``FakeBaostock.query_profit_data``); every expected number below is worked out by hand in
the comments.  No test here uses the network.
"""

from __future__ import annotations

import json
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from _pull_recorded import FakeAkshare, FakeBaostock, FakeTushare
from _pull_recorded import fundamentals_table as _table, get_fundamentals_on as _gf
from jqlite.cli import main as cli
from jqlite.data.pull import run_pull, run_update
from jqlite.data.sources.baostock import BaostockSource
from jqlite.data.sources.fundamentals_map import report_quarters
from jqlite.data.sources.tushare import TushareSource
from jqlite.errors import DataError

TOKEN = "tok-SECRET-123"
NOKEY = dict(keyring_get=lambda s, k: None, sleep=lambda s: None)
FUND = ("bars", "fundamentals")


def _pull(source, out, start="2024-01-02", end="2024-01-10", **kw):
    if source == "tushare":
        ad, env = TushareSource(FakeTushare()), {"TUSHARE_TOKEN": TOKEN}
    else:
        ad, env = BaostockSource(FakeBaostock()), {}
    kw.setdefault("what", FUND)
    return run_pull(source, out, start=start, end=end, adapter=ad, env=env, **NOKEY, **kw), ad


def test_report_quarters_start_a_year_early():
    # 2024-01-02 .. 2024-01-10: 2023Q1..Q4 (2024Q1 ends after the span)
    assert report_quarters("2024-01-02", "2024-01-10") == [(2023, 1), (2023, 2), (2023, 3), (2023, 4)]
    assert report_quarters("2024-01-02", "2024-04-01")[-1] == (2024, 1)


def test_tushare_statements_map_to_joinquant_tables(tmp_path):
    r, ad = _pull("tushare", tmp_path / "s")
    assert r["fundamentals"] == {"income": 4, "balance": 1, "cash_flow": 3, "indicator": 1}
    inc = _table(tmp_path / "s", "income")
    q3 = inc.loc[("600000.XSHG", pd.Timestamp("2023-09-30"))]
    # two versions of 2023Q3: the original (update_flag '0', 3.00e10) is kept, with its own
    # announcement date; the revision (3.05e10, announced 2024-01-08) is not in the store
    assert q3["np_parent_company_owners"] == 3.00e10 and q3["net_profit"] == 3.10e10
    assert q3["pubDate"] == pd.Timestamp("2023-10-31")
    assert q3["total_operating_revenue"] == 1.30e11 and q3["basic_eps"] == 1.00
    # yuan as tushare sends them (no scaling); only exactly-matching columns are present
    assert set(inc.columns) == {"pubDate", "total_operating_revenue", "operating_revenue", "net_profit",
                                "np_parent_company_owners", "basic_eps"}
    bal = _table(tmp_path / "s", "balance").loc[("600000.XSHG", pd.Timestamp("2023-09-30"))]
    assert bal["total_assets"] == 9.0e12 and bal["total_liability"] == 8.3e12
    assert bal["equities_parent_company_owners"] == 0.69e12 and bal["cash_equivalents"] == 4.1e11
    ind = _table(tmp_path / "s", "indicator").loc[("600000.XSHG", pd.Timestamp("2023-09-30"))]
    # fina_indicator's single-quarter percentages are JoinQuant's unit already
    assert ind["roe"] == 1.25 and ind["inc_revenue_year_on_year"] == -5.5 and ind["eps"] == 0.30
    # one call per statement per code, report_type 1 asked for, announcements 2023-01-01 .. end
    inc_calls = [kw for name, kw in ad.client.calls if name == "income"]
    assert len(inc_calls) == 4 and inc_calls[0]["report_type"] == "1"
    assert inc_calls[0]["start_date"] == "20230101" and inc_calls[0]["end_date"] == "20240110"
    rec = json.loads((tmp_path / "s" / "pull" / "sources.json").read_text())
    assert rec["what"] == ["bars", "fundamentals"] and rec["tables"]["fundamentals/income"]["rows"] == 4


def test_tushare_point_in_time_in_research(tmp_path, monkeypatch):
    from jqlite.api.fundamentals import balance, cash_flow, income, indicator, query
    _pull("tushare", tmp_path / "s")
    q = query(income.code, income.np_parent_company_owners, income.statDate, income.pubDate)
    a = _gf(tmp_path / "s", monkeypatch, q, "2024-01-08").loc["600000.XSHG"]
    b = _gf(tmp_path / "s", monkeypatch, q, "2024-01-09").loc["600000.XSHG"]
    # before the annual report's pubDate 2024-01-09 the latest is 2023Q3, single quarter
    # = 3.00e10 - 2.10e10 = 0.90e10 (the original Q3, not the 2024-01-08 revision)
    assert a["statDate"] == "2023-09-30" and a["np_parent_company_owners"] == pytest.approx(0.90e10)
    # from 2024-01-09: 2023Q4 = 4.20e10 - 3.00e10 = 1.20e10
    assert b["statDate"] == "2023-12-31" and b["pubDate"] == "2024-01-09"
    assert b["np_parent_company_owners"] == pytest.approx(1.20e10)
    c = _gf(tmp_path / "s", monkeypatch, query(income.code, cash_flow.net_operate_cash_flow, balance.total_assets,
                                               indicator.roe), "2024-01-08").loc["600000.XSHG"]
    # cash flow 2023Q3 single quarter: 2.5e10 - 3.0e10 = -0.5e10; balance as reported
    assert c["net_operate_cash_flow"] == pytest.approx(-0.5e10)
    assert c["total_assets"] == 9.0e12 and c["roe"] == 1.25


def test_baostock_profit_data_net_profit(tmp_path, monkeypatch):
    from jqlite.api.fundamentals import income, query
    r, ad = _pull("baostock", tmp_path / "s")
    assert r["fundamentals"] == {"income": 3}
    inc = _table(tmp_path / "s", "income")
    # netProfit strings -> yuan floats; the annual report (pubDate 2024-03-30, after the span's
    # end) is not in the store; baostock's ratios (fractions, YTD) map to no JoinQuant column
    assert list(inc.columns) == ["pubDate", "net_profit"]
    assert inc.loc[("600000.XSHG", pd.Timestamp("2023-06-30")), "net_profit"] == 21300000000.5
    assert ("600000.XSHG", pd.Timestamp("2023-12-31")) not in inc.index
    # 4 codes x 2023Q1..Q4 = 16 calls
    assert len([c for c in ad.client.calls if c[0] == "query_profit_data"]) == 16
    df = _gf(tmp_path / "s", monkeypatch, query(income.code, income.net_profit, income.statDate), "2024-01-10")
    # 2023Q3 single quarter: 30,500,000,000 - 21,300,000,000.5 = 9,199,999,999.5
    assert df.loc["600000.XSHG", "statDate"] == "2023-09-30"
    assert df.loc["600000.XSHG", "net_profit"] == pytest.approx(9199999999.5)


def test_update_adds_reports_announced_since(tmp_path):
    _pull("tushare", tmp_path / "u", end="2024-01-05")
    inc = _table(tmp_path / "u", "income")
    assert ("600000.XSHG", pd.Timestamp("2023-12-31")) not in inc.index     # announced 2024-01-09
    ad = TushareSource(FakeTushare())
    r = run_update(tmp_path / "u", end="2024-01-10", adapter=ad, env={"TUSHARE_TOKEN": TOKEN}, **NOKEY)
    assert r["status"] == "written"
    _pull("tushare", tmp_path / "full")
    for t in ("income", "balance", "cash_flow", "indicator"):
        pd.testing.assert_frame_equal(_table(tmp_path / "u", t), _table(tmp_path / "full", t))


def test_bars_only_update_keeps_pulled_fundamentals(tmp_path):
    _pull("tushare", tmp_path / "u", end="2024-01-05")
    ad = TushareSource(FakeTushare())
    run_update(tmp_path / "u", end="2024-01-10", adapter=ad, env={"TUSHARE_TOKEN": TOKEN}, what=("bars",),
               **NOKEY)
    assert not [c for c in ad.client.calls if c[0] == "income"]
    assert len(_table(tmp_path / "u", "income")) == 3      # kept as pulled (to 2024-01-05)


def test_what_errors(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="--what ticks: unknown"):
        run_pull("baostock", tmp_path / "x", adapter=BaostockSource(FakeBaostock()), env={}, what="bars,ticks",
                 **NOKEY)
    assert not (tmp_path / "x").exists()
    monkeypatch.setitem(sys.modules, "akshare", FakeAkshare())
    r = CliRunner().invoke(cli, ["data", "pull", "--source", "akshare", "--out", str(tmp_path / "a"),
                                 "--start", "2024-01-02", "--end", "2024-01-10", "--what", "bars,fundamentals"])
    assert r.exit_code == 2 and "fundamentals is not supported" in r.output
    assert not (tmp_path / "a").exists()


STRATEGY = '''
from jqdata import *

def initialize(context):
    set_benchmark('600000.XSHG')
    run_daily(trade, 'open')

def trade(context):
    q = query(income.np_parent_company_owners).filter(income.code == '600000.XSHG')
    df = get_fundamentals(q)
    record(np=df['np_parent_company_owners'].iloc[0] / 1e8)
'''


def test_pulled_fundamentals_in_a_backtest(tmp_path):
    import jqlite
    _pull("tushare", tmp_path / "s")
    f = tmp_path / "strat.py"
    f.write_text(STRATEGY)
    res = jqlite.run_backtest(f, "2024-01-08", "2024-01-10", 100000, data=tmp_path / "s")
    rec = res.daily.set_index("date")["record_np"]
    # get_fundamentals in a backtest reads the previous trading day: on 2024-01-08 and 01-09
    # the latest report is 2023Q3 (90 亿 single quarter); on 2024-01-10 the annual report
    # announced 2024-01-09 is visible: Q4 = 120 亿
    assert rec.round(6).tolist() == [90.0, 90.0, 120.0]


def test_interrupted_pull_keeps_committed_reports(tmp_path):
    from jqlite.data.pull import staging_dir
    ad, env = TushareSource(FakeTushare()), {"TUSHARE_TOKEN": TOKEN}
    real = ad.fetch_daily
    seen = []

    def stop_at_second(codes, s, e):
        seen.append(codes)
        if len(seen) == 2:
            raise KeyboardInterrupt
        return real(codes, s, e)
    ad.fetch_daily = stop_at_second
    kw = dict(start="2024-01-02", end="2024-01-10", env=env, what=FUND, batch_size=2, **NOKEY)
    with pytest.raises(KeyboardInterrupt):
        run_pull("tushare", tmp_path / "s", adapter=ad, **kw)
    # batches sorted by code: [000001, 000002] committed (no reports); batch 2 [600000,
    # 600087] stopped after its reports, before its bars: not committed
    st = staging_dir(tmp_path / "s")
    assert (st / "batches" / "00000.parquet").exists() and not (st / "batches" / "00001.parquet").exists()
    assert json.loads((st / "state.json").read_text())["done"] == [0]
    ad2 = TushareSource(FakeTushare())
    r = run_pull("tushare", tmp_path / "s", adapter=ad2, **kw)
    assert r["resumed_batches"] == 1 and r["fundamentals"]["income"] == 4
    # only batch 2 (600000, 600087) asks for reports again: 2 income calls
    assert [kw["ts_code"] for name, kw in ad2.client.calls if name == "income"] == ["600000.SH", "600087.SH"]
