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
#      * extra_factors(): the hook for generated factors. By default it returns the formulas of
#        the latest symbolic search -- gplearn's SymbolicTransformer over the factor ranks, fitted
#        at each retrain on the training window only, fitness = mean daily rank IC against the
#        target -- plus whatever llm_factors() returns (empty here: plug in a generator you own,
#        e.g. formulas an LLM proposed, evaluated on the day's data)
#      every factor is turned into its cross-sectional rank in [-0.5, 0.5] each day; the panel of
#      ranks is kept from day to day and only the new day is added (update_panel)
#   2. target: the largest gain within the next 3 days, max(high[t+1..t+3]) / close[t] - 1
#      (as a cross-sectional rank; the 10 % event is what jqlib.evaluation judges)
#   3. models, retrained walk-forward every RETRAIN_EVERY trading days on the last TRAIN_DAYS
#      days whose 3-day outcome is known (no look-ahead):
#          LightGBM and XGBoost on the day's factors
#          a small LSTM and a small Transformer encoder (PyTorch) over the last SEQ_LEN days of
#          factors (CPU by default, cuda when available)
#      score = mean of the models' cross-sectional ranks (rank average)
#   4. trading at 09:35: hold the TOP_N best-scored stocks of yesterday's factors, equal weight;
#      a stock leaves when it drops out of the top picks (after HOLD_DAYS days at least)
#
# Every random choice follows the run's --seed (numpy's generator is seeded by the engine; the
# models' own seeds are drawn from it in initialize).
# The universe is the first N_STOCKS members (by code) of the CSI 300, so that a year runs in a
# few minutes on two cores; widen it in initialize.
from jqdata import *

import contextlib
import math

import numpy as np
import pandas as pd

try:
    import lightgbm as lgb
except ImportError:  # pragma: no cover - JoinQuant and jqlite[ml] ship it
    lgb = None
try:
    import xgboost as xgb
except ImportError:  # pragma: no cover - JoinQuant and jqlite[ml] ship it
    xgb = None
try:
    from gplearn.genetic import SymbolicTransformer
    from gplearn.fitness import make_fitness
except ImportError:  # jqlite[ml] (gplearn >= 0.4.3); without it the symbolic search is skipped
    SymbolicTransformer = None
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
BASE_FACTORS = sorted(MINUTE_FACTORS + DAILY_FACTORS)
DAILY_EXTRA = 25          # daily bars before a day for its 20-day windows
GP_PREFIX = 'gp_'         # names of the symbolic-search factors

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
    g.seq_len = 10           # LSTM / Transformer input length (days)
    g.train_days = 120       # training window (days with a known outcome)
    g.retrain_every = 20     # trading days between retrains
    g.top_n = 5
    g.hold_days = 1
    g.lstm_hidden = 16
    g.lstm_epochs = 8
    g.tf_dim = 16            # Transformer width (2 heads, 1 layer)
    g.tf_epochs = 4
    g.lgb_rounds = 100
    g.xgb_rounds = 60
    g.gp_population = 200    # symbolic search: programs per generation
    g.gp_generations = 4
    g.gp_components = 3      # formulas kept as factors
    g.seed = int(np.random.randint(0, 2 ** 31 - 1))   # follows the run's --seed
    g.factors = {}           # date -> DataFrame (stock x raw minute factors)
    g.panel = {}             # date -> {factor name: array (n_stocks,) of ranks}
    g.gp_formulas = []       # formulas of the latest symbolic search
    g.scores = {}            # factor date -> Series of combined scores
    g.age = {}               # stock -> trading days held
    g.days_since_train = None
    run_daily(rebalance, time='09:35')


# ---------------------------------------------------------------------- factors
def llm_factors(minute, daily_close, daily_volume, panel):
    """Plug-in point for a factor generator you own (e.g. formulas proposed by an LLM).

    Same arguments and result as :func:`extra_factors`; the default adds nothing.
    """
    return {}


