# -*- coding: utf-8 -*-
# AI 多因子研究 (seed 002): walk-forward 评估 IC / RankIC / 前 N 名 3 日内涨幅 >= 10 % 的命中率
#
# Research code for the strategy strategies/examples/ai_multifactor/ai_multifactor.py: it uses
# that file's factor and model functions (on JoinQuant, upload ai_multifactor.py to the research
# root so that `import ai_multifactor` finds it) and, walk-forward over one year,
#   * builds the factor panel (1-minute-bar proxies + daily factors) once,
#   * every RETRAIN_EVERY days runs the symbolic factor search (gplearn, fitness = daily rank IC)
#     and retrains LightGBM, XGBoost, the LSTM and the Transformer on the preceding TRAIN_DAYS
#     days whose 3-day outcome is known at that point, and scores the next RETRAIN_EVERY days
#     (the found formulas are printed with their rank IC on the training and the test window),
#   * judges the scores of each model, their combination and a few single factors with
#     jqlib.evaluation.evaluate_signal: IC and RankIC (next-day return), hit rate of the top
#     TOP_N for a >= 10 % gain within 1-3 days (highs) against the base rate of all names.
#
# Run locally: python strategies/research/ai_multifactor_research.py [--start 2023-01-03 --end 2023-12-29] [--seed 7]
from jqdata import *

import os
import sys
import types

import numpy as np
import pandas as pd

try:
    import ai_multifactor as am
except ImportError:   # local checkout: the strategy lives next door
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path.insert(0, os.path.join(_here, '..', 'examples', 'ai_multifactor'))
    import ai_multifactor as am

from jqlib.evaluation import evaluate_signal

SINGLE_FACTORS = ['ret5', 'rv_1m', 'jump_share', 'ofi_proxy', 'spread_proxy', 'vol_ratio']
MODELS = ('lgb', 'xgb', 'lstm', 'transformer')


def _ic_weights(history, k):
    """Weights of the models for retrain round ``k``: their mean daily RankIC over the earlier
    rounds' test days (outcomes known by then), clipped at 0; None (equal) in the first round."""
    if not history:
        return None
    return dict((m, max(float(np.nanmean([h[m] for h in history if m in h])), 0.0))
                for m in history[-1])


def walk_forward(start_date='2023-01-03', end_date='2023-12-29', n_stocks=60, seq_len=10,
                 train_days=120, retrain_every=20, lstm_hidden=16, lstm_epochs=8, lgb_rounds=100,
                 xgb_rounds=60, tf_dim=16, tf_epochs=4, gp_population=200, gp_generations=4,
                 gp_components=3, seed=7, block=40, log=print):
    """Walk-forward scores of the models and of single factors over ``[start_date, end_date]``.

    At each retrain point ``k`` (every ``retrain_every`` days) the symbolic search and the models
    are fitted on the preceding days whose 3-day outcome is known at ``k``'s close, and score the
    days ``k .. k + retrain_every - 1`` (the test window).

    Returns
    -------
    dict
        ``scores``: name -> DataFrame (date x stock) of scores known at each day's close (the
        four models, ``combined`` = rank average, ``combined IC-weighted`` = ranks weighted by
        each model's RankIC on the earlier test windows, ``symbolic gp_j``, single factors);
        ``close`` / ``high``: pre-adjusted prices (date x stock, one call) to judge them with;
        ``programs``: DataFrame, one row per retrain and formula (train / test rank IC against
        the target: best gain within 1-3 days).
    """
    am.g = types.SimpleNamespace(factors={}, last_minute=None)   # research: no strategy context
    stocks = sorted(get_index_stocks(am.INDEX, date=start_date))[:n_stocks]
    eval_days = list(get_trade_days(start_date=start_date, end_date=end_date))
    warm = train_days + seq_len + am.HORIZON
    days = list(get_trade_days(end_date=eval_days[-1], count=len(eval_days) + warm))
    for b in range(0, len(days), block):          # minute factors block by block (memory)
        am.load_minute_factors(stocks, days[b:b + block])
    days, X, close, high = am.build_panel(stocks, days[-1], len(days))
    y_raw = am.target(close, high)
    y = am.xs_rank(y_raw).values
    params = dict(lstm_hidden=lstm_hidden, lstm_epochs=lstm_epochs, lgb_rounds=lgb_rounds,
                  xgb_rounds=xgb_rounds, tf_dim=tf_dim, tf_epochs=tf_epochs, gp_population=gp_population,
                  gp_generations=gp_generations, gp_components=gp_components, seed=seed)
    first = days.index(eval_days[0])
    n = len(stocks)
    out = dict((k, {}) for k in MODELS + ('combined', 'combined IC-weighted'))
    prog_rows, ic_hist = [], []
    rounds = 0
    for k in range(first, len(days), retrain_every):
        lo = max(0, k - train_days - seq_len - am.HORIZON + 1)
        hi = min(k + retrain_every, len(days))
        yk = y[lo:k + 1].copy()
        yk[-am.HORIZON:] = np.nan                  # outcomes not known at day k's close
        params['seed'] = (seed + days[k].toordinal()) % (2 ** 31 - 1)   # a new draw each retrain
        programs = am.fit_symbolic(X[lo:k + 1], yk, am.BASE_FACTORS, params)
        Xk = X[lo:hi]
        if programs:                               # formulas evaluated on train + test days
            flat = Xk.reshape(-1, X.shape[2]).astype(np.float64)
            gp = np.stack([p.execute(flat).reshape(Xk.shape[:2]) for p in programs], axis=-1)
            gp = np.stack([am.xs_rank(pd.DataFrame(gp[:, :, j])).fillna(0.0).values
                           for j in range(gp.shape[2])], axis=-1).astype(np.float32)
            Xk = np.concatenate([Xk, gp], axis=-1)
            tr = slice(0, k + 1 - lo)
            te = slice(k - lo, hi - lo)
            for j, p in enumerate(programs):
                prog_rows.append(dict(retrain=days[k], factor='gp_%d' % j, formula=str(p),
                                      train_rank_ic=am.daily_rank_ic(gp[tr, :, j].ravel(), yk.ravel(), n),
                                      test_rank_ic=am.daily_rank_ic(gp[te, :, j].ravel(),
                                                                    y[k:hi].ravel(), n)))
                log('retrain %s  gp_%d = %s   rank IC train %.4f  test %.4f' % (
                    days[k], j, p, prog_rows[-1]['train_rank_ic'], prog_rows[-1]['test_rank_ic']))
                for i in range(k, hi):
                    out.setdefault('symbolic gp_%d' % j, {})[days[i]] = pd.Series(gp[i - lo, :, j], index=stocks)
        models = am.train_models(Xk[:k + 1 - lo], yk, seq_len, params)
        weights = _ic_weights(ic_hist, k)
        rounds += 1
        round_ic = {}
        for i in range(k, hi):
            d = days[i]
            parts = am.predict_each(models, Xk, i - lo, seq_len)
            for name, v in parts.items():
                out[name][d] = pd.Series(v, index=stocks)
            out['combined'][d] = pd.Series(am.combine(parts), index=stocks)
            out['combined IC-weighted'][d] = pd.Series(am.combine(parts, weights), index=stocks)
        for name in parts:
            sc = np.stack([out[name][days[i]].values for i in range(k, hi)])
            round_ic[name] = am.daily_rank_ic(sc.ravel(), y[k:hi].ravel(), n)
        ic_hist.append(round_ic)
    scores = dict((k, pd.DataFrame(v).T) for k, v in out.items() if v)
    for f in SINGLE_FACTORS:
        j = am.BASE_FACTORS.index(f)
        scores['factor ' + f] = pd.DataFrame(X[first:, :, j], index=days[first:], columns=stocks)
    return dict(scores=scores, close=close.iloc[first:], high=high.iloc[first:], stocks=stocks,
                retrains=rounds, programs=pd.DataFrame(prog_rows))


