"""The state the local search (``scheduler.improve``) works on: who is busy when and how loaded under
the plan being improved (R5's rest, R8's absences and yearly caps, R10's visits per day), and R9's
quota rows as the moves see them, so that a visit changes year only while every row counting it
holds. Plain bookkeeping, no search: the moves live in ``scheduler.improve``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from scheduler.greedy import Assignment, QuotaTarget
from scheduler.instance import Instance
from scheduler.quota_caps import CapTarget


@dataclass
class State:
    """Who is busy when, and how loaded, under the plan being improved."""

    instance: Instance
    plan: dict[int, Assignment]
    rest: int
    busy: list[bytearray]  # per expert: working days taken by a visit or its rest tail
    load: list[int] = field(default_factory=list)
    year_load: list[dict[int, int]] = field(default_factory=list)
    tasks_of: list[set[int]] = field(default_factory=list)
    running: list[int] = field(default_factory=list)  # visits on each working day (R10)
    # read-only facts of the instance, looked up per expert and working day by the moves' hot checks
    caps: list[int | None] = field(default_factory=list)  # per expert: R8's yearly cap (None: none)
    away: list[bytearray | None] = field(default_factory=list)  # per expert: absent days (R8), or None

    def span(self, t: int) -> range:
        """The working days a visit holds its members for: its days and the rest after."""
        task = self.instance.tasks[t]
        start = self.plan[t].start
        return range(start, start + task.days + self.rest)

    def split(self, t: int) -> tuple[tuple[int, int], ...]:
        """Visit ``t``'s working days per calendar year, (year, days): two entries when it
        straddles New Year (R8 counts each)."""
        return self.instance.split(self.plan[t].start, self.instance.tasks[t].days)

    def wholly(self, t: int) -> int | None:
        """The calendar year visit ``t`` lies wholly in (R9 counts it there), or None: it straddles."""
        return self.instance.wholly_in(self.plan[t].start, self.instance.tasks[t].days)

    def add(self, t: int, k: int) -> None:
        for x in self.span(t):
            self.busy[k][x] = 1
        self.load[k] += self.instance.tasks[t].days
        loads = self.year_load[k]
        for y, n in self.split(t):
            loads[y] = loads.get(y, 0) + n
        self.tasks_of[k].add(t)

    def remove(self, t: int, k: int) -> None:
        for x in self.span(t):
            self.busy[k][x] = 0
        self.load[k] -= self.instance.tasks[t].days
        loads = self.year_load[k]
        for y, n in self.split(t):
            loads[y] -= n
        self.tasks_of[k].discard(t)

    def free_at(self, k: int, start: int, days: int) -> bool:
        """Whether expert ``k`` is free by time for a visit of ``days`` from ``start``: no visit or
        rest tail of theirs in its days and rest (R5), no absence in its days (R8)."""
        if self.busy[k].find(1, start, start + days + self.rest) != -1:
            return False
        away = self.away[k]
        return away is None or away.find(1, start, start + days) == -1

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
        """R8's yearly caps for ``k`` taking a visit of ``days`` from ``start``."""
        cap = self.caps[k]
        if cap is None:
            return True
        loads = self.year_load[k]
        return all(loads.get(y, 0) + n <= cap for y, n in self.instance.split(start, days))

    def cap_ok(self, k: int, t: int, leaving: int | None = None) -> bool:
        """R8's yearly caps for ``k`` taking visit ``t`` (and leaving visit ``leaving``)."""
        cap = self.caps[k]
        if cap is None:
            return True
        freed = dict(self.split(leaving)) if leaving is not None else {}
        loads = self.year_load[k]
        return all(loads.get(y, 0) + n - freed.get(y, 0) <= cap for y, n in self.split(t))


def new_state(instance: Instance, plan: dict[int, Assignment]) -> State:
    rest = instance.scenario.params.rest_days
    size = instance.horizon + rest + 2
    n = len(instance.experts)
    state = State(
        instance=instance,
        plan=dict(plan),
        rest=rest,
        busy=[bytearray(size) for _ in range(n)],
        load=[0] * n,
        year_load=[{} for _ in range(n)],
        tasks_of=[set() for _ in range(n)],
    )
    state.running = [0] * size
    state.caps = instance.year_caps
    state.away = [None] * n
    for k, days in instance.blocked.items():
        if days:
            away = bytearray(size)
            for x in days:
                if 0 <= x < size:
                    away[x] = 1
            state.away[k] = away
    for t in sorted(plan):
        for k in plan[t].members:
            state.add(t, k)
        start = plan[t].start
        for x in range(start, start + instance.tasks[t].days):
            state.running[x] += 1
    return state


class Years:
    """R9 as the moves see it: per quota row, how many of its tasks lie wholly in its year, against
    its minimum (``targets``) or its cap (``caps``), so that a visit changes year only when every
    row counting it still holds."""

    def __init__(
        self,
        instance: Instance,
        plan: dict[int, Assignment],
        targets: Sequence[QuotaTarget],
        caps: Sequence[CapTarget],
    ) -> None:
        # each row: its year, its bound, whether that bound is a minimum (else a cap)
        self.rows = [(year, need, True) for year, _, need in targets]
        self.rows += [(year, cap, False) for year, _, cap in caps]
        self.count = [0] * len(self.rows)
        self.of_task: dict[int, list[int]] = {}
        for r, (_, tasks, _) in enumerate([*targets, *caps]):
            year = self.rows[r][0]
            for t in tasks:
                self.of_task.setdefault(t, []).append(r)
                a = plan.get(t)
                if a is not None and instance.wholly_in(a.start, instance.tasks[t].days) == year:
                    self.count[r] += 1

    def may_move(self, t: int, old: int | None, new: int | None) -> bool:
        """Whether visit ``t`` may leave year ``old`` for year ``new`` (None: straddling New Year,
        counting in no year)."""
        for r in self.of_task.get(t, ()):
            year, bound, minimum = self.rows[r]
            if minimum and year == old and self.count[r] - 1 < bound:
                return False
            if not minimum and year == new and self.count[r] + 1 > bound:
                return False
        return True

    def move(self, t: int, old: int | None, new: int | None) -> None:
        for r in self.of_task.get(t, ()):
            year = self.rows[r][0]
            self.count[r] += (year == new) - (year == old)
