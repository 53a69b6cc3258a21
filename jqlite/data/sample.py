"""The bundled synthetic sample market: a deterministic, realistic fake A-share market.

:func:`generate_sample_market` writes a complete jqlite store (layout in
:mod:`jqlite.data.schema`) for every XSHG trading day between ``start`` and ``end``:

* ``n_stocks`` stocks (default 800) spread over the boards -- 40 % ``sh_main`` (600/601 codes
  for old listings, 603/605 for IPOs after 2014), 15 % ``sz_main`` (000xxx), 20 % ``sme``
  (002xxx, IPOs only until the 2021-04 board merger), 17 % ``chinext`` (300xxx) and 8 %
  ``star`` (688xxx, listed from 2019-07-22 on, the first batch on that very day);
* the indexes 000300.XSHG (top 300 by cap), 000905.XSHG (ranks 301-800, so fewer than 500
  members with 800 stocks), 399101.XSHE (all 002xxx), 000001.XSHG (XSHG stocks) and
  000985.XSHG (all stocks), with ``index_members``; the composites take a new listing after
  their rules' delay, not from its first day (see ``members`` in ``_simulate``).  000300/000905 are re-ranked by average
  cap over the year to the data cut-off (April 30 / October 31; ST stocks and listings too
  young by CSI's age rule excluded, :func:`csi_review_age_ok`) on the first trading day after
  the second Friday of June and December; index bars are cap-weighted (weights ``total_shares * pre_close``,
  a stock counts from its second day) averages of member price returns, volume/money sums;
* 13 ETFs tracking an index, a sector basket or (518880) a synthetic gold price;
* IPOs, delistings, ST periods, suspensions, cash dividends and bonus shares, historical names.

Everything is drawn from ``numpy.random.default_rng`` streams keyed by ``(seed, stream name)``,
so the same arguments give identical tables.

Price mechanics
---------------
Each stock has a latent *fair* price ``F`` that moves every day (also while suspended) by
``exp(r)`` with::

    r[t,i] = beta_i * m[t] + sector[t, s_i] - 0.8 * size_i * smb[t]
             + idio_vol_i * volmult[t] * eps[t,i] + jump[t,i]
             + KAPPA * signal[t-1,i] + 0.00004 * growth_i + event drifts

(``m`` market factor with dated regimes: 2014-15 bubble and crash, 2016 circuit breaker,
2018 bear, 2024-09 rally ...; ``sector`` ten sector factors with their own booms and busts;
``smb`` a size factor; ``eps`` unit-variance Student-t(4) shocks; ``jump`` rare news jumps of
4-12 %).  The traded close is ``F`` rounded to 0.01 yuan and clipped into the day's limits,
so large moves turn into runs of limit-up / limit-down days, and a gap that exceeds the limit
by more than 5 % gives a one-price day (一字板: open = high = low = close = limit).

Limit rules (``high_limit``/``low_limit``): ``round_half_up(pre_close * (1 ± r), 2)`` with
r = 10 % (main boards, SME), 20 % (ChiNext from 2020-08-24, STAR), 5 % while ST (ST is only
given to main-board and SME stocks).  Rounding is half-up on the decimal product, as the
exchanges do.  **IPO first day** (for every board): the 44 % rule, ``high_limit =
round(issue * 1.44, 2)``, ``low_limit = round(issue * 0.64, 2)``, ``pre_close`` = issue price.
Where that cap is real (all boards but STAR and ChiNext IPOs from 2020-08-24) the first day
is as on the exchanges since 2014: open = low = ``round(issue * 1.2, 2)`` (the opening
auction's +20 % bound), high = close = ``high_limit``, low turnover; the limit-up run then
continues on the following days (fair value 1.5-4 x the issue price).
ETFs: ±10 %, prices and limits in 0.001 yuan.  Indexes: NaN limits.

Suspended day: ``paused = 1``, ``open = high = low = close = pre_close`` = last close,
``volume = money = 0``; limits are still computed from ``pre_close``.
Ex-dates (``xrxd``): ``pre_close = round((close[t-1] - bonus_pre_tax / 10) / scale_factor, 2)``
and ``factor[t] = factor[t-1] * close[t-1] / pre_close[t]`` (``factor`` = 1 on a security's first
row in the store).  Ex-dates never fall on a suspended day or a first day.

Volume (shares, multiples of 100) is ``turnover * total_shares`` with a per-stock base turnover
(small caps trade more of their shares, large caps more shares and money), market-regime
multipliers, more trading on big moves, very little on one-price days; ``money = volume * vwap``
with the vwap inside ``[low, high]``.

The planted signal
------------------
See :data:`SIGNAL` (and :data:`SIGNAL_PARAMS`); :func:`sample_signal` returns the score.
"""

from __future__ import annotations

import math
import os
import zlib
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from . import schema
from .calendar import xshg_trading_days
from .writer import write_store

DEFAULT_SEED = 20240101
#: Version of the generator's output.  Stores written by an older generator are re-generated
#: by :func:`jqlite.data.ensure_default_store` (the default cache) -- bump it whenever the
#: generated content changes.  2: famous large caps, 51 indexes, 101 exchange funds, OF funds,
#: zjw / jq_l2 classification.  3: any other valid JoinQuant code is synthesised on demand
#: (jqlite.data.on_demand; the base content is unchanged).  4: every code of every industry
#: scheme has members (SW2021 L1/L2/L3 with JoinQuant's index codes, the retired SW L1 codes in
#: their era, all CSRC 2012 divisions, all jq_l1).
#: 5: composite indexes take new listings after their rules' delay (11th trading day; 上证指数
#: a year from 2020-07-22; 中证全指 at its review after a quarter); capped IPO first days open
#: at 120 % of the issue price and close at the +44 % cap; indexes 000009 上证380, 399310
#: 国证50, 399951 300银行; dividends paid with a persistent per-stock propensity (famous
#: large caps yearly).
#: 6: CSI reviews (000300/000905/000906/000985 and the rank indexes) look at the data up to the
#: cut-off (April 30 / October 31) with CSI's listing-age rule (a quarter, top-30 caps at once
#: -- scaled to the sample's size, sample_fast_entry_rank --,
#: STAR and -- from 2021-12 -- ChiNext a year) instead of 60 trading days before the review;
#: a realistic open-end fund universe (405 more OF funds: stock, mixed, bond, money, QDII).
#: 7: 513060 恒生医疗ETF lists on 2021-03-29, its first trading day (was 2021-09-24).
#: 8: fundamentals at real valuation levels: each stock's profit and equity follow its
#: trailing market cap at a target PE / PB drawn around its SW L1 industry's real 2019-2021
#: levels (banks PE ~5-7 and PB ~0.6-0.9, liquor and pharma PE 40-60, ~7 % loss-makers);
#: see jqlite.data.sample_fundamentals._SW_LEVELS.
#: 9: banks, brokers and insurers (SW L1 银行 / 非银金融) have NaN total_current_assets,
#: total_non_current_assets, total_current_liability and total_non_current_liability (no
#: current / non-current split in their statements, as on JoinQuant).
SAMPLE_GENERATOR = 9
DEFAULT_START = "2014-01-02"
DEFAULT_END = "2025-12-31"

#: The ten sample sectors: (key, Chinese name, name suffixes with their pinyin initials).
SECTORS = (
    ("financials", "金融", (("银行", "YH"), ("证券", "ZQ"), ("保险", "BX"), ("信托", "XT"))),
    ("real_estate", "房地产", (("地产", "DC"), ("置业", "ZY"), ("发展", "FZ"), ("城建", "CJ"))),
    ("consumer_staples", "食品饮料", (("食品", "SP"), ("酒业", "JY"), ("乳业", "RY"), ("农业", "NY"))),
    ("consumer_discretionary", "可选消费", (("电器", "DQ"), ("汽车", "QC"), ("家居", "JJ"), ("服饰", "FS"))),
    ("healthcare", "医药生物", (("医药", "YY"), ("生物", "SW"), ("药业", "YY"), ("医疗", "YL"))),
    ("semiconductors", "半导体", (("电子", "DZ"), ("微电", "WD"), ("集成", "JC"), ("光电", "GD"))),
    ("telecom", "通信传媒", (("通信", "TX"), ("传媒", "CM"), ("网络", "WL"), ("信息", "XX"))),
    ("new_energy", "新能源", (("能源", "NY"), ("锂业", "LY"), ("新能", "XN"), ("光伏", "GF"))),
    ("industrials", "机械设备", (("机械", "JX"), ("重工", "ZG"), ("装备", "ZB"), ("精工", "JG"))),
    ("materials", "基础材料", (("化工", "HG"), ("材料", "CL"), ("钢铁", "GT"), ("有色", "YS"))),
)
SECTOR_KEYS = tuple(s[0] for s in SECTORS)

#: Parameters of the planted signal (see :data:`SIGNAL`).
SIGNAL_PARAMS = {
    "kappa": 0.00032,         # expected daily log return per unit of score
    "half_life_days": 60,     # of the persistent latent alpha z
    "quality_loading": 0.4,   # corr(z, quality) (z = 0.4 * quality_std + sqrt(0.84) * u)
    "reversal_window": 20,    # trading days of idiosyncratic shocks in the reversal part
    "reversal_weight": 0.65,  # score = sqrt(1 - w^2) * z + w * reversal
    "turnover_loading": -0.25,  # log turnover contains -0.25 * z
    "horizon_days": 10,
    "rank_ic_range": (0.03, 0.05),  # mean daily cross-sectional Spearman IC, 10-day horizon
}

#: Exact description of the planted cross-sectional return signal.
SIGNAL = """\
Planted signal (jqlite sample market).  For stock i on day t (known at the close of t):

    u[t,i]   AR(1) noise, unit variance, half-life 60 trading days
    z[t,i] = 0.4 * quality_std_i + sqrt(1 - 0.4**2) * u[t,i]         (latent alpha)
    rev[t,i] = -sum(eps[t-19..t, i]) / sqrt(20)                       (reversal part; eps =
               the unit-variance idiosyncratic shocks of the last 20 days)
    score[t,i] = sqrt(1 - 0.65**2) * z[t,i] + 0.65 * rev[t,i]          (~ N(0, 1) across stocks)

The fair log return of day t+1 contains KAPPA * score[t,i] with KAPPA = 0.00032 (3.2 bp/day per
unit score).  Measured on the default market: the mean daily cross-sectional rank (Spearman)
IC of score[t] against the forward 10-day return close[t+10]*factor[t+10] /
(close[t]*factor[t]) - 1 is about 0.044 (between 0.03 and 0.05), t-stat > 20.
The raw observable proxies are much weaker (sector and size regimes add momentum): rank IC
of -(20-day return) about +0.006, of -(20-day mean volume) about +0.006.

Observable leaks: (1) past 20-day return (short-term reversal): low past returns predict high
future returns, since rev is minus the bulk of the recent idiosyncratic move; (2) turnover:
log turnover contains -0.25 * z[t,i], low-turnover stocks do better; (3) quality (the
fundamentals latent of sample_latents) has correlation 0.4 with z.
sample_signal(seed, n_stocks, start, end) returns score as a (days x codes) DataFrame.
"""

_FIRST_CHARS = (("华", "H"), ("东", "D"), ("中", "Z"), ("金", "J"), ("宏", "H"), ("天", "T"),
                ("恒", "H"), ("海", "H"), ("长", "C"), ("新", "X"), ("光", "G"), ("国", "G"),
                ("万", "W"), ("深", "S"), ("鑫", "X"), ("博", "B"), ("瑞", "R"), ("安", "A"),
                ("盛", "S"), ("永", "Y"), ("佳", "J"), ("鸿", "H"), ("汇", "H"), ("正", "Z"),
                ("富", "F"), ("联", "L"), ("力", "L"), ("凯", "K"), ("嘉", "J"), ("德", "D"))
_SECOND_CHARS = (("星", "X"), ("方", "F"), ("达", "D"), ("润", "R"), ("信", "X"), ("洋", "Y"),
                 ("明", "M"), ("泰", "T"), ("通", "T"), ("源", "Y"), ("宇", "Y"), ("锦", "J"),
                 ("丰", "F"), ("阳", "Y"), ("辉", "H"), ("创", "C"), ("远", "Y"), ("祥", "X"),
                 ("和", "H"), ("峰", "F"))

_BOARD_SHARE = (("sh_main", 0.40), ("sz_main", 0.15), ("sme", 0.20), ("chinext", 0.17), ("star", 0.08))

# board -> (fraction listed inside the store period, first possible in-store IPO date,
#           last possible in-store IPO date, pre-store listing window)
_BOARD_IPO = {
    "sh_main": (0.40, None, None, ("1992-01-02", "2012-10-31")),
    "sz_main": (0.00, None, None, ("1991-04-03", "2010-12-31")),
    "sme": (0.35, None, "2021-04-02", ("2004-06-25", "2012-10-31")),
    "chinext": (0.60, None, None, ("2009-10-30", "2012-10-31")),
    "star": (1.00, "2019-07-22", None, None),
}
_IPO_YEAR_WEIGHT = {2014: 0.6, 2015: 1.1, 2016: 1.1, 2017: 2.2, 2018: 0.5, 2019: 1.0, 2020: 2.0,
                    2021: 2.2, 2022: 1.6, 2023: 1.2, 2024: 0.4, 2025: 0.5}

# Market regimes: (first day, last day, daily log drift of the market factor, daily vol),
# shaped after CSI 300's path (2330 -> 5380 in 2015-06 -> 2950 in 2016-01 -> 4400 -> 2960 ...).
_MARKET_BASE = (0.0, 0.011)
_MARKET_REGIMES = (
    ("2014-01-02", "2014-07-18", -0.00045, 0.010),
    ("2014-07-21", "2015-06-08", 0.0035, 0.015),
    ("2015-06-09", "2015-07-08", -0.0175, 0.035),
    ("2015-07-09", "2015-08-17", 0.0032, 0.030),
    ("2015-08-18", "2015-08-26", -0.037, 0.030),
    ("2015-08-27", "2015-12-31", 0.0022, 0.018),
    ("2016-01-04", "2016-01-28", -0.013, 0.030),
    ("2016-01-29", "2018-01-24", 0.0006, 0.008),
    ("2018-01-25", "2019-01-03", -0.0017, 0.013),
    ("2019-01-04", "2019-04-19", 0.0047, 0.015),
    ("2019-04-22", "2020-01-23", -0.00016, 0.011),
    ("2020-02-03", "2020-02-03", -0.08, 0.005),
    ("2020-02-04", "2020-06-30", 0.0012, 0.014),
    ("2020-07-01", "2020-07-13", 0.016, 0.020),
    ("2020-07-14", "2021-02-10", 0.0013, 0.012),
    ("2021-02-18", "2021-03-09", -0.011, 0.020),
    ("2022-01-04", "2022-04-26", -0.0036, 0.016),
    ("2022-04-27", "2022-10-31", -0.0006, 0.012),
    ("2022-11-01", "2023-01-31", 0.0028, 0.012),
    ("2023-02-01", "2024-02-05", -0.0007, 0.010),
    ("2024-09-24", "2024-09-30", 0.045, 0.015),
    ("2024-10-08", "2024-10-08", 0.058, 0.010),
    ("2024-10-09", "2024-10-09", -0.07, 0.010),
    ("2024-10-10", "2025-12-31", 0.00047, 0.010),
)
# Sector regimes: (sector, first day, last day, daily drift).
_SECTOR_REGIMES = (
    ("financials", "2014-11-03", "2015-01-09", 0.003),
    ("telecom", "2015-01-05", "2015-06-12", 0.0015),
    ("consumer_staples", "2016-03-01", "2021-02-10", 0.00045),
    ("consumer_staples", "2021-02-18", "2024-09-13", -0.00035),
    ("real_estate", "2021-06-01", "2024-09-13", -0.0006),
    ("semiconductors", "2019-01-02", "2021-12-31", 0.0006),
    ("semiconductors", "2022-01-04", "2022-10-31", -0.00075),
    ("new_energy", "2019-06-03", "2021-11-30", 0.0008),
    ("new_energy", "2021-12-01", "2024-02-05", -0.0006),
    ("healthcare", "2019-01-02", "2021-06-30", 0.0004),
    ("healthcare", "2021-07-01", "2023-12-29", -0.0003),
    ("telecom", "2023-01-03", "2023-06-30", 0.001),
)
# Size factor regimes (small minus big): (first day, last day, daily drift).
_SMB_REGIMES = (
    ("2014-01-02", "2014-10-31", 0.0006),
    ("2014-11-03", "2014-12-31", -0.003),
    ("2015-01-05", "2015-06-12", 0.002),
    ("2015-06-15", "2015-09-30", -0.001),
    ("2015-10-08", "2015-12-31", 0.0015),
    ("2016-01-04", "2016-01-28", -0.002),
    ("2017-01-03", "2018-12-28", -0.0008),
    ("2019-01-04", "2019-04-19", 0.0008),
    ("2021-01-04", "2023-12-29", 0.0002),
    ("2024-01-02", "2024-02-07", -0.006),
    ("2024-09-24", "2025-12-31", 0.0003),
)
# Turnover regimes: (first day, last day, multiplier).
_TURNOVER_REGIMES = (
    ("2014-01-02", "2014-10-31", 0.7),
    ("2014-11-03", "2015-06-12", 2.4),
    ("2015-06-15", "2015-12-31", 1.7),
    ("2018-01-02", "2018-12-28", 0.6),
    ("2024-09-24", "2024-11-29", 2.0),
)

