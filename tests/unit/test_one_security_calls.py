"""One-security ``attribute_history`` / ``get_price`` calls take a single-column path
(``jqlite.api.market._col_values``: the adjustment multiplier once per call, 1-D reads, one
float block per frame) because public strategies call them for every member of an index
several times a day (corpus files c5f64603, ae88495f timed out on it).  These tests pin the
values by hand and check that the fast path answers exactly what the general per-field path
(``_values``, still used for several securities) answers: same numbers bit for bit, same
columns, index and dtypes, for every price mode, adjustment, unit and field mix."""

import itertools

import numpy as np
import pandas as pd
import pytest

from jqlite.testing import load_strategy, tiny_store

A, B, C = "600000.XSHG", "600001.XSHG", "600002.XSHG"


@pytest.fixture(scope="module")
def market(tmp_path_factory):
    # 12 trading days from 2024-01-02.  A: 10-for-10 bonus shares on day 6 (factor 1 -> 2, raw
    # close halves), suspended days 3-4.  B: lists on day 2.  C: delisted after day 8.
    from jqlite.testing.builders import make_bars
    days = pd.bdate_range("2024-01-02", periods=40)
    days = days[~days.isin(pd.to_datetime(["2024-02-09", "2024-02-12", "2024-02-13", "2024-02-14",
                                            "2024-02-15", "2024-02-16"]))]
    a = make_bars(A, [10, 11, 12, 12, 12, 14, 7, 7.5, 8, 8.5, 9, 9.5], days[:12],
                  paused=[0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0], factor=[1.0] * 6 + [2.0] * 6)
    b = make_bars(B, [20.0, 20.5, 21.0, 21.3, 21.1, 21.7, 22.0, 22.4, 22.1, 22.9], days[2:12])
    c = make_bars(C, [5.0, 5.1, 5.2, 5.3, 5.1, 5.05, 5.0, 4.9, 4.85], days[:9])
    return tiny_store(tmp_path_factory.mktemp("one") / "s", {A: a, B: b, C: c},
                      end_dates={C: days[8].strftime("%Y-%m-%d")})


def _harness(market, real_price: bool, when: str):
    src = ("def initialize(context):\n"
           f"    set_option('use_real_price', {real_price})\n")
    h = load_strategy("one.py", market=market, source=src)
    h.at(when)
    return h


def test_attribute_history_adjusts_around_a_bonus_issue_by_hand(market):
    import jqlite.api.market as m
    h = _harness(market, True, "2024-01-16 10:00")    # day 10, real-price mode
    df = m.attribute_history(A, 6, "1d", ["close", "volume", "factor"])
    # traded days before day 10: 0 1 2 5 6 7 8 9 (3, 4 suspended); the last 6 are 2 5 6 7 8 9;
    # pre-adjusted to today (factor 2): days 2, 5 (factor 1) x 0.5, volume / 0.5
    assert df["close"].tolist() == [6.0, 7.0, 7.0, 7.5, 8.0, 8.5]
    assert df["volume"].tolist() == [2e6, 2e6, 1e6, 1e6, 1e6, 1e6]
    assert df["factor"].tolist() == [0.5, 0.5, 1.0, 1.0, 1.0, 1.0]
    assert [d.day for d in df.index] == [4, 9, 10, 11, 12, 15]
    raw = m.attribute_history(A, 6, "1d", ["close"], fq=None, df=False)
    assert raw["close"].tolist() == [12.0, 14.0, 7.0, 7.5, 8.0, 8.5]
    post = m.get_price(A, start_date="2024-01-04", end_date="2024-01-09", fields=["close", "paused"], fq="post")
    assert post["close"].tolist() == [12.0, 12.0, 12.0, 14.0]
    assert post["paused"].tolist() == [0.0, 1.0, 1.0, 0.0]
    # an unknown fq is refused when a price needs it, as on the general path
    from jqlite.errors import ParamsError
    with pytest.raises(ParamsError, match="fq must be"):
        m.attribute_history(A, 3, "1d", ["close"], fq="bad")
    assert m.attribute_history(A, 3, "1d", ["paused"], fq="bad")["paused"].tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(ParamsError, match="unknown field"):
        m.get_price(A, count=2, end_date="2024-01-15", fields=["close", "vwap"])
    h.close()


