"""CP-SAT plumbing shared by the solve, the replan, the explanations and the MSPSP adapter: search
parameters (deterministic budgets, or wall seconds), the wall-clock last resort, complete hints from
a plan, pinning a plan's teams, reading a plan back, and the progress callback."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable

from ortools.sat.python import cp_model

from scheduler import executor, pooling
from scheduler.executor import Progress
from scheduler.greedy import Assignment
from scheduler.instance import Task
from scheduler.model import Model


class Watch(cp_model.CpSolverSolutionCallback):
    """Reports each better plan: the objective less its ``penalty`` terms (left-out and changed
    visits), i.e. the heaviest loads in days the progress line names, and the bound on them."""

    def __init__(
        self,
        progress: Progress | None,
        started: float,
        penalty: cp_model.LinearExprT = 0,
        shown: tuple[cp_model.LinearExprT, float] | None = None,
    ) -> None:
        super().__init__()
        self._progress = progress
        self._started = started
        self._penalty = penalty
        self._shown = shown  # (the heaviest loads, their lower bound), when the objective counts more

    def on_solution_callback(self) -> None:
        if self._progress is not None and self._shown is not None:
            loads = float(self.value(self._shown[0]))
            self._progress(time.monotonic() - self._started, loads, min(self._shown[1], loads))
        elif self._progress is not None:
            paid = float(self.value(self._penalty))
            loads = self.objective_value - paid
            bound = min(max(self.best_objective_bound - paid, 0.0), loads)
            self._progress(time.monotonic() - self._started, loads, bound)


def parameters(
    solver: cp_model.CpSolver,
    budget: float,
    seed: int,
    workers: int,
    deterministic: float | None = None,
    subsolvers: tuple[str, ...] = (),
    batches: int = 0,
    portfolio: bool = False,
) -> None:
    """``budget`` wall seconds alone end the search (the MSPSP table, whose rule is wall seconds per
    instance); with ``deterministic`` (``scheduler.executor``), that deterministic budget alone ends
    it and ``budget`` is not used (the last resort: ``solve_until``) — the product's searches.
    CP-SAT's workers take turns (its interleaved search, which gives the same result on every run);
    ``portfolio``, for a search ended by wall seconds only: they run side by side on their own threads,
    as CP-SAT's parallel portfolio (not the same result on every run).
    ``subsolvers``: CP-SAT's full-problem searches to run (default: all of its own choice); ``batches``:
    with ``deterministic``, at most that many batches of tasks (0: no such limit), so that a search whose
    tasks cost more than their deterministic time (``executor.TASK_SECONDS_PER_PAIR``) still stops
    where the time plan counts it to (``executor.batches``)."""
    p = solver.parameters
    p.random_seed = seed
    p.num_workers = workers
    p.interleave_search = not (portfolio and deterministic is None)
    if deterministic is None:
        p.max_time_in_seconds = max(budget, 0.5)
    else:  # no wall-clock limit inside CP-SAT: near it, its search changes (``solve_until``)
        p.interleave_batch_size = executor.INTERLEAVE_BATCH
        p.max_deterministic_time = max(deterministic, 0.0)
        p.max_num_deterministic_batches = max(0, batches)
    p.cp_model_probing_level = 0
    p.log_search_progress = False
    p.subsolvers.extend(subsolvers)


# Seconds between the last resort's repeated stops of a search (:func:`solve_until`).
STOP_REPEAT = 0.05


def solve_until(
    solver: cp_model.CpSolver,
    cp: cp_model.CpModel,
    until: float,
    callback: cp_model.CpSolverSolutionCallback | None = None,
) -> tuple[cp_model.CpSolverStatus, bool]:
    """Solve with the deterministic budget set by ``parameters``; a timer stops the search at
    ``until`` (monotonic seconds), the wall-clock last resort. Returns the status and whether that
    timer stopped an unfinished search.

    The last resort is a timer and not CP-SAT's ``max_time_in_seconds``: measured here, CP-SAT's
    interleaved search already changes as the wall time left comes close, before the limit is hit,
    so a wall-clock limit inside CP-SAT makes the plan depend on the load.
    """
    stopped = threading.Event()
    finished = threading.Event()

    def stop() -> None:
        # CP-SAT ignores a stop that lands before its solve has begun (a search started after its last
        # resort then ran its whole budget: a rescue of 16 units at a third of a core, 113 s against a
        # limit of 60), so the stop is repeated until the solve returns
        stopped.set()
        while not finished.is_set():
            solver.stop_search()
            finished.wait(STOP_REPEAT)

    timer = threading.Timer(max(0.0, until - time.monotonic()), stop)
    timer.daemon = True
    timer.start()
    try:
        status = solver.solve(cp, callback)
    finally:
        finished.set()
        timer.cancel()
    return status, stopped.is_set() and status not in (cp_model.OPTIMAL, cp_model.INFEASIBLE)


def hint(m: Model, plan: dict[int, Assignment], extra: dict) -> None:
    """A complete hint from ``plan`` (CP-SAT uses only complete hints well, SOLVER-NOTES.md)."""
    cp = m.cp
    for task in m.tasks:
        t = task.index
        a = plan.get(t)
        if not m.require_all:
            cp.add_hint(m.present[t], a is not None)
        cp.add_hint(m.start[t], a.start if a else task.starts[0][0])
        year = m.instance.wholly_in(a.start, task.days) if a else None
        for y in m.years_of(t):
            var = m.in_year[t, y]
            if var is not m.present[t]:
                cp.add_hint(var, a is not None and y == year)
        for w, var in m.straddle.get(t, {}).items():
            cp.add_hint(var, a is not None and a.start == w)
        members = set(a.members) if a else set()
        for k in seats(task):
            cp.add_hint(m.x[t, k], k in members)
            if (t, k) in m.lead:
                cp.add_hint(m.lead[t, k], a is not None and a.leader == k)
        for j in task.teams:
            cp.add_hint(m.team[t, j], a is not None and a.team == j)
    for derived in m.derived:
        for var, value in derived(plan):
            cp.add_hint(var, value)
    for var, value in extra.items():
        cp.add_hint(var, value)


def narrow(cp: cp_model.CpModel, var: cp_model.IntVar, low: int, high: int) -> None:
    """Keep ``var`` of ``cp`` (a copy of the model ``var`` was made in: the same index) within
    ``low``..``high`` through its domain, not a constraint. Why: CP-SAT 9.15's presolve fails (an
    ``IndexError``, ``raw_hash_map<>::at``, out of the solve) on a copy with no plan where such a
    constraint repeats one a rule posted (``x == 0``; hospitals seed 148, teams first's dates)."""
    domain = cp.proto.variables[var.index].domain
    kept = cp_model.Domain.from_flat_intervals(list(domain)).intersection_with(cp_model.Domain(low, high))
    domain.clear()
    domain.extend(kept.flattened_intervals())


def seats(task: Task) -> Iterable[int]:
    """The experts a task's model has a seat variable for (``Model.x``), in order: a standing team's
    task has its teams' members, any other its candidates (``pooling.people``)."""
    return sorted(pooling.people(task))


def keep(target: cp_model.CpModel, m: Model, t: int, kept: Assignment) -> None:
    """In ``target`` (a copy of ``m``'s model), visit ``t`` keeps ``kept``'s start, members and
    standing team, through the domains (:func:`narrow`)."""
    task = m.task(t)
    narrow(target, m.start[t], kept.start, kept.start)
    for k in seats(task):
        on = int(k in kept.members)
        narrow(target, m.x[t, k], on, on)
    for j in task.teams:
        on = int(kept.team == j)
        narrow(target, m.team[t, j], on, on)


def step_copy(m: Model, heaviest: cp_model.IntVar, lb: int, most: int) -> cp_model.CpModel:
    """Stage 1's model copied, with its hint, for one step of a descent: no objective, every visit
    required, the heaviest load (``heaviest``) within ``lb``..``most`` through the domains
    (:func:`narrow`: a step's copy may have no plan)."""
    target = m.cp.clone()
    target.clear_objective()
    narrow(target, heaviest, lb, most)
    for task in m.tasks:
        narrow(target, m.present[task.index], 1, 1)
    return target


def solve_step(
    target: cp_model.CpModel,
    until: float,
    seed: int,
    workers: int,
    budget: float,
    pairs: int,
    subsolvers: tuple[str, ...],
    *,
    locally: bool = False,
) -> tuple[cp_model.CpSolver, cp_model.CpSolverStatus, bool]:
    """One step of a descent on ``target`` (:func:`step_copy`, its plan's visits perhaps kept): stage
    1's full search (``subsolvers``) on ``budget`` deterministic units and their batches for a group of
    ``pairs`` pairs, the wall clock at ``until`` only as the last resort; ``locally``: CP-SAT's
    violation local search alone, with no batches of tasks. Returns the solver, the status and
    whether the last resort ended the step."""
    solver = cp_model.CpSolver()
    parameters(
        solver,
        until - time.monotonic(),
        seed,
        workers,
        deterministic=budget,
        subsolvers=subsolvers,
        batches=executor.batches(budget, pairs),
    )
    # the full search alone: with no objective, a neighbourhood has no better plan to look for, and
    # each would spend CP-SAT's least neighbourhood budget (0.1 units) on a step of 0.02
    solver.parameters.use_lns = False
    if locally:
        solver.parameters.use_ls_only = True
        solver.parameters.max_num_deterministic_batches = 0
    status, fired = solve_until(solver, target, until)
    return solver, status, fired


def fix(m: Model, plan: dict[int, Assignment]) -> None:
    """Pin who makes each visit (and which visits happen) to ``plan``."""
    cp = m.cp
    for task in m.tasks:
        t = task.index
        a = plan.get(t)
        if not m.require_all:
            cp.add(m.present[t] == int(a is not None))
        members = set(a.members) if a else set()
        for k in task.candidates if not task.team_staffed else ():
            cp.add(m.x[t, k] == int(k in members))
            if (t, k) in m.lead:
                cp.add(m.lead[t, k] == int(a is not None and a.leader == k))
        for j in task.teams:
            cp.add(m.team[t, j] == int(a is not None and a.team == j))


def read(m: Model, solver: cp_model.CpSolver) -> dict[int, Assignment]:
    out: dict[int, Assignment] = {}
    by_task: dict[int, list[int]] = {}
    for (t, k), var in m.x.items():
        if solver.value(var):
            by_task.setdefault(t, []).append(k)
    for task in m.tasks:
        t = task.index
        if not solver.value(m.present[t]):
            continue
        members = tuple(sorted(by_task.get(t, [])))
        team = next((j for j in task.teams if solver.value(m.team[t, j])), None)
        if team is not None:
            leader_id = m.instance.teams[team].leader
            leader = next(k for k in members if m.instance.experts[k].id == leader_id)
        else:
            leader = next(k for k in task.candidates if (t, k) in m.lead and solver.value(m.lead[t, k]))
        out[t] = Assignment(solver.value(m.start[t]), members, leader, team)
    return out
