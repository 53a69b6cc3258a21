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
    # jqfactor's preprocessing is used without an import by real files (spec
    # real_strategy_api_usage.md: winsorize_med / standardlize / neutralize)
    import jqfactor
    for name in ("winsorize", "winsorize_med", "standardlize", "neutralize"):
        ns.setdefault(name, getattr(jqfactor, name))
    return ns


#: lib2to3 fixers for JoinQuant's Python 2 strategy files (spec real_strategy_api_usage.md
#: §11: all 10 Python 2 files parse after print / except / ... conversion).  Line numbers
#: are kept (these fixers rewrite in place), so tracebacks still point at the user's lines.
PY2_FIXERS = ("print", "except", "raise", "ne", "has_key", "long", "unicode", "xrange",
              "basestring", "dict", "numliterals", "exec", "repr", "apply", "raw_input",
              "reduce", "next", "funcattrs", "methodattrs", "renames", "standarderror",
              "sys_exc", "throw", "tuple_params", "filter", "map", "zip", "itertools",
              "itertools_imports", "intern", "isinstance", "getcwdu", "xreadlines", "idioms",
              "import", "imports", "imports2", "input", "execfile", "operator", "paren",
              "buffer", "nonzero", "metaclass", "urllib", "types")


def python2_to_3(src: str) -> str | None:
    """Python 3 text of a Python 2 strategy, or None when ``src`` is not valid Python 2 either.

    Uses the standard library's ``lib2to3`` (deprecated, present through Python 3.12) with
    :data:`PY2_FIXERS`.  What no converter can fix: ``/`` between integers divides exactly.
    """
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        try:
            from lib2to3 import refactor
        except ImportError:   # Python 3.13+
            return None
        names = [f"lib2to3.fixes.fix_{f}" for f in PY2_FIXERS]
        available = set(refactor.get_fixers_from_package("lib2to3.fixes"))
        tool = refactor.RefactoringTool([n for n in names if n in available])
        text = src if src.endswith("\n") else src + "\n"
        try:
            out = str(tool.refactor_string(text, "<strategy>"))
        except Exception:
            return None
    try:
        compile(out, "<strategy>", "exec")
    except SyntaxError:
        return None
    return out


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
        py3 = python2_to_3(src)
        if py3 is None:
            raise ConfigError(f"{path}:{exc.lineno}: syntax error: {exc.msg}\n    {(exc.text or '').rstrip()}") from exc
        code = compile(py3, fname, "exec")
        run.log.warn(f"{path.name}: Python 2 source converted to Python 3 (print statements, "
                     f"'except X, e', ...); integer division '/' now gives floats")
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
