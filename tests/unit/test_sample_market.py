"""The bundled synthetic sample market (jqlite.data.sample)."""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd
import pytest

from jqlite.data.calendar import xshg_trading_days
from jqlite.data.sample import (_MORE_FUNDS, FAMOUS, SECTOR_KEYS, SIGNAL, SIGNAL_PARAMS,
                                generate_sample_market, round_half_up, sample_latents,
                                sample_sectors, sample_signal)

SEED = 20240101


def _read(path, table):
    df = pd.read_parquet(path / f"{table}.parquet")
    for c in df.columns:
        if c in ("date", "start_date", "end_date"):
            df[c] = pd.to_datetime(df[c])
    return df


def _bars(path):
    df = pd.concat([pd.read_parquet(f) for f in sorted((path / "bars_daily").glob("*.parquet"))],
                   ignore_index=True)
    df["date"] = pd.to_datetime(df["date"])
    return df


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    path = tmp_path_factory.mktemp("sample") / "store"
    t0 = time.perf_counter()
    generate_sample_market(path)
    elapsed = time.perf_counter() - t0
    bars = _bars(path)
    sec = _read(path, "securities")
    stocks = bars[bars["code"].isin(sec.loc[sec["type"] == "stock", "code"])].reset_index(drop=True)
    stocks = stocks.sort_values(["code", "date"], kind="stable").reset_index(drop=True)
    return {"path": path, "elapsed": elapsed, "bars": bars, "sec": sec, "stocks": stocks,
            "st": _read(path, "st"), "xrxd": _read(path, "xrxd"), "names": _read(path, "names"),
            "members": _read(path, "index_members")}


def _prev(stocks, col):
    """Previous row's value of ``col`` within each code (NaN on a code's first row)."""
    prev = stocks[col].shift(1)
    prev[stocks["code"] != stocks["code"].shift(1)] = np.nan
    return prev


def _st_mask(stocks, st):
    m = np.zeros(len(stocks), bool)
    for code, s, e in st[["code", "start_date", "end_date"]].itertuples(index=False):
        m |= ((stocks["code"] == code) & (stocks["date"] >= s) & (stocks["date"] <= e)).to_numpy()
    return m


def test_generation_time_and_meta(market):
    # measured ~10-20 s on 2 cores; the requirement is < 60 s (margin for loaded machines)
    assert market["elapsed"] < 120
    meta = json.loads((market["path"] / "meta.json").read_text())
    assert meta["name"] == "sample"
    assert meta["source"] == f"jqlite synthetic sample market seed={SEED}"
    assert (meta["first_date"], meta["last_date"]) == ("2014-01-02", "2025-12-31")
    cal = _read(market["path"], "calendar")["date"]
    assert list(cal) == list(xshg_trading_days("2014-01-02", "2025-12-31"))
    assert len(cal) > 2900


