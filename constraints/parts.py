"""R4, division of work (分工) — every member is given the parts they inspect, only parts whose skill
they hold; a required skill written `医疗管理*2` needs at least two members on that part; where the
tier has ``one_part_each`` (分组巡查, as hospital teams split into 党建组, 行风组, …) each member takes
exactly one part, otherwise one or more. The sub-leader (小组长) of a part is one of its members.

The parts are the tier's required skills (default 党建, 行风, 医疗管理, 财务, 安全生产); with every
count one and without ``one_part_each`` R4's coverage (``constraints.team_composition``) is all the
model needs, and the plan names the parts after solving. Sources: seeds 000 (组长 and 小组长), 001,
003.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial
from typing import TYPE_CHECKING

from constraints.base import Violation
from constraints.coverage import expert_text, experts_text, visit_text
from inputs.scenario import TIER_LABELS, Scenario, TierRule
from scheduler.parts import divide
from scheduler.plan import Plan, Visit

if TYPE_CHECKING:
    from ortools.sat.python.cp_model import IntVar

    from scheduler.greedy import Assignment
    from scheduler.instance import Instance, Task
    from scheduler.model import Model

RULE = "R4"

# Hall's inequalities for one part each are posted over every subset of the parts up to this many
# parts; a tier with more gets explicit part variables instead.
HALL_PARTS = 8


def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Each visit's division of work against its tier's parts and counts."""
    violations: list[Violation] = []
    for visit in plan.visits:
        if getattr(visit, "kind", "visit") != "visit":
            continue  # a follow-up (回头看) has no parts to divide
        inst = scenario.institution_by_id.get(visit.institution)
        if inst is None:
            continue
        rule = scenario.rule(inst.tier)
        violations += [Violation(RULE, visit.institution, m) for m in _problems(scenario, visit, rule)]
    return violations


def _problems(scenario: Scenario, visit: Visit, rule: TierRule) -> list[str]:
    where = visit_text(scenario, visit)
    tier = TIER_LABELS.get(rule.tier, rule.tier)
    if not visit.parts:
        if not rule.divides_work:
            return []  # a plan that states no division; R4's coverage is checked on its own
        return [f"{where}没有给出分工（{tier}机构的巡查须写明每名组员负责的分工）"]
    found: list[str] = []
    members = list(dict.fromkeys(visit.members))
    given: dict[str, tuple[str, ...]] = {}
    for member, parts in visit.parts:
        if member in given:
            found.append(f"{where}：分工中重复列出了 {expert_text(scenario, member)}")
            continue
        given[member] = parts
    outsiders = [m for m in given if m not in members]
    if outsiders:
        found.append(f"{where}：分工中的 {experts_text(scenario, outsiders)} 不是该组组员")
    required = rule.required_skills
    on: dict[str, list[str]] = {part: [] for part in required}
    for member in members:
        parts = given.get(member, ())
        expert = scenario.expert_by_id.get(member)
        held = set(expert.skills) if expert is not None else set()
        who = expert_text(scenario, member)
        unknown = [p for p in parts if p not in on]
        if unknown:
            found.append(f"{where}：{who} 的分工“{'、'.join(unknown)}”不是{tier}机构的巡查分工")
        unheld = [p for p in parts if p in on and p not in held]
        if unheld:
            found.append(f"{where}：{who} 不具备“{'、'.join(unheld)}”专长，不能负责该项分工")
        distinct = list(dict.fromkeys(parts))
        if rule.one_part_each and len(distinct) != 1:
            found.append(
                f"{where}：{tier}机构分组巡查，每名组员只负责一项分工，{who} 负责了 {len(distinct)} 项"
            )
        elif not distinct and held.intersection(required):
            found.append(f"{where}：{who} 没有分工（每名组员至少负责一项其具备专长的分工）")
        for part in distinct:
            if part in on and part in held:
                on[part].append(member)
    for part in required:
        need = rule.count(part)
        if len(on[part]) < need:
            found.append(
                f"{where}：分工“{part}”需要至少 {need} 名具备该专长的组员负责，实际 {len(on[part])} 名"
            )
    for part, lead in visit.part_leads:
        if lead not in on.get(part, ()):
            found.append(f"{where}：分工“{part}”的小组长 {expert_text(scenario, lead)} 不是负责该分工的组员")
    return found


# -- model face: how the rule enters the CP-SAT model (see scheduler.model) -------------------


