"""R15 — follow-up visits (回头看).

An institution marked for one (column ``followup`` 是, or one of a share ``followup_share`` of the
visited institutions chosen by the planner's seed; one marked 否 is not counted) gets a second
visit, ``kind: followup``, of ``followup_days`` working days (default 1) by ``followup_team_min``–
``followup_team_max`` experts (default 2–3) with one leader-eligible leader, starting no earlier
than ``feedback_days`` (default 30) + ``rectify_days`` (default 60) calendar days after its first
visit ends and ending by ``followup_deadline`` (default the deadline). R2, R5, R6, R7, R8 and R10
hold for it as for any visit (their own checks read every visit); at least one member of the first
visit's team takes part unless ``followup_continuity`` is 否. A follow-up that cannot fit is listed
in ``unscheduled`` with ``kind: followup``, its first visit kept. Sources: seeds 000, 001, 003, 004.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

from constraints.base import Violation
from constraints.coverage import expert_text, institution_text, visit_text
from inputs.scenario import Scenario
from scheduler.plan import Plan, Visit

if TYPE_CHECKING:
    from ortools.sat.python.cp_model import IntVar

    from scheduler.greedy import Assignment
    from scheduler.model import Model

RULE = "R15"


def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Each follow-up against its first visit and the round's parameters; every institution marked
    for one has it (planned or listed as left out); a share is met in a complete plan."""
    firsts: dict[str, Visit] = {}
    for v in plan.visits:
        if v.kind != "followup":
            firsts.setdefault(v.institution, v)
    by_institution: dict[str, list[Visit]] = defaultdict(list)
    for v in plan.visits:
        if v.kind == "followup":
            by_institution[v.institution].append(v)
    found: list[Violation] = []
    for inst_id in sorted(by_institution):
        visits = by_institution[inst_id]
        if len(visits) > 1:
            found.append(
                Violation(
                    RULE, inst_id, f"{institution_text(scenario, inst_id)} 被安排了 {len(visits)} 次回头看"
                )
            )
        first = firsts.get(inst_id)
        for v in visits:
            found += [Violation(RULE, inst_id, m) for m in _problems(scenario, v, first)]
    listed = {u.institution for u in plan.unscheduled if u.kind == "followup"}
    for u in plan.unscheduled:
        if u.kind == "followup" and u.institution not in firsts:
            found.append(
                Violation(
                    RULE,
                    u.institution,
                    f"{institution_text(scenario, u.institution)} 的回头看列为未安排，但其首次巡查也没有安排",
                )
            )
    for inst in scenario.institutions:
        if inst.id not in firsts:
            continue
        has = inst.id in by_institution or inst.id in listed
        if inst.followup and not has:
            found.append(
                Violation(
                    RULE,
                    inst.id,
                    f"{institution_text(scenario, inst.id)} 标为回头看，已安排首次巡查，却既没有安排回头看，"
                    "也没有列入“未安排”名单并说明原因",
                )
            )
        if inst.followup is False and inst.id in by_institution:
            found.append(
                Violation(
                    RULE, inst.id, f"{institution_text(scenario, inst.id)} 的“回头看”为否，却安排了回头看"
                )
            )
    share = scenario.params.followup_share
    complete = not any(u.kind != "followup" for u in plan.unscheduled)
    if share > 0 and complete:
        opted_out = {i.id for i in scenario.institutions if i.followup is False}
        counted = [i for i in firsts if i not in opted_out]  # 否 opts an institution out of the share
        need = math.ceil(share * len(counted) - 1e-9)
        have = len(set(by_institution) | listed)
        if have < need:
            found.append(
                Violation(
                    RULE,
                    "",
                    f"回头看比例为 {share:.0%}，已巡查且未标为不做回头看的 {len(counted)} 家机构中至少应有 "
                    f"{need} 家安排回头看，计划中只有 {have} 家",
                )
            )
    return found


def _problems(scenario: Scenario, visit: Visit, first: Visit | None) -> list[str]:
    p = scenario.params
    where = visit_text(scenario, visit)
    if first is None:
        return [f"{where}：该机构没有首次巡查，回头看无从谈起"]
    found: list[str] = []
    lag = p.feedback_days + p.rectify_days
    earliest = first.end + timedelta(days=lag)
    if visit.start < earliest:
        found.append(
            f"{where}开始过早：首次巡查于 {first.end.isoformat()} 结束，须隔反馈 {p.feedback_days} 天和整改 "
            f"{p.rectify_days} 天，最早 {earliest.isoformat()} 开始"
        )
    last = p.followup_deadline if p.followup_deadline is not None else p.deadline
    if visit.end > last:
        found.append(f"{where}结束于回头看截止日期 {last.isoformat()} 之后")
    members = set(visit.members)
    if len(members) != len(visit.members):
        found.append(f"{where}：组员名单中有重复的专家")
    if not p.followup_team_min <= len(members) <= p.followup_team_max:
        found.append(
            f"{where}有 {len(members)} 名组员，回头看组应为 {p.followup_team_min}–{p.followup_team_max} 人"
        )
    if not visit.leader or visit.leader not in members:
        found.append(f"{where}：组长应为组员之一（每个回头看组有且只有一名组长）")
    else:
        leader = scenario.expert_by_id.get(visit.leader)
        if leader is not None and not leader.leader:
            found.append(f"{where}：组长 {expert_text(scenario, visit.leader)} 不具备组长资格")
    if p.followup_continuity and not members & set(first.members):
        found.append(
            f"{where}：组员中没有首次巡查（{first.start.isoformat()} 起）的组员，回头看须至少保留一名"
        )
    return found


# -- model face: how the rule enters the CP-SAT model (see scheduler.model) -------------------


def add(m: Model) -> None:
    """R15 continuity: a follow-up has one member of its first visit's team (unless
    ``followup_continuity`` is 否). Its length, team size and leader are its task's (``scheduler.
    followups``, posted by R4's face), its distance from the first visit a precedence
    (``scheduler.precedence``)."""
    if not m.scenario.params.followup_continuity:
        return
    cp = m.cp
    for task in m.tasks:
        parent = task.parent
        if task.kind != "followup" or parent is None or parent not in m.start:
            continue
        t = task.index
        both = []
        for k in task.candidates:
            if (parent, k) not in m.x:
                continue
            y = cp.new_bool_var(f"kept[{task.name},{m.instance.experts[k].id}]")
            cp.add_implication(y, m.x[t, k])
            cp.add_implication(y, m.x[parent, k])
            both.append((k, y))
        cp.add(sum(y for _, y in both) >= m.present[t])
        m.derive(partial(_kept, t, parent, both))


def _kept(
    t: int, parent: int, both: list[tuple[int, IntVar]], plan: Mapping[int, Assignment]
) -> Iterable[tuple[IntVar, int]]:
    """In ``plan``: who of the candidates sits on both follow-up ``t`` and its first visit."""
    a, first = plan.get(t), plan.get(parent)
    kept = set(a.members) & set(first.members) if a is not None and first is not None else set()
    return ((y, int(k in kept)) for k, y in both)
