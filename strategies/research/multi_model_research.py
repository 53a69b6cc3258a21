# -*- coding: utf-8 -*-
# 多模型研究模块 (seed 000): 拉取因子数据, 按月训练 LightGBM / XGBoost / RandomForest / SVR /
# LinearRegression, 构建集成模型, 保存到研究环境文件:
#   multi_model_selected_features.pkl   选中的因子列表
#   multi_model_ensemble.pkl            集成模型 (模型 + 权重 + 预处理说明)
#   multi_model_ensemble.txt            集成模型的 base64 备份
# 策略 strategies/multi_model_ensemble.py 用 read_file 读取这些文件选股.
#
# JoinQuant research code: paste into a JoinQuant notebook and call test_multi_model(), or run
# locally with `python strategies/research/multi_model_research.py` (jqlite research mode).
from jqdata import *
from jqfactor import get_factor_values, standardlize, winsorize_med

import base64
import pickle

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression
from sklearn.svm import SVR

try:
    import lightgbm as lgb
except ImportError:  # pragma: no cover
    lgb = None
try:
    import xgboost as xgb
except ImportError:  # pragma: no cover
    xgb = None

# 股票池代码 -> 指数
STOCK_POOLS = {
    'HS300': '000300.XSHG',
    'ZZ500': '000905.XSHG',
    'ZXBZ': '399101.XSHE',   # 中小板 (SME board composite)
    'SZ50': '000016.XSHG',
}

DEFAULT_FACTORS = [
    'market_cap', 'book_to_price_ratio', 'earnings_to_price_ratio', 'cash_flow_to_price_ratio',
    'sales_to_price_ratio', 'roe_ttm', 'roa_ttm', 'growth', 'momentum', 'liquidity', 'beta',
    'Variance20', 'Skewness20', 'Kurtosis20', 'sharpe_ratio_20', 'VOL10', 'VOL120', 'PSY',
    'AR', 'VR', 'MFI14', 'ATR6', 'BBIC', 'MAC10', 'Rank1M', 'fifty_two_week_close_rank',
    'arron_up_25', 'arron_down_25', 'net_asset_per_share', 'operating_profit_per_share',
    'debt_to_equity_ratio', 'MLEV', 'fixed_asset_ratio', 'non_current_asset_ratio',
]

FEATURES_FILE = 'multi_model_selected_features.pkl'
ENSEMBLE_FILE = 'multi_model_ensemble.pkl'
BACKUP_FILE = 'multi_model_ensemble.txt'
MODEL_NAMES = ['lightgbm', 'xgboost', 'random_forest', 'svr', 'linear']


def preprocess_factors(x):
    """Cross-section cleaning used in research and in the strategy alike:
    inf -> NaN, median winsorisation (3 MAD), z-score, NaN -> 0."""
    x = x.replace([np.inf, -np.inf], np.nan).astype(float)
    x = winsorize_med(x, scale=3, inclusive=True, inf2nan=True, axis=0)
    x = standardlize(x, inf2nan=True, axis=0)
    return x.fillna(0.0)


