# -*- coding: utf-8 -*-
# 行业 ETF 轮动: GRU 因子融合 + 最大夏普比率组合优化 + 行业择时仓位 (seed 003, 简化版)
#
# A JoinQuant strategy file (no jqlite import). Monthly, on the first trading day:
#   1. features per ETF and day from its own bars: momentum (5/20/60 days), volatility (20),
#      volume ratio (5/60, a crowding measure), distance to the 20-day mean, RSI(14)
#   2. a small GRU (PyTorch) reads the last 20 days of features of every ETF and predicts the
#      next 20-day return; it is retrained each month on a rolling window of 500 days
#   3. weights: maximise the Sharpe ratio of the ETFs with a positive prediction (mean and
#      covariance of the last 120 days, long-only, at most 40 % each): jqlib.portfolio's
#      max_sharpe_weights (the convex form, solved by cvxpy: the global optimum) when jqlib is
#      there (jqlite), else -- on JoinQuant -- a scipy SLSQP search of the same problem
#   4. timing: total exposure = clip(0.5 + 25 * mean prediction, 0.2, 1.0)
from jqdata import *

import numpy as np
import pandas as pd
from scipy.optimize import minimize

try:
    from jqlib.portfolio import PortfolioError, max_sharpe_weights
except ImportError:  # on JoinQuant: no jqlib, the SLSQP search below
    max_sharpe_weights = None

try:
    import torch
    import torch.nn as nn
except ImportError:  # the optional deep-learning extra: jqlite[dl]
    torch = None

ETFS = ['510300.XSHG', '510500.XSHG', '510050.XSHG', '159915.XSHE', '512880.XSHG',
        '512010.XSHG', '159928.XSHE', '518880.XSHG']
SEQ = 20          # GRU input length (days)
HORIZON = 20      # predicted forward return (days)
WINDOW = 500      # training window (days)
N_FEAT = 7


def initialize(context):
    set_benchmark('510300.XSHG')
    set_option('use_real_price', True)
    set_order_cost(OrderCost(open_tax=0, close_tax=0, open_commission=0.0002,
                             close_commission=0.0002, close_today_commission=0,
                             min_commission=5), type='fund')
    set_slippage(FixedSlippage(0.002))
    log.set_level('order', 'error')
    g.etfs = ETFS
    g.max_weight = 0.4
    run_monthly(rebalance, 1, time='09:30')


def features(close, volume):
    """(n_days, N_FEAT) features of one ETF from its closes and volumes."""
    c = pd.Series(close)
    v = pd.Series(volume)
    ret = c.pct_change()
    delta = c.diff()
    up = delta.clip(lower=0).rolling(14).mean()
    down = (-delta.clip(upper=0)).rolling(14).mean()
    rsi = up / (up + down)
    f = pd.DataFrame({
        'mom5': c / c.shift(5) - 1,
        'mom20': c / c.shift(20) - 1,
        'mom60': c / c.shift(60) - 1,
        'vol20': ret.rolling(20).std() * np.sqrt(250),
        'crowd': v.rolling(5).mean() / v.rolling(60).mean() - 1,
        'bias20': c / c.rolling(20).mean() - 1,
        'rsi14': rsi - 0.5,
    })
    return f.values


def build_samples(panel_c, panel_v):
    """Sequences (n, SEQ, N_FEAT), targets (n,) and the latest sequence of each ETF."""
    xs, ys, last = [], [], {}
    for code in panel_c.columns:
        c = panel_c[code].values
        v = panel_v[code].values
        f = features(c, v)
        fwd = pd.Series(c).shift(-HORIZON).values / c - 1
        for t in range(SEQ + 60, len(c)):
            seq = f[t - SEQ + 1:t + 1]
            if not np.isfinite(seq).all():
                continue
            if t == len(c) - 1:
                last[code] = seq
            if np.isfinite(fwd[t]):
                xs.append(seq)
                ys.append(fwd[t])
    return np.array(xs, dtype=np.float32), np.array(ys, dtype=np.float32), last


