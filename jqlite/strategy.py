"""Load a JoinQuant strategy file into a fresh namespace, exactly as JoinQuant would run it.

The file is compiled with its real path (tracebacks show the user's file and line) and
executed into a new dict pre-filled like JoinQuant's: the whole API (what ``from jqdata
import *`` gives), ``g``/``log``/``context`` proxies, and names real strategies use without
importing them (``datetime``, ``math``, ``np``, ``pd``, ``timedelta``, ``isnan``, numpy's
``mean``/``std``/``array``/... — spec ``real_strategy_api_usage.md`` §8).  The file is never
imported from disk, so nothing is cached between runs; its namespace is registered as
the module ``__jqlite_strategy__`` so that its classes can be pickled.
"""

from __future__ import annotations

import datetime
import math
import sys
import types
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import ConfigError, StrategyError

if TYPE_CHECKING:  # pragma: no cover
    from .run import Run

_NUMPY_NAMES = ("mean", "std", "array", "exp", "nan", "power", "diff", "log", "sqrt", "inf",
                "var", "median", "corrcoef", "cov", "zeros", "ones", "arange", "where", "isnan")


#: Module name of a loaded strategy (``sys.modules`` entry; classes pickle under it).
STRATEGY_MODULE = "__jqlite_strategy__"


def base_namespace() -> dict[str, Any]:
    """The globals a strategy starts with (before its own code runs)."""
    import jqdata

    ns: dict[str, Any] = {"__name__": STRATEGY_MODULE, "__builtins__": __builtins__}
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
    # The namespace is a real module's __dict__, registered in sys.modules under the
    # namespace's __name__, so that pickle.dumps/loads of instances of the strategy's own
    # classes work (a model object saved with write_file and loaded by the next run), as
    # on JoinQuant.  The latest loaded strategy owns the name.
    mod = types.ModuleType(STRATEGY_MODULE)
    ns = mod.__dict__
    ns.update(base_namespace())
    ns["__file__"] = fname
    sys.modules[STRATEGY_MODULE] = mod
    try:
        exec(code, ns)
    except Exception as exc:
        raise StrategyError("<module>", run.current_dt, run._user_traceback(exc), exc) from exc
    return ns
