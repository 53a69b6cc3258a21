"""Run a sweep's tasks on Dask's distributed scheduler and stream the results into one folder.

Results folder (``--out``)::

    sweep.json                  what was swept (strategy, data, grid, windows, seeds, task ids)
    results.parquet             one row per finished task: task_id, status, parameters, window,
                                start, end, seed, scalar metrics, wall_s (task on the worker),
                                run_s (the backtest), cpu_s (CPU seconds of the worker process
                                during the task), store_s (opening the store; its bars are
                                read by a worker's first task only), worker, error
    tasks/<task_id>/result.json the same row; written when the task's result arrives -- the
                                record of completion that ``--resume`` reads
    tasks/<task_id>/run/        the task's run folder (daily, orders, trades, metrics, log, ...)
    tasks/<task_id>/storage/    the task's write_file/read_file folder (empty at start)
    sweep.html                  heat map of a metric over the parameters, best runs' curves

Execution
---------
* ``workers=0``: in this process, one task after another (debugging, the benchmark's
  sequential baseline).
* default: a :class:`distributed.LocalCluster` on 127.0.0.1 with ``workers`` processes (CPU
  count by default) of one thread each; Dask's nanny starts them with ``OMP_NUM_THREADS`` /
  ``MKL_NUM_THREADS`` / ``OPENBLAS_NUM_THREADS`` = 1 and every run pins its OpenMP/BLAS pools
  to one thread through :class:`jqlite.determinism.Reproducible` (``threads=1``).
* ``scheduler="tcp://host:8786"``: an existing cluster; its workers must import the same
  jqlite and see the store and the results folder at the same paths (a shared file system).

A worker opens the store once (:func:`jqlite.data.store.open_store` caches it per process,
read-only: no run writes to it) and reuses it for every task it gets.

Nothing lost
------------
* a task whose strategy raises, or whose run cannot start, is recorded with status
  ``error`` and its traceback; the others go on;
* a worker process that dies has its tasks rescheduled by Dask on another worker (up to
  ``distributed.scheduler.allowed-failures`` times, then the task is recorded as an error);
  a rescheduled task starts from an empty task folder, so its result is the same;
* every result is on disk (``result.json``, then ``results.parquet`` rewritten atomically) as
  soon as it arrives: Ctrl-C cancels what is left and leaves a readable folder, and
  ``resume=True`` runs only tasks without an ``ok`` result (failed ones are run again).
"""

from __future__ import annotations

import json
import math
import os
import shutil
import socket
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

import pandas as pd

from ..errors import ConfigError
from .tasks import SweepTask

__all__ = ["SweepOutcome", "load_results", "run_sweep", "run_task"]

RESULTS = "results.parquet"


