"""Teams first, then dates: a one-pool group's plan at its bound in two small searches.

Stage 1 asks who makes each visit and when at once, on a model where every (visit, candidate) pair
carries the dates' rules (R5's intervals per member, R10's office capacity); on a large pool of one-day
visits each of its search's tasks costs most of a second to set up, and the search can spend its whole
budget a day above the bound. Asked apart, the two questions are often easy: first the teams alone, with
every expert of the pool at most a given load (:func:`teams_model`), then the dates of those teams on
stage 1's own model with the teams pinned (:func:`_dated`): at the pool's bound, and where that fails a
day lower each step from the start plan's heaviest load (:func:`teams_first`). A plan so found is one of
stage 1's model, so it holds every rule; at the bound it is the best there is, and stage 1 has nothing
left to search; above it, the descent and stage 1 start from it. Where no teams are found in a step's
budget, or the teams found cannot be dated (the rules the teams' model leaves out: two visits of one
member on the same days, the office's capacity, the yearly caps year by year), the steps end, a small
share of the group's budget spent.

The teams are found by CP-SAT's violation local search alone (its feasibility jump): on province seed
41's pool 安顺市 (231 one-day visits, 30 experts, 6,922 pairs, bound 35, which the relaxed bound and
the LP put at 34.5) it found teams at the bound within 1.5 deterministic units on 18 of 20 seeds
(median 0.4 units, about 0.4 s), where CP-SAT's own portfolio found them on 3 of 10 seeds and stalled
on the rest, and minimising the heaviest load instead stalled at 39-40. Stage 1 itself, on 1.18 units
(21 s), 8 units, or 16 units of local search, stops at 36 there.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from ortools.sat.python import cp_model

from constraints.registry import POSTS
from scheduler import cpsat, executor, pooling
from scheduler.greedy import Assignment, QuotaTarget
from scheduler.instance import Instance, Task
from scheduler.model import Model, build_variables

# The rules the teams' model leaves out: R5 (a member's visits do not overlap) and R10 (the office's
# teams at once) are intervals over the days, R14 (a visit's notice) bounds a start; R8's yearly caps
# and R9's yearly quotas tie the teams to the years (posted year by year, with the years' variables, the
# local search found no teams for province seed 41's pool in 2.2 units, where without them it finds them
# in 0.4: :func:`teams_model` keeps a member's days within their caps over all years instead). R1-R3 are
# the starts' domains, which the teams' model leaves free.
LEFT_OUT = frozenset({"R5", "R8", "R9", "R10", "R14"})

# Of a one-pool group's stage-1 budget, the share teams first may spend, half of it on the teams (its
# local search priced at ``executor.LS_SECONDS_PER_UNIT``); the least worth the dates' step.
TEAMS_SHARE = 0.15
TEAMS_SEARCH_SHARE = 0.5
TEAMS_LEAST = 0.01
# The teams' local search in this many tries with seeds of their own, each on an equal part of its
# budget: its time to teams is heavy-tailed. On province seed 41's pool at the bound, 40 seeds of 40
# found teams within 1.01 units (most within 0.5), and the product's own seed for the pool (3000015)
# within none of 2.28; province seed 41 solved with twelve solver seeds ended at the bound on eleven,
# 36 on the twelfth, in one try of the whole budget.
TEAMS_TRIES = 2


def teams_model(
    instance: Instance, tasks: list[Task], targets: list[QuotaTarget], experts: list[int], most: int
) -> Model:
    """The teams' model: stage 1's variables with every visit present, its rules but
    :data:`LEFT_OUT`, and each of ``experts`` at most ``most`` days in all and at most their yearly cap
    times the years their visits may fall in. Every plan of stage 1's model with every visit and each
    of ``experts`` within ``most`` days gives teams this model allows."""
    m = build_variables(instance, tasks, targets, require_all=True)
    for rule, post in POSTS:
        if rule not in LEFT_OUT:
            post(m)
    for k in experts:
        if not m.tasks_of.get(k):
            continue
        m.cp.add(m.load(k) <= most)
        cap = instance.scenario.year_cap(instance.experts[k])
        if cap is not None:
            years = {y for t in m.tasks_of[k] for y in m.touched_years(t)}
            m.cp.add(m.load(k) <= cap * len(years))
    return m


@dataclass(frozen=True)
class Group:
    """What every step of teams first shares: stage 1's model of a one-pool group, its quota shares, its
    pool's experts, the wall-clock last resort (``until``, monotonic seconds), the CP-SAT seed and
    workers, and the group's (visit, candidate) pairs as the time plan counts them."""

    m: Model
    targets: list[QuotaTarget]
    experts: list[int]
    until: float
    seed: int
    workers: int
    pairs: int


