"""Replanning (SPEC §5, rule R13): change as little as possible of a plan already announced.

``replan(scenario, baseline, today)`` takes the changed round (institutions added or removed, new
unavailability, conflicts, experts), the plan that was sent out and the day of the change:

1. Visits that started before ``today`` are kept word for word (R13). They hold their experts'
   working days, yearly caps and the office's capacity, and count for the yearly quotas; a rule they
   now break is reported as a conflict, and the visit is kept anyway.
2. Announced visits not started yet, of institutions still to visit, are kept as they are when they
   still hold every rule: first each on its own (the independent checks of ``constraints``), then
   against what is already kept. The others are *forced* to change. Visits of institutions removed
   from the round or now exempt are cancelled.
3. The free visits — the forced ones and the institutions to add (new, or left out before) — go to a
   CP-SAT model in which everything kept is fixed. Objective, by weights, in this order: (0) drop no
   announced visit; (1) change as few visits as possible, and within them moving the dates costs 5,
   each member taken off or put on 1 and a new leader 1, so swapping one member beats moving the
   dates; (2) schedule as many of the institutions to add as possible; (3) in every pool of experts
   who stand in for one another, the heaviest load (fixed visits included) as low as possible. A
   second stage keeps all that and starts the free visits as early as possible. Added or moved
   visits start no earlier than ``notice_days`` after ``today``; an announced start stays allowed.
4. Keeping the untouched visits fixed loses nothing while each forced visit can be repaired on its
   own: any plan changes at least the forced visits, and one more changed visit costs more than
   anything below it. A greedy repair (same dates with a member swapped first, then later dates)
   gives the model a complete hint and shows whether that holds; when it cannot repair a visit, the
   announced visits sharing its experts are freed too, and when that model has no solution (say a
   quota now needs visits in another year) every announced visit is freed.

Changing as little as possible comes first (SPEC §2, objective 0), before scheduling the institutions
to add: one that fits only by changing an announced visit is left out, with that as its reason.

The result holds the new plan, the change list (:class:`Change`, one row per change) and the
conflicts of started visits. Determinism: as in ``scheduler.solve``.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from ortools.sat.python import cp_model

from constraints import (
    conflicts,
    pairings,
    pins,
    replanning,
    standing_teams,
    team_composition,
    visit_length,
    windows,
    working_days,
)
from constraints.base import Violation
from constraints.coverage import expert_text, experts_text, span_text
from constraints.quotas import matching, required
from constraints.registry import post_all, validate
from constraints.replanning import Occupation, first_start, restrict, same_visit
from inputs.scenario import Scenario
from scheduler import followups
from scheduler.greedy import (
    Assignment,
    GreedyState,
    QuotaTarget,
    _cap_ok,
    _free,
    _new_state,
    _pick_pool_team,
    _pick_standing_team,
    _place,
    complete_team,
    quota_years,
)
from scheduler.instance import Instance, Task, build_instance
from scheduler.model import Model, build_variables
from scheduler.parts import visit_parts
from scheduler.plan import Plan, Unscheduled, Visit
from scheduler.quota_caps import CapTarget, full_caps
from scheduler.solve import (
    Progress,
    SolveStatus,
    _batch_of,
    _fix,
    _hint,
    _parameters,
    _read,
    _Watch,
    pool_name,
    pools,
)

W_MOVE = 5  # moving a visit's dates, against 1 per member taken off or put on and 1 for a new leader

KIND_LABELS: dict[str, str] = {
    "added": "新增",
    "moved": "改期",
    "member_swapped": "换人",
    "leader_changed": "更换组长",
    "cancelled": "取消",
}
_KIND_ORDER = {
    kind: n for n, kind in enumerate(("cancelled", "moved", "member_swapped", "leader_changed", "added"))
}
FOLLOW_ON = "为安排其他变更而联动调整"


@dataclass(frozen=True)
class Change:
    """One row of the change list: what changed for one institution, before and after, and why.

    A visit that changed in several ways (moved and given a new leader) is one row whose ``kind``
    joins the keys with ``+`` (「moved+leader_changed」); ``summary`` says it in a sentence for the
    people told (「日期由2025年3月10日至3月14日改为…；组长由张三改为李四」).
    """

    institution: str
    kind: str  # a key of KIND_LABELS, or several joined by "+"
    before: str
    after: str
    reason: str
    summary: str = ""

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.kind.split("+"))

    @property
    def label(self) -> str:
        return "、".join(KIND_LABELS.get(kind, kind) for kind in self.kinds)


class BaselineError(Exception):
    """The baseline plan cannot be replanned from; ``problems`` says why, in Chinese."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("；".join(problems))


