"""Money flow (资金流向), margin trading (融资融券) and billboard (龙虎榜) data of the synthetic
sample market, derived on request from its daily bars.

The sample market (:mod:`jqlite.data.sample`) is synthetic; these three per-stock daily tables
are functions of its bars and of a counter-based hash of (code, day), so every answer is
deterministic (same code and day -> same row, in any process, whatever else was asked) and
nothing is stored.  They are *plausible*, with the identities JoinQuant's data obeys, not
estimates of anything real.  A store that is not the sample market (``meta.json`` ``name`` is
not ``sample``) never gets these: its calls answer empty with a data gap.

Models (per stock and trading day with a bar and volume > 0; ``chg`` = the day's change in
percent from the previous close, post-adjusted; ``M`` = the day's money in yuan):

* money flow -- ``net_pct_main = clip(chg + 7 z1, -60, 60)``; of it ``xl`` takes a share
  in [0.35, 0.65] plus noise and ``l`` the rest (``main = xl + l``, JoinQuant's definition);
  small orders take ``-(0.55..0.80) main`` plus noise and medium the remainder, so the four
  buckets' net flows sum to zero (every trade has a buyer and a seller).  ``net_amount_x =
  net_pct_x / 100 * M / 10_000`` in 万元 (JoinQuant's unit).
* margin trading -- a stock is eligible from its 60th trading day when its hash puts it in
  the 70 % of stocks that are (the list does not change otherwise).  Financing buys are
  6-12 % of the day's money; the balance follows ``bal_t = bal_{t-1} + buy_t - refund_t``
  exactly, with repayments pulling it towards 1.5-4 days of 20-day mean turnover.  Short
  selling is the same in shares (0.05-0.15 % of the day's volume).  ``fin_sec_value =
  fin_value + sec_value * close`` (融资融券余额, yuan).
* billboard -- a stock is listed on a day whose change reaches +7 % (``106001`` 涨幅偏离值达
  7%的证券) or -7 % (``106002`` 跌幅偏离值达7%的证券) or whose range (high - low) reaches 15 % of
  the previous close (``106003`` 日振幅值达15%的证券): one ``ALL`` row (rank 0, the sums), five
  ``BUY`` and five ``SELL`` seats (ranks 1-5) with values in yuan and rates in percent of the
  day's money.  The abnormal codes follow the exchanges' disclosure types; JoinQuant's own
  numbering of them is not documented (decision recorded in docs/data-coverage.md).

All values are rounded as JoinQuant prints them: percentages to 2 decimals, 万元 to 4, yuan to
2, shares to whole numbers.
"""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd

__all__ = ["is_sample", "money_flow", "mtss", "billboard", "margin_stocks"]

_M64 = np.uint64(0xFFFFFFFFFFFFFFFF)


def is_sample(store) -> bool:
    """True for jqlite's synthetic sample market (its ``meta.json`` name is ``sample``)."""
    return str(store.meta.get("name", "")) == "sample"


def _code_keys(codes) -> np.ndarray:
    return np.array([(zlib.crc32(c.encode()) << 32) | zlib.crc32(c[::-1].encode()) for c in codes],
                    dtype=np.uint64)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser (Steele et al. 2014), element-wise on uint64."""
    with np.errstate(over="ignore"):
        x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return x ^ (x >> np.uint64(31))


def _uniform(keys: np.ndarray, days_i8: np.ndarray, stream: int) -> np.ndarray:
    """``(n_days, n_codes)`` uniforms in [0, 1) that depend only on (code, day, stream)."""
    with np.errstate(over="ignore"):
        x = (keys[None, :] + days_i8.astype(np.uint64)[:, None] * np.uint64(0x9E3779B97F4A7C15)
             + np.uint64(stream) * np.uint64(0xD1B54A32D192ED03))
    return (_mix(_mix(x)) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53


def _normal(keys, days_i8, stream) -> np.ndarray:
    u1 = _uniform(keys, days_i8, 2 * stream)
    u2 = _uniform(keys, days_i8, 2 * stream + 1)
    return np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2 * np.pi * u2)


def _listed_stocks(store) -> list[str]:
    """The store's stocks without those synthesised on demand (answered, never listed: a list
    over the market must not depend on what earlier runs asked for)."""
    od = getattr(store, "on_demand", None) or ()
    return [c for c in store.codes if store.securities.at[c, "type"] == "stock" and c not in od]


def _stocks(store, codes) -> list[str]:
    sec = store.securities
    return [c for c in codes if c in store.code_index and sec.at[c, "type"] == "stock"]


def _panel(store, codes, a: int, b: int, extra_before: int = 1):
    """Bars of ``codes`` for days ``a - extra_before .. b`` (clipped at 0)."""
    lo = max(0, a - extra_before)
    cols = [store.col(c) for c in codes]
    get = {f: store.field(f)[lo:b + 1][:, cols] for f in ("close", "high", "low", "volume", "money", "factor")}
    return lo, get


def _change_pct(p) -> np.ndarray:
    """Day's change in percent from the previous close (post-adjusted); row 0 is NaN."""
    adj = p["close"] * p["factor"]
    prev = np.vstack([np.full((1, adj.shape[1]), np.nan), adj[:-1]])
    # the previous bar may be days back (suspension): carry the last known close forward
    prev = pd.DataFrame(prev).ffill().to_numpy()
    with np.errstate(invalid="ignore", divide="ignore"):
        return (adj / prev - 1.0) * 100.0


