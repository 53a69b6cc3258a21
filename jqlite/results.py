"""Turn a finished (or failed) run into tables and write the run folder.

Folder layout (``--out``)::

    daily.parquet / daily.csv        date, total_value, available_cash, positions_value,
                                     benchmark_close, returns, benchmark_returns, buy_value,
                                     sell_value, record_<name>...
    orders.parquet / orders.csv      every order of the run
    trades.parquet / trades.csv      every fill
    positions.parquet / positions.csv  end-of-day holdings
    metrics.json                     the 收益概述 panel (stable English keys) + config
    log.txt                          the strategy log
    profile.json                     wall time per callback, split into data / factor / other
    strategy.py                      the strategy source
    error.json                       only when a callback raised or a signal stopped the run

A run folder is never overwritten by accident: :func:`new_run_folder` gives every run its
own fresh folder, and :func:`check_out_folder` refuses an explicit ``--out`` that holds
anything but an earlier run of the same strategy (``docs/reliability.md``).
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


@dataclass
class BacktestResult:
    """Results of one run: tables (pandas DataFrames) and the metrics dict."""

    daily: pd.DataFrame
    orders: pd.DataFrame
    trades: pd.DataFrame
    positions: pd.DataFrame
    metrics: dict[str, Any]
    log: list[str]
    profile: dict[str, Any]
    error: str | None = None
    out: Path | None = None
    interrupted: str | None = None   # "SIGINT" / "SIGTERM" when a signal stopped the run
    run: Any = field(default=None, repr=False)


def collect(run) -> BacktestResult:
    """Build a :class:`BacktestResult` from ``run`` (works on partial runs too)."""
    daily = pd.DataFrame(run.ledger, columns=["date", "total_value", "available_cash", "positions_value",
                                              "buy_value", "sell_value"])
    n = len(daily)
    bm = run.benchmark_series()
    cash0 = (run.portfolio if run.futures is None else run.futures.view).inout_cash
    daily["returns"] = daily["total_value"] / cash0 - 1.0 if n else []
    if bm is not None and n:
        closes, base = bm
        daily["benchmark_close"] = closes[:n]
        daily["benchmark_returns"] = closes[:n] / base - 1.0
    else:
        daily["benchmark_close"] = np.nan
        daily["benchmark_returns"] = np.nan
    if run.records:
        rec = pd.DataFrame.from_dict(run.records, orient="index")
        rec.columns = [f"record_{c}" for c in rec.columns]
        daily = daily.merge(rec, left_on="date", right_index=True, how="left")
    daily = daily[["date", "total_value", "available_cash", "positions_value", "benchmark_close", "returns",
                   "benchmark_returns", "buy_value", "sell_value"] +
                  [c for c in daily.columns if c.startswith("record_")]]
    orders = pd.DataFrame([(o.order_id, o.add_time, o.security, o.is_buy, o.amount, o.filled, o.price,
                            o.avg_cost, o.commission, o.tax, str(o.status), type(o.style).__name__,
                            o.style.limit_price, o._reason) for o in run.broker.all_orders],
                          columns=["order_id", "add_time", "security", "is_buy", "amount", "filled", "price",
                                   "avg_cost", "commission", "tax", "status", "style", "limit_price", "reason"])
    trades = pd.DataFrame([(t.trade_id, t.order_id, t.time, t.security, t.is_buy, t.amount, t.price,
                            t.amount * t.price, t.commission, t.tax) for t in run.broker.all_trades],
                          columns=["trade_id", "order_id", "time", "security", "is_buy", "amount", "price",
                                   "value", "commission", "tax"])
    positions = pd.DataFrame(run.position_rows, columns=["date", "security", "total_amount", "closeable_amount",
                                                         "avg_cost", "price", "value"])
    metrics = compute_run_metrics(run, daily, orders, bm)
    att = attribution_of_run(run, daily, positions)
    if att is not None:
        metrics["attribution"] = att
    profile = {k: {**v, "other": v["total"] - v["data"] - v["factor"]} for k, v in run.profile.items()}
    # where the rest of the wall time went: the strategy file's imports, and the engine's own
    # work outside callbacks (matching, corporate actions, marking to market, ledger)
    in_callbacks = sum(v["total"] for v in run.profile.values())
    load = run.load_time
    engine = max(run.wall_time - load - in_callbacks, 0.0)
    profile["(load strategy)"] = {"calls": 1, "total": load, "data": 0.0, "factor": 0.0, "other": load}
    profile["(engine)"] = {"calls": run.finished_days, "total": engine, "data": 0.0, "factor": 0.0,
                           "other": engine}
    err = run.error.traceback_text if run.error is not None else None
    intr = getattr(run, "interrupted", None)
    if intr is not None:
        err = interrupted_message(run)
    return BacktestResult(daily, orders, trades, positions, metrics, list(run.log.lines), profile, err, run=run,
                          interrupted=None if intr is None else intr.signame)


def profile_split(profile: dict[str, dict[str, float]]) -> dict[str, float]:
    """Wall seconds of a run by kind of work, from :attr:`BacktestResult.profile`.

    Parameters
    ----------
    profile : dict
        ``BacktestResult.profile``: callback name -> ``{"total", "data", "factor", "other", ...}``
        in wall seconds, plus the ``"(load strategy)"`` and ``"(engine)"`` rows.

    Returns
    -------
    dict
        ``load`` (the strategy file's imports), ``engine`` (matching, corporate actions, marking,
        ledger outside callbacks), and over all callbacks ``data`` (data API calls), ``factor``
        (jqfactor computation) and ``model`` (the strategy's own code: the rest of its callbacks'
        time), in seconds; they add up to the run's wall time.
    """
    split = {"load": 0.0, "engine": 0.0, "data": 0.0, "factor": 0.0, "model": 0.0}
    for name, p in profile.items():
        if name == "(load strategy)":
            split["load"] += p["total"]
        elif name == "(engine)":
            split["engine"] += p["total"]
        else:
            split["data"] += p["data"]
            split["factor"] += p["factor"]
            split["model"] += p["other"]
    return split


def attribution_of_run(run, daily: pd.DataFrame, positions: pd.DataFrame) -> dict[str, Any] | None:
    """Brinson–Fachler attribution and CNE5 style exposure of the run
    (:func:`jqlite.analysis.attribution.run_attribution`), for ``metrics.json`` / the report.

    ``$JQLITE_ATTRIBUTION`` (or ``jqlite backtest --attribution``):

    * ``style`` (default): Brinson + exposure to the cheap CNE5 style factors (size,
      non_linear_size, book_to_price_ratio, momentum, liquidity: about 5 s per year of a
      period not yet in the store's factor cache, nothing once cached);
    * ``full``: also beta, earnings_yield and growth (beta's rolling regression and the
      statements panel: 20-30 s more per uncached year);
    * ``brinson``: no style exposure; ``off`` / ``0``: no attribution.

    A failure is recorded in ``notes``, never raised: the run's results must not be lost to a
    report extra.  Runs that raised or were stopped by a signal get none.
    """
    import os

    mode = os.environ.get("JQLITE_ATTRIBUTION", "style").strip().lower()
    if (mode in ("0", "off", "no", "false", "none") or len(daily) < 2 or run.error is not None
            or getattr(run, "interrupted", None) is not None):   # a stopped run exits promptly
        return None
    try:
        from .analysis.attribution import CNE5_STYLE, CNE5_STYLE_CHEAP, run_attribution
        style = {"brinson": (), "full": CNE5_STYLE}.get(mode, CNE5_STYLE_CHEAP)
        return run_attribution(run, daily, positions, style=style)
    except Exception as exc:  # noqa: BLE001
        return {"brinson": None, "style_exposure": None,
                "notes": [f"attribution failed: {type(exc).__name__}: {exc}"]}


def interrupted_message(run) -> str:
    """``"interrupted at 2020-03-17 14:50 (SIGINT), last callback trade(); 9 of 20 days finished"``."""
    intr = run.interrupted
    where = f", last callback {run.callback_name}()" if getattr(run, "callback_name", None) else ""
    return (f"interrupted at {run.current_dt:%Y-%m-%d %H:%M} ({intr.signame}){where}; "
            f"{run.finished_days} of {len(run.run_dates)} days finished")


def compute_run_metrics(run, daily: pd.DataFrame, orders: pd.DataFrame, bm) -> dict[str, Any]:
    """The 收益概述 metrics of a run (via :mod:`jqlite.analysis.metrics`)."""
    sells = orders[(~orders["is_buy"].astype(bool)) & (orders["filled"] > 0)] if len(orders) else orders
    sell_pnl = ((sells["price"] - sells["avg_cost"]) * sells["filled"]).to_numpy() if len(sells) else np.array([])
    cfg = {"strategy": str(run.config.strategy), "start": str(run.run_dates[0].date()),
           "end": str(run.run_dates[-1].date()), "cash": (run.portfolio if run.futures is None else run.futures.view).inout_cash,
           "benchmark": run.settings.benchmark if not isinstance(run.settings.benchmark, dict) else dict(run.settings.benchmark),
           "seed": run.config.seed, "threads": run.threads, "data": str(run.store.path), "data_version": run.store.version,
           "storage": str(run.storage), "days_run": len(daily), "use_real_price": run.settings.use_real_price,
           "frequency": getattr(run, "frequency", "day"), "engine_notes": list(getattr(run, "notes", [])),
           "warnings": list(getattr(run, "warnings", []))}
    from .api._gaps import gaps_of
    gaps = gaps_of(run)
    n_orders = int(len(orders))
    if len(daily) == 0:
        return {"config": cfg, "orders_placed": n_orders, "data_gaps": gaps}
    from .analysis.metrics import compute_metrics
    closes, base = (bm if bm is not None else (None, None))
    m = compute_metrics([pd.Timestamp(d) for d in daily["date"]], daily["total_value"].to_numpy(),
                        (run.portfolio if run.futures is None else run.futures.view).inout_cash, None if closes is None else closes[:len(daily)], base, sell_pnl)
    m["config"] = cfg
    m["orders_placed"] = n_orders
    m["data_gaps"] = gaps
    return m


def _clean(o):
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, (np.floating,)):
        return _clean(float(o))
    if isinstance(o, (np.integer,)):
        return int(o)
    if isinstance(o, dict):
        return {str(k): _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    if hasattr(o, "isoformat"):
        return o.isoformat()
    return o


RUN_FILES = ("metrics.json", "daily.csv")


def _run_strategy_name(folder: Path) -> str | None:
    """File name of the strategy of the run folder ``folder`` (None if it is not one)."""
    try:
        cfg = json.loads((folder / "metrics.json").read_text()).get("config", {})
    except (OSError, ValueError, AttributeError):
        return None
    s = cfg.get("strategy") if isinstance(cfg, dict) else None
    return Path(s).name if s else None


def check_out_folder(out: str | Path, strategy: str | Path, force: bool = False) -> None:
    """Refuse a result folder whose files a run would overwrite.

    ``out`` may be new, empty, or a run folder of the same strategy file (``metrics.json``
    naming a strategy with the same file name: re-running into it replaces that run).
    Anything else -- a folder of documents, another strategy's run, the strategy's own
    folder -- needs ``force=True``.

    Raises
    ------
    ConfigError
        Naming the folder and what it holds.
    """
    from .errors import ConfigError

    p = Path(out)
    if not p.exists():
        return
    if not p.is_dir():
        raise ConfigError(f"--out {p} exists and is not a folder")
    strat = Path(strategy)
    try:
        same_dir = strat.exists() and strat.resolve().parent == p.resolve()
    except OSError:
        same_dir = False
    if same_dir and not force:
        raise ConfigError(f"--out {p} is the folder of the strategy file itself; choose another folder")
    entries = sorted(x.name for x in p.iterdir())
    if not entries or force:
        return
    prev = _run_strategy_name(p)
    if prev is not None and prev == strat.name:
        return
    what = (f"a run of another strategy ({prev})" if prev is not None
            else f"{len(entries)} entries that are not a run folder, e.g. {entries[0]!r}")
    raise ConfigError(f"--out {p} is not empty ({what}); results would overwrite its files: choose a new "
                      "folder, or pass --force")


def new_run_folder(strategy: str | Path, root: str | Path = "runs", when=None) -> Path:
    """Create and return a fresh ``root/<stem>-YYYYmmdd-HHMMSS`` folder (``-2``, ``-3`` ...
    appended when that name is taken: two runs started in the same second get two folders).

    The folder is claimed with an atomic ``mkdir``, so concurrent runs cannot share it.
    """
    import datetime as _dt

    when = when or _dt.datetime.now()
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    base = f"{Path(strategy).stem}-{when:%Y%m%d-%H%M%S}"
    for k in range(1, 10000):
        p = root / (base if k == 1 else f"{base}-{k}")
        try:
            p.mkdir()
            return p
        except FileExistsError:
            continue
    raise FileExistsError(f"no free run folder name {root / base}-N")


def write(result: BacktestResult, out: str | Path) -> Path:
    """Write the run folder (see module docstring); returns it."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for name in ("daily", "orders", "trades", "positions"):
        df = getattr(result, name)
        df.to_csv(out / f"{name}.csv", index=False)
        try:
            df.to_parquet(out / f"{name}.parquet", index=False)
        except Exception:  # pragma: no cover - exotic dtypes; CSV is still there
            pass
    (out / "metrics.json").write_text(json.dumps(_clean(result.metrics), indent=2, ensure_ascii=False))
    (out / "log.txt").write_text("\n".join(result.log) + ("\n" if result.log else ""), encoding="utf-8")
    (out / "profile.json").write_text(json.dumps(_clean(result.profile), indent=2))
    run = result.run
    if run is not None:
        src = Path(run.config.strategy)
        if run.config.source is not None:
            (out / "strategy.py").write_text(run.config.source, encoding="utf-8")
        elif src.exists() and not ((out / "strategy.py").exists() and (out / "strategy.py").samefile(src)):
            shutil.copyfile(src, out / "strategy.py")
    if result.interrupted:
        (out / "error.json").write_text(json.dumps({
            "callback": getattr(run, "callback_name", None),
            "dt": f"{run.current_dt:%Y-%m-%d %H:%M}" if run is not None else None,
            "exception": "KeyboardInterrupt" if result.interrupted == "SIGINT" else "RunInterrupted",
            "signal": result.interrupted,
            "days_finished": getattr(run, "finished_days", None),
            "message": result.error}, indent=2, ensure_ascii=False))
    elif result.error:
        err = run.error if run is not None else None
        (out / "error.json").write_text(json.dumps({
            "callback": getattr(err, "callback", None),
            "dt": str(getattr(err, "dt", "")),
            "exception": type(getattr(err, "original", None)).__name__ if err else None,
            "traceback": result.error}, indent=2, ensure_ascii=False))
    elif (out / "error.json").exists():
        (out / "error.json").unlink()
    result.out = out
    try:
        from .analysis.report import render_report
        render_report(out)
    except ImportError:
        pass
    except Exception as exc:  # a report problem must not lose the results
        (out / "report_error.txt").write_text(f"{type(exc).__name__}: {exc}\n")
    return out