# ETFs: code, display_name, name, listing date, underlying, start price, base volume (units).
_ETFS = (
    ("510300.XSHG", "沪深300ETF", "HS300ETF", "2012-05-28", "index:000300.XSHG", 2.30, 3e8),
    ("510500.XSHG", "中证500ETF", "ZZ500ETF", "2013-03-15", "index:000905.XSHG", 1.60, 1.5e8),
    ("159915.XSHE", "创业板ETF", "CYBETF", "2011-12-09", "board:chinext", 1.10, 4e8),
    ("510050.XSHG", "上证50ETF", "SZ50ETF", "2005-02-23", "sse50", 1.50, 3e8),
    ("512880.XSHG", "证券ETF", "ZQETF", "2016-08-08", "sector:financials", 1.00, 6e8),
    ("512690.XSHG", "酒ETF", "JETF", "2019-05-06", "sector:consumer_staples", 1.00, 2e8),
    ("515030.XSHG", "新能源车ETF", "XNYCETF", "2020-03-04", "sector:new_energy", 1.00, 2e8),
    ("512480.XSHG", "半导体ETF", "BDTETF", "2019-06-12", "sector:semiconductors", 1.00, 3e8),
    ("512760.XSHG", "芯片ETF", "XPETF", "2019-06-12", "sector:semiconductors", 1.00, 2.5e8),
    ("515050.XSHG", "5GETF", "5GETF", "2019-10-16", "sector:telecom", 1.00, 1.5e8),
    ("159928.XSHE", "消费ETF", "XFETF", "2013-08-23", "sector:consumer_staples+consumer_discretionary", 1.30, 5e7),
    ("512010.XSHG", "医药ETF", "YYETF", "2013-09-23", "sector:healthcare", 0.90, 1e8),
    ("518880.XSHG", "黄金ETF", "HJETF", "2013-07-29", "gold", 2.50, 5e7),
)
#: Well-known large caps mixed into the synthetic stocks (the codes real strategy files type
#: first): code, display name, pinyin, sample sector, industry suffix (the key of
#: jqlite.data.reference.SAMPLE_SW), real listing date, market cap on the store's first day in
#: yuan (real 2014 caps / 5: the sample market is smaller than the real one).  Each replaces the
#: synthetic stock next to it in code order (so every random draw of the simulation stays with
#: the same column), of the same board, not delisted; see :func:`_place_famous`.  Their prices
#: follow their (overridden) sample sector, they are never put under ST, and a famous code
#: whose neighbours are both unusable is left out (none is with the default arguments).
#: Smallest ``n_stocks`` for which :data:`FAMOUS` codes are placed.
FAMOUS_MIN_STOCKS = 400
FAMOUS = (
    ("000001.XSHE", "平安银行", "PAYH", "financials", "银行", "1991-04-03", 2.6e10),
    ("000002.XSHE", "万科A", "WKA", "real_estate", "地产", "1991-01-29", 2.0e10),
    ("000063.XSHE", "中兴通讯", "ZXTX", "telecom", "通信", "1997-11-18", 8.0e9),
    ("000333.XSHE", "美的集团", "MDJT", "consumer_discretionary", "电器", "2013-09-18", 1.4e10),
    ("000568.XSHE", "泸州老窖", "LZLJ", "consumer_staples", "酒业", "1994-05-09", 5.0e9),
    ("000651.XSHE", "格力电器", "GLDQ", "consumer_discretionary", "电器", "1996-11-18", 1.8e10),
    ("000725.XSHE", "京东方A", "JDFA", "semiconductors", "光电", "2001-01-12", 1.0e10),
    ("000858.XSHE", "五粮液", "WLY", "consumer_staples", "酒业", "1998-04-27", 1.2e10),
    ("002304.XSHE", "洋河股份", "YHGF", "consumer_staples", "酒业", "2009-11-06", 8.0e9),
    ("002415.XSHE", "海康威视", "HKWS", "semiconductors", "电子", "2010-05-28", 1.5e10),
    ("002475.XSHE", "立讯精密", "LXJM", "semiconductors", "电子", "2010-09-15", 4.0e9),
    ("002594.XSHE", "比亚迪", "BYD", "consumer_discretionary", "汽车", "2011-06-30", 1.7e10),
    ("300015.XSHE", "爱尔眼科", "AEYK", "healthcare", "医疗", "2009-10-30", 3.0e9),
    ("300059.XSHE", "东方财富", "DFCF", "financials", "证券", "2010-03-19", 3.0e9),
    ("300750.XSHE", "宁德时代", "NDSD", "new_energy", "锂业", "2018-06-11", 1.5e10),
    ("300760.XSHE", "迈瑞医疗", "MRYL", "healthcare", "医疗", "2018-10-16", 1.0e10),
    ("600000.XSHG", "浦发银行", "PFYH", "financials", "银行", "1999-11-10", 3.0e10),
    ("600030.XSHG", "中信证券", "ZXZQ", "financials", "证券", "2003-01-06", 2.6e10),
    ("600031.XSHG", "三一重工", "SYZG", "industrials", "重工", "2003-07-03", 1.0e10),
    ("600036.XSHG", "招商银行", "ZSYH", "financials", "银行", "2002-04-09", 5.0e10),
    ("600276.XSHG", "恒瑞医药", "HRYY", "healthcare", "医药", "2000-10-18", 1.0e10),
    ("600309.XSHG", "万华化学", "WHHX", "materials", "化工", "2001-01-05", 8.0e9),
    ("600519.XSHG", "贵州茅台", "GZMT", "consumer_staples", "酒业", "2001-08-27", 5.0e10),
    ("600585.XSHG", "海螺水泥", "HLSN", "materials", "材料", "2002-02-07", 1.4e10),
    ("600887.XSHG", "伊利股份", "YLGF", "consumer_staples", "乳业", "1996-03-12", 1.4e10),
    ("600900.XSHG", "长江电力", "CJDL", "new_energy", "能源", "2003-11-18", 2.4e10),
    ("601012.XSHG", "隆基绿能", "LJLN", "new_energy", "光伏", "2012-04-11", 4.0e9),
    ("601166.XSHG", "兴业银行", "XYYH", "financials", "银行", "2007-02-05", 3.8e10),
    ("601288.XSHG", "农业银行", "NYYH", "financials", "银行", "2010-07-15", 1.8e11),
    ("601318.XSHG", "中国平安", "ZGPA", "financials", "保险", "2007-03-01", 7.0e10),
    ("601398.XSHG", "工商银行", "GSYH", "financials", "银行", "2006-10-27", 2.6e11),
    ("601628.XSHG", "中国人寿", "ZGRS", "financials", "保险", "2007-01-09", 8.0e10),
    ("600016.XSHG", "民生银行", "MSYH", "financials", "银行", "2000-12-19", 4.5e10),
    ("600809.XSHG", "山西汾酒", "SXFJ", "consumer_staples", "酒业", "1994-01-06", 3.0e9),
    ("601111.XSHG", "中国国航", "ZGGH", "industrials", "装备", "2006-08-18", 1.2e10),
    ("601328.XSHG", "交通银行", "JTYH", "financials", "银行", "2007-05-15", 4.0e10),
    ("601658.XSHG", "邮储银行", "YCYH", "financials", "银行", "2019-12-10", 5.0e10),
    ("601888.XSHG", "中国中免", "ZGZM", "consumer_discretionary", "服饰", "2009-10-15", 5.0e9),
    ("601919.XSHG", "中远海控", "ZYHK", "industrials", "装备", "2007-06-26", 1.0e10),
    ("601939.XSHG", "建设银行", "JSYH", "financials", "银行", "2007-09-25", 2.0e11),
    ("601988.XSHG", "中国银行", "ZGYH", "financials", "银行", "2006-07-05", 1.2e11),
    ("601989.XSHG", "中国重工", "ZGZG", "industrials", "重工", "2009-12-16", 2.0e10),
    ("601998.XSHG", "中信银行", "ZXYH", "financials", "银行", "2007-04-27", 3.0e10),
    ("002714.XSHE", "牧原股份", "MYGF", "consumer_staples", "农业", "2014-01-28", 3.0e9),
    ("002821.XSHE", "凯莱英", "KLY", "healthcare", "医药", "2016-11-18", 2.0e9),
    ("300073.XSHE", "当升科技", "DSKJ", "new_energy", "锂业", "2010-04-27", 1.0e9),
    ("601818.XSHG", "光大银行", "GDYH", "financials", "银行", "2010-08-18", 2.4e10),
    ("603799.XSHG", "华友钴业", "HYGY", "materials", "有色", "2015-01-29", 3.0e9),
    ("300014.XSHE", "亿纬锂能", "YWLN", "new_energy", "锂业", "2009-10-30", 2.0e9),
    ("688111.XSHG", "金山办公", "JSBG", "telecom", "信息", "2019-11-18", 1.0e10),
    ("688599.XSHG", "天合光能", "THGN", "new_energy", "新能", "2020-06-10", 5.0e9),
    ("688981.XSHG", "中芯国际", "ZXGJ", "semiconductors", "集成", "2020-07-16", 2.0e10),
)


# Indexes: code, display_name, name, base date, level on the store's first day.
_INDEXES = (
    ("000300.XSHG", "沪深300", "HS300", "2005-04-08", 2330.0),
    ("000905.XSHG", "中证500", "ZZ500", "2007-01-15", 3800.0),
    ("399101.XSHE", "中小综指", "ZXZZ", "2005-06-07", 5200.0),
    ("000001.XSHG", "上证指数", "SZZS", "1991-07-15", 2110.0),
    ("000985.XSHG", "中证全指", "ZZQZ", "2011-08-02", 2900.0),
)

# More indexes: code, display_name, name, base date, level on the store's first day, members.
# Members: 'rank:<universe>:<first>:<last>' = ranks first..last (1-based) by average market
# cap among the eligible stocks of <universe> (all, xshg, xshe, sme, chinext, star), re-ranked
# with 000300 (June / December); 'div:<universe>:<n>' = the n highest dividend-yield
# targets; 'all:<universe>' = every listed stock; 'union:A+B'; 'sw:<SW L1 index code>' = the
# stocks of that Shenwan L1 industry.  The sample universe has only ~800 stocks, so the small-
# cap indexes (000852 中证1000, 399303 国证2000) are the sample's cap tail and overlap 000905.
_MORE_INDEXES = (
    ("000002.XSHG", "A股指数", "AGZS", "1992-02-21", 2210.0, "all:xshg"),
    ("000010.XSHG", "上证180", "SZ180", "2002-07-01", 4700.0, "rank:xshg:1:180"),
    ("000015.XSHG", "红利指数", "HLZS", "2005-01-04", 2400.0, "div:xshg:50"),
    ("000016.XSHG", "上证50", "SZ50", "2004-01-02", 1580.0, "rank:xshg:1:50"),
    ("000688.XSHG", "科创50", "KC50", "2019-12-31", 1000.0, "rank:star:1:50"),
    ("000852.XSHG", "中证1000", "ZZ1000", "2014-10-17", 4200.0, "rank:all:551:800"),
    ("000903.XSHG", "中证100", "ZZ100", "2006-05-29", 2100.0, "rank:all:1:100"),
    ("000906.XSHG", "中证800", "ZZ800", "2007-01-15", 2500.0, "union:000300.XSHG+000905.XSHG"),
    ("000922.XSHG", "中证红利", "ZZHL", "2008-05-26", 2900.0, "div:all:100"),
    ("399001.XSHE", "深证成指", "SZCZ", "1995-01-23", 8100.0, "rank:xshe:1:250"),
    ("399005.XSHE", "中小板指", "ZXBZ", "2006-01-24", 5000.0, "rank:sme:1:100"),
    ("399006.XSHE", "创业板指", "CYBZ", "2010-06-01", 1300.0, "rank:chinext:1:100"),
    ("399102.XSHE", "创业板综", "CYBZ2", "2010-08-20", 1100.0, "all:chinext"),
    ("399106.XSHE", "深证综指", "SZZZ", "1991-04-03", 1050.0, "all:xshe"),
    ("399107.XSHE", "深证A指", "SZAZ", "1991-04-03", 1100.0, "all:xshe"),
    ("399303.XSHE", "国证2000", "GZ2000", "2014-03-20", 4000.0, "rank:all:301:800"),
    ("399324.XSHE", "深证红利", "SZHL", "2006-01-24", 4600.0, "div:xshe:40"),
    ("399330.XSHE", "深证100", "SZ100", "2002-12-31", 2700.0, "rank:xshe:1:100"),
    ("399673.XSHE", "创业板50", "CYB50", "2014-06-18", 1000.0, "rank:chinext:1:50"),
    ("399975.XSHE", "证券公司", "ZQGS", "2007-06-29", 1000.0, "sw:801790"),
    ("399333.XSHE", "中小板R", "ZXBR", "2006-01-24", 6000.0, "rank:sme:1:100"),
    ("399300.XSHE", "沪深300(深)", "HS300S", "2005-04-08", 2330.0, "alias:000300.XSHG"),
    ("399905.XSHE", "中证500(深)", "ZZ500S", "2007-01-15", 3800.0, "alias:000905.XSHG"),
    ("399906.XSHE", "中证800(深)", "ZZ800S", "2007-01-15", 2500.0, "alias:000906.XSHG"),
    ("399317.XSHE", "国证A指", "GZAZ", "2005-01-04", 2600.0, "all:all"),
    ("399632.XSHE", "深100EW", "S100EW", "2002-12-31", 3000.0, "rank:xshe:1:100"),
    ("000012.XSHG", "国债指数", "GZZS", "2003-01-02", 140.0, "bond:0.035"),
    ("000009.XSHG", "上证380", "SZ380", "2003-12-31", 3500.0, "rank:xshg:181:560"),
    ("399310.XSHE", "国证50", "GZ50", "2002-12-31", 2200.0, "rank:all:1:50"),
    ("399951.XSHE", "300银行", "300YH", "2004-12-31", 3200.0, "swin:801780:000300.XSHG"),
)
# Shenwan L1 industry indexes (JoinQuant codes 801xxx.XSHG): members = the SW L1 industry of
# the sample's classification (jqlite.data.reference.SAMPLE_SW).
_SW_INDEXES = ("801010", "801030", "801040", "801050", "801080", "801110", "801120", "801130",
               "801140", "801150", "801160", "801180", "801710", "801730", "801750", "801760",
               "801770", "801780", "801790", "801880", "801890")

