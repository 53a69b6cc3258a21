"""Point-in-time fundamentals of stocks synthesised on demand (sample market).

A stock synthesised by :mod:`jqlite.data.on_demand` gets the statements of its base-market
*twin* (the base stock of the same sector whose industries it already answers with), scaled
to its own size, and a daily valuation recomputed from its own bars:

* **Size**: the scale ``k`` = (mean of the stock's ``close x shares``) / (mean of the twin's
  ``market_cap``), ``shares`` being the share count its bars were drawn with (volumes are a
  turnover of it; ``security['shares']``), drawn from its board and sector
  (``exp(ln 6e9 + 0.9 size)`` yuan at its first price: 15-800 亿 for most codes).
* **Statements** (income, balance, cash_flow, indicator): every money column of the twin x
  ``k``; ratios (indicator percentages) unchanged; per-share columns recomputed from the
  stock's own share count (``basic_eps = np_parent_company_owners / shares``, indicator
  ``eps`` from the single quarter); ``paidin_capital`` = min(shares, half of the paid-in +
  reserves + retained) with the reserves re-split as the twin's, so every balance identity
  the base sample keeps still holds.  ``statDate`` / ``pubDate`` are the twin's (reports of
  quarters ending more than three years before the listing date are dropped, as for a base
  stock).
* **Valuation**, one row per bar: ``capitalization`` = shares / 1e4 (万股), ``market_cap`` =
  close x capitalization / 1e4 (亿元, exact), circulating / free / A-share caps from a float
  fraction drawn from the code's own stream ``(seed, "on_demand_fund:<code>")``,
  ``turnover_ratio`` = volume / circulating shares x 100 (%), ``pe_ratio`` = market_cap x 1e8 /
  TTM ``np_parent_company_owners`` (yuan), ``ps_ratio`` / ``pcf_ratio`` / ``pcf_ratio2`` /
  ``pb_ratio`` / ``pe_ratio_lyr`` as the base generator computes them, point in time (a
  report counts from its pubDate); ``dividend_ratio`` 0 (on-demand stocks pay no dividends).

Deterministic: reads only the base market and the stock's own bars; the same code gets the
same bytes in any store generated with the same arguments.  Stored in
``<store>/on_demand/fundamentals/<code>.<table>.parquet`` (written before the bars file, which
commits the code); :class:`jqlite.data.fundamentals.FundamentalsPanel` appends them to the
base tables.  They are *answered* (a query naming the code, ``get_valuation``,
``get_history_fundamentals``), never *listed* (see :func:`jqlite.api.fundamentals._run`).
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import fundamentals as F

#: Sub-folder of ``on_demand/`` holding the synthesised stocks' fundamentals.
SUBDIR = "fundamentals"
#: Per-share columns recomputed (not scaled) and ratio columns kept as the twin's.
_PER_SHARE = {"basic_eps", "diluted_eps", "eps"}
_INDICATOR_MONEY = {"adjusted_profit", "operating_profit", "value_change_profit"}
_KEYS = ("code", "statDate", "pubDate")


def file_of(store_path, code: str, table: str) -> Path:
    """``<store>/on_demand/fundamentals/<code>.<table>.parquet``."""
    from .on_demand import DIRNAME
    return Path(store_path) / DIRNAME / SUBDIR / f"{code}.{table}.parquet"


def _base_rows(store, table: str, code: str) -> pd.DataFrame | None:
    """The base table's rows of ``code`` (the table is read once per store object: valuation
    only its ``code`` and ``market_cap`` columns)."""
    import pyarrow.compute as pc
    p = Path(store.path) / F.DIRNAME / f"{table}.parquet"
    if not p.exists():
        return None
    cols = ["code", "market_cap"] if table == "valuation" else None
    t = store.cached(("on_demand_fund_base", table), lambda: pq.read_table(p, columns=cols))
    return t.filter(pc.equal(t.column("code"), code)).to_pandas()


class _View:
    """The one-column store view :class:`jqlite.data.fundamentals._Statement` needs."""

    def __init__(self, store, code):
        self.codes = np.array([code])
        self.n_securities = 1
        self.n_days = store.n_days
        self._dates_i8 = store._dates_i8


def synthesize(store, code: str, bars: pd.DataFrame, sec: dict) -> dict[str, pd.DataFrame]:
    """Fundamentals tables of one on-demand stock.

    Parameters
    ----------
    store : jqlite.data.store.Store
        The sample store (its base ``fundamentals/`` tables hold the twin's rows).
    code : str
        The on-demand stock.
    bars : pandas.DataFrame
        Its daily bars (:func:`jqlite.data.on_demand.synthesize`), raw prices.
    sec : dict
        Its description; uses ``twin`` and ``shares`` (share count, float).

    Returns
    -------
    dict of str to pandas.DataFrame
        ``income``, ``balance``, ``cash_flow``, ``indicator`` (code, statDate, pubDate, money
        in yuan, YTD for income / cash_flow as the base tables) and ``valuation`` (code, day,
        JoinQuant's units); empty dict when the store has no fundamentals, the stock no twin
        or no bars.
    """
    from .sample import _rng
    twin, shares = sec.get("twin"), sec.get("shares")
    if not twin or not shares or not len(bars):
        return {}
    tv = _base_rows(store, "valuation", twin)
    if tv is None or not len(tv) or "market_cap" not in tv:
        return {}
    close = bars["close"].to_numpy(float)
    shares = float(shares)
    k = float(np.mean(close) * shares / 1e8 / tv["market_cap"].mean())
    listed = pd.Timestamp(sec["start_date"]).to_datetime64().astype("datetime64[D]").astype(np.int64)
    out: dict[str, pd.DataFrame] = {}
    for table in F.STATEMENT_TABLES:
        df = _base_rows(store, table, twin)
        if df is None:
            continue
        sd = df["statDate"].to_numpy().astype("datetime64[D]").astype(np.int64)
        df = df[sd >= listed - 3 * 365].sort_values("statDate").reset_index(drop=True)
        df["code"] = code
        money = [c for c in df.columns if c not in _KEYS and c not in _PER_SHARE and df[c].dtype.kind == "f"
                 and (table != "indicator" or c in _INDICATOR_MONEY)]
        scaled = pd.DataFrame(df[money].to_numpy(np.float64) * k, columns=money, index=df.index)
        df = pd.concat([df.drop(columns=money), scaled], axis=1)[list(df.columns)]
        out[table] = df
    if "balance" in out:
        b = out["balance"]
        parts = [c for c in ("paidin_capital", "capital_reserve_fund", "surplus_reserve_fund",
                             "retained_profit") if c in b]
        if len(parts) == 4:
            total = sum(b[c] for c in parts)
            paid = np.minimum(shares, total * 0.5)
            rest_old = total - b["paidin_capital"]
            rest_new = total - paid
            ratio = np.where(rest_old != 0, rest_new / rest_old.where(rest_old != 0, 1.0), 0.0)
            for c in parts[1:]:
                b[c] = b[c] * ratio
            b["paidin_capital"] = paid
    if "income" in out:
        inc = out["income"]
        npp = inc["np_parent_company_owners"]
        for c in ("basic_eps", "diluted_eps"):
            if c in inc:
                inc[c] = npp / shares
        if "indicator" in out and "eps" in out["indicator"]:
            y = inc.set_index("statDate")["np_parent_company_owners"]
            qn = F.quarter_number(y.index)
            prev = y.shift(1)
            same_year = pd.Series(qn // 4, index=y.index).diff().eq(0).to_numpy()
            single = np.where((qn % 4 != 0) & same_year, y - prev, y)
            single = np.where((qn % 4 != 0) & ~same_year, np.nan, single)
            ind = out["indicator"]
            m = pd.Series(single / shares, index=y.index)
            ind["eps"] = ind["statDate"].map(m).to_numpy(float)
    out["valuation"] = _valuation(store, code, bars, shares, out, _rng(store_seed(store), f"on_demand_fund:{code}"))
    return out


def store_seed(store) -> int:
    """The sample generator's seed of ``store`` (``sample_generator.json``)."""
    from .on_demand import _generator_args
    return int(_generator_args(store.path)["seed"])


def _valuation(store, code, bars, shares, tables, rng) -> pd.DataFrame:
    close = bars["close"].to_numpy(float)
    vol = bars["volume"].to_numpy(float)
    days = pd.DatetimeIndex(bars["date"])
    di = np.searchsorted(store._dates_i8, days.values.astype("datetime64[D]").astype(np.int64))
    float_frac = float(rng.uniform(0.5, 1.0))
    free_frac = float(rng.uniform(0.55, 0.95))
    fl = round(shares * float_frac, -4)
    free = round(fl * free_frac, -4)
    mc = close * shares / 1e8
    v = {"capitalization": np.full(len(close), shares / 1e4), "circulating_cap": np.full(len(close), fl / 1e4),
         "market_cap": mc, "free_cap": np.full(len(close), free / 1e4), "free_market_cap": close * free / 1e8,
         "dividend_ratio": np.zeros(len(close)), "circulating_market_cap": close * fl / 1e8,
         "a_cap": np.full(len(close), fl / 1e4), "a_market_cap": close * fl / 1e8,
         "turnover_ratio": vol / fl * 100.0}
    view = _View(store, code)
    nan = np.full(len(close), np.nan)

    def on(st, vals, avail):
        return st.on_days(vals, avail)[di, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        for key in ("pe_ratio", "ps_ratio", "pcf_ratio", "pcf_ratio2", "pb_ratio", "pe_ratio_lyr"):
            v[key] = nan
        if "income" in tables:
            inc = F._Statement("income", tables["income"], view)
            v["pe_ratio"] = mc * 1e8 / on(inc, *inc.ttm("np_parent_company_owners"))
            v["ps_ratio"] = mc * 1e8 / on(inc, *inc.ttm("total_operating_revenue"))
            lq = inc.latest_q.astype(np.int64)[:, 0]
            tq = lq - ((lq + inc.q0) % 4 + 1) % 4
            ok = (lq >= 0) & (tq >= 0)
            tqc = np.where(ok, tq, 0)
            y = inc.raw("np_parent_company_owners")[0]
            ann = np.where(ok & (inc.pub_idx[0, tqc] <= np.arange(store.n_days)), y[tqc], np.nan)
            v["pe_ratio_lyr"] = mc * 1e8 / ann[di]
        if "cash_flow" in tables:
            cf = F._Statement("cash_flow", tables["cash_flow"], view)
            v["pcf_ratio"] = mc * 1e8 / on(cf, *cf.ttm("cash_equivalent_increase"))
            v["pcf_ratio2"] = mc * 1e8 / on(cf, *cf.ttm("net_operate_cash_flow"))
        if "balance" in tables:
            bal = F._Statement("balance", tables["balance"], view)
            book = on(bal, bal.raw("equities_parent_company_owners"), bal.pub_idx) \
                - on(bal, bal.raw("other_equity_tools"), bal.pub_idx)
            v["pb_ratio"] = mc * 1e8 / book
    frame = {"code": code, "day": days.values.astype("datetime64[D]")}
    for key, a in v.items():
        frame[key] = np.round(a, 4)
    frame["market_cap"] = mc                      # exact, not rounded (as the base table)
    return pd.DataFrame(frame)


def write(store, code: str, tables: dict[str, pd.DataFrame]) -> None:
    """Write ``tables`` atomically (temporary file + rename, in the base tables' schema)."""
    if not tables:
        return
    folder = file_of(store.path, code, "x").parent
    folder.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        base = Path(store.path) / F.DIRNAME / f"{name}.parquet"
        schema = pq.read_schema(base).remove_metadata() if base.exists() else None
        t = pa.Table.from_pandas(df, preserve_index=False)
        if schema is not None:
            cols = [f.name for f in schema if f.name in t.column_names]
            t = t.select(cols).cast(pa.schema([schema.field(c) for c in cols]))
        fd, tmp = tempfile.mkstemp(prefix=f".{code}.{name}.", suffix=".tmp", dir=folder)
        os.close(fd)
        try:
            pq.write_table(t, tmp)
            os.replace(tmp, file_of(store.path, code, name))
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)


def read(store_path, codes, table: str, columns=None) -> pa.Table | None:
    """The on-demand rows of ``table`` for ``codes`` (sorted), as one Arrow table, or None."""
    parts = []
    for c in sorted(codes):
        p = file_of(store_path, c, table)
        if p.exists():
            parts.append(pq.read_table(p, columns=columns))
    if not parts:
        return None
    return pa.concat_tables(parts, promote_options="permissive") if len(parts) > 1 else parts[0]
