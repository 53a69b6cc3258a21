"""Argument and return shapes of the market API that real strategy files rely on (found by
the compatibility corpus, benchmarks/compat): code lists of any iterable type, empty lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import jqlite.api.market as market
from jqlite.errors import ParamsError
from jqlite.testing.builders import tiny_store

A, B = "600000.XSHG", "000001.XSHE"


@pytest.fixture
def store(tmp_path, monkeypatch):
    st = tiny_store(tmp_path / "s", {A: [10.0, 10.5, 9.8, 10.2], B: [5.0, 5.1, 5.2, 5.3]})
    monkeypatch.setattr(market, "active_store", lambda: st)
    return st


def test_code_lists_of_any_iterable_type(store):
    end = store.dates[-1]
    want = market.get_price([A, B], end_date=end, count=2, fields=["close"])["close"]
    assert want[A].tolist() == [9.8, 10.2] and want[B].tolist() == [5.2, 5.3]
    for codes in (pd.Series([A, B]), pd.Index([A, B]), np.array([A, B]), (A, B), {A: 1, B: 2}.keys(),
                  {A: 1, B: 2}, iter([A, B])):
        got = market.get_price(codes, end_date=end, count=2, fields=["close"])["close"]
        pd.testing.assert_frame_equal(got, want, obj=type(codes).__name__)
    with pytest.raises(ParamsError, match="security must be a code"):
        market.get_price(600000, end_date=end, count=2)


def test_empty_code_list_still_answers_each_field(store):
    end = store.dates[-1]
    df = market.get_price([], end_date=end, count=2, fields=["close", "high_limit"])
    close = df["close"]
    assert isinstance(close, pd.DataFrame) and close.shape == (2, 0)
    assert list(close.index) == list(store.dates[-2:])
    assert df["high_limit"].empty
    assert (df["close"] == df["high_limit"]).shape == (2, 0)     # the strategy idiom runs
    with pytest.raises(KeyError):
        df["volume"]                                            # not asked for: as with codes
    long = market.get_price([], end_date=end, count=2, fields=["close"], panel=False)
    assert list(long.columns) == ["time", "code", "close"] and long.empty
