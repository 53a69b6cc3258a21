"""Securities synthesised on demand in the sample market (jqlite.data.on_demand): any valid
JoinQuant code answers, deterministically, without entering any listing; a real store never
invents one; futures codes bring their variety (jqlite.data.futures)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jqlite.data.on_demand import DIRNAME, classify, codes_in_source, file_of, materialise
from jqlite.data.sample import generate_sample_market
from jqlite.data.store import Store, open_store
from jqlite.errors import SecuritiesAdded, SecurityNotFoundError

ROOT = Path(__file__).resolve().parents[2]
START, END = "2020-01-02", "2021-06-30"


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """A small sample market (60 stocks, 18 months) without any on-demand code."""
    path = tmp_path_factory.mktemp("od") / "base"
    generate_sample_market(path, n_stocks=60, start=START, end=END)
    return path


@pytest.fixture
def sample(base, tmp_path):
    """A fresh copy of the base market (each test starts without on-demand codes)."""
    p = tmp_path / "sample"
    shutil.copytree(base, p)
    return p


@pytest.fixture
def research(sample, monkeypatch):
    monkeypatch.setenv("JQLITE_DATA", str(sample))
    from jqlite.api import research as r
    monkeypatch.setattr(r, "research_store", lambda: open_store(sample))
    return sample


def _bars(path, code) -> pd.DataFrame:
    return pd.read_parquet(file_of(path, code))


def test_classify_and_source_scan():
    assert classify("601633.XSHG").kind == "stock" and classify("601633.XSHG").board == "sh_main"
    assert classify("300168.XSHE").board == "chinext" and classify("688599.XSHG").board == "star"
    assert classify("002001.XSHE").board == "sme" and classify("003816.XSHE").board == "sz_main"
    assert classify("510220.XSHG").type == "etf" and classify("159931.XSHE").type == "etf"
    assert classify("511880.XSHG").type == "mmf" and classify("163210.XSHE").type == "lof"
    assert classify("000932.XSHG").kind == "index" and classify("399986.XSHE").kind == "index"
    assert classify("110011.OF").kind == "open_fund"
    assert classify("RB8888.XSGE").kind == "futures" and classify("IF2103.CCFX").kind == "futures"
    for bad in ("", "ZZ8888.XSGE", "IF2103.XSGE", "900901.XSHG", "200002.XSHE", "604000.XSHG",
                "601633.XSHE", "123456.XSHG", "601633", None, 601633):
        assert classify(bad) is None, bad
    src = ("g.a = ['601633.XSHG', \"300168.XSHE\"]\nx = 'sh600536'\ny = '159931'\n"
           "z = '20210104'\n# '000858.XSHE' in a comment is no literal\nw = 600519\n")
    assert codes_in_source(src) == ["159931.XSHE", "300168.XSHE", "600536.XSHG", "601633.XSHG"]


def test_same_code_same_bars_in_two_stores_and_processes(base, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(base, a)
    shutil.copytree(base, b)
    # store a: other codes first, in this process
    materialise(Store(a), ["510220.XSHG", "000932.XSHG"])
    assert materialise(Store(a), ["601633.XSHG", "510220.XSHG"]) == ["601633.XSHG"]
    # store b: the code alone, in a fresh process
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    subprocess.run([sys.executable, "-c", "import sys; from jqlite.data.store import Store; "
                    "from jqlite.data.on_demand import materialise; "
                    "materialise(Store(sys.argv[1]), ['601633.XSHG', '510220.XSHG'])", str(b)],
                   check=True, env=env, cwd=str(ROOT))
    for code in ("601633.XSHG", "510220.XSHG"):
        pd.testing.assert_frame_equal(_bars(a, code), _bars(b, code))
        ma = json.loads(__import__("pyarrow.parquet").parquet.read_schema(file_of(a, code)).metadata[b"jqlite_on_demand"])
        mb = json.loads(__import__("pyarrow.parquet").parquet.read_schema(file_of(b, code)).metadata[b"jqlite_on_demand"])
        assert ma == mb
    # no temporary file left behind (atomic writes)
    assert not [p for p in (a / DIRNAME).iterdir() if p.suffix != ".parquet"]


def _check_limits(df: pd.DataFrame, ratio_of, tick: float):
    pre = df["pre_close"].to_numpy()
    r = np.array([ratio_of(d) for d in df["date"]])
    s = 1 / tick
    hl = np.floor(pre * (1 + r) * s + 0.5 + 1e-7) / s
    ll = np.floor(pre * (1 - r) * s + 0.5 + 1e-7) / s
    first = 0 if df["date"].iloc[0] > pd.Timestamp(START) else None
    k = slice(1, None) if first == 0 else slice(None)
    np.testing.assert_allclose(df["high_limit"].to_numpy()[k], hl[k])
    np.testing.assert_allclose(df["low_limit"].to_numpy()[k], ll[k])
    for c in ("open", "close", "high", "low"):
        v = df[c].to_numpy()
        assert (v <= df["high_limit"].to_numpy() + 1e-9).all() and (v >= df["low_limit"].to_numpy() - 1e-9).all()
        np.testing.assert_allclose(v * s, np.round(v * s), atol=1e-6)        # on the tick
    assert (df["high"] >= df[["open", "close"]].max(axis=1) - 1e-9).all()
    assert (df["low"] <= df[["open", "close"]].min(axis=1) + 1e-9).all()
    np.testing.assert_allclose(df["pre_close"].to_numpy()[1:], df["close"].to_numpy()[:-1])
    assert (df["volume"] % 100 == 0).all()
    live = df["paused"] == 0
    assert (df.loc[live, "volume"] > 0).all() and (df.loc[~live, "volume"] == 0).all()


def test_stock_and_fund_bars_obey_limits_and_lots(sample):
    st = Store(sample)
    codes = ["601633.XSHG", "300168.XSHE", "688599.XSHG", "510220.XSHG"]
    materialise(st, codes)
    switch = pd.Timestamp("2020-08-24")
    _check_limits(_bars(sample, "601633.XSHG"), lambda d: 0.10, 0.01)
    _check_limits(_bars(sample, "300168.XSHE"), lambda d: 0.20 if d >= switch else 0.10, 0.01)
    star = _bars(sample, "688599.XSHG")
    if star["date"].iloc[0] > pd.Timestamp(START):          # IPO inside the store: the 44 % rule
        assert star["high_limit"].iloc[0] == pytest.approx(round(star["pre_close"].iloc[0] * 1.44, 2))
        star = star.iloc[1:]
    _check_limits(star, lambda d: 0.20, 0.01)
    _check_limits(_bars(sample, "510220.XSHG"), lambda d: 0.10, 0.001)
    # the store serves them, with the master row, and lists none of them
    s2 = open_store(sample)
    assert set(codes) <= s2.on_demand
    assert s2.securities.loc["510220.XSHG", "type"] == "etf"
    j = s2.col("601633.XSHG")
    np.testing.assert_allclose(s2.field("close")[-3:, j], _bars(sample, "601633.XSHG")["close"].to_numpy()[-3:])
    # base columns are unchanged by the extra ones, and the panel cache keeps the base only
    k = s2.col("600000.XSHG") if "600000.XSHG" in s2.code_index else s2.col(s2.codes[0])
    np.testing.assert_array_equal(s2.field("close")[:, k], st.field("close")[:, st.col(s2.codes[k])])
    panels = [p for p in (sample / ".panels").iterdir() if not p.name.startswith(".tmp-")]
    assert len(panels) == 1
    assert np.load(panels[0] / "close.npy", mmap_mode="r").shape == (st.n_days, st.n_securities)
    assert s2.n_securities == st.n_securities + len(codes)


def test_research_api_answers_any_code_and_lists_none(research):
    import jqdata
    from jqlite.api import get_all_securities
    before = set(get_all_securities(["stock", "fund", "index"]).index)
    p = jqdata.get_price(["601633.XSHG", "300168.XSHE"], end_date="2021-03-31", count=5, fields=["close"],
                         panel=False)
    assert len(p) == 10 and p["close"].notna().all()
    info = jqdata.get_security_info("600536.XSHG")
    assert info is not None and info.type == "stock" and str(info.start_date) < "2020-01-02"
    assert jqdata.get_security_info("512900.XSHG").type == "etf"
    # industries: as the stock's base-market twin
    ind = jqdata.get_industry("601633.XSHG", date="2021-03-31")["601633.XSHG"]
    assert "sw_l1" in ind and ind["sw_l1"]["industry_code"].startswith("801")
    # minute bars are synthesised from the daily ones
    m = jqdata.get_price("601633.XSHG", start_date="2021-03-31 09:30:00", end_date="2021-03-31 15:00:00",
                         frequency="1m", fields=["close"])
    d = jqdata.get_price("601633.XSHG", end_date="2021-03-31", count=1, fields=["close"])
    assert len(m) == 240 and m["close"].iloc[-1] == pytest.approx(d["close"].iloc[-1])
    after = set(get_all_securities(["stock", "fund", "index"]).index)
    assert after == before       # answered, never listed
    st = open_store(research)
    assert {"601633.XSHG", "300168.XSHE", "600536.XSHG", "512900.XSHG"} <= st.on_demand
    assert "601633.XSHG" not in jqdata.get_index_stocks("000985.XSHG", date="2021-03-31")
    from jqlite.api._gaps import reset_research_gaps
    reset_research_gaps()
    with pytest.warns(RuntimeWarning, match="no constituents of this index"):
        assert jqdata.get_index_stocks("000932.XSHG", date="2021-03-31") == []    # said, not silent


def test_real_store_never_invents_a_security(tmp_path, monkeypatch):
    from jqlite.api import _binding
    from jqlite.api._gaps import research_gaps, reset_research_gaps
    from jqlite.api.market import get_price, get_security_info
    from jqlite.testing.builders import tiny_store
    st = tiny_store(tmp_path / "real", {"600000.XSHG": [10.0] * 5})
    assert not st.synthesizes
    import jqlite.api.market as market
    monkeypatch.setattr(_binding, "active_store", lambda: st)
    monkeypatch.setattr(market, "active_store", lambda: st)
    reset_research_gaps()
    with pytest.warns(RuntimeWarning):
        with pytest.raises(SecurityNotFoundError, match="601633.XSHG"):
            get_price("601633.XSHG", end_date=st.dates[-1], count=2)
    with pytest.warns(RuntimeWarning):
        assert get_security_info("300168.XSHE") is None
    whats = {g["what"] for g in research_gaps()}
    assert {"security 601633.XSHG", "security 300168.XSHE"} <= whats
    assert not (tmp_path / "real" / DIRNAME).exists()


def test_futures_are_synthesised_by_variety(sample):
    st = Store(sample)
    with pytest.raises(SecuritiesAdded):
        st.col("RB8888.XSGE")      # the variety's continuous codes come with it (jqlite.data.futures)
    st2 = open_store(sample)
    assert {"RB8888.XSGE", "RB9999.XSGE"} <= set(st2.code_index)
    assert st2.securities.at["RB8888.XSGE", "type"] == "futures"
    with pytest.warns(RuntimeWarning, match="not in the data store"), pytest.raises(SecurityNotFoundError):
        st2.col("RB1212.XSGE")      # a contract month outside the store's calendar
    with pytest.raises(NotImplementedError, match="futures"):
        st2.col("ZZ8888.XSGE")      # a variety the sample market does not have
    with pytest.warns(RuntimeWarning, match="not in the data store"), pytest.raises(SecurityNotFoundError):
        st.col("")                  # not a code at all: not found (a gap), nothing synthesised
    with pytest.raises(SecuritiesAdded):
        st.col("601633.XSHG")       # this Store object stays as it was; a re-opened one has it
    assert "601633.XSHG" in open_store(sample).code_index


def test_backtest_names_any_code_restarts_for_a_dynamic_one(sample, run_strategy):
    src = """
        from jqdata import *
        def initialize(context):
            g.etf = '510220.XSHG'
            run_daily(trade, 'open')
        def trade(context):
            dyn = '6016' + '33' + '.XSHG'          # not a literal: found only when asked for
            try:
                attribute_history(dyn, 3, '1d', ['close'])
            except Exception:
                pass                                # a strategy's except does not swallow it
            if not context.portfolio.positions:
                order(dyn, 150)
                order(g.etf, 1050)
    """
    res = run_strategy(open_store(sample), src, "2021-01-04", "2021-01-29", 100000.0)
    assert res.error is None
    log = "\n".join(res.log)
    assert "synthesised on demand for this run" in log and "510220.XSHG (etf)" in log
    assert "restarted the backtest after synthesising 601633.XSHG on demand" in log
    t = res.trades
    amounts = dict(zip(t["security"], t["amount"])) if len(t) else {}
    assert amounts.get("601633.XSHG") == 100 and amounts.get("510220.XSHG") == 1000
    whats = {g["what"] for g in res.metrics["data_gaps"]}
    assert "fundamentals of on-demand stocks" in whats


def test_futures_subportfolio_runs(sample, run_strategy):
    src = """
        from jqdata import *
        def initialize(context):
            set_subportfolios([SubPortfolioConfig(cash=context.portfolio.starting_cash, type='index_futures')])
    """
    res = run_strategy(open_store(sample), src, "2021-01-04", "2021-01-08", 100000.0)
    assert res.error is None
    assert list(res.daily["total_value"]) == [100000.0] * 5


def test_structured_fund_shares_and_reits_answer(sample):
    # 150018 / 150019: the A / B shares of one structured fund (银华稳进 / 银华锐进), wound up in
    # 2020; 180301 / 508000: public REITs, first listed 2021-06-21
    assert classify("150018.XSHE").type == "fja" and classify("150019.XSHE").type == "fjb"
    assert classify("180301.XSHE").type == "reits" and classify("508000.XSHG").type == "reits"
    assert classify("184801.XSHE").type == "fund"          # closed-end (前海REITs), generator 6
    assert classify("184600.XSHE") is None and classify("500100.XSHG") is None
    st = Store(sample)
    materialise(st, ["150019.XSHE", "180301.XSHE"])
    s2 = open_store(sample)
    b = _bars(sample, "150019.XSHE")
    end = pd.Timestamp(s2.securities.loc["150019.XSHE", "end_date"])
    assert pd.Timestamp("2020-06-01") <= end <= pd.Timestamp("2020-12-31")
    assert b["date"].iloc[-1] == end                      # no bar after the delisting day
    _check_limits(b, lambda d: 0.10, 0.001)
    r = _bars(sample, "180301.XSHE")
    start = pd.Timestamp(s2.securities.loc["180301.XSHE", "start_date"])
    assert start >= pd.Timestamp("2021-06-21") and start.weekday() < 5
    # the master row answers before the listing; bars only from the listing day
    assert r.empty if start > pd.Timestamp(END) else r["date"].iloc[0] == start
