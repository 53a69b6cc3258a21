"""Run many independent jobs (strategy files to check, corpus files to backtest) on the same
Dask executor as ``jqlite sweep``.

``jqlite check --workers/--scheduler`` and the compatibility corpus runner
(``benchmarks/compat/run.py --scheduler``) use :func:`map_unordered`: a local
:class:`distributed.LocalCluster` (one thread per worker process) or an existing cluster at
``tcp://host:8786`` whose workers see the same files at the same paths (shared file system, as
for sweeps: docs/scaling.md).  Results arrive in completion order; a job that raises comes back
as its exception (the others go on); a worker that dies has its jobs rescheduled by Dask.
"""

from __future__ import annotations

import sys
import uuid
from typing import Any, Callable, Iterable, Iterator

from .executor import _start_client

__all__ = ["SysPath", "map_unordered"]

try:  # the plugin base class exists in every supported distributed release
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPlugin
except ImportError:  # pragma: no cover - dask is an optional extra
    _WorkerPlugin = object


class SysPath(_WorkerPlugin):
    """Worker plugin that puts folders first on each worker's ``sys.path`` (also on workers
    that join later), so that a job function defined in a script folder (the corpus runner's
    ``benchmarks/compat``) is importable there.

    Parameters
    ----------
    paths : sequence of str
        Absolute folders, in the order they should be searched.
    """

    name = "jqlite-syspath"

    def __init__(self, paths: Iterable[str]):
        self.paths = [str(p) for p in paths]

    def setup(self, worker=None) -> None:  # noqa: D102 - WorkerPlugin API
        for p in reversed(self.paths):
            if p not in sys.path:
                sys.path.insert(0, p)


def map_unordered(fn: Callable[..., Any], items: Iterable[Any], *, workers: int | None = None,
                  scheduler: str | None = None, sys_path: Iterable[str] = (),
                  **kwargs: Any) -> Iterator[tuple[Any, Any, BaseException | None]]:
    """Call ``fn(item, **kwargs)`` for every item on Dask workers; yield as each finishes.

    Parameters
    ----------
    fn : callable
        A module-level function importable on the workers (pickled by reference).
    items : iterable
        One job each; must be picklable (paths as ``str``).
    workers : int, optional
        Local worker processes when ``scheduler`` is not given (default: CPU count);
        ``0`` runs the jobs in this process one after another (no Dask).
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``).
    sys_path : iterable of str
        Folders to put on each worker's ``sys.path`` first (:class:`SysPath`).
    **kwargs
        Passed to every call.

    Yields
    ------
    (item, result, error)
        ``result`` is None and ``error`` the exception when the job raised.

    Raises
    ------
    ImportError
        ``dask[distributed]`` is not installed (``pip install 'jqlite-engine[sweep]'``).
    """
    items = list(items)
    if workers == 0 and not scheduler:
        for it in items:
            try:
                yield it, fn(it, **kwargs), None
            except Exception as exc:  # one job's failure is its result
                yield it, None, exc
        return
    try:
        from distributed import as_completed
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ImportError("running on Dask needs the sweep extra: pip install 'jqlite-engine[sweep]'") from exc
    client, cluster = _start_client(workers, scheduler)
    try:
        paths = list(sys_path)
        if paths:
            plugin = SysPath(paths)
            if hasattr(client, "register_plugin"):
                client.register_plugin(plugin)
            else:  # pragma: no cover - distributed < 2023.9
                client.register_worker_plugin(plugin)
        futures = {}
        run_id = uuid.uuid4().hex[:8]   # keys unique on a shared, long-lived scheduler
        for i, it in enumerate(items):
            fut = client.submit(fn, it, pure=False, key=f"jqlite-job-{run_id}-{i}", **kwargs)
            futures[fut] = it
        for fut in as_completed(list(futures)):
            it = futures.pop(fut)
            try:
                yield it, fut.result(), None
            except Exception as exc:
                yield it, None, exc
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

