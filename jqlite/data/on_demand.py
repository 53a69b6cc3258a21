"""Securities synthesised on demand in the sample market: every valid JoinQuant code answers.

Public JoinQuant strategy files hard-code real codes (``601633.XSHG``, ``300168.XSHE``,
``510220.XSHG`` ...).  The sample market holds ~1,000 securities; any other code that is a
valid JoinQuant stock, exchange fund, open-end fund or index code is synthesised here the
first time it is asked for and written into the store's ``on_demand/`` folder, one parquet
file per code (written to a temporary file and renamed: atomic, and two processes that
synthesise the same code write identical bytes).  :class:`jqlite.data.store.Store` loads
the folder next to the base tables.  The design (and what a synthesised code has and has
not) is in ``docs/data-coverage.md`` ("Securities synthesised on demand").

Determinism: a code's bars depend only on the store's generator arguments (seed, calendar)
and the code -- its random stream is ``(seed, "on_demand:<code>")`` and it reads only the
base market (the common factor paths of :func:`jqlite.data.sample.market_factors`, and for
funds and indexes the bars of a base index or fund it tracks), never another on-demand code.
So the same code gets the same bars whatever was requested before, in any process.

Only sample stores synthesise (``meta.json`` name ``sample`` with ``sample_generator.json``);
a store imported from real data never invents a security.
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from . import schema

#: Folder of the synthesised securities inside a sample store.
DIRNAME = "on_demand"
#: Version of the on-demand synthesis (part of each file's metadata; files of another
#: version are re-synthesised).
ON_DEMAND_VERSION = 2
_META_KEY = b"jqlite_on_demand"

FUTURES_RE = re.compile(r"^[A-Za-z]{1,2}\d{3,4}\.(CCFX|XSGE|XDCE|XZCE|XINE|GFEX)$")
_CODE_RE = re.compile(r"^(\d{6})\.(XSHG|XSHE|OF)$")


@dataclass(frozen=True)
class CodeKind:
    """What a valid JoinQuant code is.

    Attributes
    ----------
    kind : str
        ``'stock'``, ``'fund'`` (exchange-traded), ``'open_fund'`` (``.OF``) or ``'index'``.
    type : str
        JoinQuant's type string (``stock``, ``etf``, ``lof``, ``mmf``, ``index``,
        ``mixture_fund`` ...).
    board : str
        ``securities.board`` (:data:`jqlite.data.schema.BOARDS`).
    listed : tuple of str
        ``(first, last)`` ISO dates of the window the listing date is drawn from.  Windows
        follow the ranges' real history but end by 2020-12-31 at the latest (a file naming
        a code was written when it traded: listing it too late would break the file, too
        early costs nothing).
    family : str
        What the price follows: ``stock``, ``broad``, ``sector``, ``foreign``, ``gold``,
        ``bond``, ``money``, ``star50``, ``index``.
    delisted : tuple of str, optional
        ``(first, last)`` ISO dates of the window the delisting date is drawn from (structured
        fund shares, all wound up in 2020); None: still listed.
    """

    kind: str
    type: str
    board: str
    listed: tuple
    family: str
    delisted: tuple | None = None


def is_futures_code(code) -> bool:
    """Whether ``code`` looks like a JoinQuant futures code (``RB8888.XSGE``, ``IF2103.CCFX``)."""
    return isinstance(code, str) and bool(FUTURES_RE.match(code))


def _futures_kind(code) -> CodeKind | None:
    """The CodeKind of a futures code of a known variety (jqlite.data.futures), or None."""
    from . import futures as _fut
    if not _fut.is_known(code):
        return None
    return CodeKind("futures", "futures", "futures", ("2010-01-04", "2200-01-01"), "futures")


def _options_kind(code) -> CodeKind | None:
    """The CodeKind of a code shaped like an option of :mod:`jqlite.data.options`
    (``10002000.XSHG``, ``90000034.XSHE``, ``IO2012-C-4000.CCFX``), or None.  Whether the
    contract exists is the store's business (:func:`jqlite.data.options.find`)."""
    from . import options as _opt
    if not _opt.is_option_code(code):
        return None
    return CodeKind("options", "options", "options", ("2015-02-09", "2200-01-01"), "options")


