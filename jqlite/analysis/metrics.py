"""Compute JoinQuant's 收益概述 (result-panel) risk metrics from end-of-day values.

Every formula follows ``/work/shared/spec/jq_trading_semantics.md`` §8 (source S1, JoinQuant's
API page "风险指标"), checked against three real JoinQuant panels (§9.2 T6). All functions are
pure functions of arrays; rates are fractions (0.05 = 5 %), money is in yuan.

Conventions
-----------
* ``n`` = number of trading days the strategy ran; each contributes one daily return.
* Strategy base ``P_start`` = starting cash; benchmark base = close of the trading day
  **before** the start, so day 1 has a full day's return for both.
* Annualisation constant 250, risk-free rate 0.04 (JoinQuant defaults).
* A value that is undefined (no benchmark, zero variance, fewer than two days, no losing
  trade, ...) is ``None`` so the result dict is JSON-safe; the panel shows it as ``--``.

Decisions on the spec's UNCONFIRMED points (also in ``docs/metrics.md``)
-------------------------------------------------------------------------
1. **ddof.** Volatilities (σp, σm, σt of the information ratio, σ of daily excess returns)
   use the sample standard deviation (ddof = 1), as S1 writes for σp
   (``sqrt(250/(n-1) Σ(r - mean r)²)``); the IR / excess volatility use the same form by
   analogy (T6: σt derived from the panels matches the excess-Sharpe volatility to 3 dp with
   one common estimator). β uses ddof = 1 for both Cov and Var, so ddof cancels. The
   downside volatility keeps S1's divisor ``n`` and running mean.
2. **P_start is a drawdown peak** (spec recommendation): the curve is ``[P_start, P_1, ...]``,
   so a loss on day 1 is a drawdown. When the peak is ``P_start`` the interval starts at the
   first trading day (the day the starting cash was put to work). Among equal peaks the
   latest one before the trough is used; among equal maximal drawdowns the earliest trough.
   A zero drawdown gives no interval (``None``, shown ``--``).
3. **Excess max drawdown** is taken on the excess net-value curve
   ``V_t = (1+P_t)/(1+M_t)`` with ``V_0 = 1`` counted as a peak (S1's literal formula on EI,
   which can be <= 0, is ill-defined).
4. **AEI** (日均超额收益) is the arithmetic mean of daily excess returns
   ``e_i = (1+r_p,i)/(1+r_m,i) - 1`` (the literal telescoping reading contradicts the panels).
5. **Excess Sharpe volatility** is the annualised sample std of the same ``e_i`` (the daily
   returns of the excess curve); the **information ratio** uses ``d_i = r_p,i - r_m,i`` as S1
   writes. Both agree with the panels to display precision.
6. **Trades.** Sell P&L is ``(Order.price - Order.avg_cost) * filled`` without fees (S1's
   stated purpose of ``Order.avg_cost``). A sell whose |P&L| <= 1e-6 yuan counts as a trade
   (denominator of 胜率, per S1 "winning trades / total trades") but is neither a win nor a
   loss. 盈亏比 is ``None`` when there is no loss (division by zero), JoinQuant's display for
   that case is unknown.
7. **Annualised return of a wiped-out account** (``1 + P <= 0``) is -100 %.
8. **Missing benchmark closes** (NaN) are carried forward from the previous day (the base
   for day 1), i.e. a zero benchmark return that day.
9. **Cash flows** (``inout_cash``) are not modelled: returns are computed on total value.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any, Iterable, Sequence

import numpy as np

ANNUAL_DAYS = 250
RISK_FREE = 0.04
_ZERO_PNL = 1e-6  # yuan; |sell P&L| at or below this is a break-even trade

__all__ = [
    "ANNUAL_DAYS",
    "METRIC_LABELS",
    "PANEL_KEYS",
    "RISK_FREE",
    "alpha_from",
    "annualize",
    "annual_volatility",
    "beta",
    "compute_metrics",
    "daily_returns",
    "days_from_annualized",
    "downside_volatility",
    "excess_return",
    "format_panel",
    "format_value",
    "max_drawdown",
    "period_returns",
    "ratio",
    "trade_stats",
]


# ------------------------------------------------------------------------------------------
# Scalar helpers (also used to check the T6 panels from their displayed inputs)
# ------------------------------------------------------------------------------------------
def annualize(total_return: float, n: float, annual_days: int = ANNUAL_DAYS) -> float:
    """Annualise a total return over ``n`` trading days.

    Parameters
    ----------
    total_return : float
        Total return ``P`` as a fraction.
    n : float
        Number of trading days (may be fractional when derived from a panel).
    annual_days : int, default 250
        Trading days per year.

    Returns
    -------
    float
        ``(1 + P) ** (annual_days / n) - 1`` (spec §8 策略年化收益 Rp); -1.0 when ``1 + P <= 0``.

    Examples
    --------
    >>> round(annualize(0.21, 500), 6)
    0.1
    """
    if n <= 0:
        raise ValueError(f"annualize(): n must be > 0, was {n}")
    base = 1.0 + total_return
    if base <= 0.0:
        return -1.0
    return base ** (annual_days / n) - 1.0


def days_from_annualized(
    total_return: float, annual_return: float, annual_days: int = ANNUAL_DAYS
) -> float:
    """Recover ``n`` from a total return and its annualised value.

    Returns
    -------
    float
        ``annual_days * ln(1 + P) / ln(1 + Rp)`` (inverse of :func:`annualize`; spec §9.2 T6
        ``k = 250/n = ln(1+Rp)/ln(1+P)``).
    """
    return annual_days * math.log1p(total_return) / math.log1p(annual_return)


def excess_return(total_return: float, benchmark_return: float) -> float:
    """Return JoinQuant's division-form excess return.

    ``EI = (1 + P) / (1 + M) - 1`` (spec §8 超额收益; not ``P - M``).

    Examples
    --------
    >>> round(excess_return(0.21, 0.10), 12)
    0.1
    """
    return (1.0 + total_return) / (1.0 + benchmark_return) - 1.0


def alpha_from(
    annual_return: float, benchmark_annual_return: float, beta_: float, risk_free: float = RISK_FREE
) -> float:
    """Return the CAPM alpha on annualised returns.

    ``α = Rp - [Rf + β (Rm - Rf)]`` (spec §8 阿尔法; not a regression intercept, verified T6).
    """
    return annual_return - (risk_free + beta_ * (benchmark_annual_return - risk_free))


def ratio(annual_return: float, volatility: float | None, risk_free: float = RISK_FREE) -> float | None:
    """Return a Sharpe-type ratio ``(R - Rf) / σ``; ``None`` when σ is 0 or undefined.

    Used for 夏普比率 (σp), 索提诺比率 (σpd), 超额收益夏普比率 (σ of daily excess); the
    information ratio is ``ratio(Rp, σt, risk_free=Rm)``.
    """
    if volatility is None or not np.isfinite(volatility) or volatility <= 0.0:
        return None
    return (annual_return - risk_free) / volatility


# ------------------------------------------------------------------------------------------
# Array helpers
# ------------------------------------------------------------------------------------------
def daily_returns(values: np.ndarray, base: float) -> np.ndarray:
    """Return daily simple returns of a value series, the first one against ``base``.

    Parameters
    ----------
    values : ndarray, shape (n,)
        End-of-day values (portfolio total value in yuan, or benchmark closes).
    base : float
        Value before day 1 (``P_start`` or the benchmark close of the previous trading day).

    Returns
    -------
    ndarray, shape (n,)
        ``r_i = v_i / v_{i-1} - 1`` with ``v_0 = base`` (spec §8).
    """
    v = np.asarray(values, dtype=float)
    prev = np.concatenate(([float(base)], v[:-1]))
    return v / prev - 1.0


def annual_volatility(returns: np.ndarray, annual_days: int = ANNUAL_DAYS) -> float | None:
    """Return the annualised sample volatility ``sqrt(250/(n-1) Σ (r_i - mean r)²)``.

    Spec §8 策略波动率 σp (ddof = 1, decision 1). ``None`` for fewer than 2 returns.
    """
    r = np.asarray(returns, dtype=float)
    if r.size < 2:
        return None
    return float(np.sqrt(annual_days / (r.size - 1) * np.sum((r - r.mean()) ** 2)))


def downside_volatility(returns: np.ndarray, annual_days: int = ANNUAL_DAYS) -> float | None:
    """Return JoinQuant's downside volatility σpd.

    ``σpd = sqrt(250/n Σ_i (r_i - m_i)² f_i)`` with the running mean ``m_i = mean(r_1..r_i)``
    (including day i) and ``f_i = 1 if r_i < m_i else 0`` (spec §8 下行波动率; divisor n).
    ``None`` for an empty series.
    """
    r = np.asarray(returns, dtype=float)
    if r.size == 0:
        return None
    m = np.cumsum(r) / np.arange(1, r.size + 1)
    below = r < m
    return float(np.sqrt(annual_days / r.size * np.sum(((r - m) ** 2)[below])))


def beta(strategy_returns: np.ndarray, benchmark_returns: np.ndarray) -> float | None:
    """Return ``β = Cov(D_p, D_m) / Var(D_m)`` on daily returns (ddof cancels).

    ``None`` for fewer than 2 days or a constant benchmark.
    """
    p = np.asarray(strategy_returns, dtype=float)
    m = np.asarray(benchmark_returns, dtype=float)
    if p.size < 2:
        return None
    var = float(np.sum((m - m.mean()) ** 2))
    if var <= 0.0:
        return None
    return float(np.sum((p - p.mean()) * (m - m.mean())) / var)


def max_drawdown(values: np.ndarray, base: float | None = None) -> tuple[float, int, int]:
    """Return the maximum drawdown of a value curve and its (peak, trough) positions.

    Parameters
    ----------
    values : ndarray, shape (n,)
        End-of-day values.
    base : float, optional
        Value before day 1 (``P_start``); when given it counts as a possible peak
        (decision 2) and is reported as position ``-1``.

    Returns
    -------
    (float, int, int)
        ``max over x<y of (P_x - P_y) / P_x`` (spec §8 最大回撤, >= 0), the peak position
        (``-1`` = ``base``) and the trough position. ``(0.0, -1, -1)`` when there is no
        drawdown. Ties: latest equal peak, earliest trough.
    """
    v = np.asarray(values, dtype=float)
    if base is not None:
        v = np.concatenate(([float(base)], v))
    if v.size == 0:
        return 0.0, -1, -1
    run_max = np.maximum.accumulate(v)
    dd = np.where(run_max > 0, (run_max - v) / run_max, 0.0)
    trough = int(np.argmax(dd))
    mdd = float(dd[trough])
    if mdd <= 0.0:
        return 0.0, -1, -1
    peak = int(np.flatnonzero(v[: trough + 1] == run_max[trough])[-1])
    shift = 1 if base is not None else 0
    return mdd, peak - shift, trough - shift


def period_returns(dates: Sequence[Any], values: np.ndarray, base: float, fmt: str) -> dict[str, float]:
    """Return per-period returns keyed by ``strftime(fmt)`` ('%Y-%m' monthly, '%Y' yearly).

    Each period's return is its last value over the previous period's last value (``base``
    for the first period) minus 1, i.e. the compounded daily returns inside the period.
    """
    v = np.asarray(values, dtype=float)
    out: dict[str, float] = {}
    prev = float(base)
    keys = [_to_date(d).strftime(fmt) for d in dates]
    for i, key in enumerate(keys):
        if i + 1 == len(keys) or keys[i + 1] != key:
            out[key] = float(v[i] / prev - 1.0)
            prev = float(v[i])
    return out


def trade_stats(sell_pnl: Iterable[float]) -> dict[str, Any]:
    """Return 胜率, 盈亏比, 盈利次数, 亏损次数 from per-sell P&L.

    Parameters
    ----------
    sell_pnl : iterable of float
        One entry per sell order that filled anything: ``(Order.price - Order.avg_cost) *
        filled`` in yuan (spec §8 盈利次数/亏损次数; each sell is one trade).

    Returns
    -------
    dict
        ``win_count`` (P&L > 1e-6), ``lose_count`` (P&L < -1e-6), ``win_ratio`` = wins / all
        sells (``None`` without sells), ``profit_loss_ratio`` = Σ wins / |Σ losses| (``None``
        without losses). Break-even sells count only in the 胜率 denominator (decision 6).
    """
    pnl = np.asarray(list(sell_pnl), dtype=float)
    wins = pnl[pnl > _ZERO_PNL]
    losses = pnl[pnl < -_ZERO_PNL]
    total_loss = float(-losses.sum())
    return {
        "win_count": int(wins.size),
        "lose_count": int(losses.size),
        "win_ratio": float(wins.size / pnl.size) if pnl.size else None,
        "profit_loss_ratio": float(wins.sum() / total_loss) if total_loss > 0 else None,
    }


def _to_date(d: Any) -> _dt.date:
    if isinstance(d, _dt.datetime):
        return d.date()
    if isinstance(d, _dt.date):
        return d
    if isinstance(d, np.datetime64):
        return _dt.date.fromisoformat(str(d.astype("datetime64[D]")))
    if hasattr(d, "date") and callable(d.date):  # pandas Timestamp
        return d.date()
    return _dt.date.fromisoformat(str(d)[:10])


def _f(x: float | None) -> float | None:
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


# ------------------------------------------------------------------------------------------
# Main entry
# ------------------------------------------------------------------------------------------
def compute_metrics(
    dates: Sequence[Any],
    total_value: np.ndarray,
    starting_cash: float,
    benchmark_close: np.ndarray | None,
    benchmark_base: float | None,
    sell_pnl: Iterable[float] = (),
    risk_free: float = RISK_FREE,
    annual_days: int = ANNUAL_DAYS,
) -> dict[str, Any]:
    """Compute every 收益概述 metric of a run (spec §8).

    Parameters
    ----------
    dates : sequence of date-like, length n
        Trading days of the run.
    total_value : ndarray of float, shape (n,)
        End-of-day portfolio total value, yuan.
    starting_cash : float
        ``P_start``, yuan.
    benchmark_close : ndarray of float, shape (n,), or None
        Benchmark close each day; ``None`` = no benchmark (benchmark metrics are ``None``).
    benchmark_base : float or None
        Benchmark close on the trading day before the start.
    sell_pnl : iterable of float
        Per-sell P&L in yuan, see :func:`trade_stats`.
    risk_free : float, default 0.04
        Annual risk-free rate Rf.
    annual_days : int, default 250
        Annualisation constant.

    Returns
    -------
    dict
        Fractions (not percent) under the keys of :data:`METRIC_LABELS` plus
        ``max_drawdown_start``/``max_drawdown_end`` (ISO dates), ``monthly_returns`` /
        ``yearly_returns`` ('YYYY-MM' / 'YYYY' -> return) and, with a benchmark,
        ``benchmark_monthly_returns`` / ``benchmark_yearly_returns``. Undefined values are
        ``None``.

    Notes
    -----
    Formulas (S1, spec §8; decisions in the module docstring):

    * P = P_end/P_start - 1, Rp = (1+P)^(250/n) - 1; M, Rm likewise; EI = (1+P)/(1+M) - 1.
    * β = Cov(r_p, r_m)/Var(r_m); α = Rp - [Rf + β(Rm - Rf)].
    * σp = sqrt(250/(n-1) Σ(r_p - mean)²); Sharpe = (Rp - Rf)/σp.
    * σpd running-mean downside volatility; Sortino = (Rp - Rf)/σpd.
    * IR = (Rp - Rm)/σt, σt = annualised sample std of r_p - r_m.
    * AEI = mean(e_i), e_i = (1+r_p,i)/(1+r_m,i) - 1; excess Sharpe = (R_EI - Rf)/σ_e with
      R_EI = (1+EI)^(250/n) - 1 and σ_e the annualised sample std of e_i.
    * 日胜率 = #(r_p,i > r_m,i)/n.

    Examples
    --------
    >>> m = compute_metrics(['2024-01-02', '2024-01-03'], [101.0, 99.0], 100.0,
    ...                     [10.0, 10.0], 10.0, [5.0, -2.0])
    >>> round(m['total_returns'], 4), round(m['max_drawdown'], 6), m['win_count']
    (-0.01, 0.019802, 1)
    """
    d = [_to_date(x) for x in dates]
    v = np.asarray(total_value, dtype=float)
    n = len(d)
    if v.shape != (n,):
        raise ValueError(f"compute_metrics(): total_value must have shape ({n},), was {v.shape}")
    p_start = float(starting_cash)
    out: dict[str, Any] = {k: None for k in METRIC_LABELS if k != "max_drawdown_period"}
    out.update(max_drawdown_start=None, max_drawdown_end=None, monthly_returns={},
               yearly_returns={}, trading_days=n)
    out.update(trade_stats(sell_pnl))
    if n == 0:
        return out

    rp = daily_returns(v, p_start)
    total = float(v[-1] / p_start - 1.0)
    ann = annualize(total, n, annual_days)
    sigma_p = annual_volatility(rp, annual_days)
    sigma_pd = downside_volatility(rp, annual_days)
    mdd, peak, trough = max_drawdown(v, p_start)
    out.update(
        total_returns=total,
        annual_returns=ann,
        algorithm_volatility=_f(sigma_p),
        downside_volatility=_f(sigma_pd),
        sharpe=_f(ratio(ann, sigma_p, risk_free)),
        sortino=_f(ratio(ann, sigma_pd, risk_free)),
        max_drawdown=mdd,
        max_drawdown_start=d[max(peak, 0)].isoformat() if mdd > 0 else None,
        max_drawdown_end=d[trough].isoformat() if mdd > 0 else None,
        monthly_returns=period_returns(d, v, p_start, "%Y-%m"),
        yearly_returns=period_returns(d, v, p_start, "%Y"),
    )

    if benchmark_close is None or benchmark_base is None:
        return out
    b = np.asarray(benchmark_close, dtype=float)
    if b.shape != (n,):
        raise ValueError(f"compute_metrics(): benchmark_close must have shape ({n},), was {b.shape}")
    b = _ffill(b, float(benchmark_base))
    b_base = float(benchmark_base)
    rm = daily_returns(b, b_base)
    bench_total = float(b[-1] / b_base - 1.0)
    bench_ann = annualize(bench_total, n, annual_days)
    beta_ = beta(rp, rm)
    ei = excess_return(total, bench_total)
    diff = rp - rm
    e = (1.0 + rp) / (1.0 + rm) - 1.0
    sigma_t = annual_volatility(diff, annual_days)
    sigma_e = annual_volatility(e, annual_days)
    excess_curve = (v / p_start) / (b / b_base)
    emdd = max_drawdown(excess_curve, 1.0)[0]
    out.update(
        benchmark_returns=bench_total,
        benchmark_annual_returns=bench_ann,
        excess_returns=ei,
        beta=_f(beta_),
        alpha=_f(alpha_from(ann, bench_ann, beta_, risk_free)) if beta_ is not None else None,
        benchmark_volatility=_f(annual_volatility(rm, annual_days)),
        information_ratio=_f(ratio(ann, sigma_t, bench_ann)),
        avg_excess_return=float(e.mean()),
        excess_max_drawdown=emdd,
        excess_sharpe=_f(ratio(annualize(ei, n, annual_days), sigma_e, risk_free)),
        daily_win_ratio=float(np.count_nonzero(rp > rm) / n),
        benchmark_monthly_returns=period_returns(d, b, b_base, "%Y-%m"),
        benchmark_yearly_returns=period_returns(d, b, b_base, "%Y"),
    )
    return out


def _ffill(x: np.ndarray, first: float) -> np.ndarray:
    # Carry the last valid value forward (decision 8); `first` fills leading NaNs.
    x = x.copy()
    last = first
    for i in range(x.size):
        if np.isfinite(x[i]):
            last = x[i]
        else:
            x[i] = last
    return x


# ------------------------------------------------------------------------------------------
# Labels and display
# ------------------------------------------------------------------------------------------
#: key -> (JoinQuant Chinese label, English tooltip, display format).
#: Formats: 'pct2' = percent with 2 dp ('483.78%'), 'num3' = number with 3 dp ('1.630'),
#: 'frac3' = fraction with 3 dp ('0.638'), 'int' = integer, 'daterange' =
#: 'YYYY/MM/DD,YYYY/MM/DD' (spec §8 / S9 panels).
METRIC_LABELS: dict[str, tuple[str, str, str]] = {
    "total_returns": ("策略收益", "Total returns: (P_end - P_start) / P_start", "pct2"),
    "annual_returns": ("策略年化收益", "Annualized returns: (1 + P)^(250/n) - 1", "pct2"),
    "excess_returns": ("超额收益", "Excess returns: (1 + P) / (1 + M) - 1", "pct2"),
    "benchmark_returns": ("基准收益", "Benchmark returns: (M_end - M_start) / M_start", "pct2"),
    "alpha": ("阿尔法", "Alpha: Rp - [Rf + beta (Rm - Rf)]", "num3"),
    "beta": ("贝塔", "Beta: Cov(Dp, Dm) / Var(Dm) of daily returns", "num3"),
    "sharpe": ("夏普比率", "Sharpe ratio: (Rp - Rf) / strategy volatility", "num3"),
    "win_ratio": ("胜率", "Win ratio: winning sells / all sells", "frac3"),
    "profit_loss_ratio": ("盈亏比", "Profit/loss ratio: total profit of winning sells / total loss of losing sells", "num3"),
    "max_drawdown": ("最大回撤", "Max drawdown of end-of-day total value", "pct2"),
    "sortino": ("索提诺比率", "Sortino ratio: (Rp - Rf) / downside volatility", "num3"),
    "avg_excess_return": ("日均超额收益", "Average daily excess return: mean of (1+rp)/(1+rm) - 1", "pct2"),
    "excess_max_drawdown": ("超额收益最大回撤", "Max drawdown of the excess net value (1+P)/(1+M)", "pct2"),
    "excess_sharpe": ("超额收益夏普比率", "Excess-return Sharpe: (annualized EI - Rf) / volatility of daily excess returns", "num3"),
    "daily_win_ratio": ("日胜率", "Daily win ratio: share of days the strategy beat the benchmark", "frac3"),
    "win_count": ("盈利次数", "Number of sells with a profit", "int"),
    "lose_count": ("亏损次数", "Number of sells with a loss", "int"),
    "information_ratio": ("信息比率", "Information ratio: (Rp - Rm) / volatility of daily active returns", "num3"),
    "algorithm_volatility": ("策略波动率", "Strategy volatility: annualized std of daily returns", "frac3"),
    "benchmark_volatility": ("基准波动率", "Benchmark volatility: annualized std of daily benchmark returns", "frac3"),
    "max_drawdown_period": ("最大回撤区间", "Max drawdown interval: peak date, trough date", "daterange"),
    # Not on JoinQuant's panel, kept for reports and get_risk()-style access.
    "benchmark_annual_returns": ("基准年化收益", "Benchmark annualized returns: (1 + M)^(250/n) - 1", "pct2"),
    "downside_volatility": ("下行波动率", "Downside volatility (running-mean semi-deviation, annualized)", "frac3"),
    "trading_days": ("交易天数", "Number of trading days in the run", "int"),
}

#: The 21 entries of JoinQuant's 收益概述 panel, in its order (S9).
PANEL_KEYS: tuple[str, ...] = tuple(list(METRIC_LABELS)[:21])


def format_value(value: Any, fmt: str) -> str:
    """Render one value as JoinQuant displays it (``--`` when undefined).

    Examples
    --------
    >>> format_value(4.8378, 'pct2'), format_value(1.63, 'num3'), format_value(-0.00001, 'pct2')
    ('483.78%', '1.630', '0.00%')
    """
    if fmt == "daterange":
        start, end = value if value else (None, None)
        if not start or not end:
            return "--"
        return f"{str(start)[:10].replace('-', '/')},{str(end)[:10].replace('-', '/')}"
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "--"
    if fmt == "int":
        return str(int(value))
    if fmt == "pct2":
        text = f"{float(value) * 100:.2f}%"
    elif fmt in ("num3", "frac3"):
        text = f"{float(value):.3f}"
    else:
        raise ValueError(f"format_value(): fmt must be pct2/num3/frac3/int/daterange, was {fmt!r}")
    # No "-0.00": a value that rounds to zero is shown unsigned.
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def format_panel(metrics: dict[str, Any], keys: Sequence[str] = PANEL_KEYS) -> list[tuple[str, str]]:
    """Return the 收益概述 panel as ``[(Chinese label, displayed text), ...]`` in JQ's order."""
    rows = []
    for key in keys:
        label, _tip, fmt = METRIC_LABELS[key]
        if key == "max_drawdown_period":
            value: Any = (metrics.get("max_drawdown_start"), metrics.get("max_drawdown_end"))
        else:
            value = metrics.get(key)
        rows.append((label, format_value(value, fmt)))
    return rows
