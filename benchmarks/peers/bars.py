"""The one set of synthetic daily bars every engine in the peer benchmark gets.

Same recipe, seed and numbers as ``benchmarks/synthetic.py`` (jqlite's own engine benchmark):
normal daily returns N(0.03 %, 2 %) clipped to ±9.5 %, open/high/low noise kept inside the ±10 %
price limits, 1-5 M shares a day.  ``tests/integration/test_peers_quick.py`` checks that the arrays
here equal the bars ``synthetic.build`` writes, so "identical bars" is tested, not assumed.

Only numpy is needed (every peer venv has it): the harness computes the arrays once per scale
in jqlite's venv and writes them to an ``.npz`` that each engine's adapter reads.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

FIELDS = ("open", "high", "low", "close", "volume", "money", "pre_close", "high_limit", "low_limit")


def make(dates: np.ndarray, n: int, seed: int = 7) -> dict[str, np.ndarray]:
    """Bars for ``n`` stocks over ``dates`` (datetime64[D], length D): arrays shaped (D, n)."""
    days = len(dates)
    rng = np.random.default_rng(seed)
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
    return {"open": openp, "high": high, "low": low, "close": close, "volume": vol, "money": vol * close,
            "pre_close": pre, "high_limit": (pre * 1.1 + 1e-9).round(2), "low_limit": (pre * 0.9 + 1e-9).round(2)}


def codes_for(n: int) -> list[str]:
    return [f"{600000 + i:06d}.XSHG" for i in range(n)]


def index_close(close: np.ndarray) -> np.ndarray:
    """The synthetic 000300.XSHG level (benchmark only), as in ``synthetic.build``."""
    return 3000.0 * np.nanmean(close, axis=1) / 10


def write_npz(path: Path, dates, codes, bars: dict, calendar, **meta) -> Path:
    """``calendar`` = XSHG trading days around the span (rqalpha needs days outside the data)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez(tmp, dates=np.asarray(dates, dtype="datetime64[D]"), codes=np.asarray(codes, dtype=str),
             calendar=np.asarray(calendar, dtype="datetime64[D]"),
             meta=np.asarray([f"{k}={v}" for k, v in meta.items()], dtype=str),
             **{k: np.asarray(bars[k], dtype=np.float64) for k in FIELDS})
    tmp.replace(path)
    return path


class Bars:
    """What an adapter reads: ``dates`` (datetime64[D]), ``codes`` (list), field arrays (D, n)."""

    def __init__(self, path):
        z = np.load(path, allow_pickle=False)
        self.dates = z["dates"]
        self.codes = [str(c) for c in z["codes"]]
        self.calendar = z["calendar"]
        self.meta = dict(s.split("=", 1) for s in z["meta"])
        self.f = {k: z[k] for k in FIELDS}
        self.n = len(self.codes)
        self.days = len(self.dates)
        self.index_close = index_close(self.f["close"])

    @property
    def bars(self) -> int:
        """Stock-days with a bar (NaN close = no bar: not listed yet / suspended / delisted)."""
        return int(np.isfinite(self.f["close"]).sum())
