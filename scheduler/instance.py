"""The scenario turned into integers the model needs, built once.

Time is counted in *working days* (R2): index ``w`` is the w-th working day of the
round, so every visit is a fixed-size interval of ``days`` consecutive working
days (R1). For each visit we precompute the starts its windows allow (R3), the
experts who may sit on it (R6, R7), the standing teams that may make it (R11),
and the working days each expert is unavailable (R8).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from constraints.conflicts import excluded
from constraints.pairings import team_districts
from inputs.scenario import Expert, Institution, Scenario, Team


@dataclass(frozen=True)
class Task:
    """One visit to plan: an institution that is not exempt."""

    index: int
    inst: Institution
    days: int
    starts: tuple[tuple[int, int], ...]  # allowed start indices as inclusive ranges, per year
    start_years: tuple[int, ...]  # the calendar year of each range in ``starts`` (-1: straddles)
    candidates: tuple[int, ...]  # expert indices who may sit on the visit (pool staffing)
    teams: tuple[int, ...] = ()  # standing-team indices that may make it (team staffing)
    team_members: tuple[tuple[int, ...], ...] = ()  # per entry of ``teams``: members after recusal
    skills: tuple[str, ...] = ()
    team_min: int = 1
    team_max: int = 99
    team_staffed: bool = False  # the tier is covered by some standing team (R11)

    def years(self) -> set[int]:
        return set(self.start_years)

    def start_values(self) -> list[int]:
        return [w for lo, hi in self.starts for w in range(lo, hi + 1)]


@dataclass
class Instance:
    scenario: Scenario
    workdays: list[date]
    experts: tuple[Expert, ...]
    tasks: list[Task]
    teams: tuple[Team, ...]
    blocked: dict[int, set[int]] = field(default_factory=dict)  # expert index -> unavailable workday idx
    no_window: list[Institution] = field(default_factory=list)  # no start fits (R1-R3)
    no_staff: list[Institution] = field(default_factory=list)  # nobody may visit (R6/R7/R11)

    @property
    def horizon(self) -> int:
        return len(self.workdays)

    def index_of(self, day: date) -> int:
        """Index of the first working day on or after ``day``."""
        return bisect.bisect_left(self.workdays, day)

    def year_of(self, w: int) -> int:
        return self.workdays[w].year

    def expert_index(self) -> dict[str, int]:
        return self._expert_index

    @cached_property
    def _expert_index(self) -> dict[str, int]:
        return {e.id: k for k, e in enumerate(self.experts)}


def _window(scenario: Scenario, inst: Institution) -> tuple[date, date]:
    p = scenario.params
    lo, hi = p.start, p.deadline
    if inst.year is not None:
        lo, hi = max(lo, date(inst.year, 1, 1)), min(hi, date(inst.year, 12, 31))
    if inst.batch is not None and inst.batch in scenario.batch_by_name:
        b = scenario.batch_by_name[inst.batch]
        lo, hi = max(lo, b.start), min(hi, b.end)
    if inst.earliest is not None:
        lo = max(lo, inst.earliest)
    if inst.latest is not None:
        hi = min(hi, inst.latest)
    return lo, hi


def _start_ranges(workdays: list[date], lo: date, hi: date, days: int) -> list[tuple[int, int, int]]:
    """Allowed starts as (first, last, year) ranges; visits inside one calendar year are preferred.

    A visit that would straddle New Year is allowed only when no start inside one
    year fits the window (year -1 marks such a range).
    """
    first = bisect.bisect_left(workdays, lo)
    last_end = bisect.bisect_right(workdays, hi) - 1
    last = last_end - days + 1
    if last < first:
        return []
    by_year: dict[int, list[int]] = {}
    straddling: list[int] = []
    for w in range(first, last + 1):
        y0, y1 = workdays[w].year, workdays[w + days - 1].year
        if y0 == y1:
            by_year.setdefault(y0, []).append(w)
        else:
            straddling.append(w)
    ranges: list[tuple[int, int, int]] = []
    chosen = by_year if by_year else {-1: straddling}
    for year, ws in sorted(chosen.items()):
        start = prev = ws[0]
        for w in ws[1:]:
            if w != prev + 1:
                ranges.append((start, prev, year))
                start = w
            prev = w
        ranges.append((start, prev, year))
    return ranges


def build_instance(scenario: Scenario) -> Instance:
    p = scenario.params
    cal = scenario.calendar
    workdays = list(cal.workdays(p.start, p.deadline))
    experts = scenario.experts
    expert_idx = {e.id: k for k, e in enumerate(experts)}

    blocked: dict[int, set[int]] = {}
    for u in scenario.unavailability:
        k = expert_idx.get(u.expert_id)
        if k is None:
            continue
        lo = bisect.bisect_left(workdays, u.start)
        hi = bisect.bisect_right(workdays, u.end)
        if lo < hi:
            blocked.setdefault(k, set()).update(range(lo, hi))

    by_district: dict[str, list[int]] = {}
    for k, e in enumerate(experts):
        by_district.setdefault(e.district, []).append(k)

    inst_of_team = scenario.teams
    listed = {(c.expert_id, c.institution_id) for c in scenario.conflicts}
    tasks: list[Task] = []
    no_window: list[Institution] = []
    no_staff: list[Institution] = []
    for inst in scenario.institutions:
        if inst.exempt:
            continue
        rule = scenario.rule(inst.tier)
        days = scenario.min_days(inst)
        first_day, last_day = _window(scenario, inst)
        ranges = _start_ranges(workdays, first_day, last_day, days)
        if not ranges:
            no_window.append(inst)
            continue
        districts = team_districts(scenario, inst)
        pool: Sequence[int]
        if districts is None:
            pool = range(len(experts))
        else:
            pool = sorted(k for d in districts for k in by_district.get(d, ()))
        candidates = tuple(k for k in pool if not excluded(scenario, experts[k], inst, listed))
        team_staffed = any(t.covers(inst.tier) for t in inst_of_team)
        teams: list[int] = []
        members_after: list[tuple[int, ...]] = []
        if team_staffed:
            for ti, team in enumerate(inst_of_team):
                if not team.covers(inst.tier):
                    continue
                members = tuple(expert_idx[m] for m in team.members if m in expert_idx)
                # only a conflict lets a member step aside (R11); the rest must all be allowed (R7)
                present = tuple(k for k in members if not excluded(scenario, experts[k], inst, listed))
                if districts is not None and any(experts[k].district not in districts for k in present):
                    continue
                leader = expert_idx.get(team.leader)
                if leader not in present or len(present) < rule.team_min:
                    continue
                skills = {s for k in present for s in experts[k].skills}
                if not set(rule.required_skills) <= skills:
                    continue
                teams.append(ti)
                members_after.append(present)
            if not teams:
                no_staff.append(inst)
                continue
        elif not candidates:
            no_staff.append(inst)
            continue
        tasks.append(
            Task(
                index=len(tasks),
                inst=inst,
                days=days,
                starts=tuple((a, b) for a, b, _ in ranges),
                start_years=tuple(y for _, _, y in ranges),
                candidates=candidates,
                teams=tuple(teams),
                team_members=tuple(members_after),
                skills=rule.required_skills,
                team_min=rule.team_min,
                team_max=rule.team_max,
                team_staffed=team_staffed,
            )
        )
    return Instance(
        scenario=scenario,
        workdays=workdays,
        experts=experts,
        tasks=tasks,
        teams=inst_of_team,
        blocked=blocked,
        no_window=no_window,
        no_staff=no_staff,
    )