# More exchange-traded funds: code, display_name, name, listing date, underlying, start
# price, base volume (units), JoinQuant type.  Underlyings as in _ETFS, plus 'bond:Y' (a bond
# index: Y a year of carry, 0.1 % daily noise), 'money:Y' (money-market fund quoted at ~100
# that accrues Y a year, with a 0.002 % daily wobble), 'foreign:KEY:DRIFT:VOL' (an overseas
# index: its own path per KEY, daily drift and volatility; several funds on one KEY share it).
_MORE_FUNDS = (
    # broad index
    ("510180.XSHG", "180ETF", "180ETF", "2006-05-18", "index:000010.XSHG", 2.60, 4e7, "etf"),
    ("510330.XSHG", "300ETF基金", "300ETFJJ", "2012-12-25", "index:000300.XSHG", 2.40, 8e7, "etf"),
    ("510310.XSHG", "沪深300ETF易方达", "HS300ETFYFD", "2013-03-25", "index:000300.XSHG", 1.15, 6e7, "etf"),
    ("159919.XSHE", "300ETF", "300ETF", "2012-05-28", "index:000300.XSHG", 2.35, 6e7, "etf"),
    ("510100.XSHG", "上证50ETF易方达", "SZ50ETFYFD", "2013-06-28", "index:000016.XSHG", 1.00, 2e7, "etf"),
    ("510210.XSHG", "上证指数ETF", "SZZSETF", "2011-09-09", "index:000001.XSHG", 1.00, 1e7, "etf"),
    ("512500.XSHG", "中证500ETF华夏", "ZZ500ETFHX", "2015-05-29", "index:000905.XSHG", 1.00, 2e7, "etf"),
    ("510510.XSHG", "中证500ETF广发", "ZZ500ETFGF", "2013-04-11", "index:000905.XSHG", 1.60, 1e7, "etf"),
    ("159922.XSHE", "500ETF嘉实", "500ETFJS", "2013-02-06", "index:000905.XSHG", 1.60, 2e7, "etf"),
    ("512100.XSHG", "1000ETF", "1000ETF", "2016-11-04", "index:000852.XSHG", 1.00, 5e7, "etf"),
    ("159845.XSHE", "中证1000ETF", "ZZ1000ETF", "2021-03-18", "index:000852.XSHG", 1.00, 5e7, "etf"),
    ("515800.XSHG", "800ETF", "800ETF", "2019-10-25", "index:000906.XSHG", 1.00, 2e7, "etf"),
    ("512910.XSHG", "中证100ETF", "ZZ100ETF", "2019-05-06", "index:000903.XSHG", 1.00, 1e7, "etf"),
    ("159901.XSHE", "深证100ETF", "SZ100ETF", "2006-04-24", "index:399330.XSHE", 3.00, 3e7, "etf"),
    ("159903.XSHE", "深成ETF", "SCETF", "2010-02-02", "index:399001.XSHE", 1.00, 2e7, "etf"),
    ("159902.XSHE", "中小100ETF", "ZX100ETF", "2006-09-05", "index:399005.XSHE", 2.50, 1e7, "etf"),
    ("159949.XSHE", "创业板50ETF", "CYB50ETF", "2016-07-22", "index:399673.XSHE", 1.00, 2e8, "etf"),
    ("159952.XSHE", "创业板ETF广发", "CYBETFGF", "2017-04-14", "index:399006.XSHE", 1.00, 5e7, "etf"),
    ("588000.XSHG", "科创50ETF", "KC50ETF", "2020-11-16", "index:000688.XSHG", 1.00, 5e8, "etf"),
    ("588080.XSHG", "科创板50ETF", "KCB50ETF", "2020-11-16", "index:000688.XSHG", 1.00, 2e8, "etf"),
    ("159628.XSHE", "国证2000ETF", "GZ2000ETF", "2022-07-22", "index:399303.XSHE", 1.00, 1e7, "etf"),
    ("563300.XSHG", "中证2000ETF", "ZZ2000ETF", "2023-09-14", "index:399303.XSHE", 1.00, 3e7, "etf"),
    ("510880.XSHG", "红利ETF", "HLETF", "2007-01-18", "index:000015.XSHG", 2.40, 3e7, "etf"),
    ("515080.XSHG", "中证红利ETF", "ZZHLETF", "2019-12-02", "index:000922.XSHG", 1.00, 1e7, "etf"),
    ("512890.XSHG", "红利低波ETF", "HLDBETF", "2019-01-18", "index:000922.XSHG", 1.00, 2e7, "etf"),
    ("159905.XSHE", "深红利", "SHL", "2011-01-11", "index:399324.XSHE", 1.00, 1e7, "etf"),
    # sector / industry
    ("512800.XSHG", "银行ETF", "YHETF", "2017-08-03", "index:801780.XSHG", 1.00, 1e8, "etf"),
    ("512000.XSHG", "券商ETF", "QSETF", "2016-08-30", "index:801790.XSHG", 1.00, 3e8, "etf"),
    ("512070.XSHG", "证券保险ETF", "ZQBXETF", "2014-07-18", "index:801790.XSHG", 1.00, 5e7, "etf"),
    ("512200.XSHG", "房地产ETF", "FDCETF", "2017-09-25", "index:801180.XSHG", 1.00, 5e7, "etf"),
    ("512170.XSHG", "医疗ETF", "YLETF", "2019-06-17", "sector:healthcare", 1.00, 4e8, "etf"),
    ("159929.XSHE", "医药卫生ETF", "YYWSETF", "2013-08-23", "index:801150.XSHG", 1.00, 3e7, "etf"),
    ("512660.XSHG", "军工ETF", "JGETF", "2016-08-08", "sector:industrials", 1.00, 2e8, "etf"),
    ("515700.XSHG", "新能车ETF", "XNCETF", "2019-12-31", "sector:new_energy", 1.00, 1e8, "etf"),
    ("516160.XSHG", "新能源ETF", "XNYETF", "2021-02-04", "sector:new_energy", 1.00, 2e8, "etf"),
    ("515790.XSHG", "光伏ETF", "GFETF", "2020-12-18", "index:801730.XSHG", 1.00, 3e8, "etf"),
    ("159995.XSHE", "芯片ETF华夏", "XPETFHX", "2020-02-10", "sector:semiconductors", 1.00, 4e8, "etf"),
    ("515000.XSHG", "科技ETF", "KJETF", "2019-08-14", "sector:semiconductors+telecom", 1.00, 1e8, "etf"),
    ("512720.XSHG", "计算机ETF", "JSJETF", "2019-07-11", "index:801750.XSHG", 1.00, 5e7, "etf"),
    ("512980.XSHG", "传媒ETF", "CMETF", "2018-01-19", "index:801760.XSHG", 1.00, 1e8, "etf"),
    ("515880.XSHG", "通信ETF", "TXETF", "2019-09-06", "index:801770.XSHG", 1.00, 5e7, "etf"),
    ("159980.XSHE", "有色ETF", "YSETF", "2019-12-24", "index:801050.XSHG", 1.00, 2e7, "etf"),
    ("159981.XSHE", "能源化工ETF", "NYHGETF", "2020-01-17", "sector:materials", 1.00, 1e7, "etf"),
    ("510230.XSHG", "金融ETF", "JRETF", "2011-05-23", "sector:financials", 3.00, 3e7, "etf"),
    ("512120.XSHG", "医药50ETF", "YY50ETF", "2019-05-24", "sector:healthcare", 1.00, 1e7, "etf"),
    ("516510.XSHG", "云计算ETF", "YJSETF", "2021-04-07", "index:801750.XSHG", 1.00, 5e7, "etf"),
    ("159825.XSHE", "农业ETF", "NYETF", "2020-12-29", "index:801010.XSHG", 1.00, 5e7, "etf"),
    ("159866.XSHE", "日经ETF工银", "RJETFGY", "2021-06-25", "foreign:N225:0.0003:0.012", 1.00, 1e7, "etf"),
    ("513060.XSHG", "恒生医疗ETF", "HSYLETF", "2021-03-29", "foreign:HSHC:-0.0003:0.022", 1.00, 5e8, "etf"),
    ("512400.XSHG", "有色金属ETF", "YSJSETF", "2017-09-01", "index:801050.XSHG", 1.00, 1e8, "etf"),
    ("515220.XSHG", "煤炭ETF", "MTETF", "2020-03-02", "sector:materials", 1.00, 1e8, "etf"),
    ("515210.XSHG", "钢铁ETF", "GTETF", "2020-03-02", "index:801040.XSHG", 1.00, 5e7, "etf"),
    ("516020.XSHG", "化工ETF", "HGETF", "2021-02-10", "index:801030.XSHG", 1.00, 5e7, "etf"),
    ("159996.XSHE", "家电ETF", "JDETF", "2020-01-23", "index:801110.XSHG", 1.00, 3e7, "etf"),
    ("515170.XSHG", "食品饮料ETF", "SPYLETF", "2021-01-05", "index:801120.XSHG", 1.00, 5e7, "etf"),
    ("159865.XSHE", "养殖ETF", "YZETF", "2021-03-08", "index:801010.XSHG", 1.00, 5e7, "etf"),
    ("159611.XSHE", "电力ETF", "DLETF", "2022-01-07", "index:801160.XSHG", 1.00, 3e7, "etf"),
    ("516950.XSHG", "基建ETF", "JJETF", "2021-07-08", "index:801710.XSHG", 1.00, 2e7, "etf"),
    ("516110.XSHG", "汽车ETF", "QCETF", "2021-03-03", "index:801880.XSHG", 1.00, 2e7, "etf"),
    ("562500.XSHG", "机器人ETF", "JQRETF", "2021-12-17", "index:801890.XSHG", 1.00, 5e7, "etf"),
    # cross-border (QDII)
    ("513100.XSHG", "纳指ETF", "NZETF", "2013-05-15", "foreign:NDX:0.00065:0.013", 1.00, 1e8, "etf"),
    ("159941.XSHE", "纳指ETF广发", "NZETFGF", "2015-07-13", "foreign:NDX:0.00065:0.013", 1.00, 5e7, "etf"),
    ("513300.XSHG", "纳斯达克ETF", "NSDKETF", "2020-11-10", "foreign:NDX:0.00065:0.013", 1.00, 5e7, "etf"),
    ("513500.XSHG", "标普500ETF", "BP500ETF", "2014-01-15", "foreign:SPX:0.00045:0.010", 1.00, 5e7, "etf"),
    ("513030.XSHG", "德国ETF", "DGETF", "2014-09-05", "foreign:DAX:0.00025:0.011", 1.00, 1e7, "etf"),
    ("513520.XSHG", "日经ETF", "RJETF", "2019-06-25", "foreign:N225:0.0003:0.012", 1.00, 1e7, "etf"),
    ("513050.XSHG", "中概互联网ETF", "ZGHLWETF", "2017-01-18", "foreign:CNI:0.0002:0.020", 1.00, 5e8, "etf"),
    ("513180.XSHG", "恒生科技指数ETF", "HSKJZSETF", "2021-05-25", "foreign:HSTECH:0.0:0.020", 1.00, 5e8, "etf"),
    ("159920.XSHE", "恒生ETF", "HSETF", "2012-10-22", "foreign:HSI:0.0:0.012", 1.00, 1e8, "etf"),
    ("510900.XSHG", "H股ETF", "HGETF2", "2012-10-22", "foreign:HSCEI:-0.0001:0.014", 1.00, 2e8, "etf"),
    # bond
    ("511010.XSHG", "国债ETF", "GZETF", "2013-03-25", "bond:0.030", 100.0, 2e5, "etf"),
    ("511260.XSHG", "十年国债ETF", "SNGZETF", "2017-08-24", "bond:0.033", 100.0, 1e5, "etf"),
    ("511220.XSHG", "城投债ETF", "CTZETF", "2014-12-31", "bond:0.040", 10.0, 1e6, "etf"),
    ("511030.XSHG", "公司债ETF", "GSZETF", "2019-01-24", "bond:0.035", 100.0, 1e5, "etf"),
    ("511380.XSHG", "可转债ETF", "KZZETF", "2020-04-07", "bond:0.050", 10.0, 1e7, "etf"),
    # gold / commodity
    ("159934.XSHE", "黄金ETF易方达", "HJETFYFD", "2013-12-16", "gold", 2.50, 2e7, "etf"),
    ("518800.XSHG", "黄金基金", "HJJJ", "2013-07-29", "gold", 2.50, 2e7, "etf"),
    ("159937.XSHE", "博时黄金", "BSHJ", "2014-09-01", "gold", 2.50, 1e7, "etf"),
    ("159985.XSHE", "豆粕ETF", "DPETF", "2019-12-05", "foreign:SOYM:0.0001:0.012", 1.00, 2e7, "etf"),
    # money market (场内货币基金)
    ("511880.XSHG", "银华日利", "YHRL", "2013-04-01", "money:0.022", 100.0, 3e6, "mmf"),
    ("511990.XSHG", "华宝添益", "HBTY", "2013-01-28", "money:0.020", 100.0, 5e6, "mmf"),
    ("511660.XSHG", "建信添益", "JXTY", "2014-10-20", "money:0.021", 100.0, 1e6, "mmf"),
    ("159001.XSHE", "货币ETF", "HBETF", "2014-10-20", "money:0.019", 100.0, 5e5, "mmf"),
    # LOFs
    ("161725.XSHE", "白酒LOF", "BJLOF", "2015-05-27", "sector:consumer_staples", 1.00, 1e7, "lof"),
    ("163402.XSHE", "兴全趋势LOF", "XQQSLOF", "2005-11-03", "index:000906.XSHG", 0.60, 2e6, "lof"),
    ("161005.XSHE", "富国天惠LOF", "FGTHLOF", "2006-01-20", "index:000906.XSHG", 1.50, 2e6, "lof"),
    ("160706.XSHE", "嘉实300LOF", "JS300LOF", "2005-09-12", "index:000300.XSHG", 1.00, 1e6, "lof"),
    ("501018.XSHG", "南方原油LOF", "NFYYLOF", "2016-06-15", "foreign:OIL:0.0:0.022", 1.00, 5e6, "lof"),
    ("162411.XSHE", "华宝油气LOF", "HBYQLOF", "2011-09-29", "foreign:XOP:-0.0001:0.020", 1.00, 5e7, "lof"),
    ("164824.XSHE", "印度基金LOF", "YDJJLOF", "2012-07-11", "foreign:SENSEX:0.0004:0.011", 1.00, 2e6, "lof"),
    ("162605.XSHE", "景顺鼎益LOF", "JSDYLOF", "2005-05-18", "sector:consumer_staples", 1.50, 2e6, "lof"),
    ("161226.XSHE", "白银LOF", "BYLOF", "2015-08-17", "foreign:SILVER:0.0001:0.018", 1.00, 5e6, "lof"),
    ("164906.XSHE", "中概互联LOF", "ZGHLLOF", "2017-05-04", "foreign:CNI:0.0002:0.020", 1.00, 5e6, "lof"),
)

