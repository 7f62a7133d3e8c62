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
  ``skill:<name>`` — per required skill, visit days needing it (times the part's count, R4) over the
  experts holding it. The smallest valid team respects part counts and one part each (R4 分工).

Follow-up visits (回头看, R15) count as visits of their own, of ``followup_days`` by at least
``followup_team_min`` eligible experts with a leader and no skill required, for the institutions
``followed`` (marked 是 in the ``followup`` column, or drawn by the planner's seed for a share: the
caller reads those from the plan; :func:`followed`); their continuity with the first team is ignored.

Availability, caps and the calendar are ignored: leaving rules out can only lower the bound. With
standing teams (R11) the pools are the teams and the bound is not computed (``n/a``).

The *stronger* bound (:func:`stronger_bound`) is the optimum of the linear relaxation of the
pool's assignment — which sees conflicts, yearly caps and the skills, leaders and sizes of each
visit together — rounded up to a load some expert can actually have (a sum of visit lengths: 7- and
5-day visits cannot make 8). Yearly caps enter it per visit length: a cap of 9 days holds one
7-day visit a year (:func:`length_capacity`). The *whole-share* bound (:func:`whole_bound`) solves
the same program with whole shares by CP-SAT for a pool a plan leaves above the stronger bound.
:func:`diagnosis` compares a plan with them: ``bound attained``, ``weak bound`` (the plan is at the
stronger bound, above the old one), ``weak bound (teams)`` (:func:`team_bound`, whole teams instead
of shares, shows no plan does better), ``weak bound (whole shares)``, ``search gap`` or ``open``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from functools import cache
from itertools import combinations
from typing import Any

from inputs.scenario import Expert, Institution, Scenario, TierRule
from scheduler.plan import Plan

PERSON_DAYS = "person-days"
LEADERS = "leaders"
NOT_AVAILABLE = "n/a"
# The name of the rule a follow-up visit (回头看) is staffed by (:func:`followup_rule`)
FOLLOWUP = "回头看"


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
    experts could visit at all; they are left out of every term, as are the follow-ups of those in
    ``unfollowed``, which no team can make (the planner leaves such a follow-up out, not its visit).
    """

    pool: str
    value: float | None
    ceil: int | None
    decided_by: str
    terms: dict[str, float] = field(default_factory=dict)
    unservable: tuple[str, ...] = ()
    unfollowed: tuple[str, ...] = ()


# -- eligibility ---------------------------------------------------------------------------------------
class Eligibility:
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
    return Eligibility(scenario).eligible(expert, inst)


# -- pools ---------------------------------------------------------------------------------------------
def pools(scenario: Scenario) -> list[Pool]:
    """The connected components of the eligibility graph that hold at least one expert and one
    institution, ordered by their first expert in the scenario; with standing teams, one pool per team.
    """
    if scenario.teams:
        return [_team_pool(scenario, t.name) for t in scenario.teams]
    rules = Eligibility(scenario)
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
    required: Sequence[str],
    experts: Iterable[Expert],
    team_min: int,
    team_max: int | None = None,
    *,
    counts: Mapping[str, int] | None = None,
    one_each: bool = False,
) -> int | None:
    """The fewest of ``experts`` that together hold every ``required`` skill and include a
    leader-eligible one, raised to ``team_min``; None when no such team exists within ``team_max``.

    R4's division of work counts too: ``counts`` gives the members a part needs (`医疗管理*2`, else 1),
    and with ``one_each`` (分组巡查) every member takes exactly one part, so a member fills one slot.

    Exact: experts with the same skills (among the required ones) and leader flag are interchangeable,
    so a search over the kinds, each taken up to the largest count times, on states (slots filled per
    part, leader present), finds the minimum.
    """
    pool = list(experts)
    wanted = list(dict.fromkeys(required))
    need = tuple(max(1, (counts or {}).get(s, 1)) for s in wanted)
    index = {skill: n for n, skill in enumerate(wanted)}
    kinds = Counter((tuple(sorted({index[s] for s in e.skills if s in index})), e.leader) for e in pool)
    copies = sum(need) if one_each else max(need, default=1)
    capped = tuple(sorted((held, leader, min(n, copies)) for (held, leader), n in kinds.items()))
    found = _fewest(capped, need, one_each)
    if found is None:
        return None
    size = max(team_min, found)
    if size > len(pool) or (team_max is not None and size > team_max):
        return None
    return size


@cache
def _fewest(
    kinds: tuple[tuple[tuple[int, ...], bool, int], ...], need: tuple[int, ...], one_each: bool
) -> int | None:
    """The fewest experts, of ``kinds`` (parts held, may lead, how many), filling ``need`` slots per
    part with a leader among them; with ``one_each`` a member fills one slot, else one of each part."""
    start: tuple[tuple[int, ...], bool] = (tuple(0 for _ in need), False)
    fewest: dict[tuple[tuple[int, ...], bool], int] = {start: 0}
    for held, leader, available in kinds:
        if one_each and not held:
            continue  # a member must take a part
        for _ in range(available):
            for (filled, has_leader), count in list(fewest.items()):
                if one_each:
                    options = [
                        tuple(min(need[j], f + (j == part)) for j, f in enumerate(filled)) for part in held
                    ]
                else:
                    options = [tuple(min(need[j], f + (j in held)) for j, f in enumerate(filled))]
                for state in options:
                    key = (state, has_leader or leader)
                    if count + 1 < fewest.get(key, sum(need) + 2):
                        fewest[key] = count + 1
    return fewest.get((need, True))


def followup_rule(scenario: Scenario) -> TierRule:
    """R15's follow-up visit as a tier's rule: ``followup_days``, ``followup_team_min``–``followup_team_max``
    members with a leader, no skill required."""
    p = scenario.params
    return TierRule(FOLLOWUP, p.followup_days, p.followup_team_min, p.followup_team_max, required_skills=())


def followed(scenario: Scenario, plan: Plan | None = None) -> frozenset[str]:
    """The institutions that get a follow-up visit: those marked 是 in the ``followup`` column (not
    exempt) and those ``plan`` gives one (``followup_share`` draws the rest with the planner's seed)."""
    marked = {i.id for i in scenario.institutions if i.followup and not i.exempt}
    planned = {v.institution for v in plan.visits if v.kind == "followup"} if plan is not None else set()
    return frozenset(marked | planned)


def _visits(
    scenario: Scenario,
    pool: Pool,
    following: Collection[str],
    unservable: Collection[str] = (),
    unfollowed: Collection[str] = (),
) -> Iterable[tuple[Institution, TierRule, int, bool]]:
    """The pool's visits as (institution, the rule staffing it, its days, whether a follow-up): each
    institution's first visit, then the follow-ups of those in ``following``; institutions in
    ``unservable`` are left out, and the follow-ups of those in ``unfollowed``."""
    again = followup_rule(scenario)
    for inst_id in pool.institutions:
        if inst_id in unservable:
            continue
        inst = scenario.institution_by_id[inst_id]
        yield inst, scenario.rule(inst.tier), scenario.min_days(inst), False
    for inst_id in pool.institutions:
        if inst_id in following and inst_id not in unservable and inst_id not in unfollowed:
            yield scenario.institution_by_id[inst_id], again, again.min_days, True


def rule_team(rule: TierRule, experts: Iterable[Expert]) -> int | None:
    """:func:`smallest_team` for a tier's rule (skills, part counts, one part each, sizes)."""
    return smallest_team(
        rule.required_skills,
        experts,
        rule.team_min,
        rule.team_max,
        counts=dict(rule.part_counts),
        one_each=rule.one_part_each,
    )


def lower_bound(scenario: Scenario, pool: Pool, following: Collection[str] = ()) -> Bound:
    """The largest of the person-days, leaders and per-skill averages of ``pool`` (module docstring),
    the institutions in ``following`` visited again (:func:`followed`)."""
    if scenario.teams:
        return Bound(pool.name, None, None, NOT_AVAILABLE)
    rules = Eligibility(scenario)
    experts = [scenario.expert_by_id[x] for x in pool.experts]
    person_days = 0
    visit_days = 0
    skill_days: dict[str, int] = {}
    unservable: list[str] = []
    unfollowed: list[str] = []
    for inst, rule, days, again in _visits(scenario, pool, following):
        if inst.id in unservable:
            continue  # nor its follow-up
        team = rule_team(rule, [e for e in experts if rules.eligible(e, inst)])
        if team is None:
            # a follow-up no team can make is left out by the planner, not the visit
            (unfollowed if again else unservable).append(inst.id)
            continue
        person_days += team * days
        visit_days += days
        for skill in dict.fromkeys(rule.required_skills):
            skill_days[skill] = skill_days.get(skill, 0) + days * rule.count(skill)

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
        unfollowed=tuple(unfollowed),
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


# -- a stronger bound, and why a pool misses the bound ---------------------------------------------------
LP = "lp"
ATTAINABLE = "attainable"
ATTAINED = "bound attained"
WEAK_BOUND = "weak bound"
SEARCH_GAP = "search gap"
WEAK_WHOLE = "weak bound (whole shares)"
WEAK_TEAMS = "weak bound (teams)"
OPEN = "open"


@dataclass(frozen=True)
class Stronger:
    """A lower bound on a pool's heaviest load at least as strong as :class:`Bound`.

    ``lp`` is the optimum of the assignment's linear relaxation (None when GLOP is missing or the
    caps leave no fractional assignment; ``lp_infeasible`` says which); ``value`` the whole-day bound:
    the smallest load some expert can have — a sum of the pool's visit lengths — that is at least
    both the old bound and the relaxation's optimum.
    """

    pool: str
    value: int | None
    lp: float | None
    decided_by: str
    lp_infeasible: bool = False


def year_capacity(scenario: Scenario, expert: Expert) -> int | None:
    """The most visit days ``expert`` can work over the cycle under R8's yearly cap, or None (no cap):
    per calendar year the cap or the working days of that year inside the cycle, whichever is less."""
    cap = scenario.year_cap(expert)
    if cap is None:
        return None
    start, deadline = scenario.params.start, scenario.params.deadline
    total = 0
    for year in range(start.year, deadline.year + 1):
        first, last = max(start, date(year, 1, 1)), min(deadline, date(year, 12, 31))
        try:
            workdays = scenario.calendar.count_workdays(first, last)
        except Exception:  # a year the calendar does not know: the cap alone
            workdays = cap
        total += min(cap, workdays)
    return total


def attainable(lengths: Sequence[int], at_least: int) -> int:
    """The smallest sum of some of ``lengths`` (each visit once) that is ≥ ``at_least``; ``at_least``
    itself when no sum reaches it. A load is such a sum as long as visits last their minimum days,
    as the solver plans them: 7- and 5-day visits cannot make 8."""
    if at_least <= 0:
        return max(at_least, 0)
    limit = at_least + max(lengths, default=0)
    mask = (1 << (limit + 1)) - 1
    reach = 1
    for length, count in sorted(Counter(lengths).items()):
        for _ in range(min(count, limit // length + 1)):
            grown = (reach | (reach << length)) & mask
            if grown == reach:
                break
            reach = grown
    for load in range(at_least, limit + 1):
        if reach >> load & 1:
            return load
    return at_least


def stronger_bound(
    scenario: Scenario, pool: Pool, bound: Bound | None = None, following: Collection[str] = ()
) -> Stronger:
    """The linear relaxation of the pool's assignment, rounded up to a load some expert can have.

    Institutions with the same eligible experts, days and tier form a class of ``n`` visits; an
    expert's share of a class is a fraction ``y`` in ``[0, n]`` (at most once per visit). Per class:
    the shares sum to ``n`` × the smallest valid team, leaders' to ``n``, each skill's holders' to
    ``n`` × the part's count, and with one part each, for every set of parts, the holders of any of
    them to ``n`` × the parts' counts (Hall), and the shares to at most ``n`` × the tier's largest
    team. Per expert: the load ``Σ days × y`` is at most ``L`` and at most the yearly caps over the
    cycle, and the days of visits at least ``d`` long at most :func:`length_capacity`. Minimise
    ``L``. Every valid plan gives such shares (a longer visit only adds load), so the optimum is a
    lower bound; it is never below the old averages (they are sums of these constraints) and sees
    caps and conflicts, which they do not. Rounding up to an attainable load assumes visits last
    their minimum days, as the solver plans them. The institutions in ``following`` are visited
    again (:func:`followed`); ``bound`` must count them too.
    """
    bound = bound if bound is not None else lower_bound(scenario, pool, following)
    if bound.ceil is None:
        return Stronger(pool.name, None, None, NOT_AVAILABLE)
    experts, classes, lengths = _classes(scenario, pool, bound, following)
    lp, infeasible = _relaxation(scenario, experts, classes)
    floor = bound.ceil if lp is None else max(bound.ceil, math.ceil(lp - 1e-6))
    value = attainable(lengths, floor)
    if value > floor:
        decided_by = ATTAINABLE
    elif lp is not None and floor > bound.ceil:
        decided_by = LP
    else:
        decided_by = bound.decided_by
    return Stronger(pool.name, value, lp, decided_by, infeasible)


# A class of visits: the rule staffing them (a tier's, or :func:`followup_rule`), their days and their
# eligible experts → how many
Classes = Mapping[tuple[TierRule, int, tuple[str, ...]], int]


def _classes(
    scenario: Scenario, pool: Pool, bound: Bound, following: Collection[str] = ()
) -> tuple[list[Expert], Classes, list[int]]:
    """The pool's experts, its servable visits (follow-ups of ``following`` too) in classes (rule,
    days, eligible experts) → how many, and their visit lengths."""
    rules = Eligibility(scenario)
    experts = [scenario.expert_by_id[x] for x in pool.experts]
    classes: dict[tuple[TierRule, int, tuple[str, ...]], int] = {}
    lengths: list[int] = []
    for inst, rule, days, _ in _visits(
        scenario, pool, following, set(bound.unservable), set(bound.unfollowed)
    ):
        eligible_ids = tuple(e.id for e in experts if rules.eligible(e, inst))
        key = (rule, days, eligible_ids)
        classes[key] = classes.get(key, 0) + 1
        lengths.append(days)
    return experts, classes, lengths


@dataclass(frozen=True)
class Whole:
    """What :func:`whole_bound` found: ``value``, a lower bound at least the stronger bound (the
    plan's load when whole shares cannot do better); ``reached``, whether whole shares reach a load
    below the plan's (else the budget ran out, or they cannot)."""

    pool: str
    value: int
    reached: bool


# Deterministic CP-SAT time (about seconds on an idle core) for the one load whole_bound tries.
WHOLE_BUDGET = 10.0


def whole_bound(
    scenario: Scenario,
    pool: Pool,
    stronger: Stronger,
    below: int,
    *,
    straddle: bool = True,
    budget: float = WHOLE_BUDGET,
    following: Collection[str] = (),
) -> Whole | None:
    """Whether any plan can keep the pool's heaviest load under ``below`` (a plan's heaviest load
    above the stronger bound), by the stronger bound's program with whole shares (an expert joins a
    whole number of a class's visits) at the largest load under ``below`` an expert can have.

    Every valid plan gives whole shares meeting every constraint of :func:`stronger_bound`, and a
    load that no whole shares reach rules out every lighter one, so when CP-SAT proves there are
    none, ``below`` is a lower bound and the plan is optimal; when it finds some, ``reached`` says so
    (the search, or the timing the shares ignore, is at fault). Whole shares see what fractions
    hide: an expert capped at 9 days a year carries one 7-day visit a year, not 9/7 of one. A visit
    may straddle New Year and split its days between two years' caps (SPEC's R8, and the solver
    plans so where it helps): ``straddle`` False gives the bound for plans keeping every visit inside
    one calendar year instead (stronger, but not for every plan). ``following``: the institutions
    visited again (:func:`followed`). None when the bound does not apply. Deterministic: a fixed
    seed, two interleaved CP-SAT workers and a deterministic time limit.
    """
    try:
        from ortools.linear_solver import pywraplp
    except ImportError:  # pragma: no cover - OR-Tools is a dependency
        return None
    if stronger.value is None or below <= stronger.value:
        return None
    experts, classes, lengths = _classes(scenario, pool, lower_bound(scenario, pool, following), following)
    solver = pywraplp.Solver.CreateSolver("CP_SAT")
    if solver is None or not classes:
        return None
    load = max(x for x in range(stronger.value, below) if attainable(lengths, x) == x)
    heaviest = _program(solver, scenario, experts, classes, integer=True, straddle=straddle)
    heaviest.SetUb(load)
    solver.SetSolverSpecificParametersAsString(
        f"max_deterministic_time:{budget} num_workers:2 interleave_search:true random_seed:0"
    )
    status = solver.Solve()
    if status == pywraplp.Solver.INFEASIBLE:
        return Whole(pool.name, attainable(lengths, load + 1), False)
    return Whole(pool.name, stronger.value, status in (pywraplp.Solver.OPTIMAL, pywraplp.Solver.FEASIBLE))


# Teams :func:`team_bound` looks at per class of visits at most (subsets tried), and its deterministic
# CP-SAT time (about seconds on an idle core).
TEAM_SUBSETS = 60_000
TEAM_BUDGET = 10.0


def team_bound(
    scenario: Scenario,
    pool: Pool,
    stronger: Stronger,
    below: int,
    *,
    budget: float = TEAM_BUDGET,
    following: Collection[str] = (),
) -> Whole | None:
    """Whether any plan can keep the pool's heaviest load under ``below``, counting whole teams.

    The share programs (:func:`stronger_bound`, :func:`whole_bound`) count each skill, the leaders
    and the size of a class's visits apart, so one expert's seat may serve a skill on one visit and a
    leader on another that, in a real team, would need two seats: with two leaders who each lack a
    skill only the other's helpers hold, the shares find loads no team can give. This program
    chooses, for each class, how many of its visits each team makes, among the inclusion-minimal
    valid teams of its eligible experts (a leader, every required skill, the tier's sizes; any valid
    team contains one, and dropping members never raises a load), with the yearly caps of
    :func:`_program` (visits straddling New Year allowed: a bound for every plan). Timing,
    absences and conflicts between visits are ignored, which only lowers it. ``value`` is the
    lightest load some expert can have at ``below`` or above when no teams reach a load under
    ``below`` (then the plan's load is optimal), ``reached`` whether they do. None when it does not
    apply: a tier dividing the work (R4 分工), too many teams to list, or no load to try.
    ``following``: the institutions visited again (:func:`followed`).
    Deterministic: a fixed seed, one CP-SAT worker and a deterministic time limit.
    """
    from ortools.sat.python import cp_model

    if stronger.value is None or below <= stronger.value:
        return None
    experts, classes, lengths = _classes(scenario, pool, lower_bound(scenario, pool, following), following)
    if not classes:
        return None
    load = max((x for x in range(stronger.value, below) if attainable(lengths, x) == x), default=None)
    if load is None:
        return None
    by_id = {e.id: e for e in experts}
    model = cp_model.CpModel()
    days_of: dict[str, list[tuple[Any, int]]] = {e.id: [] for e in experts}
    own: dict[str, list[int]] = {e.id: [] for e in experts}  # the visits each expert may make, by length
    for (rule, days, eligible_ids), n in sorted(classes.items(), key=lambda c: (c[0][0].tier, c[0][1:])):
        if rule.part_counts or rule.one_part_each:
            return None
        teams = _minimal_teams([by_id[x] for x in eligible_ids], rule)
        if teams is None:
            return None
        if not teams:
            return Whole(pool.name, stronger.value, True)  # an unservable class: not this bound's case
        for expert_id in eligible_ids:
            own[expert_id] += [days] * n
        made = [model.new_int_var(0, n, "") for _ in teams]
        model.add(sum(made) == n)
        for team, var in zip(teams, made, strict=True):
            for expert_id in team:
                days_of[expert_id].append((var, days))
        # a team under the tier's smallest size takes further members, any eligible ones
        short = [(var, rule.team_min - len(team)) for team, var in zip(teams, made, strict=True)]
        if any(missing > 0 for _, missing in short):
            extra = {x: model.new_int_var(0, n, "") for x in eligible_ids}
            model.add(sum(extra.values()) >= sum(missing * var for var, missing in short if missing > 0))
            for expert_id, var in extra.items():
                days_of[expert_id].append((var, days))
    for expert in experts:
        terms = days_of[expert.id]
        if not terms:
            continue
        model.add(sum(days * var for var, days in terms) <= load)
        for longer, most in _cap_rows(scenario, expert, terms, own[expert.id], straddle=True):
            model.add(sum(days * var for var, days in longer) <= most)
    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = budget
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    status = solver.solve(model)
    if status == cp_model.INFEASIBLE:
        return Whole(pool.name, attainable(lengths, load + 1), False)
    return Whole(pool.name, stronger.value, status in (cp_model.OPTIMAL, cp_model.FEASIBLE))


def _minimal_teams(people: Sequence[Expert], rule: TierRule) -> list[tuple[str, ...]] | None:
    """The inclusion-minimal valid teams of ``people`` for a tier without a division of work (a
    leader-eligible member, every required skill, ``team_min``..``team_max`` members), by id; None
    when more than :data:`TEAM_SUBSETS` subsets would have to be tried."""
    required = set(rule.required_skills)
    people = [e for e in people if e.leader or set(e.skills) & required]  # others only fill seats
    most = min(rule.team_max, len(people))
    if sum(math.comb(len(people), r) for r in range(1, most + 1)) > TEAM_SUBSETS:
        return None

    def valid(team: Sequence[Expert]) -> bool:
        return any(e.leader for e in team) and required <= {x for e in team for x in e.skills}

    found: list[tuple[str, ...]] = []
    for size in range(1, most + 1):
        for team in combinations(people, size):
            if not valid(team):
                continue
            if any(valid(team[:i] + team[i + 1 :]) for i in range(size)):
                continue  # a smaller valid team lies inside it
            found.append(tuple(e.id for e in team))
    return found


def _relaxation(scenario: Scenario, experts: Sequence[Expert], classes: Classes) -> tuple[float | None, bool]:
    """The LP of :func:`stronger_bound`, solved by GLOP: (optimum, whether it was infeasible)."""
    try:
        from ortools.linear_solver import pywraplp
    except ImportError:  # pragma: no cover - OR-Tools is a dependency
        return None, False
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None or not classes:
        return None, False
    heaviest = _program(solver, scenario, experts, classes, integer=False)
    solver.Minimize(heaviest)
    status = solver.Solve()
    if status == pywraplp.Solver.OPTIMAL:
        return heaviest.solution_value(), False
    return None, status == pywraplp.Solver.INFEASIBLE


def _program(
    solver: Any,
    scenario: Scenario,
    experts: Sequence[Expert],
    classes: Classes,
    *,
    integer: bool,
    straddle: bool = True,
) -> Any:
    """The assignment's constraints on ``solver`` (a ``pywraplp`` solver), shares fractional or
    whole, visits straddling New Year allowed or not (:func:`length_capacity`); returns the
    variable ``L`` every expert's load is at most."""
    variable = solver.IntVar if integer else solver.NumVar
    by_id = {e.id: e for e in experts}
    heaviest = variable(0, solver.infinity(), "L")
    load: dict[str, list[tuple[Any, int, int]]] = {e.id: [] for e in experts}
    for (rule, days, eligible_ids), n in classes.items():
        people = [by_id[x] for x in eligible_ids]
        if rule.one_part_each:
            people = [e for e in people if set(e.skills) & set(rule.required_skills)]
        share = {e.id: variable(0, n, "") for e in people}
        team = rule_team(rule, people) or rule.team_min
        solver.Add(sum(share.values()) >= n * team)
        solver.Add(sum(share.values()) <= n * rule.team_max)
        solver.Add(sum(share[e.id] for e in people if e.leader) >= n)
        skills = list(dict.fromkeys(rule.required_skills))
        groups = [[s] for s in skills]
        if rule.one_part_each:
            groups = [list(c) for size in range(2, len(skills) + 1) for c in combinations(skills, size)]
            groups = [[s] for s in skills] + groups
        for group in groups:
            holders = [share[e.id] for e in people if set(e.skills) & set(group)]
            solver.Add(sum(holders) >= n * sum(rule.count(s) for s in group))
        for expert_id, var in share.items():
            load[expert_id].append((var, days, n))
    for expert in experts:
        terms = load[expert.id]
        if not terms:
            continue
        solver.Add(sum(days * var for var, days, _ in terms) <= heaviest)
        lengths = [days for _, days, n in terms for _ in range(n)]
        shares = [(var, days) for var, days, _ in terms]
        for longer, most in _cap_rows(scenario, expert, shares, lengths, straddle=straddle):
            solver.Add(sum(days * var for var, days in longer) <= most)
    return heaviest


def _cap_rows(
    scenario: Scenario,
    expert: Expert,
    terms: Sequence[tuple[Any, int]],
    lengths: Sequence[int],
    *,
    straddle: bool,
) -> list[tuple[list[tuple[Any, int]], int]]:
    """R8's yearly cap as rows of the programs: per visit length the expert's ``lengths`` (the visits
    they may make) hold, the terms (variable, days) of visits at least that long and the most days
    they may add up to (:func:`length_capacity`, at most the cap); none without a cap."""
    capacity = year_capacity(scenario, expert)
    if capacity is None:
        return []
    rows = []
    for threshold in sorted(set(lengths)):
        longer = [(var, days) for var, days in terms if days >= threshold]
        if longer:
            most = length_capacity(scenario, expert, lengths, threshold, straddle=straddle)
            rows.append((longer, min(capacity, most)))
    return rows


def length_capacity(
    scenario: Scenario, expert: Expert, lengths: Sequence[int], threshold: int, *, straddle: bool = True
) -> int:
    """The most days of visits at least ``threshold`` long that ``expert`` can work over the cycle
    under R8's yearly cap, when the visits they may make last ``lengths`` days (each at most once).

    A year's visit days are at most the cap and the year's working days, and the visits lying wholly
    in the year make a subset sum of ``lengths``: a cap of 9 holds one 7-day visit and no more, not
    9 days of them. One visit may straddle each New Year, its days split between the two years'
    caps; every such split is tried (``straddle`` False: plans that keep every visit inside one
    calendar year). Visits shorter than
    ``threshold`` are left out, which only raises the result. Without a cap, the sum of the lengths.
    """
    cap = scenario.year_cap(expert)
    longer = [n for n in lengths if n >= threshold]
    if cap is None:
        return sum(longer)
    limits = [min(cap, days) for days in _year_workdays(scenario)]

    def best(limit: int) -> int:
        return _best_sum(longer, limit) if limit > 0 else 0

    whole = [best(limit) for limit in limits]
    most = sum(whole)
    for y in range(len(limits) - 1 if straddle else 0):
        rest = most - whole[y] - whole[y + 1]
        for length in sorted(set(longer)):
            for part in range(1, length):
                if part <= limits[y] and length - part <= limits[y + 1]:
                    split = best(limits[y] - part) + best(limits[y + 1] - length + part)
                    most = max(most, rest + split + length)
    return most


def _year_workdays(scenario: Scenario) -> list[int]:
    """Working days of each calendar year of the cycle, inside the cycle (the cap, when unknown)."""
    start, deadline = scenario.params.start, scenario.params.deadline
    out = []
    for year in range(start.year, deadline.year + 1):
        first, last = max(start, date(year, 1, 1)), min(deadline, date(year, 12, 31))
        try:
            out.append(scenario.calendar.count_workdays(first, last))
        except Exception:  # a year the calendar does not know: no limit but the cap
            out.append(10**6)
    return out


def _best_sum(lengths: Sequence[int], limit: int) -> int:
    """The largest sum of some of ``lengths`` (each once) that is at most ``limit``."""
    mask = (1 << (limit + 1)) - 1
    reach = 1
    for length, count in sorted(Counter(lengths).items()):
        for _ in range(min(count, limit // max(length, 1) + 1)):
            grown = (reach | (reach << length)) & mask
            if grown == reach:
                break
            reach = grown
    return reach.bit_length() - 1


def diagnosis(
    heaviest: int, bound: Bound, stronger: Stronger, whole: Whole | None = None, teams: Whole | None = None
) -> str:
    """Why a pool's heaviest load is above its bound: ``bound attained``; ``weak bound`` (the old
    bound is below what any plan can do, and the plan reaches the stronger one). Above the stronger
    bound, without ``whole``: ``search gap`` (a better plan may exist; not looked into). With
    ``whole`` (:func:`whole_bound` up to the plan's load): ``weak bound (whole shares)`` (no whole
    shares do better: the plan is optimal),
    ``search gap`` (whole shares reach a lighter load: the search, or the timing the shares ignore,
    is at fault) or ``open`` (the budget ran out before either was shown). With ``teams``
    (:func:`team_bound` up to the plan's load) showing no teams do better: ``weak bound (teams)``
    (the plan is optimal: the shares' bounds are below what any team can give)."""
    if bound.ceil is None:
        return NOT_AVAILABLE
    if heaviest <= bound.ceil:
        return ATTAINED
    if stronger.value is not None and heaviest <= stronger.value:
        return WEAK_BOUND
    if teams is not None and heaviest <= teams.value:
        return WEAK_TEAMS
    if whole is None:
        return SEARCH_GAP
    if heaviest <= whole.value:
        return WEAK_WHOLE
    return SEARCH_GAP if whole.reached else OPEN
