"""``jqlite data pull --what minute,valuation,industries,etf`` and ``jqlite data verify-factors``
from recorded responses (``_pull_recorded_extras.py``; the market of ``_pull_recorded.py``).

Every expected number is worked out by hand in the comments.  No test here uses the network.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from _pull_recorded_extras import (FakeAkshareX, FakeBaostockX, FakeJqdatasdkX, FakeTushareX, intraday)
from jqlite.data.pull import run_pull, run_update
from jqlite.data.sources.akshare import AkshareSource
from jqlite.data.sources.baostock import BaostockSource
from jqlite.data.sources.extras_map import merge_members, snapshots_to_intervals, zjw_of
from jqlite.data.sources.jqdatasdk import JqdatasdkSource
from jqlite.data.sources.tushare import TushareSource

TOKEN = "tok-SECRET-123"
JQ_ENV = {"JQDATA_USERNAME": "13800000000", "JQDATA_PASSWORD": "pw-SECRET-456"}
NOKEY = dict(keyring_get=lambda s, k: None, sleep=lambda s: None)


def _adapter(source, **kw):
    if source == "tushare":
        return TushareSource(FakeTushareX(**kw)), {"TUSHARE_TOKEN": TOKEN}
    if source == "baostock":
        return BaostockSource(FakeBaostockX(**kw)), {}
    if source == "akshare":
        return AkshareSource(FakeAkshareX(**kw)), {}
    return JqdatasdkSource(FakeJqdatasdkX(**kw)), dict(JQ_ENV)


def _pull(source, out, what, start="2024-01-02", end="2024-01-10", fake=None, **kw):
    ad, env = _adapter(source, **(fake or {}))
    return run_pull(source, out, start=start, end=end, adapter=ad, env=env, what=what, **NOKEY, **kw), ad


def _use(monkeypatch, store):
    monkeypatch.setenv("JQLITE_DATA", str(store))


def _minute_file(store, folder, code):
    return pd.read_feather(Path(store, folder, "2024-01", f"{code}.arrow"))


# ----------------------------------------------------------------------------- minute
def test_baostock_5_minute_bars_are_stored_and_served(tmp_path, monkeypatch):
    log = []
    _pull("baostock", tmp_path / "s", ("bars", "minute"), progress=log.append,
          fake={"drop_bar": ("000002.XSHE", "2024-01-03")})
    f = _minute_file(tmp_path / "s", "bars_5m", "600000.XSHG")
    days = f["time"].dt.normalize()
    assert (days.value_counts() == 48).all() and days.nunique() == 7
    _use(monkeypatch, tmp_path / "s")
    from jqlite.api import get_price
    p = get_price("600000.XSHG", start_date="2024-01-08 09:00:00", end_date="2024-01-08 15:00:00",
                  frequency="5m", fq=None)
    # the ex-dividend day: daily open 6.60 (= pre_close), close 6.70, high 6.75, low 6.55,
    # volume 1e7 + 4 x 1e5 = 10,400,000 shares split into 48 whole-share bars
    assert len(p) == 48 and str(p.index[0]) == "2024-01-08 09:35:00" and str(p.index[-1]) == "2024-01-08 15:00:00"
    assert p["open"].iloc[0] == 6.60 and p["close"].iloc[-1] == 6.70
    assert p["high"].max() == 6.75 and p["low"].min() == 6.55
    assert p["volume"].sum() == 10_400_000
    # 000001.XSHE suspended on 2024-01-04: baostock sends no 5-minute row, none stored
    f1 = _minute_file(tmp_path / "s", "bars_5m", "000001.XSHE")
    assert "2024-01-04" not in set(f1["time"].dt.strftime("%Y-%m-%d")) and f1["time"].dt.normalize().nunique() == 6
    # a day with a bar missing is left out and said
    f2 = _minute_file(tmp_path / "s", "bars_5m", "000002.XSHE")
    assert "2024-01-03" not in set(f2["time"].dt.strftime("%Y-%m-%d"))
    assert any("1 without all 48 bars left out" in m for m in log)


def test_jqdatasdk_1_minute_bars_drop_suspended_days_and_cost_quota(tmp_path):
    r, ad = _pull("jqdatasdk", tmp_path / "s", ("bars", "minute"), codes=["600000.XSHG", "000001.XSHE"])
    f = _minute_file(tmp_path / "s", "bars_minute", "000001.XSHE")
    # JoinQuant sends 240 rows at the last close with volume 0 on the suspended 2024-01-04;
    # the store holds no minute rows on a suspended day
    assert f["time"].dt.normalize().nunique() == 6 and len(f) == 6 * 240
    assert "2024-01-04" not in set(f["time"].dt.strftime("%Y-%m-%d"))
    first = f[f["time"].dt.strftime("%Y-%m-%d") == "2024-01-02"]
    assert str(first["time"].iloc[0]) == "2024-01-02 09:31:00" and str(first["time"].iloc[-1]) == "2024-01-02 15:00:00"
    # quota: 2 codes x 7 days x (2 daily rows + 240 minute rows) = 3,388 rows
    assert ad.client.total - ad.client.spare == 2 * 7 * 242
    # one get_price call per code and month
    assert len([c for c in ad.client.calls if c[0] == "get_price_1m"]) == 2


def test_update_extends_minute_bars_like_a_full_pull(tmp_path):
    _pull("baostock", tmp_path / "u", ("bars", "minute"), end="2024-01-05")
    ad, env = _adapter("baostock")
    run_update(tmp_path / "u", end="2024-01-10", adapter=ad, env=env, **NOKEY)
    _pull("baostock", tmp_path / "full", ("bars", "minute"))
    for code in ("600000.XSHG", "000001.XSHE", "600087.XSHG"):
        # the January file is rewritten with the old days (01-02 .. 01-05) plus the new ones
        pd.testing.assert_frame_equal(_minute_file(tmp_path / "u", "bars_5m", code),
                                      _minute_file(tmp_path / "full", "bars_5m", code))
    assert _minute_file(tmp_path / "u", "bars_5m", "600000.XSHG")["time"].dt.normalize().nunique() == 7


def test_tushare_stk_mins_folds_the_1300_bar(tmp_path):
    r, ad = _pull("tushare", tmp_path / "s", ("bars", "minute"), codes=["600000.XSHG", "000001.XSHE"])
    f = _minute_file(tmp_path / "s", "bars_minute", "600000.XSHG")
    d = f[f["time"].dt.strftime("%Y-%m-%d") == "2024-01-09"].reset_index(drop=True)
    want = intraday("600000.XSHG", "2024-01-09", 240)
    # 241 tushare bars -> 240: the 13:00:00 bar (1/4 of the volume) + 13:01 (3/4) = JoinQuant's 13:01 bar
    assert len(d) == 240 and "13:00" not in set(d["time"].dt.strftime("%H:%M"))
    k = 120
    assert str(d["time"].iloc[k]) == "2024-01-09 13:01:00"
    assert d["volume"].iloc[k] == pytest.approx(want["volume"].iloc[k]) and d["open"].iloc[k] == want["open"].iloc[k]
    assert d["volume"].sum() == 1e7 + 5e5                     # shares as tushare sends them
    # the suspended 2024-01-04 has no bars; one stk_mins call per security and month
    f1 = _minute_file(tmp_path / "s", "bars_minute", "000001.XSHE")
    assert f1["time"].dt.normalize().nunique() == 6
    assert len([c for c in ad.client.calls if c[0] == "stk_mins"]) == 2


def test_jqdatasdk_quota_covers_minute_bars():
    ad = JqdatasdkSource(FakeJqdatasdkX())
    assert ad.rows_estimate(10, 20) == 400
    assert ad.rows_estimate(10, 20, ("bars", "minute", "valuation")) == 400 + 48_000 + 200


def test_akshare_minute_folds_the_auction_into_the_0931_bar(tmp_path):
    _pull("akshare", tmp_path / "s", ("bars", "minute"), codes=["600000.XSHG"])
    f = _minute_file(tmp_path / "s", "bars_minute", "600000.XSHG")
    d = f[f["time"].dt.strftime("%Y-%m-%d") == "2024-01-03"].reset_index(drop=True)
    want = intraday("600000.XSHG", "2024-01-03", 240)
    assert len(d) == 240 and str(d["time"].iloc[0]) == "2024-01-03 09:31:00"
    # 09:30 auction row (1/5 of the bar's volume, at the open) + 09:31 row (4/5) = JoinQuant's 09:31 bar;
    # volume in lots x 100 -> shares
    assert d["volume"].iloc[0] == pytest.approx(want["volume"].iloc[0])
    assert d["open"].iloc[0] == 7.10 and d["high"].iloc[0] == want["high"].iloc[0]
    assert d["volume"].sum() == pytest.approx(1e7 + 1e5)


# ----------------------------------------------------------------------------- valuation
def _valuation(store):
    v = pd.read_parquet(Path(store, "fundamentals", "valuation.parquet"))
    v["day"] = pd.to_datetime(v["day"])
    return v.set_index(["code", "day"])


def test_tushare_daily_basic_units(tmp_path, monkeypatch):
    _pull("tushare", tmp_path / "s", ("bars", "valuation"))
    v = _valuation(tmp_path / "s")
    r = v.loc[("600000.XSHG", pd.Timestamp("2024-01-05"))]
    # total_mv = 7.00 x 2,935,217.8996 万股 = 20,546,525.2972 万元 -> / 1e4 = 2,054.65252972 亿元
    assert r["market_cap"] == pytest.approx(2054.65252972, abs=1e-8)
    assert r["circulating_market_cap"] == pytest.approx(2054.65252972, abs=1e-8)
    assert r["capitalization"] == 2935217.8996            # 万股, as JoinQuant
    # turnover_rate 10,300,000 shares / 29,352,178,996 float shares x 100 = 0.03509 -> 0.0351 %
    assert r["turnover_ratio"] == 0.0351
    assert r["pe_ratio"] == pytest.approx(4.8 * 7.0 / 10) and r["pe_ratio_lyr"] == pytest.approx(4.8 * 7.0 / 9)
    assert r["pb_ratio"] == 0.55 and r["ps_ratio"] == 1.2
    # tushare has no daily_basic row on a suspended day; neither has JoinQuant (get_valuation)
    assert ("000001.XSHE", pd.Timestamp("2024-01-04")) not in v.index
    _use(monkeypatch, tmp_path / "s")
    from jqlite.api.fundamentals import get_fundamentals, query, valuation
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = get_fundamentals(query(valuation.code, valuation.market_cap, valuation.turnover_ratio)
                              .filter(valuation.code == "600000.XSHG"), date="2024-01-05")
    assert df["market_cap"].iloc[0] == pytest.approx(2054.6525, abs=1e-4)


def test_baostock_valuation_drops_suspended_rows(tmp_path):
    r, ad = _pull("baostock", tmp_path / "s", ("bars", "valuation"))
    v = _valuation(tmp_path / "s")
    x = v.loc[("600000.XSHG", pd.Timestamp("2024-01-05"))]
    # peTTM = 4.8 x 7.00 / 10 = 3.36; turn: 10,300,000 / 29,352,178,996 x 100 = 0.035091 %
    assert x["pe_ratio"] == pytest.approx(3.36) and x["pb_ratio"] == 0.55 and x["ps_ratio"] == 1.2
    assert x["pcf_ratio"] == -7.5 and x["turnover_ratio"] == pytest.approx(0.035091, abs=1e-6)
    assert "market_cap" not in v.columns                   # baostock has no market cap
    # baostock sends ratios on the suspended 2024-01-04 (tradestatus 0): not stored
    assert ("000001.XSHE", pd.Timestamp("2024-01-04")) not in v.index
    assert len(v) == 24 and r["fundamentals"] == {"valuation": 24}


def test_jqdatasdk_valuation_as_is_and_update(tmp_path):
    _pull("jqdatasdk", tmp_path / "u", ("bars", "valuation"), end="2024-01-05")
    ad, env = _adapter("jqdatasdk")
    run_update(tmp_path / "u", end="2024-01-10", adapter=ad, env=env, **NOKEY)
    _pull("jqdatasdk", tmp_path / "full", ("bars", "valuation"))
    u, full = _valuation(tmp_path / "u"), _valuation(tmp_path / "full")
    pd.testing.assert_frame_equal(u.sort_index(), full.sort_index())
    # 7.00 x 2,935,217.8996 / 1e4 rounded by JoinQuant to 4 decimals
    assert u.loc[("600000.XSHG", pd.Timestamp("2024-01-05")), "market_cap"] == 2054.6525


# ----------------------------------------------------------------------------- industries
def test_snapshots_to_intervals_by_hand():
    s = pd.DataFrame([("zjw", "K70", "A", "2024-01-02", "x"), ("zjw", "K70", "A", "2024-01-31", "x"),
                      ("zjw", "L72", "A", "2024-02-29", "y"), ("zjw", "J66", "B", "2024-01-02", "z")],
                     columns=["scheme", "industry_code", "code", "date", "name"])
    iv = snapshots_to_intervals(s, days=["2024-01-02", "2024-01-31", "2024-02-29"])
    got = {(r.code, r.industry_code): (str(r.start_date.date()), str(r.end_date.date())) for r in iv.itertuples()}
    # A: K70 from 01-02 through 02-28 (the day before the snapshot that shows L72); B is missing
    # from the 01-31 answer: member 01-02 .. 01-30 only
    assert got == {("A", "K70"): ("2024-01-02", "2024-02-28"), ("A", "L72"): ("2024-02-29", "2200-01-01"),
                   ("B", "J66"): ("2024-01-02", "2024-01-30")}
    assert zjw_of("J66货币金融服务") == ("J66", "货币金融服务") and zjw_of("") == (None, None)


def test_merge_members_cuts_the_old_interval():
    old = pd.DataFrame({"scheme": ["zjw"], "industry_code": ["K70"], "code": ["A"],
                        "start_date": [pd.Timestamp("2020-01-02")], "end_date": [pd.Timestamp("2200-01-01")]})
    new = pd.DataFrame({"scheme": ["zjw", "zjw"], "industry_code": ["K70", "L72"], "code": ["A", "A"],
                        "start_date": pd.to_datetime(["2024-01-08", "2024-01-10"]),
                        "end_date": pd.to_datetime(["2024-01-09", "2200-01-01"])})
    m = merge_members(old, new)
    assert [(r.industry_code, str(r.start_date.date()), str(r.end_date.date())) for r in m.itertuples()] == [
        ("K70", "2020-01-02", "2024-01-09"), ("L72", "2024-01-10", "2200-01-01")]


def test_baostock_csrc_industry_point_in_time(tmp_path, monkeypatch):
    r, ad = _pull("baostock", tmp_path / "s", ("bars", "industries"))
    assert [c[1] for c in ad.client.calls if c[0] == "query_stock_industry"] == ["2024-01-02", "2024-01-10"]
    _use(monkeypatch, tmp_path / "s")
    from jqlite.api import get_industry, get_industry_stocks
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert get_industry("000002.XSHE", date="2024-01-09")["000002.XSHE"]["zjw"] == {
            "industry_code": "K70", "industry_name": "房地产业"}
        assert get_industry("000002.XSHE", date="2024-01-10")["000002.XSHE"]["zjw"]["industry_code"] == "L72"
        assert get_industry_stocks("J66", date="2024-01-05") == ["000001.XSHE", "600000.XSHG"]
        assert get_industry_stocks("G55", date="2024-01-05") == ["600087.XSHG"]
    # 600087 is missing from the 01-10 answer (delisted after 01-05): G55 member 01-02 .. 01-09
    m = pd.read_parquet(tmp_path / "s" / "industry_members.parquet").set_index("code")
    assert (str(m.loc["600087.XSHG", "start_date"]), str(m.loc["600087.XSHG", "end_date"])) == (
        "2024-01-02", "2024-01-09")


def test_tushare_shenwan_levels_with_in_out_dates(tmp_path, monkeypatch):
    _pull("tushare", tmp_path / "s", ("bars", "industries"))
    m = pd.read_parquet(tmp_path / "s" / "industry_members.parquet")
    assert set(m["scheme"]) == {"sw_l1", "sw_l2", "sw_l3"}
    assert "601398.XSHG" not in set(m["code"])               # not a pulled security
    _use(monkeypatch, tmp_path / "s")
    from jqlite.api import get_industry
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        before = get_industry("000002.XSHE", date="2024-01-05")["000002.XSHE"]
        after = get_industry("000002.XSHE", date="2024-01-08")["000002.XSHE"]
    # out_date 2024-01-08 of 住宅开发 = the first day in 物业管理 (index codes without '.SI', JoinQuant names)
    assert before["sw_l3"] == {"industry_code": "851811", "industry_name": "住宅开发III"}
    assert before["sw_l2"] == {"industry_code": "801181", "industry_name": "房地产开发II"}
    assert after["sw_l3"] == {"industry_code": "851831", "industry_name": "物业管理III"}
    assert after["sw_l1"] == before["sw_l1"] == {"industry_code": "801180", "industry_name": "房地产I"}


@pytest.mark.parametrize("source", ["baostock", "jqdatasdk"])
def test_update_extends_industries_like_a_full_pull(tmp_path, source):
    _pull(source, tmp_path / "u", ("bars", "industries"), end="2024-01-05")
    ad, env = _adapter(source)
    run_update(tmp_path / "u", end="2024-01-10", adapter=ad, env=env, **NOKEY)
    _pull(source, tmp_path / "full", ("bars", "industries"))

    def members(p):
        m = pd.read_parquet(p / "industry_members.parquet")
        return sorted((r.scheme, r.industry_code, r.code, str(r.start_date), str(r.end_date)) for r in m.itertuples())
    # full pull: snapshots 01-02 and 01-10; update: 01-02 and 01-05, then 01-08 and 01-10 --
    # the same intervals (a snapshot repeating the industry merges into the running interval),
    # except that the update's 01-08 snapshot already misses the delisted 600087 (baostock),
    # which the full pull first sees missing on 01-10
    u, full = members(tmp_path / "u"), members(tmp_path / "full")
    if source == "baostock":
        assert set(u) ^ set(full) == {("zjw", "G55", "600087.XSHG", "2024-01-02", "2024-01-07"),
                                      ("zjw", "G55", "600087.XSHG", "2024-01-02", "2024-01-09")}
    else:
        assert u == full
    assert ("zjw", "L72", "000002.XSHE", "2024-01-10", "2200-01-01") in members(tmp_path / "u")


# ----------------------------------------------------------------------------- ETFs
def test_tushare_etf_bars_and_master(tmp_path, monkeypatch):
    r, ad = _pull("tushare", tmp_path / "s", ("bars", "etf"))
    sec = pd.read_parquet(tmp_path / "s" / "securities.parquet").set_index("code")
    assert sec.loc["510300.XSHG", "type"] == "etf" and "159999.XSHE" not in sec.index   # the LOF is not an ETF
    b = pd.concat([pd.read_parquet(f) for f in (tmp_path / "s" / "bars_daily").glob("*.parquet")])
    e = b[b["code"] == "510300.XSHG"].set_index(pd.to_datetime(b.loc[b["code"] == "510300.XSHG", "date"]))
    # fund_daily has no pre_close on 2024-01-05: close 3.498 x adj 1.0 / 1.0 = 3.498 from fund_adj;
    # fund limits 10 % to the 0.001 tick: 3.498 x 1.1 = 3.8478 -> 3.848
    x = e.loc["2024-01-05"]
    assert x["pre_close"] == 3.498 and x["high_limit"] == 3.848 and x["low_limit"] == 3.148
    # vol 5,000 lots -> 500,000 shares; amount 5e4 x 3.505 thousand yuan -> 175,250,000 yuan
    assert x["volume"] == 500_000 and x["money"] == pytest.approx(5e7 * 3.505)
    assert len(e) == 7


def test_akshare_and_jqdatasdk_etf_lists(tmp_path):
    _pull("akshare", tmp_path / "s", ("bars", "etf"))
    sec = pd.read_parquet(tmp_path / "s" / "securities.parquet").set_index("code")
    assert sec.loc["510300.XSHG", "type"] == "etf" and sec.loc["510300.XSHG", "display_name"] == "沪深300ETF"
    r, ad = _pull("jqdatasdk", tmp_path / "j", ("bars", "etf"))
    sec = pd.read_parquet(tmp_path / "j" / "securities.parquet").set_index("code")
    assert sec.loc["510300.XSHG", "type"] == "etf" and sec.loc["510300.XSHG", "board"] == "fund"
    b = pd.read_parquet(tmp_path / "j" / "bars_daily" / "2024.parquet")
    e = b[b["code"] == "510300.XSHG"]
    # JoinQuant's own limits kept: 3.490 x 1.1 = 3.839 on the first day
    assert len(e) == 7 and e["high_limit"].iloc[0] == 3.839 and r["limit_violations"] == 0
    # (is_st is asked for the stocks only: the recorded get_extras knows no ETF and would fail)


@pytest.mark.parametrize("source,item", [("baostock", "etf"), ("akshare", "valuation"), ("akshare", "industries"),
                                         ("akshare", "fundamentals"), ("akshare", "index")])
def test_unsupported_items_stop_before_any_call(tmp_path, source, item):
    from jqlite.data.sources import SourceError
    ad, env = _adapter(source)
    with pytest.raises(SourceError, match=f"--what {item} is not supported"):
        run_pull(source, tmp_path / "s", start="2024-01-02", end="2024-01-10", adapter=ad, env=env,
                 what=("bars", item), **NOKEY)
    assert list(ad.client.calls) == [] and not (tmp_path / "s").exists()


# ----------------------------------------------------------------------------- info
def test_info_shows_the_new_tables(tmp_path):
    from jqlite.data.info import format_info, store_info
    _pull("baostock", tmp_path / "s", ("bars", "minute", "valuation", "industries"))
    info = store_info(tmp_path / "s")
    assert info["tables"]["bars_5m"] == {"files": 4, "securities": 4, "bars_per_day": 48, "first_month": "2024-01",
                                         "last_month": "2024-01", "source": "baostock",
                                         "pulled_at": info["tables"]["bars_5m"]["pulled_at"]}
    assert info["tables"]["industry_members"]["rows"] == 5 and info["fundamentals"]["valuation"]["rows"] == 24
    text = format_info(info)
    assert "bars_5m" in text and "4 securities, 48 bars a day" in text and "industry_members" in text


# ----------------------------------------------------------------------------- verify-factors
def _recorded_factor_values(store, monkeypatch):
    """JoinQuant's answer, hand-made from jqlite's own values: equal (to 1e-6) on 01-02, 01-03,
    01-05 and 01-08 .. 01-10; on 2024-01-04 600000 and 000002 are swapped (2 of 3 stocks
    exchange ranks) and 000002's value is 0.5 % off on 2024-01-10."""
    monkeypatch.setenv("JQLITE_DATA", str(store))
    from jqlite.factors.api import get_factor_values
    ours = get_factor_values(["000001.XSHE", "000002.XSHE", "600000.XSHG", "600087.XSHG"], ["market_cap"],
                             start_date="2024-01-02", end_date="2024-01-10")["market_cap"]
    jq = ours.copy()
    d = pd.Timestamp("2024-01-04")
    jq.loc[d, ["600000.XSHG", "000002.XSHE"]] = ours.loc[d, ["000002.XSHE", "600000.XSHG"]].to_numpy()
    jq.loc[pd.Timestamp("2024-01-10"), "000002.XSHE"] *= 1.005
    return ours, jq