def classify(code) -> CodeKind | None:
    """The :class:`CodeKind` of a valid JoinQuant code, or None.

    Valid: Shanghai stocks 600000-601999, 603000-603999, 605000-605999, 688000-689999
    (``.XSHG``); Shenzhen stocks 000001-001999, 002001-002999, 003000-003999, 300001-301999
    (``.XSHE``); exchange funds 510000-518999, 560000-563999, 588000-588999, 501000-502999
    (``.XSHG``), 159000-159999, 160000-169999 (``.XSHE``); indexes 000001-000999 and
    801000-801999, 850000-859999 (``.XSHG``), 399001-399999 (``.XSHE``); open-end funds
    ``NNNNNN.OF``; structured fund shares 150000-150999 (``.XSHE``: even ``fja`` 分级A, odd
    ``fjb`` 分级B, as the pairs were numbered -- 150018 银华稳进 / 150019 银华锐进 -- listed
    2010-2016 and delisted in the second half of 2020, when the 资管新规 wound every
    structured fund up); public REITs 180000-180999 (``.XSHE``) and 508000-508999
    (``.XSHG``), type ``reits``, listed from 2021-06-21 (the first batch; so a backtest before
    that finds the master row but no bars, as on JoinQuant); futures contract months and
    continuous codes (``IF2103.CCFX``, ``RB8888.XSGE``) of the varieties of
    :mod:`jqlite.data.futures` (kind ``'futures'``); option contracts shaped like those of
    :mod:`jqlite.data.options` (``10002000.XSHG``, ``90000034.XSHE``, ``IO2012-C-4000.CCFX``;
    kind ``'options'``, existence checked against the store's chains when synthesised);
    closed-end funds (封闭式基金, type ``fund``): the traditional ones 184688-184799
    (``.XSHE``, 基金开元 184688 ...) and 500001-500099 (``.XSHG``, 基金金泰 500001 ...), listed
    1998-2002 and converted or wound up between 2007 and 2013 -- before the sample's first day,
    so they have a master row and no bars -- and 184800-184899 (``.XSHE``, 前海REITs 184801:
    listed in the second half of 2015, wound up in 2022-Q3; a 5 % carry path as the REITs).
    The JoinQuant type string of closed-end funds is UNCONFIRMED (``fund`` here).  B shares,
    bonds, repos and other options are not valid here.
    """
    if not isinstance(code, str):
        return None
    m = _CODE_RE.match(code)
    if not m:
        return _futures_kind(code) or _options_kind(code)
    num, ex = int(m.group(1)), m.group(2)
    if ex == "OF":
        return CodeKind("open_fund", "mixture_fund", "fund", ("2005-01-04", "2019-12-31"), "broad")
    if ex == "XSHG":
        if 600000 <= num <= 601999:
            return CodeKind("stock", "stock", "sh_main", ("1994-01-03", "2012-12-31"), "stock")
        if 603000 <= num <= 603999:
            return CodeKind("stock", "stock", "sh_main", ("2011-01-04", "2018-12-28"), "stock")
        if 605000 <= num <= 605999:
            return CodeKind("stock", "stock", "sh_main", ("2020-06-01", "2020-12-31"), "stock")
        if 688000 <= num <= 689999:
            return CodeKind("stock", "stock", "star", ("2019-07-22", "2020-12-31"), "stock")
        if 1 <= num <= 999 or 801000 <= num <= 801999 or 850000 <= num <= 859999:
            return CodeKind("index", "index", "index", ("2002-01-04", "2012-12-31"), "index")
        fam = {511: "bond", 513: "foreign", 518: "gold"}.get(num // 1000)
        if 511600 <= num <= 511999:
            return CodeKind("fund", "mmf", "fund", ("2013-01-04", "2016-12-30"), "money")
        if 510000 <= num <= 510999:
            return CodeKind("fund", "etf", "fund", ("2006-01-04", "2016-12-30"), "broad")
        if 511000 <= num <= 518999 and num // 1000 != 514:
            win = {511: ("2013-01-04", "2019-12-31"), 512: ("2013-06-03", "2019-12-31"),
                   513: ("2013-04-01", "2020-06-30"), 515: ("2019-06-03", "2020-06-30"),
                   516: ("2020-06-01", "2020-12-31"), 517: ("2020-06-01", "2020-12-31"),
                   518: ("2013-07-01", "2020-12-31")}[num // 1000]
            return CodeKind("fund", "etf", "fund", win, fam or "sector")
        if 560000 <= num <= 563999:
            return CodeKind("fund", "etf", "fund", ("2020-06-01", "2020-12-31"), "sector")
        if 588000 <= num <= 588999:
            return CodeKind("fund", "etf", "fund", ("2020-11-16", "2020-12-31"), "star50")
        if 501000 <= num <= 502999:
            return CodeKind("fund", "lof", "fund", ("2016-01-04", "2019-12-31"), "broad")
        if 508000 <= num <= 508999:
            return CodeKind("fund", "reits", "fund", ("2021-06-21", "2021-12-31"), "reits")
        if 500001 <= num <= 500099:     # 传统封闭式基金 (基金金泰 500001 ...)
            return CodeKind("fund", "fund", "fund", ("1998-03-27", "2002-12-31"), "reits",
                            ("2007-01-04", "2013-12-31"))
        return None
    # XSHE
    if 1 <= num <= 999:
        return CodeKind("stock", "stock", "sz_main", ("1991-04-03", "2010-12-31"), "stock")
    if 1000 <= num <= 1999:
        return CodeKind("stock", "stock", "sz_main", ("2016-01-04", "2020-12-31"), "stock")
    if 2001 <= num <= 2999:
        return CodeKind("stock", "stock", "sme", ("2004-06-25", "2021-03-31"), "stock")
    if 3000 <= num <= 3999:
        return CodeKind("stock", "stock", "sz_main", ("2020-08-03", "2020-12-31"), "stock")
    if 300001 <= num <= 300999:
        return CodeKind("stock", "stock", "chinext", ("2009-10-30", "2021-01-29"), "stock")
    if 301000 <= num <= 301999:
        return CodeKind("stock", "stock", "chinext", ("2020-09-01", "2020-12-31"), "stock")
    if 399001 <= num <= 399999:
        return CodeKind("index", "index", "index", ("2002-01-04", "2012-12-31"), "index")
    if 159000 <= num <= 159999:
        sub = num // 100 % 10
        win = {9: ("2010-01-04", "2019-12-31"), 8: ("2019-06-03", "2020-06-30")}.get(
            sub, ("2020-06-01", "2020-12-31"))
        if num in range(159001, 159006):
            return CodeKind("fund", "mmf", "fund", ("2013-01-04", "2016-12-30"), "money")
        return CodeKind("fund", "etf", "fund", win, "broad" if sub == 9 else "sector")
    if 160000 <= num <= 169999:
        return CodeKind("fund", "lof", "fund", ("2005-01-04", "2019-12-31"), "broad")
    if 150000 <= num <= 150999:
        b = num % 2 == 1
        return CodeKind("fund", "fjb" if b else "fja", "fund", ("2010-01-04", "2016-12-30"),
                        "structured_b" if b else "bond", ("2020-06-01", "2020-12-31"))
    if 180000 <= num <= 180999:
        return CodeKind("fund", "reits", "fund", ("2021-06-21", "2021-12-31"), "reits")
    if 184688 <= num <= 184799:         # 传统封闭式基金 (基金开元 184688 ...)
        return CodeKind("fund", "fund", "fund", ("1998-04-28", "2002-12-31"), "reits", ("2007-01-04", "2013-12-31"))
    if 184800 <= num <= 184899:         # closed-end REIT-like funds (前海REITs 184801)
        return CodeKind("fund", "fund", "fund", ("2015-07-01", "2015-12-31"), "reits", ("2022-07-01", "2022-09-30"))
    return None


# ----------------------------------------------------------------------------- listing dates
# (code number, listing date) anchors of codes handed out in listing order (interpolated)
_ANCHORS = {
    "002": ((2001, "2004-06-25"), (2700, "2014-01-20"), (2830, "2016-12-20"), (2950, "2018-06-20"),
            (2999, "2021-03-01")),
    "300": ((300001, "2009-10-30"), (300350, "2012-12-31"), (300400, "2014-10-30"),
            (300500, "2016-06-01"), (300600, "2017-03-01"), (300700, "2017-12-01"),
            (300800, "2019-12-01"), (300900, "2020-09-01"), (300999, "2021-01-29")),
}


def _listing_date(code: str, kind: CodeKind, u: float) -> pd.Timestamp:
    """Listing date of ``code``: interpolated along the code anchors where JoinQuant's codes
    follow listing order, else ``u`` (uniform in [0, 1)) of the kind's window."""
    num = int(code[:6])
    anchors = _ANCHORS.get(code[:3]) if kind.kind == "stock" else None
    if anchors:
        xs = [a for a, _ in anchors]
        ys = [pd.Timestamp(d).value for _, d in anchors]
        v = float(np.interp(num, xs, ys))
        return pd.Timestamp(int(v)).normalize() + pd.Timedelta(int(u * 20), unit="D")
    lo, hi = (pd.Timestamp(d) for d in kind.listed)
    return (lo + (hi - lo) * u).normalize()


# ----------------------------------------------------------------------------- synthesis
def _rhu(x: float, s: float) -> float:
    return math.floor(x * s + 0.5 + 1e-7) / s


def _generator_args(path: Path) -> dict:
    return json.loads((Path(path) / "sample_generator.json").read_text())


class _Base:
    """What the synthesis reads from the base market of one store (cached per store)."""

    def __init__(self, store):
        from .sample import _rng, market_factors
        g = _generator_args(store.path)
        self.seed = int(g["seed"])
        self.days = store.dates
        self.m, self.sect, self.smb, self.volmult = market_factors(self.days, _rng(self.seed, "factors"))
        self.store = store

    def series(self, code: str):
        """``(open, high, low, close, pre_close)`` of a base security, or None."""
        st = self.store
        j = st.code_index.get(code)
        if j is None or code in st.on_demand:
            return None
        return tuple(st.field(f)[:, j] for f in ("open", "high", "low", "close", "pre_close"))


_BROAD = ("000300.XSHG", "000905.XSHG", "000852.XSHG", "000016.XSHG", "399006.XSHE", "000906.XSHG",
          "399001.XSHE", "000922.XSHG", "000985.XSHG")
_SW = ("801010", "801030", "801040", "801050", "801080", "801110", "801120", "801130", "801140",
       "801150", "801160", "801180", "801710", "801730", "801750", "801760", "801770", "801780",
       "801790", "801880", "801890")
_FOREIGN = ("513100.XSHG", "513500.XSHG", "513050.XSHG", "513030.XSHG", "513520.XSHG", "159920.XSHE",
            "513180.XSHG", "164824.XSHE")
_GOLD = ("518880.XSHG", "518800.XSHG", "159934.XSHE")

#: Board -> probabilities of the ten sample sectors (as jqlite.data.sample.sample_latents).
_BOARD_SECTOR_P = {
    "sh_main": [0.16, 0.09, 0.09, 0.10, 0.08, 0.05, 0.07, 0.08, 0.14, 0.14],
    "sz_main": [0.08, 0.12, 0.10, 0.12, 0.10, 0.06, 0.08, 0.08, 0.12, 0.14],
    "sme": [0.03, 0.05, 0.10, 0.12, 0.12, 0.12, 0.12, 0.10, 0.14, 0.10],
    "chinext": [0.02, 0.01, 0.05, 0.08, 0.18, 0.18, 0.20, 0.12, 0.12, 0.04],
    "star": [0.00, 0.00, 0.00, 0.02, 0.24, 0.34, 0.14, 0.10, 0.14, 0.02],
}
_SEC_BETA = (-0.15, 0.0, -0.1, 0.0, -0.05, 0.15, 0.1, 0.12, 0.0, 0.05)
_SEC_SIZE = (0.9, 0.3, 0.2, 0.0, -0.1, -0.2, -0.2, 0.0, -0.1, 0.0)
_BD_SIZE = {"sh_main": 0.4, "sz_main": 0.1, "sme": -0.3, "chinext": -0.5, "star": -0.1}


def _name(rng, suffixes) -> tuple[str, str]:
    from .sample import _FIRST_CHARS, _SECOND_CHARS
    a, ia = _FIRST_CHARS[int(rng.integers(len(_FIRST_CHARS)))]
    b, ib = _SECOND_CHARS[int(rng.integers(len(_SECOND_CHARS)))]
    s, is_ = suffixes[int(rng.integers(len(suffixes)))]
    return a + b + s, ia + ib + is_


def _stock(base: _Base, code: str, kind: CodeKind, rng) -> tuple[pd.DataFrame, dict]:
    from .sample import SECTORS, _TURNOVER_REGIMES, _regime_series
    days = base.days
    T = len(days)
    board = kind.board
    p = np.array(_BOARD_SECTOR_P[board])
    k = int(rng.choice(10, p=p / p.sum()))
    size = float(rng.standard_normal()) + _SEC_SIZE[k] + _BD_SIZE[board]
    beta = float(np.clip(1.0 + _SEC_BETA[k] + 0.15 * rng.standard_normal(), 0.5, 1.7))
    ivol = 0.014 * math.exp(-0.15 * size + 0.15 * rng.standard_normal())
    ivol = float(np.clip(ivol * (1.15 if board in ("chinext", "star") else 1.0), 0.009, 0.035))
    turnover_base = float(np.clip(math.exp(math.log(0.012) - 0.45 * size + 0.35 * rng.standard_normal()), 5e-4, 0.08))
    listed = _listing_date(code, kind, float(rng.random()))
    ipo = listed >= days[0]
    t0 = int(np.searchsorted(days.values, listed.to_datetime64())) if ipo else 0
    if t0 >= T:          # lists after the store's last day: a master row, no bars
        t0 = T
    price0 = float(np.clip(math.exp(math.log(14 if ipo else 10) + 0.5 * rng.standard_normal()), 3 if ipo else 2.5,
                           80 if ipo else 150))
    price0 = _rhu(price0, 100)
    cap = math.exp(math.log(6e9) + 0.9 * size - (0.8 if ipo else 0.0))
    shares = max(round(cap / price0, -4), 1e6)
    ipo_pop = float(rng.uniform(0.15, 1.1) if listed >= pd.Timestamp("2019-01-01") else rng.uniform(0.35, 1.6))
    display, abbr = _name(rng, SECTORS[k][2])
    twin = _twin(base, SECTORS[k][0], display[-2:], rng)
    n = T - t0
    eps = rng.standard_t(4, size=n) / math.sqrt(2.0)
    jmask = rng.random(n) < 0.012
    jsign = np.where(rng.random(n) < 0.6, 1.0, -1.0)
    jump = jmask * jsign * rng.uniform(0.05, 0.15, n)
    n_o, n_h, n_l = rng.standard_normal(n), np.abs(rng.standard_normal(n)), np.abs(rng.standard_normal(n))
    # suspensions: about one odd day a year and a rare longer halt; never the first/last day
    paused = np.zeros(n, bool)
    if n > 10:
        paused[rng.integers(1, n - 1, size=rng.poisson(0.8 * n / 244))] = True
        for _ in range(rng.poisson(0.05 * n / 244)):
            s = int(rng.integers(1, n - 1))
            paused[s:min(s + int(min(5 + rng.exponential(15), 60)), n - 1)] = True
    sl = slice(t0, T)
    jmean = 0.012 * 0.2 * 0.1
    R = (beta * base.m[sl] + base.sect[sl, k] - 0.8 * size * base.smb[sl] + ivol * base.volmult[sl] * eps + jump
         - 0.5 * (ivol * base.volmult[sl]) ** 2 - jmean)
    big_from = pd.Timestamp("2020-08-24") if board == "chinext" else (days[0] if board == "star" else None)
    dvals = days[sl]
    ratio = np.full(n, 0.10)
    if big_from is not None:
        ratio[np.asarray(dvals >= big_from)] = 0.20
    rows = np.empty((n, 7))
    F, cprev = price0, price0
    floor_log = math.log(2.5)
    for t in range(n):
        pre = cprev
        F = F * math.exp(R[t] + 0.01 * max(floor_log - math.log(max(F, 1e-3)), 0.0))
        if t == 0:
            F = price0 * math.exp(ipo_pop) if ipo else price0 * math.exp(R[0])
        up, dn = (0.44, 0.36) if (t == 0 and ipo) else (ratio[t], ratio[t])
        hl, ll = _rhu(pre * (1 + up), 100), _rhu(pre * (1 - dn), 100)
        if paused[t]:
            rows[t] = (pre, pre, pre, pre, pre, hl, ll)
            continue
        gap = math.log(F / pre)
        c = min(max(_rhu(F, 100), ll), hl)
        o = min(max(_rhu(pre * math.exp(0.45 * gap + 0.5 * ivol * n_o[t]), 100), ll), hl)
        ex_up, ex_dn = gap - math.log(hl / pre), math.log(ll / pre) - gap
        if ex_up > 0.02:
            o = hl
        elif ex_dn > 0.02:
            o = ll
        h = min(_rhu(max(o, c) * math.exp(0.6 * ivol * n_h[t]), 100), hl)
        lo = max(_rhu(min(o, c) * math.exp(-0.6 * ivol * n_l[t]), 100), ll)
        if ex_up > 0.05:
            o = h = lo = c = hl
        elif ex_dn > 0.05:
            o = h = lo = c = ll
        rows[t] = (o, c, h, lo, pre, hl, ll)
        cprev = c
    O, C, H, L, PRE, HL, LL = rows.T if n else (np.zeros(0),) * 7
    tmult = _regime_series(days, 1.0, _TURNOVER_REGIMES)[sl]
    absr = np.abs(C / np.where(PRE > 0, PRE, 1.0) - 1) if n else np.zeros(0)
    turn = np.exp(math.log(turnover_base) + np.log(tmult) + 0.5 * np.log1p(20 * absr) + 0.35 * rng.standard_normal(n))
    onep = (O == H) & (H == L) & (L == C) & ((C == HL) | (C == LL))
    turn = np.where(onep, turn * 0.05, turn)
    if ipo and n:
        turn[0] = max(turn[0], 0.4) if not onep[0] else turn[0]
    V = np.maximum(np.round(np.minimum(turn, 0.6) * shares / 100.0), 1.0) * 100.0
    V[paused] = 0.0
    vw = np.clip((O + H + L + C) / 4 * (1 + 0.002 * rng.standard_normal(n)), L, H)
    M = np.floor(V * vw * 100 + 0.5) / 100
    M[paused] = 0.0
    bars = _frame(dvals, code, O, C, H, L, V, M, PRE, HL, LL, paused, np.ones(n))
    sec = {"code": code, "display_name": display, "name": abbr, "type": "stock",
           "start_date": str(listed.date()), "end_date": schema.FAR_FUTURE, "board": board,
           "sector": SECTORS[k][0], "twin": twin, "shares": float(shares)}
    return bars, sec


def _twin(base: _Base, sector: str, suffix: str, rng) -> str | None:
    """A base stock of the same sample sector (and industry suffix when one exists) listed
    before the store's first day: an on-demand stock answers the industry questions
    (``get_industry``) as its twin does."""
    st = base.store
    p = Path(st.path) / "sample_sectors.parquet"
    if not p.exists():
        return None
    sec = pd.read_parquet(p)
    sec = sec[sec["code"].isin(list(st.code_index)) & ~sec["code"].isin(list(st.on_demand))]
    rows = st.securities.reindex(sec["code"])
    early = (rows["start_date"].to_numpy() < np.datetime64(base.days[0])) \
        & (rows["end_date"].to_numpy() == np.datetime64(pd.Timestamp(schema.FAR_FUTURE)))
    sec = sec[early & (sec["sector"] == sector).to_numpy()]
    same = sec[sec["industry_suffix"] == suffix] if "industry_suffix" in sec.columns else sec
    pool = sorted((same if len(same) else sec)["code"].astype(str))
    return pool[int(rng.integers(len(pool)))] if pool else None


def _frame(dvals, code, O, C, H, L, V, M, PRE, HL, LL, paused, fac) -> pd.DataFrame:
    return pd.DataFrame({
        "date": pd.DatetimeIndex(dvals).values.astype("datetime64[D]"), "code": code,
        "open": O, "close": C, "high": H, "low": L, "volume": V, "money": M, "pre_close": PRE,
        "high_limit": HL, "low_limit": LL, "paused": np.asarray(paused, dtype=np.int8), "factor": fac,
    })


def _reference(base: _Base, kind: CodeKind, rng) -> tuple[str | None, tuple | None]:
    """The base security a fund or index follows (by family, drawn from the code's stream)."""
    fam = kind.family
    if fam in ("bond", "money", "reits"):
        return None, None
    if fam == "structured_b":     # a leveraged share of a broad index fund
        fam = "broad"
    if fam == "star50":
        cands = ("000688.XSHG",)
    elif fam == "foreign":
        cands = _FOREIGN
    elif fam == "gold":
        cands = _GOLD
    elif fam == "sector" or (fam in ("index",) and rng.random() < 0.5) or (fam == "broad" and rng.random() < 0.3):
        cands = tuple(f"{c}.XSHG" for c in _SW)
    else:
        cands = _BROAD
    ok = [c for c in cands if base.series(c) is not None] or [c for c in _BROAD if base.series(c) is not None]
    if not ok:
        return None, None
    ref = ok[int(rng.integers(len(ok)))]
    return ref, base.series(ref)


def _tracker(base: _Base, code: str, kind: CodeKind, rng) -> tuple[pd.DataFrame, dict]:
    """An exchange fund, open-end fund or index following a base series (or a bond / money
    path) with its own tracking noise."""
    days = base.days
    T = len(days)
    ref, ser = _reference(base, kind, rng)
    listed = _listing_date(code, kind, float(rng.random()))
    t0 = int(np.searchsorted(days.values, listed.to_datetime64())) if listed >= days[0] else 0
    if ser is not None:      # a fund cannot start before what it tracks
        first = int(np.argmax(~np.isnan(ser[3]))) if (~np.isnan(ser[3])).any() else T
        t0 = max(t0, first)
    t1 = T                   # one past the last day with a bar
    delisted = None
    if kind.delisted is not None:
        lo, hi = (pd.Timestamp(d) for d in kind.delisted)
        delisted = (lo + (hi - lo) * float(rng.random())).normalize()
        t1 = max(int(np.searchsorted(days.values, delisted.to_datetime64(), side="right")), t0)
        if t1 > t0:          # the last trading day on or before the drawn date
            delisted = pd.Timestamp(days[t1 - 1])
    n = max(t1 - t0, 0)
    sl = slice(t0, t1)
    index = kind.kind == "index"
    openf = kind.kind == "open_fund"
    te_sd = 0.003 if index else 0.0004
    if ser is None:
        y = {"money": 0.022, "reits": 0.05}.get(kind.family, 0.035)
        sd = {"money": 0.00002, "reits": 0.008}.get(kind.family, 0.001)
        rc = y / 244 + sd * rng.standard_normal(n)
        ro = 0.3 * rc
        rh = np.maximum(ro, rc) + np.abs(0.5 * sd * rng.standard_normal(n))
        rl = np.minimum(ro, rc) - np.abs(0.5 * sd * rng.standard_normal(n))
    else:
        o, h, lo, c, pc = (np.nan_to_num(a[sl], nan=1.0) for a in ser)
        pcs = np.where(pc > 0, pc, 1.0)
        rc, ro, rh, rl = c / pcs - 1, o / pcs - 1, h / pcs - 1, lo / pcs - 1
        if n:
            rc[0] = ro[0] = rh[0] = rl[0] = 0.0
    if kind.family == "structured_b":   # about twice the parent fund's daily moves
        rc, ro, rh, rl = 2.0 * rc, 2.0 * ro, 2.0 * rh, 2.0 * rl
    te = te_sd * rng.standard_normal((n, 2))
    rc = np.clip(rc + te[:, 0], -0.095, 0.095)
    ro = np.clip(ro + te[:, 1], -0.095, 0.095)
    if index:
        p0, tick = float(np.round(rng.uniform(900, 6000), 2)), 100
    elif kind.family == "money":
        p0, tick = 100.0, 1000
    elif openf:
        p0, tick = float(np.round(rng.uniform(0.9, 3.5), 4)), 10000
    else:
        p0, tick = float(np.round(rng.uniform(0.8, 4.0), 3)), 1000
    rows = np.empty((n, 7))
    Fv = cp = p0
    for t in range(n):
        pre = cp
        Fv = Fv * (1 + rc[t])
        if index or openf:
            hl = ll = math.nan
            c = _rhu(Fv, tick)
            o = c if openf else _rhu(pre * (1 + ro[t]), tick)
            h = c if openf else max(_rhu(pre * (1 + max(rh[t], ro[t], rc[t]) + abs(te[t, 1])), tick), o, c)
            lw = c if openf else min(_rhu(pre * (1 + min(rl[t], ro[t], rc[t]) - abs(te[t, 0])), tick), o, c)
        else:
            hl, ll = _rhu(pre * 1.1, tick), _rhu(pre * 0.9, tick)
            c = min(max(_rhu(Fv, tick), ll), hl)
            o = min(max(_rhu(pre * (1 + ro[t]), tick), ll), hl)
            h = min(max(_rhu(pre * (1 + rh[t] + abs(te[t, 1])), tick), o, c), hl)
            lw = max(min(_rhu(pre * (1 + rl[t] - abs(te[t, 0])), tick), o, c), ll)
        rows[t] = (o, c, h, lw, pre, hl, ll)
        cp = c
    O, C, H, L, PRE, HL, LL = rows.T if n else (np.zeros(0),) * 7
    if openf:
        V = np.zeros(n)
        M = np.zeros(n)
    else:
        basev = math.exp(rng.uniform(math.log(2e6), math.log(2e8)))
        if index:
            basev *= 50
        absr = np.abs(C / np.where(PRE > 0, PRE, 1.0) - 1)
        V = np.maximum(np.round(basev * np.exp(0.4 * rng.standard_normal(n)) * (1 + 10 * absr) / 100), 1) * 100
        M = np.floor(V * np.clip((O + H + L + C) / 4, L, H) * 100 + 0.5) / 100
    bars = _frame(days[sl], code, O, C, H, L, V, M, PRE, HL, LL, np.zeros(n), np.ones(n))
    word = {"index": "指数", "open_fund": "基金"}.get(kind.kind, "ETF" if kind.type == "etf" else "LOF")
    word = {"mmf": "货币", "fja": "A", "fjb": "B", "reits": "REIT", "fund": "封闭"}.get(kind.type, word)
    from .sample import _FIRST_CHARS, _SECOND_CHARS
    a, ia = _FIRST_CHARS[int(rng.integers(len(_FIRST_CHARS)))]
    b, ib = _SECOND_CHARS[int(rng.integers(len(_SECOND_CHARS)))]
    disp = f"{a}{b}{word}{code[3:6]}"
    start = listed if not index else pd.Timestamp(kind.listed[0])
    if ser is not None and not index and t0 < T and pd.Timestamp(days[t0]) > listed:
        start = pd.Timestamp(days[t0])
    elif kind.type in ("fja", "fjb", "reits", "fund"):  # a trading day, never a weekend
        start = pd.offsets.BDay().rollforward(listed)
        if listed >= days[0] and t0 < T:
            start = pd.Timestamp(days[t0])
    sec = {"code": code, "display_name": disp, "name": f"{ia}{ib}{code[:6]}", "type": kind.type,
           "start_date": str(pd.Timestamp(start).date()),
           "end_date": str(delisted.date()) if delisted is not None else schema.FAR_FUTURE,
           "board": "index" if index else "fund", "tracks": ref or kind.family}
    return bars, sec


def synthesize(store, code: str) -> tuple[pd.DataFrame, dict]:
    """Bars and master row of one on-demand ``code`` of the sample ``store``.

    Parameters
    ----------
    store : jqlite.data.store.Store
        A sample store (its ``sample_generator.json`` gives the seed).
    code : str
        A code :func:`classify` accepts.

    Returns
    -------
    bars : pandas.DataFrame
        Daily bars in :data:`jqlite.data.schema.DAILY_BARS` layout (raw prices, ``factor`` 1:
        no dividends), one row per trading day from the listing day (or the store's first
        day) to the store's last day.
    security : dict
        ``code, display_name, name, type, start_date, end_date, board`` plus ``sector``
        (stocks) or ``tracks`` (funds, indexes: the base security or path followed).

    Raises
    ------
    ValueError
        ``code`` is not a valid JoinQuant code.
    """
    from .sample import _rng
    kind = classify(code)
    if kind is None:
        raise ValueError(f"{code!r} is not a JoinQuant stock, fund or index code")
    if kind.kind == "futures":
        from . import futures as _fut
        return _fut.synthesize(store, code)
    if kind.kind == "options":
        from . import options as _opt
        return _opt.synthesize(store, code)
    base = store.cached("on_demand_base", lambda: _Base(store))
    rng = _rng(base.seed, f"on_demand:{code}")
    if kind.kind == "stock":
        return _stock(base, code, kind, rng)
    return _tracker(base, code, kind, rng)


def file_of(path, code: str) -> Path:
    return Path(path) / DIRNAME / f"{code}.parquet"


def materialise(store, codes, window=None) -> list[str]:
    """Synthesise the ``codes`` the store lacks into ``<store>/on_demand/`` (atomically).

    Parameters
    ----------
    store : jqlite.data.store.Store
        A sample store (:attr:`Store.synthesizes` true).
    codes : iterable of str
        Valid codes (:func:`classify`); codes already in the store or on disk are skipped.
        A futures code brings its variety's continuous codes and the contracts trading in
        ``window`` (:func:`jqlite.data.futures.expand`).
    window : (date-like, date-like), optional
        The backtest's first and last day (futures only; default: the active run's, if any).

    Returns
    -------
    list of str
        The codes written now (sorted).
    """
    folder = Path(store.path) / DIRNAME
    out = []
    codes = set(codes)
    fut = [c for c in codes if isinstance(c, str) and _futures_kind(c) is not None]
    opt = [c for c in codes if isinstance(c, str) and _options_kind(c) is not None]
    if (fut or opt) and window is None:
        from ..api._binding import run_or_none
        run = run_or_none()
        if run is not None and getattr(run, "run_dates", None) is not None:
            window = (run.run_dates[0], run.run_dates[-1])
    if fut:
        from . import futures as _fut
        codes |= set(_fut.expand(store, fut, window))
        codes -= {c for c in fut if c not in set(_fut.expand(store, [c]))}   # months never traded
    if opt:
        from . import options as _opt
        known = set(_opt.expand(store, opt))
        codes -= {c for c in opt if c not in known}                          # no such contract
        codes |= set(_opt.expand(store, sorted(known), window))
    for code in sorted(codes):
        if code in store.code_index or classify(code) is None:
            continue
        target = file_of(store.path, code)
        if target.exists() and _file_version(target) == ON_DEMAND_VERSION:
            continue
        bars, sec = synthesize(store, code)
        if sec.get("type") == "stock":      # fundamentals first: the bars file commits the code
            from . import on_demand_fundamentals as odf
            odf.write(store, code, odf.synthesize(store, code, bars, sec))
        table = pa.Table.from_pandas(bars, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[_META_KEY] = json.dumps({"version": ON_DEMAND_VERSION, "security": sec}).encode()
        table = table.replace_schema_metadata(meta)
        folder.mkdir(exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{code}.", suffix=".tmp", dir=folder)
        os.close(fd)
        try:
            pq.write_table(table, tmp)
            os.replace(tmp, target)     # atomic; a concurrent writer wrote the same bytes
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        out.append(code)
    return out


def _file_version(path) -> int | None:
    try:
        return json.loads((pq.read_schema(path).metadata or {})[_META_KEY]).get("version")
    except (OSError, KeyError, ValueError, pa.ArrowException):
        return None


def ensure(store, codes) -> None:
    """Synthesise, in one go, every valid code of ``codes`` a sample ``store`` lacks.

    Called by the API before it looks codes up, so a call naming many new codes costs one
    repeat (research) or one restart (backtest) instead of one per code.

    Raises
    ------
    SecuritiesAdded
        When codes were added (the store object in hand does not have them: re-open it).
    """
    if not getattr(store, "synthesizes", False):
        return
    idx = store.code_index
    missing = [c for c in codes if isinstance(c, str) and c not in idx and classify(c) is not None]
    if not missing:
        return
    materialise(store, missing)
    # a futures month that never trades in the store's calendar is not written: not added
    missing = [c for c in missing if file_of(store.path, c).exists()]
    if not missing:
        return
    from ..api._binding import run_or_none
    from ..errors import SecuritiesAdded
    run = run_or_none()
    if run is not None and hasattr(run, "on_demand_pending"):
        run.on_demand_pending.update(missing)
    raise SecuritiesAdded(sorted(set(missing)))


def read_folder(path) -> tuple[pd.DataFrame, list[Path], dict]:
    """The master rows, files and full descriptions of a store's on-demand folder.

    Returns
    -------
    securities : pandas.DataFrame
        Columns of :data:`jqlite.data.schema.SECURITIES`, dates as ``datetime64``.
    files : list of pathlib.Path
        One parquet file of daily bars per row.
    infos : dict
        code -> the ``security`` dict of :func:`synthesize` (with ``sector``/``twin`` or
        ``tracks``).
    """
    folder = Path(path) / DIRNAME
    rows, files, infos = [], [], {}
    if folder.is_dir():
        for fp in sorted(folder.glob("*.parquet")):
            try:
                md = pq.read_schema(fp).metadata or {}
                info = json.loads(md[_META_KEY])
            except (OSError, KeyError, ValueError, pa.ArrowException):
                continue          # not ours / unreadable: ignored (re-synthesised on request)
            if info.get("version") != ON_DEMAND_VERSION:
                continue
            sec = info["security"]
            rows.append({c: sec[c] for c in schema.SECURITIES})
            files.append(fp)
            infos[sec["code"]] = sec
    df = pd.DataFrame(rows, columns=list(schema.SECURITIES))
    for c in ("start_date", "end_date"):
        df[c] = pd.to_datetime(df[c])
    return df, files, infos


def folder_stamp(path) -> int:
    """Modification time (ns) of the on-demand folder, 0 when absent (keys store reloads)."""
    try:
        return os.stat(Path(path) / DIRNAME).st_mtime_ns
    except OSError:
        return 0


# ----------------------------------------------------------------------------- source scan
_FUT_LIT_RE = re.compile(r"(?<![0-9A-Za-z])([A-Z]{1,2}\d{4}\.(?:CCFX|XSGE|XDCE|XZCE|XINE|GFEX))(?![0-9A-Za-z])")
_LIT_RE = re.compile(r"(?<![0-9A-Za-z])(?:(?:sh|sz|SH|SZ)\.?)?(\d{6})(?:\.(XSHG|XSHE|OF|SH|SZ|sh|sz))?(?![0-9])")


def codes_in_source(source: str) -> list[str]:
    """Security codes a strategy's source text names in its string literals.

    Full codes (``'601633.XSHG'``, ``'161725.OF'``) and bare or prefixed six-digit codes
    (``'601633'``, ``'sh601633'``, ``'600536.SH'``) are recognised; a bare code gets the
    exchange JoinQuant's ``normalize_code`` gives it.  Only codes :func:`classify` accepts
    are returned (sorted, unique).
    """
    import io
    import tokenize
    lits = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.STRING:
                lits.append(tok.string)
            elif tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
                lits.append(tok.string)
    except (tokenize.TokenError, IndentationError, SyntaxError):
        lits = re.findall(r"'[^'\n]*'|\"[^\"\n]*\"", source)
    out = set()
    for s in lits:
        for num, ex in _LIT_RE.findall(s):
            if ex in ("XSHG", "XSHE", "OF"):
                cands = [f"{num}.{ex}"]
            elif ex.upper() == "SH":
                cands = [f"{num}.XSHG"]
            elif ex.upper() == "SZ":
                cands = [f"{num}.XSHE"]
            else:
                cands = [f"{num}.XSHG" if num[0] in "5689" else f"{num}.XSHE"]
            out.update(c for c in cands if classify(c) is not None)
        out.update(c for c in _FUT_LIT_RE.findall(s) if classify(c) is not None)
    return sorted(out)


def describe(store, codes) -> str:
    """``'601633.XSHG (stock), 510220.XSHG (etf)'`` for the run log."""
    t = store.securities["type"]
    return ", ".join(f"{c} ({t.get(c, '?')})" for c in sorted(codes))