def test_securities_boards_and_codes(market):
    sec = market["sec"]
    counts = sec.groupby(["type", "board"]).size().to_dict()
    # stocks per board unchanged by the famous codes (each replaces a stock of its board);
    # 5 original + 27 more + 21 Shenwan L1 indexes; 13 original + 79 more ETFs, 4 money-market
    # funds, 10 LOFs; 18 famous open-end (OF) funds (6 mixed, 5 stock, 3 bond, 2 money, 2
    # QDII) plus generator 6's universe (OF_UNIVERSE_COUNTS: 160, 90, 110, 30, 15)
    assert counts == {("stock", "sh_main"): 320, ("stock", "sz_main"): 120, ("stock", "sme"): 160,
                      ("stock", "chinext"): 136, ("stock", "star"): 64,
                      ("index", "index"): 56, ("etf", "fund"): 92, ("mmf", "fund"): 4,
                      ("lof", "fund"): 10, ("mixture_fund", "fund"): 6 + 160, ("stock_fund", "fund"): 5 + 90,
                      ("bond_fund", "fund"): 3 + 110, ("money_market_fund", "fund"): 2 + 30,
                      ("QDII_fund", "fund"): 2 + 15}
    prefixes = {"sh_main": ("600", "601", "603", "605"), "sz_main": ("000",), "sme": ("002",),
                "chinext": ("300",), "star": ("688",)}
    for board, pre in prefixes.items():
        codes = sec.loc[sec["board"] == board, "code"]
        assert codes.str[:3].isin(pre).all(), board
        assert codes.str.endswith(".XSHG" if board in ("sh_main", "star") else ".XSHE").all()
    star = sec[sec["board"] == "star"]
    assert (star["start_date"] >= "2019-07-22").all()
    assert (star["start_date"] == "2019-07-22").sum() >= 10
    assert {"000300.XSHG", "000905.XSHG", "399101.XSHE", "000001.XSHG", "000985.XSHG", "000016.XSHG",
            "000852.XSHG", "399006.XSHE", "000688.XSHG", "801780.XSHG"} <= set(sec.loc[sec["type"] == "index", "code"])
    assert sec["display_name"].is_unique and sec["code"].is_unique
    stocks = sec[sec["type"] == "stock"]
    assert stocks["name"].str.fullmatch(r"[A-Z]{3,5}").all()      # 3: real pinyin of WKA, BYD
    assert ((stocks["start_date"] > "2014-01-02").sum()) > 250      # IPOs in the period
    delisted = stocks[stocks["end_date"] < "2025-12-31"]
    assert 8 <= len(delisted) <= 30
    s = market["stocks"]
    last = s.groupby("code")["date"].max()
    assert (last.loc[delisted["code"]].to_numpy() == delisted["end_date"].to_numpy()).all()


def test_bars_dense_between_listing_and_delisting(market):
    days = xshg_trading_days("2014-01-02", "2025-12-31")
    s, sec = market["stocks"], market["sec"].set_index("code")
    g = s.groupby("code")["date"].agg(["min", "max", "count"])
    first = sec.loc[g.index, "start_date"].clip(lower=days[0])
    assert (g["min"] == first).all()
    n_expected = np.searchsorted(days, g["max"], side="right") - np.searchsorted(days, g["min"])
    assert (g["count"].to_numpy() == n_expected).all()
    ipos = sec[(sec["type"] == "stock") & (sec["start_date"] > days[0])].index
    assert (g.loc[ipos, "min"] == sec.loc[ipos, "start_date"]).all()


def test_determinism(tmp_path):
    kw = dict(n_stocks=60, end="2016-06-30")
    a = generate_sample_market(tmp_path / "a", seed=7, **kw)
    b = generate_sample_market(tmp_path / "b", seed=7, **kw)
    c = generate_sample_market(tmp_path / "c", seed=8, **kw)
    for f in sorted((a / "bars_daily").glob("*.parquet")):
        assert f.read_bytes() == (b / "bars_daily" / f.name).read_bytes()
    for t in ("securities", "xrxd", "st", "names", "index_members"):
        assert (a / f"{t}.parquet").read_bytes() == (b / f"{t}.parquet").read_bytes(), t
    ba, bc = _bars(a), _bars(c)
    assert not (len(ba) == len(bc) and np.allclose(ba["close"], bc["close"]))


def test_prices_inside_limits_and_on_ticks(market):
    bars = market["bars"]
    tradable = bars[bars["high_limit"].notna()]
    lo, hi = tradable["low_limit"].to_numpy(), tradable["high_limit"].to_numpy()
    for c in ("open", "high", "low", "close"):
        v = tradable[c].to_numpy()
        assert ((v >= lo - 1e-9) & (v <= hi + 1e-9)).all(), c
    assert (bars["high"] >= bars[["open", "close"]].max(axis=1) - 1e-9).all()
    assert (bars["low"] <= bars[["open", "close"]].min(axis=1) + 1e-9).all()
    s = market["stocks"]
    for c in ("open", "high", "low", "close", "pre_close", "high_limit", "low_limit"):
        v = s[c].to_numpy() * 100
        assert np.abs(v - np.round(v)).max() < 1e-6, c
    etf_codes = market["sec"].loc[market["sec"]["type"] == "etf", "code"]
    e = bars[bars["code"].isin(etf_codes)]
    v = e[["open", "high", "low", "close"]].to_numpy() * 1000
    assert np.abs(v - np.round(v)).max() < 1e-6
    assert 0.1 < e["close"].min()       # (sector / 中概 ETFs listed at 1.00 can lose 70 %)
    bond_like = {c for c, *r in _MORE_FUNDS if r[3].startswith(("bond:", "money:"))}
    assert e.loc[~e["code"].isin(bond_like), "close"].max() < 12     # bond ETFs trade near 100
    assert np.allclose(e["high_limit"], round_half_up(e["pre_close"] * 1.1, 3))
    assert np.allclose(e["low_limit"], round_half_up(e["pre_close"] * 0.9, 3))