def money_flow(store, codes, a: int, b: int) -> pd.DataFrame:
    """Money-flow rows of ``codes`` (stocks; other codes are skipped) for store days ``a..b``.

    Parameters
    ----------
    store : jqlite.data.store.Store
        The sample market.
    codes : sequence of str
    a, b : int
        First and last day index (inclusive).

    Returns
    -------
    pandas.DataFrame
        JoinQuant's columns ``date`` (datetime64), ``sec_code``, ``change_pct`` (%),
        ``net_amount_main`` (万元), ``net_pct_main`` (%), ``net_amount_xl``, ``net_pct_xl``,
        ``net_amount_l``, ``net_pct_l``, ``net_amount_m``, ``net_pct_m``, ``net_amount_s``,
        ``net_pct_s``; one row per (stock, day with volume > 0), by code then date.
    """
    from ..api.reference import MONEY_FLOW_COLUMNS
    codes = _stocks(store, codes)
    if not codes or b < a:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "date" else object if c == "sec_code" else float)
                             for c in MONEY_FLOW_COLUMNS})
    lo, p = _panel(store, codes, a, b)
    chg = _change_pct(p)[a - lo:]
    money = p["money"][a - lo:]
    vol = p["volume"][a - lo:]
    days = store._dates_i8[a:b + 1]
    keys = _code_keys(codes)
    z1, z3, z5 = (_normal(keys, days, s) for s in (1, 3, 5))
    u2, u4 = _uniform(keys, days, 102), _uniform(keys, days, 104)
    c0 = np.nan_to_num(chg)
    # spread: a CSI 300 member's 主力净占比 is beyond +-15 % on a few days a quarter and
    # public JoinQuant strategies filter on > 10 / > 15 / > 20 (the strategy wizard's money-flow
    # filter, 'net_pct_main > 20 and < 60' screens); 0.8 chg + 3 z (std ~3.3, never above
    # ~10 on CSI 300) left such filters empty every day -- decision in docs/data-coverage.md
    main = np.clip(c0 + 7.0 * z1, -60.0, 60.0)
    xl = (0.35 + 0.30 * u2) * main + 0.8 * z3
    lg = main - xl
    sm = -(0.55 + 0.25 * u4) * main + 1.5 * z5
    md = -main - sm
    out = {"change_pct": np.round(chg, 2)}
    for name, pct in (("main", main), ("xl", xl), ("l", lg), ("m", md), ("s", sm)):
        out[f"net_amount_{name}"] = np.round(pct / 100.0 * money / 1e4, 4)
        out[f"net_pct_{name}"] = np.round(pct, 2)
    ok = (vol > 0) & np.isfinite(money)
    di, ci = np.nonzero(ok.T)[1], np.nonzero(ok.T)[0]   # code-major order
    frame = {"date": pd.to_datetime(store.dates[a:b + 1][di]).astype("datetime64[ns]"),
             "sec_code": np.asarray(codes, dtype=object)[ci]}
    for c in MONEY_FLOW_COLUMNS[2:]:
        frame[c] = out[c][di, ci]
    return pd.DataFrame(frame, columns=MONEY_FLOW_COLUMNS)


