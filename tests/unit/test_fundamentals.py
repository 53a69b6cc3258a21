"""Point-in-time fundamentals: store layout, panel API and get_fundamentals(query(...))."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jqlite.data.fundamentals import (FACTOR_FIELDS, fundamentals_panel, write_fundamentals)
from jqlite.data.store import open_store
from jqlite.data.writer import write_store
from jqlite.errors import DataValidationError, ParamsError

REAL = Path("/work/shared/data/real")
CODES = ["000001.XSHE", "000002.XSHE", "600000.XSHG"]


def _bars(days, codes):
    rows = []
    for j, c in enumerate(codes):
        for i, d in enumerate(days):
            px = 10.0 + j + 0.01 * i
            rows.append(dict(date=d, code=c, open=px, close=px, high=px, low=px, volume=1e6,
                             money=px * 1e6, pre_close=px, high_limit=px * 1.1, low_limit=px * 0.9,
                             paused=0, factor=1.0))
    return pd.DataFrame(rows)


def _make_store(path):
    days = pd.bdate_range("2019-01-02", "2020-06-30")
    sec = pd.DataFrame(dict(code=CODES, display_name=["A", "B", "C"], name=["A", "B", "C"],
                            type="stock", start_date=pd.Timestamp("2010-01-01"),
                            end_date=pd.Timestamp("2200-01-01"),
                            board=["sz_main", "sz_main", "sh_main"]))
    write_store(path, {"calendar": pd.DataFrame({"date": days}), "securities": sec,
                       "bars_daily": _bars(days, CODES)}, name="t", source="test")
    return days


def _reports():
    # 000001: cumulative YTD net_profit 10, 25, 45, 70 for 2019 Q1..Q4, then 2020Q1 = 12
    inc = pd.DataFrame({
        "code": ["000001.XSHE"] * 5 + ["000002.XSHE"] * 2,
        "statDate": ["2019-03-31", "2019-06-30", "2019-09-30", "2019-12-31", "2020-03-31",
                     "2019-12-31", "2020-03-31"],
        "pubDate": ["2019-04-20", "2019-08-20", "2019-10-25", "2020-03-20", "2020-04-28",
                    "2020-04-10", "2020-04-29"],
        "net_profit": [10.0, 25.0, 45.0, 70.0, 12.0, 100.0, 30.0],
        "total_operating_revenue": [100.0, 210.0, 330.0, 460.0, 120.0, 1000.0, 300.0],
        "other_income": [1.0, 3.0, 6.0, 10.0, 2.0, 7.0, 1.5],
    })
    bal = pd.DataFrame({
        "code": ["000001.XSHE", "000001.XSHE", "000002.XSHE"],
        "statDate": ["2019-12-31", "2020-03-31", "2020-03-31"],
        "pubDate": ["2020-03-20", "2020-04-28", "2020-04-29"],
        "total_assets": [1000.0, 1100.0, 5000.0],
        "total_liability": [600.0, 650.0, 4000.0],
        "total_owner_equities": [400.0, 450.0, 1000.0],
    })
    days = pd.bdate_range("2019-01-02", "2020-06-30")
    val = []
    for d in days:
        for j, c in enumerate(CODES):
            val.append(dict(day=d, code=c, market_cap=100.0 * (j + 1), pe_ratio=5.0 + 10 * j,
                            capitalization=1e4 * (j + 1), turnover_ratio=1.0))
    return {"income": inc, "balance": bal, "valuation": pd.DataFrame(val)}


@pytest.fixture
def fstore(tmp_path, monkeypatch):
    path = tmp_path / "store"
    _make_store(path)
    write_fundamentals(path, _reports())
    monkeypatch.setenv("JQLITE_DATA", str(path))
    return open_store(path)


# ---------------------------------------------------------------------------- panel
def test_report_visible_only_after_pubdate(fstore):
    p = fundamentals_panel(fstore)
    np_ = p.latest("income", "net_profit")
    j = fstore.code_index["000001.XSHE"]
    before = fstore.day_index("2020-03-19")
    on = fstore.day_index("2020-03-20")
    # before 2020-03-20 the latest visible is 2019Q3: single quarter 45-25 = 20
    assert np_[before, j] == pytest.approx(20.0)
    # from the pub date: Q4 single quarter = 70 - 45
    assert np_[on, j] == pytest.approx(25.0)
    assert np.isnan(np_[fstore.day_index("2019-04-19"), j])
    assert np_[fstore.day_index("2019-04-22"), j] == pytest.approx(10.0)
    ytd = p.latest("income", "net_profit", ytd=True)
    assert ytd[on, j] == pytest.approx(70.0)
    # lag=1: the quarter before the latest
    assert p.latest("income", "net_profit", lag=1)[on, j] == pytest.approx(20.0)


def test_ttm_from_cumulative(fstore):
    p = fundamentals_panel(fstore)
    t = p.ttm("income", "net_profit")
    j = fstore.code_index["000001.XSHE"]
    # after 2019Q4: Q1..Q4 = 10 + 15 + 20 + 25 = 70
    assert t[fstore.day_index("2020-03-25"), j] == pytest.approx(70.0)
    # after 2020Q1: 2019Q2..Q4 + 2020Q1 = 15 + 20 + 25 + 12
    assert t[fstore.day_index("2020-05-06"), j] == pytest.approx(72.0)
    assert np.isnan(t[fstore.day_index("2019-12-31"), j])   # only 3 quarters known
    j2 = fstore.code_index["000002.XSHE"]
    assert np.isnan(t[-1, j2])   # quarters missing


def test_valuation_panel_and_has(fstore):
    p = fundamentals_panel(fstore)
    assert p.has("valuation", "market_cap") and not p.has("valuation", "pb_ratio")
    assert p.has("income", "net_profit") and not p.has("income", "operating_cost")
    mc = p.valuation("market_cap")
    assert mc.shape == (fstore.n_days, fstore.n_securities)
    assert mc[0, fstore.code_index["600000.XSHG"]] == 300.0
    assert np.isnan(p.valuation("pb_ratio")).all()
    assert fundamentals_panel(fstore) is p


def test_valuation_rows_read_without_the_whole_column(tmp_path):
    """``valuation(column, rows=...)`` (what factor passes use) reads the rows from a dense
    file written once, never holding the whole column; same values as the full column,
    NaN where the store has no valuation row that day."""
    path = tmp_path / "store"
    _make_store(path)
    rep = _reports()
    v = rep["valuation"]
    gap = (v["code"] == "000002.XSHE") & (v["day"] == pd.Timestamp("2019-01-15"))
    rep["valuation"] = v[~gap].reset_index(drop=True)
    write_fundamentals(path, rep)
    st = open_store(path)
    p = fundamentals_panel(st)
    d0 = st.day_index("2019-01-14")
    part = p.valuation("market_cap", rows=slice(d0, d0 + 3))
    assert p._val == {} and p._val_present is None        # neither the column nor its index kept
    files = list((path / ".valuation_panels").glob("*/market_cap.npy"))
    assert len(files) == 1
    j1, j2, j3 = (st.code_index[c] for c in CODES)
    assert part.shape == (3, st.n_securities) and not part.flags.writeable
    np.testing.assert_array_equal(part[:, j1], [100.0] * 3)
    np.testing.assert_array_equal(part[:, j2], [200.0, np.nan, 200.0])   # no row on 01-15
    np.testing.assert_array_equal(part[:, j3], [300.0] * 3)
    again = p.valuation("market_cap", rows=slice(d0, d0 + 3))        # from the file
    np.testing.assert_array_equal(again, part)
    full = p.valuation("market_cap")
    np.testing.assert_array_equal(full[d0:d0 + 3], part)
    assert np.isnan(p.valuation("pb_ratio", rows=slice(0, 5))).all()   # column not stored
    # a factor pass over those rows gives the same market cap as from the full column
    from jqlite.factors.base import Ctx
    ctx = Ctx(st, d0, d0 + 2, p)
    np.testing.assert_array_equal(ctx.val("market_cap"), full[d0:d0 + 3])


# ---------------------------------------------------------------------------- writer
def test_writer_rejects_bad_tables_and_keeps_store(fstore):
    path = fstore.path
    bad = _reports()["income"].copy()
    bad.loc[0, "pubDate"] = "2019-03-01"
    with pytest.raises(DataValidationError, match="pubDate before statDate"):
        write_fundamentals(path, {"income": bad})
    dup = pd.concat([_reports()["income"], _reports()["income"].iloc[:1]])
    with pytest.raises(DataValidationError, match="duplicate"):
        write_fundamentals(path, {"income": dup})
    with pytest.raises(DataValidationError, match="missing required"):
        write_fundamentals(path, {"income": _reports()["income"].drop(columns=["pubDate"])})
    with pytest.raises(DataValidationError, match="not JoinQuant income columns"):
        write_fundamentals(path, {"income": _reports()["income"].assign(foo=1.0)})
    assert (path / "fundamentals" / "income.parquet").exists()
    assert not [p for p in path.iterdir() if p.name.startswith(".fundamentals")]
    df = pd.read_parquet(path / "fundamentals" / "income.parquet")
    assert len(df) == 7


# ---------------------------------------------------------------------------- query API
def test_get_fundamentals_pit(fstore):
    from jqlite.api.fundamentals import get_fundamentals, income, query
    q = query(income.code, income.net_profit, income.statDate, income.pubDate)
    a = get_fundamentals(q, date="2020-03-19").set_index("code")
    b = get_fundamentals(q, date="2020-03-20").set_index("code")
    assert a.loc["000001.XSHE", "statDate"] == "2019-09-30"
    assert a.loc["000001.XSHE", "net_profit"] == pytest.approx(20.0)
    assert "000002.XSHE" not in a.index
    assert b.loc["000001.XSHE", "statDate"] == "2019-12-31"
    assert b.loc["000001.XSHE", "pubDate"] == "2020-03-20"
    assert b.loc["000001.XSHE", "net_profit"] == pytest.approx(25.0)


def test_jqdatasdk_column_names_are_aliases(fstore):
    """``income.other_earnings`` / ``asset_deal_income`` and ``balance.pepertual_liability_equity``
    (JoinQuant's own spellings, jqdatasdk ``finance_tables.py``) read the columns jqlite stores."""
    from jqlite.api.fundamentals import balance, get_fundamentals, income, query
    q = query(income.code, income.other_earnings, income.other_income, income.asset_deal_income,
              balance.pepertual_liability_equity).filter(income.other_earnings > 2.5)
    b = get_fundamentals(q, date="2020-03-20").set_index("code")
    # 000001 Q4 single quarter 10 - 6 = 4 under both names; 000002 (no report yet) absent
    assert b.index.tolist() == ["000001.XSHE"]
    assert b.loc["000001.XSHE", "other_earnings"] == b.loc["000001.XSHE", "other_income"] == pytest.approx(4.0)
    assert np.isnan(b.loc["000001.XSHE", "asset_deal_income"])
    y = get_fundamentals(query(income.code, income.other_earnings), statDate="2019").set_index("code")
    assert y.loc["000001.XSHE", "other_earnings"] == pytest.approx(10.0)   # the annual YTD
    with pytest.raises(AttributeError, match="has no column 'other_earning'"):
        income.other_earning


def test_filter_order_limit(fstore):
    from jqlite.api.fundamentals import get_fundamentals, or_, query, valuation
    q = (query(valuation.code, valuation.market_cap)
         .filter(valuation.market_cap > 150).order_by(valuation.market_cap.desc()))
    df = get_fundamentals(q, date="2020-01-06")
    assert list(df["code"]) == ["600000.XSHG", "000002.XSHE"]
    assert list(df.columns) == ["code", "market_cap"]
    df = get_fundamentals(q.limit(1), date="2020-01-06")
    assert list(df["code"]) == ["600000.XSHG"]
    q2 = query(valuation).filter(valuation.code.in_(["000001.XSHE", "600000.XSHG"]),
                                 or_(valuation.pe_ratio < 10, valuation.pe_ratio > 20))
    df = get_fundamentals(q2, date="2020-01-06")
    assert sorted(df["code"]) == ["000001.XSHE", "600000.XSHG"]
    assert {"code", "day", "market_cap", "pe_ratio"} <= set(df.columns)
    assert set(df["day"]) == {"2020-01-06"}


def test_order_by_a_table_the_query_does_not_select(fstore):
    """``query(valuation.code).order_by(balance.x.desc())`` (a real public file): the ordering
    table is joined on code like a selected one (DuckDB raised a binder error before)."""
    from jqlite.api.fundamentals import balance, get_fundamentals, query, valuation
    q = query(valuation.code).order_by(balance.total_assets.desc())
    df = get_fundamentals(q, date="2020-05-06")
    # 000002 (5000) before 000001 (1100, its 2020-03-31 report published 04-28); 600000 has
    # no balance sheet: dropped by the join on code, as for a selected balance column
    assert list(df["code"]) == ["000002.XSHE", "000001.XSHE"]
    assert list(df.columns) == ["code"]


def test_join_and_arithmetic(fstore):
    from jqlite.api.fundamentals import balance, get_fundamentals, query, valuation
    q = query(valuation.code, valuation.market_cap,
              (balance.total_liability / balance.total_assets).label("lev"))
    df = get_fundamentals(q, date="2020-05-06").set_index("code")
    assert df.loc["000001.XSHE", "lev"] == pytest.approx(650 / 1100)
    assert df.loc["000002.XSHE", "lev"] == pytest.approx(0.8)
    assert "600000.XSHG" not in df.index   # no balance sheet: inner join on code


def test_stat_date_queries(fstore):
    from jqlite.api.fundamentals import get_fundamentals, income, query
    q = query(income.code, income.net_profit, income.statDate)
    y = get_fundamentals(q, statDate="2019").set_index("code")
    assert y.loc["000001.XSHE", "net_profit"] == pytest.approx(70.0)     # full year
    assert y.loc["000002.XSHE", "net_profit"] == pytest.approx(100.0)
    q3 = get_fundamentals(q, statDate="2019q3").set_index("code")
    assert q3.loc["000001.XSHE", "net_profit"] == pytest.approx(20.0)    # single quarter
    assert q3.loc["000001.XSHE", "statDate"] == "2019-09-30"
    with pytest.raises(ParamsError):
        get_fundamentals(q, date="2020-01-01", statDate="2019")
    with pytest.raises(ParamsError):
        get_fundamentals(q, statDate="2019q5")


def test_unknown_column_and_table_errors(fstore):
    from jqlite.api import fundamentals as api
    with pytest.raises(AttributeError, match=r"valuation.*no_such_col|no_such_col.*valuation"):
        api.valuation.no_such_col
    with pytest.raises(AttributeError, match="income"):
        api.income.market_cap
    with pytest.raises(AttributeError, match="foo_table"):
        getattr(api, "foo_table")
    with pytest.raises(ParamsError, match="foo"):
        api.get_history_fundamentals("000001.XSHE", ["foo.bar"], stat_date="2019q4")


def test_default_date_research_is_last_day(fstore):
    from jqlite.api.fundamentals import get_fundamentals, query, valuation
    df = get_fundamentals(query(valuation.code, valuation.day))
    assert set(df["day"]) == {str(fstore.dates[-1].date())}


def test_non_trading_day_carries_valuation(fstore):
    from jqlite.api.fundamentals import get_fundamentals, query, valuation
    df = get_fundamentals(query(valuation.code, valuation.market_cap, valuation.turnover_ratio,
                                valuation.day), date="2020-01-05")   # Sunday
    assert set(df["day"]) == {"2020-01-05"}
    assert df["market_cap"].notna().all() and df["turnover_ratio"].isna().all()


def test_continuously_valuation_history(fstore):
    from jqlite.api.fundamentals import (get_fundamentals_continuously, get_history_fundamentals,
                                         get_valuation, income, query, valuation)
    q = query(valuation.market_cap).filter(valuation.code.in_(["000001.XSHE", "000002.XSHE"]))
    df = get_fundamentals_continuously(q, end_date="2020-01-10", count=3, panel=False)
    assert len(df) == 6 and list(df["code"])[:3] == ["000001.XSHE"] * 3
    assert list(df["day"])[:3] == ["2020-01-08", "2020-01-09", "2020-01-10"]
    wide = get_fundamentals_continuously(q, end_date="2020-01-10", count=3)
    assert wide["market_cap"].shape == (3, 2)
    v = get_valuation(["000001.XSHE"], end_date="2020-01-10", count=2, fields=["market_cap"])
    assert list(v.columns) == ["code", "day", "market_cap"]
    assert v["day"].tolist() == [dt.date(2020, 1, 9), dt.date(2020, 1, 10)]
    h = get_history_fundamentals("000001.XSHE", [income.net_profit], stat_date="2020q1", count=4)
    assert h["statDate"].tolist() == ["2019-06-30", "2019-09-30", "2019-12-31", "2020-03-31"]
    assert h["net_profit"].tolist() == pytest.approx([15, 20, 25, 12])
    h = get_history_fundamentals("000001.XSHE", ["income.net_profit"], watch_date="2020-03-19", count=2)
    assert h["statDate"].tolist() == ["2019-06-30", "2019-09-30"]
    # key columns named among the fields (income.code): the result's own code column
    h = get_history_fundamentals("000001.XSHE", [income.code, income.net_profit], stat_date="2020q1", count=2)
    assert list(h.columns) == ["code", "statDate", "net_profit"]
    assert h["net_profit"].tolist() == pytest.approx([25, 12])
    with pytest.raises(ParamsError):
        get_history_fundamentals("000001.XSHE", [income.code], stat_date="2020q1")


def test_desc_of_an_operand_sorts_the_whole_order_by_term(fstore):
    from jqlite.api.fundamentals import get_fundamentals, query, valuation
    # pe / market_cap: 5/100 = 0.05, 15/200 = 0.075, 25/300 = 0.0833; ``.desc()`` written on the
    # divisor sorts the quotient descending, as MySQL reads JoinQuant's SQL ("a / b * 1 DESC")
    q = query(valuation.code).order_by(valuation.pe_ratio / (valuation.market_cap * 1).desc())
    assert list(get_fundamentals(q, date="2020-01-10")["code"]) == CODES[::-1]
    q = query(valuation.code).order_by(valuation.pe_ratio / (valuation.market_cap * 1).asc()).limit(2)
    assert list(get_fundamentals(q, date="2020-01-10")["code"]) == CODES[:2]


def test_continuously_runs_all_days_in_one_query_with_the_per_day_answers(fstore):
    from jqlite.api import fundamentals as FA
    from jqlite.api.fundamentals import get_fundamentals_continuously, income, query, valuation
    # two tables joined on code and day; 000001's 2019Q4 report is public from 2020-03-20:
    # single-quarter net_profit 45 - 25 = 20 before, 70 - 45 = 25 from that day
    q = query(valuation.code, income.net_profit).filter(valuation.code == "000001.XSHE")
    df = get_fundamentals_continuously(q, end_date="2020-03-23", count=3, panel=False)
    assert list(df["day"]) == ["2020-03-19", "2020-03-20", "2020-03-23"]
    assert df["net_profit"].tolist() == pytest.approx([20.0, 25.0, 25.0])
    # the same rows as the query run day by day
    days = [fstore.dates[fstore.day_index("2020-03-23") - k].date() for k in (2, 1, 0)]
    sq = FA.Query(q._entities, q.statement.add_columns(valuation.day))
    one = FA._run_days(sq, FA._panel(fstore), days).sort_values("day").reset_index(drop=True)
    each = pd.concat([FA._run(sq, FA._panel(fstore), d) for d in days], ignore_index=True)
    pd.testing.assert_frame_equal(one[each.columns], each)
    # a LIMIT works per day: not batched (None), one row per day
    lq = query(valuation.code, valuation.market_cap).order_by(valuation.market_cap.desc()).limit(1)
    assert FA._run_days(lq, FA._panel(fstore), days) is None
    assert len(get_fundamentals_continuously(lq, end_date="2020-03-23", count=3, panel=False)) == 3


# ---------------------------------------------------------------------------- sample
def test_sample_fundamentals_add_up(tmp_path):
    from jqlite.data.sample_fundamentals import generate_sample_fundamentals
    path = tmp_path / "store"
    _make_store(path)
    st = open_store(path)
    tables = generate_sample_fundamentals(st, seed=3)
    for t, cols in FACTOR_FIELDS.items():
        missing = [c for c in cols if c not in tables[t].columns]
        assert not missing, (t, missing)
    b = tables["balance"]
    assert np.allclose(b.total_assets, b.total_liability + b.total_owner_equities)
    assert np.allclose(b.total_assets, b.total_current_assets + b.total_non_current_assets)
    assert np.allclose(b.total_liability, b.total_current_liability + b.total_non_current_liability)
    assert np.allclose(b.total_owner_equities, b.equities_parent_company_owners + b.minority_interests)
    i = tables["income"]
    assert np.allclose(i.net_profit, i.total_profit - i.income_tax_expense)
    assert np.allclose(i.net_profit, i.np_parent_company_owners + i.minority_profit)
    lag = (pd.to_datetime(i.pubDate) - pd.to_datetime(i.statDate)).dt.days
    assert lag.between(20, 125).all()
    q4 = pd.to_datetime(i.statDate).dt.month == 12
    assert (pd.to_datetime(i.pubDate[q4]).dt.month.isin([3, 4])).all()
    write_fundamentals(path, tables)
    p = fundamentals_panel(open_store(path))
    cap = p.valuation("market_cap")
    close = st.field("close")
    shares = p.valuation("capitalization")
    ok = ~np.isnan(cap)
    assert ok.any()
    assert np.allclose(cap[ok], close[ok] * shares[ok] * 1e4 / 1e8)
    assert np.isfinite(p.ttm("income", "net_profit")[-1]).any()


# ---------------------------------------------------------------------------- real data
def test_sample_financials_have_no_current_noncurrent_split(tmp_path):
    """Banks / brokers / insurers (SW L1 银行 801780, 非银金融 801790) report no current /
    non-current split: JoinQuant leaves the four subtotals empty (jq_factors.md §11), so a
    ``get_history_fundamentals(...).dropna()`` on them keeps only the industrial company."""
    from jqlite.data.sample_fundamentals import _UNSPLIT_BALANCE_TOTALS, generate_sample_fundamentals
    path = tmp_path / "store"
    days = pd.bdate_range("2019-01-02", "2020-06-30")
    sec = pd.DataFrame(dict(code=CODES, display_name=["A", "B", "C"], name=["A", "B", "C"],
                            type="stock", start_date=pd.Timestamp("2010-01-01"),
                            end_date=pd.Timestamp("2200-01-01"),
                            board=["sz_main", "sz_main", "sh_main"]))
    mem = pd.DataFrame(dict(scheme="sw_l1", industry_code=["801780", "801790", "801120"], code=CODES,
                            start_date="2010-01-01", end_date="2200-01-01"))
    write_store(path, {"calendar": pd.DataFrame({"date": days}), "securities": sec,
                       "bars_daily": _bars(days, CODES), "industry_members": mem}, name="t", source="test")
    b = generate_sample_fundamentals(open_store(path), seed=3)["balance"]
    assert set(b.code) == set(CODES)
    fin = b.code.isin(["000001.XSHE", "000002.XSHE"])
    for k in _UNSPLIT_BALANCE_TOTALS:
        assert b.loc[fin, k].isna().all(), k
        assert np.isfinite(b.loc[~fin, k]).all(), k
    # the items and the other totals stay: assets = liabilities + equity for every company
    assert np.isfinite(b.total_assets).all() and np.isfinite(b.cash_equivalents).all()
    assert np.allclose(b.total_assets, b.total_liability + b.total_owner_equities)
    nf = b[~fin]
    assert np.allclose(nf.total_assets, nf.total_current_assets + nf.total_non_current_assets)
    assert np.allclose(nf.total_liability, nf.total_current_liability + nf.total_non_current_liability)
    kept = b[["code", "total_assets", "total_current_assets", "total_current_liability"]].dropna()
    assert set(kept.code) == {"600000.XSHG"}


@pytest.mark.skipif(not (REAL / "fundamentals").exists(),
                    reason="real data not present: /work/shared/data/real/fundamentals is absent")
def test_real_fundamentals_import(tmp_path):
    from jqlite.data.ingest_fundamentals import read_real_fundamentals
    tables = read_real_fundamentals(REAL, codes=["600036.XSHG", "600519.XSHG"])
    ind = tables["indicator"].set_index(["code", "statDate"])
    roe = ind.loc[("600036.XSHG", pd.Timestamp("2019-12-31")), "roe"]
    assert 1.0 < roe < 6.0    # single-quarter ROE in percent (16.1 % for the year)
    inc = tables["income"].set_index(["code", "statDate"])
    assert inc.loc[("600036.XSHG", pd.Timestamp("2019-12-31")), "net_profit"] == pytest.approx(93.42e9, rel=0.01)
    val = tables["valuation"]
    v = val[(val.code == "600036.XSHG") & (val.day == pd.Timestamp("2019-12-31"))]
    assert v["pe_ratio"].iloc[0] == pytest.approx(10.48, rel=0.01)
    assert v["market_cap"].iloc[0] > 5000   # 亿元


def test_suspended_day_turnover_is_nan(tmp_path, monkeypatch):
    """A stock suspended on D has no turnover on D (NaN, as on a non-trading day), even when
    the store holds 0 (volume 0); its other valuation fields are kept, other stocks' are not
    touched.  JoinQuant has no valuation row on a suspended day (get_valuation skips it)."""
    from jqlite.api.fundamentals import get_fundamentals, get_valuation, query, valuation
    path = tmp_path / "store"
    days = pd.bdate_range("2019-12-30", "2020-01-10")
    bars = _bars(days, CODES)
    sus = (bars["code"] == "000002.XSHE") & (bars["date"] == pd.Timestamp("2020-01-06"))
    bars.loc[sus, ["volume", "money", "paused"]] = [0.0, 0.0, 1]
    sec = pd.DataFrame(dict(code=CODES, display_name=["A", "B", "C"], name=["A", "B", "C"],
                            type="stock", start_date=pd.Timestamp("2010-01-01"),
                            end_date=pd.Timestamp("2200-01-01"),
                            board=["sz_main", "sz_main", "sh_main"]))
    write_store(path, {"calendar": pd.DataFrame({"date": days}), "securities": sec,
                       "bars_daily": bars}, name="t", source="test")
    val = pd.DataFrame([dict(day=d, code=c, market_cap=100.0 * (j + 1),
                             turnover_ratio=0.0 if (c == "000002.XSHE" and d == pd.Timestamp("2020-01-06"))
                             else 1.5 + j)
                        for d in days for j, c in enumerate(CODES)])
    write_fundamentals(path, {"valuation": val})
    monkeypatch.setenv("JQLITE_DATA", str(path))
    q = query(valuation.code, valuation.market_cap, valuation.turnover_ratio)
    df = get_fundamentals(q, date="2020-01-06").set_index("code")
    assert np.isnan(df.loc["000002.XSHE", "turnover_ratio"])
    assert df.loc["000002.XSHE", "market_cap"] == pytest.approx(200.0)
    assert df.loc["000001.XSHE", "turnover_ratio"] == pytest.approx(1.5)
    assert df.loc["600000.XSHG", "turnover_ratio"] == pytest.approx(3.5)
    # the next day it trades again: its own turnover
    df = get_fundamentals(q, date="2020-01-07").set_index("code")
    assert df.loc["000002.XSHE", "turnover_ratio"] == pytest.approx(2.5)
    # a filter on turnover sees NaN (SQL NULL): the suspended stock drops out of "> 0"
    df = get_fundamentals(query(valuation.code).filter(valuation.turnover_ratio > 0), date="2020-01-06")
    assert sorted(df["code"]) == ["000001.XSHE", "600000.XSHG"]
    v = get_valuation(["000002.XSHE"], end_date="2020-01-07", count=3, fields=["turnover_ratio"])
    assert v["day"].tolist() == [dt.date(2020, 1, 3), dt.date(2020, 1, 7)]
