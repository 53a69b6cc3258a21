"""Tests for jqlite.analysis.metrics (spec §8 formulas, §9.2 T6 JoinQuant panels)."""

from __future__ import annotations

import itertools
import math

import pytest

from jqlite.analysis import metrics as M
from jqlite.analysis.metrics import (
    METRIC_LABELS,
    PANEL_KEYS,
    alpha_from,
    annualize,
    compute_metrics,
    days_from_annualized,
    downside_volatility,
    excess_return,
    format_panel,
    format_value,
    max_drawdown,
    ratio,
    trade_stats,
)

DATES = ["2024-01-29", "2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02", "2024-02-05"]
VALUES = [102.0, 99.0, 101.0, 104.0, 100.0, 103.0]
P_START = 100.0
BENCH = [10.1, 10.0, 9.9, 10.2, 10.3, 10.1]
BENCH_BASE = 10.0
SELL_PNL = [50.0, -20.0, 0.0, 30.0, -10.0]


def _mean(xs):
    return sum(xs) / len(xs)


def _sample_var(xs):
    mu = _mean(xs)
    return sum((x - mu) ** 2 for x in xs) / (len(xs) - 1)


def test_six_day_series_every_metric_by_hand():
    m = compute_metrics(DATES, VALUES, P_START, BENCH, BENCH_BASE, SELL_PNL)
    n = 6
    rf = 0.04
    # daily returns, first one against the bases
    rp = [102 / 100 - 1, 99 / 102 - 1, 101 / 99 - 1, 104 / 101 - 1, 100 / 104 - 1, 103 / 100 - 1]
    rm = [10.1 / 10 - 1, 10.0 / 10.1 - 1, 9.9 / 10.0 - 1, 10.2 / 9.9 - 1, 10.3 / 10.2 - 1, 10.1 / 10.3 - 1]
    P = 103 / 100 - 1
    Mb = 10.1 / 10 - 1
    Rp = (1 + P) ** (250 / n) - 1
    Rm = (1 + Mb) ** (250 / n) - 1
    EI = (1 + P) / (1 + Mb) - 1
    mp, mm = _mean(rp), _mean(rm)
    cov = sum((a - mp) * (b - mm) for a, b in zip(rp, rm)) / (n - 1)
    beta = cov / _sample_var(rm)
    alpha = Rp - (rf + beta * (Rm - rf))
    sigma_p = math.sqrt(250 * _sample_var(rp))
    sigma_m = math.sqrt(250 * _sample_var(rm))
    sharpe = (Rp - rf) / sigma_p
    # downside volatility: running mean including day i, divisor n
    acc, s = 0.0, 0.0
    for i, r in enumerate(rp):
        acc += r
        mi = acc / (i + 1)
        if r < mi:
            s += (r - mi) ** 2
    sigma_pd = math.sqrt(250 / n * s)
    sortino = (Rp - rf) / sigma_pd
    diff = [a - b for a, b in zip(rp, rm)]
    sigma_t = math.sqrt(250 * _sample_var(diff))
    ir = (Rp - Rm) / sigma_t
    e = [(1 + a) / (1 + b) - 1 for a, b in zip(rp, rm)]
    aei = _mean(e)
    sigma_e = math.sqrt(250 * _sample_var(e))
    excess_sharpe = ((1 + EI) ** (250 / n) - 1 - rf) / sigma_e
    # drawdown: curve 100,102,99,101,104,100,103 -> worst is 104 -> 100
    mdd = (104 - 100) / 104
    # excess net value (1+P_t)/(1+M_t), V0 = 1
    ev = [1.0] + [(v / 100) / (b / 10) for v, b in zip(VALUES, BENCH)]
    emdd = 0.0
    for y in range(len(ev)):
        for x in range(y):
            emdd = max(emdd, (ev[x] - ev[y]) / ev[x])
    daily_win = sum(1 for a, b in zip(rp, rm) if a > b) / n

    expected = {
        "total_returns": P,
        "annual_returns": Rp,
        "benchmark_returns": Mb,
        "benchmark_annual_returns": Rm,
        "excess_returns": EI,
        "alpha": alpha,
        "beta": beta,
        "sharpe": sharpe,
        "sortino": sortino,
        "information_ratio": ir,
        "algorithm_volatility": sigma_p,
        "benchmark_volatility": sigma_m,
        "downside_volatility": sigma_pd,
        "max_drawdown": mdd,
        "avg_excess_return": aei,
        "excess_max_drawdown": emdd,
        "excess_sharpe": excess_sharpe,
        "win_ratio": 2 / 5,  # 50, 30 win; 0.0 is a trade but neither win nor loss
        "profit_loss_ratio": (50 + 30) / (20 + 10),
        "daily_win_ratio": daily_win,
    }
    for key, value in expected.items():
        assert m[key] == pytest.approx(value, rel=1e-12, abs=1e-15), key
    assert m["win_count"] == 2
    assert m["lose_count"] == 2
    assert m["trading_days"] == 6
    assert m["max_drawdown_start"] == "2024-02-01"
    assert m["max_drawdown_end"] == "2024-02-02"
    assert m["monthly_returns"] == pytest.approx({"2024-01": 101 / 100 - 1, "2024-02": 103 / 101 - 1})
    assert m["yearly_returns"] == pytest.approx({"2024": 0.03})
    assert m["benchmark_monthly_returns"] == pytest.approx({"2024-01": 9.9 / 10 - 1, "2024-02": 10.1 / 9.9 - 1})
    # every labelled key (except the synthetic drawdown-period key) is present
    for key in METRIC_LABELS:
        if key != "max_drawdown_period":
            assert key in m


