"""What every source adapter provides, and the errors a pull can meet.

A *source* wraps one maintained client library (baostock, tushare, akshare, jqdatasdk) and
maps what that library returns into jqlite's raw-bar form (:data:`jqlite.data.ingest.RAW_COLUMNS`:
codes ``600000.XSHG``, prices in yuan, volume in shares, money in yuan, raw prices plus the
exchange ``pre_close`` from which the adjustment factor is derived).  Everything after that
(dense suspended days, factor, limits, ST intervals, ex-rights events, the atomic write) is the
same code the file import uses (:func:`jqlite.data.ingest.build_store_tables`,
:func:`jqlite.data.writer.write_store`).

The library is passed in as ``client`` (the imported module), so tests drive an adapter with
a recorded-response double shaped like the library's real return values; nothing here opens a
socket itself.
"""

from __future__ import annotations

import datetime as _dt
from typing import Iterable, Mapping

import pandas as pd

from ...errors import DataError
from ..ingest import ColumnMapping, read_bars_frame, security_type_of


class SourceError(DataError):
    """A source library reported an error; the message is the source's own (secrets removed)."""


class CredentialError(SourceError):
    """Missing or rejected credentials: the pull stops at once, nothing is retried."""


class QuotaExhausted(SourceError):
    """The account's data quota is used up: committed batches are kept, resume later."""


class TransientError(SourceError):
    """A network failure, time-out or rate limit: the call is retried with backoff."""


