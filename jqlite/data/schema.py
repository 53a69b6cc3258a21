"""On-disk layout of a jqlite data store: table names, columns, dtypes and units.

A store is one folder::

    STORE/
      meta.json                  {"format": 1, "name": str, "version": str (content hash),
                                  "first_date": "YYYY-MM-DD", "last_date": "YYYY-MM-DD",
                                  "source": str}
      calendar.parquet           trading days                      (CALENDAR)
      securities.parquet         securities master                 (SECURITIES)
      bars_daily/YYYY.parquet    daily bars, one file per year     (DAILY_BARS)
      index_members.parquet      index membership intervals        (INDEX_MEMBERS)
      st.parquet                 ST / *ST intervals                (ST_PERIODS)
      xrxd.parquet               ex-rights / ex-dividend events    (XRXD)
      names.parquet              optional: historical display names (NAMES)
      industry_members.parquet   optional: industry / concept membership (INDUSTRY_MEMBERS)
      industries.parquet         optional: industry / concept names (INDUSTRIES)
      index_weights.parquet      optional: index constituent weights (INDEX_WEIGHTS)
      fundamentals/...           optional, see jqlite.data.fundamentals (issue 3)

Daily bars are *dense*: a stock has a row on every trading day from its ``start_date`` to
its ``end_date`` (or the store's last date).  A suspended day is a row with ``paused = 1``,
``open = high = low = close =`` the last close, ``volume = money = 0`` -- exactly what
JoinQuant's ``get_price`` shows for a suspended day (spec ``jq_data_api.md`` §2).  Before
listing and after delisting there are no rows.

Prices are **raw (unadjusted)** in yuan.  ``factor`` is the cumulative post-adjustment
(后复权) factor: 1.0 on the first day of the security in the store, multiplied on every
ex-date by ``close[t-1] / pre_close[t]``.  Forward-adjusted (前复权) prices relative to a
reference date R are ``raw(d) * factor(d) / factor(R)`` (spec ``jq_data_api.md`` §1.2).

In memory the bars become one ``(n_days, n_securities)`` array per field
(see :class:`jqlite.data.store.Store`).
"""

from __future__ import annotations

FORMAT_VERSION = 1

#: Trading calendar: one row per XSHG trading day.
CALENDAR = {"date": "date32"}

#: Securities master.  ``type`` is JoinQuant's type string (``stock``, ``etf``, ``index``,
#: ``lof``, ``fund``, ``mmf`` ...); ``board`` is one of BOARDS; ``end_date`` is the last
#: trading day, 2200-01-01 while still listed (JoinQuant's convention).
SECURITIES = {
    "code": "string",          # '000001.XSHE'
    "display_name": "string",  # Chinese name, latest
    "name": "string",          # pinyin abbreviation, e.g. 'PAYH'
    "type": "string",          # 'stock' | 'etf' | 'index' | 'lof' | 'fund' | 'mmf'
    "start_date": "date32",    # listing date
    "end_date": "date32",      # last trading day, 2200-01-01 when still listed
    "board": "string",         # see BOARDS
}

#: Board names used in ``securities.board``.
BOARDS = (
    "sh_main",   # 600/601/603/605.XSHG
    "sz_main",   # 000/001/003.XSHE
    "sme",       # 002/003 SME board (merged into sz_main in 2021, kept for history)
    "chinext",   # 300/301.XSHE (±20 % from 2020-08-24)
    "star",      # 688/689.XSHG (±20 %, 200-share minimum)
    "bse",       # .BJSE (±30 %)
    "fund",      # exchange-traded funds
    "index",     # indexes
)

