"""JoinQuant's preinstalled libraries inside a jqlite run.

JoinQuant strategy files import matplotlib, keras, tushare, sklearn, ... at module top, as
their platform had them installed.  Inside a run (:func:`install`, called when a strategy
is loaded):

* **matplotlib** uses the non-interactive Agg backend (``MPLBACKEND=Agg`` before import, or
  ``matplotlib.use('Agg')`` if already imported); ``plt.show()`` saves every open figure
  to ``<out>/figures/<date>_<n>.png`` and closes it instead of opening a window; figures
  still open when the run ends are saved the same way (:func:`finish`).  Without an output
  folder they are closed and the run log says so.
* **keras** runs Keras 3 on the PyTorch backend: ``KERAS_BACKEND=torch`` is set before
  keras is imported (TensorFlow is not installed).  This environment variable is the one
  change visible outside the run (it must exist before the import).
* **tushare** imports, but has no network here: its functions (and ``pro_api().query``)
  raise :class:`~jqlite.errors.DataError` saying so instead of a connection traceback.
* A module that is not installed fails with an error naming the module and the jqlite extra
  that provides it (:data:`MODULE_EXTRAS`), e.g. ``pip install 'jqlite-engine[ml]'``.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.util
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import DataError

if TYPE_CHECKING:  # pragma: no cover
    from ..run import Run

#: import name -> jqlite extra that installs it (pyproject.toml ``[project.optional-dependencies]``).
MODULE_EXTRAS = {
    "sklearn": "ml", "lightgbm": "ml", "xgboost": "ml", "statsmodels": "ml", "tqdm": "ml",
    "networkx": "ml",
    "matplotlib": "jq", "pylab": "jq", "seaborn": "jq", "pykalman": "jq", "cvxpy": "jq",
    "tushare": "jq", "keras": "jq", "xlrd": "jq",
    "torch": "dl",
}

#: Modules JoinQuant had that jqlite does not provide, with what to do instead.
NOT_PROVIDED = {
    "tensorflow": "jqlite has no TensorFlow; Keras strategies run on Keras 3 with the PyTorch "
                  "backend (pip install 'jqlite-engine[jq]'); code calling tf.* directly must be ported",
}


def missing_module_error(exc: ModuleNotFoundError) -> ModuleNotFoundError:
    """A ModuleNotFoundError whose message names the jqlite extra providing the module.

    Parameters
    ----------
    exc : ModuleNotFoundError
        The original error (``exc.name`` is the module).
    """
    full = exc.name or ""
    name = full.split(".")[0]
    if full != name and importlib.util.find_spec(name) is not None:
        # the package exists, a submodule does not (kuanke.wizard, sklearn.cross_validation)
        new = ModuleNotFoundError(f"No module named '{full}': the package '{name}' is installed "
                                  f"but has no module '{full[len(name) + 1:]}' (jqlite does not "
                                  f"provide it)", name=full)
        new.__traceback__ = exc.__traceback__
        return new
    extra = MODULE_EXTRAS.get(name)
    if extra:
        msg = (f"No module named '{name}': JoinQuant preinstalls it; install it with "
               f"pip install 'jqlite-engine[{extra}]'")
    elif name in NOT_PROVIDED:
        msg = f"No module named '{name}': {NOT_PROVIDED[name]}"
    else:
        msg = (f"No module named '{name}': not installed, and not one of the libraries jqlite's "
               f"extras provide (pip install 'jqlite-engine[jq]' gives JoinQuant's usual set); "
               f"install it with pip if the strategy needs it")
    new = ModuleNotFoundError(msg, name=exc.name)
    new.__traceback__ = exc.__traceback__
    return new


# ---------------------------------------------------------------------------- Python 2 modules

#: Python 2 standard-library module names -> their Python 3 modules.  Files that otherwise
#: compile as Python 3 still ``import cPickle`` (JoinQuant's Python 2 era); fissix renames
#: these only in files it converts.
PY2_MODULES = {
    "cPickle": "pickle", "cStringIO": "io", "StringIO": "io", "Queue": "queue",
    "ConfigParser": "configparser", "urllib2": "urllib.request", "urlparse": "urllib.parse",
    "httplib": "http.client", "HTMLParser": "html.parser", "cookielib": "http.cookiejar",
    "__builtin__": "builtins", "copy_reg": "copyreg", "commands": "subprocess",
    # scikit-learn < 0.20 module names (model selection moved to sklearn.model_selection)
    "sklearn.cross_validation": "sklearn.model_selection",
    "sklearn.grid_search": "sklearn.model_selection",
    "sklearn.learning_curve": "sklearn.model_selection",
}


class _Py2Alias(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Import ``cPickle`` & co. as their Python 3 modules (names Python 3 does not have)."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname in PY2_MODULES:
            return importlib.util.spec_from_loader(fullname, self)
        return None

    def create_module(self, spec):
        return importlib.import_module(PY2_MODULES[spec.name])

    def exec_module(self, module):
        pass


def _install_py2_aliases() -> None:
    if not any(isinstance(f, _Py2Alias) for f in sys.meta_path):
        sys.meta_path.append(_Py2Alias())   # last: a real module of that name wins


# ---------------------------------------------------------------------------- matplotlib

def _figure_dir(run: "Run") -> Path | None:
    out = run.config.out
    return Path(out) / "figures" if out else None


def save_open_figures(run: "Run") -> list[Path]:
    """Save every open matplotlib figure to ``<out>/figures/<YYYY-MM-DD>_<n>.png``, close
    them, and return the paths (none without an output folder: the run log says so)."""
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is None:
        return []
    nums = plt.get_fignums()
    if not nums:
        return []
    folder = _figure_dir(run)
    saved: list[Path] = []
    if folder is None:
        plt.close("all")
        run.log.system_info(f"{len(nums)} matplotlib figure(s) closed unsaved: the run has no "
                            "output folder (--out)")
        return saved
    folder.mkdir(parents=True, exist_ok=True)
    count = run.__dict__.setdefault("_figure_count", [0])
    for n in nums:
        count[0] += 1
        p = folder / f"{run.current_dt:%Y-%m-%d}_{count[0]}.png"
        plt.figure(n).savefig(p)
        saved.append(p)
    plt.close("all")
    run.log.system_info(f"matplotlib: saved {', '.join(str(p.name) for p in saved)} to {folder}")
    return saved


def _patch_pyplot() -> None:
    import matplotlib
    if matplotlib.get_backend().lower() != "agg":
        matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    if getattr(plt.show, "_jqlite", False):
        return

    @functools.wraps(plt.show)
    def show(*args, **kwargs):
        """jqlite: save the open figures to the run folder (no window); outside a run, close them."""
        from ..api._binding import run_or_none
        run = run_or_none()
        if run is not None:
            save_open_figures(run)

    show._jqlite = True  # type: ignore[attr-defined]
    plt.show = show


# ---------------------------------------------------------------------------- tushare

_NET_ERRORS: tuple[type[BaseException], ...] = (OSError,)


def _offline(name: str, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except _NET_ERRORS as exc:
            raise DataError(f"tushare.{name}() needs the network (tushare's servers); jqlite runs "
                            f"offline — load such data with jqlite's importers instead "
                            f"({type(exc).__name__}: {exc})") from exc
    wrapper._jqlite = True  # type: ignore[attr-defined]
    return wrapper


def _patch_tushare() -> None:
    global _NET_ERRORS
    import tushare
    if getattr(tushare, "_jqlite_offline", False):
        return
    errs: list[type[BaseException]] = [OSError]
    try:
        import requests
        errs.append(requests.exceptions.RequestException)
    except ImportError:  # pragma: no cover
        pass
    _NET_ERRORS = tuple(errs)
    for name in dir(tushare):
        obj = getattr(tushare, name)
        if not name.startswith("_") and callable(obj) and not isinstance(obj, type) \
                and getattr(obj, "__module__", "").startswith("tushare"):
            setattr(tushare, name, _offline(name, obj))
    try:
        from tushare.pro import client
        client.DataApi.query = _offline("pro_api().query", client.DataApi.query)
    except (ImportError, AttributeError):  # pragma: no cover
        pass
    tushare._jqlite_offline = True


# ---------------------------------------------------------------------------- entry points

#: scikit-learn names removed since JoinQuant's version that jqlite.compat.legacy restores
_SKLEARN_REMOVED = ("Imputer",)

def install(run: "Run", source: str = "") -> None:
    """Prepare JoinQuant's libraries for a run of ``source`` (the strategy text).

    Sets ``MPLBACKEND=Agg`` and ``KERAS_BACKEND=torch`` when unset (before any import), and
    patches ``pyplot.show`` / tushare when the strategy mentions them (importing them only
    then: tushare takes seconds to import).
    """
    os.environ.setdefault("MPLBACKEND", "Agg")
    _install_py2_aliases()
    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "torch")
    if any(k in source for k in ("matplotlib", "pylab", "seaborn")) or "matplotlib" in sys.modules:
        try:
            _patch_pyplot()
        except ImportError:
            pass
    if "sklearn" in source and (any(n in source for n in _SKLEARN_REMOVED)
                                or re.search(r"max_features\s*=\s*['\"]auto", source)):
        from .legacy import install_sklearn
        install_sklearn()
    if "tushare" in source or "tushare" in sys.modules:
        try:
            _patch_tushare()
        except ImportError:
            pass


def finish(run: "Run") -> None:
    """End of run: save figures the strategy left open."""
    if "matplotlib.pyplot" in sys.modules:
        save_open_figures(run)
