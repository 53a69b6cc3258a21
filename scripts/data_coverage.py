"""Measure how much of JoinQuant's data surface a store answers, as Markdown tables.

Usage::

    python scripts/data_coverage.py SAMPLE_STORE [REAL_STORE] [--date 2021-03-31] > table.md

For each API call (typical arguments), each fundamentals column and each registered jqfactor
factor it reports, per store, a mark and a percentage:

* APIs: ✔ non-empty answer with JoinQuant's shape and no data gap recorded; ◐ an answer but
  data gaps were recorded (the gap text is listed); ✘ empty, all-NaN, or an error.
* fundamentals columns and factors: the finite share over the store's stocks listed on
  ``--date`` (for statements: the latest report visible that day); ✔ >= 90 %, ◐ > 0 %,
  ✘ 0 % or absent.

Used to write ``docs/data-coverage.md``.  Research mode: each store is selected with
``$JQLITE_DATA`` before its calls; data gaps are read from :func:`jqlite.api._gaps.research_gaps`.
"""

from __future__ import annotations

import argparse
import os
import sys
import warnings

import numpy as np
import pandas as pd


def _mark(share: float) -> str:
    if share is None or not np.isfinite(share) or share <= 0:
        return "✘"
    return "✔" if share >= 0.9 else "◐"