def extra_factors(minute, daily_close, daily_volume, panel):
    """Hook for generated factors: return a dict name -> DataFrame (date x stock).

    ``minute`` is the 1-minute frame of the day(s) being added (columns time, code, open, close,
    high, low, volume, money), ``daily_close`` / ``daily_volume`` are date x stock frames ending on
    that day (DAILY_EXTRA days before it at least), ``panel`` is a dict name -> DataFrame (date x
    stock) of the base factors' cross-sectional ranks on the day(s) being added. Rows of the
    result for those days become model inputs (ranked again across stocks).

    The default: the formulas of the latest symbolic search (:func:`symbolic_factors`) plus
    :func:`llm_factors`. Replace either with your own generator.
    """
    out = symbolic_factors(panel)
    out.update(llm_factors(minute, daily_close, daily_volume, panel))
    return out


def minute_factors(minute):
    """Per (day, stock) factors from 1-minute bars; returns a DataFrame indexed by (day, code).

    ``minute``: columns time, code, open, close, high, low, volume, money (one row per bar, any
    order, no NaN close). The bars of one (code, day) are reduced with numpy over contiguous
    groups (a pandas groupby of the same sums took 3.6x the CPU on 5 days x 60 stocks).
    """
    m = minute.sort_values(['code', 'time'], kind='mergesort')
    t = pd.DatetimeIndex(m['time'])
    day = t.normalize().values
    code = m['code'].values
    c = m['close'].to_numpy(dtype=float)
    o = m['open'].to_numpy(dtype=float)
    hi = m['high'].to_numpy(dtype=float)
    lo = m['low'].to_numpy(dtype=float)
    v = m['volume'].to_numpy(dtype=float)
    money = m['money'].to_numpy(dtype=float)
    n = len(c)
    first = np.ones(n, dtype=bool)                 # first bar of its (code, day) group
    if n > 1:
        first[1:] = (code[1:] != code[:-1]) | (day[1:] != day[:-1])
    starts = np.flatnonzero(first)
    gid = np.cumsum(first) - 1
    lc = np.log(c)
    r = np.empty(n)
    r[1:] = lc[1:] - lc[:-1]
    with np.errstate(divide='ignore', invalid='ignore'):
        r[first] = np.log(c[first] / o[first])      # the day's first bar: log(close / open)
    ar = np.abs(r)
    prev_ar = np.empty(n)
    prev_ar[1:] = ar[:-1]
    prev_ar[first] = 0.0
    hm = t.hour.values * 100 + t.minute.values
    with np.errstate(invalid='ignore', divide='ignore'):
        hl = (hi - lo) / ((hi + lo) / 2.0)

    def gsum(x):                                   # NaN-skipping sum per group
        return np.add.reduceat(np.where(np.isnan(x), 0.0, x), starts) if n else np.zeros(0)

    rv2 = gsum(r ** 2)
    bp = gsum(ar * prev_ar)
    sv = gsum(np.sign(r) * v)
    vol = gsum(v)
    mon = gsum(money)
    hl_n = gsum(np.isfinite(hl).astype(float))
    late_v = gsum(np.where(hm > 1430, v, 0.0))
    last = np.r_[starts[1:] - 1, n - 1].astype(np.int64)
    close = c[last]
    c1400 = np.full(len(starts), np.nan)
    at = np.flatnonzero((hm == 1400) & np.isfinite(c))
    c1400[gid[at]] = c[at]                         # the last 14:00 bar of each group
    with np.errstate(invalid='ignore', divide='ignore'):
        volp = np.where(vol > 0, vol, np.nan)
        out = pd.DataFrame({
            'rv_1m': np.sqrt(rv2),
            'jump_share': np.clip((rv2 - (math.pi / 2.0) * bp) / np.where(rv2 > 0, rv2, np.nan), 0.0, 1.0),
            'ofi_proxy': sv / volp,
            'spread_proxy': gsum(hl) / np.where(hl_n > 0, hl_n, np.nan),
            'late_vol_share': late_v / volp,
            'pm_momentum': close / c1400 - 1.0,
            'vwap_gap': close / (mon / volp) - 1.0,
        }, index=pd.MultiIndex.from_arrays([pd.DatetimeIndex(day[starts]), code[starts]], names=['day', 'code']))
    return out.sort_index()


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
    """Forget the cached minute factors and panel rows of days outside ``days``."""
    keep = set(days)
    for cache in (g.factors, g.panel):
        for d in list(cache):
            if d not in keep:
                del cache[d]


