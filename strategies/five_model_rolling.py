# -*- coding: utf-8 -*-
# 机器学习多策略: 5 模型 MSE 动态加权滚动训练 (LightGBM / XGBoost / SVR / RandomForest / LinearRegression)
#
# A JoinQuant strategy file (seed 001): written only against JoinQuant's API, so it can be pasted
# into JoinQuant as it is, and run locally with `jqlite backtest strategies/five_model_rolling.py`.
#
# Flow (seed 001, sections 3-6):
#   09:00 check_monthly_retraining  train on the first day (unless a saved model was loaded) and
#                                   every 60 trading days: 36 months of factor data sampled twice
#                                   a month, five models, MSE-weighted ensemble with penalty
#   09:05 prepare_stock_list        filtered universe; on rebalance days the ensemble's top 5
#   09:30 trading_logic             on the first day and every 10 trading days: sell what is not
#                                   in the target list, buy targets with equal cash
# Models and metadata are saved with write_file (pickle bytes + JSON) and loaded in initialize.
from jqdata import *
from jqfactor import get_factor_values

import datetime
import json
import pickle

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import RobustScaler
from sklearn.svm import SVR

try:
    import lightgbm as lgb
except ImportError:  # pragma: no cover - both platforms ship it
    lgb = None
try:
    import xgboost as xgb
except ImportError:  # pragma: no cover
    xgb = None

# The 86 factors (jqfactor names): basics, emotion, momentum, per-share, quality, risk, style, technical.
FACTOR_LIST = [
    # basics
    'asset_impairment_loss_ttm', 'cash_flow_to_price_ratio', 'market_cap',
    'interest_free_current_liability', 'EBITDA', 'financial_assets', 'gross_profit_ttm',
    'net_working_capital', 'non_recurring_gain_loss', 'EBIT', 'sales_to_price_ratio',
    # emotion
    'AR', 'ARBR', 'ATR6', 'DAVOL10', 'MAWVAD', 'TVMA6', 'PSY', 'VOL10', 'VDIFF', 'VEMA26',
    'VMACD', 'VOL120', 'VOSC', 'VR', 'WVAD',
    # momentum
    'arron_down_25', 'arron_up_25', 'BBIC', 'MASS', 'Rank1M', 'single_day_VPT',
    'single_day_VPT_12', 'single_day_VPT_6', 'Volume1M', 'fifty_two_week_close_rank',
    # per share
    'capital_reserve_fund_per_share', 'net_asset_per_share', 'net_operate_cash_flow_per_share',
    'operating_profit_per_share', 'total_operating_revenue_per_share',
    'surplus_reserve_fund_per_share',
    # quality
    'ACCA', 'account_receivable_turnover_days', 'account_receivable_turnover_rate',
    'adjusted_profit_to_total_profit', 'super_quick_ratio', 'MLEV', 'debt_to_equity_ratio',
    'debt_to_tangible_equity_ratio', 'equity_to_fixed_asset_ratio', 'fixed_asset_ratio',
    'intangible_asset_ratio', 'invest_income_associates_to_total_profit',
    'long_debt_to_asset_ratio', 'long_debt_to_working_capital_ratio',
    'net_operate_cash_flow_to_total_liability', 'net_operating_cash_flow_coverage',
    'non_current_asset_ratio', 'operating_profit_to_total_profit', 'roa_ttm', 'roe_ttm',
    # risk
    'Kurtosis120', 'Kurtosis20', 'Kurtosis60', 'sharpe_ratio_20', 'sharpe_ratio_60',
    'Skewness120', 'Skewness20', 'Skewness60', 'Variance120', 'Variance20',
    # style
    'liquidity', 'beta', 'book_to_price_ratio', 'cash_earnings_to_price_ratio', 'cube_of_size',
    'earnings_to_price_ratio', 'earnings_yield', 'growth', 'momentum',
    'natural_log_of_market_cap',
    # technical
    'boll_down', 'MFI14', 'MAC10', 'price_no_fq',
]

