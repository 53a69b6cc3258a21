"""jqdatasdk (the user's JoinQuant data account): unadjusted prices with JoinQuant's own
``pre_close``, ``high_limit``, ``low_limit``, ``paused`` and the ST flag, within the account's
daily quota.

Library calls and what they return (jqdatasdk 1.9.8, ``jqdatasdk/__init__.py``,
``jqdatasdk/api.py``, ``jqdatasdk/client.py``; documentation
https://www.joinquant.com/help/api/doc?name=JQDatadoc):

* ``auth(username, password)`` -> None; a rejected account raises ``Exception(msg)`` with the
  server's message (``JQDataClient.get_error``); network failures are socket errors.
* ``get_query_count()`` -> ``{'total': int, 'spare': int}``: rows the account may fetch today
  and rows left.  Each returned row of ``get_price``/``get_extras``/``get_valuation``/
  ``get_fundamentals`` costs one.
* ``get_all_securities(types=['stock'])`` -> DataFrame indexed by code (``600000.XSHG``),
  columns ``display_name, name, start_date, end_date, type`` (dates as ``Timestamp``; listed
  and delisted stocks).
* ``get_price(codes, start_date, end_date, frequency='daily', fields=[...], skip_paused=False,
  fq=None, panel=False)`` -> long DataFrame with columns ``time`` (datetime64), ``code`` and
  the fields.  ``fq=None`` = raw prices (the ``factor`` field would then be 1.0, so it is not
  fetched; the factor is derived from ``pre_close``, JoinQuant's ex-rights reference).  With
  ``skip_paused=False`` a suspended day is a row with ``paused=1.0``, prices = the last
  close and volume 0; days before listing / after delisting are rows of NaN (dropped).
  volume in shares, money in yuan.
* ``get_extras('is_st', codes, start_date, end_date, df=True)`` -> wide DataFrame, index
  dates, one bool column per code.
* ``index`` universes: ``get_index_stocks('000300.XSHG', date)`` -> list of codes.
* ``get_price(codes, start_date, end_date, frequency='1m', fields=[...], fq=None,
  panel=False)`` (``--what minute``): the same long frame with one row per minute, ``time``
  the bar's end label as JoinQuant labels it (09:31 .. 15:00); 240 rows a day, each costing
  one quota row (a pull asks month by month and security by security).
* ``get_valuation(codes, start_date, end_date, fields=[...])`` (``--what valuation``) ->
  ``code, day`` (``datetime.date``) and the fields, already in JoinQuant's units (the
  ``valuation`` table); at most 5,000 rows per call.
* ``get_industry(codes, date)`` (``--what industries``) -> ``{code: {scheme: {'industry_code':
  str, 'industry_name': str}}}`` with schemes ``sw_l1 sw_l2 sw_l3 jq_l1 jq_l2 zjw``; asked on
  the span's first day and each month's last trading day.
* ``get_all_securities(types=['etf'])`` (``--what etf``): ETFs, listed and delisted.
* ``get_factor_values(codes, factors, start_date, end_date)`` (``jqlite data
  verify-factors``) -> ``{factor: DataFrame}`` indexed by date, one column per code.
* ``get_fundamentals(query(income.code, income.pubDate, income.statDate, income.<col>, ...)
  .filter(income.code.in_(codes)), statDate='2023q3')`` (``--what fundamentals``; ``query``
  and the tables ``income balance cash_flow indicator`` are the module's own, sqlalchemy
  objects of ``jqdatasdk/finance_tables.py``) -> DataFrame with the selected columns in
  order: ``code``, ``pubDate``, ``statDate`` (dates) and the values (float, yuan; ratios in
  percent; NaN where the report has no value).  With ``statDate='YYYYqN'``
  ``jqdatasdk/finance_service.py`` ``get_fundamentals_sql`` reads the quarter tables
  (``income_statement``, ``cash_flow_statement``, ``balance_sheet``,
  ``financial_indicator``), whose income / cash-flow / indicator values are that **quarter
  alone** (the ``get_history_fundamentals`` docstring: "income表中只有单个季度的利润"; JQData
  doc 财务数据: 单季度); balance is the position at statDate.  At most
  ``FUNDAMENTAL_RESULT_LIMIT`` rows per call (10,000 in 1.9.8; the platform manual says
  5,000), one row per code and quarter; rows count against the daily quota like any other.
  The columns asked for are ``fundamentals_map.JQ_STATEMENTS`` (JoinQuant's names; three
  differ in jqlite) that the installed SDK's table has.
* ``finance.run_query(query(finance.STK_CASHFLOW_STATEMENT.code, .pub_date, .report_date,
  .fixed_assets_depreciation, .intangible_assets_amortization,
  .defferred_expense_amortization).filter(..., report_type == 0))`` (the table's columns are
  loaded from the server, ``jqdatasdk/table.py`` ``DBTable``; names from the JQData doc
  合并现金流量表 id=9898) -> DataFrame of the selected columns, values year-to-date as
  reported, every version of a report its own row; at most 5,000 rows per call
  (``DBTable.RESULT_ROWS_LIMIT``).  The three indirect-method items are not columns of
  ``cash_flow``; jqlite keeps them beside it for the factor library.

Fundamentals: one call per table, quarter (``report_quarters``: Q1 of the year before the
span to the quarter of its end) and at most :attr:`JqdatasdkSource.fund_codes_per_call`
codes.  Income and cash_flow single quarters are summed within each year into the store's
year-to-date rows (``fundamentals_map.cumulate_quarters``; the reader derives the single
quarters back), rather than read from ``finance.STK_INCOME_STATEMENT`` /
``STK_CASHFLOW_STATEMENT`` (cumulative as reported, but with a different column set, every
revision as its own row and a 5,000-row cap over all periods): the single quarters
``get_fundamentals(date=...)`` serves on JoinQuant are then exactly jqdatasdk's.  Only rows
with ``pubDate <= end`` are kept; of several rows of one (code, statDate) the first announced.
JoinQuant's statDate answer holds one version per report; which one after a correction is not
documented (UNCONFIRMED), so an update keeps the store's version and re-bases the new
year-to-date rows on it (``fundamentals_map.rebase_on_kept``).  Quota: at most 5 rows per stock
and report quarter (the four tables and ``STK_CASHFLOW_STATEMENT``), counted by
:meth:`JqdatasdkSource.rows_estimate` before each batch.
"""

