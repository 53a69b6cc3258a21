# -*- coding: utf-8 -*-
# 多模型集成选股策略 (seed 000 的交易部分): 读取研究模块 (strategies/research/multi_model_research.py)
# 保存的 multi_model_ensemble.pkl / multi_model_selected_features.pkl (read_file), 每月第一个交易日
# 按集成模型得分选出 g.stock_num 只股票等权持有.
# A JoinQuant strategy file: no jqlite import; runs on JoinQuant and with `jqlite backtest`.
from jqdata import *
from jqfactor import get_factor_values, standardlize, winsorize_med

import base64
import pickle

import numpy as np
import pandas as pd


def initialize(context):
    set_benchmark('399101.XSHE')
    set_option('use_real_price', True)
    set_option('avoid_future_data', True)
    set_order_cost(OrderCost(open_tax=0, close_tax=0.001, open_commission=0.0003,
                             close_commission=0.0003, close_today_commission=0,
                             min_commission=5), type='stock')
    log.set_level('order', 'error')
    g.stock_num = 10
    g.model_type = 'ensemble'      # 'ensemble' or one model: lightgbm/xgboost/random_forest/svr/linear
    g.index = '399101.XSHE'
    g.ensemble = load_ensemble()
    g.factor_list = list(g.ensemble['features'])
    log.info('模型: %s, 因子 %d 个, 权重 %s' % (g.model_type, len(g.factor_list),
                                            g.ensemble['weights']))
    run_monthly(rebalance, 1, '09:30')


def load_ensemble():
    """The research module's ensemble; falls back to the base64 backup."""
    try:
        ensemble = pickle.loads(read_file('multi_model_ensemble.pkl'))
    except Exception as e:
        log.warn('multi_model_ensemble.pkl 读取失败 (%s), 使用 base64 备份' % e)
        ensemble = pickle.loads(base64.b64decode(read_file('multi_model_ensemble.txt')))
    try:
        features = pickle.loads(read_file('multi_model_selected_features.pkl'))
        if list(features) != list(ensemble['features']):
            log.warn('因子列表与集成模型不一致, 以集成模型为准')
    except Exception:
        pass
    return ensemble


def preprocess_factors(x):
    x = x.replace([np.inf, -np.inf], np.nan).astype(float)
    x = winsorize_med(x, scale=3, inclusive=True, inf2nan=True, axis=0)
    x = standardlize(x, inf2nan=True, axis=0)
    return x.fillna(0.0)


def get_stock_pool(context):
    date = context.previous_date
    stocks = get_index_stocks(g.index, date=date)
    current = get_current_data()
    out = []
    for s in stocks:
        if s[:1] in ('3', '4', '8') or s[:2] == '68':
            continue
        if current[s].paused or current[s].is_st or 'ST' in current[s].name:
            continue
        if (context.current_dt.date() - get_security_info(s).start_date).days < 90:
            continue
        out.append(s)
    return out


def score(stocks, date):
    data = get_factor_values(stocks, g.factor_list, end_date=date, count=1)
    x = pd.DataFrame(dict((f, data[f].iloc[-1].reindex(stocks)) for f in g.factor_list),
                     index=stocks)
    z = preprocess_factors(x)[g.factor_list].values
    models, weights = g.ensemble['models'], g.ensemble['weights']
    if g.model_type == 'ensemble':
        pred = np.zeros(len(stocks))
        for name, w in weights.items():
            pred += w * models[name].predict(z)
    else:
        pred = models[g.model_type].predict(z)
    return pd.Series(pred, index=stocks).sort_values(ascending=False)


def rebalance(context):
    stocks = get_stock_pool(context)
    if not stocks:
        return
    scores = score(stocks, context.previous_date)
    current = get_current_data()
    targets = [s for s in scores.index if current[s].last_price < current[s].high_limit]
    targets = targets[:g.stock_num]
    log.info('目标股票: %s' % targets)
    for s in list(context.portfolio.positions.keys()):
        if s not in targets and current[s].last_price > current[s].low_limit:
            order_target_value(s, 0)
    if not targets:
        return
    value = context.portfolio.total_value / len(targets)
    for s in targets:
        order_target_value(s, value)
