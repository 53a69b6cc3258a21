"""Read a jqlite data store into per-field ``(n_days, n_securities)`` arrays.

The store on disk is described in :mod:`jqlite.data.schema`.  :func:`open_store` returns a
:class:`Store` that is immutable once loaded and cached per (path, content version), so a
second backtest in the same process does not read the files again.  Nothing in a Store
depends on a run: runs keep their own state elsewhere.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import threading
import zlib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from ..compat.dates import to_date
from ..errors import DataError, SecuritiesAdded, SecurityNotFoundError
from . import schema

FAR_FUTURE = pd.Timestamp(schema.FAR_FUTURE)

_EPOCH_ORDINAL = _dt.date(1970, 1, 1).toordinal()


def default_store_path() -> Path:
    """Return the default store folder: ``$JQLITE_DATA`` or ``~/.cache/jqlite/sample``."""
    env = os.environ.get("JQLITE_DATA")
    if env:
        return Path(env).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "jqlite" / "sample"


class Store:
    """A loaded data store.

    Attributes
    ----------
    path : pathlib.Path
    meta : dict
        Contents of ``meta.json`` (``version`` is a content hash).
    dates : pandas.DatetimeIndex
        Trading days, shape ``(n_days,)``.
    codes : numpy.ndarray of str
        Security codes, shape ``(n_securities,)``, sorted; column order of every field array.
    code_index : dict of str to int
        Code -> column.
    securities : pandas.DataFrame
        Securities master indexed by code (columns of ``schema.SECURITIES``).
    """

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        meta_file = self.path / "meta.json"
        if not meta_file.exists():
            raise DataError(f"no jqlite data store at {self.path} (meta.json missing); "
                            f"run `jqlite data sample` or `jqlite data import`")
        self.meta = json.loads(meta_file.read_text())
        if self.meta.get("format") != schema.FORMAT_VERSION:
            raise DataError(f"{meta_file}: store format {self.meta.get('format')} is not "
                            f"{schema.FORMAT_VERSION}; re-create the store")
        self.version = str(self.meta.get("version"))
        cal = pd.read_parquet(self.path / "calendar.parquet")
        self.dates = pd.DatetimeIndex(pd.to_datetime(cal["date"])).sort_values()
        self._dates_i8 = self.dates.values.astype("datetime64[D]").astype(np.int64)
        sec = pd.read_parquet(self.path / "securities.parquet")
        for c in ("start_date", "end_date"):
            sec[c] = pd.to_datetime(sec[c])
        #: whether unknown valid codes are synthesised (a sample store, jqlite.data.on_demand)
        self.synthesizes = self.meta.get("name") == "sample" and (self.path / "sample_generator.json").exists()
        self._od_files: list[Path] = []
        #: code -> description of each on-demand security (jqlite.data.on_demand.synthesize)
        self.on_demand_info: dict = {}
        od_codes: list[str] = []
        if self.synthesizes:
            from .on_demand import read_folder
            od, self._od_files, self.on_demand_info = read_folder(self.path)
            od = od[~od["code"].isin(sec["code"])]
            self._od_files = [f for f in self._od_files if f.name[:-len(".parquet")] in set(od["code"])]
            if len(od):
                od_codes = od["code"].tolist()
                sec = pd.concat([sec, od], ignore_index=True)
        #: codes synthesised on demand (listed by no enumeration: see docs/data-coverage.md)
        self.on_demand = frozenset(od_codes)
        #: version + the on-demand column set: keys caches of (.., n_securities) arrays
        from .on_demand import ON_DEMAND_VERSION
        self.columns_key = self.version if not od_codes else \
            f"{self.version}-od{ON_DEMAND_VERSION}-{zlib.crc32(','.join(sorted(od_codes)).encode()):08x}"
        sec = sec.sort_values("code").set_index("code", drop=False)
        self.securities = sec
        self.codes = sec["code"].to_numpy().astype(str)
        self.code_index = {c: i for i, c in enumerate(self.codes)}
        self._fields: dict[str, np.ndarray] = {}
        self._tables: dict[str, pd.DataFrame] = {}
        # bar fields and memoised values have separate locks, the latter one per key
        # (re-entrant): a memoised build may read bar fields or other memoised values, also
        # from worker threads it waits for, without deadlocking (see :meth:`cached`)
        self._lock = threading.RLock()
        self._cache: dict = {}
        self._cache_locks: dict = {}
        self._cache_locks_guard = threading.Lock()

    # ------------------------------------------------------------------ shapes / lookups
    @property
    def n_days(self) -> int:
        return len(self.dates)

    @property
    def n_securities(self) -> int:
        return len(self.codes)

    def col(self, code: str) -> int:
        """Return the column of ``code``.

        Raises
        ------
        SecurityNotFoundError
            ``code`` is not in the store (recorded in the run's data-gap ledger); in a sample
            store only when it is no valid JoinQuant code.
        NotImplementedError
            ``code`` is a futures code: jqlite has no futures account or data (a feature
            JoinQuant has and jqlite lacks, not a bad argument).
        SecuritiesAdded
            (sample store) ``code`` was valid and has just been synthesised into the store's
            ``on_demand/`` folder: the API call is repeated on the re-opened store (research
            mode) or the backtest restarts (see :func:`jqlite.run_backtest`).
        """
        try:
            j = self.code_index[code]
        except KeyError:
            self.missing(code)
        if code in self.on_demand:
            _note_on_demand(code)
        return j

    def missing(self, code) -> None:
        """Handle a code the store does not hold: synthesise it (sample store) or raise.

        Raises
        ------
        SecuritiesAdded, SecurityNotFoundError, NotImplementedError
            As :meth:`col`.
        """
        from .on_demand import classify, file_of, is_futures_code, materialise
        if is_futures_code(code) and not (self.synthesizes and classify(code) is not None):
            raise NotImplementedError(
                f"security {code!r} is a futures contract and this data store has no bars for it "
                f"(the sample market synthesises the varieties of jqlite.data.futures; a real store "
                f"needs its futures bars imported)")
        if self.synthesizes and classify(code) is not None and materialise(self, [code]) is not None \
                and file_of(self.path, code).exists():
            from ..api._binding import run_or_none
            run = run_or_none()
            if run is not None and hasattr(run, "on_demand_pending"):
                run.on_demand_pending.add(code)
            raise SecuritiesAdded([code])
        try:
            from ..api._gaps import record_gap
            record_gap("security", f"security {code}",
                       f"security {code!r} is not in the data store {self.path} (a real store never "
                       f"invents one: import its bars with `jqlite data import`)")
        except Exception:  # pragma: no cover - the ledger must never hide the error below
            pass
        raise SecurityNotFoundError(f"security {code!r} is not in the data store {self.path}") from None

    def day_index(self, date, side: str = "right") -> int:
        """Position of ``date`` in :attr:`dates`.

        ``side='right'`` gives the index of the last trading day <= date (-1 if none);
        ``side='left'`` the first trading day >= date (n_days if none).
        """
        d = to_date(date).toordinal() - _EPOCH_ORDINAL    # days since 1970-01-01
        if side == "right":
            return int(np.searchsorted(self._dates_i8, d, side="right")) - 1
        return int(np.searchsorted(self._dates_i8, d, side="left"))

    # ------------------------------------------------------------------ bars
    def field(self, name: str) -> np.ndarray:
        """Return the ``(n_days, n_securities)`` float64 array of one bar field.

        ``name`` is one of ``schema.BAR_FIELDS`` (prices in yuan, raw; volume in shares; money
        in yuan; paused 0/1; factor the cumulative post-adjustment factor), or ``'avg'``
        (money / volume, the day's average price) or ``'listed'`` (1.0 where the security
        has a bar).  Cells with no bar (not listed / delisted) are NaN.  The array is shared:
        do not modify it.
        """
        arr = self._fields.get(name)
        if arr is not None:
            return arr
        with self._lock:
            if not self._fields:
                self._load_bars()
            if name == "avg" and "avg" not in self._fields:
                vol, money, close = self._fields["volume"], self._fields["money"], self._fields["close"]
                with np.errstate(invalid="ignore", divide="ignore"):
                    avg = np.where(vol > 0, money / vol, close)
                self._fields["avg"] = np.round(avg, 2)
            if name == "listed" and "listed" not in self._fields:
                self._fields["listed"] = (~np.isnan(self._fields["close"])).astype(np.float64)
        try:
            return self._fields[name]
        except KeyError:
            raise DataError(f"unknown bar field {name!r}; known: {list(schema.BAR_FIELDS) + ['avg']}") from None

    def _panel_cache_dir(self, files: list[Path], n_cols: int) -> Path | None:
        """Folder of this store's memory-mappable bar panels (one ``.npy`` per field), keyed
        by the content version and the bar files' names, sizes and mtimes: inside the store
        (``.panels/``) when it is writable, else under ``$XDG_CACHE_HOME/jqlite/panels``."""
        import hashlib
        h = hashlib.sha256(f"{self.version}|{self.n_days}|{n_cols}".encode())
        for fp in files:
            st = fp.stat()
            h.update(f"|{fp.name}:{st.st_size}:{st.st_mtime_ns}".encode())
        key = h.hexdigest()[:20]
        if os.access(self.path, os.W_OK):
            return self.path / ".panels" / key
        base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "jqlite" / "panels"
        return base / key

    def _load_panels(self, folder: Path | None, n_cols: int) -> dict[str, np.ndarray] | None:
        """Memory-map the cached panels (read-only: pages are shared by every process that
        opens the store, so Dask workers do not each hold a copy); None when absent/unusable."""
        if folder is None or not (folder / "complete").exists():
            return None
        try:
            out = {}
            for f in schema.BAR_FIELDS:
                a = np.load(folder / f"{f}.npy", mmap_mode="r")
                if a.shape != (self.n_days, n_cols) or a.dtype != np.float64:
                    return None
                out[f] = np.asarray(a)   # a plain read-only ndarray view of the mapping
        except (OSError, ValueError):
            return None
        return out

    def _save_panels(self, folder: Path | None, out: dict[str, np.ndarray]) -> None:
        """Write the panels for :meth:`_load_panels` (atomically: a folder renamed into place
        with a ``complete`` mark; any failure leaves no cache and costs nothing)."""
        if folder is None or os.environ.get("JQLITE_NO_PANEL_CACHE"):
            return
        import shutil
        import tempfile
        tmp = None
        try:
            folder.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=folder.parent))
            for f, a in out.items():
                np.save(tmp / f"{f}.npy", a)
            (tmp / "complete").write_text(self.version)
            os.replace(tmp, folder)
            tmp = None
            for old in folder.parent.iterdir():   # panels of earlier bar files
                if old != folder and not old.name.startswith(".tmp-"):
                    shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)

    def _load_bars(self) -> None:
        files = sorted((self.path / "bars_daily").glob("*.parquet"))
        if not files:
            raise DataError(f"{self.path / 'bars_daily'}: no bar files")
        # the base market's columns (the panel cache holds those only: a sample store's set
        # of on-demand codes grows, and must not invalidate / duplicate the base panels)
        base_codes = self.codes[~np.isin(self.codes, list(self.on_demand))] if self.on_demand else self.codes
        cache = self._panel_cache_dir(files, len(base_codes))
        out = self._load_panels(cache, len(base_codes))
        if out is None:
            out = self._read_bar_files(files, base_codes)
            for a in out.values():
                a.flags.writeable = False
            self._save_panels(cache, out)
        if self.on_demand:
            out = self._with_on_demand(out, base_codes)
        for a in out.values():
            a.flags.writeable = False   # shared by every run, as the memory-mapped panels are
        self._fields.update(out)

    def _read_bar_files(self, files: list[Path], codes_sorted: np.ndarray) -> dict[str, np.ndarray]:
        """``(n_days, len(codes_sorted))`` arrays of every bar field from parquet ``files``."""
        cols = ["date", "code", *schema.BAR_FIELDS]
        nd, ns = self.n_days, len(codes_sorted)
        out = {f: np.full((nd, ns), np.nan) for f in schema.BAR_FIELDS}
        for fp in files:
            t = pq.read_table(fp, columns=cols)
            d = t.column("date").to_numpy().astype("datetime64[D]").astype(np.int64)
            ri = np.searchsorted(self._dates_i8, d)
            code_arr = t.column("code").to_numpy(zero_copy_only=False).astype(str)
            ci = np.searchsorted(codes_sorted, code_arr)
            ci = np.clip(ci, 0, ns - 1)
            bad = (codes_sorted[ci] != code_arr) | (ri >= nd) | (self._dates_i8[np.clip(ri, 0, nd - 1)] != d)
            if bad.any():
                raise DataError(f"{fp}: row {int(np.flatnonzero(bad)[0])} has a code or date "
                                f"missing from the securities master / calendar")
            for f in schema.BAR_FIELDS:
                out[f][ri, ci] = t.column(f).to_numpy(zero_copy_only=False).astype(np.float64)
        return out

    def _with_on_demand(self, base: dict[str, np.ndarray], base_codes: np.ndarray) -> dict[str, np.ndarray]:
        """The base panels widened by the on-demand codes' columns (sorted code order)."""
        od_codes = np.array(sorted(self.on_demand))
        extra = self._read_bar_files(self._od_files, od_codes)
        bpos = np.searchsorted(self.codes, base_codes)
        opos = np.searchsorted(self.codes, od_codes)
        out = {}
        for f in schema.BAR_FIELDS:
            a = np.empty((self.n_days, self.n_securities))
            a[:, bpos] = base[f]
            a[:, opos] = extra[f]
            out[f] = a
        return out

    # ------------------------------------------------------------------ minute bars
    def minute_bars(self, base: int = 1):
        """The store's 1-minute (or, ``base=5``, imported 5-minute) bars
        (:class:`jqlite.data.minute.MinuteBars`), or None when it has none (layout and the
        sample market's synthetic bars: :mod:`jqlite.data.minute`)."""
        from .minute import MinuteBars

        def build():
            return MinuteBars(self, base) if MinuteBars.available(self, base) else False
        mb = self.cached(("minute_bars", base), build)
        return mb or None

    # ------------------------------------------------------------------ other tables
    def table(self, name: str) -> pd.DataFrame:
        """Return an optional table (``index_members``, ``st``, ``xrxd``, ``names``) as a
        DataFrame with datetime64 date columns; an empty frame with the schema's columns when
        the store has none."""
        df = self._tables.get(name)
        if df is not None:
            return df
        p = self.path / f"{name}.parquet"
        if p.exists():
            df = pd.read_parquet(p)
        else:
            df = pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if t == "date32" else ("float64" if t == "float64" else object))
                               for c, t in schema.TABLES[name].items()})
        for c, t in schema.TABLES[name].items():
            if t == "date32":
                df[c] = pd.to_datetime(df[c])
        self._tables[name] = df
        return df

    def cached(self, key, build):
        """Memoise a derived, run-independent value (e.g. the ST matrix) on this store.

        Parameters
        ----------
        key : hashable
            Name of the value (``("jqlite.factors", "engine")`` ...).
        build : callable
            ``build() -> value``, called at most once per key and store (concurrent callers
            of the same key wait for the first; ``None`` is not memoised).

        Notes
        -----
        Each key has its own re-entrant lock, separate from the bar fields' lock: ``build``
        may call :meth:`field` on a cold store or :meth:`cached` for another key, from this
        thread or from threads it waits for (one store-wide lock deadlocked there).  Only a
        build that needs its own key from another thread still waits forever (a cycle).
        """
        v = self._cache.get(key)
        if v is None:
            with self._cache_locks_guard:
                lock = self._cache_locks.get(key)
                if lock is None:
                    lock = self._cache_locks[key] = threading.RLock()
            with lock:
                v = self._cache.get(key)
                if v is None:
                    v = build()
                    self._cache[key] = v
        return v

    def st_matrix(self) -> np.ndarray:
        """``(n_days, n_securities)`` bool array: True where the security is ST that day."""
        def build():
            m = np.zeros((self.n_days, self.n_securities), dtype=bool)
            st = self.table("st")
            for code, s, e in zip(st["code"], st["start_date"], st["end_date"]):
                j = self.code_index.get(code)
                if j is None:
                    continue
                a, b = self.day_index(s, "left"), self.day_index(e, "right")
                if b >= a:
                    m[a:b + 1, j] = True
            return m
        return self.cached("st_matrix", build)

    def index_members(self, index_code: str, date) -> list[str]:
        """Codes that are members of ``index_code`` on ``date`` (sorted)."""
        im = self.cached("index_members_by_index", lambda: {
            k: (g["code"].to_numpy().astype(str), g["start_date"].to_numpy(), g["end_date"].to_numpy())
            for k, g in self.table("index_members").groupby("index_code")})
        if index_code not in im:
            return []
        codes, s, e = im[index_code]
        d = np.datetime64(pd.Timestamp(date).normalize())
        return sorted(set(codes[(s <= d) & (e >= d)].tolist()))

    def index_members_known(self, index_code: str) -> bool:
        """Whether the store holds constituents of ``index_code`` (on any day)."""
        return index_code in self.cached("index_members_codes", lambda: set(
            self.table("index_members")["index_code"].astype(str)))

    def xrxd_by_day(self) -> dict[int, list[tuple[str, float, float]]]:
        """Ex-date day index -> list of (code, bonus_pre_tax per 10 shares, scale_factor)."""
        def build():
            out: dict[int, list] = {}
            x = self.table("xrxd")
            for code, d, b, s in zip(x["code"], x["date"], x["bonus_pre_tax"], x["scale_factor"]):
                i = self.day_index(d, "left")
                if i < self.n_days and self.dates[i] == pd.Timestamp(d):
                    out.setdefault(i, []).append((str(code), float(b), float(s)))
            return out
        return self.cached("xrxd_by_day", build)

    def _build_names(self) -> dict:
        out = {}
        for k, g in self.table("names").groupby("code"):
            g = g.sort_values("start_date")
            out[str(k)] = (g["start_date"].values.astype("datetime64[D]").astype(np.int64),
                           g["end_date"].values.astype("datetime64[D]").astype(np.int64),
                           [str(x) for x in g["display_name"]])
        return out

    def display_name(self, code: str, date=None) -> str:
        """The security's name on ``date`` (latest name when None or no history)."""
        if date is not None:
            names = self.cached("names_by_code", self._build_names)
            g = names.get(code)
            if g is not None:
                starts, ends, vals = g
                d = to_date(date).toordinal() - _EPOCH_ORDINAL    # days since 1970-01-01
                k = int(np.searchsorted(starts, d, side="right")) - 1
                if k >= 0 and ends[k] >= d:
                    return vals[k]
        return str(self.securities.at[code, "display_name"]) if code in self.code_index else code


