"""``sweep.html``: one self-contained page for a sweep's results folder.

Built from the single-run report's pieces (:mod:`jqlite.analysis.report`: page frame, CSS,
inlined plotly.js, cumulative-return curves of run folders) and shows

* a summary of tasks (ok / failed, wall time, workers);
* the metric against the parameters: a heat map over the first two parameters (mean over the
  other parameters, windows and seeds), or a line per window over a single parameter;
* the best ``top`` tasks' cumulative returns side by side (from their run folders);
* walk-forward (in-sample / out-of-sample) and seed-spread tables when there are several
  windows or seeds;
* every task in a table, failed ones with their error's last line.
"""

from __future__ import annotations

import html
import json
import math
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

__all__ = ["param_columns", "render_sweep", "seed_spread", "walk_forward"]

_PALETTE = ["#4572a7", "#f0a30a", "#89a54e", "#80699b", "#3d96ae", "#db843d", "#92a8cd", "#a47d7c",
            "#aa4643", "#4d4d4d"]


def param_columns(out: Path) -> list[str]:
    """Parameter names of a sweep (from ``sweep.json``)."""
    meta = json.loads((Path(out) / "sweep.json").read_text(encoding="utf-8"))
    return list(meta.get("params", []))


def _key(df: pd.DataFrame, params: Sequence[str]) -> pd.Series:
    if not params:
        return pd.Series(["(file values)"] * len(df), index=df.index)
    return df[list(params)].astype(str).agg(", ".join, axis=1) if len(params) > 1 else df[params[0]].astype(str)


def walk_forward(df: pd.DataFrame, params: Sequence[str], metric: str = "sharpe") -> pd.DataFrame:
    """In-sample / out-of-sample table of a sweep with several windows.

    For each window ``k`` but the last, the grid point with the best mean ``metric`` (over
    seeds) in window ``k`` (in-sample) and that point's ``metric`` in window ``k + 1``
    (out-of-sample), next to the best value any point reached there.

    Parameters
    ----------
    df : pandas.DataFrame
        ``results.parquet`` rows (status 'ok' ones are used).
    params : sequence of str
        Parameter columns.
    metric : str
        Column to rank by (higher is better).

    Returns
    -------
    pandas.DataFrame
        Columns ``in_sample`` (window text), ``best_params``, ``in_sample_<metric>``,
        ``out_of_sample``, ``out_of_sample_<metric>``, ``best_out_of_sample_<metric>``;
        empty when there is one window or no ok row.
    """
    ok = df[df["status"] == "ok"].copy()
    if ok.empty or metric not in ok or ok["window"].nunique() < 2:
        return pd.DataFrame()
    ok["_point"] = _key(ok, params)
    mean = ok.groupby(["window", "_point"])[metric].mean()
    spans = ok.groupby("window")[["start", "end"]].first()
    rows = []
    wins = sorted(ok["window"].unique())
    for a, b in zip(wins[:-1], wins[1:]):
        ins = mean.loc[a].dropna()
        if ins.empty:
            continue
        best = ins.idxmax()
        oos = mean.loc[b]
        rows.append({"in_sample": f"{spans.loc[a, 'start']}..{spans.loc[a, 'end']}", "best_params": best,
                     f"in_sample_{metric}": float(ins.loc[best]),
                     "out_of_sample": f"{spans.loc[b, 'start']}..{spans.loc[b, 'end']}",
                     f"out_of_sample_{metric}": float(oos.get(best, np.nan)),
                     f"best_out_of_sample_{metric}": float(oos.max())})
    return pd.DataFrame(rows)


def seed_spread(df: pd.DataFrame, params: Sequence[str], metric: str = "sharpe") -> pd.DataFrame:
    """Spread of ``metric`` over seeds per grid point and window (mean, std, min, max, n).

    Returns an empty frame when every point has one seed.
    """
    ok = df[df["status"] == "ok"].copy()
    if ok.empty or metric not in ok or ok["seed"].nunique() < 2:
        return pd.DataFrame()
    ok["params"] = _key(ok, params)
    g = ok.groupby(["params", "window"])[metric]
    return g.agg(["mean", "std", "min", "max", "count"]).reset_index()


def _table_html(df: pd.DataFrame, floats: int = 4) -> str:
    if df.empty:
        return "<p>(none)</p>"
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)

    def cell(v: Any) -> str:
        if isinstance(v, float):
            return "" if not math.isfinite(v) else f"{v:.{floats}f}"
        return html.escape("" if v is None else str(v))
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in row) + "</tr>"
                   for row in df.itertuples(index=False))
    return f'<table class="cmp"><tr>{head}</tr>{body}</table>'


