"""baostock (free, anonymous login): raw daily k-data with the exchange pre_close, ST flag and
trading status, one security per call.

Library calls and what they return (baostock 0.9.4, ``baostock/data/resultset.py``,
``security/history.py``, ``metadata/stock_metadata.py``; documentation
http://baostock.com/baostock/index.php/Python_API文档):

* ``login(user_id='anonymous', password='123456')`` -> ``ResultData`` with ``error_code``
  (``'0'`` = success; ``'10001xxx'`` account errors, ``'10002xxx'`` network errors) and
  ``error_msg`` (the server's Chinese message).
* ``query_history_k_data_plus(code='sh.600000', fields, start_date='YYYY-MM-DD',
  end_date, frequency='d', adjustflag='3')`` -> ``ResultData``; rows are read with
  ``rs.next()`` / ``rs.get_row_data()`` (lists of **strings**, empty string = no value) and
  the column names are ``rs.fields``.  ``rs.get_data()`` is not used: it calls
  ``DataFrame.append``, removed in pandas 2, whenever a result has more than one page.
  adjustflag ``'3'`` = unadjusted.  Units: prices yuan, volume shares, amount yuan.  A
  suspended day is a row with ``tradestatus='0'``, ``volume='0'`` and all prices equal to the
  previous close; ``isST`` is ``'1'`` on ST days.
* ``query_stock_basic()`` -> fields ``code, code_name, ipoDate, outDate, type, status``
  (``type`` '1' stock, '2' index, '3' other, '4' convertible bond, '5' ETF; ``status`` '1'
  listed, '0' delisted) -- delisted stocks included, so a pull has no survivorship bias.
* ``query_hs300_stocks(date)``, ``query_zz500_stocks(date)``, ``query_sz50_stocks(date)`` ->
  fields ``updateDate, code, code_name``: the index's members on that date.

* ``query_profit_data(code, year, quarter)`` (``evaluation/season_index.py``) -> fields
  ``code, pubDate, statDate, roeAvg, npMargin, gpMargin, netProfit, epsTTM, MBRevenue,
  totalShare, liqaShare`` (strings; ``netProfit`` YTD yuan, ratios fractions); no row when
  the report is not out.  Mapping: :mod:`jqlite.data.sources.fundamentals_map`.

* ``query_history_k_data_plus(code, 'date,time,code,open,high,low,close,volume,amount,adjustflag',
  frequency='5', adjustflag='3')`` (``--what minute``): 5-minute bars, 48 a day; ``time`` is
  ``'YYYYMMDDHHMMSSsss'`` (``'20240102093500000'``), the bar's **end** (09:35 .. 11:30,
  13:05 .. 15:00 -- JoinQuant's end labels); volume shares, amount yuan; no rows on a
  suspended day.  Stored in ``STORE/bars_5m`` (baostock has no 1-minute bars).
* the same call with ``frequency='d'`` and fields ``date,code,turn,tradestatus,peTTM,pbMRQ,
  psTTM,pcfNcfTTM`` (``--what valuation``): ``turn`` percent, the ratios plain (documentation
  "历史行情指标参数"); mapped by :data:`~jqlite.data.sources.extras_map.BS_VALUATION`.
* ``query_stock_industry(code='', date='YYYY-MM-DD')`` (``security/sectorinfo.py``,
  ``--what industries``) -> fields ``updateDate, code, code_name, industry,
  industryClassification``: every stock's CSRC 2012 division on that date, ``industry`` as
  ``'J66货币金融服务'`` (code + name), ``industryClassification`` ``'证监会行业分类'`` --
  JoinQuant's ``zjw`` scheme.  Asked on the span's first day and each month's last trading
  day; a change is seen from the first snapshot that shows it.

The adjustment factor is derived from ``preclose`` (identical to baostock's back-adjust
factor ratios, which are computed from the same exchange reference prices).
"""

from __future__ import annotations

import datetime as _dt
from typing import Mapping

import numpy as np
import pandas as pd

from ..ingest import ColumnMapping, normalize_codes
from .base import CredentialError, Source, SourceError, TransientError, iso

K_FIELDS = "date,code,open,high,low,close,preclose,volume,amount,adjustflag,turn,tradestatus,pctChg,isST"
_NUMERIC = ("open", "high", "low", "close", "preclose", "volume", "amount", "turn", "pctChg")


