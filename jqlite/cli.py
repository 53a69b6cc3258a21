"""Command line: ``jqlite backtest``, ``jqlite check``, ``jqlite data sample|import|pull|update|info``, ``jqlite report``,
``jqlite sweep``.

Exit codes of ``backtest``: 0 success, 1 a strategy callback raised (partial results are
written), 2 bad arguments or data.  ``check``: 0 nothing blocks, 1 a blocker was found, 2 bad
arguments (a missing file or ``--data`` store).
"""

from __future__ import annotations

import datetime as _dt
import math
import shutil
import sys
import time
from pathlib import Path

import click


def _progress_printer():
    """A rich progress bar on a terminal, plain lines (every 10 %) otherwise.

    The time estimate counts from the end of the first day: the first day carries the
    strategy's set-up (imports, model training, first data loads), which later days do not
    repeat, so extrapolating it would overstate the remaining time many times over.
    """
    state = {"t0": time.perf_counter(), "t1": None, "last": -1, "bar": None, "task": None}
    tty = sys.stderr.isatty()

    def cb(done: int, total: int, run) -> None:
        now = time.perf_counter()
        el = now - state["t0"]
        if done == 1 or state["t1"] is None:
            state["t1"] = (now, done)
        t1, d1 = state["t1"]
        eta = (now - t1) / (done - d1) * (total - done) if done > d1 else None
        fut = getattr(run, "futures", None)
        # the equity the returns use (margin accounts: net of their liabilities)
        ledger = getattr(run, "ledger", None)
        val = ledger[-1][1] if ledger else (run.portfolio if fut is None else fut.view).total_value
        date = run.current_date
        if tty:
            if state["bar"] is None:
                from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
                state["bar"] = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                                        TextColumn("eta {task.fields[eta]}"), transient=True, console=None)
                state["bar"].start()
                state["task"] = state["bar"].add_task("", total=total, eta="?")
            state["bar"].update(state["task"], completed=done, description=f"{date} value {val:,.0f}",
                                eta="?" if eta is None else f"{eta:.0f}s")
            if done == total:
                state["bar"].stop()
        else:
            pct = done * 10 // total
            if pct != state["last"] or done == total:
                state["last"] = pct
                eta_s = "?" if eta is None else f"{eta:.1f}s"
                print(f"[{done}/{total}] {date} value={val:,.2f} elapsed={el:.1f}s eta={eta_s}",
                      file=sys.stderr)

    def close() -> None:
        """Stop a live progress bar (a run stopped early leaves it running otherwise)."""
        if state["bar"] is not None:
            state["bar"].stop()
    cb.close = close
    return cb


@click.group()
@click.version_option(package_name="jqlite-engine")
def main() -> None:
    """jqlite: run JoinQuant strategy files locally."""


def gap_summary_lines(metrics: dict) -> list[str]:
    """The console lines after the metrics table: one per data gap (``jqlite.api._gaps``),
    and one saying so when the run placed no order."""
    from .api._gaps import summary_lines

    gaps = metrics.get("data_gaps") or []
    lines = []
    if gaps:
        lines.append(f"data gaps ({len(gaps)}): calls answered with empty/NaN data the store does not hold")
        lines += ["  " + ln for ln in summary_lines(gaps)]
    if metrics.get("orders_placed") == 0:
        lines.append("this run placed no order" + (" — see the data gaps above" if gaps else ""))
    return lines


def _summary(result, out: Path | None) -> None:
    from rich.console import Console
    from rich.table import Table

    m = result.metrics
    t = Table(title="收益概述 (jqlite)")
    t.add_column("metric")
    t.add_column("value", justify="right")
    try:
        from .analysis.metrics import format_panel
        rows = format_panel(m)
    except Exception:  # pragma: no cover - metrics module missing
        rows = [(k, str(v)) for k, v in m.items() if k != "config"]
    for label, text in rows:
        t.add_row(str(label), str(text))
    run = getattr(result, "run", None)
    for w in getattr(run, "warnings", None) or []:
        t.add_row("warning", w)
    con = Console(file=sys.stdout)
    con.print(t)
    for note in getattr(result.run, "notes", None) or []:
        con.print(f"[yellow]note:[/yellow] {note}")
    for line in gap_summary_lines(m):
        con.print(line, markup=False, highlight=False)
    if out is not None:
        con.print(f"results: {out}")


@main.command()
@click.argument("strategy", type=click.Path(dir_okay=False))
@click.option("--start", required=True, help="first day, YYYY-MM-DD")
@click.option("--end", required=True, help="last day, YYYY-MM-DD (cut to the store's last day, with a warning)")
@click.option("--cash", default=100000.0, show_default=True, type=float, help="starting cash, yuan")
@click.option("--benchmark", default=None, help="benchmark code (overrides set_benchmark); must be in the store")
@click.option("--data", default=None, type=click.Path(file_okay=False), help="data store folder")
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="run folder (default: a new runs/<name>-<time>[-N]); must be new, empty or a run of "
                   "the same strategy unless --force")
