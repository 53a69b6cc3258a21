"""Sample generator 6 (issue 13): CSI review cut-off and listing-age rule, the open-end fund
universe, FUND_PORTFOLIO.  The rule tests use hand-set arrays; the store tests read the
default sample store (``JQLITE_DATA``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from jqlite.data import sample as S


# ------------------------------------------------------------------ review rule (no store)
def _days(a, b):
    from jqlite.data.calendar import xshg_trading_days
    return pd.DatetimeIndex(xshg_trading_days(a, b))


def test_review_cutoff_is_end_of_april_and_october():
    days = _days("2020-01-02", "2021-12-31")
    t = int(days.get_loc(pd.Timestamp("2020-12-14")))      # the day after the 2nd Friday (Dec 11)
    cut, c = S.review_cutoff(days, t)
    assert cut == pd.Timestamp("2020-10-31") and days[c] == pd.Timestamp("2020-10-30")   # a Friday
    t = int(days.get_loc(pd.Timestamp("2021-06-15")))      # June 11 is the 2nd Friday; 14th a holiday
    cut, c = S.review_cutoff(days, t)
    assert cut == pd.Timestamp("2021-04-30") and days[c] == pd.Timestamp("2021-04-30")
    cut, c = S.review_cutoff(days, 0)                       # not a review day: the latest cut-off
    assert cut == pd.Timestamp("2019-10-31") and c == 0


def _age_ok(start, board, cap, cutoff, review):
    n = len(start)
    return S.csi_review_age_ok(np.array(start, dtype="datetime64[D]"), np.array(board), np.array(cap, float),
                               np.ones(n, bool), pd.Timestamp(cutoff), pd.Timestamp(review))


def test_quarter_rule_and_top30_fast_entry():
    # 40 stocks: 35 old large caps (cap 100..66), then the cases; cut-off 2020-10-31, so
    # "more than a quarter" means listed before 2020-07-31
    old = ["2010-01-04"] * 35
    start = old + ["2020-07-30", "2020-07-31", "2020-08-27", "2020-08-27", "2020-06-01"]
    board = ["sh_main"] * 35 + ["sh_main", "sh_main", "sz_main", "sh_main", "chinext"]
    cap = list(np.arange(100, 65, -1.0)) + [1.0, 1.0, 1.0, 1000.0, 1.0]
    ok = _age_ok(start, board, cap, "2020-10-31", "2020-12-14")
    assert ok[:35].all()
    # 07-30: 3 months and a day -> in; 07-31: exactly 3 months -> out; 08-27 small: out;
    # 08-27 with the largest cap (rank 1 of 40 <= 30): in; ChiNext before 2021-12: a quarter
    assert ok[35:].tolist() == [True, False, False, True, True]


def test_fast_entry_rank_scaled_to_the_sample():
    # 30 of ~4,500 A shares = the largest 0.67 %: 6 of the sample's 800, 30 of 4,500
    assert S.sample_fast_entry_rank(800) == 6 and S.sample_fast_entry_rank(790) == 6
    assert S.sample_fast_entry_rank(4500) == 30 and S.sample_fast_entry_rank(20) == 1
    # with fast_rank=1 only the single largest new listing skips the quarter rule
    start = ["2010-01-04"] * 3 + ["2020-09-01", "2020-09-02"]
    ok = S.csi_review_age_ok(np.array(start, dtype="datetime64[D]"), np.array(["sh_main"] * 5),
                             np.array([5.0, 4.0, 3.0, 10.0, 9.0]), np.ones(5, bool), pd.Timestamp("2020-10-31"),
                             pd.Timestamp("2020-12-14"), fast_rank=1)
    assert ok.tolist() == [True, True, True, True, False]


def test_one_year_rule_for_star_and_chinext_from_december_2021():
    start = ["2019-10-30", "2019-11-05", "2020-12-01", "2020-10-01", "2020-12-01"]
    board = ["star", "star", "chinext", "chinext", "sz_main"]
    cap = [1e6, 1e6, 1e6, 1.0, 1.0]            # the large caps may not skip the year rule
    ok = _age_ok(start, board, cap, "2020-10-31", "2020-12-14")
    assert ok[:2].tolist() == [True, False]    # STAR: listed before 2019-10-31
    ok = _age_ok(start, board, cap, "2021-10-31", "2021-12-13")
    # ChiNext from the 2021-12-13 review: before 2020-10-31; a main-board stock: a quarter
    assert ok[2:].tolist() == [False, True, True]
    ok = _age_ok(start, board, cap, "2021-04-30", "2021-06-15")
    assert ok[2:].tolist() == [True, True, True]   # June 2021: ChiNext still on the quarter rule


# ------------------------------------------------------------------ generated universe (no store)
def test_open_end_fund_universe_counts_and_codes():
    from collections import Counter
    n = Counter(f[4] for f in S._OF_FUNDS)
    fam = Counter(f[4] for f in S._FAMOUS_OF_FUNDS)
    for t, k in S.OF_UNIVERSE_COUNTS.items():
        assert n[t] == fam[t] + k
    assert n["mixture_fund"] > n["bond_fund"] > n["stock_fund"] > n["money_market_fund"] > n["QDII_fund"]
    codes = [f[0] for f in S._OF_FUNDS]
    assert len(set(codes)) == len(codes) and all(c.endswith(".OF") and len(c) == 9 for c in codes)
    assert len({f[1] for f in S._OF_FUNDS}) == len(codes)          # one name per fund
    exch = {e[0][:6] for e in S._ETFS} | {e[0][:6] for e in S._MORE_FUNDS}
    assert not exch & {c[:6] for c in codes if c not in {f[0] for f in S._FAMOUS_OF_FUNDS}}
    # enough seasoned stock funds for a screen of 50 (the corpus' 公募基金抱团)
    seasoned = [f for f in S._OF_FUNDS if f[4] == "stock_fund" and pd.Timestamp(f[3]) < pd.Timestamp("2020-08-01")]
    assert len(seasoned) >= 60
    # the code follows the inception year from 2013 on
    for f in S._GENERATED_OF:
        y = int(f[3][:4])
        if y in S._OF_CODE_BLOCKS:
            lo, hi = S._OF_CODE_BLOCKS[y]
            assert lo <= int(f[0][:6]) < hi, f


# ------------------------------------------------------------------ the sample store
def test_csi300_members_obey_the_age_rule_at_the_december_2020_review(store):
    sec = store.securities.set_index("code")
    dec = store.index_members("000300.XSHG", pd.Timestamp("2020-12-14"))
    before = store.index_members("000300.XSHG", pd.Timestamp("2020-12-11"))
    assert len(dec) == 300 and set(dec) != set(before)         # the review took effect on the 14th
    sd = pd.to_datetime(sec.loc[dec, "start_date"])
    star = [c for c in dec if c.startswith("688")]
    # cut-off 2020-10-31: a quarter -> listed before 2020-07-31 (the sample has no top-30
    # IPO in 2020); STAR a year -> before 2019-10-31
    assert (sd < pd.Timestamp("2020-07-31")).all(), sd[sd >= pd.Timestamp("2020-07-31")]
    assert all(pd.Timestamp(sec.at[c, "start_date"]) < pd.Timestamp("2019-10-31") for c in star)
    # 120 daily bars of every member before the first trading day of 2021 (the corpus'
    # 120-close regression over 沪深300 members; a member listed 2020-08-27 had 85)
    close = store.field("close")
    t = store.day_index(pd.Timestamp("2020-12-31"), "left")
    rows = [np.isfinite(close[:t + 1, store.col(c)]).sum() for c in dec]
    assert min(rows) >= 120


def test_open_end_funds_in_the_securities_master(research):
    from jqdata import get_all_securities
    d = pd.Timestamp("2021-01-29")
    n = {t: len(get_all_securities([t], date=d)) for t in S.OF_UNIVERSE_COUNTS}
    # every sample OF fund of the type with an inception on or before the day is listed
    want = {t: sum(1 for f in S._OF_FUNDS if f[4] == t and pd.Timestamp(f[3]) <= d) for t in n}
    assert n == want
    assert n["mixture_fund"] > n["bond_fund"] > n["stock_fund"] >= 70 and n["QDII_fund"] >= 10
    assert len(get_all_securities(["open_fund"], date=d)) == sum(n.values())


def test_fund_portfolio_asset_mix(research):
    from jqdata import finance, query
    p = finance.FUND_PORTFOLIO
    df = finance.run_query(query(p).filter(p.period_end == dt.date(2020, 12, 31)))
    r = df.set_index("code")
    # 510300 (沪深300ETF): 90 % stocks, 0.6 * 10 = 6 % bonds, 4 % deposits of 6 亿元
    # (size 2e8 * (1 + crc32("510300.XSHG") % 9) = 2e8 * 3)
    e = r.loc["510300"]
    assert (e.stock_rate, e.fixed_income_rate, e.deposit_rate, e.total_asset) == (90.0, 6.0, 4.0, 6e8)
    assert e.stock_value == 5.4e8 and e.equity_value == 5.4e8 and e.pub_date == dt.date(2021, 1, 21)
    assert e.report_type == "第四季度" and e.report_type_id == 403004
    b = r.loc["217022"]                                  # 招商产业债券A: 92 % bonds, 10 亿元
    assert (b.stock_rate, b.fixed_income_rate, b.deposit_rate, b.total_asset) == (0.0, 92.0, 8.0, 1e9)
    m = r.loc["000198"]                                  # 天弘余额宝: 55 / 30 (买入返售) / 15
    assert (m.fixed_income_rate, m.buying_back_rate, m.deposit_rate) == (55.0, 30.0, 15.0)
    assert m.buying_back_value == pytest.approx(0.30 * 1.4e9)
    rates = df[["stock_rate", "fixed_income_rate", "precious_metal_rate", "buying_back_rate", "deposit_rate"]]
    assert np.allclose(rates.sum(axis=1), 100.0)
    assert np.allclose(df["stock_value"], np.round(df["stock_rate"] / 100 * df["total_asset"], 2))
    # the corpus' screen: seasoned stock / partial-stock funds with >= 70 % in stocks
    mi = finance.FUND_MAIN_INFO
    codes = finance.run_query(query(mi.main_code).filter(
        mi.operate_mode_id.in_(["401001", "401006"]), mi.underlying_asset_type_id.in_(["402001", "402004"]),
        mi.invest_style_id.in_(["005001", "005005"]), mi.start_date < "2020-03-31"))["main_code"].tolist()
    got = finance.run_query(query(p.code).filter(p.code.in_(codes), p.stock_rate >= 70,
                                                 p.period_end == "2020-12-31"))
    assert len(got) >= 50


def test_active_funds_of_one_theme_hold_different_stocks(research):
    from jqdata import finance, query
    from jqlite.data.sample import sample_sectors
    ps = finance.FUND_PORTFOLIO_STOCK
    codes = ["003095", "001064", "001372"]                # three 医疗健康混合 funds (sector:healthcare)
    h = finance.run_query(query(ps).filter(ps.code.in_(codes), ps.period_end == dt.date(2020, 12, 31)))
    tops = {c: set(g["symbol"]) for c, g in h.groupby("code")}
    assert set(tops) == set(codes) and all(len(s) == 10 for s in tops.values())
    assert tops["003095"] != tops["001064"] != tops["001372"]
    sectors = sample_sectors(research.path)["sector"]
    full = {c[:6]: s for c, s in sectors.items()}
    assert {full[s] for s in h["symbol"]} == {"healthcare"}
    for _c, g in h.groupby("code"):
        assert g["proportion"].is_monotonic_decreasing and g["proportion"].sum() < 100 * S.OF_EQUITY_SHARE.get(
            f"{_c}.OF", 0.90)
    # the quarter's redraw turns part of the holdings over
    h2 = finance.run_query(query(ps.symbol).filter(ps.code == "001064", ps.period_end == dt.date(2021, 3, 31)))
    assert set(h2["symbol"]) != tops["001064"]
    # 公募基金抱团 (corpus): the top-10s of 50 stock funds cover more than 50 stocks
    mi = finance.FUND_MAIN_INFO
    f = finance.run_query(query(mi.main_code).filter(mi.underlying_asset_type == "股票型",
                                                     mi.operate_mode == "开放式基金",
                                                     mi.start_date < dt.date(2020, 8, 1)))
    assert len(f) >= 50
    allh = finance.run_query(query(ps.symbol).filter(ps.code.in_(f["main_code"].tolist()[:50]),
                                                     ps.period_end == dt.date(2020, 12, 31)))
    assert allh["symbol"].nunique() > 50


def test_gta_dividend_table_from_the_dividend_events(research):
    from jqdata import get_price, gta, query
    x = research.table("xrxd")
    x = x[(x["code"] == "600519.XSHG") & (x["bonus_pre_tax"] > 0)].sort_values("date")
    assert len(x) >= 5                                   # 贵州茅台 pays every year
    t = gta.STK_MKT_DIVIDENT
    df = gta.run_query(query(t.SYMBOL, t.EXDIVIDENDDATE, t.RECORDDATE, t.PAYMENTDATE, t.DIVIDENTBT, t.DIVIDENTAT)
                       .filter(t.SYMBOL.in_(["600519"])).order_by(t.PAYMENTDATE))
    assert len(df) == len(x)
    e, r = x.iloc[-1], df.iloc[-1]
    # per share = per 10 shares / 10; after tax = 90 %; paid on the ex-date; recorded the day before
    assert r.DIVIDENTBT == pytest.approx(e.bonus_pre_tax / 10) and r.DIVIDENTAT == pytest.approx(0.9 * r.DIVIDENTBT)
    assert r.EXDIVIDENDDATE == r.PAYMENTDATE == pd.Timestamp(e.date).date()
    i = research.day_index(pd.Timestamp(e.date), "left")
    assert r.RECORDDATE == research.dates[i - 1].date()
    # the corpus' dividend_rate: DIVIDENTBT / close * 100 (percent)
    c = get_price("600519.XSHG", end_date=research.dates[i].date(), count=1, fields=["close"], fq=None)["close"].iloc[0]
    assert 0 < r.DIVIDENTBT / c * 100 < 10
    # a fund's distributions are not in the stock table
    assert gta.run_query(query(t.SYMBOL).filter(t.SYMBOL == "050002")).empty


def test_closed_end_funds_on_demand(research):
    from jqdata import get_price, get_security_info
    qh = get_security_info("184801.XSHE")           # 前海REITs: listed 2015-H2, wound up 2022-Q3
    assert qh.type == "fund"
    assert dt.date(2015, 7, 1) <= qh.start_date <= dt.date(2015, 12, 31)
    assert dt.date(2022, 7, 1) <= qh.end_date <= dt.date(2022, 9, 30)
    p = get_price("184801.XSHE", start_date="2021-01-04", end_date="2021-01-08", fields=["close"])
    assert len(p) == 5 and p["close"].notna().all()
    ky = get_security_info("184688.XSHE")           # 基金开元: 1998-2002, gone before 2014
    assert ky.type == "fund" and ky.start_date <= dt.date(2002, 12, 31) and ky.end_date <= dt.date(2013, 12, 31)
    assert get_security_info("500001.XSHG").type == "fund"
