"""A fast construction heuristic: a complete plan to hint the model with.

CP-SAT finds a first plan for large rounds only when given a complete hint
(SOLVER-NOTES.md), so we build one first: the most constrained visits first,
each at the earliest start where a small, lightly loaded team is free, with
leaders (usually the scarcest resource) chosen by load. It honours every hard
rule itself; what it cannot place is left to the model.

It is fast because trying a start is cheap: who is free there is a bit set of the task's pool of
experts (``scheduler.roster``), and a team is built only for a set of free experts not seen before
in the task's scan that passes the quick tests (a leader, enough members and skill holders).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from scheduler import pacing, pins
from scheduler.instance import Instance, Task
from scheduler.parts import divided_team
from scheduler.precedence import Precedence, depths, earliest_after
from scheduler.quota_caps import CapCounter, caps_for
from scheduler.roster import Pool, SkillBits, pools

T = TypeVar("T")


@dataclass
class Assignment:
    """Where and by whom one task is done."""

    start: int
    members: tuple[int, ...]
    leader: int
    team: int | None = None  # index into Instance.teams, for standing-team visits


class _Rows(dict[int, T]):
    """Per expert index, a row made on first use: a state of a national round's thousands of
    experts is made per group of a few dozen (``scheduler.pacing``), so only their rows are made."""

    def __init__(self, make: Callable[[], T]) -> None:
        super().__init__()
        self.make = make

    def __missing__(self, k: int) -> T:
        row = self[k] = self.make()
        return row


@dataclass
class GreedyState:
    instance: Instance
    rest: int
    busy: Mapping[int, bytearray]  # per expert: working days taken by a visit or its rest tail
    load: list[int] = field(default_factory=list)
    year_load: Mapping[int, dict[int, int]] = field(default_factory=dict)
    concurrent: list[int] = field(default_factory=list)
    skills: SkillBits = field(init=False)  # each expert's skills as bits
    caps: list[int | None] = field(init=False)  # each expert's yearly cap (R8), None: none

    def __post_init__(self) -> None:
        cached = vars(self.instance).get("_skill_bits")
        if cached is None:  # the same experts for every state of the round
            cached = vars(self.instance)["_skill_bits"] = SkillBits.of(self.instance.experts)
        self.skills = cached
        self.caps = self.instance.year_caps


QuotaTarget = tuple[int, list[int], int]  # year, task indices that count, how many must lie in it


def complete_team(
    state: GreedyState, task: Task, kept: list[int], free: list[int], leader: int | None
) -> tuple[int, tuple[int, ...]] | None:
    """A team around ``kept`` (members that must stay): ``leader`` or the least-loaded leader-eligible
    member (kept ones first), then the free experts who cover most missing skills (for a tier that
    divides the work, R4 分工, those who fill most parts, ``parts.divided_team``), then the least loaded
    up to the tier's minimum; None when no such team fits the tier's size or can be given its parts."""
    experts = state.instance.experts
    if leader is None:
        options = [k for k in kept if experts[k].leader] or [k for k in free if experts[k].leader]
        if not options:
            return None
        leader = min(options, key=lambda k: (state.load[k], k))
    team = list(dict.fromkeys([leader, *kept]))
    if task.divides_work:  # R4 分工: the parts' holders first, as the greedy's own teams
        made = divided_team(state.load, experts, task, free, leader, coverage_first=True, kept=team[1:])
        return None if made is None else (leader, tuple(made))
    uncovered = set(task.skills) - {s for k in team for s in experts[k].skills}
    while uncovered:
        options = [k for k in free if k not in team and uncovered.intersection(experts[k].skills)]
        if not options:
            return None
        best = min(options, key=lambda k: (-len(uncovered.intersection(experts[k].skills)), state.load[k], k))
        team.append(best)
        uncovered -= set(experts[best].skills)
    rest = sorted((k for k in free if k not in team), key=lambda k: (state.load[k], k))
    while len(team) < task.team_min and rest:
        team.append(rest.pop(0))
    if not task.team_min <= len(team) <= task.team_max:
        return None
    return leader, tuple(team)


def quota_targets(instance: Instance) -> list[QuotaTarget]:
    """R9 as (year, matching tasks, required count), over the whole round."""
    scenario = instance.scenario
    targets = []
    for quota in scenario.quotas:
        counted = scenario.counted(quota)
        need = quota.required(len(counted))
        ids = {i.id for i in counted}
        tasks = [t.index for t in instance.tasks if t.kind == "visit" and t.inst.id in ids]
        targets.append((quota.year, tasks, need))
    return targets


def quota_years(instance: Instance, targets: list[QuotaTarget]) -> dict[int, int]:
    """Reserve a year for enough visits that each quota target can be met; task index -> year."""
    reserved: dict[int, int] = {}
    for year, tasks, need in sorted(targets, key=lambda q: (q[0], q[1][:1], q[2])):
        have = [t for t in tasks if reserved.get(t) == year or instance.tasks[t].years() == {year}]
        short = need - len(have)
        if short <= 0:
            continue
        taken = set(have)
        free = [
            instance.tasks[t]
            for t in tasks
            if t not in reserved and t not in taken and year in instance.tasks[t].years()
        ]
        free.sort(key=lambda t: (len(t.years()), t.inst.id))
        for t in free[:short]:
            reserved[t.index] = year
    return reserved


def _order(instance: Instance, reserved: dict[int, int]) -> list[Task]:
    depth = depths(instance)  # a task linked after another (R15 follow-ups) comes after it

    def key(t: Task) -> tuple:
        span = sum(b - a + 1 for a, b in t.starts)
        staff = len(t.teams) if t.team_staffed else len(t.candidates)
        pin = t.kind == "visit" and t.inst.pinned  # R16: pinned visits first, exactly as pinned
        return (depth.get(t.index, 0), not pin, t.index not in reserved, span * staff, -t.days, t.name)

    return sorted(instance.tasks, key=key)


def _free(state: GreedyState, k: int, w: int, days: int) -> bool:
    busy = state.busy[k]
    if any(busy[w : w + days + state.rest]):
        return False
    blocked = state.instance.blocked.get(k)
    return not (blocked and any(x in blocked for x in range(w, w + days)))


def _cap_ok(state: GreedyState, k: int, w: int, days: int) -> bool:
    """R8: whether ``k``'s yearly cap allows a visit of ``days`` from ``w`` (its days counted in
    each calendar year they fall in)."""
    cap = state.caps[k]
    if cap is None:
        return True
    loads = state.year_load[k]
    return all(loads.get(year, 0) + n <= cap for year, n in state.instance.split(w, days))


def _year_cap_ok(state: GreedyState, k: int, year: int, days: int) -> bool:
    """R8: whether ``k``'s cap in ``year`` allows a visit of ``days`` lying wholly in it."""
    cap = state.caps[k]
    return cap is None or state.year_load[k].get(year, 0) + days <= cap


