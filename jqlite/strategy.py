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

#: Builtins that numpy 2's ``from numpy import *`` shadows but numpy 1.x's (JoinQuant's) did
#: not: they stay Python's builtins (13 corpus files call ``max(a, b)`` with two arguments).
#: ``any``/``all`` also stay builtins: numpy's silently answer True for any generator, and no
#: corpus file relies on numpy's.
_KEEP_BUILTINS = frozenset({"abs", "max", "min", "round", "pow", "bool", "divmod", "any", "all"})

#: Reductions whose numpy form, given a DataFrame and no axis, must reduce per column (old
#: pandas' answer; pandas 2 reduces over both axes or warns).
_FRAME_REDUCTIONS = ("sum", "mean", "std", "var", "prod", "median", "amax", "amin", "nansum",
                     "nanmean", "nanstd")


def _frame_safe(np_func):
    """numpy reduction that, for a DataFrame with ``axis=None``, gives the per-column Series
    as pandas < 2 did (``sum(attribute_history(s, 5, '1d', 'paused'))[0]``)."""
    import functools as _ft

    @_ft.wraps(np_func)
    def f(a, *args, **kwargs):
        if isinstance(a, pd.DataFrame) and not args and kwargs.get("axis") is None:
            kwargs["axis"] = 0
        return np_func(a, *args, **kwargs)
    return f


_PY_ITERABLES = (type({}.keys()), type({}.values()), type({}.items()), set, frozenset, map,
                 filter, zip, range, __import__("types").GeneratorType)


def _numpy1_sum(a, *args, **kwargs):
    """numpy 1.x's ``sum`` (what JoinQuant's namespace gives), forgiving where numpy is not.

    A generator, iterator, set or dict view (``sum(d.values())``: Python 2's list became a
    view in Python 3, which numpy would "sum" to the view itself) is summed by Python's
    ``sum`` (a second positional argument is then its ``start``); a DataFrame without
    ``axis`` sums per column; the rest is ``numpy.sum`` (``sum(df, 1)`` sums rows)."""
    if isinstance(a, _PY_ITERABLES) or (hasattr(a, "__next__") and not isinstance(a, np.ndarray)):
        import builtins as _b
        start = args[0] if args and isinstance(args[0], (int, float)) and \
            not isinstance(args[0], bool) else 0
        return _b.sum(a, start)
    if isinstance(a, pd.DataFrame) and not args and kwargs.get("axis") is None:
        kwargs["axis"] = 0
    return np.sum(a, *args, **kwargs)


def _numpy_star() -> dict[str, Any]:
    """What ``from numpy import *`` gave under numpy 1.x: numpy's public names, without the
    builtins numpy 2 newly shadows, plus numpy 1.x constants (``NaN``, ``Inf``...)."""
    ns = {}
    for name in np.__all__:
        if name in _KEEP_BUILTINS or name.startswith("_"):
            continue
        try:
            ns[name] = getattr(np, name)
        except AttributeError:  # pragma: no cover
            continue
    for name in _FRAME_REDUCTIONS:
        if name in ns:
            ns[name] = _frame_safe(ns[name])
    ns["sum"] = _numpy1_sum
    for name in ("NaN", "NAN", "Inf", "Infinity", "infty", "PINF", "NINF"):
        ns[name] = {"NaN": np.nan, "NAN": np.nan, "NINF": -np.inf}.get(name, np.inf)
    return ns


#: Module name of a loaded strategy (``sys.modules`` entry; classes pickle under it).
STRATEGY_MODULE = "__jqlite_strategy__"


def base_namespace() -> dict[str, Any]:
    """The globals a strategy starts with (before its own code runs)."""
    import jqdata

    import logging
    import random

    from .compat.source import old_div

    ns: dict[str, Any] = {"__name__": STRATEGY_MODULE, "__builtins__": __builtins__}
    ns.update(_numpy_star())
    ns.update({"datetime": datetime, "timedelta": datetime.timedelta, "math": math,
               "np": np, "numpy": np, "pd": pd, "pandas": pd, "random": random,
               "logging": logging, "old_div": old_div})
    ns.update({k: getattr(jqdata, k) for k in jqdata.__all__})
    # float()/int() of a one-element array worked under numpy 1.x (JoinQuant's): the strategy's
    # float/int accept it (builtins otherwise; isinstance and dtype uses unchanged)
    from .compat.legacy import Numpy1Float, Numpy1Int
    ns["float"], ns["int"] = Numpy1Float, Numpy1Int
    from .compat.legacy import PERCENT_ARGS_NAME, percent_args
    ns[PERCENT_ARGS_NAME] = percent_args
    # jqfactor's preprocessing is used without an import by real files (spec
    # real_strategy_api_usage.md: winsorize_med / standardlize / neutralize)
    import jqfactor
    for name in ("winsorize", "winsorize_med", "standardlize", "neutralize"):
        ns.setdefault(name, getattr(jqfactor, name))
    return ns


# Python 2 conversion lives in jqlite.compat.source (fissix, old_div); kept importable here.
from .compat.source import PY2_FIXERS, python2_to_3  # noqa: E402,F401


def load_strategy(run: "Run") -> dict[str, Any]:
    """Compile and execute the run's strategy file; return its namespace.

    Raises
    ------
    ConfigError
        When the file does not exist or has a syntax error (naming file and line).
    StrategyError
        When module-level code raises.
    """
    from .compat import legacy, libs
    from .compat.source import PY2_NAMESPACE, read_strategy

    path = Path(run.config.strategy)
    src = read_strategy(path, run.config.source)
    fname = str(path.resolve())
    # "..." % x literals go through legacy.percent_args (numpy 1.x's "%d" % one-element
    # array); read_strategy compiled the text already, so parsing cannot fail here
    import ast
    code = compile(legacy.rewrite_percent_formats(ast.parse(src.text, fname)), fname, "exec")
    for note in src.notes:
        run.log.warn(note)
    legacy.install()
    libs.install(run, src.text)
    if "sklearn" in src.text and (src.python2 or any(n in src.text for n in libs._SKLEARN_REMOVED)):
        # JoinQuant's Python 2 had scikit-learn < 0.19, where a 1-D X was one sample; a file
        # importing names scikit-learn has since removed (Imputer) was written for that era
        run._sklearn_1d = True
        legacy.install_sklearn_1d()
    # The namespace is a real module's __dict__, registered in sys.modules under the
    # namespace's __name__, so that pickle.dumps/loads of instances of the strategy's own
    # classes work (a model object saved with write_file and loaded by the next run), as
    # on JoinQuant.  The latest loaded strategy owns the name.
    mod = types.ModuleType(STRATEGY_MODULE)
    ns = mod.__dict__
    ns.update(base_namespace())
    if src.python2:
        ns.update(PY2_NAMESPACE)
    ns["__file__"] = fname
    sys.modules[STRATEGY_MODULE] = mod
    try:
        exec(code, ns)
    except SystemExit as exc:
        new = RuntimeError(f"the strategy called exit()/sys.exit({exc.code!r}) while loading: "
                           "the backtest stops here")
        new.__traceback__ = exc.__traceback__
        raise StrategyError("<module>", run.current_dt, run._user_traceback(new), new) from exc
    except ModuleNotFoundError as exc:
        new = libs.missing_module_error(exc)
        raise StrategyError("<module>", run.current_dt, run._user_traceback(new), new) from exc
    except Exception as exc:
        raise StrategyError("<module>", run.current_dt, run._user_traceback(exc), exc) from exc
    return ns
