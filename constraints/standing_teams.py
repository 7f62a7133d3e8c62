"""R11 — standing teams (固定巡查组): where the office has formed fixed teams, each visit is made by
one standing team within its scope.

When the scenario has ``teams``, a visit of an institution whose tier some team's scope covers names
a standing team covering that tier in ``visit.team``; visits of tiers no team covers are staffed from
the pool and name no team. On a standing-team visit the members are exactly the team's members less
those with a conflict of interest for that institution (回避, as R6 defines it), and the team's
leader leads it — if the leader must step aside, the team cannot make that visit. The tier's minimum
size and required skills still bind and its maximum does not (checked by R4). A visit naming a team
the scenario does not have is wrong in any case. Source: seed 001 (a hospital team and a grassroots
team sharing two members).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from constraints.base import Violation
from constraints.conflicts import conflict_reason, conflict_rows
from constraints.coverage import expert_text, experts_text, visit_text
from inputs.scenario import TIER_LABELS, Conflict, Institution, Scenario, Team
from scheduler.plan import Plan, Visit

if TYPE_CHECKING:
    from scheduler.model import Model

RULE = "R11"


def expected_members(
    scenario: Scenario, team: Team, inst: Institution, rows: dict[tuple[str, str], Conflict]
) -> tuple[str, ...]:
    """The team's members who may inspect ``inst``: all but those with a conflict (回避)."""
    kept = []
    for member_id in team.members:
        expert = scenario.expert_by_id.get(member_id)
        if expert is None or conflict_reason(expert, inst, rows) is None:
            kept.append(member_id)
    return tuple(kept)


def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Every visit is made by the standing team its tier calls for, less those who step aside."""
    rows = conflict_rows(scenario)
    violations: list[Violation] = []
    for visit in plan.visits:
        if visit.kind == "followup":
            continue  # R15 lists the rules a follow-up keeps; a standing team is not one of them
        violations += [Violation(RULE, visit.institution, m) for m in _problems(scenario, visit, rows)]
    return violations


def _problems(scenario: Scenario, visit: Visit, rows: dict[tuple[str, str], Conflict]) -> list[str]:
    where = visit_text(scenario, visit)
    team = next((t for t in scenario.teams if t.name == visit.team), None)
    if visit.team is not None and team is None:
        known = "、".join(f"“{t.name}”" for t in scenario.teams) or "无"
        return [f"{where}由巡查组“{visit.team}”承担，但巡查组表中没有这个组（已有：{known}）"]
    inst = scenario.institution_by_id.get(visit.institution)
    if inst is None:
        return []
    tier = TIER_LABELS.get(inst.tier, inst.tier)
    scoped = [t.name for t in scenario.teams if t.covers(inst.tier)]
    if team is None:
        if scoped:
            names = "、".join(f"“{n}”" for n in scoped)
            return [f"{where}未指定固定巡查组，{tier}机构应由固定巡查组（{names}）承担"]
        return []
    if not team.covers(inst.tier):
        scope = "、".join(TIER_LABELS.get(t, t) for t in team.tiers)
        fallback = "应由专家库另行组队" if not scoped else f"应由{'、'.join(f'“{n}”' for n in scoped)}承担"
        return [f"{where}由“{team.name}”承担，但该组只负责{scope}机构，{tier}机构{fallback}"]
    return _roster_problems(scenario, visit, team, inst, rows, where)


def _roster_problems(
    scenario: Scenario,
    visit: Visit,
    team: Team,
    inst: Institution,
    rows: dict[tuple[str, str], Conflict],
    where: str,
) -> list[str]:
    found: list[str] = []
    leader = scenario.expert_by_id.get(team.leader)
    if leader is not None and conflict_reason(leader, inst, rows) is not None:
        found.append(
            f"“{team.name}”的组长 {expert_text(scenario, team.leader)} 须回避该机构："
            f"{conflict_reason(leader, inst, rows)}；该组无法承担{where}，应列入未安排"
        )
    expected = expected_members(scenario, team, inst, rows)
    missing = [m for m in expected if m not in visit.members]
    extra = [m for m in dict.fromkeys(visit.members) if m not in expected]
    if missing:
        found.append(f"{where}由“{team.name}”承担，但缺少该组组员 {experts_text(scenario, missing)}")
    if extra:
        stepped = [m for m in extra if m in team.members]
        outsiders = [m for m in extra if m not in team.members]
        if outsiders:
            found.append(f"{where}由“{team.name}”承担，但 {experts_text(scenario, outsiders)} 不是该组组员")
        if stepped:
            found.append(f"{where}中 {experts_text(scenario, stepped)} 须回避，不应随“{team.name}”前往")
    return found


# -- model face: how the rule enters the CP-SAT model (see scheduler.model) -------------------


def add(m: Model) -> None:
    """R11: a standing-team visit is made by exactly one team in scope, its recused members stepping aside."""
    cp = m.cp
    for task in m.tasks:
        if not task.team_staffed:
            continue
        t = task.index
        cp.add(sum(m.team[t, j] for j in task.teams) == m.present[t])
        on: dict[int, list] = {}
        for j, members in zip(task.teams, task.team_members, strict=True):
            for k in members:
                on.setdefault(k, []).append(m.team[t, j])
        for k, teams in on.items():
            cp.add(m.x[t, k] == sum(teams))
