"""Compatibility sweep: small strategies built from what real JoinQuant files use (spec
``real_strategy_api_usage.md``, findings 1-11 and the argument notes), each run as a whole
backtest on a tiny market and checked against a hand-computed outcome.

Market (days 03-01, 03-04, 03-05, 03-06, 03-07 of 2024): 600000.XSHG closes 10.0, 10.2, 10.4,
10.6, 10.8 (open = previous close), 600001.XSHG 20.0 flat, index 000300.XSHG 3500 -> 3540.
Costs are zeroed in every source unless a case is about costs.
"""

import pytest

import jqlite
import jqlite.errors

pytestmark = pytest.mark.smoke  # also run on Python 3.12 / 3.13 by .ci/run

HEAD = """
def _zero_costs():
    set_order_cost(OrderCost(open_tax=0, close_tax=0, open_commission=0, close_commission=0,
                             min_commission=0), type='stock')
    set_slippage(FixedSlippage(0))
"""

# ---------------------------------------------------------------- scheduling time strings
SCHEDULING = HEAD + """
def initialize(context):
    _zero_costs()
    g.calls = []
    for t in ['14:50:00', '9:30:01', '7:00', '16:05', '1:00', 'every_bar']:
        run_daily(make(t), time=t)
    run_daily(make('positional 10:00'), '10:00')
    run_daily(make('ref'), time='open', reference_security='000300.XSHG')
    run_monthly(make('monthly'), 2, time='before_open')     # 2nd trading day of March: 03-04

def make(tag):
    def f(context):
        if str(context.current_dt.date()) == '2024-03-04':
            g.calls.append((tag, context.current_dt.strftime('%H:%M:%S')))
    f.__name__ = 'f_' + tag.replace(' ', '_').replace(':', '')
    return f
"""


def check_scheduling(res):
    calls = res.run.g.calls
    assert sorted(calls, key=lambda c: c[1]) == calls      # fired in time order
    assert dict(calls) == {"1:00": "01:00:00", "7:00": "07:00:00", "monthly": "09:00:00",
                           "every_bar": "09:30:00",
                           "ref": "09:30:00", "9:30:01": "09:30:01", "positional 10:00": "10:00:00",
                           "14:50:00": "14:50:00", "16:05": "16:05:00"}


# ---------------------------------------------------------------- orders / portfolio aliases
ORDERS = HEAD + """
def initialize(context):
    _zero_costs()
    set_benchmark('000300.XSHG')
    set_option('use_real_price', True)
    log.set_level('order', 'error')
    run_daily(trade, '9:30')
    run_daily(look, 'after_close')

def trade(context):
    d = str(context.current_dt.date())
    if d == '2024-03-01':
        order_target_value('600000.XSHG', 10000, MarketOrderStyle(10.5))   # positional style
        o = order('600001.XSHG', 200)
        g.order = (o.security, o.amount, o.filled, o.price, str(o.status), o.status == OrderStatus.held)
        g.index_order = order('000300.XSHG', 100)     # refused; its warning is on the 'order' channel
    elif d == '2024-03-04':
        order_target('600000.XSHG', 500)

def look(context):
    p = context.portfolio
    pos = p.positions.get('600000.XSHG')
    if str(context.current_dt.date()) == '2024-03-01':
        g.day1 = dict(amount=pos.amount, total=pos.total_amount, sellable=pos.sellable_amount,
                      closeable=pos.closeable_amount, avg_cost=pos.avg_cost, price=pos.price,
                      value=pos.value, hold_cost=pos.hold_cost, security=pos.security,
                      cash=p.cash, available=p.available_cash, total_value=p.total_value,
                      portfolio_value=p.portfolio_value, positions_value=p.positions_value,
                      returns=p.returns, starting=p.starting_cash,
                      long_keys=sorted(p.long_positions.keys()),
                      sub_cash=context.subportfolios[0].available_cash,
                      sub_long=sorted(context.subportfolios[0].long_positions),
                      missing=p.positions.get('000001.XSHE', 'none'))
    elif str(context.current_dt.date()) == '2024-03-04':
        g.day2 = (pos.amount, pos.sellable_amount, sorted(s for s, _ in p.positions.items()),
                  '600001.XSHG' in p.positions, sorted(x.security for x in p.positions.values()),
                  pos.last_sale_price, str(pos.transact_time))
"""


