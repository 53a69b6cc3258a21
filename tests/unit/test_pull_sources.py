"""``jqlite data pull`` / ``update``: every source adapter against recorded responses.

The doubles in ``_pull_recorded.py`` return what the real libraries return (see its
docstring for the library files they were read from).  No test here uses the network.
Expected numbers are computed by hand in the comments.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from _pull_recorded import (FakeAkshare, FakeBaostock, FakeJqdatasdk, FakeTushare)
from jqlite.cli import main as cli
from jqlite.data.pull import run_pull, run_update, staging_dir
from jqlite.data.sources import CredentialError, QuotaExhausted, SourceError
from jqlite.data.sources.akshare import AkshareSource
from jqlite.data.sources.baostock import BaostockSource
from jqlite.data.sources.credentials import Secret, resolve
from jqlite.data.sources.jqdatasdk import JqdatasdkSource
from jqlite.data.sources.tushare import TushareSource
from jqlite.data.store import Store

TOKEN = "tok-SECRET-123"
JQ_ENV = {"JQDATA_USERNAME": "13800000000", "JQDATA_PASSWORD": "pw-SECRET-456"}
NOKEY = dict(keyring_get=lambda s, k: None)


def make(source):
    if source == "baostock":
        return BaostockSource(FakeBaostock()), {}
    if source == "tushare":
        return TushareSource(FakeTushare()), {"TUSHARE_TOKEN": TOKEN}
    if source == "akshare":
        return AkshareSource(FakeAkshare()), {}
    return JqdatasdkSource(FakeJqdatasdk()), dict(JQ_ENV)


def bars(store) -> pd.DataFrame:
    b = pd.concat([pd.read_parquet(f) for f in sorted(Path(store, "bars_daily").glob("*.parquet"))])
    b["date"] = pd.to_datetime(b["date"]).dt.strftime("%Y-%m-%d")
    return b.set_index(["code", "date"]).sort_index()


def pull(source, out, start="2024-01-02", end="2024-01-10", adapter=None, **kw):
    ad, env = make(source) if adapter is None else (adapter, make(source)[1])
    return run_pull(source, out, start=start, end=end, adapter=ad, env=env, sleep=lambda s: None, **NOKEY, **kw)


# ------------------------------------------------------------------ mapping, per source
@pytest.mark.parametrize("source", ["baostock", "tushare", "akshare", "jqdatasdk"])
def test_each_source_maps_codes_units_and_adjustment(tmp_path, source):
    r = pull(source, tmp_path / "s")
    b = bars(tmp_path / "s")
    # 600000.XSHG ex-dividend on 2024-01-08: pre_close 6.60 after a 7.00 close.
    # factor = 7.00 / 6.60 = 1.060606..., before it 1.0; xrxd: (7.00 - 6.60) * 10 = 4.0 yuan per 10 shares
    f = b.loc["600000.XSHG", "factor"]
    assert f.loc["2024-01-05"] == 1.0
    assert f.loc["2024-01-08"] == pytest.approx(7.00 / 6.60, abs=1e-12)
    xr = pd.read_parquet(tmp_path / "s" / "xrxd.parquet")
    assert xr["code"].tolist() == ["600000.XSHG"] and xr["bonus_pre_tax"].iloc[0] == pytest.approx(4.0)
    # limits on the ex-date from pre_close 6.60: 6.60 * 1.1 = 7.26, 6.60 * 0.9 = 5.94
    assert (b.loc[("600000.XSHG", "2024-01-08"), ["high_limit", "low_limit"]].tolist() == [7.26, 5.94])
    # units: volume 10,400,000 shares (tushare vol 104,000 lots, akshare 成交量 104,000 lots);
    # money 10,400,000 * 6.70 = 69,680,000 yuan (tushare amount 69,680 thousand)
    row = b.loc[("600000.XSHG", "2024-01-08")]
    assert row["volume"] == 10_400_000 and row["money"] == pytest.approx(69_680_000)
    # 000001.XSHE suspended on 2024-01-04: a paused row at the last close 9.20, no volume
    s = b.loc[("000001.XSHE", "2024-01-04")]
    assert (s["paused"], s["close"], s["open"], s["volume"]) == (1, 9.20, 9.20, 0.0)
    assert b.loc[("000001.XSHE", "2024-01-05"), "paused"] == 0
    # delisting: 600087.XSHG's last day 2024-01-05 becomes its end_date
    sec = Store(tmp_path / "s").securities
    if source == "akshare":     # lists today's stocks only: the delisted one is missing (said in the log)
        assert "600087.XSHG" not in sec.index
    else:
        assert sec.loc["600087.XSHG", "end_date"] == pd.Timestamp("2024-01-05")
    assert sec.loc["600000.XSHG", "end_date"] == pd.Timestamp("2200-01-01")
    assert sec.loc["600000.XSHG", "display_name"] == "浦发银行"
    assert r["limit_violations"] == 0 and r["last_date"] == "2024-01-10"
    rec = json.loads((tmp_path / "s" / "pull" / "sources.json").read_text())
    assert rec["source"] == source and rec["tables"]["bars_daily"]["source"] == source
    assert rec["tables"]["bars_daily"]["pulled_at"].endswith("+00:00")


@pytest.mark.parametrize("source", ["baostock", "tushare", "jqdatasdk"])
def test_st_rename_gives_5_percent_limits(tmp_path, source):
    pull(source, tmp_path / "s")
    b = bars(tmp_path / "s")
    # 000002.XSHE is ST from 2024-01-05: pre_close 10.20 -> 10.20*1.05 = 10.71, 10.20*0.95 = 9.69;
    # the day before (not ST) pre_close 10.10 -> 11.11 / 9.09
    assert b.loc[("000002.XSHE", "2024-01-05"), ["high_limit", "low_limit"]].tolist() == [10.71, 9.69]
    assert b.loc[("000002.XSHE", "2024-01-04"), ["high_limit", "low_limit"]].tolist() == [11.11, 9.09]
    # 600087 ST, pre_close 0.90: 0.90 * 0.95 = 0.855 rounds half up to 0.86 (its close, limit-down)
    assert b.loc[("600087.XSHG", "2024-01-05"), "low_limit"] == 0.86
    if source != "tushare":   # ST intervals need the source's ST flag (tushare gives exchange limits instead)
        st = pd.read_parquet(tmp_path / "s" / "st.parquet")
        got = st[st["code"] == "000002.XSHE"]
        assert str(pd.Timestamp(got["start_date"].iloc[0]).date()) == "2024-01-05"


def test_baostock_strings_and_suspended_row_shape(tmp_path):
    fake = FakeBaostock()
    rs = fake.query_history_k_data_plus("sz.000001", "date,code,open,high,low,close,preclose,volume,amount,"
                                        "adjustflag,turn,tradestatus,pctChg,isST", "2024-01-04", "2024-01-04")
    assert rs.next() and rs.get_row_data()[7:12] == ["", "", "3", "", "0"]  # volume, amount, flag, turn, status
    df = BaostockSource(fake).fetch_daily(["000001.XSHE"], "2024-01-04", "2024-01-04")
    raw = BaostockSource(fake).to_raw(df, "t")
    assert raw["paused"].tolist() == [1] and raw["code"].tolist() == ["000001.XSHE"]


def test_tushare_without_stk_limit_permission_derives_limits_and_says_so(tmp_path):
    log = []
    ad = TushareSource(FakeTushare(no_limit_permission=True))
    pull("tushare", tmp_path / "s", adapter=ad, progress=log.append)
    b = bars(tmp_path / "s")
    assert b.loc[("600000.XSHG", "2024-01-08"), "high_limit"] == 7.26       # derived: 6.60 * 1.1
    assert any("stk_limit unavailable" in m for m in log)


# ------------------------------------------------------------------ resume, retries, quota
def test_interrupted_pull_resumes_without_refetching_committed_batches(tmp_path):
    out = tmp_path / "s"
    fake = FakeBaostock(fail_on={"sz.000002": 99})        # network down from the 2nd batch on
    with pytest.raises(SourceError, match="网络接收错误"):
        pull("baostock", out, adapter=BaostockSource(fake), batch_size=1, tries=2)
    assert not out.exists()                                # nothing swapped in
    st = json.loads((staging_dir(out) / "state.json").read_text())
    assert st["done"] == [0] and st["batches"][0] == ["000001.XSHE"]     # batch 1 committed
    fake.fail_on.clear()
    n_before = len([c for c in fake.calls if c[0] == "query_history_k_data_plus" and c[1] == "sz.000001"])
    r = pull("baostock", out, adapter=BaostockSource(fake), batch_size=1)
    n_after = len([c for c in fake.calls if c[0] == "query_history_k_data_plus" and c[1] == "sz.000001"])
    assert n_after == n_before and r["resumed_batches"] == 1           # batch 1 not fetched again
    assert not staging_dir(out).exists()
    pull("baostock", tmp_path / "clean")
    pd.testing.assert_frame_equal(bars(out), bars(tmp_path / "clean"))   # nothing lost, nothing doubled


def test_ctrl_c_keeps_committed_batches(tmp_path):
    out = tmp_path / "s"
    ad = BaostockSource(FakeBaostock())
    real = ad.fetch_daily
    n = {"i": 0}

    def interrupted(codes, s, e):
        n["i"] += 1
        if n["i"] == 3:
            raise KeyboardInterrupt
        return real(codes, s, e)
    ad.fetch_daily = interrupted
    with pytest.raises(KeyboardInterrupt):
        pull("baostock", out, adapter=ad, batch_size=1)
    assert json.loads((staging_dir(out) / "state.json").read_text())["done"] == [0, 1]
    ad.fetch_daily = real
    assert pull("baostock", out, adapter=ad, batch_size=1)["resumed_batches"] == 2


def test_transient_errors_are_retried_with_backoff(tmp_path):
    slept = []
    ad = TushareSource(FakeTushare(rate_limit_once=("daily",)))
    r = run_pull("tushare", tmp_path / "s", start="2024-01-02", end="2024-01-10", adapter=ad,
                 env={"TUSHARE_TOKEN": TOKEN}, sleep=slept.append, backoff=2.0, **NOKEY)
    assert r["retries"] == 1 and 2.0 in slept          # first backoff = 2.0 s
    fake = FakeBaostock(fail_on={"sh.600000": 2})
    slept.clear()
    r = run_pull("baostock", tmp_path / "b", start="2024-01-02", end="2024-01-10", adapter=BaostockSource(fake),
                 env={}, sleep=slept.append, backoff=1.0, **NOKEY)
    assert r["retries"] == 2 and slept == [1.0, 2.0]     # doubling


def test_other_arguments_refuse_an_interrupted_staging_folder(tmp_path):
    out = tmp_path / "s"
    with pytest.raises(SourceError):
        pull("baostock", out, adapter=BaostockSource(FakeBaostock(fail_on={"sz.000002": 9})), batch_size=1, tries=1)
    with pytest.raises(Exception, match="other arguments"):
        pull("baostock", out, end="2024-01-09")
    assert pull("baostock", out, end="2024-01-09", restart=True)["resumed_batches"] == 0


def test_jqdatasdk_quota_stops_cleanly_and_resumes_next_day(tmp_path):
    out = tmp_path / "s"
    # 2 codes per batch x 7 days x 2 calls (get_price + get_extras) = 28 rows per batch estimate
    fake = FakeJqdatasdk(total=40, spare=40)
    ad = JqdatasdkSource(fake)
    with pytest.raises(QuotaExhausted) as ei:
        pull("jqdatasdk", out, adapter=ad, batch_size=2)
    msg = str(ei.value)
    assert "28 of 40 rows used, 12 left" in msg and "1 of 2 batches are committed" in msg
    assert not out.exists()
    fake.spare = fake.total = 1000                  # the next day
    r = pull("jqdatasdk", out, adapter=ad, batch_size=2)
    assert r["resumed_batches"] == 1 and r["quota"] == {"total": 1000, "spare": 1000 - 28}
    firsts = [c[1] for c in fake.calls if c[0] == "get_price"]
    assert firsts.count(("000001.XSHE", "000002.XSHE")) == 1          # batch 1 fetched once


# ------------------------------------------------------------------ update
@pytest.mark.parametrize("source", ["baostock", "tushare", "akshare", "jqdatasdk"])
def test_update_pulls_only_new_days_and_equals_a_full_pull(tmp_path, source):
    ad, env = make(source)
    out = tmp_path / "s"
    run_pull(source, out, start="2024-01-02", end="2024-01-05", adapter=ad, env=env, **NOKEY)
    assert Store(out).dates[-1] == pd.Timestamp("2024-01-05")
    ad.client.calls.clear()
    r = run_update(out, end="2024-01-10", adapter=ad, env=env, **NOKEY)
    assert r["status"] == "written" and r["first_date"] == "2024-01-02"
    starts = {str(c[2] if source != "tushare" else c[1]["start_date"]) for c in ad.client.calls
              if c[0] in ("query_history_k_data_plus", "daily", "stock_zh_a_hist", "get_price")}
    assert starts == {{"baostock": "2024-01-08", "tushare": "20240108", "akshare": "20240108",
                       "jqdatasdk": "2024-01-08"}[source]}
    pull(source, tmp_path / "full")
    pd.testing.assert_frame_equal(bars(out), bars(tmp_path / "full"))
    hist = json.loads((out / "pull" / "sources.json").read_text())["history"]
    assert [h["end"] for h in hist] == ["2024-01-05", "2024-01-10"]
    assert run_update(out, end="2024-01-10", adapter=ad, env=env, **NOKEY)["status"] == "up to date"


# ------------------------------------------------------------------ credentials
def test_bad_token_fails_at_once_with_the_source_message(tmp_path):
    fake = FakeTushare()
    with pytest.raises(CredentialError, match="您的token不对"):
        run_pull("tushare", tmp_path / "s", start="2024-01-02", end="2024-01-10", adapter=TushareSource(fake),
                 env={"TUSHARE_TOKEN": "wrong-token"}, **NOKEY)
    assert [c[0] for c in fake.calls] == ["trade_cal"]               # one call, no retry
    assert not staging_dir(tmp_path / "s").exists() or not any(staging_dir(tmp_path / "s").iterdir())
    with pytest.raises(CredentialError, match="账号或密码错误"):
        run_pull("jqdatasdk", tmp_path / "j", adapter=JqdatasdkSource(FakeJqdatasdk()),
                 env={"JQDATA_USERNAME": "u", "JQDATA_PASSWORD": "bad"}, **NOKEY)
    with pytest.raises(CredentialError, match="用户名或密码错误"):
        run_pull("baostock", tmp_path / "b", adapter=BaostockSource(FakeBaostock(password_ok="x")),
                 env={"BAOSTOCK_USER": "me", "BAOSTOCK_PASSWORD": "y"}, **NOKEY)


def test_missing_credential_names_the_variables_not_values():
    with pytest.raises(CredentialError, match="TUSHARE_TOKEN or TS_TOKEN.*keyring set jqlite-tushare token"):
        resolve("tushare", env={}, keyring_get=lambda s, k: None)
    got = resolve("tushare", env={}, keyring_get=lambda s, k: "from-keyring" if (s, k) == ("jqlite-tushare", "token")
                  else None)
    assert got["token"].reveal() == "from-keyring"
    assert repr(got) == "{'token': Secret('***')}" and f"{got['token']}" == "***"


def test_credentials_never_reach_files_or_logs(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "tushare", FakeTushare(good_token=TOKEN))
    monkeypatch.setitem(sys.modules, "jqdatasdk", FakeJqdatasdk())
    monkeypatch.setenv("TUSHARE_TOKEN", TOKEN)
    for k, v in JQ_ENV.items():
        monkeypatch.setenv(k, v)
    outs = []
    for src in ("tushare", "jqdatasdk"):
        r = CliRunner().invoke(cli, ["data", "pull", "--source", src, "--out", str(tmp_path / src),
                                     "--start", "2024-01-02", "--end", "2024-01-05"])
        assert r.exit_code == 0, r.output
        outs.append(r.output)
        r = CliRunner().invoke(cli, ["data", "update", str(tmp_path / src), "--end", "2024-01-10"])
        assert r.exit_code == 0, r.output
        outs.append(r.output)
    secrets = [TOKEN, JQ_ENV["JQDATA_PASSWORD"], JQ_ENV["JQDATA_USERNAME"]]
    everything = "".join(outs) + capsys.readouterr().err
    for p in tmp_path.rglob("*"):
        if p.is_file():
            data = p.read_bytes()
            assert not any(s.encode() in data for s in secrets), p
    assert not any(s in everything for s in secrets)


# ------------------------------------------------------------------ CLI
def test_cli_pull_bad_token_exits_3_and_quota_exits_4(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tushare", FakeTushare(good_token="right"))
    monkeypatch.setenv("TUSHARE_TOKEN", "wrong-one")
    r = CliRunner().invoke(cli, ["data", "pull", "--source", "tushare", "--out", str(tmp_path / "s"),
                                 "--start", "2024-01-02", "--end", "2024-01-10"])
    assert r.exit_code == 3 and "您的token不对" in r.output and "wrong-one" not in r.output
    monkeypatch.setitem(sys.modules, "jqdatasdk", FakeJqdatasdk(total=30, spare=30))   # batch 1 costs 28
    for k, v in JQ_ENV.items():
        monkeypatch.setenv(k, v)
    r = CliRunner().invoke(cli, ["data", "pull", "--source", "jqdatasdk", "--out", str(tmp_path / "j"),
                                 "--start", "2024-01-02", "--end", "2024-01-10", "--batch-size", "2"])
    assert r.exit_code == 4, r.output
    assert "28 of 30 rows used, 2 left" in r.output and "run the same command again" in r.output


def test_cli_pull_universe_file_and_missing_library(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "baostock", FakeBaostock())
    f = tmp_path / "codes.txt"
    f.write_text("# my list\nsh600000\n000001.XSHE\n")
    r = CliRunner().invoke(cli, ["data", "pull", "--source", "baostock", "--out", str(tmp_path / "s"),
                                 "--start", "2024-01-02", "--end", "2024-01-10", "--universe", str(f)])
    assert r.exit_code == 0, r.output
    assert sorted(Store(tmp_path / "s").codes) == ["000001.XSHE", "600000.XSHG"]
    monkeypatch.setitem(sys.modules, "akshare", None)          # import akshare -> ImportError
    r = CliRunner().invoke(cli, ["data", "pull", "--source", "akshare", "--out", str(tmp_path / "a")])
    assert r.exit_code == 2 and "pip install 'jqlite-engine[akshare]'" in r.output


def test_readme_real_data_in_three_commands(tmp_path, monkeypatch):
    """The README section, run as written (recorded-response tushare instead of the network)."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    sec = readme.split("## Real data in three commands", 1)[1].split("\n## ", 1)[0]
    cmds = [ln.strip() for ln in sec.split("```bash", 1)[1].split("```", 1)[0].splitlines()
            if ln.strip() and not ln.strip().startswith("#")]
    assert cmds[0].startswith("pip install 'jqlite-engine[tushare]'")
    assert cmds[1].startswith("export TUSHARE_TOKEN=")
    monkeypatch.setitem(sys.modules, "tushare", FakeTushare(good_token=TOKEN))
    monkeypatch.setenv("TUSHARE_TOKEN", TOKEN)
    monkeypatch.chdir(tmp_path)
    args = cmds[2].split()[1:] + ["--start", "2024-01-02", "--end", "2024-01-10"]
    r = CliRunner().invoke(cli, [a.strip("'") for a in args if a != "\\"])
    assert r.exit_code == 0, r.output
    store = Path(cmds[2].split("--out")[1].split()[0])
    assert Store(tmp_path / store).n_days == 7
    bt = [c for c in cmds[3:] if c.startswith("jqlite backtest")]
    assert bt, "the section ends with a backtest on the pulled store"