@click.option("--force", is_flag=True, help="write into a non-empty --out folder, overwriting its files")
@click.option("--seed", default=0, show_default=True, type=int, help="random seed")
@click.option("--threads", default=None, type=int,
              help="OpenMP/BLAS threads for LightGBM/XGBoost/BLAS/PyTorch (default: CPU count); "
                   "same seed + threads => identical orders")
@click.option("--storage", default=None, type=click.Path(file_okay=False), help="write_file/read_file folder")
@click.option("--quiet", is_flag=True, help="do not echo the strategy log")
@click.option("--frequency", default="day", show_default=True, type=click.Choice(["day", "minute", "tick"]),
              help="JoinQuant backtest frequency; 'minute' needs minute bars (tick is not supported)")
@click.option("--verbose", is_flag=True,
              help="echo every order warning too (default: counted per kind at the end; all are in log.txt)")
@click.option("--attribution", default=None, type=click.Choice(["style", "full", "brinson", "off"]),
              help="report attribution: Brinson by SW L1 industry + cheap CNE5 style exposure (style, the "
                   "default), all CNE5 factors (full), Brinson only, or none; default $JQLITE_ATTRIBUTION or style")
def backtest(strategy, start, end, cash, benchmark, data, out, force, seed, threads, storage, quiet,
             frequency, verbose, attribution) -> None:
    """Run a JoinQuant strategy file over daily bars (or minute bars with --frequency minute).

    Exit codes: 0 success; 1 a strategy callback raised; 2 bad arguments or data;
    130 / 143 stopped by SIGINT (Ctrl-C) / SIGTERM.  In the last three cases the partial
    results and error.json are in the run folder.
    """
    import os
    import signal
    import threading

    if attribution is not None:
        os.environ["JQLITE_ATTRIBUTION"] = attribution
    if threading.current_thread() is not threading.main_thread():   # no signal handlers here
        return _backtest(strategy, start, end, cash, benchmark, data, out, force, seed, threads, storage,
                         quiet, frequency, verbose)
    # run_backtest(hold_signals=True) leaves Ctrl-C deferred while the summary prints; put the
    # caller's handlers back afterwards (the command may run in-process: tests, notebooks)
    old = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    try:
        _backtest(strategy, start, end, cash, benchmark, data, out, force, seed, threads, storage, quiet,
                  frequency, verbose)
    finally:
        signal.signal(signal.SIGINT, old[0] if old[0] is not None else signal.default_int_handler)
        signal.signal(signal.SIGTERM, old[1] if old[1] is not None else signal.SIG_DFL)


def _backtest(strategy, start, end, cash, benchmark, data, out, force, seed, threads, storage, quiet,
              frequency, verbose) -> None:
    from . import run_backtest
    from .errors import ConfigError, DataError, RunInterrupted
    from .results import new_run_folder

    def fail(msg: str) -> None:
        click.echo(f"jqlite backtest: {msg}", err=True)
        sys.exit(2)

    try:
        _dt.date.fromisoformat(str(start))
        _dt.date.fromisoformat(str(end))
    except ValueError as exc:
        fail(f"bad date: {exc}")
    if not math.isfinite(cash) or cash <= 0:
        fail(f"--cash must be a finite number > 0 yuan, was {cash}")
    if not Path(strategy).is_file():
        fail(f"strategy file {strategy} does not exist")
    t0 = time.perf_counter()
    created = None
    if out is None:
        out = created = new_run_folder(strategy)
    progress = _progress_printer()
    try:
        res = run_backtest(strategy, start, end, cash, benchmark=benchmark, data=data, out=out, seed=seed,
                           threads=threads, storage=storage, echo_log=not quiet, progress=progress,
                           raise_errors=False, force=force, verbose=verbose, hold_signals=True,
                           frequency=frequency)
        progress.close()
    except (ConfigError, DataError) as exc:
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)   # nothing was written: no empty run folder
        fail(str(exc))
    except (KeyboardInterrupt, RunInterrupted) as exc:   # before the run started: nothing to save
        if created is not None:
            shutil.rmtree(created, ignore_errors=True)
        signum = getattr(exc, "signum", 2)
        click.echo("jqlite backtest: interrupted before the run started", err=True)
        sys.exit(128 + signum)
    counts = res.run.log.counts_text()
    if counts and not quiet:
        click.echo(counts, err=True)
    for w in res.run.warnings:
        click.echo(f"jqlite backtest: warning: {w}", err=True)
    _summary(res, Path(out))
    click.echo(f"wall time {time.perf_counter() - t0:.2f}s; storage folder: {res.run.storage}")
    if res.interrupted:
        click.echo(f"\n{res.error}", err=True)
        click.echo(f"partial results written to {out}", err=True)
        sys.exit(128 + res.run.interrupted.signum)
    if res.error:
        click.echo(f"\nstrategy error in {res.run.error.callback}() at {res.run.error.dt}:\n{res.error}", err=True)
        click.echo(f"partial results written to {out}", err=True)
        sys.exit(1)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--data", default=None, type=click.Path(file_okay=False),
              help="data store whose contents are checked (default store)")
@click.option("--storage", default=None, type=click.Path(file_okay=False),
              help="read_file folder (default ~/.jqlite/storage/<file stem>, as backtest)")
