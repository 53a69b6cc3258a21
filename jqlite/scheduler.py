"""run_daily / run_weekly / run_monthly: parse time strings and decide the days tasks fire
(spec ``jq_trading_semantics.md`` §2)."""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from .errors import ParamsError

_ALIASES = {
    "every_bar": _dt.time(9, 30),
    "open": _dt.time(9, 30),
    "close": _dt.time(15, 0),
    "before_open": _dt.time(9, 0),
    "after_close": _dt.time(15, 30),
    "morning": _dt.time(8, 0),
    "night": _dt.time(20, 0),
}
_OFFSET = re.compile(r"^(open|close)\s*([+-])\s*(?:(\d+)\s*h)?\s*(?:(\d+)\s*m)?$")
_HHMM = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")

PRIORITY = {"monthly": 0, "weekly": 1, "daily": 2}


def parse_time(spec) -> _dt.time:
    """Turn a JoinQuant ``time`` argument into a time of day.

    Accepts ``'9:30'``, ``'09:30'``, ``'14:50:00'``, ``'every_bar'``, ``'open'``, ``'close'``,
    ``'open+5m'``, ``'open-10m'``, ``'close-10m'``, ``'close+1h30m'``, ``'before_open'``
    (09:00), ``'after_close'`` (15:30), ``'morning'`` (08:00), ``'night'`` (20:00) and
    ``datetime.time`` objects (spec §2.2; stock reference security hours 09:30-15:00).

    Raises
    ------
    ParamsError
        For anything else, naming the value.
    """
    if isinstance(spec, _dt.time):
        return spec.replace(microsecond=0)
    if isinstance(spec, _dt.datetime):
        return spec.time().replace(microsecond=0)
    s = str(spec).strip().lower().replace(" ", "")
    if s in _ALIASES:
        return _ALIASES[s]
    m = _HHMM.match(s)
    if m:
        h, mi, sec = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
        if h > 23 or mi > 59 or sec > 59:
            raise ParamsError(f"run_daily(): time {spec!r} is not a valid time of day")
        return _dt.time(h, mi, sec)
    m = _OFFSET.match(s)
    if m and (m.group(3) or m.group(4)):
        base = _ALIASES[m.group(1)]
        minutes = int(m.group(3) or 0) * 60 + int(m.group(4) or 0)
        if m.group(2) == "-":
            minutes = -minutes
        t = _dt.datetime.combine(_dt.date(2000, 1, 3), base) + _dt.timedelta(minutes=minutes)
        return t.time()
    raise ParamsError(f"run_daily()/run_weekly()/run_monthly(): time {spec!r} is not understood; "
                      f"use 'HH:MM', 'every_bar', 'open', 'open+5m', 'close-10m', 'before_open', 'after_close'")


@dataclass
class Task:
    """One scheduled function."""

    kind: str                 # 'daily' | 'weekly' | 'monthly'
    func: Callable
    time: _dt.time
    n: int = 0                # weekday / monthday (1-based, negative from the end)
    force: bool = True
    seq: int = 0
    days: set[int] = field(default_factory=set)   # run-relative day positions it fires on
    every_bar: bool = False   # 'every_bar': 09:30 in daily, every minute in minute frequency


def fire_days(kind: str, n: int, force: bool, run_dates: pd.DatetimeIndex, all_dates: pd.DatetimeIndex,
              first: int) -> set[int]:
    """Positions in ``run_dates`` on which a task fires.

    ``n`` is the N-th **trading day** of the week/month (negative: from the end); the first
    period counts from the run's start date; with ``force=True`` an out-of-range N falls on
    the nearest trading day of the period, with ``force=False`` that period is skipped
    (spec §2.3, test vector T4).  ``first`` is the position of run_dates[0] in all_dates.
    """
    if kind == "daily":
        return set(range(len(run_dates)))
    if n == 0:
        raise ParamsError(f"run_{kind}(): {'weekday' if kind == 'weekly' else 'monthday'} must not be 0")
    # periods over the whole calendar so that the last period's length is the real one
    tail = all_dates[first:]
    if kind == "weekly":
        iso = tail.isocalendar()
        key = (iso["year"].to_numpy() * 100 + iso["week"].to_numpy())
    else:
        key = tail.year.to_numpy() * 100 + tail.month.to_numpy()
    out: set[int] = set()
    n_run = len(run_dates)
    start = 0
    L = len(key)
    while start < L and start < n_run:
        end = start
        while end + 1 < L and key[end + 1] == key[start]:
            end += 1
        size = end - start + 1
        if n > 0:
            k = n - 1
        else:
            k = size + n
        if 0 <= k < size:
            pos = start + k
        elif force:
            pos = start + (size - 1 if k >= size else 0)
        else:
            pos = -1
        if 0 <= pos < n_run:
            out.add(pos)
        start = end + 1
    return out
