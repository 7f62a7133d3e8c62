"""R8 — experts are not sent when they said they cannot come, nor beyond their yearly cap.

No working day of an expert's visits falls within one of their ``unavailability`` rows (inclusive
date ranges; holidays inside a row do not matter, as no one works then). Per expert and calendar
year, the visit working days falling in that year add up to at most the expert's ``max_days``, else
the round's ``max_days_per_year`` (no cap when neither is set). Not from a seed: the expert pool's
own limits.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

from constraints.base import Violation
from constraints.coverage import expert_text, span_text, visit_text
from constraints.working_days import WorkdayIndex
from inputs.scenario import Scenario
from scheduler.plan import Plan, Visit

if TYPE_CHECKING:
    from scheduler.model import Model

RULE = "R8"


def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Declared unavailability and the yearly cap of every expert on the plan.

    Working days are counted by bisection (``WorkdayIndex``), so the work grows with the visits,
    their members and the members' unavailability rows, not with the visits' length.
    """
    index = WorkdayIndex.of(scenario.calendar)
    spans: dict[int, range] = {}
    for n, visit in enumerate(plan.visits):
        span = index.span(visit.start, visit.end)
        if span is not None:
            spans[n] = span
    return _unavailable(scenario, plan, index, spans) + _over_cap(scenario, plan, index, spans)


def _members(visit: Visit) -> list[str]:
    return list(dict.fromkeys((*visit.members, visit.leader)))


def _unavailable(
    scenario: Scenario, plan: Plan, index: WorkdayIndex, spans: dict[int, range]
) -> list[Violation]:
    rows_by_expert = defaultdict(list)
    for row in scenario.unavailability:
        rows_by_expert[row.expert_id].append(row)
    found: list[Violation] = []
    for n, visit in enumerate(plan.visits):
        span = spans.get(n)
        if not span:
            continue
        for expert_id in _members(visit):
            for row in rows_by_expert.get(expert_id, ()):
                low = max(span.start, bisect_left(index.days, row.start))
                high = min(span.stop, bisect_right(index.days, row.end))
                if low >= high:
                    continue
                reason = f"（{row.reason}）" if row.reason else ""
                found.append(
                    Violation(
                        RULE,
                        expert_id,
                        f"{expert_text(scenario, expert_id)} 登记了 "
                        f"{span_text(row.start, row.end)} 不可用{reason}，"
                        f"但被安排在{visit_text(scenario, visit)}中，冲突的工作日有 {high - low} 个"
                        f"（{span_text(index.days[low], index.days[high - 1])}）",
                    )
                )
    return found


def _over_cap(
    scenario: Scenario, plan: Plan, index: WorkdayIndex, spans: dict[int, range]
) -> list[Violation]:
    load: dict[tuple[str, int], int] = defaultdict(int)
    for n, visit in enumerate(plan.visits):
        span = spans.get(n)
        if not span:
            continue
        per_year: dict[int, int] = {}
        for year in range(index.days[span.start].year, index.days[span.stop - 1].year + 1):
            days = index.count(max(visit.start, date(year, 1, 1)), min(visit.end, date(year, 12, 31)))
            if days:
                per_year[year] = days
        for expert_id in _members(visit):
            for year, days in per_year.items():
                load[expert_id, year] += days
    found: list[Violation] = []
    for (expert_id, year), days in sorted(load.items()):
        expert = scenario.expert_by_id.get(expert_id)
        if expert is None:
            continue
        cap = scenario.year_cap(expert)
        if cap is None or days <= cap:
            continue
        source = "本人年度最多天数" if expert.max_days is not None else "本轮每人每年最多天数"
        found.append(
            Violation(
                RULE,
                expert_id,
                f"{expert_text(scenario, expert_id)} 在 {year} 年被安排了 {days} 个巡查工作日，"
                f"超过{source} {cap} 天",
            )
        )
    return found


# -- model face: how the rule enters the CP-SAT model (see scheduler.model) -------------------


def add(m: Model) -> None:
    """R8: no expert works more visit days in a calendar year than their cap (a visit straddling
    New Year counts its days in each year, ``Model.member_days``)."""
    cp = m.cp
    for k in sorted(m.tasks_of):
        cap = m.scenario.year_cap(m.instance.experts[k])
        if cap is None:
            continue
        years: dict[int, list[int]] = {}
        for t in m.tasks_of[k]:
            for y in m.touched_years(t):
                years.setdefault(y, []).append(t)
        for y, ts in sorted(years.items()):
            if sum(m.task(t).days for t in ts) <= cap:
                continue
            cp.add(sum(m.member_days(t, k, y) for t in ts) <= cap)
