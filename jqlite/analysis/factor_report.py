"""Self-contained HTML tear sheet of a single-factor analysis (``jqlite factor-report``).

Sections: IC summary (raw and industry-neutral), daily IC with its 22-day mean, IC
histogram, IC decay over 1/5/10/20 days, mean return by quantile, cumulative return by
quantile, top/bottom quantile turnover, monthly IC and IC by industry.  plotly.js is inlined
once (the backtest report's vendored bundle), so the file opens without network access.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .factor import FactorAnalyzer, analyze_factor, factor_frame, period_col
from .report import _figure_html, _layout, _page

#: IC decay horizons of the tear sheet (trading days).
DECAY_PERIODS = (1, 5, 10, 20)


def _table_html(df: pd.DataFrame, fmt: str = "{:.4f}") -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in [df.index.name or "", *df.columns])
    rows = []
    for k, r in df.iterrows():
        cells = "".join("<td></td>" if not (isinstance(v, (int, float, np.floating, np.integer)) and np.isfinite(v))
                        else f"<td>{int(v)}</td>" if float(v).is_integer() and abs(v) >= 1
                        else f"<td>{fmt.format(v)}</td>" for v in r.to_numpy())
        rows.append(f"<tr><td>{html.escape(str(k))}</td>{cells}</tr>")
    return f'<table class="cmp"><tr>{head}</tr>{"".join(rows)}</table>'


def factor_summary(far: FactorAnalyzer) -> dict[str, Any]:
    """JSON-ready summary of an analysis: IC tables (raw / industry-neutral), quantile
    returns, mean turnover, IC decay."""
    out: dict[str, Any] = {
        "ic_summary": far.ic_summary.to_dict(orient="index"),
        "mean_return_by_quantile": {str(k): v for k, v in far.mean_return_by_quantile.to_dict(orient="index").items()},
        "mean_turnover": {p: {str(q): float(v) for q, v in t.mean().items()} for p, t in far.quantile_turnover.items()},
        "ic_decay": {c: float(v) for c, v in far.ic.mean().items()},
        "n_days": int(far.ic.shape[0]),
        "n_securities": int(far.clean_factor_data.index.get_level_values("asset").nunique()),
        "dropped_share": float(far._loss),
    }
    if "group" in far.clean_factor_data:
        out["ic_summary_industry_neutral"] = far.calc_ic_summary(group_adjust=True).to_dict(orient="index")
        out["ic_decay_industry_neutral"] = {c: float(v) for c, v in
                                            far.calc_factor_information_coefficient(group_adjust=True).mean().items()}
    return out


def render_factor_report(far: FactorAnalyzer, out_path: str | Path, title: str = "因子分析 Factor analysis",
                         subtitle: str = "") -> Path:
    """Write the tear sheet of ``far`` to ``out_path`` (HTML) and return the path.

    Parameters
    ----------
    far : FactorAnalyzer
        Best built with ``periods`` containing 1, 5, 10, 20 (the decay chart shows the periods
        it has).
    out_path : str or Path
    title, subtitle : str
        Page header.
    """
    ic = far.ic
    has_group = "group" in far.clean_factor_data
    ic_n = far.calc_factor_information_coefficient(group_adjust=True) if has_group else None
    p0 = period_col(far.periods[0])
    sections: list[tuple[str, str, str]] = []
    tables = "<h3>Rank IC</h3>" + _table_html(far.ic_summary)
    if ic_n is not None:
        tables += "<h3>行业中性 Industry-neutral rank IC</h3>" + _table_html(far.calc_ic_summary(group_adjust=True))
    sections.append(("summary", "IC 概览 IC summary", tables))
    figs: list[tuple[str, str, go.Figure]] = []

    x = [d.strftime("%Y-%m-%d") for d in ic.index]
    f = go.Figure()
    f.add_bar(x=x, y=ic[p0].to_numpy(), name=f"IC {p0}", marker_color="#1f77b4", opacity=0.6)
    f.add_scatter(x=x, y=ic[p0].rolling(22, min_periods=5).mean().to_numpy(), name="22-day mean",
                  line=dict(color="#d62728"))
    if ic_n is not None:
        f.add_scatter(x=x, y=ic_n[p0].rolling(22, min_periods=5).mean().to_numpy(), name="industry-neutral 22-day mean",
                      line=dict(color="#2ca02c", dash="dot"))
    figs.append(("ic", "IC 时间序列 Daily IC", _layout(f, f"Daily rank IC ({p0})", pct=False)))

    f = go.Figure()
    for c in ic.columns:
        f.add_histogram(x=ic[c].dropna().to_numpy(), name=c, opacity=0.55, nbinsx=40)
    f.update_layout(barmode="overlay")
    figs.append(("ic_hist", "IC 分布 IC histogram", _layout(f, "IC distribution", pct=False)))

    f = go.Figure()
    f.add_bar(x=list(ic.columns), y=ic.mean().to_numpy(), name="rank IC")
    if ic_n is not None:
        f.add_bar(x=list(ic_n.columns), y=ic_n.mean().to_numpy(), name="industry-neutral rank IC")
    figs.append(("decay", "IC 衰减 IC decay", _layout(f, "Mean IC by horizon (trading days)", pct=False)))

    mq = far.mean_return_by_quantile
    f = go.Figure()
    for c in mq.columns:
        f.add_bar(x=[f"Q{q}" for q in mq.index], y=(mq[c] * 1e4).to_numpy(), name=c)
    figs.append(("quantile", "分位数收益 Mean return by quantile",
                 _layout(f, "Mean return by quantile (bps per day)", pct=False)))

    cum = far.calc_cumulative_return_by_quantile(far.periods[0])
    f = go.Figure()
    xs = [d.strftime("%Y-%m-%d") for d in cum.index]
    for q in cum.columns:
        f.add_scatter(x=xs, y=(cum[q] - 1.0).to_numpy(), name=f"Q{q}")
    figs.append(("cumulative", "分位数累积收益 Cumulative return by quantile",
                 _layout(f, f"Cumulative return by quantile ({p0})")))

    f = go.Figure()
    for p, t in far.quantile_turnover.items():
        xs = [d.strftime("%Y-%m-%d") for d in t.index]
        f.add_scatter(x=xs, y=t[1].to_numpy(), name=f"Q1 {p}")
        f.add_scatter(x=xs, y=t[t.columns[-1]].to_numpy(), name=f"Q{t.columns[-1]} {p}", line=dict(dash="dot"))
    figs.append(("turnover", "换手率 Top/bottom quantile turnover", _layout(f, "Quantile turnover")))

    for i, (sid, name, fig) in enumerate(figs):
        sections.append((sid, name, _figure_html(fig, f"chart-{sid}", include_js=(i == 0))))
    sections.append(("monthly", "月度 IC Monthly IC", _table_html(far.ic_monthly)))
    if has_group:
        sections.append(("by_group", "分行业 IC IC by industry", _table_html(far.ic_by_group)))
    summary = factor_summary(far)
    payload = json.dumps(summary, default=float).replace("</", "<\\/")
    scripts = [f'<script type="application/json" id="data-summary">{payload}</script>']
    header = (f'<header><h1>{html.escape(title)}</h1><div class="cfg">{html.escape(subtitle)} | '
              f'{summary["n_days"]} days, {summary["n_securities"]} securities</div></header>')
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(_page(title, header, sections, scripts), encoding="utf-8")
    return out


def write_factor_report(factor: str | Callable, universe: str | Sequence[str], start_date, end_date,
                        out_path: str | Path, industry: str = "sw_l1", quantiles: int = 5,
                        periods: Sequence[int] = DECAY_PERIODS, weight_method: str = "avg") -> tuple[Path, FactorAnalyzer]:
    """Analyse ``factor`` over ``universe`` and write the HTML tear sheet.

    Parameters
    ----------
    factor : str or callable
        jqfactor factor name, or ``f(securities, start_date, end_date) -> DataFrame``.
    universe : str or sequence of str
        An index code (its members on ``start_date``, ``get_index_stocks``) or a list of codes.
    start_date, end_date : date-like
    out_path : str or Path
    industry : str
        Scheme for the industry-neutral IC (default SW level 1).

    Returns
    -------
    (Path, FactorAnalyzer)
    """
    if isinstance(universe, str):
        from ..api import get_index_stocks
        secs = get_index_stocks(universe, date=start_date)
        if not secs:
            from ..errors import ParamsError
            raise ParamsError(f"universe {universe!r} has no members on {start_date} in this store")
        label = universe
    else:
        secs, label = list(universe), f"{len(universe)} securities"
    values = factor_frame(factor, secs, start_date, end_date)
    far = analyze_factor(values, industry=industry, quantiles=quantiles, periods=periods, weight_method=weight_method)
    name = factor if isinstance(factor, str) else getattr(factor, "__name__", "factor")
    path = render_factor_report(far, out_path, title=f"因子分析 {name}",
                                subtitle=f"{label} {pd.Timestamp(start_date).date()} → {pd.Timestamp(end_date).date()}, "
                                         f"industry {industry}, {quantiles} quantiles")
    return path, far