# ------------------------------------------------------------------ pull -> update -> backtest
STRATEGY = '''
from jqdata import *

def initialize(context):
    set_benchmark('600000.XSHG')
    set_option('use_real_price', True)
    run_daily(trade, 'open')

def trade(context):
    d = context.current_dt.date().isoformat()
    if d == '2024-01-02':
        order('600000.XSHG', 1000)
    if d == '2024-01-04':
        order('000001.XSHE', 1000)      # suspended that day: JoinQuant rejects the order
    if d == '2024-01-09':
        record(close=attribute_history('600000.XSHG', 2, '1d', ['close'], fq=None)['close'].iloc[-1])
'''


@pytest.mark.parametrize("source", ["baostock"] + [pytest.param(s, marks=pytest.mark.slow)
                                                   for s in ("tushare", "akshare", "jqdatasdk")])
def test_pull_update_backtest_end_to_end(tmp_path, source):
    import jqlite
    ad, env = make(source)
    out = tmp_path / "s"
    run_pull(source, out, start="2024-01-02", end="2024-01-05", adapter=ad, env=env, **NOKEY)
    run_update(out, end="2024-01-10", adapter=ad, env=env, **NOKEY)
    f = tmp_path / "strat.py"
    f.write_text(STRATEGY)
    res = jqlite.run_backtest(f, "2024-01-02", "2024-01-10", 100000, data=out)
    tr = res.trades
    # one fill: 1,000 x 600000 at the 2024-01-02 open 7.10 plus half the default slippage
    # 0.00246: 7.10 * 1.00123 = 7.108733; the order on suspended 000001 is refused
    assert tr["security"].tolist() == ["600000.XSHG"] and tr["price"].iloc[0] == pytest.approx(7.108733)
    assert res.orders["security"].tolist() == ["600000.XSHG"]
    assert len(res.daily) == 7
    # ex-dividend 0.40 yuan on 2024-01-08: 1,000 shares x 0.40 x (1 - 20 % tax) = 320 yuan cash
    cash = res.daily.set_index("date")["available_cash"]
    assert cash.iloc[4] - cash.iloc[3] == pytest.approx(320.0)
    # 2024-01-09 at the open: yesterday's raw close of 600000 is 6.70 (after the ex-date)
    assert res.daily.set_index("date")["record_close"].dropna().tolist() == [6.70]