def _calls(day: str):
    """(label, thunk) of the API calls measured; each thunk returns the answer."""
    import jqdata as J
    import jqfactor as JF

    d = pd.Timestamp(day)
    prev = (d - pd.Timedelta(days=30)).date().isoformat()
    q = J.query
    calls = [
        ("get_price('000001.XSHE')", lambda: J.get_price("000001.XSHE", end_date=day, count=5)),
        ("get_price('600519.XSHG', fields=[close, high_limit])",
         lambda: J.get_price("600519.XSHG", end_date=day, count=5, fields=["close", "high_limit"])),
        ("get_price(ETF 510300 / 513100 / 511880)",
         lambda: J.get_price(["510300.XSHG", "513100.XSHG", "511880.XSHG"], end_date=day, count=5,
                             fields=["close"], panel=False)),
        ("get_price(index 000300 / 000852 / 399006)",
         lambda: J.get_price(["000300.XSHG", "000852.XSHG", "399006.XSHE"], end_date=day, count=5,
                             fields=["close"], panel=False)),
        ("get_bars('000001.XSHE', 5, '1d')", lambda: J.get_bars("000001.XSHE", 5, "1d", end_dt=day)),
        ("get_trade_days", lambda: J.get_trade_days(end_date=day, count=5)),
        ("get_all_securities(['stock'])", lambda: J.get_all_securities(["stock"], date=day)),
        ("get_all_securities(['etf','lof','mmf'])", lambda: J.get_all_securities(["etf", "lof", "mmf"], date=day)),
        ("get_all_securities(['open_fund'])", lambda: J.get_all_securities(["open_fund"], date=day)),
        ("get_all_securities(['index'])", lambda: J.get_all_securities(["index"], date=day)),
        ("get_security_info('000001.XSHE')", lambda: J.get_security_info("000001.XSHE")),
        ("get_index_stocks('000300.XSHG')", lambda: J.get_index_stocks("000300.XSHG", date=day)),
        ("get_index_stocks('000016.XSHG')", lambda: J.get_index_stocks("000016.XSHG", date=day)),
        ("get_index_stocks('000852.XSHG')", lambda: J.get_index_stocks("000852.XSHG", date=day)),
        ("get_index_stocks('399006.XSHE')", lambda: J.get_index_stocks("399006.XSHE", date=day)),
        ("get_index_weights('000300.XSHG')", lambda: J.get_index_weights("000300.XSHG", date=day)),
        ("get_industry('000001.XSHE') (6 schemes)", lambda: J.get_industry("000001.XSHE", date=day)),
        ("get_industries('sw_l1')", lambda: J.get_industries("sw_l1")),
        ("get_industries('zjw')", lambda: J.get_industries("zjw")),
        ("get_industries('jq_l2')", lambda: J.get_industries("jq_l2")),
        ("get_industry_stocks('801780')", lambda: J.get_industry_stocks("801780", date=day)),
        ("get_industries('sw_l2') / ('sw_l3')", lambda: [J.get_industries("sw_l2"), J.get_industries("sw_l3")]),
        ("get_industry_stocks('801020', 2021-01-04) (SW2014 采掘)",
         lambda: J.get_industry_stocks("801020", date="2021-01-04")),
        ("get_industry_stocks('801124') (SW L2)", lambda: J.get_industry_stocks("801124", date=day)),
        ("get_industry_stocks('A02') (zjw)", lambda: J.get_industry_stocks("A02", date=day)),
        ("get_industry_stocks('HY001') (jq_l1)", lambda: J.get_industry_stocks("HY001", date=day)),
        ("get_concepts()", lambda: J.get_concepts()),
        ("get_extras('is_st')", lambda: J.get_extras("is_st", ["000001.XSHE"], end_date=day, count=5)),
        ("get_extras('unit_net_value', .OF)", lambda: J.get_extras("unit_net_value", ["000001.OF"], end_date=day, count=5)),
        ("get_extras('acc_net_value', ETF)", lambda: J.get_extras("acc_net_value", ["510300.XSHG"], end_date=day, count=5)),
        ("get_fundamentals(valuation)", lambda: J.get_fundamentals(q(J.valuation), date=day)),
        ("get_fundamentals(income)", lambda: J.get_fundamentals(q(J.income), date=day)),
        ("get_fundamentals(balance)", lambda: J.get_fundamentals(q(J.balance), date=day)),
        ("get_fundamentals(cash_flow)", lambda: J.get_fundamentals(q(J.cash_flow), date=day)),
        ("get_fundamentals(indicator)", lambda: J.get_fundamentals(q(J.indicator), date=day)),
        ("get_fundamentals(statDate='2020')", lambda: J.get_fundamentals(q(J.income.code, J.income.net_profit),
                                                                        statDate="2020")),
        ("get_fundamentals_continuously", lambda: J.get_fundamentals_continuously(
            q(J.valuation.code, J.valuation.market_cap), end_date=day, count=3, panel=False)),
        ("get_valuation", lambda: J.get_valuation(["000001.XSHE"], end_date=day, count=3)),
        ("get_history_fundamentals(balance, cash_flow)", lambda: J.get_history_fundamentals(
            ["000001.XSHE"], ["balance.total_assets", "cash_flow.net_operate_cash_flow"], watch_date=day, count=4)),
        ("finance.STK_XR_XD", lambda: J.finance.run_query(q(J.finance.STK_XR_XD).limit(10))),
        ("finance.STK_LIST", lambda: J.finance.run_query(q(J.finance.STK_LIST).limit(10))),
        ("finance.STK_COMPANY_INFO", lambda: J.finance.run_query(q(J.finance.STK_COMPANY_INFO).limit(10))),
        ("finance.STK_ML_QUOTA", lambda: J.finance.run_query(q(J.finance.STK_ML_QUOTA).limit(10))),
        ("finance.STK_EXCHANGE_TRADE_INFO",
         lambda: J.finance.run_query(q(J.finance.STK_EXCHANGE_TRADE_INFO).limit(10))),
        ("finance.FUND_MAIN_INFO", lambda: J.finance.run_query(q(J.finance.FUND_MAIN_INFO).limit(10))),
        ("finance.FUND_NET_VALUE", lambda: J.finance.run_query(q(J.finance.FUND_NET_VALUE).limit(10))),
        ("finance.FUND_PORTFOLIO_STOCK",
         lambda: J.finance.run_query(q(J.finance.FUND_PORTFOLIO_STOCK).limit(10))),
        ("finance.STK_HK_HOLD_INFO", lambda: J.finance.run_query(q(J.finance.STK_HK_HOLD_INFO).limit(10))),
        ("finance.STK_EL_TOP_ACTIVATE", lambda: J.finance.run_query(q(J.finance.STK_EL_TOP_ACTIVATE).limit(10))),
        ("finance.STK_AUDIT_OPINION", lambda: J.finance.run_query(q(J.finance.STK_AUDIT_OPINION).limit(10))),
        ("opt.OPT_CONTRACT_INFO (510050)", lambda: J.opt.run_query(q(J.opt.OPT_CONTRACT_INFO).filter(
            J.opt.OPT_CONTRACT_INFO.underlying_symbol == "510050.XSHG").limit(10))),
        ("opt.OPT_DAILY_PRICE / OPT_RISK_INDICATOR", lambda: J.opt.run_query(q(J.opt.OPT_RISK_INDICATOR).filter(
            J.opt.OPT_RISK_INDICATOR.date == day).limit(10))),
        ("get_money_flow", lambda: J.get_money_flow(["000001.XSHE"], start_date=prev, end_date=day)),
        ("get_billboard_list", lambda: J.get_billboard_list(start_date=prev, end_date=day)),
        ("get_mtss", lambda: J.get_mtss(["000001.XSHE"], start_date=prev, end_date=day)),
        ("get_margincash_stocks", lambda: J.get_margincash_stocks(day)),
        ("get_factor_values(flagship set)", lambda: JF.get_factor_values(
            J.get_index_stocks("000300.XSHG", date=day)[:50], ["roe_ttm", "sales_growth", "TVSTD20", "DEGM_8y"],
            end_date=day, count=1)),
    ]
    return calls


def _empty(ans) -> bool:
    if ans is None:
        return True
    if isinstance(ans, dict):
        if not ans:
            return True
        vals = list(ans.values())
        if all(isinstance(v, pd.DataFrame) for v in vals):
            return all(_empty(v) for v in vals)
        return all((v == {} or v == [] or (isinstance(v, np.ndarray) and (v.size == 0 or np.all(pd.isna(v)))))
                   for v in vals)
    if isinstance(ans, pd.DataFrame):
        if ans.empty:
            return True
        num = ans.select_dtypes("number")
        return num.shape[1] > 0 and bool(num.isna().all().all())
    if isinstance(ans, (list, tuple, np.ndarray)):
        return len(ans) == 0
    return False