@dataclass
class ReplanResult:
    status: SolveStatus
    plan: Plan
    changes: list[Change]
    conflicts: list[Violation]  # rules the kept started visits now break
    objective: dict[str, float] = field(default_factory=dict)
    wall_time: float = 0.0
    announced: int = 0  # baseline visits not started by ``today``
    changed_visits: int = 0  # of those, how many changed or were cancelled

    def summary(self) -> str:
        from outputs.labels import counts_text, status_word

        return (
            f"状态：{status_word(self.status.value)}；{counts_text(self.plan)}；变更 {len(self.changes)} 项"
            f"（已通知未开始的 {self.announced} 次巡查中改动 {self.changed_visits} 次）；"
            f"用时 {self.wall_time:.1f} 秒"
        )


# -- the free part of the round -------------------------------------------------------------------------


@dataclass
class _Problem:
    """The visits left to decide, on an instance of their own whose ``blocked`` holds the fixed visits."""

    instance: Instance
    base: dict[int, Assignment]  # announced visits: their baseline (start -1 when it cannot stay)
    visits: dict[int, Visit]  # announced visits: as announced
    keep: dict[int, int | None]  # announced visits: the start index that keeps their dates
    held: Occupation
    targets: list[QuotaTarget]
    no_dates: list[str]  # institutions without a start after the notice period
    caps: list[CapTarget] = field(default_factory=list)  # R9 at-most caps the fixed visits leave

    @property
    def tasks(self) -> list[Task]:
        return self.instance.tasks


def _hold(instance: Instance, visits: list[Visit]) -> Occupation:
    held = Occupation(rest=instance.scenario.params.rest_days)
    for v in visits:
        held.add(instance, v)
    return held


def _keep_index(instance: Instance, task: Task, visit: Visit) -> int | None:
    """The start index at which ``task`` has exactly the visit's dates, if any."""
    w = instance.index_of(visit.start)
    last = w + task.days - 1
    if (
        last >= instance.horizon
        or instance.workdays[w] != visit.start
        or instance.workdays[last] != visit.end
    ):
        return None
    return w


def _baseline_assignment(instance: Instance, visit: Visit, start: int) -> Assignment:
    index = instance.expert_index()
    members = tuple(index[e] for e in dict.fromkeys(visit.members) if e in index)
    team = next((j for j, t in enumerate(instance.teams) if t.name == visit.team), None)
    return Assignment(start, members, index.get(visit.leader, -1), team)


def _problem(
    instance: Instance,
    announced: list[Visit],
    new: list[str],
    fixed: list[Visit],
    first: int,
) -> _Problem:
    """The free visits (announced ones to change, institutions to add) around the ``fixed`` visits."""
    base_tasks = {t.inst.id: t for t in instance.tasks}
    held = _hold(instance, fixed)
    tasks: list[Task] = []
    base: dict[int, Assignment] = {}
    visits: dict[int, Visit] = {}
    keep: dict[int, int | None] = {}
    no_dates: list[str] = []
    for visit in announced:
        task = base_tasks[visit.institution]
        w = _keep_index(instance, task, visit)
        cut = restrict(task, w, first)
        if cut is None:
            no_dates.append(visit.institution)
            continue
        t = len(tasks)
        tasks.append(_reindex(cut, t))
        kept = w if w is not None and w in cut.start_values() else None
        keep[t] = kept
        base[t] = _baseline_assignment(instance, visit, -1 if kept is None else kept)
        visits[t] = visit
    for inst_id in new:
        cut = restrict(base_tasks[inst_id], None, first)
        if cut is None:
            no_dates.append(inst_id)
            continue
        tasks.append(_reindex(cut, len(tasks)))
    free = Instance(
        scenario=instance.scenario,
        workdays=instance.workdays,
        experts=instance.experts,
        tasks=tasks,
        teams=instance.teams,
        blocked=held.blocked(instance),
    )
    return _Problem(free, base, visits, keep, held, _targets(free, fixed), no_dates, full_caps(free, fixed))