def test_data_info_of_a_pulled_store(tmp_path):
    pull("baostock", tmp_path / "s")
    r = CliRunner().invoke(cli, ["data", "info", str(tmp_path / "s"), "--json"])
    assert r.exit_code == 0, r.output
    info = json.loads(r.output)
    assert info["securities"] == {"stock": {"total": 4, "listed": 3, "delisted": 1}}   # 600087 delisted
    assert info["tables"]["bars_daily"] == {**info["tables"]["bars_daily"], "rows": 25, "first_date": "2024-01-02",
                                            "last_date": "2024-01-10", "source": "baostock"}
    assert info["tables"]["xrxd"]["rows"] == 1 and info["tables"]["xrxd"]["first_date"] == "2024-01-08"
    assert info["gaps"] == {"missing_trading_days": [], "all_paused_days": [], "paused_rows": 1}  # 000001 on 01-04
    assert info["pull"]["universe"] == "all" and len(info["pull"]["history"]) == 1
    r = CliRunner().invoke(cli, ["data", "info", str(tmp_path / "s")])
    assert r.exit_code == 0 and "stock                    4       3         1" in r.output
    r = CliRunner().invoke(cli, ["data", "info", str(tmp_path)])
    assert r.exit_code == 2 and "no jqlite data store" in r.output


