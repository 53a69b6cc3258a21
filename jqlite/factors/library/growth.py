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


def _ttm_lag4(ctx, table, col):
    """TTM of the same four quarters one year earlier: sum of single quarters lag 4..7."""
    q = [ctx.q(table, col, lag=k) for k in range(4, 8)]
    return q[0] + q[1] + q[2] + q[3]


def _ttm_growth(ctx, table, col):
    cur, prev = ctx.ttm(table, col), _ttm_lag4(ctx, table, col)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = cur / prev - 1.0
    out[~np.isfinite(out) | (prev <= 0)] = np.nan
    return out


@factor("total_profit_growth_rate", "growth", "利润总额增长率",
        "ttm(total_profit) / ttm_lag4(total_profit) - 1; NaN when last year's TTM <= 0 (UNCONFIRMED: "
        "JoinQuant's doc wording '(今年利润总额TTM/去年利润总额TTM)-1'; the two rates above use single quarters)",
        ("income.total_profit",), 0, "[D-growth] wording")
def total_profit_growth_rate(ctx):
    return _ttm_growth(ctx, "income", "total_profit")


@factor("PEG", "growth", "市盈率相对盈利增长比率",
        "valuation.pe_ratio / (g * 100), g = ttm(np_parent_company_owners) / its TTM a year earlier - 1; "
        "NaN when PE or g is <= 0 (UNCONFIRMED: JoinQuant's doc wording)",
        ("valuation.pe_ratio", "income.np_parent_company_owners"), 0, "[D-growth] wording")
def peg(ctx):
    pe = ctx.val("pe_ratio")
    g = _ttm_growth(ctx, "income", "np_parent_company_owners")
    with np.errstate(invalid="ignore", divide="ignore"):
        out = pe / (g * 100.0)
    out[~np.isfinite(out) | ~(pe > 0) | ~(g > 0)] = np.nan
    return out