def _reindex(task: Task, index: int) -> Task:
    return replace(task, index=index)


def _targets(instance: Instance, fixed: list[Visit]) -> list[QuotaTarget]:
    """R9 for the free visits: what each quota still needs beyond the fixed visits."""
    scenario = instance.scenario
    targets: list[QuotaTarget] = []
    for quota in scenario.quotas:
        pool = matching(scenario, quota)
        ids = {i.id for i in pool}
        done = sum(
            1
            for v in fixed
            if v.institution in ids and v.start <= v.end and v.start.year == v.end.year == quota.year
        )
        need = required(quota, len(pool)) - done
        if need > 0:
            tasks = [t.index for t in instance.tasks if t.inst.id in ids]
            targets.append((quota.year, tasks, need))
    return targets


# -- a complete hint: the greedy repair -----------------------------------------------------------------


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
        for (lo, hi), year in zip(task.starts, task.start_years, strict=True):
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
    year = instance.year_of(w)
    if task.team_staffed:
        if base is not None and base.team in task.teams:
            members = task.team_members[task.teams.index(base.team)]
            if all(_free(state, k, w, task.days) and _cap_ok(state, k, year, task.days) for k in members):
                leader_id = instance.teams[base.team].leader
                leader = next(k for k in members if instance.experts[k].id == leader_id)
                return Assignment(w, members, leader, base.team)
        picked = _pick_standing_team(state, task, w, year)
        return None if picked is None else Assignment(w, picked[2], picked[1], picked[0])
    if base is not None:
        swapped = _swap(state, task, w, year, base)
        if swapped is not None:
            return swapped
    pool = _pick_pool_team(state, task, w, year)
    return None if pool is None else Assignment(w, pool[1], pool[0])


def _swap(state: GreedyState, task: Task, w: int, year: int, base: Assignment) -> Assignment | None:
    """The baseline members who can still come, completed (leader, skills, size) from the free ones."""
    experts = state.instance.experts
    allowed = set(task.candidates)

    def ok(k: int) -> bool:
        return k in allowed and _free(state, k, w, task.days) and _cap_ok(state, k, year, task.days)

    kept = [k for k in base.members if ok(k)]
    if not kept:
        return None
    free = [k for k in task.candidates if ok(k) and k not in kept]
    leader = base.leader if base.leader in kept and experts[base.leader].leader else None
    made = complete_team(state, task, kept, free, leader)
    if made is None:
        return None
    return Assignment(w, made[1], made[0])


# -- the model ------------------------------------------------------------------------------------------


@dataclass
class _Outcome:
    chosen: dict[int, Assignment]
    optimal: bool
    objective: dict[str, float]


def _solve(
    problem: _Problem,
    hint: dict[int, Assignment],
    deadline: float,
    seed: int,
    workers: int,
    progress: Progress | None,
    started: float,
) -> tuple[_Outcome | None, bool]:
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
    _hint(m, hint, extra)

    solver = cp_model.CpSolver()
    _parameters(solver, (deadline - time.monotonic()) * 0.75, seed, workers)
    status = solver.solve(cp, _Watch(progress, started, scale2 * change + scale3 * missing_new))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, status == cp_model.INFEASIBLE
    chosen = _read(m, solver)
    optimal = status == cp_model.OPTIMAL
    objective = {
        "changed_visits": float(sum(solver.value(changed[t]) for t in announced)),
        "change_cost": float(solver.value(change)),
        "unscheduled_new": float(sum(1 for t in new if t not in chosen)),
    }
    objective.update({mx.name: float(solver.value(mx)) for mx in maxima})
    kept_same = {t: solver.value(var) for t, var in same.items()}

    # stage 2: same teams, same changes; the free visits as early as possible
    cp.clear_hints()
    cp.clear_objective()
    _fix(m, chosen)
    for t, var in same.items():
        cp.add(var == kept_same[t])
    cp.minimize(sum(m.start[t.index] for t in tasks))
    _hint(m, chosen, {var: kept_same[t] for t, var in same.items()})
    solver2 = cp_model.CpSolver()
    _parameters(solver2, deadline - time.monotonic(), seed, workers)
    status2 = solver2.solve(cp)
    if status2 in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        chosen = _read(m, solver2)
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


