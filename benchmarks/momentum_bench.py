# The peers' benchmark strategy (../shared/bench-peers/jq_momentum.py): every 5 days hold the
# 10 best 20-day-momentum stocks of 000300.XSHG with equal value.  Plain JoinQuant code.
from jqdata import *


def initialize(context):
    set_benchmark('000300.XSHG')
    set_option('use_real_price', True)
    set_order_cost(OrderCost(open_tax=0, close_tax=0.001, open_commission=0.0003,
                             close_commission=0.0003, min_commission=5), type='stock')
    g.lookback = 20
    g.top = 10
    g.i = 0
    run_daily(rebalance, time='open')


def rebalance(context):
    g.i += 1
    if g.i < g.lookback + 1 or g.i % 5:
        return
    stocks = get_index_stocks('000300.XSHG')
    h = history(g.lookback + 1, '1d', 'close', security_list=stocks)
    mom = (h.iloc[-1] / h.iloc[0] - 1).sort_values(ascending=False)
    target = list(mom.index[:g.top])
    for s in list(context.portfolio.positions.keys()):
        if s not in target:
            order_target_value(s, 0)
    val = context.portfolio.total_value / g.top * 0.98
    for s in target:
        order_target_value(s, val)
