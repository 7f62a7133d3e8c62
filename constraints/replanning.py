"""R13 — replanning: a visit that has started never changes; an added or moved visit gives notice.

When a plan is changed mid-cycle (``schedule replan``), every visit of the earlier plan (the
*baseline*) that started before ``today`` stays exactly as it was: same dates, same leader, same
members, same standing team. A visit that is added, or whose dates move, starts no earlier than
``params.notice_days`` (default 15) calendar days after ``today``, so that the institution can file
its self-inspection report (seed 004: 自查 before 实地巡查). Swapping a member of a visit keeps its
dates and needs no notice. Source: seed 004.

Two faces, as for every rule:

- :func:`check` tests a new plan against its baseline, from the plans alone;
- the model face: the visits the replan keeps as they are (started ones, and announced ones it does
  not need to touch) are an :class:`Occupation` of experts' working days, yearly caps and the
  office's capacity; :func:`restrict` cuts a visit's allowed starts to its announced start or a
  start after the notice period, and :func:`add` posts the yearly caps and office capacity that the
  fixed visits leave over.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

from constraints.base import Violation
from constraints.coverage import experts_text, institution_text, span_text
from constraints.working_days import workdays_between
from inputs.scenario import Scenario
from scheduler.plan import Plan, Visit

if TYPE_CHECKING:
    from scheduler.instance import Instance, Task
    from scheduler.model import Model

RULE = "R13"


# -- the check ------------------------------------------------------------------------------------------


def first_start(scenario: Scenario, today: date) -> date:
    """The earliest date an added or moved visit may start: ``today`` plus the notice period."""
    return today + timedelta(days=scenario.params.notice_days)


def started(baseline: Plan, today: date) -> list[Visit]:
    """The baseline visits that began before ``today``."""
    return [v for v in baseline.visits if v.start < today]


def same_visit(a: Visit, b: Visit) -> bool:
    """Whether two visits say the same: dates, days, leader, members (as a set) and team."""
    return (
        a.institution == b.institution
        and a.start == b.start
        and a.end == b.end
        and a.days == b.days
        and a.leader == b.leader
        and set(a.members) == set(b.members)
        and a.team == b.team
    )


def check(scenario: Scenario, plan: Plan, baseline: Plan, today: date) -> list[Violation]:
    """Started visits are unchanged; added and moved visits start after the notice period."""
    violations: list[Violation] = []
    # a visit and its follow-up (回头看, R15) are two visits of one institution: matched by kind too
    new_by_inst = {(v.institution, v.kind): v for v in plan.visits}
    old_by_inst = {(v.institution, v.kind): v for v in baseline.visits}
    for old in started(baseline, today):
        where = f"{institution_text(scenario, old.institution)} {span_text(old.start, old.end)} 的巡查"
        new = new_by_inst.get((old.institution, old.kind))
        if new is None:
            violations.append(
                Violation(RULE, old.institution, f"{where}已于 {today.isoformat()} 前开始，新计划却取消了它")
            )
        elif not same_visit(old, new):
            violations.append(
                Violation(
                    RULE,
                    old.institution,
                    f"{where}已于 {today.isoformat()} 前开始，不得改动，"
                    f"新计划却改为 {_visit_brief(scenario, new)}",
                )
            )
    earliest = first_start(scenario, today)
    notice = scenario.params.notice_days
    for new in plan.visits:
        before = old_by_inst.get((new.institution, new.kind))
        if before is not None and before.start < today:
            continue  # a started visit: judged above
        if before is not None and (before.start, before.end) == (new.start, new.end):
            continue  # dates kept: no notice needed
        if new.start >= earliest:
            continue
        what = "新增的巡查" if before is None else f"由 {span_text(before.start, before.end)} 改期后的巡查"
        violations.append(
            Violation(
                RULE,
                new.institution,
                f"{institution_text(scenario, new.institution)} {what}于 {new.start.isoformat()} 开始，"
                f"距 {today.isoformat()} 不足 {notice} 天通知期（最早 {earliest.isoformat()}）",
            )
        )
    return violations


def _visit_brief(scenario: Scenario, visit: Visit) -> str:
    others = [m for m in visit.members if m != visit.leader]
    team = f"，{visit.team}" if visit.team else ""
    return (
        f"{span_text(visit.start, visit.end)}（组长 {experts_text(scenario, [visit.leader])}，"
        f"组员 {experts_text(scenario, others) or '无'}{team}）"
    )


# -- model face: fixed visits and the notice period in the CP-SAT model (see scheduler.replan) ----------


@dataclass
class Occupation:
    """What the visits a replan keeps fixed hold, on the working-day axis of an instance.

    ``days``: per expert index, the working-day indices of their fixed visits; ``year_days``: per
    expert index and calendar year, their fixed visit days (R8 caps); ``running``: per working-day
    index, how many fixed visits run (R10); ``load``: per expert index, all their fixed visit days.
    """

    rest: int = 0
    days: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    year_days: dict[int, dict[int, int]] = field(default_factory=lambda: defaultdict(dict))
    running: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    load: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def add(self, instance: Instance, visit: Visit) -> None:
        """Hold ``visit``'s working days for its members."""
        indices, by_year = _visit_days(instance, visit)
        for k in _member_indices(instance, visit):
            self.days[k].update(indices)
            for year, n in by_year.items():
                self.year_days[k][year] = self.year_days[k].get(year, 0) + n
            self.load[k] += sum(by_year.values())
        for w in indices:
            self.running[w] += 1

    def clash(self, instance: Instance, visit: Visit) -> list[str]:
        """Why ``visit`` cannot join what is held (in Chinese); empty when it can."""
        scenario = instance.scenario
        indices, by_year = _visit_days(instance, visit)
        found: list[str] = []
        near = {w + d for w in indices for d in range(-self.rest, self.rest + 1)}
        for k in _member_indices(instance, visit):
            held = self.days.get(k, set())
            expert = instance.experts[k]
            if held & near:
                rest = f"（含每两次巡查之间 {self.rest} 个工作日的休息）" if self.rest else ""
                found.append(f"专家 {expert.name}（{expert.id}）在此期间已有其他巡查安排{rest}")
            cap = scenario.year_cap(expert)
            for year, n in sorted(by_year.items()):
                used = self.year_days.get(k, {}).get(year, 0)
                if cap is not None and used + n > cap:
                    found.append(
                        f"专家 {expert.name}（{expert.id}）{year} 年的巡查天数将达到 {used + n} 天，"
                        f"超过上限 {cap} 天"
                    )
        limit = scenario.params.max_concurrent_visits
        if limit is not None and any(self.running.get(w, 0) >= limit for w in indices):
            found.append(f"该时段同时进行的巡查已达上限 {limit} 项")
        return found

    def blocked(self, instance: Instance) -> dict[int, set[int]]:
        """Each expert's unavailable working days plus their fixed visits, widened by the rest days.

        A visit whose own days avoid these keeps ``rest`` working days from every fixed visit on
        either side (R5), which is how ``constraints.overlap.add`` reads ``Instance.blocked``.
        """
        out = {k: set(days) for k, days in instance.blocked.items()}
        for k, days in self.days.items():
            widened = {w + d for w in days for d in range(-self.rest, self.rest + 1)}
            out.setdefault(k, set()).update(w for w in widened if 0 <= w < instance.horizon)
        return out