def xs_rank(df):
    """Cross-sectional rank of each row in [-0.5, 0.5] (NaN stays NaN)."""
    return df.rank(axis=1, pct=True) - 0.5


def daily_prices(stocks, end_date, count):
    """Pre-adjusted daily close / high / volume (date x stock frames, one get_price call)."""
    px = get_price(stocks, end_date=end_date, count=count, frequency='daily',
                   fields=['close', 'high', 'volume'], fq='pre', panel=False, skip_paused=False)
    out = []
    for f in ('close', 'high', 'volume'):
        w = px.pivot(index='time', columns='code', values=f).reindex(columns=stocks)
        w.index = [pd.Timestamp(t).date() for t in w.index]
        out.append(w)
    return out


def base_factor_frames(stocks, days, close, high, volume):
    """The 14 base factors (raw values) as date x stock frames over ``close.index``.

    The minute factors come from ``g.factors`` (NaN on days not there); ``days`` is unused
    (kept for callers of the first version).
    """
    ret = close.pct_change(fill_method=None)
    feats = {}
    have = [d for d in close.index if d in g.factors]      # only the window's days are stacked
    cube = np.full((len(have), len(stocks), len(MINUTE_FACTORS)), np.nan)
    for i, d in enumerate(have):
        f = g.factors[d]
        if len(f):
            cube[i] = f.reindex(index=stocks, columns=MINUTE_FACTORS).to_numpy(dtype=np.float64)
    for j, name in enumerate(MINUTE_FACTORS):
        feats[name] = pd.DataFrame(cube[:, :, j], index=have, columns=stocks).reindex(close.index)
    feats['ret1'] = ret
    feats['ret5'] = close / close.shift(5) - 1
    feats['ret20'] = close / close.shift(20) - 1
    frame = lambda a: pd.DataFrame(a, index=close.index, columns=close.columns)
    vol = volume.to_numpy(dtype=float)
    feats['vol20'] = frame(rolling(ret.to_numpy(dtype=float), 20, lambda w: w.std(axis=-1, ddof=1)))
    with np.errstate(invalid='ignore', divide='ignore'):
        feats['vol_ratio'] = frame(rolling(vol, 5, lambda w: w.mean(axis=-1)) /
                                   rolling(vol, 20, lambda w: w.mean(axis=-1)))
    feats['dist_high20'] = close / frame(rolling(high.to_numpy(dtype=float), 20, lambda w: w.max(axis=-1))) - 1
    feats['rv_5d'] = frame(rolling(feats['rv_1m'].to_numpy(dtype=float), 5, _nanmean, min_periods=3))
    return feats


def _nanmean(w):
    with np.errstate(invalid='ignore', divide='ignore'):
        k = np.isfinite(w).sum(axis=-1)
        return np.where(np.isfinite(w), w, 0.0).sum(axis=-1) / k


def rolling(a, window, fn, min_periods=None):
    """``fn`` over trailing windows of ``window`` rows of ``a`` (days x stocks), like pandas'
    ``rolling(window, min_periods).fn()``: NaN where fewer than ``min_periods`` (default: all
    ``window``) values of the window are finite (the first rows' windows are short).

    ``fn`` reduces the last axis of an array (rows, stocks, window) and is given the windows
    with NaN in place of missing rows: numpy over all columns at once, where pandas' rolling
    works column by column. Written without numpy's sliding_window_view (numpy >= 1.20).
    """
    a = np.asarray(a, dtype=float)
    n = a.shape[0]
    pad = np.concatenate([np.full((window - 1,) + a.shape[1:], np.nan), a])
    w = np.stack([pad[k:k + n] for k in range(window)], axis=-1)     # (rows, stocks, window)
    need = window if min_periods is None else min_periods
    with np.errstate(invalid='ignore', divide='ignore'):
        val = fn(w)
    return np.where(np.isfinite(w).sum(axis=-1) >= need, val, np.nan)


