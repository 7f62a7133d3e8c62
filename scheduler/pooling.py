"""Pools: the experts who can stand in for one another and the visits only they can make.

A pool is a connected component of who may visit what (follow-ups joined to their visits); the solve
strategy judges each pool's fairness on its own (its heaviest load beside its lower bound), and the
explanations, the replan and the objective's report name pools the same way. Plain arithmetic on the
integer instance and a plan.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from scheduler.bounds import partial_bound, relaxed_bound, short_capacities, team_bound, whole_bound
from scheduler.instance import Instance, Task

if TYPE_CHECKING:
    from scheduler.greedy import Assignment


def people(task: Task) -> set[int]:
    """Who may sit on ``task``: its teams' members, or its candidates."""
    if task.team_staffed:
        return {k for members in task.team_members for k in members}
    return set(task.candidates)


def pairs(tasks: Iterable[Task]) -> int:
    """The (visit, candidate) pairs of ``tasks`` as the time plan counts a group's size (at least one
    per visit): the budgets are sized from it and the searches' batches worked out from it, so both
    must count alike."""
    return sum(max(1, len(people(task))) for task in tasks)


def pools(instance: Instance, tasks: list[Task]) -> list[tuple[list[int], list[int]]]:
    """Connected components (task indices, expert indices) of who may visit what."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}

    def find(a: tuple[str, int]) -> tuple[str, int]:
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    inside = {task.index for task in tasks}
    for link in instance.precedences:  # linked tasks (R15 follow-ups) are solved together
        if link.before in inside and link.after in inside:
            ra, rb = find(("t", link.before)), find(("t", link.after))
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    linked: set[tuple[int, ...]] = set()  # many tasks share the same people: each set linked once
    for task in tasks:
        find(("t", task.index))
        who = tuple(sorted(people(task)))
        if not who:
            continue
        if who not in linked:
            linked.add(who)
            for k in who:
                ra, rb = find(("e", who[0])), find(("e", k))
                if ra != rb:
                    parent[max(ra, rb)] = min(ra, rb)
        ra, rb = find(("t", task.index)), find(("e", who[0]))
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[tuple[str, int], tuple[list[int], list[int]]] = {}
    for node in sorted(parent):
        ts, es = groups.setdefault(find(node), ([], []))
        (ts if node[0] == "t" else es).append(node[1])
    return sorted(groups.values(), key=lambda g: (g[0][:1], g[1][:1]))


def pool_name(instance: Instance, experts: list[int], tasks: list[int]) -> str:
    """A pool's name in the summary, the report and ``plan.json``: the districts its experts come from,
    then, when they differ, the districts they inspect (「甲市→乙市」)."""
    inspecting = sorted({instance.experts[k].district for k in experts})
    inspected = sorted({instance.tasks[t].inst.district for t in tasks})
    if inspecting == inspected:
        return "、".join(inspecting)
    return "、".join(inspecting) + "→" + "、".join(inspected)


def loads(instance: Instance, plan: Mapping[int, Assignment]) -> dict[int, int]:
    """Each expert's days in ``plan`` (experts with none are absent)."""
    load: dict[int, int] = {}
    for t, a in plan.items():
        for k in a.members:
            load[k] = load.get(k, 0) + instance.tasks[t].days
    return load


def heaviest(instance: Instance, plan: dict[int, Assignment]) -> int:
    """The heaviest load (days) of anyone in ``plan``."""
    return max(loads(instance, plan).values(), default=0)


def floors(instance: Instance, group_pools: Sequence[tuple[Sequence[int], Sequence[int]]]) -> list[int]:
    """Each pool's lower bound (:func:`~scheduler.bounds.relaxed_bound`, which computes it once per
    pool of the round: the start plan, the groups' budgets and their models all ask for it)."""
    return [relaxed_bound(instance, ts, es) for ts, es in group_pools]