# -- checking the baseline ------------------------------------------------------------------------------

_PER_VISIT_CHECKS = (
    visit_length,
    working_days,
    windows,
    team_composition,
    conflicts,
    pairings,
    standing_teams,
    pins,  # R16: a visit whose pin changed moves to it
)


def _visit_problems(scenario: Scenario, visits: list[Visit]) -> dict[str, list[str]]:
    """Why each visit, taken on its own, no longer holds under the changed round (in Chinese)."""
    found: dict[str, list[str]] = defaultdict(list)
    alone = Plan(scenario=scenario.params.name, status="feasible", visits=tuple(visits))
    for module in _PER_VISIT_CHECKS:
        for v in module.check(scenario, alone):
            found[v.subject].append(v.message)
    rows = defaultdict(list)
    for row in scenario.unavailability:
        rows[row.expert_id].append(row)
    for visit in visits:
        for expert_id in dict.fromkeys((*visit.members, visit.leader)):
            if expert_id not in scenario.expert_by_id:
                found[visit.institution].append(f"专家 {expert_id} 已不在专家库中")
                continue
            for row in rows.get(expert_id, ()):
                if row.start <= visit.end and visit.start <= row.end:
                    days = working_days.workdays_between(
                        scenario.calendar, max(row.start, visit.start), min(row.end, visit.end)
                    )
                    if days == []:
                        continue  # only holidays in common
                    why = f"（{row.reason}）" if row.reason else ""
                    found[visit.institution].append(
                        f"专家 {expert_text(scenario, expert_id)}{span_text(row.start, row.end)} 不可用{why}"
                    )
    return found


def _check_baseline(scenario: Scenario, baseline: Plan) -> None:
    problems = []
    seen: set[str] = set()
    for v in baseline.visits:
        if v.institution in seen:
            problems.append(f"原计划中机构 {v.institution} 出现了不止一次巡查")
        seen.add(v.institution)
        if v.end < v.start:
            problems.append(f"原计划中机构 {v.institution} 的巡查结束日期早于开始日期")
        if not v.members:
            problems.append(f"原计划中机构 {v.institution} 的巡查没有组员")
    if problems:
        raise BaselineError(problems)


def started_conflicts(scenario: Scenario, started: list[Visit]) -> list[Violation]:
    """The rules the started visits, kept as they are, now break."""
    if not started:
        return []
    ids = {v.institution for v in started}
    people = {e for v in started for e in (*v.members, v.leader)}
    alone = Plan(scenario=scenario.params.name, status="feasible", visits=tuple(started))
    out = []
    for v in validate(scenario, alone):
        if v.rule in ("R9", "R14", "R15"):
            continue  # quotas, the announcement's lead time and follow-ups are judged on the whole plan
        if v.subject in ids or v.subject in people or v.rule == "R10":
            out.append(v)
    return out


# -- the whole replan -----------------------------------------------------------------------------------