#: Daily bars (long format).  Units: prices yuan, volume shares, money yuan.
DAILY_BARS = {
    "date": "date32",
    "code": "string",
    "open": "float64",
    "close": "float64",
    "high": "float64",
    "low": "float64",
    "volume": "float64",     # shares
    "money": "float64",      # yuan
    "pre_close": "float64",  # previous close, ex-rights adjusted by the exchange
    "high_limit": "float64", # limit-up price of the day (NaN for indexes)
    "low_limit": "float64",  # limit-down price of the day (NaN for indexes)
    "paused": "int8",        # 1 = suspended that day
    "factor": "float64",     # cumulative post-adjustment factor
}
BAR_PRICE_FIELDS = ("open", "close", "high", "low", "pre_close", "high_limit", "low_limit")
BAR_FIELDS = tuple(k for k in DAILY_BARS if k not in ("date", "code"))

#: Index membership intervals, both ends inclusive; ``end_date`` 2200-01-01 if current.
INDEX_MEMBERS = {
    "index_code": "string",
    "code": "string",
    "start_date": "date32",
    "end_date": "date32",
}

#: ST / *ST intervals, both ends inclusive (JoinQuant ``is_st``).
ST_PERIODS = {"code": "string", "start_date": "date32", "end_date": "date32"}

#: Ex-rights / ex-dividend events (除权除息).  ``bonus_pre_tax`` is the cash dividend in yuan
#: per 10 shares before tax (JoinQuant's DividendsEvent field); ``scale_factor`` is the
#: number of shares held after the event per share held before it (10送3 -> 1.3).
XRXD = {
    "code": "string",
    "date": "date32",          # ex-date (除权除息日)
    "bonus_pre_tax": "float64",  # yuan per 10 shares
    "scale_factor": "float64",   # >= 1.0
}

#: Optional historical names (for ``get_security_info(code, date).display_name`` and
#: ``get_current_data()[code].name``): name valid from ``start_date`` to ``end_date``.
NAMES = {"code": "string", "display_name": "string", "start_date": "date32", "end_date": "date32"}

#: Optional industry / concept classification, point in time (see
#: :mod:`jqlite.data.reference`): ``code`` belongs to ``industry_code`` of ``scheme`` from
#: ``start_date`` to ``end_date`` (both inclusive, calendar dates; 2200-01-01 if current).
#: ``scheme`` is JoinQuant's name: ``sw_l1 sw_l2 sw_l3 jq_l1 jq_l2 zjw`` or ``jq_concept``.
INDUSTRY_MEMBERS = {"scheme": "string", "industry_code": "string", "code": "string",
                    "start_date": "date32", "end_date": "date32"}

#: Optional industry / concept names: ``name`` of (scheme, industry_code) valid from
#: ``start_date`` to ``end_date`` (a renamed industry has one row per name).
INDUSTRIES = {"scheme": "string", "industry_code": "string", "name": "string",
              "start_date": "date32", "end_date": "date32"}

#: Optional index constituent weights: ``weight`` in **percent** of ``code`` in
#: ``index_code`` as of ``date`` (a trading day; JoinQuant ``get_index_weights``).
INDEX_WEIGHTS = {"index_code": "string", "code": "string", "date": "date32", "weight": "float64"}

TABLES = {
    "calendar": CALENDAR,
    "securities": SECURITIES,
    "bars_daily": DAILY_BARS,
    "index_members": INDEX_MEMBERS,
    "st": ST_PERIODS,
    "xrxd": XRXD,
    "names": NAMES,
    "industry_members": INDUSTRY_MEMBERS,
    "industries": INDUSTRIES,
    "index_weights": INDEX_WEIGHTS,
}

#: Tables a store must have; the others are optional.
REQUIRED_TABLES = ("calendar", "securities", "bars_daily")

FAR_FUTURE = "2200-01-01"

#: Largest ex-rights ``scale_factor`` (shares after / before) an import accepts.  A-share
#: bonus and transfer issues (送股 + 转增) have reached 10送转30 (scale 4.0); 10.0 leaves
#: room for anything a listed company has done, while a price row off by ×10 / ×100
#: (the typical unit slip) is rejected instead of becoming thousands of bonus shares.
MAX_SCALE_FACTOR = 10.0
