"""write_file / read_file in the strategy's storage folder, which they cannot escape (spec §6.7)."""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import ParamsError
from ._binding import run_or_none


def _root() -> Path:
    run = run_or_none()
    if run is not None:
        return run.storage
    from .research import research_storage
    return research_storage()


def _resolve(path: str, func: str) -> Path:
    root = _root().resolve()
    p = Path(str(path))
    if p.is_absolute():
        raise ParamsError(f"{func}(): path must be relative to the storage folder, was {path!r}")
    full = (root / p).resolve()
    if full != root and root not in full.parents:
        raise ParamsError(f"{func}(): path {path!r} escapes the storage folder {root}")
    return full


def write_file(path: str, content, append: bool = False) -> None:
    """Write ``content`` (str, encoded as UTF-8, or bytes) to ``path`` under the storage folder.

    Raises
    ------
    ParamsError
        When ``path`` is absolute or leaves the storage folder (``../x``).
    """
    full = _resolve(path, "write_file")
    full.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    with open(full, "ab" if append else "wb") as fh:
        fh.write(data)


def read_file(path: str) -> bytes:
    """Return the raw bytes of ``path`` under the storage folder.

    In a backtest the strategy's own folder is searched first, then the research folder
    (``~/.jqlite/storage/research``), as JoinQuant lets backtests read files written in its
    research environment (a research notebook trains, the strategy loads the model).

    Raises
    ------
    FileNotFoundError
        (an IOError, as on JoinQuant) naming the file when it does not exist.
    ParamsError
        When ``path`` leaves the storage folder.
    """
    full = _resolve(path, "read_file")
    if full.is_file():
        return full.read_bytes()
    searched = [str(_root())]
    if run_or_none() is not None:
        # On JoinQuant, files written in the research environment are visible to backtests:
        # a backtest reads its own folder first, then the research folder.
        from .research import research_storage
        rroot = research_storage().resolve()
        alt = (rroot / Path(str(path))).resolve()
        if rroot in alt.parents and alt.is_file():
            return alt.read_bytes()
        searched.append(str(rroot))
    raise FileNotFoundError(2, f"read_file(): no such file {path!r} in the storage folder(s) "
                               f"{' or '.join(searched)}", str(path))