def test_limit_rules_per_board(market):
    s, sec, st = market["stocks"], market["sec"].set_index("code"), market["st"]
    board = sec.loc[s["code"], "board"].to_numpy()
    first = (s["code"] != s["code"].shift(1)).to_numpy()
    ipo_first = first & (s["date"].to_numpy() == sec.loc[s["code"], "start_date"].to_numpy())
    is_st = _st_mask(s, st)
    wide = (board == "star") | ((board == "chinext") & (s["date"] >= "2020-08-24").to_numpy())
    ratio = np.where(wide, 0.2, np.where(is_st, 0.05, 0.1))
    pre = s["pre_close"].to_numpy()
    normal = ~ipo_first
    assert np.array_equal(s["high_limit"].to_numpy()[normal], round_half_up(pre * (1 + ratio), 2)[normal])
    assert np.array_equal(s["low_limit"].to_numpy()[normal], round_half_up(pre * (1 - ratio), 2)[normal])
    # IPO first day: the 44 % rule on the issue price
    assert np.array_equal(s["high_limit"].to_numpy()[ipo_first], round_half_up(pre * 1.44, 2)[ipo_first])
    assert np.array_equal(s["low_limit"].to_numpy()[ipo_first], round_half_up(pre * 0.64, 2)[ipo_first])
    assert is_st.sum() > 5000

    up = (s["close"] == s["high_limit"]).to_numpy() & (s["paused"] == 0).to_numpy() & ~first
    down = (s["close"] == s["low_limit"]).to_numpy() & (s["paused"] == 0).to_numpy() & ~first
    assert 0.002 < up.mean() < 0.02 and 0.001 < down.mean() < 0.01
    for b in ("sh_main", "sz_main", "sme", "chinext", "star"):
        # -20 % days are rare on STAR, as in the real market
        assert up[board == b].sum() > 50 and down[board == b].sum() >= (1 if b == "star" else 10), b
    # a ChiNext limit-up at +20 % after the 2020-08-24 reform, with Python's round() too
    cx = up & (board == "chinext") & (s["date"] >= "2020-08-24").to_numpy()
    rows = s[cx]
    assert len(rows) > 20
    assert all(c == round(p * 1.2, 2) for c, p in zip(rows["close"], rows["pre_close"]))
    assert (rows["close"] / rows["pre_close"] > 1.19).all()
    # ... and at +10 % before it
    cx_old = up & (board == "chinext") & (s["date"] < "2020-08-24").to_numpy() & ~is_st
    assert cx_old.sum() > 20
    r = s.loc[cx_old, "close"] / s.loc[cx_old, "pre_close"]
    assert (r < 1.11).all() and (r > 1.09).all()
    # ST days: ±5 %, and ST stocks do hit them
    st_up = up & is_st
    assert st_up.sum() > 10
    r = s.loc[st_up, "close"] / s.loc[st_up, "pre_close"]
    assert (r > 1.04).all() and (r < 1.06).all()
    # one-price (一字板) days
    one = up & (s["low"] == s["high_limit"]).to_numpy() & (s["open"] == s["high_limit"]).to_numpy()
    assert one.sum() > 200
    assert (up & ~one).sum() > 1000       # and ordinary limit-up closes


