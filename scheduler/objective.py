"""The plan's objective, recomputed from the plan alone (no solver values).

Objective terms, named as the solver names them: ``unscheduled`` (institutions
left out) and ``max_load[<pool>]`` (the heaviest visit-day load in each pool of
experts who can stand in for one another). Tests assert that what the solver
reports equals what this recomputes.
"""

from __future__ import annotations

from inputs.scenario import Scenario
from scheduler.instance import build_instance
from scheduler.plan import Plan
from scheduler.pooling import pool_name, pools


def recompute(scenario: Scenario, plan: Plan) -> dict[str, float]:
    instance = build_instance(scenario)
    load: dict[str, int] = {}
    for visit in plan.visits:
        for member in visit.members:
            load[member] = load.get(member, 0) + visit.days
    terms: dict[str, float] = {}
    for tasks, experts in pools(instance, instance.tasks):
        name = f"max_load[{pool_name(instance, experts, tasks)}]"
        terms[name] = float(max((load.get(instance.experts[k].id, 0) for k in experts), default=0))
    terms["unscheduled"] = float(len(plan.unscheduled))
    return terms