def _metric_figure(ok: pd.DataFrame, params: Sequence[str], metric: str) -> go.Figure | None:
    from ..analysis.report import _layout

    if ok.empty or metric not in ok:
        return None
    if len(params) >= 2:
        p1, p2 = params[0], params[1]
        piv = ok.pivot_table(index=p2, columns=p1, values=metric, aggfunc="mean")
        fig = go.Figure(go.Heatmap(z=piv.to_numpy(), x=[str(c) for c in piv.columns], y=[str(i) for i in piv.index],
                                   colorscale="RdYlGn", colorbar=dict(title=metric),
                                   text=np.vectorize(lambda v: "" if v != v else f"{v:.3f}")(piv.to_numpy()),
                                   texttemplate="%{text}", hovertemplate=f"{p1}=%{{x}}<br>{p2}=%{{y}}<br>{metric}=%{{z:.4f}}<extra></extra>"))
        fig = _layout(fig, f"{metric}: {p2} × {p1}" + (" (mean over the other parameters, windows, seeds)"
                                                       if len(params) > 2 or ok["window"].nunique() > 1
                                                       or ok["seed"].nunique() > 1 else ""), height=420, pct=False)
        fig.update_xaxes(title=p1, type="category")
        fig.update_yaxes(title=p2, type="category")
        fig.update_layout(hovermode="closest")
        return fig
    if len(params) == 1:
        p = params[0]
        fig = go.Figure()
        for i, (w, part) in enumerate(ok.groupby("window")):
            m = part.groupby(p)[metric].mean()
            label = f"{part['start'].iloc[0]}..{part['end'].iloc[0]}"
            fig.add_trace(go.Scatter(x=[str(x) for x in m.index], y=m.to_numpy(), mode="lines+markers", name=label,
                                     line=dict(color=_PALETTE[i % len(_PALETTE)])))
        fig = _layout(fig, f"{metric} vs {p}", pct=False)
        fig.update_xaxes(title=p, type="category")
        return fig
    return None


def render_sweep(out: str | Path, metric: str = "sharpe", top: int = 5) -> Path:
    """Write ``out/sweep.html`` for a sweep results folder and return its path.

    Parameters
    ----------
    out : path
        Results folder written by :func:`jqlite.sweep.run_sweep`.
    metric : str
        Metric to map and rank by (a column of results.parquet, higher is better; e.g.
        ``sharpe``, ``total_returns``, ``annual_returns``, ``sortino``).
    top : int
        How many of the best tasks' curves to draw.

    Returns
    -------
    Path
    """
    from ..analysis.report import _curves, _figure_html, _header, _layout, _page, load_run
    from .executor import load_results

    out = Path(out)
    meta = json.loads((out / "sweep.json").read_text(encoding="utf-8"))
    params = list(meta.get("params", []))
    df = load_results(out)
    title = f"参数扫描 Sweep {Path(meta.get('strategy', '')).name}"
    n_ok = int((df["status"] == "ok").sum()) if len(df) else 0
    n_err = len(df) - n_ok
    n_all = len(meta.get("task_ids", []))
    summary = [f"{len(df)} / {n_all} tasks finished: {n_ok} ok, {n_err} failed"]
    if len(df) and "wall_s" in df:
        w = pd.to_numeric(df["wall_s"], errors="coerce")
        summary.append(f"task wall time: median {w.median():.2f} s, total {w.sum():.1f} s on "
                       f"{df['worker'].nunique()} worker(s)")
    for k in ("grid", "windows", "seeds"):
        if meta.get(k):
            summary.append(f"{k}: {html.escape(json.dumps(meta[k], ensure_ascii=False, default=str))}")
    sections = [("summary", "概况 Summary", "<ul>" + "".join(f"<li>{s}</li>" for s in summary) + "</ul>")]
    ok = df[df["status"] == "ok"] if len(df) else df
    first = True
    fig = _metric_figure(ok, params, metric) if len(ok) else None
    if fig is not None:
        sections.append(("heatmap", f"{metric} 参数图 Metric vs parameters", _figure_html(fig, "chart-heatmap", True)))
        first = False
    if len(ok) and metric in ok:
        best = ok.sort_values(metric, ascending=False, na_position="last").head(top)
        lines = go.Figure()
        for i, (_, r) in enumerate(best.iterrows()):
            try:
                run = load_run(Path(r["run_dir"]))
            except Exception:   # run folder absent (results copied without tasks/): table only
                continue
            c = _curves(run)
            label = (", ".join(f"{p}={r[p]}" for p in params) or r["task_id"]) \
                + (f" [{r['start']}..{r['end']}]" if ok["window"].nunique() > 1 else "") \
                + (f" seed {r['seed']}" if ok["seed"].nunique() > 1 else "")
            lines.add_trace(go.Scatter(x=c["dates"], y=c["returns"], name=label,
                                       line=dict(color=_PALETTE[i % len(_PALETTE)])))
        if lines.data:
            sections.append(("best", f"最佳 {top} 条收益曲线 Best {top} by {metric}",
                             _figure_html(_layout(lines, f"累计收益 (best {top} by {metric})", height=400)
                                          .update_layout(legend=dict(orientation="h", y=-0.12),  # below: the
                                                         margin=dict(b=80)),  # labels would cover the title
                                          "chart-best", first)))
    wf = walk_forward(df, params, metric) if len(df) else pd.DataFrame()
    if not wf.empty:
        sections.append(("walkforward", "滚动窗口 Walk-forward (in-sample / out-of-sample)", _table_html(wf)))
    sp = seed_spread(df, params, metric) if len(df) else pd.DataFrame()
    if not sp.empty:
        sections.append(("seeds", "随机种子 Seed spread", _table_html(sp)))
    if len(df):
        cols = ["task_id", "status", *params, "start", "end", "seed"] + \
            [c for c in ("total_returns", "annual_returns", "sharpe", "max_drawdown", metric) if c in df] + \
            ["wall_s", "worker"]
        cols = list(dict.fromkeys(c for c in cols if c in df))
        t = df[cols].copy()
        if "error" in df:
            t["error"] = [("" if not isinstance(e, str) or not e.strip() else e.strip().splitlines()[-1])
                          for e in df["error"]]
        sections.append(("tasks", "全部任务 All tasks", _table_html(t)))
    page = out / "sweep.html"
    page.write_text(_page(title, _header(title, {"strategy": meta.get("strategy"), "cash": meta.get("cash"),
                                                 "benchmark": meta.get("benchmark")}), sections, []),
                    encoding="utf-8")
    return page
