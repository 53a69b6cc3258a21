"""The one parser of date arguments of every data API (``get_price(end_date=)``,
``get_fundamentals(date=)``, ``get_index_stocks(date=)``, ``get_trade_days``, ...).

JoinQuant accepts a date as a string (``'2021-01-04'``, ``'20210104'``, ``'2021-01-04
10:00:00'``, ``'2021/01/04'``), ``datetime.date``, ``datetime.datetime`` or
``pandas.Timestamp``; strategy code also hands over ``numpy.str_`` (an element of a numpy
array of dates: ``pd.Timestamp`` refuses it), ``numpy.datetime64`` (an element of
``get_trade_days()`` or of a DatetimeIndex's ``.values``) and 8-digit integers
(``20210104``; ``pd.Timestamp`` would read them as nanoseconds since 1970).  All of these
go through :func:`to_timestamp`.
"""

from __future__ import annotations

import datetime as _dt
from typing import Any

import numpy as np
import pandas as pd

from ..errors import ParamsError


def to_timestamp(x: Any, arg: str = "date", func: str | None = None) -> pd.Timestamp:
    """A date argument as a timezone-naive ``pandas.Timestamp`` (time of day kept).

    Parameters
    ----------
    x : str, numpy.str_, bytes, datetime.date, datetime.datetime, pandas.Timestamp,
        numpy.datetime64 or int (``YYYYMMDD``)
        The argument as the strategy passed it.
    arg, func : str
        Argument and function names for the error message.

    Returns
    -------
    pandas.Timestamp

    Raises
    ------
    ParamsError
        When ``x`` is None, NaT, a bool, or text that is not a date (names function,
        argument and value).
    """
    where = f"{func}(): " if func else ""
    if isinstance(x, pd.Timestamp):
        ts = x
    elif isinstance(x, (_dt.date, np.datetime64)):
        ts = pd.Timestamp(x)
    elif isinstance(x, (str, bytes)):  # numpy.str_ / numpy.bytes_ are subclasses
        s = x.decode("ascii", "replace") if isinstance(x, bytes) else str(x)
        s = s.strip()
        try:
            ts = pd.Timestamp(s)
        except (ValueError, TypeError, OverflowError):
            raise ParamsError(f"{where}{arg}={x!r} is not a date (expected e.g. '2021-01-04', "
                              f"'20210104' or '2021-01-04 10:00:00')") from None
    elif isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_)) and \
            10000101 <= int(x) <= 99991231:
        try:
            ts = pd.Timestamp(str(int(x)))
        except ValueError:
            raise ParamsError(f"{where}{arg}={x!r} is not a YYYYMMDD date") from None
    else:
        raise ParamsError(f"{where}{arg}={x!r} ({type(x).__name__}) is not a date: pass a str, "
                          f"datetime.date/datetime, pandas.Timestamp or numpy.datetime64")
    if ts is pd.NaT or pd.isna(ts):
        raise ParamsError(f"{where}{arg}={x!r} is not a date (NaT)")
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts


def to_date(x: Any, arg: str = "date", func: str | None = None) -> _dt.date:
    """A date argument as ``datetime.date`` (time of day dropped); see :func:`to_timestamp`.

    Exact ``datetime.date`` / naive ``datetime.datetime`` / naive ``pandas.Timestamp``
    arguments (what the engine passes on every data call: ``context.current_dt``,
    ``previous_date``) skip the ``Timestamp`` round trip; the answer is the same date."""
    t = type(x)
    if t is _dt.date:
        return x
    if (t is _dt.datetime or t is pd.Timestamp) and x.tzinfo is None:
        return x.date()
    return to_timestamp(x, arg, func).date()


def to_datetime(x: Any, arg: str = "date", func: str | None = None) -> _dt.datetime:
    """A date argument as ``datetime.datetime`` (midnight for a bare date)."""
    return to_timestamp(x, arg, func).to_pydatetime()


class JQDate(_dt.date):
    """``datetime.date`` that also compares with date strings, datetimes, Timestamps and
    ``numpy.datetime64`` — the type of ``start_date``/``end_date`` in
    ``get_all_securities()`` and ``get_security_info()``.

    JoinQuant's SDK gives datetime64 columns there, which old pandas compared with
    ``datetime.date`` (``df[df.start_date < context.previous_date]``: 8 of ~240 corpus files)
    and subtracted from a date (``context.current_dt.date() - df.start_date``); pandas 2
    raises on both.  An object column of JQDate keeps those working *and* the SDK's string
    comparisons (``df.start_date < '2016-01-01'``).  A datetime operand compares against
    the day's midnight; ``date - JQDate`` and ``JQDate - date`` give timedeltas as usual.
    """

    __slots__ = ()

    def _other(self, other):
        if isinstance(other, JQDate) or (type(other) is _dt.date):
            return _dt.date(self.year, self.month, self.day), _dt.date(other.year, other.month, other.day)
        if isinstance(other, (str, np.datetime64, _dt.datetime)):
            try:
                ts = to_timestamp(other)
            except ParamsError:
                return None
            return pd.Timestamp(self.year, self.month, self.day), ts
        return None

    def _cmp(self, other, op):
        pair = self._other(other)
        if pair is None:
            return NotImplemented
        return op(*pair)

    def __lt__(self, other):
        return self._cmp(other, lambda a, b: a < b)

    def __le__(self, other):
        return self._cmp(other, lambda a, b: a <= b)

    def __gt__(self, other):
        return self._cmp(other, lambda a, b: a > b)

    def __ge__(self, other):
        return self._cmp(other, lambda a, b: a >= b)

    def __eq__(self, other):
        r = self._cmp(other, lambda a, b: a == b)
        return False if r is NotImplemented else r

    def __ne__(self, other):
        r = self._cmp(other, lambda a, b: a != b)
        return True if r is NotImplemented else r

    __hash__ = _dt.date.__hash__

    def __sub__(self, other):
        if isinstance(other, (_dt.datetime, np.datetime64, str)):
            return pd.Timestamp(self.year, self.month, self.day) - to_timestamp(other)
        return _dt.date.__sub__(_dt.date(self.year, self.month, self.day), other) \
            if isinstance(other, _dt.date) else _dt.date.__sub__(self, other)

    def __rsub__(self, other):
        if isinstance(other, _dt.datetime):
            return pd.Timestamp(other) - pd.Timestamp(self.year, self.month, self.day)
        if isinstance(other, _dt.date):
            return _dt.date(other.year, other.month, other.day) - _dt.date(self.year, self.month, self.day)
        return NotImplemented

    def __repr__(self) -> str:
        return f"datetime.date({self.year}, {self.month}, {self.day})"

    def __reduce__(self):
        return (JQDate, (self.year, self.month, self.day))


def jq_dates(values) -> np.ndarray:
    """Object ndarray of :class:`JQDate` from datetime64 / Timestamp / date values (NaT ->
    None)."""
    out = np.empty(len(values), dtype=object)
    for i, v in enumerate(pd.to_datetime(pd.Series(values)).tolist()):
        out[i] = None if v is pd.NaT or v is None else JQDate(v.year, v.month, v.day)
    return out
