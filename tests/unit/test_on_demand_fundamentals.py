"""Fundamentals of stocks synthesised on demand (jqlite.data.on_demand_fundamentals): the
twin's statements scaled to the stock's size, valuation from its own bars, point in time,
deterministic, answered when named and never listed."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jqlite.data import add_sample_fundamentals
from jqlite.data.on_demand import materialise
from jqlite.data.on_demand_fundamentals import file_of
from jqlite.data.sample import generate_sample_market
from jqlite.data.store import open_store

START, END = "2020-01-02", "2021-06-30"
CODE = "601633.XSHG"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A small sample market with fundamentals (60 stocks, 18 months), no on-demand code."""
    path = tmp_path_factory.mktemp("odf") / "base"
    generate_sample_market(path, n_stocks=60, start=START, end=END)
    add_sample_fundamentals(path)
    return path


@pytest.fixture
def research(base, tmp_path, monkeypatch):
    p = tmp_path / "sample"
    shutil.copytree(base, p)
    monkeypatch.setenv("JQLITE_DATA", str(p))
    from jqlite.api import research as r
    monkeypatch.setattr(r, "research_store", lambda: open_store(p))
    return p


def _q():
    from jqlite.api.fundamentals import income, query, valuation
    return query, valuation, income


def test_valuation_identities_and_pit_pe(research):
    import jqdata
    query, valuation, income = _q()
    day = "2021-03-31"
    df = jqdata.get_fundamentals(query(valuation.code, valuation.market_cap, valuation.capitalization,
                                       valuation.circulating_cap, valuation.circulating_market_cap,
                                       valuation.pe_ratio, valuation.turnover_ratio)
                                 .filter(valuation.code.in_([CODE])), date=day)
    assert list(df["code"]) == [CODE]
    r = df.iloc[0]
    bar = jqdata.get_price(CODE, end_date=day, count=1, fields=["close", "volume"])
    close, vol = float(bar["close"].iloc[-1]), float(bar["volume"].iloc[-1])
    # 亿元 = yuan x 万股 x 1e4 / 1e8
    assert r["market_cap"] == pytest.approx(close * r["capitalization"] / 1e4, rel=1e-12)
    assert r["circulating_market_cap"] == pytest.approx(close * r["circulating_cap"] / 1e4, abs=1e-4)
    assert r["turnover_ratio"] == pytest.approx(vol / (r["circulating_cap"] * 1e4) * 100, abs=1e-4)
    info = open_store(research).on_demand_info[CODE]
    assert r["capitalization"] == info["shares"] / 1e4
    # PE = market cap (yuan) / TTM parent net profit of the reports visible on the day:
    # 2020 annual (YTD Q4) is out by 2021-03-31 only if its pubDate is; build TTM by hand
    inc = pd.read_parquet(file_of(research, CODE, "income"))
    inc = inc[pd.to_datetime(inc["pubDate"]) <= pd.Timestamp(day)].sort_values("statDate")
    last = pd.Timestamp(inc["statDate"].iloc[-1])
    ytd = inc.set_index(pd.to_datetime(inc["statDate"]))["np_parent_company_owners"]
    if last.month == 12:
        ttm = ytd[last]
    else:
        ttm = ytd[last] + ytd[pd.Timestamp(year=last.year - 1, month=12, day=31)] \
            - ytd[pd.Timestamp(year=last.year - 1, month=last.month, day=last.day)]
    assert r["pe_ratio"] == pytest.approx(r["market_cap"] * 1e8 / ttm, abs=1e-4)
    assert 1 < r["market_cap"] < 5000          # a plausible size, in 亿元


def test_statement_invisible_before_pubdate_and_identities(research):
    import jqdata
    query, valuation, income = _q()
    from jqlite.api.fundamentals import balance
    materialise(open_store(research), [CODE])
    inc = pd.read_parquet(file_of(research, CODE, "income"))
    row = inc[pd.to_datetime(inc["statDate"]) == pd.Timestamp("2020-12-31")].iloc[0]
    pub = pd.Timestamp(row["pubDate"])
    q = query(income.code, income.statDate, income.pubDate).filter(income.code == CODE)
    before = jqdata.get_fundamentals(q, date=(pub - pd.Timedelta(1, unit="D")).date())
    on = jqdata.get_fundamentals(q, date=pub.date())
    assert before["statDate"].iloc[0] == "2020-09-30"
    assert on["statDate"].iloc[0] == "2020-12-31" and on["pubDate"].iloc[0] == str(pub.date())
    # twin's announcement dates
    twin = open_store(research).on_demand_info[CODE]["twin"]
    base_inc = pd.read_parquet(Path(research) / "fundamentals" / "income.parquet")
    tw = base_inc[base_inc["code"] == twin].set_index("statDate")["pubDate"]
    assert tw[row["statDate"]] == row["pubDate"]
    b = jqdata.get_fundamentals(query(balance.total_assets, balance.total_liability,
                                      balance.total_owner_equities, balance.paidin_capital)
                                .filter(balance.code == CODE), statDate="2020q4").iloc[0]
    assert b["total_assets"] == pytest.approx(b["total_liability"] + b["total_owner_equities"], rel=1e-9)
    assert 0 < b["paidin_capital"] <= open_store(research).on_demand_info[CODE]["shares"]


