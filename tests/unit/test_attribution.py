"""Brinson–Fachler attribution (jqlite.analysis.attribution) on a hand-built two-industry
example, Carino linking, and the attribution of a real sample run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from jqlite.analysis.attribution import (brinson_fachler, brinson_over_time, carino_factors,
                                         summarise_brinson)

# Bank: portfolio 30 % returning 2 %, benchmark 60 % returning 1 %
# Tech: portfolio 70 % returning 5 %, benchmark 40 % returning 4 %
# Rb = .6*.01 + .4*.04 = .022, Rp = .3*.02 + .7*.05 = .041, active .019
WP = pd.Series({"bank": 0.3, "tech": 0.7})
RP = pd.Series({"bank": 0.02, "tech": 0.05})
WB = pd.Series({"bank": 0.6, "tech": 0.4})
RB = pd.Series({"bank": 0.01, "tech": 0.04})


def test_two_industries_by_hand():
    bf = brinson_fachler(WP, RP, WB, RB)
    # allocation (wp - wb)(Rb_i - Rb): bank -.3 * -.012 = .0036, tech .3 * .018 = .0054
    assert bf["allocation"].to_dict() == pytest.approx({"bank": 0.0036, "tech": 0.0054})
    # selection wb (Rp_i - Rb_i): bank .6 * .01 = .006, tech .4 * .01 = .004
    assert bf["selection"].to_dict() == pytest.approx({"bank": 0.006, "tech": 0.004})
    # interaction (wp - wb)(Rp_i - Rb_i): bank -.3 * .01 = -.003, tech .3 * .01 = .003
    assert bf["interaction"].to_dict() == pytest.approx({"bank": -0.003, "tech": 0.003})
    assert bf["total"].sum() == pytest.approx(0.041 - 0.022)


def test_cash_and_off_benchmark_segments():
    # 20 % cash, 80 % in an industry the benchmark does not hold (returns 3 %); benchmark 2 %
    bf = brinson_fachler(pd.Series({"cash": 0.2, "media": 0.8}), pd.Series({"cash": 0.0, "media": 0.03}),
                         pd.Series({"bank": 1.0}), pd.Series({"bank": 0.02}))
    # off-benchmark segments take Rb: allocation 0 for them, effect = wp (Rp - Rb)
    assert bf.loc["cash", "interaction"] == pytest.approx(0.2 * (0 - 0.02))
    assert bf.loc["media", "interaction"] == pytest.approx(0.8 * (0.03 - 0.02))
    # bank: allocation (0 - 1)(.02 - .02) = 0, no selection (not held: Rp_i = Rb_i)
    assert bf.loc["bank", ["allocation", "selection", "interaction"]].tolist() == pytest.approx([0, 0, 0])
    assert bf["total"].sum() == pytest.approx(0.8 * 0.03 - 0.02)


def _securities_example():
    # b1, b2 bank; t1, t2 tech.  Day 1 reproduces the hand example above:
    # portfolio b1 .3 (2 %), t1 .7 (5 %); benchmark b1 .2, b2 .4 (0.5 %) -> bank 1 %;
    # t1 .1, t2 .3 (11/300) -> tech 4 %.  Day 2: everything +1 %, except t1 -2 %.
    d = pd.DatetimeIndex(["2024-01-03", "2024-01-04"])
    codes = ["b1", "b2", "t1", "t2"]
    wp = pd.DataFrame([[0.3, 0, 0.7, 0], [0.3, 0, 0.7, 0]], index=d, columns=codes)
    wb = pd.DataFrame([[0.2, 0.4, 0.1, 0.3]] * 2, index=d, columns=codes)
    ret = pd.DataFrame([[0.02, 0.005, 0.05, 11 / 300], [0.01, 0.01, -0.02, 0.01]], index=d, columns=codes)
    ind = pd.DataFrame([["bank", "bank", "tech", "tech"]] * 2, index=d, columns=codes)
    return wp, wb, ret, ind


def test_over_time_matches_hand_example_and_links():
    wp, wb, ret, ind = _securities_example()
    long = brinson_over_time(wp, wb, ret, ind)
    day1 = long[long["date"] == wp.index[0]].set_index("segment")
    assert day1["allocation"].to_dict() == pytest.approx({"bank": 0.0036, "tech": 0.0054})
    assert day1["selection"].to_dict() == pytest.approx({"bank": 0.006, "tech": 0.004})
    assert day1["interaction"].to_dict() == pytest.approx({"bank": -0.003, "tech": 0.003})
    s = summarise_brinson(long, {"bank": "银行I"})
    # day 2: Rp = .3*.01 + .7*(-.02) = -.011; Rb = .6*.01 + .1*(-.02) + .3*.01 = .007
    assert s["daily"]["portfolio"] == pytest.approx([0.041, -0.011])
    assert s["daily"]["benchmark"] == pytest.approx([0.022, 0.007])
    for i in range(2):   # effects add up to the active return every period
        assert (s["daily"]["allocation"][i] + s["daily"]["selection"][i] + s["daily"]["interaction"][i]
                == pytest.approx(s["daily"]["active"][i]))
    geo = 1.041 * 0.989 - 1.022 * 1.007
    assert s["total"]["active"] == pytest.approx(geo)
    assert sum(s["total"][e] for e in ("allocation", "selection", "interaction")) == pytest.approx(geo)
    assert {r["segment"]: r["name"] for r in s["by_industry"]} == {"bank": "银行I", "tech": "tech"}
    (m,) = s["monthly"]           # both days are in January 2024
    assert m["month"] == "2024-01" and m["active"] == pytest.approx(geo)
    assert m["allocation"] + m["selection"] + m["interaction"] == pytest.approx(geo)


def test_carino_factors_link_exactly():
    rng = np.random.default_rng(1)
    rp, rb = rng.normal(0.001, 0.02, 50), rng.normal(0.0005, 0.015, 50)
    k = carino_factors(rp, rb)
    assert float(((rp - rb) * k).sum()) == pytest.approx(np.prod(1 + rp) - np.prod(1 + rb))


def test_attribution_of_a_sample_run(tmp_path):
    """A real run over the sample market: metrics.json has the tables, allocation + selection +
    interaction = active (holdings) return each day, the report has the charts."""
    import jqlite
    from jqlite.data import ensure_default_store

    store = ensure_default_store(progress=False)
    src = tmp_path / "s.py"
    src.write_text(
        "from jqdata import *\n"
        "def initialize(context):\n"
        "    set_benchmark('000300.XSHG')\n"
        "    run_daily(trade, 'open')\n"
        "def trade(context):\n"
        "    if context.portfolio.positions: return\n"
        "    stocks = get_index_stocks('000300.XSHG')[:8]\n"
        "    for s in stocks: order_value(s, context.portfolio.total_value / 10)\n")
    out = tmp_path / "run"
    res = jqlite.run_backtest(src, "2023-03-01", "2023-04-28", 1_000_000, store=store, out=out,
                              storage=tmp_path / "storage")
    att = json.loads((out / "metrics.json").read_text())["attribution"]
    b = att["brinson"]
    n = len(res.daily) - 1
    assert len(b["daily"]["date"]) == n
    for i in range(n):
        assert (b["daily"]["allocation"][i] + b["daily"]["selection"][i] + b["daily"]["interaction"][i]
                == pytest.approx(b["daily"]["active"][i], abs=1e-12))
    # holdings return vs NAV: the residual is the day's trading and costs, small after day 1
    assert max(abs(x) for x in b["daily"]["trading_residual"][2:]) < 1e-3
    tot = b["total"]
    assert tot["allocation"] + tot["selection"] + tot["interaction"] == pytest.approx(tot["active"])
    assert any(r["segment"] == "cash" for r in b["by_industry"])
    assert [m["month"] for m in b["monthly"]] == ["2023-03", "2023-04"]
    for m in b["monthly"]:
        assert m["allocation"] + m["selection"] + m["interaction"] == pytest.approx(m["active"], abs=1e-12)
    se = att["style_exposure"]
    assert se is not None and "size" in se["factors"] and len(se["portfolio"]["size"]) == n + 1
    page = (out / "report.html").read_text()
    assert 'id="chart-attribution"' in page and 'id="chart-style"' in page


def test_vectorised_over_time_equals_one_period_formula():
    rng = np.random.default_rng(5)
    d = pd.bdate_range("2024-01-01", periods=4)
    codes = [f"s{i}" for i in range(12)]
    wp = pd.DataFrame(rng.uniform(0, 0.1, (4, 12)), index=d, columns=codes)
    wp.iloc[:, 8:] = 0.0                                   # 4 names only in the benchmark
    wb = pd.DataFrame(rng.uniform(0, 1, (4, 12)), index=d, columns=codes)
    wb.iloc[:, :2] = 0.0                                   # 2 names only in the portfolio
    ret = pd.DataFrame(rng.normal(0, 0.02, (4, 12)), index=d, columns=codes)
    ind = pd.DataFrame([[f"i{i % 3}" for i in range(11)] + [None]] * 4, index=d, columns=codes)
    ind.iloc[:, 0] = "i9"                                  # an industry the benchmark lacks
    long = brinson_over_time(wp, wb, ret, ind)
    for t in d:
        w1, w2 = wp.loc[t], wb.loc[t] / wb.loc[t].sum()
        seg = ind.loc[t].fillna("other")
        wps = w1.groupby(seg).sum()
        rps = (w1 * ret.loc[t]).groupby(seg).sum() / wps
        wps.loc["cash"], rps.loc["cash"] = 1 - w1.sum(), 0.0
        wbs = w2.groupby(seg).sum()
        rbs = (w2 * ret.loc[t]).groupby(seg).sum() / wbs
        keep_p, keep_b = wps[wps != 0], wbs[wbs > 0]
        ref = brinson_fachler(keep_p, rps[keep_p.index], keep_b, rbs[keep_b.index])
        got = long[long["date"] == t].set_index("segment")
        assert sorted(got.index) == sorted(ref.index)
        for c in ("allocation", "selection", "interaction", "total"):
            assert got[c].reindex(ref.index).to_numpy() == pytest.approx(ref[c].to_numpy(), abs=1e-15)
        assert got["total"].sum() == pytest.approx((w1 * ret.loc[t]).sum() - (w2 * ret.loc[t]).sum())