def teams_first(
    group: Group, bound: int, most: int, budget: float
) -> tuple[dict[int, Assignment] | None, float, bool]:
    """A plan of every one of the group's visits with the heaviest load of its experts as low as the
    steps find, within about ``budget`` of stage 1's deterministic units in all (each step
    :func:`level`): first at ``bound``; where that finds none, at ``most``, then a day less each step
    down to a day above the bound, the first step that finds none ending them. Returns the last plan
    found (None: none), the stage-1 units spent and whether the wall clock ended a step.

    The bound first: where the teams' model is loose (two visits of one member on one day), teams at a
    higher load are the likelier to be undatable. Then from the top down: measured on the twelve rounds
    of hospitals seeds 2-10, 27-30, 34 and 141-148 with a pool above its bound after stage 1, the
    steps from the start plan's load down left two pools a day lower at the end (seeds 5 and 34) and none
    higher than the bound alone."""
    found, spent, fired = level(group, bound, budget)
    while found is None or pooling.heaviest(group.m.instance, found) > bound:
        if most <= bound or budget - spent < TEAMS_LEAST:
            break
        plan, used, step_fired = level(group, most, budget - spent)
        spent, fired = spent + used, fired or step_fired
        if plan is None:
            break
        found = plan
        most = pooling.heaviest(group.m.instance, plan) - 1
    return found, spent, fired


def level(group: Group, most: int, budget: float) -> tuple[dict[int, Assignment] | None, float, bool]:
    """A plan of every one of the group's visits with each of its experts at most ``most`` days, within
    about ``budget`` of stage 1's deterministic units: teams from the teams' model by CP-SAT's violation
    local search alone (:data:`TEAMS_SEARCH_SHARE` of the budget in :data:`TEAMS_TRIES` tries, its units
    priced at ``executor.LS_SECONDS_PER_UNIT`` against a stage-1 unit of a group of its pairs), then their
    dates on stage 1's model (``_dated``) by its full search on the rest. Returns the plan (None: none
    found), the stage-1 units spent and whether the wall clock ended a step."""
    m, until, seed, workers = group.m, group.until, group.seed, group.workers
    teams = teams_model(m.instance, m.tasks, group.targets, group.experts, most)
    per_unit = executor.LS_SECONDS_PER_UNIT / executor.unit_seconds(1.0, workers, 1, group.pairs)
    each = budget * TEAMS_SEARCH_SHARE / per_unit / TEAMS_TRIES  # the local search's own units
    spent, fired, status = 0.0, False, cp_model.UNKNOWN
    for attempt in range(TEAMS_TRIES):
        solver = _solver(until, executor.pool_seed(seed, attempt), workers, each)
        solver.parameters.use_ls_only = True
        solver.parameters.max_num_deterministic_batches = 0
        status, try_fired = cpsat.solve_until(solver, teams.cp, until)
        spent, fired = spent + solver.deterministic_time * per_unit, fired or try_fired
        if status == cp_model.OPTIMAL:
            break
    if status != cp_model.OPTIMAL or budget - spent < TEAMS_LEAST:
        return None, spent, fired
    dates = _solver(until, seed, workers, budget - spent)
    status, dates_fired = cpsat.solve_until(dates, _dated(m, cpsat.read(teams, solver)), until)
    spent += dates.deterministic_time
    found = cpsat.read(m, dates) if status == cp_model.OPTIMAL else None
    return found, spent, fired or dates_fired


def _dated(m: Model, picked: dict[int, Assignment]) -> cp_model.CpModel:
    """``m`` copied with every visit present, the teams of ``picked`` pinned and no objective. The pins
    are the variables' domains, not constraints (``cpsat.narrow``)."""
    dated = m.cp.clone()
    dated.clear_objective()
    dated.clear_hints()

    def pin(var: cp_model.IntVar, value: int) -> None:
        cpsat.narrow(dated, var, value, value)

    for (t, k), x in m.x.items():
        pin(x, int(k in picked[t].members))
    for (t, k), lead in m.lead.items():
        pin(lead, int(k == picked[t].leader))
    for task in m.tasks:
        pin(m.present[task.index], 1)
        for j in task.teams:
            pin(m.team[task.index, j], int(picked[task.index].team == j))
    return dated


def _solver(until: float, seed: int, workers: int, budget: float) -> cp_model.CpSolver:
    """A search for any plan within ``budget`` deterministic units, with no limit on its batches of
    tasks (``executor.batches``): the teams' model and the dates' (stage 1's, which presolve shrinks to
    a fraction once the teams are pinned) cost little to set up a task on."""
    solver = cp_model.CpSolver()
    cpsat.parameters(solver, until - time.monotonic(), seed, workers, deterministic=budget)
    return solver
