"""Command line: ``jqlite backtest``, ``jqlite data sample|import``, ``jqlite report``.

Exit codes of ``backtest``: 0 success, 1 a strategy callback raised (partial results are
written), 2 bad arguments or data.
"""

from __future__ import annotations

import datetime as _dt
import sys
import time
from pathlib import Path

import click


def _progress_printer():
    """A rich progress bar on a terminal, plain lines (every 10 %) otherwise."""
    state = {"t0": time.perf_counter(), "last": -1, "bar": None, "task": None}
    tty = sys.stderr.isatty()

    def cb(done: int, total: int, run) -> None:
        el = time.perf_counter() - state["t0"]
        eta = el / done * (total - done) if done else 0.0
        val = run.portfolio.total_value
        date = run.current_date
        if tty:
            if state["bar"] is None:
                from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
                state["bar"] = Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                                        TimeRemainingColumn(), transient=True, console=None)
                state["bar"].start()
                state["task"] = state["bar"].add_task("", total=total)
            state["bar"].update(state["task"], completed=done, description=f"{date} value {val:,.0f}")
            if done == total:
                state["bar"].stop()
        else:
            pct = done * 10 // total
            if pct != state["last"] or done == total:
                state["last"] = pct
                print(f"[{done}/{total}] {date} value={val:,.2f} elapsed={el:.1f}s eta={eta:.1f}s",
                      file=sys.stderr)
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
@click.option("--end", required=True, help="last day, YYYY-MM-DD")
@click.option("--cash", default=100000.0, show_default=True, type=float, help="starting cash, yuan")
@click.option("--benchmark", default=None, help="benchmark code (overrides set_benchmark)")
@click.option("--data", default=None, type=click.Path(file_okay=False), help="data store folder")
@click.option("--out", default=None, type=click.Path(file_okay=False), help="run folder (default runs/<name>-<time>)")
@click.option("--seed", default=0, show_default=True, type=int, help="random seed")
@click.option("--threads", default=None, type=int,
              help="OpenMP/BLAS threads for LightGBM/XGBoost/BLAS/PyTorch (default: CPU count); "
                   "same seed + threads => identical orders")
@click.option("--storage", default=None, type=click.Path(file_okay=False), help="write_file/read_file folder")
@click.option("--quiet", is_flag=True, help="do not echo the strategy log")
@click.option("--frequency", default="day", show_default=True, type=click.Choice(["day", "minute", "tick"]),
              help="JoinQuant backtest frequency; 'minute' needs minute bars (tick is not supported)")
def backtest(strategy, start, end, cash, benchmark, data, out, seed, threads, storage, quiet, frequency) -> None:
    """Run a JoinQuant strategy file over daily bars."""
    from . import run_backtest
    from .errors import ConfigError, DataError, StrategyError

    try:
        _dt.date.fromisoformat(str(start))
        _dt.date.fromisoformat(str(end))
    except ValueError as exc:
        click.echo(f"jqlite backtest: bad date: {exc}", err=True)
        sys.exit(2)
    if not Path(strategy).is_file():
        click.echo(f"jqlite backtest: strategy file {strategy} does not exist", err=True)
        sys.exit(2)
    if out is None:
        out = Path("runs") / f"{Path(strategy).stem}-{_dt.datetime.now():%Y%m%d-%H%M%S}"
    t0 = time.perf_counter()
    try:
        res = run_backtest(strategy, start, end, cash, benchmark=benchmark, data=data, out=out, seed=seed,
                           threads=threads, storage=storage, echo_log=not quiet, progress=_progress_printer(),
                           raise_errors=False, frequency=frequency)
    except (ConfigError, DataError) as exc:
        click.echo(f"jqlite backtest: {exc}", err=True)
        sys.exit(2)
    _summary(res, Path(out))
    click.echo(f"wall time {time.perf_counter() - t0:.2f}s; storage folder: {res.run.storage}")
    if res.error:
        click.echo(f"\nstrategy error in {res.run.error.callback}() at {res.run.error.dt}:\n{res.error}", err=True)
        click.echo(f"partial results written to {out}", err=True)
        sys.exit(1)


@main.group()
def data() -> None:
    """Create or import data stores."""


@data.command("sample")
@click.option("--out", default=None, type=click.Path(file_okay=False), help="store folder (default store)")
@click.option("--seed", default=20240101, show_default=True, type=int)
def data_sample(out, seed) -> None:
    """Generate the bundled synthetic sample market."""
    from .data.sample import generate_sample_market
    from .data.store import default_store_path

    path = Path(out) if out else default_store_path()
    t0 = time.perf_counter()
    generate_sample_market(path, seed=seed, progress=lambda m: click.echo(f"  {m}", err=True))
    from .data import add_sample_fundamentals
    add_sample_fundamentals(path)
    click.echo(f"sample market written to {path} in {time.perf_counter() - t0:.1f}s")


@data.command("import")
@click.option("--src", default=None, type=click.Path(file_okay=False), help="real data folder (../shared/data/real)")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="store folder to create")
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
    """Import the real A-share data folder (and/or minute bar files) into a store."""
    from .data.ingest import import_real_data
    from .errors import DataError

    t0 = time.perf_counter()
    if minute and src is None and (Path(out) / "meta.json").exists():
        from .data.ingest_minute import import_minute_bars
        try:
            r = import_minute_bars(out, minute, freq=minute_freq, label=minute_label, code=minute_code,
                                   volume_unit=minute_volume_unit, progress=lambda m: click.echo(f"  {m}", err=True))
        except DataError as exc:
            click.echo(f"jqlite data import: {exc}", err=True)
            sys.exit(2)
        for c, d, n, why in r["skipped"][:20]:
            click.echo(f"  skipped {c} {d or ''}: {why}", err=True)
        click.echo(f"minute bars added to {out} in {time.perf_counter() - t0:.1f}s")
        return
    try:
        kwargs = {"progress": lambda m: click.echo(f"  {m}", err=True)}
        path = import_real_data(src, out, **kwargs) if src else import_real_data(None, out, **kwargs)
        if fundamentals:
            from .data.ingest import default_real_data_dir
            from .data.ingest_fundamentals import import_real_fundamentals
            root = Path(src) if src else Path(default_real_data_dir())
            if (root / "fundamentals").is_dir():
                t1 = time.perf_counter()
                import_real_fundamentals(root, path)
                click.echo(f"  fundamentals and valuation imported in {time.perf_counter() - t1:.1f}s", err=True)
        if minute:
            from .data.ingest_minute import import_minute_bars
            r = import_minute_bars(path, minute, freq=minute_freq, label=minute_label, code=minute_code,
                                   volume_unit=minute_volume_unit, progress=lambda m: click.echo(f"  {m}", err=True))
            for c, d, n, why in r["skipped"][:20]:
                click.echo(f"  skipped {c} {d or ''}: {why}", err=True)
    except DataError as exc:
        click.echo(f"jqlite data import: {exc}", err=True)
        sys.exit(2)
    click.echo(f"store written to {path} in {time.perf_counter() - t0:.1f}s")


@main.command()
@click.argument("run_dir", type=click.Path(file_okay=False, exists=True))
@click.option("--open", "open_", is_flag=True, help="open in the browser")
def report(run_dir, open_) -> None:
    """Re-render RUN_DIR/report.html."""
    from .analysis.report import render_report

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

    p = render_compare([Path(d) for d in run_dirs], Path(out))
    click.echo(str(p))
    if open_:
        import webbrowser
        webbrowser.open(Path(p).resolve().as_uri())
