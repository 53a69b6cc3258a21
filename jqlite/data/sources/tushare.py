"""tushare pro (token): ``daily`` raw bars and the exchange's ``stk_limit`` price limits.

Library calls and what they return (tushare 1.4.29, ``tushare/pro/client.py`` and
``tushare/pro/data_pro.py``; documentation https://tushare.pro/document/2?doc_id=27 (daily),
doc_id=183 (stk_limit), doc_id=25 (stock_basic)):

* ``tushare.pro_api(token)`` -> ``DataApi``; nothing is checked until the first query.
  (``tushare.set_token`` is never called: it writes the token to ``~/tk.csv``.)
* ``api.query(name, **params)`` (also ``api.daily(...)``) POSTs JSON and returns
  ``pandas.DataFrame(items, columns=fields)``; when the server answers ``code != 0`` it raises
  a plain ``Exception(msg)`` with the server's message -- a bad token gives
  "您的token不对，请确认。", a rate limit "抱歉，您每分钟最多访问该接口N次..." and a missing
  permission "抱歉，您没有访问该接口的权限...".  Network failures are ``requests``
  exceptions (``OSError`` subclasses).
* ``daily(ts_code='600000.SH,000001.SZ', start_date='20240102', end_date='20240131')`` ->
  ``ts_code, trade_date (str YYYYMMDD), open, high, low, close, pre_close, change, pct_chg,
  vol, amount`` (float64); **vol in lots of 100 shares, amount in thousand yuan**; at most
  6,000 rows per call; no row on a suspended day.
* ``stk_limit(ts_code, start_date, end_date)`` -> ``trade_date, ts_code, up_limit,
  down_limit`` (float64, yuan).
* ``stock_basic(list_status='L'|'D'|'P', fields='ts_code,name,list_date,delist_date')``.
* Per-day endpoints (used by ``jqlite data update`` for a few new days: 3 calls a day instead
  of 2 per 20 securities): ``daily(trade_date='20240108')`` -> the same columns for every
  stock traded that day (at most 6,000 rows a call: a full answer is read on with
  ``offset``); ``stk_limit(trade_date=...)`` (doc_id=183) the same way;
  ``suspend_d(trade_date=..., suspend_type='S')`` (doc_id=214) -> ``ts_code, trade_date,
  suspend_timing, suspend_type`` (str; ``suspend_timing`` None for a whole-day suspension,
  e.g. ``09:30-10:00`` for an intraday halt).  ``adj_factor(trade_date=...)`` (doc_id=28) is
  not read: the factor is derived from the exchange's ``pre_close`` as in the per-security
  pull (tushare's adj_factor is the same ratio chained from the listing day), so an updated
  store equals a whole pull.
* ``trade_cal(exchange='SSE', start_date, end_date)`` -> ``exchange, cal_date, is_open``
  (used once at login to check the token).
* ``index_weight(index_code='399300.SZ', start_date, end_date)`` -> ``index_code, con_code,
  trade_date, weight`` (monthly; weight in percent).
* ``income`` / ``balancesheet`` / ``cashflow`` (doc_id=33, 36, 44; one ``ts_code`` per call;
  ``start_date``/``end_date`` bound the announcement date ``ann_date``) and
  ``fina_indicator`` (doc_id=79; ``start_date``/``end_date`` bound the report period
  ``end_date``) -> ``ts_code, ann_date, f_ann_date, end_date, report_type, update_flag`` and
  the requested ``fields`` (float64, **yuan**; statements cumulative year-to-date; a revised
  report is a second row with ``update_flag='1'``).  ``report_type='1'`` (合并报表) is asked
  for.  Mapping: :mod:`jqlite.data.sources.fundamentals_map`.
* ``daily_basic(ts_code, start_date, end_date)`` (doc_id=32, ``--what valuation``) ->
  ``ts_code, trade_date, close, turnover_rate (%), turnover_rate_f, volume_ratio, pe, pe_ttm,
  pb, ps, ps_ttm, dv_ratio, dv_ttm, total_share, float_share, free_share (万股), total_mv,
  circ_mv (万元)``; at most 6,000 rows per call; mapped by
  :data:`~jqlite.data.sources.extras_map.TS_DAILY_BASIC` (万元 / 1e4 = 亿元).
* ``index_classify(level='L1', src='SW2021')`` (doc_id=181) -> ``index_code ('801010.SI'),
  industry_name, level, industry_code ('110000'), is_pub, parent_code, src``, and
  ``index_member_all(l1_code='801010.SI', is_new='Y'|'N')`` (doc_id=335, ``--what
  industries``) -> ``l1_code, l1_name, l2_code, l2_name, l3_code, l3_name, ts_code, name,
  in_date, out_date ('YYYYMMDD', None while current), is_new``: Shenwan 2021 membership with
  its history; the Shenwan index codes without ``.SI`` are JoinQuant's ``sw_l1`` / ``sw_l2``
  / ``sw_l3`` codes.  At most 2,000 rows per call.
* ``fund_basic(market='E', status='L'|'D')`` (doc_id=19, ``--what etf``) -> ``ts_code, name,
  management, ..., fund_type, found_date, due_date, list_date, issue_date, delist_date, ...,
  status, invest_type, type, market``; ``fund_daily(ts_code, start_date, end_date)``
  (doc_id=127) -> ``ts_code, trade_date, open, high, low, close, pre_close, change, pct_chg,
  vol`` (lots of 100) ``, amount`` (thousand yuan) -- the stock ``daily`` layout; and
  ``fund_adj(ts_code, start_date, end_date)`` (doc_id=199) -> ``ts_code, trade_date,
  adj_factor``, used where ``fund_daily`` lacks a ``pre_close`` (``pre_close_t = close_{t-1}
  * adj_{t-1} / adj_t``).
* ``stk_mins(ts_code, freq='1min', start_date='YYYY-MM-DD 09:00:00', end_date='... 15:00:00')``
  (doc_id=370, a separately granted permission; ``--what minute``) -> ``ts_code, trade_time
  ('2024-01-02 09:31:00', the interval's end), open, close, high, low, vol`` (**shares**)
  ``, amount`` (yuan); 241 bars a day (the opening auction / session start has a bar of its
  own, folded into JoinQuant's 09:31 / 13:01 bar by
  :func:`~jqlite.data.sources.extras_map.fold_to_jq_labels`); at most 8,000 rows per call
  (one call per security and month).
"""

