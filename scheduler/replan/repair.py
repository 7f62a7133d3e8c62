"""A complete hint for a replan's model (:mod:`scheduler.replan`): the greedy repair of the
announced visits (same dates with a member swapped first, then later dates), then the new ones."""

from __future__ import annotations

from scheduler.greedy import (
    Assignment,
    GreedyState,
    _cap_ok,
    _free,
    _new_state,
    _pick_pool_team,
    _pick_standing_team,
    _place,
    complete_team,
    quota_years,
)
from scheduler.instance import Task
from scheduler.replan.problem import _Problem


def _greedy(problem: _Problem) -> dict[int, Assignment]:
    """Announced visits repaired as cheaply as it can (same dates first), then the new ones placed."""
    instance = problem.instance
    state = _new_state(instance)
    for k, by_year in problem.held.year_days.items():
        state.year_load[k].update(by_year)
    for k, load in problem.held.load.items():
        state.load[k] = load
    for w, n in problem.held.running.items():
        state.concurrent[w] += n
    plan: dict[int, Assignment] = {}
    announced = sorted(problem.base, key=lambda t: (problem.base[t].start < 0, problem.base[t].start, t))
    for t in announced:
        placed = _repair(state, instance.tasks[t], problem.base[t], problem.keep[t])
        if placed is not None:
            _place(state, instance.tasks[t], placed.start, placed)
            plan[t] = placed
    reserved = quota_years(instance, problem.targets)
    new = [task for task in instance.tasks if task.index not in problem.base]
    new.sort(
        key=lambda task: (
            task.index not in reserved,
            len(task.start_values()) * len(task.candidates),
            task.inst.id,
        )
    )
    for task in new:
        placed = _place_new(state, task, reserved.get(task.index))
        if placed is not None:
            _place(state, task, placed.start, placed)
            plan[task.index] = placed
    return plan


def _repair(state: GreedyState, task: Task, base: Assignment, keep: int | None) -> Assignment | None:
    starts = task.start_values()
    order = ([keep] if keep is not None else []) + [w for w in starts if w != keep]
    for w in order:
        placed = _at(state, task, w, base)
        if placed is not None:
            return placed
    return None


def _place_new(state: GreedyState, task: Task, want: int | None) -> Assignment | None:
    for wanted in (want, None) if want is not None else (None,):
        for (lo, hi), year in task.preferred_ranges():  # inside one year first, as the greedy
            if wanted is not None and year != wanted:
                continue
            for w in range(lo, hi + 1):
                placed = _at(state, task, w, None)
                if placed is not None:
                    return placed
    return None


def _at(state: GreedyState, task: Task, w: int, base: Assignment | None) -> Assignment | None:
    """A team for ``task`` starting at ``w``: the baseline team where it can stay, else a fresh one."""
    instance = state.instance
    cap = instance.scenario.params.max_concurrent_visits
    if cap is not None and max(state.concurrent[w : w + task.days]) >= cap:
        return None
    if task.team_staffed:
        if base is not None and base.team in task.teams:
            members = task.team_members[task.teams.index(base.team)]
            if all(_free(state, k, w, task.days) and _cap_ok(state, k, w, task.days) for k in members):
                leader_id = instance.teams[base.team].leader
                leader = next(k for k in members if instance.experts[k].id == leader_id)
                return Assignment(w, members, leader, base.team)
        picked = _pick_standing_team(state, task, w)
        return None if picked is None else Assignment(w, picked[2], picked[1], picked[0])
    if base is not None:
        swapped = _swap(state, task, w, base)
        if swapped is not None:
            return swapped
    pool = _pick_pool_team(state, task, w)
    return None if pool is None else Assignment(w, pool[1], pool[0])


def _swap(state: GreedyState, task: Task, w: int, base: Assignment) -> Assignment | None:
    """The baseline members who can still come, completed (leader, skills, size) from the free ones."""
    experts = state.instance.experts
    allowed = set(task.candidates)

    def ok(k: int) -> bool:
        return k in allowed and _free(state, k, w, task.days) and _cap_ok(state, k, w, task.days)

    kept = [k for k in base.members if ok(k)]
    if not kept:
        return None
    free = [k for k in task.candidates if ok(k) and k not in kept]
    leader = base.leader if base.leader in kept and experts[base.leader].leader else None
    made = complete_team(state, task, kept, free, leader)
    if made is None:
        return None
    return Assignment(w, made[1], made[0])