def _rank_rows(frames, days, stocks):
    """dict name -> frame  ->  dict day -> {name: float32 array of ranks (NaN -> 0)}."""
    out = dict((d, {}) for d in days)
    for name, f in frames.items():
        r = xs_rank(f.reindex(index=days, columns=stocks).astype(float)).values
        r = np.nan_to_num(r, nan=0.0).astype(np.float32)
        for i, d in enumerate(days):
            out[d][name] = r[i]
    return out


def update_panel(stocks, end_date, n_days):
    """Keep ``g.panel`` (the factor ranks of the last ``n_days`` trading days) up to date.

    Only days not in the panel yet are computed: their 1-minute bars, a daily window of
    ``len(new days) + DAILY_EXTRA`` bars, the base factors, and :func:`extra_factors` on them.
    Returns the list of panel days (oldest first).
    """
    days = list(get_trade_days(end_date=end_date, count=n_days))
    new = [d for d in days if d not in g.panel]
    if new:
        load_minute_factors(stocks, days)
        close, high, volume = daily_prices(stocks, end_date, len(new) + DAILY_EXTRA)
        rows = _rank_rows(base_factor_frames(stocks, days, close, high, volume), new, stocks)
        panel = dict((k, pd.DataFrame(np.stack([rows[d][k] for d in new]), index=new, columns=stocks))
                     for k in BASE_FACTORS)
        extra = extra_factors(getattr(g, 'last_minute', None), close, volume, panel)
        rows_x = _rank_rows(extra, new, stocks)
        for d in new:
            rows[d].update(rows_x[d])
            g.panel[d] = rows[d]
    prune_factor_cache(days)
    return days


def panel_array(days, names):
    """Array (len(days), n_stocks, len(names)) of the panel's ranks (a missing column -> 0)."""
    n = len(next(iter(g.panel[days[0]].values())))
    zero = np.zeros(n, dtype=np.float32)
    return np.stack([np.stack([g.panel[d].get(k, zero) for k in names], axis=-1) for d in days])


def panel_names(days):
    """Factor names of the panel: the base factors, then generated ones (sorted)."""
    names = set()
    for d in days:
        names.update(g.panel[d])
    return BASE_FACTORS + sorted(names - set(BASE_FACTORS))


def build_panel(stocks, end_date, n_days):
    """Factor panel of the last ``n_days`` trading days up to ``end_date``, computed at once.

    Returns (days, X, close, high): X is an array (n_days, n_stocks, 14) of the base factors'
    cross-sectional ranks (NaN -> 0, columns in BASE_FACTORS order), close / high are date x stock
    frames (pre-adjusted, one call). The research script uses it; the strategy keeps its panel
    day by day (:func:`update_panel`), which gives the same ranks.
    """
    days = [d for d in get_trade_days(end_date=end_date, count=n_days)]
    load_minute_factors(stocks, days)
    close, high, volume = daily_prices(stocks, end_date, n_days + DAILY_EXTRA)
    feats = base_factor_frames(stocks, days, close, high, volume)
    X = np.stack([xs_rank(feats[k].reindex(index=days, columns=stocks).astype(float)).values
                  for k in BASE_FACTORS], axis=-1)
    X = np.nan_to_num(X, nan=0.0).astype(np.float32)
    return days, X, close.reindex(days), high.reindex(days)


def target(close, high):
    """Largest gain within HORIZON days, max(high[t+1..t+h]) / close[t] - 1 (NaN at the end)."""
    best = pd.concat([high.shift(-k) for k in range(1, HORIZON + 1)]).groupby(level=0).max()
    best = best.reindex(close.index)
    return (best / close - 1.0).where(close.shift(-HORIZON).notna())


# ---------------------------------------------------------------------- symbolic factor search
def _masked_rank(a, ok):
    """Average ranks 1..k along axis 1 of the entries where ``ok`` (others NaN)."""
    from scipy.stats import rankdata
    r = rankdata(np.where(ok, a, np.inf), axis=1)     # left-out entries rank last, apart
    return np.where(ok, r, np.nan)


