"""Every industry code of every scheme JoinQuant serves answers on the sample market, and the
finance tables public files query (STK_ML_QUOTA, STK_EXCHANGE_TRADE_INFO, FUND_MAIN_INFO,
FUND_NET_VALUE, FUND_PORTFOLIO_STOCK, STK_COMPANY_INFO) hold rows whose identities can be
checked by hand (issue 13)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from jqlite.errors import ParamsError


# ---------------------------------------------------------------------------- schemes
def test_every_code_of_every_scheme_has_members(research):
    from jqlite.data import industry_codes as IC
    from jqlite.data.reference import SW_L1
    from jqdata import get_industries
    mem = research.table("industry_members")
    have = mem.groupby("scheme")["industry_code"].apply(set).to_dict()
    sw_l1 = {v[0] for v in SW_L1.values()} | set(IC.SW_RETIRED_L1)
    assert have["sw_l1"] == sw_l1 and len(sw_l1) == 38          # 28 SW2014 + 6 pre-2014 + 4 SW2021
    assert have["sw_l2"] == {v[0] for v in IC.SW2021_L2.values()} and len(have["sw_l2"]) == 134
    assert have["sw_l3"] == {v[0] for v in IC.SW2021_L3.values()} and len(have["sw_l3"]) == 346
    assert have["zjw"] == set(IC.ZJW) and len(have["zjw"]) == 90
    assert have["jq_l1"] == set(IC.JQ_L1) and len(have["jq_l1"]) == 11
    for scheme in ("sw_l1", "sw_l2", "sw_l3", "jq_l1", "jq_l2", "zjw"):   # the listing is the whole scheme
        t = get_industries(scheme)
        assert set(t.index) == have[scheme] and list(t.columns) == ["name", "start_date"]
    assert get_industries("sw_l2").loc["801124", "name"] == "食品加工II"
    assert get_industries("sw_l3").loc["857831", "name"] == "股份制银行III"
    assert get_industries("zjw").loc["A02", "name"] == "林业"
    assert get_industries("jq_l1").loc["HY001", "name"] == "能源"


def test_retired_shenwan_l1_codes_answer_in_their_era(research):
    from jqdata import get_industries, get_industry, get_industry_stocks
    # 801020 采掘 (SW2014) until 2021-07-29: its members became 煤炭 / 石油石化 on 2021-07-30
    mining = get_industry_stocks("801020", date="2021-07-29")
    assert len(mining) >= 3
    assert get_industry_stocks("801020", date="2021-07-30") == []
    for c in mining:
        assert get_industry(c, date="2021-07-29")[c]["sw_l1"] == {"industry_code": "801020", "industry_name": "采掘I"}
        assert get_industry(c, date="2021-07-30")[c]["sw_l1"]["industry_code"] in ("801950", "801960")
    # the pre-2014 standard: 801190 金融服务 holds the banks and brokers until 2014-02-20
    fin = set(get_industry_stocks("801190", date="2014-02-20"))
    banks_after = set(get_industry_stocks("801780", date="2014-02-21"))
    assert get_industry_stocks("801780", date="2014-02-20") == []
    assert banks_after and banks_after <= fin
    assert get_industry_stocks("801190", date="2014-02-21") == []
    for code in ("801060", "801070", "801090", "801100", "801220"):
        assert get_industry_stocks(code, date="2014-01-06"), code
        assert get_industry_stocks(code, date="2015-01-05") == [], code
    on = get_industries("sw_l1", date="2020-01-02")
    assert "801020" in on.index and "801950" not in on.index and "801060" not in on.index
    assert len(on) == 28 and len(get_industries("sw_l1", date="2014-01-06")) == 23
    assert len(get_industries("sw_l1", date="2021-08-02")) == 31


def test_get_industry_agrees_with_get_industry_stocks(research):
    from jqdata import get_industry, get_industry_stocks
    day = "2021-01-04"
    # base-market stocks: codes synthesised on demand (answered, never listed) take their
    # twin's industry but are not members of any list
    stocks = sorted(set(research.securities.query("type == 'stock'")["code"]) - set(research.on_demand))[::37]
    got = get_industry(stocks, date=day)
    checked = 0
    for c in stocks:
        for scheme, v in got[c].items():
            assert c in get_industry_stocks(v["industry_code"], date=day), (c, scheme)
            checked += 1
    assert checked >= 6 * 15
    # the corpus' codes: 801124 食品加工 (SW2021 L2), A02 林业, HY001 能源 have members that day
    for code in ("801124", "A02", "HY001", "C39", "857831"):
        assert get_industry_stocks(code, date=day), code


def test_unknown_codes(research):
    from jqdata import get_industry_stocks
    from jqlite.api._gaps import research_gaps
    # a Shenwan index code the catalogue lacks (SW2014 L2 801021 煤炭开采II): [] and a gap
    assert get_industry_stocks("801021", date="2020-01-02") == []
    assert any("801021" in g["what"] for g in research_gaps())
    for bad in ("XYZ", "12345", "A1"):
        with pytest.raises(ParamsError, match="unknown industry code"):
            get_industry_stocks(bad)


def test_real_store_lacking_a_scheme_answers_empty_with_a_gap(research, monkeypatch):
    """A store without zjw members (the real store): a CSRC code answers [] + a data gap."""
    import jqlite.api.reference as R
    from jqlite.api._gaps import research_gaps
    from jqdata import get_industry_stocks
    full = R._reference(research)
    mem = research.table("industry_members")
    names = research.table("industries")
    lean = R._Reference(mem[mem["scheme"] != "zjw"], names[names["scheme"] != "zjw"])
    monkeypatch.setattr(R, "_reference", lambda store: lean)
    assert get_industry_stocks("J66", date="2020-01-02") == []
    assert any(g["what"] == "industry code J66" for g in research_gaps())
    monkeypatch.setattr(R, "_reference", lambda store: full)
    assert get_industry_stocks("J66", date="2020-01-02")


# ---------------------------------------------------------------------------- finance
def test_stk_ml_quota_identities(research):
    from jqdata import finance, query
    t = finance.STK_ML_QUOTA
    df = finance.run_query(query(t).filter(t.day <= dt.date(2021, 1, 29), t.link_id.in_(["310001", "310002"]))
                           .order_by(t.day))
    assert set(df["link_id"]) == {310001, 310002} and df["day"].iloc[0] == dt.date(2014, 11, 17)
    assert df[df["link_id"] == 310002]["day"].min() == dt.date(2016, 12, 5)      # 深股通 opened
    assert np.allclose(df["sum_amount"], df["buy_amount"] + df["sell_amount"], atol=1e-3)
    assert np.allclose(df["quota_daily"] - df["quota_daily_balance"], df["buy_amount"] - df["sell_amount"], atol=1e-3)
    assert set(df[df["day"] < dt.date(2018, 5, 1)]["quota_daily"]) == {130.0}
    assert set(df[df["day"] >= dt.date(2018, 5, 1)]["quota_daily"]) == {520.0}
    # by hand on one day: sum_amount = 6 % of the day's XSHG stock turnover, in 亿元
    day = pd.Timestamp("2021-01-04")
    i = research.day_index(day, "left")
    sh = [research.col(c) for c in research.securities.query("type == 'stock'")["code"]
          if c.endswith(".XSHG") and c not in research.on_demand]       # market totals: base stocks
    money = np.nansum(research.field("money")[i, sh])
    row = df[(df["day"] == day.date()) & (df["link_id"] == 310001)].iloc[0]
    assert row["sum_amount"] == pytest.approx(0.06 * money / 1e8, abs=2e-4)
    assert (df["buy_amount"] > 0).all() and (df["sell_amount"] > 0).all()


def test_stk_exchange_trade_info_sums(research):
    from jqdata import finance, query
    t = finance.STK_EXCHANGE_TRADE_INFO
    df = finance.run_query(query(t).filter(t.date == dt.date(2021, 1, 4)))
    by = df.set_index("exchange_code")
    assert set(by.index) == {"322001", "322002", "322004", "322005", "322006", "322007"}
    for col in ("money", "volume", "total_market_cap", "circulating_market_cap"):
        # each figure is rounded to 4 decimals: three rounded parts sum within 1.5e-4
        assert by.at["322004", col] == pytest.approx(by.loc[["322005", "322006", "322007"], col].sum(),
                                                     rel=1e-6, abs=1.5e-4)
        assert by.at["322001", col] == by.at["322002", col]
    i = research.day_index(pd.Timestamp("2021-01-04"), "left")
    sz = [research.col(c) for c in research.securities.query("type == 'stock'")["code"]
          if c.endswith(".XSHE") and c not in research.on_demand]
    assert by.at["322004", "money"] == pytest.approx(np.nansum(research.field("money")[i, sz]) / 1e8, abs=1e-3)
    assert by.at["322004", "turnover_ratio"] == pytest.approx(
        by.at["322004", "money"] / by.at["322004", "circulating_market_cap"] * 100, rel=1e-3)
    assert (df["pe_average"] > 0).all()
    # the corpus' query: the last 2500 rows of 上海A股 before a day, newest first
    q = finance.run_query(query(t).filter(t.date <= dt.date(2021, 3, 1), t.exchange_code == "322002")
                          .order_by(t.date.desc()).limit(2500))
    assert len(q) == 1743 and q["date"].iloc[0] == dt.date(2021, 3, 1)     # every trading day
    # pe_average needs TTM earnings: from the sample's first four reports on
    assert (q.loc[q["date"] >= dt.date(2015, 6, 1), "pe_average"] > 0).all()


def test_fund_tables(research):
    from jqdata import finance, query
    m = finance.FUND_MAIN_INFO
    funds = finance.run_query(query(m).filter(m.underlying_asset_type == "股票型", m.operate_mode == "开放式基金",
                                              m.start_date < dt.date(2020, 7, 1), m.end_date == None))  # noqa: E711
    assert {"161725", "110022"} <= set(funds["main_code"])
    # invest style ids as public files filter them (005001 股票型, 005005 偏股混合型)
    sty = finance.run_query(query(m.main_code, m.underlying_asset_type, m.invest_style_id)
                            .filter(m.invest_style_id.in_(["005001", "005005"])))
    assert len(sty) > 0 and set(sty["underlying_asset_type"]) <= {"股票型", "混合型"}
    assert set(sty.loc[sty.underlying_asset_type == "股票型", "invest_style_id"]) == {"005001"}
    nv = finance.FUND_NET_VALUE
    v = finance.run_query(query(nv).filter(nv.code == "161725", nv.day > dt.date(2020, 7, 1),
                                           nv.day < dt.date(2021, 1, 1)))
    assert len(v) > 88
    fac = research.field("factor")[:, research.col("161725.OF")]
    close = research.field("close")[:, research.col("161725.OF")]
    i = research.day_index(pd.Timestamp(v["day"].iloc[-1]), "left")
    assert v["net_value"].iloc[-1] == pytest.approx(close[i])
    assert v["sum_value"].iloc[-1] == pytest.approx(close[i] * fac[i], abs=1e-4)
    p = finance.FUND_PORTFOLIO_STOCK
    h = finance.run_query(query(p).filter(p.code == "510300", p.period_end == dt.date(2020, 12, 31)))
    assert h["rank"].tolist() == list(range(1, 11))
    assert h["proportion"].is_monotonic_decreasing and h["proportion"].sum() < 90
    assert h["pub_date"].iloc[0] == dt.date(2021, 1, 21) and h["report_type"].iloc[0] == "第四季度"
    # market_cap = proportion / 100 * fund size: one size per fund
    size = (h["market_cap"] / h["proportion"] * 100)
    assert size.max() == pytest.approx(size.min(), rel=1e-3)
    # holdings are 000300 members that day, symbol = 6-digit code
    members = {c[:6] for c in research.index_members("000300.XSHG", pd.Timestamp("2020-12-31"))}
    assert set(h["symbol"]) <= members
    # the corpus' query by stock: holdings of one stock published in a window
    top = h["symbol"].iloc[0]
    by_stock = finance.run_query(query(p).filter(p.symbol == top, p.pub_date > dt.date(2020, 12, 31),
                                                 p.pub_date <= dt.date(2021, 3, 1)))
    assert len(by_stock) >= 1 and by_stock["market_cap"].sum() > 0


def test_stk_company_info_industry_matches_zjw(research):
    from jqdata import finance, get_industry, query
    c = finance.STK_COMPANY_INFO
    df = finance.run_query(query(c.code, c.industry_id, c.industry_1, c.full_name)
                           .filter(c.industry_id.in_(["J66", "J67", "J68", "J69", "K70"])))
    assert "000001.XSHE" in set(df["code"]) and "600519.XSHG" not in set(df["code"])
    r = df.set_index("code").loc["000001.XSHE"]
    assert (r["industry_id"], r["industry_1"], r["full_name"]) == ("J66", "金融业", "平安银行股份有限公司")
    last = research.dates[-1].date()
    one = finance.run_query(query(c.industry_id).filter(c.code == "600519.XSHG"))
    assert one["industry_id"][0] == get_industry("600519.XSHG", date=last)["600519.XSHG"]["zjw"]["industry_code"]


def test_sample_only_finance_table_on_another_store_is_empty_with_a_gap(research, monkeypatch):
    from jqdata import finance, query
    from jqlite.api._gaps import research_gaps
    from jqlite.data import open_store
    other = open_store(research.path)
    monkeypatch.setitem(other.meta, "name", "real")
    monkeypatch.setattr("jqlite.api._binding.active_store", lambda: other)
    df = finance.run_query(query(finance.STK_ML_QUOTA))
    assert df.empty and "quota_daily_balance" in df.columns
    assert any("STK_ML_QUOTA" in g["what"] for g in research_gaps())


def test_jy_tables_it_does_not_serve_raise_a_clear_error(research):
    # jy serves SecuMain and LC_DIndicesForValuation (tests/unit/test_datagaps.py); any
    # other JuYuan table names itself and the database
    from jqlite.api.finance import jy
    with pytest.raises(ParamsError, match=r"jy\.QT_IndexQuote: .*聚源.*SecuMain, LC_DIndicesForValuation"):
        jy.QT_IndexQuote


def test_northbound_holdings_and_top_active(research):
    from jqdata import finance, query
    h = finance.STK_HK_HOLD_INFO
    day = dt.date(2021, 1, 4)
    df = finance.run_query(query(h).filter(h.link_id.in_(["310001", "310002"]), h.day == day))
    members = set(research.index_members("000300.XSHG", pd.Timestamp(day)))
    assert set(df["code"]) == members                     # every 000300 member, one row each
    assert set(df.loc[df["link_id"] == 310001, "code"]) == {c for c in members if c.endswith(".XSHG")}
    i = research.day_index(pd.Timestamp(day), "left")
    from jqlite.data import fundamentals as F
    cap = F.fundamentals_panel(research).valuation("capitalization")
    r = df.set_index("code").loc["600036.XSHG"]
    assert r["share_number"] / (cap[i, research.col("600036.XSHG")] * 1e4) * 100 == pytest.approx(r["share_ratio"], abs=1e-6)
    assert finance.run_query(query(h).filter(h.day == dt.date(2017, 3, 16))).empty    # before HKEX published
    t = finance.STK_EL_TOP_ACTIVATE
    top = finance.run_query(query(t).filter(t.day == day).order_by(t.link_id, t.rank))
    assert top["rank"].tolist() == list(range(1, 11)) * 2
    assert np.allclose(top["buy"] + top["sell"], top["total"], atol=0.02)
    sh = top[top["link_id"] == 310001]
    money = research.field("money")[i]
    assert sh["total"].tolist() == pytest.approx([0.06 * money[research.col(c)] for c in sh["code"]], abs=0.01)
    assert sh["total"].is_monotonic_decreasing


_REAL = __import__("pathlib").Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real"


@pytest.mark.skipif(not (_REAL / "fundamentals" / "sw_industry_history_swsindex.parquet").exists(),
                    reason="real data (shared/data/real) not found")
def test_real_shenwan_history_uses_joinquant_index_codes():
    from jqlite.data.reference import read_real_industries
    t = read_real_industries(_REAL, codes=["000001.XSHE"], start="2021-08-02", end="2021-08-02")
    m = t["industry_members"].set_index("scheme")
    # Shenwan's classification 480301 (股份制银行Ⅲ) is JoinQuant's index 857831, its L2 801783
    assert m.loc["sw_l1", "industry_code"] == "801780"
    assert m.loc["sw_l2", "industry_code"] == "801783" and m.loc["sw_l3", "industry_code"] == "857831"
    names = t["industries"].set_index("industry_code")["name"]
    assert names["801783"] == "股份制银行II" and names["857831"] == "股份制银行III"


def test_audit_opinion_follows_the_annual_reports(research):
    from jqdata import finance, query
    a = finance.STK_AUDIT_OPINION
    df = finance.run_query(query(a).filter(a.code == "000001.XSHE").order_by(a.end_date))
    inc = pd.read_parquet(research.path / "fundamentals" / "income.parquet", columns=["code", "statDate", "pubDate"])
    inc = inc[(inc["code"] == "000001.XSHE") & (pd.to_datetime(inc["statDate"]).dt.month == 12)].sort_values("statDate")
    assert df["end_date"].tolist() == [d.date() for d in pd.to_datetime(inc["statDate"])]
    assert df["pub_date"].tolist() == [d.date() for d in pd.to_datetime(inc["pubDate"])]
    assert set(df["opinion_type"]) == {"标准无保留意见"}          # never ST in the sample
    every = finance.run_query(query(a.code, a.opinion_type_id))
    assert set(every["opinion_type_id"]) == {1, 2}                 # ST stocks get the emphasis paragraph


def test_shenwan_index_members_are_the_industry_members(research):
    """The sample's 801xxx.XSHG indexes and get_industry_stocks use one classification."""
    from jqdata import get_index_stocks, get_industry_stocks
    from jqlite.data.sample import _SW_INDEXES
    for d in ("2016-06-01", "2021-07-29", "2021-08-02"):
        for c in _SW_INDEXES:
            assert set(get_index_stocks(c + ".XSHG", date=d)) == set(get_industry_stocks(c, date=d)), (c, d)


