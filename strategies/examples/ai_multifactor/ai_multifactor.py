# -*- coding: utf-8 -*-
# AI 多因子选股 (seed 002, 可运行的简化版): 预测未来 1-3 天涨幅 >= 10 % 的概率并排序
#
# A JoinQuant strategy file (no jqlite import): paste it into JoinQuant as it is, or run it locally
#   jqlite backtest strategies/examples/ai_multifactor/ai_multifactor.py \
#       --start 2023-01-03 --end 2023-12-29 --cash 1000000 --seed 7
#
# Seed 002 asks for tick / order-book factors, LLM-generated factors, CNN/LSTM/Transformer and
# XGBoost/LightGBM, walk-forward validation, judged by IC and the hit rate of 10 %+ gains.
# What this file does with the data a JoinQuant strategy can get (1-minute bars, daily bars):
#
#   1. factors per stock and day, known after that day's close:
#      * from the day's 240 one-minute bars -- PROXIES of the microstructure factors, named as such
#        (no tick or order-book data is used or exists here):
#          rv_1m          realised volatility: sqrt(sum of squared 1-minute log returns)
#          jump_share     (RV - bipower variation) / RV, clipped to [0, 1]: share of the day's
#                         variance from jumps (Barndorff-Nielsen & Shephard)
#          ofi_proxy      tick-rule order-flow imbalance: sum(sign(r) * volume) / sum(volume)
#          spread_proxy   mean (high - low) / mid of the 1-minute bars (range-based spread proxy)
#          late_vol_share volume of the last 30 minutes / day volume (intraday volume momentum)
#          pm_momentum    close / close at 14:00 - 1 (last-hour price momentum)
#          vwap_gap       close / day VWAP - 1
#      * from daily bars: 1/5/20-day returns, 20-day volatility, 5/20-day volume ratio, distance
#        to the 20-day high, 5-day mean of rv_1m
#      * extra_factors(): a hook returning more factor columns (empty here); replace it with your
#        own generator (a symbolic-regression search, an LLM proposing formulas, ...)
#      every factor is turned into its cross-sectional rank in [-0.5, 0.5] each day
#   2. target: the largest gain within the next 3 days, max(high[t+1..t+3]) / close[t] - 1
#      (as a cross-sectional rank; the 10 % event is what jqlib.evaluation judges)
#   3. models, retrained walk-forward every RETRAIN_EVERY trading days on the last TRAIN_DAYS
#      days whose 3-day outcome is known (no look-ahead):
#          LightGBM on the day's factors
#          a small LSTM (PyTorch) over the last SEQ_LEN days of factors (cuda when available)
#      score = mean of the two models' cross-sectional ranks
#   4. trading at 09:35: hold the TOP_N best-scored stocks of yesterday's factors, equal weight;
#      a stock leaves when it drops out of the top picks (after HOLD_DAYS days at least)
#
# The universe is the first N_STOCKS members (by code) of the CSI 300, so that a year runs in a
# few minutes on two cores; widen it in initialize.
from jqdata import *

import math

import numpy as np
import pandas as pd

try:
    import lightgbm as lgb
except ImportError:  # pragma: no cover - JoinQuant and jqlite[ml] ship it
    lgb = None
try:
    import torch
    import torch.nn as nn
except ImportError:  # the optional deep-learning extra: jqlite[dl]
    torch = None

INDEX = '000300.XSHG'
HORIZON = 3               # days t+1 .. t+3 of the target
MINUTE_FACTORS = ['rv_1m', 'jump_share', 'ofi_proxy', 'spread_proxy', 'late_vol_share',
                  'pm_momentum', 'vwap_gap']
DAILY_FACTORS = ['ret1', 'ret5', 'ret20', 'vol20', 'vol_ratio', 'dist_high20', 'rv_5d']

# models live at module level (not in g): they are rebuilt by the next retrain after a restart
_MODELS = {}


