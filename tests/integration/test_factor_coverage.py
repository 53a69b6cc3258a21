"""Issue 4 "done when": on the sample market every flagship factor is computed for the large
majority of eligible stocks.

Eligible stocks on a date D: type ``stock``, listed at least 365 days before D, trading (not
paused, with a close) on D.  For each of the 86 factors of ``jqlite.factors.FLAGSHIP_FACTORS``
and each of two dates the finite share over the eligible stocks must be at least
:data:`MIN_FINITE`.  Measured on the default sample store (seed 20240607, 818 securities):
568 eligible stocks on 2019-06-28 and 727 on 2023-06-30.  The lowest shares are MAWVAD
(93.3 % / 95.5 %) and WVAD (97.4 % / 97.1 %), which are NaN when a day of their 11- / 6-day
window has ``H == L`` (a suspended day or a one-price limit day, spec §4), and growth
(99.5 % / 98.3 %, which needs at least 4 yearly TTM points, i.e. about 4 years of reports);
every other factor is at least 99.8 %.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jqlite.factors import FLAGSHIP_FACTORS, engine_for
from jqlite.factors.base import load_panel

DATES = ("2019-06-28", "2023-06-30")
MIN_FINITE = 0.90


@pytest.fixture(scope="module")
def sample_store():
    from jqlite.data import ensure_default_store
    return ensure_default_store()


def eligible_mask(store, row: int) -> np.ndarray:
    """Stocks listed >= 365 days before ``store.dates[row]`` and trading that day."""
    secs = store.securities
    typ = secs["type"].reindex(store.codes).astype(str).to_numpy()
    start = pd.to_datetime(secs["start_date"]).reindex(store.codes).to_numpy()
    day = store.dates[row]
    return ((typ == "stock") & (start <= np.datetime64(day - pd.Timedelta(days=365)))
            & (store.field("paused")[row] == 0) & np.isfinite(store.field("close")[row]))


def test_flagship_factor_names_are_86_distinct():
    assert len(FLAGSHIP_FACTORS) == 86
    assert len(set(FLAGSHIP_FACTORS)) == 86


def test_all_flagship_factors_finite_on_sample_market(sample_store):
    store = sample_store
    panel = load_panel(store)
    assert panel is not None, "the sample store must carry fundamentals"
    eng = engine_for(store)
    shares = {}
    for d in DATES:
        row = store.day_index(d, "right")
        assert store.dates[row] == pd.Timestamp(d)
        elig = eligible_mask(store, row)
        assert elig.sum() >= 500, f"only {elig.sum()} eligible stocks on {d}"
        arrays = eng.compute(list(FLAGSHIP_FACTORS), row, row, panel)
        for f in FLAGSHIP_FACTORS:
            shares.setdefault(f, {})[d] = float(np.isfinite(arrays[f][0][elig]).mean())
    table = pd.DataFrame(shares).T
    worst = table.min(axis=1).sort_values()
    print("\nlowest finite shares:\n" + table.loc[worst.index[:8]].to_string())
    bad = worst[worst < MIN_FINITE]
    assert bad.empty, f"factors finite for < {MIN_FINITE:.0%} of eligible stocks:\n{table.loc[bad.index]}"