def _pick_pool_team(state: GreedyState, task: Task, w: int) -> tuple[int, tuple[int, ...]] | None:
    if task.kind == "visit" and task.inst.pinned:  # R16: the team is built around the pins
        return pins.pick(state, task, w)
    free = [k for k in task.candidates if _free(state, k, w, task.days) and _cap_ok(state, k, w, task.days)]
    return _pool_team(state, task, free)


def team_state(instance: Instance, load: list[int]) -> GreedyState:
    """A state for :func:`pool_team` alone: the experts' ``load`` (shared, not copied), no calendar."""
    return GreedyState(instance=instance, rest=instance.scenario.params.rest_days, busy={}, load=load)


def pool_team(state: GreedyState, task: Task, free: list[int]) -> tuple[int, tuple[int, ...]] | None:
    """The greedy's (leader, members) for a pool-staffed visit from the ``free`` experts, by
    ``state``'s loads (:func:`_pool_team`); the local search (``scheduler.improve``) rebuilds teams
    with it."""
    return _pool_team(state, task, free)


def _pool_team(state: GreedyState, task: Task, free: list[int]) -> tuple[int, tuple[int, ...]] | None:
    """(leader, members) for a pool-staffed visit from the ``free`` experts: for each of the three
    least-loaded leaders a load-aware and a fewest-members team, the lightest of them; when none of
    them can lead a valid team, the next leaders in turn until one can."""
    experts = state.instance.experts
    if len(free) < task.team_min:
        return None
    leaders = [k for k in free if experts[k].leader]
    if not leaders:
        return None
    required = state.skills.of_skills(task.skills)
    held = state.skills.held
    load = state.load
    divided = task.divides_work
    ranked = sorted((load[k], -(held[k] & required).bit_count(), k) for k in leaders)
    best: tuple[tuple[int, int, int, tuple[int, ...]], int, list[int]] | None = None
    for n, (*_, leader) in enumerate(ranked):
        if best is not None and (n >= 3 or load[leader] > best[0][0]):
            break  # a team it leads is heavier than the best one (and so for the next leaders)
        # past the three least loaded, a leader is tried only while none of them could lead a team
        # of the tier's size (their skills need more members than the tier allows)
        for coverage_first in (False, True):
            if divided:  # R4 分工: part counts or one part each (scheduler.parts)
                team = divided_team(load, experts, task, free, leader, coverage_first)
            else:
                team = _cover(state, task, free, leader, required, coverage_first)
            if team is None:
                continue
            # heaviest member, then fewest leader-eligible members besides the leader, size, then
            # the whole load profile: when the leader is the heaviest either way, prefer the team
            # that spares the other leaders and then the next heaviest (else two scarce leaders who
            # cover each other's skills end up on every visit together: measured on national
            # rounds, a leader sat as a plain member on 49 of 53 visits while the leaders' bound
            # asked each to lead a quarter)
            loads = tuple(sorted((load[k] for k in team), reverse=True))
            extra = sum(1 for k in team if k != leader and experts[k].leader)
            key = (loads[0], extra, len(team), loads)
            if best is None or key < best[0]:
                best = (key, leader, team)
    if best is None:
        return None
    return best[1], tuple(best[2])


