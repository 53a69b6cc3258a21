"""Reproducible runs: seeds and thread counts applied by the engine, not by the strategy.

A JoinQuant strategy file rarely seeds anything, and machine-learning libraries add their own
sources of variation (OpenMP thread counts in LightGBM / XGBoost / BLAS, PyTorch's global
generator).  :func:`reproducible` wraps one run so that *same data + same strategy + same seed
+ same thread count => identical orders and returns*:

* Python's ``random`` and numpy's global ``np.random`` are seeded with ``seed`` (scikit-learn
  estimators with ``random_state=None`` draw from numpy's global generator, so they follow);
* PyTorch, when the strategy imports it, gets ``torch.manual_seed(seed)`` and
  ``torch.set_num_threads(threads)``;
* every OpenMP / BLAS thread pool loaded in the process (LightGBM, XGBoost, numpy's BLAS,
  scikit-learn) is limited to ``threads`` through ``threadpoolctl`` -- LightGBM's and XGBoost's
  own seeds are fixed constants by default, and with a fixed thread count their training is
  deterministic; the pools are re-limited after the strategy file is loaded, because its
  imports load them.

``threads`` defaults to ``os.cpu_count()``: results are reproducible on one machine; pass the
same ``threads`` (CLI ``--threads``) to reproduce them on another.
"""

from __future__ import annotations

import contextlib
import os
import random
import sys

import numpy as np


def default_threads() -> int:
    """Thread count used when none is given: ``os.cpu_count()`` (at least 1)."""
    return max(1, os.cpu_count() or 1)


def seed_everything(seed: int) -> None:
    """Seed Python's and numpy's global generators, and PyTorch's when it is imported.

    Parameters
    ----------
    seed : int
        Non-negative seed (numpy's is taken modulo 2**32).
    """
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


class Reproducible:
    """Context manager of one run's seeds and thread limits (see the module docstring).

    Parameters
    ----------
    seed : int
    threads : int, optional
        OpenMP/BLAS threads for the run's duration; default :func:`default_threads`.
    """

    def __init__(self, seed: int, threads: int | None = None):
        self.seed = int(seed)
        self.threads = int(threads) if threads else default_threads()
        self._stack = contextlib.ExitStack()
        self._omp_old: str | None = None

    def __enter__(self) -> "Reproducible":
        # libraries loaded later read this when their OpenMP runtime starts
        self._omp_old = os.environ.get("OMP_NUM_THREADS")
        os.environ["OMP_NUM_THREADS"] = str(self.threads)
        seed_everything(self.seed)
        self.limit_pools()
        return self

    def limit_pools(self) -> None:
        """(Re-)apply the thread limit to every thread pool loaded so far."""
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:   # scikit-learn (the ml extra) brings threadpoolctl
            return
        self._stack.enter_context(threadpool_limits(limits=self.threads))
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.set_num_threads(self.threads)

    def after_strategy_loaded(self) -> None:
        """Call once the strategy module ran its imports: limit the pools they loaded and
        seed PyTorch if it came in."""
        self.limit_pools()
        torch = sys.modules.get("torch")
        if torch is not None:
            torch.manual_seed(self.seed)

    def __exit__(self, *exc) -> None:
        self._stack.close()
        if self._omp_old is None:
            os.environ.pop("OMP_NUM_THREADS", None)
        else:
            os.environ["OMP_NUM_THREADS"] = self._omp_old