def test_suspensions(market):
    s = market["stocks"]
    p = s["paused"] == 1
    assert 0.002 < p.mean() < 0.03
    prev_close = _prev(s, "close")
    ps = s[p]
    assert (ps["volume"] == 0).all() and (ps["money"] == 0).all()
    for c in ("open", "high", "low", "close", "pre_close"):
        assert np.array_equal(ps[c].to_numpy(), prev_close[p].to_numpy()), c
    assert (s.loc[~p, "volume"] > 0).all()
    # both single days and multi-week suspensions
    runs = []
    for _, g in s.groupby("code")["paused"]:
        v = np.concatenate([[0], g.to_numpy(), [0]])
        d = np.diff(v)
        runs.extend(np.flatnonzero(d == -1) - np.flatnonzero(d == 1))
    runs = np.array(runs)
    assert (runs == 1).sum() > 500 and (runs >= 10).sum() > 100


def test_xrxd_and_factor(market):
    s, x = market["stocks"], market["xrxd"]
    x = x[x["code"].isin(set(s["code"]))]                      # stock events (funds: test_funds)
    assert len(x) > 2000 and (x["scale_factor"] > 1).sum() > 200 and (x["bonus_pre_tax"] > 0).sum() > 2000
    m = s.merge(x, on=["code", "date"], how="left")
    ex = m["scale_factor"].notna().to_numpy()
    assert ex.sum() == len(x)                                  # every event is on a bar
    prev_close, prev_factor = _prev(s, "close").to_numpy(), _prev(s, "factor").to_numpy()
    first = np.isnan(prev_close)
    pre, fac = s["pre_close"].to_numpy(), s["factor"].to_numpy()
    # ordinary days: pre_close = previous close, factor unchanged; first rows: factor 1
    norm = ~ex & ~first
    assert np.array_equal(pre[norm], prev_close[norm])
    assert np.array_equal(fac[norm], prev_factor[norm])
    assert (fac[first] == 1.0).all()
    # ex-dates
    cash = m["bonus_pre_tax"].to_numpy()[ex] / 10.0
    scale = m["scale_factor"].to_numpy()[ex]
    assert np.array_equal(pre[ex], round_half_up((prev_close[ex] - cash) / scale, 2))
    assert np.allclose(fac[ex], prev_factor[ex] * prev_close[ex] / pre[ex], rtol=1e-12)
    assert (s.loc[ex, "paused"] == 0).all()


def test_volume_and_money(market):
    s = market["stocks"]
    assert (s["volume"] % 100 == 0).all()
    tr = s[s["paused"] == 0]
    vwap = tr["money"] / tr["volume"]
    assert ((vwap >= tr["low"] - 0.01) & (vwap <= tr["high"] + 0.01)).all()
    lat = sample_latents(SEED, 800)
    money = tr.groupby("code")["money"].median()
    size = lat.loc[money.index, "size"]
    big, small = money[size > size.quantile(2 / 3)], money[size < size.quantile(1 / 3)]
    assert big.median() > 3 * small.median()
    assert 2e7 < money.median() < 1e9                       # yuan per day


def test_returns_realistic(market):
    s = market["stocks"]
    tr = s[(s["paused"] == 0) & (s["code"] == s["code"].shift(1))]
    r = tr["close"] / tr["pre_close"] - 1
    sd = r.groupby(tr["code"]).std()
    assert 0.018 < sd.median() < 0.032
    bars = market["bars"]
    hs300 = bars[bars["code"] == "000300.XSHG"].set_index("date")
    assert 1500 < hs300["close"].min() and hs300["close"].max() < 8000
    assert hs300.loc["2015-06-01":"2015-06-12", "close"].max() > 1.6 * hs300.loc["2014-01-02", "close"]
    assert hs300.loc["2015-08-26", "close"] < 0.75 * hs300.loc["2015-06-01":"2015-06-12", "close"].max()
    assert hs300["high_limit"].isna().all() and (hs300["factor"] == 1).all() and (hs300["paused"] == 0).all()


