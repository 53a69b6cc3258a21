"""``jqlite data pull --what index``: index member lists into ``index_members`` /
``index_weights``, from recorded responses (``INDEX_LISTS`` / ``TS_INDEX_WEIGHT`` in
``_pull_recorded.py``).  Expected intervals are worked out by hand in the comments."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from _pull_recorded import FakeBaostock, FakeTushare
from jqlite.data.pull import _snapshot_days, run_pull, run_update
from jqlite.data.calendar import xshg_trading_days
from jqlite.data.sources.baostock import BaostockSource
from jqlite.data.sources.tushare import TushareSource

TOKEN = "tok-SECRET-123"
KW = dict(keyring_get=lambda s, k: None, sleep=lambda s: None, what=("bars", "index"))


def _pull(source, out, start="2024-01-02", end="2024-01-10", **kw):
    if source == "tushare":
        ad, env = TushareSource(FakeTushare()), {"TUSHARE_TOKEN": TOKEN}
    else:
        ad, env = BaostockSource(FakeBaostock()), {}
    return run_pull(source, out, start=start, end=end, adapter=ad, env=env, **KW, **kw), ad


def _members(store):
    m = pd.read_parquet(Path(store, "index_members.parquet"))
    return {(r.index_code, r.code): (str(r.start_date), str(r.end_date)) for r in m.itertuples()}


def test_snapshot_days_are_the_first_day_and_month_ends():
    cal = xshg_trading_days("2024-01-29", "2024-03-05")
    assert [str(d.date()) for d in _snapshot_days(cal)] == ["2024-01-29", "2024-01-31", "2024-02-29", "2024-03-05"]


def test_baostock_member_lists_become_intervals(tmp_path, monkeypatch):
    log = []
    r, ad = _pull("baostock", tmp_path / "s", progress=log.append)
    # lists taken on 2024-01-02 and 2024-01-10 (the span's first day and January's last day in it)
    assert [c for c in ad.client.calls if c[0] == "query_hs300_stocks"] == [
        ("query_hs300_stocks", "2024-01-02"), ("query_hs300_stocks", "2024-01-10")]
    # 000001 is in the 01-02 list, not in the 01-10 one: member 01-02 .. 01-09; 000002 from
    # 01-10 until further notice; 300999 and 601318 are not pulled securities: left out (said)
    assert _members(tmp_path / "s") == {
        ("000300.XSHG", "600000.XSHG"): ("2024-01-02", "2200-01-01"),
        ("000300.XSHG", "000001.XSHE"): ("2024-01-02", "2024-01-09"),
        ("000300.XSHG", "000002.XSHE"): ("2024-01-10", "2200-01-01"),
        ("000905.XSHG", "000002.XSHE"): ("2024-01-02", "2024-01-09"),
        ("000905.XSHG", "600087.XSHG"): ("2024-01-02", "2024-01-09"),
        ("000016.XSHG", "600000.XSHG"): ("2024-01-02", "2200-01-01"),
    }
    assert any("3 members outside the pulled securities left out" in m for m in log)
    assert not (tmp_path / "s" / "index_weights.parquet").exists()     # baostock has no weights
    from jqlite.api import get_index_stocks
    monkeypatch.setenv("JQLITE_DATA", str(tmp_path / "s"))
    assert get_index_stocks("000300.XSHG", date="2024-01-09") == ["000001.XSHE", "600000.XSHG"]
    assert get_index_stocks("000300.XSHG", date="2024-01-10") == ["000002.XSHE", "600000.XSHG"]


def test_tushare_weights_and_members(tmp_path, monkeypatch):
    log = []
    _pull("tushare", tmp_path / "s", progress=log.append)
    # weights of 2023-12-29 (before the span) give the members from the first day; 2024-01-10's
    # list swaps 000001 for 000002
    assert _members(tmp_path / "s") == {
        ("000300.XSHG", "600000.XSHG"): ("2024-01-02", "2200-01-01"),
        ("000300.XSHG", "000001.XSHE"): ("2024-01-02", "2024-01-09"),
        ("000300.XSHG", "000002.XSHE"): ("2024-01-10", "2200-01-01"),
    }
    assert any("no member list of 000905.XSHG" in m for m in log)
    from jqlite.api import get_index_weights
    monkeypatch.setenv("JQLITE_DATA", str(tmp_path / "s"))
    w = get_index_weights("000300.XSHG", date="2024-01-10")
    # tushare's percent weights as they are (JoinQuant's unit); only store days are kept
    assert w["weight"].to_dict() == {"000002.XSHE": 0.33, "600000.XSHG": 0.50}
    assert set(w["date"]) == {"2024-01-10"}


@pytest.mark.parametrize("source", ["baostock", "tushare"])
def test_update_extends_members_like_a_full_pull(tmp_path, source):
    _pull(source, tmp_path / "u", end="2024-01-05")
    assert _members(tmp_path / "u")[("000300.XSHG", "000001.XSHE")] == ("2024-01-02", "2200-01-01")
    ad = BaostockSource(FakeBaostock()) if source == "baostock" else TushareSource(FakeTushare())
    env = {} if source == "baostock" else {"TUSHARE_TOKEN": TOKEN}
    run_update(tmp_path / "u", end="2024-01-10", adapter=ad, env=env, keyring_get=lambda s, k: None,
               sleep=lambda s: None)
    _pull(source, tmp_path / "full")
    assert _members(tmp_path / "u") == _members(tmp_path / "full")
