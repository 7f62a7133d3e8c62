"""R2 — working days follow the official Chinese calendar, and a visit starts and ends on one.

Public holidays and make-up working weekends (调休) included: 2024-10-01..07 is National Day, the
Sunday 2024-09-29 and the Saturday 2024-10-12 are working days. The calendar is input data
(``scenario.calendar``: the packaged ``chinesecalendar`` data, overridden by the ``holidays``
sheet). A visit touching a year the calendar does not know is reported here rather than raised,
and the other checks leave such a visit alone. Source: common practice.

The helpers below give every check the working days of a visit or of a gap between two visits.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from datetime import date
from itertools import islice
from typing import TYPE_CHECKING
from weakref import WeakKeyDictionary

from constraints.base import Violation
from constraints.coverage import institution_text, span_text
from inputs.calendar import WorkCalendar, packaged_years
from inputs.scenario import Scenario
from scheduler.plan import Plan, Visit

if TYPE_CHECKING:
    from scheduler.model import Model

RULE = "R2"

WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


# -- helpers shared by the checks that count working days ------------------------------------------
def unknown_years(calendar: WorkCalendar, first: date, last: date, limit: int | None = None) -> list[int]:
    """The years from ``first`` to ``last`` the calendar cannot answer for (the first ``limit``)."""
    low, high = min(first, last), max(first, last)
    unknown = (y for y in range(low.year, high.year + 1) if not calendar.knows(y))
    return list(islice(unknown, limit))


def count_unknown_years(calendar: WorkCalendar, first: date, last: date) -> int:
    """How many years from ``first`` to ``last`` the calendar cannot answer for, in time of the
    years it knows (not of the span: a date in year 9999 costs no more than one in 2025)."""
    low, high = min(first, last).year, max(first, last).year
    known = _known_years(calendar)
    return high - low + 1 - (bisect_right(known, high) - bisect_left(known, low))


def _known_years(calendar: WorkCalendar) -> list[int]:
    """The years ``calendar`` knows, in order (computed once per calendar)."""
    years = _KNOWN.get(calendar)
    if years is None:
        years = _KNOWN[calendar] = sorted(set(packaged_years()) | calendar.override_years)
    return years


_KNOWN: WeakKeyDictionary[WorkCalendar, list[int]] = WeakKeyDictionary()


def workdays_between(calendar: WorkCalendar, first: date, last: date) -> list[date] | None:
    """Working days from ``first`` to ``last`` inclusive (none when ``last < first``).

    ``None`` when the range touches a year the calendar does not know: R2 reports that visit.
    """
    if last < first:
        return []
    if count_unknown_years(calendar, first, last):
        return None
    return list(calendar.workdays(first, last))


class WorkdayIndex:
    """Every working day of the years a calendar knows, in order, so that the checks count the
    working days of a visit or a gap by bisection, in time independent of its length."""

    def __init__(self, calendar: WorkCalendar) -> None:
        # No reference to the calendar itself: it is the key of the cache this index sits in.
        self.known = _known_years(calendar)
        self.days: list[date] = []
        for year in self.known:
            self.days += calendar.workdays(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def of(cls, calendar: WorkCalendar) -> WorkdayIndex:
        """The index of ``calendar``, built once per calendar."""
        index = _INDEXES.get(calendar)
        if index is None:
            index = _INDEXES[calendar] = cls(calendar)
        return index

    def span(self, first: date, last: date) -> range | None:
        """Positions in :attr:`days` of the working days from ``first`` to ``last`` inclusive (empty
        when ``last < first``); ``None`` when the range touches a year the calendar does not know."""
        if last < first:
            return range(0)
        known = bisect_right(self.known, last.year) - bisect_left(self.known, first.year)
        if known < last.year - first.year + 1:
            return None
        return range(bisect_left(self.days, first), bisect_right(self.days, last))

    def count(self, first: date, last: date) -> int | None:
        """How many working days from ``first`` to ``last``; ``None`` for an unknown year."""
        span = self.span(first, last)
        return None if span is None else len(span)


_INDEXES: WeakKeyDictionary[WorkCalendar, WorkdayIndex] = WeakKeyDictionary()


def visit_workdays(scenario: Scenario, visit: Visit) -> list[date] | None:
    """The working days a visit covers, or ``None`` when its dates lie in an unknown year."""
    return workdays_between(scenario.calendar, visit.start, visit.end)


def day_text(day: date) -> str:
    """「2024-09-28（周六）」."""
    return f"{day.isoformat()}（{WEEKDAYS[day.weekday()]}）"


# -- the check -------------------------------------------------------------------------------------
def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Each visit starts and ends on a working day of a year the calendar knows."""
    calendar = scenario.calendar
    violations: list[Violation] = []
    for visit in plan.visits:
        where = institution_text(scenario, visit.institution)
        missing = count_unknown_years(calendar, visit.start, visit.end)
        if missing:
            years = "、".join(str(y) for y in unknown_years(calendar, visit.start, visit.end, limit=5))
            if missing > 5:
                years += f" 等 {missing} 个年份"
            violations.append(
                Violation(
                    RULE,
                    visit.institution,
                    f"{where} 的巡查 {span_text(visit.start, visit.end)} 落在 {years} 年，"
                    f"内置日历不含该年的节假日安排，且“节假日调整”（holidays）表未提供，无法判断工作日",
                )
            )
            continue
        ends = (
            [("开始", visit.start), ("结束", visit.end)] if visit.start != visit.end else [("", visit.start)]
        )
        for label, day in ends:
            if not calendar.is_workday(day):
                violations.append(
                    Violation(
                        RULE,
                        visit.institution,
                        f"{where} 的巡查{label}日期 {day_text(day)} 不是工作日（法定节假日或休息日）",
                    )
                )
    return violations


# -- model face: how the rule enters the CP-SAT model (see scheduler.model) -------------------


def add(m: Model) -> None:
    """R2 in the model: time is counted in working days (``scheduler.instance.Instance.workdays``),
    so every start and end is a working day and ``days`` consecutive indices are consecutive working
    days. Nothing further to post; this checks the time axis holds only working days.
    """
    calendar = m.scenario.calendar
    assert all(calendar.is_workday(day) for day in m.instance.workdays[:1] + m.instance.workdays[-1:])