def test_index_members(market):
    mem, sec = market["members"], market["sec"]
    def at(code, day):
        d = pd.Timestamp(day)
        m = mem[(mem["index_code"] == code) & (mem["start_date"] <= d) & (mem["end_date"] >= d)]
        return set(m["code"])
    a, b = at("000300.XSHG", "2016-01-04"), at("000300.XSHG", "2022-01-04")
    assert len(a) == 300 and len(b) == 300
    assert 20 < len(a - b) < 250                               # re-ranked over time
    # 000905 takes ranks 301-800: with 800 sample stocks it has fewer than 500 members
    assert 300 < len(at("000905.XSHG", "2022-01-04")) <= 500
    assert not a & at("000905.XSHG", "2016-01-04")
    sme = at("399101.XSHE", "2020-01-02")
    assert sme and all(c.startswith("002") for c in sme)
    assert all(c.endswith(".XSHG") for c in at("000001.XSHG", "2020-01-02"))
    # June/December re-rankings
    starts = mem.loc[(mem["index_code"] == "000300.XSHG") & (mem["start_date"] > "2014-01-02"), "start_date"]
    assert set(starts.dt.month) == {6, 12}
    # index volume is the sum of its members' volumes
    bars = market["bars"]
    day = pd.Timestamp("2019-03-01")
    members = at("000300.XSHG", day)
    vol = bars.loc[(bars["date"] == day) & bars["code"].isin(members), "volume"].sum()
    idx = bars.loc[(bars["date"] == day) & (bars["code"] == "000300.XSHG"), "volume"].iloc[0]
    assert idx == vol


def test_st_and_names(market):
    st, names, sec = market["st"], market["names"], market["sec"].set_index("code")
    assert len(st) >= 20
    assert set(sec.loc[st["code"], "board"]) <= {"sh_main", "sz_main", "sme"}
    for code, s, e in st[["code", "start_date", "end_date"]].itertuples(index=False):
        n = names[(names["code"] == code) & (names["start_date"] == s)]
        assert len(n) == 1 and n["display_name"].iloc[0].startswith(("ST", "*ST")), code
        assert n["end_date"].iloc[0] == e
    base = names[~names["display_name"].str.contains("ST")]
    assert base.groupby("code").size().min() >= 1
    assert set(names["code"]) == set(sec.index[sec["type"] == "stock"])
    delisted = sec[(sec["type"] == "stock") & (sec["end_date"] < "2025-12-31")]
    assert delisted["display_name"].str.startswith("*ST").all()


def test_etfs(market):
    bars, sec = market["bars"], market["sec"].set_index("code")
    assert sec.loc["515030.XSHG", "start_date"] == pd.Timestamp("2020-03-04")
    e = bars[bars["code"] == "515030.XSHG"]
    assert e["date"].min() == pd.Timestamp("2020-03-04") and e["pre_close"].iloc[0] == 1.0
    # 510300 tracks 000300
    a = bars[bars["code"] == "510300.XSHG"].set_index("date")["close"].pct_change()
    b = bars[bars["code"] == "000300.XSHG"].set_index("date")["close"].pct_change()
    assert a.corr(b) > 0.98


def test_famous_codes(market):
    """The codes real files type first exist, with their real names, of their board, never
    ST or delisted; every other stock keeps its synthetic bars (each famous code replaced
    the neighbour in code order, so no random draw moved)."""
    sec = market["sec"].set_index("code")
    placed = [f for f in FAMOUS if f[0] in sec.index]
    assert len(placed) == len(FAMOUS) - 3        # 600031, 601989, 601998: no usable neighbour
    for code, name, abbr, *_ in placed:
        assert (sec.loc[code, "display_name"], sec.loc[code, "name"], sec.loc[code, "type"]) == (name, abbr, "stock")
    assert {"000001.XSHE", "600519.XSHG", "600036.XSHG", "601318.XSHG", "000858.XSHE", "300750.XSHE",
            "000002.XSHE", "600000.XSHG", "601398.XSHG", "000333.XSHE", "002415.XSHE",
            "600276.XSHG"} <= set(sec.index)
    assert sec.loc["000001.XSHE", "start_date"] == pd.Timestamp("1991-04-03")   # real listing date
    assert not set(market["st"]["code"]) & {f[0] for f in placed}
    assert (sec.loc[[f[0] for f in placed], "end_date"] == pd.Timestamp("2200-01-01")).all()
    # large caps: 600519 and 601398 are 000300 members from the first day
    mem = market["members"]
    m300 = mem[(mem["index_code"] == "000300.XSHG") & (mem["start_date"] <= "2014-01-02")]
    assert {"600519.XSHG", "601398.XSHG", "600036.XSHG"} <= set(m300["code"])


