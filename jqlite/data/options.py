"""Options of the sample market: contract chains, Black-Scholes prices, greeks, volume and
open interest (JoinQuant's ``opt`` database and option codes in ``get_price``).

Underlyings (:data:`UNDERLYINGS`), as JoinQuant lists them:

* ``510050.XSHG`` 50ETF期权 (SSE, from 2015-02-09), ``510300.XSHG`` 300ETF期权 (SSE) and
  ``159919.XSHE`` 300ETF期权 (SZSE), both from 2019-12-23: codes ``1000NNNN.XSHG`` /
  ``9000NNNN.XSHE`` numbered in listing order per exchange (10000001 is the first SSE
  contract, 90000001 the first SZSE one), multiplier 10000, tick 0.0001, European, last
  trading day the fourth Wednesday of the expiry month (next trading day when a holiday);
  listed: the current month, the next month and the next two quarter months; strikes on the
  SSE/SZSE grid (0.05 up to 3 yuan, 0.1 to 5, 0.25 to 10, 0.5 to 20, 1 to 50, 2.5 to 100,
  5 above) -- at the money plus 2 strikes either side before 2019-12-23 and 4 from then on,
  new strikes added the day after the underlying's close leaves that range;
* ``IO`` 沪深300股指期权 (CFFEX, underlying 000300.XSHG, from 2019-12-23): codes
  ``IO2012-C-4000.CCFX``, multiplier 100, tick 0.2, last trading day the third Friday;
  listed: the current month, the next two months and the next three quarter months; strike
  interval 25 / 50 / 100 / 200 points below 2500 / 5000 / 10000 / above for the three near
  months and twice that for the quarter months, covering the previous close +-10 % (near) and
  +-15 % (quarter months).

Prices: Black-Scholes (European, no dividend yield) on the underlying's sample bars with the
risk-free rate :data:`RATE` (3 %) and a volatility ``sigma = sigma_atm(t) * smile(z)``:
``sigma_atm`` mixes a seeded, mean-reverting level around the underlying's base volatility
(AR(1) on its logarithm) with the underlying's 20-day realised volatility; the smile is
``1 - skew * z + 0.012 * z**2`` (clipped to [0.6, 2.5]) with ``z = ln(K/F) / (sigma_atm
sqrt(tau))`` -- puts below the money trade richer, as on the exchanges.  ``tau`` = calendar
days to the expiry day / 365 at the close (0 on the last day: the close is the intrinsic
value), plus a quarter day at the open.  Open/high/low price the option on the underlying's
open/high/low; all prices are rounded to the tick (at least one tick) and kept inside the
daily limits (SSE formula: call up ``max(0.5 % S, min(2S - K, S) * 10 %)``, put up
``max(0.5 % K, min(2K - S, S) * 10 %)``, down ``10 % S`` for both, ``S`` the underlying's
previous close; CFFEX: +-10 % of the index's previous close).  Settlement price = close.

Volume: a per-underlying daily total (seeded noise, higher on big moves) shared by a weight
peaked at the money and on the near month, tilted to puts on down days; open interest grows
with a contract's age toward 1.6 times its smoothed daily volume.  Greeks
(``OPT_RISK_INDICATOR``): Black-Scholes delta, gamma (per yuan / point), theta (per year),
vega (per 1.00 of volatility), rho (per 1.00 of rate) at the close.

Everything depends only on the store's seed, calendar and the underlying's bars, never on
what was asked before.  Not modelled: dividend adjustments of ETF options (``OPT_ADJUSTMENT``
is empty: the sample ETFs' contracts are never adjusted), minute/tick microstructure beyond
the sample's synthetic minute bars, the ETF options' early-2015 strike additions schedule,
trading (JoinQuant itself does not backtest options: orders are refused, see
docs/options.md).
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: annual risk-free rate used for prices and greeks
RATE = 0.03


@dataclass(frozen=True)
class Underlying:
    """One option underlying (品种).

    Attributes
    ----------
    key : str
        ``'510050.XSHG'``, ``'510300.XSHG'``, ``'159919.XSHE'`` or ``'IO'``.
    code : str
        The underlying security (``'000300.XSHG'`` for IO).
    exchange : str
        The options' exchange suffix (``XSHG``, ``XSHE``, ``CCFX``).
    short : str
        Name prefix of the contracts (``'50ETF'`` -> ``50ETF购12月2500``).
    underlying_name : str
        ``underlying_name`` of ``OPT_CONTRACT_INFO``.
    underlying_type : str
        ``'ETF'`` or ``'INDEX'``.
    listed : str
        First listing day (ISO).
    multiplier : int
        Contract unit (10000 shares, 100 yuan per index point).
    tick : float
        Price tick.
    sigma : float
        Base annual volatility of the implied-volatility path.
    skew : float
        Smile slope (see the module docstring).
    volume : float
        Typical total daily volume (contracts) over all listed contracts.
    """

    key: str
    code: str
    exchange: str
    short: str
    underlying_name: str
    underlying_type: str
    listed: str
    multiplier: int
    tick: float
    sigma: float
    skew: float
    volume: float

    @property
    def is_index(self) -> bool:
        return self.underlying_type == "INDEX"


UNDERLYINGS = {
    "510050.XSHG": Underlying("510050.XSHG", "510050.XSHG", "XSHG", "50ETF", "华夏上证50ETF", "ETF",
                              "2015-02-09", 10000, 0.0001, 0.22, 0.05, 1_200_000),
    "510300.XSHG": Underlying("510300.XSHG", "510300.XSHG", "XSHG", "300ETF", "华泰柏瑞沪深300ETF", "ETF",
                              "2019-12-23", 10000, 0.0001, 0.20, 0.05, 700_000),
    "159919.XSHE": Underlying("159919.XSHE", "159919.XSHE", "XSHE", "300ETF", "嘉实沪深300ETF", "ETF",
                              "2019-12-23", 10000, 0.0001, 0.20, 0.05, 150_000),
    "IO": Underlying("IO", "000300.XSHG", "CCFX", "沪深300", "沪深300指数", "INDEX",
                     "2019-12-23", 100, 0.2, 0.20, 0.07, 80_000),
}
#: first contract number per exchange (SSE / SZSE number ETF options in listing order)
_FIRST_NUMBER = {"XSHG": 10000001, "XSHE": 90000001}
#: SSE/SZSE strikes before this day: ATM +- 2; from it on: ATM +- 4
_WIDE_STRIKES_FROM = _dt.date(2019, 12, 23)

ETF_CODE_RE = re.compile(r"^(1000\d{4})\.XSHG$|^(9000\d{4})\.XSHE$")
IO_CODE_RE = re.compile(r"^IO(\d{2})(\d{2})-([CP])-(\d+)\.CCFX$")


def is_option_code(code) -> bool:
    """Whether ``code`` is shaped like a JoinQuant code of the modelled options
    (``10002000.XSHG``, ``90000034.XSHE``, ``IO2012-C-4000.CCFX``)."""
    return isinstance(code, str) and bool(ETF_CODE_RE.match(code) or IO_CODE_RE.match(code))


def underlying_of_code(code: str) -> list[str]:
    """The underlyings a code shape can belong to (both SSE ETFs for ``1000NNNN.XSHG``)."""
    if not isinstance(code, str):
        return []
    if IO_CODE_RE.match(code):
        return ["IO"]
    if code.endswith(".XSHE") and ETF_CODE_RE.match(code):
        return ["159919.XSHE"]
    if code.endswith(".XSHG") and ETF_CODE_RE.match(code):
        return ["510050.XSHG", "510300.XSHG"]
    return []


# ----------------------------------------------------------------------------- calendar rules
def fourth_wednesday(y: int, m: int) -> _dt.date:
    """The fourth Wednesday of month ``m`` of year ``y`` (ETF options' expiry rule)."""
    d = _dt.date(y, m, 1)
    return d + _dt.timedelta(days=(2 - d.weekday()) % 7 + 21)


def third_friday(y: int, m: int) -> _dt.date:
    """The third Friday of month ``m`` of year ``y`` (CFFEX index options' expiry rule)."""
    d = _dt.date(y, m, 1)
    return d + _dt.timedelta(days=(4 - d.weekday()) % 7 + 14)


def etf_strike_step(price: float) -> float:
    """SSE/SZSE ETF option strike interval at a strike level ``price`` (yuan)."""
    for top, step in ((3, 0.05), (5, 0.1), (10, 0.25), (20, 0.5), (50, 1.0), (100, 2.5)):
        if price <= top:
            return step
    return 5.0


def io_strike_step(level: float, quarter: bool) -> float:
    """CFFEX CSI 300 option strike interval (points) at index ``level``; doubled for the
    quarter months listed beyond the three near months."""
    for top, step in ((2500, 25), (5000, 50), (10000, 100)):
        if level <= top:
            return step * (2 if quarter else 1)
    return 200 * (2 if quarter else 1)


def _ym_add(y: int, m: int, k: int) -> tuple[int, int]:
    t = y * 12 + (m - 1) + k
    return t // 12, t % 12 + 1


def listed_months(u: Underlying, cur: tuple[int, int]) -> list[tuple[tuple[int, int], bool]]:
    """``[((year, month), is_quarter_extension), ...]`` listed while ``cur`` is the current
    month: ETF -- current, next, then the next two quarter months; IO -- current and the next
    two months, then the next three quarter months."""
    near = 2 if not u.is_index else 3
    out = [(_ym_add(*cur, k), False) for k in range(near)]
    k = out[-1][0]
    while len(out) < near + (2 if not u.is_index else 3):
        k = _ym_add(*k, 1)
        if k[1] % 3 == 0:
            out.append((k, True))
    return out


@dataclass(frozen=True)
class Contract:
    """One option contract of the sample market.

    ``strike_m`` is the strike in thousandths of a yuan (ETF) or in index points (IO); ``i0``
    / ``i1`` the first and last trading day as positions in the store calendar (``i1`` beyond
    the calendar when the contract still trades at its end); ``expire`` the last trading day.
    """

    code: str
    und: str
    cp: str          # 'CO' / 'PO'
    strike_m: int
    year: int
    month: int
    i0: int
    i1: int
    expire: _dt.date

    @property
    def strike(self) -> float:
        return self.strike_m / 1000.0 if UNDERLYINGS[self.und].underlying_type == "ETF" else float(self.strike_m)

    @property
    def trading_code(self) -> str:
        u = UNDERLYINGS[self.und]
        c = "C" if self.cp == "CO" else "P"
        if u.is_index:
            return f"IO{self.year % 100:02d}{self.month:02d}-{c}-{self.strike_m}"
        return f"{u.code[:6]}{c}{self.year % 100:02d}{self.month:02d}M{self.strike_m:05d}"

    @property
    def name(self) -> str:
        u = UNDERLYINGS[self.und]
        return f"{u.short}{'购' if self.cp == 'CO' else '沽'}{self.month}月{self.strike_m}"


def _underlying_bars(store, u: Underlying):
    j = store.code_index.get(u.code)
    if j is None:
        raise ValueError(f"options on {u.key}: the underlying {u.code} is not in the store")
    out = []
    for f in ("open", "high", "low", "close"):
        a = pd.Series(store.field(f)[:, j].astype(float)).ffill().to_numpy()
        out.append(a)
    return out


def _raw_rows(store, u: Underlying) -> list:
    """``[(i0, (year, month), cp, strike_m, i1, expire_date), ...]`` of every contract of
    ``u`` over the store's calendar, in listing order (day, expiry, call before put,
    strike); cached per store."""
    key = f"options_raw:{u.key}"
    got = store._cache.get(key) if hasattr(store, "_cache") else None
    if got is not None:
        return got
    _, _, _, sc = _underlying_bars(store, u)
    return store.cached(key, lambda: _build_raw(store, u, sc))


def _build_raw(store, u: Underlying, sc) -> list:
    dates = store.dates
    n = len(dates)
    d8 = dates.values.astype("datetime64[D]")
    rule = third_friday if u.is_index else fourth_wednesday
    exp_cache: dict = {}

    def expiry(ym):
        v = exp_cache.get(ym)
        if v is None:
            d = rule(*ym)
            i = int(np.searchsorted(d8, np.datetime64(d, "D"), side="left"))
            day = pd.Timestamp(d8[i]).date() if i < n else d
            v = exp_cache[ym] = (i, day)
        return v

    start = int(np.searchsorted(d8, np.datetime64(u.listed, "D"), side="left"))
    if start >= n:
        return []
    raw: dict = {}
    first = pd.Timestamp(d8[start])
    cur = (first.year, first.month)
    wide_from = np.datetime64(_WIDE_STRIKES_FROM, "D")
    # the product's launch lies inside the calendar (a calendar starting later finds the
    # chain already trading: its current month is listed)
    launch = start > 0 or d8[0] == np.datetime64(u.listed, "D")
    skip = set()
    months_cache: dict = {}
    ks_cache: dict = {}
    for i in range(start, n):
        while expiry(cur)[0] < i:
            cur = _ym_add(*cur, 1)
        if i == start and launch and expiry(cur)[0] - i < 15:
            # launch day: a current month expiring within 15 trading days is not listed
            # (50ETF launched 2015-02-09 with March/April/June/September, 300ETF options
            # 2019-12-23 with January/February/March/June)
            skip.add(cur)
        ref = sc[i - 1] if i > 0 and np.isfinite(sc[i - 1]) else sc[i]
        if not np.isfinite(ref):
            continue
        base = _ym_add(*cur, 1) if cur in skip else cur
        months = months_cache.get(base)
        if months is None:
            months = months_cache[base] = listed_months(u, base)
        for ym, quarter in months:
            if u.is_index:
                h = io_strike_step(ref, quarter)
                width = math.ceil((0.15 if quarter else 0.10) * ref / h)
                atm = round(ref / h) * h
                kkey = (atm, h, width)
                ks = ks_cache.get(kkey)
                if ks is None:
                    ks = ks_cache[kkey] = [int(round(atm + j * h)) for j in range(-width, width + 1)]
            else:
                h = etf_strike_step(ref)
                width = 4 if d8[i] >= wide_from else 2
                atm = round(ref / h) * h
                kkey = (atm, h, width)
                ks = ks_cache.get(kkey)
                if ks is None:
                    ks = ks_cache[kkey] = [int(round((atm + j * h) * 1000)) for j in range(-width, width + 1)]
            for km in ks:
                if km > 0 and (ym, km) not in raw:
                    raw[(ym, km)] = i
    rows = []
    for (ym, km), i0 in raw.items():
        i1, day = expiry(ym)
        i1 = i1 if i1 < n else n + 10_000
        for cp in ("CO", "PO"):
            rows.append((i0, ym, cp, km, i1, day))
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3]))
    return rows


