"""``from kuanke.wizard import *``: the helper library of JoinQuant's strategy wizard.

JoinQuant's strategy wizard (策略向导) generates strategy files that start with
``from kuanke.wizard import *`` and call the module's helpers: risk control (止损/止盈),
order sizing, sorting by fundamentals, filters on listing age / N-day change / money flow,
technical-indicator judges (金叉 golden cross, 死叉 dead cross, 多头 bullish order, 空头
bearish order, 大于/小于/区间 greater/less/between) and candlestick-pattern judges.  16 of the
240 corpus files import it; 13 of them call ``order_style``, ``get_sort_dataframe``,
``judge_security_max_proportion``, ``max_buy_value_or_amount`` and
``sell_by_amount_or_percent_or_none``.

Evidence.  JoinQuant does not document the module; its behaviour here follows a public copy
of the module's source (``wizard_version()`` 'v1.8', found in the public code index),
re-implemented, not copied.  Its conventions, kept here:

* filters and judges take one code and return a bool; any exception inside them is written
  to the log (``log.error`` with the traceback) and the answer is False, as the wizard's own
  ``try/except`` does — a strategy never stops on them;
* comparisons are strict (``>``/``<``; ``qujian`` is ``a < x < b``), except the fundamentals
  filters whose ``qujian`` is SQL's ``BETWEEN`` (bounds included);
* indicators are TA-Lib's, on ``history(..., skip_paused=True)`` closes of twice the period
  (MACD: ``MACDEXT`` with EMA for all three averages and the histogram doubled, the
  Chinese convention); the judges read the last (and for crosses the last two) values;
* risk helpers sell with ``order_target_value(s, 0)``, log the reason, append what did not
  sell to ``open_sell_securities`` and set ``g.daily_risk_management`` /
  ``g.risk_management_signal`` to False as the wizard does;
* the module has no ``__all__`` on JoinQuant, so a star import also gives the names it imports
  (``np``, ``pd``, ``talib``, ``datetime``, ``mean``, ``traceback``, ``os``, ``six``,
  ``reduce``); they are given here too.

Order sizing (``order_style``) follows the JoinQuant branch of the wizard (not the Guotai
Junan one): ``'by_cap_mean'`` gives every code ``total_value / max_hold_stocknum``;
``'by_amount'`` ``day_open * amount``; ``'by_market_cap_percent'`` /
``'by_circulating_market_cap_percent'`` split ``available_cash`` by market cap.
"""

from __future__ import annotations

import datetime  # noqa: F401  (given by the star import, as on JoinQuant)
import inspect
import os  # noqa: F401
import traceback
from functools import reduce  # noqa: F401

import numpy as np
import pandas as pd  # noqa: F401
from numpy import mean  # noqa: F401

from jqlite.api.fundamentals import get_fundamentals, query

try:  # both ship with jqlite's core dependencies
    import six  # noqa: F401
    import talib
except ImportError:  # pragma: no cover
    six = talib = None


def _filter(security_list, field, cond) -> list[str]:
    codes = [security_list] if isinstance(security_list, str) else list(security_list)
    if not codes:
        return []
    table = field.table
    df = get_fundamentals(query(table.c.code).filter(table.c.code.in_(codes), cond))
    keep = set(df["code"])
    return [c for c in codes if c in keep]


def financial_data_filter_dayu(security_list, field, value) -> list[str]:
    """Codes of ``security_list`` whose fundamentals ``field`` is greater than ``value``.

    Parameters
    ----------
    security_list : str or list of str
        Security codes.
    field : column
        A fundamentals column, e.g. ``valuation.circulating_market_cap`` (亿元) or ``indicator.roe`` (%).
    value : float
        The bound, in the column's unit.

    Returns
    -------
    list of str
        The codes that pass, in the order of ``security_list``.
    """
    return _filter(security_list, field, field > value)


def financial_data_filter_xiaoyu(security_list, field, value) -> list[str]:
    """Codes of ``security_list`` whose fundamentals ``field`` is less than ``value`` (see
    :func:`financial_data_filter_dayu`)."""
    return _filter(security_list, field, field < value)


def financial_data_filter_qujian(security_list, field, interval) -> list[str]:
    """Codes of ``security_list`` whose fundamentals ``field`` lies in ``interval = (low, high)``,
    bounds included (see :func:`financial_data_filter_dayu`)."""
    low, high = interval
    return _filter(security_list, field, field.between(low, high))


# ============================================================================ helpers

def _jq():
    import jqdata
    return jqdata