def test_funds(market):
    bars, sec = market["bars"], market["sec"].set_index("code")
    exch = sec[sec["type"].isin(["etf", "lof", "mmf"])]
    assert len(exch) >= 80
    assert {"510180.XSHG", "510500.XSHG", "513100.XSHG", "513500.XSHG", "511010.XSHG", "511880.XSHG",
            "518880.XSHG", "159915.XSHE", "563300.XSHG", "588000.XSHG", "159941.XSHE", "511260.XSHG",
            "511990.XSHG", "159919.XSHE", "512100.XSHG"} <= set(exch.index)
    assert sec.loc["511880.XSHG", "type"] == "mmf" and sec.loc["161725.XSHE", "type"] == "lof"
    px = bars.pivot(index="date", columns="code", values="close")
    # money-market ETF: ~2.2 % a year, tiny daily volatility
    mm = px["511880.XSHG"].dropna()
    years = (mm.index[-1] - mm.index[0]).days / 365.25
    assert 0.015 < (mm.iloc[-1] / mm.iloc[0]) ** (1 / years) - 1 < 0.03
    assert mm.pct_change().std() < 0.0002
    # two funds on the Nasdaq path move together; 513100 is not the A-share market
    r = px[["513100.XSHG", "159941.XSHE", "510300.XSHG"]].pct_change().dropna()
    assert r["513100.XSHG"].corr(r["159941.XSHE"]) > 0.97
    assert abs(r["513100.XSHG"].corr(r["510300.XSHG"])) < 0.2
    # ETFs track their index: 588000 ~ 000688, 512800 ~ the SW bank index
    for etf, idx in (("588000.XSHG", "000688.XSHG"), ("512800.XSHG", "801780.XSHG")):
        r = px[[etf, idx]].pct_change().dropna()
        assert r[etf].corr(r[idx]) > 0.95, etf
    # open-end funds: one NAV a day, no volume, types JoinQuant uses
    of = sec[sec.index.str.endswith(".OF")]
    assert len(of) >= 15
    assert set(of["type"]) == {"mixture_fund", "stock_fund", "bond_fund", "money_market_fund", "QDII_fund"}
    b = bars[bars["code"] == "217022.OF"]
    assert (b["volume"] == 0).all() and (b["open"] == b["close"]).all() and b["high_limit"].isna().all()
    # bond fund distributions: yearly ex-dates, factor = accumulated / unit NAV
    x = market["xrxd"]
    xb = x[x["code"] == "217022.OF"]
    assert len(xb) == 11 and (xb["date"].dt.month == 1).all() and (xb["scale_factor"] == 1.0).all()
    assert b["factor"].iloc[-1] > 1.2


