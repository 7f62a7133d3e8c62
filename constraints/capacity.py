"""R10 — office capacity: at most ``max_concurrent_visits`` visits run on any working day, if set.

A visit runs on each working day from its start to its end. Days in a row on which the same
visits run over the limit are reported together, the subject being the first of those days. Not
from a seed: what an office can staff and follow at once.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING

from constraints.base import Violation
from constraints.coverage import institution_text, span_text
from constraints.working_days import visit_workdays
from inputs.scenario import Scenario
from scheduler.plan import Plan

if TYPE_CHECKING:
    from scheduler.model import Model

RULE = "R10"


def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """No working day with more running visits than the office's limit."""
    limit = scenario.params.max_concurrent_visits
    if limit is None:
        return []
    running: dict[date, list[int]] = defaultdict(list)
    for n, visit in enumerate(plan.visits):
        for day in visit_workdays(scenario, visit) or ():
            running[day].append(n)
    crowded = [(day, tuple(running[day])) for day in sorted(running) if len(running[day]) > limit]
    violations: list[Violation] = []
    for first, last, visits in _runs(crowded):
        names = "、".join(institution_text(scenario, plan.visits[n].institution) for n in visits)
        violations.append(
            Violation(
                RULE,
                first.isoformat(),
                f"{span_text(first, last)} 同时进行 {len(visits)} 项巡查（{names}），"
                f"超过同时巡查上限 {limit} 项",
            )
        )
    return violations


def _runs(crowded: list[tuple[date, tuple[int, ...]]]) -> list[tuple[date, date, tuple[int, ...]]]:
    """Group consecutive crowded working days that share the same set of running visits."""
    runs: list[tuple[date, date, tuple[int, ...]]] = []
    for day, visits in crowded:
        if runs and runs[-1][2] == visits:
            runs[-1] = (runs[-1][0], day, visits)
        else:
            runs.append((day, day, visits))
    return runs


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