# Open-end (场外, OF) funds: code, display_name, name, inception, JoinQuant type, underlying
# (as for funds), unit NAV at inception or on the store's first day, management drag a year,
# distribution a year (fraction of NAV, paid once a year in January; 0 = none).
_OF_FUNDS = (
    ("000001.OF", "华夏成长混合", "HXCZHH", "2001-12-18", "mixture_fund", "index:000906.XSHG", 1.05, 0.015, 0.0),
    ("110011.OF", "易方达优质精选混合", "YFDYZJXHH", "2008-06-19", "mixture_fund", "sector:consumer_staples+healthcare", 3.20, 0.015, 0.0),
    ("005827.OF", "易方达蓝筹精选混合", "YFDLCJXHH", "2018-09-05", "mixture_fund", "index:000016.XSHG", 1.00, 0.015, 0.0),
    ("003095.OF", "中欧医疗健康混合A", "ZOYLJKHHA", "2016-09-29", "mixture_fund", "sector:healthcare", 1.00, 0.015, 0.0),
    ("161725.OF", "招商中证白酒指数A", "ZSZZBJZSA", "2015-05-27", "stock_fund", "sector:consumer_staples", 1.00, 0.010, 0.0),
    ("110022.OF", "易方达消费行业股票", "YFDXFHYGP", "2010-08-20", "stock_fund", "sector:consumer_staples+consumer_discretionary", 1.60, 0.015, 0.0),
    ("519674.OF", "银河创新成长混合A", "YHCXCZHHA", "2010-12-29", "mixture_fund", "sector:semiconductors", 1.20, 0.015, 0.0),
    ("001156.OF", "申万菱信新能源汽车混合", "SWLXXNYQCHH", "2015-05-07", "mixture_fund", "sector:new_energy", 1.00, 0.015, 0.0),
    ("050002.OF", "博时沪深300指数A", "BSHS300ZSA", "2003-08-26", "stock_fund", "index:000300.XSHG", 1.10, 0.006, 0.01),
    ("000478.OF", "建信中证500指数增强A", "JXZZ500ZSZQA", "2014-01-27", "stock_fund", "index:000905.XSHG", 1.00, 0.010, 0.0),
    ("270042.OF", "广发纳斯达克100ETF联接人民币(QDII)A", "GFNSDK100", "2012-08-15", "QDII_fund", "foreign:NDX:0.00065:0.013", 1.10, 0.008, 0.0),
    ("050025.OF", "博时标普500ETF联接A", "BSBP500", "2012-06-14", "QDII_fund", "foreign:SPX:0.00045:0.010", 1.05, 0.008, 0.0),
    ("000216.OF", "华安黄金易(ETF联接)A", "HAHJY", "2013-08-14", "stock_fund", "gold", 1.00, 0.006, 0.0),
    ("000171.OF", "易方达裕丰回报债券", "YFDYFHBZQ", "2013-08-23", "bond_fund", "bond:0.055", 1.05, 0.008, 0.02),
    ("217022.OF", "招商产业债券A", "ZSCYZQA", "2012-03-21", "bond_fund", "bond:0.050", 1.10, 0.007, 0.02),
    ("110017.OF", "易方达增强回报债券A", "YFDZQHBZQA", "2008-03-19", "bond_fund", "bond:0.050", 1.15, 0.007, 0.02),
    ("000198.OF", "天弘余额宝货币", "THYEBHB", "2013-05-29", "money_market_fund", "money:0.025", 1.00, 0.0, 0.0),
    ("003003.OF", "华夏现金增利货币A", "HXXJZLHBA", "2016-07-25", "money_market_fund", "money:0.024", 1.00, 0.0, 0.0),
)

#: How many generated open-end funds of each JoinQuant type the sample adds to the famous ones
#: above: the real universe's proportions (2021: ~1,700 stock, ~3,500 mixed, ~2,800 bond,
#: ~700 money-market share classes, ~250 QDII) scaled down about 1:20 (money and QDII a little
#: less, they are rarely the subject of a strategy).
OF_UNIVERSE_COUNTS = {"stock_fund": 90, "mixture_fund": 160, "bond_fund": 110,
                      "money_market_fund": 30, "QDII_fund": 15}

_OF_COMPANIES = (("华夏", "HX"), ("易方达", "YFD"), ("南方", "NF"), ("嘉实", "JS"), ("广发", "GF"),
                 ("富国", "FG"), ("汇添富", "HTF"), ("博时", "BS"), ("招商", "ZS"), ("工银瑞信", "GYRX"),
                 ("鹏华", "PH"), ("景顺长城", "JSCC"), ("中欧", "ZO"), ("兴全", "XQ"), ("交银施罗德", "JYSLD"),
                 ("银华", "YH"), ("大成", "DC"), ("国泰", "GT"), ("华安", "HA"), ("万家", "WJ"),
                 ("诺安", "NA"), ("建信", "JX"), ("天弘", "TH"), ("中银", "ZY"), ("前海开源", "QHKY"),
                 ("泓德", "HD"))
# (theme, initials, underlying); active equity themes hold sector baskets
_OF_ACTIVE_THEMES = (
    ("成长精选", "CZJX", "sector:new_energy+semiconductors+healthcare"),
    ("价值精选", "JZJX", "sector:financials+materials+industrials"),
    ("消费升级", "XFSJ", "sector:consumer_staples+consumer_discretionary"),
    ("医疗健康", "YLJK", "sector:healthcare"),
    ("科技创新", "KJCX", "sector:semiconductors+telecom"),
    ("新能源产业", "XNYCY", "sector:new_energy"),
    ("先进制造", "XJZZ", "sector:industrials+new_energy"),
    ("金融地产", "JRDC", "sector:financials+real_estate"),
    ("周期优选", "ZQYX", "sector:materials+industrials"),
    ("信息产业", "XXCY", "sector:telecom+semiconductors"),
    ("品质生活", "PZSH", "sector:consumer_staples+healthcare"),
    ("核心优势", "HXYS", "sector:consumer_staples+financials+healthcare"),
    ("优势企业", "YSQY", "sector:consumer_discretionary+industrials+materials"),
    ("蓝筹精选", "LCJX", "index:000300.XSHG"),
    ("中小盘", "ZXP", "index:000905.XSHG"),
)
# (theme, initials, underlying, first possible inception)
_OF_INDEX_THEMES = (
    ("沪深300指数", "HS300ZS", "index:000300.XSHG", None),
    ("中证500指数增强", "ZZ500ZSZQ", "index:000905.XSHG", None),
    ("中证1000指数增强", "ZZ1000ZSZQ", "index:000852.XSHG", "2015-01-01"),
    ("上证50指数", "SZ50ZS", "index:000016.XSHG", None),
    ("创业板指数", "CYBZS", "index:399006.XSHE", None),
    ("中证红利指数", "ZZHLZS", "index:000922.XSHG", None),
    ("中证800指数", "ZZ800ZS", "index:000906.XSHG", None),
    ("科创50指数", "KC50ZS", "index:000688.XSHG", "2020-11-16"),
    ("中证银行指数", "ZZYHZS", "index:801780.XSHG", None),
    ("医药指数", "YYZS", "index:801150.XSHG", None),
    ("中证100指数", "ZZ100ZS", "index:000903.XSHG", None),
    ("深证100指数", "SZ100ZS", "index:399330.XSHE", None),
)
_OF_BOND_THEMES = (("纯债", "CZ"), ("信用债", "XYZ"), ("双债增强", "SZZQ"), ("稳健收益", "WJSY"),
                   ("短债", "DZ"), ("安心回报", "AXHB"), ("增利", "ZL"), ("中短债", "ZDZ"))
_OF_MONEY_THEMES = (("货币", "HB"), ("现金宝货币", "XJBHB"), ("天天理财货币", "TTLCHB"), ("薪金宝货币", "XJBHB"))
_OF_QDII_THEMES = (("纳斯达克100指数(QDII)", "NSDK100", "foreign:NDX:0.00065:0.013"),
                   ("标普500指数(QDII)", "BP500", "foreign:SPX:0.00045:0.010"),
                   ("恒生指数(QDII)", "HSZS", "foreign:HSI:0.0001:0.014"),
                   ("全球医疗保健(QDII)", "QQYLBJ", "foreign:GHC:0.0003:0.011"),
                   ("中概互联网(QDII)", "ZGHLW", "foreign:CNI:0.0002:0.020"),
                   ("全球原油(QDII)", "QQYY", "foreign:OIL:0.0:0.022"))
# inception years of the generated funds (weights) and the code block of each year (real
# open-end codes were handed out roughly in ascending order from 2013 on)
_OF_YEAR_WEIGHT = {2005: 0.3, 2006: 0.4, 2007: 0.6, 2008: 0.5, 2009: 0.6, 2010: 0.7, 2011: 0.7,
                   2012: 0.8, 2013: 0.8, 2014: 0.9, 2015: 1.6, 2016: 1.2, 2017: 1.3, 2018: 1.3,
                   2019: 1.8, 2020: 2.8, 2021: 3.0, 2022: 2.2, 2023: 1.6, 2024: 1.0}
_OF_CODE_BLOCKS = {2013: (100, 700), 2014: (700, 1000), 2015: (1000, 2200), 2016: (2200, 3600),
                   2017: (3600, 5100), 2018: (5100, 6600), 2019: (6600, 8300), 2020: (8300, 10800),
                   2021: (10800, 14100), 2022: (14100, 17200), 2023: (17200, 20000),
                   2024: (20000, 23000)}
_OF_OLD_PREFIXES = ("050", "070", "100", "110", "160", "162", "202", "217", "260", "270", "290",
                    "320", "360", "460", "519", "530", "540", "590")


def _generate_of_funds(taken: set) -> tuple[tuple, dict]:
    """The generated open-end funds (same tuple layout as :data:`_OF_FUNDS`) and their equity
    share of assets (code -> fraction) -- deterministic, independent of the market seed.

    Per type (:data:`OF_UNIVERSE_COUNTS`): stock funds (股票型, 45 % index funds tracking a
    sample index, 55 % active funds holding sector baskets, equity share 88-94 %), mixed
    funds (混合型, active, equity share 60-90 %, the rest in bonds), bond funds (债券型,
    2.5-5.5 % carry, a fifth paying a yearly distribution), money-market funds (货币型,
    1.8-2.8 %) and QDII funds (foreign index paths).  Names are ``{company}{theme}{type}`` with
    an A share class for about half; codes follow the inception year (real codes were issued
    roughly in order from 2013 on; company prefixes such as 110xxx/519xxx before).
    """
    rng = np.random.default_rng(zlib.crc32(b"jqlite open-end fund universe"))
    years = np.array(list(_OF_YEAR_WEIGHT))
    wts = np.array(list(_OF_YEAR_WEIGHT.values()))
    wts = wts / wts.sum()
    out, share = [], {}
    used = set(taken)
    names: set = {f[1] for f in _OF_FUNDS}

    def new_code(year):
        for _ in range(1000):
            if year in _OF_CODE_BLOCKS:
                lo, hi = _OF_CODE_BLOCKS[year]
                c = f"{int(rng.integers(lo, hi)):06d}"
            elif year < 2013:
                c = _OF_OLD_PREFIXES[int(rng.integers(len(_OF_OLD_PREFIXES)))] + f"{int(rng.integers(1, 1000)):03d}"
            else:
                c = f"{int(rng.integers(23000, 25000)):06d}"
            if c not in used:
                used.add(c)
                return c
        raise RuntimeError("no free open-end fund code")  # pragma: no cover

    def inception(first=None):
        y = int(rng.choice(years, p=wts))
        d = pd.Timestamp(y, 1, 1) + pd.Timedelta(int(rng.integers(0, 365)), unit="D")
        if first is not None and d < pd.Timestamp(first):
            d = pd.Timestamp(first) + pd.Timedelta(int(rng.integers(0, 700)), unit="D")
        return min(d, pd.Timestamp("2025-06-30"))

    def add(ftype, disp, nm, under, drag, dist, eq, first=None):
        day = inception(first)
        code = new_code(day.year)
        cls = "A" if rng.random() < 0.5 else ""
        if disp + cls in names:     # one name per fund: another share class
            cls = next(c for c in ("C", "E", "I", "Y", "D", "F", "H") if disp + c not in names)
        names.add(disp + cls)
        nav0 = 1.0 if day >= pd.Timestamp(DEFAULT_START) else round(float(np.exp(rng.normal(0.45, 0.35))), 4)
        if ftype == "money_market_fund":
            nav0 = 1.0
        out.append((f"{code}.OF", disp + cls, nm + cls, str(day.date()), ftype, under, nav0, drag, dist))
        share[f"{code}.OF"] = eq

    def company():
        return _OF_COMPANIES[int(rng.integers(len(_OF_COMPANIES)))]

    for _ in range(OF_UNIVERSE_COUNTS["stock_fund"]):
        co, ci = company()
        if rng.random() < 0.45:
            th, ti, under, first = _OF_INDEX_THEMES[int(rng.integers(len(_OF_INDEX_THEMES)))]
            add("stock_fund", co + th, ci + ti, under, 0.006, 0.0, round(float(rng.uniform(0.90, 0.95)), 3), first)
        else:
            th, ti, under = _OF_ACTIVE_THEMES[int(rng.integers(len(_OF_ACTIVE_THEMES)))]
            add("stock_fund", f"{co}{th}股票", f"{ci}{ti}GP", under, 0.015, 0.0,
                round(float(rng.uniform(0.88, 0.94)), 3))
    for _ in range(OF_UNIVERSE_COUNTS["mixture_fund"]):
        co, ci = company()
        th, ti, under = _OF_ACTIVE_THEMES[int(rng.integers(len(_OF_ACTIVE_THEMES)))]
        add("mixture_fund", f"{co}{th}混合", f"{ci}{ti}HH", under, 0.015, 0.0, round(float(rng.uniform(0.60, 0.90)), 3))
    for _ in range(OF_UNIVERSE_COUNTS["bond_fund"]):
        co, ci = company()
        th, ti = _OF_BOND_THEMES[int(rng.integers(len(_OF_BOND_THEMES)))]
        y = round(float(rng.uniform(0.025, 0.055)), 3)
        add("bond_fund", f"{co}{th}债券", f"{ci}{ti}ZQ", f"bond:{y}", 0.006, 0.02 if rng.random() < 0.2 else 0.0, 0.0)
    for _ in range(OF_UNIVERSE_COUNTS["money_market_fund"]):
        co, ci = company()
        th, ti = _OF_MONEY_THEMES[int(rng.integers(len(_OF_MONEY_THEMES)))]
        y = round(float(rng.uniform(0.018, 0.028)), 3)
        add("money_market_fund", co + th, ci + ti, f"money:{y}", 0.0, 0.0, 0.0)
    for _ in range(OF_UNIVERSE_COUNTS["QDII_fund"]):
        co, ci = company()
        th, ti, under = _OF_QDII_THEMES[int(rng.integers(len(_OF_QDII_THEMES)))]
        add("QDII_fund", co + th, ci + ti, under, 0.010, 0.0, round(float(rng.uniform(0.90, 0.95)), 3))
    return tuple(out), share


_GENERATED_OF, OF_EQUITY_SHARE = _generate_of_funds(
    {c[:6] for c in [e[0] for e in _ETFS] + [e[0] for e in _MORE_FUNDS] + [e[0] for e in _OF_FUNDS]})
_FAMOUS_OF_FUNDS = _OF_FUNDS
_OF_FUNDS = _FAMOUS_OF_FUNDS + _GENERATED_OF

_CHINEXT_20PCT = pd.Timestamp("2020-08-24")
#: First day of the revised 上证综指 rules (new listings after a year, ST out, STAR in).
_SSE_REVISION = pd.Timestamp("2020-07-22")


# ---------------------------------------------------------------------------------------------
# helpers


def _rng(seed: int, stream: str) -> np.random.Generator:
    """Independent generator for one named stream of one seed."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), zlib.crc32(stream.encode())]))


def _ipo_day_capped(board: np.ndarray, start_date) -> np.ndarray:
    """True for stocks whose first trading day has the 44 % cap and the opening-auction range
    of +-20 % of the issue price: every board except STAR and ChiNext IPOs from 2020-08-24
    (registration system: no price limit in the first five days)."""
    start = np.asarray(pd.to_datetime(np.asarray(start_date)).values)
    return ~((board == "star") | ((board == "chinext") & (start >= np.datetime64(_CHINEXT_20PCT))))


def round_half_up(x, decimals: int = 2):
    """Round half up on the decimal value (exchange rounding): ``round_half_up(11.055) == 11.06``.

    Parameters
    ----------
    x : float or numpy.ndarray
        Prices in yuan.
    decimals : int
        2 for stocks (0.01 yuan), 3 for funds (0.001 yuan).
    """
    s = 10.0 ** decimals
    return np.floor(np.asarray(x, dtype=float) * s + 0.5 + 1e-7) / s


def _rhu3(x: float) -> float:
    """:func:`round_half_up` to 0.001 of one Python float (bit-identical, 20x faster)."""
    return math.floor(x * 1000.0 + 0.5 + 1e-7) / 1000.0


#: First periodic review at which ChiNext stocks need a year of listing for the CSI size indexes
#: (中证指数公司, 2021-11: 创业板证券进入沪深300样本空间的时间调整为上市超过一年, from the
#: 2021-12-13 review on; before it they followed the quarter rule of the other boards).
CSI_CHINEXT_ONE_YEAR_FROM = pd.Timestamp("2021-12-13")
#: The fast-entry exception of the quarter rule: a newer listing whose average daily total
#: market cap since listing ranks in the top ``CSI_FAST_ENTRY_RANK`` is eligible anyway.
CSI_FAST_ENTRY_RANK = 30
#: About how many A shares the real market had when the rule was written (2020-2021): the
#: sample scales the top-30 rank to its own size (:func:`sample_fast_entry_rank`).
CSI_MARKET_SIZE = 4500


def sample_fast_entry_rank(n_stocks: int) -> int:
    """The sample's equivalent of CSI's top-30 fast-entry rank: 30 of ~4,500 A shares is the
    largest 0.67 %, so ``ceil(30 * n_stocks / 4500)`` (6 for the default 800 stocks; at least
    1).  With 30 of 800, a tenth of the sample's IPOs would skip the quarter rule."""
    return max(1, math.ceil(CSI_FAST_ENTRY_RANK * n_stocks / CSI_MARKET_SIZE))