def test_unfiltered_queries_unchanged_and_other_apis(research):
    import jqdata
    query, valuation, income = _q()
    q = query(valuation.code, valuation.market_cap).order_by(valuation.code)
    before = jqdata.get_fundamentals(q, date="2021-03-31")
    qi = query(income.code, income.net_profit).order_by(income.code)
    before_i = jqdata.get_fundamentals(qi, date="2021-03-31")
    v = jqdata.get_valuation([CODE, "300168.XSHE"], end_date="2021-03-31", count=3, fields=["pe_ratio", "market_cap"])
    assert set(v["code"]) == {CODE, "300168.XSHE"} and v["market_cap"].notna().all()
    assert open_store(research).on_demand >= {CODE, "300168.XSHE"}
    pd.testing.assert_frame_equal(jqdata.get_fundamentals(q, date="2021-03-31"), before)
    pd.testing.assert_frame_equal(jqdata.get_fundamentals(qi, date="2021-03-31"), before_i)
    h = jqdata.get_history_fundamentals(CODE, [income.np_parent_company_owners], watch_date="2021-06-30",
                                        count=4)
    assert len(h) == 4 and h["np_parent_company_owners"].notna().all()
    named = jqdata.get_fundamentals(query(valuation.code).filter(valuation.code.in_([CODE, "000001.XSHE"])),
                                    date="2021-03-31")
    assert CODE in set(named["code"])


def test_same_code_same_fundamentals_in_two_fresh_stores(base, tmp_path):
    paths = []
    for name in ("a", "b"):
        p = tmp_path / name
        shutil.copytree(base, p)
        materialise(open_store(p), ["300168.XSHE"] if name == "a" else ["600536.XSHG", "300168.XSHE"])
        paths.append(p)
    for t in ("income", "balance", "cash_flow", "indicator", "valuation"):
        a = file_of(paths[0], "300168.XSHE", t).read_bytes()
        b = file_of(paths[1], "300168.XSHE", t).read_bytes()
        assert a == b, t
    # PE exists exactly on the days the twin's does (same announcement dates), same sign
    val = pd.read_parquet(file_of(paths[0], "300168.XSHE", "valuation")).set_index("day")
    twin = open_store(paths[0]).on_demand_info["300168.XSHE"]["twin"]
    tv = pd.read_parquet(Path(paths[0]) / "fundamentals" / "valuation.parquet",
                         filters=[("code", "==", twin)]).set_index("day").reindex(val.index)
    assert np.isfinite(val["pe_ratio"]).sum() > 200
    assert (np.isfinite(val["pe_ratio"]) == np.isfinite(tv["pe_ratio"])).all()
    assert (np.sign(val["pe_ratio"].dropna()) == np.sign(tv["pe_ratio"].dropna())).all()


def test_factor_values_see_them_cross_sectional_ones_say_why_not(research):
    import jqdata
    from jqfactor import get_factor_values
    from jqlite.api._gaps import reset_research_gaps
    reset_research_gaps()
    jqdata.get_price(CODE, end_date="2021-03-31", count=1)          # synthesise it
    with pytest.warns(Warning, match="size is computed over the base market's cross-section"):
        f = get_factor_values([CODE], ["market_cap", "net_profit_ttm", "size"], end_date="2021-03-31", count=1)
    shares = open_store(research).on_demand_info[CODE]["shares"]
    close = float(jqdata.get_price(CODE, end_date="2021-03-31", count=1, fields=["close"])["close"].iloc[-1])
    assert f["market_cap"][CODE].iloc[-1] == pytest.approx(close * shares, rel=1e-6)   # yuan
    assert np.isfinite(f["net_profit_ttm"][CODE].iloc[-1])
    assert f["size"][CODE].isna().all()