def _log_failure() -> None:
    """The wizard's ``except``: the traceback goes to the strategy log (``log.error``)."""
    _jq().log.error(traceback.format_exc())


def _guarded(fn):
    """Run a filter/judge as the wizard does: an exception is logged and answers False."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return bool(fn(*args, **kwargs))
        except Exception:
            _log_failure()
            return False
    return wrapper


def _codes(security_list) -> list[str]:
    return [security_list] if isinstance(security_list, str) else list(security_list)


def _closes(codes: list[str], count: int, field: str = "close") -> dict[str, np.ndarray]:
    data = _jq().history(count, "1d", field, codes, df=False, skip_paused=True)
    return {c: np.asarray(data[c], dtype=float) for c in codes}


def _per_code(security_list, count: int, field: str, compute, width: int) -> dict:
    """``{code: compute(values)}`` over ``history(count)`` of ``field``; a code whose values
    are all NaN (not listed yet, delisted) gets ``width`` NaNs and a log line, as the wizard
    does."""
    codes = _codes(security_list)
    data = _closes(codes, count, field)
    out = {}
    for c in codes:
        x = data[c]
        if np.isnan(x).all():
            _jq().log.info(f"股票 {c} 输入数据全是 NaN，该股票可能已退市或刚上市，返回 NaN 值数据。")
            out[c] = np.full(width, np.nan)
        else:
            out[c] = compute(x)
    return out


def _hlc(security: str, count: int) -> dict[str, np.ndarray]:
    d = _jq().attribute_history(security, count, "1d", ["close", "high", "low"], df=False)
    return {k: np.asarray(v, dtype=float) for k, v in d.items()}


# ============================================================================ indicators

def MACD(security_list, fastperiod=12, slowperiod=26, signalperiod=9):
    """MACD of each code: ``(DIF, DEA, HIST)``, three dicts code -> ndarray (float64).

    TA-Lib ``MACDEXT`` with exponential averages (matype 1) on ``2 * slowperiod`` daily
    closes (paused days skipped); ``HIST = 2 * (DIF - DEA)`` (the Chinese convention)."""
    def one(x):
        dif, dea, hist = talib.MACDEXT(x, fastperiod=fastperiod, fastmatype=1, slowperiod=slowperiod,
                                       slowmatype=1, signalperiod=signalperiod, signalmatype=1)
        return dif, dea, hist * 2
    res = _per_code(security_list, slowperiod * 2, "close", one, slowperiod)
    pick = [{c: (v[i] if isinstance(v, tuple) else v) for c, v in res.items()} for i in range(3)]
    return pick[0], pick[1], pick[2]


def MA(security_list, timeperiod=5):
    """Simple moving average of daily closes: dict code -> ndarray (``2 * timeperiod`` bars)."""
    return _per_code(security_list, timeperiod * 2, "close", lambda x: talib.MA(x, timeperiod), timeperiod)


def EMA(security_list, timeperiod=30):
    """Exponential moving average of daily closes: dict code -> ndarray."""
    return _per_code(security_list, timeperiod * 2, "close", lambda x: talib.EMA(x, timeperiod), timeperiod)


def MA_MONEY(security_list, timeperiod=5):
    """Moving average of the daily turnover (``money``, 元): dict code -> ndarray."""
    return _per_code(security_list, timeperiod * 2, "money", lambda x: talib.MA(x, timeperiod), timeperiod)


def MA_VOLUME(security_list, timeperiod=5):
    """Moving average of the daily volume (股): dict code -> ndarray."""
    return _per_code(security_list, timeperiod * 2, "volume", lambda x: talib.MA(x, timeperiod), timeperiod)


def TRIX(security_list, timeperiod=30):
    """TA-Lib TRIX of daily closes: dict code -> ndarray."""
    return _per_code(security_list, timeperiod * 2, "close", lambda x: talib.TRIX(x, timeperiod), timeperiod)


def RSI(security_list, timeperiod=14):
    """RSI of daily closes (``20 * timeperiod`` bars): dict code -> ndarray of the last value."""
    return _per_code(security_list, timeperiod * 20, "close",
                     lambda x: talib.RSI(x, timeperiod)[-1:], timeperiod)


def Bollinger_Bands(security_list, timeperiod=5, nbdevup=2, nbdevdn=2):
    """Bollinger bands of daily closes: ``(upper, middle, lower)``, dicts code -> ndarray."""
    res = _per_code(security_list, timeperiod * 2, "close",
                    lambda x: talib.BBANDS(x, timeperiod, nbdevup, nbdevdn), timeperiod)
    return tuple({c: (v[i] if isinstance(v, tuple) else v) for c, v in res.items()} for i in range(3))


def BIAS(security_list, timeperiod=5):
    """Bias of the last close from its ``timeperiod``-day mean: dict code -> float."""
    codes = _codes(security_list)
    data = _closes(codes, timeperiod * 2)
    return {c: (data[c][-1] - data[c][-timeperiod:].mean()) / data[c][-timeperiod:].mean() for c in codes}


def _hlc_indicator(security_list, timeperiod, fn):
    out = {}
    for c in _codes(security_list):
        d = _hlc(c, timeperiod * 2)
        if np.isnan(d["close"]).all():
            _jq().log.info(f"股票 {c} 输入数据全是 NaN，该股票可能已退市或刚上市，返回 NaN 值数据。")
            out[c] = np.full(timeperiod, np.nan)
        else:
            out[c] = fn(d["high"], d["low"], d["close"], timeperiod)
    return out


def ATR(security_list, timeperiod=14):
    """Average true range (TA-Lib) on ``2 * timeperiod`` daily bars: dict code -> ndarray."""
    return _hlc_indicator(security_list, timeperiod, lambda h, l, c, n: talib.ATR(h, l, c, n))


def CCI(security_list, timeperiod=14):
    """Commodity channel index (TA-Lib) on ``2 * timeperiod`` daily bars: dict code -> ndarray."""
    return _hlc_indicator(security_list, timeperiod, lambda h, l, c, n: talib.CCI(h, l, c, n))


# ============================================================================ indicator judges

def _bind(defaults: dict, args: tuple, kwargs: dict) -> dict:
    params = dict(defaults)
    params.update(zip(defaults, args))
    params.update(kwargs)
    return params


def _make_level_judges(prefix: str, series, defaults: dict, scalar: bool = False) -> dict:
    """``<prefix>_judge_dayu/xiaoyu/qujian(security, value, *params)``: the last value of
    ``series(security, **params)`` is ``> value`` / ``< value`` / strictly between."""
    tests = {"dayu": lambda x, v: x > v, "xiaoyu": lambda x, v: x < v,
             "qujian": lambda x, v: v[0] < x < v[1]}
    out = {}
    for kind, test in tests.items():
        def judge(security, value, *args, _test=test, **kwargs):
            x = series(security, **_bind(defaults, args, kwargs))
            return _test(x if scalar else x[-1], value)
        name = f"{prefix}_judge_{kind}"
        judge.__name__ = judge.__qualname__ = name
        judge.__doc__ = (f"True when the last {prefix} value of ``security`` is "
                         f"{ {'dayu': 'greater than value', 'xiaoyu': 'less than value', 'qujian': 'strictly between value[0] and value[1]'}[kind] } "
                         f"(parameters {', '.join(f'{k}={v}' for k, v in defaults.items())}); False on any error (logged).")
        judge.__signature__ = inspect.Signature(
            [inspect.Parameter("security", inspect.Parameter.POSITIONAL_OR_KEYWORD),
             inspect.Parameter("value", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
            + [inspect.Parameter(k, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=v) for k, v in defaults.items()])
        out[name] = _guarded(judge)
    return out


def _make_cross_judges(prefix: str, pair, defaults: dict) -> dict:
    """``<prefix>_judge_jincha/sicha/duotou/kongtou(security, *params)`` on two lines
    ``(a, b) = pair(security, **params)``: golden cross (``a`` crosses above ``b`` on the last
    bar: ``a[-2] < b[-2]`` and ``a[-1] > b[-1]``), dead cross (the reverse), bullish
    (``a[-1] > b[-1]``), bearish (``a[-1] < b[-1]``)."""
    tests = {"jincha": lambda a, b: a[-1] > b[-1] and a[-2] < b[-2],
             "sicha": lambda a, b: a[-1] < b[-1] and a[-2] > b[-2],
             "duotou": lambda a, b: a[-1] > b[-1], "kongtou": lambda a, b: a[-1] < b[-1]}
    words = {"jincha": "golden cross (金叉) on the last bar", "sicha": "dead cross (死叉) on the last bar",
             "duotou": "bullish order (多头)", "kongtou": "bearish order (空头)"}
    out = {}
    for kind, test in tests.items():
        def judge(security, *args, _test=test, **kwargs):
            a, b = pair(security, **_bind(defaults, args, kwargs))
            return _test(a, b)
        name = f"{prefix}_judge_{kind}"
        judge.__name__ = judge.__qualname__ = name
        judge.__doc__ = (f"True on a {words[kind]} of {prefix} for ``security`` (parameters "
                         f"{', '.join(f'{k}={v}' for k, v in defaults.items())}); False on any error (logged).")
        judge.__signature__ = inspect.Signature(
            [inspect.Parameter("security", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
            + [inspect.Parameter(k, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=v) for k, v in defaults.items()])
        out[name] = _guarded(judge)
    return out


_MACD_DEFAULTS = {"fastperiod": 12, "slowperiod": 26, "signalperiod": 9}
_PAIR_DEFAULTS = {"short_timeperiod": 5, "long_timeperiod": 10}


def _macd_line(i):
    return lambda s, **p: MACD(s, **p)[i][s]


def _two_averages(fn):
    return lambda s, short_timeperiod, long_timeperiod: (fn(s, short_timeperiod)[s], fn(s, long_timeperiod)[s])


_JUDGES: dict = {}
_JUDGES.update(_make_level_judges("MACD_DIF", _macd_line(0), _MACD_DEFAULTS))
_JUDGES.update(_make_level_judges("MACD_DEA", _macd_line(1), _MACD_DEFAULTS))
_JUDGES.update(_make_level_judges("MACD_HIST", _macd_line(2), _MACD_DEFAULTS))
_JUDGES.update(_make_cross_judges("MACD", lambda s, **p: (MACD(s, **p)[0][s], MACD(s, **p)[1][s]), _MACD_DEFAULTS))
for _name, _fn in (("MA", MA), ("MA_MONEY", MA_MONEY), ("MA_VOLUME", MA_VOLUME)):
    _JUDGES.update(_make_level_judges(_name, lambda s, timeperiod, _f=_fn: _f(s, timeperiod)[s], {"timeperiod": 5}))
    _JUDGES.update(_make_cross_judges(_name, _two_averages(_fn), _PAIR_DEFAULTS))
_JUDGES.update(_make_cross_judges("EMA", _two_averages(EMA), _PAIR_DEFAULTS))
for _i, _band in enumerate(("upperband", "middleband", "lowerband")):
    _JUDGES.update(_make_level_judges(
        f"BBands_{_band}", lambda s, _i=_i, **p: Bollinger_Bands(s, **p)[_i][s],
        {"timeperiod": 5, "nbdevup": 2, "nbdevdn": 2}))
for _name, _fn in (("ATR", ATR), ("CCI", CCI), ("RSI", RSI)):
    _JUDGES.update(_make_level_judges(_name, lambda s, timeperiod, _f=_fn: _f(s, timeperiod)[s], {"timeperiod": 14}))
_JUDGES.update(_make_level_judges("BIAS", lambda s, timeperiod: BIAS(s, timeperiod)[s], {"timeperiod": 5}, scalar=True))

# ---------------------------------------------------------------------------- candlestick patterns

#: TA-Lib pattern -> the sign of its signal the wizard's judge looks for on the last bar
#: (+100 bullish / -100 bearish): buy patterns such as 红三兵 / 锤头 test ``> 0``, sell patterns
#: such as 三只乌鸦 / 流星 / 十字星 test ``< 0``.
CANDLE_PATTERNS = {
    "CDL3WHITESOLDIERS": 1, "CDLHAMMER": 1, "CDLINVERTEDHAMMER": 1, "CDLMORNINGSTAR": 1,
    "CDLMORNINGDOJISTAR": 1, "CDLPIERCING": 1, "CDL3INSIDE": 1, "CDL3OUTSIDE": 1,
    "CDL3BLACKCROWS": -1, "CDL2CROWS": -1, "CDLSHOOTINGSTAR": -1, "CDLHANGINGMAN": -1,
    "CDLEVENINGSTAR": -1, "CDLEVENINGDOJISTAR": -1, "CDLDARKCLOUDCOVER": -1, "CDLDOJISTAR": -1,
    "CDLIDENTICAL3CROWS": -1, "CDLUPSIDEGAP2CROWS": -1,
}


def _make_candle_judge(pattern: str, sign: int):
    def judge(security):
        d = _jq().attribute_history(security, 40, unit="1d", fields=("close", "volume", "open", "high", "low"),
                                    skip_paused=True, df=False)
        o, h, l, c = (np.asarray(d[k], dtype=float) for k in ("open", "high", "low", "close"))
        v = getattr(talib, pattern)(o, h, l, c)[-1]
        return v > 0 if sign > 0 else v < 0
    judge.__name__ = judge.__qualname__ = f"{pattern}_judge"
    judge.__doc__ = (f"True when TA-Lib's {pattern} signals a {'bullish' if sign > 0 else 'bearish'} "
                     "pattern on the last of 40 daily bars of ``security``; False on any error (logged).")
    return _guarded(judge)


for _p, _s in CANDLE_PATTERNS.items():
    _JUDGES[f"{_p}_judge"] = _make_candle_judge(_p, _s)

globals().update(_JUDGES)


# ============================================================================ filters

def _situation(security, search, count: int) -> np.ndarray:
    """The last ``count`` daily values of the bar field ``search`` ('close', 'volume', 'high',
    ...) before today, paused days skipped (``attribute_history``'s default), float64."""
    d = _jq().attribute_history(security, count, "1d", fields=search, df=False)
    return np.asarray(d[search], dtype=float)


@_guarded
def situation_filter_dayu(security, search, value):
    """True when yesterday's bar field ``search`` (e.g. ``'close'``) is greater than ``value``."""
    return _situation(security, search, 1)[-1] > value


@_guarded
def situation_filter_xiaoyu(security, search, value):
    """True when yesterday's bar field ``search`` is less than ``value``."""
    return _situation(security, search, 1)[-1] < value


@_guarded
def situation_filter_qujian(security, search, value):
    """True when yesterday's bar field ``search`` is strictly between ``value[0]`` and ``value[1]``."""
    a, b = value
    return a < _situation(security, search, 1)[-1] < b


@_guarded
def situation_filter_dayu_ma(security, search, value):
    """True when yesterday's ``search`` is greater than its mean over the last ``value`` bars
    (yesterday included)."""
    x = _situation(security, search, value)
    return x[-1] > x.mean()


@_guarded
def situation_filter_xiaoyu_ma(security, search, value):
    """True when yesterday's ``search`` is less than its mean over the last ``value`` bars."""
    x = _situation(security, search, value)
    return x[-1] < x.mean()


@_guarded
def situation_filter_qujian_ma(security, search, value):
    """True when yesterday's ``search`` lies strictly between its mean over the last
    ``max(value)`` bars (below) and over the last ``min(value)`` bars (above)."""
    x = _situation(security, search, max(value))
    return x.mean() < x[-1] < x[-min(value):].mean()


def get_n_day_chg(security, n, include_now=False):
    """Change of the close over ``n`` daily bars of ``get_bars`` (``n + 1`` closes; with
    ``include_now`` today's forming bar is the last): ``close[-1] / close[0] - 1``; None
    (the error logged) when it cannot be computed, as the wizard does."""
    try:
        d = _jq().get_bars(security, n + 1, "1d", "close", include_now)
        c = np.asarray(d["close"], dtype=float)
        return c[-1] / c[0] - 1
    except Exception:
        _log_failure()
        return None


def _n_day_chg(security, n) -> float:
    d = _jq().attribute_history(security, n + 1, "1d", "close", skip_paused=False, df=False)
    close = np.asarray(d["close"], dtype=float)
    return close[-1] / close[0] - 1


@_guarded
def n_day_chg_dayu(security, n, value):
    """True when the change of the close over the last ``n`` days (``n + 1`` closes, paused
    days included) is greater than ``value`` (0.05 = 5 %)."""
    return _n_day_chg(security, n) > value


@_guarded
def n_day_chg_xiaoyu(security, n, value):
    """True when the ``n``-day change of the close is less than ``value``."""
    return _n_day_chg(security, n) < value


@_guarded
def n_day_chg_qujian(security, n, value):
    """True when the ``n``-day change of the close is strictly between ``value[0]`` and ``value[1]``."""
    a, b = value
    return a < _n_day_chg(security, n) < b


def _ipo_days(context, security) -> int:
    start = _jq().get_security_info(security).start_date
    start = start.date() if hasattr(start, "date") and callable(start.date) else start
    return (context.current_dt.date() - start).days


@_guarded
def ipo_days_dayu(context, security, value):
    """True when ``security`` has been listed more than ``value`` calendar days (today's date
    minus ``start_date``)."""
    return _ipo_days(context, security) > value


@_guarded
def ipo_days_xiaoyu(context, security, value):
    """True when ``security`` has been listed fewer than ``value`` calendar days."""
    return _ipo_days(context, security) < value


@_guarded
def ipo_days_qujian(context, security, value):
    """True when the calendar days since listing are strictly between ``value[0]`` and ``value[1]``."""
    a, b = value
    return a < _ipo_days(context, security) < b


def _hold_days(context, security) -> int:
    init = context.portfolio.positions[security].init_time
    return len(_jq().get_trade_days(start_date=init, end_date=context.current_dt))


def not_sell_in_n_days(context, security, n=10):
    """False while ``security`` has been held ``n`` trading days or fewer (counting the buy
    day and today); True after, and True on any error (logged) — the wizard's default."""
    try:
        return _hold_days(context, security) > n
    except Exception:
        _log_failure()
        return True


@_guarded
def max_hold_days(context, security, n=60):
    """True when ``security`` has been held more than ``n`` trading days (buy day and today
    counted)."""
    return _hold_days(context, security) > n


def _money_flow(context, security, search, which_day):
    check = context.previous_date if which_day == "previous" else context.current_dt.date()
    return _jq().get_money_flow(security, end_date=check, fields=search, count=1).iloc[0, 0]


def _money_flow_judge(test):
    def judge(context, security, search, value, which_day="previous"):
        try:
            return bool(test(_money_flow(context, security, search, which_day), value))
        except Exception:
            _jq().log.warn(f"标的 {security} 没有资金流数据；(可能原因:查询日期该标的处于停牌、退市或未上市状态)")
            return False
    return judge


money_flow_dayu = _money_flow_judge(lambda x, v: x > v)
money_flow_dayu.__name__ = "money_flow_dayu"
money_flow_dayu.__doc__ = ("True when the money-flow field ``search`` (get_money_flow's, e.g. "
                           "'net_pct_main') of the previous trading day (``which_day='previous'``) "
                           "or today ('today') is greater than ``value``; no data: a log warning and False.")
money_flow_xiaoyu = _money_flow_judge(lambda x, v: x < v)
money_flow_xiaoyu.__name__ = "money_flow_xiaoyu"
money_flow_xiaoyu.__doc__ = "As :func:`money_flow_dayu`, less than ``value``."
money_flow_qujian = _money_flow_judge(lambda x, v: v[0] < x < v[1])
money_flow_qujian.__name__ = "money_flow_qujian"
money_flow_qujian.__doc__ = "As :func:`money_flow_dayu`, strictly between ``value[0]`` and ``value[1]``."


# ============================================================================ sorting

def get_sort_dataframe(security_list, search, sort_weight):
    """Percentile score of each code on one field, for the wizard's multi-factor sort.

    Parameters
    ----------
    security_list : list of str
    search : fundamentals column (``valuation.pe_ratio``...) or ``'open'`` / ``'close'``
        The field to rank on (prices: the latest daily bar).
    sort_weight : tuple ``(order, weight)``
        ``order`` ``'asc'`` gives the smallest value the highest score, ``'desc'`` the
        largest; the percentile rank (0-1] is multiplied by ``weight``.

    Returns
    -------
    DataFrame indexed by code, one column (the field's name) of scores.
    """
    jq = _jq()
    if isinstance(search, str) and search in ("open", "close"):
        px = jq.get_price(_codes(security_list), fields=[search], count=1, panel=False)
        df = px.set_index("code")[[search]]
    else:
        table = search.table
        df = get_fundamentals(query(table.c.code, search).filter(table.c.code.in_(_codes(security_list))))
        df = df.set_index("code")
    order, weight = sort_weight
    if order == "asc":
        df = df.rank(ascending=False, pct=True) * weight
    elif order == "desc":
        df = df.rank(ascending=True, pct=True) * weight
    return df


# ============================================================================ order sizing

def get_all_avg_cost(context) -> float:
    """Cost of every position: sum of ``total_amount * avg_cost`` (元)."""
    pos = context.portfolio.positions
    return float(sum(pos[s].total_amount * pos[s].avg_cost for s in list(pos.keys())))


def judge_security_max_proportion(context, security, value, security_max_proportion=1):
    """The cash (元) to put into ``security`` so that it stays within
    ``security_max_proportion`` of the portfolio's total value.

    Held: the room left, ``(max_prop - cost / total_value) * total_value`` (0 when none);
    not held: ``min(value, total_value * max_prop)``.
    """
    pf = context.portfolio
    if security in pf.positions.keys():
        p = pf.positions[security]
        room = security_max_proportion - p.total_amount * p.avg_cost / pf.total_value
        return room * pf.total_value if room > 0 else 0
    return min(value, pf.total_value * security_max_proportion)


def max_buy_value_or_amount(security, value, max_buy_value=None, max_buy_amount=None):
    """Shares (whole lots of 100) that ``value`` 元 buys at today's open, capped by
    ``max_buy_value`` 元 or ``max_buy_amount`` shares; 0 when there is no open price."""
    price = _jq().get_current_data()[security].day_open
    cash = min(value, max_buy_value) if max_buy_value is not None else value
    try:
        amount = int(cash / price / 100) * 100
    except (ZeroDivisionError, ValueError, OverflowError, TypeError):
        amount = 0
    if max_buy_value is None and max_buy_amount is not None:
        amount = min(amount, max_buy_amount)
    return amount


def open_sell_func(context, security, open_sell_securities=None):
    """Mark a code that is still held after a sell order (not filled: paused, limit down)
    in ``open_sell_securities``, to be sold again on the next trading day."""
    if open_sell_securities is None:
        open_sell_securities = []
    if security in context.portfolio.positions.keys():
        name = _jq().get_current_data()[security].name
        _jq().log.info(f"{name}({security}) 未卖出成功，已标记，下一个交易日继续卖出")
        open_sell_securities.append(security)


def _sell(context, security, open_sell_securities):
    _jq().order_target_value(security, 0)
    open_sell_func(context, security, open_sell_securities)


def sell_by_amount_or_percent_or_none(context, security, amount=None, percent=None,
                                      open_sell_securities=None):
    """Sell ``amount`` shares, or ``percent`` (0-1, whole lots) of the position, or all of it
    (neither given, or 100 shares or fewer held)."""
    pos = context.portfolio.positions[security]
    if amount is not None and pos.total_amount > 100:
        _jq().order(security, -amount)
    elif percent is not None and pos.total_amount > 100:
        _jq().order(security, -int(percent * pos.total_amount / 100) * 100)
    else:
        _sell(context, security, open_sell_securities)


def order_style(context, security_list, max_hold_stocknum=5, style="by_cap_mean", amount=100):
    """Cash (元) to buy for each code: ``{code: value}``.

    ``'by_amount'``: ``day_open * amount`` (NaN open: NaN, as the wizard); ``'by_cap_mean'``:
    ``total_value / max_hold_stocknum`` each; ``'by_market_cap_percent'`` /
    ``'by_circulating_market_cap_percent'``: ``available_cash`` split in proportion to the
    codes' (circulating) market caps (codes without fundamentals get nothing).
    """
    jq = _jq()
    pf = context.portfolio
    result = {}
    if style == "by_amount":
        cur = jq.get_current_data()
        for s in security_list:
            price = cur[s].day_open
            result[s] = price * 0 if np.isnan(price) else price * amount
    elif style == "by_cap_mean":
        for s in security_list:
            result[s] = pf.total_value / max_hold_stocknum
    elif style in ("by_market_cap_percent", "by_circulating_market_cap_percent"):
        col = jq.valuation.market_cap if style == "by_market_cap_percent" else jq.valuation.circulating_market_cap
        name = col.key if hasattr(col, "key") else str(col).split(".")[-1]
        df = get_fundamentals(query(jq.valuation.code, col).filter(jq.valuation.code.in_(list(security_list))))
        total = df[name].sum()
        for code, cap in zip(df["code"], df[name]):
            result[code] = pf.available_cash * cap / total
    return result


# ============================================================================ risk control

def _clear_all(context, open_sell_securities, reason: str) -> None:
    _jq().log.info(reason)
    for s in list(context.portfolio.positions.keys()):
        _sell(context, s, open_sell_securities)


def portfolio_stoploss(context, loss=1, open_sell_securities=None):
    """Sell everything when the positions' value has fallen ``loss`` (0.1 = 10 %) or more
    below their cost; sets ``g.daily_risk_management = False``."""
    if len(context.portfolio.positions) > 0:
        returns = context.portfolio.positions_value / get_all_avg_cost(context) - 1.0
        if -returns >= loss:
            _clear_all(context, open_sell_securities, "持仓价值总亏损达止损线，清仓止损！")
            _jq().g.daily_risk_management = False


def portfolio_stopprofit(context, profit=1, open_sell_securities=None):
    """Sell everything when the positions' value is ``profit`` or more above their cost;
    sets ``g.daily_risk_management = False``."""
    if len(context.portfolio.positions) > 0:
        returns = context.portfolio.positions_value / get_all_avg_cost(context) - 1.0
        if returns >= profit:
            _clear_all(context, open_sell_securities, "持仓价值总盈利达止盈线，清仓止盈！")
            _jq().g.daily_risk_management = False


def portfolio_max_stoploss(context, loss=1, open_sell_securities=None):
    """Sell everything and stop trading (``g.risk_management_signal = False``) when the
    strategy's return (``portfolio.returns``) is ``-loss`` or worse."""
    if -context.portfolio.returns >= loss:
        _clear_all(context, open_sell_securities, "策略亏损达最大止损线，策略停止交易！")
        _jq().g.risk_management_signal = False


def portfolio_max_stopprofit(context, profit=1, open_sell_securities=None):
    """Sell everything and stop trading when the strategy's return is ``profit`` or more."""
    if context.portfolio.returns >= profit:
        _clear_all(context, open_sell_securities, "策略盈利达最大止盈线，策略停止交易！")
        _jq().g.risk_management_signal = False


def security_stoploss(context, loss=0.1, open_sell_securities=None):
    """Sell each position whose price is ``loss`` (0.1 = 10 %) or more below its average cost."""
    pos = context.portfolio.positions
    for s in list(pos.keys()):
        if s in pos and 1 - pos[s].price / pos[s].avg_cost >= loss:
            _jq().log.info(f"{s}  跌幅达个股止损线，平仓止损！")
            _sell(context, s, open_sell_securities)


def security_stopprofit(context, profit=0.1, open_sell_securities=None):
    """Sell each position whose price is ``profit`` or more above its average cost."""
    pos = context.portfolio.positions
    for s in list(pos.keys()):
        if s in pos and pos[s].price / pos[s].avg_cost - 1 >= profit:
            _jq().log.info(f"{s}  涨幅达个股止盈线，平仓止盈！")
            _sell(context, s, open_sell_securities)


def _index_closes(n: int, stoploss_index) -> np.ndarray:
    jq = _jq()
    code = jq.g.index if stoploss_index is None else stoploss_index
    return np.asarray(jq.attribute_history(code, n + 2, "1d", "close", df=False)["close"], dtype=float)


def _index_stop(context, open_sell_securities) -> None:
    if len(context.portfolio.positions) > 0:
        _clear_all(context, open_sell_securities, "大盘触及止损线，清仓！")
    else:
        _jq().log.info("大盘触及止损线，今日不开仓！")
    _jq().g.daily_risk_management = False


def index_stoploss_sicha(context, n=60, open_sell_securities=None, stoploss_index=None):
    """Market stop: when the index's last close falls below its ``n``-day mean after the
    previous close was above it (a dead cross of close and mean), sell everything (or, with
    nothing held, do not open today: ``g.daily_risk_management = False``).  The index is
    ``stoploss_index``, else ``g.index``."""
    c = _index_closes(n, stoploss_index)
    if c[-2] > c[:-2].mean() and c[-1] < c[1:-1].mean():
        _index_stop(context, open_sell_securities)


def index_stoploss_diefu(context, n=10, zs=0.03, open_sell_securities=None, stoploss_index=None):
    """Market stop: when the index fell ``zs`` (0.03 = 3 %) or more over its last ``n + 2``
    closes, sell everything (or do not open today; see :func:`index_stoploss_sicha`)."""
    c = _index_closes(n, stoploss_index)
    if 1 - c[-1] / c[0] >= zs:
        _index_stop(context, open_sell_securities)


__all__ = sorted(
    ["financial_data_filter_dayu", "financial_data_filter_xiaoyu", "financial_data_filter_qujian",
     "MACD", "MA", "EMA", "MA_MONEY", "MA_VOLUME", "TRIX", "RSI", "Bollinger_Bands", "BIAS", "ATR", "CCI",
     "n_day_chg_dayu", "n_day_chg_xiaoyu", "n_day_chg_qujian", "get_n_day_chg", "situation_filter_dayu",
     "situation_filter_xiaoyu", "situation_filter_qujian", "situation_filter_dayu_ma",
     "situation_filter_xiaoyu_ma", "situation_filter_qujian_ma", "ipo_days_dayu", "ipo_days_xiaoyu",
     "ipo_days_qujian", "not_sell_in_n_days", "max_hold_days", "money_flow_dayu", "money_flow_xiaoyu",
     "money_flow_qujian", "get_sort_dataframe", "get_all_avg_cost", "judge_security_max_proportion",
     "max_buy_value_or_amount", "open_sell_func", "sell_by_amount_or_percent_or_none", "order_style",
     "portfolio_stoploss", "portfolio_stopprofit", "portfolio_max_stoploss", "portfolio_max_stopprofit",
     "security_stoploss", "security_stopprofit", "index_stoploss_sicha", "index_stoploss_diefu"]
    + list(_JUDGES)) + ["np", "pd", "talib", "datetime", "mean", "traceback", "os", "six", "reduce"]
