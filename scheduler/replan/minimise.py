"""The change-minimising model of a replan (:mod:`scheduler.replan`): the free visits in CP-SAT with
everything kept fixed; by weights, no announced visit dropped, as few and as small changes as
possible, as many institutions added as possible, then each pool's heaviest load; a second stage
starts the free visits as early as possible.

Determinism (SPEC §5), as in :mod:`scheduler.solve`: the searches end on deterministic budgets
(``scheduler.executor.budgets``) sized from the time limit and the free part's size before solving;
the wall clock is only the last resort (``cpsat.solve_until``), and :class:`_Search` records when it
fired."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from constraints import replanning
from constraints.registry import post_all
from scheduler import cpsat, executor
from scheduler.executor import Progress
from scheduler.greedy import Assignment
from scheduler.model import Model, build_variables
from scheduler.pooling import pairs as pairs_of
from scheduler.pooling import pool_name, pools
from scheduler.replan.problem import _Problem

W_MOVE = 5  # moving a visit's dates, against 1 per member taken off or put on and 1 for a new leader


@dataclass
class _Search:
    """How a replan's searches run: the time limit their deterministic budgets are sized from, the
    wall-clock last resort (``until``, monotonic seconds), the seed and workers, the progress line;
    ``wall_clock_fired`` turns true when the last resort stops a search."""

    time_limit: float
    until: float
    seed: int
    workers: int
    progress: Progress | None
    started: float
    wall_clock_fired: bool = False

    def budgets(self, problem: _Problem) -> tuple[float, float, int]:
        """Deterministic time of stage 1 and stage 2, from the time limit and the free part's size,
        and the batches of tasks stage 1 may run (``executor.batches``)."""
        pairs = pairs_of(problem.tasks)
        first, second = executor.budgets(self.time_limit, [pairs], [False])[0]
        return first, second, executor.batches(first, pairs)

    def solve(
        self,
        cp: cp_model.CpModel,
        budget: float,
        callback: cp_model.CpSolverSolutionCallback | None = None,
        batches: int = 0,
    ) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus]:
        """One search on ``budget`` deterministic seconds (and at most ``batches`` batches of tasks,
        0: no such limit), the wall clock as the last resort."""
        solver = cp_model.CpSolver()
        left = self.until - time.monotonic()
        cpsat.parameters(solver, left, self.seed, self.workers, deterministic=budget, batches=batches)
        status, fired = cpsat.solve_until(solver, cp, self.until, callback)
        self.wall_clock_fired = self.wall_clock_fired or fired
        return solver, status


@dataclass
class _Outcome:
    chosen: dict[int, Assignment]
    optimal: bool
    objective: dict[str, float]


def _solve(problem: _Problem, hint: dict[int, Assignment], search: _Search) -> tuple[_Outcome | None, bool]:
    """Solve the free part; (outcome or None, whether the model was proved infeasible)."""
    instance = problem.instance
    tasks = instance.tasks
    m = build_variables(instance, tasks, problem.targets, caps=problem.caps)
    post_all(m)
    replanning.add(m, problem.held)
    cp = m.cp
    change, same, changed, extra = _change_cost(m, problem, hint)
    announced = sorted(problem.base)
    new = [t.index for t in tasks if t.index not in problem.base]
    maxima, tops = _max_loads(m, problem, hint, extra)
    scale3 = sum(tops) + 1
    scale2 = scale3 * (len(new) + 1)
    missing_new = sum(1 - m.present[t] for t in new)
    cp.minimize(scale2 * change + scale3 * missing_new + sum(maxima))
    cpsat.hint(m, hint, extra)

    first, second, batches = search.budgets(problem)
    watch = cpsat.Watch(search.progress, search.started, scale2 * change + scale3 * missing_new)
    solver, status = search.solve(cp, first, watch, batches=batches)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, status == cp_model.INFEASIBLE
    chosen = cpsat.read(m, solver)
    optimal = status == cp_model.OPTIMAL
    objective = {
        "changed_visits": float(sum(solver.value(changed[t]) for t in announced)),
        "change_cost": float(solver.value(change)),
        "unscheduled_new": float(sum(1 for t in new if t not in chosen)),
    }
    objective.update({mx.name: float(solver.value(mx)) for mx in maxima})
    # stage 1's own variables as it left them: the same starts are kept below, with the teams fixed
    # the others keep these values too, and the hint below must be complete (SOLVER-NOTES.md)
    kept = {var: solver.value(var) for var in [*same.values(), *changed.values(), *maxima]}

    # stage 2: same teams, same changes; the free visits as early as possible
    cp.clear_hints()
    cp.clear_objective()
    cpsat.fix(m, chosen)
    for var in same.values():
        cp.add(var == kept[var])
    cp.minimize(sum(m.start[t.index] for t in tasks))
    cpsat.hint(m, chosen, kept)
    solver2, status2 = search.solve(cp, second)
    if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = cpsat.read(m, solver2)
    return _Outcome(chosen, optimal and status2 == cp_model.OPTIMAL, objective), False


def _change_cost(
    m: Model, problem: _Problem, hint: dict[int, Assignment]
) -> tuple[cp_model.LinearExpr, dict[int, cp_model.IntVar], dict[int, cp_model.IntVar], dict]:
    """The weighted count of changes to announced visits, and the variables it is made of."""
    cp = m.cp
    instance = problem.instance
    xs: dict[int, list[int]] = defaultdict(list)
    for t, k in m.x:
        xs[t].append(k)
    announced = sorted(problem.base)
    per_visit = 1 + sum(W_MOVE + len(problem.base[t].members) + len(xs[t]) + 1 for t in announced)
    per_cancel = per_visit * (len(announced) + 1)
    terms: list[cp_model.LinearExprT] = []
    same: dict[int, cp_model.IntVar] = {}
    changed: dict[int, cp_model.IntVar] = {}
    extra: dict = {}
    for t in announced:
        task = instance.tasks[t]
        base = problem.base[t]
        a = hint.get(t)
        name = task.inst.id
        ch = cp.new_bool_var(f"changed[{name}]")
        changed[t] = ch
        present = m.present[t]
        cp.add_implication(present.Not(), ch)
        terms.append(per_cancel * (1 - present) + per_visit * ch)
        keep = problem.keep[t]
        if keep is None:
            cp.add(ch == 1)
            terms.append(W_MOVE)
        else:
            var = cp.new_bool_var(f"same_start[{name}]")
            cp.add(m.start[t] == keep).only_enforce_if(var)
            cp.add(m.start[t] != keep).only_enforce_if(var.Not())
            cp.add_implication(var.Not(), ch)
            same[t] = var
            terms.append(W_MOVE * (1 - var))
            extra[var] = a is not None and a.start == keep
        gone = len(set(problem.visits[t].members)) - len(base.members)  # experts no longer in the pool
        if gone:
            cp.add(ch == 1)
            terms.append(gone)
        before = set(base.members)
        for k in before:
            if (t, k) in m.x:
                cp.add_implication(m.x[t, k].Not(), ch)
                terms.append(1 - m.x[t, k])
            else:
                cp.add(ch == 1)
                terms.append(1)
        for k in xs[t]:
            if k not in before:
                cp.add_implication(m.x[t, k], ch)
                terms.append(m.x[t, k])
        terms.append(_leader_change(m, problem, t, ch))
        extra[ch] = a is None or _differs(a, base, keep)
    return cp_model.LinearExpr.sum(terms), same, changed, extra


def _leader_change(m: Model, problem: _Problem, t: int, ch: cp_model.IntVar) -> cp_model.LinearExprT:
    instance = problem.instance
    task = instance.tasks[t]
    leader = problem.base[t].leader
    if task.team_staffed:
        other = [
            m.team[t, j]
            for j in task.teams
            if instance.expert_index().get(instance.teams[j].leader) != leader
        ]
        return sum(other)
    if (t, leader) not in m.lead:
        m.cp.add(ch == 1)
        return 1
    m.cp.add_implication(m.lead[t, leader].Not(), ch)
    return 1 - m.lead[t, leader]


def _differs(a: Assignment, base: Assignment, keep: int | None) -> bool:
    return (
        a.start != keep
        or set(a.members) != set(base.members)
        or a.leader != base.leader
        or a.team != base.team
    )


def _max_loads(
    m: Model, problem: _Problem, hint: dict[int, Assignment], extra: dict
) -> tuple[list[cp_model.IntVar], list[int]]:
    """Per pool of the free visits: the heaviest load, fixed visits included."""
    instance = problem.instance
    held = problem.held.load
    hinted: dict[int, int] = defaultdict(int)
    for t, a in hint.items():
        for k in a.members:
            hinted[k] += instance.tasks[t].days
    maxima, tops = [], []
    for ts, es in pools(instance, instance.tasks):
        low = max((held.get(k, 0) for k in es), default=0)
        top = low + sum(instance.tasks[t].days for t in ts)
        mx = m.cp.new_int_var(low, top, f"max_load[{pool_name(instance, es, ts)}]")
        for k in es:
            if m.tasks_of.get(k):
                m.cp.add(m.load(k) + held.get(k, 0) <= mx)
        maxima.append(mx)
        tops.append(top)
        extra[mx] = max((held.get(k, 0) + hinted[k] for k in es), default=0)
    return maxima, tops


def _run(problem: _Problem, hint: dict[int, Assignment], search: _Search) -> tuple[_Outcome | None, bool]:
    if not problem.tasks:
        return _Outcome({}, True, {}), False
    return _solve(problem, hint, search)
