"""write_file / read_file in the strategy's storage folder, which they cannot escape (spec §6.7).

Look-ahead through storage (spec §10): a file written by a backtest at simulated time T and
read by a later run whose clock is before T carries information from the future (a model
trained through 2025 loaded on 2024-11-15).  Every ``write_file`` in a backtest therefore
records the simulated write time and the run id in ``<storage>/.jqlite-files.json``;
``read_file`` of a file last written by *another* run at a simulated time after
``context.current_dt`` logs a warning naming both times and, under
``set_option('avoid_future_data', True)``, raises :class:`~jqlite.errors.FutureDataError`.

Limits: files written in research (no simulated clock), copied in by hand, or written by
jqlite before this record existed carry no time and are not checked.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import tempfile
import uuid
import warnings
from pathlib import Path

from ..errors import FutureDataError, ParamsError, user_stacklevel
from ._binding import run_or_none

#: Per-storage-folder record of who wrote each file at which simulated time.
INDEX_NAME = ".jqlite-files.json"


def run_id(run) -> str:
    """A random id of ``run`` (made on first use), stored with each file it writes."""
    rid = getattr(run, "_storage_run_id", None)
    if rid is None:
        rid = uuid.uuid4().hex[:12]
        run._storage_run_id = rid
    return rid


def _load_index(root: Path) -> dict:
    try:
        data = json.loads((root / INDEX_NAME).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _record_write(root: Path, rel: str, run) -> None:
    idx = _load_index(root)
    idx[rel] = {"sim_dt": run.current_dt.isoformat(sep=" ", timespec="minutes"), "run_id": run_id(run),
                "strategy": Path(str(run.config.strategy)).name}
    fd, tmp = tempfile.mkstemp(prefix=".jqlite-files.", dir=root)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(idx, fh, ensure_ascii=False, indent=0, sort_keys=True)
    os.replace(tmp, root / INDEX_NAME)


def written_at(root: str | os.PathLike, rel: str) -> dict | None:
    """The record of the last backtest write of ``rel`` under ``root``: ``{"sim_dt":
    "YYYY-MM-DD HH:MM", "run_id": ..., "strategy": ...}``, or None."""
    return _load_index(Path(root)).get(str(Path(rel).as_posix()))


def _check_future(run, root: Path, rel: str) -> None:
    rec = written_at(root, rel)
    if not rec or rec.get("run_id") == run_id(run):
        return
    try:
        when = _dt.datetime.fromisoformat(rec["sim_dt"])
    except (KeyError, TypeError, ValueError):
        return
    now = run.current_dt
    if when <= now:
        return
    msg = (f"read_file({rel!r}): the file was last written by another run ({rec.get('strategy')}, "
           f"run {rec.get('run_id')}) at simulated time {when:%Y-%m-%d %H:%M}, after the current time "
           f"{now:%Y-%m-%d %H:%M}: reading it is look-ahead through storage")
    if run.settings.avoid_future_data:
        raise FutureDataError(msg)
    run.log.system_warning(msg)
    warnings.warn(msg, stacklevel=user_stacklevel())


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
    TypeError
        When ``content`` is neither str nor bytes-like (JoinQuant accepts str and bytes;
        ``bytes(5)`` would silently write five NUL bytes, ``bytes([1, 2])`` two raw bytes).
    ParamsError
        When ``path`` is absolute or leaves the storage folder (``../x``).
    """
    if isinstance(content, str):
        data = content.encode("utf-8")
    elif isinstance(content, (bytes, bytearray, memoryview)):
        data = bytes(content)
    else:
        raise TypeError(f"write_file(): content must be str or bytes, was {type(content).__name__} "
                        f"({content!r:.60}); use str(...) / json.dumps(...) / pickle.dumps(...)")
    full = _resolve(path, "write_file")
    full.parent.mkdir(parents=True, exist_ok=True)
    run = run_or_none()
    with open(full, "ab" if append else "wb") as fh:
        fh.write(data)
    if run is not None:
        root = _root().resolve()
        _record_write(root, full.relative_to(root).as_posix(), run)


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
    FutureDataError
        Under ``avoid_future_data``, when another backtest last wrote the file at a
        simulated time after ``context.current_dt`` (without the option: a warning).
    """
    full = _resolve(path, "read_file")
    if full.is_file():
        run = run_or_none()
        if run is not None:
            root = _root().resolve()
            _check_future(run, root, full.relative_to(root).as_posix())
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
