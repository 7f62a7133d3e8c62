"""Our own lower bound on a pool's heaviest load (SOLVER-NOTES: CP-SAT's min–max bound is weak).

The bound is the largest of: the pool's person-days (each visit's smallest valid
team × its days) over its size; its visit-days over its leader-eligible experts;
and, per required skill, the visit-days needing it over the experts holding it.
Loads are whole days, so it is rounded up. The solver posts it as a constraint
and stops searching a pool once a plan reaches it.
"""

from __future__ import annotations

import math
from functools import lru_cache

from scheduler.instance import Instance, Task


def _mask(skills: tuple[str, ...], required: tuple[str, ...]) -> int:
    return sum(1 << i for i, s in enumerate(required) if s in skills)


@lru_cache(maxsize=4096)
def _fewest_to_cover(masks: frozenset[int], need: int) -> int | None:
    """Fewest experts (given their skill masks) whose union covers ``need``; None if impossible."""
    if need == 0:
        return 0
    best: dict[int, int] = {0: 0}
    frontier = {0}
    for size in range(1, 8):
        nxt = set()
        for covered in frontier:
            for m in masks:
                union = covered | m
                if union not in best:
                    best[union] = size
                    nxt.add(union)
                    if union & need == need:
                        return size
        frontier = nxt
        if not frontier:
            return None
    return None


def smallest_team(instance: Instance, task: Task) -> int:
    """The fewest members a valid team for ``task`` can have (R4), at least ``team_min``."""
    if task.team_staffed:
        return min(len(m) for m in task.team_members)
    required = task.skills
    full = (1 << len(required)) - 1
    experts = instance.experts
    masks = frozenset(_mask(experts[k].skills, required) for k in task.candidates)
    leaders = {_mask(experts[k].skills, required) for k in task.candidates if experts[k].leader}
    best = None
    for lead in leaders:
        rest = _fewest_to_cover(masks, full & ~lead)
        if rest is not None and (best is None or 1 + rest < best):
            best = 1 + rest
    return max(task.team_min, best if best is not None else task.team_min)


def pool_bound(instance: Instance, tasks: list[int], experts: list[int]) -> int:
    if not experts or not tasks:
        return 0
    visits = [instance.tasks[t] for t in tasks]
    people = [instance.experts[k] for k in experts]
    terms = [sum(smallest_team(instance, v) * v.days for v in visits) / len(people)]
    if not any(v.team_staffed for v in visits):
        leaders = sum(1 for e in people if e.leader)
        if leaders:
            terms.append(sum(v.days for v in visits) / leaders)
        for skill in sorted({s for v in visits for s in v.skills}):
            holders = sum(1 for e in people if skill in e.skills)
            if holders:
                # a part written `技能*n` needs n holders on the visit (R4 分工)
                need = sum(v.days * v.count(skill) for v in visits)
                terms.append(need / holders)
    return math.ceil(max(terms) - 1e-9)
