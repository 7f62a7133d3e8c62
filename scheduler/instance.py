"""The scenario turned into integers the model needs, built once.

Time is counted in *working days* (R2): index ``w`` is the w-th working day of the
round, so every visit is a fixed-size interval of ``days`` consecutive working
days (R1). For each visit we precompute the starts its windows allow (R3), the
experts who may sit on it (R6, R7), the standing teams that may make it (R11),
and the working days each expert is unavailable (R8).
"""

from __future__ import annotations

import bisect
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, timedelta
from functools import cached_property
from typing import Any

from inputs.eligibility import excluded, listed_conflicts, team_districts
from inputs.scenario import Expert, Institution, Scenario, Team
from scheduler.parts import parts_team_min, team_divides
from scheduler.pins import narrow
from scheduler.precedence import Precedence


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
    counts: tuple[int, ...] = ()  # per entry of ``skills``: members the part needs (R4 分工); empty: all 1
    one_part_each: bool = False  # 分组巡查: every member takes exactly one part (R4)
    team_min: int = 1
    team_max: int = 99
    team_staffed: bool = False  # the tier is covered by some standing team (R11)
    kind: str = "visit"  # "visit", or "followup" (回头看, R15: see scheduler.followups)
    parent: int | None = None  # for a follow-up: the index of its first visit's task

    @property
    def name(self) -> str:
        """A unique, readable name for model variables: the institution id, marked for a follow-up."""
        return self.inst.id if self.kind == "visit" else f"{self.inst.id}~{self.kind}"

    @property
    def divides_work(self) -> bool:
        """Whether R4's division asks more than covering each skill once (counts, one part each);
        never for a task without parts (a follow-up)."""
        return bool(self.skills) and (self.one_part_each or any(n > 1 for n in self.part_counts()))

    def part_counts(self) -> tuple[int, ...]:
        """Members each part of ``skills`` needs (R4 分工)."""
        return self.counts if len(self.counts) == len(self.skills) else (1,) * len(self.skills)

    def count(self, skill: str) -> int:
        """Members the part of ``skill`` needs; 0 for a skill the task does not require."""
        return dict(zip(self.skills, self.part_counts(), strict=True)).get(skill, 0)

    def years(self) -> set[int]:
        return set(self.start_years)

    def preferred_ranges(self) -> list[tuple[tuple[int, int], int]]:
        """((first, last), year) of each range of starts, those lying wholly in one calendar year
        first and the straddling ones (-1) after, each in date order: the greedy and the replan's
        repair try a visit inside one year before over New Year."""
        return sorted(zip(self.starts, self.start_years, strict=True), key=lambda r: (r[1] == -1, r[0]))

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
    announce: date | None = None  # the day the plan is announced (R14); None: no lead time posted
    lead_cut: list[Institution] = field(default_factory=list)  # no start fits only because of R14
    # "task b starts at least lag days after task a ends" (scheduler.precedence)
    precedences: list[Precedence] = field(default_factory=list)
    followup_for: tuple[str, ...] = ()  # institutions designated for a follow-up (R15)

    @property
    def horizon(self) -> int:
        return len(self.workdays)

    def index_of(self, day: date) -> int:
        """Index of the first working day on or after ``day``."""
        return bisect.bisect_left(self.workdays, day)

    def year_of(self, w: int) -> int:
        return self.workdays[w].year

    def wholly_in(self, start: int, days: int) -> int | None:
        """The calendar year a visit of ``days`` working days from ``start`` lies wholly in (R9
        counts it there), or None: it straddles New Year."""
        year = self.year_of(start)
        return year if self.year_of(start + days - 1) == year else None

    def split(self, start: int, days: int) -> tuple[tuple[int, int], ...]:
        """A visit of ``days`` working days from ``start``: its working days per calendar year, as
        (year, days) in order; two entries for a visit straddling New Year (R8 counts each).
        Remembered per (start, days): the local search asks it at every seat it tries."""
        known = self._splits.get((start, days))
        if known is not None:
            return known
        ends = self._year_ends
        out = []
        w, left = start, days
        while left > 0 and w < len(ends):
            n = min(left, ends[w] - w)
            out.append((self.workdays[w].year, n))
            w, left = w + n, left - n
        known = self._splits[start, days] = tuple(out)
        return known

    @cached_property
    def _splits(self) -> dict[tuple[int, int], tuple[tuple[int, int], ...]]:
        return {}

    @cached_property
    def _year_ends(self) -> list[int]:
        """Per working day, the index of the first working day of a later calendar year."""
        ends = [0] * len(self.workdays)
        end = len(self.workdays)
        for w in range(len(self.workdays) - 1, -1, -1):
            if w + 1 < len(self.workdays) and self.workdays[w + 1].year != self.workdays[w].year:
                end = w + 1
            ends[w] = end
        return ends

    @cached_property
    def year_caps(self) -> list[int | None]:
        """Per expert, R8's yearly cap: their own, else the round's (None: none)."""
        return [self.scenario.year_cap(e) for e in self.experts]

    @cached_property
    def workdays_per_year(self) -> dict[int, int]:
        """The cycle's working days in each calendar year."""
        out: dict[int, int] = {}
        for day in self.workdays:
            out[day.year] = out.get(day.year, 0) + 1
        return out

    def expert_index(self) -> dict[str, int]:
        return self._expert_index

    @cached_property
    def _expert_index(self) -> dict[str, int]:
        return {e.id: k for k, e in enumerate(self.experts)}


