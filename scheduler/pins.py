"""R16 pins on the solver's side: a pinned visit's allowed starts and standing teams narrowed to its
pins (``narrow``, when the instance is built), and its team built around the pinned experts by the
greedy (``pick``). The model posts the pins themselves (``constraints.pins.add``).
"""

from __future__ import annotations

import bisect
from dataclasses import replace
from datetime import date
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inputs.scenario import Institution, Scenario
    from scheduler.explain import Explanation
    from scheduler.greedy import GreedyState
    from scheduler.instance import Task


def narrow(scenario: Scenario, workdays: list[date], task: Task) -> Task:
    """``task`` with only the pinned start among its allowed starts and only the standing teams its
    pinned leader and members belong to; without any expert when the pinned date is not an allowed
    start, so that no plan makes the visit (the model's ``constraints.pins.add`` agrees)."""
    inst = task.inst
    if task.kind != "visit" or not inst.pinned:
        return task
    if inst.fixed_start is not None:
        w = bisect.bisect_left(workdays, inst.fixed_start)
        fits = [
            year
            for (lo, hi), year in zip(task.starts, task.start_years, strict=True)
            if lo <= w <= hi and workdays[w] == inst.fixed_start
        ]
        if not fits:  # the pinned date is not an allowed start (e.g. inside the notice period): nobody goes
            return replace(task, candidates=(), teams=(), team_members=())
        task = replace(task, starts=((w, w),), start_years=(fits[0],))
    if task.team_staffed:
        experts = {e.id: k for k, e in enumerate(scenario.experts)}
        wanted = {experts.get(e, -1) for e in inst.fixed_members}
        if inst.fixed_leader is not None:
            wanted.add(experts.get(inst.fixed_leader, -1))
        keep = [
            (j, members)
            for j, members in zip(task.teams, task.team_members, strict=True)
            if wanted <= set(members)
            and (inst.fixed_leader is None or scenario.teams[j].leader == inst.fixed_leader)
        ]
        task = replace(task, teams=tuple(j for j, _ in keep), team_members=tuple(m for _, m in keep))
    return task


def pick(state: GreedyState, task: Task, w: int) -> tuple[int, tuple[int, ...]] | None:
    """(leader, members) for a pinned pool-staffed visit at ``w``: the pinned experts, a leader (the
    pinned one, else a pinned or free leader-eligible expert, least loaded first), and free experts
    for the skills still missing, up to the tier's minimum; None when a pinned expert is busy."""
    from scheduler.greedy import _cap_ok, _free, complete_team

    instance = state.instance
    experts = instance.experts
    index = instance.expert_index()
    inst = task.inst

    def ok(k: int) -> bool:
        return _free(state, k, w, task.days) and _cap_ok(state, k, w, task.days)

    fixed = [index[e] for e in inst.fixed_members if e in index]
    chosen_leader = index.get(inst.fixed_leader) if inst.fixed_leader is not None else None
    if inst.fixed_leader is not None and (chosen_leader is None or not experts[chosen_leader].leader):
        return None
    needed = [*fixed] if chosen_leader is None else [*fixed, chosen_leader]
    if any(k not in task.candidates or not ok(k) for k in needed):
        return None
    free = [k for k in task.candidates if k not in fixed and ok(k)]
    if task.divides_work:  # R4 分工: the parts' team builder, kept only when it holds every pin
        from scheduler.parts import divided_team

        leaders = (
            [chosen_leader] if chosen_leader is not None else [k for k in free + fixed if experts[k].leader]
        )
        for leader in sorted(leaders, key=lambda k: (state.load[k], k))[:3]:
            for coverage_first in (False, True):
                team = divided_team(state.load, experts, task, free + fixed, leader, coverage_first)
                if team is not None and set(needed) <= set(team):
                    return leader, tuple(team)
        return None
    return complete_team(state, task, list(fixed), free, chosen_leader)


def with_pins(explanation: Explanation, inst: Institution) -> Explanation:
    """A left-out pinned institution's reasons, led by its pins: they hold whatever else changes, so
    together with the other rules they may be what keeps it out (R16)."""
    if not inst.pinned:
        return explanation
    text = (
        f"{inst.name}（{inst.id}）有指定项（{inst.pin_text}），计划必须保持不变；这些指定与其他规则一同"
        "使其无法排入。建议：核对或取消这些指定项后重新编排。"
    )
    return explanation._replace(rule=explanation.rule or "R16", reasons=(text, *explanation.reasons))