def initialize(context):
    set_benchmark(INDEX)
    set_option('use_real_price', True)
    set_order_cost(OrderCost(open_tax=0, close_tax=0.001, open_commission=0.0003,
                             close_commission=0.0003, close_today_commission=0,
                             min_commission=5), type='stock')
    set_slippage(PriceRelatedSlippage(0.002), type='stock')
    log.set_level('order', 'error')
    g.n_stocks = 60          # universe size (first members of INDEX by code)
    g.seq_len = 10           # LSTM input length (days)
    g.train_days = 120       # training window (days with a known outcome)
    g.retrain_every = 20     # trading days between retrains
    g.top_n = 5
    g.hold_days = 1
    g.lstm_hidden = 16
    g.lstm_epochs = 8
    g.lgb_rounds = 100
    g.factors = {}           # date -> DataFrame (stock x raw minute factors)
    g.scores = {}            # factor date -> Series of combined scores
    g.age = {}               # stock -> trading days held
    g.days_since_train = None
    run_daily(rebalance, time='09:35')


# ---------------------------------------------------------------------- factors
def extra_factors(minute, daily_close, daily_volume):
    """Hook for generated factors: return a dict name -> DataFrame (date x stock).

    ``minute`` is the 1-minute frame (columns time, code, open, close, high, low, volume, money),
    ``daily_close`` / ``daily_volume`` are date x stock frames. Replace this function with your own
    factor generator (a symbolic-regression search, formulas proposed by an LLM, ...); the
    names returned become model inputs. The default adds nothing.
    """
    return {}


def minute_factors(minute):
    """Per (day, stock) factors from 1-minute bars; returns a DataFrame indexed by (day, code)."""
    m = minute.sort_values(['code', 'time']).reset_index(drop=True)
    m['day'] = m['time'].dt.normalize()
    key = [m['code'], m['day']]
    lc = np.log(m['close'].astype(float))
    prev = lc.groupby(key).shift(1)
    r = (lc - prev).fillna(np.log(m['close'] / m['open']))
    m['r2'] = r ** 2
    m['bp'] = r.abs() * r.abs().groupby(key).shift(1).fillna(0.0)
    m['sv'] = np.sign(r) * m['volume']
    m['hl'] = (m['high'] - m['low']) / ((m['high'] + m['low']) / 2.0)
    hm = m['time'].dt.hour * 100 + m['time'].dt.minute
    m['late_v'] = m['volume'].where(hm > 1430, 0.0)
    m['c1400'] = m['close'].where(hm == 1400)
    gb = m.groupby(['day', 'code'], sort=True)
    agg = gb.agg(r2=('r2', 'sum'), bp=('bp', 'sum'), sv=('sv', 'sum'), vol=('volume', 'sum'),
                 money=('money', 'sum'), hl=('hl', 'mean'), late_v=('late_v', 'sum'),
                 c1400=('c1400', 'last'), close=('close', 'last'))
    out = pd.DataFrame(index=agg.index)
    rv2 = agg['r2']
    out['rv_1m'] = np.sqrt(rv2)
    bv = (math.pi / 2.0) * agg['bp']
    out['jump_share'] = ((rv2 - bv) / rv2.where(rv2 > 0)).clip(0.0, 1.0)
    vol = agg['vol'].where(agg['vol'] > 0)
    out['ofi_proxy'] = agg['sv'] / vol
    out['spread_proxy'] = agg['hl']
    out['late_vol_share'] = agg['late_v'] / vol
    out['pm_momentum'] = agg['close'] / agg['c1400'] - 1.0
    out['vwap_gap'] = agg['close'] / (agg['money'] / vol) - 1.0
    return out


def load_minute_factors(stocks, days):
    """Compute (and cache in g.factors) the minute factors of ``days`` (a list of dates)."""
    todo = [d for d in days if d not in g.factors]
    if not todo:
        return
    # one get_price call per block of consecutive missing days
    start = min(todo)
    n = len([d for d in days if d >= start])
    end_dt = pd.Timestamp(max(todo)).strftime('%Y-%m-%d') + ' 15:00:00'
    minute = get_price(stocks, end_date=end_dt, count=240 * n, frequency='1m',
                       fields=['open', 'close', 'high', 'low', 'volume', 'money'],
                       panel=False, skip_paused=False)
    minute = minute.dropna(subset=['close'])
    minute = minute[minute['volume'] > 0]
    fac = minute_factors(minute)
    got = set()
    for day, frame in fac.groupby(level=0):
        d = pd.Timestamp(day).date()
        if d in todo:
            g.factors[d] = frame.droplevel(0)
            got.add(d)
    for d in todo:
        if d not in got:
            log.warn('ai_multifactor: no 1-minute bars for %s, its minute factors are missing' % d)
            g.factors[d] = pd.DataFrame(columns=MINUTE_FACTORS, dtype=float)
    g.last_minute = minute if len(minute) else None


