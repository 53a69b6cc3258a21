"""Shared fixtures: write a strategy source to a file and run it over a tiny store."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

REAL_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "real"


@pytest.fixture
def run_strategy(tmp_path):
    """``run_strategy(store, source, start, end, cash=100000, **kw)`` -> BacktestResult."""
    import jqlite

    counter = {"n": 0}

    def run(store, source, start, end, cash=100000.0, **kw):
        counter["n"] += 1
        f = tmp_path / f"strategy_{counter['n']}.py"
        f.write_text(textwrap.dedent(source))
        kw.setdefault("storage", tmp_path / "storage")
        return jqlite.run_backtest(f, start, end, cash, store=store, **kw)
    return run
