"""pytest plugin registered by the ``jqlite`` entry point: fixtures for strategy tests.

Fixtures
--------
jq_market
    Factory building a tiny market from a few lines (:func:`jqlite.testing.tiny_market`).
jq_tiny_store
    Factory building a store with :func:`jqlite.testing.tiny_store`.
jq_sample_market
    The bundled sample market (session-scoped; generated once, ~20 s, then cached).

After every test the plugin deactivates the harnesses the test created
(:func:`jqlite.testing.load_strategy`), so no run stays bound to ``g``/``log``/the order
functions in the next test.
"""

from __future__ import annotations

import sys

import pytest


@pytest.fixture(autouse=True)
def _jqlite_harness_isolation():
    """Restore the active run (none, normally) after each test, and forget the research-mode
    data gaps (so each test sees its own first-time gap warnings)."""
    from ..api._binding import _ACTIVE
    from ..api._gaps import reset_research_gaps

    before = _ACTIVE.get()
    yield
    harness = sys.modules.get("jqlite.testing.harness")
    if harness is not None:
        harness._close_all()
    if _ACTIVE.get() is not before:
        _ACTIVE.set(before)
    reset_research_gaps()


@pytest.fixture
def jq_tiny_store(tmp_path):
    """Factory: ``jq_tiny_store({'600000.XSHG': [10, 10.5, ...]}, start='2024-01-02')``
    builds a store in a temporary folder and returns it (see :func:`jqlite.testing.tiny_store`)."""
    from .builders import tiny_store

    def make(closes, start="2024-01-02", **kw):
        return tiny_store(tmp_path / f"store{len(list(tmp_path.iterdir()))}", closes, start=start, **kw)
    return make


@pytest.fixture
def jq_market(tmp_path_factory):
    """Factory: ``jq_market({'600000.XSHG': [10, 10.5, 11], ...}, start='2024-03-01',
    paused=..., st=..., limit_up=..., index_members=..., valuation=...)`` builds a tiny market
    in a temporary folder and returns the Store (see :func:`jqlite.testing.tiny_market`)."""
    from .builders import tiny_market

    def make(bars, start="2024-01-02", **kw):
        return tiny_market(tmp_path_factory.mktemp("jq_market") / "store", bars, start=start, **kw)
    return make


@pytest.fixture(scope="session")
def jq_sample_market():
    """The bundled sample market as a Store (see :func:`jqlite.testing.sample_market`)."""
    from .harness import sample_market

    return sample_market()
