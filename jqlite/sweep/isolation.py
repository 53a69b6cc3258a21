"""A private Python ``random`` generator for a run on a Dask worker.

:class:`jqlite.determinism.Reproducible` seeds Python's global ``random`` generator before a
run.  In a Dask worker process that generator is shared with the worker's own threads: the
event loop draws from it while a task runs (tornado's ``PeriodicCallback`` jitter, the
scheduler client's retry back-off, ...), so a strategy calling ``random.randint`` got other
numbers on a worker than in ``jqlite backtest`` -- found by
``tests/unit/test_sweep.py::test_same_results_on_one_and_two_workers``.

:func:`private_random` makes the module-level functions of :mod:`random` (``random.seed``,
``random.random``, ``random.randint``, ... -- also when imported with ``from random import
randint``) use a generator of the *calling thread* while the run lasts; every other thread
keeps the process-wide generator.  ``Reproducible`` then seeds the run's generator with the
run's seed, and the worker's threads cannot move it.

numpy's global generator needs no such guard: neither Dask nor tornado draws from it.
"""

from __future__ import annotations

import contextlib
import random
import threading
from typing import Callable, Iterator

__all__ = ["private_random"]

_local = threading.local()
_lock = threading.Lock()
_installed = False
_NAMES = ("seed", "random", "uniform", "triangular", "randint", "choice", "randrange", "sample", "shuffle",
          "choices", "normalvariate", "lognormvariate", "expovariate", "vonmisesvariate", "gammavariate", "gauss",
          "betavariate", "paretovariate", "weibullvariate", "getstate", "setstate", "getrandbits", "randbytes",
          "binomialvariate")


def _dispatch(name: str, shared: random.Random) -> Callable:
    def call(*args, **kwargs):
        inst = getattr(_local, "inst", None) or shared
        return getattr(inst, name)(*args, **kwargs)
    call.__name__ = name
    call.__doc__ = getattr(random.Random, name).__doc__
    return call


def _install() -> None:
    global _installed
    with _lock:
        if _installed:
            return
        shared = random._inst   # the generator behind the module-level functions
        for name in _NAMES:
            if hasattr(shared, name):
                setattr(random, name, _dispatch(name, shared))
        _installed = True


@contextlib.contextmanager
def private_random() -> Iterator[random.Random]:
    """Inside the block, :mod:`random`'s module functions called from this thread use a
    fresh generator (seed it with ``random.seed``, as ``Reproducible`` does); other threads
    are unaffected.  Yields that generator."""
    _install()
    prev = getattr(_local, "inst", None)
    _local.inst = random.Random()
    try:
        yield _local.inst
    finally:
        _local.inst = prev
