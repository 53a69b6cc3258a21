"""Parameter sweeps, walk-forward windows and seed repeats of one strategy file on Dask
(``jqlite sweep``); see :mod:`jqlite.sweep.executor` for the results folder."""

from .executor import SweepOutcome, load_results, run_sweep, run_task
from .params import UnknownParameterError, apply_overrides, find_parameters
from .tasks import SweepTask, build_tasks, load_grid, parse_param, parse_seeds, parse_windows

__all__ = ["SweepOutcome", "SweepTask", "UnknownParameterError", "apply_overrides", "build_tasks",
           "find_parameters", "load_grid", "load_results", "parse_param", "parse_seeds", "parse_windows",
           "run_sweep", "run_task"]
