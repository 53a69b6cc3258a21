"""akshare (free, no account): Eastmoney daily bars of stocks and ETFs, one security per call.

Library calls and what they return (akshare 1.19.5, ``akshare/stock_feature/stock_hist_em.py``
``stock_zh_a_hist`` and ``akshare/fund/fund_etf_em.py`` ``fund_etf_hist_em``; documentation
https://akshare.akfamily.xyz/data/stock/stock.html#id21):

* ``stock_zh_a_hist(symbol='600000', period='daily', start_date='20240102',
  end_date='20240131', adjust='')`` -> columns ``日期`` (``datetime.date`` objects),
  ``股票代码`` (str, the bare symbol), ``开盘 收盘 最高 最低`` (float64, yuan), ``成交量``
  (int64, **lots of 100 shares**), ``成交额`` (float64, yuan), ``振幅 涨跌幅`` (%), ``涨跌额``
  (float64, yuan: close minus the exchange's previous close), ``换手率`` (%).  An empty
  ``DataFrame()`` when there is no data.  No row on a suspended day.  ``adjust=''`` =
  unadjusted.
* ``fund_etf_hist_em(symbol='510300', ...)`` -> the same columns without ``股票代码``
  (``日期`` as str there), prices to 0.001 yuan.
* ``stock_info_a_code_name()`` -> ``code, name`` of the listed A-shares (no delisted ones:
  a pull with ``--universe all`` from akshare has survivorship bias; said in the pull log).
* ``fund_etf_spot_em()`` (``--what etf``) -> today's ETFs, columns ``代码`` (bare symbol),
  ``名称`` and quotes: listed ETFs only (no delisted ones, said in the log).
* ``stock_zh_a_hist_min_em(symbol, start_date='YYYY-MM-DD HH:MM:SS', end_date, period='1',
  adjust='')`` (``--what minute``) -> ``时间`` (str ``'2024-01-02 09:31:00'``), ``开盘 收盘 最高
  最低`` (yuan), ``成交量`` (lots of 100), ``成交额`` (yuan), ``均价``: Eastmoney's
  ``trends2`` answer, **the last 5 trading days only** (``ndays=5`` in the library), with a
  09:30 row for the opening call auction; that row is folded into the 09:31 bar (JoinQuant's
  09:31 bar opens at the auction price and holds the auction volume), giving 240 bars a day.
* Errors are ``requests`` exceptions (network) or ``KeyError``/``TypeError`` from a page
  whose layout changed; there is no account.

``pre_close`` is ``收盘 - 涨跌额`` rounded to the tick (0.01 yuan for stocks, 0.001 for ETFs),
which is the exchange's ex-rights reference price, so the factor is derived as for other sources.
"""

from __future__ import annotations

import pandas as pd

from ..ingest import ColumnMapping, normalize_codes, security_type_of
from .base import Source, SourceError, yyyymmdd


class AkshareSource(Source):
    """Adapter for akshare (see the module docstring)."""

    name = "akshare"
    module = "akshare"
    extra = "akshare"
    mapping = ColumnMapping(date="日期", code="股票代码", open="开盘", high="最高", low="最低", close="收盘",
                            volume="成交量", money="成交额", pre_close="pre_close", volume_scale=100.0)
    batch_size = 20
    min_interval = 0.3     # a public web endpoint: stay polite

    def classify(self, exc: BaseException):
        if isinstance(exc, (KeyError, TypeError, ValueError)):   # page layout changed / blocked
            return SourceError
        return super().classify(exc)

    def securities(self, universe: str, date) -> pd.DataFrame:
        if universe != "all":
            raise SourceError(f"akshare adapter: universe {universe!r} not supported (use all or a FILE)")
        df = self.client.stock_info_a_code_name()
        out = pd.DataFrame({"code": normalize_codes(df["code"].astype(str).to_numpy(), file="akshare stock_info_a_code_name"),
                            "display_name": df["name"].to_numpy(object), "listed": True})
        self.note = ("akshare lists only the stocks listed today: delisted stocks are missing (survivorship "
                     "bias), and it has no ST flag, so ST stocks get the board's normal price limits")
        return self.stocks_only(out)

    def etf_securities(self, date) -> pd.DataFrame:
        df = self.client.fund_etf_spot_em()
        out = pd.DataFrame({"code": normalize_codes(df["代码"].astype(str).to_numpy(), file="akshare fund_etf_spot_em"),
                            "display_name": df["名称"].to_numpy(object), "type": "etf", "listed": True})
        self.note = ((getattr(self, "note", "") or "") + "; akshare lists only the ETFs listed today").lstrip("; ")
        return out[out["code"].map(security_type_of).eq("etf").to_numpy()].reset_index(drop=True)

    def fetch_minute(self, codes: list[str], start, end) -> pd.DataFrame:
        frames = []
        for c in codes:
            df = self.client.stock_zh_a_hist_min_em(symbol=c.split(".")[0],
                                                    start_date=f"{pd.Timestamp(start).date()} 09:00:00",
                                                    end_date=f"{pd.Timestamp(end).date()} 15:00:00",
                                                    period="1", adjust="")
            if df is None or df.empty:
                continue
            frames.append(pd.DataFrame({
                "code": c, "time": pd.to_datetime(df["时间"]).to_numpy(), "open": df["开盘"].to_numpy(float),
                "close": df["收盘"].to_numpy(float), "high": df["最高"].to_numpy(float),
                "low": df["最低"].to_numpy(float), "volume": df["成交量"].to_numpy(float) * 100.0,
                "money": df["成交额"].to_numpy(float)}))
        if not frames:
            return pd.DataFrame(columns=["code", "time", "open", "close", "high", "low", "volume", "money"])
        from .extras_map import fold_to_jq_labels
        return fold_to_jq_labels(pd.concat(frames, ignore_index=True))

    def fetch_daily(self, codes: list[str], start, end) -> pd.DataFrame:
        frames = []
        for c in codes:
            sym = c.split(".")[0]
            etf = security_type_of(c) == "etf"
            if etf:
                df = self.client.fund_etf_hist_em(symbol=sym, period="daily", start_date=yyyymmdd(start),
                                                  end_date=yyyymmdd(end), adjust="")
            else:
                df = self.client.stock_zh_a_hist(symbol=sym, period="daily", start_date=yyyymmdd(start),
                                                 end_date=yyyymmdd(end), adjust="")
            if df is None or df.empty:
                continue
            df = df.reset_index(drop=True)
            df["股票代码"] = c           # keep the exchange: a bare 000001 would be ambiguous for an index
            df["pre_close"] = (df["收盘"] - df["涨跌额"]).round(3 if etf else 2)
            frames.append(df)
        if not frames:
            return pd.DataFrame(columns=["日期", "股票代码", "开盘", "收盘", "最高", "最低", "成交量", "成交额", "pre_close"])
        return pd.concat(frames, ignore_index=True)