def _ic_of_ranks(rp, rt, ok):
    with np.errstate(invalid='ignore', divide='ignore'):
        n = ok.sum(axis=1)
        rp = rp - np.nansum(rp, axis=1, keepdims=True) / np.maximum(n, 1)[:, None]
        rt = rt - np.nansum(rt, axis=1, keepdims=True) / np.maximum(n, 1)[:, None]
        num = np.nansum(rp * rt, axis=1)
        den = np.sqrt(np.nansum(rp ** 2, axis=1) * np.nansum(rt ** 2, axis=1))
        ic = num / den
    good = (n >= 3) & (den > 0) & np.isfinite(ic)
    return float(ic[good].mean()) if good.any() else 0.0


def daily_rank_ic(pred, y, n_stocks):
    """Mean over days of the Spearman correlation (rank IC) of ``pred`` and ``y``.

    ``pred`` / ``y`` are flat arrays laid out day by day (``n_stocks`` per day); NaN / inf pairs
    are left out; days with fewer than 3 pairs or no spread are skipped. 0.0 when no day counts.
    """
    p = np.asarray(pred, dtype=float).reshape(-1, n_stocks)
    t = np.asarray(y, dtype=float).reshape(-1, n_stocks)
    ok = np.isfinite(p) & np.isfinite(t)
    return _ic_of_ranks(_masked_rank(p, ok), _masked_rank(t, ok), ok)


def rank_ic_fitness(y, n_stocks):
    """gplearn fitness: mean daily rank IC of a program's output against the target ``y``.

    ``y`` (flat, day by day, ``n_stocks`` per day, NaN = unknown) is the training target; its
    ranks are computed once. Rows whose target is unknown carry sample weight 0 in the fit and
    are left out. Calls with other arrays (gplearn probes the function with two rows when it is
    made) are judged by :func:`daily_rank_ic` directly.
    """
    y0 = np.asarray(y, dtype=float).reshape(-1, n_stocks)
    known = np.isfinite(y0)
    ry0 = _masked_rank(y0, known)

    def fitness(yy, y_pred, w):
        if len(yy) != y0.size:
            return daily_rank_ic(y_pred, yy, len(yy))
        p = np.asarray(y_pred, dtype=float).reshape(y0.shape)
        ok = known & np.isfinite(p)
        ry = ry0 if ok.sum() == known.sum() else _masked_rank(y0, ok)
        return _ic_of_ranks(_masked_rank(p, ok), ry, ok)
    return make_fitness(function=fitness, greater_is_better=True, wrap=False)


def fit_symbolic(X, y, names, params):
    """Symbolic factor search on a training window (walk-forward: only the rows given).

    Parameters
    ----------
    X : ndarray (n_days, n_stocks, n_factors)
        Factor ranks of the training days.
    y : ndarray (n_days, n_stocks)
        Target ranks; NaN where the outcome is not known (left out of the fitness).
    names : list of str
        Factor names (gplearn's X0, X1, ... are printed with them).
    params : dict
        ``gp_population``, ``gp_generations``, ``gp_components``, ``seed``.

    Returns
    -------
    list of gplearn programs
        :func:`select_programs` of the fitted ``SymbolicTransformer``; empty when gplearn is not
        installed or fewer than 5 days have a known target.
    """
    if SymbolicTransformer is None:
        return []
    n_days, n_stocks, n_f = X.shape
    known = np.isfinite(y).sum(axis=1) >= 5
    if known.sum() < 5:
        return []
    Xd, yd = X[known], y[known]
    w = np.isfinite(yd).astype(float).ravel()
    st = SymbolicTransformer(population_size=params['gp_population'],
                             generations=params['gp_generations'],
                             n_components=params['gp_components'],
                             hall_of_fame=max(params['gp_components'] * 4, 10),
                             function_set=('add', 'sub', 'mul', 'div', 'abs', 'neg', 'max', 'min'),
                             metric=rank_ic_fitness(yd.ravel(), n_stocks), parsimony_coefficient=0.0005,
                             init_depth=(1, 3), max_samples=1.0, feature_names=list(names),
                             n_jobs=1, random_state=params['seed'] % (2 ** 31 - 1))
    X2 = Xd.reshape(-1, n_f).astype(np.float64)
    st.fit(X2, np.nan_to_num(yd, nan=0.0).ravel(), sample_weight=w)
    return select_programs(st, X2, params['gp_components'])


