"""Pools of interchangeable experts and a lower bound on each pool's heaviest load (SPEC §6).

Computed from the scenario alone, independently of the solver (nothing from ``scheduler`` but the
``Plan`` type), so the benchmark can say how far a plan is from the best any plan could do.

- An expert is *eligible* for a non-exempt institution when no conflict keeps them away (R6: employer
  is the institution's id or name, or a ``conflicts`` row) and the district rule lets them in (R7: a
  pairing inspecting the institution's district for its tier → only the inspecting districts; else
  with ``home_district_only`` → the institution's own district; else anyone).
- A *pool* is a connected component of the bipartite eligibility graph: experts linked through the
  institutions they could both visit. Exempt institutions take no part.
- The bound of a pool is the largest of three averages, each a load some expert must reach:
  ``person-days`` — each visit's smallest valid team times its minimum days, over the pool's size;
  ``leaders`` — visit days over the leader-eligible experts (every visit day needs one leader);
  ``skill:<name>`` — per required skill, visit days needing it over the experts holding it.

Availability, caps and the calendar are ignored: leaving rules out can only lower the bound. With
standing teams (R11) the pools are the teams and the bound is not computed (``n/a``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from inputs.scenario import Expert, Institution, Scenario
from scheduler.plan import Plan

PERSON_DAYS = "person-days"
LEADERS = "leaders"
NOT_AVAILABLE = "n/a"


def skill_term(skill: str) -> str:
    """The name of the bound's term for one required skill."""
    return f"skill:{skill}"


@dataclass(frozen=True)
class Pool:
    """Experts who can stand in for one another, and the institutions they could visit."""

    name: str
    experts: tuple[str, ...]
    institutions: tuple[str, ...]

    @property
    def size(self) -> int:
        return len(self.experts)


@dataclass(frozen=True)
class Bound:
    """The lower bound on a pool's heaviest load, in visit days.

    ``value`` is the exact largest term as a float and ``ceil`` the whole-day bound (loads are whole
    days); both are None when the bound does not apply (standing teams). ``decided_by`` names the
    largest term; ``terms`` holds every term. ``unservable`` lists institutions no team of eligible
    experts could visit at all; they are left out of every term.
    """

    pool: str
    value: float | None
    ceil: int | None
    decided_by: str
    terms: dict[str, float] = field(default_factory=dict)
    unservable: tuple[str, ...] = ()


# -- eligibility ---------------------------------------------------------------------------------------
class _Eligibility:
    """R6 and R7 for one scenario, with the lookups built once."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.conflicts = {(c.expert_id, c.institution_id) for c in scenario.conflicts}
        self.by_district: dict[str, list[Expert]] = {}
        for expert in scenario.experts:
            self.by_district.setdefault(expert.district, []).append(expert)
        self.rank = {e.id: n for n, e in enumerate(scenario.experts)}

    def districts(self, inst: Institution) -> set[str] | None:
        """R7: the districts the team may come from; None means anywhere."""
        paired = {
            p.inspecting_district
            for p in self.scenario.pairings
            if p.inspected_district == inst.district and p.covers(inst.tier)
        }
        if paired:
            return paired
        if self.scenario.params.home_district_only:
            return {inst.district}
        return None

    def conflicted(self, expert: Expert, inst: Institution) -> bool:
        """R6: the expert works there, or a conflicts row keeps them away."""
        return expert.employer in (inst.id, inst.name) or (expert.id, inst.id) in self.conflicts

    def eligible(self, expert: Expert, inst: Institution) -> bool:
        allowed = self.districts(inst)
        return (allowed is None or expert.district in allowed) and not self.conflicted(expert, inst)

    def experts_for(self, inst: Institution) -> list[Expert]:
        """Eligible experts of ``inst``, in scenario order."""
        allowed = self.districts(inst)
        if allowed is None:
            candidates: Iterable[Expert] = self.scenario.experts
        else:
            found = (e for d in allowed for e in self.by_district.get(d, ()))
            candidates = sorted(found, key=lambda e: self.rank[e.id])
        return [e for e in candidates if not self.conflicted(e, inst)]


def eligible(scenario: Scenario, expert: Expert, inst: Institution) -> bool:
    """Whether ``expert`` may be on a team visiting ``inst`` under R6 and R7 (standing teams ignored)."""
    return _Eligibility(scenario).eligible(expert, inst)


# -- pools ---------------------------------------------------------------------------------------------
def pools(scenario: Scenario) -> list[Pool]:
    """The connected components of the eligibility graph that hold at least one expert and one
    institution, ordered by their first expert in the scenario; with standing teams, one pool per team.
    """
    if scenario.teams:
        return [_team_pool(scenario, t.name) for t in scenario.teams]
    rules = _Eligibility(scenario)
    parent: dict[str, str] = {}

    def find(node: str) -> str:
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    linked: set[str] = set()
    for inst in scenario.institutions:
        if inst.exempt:
            continue
        for expert in rules.experts_for(inst):
            parent[find(f"e:{expert.id}")] = find(f"i:{inst.id}")
            linked.update((f"e:{expert.id}", f"i:{inst.id}"))

    members: dict[str, tuple[list[str], list[str]]] = {}
    for expert in scenario.experts:
        if f"e:{expert.id}" in linked:
            members.setdefault(find(f"e:{expert.id}"), ([], []))[0].append(expert.id)
    for inst in scenario.institutions:
        root = find(f"i:{inst.id}") if f"i:{inst.id}" in linked else None
        if root in members:
            members[root][1].append(inst.id)

    out: list[Pool] = []
    taken: set[str] = set()
    for expert_ids, inst_ids in members.values():
        name = _pool_name(scenario, expert_ids, inst_ids)
        unique, n = name, 2
        while unique in taken:
            unique, n = f"{name}#{n}", n + 1
        taken.add(unique)
        out.append(Pool(unique, tuple(expert_ids), tuple(inst_ids)))
    return out


def _pool_name(scenario: Scenario, expert_ids: Sequence[str], inst_ids: Sequence[str]) -> str:
    """The experts' districts, then ``→`` and any other districts they visit: ``长寿区→巴南区``."""
    own = list(dict.fromkeys(scenario.expert_by_id[x].district for x in expert_ids))
    visited = dict.fromkeys(scenario.institution_by_id[i].district for i in inst_ids)
    others = [d for d in visited if d not in own]
    name = "、".join(own)
    return f"{name}→{'、'.join(others)}" if others else name


