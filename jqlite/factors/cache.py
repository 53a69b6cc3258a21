"""Block cache of computed factor arrays (memory LRU + Arrow files on disk).

The trading-day axis of a store is cut into blocks of :data:`BLOCK` rows.  A factor value
block ``k`` holds rows ``[k*BLOCK, (k+1)*BLOCK)`` for **all** securities of the store.  A
request for rows ``[r0, r1]`` reads the cached blocks and computes the missing ones in one
pass per contiguous run (slicing the inputs to ``[run_start - lookback, run_end]``), so
overlapping windows pay once and a one-date request computes at most one block.

* memory: an LRU of blocks per store (``$JQLITE_FACTOR_MEM_MB``, default :data:`MEM_MB_DEFAULT`
  MiB).  It is a front for the disk cache, not the whole working set: a 36-month window of the
  flagship's 86 factors over the real market is ~2.5 GB, which would double a run's memory;
  blocks it evicts are read back from disk (~2-5 ms a block) and a block whose disk write is
  still queued stays reachable until it is written (so eviction never means recomputation).
  Each cached block owns its 64 rows (a copy, never a view that would keep the whole
  computed window -- up to 600 rows of lookback -- alive);
* disk: ``STORE/.factor_cache/<store version>/<factor>/<lib version>_<first>_<last>.arrow``
  (Arrow IPC / Feather v2, lz4: a block reads in ~0.4 ms against ~3 ms as parquet; one
  record batch per row, so a one-date request not in memory decompresses only its row)
  (or ``$JQLITE_CACHE/factor_cache/<store name>-<path hash>/...`` when ``$JQLITE_CACHE`` is
  set); factors that read fundamentals are cached under the fundamentals folder's own
  content version as well (``..._f<version>_...``), so a re-imported fundamentals folder
  is never served stale values.
  Folders of other store versions are deleted when a store is first used, so a re-imported
  store never serves stale values.  Set ``JQLITE_FACTOR_DISK_CACHE=0`` to disable.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather

from . import base
from .base import REGISTRY, Ctx, MissingInput, panel_has

BLOCK = 64
#: Blocks computed ahead of a request's last block in the same pass (see ``compute``): as
#: many as keep one pass under PREFETCH_CELLS (days x securities), between 1 and
#: PREFETCH_MAX (measured on the flagship's training pass: one pass over 12+ blocks is
#: slower than passes of 4 -- the inputs stop fitting in cache).
PREFETCH_CELLS = 1_600_000
PREFETCH_MAX = 3


def prefetch_blocks(n_securities: int) -> int:
    """Blocks to compute ahead of a request (see :data:`PREFETCH_CELLS`)."""
    return int(min(PREFETCH_MAX, max(1, PREFETCH_CELLS // max(1, n_securities * BLOCK) - 1)))


#: Default memory cap of the block LRU in MiB (``$JQLITE_FACTOR_MEM_MB`` overrides).  Sized to
#: hold one computation pass (the requested block and :data:`PREFETCH_MAX` prefetched ones) of
#: the ~50 factors the real market supports (4 x 50 x 2.4 MB): the flagship reads its sample
#: dates in date order, so the next requests find the prefetched blocks in memory; older
#: blocks come back from disk.
MEM_MB_DEFAULT = 512

#: Block files kept open for one-row reads (:meth:`FactorEngine._row_reader`): two dates'
#: worth of the ~50 factors the real market supports, in date order.  One file handle each.
ROW_READERS = 256


def _mem_cap() -> int:
    try:
        return int(float(os.environ.get("JQLITE_FACTOR_MEM_MB", str(MEM_MB_DEFAULT))) * 2**20)
    except ValueError:
        return MEM_MB_DEFAULT * 2**20


_LIBC = None


def release_free_memory() -> bool:
    """Hand the C heap's free pages back to the system (glibc ``malloc_trim(0)``; False and
    nothing done elsewhere).

    A computation pass allocates and frees dozens of ~30 MB arrays (4,800 securities x ~780
    rows).  glibc raises its mmap threshold after such frees, so the next ones come from the
    heap, and the freed holes stay counted in the process's resident memory (the flagship's
    resident set kept growing over a 3-year run whose live data stays bounded).  Called after
    each computation pass (well under a millisecond against the pass's seconds)."""
    global _LIBC
    if _LIBC is None:
        _LIBC = False
        try:
            import ctypes
            import sys
            if sys.platform.startswith("linux"):
                lib = ctypes.CDLL(None)
                if hasattr(lib, "malloc_trim"):
                    _LIBC = lib
        except OSError:
            pass
    if _LIBC is False:
        return False
    try:
        _LIBC.malloc_trim(0)
    except Exception:
        return False
    return True


def _disk_enabled() -> bool:
    return os.environ.get("JQLITE_FACTOR_DISK_CACHE", "1") not in ("0", "false", "no", "")


class FactorEngine:
    """Computes and caches factor arrays of one store (get it with :func:`engine_for`)."""

    def __init__(self, store):
        self.store = store
        self.mem: OrderedDict = OrderedDict()
        self.mem_bytes = 0
        self.lock = threading.RLock()
        self._disk_root = None
        self._disk_checked = False
        self._warned: set = set()
        self.stats = {"mem_hits": 0, "disk_hits": 0, "disk_row_hits": 0, "computed_blocks": 0}
        self._writer: ThreadPoolExecutor | None = None   # started on the first disk write
        self._pending: list = []
        self._inflight: dict = {}     # disk path -> block queued for writing (read it from here)
        self._readers: OrderedDict = OrderedDict()   # disk path -> (stat, reader, file): _row_reader
        self._missing: dict = {}      # missing_inputs memo ("panel": the panel it is for)

    # ------------------------------------------------------------------ availability
    def missing_inputs(self, name: str, panel) -> list[str]:
        """Required fundamentals inputs of ``name`` that ``panel`` cannot serve.

        Memoised per panel object (a panel's columns do not change; the flagship asks for
        86 factors on each of its ~1,000 requests)."""
        memo = self._missing
        if memo.get("panel", memo) is not panel:
            memo.clear()
            memo["panel"] = panel
        miss = memo.get(name)
        if miss is None:
            fd = REGISTRY[name]
            miss = [i for i in fd.required_fundamentals if not panel_has(panel, *i.split(".", 1))]
            memo[name] = miss
        return list(miss)

    # ------------------------------------------------------------------ disk
    def disk_root(self):
        if self._disk_checked:
            return self._disk_root
        self._disk_checked = True
        if not _disk_enabled():
            return None
        env = os.environ.get("JQLITE_CACHE")
        if env:
            h = hashlib.sha1(str(self.store.path.resolve()).encode()).hexdigest()[:10]
            parent = Path(env).expanduser() / "factor_cache" / f"{self.store.meta.get('name', 'store')}-{h}"
        else:
            parent = self.store.path / ".factor_cache"
        # the column set is part of the key: a sample store with codes synthesised on demand
        # has more columns (jqlite.data.on_demand)
        version = str(self.store.version)
        root = parent / str(getattr(self.store, "columns_key", version))
        try:
            root.mkdir(parents=True, exist_ok=True)
            for p in parent.iterdir():     # invalidate caches of other store versions
                if p.is_dir() and p.name != root.name and p.name.split("-od")[0] != version:
                    shutil.rmtree(p, ignore_errors=True)
        except OSError:
            return None                    # read-only store: memory cache only
        self._disk_root = root
        return root

    def _disk_path(self, name, k, fver=""):
        root = self.disk_root()
        if root is None:
            return None
        d = self.store.dates
        r0, r1 = k * BLOCK, min((k + 1) * BLOCK, len(d)) - 1
        tag = f"_f{fver}" if fver else ""
        return root / name / f"v{base.LIBRARY_VERSION}{tag}_{d[r0]:%Y%m%d}_{d[r1]:%Y%m%d}.arrow"

    def _disk_get(self, name, k, rows, fver=""):
        p = self._disk_path(name, k, fver)
        if p is None:
            return None
        queued = self._inflight.get(p)
        if queued is not None:
            return queued
        if not p.exists():
            return None
        try:
            v = feather.read_table(p, memory_map=False).column("v").to_numpy()
            return v.reshape(rows, self.store.n_securities)
        except Exception:
            return None

    def _disk_get_row(self, name, k, i, fver=""):
        """Row ``i`` of block ``k`` as ``(1, n_securities)``, or None (not on disk).

        Blocks are written one record batch per row (:meth:`_write_block`), so one row is one
        batch to decompress (~38 KB on the real market) instead of the whole 64-row block: a
        one-date request (the flagship's 72 sample dates per training, each one row of ~50
        factors' blocks) reads what it uses.  Files with other batching are read whole.
        The file's reader stays open (:meth:`_row_reader`): the sample dates come in date
        order, ~6 to a block, so the next dates read their rows without reopening it."""
        p = self._disk_path(name, k, fver)
        if p is None:
            return None
        queued = self._inflight.get(p)
        if queued is not None:
            return queued[i:i + 1]
        ns = self.store.n_securities
        rows = min((k + 1) * BLOCK, self.store.n_days) - k * BLOCK
        try:
            r = self._row_reader(p)
            if r is None:
                return None
            if r.num_record_batches == rows:
                b = r.get_batch(i)
                if b.num_rows == ns:
                    return np.array(b.column(0).to_numpy(), dtype=np.float64).reshape(1, ns)
            v = r.read_all().column("v").to_numpy()
            return v.reshape(rows, ns)[i:i + 1].copy()
        except (OSError, pa.ArrowException, ValueError):
            self._drop_reader(p)
            return None

    def _row_reader(self, p):
        """An open Arrow IPC file reader of ``p`` (None when the file is absent), kept in a
        small LRU (:data:`ROW_READERS` files).

        Opening a block file (footer and schema) cost more than reading one of its rows, and
        closing a memory map more still (~0.4-0.9 ms a row read before, ~0.1 ms now on the
        real market).  Files are read through plain file handles, not memory maps, so a
        reader adds no mapped pages to the resident set.  A reader whose file was replaced
        since it was opened (inode, size or mtime changed) is reopened."""
        try:
            st = os.stat(p)
        except OSError:
            self._drop_reader(p)
            return None
        sig = (st.st_ino, st.st_size, st.st_mtime_ns)
        hit = self._readers.get(p)
        if hit is not None:
            if hit[0] == sig:
                self._readers.move_to_end(p)
                return hit[1]
            self._drop_reader(p)
        f = pa.OSFile(str(p))
        try:
            r = pa.ipc.open_file(f)
        except BaseException:
            f.close()
            raise
        self._readers[p] = (sig, r, f)
        while len(self._readers) > ROW_READERS:
            _, (_, _, old) = self._readers.popitem(last=False)
            old.close()
        return r

    def _drop_reader(self, p=None) -> None:
        """Close the kept reader of ``p`` (all of them when ``p`` is None)."""
        items = list(self._readers.items()) if p is None else (
            [(p, self._readers[p])] if p in self._readers else [])
        for q, (_, _, f) in items:
            del self._readers[q]
            try:
                f.close()
            except Exception:
                pass

    def _disk_put(self, name, k, arr, fver=""):
        """Queue the block for writing on the engine's writer thread (compression and I/O
        overlap the next computation; a cold flagship year spent ~8 s of 16 writing)."""
        p = self._disk_path(name, k, fver)
        if p is None:
            return
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jqlite-factor-cache")
        self._inflight[p] = arr
        self._pending.append(self._writer.submit(self._write_block, p, arr, self._inflight))
        if len(self._pending) > 256:
            self._pending = [f for f in self._pending if not f.done()]

    def flush(self) -> None:
        """Wait until every queued block is on disk."""
        for f in self._pending:
            f.result()
        self._pending = []

    @staticmethod
    def _write_block(p, arr, inflight=None):
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            tmp = p.with_suffix(f".tmp{os.getpid()}.{threading.get_ident()}")
            # one record batch per row (chunksize = securities): _disk_get_row decompresses
            # only the row it needs
            feather.write_feather(pa.table({"v": np.ascontiguousarray(arr).ravel()}), tmp,
                                  compression="lz4", chunksize=max(1, arr.shape[1]))
            os.replace(tmp, p)
        except OSError:
            pass
        finally:
            if inflight is not None and inflight.get(p) is arr:
                # a failed write leaves the block uncached: computed again if evicted
                inflight.pop(p, None)

    # ------------------------------------------------------------------ memory
    def _mem_get(self, key):
        v = self.mem.get(key)
        if v is not None:
            self.mem.move_to_end(key)
        return v

    def _is_cached(self, key, name, k, fver) -> bool:
        """Whether block ``k`` of ``name`` is in memory, queued for writing or on disk."""
        if key in self.mem:
            return True
        if fver is None:
            return False
        p = self._disk_path(name, k, fver)
        return p is not None and (p in self._inflight or p.exists())

    def _mem_put(self, key, arr):
        if key in self.mem:
            return
        self.mem[key] = arr
        self.mem_bytes += arr.nbytes
        cap = _mem_cap()
        while self.mem_bytes > cap and len(self.mem) > 1:
            _, old = self.mem.popitem(last=False)
            self.mem_bytes -= old.nbytes

    def clear(self, disk: bool = False):
        """Drop the memory cache (and the disk cache of this store version when ``disk``)."""
        with self.lock:
            self.flush()
            self.mem.clear()
            self.mem_bytes = 0
            self._drop_reader()
            if disk and self.disk_root() is not None:
                shutil.rmtree(self.disk_root(), ignore_errors=True)
                self._disk_checked = False

    # ------------------------------------------------------------------ compute
    def compute(self, names, r0: int, r1: int, panel) -> dict:
        """Arrays ``(r1 - r0 + 1, n_securities)`` of each factor in ``names`` for rows
        ``[r0, r1]``; all-NaN for factors whose fundamentals inputs are missing."""
        st = self.store
        ns, nd = st.n_securities, st.n_days
        out = {}
        todo = []
        nan_rows = None
        for nm in names:
            miss = self.missing_inputs(nm, panel)
            if miss:
                from ..api._gaps import record_gap
                record_gap("get_factor_values", f"factor {nm} (input {', '.join(miss)})",
                           f"jqfactor: factor {nm!r} is unavailable (missing input(s): "
                           f"{', '.join(miss)} absent in store); returning NaN")
                if nan_rows is None:     # one read-only array for every missing factor
                    nan_rows = np.full((r1 - r0 + 1, ns), np.nan)
                    nan_rows.setflags(write=False)
                out[nm] = nan_rows
            else:
                todo.append(nm)
        if not todo:
            return out
        k0, k1 = r0 // BLOCK, r1 // BLOCK
        ptoken = id(panel) if panel is not None else 0
        # fundamentals content version: factors reading fundamentals are disk-cached under it
        fver = getattr(panel, "version", None) if panel is not None else None

        def mkey(nm, k):       # memory key: fundamentals factors are per panel object
            return (nm, k, 0 if REGISTRY[nm].bars_only else ptoken)

        def dver(nm):          # disk tag: "" bar-only, the fundamentals version, None = memory only
            return "" if REGISTRY[nm].bars_only else fver
        with self.lock:
            blocks: dict = {nm: {} for nm in todo}
            missing: dict = {}
            for nm in todo:
                for k in range(k0, k1 + 1):
                    key = mkey(nm, k)
                    a = self._mem_get(key)
                    if a is not None:
                        self.stats["mem_hits"] += 1
                    elif r0 == r1 and dver(nm) is not None:
                        # one date: read its row only, and leave the block out of memory
                        row = self._disk_get_row(nm, k, r0 - k * BLOCK, dver(nm))
                        if row is not None:
                            self.stats["disk_row_hits"] += 1
                            out[nm] = row
                            continue
                    if a is None and dver(nm) is not None:
                        rows = min((k + 1) * BLOCK, nd) - k * BLOCK
                        a = self._disk_get(nm, k, rows, dver(nm))
                        if a is not None:
                            self.stats["disk_hits"] += 1
                            self._mem_put(key, a)
                    if a is None:
                        missing.setdefault(k, []).append(nm)
                    else:
                        blocks[nm][k] = a
            # contiguous runs of blocks with something missing
            ks = sorted(missing)
            runs, cur = [], []
            for k in ks:
                if cur and k != cur[-1] + 1:
                    runs.append(cur)
                    cur = []
                cur.append(k)
            if cur:
                runs.append(cur)
            n_blocks = (nd + BLOCK - 1) // BLOCK
            for run in runs:
                need = sorted({nm for k in run for nm in missing[k]})
                # Prefetch: the inputs' lookback (up to ~2 years) costs far more than the
                # rows, so extend the run over the next prefetch_blocks() blocks not yet cached
                # (rows after the request are computed from data up to their own date
                # only, and never returned before their date: no look-ahead).
                for _ in range(prefetch_blocks(ns)):
                    nxt = run[-1] + 1
                    if nxt >= n_blocks or nxt in missing or any(
                            self._is_cached(mkey(nm, nxt), nm, nxt, dver(nm)) for nm in need):
                        break
                    run = run + [nxt]
                row_a, row_b = run[0] * BLOCK, min((run[-1] + 1) * BLOCK, nd) - 1
                lb = max(REGISTRY[nm].lookback for nm in need)
                a0 = max(0, row_a - lb)
                root = Ctx(st, a0, row_b, panel)
                # factors grouped by the view they compute on (their lookback), so a view's
                # memo (intermediate arrays of its factors) is freed once its group is done:
                # the pass then holds the shared inputs and one view's intermediates, not all
                # of them (values do not depend on the order: a memo only saves recomputation)
                start = {nm: max(a0, row_a - REGISTRY[nm].lookback) for nm in need}
                need = sorted(need, key=lambda nm: (start[nm], nm))
                try:
                    self._compute_run(root, need, start, run, row_a, blocks, k0, k1, mkey, dver)
                finally:
                    root.close()
                    del root
                    release_free_memory()
        for nm in todo:
            if nm in out:  # one row read from disk
                continue
            if k0 == k1:   # one block: a view, no copy
                out[nm] = blocks[nm][k0][r0 - k0 * BLOCK: r1 - k0 * BLOCK + 1]
                continue
            full = np.concatenate([blocks[nm][k] for k in range(k0, k1 + 1)], axis=0)
            out[nm] = full[r0 - k0 * BLOCK: r1 - k0 * BLOCK + 1]
        return out

    def _compute_run(self, root, need, start, run, row_a, blocks, k0, k1, mkey, dver) -> None:
        """Compute the factors ``need`` (sorted by view) over the blocks ``run`` on ``root``;
        cache every block, keep those of the request (``k0..k1``) in ``blocks``."""
        ns, nd = self.store.n_securities, self.store.n_days
        for i, nm in enumerate(need):
            fd = REGISTRY[nm]
            ctx = root.view(row_a - fd.lookback)    # rows sized to this factor's lookback
            if i + 1 == len(need) or start[need[i + 1]] != start[nm]:
                root.release_view(ctx)              # last factor of this view
            try:
                arr = np.asarray(fd.compute(ctx), dtype=np.float64)
            except MissingInput as e:
                from ..api._gaps import record_gap
                record_gap("get_factor_values", f"factor {nm} (input {e})",
                           f"jqfactor: factor {nm!r} is unavailable (missing input(s): {e} "
                           f"absent in store); returning NaN")
                arr = np.full((ctx.n, ns), np.nan)
            if arr.shape != (ctx.n, ns):
                raise RuntimeError(f"factor {nm}: compute returned shape {arr.shape}, "
                                   f"expected {(ctx.n, ns)}")
            arr = arr[row_a - ctx.r0:]
            for k in run:
                # a copy: a view would keep the whole window (lookback rows) alive
                blk = np.array(arr[k * BLOCK - row_a: min((k + 1) * BLOCK, nd) - row_a],
                               dtype=np.float64, order="C", copy=True)
                blk.setflags(write=False)
                key = mkey(nm, k)
                self._mem_put(key, blk)
                self.stats["computed_blocks"] += 1
                if dver(nm) is not None:
                    self._disk_put(nm, k, blk, dver(nm))
                if k0 <= k <= k1:      # prefetched blocks: cached, not held here
                    blocks[nm][k] = blk
            del arr


def engine_for(store) -> FactorEngine:
    """The (memoised) :class:`FactorEngine` of ``store``."""
    return store.cached(("jqlite.factors", "engine"), lambda: FactorEngine(store))
