"""``jqlite data pull`` / ``jqlite data update``: build or extend a store from a data source.

How a pull runs (``docs/data-pull.md``):

1. The credential is resolved (environment or OS keyring, :mod:`jqlite.data.sources.credentials`)
   and checked with the source at once: a rejected one stops the pull with the source's own
   message before anything is written.
2. The securities to pull are listed (``--universe``) and cut into batches.  The plan and
   every finished batch are *committed* into a staging folder beside the store,
   ``.STORE.pull/`` (each batch a parquet file written to a temporary name, flushed and
   renamed; ``state.json`` replaced the same way after it), so a pull stopped by Ctrl-C, a
   network loss or the quota keeps every committed batch and the same command resumes at the
   first missing one.  Nothing is ever committed twice.
3. Each call goes through a rate limit (the source's ``min_interval``) and retries transient
   errors (network, time-out, rate-limit answers) with exponential backoff; an account error
   or an exhausted quota stops at once.  For sources with a quota (jqdatasdk) the rows left
   are checked before each batch and reported.
4. When all batches are in, the store is built with the same derivations as a file import
   (:func:`jqlite.data.ingest.build_store_tables`) and written by
   :func:`jqlite.data.writer.write_store`: built aside, checked and swapped in atomically.  The
   store keeps the raw rows it was built from (``pull/raw/YYYY.parquet``) and where they came
   from (``pull/sources.json``: source, universe, pull times, per table), which is what
   ``jqlite data update`` extends.

``update`` pulls the days after the store's last day for the same source and universe (plus
securities listed since; tushare by its per-day endpoints when that takes fewer calls) and
appends them (:mod:`jqlite.data.append`: only the current year's files are rewritten, in a
hard-linked copy swapped in atomically).  When an append cannot give the same store as a
rebuild (a gap, restated history, new columns; the log says which) -- or with ``rebuild=True``
-- it merges them with the kept raw rows and rebuilds the whole store as a pull does.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import shutil
import time
from pathlib import Path
from typing import Callable, Mapping

import numpy as np
import pandas as pd

from ..errors import DataError
from .calendar import xshg_trading_days
from .ingest import FAR_FUTURE, RAW_COLUMNS, build_store_tables, merge_intervals, security_type_of
from .sources import SourceError, TransientError, source_class
from .sources.base import QuotaExhausted, Source
from .sources.credentials import redact, resolve
from .writer import write_store
from .fundamentals import DIRNAME as FUND_DIR, STATEMENT_TABLES, write_fundamentals_dir
from . import pull_extras

PULL_DIR = "pull"                 # inside a pulled store
#: what --what can select ("bars" always included); minute/valuation/industries/etf: pull_extras
WHAT = ("bars", "minute", "fundamentals", "valuation", "industries", "index", "etf")
#: Indexes ``--what index`` pulls the members of (JoinQuant code -> universe name).
INDEXES = {"000300.XSHG": "hs300", "000905.XSHG": "zz500", "000016.XSHG": "sz50"}
#: --what item -> the Source method that supplies it (a source that does not override it lacks it)
_WHAT_METHOD = {"minute": "fetch_minute", "fundamentals": "fetch_fundamentals", "valuation": "fetch_valuation",
                "industries": "industry_members", "index": "index_snapshots", "etf": "etf_securities"}
SNAPSHOTS = "index_snapshots.parquet"   # in STORE/pull: every member list pulled (update rebuilds from it)
STATE = "state.json"


def staging_dir(out: str | os.PathLike) -> Path:
    """The staging folder of a pull into ``out``: ``.NAME.pull`` beside it."""
    out = Path(out)
    return out.parent / f".{out.name}.pull"


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    with open(tmp, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def _atomic_parquet(df: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    df.to_parquet(tmp, index=False)
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


class _Caller:
    """Rate limit + retries with exponential backoff around one source's calls."""

    def __init__(self, src: Source, secrets, say, *, tries: int, backoff: float, sleep, clock=time.monotonic):
        self.src, self.secrets, self.say = src, secrets, say
        self.tries, self.backoff, self.sleep, self.clock = tries, backoff, sleep, clock
        self.last = None
        self.calls = 0
        self.retries = 0

    def __call__(self, what: str, fn: Callable, *a, **kw):
        for attempt in range(self.tries):
            if self.last is not None and self.src.min_interval > 0:
                wait = self.src.min_interval - (self.clock() - self.last)
                if wait > 0:
                    self.sleep(wait)
            self.last = self.clock()
            self.calls += 1
            try:
                return fn(*a, **kw)
            except KeyboardInterrupt:
                raise
            except Exception as exc:
                kind = self.src.classify(exc)
                if kind is None:
                    raise
                msg = redact(str(exc), self.secrets)
                if kind is TransientError and attempt < self.tries - 1:
                    delay = min(self.backoff * 2 ** attempt, 60.0)
                    self.retries += 1
                    self.say(f"{what}: {msg}; retry {attempt + 1}/{self.tries - 1} in {delay:.1f}s")
                    self.sleep(delay)
                    continue
                raise kind(msg) from None
        raise AssertionError("unreachable")


