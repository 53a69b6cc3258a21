"""Render a backtest run folder as one self-contained HTML report (JoinQuant-style).

A run folder holds ``daily.csv`` (or ``daily.parquet``), ``orders.csv``, ``trades.csv``,
``positions.csv``, ``metrics.json``, ``log.txt``, ``profile.json`` and ``strategy.py``; every
file but the daily table is optional. The report inlines plotly.js once (no network access
needed; the vendored 1.5 MB cartesian partial bundle rather than plotly.py's full 4.8 MB one, see
``_plotly_js``), shows the 收益概述 panel with JoinQuant's Chinese labels (English tooltips in
``title``), charts, and tables that are embedded as compact column-major JSON (gzip + base64
when large, decoded in the browser with ``DecompressionStream``) and rendered page by page
by a small plain-JS widget, so a 10-year full-market run stays small.
"""

from __future__ import annotations

import base64
import functools
import gzip
import html
import json
import math
import re
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from .metrics import METRIC_LABELS, PANEL_KEYS, compute_metrics, format_panel, format_value

__all__ = ["load_run", "render_compare", "render_report"]

_UP, _DOWN = "#d62728", "#2ca02c"  # A-share convention: red = up, green = down
_GZIP_OVER = 512 * 1024  # bytes of JSON above which a table is gzip+base64 encoded
_LOG_MAX_LINES = 200_000
_BARS_MAX = 500  # daily bar charts longer than this draw a filled step line instead of one <path> per bar
_ORDERS_MAX_ROWS = 50_000  # the orders table is embedded only up to this many rows
_LEVEL_ALIASES = {"WARN": "WARNING", "ERR": "ERROR", "FATAL": "CRITICAL"}
_LOG_RE = re.compile(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})\s+-\s+(\w+)\s*-\s?(.*)$")

# column -> (Chinese header, English tooltip, decimals for floats)
_COLUMNS: dict[str, tuple[str, str, int]] = {
    "date": ("日期", "Date", 0),
    "time": ("时间", "Time", 0),
    "add_time": ("下单时间", "Order time", 0),
    "trade_id": ("成交编号", "Trade id", 0),
    "order_id": ("订单编号", "Order id", 0),
    "security": ("代码", "Security", 0),
    "is_buy": ("买卖", "Side", 0),
    "amount": ("数量", "Amount (shares)", 0),
    "filled": ("成交数量", "Filled (shares)", 0),
    "price": ("价格", "Price (yuan)", 4),
    "avg_cost": ("持仓成本", "Average cost (yuan)", 4),
    "value": ("金额", "Value (yuan)", 2),
    "commission": ("手续费", "Commission (yuan)", 2),
    "tax": ("印花税", "Stamp tax (yuan)", 2),
    "status": ("状态", "Order status", 0),
    "style": ("订单类型", "Order style", 0),
    "limit_price": ("限价", "Limit price (yuan)", 4),
    "reason": ("原因", "Reason (cancelled / rejected orders)", 0),
    "total_amount": ("持仓数量", "Total amount (shares)", 0),
    "closeable_amount": ("可卖数量", "Closeable amount (shares)", 0),
    "pnl": ("平仓盈亏", "Sell P&L: (price - avg_cost) x filled", 2),
    "level": ("级别", "Log level", 0),
    "message": ("内容", "Message", 0),
}


# ------------------------------------------------------------------------------------------
# Loading
# ------------------------------------------------------------------------------------------
def _read_table(run_dir: Path, name: str) -> pd.DataFrame | None:
    csv, parquet = run_dir / f"{name}.csv", run_dir / f"{name}.parquet"
    if csv.exists():
        return pd.read_csv(csv)
    if parquet.exists():
        return pd.read_parquet(parquet)
    return None


def load_run(run_dir: str | Path) -> dict[str, Any]:
    """Load a run folder into a dict of DataFrames / parsed files (missing parts are None)."""
    run_dir = Path(run_dir)
    daily = _read_table(run_dir, "daily")
    if daily is None:
        raise FileNotFoundError(f"load_run(): run folder must contain daily.csv or daily.parquet, was {run_dir}")
    daily["date"] = pd.to_datetime(daily["date"]).dt.strftime("%Y-%m-%d")
    run: dict[str, Any] = {"dir": run_dir, "daily": daily}
    for name in ("orders", "trades", "positions"):
        run[name] = _read_table(run_dir, name)
    for name in ("metrics", "profile"):
        path = run_dir / f"{name}.json"
        run[name] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
    for key, fname in (("log", "log.txt"), ("source", "strategy.py")):
        path = run_dir / fname
        run[key] = path.read_text(encoding="utf-8", errors="replace") if path.exists() else None
    run["metrics"] = _metrics_for(run)
    return run


def _sell_pnl(orders: pd.DataFrame | None) -> np.ndarray:
    if orders is None or orders.empty:
        return np.zeros(0)
    sells = orders[(~orders["is_buy"].astype(bool)) & (orders["filled"] > 0)]
    return ((sells["price"] - sells["avg_cost"]) * sells["filled"]).to_numpy(float)


