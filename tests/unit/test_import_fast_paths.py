"""The fast import paths give the same data as the plain ones (issue 16: real import ≤ 25 s, ≤ 3 GB).

* the one-pass pyarrow read of same-layout parquet bar files (dictionary-coded code/name)
  vs reading and checking each file on its own;
* its errors still name the file and the row *in that file*;
* the writer's per-year bars files written from numpy vs ``pa.Table.from_pandas`` (bytes);
* ``validate_fundamentals`` on integer code ranks (duplicates, order, unknown codes).

The full real data set was compared once, store against store (every file byte-identical,
see benchmarks/README.md "Real-data import"); these tests pin the same equalities on small
hand-made data so they run everywhere.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from jqlite.data import fundamentals as F
from jqlite.data.calendar import xshg_trading_days
from jqlite.data.derive import build_store_tables
from jqlite.data.formats.real import _concat_raw, _read_parquet_bars, _read_real_bars
from jqlite.data.formats.xbx import mapping as xbx_mapping
from jqlite.data.writer import _write_bars_by_year, _write_parquet
from jqlite.errors import DataValidationError

CAL = xshg_trading_days("2020-12-28", "2021-01-08")   # 28,29,30,31 Dec; 4,5,6,7,8 Jan


def _xbx_file(path, rows):
    """rows: (date, code, name, close_fen, pre_close_fen) -> an xbx-layout parquet file."""
    d = pd.DataFrame(rows, columns=["date", "code", "name", "close", "pre_close"])
    t = pa.table({
        "date": pa.array(pd.to_datetime(d["date"]).dt.date, pa.date32()),
        "code": pa.array(d["code"], pa.large_string()),
        "name": pa.array(d["name"], pa.large_string()),
        "open": pa.array(d["close"], pa.int32()), "high": pa.array(d["close"] + 5, pa.int32()),
        "low": pa.array(d["close"] - 5, pa.int32()), "close": pa.array(d["close"], pa.int32()),
        "pre_close": pa.array(d["pre_close"], pa.int32()),
        "volume": pa.array([1000] * len(d), pa.int64()), "amount": pa.array([10_000] * len(d), pa.int64()),
    })
    pq.write_table(t, path)
    return path


@pytest.fixture
def two_years(tmp_path):
    m = xbx_mapping()
    m.code_format = "jq"
    # file order: date-major as in the real files; 600001 suspended 12-30, renamed to ST in 2021,
    # 000002 ex-dividend on 2021-01-05 (pre_close 990 after a close of 1000)
    f1 = _xbx_file(tmp_path / "y2020.parquet", [
        ("2020-12-28", "600001.XSHG", "甲股份", 500, 500), ("2020-12-28", "000002.XSHE", "乙银行", 1000, 1000),
        ("2020-12-29", "600001.XSHG", "甲股份", 510, 500), ("2020-12-29", "000002.XSHE", "XD乙银", 1000, 1000),
        ("2020-12-31", "600001.XSHG", "甲股份", 520, 510), ("2020-12-31", "000002.XSHE", "乙银行", 1000, 1000),
    ])
    f2 = _xbx_file(tmp_path / "y2021.parquet", [
        ("2021-01-04", "000002.XSHE", "乙银行", 1000, 1000), ("2021-01-04", "600001.XSHG", "ST甲", 494, 520),
        ("2021-01-05", "000002.XSHE", "乙银行", 995, 990), ("2021-01-05", "600001.XSHG", "ST甲", 500, 494),
    ])
    return [f1, f2], m


def test_one_pass_read_equals_per_file(two_years):
    files, m = two_years
    fast = _read_parquet_bars(files, m, CAL, CAL[0], CAL[-1], None, lambda _m: None)
    slow = pd.concat(_read_real_bars(files, m, CAL, CAL[0], CAL[-1], None, lambda _m: None), ignore_index=True)
    key = ["code", "date"]
    a = fast.assign(code=fast["code"].astype(object), name=fast["name"].astype(object),
                    _file=fast["_file"].astype(object)).sort_values(key).reset_index(drop=True)
    b = slow.sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a[b.columns], b, check_dtype=False)
    assert a["close"].tolist()[:3] == [10.0, 10.0, 10.0]       # fen -> yuan, 000002 first (sorted)
    # rows keep their row number in their own file: 000002's 2021-01-05 row is row 2 of y2021
    r = a[(a.code == "000002.XSHE") & (a.date == "2021-01-05")].iloc[0]
    assert (r["_row"], r["_file"]) == (2, str(files[1]))
    # and the store tables built from either are the same
    ta, _ = build_store_tables(_concat_raw([fast.drop(columns=["_file"])]), CAL)
    tb, _ = build_store_tables(slow.drop(columns=["_file"]), CAL)
    for t in ("bars_daily", "securities", "st", "xrxd", "names"):
        pd.testing.assert_frame_equal(ta[t].reset_index(drop=True), tb[t].reset_index(drop=True), obj=t)
    bars = ta["bars_daily"].set_index(["code", "date"])
    # 600001 suspended on 2020-12-30: an inserted paused row at the last close 5.10
    s = bars.loc[("600001.XSHG", pd.Timestamp("2020-12-30"))]
    assert (s["paused"], s["close"], s["volume"]) == (1, 5.10, 0.0)
    # ST from 2021-01-04: ±5 % of 5.20 -> 5.46 / 4.94
    s = bars.loc[("600001.XSHG", pd.Timestamp("2021-01-04"))]
    assert (s["high_limit"], s["low_limit"]) == (5.46, 4.94)
    xr = ta["xrxd"]
    assert xr["code"].tolist() == ["000002.XSHE"] and xr["bonus_pre_tax"].iloc[0] == pytest.approx(1.0)
    assert ta["names"].query("code == '000002.XSHE'")["display_name"].tolist() == ["乙银行"]


def test_one_pass_read_names_file_and_row(two_years, tmp_path):
    files, m = two_years
    bad = pd.read_parquet(files[1])
    t = pq.read_table(files[1]).to_pandas()
    t.loc[3, "high"] = 100                                   # row 3 of the 2nd file: high < low
    pq.write_table(pa.Table.from_pandas(t, schema=pq.read_schema(files[1]), preserve_index=False), files[1])
    with pytest.raises(DataValidationError) as ei:
        _read_parquet_bars(files, m, CAL, CAL[0], CAL[-1], None, lambda _m: None)
    e = ei.value
    assert (e.file, e.row, e.column) == (str(files[1]), 3, "high") and "high < low" in str(e)
    assert len(bad) == 4


def test_bars_by_year_bytes_equal_from_pandas(tmp_path):
    import hashlib
    from jqlite.data import schema
    rng = np.random.default_rng(0)
    dates = pd.to_datetime(["2020-12-30", "2020-12-31", "2021-01-04"])
    rows = [(d, c) for c in ("600000.XSHG", "000001.XSHE", "510300.XSHG") for d in dates]
    df = pd.DataFrame(rows, columns=["date", "code"]).sample(frac=1.0, random_state=1).reset_index(drop=True)
    for c in ("open", "close", "high", "low", "volume", "money", "pre_close", "factor"):
        df[c] = rng.uniform(1, 2, len(df)).round(2)
    df["high_limit"] = np.where(df["code"] == "510300.XSHG", np.nan, 2.2)   # NaN limits -> nulls
    df["low_limit"] = df["high_limit"] - 0.4
    df["paused"] = np.int8(0)
    df = df[list(schema.DAILY_BARS)]
    (tmp_path / "fast").mkdir()
    h = hashlib.sha256()
    _write_bars_by_year(df, tmp_path / "fast", h, lambda _m: None)
    srt = df.sort_values(["date", "code"], kind="stable")
    h2 = hashlib.sha256()
    for y in (2020, 2021):
        part = srt[srt["date"].dt.year == y]
        _write_parquet(part, "bars_daily", tmp_path / f"{y}.parquet")
        assert (tmp_path / "fast" / f"{y}.parquet").read_bytes() == (tmp_path / f"{y}.parquet").read_bytes()
        h2.update(str(y).encode())
        h2.update(pd.util.hash_pandas_object(part[["close", "volume"]], index=False).values.tobytes())
    assert h.hexdigest() == h2.hexdigest()
    back = pd.read_parquet(tmp_path / "fast" / "2021.parquet")
    assert back["code"].tolist() == ["000001.XSHE", "510300.XSHG", "600000.XSHG"]
    assert back["high_limit"].isna().tolist() == [False, True, False]


def test_validate_fundamentals_on_code_ranks():
    val = pd.DataFrame({"day": pd.to_datetime(["2021-01-05", "2021-01-04", "2021-01-04", "2021-01-05"]),
                        "code": ["600000.XSHG", "600000.XSHG", "000001.XSHE", "000001.XSHE"],
                        "market_cap": [1.0, 2.0, 3.0, 4.0]})
    out = F.validate_fundamentals("valuation", val, codes=["600000.XSHG", "000001.XSHE"])
    assert out["code"].tolist() == ["000001.XSHE", "000001.XSHE", "600000.XSHG", "600000.XSHG"]
    assert out["market_cap"].tolist() == [3.0, 4.0, 2.0, 1.0]
    dup = pd.concat([val, val.iloc[[1]]], ignore_index=True)
    with pytest.raises(DataValidationError, match=r"row 4.*duplicate row for key \['code', 'day'\].*600000.XSHG"):
        F.validate_fundamentals("valuation", dup)
    with pytest.raises(DataValidationError, match="row 2.*not in the store's securities master"):
        F.validate_fundamentals("valuation", val, codes=["600000.XSHG"])


# ---------------------------------------------------------------- valuation, fundamentals job, heap
def _xbx_shares_file(path, rows):
    """rows: (date, code, close_fen, volume, float_shares, total_shares)."""
    d = pd.DataFrame(rows, columns=["date", "code", "close", "volume", "float_shares", "total_shares"])
    pq.write_table(pa.table({
        "date": pa.array(pd.to_datetime(d["date"]).dt.date, pa.date32()),
        "code": pa.array(d["code"], pa.large_string()),
        "close": pa.array(d["close"], pa.int32()), "volume": pa.array(d["volume"], pa.int64()),
        "float_shares": pa.array(d["float_shares"], pa.int64()),
        "total_shares": pa.array(d["total_shares"], pa.int64())}), path)


@pytest.fixture
def valuation_root(tmp_path):
    (tmp_path / "daily" / "xbx").mkdir(parents=True)
    (tmp_path / "fundamentals").mkdir()
    xbx = tmp_path / "daily" / "xbx"
    _xbx_shares_file(xbx / "xbx_stock_daily_2020.parquet", [
        ("2020-12-30", "600000.XSHG", 1000, 2_000_000, 100_000_000, 200_000_000),
        ("2020-12-31", "000001.XSHE", 1500, 3_000_000, 200_000_000, 300_000_000),
        ("2020-12-31", "600000.XSHG", 1010, 1_000_000, 100_000_000, 200_000_000),
        ("2020-12-31", None, 1, 1, 1, 1),                                        # no code: dropped
    ])
    _xbx_shares_file(xbx / "xbx_stock_daily_2021.parquet", [
        ("2020-12-31", "600000.XSHG", 9999, 9, 9, 9),       # repeats (code, day) of the 2020 file: dropped
        ("2021-01-04", "600000.XSHG", 1020, 4_000_000, 100_000_000, 200_000_000),
        ("2021-01-02", "000001.XSHE", 1600, 1, 1, 1),       # a Saturday: not a store day
    ])
    b = pd.DataFrame([("2020-12-31", "600000.XSHG", 5.0, 0.5, 1.0, 2.0, 0.9),
                      ("2020-12-31", "600000.XSHG", 6.0, 0.6, 1.1, 2.1, 0.8),     # repeat: the first wins
                      ("2021-01-04", "600000.XSHG", 5.1, 0.51, 1.01, 2.01, np.nan),  # no turn: xbx's
                      ("2020-12-31", "000001.XSHE", 7.0, 0.7, 1.7, 2.7, 1.1)],
                     columns=["date", "code", "peTTM", "pbMRQ", "psTTM", "pcfNcfTTM", "turn"])
    b["date"] = pd.to_datetime(b["date"]).dt.date
    pq.write_table(pa.Table.from_pandas(b, preserve_index=False),
                   tmp_path / "fundamentals" / "baostock_daily_valuation_byz670_2014_2022.parquet")
    return tmp_path


def test_real_valuation_join_by_hand(valuation_root):
    from jqlite.data.ingest_fundamentals import _real_valuation
    v = _real_valuation(valuation_root, {"600000.XSHG", "000001.XSHE"}, CAL)
    assert v["code"].astype(str).tolist() == ["000001.XSHE", "600000.XSHG", "600000.XSHG", "600000.XSHG"]
    assert v["day"].tolist() == list(pd.to_datetime(["2020-12-31", "2020-12-30", "2020-12-31", "2021-01-04"]))
    # close (fen) / 100 x shares / 1e8 = 亿元; shares / 1e4 = 万股; volume / float shares x 100 = %
    assert v["market_cap"].tolist() == pytest.approx([45.0, 20.0, 20.2, 20.4])
    assert v["circulating_market_cap"].tolist() == pytest.approx([30.0, 10.0, 10.1, 10.2])
    assert v["capitalization"].tolist() == [30_000.0, 20_000.0, 20_000.0, 20_000.0]
    assert v["circulating_cap"].tolist() == [20_000.0, 10_000.0, 10_000.0, 10_000.0]
    assert v["turnover_ratio"].tolist() == pytest.approx([1.1, 2.0, 0.9, 4.0])   # baostock's turn first
    assert v["pe_ratio"].tolist()[0] == 7.0 and np.isnan(v["pe_ratio"].iloc[1])
    assert v["pe_ratio"].tolist()[2:] == [5.0, 5.1] and v["pcf_ratio"].tolist()[2:] == [2.0, 2.01]
    only = _real_valuation(valuation_root, {"600000.XSHG"}, CAL)
    assert only["code"].astype(str).tolist() == ["600000.XSHG"] * 3
    # written as the fundamentals writer does: keys dictionary-coded, the value columns not
    clean = F.validate_fundamentals("valuation", v, codes=["000001.XSHE", "600000.XSHG"], calendar=CAL)
    assert clean["code"].tolist() == ["000001.XSHE", "600000.XSHG", "600000.XSHG", "600000.XSHG"]
    path = valuation_root / "valuation.parquet"
    F._write_table(clean, "valuation", path)
    md = pq.ParquetFile(path).metadata.row_group(0)
    enc = {md.column(i).path_in_schema: md.column(i).encodings for i in range(md.num_columns)}
    assert "RLE_DICTIONARY" in enc["code"] and "RLE_DICTIONARY" in enc["day"]
    assert "RLE_DICTIONARY" not in enc["market_cap"] and "RLE_DICTIONARY" not in enc["pe_ratio"]
    back = pq.read_table(path).to_pandas()
    assert back["market_cap"].tolist() == clean["market_cap"].tolist()
    assert back["code"].tolist() == clean["code"].tolist()


def test_fundamentals_job_error_reaches_the_import_and_leaves_nothing(tmp_path):
    from jqlite.data.formats.real import _FundamentalsJob
    src = tmp_path / "src"
    (src / "fundamentals").mkdir(parents=True)          # no source files in it
    job = _FundamentalsJob(src, tmp_path / "store", ["600000.XSHG"], CAL, lambda _m: None)
    assert job.stage.name.startswith(".store.tmp-") and job.stage.parent == tmp_path
    with pytest.raises(DataValidationError, match="baostock_profit_data_byz670"):
        job.install(tmp_path / "store")
    job.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["src"]


def test_reuse_freed_memory_reuses_pages():
    """Inside the block a freed 64 MB array's pages serve the next one (no new page faults);
    outside, glibc maps fresh memory for it and the kernel faults it in again."""
    import resource
    import sys
    from jqlite.data.heap import release_free_memory, reuse_freed_memory
    if not sys.platform.startswith("linux") or not release_free_memory():
        pytest.skip("glibc only")

    def faults_of_second_alloc() -> int:
        a = np.ones(8 * 2**20)
        del a
        f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        b = np.ones(8 * 2**20)
        f1 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        del b
        return f1 - f0
    with reuse_freed_memory() as active:
        assert active
        inside = faults_of_second_alloc()
    outside = faults_of_second_alloc()
    assert inside < 8 <= outside      # 64 MB: >= 32 faults with 2 MB pages, 16,384 with 4 kB ones


def test_writer_duplicate_check_fast_path_agrees():
    """The writer's O(n) duplicate check (Categorical codes x day-aligned dates, counted with
    bincount) says "no duplicate" only when there is none; otherwise the general check names
    the repeated row."""
    from jqlite.data.writer import _duplicated, _no_duplicates_fast
    df = pd.DataFrame({"date": pd.to_datetime(["2021-01-04", "2021-01-05", "2021-01-04", "2021-01-05"]),
                       "code": pd.Categorical(["600000.XSHG", "600000.XSHG", "000001.XSHE", "000001.XSHE"])})
    assert _no_duplicates_fast(df, ["date", "code"]) is True
    assert not _duplicated(df, ["date", "code"]).any()
    dup = pd.concat([df, df.iloc[[2]]], ignore_index=True)
    assert _no_duplicates_fast(dup, ["date", "code"]) is False
    assert np.flatnonzero(_duplicated(dup, ["date", "code"])).tolist() == [4]
    # not provable cheaply -> "unknown" (integer codes, intraday times, NaT)
    assert _no_duplicates_fast(df.assign(code=df["code"].cat.codes.astype(np.int64)), ["date", "code"]) is False
    assert _no_duplicates_fast(df.assign(date=df["date"] + pd.Timedelta(1, unit="h")), ["date", "code"]) is False
    assert _no_duplicates_fast(df.assign(date=df["date"].where(df.index != 1)), ["date", "code"]) is False


def test_writer_duplicate_check_sorted_object_codes():
    """Object codes sorted by (code, date): uniqueness shown by contiguous runs; an unsorted
    table or a real repeat falls back to the general check."""
    from jqlite.data.writer import _duplicated, _no_duplicates_fast
    df = pd.DataFrame({"date": pd.to_datetime(["2021-01-04", "2021-01-05", "2021-01-04", "2021-01-05"]),
                       "code": np.array(["000001.XSHE", "000001.XSHE", "600000.XSHG", "600000.XSHG"], dtype=object)})
    assert _no_duplicates_fast(df, ["date", "code"]) is True
    # same code in two runs (unsorted) -> not shown, general check: no duplicate
    uns = df.iloc[[0, 2, 1, 3]].reset_index(drop=True)
    assert _no_duplicates_fast(uns, ["date", "code"]) is False and not _duplicated(uns, ["date", "code"]).any()
    rep = pd.concat([df.iloc[:2], df.iloc[[1]], df.iloc[2:]], ignore_index=True)   # 000001 05 twice
    assert _no_duplicates_fast(rep, ["date", "code"]) is False
    assert np.flatnonzero(_duplicated(rep, ["date", "code"])).tolist() == [2]


# ---------------------------------------------------------------- round 3 (issue 16's last gate)
def test_positions_of_equals_multiindex_lookup():
    """(code, date) -> row of bars sorted by (code, date), found by binary search in each
    code's block: the same answer as ``MultiIndex.get_indexer`` (absent pairs -1), and the
    general lookup for unsorted bars."""
    from jqlite.data.validate import _positions_of
    bars = pd.DataFrame({"code": ["000001.XSHE"] * 3 + ["600000.XSHG"] * 2,
                         "date": pd.to_datetime(["2021-01-04", "2021-01-05", "2021-01-07",
                                                 "2021-01-05", "2021-01-06"])})
    qc = np.array(["600000.XSHG", "000001.XSHE", "000001.XSHE", "300001.XSHE", "600000.XSHG"], dtype=object)
    qd = pd.to_datetime(["2021-01-06", "2021-01-07", "2021-01-06", "2021-01-05", "2021-01-04"]).to_numpy()
    assert _positions_of(bars, qc, qd).tolist() == [4, 2, -1, -1, -1]
    shuffled = bars.iloc[[3, 0, 4, 2, 1]].reset_index(drop=True)      # not sorted: the general path
    assert _positions_of(shuffled, qc, qd).tolist() == [2, 3, -1, -1, -1]


def test_bars_code_categorical_validated_and_written_like_strings(tmp_path):
    """A Categorical bars ``code`` (the real import) stays coded through validate_table and
    gives byte-identical year files and the same content hash as plain strings."""
    import hashlib
    from jqlite.data import schema
    from jqlite.data.writer import validate_table
    rng = np.random.default_rng(3)
    dates = pd.to_datetime(["2020-12-30", "2020-12-31", "2021-01-04"])
    codes = ["000001.XSHE", "510300.XSHG", "600000.XSHG"]
    df = pd.DataFrame([(d, c) for c in codes for d in dates], columns=["date", "code"])
    for c in ("open", "close", "high", "low", "volume", "money", "pre_close", "factor"):
        df[c] = rng.uniform(1, 2, len(df)).round(2)
    df["high"], df["low"] = 3.0, 0.5
    df["high_limit"], df["low_limit"] = 3.3, 0.45
    df["paused"] = np.int8(0)
    df = df[list(schema.DAILY_BARS)]
    cat = df.assign(code=pd.Categorical.from_codes(np.repeat([0, 1, 2], 3), categories=pd.Index(codes, dtype=object)))
    vs, vc = validate_table("bars_daily", df), validate_table("bars_daily", cat)
    assert isinstance(vc["code"].dtype, pd.CategoricalDtype) and vs["code"].dtype == object
    assert vc["code"].astype(object).tolist() == vs["code"].tolist()
    hashes = []
    for name, v in (("s", vs), ("c", vc)):
        (tmp_path / name).mkdir()
        h = hashlib.sha256()
        _write_bars_by_year(v, tmp_path / name, h, lambda _m: None)
        hashes.append(h.hexdigest())
    assert hashes[0] == hashes[1]
    for y in (2020, 2021):
        assert (tmp_path / "s" / f"{y}.parquet").read_bytes() == (tmp_path / "c" / f"{y}.parquet").read_bytes()
    # a missing code is still an error naming the row
    bad = cat.copy()
    bad["code"] = bad["code"].cat.add_categories([]).where(np.arange(9) != 4)
    with pytest.raises(DataValidationError, match="missing value"):
        validate_table("bars_daily", bad)


def test_valuation_from_the_bars_read_equals_its_own_read(valuation_root):
    """The stock files read once for the bars and the valuation: the valuation built from
    the bars read's tables is the valuation read on its own, and the list is emptied."""
    from jqlite.data.ingest_fundamentals import XBX_VALUATION_COLUMNS, _real_valuation, xbx_stock_files
    from jqlite.data.formats.arrow_io import read_parquet_table
    files = xbx_stock_files(valuation_root)
    assert [f.name for f in files] == ["xbx_stock_daily_2020.parquet", "xbx_stock_daily_2021.parquet"]
    parts = [read_parquet_table(f) for f in files]          # plain (not dictionary) code strings
    alone = _real_valuation(valuation_root, {"600000.XSHG", "000001.XSHE"}, CAL)
    shared = _real_valuation(valuation_root, {"600000.XSHG", "000001.XSHE"}, CAL, parts=parts)
    assert parts == []
    pd.testing.assert_frame_equal(shared, alone)
    assert len(shared) == 4 and set(XBX_VALUATION_COLUMNS) <= set(read_parquet_table(files[0]).column_names)


