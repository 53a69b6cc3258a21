"""Data gaps of issue 13 (helper "datagaps"): the 聚源 ``jy`` tables SecuMain and
LC_DIndicesForValuation, ``DataFrame.to_panel``, the run-log notes of answers that are empty
or NaN as on JoinQuant (history of a security not yet listed, ``day_open`` before 09:27) and
the corpus classifier rules that read them.  The store tests read the default sample store
(``JQLITE_DATA``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from jqlite.errors import ParamsError

# ------------------------------------------------------------------ jy.SecuMain
def test_secumain_codes_markets_and_categories(research):
    from jqdata import jy, query
    t = jy.SecuMain
    df = jy.run_query(query(t.InnerCode, t.SecuCode, t.SecuMarket, t.SecuCategory, t.ListedDate, t.ListedSector,
                            t.ListedState, t.SecuAbbr, t.CompanyCode)
                      .filter(t.SecuCode.in_(["000001", "600519", "510300", "300750"])).order_by(t.InnerCode))
    rows = {(r.SecuCode, r.SecuCategory): r for r in df.itertuples()}
    # 000001 is 平安银行 (A share, SZSE 90) and 上证指数 (index 4, SSE 83), as in JuYuan
    pa, sh = rows[("000001", 1)], rows[("000001", 4)]
    assert (pa.InnerCode, pa.SecuMarket, pa.SecuAbbr, pa.ListedDate) == (2000001, 90, "平安银行", dt.date(1991, 4, 3))
    assert (sh.InnerCode, sh.SecuMarket, sh.SecuAbbr) == (3000001, 83, "上证指数")
    mt = rows[("600519", 1)]
    assert (mt.InnerCode, mt.SecuMarket, mt.ListedSector, mt.ListedState) == (1600519, 83, 1, 1)
    assert mt.ListedDate == dt.date(2001, 8, 27)
    assert (rows[("510300", 8)].InnerCode, rows[("510300", 8)].SecuMarket) == (5510300, 83)
    assert rows[("300750", 1)].ListedSector == 6                      # 创业板
    # CompanyCode is the company_id of finance.STK_COMPANY_INFO
    from jqdata import finance
    ci = finance.run_query(query(finance.STK_COMPANY_INFO.code, finance.STK_COMPANY_INFO.company_id)
                           .filter(finance.STK_COMPANY_INFO.code == "600519.XSHG"))
    assert int(mt.CompanyCode) == int(ci["company_id"].iloc[0])
    # the filter public files write: A shares only
    a = jy.run_query(query(t.SecuCode).filter(t.SecuCode.in_(["000001"]), t.SecuCategory == 1))
    assert a["SecuCode"].tolist() == ["000001"]
    n_stocks = (research.securities["type"] == "stock").sum() - sum(
        1 for c in research.on_demand if research.securities.set_index("code").loc[c, "type"] == "stock")
    assert len(jy.run_query(query(t.InnerCode).filter(t.SecuCategory == 1))) == n_stocks


def test_valuation_ratios_are_the_stores_valuation(research):
    from jqdata import get_fundamentals, jy, query, valuation
    v = jy.LC_DIndicesForValuation
    day = dt.date(2020, 12, 31)
    df = jy.run_query(query(v).filter(v.InnerCode.in_([1600519, 2000001]), v.TradingDay == day))
    assert list(df.columns[:4]) == ["ID", "InnerCode", "TradingDay", "PE"] and len(df) == 2
    f = get_fundamentals(query(valuation.code, valuation.pe_ratio, valuation.pb_ratio, valuation.dividend_ratio,
                               valuation.market_cap, valuation.circulating_market_cap, valuation.ps_ratio), day)
    f = f.set_index("code")
    for inner, code in ((1600519, "600519.XSHG"), (2000001, "000001.XSHE")):
        r = df[df["InnerCode"] == inner].iloc[0]
        g = f.loc[code]
        assert r["TradingDay"] == day
        assert r["PE"] == pytest.approx(g["pe_ratio"]) and r["PB"] == pytest.approx(g["pb_ratio"])
        assert r["PSTTM"] == pytest.approx(g["ps_ratio"])
        # JuYuan's DividendRatio is a fraction, jqlite's valuation.dividend_ratio a percentage
        assert r["DividendRatio"] == pytest.approx(g["dividend_ratio"] / 100)
        assert r["TotalMV"] == pytest.approx(g["market_cap"] * 1e8)          # 亿元 -> 元
        assert r["NegotiableMV"] == pytest.approx(g["circulating_market_cap"] * 1e8)
        assert np.isnan(r["PS"]) and np.isnan(r["DividendRatioLYR"])       # not in the store: NULL
    # 贵州茅台's dividend yield on 2020-12-31 in the sample: 3.9148 % (valuation) = 0.039148
    assert df.loc[df["InnerCode"] == 1600519, "DividendRatio"].iloc[0] == pytest.approx(f.loc["600519.XSHG", "dividend_ratio"] / 100)


def test_to_panel_major_xs_like_pandas_025(research):
    from jqlite.compat import legacy
    legacy.install()
    df = pd.DataFrame({"TradingDay": [dt.date(2021, 1, 5), dt.date(2021, 1, 4), dt.date(2021, 1, 4)],
                       "code": ["A", "A", "B"], "DividendRatio": [0.03, 0.02, 0.05], "PE": [9.0, 8.0, 7.0]})
    p = df.set_index(["TradingDay", "code"]).to_panel()
    assert list(p.major_axis) == [dt.date(2021, 1, 4), dt.date(2021, 1, 5)]     # sorted major axis
    assert list(p.minor_axis) == ["A", "B"]
    x = p.major_xs(p.major_axis[0])                                            # codes x items
    assert x.loc["A", "DividendRatio"] == 0.02 and x.loc["B", "PE"] == 7.0
    assert np.isnan(p["DividendRatio"].loc[dt.date(2021, 1, 5), "B"])          # B has no row that day
    with pytest.raises(ValueError):
        df.to_panel()


# ------------------------------------------------------------------ run-log notes
NOT_LISTED = """
from jqdata import *
def initialize(context):
    run_daily(f, '09:30')