def _old_attribute_history(m, run, security, count, unit, fields, skip_paused, df, fq):
    """attribute_history's daily path as it was, on the general per-field ``_values``."""
    fields = [fields] if isinstance(fields, str) else list(fields)
    ndays = m._unit_days(unit, "attribute_history")
    store = run.store
    j = store.col(security)
    end_i = run.day_i - 1
    n = count * ndays
    if skip_paused:
        rows = m._trading_rows(store, j, end_i, n) if n > 0 else np.arange(0)
    else:
        rows = np.arange(max(end_i - n + 1, 0), end_i + 1)
    vals = {f: m._values(store, f, rows, [j], fq, run)[:, 0] for f in fields}
    dates = store.dates[rows]
    if ndays > 1:
        vals, ends = m._aggregate({f: v[:, None] for f, v in vals.items()}, ndays)
        vals = {f: v[:, 0] for f, v in vals.items()}
        dates = dates[ends]
    if not df:
        return vals
    return pd.DataFrame(vals, index=dates)


FIELD_SETS = [("open", "close", "high", "low", "volume", "money"), ["close"], "close",
              ["close", "close", "volume"], ["price", "factor", "paused", "money", "high_limit", "pre_close", "avg"]]


def _same_frame(got, exp):
    pd.testing.assert_frame_equal(got, exp, check_exact=True)
    assert got.columns.dtype == exp.columns.dtype and list(got.columns) == list(exp.columns)
    assert got.index.equals(exp.index) and got.index.freq == exp.index.freq


@pytest.mark.parametrize("real_price", [True, False])
def test_attribute_history_matches_the_general_path(market, real_price):
    import jqlite.api.market as m
    h = _harness(market, real_price, "2024-01-16 10:00")
    run = h.run
    for code, count, unit, fields, skip, fq in itertools.product(
            [A, B, C], [1, 3, 8, 30], ["1d", "2d"], FIELD_SETS, [True, False], ["pre", "post", None, "none"]):
        got = m.attribute_history(code, count, unit, fields, skip_paused=skip, fq=fq)
        exp = _old_attribute_history(m, run, code, count, unit, fields, skip, True, fq)
        _same_frame(got, exp)
        got = m.attribute_history(code, count, unit, fields, skip_paused=skip, fq=fq, df=False)
        exp = _old_attribute_history(m, run, code, count, unit, fields, skip, False, fq)
        assert list(got) == list(exp)
        for f in exp:
            np.testing.assert_array_equal(got[f], exp[f])
            assert got[f].dtype == exp[f].dtype
    # the arrays handed out are the caller's: writing to them leaves the store alone
    before = m.attribute_history(A, 3, "1d", "money", fq=None, df=False)["money"].copy()
    m.attribute_history(A, 3, "1d", "money", fq=None, df=False)["money"][:] = -1.0
    np.testing.assert_array_equal(m.attribute_history(A, 3, "1d", "money", fq=None, df=False)["money"], before)
    h.close()


@pytest.mark.parametrize("real_price", [True, False])
def test_get_price_one_security_matches_the_panel_of_several(market, real_price):
    import jqlite.api.market as m
    h = _harness(market, real_price, "2024-01-16 10:00")
    for code, (start, end, count), fields, fq, fill, freq in itertools.product(
            [A, B, C], [("2024-01-02", "2024-01-15", None), (None, "2024-01-16", 7), (None, "2024-01-12", 1)],
            FIELD_SETS[:2] + FIELD_SETS[4:], ["pre", "post", None, "None"], [True, False], ["daily", "2d"]):
        kw = dict(start_date=start, end_date=end, count=count, fields=fields, fq=fq, fill_paused=fill,
                  frequency=freq)
        got = m.get_price(code, **kw)
        panel = m.get_price([code, A if code != A else B], **kw)
        exp = pd.DataFrame({f: panel[f][code] for f in dict.fromkeys([fields] if isinstance(fields, str) else fields)})
        exp.columns = pd.Index(list(exp.columns), dtype=object)
        _same_frame(got, exp)
    h.close()


def _old_traded_bars(m, run, code, end_i, count, fields, fq):
    store = run.store
    j = store.col(code)
    paused, close = store.field("paused"), store.field("close")
    ok = np.flatnonzero((paused[:end_i + 1, j] == 0) & ~np.isnan(close[:end_i + 1, j]))
    rows = ok[-count:] if count > 0 else ok[:0]
    vals = {f: m._values(store, f, rows, [j], fq, run)[:, 0] for f in fields}
    return pd.DataFrame(vals, index=store.dates[rows], columns=fields)


def test_get_price_skip_paused_count_matches_the_whole_history_scan(market):
    import jqlite.api.market as m
    h = _harness(market, True, "2024-01-16 10:00")
    run = h.run
    for code, count, end, fields, fq in itertools.product(
            [A, B, C], [1, 2, 5, 11, 50], ["2024-01-03", "2024-01-11", "2024-01-16"],
            [["close"], ["open", "close", "volume", "paused"], ["close", "close"]], ["pre", None, "none"]):
        got = m.get_price(code, end_date=end, count=count, fields=fields, fq=fq, skip_paused=True)
        exp = _old_traded_bars(m, run, code, run.store.day_index(end, "right"), count, fields, fq)
        _same_frame(got, exp)
    h.close()