@click.option("--json", "as_json", is_flag=True, help="print a machine-readable report")
@click.option("--quiet", "-q", is_flag=True, help="one summary line per file")
@click.option("--agreement", default=None, type=click.Path(dir_okay=False, exists=True),
              help="corpus run results (JSON/CSV: file + outcome): print how often the check's "
                   "verdict agrees with the real run")
@click.option("--workers", default=0, show_default=True, type=click.IntRange(min=0),
              help="check the files on a local Dask cluster of N worker processes (0: here, one "
                   "by one; needs the sweep extra)")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="check on an existing Dask cluster (tcp://host:8786) whose workers see the "
                   "files and the store at the same paths")
def check(files, data, storage, as_json, quiet, agreement, workers, scheduler) -> None:
    """Compatibility report on JoinQuant strategy FILES before running them (docs/check.md).

    Exit 0 when nothing blocks, 1 when a blocker was found.
    """
    from .check import check_paths, format_report, reports_json
    from .errors import DataError

    missing = [f for f in files if not Path(f).is_file()]
    if missing:
        click.echo(f"jqlite check: strategy file {missing[0]} does not exist", err=True)
        sys.exit(2)
    try:
        reports = check_paths(files, data=data, storage=storage, workers=workers, scheduler=scheduler)
    except DataError as exc:
        click.echo(f"jqlite check: {exc}", err=True)
        sys.exit(2)
    if as_json:
        click.echo(reports_json(reports))
    else:
        for r in reports:
            click.echo(format_report(r, verbose=not quiet))
        if len(reports) > 1:
            n_ok = sum(r.ok for r in reports)
            click.echo(f"{n_ok} of {len(reports)} files have no blocker")
    if agreement:
        from .check import agreement as _agreement, format_agreement
        click.echo(format_agreement(_agreement(reports, agreement)), err=as_json)
    sys.exit(0 if all(r.ok for r in reports) else 1)


@main.group()
def data() -> None:
    """Create or import data stores."""


@data.command("sample")
@click.option("--out", default=None, type=click.Path(file_okay=False), help="store folder (default store)")
@click.option("--seed", default=20240101, show_default=True, type=int)
def data_sample(out, seed) -> None:
    """Generate the bundled synthetic sample market."""
    from .data import add_sample_fundamentals
    from .data.sample import generate_sample_market
    from .data.store import default_store_path
    from .errors import DataError

    path = Path(out) if out else default_store_path()
    t0 = time.perf_counter()
    try:
        generate_sample_market(path, seed=seed, progress=lambda m: click.echo(f"  {m}", err=True),
                               post_write=add_sample_fundamentals)
    except DataError as exc:
        click.echo(f"jqlite data sample: {exc}", err=True)
        sys.exit(2)
    click.echo(f"sample market written to {path} in {time.perf_counter() - t0:.1f}s")


@data.command("import")
@click.option("--src", default=None, type=click.Path(),
              help="with --format real (default for a folder holding daily/): the real data folder; "
                   "otherwise your own bar files: a CSV/parquet file, a folder of them or a quoted glob")
@click.option("--format", "fmt", default=None,
              type=click.Choice(["real", "jqlite", "xbx", "xbx_csv", "tushare", "baostock", "qlib", "csv"]),
              help="layout of SRC (docs/data-import.md): jqlite/csv column names date,code,open,...; "
                   "xbx/xbx_csv 邢不行 files; tushare daily; baostock k-data; qlib = a qlib data folder "
                   "(calendars/, features/*.day.bin); real = the real data folder")
@click.option("--mapping", default=None, type=click.Path(dir_okay=False, exists=True),
              help="TOML/JSON file naming your files' columns and units (overrides --format's preset)")
@click.option("--start", default=None, help="first day to import (default: the data's first)")
@click.option("--end", default=None, help="last day to import (default: the data's last)")
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="store folder to create (or an existing store to replace)")
@click.option("--fundamentals/--no-fundamentals", default=True, show_default=True,
              help="also import the statements, valuation and ratios under SRC/fundamentals")
@click.option("--minute", "minute", multiple=True, type=click.Path(dir_okay=False, exists=True),
              help="1-minute or 5-minute bar file (csv/parquet; repeatable).  Without --src and with an "
                   "existing --out store, only the minute bars are added to it")
@click.option("--minute-freq", default="1m", show_default=True, type=click.Choice(["1m", "5m"]))
@click.option("--minute-label", default="end", show_default=True, type=click.Choice(["end", "start"]),
              help="what the files' timestamps mark: the bar's end (JoinQuant) or its start")
@click.option("--minute-code", default=None, help="security of minute files without a code column")
@click.option("--minute-volume-unit", default="share", show_default=True, type=click.Choice(["share", "lot"]),
              help="unit of the minute files' volume column")