def test_drawdown_interval_latest_peak_and_start_as_peak():
    assert max_drawdown([100, 110, 99, 110, 99, 105]) == (pytest.approx(0.1), 1, 2)
    # P_start counts as a peak: a loss on day 1 is a drawdown from the start value
    mdd, peak, trough = max_drawdown([98.0, 97.0, 99.0], base=100.0)
    assert (mdd, peak, trough) == (pytest.approx(0.03), -1, 1)
    m = compute_metrics(["2024-03-01", "2024-03-04", "2024-03-05"], [98.0, 97.0, 99.0], 100.0, None, None)
    assert (m["max_drawdown_start"], m["max_drawdown_end"]) == ("2024-03-01", "2024-03-04")
    # equal peaks: the later one starts the interval
    assert max_drawdown([100, 100, 90], base=100.0) == (pytest.approx(0.1), 1, 2)
    # monotone rise: no drawdown, no interval
    m = compute_metrics(["2024-03-01", "2024-03-04"], [101.0, 102.0], 100.0, None, None)
    assert m["max_drawdown"] == 0.0 and m["max_drawdown_start"] is None
    assert dict(format_panel(m))["最大回撤区间"] == "--"


def test_downside_volatility_uses_running_mean_including_today():
    r = [0.01, -0.02, 0.03, -0.01]
    # m1=0.01 (no), m2=-0.005 (r<m), m3=0.02/3 (no), m4=0.0025 (r<m)
    s = (-0.02 - (-0.005)) ** 2 + (-0.01 - 0.0025) ** 2
    assert downside_volatility(r) == pytest.approx(math.sqrt(250 / 4 * s), rel=1e-12)
    # differs from a global-mean semi-deviation
    mu = sum(r) / 4
    global_version = math.sqrt(250 / 4 * sum((x - mu) ** 2 for x in r if x < mu))
    assert downside_volatility(r) != pytest.approx(global_version)


def test_no_benchmark_gives_none_benchmark_metrics_and_dashes():
    m = compute_metrics(DATES, VALUES, P_START, None, None, SELL_PNL)
    for key in ("benchmark_returns", "excess_returns", "alpha", "beta", "information_ratio",
                "avg_excess_return", "excess_sharpe", "daily_win_ratio", "benchmark_volatility"):
        assert m[key] is None, key
    panel = dict(format_panel(m))
    assert panel["阿尔法"] == "--" and panel["策略收益"] == "3.00%"


