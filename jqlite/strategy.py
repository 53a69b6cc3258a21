"""Load a JoinQuant strategy file into a fresh namespace, exactly as JoinQuant would run it.

The file is compiled with its real path (tracebacks show the user's file and line) and
executed into a new dict pre-filled like JoinQuant's: the whole API (what ``from jqdata
import *`` gives), ``g``/``log``/``context`` proxies, and names real strategies use without
importing them (``datetime``, ``math``, ``np``, ``pd``, ``timedelta``, ``isnan``, numpy's
``mean``/``std``/``array``/... — spec ``real_strategy_api_usage.md`` §8).  The file is never
imported as a module, so nothing is cached between runs.
"""

from __future__ import annotations

import datetime
import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import ConfigError, StrategyError

if TYPE_CHECKING:  # pragma: no cover
    from .run import Run

_NUMPY_NAMES = ("mean", "std", "array", "exp", "nan", "power", "diff", "log", "sqrt", "inf",
                "var", "median", "corrcoef", "cov", "zeros", "ones", "arange", "where", "isnan")


def base_namespace() -> dict[str, Any]:
    """The globals a strategy starts with (before its own code runs)."""
    import jqdata

    ns: dict[str, Any] = {"__name__": "__jqlite_strategy__", "__builtins__": __builtins__}
    for name in _NUMPY_NAMES:
        ns[name] = getattr(np, name)
    ns.update({"datetime": datetime, "timedelta": datetime.timedelta, "math": math,
               "np": np, "numpy": np, "pd": pd, "pandas": pd})
    ns.update({k: getattr(jqdata, k) for k in jqdata.__all__})
    return ns


def load_strategy(run: "Run") -> dict[str, Any]:
    """Compile and execute the run's strategy file; return its namespace.

    Raises
    ------
    ConfigError
        When the file does not exist or has a syntax error (naming file and line).
    StrategyError
        When module-level code raises.
    """
    path = Path(run.config.strategy)
    if run.config.source is not None:
        src = run.config.source
    else:
        if not path.exists():
            raise ConfigError(f"strategy file {path} does not exist")
        src = path.read_text(encoding="utf-8-sig")
    fname = str(path.resolve())
    try:
        code = compile(src, fname, "exec")
    except SyntaxError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: syntax error: {exc.msg}\n    {(exc.text or '').rstrip()}") from exc
    ns = base_namespace()
    ns["__file__"] = fname
    try:
        exec(code, ns)
    except Exception as exc:
        raise StrategyError("<module>", run.current_dt, run._user_traceback(exc), exc) from exc
    return ns