class MultiModelResearch(object):
    """Factor data -> five models -> MSE-weighted ensemble -> research files."""

    def __init__(self, start_date, end_date, period='M', stock_pool='ZXBZ', factor_list=None,
                 max_stocks=300, ic_threshold=0.01, corr_threshold=0.7, valid_fraction=0.2):
        self.start_date = pd.Timestamp(start_date)
        self.end_date = pd.Timestamp(end_date)
        self.period = period
        self.stock_pool = stock_pool
        self.factor_list = list(factor_list or DEFAULT_FACTORS)
        self.max_stocks = max_stocks
        self.ic_threshold = ic_threshold
        self.corr_threshold = corr_threshold
        self.valid_fraction = valid_fraction
        self.data = None
        self.selected_features = []
        self.models = {}
        self.mse = {}
        self.weights = {}

    # -------------------------------------------------------------- data
    def get_period_dates(self):
        days = pd.to_datetime(get_trade_days(start_date=self.start_date.date(),
                                             end_date=self.end_date.date()))
        s = pd.Series(days, index=days)
        if self.period == 'W':
            keys = [s.index.strftime('%Y-%W')]
        else:
            keys = [s.index.year, s.index.month]
        return [grp.iloc[-1] for _, grp in s.groupby(keys)]   # last trading day of each period

    def get_stock_pool(self, date):
        index = STOCK_POOLS.get(self.stock_pool, self.stock_pool)
        stocks = get_index_stocks(index, date=date)
        st = get_extras('is_st', stocks, end_date=date, count=1, df=True)
        if len(st) > 0:
            row = st.iloc[-1]
            stocks = [s for s in stocks if not bool(row.get(s, False))]
        day = pd.Timestamp(date).date()
        stocks = [s for s in stocks if (day - get_security_info(s).start_date).days >= 90]
        stocks = sorted(stocks)
        if len(stocks) > self.max_stocks:
            rng = np.random.RandomState(int(pd.Timestamp(date).strftime('%Y%m%d')))
            stocks = [stocks[i] for i in np.sort(rng.choice(len(stocks), self.max_stocks,
                                                             replace=False))]
        return stocks

    def get_factor_data(self, stocks, date):
        data = get_factor_values(stocks, self.factor_list, end_date=date, count=1)
        return pd.DataFrame(dict((f, data[f].iloc[-1].reindex(stocks)) for f in self.factor_list),
                            index=stocks)

    def get_returns(self, stocks, date, next_date):
        px = get_price(stocks, start_date=date, end_date=next_date, fields=['close'], panel=False)
        wide = px.pivot(index='time', columns='code', values='close')
        return (wide.iloc[-1] / wide.iloc[0] - 1.0).reindex(stocks)

    def build_dataset(self):
        dates = self.get_period_dates()
        frames = []
        for i in range(len(dates) - 1):
            d, nd = dates[i].date(), dates[i + 1].date()
            stocks = self.get_stock_pool(d)
            if not stocks:
                continue
            x = preprocess_factors(self.get_factor_data(stocks, d))
            y = self.get_returns(stocks, d, nd)
            x['ret'] = y
            x['label'] = (y >= y.median()).astype(float)
            x['date'] = dates[i]
            frames.append(x.dropna(subset=['ret']))
            print('%s: %d 只股票' % (d, len(x)))
        self.data = pd.concat(frames)
        return self.data

    # -------------------------------------------------------------- features
    def select_features(self):
        """Keep factors whose mean rank IC has |IC| >= ic_threshold, then drop the weaker of
        every pair correlated above corr_threshold."""
        ic = {}
        for f in self.factor_list:
            per = self.data.groupby('date').apply(
                lambda df: df[f].rank().corr(df['ret'].rank()))
            ic[f] = float(per.mean()) if per.notnull().any() else 0.0
        ranked = sorted([f for f in self.factor_list if abs(ic[f]) >= self.ic_threshold
                         and self.data[f].std() > 0], key=lambda f: -abs(ic[f]))
        corr = self.data[ranked].corr().abs()
        keep = []
        for f in ranked:
            if all(corr.loc[f, k] <= self.corr_threshold for k in keep):
                keep.append(f)
        if not keep:   # nothing passes: keep the factors with any variation
            keep = [f for f in self.factor_list if self.data[f].std() > 0]
        self.ic = ic
        self.selected_features = keep
        print('选中因子 %d 个: %s' % (len(keep), keep))
        return keep

    # -------------------------------------------------------------- models
    def make_models(self):
        models = {}
        if lgb is not None:
            models['lightgbm'] = lgb.LGBMRegressor(n_estimators=100, learning_rate=0.05,
                                                   num_leaves=31, random_state=42, verbose=-1)
        if xgb is not None:
            models['xgboost'] = xgb.XGBRegressor(n_estimators=100, learning_rate=0.05, max_depth=5,
                                                 random_state=42, tree_method='hist')
        models['random_forest'] = RandomForestRegressor(n_estimators=100, max_depth=6,
                                                        min_samples_leaf=20, random_state=42)
        models['svr'] = SVR(kernel='rbf', C=1.0, epsilon=0.1)
        models['linear'] = LinearRegression()
        return models

    def train_models(self):
        dates = sorted(self.data['date'].unique())
        n_valid = max(1, int(round(len(dates) * self.valid_fraction)))
        cut = dates[-n_valid]
        tr = self.data[self.data['date'] < cut]
        va = self.data[self.data['date'] >= cut]
        feats = self.selected_features
        for name, model in self.make_models().items():
            xt, yt = tr[feats].values, tr['label'].values
            if name == 'svr' and len(xt) > 2000:
                idx = np.random.RandomState(42).choice(len(xt), 2000, replace=False)
                xt, yt = xt[idx], yt[idx]
            model.fit(xt, yt)
            pred = model.predict(va[feats].values)
            self.mse[name] = float(np.mean((pred - va['label'].values) ** 2))
            self.models[name] = model
        inv = dict((k, 1.0 / (v + 1e-8)) for k, v in self.mse.items())
        total = sum(inv.values())
        self.weights = dict((k, v / total) for k, v in inv.items())
        print('验证集 MSE: %s' % dict((k, round(v, 5)) for k, v in self.mse.items()))
        print('集成权重: %s' % dict((k, round(v, 4)) for k, v in self.weights.items()))
        return self.models

    def build_ensemble(self):
        return {
            'models': self.models,
            'weights': self.weights,
            'mse': self.mse,
            'features': self.selected_features,
            'preprocess': 'inf->NaN, winsorize_med(scale=3), standardlize, NaN->0 (per date)',
            'label': 'forward %s return >= cross-section median' % self.period,
            'train_start': str(self.start_date.date()),
            'train_end': str(self.end_date.date()),
            'stock_pool': self.stock_pool,
        }

    def save(self):
        ensemble = self.build_ensemble()
        blob = pickle.dumps(ensemble)
        write_file(FEATURES_FILE, pickle.dumps(self.selected_features))
        write_file(ENSEMBLE_FILE, blob)
        write_file(BACKUP_FILE, base64.b64encode(blob).decode('ascii'))
        print('已保存: %s, %s, %s' % (FEATURES_FILE, ENSEMBLE_FILE, BACKUP_FILE))
        return ensemble

    def run(self):
        self.build_dataset()
        self.select_features()
        self.train_models()
        return self.save()


def test_multi_model(start_date='2021-01-01', end_date='2023-12-31', stock_pool='ZXBZ'):
    research = MultiModelResearch(start_date=start_date, end_date=end_date, period='M',
                                  stock_pool=stock_pool)
    research.run()
    # 读回校验
    ensemble = pickle.loads(read_file(ENSEMBLE_FILE))
    backup = pickle.loads(base64.b64decode(read_file(BACKUP_FILE)))
    features = pickle.loads(read_file(FEATURES_FILE))
    assert features == ensemble['features'] == backup['features']
    print('集成模型包含 %d 个模型, %d 个因子' % (len(ensemble['models']), len(features)))
    return research


if __name__ == '__main__':
    test_multi_model()