def _cover(
    state: GreedyState, task: Task, free: list[int], leader: int, required: int, coverage_first: bool
) -> list[int] | None:
    """A team around ``leader`` covering the ``required`` skills (as bits): load-aware, or fewest
    members first."""
    held = state.skills.held  # skills as bits: a member's gain is how many uncovered skills they hold
    load = state.load
    team = [leader]
    uncovered = required & ~held[leader]
    useful = [k for k in free if held[k] & uncovered]  # the only ones who can gain (uncovered shrinks)
    days = task.days
    while uncovered:  # members already on the team hold none of the uncovered skills
        # the one with the smallest (-gain, load, k) or (load - days * gain, -gain, k)
        chosen: tuple[int, int, int] | None = None
        for k in useful:
            gain = (held[k] & uncovered).bit_count()
            if not gain:
                continue
            key = (-gain, load[k], k) if coverage_first else (load[k] - days * gain, -gain, k)
            if chosen is None or key < chosen:
                chosen = key
        if chosen is None:
            return None
        best = chosen[-1]
        team.append(best)
        uncovered &= ~held[best]
    if len(team) < task.team_min:  # then the least loaded
        rest = sorted((k for k in free if k not in team), key=lambda k: (load[k], k))
        team += rest[: task.team_min - len(team)]
    if not task.team_min <= len(team) <= task.team_max:
        return None
    return team