def f(context):
    df = attribute_history('{code}', 5, '1d', ['close'])
    g.rows = len(df)
"""

DAY_OPEN = """
from jqdata import *
def initialize(context):
    pass
def before_trading_start(context):
    g.o = get_current_data()['600519.XSHG'].day_open
def handle_data(context, data):
    g.o2 = get_current_data()['600519.XSHG'].day_open
"""


def _run(tmp_path, src, store, start="2021-01-04", end="2021-01-05"):
    from jqlite.testing.harness import run_backtest
    p = tmp_path / "s.py"
    p.write_text(src, encoding="utf-8")
    return run_backtest(p, start, end, market=store)


def test_history_of_a_security_not_yet_listed_is_noted(tmp_path, store):
    # 516510 云计算ETF lists on 2021-04-07 (real day): 0 rows in January, as on JoinQuant
    res = _run(tmp_path, NOT_LISTED.format(code="516510.XSHG"), store)
    log = "\n".join(map(str, res.log))
    line = [x for x in log.splitlines() if "is not yet listed" in x]
    assert len(line) == 1                                   # once per run and security
    assert "516510.XSHG is not yet listed on 2020-12-31 (listing day 2021-04-07)" in line[0]
    assert line[0].endswith("as on JoinQuant") and "synthetic" not in line[0]


def test_history_of_a_security_listed_inside_the_window_is_noted(tmp_path, store):
    # 515790 光伏ETF lists on 2020-12-18 (real day): on 2021-01-04 the 20 bars before today
    # hold its 10 trading days Dec 18, 21-25, 28-31 only, as on JoinQuant (pre-listing dropped)
    src = NOT_LISTED.replace("5, '1d'", "20, '1d'").format(code="515790.XSHG")
    res = _run(tmp_path, src, store, end="2021-01-04")
    log = "\n".join(map(str, res.log))
    line = [x for x in log.splitlines() if "inside the window" in x]
    assert len(line) == 1
    assert ("attribute_history('515790.XSHG', 20, skip_paused=True) on 2020-12-31: 515790.XSHG listed on "
            "2020-12-18, inside the window: 10 rows, not 20, as on JoinQuant") in line[0]
    assert "synthetic" not in line[0]


def test_day_open_before_0927_is_noted_once(tmp_path, store):
    res = _run(tmp_path, DAY_OPEN, store)
    log = "\n".join(map(str, res.log))
    notes = [x for x in log.splitlines() if "day_open read at" in x]
    assert len(notes) == 1 and "09:00:00 (before 09:27): NaN, as on JoinQuant" in notes[0]


# ------------------------------------------------------------------ classifier
def _load(name: str):
    from _compat_modules import load_compat
    return load_compat(name)


C = _load("classify")
STRAT = "/cache/files/abcd.py"
S = (STRAT, 70, "calculate_etf_metrics", "inclong.append((df['close'][-1] / df['close'][0] - 1))")
PD = ("/venv/lib/python3.11/site-packages/pandas/core/series.py", 1118, "__getitem__", "return self._values[key]")


def _tb(*frames, exc):
    lines = ["Traceback (most recent call last):"]
    for file, line, func, src in frames:
        lines += [f'  File "{file}", line {line}, in {func}', f"    {src}"]
    return "\n".join(lines + [exc]) + "\n"


REAL = ("attribute_history('516510.XSHG', skip_paused=True): 516510.XSHG is not yet listed on 2020-12-31 "
        "(listing day 2021-04-07); the days before listing are skipped: 0 rows, as on JoinQuant")
SYNTH = ("get_price('002939.XSHE', skip_paused=True): 002939.XSHE is not yet listed on 2020-12-30 (listing day "
         "2021-01-11) (a synthetic sample security: its listing day is drawn, not the real one); the days before "
         "listing are skipped: 0 rows, as on JoinQuant")


def test_jq_notes_read_from_the_log():
    log = ("2021-01-04 09:30:00 - WARNING - " + REAL + "\n2021-01-04 09:30:00 - INFO - x\n"
           "2021-01-05 09:30:00 - WARNING - " + REAL + "\n")
    assert C.jq_notes(log) == REAL


def test_empty_history_of_an_unlisted_security_is_what_joinquant_raises():
    t = _tb(S, PD, exc="IndexError: index -1 is out of bounds for axis 0 with size 0")
    o = C.classify(returncode=1, traceback=t, strategy_path=STRAT, jq_notes=REAL)
    assert o.cls == "strategy-bug" and "not yet listed" in o.cause
    # without the note: still "empty data?" (the sample may lack it)
    assert C.classify(returncode=1, traceback=t, strategy_path=STRAT).cls == "data-absent"
    # a synthetic sample stock's drawn listing day: only when the file walks every security
    assert C.classify(returncode=1, traceback=t, strategy_path=STRAT, jq_notes=SYNTH).cls == "data-absent"
    src = "stocks = list(get_all_securities(['stock']).index)\n"
    o = C.classify(returncode=1, traceback=t, strategy_path=STRAT, jq_notes=SYNTH, source=src)
    assert o.cls == "strategy-bug"
    src = "stocks = list(get_all_securities(['stock'], date=context.previous_date).index)\n"
    assert C.classify(returncode=1, traceback=t, strategy_path=STRAT, jq_notes=SYNTH, source=src).cls == "data-absent"


def test_pool_emptied_by_day_open_before_0927():
    note = ("get_current_data()['600519.XSHG'].day_open read at 09:00:00 (before 09:27): NaN, as on JoinQuant "
            "(today's open is known from 09:27)")
    S2 = (STRAT, 241, "factors_ranked", "df_factors = df.loc[:,factors_rank]")
    t = _tb(S2, ("/venv/lib/python3.11/site-packages/pandas/core/indexes/base.py", 6249, "_raise_if_missing", "raise"),
            exc="KeyError: \"None of [Index(['dividend_rate'], dtype='object')] are in the [columns]\"")
    assert C.classify(returncode=1, traceback=t, strategy_path=STRAT).cls == "shape-differs"
    o = C.classify(returncode=1, traceback=t, strategy_path=STRAT, jq_notes=note)
    assert (o.cls, o.cause) == ("strategy-bug", "pool emptied by day_open read before 09:27 (NaN on JoinQuant too)")


def test_get_contract_multiplier_is_not_a_joinquant_api():
    S3 = (STRAT, 54, "Trader_buy", "m = get_security_info(fc).get_contract_multiplier()")
    t = _tb(S3, exc="AttributeError: 'SecurityInfo' object has no attribute 'get_contract_multiplier'")
    o = C.classify(returncode=1, traceback=t, strategy_path=STRAT)
    assert (o.cls, o.cause) == ("strategy-bug", "AttributeError: SecurityInfo.get_contract_multiplier "
                                                "(not a JoinQuant API: QMT's)")
    assert "get_futures_info" in C.NOT_JOINQUANT_ATTRS[("SecurityInfo", "get_contract_multiplier")]


# ------------------------------------------------------------------ get_futures_info
def test_get_futures_info_multiplier_tick_and_sessions(research):
    from jqdata import get_futures_info
    info = get_futures_info(["IF2103.CCFX", "IC2103.CCFX", "RB2105.XSGE", "AU2106.XSGE"])
    assert info["IF2103.CCFX"]["contract_multiplier"] == 300.0 and info["IF2103.CCFX"]["tick_size"] == 0.2
    assert info["IC2103.CCFX"]["contract_multiplier"] == 200.0
    # IF2103 expires on the third Friday of March 2021
    tt = info["IF2103.CCFX"]["trade_time"]
    assert len(tt) == 1 and tt[0][1] == "2021-03-19" and tt[0][2:] == ["09:30~11:30", "13:00~15:00"]
    # RB2105: the 15th of May 2021 is a Saturday -> the next trading day; night session to 23:00
    rb = info["RB2105.XSGE"]
    assert (rb["contract_multiplier"], rb["tick_size"]) == (10.0, 1.0)
    assert rb["trade_time"][0][1] == "2021-05-17"
    assert rb["trade_time"][0][2:] == ["21:00~23:00", "09:00~10:15", "10:30~11:30", "13:30~15:00"]
    assert info["AU2106.XSGE"]["trade_time"][0][2] == "21:00~02:30"
    assert get_futures_info("IF8888.CCFX", fields="contract_multiplier") == {"IF8888.CCFX": {"contract_multiplier": 300.0}}
    with pytest.raises(ParamsError, match="not a futures code"):
        get_futures_info("000001.XSHE")
    with pytest.raises(ParamsError, match="unknown field"):
        get_futures_info("IF2103.CCFX", fields=["margin"])


WITHIN = ("attribute_history('300999.XSHE', 121, skip_paused=True) on 2020-12-31: 300999.XSHE listed on "
          "2020-10-15, inside the window: 53 rows, not 121, as on JoinQuant")
SCIPY = ("/venv/lib/python3.11/site-packages/scipy/stats/_axis_nan_policy.py", 114, "_broadcast_shapes",
         "raise ValueError(\"Array shapes are incompatible for broadcasting.\")")


def test_shape_mismatch_after_a_history_cut_by_listing_is_what_joinquant_raises():
    reg = (STRAT, 151, "get_signal", "beta, a, r, p, e = stats.linregress(marketreturn, stockreturn)")
    t = _tb(reg, SCIPY, exc="ValueError: Array shapes are incompatible for broadcasting.")
    o = C.classify(returncode=1, traceback=t, strategy_path=STRAT, jq_notes=WITHIN)
    assert o.cls == "strategy-bug" and o.cause.startswith("history shorter than count")
    # the same error without jqlite's note stays a shape difference (jqlite's to fix)
    o = C.classify(returncode=1, traceback=t, strategy_path=STRAT, jq_notes=REAL)
    assert o.cls == "shape-differs"
    # pandas' key/value length check is not counted (an apply over an empty pool raises it too)
    t2 = _tb(reg, exc="ValueError: Columns must be same length as key")
    assert C.classify(returncode=1, traceback=t2, strategy_path=STRAT, jq_notes=WITHIN).cls == "shape-differs"


def test_history_ending_the_day_before_listing_is_what_joinquant_answers():
    # picked on its listing day 2021-01-11 (a Monday), history up to Friday 2021-01-08: 0 rows
    # for any security listing that day on JoinQuant too, synthetic listing day or not
    eve = ("get_price('002939.XSHE', skip_paused=True): 002939.XSHE is not yet listed on 2021-01-08 (listing day "
           "2021-01-11) (a synthetic sample security: its listing day is drawn, not the real one); the days before "
           "listing are skipped: 0 rows, as on JoinQuant")
    fr = (STRAT, 51, "before_trading_start", "p2_ma5_close = p2_ma5['close'][stock]")
    t = _tb(fr, PD, exc="KeyError: '002939.XSHE'")
    o = C.classify(returncode=1, traceback=t, strategy_path=STRAT, jq_notes=eve)
    assert o.cls == "strategy-bug" and "not yet listed" in o.cause
    # a synthetic listing three weeks after the history's end stays data-absent (jqlite's sample)
    o = C.classify(returncode=1, traceback=t, strategy_path=STRAT, jq_notes=SYNTH)
    assert o.cls == "data-absent"           # SYNTH: 2020-12-30 -> 2021-01-11 is not the eve
    o = C.classify(returncode=1, traceback=_tb(fr, PD, exc="KeyError: '600000.XSHG'"), strategy_path=STRAT,
                   jq_notes=eve)
    assert o.cls == "data-absent"

