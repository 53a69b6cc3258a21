"""Tests for jqlite.analysis.report on fabricated run folders (no engine needed)."""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jqlite.analysis import report as R
from jqlite.analysis.metrics import METRIC_LABELS, PANEL_KEYS, compute_metrics, format_panel

DATES = ["2024-01-29", "2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02", "2024-02-05"]


def make_run_folder(path: Path, values=(102_000.0, 99_000.0, 101_000.0, 104_000.0, 100_000.0, 103_000.0),
                    with_metrics: bool = True, strategy: str = "demo_strategy.py") -> Path:
    """Fabricate a run folder shaped like the engine's output (a few days)."""
    path.mkdir(parents=True, exist_ok=True)
    cash = 100_000.0
    tv = np.asarray(values, dtype=float)
    bench = np.array([10.1, 10.0, 9.9, 10.2, 10.3, 10.1])
    n = len(tv)
    daily = pd.DataFrame({
        "date": DATES[:n],
        "total_value": tv,
        "available_cash": tv * 0.5,
        "positions_value": tv * 0.5,
        "benchmark_close": bench[:n],
        "returns": tv / cash - 1.0,
        "benchmark_returns": bench[:n] / 10.0 - 1.0,
        "buy_value": [50_000.0, 0.0, 1_000.0, 0.0, 2_000.0, 0.0][:n],
        "sell_value": [0.0, 3_000.0, 0.0, 10_000.0, 0.0, 5_000.0][:n],
        "record_signal": np.linspace(0.0, 1.0, n),
    })
    daily.to_csv(path / "daily.csv", index=False)
    orders = pd.DataFrame({
        "order_id": [1, 2, 3, 4],
        "add_time": ["2024-01-29 09:30:00", "2024-01-30 09:30:00", "2024-02-01 14:55:00", "2024-02-05 09:30:00"],
        "security": ["000001.XSHE", "000001.XSHE", "600000.XSHG", "000001.XSHE"],
        "is_buy": [True, False, False, False],
        "amount": [5000, 300, 1000, 500],
        "filled": [5000, 300, 1000, 500],
        "price": [10.0, 10.5, 10.0, 9.0],
        "avg_cost": [0.0, 10.0, 10.0, 10.0],
        "commission": [15.0, 5.0, 5.0, 5.0],
        "status": ["held"] * 4,
        "style": ["MarketOrderStyle"] * 4,
    })
    orders.to_csv(path / "orders.csv", index=False)
    trades = pd.DataFrame({
        "trade_id": [1, 2, 3, 4], "order_id": [1, 2, 3, 4], "time": orders["add_time"],
        "security": orders["security"], "is_buy": orders["is_buy"], "amount": orders["filled"],
        "price": orders["price"], "value": orders["price"] * orders["filled"],
        "commission": orders["commission"], "tax": [0.0, 3.15, 10.0, 4.5],
    })
    trades.to_csv(path / "trades.csv", index=False)
    positions = pd.DataFrame({
        "date": DATES[:n], "security": ["000001.XSHE"] * n, "total_amount": [5000] * n,
        "closeable_amount": [0] + [5000] * (n - 1), "avg_cost": [10.0] * n,
        "price": tv * 0.5 / 5000, "value": tv * 0.5,
    })
    positions.to_csv(path / "positions.csv", index=False)
    if with_metrics:
        sells = orders[~orders["is_buy"]]
        pnl = ((sells["price"] - sells["avg_cost"]) * sells["filled"]).tolist()
        m = compute_metrics(DATES[:n], tv, cash, bench[:n], 10.0, pnl)
        m["config"] = {"start": DATES[0], "end": DATES[n - 1], "cash": cash, "benchmark": "000300.XSHG",
                       "strategy": strategy}
        (path / "metrics.json").write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")
    (path / "log.txt").write_text(
        "2024-01-29 09:30:00 - INFO  - buy 000001.XSHE 5000\n"
        "2024-01-30 09:30:00 - WARNING  - <script>alert(1)</script> volume cap\n"
        "2024-02-01 14:55:00 - ERROR  - something failed\n"
        "Traceback (most recent call last):\n"
        "2024-02-02 09:30:00 - DEBUG  - debug line\n", encoding="utf-8")
    (path / "profile.json").write_text(json.dumps(
        {"handle_data": {"total": 1.5, "data": 1.0, "factor": 0.3, "other": 0.2}, "market_open": 0.25}))
    (path / "strategy.py").write_text("def initialize(context):\n    g.x = 1 < 2\n", encoding="utf-8")
    return path


