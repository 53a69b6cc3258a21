"""Killing imports and backtests at random points (issue 15, "Done when"): the store is
always the old one or the new one, never a mixture or nothing; a backtest stopped by
SIGINT/SIGTERM always leaves its finished days and error.json.

The slow test does >= 20 kills; the fast variant (default suite) a few."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from jqlite.testing import tree_digest

ROOT = Path(__file__).resolve().parents[2]
HEADER = "date,code,open,high,low,close,volume,money,pre_close"
DAYS = pd.bdate_range("2023-01-03", "2023-06-30")

IMPORT_CHILD = """
import sys
from jqlite.data.ingest import ColumnMapping, import_bars_files
def say(m):
    print(m, flush=True)
import_bars_files(sys.argv[1], ColumnMapping.jqlite(), sys.argv[2], progress=say)
print("DONE", flush=True)
"""




def _source(path: Path, p0: float) -> Path:
    from jqlite.data.calendar import xshg_trading_days
    days = xshg_trading_days("2023-01-03", "2023-06-30")
    rows = []
    for code in ("600000.XSHG", "000001.XSHE", "600036.XSHG"):
        prev = p0
        for i, d in enumerate(days):
            c = round(p0 + 0.01 * ((i * 13) % 7), 2)
            rows.append(f"{d.date()},{code},{c},{c},{c},{c},1000,{c * 1000:.2f},{prev}")
            prev = c
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n")
    return path


def _env():
    return {**os.environ, "PYTHONPATH": str(ROOT)}


def _import_kills(tmp_path: Path, n: int, seed: int) -> dict:
    """Alternate imports of sources A and B into one store, SIGKILLing most of them after a
    random progress step; after each, the store must be exactly A or B."""
    from jqlite.data.ingest import ColumnMapping, import_bars_files
    rng = random.Random(seed)
    tmp_path.mkdir(parents=True, exist_ok=True)
    src = {"A": _source(tmp_path / "a.csv", 10.0), "B": _source(tmp_path / "b.csv", 20.0)}
    store = tmp_path / "store"
    digests = {}
    for k in ("B", "A"):                       # reference digests; the store ends as A
        import_bars_files(src[k], ColumnMapping.jqlite(), store)
        digests[k] = tree_digest(store)
    steps = ["validating bars_daily", "writing calendar", "writing bars 2023", "checking the new store", None]
    seen = {"A": 0, "B": 0}
    cur = "A"
    for i in range(n):
        nxt = "B" if cur == "A" else "A"
        p = subprocess.Popen([sys.executable, "-c", IMPORT_CHILD, str(src[nxt]), str(store)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
        at = rng.choice(steps)
        for line in p.stdout:
            if at is not None and line.strip() == at:
                time.sleep(rng.uniform(0.0, 0.05))
                p.send_signal(signal.SIGKILL)
                break
        p.wait(timeout=120)
        d = tree_digest(store)
        assert d in (digests["A"], digests["B"]), f"kill {i} after {at!r}: the store is neither old nor new"
        cur = "A" if d == digests["A"] else "B"
        seen[cur] += 1
    # the next import cleans what the killed ones left
    import_bars_files(src["A"], ColumnMapping.jqlite(), store)
    assert tree_digest(store) == digests["A"]
    assert [q.name for q in tmp_path.iterdir() if q.name.startswith(".store.")] == []
    return seen


BT_STRATEGY = """
import time
def initialize(context):
    write_file('started', 'x')
    run_daily(f, '9:30')
def f(context):
    time.sleep(0.03)
"""


def _backtest_kills(tmp_path: Path, n: int, seed: int) -> int:
    """Backtests stopped by SIGINT / SIGTERM at random points after the run started: every
    one leaves daily.csv with its finished days and error.json naming the signal."""
    from jqlite.testing import tiny_store
    rng = random.Random(seed)
    tmp_path.mkdir(parents=True, exist_ok=True)
    store = tiny_store(tmp_path / "s", {"600000.XSHG": [10.0 + 0.01 * i for i in range(60)]})
    strat = tmp_path / "slow.py"
    strat.write_text(BT_STRATEGY)
    stopped = 0
    for i in range(n):
        sig = rng.choice([signal.SIGINT, signal.SIGTERM])
        out, storage = tmp_path / f"o{i}", tmp_path / f"st{i}"
        p = subprocess.Popen([sys.executable, "-m", "jqlite", "backtest", str(strat), "--start", "2024-01-02",
                              "--end", "2024-04-30", "--data", str(store.path), "--out", str(out), "--quiet",
                              "--storage", str(storage)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env=_env(), cwd=tmp_path)
        t0 = time.monotonic()
        while not (storage / "started").exists() and p.poll() is None and time.monotonic() - t0 < 120:
            time.sleep(0.01)
        time.sleep(rng.uniform(0.0, 2.0))
        p.send_signal(sig)
        _o, err = p.communicate(timeout=120)
        if p.returncode == 0:            # finished before the signal
            assert len(pd.read_csv(out / "daily.csv")) == 60
            continue
        assert p.returncode == 128 + sig, (p.returncode, err)
        daily = pd.read_csv(out / "daily.csv")
        e = json.loads((out / "error.json").read_text())
        assert e["signal"] == signal.Signals(sig).name and e["days_finished"] == len(daily)
        assert e["message"].startswith("interrupted at ")
        assert (out / "metrics.json").exists()
        stopped += 1
    return stopped


def test_kills_fast(tmp_path):
    seen = _import_kills(tmp_path / "imp", 2, seed=1)
    assert sum(seen.values()) == 2
    assert _backtest_kills(tmp_path / "bt", 1, seed=2) == 1


@pytest.mark.slow
def test_kills_many(tmp_path):
    seen = _import_kills(tmp_path / "imp", 14, seed=11)
    assert seen["A"] and seen["B"]          # both outcomes happened: kills before and after the swap
    stopped = _backtest_kills(tmp_path / "bt", 8, seed=12)
    assert stopped >= 6