class Source:
    """Base class of a source adapter.

    Subclasses set the class attributes and implement :meth:`login`, :meth:`securities` and
    :meth:`fetch_daily`.

    Attributes
    ----------
    name : str
        ``--source`` name.
    module : str
        Import name of the client library.
    extra : str
        The ``pip install 'jqlite-engine[EXTRA]'`` extra that installs it.
    mapping : ColumnMapping
        Layout of the frames :meth:`fetch_daily` returns.
    batch_size : int
        Securities per committed batch.
    min_interval : float
        Seconds between two calls (rate limit; the engine sleeps in between).
    """

    name = "?"
    module = "?"
    extra = "?"
    mapping = ColumnMapping()
    batch_size = 50
    min_interval = 0.0

    def __init__(self, client=None):
        if client is None:
            client = self.import_client()
        self.client = client

    @classmethod
    def import_client(cls):
        """Import the client library, or fail naming the extra that installs it.

        Raises
        ------
        SourceError
            The library is not installed.
        """
        import importlib
        try:
            return importlib.import_module(cls.module)
        except ImportError as exc:
            raise SourceError(f"--source {cls.name} needs the {cls.module} package: "
                              f"pip install 'jqlite-engine[{cls.extra}]' ({exc})") from None

    # ---------------------------------------------------------------- to implement
    def login(self, credentials: Mapping[str, str]) -> None:
        """Authenticate (or check the credential with one cheap call).

        Raises
        ------
        CredentialError
            With the source's own message, at once (no retry).
        """

    def logout(self) -> None:
        """Close the session (best effort)."""

    def securities(self, universe: str, date: _dt.date) -> pd.DataFrame:
        """Securities to pull.

        Parameters
        ----------
        universe : str
            ``all`` (listed and delisted A-share stocks the source knows), ``hs300``,
            ``zz500``, ``sz50``.
        date : datetime.date
            Day the index membership is taken on (the pull's end).

        Returns
        -------
        pandas.DataFrame
            ``code`` (JoinQuant form) and ``display_name``, optionally ``type`` and
            ``start_date`` (the listing date, datetime64; NaT when unknown) and ``listed``
            (bool: still listed today, so a stock without rows at the end of the span is
            suspended there, not delisted).
        """
        raise NotImplementedError

    def fetch_daily(self, codes: list[str], start: _dt.date, end: _dt.date) -> pd.DataFrame:
        """Raw daily bars of ``codes`` in ``[start, end]``, in :attr:`mapping`'s layout."""
        raise NotImplementedError

    #: Whether :meth:`fetch_day` is implemented (one call per trading day for all securities).
    per_day = False
    #: Library calls :meth:`fetch_day` makes per day, and :meth:`fetch_daily` per batch (to
    #: choose the cheaper way for an update).
    day_calls = 1
    batch_calls = 1

    def fetch_day(self, day: _dt.date, codes: list[str]) -> pd.DataFrame:
        """Raw daily bars of every security of ``codes`` traded on ``day`` (one trading day),
        in :attr:`mapping`'s layout, from the source's per-day endpoints.

        ``jqlite data update`` uses it when it needs fewer calls than :meth:`fetch_daily`
        over the securities (a few new days for a whole market).

        Raises
        ------
        SourceError
            The source has no per-day endpoint (:attr:`per_day` is False).
        """
        raise SourceError(f"{self.name}: no per-day endpoint")

    def fetch_fundamentals(self, codes: list[str], start: _dt.date, end: _dt.date) -> dict[str, pd.DataFrame]:
        """Financial reports of ``codes`` for ``jqlite data pull --what fundamentals``.

        Returns
        -------
        dict of str to pandas.DataFrame
            JoinQuant table name (``income``, ``balance``, ``cash_flow``, ``indicator``) ->
            long rows ``code, statDate, pubDate, <JoinQuant columns>`` (see
            :mod:`jqlite.data.sources.fundamentals_map`), reports announced up to ``end``
            for the periods :func:`~jqlite.data.sources.fundamentals_map.report_quarters`
            names.

        Raises
        ------
        SourceError
            The source has no financial statements in jqlite (akshare).
        """
        raise SourceError(f"{self.name}: --what fundamentals is not supported for this source "
                          "(supported: baostock, tushare, jqdatasdk)")

    def index_snapshots(self, index_code: str, dates: list[_dt.date]) -> pd.DataFrame:
        """Members (and weights where the source has them) of ``index_code`` for
        ``jqlite data pull --what index``.

        Parameters
        ----------
        index_code : str
            ``000300.XSHG`` (CSI 300), ``000905.XSHG`` (CSI 500) or ``000016.XSHG`` (SSE 50).
        dates : list of datetime.date
            Trading days to take the members on (the first day of the span and each month's
            last trading day); sources that publish on their own dates (tushare's monthly
            weights) return those instead, from 40 days before the first.

        Returns
        -------
        pandas.DataFrame
            ``index_code``, ``date`` (datetime64: the members are valid from this date to the
            next snapshot), ``code`` (JoinQuant form), ``weight`` (percent, NaN when the source
            has none).

        Raises
        ------
        SourceError
            The source has no index members in jqlite.
        """
        raise SourceError(f"{self.name}: --what index is not supported for this source "
                          "(supported: baostock, tushare)")

    # ---------------------------------------------------------------- optional (--what ...)
    #: Minutes per bar of :meth:`fetch_minute` (1: ``STORE/bars_minute``, 5: ``STORE/bars_5m``).
    minute_base = 1

    def fetch_minute(self, codes: list[str], start: _dt.date, end: _dt.date) -> pd.DataFrame:
        """Raw intraday bars of ``codes`` for ``jqlite data pull --what minute``.

        Returns
        -------
        pandas.DataFrame
            ``code`` (JoinQuant form), ``time`` (datetime64, the bar's **end** label in
            Beijing time as JoinQuant labels it: 09:31 .. 11:30, 13:01 .. 15:00 for
            :attr:`minute_base` 1; 09:35 .. 15:00 for 5), ``open close high low`` (yuan,
            unadjusted), ``volume`` (shares), ``money`` (yuan).  No rows on suspended days.

        Raises
        ------
        SourceError
            The source has no intraday bars in jqlite.
        """
        raise SourceError(f"{self.name}: --what minute is not supported for this source "
                          "(supported: baostock 5-minute, jqdatasdk 1-minute)")

    def fetch_valuation(self, codes: list[str], start: _dt.date, end: _dt.date) -> pd.DataFrame:
        """Daily valuation rows of ``codes`` for ``jqlite data pull --what valuation``.

        Returns
        -------
        pandas.DataFrame
            ``day`` (datetime64), ``code`` and JoinQuant ``valuation`` columns in JoinQuant's
            units (:mod:`jqlite.data.fundamentals`: market caps 亿元, share counts 万股,
            ``turnover_ratio`` percent, ratios plain); only columns of exactly JoinQuant's
            meaning (see :mod:`jqlite.data.sources.valuation_map`).

        Raises
        ------
        SourceError
            The source has no valuation data in jqlite.
        """
        raise SourceError(f"{self.name}: --what valuation is not supported for this source "
                          "(supported: tushare, baostock, jqdatasdk)")

    def industry_members(self, codes: list[str], dates: list[_dt.date]) -> pd.DataFrame:
        """Industry classification of ``codes`` for ``jqlite data pull --what industries``.

        Parameters
        ----------
        codes : list of str
            The pulled securities (others are left out).
        dates : list of datetime.date
            Snapshot days (the span's first day and each month's last trading day) for
            sources that answer "industry on day D"; sources with in/out dates ignore them.

        Returns
        -------
        pandas.DataFrame
            ``scheme`` (JoinQuant's: ``sw_l1 sw_l2 sw_l3 zjw jq_l1 jq_l2``), ``industry_code``
            (JoinQuant's), ``code``, ``start_date``, ``end_date`` (datetime64, both inclusive;
            2200-01-01 while current), ``name`` (the industry's name in that interval).

        Raises
        ------
        SourceError
            The source has no industries in jqlite.
        """
        raise SourceError(f"{self.name}: --what industries is not supported for this source "
                          "(supported: tushare, baostock, jqdatasdk)")

    def etf_securities(self, date: _dt.date) -> pd.DataFrame:
        """Exchange-traded funds to pull with ``--what etf`` (as :meth:`securities`, with
        ``type`` = ``'etf'`` or ``'lof'``).

        Raises
        ------
        SourceError
            The source has no fund bars in jqlite.
        """
        raise SourceError(f"{self.name}: --what etf is not supported for this source "
                          "(supported: tushare, akshare, jqdatasdk)")

    def classify(self, exc: BaseException) -> type[SourceError] | None:
        """Which :class:`SourceError` a library exception means (None: a bug, re-raise it).

        The default: network errors (``OSError``, ``TimeoutError``, ``ConnectionError`` and
        ``requests``' exceptions, which derive from ``OSError``) are transient.
        """
        if isinstance(exc, SourceError):
            return type(exc)
        if isinstance(exc, (OSError, TimeoutError, ConnectionError, EOFError)):
            return TransientError
        return None

    def quota(self) -> dict | None:
        """``{'total': int, 'spare': int}`` rows per day for sources with a quota, else None."""
        return None

    def rows_estimate(self, n_codes: int, n_days: int, what=("bars",), span=None) -> int:
        """Quota rows a batch of ``n_codes`` over ``n_days`` costs (sources with a quota).

        ``what`` is the pull's ``--what`` items; ``span`` its ``(start, end)`` dates (report
        quarters of ``--what fundamentals`` are counted from it), None when unknown.
        """
        return n_codes * n_days

    # ---------------------------------------------------------------- shared
    def to_raw(self, frame: pd.DataFrame, label: str) -> pd.DataFrame:
        """Check a :meth:`fetch_daily` frame and map it to ``RAW_COLUMNS`` (see ``read_bars_frame``)."""
        return read_bars_frame(frame, self.mapping, label=f"{self.name} {label}", check_calendar=False)

    @staticmethod
    def stocks_only(df: pd.DataFrame, types: Iterable[str] = ("stock",)) -> pd.DataFrame:
        """Keep rows whose code is of one of ``types`` (by :func:`security_type_of`)."""
        keep = df["code"].map(security_type_of).isin(set(types))
        return df[keep.to_numpy()].reset_index(drop=True)


def yyyymmdd(d) -> str:
    """``20240102`` form of a date (tushare, akshare)."""
    return pd.Timestamp(d).strftime("%Y%m%d")


def iso(d) -> str:
    """``2024-01-02`` form of a date (baostock, jqdatasdk)."""
    return pd.Timestamp(d).strftime("%Y-%m-%d")
