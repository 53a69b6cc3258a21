"""Fixtures shared by the unit tests that read the default sample market."""

import pytest


@pytest.fixture(scope="module")
def store():
    """The default sample store (generated on first use into ``$JQLITE_DATA``); a test module
    that defines its own ``store`` fixture (a small hand-made store) overrides this one."""
    from jqlite.data import ensure_default_store
    return ensure_default_store(progress=False)


@pytest.fixture
def research(store, monkeypatch):
    """Research mode on ``store``: ``jqdata`` calls read it, the data-gap ledger starts empty."""
    monkeypatch.setenv("JQLITE_DATA", str(store.path))
    from jqlite.api._gaps import reset_research_gaps
    reset_research_gaps()
    return store