def test_verify_factors_report(tmp_path, monkeypatch):
    _pull("tushare", tmp_path / "s", ("bars", "valuation"))
    ours, jq = _recorded_factor_values(tmp_path / "s", monkeypatch)
    monkeypatch.delenv("JQLITE_DATA")
    from jqlite.data.verify_factors import verify_factors
    fake = FakeJqdatasdkX(factor_values={"market_cap": jq})
    ad = JqdatasdkSource(fake)
    r = verify_factors(tmp_path / "s", ["market_cap"], "2024-01-02", "2024-01-10", adapter=ad, env=JQ_ENV,
                       **{"keyring_get": lambda s, k: None}).loc["market_cap"]
    n = int(np.isfinite(ours.to_numpy()).sum())
    # 600087 is delisted after 01-05 and 000001 suspended on 01-04 (no valuation): 4+4+3+4+3+3+3 = 24 pairs
    assert n == 24 and r["pairs"] == 24 and r["only_jqlite"] == 0 and r["only_joinquant"] == 0
    # Spearman on 2024-01-04 with 3 stocks, two swapped: 1 - 6 x (1 + 1) / (3 x 8) = 0.5; other days 1.0
    # (the 0.5 % error on 01-10 keeps the order) -> mean over 7 days = (6 + 0.5) / 7
    d4 = ours.loc[pd.Timestamp("2024-01-04")].dropna()
    assert len(d4) == 3
    r_d4 = pd.Series(d4).rank()
    swapped = r_d4.copy()
    swapped[["600000.XSHG", "000002.XSHE"]] = r_d4[["000002.XSHE", "600000.XSHG"]].to_numpy()
    rho = 1 - 6 * ((r_d4 - swapped) ** 2).sum() / (3 * (9 - 1))
    assert r["rank_corr"] == pytest.approx((6 + rho) / 7)
    # 22 exact pairs, 2 swapped (far apart) and 1 at 0.5 % (outside rtol 1e-3): within 21/24
    assert r["within_tol"] == pytest.approx(21 / 24) and r["median_abs_err"] == 0.0
    # quota: 4 securities x 7 days x 1 factor = 28 rows
    assert fake.total - fake.spare == 28