def select_programs(st, X2, k, max_corr=0.9):
    """The ``k`` formulas kept from a fitted search: new, distinct and fit.

    Candidates are the transformer's own picks, then the last generation by penalised fitness;
    a single factor or a constant (program length 1, already a model input) is skipped, and so is
    a formula whose output is constant on the training rows (``neg(abs(-0.690))``), is not
    finite, or correlates above ``max_corr`` (absolute Pearson on the training rows) with one kept
    before or with a base factor.

    Returns
    -------
    list of gplearn programs (``str(p)`` is the formula, ``p.execute(X)`` evaluates it)
    """
    cands = list(st._best_programs) + sorted((p for p in st._programs[-1] if p is not None),
                                             key=lambda p: -p.fitness_)
    kept, outs, seen = [], [], set()
    base = (X2 - X2.mean(axis=0)) / np.where(X2.std(axis=0) > 0, X2.std(axis=0), 1.0)
    for p in cands:
        f = str(p)
        if p.length_ < 2 or f in seen:
            continue
        seen.add(f)
        o = np.broadcast_to(np.asarray(p.execute(X2), dtype=float), (X2.shape[0],))
        # a constant (e.g. neg(abs(-0.690))) has a standard deviation of ~1e-16 from rounding,
        # not 0: its max - min is exactly 0
        if not np.isfinite(o).all() or not np.ptp(o) > 0:
            continue
        z = (o - o.mean()) / o.std()
        if np.abs(base.T.dot(z) / len(z)).max() > max_corr:
            continue
        if any(abs(float(z.dot(u)) / len(z)) > max_corr for u in outs):
            continue
        kept.append(p)
        outs.append(z)
        if len(kept) == k:
            break
    return kept


def symbolic_formulas(programs):
    """The formulas the search kept, as strings (empty when there is none)."""
    return [str(p) for p in (programs or [])]


def symbolic_factors(panel):
    """Evaluate the latest search's formulas on ``panel`` (dict name -> date x stock frame).

    Returns dict ``gp_0``, ``gp_1``, ... -> date x stock frame (raw program outputs), empty
    before the first search or without gplearn.
    """
    programs = _MODELS.get('gp')
    if not programs or not panel:
        return {}
    first = next(iter(panel.values()))
    Xd = np.stack([panel[k].values for k in BASE_FACTORS], axis=-1).reshape(-1, len(BASE_FACTORS))
    Xd = Xd.astype(np.float64)
    return dict(('%s%d' % (GP_PREFIX, j), pd.DataFrame(p.execute(Xd).reshape(first.shape), index=first.index,
                                                       columns=first.columns))
                for j, p in enumerate(programs))


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

    class TransNet(nn.Module):
        """Transformer encoder over (batch, seq_len, n_factors) -> one score per sequence.

        A linear embedding plus a learned position vector, one encoder layer (2 heads, no
        dropout), the last day's output through a linear head.
        """

        def __init__(self, n_in, dim, seq_len):
            super(TransNet, self).__init__()
            self.embed = nn.Linear(n_in, dim)
            self.pos = nn.Parameter(torch.zeros(1, seq_len, dim))
            layer = nn.TransformerEncoderLayer(dim, 2, dim_feedforward=2 * dim, dropout=0.0,
                                               batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, 1, enable_nested_tensor=False)
            self.head = nn.Linear(dim, 1)

        def forward(self, x):
            h = self.encoder(self.embed(x) + self.pos[:, -x.shape[1]:, :])
            return self.head(h[:, -1, :]).squeeze(-1)


TORCH_THREADS = 1        # intra-op threads of the LSTM / Transformer (see torch_threads)


@contextlib.contextmanager
def torch_threads(n=None):
    """Run the block with PyTorch's intra-op thread count set to ``n`` (default TORCH_THREADS),
    restored afterwards.

    The nets here are tiny (batches of 256 sequences x 10 days x ~17 inputs, width 16): an op
    split over two threads costs more in hand-offs than it computes, and on a busy machine the
    waiting thread spins. Measured on the shared 2-core box (load ~8): an 8-epoch LSTM fit took
    27.2 s CPU / 92 s wall with 2 threads against 3.8 s / 13 s with one; the Transformer 21.7 s
    against 1.4 s. One thread also makes the nets' numbers independent of ``--threads``.
    """
    if torch is None:
        yield
        return
    old = torch.get_num_threads()
    torch.set_num_threads(int(n or TORCH_THREADS))
    try:
        yield
    finally:
        torch.set_num_threads(old)


