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

from jqlite.factors import FLAGSHIP_FACTORS, REGISTRY, engine_for
from jqlite.factors.base import load_panel

DATES = ("2019-06-28", "2023-06-30")
MIN_FINITE = 0.90

#: JoinQuant computes these from analysts' consensus forecasts, which no jqlite store holds:
#: they are NaN everywhere and say so (``factor_availability``, the data-gap ledger).
NEEDS_FORECASTS = ("predicted_earnings_to_price_ratio", "long_term_predicted_earnings_growth",
                   "short_term_predicted_earnings_growth")


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
    return ((typ == "stock") & (start <= np.datetime64(day - pd.Timedelta(365, unit="D")))
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
            m = _where_defined(store, panel, f, row, elig)
            shares.setdefault(f, {})[d] = float(np.isfinite(arrays[f][0][m]).mean())
        if d == DATES[0]:
            # the split-based factors are NaN exactly on the eligible financial companies
            fin = elig & _financials(store)
            assert fin.sum() >= 50
            for f in ("net_working_capital", "MLEV", "non_current_asset_ratio"):
                assert np.isnan(arrays[f][0][fin]).all(), f
    table = pd.DataFrame(shares).T
    worst = table.min(axis=1).sort_values()
    print("\nlowest finite shares:\n" + table.loc[worst.index[:8]].to_string())
    bad = worst[worst < MIN_FINITE]
    assert bad.empty, f"factors finite for < {MIN_FINITE:.0%} of eligible stocks:\n{table.loc[bad.index]}"


#: Balance subtotals banks / brokers / insurers do not report (no current / non-current split:
#: NaN on JoinQuant, jq_factors.md §11; sample generator 9).
UNSPLIT = {"balance.total_current_assets", "balance.total_non_current_assets",
           "balance.total_current_liability", "balance.total_non_current_liability"}


def _financials(store) -> np.ndarray:
    """Stocks whose latest SW L1 is 银行 or 非银金融 (bool per ``store.codes``)."""
    from jqlite.data.sample_fundamentals import _UNSPLIT_BALANCE_L1, _sw_l1_names
    return np.isin(_sw_l1_names(store, store.codes), _UNSPLIT_BALANCE_L1)


def _where_defined(store, panel, name, row, elig):
    """Stocks on which JoinQuant's own definition gives a value: PEG is NaN by definition when
    PE or the parent net profit TTM growth is negative ([D-growth]); a factor built on the
    current / non-current subtotals is NaN for banks, brokers and insurers; every other factor
    is expected on every eligible stock."""
    if UNSPLIT & set(REGISTRY[name].inputs):
        return elig & ~_financials(store)
    if name != "PEG":
        return elig
    g = engine_for(store).compute(["np_parent_company_owners_growth_rate"], row, row, panel)
    pe = panel.valuation("pe_ratio")[row]
    with np.errstate(invalid="ignore"):
        return elig & (g["np_parent_company_owners_growth_rate"][0] > 0) & (pe > 0)


@pytest.mark.slow
def test_every_library_factor_finite_on_sample_market(sample_store):
    """Issue 13: every factor of JoinQuant's library (``get_all_factors()``, 260) is finite for
    >= 90 % of the eligible stocks where JoinQuant's would be, on two dates.  Measured on the
    default sample store: the lowest shares are the profit growth rates (92.6 % / 92.7 %: NaN
    when last year's TTM profit is <= 0), DEGM_8y / maximum_margin (93.3 % / 91.6 %: 4 yearly
    points needed), MAWVAD (93.3 % / 95.5 %); PEG is measured where its definition holds."""
    store = sample_store
    panel = load_panel(store)
    eng = engine_for(store)
    names = [n for n in sorted(REGISTRY) if n not in NEEDS_FORECASTS]
    assert len(names) == 257
    shares = {}
    for d in DATES:
        row = store.day_index(d, "right")
        elig = eligible_mask(store, row)
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            arrays = eng.compute(names + list(NEEDS_FORECASTS), row, row, panel)
        for f in names:
            m = _where_defined(store, panel, f, row, elig)
            shares.setdefault(f, {})[d] = float(np.isfinite(arrays[f][0][m]).mean())
        for f in NEEDS_FORECASTS:
            assert np.isnan(arrays[f][0]).all(), f
    table = pd.DataFrame(shares).T
    worst = table.min(axis=1).sort_values()
    print("\nlowest finite shares:\n" + table.loc[worst.index[:12]].to_string())
    bad = worst[worst < MIN_FINITE]
    assert bad.empty, f"factors finite for < {MIN_FINITE:.0%} of eligible stocks:\n{table.loc[bad.index]}"


def test_industry_factor_is_the_membership_dummy(sample_store, monkeypatch):
    """get_factor_values with a Shenwan level-1 code (JoinQuant's risk-model industry factor,
    as corpus file 44fe1ade uses it): 1.0 exactly for the industry's members that day."""
    import jqfactor
    import jqlite.factors.api as fapi
    from jqlite.api.reference import get_industry_stocks
    monkeypatch.setattr(fapi, "active_store", lambda: sample_store)
    monkeypatch.setattr("jqlite.api._binding.active_store", lambda: sample_store)
    monkeypatch.setattr(fapi, "current_date_or_none", lambda: None)
    day = "2021-03-31"
    codes = [c for c, t in zip(sample_store.codes, sample_store.securities["type"].reindex(sample_store.codes))
             if t == "stock"][:300]
    res = jqfactor.get_factor_values(codes, ["801780", "801010"], end_date=day, count=1)
    for ind in ("801780", "801010"):
        row = res[ind].iloc[0]
        members = set(get_industry_stocks(ind, day)) & set(codes)
        assert members, ind
        assert set(row.index[row == 1.0]) == members and set(row.unique()) <= {0.0, 1.0}


def test_calc_factors_money_flow_and_industry_dependencies(sample_store, monkeypatch):
    """calc_factors on the sample market with a money-flow field and an industry dummy as
    dependencies (JoinQuant's manual: 资金流因子, 行业因子)."""
    import jqdata
    from jqfactor import Factor, calc_factors
    import jqlite.factors.api as fapi
    monkeypatch.setattr(fapi, "active_store", lambda: sample_store)
    monkeypatch.setattr("jqlite.api._binding.active_store", lambda: sample_store)
    monkeypatch.setattr(fapi, "current_date_or_none", lambda: None)

    class Flow(Factor):
        name, max_window, dependencies = "flow3", 3, ["net_pct_main", "801780"]

        def calc(self, data):
            self.bank = data["801780"].iloc[-1]
            return data["net_pct_main"].sum()

    codes = ["000001.XSHE", "600519.XSHG", "600036.XSHG"]
    f = Flow()
    got = calc_factors(codes, f, start_date="2021-03-03", end_date="2021-03-03")["flow3"].iloc[0]
    mf = jqdata.get_money_flow(codes, start_date="2021-03-01", end_date="2021-03-03",
                               fields=["date", "sec_code", "net_pct_main"])
    exp = mf.groupby("sec_code")["net_pct_main"].sum().reindex(codes)
    np.testing.assert_allclose(got.to_numpy(), exp.to_numpy())
    banks = set(jqdata.get_industry_stocks("801780", "2021-03-03"))
    assert {c for c in codes if f.bank[c] == 1.0} == banks & set(codes)