def _metrics_for(run: dict[str, Any]) -> dict[str, Any]:
    # metrics.json when present (the engine's numbers), else recomputed from the tables.
    daily: pd.DataFrame = run["daily"]
    stored = run["metrics"] or {}
    config = stored.get("config") or {}
    if "total_returns" in stored:
        return stored
    tv = daily["total_value"].to_numpy(float)
    cash = config.get("cash")
    if cash is None:
        cash = tv[0] / (1.0 + daily["returns"].iloc[0]) if "returns" in daily else tv[0]
    bench = bench_base = None
    if "benchmark_close" in daily and daily["benchmark_close"].notna().any():
        bench = daily["benchmark_close"].to_numpy(float)
        first = bench[0] / (1.0 + daily["benchmark_returns"].iloc[0]) if "benchmark_returns" in daily else bench[0]
        bench_base = float(first)
    m = compute_metrics(daily["date"].tolist(), tv, float(cash), bench, bench_base, _sell_pnl(run["orders"]))
    m["config"] = config
    return m


# ------------------------------------------------------------------------------------------
# Series derived from the daily table
# ------------------------------------------------------------------------------------------
def _starting_cash(run: dict[str, Any]) -> float:
    daily = run["daily"]
    cash = (run["metrics"].get("config") or {}).get("cash")
    if cash is not None:
        return float(cash)
    if "returns" in daily:
        return float(daily["total_value"].iloc[0] / (1.0 + daily["returns"].iloc[0]))
    return float(daily["total_value"].iloc[0])


def _curves(run: dict[str, Any]) -> dict[str, Any]:
    daily = run["daily"]
    p_start = _starting_cash(run)
    tv = daily["total_value"].to_numpy(float)
    ret = daily["returns"].to_numpy(float) if "returns" in daily else tv / p_start - 1.0
    bench = daily["benchmark_returns"].to_numpy(float) if "benchmark_returns" in daily else None
    if bench is not None and not np.isfinite(bench).any():
        bench = None
    peak = np.maximum.accumulate(np.concatenate(([p_start], tv)))[1:]
    out = {"dates": daily["date"].tolist(), "returns": ret, "benchmark": bench,
           "drawdown": tv / peak - 1.0, "pnl": np.diff(np.concatenate(([p_start], tv)))}
    out["excess"] = (1.0 + ret) / (1.0 + bench) - 1.0 if bench is not None else None
    return out


# ------------------------------------------------------------------------------------------
# Charts
# ------------------------------------------------------------------------------------------
def _layout(fig: go.Figure, title: str, height: int = 360, pct: bool = True) -> go.Figure:
    fig.update_layout(title=title, template="plotly_white", height=height, hovermode="x unified",
                      margin=dict(l=60, r=20, t=50, b=40), legend=dict(orientation="h", y=1.12))
    if pct:
        fig.update_yaxes(tickformat=".2%")
    return fig


def _daily_bars(fig: go.Figure, x: Sequence[str], y: np.ndarray, name: str, color_up: str,
                color_down: str | None = None) -> None:
    """Add a daily bar series; colored by sign when ``color_down`` is given.

    Up to ``_BARS_MAX`` days: plotly bars. Longer runs (a 10-year report has ~2,400 days, where a
    bar is under a pixel wide anyway) draw the same picture as a filled step line per color,
    one SVG path each instead of one per bar, plus an invisible line carrying the hover values:
    the browser draws it 2-3 times faster than the bars.
    """
    y = np.asarray(y, dtype=float)
    if len(y) <= _BARS_MAX:
        colors = np.where(y >= 0, color_up, color_down) if color_down else color_up
        fig.add_trace(go.Bar(x=x, y=y, name=name, marker_color=colors))
        return
    parts = [(np.where(y > 0, y, 0.0), color_up), (np.where(y < 0, y, 0.0), color_down)] if color_down \
        else [(y, color_up)]
    for part, color in parts:
        fig.add_trace(go.Scatter(x=x, y=part, mode="lines", fill="tozeroy", fillcolor=color, name=name,
                                 line=dict(color=color, width=0.5, shape="hv"), hoverinfo="skip",
                                 showlegend=not color_down, legendgroup=name))
    fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=name, line=dict(color=color_up, width=0),
                             showlegend=False, legendgroup=name))


def _returns_figure(series: Sequence[tuple[str, Sequence[str], np.ndarray, str | None]], title: str) -> go.Figure:
    # Linear view: cumulative return (%); log view: net value 1 + r on a log axis.
    fig = go.Figure()
    for name, x, y, color in series:
        fig.add_trace(go.Scatter(x=x, y=y, name=name, line=dict(color=color, width=1.6)))
    for name, x, y, color in series:
        fig.add_trace(go.Scatter(x=x, y=1.0 + y, name=name, visible=False, line=dict(color=color, width=1.6)))
    k = len(series)
    buttons = [
        dict(label="线性 Linear", method="update",
             args=[{"visible": [True] * k + [False] * k}, {"yaxis.type": "linear", "yaxis.tickformat": ".2%"}]),
        dict(label="对数 Log", method="update",
             args=[{"visible": [False] * k + [True] * k}, {"yaxis.type": "log", "yaxis.tickformat": ".3f"}]),
    ]
    _layout(fig, title, 440)
    # legend (left) and the linear/log buttons (right) share one row above the plot, below the
    # title and plotly's hover toolbar, so that nothing overlaps
    fig.update_layout(margin=dict(t=84), legend=dict(x=0, y=1.02, yanchor="bottom"),
                      updatemenus=[dict(type="buttons", direction="right", buttons=buttons, x=1, y=1.02,
                                        xanchor="right", yanchor="bottom", showactive=True,
                                        pad=dict(t=0, b=0, l=0, r=0))])
    return fig


