"""XSHG trading calendar (exchange_calendars) and the session times of an A-share day.

Session times are data here, not arithmetic scattered through the engine (architecture brief
§8): the call auction ends 09:25, continuous trading runs 09:30-11:30 and 13:00-15:00.
"""

from __future__ import annotations

import datetime as _dt
from functools import lru_cache

import pandas as pd

OPEN = _dt.time(9, 30)
MORNING_CLOSE = _dt.time(11, 30)
AFTERNOON_OPEN = _dt.time(13, 0)
CLOSE = _dt.time(15, 0)
BEFORE_OPEN = _dt.time(9, 0)     # before_trading_start
AFTER_CLOSE = _dt.time(15, 30)   # after_trading_end

# exchange_calendars >= 4.13 holds the exchanges' published schedule through 2026; checked
# session by session against akshare's trade calendar (../shared/data/real/calendar): identical
# 2005-01-04 .. 2026-12-31 (5,343 sessions).  Earlier releases (4.5.x, the last for numpy < 1.24)
# lacked eight 2025 closures, which jqlite used to list by hand; the project now runs on numpy 2,
# so the library's own calendar is used as it is.
_CAL_END = "2026-12-31"  # last year with a full holiday schedule in exchange_calendars 4.13


@lru_cache(maxsize=8)
def xshg_trading_days(start: str, end: str) -> pd.DatetimeIndex:
    """Return the XSHG (Shanghai Stock Exchange) trading days between two dates, inclusive.

    Parameters
    ----------
    start, end : str
        ISO dates ``'YYYY-MM-DD'``.

    Returns
    -------
    pandas.DatetimeIndex
        Tz-naive, normalised trading days, ascending.

    Notes
    -----
    Uses ``exchange_calendars``' ``XSHG`` calendar (holidays as published by the exchange).
    Importers cross-check it against the dates present in their data
    (:func:`check_against_calendar`). Immutable input -> cached result, which is safe.
    """
    import exchange_calendars as xcals

    cal = xcals.get_calendar("XSHG", start="2005-01-04", end=_CAL_END)
    lo = max(pd.Timestamp(start), pd.Timestamp("2005-01-04"))
    hi = min(pd.Timestamp(end), cal.last_session)
    if hi < lo:
        return pd.DatetimeIndex([])
    days = cal.sessions_in_range(lo, hi)
    days = pd.DatetimeIndex(days.tz_localize(None) if days.tz is not None else days).normalize()
    return days


def check_against_calendar(data_dates: pd.DatetimeIndex, calendar: pd.DatetimeIndex) -> tuple[list, list]:
    """Compare the dates found in data with a trading calendar over the data's span.

    Returns
    -------
    (extra, missing) : tuple of list of pandas.Timestamp
        ``extra``: dates in the data that are not trading days; ``missing``: trading days
        (between the first and last data date) with no data at all.
    """
    data_dates = pd.DatetimeIndex(data_dates).normalize().unique().sort_values()
    if len(data_dates) == 0:
        return [], []
    span = calendar[(calendar >= data_dates[0]) & (calendar <= data_dates[-1])]
    extra = list(data_dates.difference(calendar))
    missing = list(span.difference(data_dates))
    return extra, missing