def add(m: Model) -> None:
    """Part counts and one part each for the pool-staffed visits whose tier asks for them.

    A count ``n`` on a part: at least ``n`` members hold its skill. One part each: nobody without
    a required skill sits on the team, and for every set ``S`` of parts the members holding some
    part of ``S`` are at least the counts of ``S`` added up (Hall's condition: exactly when every
    member can be given one part and every part its count). Standing teams were sorted out when
    the instance was built (``scheduler.instance``): one that cannot be divided may not make the
    visit.
    """
    for task in m.tasks:
        if task.team_staffed or not task.divides_work:
            continue
        if not task.one_part_each:
            _counts(m, task)
        elif len(task.skills) <= HALL_PARTS:
            _hall(m, task)
        else:
            _part_variables(m, task)


def _holders(m: Model, task: Task, skill: str) -> list[int]:
    experts = m.instance.experts
    return [k for k in task.candidates if skill in experts[k].skills]


def _counts(m: Model, task: Task) -> None:
    t = task.index
    for skill, count in zip(task.skills, task.part_counts(), strict=True):
        if count > 1:
            m.cp.add(sum(m.x[t, k] for k in _holders(m, task, skill)) >= count * m.present[t])


def _without_part(m: Model, task: Task) -> None:
    """One part each: a candidate holding none of the parts' skills cannot sit on the team."""
    experts = m.instance.experts
    for k in task.candidates:
        if not set(task.skills).intersection(experts[k].skills):
            m.cp.add(m.x[task.index, k] == 0)


def _hall(m: Model, task: Task) -> None:
    _without_part(m, task)
    t = task.index
    counts = task.part_counts()
    experts = m.instance.experts
    masks = [
        sum(1 << n for n, k in enumerate(task.candidates) if skill in experts[k].skills)
        for skill in task.skills
    ]
    # per set of holders, the largest demand on it; a subset's holders are the union of its parts'
    union = [0] * (1 << len(masks))
    demand = [0] * (1 << len(masks))
    tightest: dict[int, int] = {}
    for subset in range(1, 1 << len(masks)):
        low = (subset & -subset).bit_length() - 1
        union[subset] = union[subset & (subset - 1)] | masks[low]
        demand[subset] = demand[subset & (subset - 1)] + counts[low]
        if demand[subset] > tightest.get(union[subset], 0):
            tightest[union[subset]] = demand[subset]
    everyone = union[-1]  # implied: only holders sit on the team, and it has at least the counts' sum
    for holders, need in sorted(tightest.items()):
        if need <= 1 or holders == everyone:
            continue  # one member of some holders is R4's coverage (constraints.team_composition)
        chosen = [m.x[t, k] for n, k in enumerate(task.candidates) if holders >> n & 1]
        m.cp.add(sum(chosen) >= need * m.present[t])


def _part_variables(m: Model, task: Task) -> None:
    """One part each with many parts: a Boolean per (member, part held), one per member."""
    _without_part(m, task)
    cp = m.cp
    t = task.index
    on: dict[str, list] = {skill: [] for skill in task.skills}
    experts = m.instance.experts
    held: dict[tuple[int, str], IntVar] = {}
    for k in task.candidates:
        mine = []
        for skill in task.skills:
            if skill in experts[k].skills:
                var = held[k, skill] = cp.new_bool_var(f"part[{task.inst.id},{experts[k].id},{skill}]")
                on[skill].append(var)
                mine.append(var)
        if mine:
            cp.add(sum(mine) == m.x[t, k])
    for skill, count in zip(task.skills, task.part_counts(), strict=True):
        cp.add(sum(on[skill]) >= count * m.present[t])
    m.derive(partial(_parts, m.instance, task, held))


def _parts(
    instance: Instance, task: Task, held: dict[tuple[int, str], IntVar], plan: Mapping[int, Assignment]
) -> Iterable[tuple[IntVar, int]]:
    """In ``plan``: each member's one part, as the plan divides the team (``scheduler.parts``)."""
    a = plan.get(task.index)
    given: dict[int, tuple[str, ...]] = {}
    if a is not None:
        members = sorted(a.members)
        divided = divide([instance.experts[k].skills for k in members], task.skills, task.part_counts(), True)
        given = dict(zip(members, divided or [()] * len(members), strict=True))
    return ((var, int(skill in given.get(k, ()))) for (k, skill), var in held.items())
