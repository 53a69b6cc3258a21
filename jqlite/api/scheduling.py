"""run_daily, run_weekly, run_monthly, unschedule_all (spec §2)."""

from __future__ import annotations

import inspect

from ..errors import ParamsError
from ..scheduler import parse_time
from ._binding import current_run


def _check_func(func, api: str) -> None:
    if not callable(func):
        raise ParamsError(f"{api}(): func must be a function, was {func!r}")
    if inspect.ismethod(func):
        raise ParamsError(f"{api}(): func must be a module-level function taking context, "
                          f"not a bound method ({func!r})")


def run_daily(func, time: str = "9:30", reference_security: str = "000001.XSHG") -> None:
    """Run ``func(context)`` every trading day at ``time`` (``'HH:MM'``, ``'every_bar'``,
    ``'open'``, ``'before_open'``, ``'after_close'``, ``'open+5m'`` ...)."""
    _check_func(func, "run_daily")
    every = isinstance(time, str) and time.strip().lower() == "every_bar"
    current_run("run_daily").add_task("daily", func, parse_time(time), every_bar=every)


def run_weekly(func, weekday: int, time: str = "9:30", reference_security: str = "000001.XSHG",
               force: bool = True) -> None:
    """Run ``func(context)`` on the ``weekday``-th trading day of each week (negative: from
    the end; the first week counts from the start date)."""
    _check_func(func, "run_weekly")
    current_run("run_weekly").add_task("weekly", func, parse_time(time), int(weekday), bool(force))


def run_monthly(func, monthday: int = 1, time: str = "9:30", reference_security: str = "000001.XSHG",
                force: bool = True) -> None:
    """Run ``func(context)`` on the ``monthday``-th trading day of each month."""
    _check_func(func, "run_monthly")
    current_run("run_monthly").add_task("monthly", func, parse_time(time), int(monthday), bool(force))


def unschedule_all() -> None:
    """Remove every scheduled task."""
    current_run("unschedule_all").tasks.clear()