def data_import(src, fmt, mapping, start, end, out, fundamentals, minute, minute_freq, minute_label, minute_code,
                minute_volume_unit) -> None:
    """Import your own daily-bar files, or the real A-share data folder, into a store.

    \b
    Own files:   jqlite data import --src 'bars/*.csv' --format tushare --out mystore
                 jqlite data import --src bars/ --mapping mymap.toml --out mystore
    qlib folder: jqlite data import --src ~/.qlib/qlib_data/cn_data --format qlib --out mystore
    Real folder: jqlite data import --src ../shared/data/real --out realstore

    The new store, fundamentals and minute bars included, is built and checked in a
    temporary folder next to OUT and swapped in at the end: on any error OUT is left exactly
    as it was, and the error names the file, row and column.  OUT must be new, empty or an
    existing jqlite store (exit 2 otherwise).  With --minute and no --src, the minute bars
    are added to the existing store OUT.
    """
    from .data.ingest import default_real_data_dir, import_real_data
    from .errors import DataError

    t0 = time.perf_counter()
    say = lambda m: click.echo(f"  {m}", err=True)  # noqa: E731

    def add_minute(store: Path) -> None:
        from .data.ingest_minute import import_minute_bars
        r = import_minute_bars(store, minute, freq=minute_freq, label=minute_label, code=minute_code,
                               volume_unit=minute_volume_unit, progress=say)
        for c, d, n, why in r["skipped"][:20]:
            click.echo(f"  skipped {c} {d or ''}: {why}", err=True)

    if minute and src is None and (Path(out) / "meta.json").exists():
        try:
            add_minute(Path(out))
        except DataError as exc:
            click.echo(f"jqlite data import: {exc}", err=True)
            sys.exit(2)
        click.echo(f"minute bars added to {out} in {time.perf_counter() - t0:.1f}s")
        return
    if fmt is None:
        fmt = ("real" if (src is None or (Path(src) / "daily").is_dir()) and mapping is None
               else "csv" if mapping is not None else "jqlite")
    if fmt != "real":
        if fmt == "qlib" and mapping is not None:
            click.echo("jqlite data import: --format qlib takes no --mapping", err=True)
            sys.exit(2)
        if src is None:
            click.echo("jqlite data import: --format %s needs --src %s" % (fmt, "QLIB_DIR" if fmt == "qlib" else "FILES"),
                       err=True)
            sys.exit(2)
        post_write = (lambda tmp: add_minute(tmp)) if minute else None
        try:
            if fmt == "qlib":
                from .data.formats.qlib import import_qlib_dir
                path = import_qlib_dir(src, out, start=start, end=end, progress=say, post_write=post_write)
            else:
                from .data.ingest import import_bars_files, load_mapping
                path = import_bars_files(src, load_mapping(mapping, fmt), out, start=start, end=end, progress=say,
                                         post_write=post_write)
        except DataError as exc:
            click.echo(f"jqlite data import: {exc}", err=True)
            sys.exit(2)
        from .data.store import Store
        st = Store(path)
        click.echo(f"store written to {path} in {time.perf_counter() - t0:.1f}s: {st.n_securities} securities, "
                   f"{st.n_days} days {st.dates[0].date()} .. {st.dates[-1].date()}")
        return
    if mapping is not None or start is not None or end is not None:
        click.echo("jqlite data import: --mapping/--start/--end apply to your own files, not to --format real",
                   err=True)
        sys.exit(2)
    root = Path(src) if src else Path(default_real_data_dir())

    def post(tmp_store: Path) -> None:
        if minute:
            add_minute(tmp_store)
    try:
        # the fundamentals are built on a second thread beside the bars (import_real_data)
        path = import_real_data(root, out, progress=say, post_write=post, fundamentals=fundamentals)
    except DataError as exc:
        click.echo(f"jqlite data import: {exc}", err=True)
        sys.exit(2)
    click.echo(f"store written to {path} in {time.perf_counter() - t0:.1f}s")


def _pull_progress():
    """on_batch callback: a rich bar (securities, rows, ETA) on a terminal, one line per batch otherwise."""
    state = {"bar": None, "task": None}
    tty = sys.stderr.isatty()

    def cb(info: dict) -> None:
        q = info.get("quota")
        qs = f" quota left {q['spare']:,}" if q else ""
        done, total = info["codes_done"], info["codes"]
        el = info["elapsed"]
        eta = el / done * (total - done) if done else None
        if tty:
            if state["bar"] is None:
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
                state["bar"] = Progress(TextColumn("pull"), BarColumn(), MofNCompleteColumn(),
                                        TextColumn("securities {task.fields[rows]} rows{task.fields[q]}"),
                                        TimeRemainingColumn(), transient=True)
                state["bar"].start()
                state["task"] = state["bar"].add_task("", total=total, rows="0", q="")
            state["bar"].update(state["task"], completed=done, rows=f"{info['rows']:,}", q=qs)
            if done >= total:
                state["bar"].stop()
        else:
            eta_s = "?" if eta is None else f"{eta:.0f}s"
            click.echo(f"  batch {info['batch']}/{info['batches']}: {done}/{total} securities, "
                       f"{info['rows']:,} rows, {el:.1f}s elapsed, eta {eta_s}{qs}", err=True)

    def close() -> None:
        if state["bar"] is not None:
            state["bar"].stop()
    cb.close = close
    return cb


