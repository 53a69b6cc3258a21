"""Time strings and the days run_weekly / run_monthly fire (spec §2, test vector T4)."""

import datetime as dt

import pandas as pd
import pytest

from jqlite.errors import ParamsError
from jqlite.scheduler import fire_days, parse_time


@pytest.mark.parametrize("spec,expected", [
    ("9:30", dt.time(9, 30)), ("09:30", dt.time(9, 30)), ("14:50:00", dt.time(14, 50)),
    ("9:30:01", dt.time(9, 30, 1)), ("7:00", dt.time(7, 0)), ("1:00", dt.time(1, 0)),
    ("every_bar", dt.time(9, 30)), ("open", dt.time(9, 30)), ("before_open", dt.time(9, 0)),
    ("after_close", dt.time(15, 30)), ("open+5m", dt.time(9, 35)), ("open-10m", dt.time(9, 20)),
    ("close-10m", dt.time(14, 50)), ("close+1h30m", dt.time(16, 30)), ("morning", dt.time(8, 0)),
])
def test_time_strings(spec, expected):
    assert parse_time(spec) == expected


def test_bad_time_string_names_it():
    with pytest.raises(ParamsError, match="25:00"):
        parse_time("25:00")


def _days(start, end):
    from jqlite.data.calendar import xshg_trading_days
    return xshg_trading_days(start, end)


def test_weekly_first_week_counts_from_start_tuesday():
    # 2024-01-02 is a Tuesday: Tue=1st, Wed=2nd, Thu=3rd trading day of the first week
    cal = _days("2023-12-01", "2024-02-29")
    first = cal.get_loc(pd.Timestamp("2024-01-02"))
    run = cal[first:cal.get_loc(pd.Timestamp("2024-01-19")) + 1]
    fired = sorted(run[i].date() for i in fire_days("weekly", 3, True, run, cal, first))
    assert fired == [dt.date(2024, 1, 4), dt.date(2024, 1, 10), dt.date(2024, 1, 17)]


def test_weekly_short_week_nearest_day():
    # week of 2024-04-01: Thu 4-04 and Fri 4-05 are Qingming holidays -> 3 trading days
    cal = _days("2024-03-01", "2024-05-31")
    first = cal.get_loc(pd.Timestamp("2024-04-01"))
    run = cal[first:first + 3]
    assert [run[i].date() for i in fire_days("weekly", 5, True, run, cal, first)] == [dt.date(2024, 4, 3)]
    assert [run[i].date() for i in fire_days("weekly", -5, True, run, cal, first)] == [dt.date(2024, 4, 1)]
    assert fire_days("weekly", 5, False, run, cal, first) == set()


def test_monthly_first_month_counts_from_start_and_last_day():
    cal = _days("2024-01-01", "2024-06-30")
    first = cal.get_loc(pd.Timestamp("2024-03-20"))
    run = cal[first:cal.get_loc(pd.Timestamp("2024-05-31")) + 1]
    fired = sorted(run[i].date() for i in fire_days("monthly", 1, True, run, cal, first))
    assert fired == [dt.date(2024, 3, 20), dt.date(2024, 4, 1), dt.date(2024, 5, 6)]
    last = sorted(run[i].date() for i in fire_days("monthly", -1, True, run, cal, first))
    assert last == [dt.date(2024, 3, 29), dt.date(2024, 4, 30), dt.date(2024, 5, 31)]
