"""Command line: ``jqlite backtest``, ``jqlite check``, ``jqlite data sample|import``, ``jqlite report``.

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
        val = run.portfolio.total_value
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
def backtest(strategy, start, end, cash, benchmark, data, out, force, seed, threads, storage, quiet,
             frequency, verbose) -> None:
    """Run a JoinQuant strategy file over daily bars (or minute bars with --frequency minute).

    Exit codes: 0 success; 1 a strategy callback raised; 2 bad arguments or data;
    130 / 143 stopped by SIGINT (Ctrl-C) / SIGTERM.  In the last three cases the partial
    results and error.json are in the run folder.
    """
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
def check(files, data, storage, as_json, quiet, agreement) -> None:
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
        reports = check_paths(files, data=data, storage=storage)
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
@click.option("--src", default=None, type=click.Path(file_okay=False), help="real data folder (../shared/data/real)")
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
def data_import(src, out, fundamentals, minute, minute_freq, minute_label, minute_code, minute_volume_unit) -> None:
    """Import the real A-share data folder (and/or minute bar files) into a store.

    The new store, fundamentals and minute bars included, is built and checked in a
    temporary folder next to OUT and swapped in at the end: on any error OUT is left exactly
    as it was.  OUT must be new, empty or an existing jqlite store (exit 2 otherwise).
    With --minute and no --src, the minute bars are added to the existing store OUT.
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
    root = Path(src) if src else Path(default_real_data_dir())

    def post(tmp_store: Path) -> None:
        if fundamentals and (root / "fundamentals").is_dir():
            from .data.ingest_fundamentals import import_real_fundamentals
            t1 = time.perf_counter()
            import_real_fundamentals(root, tmp_store)
            click.echo(f"  fundamentals and valuation imported in {time.perf_counter() - t1:.1f}s", err=True)
        if minute:
            add_minute(tmp_store)
    try:
        path = import_real_data(root, out, progress=say, post_write=post)
    except DataError as exc:
        click.echo(f"jqlite data import: {exc}", err=True)
        sys.exit(2)
    click.echo(f"store written to {path} in {time.perf_counter() - t0:.1f}s")


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
