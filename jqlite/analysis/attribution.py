"""Return attribution of a backtest: Brinson–Fachler by industry against the benchmark's
constituent weights, and daily exposure to the CNE5 style factors jqfactor computes.

Brinson–Fachler (one period, segments ``i`` = SW level-1 industries plus ``cash`` / ``other``)
-------------------------------------------------------------------------------------------
With portfolio weights ``wp_i`` and returns ``Rp_i``, benchmark weights ``wb_i`` and returns
``Rb_i``, and the benchmark's return ``Rb = sum_i wb_i Rb_i``:

* allocation  ``A_i = (wp_i - wb_i) (Rb_i - Rb)``
* selection   ``S_i = wb_i (Rp_i - Rb_i)``
* interaction ``I_i = (wp_i - wb_i) (Rp_i - Rb_i)``

and ``sum_i (A_i + S_i + I_i) = sum_i wp_i Rp_i - Rb`` (the active return) exactly.  A segment
the benchmark does not hold (``wb_i = 0``: cash, ETFs / funds / futures = ``other``, an industry
outside the index) takes ``Rb_i = Rb``, so its whole effect is interaction ``wp_i (Rp_i - Rb)``;
cash has ``Rp = 0``, so holding cash in a rising market shows as a negative effect.

Backtest convention (decided here; JoinQuant's own attribution page is not public):
the period is one trading day ``t``; weights are the end-of-day positions of ``t-1``
(``positions.csv`` value / ``daily.csv`` total_value) and benchmark weights
``get_index_weights(benchmark, t-1)``; returns are post-adjusted close-to-close returns of
day ``t`` (dividends included).  The active return is therefore holding-based: the day's
trading, costs and the index's own rounding are left over as ``trading_residual`` =
(NAV return - holdings return) and ``benchmark_residual`` = (index close return -
constituent return), both reported.

Cumulative effects are linked with Carino's logarithmic factors, so that the linked effects
add up to the geometric active return ``prod(1 + Rp_t) - prod(1 + Rb_t)`` of the holdings.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import pandas as pd

#: CNE5 style factors (Barra China Equity Model 5) that jqfactor computes; JoinQuant's
#: ``residual_volatility`` and ``leverage`` are not in this library yet.
CNE5_STYLE = ("size", "beta", "momentum", "non_linear_size", "book_to_price_ratio", "liquidity",
              "earnings_yield", "growth")
#: The ones computed by default after every run (valuation inputs, no regression).
CNE5_STYLE_CHEAP = ("size", "non_linear_size", "book_to_price_ratio", "momentum", "liquidity")
EFFECTS = ("allocation", "selection", "interaction")


def brinson_fachler(wp: pd.Series, rp: pd.Series, wb: pd.Series, rb: pd.Series) -> pd.DataFrame:
    """Brinson–Fachler effects of one period.

    Parameters
    ----------
    wp, wb : pandas.Series
        Portfolio / benchmark weight of each segment (fractions; indexes may differ, a
        missing segment has weight 0).
    rp, rb : pandas.Series
        Portfolio / benchmark return of each segment over the period (fractions).  A
        segment the benchmark does not hold takes the benchmark's total return; a segment
        the portfolio does not hold needs no ``rp``.

    Returns
    -------
    pandas.DataFrame
        Index segment (sorted); columns ``wp``, ``wb``, ``rp``, ``rb``, ``allocation``,
        ``selection``, ``interaction``, ``total``.  ``total.sum()`` equals
        ``(wp * rp).sum() - (wb * rb).sum()``.
    """
    seg = sorted(set(wp.index) | set(wb.index))
    wp_ = wp.reindex(seg).fillna(0.0)
    wb_ = wb.reindex(seg).fillna(0.0)
    rb_total = float((wb_ * rb.reindex(seg).fillna(0.0)).sum())
    rb_ = rb.reindex(seg).where(wb_ > 0, rb_total).fillna(rb_total)
    rp_ = rp.reindex(seg).where(wp_ != 0, rb_).fillna(rb_)
    out = pd.DataFrame({"wp": wp_, "wb": wb_, "rp": rp_, "rb": rb_})
    out["allocation"] = (wp_ - wb_) * (rb_ - rb_total)
    out["selection"] = wb_ * (rp_ - rb_)
    out["interaction"] = (wp_ - wb_) * (rp_ - rb_)
    out["total"] = out["allocation"] + out["selection"] + out["interaction"]
    out.index.name = "segment"
    return out


def carino_factors(rp: np.ndarray, rb: np.ndarray) -> np.ndarray:
    """Carino's per-period linking coefficients ``k_t / K`` (arrays of period returns).

    ``sum_t effect_t * k_t / K`` over effects that add up to ``rp_t - rb_t`` each period
    equals ``prod(1 + rp) - prod(1 + rb)``.
    """
    rp, rb = np.asarray(rp, float), np.asarray(rb, float)

    def k(a, b):
        a, b = np.asarray(a, float), np.asarray(b, float)
        with np.errstate(invalid="ignore", divide="ignore"):
            v = (np.log1p(a) - np.log1p(b)) / (a - b)
        return np.where(np.isclose(a, b), 1.0 / (1.0 + b), v)
    Rp, Rb = np.prod(1 + rp) - 1, np.prod(1 + rb) - 1
    return k(rp, rb) / float(k(Rp, Rb))


def brinson_over_time(wp: pd.DataFrame, wb: pd.DataFrame, returns: pd.DataFrame,
                      industry: pd.DataFrame) -> pd.DataFrame:
    """Daily Brinson–Fachler effects per segment.

    Parameters
    ----------
    wp, wb : pandas.DataFrame
        Portfolio / benchmark weights at the START of each period: index period label
        (date), one column per security (fractions; NaN = 0).  Portfolio cash is
        ``1 - wp.sum(axis=1)``.
    returns : pandas.DataFrame
        Each security's return over the period (same index), fractions.
    industry : pandas.DataFrame
        Segment of each security at the start of the period (same index); None/NaN puts a
        security into ``other``.

    Returns
    -------
    pandas.DataFrame
        Long table: columns ``date``, ``segment``, ``wp``, ``wb``, ``rp``, ``rb``,
        ``allocation``, ``selection``, ``interaction``, ``total``.
    """
    cols = ["date", "segment", "wp", "wb", "rp", "rb", *EFFECTS, "total"]
    if not len(wp):
        return pd.DataFrame(columns=cols)
    dates = wp.index
    codes = wp.columns.union(wb.columns)
    W = wp.reindex(index=dates, columns=codes).fillna(0.0).to_numpy(dtype=np.float64)
    B = wb.reindex(index=dates, columns=codes).fillna(0.0).to_numpy(dtype=np.float64)
    B = np.where(B > 0, B, 0.0)
    bsum = B.sum(axis=1, keepdims=True)
    B = np.divide(B, bsum, out=np.zeros_like(B), where=bsum > 0)
    # a security without a bar that day (suspended / not listed) returns 0
    R = np.nan_to_num(returns.reindex(index=dates, columns=codes).to_numpy(dtype=np.float64), nan=0.0)
    ind = industry.reindex(index=dates, columns=codes)
    G, labels = pd.factorize(ind.where(ind.notna(), "other").astype(str).to_numpy().ravel())
    G = G.reshape(W.shape)
    labels = [str(x) for x in labels] + ["cash"]
    n, m = len(dates), len(labels)
    wps, wbs, pr, br = (np.zeros((n, m)) for _ in range(4))
    for k in range(m - 1):
        M = G == k
        wps[:, k] = (W * M).sum(axis=1)
        pr[:, k] = (W * R * M).sum(axis=1)
        wbs[:, k] = (B * M).sum(axis=1)
        br[:, k] = (B * R * M).sum(axis=1)
    wps[:, -1] = 1.0 - W.sum(axis=1)
    wps[np.abs(wps) < 1e-12] = 0.0
    rb_total = br.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        rbs = np.where(wbs > 0, br / np.where(wbs > 0, wbs, 1.0), rb_total)
        rps = np.where(wps != 0, pr / np.where(wps != 0, wps, 1.0), rbs)
    rps[:, -1] = np.where(wps[:, -1] != 0, 0.0, rbs[:, -1])
    alloc = (wps - wbs) * (rbs - rb_total)
    sel = wbs * (rps - rbs)
    inter = (wps - wbs) * (rps - rbs)
    keep = (wps != 0) | (wbs > 0)
    ti, si = np.nonzero(keep)
    out = pd.DataFrame({"date": dates[ti], "segment": np.asarray(labels, dtype=object)[si], "wp": wps[ti, si],
                        "wb": wbs[ti, si], "rp": rps[ti, si], "rb": rbs[ti, si], "allocation": alloc[ti, si],
                        "selection": sel[ti, si], "interaction": inter[ti, si]})
    out["total"] = out["allocation"] + out["selection"] + out["interaction"]
    return out.sort_values(["date", "segment"], kind="stable").reset_index(drop=True)[cols]


def summarise_brinson(long: pd.DataFrame, names: dict[str, str] | None = None) -> dict[str, Any]:
    """Daily totals and Carino-linked cumulative effects of :func:`brinson_over_time`'s table.

    Returns
    -------
    dict
        ``daily``: {``date``, ``portfolio``, ``benchmark``, ``allocation``, ``selection``,
        ``interaction``, ``active``} lists (one entry per period); ``monthly``: list of
        {``month``, effects Carino-linked within the month, ``portfolio``, ``benchmark``,
        ``active`` (geometric)}; ``by_industry``: list of
        {``segment``, ``name``, ``allocation``, ``selection``, ``interaction``, ``total``,
        ``avg_wp``, ``avg_wb``} (linked, sorted by |total|); ``total``: linked sums plus
        ``portfolio`` / ``benchmark`` / ``active`` cumulative returns.
    """
    names = names or {}
    g = long.assign(_p=long["wp"] * long["rp"], _b=long["wb"] * long["rb"]).groupby("date", sort=True)
    port, bench = g["_p"].sum(), g["_b"].sum()
    eff = g[list(EFFECTS)].sum()
    k = pd.Series(carino_factors(port.to_numpy(), bench.to_numpy()), index=port.index)
    linked = long.assign(_k=long["date"].map(k))
    by = {}
    for e in (*EFFECTS, "total"):
        by[e] = (linked[e] * linked["_k"]).groupby(linked["segment"]).sum()
    tab = pd.DataFrame(by)
    tab["avg_wp"] = long.groupby("segment")["wp"].sum() / len(port)
    tab["avg_wb"] = long.groupby("segment")["wb"].sum() / len(port)
    tab = tab.reindex(tab["total"].abs().sort_values(ascending=False).index)
    by_industry = [{"segment": s, "name": names.get(s, s), **{c: float(v) for c, v in r.items()}}
                   for s, r in tab.iterrows()]
    cum_p, cum_b = float(np.prod(1 + port) - 1), float(np.prod(1 + bench) - 1)
    total = {e: float(tab[e].sum()) for e in EFFECTS}
    total.update(portfolio=cum_p, benchmark=cum_b, active=cum_p - cum_b)
    daily = {"date": [str(pd.Timestamp(d).date()) for d in port.index], "portfolio": port.tolist(),
             "benchmark": bench.tolist(), **{e: eff[e].tolist() for e in EFFECTS},
             "active": (port - bench).tolist()}
    monthly = []
    months = pd.DatetimeIndex(port.index).to_period("M")
    for m in pd.unique(months):
        sel = months == m
        km = carino_factors(port.to_numpy()[sel], bench.to_numpy()[sel])
        rp_m, rb_m = float(np.prod(1 + port[sel]) - 1), float(np.prod(1 + bench[sel]) - 1)
        monthly.append({"month": str(m), **{e: float((eff[e].to_numpy()[sel] * km).sum()) for e in EFFECTS},
                        "portfolio": rp_m, "benchmark": rb_m, "active": rp_m - rb_m})
    return {"daily": daily, "monthly": monthly, "by_industry": by_industry, "total": total}


# ---------------------------------------------------------------------------- from a run
def _weights_frames(positions: pd.DataFrame, daily: pd.DataFrame):
    pos = positions.copy()
    pos["date"] = pd.to_datetime(pos["date"])
    tv = pd.Series(daily["total_value"].to_numpy(), index=pd.to_datetime(daily["date"]))
    val = pos.pivot_table(index="date", columns="security", values="value", aggfunc="sum")
    val = val.reindex(tv.index)
    return val.div(tv, axis=0), tv


def run_attribution(run, daily: pd.DataFrame, positions: pd.DataFrame, style: Sequence[str] | bool = CNE5_STYLE,
                    scheme: str = "sw_l1") -> dict[str, Any]:
    """Brinson–Fachler (by ``scheme`` industry) and style exposure of a finished run.

    Parameters
    ----------
    run : jqlite.run.Run
        The run (its store, benchmark setting and binding are used).
    daily, positions : pandas.DataFrame
        The run's ``daily`` / ``positions`` tables (:func:`jqlite.results.collect`).
    style : sequence of str or bool
        Style factors of the daily exposure (True = :data:`CNE5_STYLE`; empty / False = none).

    Returns
    -------
    dict
        ``{"brinson": {...} | None, "style_exposure": {...} | None, "notes": [str]}`` (see
        :func:`summarise_brinson`, :func:`style_exposure`); ``notes`` say why a part is
        missing.
    """
    from .panels import industry_name, industry_panel, post_prices

    out: dict[str, Any] = {"brinson": None, "style_exposure": None, "notes": []}
    store = run.store
    bm = run.settings.benchmark
    if len(daily) < 2:
        out["notes"].append("attribution needs at least two trading days")
        return out
    wp, tv = _weights_frames(positions, daily)
    dates = tv.index
    held = [c for c in wp.columns if wp[c].fillna(0).abs().sum() > 0]
    bw_rows, bw_codes = {}, set()
    if isinstance(bm, str):
        from ..api.reference import index_weights_of   # get_index_weights without display names
        cache: dict = {}
        stored = store.table("index_weights")
        daily_w = len(stored) > 0 and bool((stored["index_code"] == bm).any())
        # derived weights (every sample index) change once a month (members and circulating
        # caps of the previous month's last trading day): one lookup per month is the same answer
        months = pd.Series(dates[:-1]).groupby(dates[:-1].to_period("M")).transform("first")
        for d, first in zip(dates[:-1], months):
            if not daily_w and d != first:
                bw_rows[d] = bw_rows[first]
                continue
            try:
                day, w = index_weights_of(store, bm, d.date())
            except Exception as exc:  # noqa: BLE001 - recorded, attribution is optional
                out["notes"].append(f"index weights of {bm!r} failed: {type(exc).__name__}: {exc}")
                break
            if day not in cache:
                cache[day] = w / 100.0
            bw_rows[d] = cache[day]
            bw_codes.update(cache[day].index)
    if not bw_codes:
        out["notes"].append(f"benchmark {bm!r} has no constituent weights in this store: no Brinson attribution")
    codes = sorted(set(held) | bw_codes)
    known = [c for c in codes if c in store.code_index]
    if bw_codes and known:
        px = post_prices(known, dates[0], dates[-1], store=store).reindex(dates)
        ret = (px / px.shift(1) - 1.0)
        # period t uses weights of t-1 and returns of t; label = t
        w_start = wp.reindex(columns=known).shift(1).iloc[1:].fillna(0.0)
        wb = pd.DataFrame(bw_rows).T.reindex(index=dates[:-1], columns=known).fillna(0.0)
        wb.index = dates[1:]
        ind = industry_panel(known, dates[:-1], scheme, store=store)
        ind.index = dates[1:]
        long = brinson_over_time(w_start, wb, ret.iloc[1:], ind)
        segs = [s for s in long["segment"].unique() if s not in ("cash", "other")]
        names = {s: industry_name(s, dates[-1], store=store) for s in segs}
        summ = summarise_brinson(long, names)
        nav = tv.pct_change().iloc[1:]
        summ["daily"]["trading_residual"] = (nav.to_numpy() - np.asarray(summ["daily"]["portfolio"])).tolist()
        bmc = daily.get("benchmark_close")
        if bmc is not None and pd.notna(bmc).all():
            b = pd.Series(bmc.to_numpy(), index=dates).pct_change().iloc[1:]
            summ["daily"]["benchmark_residual"] = (b.to_numpy() - np.asarray(summ["daily"]["benchmark"])).tolist()
        summ["scheme"] = scheme
        summ["benchmark"] = bm
        out["brinson"] = summ
    if style is True:
        style = CNE5_STYLE
    if style:
        try:
            bw = pd.DataFrame(bw_rows).T.reindex(index=dates[:-1]) if bw_rows else None
            out["style_exposure"] = style_exposure(wp.reindex(columns=[c for c in held if c in store.code_index]),
                                                   bw, store, factors=tuple(style))
        except Exception as exc:  # noqa: BLE001 - a factor problem must not lose the run's results
            out["notes"].append(f"style exposure not computed: {type(exc).__name__}: {exc}")
    return out


def style_exposure(wp: pd.DataFrame, wb: pd.DataFrame | None, store, factors: Sequence[str] = CNE5_STYLE
                   ) -> dict[str, Any]:
    """Daily exposure ``sum_i w_i x_i`` of the portfolio (and benchmark) to style factors.

    Parameters
    ----------
    wp : pandas.DataFrame
        End-of-day portfolio weights, index date, one column per security (stocks; others
        have no style values and count as zero exposure).
    wb : pandas.DataFrame or None
        Benchmark weights (same index or a subset), fractions.
    store : jqlite.data.store.Store
    factors : sequence of str
        jqfactor style factor names (already standardised across the market by jqfactor).

    Returns
    -------
    dict
        ``{"date": [...], "factors": [...], "portfolio": {factor: [...]}, "benchmark":
        {factor: [...]}, "active": {factor: [...]}, "mean_active": {factor: float}}``.
        Factor values dated ``t`` use data through ``t``'s close.  Securities without a
        value that day contribute 0 (their weight is reported as ``uncovered``).
    """
    from ..factors.base import load_panel
    from ..factors.cache import engine_for
    from ..factors import REGISTRY

    names = [f for f in factors if f in REGISTRY]
    dates = wp.index
    r0, r1 = store.day_index(dates[0], "left"), store.day_index(dates[-1], "right")
    panel = load_panel(store) if any(REGISTRY[n].required_fundamentals for n in names) else None
    arrays = engine_for(store).compute(names, r0, r1, panel)
    rows = store.dates[r0:r1 + 1]
    pos = rows.get_indexer(dates)
    codes = list(wp.columns)
    bcodes = list(wb.columns) if wb is not None else []
    allc = sorted(set(codes) | set(b for b in bcodes if b in store.code_index))
    colmap = {c: store.col(c) for c in allc}
    W = wp.reindex(columns=allc).fillna(0.0).to_numpy()
    B = wb.reindex(index=dates, columns=allc).ffill().fillna(0.0).to_numpy() if wb is not None else None
    out: dict[str, Any] = {"date": [str(d.date()) for d in dates], "factors": names, "portfolio": {},
                           "benchmark": {}, "active": {}, "mean_active": {}}
    cols = np.array([colmap[c] for c in allc], dtype=np.int64)
    unc = None
    for n in names:
        x = arrays[n][pos][:, cols]
        ok = np.isfinite(x)
        xp = np.where(ok, x, 0.0)
        p = (W * xp).sum(axis=1)
        if unc is None:
            unc = (np.abs(W) * ~ok).sum(axis=1)
        out["portfolio"][n] = p.tolist()
        if B is not None:
            b = (B * xp).sum(axis=1)
            out["benchmark"][n] = b.tolist()
            out["active"][n] = (p - b).tolist()
            out["mean_active"][n] = float(np.mean(p - b))
    out["uncovered"] = unc.tolist() if unc is not None else []
    return out