def _charts(run: dict[str, Any]) -> list[tuple[str, str, go.Figure | str]]:
    # (section id, section name, plotly figure or ready HTML)
    c = _curves(run)
    x = c["dates"]
    lines = [("策略收益", x, c["returns"], "#4572a7")]
    if c["benchmark"] is not None:
        lines += [("基准收益", x, c["benchmark"], "#aa4643"), ("超额收益", x, c["excess"], "#f0a30a")]
    charts = [("returns", "累计收益 Cumulative returns", _returns_figure(lines, "累计收益"))]

    dd = go.Figure(go.Scatter(x=x, y=c["drawdown"], fill="tozeroy", name="回撤", line=dict(color=_DOWN)))
    charts.append(("drawdown", "回撤 Drawdown", _layout(dd, "回撤")))

    bars = go.Figure()
    _daily_bars(bars, x, c["pnl"], "当日盈亏", _UP, _DOWN)
    charts.append(("pnl", "每日盈亏 Daily P&L", _layout(bars, "每日盈亏 (元)", 300, pct=False)))

    daily = run["daily"]
    if "buy_value" in daily or "sell_value" in daily:
        fig = go.Figure()
        if "buy_value" in daily:
            _daily_bars(fig, x, daily["buy_value"].to_numpy(float), "买入", _UP)
        if "sell_value" in daily:
            _daily_bars(fig, x, -daily["sell_value"].to_numpy(float), "卖出", _DOWN)
        fig.update_layout(barmode="relative")
        charts.append(("turnover", "每日买卖 Daily buy/sell", _layout(fig, "每日买入/卖出金额 (元)", 300, pct=False)))

    charts.append(("monthly", "月度收益 Monthly returns", _monthly_table(run["metrics"], c)))

    records = [col for col in daily.columns if col.startswith("record_")]
    if records:
        # record() is often called only on rebalance days: join the recorded points across the
        # days in between (NaN), or each would be an isolated, invisible line segment
        fig = go.Figure([go.Scatter(x=x, y=daily[col], name=col[len("record_"):], connectgaps=True)
                         for col in records])
        charts.append(("record", "record() 曲线", _layout(fig, "record()", 300, pct=False)))

    charts += _attribution_charts(run["metrics"].get("attribution"))

    prof = _profile_rows(run["profile"])
    if prof:
        fig = go.Figure()
        names = [r[0] for r in prof]
        parts = [k for k in ("data", "factor", "other") if any(r[2].get(k) is not None for r in prof)]
        if parts:
            for k in parts:
                fig.add_trace(go.Bar(y=names, x=[r[2].get(k) or 0.0 for r in prof], name=k, orientation="h"))
            fig.update_layout(barmode="stack")
        else:
            fig.add_trace(go.Bar(y=names, x=[r[1] for r in prof], name="seconds", orientation="h"))
        _layout(fig, "回调耗时 (秒) Per-callback time", max(200, 40 + 28 * len(prof)), pct=False)
        fig.update_layout(hovermode="closest")
        charts.append(("profile", "耗时 Profile", fig))
    return charts


