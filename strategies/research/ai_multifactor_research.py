# -*- coding: utf-8 -*-
# AI 多因子研究 (seed 002): walk-forward 评估 IC / RankIC / 前 N 名 3 日内涨幅 >= 10 % 的命中率
#
# Research code for the strategy strategies/examples/ai_multifactor/ai_multifactor.py: it uses
# that file's factor and model functions (on JoinQuant, upload ai_multifactor.py to the research
# root so that `import ai_multifactor` finds it) and, walk-forward over one year,
#   * builds the factor panel (1-minute-bar proxies + daily factors) once,
#   * every RETRAIN_EVERY days retrains LightGBM and the LSTM on the preceding TRAIN_DAYS days
#     whose 3-day outcome is known at that point, and scores the next RETRAIN_EVERY days,
#   * judges the scores of each model, their combination and a few single factors with
#     jqlib.evaluation.evaluate_signal: IC and RankIC (next-day return), hit rate of the top
#     TOP_N for a >= 10 % gain within 1-3 days (highs) against the base rate of all names.
#
# Run locally: python strategies/research/ai_multifactor_research.py [--start 2023-01-03 --end 2023-12-29]
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


def walk_forward(start_date='2023-01-03', end_date='2023-12-29', n_stocks=60, seq_len=10,
                 train_days=120, retrain_every=20, lstm_hidden=16, lstm_epochs=8, lgb_rounds=100,
                 block=40):
    """Walk-forward scores of the models and of single factors over ``[start_date, end_date]``.

    Returns
    -------
    dict
        ``scores``: name -> DataFrame (date x stock) of scores known at each day's close;
        ``close`` / ``high``: pre-adjusted prices (date x stock, one call) to judge them with.
    """
    am.g = types.SimpleNamespace(factors={}, last_minute=None)   # research: no strategy context
    stocks = sorted(get_index_stocks(am.INDEX, date=start_date))[:n_stocks]
    eval_days = list(get_trade_days(start_date=start_date, end_date=end_date))
    warm = train_days + seq_len + am.HORIZON
    days = list(get_trade_days(end_date=eval_days[-1], count=len(eval_days) + warm))
    for b in range(0, len(days), block):          # minute factors block by block (memory)
        am.load_minute_factors(stocks, days[b:b + block])
    days, X, close, high = am.build_panel(stocks, days[-1], len(days))
    y = am.xs_rank(am.target(close, high)).values
    params = dict(lstm_hidden=lstm_hidden, lstm_epochs=lstm_epochs, lgb_rounds=lgb_rounds)
    first = days.index(eval_days[0])
    out = {'lgb': {}, 'lstm': {}, 'combined': {}}
    rounds = 0
    for k in range(first, len(days), retrain_every):
        lo = max(0, k - train_days - seq_len - am.HORIZON + 1)
        yk = y[lo:k + 1].copy()
        yk[-am.HORIZON:] = np.nan                  # outcomes not known at day k's close
        models = am.train_models(X[lo:k + 1], yk, seq_len, params)
        rounds += 1
        for i in range(k, min(k + retrain_every, len(days))):
            d = days[i]
            for name in ('lgb', 'lstm'):
                if name in models:
                    out[name][d] = pd.Series(am.predict({name: models[name]}, X, i, seq_len), index=stocks)
            out['combined'][d] = pd.Series(am.predict(models, X, i, seq_len), index=stocks)
    scores = dict((k, pd.DataFrame(v).T) for k, v in out.items() if v)
    names = sorted(am.DAILY_FACTORS + am.MINUTE_FACTORS)
    for f in SINGLE_FACTORS:
        j = names.index(f)
        scores['factor ' + f] = pd.DataFrame(X[first:, :, j], index=days[first:], columns=stocks)
    return dict(scores=scores, close=close.iloc[first:], high=high.iloc[first:], stocks=stocks,
                retrains=rounds)


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


def main(argv=None):
    import argparse
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument('--start', default='2023-01-03')
    ap.add_argument('--end', default='2023-12-29')
    ap.add_argument('--stocks', type=int, default=60)
    ap.add_argument('--top', type=int, default=5)
    a = ap.parse_args(argv)
    try:
        import torch
        torch.manual_seed(7)
    except ImportError:
        pass
    res = walk_forward(a.start, a.end, n_stocks=a.stocks)
    table = evaluation_table(res, top_n=a.top)
    pd.set_option('display.width', 160)
    print('seed 002 walk-forward, %s .. %s, %d stocks of %s, %d retrains; hit = top %d reach +10 %% '
          'within 1-3 days (highs), base = all names' % (a.start, a.end, len(res['stocks']), am.INDEX,
                                                         res['retrains'], a.top))
    print(table.to_string(float_format=lambda v: '%.4f' % v))
    return table


if __name__ == '__main__':
    main()
