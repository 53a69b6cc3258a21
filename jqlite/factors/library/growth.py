"""成长类因子 (growth).  None of the flagship's 86 factors is in this category (the style
factor ``growth`` lives in :mod:`.style`); the ones here follow JoinQuant's doc wording
(year-over-year on single quarters, ``lag=4`` = same quarter last year) and are
**UNCONFIRMED** (not calibrated against published values)."""

from __future__ import annotations

import numpy as np

from ..base import factor


def _yoy(ctx, table, col):
    cur, prev = ctx.q(table, col), ctx.q(table, col, lag=4)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (cur - prev) / np.abs(prev)
    out[~np.isfinite(out)] = np.nan
    return out


@factor("operating_revenue_growth_rate", "growth", "营业收入增长率",
        "(q(operating_revenue) - q_lag4) / |q_lag4| (UNCONFIRMED)", ("income.operating_revenue",), 0,
        "[D-growth] wording")
def operating_revenue_growth_rate(ctx):
    return _yoy(ctx, "income", "operating_revenue")


@factor("net_profit_growth_rate", "growth", "净利润增长率", "(q(net_profit) - q_lag4) / |q_lag4| (UNCONFIRMED)",
        ("income.net_profit",), 0, "[D-growth] wording")
def net_profit_growth_rate(ctx):
    return _yoy(ctx, "income", "net_profit")