def check_orders(res):
    g = res.run.g
    # 10,000 / 10.0 (03-01 open, under the 10.5 protective price) = 1000 shares; 200 x 20.0
    first = res.orders.iloc[0]
    assert (first.security, int(first.filled), first.style) == ("600000.XSHG", 1000, "MarketOrderStyle")
    assert g.order == ("600001.XSHG", 200, 200, 20.0, "held", True)
    d = g.day1
    # amount is JoinQuant's deprecated alias of closeable_amount (T+1: 0 on the buy day)
    assert (d["amount"], d["total"], d["sellable"], d["closeable"]) == (0, 1000, 0, 0)
    assert (d["avg_cost"], d["price"], d["value"], d["hold_cost"]) == (10.0, 10.0, 10000.0, 10.0)
    assert d["security"] == "600000.XSHG"
    assert d["cash"] == d["available"] == d["sub_cash"] == pytest.approx(100000 - 10000 - 4000)
    assert d["total_value"] == d["portfolio_value"] == pytest.approx(100000)
    assert d["positions_value"] == pytest.approx(14000)
    assert d["returns"] == pytest.approx(0.0)
    assert d["starting"] == 100000
    assert d["long_keys"] == d["sub_long"] == ["600000.XSHG", "600001.XSHG"]
    assert d["missing"] == "none"
    # 03-04: sell 500 down to 500 at the 10.0 open (after_close look: every share closeable);
    # last_sale_price is the old alias of price (marked to the 10.2 close); transact_time is
    # the 09:30 sell
    assert g.day2[:5] == (500, 500, ["600000.XSHG", "600001.XSHG"], True, ["600000.XSHG", "600001.XSHG"])
    assert g.day2[5:] == (10.2, "2024-03-04 09:30:00")
    # ordering the index returns None; log.set_level('order', 'error') hid its warning
    assert g.index_order is None
    assert not any("是指数" in line for line in res.log)


# ---------------------------------------------------------------- index code, PerTrade, misc hooks
MISC = """
def initialize(context):
    set_commission(PerTrade(buy_cost=0.001, sell_cost=0.002, min_cost=5))
    set_slippage(FixedSlippage(0))
    set_universe(['600000.XSHG'])
    disable_cache()
    enable_profile()

def handle_data(context, data):
    d = str(context.current_dt.date())
    if d == '2024-03-01':
        g.first_bar = data['600000.XSHG'].close            # no bar before the store's first day
    elif d == '2024-03-04':
        g.bar = (data['600000.XSHG'].close, data['600000.XSHG'].price)
        o = order('000300.XSHG', 100)                       # old files order the index code
        g.index_order = None if o is None else (o.amount, o.filled)
        order_value('600000.XSHG', 20000)
        record(x=1.5, y=context.portfolio.positions_value)
        g.sent = send_message('hello')
    elif d == '2024-03-06':
        g.mavg = data['600000.XSHG'].mavg(3, 'close')
        g.hist = history(2, '1d', 'close')               # security_list defaults to the universe
        inout_cash(1000)
        g.cash_after = context.portfolio.available_cash
        g.inout = context.portfolio.inout_cash
"""