from __future__ import annotations

import datetime as _dt
from typing import Mapping

import numpy as np
import pandas as pd

from ..ingest import ColumnMapping, security_type_of
from .base import CredentialError, QuotaExhausted, Source, SourceError, TransientError, iso

PRICE_FIELDS = ["open", "close", "high", "low", "volume", "money", "pre_close", "high_limit", "low_limit", "paused"]
INDEX = {"hs300": "000300.XSHG", "zz500": "000905.XSHG", "sz50": "000016.XSHG"}


class JqdatasdkSource(Source):
    """Adapter for jqdatasdk (see the module docstring)."""

    name = "jqdatasdk"
    module = "jqdatasdk"
    extra = "jqdatasdk"
    mapping = ColumnMapping(date="time", code="code", pre_close="pre_close", paused="paused", is_st="is_st",
                            high_limit="high_limit", low_limit="low_limit", code_format="jq")
    batch_size = 100
    min_interval = 0.0

    def classify(self, exc: BaseException):
        msg = str(exc)
        if "账号" in msg or "密码" in msg or "auth" in msg.lower() or "过期" in msg:
            return CredentialError
        if "超过" in msg and ("限制" in msg or "条数" in msg):
            return QuotaExhausted
        if "请求频率" in msg or "连接被关闭" in msg:
            return TransientError
        return super().classify(exc)

    def _call(self, name: str, *a, **kw):
        try:
            return getattr(self.client, name)(*a, **kw)
        except Exception as exc:
            kind = self.classify(exc) or SourceError
            raise kind(f"jqdatasdk {name}: {exc}") from None

    def _run_query(self, q):
        """``finance.run_query(q)`` with the library's errors classified as :meth:`_call` does."""
        try:
            return self.client.finance.run_query(q)
        except Exception as exc:
            kind = self.classify(exc) or SourceError
            raise kind(f"jqdatasdk finance.run_query: {exc}") from None

    def login(self, credentials: Mapping[str, str]) -> None:
        u, p = credentials.get("username"), credentials.get("password")
        if not u or not p:
            raise CredentialError("jqdatasdk needs JQDATA_USERNAME and JQDATA_PASSWORD")
        try:
            self.client.auth(u.reveal(), p.reveal())
        except Exception as exc:
            kind = self.classify(exc)
            raise (kind if kind is TransientError else CredentialError)(f"jqdatasdk auth: {exc}") from None

    def logout(self) -> None:
        try:
            self.client.logout()
        except Exception:
            pass

    def quota(self) -> dict | None:
        q = self._call("get_query_count")
        return {"total": int(q["total"]), "spare": int(q["spare"])}

    def rows_estimate(self, n_codes: int, n_days: int, what=("bars",), span=None) -> int:
        n = 2 * n_codes * n_days       # get_price + get_extras('is_st')
        if "minute" in what:
            n += 240 * n_codes * n_days
        if "valuation" in what:
            n += n_codes * n_days
        if "fundamentals" in what:      # one row per code, table and report quarter at most
            from .fundamentals_map import JQ_STATEMENTS, report_quarters
            nq = len(report_quarters(*span)) if span else 8 + n_days // 60 + 2
            # + finance.STK_CASHFLOW_STATEMENT (the supplement items): one row per report
            n += (len(JQ_STATEMENTS) + 1) * nq * n_codes
        return n

    #: Codes per ``get_fundamentals`` call: one row per code and quarter, under the platform's
    #: 5,000-row cap (jqdatasdk 1.9.8 allows 10,000; an answer at the cap is refused below).
    fund_codes_per_call = 5000
    FUND_ROW_LIMIT = 5000

    def fetch_fundamentals(self, codes: list[str], start, end) -> dict[str, pd.DataFrame]:
        """Reports of ``codes`` by ``get_fundamentals(..., statDate='YYYYqN')`` (see the module
        docstring): income / cash_flow cumulated to year-to-date, balance and indicator as
        served; only reports announced by ``end``.

        Raises
        ------
        SourceError
            An answer reached the row cap (rows may be missing), or the library's own error
            (quota, credentials, network: as :meth:`classify` says).
        """
        from ..fundamentals import CUMULATIVE_TABLES, STOCK_ITEMS
        from .fundamentals_map import JQ_STATEMENTS, cumulate_quarters, map_statement, report_quarters
        e = iso(end)
        stocks = [c for c in codes if security_type_of(c) == "stock"]
        out = {}
        for table, mapping in JQ_STATEMENTS.items():
            t = getattr(self.client, table)
            cols = [c for c in mapping if hasattr(t, c)]
            frames = []
            for y, qn in report_quarters(start, end):
                for i in range(0, len(stocks), self.fund_codes_per_call):
                    chunk = stocks[i:i + self.fund_codes_per_call]
                    q = self.client.query(t.code, t.pubDate, t.statDate, *[getattr(t, c) for c in cols]) \
                        .filter(t.code.in_(chunk))
                    df = self._call("get_fundamentals", q, statDate=f"{y}q{qn}")
                    if df is None or len(df) == 0:
                        continue
                    if len(df) >= self.FUND_ROW_LIMIT:
                        raise SourceError(f"jqdatasdk get_fundamentals {table} {y}q{qn}: {len(df)} rows, the "
                                          f"answer cap; rows may be missing (ask fewer codes per call)")
                    frames.append(df)
            if not frames:
                continue
            df = pd.concat(frames, ignore_index=True)
            pub = pd.to_datetime(df["pubDate"], errors="coerce")
            df = df[(pub <= pd.Timestamp(e)).to_numpy()]
            got = map_statement(df, {c: mapping[c] for c in cols}, code_col="code", stat_col="statDate",
                                pub_col="pubDate", label=f"jqdatasdk get_fundamentals {table}", table=table)
            if table in CUMULATIVE_TABLES:
                got = cumulate_quarters(got, STOCK_ITEMS.get(table, ()))
            if len(got):
                out[table] = got
        if "cash_flow" in out:
            out["cash_flow"] = self._cash_flow_supplement(out["cash_flow"], stocks, start, end)
        return out

    def _cash_flow_supplement(self, cf: pd.DataFrame, stocks: list[str], start, end) -> pd.DataFrame:
        """Add the indirect-method items jqlite keeps beside ``cash_flow`` (depreciation,
        amortisation: ``fundamentals.CASH_FLOW_SUPPLEMENT``) from
        ``finance.run_query(query(finance.STK_CASHFLOW_STATEMENT...))`` (JQData doc 合并现金流量表,
        https://www.joinquant.com/help/api/doc?name=JQDatadoc&id=9898: ``code, pub_date,
        report_date`` (报告期), ``report_type`` 0 本期 / 1 上期, values in yuan **as reported**,
        i.e. year-to-date like the store; at most 5,000 rows per call).  Only ``report_type ==
        0`` rows; of several versions of one report the first announced; attached to the
        ``cash_flow`` row of the same (code, statDate), whose pubDate stays.
        """
        from ..fundamentals import CASH_FLOW_SUPPLEMENT
        from .fundamentals_map import map_statement, report_quarters
        try:
            t = self.client.finance.STK_CASHFLOW_STATEMENT
        except Exception as exc:       # no such table for this account: said, not fatal
            self.note = f"jqdatasdk finance.STK_CASHFLOW_STATEMENT unavailable ({exc}): no depreciation items"
            return cf
        qs = report_quarters(start, end)
        first = pd.Timestamp(year=qs[0][0], month=3 * qs[0][1], day=1) + pd.offsets.MonthEnd(0)
        last = pd.Timestamp(year=qs[-1][0], month=3 * qs[-1][1], day=1) + pd.offsets.MonthEnd(0)
        per_call = max(1, self.FUND_ROW_LIMIT // (2 * len(qs)))      # room for a correction per report
        frames = []
        for i in range(0, len(stocks), per_call):
            chunk = stocks[i:i + per_call]
            q = self.client.query(t.code, t.pub_date, t.report_date, *[getattr(t, c) for c in CASH_FLOW_SUPPLEMENT]) \
                .filter(t.code.in_(chunk), t.report_type == 0, t.report_date >= iso(first), t.report_date <= iso(last),
                        t.pub_date <= iso(end))
            df = self._run_query(q)
            if df is None or len(df) == 0:
                continue
            if len(df) >= self.FUND_ROW_LIMIT:
                raise SourceError(f"jqdatasdk finance.run_query STK_CASHFLOW_STATEMENT: {len(df)} rows, the "
                                  "answer cap; rows may be missing")
            frames.append(df)
        if not frames:
            return cf
        sup = map_statement(pd.concat(frames, ignore_index=True), {c: c for c in CASH_FLOW_SUPPLEMENT},
                            code_col="code", stat_col="report_date", pub_col="pub_date",
                            label="jqdatasdk STK_CASHFLOW_STATEMENT", table="cash_flow")
        cf = cf.drop(columns=[c for c in CASH_FLOW_SUPPLEMENT if c in cf.columns])
        return cf.merge(sup.drop(columns=["pubDate"]), on=["code", "statDate"], how="left")

    def etf_securities(self, date) -> pd.DataFrame:
        df = self._call("get_all_securities", types=["etf"])
        return pd.DataFrame({"code": df.index.astype(str).to_numpy(object),
                             "display_name": df["display_name"].to_numpy(object), "type": "etf",
                             "start_date": pd.to_datetime(df["start_date"]).to_numpy(),
                             "listed": (pd.to_datetime(df["end_date"]) >= pd.Timestamp.today().normalize()).to_numpy()})

    def fetch_minute(self, codes: list[str], start, end) -> pd.DataFrame:
        fields = ["open", "close", "high", "low", "volume", "money"]
        frames = []
        months = pd.date_range(pd.Timestamp(start).replace(day=1), end, freq="MS")
        for c in codes:
            for m in months:
                s = max(pd.Timestamp(start), m)
                e = min(pd.Timestamp(end), m + pd.offsets.MonthEnd(0))
                px = self._call("get_price", [c], start_date=f"{s.date()} 09:00:00", end_date=f"{e.date()} 15:00:00",
                                frequency="1m", fields=fields, skip_paused=False, fq=None, panel=False)
                if px is None or len(px) == 0:
                    continue
                frames.append(px[px["close"].notna()])
        if not frames:
            return pd.DataFrame(columns=["code", "time"] + fields)
        df = pd.concat(frames, ignore_index=True)
        df["time"] = pd.to_datetime(df["time"])
        return df[["code", "time"] + fields]

    def fetch_valuation(self, codes: list[str], start, end) -> pd.DataFrame:
        from .extras_map import JQ_VALUATION
        n_days = max(1, len(pd.bdate_range(start, end)))
        per_call = max(1, 5000 // n_days)
        frames = [self._call("get_valuation", list(codes[i:i + per_call]), start_date=iso(start), end_date=iso(end),
                             fields=list(JQ_VALUATION)) for i in range(0, len(codes), per_call)]
        frames = [f for f in frames if f is not None and len(f)]
        if not frames:
            return pd.DataFrame({"day": pd.Series(dtype="datetime64[ns]"), "code": pd.Series(dtype=object)})
        df = pd.concat(frames, ignore_index=True)
        out = pd.DataFrame({"day": pd.to_datetime(df["day"]).to_numpy(), "code": df["code"].astype(str).to_numpy()})
        for c in JQ_VALUATION:
            if c in df.columns:
                out[c] = pd.to_numeric(df[c], errors="coerce").astype(float).to_numpy()
        return out.drop_duplicates(["code", "day"], keep="last").reset_index(drop=True)

    def industry_members(self, codes, dates) -> pd.DataFrame:
        from .extras_map import snapshots_to_intervals
        rows = []
        for d in dates:
            for i in range(0, len(codes), 1000):
                got = self._call("get_industry", list(codes[i:i + 1000]), date=iso(d))
                for code, schemes in (got or {}).items():
                    for scheme, v in (schemes or {}).items():
                        if v and v.get("industry_code"):
                            rows.append((scheme, str(v["industry_code"]), code, pd.Timestamp(d), v.get("industry_name")))
        snaps = pd.DataFrame(rows, columns=["scheme", "industry_code", "code", "date", "name"])
        return snapshots_to_intervals(snaps, days=dates)

    def factor_values(self, codes: list[str], factors: list[str], start, end) -> dict:
        """``get_factor_values`` of ``codes`` (JoinQuant's own factor values, for
        ``jqlite data verify-factors``): factor -> DataFrame (DatetimeIndex x codes)."""
        got = self._call("get_factor_values", list(codes), list(factors), start_date=iso(start), end_date=iso(end))
        out = {}
        for f, df in (got or {}).items():
            df = df.copy()
            df.index = pd.to_datetime(df.index)
            out[f] = df.astype(float)
        return out

    def securities(self, universe: str, date) -> pd.DataFrame:
        if universe in INDEX:
            codes = self._call("get_index_stocks", INDEX[universe], date=iso(date))
            return pd.DataFrame({"code": list(codes), "display_name": None})
        if universe != "all":
            raise SourceError(f"jqdatasdk: unknown universe {universe!r} (all, hs300, zz500, sz50)")
        df = self._call("get_all_securities", types=["stock"])
        return pd.DataFrame({"code": df.index.astype(str).to_numpy(object),
                             "display_name": df["display_name"].to_numpy(object),
                             "start_date": pd.to_datetime(df["start_date"]),
                             "listed": (pd.to_datetime(df["end_date"]) >= pd.Timestamp.today().normalize()).to_numpy()})

    def fetch_daily(self, codes: list[str], start, end) -> pd.DataFrame:
        px = self._call("get_price", list(codes), start_date=iso(start), end_date=iso(end), frequency="daily",
                        fields=PRICE_FIELDS, skip_paused=False, fq=None, panel=False)
        px = px[px["close"].notna()].reset_index(drop=True)
        stocks = [c for c in codes if security_type_of(c) == "stock"]     # is_st: stocks only
        if not stocks:
            px["time"] = pd.to_datetime(px["time"])
            return px.assign(is_st=np.int8(0))
        st = self._call("get_extras", "is_st", stocks, start_date=iso(start), end_date=iso(end), df=True)
        st_long = st.stack().rename("is_st").reset_index()
        st_long.columns = ["time", "code", "is_st"]
        st_long["time"] = pd.to_datetime(st_long["time"])
        px["time"] = pd.to_datetime(px["time"])
        px = px.merge(st_long, on=["time", "code"], how="left")
        px["is_st"] = px["is_st"].fillna(False).astype(np.int8)
        return px
