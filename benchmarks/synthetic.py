"""Deterministic synthetic daily bars (N stocks x D XSHG trading days) written as a jqlite
store.  The recipe is ``peers/bars.py``'s ``make`` (the one the peer engines get; the same as
../shared/bench-peers/gen.py: normal daily returns clipped to ±9.5 %, open/high/low noise,
1-5 M shares a day), so timings compare with the peers' table."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from jqlite.data.calendar import xshg_trading_days
from jqlite.data.writer import write_store

sys.path.insert(0, str(Path(__file__).resolve().parent / "peers"))
import bars as bars_recipe  # noqa: E402  (the one recipe; numpy-only so peer venvs share it)


def build(path: Path, n: int = 1000, days: int = 1250, seed: int = 7) -> Path:
    dates = xshg_trading_days("2018-01-02", "2025-12-31")[:days]
    codes = bars_recipe.codes_for(n)
    b = bars_recipe.make(dates.values.astype("datetime64[D]"), n, seed)
    close, vol = b["close"], b["volume"]
    D = np.repeat(dates.values, n)
    C = np.tile(np.array(codes, dtype=object), days)
    bars = pd.DataFrame({"date": D, "code": C, **{f: b[f].ravel() for f in bars_recipe.FIELDS},
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