def prune_factor_cache(days):
    """Forget the cached minute factors of days outside ``days``."""
    keep = set(days)
    for d in list(g.factors):
        if d not in keep:
            del g.factors[d]


def xs_rank(df):
    """Cross-sectional rank of each row in [-0.5, 0.5] (NaN stays NaN)."""
    return df.rank(axis=1, pct=True) - 0.5


def build_panel(stocks, end_date, n_days):
    """Factor panel of the last ``n_days`` trading days up to ``end_date``.

    Returns (days, X, close, high): X is an array (n_days, n_stocks, n_factors) of cross-sectional
    ranks (NaN -> 0), close / high are date x stock frames (pre-adjusted, one call).
    """
    days = [d for d in get_trade_days(end_date=end_date, count=n_days)]
    load_minute_factors(stocks, days)
    extra = 25   # daily history before the panel for 20-day windows
    px = get_price(stocks, end_date=end_date, count=n_days + extra, frequency='daily',
                   fields=['close', 'high', 'volume'], fq='pre', panel=False, skip_paused=False)
    close = px.pivot(index='time', columns='code', values='close').reindex(columns=stocks)
    high = px.pivot(index='time', columns='code', values='high').reindex(columns=stocks)
    volume = px.pivot(index='time', columns='code', values='volume').reindex(columns=stocks)
    close.index = [pd.Timestamp(t).date() for t in close.index]
    high.index = close.index
    volume.index = close.index
    ret = close.pct_change(fill_method=None)
    feats = {}
    for name in MINUTE_FACTORS:
        feats[name] = pd.DataFrame({d: g.factors[d][name] if name in g.factors[d] else pd.Series(dtype=float)
                                    for d in days}).T.reindex(columns=stocks)
    feats['ret1'] = ret
    feats['ret5'] = close / close.shift(5) - 1
    feats['ret20'] = close / close.shift(20) - 1
    feats['vol20'] = ret.rolling(20).std()
    feats['vol_ratio'] = volume.rolling(5).mean() / volume.rolling(20).mean()
    feats['dist_high20'] = close / high.rolling(20).max() - 1
    feats['rv_5d'] = feats['rv_1m'].rolling(5, min_periods=3).mean()
    last_minute = getattr(g, 'last_minute', None)
    feats.update(extra_factors(last_minute, close, volume))
    names = sorted(feats)
    X = np.stack([xs_rank(feats[k].reindex(index=days, columns=stocks).astype(float)).values
                  for k in names], axis=-1)
    X = np.nan_to_num(X, nan=0.0).astype(np.float32)
    return days, X, close.reindex(days), high.reindex(days)


def target(close, high):
    """Largest gain within HORIZON days, max(high[t+1..t+h]) / close[t] - 1 (NaN at the end)."""
    best = pd.concat([high.shift(-k) for k in range(1, HORIZON + 1)]).groupby(level=0).max()
    best = best.reindex(close.index)
    return (best / close - 1.0).where(close.shift(-HORIZON).notna())


# ---------------------------------------------------------------------- models
if torch is not None:
    class SeqNet(nn.Module):
        """LSTM over (batch, seq_len, n_factors) -> one score per sequence."""

        def __init__(self, n_in, hidden):
            super(SeqNet, self).__init__()
            self.lstm = nn.LSTM(n_in, hidden, batch_first=True)
            self.head = nn.Linear(hidden, 1)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(out[:, -1, :]).squeeze(-1)


def sequences(X, idx, seq_len):
    """(len(idx) * n_stocks, seq_len, n_factors) windows ending at the days in ``idx``."""
    return np.concatenate([X[i - seq_len + 1:i + 1].transpose(1, 0, 2) for i in idx], axis=0)


