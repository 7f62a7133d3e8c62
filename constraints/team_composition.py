"""R4 — each visit has exactly one leader, who is leader-eligible; the team's size is within the
tier's bounds; together the members cover the tier's required skills.

The leader is one of the members, named once, and no member is listed twice. The leader must be
eligible (可任组长) — except on a standing-team visit, where the leader must be that team's named
leader (R11). Team size lies between the tier's ``team_min`` and ``team_max``; the maximum does not
bind a standing team (the office sized it), the minimum does. The required skills default to the five
parts inspected: 党建, 行风, 医疗管理, 财务, 安全生产. Sources: seeds 000, 001, 003.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from constraints.base import Violation
from constraints.coverage import expert_text, experts_text, visit_text
from inputs.scenario import TIER_LABELS, Scenario
from scheduler.plan import Plan, Visit

if TYPE_CHECKING:
    from scheduler.model import Model

RULE = "R4"


def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Leader, size and skills of every visit's team."""
    violations: list[Violation] = []
    for visit in plan.visits:
        if visit.kind == "followup":
            continue  # a follow-up's team is R15's (constraints.followups)
        violations += [Violation(RULE, visit.institution, m) for m in _problems(scenario, visit)]
    return violations


def _problems(scenario: Scenario, visit: Visit) -> list[str]:
    where = visit_text(scenario, visit)
    found: list[str] = []
    doubled = [e for e, n in Counter(visit.members).items() if n > 1]
    if doubled:
        found.append(f"{where}：组员名单中重复列出了 {experts_text(scenario, doubled)}")
    found += _leader_problems(scenario, visit, where)
    inst = scenario.institution_by_id.get(visit.institution)
    if inst is None:
        return found
    rule = scenario.rule(inst.tier)
    tier = TIER_LABELS.get(inst.tier, inst.tier)
    size = len(set(visit.members))
    if size < rule.team_min:
        found.append(f"{where}只有 {size} 名组员，{tier}机构的巡查组至少需要 {rule.team_min} 人")
    if visit.team is None and size > rule.team_max:
        found.append(f"{where}有 {size} 名组员，{tier}机构的巡查组最多 {rule.team_max} 人")
    skills = {s for e in visit.members if e in scenario.expert_by_id for s in scenario.expert_by_id[e].skills}
    missing = [s for s in rule.required_skills if s not in skills]
    if missing:
        found.append(f"{where}：组员中无人具备以下必需专长：{'、'.join(missing)}")
    return found


def _leader_problems(scenario: Scenario, visit: Visit, where: str) -> list[str]:
    if not visit.leader:
        return [f"{where}没有指定组长"]
    found: list[str] = []
    leader = expert_text(scenario, visit.leader)
    if visit.leader not in visit.members:
        found.append(f"{where}：组长 {leader} 不在组员名单中（每个巡查组有且只有一名组长，且组长也是组员）")
    if visit.team is not None:
        team = next((t for t in scenario.teams if t.name == visit.team), None)
        if team is not None and visit.leader != team.leader:
            found.append(
                f"{where}由固定巡查组“{team.name}”承担，组长应为该组组长 "
                f"{expert_text(scenario, team.leader)}，而不是 {leader}"
            )
        return found
    expert = scenario.expert_by_id.get(visit.leader)
    if expert is not None and not expert.leader:
        found.append(f"{where}：组长 {leader} 不具备组长资格（专家表“可任组长”为否）")
    return found


# -- model face: how the rule enters the CP-SAT model (see scheduler.model) -------------------


def add(m: Model) -> None:
    """R4 for pool-staffed visits: one eligible leader, size bounds, skills covered."""
    cp = m.cp
    experts = m.instance.experts
    for task in m.tasks:
        if task.team_staffed:
            continue
        t = task.index
        xs = [m.x[t, k] for k in task.candidates]
        cp.add(sum(xs) >= task.team_min * m.present[t])
        cp.add(sum(xs) <= task.team_max * m.present[t])
        leads = [m.lead[t, k] for k in task.candidates if (t, k) in m.lead]
        cp.add(sum(leads) == m.present[t])
        for k in task.candidates:
            if (t, k) in m.lead:
                cp.add_implication(m.lead[t, k], m.x[t, k])
            cp.add_implication(m.x[t, k], m.present[t])
        for skill in task.skills:
            holders = [m.x[t, k] for k in task.candidates if skill in experts[k].skills]
            cp.add(sum(holders) >= m.present[t])