@pytest.mark.parametrize("source", ["baostock", "tushare", "jqdatasdk"])
def test_listing_dates_come_from_the_source(tmp_path, source):
    pull(source, tmp_path / "s")
    sec = Store(tmp_path / "s").securities
    # the recorded sources list every stock as listed 1999-11-10; the store starts 2024-01-02
    assert sec.loc["600000.XSHG", "start_date"] == pd.Timestamp("1999-11-10")
    b = bars(tmp_path / "s")       # not an IPO day in the store: 2024-01-02 keeps its limits
    assert b.loc[("000002.XSHE", "2024-01-02"), "high_limit"] == 10.95      # 9.95 * 1.1 = 10.945 -> 10.95


def test_a_listing_inside_the_span_has_no_limit_on_its_first_day(tmp_path):
    fake = FakeBaostock()
    real = fake.query_stock_basic

    def basic():
        rs = real()
        for r in rs.data:
            if r[0] == "sz.000002":
                r[2] = "2024-01-03"      # pretend 000002 listed on 2024-01-03
        return rs
    fake.query_stock_basic = basic
    orig = fake.query_history_k_data_plus

    def k(code, fields, start_date=None, end_date=None, frequency="d", adjustflag="3"):
        rs = orig(code, fields, start_date, end_date, frequency, adjustflag)
        if code == "sz.000002":
            rs.data = [r for r in rs.data if r[0] >= "2024-01-03"]
        return rs
    fake.query_history_k_data_plus = k
    pull("baostock", tmp_path / "s", adapter=BaostockSource(fake))
    b = bars(tmp_path / "s")
    assert np.isnan(b.loc[("000002.XSHE", "2024-01-03"), "high_limit"])     # IPO day: no limit
    assert b.loc[("000002.XSHE", "2024-01-04"), "high_limit"] == 11.11
    assert Store(tmp_path / "s").securities.loc["000002.XSHE", "start_date"] == pd.Timestamp("2024-01-03")