class Chain:
    """Every contract of one underlying over a store's calendar (see the module docstring),
    in listing order; ``by_code`` maps codes to contracts."""

    def __init__(self, store, u: Underlying, numbers: dict | None = None):
        self.u = u
        out = []
        for i0, ym, cp, km, i1, day in _raw_rows(store, u):
            if u.is_index:
                code = f"IO{ym[0] % 100:02d}{ym[1]:02d}-{'C' if cp == 'CO' else 'P'}-{km}.CCFX"
            else:
                code = f"{numbers[(u.key, i0, ym, cp, km)]}.{u.exchange}"
            out.append(Contract(code, u.key, cp, km, ym[0], ym[1], i0, i1, day))
        self.contracts = out
        self.by_code = {c.code: c for c in out}

    def listed_on(self, i: int) -> list[Contract]:
        """The contracts trading on calendar day ``i``."""
        return [c for c in self.contracts if c.i0 <= i <= c.i1]


def _numbers(store) -> dict:
    """``(underlying, i0, (y, m), cp, strike_m) -> contract number`` for the ETF options: one
    sequence per exchange in listing order (day, underlying, expiry, call before put, strike)."""
    seqs: dict = {}
    order = {k: n for n, k in enumerate(UNDERLYINGS)}
    for u in UNDERLYINGS.values():
        if u.is_index or pd.Timestamp(u.listed) > store.dates[-1] or u.code not in store.code_index:
            continue
        seqs.setdefault(u.exchange, []).extend(
            (u.key, r[0], r[1], r[2], r[3]) for r in _raw_rows(store, u))
    out = {}
    for ex, keys in seqs.items():
        keys.sort(key=lambda k: (k[1], order[k[0]], k[2], k[3], k[4]))
        for n, k in enumerate(keys):
            out[k] = str(_FIRST_NUMBER[ex] + n)
    return out


