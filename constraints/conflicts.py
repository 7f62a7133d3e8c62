"""R6 — conflict of interest (回避): an expert never inspects their own employer, nor an institution
listed for them in the ``conflicts`` sheet.

The employer may be an institution id or free text, so an employer equal to the institution's id or
to its name counts. Sources: seeds 000, 003, 004. :func:`conflict_reason` is the checks' definition of
a conflict (R11's check uses it to decide who steps aside from a standing team); the solver's side and
the read-time controls read R6 through ``inputs.eligibility``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from constraints.base import Violation
from constraints.coverage import expert_text, visit_text
from inputs.eligibility import excluded, listed_conflicts
from inputs.scenario import Conflict, Expert, Institution, Scenario
from scheduler.plan import Plan

if TYPE_CHECKING:
    from scheduler.model import Model

RULE = "R6"


def conflict_rows(scenario: Scenario) -> dict[tuple[str, str], Conflict]:
    """The ``conflicts`` sheet by (expert id, institution id)."""
    return {(c.expert_id, c.institution_id): c for c in scenario.conflicts}


def conflict_reason(expert: Expert, inst: Institution, rows: dict[tuple[str, str], Conflict]) -> str | None:
    """Why ``expert`` must not inspect ``inst`` (in Chinese), or ``None`` when they may."""
    if expert.employer is not None and expert.employer in (inst.id, inst.name):
        return f"其工作单位即为{inst.name}"
    row = rows.get((expert.id, inst.id))
    if row is not None:
        return f"回避名单中列有该机构（{row.reason}）" if row.reason else "回避名单中列有该机构"
    return None


def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """No member of a visit has a conflict with the visited institution."""
    rows = conflict_rows(scenario)
    violations: list[Violation] = []
    for visit in plan.visits:
        inst = scenario.institution_by_id.get(visit.institution)
        if inst is None:
            continue
        for member_id in dict.fromkeys((*visit.members, visit.leader)):
            expert = scenario.expert_by_id.get(member_id)
            if expert is None:
                continue
            reason = conflict_reason(expert, inst, rows)
            if reason is not None:
                violations.append(
                    Violation(
                        RULE,
                        visit.institution,
                        f"{expert_text(scenario, member_id)} 须回避{visit_text(scenario, visit)}：{reason}",
                    )
                )
    return violations


# -- model face: how the rule enters the CP-SAT model (see scheduler.model) -------------------


def add(m: Model) -> None:
    """R6: a conflicted expert gets no variable for that visit (``scheduler.instance`` filters the
    candidates with :func:`inputs.eligibility.excluded`); here every remaining candidate is
    checked once more."""
    listed = listed_conflicts(m.scenario)
    for (t, k), var in m.x.items():
        if excluded(m.scenario, m.instance.experts[k], m.task(t).inst, listed):
            m.cp.add(var == 0)
