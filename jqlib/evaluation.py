"""``jqlib.evaluation``: judge a stock-ranking signal the way the project's seed 002 does --
IC, RankIC and the **hit rate of the top-N picks for a >= 10 % gain within 1-3 days**,
against the base rate of all names (jqlite's own helpers, not a JoinQuant module).

Inputs are date x security frames (DatetimeIndex, one column per code), e.g. model scores
and ``get_price(..., fq='post')`` closes / highs pivoted wide.

* :func:`forward_return` -- ``close[t+h] / close[t] - 1``;
* :func:`max_forward_gain` -- best gain reachable within days ``t+1 .. t+h``:
  ``max(high[t+1..t+h]) / close[t] - 1`` (``use_high=False``: the closes);
* :func:`daily_ic` -- per-day Pearson (IC) or Spearman (RankIC) correlation;
* :func:`hit_rate` -- per day, the share of the top-N scores whose gain reached the
  threshold, and the same share over every scored name (the base rate);
* :func:`evaluate_signal` -- all of it in one dict (means, ICIR, lift = hit / base).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["forward_return", "max_forward_gain", "daily_ic", "hit_rate", "evaluate_signal"]


def forward_return(close: pd.DataFrame, horizon: int = 1) -> pd.DataFrame:
    """``close[t + horizon] / close[t] - 1`` (NaN for the last ``horizon`` days).

    Parameters
    ----------
    close : pandas.DataFrame
        Adjusted closes, date x security.
    horizon : int
        Trading days ahead (rows of ``close``).
    """
    return close.shift(-int(horizon)) / close - 1.0


def max_forward_gain(close: pd.DataFrame, high: pd.DataFrame | None = None, horizon: int = 3,
                     use_high: bool = True) -> pd.DataFrame:
    """Largest gain from day ``t``'s close reachable within the next ``horizon`` days.

    Parameters
    ----------
    close : pandas.DataFrame
        Adjusted closes (date x security).
    high : pandas.DataFrame, optional
        Adjusted highs (same shape); required when ``use_high``.
    horizon : int
        Days ``t+1 .. t+horizon`` are searched.
    use_high : bool
        Intraday highs (a limit order could have sold there) or closes only.

    Returns
    -------
    pandas.DataFrame
        ``max(x[t+1..t+h]) / close[t] - 1``; NaN when fewer than ``horizon`` days follow.
    """
    x = high if use_high else close
    if x is None:
        raise ValueError("max_forward_gain: use_high=True needs the high prices")
    x = x.reindex_like(close)
    best = pd.concat([x.shift(-k) for k in range(1, int(horizon) + 1)], keys=range(int(horizon)))
    m = best.groupby(level=1, sort=False).max().reindex(close.index)
    full = close.shift(-int(horizon)).notna()
    return (m / close - 1.0).where(full)


def daily_ic(score: pd.DataFrame, target: pd.DataFrame, method: str = "rank", min_names: int = 3) -> pd.Series:
    """Per-day correlation of ``score`` and ``target`` across securities.

    Parameters
    ----------
    score, target : pandas.DataFrame
        Date x security (aligned on both axes; NaN pairs are left out).
    method : {'rank', 'pearson'}
        RankIC (Spearman: Pearson of average ranks) or IC.
    min_names : int
        Days with fewer valid pairs give NaN.

    Returns
    -------
    pandas.Series
        Indexed by date.
    """
    s, t = score.align(target, join="inner")
    ok = s.notna() & t.notna()
    s, t = s.where(ok), t.where(ok)
    if method == "rank":
        s, t = s.rank(axis=1), t.rank(axis=1)
    elif method != "pearson":
        raise ValueError(f"method must be 'rank' or 'pearson', got {method!r}")
    s = s.sub(s.mean(axis=1), axis=0)
    t = t.sub(t.mean(axis=1), axis=0)
    num = (s * t).sum(axis=1)
    den = np.sqrt((s ** 2).sum(axis=1) * (t ** 2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        ic = num / den
    return ic.where(ok.sum(axis=1) >= min_names).where(den > 0)


def hit_rate(score: pd.DataFrame, gain: pd.DataFrame, top_n: int = 10, threshold: float = 0.10) -> pd.DataFrame:
    """Hit rate of the top-N picks per day, and the base rate.

    Parameters
    ----------
    score : pandas.DataFrame
        Date x security; higher = stronger buy.  Ties are broken by column order.
    gain : pandas.DataFrame
        Realised gain to judge (e.g. :func:`max_forward_gain`), same layout.
    top_n : int
    threshold : float
        A pick "hits" when ``gain >= threshold`` (0.10 = 10 %).

    Returns
    -------
    pandas.DataFrame
        Index date; columns ``hit_rate`` (share of the top-N with a hit), ``base_rate``
        (share of all names with both a score and a gain), ``n_picks``, ``n_names``.  Days
        without a valid pair are dropped.
    """
    s, g = score.align(gain, join="inner")
    ok = s.notna() & g.notna()
    s = s.where(ok)
    rank = s.rank(axis=1, ascending=False, method="first")
    pick = rank <= top_n
    hit = (g >= threshold) & ok
    n_names = ok.sum(axis=1)
    n_picks = pick.sum(axis=1)
    out = pd.DataFrame({"hit_rate": (hit & pick).sum(axis=1) / n_picks.where(n_picks > 0),
                        "base_rate": hit.sum(axis=1) / n_names.where(n_names > 0),
                        "n_picks": n_picks, "n_names": n_names})
    return out[n_names > 0]


def evaluate_signal(score: pd.DataFrame, close: pd.DataFrame, high: pd.DataFrame | None = None,
                    top_n: int = 10, threshold: float = 0.10, horizon: int = 3, ic_horizon: int = 1
                    ) -> dict[str, Any]:
    """IC, RankIC and top-N hit rate of a ranking signal (seed 002's evaluation).

    Parameters
    ----------
    score : pandas.DataFrame
        Scores known at day ``t``'s close (date x security).
    close, high : pandas.DataFrame
        Adjusted closes / highs (``high`` optional: without it the gain uses closes).
    top_n, threshold, horizon
        A hit is a gain ``>= threshold`` within ``horizon`` days (:func:`max_forward_gain`).
    ic_horizon : int
        Forward-return horizon of the IC / RankIC.

    Returns
    -------
    dict
        ``ic_mean``, ``ic_ir`` (mean / std), ``rank_ic_mean``, ``rank_ic_ir``, ``hit_rate``
        (mean over days), ``base_rate`` (mean), ``lift`` (hit / base), ``days``, and the
        per-day ``ic`` / ``rank_ic`` Series and ``hits`` frame.
    """
    fwd = forward_return(close, ic_horizon)
    ic = daily_ic(score, fwd, "pearson")
    ric = daily_ic(score, fwd, "rank")
    gain = max_forward_gain(close, high, horizon, use_high=high is not None)
    hits = hit_rate(score, gain, top_n, threshold)
    h, b = float(hits["hit_rate"].mean()), float(hits["base_rate"].mean())

    def ir(x: pd.Series) -> float:
        x = x.dropna()
        return float(x.mean() / x.std()) if len(x) > 1 and x.std() > 0 else float("nan")
    return {"ic_mean": float(ic.mean()), "ic_ir": ir(ic), "rank_ic_mean": float(ric.mean()), "rank_ic_ir": ir(ric),
            "hit_rate": h, "base_rate": b, "lift": h / b if b > 0 else float("nan"), "days": int(len(hits)),
            "top_n": int(top_n), "threshold": float(threshold), "horizon": int(horizon),
            "ic": ic, "rank_ic": ric, "hits": hits}
