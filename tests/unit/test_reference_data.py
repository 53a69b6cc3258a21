"""Reference data on the sample market: industries, concepts, index weights, finance tables,
empty money-flow / billboard frames, fund NAVs via get_extras, avoid_future_data for
fundamentals (issue 3)."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest

from jqlite.errors import ParamsError


def _lithium(store):
    """Sample stocks named ...锂业 listed on 2021-07-29 and 2021-07-30 (store's own tables)."""
    from jqlite.data.sample import sample_sectors
    sec = sample_sectors(store.path)
    s = store.securities
    return sorted(c for c in sec.index if sec.at[c, "sector"] == "new_energy"
                  and sec.at[c, "industry_suffix"] == "锂业"
                  and s.at[c, "start_date"] <= pd.Timestamp("2021-07-29")
                  and s.at[c, "end_date"] >= pd.Timestamp("2021-07-30"))


# ---------------------------------------------------------------------------- industries
def test_get_industry_shape_and_codes(research):
    from jqdata import get_industry
    got = get_industry(["000001.XSHE", "000002.XSHE", "600001.XSHG"], date="2020-01-02")
    # 000001.XSHE 平安银行 (financials, 银行) -> SW2021 股份制银行, CSRC J66, 聚宽 金融 / 银行
    assert got["000001.XSHE"] == {
        "sw_l1": {"industry_code": "801780", "industry_name": "银行I"},
        "sw_l2": {"industry_code": "801783", "industry_name": "股份制银行II"},   # Shenwan index codes
        "sw_l3": {"industry_code": "857831", "industry_name": "股份制银行III"},
        "jq_l1": {"industry_code": "HY007", "industry_name": "金融"},
        "jq_l2": {"industry_code": "HY00701", "industry_name": "银行"},
        "zjw": {"industry_code": "J66", "industry_name": "货币金融服务"},
    }
    assert list(got["000001.XSHE"]) == ["sw_l1", "sw_l2", "sw_l3", "jq_l1", "jq_l2", "zjw"]
    # 000002.XSHE 万科A -> 房地产开发 / 住宅开发, CSRC K70 房地产业
    assert got["000002.XSHE"]["sw_l1"]["industry_code"] == "801180"
    assert got["000002.XSHE"]["sw_l3"] == {"industry_code": "851811", "industry_name": "住宅开发III"}
    assert got["000002.XSHE"]["zjw"] == {"industry_code": "K70", "industry_name": "房地产业"}
    # not in the base sample: synthesised on demand, classified as its base-market twin
    assert got["600001.XSHG"]["sw_l1"]["industry_code"].startswith("801")
    assert get_industry("601633.XSHE", date="2020-01-02") == {"601633.XSHE": {}}   # no valid code
    assert get_industry("000001.XSHE", date="1990-01-01") == {"000001.XSHE": {}}  # before listing


def test_industry_point_in_time_reclassification(research):
    from jqdata import get_industry, get_industry_stocks
    li = _lithium(research)
    # 18 synthetic ...锂业 stocks + 300750 宁德时代, 300014 亿纬锂能, 300073 当升科技 (famous,
    # industry 锂业); the synthetic 600503 瑞创锂业 became 600519 贵州茅台
    assert len(li) == 21
    c = li[0]
    before = get_industry(c, date="2021-07-29")[c]
    after = get_industry(c, date="2021-07-30")[c]
    assert before["sw_l1"] == {"industry_code": "801050", "industry_name": "有色金属I"}
    assert before["sw_l3"]["industry_code"] == "850543"              # 锂 (SW2021 index code)
    assert after["sw_l1"] == {"industry_code": "801730", "industry_name": "电力设备I"}
    assert after["sw_l3"] == {"industry_code": "857371", "industry_name": "锂电池III"}
    # the group's other stocks host classes no group owns (electrical equipment, power, ...):
    # 14 of the 21 keep 锂电池 (12 synthetic + 300750, 300014), the others hold 7 classes
    lith = [x for x in li if get_industry(x, date="2021-07-30")[x]["sw_l3"]["industry_code"] == "857371"]
    assert len(lith) == 14 and {"300750.XSHE", "300014.XSHE"} <= set(lith)
    # 801730 gains exactly the lithium stocks listed on that day (the others were already
    # electrical equipment or never were)
    a = set(get_industry_stocks("801730", date="2021-07-29"))
    b = set(get_industry_stocks("801730", date="2021-07-30"))
    assert b - a == set(lith) and not (a - b)
    assert len(a) == 35 and len(b) == 49


def test_get_industries_names_follow_the_date(research):
    from jqdata import get_industries
    all_l1 = get_industries("sw_l1")
    assert list(all_l1.columns) == ["name", "start_date"]
    assert len(all_l1) == 38 and all_l1.index.is_unique      # every Shenwan L1 code ever
    assert all_l1.loc["801730", "name"] == "电力设备I"     # latest name
    assert get_industries("sw_l1", date="2020-01-02").loc["801730", "name"] == "电气设备I"
    assert get_industries("sw_l1", date="2020-01-02").loc["801030", "name"] == "化工I"
    assert get_industries("jq_l1").loc["HY007", "name"] == "金融"
    zjw = get_industries("zjw")               # 证监会 (CSRC 2012) classification of the sample
    assert len(zjw) == 90 and zjw.loc["C39", "name"] == "计算机、通信和其他电子设备制造业"
    assert zjw.loc["J66", "start_date"] == pd.Timestamp("1991-04-03")   # 平安银行's listing
    assert get_industries("jq_l2").loc["HY00701", "name"] == "银行"
    with pytest.raises(ParamsError, match="sw_l4"):
        get_industries("sw_l4")


def test_get_industry_stocks_lists_listed_members(research):
    from jqdata import get_industry, get_industry_stocks
    banks = get_industry_stocks("801780", date="2020-01-02")
    # 14 synthetic banks - 600258 鑫祥银行 / 600808 深源银行 (became 600276 恒瑞医药 / 600809 山西汾酒)
    # + 12 famous banks (000001 600000 600016 600036 601166 601288 601328 601398 601658 601818
    # 601939 601988)
    assert len(banks) == 24 and banks == sorted(banks)
    assert {"000001.XSHE", "600036.XSHG", "601398.XSHG"} <= set(banks)
    assert all(get_industry(c, "2020-01-02")[c]["sw_l1"]["industry_code"] == "801780" for c in banks)
    with pytest.raises(ParamsError, match="XYZ"):
        get_industry_stocks("XYZ")


def test_concepts(research):
    from jqdata import get_concept, get_concept_stocks, get_concepts
    cs = get_concepts()
    assert list(cs.index) == ["GN001", "GN002", "GN003", "GN004", "GN005", "GN006"]
    assert cs.loc["GN003", "name"] == "5G" and cs.loc["GN003", "start_date"] == pd.Timestamp("2019-06-06")
    assert get_concept_stocks("GN003", date="2019-06-05") == []          # before it existed
    five_g = get_concept_stocks("GN003", date="2019-06-06")
    # 30 before the famous codes: + 000063 中兴通讯 (通信), 000725 京东方A (光电); - the synthetic
    # 博辉通信, 光阳通信, 国远光电 (became 300059, 600000, 601818)
    assert len(five_g) == 29
    c = five_g[0]
    assert {"concept_code": "GN003", "concept_name": "5G"} in get_concept(c, "2019-06-06")[c]["jq_concept"]
    assert {"concept_code": "GN003", "concept_name": "5G"} not in get_concept(c, "2019-06-05")[c]["jq_concept"]
    # 国企改革: half the members join a year after the start
    assert len(get_concept_stocks("GN004", "2016-01-04")) < len(get_concept_stocks("GN004", "2017-01-03"))
    with pytest.raises(ParamsError, match="concept"):
        get_concept_stocks("801780")


# ---------------------------------------------------------------------------- index weights
def test_index_weights_from_circulating_market_cap(research):
    from jqdata import get_index_stocks, get_index_weights
    from jqlite.data.fundamentals import fundamentals_panel
    w = get_index_weights("000300.XSHG", date="2020-03-15")
    assert list(w.columns) == ["date", "weight", "display_name"] and w.index.name == "code"
    assert (w["date"] == "2020-02-28").all()           # last trading day of the previous month
    assert len(w) == 300 and w["weight"].sum() == pytest.approx(100.0)
    assert set(w.index) == set(get_index_stocks("000300.XSHG", date="2020-02-28"))
    # independent: circulating market cap share on 2020-02-28
    p = fundamentals_panel(research)
    i = research.day_index("2020-02-28")
    cap = np.array([p.valuation("circulating_market_cap")[i, research.col(c)] for c in w.index])
    np.testing.assert_allclose(w["weight"].to_numpy(), cap / cap.sum() * 100)
    assert w.loc["000013.XSHE", "display_name"] == "深明钢铁"
    # 0.197232 before the famous large caps joined 000300 (601398 工商银行 alone weighs 8.3 %)
    # 0.159182 with sample generator 4 (generator 5's IPO first-day and dividend models
    # changed the caps); 0.160100 with generator 5: generator 6's December 2019 review keeps
    # the STAR listings of 2019 out (a year of listing before the 2019-10-31 cut-off; the old
    # rule let them in after 60 trading days) and ranks by the year's average cap to the
    # cut-off, so 13 of the 300 members differ and the member caps' total is smaller
    assert w.loc["000013.XSHE", "weight"] == pytest.approx(0.162143, abs=1e-6)
    # 8.329797 with generator 4, 8.307255 with generator 5 (same cause)
    assert w.loc["601398.XSHG", "weight"] == pytest.approx(8.413244, abs=1e-6)
    # the same weights all month; a new month gives new weights
    assert get_index_weights("000300.XSHG", date="2020-03-31")["date"].iloc[0] == "2020-02-28"
    assert get_index_weights("000300.XSHG", date="2020-04-01")["date"].iloc[0] == "2020-03-31"
    assert get_index_weights("399999.XSHE", date="2020-03-15").empty


# ---------------------------------------------------------------------------- securities / extras
def test_get_all_securities_types(research):
    from jqdata import get_all_securities, get_security_info
    d = get_all_securities(["stock", "etf", "index", "fund", "lof", "fja", "fjb"], date="2020-01-02")
    assert set(d["type"]) == {"stock", "etf", "index", "lof", "mmf", "mixture_fund", "stock_fund", "bond_fund",
                              "money_market_fund", "QDII_fund"}
    assert len(get_all_securities(["lof", "fja", "fjb"])) == 10
    assert list(get_all_securities(["fja"]).columns) == ["display_name", "name", "start_date", "end_date", "type"]
    assert len(get_all_securities("etf")) == 92
    assert len(get_all_securities("fja")) == 0
    of = get_all_securities("open_fund")          # 场外基金: every .OF fund, whatever its sub-type
    # 18 with generator 5; generator 6 adds 405 (OF_UNIVERSE_COUNTS), all listed by now
    assert len(of) == 423 and of.index.str.endswith(".OF").all()
    with pytest.raises(ParamsError, match="bogus"):
        get_all_securities(["bogus"])
    info = get_security_info("510300.XSHG")
    assert (info.type, info.display_name, info.parent) == ("etf", "沪深300ETF", None)
    assert get_security_info("000001.XSHE").type == "stock"
    assert get_security_info("000001.XSHE").display_name == "平安银行"


def test_get_extras_nav_and_is_st(research):
    from jqdata import get_extras, get_price
    codes = ["510300.XSHG", "000001.XSHE"]
    u = get_extras("unit_net_value", codes, start_date="2020-01-02", end_date="2020-01-10")
    px = get_price("510300.XSHG", "2020-01-02", "2020-01-10", fields=["close"], fq=None)["close"]
    np.testing.assert_allclose(u["510300.XSHG"].to_numpy(), px.to_numpy())
    assert u["000001.XSHE"].isna().all()              # not a fund
    a = get_extras("acc_net_value", ["510300.XSHG"], end_date="2020-01-10", count=3, df=False)
    post = get_price("510300.XSHG", end_date="2020-01-10", count=3, fields=["close"], fq="post")["close"]
    np.testing.assert_allclose(a["510300.XSHG"], post.to_numpy(), atol=0.0051)  # post prices are rounded
    st = get_extras("is_st", ["000001.XSHE"], start_date="2020-01-02", end_date="2020-01-03")
    assert st.dtypes.iloc[0] == bool
    fp = get_extras("futures_positions", codes, start_date="2020-01-02", end_date="2020-01-03")
    assert fp.isna().all().all()                      # futures infos: NaN for non-futures
    with pytest.raises(ParamsError, match="futures_positions"):   # the message lists the infos
        get_extras("open_interest", codes)


def test_money_flow_and_billboard_have_joinquant_columns(research):
    import jqlite.api.reference as R
    mf = R.get_money_flow(["000001.XSHE"], start_date="2020-01-02", end_date="2020-01-10")
    assert list(mf.columns) == [
        "date", "sec_code", "change_pct", "net_amount_main", "net_pct_main", "net_amount_xl",
        "net_pct_xl", "net_amount_l", "net_pct_l", "net_amount_m", "net_pct_m", "net_amount_s",
        "net_pct_s"]
    assert len(mf) == 7   # 2020-01-02 .. 01-10: 7 trading days, 000001.XSHE trades on each
    assert list(R.get_money_flow("000001.XSHE", count=2, fields=["date", "net_amount_main"]).columns) == \
        ["date", "net_amount_main"]
    bb = R.get_billboard_list(count=5)
    assert list(bb.columns) == [
        "code", "day", "direction", "abnormal_code", "abnormal_name", "sales_depart_name", "rank",
        "buy_value", "buy_rate", "sell_value", "sell_rate", "net_value", "amount", "total_value"]
    with pytest.raises(ParamsError):
        R.get_money_flow(["000001.XSHE"], start_date="2020-01-02", count=3)
    with pytest.raises(ParamsError, match="security_list is required"):
        R.get_money_flow(None, count=3)
    with pytest.raises(ParamsError):
        R.get_billboard_list()
    with pytest.raises(ParamsError):
        R.get_mtss(["000001.XSHE"])


# ---------------------------------------------------------------------------- finance
def test_finance_stk_xr_xd(research):
    from jqdata import finance, query
    t = finance.STK_XR_XD
    df = finance.run_query(query(t).filter(t.code == "000001.XSHE").order_by(t.a_xr_date).limit(3))
    assert list(df.columns)[:6] == ["id", "company_id", "company_name", "code", "report_date", "bonus_type"]
    assert len(df) == 3
    # store xrxd of 000001.XSHE (平安银行 in the sample since the famous codes; sample generator
    # 5, where famous large caps pay every year): 2015-06-09 10派6.95 送转5 (scale 1.5),
    # 2016-06-20 10派3.19, 2017-07-06 10派4.53
    assert df["a_xr_date"].tolist() == [dt.date(2015, 6, 9), dt.date(2016, 6, 20), dt.date(2017, 7, 6)]
    assert df["transfer_ratio"].tolist() == pytest.approx([5.0, 0.0, 0.0])
    assert df["bonus_ratio_rmb"].tolist() == pytest.approx([6.95, 3.19, 4.53])
    assert df["report_date"].tolist() == [dt.date(2014, 12, 31), dt.date(2015, 12, 31), dt.date(2016, 12, 31)]
    assert df["a_registration_date"].iloc[0] == dt.date(2015, 6, 8)
    assert (df["board_plan_pub_date"] < df["a_xr_date"]).all()
    assert df["total_capital_before_transfer"].iloc[0] == pytest.approx(141085.0)
    assert df["total_capital_after_transfer"].iloc[0] == pytest.approx(211628.0)  # x1.5, share counts rounded
    # 派息金额 (万元) = 6.95 / 10 元 x 141085 万股 = 98054.075; the 2016 one on 211628 万股
    assert df["bonus_amount_rmb"].tolist()[:2] == pytest.approx([98054.075, 3.19 / 10 * 211628.0])
    sel = finance.run_query(query(t.code, t.bonus_ratio_rmb).filter(
        t.a_xr_date >= dt.date(2020, 1, 1), t.code == "000001.XSHE"))
    assert list(sel.columns) == ["code", "bonus_ratio_rmb"] and sel["bonus_ratio_rmb"].tolist() == pytest.approx([3.64, 2.96, 3.16, 4.85, 2.81, 4.09])


def test_finance_stk_list_and_capital_change(research):
    from jqdata import finance, query
    lst = finance.run_query(query(finance.STK_LIST).filter(finance.STK_LIST.code == "000001.XSHE"))
    r = lst.iloc[0]
    assert (r["name"], r["short_name"], r["exchange"], r["start_date"], r["end_date"], r["state"]) == \
        ("平安银行", "PAYH", "XSHE", dt.date(1991, 4, 3), None, "正常上市")
    assert len(finance.run_query(query(finance.STK_LIST.code))) == 800
    cc = finance.STK_CAPITAL_CHANGE
    ch = finance.run_query(query(cc.change_date, cc.share_total, cc.share_trade_total)
                           .filter(cc.code == "000001.XSHE").order_by(cc.change_date))
    assert ch["change_date"].tolist()[:3] == [dt.date(2014, 1, 2), dt.date(2015, 6, 9), dt.date(2025, 6, 20)]
    assert ch["share_total"].tolist()[:2] == pytest.approx([141085.0, 211628.0])


def test_finance_errors(research):
    from jqdata import finance, query, valuation
    with pytest.raises(AttributeError, match="STK_SHAREHOLDER_TOP10"):
        finance.STK_SHAREHOLDER_TOP10
    with pytest.raises(AttributeError, match="no column 'bonus'"):
        finance.STK_XR_XD.bonus
    with pytest.raises(ParamsError, match="finance tables"):
        finance.run_query(query(valuation.code))
    with pytest.raises(ParamsError, match="one table"):
        finance.run_query(query(finance.STK_LIST.code, finance.STK_XR_XD.code))


# ---------------------------------------------------------------------------- avoid_future_data
FUTURE_SRC = """
from jqdata import *

def initialize(context):
    set_option('avoid_future_data', True)
    run_daily(check, time='9:30')

def check(context):
    d = context.current_dt.date()
    q = query(valuation.code, valuation.market_cap)
    for label, kw in (('yesterday', dict(date=d - datetime.timedelta(days=1))),
                      ('today', dict(date=d)), ('tomorrow', dict(date=d + datetime.timedelta(days=1))),
                      ('statdate', dict(statDate='2019q3'))):
        try:
            n = len(get_fundamentals(q, **kw))
            log.info('FUT %s ok %d' % (label, n))
        except Exception as e:
            log.info('FUT %s %s %s' % (label, type(e).__name__, e))
    try:
        get_index_weights('000300.XSHG', date=d + datetime.timedelta(days=3))
    except Exception as e:
        log.info('FUT weights %s' % type(e).__name__)
    # a statement-only query for today is allowed (no valuation)
    log.info('FUT income-today ok %d' % len(get_fundamentals(query(indicator.code, indicator.roe), date=d)))
"""


def test_avoid_future_data_in_get_fundamentals(store, run_strategy):
    res = run_strategy(store, FUTURE_SRC, "2020-01-03", "2020-01-03")
    lines = [m.split("FUT ", 1)[1] for m in res.log if "FUT " in m]
    assert lines[0].startswith("yesterday ok ") and int(lines[0].split()[-1]) == 624
    assert lines[1].startswith("today FutureDataError") and "收盘后" in lines[1]
    assert lines[2].startswith("tomorrow FutureDataError")
    assert "get_fundamentals的date(2020-01-04)不能大于当前日期(2020-01-03 09:30:00)" in lines[2]
    assert lines[3].startswith("statdate FutureDataError")
    assert lines[4] == "weights FutureDataError"
    assert lines[5].startswith("income-today ok ")


def test_mtss_frame_and_tick_functions(research):
    import jqdata
    from jqlite.errors import ParamsError
    df = jqdata.get_mtss("000001.XSHE", count=5)
    assert len(df) == 5 and df.columns.tolist()[:3] == ["date", "sec_code", "fin_value"]
    assert jqdata.get_mtss("000001.XSHE", count=5, fields=["fin_value"]).columns.tolist() == ["fin_value"]
    # ticks are synthesised from the minute bars (jqlite.api.ticks): the last 3 of the store
    t = jqdata.get_ticks("000001.XSHE", count=3, fields=["time", "current"], df=True)
    assert [x.strftime("%H:%M") for x in t["time"]] == ["14:58", "14:59", "15:00"]
    with pytest.raises(ParamsError, match="exactly one of start_dt and count"):
        jqdata.get_ticks("000001.XSHE")
    assert jqdata.unsubscribe_all() is None
