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
    monkeypatch.setattr(fapi, "current_date_or_none", lambda: cur + pd.Timedelta(14 * 60 + 30, unit="min"))
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


def test_memory_cap_evicts_to_disk(store, monkeypatch):
    """The memory LRU keeps to $JQLITE_FACTOR_MEM_MB: evicted blocks come back from disk (or
    from the write queue) without recomputation, with identical values; cached blocks own
    their 64 rows (no view keeping the computed window's lookback rows alive)."""
    import threading

    from jqlite.factors import cache as fcache
    codes = list(store.codes)
    names = ["PSY", "VEMA26", "Kurtosis120", "MAC10"]
    block_bytes = fcache.BLOCK * store.n_securities * 8
    eng = engine_for(store)
    eng.clear(disk=True)
    monkeypatch.setenv("JQLITE_FACTOR_MEM_MB", "100000")     # reference: everything in memory
    ref = jqfactor.get_factor_values(codes, names, start_date=store.dates[0], end_date=store.dates[-1])
    n_blocks = len(eng.mem)
    assert n_blocks == len(names) * -(-store.n_days // fcache.BLOCK)
    eng.clear(disk=True)
    # cap of 3 blocks
    monkeypatch.setenv("JQLITE_FACTOR_MEM_MB", str(3 * block_bytes / 2**20))
    # the writer is held: evicted blocks can only come back from the write queue
    gate = threading.Event()
    write = fcache.FactorEngine._write_block

    def slow_write(p, arr, inflight=None):
        gate.wait(10)
        write(p, arr, inflight)
    monkeypatch.setattr(fcache.FactorEngine, "_write_block", staticmethod(slow_write))
    before = eng.stats["computed_blocks"]
    first = jqfactor.get_factor_values(codes, names, start_date=store.dates[0], end_date=store.dates[-1])
    assert 2 <= len(eng.mem) <= 3 and eng.mem_bytes <= 3 * block_bytes
    for blk in eng.mem.values():
        assert blk.base is None and blk.flags.owndata and blk.shape[1] == store.n_securities
        assert blk.shape[0] in (fcache.BLOCK, store.n_days % fcache.BLOCK)
    computed = eng.stats["computed_blocks"]
    assert computed - before == n_blocks
    again = jqfactor.get_factor_values(codes, names, start_date=store.dates[0], end_date=store.dates[-1])
    assert eng.stats["computed_blocks"] == computed          # from the write queue
    gate.set()
    eng.flush()
    assert not eng._inflight
    hits = eng.stats["disk_hits"]
    third = jqfactor.get_factor_values(codes, names, start_date=store.dates[0], end_date=store.dates[-1])
    assert eng.stats["computed_blocks"] == computed and eng.stats["disk_hits"] >= hits + n_blocks - 3
    assert eng.mem_bytes <= 3 * block_bytes
    for n in names:
        for got in (first, again, third):
            pd.testing.assert_frame_equal(got[n], ref[n])


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


def test_growth_descriptors_sales_and_earnings_growth(store, panel):
    """sales_growth / earnings_growth (the corpus's most asked-for missing factors): slope of 5
    yearly points on [0..4] over |mean|, hand-computed from the fake panel's quarters."""
    codes = list(store.codes)
    res = jqfactor.get_factor_values(codes, ["sales_growth", "earnings_growth"], end_date=store.dates[-1], count=1)
    for name, col in (("sales_growth", "operating_revenue"), ("earnings_growth", "basic_eps")):
        q = [panel.latest("income", col, k)[-1] for k in range(20)]
        ys = np.array([q[k] + q[k + 1] + q[k + 2] + q[k + 3] for k in (16, 12, 8, 4, 0)])   # oldest first
        t = np.arange(5.0)
        slope = ((t - t.mean())[:, None] * (ys - ys.mean(axis=0))).sum(axis=0) / ((t - t.mean()) ** 2).sum()
        exp = slope / np.abs(ys.mean(axis=0))
        np.testing.assert_allclose(res[name].iloc[-1].to_numpy(), exp, rtol=0, atol=5e-7, err_msg=name)  # 6 decimals
    # one code, by hand: yearly points 10, 12, 13, 15, 20 -> slope 2.3, mean 14 -> 0.1642857
    from jqlite.factors.library.style import _slope_growth
    pts = [np.full((1, 1), v) for v in (10.0, 12.0, 13.0, 15.0, 20.0)]
    assert _slope_growth(pts)[0, 0] == pytest.approx(2.3 / 14)
    pts[0][:] = np.nan            # 4 points still enough: 12,13,15,20 on t=1..4 -> slope 2.6, mean 15
    assert _slope_growth(pts)[0, 0] == pytest.approx(2.6 / 15)
    pts[1][:] = np.nan            # 3 points: NaN
    assert np.isnan(_slope_growth(pts)[0, 0])


def test_peg_profit_growth_and_tvstd(store, panel):
    """PEG, total_profit_growth_rate, TVSTD6/20 (asked for by corpus files), from the fake panel."""
    codes = list(store.codes)
    res = jqfactor.get_factor_values(codes, ["PEG", "total_profit_growth_rate", "TVSTD20", "TVSTD6"],
                                     start_date=store.dates[150], end_date=store.dates[152])
    sl = slice(150, 153)
    L = lambda c, k: panel.latest("income", c, k)[sl]
    ttm = lambda c, a: sum(L(c, k) for k in range(a, a + 4))
    g_tp = ttm("total_profit", 0) / ttm("total_profit", 4) - 1      # fake data is all positive
    np.testing.assert_allclose(res["total_profit_growth_rate"].to_numpy(), g_tp, atol=5e-7)
    g = ttm("np_parent_company_owners", 0) / ttm("np_parent_company_owners", 4) - 1
    pe = panel.valuation("pe_ratio")[sl]
    exp = np.where(g > 0, pe / (g * 100), np.nan)
    np.testing.assert_allclose(res["PEG"].to_numpy(), exp, atol=5e-7)
    assert np.isnan(exp).any() and (~np.isnan(exp)).any()           # both branches exercised
    money = store.field("money")
    for n, w in (("TVSTD20", 20), ("TVSTD6", 6)):
        e = np.array([np.std(money[i - w + 1:i + 1], axis=0, ddof=1) for i in range(150, 153)])
        np.testing.assert_allclose(res[n].to_numpy(), e, rtol=1e-6, err_msg=n)


# ---------------------------------------------------------------------------- JoinQuant's whole library
def _reference_more(st):
    """Independent pandas versions of the price/volume factors added for JoinQuant's whole
    library (formulas of its data-dictionary pages, jqlite.factors.catalog)."""
    d = _frames(st)
    C, H, L, V = d["Close"], d["High"], d["Low"], d["V"]
    ref = {}
    for n in (5, 10, 20, 60):
        m = C.rolling(n).mean()
        ref[f"BIAS{n}"] = (C - m) / m * 100
    typ = (H + L + C) / 3
    for n in (10, 15, 20, 88):
        avedev = typ.rolling(n).apply(lambda w: np.mean(np.abs(w - w.mean())), raw=True)
        ref[f"CCI{n}"] = (typ - typ.rolling(n).mean()) / (0.015 * avedev)
    mid = (H.shift(1) + L.shift(1)) / 2
    ref["CR20"] = ((H - mid).clip(lower=0).rolling(20).sum() / (mid - L).clip(lower=0).rolling(20).sum() * 100)
    for n in (6, 12, 24):
        t = np.arange(1, n + 1, dtype=float)
        slope = C.rolling(n).apply(lambda w: np.polyfit(t, w, 1)[0], raw=True)
        ref[f"PLRC{n}"] = slope / C.rolling(n).mean()
    ref["Price1M"] = C / C.rolling(20).mean().shift(1) - 1
    ref["Price3M"] = C / C.rolling(60).mean().shift(1) - 1
    ref["Price1Y"] = C / C.rolling(249).mean().shift(1) - 1
    for n in (6, 12):
        ref[f"VROC{n}"] = (V / V.shift(n - 1) - 1) * 100
    for n in (10, 20):
        ref[f"VSTD{n}"] = V.rolling(n).std()
    ref["money_flow_20"] = (typ * V).rolling(20).sum()
    ema = lambda x, n: x.ewm(span=n, adjust=False).mean()
    for n in (5, 10, 12, 20, 26):
        ref["EMA5" if n == 5 else f"EMAC{n}"] = ema(C, n) / C
    dif = ema(C, 12) - ema(C, 26)
    ref["MACDC"] = 2 * (dif - ema(dif, 9)) / C
    for n in (5, 10):
        mtr = ema(ema(ema(C, n), n), n)
        ref[f"TRIX{n}"] = (mtr / mtr.shift(1) - 1) * 100
    ref["bull_power"] = (H - ema(C, 13)) / C
    ref["bear_power"] = (L - ema(C, 13)) / C
    r = C / C.shift(1) - 1
    ref["Variance60"] = r.rolling(60).var() * 250
    ref["ROC20"] = (C / C.shift(20) - 1) * 100
    return ref


MORE_PRICE_FACTORS = ["BIAS5", "BIAS10", "BIAS20", "BIAS60", "CCI10", "CCI15", "CCI20", "CCI88", "CR20", "PLRC6",
                      "PLRC12", "PLRC24", "Price1M", "Price3M", "Price1Y", "VROC6", "VROC12", "VSTD10", "VSTD20",
                      "money_flow_20", "EMA5", "EMAC10", "EMAC12", "EMAC20", "EMAC26", "MACDC", "TRIX5", "TRIX10",
                      "bull_power", "bear_power", "Variance60", "ROC20"]
_EMA_BASED = ("EMA", "MACDC", "TRIX", "bull_power", "bear_power")


@pytest.mark.parametrize("name", MORE_PRICE_FACTORS)
def test_more_price_factors_match_reference(store, name):
    codes = list(store.codes)
    got = jqfactor.get_factor_values(codes, name, start_date=store.dates[0], end_date=store.dates[-1])[name]
    exp = _reference_more(store)[name].reindex(index=got.index, columns=codes)
    if name.startswith(_EMA_BASED):     # EMA: after the block cache's 250-day warm-up
        got, exp = got.iloc[260:], exp.iloc[260:]
        np.testing.assert_allclose(got.to_numpy(), exp.to_numpy(), rtol=1e-6, atol=1e-6, equal_nan=True)
        assert np.isfinite(got.to_numpy()).sum() > 0
        return
    g, e = got.to_numpy(), exp.to_numpy()
    e = np.where(np.isfinite(e), e, np.nan)
    assert np.array_equal(np.isnan(g), np.isnan(e)), f"{name}: NaN pattern differs"
    np.testing.assert_allclose(g, e, rtol=1e-8, atol=6e-7, equal_nan=True)
    assert np.isfinite(g).sum() > 0


def test_new_kernels_by_hand():
    from jqlite.factors.kernels import ew_std, rolling_avedev, rolling_slope
    x = np.array([[1.0], [2.0], [3.0], [4.0], [np.nan]])
    # AVEDEV(1,2,3,4) = (1.5 + 0.5 + 0.5 + 1.5) / 4 = 1.0; a NaN in the window -> NaN
    np.testing.assert_array_equal(rolling_avedev(x, 4)[:, 0], [np.nan, np.nan, np.nan, 1.0, np.nan])
    # slope of (1, 3, 2, 5) on t = 1..4: sum((t - 2.5) y) / sum((t - 2.5)^2) = 5.5 / 5 = 1.1
    y = np.array([[1.0], [3.0], [2.0], [5.0]])
    assert rolling_slope(y, 4)[3, 0] == pytest.approx(1.1)
    # equal weights (huge half-life): EW std = population std; (1,3,2,5): mean 2.75, var 2.1875
    assert ew_std(y, 4, 1e12, 2)[3, 0] == pytest.approx(np.sqrt(2.1875))
    # half-life 1 on (0, 0, 0, 1): weights 1/8, 1/4, 1/2, 1 -> mean 1/1.875, var = w.(x - m)^2 / sum w
    z = np.array([[0.0], [0.0], [0.0], [1.0]])
    w = np.array([0.125, 0.25, 0.5, 1.0])
    m = (w * z[:, 0]).sum() / w.sum()
    assert ew_std(z, 4, 1.0, 2)[3, 0] == pytest.approx(np.sqrt((w * (z[:, 0] - m) ** 2).sum() / w.sum()))


def test_get_all_factors_is_joinquants_list():
    df = jqfactor.get_all_factors()
    assert len(df) == 260 and list(df.index) == list(range(260))
    # the first and last rows of the example on JoinQuant's page "获取聚宽因子名称"
    head = [("administration_expense_ttm", "管理费用TTM"), ("asset_impairment_loss_ttm", "资产减值损失TTM"),
            ("cash_flow_to_price_ratio", "现金流市值比"), ("circulating_market_cap", "流通市值"), ("EBIT", "息税前利润")]
    tail = [("MAC5", "5日移动均线"), ("MAC60", "60日移动均线"), ("MACDC", "平滑异同移动平均线"),
            ("MFI14", "资金流量指标"), ("price_no_fq", "不复权价格因子")]
    assert list(zip(df.factor[:5], df.factor_intro[:5])) == head
    assert list(zip(df.factor[-5:], df.factor_intro[-5:])) == tail
    assert set(df.category[:5]) == {"basics"} and set(df.category_intro[-5:]) == {"技术指标因子"}
    assert df.groupby("category").size().to_dict() == {"basics": 37, "emotion": 36, "growth": 9, "momentum": 34,
                                                       "pershare": 15, "quality": 71, "risk": 12, "style": 30,
                                                       "technical": 16}
    # every listed factor is computable, nothing else is registered
    assert set(df.factor) == set(REGISTRY)
    for name in ("Price1Y", "turnover_volatility", "residual_volatility", "financial_liability", "money_flow_20",
                 "total_asset_turnover_rate", "total_profit_to_cost_ratio", "leverage", "MACDC"):
        assert name in set(df.factor)


def test_new_fundamental_factors_by_hand(store, panel):
    """One or more new factors of each fundamentals category, recomputed from the fake panel."""
    codes = list(store.codes)
    names = ["operating_profit_ttm", "retained_earnings", "financial_liability", "net_debt", "quick_ratio",
             "total_asset_turnover_rate", "total_profit_to_cost_ratio", "cash_to_current_liability",
             "equity_turnover_rate", "cash_and_equivalents_per_share", "operating_profit_per_share_ttm",
             "financing_cash_growth_rate", "net_asset_growth_rate", "turnover_volatility", "debt_to_assets",
             "book_leverage", "leverage", "SGI", "roe_ttm_8y", "OperateNetIncome", "cfo_to_ev"]
    i0, i1 = 250, 252
    res = jqfactor.get_factor_values(codes, names, start_date=store.dates[i0], end_date=store.dates[i1])
    sl = slice(i0, i1 + 1)
    L = lambda t, c, k=0: panel.latest(t, c, k)[sl]
    B = lambda c, k=0: L("balance", c, k)
    T = lambda t, c, k=0: sum(L(t, c, k + j) for j in range(4))
    A = lambda c: sum(B(c, k) for k in range(4)) / 4
    SH = panel.valuation("capitalization")[sl] * 1e4
    MC = panel.valuation("market_cap")[sl] * 1e8
    exp = {
        "operating_profit_ttm": T("income", "operating_profit"),
        "retained_earnings": B("surplus_reserve_fund") + B("retained_profit"),
        "financial_liability": (B("total_current_liability") - B("accounts_payable") - B("advance_peceipts")
                                - B("salaries_payable") - B("taxs_payable") - B("other_payable")
                                - B("other_current_liability") + B("longterm_loan") + B("bonds_payable")),
        "net_debt": (B("shortterm_loan") + B("non_current_liability_in_one_year") + B("longterm_loan")
                     + B("bonds_payable") - L("cash_flow", "cash_and_equivalents_at_end")),
        "quick_ratio": (B("total_current_assets") - B("inventories")) / B("total_current_liability"),
        "total_asset_turnover_rate": T("income", "operating_revenue") / B("total_assets"),
        "total_profit_to_cost_ratio": T("income", "total_profit") / (
            T("income", "operating_cost") + T("income", "financial_expense") + T("income", "sale_expense")
            + T("income", "administration_expense")),
        "cash_to_current_liability": L("cash_flow", "cash_and_equivalents_at_end") / A("total_current_liability"),
        "equity_turnover_rate": B("total_owner_equities") / T("income", "operating_revenue"),
        "cash_and_equivalents_per_share": L("cash_flow", "cash_and_equivalents_at_end") / SH,
        "operating_profit_per_share_ttm": T("income", "operating_profit") / SH,
        "financing_cash_growth_rate": (T("cash_flow", "net_finance_cash_flow")
                                       / T("cash_flow", "net_finance_cash_flow", 4) - 1),
        "net_asset_growth_rate": B("total_owner_equities") / B("total_owner_equities", 3) - 1,
        "debt_to_assets": B("total_liability") / B("total_assets"),
        # the fake panel has no statements: annual reports are approximated by TTM 4 quarters apart
        "SGI": T("income", "operating_revenue") / T("income", "operating_revenue", 4),
        "OperateNetIncome": L("indicator", "operating_profit_to_profit") / 100 * L("income", "total_profit"),
        "cfo_to_ev": T("cash_flow", "net_operate_cash_flow") / (MC + B("total_liability") - B("cash_equivalents")),
    }
    pe = B("preferred_shares_equity")
    be = B("equities_parent_company_owners") - pe
    bl = (be + pe + B("total_non_current_liability")) / be
    exp["book_leverage"] = np.where((bl > 0) & (bl < 100), bl, np.nan)
    t = pd.DataFrame(panel.valuation("turnover_ratio"))
    exp["turnover_volatility"] = (t.rolling(20).std() / 100).to_numpy()[sl]
    roe = [T("income", "np_parent_company_owners", 4 * k) / B("equities_parent_company_owners", 4 * k)
           for k in range(8)]
    exp["roe_ttm_8y"] = np.prod([1 + x for x in roe], axis=0) ** (1 / 8) - 1
    for n, e in exp.items():
        np.testing.assert_allclose(res[n].to_numpy(), np.round(e, 6), rtol=1e-9, atol=2e-6, err_msg=n)
    lev = res["leverage"]          # a cross-sectional style factor: stocks only
    assert lev.drop(columns=[INDEX]).notna().all().all() and lev[INDEX].isna().all()
    # a by-hand value: SGI = 120 / 100 for one revenue path
    from jqlite.factors.kernels import safe_div
    assert safe_div(np.array([120.0]), np.array([100.0]))[0] == pytest.approx(1.2)


def test_forecast_descriptors_are_nan_with_a_gap(store, panel):
    panel.missing.add(("forecast", "consensus_net_profit"))   # the real panel has no forecast table
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = jqfactor.get_factor_values(list(store.codes), ["predicted_earnings_to_price_ratio"], count=2,
                                         end_date=store.dates[-1])
    assert res["predicted_earnings_to_price_ratio"].isna().all().all()
    from jqlite.factors.api import factor_availability
    av = factor_availability(store)
    assert not av.loc["long_term_predicted_earnings_growth", "available"]
    assert "forecast.consensus_net_profit" in av.loc["long_term_predicted_earnings_growth", "missing"]


# ---------------------------------------------------------------------------- Factor / calc_factors
def test_calc_factors_end_to_end(store, panel):
    from jqfactor import Factor, calc_factors
    d = _frames(store)

    class MA5(Factor):
        name = "ma5"
        max_window = 5
        dependencies = ["close"]

        def calc(self, data):
            getattr(self, "days", []).append(self._current_date)
            assert data["close"].shape[0] == 5
            return data["close"][-5:].mean()

    class MOM(Factor):                 # __init__ without super(), as corpus files do
        dependencies = ["close", "volume"]

        def __init__(self, n):
            self.name, self.max_window = f"mom_{n}", n

        def calc(self, data):
            c = data["close"]
            return c.iloc[-1, :] / c.iloc[0, :] - 1

    class GP(Factor):
        name = "gp"
        max_window = 1
        dependencies = ["total_operating_revenue", "total_operating_cost", "total_assets", "operating_revenue_1",
                        "roe_ttm"]

        def calc(self, data):
            self.seen = data
            # JoinQuant's frames name their columns 'code' (corpus files merge transposes on it)
            t = data["total_assets"].T.merge(data["operating_revenue_1"].T, how="inner", on="code")
            assert list(t.index) == list(data["total_assets"].columns)
            return ((data["total_operating_revenue"] - data["total_operating_cost"]) / data["total_assets"]).mean()

    codes = ["000001.XSHE", "600000.XSHG"]
    ma5, gp = MA5(), GP()
    ma5.days = []
    res = calc_factors(codes, [ma5, MOM(10), gp], start_date=store.dates[100], end_date=store.dates[104])
    assert set(res) == {"ma5", "mom_10", "gp"}
    idx = store.dates[100:105]
    np.testing.assert_allclose(res["ma5"].to_numpy(), d["Close"][codes].rolling(5).mean().iloc[100:105].to_numpy())
    assert list(res["ma5"].index) == list(idx) and list(res["ma5"].columns) == codes
    assert ma5.days == [x.date() for x in idx]
    c = d["Close"][codes]
    np.testing.assert_allclose(res["mom_10"].to_numpy(), (c / c.shift(9) - 1).iloc[100:105].to_numpy())
    cols = [store.col(c) for c in codes]
    L = lambda t, col, k=0: panel.latest(t, col, k)[100:105][:, cols]
    np.testing.assert_allclose(res["gp"].to_numpy(), (L("income", "total_operating_revenue")
                                                      - L("income", "total_operating_cost"))
                               / L("balance", "total_assets"))
    np.testing.assert_allclose(gp.seen["operating_revenue_1"].to_numpy(), L("income", "operating_revenue", 1)[-1:])
    # use_real_price: prices adjusted as of the logical day (the ex-right stock's earlier closes scaled down)
    r2 = calc_factors([EXRIGHT], MA5, start_date=store.dates[202], end_date=store.dates[202], use_real_price=True)
    raw, fac = store.field("close")[198:203, store.col(EXRIGHT)], store.field("factor")[198:203, store.col(EXRIGHT)]
    assert r2["ma5"].iloc[0, 0] == pytest.approx(np.round(raw * fac / fac[-1], 2).mean())
    # skip_paused: the paused stock's window is its last 5 trading days, indexed 0..4
    class Last(Factor):
        name, max_window, dependencies = "last", 5, ["close"]

        def calc(self, data):
            assert list(data["close"].index) == [0, 1, 2, 3, 4]
            return data["close"].iloc[0]
    r3 = calc_factors([PAUSED], Last(), start_date=store.dates[155], end_date=store.dates[155], skip_paused=True)
    assert r3["last"].iloc[0, 0] == d["Close"][PAUSED].iloc[145]
    with pytest.raises(ParamsError, match="unknown dependency 'no_such_field'"):  # named, not a KeyError
        class Bad(Factor):
            name, max_window, dependencies = "bad", 1, ["no_such_field"]
        calc_factors(codes, Bad(), start_date=store.dates[100], end_date=store.dates[100])


def test_one_date_requests_read_one_row_from_disk(store):
    """A one-date request whose block is only on disk reads that row's record batch (blocks
    are written one batch per row) and leaves the block out of the memory cache; values are
    those of the whole block.  A file written as one batch (older layout) is read whole."""
    import pyarrow as pa
    import pyarrow.feather as feather

    from jqlite.factors import cache as fcache
    codes = list(store.codes)
    names = ["PSY", "VEMA26", "MAC10"]
    eng = engine_for(store)
    eng.clear(disk=True)
    ref = jqfactor.get_factor_values(codes, names, start_date=store.dates[0], end_date=store.dates[-1])
    eng.flush()
    p = eng._disk_path("PSY", 2, "")
    with pa.memory_map(str(p)) as src:
        assert pa.ipc.open_file(src).num_record_batches == fcache.BLOCK   # one batch per row
    eng.clear()                                                          # memory only
    before = dict(eng.stats)
    for r in (2 * fcache.BLOCK + 5, 3 * fcache.BLOCK - 1, 150):
        one = jqfactor.get_factor_values(codes, names, end_date=store.dates[r], count=1)
        for n in names:
            pd.testing.assert_frame_equal(one[n], ref[n].iloc[[r]])
    assert eng.stats["disk_row_hits"] - before["disk_row_hits"] == 3 * len(names)
    assert eng.stats["computed_blocks"] == before["computed_blocks"]
    assert eng.stats["disk_hits"] == before["disk_hits"] and not eng.mem   # no whole block read
    # older layout: the block as one record batch
    blk = feather.read_table(p).column("v").to_numpy().reshape(fcache.BLOCK, store.n_securities)
    feather.write_feather(pa.table({"v": blk.ravel()}), p, compression="lz4",
                          chunksize=blk.size)
    row = eng._disk_get_row("PSY", 2, 7, "")
    np.testing.assert_array_equal(row, blk[7:8])
    # a block still queued for writing is served from the queue
    eng._inflight[p] = blk * 2
    np.testing.assert_array_equal(eng._disk_get_row("PSY", 2, 7, ""), blk[7:8] * 2)
    eng._inflight.pop(p)


def test_one_row_reads_keep_their_file_open(store):
    """One-date requests keep the block file's reader open for the next dates of the block
    (no reopening per date); a file replaced since is reopened; ``clear`` closes them."""
    import pyarrow as pa
    import pyarrow.feather as feather

    from jqlite.factors import cache as fcache
    codes = list(store.codes)
    eng = engine_for(store)
    eng.clear(disk=True)
    ref = jqfactor.get_factor_values(codes, ["PSY"], start_date=store.dates[0], end_date=store.dates[-1])
    eng.flush()
    eng.clear()
    p = eng._disk_path("PSY", 2, "")
    r = 2 * fcache.BLOCK
    for i in (5, 9):
        one = jqfactor.get_factor_values(codes, ["PSY"], end_date=store.dates[r + i], count=1)
        pd.testing.assert_frame_equal(one["PSY"], ref["PSY"].iloc[[r + i]])
        if i == 5:
            reader = eng._readers[p][1]
    assert eng._readers[p][1] is reader and not eng.mem          # same reader, no block read
    blk = feather.read_table(p).column("v").to_numpy().reshape(fcache.BLOCK, store.n_securities)
    feather.write_feather(pa.table({"v": blk.ravel() + 1.0}), p, compression="lz4",
                          chunksize=store.n_securities)          # replaced (new inode)
    np.testing.assert_array_equal(eng._disk_get_row("PSY", 2, 9, ""), blk[9:10] + 1.0)
    assert eng._readers[p][1] is not reader
    eng.clear()
    assert not eng._readers