def _window(scenario: Scenario, inst: Institution, first: date | None = None) -> tuple[date, date]:
    """The dates a visit of ``inst`` must lie in (R3), starting no earlier than ``first`` (R14)."""
    p = scenario.params
    lo, hi = p.start, p.deadline
    if first is not None:
        lo = max(lo, first)
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
    """Allowed starts as (first, last, year) ranges in the order of their starts: a range of starts
    whose visits lie wholly in one calendar year carries that year, a range whose visits straddle
    New Year carries -1 (R8 counts such a visit's days in each year they fall in, R9 in no year)."""
    first = bisect.bisect_left(workdays, lo)
    last_end = bisect.bisect_right(workdays, hi) - 1
    last = last_end - days + 1
    ranges: list[tuple[int, int, int]] = []
    for w in range(first, last + 1):
        y0 = workdays[w].year
        year = y0 if workdays[w + days - 1].year == y0 else -1
        if ranges and ranges[-1][2] == year and ranges[-1][1] == w - 1:
            ranges[-1] = (ranges[-1][0], w, year)
        else:
            ranges.append((w, w, year))
    return ranges


def build_instance(
    scenario: Scenario,
    *,
    announce: date | None = None,
    followups: bool = False,
    seed: int = 0,
    drawn: Collection[str] = (),
    drawable: Collection[str] | None = None,
) -> Instance:
    """The instance of ``scenario``. With ``announce`` every start honours R14's lead time; with
    ``followups`` the follow-ups of R15 (chosen with ``seed`` where a share asks for them, beside
    those ``drawn`` before, among those ``drawable``: ``scheduler.followups.designated``) are tasks
    of their own, each after its first visit (``scheduler.followups``)."""
    p = scenario.params
    first = None if announce is None else lead_first(scenario, announce)
    cal = scenario.calendar
    last_day = p.deadline
    if followups and p.followup_deadline is not None:
        last_day = max(last_day, p.followup_deadline)  # follow-ups may end after the visits' deadline
    workdays = list(cal.workdays(p.start, last_day))
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
    listed = listed_conflicts(scenario)
    tasks: list[Task] = []
    lead_cut: list[Institution] = []
    no_window: list[Institution] = []
    no_staff: list[Institution] = []
    # most institutions share their window and length: their start ranges are computed once
    # (linear in the cycle's working days, this was most of the instance's time on large rounds)
    ranges_of: dict[tuple[date, date, int], list[tuple[int, int, int]]] = {}
    for inst in scenario.institutions:
        if inst.exempt:
            continue
        rule = scenario.rule(inst.tier)
        days = scenario.min_days(inst)
        first_day, last_day = _window(scenario, inst, first)
        ranges = ranges_of.get((first_day, last_day, days))
        if ranges is None:
            ranges = ranges_of[first_day, last_day, days] = _start_ranges(workdays, first_day, last_day, days)
        if not ranges:
            no_window.append(inst)
            if first is not None and _start_ranges(workdays, *_window(scenario, inst), days):
                lead_cut.append(inst)
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
                if rule.divides_work and not team_divides(rule, [experts[k].skills for k in present]):
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
                counts=tuple(rule.count(s) for s in rule.required_skills) if rule.divides_work else (),
                one_part_each=rule.one_part_each,
                team_min=parts_team_min(rule),
                team_max=rule.team_max,
                team_staffed=team_staffed,
            )
        )
    tasks = [narrow(scenario, workdays, task) for task in tasks]  # R16 pins (scheduler.pins)
    instance = Instance(
        scenario=scenario,
        workdays=workdays,
        experts=experts,
        tasks=tasks,
        teams=inst_of_team,
        blocked=blocked,
        no_window=no_window,
        no_staff=no_staff,
        announce=announce,
        lead_cut=lead_cut,
    )
    if followups:
        from scheduler.followups import add_followups

        add_followups(instance, seed, drawn, drawable)
    return instance


def lead_first(scenario: Scenario, announce: date) -> date:
    """R14: the first day a visit may start when the plan is announced on ``announce``."""
    return announce + timedelta(days=scenario.params.notice_days)


