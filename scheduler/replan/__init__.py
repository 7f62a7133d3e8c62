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
   Every visit also keeps R14's lead time: the new plan carries the baseline's announcement day (its
   letters went out then), so no visit starts before that day plus ``notice_days``, even when
   ``today`` is earlier; an announced visit that a longer ``notice_days`` now puts inside it is
   forced to move like any visit that breaks a rule of the changed round.
4. Keeping the untouched visits fixed loses nothing while each forced visit can be repaired on its
   own: any plan changes at least the forced visits, and one more changed visit costs more than
   anything below it. A greedy repair (same dates with a member swapped first, then later dates)
   gives the model a complete hint and shows whether that holds; when it cannot repair a visit, the
   announced visits sharing its experts are freed too, and when that model has no solution (say a
   quota now needs visits in another year) every announced visit is freed.

Changing as little as possible comes first (SPEC §2, objective 0), before scheduling the institutions
to add: one that fits only by changing an announced visit is left out, with that as its reason.

The result holds the new plan, the change list (:class:`Change`, one row per change) and the
conflicts of started visits. Determinism: as in ``scheduler.solve`` (see ``scheduler.replan.minimise``):
the same inputs and seed give the same plan whatever the machine's load, unless the wall-clock last
resort fires, which the result reports (``wall_clock_fired``).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace
from datetime import date

from constraints import lead_time
from constraints.base import Violation
from constraints.replanning import first_start, same_visit
from inputs.scenario import Scenario
from scheduler import executor, followups
from scheduler.executor import Progress
from scheduler.greedy import Assignment
from scheduler.instance import Instance, Task, build_instance, lead_first
from scheduler.parts import visit_parts
from scheduler.plan import Plan, Unscheduled, Visit, plan_status
from scheduler.replan.baseline import BaselineError, _check_baseline, _visit_problems, started_conflicts
from scheduler.replan.changes import (
    FOLLOW_ON,
    KIND_LABELS,
    Change,
    change_sentence,
    diff,
    visit_change,
)
from scheduler.replan.changes import _visit_text as _visit_text  # for scheduler.followups
from scheduler.replan.minimise import W_MOVE, _Outcome, _run, _Search
from scheduler.replan.problem import _free_up, _hold, _neighbours, _Problem, _problem
from scheduler.replan.repair import _greedy
from scheduler.solve import WALL_CLOCK_NOTE, SolveStatus, _batch_of


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
    # the wall-clock last resort ended some search: this plan may differ from a run on an idle machine
    wall_clock_fired: bool = False

    def summary(self) -> str:
        from outputs.labels import counts_text, status_word

        return (
            f"状态：{status_word(self.status.value)}；{counts_text(self.plan)}；变更 {len(self.changes)} 项"
            f"（已通知未开始的 {self.announced} 次巡查中改动 {self.changed_visits} 次）；"
            f"用时 {self.wall_time:.1f} 秒" + (WALL_CLOCK_NOTE if self.wall_clock_fired else "")
        )


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
    epoch = time.time()
    until = started_at + (executor.last_resort(epoch, time_limit) - epoch)
    search = _Search(time_limit, until, seed, workers, progress, started_at)
    full_baseline = baseline
    baseline = followups.first_visits_of(baseline)  # follow-ups (R15) are replanned after their visits
    _check_baseline(scenario, baseline)
    # R14: the new plan keeps the baseline's announcement day; every start honours its lead time
    announce = lead_time.announced(scenario, baseline)
    instance = build_instance(scenario, announce=announce)
    to_visit = {i.id for i in scenario.institutions if not i.exempt}
    base_tasks = {t.inst.id for t in instance.tasks}
    started = [v for v in baseline.visits if v.start < today]
    announced = sorted(
        (v for v in baseline.visits if v.start >= today and v.institution in to_visit),
        key=lambda v: (v.start, v.institution),
    )
    visited_before = {v.institution for v in baseline.visits}
    new = sorted(i for i in to_visit if i not in visited_before and i in base_tasks)
    why = _visit_problems(scenario, announced, announce)

    # what can stay as it is, in start order, on top of the started visits
    # follow-ups that started are kept as they are (``followups.replanned``): their experts' days,
    # caps and the office's capacity are held while the first visits are replanned
    going = [v for v in full_baseline.visits if v.kind == followups.KIND and v.start < today]
    held = _hold(instance, started + going)
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
    problem = _problem(instance, forced, new, started + kept, first, going)
    hint = _greedy(problem)
    if any(t not in hint for t in problem.base):
        # a forced visit the greedy cannot repair alone: free the visits sharing its experts
        near = _neighbours(instance, {problem.tasks[t].inst.id for t in problem.base if t not in hint})
        forced, kept = _free_up(forced, kept, lambda v: v.institution in near and v.institution in base_tasks)
        problem = _problem(instance, forced, new, started + kept, first, going)
        hint = _greedy(problem)
    outcome, infeasible = _run(problem, hint, search)
    if infeasible and any(v.institution in base_tasks for v in kept):
        # e.g. a quota that now needs visits in another year: free every announced visit
        forced, kept = _free_up(forced, kept, lambda v: v.institution in base_tasks)
        problem = _problem(instance, forced, new, started + kept, first, going)
        hint = _greedy(problem)
        outcome, infeasible = _run(problem, hint, search)
    chosen = outcome.chosen if outcome is not None else hint

    plan = _assemble(scenario, instance, problem, chosen, started + kept, why, today, outcome)
    changes = diff(scenario, baseline, plan, why)
    result_objective = dict(outcome.objective) if outcome is not None else {}
    result_objective["unscheduled"] = float(len(plan.unscheduled))
    elapsed = time.monotonic() - started_at
    plan = followups.with_followups(scenario, full_baseline, plan, today, seed)
    later = followups.changes(scenario, full_baseline, plan)
    # announced and not started: first visits and follow-ups (R15) alike, each changed one counted once
    waiting = [v for v in full_baseline.visits if v.start >= today]
    touched = {(c.institution, False) for c in changes if c.kind != "added"}
    touched |= {(c.institution, True) for c in later if c.kind != "added"}
    changes += later
    plan = replace(
        plan,
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
        conflicts=started_conflicts(scenario, started, announce),
        objective=result_objective,
        wall_time=elapsed,
        announced=len(waiting),
        changed_visits=len(touched),
        wall_clock_fired=search.wall_clock_fired,
    )


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
    first_day = first_start(scenario, today)
    if instance.announce is not None:  # R14's lead time from the announcement, when that ends later
        first_day = max(first_day, lead_first(scenario, instance.announce))
    earliest = first_day.isoformat()
    unscheduled: list[Unscheduled] = []
    for inst in scenario.institutions:
        if inst.exempt or inst.id in planned:
            continue
        lead = lead_time.unscheduled(instance, inst)  # no start left after R14's lead time alone
        rule, found = (lead.rule, list(lead.reasons)) if lead is not None else reasons_for(instance, inst)
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
    status = plan_status(visits, unscheduled, optimal)
    return Plan(
        scenario=scenario.params.name,
        status=status,
        visits=tuple(visits),
        unscheduled=tuple(unscheduled),
        exempt=tuple(i.id for i in scenario.institutions if i.exempt),
    )


__all__ = [
    "FOLLOW_ON",
    "KIND_LABELS",
    "W_MOVE",
    "BaselineError",
    "Change",
    "ReplanResult",
    "change_sentence",
    "diff",
    "replan",
    "started_conflicts",
    "visit_change",
]