def test_trade_stats_edge_cases():
    assert trade_stats([]) == {"win_count": 0, "lose_count": 0, "win_ratio": None, "profit_loss_ratio": None}
    s = trade_stats([10.0, 5.0])
    assert s["win_ratio"] == 1.0 and s["profit_loss_ratio"] is None
    assert trade_stats([1e-9, -1e-9])["win_count"] == 0  # float noise counts as break-even


def test_empty_run_and_single_day():
    m = compute_metrics([], [], 100.0, [], 10.0, [])
    assert m["trading_days"] == 0 and m["total_returns"] is None
    m = compute_metrics(["2024-01-02"], [101.0], 100.0, [10.0], 10.0)
    assert m["algorithm_volatility"] is None and m["sharpe"] is None and m["beta"] is None
    assert m["total_returns"] == pytest.approx(0.01)


def test_missing_benchmark_close_is_carried_forward():
    m = compute_metrics(DATES[:3], VALUES[:3], P_START, [10.1, float("nan"), 10.0], BENCH_BASE)
    assert m["benchmark_returns"] == pytest.approx(0.0)
    assert m["benchmark_monthly_returns"] == pytest.approx({"2024-01": 0.0})


def test_format_value_matches_joinquant_display():
    assert format_value(4.8378, "pct2") == "483.78%"
    assert format_value(-0.1236, "pct2") == "-12.36%"
    assert format_value(-0.00004, "pct2") == "0.00%"
    assert format_value(-0.0001, "pct2") == "-0.01%"
    assert format_value(1.63, "num3") == "1.630"
    assert format_value(-0.0161, "num3") == "-0.016"
    assert format_value(226 / 354, "frac3") == "0.638"
    assert format_value(226, "int") == "226"
    assert format_value(None, "num3") == "--"
    assert format_value(("2024-12-12", "2025-01-10"), "daterange") == "2024/12/12,2025/01/10"
    assert [METRIC_LABELS[k][0] for k in PANEL_KEYS] == [
        "策略收益", "策略年化收益", "超额收益", "基准收益", "阿尔法", "贝塔", "夏普比率", "胜率",
        "盈亏比", "最大回撤", "索提诺比率", "日均超额收益", "超额收益最大回撤", "超额收益夏普比率",
        "日胜率", "盈利次数", "亏损次数", "信息比率", "策略波动率", "基准波动率", "最大回撤区间"]


# ------------------------------------------------------------------------------------------
# T6: three real JoinQuant 收益概述 panels (spec §9.2, source S9)
# ------------------------------------------------------------------------------------------
# Displayed inputs and outputs, as fractions. Half display units: pct2 -> 5e-5, 3 dp -> 5e-4.
PANELS = {
    "A": dict(P=4.8378, Rp=0.4188, M=-0.1236, beta=0.575, IR=2.004, sp=0.232,
              EI=5.6614, alpha=0.417, sharpe=1.630, eis=1.876, aei=0.0016, win=226, lose=128, wr=0.638),
    "B": dict(P=0.0978, Rp=0.0356, M=0.2700, beta=1.042, IR=-0.300, sp=0.274,
              EI=-0.1356, alpha=-0.061, sharpe=-0.016, eis=-0.480, aei=-0.0001, win=40, lose=58, wr=0.408),
    "C": dict(P=0.1558, Rp=0.0777, M=0.3884, beta=0.564, IR=-0.516, sp=0.220,
              EI=-0.1675, alpha=-0.044, sharpe=0.171, eis=-0.627, aei=-0.0003, win=109, lose=205, wr=0.347),
}
INPUT_HALF = dict(P=5e-5, Rp=5e-5, M=5e-5, beta=5e-4, IR=5e-4, sp=5e-4)
OUTPUT_HALF = dict(EI=5e-5, alpha=5e-4, sharpe=5e-4, eis=5e-4, aei=5e-5)
# The spec table's "calc" column (nominal inputs), 4-5 significant digits.
SPEC_CALC = {
    "A": dict(EI=5.6611, alpha=0.4166, sharpe=1.6328, eis=1.8768),
    "B": dict(EI=-0.13559, alpha=-0.0604, sharpe=-0.0161, eis=-0.4807),
    "C": dict(EI=-0.16753, alpha=-0.0440, sharpe=0.1714, eis=-0.6282),
}


