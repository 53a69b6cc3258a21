"""Append-only ``jqlite data update`` (:mod:`jqlite.data.append`) against recorded responses.

The market of ``_pull_recorded.py`` (2024-01-02 .. 2024-01-10): 000001 suspended on 01-04,
000002 ST from 01-05, 600087 delisted after 01-05 (ST throughout), 600000 ex-dividend 0.40
yuan on 01-08 (close 7.00 on 01-05 -> pre_close 6.60).  Every test compares the updated store
with one pulled whole over the same span: the append must give the same store as a rebuild.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import _pull_recorded as rec
from _pull_recorded import FakeBaostock, FakeTushare
from jqlite.data import append as append_mod
from jqlite.data.pull import run_pull, run_update, staging_dir
from jqlite.data.sources.baostock import BaostockSource
from jqlite.data.sources.tushare import TushareSource
from jqlite.data.store import Store
from test_pull_sources import JQ_ENV, NOKEY, TOKEN, bars, make, pull


def table(store, name) -> pd.DataFrame:
    p = Path(store) / f"{name}.parquet"
    if not p.exists():
        return pd.DataFrame()
    df = pd.read_parquet(p)
    keys = [c for c in ("index_code", "code", "date", "start_date", "scheme", "industry_code", "name") if c in df.columns]
    return df.sort_values(keys).reset_index(drop=True) if keys else df


def assert_same_store(a, b) -> None:
    """Bars identical (factor to 1e-12 relative: exp(cumsum(log)) vs a running product) and
    every derived table identical."""
    ba, bb = bars(a), bars(b)
    assert list(ba.index) == list(bb.index)
    for c in ba.columns:
        if c == "factor":
            np.testing.assert_allclose(ba[c].to_numpy(), bb[c].to_numpy(), rtol=1e-12)
        else:
            pd.testing.assert_series_equal(ba[c], bb[c], check_exact=True)
    for t in ("calendar", "securities", "st", "xrxd", "names", "index_members", "index_weights", "industry_members",
              "industries"):
        pd.testing.assert_frame_equal(table(a, t), table(b, t), check_exact=True, obj=t)


def digest(store) -> dict:
    return {str(p.relative_to(store)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(Path(store).rglob("*")) if p.is_file() and ".panels" not in p.parts}


def update(source, out, end, adapter, env, **kw):
    log = []
    r = run_update(out, end=end, adapter=adapter, env=env, progress=log.append, sleep=lambda s: None, **NOKEY, **kw)
    return r, log


# ------------------------------------------------------------------ equal to a whole pull
@pytest.mark.parametrize("source", ["baostock"] + [pytest.param(s, marks=pytest.mark.slow)
                                                   for s in ("tushare", "akshare", "jqdatasdk")])
def test_day_by_day_appends_equal_a_whole_pull(tmp_path, monkeypatch, source):
    """01-03 -> 01-04 (000001 suspended) -> 01-05 (000002 turns ST) -> 01-08 (600000 ex-dividend;
    600087 delisted: no row, no longer listed) -> 01-09 -> 01-10, one day per update."""
    monkeypatch.setattr(append_mod, "RAW_PARTS", 2)     # merge the raw part files every 2 updates
    ad, env = make(source)
    out = tmp_path / "s"
    run_pull(source, out, start="2024-01-02", end="2024-01-03", adapter=ad, env=env, **NOKEY)
    for d in ("2024-01-04", "2024-01-05", "2024-01-08", "2024-01-09", "2024-01-10"):
        r, log = update(source, out, d, ad, env)
        assert r["mode"] == "append", log
        assert r["last_date"] == d
    pull(source, tmp_path / "full")
    assert_same_store(out, tmp_path / "full")
    # raw rows kept for a rebuild: parts 0104, then merged with 0105, part 0108, merged with 0109, part 0110
    assert sorted(p.name for p in (out / "pull" / "raw").iterdir()) == ["2024-0110.parquet", "2024.parquet"]
    raw = pd.concat([pd.read_parquet(p) for p in (out / "pull" / "raw").iterdir()])
    full_raw = pd.read_parquet(tmp_path / "full" / "pull" / "raw" / "2024.parquet")
    assert not raw.duplicated(["code", "date"]).any() and len(raw) == len(full_raw)
    hist = json.loads((out / "pull" / "sources.json").read_text())
    assert [h.get("mode") for h in hist["history"]] == [None] + ["append"] * 5
    assert hist["tables"]["bars_daily"]["last_date"] == "2024-01-10"
    st = Store(out)
    assert st.dates[-1] == pd.Timestamp("2024-01-10") and json.loads((out / "meta.json").read_text())["last_date"] \
        == "2024-01-10"


def test_suspended_day_st_change_and_delisting_on_the_appended_day(tmp_path):
    ad, env = make("baostock")
    out = tmp_path / "s"
    run_pull("baostock", out, start="2024-01-02", end="2024-01-03", adapter=ad, env=env, **NOKEY)
    update("baostock", out, "2024-01-04", ad, env)
    b = bars(out)
    # 000001 suspended on 01-04: the last close 9.20 everywhere, no volume, paused
    row = b.loc[("000001.XSHE", "2024-01-04")]
    assert (row["paused"], row["open"], row["close"], row["pre_close"], row["volume"]) == (1, 9.20, 9.20, 9.20, 0.0)
    assert (row["high_limit"], row["low_limit"]) == (10.12, 8.28)            # 9.20 x 1.1 / 0.9
    update("baostock", out, "2024-01-05", ad, env)
    st = table(out, "st")
    # 000002 ST from 01-05, still listed: open-ended; 5 % limits from 10.20: 10.71 / 9.69
    assert st[st["code"] == "000002.XSHE"][["start_date", "end_date"]].astype(str).values.tolist() == \
        [["2024-01-05", "2200-01-01"]]
    assert tuple(bars(out).loc[("000002.XSHE", "2024-01-05"), ["high_limit", "low_limit"]]) == (10.71, 9.69)
    sec = table(out, "securities").set_index("code")
    assert str(sec.loc["600087.XSHG", "end_date"]) == "2200-01-01"   # still trading on 01-05
    update("baostock", out, "2024-01-08", ad, env)
    sec = table(out, "securities").set_index("code")
    # 600087: no row on 01-08 and baostock lists it as delisted (status 0): ends on 01-05,
    # its ST interval closes there too
    assert str(sec.loc["600087.XSHG", "end_date"]) == "2024-01-05"
    st = table(out, "st")
    assert st[st["code"] == "600087.XSHG"][["start_date", "end_date"]].astype(str).values.tolist() == \
        [["2024-01-02", "2024-01-05"]]
    assert ("600087.XSHG", "2024-01-08") not in bars(out).index


def test_ex_rights_on_the_appended_day_rescales_only_the_new_rows(tmp_path):
    ad, env = make("tushare")
    out = tmp_path / "s"
    run_pull("tushare", out, start="2024-01-02", end="2024-01-05", adapter=ad, env=env, **NOKEY)
    before = bars(out).loc["600000.XSHG", "factor"].copy()
    update("tushare", out, "2024-01-09", ad, env)
    b = bars(out).loc["600000.XSHG"]
    # history untouched (post-adjustment factor: point in time)
    assert b.loc[before.index, "factor"].tolist() == before.tolist() == [1.0, 1.0, 1.0, 1.0]
    # 01-08: close 7.00 on 01-05, exchange pre_close 6.60 -> factor 7.00 / 6.60 = 1.060606...
    assert b.loc["2024-01-08", "factor"] == pytest.approx(7.00 / 6.60, rel=1e-15)
    assert b.loc["2024-01-09", "factor"] == b.loc["2024-01-08", "factor"]
    # limits from the ex-rights reference price: 6.60 x 1.1 = 7.26, x 0.9 = 5.94
    assert (b.loc["2024-01-08", "high_limit"], b.loc["2024-01-08", "low_limit"]) == (7.26, 5.94)
    xr = table(out, "xrxd")
    # cash dividend (7.00 - 6.60) x 10 = 4.0 yuan per 10 shares, no bonus shares
    assert xr[["code", "bonus_pre_tax", "scale_factor"]].values.tolist() == [["600000.XSHG", 4.0, 1.0]]
    assert str(pd.Timestamp(xr["date"].iloc[0]).date()) == "2024-01-08"


def _listing_fake(day="2024-01-08"):
    """baostock double in which 000002 lists on ``day`` (no row before)."""
    fake = FakeBaostock()
    real_basic, real_k = fake.query_stock_basic, fake.query_history_k_data_plus

    def basic():
        rs = real_basic()
        for r in rs.data:
            if r[0] == "sz.000002":
                r[2] = day
        return rs

    def k(code, fields, start_date=None, end_date=None, frequency="d", adjustflag="3"):
        rs = real_k(code, fields, start_date, end_date, frequency, adjustflag)
        if code == "sz.000002":
            rs.data = [r for r in rs.data if r[0] >= day]
        return rs
    fake.query_stock_basic, fake.query_history_k_data_plus = basic, k
    return fake


def test_a_new_listing_on_the_appended_day(tmp_path):
    fake = _listing_fake()
    out = tmp_path / "s"
    pull("baostock", out, end="2024-01-05", adapter=BaostockSource(fake))
    assert "000002.XSHE" not in table(out, "securities")["code"].tolist()
    r, log = update("baostock", out, "2024-01-08", BaostockSource(fake), {})
    assert r["mode"] == "append" and any("new listings: 1, e.g. 000002.XSHE" in m for m in log)
    b = bars(out)
    # IPO day: no price limit; factor starts at 1.0
    assert np.isnan(b.loc[("000002.XSHE", "2024-01-08"), "high_limit"])
    assert b.loc[("000002.XSHE", "2024-01-08"), "factor"] == 1.0
    update("baostock", out, "2024-01-10", BaostockSource(fake), {})
    # next day: ST (from 01-05 in the recorded market) -> 5 % of 10.40 = 10.92 / 9.88
    assert tuple(bars(out).loc[("000002.XSHE", "2024-01-09"), ["high_limit", "low_limit"]]) == (10.92, 9.88)
    sec = table(out, "securities").set_index("code")
    assert str(sec.loc["000002.XSHE", "start_date"]) == "2024-01-08"
    pull("baostock", tmp_path / "full", adapter=BaostockSource(_listing_fake()))
    assert_same_store(out, tmp_path / "full")


def test_delisted_while_suspended_falls_back_to_a_rebuild_and_says_why(tmp_path, monkeypatch):
    """tushare sends no row on a suspended day: 000001 suspended on 01-05 is shown suspended
    there while listed; when the update finds it delisted, a whole pull ends it on 01-03 (its
    last row), which changes stored history: the update rebuilds."""
    real = rec.truth

    def truth():
        t = real()
        m = (t["code"] == "000001.XSHE") & (t["date"] >= "2024-01-04")
        t.loc[m, "paused"] = 1
        return t
    monkeypatch.setattr(rec, "truth", truth)
    fake = FakeTushare()
    out = tmp_path / "s"
    pull("tushare", out, end="2024-01-05", adapter=TushareSource(fake))
    assert bars(out).loc[("000001.XSHE", "2024-01-05"), "paused"] == 1
    api_cls = rec.FakeTushareApi
    real_q = api_cls.query

    def query(self, api_name, fields="", **kw):       # 000001 moves to the delisted list
        df = real_q(self, api_name, fields, **kw)
        if api_name == "stock_basic":
            others = df[df["ts_code"] != "000001.SZ"]
            if kw["list_status"] == "D":
                return pd.concat([others, pd.DataFrame([["000001.SZ", "平安银行", "19910403", "20240108"]],
                                                       columns=df.columns)], ignore_index=True)
            return others.reset_index(drop=True)
        return df
    monkeypatch.setattr(api_cls, "query", query)
    r, log = update("tushare", out, "2024-01-10", TushareSource(fake), {"TUSHARE_TOKEN": TOKEN})
    assert r["mode"] == "rebuild"
    assert any("cannot be appended" in m and "000001.XSHE" in m and "rebuilding the whole store" in m for m in log)
    pull("tushare", tmp_path / "full", adapter=TushareSource(FakeTushare()))
    assert_same_store(out, tmp_path / "full")
    assert str(table(out, "securities").set_index("code").loc["000001.XSHE", "end_date"]) == "2024-01-03"


# ------------------------------------------------------------------ atomicity and resume
@pytest.mark.parametrize("step", ["linked", "bars", "raw", "tables", "meta", "synced"])
def test_a_crash_at_any_step_leaves_the_old_store_and_the_rerun_completes(tmp_path, monkeypatch, step):
    ad, env = make("baostock")
    out = tmp_path / "s"
    run_pull("baostock", out, start="2024-01-02", end="2024-01-05", adapter=ad, env=env, **NOKEY)
    Store(out).field("close")                        # builds the panel cache (.panels)
    before = digest(out)

    def crash(name):
        if name == step:
            raise KeyboardInterrupt(f"killed at {name}")
    monkeypatch.setattr(append_mod, "_step_hook", crash)
    with pytest.raises(KeyboardInterrupt):
        update("baostock", out, "2024-01-10", ad, env)
    assert digest(out) == before                     # the old store, byte for byte
    assert Store(out).dates[-1] == pd.Timestamp("2024-01-05")
    assert not list(tmp_path.glob(".s.tmp-*"))       # nothing half-written left beside it
    assert (staging_dir(out) / "state.json").exists()  # the fetched days stay committed
    monkeypatch.setattr(append_mod, "_step_hook", None)
    ad.client.calls.clear()
    r, log = update("baostock", out, "2024-01-10", ad, env)
    assert r["mode"] == "append" and r["resumed_batches"] == r["batches"]
    assert not [c for c in ad.client.calls if c[0] == "query_history_k_data_plus"]   # nothing fetched twice
    b = bars(out)
    assert not b.index.duplicated().any() and len(b) == 25      # no duplicated day (25 rows as a whole pull)
    if step == "synced":
        pull("baostock", tmp_path / "full")
        assert_same_store(out, tmp_path / "full")
    assert not (out / ".panels").exists()            # stale panel caches are not carried over
    assert Store(out).field("close").shape[0] == 7


def test_a_crash_after_the_swap_is_cleaned_up_by_the_next_update(tmp_path, monkeypatch):
    ad, env = make("baostock")
    out = tmp_path / "s"
    run_pull("baostock", out, start="2024-01-02", end="2024-01-05", adapter=ad, env=env, **NOKEY)

    def crash(name):
        if name == "swapped":
            raise KeyboardInterrupt("killed after the swap")
    monkeypatch.setattr(append_mod, "_step_hook", crash)
    with pytest.raises(KeyboardInterrupt):
        update("baostock", out, "2024-01-08", ad, env)
    monkeypatch.setattr(append_mod, "_step_hook", None)
    assert Store(out).dates[-1] == pd.Timestamp("2024-01-08") and staging_dir(out).exists()
    r, log = update("baostock", out, "2024-01-08", ad, env)
    assert r["status"] == "up to date" and not staging_dir(out).exists()
    r, _ = update("baostock", out, "2024-01-10", ad, env)
    assert r["mode"] == "append"
    pull("baostock", tmp_path / "full")
    assert_same_store(out, tmp_path / "full")


def test_a_reader_of_the_old_store_keeps_working_during_the_update(tmp_path):
    ad, env = make("baostock")
    out = tmp_path / "s"
    run_pull("baostock", out, start="2024-01-02", end="2024-01-05", adapter=ad, env=env, **NOKEY)
    old = Store(out)
    close = old.field("close")
    update("baostock", out, "2024-01-10", ad, env)
    assert close.shape[0] == 4 and old.dates[-1] == pd.Timestamp("2024-01-05")
    assert Store(out).field("close").shape[0] == 7


# ------------------------------------------------------------------ per-day endpoints
def test_tushare_update_uses_the_per_day_endpoints(tmp_path):
    fake = FakeTushare()
    out = tmp_path / "s"
    env = {"TUSHARE_TOKEN": TOKEN}
    run_pull("tushare", out, start="2024-01-02", end="2024-01-05", adapter=TushareSource(fake), env=env,
             batch_size=1, **NOKEY)
    fake.calls.clear()
    r, log = update("tushare", out, "2024-01-08", TushareSource(fake), env, batch_size=1)
    # one day: daily + stk_limit + suspend_d by trade_date, instead of 2 calls x 4 one-stock batches
    data_calls = [(n, kw) for n, kw in fake.calls if n in ("daily", "stk_limit", "suspend_d")]
    assert [(n, kw.get("trade_date"), "ts_code" in kw) for n, kw in data_calls] == \
        [("daily", "20240108", False), ("stk_limit", "20240108", False), ("suspend_d", "20240108", False)]
    assert r["mode"] == "append" and any("per-day endpoints" in m for m in log)
    r, log = update("tushare", out, "2024-01-10", TushareSource(fake), env, batch_size=1)
    pull("tushare", tmp_path / "full")
    assert_same_store(out, tmp_path / "full")


def test_per_day_update_suspended_day_and_resume(tmp_path, monkeypatch):
    """000001 suspended on 01-04 (listed in suspend_d): the per-day update shows it paused; a
    crash after the first day's commit resumes at the second day."""
    fake = FakeTushare()
    out = tmp_path / "s"
    env = {"TUSHARE_TOKEN": TOKEN}
    run_pull("tushare", out, start="2024-01-02", end="2024-01-03", adapter=TushareSource(fake), env=env,
             batch_size=1, **NOKEY)
    n = {"daily": 0}
    real_q = rec.FakeTushareApi.query

    def query(self, api_name, fields="", **kw):
        if api_name == "daily" and kw.get("trade_date") == "20240105" and n["daily"] == 0:
            n["daily"] += 1
            raise KeyboardInterrupt("Ctrl-C during the second day")
        return real_q(self, api_name, fields, **kw)
    monkeypatch.setattr(rec.FakeTushareApi, "query", query)
    with pytest.raises(KeyboardInterrupt):
        update("tushare", out, "2024-01-05", TushareSource(fake), env, batch_size=1)
    fake.calls.clear()
    r, log = update("tushare", out, "2024-01-05", TushareSource(fake), env, batch_size=1)
    days = [kw["trade_date"] for nme, kw in fake.calls if nme == "daily"]
    assert days == ["20240105"] and r["resumed_batches"] == 1
    assert not any("not in suspend_d" in m for m in log)
    b = bars(out)
    assert (b.loc[("000001.XSHE", "2024-01-04"), "paused"], b.loc[("000001.XSHE", "2024-01-04"), "close"]) == (1, 9.20)
    monkeypatch.setattr(rec.FakeTushareApi, "query", real_q)
    update("tushare", out, "2024-01-10", TushareSource(fake), env, batch_size=1)
    pull("tushare", tmp_path / "full")
    assert_same_store(out, tmp_path / "full")