MODEL_NAMES = ['lightgbm', 'xgboost', 'svr', 'random_forest', 'linear']
MODEL_FILE = 'five_model_rolling/models.pkl'
META_FILE = 'five_model_rolling/meta.json'


class MonthlyRolling5ModelStrategy(object):
    """Five models retrained on a rolling 36-month window, combined with MSE weights."""

    def __init__(self, index='399101.XSHE'):
        self.index = index
        self.factor_list = list(FACTOR_LIST)
        self.train_months = 36          # training window
        self.retrain_interval = 60      # trading days between retrains
        self.min_listed_days = 90
        self.max_stocks_per_date = 300  # stocks sampled per sample date (deterministic)
        self.valid_fraction = 0.2       # last 20 % of sample dates validate
        self.corr_threshold = 0.6
        self.clip_value = 10.0
        self.svr_max_rows = 2000        # SVR is O(n^2): train it on a deterministic subsample
        self.mse_window = 3
        self.penalty_ratio = 1.5
        self.penalty = 0.5
        self.eps = 1e-8
        self.models = {}
        self.scaler = None
        self.medians = None
        self.selected_features = []
        self.mse_history = dict((m, []) for m in MODEL_NAMES)
        self.rolling_mse_history = dict((m, []) for m in MODEL_NAMES)
        self.weights = {}
        self.is_trained = False
        self.trained_until = None
        self.train_rounds = 0

    # ------------------------------------------------------------------ universe
    def filter_stocks(self, stocks, date):
        """Drop ChiNext/STAR/BSE codes (3, 68, 4, 8), ST, paused and new (< 90 days) stocks."""
        out = []
        for s in stocks:
            code = s[:6]
            if code.startswith('3') or code.startswith('68') or code.startswith('4') \
                    or code.startswith('8'):
                continue
            out.append(s)
        if not out:
            return out
        st = get_extras('is_st', out, end_date=date, count=1, df=True)
        if len(st) > 0:
            row = st.iloc[-1]
            out = [s for s in out if not bool(row.get(s, False))]
        day = pd.Timestamp(date).date()
        keep = []
        for s in out:
            start = get_security_info(s).start_date
            if (day - start).days >= self.min_listed_days:
                keep.append(s)
        return keep

    def get_universe(self, date):
        return self.filter_stocks(get_index_stocks(self.index, date=date), date)

    def sample_universe(self, stocks, date):
        stocks = sorted(stocks)
        if len(stocks) <= self.max_stocks_per_date:
            return stocks
        rng = np.random.RandomState(int(pd.Timestamp(date).strftime('%Y%m%d')))
        idx = np.sort(rng.choice(len(stocks), self.max_stocks_per_date, replace=False))
        return [stocks[i] for i in idx]

    # ------------------------------------------------------------------ data
    def get_sample_dates(self, end_date):
        """Two dates a month (first trading day, first on/after the 15th) over 36 months."""
        end = pd.Timestamp(end_date)
        start = end - pd.DateOffset(months=self.train_months)
        days = pd.to_datetime(get_trade_days(start_date=start.date(), end_date=end.date()))
        out = []
        frame = pd.Series(days, index=days)
        for _, grp in frame.groupby([frame.index.year, frame.index.month]):
            out.append(grp.iloc[0])
            late = grp[grp.index.day >= 15]
            if len(late) > 0:
                out.append(late.iloc[0])
        return sorted(set(out))

    def get_factor_frame(self, stocks, date):
        """stocks x factors frame of the factor values on ``date``."""
        data = get_factor_values(stocks, self.factor_list, end_date=date, count=1)
        cols = {}
        for f in self.factor_list:
            df = data.get(f)
            if df is None or len(df) == 0:
                cols[f] = pd.Series(np.nan, index=stocks)
            else:
                cols[f] = df.iloc[-1].reindex(stocks)
        return pd.DataFrame(cols, index=stocks)

    def get_forward_returns(self, stocks, date, next_date):
        """Return from ``date``'s close to ``next_date``'s close (pre-adjusted)."""
        px = get_price(stocks, start_date=date, end_date=next_date, fields=['close'],
                       fq='pre', panel=False)
        wide = px.pivot(index='time', columns='code', values='close')
        if len(wide) < 2:
            return pd.Series(np.nan, index=stocks)
        ret = wide.iloc[-1] / wide.iloc[0] - 1.0
        return ret.reindex(stocks)

    def build_dataset(self, end_date):
        dates = self.get_sample_dates(end_date)
        frames = []
        for i in range(len(dates) - 1):
            d, nd = dates[i], dates[i + 1]
            stocks = self.sample_universe(self.get_universe(d.date()), d)
            if not stocks:
                continue
            x = self.get_factor_frame(stocks, d.date())
            y = self.get_forward_returns(stocks, d.date(), nd.date())
            x['ret'] = y
            x['date'] = d
            frames.append(x.dropna(subset=['ret']))
        if not frames:
            return None
        data = pd.concat(frames)
        # labels: regression target, binary above the cross-section median, 3 classes by quartile
        med = data.groupby('date')['ret'].transform('median')
        q25 = data.groupby('date')['ret'].transform(lambda r: r.quantile(0.25))
        q75 = data.groupby('date')['ret'].transform(lambda r: r.quantile(0.75))
        data['label_reg'] = data['ret']
        data['label_bin'] = (data['ret'] >= med).astype(float)
        data['label_cls'] = np.where(data['ret'] <= q25, 0, np.where(data['ret'] >= q75, 2, 1))
        return data

    # ------------------------------------------------------------------ preprocessing
    def clean(self, x):
        x = x.replace([np.inf, -np.inf], np.nan)
        return x.astype(float)

    def select_features(self, x):
        """Correlation graph (|corr| > 0.6): keep one factor per connected group, preferring
        the lower missing ratio, then the factor list's order."""
        miss = x.isnull().mean()
        usable = [f for f in x.columns if miss[f] < 0.5 and x[f].nunique(dropna=True) > 1]
        if not usable:
            return []
        corr = x[usable].rank().corr().abs().fillna(0.0).values
        order = dict((f, i) for i, f in enumerate(self.factor_list))
        n = len(usable)
        seen = [False] * n
        keep = []
        for i in range(n):
            if seen[i]:
                continue
            group, stack = [], [i]
            seen[i] = True
            while stack:
                k = stack.pop()
                group.append(k)
                for j in range(n):
                    if not seen[j] and corr[k, j] > self.corr_threshold:
                        seen[j] = True
                        stack.append(j)
            best = min(group, key=lambda k: (miss[usable[k]], order.get(usable[k], 999)))
            keep.append(usable[best])
        return sorted(keep, key=lambda f: order.get(f, 999))

    def fit_transform(self, x):
        x = self.clean(x[self.selected_features])
        self.medians = x.median().fillna(0.0)
        x = x.fillna(self.medians)
        self.scaler = RobustScaler()
        z = self.scaler.fit_transform(x.values)
        return np.clip(z, -self.clip_value, self.clip_value)

    def transform(self, x):
        x = self.clean(x.reindex(columns=self.selected_features))
        x = x.fillna(self.medians)
        z = self.scaler.transform(x.values)
        return np.clip(z, -self.clip_value, self.clip_value)

    # ------------------------------------------------------------------ models
    def make_models(self):
        models = {}
        if lgb is not None:
            models['lightgbm'] = lgb.LGBMRegressor(
                n_estimators=100, learning_rate=0.05, num_leaves=31, subsample=0.8,
                subsample_freq=1, colsample_bytree=0.8, random_state=42, verbose=-1)
        if xgb is not None:
            models['xgboost'] = xgb.XGBRegressor(
                n_estimators=100, learning_rate=0.05, max_depth=5, subsample=0.8,
                colsample_bytree=0.8, random_state=42, tree_method='hist')
        models['svr'] = SVR(kernel='rbf', C=1.0, epsilon=0.1, gamma='scale')
        models['random_forest'] = RandomForestRegressor(
            n_estimators=100, max_depth=6, min_samples_leaf=20, max_features='sqrt',
            random_state=42)
        models['linear'] = LinearRegression()
        return models

    def train(self, end_date):
        """Train the five models on the window ending ``end_date``; return True when done."""
        data = self.build_dataset(end_date)
        if data is None or len(data) < 200:
            log.warn('训练数据不足 (%s 行), 跳过训练' % (0 if data is None else len(data)))
            return False
        x_all = self.clean(data[self.factor_list])
        self.selected_features = self.select_features(x_all)
        if not self.selected_features:
            log.warn('没有可用因子, 跳过训练')
            return False
        dates = sorted(data['date'].unique())
        n_valid = max(1, int(round(len(dates) * self.valid_fraction)))
        cut = dates[-n_valid]
        tr = data[data['date'] < cut]
        va = data[data['date'] >= cut]
        x_tr = self.fit_transform(tr[self.factor_list])
        x_va = self.transform(va[self.factor_list])
        y_tr = tr['label_bin'].values
        y_va = va['label_bin'].values
        models = self.make_models()
        mses = {}
        for name in MODEL_NAMES:
            model = models.get(name)
            if model is None:
                continue
            if name == 'svr' and len(x_tr) > self.svr_max_rows:
                rng = np.random.RandomState(42)
                idx = rng.choice(len(x_tr), self.svr_max_rows, replace=False)
                model.fit(x_tr[idx], y_tr[idx])
            else:
                model.fit(x_tr, y_tr)
            pred = model.predict(x_va)
            mses[name] = float(np.mean((pred - y_va) ** 2))
            models[name] = model
        self.models = dict((k, v) for k, v in models.items() if k in mses)
        for name in MODEL_NAMES:
            if name in mses:
                self.mse_history[name].append(mses[name])
                recent = self.mse_history[name][-self.mse_window:]
                self.rolling_mse_history[name].append(float(np.mean(recent)))
        self.weights = self.calculate_dynamic_weights()
        self.is_trained = True
        self.trained_until = str(pd.Timestamp(end_date).date())
        self.train_rounds += 1
        log.info('训练完成 %s: %d 行, %d 个因子计算, %d 个经相关性筛选保留, MSE %s, 权重 %s' % (
            self.trained_until, len(data), len(self.factor_list), len(self.selected_features),
            dict((k, round(v, 5)) for k, v in mses.items()),
            dict((k, round(v, 4)) for k, v in self.weights.items())))
        return True

    def calculate_dynamic_weights(self):
        """weight_i = (1/(rolling_mse_i + eps) * penalty_i) / sum_k(...), penalty 0.5 for a model
        whose last two rolling MSEs both exceed 1.5 x the mean rolling MSE of the models."""
        rolling = {}
        for name in MODEL_NAMES:
            hist = self.rolling_mse_history.get(name) or []
            if hist and np.isfinite(hist[-1]):
                rolling[name] = hist[-1]
        if not rolling:
            return {}
        global_mean = float(np.mean(list(rolling.values())))
        raw = {}
        for name, mse in rolling.items():
            hist = self.rolling_mse_history[name]
            penalty = 1.0
            if len(hist) >= 2 and hist[-1] > self.penalty_ratio * global_mean \
                    and hist[-2] > self.penalty_ratio * global_mean:
                penalty = self.penalty
            raw[name] = 1.0 / (mse + self.eps) * penalty
        total = sum(raw.values())
        return dict((k, v / total) for k, v in raw.items())

    def predict(self, x):
        z = self.transform(x)
        score = np.zeros(len(x))
        for name, w in self.weights.items():
            model = self.models.get(name)
            if model is not None:
                score += w * model.predict(z)
        return pd.Series(score, index=x.index)

    def score_stocks(self, stocks, date):
        if not stocks:
            return pd.Series(dtype=float)
        x = self.get_factor_frame(stocks, date)
        return self.predict(x[self.factor_list]).sort_values(ascending=False)

    # ------------------------------------------------------------------ persistence
    def state(self):
        return {
            'models': self.models, 'scaler': self.scaler, 'medians': self.medians,
            'selected_features': self.selected_features, 'mse_history': self.mse_history,
            'rolling_mse_history': self.rolling_mse_history, 'weights': self.weights,
            'trained_until': self.trained_until, 'train_rounds': self.train_rounds,
        }

    def save(self):
        write_file(MODEL_FILE, pickle.dumps(self.state()))
        meta = {
            'trained_until': self.trained_until, 'train_rounds': self.train_rounds,
            'selected_features': self.selected_features,
            'weights': self.weights, 'mse_history': self.mse_history,
        }
        write_file(META_FILE, json.dumps(meta, ensure_ascii=False, indent=1))

    def load(self, now=None):
        """Load the saved models; refuse ones trained on data at or after ``now`` (a file
        left by a run over later dates would be look-ahead through storage)."""
        state = pickle.loads(read_file(MODEL_FILE))
        until = state.get('trained_until')
        if now is not None and until is not None and pd.Timestamp(until) >= pd.Timestamp(now.date()):
            raise ValueError('保存的模型训练至 %s, 不早于当前日期 %s (未来数据), 不使用' % (until, now.date()))
        for k, v in state.items():
            setattr(self, k, v)
        self.is_trained = bool(self.models) and bool(self.selected_features)
        return self.is_trained


