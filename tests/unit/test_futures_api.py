"""get_future_contracts / get_dominant_future (JoinQuant futures helpers; 7 corpus files call
them) on a tiny store with two IF contracts, a continuous code and an IC contract."""

from __future__ import annotations

import numpy as np
import pytest

import jqlite.api._binding as binding
import jqlite.api.reference as reference
from jqdata import get_dominant_future, get_future_contracts
from jqlite.errors import ParamsError
from jqlite.testing.builders import tiny_store

FUT = {"IF2401.CCFX": "futures", "IF2402.CCFX": "futures", "IF8888.CCFX": "futures", "IC2401.CCFX": "futures"}


@pytest.fixture(autouse=True)
def _fresh_warnings(monkeypatch):
    # research mode warns once per process: forget earlier warnings
    for f in ("get_future_contracts", "get_dominant_future"):
        monkeypatch.delitem(reference.__dict__, f"_jqlite_nodata_{f}", raising=False)


@pytest.fixture
def store(tmp_path, monkeypatch):
    closes = {c: [3500.0] * 20 for c in FUT} | {"600000.XSHG": [10.0] * 20}
    st = tiny_store(tmp_path / "s", closes, types=FUT, end_dates={"IF2401.CCFX": "2024-01-19"})
    monkeypatch.setattr(binding, "active_store", lambda: st)
    return st


def test_contracts_listed_on_the_day_nearest_first(store):
    assert get_future_contracts("IF", "2024-01-10") == ["IF2401.CCFX", "IF2402.CCFX"]   # no IF8888
    assert get_future_contracts("IF", "2024-01-22") == ["IF2402.CCFX"]                  # IF2401 expired 01-19
    assert get_future_contracts("if", "2024-01-10") == ["IF2401.CCFX", "IF2402.CCFX"]
    assert get_future_contracts("IC", "2024-01-10") == ["IC2401.CCFX"]
    assert get_future_contracts("AG", "2024-01-10") == []
    assert get_future_contracts("IF") == ["IF2402.CCFX"]       # research: the store's last day
    with pytest.raises(ParamsError, match="underlying_symbol"):
        get_future_contracts(None)


def test_dominant_is_largest_open_interest_of_the_day_before(store, monkeypatch):
    with pytest.warns(RuntimeWarning, match="no open interest"):
        assert get_dominant_future("IF", "2024-01-10") == ""
    oi = np.full((store.n_days, store.n_securities), np.nan)
    i = store.day_index("2024-01-10", "left")
    oi[i - 1, store.col("IF2401.CCFX")] = 100.0
    oi[i - 1, store.col("IF2402.CCFX")] = 250.0
    oi[i, store.col("IF2401.CCFX")] = 999.0          # the day itself is not looked at
    real = store.field
    monkeypatch.setattr(store, "field", lambda name: oi if name == "open_interest" else real(name))
    assert get_dominant_future("IF", "2024-01-10") == "IF2402.CCFX"
    assert get_dominant_future("AG", "2024-01-10") == ""
    s = get_dominant_future("IF", "2024-01-09", end_date="2024-01-10")
    assert list(s.index.strftime("%Y-%m-%d")) == ["2024-01-09", "2024-01-10"] and s.iloc[-1] == "IF2402.CCFX"


def test_store_without_futures_says_so(tmp_path, monkeypatch):
    st = tiny_store(tmp_path / "t", {"600000.XSHG": [10.0] * 5})
    monkeypatch.setattr(binding, "active_store", lambda: st)
    with pytest.warns(RuntimeWarning, match="get_future_contracts\\(\\): the data store has no futures"):
        assert get_future_contracts("IF") == []
