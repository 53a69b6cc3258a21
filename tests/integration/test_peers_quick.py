"""The peer benchmark's quick mode keeps working (jqlite alone, 50 x 750; no network, no peer venvs),
and its shared bars are the very bars of jqlite's own engine benchmark."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
PEERS = ROOT / "benchmarks" / "peers"


def test_quick_mode_runs_jqlite(tmp_path):
    p = subprocess.run([sys.executable, str(PEERS / "run.py"), "--quick", "--cache", str(tmp_path / "cache"),
                        "--venvs", str(tmp_path / "no-venvs"), "--out", str(tmp_path / "out")],
                       capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert p.returncode == 0, p.stderr[-3000:]
    res = json.loads((tmp_path / "out" / "results.json").read_text())
    (row,) = res["rows"]
    assert row["engine"] == "jqlite" and row["scale"] == "50x750" and not row.get("error")
    assert row["n"] == 50 and row["days"] == 750 and row["bars"] == 37_500
    assert row["trades"] > 1000 and 5e6 < row["final_value"] < 2e7
    assert row["first_s"] > 0 and row["warm_s"] > 0 and row["peak_rss_mb"] > 0
    assert "| jqlite" in (tmp_path / "out" / "results.md").read_text()
    assert not (tmp_path / "no-venvs").exists()  # quick mode never creates a peer venv


def test_shared_bars_equal_engine_benchmark_bars(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    sys.path.insert(0, str(PEERS))
    try:
        import bars
        from synthetic import build

        from jqlite.data.calendar import xshg_trading_days
        from jqlite.data.store import Store
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
        sys.path.remove(str(PEERS))
    n, days = 7, 40
    st = Store(build(tmp_path / "store", n, days))
    dates = xshg_trading_days("2018-01-02", "2025-12-31")[:days].values.astype("datetime64[D]")
    ours = bars.make(dates, n)
    cols = [st.code_index[c] for c in bars.codes_for(n)]
    assert (st.dates.values.astype("datetime64[D]") == dates).all()
    for k in ("open", "high", "low", "close", "volume", "pre_close", "high_limit", "low_limit"):
        np.testing.assert_array_equal(st.field(k)[:, cols], ours[k], err_msg=k)
