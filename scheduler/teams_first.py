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
share of the group's budget spent. Where the teams are proven undatable, the step is asked again of the
exact teams' model, which sees the years' rules as far as they bind the teams.

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
# the starts' domains, which the teams' model leaves free. The exact teams' model posts R8 (``exact``).
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
# The exact teams' model's local search in one try: on hospitals seed 1's followed-up pool at 29 (stop
# 52) it had about 2 units; six seeds found teams in 0.29-1.90 units (median 1.2), so one try of 2 finds
# them on all six, a try of half on two.
EXACT_TRIES = 1


def teams_model(
    instance: Instance,
    tasks: list[Task],
    targets: list[QuotaTarget],
    experts: list[int],
    most: int,
    exact: bool = False,
) -> Model:
    """The teams' model: stage 1's variables with every visit present, its rules but
    :data:`LEFT_OUT`, and each of ``experts`` at most ``most`` days in all and at most their yearly cap
    times the years their visits may fall in. Every plan of stage 1's model with every visit and each
    of ``experts`` within ``most`` days gives teams this model allows.

    ``exact``: with the years' rules as far as they bind the teams (:func:`_years`): R8's caps year by
    year, the years a quota leaves no choice of, and at most one visit across New Year per member."""
    m = build_variables(instance, tasks, targets, require_all=True)
    left_out = LEFT_OUT - {"R8"} if exact else LEFT_OUT
    for rule, post in POSTS:
        if rule not in left_out:
            post(m)
    if exact:
        _years(m)
    for k in experts:
        if not m.tasks_of.get(k):
            continue
        m.cp.add(m.load(k) <= most)
        cap = instance.scenario.year_cap(instance.experts[k])
        if cap is not None:
            years = {y for t in m.tasks_of[k] for y in m.touched_years(t)}
            m.cp.add(m.load(k) <= cap * len(years))
    return m


def _years(m: Model) -> None:
    """What the years' rules ask of the teams beside R8's caps year by year: a visit a quota (R9) leaves
    no choice of lies in the quota's year (all its visits wanted there) or out of it (none allowed);
    a member makes at most one of the visits across New Year (they share its last working day, R5).

    Without them, a capped member's days fit their caps over all years but not year by year: on
    hospitals seed 1 with a fifth of its institutions followed up (stop 52) the teams at 29 days put
    three 5-day visits on members capped at 8 or 9 days a year, which only visits across New Year could
    split, and a quota wanted every private secondary hospital in 2025: the teams could not be dated."""
    cp = m.cp
    for (t, year), inside in sorted(_decided(m).items()):
        cp.add(m.in_year[t, year] == int(inside))
    for k in sorted(m.tasks_of):
        across = [(t, sum(m.straddle[t].values())) for t in m.tasks_of[k] if m.straddle.get(t)]
        if len(across) < 2:
            continue
        made = []
        for t, crossing in across:
            both = cp.new_bool_var(f"across[{m.task(t).name},{k}]")
            cp.add(both >= m.x[t, k] + crossing - 1)
            made.append(both)
        cp.add(sum(made) <= 1)


