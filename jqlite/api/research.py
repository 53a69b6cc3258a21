"""Research mode: the data API outside a backtest (``import jqdata`` in a notebook).

The store is ``$JQLITE_DATA`` or the default sample store (generated on first use by
:func:`jqlite.data.ensure_default_store`); "today" is the store's last trading day.
``write_file``/``read_file`` use ``$JQLITE_STORAGE`` or ``~/.jqlite/storage/research``.
"""

from __future__ import annotations

import os
from pathlib import Path


def research_store():
    """The store research-mode calls read (generated if it is the missing default)."""
    from ..data import ensure_default_store
    return ensure_default_store()


def research_storage() -> Path:
    root = os.environ.get("JQLITE_STORAGE")
    base = Path(root).expanduser() if root else Path.home() / ".jqlite" / "storage"
    return base / "research"
