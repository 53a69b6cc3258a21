"""Tests for jqlite.data.ingest: user-file import, derivations, validation, real-data import."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jqlite.data import ingest
from jqlite.data.ingest import (ColumnMapping, derive_factor, import_bars_files, import_real_data,
                                limit_pct, normalize_code)
from jqlite.errors import DataValidationError

REAL = Path(ingest.__file__).resolve().parents[3] / "shared" / "data" / "real"
needs_real = pytest.mark.skipif(not (REAL / "daily" / "xbx").is_dir(),
                                reason=f"real data folder {REAL} is absent")

HEADER = "date,code,open,high,low,close,volume,amount,pre_close,name\n"


def _csv(tmp_path: Path, name: str, rows: list[str], header: str = HEADER) -> Path:
    p = tmp_path / name
    p.write_text(header + "".join(r + "\n" for r in rows), encoding="utf-8")
    return p


def _bars(store: Path) -> pd.DataFrame:
    b = pd.concat([pd.read_parquet(f) for f in sorted((store / "bars_daily").glob("*.parquet"))],
                  ignore_index=True)
    b["date"] = pd.to_datetime(b["date"])
    return b.set_index(["code", "date"]).sort_index()


MAP = ColumnMapping(money="amount", pre_close="pre_close", name="name")


# ---------------------------------------------------------------- codes

@pytest.mark.parametrize("raw, jq", [
    ("sh600000", "600000.XSHG"), ("sh.600000", "600000.XSHG"), ("SH600000", "600000.XSHG"),
    ("600000.SH", "600000.XSHG"), ("600000.ss", "600000.XSHG"), ("600000.XSHG", "600000.XSHG"),
    ("SZ000001", "000001.XSHE"), ("sz.000001", "000001.XSHE"), ("000001.SZ", "000001.XSHE"),
    ("000001", "000001.XSHE"), (1, "000001.XSHE"), ("600000", "600000.XSHG"),
    ("300750", "300750.XSHE"), ("688981", "688981.XSHG"), ("510300", "510300.XSHG"),
    ("159915", "159915.XSHE"), ("430047", "430047.BJSE"), ("bj430047", "430047.BJSE"),
    ("830799.BJ", "830799.BJSE"), ("920002", "920002.BJSE"), ("sh000001", "000001.XSHG"),
    ("stock_sz_000001", "000001.XSHE"), (" sz300001 ", "300001.XSHE"),
])
def test_normalize_code(raw, jq):
    assert normalize_code(raw) == jq


@pytest.mark.parametrize("bad", ["", "abc", "xx600000", "60000A", "sh600000.SZ"])
def test_normalize_code_rejects(bad):
    with pytest.raises(ValueError):
        normalize_code(bad)


def test_board_of():
    assert [ingest.board_of(c) for c in ("600000.XSHG", "688001.XSHG", "000001.XSHE", "002001.XSHE",
                                         "300001.XSHE", "301001.XSHE", "430047.BJSE", "510300.XSHG",
                                         "159915.XSHE", "000300.XSHG", "399006.XSHE")] == \
        ["sh_main", "star", "sz_main", "sme", "chinext", "chinext", "bse", "fund", "fund", "index", "index"]


# ---------------------------------------------------------------- suspended days

def test_suspended_gap_becomes_paused_rows(tmp_path):
    # 2021-01-06 and 01-07 are missing (suspended); fen prices via price_scale
    f = _csv(tmp_path, "bars.csv", [
        "2021-01-04,sh600010,1000,1010,990,1005,1000,10050,1000,包钢股份",
        "2021-01-05,sh600010,1005,1020,1000,1010,2000,20200,1005,包钢股份",
        "2021-01-08,sh600010,1010,1030,1005,1020,3000,30600,1010,包钢股份",
    ])
    m = ColumnMapping(money="amount", pre_close="pre_close", name="name", price_scale=0.01)
    store = import_bars_files([f], m, tmp_path / "store")
    b = _bars(store).loc["600010.XSHG"]
    assert list(b.index.strftime("%m-%d")) == ["01-04", "01-05", "01-06", "01-07", "01-08"]
    for d in ("2021-01-06", "2021-01-07"):
        r = b.loc[d]
        assert r["paused"] == 1
        assert r["open"] == r["high"] == r["low"] == r["close"] == r["pre_close"] == 10.10
        assert r["volume"] == 0 and r["money"] == 0
        assert r["factor"] == 1.0
    assert b.loc["2021-01-08", "paused"] == 0 and b.loc["2021-01-08", "close"] == 10.20
    assert b["paused"].sum() == 2
    sec = pd.read_parquet(store / "securities.parquet").set_index("code")
    assert sec.loc["600010.XSHG", "type"] == "stock" and sec.loc["600010.XSHG", "board"] == "sh_main"


# ---------------------------------------------------------------- factor and xrxd

def test_factor_cash_dividend_and_bonus_shares(tmp_path):
    # day 2: cash dividend 0.50/share: pre_close 10.00 - 0.50 = 9.50 -> factor 10/9.5
    # day 4: 10送5 (scale 1.5): pre_close 9.90 / 1.5 = 6.60 -> factor *= 9.90/6.60 = 1.5
    f = _csv(tmp_path, "div.csv", [
        "2021-06-01,600020.XSHG,10.0,10.0,10.0,10.00,100,1000,10.00,中原高速",
        "2021-06-02,600020.XSHG,9.6,9.9,9.5,9.80,100,980,9.50,XD中原高",
        "2021-06-03,600020.XSHG,9.8,9.9,9.8,9.90,100,990,9.80,中原高速",
        "2021-06-04,600020.XSHG,6.6,6.7,6.5,6.60,100,660,6.60,XR中原高",
        "2021-06-07,600020.XSHG,6.6,6.7,6.5,6.70,100,670,6.60,中原高速",
    ])
    store = import_bars_files(f, MAP, tmp_path / "store")
    fac = _bars(store).loc["600020.XSHG", "factor"].to_numpy()
    f1 = 10.0 / 9.5
    np.testing.assert_allclose(fac, [1.0, f1, f1, f1 * 1.5, f1 * 1.5], rtol=1e-12)
    assert math.isclose(fac[3], 1.5789473684210527, rel_tol=1e-12)
    xr = pd.read_parquet(store / "xrxd.parquet")
    xr["date"] = pd.to_datetime(xr["date"]).dt.strftime("%Y-%m-%d")
    assert xr[["code", "date"]].values.tolist() == [["600020.XSHG", "2021-06-02"], ["600020.XSHG", "2021-06-04"]]
    np.testing.assert_allclose(xr["bonus_pre_tax"], [5.0, 0.0], atol=1e-9)   # yuan per 10 shares
    np.testing.assert_allclose(xr["scale_factor"], [1.0, 1.5], atol=1e-12)
    # day markers XD/XR do not create new names; the truncated marked name is replaced
    names = pd.read_parquet(store / "names.parquet")
    assert names["display_name"].tolist() == ["中原高速"]


def test_xrxd_bonus_plus_cash():
    # 10转3派2: prev 15.47 -> pre_close round((15.47-0.2)/1.3, 2) = 11.75
    bars = pd.DataFrame({"code": ["600000.XSHG"] * 2,
                         "date": pd.to_datetime(["2017-05-24", "2017-05-25"]),
                         "close": [15.47, 12.93], "pre_close": [15.43, 11.75]})
    xr, skipped = ingest.derive_xrxd(bars)
    assert skipped == 0 and len(xr) == 1
    assert xr["scale_factor"].iloc[0] == 1.3
    assert abs(xr["bonus_pre_tax"].iloc[0] - 1.95) < 1e-9   # 2.0 up to the tick rounding of pre_close
    np.testing.assert_allclose(derive_factor(bars), [1.0, 15.47 / 11.75])


# ---------------------------------------------------------------- limits

def test_limit_pct_rules():
    boards = np.array(["sh_main", "sz_main", "sme", "sh_main", "chinext", "chinext", "chinext", "chinext",
                       "star", "bse", "fund", "index"], dtype=object)
    dates = pd.to_datetime(["2020-01-02"] * 4 + ["2020-08-21", "2020-08-24", "2020-08-21", "2020-08-24"]
                           + ["2020-01-02"] * 4).to_numpy()
    st = np.array([0, 0, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0], bool)
    p = limit_pct(boards, dates, st)
    np.testing.assert_allclose(p[:11], [.1, .1, .1, .05, .1, .2, .05, .2, .2, .3, .1])
    assert np.isnan(p[11])


def test_limit_prices_per_board(tmp_path):
    rows = []
    spec = [  # code, name, day-2 pre_close
        ("600030.XSHG", "中信证券", "10.00"), ("000002.XSHE", "万科A", "10.05"),
        ("002001.XSHE", "新和成", "10.00"), ("600040.XSHG", "*ST测试", "10.00"),
        ("688001.XSHG", "华兴源创", "10.00"), ("430047.BJSE", "诺思兰德", "10.00"),
        ("510300.XSHG", "沪深300ETF", "4.123"), ("600050.XSHG", "ST联通", "3.33"),
    ]
    for code, name, pc in spec:
        rows.append(f"2020-08-20,{code},{pc},{pc},{pc},{pc},100,100,{pc},{name}")
        rows.append(f"2020-08-21,{code},{pc},{pc},{pc},{pc},100,100,{pc},{name}")
    # ChiNext across the 2020-08-24 switch (±10 % -> ±20 %)
    for d in ("2020-08-20", "2020-08-21", "2020-08-24"):
        rows.append(f"{d},300001.XSHE,10.00,10.00,10.00,10.00,100,100,10.00,特锐德")
    # a stock listed inside the data: no limit on its IPO day
    rows.append("2020-08-21,600060.XSHG,12.00,12.00,12.00,12.00,100,100,8.33,N海信")
    rows.append("2020-08-24,600060.XSHG,13.20,13.20,13.20,13.20,100,100,12.00,海信视像")
    store = import_bars_files(_csv(tmp_path, "lim.csv", rows), MAP, tmp_path / "store")
    b = _bars(store)

    def lim(code, d="2020-08-21"):
        r = b.loc[(code, pd.Timestamp(d))]
        return r["high_limit"], r["low_limit"]

    assert lim("600030.XSHG") == (11.00, 9.00)          # main board ±10 %
    assert lim("000002.XSHE") == (11.06, 9.05)          # 11.055 / 9.045 rounded half up
    assert lim("002001.XSHE") == (11.00, 9.00)          # SME ±10 %
    assert lim("600040.XSHG") == (10.50, 9.50)          # *ST ±5 %
    assert lim("600050.XSHG") == (3.50, 3.16)           # ST: 3.4965 -> 3.50, 3.1635 -> 3.16
    assert lim("688001.XSHG") == (12.00, 8.00)          # STAR ±20 %
    assert lim("430047.BJSE") == (13.00, 7.00)          # BSE ±30 %
    assert lim("510300.XSHG") == (4.535, 3.711)         # ETF ±10 %, 0.001 tick
    assert lim("300001.XSHE", "2020-08-21") == (11.00, 9.00)
    assert lim("300001.XSHE", "2020-08-24") == (12.00, 8.00)
    assert all(np.isnan(lim("600060.XSHG", "2020-08-21")))   # IPO day: no limit
    assert lim("600060.XSHG", "2020-08-24") == (13.20, 10.80)
    st = pd.read_parquet(store / "st.parquet")
    assert sorted(st["code"]) == ["600040.XSHG", "600050.XSHG"]
    # their last row (2020-08-21) is before the store's last day: treated as delisted, interval closed
    assert set(pd.to_datetime(st["end_date"]).astype(str)) == {"2020-08-21"}
    assert str(sec_end("600040.XSHG", store)) == "2020-08-21"
    sec = pd.read_parquet(store / "securities.parquet").set_index("code")
    assert sec.loc["510300.XSHG", "type"] == "etf" and sec.loc["510300.XSHG", "board"] == "fund"
    assert sec.loc["600060.XSHG", "display_name"] == "海信视像"


def sec_end(code, store):
    return pd.read_parquet(store / "securities.parquet").set_index("code").loc[code, "end_date"]


def test_ipo_free_days_star_and_new_chinext():
    days = pd.bdate_range("2020-09-01", periods=7)
    bars = pd.DataFrame({"code": ["688100.XSHG"] * 7, "date": days, "pre_close": [10.0] * 7})
    hi, lo = ingest.derive_limits(bars, np.array(["star"] * 7, dtype=object), np.zeros(7, bool),
                                  {"688100.XSHG": days[0]})
    assert np.isnan(hi[:5]).all() and hi[5] == 12.0 and lo[6] == 8.0


# ---------------------------------------------------------------- ST from names

def test_is_st_name():
    names = pd.Series(["*ST金亚", "ST川化", "S*ST前锋", "SST佳通", "XD*ST舍", "*欣泰", "NST常林",
                       "S佳通", "TCL集团", "浦发银行", "XD浦发银", None])
    assert ingest.is_st_name(names).tolist() == [True] * 7 + [False] * 5


# ---------------------------------------------------------------- user layouts

def test_tushare_layout_units(tmp_path):
    hdr = "ts_code,trade_date,open,high,low,close,pre_close,vol,amount\n"
    f = _csv(tmp_path, "ts.csv", ["000001.SZ,20210104,19.1,19.1,18.4,18.6,19.34,1554216.43,2891682.6",
                                  "000001.SZ,20210105,18.4,18.48,17.8,18.17,18.6,1821352.1,3284606.3"], header=hdr)
    store = import_bars_files(f, ColumnMapping.tushare(), tmp_path / "store")
    b = _bars(store).loc["000001.XSHE"]
    assert b["volume"].iloc[0] == pytest.approx(155421643.0)      # lots -> shares
    assert b["money"].iloc[0] == pytest.approx(2891682600.0)      # thousand yuan -> yuan


def test_one_security_per_file_code_from_filename(tmp_path):
    hdr = "date,open,high,low,close,volume,money\n"
    f = _csv(tmp_path, "sz000001.csv", ["2021-01-04,19.1,19.1,18.4,18.6,100,1000"], header=hdr)
    g = _csv(tmp_path, "600000.SH.csv", ["2021-01-04,10.1,10.2,10.0,10.1,100,1000"], header=hdr)
    store = import_bars_files(tmp_path, ColumnMapping(code=None), tmp_path / "out" / "store")
    assert set(_bars(store).index.get_level_values(0)) == {"000001.XSHE", "600000.XSHG"}


# ---------------------------------------------------------------- malformed files

GOOD = ["2021-01-04,sh600010,10.0,10.2,9.9,10.1,100,1010,10.0,包钢股份",
        "2021-01-05,sh600010,10.1,10.3,10.0,10.2,100,1020,10.1,包钢股份",
        "2021-01-06,sh600010,10.2,10.4,10.1,10.3,100,1030,10.2,包钢股份"]


@pytest.mark.parametrize("rows, header, row, column, words", [
    ([GOOD[0], GOOD[1].replace(",100,", ",-5,"), GOOD[2]], HEADER, 1, "volume", ">= 0"),
    ([GOOD[0], GOOD[1], "2021-01-06,sh600010,10.2,10.0,10.4,10.3,100,1030,10.2,包钢股份"], HEADER, 2, "high", "high < low"),
    ([GOOD[0], GOOD[1], GOOD[1]], HEADER, 2, "date", "duplicate"),
    ([GOOD[0], GOOD[1], GOOD[2].replace("2021-01-06", "2021-01-09")], HEADER, 2, "date", "trading day"),
    ([GOOD[0], GOOD[1], GOOD[2].replace("2021-01-06", "2021-02-12")], HEADER, 2, "date", "trading day"),
    ([GOOD[0], GOOD[1].replace("10.1,10.3,", "abc,10.3,"), GOOD[2]], HEADER, 1, "open", "not a number"),
    ([GOOD[0], GOOD[1].replace("2021-01-05", "2021-13-45"), GOOD[2]], HEADER, 1, "date", "not a date"),
    ([g.rsplit(",", 4)[0] + ",100,10.0,包钢股份" for g in GOOD],
     "date,code,open,high,low,close,volume,pre_close,name\n", None, "amount", "missing column"),
])
def test_malformed_file_rejected_and_store_untouched(tmp_path, rows, header, row, column, words):
    store = tmp_path / "store"
    import_bars_files(_csv(tmp_path, "ok.csv", GOOD), MAP, store)
    meta_before = (store / "meta.json").read_text()
    files_before = sorted(p.relative_to(store) for p in store.rglob("*"))
    bad = _csv(tmp_path, "bad.csv", rows, header=header)
    with pytest.raises(DataValidationError) as ei:
        import_bars_files([bad], MAP, store)
    e = ei.value
    assert e.file == str(bad) and e.row == row and e.column == column, str(e)
    assert words in str(e) and "bad.csv" in str(e)
    assert (store / "meta.json").read_text() == meta_before
    assert sorted(p.relative_to(store) for p in store.rglob("*")) == files_before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".store.tmp")]


def test_duplicate_across_files_names_second_file(tmp_path):
    a = _csv(tmp_path, "a.csv", GOOD[:2])
    b = _csv(tmp_path, "b.csv", GOOD[1:])
    with pytest.raises(DataValidationError) as ei:
        import_bars_files([a, b], MAP, tmp_path / "store")
    assert ei.value.file == str(b) and ei.value.row == 0 and "duplicate" in str(ei.value)


def test_parquet_input(tmp_path):
    df = pd.DataFrame({"date": pd.to_datetime(["2021-01-04", "2021-01-05"]), "code": ["600010.XSHG"] * 2,
                       "open": [10.0, 10.1], "high": [10.2, 10.3], "low": [9.9, 10.0], "close": [10.1, 10.2],
                       "volume": [100, 100], "money": [1010.0, 1020.0], "pre_close": [10.0, 10.1]})
    p = tmp_path / "bars.parquet"
    df.to_parquet(p)
    store = import_bars_files(p, ColumnMapping.jqlite(), tmp_path / "store")
    b = _bars(store)
    assert len(b) == 2 and b["high_limit"].iloc[1] == 11.11
    meta = json.loads((store / "meta.json").read_text())
    assert meta["first_date"] == "2021-01-04" and meta["last_date"] == "2021-01-05"


# ---------------------------------------------------------------- real data

CODES = ["600000.XSHG", "000001.XSHE", "300750.XSHE", "600656.XSHG", "510050.XSHG", "159928.XSHE",
         "000300.XSHG"]


@pytest.fixture(scope="module")
def small_real_store(tmp_path_factory):
    if not (REAL / "daily" / "xbx").is_dir():
        pytest.skip(f"real data folder {REAL} is absent")
    out = tmp_path_factory.mktemp("real") / "store"
    return import_real_data(REAL, out, codes=CODES)


@pytest.mark.realdata
@needs_real
def test_real_few_codes(small_real_store):
    store = small_real_store
    b = _bars(store)
    x = b.loc["600000.XSHG"]
    # 2017-05-25: 10转3派2 ex-date; pre_close 11.75 after close 15.47; also a limit-up close
    assert x.loc["2017-05-24", "close"] == 15.47 and x.loc["2017-05-25", "pre_close"] == 11.75
    assert x.loc["2017-05-25", "factor"] / x.loc["2017-05-24", "factor"] == pytest.approx(15.47 / 11.75)
    assert x.loc["2017-05-25", "high_limit"] == 12.93 == x.loc["2017-05-25", "close"]
    assert x["factor"].iloc[0] == 1.0
    # CATL: IPO 2018-06-11 without limit; ChiNext ±10 % -> ±20 % on 2020-08-24
    y = b.loc["300750.XSHE"]
    assert np.isnan(y.loc["2018-06-11", "high_limit"]) and y.loc["2018-06-12", "high_limit"] == 39.82
    assert y.loc["2020-08-21", "high_limit"] == 207.26 and y.loc["2020-08-24", "high_limit"] == 230.68
    # dense: every trading day between first and last row
    cal = pd.to_datetime(pd.read_parquet(store / "calendar.parquet")["date"])
    assert len(x) == len(cal) == 1714
    xr = pd.read_parquet(store / "xrxd.parquet")
    r = xr[(xr.code == "600000.XSHG") & (pd.to_datetime(xr.date) == "2017-05-25")].iloc[0]
    assert r.scale_factor == 1.3 and r.bonus_pre_tax == pytest.approx(1.95)
    e = xr[(xr.code == "159928.XSHE") & (pd.to_datetime(xr.date) == "2021-06-25")].iloc[0]
    assert e.scale_factor == 4.0                                      # ETF 4:1 split
    sec = pd.read_parquet(store / "securities.parquet").set_index("code")
    assert sec.loc["000300.XSHG", "type"] == "index" and sec.loc["510050.XSHG", "type"] == "etf"
    assert str(sec.loc["600656.XSHG", "end_date"]) == "2016-05-12"    # delisted
    assert str(sec.loc["600000.XSHG", "end_date"]) == "2200-01-01"
    ix = b.loc["000300.XSHG"]
    assert (ix["money"] == 0).all() and ix["high_limit"].isna().all() and (ix["factor"] == 1).all()
    st = pd.read_parquet(store / "st.parquet")
    assert "600656.XSHG" in set(st.code)
    mem = pd.read_parquet(store / "index_members.parquet")
    on = mem[(mem.index_code == "000300.XSHG") & (pd.to_datetime(mem.start_date) <= "2020-06-01")
             & (pd.to_datetime(mem.end_date) >= "2020-06-01")]
    assert {"600000.XSHG", "000001.XSHE"} <= set(on.code)


@pytest.mark.realdata
@pytest.mark.slow
@needs_real
def test_real_full_import(tmp_path):
    t0 = time.perf_counter()
    store = import_real_data(REAL, tmp_path / "store")
    secs = time.perf_counter() - t0
    stats = import_real_data.last_stats
    assert stats["securities"] == 4759 + 24 + 17
    assert stats["source_rows"] > 5_700_000 and stats["bars"] > stats["source_rows"]
    assert stats["limit_violations"] < 200            # closes outside the derived limits
    sec = pd.read_parquet(store / "securities.parquet")
    assert (sec.type == "stock").sum() == 4759
    mem = pd.read_parquet(store / "index_members.parquet")
    assert {"000300.XSHG", "000905.XSHG", "000852.XSHG", "000903.XSHG", "000906.XSHG", "000001.XSHG",
            "399106.XSHE", "399101.XSHE", "000985.XSHG", "399102.XSHE"} == set(mem.index_code)
    print(f"full real import: {secs:.1f} s, {stats}")