def _run_pull_cli(cmd: str, fn, *args, **kw) -> None:
    from .data.pull import staging_dir
    from .data.sources import CredentialError, QuotaExhausted, SourceError
    from .errors import DataError

    say = lambda m: click.echo(f"  {m}", err=True)  # noqa: E731
    cb = _pull_progress()
    try:
        r = fn(*args, progress=say, on_batch=cb, **kw)
    except CredentialError as exc:
        cb.close()
        click.echo(f"jqlite data {cmd}: credential rejected or missing: {exc}", err=True)
        sys.exit(3)
    except QuotaExhausted as exc:
        cb.close()
        click.echo(f"jqlite data {cmd}: stopped at the quota: {exc}", err=True)
        sys.exit(4)
    except KeyboardInterrupt:
        cb.close()
        click.echo(f"jqlite data {cmd}: interrupted; the committed batches are kept in "
                   f"{staging_dir(args[-1])}: run the same command again to resume", err=True)
        sys.exit(130)
    except (SourceError, DataError) as exc:
        cb.close()
        click.echo(f"jqlite data {cmd}: {exc}", err=True)
        click.echo("  committed batches (if any) are kept: run the same command again to resume", err=True)
        sys.exit(2)
    cb.close()
    if r["status"] == "up to date":
        click.echo(f"{r['store']} is up to date (last day {r.get('last_date', '?')})")
        return
    q = r.get("quota")
    how = {"append": "new days appended to", "rebuild": "store rebuilt at"}.get(r.get("mode"), "store written to")
    click.echo(f"{how} {r['store']} in {r['seconds']:.1f}s: {r['securities']} securities, "
               f"{r['first_date']} .. {r['last_date']}, {r['rows']:,} source rows ({r['calls']} calls, "
               f"{r['retries']} retries{', resumed after ' + str(r['resumed_batches']) + ' committed batches' if r['resumed_batches'] else ''})"
               + (f"; quota left {q['spare']:,} of {q['total']:,}" if q else ""))
    if r.get("fundamentals"):
        click.echo("fundamentals: " + ", ".join(f"{t} {n:,} {'rows' if t == 'valuation' else 'reports'}"
                                                 for t, n in r["fundamentals"].items()))
    for k, v in (r.get("extras") or {}).items():
        click.echo(f"{k}: {v}")


@data.command("pull")
@click.option("--source", required=True, type=click.Choice(["baostock", "tushare", "akshare", "jqdatasdk"]),
              help="client library to pull with (pip install 'jqlite-engine[SOURCE]')")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="store folder to create or replace")
@click.option("--start", default="2015-01-05", show_default=True, help="first day")
@click.option("--end", default=None, help="last day (default today)")
@click.option("--universe", default="all", show_default=True,
              help="all | hs300 | zz500 | sz50 | FILE (one JoinQuant or source code per line)")
@click.option("--batch-size", default=None, type=int, help="securities per committed batch (default: per source)")
@click.option("--restart", is_flag=True, help="discard an interrupted pull into OUT instead of resuming it")
@click.option("--what", default="bars", show_default=True,
              help="comma list: bars (always), minute (intraday bars), fundamentals (financial reports), valuation "
                   "(daily market cap / PE / PB ...), industries (point-in-time classification), index (CSI 300/500, "
                   "SSE 50 members), etf (exchange-traded funds); which source supplies what: docs/data-pull.md")
def data_pull(source, out, start, end, universe, batch_size, restart, what) -> None:
    """Pull daily bars from a data source into a new store (resumable).

    Credentials come from the environment or the OS keyring only (tushare: TUSHARE_TOKEN;
    jqdatasdk: JQDATA_USERNAME / JQDATA_PASSWORD; baostock and akshare need none).  Each batch
    of securities is committed beside OUT as it arrives; if the pull stops (Ctrl-C, network,
    quota) the same command resumes it.  OUT is swapped in atomically at the end.
    Exit codes: 0 written, 2 bad arguments / data / source error, 3 credential, 4 quota, 130 Ctrl-C.
    See docs/data-pull.md.
    """
    from .data.ingest import normalize_code
    from .data.pull import run_pull

    codes = None
    if universe not in ("all", "hs300", "zz500", "sz50"):
        p = Path(universe)
        if not p.is_file():
            click.echo(f"jqlite data pull: --universe {universe}: not all/hs300/zz500/sz50 and no such file", err=True)
            sys.exit(2)
        try:
            codes = [normalize_code(x.strip().split(",")[0]) for x in p.read_text(encoding="utf-8").splitlines()
                     if x.strip() and not x.startswith("#")]
        except ValueError as exc:
            click.echo(f"jqlite data pull: {p}: {exc}", err=True)
            sys.exit(2)
    _run_pull_cli("pull", run_pull, source, out, start=start, end=end, universe=universe, codes=codes,
                  batch_size=batch_size, restart=restart, what=tuple(what.split(",")))


