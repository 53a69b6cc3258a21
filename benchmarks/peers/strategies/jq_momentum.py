# Peer benchmark strategy, plain JoinQuant code: this same file is run by jqlite and by bullet-trade.
# Every 5th trading day (from day 21 on) rank all stocks by 20-day return (21 closes up to
# yesterday, decided at today's open), sell what left the top 10, buy the top 10 at equal value
# (98 % of total value / 10).  Commission 0.03 % both ways, min 5 yuan, stamp duty 0.1 % on sells,
# no slippage.
from jqdata import *


def initialize(context):
    set_benchmark('000300.XSHG')
    set_option('use_real_price', True)
    set_order_cost(OrderCost(open_tax=0, close_tax=0.001, open_commission=0.0003,
                             close_commission=0.0003, min_commission=5), type='stock')
    set_slippage(FixedSlippage(0))  # JoinQuant's default is 0.246 %; the peers get none either
    g.lookback = 20
    g.top = 10
    g.i = 0
    run_daily(rebalance, time='open')


def rebalance(context):
    g.i += 1
    if g.i < g.lookback + 1 or g.i % 5:
        return
    stocks = list(get_all_securities(['stock'], context.previous_date).index)
    h = history(g.lookback + 1, '1d', 'close', security_list=stocks)
    if hasattr(h.columns, 'levels'):  # no-op on JoinQuant/jqlite (columns = codes); bullet-trade gives (field, code)
        h = h.droplevel(0, axis=1)
    mom = (h.iloc[-1] / h.iloc[0] - 1).dropna().sort_values(ascending=False)
    target = list(mom.index[:g.top])
    for s in list(context.portfolio.positions.keys()):
        if s not in target:
            order_target_value(s, 0)
    val = context.portfolio.total_value / g.top * 0.98
    for s in target:
        order_target_value(s, val)