def _pick_standing_team(state: GreedyState, task: Task, w: int) -> tuple[int, int, tuple[int, ...]] | None:
    expert_idx = state.instance.expert_index()
    best = None
    for ti, members in zip(task.teams, task.team_members, strict=True):
        if not all(_free(state, k, w, task.days) and _cap_ok(state, k, w, task.days) for k in members):
            continue
        key = (max(state.load[k] for k in members), ti)
        if best is None or key < best[0]:
            leader = expert_idx[state.instance.teams[ti].leader]
            best = (key, (ti, leader, members))
    return None if best is None else best[1]


def _place(state: GreedyState, task: Task, w: int, assignment: Assignment) -> None:
    split = state.instance.split(w, task.days)
    for k in assignment.members:
        busy = state.busy[k]
        for x in range(w, w + task.days + state.rest):
            busy[x] = 1
        state.load[k] += task.days
        loads = state.year_load[k]
        for year, n in split:
            loads[year] = loads.get(year, 0) + n
    for x in range(w, w + task.days):
        state.concurrent[x] += 1


def _unplace(state: GreedyState, task: Task, assignment: Assignment) -> None:
    w = assignment.start
    split = state.instance.split(w, task.days)
    for k in assignment.members:
        busy = state.busy[k]
        for x in range(w, w + task.days + state.rest):
            busy[x] = 0
        state.load[k] -= task.days
        for year, n in split:
            state.year_load[k][year] -= n
    for x in range(w, w + task.days):
        state.concurrent[x] -= 1


def _new_state(instance: Instance) -> GreedyState:
    rest = instance.scenario.params.rest_days
    size = instance.horizon + rest + 2
    return GreedyState(
        instance=instance,
        rest=rest,
        busy=_Rows(lambda: bytearray(size)),
        load=[0] * len(instance.experts),
        year_load=_Rows(dict),
        concurrent=[0] * size,
    )


def compact(instance: Instance, plan: dict[int, Assignment]) -> dict[int, Assignment]:
    """Move every visit to its earliest start in the same calendar year where its team is free.

    Teams, years (so quotas and yearly caps) and the last visit's end never get worse; each
    visit only moves earlier. Visits are taken in start order, so the pass is deterministic.
    """
    state = _new_state(instance)
    cap = instance.scenario.params.max_concurrent_visits
    for t, a in plan.items():
        _place(state, instance.tasks[t], a.start, a)
    out = dict(plan)
    incoming = _incoming(instance)
    for t, a in sorted(plan.items(), key=lambda p: (p[1].start, instance.tasks[p[0]].inst.id)):
        task = instance.tasks[t]
        _unplace(state, task, a)
        best = a
        floor = 0
        if t in incoming:  # R15 follow-ups: never before their visit's end plus the lag
            floor = _floor(instance, incoming[t], out) or 0
        for (lo, hi), year in zip(task.starts, task.start_years, strict=True):
            if not lo <= a.start <= hi:
                continue
            for w in range(max(lo, floor), a.start):
                if cap is not None and max(state.concurrent[w : w + task.days]) >= cap:
                    continue
                if year == -1 and instance.split(w, task.days) != instance.split(a.start, task.days):
                    continue  # a straddling visit keeps its split of days between the years (R8)
                if all(_free(state, k, w, task.days) for k in a.members):
                    best = Assignment(w, a.members, a.leader, a.team)
                    break
        _place(state, task, best.start, best)
        out[t] = best
    return out


def greedy(instance: Instance, targets: list[QuotaTarget] | None = None) -> dict[int, Assignment]:
    """A plan for as many tasks as the heuristic can place; task index -> assignment."""
    state = _new_state(instance)
    scan = _Scan(state)
    incoming = _incoming(instance)
    reserved = quota_years(instance, quota_targets(instance) if targets is None else targets)
    room = CapCounter(caps_for(instance, instance.tasks))  # R9 at-most caps
    reserved = room.allowing(reserved)
    plan: dict[int, Assignment] = {}
    for task in _order(instance, reserved):
        want = reserved.get(task.index)
        floor = _floor(instance, incoming.get(task.index, []), plan)
        if floor is None:
            continue  # a task it must follow is not placed
        # a task reserved for a quota's year that does not fit there is placed in another year:
        # visiting it at all comes first (SPEC §2), and the quota may still be met by other tasks
        for year in (want, None) if want is not None else (None,):
            placed = _first_year(scan, room, task, year, floor, plan)
            if placed is not None:
                plan[task.index] = placed
                break
    return plan