_STORES: dict[tuple[str, str], Store] = {}
_STORES_LOCK = threading.Lock()
_FAST: dict[tuple, Store] = {}


def open_store(path: str | os.PathLike | None = None) -> Store:
    """Open (or reuse) the store at ``path`` (default :func:`default_store_path`).

    Stores are cached per (resolved path, content version from meta.json): the cache is
    keyed by immutable data, so a store re-written by an import is re-read.

    Raises
    ------
    DataError
        When there is no store at ``path``.
    """
    p = Path(path) if path is not None else default_store_path()
    meta = p / "meta.json"
    try:
        stamp = meta.stat()
    except OSError:
        raise DataError(f"no jqlite data store at {p} (meta.json missing); "
                        f"run `jqlite data sample` or `jqlite data import`") from None
    # research mode calls this once per API call: skip re-reading meta.json while it is the
    # same file (a re-import replaces it atomically -> new inode / mtime)
    from .on_demand import folder_stamp
    od = folder_stamp(p)     # a code synthesised on demand (sample store) -> a new Store
    fast = (str(p), stamp.st_mtime_ns, stamp.st_ino, stamp.st_size, od)
    st = _FAST.get(fast)
    if st is not None:
        return st
    version = json.loads(meta.read_text()).get("version", "")
    key = (str(p.resolve()), str(version), od)
    with _STORES_LOCK:
        st = _STORES.get(key)
        if st is None:
            st = Store(p)
            # an older on-demand generation of the same store is superseded (runs holding it
            # keep their reference)
            for k in [k for k in _STORES if k[:2] == key[:2] and k != key]:
                del _STORES[k]
            for k in [k for k, v in _FAST.items() if k[0] == fast[0] and k != fast]:
                del _FAST[k]
            _STORES[key] = st
        _FAST[fast] = st
    return st


def _note_on_demand(code: str) -> None:
    """Remember in the active run that it used an on-demand (synthesised) security."""
    from ..api._binding import run_or_none
    run = run_or_none()
    if run is not None:
        used = getattr(run, "on_demand_used", None)
        if used is None:
            used = run.on_demand_used = set()
        used.add(code)
