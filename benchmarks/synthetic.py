"""Deterministic synthetic daily bars (N stocks x D XSHG trading days) written as a jqlite
store; the same recipe as ../shared/bench-peers/gen.py (normal daily returns clipped to
±9.5 %, open/high/low noise, 1-5 M shares a day) so timings compare with the peers' table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from jqlite.data.calendar import xshg_trading_days
from jqlite.data.writer import write_store


def build(path: Path, n: int = 1000, days: int = 1250, seed: int = 7) -> Path:
    rng = np.random.default_rng(seed)
    dates = xshg_trading_days("2018-01-02", "2025-12-31")[:days]
    codes = [f"{600000 + i:06d}.XSHG" for i in range(n)]
    ret = rng.normal(0.0003, 0.02, size=(days, n)).clip(-0.095, 0.095)
    close = (10 * np.exp(np.cumsum(np.log1p(ret), axis=0))).round(2)
    pre = np.vstack([close[:1], close[:-1]])
    openp = np.clip(close * (1 + rng.normal(0, 0.005, size=close.shape)), pre * 0.9, pre * 1.1).round(2)
    high = np.maximum(np.maximum(openp, close) * (1 + np.abs(rng.normal(0, 0.005, size=close.shape))), 0).round(2)
    high = np.minimum(high, (pre * 1.1).round(2))
    high = np.maximum(high, np.maximum(openp, close))
    low = np.minimum(openp, close) * (1 - np.abs(rng.normal(0, 0.005, size=close.shape)))
    low = np.minimum(np.maximum(low, (pre * 0.9).round(2)), np.minimum(openp, close)).round(2)
    vol = (rng.integers(10_000, 50_000, size=close.shape) * 100).astype(float)
    D = np.repeat(dates.values, n)
    C = np.tile(np.array(codes, dtype=object), days)
    bars = pd.DataFrame({"date": D, "code": C, "open": openp.ravel(), "close": close.ravel(),
                         "high": high.ravel(), "low": low.ravel(), "volume": vol.ravel(),
                         "money": (vol * close).ravel(), "pre_close": pre.ravel(),
                         "high_limit": (pre * 1.1 + 1e-9).round(2).ravel(), "low_limit": (pre * 0.9 + 1e-9).round(2).ravel(),
                         "paused": 0, "factor": 1.0})
    idx = pd.DataFrame({"date": D[::n], "code": "000300.XSHG", "open": 3000.0, "close": 3000.0 * close.mean(1) / 10,
                        "high": 0.0, "low": 0.0, "volume": vol.sum(1), "money": (vol * close).sum(1),
                        "pre_close": np.nan, "high_limit": np.nan, "low_limit": np.nan, "paused": 0, "factor": 1.0})
    idx["open"] = idx["close"]
    idx["high"] = idx["close"]
    idx["low"] = idx["close"]
    idx["pre_close"] = idx["close"].shift(1).fillna(idx["close"].iloc[0])
    secs = pd.DataFrame({"code": codes + ["000300.XSHG"], "display_name": codes + ["沪深300"],
                         "name": codes + ["HS300"], "type": ["stock"] * n + ["index"],
                         "start_date": dates[0], "end_date": pd.Timestamp("2200-01-01"),
                         "board": ["sh_main"] * n + ["index"]})
    members = pd.DataFrame({"index_code": "000300.XSHG", "code": codes, "start_date": dates[0],
                            "end_date": pd.Timestamp("2200-01-01")})
    return write_store(path, {"calendar": pd.DataFrame({"date": dates}), "securities": secs,
                              "bars_daily": pd.concat([bars, idx], ignore_index=True),
                              "index_members": members}, name=f"synthetic-{n}x{days}", source="benchmarks/synthetic.py")
