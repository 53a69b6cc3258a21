"""``jqlite data pull --source jqdatasdk --what fundamentals`` from recorded responses.

The reports are the hand-made single quarters of ``_pull_recorded_jqfund.py`` (shaped as
jqdatasdk 1.9.8's ``get_fundamentals(query(...), statDate='2023q3')`` answers); every
expected number below is worked out by hand in the comments.  No test here uses the network.
"""

from __future__ import annotations

import datetime as _dt

import numpy as np
import pandas as pd
import pytest

from _pull_recorded import FakeAkshare
from _pull_recorded import fundamentals_table as _table, get_fundamentals_on as _gf
from _pull_recorded_jqfund import FakeJqdatasdkF
from jqlite.data.pull import run_pull, run_update
from jqlite.data.sources import QuotaExhausted, SourceError
from jqlite.data.sources.akshare import AkshareSource
from jqlite.data.sources.fundamentals_map import cumulate_quarters, rebase_on_kept
from jqlite.data.sources.jqdatasdk import JqdatasdkSource

JQ_ENV = {"JQDATA_USERNAME": "13800000000", "JQDATA_PASSWORD": "pw-SECRET-456"}
NOKEY = dict(keyring_get=lambda s, k: None, sleep=lambda s: None)
FUND = ("bars", "fundamentals")
P6, P1 = "600000.XSHG", "000001.XSHE"


def _pull(out, fake=None, start="2024-01-02", end="2024-01-10", **kw):
    ad = JqdatasdkSource(fake or FakeJqdatasdkF())
    kw.setdefault("what", FUND)
    return run_pull("jqdatasdk", out, start=start, end=end, adapter=ad, env=dict(JQ_ENV), **NOKEY, **kw), ad


@pytest.fixture(scope="module")
def pulled(tmp_path_factory):
    """One pull of 2024-01-02 .. 2024-01-10 with reports (shared: the tests only read it)."""
    out = tmp_path_factory.mktemp("jqfund") / "s"
    r, ad = _pull(out)
    return out, r, ad


