"""The free part of a replan (:mod:`scheduler.replan`): the visits left to decide (announced ones
that must change, institutions to add) on an instance of their own, around the fixed visits that
hold their experts' days, caps, the office's capacity and the quotas."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from constraints.replanning import Occupation, restrict
from scheduler.greedy import Assignment, QuotaTarget
from scheduler.instance import Instance, Task
from scheduler.plan import Visit
from scheduler.pooling import pools
from scheduler.quota_caps import CapTarget, full_caps


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
    occupying: list[Visit] | None = None,
) -> _Problem:
    """The free visits (announced ones to change, institutions to add) around the ``fixed`` visits,
    and the ``occupying`` ones (started follow-ups: they hold their experts and the office's capacity,
    but count in no quota and are no institution's visit)."""
    base_tasks = {t.inst.id: t for t in instance.tasks}
    held = _hold(instance, fixed + (occupying or []))
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
        pool = scenario.counted(quota)
        ids = {i.id for i in pool}
        done = sum(
            1
            for v in fixed
            if v.institution in ids and v.start <= v.end and v.start.year == v.end.year == quota.year
        )
        need = quota.required(len(pool)) - done
        if need > 0:
            tasks = [t.index for t in instance.tasks if t.inst.id in ids]
            targets.append((quota.year, tasks, need))
    return targets


def _free_up(
    forced: list[Visit], kept: list[Visit], pick: Callable[[Visit], bool]
) -> tuple[list[Visit], list[Visit]]:
    """Move the kept visits ``pick`` selects over to the ones the model decides."""
    freed = [v for v in kept if pick(v)]
    return sorted(forced + freed, key=lambda v: (v.start, v.institution)), [v for v in kept if not pick(v)]


def _neighbours(instance: Instance, failed: set[str]) -> set[str]:
    """The institutions sharing a pool of experts with any of ``failed``."""
    out: set[str] = set()
    for ts, _ in pools(instance, instance.tasks):
        ids = {instance.tasks[t].inst.id for t in ts}
        if ids & failed:
            out |= ids
    return out
