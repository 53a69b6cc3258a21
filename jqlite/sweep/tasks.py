"""The tasks of a sweep: grid points x windows x seeds, each with a stable id.

A task is fully described by its parameters, its window, its seed and what it runs (the
overridden source text, the store's content version, cash, benchmark).  Its id is a hash of
exactly that, so

* the same task gets the same id in every sweep (``--resume`` finds it again, whatever the
  order of the grid), and a changed strategy file or store gives new ids (nothing stale is
  skipped);
* a task's result depends on nothing else: the run's seed is the task's ``seed`` (``--seed``,
  or each value of ``--seeds``), never a worker's state or the order tasks run in, and the
  run uses one OpenMP/BLAS thread (:mod:`jqlite.determinism`), so
  ``jqlite backtest FILE --seed S --threads 1`` with the same parameters reproduces it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import pandas as pd

__all__ = ["SweepTask", "build_tasks", "load_grid", "parse_param", "parse_seeds", "parse_windows"]


@dataclass
class SweepTask:
    """One backtest of a sweep.

    Attributes
    ----------
    task_id : str
        16 hex digits of the SHA-256 of the task's definition (see module docstring).
    params : dict
        Parameter name -> value (as given: ``hold_num`` or ``g.hold_num``).
    start, end : str
        Window, ``YYYY-MM-DD`` inclusive.
    window : int
        Index of the window (0 when there is one).
    seed : int
        The run's seed.
    source : str
        Strategy source with the parameters applied.
    """

    task_id: str
    params: dict[str, Any]
    start: str
    end: str
    window: int
    seed: int
    source: str = field(repr=False)

    def describe(self) -> dict[str, Any]:
        """The task without its source (what results.parquet and result.json record)."""
        d = asdict(self)
        d.pop("source")
        return d


def parse_param(text: str) -> tuple[str, list[Any]]:
    """``name=v1,v2,...`` -> (name, [values]) (values parsed by :func:`parse_value`).

    A value containing a comma must come from ``--grid``; brackets are not split inside
    (``w=[1,2],[3,4]`` gives two lists).

    Raises
    ------
    ValueError
        No ``=`` or no value.
    """
    from .params import parse_value

    if "=" not in text:
        raise ValueError(f"--param {text!r}: expected name=value1,value2,...")
    name, _, rest = text.partition("=")
    parts, depth, cur = [], 0, ""
    for ch in rest:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    values = [parse_value(p) for p in parts if p.strip()]
    if not name.strip() or not values:
        raise ValueError(f"--param {text!r}: expected name=value1,value2,...")
    return name.strip(), values


def load_grid(path: str | Path) -> dict[str, list[Any]]:
    """Read a YAML grid: a mapping ``name: [values]`` (a scalar is one value).

    Raises
    ------
    ValueError
        The file is not a mapping of names to values/lists (names the file).
    """
    import yaml

    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or not data:
        raise ValueError(f"{path}: a grid file is a mapping 'name: [value, ...]'")
    out = {}
    for k, v in data.items():
        vals = list(v) if isinstance(v, list) else [v]
        if not vals:
            raise ValueError(f"{path}: parameter {k!r} has no values")
        out[str(k)] = vals
    return out


_STEP = re.compile(r"^(\d+)\s*([ymwd])$")


def parse_windows(text: str) -> list[tuple[str, str]]:
    """``START:END/STEP`` -> consecutive windows ``[(start, end), ...]``.

    ``STEP`` is ``Ny`` (years), ``Nm`` (months), ``Nw`` (weeks) or ``Nd`` (calendar days);
    each window starts the day after the previous one ends, the last one is cut at ``END``.
    ``2016-01-01:2018-12-31/1y`` gives 2016, 2017 and 2018.  Without ``/STEP`` one window.

    Raises
    ------
    ValueError
        Malformed text or END before START.
    """
    m = re.match(r"^\s*(\d{4}-\d{2}-\d{2})\s*:\s*(\d{4}-\d{2}-\d{2})\s*(?:/\s*(\S+))?\s*$", text)
    if not m:
        raise ValueError(f"--windows {text!r}: expected START:END/STEP, e.g. 2016-01-01:2024-12-31/1y")
    a, b = pd.Timestamp(m.group(1)), pd.Timestamp(m.group(2))
    if b < a:
        raise ValueError(f"--windows {text!r}: END before START")
    if not m.group(3):
        return [(a.strftime("%Y-%m-%d"), b.strftime("%Y-%m-%d"))]
    s = _STEP.match(m.group(3))
    if not s or int(s.group(1)) <= 0:
        raise ValueError(f"--windows {text!r}: STEP must be Ny, Nm, Nw or Nd with N > 0")
    n, unit = int(s.group(1)), s.group(2)
    off = {"y": pd.DateOffset(years=n), "m": pd.DateOffset(months=n), "w": pd.DateOffset(weeks=n),
           "d": pd.DateOffset(days=n)}[unit]
    out, cur = [], a
    while cur <= b:
        nxt = cur + off
        out.append((cur.strftime("%Y-%m-%d"), min(nxt - pd.Timedelta(1, unit="D"), b).strftime("%Y-%m-%d")))
        cur = nxt
    return out


def parse_seeds(text: str) -> list[int]:
    """``0..9`` (inclusive range), ``1,5,7`` or ``3`` -> list of seeds.

    Raises
    ------
    ValueError
        Malformed text.
    """
    text = text.strip()
    m = re.match(r"^(\d+)\s*\.\.\s*(\d+)$", text)
    if m:
        a, b = int(m.group(1)), int(m.group(2))
        if b < a:
            raise ValueError(f"--seeds {text!r}: end before start")
        return list(range(a, b + 1))
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise ValueError(f"--seeds {text!r}: expected A..B or a comma list of integers") from None


def _task_id(definition: Mapping[str, Any]) -> str:
    blob = json.dumps(definition, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def build_tasks(source: str, grid: Mapping[str, Sequence[Any]], windows: Sequence[tuple[str, str]],
                seeds: Sequence[int], *, path: str = "<strategy>", cash: float = 100000.0,
                benchmark: str | None = None, data_version: str = "") -> list[SweepTask]:
    """Expand a grid into tasks (grid points x windows x seeds, in that nesting order).

    Parameters
    ----------
    source : str
        The strategy source as in the file.
    grid : mapping
        Parameter name -> list of values (empty mapping: one point, the file's own values).
    windows : sequence of (start, end)
    seeds : sequence of int
    path : str
        File name for error messages.
    cash, benchmark, data_version :
        Part of each task's identity.

    Returns
    -------
    list of SweepTask

    Raises
    ------
    UnknownParameterError
        A grid name the file does not define.
    """
    from .params import apply_overrides, find_parameters, resolve_name, UnknownParameterError

    found = find_parameters(source, path)
    unknown = [n for n in grid if resolve_name(n, found) is None]
    if unknown:
        raise UnknownParameterError(unknown, list(found), path)
    names = list(grid)
    tasks = []
    for combo in itertools.product(*(list(grid[n]) for n in names)):
        params = dict(zip(names, combo))
        src = apply_overrides(source, params, path) if params else source
        src_hash = hashlib.sha256(src.encode("utf-8")).hexdigest()
        for wi, (a, b) in enumerate(windows):
            for seed in seeds:
                tid = _task_id({"params": {resolve_name(k, found): v for k, v in params.items()},
                                "start": a, "end": b, "seed": int(seed), "source": src_hash,
                                "cash": float(cash), "benchmark": benchmark, "data": data_version})
                tasks.append(SweepTask(tid, params, a, b, wi, int(seed), src))
    return tasks
