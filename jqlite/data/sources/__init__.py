"""Source adapters for ``jqlite data pull`` / ``jqlite data update`` (issue 16).

One module per source, each mapping its client library's return values into jqlite's raw-bar
form; the pull engine (:mod:`jqlite.data.pull`) does batching, retries, quota, resume and the
atomic write.  Install a source's library with its extra, e.g.
``pip install 'jqlite-engine[baostock]'``.

Verified only against recorded responses: no test here reaches a real service (the build
machines have no network); ``tests/unit/test_pull_sources.py`` drives every adapter with
doubles shaped as the libraries' source code returns them, and
``tests/integration/test_pull_network.py`` is the opt-in real-network smoke test.
"""

from __future__ import annotations

from .base import CredentialError, QuotaExhausted, Source, SourceError, TransientError

SOURCES = ("baostock", "tushare", "akshare", "jqdatasdk")


def source_class(name: str) -> type[Source]:
    """The adapter class of ``name`` (one of :data:`SOURCES`).

    Raises
    ------
    SourceError
        Unknown name.
    """
    if name == "baostock":
        from .baostock import BaostockSource as cls
    elif name == "tushare":
        from .tushare import TushareSource as cls
    elif name == "akshare":
        from .akshare import AkshareSource as cls
    elif name == "jqdatasdk":
        from .jqdatasdk import JqdatasdkSource as cls
    else:
        raise SourceError(f"unknown source {name!r} (one of {', '.join(SOURCES)})")
    return cls


__all__ = ["SOURCES", "source_class", "Source", "SourceError", "CredentialError", "QuotaExhausted",
           "TransientError"]
