"""Strategy runtime: behaviours found on the compatibility corpus (issue 12) — the extras that
provide imported modules, Python 2 sources that are not valid Python 2 either, kuanke.wizard,
old library APIs restored for strategy code."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

#: import name -> distribution name, where they differ
_DIST = {"sklearn": "scikit-learn", "pylab": "matplotlib", "torch": "torch"}


def _extras() -> dict[str, list[str]]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return data["project"]["optional-dependencies"]


def test_every_module_extra_is_listed_in_that_extra():
    from jqlite.compat.libs import MODULE_EXTRAS
    extras = _extras()
    for module, extra in MODULE_EXTRAS.items():
        dists = {re.split(r"[<>=\[ ]", d, maxsplit=1)[0].lower() for d in extras[extra]}
        assert _DIST.get(module, module).lower() in dists, (module, extra)


def test_xlrd_comes_with_the_jq_extra():
    from jqlite.compat.libs import MODULE_EXTRAS
    assert MODULE_EXTRAS["xlrd"] == "jq"
