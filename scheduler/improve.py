"""A deterministic local search that lowers each pool's heaviest load, keeping every rule.

The greedy and the model's search can leave a pool above its bound when a few experts carry more
visit days than they need to (CP-SAT's min–max search stalls on big pools, and the wall clock may
cut it short). This pass takes a complete plan and, pool by pool, moves work away from the experts
at the pool's heaviest load, each move leaving every expert it touches below that load:

- *drop*: a heaviest member leaves a visit whose team stays valid without them;
- *replace*: a heaviest member hands their seat to a candidate free at the time;
- *swap*: a heaviest member on a long visit trades seats with a member of a shorter visit;
- *chain*: the newcomer is busy at the time, or at their yearly cap, and first hands one of their
  own visits to a third expert;
- *retime*: the visit moves to the nearest start of its window where the new team is free — in
  the same calendar year, or another when no quota row counts the institution.

Visits keep their years where a quota counts them (R9) and their window (R3, with R14's lead
time); visits linked by a precedence (R15 follow-ups and their first visits) keep their starts.
The changed teams are checked with the instance's own facts: candidates (R6, R7), free days with
rest and absences (R5, R8), yearly caps (R8), office capacity (R10), size, leader, skills and
division of work (R4), and follow-up continuity (R15). Pinned visits (R16), standing-team visits
(R11), follow-ups and visits that may straddle New Year keep their teams. Each move lowers the
heaviest load or the number of experts at it, and the search is bounded by a count of moves,
never by time, so the same plan in gives the same plan out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from constraints.pins import pinned
from scheduler.greedy import Assignment, quota_targets
from scheduler.instance import Instance, Task
from scheduler.parts import can_divide

# Moves tried per pool at most, per task of the pool: a safety net, as every move makes progress.
MOVES_PER_TASK = 20
# Pools with more (visit, candidate) pairs than this are left to the model: in one open pool of 3,200
# visits × 500 experts a single failed chain move tries hundreds of millions of seat changes (measured:
# minutes on the benchmark's `open` round); the model solves such pools on pruned lists.
MAX_PAIRS = 60_000


@dataclass
class _State:
    """Who is busy when, and how loaded, under the plan being improved."""

    instance: Instance
    plan: dict[int, Assignment]
    rest: int
    busy: list[bytearray]  # per expert: working days taken by a visit or its rest tail
    load: list[int] = field(default_factory=list)
    year_load: list[dict[int, int]] = field(default_factory=list)
    tasks_of: list[set[int]] = field(default_factory=list)
    running: list[int] = field(default_factory=list)  # visits on each working day (R10)

    def span(self, t: int) -> range:
        """The working days a visit holds its members for: its days and the rest after."""
        task = self.instance.tasks[t]
        start = self.plan[t].start
        return range(start, start + task.days + self.rest)

    def year(self, t: int) -> int:
        return self.instance.year_of(self.plan[t].start)

    def add(self, t: int, k: int) -> None:
        for x in self.span(t):
            self.busy[k][x] = 1
        days = self.instance.tasks[t].days
        self.load[k] += days
        y = self.year(t)
        self.year_load[k][y] = self.year_load[k].get(y, 0) + days
        self.tasks_of[k].add(t)

    def remove(self, t: int, k: int) -> None:
        for x in self.span(t):
            self.busy[k][x] = 0
        days = self.instance.tasks[t].days
        self.load[k] -= days
        self.year_load[k][self.year(t)] -= days
        self.tasks_of[k].discard(t)

    def free_at(self, k: int, start: int, days: int) -> bool:
        """Whether expert ``k`` is free by time for a visit of ``days`` from ``start``: no visit or
        rest tail of theirs in its days and rest (R5), no absence in its days (R8)."""
        if self.busy[k].find(1, start, start + days + self.rest) != -1:
            return False
        blocked = self.instance.blocked.get(k)
        return not (blocked and any(x in blocked for x in range(start, start + days)))

    def free(self, k: int, t: int, ignore: int | None = None) -> bool:
        """Whether expert ``k`` may sit on visit ``t`` at its start, as if their visit ``ignore``
        were not there."""
        if ignore is None:
            return self.free_at(k, self.plan[t].start, self.instance.tasks[t].days)
        self.remove(ignore, k)
        try:
            return self.free_at(k, self.plan[t].start, self.instance.tasks[t].days)
        finally:
            self.add(ignore, k)

    def detach(self, t: int) -> Assignment:
        """Visit ``t`` off the calendar (its members and its place in R10's count); its assignment."""
        a = self.plan[t]
        for k in a.members:
            self.remove(t, k)
        for x in range(a.start, a.start + self.instance.tasks[t].days):
            self.running[x] -= 1
        return a

    def attach(self, t: int, a: Assignment) -> None:
        """Visit ``t`` back on the calendar as ``a``."""
        self.plan[t] = a
        for k in a.members:
            self.add(t, k)
        for x in range(a.start, a.start + self.instance.tasks[t].days):
            self.running[x] += 1

    def cap_at(self, k: int, start: int, days: int) -> bool:
        """R8's yearly cap for ``k`` taking a visit of ``days`` from ``start`` (within one year)."""
        cap = self.instance.scenario.year_cap(self.instance.experts[k])
        year = self.instance.year_of(start)
        return cap is None or self.year_load[k].get(year, 0) + days <= cap

    def cap_ok(self, k: int, t: int, leaving: int | None = None) -> bool:
        """R8's yearly cap for ``k`` taking visit ``t`` (and leaving visit ``leaving``)."""
        cap = self.instance.scenario.year_cap(self.instance.experts[k])
        if cap is None:
            return True
        y = self.year(t)
        total = self.year_load[k].get(y, 0) + self.instance.tasks[t].days
        if leaving is not None and self.year(leaving) == y:
            total -= self.instance.tasks[leaving].days
        return total <= cap


def _new_state(instance: Instance, plan: dict[int, Assignment]) -> _State:
    rest = instance.scenario.params.rest_days
    size = instance.horizon + rest + 2
    n = len(instance.experts)
    state = _State(
        instance=instance,
        plan=dict(plan),
        rest=rest,
        busy=[bytearray(size) for _ in range(n)],
        load=[0] * n,
        year_load=[{} for _ in range(n)],
        tasks_of=[set() for _ in range(n)],
    )
    state.running = [0] * size
    for t in sorted(plan):
        for k in plan[t].members:
            state.add(t, k)
        start = plan[t].start
        for x in range(start, start + instance.tasks[t].days):
            state.running[x] += 1
    return state


# -- what a team must be -----------------------------------------------------------------------------
def _movable(task: Task) -> bool:
    """Whether the search may change this visit's team: not a follow-up, a standing team, a pin, or
    a visit that may straddle New Year (its days count in two years' caps)."""
    return (
        task.kind == "visit"
        and not task.team_staffed
        and not pinned(task.inst)
        and -1 not in task.start_years
    )


def _team_ok(instance: Instance, task: Task, members: Sequence[int]) -> bool:
    """R4 for a pool-staffed visit: size, a leader-eligible member, the skills and the division."""
    experts = instance.experts
    if not task.team_min <= len(members) <= task.team_max:
        return False
    if not any(experts[k].leader for k in members):
        return False
    held = [experts[k].skills for k in members]
    if task.divides_work:
        return can_divide(held, task.skills, task.part_counts(), task.one_part_each)
    return set(task.skills) <= {s for skills in held for s in skills}


def _leader(instance: Instance, members: Sequence[int], leader: int, leaving: int) -> int:
    """The leader after ``leaving`` left: the same one unless it was them, else the first eligible."""
    if leader != leaving:
        return leader
    return min(k for k in members if instance.experts[k].leader)


class _Search:
    """The moves on one plan; ``improve`` runs them pool by pool."""

    def __init__(self, instance: Instance, plan: dict[int, Assignment]) -> None:
        self.instance = instance
        self.state = _new_state(instance, plan)
        # first visit -> its follow-ups whose team must share a member with it (R15 continuity)
        self.followups: dict[int, list[int]] = {}
        if instance.scenario.params.followup_continuity:
            for link in instance.precedences:
                if instance.tasks[link.after].kind != "visit":
                    self.followups.setdefault(link.before, []).append(link.after)
        self.candidates = {t.index: frozenset(t.candidates) for t in instance.tasks}
        # tasks a precedence links (R15): their starts stay where they are
        self.linked = {t for link in instance.precedences for t in (link.before, link.after)}
        # tasks some quota row counts (R9): their years stay where they are
        self.counted = {t for _, ts, _ in quota_targets(instance) for t in ts}

    # -- applying a change ---------------------------------------------------------------------------
    def _members(self, t: int) -> tuple[int, ...]:
        return self.state.plan[t].members

    def _continuity(self, t: int, members: Sequence[int]) -> bool:
        plan = self.state.plan
        return all(f not in plan or set(plan[f].members) & set(members) for f in self.followups.get(t, ()))

    def _allowed(self, t: int, members: Sequence[int]) -> bool:
        task = self.instance.tasks[t]
        return _team_ok(self.instance, task, members) and self._continuity(t, members)

    def _apply(self, *changes: tuple[int, int | None, int | None]) -> None:
        """Each (visit, member out, member in), out first then in, so that the busy days of one
        expert trading two overlapping seats stay right; either member may be None."""
        state = self.state
        for t, out, _ in changes:
            if out is not None:
                state.remove(t, out)
        for t, _, into in changes:
            if into is not None:
                state.add(t, into)
        for t, out, into in changes:
            a = state.plan[t]
            members = [k for k in a.members if k != out] + ([into] if into is not None else [])
            leader = a.leader if out is None else _leader(self.instance, members, a.leader, out)
            state.plan[t] = Assignment(a.start, tuple(sorted(members)), leader, a.team)

    def _replaced(self, t: int, out: int, into: int | None) -> list[int]:
        members = [k for k in self._members(t) if k != out]
        return [*members, into] if into is not None else members

    # -- the moves -----------------------------------------------------------------------------------
    def relieve(self, h: int, ceiling: int, pool_tasks: set[int]) -> bool:
        """One move that lowers ``h``'s load and leaves every expert it touches below ``ceiling``."""
        state = self.state
        tasks = self.instance.tasks
        mine = [t for t in state.tasks_of[h] if t in pool_tasks and _movable(tasks[t])]
        order = sorted(mine, key=lambda t: (-tasks[t].days, t))
        for t in order:
            if self._allowed(t, self._replaced(t, h, None)):
                self._apply((t, h, None))
                return True
        for t in order:
            if self._replace(t, h, ceiling) or self._swap(t, h, ceiling):
                return True
        if any(self._chain(t, h, ceiling) for t in order):
            return True
        return any(self._retime(t, h, ceiling) for t in order)

    def _newcomers(self, t: int, ceiling: int, slack: int) -> list[int]:
        """Candidates of visit ``t`` not on it whose load stays below ``ceiling`` after ``slack``
        more days, lightest first."""
        load = self.state.load
        team = set(self._members(t))
        return sorted(
            (k for k in self.candidates[t] if k not in team and load[k] + slack < ceiling),
            key=lambda k: (load[k], k),
        )

    def _replace(self, t: int, h: int, ceiling: int) -> bool:
        days = self.instance.tasks[t].days
        for k in self._newcomers(t, ceiling, days):
            if (
                self.state.free(k, t)
                and self.state.cap_ok(k, t)
                and self._allowed(t, self._replaced(t, h, k))
            ):
                self._apply((t, h, k))
                return True
        return False

    def _swap(self, t: int, h: int, ceiling: int) -> bool:
        """``h`` takes a shorter visit ``u`` of a newcomer ``k``, who takes ``h``'s seat on ``t``."""
        tasks = self.instance.tasks
        state = self.state
        days = tasks[t].days
        for k in self._newcomers(t, ceiling, 1):
            for u in sorted(state.tasks_of[k], key=lambda u: (tasks[u].days, u)):
                shorter = tasks[u].days
                if shorter >= days:
                    break
                if state.load[k] + days - shorter >= ceiling:
                    continue
                if h in self._members(u) or h not in self.candidates[u] or not _movable(tasks[u]):
                    continue
                if not (state.free(k, t, ignore=u) and state.cap_ok(k, t, leaving=u)):
                    continue
                if not (state.free(h, u, ignore=t) and state.cap_ok(h, u, leaving=t)):
                    continue
                if self._allowed(t, self._replaced(t, h, k)) and self._allowed(u, self._replaced(u, k, h)):
                    self._apply((t, h, k), (u, k, h))
                    return True
        return False

    def _overlap(self, t: int, u: int) -> bool:
        a, b = self.state.span(t), self.state.span(u)
        return a.start < b.stop and b.start < a.stop

    def _chain(self, t: int, h: int, ceiling: int) -> bool:
        """A newcomer ``k`` busy at ``t``'s time, at their yearly cap in its year or too loaded to
        take it hands one of their visits ``u`` to a third expert ``j``; then ``k`` takes ``h``'s
        seat on ``t``."""
        tasks = self.instance.tasks
        state = self.state
        days = tasks[t].days
        for k in self._newcomers(t, ceiling + days, 1):
            if not self._allowed(t, self._replaced(t, h, k)):
                continue
            mine = sorted(state.tasks_of[k])
            clash = [u for u in mine if self._overlap(t, u)]
            if len(clash) > 1:
                continue
            if clash:
                given = clash
            elif not state.cap_ok(k, t):  # only the cap: any visit of theirs in the same year may go
                given = [u for u in mine if state.year(u) == state.year(t)]
            elif state.load[k] + days >= ceiling:
                given = mine
            else:
                continue  # free, within the cap and light enough: the replace move would have taken them
            for u in given:
                if not _movable(tasks[u]) or state.load[k] + days - tasks[u].days >= ceiling:
                    continue
                if not (state.free(k, t, ignore=u) and state.cap_ok(k, t, leaving=u)):
                    continue
                if self._hand_over(u, k, h, ceiling):
                    self._apply((t, h, k))
                    return True
        return False

    def _hand_over(self, u: int, k: int, h: int, ceiling: int) -> bool:
        """``k``'s seat on ``u`` to an expert other than ``h`` who stays below ``ceiling``."""
        state = self.state
        for j in self._newcomers(u, ceiling, self.instance.tasks[u].days):
            if j == h or not (state.free(j, u) and state.cap_ok(j, u)):
                continue
            if self._allowed(u, self._replaced(u, k, j)):
                self._apply((u, k, j))
                return True
        return False

    def _retime(self, t: int, h: int, ceiling: int) -> bool:
        """A newcomer busy at ``t``'s start, or at their cap in its year, takes ``h``'s seat, and the
        visit moves to the nearest start of its window where the whole new team is free and within
        its caps (R10 kept): in the same calendar year, or in another when no quota row counts the
        institution (R9 untouched)."""
        tasks = self.instance.tasks
        state = self.state
        task, a = tasks[t], state.plan[t]
        if t in self.linked:
            return False
        free_year = t not in self.counted
        window = [
            (lo, hi)
            for (lo, hi), year in zip(task.starts, task.start_years, strict=True)
            if year != -1 and (free_year or lo <= a.start <= hi)
        ]
        newcomers = [
            k for k in self._newcomers(t, ceiling, task.days) if self._allowed(t, self._replaced(t, h, k))
        ]
        if not window or not newcomers:
            return False
        limit = self.instance.scenario.params.max_concurrent_visits
        starts = sorted(
            (w for lo, hi in window for w in range(lo, hi + 1)), key=lambda w: (abs(w - a.start), w)
        )
        staying = [m for m in a.members if m != h]
        state.detach(t)  # off the calendar while its new start is sought
        fits = [
            w
            for w in starts
            if (limit is None or max(state.running[w : w + task.days]) < limit)
            and all(state.free_at(m, w, task.days) and state.cap_at(m, w, task.days) for m in staying)
        ]
        for k in newcomers:
            for w in fits:
                if state.free_at(k, w, task.days) and state.cap_at(k, w, task.days):
                    team = [*staying, k]
                    leader = _leader(self.instance, team, a.leader, h)
                    state.attach(t, Assignment(w, tuple(sorted(team)), leader, a.team))
                    return True
        state.attach(t, a)
        return False


def improve(
    instance: Instance,
    plan: dict[int, Assignment],
    pools: Sequence[tuple[Sequence[int], Sequence[int]]],
    bounds: Sequence[int],
) -> dict[int, Assignment]:
    """``plan`` with each pool's heaviest load lowered where moves of members allow (module
    docstring); ``pools`` are (task indices, expert indices) as ``scheduler.solve.pools`` gives them,
    ``bounds`` their lower bounds (a pool at its bound is left alone). The same input gives the
    same output; tasks outside the plan are left out of it."""
    search = _Search(instance, plan)
    state = search.state
    for (tasks, experts), bound in zip(pools, bounds, strict=True):
        if sum(len(instance.tasks[t].candidates) for t in tasks) > MAX_PAIRS:
            continue
        inside = {t for t in tasks if t in state.plan}
        people = sorted(experts)
        for _ in range(MOVES_PER_TASK * max(1, len(inside))):
            heaviest = max((state.load[k] for k in people), default=0)
            if heaviest <= bound:
                break
            top = [k for k in people if state.load[k] == heaviest]
            if not any(search.relieve(h, heaviest, inside) for h in top):
                break
    return state.plan
