"""Options of the sample market (jqlite.data.options, the opt database, option codes in the
data API; docs/options.md): exchange calendar rules, Black-Scholes checked against a direct
formula evaluation, codes and names, the opt tables, refused option orders."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from jqlite.data import options as O
from jqlite.data.on_demand import classify


def _ncdf(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def test_exchange_calendar_rules():
    # ETF options expire on the 4th Wednesday: 50ETF 2021-03 expired 2021-03-24, 2020-12 on
    # 2020-12-23, 2015-03 (the first month) on 2015-03-25
    assert O.fourth_wednesday(2021, 3) == dt.date(2021, 3, 24)
    assert O.fourth_wednesday(2020, 12) == dt.date(2020, 12, 23)
    assert O.fourth_wednesday(2015, 3) == dt.date(2015, 3, 25)
    # IO expires on the 3rd Friday: IO2012 on 2020-12-18, IO2101 on 2021-01-15
    assert O.third_friday(2020, 12) == dt.date(2020, 12, 18)
    assert O.third_friday(2021, 1) == dt.date(2021, 1, 15)
    # listed months: ETF current, next, next two quarter months; IO 3 near + 3 quarter months
    etf = O.UNDERLYINGS["510050.XSHG"]
    io = O.UNDERLYINGS["IO"]
    assert [m for m, _ in O.listed_months(etf, (2021, 1))] == [(2021, 1), (2021, 2), (2021, 3), (2021, 6)]
    assert [m for m, _ in O.listed_months(etf, (2021, 3))] == [(2021, 3), (2021, 4), (2021, 6), (2021, 9)]
    assert [m for m, _ in O.listed_months(io, (2021, 1))] == [(2021, 1), (2021, 2), (2021, 3), (2021, 6),
                                                              (2021, 9), (2021, 12)]
    # strike grids
    assert [O.etf_strike_step(x) for x in (2.95, 3.2, 5.5, 12, 30, 80, 120)] == [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]
    assert O.io_strike_step(2400, False) == 25 and O.io_strike_step(4000, False) == 50
    assert O.io_strike_step(4000, True) == 100 and O.io_strike_step(5200, False) == 100


def test_black_scholes_against_the_formula():
    S, K, T, v, r = 3.0, 3.1, 30 / 365, 0.2, 0.03
    d1 = (math.log(S / K) + (r + v * v / 2) * T) / (v * math.sqrt(T))
    d2 = d1 - v * math.sqrt(T)
    call = S * _ncdf(d1) - K * math.exp(-r * T) * _ncdf(d2)
    put = K * math.exp(-r * T) * _ncdf(-d2) - S * _ncdf(-d1)
    assert call == pytest.approx(0.0330069, abs=1e-7)        # evaluated by hand once
    assert put == pytest.approx(0.1253725, abs=1e-7)
    g = O.black_scholes([S, S], [K, K], [T, T], [v, v], [True, False], r=r)
    assert g["price"][0] == pytest.approx(call, abs=1e-12)
    assert g["price"][1] == pytest.approx(put, abs=1e-12)
    assert g["delta"][0] == pytest.approx(_ncdf(d1)) and g["delta"][1] == pytest.approx(_ncdf(d1) - 1)
    pdf = math.exp(-d1 * d1 / 2) / math.sqrt(2 * math.pi)
    assert g["gamma"][0] == pytest.approx(pdf / (S * v * math.sqrt(T)))
    assert g["vega"][1] == pytest.approx(S * pdf * math.sqrt(T))
    assert g["rho"][0] == pytest.approx(K * T * math.exp(-r * T) * _ncdf(d2))
    # put-call parity
    assert g["price"][0] - g["price"][1] == pytest.approx(S - K * math.exp(-r * T), abs=1e-12)
    # theta: the price change over one day is about theta / 365
    later = O.black_scholes(S, K, T - 1 / 365, v, True, r=r)["price"]
    assert (later - call) * 365 == pytest.approx(g["theta"][0], rel=0.05) and g["theta"][0] < 0
    # expiry day: intrinsic value
    z = O.black_scholes([3.2, 3.2], [3.1, 3.1], [0, 0], [0.2, 0.2], [True, False])
    assert z["price"].tolist() == pytest.approx([0.1, 0.0]) and z["delta"].tolist() == [1.0, 0.0]


def test_code_shapes():
    assert O.is_option_code("10002000.XSHG") and O.is_option_code("90000034.XSHE")
    assert O.is_option_code("IO2012-C-4000.CCFX")
    assert not O.is_option_code("510050.XSHG") and not O.is_option_code("IF2012.CCFX")
    assert classify("IO2012-P-4500.CCFX").kind == "options"
    assert classify("10002000.XSHG").type == "options"
    assert classify("IF2012.CCFX").kind == "futures"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from jqlite.data.sample import generate_sample_market
    path = tmp_path_factory.mktemp("opt") / "sample"
    generate_sample_market(path, n_stocks=20, start="2020-06-01", end="2021-06-30")
    return path


def test_chain_codes_strikes_and_expiries(sample):
    from jqlite.data.store import open_store
    st = open_store(sample)
    ch = O.chain(st, "510050.XSHG")
    # numbered per exchange in listing order, starting with 10000001 (the calendar holds no
    # earlier SSE contract); SZSE's 300ETF options start at 90000001
    nums = sorted(int(c.code[:8]) for c in ch.contracts + O.chain(st, "510300.XSHG").contracts)
    assert nums[0] == 10000001 and nums == list(range(10000001, 10000001 + len(nums)))
    assert min(int(c.code[:8]) for c in O.chain(st, "159919.XSHE").contracts) == 90000001
    mar = [c for c in ch.contracts if (c.year, c.month) == (2021, 3)]
    assert {c.expire for c in mar} == {dt.date(2021, 3, 24)}
    c = mar[0]
    assert c.trading_code == f"510050{'C' if c.cp == 'CO' else 'P'}2103M{c.strike_m:05d}"
    assert c.name == f"50ETF{'购' if c.cp == 'CO' else '沽'}3月{c.strike_m}"
    # the strikes sit on the exchange grid of their level
    for x in ch.contracts:
        step = O.etf_strike_step(x.strike)
        assert abs(x.strike / step - round(x.strike / step)) < 1e-9 or \
            abs(x.strike / O.etf_strike_step(x.strike - 1e-9) - round(x.strike / O.etf_strike_step(x.strike - 1e-9))) < 1e-9
    # every day: a strike within half a step of the previous close, and 4 strikes either side
    j = st.code_index["510050.XSHG"]
    close = st.field("close")[:, j]
    i = st.day_index("2021-02-01")
    live = [x for x in ch.listed_on(i) if (x.year, x.month) == (2021, 2) and x.cp == "CO"]
    ks = sorted(x.strike for x in live)
    step = O.etf_strike_step(close[i - 1])
    atm = min(ks, key=lambda k: abs(k - close[i - 1]))
    assert abs(atm - close[i - 1]) <= step / 2 + 1e-9
    assert sum(k > atm for k in ks) >= 4 and sum(k < atm for k in ks) >= 4
    # IO: codes spell month, type and strike; 3rd Friday expiry
    io = O.chain(st, "IO")
    x = io.by_code[next(c.code for c in io.contracts if c.code.startswith("IO2103-C-"))]
    assert x.expire == dt.date(2021, 3, 19) and x.trading_code == x.code[:-5]
    assert x.name == f"沪深300购3月{x.strike_m}"


def test_prices_are_black_scholes_on_the_underlying(sample):
    from jqlite.data.store import open_store
    st = open_store(sample)
    p = O.panel(st, "510050.XSHG")
    u = O.UNDERLYINGS["510050.XSHG"]
    j = st.code_index["510050.XSHG"]
    i = st.day_index("2021-03-01")
    S = float(st.field("close")[i, j])
    # an at-the-money March call that day
    cands = [c for c in p.chain.listed_on(i) if (c.year, c.month) == (2021, 3) and c.cp == "CO"]
    c = min(cands, key=lambda c: abs(c.strike - S))
    sl = p.rows(c.code)
    row = sl.start + int(np.flatnonzero(p.t[sl] == i)[0])
    tau = (c.expire - dt.date(2021, 3, 1)).days / 365
    # the volatility: the documented smile around the day's at-the-money volatility
    sa = float(p.sigma_atm[i])
    z = math.log(c.strike / (S * math.exp(O.RATE * tau))) / (sa * math.sqrt(tau))
    sig = sa * min(max(1 - u.skew * z + 0.012 * z * z, 0.6), 2.5)
    assert p.cols["sigma"][row] == pytest.approx(sig, rel=1e-12)
    d1 = (math.log(S / c.strike) + (O.RATE + sig * sig / 2) * tau) / (sig * math.sqrt(tau))
    d2 = d1 - sig * math.sqrt(tau)
    bs = S * _ncdf(d1) - c.strike * math.exp(-O.RATE * tau) * _ncdf(d2)
    assert p.cols["close"][row] == pytest.approx(round(bs / 0.0001) * 0.0001, abs=1e-12)
    assert p.cols["delta"][row] == pytest.approx(_ncdf(d1), rel=1e-9)
    assert 0.05 < sig < 0.9 and 0.3 < _ncdf(d1) < 0.7
    # limits: SSE formula from the previous settlement and the underlying's previous close
    Sp = float(st.field("close")[i - 1, j])
    pre = p.cols["pre_settle"][row]
    up = max(0.005 * Sp, min(2 * Sp - c.strike, Sp) * 0.1)
    assert p.cols["high_limit"][row] == pytest.approx(round((pre + up) / 0.0001) * 0.0001)
    assert p.cols["low_limit"][row] == pytest.approx(max(round((pre - 0.1 * Sp) / 0.0001) * 0.0001, 0.0001))
    assert p.cols["low"][row] <= min(p.cols["open"][row], p.cols["close"][row])
    assert p.cols["high"][row] >= max(p.cols["open"][row], p.cols["close"][row])
    # determinism: a second store object gives the same numbers
    p2 = O.Panel(open_store(sample), "510050.XSHG")
    assert np.array_equal(p2.cols["close"], p.cols["close"]) and np.array_equal(p2.cols["volume"], p.cols["volume"])


def test_opt_database_and_option_codes_in_research(sample, monkeypatch):
    from jqdata import get_price, get_security_info, opt, query
    from jqlite.api import research as r
    from jqlite.data.store import open_store
    monkeypatch.setenv("JQLITE_DATA", str(sample))
    monkeypatch.setattr(r, "research_store", lambda: open_store(sample))
    today = dt.date(2021, 3, 1)
    T = opt.OPT_CONTRACT_INFO
    df = opt.run_query(query(T).filter(T.underlying_symbol == "510050.XSHG", T.list_date < today,
                                       T.expire_date > today))
    assert list(df.columns)[:5] == ["id", "code", "trading_code", "name", "contract_type"]
    assert set(df["contract_type"]) == {"CO", "PO"} and (df["contract_unit"] == 10000).all()
    assert set(df["expire_date"]) == {dt.date(2021, 3, 24), dt.date(2021, 4, 28), dt.date(2021, 6, 23),
                                      dt.date(2021, 9, 22)}
    assert (df["delivery_date"] > df["expire_date"]).all()
    calls = df[df["contract_type"] == "CO"].code.tolist()
    money = get_price(calls, end_date=today, fields="money", count=1, panel=False)
    st = open_store(sample)
    p = O.panel(st, "510050.XSHG")
    i = st.day_index(today)
    c0 = calls[0]
    sl = p.rows(c0)
    row = sl.start + int(np.flatnonzero(p.t[sl] == i)[0])
    got = money.set_index("code").loc[c0, "money"]
    assert got == pytest.approx(p.cols["money"][row]) and got > 0
    info = get_security_info(c0)
    assert info.type == "options" and info.end_date == df.set_index("code").loc[c0, "expire_date"]
    # daily price / risk tables agree with the bars
    q = query(opt.OPT_DAILY_PRICE).filter(opt.OPT_DAILY_PRICE.code == c0, opt.OPT_DAILY_PRICE.date == today)
    d = opt.run_query(q).iloc[0]
    assert d["close"] == pytest.approx(p.cols["close"][row]) and d["position"] == p.cols["position"][row]
    assert d["change_pct_close"] == pytest.approx(round((d["close"] / d["pre_settle"] - 1) * 100, 4))
    g = opt.run_query(query(opt.OPT_RISK_INDICATOR.delta).filter(opt.OPT_RISK_INDICATOR.code == c0,
                                                                   opt.OPT_RISK_INDICATOR.date == today))
    assert g["delta"].iloc[0] == pytest.approx(round(p.cols["delta"][row], 6))
    with pytest.warns(Warning, match="OPT_TRADE_RANK_STK"):
        assert opt.run_query(query(opt.OPT_TRADE_RANK_STK)).empty


def test_option_orders_are_refused_in_a_backtest(sample, run_strategy):
    from jqlite.data.store import open_store
    src = """
