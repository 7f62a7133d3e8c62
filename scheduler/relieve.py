"""The rescue's first step: a day off a pool's heaviest load by re-solving only the visits that matter.

Where a one-pool group's stage-1 search ends far above its bound (``executor.RESCUE_ABOVE``), the
days to move are the heaviest experts' and the room to take them is the light experts': those below
the bound with room under their yearly caps (R8) for one of the heaviest experts' visits.
:func:`relieve` asks CP-SAT for a plan whose heaviest load is a day lower in which every visit that
has none of these experts on its team keeps its team and its start, so that a search over a few dozen
visits, not the whole pool, finds how to pass the days along. Each plan found is the next step's
start; a step that finds none widens the neighbourhood by a day each way (the next-heaviest, the
next-lightest), at most :data:`WIDEN_MOST` times. Deterministic: CP-SAT's deterministic time and
batches end every step, the wall clock only as the last resort.

Measured on hospitals seed 326 (generated round, default seed 0; the pool 岩寺市、水溪市→…, 59 experts,
59 visits of 1, 5 and 7 days): stage 1 and then CP-SAT's local search on 16 units left it at 29 days
against its bound of 26; from the same plan this found 28 and 27 in 0.35 units (0.5 s). On the one-
or two-day gaps of hospitals seeds 2, 5, 7, 9 and 10 it finds nothing (the pools' loads may be
optimal there), which is why it runs only in the rescue.
"""

from __future__ import annotations

from collections.abc import Callable

from ortools.sat.python import cp_model

from scheduler import cpsat, pooling
from scheduler.greedy import Assignment
from scheduler.model import Model

# A step's deterministic budget at most (units): the steps that found a plan on seed 326 took 0.10 and
# 0.25; one finding none should not take the rescue's whole budget.
STEP_MOST = 0.5
# How many times a step that finds no plan widens the neighbourhood before the search gives up.
WIDEN_MOST = 2
# The least deterministic budget worth a step (as ``stages.DESCENT_LEAST``).
STEP_LEAST = 0.01


def relieve(
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
    subsolvers: tuple[str, ...],
) -> tuple[dict[int, Assignment] | None, float, bool]:
    """Lower the heaviest load (``heaviest``, never below ``lb``) of ``m``'s one pool from ``plan``
    (complete, valid for the model), a day at a time, within ``budget`` deterministic units. Returns
    the last plan found (None: none), the deterministic time spent and whether the wall clock ended a
    step. ``hint`` sets the model's hint to a plan; ``subsolvers`` are stage 1's."""
    instance = m.instance
    caps = instance.year_caps
    years = max(1, len(instance.workdays_per_year))
    experts = sorted({k for task in m.tasks for k in task.candidates})
    spent, found, fired, widen = 0.0, None, False, 0
    while widen <= WIDEN_MOST:
        load = pooling.loads(instance, plan)
        now = max(lb, *load.values())
        left = budget - spent
        if now <= lb or left < STEP_LEAST:
            break
        hot = {k for k in experts if load.get(k, 0) >= now - widen}
        # the fewest days a heaviest expert could hand over: a light expert needs room for that many
        shortest = min(instance.tasks[t].days for t, a in plan.items() if hot.intersection(a.members))
        cool = {
            k
            for k in experts
            if load.get(k, 0) < lb + widen and _room(load.get(k, 0), caps[k], years, shortest)
        }
        moving = hot | cool
        target = cpsat.step_copy(m, heaviest, lb, now - 1)
        for task in m.tasks:
            # a visit none of them is on keeps its start and its team (a standing team's visit too)
            if not moving.intersection(plan[task.index].members):
                cpsat.keep(target, m, task.index, plan[task.index])
        solver, status, step_fired = cpsat.solve_step(
            target, until, seed, workers, min(left, STEP_MOST), pairs, subsolvers
        )
        fired = fired or step_fired
        spent += solver.deterministic_time
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            found = plan = cpsat.read(m, solver)
            hint(plan)
            widen = 0
        else:
            widen += 1
    return found, min(spent, budget), fired


def _room(load: int, cap: int | None, years: int, shortest: int) -> bool:
    """Whether an expert with ``load`` days has room for ``shortest`` days more under a yearly ``cap``
    over ``years`` years (R8; which year is for the model to settle): an expert a day short of a cap
    would only widen the search."""
    return cap is None or cap * years - load >= shortest
