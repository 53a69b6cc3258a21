"""Single-factor analysis with JoinQuant's ``jqfactor_analyzer`` interface, computed locally.

Why not the PyPI package
------------------------
``jqfactor_analyzer`` 1.1.0 (Apache-2.0, JoinQuant) was downloaded and read (Dec 2026): its
``FactorAnalyzer`` accepts price/industry/weight providers, so the design would allow a local
provider, but (a) it imports ``jqdatasdk`` (a network client with its own dependency tree) and
``fastcache`` (a C extension, last released 2019) at import time, and (b) it uses pandas APIs
removed in pandas 2.0 (``DataFrame.append``, ``Series.iteritems`` in its tables and plots), so
it does not work with this project's pandas 2.2 / numpy 2.  This module is an own
implementation of the same call signature and result attributes, written from its
documentation (no code copied):

* ``analyze_factor(factor, industry='jq_l1', quantiles=5, periods=(1, 5, 10),
  weight_method='avg', max_loss=0.25, ...)`` -> :class:`FactorAnalyzer`;
* ``ic``, ``ic_summary``, ``mean_return_by_quantile``, ``quantile_turnover``,
  ``cumulative_return_by_quantile``, ``clean_factor_data``, ``ic_by_group``, ``ic_monthly``,
  ``top_down_cumulative_returns`` and the ``calc_*`` / ``plot_*`` methods users call most.

Conventions (those of jqfactor_analyzer / alphalens)
----------------------------------------------------
* Forward return of period ``p`` on day ``t``: ``price[t+p] / price[t] - 1`` with post-adjusted
  (后复权) closes, ``t+p`` counted in trading days.  Column names ``period_1``, ``period_5`` ...
* Quantiles: per day, equal-count groups of the factor's rank (``floor((rank - 1) * q / n) + 1``,
  ties broken by order, so a day with many equal values still gets ``quantiles`` groups -- what
  ``pd.qcut`` gives on distinct values); 1 = lowest factor values.  Days with fewer than
  ``quantiles`` names are dropped.
* IC: per day, Spearman rank correlation (``method='rank'``) or Pearson (``'normal'``) of the
  factor and the forward return; ``group_adjust=True`` demeans returns within the industry
  first (industry-neutral IC).
* ``mean_return_by_quantile``: mean over days of each day's (weighted) quantile mean, converted
  to a per-day rate ``(1 + r) ** (1 / p) - 1``.
* ``quantile_turnover[period_p]``: share of a quantile's names on day ``t`` that were not in
  that quantile ``p`` days earlier.
* ``cumulative_return_by_quantile[period_p]``: for ``p > 1``, the mean of ``p`` staggered
  portfolios each rebalanced every ``p`` days, the ``p``-day return spread evenly over the
  holding days.
"""

from __future__ import annotations

from typing import Callable, Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import ParamsError


class MaxLossExceededError(ValueError):
    """More than ``max_loss`` of the factor values were dropped (NaN factor or forward return)."""


def period_col(p: int) -> str:
    """``5`` -> ``'period_5'`` (jqfactor_analyzer's column names)."""
    return f"period_{int(p)}"


def _periods(periods) -> tuple[int, ...]:
    if isinstance(periods, (int, np.integer)):
        periods = (int(periods),)
    ps = tuple(sorted({int(p) for p in periods}))
    if not ps or min(ps) < 1:
        raise ParamsError(f"periods must be positive integers, got {periods!r}")
    return ps


def _to_long(factor) -> pd.Series:
    if isinstance(factor, pd.DataFrame):
        f = factor.copy()
        f.index = pd.DatetimeIndex(pd.to_datetime(f.index))
        s = f.stack(future_stack=True)
    elif isinstance(factor, pd.Series) and isinstance(factor.index, pd.MultiIndex):
        s = factor.copy()
        s.index = pd.MultiIndex.from_arrays([pd.to_datetime(s.index.get_level_values(0)),
                                             s.index.get_level_values(1)])
    else:
        raise ParamsError("factor must be a DataFrame (index dates, columns securities) or a Series "
                          "indexed by (date, security)")
    s.index = s.index.set_names(["date", "asset"])
    return s.astype(np.float64).sort_index()


def _wide(obj, dates: pd.DatetimeIndex, assets: pd.Index, what: str) -> pd.DataFrame | None:
    """A groupby / weights argument as a date x asset frame (None for 'no groups')."""
    if obj is None:
        return None
    if isinstance(obj, dict):
        row = pd.Series(obj).reindex(assets)
        return pd.DataFrame(np.tile(row.to_numpy(dtype=object), (len(dates), 1)), index=dates, columns=assets)
    if isinstance(obj, pd.Series) and isinstance(obj.index, pd.MultiIndex):
        obj = obj.unstack()
    if isinstance(obj, pd.Series):   # static, indexed by asset
        return _wide(obj.to_dict(), dates, assets, what)
    if isinstance(obj, pd.DataFrame):
        o = obj.copy()
        o.index = pd.DatetimeIndex(pd.to_datetime(o.index))
        return o.reindex(index=dates, columns=assets)
    if np.isscalar(obj):
        return pd.DataFrame(obj, index=dates, columns=assets)
    raise ParamsError(f"{what}: expected a dict, Series or DataFrame, got {type(obj).__name__}")


def _group_corr(f: pd.Series, r: pd.DataFrame, keys: list, rank: bool) -> pd.DataFrame:
    """Correlation of ``f`` with every column of ``r`` within each group of ``keys``
    (Spearman when ``rank``: Pearson of average ranks).  NaN for groups of fewer than 3
    rows or a constant side."""
    keys = [np.asarray(k) for k in keys]
    x = f.groupby(keys).rank() if rank else f
    y = r.groupby(keys).rank() if rank else r
    x = x - x.groupby(keys).transform("mean")
    y = y - y.groupby(keys).transform("mean")
    xv = x.to_numpy()[:, None]
    yv = y.to_numpy()
    parts = pd.DataFrame(np.column_stack([xv[:, 0] ** 2, yv ** 2, xv * yv]), index=r.index)
    sums = parts.groupby(keys).sum()
    cnt = pd.Series(1, index=r.index).groupby(keys).sum()
    k = r.shape[1]
    sxx = sums.iloc[:, 0].to_numpy()[:, None]
    syy = sums.iloc[:, 1:1 + k].to_numpy()
    sxy = sums.iloc[:, 1 + k:].to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        c = sxy / np.sqrt(sxx * syy)
    c[(cnt.to_numpy() < 3)] = np.nan
    c[~np.isfinite(c)] = np.nan
    return pd.DataFrame(np.clip(c, -1.0, 1.0), index=sums.index, columns=list(r.columns))