def first_visits(instance: Instance, chosen: dict[int, Any]) -> tuple[Instance, dict[int, Any]]:
    """The instance without its follow-up tasks (R15) and the assignments of its first visits, for
    the analyses that reason one task per institution (``scheduler.explain``)."""
    if all(t.kind == "visit" for t in instance.tasks):
        return instance, chosen
    tasks = [t for t in instance.tasks if t.kind == "visit"]  # follow-ups come after, indices hold
    kept = {t: a for t, a in chosen.items() if t < len(tasks)}
    return replace(instance, tasks=tasks, precedences=[]), kept


# -- large pools: fewer candidates per visit -----------------------------------------------------------

# A group of visits with more (visit, candidate expert) pairs than this has its candidate lists pruned
# before its model is built (:func:`prune`): each pair costs about 3.3 KB of CP-SAT memory and 5e-5 s of
# building, so an open pool of 3,200 visits × 500 experts would need over 5 GiB.
PRUNE_PAIRS = 60_000
# Candidates kept per visit of a pruned group: at least this many, and this many times its largest team.
PRUNE_KEEP = 24
PRUNE_TEAM_FACTOR = 3
# Kept per visit at least: leader-eligible experts, and holders of each required skill per member the
# part needs (R4), so that every need stays coverable with room to choose.
PRUNE_LEADERS = 4
PRUNE_SKILL_SLACK = 3


class _Rotation:
    """Experts taken in turn, round-robin, so that each appears on about as many lists as the others."""

    def __init__(self, members: Sequence[int]) -> None:
        self.members = list(members)
        self.at = 0

    def take(self, n: int, allowed: set[int], chosen: dict[int, None]) -> None:
        """Add to ``chosen`` up to ``n`` members of ``allowed`` not in it yet, from where the last
        turn stopped."""
        size = len(self.members)
        step = 0
        while n > 0 and step < size:
            k = self.members[(self.at + step) % size]
            step += 1
            if k in allowed and k not in chosen:
                chosen[k] = None
                n -= 1
        self.at = (self.at + step) % size if size else 0


def prune(instance: Instance, tasks: Sequence[int], keep: dict[int, Sequence[int]]) -> Instance:
    """The instance with the candidate lists of ``tasks`` (one group, pool staffed) cut to a balanced,
    deterministic subset; other tasks and the instance itself are unchanged.

    Per visit, in task order, kept: every expert of ``keep`` (the greedy plan's team) and every pinned
    member or leader (R16); then, taken round-robin over the group's experts so that each expert lands on
    about as many lists as any other of their kind, at least :data:`PRUNE_LEADERS` leader-eligible
    experts, :data:`PRUNE_SKILL_SLACK` holders of each required skill per member its part needs (R4), and
    others up to :data:`PRUNE_KEEP` (or :data:`PRUNE_TEAM_FACTOR` × the largest team) in all. A visit
    with fewer candidates keeps them all. Who may sit on a visit only narrows, so every plan of the pruned
    instance is a plan of the round, and the greedy plan stays one of the pruned instance.
    """
    experts = instance.experts
    index = instance.expert_index()
    group = sorted({k for t in tasks for k in instance.tasks[t].candidates})
    leaders = _Rotation([k for k in group if experts[k].leader])
    holders: dict[str, _Rotation] = {}
    everyone = _Rotation(group)
    narrowed = list(instance.tasks)
    for t in sorted(tasks):
        task = instance.tasks[t]
        size = max(PRUNE_KEEP, PRUNE_TEAM_FACTOR * task.team_max)
        if task.team_staffed or len(task.candidates) <= size:
            continue
        allowed = set(task.candidates)
        pinned = [*task.inst.fixed_members, *([task.inst.fixed_leader] if task.inst.fixed_leader else [])]
        chosen = dict.fromkeys(
            k for k in [*keep.get(t, ()), *(index.get(e, -1) for e in pinned)] if k in allowed
        )
        leaders.take(PRUNE_LEADERS - sum(experts[k].leader for k in chosen), allowed, chosen)
        for skill, count in zip(task.skills, task.part_counts(), strict=True):
            rotation = holders.get(skill)
            if rotation is None:
                rotation = holders[skill] = _Rotation([k for k in group if skill in experts[k].skills])
            have = sum(skill in experts[k].skills for k in chosen)
            rotation.take(PRUNE_SKILL_SLACK * count - have, allowed, chosen)
        everyone.take(size - len(chosen), allowed, chosen)
        narrowed[t] = replace(task, candidates=tuple(sorted(chosen)))
    out = replace(instance, tasks=narrowed)
    # what is cached on the instance (the expert index, the round's cap shares) is the round's: kept
    own = {f.name for f in fields(Instance)}
    for key, value in vars(instance).items():
        if key not in own:
            vars(out).setdefault(key, value)
    return out