def _scalar_metrics(metrics: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for k, v in metrics.items():
        if k == "config":
            continue
        if isinstance(v, bool) or v is None or isinstance(v, (int, float)):
            out[k] = None if (isinstance(v, float) and not math.isfinite(v)) else v
    return out


def _worker_name() -> str:
    try:
        from distributed import get_worker
        return str(get_worker().address)
    except (ImportError, ValueError):
        return f"local:{socket.gethostname()}:{os.getpid()}"


def run_task(task: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """Run one sweep task (on a worker) and return its results row.

    Parameters
    ----------
    task : dict
        :meth:`SweepTask.describe` plus ``source``.
    spec : dict
        ``strategy`` (path), ``data`` (store folder), ``out`` (results folder), ``cash``,
        ``benchmark``, ``data_version`` (optional: the store version the sweep expects).

    Returns
    -------
    dict
        ``task_id``, ``status`` ('ok' or 'error'), ``error`` (traceback text or None),
        ``metrics`` (scalar metrics), ``wall_s``/``run_s``/``store_s`` (seconds), ``worker``,
        ``run_dir``.  Never raises for a strategy or data error: it is in the row.
    """
    from .. import run_backtest
    from ..data.store import open_store
    from .isolation import private_random

    t0, c0 = time.perf_counter(), time.process_time()
    folder = Path(spec["out"]) / "tasks" / task["task_id"]
    row: dict[str, Any] = {"task_id": task["task_id"], "status": "error", "error": None, "metrics": {},
                           "worker": _worker_name(), "run_dir": str(folder / "run"), "store_s": 0.0, "run_s": 0.0}
    try:
        store = open_store(spec["data"])
        if spec.get("data_version") and store.version != spec["data_version"]:
            raise RuntimeError(f"store {spec['data']} on {socket.gethostname()} has content version "
                               f"{store.version}, the sweep was planned on {spec['data_version']}: "
                               f"copy the same store to every machine")
        store.field("close")   # the bars load once per worker process; counted in store_s
        t1 = time.perf_counter()
        row["store_s"] = t1 - t0
        # a task rescheduled after its worker died starts clean
        if folder.exists():
            shutil.rmtree(folder)
        (folder / "storage").mkdir(parents=True)
        with private_random():   # the worker's threads draw from random.* too (see .isolation)
            res = run_backtest(spec["strategy"], task["start"], task["end"], spec["cash"],
                               benchmark=spec.get("benchmark"), store=store, out=folder / "run", seed=task["seed"],
                               threads=1, storage=folder / "storage", source=task["source"], raise_errors=False,
                               catch_signals=False)   # Ctrl-C stops the sweep; the task stays not done
        if getattr(res, "interrupted", None):   # Ctrl-C inside the run: stop the sweep, not a result
            raise KeyboardInterrupt
        row["run_s"] = time.perf_counter() - t1
        row["metrics"] = _scalar_metrics(res.metrics)
        if res.error is None:
            row["status"] = "ok"
        else:
            row["error"] = f"{res.run.error.callback}() at {res.run.error.dt}:\n{res.error}"
    except Exception:   # a run that cannot start (bad window, data error): recorded, not raised
        row["error"] = traceback.format_exc()
    row["wall_s"] = time.perf_counter() - t0
    row["cpu_s"] = time.process_time() - c0   # CPU of the whole worker process meanwhile
    return row


@dataclass
class SweepOutcome:
    """What :func:`run_sweep` did.

    Attributes
    ----------
    out : Path
        Results folder.
    results : pandas.DataFrame
        ``results.parquet`` as written (all finished tasks, this run's and earlier ones).
    ran, skipped, failed : int
        Tasks run now, skipped as already complete (``resume``), recorded as errors now.
    wall_s : float
        Seconds from start to the last result (cluster start included).
    startup_s : float
        Seconds to start (or connect to) the cluster.
    interrupted : bool
        Ctrl-C stopped the sweep (completed results are on disk).
    """

    out: Path
    results: pd.DataFrame
    ran: int
    skipped: int
    failed: int
    wall_s: float
    startup_s: float = 0.0
    interrupted: bool = False
    html: Path | None = None
    rows: list[dict[str, Any]] = field(default_factory=list, repr=False)


def _write_json(path: Path, obj: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)


def _read_result(out: Path, task_id: str) -> dict[str, Any] | None:
    p = out / "tasks" / task_id / "result.json"
    if not p.exists():
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except ValueError:   # torn write of an interrupted sweep: not complete
        return None


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    row = {"task_id": record["task_id"], "status": record["status"]}
    for k, v in record["params"].items():
        row[k] = v
    row.update({"window": record["window"], "start": record["start"], "end": record["end"], "seed": record["seed"]})
    row.update(record.get("metrics") or {})
    for k in ("wall_s", "run_s", "store_s", "cpu_s", "worker", "finished_at", "run_dir", "error"):
        row[k] = record.get(k)
    return row


def results_frame(records: Sequence[dict[str, Any]], order: Sequence[str]) -> pd.DataFrame:
    """One row per task record, in task order (``order`` = task ids)."""
    pos = {t: i for i, t in enumerate(order)}
    recs = sorted(records, key=lambda r: pos.get(r["task_id"], len(pos)))
    df = pd.DataFrame([_flat(r) for r in recs])
    for c in df.columns:   # parquet needs one type per column: mixed parameter values -> text
        if df[c].dtype == object:
            kinds = {type(v) for v in df[c] if v is not None}
            if len(kinds) > 1 or kinds & {list, dict, tuple}:
                df[c] = [None if v is None else json.dumps(v, default=str) if isinstance(v, (list, dict, tuple))
                         else str(v) for v in df[c]]
    return df


def _write_results(out: Path, records: dict[str, dict], order: Sequence[str]) -> pd.DataFrame:
    df = results_frame(list(records.values()), order)
    tmp = out / (RESULTS + ".tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, out / RESULTS)
    return df


def load_results(out: str | Path) -> pd.DataFrame:
    """Read a sweep folder's results from its ``tasks/*/result.json`` records (a superset of
    ``results.parquet`` when a sweep stopped between the two writes), limited to the tasks of
    its ``sweep.json`` (a resumed sweep with another grid leaves other tasks' folders behind).

    Returns
    -------
    pandas.DataFrame
        The columns of results.parquet; empty when nothing finished.
    """
    out = Path(out)
    meta = json.loads((out / "sweep.json").read_text(encoding="utf-8")) if (out / "sweep.json").exists() else {}
    order = meta.get("task_ids", [])
    wanted = set(order)
    records = {}
    for p in sorted((out / "tasks").glob("*/result.json")):
        try:
            r = json.loads(p.read_text(encoding="utf-8"))
        except ValueError:
            continue
        if not order or r["task_id"] in wanted:
            records[r["task_id"]] = r
    return results_frame(list(records.values()), order) if records else pd.DataFrame()


#: Dask settings of the local workers.  A worker samples its task thread's Python stack every
#: 10 ms (statistical profiler) and polls its memory every 100 ms; both take the GIL from the
#: backtest, which is pure-Python-heavy (pandas).  On a machine whose cores are busy, each GIL
#: hand-back waits for a time slice, and the 16-task benchmark ran 3-4 x slower per task on the
#: workers than in one process.  Off / slower, a worker runs a task at in-process speed.
#: For ``dask worker`` on other machines: ``DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED=False``
#: (see docs/scaling.md).
WORKER_CONFIG = {"distributed.worker.profile.enabled": False,
                 "distributed.worker.memory.monitor-interval": "1s",
                 "distributed.admin.system-monitor.gil.enabled": False}


def _start_client(workers: int | None, scheduler: str | None):
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        client = Client(scheduler, timeout="30s")
        return client, None
    n = workers or max(1, os.cpu_count() or 1)
    with dask.config.set(WORKER_CONFIG):
        cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address=None, silence_logs=40)
    return Client(cluster), cluster


def run_sweep(strategy: str | os.PathLike, tasks: Sequence[SweepTask], out: str | os.PathLike, *,
              data: str | os.PathLike, cash: float = 100000.0, benchmark: str | None = None,
              data_version: str | None = None,
              workers: int | None = None, scheduler: str | None = None, resume: bool = False,
              meta: dict[str, Any] | None = None,
              on_result: Callable[[dict[str, Any], int, int], None] | None = None,
              write_every_s: float = 1.0) -> SweepOutcome:
    """Run ``tasks`` and stream their results into ``out`` (layout in the module docstring).

    Parameters
    ----------
    strategy : path
        The strategy file (its name and path appear in run folders and tracebacks).
    tasks : sequence of SweepTask
        From :func:`jqlite.sweep.tasks.build_tasks`.
    out : path
        Results folder.
    data : path
        Store folder, readable by every worker at this path.
    data_version : str, optional
        The store's content version the tasks were built for; a worker whose store at
        ``data`` has another version records the task as an error instead of running it.
    cash, benchmark :
        As in :func:`jqlite.run_backtest`.
    workers : int, optional
        Local worker processes (default CPU count); 0 runs in this process, one by one.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``); ``workers`` is ignored.
    resume : bool
        Skip tasks that already have an ``ok`` result in ``out``.  Without it, a folder that
        holds results is refused.
    meta : dict, optional
        Extra description written to ``sweep.json`` (grid, windows, seeds, ...).
    on_result : callable, optional
        ``on_result(record, done, total)`` after each result is on disk.
    write_every_s : float
        Rewrite results.parquet at most this often while running (always at the end).

    Returns
    -------
    SweepOutcome

    Raises
    ------
    ConfigError
        ``out`` already holds results and ``resume`` is False.
    KeyboardInterrupt
        Never: Ctrl-C returns an outcome with ``interrupted=True`` after the results are written.
    """
    t_start = time.perf_counter()
    out = Path(out)
    order = [t.task_id for t in tasks]
    existing = {}
    if (out / "tasks").is_dir():
        for p in (out / "tasks").glob("*/result.json"):
            try:
                r = json.loads(p.read_text(encoding="utf-8"))
                existing[r["task_id"]] = r
            except ValueError:
                pass
    if existing and not resume:
        raise ConfigError(f"{out} already holds the results of {len(existing)} task(s); pass --resume to "
                          f"run only the missing ones, or choose another --out")
    out.mkdir(parents=True, exist_ok=True)
    spec = {"strategy": str(Path(strategy).resolve()), "data": str(Path(data).resolve()), "out": str(out.resolve()),
            "cash": float(cash), "benchmark": benchmark, "data_version": data_version}
    _write_json(out / "sweep.json", {**(meta or {}), **spec, "task_ids": order,
                                     "tasks": [t.describe() for t in tasks]})
    in_sweep = set(order)
    records: dict[str, dict] = {tid: r for tid, r in existing.items() if tid in in_sweep}
    done_ok = {tid for tid, r in records.items() if r.get("status") == "ok"}
    pending = [t for t in tasks if t.task_id not in done_ok]
    skipped = len(tasks) - len(pending)
    ran = failed = 0
    interrupted = False
    last_write = [0.0]
    startup = 0.0

    def accept(row: dict[str, Any], task: SweepTask) -> None:
        nonlocal ran, failed
        rec = {**task.describe(), **row, "finished_at": pd.Timestamp.now(tz="UTC").isoformat()}
        folder = out / "tasks" / task.task_id
        folder.mkdir(parents=True, exist_ok=True)
        _write_json(folder / "result.json", rec)
        records[task.task_id] = rec
        ran += 1
        failed += rec["status"] != "ok"
        now = time.perf_counter()
        if now - last_write[0] >= write_every_s:
            _write_results(out, records, order)
            last_write[0] = time.perf_counter()
        if on_result is not None:
            on_result(rec, skipped + ran, len(tasks))

    client = cluster = None
    try:
        if not pending:
            pass
        elif workers == 0 and not scheduler:
            for t in pending:
                accept(run_task({**t.describe(), "source": t.source}, spec), t)
        else:
            from distributed import as_completed

            t0 = time.perf_counter()
            client, cluster = _start_client(workers, scheduler)
            startup = time.perf_counter() - t0
            by_key = {}
            futures = []
            for t in pending:
                f = client.submit(run_task, {**t.describe(), "source": t.source}, spec,
                                  key=f"jqlite-sweep-{t.task_id}", pure=False)
                by_key[f.key] = t
                futures.append(f)
            for f in as_completed(futures):
                t = by_key[f.key]
                try:
                    row = f.result()
                except Exception as exc:   # KilledWorker after repeated deaths, lost scheduler...
                    row = {"task_id": t.task_id, "status": "error", "metrics": {}, "worker": None,
                           "error": "".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
                           "run_dir": str(out / "tasks" / t.task_id / "run"), "wall_s": None,
                           "run_s": None, "store_s": None}
                accept(row, t)
                f.release()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if client is not None:
            try:
                client.close(timeout=10)
            except Exception:   # pragma: no cover - closing a broken connection
                pass
        if cluster is not None:
            try:
                cluster.close(timeout=10)
            except Exception:   # pragma: no cover
                pass
        df = _write_results(out, records, order) if records else pd.DataFrame()
    return SweepOutcome(out, df, ran, skipped, failed, time.perf_counter() - t_start, startup, interrupted,
                        rows=list(records.values()))
