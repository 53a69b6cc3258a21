# 多空中性 alpha 组合 (market-neutral long-short alpha book) -- the project's seed 004 recipe.
#
# Every day before the open:
#   1. alpha = standardised (5-day reversal + book-to-price) on the CSI 300, from jqfactor values
#      of the previous day (winsorize_med -> standardlize, jqfactor's own preprocessing);
#   2. power-rank transform (jqlib.portfolio.power_rank, power g.power): skewed, fat-tailed
#      signals become symmetric, power > 1 puts more weight on the head of the alpha;
#   3. top half long, bottom half short, dollar-, SW level-1 industry- and size-neutral, each
#      name capped at g.max_weight (jqlib.portfolio.long_short_weights: a cvxpy QP).
#
# How the two legs are held -- stated plainly: jqlite runs one stock account and A-share spot
# accounts cannot short, so
#   * the LONG leg is traded: its weights x 2 (= 100 % of the account) as stock positions;
#   * the SHORT leg is NOT traded.  It is modelled on paper: record('book') is the net value of
#     the full long-short book (long-leg return minus short-basket return, close to close, no
#     costs), and record('hedged') the long leg hedged with a short CSI 300 futures position
#     of equal value (account return minus index return; basis and margin ignored).
# The run's Brinson attribution (report.html) then shows the long leg against the CSI 300.
#
# jqlib.portfolio is jqlite's module (not on JoinQuant): on JoinQuant copy its functions in.
from jqdata import *
from jqfactor import get_factor_values, standardlize, winsorize_med
from jqlib.portfolio import long_short_weights, neutral_inputs

import numpy as np


def initialize(context):
    set_benchmark('000300.XSHG')
    set_option('use_real_price', True)
    set_option('avoid_future_data', True)
    set_order_cost(OrderCost(open_tax=0, close_tax=0.001, open_commission=0.0003,
                             close_commission=0.0003, close_today_commission=0,
                             min_commission=5), type='stock')
    g.index = '000300.XSHG'
    g.power = 2.0
    g.max_weight = 0.03
    g.min_trade = 2000          # yuan: smaller adjustments are skipped (turnover)
    g.book = None               # last long-short weights (paper book)
    g.book_nav = 1.0
    g.hedge_nav = 1.0
    g.last_value = None
    g.last_index = None
    run_daily(rebalance, time='9:30')
    run_daily(mark, time='15:00')


def alpha_of(stocks, day):
    v = get_factor_values(stocks, ['book_to_price_ratio'], end_date=day, count=1)
    bp = v['book_to_price_ratio'].iloc[-1]
    close = history(6, '1d', 'close', stocks)
    reversal = -(close.iloc[-1] / close.iloc[0] - 1)
    a = standardlize(winsorize_med(reversal, scale=5)) + standardlize(winsorize_med(bp, scale=5))
    return a.dropna()


def rebalance(context):
    current = get_current_data()
    stocks = [s for s in get_index_stocks(g.index)
              if not current[s].paused and not current[s].is_st]
    alpha = alpha_of(stocks, context.previous_date)
    if len(alpha) < 20:
        log.warn('alpha: only %d names, no rebalance' % len(alpha))
        return
    industry, size = neutral_inputs(list(alpha.index), context.previous_date)
    w = long_short_weights(alpha, industry=industry, size=size, power=g.power, max_weight=g.max_weight)
    g.book = w
    longs = w[w > 0] * 2.0       # the long leg is 100 % of the account
    total = context.portfolio.total_value
    for s in list(context.portfolio.positions.keys()):
        if s not in longs.index:
            order_target_value(s, 0)
    for s, x in longs.items():
        target = total * x
        pos = context.portfolio.positions.get(s)
        held = pos.value if pos is not None else 0.0
        if abs(target - held) >= g.min_trade and current[s].last_price < current[s].high_limit:
            order_target_value(s, target)


def mark(context):
    # paper P&L of the long-short book held today (weights set at the open, close-to-close)
    # (at 15:00 the day's close is known: get_price up to current_dt includes today's bar)
    idx = get_price(g.index, end_date=context.current_dt, count=1, fields='close', fq=None)['close'].iloc[-1]
    value = context.portfolio.total_value
    if g.book is not None and g.last_value is not None:
        names = list(g.book[g.book != 0].index)
        px = get_price(names, end_date=context.current_dt, count=2, fields='close', fq='pre',
                       panel=False).pivot(index='time', columns='code', values='close')
        r = (px.iloc[-1] / px.iloc[-2] - 1).fillna(0.0)
        g.book_nav *= 1.0 + float(np.dot(g.book[names].values, r[names].values))
        g.hedge_nav *= 1.0 + (value / g.last_value - 1) - (idx / g.last_index - 1)
    g.last_value, g.last_index = value, idx
    record(book=g.book_nav, hedged=g.hedge_nav)