def chain(store, key: str) -> Chain:
    """The (cached per store) :class:`Chain` of underlying ``key``."""
    u = UNDERLYINGS[key]

    got = store._cache.get(f"options_chain:{key}") if hasattr(store, "_cache") else None
    if got is not None:
        return got
    for f in ("open", "high", "low", "close"):
        store.field(f)      # loaded outside store.cached(): its lock is not re-entrant
    nums = None
    _raw_rows(store, u)
    if not u.is_index:
        for x in UNDERLYINGS.values():
            if not x.is_index and x.code in store.code_index:
                _raw_rows(store, x)
        nums = store.cached("options_numbers", lambda: _numbers(store))
    return store.cached(f"options_chain:{key}", lambda: Chain(store, u, nums))


def find(store, code: str) -> Contract | None:
    """The :class:`Contract` of an option ``code`` in a sample store, or None."""
    for key in underlying_of_code(code):
        if pd.Timestamp(UNDERLYINGS[key].listed) > store.dates[-1]:
            continue
        c = chain(store, key).by_code.get(code)
        if c is not None:
            return c
    return None


# ----------------------------------------------------------------------------- Black-Scholes
def _ncdf(x):
    from scipy.special import ndtr
    return ndtr(x)


def _npdf(x):
    return np.exp(-0.5 * np.asarray(x) ** 2) / math.sqrt(2 * math.pi)


