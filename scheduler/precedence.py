"""Precedence between two tasks: "task b starts at least ``lag`` days after task a ends".

A general piece of the engine, not a follow-up special case: R15 links each follow-up (回头看) to
its first visit with it, and any later rule can link two tasks the same way. The lag is counted in
calendar days (b's first day is on or after a's last day plus ``lag`` days, and after a's last day
in any case) or in working days (at least ``lag`` working days lie between a's last day and b's
first). b may take place only if a does.

Time in the model is a working-day index, so a calendar-day lag is a different number of working
days for different starts of a (a holiday week in between lengthens it). Instead of a conservative
constant, the model is exact: :func:`earliest_after` gives b's earliest start for every start of a,
and :func:`add_precedence` groups a's starts by that offset (a handful of classes; an element
constraint over the whole table was several times slower to solve). The greedy and the compaction
pass read the same function.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ortools.sat.python.cp_model import IntVar

    from scheduler.greedy import Assignment
    from scheduler.instance import Instance
    from scheduler.model import Model


@dataclass(frozen=True)
class Precedence:
    before: int  # task index of a
    after: int  # task index of b
    lag: int  # days between a's end and b's start
    calendar: bool = True  # lag in calendar days; False: in working days


def earliest_after(instance: Instance, link: Precedence, start_a: int) -> int:
    """The first working-day index b may start at when a starts at ``start_a`` (the horizon when
    there is none)."""
    last = start_a + instance.tasks[link.before].days - 1
    if last >= instance.horizon:
        return instance.horizon
    if not link.calendar:
        return last + 1 + link.lag
    return max(last + 1, instance.index_of(instance.workdays[last] + timedelta(days=link.lag)))


def earliest_start(instance: Instance, t: int, placed: dict[int, int]) -> int | None:
    """The first start task ``t`` may take given the starts of the tasks ``placed`` so far (task
    index -> start): 0 without predecessors, None while one of them is not placed."""
    first = 0
    for link in instance.precedences:
        if link.after != t:
            continue
        start_a = placed.get(link.before)
        if start_a is None:
            return None
        first = max(first, earliest_after(instance, link, start_a))
    return first


def depths(instance: Instance) -> dict[int, int]:
    """How many links lead to each task (0 for a task without predecessors), for placing a before b."""
    depth: dict[int, int] = {}
    changed = True
    rounds = 0
    while changed and rounds <= len(instance.precedences):
        changed = False
        rounds += 1
        for link in instance.precedences:
            d = depth.get(link.before, 0) + 1
            if depth.get(link.after, 0) < d:
                depth[link.after] = d
                changed = True
    return depth


def add_precedence(m: Model, link: Precedence) -> None:
    """Post one link on the model: b present only with a, and b's start after a's end plus the lag.

    A calendar lag is exact: the starts of a fall into a few classes with the same working-day offset
    to b's earliest start (a class per distinct offset, from weekends and holidays in between); one
    Boolean per class says a starts in it, and then b starts at least that offset later. Starts of a
    after which b has no room are in no class: taking one rules b out. A link with a task outside
    this model (another group, or fixed in a replan) is left to the caller.
    """
    from ortools.sat.python import cp_model

    a, b = link.before, link.after
    if a not in m.start or b not in m.start:
        return
    cp = m.cp
    cp.add(m.present[b] <= m.present[a])
    last_b = m.task(b).starts[-1][1]
    by_offset: dict[int, list[int]] = {}
    for s in m.task(a).start_values():
        first = earliest_after(m.instance, link, s)
        if first <= last_b:
            by_offset.setdefault(first - s, []).append(s)
    if not by_offset:
        cp.add(m.present[b] == 0)
        return
    classes = []
    for offset, starts in sorted(by_offset.items()):
        in_class = cp.new_bool_var(f"after[{m.task(a).name}+{offset}]")
        cp.add_linear_expression_in_domain(m.start[a], cp_model.Domain.from_values(starts)).only_enforce_if(
            in_class
        )
        cp.add(m.start[b] >= m.start[a] + offset).only_enforce_if(in_class)
        classes.append((frozenset(starts), in_class))
    cp.add(sum(var for _, var in classes) == m.present[b])
    m.derive(partial(_classes, a, b, classes))


def _classes(
    a: int, b: int, classes: list[tuple[frozenset[int], IntVar]], plan: Mapping[int, Assignment]
) -> Iterable[tuple[IntVar, int]]:
    """In ``plan``: the class of a's start, when b is made (``add_precedence``)."""
    first, then = plan.get(a), plan.get(b)
    start = first.start if first is not None and then is not None else None
    return ((var, int(start in starts)) for starts, var in classes)


def post_all(m: Model) -> None:
    """Every link of the instance between two tasks of this model."""
    for link in m.instance.precedences:
        add_precedence(m, link)