# ------------------------------------------------------------------ a backtest on both stores
STRATEGY = '''
def initialize(context):
    set_benchmark('600000.XSHG')
    run_daily(trade, 'open')

def trade(context):
    d = context.current_dt.strftime('%Y-%m-%d')
    if d == '2024-01-03':
        order('600000.XSHG', 1000)
        order('000002.XSHE', 500)
    if d == '2024-01-09':
        order_target('000002.XSHE', 0)
    h = attribute_history('600000.XSHG', 3, '1d', ['close', 'pre_close', 'high_limit'], fq='pre')
    if len(h):
        record(c=float(h['close'].iloc[-1]), hl=float(h['high_limit'].iloc[-1]))
'''


def test_a_backtest_on_the_updated_store_equals_one_on_a_whole_pull(tmp_path):
    import jqlite
    ad, env = make("baostock")
    out = tmp_path / "s"
    run_pull("baostock", out, start="2024-01-02", end="2024-01-03", adapter=ad, env=env, **NOKEY)
    for d in ("2024-01-05", "2024-01-08", "2024-01-10"):
        update("baostock", out, d, ad, env)
    pull("baostock", tmp_path / "full")
    f = tmp_path / "strat.py"
    f.write_text(STRATEGY)
    a = jqlite.run_backtest(f, "2024-01-02", "2024-01-10", 100000, data=out)
    b = jqlite.run_backtest(f, "2024-01-02", "2024-01-10", 100000, data=tmp_path / "full")
    assert len(a.trades) == 3
    pd.testing.assert_frame_equal(a.trades, b.trades)
    pd.testing.assert_frame_equal(a.daily, b.daily)