def _attribution_charts(att: dict[str, Any] | None) -> list[tuple[str, str, go.Figure | str]]:
    """Brinson–Fachler and style-exposure charts (``metrics.json`` ``attribution``, written by
    :func:`jqlite.analysis.attribution.run_attribution`)."""
    if not att:
        return []
    out: list[tuple[str, str, go.Figure | str]] = []
    b = att.get("brinson")
    if b:
        d = b["daily"]
        fig = go.Figure()
        colors = {"allocation": "#1f77b4", "selection": "#ff7f0e", "interaction": "#9467bd"}
        for e in ("allocation", "selection", "interaction"):
            fig.add_scatter(x=d["date"], y=np.cumsum(np.asarray(d[e], dtype=float)), name=f"{e} (cumulative sum)",
                            line=dict(color=colors[e]))
        fig.add_scatter(x=d["date"], y=np.cumsum(np.asarray(d["active"], dtype=float)), name="active (sum)",
                        line=dict(color="#333", dash="dot"))
        t = b["total"]
        rows = b["by_industry"][:31]
        bars = go.Figure()
        labels = [f"{r['name']}" for r in rows]
        for e in ("allocation", "selection", "interaction"):
            bars.add_bar(y=labels, x=[r[e] for r in rows], name=e, orientation="h", marker_color=colors[e])
        bars.update_layout(barmode="relative")
        head = (f"<p>Brinson–Fachler vs {html.escape(str(b.get('benchmark')))} constituents by "
                f"{html.escape(str(b.get('scheme')))} (Carino-linked): allocation {t['allocation']:+.2%}, "
                f"selection {t['selection']:+.2%}, interaction {t['interaction']:+.2%} = active "
                f"{t['active']:+.2%} (holdings {t['portfolio']:+.2%} vs benchmark constituents "
                f"{t['benchmark']:+.2%})</p>")
        if b.get("monthly"):
            cells = "".join(
                f"<tr><td>{html.escape(m['month'])}</td>" + "".join(
                    f"<td>{m[k]:+.2%}</td>" for k in ("portfolio", "benchmark", "allocation", "selection",
                                                      "interaction", "active")) + "</tr>"
                for m in b["monthly"])
            head += ('<table class="cmp"><tr><th>月份 month</th><th>持仓 holdings</th><th>基准 benchmark</th>'
                     '<th>配置 allocation</th><th>选股 selection</th><th>交互 interaction</th>'
                     f'<th>超额 active</th></tr>{cells}</table>')
        out.append(("attribution_summary", "归因 Attribution summary", head))
        out.append(("attribution", "归因 Brinson attribution", _layout(fig, "Brinson–Fachler effects (cumulative)")))
        out.append(("attribution_industry", "行业归因 Attribution by industry",
                    _layout(bars, "Linked effects by industry", max(300, 40 + 22 * len(rows)))))
    s = att.get("style_exposure")
    if s and s.get("factors"):
        fig = go.Figure()
        src = s["active"] if s.get("active") else s["portfolio"]
        for f in s["factors"]:
            fig.add_scatter(x=s["date"], y=src[f], name=f)
        title = "Active style exposure (portfolio - benchmark)" if s.get("active") else "Style exposure"
        out.append(("style", "风格暴露 Style exposure", _layout(fig, title, pct=False)))
    notes = att.get("notes") or []
    if notes and not b:
        out.append(("attribution_note", "归因说明 Attribution", "<p>" + "<br>".join(html.escape(n) for n in notes) + "</p>"))
    return out


def _monthly_table(metrics: dict[str, Any], curves: dict[str, Any]) -> str:
    """Monthly and yearly returns as a colored HTML table (red up, green down, like JoinQuant).

    An HTML table instead of a plotly heatmap: a 10-year heatmap with 130 text labels took the
    browser a few hundred ms to lay out; the table is instant and its numbers can be copied.
    """
    monthly = metrics.get("monthly_returns") or {}
    if not monthly:  # metrics.json without the table: derive it from the cumulative returns
        s = pd.Series(1.0 + curves["returns"], index=pd.to_datetime(curves["dates"]))
        last = s.groupby(s.index.strftime("%Y-%m")).last()
        monthly = (last / last.shift(1).fillna(1.0) - 1.0).to_dict()
    yearly = metrics.get("yearly_returns") or {}
    years = sorted({k[:4] for k in monthly})
    z = [[monthly.get(f"{y}-{m:02d}") for m in range(1, 13)] + [yearly.get(y)] for y in years]
    finite = [abs(v) for row in z for v in row[:12] if isinstance(v, (int, float)) and math.isfinite(v)]
    scale = max(finite, default=0.0) or 1.0

    def cell(v: Any, scale: float) -> str:
        if not isinstance(v, (int, float)) or not math.isfinite(v):
            return "<td></td>"
        a = min(abs(v) / scale, 1.0) * 0.85
        rgb = "214,39,40" if v > 0 else "44,160,44"
        fg = ";color:#fff" if a > 0.5 else ""
        return f'<td style="background:rgba({rgb},{a:.2f}){fg}">{v * 100:.2f}%</td>'

    ys = [abs(r[12]) for r in z if isinstance(r[12], (int, float)) and math.isfinite(r[12])]
    yscale = max(ys, default=0.0) or 1.0
    head = "<tr><th></th>" + "".join(f"<th>{m}月</th>" for m in range(1, 13)) + '<th class="yr">全年</th></tr>'
    body = "".join(f"<tr><th>{y}</th>" + "".join(cell(v, scale) for v in row[:12])
                   + cell(row[12], yscale).replace("<td", '<td class="yr"', 1) + "</tr>"
                   for y, row in zip(years, z))
    return f'<table class="mr" title="月度收益 monthly returns; 全年 = yearly">{head}{body}</table>'


def _profile_rows(profile: dict[str, Any] | None) -> list[tuple[str, float, dict[str, float]]]:
    # profile.json: name -> seconds, or name -> {total?, data?, factor?, other?}.
    rows = []
    for name, val in (profile or {}).items():
        if isinstance(val, dict):
            parts = {k: float(v) for k, v in val.items() if isinstance(v, (int, float))}
            total = parts.pop("total", None)
            rows.append((str(name), float(total if total is not None else sum(parts.values())), parts))
        elif isinstance(val, (int, float)):
            rows.append((str(name), float(val), {}))
    return sorted(rows, key=lambda r: -r[1])


_VENDORED_PLOTLY = Path(__file__).resolve().parent / "vendor" / "plotly-cartesian.min.js"


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"\d+", text)[:3])


