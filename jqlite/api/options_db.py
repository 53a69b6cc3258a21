"""The ``opt`` (期权) database's tables, built from the sample market's option chains
(:mod:`jqlite.data.options`; rules in docs/options.md).

* ``OPT_CONTRACT_INFO`` -- one row per contract: codes, names, strike, unit, listing day,
  listing reference price and limits, last trading / exercise / delivery days.
  ``contract_status`` is ``LIST`` while the contract trades on the store's last day, else
  ``DELIST`` (with ``delist_date`` = its last trading day).
* ``OPT_DAILY_PRICE`` -- one row per contract and trading day: prices, settlement (= close),
  ``change_pct_close`` / ``change_pct_settle`` = close / settle over the previous settlement
  minus 1, in percent, volume (contracts), money (yuan), ``position`` (open interest).
* ``OPT_RISK_INDICATOR`` -- Black-Scholes greeks at the close (delta; gamma per yuan or index
  point; theta per year; vega per 1.00 volatility; rho per 1.00 rate; rounded to 6 places).
* ``OPT_DAILY_PREOPEN`` -- SSE contracts only (as JoinQuant): the day's static file --
  previous close/settlement and open interest, the underlying's previous close, the day's
  limits, the seller's margin per contract (SSE formula, ratios 12 % / 7 %) and the
  ``contract_status`` flags (3rd character 1 within 5 trading days of expiry, 5th character
  ``A`` on the listing day, ``E`` after).
* ``OPT_EXERCISE_INFO`` -- SSE underlyings: per expiry day and type, the open interest of the
  contracts in the money at the last close.

``OPT_ADJUSTMENT`` and ``OPT_TRADE_RANK_STK`` are empty (see :mod:`jqlite.api.finance`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..data import options as od


def _keys(store) -> list[str]:
    last = store.dates[-1]
    out = []
    for k, u in od.UNDERLYINGS.items():
        if pd.Timestamp(u.listed) <= last and u.code in store.code_index:
            out.append(k)
    return out


def _delivery(store, expire) -> np.datetime64:
    """The trading day after ``expire`` (the next weekday beyond the calendar)."""
    d8 = store.dates.values.astype("datetime64[D]")
    e = np.datetime64(expire, "D")
    i = int(np.searchsorted(d8, e, side="right"))
    if i < len(d8):
        return d8[i]
    return np.datetime64((pd.Timestamp(e) + pd.offsets.BDay(1)).date(), "D")


def contract_info(store) -> pd.DataFrame:
    """``OPT_CONTRACT_INFO`` of the sample market (see the module docstring)."""
    from .finance import _frame
    parts = []
    n_days = len(store.dates)
    for k in _keys(store):
        u = od.UNDERLYINGS[k]
        cs = od.chain(store, k).contracts
        lst = od.listing(store, k)
        n = len(cs)
        exp = np.array([np.datetime64(c.expire, "D") for c in cs])
        alive = np.array([c.i1 >= n_days - 1 for c in cs])
        und_ex = u.code.split(".")[1]
        parts.append({
            "code": np.array([c.code for c in cs], dtype=object),
            "trading_code": np.array([c.trading_code for c in cs], dtype=object),
            "name": np.array([c.name for c in cs], dtype=object),
            "contract_type": np.array([c.cp for c in cs], dtype=object),
            "exchange_code": np.full(n, u.exchange, dtype=object),
            "currency_id": np.full(n, "CNY", dtype=object),
            "underlying_symbol": np.full(n, u.code, dtype=object),
            "underlying_name": np.full(n, u.underlying_name, dtype=object),
            "underlying_exchange": np.full(n, und_ex, dtype=object),
            "underlying_type": np.full(n, u.underlying_type, dtype=object),
            "exercise_price": np.array([c.strike for c in cs]),
            "contract_unit": np.full(n, u.multiplier, dtype=np.int64),
            "contract_status": np.where(alive, "LIST", "DELIST").astype(object),
            "list_date": store.dates.values[np.array([c.i0 for c in cs], dtype=np.int64)],
            "list_price": lst["list_price"], "high_limit": lst["high_limit"], "low_limit": lst["low_limit"],
            "expire_date": exp, "last_trade_date": exp, "exercise_date": exp,
            "delivery_date": np.array([_delivery(store, c.expire) for c in cs]),
            "is_adjust": np.zeros(n, dtype=np.int64),
            "delist_date": np.where(alive, np.datetime64("NaT", "D"), exp),
        })
    data = {c: np.concatenate([p[c] for p in parts]) for c in parts[0]} if parts else {}
    n = len(data.get("code", ()))
    data["id"] = np.arange(1, n + 1, dtype=np.int64)
    df = _frame("OPT_CONTRACT_INFO", n, data)
    for c in ("list_date", "expire_date", "last_trade_date", "exercise_date", "delivery_date", "delist_date"):
        df[c] = pd.to_datetime(df[c]) if n else pd.Series(dtype="datetime64[ns]")
    return df


def _daily(store, keys=None) -> dict:
    """Long arrays over every contract-day of ``keys`` (default: all underlyings)."""
    out: dict = {}
    for k in (keys or _keys(store)):
        p = od.panel(store, k)
        cs = p.chain.contracts
        codes = np.array([c.code for c in cs], dtype=object)
        part = dict(p.cols)
        part["code"] = codes[p.kk]
        part["t"] = p.t
        part["kk"] = p.kk
        part["und"] = np.full(len(p.t), k, dtype=object)
        for f, v in part.items():
            out.setdefault(f, []).append(v)
    return {f: np.concatenate(v) for f, v in out.items()}


def daily_price(store) -> pd.DataFrame:
    """``OPT_DAILY_PRICE`` of the sample market (see the module docstring)."""
    from .finance import _frame
    d = _daily(store)
    if not d:
        return _frame("OPT_DAILY_PRICE", 0, {})
    n = len(d["t"])
    with np.errstate(divide="ignore", invalid="ignore"):
        chg = np.round((d["close"] / d["pre_settle"] - 1) * 100, 4)
    data = {"id": np.arange(1, n + 1, dtype=np.int64), "code": d["code"],
            "exchange_code": _exchange_of(d), "date": store.dates.values[d["t"]],
            "pre_settle": d["pre_settle"], "pre_close": d["pre_close"], "open": d["open"], "high": d["high"],
            "low": d["low"], "close": d["close"], "change_pct_close": chg, "settle_price": d["settle"],
            "change_pct_settle": chg.copy(), "volume": d["volume"], "money": d["money"],
            "position": d["position"].astype(np.int64)}
    return _frame("OPT_DAILY_PRICE", n, data)


def _exchange_of(d: dict) -> np.ndarray:
    ex = {k: u.exchange for k, u in od.UNDERLYINGS.items()}
    return pd.Series(d["und"]).map(ex).to_numpy(dtype=object)


def risk_indicator(store) -> pd.DataFrame:
    """``OPT_RISK_INDICATOR`` of the sample market (see the module docstring)."""
    from .finance import _frame
    d = _daily(store)
    if not d:
        return _frame("OPT_RISK_INDICATOR", 0, {})
    n = len(d["t"])
    data = {"id": np.arange(1, n + 1, dtype=np.int64), "code": d["code"], "exchange_code": _exchange_of(d),
            "date": store.dates.values[d["t"]]}
    for g in ("delta", "theta", "gamma", "vega", "rho"):
        data[g] = np.round(d[g], 6)
    return _frame("OPT_RISK_INDICATOR", n, data)


def margin_unit(u: od.Underlying, pre_settle, S_prev, K, call) -> np.ndarray:
    """SSE seller's margin per contract (yuan): call ``(pre_settle + max(12 % S - max(K - S,
    0), 7 % S)) * unit``; put ``min(pre_settle + max(12 % S - max(S - K, 0), 7 % K), K) *
    unit``, ``S`` the underlying's previous close."""
    otm_c = np.maximum(K - S_prev, 0.0)
    otm_p = np.maximum(S_prev - K, 0.0)
    c = pre_settle + np.maximum(0.12 * S_prev - otm_c, 0.07 * S_prev)
    p = np.minimum(pre_settle + np.maximum(0.12 * S_prev - otm_p, 0.07 * K), K)
    return np.round(np.where(call, c, p) * u.multiplier, 2)


