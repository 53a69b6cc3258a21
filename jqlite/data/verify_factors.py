"""``jqlite data verify-factors``: jqlite's factor values against JoinQuant's own.

JoinQuant's values come from the user's JoinQuant data account through jqdatasdk's
``get_factor_values(securities, factors, start_date, end_date)`` (``{factor: DataFrame}``,
one row per trading day, one column per security); jqlite's from
:func:`jqlite.factors.api.get_factor_values` on the store.  Per factor the report gives:

* ``pairs``: (day, security) cells where both have a value; ``only_jqlite`` / ``only_joinquant``:
  cells where just one side has one (a missing input on one side);
* ``rank_corr``: the mean over days of the cross-sectional Spearman rank correlation (days
  with at least 3 pairs) -- what matters for a factor used to rank stocks;
* ``median_abs_err``: the median of ``|jqlite - joinquant|`` over the pairs, in the factor's unit;
* ``within_tol``: the share of pairs with ``|jqlite - joinquant| <= atol + rtol * |joinquant|``.

JoinQuant's call costs one quota row per (day, security, factor): the quota is checked first
and the command stops before calling when too few rows are left.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from ..errors import DataError
from .sources import source_class
from .sources.base import QuotaExhausted, Source
from .sources.credentials import resolve

COLUMNS = ("pairs", "only_jqlite", "only_joinquant", "days", "rank_corr", "median_abs_err", "within_tol")


@contextlib.contextmanager
def _research_store(path: Path):
    old = os.environ.get("JQLITE_DATA")
    os.environ["JQLITE_DATA"] = str(path)
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("JQLITE_DATA", None)
        else:
            os.environ["JQLITE_DATA"] = old


def compare(ours: pd.DataFrame, theirs: pd.DataFrame, *, rtol: float = 1e-3, atol: float = 1e-8) -> dict:
    """Agreement of two (day x security) frames of one factor (see the module docstring).

    Parameters
    ----------
    ours, theirs : pandas.DataFrame
        Float values indexed by day, one column per security (NaN = no value).
    rtol, atol : float
        Tolerance of ``within_tol``.

    Returns
    -------
    dict
        The keys of :data:`COLUMNS` (``rank_corr``, ``median_abs_err``, ``within_tol`` NaN when
        there is no pair).
    """
    idx = ours.index.intersection(theirs.index)
    cols = ours.columns.intersection(theirs.columns)
    a = ours.loc[idx, cols].to_numpy(float)
    b = theirs.loc[idx, cols].to_numpy(float)
    fa, fb = np.isfinite(a), np.isfinite(b)
    both = fa & fb
    out = {"pairs": int(both.sum()), "only_jqlite": int((fa & ~fb).sum()), "only_joinquant": int((fb & ~fa).sum())}
    corrs = []
    for i in range(len(idx)):
        m = both[i]
        if m.sum() >= 3:
            ra = pd.Series(a[i, m]).rank().to_numpy()
            rb = pd.Series(b[i, m]).rank().to_numpy()
            if ra.std() > 0 and rb.std() > 0:
                corrs.append(float(np.corrcoef(ra, rb)[0, 1]))
    out["days"] = len(corrs)
    out["rank_corr"] = float(np.mean(corrs)) if corrs else float("nan")
    err = np.abs(a[both] - b[both])
    out["median_abs_err"] = float(np.median(err)) if err.size else float("nan")
    out["within_tol"] = float(np.mean(err <= atol + rtol * np.abs(b[both]))) if err.size else float("nan")
    return out


def verify_factors(store: str | os.PathLike, factors: list[str], start, end, *, codes: list[str] | None = None,
                   adapter: Source | None = None, env: Mapping[str, str] | None = None, keyring_get=None,
                   rtol: float = 1e-3, atol: float = 1e-8, chunk: int = 200,
                   progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Compare jqlite's factor values on ``store`` with JoinQuant's ``get_factor_values``.

    Parameters
    ----------
    store : path-like
        A jqlite store.
    factors : list of str
        jqfactor names (:func:`jqlite.factors.api.get_all_factors`).
    start, end : date-like
        Inclusive span (trading days of the store).
    codes : list of str, optional
        Securities to compare (default: the store's stocks listed at some point of the span).
    adapter : Source, optional
        A ready jqdatasdk adapter (tests pass one around a recorded-response client).
    env, keyring_get
        Where the JoinQuant credentials are looked up (as for ``jqlite data pull``).
    rtol, atol : float
        Tolerance of ``within_tol``.
    chunk : int
        Securities per ``get_factor_values`` call.
    progress : callable, optional
        Called with log lines.

    Returns
    -------
    pandas.DataFrame
        Indexed by factor, columns :data:`COLUMNS`.

    Raises
    ------
    CredentialError
        Missing or rejected JoinQuant account.
    QuotaExhausted
        Fewer quota rows left than the comparison needs (nothing fetched).
    DataError
        No store, no trading day in the span, or an unknown factor.
    """
    say = progress or (lambda _m: None)
    from .store import open_store
    p = Path(store)
    st = open_store(p)
    days = pd.DatetimeIndex(st.dates)
    days = days[(days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end))]
    if len(days) == 0:
        raise DataError(f"{p}: no trading day between {start} and {end}")
    if codes is None:
        sec = pd.read_parquet(p / "securities.parquet")
        sec = sec[(sec["type"] == "stock").to_numpy()
                  & (pd.to_datetime(sec["start_date"]) <= days[-1]).to_numpy()
                  & (pd.to_datetime(sec["end_date"]) >= days[0]).to_numpy()]
        codes = sorted(sec["code"].astype(str))
    factors = [f.strip() for f in factors if f.strip()]
    from ..errors import ParamsError
    from ..factors.api import get_factor_values
    say(f"jqlite: {len(factors)} factor(s) x {len(codes)} securities x {len(days)} days")
    with _research_store(p):
        try:
            ours = get_factor_values(codes, factors, start_date=days[0].date(), end_date=days[-1].date())
        except ParamsError as exc:
            raise DataError(f"verify-factors: {exc}") from None
    cls = source_class("jqdatasdk")
    secrets = resolve("jqdatasdk", env) if keyring_get is None else resolve("jqdatasdk", env, keyring_get)
    src = adapter if adapter is not None else cls()
    src.login(secrets)
    try:
        q = src.quota()
        need = len(codes) * len(days) * len(factors)
        if q is not None and q["spare"] < need:
            raise QuotaExhausted(f"jqdatasdk: daily quota: {q['spare']:,} rows left, get_factor_values of "
                                 f"{len(factors)} factor(s) x {len(codes)} securities x {len(days)} days needs about "
                                 f"{need:,}; compare fewer securities (--codes) or days, or run it tomorrow")
        theirs: dict[str, list[pd.DataFrame]] = {f: [] for f in factors}
        for i in range(0, len(codes), chunk):
            part = codes[i:i + chunk]
            say(f"jqdatasdk get_factor_values: securities {i + 1}..{i + len(part)} of {len(codes)}")
            got = src.factor_values(part, factors, days[0].date(), days[-1].date())
            for f in factors:
                if f in got and len(got[f]):
                    theirs[f].append(got[f])
        if q is not None:
            q2 = src.quota()
            say(f"jqdatasdk: quota {q2['total'] - q2['spare']:,} of {q2['total']:,} rows used today, "
                f"{q2['spare']:,} left")
    finally:
        src.logout()
    rows = {}
    for f in factors:
        t = pd.concat(theirs[f], axis=1) if theirs[f] else pd.DataFrame(index=days)
        t.index = pd.to_datetime(t.index)
        rows[f] = compare(ours[f], t, rtol=rtol, atol=atol)
    return pd.DataFrame.from_dict(rows, orient="index")[list(COLUMNS)]


def format_report(df: pd.DataFrame, rtol: float, atol: float) -> str:
    """Plain-text table of :func:`verify_factors`' result."""
    lines = [f"  {'factor':<32}{'pairs':>8}{'only jq':>9}{'only JQ':>9}{'rank corr':>11}{'median |err|':>14}"
             f"{'within tol':>12}"]
    for f, r in df.iterrows():
        lines.append(f"  {f:<32}{int(r['pairs']):>8}{int(r['only_jqlite']):>9}{int(r['only_joinquant']):>9}"
                     f"{r['rank_corr']:>11.4f}{r['median_abs_err']:>14.6g}{r['within_tol'] * 100:>11.1f}%")
    lines.append(f"  (jq = jqlite, JQ = JoinQuant get_factor_values; rank corr = mean daily Spearman; "
                 f"tolerance |err| <= {atol:g} + {rtol:g} x |JQ|)")
    return "\n".join(lines)