def initialize(context):
    set_benchmark('399101.XSHE')
    set_option('use_real_price', True)
    set_option('avoid_future_data', True)
    set_slippage(FixedSlippage(0))
    set_order_cost(OrderCost(open_tax=0, close_tax=0.001, open_commission=0.0003,
                             close_commission=0.0003, close_today_commission=0,
                             min_commission=5), type='stock')
    log.set_level('order', 'error')
    g.stock_num = 5
    g.rebalance_days = 10
    g.day_count = 0
    g.days_since_train = 0
    g.target_list = []
    g.strategy = MonthlyRolling5ModelStrategy('399101.XSHE')
    try:
        g.pretrained = g.strategy.load(context.current_dt)
        log.info('已加载模型 (训练至 %s)' % g.strategy.trained_until)
    except Exception as e:
        g.pretrained = False
        log.info('未找到已保存的模型, 回测中首次训练: %s' % e)
    run_daily(check_monthly_retraining, '09:00')
    run_daily(prepare_stock_list, '09:05')
    run_daily(trading_logic, '09:30')


def check_monthly_retraining(context):
    need = (not g.strategy.is_trained) or g.days_since_train >= g.strategy.retrain_interval
    if need:
        if g.strategy.train(context.previous_date):
            g.strategy.save()
            g.days_since_train = 0
    g.days_since_train += 1