class FactorAnalyzer:
    """Single-factor analysis (jqfactor_analyzer's ``FactorAnalyzer``).

    Parameters
    ----------
    factor : pandas.DataFrame or pandas.Series
        Factor values: a frame indexed by date (DatetimeIndex) with one column per security,
        or a Series indexed by (date, security).
    prices : pandas.DataFrame or callable
        Prices (date x security, post-adjusted) covering the factor's dates plus
        ``max(periods)`` trading days after them, or
        ``prices(securities=, start_date=, end_date=, period=)`` returning that frame.
    groupby : dict, Series, DataFrame or callable, optional
        Industry of each security: ``{code: industry}``, a (date, security) Series or a
        date x security frame, or ``groupby(securities=, start_date=, end_date=)``.
    weights : float, DataFrame or callable
        Weight of each security within its quantile (1.0 = equal); a date x security frame
        or ``weights(securities, start_date=, end_date=)``.
    quantiles : int, optional
        Number of quantile groups (default 5 when ``bins`` is not given either): per day,
        equal-count groups of the factor's rank.
    bins : int or sequence of float, optional
        Instead of ``quantiles``: an int gives that many equal-width groups between the day's
        smallest and largest value; a sequence gives fixed bin edges, the same
        every day (right-closed intervals ``(e0, e1], (e1, e2], ...`` as ``pandas.cut``); values
        outside them are dropped and count towards ``max_loss``.
    zero_aware : bool
        Group negative and non-negative values separately: ``n // 2`` groups among the values
        < 0 (numbered ``1 .. n // 2``) and ``n // 2`` among the values >= 0 (``n // 2 + 1 ..
        2 * (n // 2)``), ``n`` being ``quantiles`` or ``bins`` (an int); for a signal centred on
        zero whose sign means long / short.  Not with fixed bin edges.
    periods : int or sequence of int
        Forward-return horizons in trading days.
    binning_by_group : bool
        Quantiles within each industry instead of the whole cross-section.
    max_loss : float
        Largest share of factor values that may be dropped (NaN factor or forward return).

    Raises
    ------
    ParamsError
        Bad ``factor`` shape; both ``quantiles`` and ``bins``; edges not increasing;
        ``zero_aware`` with fixed edges.
    MaxLossExceededError
        More than ``max_loss`` of the values were dropped.
    """

    def __init__(self, factor, prices, groupby=None, weights=1.0, quantiles=None, bins=None,
                 periods=(1, 5, 10), binning_by_group=False, max_loss=0.25, zero_aware=False):
        if quantiles is not None and bins is not None:
            raise ParamsError("FactorAnalyzer: give either quantiles or bins, not both")
        self._bins = None
        if bins is not None:
            if np.ndim(bins) == 0:
                self._bins = int(bins)
                if self._bins < 1:
                    raise ParamsError(f"FactorAnalyzer: bins must be >= 1, got {bins!r}")
            else:
                edges = np.asarray(bins, dtype=np.float64)
                if edges.ndim != 1 or len(edges) < 2 or not (np.diff(edges) > 0).all():
                    raise ParamsError(f"FactorAnalyzer: bins edges must increase strictly, got {list(bins)!r}")
                if zero_aware:
                    raise ParamsError("FactorAnalyzer: zero_aware needs quantiles or a number of bins, "
                                      "not fixed bin edges (the edges already say where zero is)")
                self._bins = edges
        n_groups = (len(self._bins) - 1 if isinstance(self._bins, np.ndarray)
                    else self._bins if self._bins is not None else int(quantiles or 5))
        if zero_aware:
            if n_groups < 2:
                raise ParamsError("FactorAnalyzer: zero_aware needs at least 2 quantiles / bins")
            n_groups = 2 * (n_groups // 2)
        self.factor = factor
        self.prices, self.groupby, self.weights = prices, groupby, weights
        self._quantiles = n_groups
        self._periods = _periods(periods)
        self._binning_by_group = bool(binning_by_group)
        self._max_loss = float(max_loss)
        self._zero_aware = zero_aware
        self._cache: dict = {}
        self._prepare()

    # ------------------------------------------------------------------ preparation
    def _prepare(self) -> None:
        long = _to_long(self.factor)
        dates = pd.DatetimeIndex(long.index.get_level_values(0).unique()).sort_values()
        assets = pd.Index(long.index.get_level_values(1).unique(), dtype=object)
        start, end = dates[0], dates[-1]
        pmax = max(self._periods)
        prices = (self.prices(securities=list(assets), start_date=start, end_date=end, period=pmax)
                  if callable(self.prices) else self.prices)
        prices = prices.copy()
        prices.index = pd.DatetimeIndex(pd.to_datetime(prices.index))
        prices = prices.loc[~prices.index.duplicated()].sort_index().reindex(columns=assets)
        self._prices = prices
        groupby = (self.groupby(securities=list(assets), start_date=start, end_date=end)
                   if callable(self.groupby) else self.groupby)
        weights = (self.weights(list(assets), start_date=start, end_date=end)
                   if callable(self.weights) else self.weights)
        self._groupby, self._weights = groupby, weights

        fwide = long.unstack().reindex(index=dates, columns=assets)
        px = prices.to_numpy(dtype=np.float64)
        pos = prices.index.get_indexer(dates)
        if (pos < 0).any():
            missing = dates[pos < 0][:3]
            raise ParamsError(f"prices have no row for factor dates {[str(d.date()) for d in missing]}")
        cols = {}
        with np.errstate(invalid="ignore", divide="ignore"):
            for p in self._periods:
                nxt = pos + p
                fw = np.full((len(dates), len(assets)), np.nan)
                ok = nxt < len(px)
                fw[ok] = px[nxt[ok]] / px[pos[ok]] - 1.0
                cols[period_col(p)] = fw.ravel()
        n_in = int(np.isfinite(fwide.to_numpy()).sum())
        data = pd.DataFrame(cols, index=pd.MultiIndex.from_product([dates, assets], names=["date", "asset"]))
        data["factor"] = fwide.to_numpy().ravel()
        g = _wide(groupby, dates, assets, "groupby")
        if g is not None:
            data["group"] = g.to_numpy().ravel()
        w = _wide(weights, dates, assets, "weights")
        data["weights"] = w.to_numpy(dtype=np.float64).ravel()
        keep = np.isfinite(data["factor"].to_numpy())
        for p in self._periods:
            keep &= np.isfinite(data[period_col(p)].to_numpy())
        if g is not None:
            keep &= data["group"].notna().to_numpy()
        data = data[keep]
        loss = 1.0 - len(data) / max(n_in, 1)
        if n_in and loss > self._max_loss:
            raise MaxLossExceededError(
                f"{loss:.1%} of the factor values were dropped (NaN factor, forward return, or group), "
                f"more than max_loss={self._max_loss:.0%}; the last {max(self._periods)} days need prices "
                f"after the factor's end date")
        self._loss = loss
        keys = [data.index.get_level_values("date")]
        if self._binning_by_group and "group" in data:
            keys.append(data["group"].to_numpy())
        data["factor_quantile"] = self._bucket(data["factor"], keys)
        data = data[data["factor_quantile"].notna()].copy()
        if isinstance(self._bins, np.ndarray):           # values outside fixed edges are lost too
            loss = 1.0 - len(data) / max(n_in, 1)
            if n_in and loss > self._max_loss:
                raise MaxLossExceededError(
                    f"{loss:.1%} of the factor values were dropped (NaN, or outside the bins edges "
                    f"{list(self._bins)}), more than max_loss={self._max_loss:.0%}")
            self._loss = loss
        data["factor_quantile"] = data["factor_quantile"].astype(int)
        self._clean_factor_data = data

    def _bucket(self, factor: pd.Series, keys: list) -> np.ndarray:
        """Group number (1..n, float; NaN = dropped) of each factor value (see the class doc)."""
        f = factor.to_numpy(dtype=np.float64)
        out = np.full(len(f), np.nan)
        if isinstance(self._bins, np.ndarray):          # fixed edges, the same every day
            e = self._bins
            k = np.searchsorted(e, f, side="left")      # e[k-1] < f <= e[k], as pandas.cut
            ok = (k >= 1) & (k <= len(e) - 1)
            out[ok] = k[ok]
            return out
        sides = [(np.ones(len(f), dtype=bool), self._quantiles, 0)]
        if self._zero_aware:
            half = self._quantiles // 2
            sides = [(f < 0, half, 0), (f >= 0, half, half)]
        for mask, n_b, offset in sides:
            idx = np.flatnonzero(mask)
            if not len(idx):
                continue
            sub = pd.Series(f[idx], index=factor.index[idx])
            g = sub.groupby([np.asarray(k)[idx] for k in keys])
            if self._bins is None:                      # equal-count quantiles of the rank
                rank = g.rank(method="first").to_numpy()
                n = g.transform("size").to_numpy()
                q = np.floor((rank - 1.0) * n_b / n) + 1.0
                q = np.where(n >= n_b, q, np.nan)
            else:                                       # equal-width bins of the day's range
                lo = g.transform("min").to_numpy()
                hi = g.transform("max").to_numpy()
                width = (hi - lo) / n_b
                with np.errstate(invalid="ignore", divide="ignore"):
                    q = np.where(width > 0, np.ceil((sub.to_numpy() - lo) / width), 1.0)
                q = np.clip(q, 1.0, n_b)                # the day's minimum goes to bin 1
            out[idx] = q + offset
        return out

    # ------------------------------------------------------------------ basic accessors
    @property
    def clean_factor_data(self) -> pd.DataFrame:
        """Long table indexed by (date, asset): ``period_*`` forward returns, ``factor``,
        ``group`` (when industries were given), ``weights``, ``factor_quantile`` (1..q)."""
        return self._clean_factor_data

    @property
    def periods(self) -> tuple[int, ...]:
        return self._periods

    def _fwd(self, group_adjust: bool = False, demeaned: bool = False) -> pd.DataFrame:
        key = ("fwd", group_adjust, demeaned)
        if key not in self._cache:
            d = self._clean_factor_data
            cols = [period_col(p) for p in self._periods]
            r = d[cols]
            if group_adjust and "group" in d:
                r = r - r.groupby([d.index.get_level_values("date"), d["group"]]).transform("mean")
            elif demeaned or group_adjust:
                r = r - r.groupby(level="date").transform("mean")
            self._cache[key] = r
        return self._cache[key]

    # ------------------------------------------------------------------ IC
    def calc_factor_information_coefficient(self, group_adjust: bool = False, by_group: bool = False,
                                            method: str | None = None) -> pd.DataFrame:
        """Daily IC of the factor against each forward return.

        Parameters
        ----------
        group_adjust : bool
            Demean the returns within the industry first (industry-neutral IC).
        by_group : bool
            One IC per (date, group) instead of per date.
        method : {'rank', 'normal'}, optional
            Spearman rank IC (default) or Pearson IC.

        Returns
        -------
        pandas.DataFrame
            Index date (or (date, group)), columns ``period_*``, float in [-1, 1]; NaN on days
            with fewer than 3 names or a constant factor.
        """
        method = method or "rank"
        if method not in ("rank", "normal"):
            raise ParamsError(f"method must be 'rank' or 'normal', got {method!r}")
        key = ("ic", group_adjust, by_group, method)
        if key in self._cache:
            return self._cache[key]
        d = self._clean_factor_data
        r = self._fwd(group_adjust=group_adjust)
        keys = [d.index.get_level_values("date")]
        if by_group:
            if "group" not in d:
                raise ParamsError("by_group=True needs industries (groupby)")
            keys.append(d["group"].to_numpy())
        out = _group_corr(d["factor"], r, keys, rank=(method == "rank"))
        if by_group:
            out.index = out.index.set_names(["date", "group"])
        else:
            out.index = pd.DatetimeIndex(out.index, name="date")
        self._cache[key] = out
        return out

    @property
    def ic(self) -> pd.DataFrame:
        """Daily rank IC: index date, columns ``period_*``."""
        return self.calc_factor_information_coefficient()

    @property
    def ic_by_group(self) -> pd.DataFrame:
        """Mean rank IC per industry: index group, columns ``period_*``."""
        return self.calc_factor_information_coefficient(by_group=True).groupby(level="group").mean()

    @property
    def ic_monthly(self) -> pd.DataFrame:
        """Mean rank IC per month: index ``'YYYY-MM'``, columns ``period_*``."""
        ic = self.ic
        out = ic.groupby(ic.index.to_period("M")).mean()
        out.index = out.index.strftime("%Y-%m")
        return out

    def calc_ic_summary(self, group_adjust: bool = False, method: str | None = None) -> pd.DataFrame:
        """IC statistics (jqfactor_analyzer's information table).

        Returns
        -------
        pandas.DataFrame
            Index ``period_*``; columns ``IC Mean``, ``IC Std.``, ``IR`` (mean / std),
            ``t-stat(IC)``, ``p-value(IC)`` (two-sided, H0: mean IC = 0), ``IC Skew``,
            ``IC Kurtosis``, ``IC > 0 Rate``, ``Days``.
        """
        ic = self.calc_factor_information_coefficient(group_adjust=group_adjust, method=method)
        rows = {}
        for c in ic.columns:
            x = ic[c].dropna().to_numpy()
            n = len(x)
            mean = x.mean() if n else np.nan
            sd = x.std(ddof=1) if n > 1 else np.nan
            t = mean / (sd / np.sqrt(n)) if n > 1 and sd > 0 else np.nan
            rows[c] = {"IC Mean": mean, "IC Std.": sd, "IR": mean / sd if sd and sd > 0 else np.nan,
                       "t-stat(IC)": t, "p-value(IC)": 2 * stats.t.sf(abs(t), n - 1) if np.isfinite(t) else np.nan,
                       "IC Skew": stats.skew(x) if n > 2 else np.nan,
                       "IC Kurtosis": stats.kurtosis(x) if n > 3 else np.nan,
                       "IC > 0 Rate": float((x > 0).mean()) if n else np.nan, "Days": n}
        return pd.DataFrame(rows).T

    @property
    def ic_summary(self) -> pd.DataFrame:
        """:meth:`calc_ic_summary` of the rank IC."""
        return self.calc_ic_summary()

    # ------------------------------------------------------------------ quantile returns
    def calc_mean_return_by_quantile(self, by_date: bool = False, by_group: bool = False,
                                     demeaned: bool = False, group_adjust: bool = False):
        """Mean forward return of each quantile (raw ``p``-day returns, not per-day rates).

        Returns
        -------
        (pandas.DataFrame, pandas.DataFrame)
            Means and standard errors.  Index ``factor_quantile`` (plus ``date`` when
            ``by_date``, plus ``group`` when ``by_group``); columns ``period_*``.
        """
        key = ("mrq", by_date, by_group, demeaned, group_adjust)
        if key in self._cache:
            return self._cache[key]
        d = self._clean_factor_data
        r = self._fwd(group_adjust=group_adjust, demeaned=demeaned)
        w = d["weights"].to_numpy()
        keys = {"factor_quantile": d["factor_quantile"].to_numpy(),
                "date": d.index.get_level_values("date")}
        if by_group:
            if "group" not in d:
                raise ParamsError("by_group=True needs industries (groupby)")
            keys["group"] = d["group"].to_numpy()
        wr = r.mul(w, axis=0)
        g_keys = list(keys.values())
        num = wr.groupby(g_keys).sum()
        den = pd.Series(w, index=r.index).groupby(g_keys).sum()
        daily = num.div(den, axis=0)
        daily.index = daily.index.set_names(list(keys))
        if by_date:
            cnt = r.groupby(g_keys).count()
            std = r.groupby(g_keys).std() / np.sqrt(cnt)
            std.index = daily.index
            res = (daily, std)
        else:
            lv = ["factor_quantile"] + (["group"] if by_group else [])
            g = daily.groupby(level=lv)
            res = (g.mean(), g.std() / np.sqrt(g.count()))
        self._cache[key] = res
        return res

    @staticmethod
    def _rate(df: pd.DataFrame) -> pd.DataFrame:
        out = df.copy()
        for c in out.columns:
            p = int(str(c).split("_")[1])
            out[c] = (1.0 + out[c]) ** (1.0 / p) - 1.0
        return out

    @property
    def mean_return_by_quantile(self) -> pd.DataFrame:
        """Mean return of each quantile as a per-day rate: index ``factor_quantile`` (1..q),
        columns ``period_*``."""
        return self._rate(self.calc_mean_return_by_quantile()[0])

    @property
    def mean_return_std_by_quantile(self) -> pd.DataFrame:
        """Standard error of :attr:`mean_return_by_quantile`, per-day (divided by sqrt(p))."""
        s = self.calc_mean_return_by_quantile()[1].copy()
        for c in s.columns:
            s[c] = s[c] / np.sqrt(int(c.split("_")[1]))
        return s

    @property
    def mean_return_by_date(self) -> pd.DataFrame:
        """Per-day rate of each (quantile, date) mean return."""
        return self._rate(self.calc_mean_return_by_quantile(by_date=True)[0])

    @property
    def mean_return_by_group(self) -> pd.DataFrame:
        """Per-day rate of each (quantile, group) mean demeaned return."""
        return self._rate(self.calc_mean_return_by_quantile(by_group=True, demeaned=True)[0])

    def compute_mean_returns_spread(self, upper_quant: int | None = None, lower_quant: int | None = None,
                                    by_date: bool = True, by_group: bool = False, demeaned: bool = False,
                                    group_adjust: bool = False):
        """Top-minus-bottom quantile return (per-day rate): ``(spread, std)``; indexed by date
        when ``by_date``."""
        up = upper_quant or self._quantiles
        lo = lower_quant or 1
        m, s = self.calc_mean_return_by_quantile(by_date=by_date, by_group=by_group, demeaned=demeaned,
                                                 group_adjust=group_adjust)
        m = self._rate(m)
        spread = m.xs(up, level="factor_quantile") - m.xs(lo, level="factor_quantile")
        std = np.sqrt(s.xs(up, level="factor_quantile") ** 2 + s.xs(lo, level="factor_quantile") ** 2)
        return spread, std

    @property
    def mean_return_spread_by_quantile(self) -> pd.DataFrame:
        return self.compute_mean_returns_spread()[0]

    # ------------------------------------------------------------------ cumulative returns
    @staticmethod
    def _cumulative(returns: pd.Series, period: int) -> pd.Series:
        r = returns.fillna(0.0).to_numpy()
        if period == 1:
            return pd.Series(np.cumprod(1.0 + r), index=returns.index)
        n = len(r)
        daily = (1.0 + r) ** (1.0 / period) - 1.0
        curves = np.empty((period, n))
        for k in range(period):
            # sub-portfolio k rebalances on days k, k+p, ...; before day k it holds cash
            d = np.zeros(n)
            for t0 in range(k, n, period):
                d[t0:t0 + period] = daily[t0]
            curves[k] = np.cumprod(1.0 + d)
        return pd.Series(curves.mean(axis=0), index=returns.index)

    def calc_cumulative_return_by_quantile(self, period: int | None = None, demeaned: bool = False,
                                           group_adjust: bool = False) -> pd.DataFrame:
        """Cumulative net value (starts near 1) of each quantile for ``period``: index date,
        columns quantile."""
        p = int(period or self._periods[0])
        m = self.calc_mean_return_by_quantile(by_date=True, demeaned=demeaned, group_adjust=group_adjust)[0]
        wide = m[period_col(p)].unstack("factor_quantile")
        return wide.apply(lambda s: self._cumulative(s, p))

    @property
    def cumulative_return_by_quantile(self) -> dict[str, pd.DataFrame]:
        """``{'period_p': date x quantile cumulative net value}``."""
        return {period_col(p): self.calc_cumulative_return_by_quantile(p) for p in self._periods}

    def calc_top_down_cumulative_returns(self, period: int | None = None, demeaned: bool = False,
                                         group_adjust: bool = False) -> pd.Series:
        """Cumulative net value of long top quantile / short bottom quantile."""
        p = int(period or self._periods[0])
        m = self.calc_mean_return_by_quantile(by_date=True, demeaned=demeaned, group_adjust=group_adjust)[0]
        wide = m[period_col(p)].unstack("factor_quantile")
        return self._cumulative(wide[self._quantiles] - wide[1], p)

    @property
    def top_down_cumulative_returns(self) -> pd.DataFrame:
        return pd.DataFrame({period_col(p): self.calc_top_down_cumulative_returns(p) for p in self._periods})

    # ------------------------------------------------------------------ factor-weighted and event returns
    def calc_factor_returns(self, demeaned: bool = True, group_adjust: bool = False) -> pd.DataFrame:
        """Daily return of the portfolio weighted by the factor value (long-short when demeaned).

        Weights per day: the factor (minus its daily mean when ``demeaned``, minus its daily
        industry mean when ``group_adjust``) divided by the sum of its absolute values, so the
        gross exposure is 1; return = sum of weight x forward return.

        Returns
        -------
        pandas.DataFrame
            Index date, columns ``period_*``: the ``p``-day return of the day's portfolio
            (not a per-day rate).
        """
        key = ("fr", demeaned, group_adjust)
        if key in self._cache:
            return self._cache[key]
        d = self._clean_factor_data
        f = d["factor"]
        dates = d.index.get_level_values("date")
        if group_adjust:
            if "group" not in d:
                raise ParamsError("group_adjust=True needs industries (groupby)")
            f = f - f.groupby([dates, d["group"]]).transform("mean")
        elif demeaned:
            f = f - f.groupby(dates).transform("mean")
        w = f / f.abs().groupby(dates).transform("sum")
        r = d[[period_col(p) for p in self._periods]].mul(w, axis=0)
        out = r.groupby(dates).sum()
        out.index.name = "date"
        self._cache[key] = out
        return out

    def calc_cumulative_returns(self, period: int = 1, demeaned: bool = False,
                                group_adjust: bool = False) -> pd.Series:
        """Cumulative net value of :meth:`calc_factor_returns` for rebalancing every ``period`` days.

        For ``period > 1``: the mean of ``period`` staggered portfolios, each rebalanced every
        ``period`` days, each ``period``-day return spread evenly over its holding days (the
        convention of :meth:`calc_cumulative_return_by_quantile`).
        """
        p = int(period)
        if p not in self._periods:
            raise ParamsError(f"period {p} is not one of the analysed periods {list(self._periods)}")
        r = self.calc_factor_returns(demeaned=demeaned, group_adjust=group_adjust)[period_col(p)]
        return self._cumulative(r, p)

    def calc_average_cumulative_return_by_quantile(self, periods_before: int = 5, periods_after: int = 15,
                                                   demeaned: bool = False, group_adjust: bool = False
                                                   ) -> pd.DataFrame:
        """Event study: mean cumulative return of each quantile's names around the day they are in it.

        For every day ``t`` and security in quantile ``q`` on ``t``, the path
        ``price[t + k] / price[t] - 1`` for ``k = -periods_before .. periods_after`` trading days
        (0 at ``k = 0``); ``demeaned`` subtracts the day's weighted mean path of all names,
        ``group_adjust`` the day's weighted mean path of the name's industry.  Paths are averaged
        within (day, quantile) with the ``weights``, then over days.  Offsets outside the prices
        given (before the first, after the last price row) are left out (NaN).

        Returns
        -------
        pandas.DataFrame
            Index (``factor_quantile``, ``'mean'`` / ``'std'``) -- the mean over days and its
            standard deviation across days; columns the offsets ``-periods_before ..
            periods_after`` (int).
        """
        before, after = int(periods_before), int(periods_after)
        if before < 0 or after < 0:
            raise ParamsError("periods_before / periods_after must be >= 0")
        key = ("acr", before, after, demeaned, group_adjust)
        if key in self._cache:
            return self._cache[key]
        d = self._clean_factor_data
        px = self._prices.to_numpy(dtype=np.float64)
        dates = d.index.get_level_values("date")
        rows = self._prices.index.get_indexer(dates)
        cols = self._prices.columns.get_indexer(d.index.get_level_values("asset"))
        offsets = list(range(-before, after + 1))
        base = px[rows, cols]
        paths = np.full((len(d), len(offsets)), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            for j, k in enumerate(offsets):
                r = rows + k
                ok = (r >= 0) & (r < len(px))
                paths[ok, j] = px[r[ok], cols[ok]] / base[ok] - 1.0
        paths = pd.DataFrame(paths, index=d.index, columns=offsets)
        w = d["weights"].to_numpy()
        wmask = paths.notna().mul(w, axis=0)

        def wmean(keys):
            return (paths.fillna(0.0).mul(w, axis=0).groupby(keys).transform("sum")
                    / wmask.groupby(keys).transform("sum"))
        if group_adjust:
            if "group" not in d:
                raise ParamsError("group_adjust=True needs industries (groupby)")
            paths = paths - wmean([dates, d["group"].to_numpy()])
        elif demeaned:
            paths = paths - wmean([dates])
        keys = [dates, d["factor_quantile"].to_numpy()]
        num = paths.fillna(0.0).mul(w, axis=0).groupby(keys).sum()
        den = paths.notna().mul(w, axis=0).groupby(keys).sum()
        daily = num / den.where(den > 0)
        daily.index = daily.index.set_names(["date", "factor_quantile"])
        g = daily.groupby(level="factor_quantile")
        out = pd.concat({"mean": g.mean(), "std": g.std()}, names=["stat"]).reorder_levels(
            ["factor_quantile", "stat"]).sort_index()
        out.index = out.index.set_names(["factor_quantile", None])
        self._cache[key] = out
        return out

    # ------------------------------------------------------------------ turnover / autocorrelation
    def _quantile_sets(self):
        if "qsets" not in self._cache:
            q = self._clean_factor_data["factor_quantile"]
            dates = pd.DatetimeIndex(q.index.get_level_values("date").unique())
            assets = q.index.get_level_values("asset")
            mat = q.unstack().reindex(index=dates)
            self._cache["qsets"] = (dates, mat)
            del assets
        return self._cache["qsets"]

    def calc_quantile_turnover(self, period: int = 1) -> pd.DataFrame:
        """Share of each quantile's names on a day that were not in it ``period`` days
        earlier: index date (first ``period`` days dropped), columns quantile 1..q."""
        dates, mat = self._quantile_sets()
        m = mat.to_numpy()
        out = {}
        for qq in range(1, self._quantiles + 1):
            now = m == qq
            prev = np.zeros_like(now)
            prev[period:] = now[:-period] if period < len(now) else prev[period:]
            n_now = now.sum(axis=1)
            new = (now & ~prev).sum(axis=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                v = np.where(n_now > 0, new / n_now, np.nan)
            out[qq] = v
        df = pd.DataFrame(out, index=dates)
        return df.iloc[period:]

    @property
    def quantile_turnover(self) -> dict[str, pd.DataFrame]:
        """``{'period_p': date x quantile turnover}``."""
        return {period_col(p): self.calc_quantile_turnover(p) for p in self._periods}

    def calc_autocorrelation(self, rank: bool = True) -> pd.DataFrame:
        """Factor rank autocorrelation between day ``t`` and ``t - p`` for every period."""
        f = self._clean_factor_data["factor"].unstack()
        if rank:
            f = f.rank(axis=1)
        out = {}
        for p in self._periods:
            prev = f.shift(p)
            out[period_col(p)] = f.corrwith(prev, axis=1)
        return pd.DataFrame(out)

    # ------------------------------------------------------------------ plots (matplotlib)
    def _plt(self):
        import matplotlib
        import matplotlib.pyplot as plt
        del matplotlib
        return plt

    def plot_ic_ts(self, group_adjust: bool = False, method: str | None = None):
        """Daily IC with its 22-day mean, one panel per period; returns the matplotlib axes."""
        plt = self._plt()
        ic = self.calc_factor_information_coefficient(group_adjust=group_adjust, method=method)
        fig, axes = plt.subplots(len(ic.columns), 1, figsize=(14, 3.2 * len(ic.columns)), squeeze=False)
        for ax, c in zip(axes[:, 0], ic.columns):
            ic[c].plot(ax=ax, lw=0.7, alpha=0.7, label="IC")
            ic[c].rolling(22).mean().plot(ax=ax, lw=2, label="1 month mean")
            ax.axhline(0, color="k", lw=0.6)
            ax.set_title(f"{c} IC: mean {ic[c].mean():.3f}, std {ic[c].std():.3f}")
            ax.legend()
        return axes[:, 0]

    def plot_ic_hist(self, group_adjust: bool = False, method: str | None = None):
        """Histogram of the daily IC per period; returns the axes."""
        plt = self._plt()
        ic = self.calc_factor_information_coefficient(group_adjust=group_adjust, method=method)
        fig, axes = plt.subplots(1, len(ic.columns), figsize=(5 * len(ic.columns), 4), squeeze=False)
        for ax, c in zip(axes[0], ic.columns):
            ax.hist(ic[c].dropna(), bins=30)
            ax.axvline(ic[c].mean(), color="r", ls="--")
            ax.set_title(f"{c} IC")
        return axes[0]

    def plot_quantile_returns_bar(self, by_group: bool = False, demeaned: bool = False,
                                  group_adjust: bool = False):
        """Bar chart of :attr:`mean_return_by_quantile` (in basis points per day)."""
        plt = self._plt()
        fig, ax = plt.subplots(figsize=(10, 4))
        (self.mean_return_by_quantile * 1e4).plot.bar(ax=ax)
        ax.set_ylabel("mean return (bps / day)")
        return ax

    def plot_cumulative_returns_by_quantile(self, period: int | None = None, demeaned: bool = False,
                                            group_adjust: bool = False):
        """Cumulative net value of each quantile for ``period``."""
        plt = self._plt()
        fig, ax = plt.subplots(figsize=(14, 4))
        self.calc_cumulative_return_by_quantile(period, demeaned, group_adjust).plot(ax=ax, cmap="RdYlGn")
        ax.axhline(1.0, color="k", lw=0.6)
        return ax

    def plot_top_bottom_quantile_turnover(self, periods: Iterable[int] | None = None):
        """Turnover of the top and bottom quantiles."""
        plt = self._plt()
        ps = list(periods or self._periods)
        fig, axes = plt.subplots(len(ps), 1, figsize=(14, 3 * len(ps)), squeeze=False)
        for ax, p in zip(axes[:, 0], ps):
            t = self.calc_quantile_turnover(p)
            t[[1, self._quantiles]].plot(ax=ax)
            ax.set_title(f"period_{p} turnover")
        return axes[:, 0]

    def plot_quantile_average_cumulative_return(self, periods_before: int = 5, periods_after: int = 10,
                                                by_quantile: bool = False, std_bar: bool = False,
                                                demeaned: bool = False, group_adjust: bool = False):
        """Plot :meth:`calc_average_cumulative_return_by_quantile` (one line per quantile, or one
        panel per quantile when ``by_quantile``; +- one standard deviation when ``std_bar``)."""
        plt = self._plt()
        t = self.calc_average_cumulative_return_by_quantile(periods_before, periods_after, demeaned, group_adjust)
        qs = list(t.index.get_level_values(0).unique())
        if by_quantile:
            fig, axes = plt.subplots(len(qs), 1, figsize=(12, 3 * len(qs)), sharex=True, squeeze=False)
            axes = axes[:, 0]
        else:
            fig, ax = plt.subplots(figsize=(12, 5))
            axes = [ax] * len(qs)
        for ax, q in zip(axes, qs):
            m, sd = t.loc[(q, "mean")], t.loc[(q, "std")]
            if std_bar:
                ax.errorbar(m.index, m.values, yerr=sd.values, label=f"quantile {q}", capsize=2)
            else:
                ax.plot(m.index, m.values, label=f"quantile {q}")
            ax.axvline(0, color="grey", lw=0.8)
            ax.legend(loc="best")
        axes[-1].set_xlabel("trading days from the factor date")
        fig.suptitle("average cumulative return by quantile")
        return fig

    def plot_events_distribution(self, num_days: int = 5):
        """Bar chart of the number of valid factor values per ``num_days``-day window."""
        plt = self._plt()
        d = self._clean_factor_data
        n = d.groupby(level="date").size()
        n = n.groupby(np.arange(len(n)) // int(num_days)).sum()
        n.index = d.index.get_level_values("date").unique()[::int(num_days)][:len(n)]
        fig, ax = plt.subplots(figsize=(12, 4))
        ax.bar(range(len(n)), n.values)
        ax.set_title(f"valid factor values per {int(num_days)} days")
        ticks = np.linspace(0, len(n) - 1, min(len(n), 8)).astype(int)
        ax.set_xticks(ticks)
        ax.set_xticklabels([str(n.index[i].date()) for i in ticks], rotation=30)
        return fig

    def create_event_returns_tear_sheet(self, avgretplot=(5, 15), demeaned: bool = False,
                                        group_adjust: bool = False, std_bar: bool = False):
        """The event-study figures: average cumulative return by quantile (all in one, then
        per quantile) and the distribution of valid factor values."""
        before, after = avgretplot
        self.plot_quantile_average_cumulative_return(before, after, by_quantile=False, std_bar=False,
                                                     demeaned=demeaned, group_adjust=group_adjust)
        if std_bar:
            self.plot_quantile_average_cumulative_return(before, after, by_quantile=True, std_bar=True,
                                                         demeaned=demeaned, group_adjust=group_adjust)
        self.plot_events_distribution(num_days=5)

    def plot_information_table(self, group_adjust: bool = False, method: str | None = None):
        """Print and return :meth:`calc_ic_summary`."""
        t = self.calc_ic_summary(group_adjust=group_adjust, method=method)
        print(t.round(4).to_string())
        return t

    def plot_quantile_statistics_table(self) -> pd.DataFrame:
        """Factor value statistics per quantile (min, max, mean, std, count, count %)."""
        d = self._clean_factor_data
        t = d.groupby("factor_quantile")["factor"].agg(["min", "max", "mean", "std", "count"])
        t["count %"] = t["count"] / t["count"].sum() * 100
        print(t.to_string())
        return t

    def create_full_tear_sheet(self, demeaned: bool = False, group_adjust: bool = False, by_group: bool = False,
                               turnover_periods=None, avgretplot=None, std_bar: bool = False):
        """Tables and matplotlib figures of the whole analysis (notebook use); for a
        self-contained HTML file use :func:`jqlite.analysis.factor_report.write_factor_report`."""
        self.plot_quantile_statistics_table()
        self.plot_information_table(group_adjust=group_adjust)
        self.plot_quantile_returns_bar(by_group=by_group, demeaned=demeaned, group_adjust=group_adjust)
        self.plot_ic_ts(group_adjust=group_adjust)
        self.plot_ic_hist(group_adjust=group_adjust)
        self.plot_cumulative_returns_by_quantile(demeaned=demeaned, group_adjust=group_adjust)
        self.plot_top_bottom_quantile_turnover(turnover_periods)
        if avgretplot:
            self.create_event_returns_tear_sheet(avgretplot, demeaned=demeaned, group_adjust=group_adjust,
                                                 std_bar=std_bar)


# ---------------------------------------------------------------------------- local data provider
_WEIGHT_FACTORS = {"mktcap": ("market_cap", False), "ln_mktcap": ("market_cap", True),
                   "cmktcap": ("circulating_market_cap", False), "ln_cmktcap": ("circulating_market_cap", True)}


class DataApi:
    """Price / industry / weight providers read from the local store (jqfactor_analyzer's
    ``DataApi``; no login -- ``auth`` is accepted and ignored).

    Parameters
    ----------
    price : {'close', 'open'}
        Price the forward returns use.
    fq : {'post', 'pre', None}
        Only ``'post'`` (后复权, the default) changes nothing in returns; ``'pre'`` gives the
        same returns (a constant rescaling per security), ``None`` uses raw prices (returns
        then jump on ex-dividend days).
    industry : str
        ``sw_l1``, ``sw_l2``, ``sw_l3``, ``jq_l1``, ``jq_l2`` or ``zjw``.
    weight_method : {'avg', 'mktcap', 'ln_mktcap', 'cmktcap', 'ln_cmktcap'}
    allow_cache, show_progress
        Accepted for compatibility (the store is local; nothing is downloaded).
    """

    def __init__(self, price="close", fq="post", industry="jq_l1", weight_method="avg", allow_cache=True,
                 show_progress=True, store=None):
        if price not in ("close", "open"):
            raise ParamsError(f"price must be 'close' or 'open', got {price!r}")
        if fq not in ("post", "pre", None):
            raise ParamsError(f"fq must be 'post', 'pre' or None, got {fq!r}")
        if weight_method != "avg" and weight_method not in _WEIGHT_FACTORS:
            raise ParamsError(f"weight_method must be one of {['avg', *_WEIGHT_FACTORS]}, got {weight_method!r}")
        from .panels import INDUSTRY_SCHEMES
        if industry not in INDUSTRY_SCHEMES:
            raise ParamsError(f"industry must be one of {list(INDUSTRY_SCHEMES)}, got {industry!r}")
        self.price, self.fq, self.industry, self.weight_method = price, fq, industry, weight_method
        self._store = store

    def auth(self, username=None, password=None) -> None:
        """No-op: the data is local."""

    def get_prices(self, securities, start_date=None, end_date=None, count=None, period=None) -> pd.DataFrame:
        """Prices (date x security) from ``start_date`` to ``end_date`` plus ``period`` more
        trading days (for the last days' forward returns)."""
        from .panels import post_prices
        px = post_prices(list(securities), start_date, end_date, extra_days=int(period or 0), store=self._store,
                         field=self.price)
        if self.fq is None:
            from .panels import _store
            st = _store(self._store)
            r0 = st.day_index(px.index[0], "left")
            cols = [st.col(c) for c in px.columns]
            px = px / st.field("factor")[r0:r0 + len(px)][:, cols]
        return px

    def get_groupby(self, securities, start_date, end_date) -> pd.DataFrame:
        """Point-in-time industry code of each (date, security)."""
        from .panels import _store, industry_panel
        st = _store(self._store)
        r0, r1 = st.day_index(start_date, "left"), st.day_index(end_date, "right")
        return industry_panel(list(securities), st.dates[r0:r1 + 1], self.industry, store=st)

    def get_weights(self, securities, start_date, end_date):
        """1.0 for ``'avg'``; else the market cap (or its log) of each (date, security)."""
        if self.weight_method == "avg":
            return 1.0
        from ..factors import get_factor_values
        name, log = _WEIGHT_FACTORS[self.weight_method]
        v = get_factor_values(list(securities), name, start_date=start_date, end_date=end_date)[name]
        return np.log(v) if log else v

    @property
    def apis(self) -> dict[str, Callable]:
        return {"prices": self.get_prices, "groupby": self.get_groupby, "weights": self.get_weights}


def analyze_factor(factor, industry="jq_l1", quantiles=5, periods=(1, 5, 10), weight_method="avg",
                   max_loss=0.25, allow_cache=True, show_data_progress=True) -> FactorAnalyzer:
    """Single-factor analysis, ``jqfactor_analyzer.analyze_factor`` (data from the local store).

    Parameters
    ----------
    factor : pandas.DataFrame or pandas.Series
        Date x security frame (e.g. ``get_factor_values(stocks, 'roe_ttm', ...)['roe_ttm']``),
        or a (date, security) Series.
    industry : str
        Industry scheme for grouping and industry-neutral IC (default ``'jq_l1'``).
    quantiles : int
    periods : int or sequence of int
        Forward-return horizons, trading days.
    weight_method : {'avg', 'mktcap', 'ln_mktcap', 'cmktcap', 'ln_cmktcap'}
    max_loss : float
    allow_cache, show_data_progress
        Accepted for compatibility.

    Returns
    -------
    FactorAnalyzer
    """
    api = DataApi(industry=industry, weight_method=weight_method, allow_cache=allow_cache,
                  show_progress=show_data_progress)
    return FactorAnalyzer(factor, quantiles=quantiles, periods=periods, max_loss=max_loss, **api.apis)


def factor_frame(factor: str | Callable, securities: Sequence[str], start_date, end_date) -> pd.DataFrame:
    """Values of a factor given by jqfactor name or as a user function.

    Parameters
    ----------
    factor : str or callable
        A jqfactor factor name (``get_all_factors()``) or ``f(securities, start_date,
        end_date) -> DataFrame`` (date x security) over the data API.

    Returns
    -------
    pandas.DataFrame
        Date x security float frame.
    """
    if callable(factor):
        out = factor(list(securities), start_date, end_date)
        if not isinstance(out, pd.DataFrame):
            raise ParamsError(f"factor function {getattr(factor, '__name__', factor)!r} must return a DataFrame "
                              f"(dates x securities), got {type(out).__name__}")
        return out
    from ..factors import get_factor_values
    return get_factor_values(list(securities), str(factor), start_date=start_date, end_date=end_date)[str(factor)]
