"""One group's searches: stage 1 (the descent, then the objective's search) and stage 2 (finish early).

A group is a part of the round that shares no expert, quota share or office capacity with the rest
(``scheduler.solve`` splits the round and sizes each group's deterministic budgets; ``scheduler.executor``
runs the groups here, in processes or on Ray). :func:`solve_group` builds the group's model from the rule
modules, searches it from the group's start plan and returns its plan with its pools' loads and bounds.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from constraints.registry import post_all
from scheduler import cpsat, executor, pacing, pooling
from scheduler.bounds import most_made, short_capacities
from scheduler.executor import Progress
from scheduler.greedy import Assignment, QuotaTarget, compact
from scheduler.improve import Work, improve
from scheduler.instance import Instance, Task
from scheduler.model import Model, build_variables
from scheduler.relieve import relieve
from scheduler.shares import quotas_met
from scheduler.teams_first import TEAMS_SHARE, teams_first
from scheduler.teams_first import Group as TeamsGroup  # not solve's Group


@dataclass
class GroupOutcome:
    """A group's plan (task index → assignment), whether it is proven best, and each pool's heaviest
    load and lower bound by the pool's objective name (``max_load[…]``)."""

    values: dict[int, Assignment]
    optimal: bool
    loads: dict[str, int]
    pool_bounds: dict[str, int] = field(default_factory=dict)
    feasible: bool = True  # False: no plan for this group meets every rule (e.g. its quota)
    proven: bool = False  # not feasible, and CP-SAT proved that no plan of the group meets its quota shares
    wall_clock_fired: bool = False  # the wall-clock last resort, not a deterministic budget, ended a search
    spent: float = 0.0  # the deterministic time stage 1 searched (0: no search)


# Stage 1's full-problem search: CP-SAT's own search without its linear relaxation, beside its
# large-neighbourhood searches. With one worker the interleaved search shares its batches among these,
# and the neighbourhoods are what lower the loads: with CP-SAT's seven default full-problem searches
# they got too few batches. Measured on hospitals seed 1's pool 柏溪 (62 experts, 75 visits of 5 and 7
# days), from the local search's plan at 30: the heaviest load alone as objective stays at 30 with
# twelve times the budget; with each expert's days above the bound counted too, the search reaches the
# bound, 27, in 1.95 deterministic seconds with this search and 15.7 with the default seven.
STAGE_ONE_SUBSOLVERS = ("no_lp",)


def greedy_at_bound(
    instance: Instance,
    tasks: list[Task],
    group_pools: list[tuple[list[int], list[int]]],
    plan: dict[int, Assignment],
    floors: list[int] | None = None,
) -> bool:
    """Whether the greedy plan already places every task with each pool's load at its lower bound
    (``floors``, per pool, as :func:`~scheduler.pooling.made_floors` gives them; default from
    :func:`~scheduler.bounds.relaxed_bound`); in a pool no plan can make whole, as many of its tasks as
    its shortfalls allow (:func:`~scheduler.bounds.most_made`)."""
    if any(t.index not in plan for t in tasks) and len(group_pools) > 1:
        return False  # (the shortfalls are a pool's own; groups of several pools share quotas)
    if floors is None:
        floors = pooling.made_floors(instance, group_pools, pooling.floors(instance, group_pools), plan)
    load = pooling.loads(instance, {t.index: plan[t.index] for t in tasks if t.index in plan})
    for (ts, es), floor in zip(group_pools, floors, strict=True):
        made = sum(1 for t in ts if t in plan)
        if made < len(ts):
            short = short_capacities(instance, ts)
            if not short or made < most_made(instance, ts, short):
                return False
        if max((load.get(k, 0) for k in es), default=0) > floor:
            return False
    return True


