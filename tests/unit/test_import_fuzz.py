"""Fuzzing the import validator (issue 15, "Done when"): random corruptions of a small valid
source -- truncation, encodings, swapped / missing columns, NaN / inf / negative / ×100
rows, duplicate and off-calendar dates -- must give either a clear DataError naming the
file, or a store whose invariants hold; a failed import leaves the previous store
byte-identical."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jqlite.data import schema
from jqlite.data.ingest import ColumnMapping, import_bars_files
from jqlite.data.store import Store
from jqlite.errors import DataError
from jqlite.testing import tree_digest

MAP = ColumnMapping.jqlite()
COLS = ["date", "code", "open", "high", "low", "close", "volume", "money", "pre_close"]
DAYS = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08", "2024-01-09",
        "2024-01-10", "2024-01-11"]


def _valid() -> pd.DataFrame:
    rows = []
    for code, p0 in (("600000.XSHG", 10.0), ("000001.XSHE", 20.0)):
        prev = p0
        for i, d in enumerate(DAYS):
            c = round(p0 * (1 + 0.01 * ((i * 7) % 5 - 2)), 2)
            o, h, lo = round((prev + c) / 2, 2), max(prev, c) + 0.05, min(prev, c) - 0.05
            o = min(max(o, lo), h)
            rows.append([d, code, o, round(h, 2), round(lo, 2), c, 1000.0 * (i + 1), c * 1000.0 * (i + 1), prev])
            prev = c
    return pd.DataFrame(rows, columns=COLS)




def _invariants(path: Path) -> None:
    """What every store reader relies on."""
    st_ = Store(path)
    assert (path / ".jqlite-store").is_file()
    c, o, h, lo = (st_.field(f) for f in ("close", "open", "high", "low"))
    has = np.isfinite(c)
    assert has.any(axis=0).all(), "a security without bars"
    for a in (c, o, h, lo):
        assert (a[has] > 0).all() and np.isfinite(a[has]).all()
    assert (lo[has] <= o[has] + 1e-6).all() and (o[has] <= h[has] + 1e-6).all()
    assert (lo[has] <= c[has] + 1e-6).all() and (c[has] <= h[has] + 1e-6).all()
    for f in ("volume", "money"):
        v = st_.field(f)[has]
        assert np.isfinite(v).all() and (v >= 0).all()
    xr = pd.read_parquet(path / "xrxd.parquet") if (path / "xrxd.parquet").exists() else None
    if xr is not None and len(xr):
        assert ((xr["scale_factor"] >= 1) & (xr["scale_factor"] <= schema.MAX_SCALE_FACTOR)).all()
    assert not any(p.name.startswith(".store.tmp-") for p in path.parent.iterdir())


# ---------------------------------------------------------------- corruptions
CELL = st.sampled_from(["", "nan", "inf", "-inf", "-1", "0", "abc", "1e308", "×100"])


@st.composite
def corruption(draw):
    kind = draw(st.sampled_from(["truncate", "encoding", "swap", "drop", "cell", "x100", "dup", "offcal",
                                 "garbage", "bom"]))
    row = draw(st.integers(0, 15))
    col = draw(st.sampled_from(COLS))
    other = draw(st.sampled_from(COLS))
    return kind, row, col, other, draw(CELL), draw(st.floats(0.0, 1.0)), draw(st.sampled_from(
        ["utf-16", "gbk", "latin-1", "utf-8-sig", "utf-32"]))


def _write(df: pd.DataFrame, path: Path, c) -> None:
    kind, row, col, other, cell, frac, enc = c
    df = df.copy().astype(object)
    header = list(COLS)
    if kind == "swap":
        i, j = COLS.index(col), COLS.index(other)
        header[i], header[j] = header[j], header[i]
    elif kind == "drop":
        df = df.drop(columns=[col])
        header = [h for h in header if h != col]
    elif kind == "cell" and col not in ("code",):
        df.loc[row, col] = cell
    elif kind == "x100":
        for k in ("open", "high", "low", "close"):
            df.loc[row, k] = round(float(df.loc[row, k]) * 100, 2)
    elif kind == "dup":
        df = pd.concat([df, df.iloc[[row]]], ignore_index=True)
    elif kind == "offcal":
        df.loc[row, "date"] = "2024-01-06"          # a Saturday
    text = ",".join(header) + "\n" + "\n".join(",".join(str(v) for v in r) for r in df.itertuples(index=False)) + "\n"
    if kind == "encoding":
        data = text.encode(enc)
    elif kind == "bom":
        data = b"\xef\xbb\xbf" + text.encode()
    else:
        data = text.encode()
    if kind == "truncate":
        data = data[: int(len(data) * frac)]
    elif kind == "garbage":
        k = int(len(data) * frac)
        data = data[:k] + bytes([0xff, 0xfe, 0x00, 0x81]) + data[k:]
    path.write_bytes(data)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    good = root / "good.csv"
    _write(_valid(), good, ("none", 0, "date", "date", "", 0.0, "utf-8"))
    import_bars_files(good, MAP, root / "store")
    _invariants(root / "store")
    return root


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(c=corruption())
def test_corrupted_source_gives_clear_error_or_sound_store(base, c):
    src = base / "src.csv"
    _write(_valid(), src, c)
    store = base / "store"
    before = tree_digest(store)
    try:
        import_bars_files(src, MAP, store)
    except DataError as exc:
        assert str(src) in str(exc), f"error does not name the file: {exc}"
        assert tree_digest(store) == before, "a failed import changed the store"
        assert not any(p.name.startswith(".store.tmp-") for p in base.iterdir())
        return
    _invariants(store)
