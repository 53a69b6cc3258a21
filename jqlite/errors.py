"""Exception hierarchy of jqlite.

Every error derives from :class:`JqliteError` and from the matching builtin, so user code that
catches ``ValueError`` / ``KeyError`` / ``IOError`` keeps working.
"""

from __future__ import annotations

import os
import sys

_PKG_DIR = os.path.dirname(os.path.abspath(__file__))


def user_stacklevel() -> int:
    """``stacklevel`` for :func:`warnings.warn` pointing at the first frame outside the jqlite
    package (the strategy's or notebook's own line), whatever the depth of the call.

    Returns
    -------
    int
        1 = the function calling ``warnings.warn``; each jqlite frame above it adds 1.
    """
    f = sys._getframe(1)
    level = 1
    while f is not None and os.path.abspath(f.f_code.co_filename).startswith(_PKG_DIR):
        f = f.f_back
        level += 1
    return level


class JqliteError(Exception):
    """Root of all jqlite errors."""


class ConfigError(JqliteError, ValueError):
    """A setting or command-line argument is invalid."""


class DataError(JqliteError, ValueError):
    """The data store is missing, unreadable or inconsistent."""


class DataValidationError(DataError):
    """Input data was rejected by the validator; names the file, row and column at fault.

    Parameters
    ----------
    file : str
        The input file (or table) the bad value came from.
    row : int or None
        0-based row in that file (None when the problem concerns the whole table).
    column : str or None
        The column at fault.
    message : str
        What is wrong.
    """

    def __init__(self, file: str, row: int | None, column: str | None, message: str):
        self.file, self.row, self.column, self.message = file, row, column, message
        where = file
        if row is not None:
            where += f", row {row}"
        if column is not None:
            where += f", column '{column}'"
        super().__init__(f"{where}: {message}")


class SecurityNotFoundError(DataError, KeyError):
    """A security code is not in the store."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it readable
        return str(self.args[0]) if self.args else ""


class ParamsError(JqliteError, ValueError):
    """Bad arguments to a JoinQuant API function (JoinQuant's own error name)."""


class FutureDataError(JqliteError, ValueError):
    """Data after ``context.current_dt`` was requested while ``avoid_future_data`` is on."""


class NoActiveRunError(JqliteError, RuntimeError):
    """A backtest-only API function was called while no backtest is running."""


class StrategyError(JqliteError, RuntimeError):
    """A strategy callback raised; carries the strategy traceback, date and callback.

    Parameters
    ----------
    callback : str
        Name of the user callback that raised (``initialize``, ``trading_logic`` ...).
    dt : datetime.datetime or None
        Simulated time of the failure.
    traceback_text : str
        The traceback restricted to frames in the strategy file and below.
    """

    def __init__(self, callback: str, dt, traceback_text: str, original: BaseException):
        self.callback, self.dt, self.traceback_text, self.original = callback, dt, traceback_text, original
        super().__init__(
            f"strategy callback {callback}() raised {type(original).__name__} at {dt}:\n{traceback_text}"
        )


class RunInterrupted(BaseException):
    """A backtest was stopped by a signal (SIGINT = Ctrl-C, SIGTERM).

    A ``BaseException`` (like :class:`KeyboardInterrupt`) so that a strategy's
    ``except Exception`` cannot swallow it.  :func:`jqlite.run_backtest` catches it (and
    ``KeyboardInterrupt``), writes the partial results with ``error.json`` and re-raises;
    the CLI exits ``128 + signum`` (130 for SIGINT, 143 for SIGTERM).

    Parameters
    ----------
    signum : int
        The signal number.
    """

    def __init__(self, signum: int):
        import signal as _signal
        self.signum = int(signum)
        try:
            self.signame = _signal.Signals(self.signum).name
        except ValueError:
            self.signame = f"signal {self.signum}"
        super().__init__(f"interrupted by {self.signame}")


class SecuritiesAdded(BaseException):
    """Internal signal (not an error): codes were just synthesised into a sample store.

    Raised by :meth:`jqlite.data.store.Store.col` when a strategy or notebook asks for a valid
    JoinQuant code the sample market did not hold yet (:mod:`jqlite.data.on_demand`).  A
    ``BaseException`` so that a strategy's ``except Exception`` does not swallow it:
    research-mode API calls repeat themselves on the re-opened store, a backtest restarts
    from its first day with the code in the store (:func:`jqlite.run_backtest`).

    Attributes
    ----------
    codes : list of str
    """

    def __init__(self, codes):
        self.codes = list(codes)
        super().__init__(f"securities synthesised on demand: {', '.join(self.codes)}")