def check_misc(res):
    g = res.run.g
    assert g.first_bar != g.first_bar                       # NaN
    # data[s] in handle_data is the previous day's bar: 03-01 close 10.0, price = money/volume
    assert g.bar == (10.0, 10.0)
    # ordering an index is refused with a warning, not an exception
    assert g.index_order is None
    assert any("000300.XSHG 是指数" in line for line in res.log)
    # mavg(3) on 03-06: closes of 03-01, 03-04 and 03-05
    assert g.mavg == pytest.approx((10.0 + 10.2 + 10.4) / 3)
    assert list(g.hist.columns) == ["600000.XSHG"] and g.hist["600000.XSHG"].tolist() == [10.2, 10.4]
    # PerTrade: 0.1% buy commission (min 5 yuan): 2000 shares x 10.0 (03-04 open) -> 20 yuan
    o = res.orders[res.orders.security == "600000.XSHG"].iloc[0]
    assert (int(o.amount), o.commission) == (2000, pytest.approx(20.0))
    assert g.cash_after == pytest.approx(100000 - 20000 - 20 + 1000)
    assert g.inout == 101000
    rec = res.daily.set_index(res.daily["date"].astype(str).str[:10])
    assert rec.loc["2024-03-04", "record_x"] == 1.5
    assert rec["record_x"].notna().sum() == 1
    assert rec.loc["2024-03-04", "record_y"] == pytest.approx(20000.0)   # 2000 x 10.0 after the fill
    assert g.sent is True
    assert "2024-03-04 09:30:00 - DEBUG - send_message: hello" in res.log


# ---------------------------------------------------------------- data argument spellings
DATA = HEAD + """
def initialize(context):
    run_daily(look, '10:00')

def look(context):
    if str(context.current_dt.date()) != '2024-03-06':
        return
    s = '600000.XSHG'
    g.long = get_price([s, '600001.XSHG'], end_date='2024-03-05', count=2, frequency='daily',
                       fields=['close', 'high_limit'], panel=False, fq='pre')
    g.panel = get_price([s, '600001.XSHG'], end_date='2024-03-05', count=2, fields=['close'],
                        panel=True)
    g.post = get_price(s, end_date='2024-03-05', count=2, fields=['close'], fq='post')
    g.nodf = attribute_history(s, 2, '1d', ['close', 'open'], df=False)
    g.last = history(1, unit='1m', field='close', security_list=[s])
"""


def check_data(res):
    g = res.run.g
    # panel=False: long frame, one row per (day, code)
    assert list(g.long.columns) == ["time", "code", "close", "high_limit"]
    assert g.long["code"].tolist() == ["600000.XSHG"] * 2 + ["600001.XSHG"] * 2
    assert g.long["close"].tolist() == [10.2, 10.4, 20.0, 20.0]
    # high_limit = previous close x 1.1: 10.0 -> 11.00, 10.2 -> 11.22
    assert g.long["high_limit"].tolist() == [11.0, 11.22, 22.0, 22.0]
    # panel=True: panel['close'] is a date x code frame
    assert g.panel["close"]["600000.XSHG"].tolist() == [10.2, 10.4]
    assert list(g.panel["close"].columns) == ["600000.XSHG", "600001.XSHG"]
    # fq='post' (adjustment factor 1 in this market)
    assert g.post["close"].tolist() == [10.2, 10.4]
    # df=False: dict of numpy arrays, the 2 days before 03-06
    assert sorted(g.nodf) == ["close", "open"]
    assert g.nodf["close"].tolist() == [10.2, 10.4] and g.nodf["open"].tolist() == [10.0, 10.2]
    # history(1, '1m') one-bar helper served from the current day's bar
    assert g.last["600000.XSHG"].tolist() == [10.6]


# ---------------------------------------------------------------- finance / macro / jy
FINANCE = """
def initialize(context):
    run_daily(look, 'before_open')

def look(context):
    g.frames = {}
    for t in ['STK_EL_TOP_ACTIVATE', 'STK_HK_HOLD_INFO', 'STK_AUDIT_OPINION']:
        tbl = getattr(finance, t)
        g.frames[t] = finance.run_query(query(tbl).filter(tbl.code == '600000.XSHG').limit(10))
    g.pmi = macro.run_query(query(macro.MAC_MANUFACTURING_PMI).limit(5))
    g.jy = jy.run_query(query(jy.SecuMain.SecuCode, jy.SecuMain.SecuMarket, jy.SecuMain.InnerCode)
                        .filter(jy.SecuMain.SecuCategory == 1))
    try:
        jy.QT_IndexQuote
    except Exception as e:
        g.jy_err = e
"""