def test_statements_stored_year_to_date(pulled):
    store, r, ad = pulled
    # 600000: income Q1..Q4, cash_flow Q1..Q4, balance/indicator Q3, Q4; 000001: income Q1..Q3
    # (its annual report is announced 2024-03-15, after the span)
    assert r["fundamentals"] == {"income": 7, "balance": 2, "cash_flow": 4, "indicator": 2}
    inc = _table(store, "income")
    np6 = inc.loc[P6, "np_parent_company_owners"]
    # single quarters 1.00, 1.10, 0.90, 1.20 e10 summed within 2023
    assert np6.tolist() == [1.00e10, 2.10e10, 3.00e10, 4.20e10]
    assert inc.loc[P6, "net_profit"].tolist() == [1.05e10, 2.20e10, 3.15e10, 4.40e10]
    assert inc.loc[P6, "pubDate"].dt.strftime("%Y-%m-%d").tolist() == ["2023-04-28", "2023-08-30", "2023-10-31",
                                                                        "2024-01-09"]
    # jqdatasdk's asset_deal_income (资产处置收益) is jqlite's asset_disposal_income: 1e7, +2e7, +0, +5e6
    assert inc.loc[P6, "asset_disposal_income"].tolist() == [1.0e7, 3.0e7, 3.0e7, 3.5e7]
    assert inc.loc[P6, "basic_eps"].tolist() == pytest.approx([0.34, 0.71, 1.01, 1.42])
    # 000001 rd_expenses: Q1 NaN stays NaN; Q2 = 1.0e8 (the NaN quarter counts as nothing);
    # Q3 = 1.0e8 + 1.2e8
    rd = inc.loc[P1, "rd_expenses"].tolist()
    assert np.isnan(rd[0]) and rd[1:] == [1.0e8, 2.2e8]
    cf = _table(store, "cash_flow").loc[P6]
    assert cf["net_operate_cash_flow"].tolist() == [2.0e10, 3.0e10, 2.5e10, 5.5e10]
    # the closing cash balance is a stock item: as served, not summed
    assert cf["cash_and_equivalents_at_end"].tolist() == [3.0e11, 3.2e11, 3.1e11, 3.3e11]
    # depreciation from finance.STK_CASHFLOW_STATEMENT (YTD as reported, H1 and annual only):
    # the first H1 version 1.2e9, not its correction 1.3e9 nor the report_type 1 figure 9.9e9
    dep = cf["fixed_assets_depreciation"].tolist()
    assert np.isnan(dep[0]) and dep[1] == 1.2e9 and np.isnan(dep[2]) and dep[3] == 2.5e9
    assert cf["defferred_expense_amortization"].tolist()[3] == 2.2e7
    rq = [c for c in ad.client.calls if c[0] == "run_query"]
    assert len(rq) == 1 and rq[0][1] == ("code", "pub_date", "report_date", "fixed_assets_depreciation",
                                         "intangible_assets_amortization", "defferred_expense_amortization")
    bal = _table(store, "balance").loc[(P6, pd.Timestamp("2023-09-30"))]
    assert bal["total_assets"] == 9.0e12 and bal["total_liability"] == 8.3e12
    assert bal["perpetual_bonds_equity"] == 1.0e10          # SDK pepertual_liability_equity
    ind = _table(store, "indicator").loc[(P6, pd.Timestamp("2023-09-30"))]
    assert ind["roe"] == 1.25 and ind["eps"] == 0.30 and ind["inc_revenue_year_on_year"] == -5.5
    # one call per table and quarter 2023q1..2023q4 for the one batch of 4 stocks; the query
    # selects code, pubDate, statDate and every mapped column the SDK table has
    calls = [c for c in ad.client.calls if c[0] == "get_fundamentals"]
    assert len(calls) == 16
    assert sorted({c[2] for c in calls}) == ["2023q1", "2023q2", "2023q3", "2023q4"]
    assert {c[3] for c in calls} == {("000001.XSHE", "000002.XSHE", "600000.XSHG", "600087.XSHG")}
    widths = {c[1]: c[4] for c in calls}
    # income: 44 jqlite columns (2 under their SDK names); balance: 96 - settlement_provi_other
    # (no SDK column); cash_flow: the 29 table columns (supplement items are not in it); indicator 31
    assert widths == {"income": 3 + 44, "balance": 3 + 95, "cash_flow": 3 + 29, "indicator": 3 + 31}


def test_point_in_time_in_research(pulled, monkeypatch):
    from jqlite.api.fundamentals import balance, cash_flow, income, indicator, query
    store = pulled[0]
    q = query(income.code, income.np_parent_company_owners, income.rd_expenses, income.statDate, income.pubDate)
    a = _gf(store, monkeypatch, q, "2024-01-08")
    b = _gf(store, monkeypatch, q, "2024-01-09")
    # the day before the annual report's pubDate the latest is 2023Q3: single quarter derived
    # back from the stored YTD = 3.00e10 - 2.10e10 = 0.90e10, the recorded single quarter
    assert a.loc[P6, "statDate"] == "2023-09-30" and a.loc[P6, "np_parent_company_owners"] == pytest.approx(0.90e10)
    # visible on its pubDate 2024-01-09: Q4 = 4.20e10 - 3.00e10 = 1.20e10
    assert b.loc[P6, "statDate"] == "2023-12-31" and b.loc[P6, "pubDate"] == "2024-01-09"
    assert b.loc[P6, "np_parent_company_owners"] == pytest.approx(1.20e10)
    # 000001 2023Q3: 3.96e10 - 2.73e10 = 1.23e10; rd_expenses 2.2e8 - 1.0e8 = 1.2e8
    assert b.loc[P1, "np_parent_company_owners"] == pytest.approx(1.23e10)
    assert b.loc[P1, "rd_expenses"] == pytest.approx(1.2e8)
    c = _gf(store, monkeypatch, query(income.code, cash_flow.net_operate_cash_flow,
                                               cash_flow.cash_and_equivalents_at_end, balance.total_assets,
                                               indicator.roe), "2024-01-08").loc[P6]
    # cash flow 2023Q3 single: 2.5e10 - 3.0e10 = -0.5e10; the closing balance, balance sheet
    # and indicator as served
    assert c["net_operate_cash_flow"] == pytest.approx(-0.5e10)
    assert c["cash_and_equivalents_at_end"] == 3.1e11 and c["total_assets"] == 9.0e12 and c["roe"] == 1.25
    # statDate='2023' serves the year-to-date Q4 row: 1.00 + 1.10 + 0.90 + 1.20 = 4.20e10
    from jqlite.api.fundamentals import get_fundamentals
    y = get_fundamentals(query(income.code, income.np_parent_company_owners), statDate="2023").set_index("code")
    assert y.loc[P6, "np_parent_company_owners"] == pytest.approx(4.20e10)


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


