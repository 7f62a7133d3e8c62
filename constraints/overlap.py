"""R5 — no expert is on two visits at once, and between two visits an expert has ``rest_days``
working days off (default 0).

Two visits of one expert must not have overlapping date ranges (both ends inclusive); when one
ends before the next begins, at least ``params.rest_days`` working days lie strictly between the
end of the first and the start of the second. Not from a seed: an office's common sense.
"""

from __future__ import annotations

import heapq
from bisect import bisect_right
from collections import defaultdict
from datetime import date, timedelta
from typing import TYPE_CHECKING

from constraints.base import Violation
from constraints.coverage import expert_text, visit_text
from constraints.working_days import WorkdayIndex
from inputs.scenario import Scenario
from scheduler.plan import Plan, Visit

if TYPE_CHECKING:
    from scheduler.model import Model

RULE = "R5"


def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Every pair of an expert's visits: no overlap, and enough rest between them.

    Near-linear: each expert's visits are sorted once and swept in order of start (a heap holds the
    visits still running), so a plan with thousands of visits, even copies of one, is checked in
    seconds. Overlapping pairs are reported one by one up to :data:`MAX_PAIRS` per expert, and the
    rest counted in one line.
    """
    by_expert: dict[str, list[Visit]] = defaultdict(list)
    for visit in plan.visits:
        if visit.end < visit.start:
            continue  # reported by R0; it has no days to overlap
        for expert_id in dict.fromkeys((*visit.members, visit.leader)):
            by_expert[expert_id].append(visit)
    index = WorkdayIndex.of(scenario.calendar)
    violations: list[Violation] = []
    for expert_id in sorted(by_expert):
        visits = sorted(by_expert[expert_id], key=lambda v: (v.start, v.end, v.institution))
        violations += _overlaps(scenario, expert_id, visits)
        violations += _rests(scenario, index, expert_id, visits)
    return violations


MAX_PAIRS = 20  # overlapping pairs reported one by one per expert


def _overlaps(scenario: Scenario, expert_id: str, visits: list[Visit]) -> list[Violation]:
    found: list[Violation] = []
    pairs = 0
    running: list[tuple[date, int]] = []  # (end, position) of the visits begun and not yet ended
    for n, second in enumerate(visits):
        while running and running[0][0] < second.start:
            heapq.heappop(running)
        pairs += len(running)
        if len(found) < MAX_PAIRS:
            for _, m in sorted(running, key=lambda r: r[1])[: MAX_PAIRS - len(found)]:
                found.append(_overlap(scenario, expert_id, visits[m], second))
        heapq.heappush(running, (second.end, n))
    if pairs > len(found):
        found.append(
            Violation(
                RULE,
                expert_id,
                f"{expert_text(scenario, expert_id)} 还有 {pairs - len(found)} 对日期重叠的巡查未逐一列出"
                f"（共 {pairs} 对）",
            )
        )
    return found


def _overlap(scenario: Scenario, expert_id: str, first: Visit, second: Visit) -> Violation:
    return Violation(
        RULE,
        expert_id,
        f"{expert_text(scenario, expert_id)} 同时被安排在{visit_text(scenario, first)}和"
        f"{visit_text(scenario, second)}中，两者日期重叠",
    )


def _rests(scenario: Scenario, index: WorkdayIndex, expert_id: str, visits: list[Visit]) -> list[Violation]:
    rest = scenario.params.rest_days
    if rest <= 0:
        return []
    starts = [v.start for v in visits]
    # The nearest later visit that does not overlap is the tightest gap; of those starting that day,
    # the first by institution id.
    earliest: dict[date, Visit] = {}
    for v in visits:
        if v.start not in earliest or v.institution < earliest[v.start].institution:
            earliest[v.start] = v
    found: list[Violation] = []
    for first in visits:
        after = bisect_right(starts, first.end)
        if after == len(visits):
            continue
        second = earliest[starts[after]]
        gap = index.count(first.end + timedelta(days=1), second.start - timedelta(days=1))
        if gap is None or gap >= rest:
            continue
        found.append(
            Violation(
                RULE,
                expert_id,
                f"{expert_text(scenario, expert_id)} 在{visit_text(scenario, first)}与"
                f"{visit_text(scenario, second)}之间只有 {gap} 个工作日休息，至少应有 {rest} 个",
            )
        )
    return found


# -- model face: how the rule enters the CP-SAT model (see scheduler.model) -------------------


def add(m: Model) -> None:
    """R5 and R8 (unavailable dates): each expert's visits, rest tails and absences never overlap."""
    from itertools import groupby

    from ortools.sat.python import cp_model

    cp = m.cp
    rest = m.scenario.params.rest_days
    for k in sorted(m.tasks_of):
        intervals = []
        blocked = m.instance.blocked.get(k, set())
        bad_starts: dict[int, set[int]] = {}  # visit length -> starts whose days touch an absence
        for t in m.tasks_of[k]:
            task = m.task(t)
            size = task.days + rest
            intervals.append(
                cp.new_optional_fixed_size_interval_var(
                    m.start[t], size, m.x[t, k], f"on[{task.name},{m.instance.experts[k].id}]"
                )
            )
            if blocked and rest:
                # with rest days the tail may touch an absence; forbid only the visit's own days
                if task.days not in bad_starts:
                    bad_starts[task.days] = {w - d for w in blocked for d in range(task.days)}
                bad = bad_starts[task.days]
                values = [w for w in task.start_values() if w not in bad]
                if len(values) < len(task.start_values()):
                    cp.add_linear_expression_in_domain(
                        m.start[t], cp_model.Domain.from_values(values)
                    ).only_enforce_if(m.x[t, k])
        if blocked and not rest:
            for _, run in groupby(enumerate(sorted(blocked)), key=lambda p: p[1] - p[0]):
                days = [w for _, w in run]
                intervals.append(cp.new_fixed_size_interval_var(days[0], len(days), "absent"))
        if len(intervals) > 1:
            cp.add_no_overlap(intervals)