def daily_preopen(store) -> pd.DataFrame:
    """``OPT_DAILY_PREOPEN`` of the sample market: SSE contracts (see the module docstring)."""
    from .finance import _frame
    keys = [k for k in _keys(store) if od.UNDERLYINGS[k].exchange == "XSHG"]
    if not keys:
        return _frame("OPT_DAILY_PREOPEN", 0, {})
    parts = []
    for k in keys:
        u = od.UNDERLYINGS[k]
        p = od.panel(store, k)
        cs = p.chain.contracts
        kk, t = p.kk, p.t
        c = p.cols
        n = len(t)
        first = np.zeros(n, dtype=bool)
        first[p.start[:-1][np.diff(p.start) > 0]] = True
        prev_pos = np.where(first, 0, np.r_[0, c["position"][:-1]]).astype(np.int64)
        i1 = np.array([x.i1 for x in cs], dtype=np.int64)[kk]
        near = (i1 - t) < 5
        status = np.where(near, "001", "000").astype(object) + "0" + np.where(first, "A", "E").astype(object)
        exp = np.array([np.datetime64(x.expire, "D") for x in cs])
        deliv = np.array([_delivery(store, x.expire) for x in cs])
        i0 = np.array([x.i0 for x in cs], dtype=np.int64)
        parts.append({
            "date": store.dates.values[t],
            "code": np.array([x.code for x in cs], dtype=object)[kk],
            "trading_code": np.array([x.trading_code for x in cs], dtype=object)[kk],
            "name": np.array([x.name for x in cs], dtype=object)[kk],
            "exchange_code": np.full(n, u.exchange, dtype=object),
            "underlying_symbol": np.full(n, u.code, dtype=object),
            "underlying_name": np.full(n, u.short, dtype=object),
            "underlying_exchange": np.full(n, u.code.split(".")[1], dtype=object),
            "underlying_type": np.full(n, u.underlying_type, dtype=object),
            "exercise_type": np.full(n, "E", dtype=object),
            "contract_type": np.array([x.cp for x in cs], dtype=object)[kk],
            "contract_unit": np.full(n, u.multiplier, dtype=np.int64),
            "exercise_price": c["strike"],
            "list_date": store.dates.values[i0][kk],
            "last_trade_date": exp[kk], "exercise_date": exp[kk], "delivery_date": deliv[kk],
            "expire_date": exp[kk],
            "contract_version": np.full(n, "0", dtype=object),
            "position": prev_pos,
            "pre_close": c["pre_close"], "pre_settle": c["pre_settle"],
            "pre_close_underlying": c["underlying_pre_close"],
            "is_limit": np.full(n, "N", dtype=object),
            "high_limit": c["high_limit"], "low_limit": c["low_limit"],
            "margin_unit": margin_unit(u, c["pre_settle"], c["underlying_pre_close"], c["strike"], c["call"]),
            "margin_ratio_1": np.full(n, 12.0), "margin_ratio_2": np.full(n, 7.0),
            "round_lot": np.ones(n, dtype=np.int64),
            "limit_order_min": np.ones(n, dtype=np.int64), "limit_order_max": np.full(n, 30, dtype=np.int64),
            "market_order_min": np.ones(n, dtype=np.int64), "market_order_max": np.full(n, 10, dtype=np.int64),
            "quote_change_min": np.full(n, u.tick),
            "contract_status": status,
        })
    data = {f: np.concatenate([q[f] for q in parts]) for f in parts[0]}
    n = len(data["date"])
    data["id"] = np.arange(1, n + 1, dtype=np.int64)
    df = _frame("OPT_DAILY_PREOPEN", n, data)
    for f in ("list_date", "last_trade_date", "exercise_date", "delivery_date", "expire_date"):
        df[f] = pd.to_datetime(df[f])
    return df