def black_scholes(S, K, tau, sigma, call, r: float = RATE):
    """Black-Scholes price and greeks of European options (no dividend yield).

    Parameters
    ----------
    S, K, tau, sigma : array_like of float
        Underlying price, strike, time to expiry in years (0: the intrinsic value), annual
        volatility.  Broadcast together.
    call : array_like of bool
        True for calls, False for puts.
    r : float
        Annual risk-free rate (continuous compounding).

    Returns
    -------
    dict of str to numpy.ndarray
        ``price`` (same unit as S), ``delta``, ``gamma`` (per unit of S), ``theta`` (per year),
        ``vega`` (per 1.00 of volatility), ``rho`` (per 1.00 of rate).  At ``tau == 0``: the
        intrinsic value, delta 1/0 (-1/0 for puts) and zero for the other greeks.
    """
    S, K, tau, sigma, call = np.broadcast_arrays(*(np.asarray(a, dtype=float) for a in (S, K, tau, sigma)),
                                                 np.asarray(call, dtype=bool))
    live = tau > 0
    t = np.where(live, tau, 1.0)
    sq = sigma * np.sqrt(t)
    with np.errstate(divide="ignore", invalid="ignore"):
        d1 = (np.log(S / K) + (r + 0.5 * sigma ** 2) * t) / sq
    d2 = d1 - sq
    disc = np.exp(-r * t)
    Nd1, Nd2 = _ncdf(d1), _ncdf(d2)
    pdf = _npdf(d1)
    c = S * Nd1 - K * disc * Nd2
    p = K * disc * (1 - Nd2) - S * (1 - Nd1)
    price = np.where(call, c, p)
    delta = np.where(call, Nd1, Nd1 - 1)
    gamma = pdf / (S * sq)
    vega = S * pdf * np.sqrt(t)
    theta_c = -S * pdf * sigma / (2 * np.sqrt(t)) - r * K * disc * Nd2
    theta_p = -S * pdf * sigma / (2 * np.sqrt(t)) + r * K * disc * (1 - Nd2)
    theta = np.where(call, theta_c, theta_p)
    rho = np.where(call, K * t * disc * Nd2, -K * t * disc * (1 - Nd2))
    intrinsic = np.where(call, np.maximum(S - K, 0.0), np.maximum(K - S, 0.0))
    itm = np.where(call, S > K, S < K)
    out = {
        "price": np.where(live, price, intrinsic),
        "delta": np.where(live, delta, np.where(itm, np.where(call, 1.0, -1.0), 0.0)),
        "gamma": np.where(live, gamma, 0.0),
        "theta": np.where(live, theta, 0.0),
        "vega": np.where(live, vega, 0.0),
        "rho": np.where(live, rho, 0.0),
    }
    return out