def replan(
    scenario: Scenario,
    baseline: Plan,
    today: date,
    *,
    time_limit: float = 60.0,
    seed: int = 0,
    workers: int = 2,
    progress: Progress | None = None,
) -> ReplanResult:
    """The new plan, as close to ``baseline`` as the changed ``scenario`` allows (see the module doc)."""
    started_at = time.monotonic()
    deadline = started_at + time_limit * 0.95
    full_baseline = baseline
    baseline = followups.first_visits_of(baseline)  # follow-ups (R15) are replanned after their visits
    _check_baseline(scenario, baseline)
    instance = build_instance(scenario)
    to_visit = {i.id for i in scenario.institutions if not i.exempt}
    base_tasks = {t.inst.id for t in instance.tasks}
    started = [v for v in baseline.visits if v.start < today]
    announced = sorted(
        (v for v in baseline.visits if v.start >= today and v.institution in to_visit),
        key=lambda v: (v.start, v.institution),
    )
    visited_before = {v.institution for v in baseline.visits}
    new = sorted(i for i in to_visit if i not in visited_before and i in base_tasks)
    why = _visit_problems(scenario, announced)

    # what can stay as it is, in start order, on top of the started visits
    held = _hold(instance, started)
    kept: list[Visit] = []
    forced: list[Visit] = []
    for v in announced:
        if not why.get(v.institution):
            why[v.institution] = held.clash(instance, v)
        if why.get(v.institution):
            forced.append(v)
        else:
            held.add(instance, v)
            kept.append(v)
    forced = [v for v in forced if v.institution in base_tasks]  # the others: nobody or no date may make it

    first = instance.index_of(first_start(scenario, today))
    problem = _problem(instance, forced, new, started + kept, first)
    hint = _greedy(problem)
    if any(t not in hint for t in problem.base):
        # a forced visit the greedy cannot repair alone: free the visits sharing its experts
        near = _neighbours(instance, {problem.tasks[t].inst.id for t in problem.base if t not in hint})
        forced, kept = _free_up(forced, kept, lambda v: v.institution in near and v.institution in base_tasks)
        problem = _problem(instance, forced, new, started + kept, first)
        hint = _greedy(problem)
    outcome, infeasible = _run(problem, hint, deadline, seed, workers, progress, started_at)
    if infeasible and any(v.institution in base_tasks for v in kept):
        # e.g. a quota that now needs visits in another year: free every announced visit
        forced, kept = _free_up(forced, kept, lambda v: v.institution in base_tasks)
        problem = _problem(instance, forced, new, started + kept, first)
        hint = _greedy(problem)
        outcome, infeasible = _run(problem, hint, deadline, seed, workers, progress, started_at)
    chosen = outcome.chosen if outcome is not None else hint

    plan = _assemble(scenario, instance, problem, chosen, started + kept, why, today, outcome)
    changes = diff(scenario, baseline, plan, why)
    touched = {c.institution for c in changes if c.kind != "added"}
    result_objective = dict(outcome.objective) if outcome is not None else {}
    result_objective["unscheduled"] = float(len(plan.unscheduled))
    elapsed = time.monotonic() - started_at
    waiting = [v for v in baseline.visits if v.start >= today]
    plan = followups.with_followups(scenario, full_baseline, plan, today, seed)
    changes += followups.changes(scenario, full_baseline, plan)
    plan = Plan(
        scenario=plan.scenario,
        status=plan.status,
        visits=plan.visits,
        unscheduled=plan.unscheduled,
        exempt=plan.exempt,
        announced=plan.announced,
        milestones=plan.milestones,
        stats={  # deterministic facts only: timings go to run.json (SPEC §4)
            "objective": result_objective,
            "replan": {
                "today": today.isoformat(),
                "notice_days": scenario.params.notice_days,
                "announced": len(waiting),
                "changed_visits": len(touched),
                "changes": len(changes),
            },
        },
    )
    return ReplanResult(
        status=SolveStatus(plan.status),
        plan=plan,
        changes=changes,
        conflicts=started_conflicts(scenario, started),
        objective=result_objective,
        wall_time=elapsed,
        announced=len(waiting),
        changed_visits=len(touched),
    )


def _free_up(
    forced: list[Visit], kept: list[Visit], pick: Callable[[Visit], bool]
) -> tuple[list[Visit], list[Visit]]:
    """Move the kept visits ``pick`` selects over to the ones the model decides."""
    freed = [v for v in kept if pick(v)]
    return sorted(forced + freed, key=lambda v: (v.start, v.institution)), [v for v in kept if not pick(v)]


def _run(
    problem: _Problem,
    hint: dict[int, Assignment],
    deadline: float,
    seed: int,
    workers: int,
    progress: Progress | None,
    started: float,
) -> tuple[_Outcome | None, bool]:
    if not problem.tasks:
        return _Outcome({}, True, {}), False
    return _solve(problem, hint, max(deadline, time.monotonic() + 1.0), seed, workers, progress, started)


def _neighbours(instance: Instance, failed: set[str]) -> set[str]:
    """The institutions sharing a pool of experts with any of ``failed``."""
    out: set[str] = set()
    for ts, _ in pools(instance, instance.tasks):
        ids = {instance.tasks[t].inst.id for t in ts}
        if ids & failed:
            out |= ids
    return out