def _derive(P, Rp, M, beta, IR, sp):
    """Panel outputs from panel inputs with the module's helpers (spec §9.2 T6 recipe)."""
    n = days_from_annualized(P, Rp)           # k = 250/n = ln(1+Rp)/ln(1+P)
    Rm = annualize(M, n)
    ei = excess_return(P, M)
    sigma_t = (Rp - Rm) / IR                  # IR = (Rp - Rm)/σt
    return {
        "EI": ei,
        "alpha": alpha_from(Rp, Rm, beta),
        "sharpe": ratio(Rp, sp),
        "eis": ratio(annualize(ei, n), sigma_t),
        # AEI ≈ ln(1+EI)/n + σ_daily²/2 (approximation, spec T6 note)
        "aei": math.log1p(ei) / n + (sigma_t / math.sqrt(250)) ** 2 / 2,
    }


@pytest.mark.parametrize("name", sorted(PANELS))
def test_t6_panel_outputs_reproduced_to_display_precision(name):
    p = PANELS[name]
    names = list(INPUT_HALF)
    # The shown inputs are rounded: evaluate at every corner of their rounding box (the
    # outputs are monotone in each input here) and require the shown output's rounding
    # interval to overlap the reachable range.
    corners = [
        _derive(**{k: p[k] + s * INPUT_HALF[k] for k, s in zip(names, signs)})
        for signs in itertools.product((-1, 1), repeat=len(names))
    ]
    for out, half in OUTPUT_HALF.items():
        lo = min(c[out] for c in corners)
        hi = max(c[out] for c in corners)
        assert max(lo, p[out] - half) <= min(hi, p[out] + half), (name, out, lo, hi, p[out])
    nominal = _derive(**{k: p[k] for k in names})
    for out, value in SPEC_CALC[name].items():
        assert nominal[out] == pytest.approx(value, abs=1e-4), (name, out)
    # 胜率 = 盈利次数 / (盈利次数 + 亏损次数), displayed with 3 dp
    stats = trade_stats([1.0] * p["win"] + [-1.0] * p["lose"])
    assert format_value(stats["win_ratio"], "frac3") == f"{p['wr']:.3f}"
    assert (stats["win_count"], stats["lose_count"]) == (p["win"], p["lose"])


def test_t6_excess_return_is_division_not_subtraction():
    p = PANELS["A"]
    assert format_value(excess_return(p["P"], p["M"]), "pct2") == "566.11%"  # shown 566.14% (input rounding)
    assert format_value(p["P"] - p["M"], "pct2") == "496.14%"  # subtraction is far off


def test_module_helpers_are_consistent_with_compute_metrics():
    m = compute_metrics(DATES, VALUES, P_START, BENCH, BENCH_BASE, SELL_PNL)
    assert m["annual_returns"] == pytest.approx(annualize(m["total_returns"], 6))
    assert days_from_annualized(m["total_returns"], m["annual_returns"]) == pytest.approx(6)
    assert m["alpha"] == pytest.approx(
        alpha_from(m["annual_returns"], m["benchmark_annual_returns"], m["beta"]))
    assert m["sharpe"] == pytest.approx(ratio(m["annual_returns"], m["algorithm_volatility"]))
    assert M.PANEL_KEYS[-1] == "max_drawdown_period"