def bs_code(code: str) -> str:
    """``600000.XSHG`` -> ``sh.600000`` (baostock has no Beijing exchange codes)."""
    num, ex = code.split(".")
    if ex not in ("XSHG", "XSHE"):
        raise SourceError(f"baostock has no data for {code} (only Shanghai and Shenzhen)")
    return ("sh." if ex == "XSHG" else "sz.") + num


class BaostockSource(Source):
    """Adapter for the ``baostock`` library (see the module docstring)."""

    name = "baostock"
    module = "baostock"
    extra = "baostock"
    mapping = ColumnMapping.baostock()
    batch_size = 20
    min_interval = 0.0     # baostock states no rate limit; one call at a time

    def _check(self, rs, what: str):
        code = str(getattr(rs, "error_code", ""))
        if code == "0":
            return rs
        msg = f"baostock {what}: {getattr(rs, 'error_msg', '')} (error_code {code})"
        if code.startswith("10001"):
            raise CredentialError(msg)
        if code.startswith("10002"):
            raise TransientError(msg)
        raise SourceError(msg)

    def _frame(self, rs, what: str) -> pd.DataFrame:
        self._check(rs, what)
        rows = []
        while rs.error_code == "0" and rs.next():
            rows.append(rs.get_row_data())
        self._check(rs, what)           # a later page can fail
        return pd.DataFrame(rows, columns=list(rs.fields))

    def login(self, credentials: Mapping[str, str]) -> None:
        user = credentials.get("user")
        pw = credentials.get("password")
        lg = self.client.login(user.reveal() if user else "anonymous", pw.reveal() if pw else "123456")
        self._check(lg, "login")

    def logout(self) -> None:
        try:
            self.client.logout()
        except Exception:
            pass

    def securities(self, universe: str, date: _dt.date) -> pd.DataFrame:
        if universe == "all":
            df = self._frame(self.client.query_stock_basic(), "query_stock_basic")
            df = df[df["type"].astype(str) == "1"]
            out = pd.DataFrame({"code": normalize_codes(df["code"].to_numpy(), file="baostock query_stock_basic"),
                                "display_name": df["code_name"].to_numpy(object),
                                "start_date": pd.to_datetime(df["ipoDate"].replace("", None), errors="coerce"),
                                "listed": (df["status"].astype(str) == "1").to_numpy()})
            return self.stocks_only(out)
        fn = {"hs300": "query_hs300_stocks", "zz500": "query_zz500_stocks", "sz50": "query_sz50_stocks"}.get(universe)
        if fn is None:
            raise SourceError(f"baostock has no universe {universe!r} (all, hs300, zz500, sz50)")
        df = self._frame(getattr(self.client, fn)(date=iso(date)), fn)
        return pd.DataFrame({"code": normalize_codes(df["code"].to_numpy(), file=f"baostock {fn}"),
                             "display_name": df["code_name"].to_numpy(object)})

    def index_snapshots(self, index_code: str, dates) -> pd.DataFrame:
        fn = {"000300.XSHG": "query_hs300_stocks", "000905.XSHG": "query_zz500_stocks",
              "000016.XSHG": "query_sz50_stocks"}.get(index_code)
        if fn is None:
            raise SourceError(f"baostock has no members of {index_code} (000300.XSHG, 000905.XSHG, 000016.XSHG)")
        frames = []
        for d in dates:
            df = self._frame(getattr(self.client, fn)(date=iso(d)), f"{fn} {iso(d)}")
            frames.append(pd.DataFrame({"index_code": index_code, "date": pd.Timestamp(d),
                                        "code": normalize_codes(df["code"].to_numpy(), file=f"baostock {fn}"),
                                        "weight": np.nan}))
        return pd.concat(frames, ignore_index=True)

    def fetch_fundamentals(self, codes: list[str], start, end) -> dict[str, pd.DataFrame]:
        from .fundamentals_map import BS_PROFIT, map_statement, report_quarters
        frames = []
        for c in codes:
            for y, q in report_quarters(start, end):
                frames.append(self._frame(self.client.query_profit_data(code=bs_code(c), year=y, quarter=q),
                                          f"query_profit_data {c} {y}Q{q}"))
        df = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else None
        if df is not None:
            df = df[df["pubDate"].astype(str) <= iso(end)]
        inc = map_statement(df, BS_PROFIT, code_col="code", stat_col="statDate", pub_col="pubDate",
                            label="baostock query_profit_data", table="income")
        return {"income": inc} if len(inc) else {}

    minute_base = 5
    MINUTE_FIELDS = "date,time,code,open,high,low,close,volume,amount,adjustflag"
    VALUATION_FIELDS = "date,code,turn,tradestatus,peTTM,pbMRQ,psTTM,pcfNcfTTM"

    def fetch_minute(self, codes: list[str], start, end) -> pd.DataFrame:
        frames = []
        for c in codes:
            rs = self.client.query_history_k_data_plus(bs_code(c), self.MINUTE_FIELDS, start_date=iso(start),
                                                       end_date=iso(end), frequency="5", adjustflag="3")
            df = self._frame(rs, f"query_history_k_data_plus {c} 5-minute")
            if len(df):
                frames.append(df)
        if not frames:
            return pd.DataFrame({"code": pd.Series(dtype=object), "time": pd.Series(dtype="datetime64[ns]"),
                                 **{k: pd.Series(dtype=float) for k in ("open", "close", "high", "low", "volume",
                                                                        "money")}})
        df = pd.concat(frames, ignore_index=True)
        out = pd.DataFrame({"code": normalize_codes(df["code"].to_numpy(), file="baostock 5-minute"),
                            "time": pd.to_datetime(df["time"].str[:12], format="%Y%m%d%H%M")})
        for src, dst in (("open", "open"), ("close", "close"), ("high", "high"), ("low", "low"),
                         ("volume", "volume"), ("amount", "money")):
            out[dst] = pd.to_numeric(df[src].replace("", None), errors="coerce").astype(float).to_numpy()
        return out

    def fetch_valuation(self, codes: list[str], start, end) -> pd.DataFrame:
        from .extras_map import BS_VALUATION, map_valuation
        frames = []
        for c in codes:
            rs = self.client.query_history_k_data_plus(bs_code(c), self.VALUATION_FIELDS, start_date=iso(start),
                                                       end_date=iso(end), frequency="d", adjustflag="3")
            frames.append(self._frame(rs, f"query_history_k_data_plus {c} valuation"))
        df = pd.concat(frames, ignore_index=True) if frames else None
        if df is not None and len(df):
            # a suspended day: baostock still sends the ratios, JoinQuant has no valuation row
            # (get_valuation: "如果期间标的停牌，则该标的返回的市值数据数量小于count")
            df = df[df["tradestatus"].astype(str) != "0"]
        return map_valuation(df, BS_VALUATION, code_col="code", day_col="date", label="baostock valuation")

    def industry_members(self, codes, dates) -> pd.DataFrame:
        from ..industry_codes import ZJW
        from .extras_map import snapshots_to_intervals, zjw_of
        want = set(codes)
        rows = []
        for d in dates:
            df = self._frame(self.client.query_stock_industry(code="", date=iso(d)), f"query_stock_industry {iso(d)}")
            if df.empty:
                continue
            jq = normalize_codes(df["code"].to_numpy(), file="baostock query_stock_industry")
            for c, ind in zip(jq, df["industry"].to_numpy()):
                zc, zn = zjw_of(ind)
                if zc is None or c not in want:     # '' = not classified yet (new listing)
                    continue
                rows.append(("zjw", zc, c, pd.Timestamp(d), ZJW[zc][0] if zc in ZJW else zn))
        snaps = pd.DataFrame(rows, columns=["scheme", "industry_code", "code", "date", "name"])
        return snapshots_to_intervals(snaps, days=dates)

    def fetch_daily(self, codes: list[str], start, end) -> pd.DataFrame:
        frames = []
        for c in codes:
            rs = self.client.query_history_k_data_plus(bs_code(c), K_FIELDS, start_date=iso(start),
                                                       end_date=iso(end), frequency="d", adjustflag="3")
            frames.append(self._frame(rs, f"query_history_k_data_plus {c}"))
        df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=K_FIELDS.split(","))
        for k in _NUMERIC:             # '' = no value (turn on a suspended day)
            df.loc[df[k] == "", k] = np.nan
        return df