def _visit(instance: Instance, task: Task, a: Assignment) -> Visit:
    start = instance.workdays[a.start]
    end = instance.workdays[a.start + task.days - 1]
    others = sorted(instance.experts[k].id for k in a.members if k != a.leader)
    parts, part_leads = visit_parts(instance, task, a.leader, a.members)
    return Visit(
        institution=task.inst.id,
        start=start,
        end=end,
        days=task.days,
        leader=instance.experts[a.leader].id,
        members=(instance.experts[a.leader].id, *others),
        team=None if a.team is None else instance.teams[a.team].name,
        batch=_batch_of(instance.scenario, start, end, task.inst.batch),
        parts=parts,
        part_leads=part_leads,
    )


def _assemble(
    scenario: Scenario,
    instance: Instance,
    problem: _Problem,
    chosen: dict[int, Assignment],
    fixed: list[Visit],
    why: dict[str, list[str]],
    today: date,
    outcome: _Outcome | None,
) -> Plan:
    from scheduler.explain import reasons_for

    free = problem.instance
    visits = list(fixed)
    for task in free.tasks:
        a = chosen.get(task.index)
        if a is None:
            continue
        visit = _visit(free, task, a)
        announced = problem.visits.get(task.index)
        # an announced visit that did not change keeps its own words (batch label, order of members)
        if announced is not None and same_visit(announced, visit):
            # … and its division of work (R4), named now if the baseline did not
            parts, leads = visit.parts, visit.part_leads
            visit = announced if announced.parts else replace(announced, parts=parts, part_leads=leads)
        visits.append(visit)
    planned = {v.institution for v in visits}
    to_decide = {t.inst.id for t in free.tasks}
    notice = scenario.params.notice_days
    earliest = first_start(scenario, today).isoformat()
    unscheduled: list[Unscheduled] = []
    for inst in scenario.institutions:
        if inst.exempt or inst.id in planned:
            continue
        rule, found = reasons_for(instance, inst)
        reasons: list[str] = []
        if why.get(inst.id):
            reasons += [*why[inst.id], "原定巡查无法保留，也无法在规则允许的范围内调整"]
        if inst.id in problem.no_dates:
            reasons.append(f"通知期 {notice} 天（{earliest} 起）之后，在该机构允许的时间窗口内已无可用日期")
            rule = "R13"
        elif inst.id in to_decide and rule in (None, "R5"):
            reasons.append(f"在不改动其他已通知巡查的前提下，{earliest} 之后找不到可用的日期和专家组")
            rule = "R13"
        unscheduled.append(Unscheduled(inst.id, tuple([*reasons, *found]), rule))
    visits.sort(key=lambda v: (v.start, v.institution))
    optimal = outcome.optimal if outcome is not None else False
    status = (
        ("partial" if visits else "infeasible") if unscheduled else ("optimal" if optimal else "feasible")
    )
    return Plan(
        scenario=scenario.params.name,
        status=status,
        visits=tuple(visits),
        unscheduled=tuple(unscheduled),
        exempt=tuple(i.id for i in scenario.institutions if i.exempt),
    )


# -- the change list ------------------------------------------------------------------------------------


def _visit_text(scenario: Scenario, visit: Visit) -> str:
    others = [m for m in visit.members if m != visit.leader]
    team = f"（{visit.team}）" if visit.team else ""
    return (
        f"{span_text(visit.start, visit.end)}；组长 {expert_text(scenario, visit.leader)}；"
        f"组员 {experts_text(scenario, others) or '无'}{team}"
    )


def _differences(scenario: Scenario, before: Visit, after: Visit) -> list[tuple[str, str, str]]:
    """(kind, before, after) for each way one institution's visit changed.

    A leader replaced by someone new to the team is one change (leader_changed), not also a member
    swap: the members taken off and put on leave out the old and the new leader.
    """
    found = []
    if (before.start, before.end) != (after.start, after.end):
        found.append(("moved", span_text(before.start, before.end), span_text(after.start, after.end)))
    off, on = _swapped(before, after)
    if off or on:
        found.append(
            ("member_swapped", experts_text(scenario, off) or "无", experts_text(scenario, on) or "无")
        )
    if before.leader != after.leader:
        found.append(
            ("leader_changed", expert_text(scenario, before.leader), expert_text(scenario, after.leader))
        )
    return found


