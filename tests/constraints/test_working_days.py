"""R2: visits start and end on working days of the official calendar, holidays sheet included."""

from __future__ import annotations

from datetime import date

from constraints import working_days
from constraints.registry import validate
from inputs.scenario import HolidayRow
from tests.constraints.builders import (
    inst,
    make_plan,
    make_scenario,
    replace_visit,
    rules,
    small_scenario,
    subjects,
    visit,
)


def test_make_up_working_weekend_days_are_working_days(small, small_valid):
    """H2 starts on Sunday 2024-09-29 and ends on Saturday 2024-10-12, both make-up working days (调休)."""
    h2 = small_valid.visit_of("H2")
    assert h2.start.weekday() == 6 and h2.end.weekday() == 5
    assert working_days.check(small, small_valid) == []


def test_visit_starting_on_a_holiday(small_valid):
    """G1 on 2024-10-07..10-08 has one working day, as its tier needs, but starts on the last day of
    National Day: R2, and only R2 (capacity lifted, as H2 runs on 10-08 too)."""
    plan = replace_visit(small_valid, "G1", start=date(2024, 10, 7), end=date(2024, 10, 8), days=1)
    found = validate(small_scenario(max_concurrent_visits=None), plan)
    assert rules(found) == {"R2"}
    assert subjects(found, "R2") == {"G1"}
    assert "2024-10-07" in found[0].message and "开始" in found[0].message


def test_visit_ending_on_an_ordinary_saturday(small, small_valid):
    """H1 ending on Saturday 2024-09-28 (not a make-up day) breaks R2: same working days, wrong end."""
    plan = replace_visit(small_valid, "H1", end=date(2024, 9, 28))
    found = validate(small, plan)
    assert rules(found) == {"R2"}
    assert "2024-09-28（周六）" in found[0].message


def test_one_day_visit_on_a_rest_day_is_reported_once(small, small_valid):
    """A one-day visit on a Sunday gives one violation, not one for its start and one for its end."""
    plan = replace_visit(small_valid, "G1", start=date(2024, 10, 13), end=date(2024, 10, 13), days=0)
    found = working_days.check(small, plan)
    assert len(found) == 1 and found[0].subject == "G1"


def test_unknown_year_is_reported_not_raised():
    """A visit in 2030, a year neither the packaged calendar nor the holidays sheet knows, is an R2
    violation naming the year; validation does not raise."""
    scenario = make_scenario([inst("G", "某卫生院", "grassroots")], [], deadline=date(2031, 1, 1))
    plan = make_plan([visit("G", "2024-03-04", "2024-03-04", "X", ["X"])])
    plan = replace_visit(plan, "G", start=date(2030, 3, 4), end=date(2030, 3, 4))
    found = validate(scenario, plan)
    r2 = [v for v in found if v.rule == "R2"]
    assert len(r2) == 1 and "2030" in r2[0].message and "holidays" in r2[0].message


def test_holidays_sheet_makes_a_year_known():
    """With the holidays sheet listing 2030's exceptions, a visit on an ordinary 2030 Monday is fine,
    and one on a day the sheet marks as holiday is not."""
    holidays = [HolidayRow(date(2030, 1, 1), date(2030, 1, 1), "holiday")]
    scenario = make_scenario(
        [inst("G", "某卫生院", "grassroots")], [], deadline=date(2031, 1, 1), holidays=holidays
    )
    base = make_plan([visit("G", "2024-03-04", "2024-03-04", "X", ["X"])])
    monday = replace_visit(base, "G", start=date(2030, 3, 4), end=date(2030, 3, 4), days=1)
    new_year = replace_visit(base, "G", start=date(2030, 1, 1), end=date(2030, 1, 1), days=0)
    assert working_days.check(scenario, monday) == []
    assert [v.subject for v in working_days.check(scenario, new_year)] == ["G"]


def test_workdays_between_helper():
    """The helper counts National Day week right, gives nothing for a reversed range and None for an
    unknown year."""
    scenario = make_scenario([], [])
    cal = scenario.calendar
    assert working_days.workdays_between(cal, date(2024, 9, 28), date(2024, 10, 8)) == [
        date(2024, 9, 29),
        date(2024, 9, 30),
        date(2024, 10, 8),
    ]
    assert working_days.workdays_between(cal, date(2024, 10, 8), date(2024, 10, 1)) == []
    assert working_days.workdays_between(cal, date(2029, 12, 30), date(2030, 1, 2)) is None


def test_workday_index_counts_like_the_calendar():
    """The index the checks count with agrees with walking the calendar day by day, across the
    2024 National Day holiday and a year boundary; a range touching an unknown year gives None."""
    cal = working_days.WorkdayIndex.of(small_scenario().calendar)
    for first, last in [
        (date(2024, 9, 28), date(2024, 10, 8)),
        (date(2024, 12, 30), date(2025, 1, 3)),
        (date(2024, 10, 8), date(2024, 10, 1)),
        (date(2025, 1, 1), date(2025, 12, 31)),
    ]:
        assert cal.count(first, last) == small_scenario().calendar.count_workdays(first, last)
    assert cal.count(date(2026, 12, 30), date(2027, 1, 4)) is None
    assert cal.count(date(1900, 1, 1), date(2999, 12, 31)) is None


def test_a_visit_over_many_unknown_years_names_a_few():
    """A visit from 1900 to 2999 is reported once, naming the first unknown years and their count."""
    scenario = make_scenario([inst("G", "花溪社区卫生服务中心", "grassroots")], [])
    plan = make_plan([visit("G", "2024-10-14", "2024-10-14", "E1", ["E1"])])
    plan = replace_visit(plan, "G", start=date(1900, 1, 1), end=date(2999, 12, 31))
    found = working_days.check(scenario, plan)
    assert len(found) == 1 and "1900、1901、1902、1903、1904 等 1077 个年份" in found[0].message