if torch is not None:
    class GRUNet(nn.Module):
        def __init__(self, n_feat=N_FEAT, hidden=16):
            super(GRUNet, self).__init__()
            self.gru = nn.GRU(n_feat, hidden, batch_first=True)
            self.head = nn.Linear(hidden, 1)

        def forward(self, x):
            out, _ = self.gru(x)
            return self.head(out[:, -1, :]).squeeze(-1)


def train_and_predict(x, y, last):
    """Fit the GRU on (x, y) (features standardised) and predict each ETF's next return."""
    mu = x.reshape(-1, N_FEAT).mean(axis=0)
    sd = x.reshape(-1, N_FEAT).std(axis=0) + 1e-8
    xt = torch.tensor((x - mu) / sd)
    yt = torch.tensor(y * 10.0)
    net = GRUNet()
    opt = torch.optim.Adam(net.parameters(), lr=0.01)
    for epoch in range(15):
        perm = torch.randperm(len(xt))
        for i in range(0, len(xt), 256):
            idx = perm[i:i + 256]
            opt.zero_grad()
            loss = ((net(xt[idx]) - yt[idx]) ** 2).mean()
            loss.backward()
            opt.step()
    net.eval()
    with torch.no_grad():
        codes = sorted(last)
        xl = torch.tensor((np.array([last[c] for c in codes], dtype=np.float32) - mu) / sd)
        pred = net(xl).numpy() / 10.0
    return dict(zip(codes, pred))


def max_sharpe(returns, max_weight):
    """Long-only weights (sum 1, each <= max_weight) maximising mean/std of ``returns``."""
    mu = returns.mean().values
    cov = returns.cov().values
    n = len(mu)
    if n == 1:
        return np.array([1.0])
    if max_sharpe_weights is not None and (mu > 0).any():
        try:
            return max_sharpe_weights(mu, cov, max_weight=max(max_weight, 1.0 / n)).values
        except PortfolioError as e:
            log.warn('max_sharpe_weights failed (%s), using SLSQP' % e)
    return max_sharpe_slsqp(mu, cov, max_weight)


def max_sharpe_slsqp(mu, cov, max_weight):
    """The same problem by scipy's SLSQP from equal weights (a local search; JoinQuant fallback)."""
    n = len(mu)

    def neg_sharpe(w):
        return -(w @ mu) / np.sqrt(w @ cov @ w + 1e-12)
    res = minimize(neg_sharpe, np.full(n, 1.0 / n), method='SLSQP',
                   bounds=[(0.0, max(max_weight, 1.0 / n))] * n,
                   constraints=[{'type': 'eq', 'fun': lambda w: w.sum() - 1.0}])
    w = np.clip(res.x if res.success else np.full(n, 1.0 / n), 0, None)
    return w / w.sum()


def rebalance(context):
    if torch is None:
        log.warn('PyTorch 未安装, 跳过')
        return
    codes = [c for c in g.etfs
             if (context.previous_date - get_security_info(c).start_date).days > WINDOW * 1.5]
    px = get_price(codes, end_date=context.previous_date, count=WINDOW, fields=['close', 'volume'],
                   fq='pre', panel=False)
    panel_c = px.pivot(index='time', columns='code', values='close')
    panel_v = px.pivot(index='time', columns='code', values='volume')
    x, y, last = build_samples(panel_c, panel_v)
    if len(x) < 200 or not last:
        return
    pred = train_and_predict(x, y, last)
    g.pred = pred
    chosen = [c for c in sorted(pred, key=pred.get, reverse=True) if pred[c] > 0]
    exposure = float(np.clip(0.5 + 25 * np.mean(list(pred.values())), 0.2, 1.0))
    weights = {}
    if chosen:
        rets = panel_c[chosen].pct_change().iloc[-120:].dropna()
        w = max_sharpe(rets, g.max_weight)
        weights = dict(zip(chosen, w * exposure))
    g.weights = weights
    log.info('预测 %s 仓位 %.2f 权重 %s' % (dict((k, round(float(v), 4)) for k, v in pred.items()),
                                          exposure, dict((k, round(v, 3)) for k, v in weights.items())))
    total = context.portfolio.total_value
    for code in list(context.portfolio.positions.keys()):
        if code not in weights:
            order_target_value(code, 0)
    for code, w in sorted(weights.items(), key=lambda kv: kv[1]):
        order_target_value(code, total * w)
