# ETF 动量轮动 (ETF rotation) with attribute_history — plain JoinQuant code.
# Weekly: hold the ETF with the best 25-day momentum if it is positive, else stay in cash.
from jqdata import *


def initialize(context):
    set_benchmark('510300.XSHG')
    set_option('use_real_price', True)
    set_order_cost(OrderCost(open_tax=0, close_tax=0, open_commission=0.0002,
                             close_commission=0.0002, close_today_commission=0,
                             min_commission=5), type='fund')
    set_slippage(FixedSlippage(0.002))
    g.etfs = ['510300.XSHG', '510500.XSHG', '159915.XSHE', '512880.XSHG', '512690.XSHG']
    g.n = 25
    run_weekly(rotate, 1, time='open')


def rotate(context):
    scores = {}
    for etf in g.etfs:
        info = get_security_info(etf)
        if info is None or info.start_date > context.previous_date:
            continue
        h = attribute_history(etf, g.n, '1d', ['close'], df=False)
        closes = h['close']
        if len(closes) < g.n:
            continue
        scores[etf] = closes[-1] / closes[0] - 1
    best = max(scores, key=scores.get) if scores else None
    if best is not None and scores[best] <= 0:
        best = None
    for etf in list(context.portfolio.positions.keys()):
        if etf != best:
            order_target(etf, 0)
    if best is not None and best not in context.portfolio.positions:
        order_value(best, context.portfolio.available_cash * 0.98)
        log.info('买入 %s, 动量 %.4f', best, scores[best])