@data.command("info")
@click.argument("store", type=click.Path(file_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of tables")
def data_info(store, as_json) -> None:
    """What STORE holds: sources and pull times, date range per table, securities per type,
    fundamentals coverage per column, and gaps (missing trading days, days with no data)."""
    import json as _json

    from .data.info import format_info, store_info
    from .errors import DataError
    try:
        info = store_info(store)
    except DataError as exc:
        click.echo(f"jqlite data info: {exc}", err=True)
        sys.exit(2)
    click.echo(_json.dumps(info, indent=1, ensure_ascii=False) if as_json else format_info(info))


@data.command("verify-factors")
@click.argument("store", type=click.Path(file_okay=False, exists=True))
@click.option("--factors", required=True, help="comma list of jqfactor names, e.g. market_cap,roe_ttm")
@click.option("--start", required=True, help="first day")
@click.option("--end", required=True, help="last day")
@click.option("--codes", default=None, help="comma list or FILE of securities (default: the store's stocks)")
@click.option("--rtol", default=1e-3, show_default=True, type=float, help="relative tolerance of 'within tol'")
@click.option("--atol", default=1e-8, show_default=True, type=float, help="absolute tolerance of 'within tol'")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
def data_verify_factors(store, factors, start, end, codes, rtol, atol, as_json) -> None:
    """Compare jqlite's factor values on STORE with JoinQuant's get_factor_values (jqdatasdk).

    Per factor: pairs compared, mean daily rank correlation, median absolute error and the
    share within tolerance.  Needs JQDATA_USERNAME / JQDATA_PASSWORD (or the keyring) and
    costs one quota row per (day, security, factor).  Exit codes as `jqlite data pull`.
    """
    import json as _json

    from .data.ingest import normalize_code
    from .data.sources import CredentialError, QuotaExhausted, SourceError
    from .data.verify_factors import format_report, verify_factors
    from .errors import DataError
    code_list = None
    if codes:
        p = Path(codes)
        items = p.read_text(encoding="utf-8").splitlines() if p.is_file() else codes.split(",")
        try:
            code_list = [normalize_code(x.strip()) for x in items if x.strip() and not x.startswith("#")]
        except ValueError as exc:
            click.echo(f"jqlite data verify-factors: --codes: {exc}", err=True)
            sys.exit(2)
    say = lambda m: click.echo(f"  {m}", err=True)  # noqa: E731
    try:
        df = verify_factors(store, factors.split(","), start, end, codes=code_list, rtol=rtol, atol=atol,
                            progress=say)
    except CredentialError as exc:
        click.echo(f"jqlite data verify-factors: credential rejected or missing: {exc}", err=True)
        sys.exit(3)
    except QuotaExhausted as exc:
        click.echo(f"jqlite data verify-factors: {exc}", err=True)
        sys.exit(4)
    except (SourceError, DataError) as exc:
        click.echo(f"jqlite data verify-factors: {exc}", err=True)
        sys.exit(2)
    if as_json:
        out = {f: {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
               for f, r in df.to_dict(orient="index").items()}
        click.echo(_json.dumps({"store": str(store), "start": start, "end": end, "rtol": rtol, "atol": atol,
                                "factors": out}, indent=1))
    else:
        click.echo(format_report(df, rtol, atol))


@data.command("update")
@click.argument("store", type=click.Path(file_okay=False, exists=True))
@click.option("--end", default=None, help="last day (default today)")
@click.option("--restart", is_flag=True, help="discard an interrupted update instead of resuming it")
@click.option("--rebuild", is_flag=True, help="rebuild the whole store instead of appending the new days")
def data_update(store, end, restart, rebuild) -> None:
    """Pull the days after STORE's last day from the source it was pulled from.

    Same credentials, batches, resume and exit codes as `jqlite data pull`.  The new days
    are appended (only the current year's files are rewritten; the log says when the store
    has to be rebuilt instead, and why); the new store is swapped in atomically.
    """
    from .data.pull import run_update
    _run_pull_cli("update", run_update, store, end=end, restart=restart, rebuild=rebuild)


def _check_run_dir(cmd: str, d: Path) -> None:
    if not (d / "daily.csv").exists() and not (d / "daily.parquet").exists():
        what = "empty" if d.is_dir() and not any(d.iterdir()) else "not a run folder (no daily.csv)"
        click.echo(f"jqlite {cmd}: {d} is {what}; pass the folder a backtest wrote (runs/<name>-<time>)",
                   err=True)
        sys.exit(2)


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--open", "open_", is_flag=True, help="open in the browser")
def report(run_dir, open_) -> None:
    """Re-render RUN_DIR/report.html."""
    from .analysis.report import render_report

    _check_run_dir("report", Path(run_dir))
    p = render_report(Path(run_dir))
    click.echo(str(p))
    if open_:
        import webbrowser
        webbrowser.open(p.resolve().as_uri())


def _load_factor_function(spec: str):
    """``path/to/file.py:func`` -> the function (a user factor over the data API)."""
    import importlib.util

    path, _, name = spec.rpartition(":")
    p = Path(path)
    if not p.is_file():
        raise click.BadParameter(f"{path}: no such file (a user factor is FILE.py:FUNCTION)")
    spec_ = importlib.util.spec_from_file_location(f"_jqlite_factor_{p.stem}", p)
    mod = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(mod)
    fn = getattr(mod, name, None)
    if not callable(fn):
        raise click.BadParameter(f"{path} has no function {name!r}")
    return fn


@main.command("factor-report")
@click.argument("factor")
@click.option("--universe", default="000300.XSHG", show_default=True,
              help="index code (members on --start) or comma-separated security codes")
@click.option("--start", required=True, help="first day, YYYY-MM-DD")
@click.option("--end", required=True, help="last day, YYYY-MM-DD")
@click.option("--industry", default="sw_l1", show_default=True, help="industry scheme for industry-neutral IC")
@click.option("--quantiles", default=5, show_default=True, type=int)
@click.option("--periods", default="1,5,10,20", show_default=True, help="forward-return horizons, trading days")
@click.option("--weight-method", default="avg", show_default=True,
              type=click.Choice(["avg", "mktcap", "ln_mktcap", "cmktcap", "ln_cmktcap"]))
@click.option("--data", default=None, type=click.Path(file_okay=False), help="data store folder")
@click.option("--out", default=None, type=click.Path(dir_okay=False),
              help="HTML file (default factor-<name>.html); a metrics JSON is written next to it")
@click.option("--open", "open_", is_flag=True, help="open in the browser")
def factor_report(factor, universe, start, end, industry, quantiles, periods, weight_method, data, out, open_) -> None:
    """Single-factor tear sheet of FACTOR: a jqfactor factor name (see get_all_factors) or
    FILE.py:FUNCTION, a function f(securities, start_date, end_date) -> DataFrame (dates x
    securities) over the data API.  IC, quantile returns, turnover, IC decay, industry-neutral IC."""
    import json
    import os

    from .errors import JqliteError

    if data:
        os.environ["JQLITE_DATA"] = str(Path(data).resolve())
    fac = _load_factor_function(factor) if ".py:" in factor else factor
    uni = universe if "," not in universe else [c.strip() for c in universe.split(",") if c.strip()]
    name = factor if isinstance(fac, str) else fac.__name__
    out_path = Path(out or f"factor-{name}.html")
    try:
        from .analysis.factor_report import factor_summary, write_factor_report
        t0 = time.perf_counter()
        path, far = write_factor_report(fac, uni, start, end, out_path, industry=industry, quantiles=quantiles,
                                        periods=[int(p) for p in periods.split(",")], weight_method=weight_method)
    except (JqliteError, ValueError, KeyError) as exc:
        click.echo(f"jqlite factor-report: {exc}", err=True)
        sys.exit(2)
    summ = factor_summary(far)
    path.with_suffix(".json").write_text(json.dumps(summ, indent=2, default=float))
    s = far.ic_summary
    for p, row in s.iterrows():
        click.echo(f"{p}: IC mean {row['IC Mean']:+.4f}  IR {row['IR']:+.3f}  t {row['t-stat(IC)']:+.2f}")
    click.echo(f"{summ['n_days']} days x {summ['n_securities']} securities in {time.perf_counter() - t0:.1f}s")
    click.echo(str(path))
    if open_:
        import webbrowser
        webbrowser.open(path.resolve().as_uri())


@main.command()
@click.argument("run_dirs", nargs=-1, type=click.Path(file_okay=False, exists=True))
@click.option("--out", default="compare.html", show_default=True, type=click.Path(dir_okay=False))
@click.option("--open", "open_", is_flag=True)
def compare(run_dirs, out, open_) -> None:
    """Put several runs side by side in one report."""
    from .analysis.report import render_compare

    if not run_dirs:
        click.echo("jqlite compare: give one or more run folders (runs/<name>-<time> ...)", err=True)
        sys.exit(2)
    for d in run_dirs:
        _check_run_dir("compare", Path(d))
    p = render_compare([Path(d) for d in run_dirs], Path(out))
    click.echo(str(p))
    if open_:
        import webbrowser
        webbrowser.open(Path(p).resolve().as_uri())


# ---------------------------------------------------------------------------- jqlite sweep
# (self-contained block: parameter sweeps / walk-forward windows / seed repeats on Dask)
@main.command()
@click.argument("strategy", type=click.Path(dir_okay=False))
@click.option("--grid", "grid_file", default=None, type=click.Path(dir_okay=False),
              help="YAML file 'name: [values]' of parameters to sweep")
@click.option("--param", "params", multiple=True, metavar="NAME=V1,V2",
              help="a parameter and its values (repeatable); NAME is a module constant or g.NAME set in initialize")
@click.option("--start", default=None, help="first day, YYYY-MM-DD (or use --windows)")
@click.option("--end", default=None, help="last day, YYYY-MM-DD")
@click.option("--windows", default=None, metavar="START:END/STEP",
              help="walk-forward windows, e.g. 2016-01-01:2024-12-31/1y (STEP Ny, Nm, Nw or Nd)")
@click.option("--seeds", default=None, metavar="A..B", help="repeat every task with these seeds, e.g. 0..9")
@click.option("--seed", default=0, show_default=True, type=int, help="the seed when --seeds is not given")
@click.option("--cash", default=100000.0, show_default=True, type=float, help="starting cash, yuan")
@click.option("--benchmark", default=None, help="benchmark code (overrides set_benchmark)")
@click.option("--data", default=None, type=click.Path(file_okay=False), help="data store folder")
@click.option("--out", default=None, type=click.Path(file_okay=False),
              help="results folder (default sweeps/<name>-<time>)")
@click.option("--workers", default=None, type=int,
              help="local worker processes (default: CPU count; 0 = one by one in this process)")
@click.option("--scheduler", default=None, metavar="tcp://HOST:8786", help="use an existing Dask cluster")
@click.option("--resume", is_flag=True, help="run only the tasks of --out without an ok result")
@click.option("--metric", default="sharpe", show_default=True, help="metric of the heat map and the ranking")
@click.option("--top", default=5, show_default=True, type=int, help="best runs drawn in sweep.html")
@click.option("--list-params", is_flag=True, help="print the parameters the file defines and exit")
def sweep(strategy, grid_file, params, start, end, windows, seeds, seed, cash, benchmark, data, out, workers,
          scheduler, resume, metric, top, list_params) -> None:
    """Run STRATEGY over a parameter grid, windows and seeds on Dask; results in one folder.

    Exit codes: 0 every task ok, 1 some task failed (recorded in results.parquet), 2 bad
    arguments (unknown parameter, bad grid / dates / store), 130 interrupted (the finished
    results stay in the folder; continue with --resume).
    """
    from .errors import ConfigError, DataError
    from .sweep.params import UnknownParameterError, find_parameters
    from .sweep.tasks import build_tasks, load_grid, parse_param, parse_seeds, parse_windows

    def fail(msg: str) -> None:
        click.echo(f"jqlite sweep: {msg}", err=True)
        sys.exit(2)

    path = Path(strategy)
    if not path.is_file():
        fail(f"strategy file {strategy} does not exist")
    source = path.read_text(encoding="utf-8-sig")
    try:
        compile(source, str(path), "exec")
    except SyntaxError:
        from .strategy import python2_to_3
        converted = python2_to_3(source)
        if converted is None:
            fail(f"{path}: syntax error")
        source = converted
    if list_params:
        for name, assigns in find_parameters(source, str(path)).items():
            click.echo(f"{name} = {assigns[0].value}    (line {assigns[0].lineno})")
        return
    try:
        grid = load_grid(grid_file) if grid_file else {}
        for p in params:
            name, values = parse_param(p)
            grid[name] = values
        if windows:
            wins = parse_windows(windows)
        else:
            if not (start and end):
                fail("give --start and --end, or --windows")
            for d in (start, end):
                _dt.date.fromisoformat(str(d))
            wins = [(str(start), str(end))]
        seed_list = parse_seeds(seeds) if seeds else [seed]
    except (ValueError, OSError) as exc:
        fail(str(exc))
    from .data import ensure_default_store
    from .data.store import open_store
    try:
        store = open_store(data) if data else ensure_default_store()
    except DataError as exc:
        fail(str(exc))
    try:
        tasks = build_tasks(source, grid, wins, seed_list, path=str(path), cash=cash, benchmark=benchmark,
                            data_version=store.version)
    except UnknownParameterError as exc:
        fail(str(exc))
    except ValueError as exc:
        fail(str(exc))
    if out is None:
        if resume:
            fail("--resume needs the --out folder of the sweep to continue")
        out = Path("sweeps") / f"{path.stem}-{_dt.datetime.now():%Y%m%d-%H%M%S}"
    from .sweep.executor import run_sweep
    from .sweep.report import render_sweep

    def progress(rec, done, total):
        shown = ", ".join(f"{k}={v}" for k, v in rec["params"].items())
        val = (rec.get("metrics") or {}).get(metric)
        val_txt = f"{metric}={val:.3f}" if isinstance(val, (int, float)) else ""
        wall = rec.get("wall_s")
        click.echo(f"[{done}/{total}] {rec['status']:5} {rec['start']}..{rec['end']} seed={rec['seed']} {shown} "
                   f"{val_txt} {'' if wall is None else f'{wall:.1f}s'} {rec.get('worker') or ''}", err=True)

    meta = {"params": list(grid), "grid": grid, "windows": wins, "seeds": seed_list, "metric": metric}
    click.echo(f"jqlite sweep: {len(tasks)} task(s) ({len(tasks) // (len(wins) * len(seed_list))} grid point(s) x "
               f"{len(wins)} window(s) x {len(seed_list)} seed(s)) -> {out}", err=True)
    try:
        outcome = run_sweep(path, tasks, out, data=store.path, cash=cash, benchmark=benchmark,
                            data_version=store.version, workers=workers,
                            scheduler=scheduler, resume=resume, meta=meta, on_result=progress)
    except ConfigError as exc:
        fail(str(exc))
    page = render_sweep(out, metric=metric, top=top) if len(outcome.results) else None
    click.echo(f"{outcome.ran} run, {outcome.skipped} skipped (complete), {outcome.failed} failed; "
               f"wall {outcome.wall_s:.1f}s (cluster start {outcome.startup_s:.1f}s)")
    click.echo(f"results: {Path(out) / 'results.parquet'}" + (f"\nreport: {page}" if page else ""))
    if outcome.interrupted:
        click.echo("interrupted: finished results are in the folder; continue with --resume", err=True)
        sys.exit(130)
    if outcome.failed:
        sys.exit(1)
