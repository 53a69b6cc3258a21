# 均线择时 (moving-average timing) on one index ETF, written with handle_data — plain
# JoinQuant code.  Buy when the close is 1 % above its 20-day average, sell when below it.
from jqdata import *


def initialize(context):
    g.security = '510300.XSHG'
    set_benchmark('000300.XSHG')
    set_option('use_real_price', True)


def handle_data(context, data):
    security = g.security
    close_data = attribute_history(security, 20, '1d', ['close'])
    ma20 = close_data['close'].mean()
    current_price = data[security].close
    cash = context.portfolio.available_cash
    if current_price > 1.01 * ma20 and cash > 0:
        order_value(security, cash)
        log.info("Buying %s" % security)
    elif current_price < ma20 and context.portfolio.positions[security].closeable_amount > 0:
        order_target(security, 0)
        log.info("Selling %s" % security)
    record(stock_price=current_price)