from __future__ import annotations

import datetime as _dt
from typing import Mapping

import pandas as pd

from ..ingest import ColumnMapping, normalize_codes
from .base import CredentialError, QuotaExhausted, Source, SourceError, TransientError, yyyymmdd

DAILY_ROW_LIMIT = 6000
#: JoinQuant index code -> the code tushare's ``index_weight`` knows it by (doc_id=96).
TS_INDEX = {"000300.XSHG": "399300.SZ", "000905.XSHG": "000905.SH", "000016.XSHG": "000016.SH"}


def ts_code(code: str) -> str:
    """``600000.XSHG`` -> ``600000.SH`` (``.SZ``, ``.BJ``)."""
    num, ex = code.split(".")
    return num + {"XSHG": ".SH", "XSHE": ".SZ", "BJSE": ".BJ"}[ex]


class TushareSource(Source):
    """Adapter for tushare pro (see the module docstring)."""

    name = "tushare"
    module = "tushare"
    extra = "tushare"
    mapping = ColumnMapping(date="trade_date", code="ts_code", volume="vol", money="amount",
                            pre_close="pre_close", high_limit="up_limit", low_limit="down_limit",
                            volume_scale=100.0, money_scale=1000.0, date_format="%Y%m%d")
    batch_size = 20
    min_interval = 0.15     # 500 calls a minute at the 2,000-point level; 0.15 s keeps under 400

    def __init__(self, client=None):
        super().__init__(client)
        self.api = None
        self.limits_ok = True

    def classify(self, exc: BaseException):
        msg = str(exc)
        if "token" in msg.lower():
            return CredentialError
        if "每分钟最多访问" in msg or "每小时最多访问" in msg:
            return TransientError
        if "每天最多访问" in msg:
            return QuotaExhausted
        return super().classify(exc)

    def _q(self, name: str, **kw) -> pd.DataFrame:
        try:
            return self.api.query(name, **kw)
        except Exception as exc:
            kind = self.classify(exc)
            if kind is None:
                kind = SourceError
            raise kind(f"tushare {name}: {exc}") from None

    def login(self, credentials: Mapping[str, str]) -> None:
        tok = credentials.get("token")
        if not tok:
            raise CredentialError("tushare needs a token (TUSHARE_TOKEN)")
        self.api = self.client.pro_api(tok.reveal() if hasattr(tok, "reveal") else tok)
        d = yyyymmdd(_dt.date.today())
        self._q("trade_cal", exchange="SSE", start_date=d, end_date=d)

    def securities(self, universe: str, date) -> pd.DataFrame:
        if universe != "all":
            d = yyyymmdd(date)
            idx = {"hs300": "399300.SZ", "zz500": "000905.SH", "sz50": "000016.SH"}.get(universe)
            if idx is None:
                raise SourceError(f"tushare: unknown universe {universe!r} (all, hs300, zz500, sz50)")
            start = yyyymmdd(pd.Timestamp(date) - pd.Timedelta(40, unit="D"))
            w = self._q("index_weight", index_code=idx, start_date=start, end_date=d)
            if w.empty:
                raise SourceError(f"tushare index_weight {idx}: no weights in the 40 days to {d}")
            w = w[w["trade_date"] == w["trade_date"].max()]
            return pd.DataFrame({"code": normalize_codes(w["con_code"].to_numpy(), file="tushare index_weight"),
                                 "display_name": None})
        frames = [self._q("stock_basic", exchange="", list_status=s, fields="ts_code,name,list_date,delist_date")
                  .assign(_listed=(s == "L")) for s in ("L", "D", "P")]
        df = pd.concat([f for f in frames if len(f)], ignore_index=True).drop_duplicates("ts_code")
        self._listed_ts = set(df.loc[df["_listed"].to_numpy(bool), "ts_code"])
        out = pd.DataFrame({"code": normalize_codes(df["ts_code"].to_numpy(), file="tushare stock_basic"),
                            "display_name": df["name"].to_numpy(object),
                            "start_date": pd.to_datetime(df["list_date"], format="%Y%m%d", errors="coerce"),
                            "listed": df["_listed"].to_numpy(bool)})
        return self.stocks_only(out)

    def index_snapshots(self, index_code: str, dates) -> pd.DataFrame:
        ts_idx = TS_INDEX.get(index_code)
        if ts_idx is None:
            raise SourceError(f"tushare: no index_weight code for {index_code} ({', '.join(TS_INDEX)})")
        first = pd.Timestamp(min(dates)) - pd.Timedelta(40, unit="D")
        last = pd.Timestamp(max(dates))
        frames = []
        for y in range(first.year, last.year + 1):       # monthly weights: about 3,600 rows a year for CSI 300
            s = max(first, pd.Timestamp(year=y, month=1, day=1))
            e = min(last, pd.Timestamp(year=y, month=12, day=31))
            frames.append(self._q("index_weight", index_code=ts_idx, start_date=yyyymmdd(s), end_date=yyyymmdd(e)))
        w = pd.concat(frames, ignore_index=True)
        if w.empty:         # the pull says which index had no list
            return pd.DataFrame({"index_code": pd.Series(dtype=object), "date": pd.Series(dtype="datetime64[ns]"),
                                 "code": pd.Series(dtype=object), "weight": pd.Series(dtype=float)})
        return pd.DataFrame({"index_code": index_code, "date": pd.to_datetime(w["trade_date"], format="%Y%m%d"),
                             "code": normalize_codes(w["con_code"].to_numpy(), file="tushare index_weight"),
                             "weight": w["weight"].astype(float).to_numpy()})

    def fetch_fundamentals(self, codes: list[str], start, end) -> dict[str, pd.DataFrame]:
        from .fundamentals_map import TUSHARE_STATEMENTS, map_statement
        s = f"{pd.Timestamp(start).year - 1}0101"
        e = yyyymmdd(end)
        out: dict[str, list[pd.DataFrame]] = {t: [] for t, _m in TUSHARE_STATEMENTS.values()}
        for c in codes:
            for api, (table, mapping) in TUSHARE_STATEMENTS.items():
                keys = "ts_code,ann_date,end_date,update_flag" + ("" if api == "fina_indicator" else ",report_type")
                kw = {} if api == "fina_indicator" else {"report_type": "1"}
                df = self._q(api, ts_code=ts_code(c), start_date=s, end_date=e,
                             fields=keys + "," + ",".join(mapping), **kw)
                if len(df) == 0:
                    continue
                df = df[df["ann_date"].notna() & (df["ann_date"].astype(str) <= e)]
                if "update_flag" in df.columns:        # the original report first (point in time)
                    df = df.sort_values("update_flag", kind="stable")
                out[table].append(map_statement(df, mapping, code_col="ts_code", stat_col="end_date",
                                                pub_col="ann_date", label=f"tushare {api} {c}",
                                                date_format="%Y%m%d", table=table))
        return {t: pd.concat(v, ignore_index=True) for t, v in out.items() if v}

    per_day = True
    day_calls = 3          # daily + stk_limit + suspend_d
    batch_calls = 2        # daily + stk_limit per batch of securities

    def _by_day(self, name: str, d: str, **kw) -> pd.DataFrame:
        frames = [self._q(name, trade_date=d, **kw)]
        while len(frames[-1]) >= DAILY_ROW_LIMIT:        # a full answer: read on
            frames.append(self._q(name, trade_date=d, offset=DAILY_ROW_LIMIT * len(frames), **kw))
        return pd.concat(frames, ignore_index=True)

    def fetch_day(self, day, codes: list[str]) -> pd.DataFrame:
        d = yyyymmdd(day)
        want = {ts_code(c) for c in codes}
        df = self._by_day("daily", d)
        df = df[df["ts_code"].isin(want).to_numpy()].reset_index(drop=True) if len(df) else df
        lim = None
        if self.limits_ok:
            try:
                lim = self._by_day("stk_limit", d)
            except SourceError as exc:
                if "权限" not in str(exc):
                    raise
                self.limits_ok = False
                self.note = f"tushare stk_limit unavailable ({exc}); limits derived from pre_close"
        susp = self._q("suspend_d", trade_date=d, suspend_type="S")
        if len(susp):
            whole = susp["suspend_timing"].isna() | (susp["suspend_timing"].astype(str).str.strip().isin(("", "None")))
            suspended = set(susp.loc[whole.to_numpy(), "ts_code"])
        else:
            suspended = set()
        listed = getattr(self, "_listed_ts", None)
        if listed is not None and len(df):
            silent = sorted((listed & want) - set(df["ts_code"]) - suspended)
            if silent:     # shown suspended like any missing row; said so (a delisting not yet in stock_basic?)
                self.note = (f"tushare {d}: {len(silent)} listed stock(s) have no daily row and are not in "
                             f"suspend_d, e.g. {silent[0]}: shown suspended")
        if len(df) == 0:
            return df.assign(up_limit=pd.Series(dtype=float), down_limit=pd.Series(dtype=float))
        if lim is not None and len(lim):
            return df.merge(lim[["ts_code", "trade_date", "up_limit", "down_limit"]], on=["ts_code", "trade_date"],
                            how="left")
        return df.assign(up_limit=float("nan"), down_limit=float("nan"))

    def fetch_minute(self, codes: list[str], start, end) -> pd.DataFrame:
        from .extras_map import fold_to_jq_labels
        frames = []
        months = pd.date_range(pd.Timestamp(start).replace(day=1), end, freq="MS")
        for c in codes:
            for m in months:
                s = max(pd.Timestamp(start), m)
                e = min(pd.Timestamp(end), m + pd.offsets.MonthEnd(0))
                df = self._q("stk_mins", ts_code=ts_code(c), freq="1min", start_date=f"{s.date()} 09:00:00",
                             end_date=f"{e.date()} 15:00:00")
                if len(df):
                    frames.append(pd.DataFrame({
                        "code": c, "time": pd.to_datetime(df["trade_time"]).to_numpy(),
                        **{k: df[k].astype(float).to_numpy() for k in ("open", "close", "high", "low")},
                        "volume": df["vol"].astype(float).to_numpy(), "money": df["amount"].astype(float).to_numpy()}))
        if not frames:
            return pd.DataFrame(columns=["code", "time", "open", "close", "high", "low", "volume", "money"])
        return fold_to_jq_labels(pd.concat(frames, ignore_index=True))

    def fetch_valuation(self, codes: list[str], start, end) -> pd.DataFrame:
        from .extras_map import TS_DAILY_BASIC, map_valuation
        s, e = yyyymmdd(start), yyyymmdd(end)
        per_call = max(1, DAILY_ROW_LIMIT // max(1, len(pd.bdate_range(start, end))))
        frames = [self._q("daily_basic", ts_code=",".join(ts_code(c) for c in codes[i:i + per_call]),
                          start_date=s, end_date=e, fields="ts_code,trade_date," + ",".join(TS_DAILY_BASIC))
                  for i in range(0, len(codes), per_call)]
        df = pd.concat(frames, ignore_index=True)
        return map_valuation(df, TS_DAILY_BASIC, code_col="ts_code", day_col="trade_date",
                             label="tushare daily_basic", date_format="%Y%m%d")

    def industry_members(self, codes, dates) -> pd.DataFrame:
        from .extras_map import FAR, jq_style_sw_name
        want = set(codes)
        l1 = self._q("index_classify", level="L1", src="SW2021")
        frames = []
        for code in l1["index_code"]:
            for new in ("Y", "N"):
                frames.append(self._q("index_member_all", l1_code=code, is_new=new))
        df = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else None
        cols = ["scheme", "industry_code", "code", "start_date", "end_date", "name"]
        if df is None:
            return pd.DataFrame(columns=cols)
        df = df.drop_duplicates(["ts_code", "l3_code", "in_date"])
        jq = normalize_codes(df["ts_code"].to_numpy(), file="tushare index_member_all")
        start = pd.to_datetime(df["in_date"], format="%Y%m%d", errors="coerce")
        out_d = pd.to_datetime(df["out_date"].replace({"None": None, "": None}), format="%Y%m%d", errors="coerce")
        end = (out_d - pd.Timedelta(1, unit="D")).fillna(FAR)     # out_date: no longer a member that day
        parts = []
        for lvl in (1, 2, 3):
            parts.append(pd.DataFrame({
                "scheme": f"sw_l{lvl}", "industry_code": df[f"l{lvl}_code"].astype(str).str.replace(".SI", "", regex=False).to_numpy(),
                "code": jq, "start_date": start.to_numpy(), "end_date": end.to_numpy(),
                "name": [jq_style_sw_name(n, lvl) for n in df[f"l{lvl}_name"]]}))
        out = pd.concat(parts, ignore_index=True)
        out = out[out["code"].isin(want).to_numpy() & out["start_date"].notna().to_numpy()
                  & (out["end_date"] >= out["start_date"]).to_numpy()]
        from .extras_map import merge_members
        return merge_members(None, out.sort_values(["scheme", "code", "start_date"]).reset_index(drop=True))

    def etf_securities(self, date) -> pd.DataFrame:
        frames = [self._q("fund_basic", market="E", status=st).assign(_listed=(st == "L")) for st in ("L", "D")]
        df = pd.concat([f for f in frames if len(f)], ignore_index=True).drop_duplicates("ts_code")
        name = df["name"].astype(str)
        kind = name.str.contains("ETF", case=False)
        df = df[kind.to_numpy()]      # exchange-traded index funds (LOFs, closed-end funds: not pulled)
        return pd.DataFrame({"code": normalize_codes(df["ts_code"].to_numpy(), file="tushare fund_basic"),
                             "display_name": df["name"].to_numpy(object), "type": "etf",
                             "start_date": pd.to_datetime(df["list_date"], format="%Y%m%d", errors="coerce").to_numpy(),
                             "listed": df["_listed"].to_numpy(bool)})

    def _fund_daily(self, codes: list[str], s: str, e: str, per_call: int) -> pd.DataFrame:
        frames, adj = [], []
        for i in range(0, len(codes), per_call):
            chunk = ",".join(ts_code(c) for c in codes[i:i + per_call])
            frames.append(self._q("fund_daily", ts_code=chunk, start_date=s, end_date=e))
            adj.append(self._q("fund_adj", ts_code=chunk, start_date=s, end_date=e))
        df = pd.concat(frames, ignore_index=True)
        a = pd.concat(adj, ignore_index=True)
        if df.empty or a.empty or df["pre_close"].notna().all():
            return df
        df = df.merge(a[["ts_code", "trade_date", "adj_factor"]], on=["ts_code", "trade_date"], how="left")
        df = df.sort_values(["ts_code", "trade_date"], kind="stable")
        g = df.groupby("ts_code", sort=False)
        derived = (g["close"].shift() * g["adj_factor"].shift() / df["adj_factor"]).round(3)
        df["pre_close"] = df["pre_close"].fillna(derived)
        return df.drop(columns="adj_factor").reset_index(drop=True)

    def fetch_daily(self, codes: list[str], start, end) -> pd.DataFrame:
        s, e = yyyymmdd(start), yyyymmdd(end)
        from ..ingest import security_type_of
        funds = [c for c in codes if security_type_of(c) != "stock"]
        if funds:
            n_days = max(1, len(pd.bdate_range(start, end)))
            fd = self._fund_daily(funds, s, e, max(1, DAILY_ROW_LIMIT // n_days))
            fd = fd.assign(up_limit=float("nan"), down_limit=float("nan"))
            stocks = [c for c in codes if c not in set(funds)]
            if not stocks:
                return fd
            return pd.concat([self.fetch_daily(stocks, start, end), fd], ignore_index=True)
        n_days = max(1, len(pd.bdate_range(start, end)))
        per_call = max(1, DAILY_ROW_LIMIT // n_days)
        frames = []
        for i in range(0, len(codes), per_call):
            chunk = ",".join(ts_code(c) for c in codes[i:i + per_call])
            frames.append(self._q("daily", ts_code=chunk, start_date=s, end_date=e))
        df = pd.concat(frames, ignore_index=True)
        if df.empty:
            return df.assign(up_limit=pd.Series(dtype=float), down_limit=pd.Series(dtype=float))
        lim = None
        if self.limits_ok:
            try:
                lim = pd.concat([self._q("stk_limit", ts_code=",".join(ts_code(c) for c in codes[i:i + per_call]),
                                         start_date=s, end_date=e) for i in range(0, len(codes), per_call)],
                                ignore_index=True)
            except SourceError as exc:
                if "权限" not in str(exc):   # no permission for stk_limit: derive limits instead
                    raise
                self.limits_ok = False
                self.note = f"tushare stk_limit unavailable ({exc}); limits derived from pre_close"
        if lim is not None and not lim.empty:
            df = df.merge(lim[["ts_code", "trade_date", "up_limit", "down_limit"]], on=["ts_code", "trade_date"],
                          how="left")
        else:
            df["up_limit"] = float("nan")
            df["down_limit"] = float("nan")
        return df
