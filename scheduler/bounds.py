"""Our own lower bounds on a pool's heaviest load (SOLVER-NOTES: CP-SAT's min–max bound is weak).

:func:`pool_bound` is the largest of three averages: the pool's person-days (each visit's smallest
valid team × its days) over its size; its visit-days over its leader-eligible experts; and, per
required skill, the visit-days needing it over the experts holding it. :func:`relaxed_bound`
strengthens it with the linear relaxation of the pool's assignment (caps, conflicts, districts), and
:func:`whole_bound` that with the same programme in whole numbers, where a start plan is above it,
and :func:`team_bound` with whole teams instead of shares, where the start plan is above that too.
Loads are whole days, so all are rounded up. The solver posts the strongest it has as the floor of
each pool's heaviest load and stops searching a pool once a plan reaches it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import combinations
from typing import Any

from scheduler.instance import Instance, Task


@dataclass
class _Known:
    """What this module worked out for one instance: the relaxed bound of each pool (asked for several
    times: for the start plan's local search, the groups' budgets and each group's model) and the
    smallest team of each kind of visit."""

    instance: Instance | None = None
    bounds: dict[tuple[tuple[int, ...], tuple[int, ...]], int] = field(default_factory=dict)
    teams: dict[tuple[tuple[str, ...], int, tuple[int, ...]], int] = field(default_factory=dict)


# Of the last instance asked about only, so a long-running process (the web page) keeps no old
# rounds alive.
_last = _Known()


def _cache(instance: Instance) -> _Known:
    global _last
    if _last.instance is not instance:
        _last = _Known(instance)
    return _last


def _mask(skills: tuple[str, ...], required: tuple[str, ...]) -> int:
    return sum(1 << i for i, s in enumerate(required) if s in skills)


@lru_cache(maxsize=4096)
def _fewest_to_cover(masks: frozenset[int], need: int) -> int | None:
    """Fewest experts (given their skill masks) whose union covers ``need``; None if impossible."""
    if need == 0:
        return 0
    best: dict[int, int] = {0: 0}
    frontier = {0}
    for size in range(1, 8):
        nxt = set()
        for covered in frontier:
            for m in masks:
                union = covered | m
                if union not in best:
                    best[union] = size
                    nxt.add(union)
                    if union & need == need:
                        return size
        frontier = nxt
        if not frontier:
            return None
    return None


def smallest_team(instance: Instance, task: Task) -> int:
    """The fewest members a valid team for ``task`` can have (R4), at least ``team_min``; computed
    once per (skills, size, candidates) of the last instance (a round's visits share a few)."""
    if task.team_staffed:
        # no standing team may make it (every one recused): no plan staffs it, it adds nothing
        return min((len(m) for m in task.team_members), default=0)
    known = _cache(instance).teams
    key = (task.skills, task.team_min, task.candidates)
    if key not in known:
        known[key] = _smallest_team(instance, task)
    return known[key]


def _smallest_team(instance: Instance, task: Task) -> int:
    required = task.skills
    full = (1 << len(required)) - 1
    experts = instance.experts
    masks = frozenset(_mask(experts[k].skills, required) for k in task.candidates)
    leaders = {_mask(experts[k].skills, required) for k in task.candidates if experts[k].leader}
    best = None
    for lead in leaders:
        rest = _fewest_to_cover(masks, full & ~lead)
        if rest is not None and (best is None or 1 + rest < best):
            best = 1 + rest
    return max(task.team_min, best if best is not None else task.team_min)


def pool_bound(instance: Instance, tasks: list[int], experts: list[int]) -> int:
    if not experts or not tasks:
        return 0
    visits = [instance.tasks[t] for t in tasks]
    people = [instance.experts[k] for k in experts]
    terms = [sum(smallest_team(instance, v) * v.days for v in visits) / len(people)]
    if not any(v.team_staffed for v in visits):
        leaders = sum(1 for e in people if e.leader)
        if leaders:
            terms.append(sum(v.days for v in visits) / leaders)
        for skill in sorted({s for v in visits for s in v.skills}):
            holders = sum(1 for e in people if skill in e.skills)
            if holders:
                # a part written `技能*n` needs n holders on the visit (R4 分工)
                need = sum(v.days * v.count(skill) for v in visits)
                terms.append(need / holders)
    return math.ceil(max(terms) - 1e-9)


def year_capacity(instance: Instance, k: int) -> int | None:
    """The most visit days expert ``k`` can work over the cycle under R8's yearly cap, or None (no
    cap): per calendar year, the cap or the expert's free working days that year, whichever is less."""
    cap = instance.year_caps[k]
    if cap is None:
        return None
    return sum(min(cap, n) for n in _free_per_year(instance, k).values())


def free_days(instance: Instance, k: int) -> int:
    """The most visit days expert ``k`` can work over the cycle: :func:`year_capacity` under a yearly
    cap, else the cycle's working days the expert is not away on (one visit a day, R5)."""
    capacity = year_capacity(instance, k)
    return sum(_free_per_year(instance, k).values()) if capacity is None else capacity


def _free_per_year(instance: Instance, k: int) -> dict[int, int]:
    """Per calendar year of the cycle, the working days expert ``k`` is not away on."""
    free = dict(instance.workdays_per_year)
    for w in instance.blocked.get(k, ()):
        if 0 <= w < len(instance.workdays):
            free[instance.workdays[w].year] -= 1
    return free


def short_capacities(instance: Instance, tasks: Sequence[int]) -> list[tuple[list[tuple[int, int]], int]]:
    """Where no plan can make all of ``tasks`` (a pool's visits) for want of people: per part, the
    days its visits need of its holders (days × the members the part needs) against the days all its
    holders among their candidates can work over the cycle (:func:`free_days`), and likewise the
    visits' days against their leader-eligible candidates'. Each such shortfall as ``(terms,
    supply)``: a visit made adds its ``days × members`` of the terms ``(task, days × members)``, and
    every plan keeps their sum of the visits it makes within ``supply`` (each member works the
    visit's days, within their own). Empty where the counts leave room for every visit, as they do
    in every pool a plan can make whole; not worked out for standing teams (R11)."""
    visits = [instance.tasks[t] for t in tasks]
    if any(v.team_staffed for v in visits):
        return []
    experts = instance.experts
    needs: dict[str | None, list[tuple[int, int]]] = {}  # a part's skill (None: the leader) -> terms
    holders: dict[str | None, set[int]] = {}
    for v in visits:
        for skill, count in [*zip(v.skills, v.part_counts(), strict=True), (None, 1)]:
            needs.setdefault(skill, []).append((v.index, v.days * count))
            held = holders.setdefault(skill, set())
            held.update(
                k
                for k in v.candidates
                if (experts[k].leader if skill is None else skill in experts[k].skills)
            )
    short = []
    for skill, terms in needs.items():
        supply = sum(free_days(instance, k) for k in sorted(holders[skill]))
        if sum(need for _, need in terms) > supply:
            short.append((terms, supply))
    return short


def most_made(
    instance: Instance, tasks: Sequence[int], short: list[tuple[list[tuple[int, int]], int]]
) -> int:
    """The most of ``tasks`` a plan can make within the shortfalls ``short`` (:func:`short_capacities`):
    the linear programme's optimum, rounded down (no plan makes more; it may be that none makes as
    many)."""
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
        return len(tasks)
    made = {t: solver.NumVar(0, 1, "") for t in tasks}
    for terms, supply in short:
        solver.Add(solver.Sum([need * made[t] for t, need in terms]) <= supply)
    solver.Maximize(solver.Sum(list(made.values())))
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return len(tasks)
    return math.floor(solver.Objective().Value() + 1e-6)


def attainable(lengths: list[int], at_least: int) -> int:
    """The smallest sum of some of ``lengths`` (each visit once) that is ≥ ``at_least``, or
    ``at_least`` when none reaches it: an expert's load is such a sum (visits last their days)."""
    if at_least <= 0:
        return 0
    limit = at_least + max(lengths, default=0)
    mask = (1 << (limit + 1)) - 1
    reach = 1
    for length in sorted(set(lengths)):
        for _ in range(min(lengths.count(length), limit // length + 1)):
            grown = (reach | (reach << length)) & mask
            if grown == reach:
                break
            reach = grown
    return next((load for load in range(at_least, limit + 1) if reach >> load & 1), at_least)


def relaxed_bound(instance: Instance, tasks: Sequence[int], experts: Sequence[int]) -> int:
    """:func:`_relaxed_bound`, computed once per pool of the last instance."""
    key = (tuple(tasks), tuple(experts))
    known = _cache(instance).bounds
    if key not in known:
        known[key] = _relaxed_bound(instance, list(tasks), list(experts))
    return known[key]


def _relaxed_bound(instance: Instance, tasks: list[int], experts: list[int]) -> int:
    """:func:`pool_bound`, strengthened by the linear relaxation of the pool's assignment.

    Visits alike (days, parts, smallest and largest team, candidates) form a class of ``n``; an
    expert's share of a class is a fraction in ``[0, n]``. Per class the shares sum to at least ``n`` ×
    the smallest team and at most ``n`` × the largest (R4's sizes: five parts and teams of at most four
    need members holding two parts, national 6,400 seed 14's 金寺: 62 days where the averages say 42),
    the leaders' to ``n``, and for each part (with one part each: each set of parts, by Hall) its
    holders' to ``n`` × the members it needs. Per expert the load ``Σ days × share`` is at most the
    heaviest load ``L`` and at most the yearly caps over the cycle (R8). Every valid plan that makes
    all the pool's visits gives such shares, so the least ``L``, rounded up to a load some expert can
    have, is a lower bound; it sees caps, conflicts and districts, which the averages do not. Standing
    teams (R11) keep the averages.
    """
    floor = pool_bound(instance, tasks, experts)
    visits = [instance.tasks[t] for t in tasks]
    if not visits or not experts or any(v.team_staffed for v in visits):
        return floor
    optimum = _relaxation(instance, visits)
    if optimum is not None:
        floor = max(floor, math.ceil(optimum - 1e-6))
    return attainable([v.days for v in visits], floor)


# Past this many share variables (classes × candidates: a big open pool, where recusals make nearly
# every visit's list its own), classes that differ only in their candidates are merged.
LP_SHARES = 40_000


def _merged(classes: dict[tuple, int]) -> dict[tuple, int]:
    """Classes alike but for their candidates, merged into one whose candidates are their union: a
    relaxation of the relaxation (more experts may share each visit), so still a lower bound, and a
    small programme."""
    merged: dict[tuple, tuple[int, set[int]]] = {}
    for key, n in classes.items():
        count, people = merged.get(key[:-1], (0, set()))
        merged[key[:-1]] = (count + n, people | set(key[-1]))
    return {(*key, tuple(sorted(people))): n for key, (n, people) in merged.items()}


def _classes(instance: Instance, visits: list[Task]) -> dict[tuple, int]:
    """Visits alike (days, parts, smallest and largest team, candidates) → how many; merged past
    :data:`LP_SHARES` share variables (:func:`_merged`)."""
    classes: dict[tuple, int] = {}
    for v in visits:
        team = (smallest_team(instance, v), v.team_max)
        key = (v.days, v.skills, v.part_counts(), v.one_part_each, team, v.candidates)
        classes[key] = classes.get(key, 0) + 1
    if sum(len(key[-1]) for key in classes) > LP_SHARES:
        classes = _merged(classes)
    return classes


def _program(
    instance: Instance,
    classes: dict[tuple, int],
    new_share: Callable[[int], Any],
    total: Callable[[list[Any]], Any],
    add: Callable[[Any], Any],
    heaviest: Any,
    made: dict[tuple, Any] | None = None,
) -> None:
    """Post the shares' programme of :func:`relaxed_bound` (with ``new_share(n)`` a share in ``[0, n]``:
    a fraction for the relaxation, a whole number for :func:`whole_bound`; ``total`` the solver's sum):
    per class, the team's sizes, the leaders and each part's (with one part each, each set of parts')
    holders; per expert, the load at most ``heaviest`` and the yearly caps over the cycle. ``made``:
    per class, the variable counting the visits of it made (:func:`partial_bound`; default all ``n``),
    which then scales the class's needs and caps each share, and each expert's days are within the days
    they can work (:func:`free_days`)."""
    experts = instance.experts
    load: dict[int, list] = {}
    for key, n in classes.items():
        days, skills, counts, one_each, (team, most), candidates = key
        people = [k for k in candidates if not one_each or set(experts[k].skills) & set(skills)]
        share = {k: new_share(n) for k in people}
        if made is not None:
            n = made[key]
            for var in share.values():
                add(var <= n)
        add(total(list(share.values())) >= n * team)
        if most >= team:  # (a tier's largest team under its smallest valid one: no plan makes it)
            add(total(list(share.values())) <= n * most)
        add(total([share[k] for k in people if experts[k].leader]) >= n)
        need = dict(zip(skills, counts, strict=True))
        groups = [(s,) for s in skills]
        if one_each:
            groups += [c for size in range(2, len(skills) + 1) for c in combinations(skills, size)]
        for group in groups:
            holders = [share[k] for k in people if set(experts[k].skills) & set(group)]
            add(total(holders) >= n * sum(need[s] for s in group))
        for k, var in share.items():
            load.setdefault(k, []).append((var, days))
    for k, terms in sorted(load.items()):
        days_of = total([days * var for var, days in terms])
        add(days_of <= heaviest)
        capacity = year_capacity(instance, k) if made is None else free_days(instance, k)
        if capacity is not None:
            add(days_of <= capacity)


def _relaxation(instance: Instance, visits: list[Task]) -> float | None:
    """The linear programme of :func:`relaxed_bound`, solved by GLOP; None when it has no optimum."""
    from ortools.linear_solver import pywraplp

    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
        return None
    heaviest = solver.NumVar(0, solver.infinity(), "L")
    classes = _classes(instance, visits)
    _program(instance, classes, lambda n: solver.NumVar(0, n, ""), solver.Sum, solver.Add, heaviest)
    solver.Minimize(heaviest)
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return None
    return float(heaviest.solution_value())


def partial_bound(instance: Instance, tasks: Sequence[int], made: int) -> int:
    """A lower bound on the heaviest load of plans making at least ``made`` of ``tasks`` (a pool's
    visits), for a pool no plan can make whole (:func:`short_capacities`), where :func:`relaxed_bound`,
    which speaks of plans making every visit, is no bound. The programme of :func:`relaxed_bound` with
    the count of each class's visits made a fraction too (each expert's share within it), at least
    ``made`` in all, and each expert within the days they can work: it makes the visits that weigh least
    on the busiest. The solver makes as many visits as it can before it weighs loads, and never fewer
    than its start plan, so with ``made`` the start plan's count it bounds the plans it may end on.
    Standing teams (R11) and a programme without optimum give 0."""
    from ortools.linear_solver import pywraplp

    visits = [instance.tasks[t] for t in tasks]
    if made <= 0 or any(v.team_staffed for v in visits):
        return 0
    solver = pywraplp.Solver.CreateSolver("GLOP")
    if solver is None:  # pragma: no cover - GLOP ships with OR-Tools
        return 0
    heaviest = solver.NumVar(0, solver.infinity(), "L")
    classes = _classes(instance, visits)
    count = {key: solver.NumVar(0, n, "") for key, n in classes.items()}
    _program(
        instance, classes, lambda n: solver.NumVar(0, n, ""), solver.Sum, solver.Add, heaviest, made=count
    )
    solver.Add(solver.Sum(list(count.values())) >= made)
    solver.Minimize(heaviest)
    if solver.Solve() != pywraplp.Solver.OPTIMAL:
        return 0
    return attainable([v.days for v in visits], math.ceil(heaviest.solution_value() - 1e-6))


# Past this many share variables :func:`whole_bound` is not tried: building its model would cost more
# than the bound is worth (hospital pools have up to about 3,000; the open pool of 3,200 visits, tens
# of thousands, where CP-SAT finds no bound within its budget anyway).
WHOLE_SHARES = 10_000
# The name of its model, the one CP-SAT model of the solve that searches no plan (and has no hint).
WHOLE_MODEL = "whole-share bound"


def whole_bound(
    instance: Instance, tasks: Sequence[int], experts: Sequence[int], floor: int, budget: float, until: float
) -> tuple[int, float]:
    """``floor`` (the pool's :func:`relaxed_bound`) raised by the shares' programme in whole numbers:
    an expert joins a whole number of a class's visits, as in every plan, and CP-SAT's proven bound on
    its least heaviest load, rounded up to a load some expert can have, is a lower bound too — often a
    stronger one: an expert capped at 9 days a year carries one 7-day visit a year, not 9/7 of one
    (hospitals seed 6: two pools at 30 days where the relaxation says 27). Within ``budget``
    deterministic units (one worker, a fixed seed, core-based: it raises the bound step by step);
    ``until`` (monotonic seconds) is the last resort, and a search it stops gives ``floor``, so the
    bound never depends on the clock. Returns the bound and the deterministic time spent.
    """
    from ortools.sat.python import cp_model

    visits = [instance.tasks[t] for t in tasks]
    if budget <= 0 or not visits or not experts or any(v.team_staffed for v in visits):
        return floor, 0.0
    classes = _classes(instance, visits)
    if sum(len(key[-1]) for key in classes) > WHOLE_SHARES:
        return floor, 0.0
    model = cp_model.CpModel()
    model.name = WHOLE_MODEL
    top = sum(v.days for v in visits)
    heaviest = model.new_int_var(min(floor, top), top, "L")
    _program(
        instance, classes, lambda n: model.new_int_var(0, n, ""), cp_model.LinearExpr.sum, model.add, heaviest
    )
    return _least_heaviest(model, heaviest, floor, [v.days for v in visits], budget, until)


def _least_heaviest(
    model: Any, heaviest: Any, floor: int, lengths: list[int], budget: float, until: float
) -> tuple[int, float]:
    """The bound a bound's ``model`` proves on its least ``heaviest`` load: CP-SAT core-based, one
    worker, a fixed seed, within ``budget`` deterministic units, rounded up to a load some expert can
    have (``lengths``, the visits' days), never below ``floor``; ``floor`` when the last resort
    ``until`` stops it (so the bound never depends on the clock) or nothing meets the model (no whole
    shares or teams make every visit: the pool's plans leave some out). With the units spent."""
    from ortools.sat.python import cp_model

    from scheduler.cpsat import solve_until

    model.minimize(heaviest)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 0
    solver.parameters.optimize_with_core = True
    solver.parameters.max_deterministic_time = budget
    status, fired = solve_until(solver, model, until)
    spent = solver.deterministic_time
    if fired or status in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID):
        return floor, spent
    proven = math.ceil(solver.best_objective_bound - 1e-6)
    return max(floor, attainable(lengths, proven)), spent


# :func:`team_bound` lists the inclusion-minimal valid teams of each class of visits from the subsets
# of its candidates who lead or hold a required skill: past TEAM_SUBSETS subsets in a pool (classes
# with the same people and sizes listed once), or TEAM_LISTED teams, it is not tried. Listing them is
# Python's work, outside CP-SAT's deterministic time: province seed 81's 遵义市, 7 lists of 24,157
# subsets at most each, 3,439 teams, 0.08 s here.
TEAM_SUBSETS = 200_000
TEAM_LISTED = 20_000
# The name of its model (no plan, no hint), like :data:`WHOLE_MODEL`.
TEAM_MODEL = "whole-team bound"


def team_bound(
    instance: Instance, tasks: Sequence[int], experts: Sequence[int], floor: int, budget: float, until: float
) -> tuple[int, float]:
    """``floor`` raised by whole teams: the shares' programmes (:func:`relaxed_bound`,
    :func:`whole_bound`) count each part, the leaders and the team's size apart, so one expert's seat
    may serve a part on one visit and lead another where a real team needs two seats (province seed
    81's 遵义市: whole shares reach 34 days, no teams do better than 35). Here each class of visits
    (days, parts, sizes, candidates) is made by its inclusion-minimal valid teams (a leader-eligible
    member, every part's skill, at most the tier's largest size; every valid team holds one, and
    dropping members never raises a load), a whole number of its visits each, with members added
    where a team is under the tier's smallest size, each expert within the heaviest load and their
    yearly caps over the cycle. Every plan that makes all the pool's visits gives such counts (dates,
    absences and pins aside, which only lower the bound), so CP-SAT's proven bound on the least
    heaviest load, rounded up to a load some expert can have, is a lower bound. Not tried for visits
    whose tier divides the work (R4's counts, one part each), standing teams (R11), classes with too
    many teams to list, or (as :func:`whole_bound`) too many (class, candidate) pairs. Within ``budget``
    deterministic units (one worker, a fixed seed, core-based); a search the last resort ``until``
    stops gives ``floor``. Returns the bound and the deterministic time spent."""
    from ortools.sat.python import cp_model

    visits = [instance.tasks[t] for t in tasks]
    if budget <= 0 or not visits or not experts or any(v.team_staffed or v.divides_work for v in visits):
        return floor, 0.0
    classes: dict[tuple[int, tuple[str, ...], int, int, tuple[int, ...]], int] = {}
    for v in visits:
        key = (v.days, v.skills, v.team_min, v.team_max, v.candidates)
        classes[key] = classes.get(key, 0) + 1
    if sum(len(key[-1]) for key in classes) > WHOLE_SHARES:
        return floor, 0.0  # an open pool of thousands of visits: listing alone would cost seconds
    # per class, the people its teams are listed from (they lead or hold a skill) and its largest size
    lists = {key: _team_people(instance, key[1], key[3], key[4]) for key in classes}
    unique = set(lists.values())
    subsets = sum(math.comb(len(people), r) for people, _, most in unique for r in range(1, most + 1))
    if subsets > TEAM_SUBSETS:
        return floor, 0.0
    teams_of = {found: _minimal_teams(instance, *found) for found in sorted(unique)}
    listed = {key: teams_of[lists[key]] for key in classes}
    if sum(map(len, teams_of.values())) > TEAM_LISTED or not all(listed.values()):
        return floor, 0.0  # too many to list, or a class no team can make (its visits left out)
    model = cp_model.CpModel()
    model.name = TEAM_MODEL
    top = sum(v.days for v in visits)
    heaviest = model.new_int_var(min(floor, top), top, "L")
    days_of: dict[int, list[tuple[Any, int]]] = {}
    for key, n in classes.items():
        days, _, smallest, _, candidates = key
        made = [model.new_int_var(0, n, "") for _ in listed[key]]
        model.add(sum(made) == n)
        short = []
        for team, var in zip(listed[key], made, strict=True):
            for k in team:
                days_of.setdefault(k, []).append((var, days))
            if len(team) < smallest:
                short.append((var, smallest - len(team)))
        if short:  # a team under the tier's smallest size takes further members, any candidates
            extra = {k: model.new_int_var(0, n, "") for k in candidates}
            model.add(sum(extra.values()) >= sum(missing * var for var, missing in short))
            for k, var in extra.items():
                days_of.setdefault(k, []).append((var, days))
    for k, terms in sorted(days_of.items()):
        load = sum(days * var for var, days in terms)
        model.add(load <= heaviest)
        capacity = year_capacity(instance, k)
        if capacity is not None:
            model.add(load <= capacity)
    return _least_heaviest(model, heaviest, floor, [v.days for v in visits], budget, until)


def _team_people(
    instance: Instance, skills: tuple[str, ...], most: int, candidates: tuple[int, ...]
) -> tuple[tuple[int, ...], tuple[str, ...], int]:
    """Of ``candidates``, those who lead or hold a skill of ``skills`` (only they can be in an
    inclusion-minimal valid team: anyone else could be dropped), the skills and the largest size."""
    experts = instance.experts
    people = tuple(k for k in candidates if experts[k].leader or _mask(experts[k].skills, skills))
    return people, skills, min(most, len(people))


def _minimal_teams(
    instance: Instance, people: tuple[int, ...], skills: tuple[str, ...], most: int
) -> list[tuple[int, ...]]:
    """The inclusion-minimal valid teams of ``people`` (a leader-eligible member, every skill of
    ``skills`` held, at most ``most`` members), in a fixed order."""
    full = (1 << len(skills)) - 1
    experts = instance.experts
    mask = {k: _mask(experts[k].skills, skills) for k in people}

    def valid(team: Sequence[int]) -> bool:
        covered = 0
        for k in team:
            covered |= mask[k]
        return covered == full and any(experts[k].leader for k in team)

    found = []
    for size in range(1, most + 1):
        for team in combinations(people, size):
            if valid(team) and not any(valid(team[:i] + team[i + 1 :]) for i in range(size)):
                found.append(team)
    return found
