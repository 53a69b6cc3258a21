# 黄金ETF 日内网格 (gold ETF intraday grid) — plain JoinQuant code, minute frequency.
# Run with `jqlite backtest strategies/examples/etf_grid_intraday.py --frequency minute ...`.
# Gold ETFs trade T+0, so a lot bought in the morning may be sold the same afternoon.
# Every minute: buy one lot when the price has fallen one grid step below the last trade
# price, sell one lot when it has risen one step above it; the grid re-centres each morning.
from jqdata import *


def initialize(context):
    set_benchmark('518880.XSHG')
    set_option('use_real_price', True)
    set_order_cost(OrderCost(open_tax=0, close_tax=0, open_commission=0.0002,
                             close_commission=0.0002, close_today_commission=0,
                             min_commission=0.1), type='fund')
    set_slippage(FixedSlippage(0.002))
    g.etf = '518880.XSHG'
    g.step = 0.003        # grid step: 0.3 %
    g.lot = 2000          # shares per grid level
    g.max_levels = 8
    run_daily(reset_grid, 'before_open')


def reset_grid(context):
    g.base = None


def handle_data(context, data):
    bar = data[g.etf]
    if bar.paused:
        return
    price = bar.close
    if g.base is None:
        g.base = price
        return
    pos = context.portfolio.positions[g.etf] if g.etf in context.portfolio.positions else None
    held = pos.total_amount if pos is not None else 0
    closeable = pos.closeable_amount if pos is not None else 0
    if price <= g.base * (1 - g.step) and held < g.lot * g.max_levels:
        o = order(g.etf, g.lot)
        if o is not None and o.filled > 0:
            g.base = price
            log.info('grid buy %d @ %.3f', o.filled, o.price)
    elif price >= g.base * (1 + g.step) and closeable >= g.lot:
        o = order(g.etf, -g.lot)
        if o is not None and o.filled > 0:
            g.base = price
            log.info('grid sell %d @ %.3f', o.filled, o.price)