def exercise_info(store) -> pd.DataFrame:
    """``OPT_EXERCISE_INFO``: SSE underlyings, per expiry day in the calendar and contract
    type, the open interest of the contracts in the money at their last close."""
    from .finance import _frame
    rows = []
    n_days = len(store.dates)
    for k in _keys(store):
        u = od.UNDERLYINGS[k]
        if u.exchange != "XSHG":
            continue
        p = od.panel(store, k)
        sc = od._underlying_bars(store, u)[3]
        acc: dict = {}
        for j, c in enumerate(p.chain.contracts):
            if c.i1 >= n_days or p.start[j + 1] == p.start[j]:
                continue
            last = int(p.start[j + 1]) - 1
            S = sc[c.i1]
            itm = S > c.strike if c.cp == "CO" else S < c.strike
            key = (c.expire, c.cp)
            acc[key] = acc.get(key, 0) + (int(p.cols["position"][last]) if itm else 0)
        for (day, cp), num in sorted(acc.items()):
            rows.append((u.code, u.short, np.datetime64(day, "D"), cp, num))
    n = len(rows)
    data = {"id": np.arange(1, n + 1, dtype=np.int64)}
    if n:
        cols = list(zip(*rows))
        data.update({"underlying_symbol": np.array(cols[0], dtype=object),
                     "underlying_name": np.array(cols[1], dtype=object),
                     "exercise_date": np.array(cols[2], dtype="datetime64[D]").astype("datetime64[ns]"),
                     "constract_type": np.array(cols[3], dtype=object),
                     "exercise_number": np.array(cols[4], dtype=np.int64)})
    return _frame("OPT_EXERCISE_INFO", n, data)


_TABLES = {"OPT_CONTRACT_INFO": contract_info, "OPT_DAILY_PRICE": daily_price,
           "OPT_RISK_INDICATOR": risk_indicator, "OPT_DAILY_PREOPEN": daily_preopen,
           "OPT_EXERCISE_INFO": exercise_info}


def build(store, name: str) -> pd.DataFrame:
    """The ``opt`` table ``name`` of a sample ``store`` (JoinQuant's columns; dates as
    ``datetime64``)."""
    return _TABLES[name](store)
