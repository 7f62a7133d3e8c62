"""A fast construction heuristic: a complete plan to hint the model with.

CP-SAT finds a first plan for large rounds only when given a complete hint
(SOLVER-NOTES.md), so we build one first: the most constrained visits first,
each at the earliest start where a small, lightly loaded team is free, with
leaders (usually the scarcest resource) chosen by load. It honours every hard
rule itself; what it cannot place is left to the model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from constraints.pins import pinned
from scheduler import pins
from scheduler.instance import Instance, Task
from scheduler.parts import divided_team
from scheduler.precedence import depths, earliest_start
from scheduler.quota_caps import CapCounter, caps_for


@dataclass
class Assignment:
    """Where and by whom one task is done."""

    start: int
    members: tuple[int, ...]
    leader: int
    team: int | None = None  # index into Instance.teams, for standing-team visits


@dataclass
class GreedyState:
    instance: Instance
    rest: int
    busy: list[bytearray]  # per expert: working days taken by a visit or its rest tail
    load: list[int] = field(default_factory=list)
    year_load: list[dict[int, int]] = field(default_factory=list)
    concurrent: list[int] = field(default_factory=list)


QuotaTarget = tuple[int, list[int], int]  # year, task indices that count, how many must lie in it


def complete_team(
    state: GreedyState, task: Task, kept: list[int], free: list[int], leader: int | None
) -> tuple[int, tuple[int, ...]] | None:
    """A team around ``kept`` (members that must stay): ``leader`` or the least-loaded leader-eligible
    member (kept ones first), then the free experts who cover most missing skills, then the least
    loaded up to the tier's minimum; None when no such team fits the tier's size."""
    experts = state.instance.experts
    if leader is None:
        options = [k for k in kept if experts[k].leader] or [k for k in free if experts[k].leader]
        if not options:
            return None
        leader = min(options, key=lambda k: (state.load[k], k))
    team = list(dict.fromkeys([leader, *kept]))
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
        matching = [
            i
            for i in scenario.institutions
            if not i.exempt
            and (quota.tier is None or i.tier == quota.tier)
            and (quota.ownership is None or i.ownership == quota.ownership)
        ]
        need = max(quota.min_count, math.ceil(quota.min_share * len(matching) - 1e-9))
        ids = {i.id for i in matching}
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
        pin = t.kind == "visit" and pinned(t.inst)  # R16: pinned visits first, exactly as pinned
        return (depth.get(t.index, 0), not pin, t.index not in reserved, span * staff, -t.days, t.name)

    return sorted(instance.tasks, key=key)


def _free(state: GreedyState, k: int, w: int, days: int) -> bool:
    busy = state.busy[k]
    if any(busy[w : w + days + state.rest]):
        return False
    blocked = state.instance.blocked.get(k)
    return not (blocked and any(x in blocked for x in range(w, w + days)))


def _cap_ok(state: GreedyState, k: int, year: int, days: int) -> bool:
    cap = state.instance.scenario.year_cap(state.instance.experts[k])
    return cap is None or state.year_load[k].get(year, 0) + days <= cap


def _pick_pool_team(state: GreedyState, task: Task, w: int, year: int) -> tuple[int, tuple[int, ...]] | None:
    if task.kind == "visit" and pinned(task.inst):  # R16: the team is built around the pins
        return pins.pick(state, task, w, year)
    experts = state.instance.experts
    free = [
        k for k in task.candidates if _free(state, k, w, task.days) and _cap_ok(state, k, year, task.days)
    ]
    if len(free) < task.team_min:
        return None
    required = set(task.skills)
    leaders = [k for k in free if experts[k].leader]
    if not leaders:
        return None

    def useful(k: int, uncovered: set[str]) -> int:
        return len(uncovered.intersection(experts[k].skills))

    best: tuple[tuple[int, int, tuple[int, ...]], int, list[int]] | None = None
    for leader in sorted(leaders, key=lambda k: (state.load[k], -useful(k, required), k))[:3]:
        for coverage_first in (False, True):
            team = _cover(state, task, free, leader, coverage_first)
            if team is None:
                continue
            # heaviest member, size, then the whole load profile: when the leader is the heaviest
            # either way, prefer the team that spares the next heaviest (else two scarce leaders
            # who cover each other's skills end up on every visit together)
            loads = tuple(sorted((state.load[k] for k in team), reverse=True))
            key = (loads[0], len(team), loads)
            if best is None or key < best[0]:
                best = (key, leader, team)
    if best is None:
        return None
    return best[1], tuple(best[2])


def _cover(
    state: GreedyState, task: Task, free: list[int], leader: int, coverage_first: bool
) -> list[int] | None:
    """A team around ``leader`` covering the required skills: load-aware, or fewest members first."""
    experts = state.instance.experts
    if task.divides_work:  # R4 分工: part counts or one part each (scheduler.parts)
        return divided_team(state.load, experts, task, free, leader, coverage_first)
    team = [leader]
    uncovered = set(task.skills) - set(experts[leader].skills)
    while uncovered:
        options = [k for k in free if k not in team and uncovered.intersection(experts[k].skills)]
        if not options:
            return None

        def key(k: int, uncovered: set[str] = uncovered) -> tuple[int, int, int]:
            gain = len(uncovered.intersection(experts[k].skills))
            if coverage_first:
                return (-gain, state.load[k], k)
            return (state.load[k] - task.days * gain, -gain, k)

        best = min(options, key=key)
        team.append(best)
        uncovered -= set(experts[best].skills)
    rest = sorted((k for k in free if k not in team), key=lambda k: (state.load[k], k))
    while len(team) < task.team_min and rest:
        team.append(rest.pop(0))
    if not task.team_min <= len(team) <= task.team_max:
        return None
    return team


def _pick_standing_team(
    state: GreedyState, task: Task, w: int, year: int
) -> tuple[int, int, tuple[int, ...]] | None:
    expert_idx = state.instance.expert_index()
    best = None
    for ti, members in zip(task.teams, task.team_members, strict=True):
        if not all(_free(state, k, w, task.days) and _cap_ok(state, k, year, task.days) for k in members):
            continue
        key = (max(state.load[k] for k in members), ti)
        if best is None or key < best[0]:
            leader = expert_idx[state.instance.teams[ti].leader]
            best = (key, (ti, leader, members))
    return None if best is None else best[1]


def _place(state: GreedyState, task: Task, w: int, assignment: Assignment) -> None:
    inst = state.instance
    year = inst.year_of(w)
    for k in assignment.members:
        busy = state.busy[k]
        for x in range(w, w + task.days + state.rest):
            busy[x] = 1
        state.load[k] += task.days
        state.year_load[k][year] = state.year_load[k].get(year, 0) + task.days
    for x in range(w, w + task.days):
        state.concurrent[x] += 1


def _unplace(state: GreedyState, task: Task, assignment: Assignment) -> None:
    w = assignment.start
    year = state.instance.year_of(w)
    for k in assignment.members:
        busy = state.busy[k]
        for x in range(w, w + task.days + state.rest):
            busy[x] = 0
        state.load[k] -= task.days
        state.year_load[k][year] -= task.days
    for x in range(w, w + task.days):
        state.concurrent[x] -= 1


def _new_state(instance: Instance) -> GreedyState:
    rest = instance.scenario.params.rest_days
    size = instance.horizon + rest + 2
    return GreedyState(
        instance=instance,
        rest=rest,
        busy=[bytearray(size) for _ in instance.experts],
        load=[0] * len(instance.experts),
        year_load=[{} for _ in instance.experts],
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
    followers = {link.after for link in instance.precedences}
    for t, a in sorted(plan.items(), key=lambda p: (p[1].start, instance.tasks[p[0]].inst.id)):
        task = instance.tasks[t]
        _unplace(state, task, a)
        best = a
        floor = 0
        if t in followers:  # R15 follow-ups: never before their visit's end plus the lag
            floor = earliest_start(instance, t, {u: b.start for u, b in out.items()}) or 0
        for (lo, hi), year in zip(task.starts, task.start_years, strict=True):
            if not lo <= a.start <= hi:
                continue
            for w in range(max(lo, floor), a.start):
                if cap is not None and max(state.concurrent[w : w + task.days]) >= cap:
                    continue
                if year == -1 and instance.year_of(w) != instance.year_of(a.start):
                    continue
                if all(_free(state, k, w, task.days) for k in a.members):
                    best = Assignment(w, a.members, a.leader, a.team)
                    break
        _place(state, task, best.start, best)
        out[t] = best
    return out


def greedy(instance: Instance, targets: list[QuotaTarget] | None = None) -> dict[int, Assignment]:
    """A plan for as many tasks as the heuristic can place; task index -> assignment."""
    from scheduler import followups

    scenario = instance.scenario
    state = _new_state(instance)
    cap = scenario.params.max_concurrent_visits
    followers = {link.after for link in instance.precedences}
    reserved = quota_years(instance, quota_targets(instance) if targets is None else targets)
    room = CapCounter(caps_for(instance, instance.tasks))  # R9 at-most caps
    reserved = room.allowing(reserved)
    plan: dict[int, Assignment] = {}
    for task in _order(instance, reserved):
        want = reserved.get(task.index)
        floor: int | None = 0
        if task.index in followers:
            floor = earliest_start(instance, task.index, {t: a.start for t, a in plan.items()})
        if floor is None:
            continue  # a task it must follow is not placed
        for (lo, hi), year in zip(task.starts, task.start_years, strict=True):
            if (want is not None and year != want) or not room.fits(task.index, year):
                continue
            placed = None
            for w in range(max(lo, floor), hi + 1):
                if cap is not None and max(state.concurrent[w : w + task.days]) >= cap:
                    continue
                wy = instance.year_of(w)
                if task.team_staffed:
                    picked = _pick_standing_team(state, task, w, wy)
                    if picked is not None:
                        ti, leader, members = picked
                        placed = Assignment(w, members, leader, ti)
                elif task.kind == "followup":
                    picked_followup = followups.pick_team(state, task, w, wy, plan)
                    if picked_followup is not None:
                        placed = Assignment(w, picked_followup[1], picked_followup[0])
                else:
                    pool = _pick_pool_team(state, task, w, wy)
                    if pool is not None:
                        placed = Assignment(w, pool[1], pool[0])
                if placed is not None:
                    break
            if placed is not None:
                _place(state, task, placed.start, placed)
                plan[task.index] = placed
                room.take(task.index, year)
                break
    return plan