def api_table(store_path: str, day: str) -> pd.DataFrame:
    """One row per API call: mark, note."""
    from jqlite.api import _gaps

    os.environ["JQLITE_DATA"] = str(store_path)
    rows = []
    for label, fn in _calls(day):
        _gaps.reset_research_gaps()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                ans = fn()
                err = None
            except Exception as e:  # noqa: BLE001 - recorded as the answer
                ans, err = None, f"{type(e).__name__}: {str(e)[:90]}"
        gaps = _gaps.research_gaps()
        if err is not None or _empty(ans):
            mark = "✘"
        elif gaps:
            mark = "◐"
        else:
            mark = "✔"
        note = err or "; ".join(f"{g['what']}" for g in gaps[:3])
        rows.append((label, mark, note))
    return pd.DataFrame(rows, columns=["call", "mark", "note"]).set_index("call")


def _stocks_on(store, day):
    i = store.day_index(day)
    sec = store.securities.reindex(store.codes)
    typ = sec["type"].to_numpy() == "stock"
    listed = ~np.isnan(store.field("close")[i])
    return i, typ & listed


def column_table(store, day: str) -> pd.DataFrame:
    """Finite share of every fundamentals column over the stocks listed on ``day``."""
    from jqlite.data import fundamentals as F

    p = F.fundamentals_panel(store)
    i, m = _stocks_on(store, day)
    rows = []
    for t in F.TABLES:
        have = set(p.stored_columns(t)) if t in p.tables() else set()
        for c in F.COLUMNS[t]:
            if c not in have:
                rows.append((f"{t}.{c}", np.nan))
                continue
            if t == "valuation":
                v = p.valuation(c)[i]
            else:
                v = p.latest(t, c, rows=slice(i, i + 1))[0]
            rows.append((f"{t}.{c}", float(np.isfinite(v[m]).mean()) if m.any() else np.nan))
    return pd.DataFrame(rows, columns=["column", "share"]).set_index("column")


def factor_table(store, day: str) -> pd.DataFrame:
    """Finite share of every registered factor over the stocks listed on ``day``."""
    from jqlite.factors import REGISTRY, engine_for
    from jqlite.factors.base import load_panel

    panel = load_panel(store)
    eng = engine_for(store)
    i, m = _stocks_on(store, day)
    names = sorted(REGISTRY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        arrs = eng.compute(names, i, i, panel)
    rows = [(n, float(np.isfinite(np.asarray(arrs[n])[0][m]).mean()) if m.any() else np.nan) for n in names]
    return pd.DataFrame(rows, columns=["factor", "share"]).set_index("factor")


def _fmt(share) -> str:
    if share is None or not np.isfinite(share):
        return "✘ absent"
    return f"{_mark(share)} {share * 100:.0f} %"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sample")
    ap.add_argument("real", nargs="?")
    ap.add_argument("--date", default="2021-03-31")
    a = ap.parse_args(argv)
    from jqlite.data.store import open_store

    stores = [("sample", a.sample)] + ([("real", a.real)] if a.real else [])
    out = sys.stdout
    out.write(f"Measured by `scripts/data_coverage.py` on {a.date}.\n\n## API calls\n\n")
    apis = {name: api_table(path, a.date) for name, path in stores}
    hdr = "| call | " + " | ".join(n for n, _ in stores) + " |\n|---|" + "---|" * len(stores) + "\n"
    out.write(hdr)
    for call in apis["sample"].index:
        cells = []
        for n, _ in stores:
            r = apis[n].loc[call]
            cells.append(f"{r['mark']} {r['note']}".strip())
        out.write(f"| `{call}` | " + " | ".join(c.replace("|", "/") for c in cells) + " |\n")
    for title, fn in (("Fundamentals columns (finite share over listed stocks)", column_table),
                      ("jqfactor factors (finite share over listed stocks)", factor_table)):
        tabs = {}
        for n, path in stores:
            os.environ["JQLITE_DATA"] = str(path)
            tabs[n] = fn(open_store(path), a.date)
        out.write(f"\n## {title}\n\n" + hdr.replace("call", "name"))
        idx = tabs["sample"].index
        for k in idx:
            out.write(f"| `{k}` | " + " | ".join(_fmt(tabs[n].loc[k, "share"] if k in tabs[n].index else np.nan)
                                                for n, _ in stores) + " |\n")
        for n, _ in stores:
            s = tabs[n]["share"].fillna(0.0)
            out.write(f"\n{n}: {int((s >= 0.9).sum())} ✔, {int(((s > 0) & (s < 0.9)).sum())} ◐, "
                      f"{int((s <= 0).sum())} ✘ of {len(s)}.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