def test_pulled_reports_in_a_backtest(pulled, tmp_path):
    import jqlite
    f = tmp_path / "strat.py"
    f.write_text(STRATEGY)
    res = jqlite.run_backtest(f, "2024-01-08", "2024-01-10", 100000, data=pulled[0])
    # a backtest reads the previous trading day: 2023Q3 (90 亿) on 01-08 and 01-09, the
    # annual report announced 2024-01-09 from 01-10 (Q4 single quarter 120 亿)
    assert res.daily.set_index("date")["record_np"].round(6).tolist() == [90.0, 90.0, 120.0]


def test_update_keeps_the_first_announced_version(pulled, tmp_path, monkeypatch):
    from jqlite.api.fundamentals import income, query
    _pull(tmp_path / "u", FakeJqdatasdkF(today="2024-01-05"), end="2024-01-05")
    inc = _table(tmp_path / "u", "income")
    assert (P6, pd.Timestamp("2023-12-31")) not in inc.index
    # a week later the server answers 2023Q3 with a correction (announced 2024-01-08,
    # np 0.95e10 instead of 0.90e10) and has the annual report
    fake = FakeJqdatasdkF(today="2024-01-10", restate=True)
    r = run_update(tmp_path / "u", end="2024-01-10", adapter=JqdatasdkSource(fake), env=dict(JQ_ENV), **NOKEY)
    assert r["status"] == "written"
    inc = _table(tmp_path / "u", "income").loc[P6]
    # the store keeps the original 2023Q3 (YTD 3.00e10, pubDate 2023-10-31); the annual row is
    # re-based on it: 3.00e10 + the served Q4 single quarter 1.20e10 = 4.20e10 (summed over the
    # correction it would be 1.00 + 1.10 + 0.95 + 1.20 = 4.25e10, and Q4 would read 1.25e10)
    assert inc.loc[pd.Timestamp("2023-09-30"), "np_parent_company_owners"] == 3.00e10
    assert inc.loc[pd.Timestamp("2023-09-30"), "pubDate"] == pd.Timestamp("2023-10-31")
    assert inc.loc[pd.Timestamp("2023-12-31"), "np_parent_company_owners"] == 4.20e10
    assert inc.loc[pd.Timestamp("2023-12-31"), "net_profit"] == 3.15e10 + 1.25e10
    q = query(income.code, income.np_parent_company_owners, income.pubDate)
    assert _gf(tmp_path / "u", monkeypatch, q, "2024-01-08").loc[P6, "np_parent_company_owners"] == \
        pytest.approx(0.90e10)        # the original, not the correction announced that day
    assert _gf(tmp_path / "u", monkeypatch, q, "2024-01-09").loc[P6, "np_parent_company_owners"] == \
        pytest.approx(1.20e10)
    # the same reports as one pull from a server without the correction
    for t in ("income", "balance", "cash_flow", "indicator"):
        pd.testing.assert_frame_equal(_table(tmp_path / "u", t), _table(pulled[0], t))