def _round_tick(x, tick):
    return np.round(np.asarray(x, dtype=float) / tick) * tick


# ----------------------------------------------------------------------------- volatility
@dataclass
class VolModel:
    """``sigma_atm`` (at-the-money volatility), ``lr`` (the underlying's daily log return,
    0 where unknown) and ``total_volume`` (contracts traded over all listed contracts), each
    ``(n_days,)``."""

    sigma_atm: np.ndarray
    lr: np.ndarray
    total_volume: np.ndarray


def vol_model(store, key: str) -> VolModel:
    """The (cached per store) :class:`VolModel` of underlying ``key``: ``sigma_atm = clip(0.55
    * sigma_base * exp(x) + 0.45 * rv20, 0.08, 0.9)`` with ``x`` a seeded AR(1) (0.97, 0.06)
    and ``rv20`` the underlying's 20-day realised volatility (annualised with 244 days)."""
    got = store._cache.get(f"options_vol:{key}") if hasattr(store, "_cache") else None
    if got is not None:
        return got
    u = UNDERLYINGS[key]
    _, _, _, sc = _underlying_bars(store, u)

    def build():
        from .on_demand import _generator_args
        from .sample import _rng
        seed = int(_generator_args(store.path)["seed"])
        n = len(sc)
        rng = _rng(seed, f"options:{key}")
        lr = np.diff(np.log(sc), prepend=np.log(sc[0]))
        lr = np.where(np.isfinite(lr), lr, 0.0)
        rv = pd.Series(lr).rolling(20, min_periods=5).std().to_numpy() * math.sqrt(244)
        rv = np.where(np.isfinite(rv), rv, u.sigma)
        x = np.empty(n)
        v = 0.0
        for i, e in enumerate(rng.standard_normal(n)):
            v = 0.97 * v + 0.06 * e
            x[i] = v
        sig = np.clip(0.55 * u.sigma * np.exp(x) + 0.45 * rv, 0.08, 0.9)
        tot = u.volume * np.exp(0.25 * rng.standard_normal(n)) * (1 + 8 * np.abs(lr))
        return VolModel(sig, lr, tot)
    return store.cached(f"options_vol:{key}", build)


