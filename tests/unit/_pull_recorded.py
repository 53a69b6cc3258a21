"""Recorded-response doubles of the four client libraries ``jqlite data pull`` drives.

Each double returns exactly the shapes the installed library returns (read from its source):

* baostock 0.9.4 -- ``baostock/data/resultset.py`` ``ResultData``: ``error_code`` '0',
  ``error_msg``, ``fields`` (list of str), rows via ``next()``/``get_row_data()`` as lists of
  **str** ('' = no value); ``security/history.py`` ``query_history_k_data_plus``; a suspended
  day is ``tradestatus='0'``, prices = previous close, ``volume``/``amount``/``turn``/``pctChg``
  empty (as row 23012 of the baostock dump
  ``../shared/data/real/daily/baostock_hs300_2024_members_daily.parquet``, 000301.XSHE
  2021-12-22; other suspended rows there carry ``volume='0'``, which maps the same).
  The real ``ResultData`` class is used when baostock is installed.
* tushare 1.4.29 -- ``tushare/pro/client.py`` ``DataApi.query``: ``pd.DataFrame(items,
  columns=fields)`` from the JSON answer (dates ``'20240102'`` str, numbers float64), and
  ``raise Exception(result['msg'])`` when the server's ``code != 0``.  ``daily`` /
  ``stk_limit`` also by ``trade_date`` (every stock of that day; https://tushare.pro/document/2?doc_id=27,
  doc_id=183) and ``suspend_d(trade_date, suspend_type='S')`` (doc_id=214: ``ts_code,
  trade_date, suspend_timing, suspend_type``, ``suspend_timing`` None for a whole-day halt).
* akshare 1.19.5 -- ``akshare/stock_feature/stock_hist_em.py`` ``stock_zh_a_hist``: 日期
  ``datetime.date``, 股票代码 str, prices float64, 成交量 int64 lots, 成交额 float64 yuan,
  涨跌额 float64.
* jqdatasdk 1.9.8 -- ``jqdatasdk/api.py`` ``get_price(panel=False)``: columns ``time``
  (datetime64), ``code``, then the fields (float64, ``paused`` 0.0/1.0, NaN rows before
  listing / after delisting); ``get_extras('is_st', df=True)``: wide bool frame indexed by
  date; ``get_query_count()`` -> ``{'total', 'spare'}``; ``auth`` raises ``Exception(msg)``.

The market (hand-made, numbers chosen to check by hand), 2024-01-02 .. 2024-01-10:

* 600000.XSHG 浦发银行: ex-dividend 0.40 yuan on 2024-01-08 (close 7.00 -> pre_close 6.60).
* 000001.XSHE 平安银行: suspended on 2024-01-04.
* 000002.XSHE 万科A: ST from 2024-01-05 (5 % limits from then on).
* 600087.XSHG 退市长油: ST throughout, delisted after 2024-01-05.
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path

import numpy as np
import pandas as pd

DAYS = ["2024-01-02", "2024-01-03", "2024-01-04", "2024-01-05", "2024-01-08", "2024-01-09", "2024-01-10"]

# code -> (name, closes per day (None = suspended, missing = not listed), first pre_close,
#          {day: pre_close override (ex-rights)}, ST days, limits per day computed by the exchange)
MARKET = {
    "600000.XSHG": ("浦发银行", [7.10, 7.18, 7.05, 7.00, 6.70, 6.75, 6.80], 7.10, {"2024-01-08": 6.60}, set()),
    "000001.XSHE": ("平安银行", [9.21, 9.20, None, 9.30, 9.35, 9.40, 9.38], 9.39, {}, set()),
    "000002.XSHE": ("万科A", [10.00, 10.10, 10.20, 10.30, 10.40, 10.50, 10.60], 9.95, {},
                    {"2024-01-05", "2024-01-08", "2024-01-09", "2024-01-10"}),
    "600087.XSHG": ("退市长油", [1.00, 0.95, 0.90, 0.86], 1.05, {}, set(DAYS)),
}


def _half_up(x: float, tick: float = 0.01) -> float:
    return float(np.floor(x / tick + 0.5 + 1e-9) * tick).__round__(2)


def truth() -> pd.DataFrame:
    """The market as the exchange saw it: one row per (code, day) traded or suspended."""
    rows = []
    for code, (name, closes, pc0, xr, st) in MARKET.items():
        prev = pc0
        for i, c in enumerate(closes):
            d = DAYS[i]
            pre = xr.get(d, prev)
            p = 0.05 if d in st else 0.10
            hl, ll = _half_up(pre * (1 + p)), _half_up(pre * (1 - p))
            if c is None:      # suspended: the last close everywhere, no volume
                rows.append(dict(date=d, code=code, name=name, open=prev, high=prev, low=prev, close=prev,
                                 pre_close=prev, volume=0.0, money=0.0, paused=1, is_st=int(d in st),
                                 high_limit=hl, low_limit=ll))
                continue
            o = pre
            h, lo = round(max(o, c) + 0.05, 2), round(min(o, c) - 0.05, 2)
            h, lo = min(h, hl), max(lo, ll)
            vol = 1e7 + 1e5 * i if code != "600087.XSHG" else 2e6
            rows.append(dict(date=d, code=code, name=name, open=o, high=h, low=lo, close=c, pre_close=pre,
                             volume=vol, money=round(vol * c, 2), paused=0, is_st=int(d in st),
                             high_limit=hl, low_limit=ll))
            prev = c
    return pd.DataFrame(rows)


def _in(df, codes, start, end, col="date"):
    d = pd.to_datetime(df[col])
    return df[df["code"].isin(codes) & (d >= pd.Timestamp(start)) & (d <= pd.Timestamp(end))]


class CallLog(list):
    """(function, args) of every call a double received."""


# ----------------------------------------------------------------------------- baostock
def _result_data(fields: list[str], rows: list[list[str]], error_code: str = "0", error_msg: str = "success"):
    try:
        from baostock.data.resultset import ResultData
        rs = ResultData()
    except ImportError:          # same attributes and iteration as baostock's class
        class ResultData:        # noqa: D401
            def next(self):
                return self.cur_row_num < len(self.data)

            def get_row_data(self):
                r = self.data[self.cur_row_num]
                self.cur_row_num += 1
                return r
        rs = ResultData()
        rs.cur_row_num = 0
    rs.error_code, rs.error_msg, rs.fields, rs.data = error_code, error_msg, fields, rows
    return rs


def _bs_code(code):
    n, ex = code.split(".")
    return ("sh." if ex == "XSHG" else "sz.") + n


# Index member lists (hand-made): (updateDate, code, name, listed from, listed to) -- CSI 300
# swaps 000001 for 000002 on 2024-01-10; 300999 and 601318 are not in MARKET (outside the pull).
INDEX_LISTS = {
    "hs300": [("2023-12-11", "sh.600000", "浦发银行", "2023-01-01", "2099-12-31"),
              ("2023-12-11", "sz.000001", "平安银行", "2023-01-01", "2024-01-09"),
              ("2024-01-10", "sz.000002", "万科A", "2024-01-10", "2099-12-31")],
    "zz500": [("2023-12-11", "sz.000002", "万科A", "2023-01-01", "2024-01-09"),
              ("2023-12-11", "sh.600087", "退市长油", "2023-01-01", "2024-01-09"),
              ("2024-01-10", "sz.300999", "金龙鱼", "2024-01-10", "2099-12-31")],
    "sz50": [("2023-12-11", "sh.600000", "浦发银行", "2023-01-01", "2099-12-31"),
             ("2023-12-11", "sh.601318", "中国平安", "2023-01-01", "2099-12-31")],
}
# tushare index_weight (monthly, percent): CSI 300 on 2023-12-29 and 2024-01-10 (sums of the
# whole index are not 100 here: only the members in MARKET and one outside are recorded).
TS_INDEX_WEIGHT = [
    ("399300.SZ", "600000.SH", "20231229", 0.52), ("399300.SZ", "000001.SZ", "20231229", 0.61),
    ("399300.SZ", "601318.SH", "20231229", 2.70),
    ("399300.SZ", "600000.SH", "20240110", 0.50), ("399300.SZ", "000002.SZ", "20240110", 0.33),
    ("399300.SZ", "601318.SH", "20240110", 2.65),
]


class FakeBaostock:
    """``import baostock as bs`` double."""

    def __init__(self, fail_on: dict | None = None, password_ok: str | None = None):
        self.calls = CallLog()
        self.fail_on = dict(fail_on or {})   # bs code -> number of network failures still to give
        self.password_ok = password_ok

    def login(self, user_id="anonymous", password="123456"):
        self.calls.append(("login", user_id))
        if self.password_ok is not None and password != self.password_ok:
            return _result_data([], [], "10001002", "用户名或密码错误")
        return _result_data([], [], "0", "success")

    def logout(self, user_id="anonymous"):
        return _result_data([], [])

    def query_stock_basic(self, code="", code_name=""):
        self.calls.append(("query_stock_basic",))
        f = ["code", "code_name", "ipoDate", "outDate", "type", "status"]
        rows = [[_bs_code(c), MARKET[c][0], "1999-11-10", "2024-01-05" if c == "600087.XSHG" else "",
                 "1", "0" if c == "600087.XSHG" else "1"] for c in MARKET]
        rows.append(["sh.000001", "上证综合指数", "1991-07-15", "", "2", "1"])   # an index: not pulled
        return _result_data(f, rows)

    def _members(self, index, date):
        self.calls.append((f"query_{index}_stocks", date))
        rows = [[upd, c, n] for upd, c, n, lo, hi in INDEX_LISTS[index] if lo <= date <= hi]
        return _result_data(["updateDate", "code", "code_name"], rows)

    def query_hs300_stocks(self, date=""):
        return self._members("hs300", date)

    def query_zz500_stocks(self, date=""):
        return self._members("zz500", date)

    def query_sz50_stocks(self, date=""):
        return self._members("sz50", date)

    def query_profit_data(self, code, year=None, quarter=None):
        """Hand-made: sh.600000 2023Q1-Q3 (and the annual report, announced 2024-03-30)."""
        self.calls.append(("query_profit_data", code, year, quarter))
        f = ["code", "pubDate", "statDate", "roeAvg", "npMargin", "gpMargin", "netProfit", "epsTTM", "MBRevenue",
             "totalShare", "liqaShare"]
        rows = {(2023, 1): ["2023-04-28", "2023-03-31", "0.017000", "0.240000", "", "10200000000.000000"],
                (2023, 2): ["2023-08-26", "2023-06-30", "0.035000", "0.250000", "", "21300000000.500000"],
                (2023, 3): ["2023-10-31", "2023-09-30", "0.051000", "0.240000", "", "30500000000.000000"],
                (2023, 4): ["2024-03-30", "2023-12-31", "0.070000", "0.250000", "", "42000000000.000000"]}
        r = rows.get((int(year), int(quarter))) if code == "sh.600000" else None
        if r is None:
            return _result_data(f, [])
        return _result_data(f, [[code] + r + ["1.020000", "", "29352178996.00", "29352178996.00"]])

    def query_history_k_data_plus(self, code, fields, start_date=None, end_date=None, frequency="d", adjustflag="3"):
        self.calls.append(("query_history_k_data_plus", code, start_date, end_date))
        if self.fail_on.get(code, 0) > 0:
            self.fail_on[code] -= 1
            return _result_data([], [], "10002007", "网络接收错误。")
        t = truth()
        jq = next(c for c in MARKET if _bs_code(c) == code)
        t = _in(t, [jq], start_date, end_date)
        rows = []
        for r in t.itertuples():
            susp = r.paused == 1
            rows.append([r.date, code, f"{r.open:.4f}", f"{r.high:.4f}", f"{r.low:.4f}", f"{r.close:.4f}",
                         f"{r.pre_close:.4f}", "" if susp else f"{int(r.volume)}",
                         "" if susp else f"{r.money:.4f}", "3", "" if susp else "0.512300",
                         "0" if susp else "1", "" if susp else f"{(r.close / r.pre_close - 1) * 100:.6f}",
                         str(r.is_st)])
        return _result_data(fields.split(","), rows)


# ----------------------------------------------------------------------------- tushare
def _ts(code):
    n, ex = code.split(".")
    return n + {"XSHG": ".SH", "XSHE": ".SZ"}[ex]


class FakeTushareApi:
    def __init__(self, owner, token):
        self.owner, self.token = owner, token

    def query(self, api_name, fields="", **kw):
        o = self.owner
        o.calls.append((api_name, kw))
        if self.token != o.good_token:
            raise Exception("您的token不对，请确认。")
        if o.rate_limit_once.get(api_name):
            o.rate_limit_once[api_name] = False
            raise Exception("抱歉，您每分钟最多访问该接口500次，权限的具体详情访问：https://tushare.pro/document/1?doc_id=108。")
        if api_name == "trade_cal":
            return pd.DataFrame([["SSE", kw["start_date"], 1]], columns=["exchange", "cal_date", "is_open"])
        if api_name == "stock_basic":
            st = kw["list_status"]
            items = [[_ts(c), MARKET[c][0], "19991110", "20240105" if c == "600087.XSHG" else None]
                     for c in MARKET if (st == "D") == (c == "600087.XSHG") and st != "P"]
            return pd.DataFrame(items, columns=["ts_code", "name", "list_date", "delist_date"])
        if api_name == "index_weight":
            rows = [r for r in TS_INDEX_WEIGHT if r[0] == kw["index_code"]
                    and kw.get("start_date", "0") <= r[2] <= kw.get("end_date", "9")]
            return pd.DataFrame(rows, columns=["index_code", "con_code", "trade_date", "weight"])
        if api_name in TS_REPORTS:
            return _ts_reports(api_name, fields, kw)
        t = truth()
        if api_name == "suspend_d":                # doc_id=214: whole-day suspensions of trade_date
            d = pd.to_datetime(kw["trade_date"]).strftime("%Y-%m-%d")
            p = t[(t["paused"] == 1) & (t["date"] == d)]
            return pd.DataFrame({"ts_code": [_ts(c) for c in p["code"]], "trade_date": kw["trade_date"],
                                 "suspend_timing": None, "suspend_type": "S"},
                                columns=["ts_code", "trade_date", "suspend_timing", "suspend_type"])
        t = t[t["paused"] == 0]                    # tushare has no row on a suspended day
        if "trade_date" in kw:                     # per-day form: every stock traded that day
            if kw.get("offset"):
                t = t.iloc[0:0]
            codes = list(MARKET)
            s = e = pd.to_datetime(kw["trade_date"])
        else:
            codes = [next(c for c in MARKET if _ts(c) == x) for x in kw["ts_code"].split(",")]
            s, e = pd.to_datetime(kw["start_date"]), pd.to_datetime(kw["end_date"])
        t = _in(t, codes, s, e)
        td = pd.to_datetime(t["date"]).dt.strftime("%Y%m%d").tolist()
        if api_name == "daily":
            items = [[_ts(r.code), d, r.open, r.high, r.low, r.close, r.pre_close, round(r.close - r.pre_close, 2),
                      round((r.close / r.pre_close - 1) * 100, 4), r.volume / 100, r.money / 1000]
                     for r, d in zip(t.itertuples(), td)]
            return pd.DataFrame(items, columns=["ts_code", "trade_date", "open", "high", "low", "close", "pre_close",
                                                "change", "pct_chg", "vol", "amount"])
        if api_name == "stk_limit":
            if o.no_limit_permission:
                raise Exception("抱歉，您没有访问该接口的权限，权限的具体详情访问：https://tushare.pro/document/1?doc_id=108。")
            items = [[d, _ts(r.code), r.high_limit, r.low_limit] for r, d in zip(t.itertuples(), td)]
            return pd.DataFrame(items, columns=["trade_date", "ts_code", "up_limit", "down_limit"])
        raise AssertionError(api_name)


# Financial reports (hand-made; yuan, statements cumulative YTD as tushare serves them).
# 600000.XSHG: 2023Q3 revised on 2024-01-08 (update_flag '1' row: the store keeps the original),
# annual 2023 announced 2024-01-09; tushare sends the rows newest first.  Other codes: none.
TS_REPORTS = {
    "income": (["ts_code", "ann_date", "f_ann_date", "end_date", "report_type", "update_flag", "total_revenue",
                "revenue", "n_income", "n_income_attr_p", "basic_eps"],
               [["600000.SH", "20240109", "20240109", "20231231", "1", "1", 1.70e11, 1.70e11, 4.30e10, 4.20e10, 1.40],
                ["600000.SH", "20231031", "20240108", "20230930", "1", "1", 1.30e11, 1.30e11, 3.15e10, 3.05e10, 1.02],
                ["600000.SH", "20231031", "20231031", "20230930", "1", "0", 1.30e11, 1.30e11, 3.10e10, 3.00e10, 1.00],
                ["600000.SH", "20230826", "20230826", "20230630", "1", "1", 0.86e11, 0.86e11, 2.15e10, 2.10e10, 0.70],
                ["600000.SH", "20230428", "20230428", "20230331", "1", "1", 0.43e11, 0.43e11, 1.05e10, 1.00e10, 0.33]]),
    "balancesheet": (["ts_code", "ann_date", "f_ann_date", "end_date", "report_type", "update_flag", "total_assets",
                      "total_liab", "total_hldr_eqy_exc_min_int", "money_cap"],
                     [["600000.SH", "20231031", "20231031", "20230930", "1", "1", 9.0e12, 8.3e12, 0.69e12, 4.1e11]]),
    "cashflow": (["ts_code", "ann_date", "f_ann_date", "end_date", "report_type", "update_flag", "n_cashflow_act",
                  "c_cash_equ_end_period"],
                 [["600000.SH", "20231031", "20231031", "20230930", "1", "1", 2.5e10, 3.9e11],
                  ["600000.SH", "20230826", "20230826", "20230630", "1", "1", 3.0e10, 4.0e11],
                  ["600000.SH", "20230428", "20230428", "20230331", "1", "1", 1.0e10, 3.8e11]]),
    "fina_indicator": (["ts_code", "ann_date", "end_date", "update_flag", "q_roe", "q_sales_yoy", "q_eps"],
                       [["600000.SH", "20231031", "20230930", "1", 1.25, -5.5, 0.30]]),
}


def _ts_reports(api_name, fields, kw):
    """income/balancesheet/cashflow filter ann_date by start/end; fina_indicator end_date."""
    cols, rows = TS_REPORTS[api_name]
    df = pd.DataFrame(rows, columns=cols)
    df = df[df["ts_code"] == kw["ts_code"]]
    key = "end_date" if api_name == "fina_indicator" else "ann_date"
    df = df[(df[key] >= kw.get("start_date", "0")) & (df[key] <= kw.get("end_date", "99999999"))]
    if "report_type" in kw and "report_type" in df.columns:
        df = df[df["report_type"] == kw["report_type"]]
    want = [c for c in fields.split(",") if c in df.columns] if fields else list(df.columns)
    return df[want].reset_index(drop=True)


class FakeTushare:
    """``import tushare as ts`` double: ``ts.pro_api(token)``."""

    def __init__(self, good_token="tok-SECRET-123", no_limit_permission=False, rate_limit_once=()):
        self.good_token = good_token
        self.calls = CallLog()
        self.no_limit_permission = no_limit_permission
        self.rate_limit_once = {k: True for k in rate_limit_once}

    def pro_api(self, token="", timeout=30):
        return FakeTushareApi(self, token)


# ----------------------------------------------------------------------------- akshare
class FakeAkshare:
    """``import akshare as ak`` double."""

    def __init__(self):
        self.calls = CallLog()

    def stock_info_a_code_name(self):
        return pd.DataFrame({"code": [c.split(".")[0] for c in MARKET if c != "600087.XSHG"],
                             "name": [MARKET[c][0] for c in MARKET if c != "600087.XSHG"]})

    def stock_zh_a_hist(self, symbol="000001", period="daily", start_date="19700101", end_date="20500101",
                        adjust="", timeout=None):
        self.calls.append(("stock_zh_a_hist", symbol, start_date, end_date, adjust))
        code = next(c for c in MARKET if c.startswith(symbol))
        t = truth()
        t = _in(t[t["paused"] == 0], [code], pd.to_datetime(start_date), pd.to_datetime(end_date))
        if t.empty:
            return pd.DataFrame()
        df = pd.DataFrame({
            "日期": pd.to_datetime(t["date"]).dt.date.to_numpy(),
            "股票代码": symbol,
            "开盘": t["open"].to_numpy(float), "收盘": t["close"].to_numpy(float),
            "最高": t["high"].to_numpy(float), "最低": t["low"].to_numpy(float),
            "成交量": (t["volume"] / 100).astype(np.int64).to_numpy(),
            "成交额": t["money"].to_numpy(float),
            "振幅": ((t["high"] - t["low"]) / t["pre_close"] * 100).round(2).to_numpy(),
            "涨跌幅": ((t["close"] / t["pre_close"] - 1) * 100).round(2).to_numpy(),
            "涨跌额": (t["close"] - t["pre_close"]).round(2).to_numpy(),
            "换手率": 0.35,
        })
        return df


ETF = {"510300.XSHG": [3.500, 3.512, 3.498, 3.505, 3.521, 3.530, 3.527]}   # pre_close before day 1: 3.490


def fund_etf_hist_em(symbol="159707", period="daily", start_date="19700101", end_date="20500101", adjust=""):
    """akshare ``fund_etf_hist_em`` double: 日期 str, index datetime64, no 股票代码 column."""
    closes = ETF[next(c for c in ETF if c.startswith(symbol))]
    pre = [3.490] + closes[:-1]
    keep = [i for i, d in enumerate(DAYS) if pd.Timestamp(start_date) <= pd.Timestamp(d) <= pd.Timestamp(end_date)]
    df = pd.DataFrame({"日期": [DAYS[i] for i in keep], "开盘": [pre[i] for i in keep], "收盘": [closes[i] for i in keep],
                       "最高": [max(pre[i], closes[i]) for i in keep], "最低": [min(pre[i], closes[i]) for i in keep],
                       "成交量": np.int64(500000), "成交额": [5e7 * closes[i] for i in keep], "振幅": 0.5,
                       "涨跌幅": 0.1, "涨跌额": [round(closes[i] - pre[i], 3) for i in keep], "换手率": 1.2})
    df.index = pd.to_datetime(df["日期"])
    return df


FakeAkshare.fund_etf_hist_em = staticmethod(fund_etf_hist_em)


# ----------------------------------------------------------------------------- jqdatasdk
class FakeJqdatasdk:
    """``import jqdatasdk as jq`` double with a daily row quota."""

    def __init__(self, username="13800000000", password="pw-SECRET-456", total=1_000_000, spare=1_000_000):
        self.user, self.pw = username, password
        self.total, self.spare = total, spare
        self.calls = CallLog()

    def auth(self, username, password, host=None, port=None):
        self.calls.append(("auth",))
        if (username, password) != (self.user, self.pw):
            raise Exception("账号或密码错误，请检查后重试")

    def logout(self):
        pass

    def get_query_count(self, field=None):
        return {"total": self.total, "spare": self.spare}

    def _spend(self, n):
        if n > self.spare:
            raise Exception(f"您当天的查询条数超过了每日最大查询限制：{self.total}条")
        self.spare -= n

    def get_all_securities(self, types=[], date=None):
        df = pd.DataFrame({"display_name": [MARKET[c][0] for c in MARKET], "name": "X",
                           "start_date": pd.Timestamp("1999-11-10"),
                           "end_date": [pd.Timestamp("2024-01-05") if c == "600087.XSHG" else pd.Timestamp("2200-01-01")
                                        for c in MARKET], "type": "stock"}, index=list(MARKET))
        return df

    def get_price(self, security, start_date=None, end_date=None, frequency="daily", fields=None,
                  skip_paused=False, fq="pre", count=None, panel=True, fill_paused=True, round=True):
        self.calls.append(("get_price", tuple(security), start_date, end_date, fq))
        assert fq is None and panel is False and skip_paused is False
        days = [d for d in DAYS if pd.Timestamp(start_date) <= pd.Timestamp(d) <= pd.Timestamp(end_date)]
        t = truth().set_index(["code", "date"])
        rows = []
        for c in security:
            for d in days:
                if (c, d) in t.index:
                    r = t.loc[(c, d)]
                    rows.append([pd.Timestamp(d), c] + [float(r[f]) for f in fields])
                else:                          # not listed / delisted: NaN row
                    rows.append([pd.Timestamp(d), c] + [np.nan] * len(fields))
        self._spend(len(rows))
        df = pd.DataFrame(rows, columns=["time", "code"] + list(fields))
        return df

    def get_extras(self, info, security_list, start_date=None, end_date=None, df=True, count=None):
        assert info == "is_st"
        days = [d for d in DAYS if pd.Timestamp(start_date) <= pd.Timestamp(d) <= pd.Timestamp(end_date)]
        self._spend(len(days) * len(security_list))
        return pd.DataFrame({c: [d in MARKET[c][4] for d in days] for c in security_list},
                            index=pd.to_datetime(days))


# ---------------------------------------------------------------- helpers of the fundamentals pull tests
def fundamentals_table(store, t):
    """A pulled store's ``fundamentals/<t>.parquet`` indexed by (code, statDate), dates parsed."""
    df = pd.read_parquet(Path(store, "fundamentals", f"{t}.parquet"))
    for c in ("statDate", "pubDate"):
        df[c] = pd.to_datetime(df[c])
    return df.set_index(["code", "statDate"])


def get_fundamentals_on(store, monkeypatch, q, date):
    """``get_fundamentals(q, date=date)`` on ``store``, indexed by code."""
    from jqlite.api.fundamentals import get_fundamentals
    monkeypatch.setenv("JQLITE_DATA", str(store))
    return get_fundamentals(q, date=date).set_index("code")
