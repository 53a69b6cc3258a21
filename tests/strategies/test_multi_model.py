"""Seed 000: the research module trains and writes its three artifacts (research mode), and
the ensemble strategy trades from them in a backtest (read_file falls back to the research
folder, as JoinQuant backtests see research files)."""

from __future__ import annotations

import base64
import importlib.util
import pickle
from pathlib import Path

import pytest

import jqlite

ROOT = Path(__file__).resolve().parents[2]


def _load_research_module():
    spec = importlib.util.spec_from_file_location(
        "multi_model_research", ROOT / "strategies" / "research" / "multi_model_research.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_research_artifacts_then_ensemble_strategy_trades(tmp_path, monkeypatch):
    monkeypatch.setenv("JQLITE_STORAGE", str(tmp_path))
    jqlite.data.ensure_default_store()
    mod = _load_research_module()
    research = mod.test_multi_model(start_date="2023-01-01", end_date="2023-12-31")
    folder = tmp_path / "research"
    names = {"multi_model_selected_features.pkl", "multi_model_ensemble.pkl", "multi_model_ensemble.txt"}
    assert names <= {p.name for p in folder.iterdir()}
    ens = pickle.loads((folder / "multi_model_ensemble.pkl").read_bytes())
    assert set(ens["models"]) == {"lightgbm", "xgboost", "random_forest", "svr", "linear"}
    assert sum(ens["weights"].values()) == pytest.approx(1.0)
    # weights are inverse validation MSE, normalised
    inv = {k: 1 / (v + 1e-8) for k, v in ens["mse"].items()}
    for k in inv:
        assert ens["weights"][k] == pytest.approx(inv[k] / sum(inv.values()))
    # the base64 backup decodes to the same pickle
    assert base64.b64decode((folder / "multi_model_ensemble.txt").read_bytes()) == \
        (folder / "multi_model_ensemble.pkl").read_bytes()
    assert pickle.loads((folder / "multi_model_selected_features.pkl").read_bytes()) == ens["features"]
    assert len(research.data) > 1000 and ens["features"]

    res = jqlite.run_backtest(ROOT / "strategies" / "multi_model_ensemble.py", "2024-01-02",
                              "2024-03-29", cash=1_000_000)
    assert res.run.storage == tmp_path / "multi_model_ensemble"
    targets = [line for line in res.log if "目标股票" in line]
    assert [t[:10] for t in targets] == ["2024-01-02", "2024-02-01", "2024-03-01"]
    first_day = res.orders[res.orders["add_time"].astype(str).str.startswith("2024-01-02")]
    assert first_day["security"].nunique() == 10       # g.stock_num = 10
    assert first_day["is_buy"].all()


def test_read_file_of_a_missing_artifact_names_the_folders(tmp_path, monkeypatch):
    monkeypatch.setenv("JQLITE_STORAGE", str(tmp_path))
    src = "from jqdata import *\ndef initialize(context):\n    read_file('no_such_model.pkl')\n"
    res = jqlite.run_backtest("missing_model.py", "2024-01-02", "2024-01-03", source=src,
                              raise_errors=False)
    assert res.error is not None
    msg = str(res.error)
    assert "FileNotFoundError" in msg and "no_such_model.pkl" in msg
    assert str(tmp_path / "missing_model") in msg and str(tmp_path / "research") in msg
