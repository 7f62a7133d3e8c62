"""R2: the official working-day calendar.

The packaged ``chinesecalendar`` data decides for the years it knows. The
``holidays`` sheet overrides it: if the sheet has any row in a year, its rows are
that year's complete list of exceptions (weekends rest unless listed as
``workday``; weekdays work unless listed as ``holiday``). A year known to neither
raises :class:`UnknownYearError` — never a guess.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date, timedelta

import chinese_calendar

from inputs.scenario import HolidayRow


class UnknownYearError(Exception):
    """A date lies in a year neither the packaged calendar nor the holidays sheet covers."""

    def __init__(self, year: int) -> None:
        self.year = year
        super().__init__(
            f"{year} 年的法定节假日和调休安排未知：内置日历只覆盖 {packaged_years_text()}，"
            f"请在“节假日调整”（holidays）表中填写 {year} 年的放假与调休日期"
        )


def packaged_years() -> range:
    holidays = chinese_calendar.constants.holidays
    return range(min(holidays).year, max(holidays).year + 1)


def packaged_years_text() -> str:
    years = packaged_years()
    return f"{years.start}–{years.stop - 1} 年"


class WorkCalendar:
    """Answers whether a date is a working day, under the packaged data and overrides."""

    def __init__(self, overrides: Iterable[HolidayRow] = ()) -> None:
        self._override_years: set[int] = set()
        self._override: dict[date, bool] = {}
        for row in overrides:
            day = row.start
            while day <= row.end:
                self._override_years.add(day.year)
                self._override[day] = row.kind == "workday"
                day += timedelta(days=1)
        self._packaged = packaged_years()
        self._cache: dict[date, bool] = {}

    @property
    def override_years(self) -> frozenset[int]:
        return frozenset(self._override_years)

    def knows(self, year: int) -> bool:
        return year in self._override_years or year in self._packaged

    def source(self, year: int) -> str:
        """Where a year's holidays come from, for the solve facts."""
        if year in self._override_years:
            return "节假日调整表"
        if year in self._packaged:
            return f"chinesecalendar {chinese_calendar.__version__}"
        return "未知"

    def is_workday(self, day: date) -> bool:
        cached = self._cache.get(day)
        if cached is not None:
            return cached
        if day.year in self._override_years:
            result = self._override.get(day, day.weekday() < 5)
        elif day.year in self._packaged:
            result = chinese_calendar.is_workday(day)
        else:
            raise UnknownYearError(day.year)
        self._cache[day] = result
        return result

    def workdays(self, first: date, last: date) -> Iterator[date]:
        """Working days from ``first`` to ``last``, both inclusive."""
        day = first
        while day <= last:
            if self.is_workday(day):
                yield day
            day += timedelta(days=1)

    def count_workdays(self, first: date, last: date) -> int:
        return sum(1 for _ in self.workdays(first, last))