def _eligible(store, codes, keys) -> np.ndarray:
    """Per code: the first day index the stock is a margin target (n_days when never)."""
    out = np.full(len(codes), store.n_days, dtype=np.int64)
    pick = (_mix(keys ^ np.uint64(0x6D617267696E)) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53 < 0.7
    listed = ~np.isnan(store.field("close")[:, [store.col(c) for c in codes]])
    for j in range(len(codes)):
        if pick[j]:
            first = np.flatnonzero(listed[:, j])
            if len(first) > 60:
                out[j] = first[60]
    return out


def margin_stocks(store, day: int) -> list[str]:
    """Stocks that are margin-trading targets (融资融券标的) on store day ``day`` (sorted)."""
    stocks = _listed_stocks(store)
    keys = _code_keys(stocks)
    start = _eligible(store, stocks, keys)
    listed = ~np.isnan(store.field("close")[day, [store.col(c) for c in stocks]])
    return sorted(c for c, s, ok in zip(stocks, start, listed) if s <= day and ok)


def mtss(store, codes, a: int, b: int) -> pd.DataFrame:
    """融资融券 rows of ``codes`` for store days ``a..b``: see the module docstring.

    Returns
    -------
    pandas.DataFrame
        Columns ``date`` (datetime64), ``sec_code``, ``fin_value``, ``fin_buy_value``,
        ``fin_refund_value`` (yuan), ``sec_value``, ``sec_sell_value``, ``sec_refund_value``
        (shares), ``fin_sec_value`` (yuan); rows for eligible stocks on days they trade, by
        code then date.  ``fin_value[t] = fin_value[t-1] + fin_buy_value[t] -
        fin_refund_value[t]`` (and the same for ``sec_*``) up to rounding.
    """
    from ..api.reference import MTSS_COLUMNS
    codes = _stocks(store, codes)
    rows = []
    if codes and b >= a:
        keys = _code_keys(codes)
        start = _eligible(store, codes, keys)
        for j, c in enumerate(codes):
            s = int(start[j])
            if s > b:
                continue
            lo, p = _panel(store, [c], s, b, extra_before=20)
            money, vol, close = p["money"][:, 0], p["volume"][:, 0], p["close"][:, 0]
            m0 = np.nan_to_num(money)
            v0 = np.nan_to_num(vol)
            ma_m = pd.Series(m0).rolling(20, min_periods=1).mean().to_numpy()
            ma_v = pd.Series(v0).rolling(20, min_periods=1).mean().to_numpy()
            days = store._dates_i8[lo:b + 1]
            k = keys[j:j + 1]
            u_buy = _uniform(k, days, 201)[:, 0]
            u_sell = _uniform(k, days, 202)[:, 0]
            depth = 1.5 + 2.5 * float((_mix(k ^ np.uint64(0x66696E)) >> np.uint64(11))[0]) * 2.0 ** -53
            n = len(days)
            fb, fr, fv = np.zeros(n), np.zeros(n), np.zeros(n)
            sb, sr, sv = np.zeros(n), np.zeros(n), np.zeros(n)
            i0 = s - lo
            fv_prev, sv_prev = depth * ma_m[i0], np.round(0.002 * depth * ma_v[i0])
            for i in range(i0, n):
                trade = v0[i] > 0
                buy = (0.06 + 0.06 * u_buy[i]) * m0[i] if trade else 0.0
                ref = max(0.0, buy - 0.2 * (depth * ma_m[i] - fv_prev)) if trade else 0.0
                fb[i], fr[i] = buy, ref
                fv[i] = fv_prev = fv_prev + buy - ref
                sell = np.round((0.0005 + 0.001 * u_sell[i]) * v0[i]) if trade else 0.0
                sref = max(0.0, np.round(sell - 0.2 * (0.002 * depth * ma_v[i] - sv_prev))) if trade else 0.0
                sref = min(sref, sv_prev + sell)
                sb[i], sr[i] = sell, sref
                sv[i] = sv_prev = sv_prev + sell - sref
            keep = np.arange(n) >= max(i0, a - lo)
            keep &= v0 > 0
            idx = np.flatnonzero(keep)
            if len(idx) == 0:
                continue
            rows.append(pd.DataFrame({
                "date": pd.to_datetime(store.dates[lo + idx]).astype("datetime64[ns]"), "sec_code": c,
                "fin_value": np.round(fv[idx], 2), "fin_buy_value": np.round(fb[idx], 2),
                "fin_refund_value": np.round(fr[idx], 2), "sec_value": sv[idx],
                "sec_sell_value": sb[idx], "sec_refund_value": sr[idx],
                "fin_sec_value": np.round(fv[idx] + sv[idx] * close[idx], 2)}))
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "date" else object if c == "sec_code" else float)
                             for c in MTSS_COLUMNS})
    return pd.concat(rows, ignore_index=True)[MTSS_COLUMNS]


_BROKERS = ("华星", "东方", "中达", "金润", "宏信", "天洋", "国泰", "申银", "招商", "银河", "广发", "海通")
_PLACES = ("上海溧阳路", "深圳益田路", "北京金融大街", "杭州解放路", "成都南一环路", "宁波开明街",
           "拉萨团结路", "南京太平南路", "广州天河路", "厦门厦禾路", "西安朱雀大街", "武汉新华路")
_ABNORMAL = {"106001": "涨幅偏离值达7%的证券", "106002": "跌幅偏离值达7%的证券",
             "106003": "日振幅值达15%的证券"}


def _seat(u: float, v: float) -> str:
    if u < 0.22:
        return "机构专用"
    if u < 0.30:
        return "深股通专用" if v < 0.5 else "沪股通专用"
    b = _BROKERS[int(v * len(_BROKERS)) % len(_BROKERS)]
    p = _PLACES[int(u * 1000) % len(_PLACES)]
    return f"{b}证券股份有限公司{p}证券营业部"