def test_verify_factors_cli_json_and_quota(tmp_path, monkeypatch):
    from jqlite.cli import main as cli
    _pull("tushare", tmp_path / "s", ("bars", "valuation"))
    ours, jq = _recorded_factor_values(tmp_path / "s", monkeypatch)
    monkeypatch.delenv("JQLITE_DATA")
    import jqlite.data.sources.jqdatasdk as mod
    fake = FakeJqdatasdkX(factor_values={"market_cap": jq})
    monkeypatch.setattr(mod.JqdatasdkSource, "import_client", classmethod(lambda cls: fake))
    for k, v in JQ_ENV.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setattr("jqlite.data.sources.credentials.keyring_lookup", lambda s, k: None, raising=False)
    res = CliRunner().invoke(cli, ["data", "verify-factors", str(tmp_path / "s"), "--factors", "market_cap",
                                   "--start", "2024-01-02", "--end", "2024-01-10", "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["factors"]["market_cap"]["pairs"] == 24
    res = CliRunner().invoke(cli, ["data", "verify-factors", str(tmp_path / "s"), "--factors", "market_cap",
                                   "--start", "2024-01-02", "--end", "2024-01-10"])
    assert "market_cap" in res.stdout and "87.5%" in res.stdout
    fake.spare = 10      # fewer rows left than 28: stop before calling
    res = CliRunner().invoke(cli, ["data", "verify-factors", str(tmp_path / "s"), "--factors", "market_cap",
                                   "--start", "2024-01-02", "--end", "2024-01-10"])
    assert res.exit_code == 4 and "needs about 28" in res.output


def test_quota_stop_and_resume_with_minute_and_valuation(tmp_path):
    from jqlite.data.sources import QuotaExhausted
    # per security: 7 days x (2 + 240 + 1) = 1,701 rows; 2,000 rows cover the first batch only
    fake = FakeJqdatasdkX(total=2000, spare=2000)
    ad = JqdatasdkSource(fake)
    kw = dict(start="2024-01-02", end="2024-01-10", codes=["600000.XSHG", "000001.XSHE"], batch_size=1,
              what=("bars", "minute", "valuation"), env=dict(JQ_ENV), **NOKEY)
    with pytest.raises(QuotaExhausted, match="1 of 2 batches are committed"):
        run_pull("jqdatasdk", tmp_path / "s", adapter=ad, **kw)
    assert not (tmp_path / "s").exists()
    first = [c for c in fake.calls if c[0] == "get_price_1m"]
    fake.spare = fake.total = 10_000          # the next day
    r = run_pull("jqdatasdk", tmp_path / "s", adapter=ad, **kw)
    assert r["resumed_batches"] == 1
    # the committed batch is not fetched again: one more 1-minute call (the second security)
    assert len([c for c in fake.calls if c[0] == "get_price_1m"]) == len(first) + 1
    for code, days in (("000001.XSHE", 6), ("600000.XSHG", 7)):
        f = _minute_file(tmp_path / "s", "bars_minute", code)
        assert len(f) == days * 240 and not f["time"].duplicated().any()
    v = _valuation(tmp_path / "s")
    assert len(v) == 13 and not v.index.duplicated().any()      # 7 + 6 (suspended day: no row)


BACKTEST = '''
from jqdata import *

def initialize(context):
    set_benchmark('600000.XSHG')
    set_option('use_real_price', True)     # raw prices (the ex-dividend of 01-08 not applied back)
    run_daily(trade, '14:00')

def trade(context):
    v = get_fundamentals(query(valuation.market_cap).filter(valuation.code == '600000.XSHG'))
    ind = get_industry('000002.XSHE')['000002.XSHE']['sw_l3']['industry_code']
    b = get_bars('600000.XSHG', 1, '1m', fields=['close', 'volume'], include_now=False)
    record(mc=v['market_cap'].iloc[0], ind=float(ind), close=b['close'][-1], vol=b['volume'][-1])
'''


def test_pulled_minute_valuation_industries_in_a_backtest(tmp_path):
    import jqlite
    _pull("tushare", tmp_path / "s", ("bars", "minute", "valuation", "industries"))
    f = tmp_path / "strat.py"
    f.write_text(BACKTEST)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = jqlite.run_backtest(f, "2024-01-05", "2024-01-09", 100000, data=tmp_path / "s")
    d = res.daily.set_index("date")
    # valuation of the previous trading day: closes 7.05 (01-04), 7.00 (01-05), 6.70 (01-08) x
    # 2,935,217.8996 万股 / 1e4, rounded by tushare's total_mv to 0.0001 万元
    assert d["record_mc"].round(6).tolist() == [
        round(round(c * 2935217.8996, 4) / 1e4, 6) for c in (7.05, 7.00, 6.70)]
    # 000002's SW L3 class: 住宅开发 851811 until 01-07, 物业管理 851831 from 01-08
    assert d["record_ind"].tolist() == [851811.0, 851831.0, 851831.0]
    # the last complete 1-minute bar at 14:00: the one stamped 14:00 (13:59:00-13:59:59), from
    # the stored tushare bars (raw prices: use_real_price)
    for (_, row), day in zip(d.iterrows(), ("2024-01-05", "2024-01-08", "2024-01-09")):
        want = intraday("600000.XSHG", day, 240).set_index("time").loc[pd.Timestamp(f"{day} 14:00")]
        assert (row["record_close"], row["record_vol"]) == (want["close"], want["volume"])