def test_indexes_cover_the_codes_files_use(market):
    sec, mem = market["sec"].set_index("code"), market["members"]
    idx = sec[sec["type"] == "index"]
    assert len(idx) >= 40
    need = {"000001.XSHG", "000016.XSHG", "000300.XSHG", "000852.XSHG", "000905.XSHG", "000906.XSHG",
            "000985.XSHG", "399001.XSHE", "399005.XSHE", "399006.XSHE", "399101.XSHE", "399303.XSHE",
            "000688.XSHG", "801010.XSHG", "801780.XSHG"}
    assert need <= set(idx.index)

    def at(code, day):
        d = pd.Timestamp(day)
        m = mem[(mem["index_code"] == code) & (mem["start_date"] <= d) & (mem["end_date"] >= d)]
        return set(m["code"])
    day = "2021-01-04"
    for code in sorted(set(idx.index) - {"000012.XSHG"}):     # (000012 国债指数: bonds)
        assert at(code, day), code                              # every index has members
    assert at("399905.XSHE", day) == at("000905.XSHG", day)     # Shenzhen code of CSI 500
    s50, s300 = at("000016.XSHG", day), at("000300.XSHG", day)
    assert len(s50) == 50 and all(c.endswith(".XSHG") and not c.startswith("688") for c in s50)
    assert len(at("000906.XSHG", day)) == len(s300 | at("000905.XSHG", day))
    assert len(at("399006.XSHE", day)) == 100 and all(c.startswith("300") for c in at("399006.XSHE", day))
    banks = at("801780.XSHG", day)
    assert {"000001.XSHE", "600036.XSHG", "601398.XSHG"} <= banks
    # 科创50: the 50 largest STAR stocks -- the sample has only ~16 listed long enough by 2021
    k50 = at("000688.XSHG", day)
    assert 10 <= len(k50) <= 50 and all(c.startswith("688") for c in k50)
    assert len(at("000688.XSHG", "2025-12-31")) == 50


def test_planted_signal_ic(market):
    s = market["stocks"]
    adj = (s["close"] * s["factor"]).groupby([s["date"], s["code"]]).first().unstack()
    h = SIGNAL_PARAMS["horizon_days"]
    fwd = adj.shift(-h) / adj - 1
    score = sample_signal(SEED, 800).reindex(index=fwd.index, columns=fwd.columns)
    ics = []
    for d in fwd.index[20:-h:3]:
        a, b = score.loc[d], fwd.loc[d]
        ok = a.notna() & b.notna()
        ics.append(a[ok].rank().corr(b[ok].rank()))
    ics = np.array(ics)
    t = ics.mean() / ics.std() * np.sqrt(len(ics))
    lo, hi = SIGNAL_PARAMS["rank_ic_range"]
    assert lo - 0.005 < ics.mean() < hi + 0.01, ics.mean()
    assert t > 10
    assert "0.00032" in SIGNAL and "10-day" in SIGNAL


def test_sectors_and_latents(market):
    path = market["path"]
    sf = sample_sectors(path)
    assert set(sf["sector"]) == set(SECTOR_KEYS) and len(SECTOR_KEYS) == 10
    stock_codes = set(market["sec"].loc[market["sec"]["type"] == "stock", "code"])
    assert set(sf.index) == stock_codes
    assert sf.equals(sample_sectors(SEED))
    lat = sample_latents(SEED, 800)
    assert {"size", "quality", "growth", "sector", "beta"} <= set(lat.columns)
    assert lat.equals(sample_latents(SEED, 800))
    assert (pd.read_parquet(path / "sample_latents.parquet").set_index("code").index == lat.index).all()


def test_capped_ipo_first_day_opens_at_120_and_closes_at_the_cap(market):
    # SSE/SZSE since 2014: the opening auction of a new listing may not exceed 120 % of the
    # issue price, and a main-board / SME / pre-reform ChiNext IPO closes its first day at
    # the +44 % cap; STAR and registered ChiNext IPOs have no such cap
    s, sec = market["stocks"], market["sec"].set_index("code")
    start = sec.loc[s["code"], "start_date"].to_numpy()
    ipo_first = (s["date"].to_numpy() == start) & (start > np.datetime64("2014-01-02"))
    board = sec.loc[s["code"], "board"].to_numpy()
    capped = ~((board == "star") | ((board == "chinext") & (start >= np.datetime64("2020-08-24"))))
    d = s[ipo_first & capped]
    assert len(d) > 50
    pre = d["pre_close"].to_numpy()                      # the issue price
    np.testing.assert_array_equal(d["open"].to_numpy(), round_half_up(pre * 1.2, 2))
    np.testing.assert_array_equal(d["close"].to_numpy(), d["high_limit"].to_numpy())
    np.testing.assert_array_equal(d["high"].to_numpy(), d["high_limit"].to_numpy())
    np.testing.assert_array_equal(d["low"].to_numpy(), d["open"].to_numpy())
    # e.g. issue 10.00: open 12.00, close = high = 14.40 -- never a one-price day
    assert (d["open"] < d["high_limit"]).all()