def made_floors(
    instance: Instance,
    group_pools: Sequence[tuple[Sequence[int], Sequence[int]]],
    floors: Sequence[int],
    plan: Mapping[int, Assignment],
) -> list[int]:
    """``floors`` (bounds of plans making every visit), with each pool that ``plan`` leaves visits of
    and no plan can make whole (:func:`~scheduler.bounds.short_capacities`; for standing teams, R11,
    not worked out: any pool of theirs ``plan`` leaves visits of) given instead the bound of plans
    making as many of its visits (:func:`~scheduler.bounds.partial_bound`): the solver never ends on
    fewer visits than its start plan makes. In a group of several pools (tied by quotas or the office's
    capacity) a better plan may make fewer of one pool's visits and more of another's: such a pool gets
    0."""
    return _partial_where(
        instance,
        group_pools,
        floors,
        plan,
        lambda ts: any(instance.tasks[t].team_staffed for t in ts) or bool(short_capacities(instance, ts)),
    )


def reported_bounds(
    instance: Instance,
    group_pools: Sequence[tuple[Sequence[int], Sequence[int]]],
    floors: Sequence[int],
    plan: Mapping[int, Assignment],
) -> list[int]:
    """The bound each pool of a group reports beside its heaviest load in ``plan`` (the plan the group
    ends on): its floor where ``plan`` makes all its visits; where it leaves some out, that of plans
    making as many (:func:`~scheduler.bounds.partial_bound`: every plan at least as good in objective 1
    makes at least as many), or 0 in a group of several pools (one may make fewer of this pool's)."""
    partial = _partial_where(instance, group_pools, floors, plan, lambda ts: True)
    return [
        min(floor, sum(instance.tasks[t].days for t in ts))
        for (ts, _), floor in zip(group_pools, partial, strict=True)
    ]


def _partial_where(
    instance: Instance,
    group_pools: Sequence[tuple[Sequence[int], Sequence[int]]],
    floors: Sequence[int],
    plan: Mapping[int, Assignment],
    applies: Callable[[Sequence[int]], bool],
) -> list[int]:
    """``floors``, with each pool that ``plan`` leaves visits of and ``applies`` to (given its tasks)
    given the bound of plans making as many of its visits (0 in a group of several pools): what
    :func:`made_floors` and :func:`reported_bounds` share."""
    out = []
    for (ts, _), floor in zip(group_pools, floors, strict=True):
        made = sum(1 for t in ts if t in plan)
        if made < len(ts) and applies(ts):
            floor = partial_bound(instance, ts, made if len(group_pools) == 1 else 0)
        out.append(floor)
    return out


def above(
    instance: Instance,
    group_pools: Sequence[tuple[Sequence[int], Sequence[int]]],
    floors: Sequence[int],
    plan: Mapping[int, Assignment],
) -> list[bool]:
    """Per pool, whether its heaviest load in ``plan`` is above its floor."""
    load = loads(instance, plan)
    return [
        max((load.get(k, 0) for k in es), default=0) > floor
        for (_, es), floor in zip(group_pools, floors, strict=True)
    ]


def raised(
    instance: Instance,
    group_pools: Sequence[tuple[Sequence[int], Sequence[int]]],
    floors: Sequence[int],
    plan: Mapping[int, Assignment],
    budget: float,
    most: tuple[float, float],
    until: float,
) -> tuple[list[int], float, int]:
    """``floors`` with each pool whose heaviest load in ``plan`` is above its floor given
    :func:`~scheduler.bounds.whole_bound` and, where the plan is still above it,
    :func:`~scheduler.bounds.team_bound`, in pool order, each within its ``most`` (whole shares,
    whole teams) deterministic units of what is left of ``budget``; and the units spent and the
    bounds' models tried. Deterministic."""
    out, spent, tried = [], 0.0, 0
    load = loads(instance, plan)
    for (ts, es), floor in zip(group_pools, floors, strict=True):
        heaviest = max((load.get(k, 0) for k in es), default=0)
        for bound, at_most in zip((whole_bound, team_bound), most, strict=True):
            left = min(at_most, budget - spent)
            if left <= 0 or heaviest <= floor:
                break
            floor, used = bound(instance, ts, es, floor, left, until)
            spent += used
            tried += 1
        out.append(floor)
    return out, spent, tried