def train_models(X, y, seq_len, params):
    """Fit LightGBM and the LSTM on the days i with a known target (y: (n_days, n_stocks))."""
    idx = [i for i in range(seq_len - 1, X.shape[0]) if np.isfinite(y[i]).sum() >= 5]
    models = {}
    yy = np.concatenate([y[i] for i in idx])
    ok = np.isfinite(yy)
    if lgb is not None:
        xt = np.concatenate([X[i] for i in idx])
        ds = lgb.Dataset(xt[ok], yy[ok])
        models['lgb'] = lgb.train(dict(objective='regression', learning_rate=0.05, num_leaves=15,
                                       min_data_in_leaf=40, feature_fraction=0.8, bagging_fraction=0.8,
                                       bagging_freq=1, seed=7, deterministic=True, num_threads=1,
                                       force_col_wise=True, verbose=-1),
                                  ds, num_boost_round=params['lgb_rounds'])
    if torch is not None:
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
        xs = torch.tensor(sequences(X, idx, seq_len)[ok], device=device)
        ys = torch.tensor(yy[ok].astype(np.float32), device=device)
        net = SeqNet(X.shape[2], params['lstm_hidden']).to(device)
        opt = torch.optim.Adam(net.parameters(), lr=3e-3)
        n = xs.shape[0]
        for _ in range(params['lstm_epochs']):
            perm = torch.randperm(n, device=device)
            for b in range(0, n, 256):
                j = perm[b:b + 256]
                opt.zero_grad()
                loss = ((net(xs[j]) - ys[j]) ** 2).mean()
                loss.backward()
                opt.step()
        net.eval()
        models['lstm'] = net
    return models


def predict(models, X, i, seq_len):
    """Combined score (mean of the models' cross-sectional ranks) of day i's stocks."""
    parts = []
    if 'lgb' in models:
        parts.append(pd.Series(models['lgb'].predict(X[i])).rank(pct=True).values)
    if 'lstm' in models:
        net = models['lstm']
        dev = next(net.parameters()).device
        with torch.no_grad():
            p = net(torch.tensor(sequences(X, [i], seq_len), device=dev)).cpu().numpy()
        parts.append(pd.Series(p).rank(pct=True).values)
    if not parts:
        raise RuntimeError('ai_multifactor: neither lightgbm nor torch is installed')
    return np.mean(parts, axis=0)


def params_of(ctx_g):
    return dict(lgb_rounds=ctx_g.lgb_rounds, lstm_hidden=ctx_g.lstm_hidden, lstm_epochs=ctx_g.lstm_epochs)


# ---------------------------------------------------------------------- trading
def universe(date):
    stocks = sorted(get_index_stocks(INDEX, date=date))
    return stocks[:g.n_stocks]


def rebalance(context):
    prev = context.previous_date
    if not hasattr(g, 'stocks'):
        g.stocks = universe(prev)      # fixed universe: the factor cache stays consistent
    stocks = g.stocks
    n_days = g.train_days + g.seq_len + HORIZON
    days, X, close, high = build_panel(stocks, prev, n_days)
    prune_factor_cache(days)
    if g.days_since_train is None or g.days_since_train >= g.retrain_every or not _MODELS:
        y = xs_rank(target(close, high)).values     # NaN where the outcome is not known yet
        _MODELS.clear()
        _MODELS.update(train_models(X, y, g.seq_len, params_of(g)))
        g.days_since_train = 0
        log.info('ai_multifactor: retrained %s on %d days up to %s' % (sorted(_MODELS), n_days, prev))
    g.days_since_train += 1
    score = pd.Series(predict(_MODELS, X, len(days) - 1, g.seq_len), index=stocks)
    g.scores[prev] = score
    # trade: hold the top picks that can trade today
    cd = get_current_data()
    picks = []
    for s in score.sort_values(ascending=False, kind='mergesort').index:
        if len(picks) >= g.top_n:
            break
        if not cd[s].paused and not cd[s].is_st:
            picks.append(s)
    for s in list(context.portfolio.positions):
        g.age[s] = g.age.get(s, 0) + 1
        if s not in picks and g.age[s] >= g.hold_days and not cd[s].paused:
            order_target_value(s, 0)
    for s in list(g.age):
        if s not in context.portfolio.positions:
            g.age.pop(s)
    value = context.portfolio.total_value / g.top_n
    for s in picks:
        if cd[s].last_price >= cd[s].high_limit:
            continue      # limit-up at 09:35: cannot buy
        order_target_value(s, value)
    record(n_pos=len(context.portfolio.positions))