@pytest.mark.parametrize("source", ["tushare", "akshare"])
def test_a_listed_stock_suspended_at_the_end_is_not_delisted(tmp_path, monkeypatch, source):
    import _pull_recorded as rec
    real = rec.truth

    def truth():      # 000001 also suspended on the last day, 2024-01-10 (no row from these sources)
        t = real()
        m = (t["code"] == "000001.XSHE") & (t["date"] == "2024-01-10")
        t.loc[m, "paused"] = 1
        return t
    monkeypatch.setattr(rec, "truth", truth)
    log = []
    pull(source, tmp_path / "s", progress=log.append)
    b = bars(tmp_path / "s")
    row = b.loc[("000001.XSHE", "2024-01-10")]
    assert (row["paused"], row["close"], row["volume"]) == (1, 9.40, 0.0)        # last close 9.40 (01-09)
    assert Store(tmp_path / "s").securities.loc["000001.XSHE", "end_date"] == pd.Timestamp("2200-01-01")
    assert any("no rows at the end (suspended)" in m for m in log)


def test_akshare_etf_from_a_universe_file(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "akshare", FakeAkshare())
    f = tmp_path / "etfs.txt"
    f.write_text("510300\n")          # a bare 5xxxxx is Shanghai: 510300.XSHG, an ETF
    r = CliRunner().invoke(cli, ["data", "pull", "--source", "akshare", "--out", str(tmp_path / "s"),
                                 "--start", "2024-01-02", "--end", "2024-01-10", "--universe", str(f)])
    assert r.exit_code == 0, r.output
    st = Store(tmp_path / "s")
    assert st.securities.loc["510300.XSHG", "type"] == "etf"
    b = bars(tmp_path / "s")
    row = b.loc[("510300.XSHG", "2024-01-03")]
    # 成交量 500,000 lots = 50,000,000 shares; pre_close = 3.512 - 0.012 = 3.500;
    # fund limits to the 0.001 tick: 3.500 * 1.1 = 3.850, 3.500 * 0.9 = 3.150
    assert row["volume"] == 50_000_000 and row["pre_close"] == 3.5
    assert (row["high_limit"], row["low_limit"]) == (3.85, 3.15)