def billboard(store, codes, a: int, b: int) -> pd.DataFrame:
    """龙虎榜 rows for store days ``a..b`` (``codes`` None: every stock).

    Returns
    -------
    pandas.DataFrame
        JoinQuant's columns ``code, day (datetime.date), direction (ALL/BUY/SELL),
        abnormal_code, abnormal_name, sales_depart_name, rank (0 summary, 1-5 seats),
        buy_value, buy_rate, sell_value, sell_rate, net_value, amount, total_value`` (yuan;
        rates in percent of ``amount``, the stock's money that day); per listed stock-day:
        the ALL row, then BUY ranks 1-5, then SELL ranks 1-5; by day then code.
    """
    from ..api.reference import BILLBOARD_COLUMNS
    codes = _listed_stocks(store) if codes is None else _stocks(store, codes)
    recs = []
    if codes and b >= a:
        lo, p = _panel(store, codes, a, b)
        chg = _change_pct(p)
        prev = pd.DataFrame(np.vstack([np.full((1, len(codes)), np.nan), p["close"][:-1]])).ffill().to_numpy()
        with np.errstate(invalid="ignore", divide="ignore"):
            amp = (p["high"] - p["low"]) / prev * 100.0
        chg, amp = chg[a - lo:], amp[a - lo:]
        money, vol = p["money"][a - lo:], p["volume"][a - lo:]
        keys = _code_keys(codes)
        days = store._dates_i8[a:b + 1]
        cache = store.__dict__.setdefault("_jqlite_billboard_rows", {})
        for di, ci in zip(*np.nonzero((vol > 0) & ((np.nan_to_num(np.abs(chg)) >= 7.0) | (np.nan_to_num(amp) >= 15.0)))):
            key = (a + int(di), codes[ci])
            if key in cache:   # a stock-day's list never changes: strategies re-ask 30-day windows daily
                recs.extend(cache[key])
                continue
            first = len(recs)
            kind = "106001" if chg[di, ci] >= 7.0 else "106002" if chg[di, ci] <= -7.0 else "106003"
            amt = float(money[di, ci])
            u = _uniform(keys[ci:ci + 1], days[di:di + 1], 300)[0, 0]
            side = 1.0 if kind == "106001" else -1.0 if kind == "106002" else (u - 0.5) * 2
            k = keys[ci:ci + 1]
            d = days[di:di + 1]
            seats = []
            for direction, base, st in (("BUY", 0.10 + 0.06 * side, 310), ("SELL", 0.10 - 0.06 * side, 330)):
                shares = np.sort([_uniform(k, d, st + r)[0, 0] for r in range(5)])[::-1]
                shares = base * shares / shares.sum() * (0.8 + 0.4 * _uniform(k, d, st + 9)[0, 0])
                for r in range(5):
                    main = shares[r] * amt
                    other = main * 0.15 * _uniform(k, d, st + 20 + r)[0, 0]   # the seat also traded the other way
                    bv, sv = (main, other) if direction == "BUY" else (other, main)
                    name = _seat(_uniform(k, d, st + 40 + r)[0, 0], _uniform(k, d, st + 60 + r)[0, 0])
                    bump = 1
                    while name != "机构专用" and name in {x[2] for x in seats if x[0] == direction}:
                        name = _seat(0.3 + ((_uniform(k, d, st + 80 + r)[0, 0] + bump * 0.37) % 0.7),
                                     (_uniform(k, d, st + 90 + r)[0, 0] + bump * 0.29) % 1.0)
                        bump += 1   # one list names a branch once (机构专用 may repeat, as on the exchanges)
                    seats.append((direction, r + 1, name, bv, sv))
            day = store.dates[a + di].date()
            tb, ts = sum(s[3] for s in seats), sum(s[4] for s in seats)
            rows = [("ALL", 0, None, tb, ts)] + seats
            for direction, rank, name, bv, sv in rows:
                recs.append((codes[ci], day, direction, kind, _ABNORMAL[kind], name, rank,
                             round(bv, 2), round(bv / amt * 100, 2), round(sv, 2), round(sv / amt * 100, 2),
                             round(bv - sv, 2), round(amt, 2), round(bv + sv, 2)))
            cache[key] = recs[first:]
    df = pd.DataFrame.from_records(recs, columns=BILLBOARD_COLUMNS)
    if df.empty:
        num = {"rank", "buy_value", "buy_rate", "sell_value", "sell_rate", "net_value", "amount", "total_value"}
        return pd.DataFrame({c: pd.Series(dtype=float if c in num else object) for c in BILLBOARD_COLUMNS})
    return df.sort_values(["day", "code"], kind="stable").reset_index(drop=True)
