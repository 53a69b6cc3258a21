"""Find the active run: a ContextVar set by :func:`bind` for the duration of a backtest.

JoinQuant's global functions are thin facades that call :func:`current_run` (backtest-only
functions) or :func:`env` (functions that also work in research mode).  Nothing here keeps
run state in module globals.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as _dt
import functools
import time as _time
from typing import TYPE_CHECKING, Callable

from ..errors import NoActiveRunError

if TYPE_CHECKING:  # pragma: no cover
    from ..data.store import Store
    from ..run import Run

_ACTIVE: contextvars.ContextVar["Run | None"] = contextvars.ContextVar("jqlite_run", default=None)


@contextlib.contextmanager
def bind(run: "Run"):
    """Make ``run`` the active run inside the ``with`` block (re-entrant, thread/task local)."""
    token = _ACTIVE.set(run)
    try:
        yield run
    finally:
        _ACTIVE.reset(token)


def current_run(func: str = "this function") -> "Run":
    """Return the active run or raise NoActiveRunError naming ``func``."""
    run = _ACTIVE.get()
    if run is None:
        raise NoActiveRunError(f"{func}() can only be called while a backtest is running")
    return run


def run_or_none() -> "Run | None":
    return _ACTIVE.get()


def active_store() -> "Store":
    """The store of the active run, else the research store (``$JQLITE_DATA`` / default)."""
    run = _ACTIVE.get()
    if run is not None:
        return run.store
    from ..data.store import open_store
    from .research import research_store
    return research_store() or open_store()


def current_date_or_none() -> _dt.date | None:
    """The simulated date inside a backtest; None in research mode."""
    run = _ACTIVE.get()
    return run.current_dt.date() if run is not None else None


def current_dt_or_none() -> _dt.datetime | None:
    run = _ACTIVE.get()
    return run.current_dt if run is not None else None


def timed(category: str) -> Callable:
    """Decorator: add the call's wall time to the active run's ``api_time[category]``
    (``'data'`` or ``'factor'``) for the run profile; nested timed calls count once."""
    def deco(fn: Callable) -> Callable:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            run = _ACTIVE.get()
            if run is None or getattr(run, "_in_api", False):
                return fn(*args, **kwargs)
            run._in_api = True
            t0 = _time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                run._in_api = False
                run.api_time[category] += _time.perf_counter() - t0
        return wrapper
    return deco


def repeat_on_demand(fn):
    """Research mode: repeat an API call after it synthesised codes into the sample market
    (:mod:`jqlite.data.on_demand`; the store is re-opened with them).  In a backtest the
    signal goes on to :func:`jqlite.run_backtest`, which restarts the run."""
    import functools

    from ..errors import SecuritiesAdded

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        for _ in range(1000):
            try:
                return fn(*args, **kwargs)
            except SecuritiesAdded:
                if run_or_none() is not None:
                    raise
        return fn(*args, **kwargs)
    wrapper.__wrapped_on_demand__ = True
    return wrapper