from jqdata import *
def initialize(context):
    run_daily(trade, '10:00')
def trade(context):
    d = context.current_dt.date()
    df = opt.run_query(query(opt.OPT_CONTRACT_INFO).filter(
        opt.OPT_CONTRACT_INFO.underlying_symbol == '510300.XSHG',
        opt.OPT_CONTRACT_INFO.list_date <= d, opt.OPT_CONTRACT_INFO.expire_date > d))
    c = df.code.iloc[0]
    px = attribute_history(c, 2, '1d', ['close'])
    log.info('OPT', c, len(df), px.close.iloc[-1])
    order(c, 1)
"""
    res = run_strategy(open_store(sample), src, "2021-03-01", "2021-03-03", 100_000.0)
    assert res.error is None, res.error
    assert res.trades.empty
    log = "\n".join(res.log)
    assert "10" in log and "是期权" in log and "OPT 1000" in log


def test_margin_unit_is_the_sse_formula():
    from jqlite.api.options_db import margin_unit
    u = O.UNDERLYINGS["510050.XSHG"]
    # call 3.1 strike, underlying 3.0 (0.1 out of the money), previous settlement 0.05:
    # (0.05 + max(0.12 * 3.0 - 0.1, 0.07 * 3.0)) * 10000 = (0.05 + 0.26) * 10000 = 3100
    # put 3.1 (0.1 in the money), settlement 0.13: min(0.13 + max(0.36, 0.217), 3.1) * 10000 = 4900
    got = margin_unit(u, np.array([0.05, 0.13]), np.array([3.0, 3.0]), np.array([3.1, 3.1]),
                      np.array([True, False]))
    assert got.tolist() == pytest.approx([3100.0, 4900.0])


def test_on_demand_expansion_and_io_bars(sample, monkeypatch):
    from jqdata import get_bars, get_price
    from jqlite.api import research as r
    from jqlite.data.store import open_store
    monkeypatch.setenv("JQLITE_DATA", str(sample))
    monkeypatch.setattr(r, "research_store", lambda: open_store(sample))
    st = open_store(sample)
    io = O.chain(st, "IO")
    i = st.day_index("2021-03-01")
    c = next(x for x in io.listed_on(i) if (x.year, x.month) == (2021, 3) and x.cp == "PO")
    # one code brings every contract of its underlying trading in the window (+30 days)
    win = O.expand(st, [c.code], ("2021-03-01", "2021-03-05"))
    a = st.day_index("2021-01-30", "left")
    z = st.day_index("2021-03-05")
    assert set(win) == {x.code for x in io.contracts if x.i0 <= z and x.i1 >= a}
    assert all(x.endswith(".CCFX") for x in win) and c.code in win
    assert O.expand(st, ["IO2103-C-1.CCFX"]) == []          # no such strike
    px = get_price(c.code, start_date="2021-03-01", end_date="2021-03-05", fields=["close", "volume"])
    p = O.panel(open_store(sample), "IO")
    sl = p.rows(c.code)
    rows = [sl.start + int(np.flatnonzero(p.t[sl] == j)[0]) for j in range(i, z + 1)]
    assert px["close"].tolist() == pytest.approx(p.cols["close"][rows].tolist())
    assert (np.abs(px["close"] / 0.2 - np.round(px["close"] / 0.2)) < 1e-6).all()     # IO tick 0.2
    bars = get_bars(c.code, 2, "1d", ["close"], end_dt="2021-03-05 16:00:00")
    assert bars["close"].tolist() == pytest.approx(p.cols["close"][rows[-2:]].tolist())
