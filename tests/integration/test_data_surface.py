"""Every JoinQuant data function answers on the sample market (research mode): a non-empty,
correctly typed answer with JoinQuant's columns, and no data gap recorded.  Functions the
store cannot serve (money flow, billboard, margin trading) answer empty with JoinQuant's
columns and a recorded gap (issue 13)."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest

from jqlite.api import _gaps

DAY = "2021-03-31"


@pytest.fixture(scope="module")
def store():
    from jqlite.data import ensure_default_store
    return ensure_default_store(progress=False)


@pytest.fixture
def J(store, monkeypatch):
    monkeypatch.setenv("JQLITE_DATA", str(store.path))
    _gaps.reset_research_gaps()
    import jqdata
    yield jqdata
    gaps = [g for g in _gaps.research_gaps()]
    _gaps.reset_research_gaps()
    assert not gaps, f"data gaps on the sample market: {gaps}"


def test_prices_and_bars(J):
    df = J.get_price("000001.XSHE", end_date=DAY, count=5)
    assert list(df.columns) == ["open", "close", "high", "low", "volume", "money"]
    assert len(df) == 5 and isinstance(df.index, pd.DatetimeIndex) and df.notna().all().all()
    for code in ("600519.XSHG", "510300.XSHG", "513100.XSHG", "511880.XSHG", "000852.XSHG", "399006.XSHE",
                 "801780.XSHG", "161725.XSHE"):
        p = J.get_price(code, end_date=DAY, count=3, fields=["close"])["close"]
        assert len(p) == 3 and (p > 0).all(), code
    long = J.get_price(["000001.XSHE", "600036.XSHG"], end_date=DAY, count=2, fields=["close"], panel=False)
    assert set(long["code"]) == {"000001.XSHE", "600036.XSHG"} and len(long) == 4
    bars = J.get_bars("000001.XSHE", 3, "1d", fields=["date", "close"], end_dt=DAY)
    assert bars["close"].dtype == np.float64 and len(bars) == 3


def test_calendar_and_securities(J):
    days = J.get_trade_days(end_date=DAY, count=3)
    assert len(days) == 3 and isinstance(days[0], dt.date) and days[-1] == dt.date(2021, 3, 31)
    assert len(J.get_all_trade_days()) > 2900
    cols = ["display_name", "name", "start_date", "end_date", "type"]
    for types, at_least in ((["stock"], 600), (["etf"], 60), (["lof"], 5), (["mmf"], 4), (["index"], 40),
                            (["open_fund"], 15), (["fund"], 100)):
        a = J.get_all_securities(types, date=DAY)
        assert list(a.columns) == cols and len(a) >= at_least, types
    info = J.get_security_info("600519.XSHG")
    assert (info.display_name, info.type, info.start_date) == ("贵州茅台", "stock", dt.date(2001, 8, 27))
    assert J.get_security_info("511880.XSHG").type == "mmf"
    assert J.normalize_code("000001") == "000001.XSHE"


def test_index_industry_concept(J):
    for idx, n in (("000300.XSHG", 300), ("000016.XSHG", 50), ("000905.XSHG", None), ("000852.XSHG", None),
                   ("399006.XSHE", 100), ("399001.XSHE", None), ("801780.XSHG", None)):
        m = J.get_index_stocks(idx, date=DAY)
        assert m and all(isinstance(c, str) for c in m), idx
        if n:
            assert len(m) == n, idx
    w = J.get_index_weights("000300.XSHG", date=DAY)
    assert list(w.columns) == ["date", "weight", "display_name"] and w["weight"].sum() == pytest.approx(100)
    ind = J.get_industry(["000001.XSHE", "600519.XSHG"], date=DAY)
    assert set(ind["600519.XSHG"]) == {"sw_l1", "sw_l2", "sw_l3", "jq_l1", "jq_l2", "zjw"}
    assert ind["600519.XSHG"]["zjw"]["industry_code"] == "C15"
    for scheme in ("sw_l1", "sw_l2", "sw_l3", "jq_l1", "jq_l2", "zjw"):
        t = J.get_industries(scheme)
        assert list(t.columns) == ["name", "start_date"] and len(t) > 5, scheme
    assert "600519.XSHG" in J.get_industry_stocks("C15", date=DAY)
    assert "000001.XSHE" in J.get_industry_stocks("801780", date=DAY)
    c = J.get_concepts()
    assert list(c.columns) == ["name", "start_date"] and len(c) >= 6
    assert J.get_concept_stocks("GN001", date=DAY)
    con = J.get_concept("000001.XSHE", date=DAY)
    assert isinstance(con["000001.XSHE"]["jq_concept"], list)


def test_extras(J):
    st = J.get_extras("is_st", ["000001.XSHE", "600519.XSHG"], end_date=DAY, count=3)
    assert st.shape == (3, 2) and (st.dtypes == bool).all() and not st.any().any()
    u = J.get_extras("unit_net_value", ["000001.OF", "217022.OF", "510300.XSHG"], end_date=DAY, count=3)
    a = J.get_extras("acc_net_value", ["217022.OF"], end_date=DAY, count=3)
    assert u.notna().all().all() and (u > 0).all().all()
    assert (a["217022.OF"] > u["217022.OF"]).all()       # bond fund paid distributions


def test_fundamentals_every_table_every_column(J):
    from jqlite.data import fundamentals as F
    for name in F.TABLES:
        df = J.get_fundamentals(J.query(getattr(J, name)), date=DAY)
        keys = ["id", "code", "day"] + ([] if name == "valuation" else ["pubDate", "statDate"])
        assert list(df.columns) == keys + list(F.COLUMNS[name]), name
        assert len(df) >= 600, name
        filled = df[list(F.COLUMNS[name])].notna().mean()
        assert (filled > 0.5).all(), (name, filled[filled <= 0.5].to_dict())
    b = J.get_fundamentals(J.query(J.balance.code, J.balance.total_assets, J.balance.total_liability,
                                   J.balance.total_owner_equities), date=DAY)
    np.testing.assert_allclose(b["total_assets"], b["total_liability"] + b["total_owner_equities"], rtol=1e-9)
    y = J.get_fundamentals(J.query(J.income.code, J.income.net_profit), statDate="2020")
    assert len(y) >= 600 and y["net_profit"].notna().all()
    c = J.get_fundamentals_continuously(J.query(J.valuation.code, J.valuation.market_cap), end_date=DAY,
                                        count=3, panel=False)
    assert list(c.columns[:2]) == ["code", "market_cap"] or {"code", "day", "market_cap"} <= set(c.columns)
    v = J.get_valuation(["000001.XSHE"], end_date=DAY, count=3, fields=["market_cap", "dividend_ratio", "free_cap"])
    assert len(v) == 3 and v[["market_cap", "free_cap"]].notna().all().all()
    h = J.get_history_fundamentals(["600519.XSHG"], ["balance.total_assets", "cash_flow.net_operate_cash_flow",
                                                     "indicator.eps"], watch_date=DAY, count=4)
    assert len(h) == 4 and h[["total_assets", "net_operate_cash_flow", "eps"]].notna().all().all()


def test_finance_tables(J):
    q = J.query
    x = J.finance.run_query(q(J.finance.STK_XR_XD).filter(J.finance.STK_XR_XD.code == "600519.XSHG"))
    assert len(x) > 0 and "bonus_ratio_rmb" in x.columns
    lst = J.finance.run_query(q(J.finance.STK_LIST).filter(J.finance.STK_LIST.code == "600519.XSHG"))
    assert lst["name"].iloc[0] == "贵州茅台"
    cc = J.finance.run_query(q(J.finance.STK_CAPITAL_CHANGE).limit(5))
    assert len(cc) == 5


def test_factors(J):
    import jqfactor
    all_f = jqfactor.get_all_factors()
    assert list(all_f.columns)[:2] == ["factor", "factor_intro"]
    need = {"sales_growth", "DEGM_8y", "TVSTD20", "total_profit_growth_rate", "earnings_growth", "roic_ttm"}
    assert need <= set(all_f["factor"])
    codes = J.get_index_stocks("000300.XSHG", date=DAY)[:40]
    r = jqfactor.get_factor_values(codes, sorted(need), end_date=DAY, count=2)
    for n in need:
        assert r[n].shape == (2, 40) and r[n].iloc[-1].notna().mean() > 0.8, n
    w = jqfactor.winsorize_med(r["roic_ttm"].iloc[-1], scale=3)
    s = jqfactor.standardlize(w)
    assert abs(s.mean()) < 1e-9


def test_missing_data_answers_empty_with_a_gap(tmp_path, monkeypatch):
    # a store that is not the sample market has no money flow / billboard / margin data
    from jqlite.testing import tiny_store
    tiny = tiny_store(tmp_path / "tiny", {"000001.XSHE": [10.0, 10.2, 10.1]}, start="2021-03-01")
    monkeypatch.setenv("JQLITE_DATA", str(tiny.path))
    _gaps.reset_research_gaps()
    import jqdata as J
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mf = J.get_money_flow(["000001.XSHE"], start_date="2021-03-01", end_date="2021-03-03")
        bb = J.get_billboard_list(start_date="2021-03-01", end_date="2021-03-03")
        mt = J.get_mtss(["000001.XSHE"], start_date="2021-03-01", end_date="2021-03-03")
    assert mf.empty and "net_amount_main" in mf.columns
    assert bb.empty and "abnormal_name" in bb.columns
    assert mt.empty and "fin_value" in mt.columns
    assert {g["api"] for g in _gaps.research_gaps()} == {"get_money_flow", "get_billboard_list", "get_mtss"}
    _gaps.reset_research_gaps()


def test_sample_market_answers_money_flow_billboard_and_margin(J):
    mf = J.get_money_flow(["000001.XSHE"], start_date="2021-03-01", end_date=DAY)
    bb = J.get_billboard_list(start_date="2021-03-01", end_date=DAY)
    mt = J.get_mtss(["000001.XSHE", "600519.XSHG"], start_date="2021-03-01", end_date=DAY)
    assert len(mf) > 0 and mf["net_amount_main"].notna().all()
    assert len(bb) > 0 and set(bb["direction"]) == {"ALL", "BUY", "SELL"}
    assert len(mt) > 0 and (mt["fin_value"] > 0).all()
    assert len(J.get_margincash_stocks(DAY)) > 100