def sequences(X, idx, seq_len):
    """(len(idx) * n_stocks, seq_len, n_factors) windows ending at the days in ``idx``."""
    return np.concatenate([X[i - seq_len + 1:i + 1].transpose(1, 0, 2) for i in idx], axis=0)


def _fit_torch(net, xs, ys, epochs, lr=3e-3, batch=256):
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    n = xs.shape[0]
    for _ in range(epochs):
        perm = torch.randperm(n, device=xs.device)
        for b in range(0, n, batch):
            j = perm[b:b + batch]
            opt.zero_grad()
            loss = ((net(xs[j]) - ys[j]) ** 2).mean()
            loss.backward()
            opt.step()
    net.eval()
    return net


def train_models(X, y, seq_len, params):
    """Fit LightGBM, XGBoost, the LSTM and the Transformer on the days i with a known target.

    X: (n_days, n_stocks, n_factors), y: (n_days, n_stocks) with NaN where unknown. A model whose
    rounds / epochs in ``params`` are 0 (or whose library is not installed) is left out.
    """
    idx = [i for i in range(seq_len - 1, X.shape[0]) if np.isfinite(y[i]).sum() >= 5]
    models = {}
    yy = np.concatenate([y[i] for i in idx])
    ok = np.isfinite(yy)
    seed = params.get('seed', 7) % (2 ** 31 - 1)
    xt = np.concatenate([X[i] for i in idx])[ok]
    if lgb is not None and params.get('lgb_rounds', 0) > 0:
        ds = lgb.Dataset(xt, yy[ok])
        models['lgb'] = lgb.train(dict(objective='regression', learning_rate=0.05, num_leaves=15,
                                       min_data_in_leaf=40, feature_fraction=0.8, bagging_fraction=0.8,
                                       bagging_freq=1, seed=seed, deterministic=True, num_threads=1,
                                       force_col_wise=True, verbose=-1),
                                  ds, num_boost_round=params['lgb_rounds'])
    if xgb is not None and params.get('xgb_rounds', 0) > 0:
        models['xgb'] = xgb.XGBRegressor(n_estimators=params['xgb_rounds'], max_depth=4, learning_rate=0.08,
                                         subsample=0.8, colsample_bytree=0.8, min_child_weight=20,
                                         tree_method='hist', n_jobs=1, random_state=seed).fit(xt, yy[ok])
    if torch is not None:
        with torch_threads():
            models.update(_train_nets(X, idx, yy, ok, seq_len, params))
    return models


def _train_nets(X, idx, yy, ok, seq_len, params):
    """The LSTM and the Transformer of :func:`train_models` (same days and targets)."""
    models = {}
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    xs = torch.tensor(sequences(X, idx, seq_len)[ok], device=device)
    ys = torch.tensor(yy[ok].astype(np.float32), device=device)
    if params.get('lstm_epochs', 0) > 0:
        models['lstm'] = _fit_torch(SeqNet(X.shape[2], params['lstm_hidden']).to(device), xs, ys,
                                    params['lstm_epochs'])
    if params.get('tf_epochs', 0) > 0:
        models['transformer'] = _fit_torch(TransNet(X.shape[2], params['tf_dim'], seq_len).to(device),
                                           xs, ys, params['tf_epochs'])
    return models


MODEL_NAMES = ('lgb', 'xgb', 'lstm', 'transformer')


def predict_each(models, X, i, seq_len):
    """dict model name -> raw scores of day i's stocks (array (n_stocks,))."""
    out = {}
    if 'lgb' in models:
        out['lgb'] = np.asarray(models['lgb'].predict(X[i]))
    if 'xgb' in models:
        out['xgb'] = np.asarray(models['xgb'].predict(X[i]))
    for name in ('lstm', 'transformer'):
        if name in models:
            net = models[name]
            dev = next(net.parameters()).device
            with torch.no_grad(), torch_threads():
                out[name] = net(torch.tensor(sequences(X, [i], seq_len), device=dev)).cpu().numpy()
    return out


