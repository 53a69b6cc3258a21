"""Futures of the sample market: varieties, contract calendars and deterministic synthetic bars.

JoinQuant codes futures as ``<VARIETY><YYMM>.<EXCHANGE>`` (``IF2103.CCFX``, ``RB2105.XSGE``,
``SR2105.XZCE`` -- four digits on every exchange), plus two continuous codes per variety:
``<V>8888`` (主力连续: the bars of the dominant contract of each day, spliced without
adjustment) and ``<V>9999`` (指数连续: the open-interest weighted average of all listed
contracts).  This module holds what the sample market knows about them:

* :data:`VARIETIES` -- exchange, contract multiplier, price tick, default margin rate, daily
  price limit, liquid delivery months, first listing day, and for the CFFEX index futures the
  underlying index (IF 000300, IH 000016, IC 000905, IM 000852);
* :func:`contracts` -- every contract of a variety over the store's calendar with its first and
  last trading day: CFFEX index futures list the current month, the next month and the next two
  quarter months and expire on the third Friday of the delivery month (the next trading day when
  that is a holiday); commodity contracts list twelve months ahead and stop trading on the 15th of
  the delivery month (SHFE/INE, next trading day when a holiday) or on its 10th trading day
  (DCE/CZCE/GFEX);
* :func:`panel` -- the variety's bars (open/high/low/close, volume, money, open interest,
  settlement price, price limits) for every contract and for the two continuous codes, plus the
  dominant contract of each day.

Prices: a spot path ``S`` (the underlying index's bars for index futures, a seeded random walk
for commodities) times ``exp(b * tau)`` where ``tau`` is the contract's remaining life in years
and ``b`` a slowly moving annualised basis (index futures trade at a discount, 贴水): every
contract converges to the spot at expiry.  Dominant contract: the contract with the largest open
interest becomes dominant from the next trading day once its open interest at the close exceeds
the current dominant's by 10 %; only later deliveries can take over (never back), and for index
futures only the current and next month compete (the rule JoinQuant and RiceQuant describe).

Everything depends only on the store's seed, calendar and base index bars, never on what was
asked before, so a contract's bars are the same in every run and process.  Simplifications (see
docs/futures.md): no night sessions (minute bars follow the 240 stock-session minutes), daily
settlement price = a tick-rounded average of the day's prices (index futures: near the close; at
expiry the underlying's close), no 交割月 margin steps.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

FUTURES_EXCHANGES = ("CCFX", "XSGE", "XDCE", "XZCE", "XINE", "GFEX")
CODE_RE = re.compile(r"^([A-Z]{1,2})(\d{4})\.(CCFX|XSGE|XDCE|XZCE|XINE|GFEX)$")
_LOOSE_RE = re.compile(r"^([A-Za-z]{1,2})(\d{3,4})\.(CCFX|XSGE|XDCE|XZCE|XINE|GFEX)$")


@dataclass(frozen=True)
class Variety:
    """One futures variety (品种).

    Attributes
    ----------
    symbol : str
        ``'IF'``, ``'RB'`` ...
    exchange : str
        JoinQuant suffix (``CCFX`` CFFEX, ``XSGE`` SHFE, ``XDCE`` DCE, ``XZCE`` CZCE, ``XINE`` INE,
        ``GFEX``).
    name : str
        Chinese name.
    multiplier : float
        Contract multiplier (units of the underlying per lot; yuan per index point for CFFEX).
    tick : float
        Minimum price move in yuan.
    margin : float
        Default margin rate (fraction of the contract value); ``set_option('futures_margin_rate')``
        overrides it.
    limit : float
        Daily price limit as a fraction of the previous settlement price.
    main_months : tuple of int
        Delivery months that carry the liquidity (the dominant contract is one of them).
    listed : str
        First listing day of the variety (ISO date).
    price0 : float
        Level of the synthetic spot at the store's first day (commodities).
    vol : float
        Daily volatility of the synthetic spot (commodities).
    oi : float
        Typical total open interest in lots.
    underlying : str or None
        The index an index future settles on.
    months : tuple of int
        Delivery months listed (commodities; CFFEX follows its own rule).
    """

    symbol: str
    exchange: str
    name: str
    multiplier: float
    tick: float
    margin: float
    limit: float
    main_months: tuple
    listed: str
    price0: float = 0.0
    vol: float = 0.015
    oi: float = 200000.0
    underlying: str | None = None
    months: tuple = tuple(range(1, 13))

    @property
    def is_index(self) -> bool:
        return self.underlying is not None

    @property
    def type(self) -> str:
        """``'index_futures'`` for the CFFEX index futures, else ``'futures'`` (the category
        ``set_order_cost``/``set_slippage`` use)."""
        return "index_futures" if self.is_index else "futures"


_M159 = (1, 5, 9)
_V = [
    Variety("IF", "CCFX", "沪深300", 300, 0.2, 0.12, 0.10, (), "2010-04-16", oi=180000, underlying="000300.XSHG"),
    Variety("IH", "CCFX", "上证50", 300, 0.2, 0.12, 0.10, (), "2015-04-16", oi=80000, underlying="000016.XSHG"),
    Variety("IC", "CCFX", "中证500", 200, 0.2, 0.14, 0.10, (), "2015-04-16", oi=160000, underlying="000905.XSHG"),
    Variety("IM", "CCFX", "中证1000", 200, 0.2, 0.14, 0.10, (), "2022-07-22", oi=120000, underlying="000852.XSHG"),
    Variety("RB", "XSGE", "螺纹钢", 10, 1, 0.10, 0.07, (1, 5, 10), "2009-03-27", 3600, 0.015, 2000000),
    Variety("HC", "XSGE", "热轧卷板", 10, 1, 0.10, 0.07, (1, 5, 10), "2014-03-21", 3700, 0.015, 1000000),
    Variety("CU", "XSGE", "铜", 5, 10, 0.10, 0.06, (1, 3, 5, 7, 9, 11), "1993-03-01", 50000, 0.012, 200000),
    Variety("AL", "XSGE", "铝", 5, 5, 0.10, 0.06, (1, 3, 5, 7, 9, 11), "1992-05-28", 15000, 0.011, 300000),
    Variety("ZN", "XSGE", "锌", 5, 5, 0.10, 0.06, (1, 3, 5, 7, 9, 11), "2007-03-26", 20000, 0.013, 200000),
    Variety("NI", "XSGE", "镍", 1, 10, 0.12, 0.08, (1, 5, 9), "2015-03-27", 100000, 0.018, 300000),
    Variety("AU", "XSGE", "黄金", 1000, 0.02, 0.08, 0.05, (6, 12), "2008-01-09", 300, 0.009, 200000),
    Variety("AG", "XSGE", "白银", 15, 1, 0.10, 0.06, (6, 12), "2012-05-10", 4500, 0.014, 600000),
    Variety("RU", "XSGE", "天然橡胶", 10, 5, 0.10, 0.06, _M159, "1999-01-01", 13000, 0.016, 250000),
    Variety("BU", "XSGE", "沥青", 10, 1, 0.10, 0.07, (6, 12), "2013-10-09", 3000, 0.016, 500000),
    Variety("FU", "XSGE", "燃料油", 10, 1, 0.10, 0.07, _M159, "2004-08-25", 2500, 0.018, 500000),
    Variety("SP", "XSGE", "纸浆", 10, 2, 0.10, 0.06, _M159, "2018-11-27", 5000, 0.015, 300000),
    Variety("SC", "XINE", "原油", 1000, 0.1, 0.10, 0.08, tuple(range(1, 13)), "2018-03-26", 450, 0.02, 60000),
    Variety("I", "XDCE", "铁矿石", 100, 0.5, 0.12, 0.08, _M159, "2013-10-18", 650, 0.02, 900000),
    Variety("J", "XDCE", "焦炭", 100, 0.5, 0.12, 0.08, _M159, "2011-04-15", 1800, 0.018, 150000),
    Variety("JM", "XDCE", "焦煤", 60, 0.5, 0.12, 0.08, _M159, "2013-03-22", 1200, 0.018, 200000),
    Variety("M", "XDCE", "豆粕", 10, 1, 0.08, 0.05, _M159, "2000-07-17", 3000, 0.011, 2000000),
    Variety("Y", "XDCE", "豆油", 10, 2, 0.08, 0.06, _M159, "2006-01-09", 6500, 0.013, 600000),
    Variety("A", "XDCE", "豆一", 10, 1, 0.08, 0.05, _M159, "1999-01-04", 4300, 0.011, 150000),
    Variety("P", "XDCE", "棕榈油", 10, 2, 0.08, 0.06, _M159, "2007-10-29", 6000, 0.015, 500000),
    Variety("C", "XDCE", "玉米", 10, 1, 0.08, 0.04, _M159, "2004-09-22", 2300, 0.009, 1200000),
    Variety("L", "XDCE", "聚乙烯", 5, 1, 0.08, 0.05, _M159, "2007-07-31", 8500, 0.013, 400000),
    Variety("PP", "XDCE", "聚丙烯", 5, 1, 0.08, 0.05, _M159, "2014-02-28", 8000, 0.013, 500000),
    Variety("V", "XDCE", "聚氯乙烯", 5, 1, 0.08, 0.05, _M159, "2009-05-25", 6500, 0.013, 500000),
    Variety("EG", "XDCE", "乙二醇", 10, 1, 0.08, 0.06, _M159, "2018-12-10", 4800, 0.015, 400000),
    Variety("JD", "XDCE", "鸡蛋", 10, 1, 0.08, 0.05, _M159, "2013-11-08", 4000, 0.015, 200000),
    Variety("LH", "XDCE", "生猪", 16, 5, 0.12, 0.08, _M159, "2021-01-08", 25000, 0.02, 60000,
            months=(1, 3, 5, 7, 9, 11)),
    Variety("SR", "XZCE", "白糖", 10, 1, 0.07, 0.05, _M159, "2006-01-06", 5500, 0.01, 600000),
    Variety("CF", "XZCE", "棉花", 5, 5, 0.07, 0.05, _M159, "2004-06-01", 14000, 0.011, 600000),
    Variety("TA", "XZCE", "PTA", 5, 2, 0.07, 0.05, _M159, "2006-12-18", 5000, 0.014, 1500000),
    Variety("MA", "XZCE", "甲醇", 10, 1, 0.07, 0.05, _M159, "2011-10-28", 2500, 0.016, 1000000),
    Variety("FG", "XZCE", "玻璃", 20, 1, 0.07, 0.05, _M159, "2012-12-03", 1300, 0.016, 800000),
    Variety("RM", "XZCE", "菜粕", 10, 1, 0.07, 0.05, _M159, "2012-12-28", 2400, 0.013, 600000),
    Variety("OI", "XZCE", "菜籽油", 10, 1, 0.07, 0.05, _M159, "2007-06-08", 7500, 0.012, 200000),
    Variety("ZC", "XZCE", "动力煤", 100, 0.2, 0.10, 0.05, _M159, "2013-09-26", 550, 0.013, 300000),
    Variety("SA", "XZCE", "纯碱", 20, 1, 0.07, 0.05, _M159, "2019-12-06", 1600, 0.018, 800000),
    Variety("AP", "XZCE", "苹果", 10, 1, 0.10, 0.06, (1, 5, 10), "2017-12-22", 7500, 0.018, 300000),
    Variety("SI", "GFEX", "工业硅", 5, 5, 0.08, 0.06, _M159, "2022-12-22", 17000, 0.015, 200000),
    Variety("LC", "GFEX", "碳酸锂", 1, 50, 0.09, 0.07, _M159, "2023-07-21", 200000, 0.025, 300000),
]
#: symbol -> :class:`Variety`
VARIETIES: dict[str, Variety] = {v.symbol: v for v in _V}


def parse(code) -> tuple[Variety, str] | None:
    """``(variety, digits)`` of a futures code of a known variety (``'IF2103.CCFX'`` ->
    ``(IF, '2103')``; continuous codes give ``'8888'``/``'9999'``), or None."""
    if not isinstance(code, str):
        return None
    m = CODE_RE.match(code)
    if not m:
        return None
    v = VARIETIES.get(m.group(1))
    if v is None or v.exchange != m.group(3):
        return None
    return v, m.group(2)


def is_known(code) -> bool:
    """Whether ``code`` names a contract month or continuous code of a known variety on its
    exchange (the contract may not exist in the store's calendar: :func:`contract_range`)."""
    p = parse(code)
    if p is None:
        return False
    d = p[1]
    if d in ("8888", "9999"):
        return True
    mm = int(d[2:])
    return 1 <= mm <= 12


def variety_of(code) -> Variety | None:
    """The variety of a futures code (``'IF2103.CCFX'``) or of a bare symbol (``'IF'``)."""
    if isinstance(code, str) and code.upper() in VARIETIES:
        return VARIETIES[code.upper()]
    p = parse(code)
    return p[0] if p else None


def _third_friday(y: int, m: int) -> _dt.date:
    d = _dt.date(y, m, 15)
    return d + _dt.timedelta(days=(4 - d.weekday()) % 7)


def _ym_add(y: int, m: int, k: int) -> tuple[int, int]:
    t = y * 12 + (m - 1) + k
    return t // 12, t % 12 + 1


def _code(v: Variety, y: int, m: int) -> str:
    return f"{v.symbol}{y % 100:02d}{m:02d}.{v.exchange}"


@dataclass(frozen=True)
class Contract:
    """One contract month: ``code``, delivery ``year``/``month``, first and last trading day as
    positions ``i0``/``i1`` in the store calendar (``i0`` clipped to the calendar's start)."""

    code: str
    year: int
    month: int
    i0: int
    i1: int


def contracts(dates: pd.DatetimeIndex, v: Variety) -> list[Contract]:
    """Every contract of variety ``v`` that trades on a day of ``dates`` (a trading calendar),
    in delivery order.

    Raises
    ------
    ValueError
        ``dates`` is empty.
    """
    if len(dates) == 0:
        raise ValueError("contracts(): empty calendar")
    d8 = dates.values.astype("datetime64[D]")
    first = np.datetime64(v.listed, "D")
    n = len(d8)

    def first_on_or_after(day: _dt.date) -> int:
        return int(np.searchsorted(d8, np.datetime64(day, "D"), side="left"))

    out: dict[str, list] = {}
    y0, y1 = dates[0].year, dates[-1].year
    if v.is_index:
        exp = {}
        for y in range(y0 - 1, y1 + 2):
            for m in range(1, 13):
                exp[(y, m)] = first_on_or_after(_third_friday(y, m))
        ym = (y0 - 1, 12)
        start = max(0, first_on_or_after(pd.Timestamp(v.listed).date()))
        for i in range(start, n):
            while exp[ym] < i:
                ym = _ym_add(*ym, 1)
            cur = ym
            nxt = _ym_add(*cur, 1)
            listed = [cur, nxt]
            k = nxt
            while len(listed) < 4:
                k = _ym_add(*k, 1)
                if k[1] % 3 == 0:
                    listed.append(k)
            for y, m in listed:
                c = _code(v, y, m)
                if c in out:
                    out[c][4] = i
                else:
                    out[c] = [c, y, m, i, i]
        res = [Contract(*r) for r in out.values()]
        return sorted(res, key=lambda c: (c.year, c.month))
    res = []
    for y in range(y0 - 1, y1 + 2):
        for m in v.months:
            ly, lm = _ym_add(y, m, -12)
            i0 = first_on_or_after(_dt.date(ly, lm, 1))
            if v.exchange in ("XSGE", "XINE"):
                i1 = first_on_or_after(_dt.date(y, m, 15))
                if i1 < n and d8[i1] >= np.datetime64(_dt.date(*_ym_add(y, m, 1), 1), "D"):
                    i1 -= 1
            else:
                i1 = first_on_or_after(_dt.date(y, m, 1)) + 9
            if i1 >= n:
                # the calendar ends first: the last trading day lies beyond the store
                last_day = _dt.date(y, m, 15 if v.exchange in ("XSGE", "XINE") else 14)
                if np.datetime64(last_day, "D") <= d8[-1]:
                    i1 = n - 1
                else:
                    i1 = n + 100     # still trading at the store's end
            if d8[min(i0, n - 1)] < first or i0 >= n and np.datetime64(_dt.date(ly, lm, 1), "D") < first:
                # listed with the variety: only deliveries at least 6 months after its first day
                # (the exchange's first contracts; e.g. LH lists 2021-01-08 with LH2109 first)
                if np.datetime64(_dt.date(y, m, 1), "D") < first + np.timedelta64(183, "D"):
                    continue
            while i0 < n and d8[i0] < first:
                i0 += 1
            if i0 >= n or i1 < 0 or i0 > i1:
                continue
            res.append(Contract(_code(v, y, m), y, m, i0, i1))
    return res


def contract_range(dates: pd.DatetimeIndex, code: str) -> Contract | None:
    """The :class:`Contract` of ``code`` in the calendar ``dates``, or None when it never trades
    there (or is a continuous code)."""
    v = variety_of(code)
    if v is None:
        return None
    for c in contracts(dates, v):
        if c.code == code:
            return c
    return None


def _round_tick(x, tick):
    return np.round(np.asarray(x, dtype=float) / tick) * tick


class Panel:
    """The synthetic market of one variety over a store's calendar (see the module docstring).

    Attributes
    ----------
    variety : Variety
    contracts : list of Contract
    fields : dict of str to numpy.ndarray
        ``open high low close volume money open_interest settlement pre_close high_limit
        low_limit`` arrays of shape ``(n_days, n_contracts)`` (NaN where a contract does not
        trade); prices in yuan (index points for CFFEX), volume and open interest in lots,
        money in yuan (price * volume * multiplier).
    dominant : numpy.ndarray of int
        Shape ``(n_days,)``: the column of each day's dominant contract (-1 before listing).
    continuous : dict of str to dict
        ``'8888'`` and ``'9999'`` -> field -> ``(n_days,)`` array.
    """

    def __init__(self, store, v: Variety):
        from .sample import _rng
        from .on_demand import _generator_args
        seed = int(_generator_args(store.path)["seed"])
        dates = store.dates
        T = len(dates)
        self.variety = v
        cs = contracts(dates, v)
        self.contracts = cs
        self.index = {c.code: k for k, c in enumerate(cs)}
        K = len(cs)
        rng = _rng(seed, f"futures:{v.symbol}")
        # ---- spot (open, high, low, close) and the annualised basis
        if v.is_index:
            j = store.code_index.get(v.underlying)
            if j is None:
                raise ValueError(f"futures {v.symbol}: the underlying {v.underlying} is not in the store")
            so, sh, sl, sc = (store.field(f)[:, j].astype(float) for f in ("open", "high", "low", "close"))
            ok = np.isfinite(sc)
            for a in (so, sh, sl, sc):
                a[~ok] = np.nan
            b0 = {"IF": -0.03, "IH": -0.01, "IC": -0.08, "IM": -0.10}.get(v.symbol, -0.03)
            bsd = 0.012
        else:
            eps = rng.standard_t(5, size=T) / math.sqrt(5 / 3)
            logs = np.empty(T)
            lp = math.log(v.price0)
            for t in range(T):
                lp += v.vol * eps[t] - 0.003 * (lp - math.log(v.price0))
                logs[t] = lp
            sc = np.exp(logs)
            prev = np.r_[sc[0], sc[:-1]]
            so = prev * np.exp(0.35 * np.log(sc / prev) + 0.3 * v.vol * rng.standard_normal(T))
            sh = np.maximum(so, sc) * np.exp(0.5 * v.vol * np.abs(rng.standard_normal(T)))
            sl = np.minimum(so, sc) * np.exp(-0.5 * v.vol * np.abs(rng.standard_normal(T)))
            b0 = float(rng.uniform(-0.06, 0.04))
            bsd = 0.01
        b = np.empty(T)
        x = b0
        for t, e in enumerate(rng.standard_normal(T)):
            x = b0 + 0.97 * (x - b0) + bsd * e
            b[t] = x
        oi_level = v.oi * np.exp(np.cumsum(0.03 * rng.standard_normal(T)) * 0.3)
        # ---- contracts
        F = {f: np.full((T, K), np.nan) for f in ("open", "high", "low", "close", "volume", "money",
                                                   "open_interest", "settlement", "pre_close",
                                                   "high_limit", "low_limit")}
        W = np.zeros((T, K))
        for k, c in enumerate(cs):
            a, z = c.i0, min(c.i1, T - 1)
            if a > z:
                continue
            r = _rng(seed, f"futures:{c.code}")
            idx = np.arange(a, z + 1)
            tau = (c.i1 - idx) / 244.0
            u = 0.01 * r.standard_normal()
            g = np.exp((b[idx] + u) * tau)
            n = len(idx)
            no = 1 + 0.0004 * r.standard_normal(n)
            nc = 1 + 0.0004 * r.standard_normal(n)
            o = _round_tick(so[idx] * g * no, v.tick)
            cl = _round_tick(sc[idx] * g * nc, v.tick)
            hi = np.maximum(_round_tick(sh[idx] * g, v.tick), np.maximum(o, cl))
            lo = np.minimum(_round_tick(sl[idx] * g, v.tick), np.minimum(o, cl))
            if v.is_index:
                st = _round_tick(cl * (1 + 0.0003 * r.standard_normal(n)), v.tick)
            else:
                st = _round_tick((o + hi + lo + cl) / 4, v.tick)
            st = np.minimum(np.maximum(st, lo), hi)
            if v.is_index and c.i1 <= T - 1:
                st[-1] = round(float(sc[c.i1]), 2)   # delivery settlement on the underlying
            prev_st = np.r_[st[0] if a == c.i0 else st[0], st[:-1]]
            hl = _round_tick(prev_st * (1 + v.limit), v.tick)
            ll = _round_tick(prev_st * (1 - v.limit), v.tick)
            o, cl, hi, lo = (np.minimum(np.maximum(q, ll), hl) for q in (o, cl, hi, lo))
            F["open"][idx, k], F["close"][idx, k], F["high"][idx, k], F["low"][idx, k] = o, cl, hi, lo
            F["settlement"][idx, k] = st
            F["high_limit"][idx, k], F["low_limit"][idx, k] = hl, ll
            F["pre_close"][idx, k] = np.r_[o[0], cl[:-1]]
            td = (c.i1 - idx).astype(float)          # trading days left
            if v.is_index:
                w = None                             # by rank, below
            else:
                w = np.exp(-((td - 90.0) / 50.0) ** 2) * np.minimum(1.0, (td + 1) / 20.0)
                if c.month not in v.main_months:
                    w = w * 0.08
                W[idx, k] = w * np.exp(0.05 * r.standard_normal(n))
            F["volume"][idx, k] = np.exp(0.3 * r.standard_normal(n))   # turnover noise, scaled below
        if v.is_index:      # current month until its last days, then the next; quarters thin
            alive = ~np.isnan(F["close"])
            for t in range(T):
                ks = np.flatnonzero(alive[t])
                for rank, k in enumerate(ks):
                    if rank == 0:
                        td = cs[k].i1 - t
                        W[t, k] = min(1.0, max(td, 0.6) / 6.0)
                    else:
                        W[t, k] = (0.55, 0.2, 0.08)[min(rank - 1, 2)]
            W *= np.exp(0.05 * rng.standard_normal(W.shape))
        alive = ~np.isnan(F["close"])
        W = np.where(alive, W, 0.0)
        tot = W.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(tot[:, None] > 0, W / tot[:, None], 0.0)
        oi = np.round(oi_level[:, None] * share)
        oi = np.where(alive, np.maximum(oi, 1.0), np.nan)
        turnover = 0.6 if v.is_index else 0.9
        vol = np.where(alive, np.maximum(np.round(oi * turnover * F["volume"]), 1.0), np.nan)
        avgp = (F["open"] + F["high"] + F["low"] + F["close"]) / 4
        F["open_interest"] = oi
        F["volume"] = vol
        F["money"] = np.round(vol * avgp * v.multiplier, 2)
        self.fields = F
        # ---- dominant contract: +10 % open interest at the close switches from the next day
        dom = np.full(T, -1, dtype=np.int64)
        cur = -1
        for t in range(T):
            if t > 0 and cur >= 0 and not alive[t, cur]:
                cur = -1
            y = t - 1
            if y >= 0:
                cand = np.flatnonzero(alive[y] & alive[t])
                if v.is_index:
                    cand = cand[:2]
                if cur < 0:
                    if cand.size:
                        cur = int(cand[np.argmax(oi[y, cand])])
                else:
                    later = cand[cand > cur]
                    if later.size:
                        best = int(later[np.argmax(oi[y, later])])
                        if oi[y, best] > 1.1 * oi[y, cur]:
                            cur = best
            elif alive[t].any():
                ks = np.flatnonzero(alive[t])
                cur = int(ks[np.argmax(oi[t, ks])])
            dom[t] = cur
        self.dominant = dom
        # ---- continuous codes
        rows = np.arange(T)
        ok = dom >= 0
        c8 = {}
        for f, arr in F.items():
            col = np.full(T, np.nan)
            col[ok] = arr[rows[ok], dom[ok]]
            c8[f] = col
        c8["pre_close"] = np.r_[np.nan, c8["close"][:-1]]
        first = int(np.argmax(ok)) if ok.any() else T
        if first < T:
            c8["pre_close"][first] = c8["open"][first]
        c9 = {}
        with np.errstate(invalid="ignore", divide="ignore"):
            wsum = np.nansum(np.where(alive, oi, 0.0), axis=1)
            for f in ("open", "high", "low", "close", "settlement", "high_limit", "low_limit"):
                c9[f] = _round_tick(np.nansum(np.where(alive, F[f] * oi, 0.0), axis=1) / wsum, v.tick)
        c9["high"] = np.maximum(c9["high"], np.maximum(c9["open"], c9["close"]))
        c9["low"] = np.minimum(c9["low"], np.minimum(c9["open"], c9["close"]))
        c9["volume"] = np.nansum(np.where(alive, vol, 0.0), axis=1)
        c9["money"] = np.nansum(np.where(alive, F["money"], 0.0), axis=1)
        c9["open_interest"] = wsum
        has = wsum > 0
        for f in c9:
            c9[f] = np.where(has, c9[f], np.nan)
        c9["pre_close"] = np.r_[np.nan, c9["close"][:-1]]
        f9 = int(np.argmax(has)) if has.any() else T
        if f9 < T:
            c9["pre_close"][f9] = c9["open"][f9]
        self.continuous = {"8888": c8, "9999": c9}

    def series(self, code: str) -> dict[str, np.ndarray] | None:
        """Field -> ``(n_days,)`` array of a contract or continuous code, None when unknown."""
        p = parse(code)
        if p is None or p[0] is not self.variety:
            return None
        if p[1] in self.continuous:
            return self.continuous[p[1]]
        k = self.index.get(code)
        if k is None:
            return None
        return {f: a[:, k] for f, a in self.fields.items()}

    def listed_on(self, i: int) -> list[str]:
        """Contract codes trading on calendar day ``i``, nearest delivery first."""
        return [c.code for c in self.contracts if c.i0 <= i <= c.i1]

    def dominant_on(self, i: int) -> str:
        """The dominant contract on calendar day ``i`` ('' before the variety lists)."""
        if i < 0 or i >= len(self.dominant) or self.dominant[i] < 0:
            return ""
        return self.contracts[int(self.dominant[i])].code


def panel(store, v: Variety | str) -> Panel:
    """The (cached per store) :class:`Panel` of a variety of a sample store."""
    if isinstance(v, str):
        v = VARIETIES[v.upper()]
    key = f"futures_panel:{v.symbol}"
    got = store._cache.get(key) if hasattr(store, "_cache") else None
    if got is not None:
        return got
    for f in ("open", "high", "low", "close"):
        store.field(f)      # loaded outside store.cached(): its lock is not re-entrant
    return store.cached(key, lambda: Panel(store, v))


# ----------------------------------------------------------------------------- store side
def security_row(store, code: str) -> dict:
    """The master row (``securities`` columns plus futures details) of a futures code.

    Raises
    ------
    ValueError
        Not a code of a known variety, or a contract month that does not trade in the store's
        calendar.
    """
    from . import schema
    p = parse(code)
    if p is None:
        raise ValueError(f"{code!r} is not a futures code of a known variety ({', '.join(VARIETIES)})")
    v, d = p
    dates = store.dates
    if d in ("8888", "9999"):
        start = max(pd.Timestamp(v.listed), dates[0])
        end = schema.FAR_FUTURE
        disp = f"{v.name}{'主力合约' if d == '8888' else '指数'}"
    else:
        c = contract_range(dates, code)
        if c is None:
            raise ValueError(f"futures contract {code} does not trade between {dates[0].date()} and "
                             f"{dates[-1].date()} (the sample market's calendar)")
        start = dates[c.i0]
        end = str(dates[c.i1].date()) if c.i1 < len(dates) else str(_last_day_estimate(v, c).date())
        disp = f"{v.symbol}{d}"
    return {"code": code, "display_name": disp, "name": f"{v.symbol}{d}", "type": "futures",
            "start_date": str(pd.Timestamp(start).date()), "end_date": end, "board": "futures",
            "underlying": v.symbol, "exchange": v.exchange, "multiplier": float(v.multiplier),
            "tick": float(v.tick), "margin": float(v.margin), "futures_type": v.type}


def _last_day_estimate(v: Variety, c: Contract) -> pd.Timestamp:
    if v.is_index:
        return pd.Timestamp(_third_friday(c.year, c.month))
    if v.exchange in ("XSGE", "XINE"):
        return pd.Timestamp(c.year, c.month, 15)
    return pd.Timestamp(c.year, c.month, 14)


def synthesize(store, code: str) -> tuple[pd.DataFrame, dict]:
    """Daily bars and master row of one futures code of a sample store (the on-demand entry
    point, :func:`jqlite.data.on_demand.synthesize`).

    Returns
    -------
    bars : pandas.DataFrame
        :data:`jqlite.data.schema.DAILY_BARS` layout: ``open close high low`` (yuan / index
        points), ``volume`` (lots), ``money`` (yuan), ``pre_close`` (previous close),
        ``high_limit``/``low_limit`` (previous settlement ± the daily limit), ``paused`` 0,
        ``factor`` 1.  One row per trading day of the contract.
    security : dict
        :func:`security_row`.
    """
    from .on_demand import _frame
    sec = security_row(store, code)
    ser = panel(store, sec["underlying"]).series(code)
    ok = np.isfinite(ser["close"])
    d = store.dates[ok]
    n = int(ok.sum())
    bars = _frame(d, code, ser["open"][ok], ser["close"][ok], ser["high"][ok], ser["low"][ok],
                  ser["volume"][ok], ser["money"][ok], ser["pre_close"][ok], ser["high_limit"][ok],
                  ser["low_limit"][ok], np.zeros(n), np.ones(n))
    return bars, sec


def expand(store, codes, window=None) -> list[str]:
    """The futures codes to synthesise together with ``codes``: for each variety named, its
    ``8888``/``9999`` codes and every contract trading in ``window`` (``(start, end)``
    date-likes; 30 calendar days are added before the start so look-backs find the contract
    that just expired).  Without a window only the codes themselves and the continuous codes.
    Codes of unknown varieties or months outside the calendar are left out."""
    out = set()
    dates = store.dates
    for code in codes:
        p = parse(code)
        if p is None:
            continue
        v, d = p
        if d not in ("8888", "9999") and contract_range(dates, code) is None:
            continue
        out.add(code)
        out.add(f"{v.symbol}8888.{v.exchange}")
        out.add(f"{v.symbol}9999.{v.exchange}")
        if window is not None:
            a = store.day_index(pd.Timestamp(window[0]) - pd.Timedelta(30, unit="D"), "left")
            z = store.day_index(pd.Timestamp(window[1]), "right")
            for c in contracts(dates, v):
                if c.i0 <= z and c.i1 >= a:
                    out.add(c.code)
    return sorted(out)


def is_futures_like(code) -> bool:
    """Whether ``code`` is shaped like a futures code (any variety, 3-4 digits)."""
    return isinstance(code, str) and bool(_LOOSE_RE.match(code))