def _embedded(html_text: str, key: str):
    m = re.search(rf'<script type="application/json" id="data-{key}">(.*?)</script>', html_text, re.S)
    assert m, key
    obj = json.loads(m.group(1).replace("<\\/", "</"))
    if "gz" in obj:
        obj = json.loads(gzip.decompress(base64.b64decode(obj["gz"])).decode("utf-8"))
    return obj


def _col(table, name):
    j = table["columns"].index(name)
    d = table["dicts"].get(str(j))
    return [d[v] for v in table["data"][j]] if d else table["data"][j]


def test_render_report_is_self_contained_with_panel(tmp_path):
    run = make_run_folder(tmp_path / "run1")
    out = R.render_report(run)
    assert out == run / "report.html" and out.exists()
    text = out.read_text(encoding="utf-8")
    # self-contained: no external scripts/styles, plotly.js inlined exactly once
    assert not re.search(r"<script[^>]+src\s*=\s*['\"]?(https?:)?//", text, re.I)
    assert not re.search(r"<link[^>]+href\s*=\s*['\"]?(https?:)?//", text, re.I)
    assert text.count("plotly.js v") >= 1 and text.count("Plotly.newPlot") >= 5
    assert len(re.findall(r"/\*\*\s*\n?\s*\* plotly\.js v", text)) <= 1
    # the panel: labels with English tooltips and values formatted like JoinQuant
    metrics = json.loads((run / "metrics.json").read_text(encoding="utf-8"))
    for key, (label, text_value) in zip(PANEL_KEYS, format_panel(metrics)):
        tip = METRIC_LABELS[key][1]
        assert (f'<div class="metric" title="{tip}" data-key="{key}"><div class="label">{label}</div>'
                f'<div class="value') in text
        assert f">{text_value}</div></div>" in text, (label, text_value)
    assert ">3.00%<" in text  # 策略收益
    assert ">2024/02/01,2024/02/02<" in text  # 最大回撤区间
    for section in ("累计收益", "回撤", "每日盈亏", "每日买卖", "月度收益", "交易详情", "每日持仓", "日志", "策略代码"):
        assert section in text, section
    # user content is escaped
    assert "g.x = 1 &lt; 2" in text
    assert "<script>alert(1)</script>" not in text


def test_embedded_tables_are_compact_and_complete(tmp_path):
    run = make_run_folder(tmp_path / "run1")
    text = R.render_report(run).read_text(encoding="utf-8")
    trades = _embedded(text, "trades")
    assert trades["n"] == 4 and trades["columns"][:4] == ["trade_id", "order_id", "time", "security"]
    j = trades["columns"].index("security")
    codes = [trades["dicts"][str(j)][c] for c in trades["data"][j]]
    assert codes == ["000001.XSHE", "000001.XSHE", "600000.XSHG", "000001.XSHE"]
    side = trades["columns"].index("is_buy")
    assert [trades["dicts"][str(side)][c] for c in trades["data"][side]] == ["买", "卖", "卖", "卖"]
    assert trades["data"][trades["columns"].index("amount")] == [5000, 300, 1000, 500]
    orders = _embedded(text, "orders")
    pnl = orders["data"][orders["columns"].index("pnl")]
    assert pnl == [None, 150.0, 0.0, -500.0]
    positions = _embedded(text, "positions")
    assert positions["n"] == 6
    log = _embedded(text, "log")
    lv = log["columns"].index("level")
    assert [log["dicts"][str(lv)][c] for c in log["data"][lv]] == ["INFO", "WARNING", "ERROR", "DEBUG"]
    assert "Traceback" in _col(log, "message")[2]
    assert 'select data-f="lvl"' in text  # level filter


