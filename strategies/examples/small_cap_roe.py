# 小市值 + ROE>0 (small caps with positive ROE) — plain JoinQuant code.
# On the first trading day of each month: among the stocks whose latest reported ROE is
# positive, hold the 20 with the smallest total market cap (valuation.market_cap, as of
# yesterday's close), equal value each.  Suspended, ST and limit-up-at-open stocks are
# skipped (they cannot be bought).  Paste into JoinQuant unchanged.
from jqdata import *


def initialize(context):
    set_benchmark('000300.XSHG')
    set_option('use_real_price', True)
    set_option('avoid_future_data', True)
    set_order_cost(OrderCost(open_tax=0, close_tax=0.001, open_commission=0.0003,
                             close_commission=0.0003, close_today_commission=0,
                             min_commission=5), type='stock')
    g.stock_num = 20
    run_monthly(rebalance, 1, time='9:30')


def pick(context):
    q = query(valuation.code, valuation.market_cap, indicator.roe).filter(
        indicator.roe > 0, valuation.market_cap > 0
    ).order_by(valuation.market_cap.asc(), valuation.code.asc())
    df = get_fundamentals(q)  # default date: the previous day (no look-ahead)
    current = get_current_data()
    picks = []
    for code in df['code']:
        c = current[code]
        if c.paused or c.is_st or c.last_price >= c.high_limit:
            continue
        picks.append(code)
        if len(picks) == g.stock_num:
            break
    return picks


def rebalance(context):
    targets = pick(context)
    g.targets = targets
    for s in list(context.portfolio.positions.keys()):
        if s not in targets:
            order_target_value(s, 0)
    if not targets:
        return
    value = context.portfolio.total_value / len(targets)
    for s in targets:
        order_target_value(s, value)
    log.info('rebalance: %d targets, smallest %s' % (len(targets), targets[:3]))