def _member_indices(instance: Instance, visit: Visit) -> list[int]:
    index = {e.id: k for k, e in enumerate(instance.experts)}
    return [index[e] for e in dict.fromkeys((*visit.members, visit.leader)) if e in index]


def _visit_days(instance: Instance, visit: Visit) -> tuple[list[int], dict[int, int]]:
    """The visit's working-day indices on the instance's axis, and its working days per year."""
    days = workdays_between(instance.scenario.calendar, visit.start, visit.end) or []
    indices = []
    by_year: dict[int, int] = {}
    for day in days:
        by_year[day.year] = by_year.get(day.year, 0) + 1
        w = instance.index_of(day)
        if w < instance.horizon and instance.workdays[w] == day:
            indices.append(w)
    return indices, by_year


def restrict(task: Task, keep: int | None, first: int) -> Task | None:
    """``task`` with its starts cut to ``keep`` (its announced start) or ``first`` and later.

    ``None`` when no start is left. The announced start stays allowed even inside the notice
    period: the institution already knows it.
    """
    starts: list[tuple[int, int]] = []
    years: list[int] = []
    for (lo, hi), year in zip(task.starts, task.start_years, strict=True):
        if keep is not None and lo <= keep <= hi and keep < first:
            starts.append((keep, keep))
            years.append(year)
        if max(lo, first) <= hi:
            starts.append((max(lo, first), hi))
            years.append(year)
    if not starts:
        return None
    return replace(task, starts=tuple(starts), start_years=tuple(years))


def add(m: Model, held: Occupation) -> None:
    """R8 and R10 with the fixed visits: what is left of each yearly cap and of the office's capacity.

    The ordinary faces (``constraints.availability.add``, ``constraints.capacity.add``) see only the
    visits in the model; these constraints are tighter, so posting both is safe.
    """
    _caps(m, held)
    _capacity(m, held)


def _caps(m: Model, held: Occupation) -> None:
    cp = m.cp
    for k in sorted(m.tasks_of):
        cap = m.scenario.year_cap(m.instance.experts[k])
        used = held.year_days.get(k, {})
        if cap is None or not used:
            continue
        for year, n in sorted(used.items()):
            terms = [m.member_days(t, k, year) for t in m.tasks_of[k] if year in m.touched_years(t)]
            if terms:
                cp.add(sum(terms) <= max(cap - n, 0))


def _capacity(m: Model, held: Occupation) -> None:
    limit = m.scenario.params.max_concurrent_visits
    if limit is None or not held.running or not m.tasks:
        return
    cp = m.cp
    intervals = [
        cp.new_optional_fixed_size_interval_var(m.start[t.index], t.days, m.present[t.index], "visit")
        for t in m.tasks
    ]
    demands = [1] * len(intervals)
    runs: list[list[int]] = []  # [first day, length, demand]
    for w in sorted(held.running):
        demand = min(held.running[w], limit)
        if runs and runs[-1][0] + runs[-1][1] == w and runs[-1][2] == demand:
            runs[-1][1] += 1
        else:
            runs.append([w, 1, demand])
    for first, length, demand in runs:
        intervals.append(cp.new_fixed_size_interval_var(first, length, "fixed_visits"))
        demands.append(demand)
    cp.add_cumulative(intervals, demands, limit)
