"""Keep the C heap's freed memory for reuse during a bulk import (glibc only).

A whole-market import allocates and frees hundreds of arrays of 6 M rows (48 MB each).
glibc serves every allocation above its mmap threshold (at most 32 MB) with a fresh
``mmap`` and gives it back with ``munmap`` on free, so each new array is fresh memory the
kernel must fault in and zero page by page (numpy asks for transparent huge pages on large
arrays: 2 MB zeroed per fault).  A profile of the real-data import (``perf record``,
2026-12-01) put 40 % of all its CPU samples in the kernel's ``clear_page_erms``: about
half of the import's CPU time was the kernel zeroing memory the process had just freed.

:func:`reuse_freed_memory` turns the mmap path off and raises the trim threshold for the
duration of a block, so freed arrays stay in the heap and the next ones reuse their pages;
:func:`release_free_memory` (``malloc_trim(0)``) hands the free pages back at the points
where the block knows a large part of its memory just became free, which bounds the peak
resident memory.  Elsewhere (other C libraries, other systems) both do nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import sys
import threading
from typing import Iterator

__all__ = ["reuse_freed_memory", "release_free_memory"]

# mallopt parameters (glibc malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_MMAP_MAX = -1, -3, -4
# glibc's defaults, restored afterwards (a mallopt call switches off the dynamic mmap
# threshold for the rest of the process: big arrays are mmapped again, as at start-up)
_DEFAULT_TRIM, _DEFAULT_MMAP_THRESHOLD, _DEFAULT_MMAP_MAX = 128 * 1024, 128 * 1024, 65536
_KEEP_FREED = 2**31 - 1          # trim threshold (an int): keep up to 2 GiB of free heap top

_lock = threading.Lock()
_depth = 0
_libc: ctypes.CDLL | None | bool = None


def _lib():
    global _libc
    if _libc is None:
        _libc = False
        if sys.platform.startswith("linux"):
            try:
                lib = ctypes.CDLL(None)
                if hasattr(lib, "mallopt") and hasattr(lib, "malloc_trim") and hasattr(lib, "gnu_get_libc_version"):
                    lib.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
                    lib.malloc_trim.argtypes = [ctypes.c_size_t]
                    _libc = lib
            except OSError:
                pass
    return _libc or None


def release_free_memory() -> bool:
    """Return the heap's free pages to the system (glibc ``malloc_trim(0)``).

    Returns
    -------
    bool
        False (and nothing done) where the C library is not glibc.
    """
    lib = _lib()
    if lib is None:
        return False
    lib.malloc_trim(0)
    return True


@contextlib.contextmanager
def reuse_freed_memory() -> Iterator[bool]:
    """Within the block, large freed allocations stay in the C heap for reuse.

    Yields True when the setting is active (glibc on Linux), False otherwise.  Nested and
    concurrent blocks share one setting; the last to leave restores glibc's defaults and
    trims the heap.  Memory held in the heap is not returned to the system inside the block
    unless :func:`release_free_memory` is called, so call it where much memory was freed.
    """
    global _depth
    lib = _lib()
    if lib is None:
        yield False
        return
    with _lock:
        if _depth == 0:
            lib.mallopt(_M_MMAP_MAX, 0)
            lib.mallopt(_M_TRIM_THRESHOLD, _KEEP_FREED)
        _depth += 1
    try:
        yield True
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                lib.mallopt(_M_MMAP_MAX, _DEFAULT_MMAP_MAX)
                lib.mallopt(_M_MMAP_THRESHOLD, _DEFAULT_MMAP_THRESHOLD)
                lib.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM)
                lib.malloc_trim(0)