@functools.lru_cache(maxsize=1)
def _plotly_js() -> str:
    """The plotly.js source inlined (once) into every report.

    The vendored cartesian partial bundle (npm ``plotly.js-cartesian-dist-min``: scatter, bar,
    heatmap, histogram, box, ...; see ``vendor/README.md``) is 1.5 MB against 4.8 MB for the
    full bundle plotly.py ships, and the browser parses it in a third of the time: about 0.7 s
    less CPU when opening a 10-year report.  It is used when it is the same major version as
    plotly.py's own plotly.js and not an older minor one (so the figure JSON plotly.py writes is
    understood); otherwise the full bundle is inlined.
    """
    from plotly.offline import get_plotlyjs, get_plotlyjs_version

    full = _version(get_plotlyjs_version())
    if _VENDORED_PLOTLY.exists():
        text = _VENDORED_PLOTLY.read_text(encoding="utf-8")
        m = re.search(r"plotly\.js \(cartesian[^)]*\) v(\d+\.\d+\.\d+)", text[:400])
        if m and full and _version(m.group(1))[0] == full[0] and _version(m.group(1))[:2] >= full[:2]:
            return (f"/* plotly.js v{m.group(1)} (cartesian partial bundle, jqlite/analysis/vendor) */\n"
                    + text.replace("</script", "<\\/script"))
    return get_plotlyjs()


def _figure_html(fig: go.Figure, div_id: str, include_js: bool) -> str:
    div = fig.to_html(full_html=False, include_plotlyjs=False, div_id=div_id,
                      config={"displaylogo": False, "responsive": True})
    return f'<script type="text/javascript">{_plotly_js()}</script>{div}' if include_js else div


# ------------------------------------------------------------------------------------------
# Compact tables
# ------------------------------------------------------------------------------------------
# value columns that are price x amount and are rebuilt in the browser instead of stored
_DERIVED = {"value": ("price", ("amount", "total_amount", "filled"))}