def solve_group(
    instance: Instance,
    tasks: list[Task],
    group_pools: list[tuple[list[int], list[int]]],
    targets: list[QuotaTarget],
    start_plan: dict[int, Assignment],
    deadline: float,
    seed: int,
    workers: int,
    progress: Progress | None,
    started: float,
    budgets: tuple[float, float],
    at_bound: bool,
    floors: list[int] | None = None,
    exact: bool = True,
) -> GroupOutcome:
    """Stages 1 and 2 on one group; ``budgets`` (deterministic time of each stage, from
    ``scheduler.executor.budgets``) end the searches, ``deadline`` is only the last resort.
    ``at_bound``: the start plan meets the group's quota shares and every pool's bound (no stage 1;
    ``PoolJob.at_bound``). ``floors`` are the pools' lower bounds, from the whole round, a pool no plan
    can make whole given that of plans making as many of its visits as the round's start plan
    (:func:`~scheduler.pooling.made_floors`; default: from ``instance``, which may have pruned
    candidate lists, and ``start_plan``); a pool the plan it ends on leaves visits of reports the
    bound of plans making as many (:func:`~scheduler.pooling.reported_bounds`). (A short pool's floor
    is not raised for a second search from the first one's plan, which may make more: hospitals seed
    141's 鹿店市 then ends at 60 instead of 58, the objective's days above the floor guiding the search
    less.)"""
    if floors is None:
        floors = pooling.made_floors(instance, group_pools, pooling.floors(instance, group_pools), start_plan)
    m = build_variables(instance, tasks, targets)
    post_all(m)
    cp = m.cp
    # objective 2: per pool, the heaviest load, never below our own bound; then the days each of its
    # experts works above that bound (:data:`STAGE_ONE_SUBSOLVERS`)
    maxima = []
    loads_term: list[cp_model.LinearExprT] = []
    weight = 1
    above: list[tuple[cp_model.IntVar, int, int]] = []  # (days above the bound, expert, bound)
    bounds = []
    for (ts, es), floor in zip(group_pools, floors, strict=True):
        top = sum(instance.tasks[t].days for t in ts)
        lb = min(floor, top)
        # where no plan makes all the pool's visits, its floor is that of plans making as many as the
        # start plan (``made_floors``: the bound of plans making all would let any load under it pass —
        # hospitals seed 2's 德渡市, 16 of its visits made: 24 or 41 days, as the search happened to
        # end), and the shortfalls are posted, which spares the search visits no plan can make
        for terms, supply in short_capacities(instance, ts):
            cp.add(sum(need * m.present[t] for t, need in terms) <= supply)
        bounds.append(lb)
        mx = cp.new_int_var(lb, top, f"max_load[{pooling.pool_name(instance, es, ts)}]")
        working = [k for k in es if m.tasks_of.get(k)]
        # one day off the heaviest load outweighs any days above the bound
        scale = 1 + len(working) * (top - lb)
        weight += scale * top + len(working) * (top - lb)
        loads_term.append(scale * mx)
        for k in working:
            cp.add(m.load(k) <= mx)
            over = cp.new_int_var(0, top - lb, f"over_bound[{instance.experts[k].id}]")
            cp.add(over >= m.load(k) - lb)
            loads_term.append(over)
            above.append((over, k, lb))
        maxima.append(mx)
    missing = sum(1 - m.present[t.index] for t in tasks)
    cp.minimize(weight * missing + cp_model.LinearExpr.sum(loads_term))

    def heaviest_loads(load: dict[int, int]) -> list[int]:
        """Per pool, the heaviest of ``load``, never below the pool's bound (the value of its maximum)."""
        return [
            max([lb, *(load.get(k, 0) for k in es)]) for (_, es), lb in zip(group_pools, bounds, strict=True)
        ]

    def objective_values(plan: Mapping[int, Assignment]) -> Iterable[tuple[cp_model.IntVar, int]]:
        """The objective's variables in ``plan`` (they stay in the model for stage 2)."""
        load = pooling.loads(instance, plan)
        yield from ((over, max(0, load.get(k, 0) - lb)) for over, k, lb in above)
        yield from zip(maxima, heaviest_loads(load), strict=True)

    m.derive(objective_values)

    def hint(plan: dict[int, Assignment]) -> None:
        """A complete hint of ``plan``, the objective's variables included."""
        cp.clear_hints()
        cpsat.hint(m, plan, {})

    hint(start_plan)
    chosen = start_plan
    optimal = at_bound
    bound = float(sum(bounds))
    fired = False
    spent = 0.0
    if not at_bound:
        # the group's (for a large group, pruned) candidate pairs, as the time plan counted them
        pairs = pooling.pairs(tasks)
        budget, loaded = budgets[0], 0
        found, proven = None, False
        # a one-pool group whose start plan is valid for the model: complete, its quota shares met
        complete = all(t.index in start_plan for t in tasks) and quotas_met(instance, start_plan, targets)
        rescue = 0.0  # the rescue's budget, after the search (``executor.RESCUE_ABOVE``)
        if len(group_pools) == 1 and complete:
            rescue = executor.rescue_units(budget, workers, pairs)
            heaviest = pooling.heaviest(instance, start_plan)
            if heaviest > bounds[0]:
                # teams first, then dates (``scheduler.teams_first``): a plan at the bound ends stage 1,
                # one above it is where the descent starts
                steps = TeamsGroup(m, targets, group_pools[0][1], deadline, seed, workers, pairs)
                found, spent, fired = teams_first(
                    steps, bounds[0], heaviest - 1, budget * TEAMS_SHARE, exact=exact
                )
                budget = max(0.0, budget - spent)
                loaded = 1  # its dates' steps loaded copies of stage 1's model (counted as one)
                proven = found is not None and pooling.heaviest(instance, found) <= bounds[0]
                if found is not None:
                    hint(found)
            if not proven:
                # from the plan hinted; each plan the descent finds it hints in turn
                lowered, proven, used, models, descent_fired = descend(
                    m,
                    maxima[0],
                    bounds[0],
                    found if found is not None else start_plan,
                    hint,
                    deadline,
                    seed,
                    workers,
                    budget * DESCENT_SHARE,
                    pairs,
                )
                spent, loaded, fired = spent + used, loaded + models, fired or descent_fired
                budget = max(0.0, budget - used)
                found = lowered if lowered is not None else found
        status = cp_model.UNKNOWN
        if not proven and budget >= DESCENT_LEAST:
            solver = cp_model.CpSolver()
            watch = cpsat.Watch(progress, started, shown=(sum(maxima), bound))
            cpsat.parameters(
                solver,
                deadline - time.monotonic(),
                seed,
                workers,
                deterministic=budget,
                subsolvers=STAGE_ONE_SUBSOLVERS,
                # the batches of the group's whole budget: the descent's steps run no neighbourhoods
                # (``descend``), and each model they loaded costs about one task
                # (``executor.TASK_SECONDS_PER_PAIR``)
                batches=max(1, executor.batches(budgets[0], pairs) - loaded // executor.INTERLEAVE_BATCH),
            )
            status, stage_fired = cpsat.solve_until(solver, cp, deadline, watch)
            fired = fired or stage_fired
            spent += solver.deterministic_time
            searched = cpsat.read(m, solver) if status in (cp_model.OPTIMAL, cp_model.FEASIBLE) else None
            # from the descent's plan as a complete hint the search finds no worse, but keep the
            # descent's should it not have found that plan again
            if searched is not None and (
                found is None or pooling.heaviest(instance, searched) <= pooling.heaviest(instance, found)
            ):
                found = searched
        # a search not proven optimal spent its budget, whether its deterministic time or its batches
        # of tasks (``executor.batches``) ended it: only a proof leaves some for other groups
        optimal = proven or status == cp_model.OPTIMAL
        # the rescue, only where the pool is still far above its bound, from the best plan so far (the
        # search's, the descent's or the start plan: complete and valid for the model wherever
        # ``rescue`` is given): first the visits of its heaviest and lightest experts alone
        # (``scheduler.relieve``) on a share of the rescue's seconds, then the local descent on the rest
        best = found if found is not None else start_plan
        far = executor.RESCUE_ABOVE * bounds[0]
        if rescue > 0 and not optimal and pooling.heaviest(instance, best) > far:
            hint(best)
            seconds = rescue * executor.LS_SECONDS_PER_UNIT
            near = executor.units(seconds * executor.RELIEVE_SHARE, workers, 1, pairs)
            relieved, used, relieve_fired = relieve(
                m,
                maxima[0],
                bounds[0],
                best,
                hint,
                deadline,
                seed,
                workers,
                near,
                pairs,
                STAGE_ONE_SUBSOLVERS,
            )
            if relieved is not None:
                best = found = relieved
            rest = (seconds - executor.unit_seconds(used, workers, 1, pairs)) / executor.LS_SECONDS_PER_UNIT
            rescue_fired = False
            if rest >= DESCENT_LEAST:
                lowered, _, _, _, rescue_fired = descend(
                    m, maxima[0], bounds[0], best, hint, deadline, seed, workers, rest, pairs, locally=True
                )
                if lowered is not None:
                    found = lowered
            fired = fired or relieve_fired or rescue_fired
        if not optimal:
            spent = max(spent, budgets[0])
        if found is not None and len(found) < len(start_plan) and quotas_met(instance, start_plan, targets):
            # a search that did not find its hinted plan again within its budget may end on one with
            # fewer visits: the start plan, valid for the model, is then the better (objective 1)
            found = start_plan
        if found is not None:
            # on the group's own (for a large group, pruned) candidate lists, within a work budget
            # from its size that the time plan counted with its model (``executor.budgets``); then
            # the flattening on the work left (``scheduler.improve.FLATTEN_TRIES``), here only: on
            # the start plan it changes where the searches start, as often for the worse
            work = Work(executor.group_work(pairs))
            chosen = improve(
                instance,
                found,
                group_pools,
                bounds,
                targets,
                m.caps,
                work=work,
                max_pairs=None,
                flatten=True,
            )
        elif not quotas_met(instance, chosen, targets):
            # the greedy plan misses a quota and the model found nothing better: no valid plan
            return GroupOutcome(chosen, False, {}, feasible=False, proven=status == cp_model.INFEASIBLE)
    elif progress is not None:
        heaviest = sum(heaviest_loads(pooling.loads(instance, start_plan)))
        progress(time.monotonic() - started, float(heaviest), bound)

    # stage 2: keep who visits what, finish as early as possible (a budget too small to find even
    # the hinted plan is not spent: the heuristic times it as the model would start from)
    finished, finish_optimal, finish_fired = None, False, False
    if budgets[1] >= executor.FINISH_LEAST:
        finished, finish_optimal, finish_fired = finish_early(
            m, chosen, deadline, seed, workers, deterministic=budgets[1]
        )
    fired = fired or finish_fired
    chosen = finished if finished is not None else pacing.settle(instance, chosen, m.quotas, m.caps)
    optimal = optimal and finish_optimal
    loads = pooling.loads(instance, chosen)
    named = {
        mx.name: max((loads.get(k, 0) for k in es), default=0)
        for mx, (_, es) in zip(maxima, group_pools, strict=True)
    }
    reported = pooling.reported_bounds(instance, group_pools, bounds, chosen)
    pool_bounds = {mx.name: bound for mx, bound in zip(maxima, reported, strict=True)}
    return GroupOutcome(chosen, optimal, named, pool_bounds, wall_clock_fired=fired, spent=spent)


# Of a one-pool group's stage-1 budget, the share its descent may spend first (:func:`descend`); the
# least deterministic budget worth a search (a descent's step, or what the descent leaves stage 1).
DESCENT_SHARE = 0.1
DESCENT_LEAST = 0.01


def descend(
    m: Model,
    heaviest: cp_model.IntVar,
    lb: int,
    plan: dict[int, Assignment],
    hint: Callable[[dict[int, Assignment]], None],
    until: float,
    seed: int,
    workers: int,
    budget: float,
    pairs: int,
    locally: bool = False,
) -> tuple[dict[int, Assignment] | None, bool, float, int, bool]:
    """Lower a one-pool group's heaviest load a day at a time before stage 1's search: each step asks
    CP-SAT for any plan of every visit whose heaviest load (``heaviest``, never below ``lb``) is a day
    under the last plan's, hinted with that plan, within what is left of ``budget`` deterministic units;
    the first step that finds none ends the descent. Returns the last plan found (None: none), whether
    it is proven best (at ``lb``, or the next step proven infeasible), the deterministic time spent (all
    of ``budget`` when a step ran out of it or of its batches), how many models it loaded and whether
    the wall clock ended a step. The model is stage 1's, copied with its hint, every visit required and
    no objective.

    ``locally``: the rescue after stage 1's search (``executor.RESCUE_ABOVE``): the steps are CP-SAT's
    violation local search alone (``use_ls_only``; its feasibility jump), which proves nothing and runs
    no batches of tasks, on a budget priced at ``executor.LS_SECONDS_PER_UNIT``.

    Why: stage 1's objective lowers the heaviest load through the days each expert works above the
    bound, and now and then a day of the heaviest load itself; asked for a day less outright, the same
    search often finds it at once. Measured on hospitals seed 33's group 杨渡 (31 visits, 21 experts,
    35 days from the local search, bound 31): stage 1 reaches 32 after about 2 units; asked for 34, 33
    and 32 in turn, 0.02-0.22 units each. On 35 stage-1 searches of nine hospital rounds (their models
    and budgets as the product ran them), a tenth of each budget to the descent and the rest to stage 1
    from its plan left 43 days above the bounds in all against 50, lower in five searches, higher in
    none; half of the budget to the descent did worse than stage 1 alone on some rounds."""
    now = max(lb, pooling.heaviest(m.instance, plan))
    spent, loaded, fired, found = 0.0, 0, False, None
    while True:
        left = budget - spent
        if now <= lb:
            return found, True, spent, loaded, fired
        if left < DESCENT_LEAST:
            return found, False, spent, loaded, fired
        target = cpsat.step_copy(m, heaviest, lb, now - 1)
        solver, status, step_fired = cpsat.solve_step(
            target, until, seed, workers, left, pairs, STAGE_ONE_SUBSOLVERS, locally=locally
        )
        loaded += 1
        fired = fired or step_fired
        if status == cp_model.INFEASIBLE:
            return found, True, spent + solver.deterministic_time, loaded, fired
        if status != cp_model.OPTIMAL:  # its budget or its batches ran out
            return found, False, budget, loaded, fired
        spent += solver.deterministic_time
        found = cpsat.read(m, solver)
        now = max(lb, pooling.heaviest(m.instance, found))
        hint(found)


# The finishing stage stops once its plan is proven within this fraction of the best possible.
FINISH_GAP = 0.001


def finish_early(
    m: Model,
    chosen: dict[int, Assignment],
    until: float,
    seed: int,
    workers: int,
    deterministic: float,
    paced: bool | None = None,
    timing: bool = False,
) -> tuple[dict[int, Assignment] | None, bool, bool]:
    """Objective 3 on ``m``: pin who makes each visit as in ``chosen`` and make the last visit end as
    early as possible, then move each visit to its earliest free start in its year (``compact``).
    Returns the plan (None when no timing was found in time), whether it is proven optimal and
    whether the wall clock ended the search (``deterministic``: its budget, see ``cpsat.parameters``).

    ``timing``: any timing that honours every rule will do (no objective; the search ends at the
    first, hinted with ``chosen``'s), for a caller that paces the plan itself (``pacing.settle``)."""
    cp = m.cp
    instance = m.instance
    cp.clear_hints()
    cp.clear_objective()
    cpsat.fix(m, chosen)
    paced = pacing.even(instance) if paced is None else paced
    if timing:
        cpsat.hint(m, chosen, {})
    elif paced:  # pace = even: the busiest month of each window, then early starts (scheduler.pacing)
        chosen = pacing.spread(instance, chosen, m.quotas, m.caps)
        # follow-ups (R15) are paced by their visits' rectification periods, not by the month counts:
        # counting them too makes this stage many times slower to prove
        firsts = {t: a for t, a in chosen.items() if instance.tasks[t].kind == "visit"}
        objective, extra = pacing.objective(m, firsts)
        cpsat.hint(m, chosen, extra)
        cp.minimize(objective)
    else:
        finish = cp.new_int_var(0, instance.horizon, "finish")
        for task in m.tasks:
            cp.add(finish >= m.start[task.index] + task.days).only_enforce_if(m.present[task.index])
        cpsat.hint(m, chosen, {})
        cp.add_hint(finish, max((a.start + instance.tasks[t].days for t, a in chosen.items()), default=0))
        cp.minimize(finish)
    solver = cp_model.CpSolver()
    cpsat.parameters(solver, until - time.monotonic(), seed, workers, deterministic=deterministic)
    # the hint already paces (``pacing.spread``): measured on the province benchmark, the search
    # rarely improves it by more than this, and proving the last fraction costs most of the budget
    solver.parameters.relative_gap_limit = FINISH_GAP
    status, fired = cpsat.solve_until(solver, cp, until)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, False, fired
    timed = cpsat.read(m, solver)
    if timing:  # found, not proven best: the caller's pacing is objective 3
        return timed, False, fired
    placed = pacing.pull(instance, timed) if paced else compact(instance, timed)
    proven = status == cp_model.OPTIMAL and solver.objective_value <= solver.best_objective_bound + 0.5
    return placed, proven, fired