def _first_year(
    scan: _Scan, room: CapCounter, task: Task, want: int | None, floor: int, plan: dict[int, Assignment]
) -> Assignment | None:
    """Place ``task`` at its earliest fit in year ``want`` (None: any year its caps allow), lying
    wholly in one calendar year where it can, else straddling New Year; with ``pace`` even, the
    years its pool has filled least first (:meth:`_Scan.years`)."""
    for (lo, hi), year in scan.years(task):
        if (want is not None and year != want) or not room.fits(task.index, year):
            continue
        placed = scan.first_fit(task, max(lo, floor), hi, plan)
        if placed is not None:
            scan.place(task, placed)
            room.take(task.index, year)
            return placed
    return None


def _incoming(instance: Instance) -> dict[int, list[Precedence]]:
    """Per task, the links to the tasks it must follow (R15 follow-ups)."""
    incoming: dict[int, list[Precedence]] = {}
    for link in instance.precedences:
        incoming.setdefault(link.after, []).append(link)
    return incoming


def _floor(instance: Instance, links: list[Precedence], plan: dict[int, Assignment]) -> int | None:
    """The first start the ``links`` (to the tasks it must follow) allow; None while one of those is not
    placed (``scheduler.precedence.earliest_start``, reading the plan without copying it)."""
    first = 0
    for link in links:
        before = plan.get(link.before)
        if before is None:
            return None
        first = max(first, earliest_after(instance, link, before.start))
    return first


def _usable(task: Task) -> tuple[int, ...]:
    """The experts a task may use: its standing teams' members, else its candidates."""
    if task.team_staffed:
        return tuple(sorted({k for members in task.team_members for k in members}))
    return task.candidates