def is_rebalance_day():
    return g.day_count % g.rebalance_days == 0


def prepare_stock_list(context):
    if not is_rebalance_day():
        return
    date = context.previous_date
    stocks = g.strategy.get_universe(date)
    current = get_current_data()
    stocks = [s for s in stocks if not current[s].paused and not current[s].is_st]
    if g.strategy.is_trained:
        scores = g.strategy.score_stocks(stocks, date)
        g.target_list = list(scores.index[:g.stock_num])
    else:
        g.target_list = stocks[:g.stock_num]   # untrained fallback: the first few names
    log.info('目标股票: %s' % g.target_list)


def trading_logic(context):
    rebalance = is_rebalance_day()
    g.day_count += 1
    if not rebalance:
        return
    current = get_current_data()
    targets = g.target_list
    for s in list(context.portfolio.positions.keys()):
        if s not in targets:
            pos = context.portfolio.positions[s]
            if pos.closeable_amount > 0 and current[s].last_price > current[s].low_limit:
                order_target_value(s, 0)
    held = [s for s in context.portfolio.positions.keys()
            if context.portfolio.positions[s].total_amount > 0]
    to_buy = [s for s in targets if s not in held
              and current[s].last_price < current[s].high_limit and not current[s].paused]
    slots = g.stock_num - len([s for s in held if s in targets])
    to_buy = to_buy[:max(slots, 0)]
    if not to_buy:
        return
    value = context.portfolio.available_cash / len(to_buy)
    for s in to_buy:
        order_target_value(s, value)