def _compact(df: pd.DataFrame, title: str) -> dict[str, Any]:
    """Encode a table column-major; low-cardinality strings become dictionary codes.

    A ``value`` column equal to ``price x amount`` (to the cent) is not stored but listed in
    ``derived`` and rebuilt by the page's JS.
    """
    cols, heads, tips, data = [], [], [], []
    dicts: dict[str, list[str]] = {}
    derived: dict[str, list[int]] = {}
    names = list(df.columns)
    for j, col in enumerate(names):
        s = df[col]
        zh, en, digits = _COLUMNS.get(col, (col, col, 4))
        cols.append(col)
        heads.append(zh)
        tips.append(en)
        if col in _DERIVED:
            price, amounts = _DERIVED[col]
            qty = next((a for a in amounts if a in names), None)
            if price in names and qty is not None:
                prod = np.round(df[price].to_numpy(float) * df[qty].to_numpy(float), 2)
                if np.allclose(prod, s.to_numpy(float), rtol=0, atol=0.006):
                    derived[str(j)] = [names.index(price), names.index(qty)]
                    data.append(None)
                    continue
        if col == "is_buy":
            s = s.map(lambda b: "买" if str(b).lower() in ("true", "1", "1.0") else "卖")
        if pd.api.types.is_bool_dtype(s):
            s = s.astype(int)
        values: list[Any]
        if pd.api.types.is_numeric_dtype(s):
            arr = s.to_numpy(float)
            finite = np.isfinite(arr)
            if finite.all() and np.all(arr == np.round(arr)) and np.abs(arr).max(initial=0) < 2**53:
                values = arr.astype(np.int64).tolist()
            else:
                rounded = np.round(arr, digits or 4).astype(object)
                rounded[~finite] = None
                values = rounded.tolist()
        else:
            strs = s.astype(object).where(s.notna(), "").astype(str)
            codes, uniq = pd.factorize(strs, sort=True)
            if len(uniq) <= max(64, len(strs) // 4):
                dicts[str(j)] = [str(u) for u in uniq]
                values = codes.tolist()
            else:
                values = strs.tolist()
        data.append(values)
    return {"title": title, "columns": cols, "heads": heads, "tips": tips, "dicts": dicts,
            "derived": derived, "data": data, "n": int(len(df))}


def _data_script(key: str, obj: Any) -> str:
    raw = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    if len(raw) > _GZIP_OVER:
        payload = json.dumps({"gz": base64.b64encode(gzip.compress(raw, 6, mtime=0)).decode("ascii")})
    else:
        payload = raw.decode("utf-8")
    payload = payload.replace("</", "<\\/")
    return f'<script type="application/json" id="data-{key}">{payload}</script>'


def _log_table(text: str | None) -> tuple[pd.DataFrame | None, str]:
    if not text:
        return None, ""
    rows: list[list[str]] = []
    for line in text.splitlines():
        m = _LOG_RE.match(line)
        if m:
            level = m.group(2).upper()
            rows.append([m.group(1), _LEVEL_ALIASES.get(level, level), m.group(3)])
        elif rows:
            rows[-1][2] += "\n" + line  # continuation (e.g. a traceback)
        elif line.strip():
            rows.append(["", "INFO", line])
    note = ""
    if len(rows) > _LOG_MAX_LINES:
        half = _LOG_MAX_LINES // 2
        note = f"日志共 {len(rows)} 条，仅显示前 {half} 条与后 {half} 条 (log truncated)"
        rows = rows[:half] + rows[-half:]
    return pd.DataFrame(rows, columns=["time", "level", "message"]), note


# ------------------------------------------------------------------------------------------
# HTML
# ------------------------------------------------------------------------------------------
_CSS = """
body{font-family:-apple-system,"Segoe UI","PingFang SC","Microsoft YaHei","Noto Sans CJK SC","WenQuanYi Micro Hei",sans-serif;margin:0;background:#f5f6f8;color:#222}
header{background:#1f2d3d;color:#fff;padding:12px 24px}header h1{margin:0;font-size:20px}
header .cfg{font-size:13px;opacity:.85;margin-top:4px}
nav{position:sticky;top:0;background:#fff;border-bottom:1px solid #ddd;padding:6px 24px;z-index:10;font-size:13px}
nav a{margin-right:14px;color:#1f5fa8;text-decoration:none}
section{background:#fff;margin:14px 24px;padding:12px 16px;border-radius:4px;box-shadow:0 1px 2px rgba(0,0,0,.08)}
section h2{font-size:16px;margin:0 0 8px}section{scroll-margin-top:56px}
.panel{display:grid;grid-template-columns:repeat(auto-fill,minmax(120px,1fr));gap:6px}
.metric{border:1px solid #e4e6ea;border-radius:3px;padding:6px 8px;cursor:help}
.metric .label{font-size:12px;color:#666}.metric .value{font-size:16px;font-weight:600;margin-top:2px}
.metric .value.up{color:#d62728}.metric .value.down{color:#2ca02c}
table.jt{border-collapse:collapse;width:100%;font-size:12px}
table.jt th,table.jt td{border-bottom:1px solid #eee;padding:3px 6px;text-align:right;white-space:nowrap}
table.jt th{background:#fafafa;cursor:pointer;user-select:none;position:sticky;top:0}
table.jt td.s{text-align:left;white-space:pre-wrap}
.ctl{font-size:12px;margin:6px 0}.ctl input,.ctl select,.ctl button{font-size:12px;margin-right:6px}
pre.src{background:#fafafa;padding:10px;overflow:auto;font-size:12px;max-height:600px}
table.cmp{border-collapse:collapse;font-size:13px}table.cmp td,table.cmp th{border:1px solid #e4e6ea;padding:4px 10px;text-align:right}
table.cmp th:first-child,table.cmp td:first-child{text-align:left}
table.mr{border-collapse:collapse;font-size:12px;width:100%}
table.mr th,table.mr td{border:1px solid #eceef1;padding:4px 6px;text-align:right;white-space:nowrap}
table.mr th{background:#fafafa;font-weight:600}table.mr .yr{border-left:2px solid #9aa3ad;font-weight:600}
"""

_JS = r"""
async function jqData(key){
  const el=document.getElementById('data-'+key); if(!el) return null;
  let t=JSON.parse(el.textContent);
  if(t.gz){const s=atob(t.gz), bin=new Uint8Array(s.length);
    for(let i=0;i<s.length;i++) bin[i]=s.charCodeAt(i);
    const ds=new Blob([bin]).stream().pipeThrough(new DecompressionStream('gzip'));
    t=JSON.parse(await new Response(ds).text());}
  for(const [j,[a,b]] of Object.entries(t.derived||{}))
    t.data[j]=t.data[a].map((p,i)=>p===null||t.data[b][i]===null?null:Math.round(p*t.data[b][i]*100)/100);
  return t;
}
function jqTable(root,t,opt){
  opt=opt||{}; const n=t.n, cols=t.columns.length, dict=t.dicts||{};
  const cell=(j,i)=>{const v=t.data[j][i]; const d=dict[j]; return d?d[v]:v;};
  const isNum=j=>!dict[j]&&t.data[j].some(v=>typeof v==='number');
  let order=[...Array(n).keys()], view=order, page=0, size=opt.pageSize||50, sortCol=-1, dir=1, q='';
  root.innerHTML='<div class="ctl"><input placeholder="筛选 filter" size="24"> '+(opt.extra||'')+
    '<button data-a="p">‹ 上一页</button><span></span><button data-a="n">下一页 ›</button>'+
    ' 每页 <select data-s="1"><option>20</option><option selected>50</option><option>200</option><option>1000</option></select></div>'+
    '<div style="max-height:640px;overflow:auto"><table class="jt"><thead><tr></tr></thead><tbody></tbody></table></div>';
  const [inp]=root.getElementsByTagName('input'), sel=root.querySelector('select[data-s]');
  const info=root.querySelector('.ctl span'), head=root.querySelector('thead tr'), body=root.querySelector('tbody');
  t.heads.forEach((h,j)=>{const th=document.createElement('th'); th.textContent=h; th.title=t.tips[j]+' (click to sort)';
    th.onclick=()=>{dir=(sortCol===j)?-dir:1; sortCol=j; apply();}; head.appendChild(th);});
  const numCol=[...Array(cols).keys()].map(isNum);
  function apply(){
    let rows=order;
    const pred=opt.predicate?opt.predicate(root,cell):null;
    if(q||pred){const ql=q.toLowerCase(); rows=rows.filter(i=>(!pred||pred(i))&&(!q||
      [...Array(cols).keys()].some(j=>String(cell(j,i)).toLowerCase().includes(ql))));}
    if(sortCol>=0){const j=sortCol; rows=rows.slice().sort((a,b)=>{const x=cell(j,a),y=cell(j,b);
      return (x===y?a-b:(x===null?-1:y===null?1:(x<y?-1:1)))*dir;});}
    view=rows; page=0; draw();
  }
  function draw(){
    const pages=Math.max(1,Math.ceil(view.length/size)); page=Math.min(Math.max(page,0),pages-1);
    info.textContent=' 第 '+(page+1)+'/'+pages+' 页，共 '+view.length+' 行 ';
    const parts=[]; for(const i of view.slice(page*size,(page+1)*size)){
      parts.push('<tr>'+[...Array(cols).keys()].map(j=>{const v=cell(j,i);
        return '<td'+(numCol[j]?'':' class="s"')+'>'+(v===null?'':String(v).replace(/&/g,'&amp;').replace(/</g,'&lt;'))+'</td>';}).join('')+'</tr>');}
    body.innerHTML=parts.join('');
    [...head.children].forEach((th,j)=>th.textContent=t.heads[j]+(j===sortCol?(dir>0?' ▲':' ▼'):''));
  }
  inp.oninput=()=>{q=inp.value; apply();};
  sel.onchange=()=>{size=+sel.value; draw();};
  root.querySelector('[data-a=p]').onclick=()=>{page--; draw();};
  root.querySelector('[data-a=n]').onclick=()=>{page++; draw();};
  root.querySelectorAll('select[data-f]').forEach(s=>s.onchange=apply);
  apply();
}
const LEVELS={DEBUG:10,INFO:20,WARNING:30,ERROR:40,CRITICAL:50};
async function jqInit(){
  for(const el of document.querySelectorAll('[data-table]')){
    const t=await jqData(el.dataset.table); if(!t) continue;
    if(el.dataset.table==='log'){
      jqTable(el,t,{pageSize:200,extra:'级别 <select data-f="lvl" title="minimum level"><option>DEBUG</option><option>INFO</option><option>WARNING</option><option>ERROR</option></select>',
        predicate:(root,cell)=>{const m=LEVELS[root.querySelector('select[data-f]').value]||0; return i=>(LEVELS[cell(1,i)]||20)>=m;}});
    } else jqTable(el,t,{});
  }
}
document.addEventListener('DOMContentLoaded',jqInit);
"""


def _panel_html(metrics: dict[str, Any]) -> str:
    cells = []
    for key, (label, text) in zip(PANEL_KEYS, format_panel(metrics)):
        tip = METRIC_LABELS[key][1]
        value = metrics.get(key)
        cls = ""
        if key in ("total_returns", "annual_returns", "excess_returns", "benchmark_returns", "alpha") \
                and isinstance(value, (int, float)) and math.isfinite(value) and value != 0:
            cls = " up" if value > 0 else " down"
        cells.append(f'<div class="metric" title="{html.escape(tip)}" data-key="{key}">'
                     f'<div class="label">{html.escape(label)}</div>'
                     f'<div class="value{cls}">{html.escape(text)}</div></div>')
    return '<div class="panel">' + "".join(cells) + "</div>"


def _page(title: str, header: str, sections: list[tuple[str, str, str]], scripts: list[str]) -> str:
    nav = "".join(f'<a href="#{sid}">{html.escape(name)}</a>' for sid, name, _ in sections)
    body = "".join(f'<section id="{sid}"><h2>{html.escape(name)}</h2>{content}</section>'
                   for sid, name, content in sections)
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
            f"{header}<nav>{nav}</nav>{body}{''.join(scripts)}<script>{_JS}</script></body></html>")


