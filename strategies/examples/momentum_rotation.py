# 指数成分股动量轮动 (index-constituent momentum rotation) — plain JoinQuant code.
# Every 5 trading days: rank the CSI 300 constituents by 20-day return (history), hold the
# top 10 with equal value.  Paste into JoinQuant unchanged.
#
# What it demonstrates: the JoinQuant API (scheduling, history, get_current_data, order
# functions, costs, slippage), not an edge: short-term momentum on large caps is weak and
# turnover-heavy.  The universe is filtered as a copied strategy should be -- no suspended
# or ST stocks, no stock listed for less than g.min_listed_days calendar days (post-IPO
# runs look like momentum and then reverse), nothing bought at its limit-up price.
from jqdata import *


def initialize(context):
    set_benchmark('000300.XSHG')
    set_option('use_real_price', True)
    set_option('avoid_future_data', True)
    set_order_cost(OrderCost(open_tax=0, close_tax=0.001, open_commission=0.0003,
                             close_commission=0.0003, close_today_commission=0,
                             min_commission=5), type='stock')
    set_slippage(PriceRelatedSlippage(0.002))
    g.index = '000300.XSHG'
    g.lookback = 20
    g.hold_num = 10
    g.period = 5
    g.days = 0
    g.min_listed_days = 250
    run_daily(rebalance, time='9:30')


def rebalance(context):
    if g.days % g.period != 0:
        g.days += 1
        return
    g.days += 1
    stocks = get_index_stocks(g.index)
    current = get_current_data()
    today = context.current_dt.date()
    stocks = [s for s in stocks if not current[s].paused and not current[s].is_st
              and (today - get_security_info(s).start_date).days >= g.min_listed_days]
    if not stocks:
        return
    prices = history(g.lookback + 1, '1d', 'close', stocks)
    momentum = (prices.iloc[-1] / prices.iloc[0] - 1).dropna()
    targets = list(momentum.sort_values(ascending=False).index[:g.hold_num])
    for s in list(context.portfolio.positions.keys()):
        if s not in targets:
            order_target_value(s, 0)
    value = context.portfolio.total_value / g.hold_num
    for s in targets:
        if current[s].last_price < current[s].high_limit:
            order_target_value(s, value)
    record(holdings=len(context.portfolio.positions))
