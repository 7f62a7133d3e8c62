"""R7 — cross-district inspection (区县交叉检查): where district A inspects district B, every member of
a team visiting B comes from A.

For an institution in district B of tier T: when some pairing has B as the inspected district and
covers T, every member comes from an inspecting district of such a pairing (several pairings for B
and T allow any of their inspecting districts). Without such a pairing, with ``home_district_only``
every member comes from B; otherwise from anywhere. Standing-team visits obey it too. Source: seed
003 (巴南→南岸, 长寿→巴南).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from constraints.base import Violation
from constraints.coverage import expert_text, visit_text
from inputs.eligibility import team_districts
from inputs.scenario import Institution, Scenario
from scheduler.plan import Plan

if TYPE_CHECKING:
    from scheduler.model import Model

RULE = "R7"


def allowed_districts(scenario: Scenario, inst: Institution) -> tuple[frozenset[str] | None, str]:
    """The districts a team for ``inst`` may come from (``None``: anywhere), and why, in Chinese."""
    inspecting = sorted(
        {
            p.inspecting_district
            for p in scenario.pairings
            if p.inspected_district == inst.district and p.covers(inst.tier)
        }
    )
    if inspecting:
        why = f"按交叉检查安排，{inst.district}的该类机构由{'、'.join(inspecting)}的专家检查"
        return frozenset(inspecting), why
    if scenario.params.home_district_only:
        return frozenset({inst.district}), f"本轮规定专家只检查本区县（{inst.district}）的机构"
    return None, ""


def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Every member of every visit comes from a district allowed for the institution."""
    violations: list[Violation] = []
    for visit in plan.visits:
        inst = scenario.institution_by_id.get(visit.institution)
        if inst is None:
            continue
        allowed, why = allowed_districts(scenario, inst)
        if allowed is None:
            continue
        for member_id in dict.fromkeys((*visit.members, visit.leader)):
            expert = scenario.expert_by_id.get(member_id)
            if expert is None or expert.district in allowed:
                continue
            violations.append(
                Violation(
                    RULE,
                    visit.institution,
                    f"{expert_text(scenario, member_id)} 来自{expert.district}，不应参加"
                    f"{visit_text(scenario, visit)}：{why}",
                )
            )
    return violations


# -- model face: how the rule enters the CP-SAT model (see scheduler.model) -------------------


def add(m: Model) -> None:
    """R7: only experts of the allowed districts get a variable for a visit (``scheduler.instance``
    filters candidates with :func:`inputs.eligibility.team_districts`); here any other is pinned
    to 0."""
    allowed = {task.index: team_districts(m.scenario, task.inst) for task in m.tasks}
    for (t, k), var in m.x.items():
        districts = allowed[t]
        if districts is not None and m.instance.experts[k].district not in districts:
            m.cp.add(var == 0)
