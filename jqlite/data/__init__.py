"""Data stores: schema, writer/validator, reader, calendar, sample market and importers."""

from __future__ import annotations

import os
import sys

from .store import Store, default_store_path, open_store


def ensure_default_store(progress: bool = True) -> Store:
    """Open the default store, generating the sample market first when it is missing and
    ``$JQLITE_DATA`` is not set (the first run of ``jqlite backtest`` does this)."""
    path = default_store_path()
    if not os.environ.get("JQLITE_DATA") and _stale_sample(path):
        from .sample import generate_sample_market
        what = "first use" if not (path / "meta.json").exists() else "written by an older jqlite"
        print(f"jqlite: generating the sample market into {path} ({what}, about a minute) ...",
              file=sys.stderr)
        generate_sample_market(path, progress=(lambda m: print(f"  {m}", file=sys.stderr)) if progress else None,
                               post_write=add_sample_fundamentals)
    return open_store(path)


def _stale_sample(path) -> bool:
    """True when ``path`` holds no store, or a sample store from an older generator (the
    default cache is re-generated then; a store imported from real data never is)."""
    import json
    meta = path / "meta.json"
    if not meta.exists():
        return True
    try:
        name = json.loads(meta.read_text()).get("name")
    except ValueError:
        return False
    if name != "sample":
        return False
    from .sample import sample_is_current
    return not sample_is_current(path)


def add_sample_fundamentals(path) -> None:
    """Generate the sample market's point-in-time fundamentals into the store at ``path``."""
    from .fundamentals import write_fundamentals
    from .sample_fundamentals import generate_sample_fundamentals
    from .store import Store

    write_fundamentals(path, generate_sample_fundamentals(Store(path)))
