"""``jqlite data import --src FILES --format/--mapping``: users' own bar files from the CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from jqlite.cli import main as cli
from jqlite.data.ingest import load_mapping
from jqlite.data.store import Store

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real"

TUSHARE_CSV = """ts_code,trade_date,open,high,low,close,pre_close,change,pct_chg,vol,amount
600000.SH,20240102,7.12,7.15,7.05,7.10,7.10,0.00,0.0000,289541.12,205432.567
600000.SH,20240103,7.10,7.20,7.08,7.18,7.10,0.08,1.1268,300000.00,214000.000
000001.SZ,20240102,9.39,9.42,9.21,9.21,9.39,-0.18,-1.9169,1158366.45,1075742.252
000001.SZ,20240103,9.19,9.22,9.15,9.20,9.21,-0.01,-0.1086,733610.83,673673.136
"""


def bars(store):
    b = pd.concat([pd.read_parquet(f) for f in sorted(Path(store, "bars_daily").glob("*.parquet"))])
    b["date"] = pd.to_datetime(b["date"]).dt.strftime("%Y-%m-%d")
    return b.set_index(["code", "date"]).sort_index()


def test_tushare_csv_from_the_cli(tmp_path):
    f = tmp_path / "daily.csv"
    f.write_text(TUSHARE_CSV)
    r = CliRunner().invoke(cli, ["data", "import", "--src", str(f), "--format", "tushare", "--out", str(tmp_path / "s")])
    assert r.exit_code == 0, r.output
    assert "2 securities, 2 days 2024-01-02 .. 2024-01-03" in r.output
    b = bars(tmp_path / "s")
    row = b.loc[("000001.XSHE", "2024-01-02")]
    # vol 1,158,366.45 lots x 100 = 115,836,645 shares; amount 1,075,742.252 thousand = 1,075,742,252 yuan
    assert row["volume"] == pytest.approx(115_836_645) and row["money"] == pytest.approx(1_075_742_252)
    # limits from pre_close 9.39: 9.39 * 1.1 = 10.329 -> 10.33, 9.39 * 0.9 = 8.451 -> 8.45
    assert (row["high_limit"], row["low_limit"]) == (10.33, 8.45)


def test_mapping_file_for_chinese_headers_and_lots(tmp_path):
    f = tmp_path / "sh600000.csv"           # one security per file: the code comes from the name
    f.write_text("日期,开盘,最高,最低,收盘,成交量(手),成交额(元)\n"
                 "2024/01/02,7.12,7.15,7.05,7.10,2895,2054325.6\n"
                 "2024/01/03,7.10,7.20,7.08,7.18,3000,2140000\n", encoding="gbk")
    m = tmp_path / "map.toml"
    m.write_text('code = ""\ndate = "日期"\ndate_format = "%Y/%m/%d"\nopen = "开盘"\nhigh = "最高"\nlow = "最低"\n'
                 'close = "收盘"\nvolume = "成交量(手)"\nmoney = "成交额(元)"\nvolume_scale = 100\n')
    r = CliRunner().invoke(cli, ["data", "import", "--src", str(tmp_path / "*.csv"), "--mapping", str(m),
                                 "--out", str(tmp_path / "s")])
    assert r.exit_code == 0, r.output
    b = bars(tmp_path / "s")
    assert b.loc[("600000.XSHG", "2024-01-03"), "volume"] == 300_000          # 3,000 lots
    # no pre_close column: the previous close is used (7.10), limits 7.81 / 6.39
    assert b.loc[("600000.XSHG", "2024-01-03"), ["pre_close", "high_limit"]].tolist() == [7.10, 7.81]


def test_bad_mapping_and_bad_rows_name_file_row_column(tmp_path):
    m = tmp_path / "map.json"
    m.write_text('{"preset": "tushare", "volumes": "vol"}')
    with pytest.raises(Exception, match="unknown mapping key 'volumes'"):
        load_mapping(m)
    f = tmp_path / "d.csv"
    f.write_text(TUSHARE_CSV.replace("7.18,7.10,0.08", "-7.18,7.10,0.08"))
    r = CliRunner().invoke(cli, ["data", "import", "--src", str(f), "--format", "tushare", "--out", str(tmp_path / "s")])
    assert r.exit_code == 2 and f"{f}, row 1, column 'close'" in r.output, r.output
    r = CliRunner().invoke(cli, ["data", "import", "--src", str(f), "--mapping", str(m), "--out", str(tmp_path / "s")])
    assert r.exit_code == 2 and "unknown mapping key 'volumes'" in r.output
    assert not (tmp_path / "s").exists()
    m.write_text('{"volume_scale": "a hundred"}')
    with pytest.raises(Exception, match="volume_scale must be a positive number"):
        load_mapping(m)


@pytest.mark.realdata
def test_real_baostock_dump_with_empty_volume_on_suspended_days(tmp_path):
    f = REAL / "daily" / "baostock_hs300_2024_members_daily.parquet"
    if not f.exists():
        pytest.skip("real data absent")
    r = CliRunner().invoke(cli, ["data", "import", "--src", str(f), "--format", "baostock", "--start", "2021-12-20",
                                 "--end", "2021-12-24", "--out", str(tmp_path / "s")])
    assert r.exit_code == 0, r.output
    b = bars(tmp_path / "s")
    # 000301.XSHE on 2021-12-22: tradestatus 0 with empty volume/amount in the dump -> a paused row
    row = b.loc[("000301.XSHE", "2021-12-22")]
    assert (row["paused"], row["volume"], row["close"]) == (1, 0.0, 23.10)
    assert Store(tmp_path / "s").n_days == 5
