"""pytest plugin registered by the ``jqlite`` entry point: fixtures for strategy tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def jq_tiny_store(tmp_path):
    """Factory: ``jq_tiny_store({'600000.XSHG': [10, 10.5, ...]}, start='2024-01-02')``
    builds a store in a temporary folder and returns it (see :func:`jqlite.testing.tiny_store`)."""
    from .builders import tiny_store

    def make(closes, start="2024-01-02", **kw):
        return tiny_store(tmp_path / f"store{len(list(tmp_path.iterdir()))}", closes, start=start, **kw)
    return make