def test_quota_stops_between_batches_and_resumes(pulled, tmp_path):
    out = tmp_path / "s"
    # batch estimate: 2 codes x 7 days x 2 (get_price + get_extras) = 28, plus (4 tables +
    # STK_CASHFLOW_STATEMENT) x 4 quarters (2023q1..q4) x 2 codes = 40 -> 68.  Batch 1 (000001,
    # 000002) spends 28 + 3 report rows (000001 income Q1..Q3) = 31 of 80: 49 left < 68, stop
    fake = FakeJqdatasdkF(total=80, spare=80)
    ad = JqdatasdkSource(fake)
    assert ad.rows_estimate(2, 7, FUND, span=(_dt.date(2024, 1, 2), _dt.date(2024, 1, 10))) == 68
    with pytest.raises(QuotaExhausted) as ei:
        run_pull("jqdatasdk", out, start="2024-01-02", end="2024-01-10", adapter=ad, env=dict(JQ_ENV), what=FUND,
                 batch_size=2, **NOKEY)
    assert "31 of 80 rows used, 49 left, the next batch needs about 68" in str(ei.value)
    assert "1 of 2 batches are committed" in str(ei.value)
    fake.spare = fake.total = 1000                  # the next day
    n_before = len(fake.calls)
    r = run_pull("jqdatasdk", out, start="2024-01-02", end="2024-01-10", adapter=ad, env=dict(JQ_ENV), what=FUND,
                 batch_size=2, **NOKEY)
    assert r["resumed_batches"] == 1
    # only batch 2 asks for reports again: 16 calls for (600000, 600087)
    again = [c for c in fake.calls[n_before:] if c[0] == "get_fundamentals"]
    assert len(again) == 16 and {c[3] for c in again} == {("600000.XSHG", "600087.XSHG")}
    # batch 2: 28 bar rows + 600000's 12 report rows (income 4, cash_flow 4, balance 2, indicator
    # 2) + 3 STK_CASHFLOW_STATEMENT rows (report_type 0: H1, its correction, the annual report)
    assert r["quota"] == {"total": 1000, "spare": 1000 - 43}
    assert r["fundamentals"] == {"income": 7, "balance": 2, "cash_flow": 4, "indicator": 2}
    for t in ("income", "balance", "cash_flow", "indicator"):     # nothing duplicated or lost by the stop
        pd.testing.assert_frame_equal(_table(out, t), _table(pulled[0], t))


def test_codes_per_call_and_the_row_cap(tmp_path):
    ad = JqdatasdkSource(FakeJqdatasdkF())
    ad.fund_codes_per_call = 1
    got = ad.fetch_fundamentals([P1, P6], _dt.date(2024, 1, 2), _dt.date(2024, 1, 10))
    calls = [c for c in ad.client.calls if c[0] == "get_fundamentals"]
    assert len(calls) == 4 * 4 * 2 and {c[3] for c in calls} == {(P1,), (P6,)}
    assert got["income"].set_index(["code", "statDate"]).loc[(P6, pd.Timestamp("2023-12-31")),
                                                             "np_parent_company_owners"] == 4.20e10
    ad = JqdatasdkSource(FakeJqdatasdkF())
    ad.FUND_ROW_LIMIT = 2                # an answer at the cap may have lost rows: refused
    with pytest.raises(SourceError, match="answer cap"):
        ad.fetch_fundamentals([P1, P6], _dt.date(2024, 1, 2), _dt.date(2024, 1, 10))
    # reports announced after the span's end are left out
    got = JqdatasdkSource(FakeJqdatasdkF()).fetch_fundamentals([P6], _dt.date(2024, 1, 2), _dt.date(2024, 1, 8))
    assert got["income"]["statDate"].max() == pd.Timestamp("2023-09-30")


