"""The data-gap ledger: every API answer that is empty or NaN *because the store lacks the data*.

Silence is a bug: a strategy that asks for a table, column, security, frequency, date range or
factor input the data store does not hold gets JoinQuant's shape of answer (empty rows, NaN
columns) and the gap is written down here, once per kind of gap, with a call count.  Python
warnings alone are not enough: strategies routinely call ``warnings.filterwarnings('ignore')``.

Inside a backtest a gap goes to

* the run log (a ``system`` warning line the first time each gap is seen, and one summary line
  per gap when the run ends; :func:`log_summary`),
* ``metrics.json`` under ``data_gaps`` (a list of ``{api, what, calls, first_dt, message}``,
  most frequent first; :func:`gaps_of`),
* the console summary of ``jqlite backtest`` (one line per gap, :func:`summary_lines`),
* and one Python ``RuntimeWarning`` per gap (pointing at the strategy's line).

In research mode (no run) the gap is one ``RuntimeWarning`` per (api, what) per process, and
the process-wide ledger is readable with :func:`research_gaps`.

Any code in a run may call :func:`record_gap`, e.g. an engine without minute bars::

    from jqlite.api._gaps import record_gap
    record_gap("get_price", "minute bars", "the data store has no minute bars; "
               "returning daily-frequency NaN rows")
"""

from __future__ import annotations

import threading
import warnings
from typing import Any

from ..errors import user_stacklevel

__all__ = ["record_gap", "gaps_of", "research_gaps", "reset_research_gaps", "summary_lines",
           "log_summary", "DataGapWarning"]


class DataGapWarning(RuntimeWarning):
    """A JoinQuant API call was answered with empty / NaN data the store does not hold."""


_LOCK = threading.Lock()
_RESEARCH: dict[tuple[str, str], dict[str, Any]] = {}


def _ledger_of(run) -> dict:
    led = getattr(run, "data_gaps", None)
    if led is None:
        led = {}
        try:
            run.data_gaps = led
        except AttributeError:  # pragma: no cover - a run object without a __dict__
            return {}
    return led


def record_gap(api: str, what: str, message: str | None = None, *, calls: int = 1,
               warn: bool = True) -> bool:
    """Record that ``api`` answered without data because the store lacks ``what``.

    Parameters
    ----------
    api : str
        The JoinQuant function the strategy called (``'get_fundamentals'``, ``'get_price'``,
        ``'get_factor_values'`` ...).
    what : str
        What is missing, short and stable (the ledger key together with ``api``):
        ``'balance.total_assets'``, ``'security 000001.XSHE'``, ``'minute bars'``,
        ``'factor DEGM_8y (input income.operating_cost)'``.
    message : str, optional
        One sentence for the log: what is missing, what the call returned instead and what
        would supply the data.  Default: ``"{api}: {what} absent in store"``.
    calls : int
        How many calls to count (default 1).
    warn : bool
        Emit the Python warning (and the log line) the first time this gap is seen.

    Returns
    -------
    bool
        True the first time this (api, what) is recorded in this run (or research process).

    Notes
    -----
    Cheap after the first call (a dict update): safe to call on every API call of a run.
    """
    from ._binding import run_or_none

    msg = message or f"{api}: {what} absent in store"
    run = run_or_none()
    key = (str(api), str(what))
    if run is None:
        with _LOCK:
            e = _RESEARCH.get(key)
            first = e is None
            if first:
                _RESEARCH[key] = {"api": key[0], "what": key[1], "calls": int(calls),
                                  "first_dt": None, "message": msg}
            else:
                e["calls"] += int(calls)
        if first and warn:
            warnings.warn(msg, DataGapWarning, stacklevel=user_stacklevel())
        return first
    led = _ledger_of(run)
    e = led.get(key)
    if e is not None:
        e["calls"] += int(calls)
        return False
    dt = getattr(run, "current_dt", None)
    led[key] = {"api": key[0], "what": key[1], "calls": int(calls),
                "first_dt": dt.isoformat(sep=" ") if dt is not None else None, "message": msg}
    if warn:
        try:
            run.log.system_warning(f"data gap: {msg}")
        except Exception:  # pragma: no cover - a half-built run
            pass
        warnings.warn(msg, DataGapWarning, stacklevel=user_stacklevel())
    return True


def gaps_of(run) -> list[dict[str, Any]]:
    """The run's gaps as ``[{api, what, calls, first_dt, message}]``, most calls first
    (ties by first occurrence)."""
    led = getattr(run, "data_gaps", None) or {}
    rows = [dict(v) for v in led.values()]
    order = {k: i for i, k in enumerate(led)}
    rows.sort(key=lambda r: (-r["calls"], order[(r["api"], r["what"])]))
    return rows


def research_gaps() -> list[dict[str, Any]]:
    """The gaps recorded outside any backtest in this process (same format as :func:`gaps_of`)."""
    with _LOCK:
        rows = [dict(v) for v in _RESEARCH.values()]
    rows.sort(key=lambda r: -r["calls"])
    return rows


def reset_research_gaps() -> None:
    """Forget the research-mode gaps (tests; a new notebook session)."""
    with _LOCK:
        _RESEARCH.clear()


def summary_lines(gaps: list[dict[str, Any]]) -> list[str]:
    """One line per gap: ``"get_fundamentals: balance.total_assets absent in store — 1,240 calls"``."""
    out = []
    for g in gaps:
        n = int(g.get("calls", 0))
        out.append(f"{g['api']}: {g['what']} absent in store — {n:,} call{'s' if n != 1 else ''}")
    return out


def log_summary(run) -> None:
    """Write the end-of-run gap summary into the run log (one system warning per gap, and one
    line when the run placed no order)."""
    gaps = gaps_of(run)
    log = getattr(run, "log", None)
    if log is None:
        return
    for line in summary_lines(gaps):
        log.system_warning(f"data gap summary: {line}")
    try:
        n_orders = len(run.broker.all_orders)
    except Exception:  # pragma: no cover
        n_orders = None
    if n_orders == 0:
        extra = f" ({len(gaps)} data gap{'s' if len(gaps) != 1 else ''} above)" if gaps else ""
        log.system_warning(f"this run placed no order{extra}")