def review_cutoff(days: pd.DatetimeIndex, t: int) -> tuple[pd.Timestamp, int]:
    """Data cut-off of the CSI periodic review taking effect on ``days[t]``.

    CSI reviews 沪深300 / 中证500 / 中证全指 in June and December (effective the first trading
    day after the second Friday); the data examined end on April 30 (June review) and
    October 31 (December review).  For ``t`` that is not a June / December review day (the
    store's first day) the cut-off of the latest review before it is used.

    Parameters
    ----------
    days : pandas.DatetimeIndex
        The store's trading days (ascending).
    t : int
        Index of the review day in ``days``.

    Returns
    -------
    (pandas.Timestamp, int)
        The calendar cut-off date and the index of the last trading day on or before it
        (0 when the cut-off precedes the first day).
    """
    d = days[t]
    if d.month == 12 and d.day >= 8:
        cut = pd.Timestamp(d.year, 10, 31)
    elif d.month == 6 and d.day >= 8 or 6 < d.month <= 12:
        cut = pd.Timestamp(d.year, 4, 30)
    else:
        cut = pd.Timestamp(d.year - 1, 10, 31)
    c = int(np.searchsorted(days, cut, side="right")) - 1
    return cut, max(c, 0)


def csi_review_age_ok(start_dates, board, avg_cap, active, cutoff, review_day,
                      one_year_boards=("star", "chinext"), fast_rank: int = CSI_FAST_ENTRY_RANK) -> np.ndarray:
    """The listing-age rule of CSI's size indexes (沪深300, 中证500, 中证800, ...) at a review.

    Rule (沪深300指数编制方案 sample space, 2020-12 edition and the 2021-11 ChiNext revision):
    a STAR (科创板) stock must be listed for more than a year before the data cut-off; a
    ChiNext (创业板) stock too from the 2021-12-13 review on (:data:`CSI_CHINEXT_ONE_YEAR_FROM`);
    any other stock for more than a quarter (three calendar months), unless its average daily
    total market cap since listing ranks in the top 30 of the market
    (:data:`CSI_FAST_ENTRY_RANK`).  ``start_date < cutoff - 3 months`` (resp. ``- 1 year``)
    counts as "more than": a stock listed on 2020-07-31 is not older than a quarter on
    2020-10-31, one listed on 2020-07-30 is.

    Parameters
    ----------
    start_dates : numpy.ndarray of datetime64[D], shape (n,)
        Listing days.
    board : numpy.ndarray of str, shape (n,)
        ``sh_main`` / ``sz_main`` / ``sme`` / ``chinext`` / ``star``.
    avg_cap : numpy.ndarray of float, shape (n,)
        Average daily total market cap since listing (or over the last year), yuan.
    active : numpy.ndarray of bool, shape (n,)
        Listed on the cut-off day (only these compete for the top 30).
    cutoff : pandas.Timestamp
        Data cut-off (April 30 / October 31).
    review_day : pandas.Timestamp
        The day the review takes effect (decides the ChiNext rule).
    one_year_boards : tuple of str
        Boards held to the one-year rule (``()`` for indexes with the quarter rule for all).
    fast_rank : int
        The fast-entry rank (30 on the real market; the sample passes
        :func:`sample_fast_entry_rank` of its size).

    Returns
    -------
    numpy.ndarray of bool, shape (n,)
    """
    sd = np.asarray(start_dates).astype("datetime64[D]")
    board = np.asarray(board)
    quarter = sd < np.datetime64((cutoff - pd.DateOffset(months=3)).date(), "D")
    year = sd < np.datetime64((cutoff - pd.DateOffset(years=1)).date(), "D")
    boards = [b for b in one_year_boards if b != "chinext" or review_day >= CSI_CHINEXT_ONE_YEAR_FROM]
    one_year = np.isin(board, boards)
    capr = np.where(active, np.asarray(avg_cap, dtype=float), -np.inf)
    top = np.zeros(len(sd), bool)
    top[np.argsort(-capr, kind="stable")[:fast_rank]] = True
    top &= active
    return np.where(one_year, year, quarter | top)


def _review_cutoff(days, t):
    return review_cutoff(days, t)


def _day_mask(days: pd.DatetimeIndex, first: str, last: str) -> np.ndarray:
    return np.asarray((days >= pd.Timestamp(first)) & (days <= pd.Timestamp(last)))