def check_finance(res):
    g = res.run.g
    assert {t: list(f.columns) for t, f in g.frames.items()} == {
        "STK_EL_TOP_ACTIVATE": ["id", "day", "link_id", "link_name", "rank", "code", "name",
                                "exchange", "buy", "sell", "total"],
        "STK_HK_HOLD_INFO": ["id", "day", "link_id", "link_name", "code", "name", "share_number",
                             "share_ratio"],
        "STK_AUDIT_OPINION": ["id", "company_id", "company_name", "code", "pub_date", "end_date",
                              "report_type", "accounting_firm", "accountant", "opinion_type_id",
                              "opinion_type"],
    }
    assert all(len(f) == 0 for f in g.frames.values())
    assert len(g.pmi) == 0 and list(g.pmi.columns)[:3] == ["id", "stat_month", "pmi"]
    # jy (聚源) serves SecuMain from the securities master: 600000 on the SSE (83) with
    # jqlite's InnerCode 1_000_000 + code; other JuYuan tables raise naming themselves
    row = g.jy[g.jy["SecuCode"] == "600000"].iloc[0]
    assert (row["SecuMarket"], row["InnerCode"]) == (83, 1600000)
    assert isinstance(g.jy_err, jqlite.errors.ParamsError) and "jy.QT_IndexQuote" in str(g.jy_err)
    # one warning per table per run, although the table is queried on every day, and one
    # end-of-run data-gap summary line counting the calls (jqlite.api._gaps)
    warns = [line for line in res.log if "STK_HK_HOLD_INFO" in line]
    assert warns == ["2024-03-01 09:00:00 - WARNING - data gap: finance.run_query(): the data store has no "
                     "沪深港通持股 (STK_HK_HOLD_INFO) data (only the synthetic sample market has it); "
                     "returning an empty DataFrame with JoinQuant's columns",
                     "2024-03-07 15:00:00 - WARNING - data gap summary: finance.STK_HK_HOLD_INFO: "
                     "沪深港通持股 (STK_HK_HOLD_INFO) data absent in store — 5 calls"]
    assert {g["what"]: g["calls"] for g in res.metrics["data_gaps"]}["沪深港通持股 (STK_HK_HOLD_INFO) data"] == 5


# ---------------------------------------------------------------- implicit globals
GLOBALS = """
def initialize(context):
    context.my_attr = 3
    g.v = [
        datetime.datetime(2024, 1, 2).year, math.floor(2.5), isnan(nan), pd.Series([1, 2]).sum(),
        (datetime.date(2024, 1, 2) + timedelta(days=1)).day, int(np.sum([1, 2])), mean([1, 3]),
        std([1, 3]), list(array([1, 2])), round(exp(0), 6), int(power(2, 3)), list(diff([1, 4])),
        context.my_attr,
    ]
"""


def check_globals(res):
    assert res.run.g.v == [2024, 2, True, 3, 3, 3, 2.0, 1.0, [1, 2], 1.0, 8, [3], 3]


CASES = {
    "scheduling": (SCHEDULING, check_scheduling),
    "orders_aliases": (ORDERS, check_orders),
    "misc_hooks": (MISC, check_misc),
    "data_args": (DATA, check_data),
    "finance_macro_jy": (FINANCE, check_finance),
    "implicit_globals": (GLOBALS, check_globals),
}


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    from jqlite.testing import tiny_market
    return tiny_market(tmp_path_factory.mktemp("compat") / "m", {
        "600000.XSHG": [10.0, 10.2, 10.4, 10.6, 10.8],
        "600001.XSHG": [20.0] * 5,
        "000300.XSHG": [3500.0, 3510.0, 3520.0, 3530.0, 3540.0],
    }, start="2024-03-01", types={"000300.XSHG": "index"})


@pytest.mark.parametrize("case", list(CASES))
def test_compat(case, market):
    src, check = CASES[case]
    res = jqlite.run_backtest(f"{case}.py", "2024-03-01", "2024-03-07", source=src, store=market,
                              benchmark="000300.XSHG")
    check(res)