def test_bars_read_also_yields_the_valuation_columns(two_years, tmp_path):
    files, m = two_years
    out: list = []
    cols = ["date", "code", "close", "volume"]
    raw = _read_parquet_bars(files, m, CAL, CAL[0], CAL[-1], None, lambda _m: None, also=(cols, out))
    assert len(out) == 2 and [t.num_rows for t in out] == [pq.read_metadata(f).num_rows for f in files]
    assert out[1].column_names == cols and out[1].column("close").to_pylist()[:2] == [1000, 494]
    assert len(raw) == sum(t.num_rows for t in out)
    # a column some file lacks: nothing is handed over (the valuation reads the files itself)
    none: list = []
    _read_parquet_bars(files, m, CAL, CAL[0], CAL[-1], None, lambda _m: None, also=(cols + ["float_shares"], none))
    assert none == []


def test_reuse_freed_memory_serves_threads_and_pyarrow():
    """Inside the block pyarrow allocates from the C heap (restored after), and a thread
    started in the block reuses the pages the main thread freed (glibc's main arena; a
    thread's own arena would map and zero a 64 MB array afresh).  Run in a fresh process:
    glibc fixes its arena limit once per process."""
    import subprocess
    import sys
    from jqlite.data.heap import release_free_memory
    if not sys.platform.startswith("linux") or not release_free_memory():
        pytest.skip("glibc only")
    code = r"""
import resource, threading, numpy as np, pyarrow as pa
from jqlite.data.heap import reuse_freed_memory
before = pa.default_memory_pool().backend_name
out = {}
def second():
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    b = np.ones(8 * 2**20)
    out["faults"] = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
    del b
with reuse_freed_memory():
    inside = pa.default_memory_pool().backend_name
    a = np.ones(8 * 2**20)
    del a
    t = threading.Thread(target=second)
    t.start(); t.join()
print(before, inside, pa.default_memory_pool().backend_name, out["faults"])
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    before, inside, after, faults = r.stdout.split()
    assert inside == "system" and after == before
    assert int(faults) < 8       # 64 MB fresh: >= 32 faults with 2 MB pages


def test_read_bars_frame_names_the_off_calendar_row():
    """Dates off the XSHG calendar are found by binary search in the calendar: the error
    names the first such row (2021-01-02 is a Saturday) and the date."""
    from jqlite.data.validate import read_bars_frame
    df = pd.DataFrame({"date": ["2021-01-04", "2020-12-31", "2021-01-02", "2021-01-09"],
                       "code": ["600000.XSHG"] * 4, "open": 10.0, "high": 10.5, "low": 9.5,
                       "close": 10.0, "volume": 100.0, "money": 1000.0})
    with pytest.raises(DataValidationError, match=r"row 2.*not an XSHG trading day \(2021-01-02\)"):
        read_bars_frame(df, calendar=CAL)
    ok = read_bars_frame(df.iloc[:2], calendar=CAL)
    assert ok["date"].tolist() == list(pd.to_datetime(["2020-12-31", "2021-01-04"]))
    # outside [start, end] an off-calendar day is no error (it is dropped)
    kept = read_bars_frame(df, calendar=CAL, end="2020-12-31")
    assert kept["date"].tolist() == [pd.Timestamp("2020-12-31")]