def test_manufacturing_pmi_is_nbs_composite_and_not_seen_early(research, tmp_path):
    from jqdata import macro, query
    t = macro.MAC_MANUFACTURING_PMI
    df = macro.run_query(query(t).filter(t.stat_month >= "2019-01").filter(t.stat_month <= "2019-12"))
    assert df["stat_month"].tolist() == [f"2019-{m:02d}" for m in range(1, 13)]
    # NBS: PMI = 0.30 new orders + 0.25 production + 0.20 employment
    #            + 0.15 (100 - supplier delivery time) + 0.10 raw-material inventory
    comp = (0.30 * df.new_orders_idx + 0.25 * df.produce_idx + 0.20 * df.employ_idx
            + 0.15 * (100 - df.delivery_time_idx) + 0.10 * df.raw_material_idx)
    np.testing.assert_allclose(df.pmi, comp, atol=0.05 + 1e-9)
    assert df.pmi.between(40, 60).all()
    first = macro.run_query(query(t).limit(1))
    assert first["stat_month"].tolist() == ["2005-01"]

    # avoid_future_data: a month's PMI is public on its last day
    from jqlite import run_backtest
    src = ("def initialize(context):\n    set_option('avoid_future_data', True)\n"
           "    run_daily(f, 'open')\n"
           "def f(context):\n    t = macro.MAC_MANUFACTURING_PMI\n"
           "    g.last = macro.run_query(query(t.stat_month).order_by(t.stat_month.desc()).limit(1))"
           "['stat_month'][0]\n")
    p = tmp_path / "pmi.py"
    p.write_text(src, encoding="utf-8")
    r = run_backtest(p, start="2021-03-30", end="2021-04-01", cash=100000, data=research.path,
                     out=tmp_path / "run")
    assert r.error is None and r.run.g.last == "2021-03"          # 03-31 .. 04-01: March is out
    r = run_backtest(p, start="2021-03-29", end="2021-03-30", cash=100000, data=research.path,
                     out=tmp_path / "run2")
    assert r.run.g.last == "2021-02"
