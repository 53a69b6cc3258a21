"""Run the JoinQuant compatibility corpus through ``jqlite backtest`` and classify each result.

Usage (from the repository root, with jqlite importable)::

    python benchmarks/compat/run.py                       # every *.py in the cache folder
    python benchmarks/compat/run.py DIR_OR_FILE ... --jobs 2 --timeout 180 \
        --results benchmarks/compat/results/latest.tsv

Each file runs as ``python -m jqlite backtest FILE --start 2021-01-04 --end 2021-03-31
--cash 1000000 --frequency F --out <tmp>/<id> --quiet`` (3 months of the sample market) in its own process,
``--jobs`` at a time, killed after ``--timeout`` seconds.  The class of each run comes from
:func:`classify.classify` (exit code, ``error.json``, the traceback's innermost frames).  The
results are written as TSV (``--results``) and JSON (same name, ``.json``), joined with the
manifest's columns (frequency, asset, python, ml) when the file's id is in the manifest, and a
summary table is printed.

The backtest frequency ``F`` (``--frequency``, default ``auto``): JoinQuant's is picked in its
backtest form, not written in the file, so ``auto`` infers it the way a user reading the file
would (:func:`features.guess_run_frequency`): ``minute`` for a file with a per-bar callback
(``handle_data``, ``run_daily(f, 'every_bar')``) that reads the time of day or minute bars --
logic that waits for 14:55 inside ``handle_data`` never fires at day frequency, where such a
callback runs once at 09:30 -- else ``day`` (HH:MM ``run_daily`` tasks run at their time at day
frequency too).  ``day`` / ``minute`` force one frequency for every file.  The frequency a
file ran at is the ``run_frequency`` column.

The cache folder defaults to ``$JQLITE_COMPAT_CACHE/files`` or ``/work/compat-cache/files``
(see ``fetch.py``).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from classify import CLASSES, classify, first_data_warning, jq_notes, syntax_error_at_end  # noqa: E402
from features import decode_source, describe, guess_run_frequency  # noqa: E402

DEFAULT_CACHE = Path(os.environ.get("JQLITE_COMPAT_CACHE", "/work/compat-cache")) / "files"
MANIFEST = HERE / "manifest.tsv"
FIELDS = ["id", "cls", "cause", "where", "detail", "at", "returncode", "seconds", "orders", "trades",
          "run_frequency", "frequency", "asset", "python", "ml", "repo", "path"]


def read_manifest(path: Path = MANIFEST) -> dict[str, dict[str, str]]:
    """Rows of ``manifest.tsv`` keyed by id (``{}`` when the file does not exist)."""
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as f:
        return {r["id"]: r for r in csv.DictReader(f, delimiter="\t")}


def _count_rows(p: Path) -> int:
    try:
        with p.open(encoding="utf-8", errors="replace") as f:
            return max(sum(1 for _ in f) - 1, 0)
    except OSError:
        return 0


def run_one(path: Path, out_root: Path, *, start: str, end: str, cash: float, timeout: float,
            python: str, data: str | None = None, frequency: str = "auto") -> dict:
    """Run one strategy file in a subprocess; return the raw facts plus its classification.

    ``frequency``: ``'day'``, ``'minute'`` or ``'auto'`` (:func:`features.guess_run_frequency`
    of the file's source).
    """
    sid = path.stem
    out = out_root / sid
    raw = path.read_bytes()
    freq = guess_run_frequency(decode_source(raw)) if frequency == "auto" else frequency
    cmd = [python, "-m", "jqlite", "backtest", str(path), "--start", start, "--end", end,
           "--cash", str(cash), "--frequency", freq, "--out", str(out), "--quiet"]
    if data:
        cmd += ["--data", data]
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    # the report's attribution (Brinson + style exposure) is not what the corpus measures and
    # costs seconds per run: off, so the timeout is spent on the strategy
    env.setdefault("JQLITE_ATTRIBUTION", "off")
    env["MPLBACKEND"] = "Agg"
    t0 = time.perf_counter()
    timed_out = False
    # own process group, so that a timeout also ends the children of the run (joblib, torch)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        so, se = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        so, se = proc.communicate()
    secs = time.perf_counter() - t0
    stderr = se.decode("utf-8", "replace")
    tb = ""
    err = out / "error.json"
    if err.exists():
        try:
            tb = json.loads(err.read_text(encoding="utf-8")).get("traceback") or ""
        except (OSError, ValueError):
            tb = ""
    try:
        log_text = (out / "log.txt").read_text(encoding="utf-8", errors="replace")
    except OSError:
        log_text = ""
    data_warning = first_data_warning(log_text)
    notes = jq_notes(log_text)
    n_orders = _count_rows(out / "orders.csv")
    n_trades = _count_rows(out / "trades.csv")
    desc = describe(raw)
    res = classify(returncode=None if timed_out else proc.returncode, timed_out=timed_out,
                   traceback=tb, stderr=stderr[-20000:], n_orders=n_orders, n_trades=n_trades,
                   strategy_path=str(path.resolve()), timeout_s=timeout,
                   python2=desc["python"] == "2",
                   truncated=syntax_error_at_end(stderr, decode_source(raw)), source=decode_source(raw),
                   data_warning=data_warning, jq_notes=notes)
    return {"id": sid, "cls": res.cls, "cause": res.cause, "where": res.where, "detail": res.detail, "at": res.at,
            "returncode": "" if timed_out else proc.returncode, "seconds": round(secs, 1), "run_frequency": freq,
            "orders": n_orders, "trades": n_trades, **desc, "path_local": str(path),
            "stderr_tail": stderr[-3000:], "traceback": tb[-6000:], "data_warning": data_warning,
            "jq_notes": notes}


def reclassify(rows: list[dict], timeout: float, out_roots: tuple = ()) -> list[dict]:
    """Rows of an earlier results .json classified again with the current rules (no runs).

    ``out_roots``: run folders of those runs (``--out-root``), searched for each file's
    ``log.txt`` when a row predates the ``data_warning`` column.
    """
    out = []
    for r in rows:
        r = dict(r)
        if "data_warning" not in r or "jq_notes" not in r:
            for root in out_roots:
                log = Path(root) / r["id"] / "log.txt"
                if log.exists():
                    text = log.read_text(encoding="utf-8", errors="replace")
                    r.setdefault("data_warning", first_data_warning(text))
                    r.setdefault("jq_notes", jq_notes(text))
                    break
        if r.get("cls") == "timeout" or "stderr_tail" not in r:
            out.append(r)
            continue
        p = Path(r.get("path_local") or "")
        raw = p.read_bytes() if p.is_file() else b""
        rc = r.get("returncode")
        res = classify(returncode=int(rc) if str(rc).lstrip("-").isdigit() else None,
                       traceback=r.get("traceback", ""), stderr=r.get("stderr_tail", ""),
                       n_orders=int(r.get("orders") or 0), n_trades=int(r.get("trades") or 0),
                       strategy_path=str(p.resolve()) if raw else "", timeout_s=timeout,
                       python2=r.get("python") == "2",
                       truncated=syntax_error_at_end(r.get("stderr_tail", ""), decode_source(raw)),
                       source=decode_source(raw), data_warning=r.get("data_warning", ""),
                       jq_notes=r.get("jq_notes", ""))
        r.update(cls=res.cls, cause=res.cause, where=res.where, detail=res.detail, at=res.at)
        out.append(r)
    return out


def merge_rows(new: list[dict], old: list[dict], timeout: float) -> list[dict]:
    """``new`` plus the (reclassified) rows of ``old`` whose id is not in ``new``."""
    ids = {r["id"] for r in new}
    return list(new) + [r for r in reclassify(old, timeout) if r["id"] not in ids]


def collect(paths: list[str]) -> list[Path]:
    """Strategy files from folders (``*.py``, sorted), files, and ``@list`` files of paths."""
    files: list[Path] = []
    for p in paths:
        if p.startswith("@"):
            files += [Path(x.strip()) for x in Path(p[1:]).read_text().splitlines() if x.strip()]
            continue
        q = Path(p)
        files += sorted(q.glob("*.py")) if q.is_dir() else [q]
    return files


def summarize(rows: list[dict]) -> str:
    """The printed summary: counts per class for all files and for Python 3 daily files."""
    def table(sub: list[dict], title: str) -> list[str]:
        c = Counter(r["cls"] for r in sub)
        n = len(sub) or 1
        lines = [f"{title} ({len(sub)} files)", f"  {'class':18s} {'files':>5s} {'share':>7s}"]
        for k in CLASSES:
            lines.append(f"  {k:18s} {c.get(k, 0):5d} {100 * c.get(k, 0) / n:6.1f}%")
        ok = c.get("pass-and-trades", 0) + c.get("pass-no-orders", 0) + c.get("strategy-bug", 0)
        lines.append(f"  {'no jqlite-only error':18s} {ok:5d} {100 * ok / n:6.1f}%  "
                     "(passes + strategy bugs JoinQuant would raise too)")
        return lines
    out = table(rows, "all files")
    py3d = [r for r in rows if r.get("python") == "3" and r.get("frequency") == "daily"]
    out += [""] + table(py3d, "Python 3 daily files")
    causes: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in rows:
        if r["cls"] not in ("pass-and-trades", "pass-no-orders"):
            causes[(r["cls"], r["cause"])].append(r["id"])
    out += ["", "failure causes (files blocked):"]
    for (cls, cause), ids in sorted(causes.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        out.append(f"  {len(ids):4d}  {cls:14s} {cause}   e.g. {', '.join(ids[:2])}")
    return "\n".join(out)


_PY2_BUILTINS = ("xrange", "unicode", "long", "basestring", "raw_input", "unichr", "cmp", "execfile",
                 "file", "reduce", "reload", "buffer", "apply", "iteritems", "has_key")


#: JoinQuant strategy-API names jqlite does not provide yet (seen in the corpus or in JoinQuant's
#: API list); a NameError on one of them is the API area's, on another name the namespace's or
#: the strategy's own.
JQ_API_NAMES = frozenset({
    "get_future_contracts", "get_dominant_future", "set_redeem_latency", "purchase", "redeem",
    "get_call_auction", "transfer_cash", "get_locked_shares", "get_margincash_stocks",
    "get_marginsec_stocks", "get_fund_info", "margincash_open", "margincash_close",
    "marginsec_open", "marginsec_close", "margincash_direct_refund", "marginsec_direct_refund",
    "get_all_factors", "calc_factors", "Factor", "portfolio_optimizer", "get_factor_kanban_values",
    "order_target_percent", "get_last_price", "get_fundamentals_continuously", "bond", "opt", "sup",
})


def owner(cls: str, cause: str) -> str:
    """Which part of jqlite a failure cause points at (for the findings; a guess from the cause).

    ``runtime`` (strategy loading, Python 2, encodings, legacy pandas/numpy idioms, third-party
    imports), ``data`` (sample market content, fundamentals, uploaded files), ``minute``
    (minute bars, ticks), ``api`` (JoinQuant functions/objects/attributes/arguments), ``engine``
    (a crash inside jqlite), ``-`` (strategy bugs, timeouts).
    """
    c = cause
    if cls == "strategy-bug":
        return "-"
    if cls == "timeout":
        return "engine (speed)"
    if c.startswith(("Python 2", "encoding", "datetime.date vs", "dict changed size", "float()/int() of a size-1")) \
            or "(legacy)" in c or any(f"NameError: {n}" == c for n in _PY2_BUILTINS):
        return "runtime"
    if c.startswith(("ModuleNotFoundError", "ImportError")):
        mod = c.split(":", 1)[1].strip()
        return "api" if mod.split(".")[0] in ("jqdata", "jqfactor", "jqlib", "kuanke") else "runtime"
    if "ticks/minute" in c or "minute" in c.lower():
        return "minute"
    if cls == "data-absent" or c.startswith("AttributeError: None.code"):
        return "data"
    if c.startswith("NameError:"):
        name = c.split(":", 1)[1].split("(")[0].strip()
        if name in JQ_API_NAMES:
            return "api"
        if "defined nowhere" in c:
            return "runtime (namespace) or strategy bug"
        return "runtime"
    if c.startswith("get_factor_values: unknown factor"):
        return "api (factors)"
    if cls == "engine-crash":
        return "engine: " + ("api" if "jqlite" in c else "?")
    if cls == "shape-differs":
        lib = any(f" in {m}" in c for m in ("pandas", "numpy", "groupby.pyx", "lib.pyx", "scipy"))
        return "runtime (pandas idiom?)" if lib else "api (shape)"
    return "api"


def class_table(rows: list[dict]) -> list[str]:
    """Markdown table: files and share per class, for all files and for Python 3 daily files."""
    groups = [("all files", rows),
              ("Python 3 daily", [r for r in rows if r.get("python") == "3" and r.get("frequency") == "daily"]),
              ("Python 3 minute/tick", [r for r in rows if r.get("python") == "3" and r.get("frequency") != "daily"]),
              ("Python 2", [r for r in rows if r.get("python") == "2"])]
    head = "| class | " + " | ".join(f"{g} ({len(sub)})" for g, sub in groups) + " |"
    lines = [head, "|---|" + "---:|" * len(groups)]
    counts = [Counter(r["cls"] for r in sub) for _, sub in groups]
    for k in CLASSES:
        cells = [f"{c.get(k, 0)} ({100 * c.get(k, 0) / max(len(sub), 1):.0f} %)" for c, (_, sub) in zip(counts, groups)]
        lines.append(f"| {k} | " + " | ".join(cells) + " |")
    ok = [c.get("pass-and-trades", 0) + c.get("pass-no-orders", 0) + c.get("strategy-bug", 0) for c in counts]
    lines.append("| **no error JoinQuant would not raise** (passes + strategy bugs) | " + " | ".join(
        f"**{o} ({100 * o / max(len(sub), 1):.0f} %)**" for o, (_, sub) in zip(ok, groups)) + " |")
    return lines


def cause_table(rows: list[dict], owner=None) -> list[str]:
    """Markdown table of failure causes, most files first, with example ids and exact error lines."""
    causes: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for r in rows:
        if r["cls"] not in ("pass-and-trades", "pass-no-orders"):
            causes[(r["cls"], r["cause"])].append(r)
    head = "| files | class | cause | examples (id: exact error line) |"
    if owner:
        head = "| files | class | cause | owner | examples (id: exact error line) |"
    lines = [head, "|---:|---|---|" + ("---|" if owner else "") + "---|"]
    for (cls, cause), rs in sorted(causes.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        ex = "<br>".join(f"`{r['id']}`: `{(r.get('detail') or '').replace('|', '/')[:160]}`"
                         + (f" at `{r['at'].replace('|', '/')[:120]}`" if r.get("at") else "") for r in rs[:2])
        own = f" {owner(cls, cause)} |" if owner else ""
        lines.append(f"| {len(rs)} | {cls} | {cause.replace('|', '/')} |{own} {ex} |")
    return lines


def write_markdown(rows: list[dict], path: Path) -> None:
    """The class table and the cause table as one Markdown file."""
    path.write_text("\n".join([f"{len(rows)} files.", "", *class_table(rows), "", "Failure causes:", "",
                                *cause_table(rows, owner)]) + "\n", encoding="utf-8")


def write_results(rows: list[dict], path: Path) -> None:
    """TSV (FIELDS columns) at ``path`` and the full rows as JSON beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS, delimiter="\t", extrasaction="ignore")
        w.writeheader()
        for r in sorted(rows, key=lambda r: r["id"]):
            w.writerow({k: str(r.get(k, "")).replace("\t", " ").replace("\n", " ") for k in FIELDS})
    path.with_suffix(".json").write_text(json.dumps(sorted(rows, key=lambda r: r["id"]), indent=1,
                                                    ensure_ascii=False), encoding="utf-8")