def _header(title: str, config: dict[str, Any]) -> str:
    bits = []
    for key, label in (("strategy", "策略"), ("strategy_file", "策略"), ("start", "开始"), ("end", "结束"),
                       ("cash", "初始资金"), ("benchmark", "基准"), ("frequency", "频率")):
        value = config.get(key)
        if value is not None:
            if key == "cash" and isinstance(value, (int, float)):
                value = f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"
            bits.append(f"{label}: {html.escape(str(value))}")
    return f'<header><h1>{html.escape(title)}</h1><div class="cfg">{" | ".join(bits)}</div></header>'


def _orders_with_pnl(orders: pd.DataFrame | None) -> pd.DataFrame | None:
    if orders is None:
        return None
    df = orders.copy()
    sell = (~df["is_buy"].astype(bool)) & (df["filled"] > 0)
    df["pnl"] = np.where(sell, (df["price"] - df["avg_cost"]) * df["filled"], np.nan)
    return df


def render_report(run_dir: str | Path) -> Path:
    """Write ``run_dir/report.html`` for one run folder and return its path.

    Parameters
    ----------
    run_dir : str or Path
        Folder written by the engine (see module docstring).

    Returns
    -------
    Path
        The report file; it needs no network access (plotly.js is inlined once).
    """
    run = load_run(run_dir)
    metrics = run["metrics"]
    config = metrics.get("config") or {}
    title = f"回测报告 {Path(str(config.get('strategy') or config.get('strategy_file') or run['dir'])).name}"
    sections: list[tuple[str, str, str]] = [("overview", "收益概述 Overview", _panel_html(metrics))]
    first = True
    for sid, name, fig in _charts(run):
        if isinstance(fig, str):
            sections.append((sid, name, fig))
            continue
        sections.append((sid, name, _figure_html(fig, f"chart-{sid}", include_js=first)))
        first = False

    scripts = []
    tables = [("trades", "交易详情 Trades", run["trades"]),
              ("orders", "订单 Orders", _orders_with_pnl(run["orders"])),
              ("positions", "每日持仓 Daily positions", run["positions"])]
    for key, name, df in tables:
        if df is None:
            continue
        if key == "orders" and len(df) > _ORDERS_MAX_ROWS:
            # Fills are already in the trades table; keep long-run reports small.
            sections.append((key, name, f"<p>订单 {len(df)} 条，超过 {_ORDERS_MAX_ROWS} 条未嵌入，"
                                        f"见 orders.csv (too many orders to embed; see orders.csv)</p>"))
            continue
        scripts.append(_data_script(key, _compact(df, name)))
        sections.append((key, name, f'<div data-table="{key}">加载中… loading</div>'))
    log_df, note = _log_table(run["log"])
    if log_df is not None:
        scripts.append(_data_script("log", _compact(log_df, "日志")))
        note_html = f"<p>{html.escape(note)}</p>" if note else ""
        sections.append(("log", "日志 Log", note_html + '<div data-table="log">加载中… loading</div>'))
    prof = _profile_rows(run["profile"])
    if prof:
        parts = sorted({k for r in prof for k in r[2]})
        head = "".join(f"<th>{html.escape(p)}</th>" for p in ["回调 callback", "秒 seconds", *parts])
        body = "".join("<tr><td>" + html.escape(r[0]) + f"</td><td>{r[1]:.3f}</td>"
                       + "".join(f"<td>{r[2][p]:.3f}</td>" if p in r[2] else "<td></td>" for p in parts)
                       + "</tr>" for r in prof)
        table = f'<table class="cmp"><tr>{head}</tr>{body}</table>'
        sections = [(s, n, c + table) if s == "profile" else (s, n, c) for s, n, c in sections]
    if run["source"] is not None:
        sections.append(("source", "策略代码 Source", f'<pre class="src">{html.escape(run["source"])}</pre>'))

    out = Path(run["dir"]) / "report.html"
    out.write_text(_page(title, _header(title, config), sections, scripts), encoding="utf-8")
    return out