def _decided(m: Model) -> dict[tuple[int, int], bool]:
    """The (visit, year) pairs a quota leaves no choice of: in the year where it wants every visit it
    counts there, out of it where it allows none."""
    decided: dict[tuple[int, int], bool] = {}
    for rows, inside in ((m.quotas, True), (m.caps, False)):
        for year, counted, limit in rows:
            pairs = [(t, year) for t in counted if (t, year) in m.in_year]
            if pairs and (limit >= len(pairs) if inside else limit <= 0):
                decided.update(dict.fromkeys(pairs, inside))
    return decided


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
    group: Group, bound: int, most: int, budget: float, exact: bool = True
) -> tuple[dict[int, Assignment] | None, float, bool]:
    """A plan of every one of the group's visits with the heaviest load of its experts as low as the
    steps find, within about ``budget`` of stage 1's deterministic units in all (each step
    :func:`level`): first at ``bound``; where that finds none, at ``most``, then a day less each step
    down to a day above the bound, the first step that finds none ending them. Returns the last plan
    found (None: none), the stage-1 units spent of ``budget`` and whether the wall clock ended a step.

    The bound first: where the teams' model is loose (two visits of one member on one day), teams at a
    higher load are the likelier to be undatable. Then from the top down: measured on the twelve rounds
    of hospitals seeds 2-10, 27-30, 34 and 141-148 with a pool above its bound after stage 1, the
    steps from the start plan's load down left two pools a day lower at the end (seeds 5 and 34) and none
    higher than the bound alone.

    Where a step's teams are proven undatable, the teams' model misled it: unless ``exact`` is false,
    the step is asked again of the exact teams' model (``teams_model(exact=True)``), on units of its own
    (the steps' budget is then ``budget`` twice over) not counted in what is returned as spent: the time
    plan's margin pays for them, not the descent and stage 1 after. Its local search is the slower
    (province seed 41's pool 安顺市, with R8 posted: no teams in 2.8 units where the loose model finds
    them in 0.25), so it is asked only where the loose model's teams proved undatable. Measured at stop
    52: taken from the group's budget, exact steps that found nothing left hospitals seed 509's pool
    石坊市 (bound 35) at 37 where the descent had reached 36; ending the steps where an exact step found
    nothing left hospitals seed 1's pool 柏溪市 at 28, where the loose step at 29 and the descent from it
    reach 27."""
    allowance, spent, fired = budget, 0.0, False
    own = 0.0  # the units the exact model's steps spent

    def step(load: int) -> dict[int, Assignment] | None:
        nonlocal allowance, spent, fired, own
        plan, used, step_fired, undatable = level(group, load, allowance - spent)
        spent, fired = spent + used, fired or step_fired
        if undatable and exact:
            allowance = budget * 2
            plan, used, step_fired, _ = level(group, load, allowance - spent, exact=True)
            spent, fired, own = spent + used, fired or step_fired, own + used
        return plan

    found = step(bound)
    while found is None or pooling.heaviest(group.m.instance, found) > bound:
        if most <= bound or allowance - spent < TEAMS_LEAST:
            break
        plan = step(most)
        if plan is None:
            break
        found = plan
        most = pooling.heaviest(group.m.instance, plan) - 1
    return found, spent - min(own, budget), fired


def level(
    group: Group, most: int, budget: float, exact: bool = False
) -> tuple[dict[int, Assignment] | None, float, bool, bool]:
    """A plan of every one of the group's visits with each of its experts at most ``most`` days, within
    about ``budget`` of stage 1's deterministic units: teams from the teams' model (``exact``: with the
    years' rules, :func:`teams_model`) by CP-SAT's violation local search alone
    (:data:`TEAMS_SEARCH_SHARE` of the budget in :data:`TEAMS_TRIES` tries, :data:`EXACT_TRIES` for the
    exact model, its units priced at ``executor.LS_SECONDS_PER_UNIT`` against a stage-1 unit of a group
    of its pairs), then their dates on stage 1's model (``_dated``) by its full search on the rest.
    Returns the plan (None: none found), the stage-1 units spent, whether the wall clock ended a step and
    whether the teams found were proven undatable."""
    m, until, seed, workers = group.m, group.until, group.seed, group.workers
    teams = teams_model(m.instance, m.tasks, group.targets, group.experts, most, exact)
    per_unit = executor.LS_SECONDS_PER_UNIT / executor.unit_seconds(1.0, workers, 1, group.pairs)
    tries = EXACT_TRIES if exact else TEAMS_TRIES
    each = budget * TEAMS_SEARCH_SHARE / per_unit / tries  # the local search's own units
    spent, fired, status = 0.0, False, cp_model.UNKNOWN
    for attempt in range(tries):
        solver = _solver(until, executor.pool_seed(seed, attempt), workers, each)
        solver.parameters.use_ls_only = True
        solver.parameters.max_num_deterministic_batches = 0
        status, try_fired = cpsat.solve_until(solver, teams.cp, until)
        spent, fired = spent + solver.deterministic_time * per_unit, fired or try_fired
        if status == cp_model.OPTIMAL:
            break
    if status != cp_model.OPTIMAL or budget - spent < TEAMS_LEAST:
        return None, spent, fired, False
    picked = cpsat.read(teams, solver)
    dates = _solver(until, seed, workers, budget - spent)
    status, dates_fired = cpsat.solve_until(dates, _dated(m, picked), until)
    spent, fired = spent + dates.deterministic_time, fired or dates_fired
    if status == cp_model.OPTIMAL:
        return cpsat.read(m, dates), spent, fired, False
    return None, spent, fired, status == cp_model.INFEASIBLE


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
