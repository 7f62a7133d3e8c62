"""R16 — pins (指定): where the planner fixes an institution's start date (``fixed_start``), leader
(``fixed_leader``) or members (``fixed_members``), the plan keeps them.

What is already agreed stays agreed: a hospital asked for a week, the commission's leader leads
the first visit, two experts go together. A pin binds the institution's (first) visit, not its
follow-up (R15); a pinned member list is a floor — the plan may add members the tier needs. A pin
that breaks another rule by itself is refused when the scenario is read (``inputs.controls``).
A pinned institution that cannot be visited at all is left out with its reasons, like any other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from constraints.base import Violation
from constraints.coverage import expert_text, visit_text
from inputs.scenario import Scenario
from scheduler.plan import Plan

if TYPE_CHECKING:
    from scheduler.model import Model

RULE = "R16"


def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Each pinned institution's visit starts on the pinned date, is led by the pinned leader and has
    every pinned member."""
    violations: list[Violation] = []
    for visit in plan.visits:
        if visit.kind != "visit":
            continue
        inst = scenario.institution_by_id.get(visit.institution)
        if inst is None or not inst.pinned:
            continue
        where = visit_text(scenario, visit)
        if inst.fixed_start is not None and visit.start != inst.fixed_start:
            violations.append(
                Violation(RULE, inst.id, f"{where}未按指定开始日期 {inst.fixed_start.isoformat()} 开始")
            )
        if inst.fixed_leader is not None and visit.leader != inst.fixed_leader:
            violations.append(
                Violation(
                    RULE,
                    inst.id,
                    f"{where}的组长是 {expert_text(scenario, visit.leader)}，"
                    f"而指定组长是 {expert_text(scenario, inst.fixed_leader)}",
                )
            )
        members = set(visit.members) | {visit.leader}
        for expert_id in inst.fixed_members:
            if expert_id not in members:
                violations.append(
                    Violation(RULE, inst.id, f"{where}缺少指定成员 {expert_text(scenario, expert_id)}")
                )
    return violations


# -- model face: how the rule enters the CP-SAT model (see scheduler.model) -------------------


def add(m: Model) -> None:
    """R16: a present pinned visit starts on its pinned working day, and its pinned leader leads it and
    its pinned members sit on it; a pin the visit's variables cannot take leaves it out."""
    instance = m.instance
    experts = instance.expert_index()
    cp = m.cp
    for task in m.tasks:
        inst = task.inst
        if task.kind != "visit" or not inst.pinned:
            continue
        t = task.index
        present = m.present[t]
        if inst.fixed_start is not None:
            w = instance.index_of(inst.fixed_start)
            fits = w < instance.horizon and instance.workdays[w] == inst.fixed_start
            if fits and any(lo <= w <= hi for lo, hi in task.starts):
                cp.add(m.start[t] == w).only_enforce_if(present)
            else:
                cp.add(present == 0)
        wanted = [(experts.get(e), m.x) for e in inst.fixed_members]
        if inst.fixed_leader is not None:
            k = experts.get(inst.fixed_leader)
            wanted.append((k, m.x))
            if not task.team_staffed:
                wanted.append((k, m.lead))
        for k, variables in wanted:
            var = variables.get((t, k)) if k is not None else None
            if var is None:
                cp.add(present == 0)
            else:
                cp.add(var == 1).only_enforce_if(present)
