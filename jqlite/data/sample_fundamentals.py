"""Synthetic, internally consistent fundamentals for the sample market.

:func:`generate_sample_fundamentals` builds quarterly statements (income / cash_flow stored
cumulative year-to-date, balance sheets, indicator) and daily valuation for every stock of a
store, vectorised over stocks.  Identities that hold exactly:

* balance: total_assets = total_liability + total_owner_equities
  = total_current_assets + total_non_current_assets (these two and the two liability
  subtotals are NaN for banks, brokers and insurers -- SW L1 银行 / 非银金融 -- whose
  statements have no current / non-current split, as in JoinQuant's tables); each total =
  sum of its items;
  total_owner_equities = equities_parent_company_owners + minority_interests.
* income (single quarter and YTD): total_operating_cost = sum of its cost items;
  operating_profit = total_operating_revenue - total_operating_cost - credit_impairment_loss
  + investment_income + fair_value_variable_income + other_income;
  total_profit = operating_profit + non_operating_revenue - non_operating_expense;
  net_profit = total_profit - income_tax_expense = np_parent_company_owners + minority_profit.
* cash flow: cash_equivalent_increase = net operate + invest + finance cash flow;
  cash_and_equivalents_at_end(q) = cash_and_equivalents_at_end(q-1) + increase(q).
* valuation: market_cap = close x capitalization (亿元 = yuan x 万股 x 1e4 / 1e8), ratios from
  the point-in-time statements (pe = market cap / TTM parent net profit, ...).

Announcement dates: Q1 late April, H1 August, Q3 late October, annual March-April (never
after the next Q1 report).  Size comes from the store's traded money (or from
``jqlite.data.sample.sample_latents`` when that exists), growth from the stock's price trend.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import fundamentals as F

_CUR_ASSETS = {"trading_assets": .05, "bill_receivable": .08, "account_receivable": .30,
               "advance_payment": .05, "interest_receivable": .005, "dividend_receivable": .005,
               "other_receivable": .05, "inventories": .40, "other_current_assets": .06}
_NONCUR_ASSETS = {"hold_for_sale_assets": .03, "hold_to_maturity_investments": .02,
                  "longterm_equity_invest": .08, "investment_property": .02, "fixed_assets": .45,
                  "constru_in_process": .08, "construction_materials": .01,
                  "intangible_assets": .10, "development_expenditure": .01, "good_will": .05,
                  "long_deferred_expense": .02, "deferred_tax_assets": .03,
                  "other_non_current_assets": .10}
_CUR_LIAB = {"shortterm_loan": .20, "notes_payable": .08, "accounts_payable": .30,
             "advance_peceipts": .10, "salaries_payable": .04, "taxs_payable": .03,
             "interest_payable": .01, "dividend_payable": .01, "other_payable": .08,
             "non_current_liability_in_one_year": .05, "other_current_liability": .10}
_NONCUR_LIAB = {"longterm_loan": .55, "bonds_payable": .25, "deferred_tax_liability": .05,
                "estimate_liability": .05, "other_non_current_liability": .10}
_SEASON = np.array([0.85, 1.0, 1.0, 1.15])

#: Valuation levels of the real A-share market per Shenwan (SW2021) L1 industry:
#: name -> (PE median, PE log-spread, loss-making share %, PB median, PB log-spread).
#: Measured by ``benchmarks/data/valuation_levels.py --calib`` on baostock's daily peTTM /
#: pbMRQ of the 669 stocks that were ever CSI 300 / CSI 500 members (internal fixture
#: /work/shared/data/real/fundamentals, see its SOURCES.md), every 20th trading day of
#: 2019-2021, each code in its latest SW2021 L1: PE median = exp(median log peTTM) over the
#: profitable stock-days, spread = IQR(log) / 1.35 (the sigma of a normal with that IQR);
#: loss share = % of stock-days with peTTM < 0; PB the same over pbMRQ.  Only these summary
#: numbers are kept, no rows.  (n codes: 银行 29, 非银金融 51, 食品饮料 24, 医药生物 60 ...)
_SW_LEVELS = {
    "交通运输": (18.1, .59, 14.9, 1.43, .50), "传媒": (28.1, .78, 24.8, 1.83, .73),
    "公用事业": (15.6, .35, 1.4, 1.21, .43), "农林牧渔": (32.8, .91, 16.3, 3.29, .66),
    "医药生物": (41.2, .89, 4.7, 4.88, 1.2), "商贸零售": (24.0, .88, 8.3, 1.48, .66),
    "国防军工": (64.5, .66, 7.2, 3.49, .64), "基础化工": (19.4, .67, 12.4, 2.11, .65),
    "家用电器": (24.1, .61, 3.1, 3.75, .78), "建筑材料": (15.7, .81, 0.0, 1.97, .67),
    "建筑装饰": (9.0, .41, 6.5, 0.97, .30), "房地产": (7.8, .63, 3.6, 1.20, .61),
    "有色金属": (44.0, .85, 13.2, 2.15, .63), "机械设备": (21.9, .97, 4.8, 1.85, .73),
    "汽车": (19.2, .87, 14.4, 1.95, .58), "煤炭": (10.0, .47, 7.5, 0.95, .44),
    "环保": (18.0, .38, 4.9, 1.33, .26), "电力设备": (41.0, .80, 3.9, 4.04, 1.04),
    "电子": (47.5, .93, 11.7, 5.53, .91), "石油石化": (19.1, .69, 7.8, 1.42, .80),
    "社会服务": (57.1, .77, 18.9, 3.64, 1.0), "纺织服饰": (11.5, 1.26, 35.9, 1.95, .71),
    "综合": (15.6, 1.22, 33.8, 0.78, .19), "美容护理": (76.8, .97, 0.0, 9.78, 1.14),
    "计算机": (56.8, .79, 15.6, 5.62, .98), "轻工制造": (29.2, .49, 0.0, 5.62, .77),
    "通信": (31.6, .61, 16.6, 2.12, .77), "钢铁": (12.5, .73, 6.1, 0.93, .81),
    "银行": (6.1, .27, 0.0, 0.77, .33), "非银金融": (26.3, .72, 5.3, 1.67, .38),
    "食品饮料": (39.7, .56, 4.8, 6.67, .81),
}
#: All 669 codes together (same measurement): PE 25.7 (spread 1.0), 8.8 % loss stock-days,
#: PB 2.07 (spread 0.98); median psTTM 2.25; corr(log PE, log PB) within an industry 0.44.
_ALL_LEVELS = (25.7, 1.0, 8.8, 2.07, .98)
#: Scale of the PE / PB targets.  Profit and equity follow the trailing mean market cap, so a
#: stock's PE and PB sit above target after a rally and below after a fall; the default
#: sample market's prices stand at a local high in 2021-Q1 (the compat corpus period: median
#: PE 37 / PB 2.8 there with scale 1, against the real 669 stocks' 25 / 2.2 on 2021-01-04)
#: and a little above the real levels on average over 2015-2022 (mean of the yearly
#: medians on the first trading day: 28 sample, 26 real; 24 with 0.85).  0.85 brings 2021-Q1 near the
#: real levels without leaving the other years low.
_LEVEL_SCALE = 0.85
#: SW L1 industries whose companies' balance sheets have no current / non-current split
#: (generator 9): the subtotals in :data:`_UNSPLIT_BALANCE_TOTALS` are NaN for them.
_UNSPLIT_BALANCE_L1 = ("银行", "非银金融")
_UNSPLIT_BALANCE_TOTALS = ("total_current_assets", "total_non_current_assets",
                           "total_current_liability", "total_non_current_liability")
#: Balance-sheet leverage (liabilities / assets) centre of the financial and property L1s.
_SW_LEVERAGE = {"银行": 0.92, "非银金融": 0.80, "房地产": 0.78}


def _sw_l1_names(store, codes) -> np.ndarray:
    """SW2021 L1 name of each stock (its latest ``sw_l1`` membership; SW2014's 采掘 counts as
    煤炭); ``''`` where the store has no Shenwan classification."""
    from .reference import SW_L1
    name = {v[0]: (v[1] or "煤炭") for v in SW_L1.values()}
    try:
        mem = store.table("industry_members")
    except Exception:
        return np.full(len(codes), "", dtype=object)
    if mem is None or not len(mem):
        return np.full(len(codes), "", dtype=object)
    m = mem[mem["scheme"] == "sw_l1"].sort_values(["code", "end_date"]).drop_duplicates("code", keep="last")
    ind = dict(zip(m["code"], m["industry_code"]))
    return np.array([name.get(ind.get(c, ""), "") for c in codes], dtype=object)


def _latents(store, seed, idx, close, money):
    """(log mean market cap in yuan, quality z, growth z) per stock."""
    rng = np.random.default_rng(seed + 1)
    n = len(idx)
    try:
        from .sample import sample_latents  # type: ignore
        lat = sample_latents(seed, n)
        get = (lambda k: np.asarray(lat[k], dtype=float)) if not isinstance(lat, pd.DataFrame) \
            else (lambda k: lat[k].to_numpy(dtype=float))
        size, quality, growth = get("size"), get("quality"), get("growth")
        if not (len(size) == len(quality) == len(growth) == n):
            raise ValueError
    except Exception:
        size = quality = growth = None
    with np.errstate(invalid="ignore"):
        mean_money = np.nanmean(np.where(money > 0, money, np.nan), axis=0)
    mean_money = np.where(np.isfinite(mean_money), mean_money, 1e7)
    turn = np.exp(rng.normal(np.log(0.015), 0.4, n))
    logcap = np.log(mean_money / turn)
    if quality is None:
        quality = rng.normal(0, 1, n)
    if growth is None:
        first = np.array([close[:, j][~np.isnan(close[:, j])][0] if (~np.isnan(close[:, j])).any() else 1.0
                          for j in range(close.shape[1])])
        last = np.array([close[:, j][~np.isnan(close[:, j])][-1] if (~np.isnan(close[:, j])).any() else 1.0
                         for j in range(close.shape[1])])
        trend = np.log(last / first)
        z = (trend - trend.mean()) / (trend.std() + 1e-9)
        growth = 0.5 * z + 0.5 * rng.normal(0, 1, n)
    elif size is not None:
        logcap = logcap + 0.0 * size
    return logcap, np.asarray(quality, float), np.asarray(growth, float)


def generate_sample_fundamentals(store, seed: int = 0) -> dict[str, pd.DataFrame]:
    """Return ``{'income', 'balance', 'cash_flow', 'indicator', 'valuation'}`` frames for the
    stocks of ``store`` (write them with :func:`jqlite.data.fundamentals.write_fundamentals`)."""
    rng = np.random.default_rng(seed)
    sec = store.securities
    stock_mask = (sec["type"].to_numpy() == "stock")
    idx = np.flatnonzero(stock_mask)
    codes = store.codes[idx]
    n = len(idx)
    close_all = store.field("close")
    close = close_all[:, idx]
    money = store.field("money")[:, idx]
    logcap, quality, growth = _latents(store, seed, idx, close, money)
    float_frac = rng.uniform(0.5, 1.0, n)
    # ---- shares: base count, multiplied by the scale factor on every bonus-share ex-date
    with np.errstate(invalid="ignore"):
        mean_close = np.nanmean(close, axis=0)
    mean_close = np.where(np.isfinite(mean_close), mean_close, 10.0)
    base_shares = np.round(np.exp(logcap) / mean_close / float_frac / 1e4) * 1e4
    base_shares = np.maximum(base_shares, 1e7)
    nd = store.n_days
    scale = np.ones((nd, n))
    x = store.table("xrxd")
    pos = {c: k for k, c in enumerate(codes)}
    for c, d, s in zip(x["code"], x["date"], x["scale_factor"]):
        k = pos.get(c)
        if k is not None and s > 1:
            i = store.day_index(d, "left")
            if i < nd:
                scale[i, k] *= s
    scale = np.cumprod(scale, axis=0)
    # normalise so the average share count matches the size target
    scale /= np.nanmean(np.where(np.isnan(close), np.nan, scale), axis=0).clip(1e-9)
    shares = np.round(base_shares[None, :] * scale / 1e4) * 1e4      # (nd, n) shares

    # ---- quarters
    first_year = store.dates[0].year - 1
    last_q = F.quarter_number([store.dates[-1]])[0] - 1
    q = np.arange(first_year * 4, last_q + 1)
    nq = len(q)
    qe = F.quarter_end(q)
    qe_idx = np.clip(np.searchsorted(store._dates_i8, qe.values.astype("datetime64[D]").astype(np.int64),
                                     side="right") - 1, 0, nd - 1)
    sh_q = shares[qe_idx]                                               # (nq, n)
    t_years = (q - q[0]) / 4.0
    g = 0.08 + 0.08 * growth
    ps = np.exp(rng.normal(np.log(2.5), 0.5, n) + 0.3 * quality)
    noise = lambda s: np.exp(rng.normal(0, s, (nq, n)))
    # ---- levels (generator 8): each stock has a target PE and PB drawn around its SW L1
    # industry's real levels (_SW_LEVELS); revenue, profit and equity follow the company's
    # market cap (the mean of the 120 trading days before each quarter end, extended before
    # the listing with the growth rate), so that TTM PE ~ the target and PB ~ its target at
    # any time, and ROE = PB / PE by identity.  Loss-making spells (6-12 quarters) give the
    # industry's share of negative PE.  Own random stream: the draws above keep their values.
    r3 = np.random.default_rng(seed + 13)
    sw = _sw_l1_names(store, codes)
    lv = np.array([_SW_LEVELS.get(s_, _ALL_LEVELS) for s_ in sw], dtype=float)      # (n, 5)
    z1, z2, z3 = r3.standard_normal((3, n))
    qz = (quality - quality.mean()) / (quality.std() + 1e-9)
    # 0.8 x the measured spread: the measured one also holds the time variation, which the
    # price moves around the smoothed cap add back here
    # _LEVEL_SCALE: the sample's own price cycles (see _LEVEL_SCALE)
    pe_t = _LEVEL_SCALE * np.exp(np.log(lv[:, 0]) + 0.8 * lv[:, 1] * z1)
    pb_t = _LEVEL_SCALE * np.exp(np.log(lv[:, 3]) + 0.8 * lv[:, 4] * (0.44 * z1 + 0.6 * qz + 0.67 * z2))
    ps = np.minimum(ps, 0.45 * pe_t)            # net margin ps / pe at most 45 %
    mcap = np.where(np.isnan(close), np.nan, close * shares)                        # yuan
    ok_ = ~np.isnan(mcap)
    cs = np.vstack([np.zeros((1, n)), np.cumsum(np.where(ok_, mcap, 0.0), axis=0)])
    cn = np.vstack([np.zeros((1, n)), np.cumsum(ok_, axis=0)])
    lo_ = np.maximum(qe_idx - 119, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        capq = (cs[qe_idx + 1] - cs[lo_]) / (cn[qe_idx + 1] - cn[lo_])                # (nq, n)
    # before the first traded quarter: the first value discounted by the growth rate; after
    # the last one (delisted): the last value
    for j in range(n):
        col = capq[:, j]
        have = np.flatnonzero(np.isfinite(col))
        if not len(have):
            col[:] = np.exp(logcap[j])
            continue
        a, b = have[0], have[-1]
        col[:a] = col[a] * np.exp(-g[j] * (t_years[a] - t_years[:a]))
        col[b + 1:] = col[b]
    rev = capq / ps[None, :] / 4.0 * _SEASON[q % 4][:, None] * noise(0.06)
    gm = np.clip(0.26 + 0.07 * quality + rng.normal(0, 0.02, n), 0.05, 0.8)[None, :] * noise(0.03)
    # loss spells: a stock is in one with probability share x nq / 9 (9 quarters on average)
    p_loss = np.clip(np.clip(lv[:, 2], 0.0, 20.0) / 100.0 * nq / 9.0, 0.0, 1.0)
    w_len = r3.integers(6, 13, n)
    w_start = np.floor(r3.uniform(-w_len + 1, nq, n)).astype(int)
    in_loss = (r3.uniform(size=n) < p_loss)[None, :] & (np.arange(nq)[:, None] >= w_start[None, :]) \
        & (np.arange(nq)[:, None] < (w_start + w_len)[None, :])
    m_net = np.where(in_loss, -r3.uniform(0.03, 0.25, n)[None, :], (ps / pe_t)[None, :]) \
        * np.exp(r3.normal(0, 0.08, (nq, n)))        # net margin (parent net profit / revenue)
    inc = {}
    inc["total_operating_revenue"] = rev
    inc["operating_revenue"] = rev
    inc["interest_income"] = np.zeros_like(rev)
    inc["premiums_earned"] = np.zeros_like(rev)
    inc["operating_cost"] = rev * (1 - gm)
    inc["interest_expense"] = rev * 0.002
    inc["commission_expense"] = rev * 0.001
    inc["operating_tax_surcharges"] = rev * 0.01
    inc["sale_expense"] = rev * 0.06 * noise(0.1)
    inc["administration_expense"] = rev * 0.05 * noise(0.1)
    inc["rd_expenses"] = rev * 0.03 * noise(0.1)
    inc["financial_expense"] = rev * 0.01 * noise(0.2)
    inc["interest_cost_fin"] = inc["financial_expense"] * 1.2
    inc["interest_income_fin"] = inc["financial_expense"] * 0.2
    inc["asset_impairment_loss"] = rev * 0.004 * noise(0.5)
    inc["credit_impairment_loss"] = np.where(q[:, None] >= 2019 * 4, rev * 0.002 * noise(0.5), 0.0)
    inc["total_operating_cost"] = sum(inc[k] for k in (
        "operating_cost", "interest_expense", "commission_expense", "operating_tax_surcharges",
        "sale_expense", "administration_expense", "rd_expenses", "financial_expense",
        "asset_impairment_loss"))
    inc["investment_income"] = rev * 0.01 * noise(0.5)
    inc["invest_income_associates"] = inc["investment_income"] * 0.5
    inc["fair_value_variable_income"] = rev * 0.002 * rng.normal(0, 1, (nq, n))
    inc["other_income"] = rev * 0.002
    inc["operating_profit"] = (rev - inc["total_operating_cost"] - inc["credit_impairment_loss"]
                               + inc["investment_income"] + inc["fair_value_variable_income"]
                               + inc["other_income"])
    inc["non_operating_revenue"] = rev * 0.002
    inc["non_operating_expense"] = rev * 0.001
    mi = rng.uniform(0.0, 0.12, n)[None, :]
    # the operating cost (or, for a loss below a gross margin of gm, the impairment) that
    # gives the target net margin: parent net profit = m_net x revenue
    tp_target = m_net * rev / (1 - mi)
    tp_target = np.where(tp_target > 0, tp_target / 0.8, tp_target)     # before the 20 % tax
    op_target = tp_target - inc["non_operating_revenue"] + inc["non_operating_expense"]
    opc = rev - inc["credit_impairment_loss"] + inc["investment_income"] + inc["fair_value_variable_income"] \
        + inc["other_income"] - (inc["total_operating_cost"] - inc["operating_cost"]) - op_target
    opc_max = rev * (1 - gm)
    inc["asset_impairment_loss"] = inc["asset_impairment_loss"] + np.maximum(opc - opc_max, 0.0)
    inc["operating_cost"] = np.minimum(opc, opc_max)
    inc["total_operating_cost"] = sum(inc[k] for k in (
        "operating_cost", "interest_expense", "commission_expense", "operating_tax_surcharges",
        "sale_expense", "administration_expense", "rd_expenses", "financial_expense",
        "asset_impairment_loss"))
    inc["operating_profit"] = (rev - inc["total_operating_cost"] - inc["credit_impairment_loss"]
                               + inc["investment_income"] + inc["fair_value_variable_income"]
                               + inc["other_income"])
    inc["total_profit"] = inc["operating_profit"] + inc["non_operating_revenue"] - inc["non_operating_expense"]
    inc["income_tax_expense"] = np.maximum(inc["total_profit"], 0) * 0.2
    inc["net_profit"] = inc["total_profit"] - inc["income_tax_expense"]
    inc["minority_profit"] = inc["net_profit"] * mi
    inc["np_parent_company_owners"] = inc["net_profit"] - inc["minority_profit"]
    inc["basic_eps"] = inc["np_parent_company_owners"] / sh_q
    inc["diluted_eps"] = inc["basic_eps"]
    inc["total_composite_income"] = inc["net_profit"]
    inc["ci_parent_company_owners"] = inc["np_parent_company_owners"]
    inc["ci_minority_owners"] = inc["minority_profit"]

    # ---- balance sheet
    # equity from the PB target (parent equity = cap / pb), assets from the leverage
    _turn = rng.normal(0.7, 0.15, n)          # (asset turnover of generator <= 7: draw kept)
    lev_c = np.array([_SW_LEVERAGE.get(s_, 0.5) for s_ in sw])
    lev_sd = np.where(lev_c > 0.75, 0.02, 0.1)
    lev = np.clip(lev_c - 0.08 * quality * lev_sd / 0.1 + rng.normal(0, 1, n) * lev_sd, 0.1, 0.95)[None, :] \
        * noise(0.02)
    lev = np.clip(lev, 0.05, 0.96)
    te = capq / pb_t[None, :] / (1 - mi) * noise(0.02)
    ta = te / (1 - lev)
    tl = ta - te
    bal = {"total_assets": ta, "total_liability": tl, "total_owner_equities": te,
           "total_sheet_owner_equities": ta}
    tca = ta * np.clip(rng.normal(0.55, 0.1, n), 0.2, 0.85)[None, :]
    bal["total_current_assets"] = tca
    bal["total_non_current_assets"] = ta - tca
    cash_frac = np.clip(rng.normal(0.25, 0.06, n), 0.08, 0.5)[None, :] * noise(0.05)
    bal["cash_equivalents"] = tca * cash_frac

    def split(total, fracs, into):
        w = {k: v * np.exp(rng.normal(0, 0.2, (1, n))) * noise(0.05) for k, v in fracs.items()}
        s = sum(w.values())
        for k, v in w.items():
            into[k] = total * v / s
    split(tca - bal["cash_equivalents"], _CUR_ASSETS, bal)
    split(ta - tca, _NONCUR_ASSETS, bal)
    tcl = tl * np.clip(rng.normal(0.65, 0.1, n), 0.3, 0.95)[None, :]
    bal["total_current_liability"] = tcl
    bal["total_non_current_liability"] = tl - tcl
    split(tcl, _CUR_LIAB, bal)
    split(tl - tcl, _NONCUR_LIAB, bal)
    bal["minority_interests"] = te * mi
    ep = te - bal["minority_interests"]
    bal["equities_parent_company_owners"] = ep
    has_oet = (rng.uniform(size=n) < 0.05)[None, :]
    bal["other_equity_tools"] = np.where(has_oet, ep * 0.05, 0.0)
    bal["perpetual_bonds_equity"] = bal["other_equity_tools"]
    bal["preferred_shares_equity"] = np.zeros_like(ep)
    rest0 = ep - bal["other_equity_tools"]
    paid = np.minimum(sh_q.astype(float), rest0 * 0.5)
    bal["paidin_capital"] = paid
    rest = rest0 - paid
    bal["capital_reserve_fund"] = rest * 0.35
    bal["surplus_reserve_fund"] = rest * 0.15
    bal["retained_profit"] = rest * 0.5

    # ---- cash flow (single quarter), cash balance from the balance sheet
    cf = {}
    cash_end = bal["cash_equivalents"] * 0.95
    prev_end = np.vstack([cash_end[:1] / 1.02, cash_end[:-1]])
    cf["cash_and_equivalents_at_end"] = cash_end
    cf["cash_equivalents_at_beginning"] = np.zeros_like(cash_end)  # filled after YTD below
    cf["cash_equivalent_increase"] = cash_end - prev_end
    cf["net_operate_cash_flow"] = inc["net_profit"] * (1.1 + rng.normal(0, 0.3, (nq, n)))
    cf["goods_sale_and_service_render_cash"] = rev * 1.1 * noise(0.03)
    cf["subtotal_operate_cash_inflow"] = cf["goods_sale_and_service_render_cash"] * 1.02
    cf["subtotal_operate_cash_outflow"] = cf["subtotal_operate_cash_inflow"] - cf["net_operate_cash_flow"]
    cf["fix_intan_other_asset_acqui_cash"] = rev * 0.05 * noise(0.2)
    cf["net_invest_cash_flow"] = -cf["fix_intan_other_asset_acqui_cash"] + rev * 0.01 * rng.normal(0, 1, (nq, n))
    cf["net_finance_cash_flow"] = (cf["cash_equivalent_increase"] - cf["net_operate_cash_flow"]
                                   - cf["net_invest_cash_flow"])
    cf["fixed_assets_depreciation"] = bal["fixed_assets"] * 0.02
    cf["intangible_assets_amortization"] = bal["intangible_assets"] * 0.025
    cf["defferred_expense_amortization"] = bal["long_deferred_expense"] * 0.05

    # ---- the remaining JoinQuant columns (own random stream: the columns above keep their
    # values).  Items of banks / insurers / brokers (lend_capital, insurance_contract_reserves,
    # premiums ...) are 0 for the sample's companies; new-standard items (IFRS 9 from 2019,
    # revenue standard from 2020, leases from 2021) are carved out of the "other" buckets, so
    # every total still equals the sum of its items; cash-flow sub-items split their subtotals.
    r2 = np.random.default_rng(seed + 7)
    zero = np.zeros((nq, n))
    after = lambda year: (q[:, None] >= year * 4)
    for k in ("settlement_provi", "lend_capital", "insurance_receivables", "reinsurance_receivables",
              "reinsurance_contract_reserves_receivable", "bought_sellback_assets", "loan_and_advance",
              "borrowing_from_centralbank", "deposit_in_interbank", "borrowing_capital",
              "sold_buyback_secu_proceeds", "commission_payable", "reinsurance_payables",
              "insurance_contract_reserves", "proxy_secu_proceeds", "receivings_from_vicariously_sold_securities",
              "settlement_provi_other", "ordinary_risk_reserve_fund", "treasury_stock",
              "foreign_currency_report_conv_diff", "fixed_assets_liquidation", "oil_gas_assets"):
        bal[k] = zero
    oca, onca = bal["other_current_assets"], bal["other_non_current_assets"]
    bal["non_current_asset_in_one_year"] = oca * 0.10
    bal["contract_assets"] = np.where(after(2020), oca * 0.20, 0.0)
    bal["receivable_fin"] = np.where(after(2019), oca * 0.10, 0.0)
    bal["other_current_assets"] = oca - bal["non_current_asset_in_one_year"] - bal["contract_assets"] \
        - bal["receivable_fin"]
    bio = (r2.uniform(size=n) < 0.05)[None, :]
    bal["biological_assets"] = np.where(bio, onca * 0.2, 0.0)
    bal["longterm_receivable_account"] = onca * 0.05
    bal["bond_invest"] = np.where(after(2019), onca * 0.04, 0.0)
    bal["other_bond_invest"] = np.where(after(2019), onca * 0.03, 0.0)
    bal["other_equity_tools_invest"] = np.where(after(2019), onca * 0.06, 0.0)
    bal["other_non_current_financial_assets"] = np.where(after(2019), onca * 0.05, 0.0)
    bal["usufruct_assets"] = np.where(after(2021), onca * 0.08, 0.0)
    bal["other_non_current_assets"] = onca - sum(bal[k] for k in (
        "biological_assets", "longterm_receivable_account", "bond_invest", "other_bond_invest",
        "other_equity_tools_invest", "other_non_current_financial_assets", "usufruct_assets"))
    ocl, oncl = bal["other_current_liability"], bal["other_non_current_liability"]
    bal["trading_liability"] = ocl * 0.05
    bal["contract_liability"] = np.where(after(2020), ocl * 0.40, 0.0)
    bal["other_current_liability"] = ocl - bal["trading_liability"] - bal["contract_liability"]
    bal["longterm_account_payable"] = oncl * 0.20
    bal["specific_account_payable"] = oncl * 0.05
    bal["deferred_earning"] = oncl * 0.15
    bal["lease_liability"] = np.where(after(2021), oncl * 0.20, 0.0)
    bal["other_non_current_liability"] = oncl - sum(bal[k] for k in (
        "longterm_account_payable", "specific_account_payable", "deferred_earning", "lease_liability"))
    rp = bal["retained_profit"]
    bal["specific_reserves"] = rp * 0.01
    bal["other_comprehensive_income"] = rp * 0.02 * r2.normal(0, 1, (nq, n))
    bal["retained_profit"] = rp - bal["specific_reserves"] - bal["other_comprehensive_income"]
    for k in ("commission_income", "refunded_premiums", "net_pay_insurance_claims",
              "withdraw_insurance_contract_reserve", "policy_dividend_payout", "reinsurance_cost",
              "exchange_income", "asset_disposal_income", "other_composite_income"):
        inc[k] = zero
    inc["disposal_loss_non_current_liability"] = inc["non_operating_expense"] * 0.3
    # cash flow: operating outflow items; investing and financing inflows / outflows whose
    # nets are the stored net_invest_cash_flow / net_finance_cash_flow
    out_op = cf["subtotal_operate_cash_outflow"]
    cf["goods_and_services_cash_paid"] = out_op * 0.70
    cf["staff_behalf_paid"] = out_op * 0.15
    cf["tax_payments"] = out_op * 0.10
    cf["tax_levy_refund"] = cf["subtotal_operate_cash_inflow"] * 0.005
    cf["net_deposit_increase"] = zero
    acq = cf["fix_intan_other_asset_acqui_cash"]
    xi = cf["net_invest_cash_flow"] + acq                 # = rev * 0.01 * N(0, 1)
    cf["invest_cash_paid"] = rev * 0.03 + np.maximum(0.0, -xi)
    cf["subtotal_invest_cash_outflow"] = acq + cf["invest_cash_paid"]
    cf["subtotal_invest_cash_inflow"] = cf["net_invest_cash_flow"] + cf["subtotal_invest_cash_outflow"]
    cf["invest_withdrawal_cash"] = cf["subtotal_invest_cash_inflow"] * 0.6
    cf["invest_proceeds"] = cf["subtotal_invest_cash_inflow"] * 0.3
    cf["fix_intan_other_asset_dispo_cash"] = cf["subtotal_invest_cash_inflow"] * 0.1
    div = np.maximum(inc["net_profit"], 0.0) * 0.3 + inc["interest_expense"]
    base_rep = rev * 0.05
    cf["borrowing_repayment"] = base_rep + np.maximum(0.0, -(cf["net_finance_cash_flow"] + base_rep + div))
    cf["dividend_interest_payment"] = div
    cf["subtotal_finance_cash_outflow"] = cf["borrowing_repayment"] + div
    cf["subtotal_finance_cash_inflow"] = cf["net_finance_cash_flow"] + cf["subtotal_finance_cash_outflow"]
    cf["cash_from_borrowing"] = cf["subtotal_finance_cash_inflow"] * 0.8
    cf["cash_from_bonds_issue"] = cf["subtotal_finance_cash_inflow"] * 0.1
    cf["cash_from_invest"] = cf["subtotal_finance_cash_inflow"] * 0.1
    cf["exchange_rate_change_effect"] = zero

    # ---- indicator (single quarter, percent)
    ind = {}
    prev = lambda a: np.vstack([np.full((1, n), np.nan), a[:-1]])
    lag4 = lambda a: np.vstack([np.full((4, n), np.nan), a[:-4]])
    npp = inc["np_parent_company_owners"]
    avg_ep = (ep + np.where(np.isnan(prev(ep)), ep, prev(ep))) / 2
    avg_ta = (ta + np.where(np.isnan(prev(ta)), ta, prev(ta))) / 2
    pct = lambda a, b: a / b * 100.0
    ind["eps"] = npp / sh_q
    ind["adjusted_profit"] = npp - np.abs(npp) * 0.05 * rng.normal(0, 1, (nq, n))
    ind["operating_profit"] = rev - inc["total_operating_cost"]
    ind["value_change_profit"] = inc["fair_value_variable_income"] + inc["investment_income"]
    ind["roe"] = pct(npp, avg_ep)
    ind["inc_return"] = pct(ind["adjusted_profit"], avg_ep)
    ind["roa"] = pct(inc["net_profit"], avg_ta)
    ind["net_profit_margin"] = pct(inc["net_profit"], rev)
    ind["gross_profit_margin"] = pct(rev - inc["operating_cost"], rev)
    ind["expense_to_total_revenue"] = pct(inc["total_operating_cost"], rev)
    ind["operation_profit_to_total_revenue"] = pct(inc["operating_profit"], rev)
    ind["net_profit_to_total_revenue"] = pct(inc["net_profit"], rev)
    ind["operating_expense_to_total_revenue"] = pct(inc["sale_expense"], rev)
    ind["ga_expense_to_total_revenue"] = pct(inc["administration_expense"], rev)
    ind["financing_expense_to_total_revenue"] = pct(inc["financial_expense"], rev)
    ind["operating_profit_to_profit"] = pct(ind["operating_profit"], inc["total_profit"])
    ind["invesment_profit_to_profit"] = pct(ind["value_change_profit"], inc["total_profit"])
    ind["adjusted_profit_to_profit"] = pct(ind["adjusted_profit"], npp)
    ind["goods_sale_and_service_to_revenue"] = pct(cf["goods_sale_and_service_render_cash"], rev)
    ind["ocf_to_revenue"] = pct(cf["net_operate_cash_flow"], rev)
    ind["ocf_to_operating_profit"] = pct(cf["net_operate_cash_flow"], ind["operating_profit"])
    for name, a in (("total_revenue", rev), ("revenue", inc["operating_revenue"]),
                    ("operation_profit", inc["operating_profit"]), ("net_profit", inc["net_profit"]),
                    ("net_profit_to_shareholders", npp)):
        with np.errstate(divide="ignore", invalid="ignore"):
            ind[f"inc_{name}_year_on_year"] = (a / lag4(a) - 1) * np.sign(lag4(a)) * 100
            ind[f"inc_{name}_annual"] = (a / prev(a) - 1) * np.sign(prev(a)) * 100

    # ---- YTD for income / cash flow
    year = q // 4
    def ytd(a):
        out = a.copy()
        for k in range(1, nq):
            same = year[k] == year[k - 1]
            if same:
                out[k] = out[k - 1] + a[k]
        return out
    first_full = np.flatnonzero(q % 4 == 0)
    start = int(first_full[0]) if len(first_full) else 0   # begin at a Q1 so YTD is complete
    inc_ytd = {k: ytd(v) for k, v in inc.items() if k not in ("basic_eps", "diluted_eps")}
    inc_ytd["basic_eps"] = inc_ytd["np_parent_company_owners"] / sh_q
    inc_ytd["diluted_eps"] = inc_ytd["basic_eps"]
    stock_items = set(F.STOCK_ITEMS["cash_flow"])
    cf_ytd = {k: (v if k in stock_items else ytd(v)) for k, v in cf.items()}
    cf_ytd["cash_equivalents_at_beginning"] = cash_end - cf_ytd["cash_equivalent_increase"]

    # ---- announcement dates
    k4 = q % 4
    lo = np.array([25, 30, 22, 60])[k4]
    hi = np.array([30, 61, 30, 118])[k4]
    lag_days = lo[:, None] + np.floor(rng.uniform(size=(nq, n)) * (hi - lo + 1)[:, None]).astype(int)
    qe_days = qe.values.astype("datetime64[D]").astype(np.int64)
    pub = qe_days[:, None] + lag_days
    # an annual report never comes after the next Q1 report
    for k in range(nq):
        if k4[k] == 0 and k >= 1:
            pub[k] = np.maximum(pub[k], pub[k - 1])
    # ---- financial companies (generator 9): banks, brokers and insurers do not split their
    # balance sheets into current / non-current, so JoinQuant's balance table leaves these
    # four subtotals empty for them (jq_factors.md §11: 000001.XSHE current_ratio is NaN).
    # Their items are kept (total_assets still = total_liability + total_owner_equities).
    fin = np.isin(sw, _UNSPLIT_BALANCE_L1)[None, :]
    for k in _UNSPLIT_BALANCE_TOTALS:
        bal[k] = np.where(fin, np.nan, bal[k])
    # ---- long frames: rows (quarter, stock) for quarters the company existed and published
    end = sec["end_date"].to_numpy()[idx].astype("datetime64[D]").astype(np.int64)
    listed_start = sec["start_date"].to_numpy()[idx].astype("datetime64[D]").astype(np.int64)
    valid = (np.arange(nq)[:, None] >= start) & (qe_days[:, None] <= end[None, :]) \
        & (pub <= store._dates_i8[-1]) & (qe_days[:, None] >= listed_start[None, :] - 3 * 365)
    qi, si = np.nonzero(valid)
    key = {"code": codes[si], "statDate": qe[qi], "pubDate": pub[qi, si].astype("datetime64[D]")}

    def frame(d, table):
        cols = {k: v[qi, si] for k, v in d.items() if k in F.STORABLE[table]}
        return pd.DataFrame({**key, **cols})
    out = {"income": frame(inc_ytd, "income"), "balance": frame(bal, "balance"),
           "cash_flow": frame(cf_ytd, "cash_flow"), "indicator": frame(ind, "indicator")}

    # ---- valuation from prices and point-in-time statements
    vol = store.field("volume")[:, idx]
    cap_sh = shares
    fl_sh = np.round(cap_sh * float_frac[None, :] / 1e4) * 1e4
    mc = close * cap_sh / 1e8
    # free float (自由流通): the float less strategic holders, 55-95 % of it per stock
    free_sh = np.round(fl_sh * np.random.default_rng(seed + 11).uniform(0.55, 0.95, n)[None, :] / 1e4) * 1e4
    # dividend_ratio (股息率, %): cash dividends of the last 365 days (ex-date, per share) / close
    cash_ps = np.zeros((nd, n))
    for c, d, b in zip(x["code"], x["date"], x["bonus_pre_tax"]):
        k = pos.get(c)
        if k is not None and b > 0:
            i = store.day_index(d, "left")
            if i < nd:
                cash_ps[i, k] += b / 10.0
    cum = np.cumsum(cash_ps, axis=0)
    day_i8 = store._dates_i8
    lag = np.searchsorted(day_i8, day_i8 - 365, side="right") - 1
    trailing = cum - np.where(lag[:, None] >= 0, cum[np.clip(lag, 0, None)], 0.0)
    # (per-share amounts of earlier events are not re-scaled for later bonus shares: small)
    val_div = np.where(close > 0, trailing / close * 100.0, np.nan)
    val = {"capitalization": cap_sh / 1e4, "circulating_cap": fl_sh / 1e4, "market_cap": mc,
           "free_cap": free_sh / 1e4, "free_market_cap": close * free_sh / 1e8, "dividend_ratio": val_div,
           "circulating_market_cap": close * fl_sh / 1e8, "a_cap": fl_sh / 1e4,
           "a_market_cap": close * fl_sh / 1e8,
           "turnover_ratio": vol / fl_sh * 100.0}

    class _S:   # store view restricted to the stock columns, for the PIT helper
        pass
    sv = _S()
    sv.codes, sv.n_securities, sv.n_days, sv._dates_i8 = codes, n, nd, store._dates_i8
    inc_st = F._Statement("income", out["income"], sv)
    cf_st = F._Statement("cash_flow", out["cash_flow"], sv)
    bal_st = F._Statement("balance", out["balance"], sv)
    ttm = lambda st, c: st.on_days(*st.ttm(c))
    with np.errstate(divide="ignore", invalid="ignore"):
        val["pe_ratio"] = mc * 1e8 / ttm(inc_st, "np_parent_company_owners")
        val["ps_ratio"] = mc * 1e8 / ttm(inc_st, "total_operating_revenue")
        val["pcf_ratio"] = mc * 1e8 / ttm(cf_st, "cash_equivalent_increase")
        val["pcf_ratio2"] = mc * 1e8 / ttm(cf_st, "net_operate_cash_flow")
        book = bal_st.on_days(bal_st.raw("equities_parent_company_owners"), bal_st.pub_idx) \
            - bal_st.on_days(bal_st.raw("other_equity_tools"), bal_st.pub_idx)
        val["pb_ratio"] = mc * 1e8 / book
        # static PE: the latest annual report visible
        lq = inc_st.latest_q.astype(np.int64)
        tq = lq - ((lq + inc_st.q0) % 4 + 1) % 4
        ok = (lq >= 0) & (tq >= 0)
        y = inc_st.raw("np_parent_company_owners")
        tqc = np.where(ok, tq, 0)
        sidx = np.broadcast_to(np.arange(n), lq.shape)
        ann = np.where(ok & (inc_st.pub_idx[sidx, tqc] <= np.arange(nd)[:, None]), y[sidx, tqc], np.nan)
        val["pe_ratio_lyr"] = mc * 1e8 / ann
    di, sj = np.nonzero(~np.isnan(close))
    vframe = {"day": store.dates[di], "code": codes[sj]}
    for k, v in val.items():
        vframe[k] = np.round(v[di, sj], 4)
    vframe["market_cap"] = (close * cap_sh / 1e8)[di, sj]   # exact, not rounded
    out["valuation"] = pd.DataFrame(vframe)
    return out


def write_sample_fundamentals(store_path, seed: int = 0):
    """Generate sample fundamentals for the store at ``store_path`` and write them into it."""
    from .store import Store
    st = Store(store_path)
    return F.write_fundamentals(store_path, generate_sample_fundamentals(st, seed=seed))
