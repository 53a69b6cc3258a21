"""jqfactor_analyzer's interface computed locally (jqlite.analysis.factor): hand-computed IC,
quantile returns, turnover and cumulative returns on a 5-stock panel; IC against scipy's
spearmanr on a random panel; analyze_factor on the sample store; the tear sheet and CLI."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from jqfactor_analyzer import FactorAnalyzer, MaxLossExceededError, analyze_factor
from jqlite.errors import ParamsError

A = ["A", "B", "C", "D", "E"]
D = pd.DatetimeIndex(["2024-01-02", "2024-01-03", "2024-01-04"])
R1 = np.array([0.01, 0.02, 0.03, 0.05, 0.04])   # day 0 -> day 1
R2 = np.array([0.00, 0.01, 0.02, 0.03, 0.04])   # day 1 -> day 2
GROUPS = {"A": "g1", "B": "g1", "C": "g2", "D": "g2", "E": "g2"}


def _tiny(**kw) -> FactorAnalyzer:
    p0 = np.full(5, 10.0)
    prices = pd.DataFrame([p0, p0 * (1 + R1), p0 * (1 + R1) * (1 + R2)], index=D, columns=A)
    factor = pd.DataFrame([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]], index=D[:2], columns=A, dtype=float)
    kw.setdefault("groupby", GROUPS)
    return FactorAnalyzer(factor, prices, quantiles=5, periods=(1,), **kw)


def test_ic_by_hand():
    far = _tiny()
    # day 0: return ranks [1,2,3,5,4] vs factor ranks 1..5: rho = 1 - 6*2/(5*24) = 0.9
    # day 1: factor falls as returns rise: rho = -1
    assert far.ic["period_1"].to_numpy() == pytest.approx([0.9, -1.0])
    s = far.ic_summary.loc["period_1"]
    assert s["IC Mean"] == pytest.approx(-0.05)
    assert s["IC Std."] == pytest.approx(np.std([0.9, -1.0], ddof=1))
    assert s["IR"] == pytest.approx(-0.05 / np.std([0.9, -1.0], ddof=1))
    assert s["Days"] == 2


def test_industry_neutral_ic_by_hand():
    far = _tiny()
    # day 0 returns demeaned within g1 (A,B) and g2 (C,D,E): [-.005, .005, -.01, .01, 0]
    # ranks [2,4,1,5,3] vs 1..5: d^2 = 1+4+4+1+4 = 14, rho = 1 - 6*14/120 = 0.3
    # day 1: demeaned [-.005,.005,-.01,0,.01] ranks [2,4,1,3,5] vs factor ranks [5,4,3,2,1]:
    # d = [-3,0,-2,1,4], d^2 = 30, rho = 1 - 180/120 = -0.5
    ic = far.calc_factor_information_coefficient(group_adjust=True)
    assert ic["period_1"].to_numpy() == pytest.approx([0.3, -0.5])


def test_quantile_returns_turnover_cumulative_by_hand():
    far = _tiny()
    # five names, five quantiles: quantile k holds the name with the k-th smallest factor
    q = far.clean_factor_data["factor_quantile"].unstack()
    assert q.loc[D[0]].tolist() == [1, 2, 3, 4, 5] and q.loc[D[1]].tolist() == [5, 4, 3, 2, 1]
    mq = far.mean_return_by_quantile["period_1"]
    # Q1: A on day 0 (1 %), E on day 1 (4 %); Q5: E on day 0 (4 %), A on day 1 (0 %)
    assert mq.loc[1] == pytest.approx((0.01 + 0.04) / 2)
    assert mq.loc[5] == pytest.approx((0.04 + 0.00) / 2)
    # Q3 keeps C: turnover 0; Q1 changes name: turnover 1
    t = far.quantile_turnover["period_1"]
    assert t.loc[D[1], 3] == 0.0 and t.loc[D[1], 1] == 1.0 and len(t) == 1
    cum = far.cumulative_return_by_quantile["period_1"]
    assert cum.loc[D[1], 1] == pytest.approx(1.01 * 1.04)
    assert far.calc_top_down_cumulative_returns(1).iloc[-1] == pytest.approx((1 + 0.03) * (1 - 0.04))


def test_weights_and_binning_by_group():
    # weights: Q1..Q5 hold one name each, so weighting changes nothing there; with 1 quantile
    # pair per group the weighted mean is checkable
    p0 = np.full(4, 10.0)
    r = np.array([0.01, 0.03, 0.02, 0.06])
    prices = pd.DataFrame([p0, p0 * (1 + r)], index=D[:2], columns=A[:4])
    factor = pd.DataFrame([[1.0, 2.0, 3.0, 4.0]], index=D[:1], columns=A[:4])
    w = pd.DataFrame([[1.0, 3.0, 1.0, 1.0]], index=D[:1], columns=A[:4])
    far = FactorAnalyzer(factor, prices, weights=w, quantiles=2, periods=1)
    # Q1 = {A, B} weighted 1:3 -> (0.01 + 3 * 0.03) / 4 = 0.025; Q2 = {C, D} -> 0.04
    assert far.mean_return_by_quantile["period_1"].tolist() == pytest.approx([0.025, 0.04])
    # binning by group {A,C}=x, {B,D}=y: Q1 = {A, B}, Q2 = {C, D} again but chosen within groups
    far = FactorAnalyzer(factor, prices, groupby={"A": "x", "C": "x", "B": "y", "D": "y"}, quantiles=2,
                         periods=1, binning_by_group=True)
    q = far.clean_factor_data["factor_quantile"].unstack().loc[D[0]]
    assert q.tolist() == [1, 1, 2, 2]


def test_multi_day_period_rate_and_max_loss():
    far = _tiny(groupby=None)
    far2 = FactorAnalyzer(far.factor, far._prices, quantiles=5, periods=(2,), max_loss=0.6)
    # only day 0 has a 2-day forward return; Q1 = A: (1.01 * 1.00) - 1 as a per-day rate
    assert far2.mean_return_by_quantile.loc[1, "period_2"] == pytest.approx(np.sqrt(1.01 * 1.00) - 1)
    with pytest.raises(MaxLossExceededError, match="50.0% of the factor values"):
        FactorAnalyzer(far.factor, far._prices, quantiles=5, periods=(2,), max_loss=0.25)


def test_ic_matches_scipy_spearman_on_random_panel():
    rng = np.random.default_rng(7)
    dates = pd.bdate_range("2024-01-01", periods=40)
    cols = [f"S{i:02d}" for i in range(30)]
    prices = pd.DataFrame(100 * np.exp(np.cumsum(rng.normal(0, 0.02, (40, 30)), axis=0)), index=dates, columns=cols)
    factor = pd.DataFrame(np.round(rng.normal(size=(35, 30)), 1), index=dates[:35], columns=cols)  # ties
    factor.iloc[3, :4] = np.nan
    far = FactorAnalyzer(factor, prices, quantiles=5, periods=(1, 5))
    ic = far.ic
    for p in (1, 5):
        fwd = prices.shift(-p) / prices - 1
        expected = [stats.spearmanr(factor.loc[d], fwd.loc[d], nan_policy="omit")[0] for d in factor.index]
        assert ic[f"period_{p}"].to_numpy() == pytest.approx(np.array(expected), abs=1e-12)
    pearson = far.calc_factor_information_coefficient(method="normal")["period_1"]
    d = factor.index[3]
    ok = factor.loc[d].notna()
    assert pearson.loc[d] == pytest.approx(np.corrcoef(factor.loc[d][ok], (prices.shift(-1) / prices - 1).loc[d][ok])[0, 1])


@pytest.fixture(scope="module")
def sample_store():
    from jqlite.data import ensure_default_store
    return ensure_default_store(progress=False)


def test_analyze_factor_on_sample_store(sample_store):
    from jqdata import get_factor_values, get_index_stocks, get_price

    stocks = get_index_stocks("000300.XSHG", date="2023-01-03")[:40]
    v = get_factor_values(stocks, "momentum", start_date="2023-01-03", end_date="2023-03-31")["momentum"]
    far = analyze_factor(v, industry="sw_l1", quantiles=5, periods=(1, 5))
    px = get_price(stocks, start_date="2023-01-03", end_date="2023-04-30", fields="close", fq="post",
                   panel=False).pivot(index="time", columns="code", values="close")[stocks]
    day = v.index[10]
    i = px.index.get_loc(day)
    fwd = px.iloc[i + 5] / px.iloc[i] - 1
    ok = v.loc[day].notna()
    expected = stats.spearmanr(v.loc[day][ok], fwd[ok])[0]
    assert far.ic.loc[day, "period_5"] == pytest.approx(expected, abs=1e-6)
    assert "group" in far.clean_factor_data and far.clean_factor_data["group"].str.startswith("8").all()
    assert set(far.mean_return_by_quantile.index) == {1, 2, 3, 4, 5}


def test_factor_report_html_and_cli(sample_store, tmp_path):
    from click.testing import CliRunner

    from jqlite.cli import main

    fn = tmp_path / "myfactor.py"
    fn.write_text("from jqdata import get_price\n"
                  "def reversal(securities, start_date, end_date):\n"
                  "    c = get_price(securities, start_date=start_date, end_date=end_date, fields='close',\n"
                  "                  fq='post', panel=False).pivot(index='time', columns='code', values='close')\n"
                  "    return -c.pct_change(5)\n")
    out = tmp_path / "rev.html"
    res = CliRunner().invoke(main, ["factor-report", f"{fn}:reversal", "--universe",
                                    "000001.XSHE,000002.XSHE,000063.XSHE,600000.XSHG,600036.XSHG,600519.XSHG,"
                                    "601318.XSHG,000858.XSHE,002415.XSHE,600276.XSHG",
                                    "--start", "2023-01-03", "--end", "2023-03-31", "--quantiles", "2",
                                    "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "period_1: IC mean" in res.output and "period_20" in res.output
    page = out.read_text()
    for sid in ("chart-ic", "chart-ic_hist", "chart-decay", "chart-quantile", "chart-cumulative", "chart-turnover"):
        assert f'id="{sid}"' in page
    assert page.count("plotly.js v") == 1   # inlined once
    summ = json.loads(out.with_suffix(".json").read_text())
    assert set(summ["ic_decay"]) == {"period_1", "period_5", "period_10", "period_20"}
    assert "ic_summary_industry_neutral" in summ
    res = CliRunner().invoke(main, ["factor-report", "no_such_factor", "--start", "2023-01-03", "--end",
                                    "2023-02-01", "--out", str(tmp_path / "x.html")])
    assert res.exit_code == 2 and "Invalid factors" in res.output


def _prices_tiny() -> pd.DataFrame:
    p0 = np.full(5, 10.0)
    return pd.DataFrame([p0, p0 * (1 + R1), p0 * (1 + R1) * (1 + R2)], index=D, columns=A)


def test_bins_fixed_edges_by_hand():
    factor = pd.DataFrame([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]], index=D[:2], columns=A, dtype=float)
    far = FactorAnalyzer(factor, _prices_tiny(), bins=[0, 2, 4, 6], periods=(1,))
    q = far.clean_factor_data["factor_quantile"].unstack()
    # (0, 2] -> 1, (2, 4] -> 2, (4, 6] -> 3
    assert q.loc[D[0]].tolist() == [1, 1, 2, 2, 3] and q.loc[D[1]].tolist() == [3, 2, 2, 1, 1]
    mq = far.mean_return_by_quantile["period_1"]
    # bin 1: day 0 A, B (1 %, 2 %) -> 1.5 %; day 1 D, E (3 %, 4 %) -> 3.5 %; mean 2.5 %
    # bin 2: day 0 C, D (3 %, 5 %) -> 4 %; day 1 B, C (1 %, 2 %) -> 1.5 %; mean 2.75 %
    # bin 3: day 0 E (4 %), day 1 A (0 %) -> 2 %
    assert mq.loc[[1, 2, 3]].tolist() == pytest.approx([0.025, 0.0275, 0.02])
    # the spread uses the top bin (3), not 5
    assert far.mean_return_spread_by_quantile["period_1"].tolist() == pytest.approx([0.04 - 0.015, 0.0 - 0.035])
    # right-closed like pandas.cut: 1.0 is outside (1, 3] -> 2 of 10 values lost
    far2 = FactorAnalyzer(factor, _prices_tiny(), bins=[1, 3, 5], periods=(1,))
    assert len(far2.clean_factor_data) == 8
    with pytest.raises(MaxLossExceededError):
        FactorAnalyzer(factor, _prices_tiny(), bins=[1, 3, 5], periods=(1,), max_loss=0.1)


def test_bins_equal_width_by_hand():
    factor = pd.DataFrame([[1, 2, 3, 4, 10], [5, 4, 3, 2, 1]], index=D[:2], columns=A, dtype=float)
    far = FactorAnalyzer(factor, _prices_tiny(), bins=3, periods=(1,))
    q = far.clean_factor_data["factor_quantile"].unstack()
    # day 0: range 1..10, width 3: [1, 4] -> 1, (4, 7] -> 2 (empty), (7, 10] -> 3
    assert q.loc[D[0]].tolist() == [1, 1, 1, 1, 3]
    # day 1: range 1..5, width 4/3: 1, 2 -> 1; 3 -> 2; 4, 5 -> 3
    assert q.loc[D[1]].tolist() == [3, 3, 2, 1, 1]


def test_zero_aware_quantiles_by_hand():
    factor = pd.DataFrame([[-3, -1, 1, 2, 4], [-2, -1, -0.5, 3, 0]], index=D[:2], columns=A, dtype=float)
    far = FactorAnalyzer(factor, _prices_tiny(), quantiles=4, zero_aware=True, periods=(1,))
    q = far.clean_factor_data["factor_quantile"].unstack()
    # day 0: negatives A, B -> 1, 2; non-negatives C, D, E (3 names, 2 groups) -> 3, 3, 4
    assert q.loc[D[0]].tolist() == [1, 2, 3, 3, 4]
    # day 1: negatives A, B, C -> 1, 1, 2; non-negatives E (0) -> 3, D (3) -> 4
    assert q.loc[D[1]].tolist() == [1, 1, 2, 4, 3]
    plain = FactorAnalyzer(factor, _prices_tiny(), quantiles=4, periods=(1,))
    assert plain.clean_factor_data["factor_quantile"].unstack().loc[D[0]].tolist() == [1, 1, 2, 3, 4]
    # zero-aware equal-width bins: negatives of day 0 span -3..-1 (2 bins of width 1)
    fb = FactorAnalyzer(factor, _prices_tiny(), bins=4, zero_aware=True, periods=(1,))
    assert fb.clean_factor_data["factor_quantile"].unstack().loc[D[0]].tolist() == [1, 2, 3, 3, 4]


def test_bins_and_zero_aware_errors():
    factor = pd.DataFrame([[1, 2, 3, 4, 5], [5, 4, 3, 2, 1]], index=D[:2], columns=A, dtype=float)
    with pytest.raises(ParamsError, match="either quantiles or bins"):
        FactorAnalyzer(factor, _prices_tiny(), quantiles=5, bins=3, periods=(1,))
    with pytest.raises(ParamsError, match="increase"):
        FactorAnalyzer(factor, _prices_tiny(), bins=[0, 2, 2], periods=(1,))
    with pytest.raises(ParamsError, match="zero_aware"):
        FactorAnalyzer(factor, _prices_tiny(), bins=[0, 2, 6], zero_aware=True, periods=(1,))


def test_event_returns_by_hand():
    far = _tiny()
    t = far.calc_average_cumulative_return_by_quantile(periods_before=1, periods_after=1)
    assert list(t.columns) == [-1, 0, 1]
    # quantile 1: A on day 0 (no price before day 0; +1 day: R1[A] = 1 %), E on day 1
    # (-1 day: 1 / 1.04 - 1; +1 day: R2[E] = 4 %)
    assert t.loc[(1, "mean"), 1] == pytest.approx(0.025)
    assert t.loc[(1, "std"), 1] == pytest.approx(np.std([0.01, 0.04], ddof=1))
    assert t.loc[(1, "mean"), -1] == pytest.approx(1 / 1.04 - 1)
    assert t.loc[(1, "mean"), 0] == 0.0
    # demeaned: day 0 mean R1 = 3 % -> A -2 %; day 1 mean R2 = 2 % -> E +2 %
    td = far.calc_average_cumulative_return_by_quantile(1, 1, demeaned=True)
    assert td.loc[(1, "mean"), 1] == pytest.approx(0.0)
    assert td.loc[(5, "mean"), 1] == pytest.approx(((0.04 - 0.03) + (0.0 - 0.02)) / 2)


def test_factor_weighted_returns_by_hand():
    far = _tiny()
    fr = far.calc_factor_returns(demeaned=True)["period_1"]
    # day 0: weights (f - 3) / 6 = [-1/3, -1/6, 0, 1/6, 1/3] on R1 -> 0.09 / 6
    # day 1: weights [1/3, 1/6, 0, -1/6, -1/3] on R2 -> -0.1 / 6
    assert fr.tolist() == pytest.approx([0.015, -0.1 / 6])
    cum = far.calc_cumulative_returns(period=1, demeaned=True)
    assert cum.iloc[-1] == pytest.approx(1.015 * (1 - 0.1 / 6))
    with pytest.raises(ParamsError):
        far.calc_cumulative_returns(period=5)


def test_event_plots_draw_one_line_per_quantile():
    import matplotlib
    matplotlib.use("Agg")
    far = _tiny()
    fig = far.plot_quantile_average_cumulative_return(periods_before=1, periods_after=1)
    ax = fig.axes[0]
    assert len(ax.get_lines()) == 5 + 5          # 5 quantile curves + the day-0 markers
    assert list(ax.get_lines()[0].get_xdata()) == [-1, 0, 1]
    fig2 = far.plot_events_distribution(num_days=1)
    assert [p.get_height() for p in fig2.axes[0].patches] == [5, 5]