def test_large_tables_are_gzipped_and_report_stays_small(tmp_path, monkeypatch):
    run = make_run_folder(tmp_path / "big")
    rng = np.random.default_rng(0)
    k = 100_000
    pd.DataFrame({
        "date": np.repeat(pd.date_range("2015-01-01", periods=k // 40).strftime("%Y-%m-%d"), 40),
        "security": [f"{600000 + i % 40:06d}.XSHG" for i in range(k)],
        "total_amount": rng.integers(1, 100, k) * 100, "closeable_amount": rng.integers(1, 100, k) * 100,
        "avg_cost": rng.uniform(5, 50, k), "price": rng.uniform(5, 50, k), "value": rng.uniform(1e3, 1e6, k),
    }).to_csv(run / "positions.csv", index=False)
    text = R.render_report(run).read_text(encoding="utf-8")
    positions = _embedded(text, "positions")
    assert positions["n"] == k
    m = re.search(r'id="data-positions">(.*?)</script>', text, re.S)
    assert '"gz"' in m.group(1)[:10]
    assert len(m.group(1)) < 2_500_000  # 100k rows x 7 columns


def test_report_without_metrics_json_recomputes_metrics(tmp_path):
    a = make_run_folder(tmp_path / "with", with_metrics=True)
    b = make_run_folder(tmp_path / "without", with_metrics=False)
    ra, rb = R.load_run(a)["metrics"], R.load_run(b)["metrics"]
    assert format_panel(ra) == format_panel(rb)
    assert "阿尔法" in R.render_report(b).read_text(encoding="utf-8")


def test_render_compare_two_runs(tmp_path):
    a = make_run_folder(tmp_path / "a", strategy="alpha.py")
    b = make_run_folder(tmp_path / "b", values=(100_500.0, 101_000.0, 100_000.0, 99_000.0, 98_000.0, 97_000.0),
                        strategy="alpha.py")
    out = R.render_compare([a, b], tmp_path / "cmp" / "compare.html")
    text = out.read_text(encoding="utf-8")
    assert out.exists()
    assert not re.search(r"<script[^>]+src\s*=\s*['\"]?(https?:)?//", text, re.I)
    assert "<th>alpha</th><th>alpha (2)</th>" in text
    assert "<td>3.00%</td><td>-3.00%</td>" in text  # 策略收益 side by side
    for label in ("策略收益", "最大回撤区间", "信息比率"):
        assert label in text
    assert text.count("Plotly.newPlot") == 2


def test_report_for_empty_and_benchmarkless_runs(tmp_path):
    empty = make_run_folder(tmp_path / "empty")
    pd.read_csv(empty / "daily.csv").iloc[:0].to_csv(empty / "daily.csv", index=False)
    (empty / "metrics.json").write_text(json.dumps({"config": {"cash": 100000.0, "strategy": "/x/s.py"}}))
    text = R.render_report(empty).read_text(encoding="utf-8")
    assert "回测报告 s.py" in text and ">--<" in text

    nobench = make_run_folder(tmp_path / "nobench", with_metrics=False)
    daily = pd.read_csv(nobench / "daily.csv")
    daily["benchmark_close"] = np.nan
    daily["benchmark_returns"] = np.nan
    daily.to_csv(nobench / "daily.csv", index=False)
    m = R.load_run(nobench)["metrics"]
    assert m["alpha"] is None and m["total_returns"] == pytest.approx(0.03)
    text = R.render_report(nobench).read_text(encoding="utf-8")
    assert "基准收益" in text and "超额收益" in text  # panel labels stay, values show --
