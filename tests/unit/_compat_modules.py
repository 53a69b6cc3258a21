"""Load the compatibility runner's modules (``benchmarks/compat/*.py``, not a package) for the
unit tests, once per test process."""

import importlib.util
import sys
from pathlib import Path

_ROOT = Path(__file__).resolve().parents[2]


def load_compat(name: str):
    """The module ``benchmarks/compat/<name>.py`` (cached in ``sys.modules`` as ``_compat_<name>``)."""
    key = f"_compat_{name}"
    if key in sys.modules:
        return sys.modules[key]
    spec = importlib.util.spec_from_file_location(key, _ROOT / "benchmarks" / "compat" / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[key] = mod
    spec.loader.exec_module(mod)
    return mod