class _Scan:
    """The greedy's search for the first start of a task where a team can be found.

    Which team a picker builds at a start depends only on which of the experts it may use are free
    there (free for the whole visit and its rest days, within their yearly cap): loads and the plan
    do not change while one task is scanned. So each start costs a few bit operations on the task's
    pool (``scheduler.roster``), a set of free experts already found to give no team is not tried
    again, and for a pool-staffed visit sets without enough members, a leader, or enough holders of a
    required skill are passed over before any team is built.
    """

    def __init__(self, state: GreedyState) -> None:
        self.state = state
        instance = state.instance
        days = len(state.concurrent)
        self.pool_of = pools(instance.experts, map(_usable, instance.tasks), days, instance.blocked)
        self.nobody = Pool.of([], instance.experts, days, {})  # for a task nobody may make
        # pace even: per pool (its first expert), the visit days placed in each calendar year;
        # None: pace early, every visit in date order
        self.filled: dict[int, Counter[int]] | None = {} if pacing.even(instance) else None

    def _filled(self, task: Task) -> Counter[int] | None:
        """The visit days placed per year in ``task``'s pool (None: pace early, or nobody may make it)."""
        usable = _usable(task)
        if self.filled is None or not usable:
            return None
        return self.filled.setdefault(self.pool_of[usable[0]].experts[0], Counter())

    def years(self, task: Task) -> list[tuple[tuple[int, int], int]]:
        """The task's ranges of starts in the order to try them (``Task.preferred_ranges``: those in
        one calendar year before those straddling New Year). With ``pace`` even, the years its pool
        has filled least, relative to their working days in the cycle, come first, so that the start
        plan spreads a pool's visits over the cycle's years as the pacing will: experts at their
        yearly cap (R8) in one year then work in the others, where a plan in date order fills the
        first year and leaves the rest of the work to the uncapped few (measured on national rounds
        of 12,800 visits: 28 pools above their bound after the greedy instead of 59)."""
        ranges = task.preferred_ranges()
        filled = self._filled(task) if len(ranges) > 1 else None
        if filled is None:
            return ranges
        days = self.state.instance.workdays_per_year
        return sorted(ranges, key=lambda r: (r[1] == -1, filled[r[1]] / max(1, days.get(r[1], 0)), r[0]))

    def first_fit(self, task: Task, lo: int, hi: int, plan: dict[int, Assignment]) -> Assignment | None:
        """The assignment at the first start in ``lo`` … ``hi`` where the task gets a team, if any."""
        state = self.state
        instance = state.instance
        cap = instance.scenario.params.max_concurrent_visits
        usable = _usable(task)
        pool = self.pool_of[usable[0]] if usable else self.nobody
        # per split of the visit's days between years: the usable experts whose yearly caps allow it
        within_cap: dict[tuple[tuple[int, int], ...], int] = {}
        caps = state.caps
        capped = [(k, most) for k in usable if (most := caps[k]) is not None]
        uncapped = pool.bits(k for k in usable if caps[k] is None)
        no_team: set[int] = set()
        quick = not task.team_staffed and task.kind == "visit" and not task.inst.pinned
        needs = [(pool.holders.get(s, 0), n) for s, n in zip(task.skills, task.part_counts(), strict=True)]
        for w in range(lo, hi + 1):
            if cap is not None and max(state.concurrent[w : w + task.days]) >= cap:
                continue
            split = instance.split(w, task.days)
            if split not in within_cap:
                within_cap[split] = uncapped | pool.bits(
                    k for k, most in capped if all(state.year_load[k].get(y, 0) + n <= most for y, n in split)
                )
            free = pool.free(within_cap[split], w, task.days, state.rest)
            if free in no_team:
                continue
            if quick and not _may_staff(task, free, pool.leaders, needs):
                no_team.add(free)
                continue
            placed = self._pick(task, w, plan, pool.experts_in(free, task.candidates) if quick else [])
            if placed is not None:
                return placed
            no_team.add(free)
        return None

    def _pick(self, task: Task, w: int, plan: dict[int, Assignment], free: list[int]) -> Assignment | None:
        """The assignment at ``w`` by the picker for the task's kind; ``free``: for a pool-staffed
        visit, its candidates free there (within their yearly cap); the other pickers find them."""
        state = self.state
        if task.team_staffed:
            picked = _pick_standing_team(state, task, w)
            return None if picked is None else Assignment(w, picked[2], picked[1], picked[0])
        if task.kind == "followup":
            from scheduler import followups

            team = followups.pick_team(state, task, w, plan)
        elif task.kind == "visit" and task.inst.pinned:  # R16: the team is built around the pins
            team = pins.pick(state, task, w)
        else:
            team = _pool_team(state, task, free)
        return None if team is None else Assignment(w, team[1], team[0])

    def place(self, task: Task, assignment: Assignment) -> None:
        _place(self.state, task, assignment.start, assignment)
        w = assignment.start
        filled = self._filled(task)
        if filled is not None:
            for year, n in self.state.instance.split(w, task.days):
                filled[year] += n
        for k in assignment.members:
            self.pool_of[k].take([k], w, w + task.days + self.state.rest)


def _may_staff(task: Task, free: int, leaders: int, needs: list[tuple[int, int]]) -> bool:
    """Whether the ``free`` experts pass the quick tests every pool team must: enough of them, one of
    the ``leaders`` among them, and as many holders of each required skill as its part needs
    (``needs``: per skill its holders and that count, R4)."""
    if free.bit_count() < task.team_min or not free & leaders:
        return False
    return all((free & holders).bit_count() >= n for holders, n in needs)
