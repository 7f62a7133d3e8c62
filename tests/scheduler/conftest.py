"""Shared helpers of the end-to-end solver tests: tiny scenario builders and a checked solve.

``solve_checked`` runs the solver the way every test here does (5 s, seed 0, one worker) and asserts
what must hold of *every* returned plan: the independent validator (``constraints.registry``) finds
no violation, each non-exempt institution is either visited once or listed as left out with reasons
in Chinese, and the exempt ones are listed as exempt.

Most scenarios run in November 2024, whose working days are plain Monday–Friday weeks:
11-04..08, 11-11..15, 11-18..22, 11-25..29 (no public holiday).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from datetime import date

from constraints.registry import validate
from inputs.scenario import DEFAULT_SKILLS, Expert, Institution, Scenario, TierRule
from scheduler.plan import Plan, Visit
from scheduler.solve import Result, solve
from tests.constraints.builders import expert, make_scenario

D = date.fromisoformat
NOV_START = D("2024-11-04")
NOV_END = D("2024-11-29")
CJK = re.compile(r"[\u4e00-\u9fff]")


def allround(eid: str, *, district: str = "巴南", leader: bool = False, **kw) -> Expert:
    """An expert holding all five default skills."""
    return expert(eid, f"专家{eid}", *DEFAULT_SKILLS, district=district, leader=leader, **kw)


def scenario(
    institutions: list[Institution],
    experts: list[Expert],
    *,
    start: date = NOV_START,
    deadline: date = NOV_END,
    tier_rules: dict[str, TierRule] | None = None,
    **kw,
) -> Scenario:
    """A scenario over November 2024 unless told otherwise; ``tier_rules`` override the defaults."""
    built = make_scenario(institutions, experts, start=start, deadline=deadline, **kw)
    if tier_rules:
        built = replace(built, tier_rules={**built.tier_rules, **tier_rules})
    return built


def check_plan(sc: Scenario, plan: Plan) -> None:
    """What every plan must satisfy: no violation, every institution accounted for exactly once.

    The one exception: when no plan can meet a yearly quota, the solver plans nothing and says
    ``infeasible``; the only violations of that empty plan are the unmeetable quotas (R9)."""
    violations = validate(sc, plan)
    if plan.status == "infeasible" and not plan.visits:
        violations = [v for v in violations if v.rule != "R9"]
    assert violations == [], "\n".join(f"{v.rule} {v.subject}: {v.message}" for v in violations)
    visited = Counter(v.institution for v in plan.visits if v.kind == "visit")
    assert all(n == 1 for n in visited.values()), visited
    left = {u.institution: u for u in plan.unscheduled if u.kind == "visit"}
    exempt = {i.id for i in sc.institutions if i.exempt}
    assert set(plan.exempt) == exempt
    for i in sc.institutions:
        if i.exempt:
            assert i.id not in visited and i.id not in left
            continue
        assert (i.id in visited) != (i.id in left), i.id
        if i.id in left:
            assert left[i.id].reasons, i.id
            assert all(CJK.search(r) for r in left[i.id].reasons), left[i.id].reasons
    if plan.unscheduled:
        assert plan.status == ("partial" if plan.visits else "infeasible")
    else:
        assert plan.status in ("optimal", "feasible") or (plan.status == "infeasible" and not plan.visits)


def solve_checked(sc: Scenario, *, seed: int = 0) -> Result:
    """Solve as every test here does and check the plan (see the module docstring)."""
    result = solve(sc, time_limit=5, seed=seed, workers=1)
    assert result.status.value == result.plan.status
    check_plan(sc, result.plan)
    return result


def loads(plan: Plan) -> Counter[str]:
    """Working days on visits, per expert."""
    out: Counter[str] = Counter()
    for v in plan.visits:
        for m in v.members:
            out[m] += v.days
    return out


def leads(plan: Plan) -> Counter[str]:
    """Visits led, per expert."""
    return Counter(v.leader for v in plan.visits)


def overlap(a: Visit, b: Visit) -> bool:
    """Whether two visits share a calendar day (so, as both span working days, a working day)."""
    return a.start <= b.end and b.start <= a.end
