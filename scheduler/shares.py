"""A yearly quota (R9) shared among the round's independent groups: each group's share in proportion
to what it can meet (largest remainder), and the counts ``scheduler.solve._start`` settles the shares
on (how many of a quota's tasks each group can lie in its year, how many a plan puts there).

Plain arithmetic on the instance and a plan; the solve strategy (``scheduler.solve``) decides when
shares are made and remade.
"""

from __future__ import annotations

from scheduler.greedy import Assignment, QuotaTarget, quota_targets
from scheduler.instance import Instance, Task
from scheduler.quota_caps import largest_remainder

Group = tuple[list[Task], list[tuple[list[int], list[int]]], list[QuotaTarget]]


def split_quota(instance: Instance, target: QuotaTarget, members: list[set[int]]) -> list[int]:
    """Share one quota among groups, in proportion to how many of each group's tasks can meet it.

    Meeting every group's share meets the quota; a group never gets more than it can do.
    """
    able = able_per_group(instance, target, members)
    return largest_remainder(target[2], able, able)


def able_per_group(instance: Instance, target: QuotaTarget, members: list[set[int]]) -> list[int]:
    """Per group, how many of the target's tasks can lie in its year."""
    year, tasks, _ = target
    return per_group(members, [t for t in tasks if year in instance.tasks[t].years()])


def inside_per_group(
    instance: Instance, plan: dict[int, Assignment], target: QuotaTarget, members: list[set[int]]
) -> list[int]:
    """Per group, how many of the target's tasks ``plan`` puts wholly inside its year (R9 counts
    those)."""
    year, tasks, _ = target
    inside = []
    for t in tasks:
        a = plan.get(t)
        if a is not None and instance.wholly_in(a.start, instance.tasks[t].days) == year:
            inside.append(t)
    return per_group(members, inside)


def per_group(members: list[set[int]], tasks: list[int]) -> list[int]:
    group_of = {t: g for g, ts in enumerate(members) for t in ts}
    out = [0] * len(members)
    for t in tasks:
        g = group_of.get(t)
        if g is not None:
            out[g] += 1
    return out


def grouped(
    instance: Instance, all_pools: list[tuple[list[int], list[int]]], shares: list[list[int]] | None = None
) -> list[Group]:
    """The round's groups (``scheduler.solve._groups``) from its ``all_pools``; ``shares[q][g]`` is
    group ``g``'s share of quota row ``q`` (default: :func:`split_quota`)."""
    targets = quota_targets(instance)
    if instance.scenario.params.max_concurrent_visits is not None or len(all_pools) <= 1:
        return [(list(instance.tasks), all_pools, targets)]
    members = [set(ts) for ts, _ in all_pools]
    if shares is None:
        shares = [split_quota(instance, target, members) for target in targets]
    group_of = {t: g for g, ts in enumerate(members) for t in ts}
    counted: list[list[list[int]]] = [[[] for _ in targets] for _ in all_pools]  # [g][q]: its tasks
    for q, (_, tasks, _) in enumerate(targets):
        for t in tasks:
            if t in group_of:
                counted[group_of[t]][q].append(t)
    groups: list[Group] = []
    for g, (ts, es) in enumerate(all_pools):
        own = [
            (year, counted[g][q], shares[q][g]) for q, (year, _, _) in enumerate(targets) if shares[q][g] > 0
        ]
        groups.append(([instance.tasks[t] for t in ts], [(ts, es)], own))
    return groups


def quotas_met(instance: Instance, plan: dict[int, Assignment], targets: list[QuotaTarget]) -> bool:
    """Whether ``plan`` puts enough of each target's tasks wholly inside its year (R9)."""
    for year, tasks, need in targets:
        inside = 0
        for t in tasks:
            a = plan.get(t)
            if a is not None and instance.wholly_in(a.start, instance.tasks[t].days) == year:
                inside += 1
        if inside < need:
            return False
    return True
