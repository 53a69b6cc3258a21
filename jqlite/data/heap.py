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

Inside the block every allocation goes to that one heap: threads started in it share glibc's
main arena (``M_ARENA_MAX`` 1; a thread's own arena holds at most 64 MB, so its large arrays
were mapped and zeroed afresh each time, and the memory one thread freed could not serve
another), and pyarrow allocates from the system allocator instead of its own mimalloc pool
(which returns freed pages to the system within milliseconds).  A second profile (``perf``,
2026-12-01, after the first fix) still had 33 % of the import's CPU samples in
``clear_page_erms``, a third of them in those threads and in mimalloc.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import threading
from typing import Iterator

__all__ = ["reuse_freed_memory", "release_free_memory"]

# mallopt parameters (glibc malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_MMAP_MAX, _M_ARENA_MAX = -1, -3, -4, -8
# glibc's defaults, restored afterwards (a mallopt call switches off the dynamic mmap
# threshold for the rest of the process: big arrays are mmapped again, as at start-up)
_DEFAULT_TRIM, _DEFAULT_MMAP_THRESHOLD, _DEFAULT_MMAP_MAX = 128 * 1024, 128 * 1024, 65536
_KEEP_FREED = 2**31 - 1          # trim threshold (an int): keep up to 2 GiB of free heap top

_lock = threading.Lock()
_depth = 0
_arrow_pool = None       # pyarrow's pool before the block (restored after it)
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
    concurrent blocks share one setting; the last to leave restores glibc's defaults,
    pyarrow's memory pool, and trims the heap.  Memory held in the heap is not returned to
    the system inside the block unless :func:`release_free_memory` is called, so call it
    where much memory was freed.

    Threads that first allocate inside the block use glibc's main arena; glibc fixes its
    arena limit when the first such thread needs one, so threads started later in the
    process share the existing arenas too (more lock contention for heavily multi-threaded
    ``malloc``, no other effect).
    """
    global _depth, _arrow_pool
    lib = _lib()
    if lib is None:
        yield False
        return
    with _lock:
        if _depth == 0:
            lib.mallopt(_M_MMAP_MAX, 0)
            lib.mallopt(_M_TRIM_THRESHOLD, _KEEP_FREED)
            lib.mallopt(_M_ARENA_MAX, 1)
            _arrow_pool = _use_system_arrow_pool()
        _depth += 1
    try:
        yield True
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                if _arrow_pool is not None:
                    import pyarrow as pa
                    pa.set_memory_pool(_arrow_pool)
                    _arrow_pool = None
                lib.mallopt(_M_ARENA_MAX, 8 * (os.cpu_count() or 1))    # glibc's default limit
                lib.mallopt(_M_MMAP_MAX, _DEFAULT_MMAP_MAX)
                lib.mallopt(_M_MMAP_THRESHOLD, _DEFAULT_MMAP_THRESHOLD)
                lib.mallopt(_M_TRIM_THRESHOLD, _DEFAULT_TRIM)
                lib.malloc_trim(0)


def _use_system_arrow_pool():
    """Make glibc's heap pyarrow's default pool; returns the previous pool (None: no pyarrow)."""
    try:
        import pyarrow as pa
    except ImportError:           # pragma: no cover - pyarrow is a dependency
        return None
    prev = pa.default_memory_pool()
    if prev.backend_name == "system":
        return None
    pa.set_memory_pool(pa.system_memory_pool())
    return prev
