"""Daily bar panels are cached as memory-mappable .npy files (issue 17: workers open the store
read-only and memory-mapped instead of each re-reading the parquet files)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from jqlite.data import schema
from jqlite.data.store import Store
from jqlite.testing import tiny_store

CLOSES = {"000001.XSHE": [10.0, 10.5, 10.2, 10.8], "600000.XSHG": [5.0, 5.1, 4.9, 5.3]}


def test_second_open_maps_the_cached_panels(tmp_path):
    tiny_store(tmp_path / "s", CLOSES)
    first = Store(tmp_path / "s")
    close = first.field("close")
    assert not close.flags.writeable                       # shared by every run
    with pytest.raises(ValueError):
        close[0, 0] = 1.0
    cached = list((tmp_path / "s" / ".panels").iterdir())
    assert len(cached) == 1 and (cached[0] / "complete").exists()
    assert sorted(p.stem for p in cached[0].glob("*.npy")) == sorted(schema.BAR_FIELDS)

    second = Store(tmp_path / "s")
    c2 = second.field("close")
    assert isinstance(c2.base, np.memmap) or isinstance(c2.base.base, np.memmap)   # mapped, not read
    j = second.col("000001.XSHE")
    np.testing.assert_array_equal(c2[:, j], [10.0, 10.5, 10.2, 10.8])
    for f in schema.BAR_FIELDS:
        np.testing.assert_array_equal(second.field(f), first.field(f))
    assert not c2.flags.writeable


def test_changed_bar_files_or_a_bad_cache_fall_back_to_parquet(tmp_path):
    tiny_store(tmp_path / "s", CLOSES)
    Store(tmp_path / "s").field("close")
    folder = next((tmp_path / "s" / ".panels").iterdir())
    np.save(folder / "close.npy", np.zeros((2, 2)))        # wrong shape: not used
    st = Store(tmp_path / "s")
    np.testing.assert_array_equal(st.field("close")[:, st.col("600000.XSHG")], [5.0, 5.1, 4.9, 5.3])

    # a bar file rewritten (new size/mtime) gets a new cache key; the old panels are removed
    bars = sorted((tmp_path / "s" / "bars_daily").glob("*.parquet"))[0]
    os.utime(bars, ns=(1, 1))
    Store(tmp_path / "s").field("close")
    left = list((tmp_path / "s" / ".panels").iterdir())
    assert len(left) == 1 and left[0] != folder


def test_read_only_store_caches_under_the_user_cache(tmp_path, monkeypatch):
    tiny_store(tmp_path / "s", CLOSES)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setattr(os, "access", lambda p, mode: False)
    Store(tmp_path / "s").field("open")
    assert not (tmp_path / "s" / ".panels").exists()
    assert len(list((tmp_path / "xdg" / "jqlite" / "panels").iterdir())) == 1