def evaluation_table(result, top_n=5, threshold=0.10, horizon=3):
    """One row per signal: IC, ICIR, RankIC, RankICIR, hit rate, base rate, lift, days."""
    rows = []
    for name, score in result['scores'].items():
        ev = evaluate_signal(score, result['close'], result['high'], top_n=top_n,
                             threshold=threshold, horizon=horizon)
        rows.append(dict(signal=name, IC=ev['ic_mean'], ICIR=ev['ic_ir'], RankIC=ev['rank_ic_mean'],
                         RankICIR=ev['rank_ic_ir'], hit_rate=ev['hit_rate'],
                         base_rate=ev['base_rate'], lift=ev['lift'], days=ev['days']))
    return pd.DataFrame(rows).set_index('signal')


def plot_table(table, path, top_n=5):
    """Save a two-panel PNG of the table: RankIC (with IR as text) and top-N hit rate vs base rate."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(13, 0.35 * len(table) + 1.8), sharey=True)
    names = list(table.index)[::-1]
    pos = np.arange(len(names))
    ric = table.loc[names, 'RankIC']
    a1.barh(pos, ric, color=['tab:blue' if v >= 0 else 'tab:red' for v in ric])
    a1.set_yticks(pos)
    a1.set_yticklabels(names)
    a1.axvline(0, color='grey', lw=0.8)
    a1.set_title('mean daily RankIC (next-day return)')
    a2.barh(pos, table.loc[names, 'hit_rate'], color='tab:green', label='top %d hit rate' % top_n)
    a2.axvline(float(table['base_rate'].mean()), color='black', ls='--', label='base rate (all names)')
    a2.set_title('share reaching +10 % within 1-3 days')
    a2.legend(loc='lower right')
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--start', default='2023-01-03')
    ap.add_argument('--end', default='2023-12-29')
    ap.add_argument('--stocks', type=int, default=60)
    ap.add_argument('--top', type=int, default=5)
    ap.add_argument('--seed', type=int, default=7)
    ap.add_argument('--plot', default=None, help='also save the table as a PNG chart here')
    a = ap.parse_args(argv)
    import random
    random.seed(a.seed)
    np.random.seed(a.seed)
    try:
        import torch
        torch.manual_seed(a.seed)
    except ImportError:
        pass
    res = walk_forward(a.start, a.end, n_stocks=a.stocks, seed=a.seed)
    table = evaluation_table(res, top_n=a.top)
    pd.set_option('display.width', 160)
    print('seed 002 walk-forward, %s .. %s, %d stocks of %s, %d retrains, seed %d; hit = top %d reach '
          '+10 %% within 1-3 days (highs), base = all names' % (a.start, a.end, len(res['stocks']), am.INDEX,
                                                              res['retrains'], a.seed, a.top))
    print(table.to_string(float_format=lambda v: '%.4f' % v))
    if len(res['programs']):
        p = res['programs']
        print('symbolic factors: mean rank IC vs the 1-3 day best gain, train %.4f, test %.4f (%d formulas)'
              % (p['train_rank_ic'].mean(), p['test_rank_ic'].mean(), len(p)))
    table.attrs['programs'] = res['programs']
    table.attrs['retrains'] = res['retrains']
    if a.plot:
        plot_table(table, a.plot, a.top)
    return table


if __name__ == '__main__':
    main()
