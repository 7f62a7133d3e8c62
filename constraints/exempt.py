"""R12 — institutions marked exempt (免检, e.g. passed a grade review during the cycle) get no visit
and are listed as exempt.

An exempt institution has no visit, is in the plan's ``exempt`` list and not in its unscheduled
list; a known institution that is not exempt is not in the ``exempt`` list (ids the scenario does
not know are reported by R0). Source: seed 000.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from constraints.base import Violation
from constraints.coverage import institution_text, span_text
from inputs.scenario import Scenario
from scheduler.plan import Plan, Visit

if TYPE_CHECKING:
    from scheduler.model import Model

RULE = "R12"


def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Exempt institutions are listed exempt and nowhere else; the others are not listed exempt."""
    listed = set(plan.exempt)
    unscheduled = {u.institution for u in plan.unscheduled}
    visits_of: dict[str, list[Visit]] = defaultdict(list)
    for visit in plan.visits:
        visits_of[visit.institution].append(visit)
    violations: list[Violation] = []
    for inst in scenario.institutions:
        name = institution_text(scenario, inst.id)
        if inst.exempt:
            violations += [
                Violation(
                    RULE,
                    inst.id,
                    f"{name} 为免检机构，不应安排巡查，计划却安排在 {span_text(v.start, v.end)}",
                )
                for v in visits_of.get(inst.id, ())
            ]
            if inst.id not in listed:
                violations.append(Violation(RULE, inst.id, f"{name} 为免检机构，应列入“免检”名单"))
            if inst.id in unscheduled:
                violations.append(
                    Violation(RULE, inst.id, f"{name} 为免检机构，应列入“免检”名单而不是“未安排”名单")
                )
        elif inst.id in listed:
            violations.append(
                Violation(RULE, inst.id, f"{name} 未标记为免检（机构表“免检”为否），却列入了“免检”名单")
            )
    return violations


# -- model face: how the rule enters the CP-SAT model (see scheduler.model) -------------------


def add(m: Model) -> None:
    """R12: exempt institutions get no task at all (``scheduler.instance`` skips them)."""
    for task in m.tasks:
        assert not task.inst.exempt