def smile(u: Underlying, sigma_atm, K, S, tau):
    """Volatility of strike ``K`` with the underlying at ``S`` and ``tau`` years left:
    ``sigma_atm * clip(1 - skew * z + 0.012 * z**2, 0.6, 2.5)``, ``z = ln(K / (S e^(r tau))) /
    (sigma_atm * sqrt(max(tau, 2/365)))``."""
    F = S * np.exp(RATE * tau)
    z = np.log(K / F) / (sigma_atm * np.sqrt(np.maximum(tau, 2.0 / 365.0)))
    return sigma_atm * np.clip(1 - u.skew * z + 0.012 * z * z, 0.6, 2.5)


def price_limits(u: Underlying, pre_settle, S_prev, K, call):
    """``(high_limit, low_limit)`` of a day from the previous settlement price and the
    underlying's previous close (SSE/SZSE formula for ETF options, +-10 % of the index for
    IO), rounded to the tick; the low limit is at least one tick."""
    if u.is_index:
        up = dn = 0.10 * np.asarray(S_prev, dtype=float)
    else:
        up = np.where(call, np.maximum(0.005 * S_prev, np.minimum(2 * S_prev - K, S_prev) * 0.10),
                      np.maximum(0.005 * K, np.minimum(2 * K - S_prev, S_prev) * 0.10))
        dn = 0.10 * np.asarray(S_prev, dtype=float)
    return _round_tick(pre_settle + up, u.tick), np.maximum(_round_tick(pre_settle - dn, u.tick), u.tick)


def listing(store, key: str) -> dict:
    """Listing-day values of every contract of ``key`` (chain order): ``list_price`` (开盘参考价:
    Black-Scholes on the previous close, the calendar days since then added to the life),
    ``high_limit`` / ``low_limit`` (挂牌涨跌停价 from it) and ``pre_close_underlying``;
    arrays of shape ``(n_contracts,)``."""
    got = store._cache.get(f"options_listing:{key}") if hasattr(store, "_cache") else None
    if got is not None:
        return got
    u = UNDERLYINGS[key]
    ch = chain(store, key)
    vm = vol_model(store, key)
    so, _, _, sc = _underlying_bars(store, u)

    def build():
        cs = ch.contracts
        i0 = np.array([c.i0 for c in cs], dtype=np.int64)
        K = np.array([c.strike for c in cs])
        call = np.array([c.cp == "CO" for c in cs])
        d8 = store.dates.values.astype("datetime64[D]")
        prev = np.maximum(i0 - 1, 0)
        S_prev = np.where(i0 > 0, sc[prev], so[i0])
        exp8 = np.array([np.datetime64(c.expire, "D") for c in cs])
        tau = np.maximum((exp8 - d8[prev]).astype(np.int64), 0) / 365.0
        sig = smile(u, vm.sigma_atm[prev], K, S_prev, tau)
        lp = np.maximum(_round_tick(black_scholes(S_prev, K, tau, sig, call)["price"], u.tick), u.tick)
        hl, ll = price_limits(u, lp, S_prev, K, call)
        return {"list_price": lp, "high_limit": hl, "low_limit": ll, "pre_close_underlying": S_prev}
    return store.cached(f"options_listing:{key}", build)