def _team_pool(scenario: Scenario, team_name: str) -> Pool:
    team = next(t for t in scenario.teams if t.name == team_name)
    inst_ids = tuple(i.id for i in scenario.institutions if not i.exempt and team.covers(i.tier))
    return Pool(team.name, tuple(team.members), inst_ids)


# -- the bound -----------------------------------------------------------------------------------------
def smallest_team(
    required: Sequence[str], experts: Iterable[Expert], team_min: int, team_max: int | None = None
) -> int | None:
    """The fewest of ``experts`` that together hold every ``required`` skill and include a
    leader-eligible one, raised to ``team_min``; None when no such team exists within ``team_max``.

    Exact: experts with the same skills (among the required ones) and leader flag are interchangeable,
    and one of each kind is enough, so a 0/1 search over the kinds, on states (skills covered, leader
    present), finds the minimum.
    """
    pool = list(experts)
    wanted = list(dict.fromkeys(required))
    bit = {skill: 1 << n for n, skill in enumerate(wanted)}
    full = (1 << len(wanted)) - 1
    kinds = sorted({(sum(bit.get(s, 0) for s in set(e.skills)), e.leader) for e in pool})
    fewest: dict[tuple[int, bool], int] = {(0, False): 0}
    for mask, leader in kinds:
        for (covered, has_leader), count in list(fewest.items()):
            state = (covered | mask, has_leader or leader)
            if count + 1 < fewest.get(state, len(pool) + 1):
                fewest[state] = count + 1
    need = fewest.get((full, True))
    if need is None:
        return None
    size = max(team_min, need)
    if size > len(pool) or (team_max is not None and size > team_max):
        return None
    return size


def lower_bound(scenario: Scenario, pool: Pool) -> Bound:
    """The largest of the person-days, leaders and per-skill averages of ``pool`` (module docstring)."""
    if scenario.teams:
        return Bound(pool.name, None, None, NOT_AVAILABLE)
    rules = _Eligibility(scenario)
    experts = [scenario.expert_by_id[x] for x in pool.experts]
    person_days = 0
    visit_days = 0
    skill_days: dict[str, int] = {}
    unservable: list[str] = []
    for inst_id in pool.institutions:
        inst = scenario.institution_by_id[inst_id]
        rule = scenario.rule(inst.tier)
        team = smallest_team(
            rule.required_skills,
            [e for e in experts if rules.eligible(e, inst)],
            rule.team_min,
            rule.team_max,
        )
        if team is None:
            unservable.append(inst_id)
            continue
        days = scenario.min_days(inst)
        person_days += team * days
        visit_days += days
        for skill in dict.fromkeys(rule.required_skills):
            skill_days[skill] = skill_days.get(skill, 0) + days

    terms: dict[str, Fraction] = {
        PERSON_DAYS: _average(person_days, len(experts)),
        LEADERS: _average(visit_days, sum(e.leader for e in experts)),
    }
    for skill, days in skill_days.items():
        terms[skill_term(skill)] = _average(days, sum(skill in e.skills for e in experts))
    decided_by = PERSON_DAYS
    for name, term in terms.items():
        if term > terms[decided_by]:
            decided_by = name
    best = terms[decided_by]
    return Bound(
        pool=pool.name,
        value=float(best),
        ceil=math.ceil(best),
        decided_by=decided_by,
        terms={name: float(term) for name, term in terms.items()},
        unservable=tuple(unservable),
    )


def _average(total: int, people: int) -> Fraction:
    """``total`` days shared by ``people``; nothing to share is 0 even with nobody to share it."""
    if total == 0:
        return Fraction(0)
    if people == 0:  # cannot happen for servable visits: their teams come from the pool
        raise ValueError("visit days with nobody in the pool to carry them")
    return Fraction(total, people)


# -- loads ---------------------------------------------------------------------------------------------
def loads(scenario: Scenario, plan: Plan) -> dict[str, int]:
    """Visit days per expert in ``plan`` (every expert of the scenario, 0 when unused).

    A visit's days are the plan's working-day count, or counted on the calendar when the plan left it out.
    """
    out = {e.id: 0 for e in scenario.experts}
    for visit in plan.visits:
        days = visit.days if visit.days >= 0 else scenario.calendar.count_workdays(visit.start, visit.end)
        for member in dict.fromkeys((visit.leader, *visit.members)):
            out[member] = out.get(member, 0) + days
    return out
