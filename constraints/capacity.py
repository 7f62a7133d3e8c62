"""R10 — office capacity: at most ``max_concurrent_visits`` visits run on any working day, if set.

A visit runs on each working day from its start to its end. Days in a row on which the same
visits run over the limit are reported together, the subject being the first of those days. Not
from a seed: what an office can staff and follow at once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from itertools import pairwise
from typing import TYPE_CHECKING

from constraints.base import Violation
from constraints.coverage import institution_text, span_text
from constraints.working_days import WorkdayIndex
from inputs.scenario import Scenario
from scheduler.plan import Plan

if TYPE_CHECKING:
    from scheduler.model import Model

RULE = "R10"


def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """No working day with more running visits than the office's limit.

    A sweep over the visits' first and last working days: between two such days the same visits
    run, so the work grows with the number of visits, not with their length.
    """
    limit = scenario.params.max_concurrent_visits
    if limit is None:
        return []
    index = WorkdayIndex.of(scenario.calendar)
    events: dict[int, list[tuple[int, int]]] = defaultdict(list)  # position -> (+1 / -1, visit)
    for n, visit in enumerate(plan.visits):
        span = index.span(visit.start, visit.end)
        if span:
            events[span.start].append((1, n))
            events[span.stop].append((-1, n))
    running: set[int] = set()
    crowded: list[tuple[date, date, tuple[int, ...]]] = []
    positions = sorted(events)
    for here, following in pairwise(positions):
        for step, n in events[here]:
            if step > 0:
                running.add(n)
            else:
                running.discard(n)
        if len(running) > limit:
            crowded.append((index.days[here], index.days[following - 1], tuple(sorted(running))))
            if len(crowded) > MAX_SPANS:
                break
    violations: list[Violation] = []
    for first, last, visits in crowded[:MAX_SPANS]:
        names = list(dict.fromkeys(institution_text(scenario, plan.visits[n].institution) for n in visits))
        shown = "、".join(names[:MAX_NAMES])
        if len(names) > MAX_NAMES or len(names) < len(visits):
            shown += f" 等 {len(visits)} 项"
        violations.append(
            Violation(
                RULE,
                first.isoformat(),
                f"{span_text(first, last)} 同时进行 {len(visits)} 项巡查（{shown}），"
                f"超过同时巡查上限 {limit} 项",
            )
        )
    if len(crowded) > MAX_SPANS:
        violations.append(
            Violation(
                RULE,
                crowded[MAX_SPANS][0].isoformat(),
                f"自 {crowded[MAX_SPANS][0].isoformat()} 起还有更多日子超过同时巡查上限 {limit} 项，"
                "未逐一列出",
            )
        )
    return violations


MAX_SPANS = 50  # crowded stretches reported one by one
MAX_NAMES = 10  # institutions named per stretch


# -- model face: how the rule enters the CP-SAT model (see scheduler.model) -------------------


def add(m: Model) -> None:
    """R10: at most ``max_concurrent_visits`` visits on any working day."""
    cap = m.scenario.params.max_concurrent_visits
    if cap is None:
        return
    intervals = [
        m.cp.new_optional_fixed_size_interval_var(m.start[t.index], t.days, m.present[t.index], "visit")
        for t in m.tasks
    ]
    m.cp.add_cumulative(intervals, [1] * len(intervals), cap)