def _swapped(before: Visit, after: Visit) -> tuple[list[str], list[str]]:
    """The members taken off and put on, but for a leader who left and one who came with the lead."""
    off = [m for m in before.members if m not in after.members]
    on = [m for m in after.members if m not in before.members]
    if before.leader != after.leader:
        off = [m for m in off if m != before.leader]
        on = [m for m in on if m != after.leader]
    return off, on


def _day_cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _span_cn(first: date, last: date) -> str:
    if first == last:
        return _day_cn(first)
    tail = f"{last.month}月{last.day}日" if last.year == first.year else _day_cn(last)
    return f"{_day_cn(first)}至{tail}"


def _names_cn(scenario: Scenario, ids: list[str]) -> str:
    return "、".join(scenario.expert_by_id[e].name if e in scenario.expert_by_id else e for e in ids)


def change_sentence(scenario: Scenario, before: Visit, after: Visit) -> str:
    """What changed on a visit, as the people told would say it: 「日期由2025年3月10日至3月14日改为
    2025年4月7日至4月11日；组长由张三改为李四；组员由王五改为赵六」."""
    parts = []
    if (before.start, before.end) != (after.start, after.end):
        parts.append(f"日期由{_span_cn(before.start, before.end)}改为{_span_cn(after.start, after.end)}")
    if before.leader != after.leader:
        parts.append(f"组长由{_names_cn(scenario, [before.leader])}改为{_names_cn(scenario, [after.leader])}")
    off, on = _swapped(before, after)
    if off and on:
        parts.append(f"组员由{_names_cn(scenario, off)}改为{_names_cn(scenario, on)}")
    elif on:
        parts.append(f"增加组员{_names_cn(scenario, on)}")
    elif off:
        parts.append(f"减少组员{_names_cn(scenario, off)}")
    return "；".join(parts)


def visit_change(
    scenario: Scenario, inst_id: str, before: Visit, after: Visit, reason: str, prefix: str = ""
) -> Change | None:
    """The one row of a visit that changed, naming every way it changed; None when it did not."""
    found = _differences(scenario, before, after)
    if not found:
        return None
    kinds = [kind for kind, _, _ in found]
    if len(found) == 1:
        was, now = found[0][1], found[0][2]
    else:
        aspect = {"moved": "日期", "member_swapped": "组员", "leader_changed": "组长"}
        was = "；".join(f"{aspect[kind]} {text}" for kind, text, _ in found)
        now = "；".join(f"{aspect[kind]} {text}" for kind, _, text in found)
    summary = change_sentence(scenario, before, after)
    return Change(inst_id, "+".join(kinds), prefix + was, prefix + now, reason, prefix + summary)


def diff(
    scenario: Scenario, baseline: Plan, plan: Plan, why: dict[str, list[str]] | None = None
) -> list[Change]:
    """One row per change from ``baseline`` to ``plan``; ``why`` gives the forced reasons per institution."""
    why = why or {}
    old = {v.institution: v for v in baseline.visits}
    new = {v.institution: v for v in plan.visits}
    rows: list[tuple[date, Change]] = []
    for inst_id in sorted(old.keys() | new.keys()):
        before, after = old.get(inst_id), new.get(inst_id)
        reason = "；".join(why.get(inst_id) or ()) or FOLLOW_ON
        if before is not None and after is None:
            inst = scenario.institution_by_id.get(inst_id)
            if inst is None:
                reason = "机构已从方案中移除"
            elif inst.exempt:
                reason = "机构已列为免检"
            rows.append(
                (before.start, Change(inst_id, "cancelled", _visit_text(scenario, before), "", reason))
            )
        elif before is None and after is not None:
            if inst_id in {u.institution for u in baseline.unscheduled}:
                reason = "原计划未能安排，本次补充安排"
            elif inst_id in baseline.exempt:
                reason = "原为免检机构，现需巡查"
            else:
                reason = "新增机构"
            rows.append((after.start, Change(inst_id, "added", "", _visit_text(scenario, after), reason)))
        elif before is not None and after is not None:
            change = visit_change(scenario, inst_id, before, after, reason)
            if change is not None:
                rows.append((before.start, change))
    rows.sort(key=lambda r: (r[0], r[1].institution, _KIND_ORDER.get(r[1].kinds[0], 9)))
    return [change for _, change in rows]


__all__ = ["KIND_LABELS", "BaselineError", "Change", "ReplanResult", "diff", "replan", "started_conflicts"]