def test_cumulate_and_rebase_by_hand():
    d = lambda s: pd.Timestamp(s)
    single = pd.DataFrame({"code": ["A"] * 5, "statDate": [d("2022-12-31"), d("2023-03-31"), d("2023-06-30"),
                                                           d("2023-09-30"), d("2023-12-31")],
                           "pubDate": [d("2023-03-01"), d("2023-04-20"), d("2023-08-20"), d("2023-10-20"),
                                       d("2024-03-20")],
                           "x": [9.0, 1.0, np.nan, 3.0, 4.0], "cash_and_equivalents_at_end": [5.0, 6, 7, 8, 9]})
    cum = cumulate_quarters(single, ("cash_and_equivalents_at_end",))
    # 2022Q4 alone in its year: 9; 2023: 1, NaN (own value NaN), 1 + 3 = 4, 4 + 4 = 8
    assert cum["x"].tolist()[:2] == [9.0, 1.0] and np.isnan(cum["x"][2]) and cum["x"].tolist()[3:] == [4.0, 8.0]
    assert cum["cash_and_equivalents_at_end"].tolist() == [5.0, 6, 7, 8, 9]
    # the store keeps 2023Q1, Q2 with other values (x 1.5, 2.5 YTD); the pull brings Q1..Q4
    # with x YTD 1, 3, 6, 10: Q3 = 2.5 + (6 - 3) = 5.5, Q4 = 5.5 + 4 = 9.5
    old = pd.DataFrame({"code": ["A", "A"], "statDate": [d("2023-03-31"), d("2023-06-30")],
                        "pubDate": [d("2023-04-20"), d("2023-08-20")], "x": [1.5, 2.5]})
    new = pd.DataFrame({"code": ["A"] * 4, "statDate": [d("2023-03-31"), d("2023-06-30"), d("2023-09-30"),
                                                        d("2023-12-31")],
                        "pubDate": [d("2023-04-20"), d("2023-08-21"), d("2023-10-20"), d("2024-03-20")],
                        "x": [1.0, 3.0, 6.0, 10.0]})
    out = rebase_on_kept(old, new)
    assert out["statDate"].tolist() == [d("2023-09-30"), d("2023-12-31")] and out["x"].tolist() == [5.5, 9.5]
    # the same kept version: nothing moves, also an item the kept quarter has no value for
    # (a year-to-date figure reported only in the annual report stays as reported)
    new2 = new.assign(x=[1.5, 2.5, 5.5, 9.5], y=[np.nan, np.nan, np.nan, 7.0])
    out = rebase_on_kept(old.assign(y=np.nan), new2)
    assert out["x"].tolist() == [5.5, 9.5] and np.isnan(out["y"][0]) and out["y"][1] == 7.0
    # the kept quarter not sent again: nothing to shift by, the pulled rows as they are
    out = rebase_on_kept(old, new[new["statDate"] != d("2023-06-30")])
    assert out["x"].tolist() == [6.0, 10.0]


def test_cli_pull_what_fundamentals(tmp_path, monkeypatch):
    import sys

    from click.testing import CliRunner

    from jqlite.cli import main as cli
    monkeypatch.setitem(sys.modules, "jqdatasdk", FakeJqdatasdkF())
    for k, v in JQ_ENV.items():
        monkeypatch.setenv(k, v)
    r = CliRunner().invoke(cli, ["data", "pull", "--source", "jqdatasdk", "--out", str(tmp_path / "j"),
                                 "--start", "2024-01-02", "--end", "2024-01-10", "--what", "fundamentals"])
    assert r.exit_code == 0, r.output
    assert "fundamentals income: 7 reports" in r.output and "fundamentals indicator: 2 reports" in r.output
    assert (tmp_path / "j" / "fundamentals" / "cash_flow.parquet").exists()
    # akshare is the one source still without reports: refused before anything is fetched
    with pytest.raises(SourceError, match=r"supported: baostock, tushare, jqdatasdk\)"):
        AkshareSource(FakeAkshare()).fetch_fundamentals([], None, None)