def run_job(path: str, out_root: str, **kw) -> dict:
    """:func:`run_one` with plain-string paths: the job a Dask worker runs (``--scheduler``)."""
    return run_one(Path(path), Path(out_root), **kw)


def _outcomes(files: list[Path], out_root: Path, args):
    """Yield ``(file, row, exception)`` as each file finishes, on threads or on Dask."""
    kw = dict(start=args.start, end=args.end, cash=args.cash, timeout=args.timeout,
              python=args.python, data=args.data, frequency=args.frequency)
    if args.scheduler:
        import run as this  # by module name, so that Dask workers import it (not __main__)
        from jqlite.sweep.batch import map_unordered
        local = args.scheduler == "local"
        by_str = {str(f): f for f in files}
        for p, r, exc in map_unordered(this.run_job, list(by_str), workers=max(1, args.jobs) if local else None,
                                       scheduler=None if local else args.scheduler, sys_path=[str(HERE)],
                                       out_root=str(out_root), **kw):
            yield by_str[p], r, exc
        return
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as ex:
        futs = {ex.submit(run_one, f, out_root, **kw): f for f in files}
        for fut in as_completed(futs):
            try:
                yield futs[fut], fut.result(), None
            except Exception as exc:
                yield futs[fut], None, exc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", help=f"folders, files or @listfiles (default {DEFAULT_CACHE})")
    ap.add_argument("--jobs", type=int, default=2, help="files at a time (threads; with --scheduler local: "
                    "Dask worker processes)")
    ap.add_argument("--scheduler", default=None, metavar="ADDRESS",
                    help="run the files on Dask, the executor of jqlite sweep: 'local' (a LocalCluster of "
                         "--jobs workers) or tcp://host:8786 (workers must see the cache, the store and "
                         "--out-root at the same paths)")
    ap.add_argument("--timeout", type=float, default=180.0, help="seconds per file")
    ap.add_argument("--start", default="2021-01-04")
    ap.add_argument("--end", default="2021-03-31")
    ap.add_argument("--cash", type=float, default=1_000_000)
    ap.add_argument("--data", default=None, help="data store folder (default: jqlite's sample market)")
    ap.add_argument("--frequency", default="auto", choices=("auto", "day", "minute"),
                    help="backtest frequency: 'auto' (default) infers each file's from its source "
                         "(features.guess_run_frequency: minute for a handle_data/every_bar callback that "
                         "reads the time of day or minute bars), 'day'/'minute' force one"),
    ap.add_argument("--results", default="compat-results.tsv", help="TSV path; JSON written beside it")
    ap.add_argument("--out-root", default=None, help="keep run folders here (default: a temp folder); with "
                    "--reclassify: comma-separated run folders to read logs from")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("--limit", type=int, default=0, help="run only the first N files")
    ap.add_argument("--markdown", default=None, help="also write the class and cause tables as Markdown here")
    ap.add_argument("--reclassify", default=None, metavar="RESULTS_JSON",
                    help="do not run: apply the current rules again to a previous results .json")
    ap.add_argument("--merge", default=None, metavar="OLD_JSON",
                    help="after running the given files, add the rows of OLD_JSON for the files not run now "
                         "(re-run a subset after a fix and keep one complete results file)")
    args = ap.parse_args(argv)
    if args.reclassify:
        roots = tuple(args.out_root.split(",")) if args.out_root else ()
        rows = reclassify(json.loads(Path(args.reclassify).read_text(encoding="utf-8")), args.timeout, roots)
        if args.merge:
            rows = merge_rows(rows, reclassify(json.loads(Path(args.merge).read_text(encoding="utf-8")),
                                               args.timeout, roots), args.timeout)
        write_results(rows, Path(args.results))
        print(summarize(rows))
        if args.markdown:
            write_markdown(rows, Path(args.markdown))
        return 0

    files = collect(args.paths or [str(DEFAULT_CACHE)])
    if args.limit:
        files = files[: args.limit]
    if not files:
        print("no strategy files found", file=sys.stderr)
        return 2
    manifest = read_manifest()
    tmp = None
    if args.out_root:
        out_root = Path(args.out_root)
        out_root.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="jqcompat-")
        out_root = Path(tmp.name)
    rows: list[dict] = []
    t0 = time.perf_counter()
    results = Path(args.results)
    for i, (f, r, exc) in enumerate(_outcomes(files, out_root, args), 1):
        if exc is not None:  # the runner itself must go on
            r = {"id": f.stem, "cls": "engine-crash", "cause": f"runner: {type(exc).__name__}: {exc}",
                 "where": "", "detail": "", "returncode": "", "seconds": 0, "orders": 0, "trades": 0}
        m = manifest.get(r["id"], {})
        for k in ("repo", "path", "frequency", "asset", "python", "ml"):
            if m.get(k):
                r[k] = m[k]
        rows.append(r)
        print(f"[{i}/{len(files)}] {r['id']} {r['cls']:15s} {r['seconds']:6.1f}s {r['cause']}",
              flush=True)
        if i % 10 == 0:
            write_results(rows, results)
    if args.merge:
        rows = merge_rows(rows, json.loads(Path(args.merge).read_text(encoding="utf-8")), args.timeout)
    write_results(rows, results)
    print(f"\n{len(rows)} files in {time.perf_counter() - t0:.0f} s; results: {results}\n")
    print(summarize(rows))
    if args.markdown:
        write_markdown(rows, Path(args.markdown))
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