def _std(x: np.ndarray) -> np.ndarray:
    return (x - x.mean()) / (x.std() or 1.0)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index pairs of the True runs of a 1-d bool array."""
    m = np.concatenate([[False], mask.astype(bool), [False]])
    d = np.diff(m.astype(np.int8))
    return list(zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1))


# ---------------------------------------------------------------------------------------------
# latents


def _place_famous(code: np.ndarray, board: np.ndarray, ipo: np.ndarray, delist: np.ndarray,
                  days: pd.DatetimeIndex) -> dict[int, tuple]:
    """Positions of the :data:`FAMOUS` stocks: index of the synthetic stock each replaces.

    A famous code F replaces the synthetic code just before or just after it in sorted order
    (or F itself when drawn), so the sorted order of all codes -- hence the column of every
    stock and every random draw -- is unchanged.  The replaced stock must be of F's board,
    not delisted, not already taken, and listed before the store when F listed before it
    (preferred: the neighbour whose listing status matches F's).
    """
    out: dict[int, tuple] = {}
    board_of = {"600": "sh_main", "601": "sh_main", "603": "sh_main", "605": "sh_main",
                "000": "sz_main", "001": "sz_main", "002": "sme", "300": "chinext",
                "301": "chinext", "688": "star"}
    for entry in FAMOUS:
        f = entry[0]
        cur = np.array([str(c) for c in code])
        order = np.argsort(cur, kind="stable")
        srt = cur[order]
        k = int(np.searchsorted(srt, f))
        cands = [k] if k < len(srt) and srt[k] == f else [k - 1, k]
        pre_store = pd.Timestamp(entry[5]) < days[0]
        best = None
        for pos in cands:
            if pos < 0 or pos >= len(srt):
                continue
            i = int(order[pos])
            if i in out or board[i] != board_of.get(f[:3]) or delist[i]:
                continue
            score = int(bool(ipo[i]) != (not pre_store))
            if best is None or score < best[0]:
                best = (score, i)
        if best is not None:
            out[best[1]] = entry
            code[best[1]] = f
    return out


def sample_latents(seed: int = DEFAULT_SEED, n_stocks: int = 800, start: str = DEFAULT_START,
                   end: str = DEFAULT_END) -> pd.DataFrame:
    """Per-stock latent variables of the sample market (deterministic in all arguments).

    Later generators (fundamentals, industries) use these so that they stay consistent with
    the prices.

    Parameters
    ----------
    seed : int
        Random seed.
    n_stocks : int
        Number of stocks.
    start, end : str
        Store period (ISO dates); listing dates are drawn on its XSHG trading days.

    Returns
    -------
    pandas.DataFrame
        ``n_stocks`` rows indexed by ``code`` (sorted), columns: ``board``; ``sector`` (key of
        :data:`SECTORS`), ``sector_name``; ``size``, ``quality``, ``growth`` (latent scores,
        roughly N(0, 1); size drives market cap, quality the planted alpha, dividends and ST
        risk, growth a small drift and bonus shares); ``beta``; ``idio_vol`` (daily, fraction);
        ``turnover_base`` (daily fraction of shares traded); ``price0`` (yuan: issue price for
        IPOs inside the period, else the close before the store's first day); ``shares0``
        (total shares at that time); ``start_date``, ``end_date`` (listing / last trading day,
        ``2200-01-01`` if listed at the end, ``NaT`` start if the stock would list after
        ``end``); ``ipo`` (listed inside the period); ``ipo_pop`` (log of fair value / issue
        price on the first day); ``delist`` (delisted inside the period); ``display_name``
        (base Chinese name), ``name`` (pinyin initials); ``dividend_yield`` (target cash yield).
    """
    days = xshg_trading_days(start, end)
    T = len(days)
    n = int(n_stocks)
    if n < 20:
        raise ValueError("n_stocks must be at least 20")
    rng = _rng(seed, "latents")
    counts = [int(np.floor(n * f)) for _, f in _BOARD_SHARE]
    counts[0] += n - sum(counts)
    board = np.concatenate([[b] * c for (b, _), c in zip(_BOARD_SHARE, counts)])
    bsec = {  # sector probabilities per board
        "sh_main": [0.16, 0.09, 0.09, 0.10, 0.08, 0.05, 0.07, 0.08, 0.14, 0.14],
        "sz_main": [0.08, 0.12, 0.10, 0.12, 0.10, 0.06, 0.08, 0.08, 0.12, 0.14],
        "sme": [0.03, 0.05, 0.10, 0.12, 0.12, 0.12, 0.12, 0.10, 0.14, 0.10],
        "chinext": [0.02, 0.01, 0.05, 0.08, 0.18, 0.18, 0.20, 0.12, 0.12, 0.04],
        "star": [0.00, 0.00, 0.00, 0.02, 0.24, 0.34, 0.14, 0.10, 0.14, 0.02],
    }
    sector = np.array([rng.choice(10, p=np.array(bsec[b]) / sum(bsec[b])) for b in board])
    sec_size = np.array([0.9, 0.3, 0.2, 0.0, -0.1, -0.2, -0.2, 0.0, -0.1, 0.0])
    sec_growth = np.array([-0.3, -0.4, 0.0, 0.0, 0.3, 0.5, 0.3, 0.5, 0.0, -0.3])
    sec_beta = np.array([-0.15, 0.0, -0.1, 0.0, -0.05, 0.15, 0.1, 0.12, 0.0, 0.05])
    bd_size = {"sh_main": 0.4, "sz_main": 0.1, "sme": -0.3, "chinext": -0.5, "star": -0.1}
    bd_growth = {"sh_main": -0.2, "sz_main": -0.2, "sme": 0.0, "chinext": 0.4, "star": 0.6}
    size = rng.standard_normal(n) + sec_size[sector] + np.array([bd_size[b] for b in board])
    quality = rng.standard_normal(n) + 0.3 * np.where(sector == 2, 1, 0)
    growth = 0.9 * rng.standard_normal(n) + sec_growth[sector] + np.array([bd_growth[b] for b in board])
    beta = np.clip(1.0 + sec_beta[sector] + 0.15 * rng.standard_normal(n), 0.5, 1.7)
    idio_vol = 0.014 * np.exp(-0.15 * size + 0.15 * rng.standard_normal(n))
    idio_vol *= np.where(np.isin(board, ["chinext", "star"]), 1.15, 1.0)
    idio_vol = np.clip(idio_vol, 0.009, 0.035)
    turnover_base = np.clip(np.exp(np.log(0.012) - 0.45 * size + 0.35 * rng.standard_normal(n)), 5e-4, 0.08)

    # listing dates
    ipo = np.zeros(n, bool)
    start_idx = np.full(n, -1)             # day index of the first store row, -1: not listed
    start_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    years = np.asarray(days.year)
    for b, (frac, lo, hi, pre) in _BOARD_IPO.items():
        idx = np.flatnonzero(board == b)
        k = int(round(frac * len(idx)))
        order = rng.permutation(idx)
        ipo_i, pre_i = np.sort(order[:k]), np.sort(order[k:])
        ok = np.ones(T, bool)
        ok[: min(20, T)] = False
        ok[max(T - 20, 0):] = False
        if lo is not None:
            ok &= np.asarray(days >= pd.Timestamp(lo))
        if hi is not None:
            ok &= np.asarray(days <= pd.Timestamp(hi))
        cand = np.flatnonzero(ok)
        if len(ipo_i) and len(cand):
            w = np.array([_IPO_YEAR_WEIGHT.get(int(y), 1.0) for y in years[cand]])
            d = np.sort(rng.choice(cand, size=len(ipo_i), p=w / w.sum()))
            if b == "star":  # first batch on the board's first day
                nfirst = min(len(d) // 4, 25)
                d[:nfirst] = cand[0]
                d = np.sort(d)
            start_idx[ipo_i] = d
            start_date[ipo_i] = days[d].to_numpy()
            ipo[ipo_i] = True
        elif len(ipo_i) and pre is None:
            pass  # board opens after ``end``: never listed
        elif len(ipo_i):
            pre_i = np.sort(np.concatenate([pre_i, ipo_i]))
        if len(pre_i) and pre is not None:
            plo, phi = pd.Timestamp(pre[0]), min(pd.Timestamp(pre[1]), days[0] - pd.Timedelta(1, unit="D"))
            bdays = pd.bdate_range(min(plo, phi), phi)
            start_date[pre_i] = np.sort(rng.choice(bdays.to_numpy(), size=len(pre_i)))
            start_idx[pre_i] = 0

    # codes, in listing order within a board
    code = np.empty(n, dtype=object)
    sd_key = np.where(np.isnat(start_date), np.datetime64("2200-01-01"), start_date).astype("int64")
    for b in dict(_BOARD_SHARE):
        idx = np.flatnonzero(board == b)
        idx = idx[np.lexsort((idx, sd_key[idx]))]
        if b == "sh_main":
            pre_i, ipo_i = idx[~ipo[idx]], idx[ipo[idx]]
            old = np.sort(rng.choice(np.arange(600000, 602000), len(pre_i), replace=False))
            new = np.sort(rng.choice(np.concatenate([np.arange(603000, 604000), np.arange(605000, 605500)]),
                                     len(ipo_i), replace=False))
            code[pre_i] = [f"{c:06d}.XSHG" for c in old]
            code[ipo_i] = [f"{c:06d}.XSHG" for c in new]
            continue
        lo, hi, ex = {"sz_main": (1, 1000, "XSHE"), "sme": (2001, 3000, "XSHE"),
                      "chinext": (300001, 301000, "XSHE"), "star": (688001, 689000, "XSHG")}[b]
        nums = np.sort(rng.choice(np.arange(lo, hi), len(idx), replace=False))
        code[idx] = [f"{c:06d}.{ex}" for c in nums]

    # prices, shares
    log_cap = np.log(6e9) + 0.9 * size
    log_cap = np.where(ipo, log_cap - 0.8, log_cap)
    price0 = np.where(ipo, np.clip(np.exp(np.log(14) + 0.5 * rng.standard_normal(n)), 3, 80),
                      np.clip(np.exp(np.log(10) + 0.6 * rng.standard_normal(n) + 0.15 * quality), 2.5, 150))
    price0 = round_half_up(price0, 2)
    shares0 = np.maximum(np.round(np.exp(log_cap) / price0, -4), 1e6)
    late = np.asarray(start_date >= np.datetime64("2019-01-01"))
    pop_late, pop_early = rng.uniform(0.15, 1.1, n), rng.uniform(0.35, 1.6, n)
    # an IPO with a first-day cap (main boards, SME, ChiNext before the 2020-08-24 reform)
    # closed at the +44 % cap on its first day since the 2014 IPO pricing rules, then ran up a
    # string of limit-up days: fair value 1.52x-4x the issue price (log 0.42-1.4); STAR and
    # registered ChiNext IPOs (no cap in their first five days) keep the wide range
    capped = _ipo_day_capped(board, start_date)
    ipo_pop = np.where(capped, 0.42 + (np.where(late, (pop_late - 0.15) / 0.95, (pop_early - 0.35) / 1.25)) * 0.98,
                       np.where(late, pop_late, pop_early))

    # delistings: weak pre-existing main-board / SME stocks
    end_date = np.full(n, np.datetime64(schema.FAR_FUTURE), dtype="datetime64[ns]")
    delist = np.zeros(n, bool)
    elig = np.flatnonzero(np.isin(board, ["sh_main", "sz_main", "sme"]) & ~ipo & (start_idx == 0))
    n_del = max(1, int(round(0.02 * n))) if T > 600 else 0
    if n_del and len(elig):
        score = quality[elig] + 0.5 * rng.standard_normal(len(elig))
        pick = np.sort(elig[np.argsort(score, kind="stable")[:n_del]])
        end_idx = rng.integers(550, T - 40, size=len(pick))
        end_date[pick] = days[end_idx].to_numpy()
        delist[pick] = True

    dividend_yield = np.clip(0.004 + 0.012 * np.exp(0.45 * quality + 0.4 * rng.standard_normal(n)), 0.002, 0.06)

    # names
    combos = [(a + b, ia + ib) for a, ia in _FIRST_CHARS for b, ib in _SECOND_CHARS if a != b]
    used: set[str] = set()
    display = np.empty(n, dtype=object)
    abbr = np.empty(n, dtype=object)
    perm = rng.permutation(len(combos))
    j = 0
    for i in range(n):
        suffixes = SECTORS[sector[i]][2]
        while True:
            pz, pi = combos[perm[j % len(combos)]]
            sz, si = suffixes[(j // len(combos) + i) % len(suffixes)]
            j += 1
            if pz + sz not in used:
                break
        used.add(pz + sz)
        display[i], abbr[i] = pz + sz, pi + si

    suffix = np.array([d[-2:] for d in display], dtype=object)
    # the famous large caps belong to a full market: toy markets (tests) stay all-synthetic
    famous = _place_famous(code, board, ipo, delist, days) if n >= FAMOUS_MIN_STOCKS else {}
    for i, (fc, fname, fabbr, fsec, fsuf, flisted, fcap) in famous.items():
        code[i], display[i], abbr[i], suffix[i] = fc, fname, fabbr, fsuf
        sector[i] = SECTOR_KEYS.index(fsec)
        if not ipo[i] and pd.Timestamp(flisted) < days[0]:
            start_date[i] = np.datetime64(pd.Timestamp(flisted))
        cap = fcap * (np.exp(-0.8) if ipo[i] else 1.0)
        shares0[i] = max(np.round(cap / price0[i], -4), 1e6)
    is_famous = np.zeros(n, bool)
    is_famous[list(famous)] = True

    df = pd.DataFrame({
        "code": code, "board": board,
        "sector": [SECTOR_KEYS[s] for s in sector], "sector_name": [SECTORS[s][1] for s in sector],
        "size": size, "quality": quality, "growth": growth, "beta": beta, "idio_vol": idio_vol,
        "turnover_base": turnover_base, "price0": price0, "shares0": shares0,
        "start_date": pd.to_datetime(start_date), "end_date": pd.to_datetime(end_date),
        "ipo": ipo, "ipo_pop": ipo_pop, "delist": delist, "display_name": display, "name": abbr,
        "dividend_yield": dividend_yield, "industry_suffix": suffix, "famous": is_famous,
    })
    return df.sort_values("code").set_index("code")


# ---------------------------------------------------------------------------------------------
# factor paths and the signal


def _signal_parts(seed: int, lat: pd.DataFrame, days: pd.DatetimeIndex):
    """Idiosyncratic shocks ``eps`` (T, n), latent alpha ``z`` and the score (T, n)."""
    from scipy.signal import lfilter

    T, n = len(days), len(lat)
    p = SIGNAL_PARAMS
    rng = _rng(seed, "idio")
    eps = (rng.standard_t(4, size=(T, n)) / np.sqrt(2.0))
    rng = _rng(seed, "alpha")
    phi = np.exp(-np.log(2) / p["half_life_days"])
    eta = rng.standard_normal((T, n)) * np.sqrt(1 - phi ** 2)
    eta[0] = rng.standard_normal(n)
    u = lfilter([1.0], [1.0, -phi], eta, axis=0)
    q = _std(lat["quality"].to_numpy())
    ql = p["quality_loading"]
    z = ql * q[None, :] + np.sqrt(1 - ql ** 2) * u
    W = p["reversal_window"]
    cs = np.cumsum(eps, axis=0)
    roll = cs.copy()
    roll[W:] = cs[W:] - cs[:-W]
    rev = -roll / np.sqrt(np.minimum(np.arange(1, T + 1), W))[:, None]
    w = p["reversal_weight"]
    score = np.sqrt(1 - w ** 2) * z + w * rev
    return eps, z, score


def _listing_mask(lat: pd.DataFrame, days: pd.DatetimeIndex) -> np.ndarray:
    sd = lat["start_date"].to_numpy()
    ed = lat["end_date"].to_numpy()
    d = days.to_numpy()[:, None]
    return (d >= sd[None, :]) & (d <= ed[None, :]) & ~np.isnat(sd)[None, :]


def sample_signal(seed: int = DEFAULT_SEED, n_stocks: int = 800, start: str = DEFAULT_START,
                  end: str = DEFAULT_END) -> pd.DataFrame:
    """The planted signal score of :data:`SIGNAL`, known at each day's close.

    Parameters
    ----------
    seed, n_stocks, start, end
        As given to :func:`generate_sample_market`.

    Returns
    -------
    pandas.DataFrame
        Shape ``(n_days, n_stocks)``: index = trading days, columns = stock codes; the unitless
        score (about N(0, 1) across stocks), NaN where the stock is not listed.
    """
    days = xshg_trading_days(start, end)
    lat = sample_latents(seed, n_stocks, start, end)
    _, _, score = _signal_parts(seed, lat, days)
    score = np.where(_listing_mask(lat, days), score, np.nan)
    return pd.DataFrame(score, index=days, columns=lat.index)


def sample_sectors(path_or_seed=DEFAULT_SEED, n_stocks: int = 800) -> pd.DataFrame:
    """Sector of every sample stock.

    Parameters
    ----------
    path_or_seed : path-like or int
        A sample store folder (reads its ``sample_sectors.parquet``) or a seed (recomputes
        from :func:`sample_latents` with the default period).
    n_stocks : int
        Number of stocks, when a seed is given.

    Returns
    -------
    pandas.DataFrame
        Indexed by ``code``; columns ``sector`` (key of :data:`SECTORS`) and ``sector_name``
        (Chinese).
    """
    if isinstance(path_or_seed, (str, os.PathLike)):
        return pd.read_parquet(Path(path_or_seed) / "sample_sectors.parquet").set_index("code")
    lat = sample_latents(int(path_or_seed), n_stocks)
    return lat.loc[~lat["start_date"].isna(), ["sector", "sector_name", "industry_suffix"]]


# ---------------------------------------------------------------------------------------------
# events: suspensions, ST, dividends


def _events(seed, lat, days, act, first):
    T, n = act.shape
    rng = _rng(seed, "events")
    board = lat["board"].to_numpy()
    quality = lat["quality"].to_numpy()
    famous = lat["famous"].to_numpy() if "famous" in lat.columns else np.zeros(n, bool)
    start_idx = np.where(act.any(0), act.argmax(0), T)
    end_idx = np.where(act.any(0), T - 1 - act[::-1].argmax(0), -1)
    years = np.asarray(days.year)
    year_list = np.unique(years)

    # --- ST periods: (i, first, last, star)
    st = np.zeros((T, n), bool)
    st_periods = []
    for i in np.flatnonzero(lat["delist"].to_numpy()):
        e = end_idx[i]
        s = max(int(e - rng.integers(250, 480)), 1)
        st_periods.append((i, s, e, True))
    elig = np.flatnonzero(np.isin(board, ["sh_main", "sz_main", "sme"]) & ~lat["delist"].to_numpy()
                          & (end_idx >= 0))
    pst = 0.10 / (1 + np.exp(1.2 * quality[elig]))
    for i in elig[rng.random(len(elig)) < pst * 1.6]:
        ys = [y for y in year_list if y < year_list[-1]]
        if not ys:
            break
        y = ys[rng.integers(len(ys))]
        win = np.flatnonzero((years == y) & np.asarray((days.month == 4) & (days.day >= 25) | (days.month == 5) & (days.day <= 10)))
        if not len(win):
            continue
        s = int(win[rng.integers(len(win))])
        if s < start_idx[i] + 250:
            continue
        e = min(s + int(rng.integers(120, 500)), T - 1)
        star = bool(rng.random() < 0.5)
        st_periods.append((i, s, e, star))
    # famous stocks are never ST; their would-be periods still steer the dividend draws below
    # (so no other stock's random draws move)
    st_draws = np.zeros((T, n), bool)
    for i, s, e, _ in st_periods:
        st_draws[s:e + 1, i] = True
    st_periods = [p for p in st_periods if not famous[p[0]]]
    for i, s, e, _ in st_periods:
        st[s:e + 1, i] = True

    # --- suspensions
    paused = np.zeros((T, n), bool)
    for i in range(n):
        a, b = start_idx[i], end_idx[i]
        if b < 0 or b - a < 5:
            continue
        span = b - a
        k = rng.poisson(0.8 * span / 244)
        paused[rng.integers(a + 1, b, size=k), i] = True
        for y in year_list:
            lo, hi = max(a + 1, np.searchsorted(years, y)), min(b - 1, np.searchsorted(years, y, "right") - 1)
            if hi - lo < 20:
                continue
            lam = 0.09 if y <= 2016 else 0.03
            for _ in range(rng.poisson(lam)):
                s = int(rng.integers(lo, hi))
                ln = int(min(5 + rng.exponential(20), 120))
                paused[s:min(s + ln, b), i] = True
    # July 2015: a wave of "voluntary" suspensions
    wave = np.flatnonzero(_day_mask(days, "2015-07-06", "2015-07-09"))
    if len(wave):
        cand = np.flatnonzero(act[wave[0]] & (start_idx < wave[0]))
        for i in cand[rng.random(len(cand)) < 0.15]:
            s = int(wave[rng.integers(len(wave))])
            ln = int(rng.integers(10, 46))
            paused[s:min(s + ln, end_idx[i]), i] = True
    paused &= act
    paused &= ~first
    # a stock resumes trading at least on its last day
    for i in range(n):
        if end_idx[i] >= 0:
            paused[end_idx[i], i] = False

    # --- dividends / bonus shares: (T, n) dividend yield targets and a uniform draw that
    # decides (with the price of the day before) whether bonus shares come with it
    div_yield = np.zeros((T, n))
    bonus = np.full((T, n), np.nan)
    dy = lat["dividend_yield"].to_numpy()
    growth = lat["growth"].to_numpy()
    for y in year_list:
        win = np.flatnonzero((years == y) & np.asarray(((days.month == 5) & (days.day >= 20)) | (days.month == 6)
                                                      | (days.month == 7)))
        if not len(win):
            continue
        # paying is persistent, as in the real market (most firms that paid last year pay
        # again; large caps every year): a per-stock propensity from quality (0.15 .. 0.95,
        # 0.77 at the median), 0.97 for the famous large caps
        p = np.where(famous, 0.97, 0.15 + 0.8 / (1 + np.exp(-1.5 * (quality + 0.8))))
        pays = rng.random(n) < p
        d = win[rng.integers(len(win), size=n)]
        bon = rng.random(n) * (1.0 - 0.3 * (growth > 0.5))
        for i in range(n):
            t = int(d[i])
            if t <= start_idx[i] + 200 or t > end_idx[i] or st_draws[t, i]:
                continue
            while t <= end_idx[i] and paused[t, i]:
                t += 1
            if t > end_idx[i] or first[t, i]:
                continue
            div_yield[t, i] = dy[i] * np.exp(0.2 * rng.standard_normal()) if pays[i] else 0.0
            bonus[t, i] = bon[i]
    return st, st_periods, paused, div_yield, bonus


def _bridged(days, segments, noise):
    """``noise`` minus its mean over each segment (the given date ranges and the gaps)."""
    seg = np.zeros(len(days), dtype=int)
    for k, (a, b) in enumerate(segments):
        seg[_day_mask(days, a, b)] = k + 1
    seg = np.cumsum(np.concatenate([[1], np.diff(seg) != 0]))
    out = noise.copy()
    for g in np.unique(seg):
        mk = seg == g
        if mk.sum() > 1:
            out[mk] -= out[mk].mean()
    return out


def _regime_series(days, base, regimes):
    out = np.full(len(days), base, dtype=float)
    for first, last, v in regimes:
        out[_day_mask(days, first, last)] = v
    return out


def market_factors(days: pd.DatetimeIndex, rng: np.random.Generator):
    """The common factor paths of the sample market on ``days``.

    Parameters
    ----------
    days : pandas.DatetimeIndex
        The store's trading days, shape ``(T,)``.
    rng : numpy.random.Generator
        The ``(seed, "factors")`` stream of :func:`_rng`; exactly ``12 * T`` normals are drawn
        from it (the simulation goes on drawing its jumps from the same stream).

    Returns
    -------
    m : numpy.ndarray
        ``(T,)`` daily log return of the market factor.
    sect : numpy.ndarray
        ``(T, 10)`` daily log returns of the :data:`SECTORS` factors.
    smb : numpy.ndarray
        ``(T,)`` size factor (small minus big).
    volmult : numpy.ndarray
        ``(T,)`` multiplier of idiosyncratic volatility (busy markets are more volatile).
    """
    T = len(days)
    mdrift = _regime_series(days, _MARKET_BASE[0], [(a, b, d) for a, b, d, _ in _MARKET_REGIMES])
    mvol = _regime_series(days, _MARKET_BASE[1], [(a, b, v) for a, b, _, v in _MARKET_REGIMES])
    # factor noise is bridged: it sums to zero over every regime segment, so the factors
    # follow their planned paths at the regime boundaries
    m = mdrift + mvol * _bridged(days, [r[:2] for r in _MARKET_REGIMES], rng.standard_normal(T))
    sect = np.empty((T, 10))
    for k, key in enumerate(SECTOR_KEYS):
        regs = [r[1:] for r in _SECTOR_REGIMES if r[0] == key]
        sect[:, k] = (_regime_series(days, 0.0, regs)
                      + 0.008 * _bridged(days, [r[:2] for r in regs], rng.standard_normal(T)))
    smb = (_regime_series(days, 0.0, _SMB_REGIMES)
           + 0.004 * _bridged(days, [r[:2] for r in _SMB_REGIMES], rng.standard_normal(T)))
    volmult = np.clip(0.7 + 0.3 * mvol / _MARKET_BASE[1], 0.7, 2.0)
    return m, sect, smb, volmult


# ---------------------------------------------------------------------------------------------
# the simulation


def _simulate(seed, n_stocks, start, end, say):
    days = xshg_trading_days(start, end)
    T = len(days)
    say("latent variables")
    lat = sample_latents(seed, n_stocks, start, end)
    lat = lat[~lat["start_date"].isna()]
    codes = lat.index.to_numpy()
    n = len(lat)
    board = lat["board"].to_numpy()
    sec = np.array([SECTOR_KEYS.index(s) for s in lat["sector"]])
    act = _listing_mask(lat, days)
    start_idx = act.argmax(0)
    first = np.zeros((T, n), bool)
    first[start_idx, np.arange(n)] = True
    ipo_first = first & lat["ipo"].to_numpy()[None, :]

    say("factor paths")
    eps, z, score = _signal_parts(seed, lat, days)
    rng = _rng(seed, "factors")
    m, sect, smb, volmult = market_factors(days, rng)
    jp, jup, jlo, jhi = 0.012, 0.6, 0.05, 0.15
    jump = (rng.random((T, n)) < jp) * np.where(rng.random((T, n)) < jup, 1, -1) * rng.uniform(jlo, jhi, (T, n))
    size = lat["size"].to_numpy()
    size_std = _std(size)
    ivol = lat["idio_vol"].to_numpy()
    R = (lat["beta"].to_numpy()[None, :] * m[:, None] + sect[:, sec] - 0.8 * size_std[None, :] * smb[:, None]
         + ivol[None, :] * volmult[:, None] * eps + jump
         + 0.00004 * lat["growth"].to_numpy()[None, :])
    # convexity correction: the non-market parts of exp(r) have mean 1, so cap-weighted
    # indexes follow the market factor rather than the stocks' volatility
    jmean = jp * (2 * jup - 1) * (jlo + jhi) / 2
    jvar = jp * (jlo ** 2 + jlo * jhi + jhi ** 2) / 3 - jmean ** 2
    R -= (0.5 * (ivol[None, :] * volmult[:, None]) ** 2 + 0.5 * 0.008 ** 2
          + 0.5 * (0.8 * 0.004 * size_std[None, :]) ** 2 + jmean + 0.5 * jvar)
    R[1:] += SIGNAL_PARAMS["kappa"] * score[:-1]
    R[~act] = 0.0

    say("corporate events")
    st, st_periods, paused, div_yield, bonus = _events(seed, lat, days, act, first)
    delisting = np.zeros((T, n), bool)
    for i, s, e, star in st_periods:
        # news before an ST: the price drifts down; delisting stocks keep falling
        R[max(s - 40, 0):s, i] -= 0.003
        if lat["delist"].iloc[i]:
            R[max(e - 60, s):e + 1, i] -= 0.004
            delisting[s:e + 1, i] = True

    ratio = np.full((T, n), 0.10)
    big = (board == "star")[None, :] | ((board == "chinext")[None, :] & np.asarray(days >= _CHINEXT_20PCT)[:, None])
    ratio[big] = 0.20
    ratio[st & ~big] = 0.05

    say("price paths")
    rng = _rng(seed, "bars")
    n_o = rng.standard_normal((T, n))
    n_h = np.abs(rng.standard_normal((T, n)))
    n_l = np.abs(rng.standard_normal((T, n)))
    sig = lat["idio_vol"].to_numpy()
    price0 = lat["price0"].to_numpy()
    ipo_pop = lat["ipo_pop"].to_numpy()
    ipo_capped = _ipo_day_capped(board, lat["start_date"].to_numpy())
    shares = lat["shares0"].to_numpy().astype(float).copy()
    O = np.zeros((T, n)); H = np.zeros((T, n)); L = np.zeros((T, n)); C = np.zeros((T, n))
    PRE = np.zeros((T, n)); HL = np.zeros((T, n)); LL = np.zeros((T, n)); FAC = np.ones((T, n))
    SH = np.zeros((T, n)); ONEP = np.zeros((T, n), bool)
    cash_ps = np.zeros((T, n)); scale_ev = np.ones((T, n))
    F = price0.copy()
    cprev = price0.copy()
    fac = np.ones(n)
    floor_log = np.log(2.5)
    for t in range(T):
        a = act[t]
        f0 = first[t]
        ip = ipo_first[t]
        pz = paused[t]
        pull = np.where(delisting[t], 0.0, 0.01 * np.maximum(floor_log - np.log(np.maximum(F, 1e-3)), 0.0))
        F = F * np.exp(R[t] + pull)
        ex = ~np.isnan(bonus[t]) & a & ~f0 & ~pz
        pre = cprev.copy()
        if ex.any():
            bpt = round_half_up(div_yield[t, ex] * cprev[ex] * 10, 2)
            cps = bpt / 10.0
            cp = cprev[ex]
            # bonus shares (送转): likelier and larger for high-priced stocks
            sc = np.where(cp >= 80, 2.0, np.where(cp >= 40, 1.5, np.where(cp >= 20, 1.3, 1.2)))
            sc = np.where(bonus[t, ex] < 0.04 + np.clip((cp - 12.0) / 60.0, 0.0, 0.7), sc, 1.0)
            sc = np.where(cp >= 12.0, sc, 1.0)
            keep = (bpt > 0) | (sc > 1)
            exi = np.flatnonzero(ex)
            ex[exi[~keep]] = False
            bpt, cps, sc = bpt[keep], cps[keep], sc[keep]
            pre[ex] = round_half_up((cprev[ex] - cps) / sc, 2)
            F[ex] = np.maximum((F[ex] - cps) / sc, 0.05)
            cash_ps[t, ex] = cps
            scale_ev[t, ex] = sc
            shares[ex] = np.round(shares[ex] * sc)
            fac[ex] = fac[ex] * cprev[ex] / pre[ex]
        pre[f0] = price0[f0]
        F[f0] = np.where(ip[f0], price0[f0] * np.exp(ipo_pop[f0]), price0[f0] * np.exp(R[t, f0]))
        fac[f0] = 1.0
        up = np.where(ip, 0.44, ratio[t])
        dn = np.where(ip, 0.36, ratio[t])
        hl = round_half_up(pre * (1 + up), 2)
        ll = round_half_up(pre * (1 - dn), 2)
        gap = np.log(F / pre)
        c = np.clip(round_half_up(F, 2), ll, hl)
        o = np.clip(round_half_up(pre * np.exp(0.45 * gap + 0.5 * sig * n_o[t]), 2), ll, hl)
        ex_up = gap - np.log(hl / pre)
        ex_dn = np.log(ll / pre) - gap
        o = np.where(ex_up > 0.02, hl, np.where(ex_dn > 0.02, ll, o))
        hi = np.minimum(round_half_up(np.maximum(o, c) * np.exp(0.6 * sig * n_h[t]), 2), hl)
        lo = np.maximum(round_half_up(np.minimum(o, c) * np.exp(-0.6 * sig * n_l[t]), 2), ll)
        one_up, one_dn = ex_up > 0.05, ex_dn > 0.05
        # capped IPO first day: the opening auction may not exceed 120 % of the issue price
        # (SSE / SZSE rules since 2014), so the stock opens there and trades up to the +44 % cap
        # where it closes: open = low = 1.2 x issue, high = close = high_limit (never one-price)
        cip = ip & ipo_capped
        if cip.any():
            o[cip] = np.minimum(round_half_up(pre[cip] * 1.2, 2), c[cip])
            lo[cip] = np.minimum(lo[cip], o[cip])
            hi[cip] = np.maximum(hi[cip], c[cip])
            one_up = one_up & ~cip
        for arr, v in ((o, hl), (hi, hl), (lo, hl), (c, hl)):
            arr[one_up] = v[one_up]
        for arr, v in ((o, ll), (hi, ll), (lo, ll), (c, ll)):
            arr[one_dn] = v[one_dn]
        # suspended: everything at the last close
        for arr in (o, hi, lo, c):
            arr[pz] = pre[pz]
        O[t], H[t], L[t], C[t], PRE[t], HL[t], LL[t] = o, hi, lo, c, pre, hl, ll
        FAC[t] = fac
        SH[t] = shares
        ONEP[t] = (one_up | one_dn) & ~pz
        cprev = np.where(a, c, cprev)

    say("volumes")
    rng = _rng(seed, "volume")
    tmult = _regime_series(days, 1.0, _TURNOVER_REGIMES)
    absr = np.abs(C / PRE - 1)
    logturn = (np.log(lat["turnover_base"].to_numpy())[None, :] + np.log(tmult)[:, None]
               + 0.5 * np.log1p(20 * absr) + SIGNAL_PARAMS["turnover_loading"] * z
               + 0.35 * rng.standard_normal((T, n)))
    turn = np.exp(logturn)
    turn = np.where(ONEP, turn * 0.05, turn)
    turn = np.where((C == HL) | (C == LL), turn * 1.3, turn)
    # an uncapped IPO day trades heavily; a capped one is locked at +44 % soon after the open
    turn = np.where(ipo_first & ~ONEP & ~ipo_capped[None, :], np.maximum(turn, 0.4), turn)
    turn = np.where(ipo_first & ipo_capped[None, :], np.minimum(turn, 0.03), turn)
    turn = np.minimum(turn, 0.6)
    V = np.maximum(np.round(turn * SH / 100.0), 1.0) * 100.0
    V[paused] = 0.0
    typ = (O + H + L + C) / 4 * (1 + 0.002 * rng.standard_normal((T, n)))
    vwap = np.clip(typ, L, H)
    M = round_half_up(V * vwap, 2)
    M[paused] = 0.0

    # --- tables for stocks
    say("stock tables")
    ti, ci = np.nonzero(act)
    bars = pd.DataFrame({
        "date": days.to_numpy()[ti], "code": codes[ci],
        "open": O[ti, ci], "close": C[ti, ci], "high": H[ti, ci], "low": L[ti, ci],
        "volume": V[ti, ci], "money": M[ti, ci], "pre_close": PRE[ti, ci],
        "high_limit": HL[ti, ci], "low_limit": LL[ti, ci],
        "paused": paused[ti, ci].astype(np.int8), "factor": FAC[ti, ci],
    })

    xr_t, xr_i = np.nonzero((cash_ps > 0) | (scale_ev > 1))
    xrxd = pd.DataFrame({
        "code": codes[xr_i], "date": days.to_numpy()[xr_t],
        "bonus_pre_tax": np.round(cash_ps[xr_t, xr_i] * 10, 2), "scale_factor": scale_ev[xr_t, xr_i],
    }).sort_values(["code", "date"], kind="stable").reset_index(drop=True)

    far = pd.Timestamp(schema.FAR_FUTURE)
    st_rows, name_rows = [], []
    disp = lat["display_name"].to_numpy()
    st_by_stock: dict[int, list] = {}
    for i, s, e, star in sorted(st_periods):
        st_by_stock.setdefault(i, []).append((s, e, star))
    latest_name = disp.copy()
    end_d = lat["end_date"].to_numpy()
    for i in range(n):
        listed_end = pd.Timestamp(end_d[i])
        cur_start = pd.Timestamp(lat["start_date"].iloc[i])
        for s, e, star in st_by_stock.get(i, []):
            e_date = far if (e == T - 1 and listed_end == far) else days[e]
            st_rows.append((codes[i], days[s], e_date))
            name_rows.append((codes[i], disp[i], cur_start, days[s - 1] if s > 0 else cur_start))
            stname = ("*ST" if star else "ST") + disp[i]
            name_rows.append((codes[i], stname, days[s], e_date))
            latest_name[i] = stname
            if e_date == far or e == T - 1 or days[e] >= listed_end:
                cur_start = None
                break
            cur_start = days[e + 1]
            latest_name[i] = disp[i]
        if cur_start is not None:
            name_rows.append((codes[i], disp[i], cur_start, listed_end))
    st_tab = pd.DataFrame(st_rows, columns=["code", "start_date", "end_date"])
    names = pd.DataFrame(name_rows, columns=["code", "display_name", "start_date", "end_date"])
    names = names[names["end_date"] >= names["start_date"]].reset_index(drop=True)

    sec_rows = [(codes[i], latest_name[i], lat["name"].iloc[i], "stock", lat["start_date"].iloc[i],
                 lat["end_date"].iloc[i], board[i]) for i in range(n)]

    # --- indexes
    say("indexes")
    cap = SH * C
    w_base = np.where(act & ~first, SH * PRE, 0.0)
    years = np.asarray(days.year)
    reb = [0]
    for y in np.unique(years):
        for mo in (6, 12):
            fridays = pd.date_range(f"{y}-{mo:02d}-01", periods=31, freq="D")
            fridays = fridays[(fridays.month == mo) & (fridays.weekday == 4)]
            t = int(np.searchsorted(days, fridays[1], side="right"))
            if 0 < t < T:
                reb.append(t)
    m300 = np.zeros((T, n), bool)
    m905 = np.zeros((T, n), bool)
    end_idx = np.where(act.any(0), T - 1 - act[::-1].argmax(0), -1)
    sd_days = lat["start_date"].to_numpy().astype("datetime64[D]")
    fast = sample_fast_entry_rank(n)
    rankings = []      # (first day, next rebalance day, eligible stocks by average cap, descending)
    for k, t in enumerate(reb):
        nxt = reb[k + 1] if k + 1 < len(reb) else T
        cut, c = _review_cutoff(days, t)
        # 最近一年 (新股为上市以来) 的日均总市值 up to the data cut-off
        win = slice(max(c - 242, 0), c + 1)
        avgcap = np.where(act[win], cap[win], 0.0).sum(0) / np.maximum(act[win].sum(0), 1)
        ok = act[c] & ~st[c] & (end_idx >= nxt - 1) & csi_review_age_ok(sd_days, board, avgcap, act[c], cut,
                                                                         days[t], fast_rank=fast)
        order = np.flatnonzero(ok)[np.argsort(-avgcap[ok], kind="stable")]
        rankings.append((t, nxt, order))
        m300[t:nxt, order[:300]] = True
        m905[t:nxt, order[300:800]] = True
    m300 &= act
    m905 &= act
    xshg = np.array([c.endswith(".XSHG") for c in codes])
    universes = {"all": np.ones(n, bool), "xshg": xshg & (board != "star"), "xshe": ~xshg,
                 "sme": board == "sme", "chinext": board == "chinext", "star": board == "star"}
    # composite indexes take a new listing after their own delay (not from its first day):
    # the Shenzhen composites (399101/399102/399106/399107), 国证A指, A股指数 and 上证指数
    # before its 2020-07-22 revision from the 11th trading day; 上证指数 from 2020-07-22
    # a year after listing (STAR included, ST excluded; the revision's faster entry of the ten
    # largest new listings is not modelled); 中证全指 at its June / December review once
    # listed for more than a quarter (ST excluded), as 000300/000905 are reviewed
    ipo_l = lat["ipo"].to_numpy()
    listed_days = np.cumsum(act, axis=0)
    lag11 = (listed_days >= 11) | ~ipo_l[None, :]
    age = np.asarray(days.values.astype("datetime64[D]"))[:, None] - sd_days[None, :]
    rev = np.asarray(days >= _SSE_REVISION)[:, None]
    sse = np.where(rev, (age >= np.timedelta64(365, "D")) & ~st, (xshg & (board != "star"))[None, :] & lag11)
    sse &= act & xshg[None, :]
    m985 = np.zeros((T, n), bool)
    for t, nxt, _order in rankings:
        cut, c = _review_cutoff(days, t)
        win = slice(max(c - 242, 0), c + 1)
        avgcap = np.where(act[win], cap[win], 0.0).sum(0) / np.maximum(act[win].sum(0), 1)
        ok = act[c] & ~st[c] & csi_review_age_ok(sd_days, board, avgcap, act[c], cut, days[t], one_year_boards=(),
                                                 fast_rank=fast)
        m985[t:nxt, ok] = True
    m985 &= act
    members = {
        "000300.XSHG": m300, "000905.XSHG": m905,
        "399101.XSHE": act & (board == "sme")[None, :] & lag11,
        "000001.XSHG": sse, "000985.XSHG": m985,
    }
    from .reference import sample_sw_l1
    suffix = lat["industry_suffix"].to_numpy() if "industry_suffix" in lat.columns else \
        np.array([str(d)[-2:] for d in lat["display_name"]], dtype=object)
    sw_before, sw_after = sample_sw_l1(lat["sector"].to_numpy(), suffix, codes=lat.index)
    from .reference import SW2021_DAY
    after = np.asarray(days >= SW2021_DAY)[:, None]
    dyield = lat["dividend_yield"].to_numpy()

    def index_members_of(spec):
        kind, _, arg = spec.partition(":")
        if kind == "bond":      # a bond index: no stock members, its own carry path
            return np.zeros((T, n), bool)
        if kind == "alias":     # the Shenzhen code of a CSI index: the same members
            return members[arg]
        if kind == "all":       # composite: a new listing from its 11th trading day
            return act & universes[arg][None, :] & lag11
        if kind == "union":
            a, b = arg.split("+")
            return members[a] | members[b]
        if kind == "sw":
            return act & np.where(after, (sw_after == arg)[None, :], (sw_before == arg)[None, :])
        if kind == "swin":      # the members of an index in one SW L1 industry (300银行)
            sw, idx = arg.split(":", 1)
            return index_members_of(f"sw:{sw}") & members[idx]
        m = np.zeros((T, n), bool)
        if kind == "rank":
            uni, lo, hi = arg.split(":")
            for t, nxt, order in rankings:
                sel = order[universes[uni][order]][int(lo) - 1:int(hi)]
                m[t:nxt, sel] = True
        elif kind == "div":
            uni, cnt = arg.split(":")
            for t, nxt, order in rankings:
                sel = order[universes[uni][order]]
                sel = sel[np.argsort(-dyield[sel], kind="stable")][:int(cnt)]
                m[t:nxt, sel] = True
        else:  # pragma: no cover - a typo in the table
            raise ValueError(f"bad index member spec {spec!r}")
        return m & act

    index_specs = [(c, dn, nm, bd, lv, None) for c, dn, nm, bd, lv in _INDEXES] + list(_MORE_INDEXES)
    for k, code in enumerate(_SW_INDEXES):
        from .reference import sw_l1_index_name
        h = zlib.crc32(code.encode()) % 1000
        index_specs.append((f"{code}.XSHG", sw_l1_index_name(code), f"SW{code}", "1999-12-30",
                            1500.0 + 3.0 * h, f"sw:{code}"))
    ranked = {c for c, *_r, spec in index_specs if spec and spec.split(":")[0] in ("rank", "div", "alias")}
    ranked |= {"000300.XSHG", "000905.XSHG", "000906.XSHG"}
    idx_rows = []
    im_rows = []

    safe = np.where(act, PRE, 1.0)
    rets = [np.where(act, X / safe - 1, 0.0) for X in (O, H, L, C)]

    def basket(mask):
        w = np.where(mask, w_base, 0.0)
        tot = w.sum(1, keepdims=True)
        w = np.divide(w, tot, out=np.zeros_like(w), where=tot > 0)
        return tuple((w * r).sum(1) for r in rets)

    index_ret = {}
    for code, disp_i, nm, base_date, level0, spec in index_specs:
        mask = members[code] if spec is None else index_members_of(spec)
        members[code] = mask
        if spec is not None and spec.startswith("bond:"):
            br = _rng(seed, f"index:{code}")
            rc = float(spec[5:]) / 244 + 0.0008 * br.standard_normal(T)
            ro = 0.3 * rc
            rh = np.maximum(ro, rc) + np.abs(0.0004 * br.standard_normal(T))
            rl = np.minimum(ro, rc) - np.abs(0.0004 * br.standard_normal(T))
        else:
            ro, rh, rl, rc = basket(mask)
        index_ret[code] = (ro, rh, rl, rc)
        lvl = level0 * np.cumprod(1 + rc)
        prev = np.concatenate([[level0], lvl[:-1]])
        cl = round_half_up(lvl, 2)
        pc = np.concatenate([[round_half_up(level0, 2)], cl[:-1]])
        op = round_half_up(prev * (1 + ro), 2)
        mx, mn = np.maximum(ro, rc), np.minimum(ro, rc)
        hi = np.maximum(round_half_up(prev * (1 + mx + 0.5 * (rh - mx)), 2), np.maximum(op, cl))
        lo = np.minimum(round_half_up(prev * (1 + mn + 0.5 * (rl - mn)), 2), np.minimum(op, cl))
        vol = np.where(mask, V, 0.0).sum(1)
        mon = round_half_up(np.where(mask, M, 0.0).sum(1), 2)
        idx_rows.append(pd.DataFrame({
            "date": days.to_numpy(), "code": code, "open": op, "close": cl, "high": hi, "low": lo,
            "volume": vol, "money": mon, "pre_close": pc, "high_limit": np.nan, "low_limit": np.nan,
            "paused": np.int8(0), "factor": 1.0,
        }))
        sec_rows.append((code, disp_i, nm, "index", pd.Timestamp(base_date), far, "index"))
        for i in np.flatnonzero(mask.any(0)):
            for s, e in _runs(mask[:, i]):
                sd = days[s]
                if code not in ranked and s == start_idx[i]:
                    sd = pd.Timestamp(lat["start_date"].iloc[i])
                ed = far if e == T - 1 and pd.Timestamp(end_d[i]) == far else days[e]
                im_rows.append((code, codes[i], sd, ed))
    index_members = pd.DataFrame(im_rows, columns=["index_code", "code", "start_date", "end_date"])
    index_members = index_members.sort_values(["index_code", "code", "start_date"]).reset_index(drop=True)

    # --- exchange-traded funds (ETF, LOF, money-market)
    say("funds")
    rng = _rng(seed, "etf")
    etf_rows = []
    foreign_paths: dict[str, tuple] = {}

    sector_baskets: dict[str, tuple] = {}

    def underlying_returns(under, code):
        """(open, high, low, close) daily returns relative to the previous close."""
        if under.startswith("sector:") and under in sector_baskets:
            return sector_baskets[under]
        if under.startswith("index:"):
            return index_ret[under[6:]]
        if under.startswith("board:"):
            return basket(act & (board == under[6:])[None, :])
        if under == "sse50":
            return basket(m300 & xshg[None, :])
        if under.startswith("sector:"):
            keys = under[7:].split("+")
            sector_baskets[under] = basket(act & np.isin(sec, [SECTOR_KEYS.index(k) for k in keys])[None, :])
            return sector_baskets[under]
        if under.startswith("foreign:"):
            key, drift, vol = under[8:].split(":")
            if key not in foreign_paths:
                fr = _rng(seed, f"foreign:{key}")
                rc = float(drift) + float(vol) * fr.standard_t(5, T) / np.sqrt(5 / 3)
                ro = 0.5 * rc + 0.3 * float(vol) * fr.standard_normal(T)
                rh = np.maximum(ro, rc) + np.abs(0.4 * float(vol) * fr.standard_normal(T))
                rl = np.minimum(ro, rc) - np.abs(0.4 * float(vol) * fr.standard_normal(T))
                foreign_paths[key] = (ro, rh, rl, rc)
            return foreign_paths[key]
        if under.startswith(("bond:", "money:")):
            kind, y = under.split(":")
            fr = _rng(seed, f"{under}:{code}")
            sd = 0.001 if kind == "bond" else 0.00002
            rc = float(y) / 244 + sd * fr.standard_normal(T)
            ro = 0.3 * rc
            rh = np.maximum(ro, rc) + np.abs(0.5 * sd * fr.standard_normal(T))
            rl = np.minimum(ro, rc) - np.abs(0.5 * sd * fr.standard_normal(T))
            return ro, rh, rl, rc
        # gold (the first gold fund draws from the shared ETF stream: kept for old stores)
        if "gold" not in foreign_paths:
            rc = 0.00025 + 0.009 * rng.standard_normal(T)
            ro = 0.3 * rc + 0.002 * rng.standard_normal(T)
            rh = np.maximum(ro, rc) + np.abs(0.004 * rng.standard_normal(T))
            rl = np.minimum(ro, rc) - np.abs(0.004 * rng.standard_normal(T))
            foreign_paths["gold"] = (ro, rh, rl, rc)
        return foreign_paths["gold"]

    funds = [(*e, "etf") for e in _ETFS] + list(_MORE_FUNDS)
    for code, disp_i, nm, listed, under, p0, basev, ftype in funds:
        # a fund never moves by its 10 % limit: a basket of one or two stocks (small test
        # markets, a thin Shenwan industry) can, so the daily moves are capped at 9.5 %
        ro, rh, rl, rc = (np.clip(a, -0.095, 0.095) for a in underlying_returns(under, code))
        quiet = under.startswith(("bond:", "money:"))
        te = (0.00005 if quiet else 0.0004) * rng.standard_normal((T, 2))
        lday = pd.Timestamp(listed)
        t0 = int(np.searchsorted(days, lday)) if lday > days[0] else 0
        if t0 >= T:
            continue
        Fv = p0
        cp = p0
        rcl, rol, rhl, rll = rc.tolist(), ro.tolist(), rh.tolist(), rl.tolist()
        te0, te1 = te[:, 0].tolist(), te[:, 1].tolist()
        rows = []
        for t in range(t0, T):     # scalar loop in plain floats (same arithmetic as round_half_up)
            pre = cp
            Fv = Fv * (1 + rcl[t] + te0[t])
            hl, ll = _rhu3(pre * 1.1), _rhu3(pre * 0.9)
            c = min(max(_rhu3(Fv), ll), hl)
            o = min(max(_rhu3(pre * (1 + rol[t] + te1[t])), ll), hl)
            mx, mn = max(o, c), min(o, c)
            h = min(max(_rhu3(pre * (1 + rhl[t] + abs(te1[t]))), mx), hl)
            lo_ = max(min(_rhu3(pre * (1 + rll[t] - abs(te0[t]))), mn), ll)
            rows.append((o, c, h, lo_, pre, hl, ll, 0))
            cp = c
        out = np.array(rows, dtype=float).reshape(T - t0, 8)
        absr = np.abs(out[:, 1] / out[:, 4] - 1)
        vol = np.maximum(np.round(basev * tmult[t0:] * np.exp(0.4 * rng.standard_normal(T - t0))
                                  * (1 + 10 * absr) / 100), 1) * 100
        vw = np.clip((out[:, 0] + out[:, 1] + out[:, 2] + out[:, 3]) / 4, out[:, 3], out[:, 2])
        etf_rows.append(pd.DataFrame({
            "date": days.to_numpy()[t0:], "code": code, "open": out[:, 0], "close": out[:, 1],
            "high": out[:, 2], "low": out[:, 3], "volume": vol, "money": round_half_up(vol * vw, 2),
            "pre_close": out[:, 4], "high_limit": out[:, 5], "low_limit": out[:, 6],
            "paused": np.int8(0), "factor": 1.0,
        }))
        sec_rows.append((code, disp_i, nm, ftype, lday, far, "fund"))

    # --- open-end (场外) funds: one NAV a day (open = high = low = close = unit NAV, no
    # volume, no limits); yearly distributions are ex-dates in xrxd, so acc_net_value
    # (close * factor) exceeds unit_net_value after the first one
    fund_xrxd = []
    for code, disp_i, nm, incept, ftype, under, nav0, drag, dist in _OF_FUNDS:
        ro, rh, rl, rc = underlying_returns(under, code)
        iday = pd.Timestamp(incept)
        t0 = int(np.searchsorted(days, iday)) if iday > days[0] else 0
        if t0 >= T:
            continue
        fr = _rng(seed, f"of:{code}")
        rc = rc[t0:]
        eq = OF_EQUITY_SHARE.get(code, 0.0)
        if eq > 0:              # a generated equity fund: the rest of its assets earn a bond carry
            rc = eq * rc + (1.0 - eq) * 0.03 / 244
        noise = 0.004 if (code in OF_EQUITY_SHARE and under.startswith("sector:")) else 0.002
        r = rc - drag / 244 + (0.0 if under.startswith("money:") else noise * fr.standard_normal(T - t0))
        nav = np.empty(T - t0)
        pre = np.empty(T - t0)
        fac = np.empty(T - t0)
        v, f = nav0, 1.0
        yrs = np.asarray(days.year)[t0:]
        for k in range(T - t0):
            p = v
            if dist > 0 and k > 0 and yrs[k] != yrs[k - 1]:     # first trading day of a year
                bonus = round(float(p) * dist, 3)
                p_ex = round(float(p) - bonus, 4)
                fund_xrxd.append((code, days[t0 + k], round(bonus * 10, 2), 1.0))
                f = f * v / p_ex
                p = p_ex
            v = round(p * (1 + r[k]), 4)
            nav[k], pre[k], fac[k] = v, p if k else v, f
        etf_rows.append(pd.DataFrame({
            "date": days.to_numpy()[t0:], "code": code, "open": nav, "close": nav, "high": nav,
            "low": nav, "volume": 0.0, "money": 0.0, "pre_close": pre, "high_limit": np.nan,
            "low_limit": np.nan, "paused": np.int8(0), "factor": fac,
        }))
        sec_rows.append((code, disp_i, nm, ftype, iday, far, "fund"))
    if fund_xrxd:
        xrxd = pd.concat([xrxd, pd.DataFrame(fund_xrxd, columns=list(xrxd.columns))], ignore_index=True)
        xrxd = xrxd.sort_values(["code", "date"], kind="stable").reset_index(drop=True)
    bars = pd.concat([bars] + idx_rows + etf_rows, ignore_index=True)
    securities = pd.DataFrame(sec_rows, columns=list(schema.SECURITIES))
    securities = securities.sort_values("code").reset_index(drop=True)
    tables = {
        "calendar": pd.DataFrame({"date": days}),
        "securities": securities,
        "bars_daily": bars,
        "index_members": index_members,
        "st": st_tab,
        "xrxd": xrxd,
        "names": names,
    }
    return tables, lat


def generate_sample_market(path, *, seed: int = DEFAULT_SEED, start: str = DEFAULT_START,
                           end: str = DEFAULT_END, n_stocks: int = 800,
                           progress: Callable[[str], None] | None = None,
                           post_write: Callable[[Path], None] | None = None) -> Path:
    """Generate the synthetic sample market and write it as a jqlite store.

    Parameters
    ----------
    path : path-like
        Store folder to create or replace (atomically, via :func:`jqlite.data.writer.write_store`).
    seed : int
        Random seed; the same arguments give identical tables.
    start, end : str
        First and last date (ISO); every XSHG trading day in between gets bars.
    n_stocks : int
        Number of stocks (at least 20; a few may list after ``end`` and then are left out).
    progress : callable, optional
        Called with a short message before each step.
    post_write : callable, optional
        ``f(new_store)`` run on the finished store before it is swapped in (see
        :func:`jqlite.data.writer.write_store`); :func:`jqlite.data.add_sample_fundamentals`
        is passed here so the fundamentals are part of the same atomic replacement.

    Returns
    -------
    pathlib.Path
        The store folder.  Besides the schema tables it holds ``sample_sectors.parquet``
        (code, sector, sector_name) and ``sample_latents.parquet`` (:func:`sample_latents`).

    Notes
    -----
    Bars are dense ``(n_days, n_stocks)`` panels: prices in yuan (0.01 for stocks, 0.001 for
    ETFs), volume in shares (multiples of 100), money in yuan.  The model, the limit rules and
    the planted signal are described in the module docstring and :data:`SIGNAL`.
    """
    say = progress or (lambda _m: None)
    from .writer import check_replaceable
    check_replaceable(path)      # before the minute of simulation: never replace a non-store folder
    tables, lat = _simulate(seed, n_stocks, start, end, say)
    from .reference import sample_reference_tables  # industries and concepts
    tables.update(sample_reference_tables(tables["securities"], lat))

    def write_sectors(p: Path) -> None:
        df = lat[["sector", "sector_name", "industry_suffix"]].reset_index()
        df.to_parquet(p, index=False)

    def write_latents(p: Path) -> None:
        lat.reset_index().to_parquet(p, index=False)

    def write_generator(p: Path) -> None:
        import json
        p.write_text(json.dumps({"generator": SAMPLE_GENERATOR, "seed": int(seed), "start": str(start),
                                 "end": str(end), "n_stocks": int(n_stocks)}))

    return write_store(path, tables, name="sample", source=f"jqlite synthetic sample market seed={seed}",
                       progress=say, extra_files={"sample_sectors.parquet": write_sectors,
                                                  "sample_latents.parquet": write_latents,
                                                  "sample_generator.json": write_generator},
                       post_write=post_write)


def sample_is_current(path) -> bool:
    """Whether the store at ``path`` was written by this version of the sample generator
    (:data:`SAMPLE_GENERATOR`); False for an older sample or no store."""
    import json
    try:
        g = json.loads((Path(path) / "sample_generator.json").read_text())
    except (OSError, ValueError):
        return False
    return g.get("generator") == SAMPLE_GENERATOR


def real_listing_codes(store) -> frozenset:
    """Codes of ``store`` (a sample market) whose listing day is the real one.

    The sample's stocks are synthetic (their codes are real-looking, their listing days drawn)
    except the :data:`FAMOUS` large caps that listed before the store's first day (a famous
    code listing inside the store keeps the day drawn for the synthetic stock it replaced:
    300750 宁德时代 2020-10-15, 688981 中芯国际 2025-03-26; the equality check below leaves
    those out).  Indexes and funds of :data:`_INDEXES`, :data:`_MORE_INDEXES`, :data:`_ETFS`,
    :data:`_MORE_FUNDS` and :data:`_OF_FUNDS` carry their real listing (or base) days.  A code
    counts only when the store's ``start_date`` equals the table's day (so a store of another
    generator never claims a day it does not hold).

    Parameters
    ----------
    store : jqlite.data.store.Store
        A sample market.

    Returns
    -------
    frozenset of str
    """
    sec = store.securities
    start = dict(zip(sec["code"].astype(str), pd.to_datetime(sec["start_date"]).dt.strftime("%Y-%m-%d")))
    table = {e[0]: e[5] for e in FAMOUS}
    for tab in (_INDEXES, _MORE_INDEXES, _ETFS, _MORE_FUNDS, _OF_FUNDS):
        table.update({e[0]: e[3] for e in tab})
    return frozenset(c for c, d in table.items() if start.get(c) == d)