def test_get_current_data_is_one_snapshot_per_time_point(market):
    import jqlite.api.market as m
    h = _harness(market, True, "2024-01-16 10:00")
    cd = m.get_current_data()
    assert m.get_current_data() is cd                     # same time point: the same lazy dict
    assert cd[A].last_price == 9.0 and cd[A].high_limit == round(8.5 * 1.1, 2)
    h.at("2024-01-17 10:00")
    cd2 = m.get_current_data()
    assert cd2 is not cd and cd2[A].last_price == 9.5     # the next day: a fresh snapshot
    h.close()


def test_one_minute_bar_labels_are_nanosecond_timestamps(tmp_path):
    # MinuteBars.times builds the labels from nanosecond integers: 09:31 is the first bar,
    # 11:30 the last of the morning, 13:01 the first of the afternoon
    from jqlite.data.minute import MinuteBars
    from jqlite.testing import tiny_store as _ts
    st = _ts(tmp_path / "s", {A: [10.0, 10.5]})
    mb = MinuteBars(st)
    t = mb.times(np.array([0, 0, 0, 1]), np.array([0, 119, 120, 239]))
    assert t.dtype == "datetime64[ns]" and t.freq is None
    assert [x.strftime("%m-%d %H:%M") for x in t] == ["01-02 09:31", "01-02 11:30", "01-02 13:01", "01-03 15:00"]


@pytest.mark.parametrize("real_price", [True, False])
@pytest.mark.parametrize("when", ["2024-01-05 09:20", "2024-01-05 10:00", "2024-01-10 14:00",
                                  "2024-01-16 10:00"])
def test_current_data_units_match_per_field_reads(market, real_price, when):
    # get_current_data() fills units from today's rows taken once per day; each unit must be
    # what the per-field run reads give (listed / paused / limits x the price scale / the
    # day's name): A suspended on 01-05, around its bonus issue on 01-10, B before listing
    # (01-02..01-03 only) and C after delisting (01-16)
    import jqlite.api.market as m
    h = _harness(market, real_price, when)
    run = h.run
    cd = m.get_current_data()
    nan = float("nan")
    for code in (A, B, C):
        j = run.store.col(code)
        u = cd[code]
        listed = run.is_listed(j)
        sc = run.price_scale(j)
        early = run.current_dt.time() < __import__("datetime").time(9, 27)
        exp = {"last_price": run.latest_price(j) if listed else nan,
               "high_limit": run.bar("high_limit", j) * sc if listed else nan,
               "low_limit": run.bar("low_limit", j) * sc if listed else nan,
               "pre_close": run.bar("pre_close", j) * sc if listed else nan,
               "day_open": run.bar("open", j) * sc if listed and not early else nan,
               "paused": (not listed) or run.is_paused(j),
               "is_st": bool(run.store.st_matrix()[run.day_i, j]),
               "name": run.store.display_name(code, run.current_date)}
        for k, v in exp.items():
            got = getattr(u, k)
            assert type(got) is type(v), (code, k)
            assert got == v or (v != v and got != got), (code, k, got, v)
    h.close()


def test_held_current_data_fills_from_the_day_it_is_read(market):
    # a snapshot kept across days (JoinQuant says not to) fills a new code from the day it is
    # read at, as it did before the per-day rows were cached
    import jqlite.api.market as m
    h = _harness(market, True, "2024-01-15 10:00")
    cd = m.get_current_data()
    assert cd[A].last_price == 8.5                        # day 9's close (no minute bars)
    h.at("2024-01-16 10:00")
    assert cd[B].last_price == 22.1 and cd[A].last_price == 8.5   # B: day 10's close
    h.close()


def test_kept_date_windows_are_fresh_index_objects(market):
    # _rows_dates keeps the index of a run of days and hands out views: an answer's index
    # renamed (or given a freq-less name) by a strategy must not show in the next answer
    import jqlite.api.market as m
    h = _harness(market, True, "2024-01-16 10:00")
    a = m.attribute_history(B, 3, "1d", ["close"])
    b = m.attribute_history(B, 3, "1d", ["close"])
    assert a.index is not b.index and a.index.equals(b.index)
    a.index.name = "when"
    c = m.attribute_history(B, 3, "1d", ["close"])
    exp = h.run.store.dates[7:10]
    assert c.index.name == exp.name and a.index.name == "when"
    assert c.index.equals(exp) and c.index.freq == exp.freq and c.index.dtype == exp.dtype
    assert [d.day for d in c.index] == [11, 12, 15]
    h.close()
