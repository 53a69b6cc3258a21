"""Recorded-response doubles for ``jqlite data pull --what minute,valuation,industries,etf`` and
``jqlite data verify-factors`` (the market of ``_pull_recorded.py``, 2024-01-02 .. 2024-01-10).

Shapes, read from the installed libraries and their documentation:

* baostock 0.9.4 -- ``security/history.py`` ``query_history_k_data_plus(frequency='5')``:
  fields ``date,time,code,open,high,low,close,volume,amount,adjustflag`` as strings, ``time``
  ``'20240102093500000'`` (YYYYMMDDHHMMSSsss, the bar's end), 48 rows a day, none on a
  suspended day; ``frequency='d'`` with ``peTTM,pbMRQ,psTTM,pcfNcfTTM,turn,tradestatus``
  (strings, ``turn`` percent, '' on a suspended day, the ratios still sent);
  ``security/sectorinfo.py`` ``query_stock_industry(code, date)`` -> ``updateDate, code,
  code_name, industry ('J66货币金融服务'), industryClassification ('证监会行业分类')``.
* tushare 1.4.29 (``DataApi.query`` -> ``DataFrame(items, columns=fields)``): ``daily_basic``
  (doc_id=32: ``total_share``/``float_share`` 万股, ``total_mv``/``circ_mv`` 万元,
  ``turnover_rate`` %, no row on a suspended day), ``index_classify`` (doc_id=181),
  ``index_member_all`` (doc_id=335; ``in_date``/``out_date`` 'YYYYMMDD' or None),
  ``fund_basic`` (doc_id=19), ``fund_daily`` (doc_id=127; vol lots, amount thousand yuan),
  ``fund_adj`` (doc_id=199), ``stk_mins`` (doc_id=370: ``trade_time`` the interval's end,
  241 bars a day with a 13:00:00 bar, ``vol`` shares, ``amount`` yuan, newest first).
* akshare 1.19.5 -- ``fund/fund_etf_em.py`` ``fund_etf_spot_em`` (``代码``, ``名称`` ...),
  ``stock_feature/stock_hist_em.py`` ``stock_zh_a_hist_min_em(period='1')`` (``时间`` str,
  ``开盘 收盘 最高 最低 成交量(手) 成交额 均价``; a 09:30 auction row then 09:31 .. 15:00).
* jqdatasdk 1.9.8 -- ``api.py``: ``get_price(frequency='1m', panel=False)`` (``time``,
  ``code``, fields; a suspended day is 240 rows at the last close with volume 0),
  ``get_valuation`` (``code, day`` + fields, JoinQuant units, no row on a suspended day),
  ``get_industry`` (``{code: {scheme: {'industry_code', 'industry_name'}}}``),
  ``get_factor_values`` (``{factor: DataFrame(index=dates, columns=codes)}``).

Hand-made facts the tests check:

* intraday bars are built from the daily bars of ``truth()``: the first bar opens at the
  daily open, the last closes at the daily close, bar 1 reaches the daily high and bar 2 the
  daily low, volume and money are split evenly (so they sum to the daily values);
* share counts: 600000.XSHG 2,935,217.8996 万股 total / 2,935,217.8996 float; 000001.XSHE
  1,940,591.8198 / 1,940,557.1850; 000002.XSHE 1,193,047.6860 / 971,675.5557; 600087.XSHG
  336,000.0 / 336,000.0;
* 000002.XSHE is reclassified on 2024-01-08 (tushare: SW 住宅开发 -> 物业管理) and from the
  2024-01-10 snapshot (baostock / jqdatasdk: CSRC K70 -> L72).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from _pull_recorded import (DAYS, ETF, MARKET, FakeAkshare, FakeBaostock, FakeJqdatasdk, FakeTushare,
                            FakeTushareApi, _bs_code, _in, _result_data, _ts, truth)

SHARES = {"600000.XSHG": (2935217.8996, 2935217.8996), "000001.XSHE": (1940591.8198, 1940557.1850),
          "000002.XSHE": (1193047.6860, 971675.5557), "600087.XSHG": (336000.0, 336000.0)}
PE = {"600000.XSHG": 4.8, "000001.XSHE": 4.5, "000002.XSHE": -3.2, "600087.XSHG": 25.0}


def intraday(code: str, day: str, n: int) -> pd.DataFrame:
    """``n`` (240 or 48) end-labelled bars of ``code`` on ``day`` consistent with its daily bar."""
    from jqlite.data.minute import LABEL_MINUTES
    labels = LABEL_MINUTES if n == 240 else LABEL_MINUTES[4::5]
    r = truth().set_index(["code", "date"]).loc[(code, day)]
    o, c, h, lo = float(r["open"]), float(r["close"]), float(r["high"]), float(r["low"])
    if r["paused"] == 1:
        closes = np.full(n, c)
        opens, highs, lows = closes.copy(), closes.copy(), closes.copy()
        vol = np.zeros(n)
        money = np.zeros(n)
    else:
        closes = np.round(o + (c - o) * np.arange(1, n + 1) / n, 2)      # the 0.01 tick of stocks
        opens = np.r_[o, closes[:-1]]
        highs = np.maximum(opens, closes)
        lows = np.minimum(opens, closes)
        highs[0], lows[1] = h, lo
        vol = np.full(n, float(r["volume"] // n))          # whole shares; the remainder in the last bar
        vol[-1] += float(r["volume"]) - vol.sum()
        money = np.full(n, round(float(r["money"]) / n, 2))
        money[-1] = round(float(r["money"]) - money[:-1].sum(), 2)
    t = pd.Timestamp(day) + pd.to_timedelta(labels, unit="min")
    return pd.DataFrame({"time": t, "open": opens, "close": closes, "high": highs, "low": lows,
                         "volume": vol, "money": money})


# ----------------------------------------------------------------------------- baostock
BS_INDUSTRY = {"600000.XSHG": "J66货币金融服务", "000001.XSHE": "J66货币金融服务", "000002.XSHE": "K70房地产业",
               "600087.XSHG": "G55水上运输业"}


class FakeBaostockX(FakeBaostock):
    """Adds 5-minute bars, the valuation fields and ``query_stock_industry``."""

    def __init__(self, drop_bar: tuple | None = None, **kw):
        super().__init__(**kw)
        self.drop_bar = drop_bar        # (code, day): one 5-minute bar missing (an incomplete day)

    def query_history_k_data_plus(self, code, fields, start_date=None, end_date=None, frequency="d", adjustflag="3"):
        jq = next(c for c in MARKET if _bs_code(c) == code)
        if frequency == "5":
            self.calls.append(("k_data_5", code, start_date, end_date))
            t = _in(truth(), [jq], start_date, end_date)
            rows = []
            for r in t.itertuples():
                if r.paused == 1:            # no rows on a suspended day
                    continue
                b = intraday(jq, r.date, 48)
                if self.drop_bar == (jq, r.date):
                    b = b.iloc[1:]
                for x in b.itertuples():
                    rows.append([r.date, x.time.strftime("%Y%m%d%H%M%S") + "000", code, f"{x.open:.4f}",
                                 f"{x.high:.4f}", f"{x.low:.4f}", f"{x.close:.4f}", f"{int(round(x.volume))}",
                                 f"{x.money:.4f}", "3"])
            return _result_data(fields.split(","), rows)
        if "peTTM" in fields:
            self.calls.append(("k_data_valuation", code, start_date, end_date))
            t = _in(truth(), [jq], start_date, end_date)
            rows = []
            for r in t.itertuples():
                susp = r.paused == 1
                turn = "" if susp else f"{r.volume / (SHARES[jq][1] * 1e4) * 100:.6f}"
                pe = PE[jq] * r.close / 10
                rows.append([r.date, code, turn, "0" if susp else "1", f"{pe:.6f}", "0.550000", "1.200000",
                             "-7.500000"])
            return _result_data(fields.split(","), rows)
        return super().query_history_k_data_plus(code, fields, start_date, end_date, frequency, adjustflag)

    def query_stock_industry(self, code="", date=""):
        self.calls.append(("query_stock_industry", date))
        rows = []
        for c, ind in BS_INDUSTRY.items():
            if c == "600087.XSHG" and date > "2024-01-05":
                continue                           # delisted: no longer answered
            if c == "000002.XSHE" and date >= "2024-01-10":
                ind = "L72商务服务业"
            rows.append(["2024-01-01", _bs_code(c), MARKET[c][0], ind, "证监会行业分类"])
        return _result_data(["updateDate", "code", "code_name", "industry", "industryClassification"], rows)


# ----------------------------------------------------------------------------- tushare
TS_MEMBERS = [  # l1, l1 name, l2, l2 name, l3, l3 name, ts_code, in, out, is_new
    ("801780.SI", "银行", "801783.SI", "股份制银行Ⅱ", "857831.SI", "股份制银行Ⅲ", "600000.SH", "20091231", None, "Y"),
    ("801780.SI", "银行", "801783.SI", "股份制银行Ⅱ", "857831.SI", "股份制银行Ⅲ", "000001.SZ", "19910403", None, "Y"),
    ("801180.SI", "房地产", "801181.SI", "房地产开发Ⅱ", "851811.SI", "住宅开发", "000002.SZ", "20140221", "20240108", "N"),
    ("801180.SI", "房地产", "801183.SI", "房地产服务Ⅱ", "851831.SI", "物业管理", "000002.SZ", "20240108", None, "Y"),
    ("801170.SI", "交通运输", "801178.SI", "航运港口Ⅱ", "857872.SI", "航运", "600087.SH", "20140221", "20240108", "N"),
    ("801780.SI", "银行", "801782.SI", "国有大型银行Ⅱ", "857821.SI", "国有大型银行Ⅲ", "601398.SH", "20061027", None, "Y"),
]
TS_ETF = {"510300.SH": ("沪深300ETF", "20120528", "L"), "159999.SZ": ("某LOF", "20200101", "L")}


class FakeTushareApiX(FakeTushareApi):
    def query(self, api_name, fields="", **kw):
        o = self.owner
        if api_name not in ("daily_basic", "index_classify", "index_member_all", "fund_basic", "fund_daily",
                            "fund_adj", "stk_mins") or self.token != o.good_token:
            return super().query(api_name, fields=fields, **kw)
        o.calls.append((api_name, kw))
        if api_name == "stk_mins":
            # 241 bars a day, newest first: 09:31 .. 11:30, a 13:00:00 bar (trades at 13:00:00 sharp:
            # a quarter of the 13:01 bar here), 13:01 .. 15:00; vol in shares, amount in yuan
            code = next(c for c in MARKET if _ts(c) == kw["ts_code"])
            t = truth()
            t = _in(t[t["paused"] == 0], [code], pd.Timestamp(kw["start_date"]).normalize(), pd.Timestamp(kw["end_date"]))
            frames = []
            for d in t["date"]:
                b = intraday(code, d, 240)
                k = int(np.flatnonzero(b["time"].dt.strftime("%H:%M") == "13:01")[0])
                x = b.iloc[[k]].copy()
                x["time"] = pd.Timestamp(d) + pd.Timedelta(13, unit="h")
                x[["close", "high", "low"]] = float(x["open"].iloc[0])
                x[["volume", "money"]] = x[["volume", "money"]].to_numpy() / 4
                b.loc[b.index[k], ["volume", "money"]] = b[["volume", "money"]].iloc[k].to_numpy() * 3 / 4
                frames += [b, x]
            if not frames:
                return pd.DataFrame(columns=["ts_code", "trade_time", "close", "open", "high", "low", "vol", "amount"])
            b = pd.concat(frames, ignore_index=True).sort_values("time", ascending=False)
            return pd.DataFrame({"ts_code": kw["ts_code"], "trade_time": b["time"].dt.strftime("%Y-%m-%d %H:%M:%S"),
                                 "close": b["close"], "open": b["open"], "high": b["high"], "low": b["low"],
                                 "vol": b["volume"], "amount": b["money"]}).reset_index(drop=True)
        if api_name == "daily_basic":
            t = truth()
            t = t[t["paused"] == 0]                # no row on a suspended day
            codes = [next(c for c in MARKET if _ts(c) == x) for x in kw["ts_code"].split(",")]
            t = _in(t, codes, pd.to_datetime(kw["start_date"]), pd.to_datetime(kw["end_date"]))
            items = []
            for r in t.itertuples():
                tot, flo = SHARES[r.code]
                items.append([_ts(r.code), pd.Timestamp(r.date).strftime("%Y%m%d"), r.close,
                              round(r.volume / (flo * 1e4) * 100, 4), PE[r.code] * r.close / 10,
                              PE[r.code] * r.close / 9, 0.55, 1.2, tot, flo, round(r.close * tot, 4),
                              round(r.close * flo, 4)])
            cols = ["ts_code", "trade_date", "close", "turnover_rate", "pe_ttm", "pe", "pb", "ps_ttm", "total_share",
                    "float_share", "total_mv", "circ_mv"]
            df = pd.DataFrame(items, columns=cols)
            want = [c for c in fields.split(",") if c in df.columns] if fields else cols
            return df[want]
        if api_name == "index_classify":
            l1 = sorted({(r[0], r[1]) for r in TS_MEMBERS})
            return pd.DataFrame([[c, n, "L1", c[:2] + "0000", "1", "0", "SW2021"] for c, n in l1],
                                columns=["index_code", "industry_name", "level", "industry_code", "is_pub",
                                         "parent_code", "src"])
        if api_name == "index_member_all":
            rows = [list(r[:7]) + ["x", r[7], r[8], r[9]] for r in TS_MEMBERS
                    if r[0] == kw["l1_code"] and r[9] == kw.get("is_new", "Y")]
            return pd.DataFrame(rows, columns=["l1_code", "l1_name", "l2_code", "l2_name", "l3_code", "l3_name",
                                               "ts_code", "name", "in_date", "out_date", "is_new"])
        if api_name == "fund_basic":
            rows = [[c, n, "华泰柏瑞基金", "股票型", ld, kw["status"], "E"] for c, (n, ld, st) in TS_ETF.items()
                    if st == kw["status"]]
            return pd.DataFrame(rows, columns=["ts_code", "name", "management", "fund_type", "list_date", "status",
                                               "market"])
        closes = ETF["510300.XSHG"]
        pre = [3.490] + closes[:-1]
        keep = [i for i, d in enumerate(DAYS) if kw["start_date"] <= d.replace("-", "") <= kw["end_date"]]
        if api_name == "fund_adj":
            return pd.DataFrame([["510300.SH", DAYS[i].replace("-", ""), 1.0] for i in keep],
                                columns=["ts_code", "trade_date", "adj_factor"])
        # fund_daily: tushare sends no pre_close on 2024-01-05 here (filled from fund_adj)
        rows = [["510300.SH", DAYS[i].replace("-", ""), pre[i], max(pre[i], closes[i]), min(pre[i], closes[i]),
                 closes[i], None if DAYS[i] == "2024-01-05" else pre[i], round(closes[i] - pre[i], 3), 0.1,
                 5000.0, 5e4 * closes[i]] for i in keep]
        return pd.DataFrame(rows, columns=["ts_code", "trade_date", "open", "high", "low", "close", "pre_close",
                                           "change", "pct_chg", "vol", "amount"]).astype({"pre_close": float})


class FakeTushareX(FakeTushare):
    def pro_api(self, token="", timeout=30):
        return FakeTushareApiX(self, token)


# ----------------------------------------------------------------------------- akshare
class FakeAkshareX(FakeAkshare):
    def fund_etf_spot_em(self):
        return pd.DataFrame({"代码": ["510300"], "名称": ["沪深300ETF"], "最新价": [3.527]})

    def stock_zh_a_hist_min_em(self, symbol="000001", start_date="1979-09-01 09:32:00",
                               end_date="2222-01-01 09:32:00", period="1", adjust=""):
        self.calls.append(("stock_zh_a_hist_min_em", symbol, start_date, end_date))
        code = next(c for c in MARKET if c.startswith(symbol))
        t = truth()
        t = _in(t[t["paused"] == 0], [code], pd.Timestamp(start_date).normalize(), pd.Timestamp(end_date))
        frames = []
        for d in t["date"]:
            b = intraday(code, d, 240)
            # the opening auction as its own 09:30 row: a fifth of the 09:31 bar's volume, at the open
            auc = b.iloc[[0]].copy()
            auc["time"] = pd.Timestamp(d) + pd.Timedelta(9 * 60 + 30, unit="min")
            auc[["close", "high", "low"]] = float(auc["open"].iloc[0])
            auc[["volume", "money"]] = auc[["volume", "money"]].to_numpy() / 5
            b.loc[b.index[0], ["volume", "money"]] = b[["volume", "money"]].iloc[0].to_numpy() * 4 / 5
            frames += [auc, b]
        if not frames:
            return pd.DataFrame()
        b = pd.concat(frames, ignore_index=True)
        return pd.DataFrame({"时间": b["time"].dt.strftime("%Y-%m-%d %H:%M:%S"), "开盘": b["open"], "收盘": b["close"],
                             "最高": b["high"], "最低": b["low"], "成交量": b["volume"] / 100, "成交额": b["money"],
                             "均价": b["money"] / b["volume"].where(b["volume"] > 0)})


# ----------------------------------------------------------------------------- jqdatasdk
JQ_INDUSTRY = {
    "600000.XSHG": {"sw_l1": ("801780", "银行I"), "sw_l3": ("857831", "股份制银行III"), "zjw": ("J66", "货币金融服务")},
    "000001.XSHE": {"sw_l1": ("801780", "银行I"), "sw_l3": ("857831", "股份制银行III"), "zjw": ("J66", "货币金融服务")},
    "000002.XSHE": {"sw_l1": ("801180", "房地产I"), "sw_l3": ("851811", "住宅开发III"), "zjw": ("K70", "房地产业")},
}


class FakeJqdatasdkX(FakeJqdatasdk):
    def __init__(self, factor_values=None, **kw):
        super().__init__(**kw)
        self.recorded_factors = factor_values or {}

    def get_price(self, security, start_date=None, end_date=None, frequency="daily", fields=None,
                  skip_paused=False, fq="pre", count=None, panel=True, fill_paused=True, round=True):
        if frequency != "1m":
            etf = [c for c in security if c in ETF]
            df = super().get_price([c for c in security if c not in ETF], start_date, end_date, frequency, fields,
                                   skip_paused, fq, count, panel, fill_paused, round)
            rows = []
            for c in etf:            # the ETF of _pull_recorded.ETF: fund limits to the 0.001 tick
                closes = ETF[c]
                pre = [3.490] + closes[:-1]
                for i, d in enumerate(DAYS):
                    if pd.Timestamp(start_date) <= pd.Timestamp(d) <= pd.Timestamp(end_date):
                        v = dict(open=pre[i], close=closes[i], high=max(pre[i], closes[i]), low=min(pre[i], closes[i]),
                                 volume=500000.0, money=5e7 * closes[i], pre_close=pre[i],
                                 high_limit=float(np.floor(pre[i] * 1.1 * 1000 + 0.5) / 1000),
                                 low_limit=float(np.floor(pre[i] * 0.9 * 1000 + 0.5) / 1000), paused=0.0)
                        rows.append([pd.Timestamp(d), c] + [v[f] for f in fields])
            self._spend(len(rows))
            return pd.concat([df, pd.DataFrame(rows, columns=["time", "code"] + list(fields))], ignore_index=True) \
                if rows else df
        self.calls.append(("get_price_1m", tuple(security), start_date, end_date))
        assert fq is None and panel is False
        t = truth()
        frames = []
        for c in security:
            for d in _in(t, [c], pd.Timestamp(start_date).normalize(), pd.Timestamp(end_date))["date"]:
                b = intraday(c, d, 240)       # a suspended day: 240 rows at the last close, volume 0
                b.insert(1, "code", c)
                frames.append(b)
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["time", "code"] + fields)
        self._spend(len(df))
        return df[["time", "code"] + list(fields)]

    def get_valuation(self, security_list, start_date=None, end_date=None, fields=None, count=None):
        self.calls.append(("get_valuation", tuple(security_list), start_date, end_date))
        t = truth()
        t = _in(t[t["paused"] == 0], list(security_list), start_date, end_date)
        rows = []
        for r in t.itertuples():
            tot, flo = SHARES[r.code]
            rows.append({"code": r.code, "day": pd.Timestamp(r.date).date(), "capitalization": tot,
                         "circulating_cap": flo, "market_cap": round(r.close * tot / 1e4, 4),
                         "circulating_market_cap": round(r.close * flo / 1e4, 4),
                         "turnover_ratio": round(r.volume / (flo * 1e4) * 100, 4), "pe_ratio": PE[r.code] * r.close / 10})
        self._spend(len(rows))
        df = pd.DataFrame(rows)
        return df[["code", "day"] + [f for f in fields if f in df.columns]]

    def get_industry(self, security, date=None, df=False):
        self.calls.append(("get_industry", date))
        out = {}
        for c in security:
            if c not in JQ_INDUSTRY:
                out[c] = {}
                continue
            d = {k: {"industry_code": v[0], "industry_name": v[1]} for k, v in JQ_INDUSTRY[c].items()}
            if c == "000002.XSHE" and date >= "2024-01-10":
                d["zjw"] = {"industry_code": "L72", "industry_name": "商务服务业"}
            out[c] = d
        return out

    def get_all_securities(self, types=[], date=None):
        if types == ["etf"]:
            return pd.DataFrame({"display_name": ["沪深300ETF"], "name": ["HS300ETF"],
                                 "start_date": [pd.Timestamp("2012-05-28")], "end_date": [pd.Timestamp("2200-01-01")],
                                 "type": ["etf"]}, index=["510300.XSHG"])
        return super().get_all_securities(types, date)

    def get_factor_values(self, securities, factors, start_date=None, end_date=None, count=None):
        self.calls.append(("get_factor_values", tuple(securities), tuple(factors), start_date, end_date))
        out = {}
        for f in factors:
            df = self.recorded_factors[f]
            df = df.loc[pd.Timestamp(start_date):pd.Timestamp(end_date), [c for c in securities if c in df.columns]]
            self._spend(df.size)
            out[f] = df
        return out