def test_composite_indexes_take_new_listings_after_their_delay(market):
    mem, sec = market["members"], market["sec"].set_index("code")
    days = pd.DatetimeIndex(sorted(market["bars"]["date"].unique()))
    first_in = mem.groupby(["index_code", "code"])["start_date"].min()

    def position(idx):      # trading-day position of the first membership (listing day = 1)
        f = first_in.loc[idx]
        st = pd.to_datetime(sec.loc[f.index, "start_date"])
        new = st > days[0]
        return np.array([int(((days >= a) & (days <= b)).sum()) for a, b in zip(st[new], f[new])])

    for idx in ("399101.XSHE", "399106.XSHE", "399102.XSHE"):       # Shenzhen composites
        p = position(idx)
        assert len(p) > 10 and (p == 11).all(), idx                   # from the 11th trading day
    # 上证指数: the 11th trading day before its 2020-07-22 revision, a year after listing from then
    f = first_in.loc["000001.XSHG"]
    st = pd.to_datetime(sec.loc[f.index, "start_date"])
    late = (st > pd.Timestamp("2020-07-22")).to_numpy()
    assert late.sum() > 10 and ((f[late] - st[late]).dt.days >= 365).all()
    # 中证全指: listed more than a quarter before the review's data cut-off (April 30 /
    # October 31; generator 6 -- before, 91 days before the review), entering at a June /
    # December review: at least ~4.5 months after listing
    f = first_in.loc["000985.XSHG"]
    st = pd.to_datetime(sec.loc[f.index, "start_date"])
    new = (st > days[0]).to_numpy()
    assert ((f[new] - st[new]).dt.days > 91 + 40).all() and set(f[new].dt.month) <= {6, 7, 12, 1}
    cut = pd.to_datetime([f"{d.year}-04-30" if d.month in (6, 7) else
                          f"{d.year if d.month == 12 else d.year - 1}-10-31" for d in f[new]])
    assert (st[new].to_numpy() < (cut - pd.DateOffset(months=3)).to_numpy()).all()


def test_indexes_added_in_generator_5(market):
    mem = market["members"]
    day = pd.Timestamp("2021-03-01")
    at = mem[(mem["start_date"] <= day) & (mem["end_date"] >= day)]
    m = {c: set(at.loc[at["index_code"] == c, "code"]) for c in ("399310.XSHE", "000009.XSHG", "399951.XSHE", "000300.XSHG")}
    assert len(m["399310.XSHE"]) == 50 and m["399310.XSHE"] <= m["000300.XSHG"]   # the 50 largest
    assert m["000009.XSHG"] and all(c.endswith(".XSHG") for c in m["000009.XSHG"])
    assert m["399951.XSHE"] and m["399951.XSHE"] <= m["000300.XSHG"]       # banks of the CSI 300


def test_cash_dividends_are_persistent(market):
    # real payers keep paying: the famous large caps every year (601398 工商银行 pays yearly),
    # and a stock that paid in one year pays the next far more often than not
    x = market["xrxd"]
    cash = x[x["bonus_pre_tax"] > 0].copy()
    cash["year"] = cash["date"].dt.year
    icbc = set(cash.loc[cash["code"] == "601398.XSHG", "year"])
    assert len(icbc & set(range(2015, 2025))) >= 9
    paid = set(zip(cash["code"], cash["year"]))
    pairs = [(c, y) for c, y in paid if 2015 <= y <= 2023]
    again = sum((c, y + 1) in paid for c, y in pairs) / len(pairs)
    assert again > 0.7