def test_an_update_across_the_new_year_starts_the_next_year_file(tmp_path):
    """A random-walk market of 12 stocks (the benchmark's recorded tushare client): the store
    ends on 2023-12-29, the update appends 2024-01-02 and 01-03 into a new ``2024.parquet``."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
    from bench_pull import SyntheticTushare
    from jqlite.data.calendar import xshg_trading_days
    days = xshg_trading_days("2023-12-20", "2024-01-03")
    fake = SyntheticTushare(12, days, seed=3)
    env = {"TUSHARE_TOKEN": "x" * 32}
    kw = dict(env=env, keyring_get=lambda s, k: None, sleep=lambda s: None, batch_size=4)
    fake.end = pd.Timestamp("2023-12-29")
    run_pull("tushare", tmp_path / "s", start="2023-12-20", end="2023-12-29", adapter=TushareSource(fake), **kw)
    fake.end = days[-1]
    r = run_update(tmp_path / "s", end="2024-01-03", adapter=TushareSource(fake), **kw)
    assert r["mode"] == "append" and r["bars"] == 24
    assert sorted(p.name for p in (tmp_path / "s" / "bars_daily").iterdir()) == ["2023.parquet", "2024.parquet"]
    assert sorted(p.name for p in (tmp_path / "s" / "pull" / "raw").iterdir()) == ["2023.parquet", "2024-0103.parquet"]
    run_pull("tushare", tmp_path / "full", start="2023-12-20", end="2024-01-03", adapter=TushareSource(fake), **kw)
    assert_same_store(tmp_path / "s", tmp_path / "full")


def test_cli_update_appends_or_rebuilds_on_request(tmp_path, monkeypatch):
    from click.testing import CliRunner
    from jqlite.cli import main as cli
    monkeypatch.setitem(sys.modules, "baostock", FakeBaostock())
    r = CliRunner().invoke(cli, ["data", "pull", "--source", "baostock", "--out", str(tmp_path / "s"),
                                 "--start", "2024-01-02", "--end", "2024-01-05"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, ["data", "update", str(tmp_path / "s"), "--end", "2024-01-08"])
    assert r.exit_code == 0 and "new days appended to" in r.output and "2024-01-02 .. 2024-01-08" in r.output
    r = CliRunner().invoke(cli, ["data", "update", str(tmp_path / "s"), "--end", "2024-01-10", "--rebuild"])
    assert r.exit_code == 0 and "store rebuilt at" in r.output, r.output
    pull("baostock", tmp_path / "full")
    assert_same_store(tmp_path / "s", tmp_path / "full")


def test_new_columns_fall_back_to_a_rebuild_and_say_why(tmp_path, monkeypatch):
    ad, env = make("baostock")
    out = tmp_path / "s"
    run_pull("baostock", out, start="2024-01-02", end="2024-01-05", adapter=ad, env=env, **NOKEY)
    real = BaostockSource.to_raw

    def to_raw(self, frame, label):       # a later version of the adapter keeps one more column
        return real(self, frame, label).assign(turnover=0.5)
    monkeypatch.setattr(BaostockSource, "to_raw", to_raw)
    r, log = update("baostock", out, "2024-01-10", ad, env)
    assert r["mode"] == "rebuild"
    assert any("cannot be appended" in m and "turnover" in m for m in log), log
    monkeypatch.setattr(BaostockSource, "to_raw", real)
    pull("baostock", tmp_path / "full")
    assert_same_store(out, tmp_path / "full")


def test_index_members_and_fundamentals_are_appended_too(tmp_path):
    """A store pulled with --what bars,fundamentals,index: the update appends the bars and
    rewrites index members / weights and the reports as a whole pull has them."""
    env = {"TUSHARE_TOKEN": TOKEN}
    what = ("bars", "fundamentals", "index")
    run_pull("tushare", tmp_path / "s", start="2024-01-02", end="2024-01-05", adapter=TushareSource(FakeTushare()),
             env=env, what=what, **NOKEY)
    r, log = update("tushare", tmp_path / "s", "2024-01-10", TushareSource(FakeTushare()), env)
    assert r["mode"] == "append", log
    run_pull("tushare", tmp_path / "full", start="2024-01-02", end="2024-01-10", adapter=TushareSource(FakeTushare()),
             env=env, what=what, **NOKEY)
    assert_same_store(tmp_path / "s", tmp_path / "full")
    assert len(table(tmp_path / "s", "index_members")) and len(table(tmp_path / "s", "index_weights"))
    for t in ("income", "balance", "cash_flow", "indicator"):
        a = pd.read_parquet(tmp_path / "s" / "fundamentals" / f"{t}.parquet")
        b = pd.read_parquet(tmp_path / "full" / "fundamentals" / f"{t}.parquet")
        pd.testing.assert_frame_equal(a.sort_values(["code", "statDate"]).reset_index(drop=True),
                                      b.sort_values(["code", "statDate"]).reset_index(drop=True), obj=t)
    # the annual 2023 report of 600000, announced 2024-01-09, came with the update
    inc = pd.read_parquet(tmp_path / "s" / "fundamentals" / "income.parquet")
    assert (pd.to_datetime(inc["statDate"]) == pd.Timestamp("2023-12-31")).any()


def test_valuation_and_industries_are_appended_minute_bars_rebuild(tmp_path):
    """--what valuation,industries go through the append (tables equal to a whole pull); a store
    with minute bars is rebuilt, and the log says why."""
    from test_pull_extras import _adapter, _pull
    _pull("jqdatasdk", tmp_path / "u", ("bars", "valuation", "industries"), end="2024-01-05")
    ad, env = _adapter("jqdatasdk")
    r, log = update("jqdatasdk", tmp_path / "u", "2024-01-10", ad, env)
    assert r["mode"] == "append", log
    _pull("jqdatasdk", tmp_path / "full", ("bars", "valuation", "industries"))
    assert_same_store(tmp_path / "u", tmp_path / "full")
    val = [pd.read_parquet(p / "fundamentals" / "valuation.parquet").sort_values(["code", "day"]).reset_index(drop=True)
           for p in (tmp_path / "u", tmp_path / "full")]
    pd.testing.assert_frame_equal(val[0], val[1])
    assert len(table(tmp_path / "u", "industry_members"))
    rec_u = json.loads((tmp_path / "u" / "pull" / "sources.json").read_text())
    assert rec_u["tables"]["fundamentals/valuation"]["rows"] == len(val[0])
    _pull("baostock", tmp_path / "m", ("bars", "minute"), end="2024-01-05")
    ad, env = _adapter("baostock")
    r, log = update("baostock", tmp_path / "m", "2024-01-10", ad, env)
    assert r["mode"] == "rebuild" and any("--what minute" in m and "rebuilding the whole store" in m for m in log)


def test_per_day_update_says_which_listed_stocks_have_no_row_and_no_suspension(tmp_path, monkeypatch):
    fake = FakeTushare()
    out = tmp_path / "s"
    env = {"TUSHARE_TOKEN": TOKEN}
    run_pull("tushare", out, start="2024-01-02", end="2024-01-05", adapter=TushareSource(fake), env=env,
             batch_size=1, **NOKEY)
    real_q = rec.FakeTushareApi.query

    def query(self, api_name, fields="", **kw):       # 000002 missing from the day's answer, not suspended
        df = real_q(self, api_name, fields, **kw)
        if api_name in ("daily", "stk_limit") and kw.get("trade_date") == "20240108":
            df = df[df["ts_code"] != "000002.SZ"].reset_index(drop=True)
        return df
    monkeypatch.setattr(rec.FakeTushareApi, "query", query)
    r, log = update("tushare", out, "2024-01-08", TushareSource(fake), env, batch_size=1)
    assert r["mode"] == "append"
    assert any("1 listed stock(s) have no daily row and are not in suspend_d, e.g. 000002.SZ" in m for m in log), log
    row = bars(out).loc[("000002.XSHE", "2024-01-08")]
    assert (row["paused"], row["close"]) == (1, 10.30)        # shown suspended at the last close
