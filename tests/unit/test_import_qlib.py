"""``jqlite data import --format qlib``: a qlib data folder (calendars/, features/*.day.bin).

The folder is written here by hand exactly as qlib's ``dump_bin.py`` lays it out (float32
little-endian; element 0 = calendar position of the first value), with qlib's adjusted
prices (``price x factor``, first close normalised to 1) and adjusted volume (``volume /
factor``), so every number below is checked against the raw values it was built from.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from jqlite.cli import main as cli
from jqlite.data.formats.qlib import read_qlib_bars
from jqlite.data.store import Store

DAYS = ["2021-01-04", "2021-01-05", "2021-01-06", "2021-01-07", "2021-01-08", "2021-01-11"]


def _bin(path: Path, start: int, values) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    np.hstack([[start], values]).astype("<f4").tofile(path)


def _qlib_dir(root: Path) -> Path:
    (root / "calendars").mkdir(parents=True)
    (root / "calendars" / "day.txt").write_text("\n".join(DAYS) + "\n")
    # 600000: raw closes 10.00 10.50 11.00 (suspended) 10.30 10.50; 1.00 yuan cash dividend
    # before 01-08: qlib factor 0.1 (first close -> 1.0), then 0.1 x 11.00 / 10.00 = 0.11
    raw_close = np.array([10.00, 10.50, 11.00, np.nan, 10.30, 10.50])
    fac = np.array([0.1, 0.1, 0.1, np.nan, 0.11, 0.11])
    vol = np.array([100_000, 120_000, 90_000, np.nan, 150_000, 80_000])
    d = root / "features" / "sh600000"
    for f, raw in (("open", raw_close - 0.05), ("high", raw_close + 0.10), ("low", raw_close - 0.10),
                   ("close", raw_close)):
        _bin(d / f"{f}.day.bin", 0, raw * fac)
    _bin(d / "volume.day.bin", 0, vol / fac)
    _bin(d / "factor.day.bin", 0, fac)
    _bin(d / "amount.day.bin", 0, vol * raw_close)
    # 510300 (an ETF, tick 0.001) from the 2nd day, factor 1
    e = root / "features" / "sh510300"
    c = np.array([5.123, 5.150, 5.101, 5.200, 5.222])
    for f in ("open", "high", "low", "close"):
        _bin(e / f"{f}.day.bin", 1, c)
    _bin(e / "volume.day.bin", 1, np.full(5, 1e6))
    _bin(e / "factor.day.bin", 1, np.ones(5))
    # 399001 (an index) without amount: money 0, said in the log
    i = root / "features" / "sz399001"
    ic = np.array([14000.12, 14100.5, 14050.25, 14200.0, 14300.75, 14250.5])
    for f in ("open", "high", "low", "close"):
        _bin(i / f"{f}.day.bin", 0, ic)
    _bin(i / "volume.day.bin", 0, np.full(6, 3e10))
    _bin(i / "factor.day.bin", 0, np.ones(6))
    (root / "instruments").mkdir()
    # qlib restarts intervals at each rebalance: two back-to-back rows become one
    (root / "instruments" / "csi300.txt").write_text("SH600000\t2021-01-04\t2021-01-06\n"
                                                     "SH600000\t2021-01-07\t2021-01-11\n")
    return root


def _bars(store: Path) -> pd.DataFrame:
    b = pd.concat([pd.read_parquet(f) for f in sorted(Path(store, "bars_daily").glob("*.parquet"))])
    b["date"] = pd.to_datetime(b["date"]).dt.strftime("%Y-%m-%d")
    return b.set_index(["code", "date"]).sort_index()


def test_qlib_folder_from_the_cli(tmp_path):
    src = _qlib_dir(tmp_path / "cn_data")
    r = CliRunner().invoke(cli, ["data", "import", "--src", str(src), "--format", "qlib", "--out", str(tmp_path / "s")])
    assert r.exit_code == 0, r.output
    assert "3 securities, 6 days 2021-01-04 .. 2021-01-11" in r.output
    assert "2 symbols have no amount.day.bin: money is 0, not estimated (e.g. 510300.XSHG, 399001.XSHE)" in r.output
    b = _bars(tmp_path / "s")
    s = b.loc["600000.XSHG"]
    # raw prices back from adjusted / factor (float32 noise rounded to the 0.01 tick)
    assert s["close"].tolist() == [10.00, 10.50, 11.00, 11.00, 10.30, 10.50]
    # volume = qlib volume x factor: 100,000 shares; money from amount.day.bin (float32 of 1,000,000)
    assert s.loc["2021-01-04", "volume"] == 100_000
    assert s.loc["2021-01-04", "money"] == pytest.approx(1_000_000, rel=1e-7)
    # 01-07 missing in qlib (NaN): a suspended day at the last close, no volume
    assert (s.loc["2021-01-07", "paused"], s.loc["2021-01-07", "volume"]) == (1, 0)
    # ex-dividend day: pre_close = 11.00 x 0.1 / 0.11 = 10.00; limits from it 11.00 / 9.00
    assert s.loc["2021-01-08", ["pre_close", "high_limit", "low_limit"]].tolist() == [10.00, 11.00, 9.00]
    # 后复权 factor: 1 before, 11.00 / 10.00 = 1.1 from the ex-date (from the rounded pre_close:
    # no float32 noise)
    assert s["factor"].tolist() == pytest.approx([1, 1, 1, 1, 1.1, 1.1], rel=1e-12)
    st = Store(tmp_path / "s")
    x = pd.read_parquet(tmp_path / "s" / "xrxd.parquet")
    assert x["code"].tolist() == ["600000.XSHG"] and str(pd.Timestamp(x["date"].iloc[0]).date()) == "2021-01-08"
    # the ETF keeps three decimals and starts on the 2nd day
    e = b.loc["510300.XSHG"]
    assert e.index[0] == "2021-01-05" and e["close"].tolist() == [5.123, 5.150, 5.101, 5.200, 5.222]
    # index typed as an index, money 0
    sec = pd.read_parquet(tmp_path / "s" / "securities.parquet").set_index("code")
    assert sec.loc["399001.XSHE", "type"] == "index" and sec.loc["510300.XSHG", "type"] == "etf"
    assert b.loc[("399001.XSHE", "2021-01-08"), "close"] == 14300.75
    assert (b.loc["399001.XSHE", "money"] == 0).all()
    # csi300 -> 000300.XSHG, back-to-back intervals merged into one
    m = pd.read_parquet(tmp_path / "s" / "index_members.parquet")
    m = m[m["index_code"] == "000300.XSHG"]
    assert len(m) == 1 and m["code"].iloc[0] == "600000.XSHG"
    assert str(pd.Timestamp(m["end_date"].iloc[0]).date()) == "2021-01-11"
    assert st.n_days == 6


def test_qlib_store_backtests(tmp_path):
    """Import -> backtest: a strategy buying 600000 on the qlib-built store fills at the raw price."""
    src = _qlib_dir(tmp_path / "cn_data")
    r = CliRunner().invoke(cli, ["data", "import", "--src", str(src), "--format", "qlib", "--out", str(tmp_path / "s")])
    assert r.exit_code == 0, r.output
    strat = tmp_path / "s.py"
    strat.write_text("from jqdata import *\n"
                     "def initialize(context):\n"
                     "    set_benchmark('399001.XSHE')\n"
                     "    set_option('use_real_price', True)\n"
                     "    set_order_cost(OrderCost(open_tax=0, close_tax=0, open_commission=0, close_commission=0,"
                     " min_commission=0), type='stock')\n"
                     "    set_slippage(FixedSlippage(0))\n"
                     "    run_daily(buy, 'open')\n"
                     "def buy(context):\n"
                     "    if not context.portfolio.positions:\n"
                     "        order('600000.XSHG', 1000)\n")
    out = tmp_path / "run"
    r = CliRunner().invoke(cli, ["backtest", str(strat), "--start", "2021-01-05", "--end", "2021-01-11",
                                 "--data", str(tmp_path / "s"), "--cash", "100000", "--out", str(out)])
    assert r.exit_code == 0, r.output
    tr = pd.read_csv(next(out.rglob("trades.csv")))
    # bought at the 01-05 open: raw close 10.50 - 0.05 = 10.45
    assert tr["price"].iloc[0] == pytest.approx(10.45) and tr["amount"].iloc[0] == 1000


def test_qlib_errors_name_the_file(tmp_path):
    src = _qlib_dir(tmp_path / "cn_data")
    # a .bin running past the calendar
    _bin(src / "features" / "sh600000" / "close.day.bin", 3, np.ones(5))
    with pytest.raises(Exception) as ei:
        read_qlib_bars(src)
    assert "sh600000/close.day.bin" in str(ei.value) and "run past the calendar" in str(ei.value)
    # no calendar: the message says what a qlib folder holds, and the CLI leaves OUT alone
    (src / "calendars" / "day.txt").unlink()
    r = CliRunner().invoke(cli, ["data", "import", "--src", str(src), "--format", "qlib", "--out", str(tmp_path / "s")])
    assert r.exit_code == 2 and "calendars/day.txt" in r.output
    assert not (tmp_path / "s").exists()