def _read_raw_dir(d: Path) -> pd.DataFrame:
    files = sorted(d.glob("*.parquet"))
    if not files:
        return pd.DataFrame({c: [] for c in RAW_COLUMNS})
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)


def _normalize_raw(raw: pd.DataFrame) -> pd.DataFrame:
    raw = raw.copy()
    raw["date"] = pd.to_datetime(raw["date"])
    for c in ("paused", "is_st"):
        raw[c] = raw[c].astype(np.int8)
    raw["name"] = raw["name"].astype(object).where(raw["name"].notna(), None)
    return raw


def run_pull(source: str, out: str | os.PathLike, *, start=None, end=None, universe: str = "all",
             codes: list[str] | None = None, adapter: Source | None = None,
             env: Mapping[str, str] | None = None, keyring_get=None, batch_size: int | None = None,
             restart: bool = False, tries: int = 5, backoff: float = 1.0, sleep=time.sleep,
             progress: Callable[[str], None] | None = None,
             on_batch: Callable[[dict], None] | None = None, what=("bars",),
             rebuild: bool = False, _update_of: Path | None = None) -> dict:
    """Pull daily bars (and optionally financial reports) of a universe from a source into the store ``out`` (resumable).

    Parameters
    ----------
    source : str
        ``baostock``, ``tushare``, ``akshare`` or ``jqdatasdk``.
    out : path-like
        Store to create or replace (new, empty or a jqlite store).
    start, end : date-like
        Span (default: 2015-01-05 to today).  The store ends on the last day the source had data.
    universe : str
        ``all``, ``hs300``, ``zz500``, ``sz50`` (as the source supports); ignored with ``codes``.
    codes : list of str, optional
        JoinQuant codes to pull instead of a universe.
    adapter : Source, optional
        A ready adapter (tests pass one around a recorded-response client).
    env, keyring_get
        Where credentials are looked up (default ``os.environ`` and the OS keyring).
    batch_size : int, optional
        Securities per committed batch (default: the source's).
    restart : bool
        Discard an interrupted pull's staging folder instead of resuming it.
    tries, backoff, sleep
        Attempts per call, first backoff in seconds (doubling, at most 60 s), sleep function.
    progress : callable, optional
        Called with log lines (never containing a credential).
    rebuild : bool
        With ``update``: rebuild the whole store from the kept raw rows instead of appending
        the new days (:mod:`jqlite.data.append`).
    on_batch : callable, optional
        Called after each committed batch with ``{'batch', 'batches', 'codes_done', 'codes',
        'rows', 'elapsed', 'quota'}``.
    what : iterable of str
        ``bars`` (always pulled: a store needs them) and optionally ``fundamentals``: the
        source's financial reports of each batch, committed with it, mapped to JoinQuant's
        income / balance / cash_flow / indicator tables (point in time by pubDate; see
        :mod:`jqlite.data.sources.fundamentals_map`) and written to ``STORE/fundamentals``;
        and optionally ``index``: the members of CSI 300 / CSI 500 / SSE 50 (:data:`INDEXES`)
        on the span's first day and every month's last trading day (tushare: its monthly
        weight dates), as membership intervals in ``index_members`` (a list is valid until the
        next one; the last until further notice) and, where the source gives weights,
        ``index_weights`` (percent); ``minute`` (intraday bars into ``bars_minute`` /
        ``bars_5m``), ``valuation`` (``fundamentals/valuation.parquet``), ``industries``
        (``industry_members`` / ``industries``), ``etf`` (the source's ETFs added to the
        universe): see :mod:`jqlite.data.pull_extras` and ``docs/data-pull.md``.  An item the
        source lacks raises :class:`SourceError` before any call.

    Returns
    -------
    dict
        ``store`` (path), ``rows`` (source rows), ``bars``, ``securities``, ``batches``,
        ``resumed_batches`` (already committed when the run started), ``calls``, ``retries``,
        ``first_date``, ``last_date``, ``quota`` (or None), ``status`` (``'written'`` or
        ``'up to date'``), ``fundamentals`` (table -> rows, when pulled; ``valuation`` among
        them), ``extras`` (``minute`` / ``industries`` -> a short summary, when pulled).

    Raises
    ------
    CredentialError
        Missing or rejected credential (nothing written).
    QuotaExhausted
        The account's quota ran out; committed batches are kept for the next run.
    SourceError
        Any other source error after the retries.
    DataError
        The staging folder belongs to a pull with other arguments (use ``restart``), or the
        data fails the store's checks.
    """
    say = progress or (lambda _m: None)
    out = Path(out)
    t0 = time.perf_counter()
    cls = source_class(source)
    secrets = resolve(source, env) if keyring_get is None else resolve(source, env, keyring_get)
    src = adapter if adapter is not None else cls()
    start_d = pd.Timestamp(start or "2015-01-05").normalize()
    end_d = pd.Timestamp(end or _dt.date.today()).normalize()
    if end_d < start_d:
        raise DataError(f"--end {end_d.date()} is before --start {start_d.date()}")
    cal = xshg_trading_days(str(start_d.date()), str(end_d.date()))
    if len(cal) == 0:
        raise DataError(f"no trading day between {start_d.date()} and {end_d.date()}")
    what = tuple(w.strip() for w in (what.split(",") if isinstance(what, str) else what) if w.strip())
    bad = [w for w in what if w not in WHAT]
    if bad:
        raise DataError(f"--what {','.join(bad)}: unknown (one or more of {', '.join(WHAT)})")
    what = tuple(w for w in WHAT if w in what or w == "bars")
    fund = "fundamentals" in what
    for w in what:      # a --what item the source lacks: stop before anything is fetched
        m = _WHAT_METHOD.get(w)
        if m and getattr(type(src), m) is getattr(Source, m):
            args = {"etf": (None,), "index": (None, None), "industries": ([], [])}.get(w, ([], None, None))
            getattr(Source, m)(src, *args)      # raises SourceError naming the sources that have it
    call = _Caller(src, secrets, say, tries=tries, backoff=backoff, sleep=sleep)

    stage = staging_dir(out)
    want = {"source": source, "start": str(cal[0].date()), "end": str(cal[-1].date()),
            "universe": "codes" if codes else universe, "mode": "update" if _update_of else "pull",
            "what": ",".join(what)}
    state = None
    if (stage / STATE).exists():
        state = json.loads((stage / STATE).read_text())
        if restart or any(state.get(k, "bars" if k == "what" else None) != v for k, v in want.items()):
            if not restart:
                got = {k: state.get(k) for k in want}
                raise DataError(f"{stage} holds an interrupted pull with other arguments ({got}); rerun that "
                                f"command to finish it, or pass --restart to discard it")
            shutil.rmtree(stage)
            state = None

    say(f"{source}: logging in")
    call("login", src.login, secrets)
    try:
        if state is None:
            stage.mkdir(parents=True, exist_ok=True)
            (stage / "batches").mkdir(exist_ok=True)
            if codes:
                secs = pd.DataFrame({"code": list(codes), "display_name": None})
            else:
                say(f"{source}: listing the {universe} universe")
                secs = call("securities", src.securities, universe, cal[-1].date())
                if "etf" in what:
                    say(f"{source}: listing exchange-traded funds")
                    secs = pd.concat([secs, call("etf list", src.etf_securities, cal[-1].date())], ignore_index=True)
            if _update_of is not None:
                old = pd.read_parquet(_update_of / PULL_DIR / "securities.parquet")
                gone = old[~old["code"].isin(secs["code"])]
                if len(gone):     # delisted since, or not in today's list: keep them
                    secs = pd.concat([secs, gone.dropna(axis=1, how="all")], ignore_index=True)
            secs = secs.drop_duplicates("code").sort_values("code").reset_index(drop=True)
            if secs.empty:
                raise SourceError(f"{source}: the {universe} universe is empty")
            _atomic_parquet(secs, stage / "securities.parquet")
            bs = batch_size or src.batch_size
            allc = secs["code"].tolist()
            blist = [allc[i:i + bs] for i in range(0, len(allc), bs)]
            # per-day endpoints only for bars of stocks: reports, minute bars, valuation and ETFs
            # are fetched per batch of securities
            by_day = (_update_of is not None and src.per_day and not fund and "etf" not in what
                      and not any(item in what for item in pull_extras.PER_BATCH)
                      and len(cal) * src.day_calls < len(blist) * src.batch_calls)
            if by_day:      # one call per day for all securities (see Source.fetch_day)
                say(f"{source}: {len(cal)} day(s) by the per-day endpoints ({len(cal) * src.day_calls} calls "
                    f"instead of about {len(blist) * src.batch_calls})")
                blist = [[f"@{d.date()}"] for d in cal]
            state = dict(want, batches=blist, done=[], by_day=by_day,
                         started=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
            _atomic_write_bytes(stage / STATE, json.dumps(state, indent=1).encode())
        secs = pd.read_parquet(stage / "securities.parquet")
        if "type" not in secs.columns:
            secs["type"] = secs["code"].map(security_type_of)
        secs["type"] = secs["type"].fillna(secs["code"].map(security_type_of))
        batches = state["batches"]
        done = set(state["done"])
        resumed = len(done)
        if resumed:
            say(f"{source}: resuming, {resumed} of {len(batches)} batches already committed in {stage}")
        n_codes = sum(len(b) for b in batches)
        codes_done = sum(len(batches[i]) for i in done)
        rows = sum(len(pd.read_parquet(stage / "batches" / f"{i:05d}.parquet", columns=["date"])) for i in done)
        quota = None
        for i, batch in enumerate(batches):
            if i in done:
                continue
            quota = call("quota", src.quota)
            if quota is not None:
                need = src.rows_estimate(len(secs), 1, what) if state.get("by_day") else \
                    src.rows_estimate(len(batch), len(cal), what, span=(cal[0].date(), cal[-1].date()))
                if quota["spare"] < need:
                    raise QuotaExhausted(
                        f"{source}: daily quota: {quota['total'] - quota['spare']:,} of {quota['total']:,} rows "
                        f"used, {quota['spare']:,} left, the next batch needs about {need:,}; {len(done)} of "
                        f"{len(batches)} batches are committed in {stage}: run the same command again when the "
                        "quota is renewed")
            for old in (stage / "batches").glob(f"{i:05d}.*.parquet"):    # an earlier, interrupted try
                old.unlink()
            if fund:     # committed before the batch is marked done: a resumed batch pulls both again
                reports = call(f"fundamentals {i + 1}/{len(batches)}", src.fetch_fundamentals, batch,
                               cal[0].date(), cal[-1].date())
                for t, df in reports.items():
                    _atomic_parquet(df, stage / "batches" / f"{i:05d}.{t}.parquet")
            for item in pull_extras.PER_BATCH:      # minute bars, valuation: as the reports
                if item in what:
                    got = call(f"{item} {i + 1}/{len(batches)}", getattr(src, f"fetch_{item}"), batch,
                               cal[0].date(), cal[-1].date())
                    _atomic_parquet(got, stage / "batches" / f"{i:05d}.{item}.parquet")
            if state.get("by_day"):
                day = pd.Timestamp(batch[0][1:]).date()
                frame = call(f"day {day}", src.fetch_day, day, secs["code"].tolist())
                label = f"day {day}"
            else:
                frame = call(f"batch {i + 1}/{len(batches)}", src.fetch_daily, batch, cal[0].date(), cal[-1].date())
                label = f"batch {i + 1} ({batch[0]} .. {batch[-1]})"
            raw = src.to_raw(frame, label) if len(frame) else pd.DataFrame({c: [] for c in RAW_COLUMNS})
            _atomic_parquet(raw, stage / "batches" / f"{i:05d}.parquet")
            done.add(i)
            state["done"] = sorted(done)
            _atomic_write_bytes(stage / STATE, json.dumps(state, indent=1).encode())
            codes_done += len(batch)
            rows += len(raw)
            info = {"batch": len(done), "batches": len(batches), "codes_done": codes_done, "codes": n_codes,
                    "rows": rows, "elapsed": time.perf_counter() - t0, "quota": quota}
            if on_batch:
                on_batch(info)
            else:
                say(f"batch {len(done)}/{len(batches)}: {codes_done}/{n_codes} securities, {rows:,} rows")
        if "index" in what and not (stage / "index.parquet").exists():
            days = _snapshot_days(cal)
            frames = []
            for icode in INDEXES:
                say(f"{source}: members of {icode} on {len(days)} day(s)")
                got = call(f"index {icode}", src.index_snapshots, icode, [d.date() for d in days])
                if got.empty:
                    say(f"{source}: no member list of {icode} in the span: the store has no members for it")
                frames.append(got)
            _atomic_parquet(pd.concat(frames, ignore_index=True), stage / "index.parquet")
        if "industries" in what and not (stage / "industries.parquet").exists():
            days = _snapshot_days(cal)
            say(f"{source}: industry classification of {len(secs)} securities")
            got = call("industries", src.industry_members, secs["code"].tolist(), [d.date() for d in days])
            _atomic_parquet(got, stage / "industries.parquet")
        if quota is not None:
            quota = call("quota", src.quota)
            say(f"{source}: quota {quota['total'] - quota['spare']:,} of {quota['total']:,} rows used today, "
                f"{quota['spare']:,} left")
    finally:
        src.logout()

    new_raw = pd.concat([pd.read_parquet(stage / "batches" / f"{i:05d}.parquet") for i in range(len(batches))],
                        ignore_index=True)
    reports = _collect_reports(stage, _update_of) if fund else {}
    if "valuation" in what:      # STORE/fundamentals/valuation.parquet (bounded to the store below)
        val = pull_extras.batch_frames(stage, "valuation")
        if val is not None:
            reports["valuation"] = val
    note = getattr(src, "note", None)
    if note:
        say(note)
    if _update_of is not None and not new_raw.empty and not rebuild:
        done_append = _try_append(_update_of, new_raw, secs, cal, stage, source=source, want=want, what=what,
                                  reports=reports, fund=fund, say=say)
        if done_append is not None:
            return dict(done_append, batches=len(batches), resumed_batches=resumed, calls=call.calls,
                        retries=call.retries, quota=quota, seconds=time.perf_counter() - t0)
    old_raw = None
    prev = {}
    if _update_of is not None:
        old_raw = _read_raw_dir(_update_of / PULL_DIR / "raw")
        prev = json.loads((_update_of / PULL_DIR / "sources.json").read_text())
    if new_raw.empty and old_raw is not None and not reports:
        shutil.rmtree(stage, ignore_errors=True)
        return {"store": _update_of, "status": "up to date", "rows": 0, "batches": len(batches),
                "resumed_batches": resumed, "calls": call.calls, "retries": call.retries, "quota": quota}
    if new_raw.empty:
        raise SourceError(f"{source}: no rows for {len(secs)} securities between {cal[0].date()} and "
                          f"{cal[-1].date()}")
    raw = new_raw if old_raw is None or old_raw.empty else pd.concat([old_raw, new_raw], ignore_index=True)
    raw = _normalize_raw(raw).sort_values(["code", "date"], kind="stable").reset_index(drop=True)
    dup = raw.duplicated(["code", "date"], keep="last")
    if dup.any():       # a day pulled again (update overlapping the last day): the newer row wins
        raw = raw[~dup.to_numpy()].reset_index(drop=True)
    first = raw["date"].min()
    last = raw["date"].max()
    full_cal = xshg_trading_days(str(first.date()), str(last.date()))
    have = pd.DatetimeIndex(raw["date"].unique())
    missing = full_cal.difference(have)
    if len(missing):
        say(f"{source}: no data at all on {len(missing)} trading day(s), e.g. "
            f"{', '.join(str(d.date()) for d in missing[:5])}: securities are shown suspended there")
    raw["_row"] = np.arange(len(raw))
    master = secs.copy()
    first_row = raw.groupby("code")["date"].min()
    if "start_date" in master.columns:
        # the source's listing date (get_security_info(...).start_date: strategies skip new
        # listings by it), never after the security's first bar in the store
        src_start = pd.to_datetime(master["start_date"])
        fr = master["code"].map(first_row)
        master["start_date"] = src_start.where(src_start.notna() & (src_start <= fr), fr)
    ipo_dates = None
    if "start_date" in secs.columns and pd.to_datetime(secs["start_date"]).notna().all():
        # listing dates known: the IPO day (no price limit) is the listing day when it is in
        # the store, not "the first row after the store's first day" (a stock suspended at the
        # start of the span is no IPO when it resumes); BSE's NEEQ transfers of 2021-11-15 keep limits
        s = pd.Series(pd.to_datetime(secs["start_date"]).to_numpy(), index=secs["code"].to_numpy())
        fr = first_row.reindex(s.index)
        keep = (s == fr) & ~((s == pd.Timestamp("2021-11-15")) & s.index.str.endswith(".BJSE"))
        ipo_dates = s[keep.to_numpy()]
    spans = None
    if "listed" in secs.columns:
        # still listed today but no rows at the span's end: suspended there (tushare and akshare
        # send no row on a suspended day), so dense paused rows to the last day, not a delisting
        listed = set(secs.loc[secs["listed"].fillna(False).astype(bool), "code"])
        last_row = raw.groupby("code")["date"].max()
        ext = [c for c in last_row.index if c in listed and last_row[c] < full_cal[-1]]
        if ext:
            say(f"{len(ext)} listed securities have no rows at the end (suspended), e.g. {ext[0]}")
            spans = pd.DataFrame({"first": first_row, "last": last_row})
            spans.loc[ext, "last"] = full_cal[-1]
    master = master.drop(columns=[c for c in ("listed",) if c in master.columns])
    say("building the store tables")
    if fund:
        known = set(master["code"])
        reports = {t: df[df["code"].isin(known).to_numpy()] for t, df in reports.items()}
        for t in STATEMENT_TABLES:
            n = len(reports.get(t, ()))
            say(f"fundamentals {t}: {n:,} reports" + ("" if n else " (the source has none for this universe)"))
    if "valuation" in what:
        val, dropped = pull_extras.valuation_table(stage, _update_of, set(master["code"]), full_cal)
        if val is not None:
            reports["valuation"] = val
        say(f"valuation: {0 if val is None else len(val):,} rows" + (f"; {dropped:,} rows outside the store's "
                                                                       "securities or days left out" if dropped else ""))
    snaps = _collect_snapshots(stage, _update_of)
    tables, stats = build_store_tables(raw, full_cal, securities=master, progress=say, ipo_dates=ipo_dates,
                                       spans=spans,
                                       source=lambda c, d: f"{source} {c} {pd.Timestamp(d).date()}")
    if snaps is not None:
        members, weights, dropped = _index_tables(snaps, full_cal, set(master["code"]))
        tables["index_members"] = members
        if len(weights):
            tables["index_weights"] = weights
        say(f"index members: {len(members):,} intervals of {members['index_code'].nunique()} indexes from "
            f"{snaps['date'].nunique()} member lists" + (f"; {dropped:,} members outside the pulled securities "
                                                         "left out" if dropped else ""))
    if "industries" in what:
        ind = pull_extras.industry_tables(stage, _update_of, set(master["code"]))
        if ind is not None:
            tables["industry_members"], tables["industries"] = ind
            say(f"industries: {len(ind[0]):,} membership intervals in {ind[0]['scheme'].nunique()} scheme(s)")
    extras_done = {}          # what the --what extras added, for the caller's summary
    if "industry_members" in tables and "industries" in what:
        extras_done["industries"] = f"{len(tables['industry_members']):,} membership intervals"
    minute = None
    if "minute" in what:
        new_min = pull_extras.batch_frames(stage, "minute")
        base = src.minute_base
        if new_min is not None:
            new_min, mstats = pull_extras.minute_days(new_min, tables["bars_daily"], base)
            say(f"minute bars ({base}m): {mstats['days']:,} security-days" +
                (f"; {mstats['suspended']:,} on suspended or unknown days and {mstats['incomplete']:,} without "
                 f"all {len(pull_extras.BASES[base][1])} bars left out" if mstats['suspended'] or mstats['incomplete']
                 else ""))
            extras_done["minute"] = f"{mstats['days']:,} security-days of {base}-minute bars"
        minute = (new_min, base)
    now = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    hist = prev.get("history", []) + [{"pulled_at": now, "start": str(cal[0].date()), "end": str(cal[-1].date()),
                                       "rows": int(len(new_raw)), "securities": int(new_raw["code"].nunique())}]
    record = {"source": source, "universe": want["universe"], "library": cls.module,
              "library_version": _lib_version(cls.module),
              "what": list(what),
              "tables": {t: {"source": source, "pulled_at": now, "first_date": str(first.date()),
                             "last_date": str(last.date())} for t in tables},
              "history": hist}
    for t, df in reports.items():
        record["tables"][f"{FUND_DIR}/{t}"] = {"source": source, "pulled_at": now, "rows": int(len(df))}
    if minute is not None and minute[0] is not None:
        record["tables"][pull_extras.BASES[minute[1]][0]] = {"source": source, "pulled_at": now,
                                                             "rows": int(len(minute[0]))}
    raw_keep = raw.drop(columns=["_row"])

    def write_pull_dir(target: Path) -> None:
        (target / "raw").mkdir(parents=True)
        years = raw_keep["date"].dt.year.to_numpy()
        for y in np.unique(years):
            raw_keep[years == y].to_parquet(target / "raw" / f"{y}.parquet", index=False)
        secs.to_parquet(target / "securities.parquet", index=False)
        if snaps is not None:
            snaps.to_parquet(target / SNAPSHOTS, index=False)
        (target / "sources.json").write_text(json.dumps(record, indent=1, ensure_ascii=False))

    dest = _update_of if _update_of is not None else out
    say(f"writing store {dest}: {stats['bars']:,} bar rows")
    extra = {PULL_DIR: write_pull_dir}
    if minute is not None:
        extra[pull_extras.BASES[minute[1]][0]] = pull_extras.minute_writer(minute[0], minute[1], _update_of)
    old_fund = _update_of / FUND_DIR if _update_of is not None and (_update_of / FUND_DIR).is_dir() else None
    if reports or old_fund is not None:
        # pulled reports, and on update the old store's fundamentals tables not pulled again
        codes_known = list(master["code"])
        extra[FUND_DIR] = lambda target: write_fundamentals_dir(target, reports, codes=codes_known,
                                                                keep_from=old_fund)
    write_store(dest, tables, name=f"{source}-{want['universe']}", source=f"{source} pull {now}",
                sources={"bars_daily": f"{source} pull"}, progress=say, extra_files=extra)
    shutil.rmtree(stage, ignore_errors=True)
    return {"store": dest, "status": "written", "mode": "rebuild" if _update_of is not None else "pull", "rows": int(len(new_raw)), "bars": stats["bars"],
            "securities": stats["securities"], "batches": len(batches), "resumed_batches": resumed,
            "calls": call.calls, "retries": call.retries, "first_date": str(first.date()),
            "last_date": str(last.date()), "quota": quota, "limit_violations": stats["limit_violations"],
            "seconds": time.perf_counter() - t0, "fundamentals": {t: int(len(df)) for t, df in reports.items()},
            "extras": extras_done}


def _snapshot_days(cal: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """The first day of ``cal`` and each month's last trading day in it (member-list days)."""
    s = pd.Series(cal, index=cal)
    month_ends = s.groupby([cal.year, cal.month]).max()
    return pd.DatetimeIndex(sorted(set([cal[0]]) | set(month_ends)))


def _collect_snapshots(stage: Path, update_of: Path | None) -> pd.DataFrame | None:
    frames = []
    if update_of is not None and (update_of / PULL_DIR / SNAPSHOTS).exists():
        frames.append(pd.read_parquet(update_of / PULL_DIR / SNAPSHOTS))
    if (stage / "index.parquet").exists():
        frames.append(pd.read_parquet(stage / "index.parquet"))
    if not frames:
        return None
    s = pd.concat(frames, ignore_index=True)
    s["date"] = pd.to_datetime(s["date"])
    s = s.drop_duplicates(["index_code", "date", "code"], keep="last")
    return s.sort_values(["index_code", "date", "code"]).reset_index(drop=True)


def _index_tables(snaps: pd.DataFrame, cal: pd.DatetimeIndex, known: set) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """Member lists -> (index_members intervals, index_weights rows on store days, members dropped).

    A list taken on day d_k holds from d_k to the day before the next list d_{k+1}; the last
    list holds until further notice (2200-01-01).  Intervals are clipped to the store's first
    day and consecutive ones of the same member merged.
    """
    parts = []
    for _icode, g in snaps.groupby("index_code"):
        days = np.sort(g["date"].unique())
        ends = pd.Series(list(pd.DatetimeIndex(days[1:]) - pd.Timedelta(1, unit="D")) + [FAR_FUTURE],
                         index=pd.DatetimeIndex(days))
        parts.append(pd.DataFrame({"index_code": g["index_code"].to_numpy(), "code": g["code"].to_numpy(),
                                   "start_date": g["date"].to_numpy(),
                                   "end_date": ends.reindex(g["date"]).to_numpy()}))
    iv = pd.concat(parts, ignore_index=True)
    inside = iv["code"].isin(known).to_numpy()
    dropped = int((~inside).sum())
    iv = iv[inside & (iv["end_date"] >= cal[0]).to_numpy()].copy()
    iv["start_date"] = iv["start_date"].where(iv["start_date"] >= cal[0], cal[0])
    members = merge_intervals(iv, max_gap_days=1).reset_index(drop=True)
    w = snaps[snaps["weight"].notna().to_numpy() & snaps["date"].isin(cal).to_numpy()
              & snaps["code"].isin(known).to_numpy()]
    weights = w[["index_code", "code", "date", "weight"]].reset_index(drop=True)
    return members, weights, dropped


def _collect_reports(stage: Path, update_of: Path | None) -> dict[str, pd.DataFrame]:
    """The committed report batches per table; on update merged with the store's own rows
    (a report already in the store keeps its first-announced version; the year-to-date rows
    added after a kept quarter are re-based on it, see
    :func:`~jqlite.data.sources.fundamentals_map.rebase_on_kept`)."""
    from .fundamentals import CUMULATIVE_TABLES, STOCK_ITEMS
    from .sources.fundamentals_map import rebase_on_kept

    def dates(df):
        for c in ("statDate", "pubDate"):
            df[c] = pd.to_datetime(df[c])
        return df

    out = {}
    for t in STATEMENT_TABLES:
        old = None
        if update_of is not None and (update_of / FUND_DIR / f"{t}.parquet").exists():
            old = dates(pd.read_parquet(update_of / FUND_DIR / f"{t}.parquet"))
            old = old if len(old) else None
        frames = [f for f in (pd.read_parquet(f) for f in sorted((stage / "batches").glob(f"*.{t}.parquet")))
                  if len(f)]
        new = dates(pd.concat(frames, ignore_index=True)).drop_duplicates(["code", "statDate"], keep="first") \
            if frames else None
        if old is not None and new is not None and t in CUMULATIVE_TABLES:
            new = rebase_on_kept(old, new, STOCK_ITEMS.get(t, ()))
        frames = [f for f in (old, new) if f is not None]
        if not frames:
            continue
        df = pd.concat(frames, ignore_index=True)
        out[t] = df.drop_duplicates(["code", "statDate"], keep="first").reset_index(drop=True)
    return out


def _lib_version(module: str) -> str | None:
    try:
        from importlib.metadata import version
        return version(module)
    except Exception:
        return None


def _try_append(store: Path, new_raw: pd.DataFrame, secs: pd.DataFrame, cal: pd.DatetimeIndex, stage: Path, *,
                source: str, want: dict, what, reports: dict, fund: bool, say) -> dict | None:
    """Append the update's days to ``store`` (:mod:`jqlite.data.append`); None (and a log line
    saying why) when only a full rebuild gives the right store."""
    from .append import AppendImpossible, append_days
    prev = json.loads((store / PULL_DIR / "sources.json").read_text())
    raw = _normalize_raw(new_raw).sort_values(["code", "date"], kind="stable")
    raw = raw[~raw.duplicated(["code", "date"], keep="last").to_numpy()].reset_index(drop=True)
    if "type" not in secs.columns:
        secs = secs.assign(type=secs["code"].map(security_type_of))
    tables: dict[str, pd.DataFrame] = {}
    extra: dict = {}
    try:
        if "minute" in what:
            raise AppendImpossible("--what minute: the minute-bar folders are rewritten with the store")
        old_cal = pd.DatetimeIndex(pd.to_datetime(pd.read_parquet(store / "calendar.parquet")["date"]))
        end = raw["date"].max()
        full_cal = old_cal.append(cal[(cal > old_cal[-1]) & (cal <= end)])
        snaps = _collect_snapshots(stage, store)
        known = set(secs["code"]) | set(raw["code"])        # what a rebuild's master holds
        if "valuation" in what:
            val, dropped = pull_extras.valuation_table(stage, store, known, full_cal)
            if val is not None:
                reports["valuation"] = val
            say(f"valuation: {0 if val is None else len(val):,} rows" + (
                f"; {dropped:,} rows outside the store's securities or days left out" if dropped else ""))
        if "industries" in what:
            ind = pull_extras.industry_tables(stage, store, known)
            if ind is not None:
                tables["industry_members"], tables["industries"] = ind
                say(f"industries: {len(ind[0]):,} membership intervals in {ind[0]['scheme'].nunique()} scheme(s)")
        if snaps is not None and (stage / "index.parquet").exists():
            members, weights, _dropped = _index_tables(snaps, full_cal, known)
            tables["index_members"] = members
            if len(weights):
                tables["index_weights"] = weights
            extra[f"{PULL_DIR}/{SNAPSHOTS}"] = lambda target: snaps.to_parquet(target, index=False)
        if reports:
            old_fund = store / FUND_DIR if (store / FUND_DIR).is_dir() else None
            reports = {t: df[df["code"].isin(known).to_numpy()] for t, df in reports.items()}
            extra[FUND_DIR] = lambda target: write_fundamentals_dir(target, reports, codes=sorted(known),
                                                                    keep_from=old_fund)
        say(f"appending {raw['date'].nunique()} day(s), {len(raw):,} rows to {store}")
        r = append_days(store, raw, secs, cal, source=source, record=prev, universe=want["universe"],
                        what=tuple(what), pulled={"rows": len(new_raw), "securities": new_raw["code"].nunique()},
                        tables=tables, extra_files=extra, progress=say,
                        counts={f"{FUND_DIR}/{t}": int(len(df)) for t, df in reports.items()})
    except AppendImpossible as exc:
        say(f"update: the new days cannot be appended ({exc}); rebuilding the whole store")
        return None
    shutil.rmtree(stage, ignore_errors=True)
    if r["new_securities"]:
        say(f"new listings: {len(r['new_securities'])}, e.g. {r['new_securities'][0]}")
    if r["ended"]:
        say(f"ended on their last row (no longer listed): {len(r['ended'])}, e.g. {r['ended'][0]}")
    say(f"appended {r['bars']:,} bar rows in {r['seconds']:.1f}s")
    return {"store": store, "status": "written", "mode": "append", "rows": int(len(new_raw)), "bars": r["bars"],
            "securities": r["securities"], "first_date": r["first_date"], "last_date": r["last_date"],
            "limit_violations": r["limit_violations"],
            "fundamentals": {t: int(len(df)) for t, df in reports.items()},
            "extras": ({"industries": f"{len(tables['industry_members']):,} membership intervals"}
                       if "industry_members" in tables else {})}


def run_update(store: str | os.PathLike, *, end=None, adapter: Source | None = None, **kw) -> dict:
    """Pull the days after ``store``'s last day from the source it was pulled from.

    Parameters
    ----------
    store : path-like
        A store written by :func:`run_pull` (it has ``pull/sources.json``).
    end : date-like, optional
        Last day to pull (default today).
    adapter, **kw
        As for :func:`run_pull` (``env``, ``progress``, ``on_batch``, ``restart`` ...).

    Returns
    -------
    dict
        As :func:`run_pull`; ``status`` is ``'up to date'`` when there was no new day.

    Raises
    ------
    DataError
        ``store`` was not made by ``jqlite data pull``.
    """
    store = Path(store)
    rec_file = store / PULL_DIR / "sources.json"
    if not rec_file.exists():
        raise DataError(f"{store} was not made by `jqlite data pull` (no {PULL_DIR}/sources.json): "
                        "pull it first, or import files again with `jqlite data import`")
    rec = json.loads(rec_file.read_text())
    last = pd.Timestamp(rec["tables"]["bars_daily"]["last_date"])
    stage = staging_dir(store)
    if (stage / STATE).exists():
        st = json.loads((stage / STATE).read_text())
        if st.get("mode") == "update" and pd.Timestamp(st.get("end", "1900-01-01")) <= last:
            # an update that reached the store but was stopped before it cleaned up after itself
            say = kw.get("progress") or (lambda _m: None)
            say(f"{stage}: the update to {st.get('end')} is already in the store; removing its staging folder")
            shutil.rmtree(stage, ignore_errors=True)
    end_d = pd.Timestamp(end or _dt.date.today()).normalize()
    nxt = xshg_trading_days(str((last + pd.Timedelta(1, unit="D")).date()), str(max(end_d, last).date()))
    if len(nxt) == 0:
        return {"store": store, "status": "up to date", "rows": 0, "last_date": str(last.date())}
    codes = None
    if rec["universe"] == "codes":
        codes = pd.read_parquet(store / PULL_DIR / "securities.parquet")["code"].tolist()
    kw.setdefault("what", tuple(rec.get("what", ("bars",))))
    return run_pull(rec["source"], store, start=nxt[0], end=nxt[-1],
                    universe=rec["universe"] if codes is None else "all", codes=codes, adapter=adapter,
                    _update_of=store, **kw)