def combine(parts, weights=None):
    """Rank average of the models' scores (optionally weighted, e.g. by their past IC)."""
    if not parts:
        raise RuntimeError('ai_multifactor: none of lightgbm / xgboost / torch is installed')
    names = sorted(parts)
    ranks = np.stack([pd.Series(parts[k]).rank(pct=True).values for k in names])
    w = np.ones(len(names)) if weights is None else np.array([max(float(weights.get(k, 0.0)), 0.0) for k in names])
    if not w.sum() > 0:
        w = np.ones(len(names))
    return (ranks * w[:, None]).sum(axis=0) / w.sum()


def predict(models, X, i, seq_len):
    """Combined score (mean of the models' cross-sectional ranks) of day i's stocks."""
    return combine(predict_each(models, X, i, seq_len))


def params_of(ctx_g):
    return dict(lgb_rounds=ctx_g.lgb_rounds, xgb_rounds=ctx_g.xgb_rounds, lstm_hidden=ctx_g.lstm_hidden,
                lstm_epochs=ctx_g.lstm_epochs, tf_dim=ctx_g.tf_dim, tf_epochs=ctx_g.tf_epochs,
                gp_population=ctx_g.gp_population, gp_generations=ctx_g.gp_generations,
                gp_components=ctx_g.gp_components, seed=ctx_g.seed)


# ---------------------------------------------------------------------- trading
def universe(date):
    stocks = sorted(get_index_stocks(INDEX, date=date))
    return stocks[:g.n_stocks]


def retrain(stocks, days, prev):
    """Walk-forward retrain at ``prev``'s close: symbolic search, then the four models."""
    close, high, _ = daily_prices(stocks, prev, len(days))
    y = xs_rank(target(close.reindex(days), high.reindex(days))).values   # NaN: outcome unknown
    params = params_of(g)
    params['seed'] = (g.seed + prev.toordinal()) % (2 ** 31 - 1)   # a new draw each retrain
    _MODELS.clear()
    for d in days:                     # formulas of the last search are replaced, not kept
        for k in [k for k in g.panel[d] if k.startswith(GP_PREFIX)]:
            del g.panel[d][k]
    programs = fit_symbolic(panel_array(days, BASE_FACTORS), y, BASE_FACTORS, params)
    if programs:
        _MODELS['gp'] = programs
        # the new formulas replace the old ones on every panel day
        base = dict((k, pd.DataFrame(panel_array(days, [k])[:, :, 0], index=days, columns=stocks))
                    for k in BASE_FACTORS)
        rows = _rank_rows(symbolic_factors(base), days, stocks)
        for d in days:
            g.panel[d].update(rows[d])
        g.gp_formulas = symbolic_formulas(programs)
        for j, f in enumerate(g.gp_formulas):
            log.info('ai_multifactor: symbolic factor %s%d = %s' % (GP_PREFIX, j, f))
    names = panel_names(days)
    _MODELS.update(train_models(panel_array(days, names), y, g.seq_len, params))
    g.model_inputs = names
    g.days_since_train = 0
    log.info('ai_multifactor: retrained %s on %d days up to %s' % (
        sorted(k for k in _MODELS if k != 'gp'), len(days), prev))


def rebalance(context):
    prev = context.previous_date
    if not hasattr(g, 'stocks'):
        g.stocks = universe(prev)      # fixed universe: the factor cache stays consistent
    stocks = g.stocks
    n_days = g.train_days + g.seq_len + HORIZON
    days = update_panel(stocks, prev, n_days)
    if g.days_since_train is None or g.days_since_train >= g.retrain_every or not _MODELS:
        retrain(stocks, days, prev)
    g.days_since_train += 1
    X = panel_array(days[-g.seq_len:], g.model_inputs)
    score = pd.Series(predict(_MODELS, X, g.seq_len - 1, g.seq_len), index=stocks)
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