def render_compare(run_dirs: Sequence[str | Path], out_path: str | Path) -> Path:
    """Write one HTML report comparing several run folders; return its path.

    Shows the 收益概述 panel side by side (one column per run), overlaid cumulative
    returns (linear/log toggle) with the first run's benchmark, and overlaid drawdowns.
    """
    runs = [load_run(d) for d in run_dirs]
    names: list[str] = []
    for run in runs:
        cfg = run["metrics"].get("config") or {}
        base = str(cfg.get("strategy") or cfg.get("strategy_file") or Path(run["dir"]).name)
        base = Path(base).stem if base.endswith(".py") else base
        name, k = base, 2
        while name in names:
            name, k = f"{base} ({k})", k + 1
        names.append(name)

    panels = [format_panel(r["metrics"]) for r in runs]
    head = "<tr><th>指标 Metric</th>" + "".join(f"<th>{html.escape(n)}</th>" for n in names) + "</tr>"
    rows = []
    for i, key in enumerate(PANEL_KEYS):
        label, tip, _ = METRIC_LABELS[key]
        rows.append(f'<tr><td title="{html.escape(tip)}">{html.escape(label)}</td>'
                    + "".join(f"<td>{html.escape(p[i][1])}</td>" for p in panels) + "</tr>")
    days = METRIC_LABELS["trading_days"]
    rows.append(f'<tr><td title="{days[1]}">{days[0]}</td>'
                + "".join(f"<td>{format_value(r['metrics'].get('trading_days'), 'int')}</td>" for r in runs) + "</tr>")
    sections = [("overview", "收益概述 Overview", f'<table class="cmp">{head}{"".join(rows)}</table>')]

    palette = ["#4572a7", "#f0a30a", "#89a54e", "#80699b", "#3d96ae", "#db843d", "#92a8cd", "#a47d7c"]
    curves = [_curves(r) for r in runs]
    lines = [(n, c["dates"], c["returns"], palette[i % len(palette)]) for i, (n, c) in enumerate(zip(names, curves))]
    if curves[0]["benchmark"] is not None:
        lines.append((f"基准 ({names[0]})", curves[0]["dates"], curves[0]["benchmark"], "#aa4643"))
    fig = _returns_figure(lines, "累计收益")
    sections.append(("returns", "累计收益 Cumulative returns", _figure_html(fig, "chart-returns", True)))
    dd = go.Figure([go.Scatter(x=c["dates"], y=c["drawdown"], name=n, line=dict(color=palette[i % len(palette)]))
                    for i, (n, c) in enumerate(zip(names, curves))])
    sections.append(("drawdown", "回撤 Drawdown", _figure_html(_layout(dd, "回撤"), "chart-drawdown", False)))

    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    title = "回测对比 " + " vs ".join(names)
    out.write_text(_page(title, _header(title, {}), sections, []), encoding="utf-8")
    return out
