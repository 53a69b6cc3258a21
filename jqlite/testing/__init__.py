"""Helpers for testing strategies and jqlite itself: tiny in-memory markets, a strategy
harness and a pytest plugin (fixtures ``jq_market``, ``jq_tiny_store``, ``jq_sample_market``).

See ``docs/testing.md``.  Names are imported lazily, so loading the pytest plugin stays cheap.
"""

from __future__ import annotations

import importlib

_NAMES = {
    "limit_ratio": "builders", "make_bars": "builders", "make_minute_bars": "builders", "tiny_market": "builders", "tiny_store": "builders",
    "tree_digest": "builders",
    "MISSING": "harness", "ScheduledTask": "harness", "StrategyHarness": "harness",
    "assert_not_ordered": "harness", "assert_ordered": "harness", "load_strategy": "harness",
    "resolve_market": "harness", "run_backtest": "harness", "sample_market": "harness",
}

__all__ = sorted(_NAMES)


def __getattr__(name: str):
    mod = _NAMES.get(name)
    if mod is None:
        raise AttributeError(f"module 'jqlite.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{mod}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_NAMES))
