"""jqfactor.get_factor_values computed locally (issue 4).

Each price/volume factor is compared with an independent, straightforward pandas computation
written from the formula in ``shared/spec/jq_factors.md`` (not calling jqlite's kernels);
fundamentals factors use a fake panel implementing the ``FundamentalsPanel`` contract.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import jqfactor
import jqlite.factors.api as fapi
from jqlite.data.store import open_store
from jqlite.data.writer import write_store
from jqlite.errors import ParamsError
from jqlite.factors import REGISTRY, engine_for

N_DAYS = 300
CODES = ["000001.XSHE", "000002.XSHE", "600000.XSHG", "600001.XSHG", "300001.XSHE", "000003.XSHE"]
INDEX = "000300.XSHG"
LATE = "000003.XSHE"      # listed on day 100
PAUSED = "600001.XSHG"    # suspended days 150..159
EXRIGHT = "000002.XSHE"   # 10送5 on day 200


def _make_tables(n_days=N_DAYS, seed=7, perturb_after=None):
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-02", periods=n_days)
    rows = []
    for code in CODES + [INDEX]:
        start = 100 if code == LATE else 0
        price = float(rng.uniform(5, 50))
        fac = 1.0
        for i in range(n_days):
            r = rng.normal(0.0005, 0.02)
            o_r, h_r, l_r = rng.normal(0, 0.01), abs(rng.normal(0, 0.01)), abs(rng.normal(0, 0.01))
            vol = float(rng.integers(1, 100) * 10000)
            if i < start:
                continue
            if perturb_after is not None and i > perturb_after:
                r += 0.05            # a different future
                vol *= 3
            prev = price
            pre_close = prev
            if code == EXRIGHT and i == 200:
                pre_close = round(prev / 1.5, 2)
                fac *= prev / pre_close
            paused = code == PAUSED and 150 <= i < 160
            if paused:
                c = o = h = l = round(pre_close, 2)
                vol = 0.0
            else:
                c = round(pre_close * (1 + r), 2)
                o = round(pre_close * (1 + o_r), 2)
                h = round(max(o, c) * (1 + h_r), 2)
                l = round(min(o, c) * (1 - l_r), 2)
                if i % 37 == 5:      # a one-price day (H == L)
                    o = h = l = c
            price = c
            rows.append(dict(date=dates[i], code=code, open=o, close=c, high=h, low=l, volume=vol,
                             money=vol * c, pre_close=pre_close, high_limit=round(pre_close * 1.1, 2),
                             low_limit=round(pre_close * 0.9, 2), paused=int(paused), factor=fac))
    bars = pd.DataFrame(rows)
    sec = pd.DataFrame({
        "code": CODES + [INDEX],
        "display_name": [f"S{i}" for i in range(len(CODES))] + ["沪深300"],
        "name": [f"S{i}" for i in range(len(CODES))] + ["HS300"],
        "type": ["stock"] * len(CODES) + ["index"],
        "start_date": [dates[100] if c == LATE else dates[0] for c in CODES] + [dates[0]],
        "end_date": [pd.Timestamp("2200-01-01")] * (len(CODES) + 1),
        "board": ["sz_main", "sz_main", "sh_main", "sh_main", "chinext", "sz_main", "index"],
    })
    return {"calendar": pd.DataFrame({"date": dates}), "securities": sec, "bars_daily": bars}


@pytest.fixture(autouse=True)
def _isolate(monkeypatch, tmp_path):
    monkeypatch.setattr(fapi, "current_date_or_none", lambda: None)
    monkeypatch.setenv("JQLITE_FACTOR_DISK_CACHE", "1")
    monkeypatch.delenv("JQLITE_CACHE", raising=False)
    monkeypatch.setattr(fapi, "load_panel", lambda store: None)


@pytest.fixture
def store(tmp_path, monkeypatch):
    p = write_store(tmp_path / "store", _make_tables(), name="t", source="t")
    st = open_store(p)
    monkeypatch.setattr(fapi, "active_store", lambda: st)
    monkeypatch.setattr("jqlite.api._binding.active_store", lambda: st)  # get_industry & co.
    return st


def _frames(st):
    """Independent inputs: post-adjusted (2-decimal) OHLC, post volume, raw volume, money."""
    f = {k: pd.DataFrame(st.field(k), index=st.dates, columns=st.codes) for k in
         ("open", "close", "high", "low", "volume", "money", "factor")}
    out = {k: (f[k.lower()] * f["factor"]).round(2) for k in ("Open", "Close", "High", "Low")}
    out["V"] = f["volume"] / f["factor"]
    out["Vraw"] = f["volume"]
    out["M"] = f["money"]
    out["Craw"] = f["close"]
    return out


def _reference(st):
    """Straightforward pandas implementations of the price/volume factors (spec §4, 5, 8, 9)."""
    d = _frames(st)
    C, O, H, L, V = d["Close"], d["Open"], d["High"], d["Low"], d["V"]
    pc = C.shift(1)
    r = C / pc - 1
    ref = {}
    ref["AR"] = (H - O).clip(lower=0).where(O.notna()).rolling(26).sum() / \
        (O - L).clip(lower=0).where(O.notna()).rolling(26).sum() * 100
    br = (H - pc).rolling(26).sum() / (pc - L).rolling(26).sum() * 100
    ref["ARBR"] = ref["AR"] - br
    tr = pd.concat([(H - L).stack(future_stack=True), (H - pc).abs().stack(future_stack=True),
                    (L - pc).abs().stack(future_stack=True)], axis=1).max(axis=1, skipna=False).unstack()
    tr = tr.reindex(index=C.index, columns=C.columns)
    ref["ATR6"] = tr.rolling(6).mean()
    ref["TVMA6"] = d["M"].rolling(6).mean()
    ref["PSY"] = (r > 0).astype(float).where(r.notna()).rolling(12).sum() / 12 * 100
    wv = ((C - O) / (H - L)).replace([np.inf, -np.inf], np.nan) * V
    ref["WVAD"] = wv.rolling(6).sum()
    ref["MAWVAD"] = ref["WVAD"].rolling(6).mean()
    e12 = V.ewm(span=12, adjust=False).mean()
    e26 = V.ewm(span=26, adjust=False).mean()
    ref["VEMA26"] = e26
    ref["VDIFF"] = e12 - e26
    ref["VMACD"] = ref["VDIFF"] - ref["VDIFF"].ewm(span=9, adjust=False).mean()
    ref["VOSC"] = (e12 - e26) / e12 * 100
    up = V.where(C > pc, 0.0).where(pc.notna())
    dn = V.where(C < pc, 0.0).where(pc.notna())
    eq = V.where(C == pc, 0.0).where(pc.notna())
    ref["VR"] = (up.rolling(24).sum() + eq.rolling(24).sum() / 2) / (dn.rolling(24).sum() + eq.rolling(24).sum() / 2)

    def aroon(series_h, find_max):
        def f(w):
            w = np.asarray(w)
            target = w.max() if find_max else w.min()
            idx = np.flatnonzero(w == target)[-1]
            return (idx + 1) / 25 * 100
        return series_h.rolling(25).apply(f, raw=True)
    ref["arron_up_25"] = aroon(H, True)
    ref["arron_down_25"] = aroon(H, False)
    ref["BBIC"] = (C.rolling(3).mean() + C.rolling(6).mean() + C.rolling(12).mean() + C.rolling(24).mean()) / 4 / C
    hl = H - L
    ref["MASS"] = (hl.rolling(9).mean() / hl.rolling(9).mean().rolling(9).mean()).rolling(25).sum()
    r20 = (C / C.shift(20) - 1)[[c for c in st.codes if c != INDEX]]
    ref["Rank1M"] = (1 - r20.rank(axis=1, pct=True)).reindex(columns=C.columns)
    vpt = r * d["Vraw"] / 100
    ref["single_day_VPT"] = vpt
    ref["single_day_VPT_6"] = vpt.rolling(6).mean()
    ref["single_day_VPT_12"] = vpt.rolling(12).mean()
    ref["Volume1M"] = V / V.rolling(20).mean() * r.rolling(20).mean()
    ref["fifty_two_week_close_rank"] = C.rolling(250).apply(lambda w: (w <= w[-1]).sum() / 250, raw=True)
    for n in (20, 120):
        ref[f"Variance{n}"] = r.rolling(n).var() * 250
    for n in (20, 60, 120):
        ref[f"Skewness{n}"] = r.rolling(n).skew()
        ref[f"Kurtosis{n}"] = r.rolling(n).kurt()
    for n in (20, 60):
        p = (1 + r).rolling(n).apply(np.prod, raw=True)
        ref[f"sharpe_ratio_{n}"] = (p ** (250 / n) - 1 - 0.04) / (r.rolling(n).std() * np.sqrt(250))
    ref["boll_down"] = (C.rolling(20).mean() - 2 * C.rolling(20).std()) / C
    ref["MAC10"] = C.rolling(10).mean() / C
    typ = (H + L + C) / 3
    mf = typ * V
    pt = typ.shift(1)
    pos = mf.where(typ > pt, 0.0).where(pt.notna()).rolling(14).sum()
    neg = mf.where(typ < pt, 0.0).where(pt.notna()).rolling(14).sum()
    ref["MFI14"] = 100 - 100 / (1 + pos / neg)
    ref["price_no_fq"] = d["Craw"]
    return ref


PRICE_FACTORS = ["AR", "ARBR", "ATR6", "TVMA6", "PSY", "WVAD", "MAWVAD", "VEMA26", "VDIFF", "VMACD", "VOSC", "VR",
                 "arron_up_25", "arron_down_25", "BBIC", "MASS", "Rank1M", "single_day_VPT", "single_day_VPT_6",
                 "single_day_VPT_12", "Volume1M", "fifty_two_week_close_rank", "Variance20", "Variance120",
                 "Skewness20", "Skewness60", "Skewness120", "Kurtosis20", "Kurtosis60", "Kurtosis120",
                 "sharpe_ratio_20", "sharpe_ratio_60", "boll_down", "MAC10", "MFI14", "price_no_fq"]


@pytest.fixture
def reference(store):
    return _reference(store)


@pytest.mark.parametrize("name", PRICE_FACTORS)
def test_price_factor_matches_reference(store, reference, name):
    codes = list(store.codes)
    got = jqfactor.get_factor_values(codes, name, start_date=store.dates[0], end_date=store.dates[-1])[name]
    exp = reference[name].reindex(index=got.index, columns=codes)
    if name.startswith(("VEMA", "VDIFF", "VMACD", "VOSC")):
        # EMA: compare after the 250-day warm-up of the block cache, relative tolerance
        got, exp = got.iloc[260:], exp.iloc[260:]
        np.testing.assert_allclose(got.to_numpy(), exp.to_numpy(), rtol=1e-6, atol=1e-6, equal_nan=True)
        return
    g, e = got.to_numpy(), exp.to_numpy()
    assert np.array_equal(np.isnan(g), np.isnan(e)), f"{name}: NaN pattern differs"
    np.testing.assert_allclose(g, e, rtol=1e-9, atol=6e-7, equal_nan=True)
    assert np.isfinite(g).sum() > 0


def test_every_flagship_price_factor_tested():
    from jqlite.factors import FLAGSHIP_FACTORS
    bars_only = [n for n in FLAGSHIP_FACTORS if REGISTRY[n].bars_only]
    assert set(bars_only) <= set(PRICE_FACTORS)


def test_return_shape_and_duplicates(store):
    res = jqfactor.get_factor_values(["000001.XSHE", "000001.XSHE", "600000.XSHG"], ["ATR6", "PSY", "ATR6"],
                                     end_date=store.dates[120], count=5)
    assert list(res) == ["ATR6", "PSY"]
    df = res["ATR6"]
    assert list(df.columns) == ["000001.XSHE", "600000.XSHG"]
    assert isinstance(df.index, pd.DatetimeIndex) and len(df) == 5
    assert df.index[-1] == store.dates[120]
    one = jqfactor.get_factor_values("000001.XSHE", "MAC10", start_date=store.dates[50], end_date=store.dates[60])
    assert one["MAC10"].shape == (11, 1)


def test_unknown_factor_names(store):
    with pytest.raises(ValueError, match="Invalid factors") as ei:
        jqfactor.get_factor_values("000001.XSHE", ["ATR6", "atr6", "no_such_factor_xyz"], count=1)
    msg = str(ei.value)
    assert "atr6" in msg and "no_such_factor_xyz" in msg and "'ATR6'" in msg
    with pytest.raises(ParamsError):
        jqfactor.get_factor_values("000001.XSHE", "alpha_001", count=1)


def test_start_and_count_conflict(store):
    with pytest.raises(ParamsError):
        jqfactor.get_factor_values("000001.XSHE", "ATR6", start_date=store.dates[10], count=3)


def test_late_listing_and_pause(store):
    res = jqfactor.get_factor_values([LATE, PAUSED], ["ATR6", "WVAD"], start_date=store.dates[0])
    atr = res["ATR6"][LATE]
    assert atr.iloc[:106].isna().all() and atr.iloc[107:].notna().all()
    # suspended days have H == L -> WVAD undefined for the 6-day windows containing them
    assert res["WVAD"][PAUSED].iloc[150:165].isna().all()


def test_no_look_ahead(tmp_path, monkeypatch, store):
    cut = 220
    p2 = write_store(tmp_path / "store2", _make_tables(perturb_after=cut), name="t2", source="t")
    st2 = open_store(p2)
    names = [n for n in PRICE_FACTORS if n != "Rank1M"] + ["Rank1M"]
    a = jqfactor.get_factor_values(list(store.codes), names, start_date=store.dates[0], end_date=store.dates[cut])
    monkeypatch.setattr(fapi, "active_store", lambda: st2)
    b = jqfactor.get_factor_values(list(store.codes), names, start_date=store.dates[0], end_date=store.dates[cut])
    for n in names:
        pd.testing.assert_frame_equal(a[n], b[n], check_exact=False, rtol=1e-12)
    full = jqfactor.get_factor_values(list(store.codes), "PSY", start_date=store.dates[0])["PSY"]
    assert not np.allclose(full.iloc[cut + 15:].fillna(0), a["PSY"].iloc[-1:].fillna(0).values)


def test_backtest_clips_end_date(store, monkeypatch):
    cur = store.dates[200]
    monkeypatch.setattr(fapi, "current_date_or_none", lambda: cur)
    res = jqfactor.get_factor_values("000001.XSHE", "PSY", end_date=store.dates[250], count=3)["PSY"]
    assert res.index[-1] == store.dates[199]
    res = jqfactor.get_factor_values("000001.XSHE", "PSY", start_date=store.dates[0])["PSY"]
    assert res.index[-1] == store.dates[199]
    # intraday timestamp of the current day: still the previous trading day
    monkeypatch.setattr(fapi, "current_date_or_none", lambda: cur + pd.Timedelta(hours=14, minutes=30))
    res = jqfactor.get_factor_values("000001.XSHE", "PSY", count=1)["PSY"]
    assert res.index[-1] == store.dates[199]


def test_window_independence_and_cache(store):
    eng = engine_for(store)
    eng.clear(disk=True)
    codes = list(store.codes)
    one = jqfactor.get_factor_values(codes, PRICE_FACTORS, end_date=store.dates[280], count=1)
    computed = eng.stats["computed_blocks"]
    assert computed >= 1
    full = jqfactor.get_factor_values(codes, PRICE_FACTORS, start_date=store.dates[0], end_date=store.dates[-1])
    for n in PRICE_FACTORS:
        np.testing.assert_allclose(one[n].to_numpy(), full[n].iloc[[280]].to_numpy(), rtol=1e-9, equal_nan=True)
    # a second identical request is served from memory
    before = eng.stats["computed_blocks"]
    jqfactor.get_factor_values(codes, PRICE_FACTORS, start_date=store.dates[10], end_date=store.dates[200])
    assert eng.stats["computed_blocks"] == before
    # disk cache: a fresh engine reads Arrow (Feather) blocks (written on a background thread)
    eng.flush()
    files = list((store.path / ".factor_cache" / store.version).rglob("*.arrow"))
    assert files
    eng.clear()
    hits = eng.stats["disk_hits"]
    again = jqfactor.get_factor_values(codes, PRICE_FACTORS, start_date=store.dates[0], end_date=store.dates[-1])
    assert eng.stats["disk_hits"] > hits and eng.stats["computed_blocks"] == before
    for n in PRICE_FACTORS:
        pd.testing.assert_frame_equal(again[n], full[n])


def test_cache_invalidated_on_new_store_version(tmp_path, monkeypatch):
    p = tmp_path / "s"
    write_store(p, _make_tables(seed=1), name="t", source="t")
    st = open_store(p)
    monkeypatch.setattr(fapi, "active_store", lambda: st)
    a = jqfactor.get_factor_values("000001.XSHE", "PSY", count=1)["PSY"]
    assert (p / ".factor_cache" / st.version).exists()
    write_store(p, _make_tables(seed=2), name="t", source="t")
    st2 = open_store(p)
    assert st2.version != st.version
    monkeypatch.setattr(fapi, "active_store", lambda: st2)
    b = jqfactor.get_factor_values("000001.XSHE", "PSY", count=1)["PSY"]
    assert not (p / ".factor_cache" / st.version).exists()
    assert (p / ".factor_cache" / st2.version).exists()
    assert a.index[-1] == b.index[-1]


def test_get_all_factors():
    df = jqfactor.get_all_factors()
    assert list(df.columns) == ["factor", "factor_intro", "category", "category_intro"]
    assert df["factor"].is_unique
    from jqlite.factors import FLAGSHIP_FACTORS
    assert set(FLAGSHIP_FACTORS) <= set(df["factor"])
    row = df[df.factor == "circulating_market_cap"].iloc[0]
    assert row.factor_intro == "流通市值" and row.category == "basics" and row.category_intro == "基础科目及衍生类因子"


# ---------------------------------------------------------------------------- fundamentals
class FakePanel:
    """Implements the FundamentalsPanel contract on random data."""

    def __init__(self, st, missing=()):
        self.n, self.m = st.n_days, st.n_securities
        self.rng = np.random.default_rng(3)
        self.missing = set(missing)
        self._d = {}

    def has(self, table, column):
        return (table, column) not in self.missing

    def _arr(self, key, lo=1e6, hi=1e9):
        if key not in self._d:
            # piecewise-constant like a quarterly report series
            steps = self.rng.uniform(lo, hi, size=(self.n // 60 + 1, self.m))
            self._d[key] = np.repeat(steps, 60, axis=0)[:self.n]
        return self._d[key]

    def latest(self, table, column, lag=0):
        return self._arr((table, column, lag))

    def ttm(self, table, column):
        return sum(self.latest(table, column, k) for k in range(4))

    def valuation(self, column):
        lo, hi = {"market_cap": (10, 1000), "capitalization": (1e4, 1e6), "turnover_ratio": (0.1, 5)}.get(
            column, (0.5, 50))
        return self._arr(("valuation", column, 0), lo, hi)


@pytest.fixture
def panel(store, monkeypatch):
    pn = FakePanel(store, missing={("income", "invest_income_associates"), ("balance", "other_equity_tools")})
    monkeypatch.setattr(fapi, "load_panel", lambda st: pn)
    return pn


def test_fundamental_factors(store, panel):
    codes = list(store.codes)
    names = ["roe_ttm", "MLEV", "EBIT", "market_cap", "net_asset_per_share", "roa_ttm", "VOL10", "DAVOL10",
             "account_receivable_turnover_days", "cash_flow_to_price_ratio", "natural_log_of_market_cap"]
    res = jqfactor.get_factor_values(codes, names, start_date=store.dates[150], end_date=store.dates[160])
    sl = slice(150, 161)
    L = lambda t, c, k=0: panel.latest(t, c, k)[sl]
    ttm = lambda t, c: sum(L(t, c, k) for k in range(4))
    mc = panel.valuation("market_cap")[sl] * 1e8
    sh = panel.valuation("capitalization")[sl] * 1e4
    exp = {
        "roe_ttm": ttm("income", "np_parent_company_owners") / L("balance", "equities_parent_company_owners"),
        "MLEV": L("balance", "total_non_current_liability") / (L("balance", "total_non_current_liability") + mc),
        "EBIT": L("income", "net_profit") + L("income", "income_tax_expense") + L("income", "financial_expense"),
        "market_cap": mc,
        "net_asset_per_share": L("balance", "equities_parent_company_owners") / sh,   # other_equity_tools -> 0
        "roa_ttm": ttm("income", "net_profit") / L("balance", "total_assets"),
        "VOL10": np.array([panel.valuation("turnover_ratio")[i - 9:i + 1].mean(axis=0) for i in range(150, 161)]),
        "account_receivable_turnover_days": 360 / (ttm("income", "operating_revenue") / (
            sum(L("balance", "account_receivable", k) for k in range(4)) / 4
            + sum(L("balance", "bill_receivable", k) for k in range(4)) / 4)),
        "cash_flow_to_price_ratio": 1 / panel.valuation("pcf_ratio")[sl],
        "natural_log_of_market_cap": np.log(mc),
    }
    t = panel.valuation("turnover_ratio")
    exp["DAVOL10"] = exp["VOL10"] / np.array([t[i - 119:i + 1].mean(axis=0) for i in range(150, 161)])
    for n, e in exp.items():
        np.testing.assert_allclose(res[n].to_numpy(), e, rtol=1e-6, atol=1e-6, err_msg=n)


def test_missing_fundamental_input_gives_nan_and_warning(store, panel):
    with pytest.warns(RuntimeWarning, match="invest_income_associates"):
        res = jqfactor.get_factor_values("000001.XSHE", "invest_income_associates_to_total_profit", count=3)
    assert res["invest_income_associates_to_total_profit"].isna().all().all()
    av = jqfactor.factor_availability(store)
    assert not av.loc["invest_income_associates_to_total_profit", "available"]
    assert "income.invest_income_associates" in av.loc["invest_income_associates_to_total_profit", "missing"]
    assert av.loc["roe_ttm", "available"]


def test_no_fundamentals_module(store, monkeypatch):
    monkeypatch.setattr(fapi, "load_panel", lambda st: None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = jqfactor.get_factor_values("000001.XSHE", ["roe_ttm", "ATR6"], count=3)
    assert res["roe_ttm"].isna().all().all() and res["ATR6"].notna().all().all()


def test_style_factors_run(store, panel):
    names = ["liquidity", "beta", "book_to_price_ratio", "cash_earnings_to_price_ratio", "cube_of_size",
             "earnings_to_price_ratio", "earnings_yield", "growth", "momentum", "size"]
    res = jqfactor.get_factor_values(list(store.codes), names, end_date=store.dates[-1], count=2)
    for n in ["liquidity", "beta", "book_to_price_ratio", "earnings_yield", "growth", "size", "cube_of_size"]:
        v = res[n].drop(columns=[INDEX]).iloc[-1]
        assert v.notna().sum() >= 4, n
        assert np.isnan(res[n][INDEX].iloc[-1]), n
    # store is < 526 days: momentum's window is not filled
    assert res["momentum"].isna().all().all()
    size = res["size"].drop(columns=[INDEX]).iloc[-1]
    mc = pd.Series(panel.valuation("market_cap")[-1], index=store.codes).drop(INDEX)
    assert size.corr(np.log(mc)) > 0.9


# ---------------------------------------------------------------------------- preprocessing
def test_winsorize_med_and_standardlize():
    s = pd.Series([1.0, 2.0, 3.0, 4.0, 100.0, np.nan, np.inf], index=list("abcdefg"))
    w = jqfactor.winsorize_med(s, scale=1)
    med, mad = 3.0, 1.0
    assert w["e"] == med + mad and w["a"] == med - mad and np.isnan(w["f"]) and np.isnan(w["g"])
    w2 = jqfactor.winsorize_med(s, scale=1, inclusive=False)
    assert np.isnan(w2["e"]) and w2["c"] == 3.0
    q = jqfactor.winsorize(s, qrange=[0.25, 0.75])
    assert q["e"] == np.quantile([1, 2, 3, 4, 100.0], 0.75)
    r = jqfactor.winsorize(s, range=[2, 4])
    assert r["a"] == 2 and r["e"] == 4
    sc = jqfactor.winsorize(s, scale=1)
    f = np.array([1.0, 2, 3, 4, 100])
    assert sc["e"] == pytest.approx(f.mean() + f.std(ddof=1))
    z = jqfactor.standardlize(s)
    fin = s[np.isfinite(s)]
    assert z["a"] == pytest.approx((1 - fin.mean()) / fin.std())
    df = pd.DataFrame([[1.0, 2.0, 3.0], [10.0, 20.0, 60.0]], columns=["x", "y", "z"])
    z1 = jqfactor.standardlize(df, axis=1)
    np.testing.assert_allclose(z1.iloc[0], [-1, 0, 1])
    z0 = jqfactor.standardlize(df, axis=0)
    np.testing.assert_allclose(z0["x"], [-1 / np.sqrt(2), 1 / np.sqrt(2)])
    assert jqfactor.standardize is jqfactor.standardlize


def test_neutralize_market_cap(store, panel):
    codes = [c for c in store.codes if c != INDEX]
    y = pd.Series(np.arange(len(codes), dtype=float) ** 2, index=codes)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = jqfactor.neutralize(y, how=["market_cap"], date=store.dates[-1], add_constant=True)
    lmc = np.log(panel.valuation("market_cap")[-1][[store.col(c) for c in codes]] * 1e8)
    X = np.column_stack([np.ones(len(codes)), lmc])
    beta = np.linalg.lstsq(X, y.to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(res.to_numpy(), y.to_numpy() - X @ beta, atol=1e-6)
    assert abs(np.dot(res.to_numpy(), lmc - lmc.mean())) < 1e-5
    with pytest.warns(RuntimeWarning, match="industry"):
        jqfactor.neutralize(y, how=["jq_l1", "market_cap"], date=store.dates[-1])
    # with an industry source
    jqfactor.set_industry_source(lambda kind, cs, d: {c: ("A" if i % 2 else "B") for i, c in enumerate(cs)})
    try:
        r2 = jqfactor.neutralize(y, how=["sw_l1"], date=store.dates[-1])
    finally:
        jqfactor.set_industry_source(None)
    grp = pd.Series(["A" if i % 2 else "B" for i in range(len(codes))], index=codes)
    np.testing.assert_allclose(r2.to_numpy(), (y - y.groupby(grp).transform("mean")).to_numpy(), atol=1e-9)


def test_with_real_fundamentals_panel(tmp_path, monkeypatch):
    """Against jqlite.data.fundamentals on the synthetic sample market (skipped if absent)."""
    sample = pytest.importorskip("jqlite.data.sample")
    sf = pytest.importorskip("jqlite.data.sample_fundamentals")
    fund = pytest.importorskip("jqlite.data.fundamentals")
    p = sample.generate_sample_market(tmp_path / "s", n_stocks=30, start="2019-01-02", end="2020-12-31")
    sf.write_sample_fundamentals(p)
    st = open_store(p)
    monkeypatch.setattr(fapi, "active_store", lambda: st)
    from jqlite.factors.base import load_panel
    monkeypatch.setattr(fapi, "load_panel", load_panel)
    from jqlite.factors import FLAGSHIP_FACTORS
    av = jqfactor.factor_availability(st).loc[list(FLAGSHIP_FACTORS)]
    assert av["available"].all(), av[~av.available]
    panel = fund.fundamentals_panel(st)
    stocks = [c for c in st.codes if st.securities.at[c, "type"] == "stock"][:10]
    res = jqfactor.get_factor_values(stocks, list(FLAGSHIP_FACTORS), end_date=st.dates[-1], count=3)
    cols = [st.col(c) for c in stocks]
    roe = panel.ttm("income", "np_parent_company_owners") / panel.latest("balance", "equities_parent_company_owners")
    np.testing.assert_allclose(res["roe_ttm"].to_numpy(), np.round(roe[-3:, cols], 6), rtol=1e-9, atol=1e-9)
    mc = panel.valuation("market_cap")[-3:, cols] * 1e8
    np.testing.assert_allclose(res["market_cap"].to_numpy(), np.round(mc, 6), rtol=1e-12)
    for n in FLAGSHIP_FACTORS:
        if n not in ("momentum", "growth"):    # need 526 days / 4+ years of reports
            assert res[n].notna().any().any(), n