# ----------------------------------------------------------------------------- panel
class Panel:
    """Daily data of every contract of one underlying, long format (one row per contract and
    trading day, rows grouped by contract in chain order, days ascending).

    Attributes
    ----------
    chain : Chain
    start : numpy.ndarray of int
        ``(n_contracts + 1,)`` row offsets: contract ``k``'s rows are ``start[k]:start[k+1]``.
    t : numpy.ndarray of int
        Calendar position of each row.
    cols : dict of str to numpy.ndarray
        ``open high low close settle pre_close pre_settle high_limit low_limit volume money
        position underlying_pre_close sigma tau delta gamma theta vega rho`` per row (prices in
        yuan or index points, volume/position in contracts, money in yuan, sigma annual, tau
        years).
    sigma_atm : numpy.ndarray
        ``(n_days,)`` at-the-money volatility of the underlying.
    """

    def __init__(self, store, key: str):
        from .on_demand import _generator_args
        from .sample import _rng
        u = UNDERLYINGS[key]
        listing(store, key)
        ch = chain(store, key)
        self.chain = ch
        self.u = u
        seed = int(_generator_args(store.path)["seed"])
        dates = store.dates
        n = len(dates)
        so, sh, sl, sc = _underlying_bars(store, u)
        vm = vol_model(store, key)
        self.sigma_atm = vm.sigma_atm
        lr, tot = vm.lr, vm.total_volume
        # ---- rows
        cs = ch.contracts
        lens = np.array([max(0, min(c.i1, n - 1) - c.i0 + 1) for c in cs], dtype=np.int64)
        self.start = np.r_[0, np.cumsum(lens)]
        R = int(self.start[-1])
        t = np.concatenate([np.arange(c.i0, c.i0 + L) for c, L in zip(cs, lens)]) if R else np.zeros(0, int)
        kk = np.repeat(np.arange(len(cs)), lens)
        self.t = t
        K = np.array([c.strike for c in cs])[kk]
        call = np.array([c.cp == "CO" for c in cs])[kk]
        exp8 = np.array([np.datetime64(c.expire, "D") for c in cs])[kk] if R else np.zeros(0, "datetime64[D]")
        d8 = dates.values.astype("datetime64[D]")[t]
        cal_days = (exp8 - d8).astype(np.int64).astype(float)
        tau = np.maximum(cal_days, 0.0) / 365.0
        tau_open = tau + 0.25 / 365.0
        S_c, S_o, S_h, S_l = sc[t], so[t], sh[t], sl[t]
        S_prev = np.where(t > 0, sc[np.maximum(t - 1, 0)], so[t])
        s_atm = self.sigma_atm[t]
        teff = np.maximum(tau, 2.0 / 365.0)

        def vol_at(S, tt):
            return smile(u, s_atm, K, S, tt)

        sig_c = vol_at(S_c, tau)
        tick = u.tick
        bc = black_scholes(S_c, K, tau, sig_c, call)
        p_open = black_scholes(S_o, K, tau_open, vol_at(S_o, tau_open), call)["price"]
        p_hi = black_scholes(np.where(call, S_h, S_l), K, tau_open, vol_at(np.where(call, S_h, S_l), tau_open), call)["price"]
        p_lo = black_scholes(np.where(call, S_l, S_h), K, tau, vol_at(np.where(call, S_l, S_h), tau), call)["price"]
        close = np.maximum(_round_tick(bc["price"], tick), tick)
        opn = np.maximum(_round_tick(p_open, tick), tick)
        # first day: the listing reference price (Black-Scholes on the previous close)
        first = np.zeros(R, dtype=bool)
        first[self.start[:-1][lens > 0]] = True
        list_px = listing(store, key)["list_price"][kk]
        pre_close = np.r_[np.nan, close[:-1]] if R else close.copy()
        pre_close = np.where(first, list_px, pre_close)
        # daily limits from the previous settlement (= close) and the underlying's previous close
        hl, ll = price_limits(u, pre_close, S_prev, K, call)
        clip = lambda a: np.minimum(np.maximum(a, ll), hl)      # noqa: E731
        close, opn = clip(close), clip(opn)
        high = clip(np.maximum(np.maximum(_round_tick(p_hi, tick), tick), np.maximum(opn, close)))
        low = clip(np.minimum(np.maximum(_round_tick(p_lo, tick), tick), np.minimum(opn, close)))
        # ---- volume and open interest
        z = np.log(K / S_c) / (s_atm * np.sqrt(teff))
        w = np.exp(-0.5 * (z / 1.2) ** 2) * np.exp(-tau / 0.15) + 1e-4
        tilt = np.exp(np.where(call, 6.0, -6.0) * lr[t])
        w = w * tilt
        day_w = np.bincount(t, weights=w, minlength=n)
        share = w / day_w[t]
        noise = np.exp(0.3 * _rng(seed, f"options_rows:{key}").standard_normal(R))
        expected = tot[t] * share
        volume = np.floor(expected * noise)
        avg = (opn + high + low + close) / 4
        money = np.round(volume * avg * u.multiplier, 2)
        age = t - np.array([c.i0 for c in cs])[kk]
        position = np.round(1.6 * expected * (1 - np.exp(-(age + 1) / 8.0)))
        self.cols = {
            "open": opn, "high": high, "low": low, "close": close, "settle": close.copy(),
            "pre_close": pre_close, "pre_settle": pre_close.copy(), "high_limit": hl, "low_limit": ll,
            "volume": volume, "money": money, "position": position, "underlying_pre_close": S_prev,
            "sigma": sig_c, "tau": tau, "delta": bc["delta"], "gamma": bc["gamma"], "theta": bc["theta"],
            "vega": bc["vega"], "rho": bc["rho"], "strike": K, "call": call, "list_price": list_px,
        }
        self.kk = kk
        self._kidx = {c.code: k for k, c in enumerate(cs)}

    def rows(self, code: str) -> slice | None:
        """The row slice of ``code`` (None when unknown)."""
        c = self.chain.by_code.get(code)
        if c is None:
            return None
        k = self._kidx[code]
        return slice(int(self.start[k]), int(self.start[k + 1]))


