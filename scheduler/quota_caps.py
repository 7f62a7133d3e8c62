"""R9's at-most side for the solver: yearly caps (``max_share``, ``max_count``) as (year, tasks, cap).

A cap counts the first visits of the institutions its quota row matches that lie wholly inside its
year (``inputs.scenario.Quota.allowed`` gives the number). When the round is solved as independent
pools (``scheduler.solve``), each cap is shared among them: every pool first gets what it cannot
avoid (its visits that fit in no other year) and its share of the same row's minimum, the rest in
proportion to how many of its visits could lie in that year. Meeting every pool's share meets the
cap, and the greedy and every group model see the same shares, so the greedy plan is a valid hint.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scheduler.instance import Instance, Task
    from scheduler.plan import Visit

CapTarget = tuple[int, list[int], int]  # year, task indices that count, how many may lie in it


def _first_visit(task: Task) -> bool:
    return getattr(task, "kind", "visit") == "visit"


def _rows(instance: Instance, fixed: list[Visit] | None = None) -> list[tuple[int, CapTarget]]:
    """(quota row index, cap over the whole round); with ``fixed`` visits, what they leave."""
    scenario = instance.scenario
    out: list[tuple[int, CapTarget]] = []
    for q, quota in enumerate(scenario.quotas):
        pool = scenario.counted(quota)
        cap = quota.allowed(len(pool))
        if cap is None:
            continue
        ids = {i.id for i in pool}
        done = sum(
            1
            for v in fixed or ()
            if v.institution in ids
            and getattr(v, "kind", "visit") == "visit"
            and v.start.year == v.end.year == quota.year
        )
        tasks = [t.index for t in instance.tasks if t.inst.id in ids and _first_visit(t)]
        out.append((q, (quota.year, tasks, max(cap - done, 0))))
    return out


def full_caps(instance: Instance, fixed: list[Visit] | None = None) -> list[CapTarget]:
    """Every cap over the whole round (less what the ``fixed`` visits already use)."""
    return [cap for _, cap in _rows(instance, fixed)]


def largest_remainder(total: int, weights: list[int], limits: list[int]) -> list[int]:
    """``total`` shared in proportion to ``weights``, each share at most its limit."""
    if total <= 0 or not any(weights):
        return [0] * len(weights)
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    shares = [min(limit, int(e)) for limit, e in zip(limits, exact, strict=True)]
    order = sorted(range(len(weights)), key=lambda g: (-(exact[g] - int(exact[g])), g))
    left = total - sum(shares)
    while left > 0 and any(shares[g] < limits[g] for g in order):
        for g in order:
            if left > 0 and shares[g] < limits[g]:
                shares[g] += 1
                left -= 1
    return shares


def split_caps(instance: Instance) -> list[CapTarget]:
    """The caps as the solver posts them: whole, or per independent pool when the round is split."""
    rows = _rows(instance)
    if not rows or instance.scenario.params.max_concurrent_visits is not None:
        return [cap for _, cap in rows]
    from scheduler.greedy import quota_targets
    from scheduler.pooling import pools
    from scheduler.shares import split_quota

    all_pools = pools(instance, instance.tasks)
    if len(all_pools) <= 1:
        return [cap for _, cap in rows]
    members = [set(ts) for ts, _ in all_pools]
    targets = quota_targets(instance)  # one per quota row
    out: list[CapTarget] = []
    for q, (year, tasks, cap) in rows:
        need = split_quota(instance, targets[q], members) if targets[q][2] > 0 else [0] * len(members)
        able = [sum(1 for t in tasks if t in ts and year in instance.tasks[t].years()) for ts in members]
        forced = [sum(1 for t in tasks if t in ts and instance.tasks[t].years() == {year}) for ts in members]
        base = [min(a, max(f, n)) for a, f, n in zip(able, forced, need, strict=True)]
        if sum(base) > cap:
            shares = largest_remainder(cap, base, base)
        else:
            room = [a - b for a, b in zip(able, base, strict=True)]
            extra = largest_remainder(cap - sum(base), room, room)
            shares = [b + e for b, e in zip(base, extra, strict=True)]
        for ts, share in zip(members, shares, strict=True):
            own = [t for t in tasks if t in ts]
            if own:
                out.append((year, own, share))
    return out


def caps_for(instance: Instance, tasks: list[Task]) -> list[CapTarget]:
    """The caps a model of ``tasks`` posts: each pool's share, restricted to these tasks."""
    cached = vars(instance).get("_split_caps")
    if cached is None:
        cached = vars(instance)["_split_caps"] = split_caps(instance)
    ids = {t.index for t in tasks}
    out = []
    for year, members, cap in cached:
        own = [t for t in members if t in ids]
        if own:
            out.append((year, own, cap))
    return out


class CapCounter:
    """What each cap still allows while a heuristic places visits one by one."""

    def __init__(self, caps: list[CapTarget]) -> None:
        self.years = [year for year, _, _ in caps]
        self.room = [cap for _, _, cap in caps]
        self.of_task: dict[int, list[int]] = {}
        for c, (_, tasks, _) in enumerate(caps):
            for t in tasks:
                self.of_task.setdefault(t, []).append(c)

    def fits(self, task: int, year: int) -> bool:
        """Whether one more visit of ``task`` lying wholly in ``year`` keeps every cap."""
        return all(self.room[c] > 0 for c in self.of_task.get(task, ()) if self.years[c] == year)

    def take(self, task: int, year: int) -> None:
        for c in self.of_task.get(task, ()):
            if self.years[c] == year:
                self.room[c] -= 1

    def allowing(self, reserved: dict[int, int]) -> dict[int, int]:
        """The reservations (task -> year) these caps leave room for, in task order."""
        room = list(self.room)
        out: dict[int, int] = {}
        for t, year in sorted(reserved.items()):
            rows = [c for c in self.of_task.get(t, ()) if self.years[c] == year]
            if all(room[c] > 0 for c in rows):
                for c in rows:
                    room[c] -= 1
                out[t] = year
        return out