def panel(store, key: str) -> Panel:
    """The (cached per store) :class:`Panel` of underlying ``key``."""
    def build():
        return Panel(store, key)
    got = store._cache.get(f"options_panel:{key}") if hasattr(store, "_cache") else None
    if got is not None:
        return got
    chain(store, key)
    vol_model(store, key)
    listing(store, key)
    return store.cached(f"options_panel:{key}", build)


# ----------------------------------------------------------------------------- store side
def security_row(store, code: str) -> dict:
    """The master row of an option ``code`` (``type 'options'``, ``end_date`` = last trading
    day) plus ``underlying``, ``multiplier``, ``strike``, ``contract_type``.

    Raises
    ------
    ValueError
        No modelled contract has this code in the store's calendar.
    """
    c = find(store, code)
    if c is None:
        raise ValueError(f"{code!r} is not an option contract of the sample market "
                         f"({', '.join(UNDERLYINGS)}) between {store.dates[0].date()} and {store.dates[-1].date()}")
    u = UNDERLYINGS[c.und]
    return {"code": code, "display_name": c.name, "name": c.trading_code, "type": "options",
            "start_date": str(store.dates[c.i0].date()), "end_date": str(c.expire),
            "board": "options", "underlying": u.code, "option_underlying": u.key,
            "multiplier": float(u.multiplier), "tick": float(u.tick), "strike": c.strike,
            "contract_type": c.cp}


def synthesize(store, code: str) -> tuple[pd.DataFrame, dict]:
    """Daily bars and master row of one option code (the on-demand entry point).

    Returns
    -------
    bars : pandas.DataFrame
        :data:`jqlite.data.schema.DAILY_BARS` layout: prices per unit of the underlying
        (yuan; index points for IO), ``volume`` in contracts, ``money`` in yuan (price *
        volume * multiplier), ``pre_close``, ``high_limit``/``low_limit`` (exchange limit
        rules), ``paused`` 0, ``factor`` 1.
    security : dict
        :func:`security_row`.
    """
    from .on_demand import _frame
    sec = security_row(store, code)
    p = panel(store, sec["option_underlying"])
    sl = p.rows(code)
    t = p.t[sl]
    c = p.cols
    n = len(t)
    bars = _frame(store.dates[t], code, c["open"][sl], c["close"][sl], c["high"][sl], c["low"][sl],
                  c["volume"][sl], c["money"][sl], c["pre_close"][sl], c["high_limit"][sl],
                  c["low_limit"][sl], np.zeros(n), np.ones(n))
    return bars, sec


def expand(store, codes, window=None) -> list[str]:
    """The option codes to synthesise together with ``codes``: every contract of the same
    underlying trading in ``window`` (``(start, end)``; 30 calendar days added before the
    start), or only the codes themselves without a window.  Unknown codes are left out."""
    out = set()
    for code in codes:
        c = find(store, code)
        if c is None:
            continue
        out.add(code)
        if window is not None:
            a = store.day_index(pd.Timestamp(window[0]) - pd.Timedelta(30, unit="D"), "left")
            z = store.day_index(pd.Timestamp(window[1]), "right")
            for x in chain(store, c.und).contracts:
                if x.i0 <= z and x.i1 >= a:
                    out.add(x.code)
    return sorted(out)
