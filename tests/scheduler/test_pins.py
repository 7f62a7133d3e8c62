"""R16 pins end to end: the solver, the greedy and replanning keep a pinned start, leader and members.

The round: four grassroots institutions in November 2024 (plain Monday–Friday weeks), four experts
holding every skill, E0 and E1 leader-eligible. Without pins the plan starts every visit in the
first days of November (``early``) and picks the least-loaded leaders.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from constraints import replanning
from constraints.registry import validate
from inputs.scenario import Scenario, Team
from scheduler.greedy import greedy
from scheduler.instance import build_instance
from scheduler.replan import replan
from tests.constraints.builders import inst
from tests.scheduler.conftest import allround, scenario, solve_checked

D = date.fromisoformat


def _round(pace: str = "early", **pins) -> Scenario:
    """G0–G3; ``pins`` maps an institution id to its pin columns."""
    institutions = [inst(f"G{k}", f"卫生院{k}", "grassroots", **pins.get(f"G{k}", {})) for k in range(4)]
    experts = [allround(f"E{k}", leader=k < 2) for k in range(4)]
    return scenario(institutions, experts, notice_days=0, pace=pace)


def _visit(plan, institution):
    return next(v for v in plan.visits if v.institution == institution and v.kind == "visit")


def test_pinned_start_is_kept():
    """Unpinned, G2 starts on 11-04 or 11-05 (early); pinned to 11-20 it starts on 11-20."""
    free = solve_checked(_round()).plan
    assert _visit(free, "G2").start <= D("2024-11-05")
    plan = solve_checked(_round(G2={"fixed_start": D("2024-11-20")})).plan
    assert _visit(plan, "G2").start == D("2024-11-20")


def test_pinned_leader_and_members_are_kept():
    """G0 led by E1 with E3 on the team; E3 may not lead, so the pinned leader is E1 as asked."""
    plan = solve_checked(_round(G0={"fixed_leader": "E1", "fixed_members": ("E3",)})).plan
    visit = _visit(plan, "G0")
    assert visit.leader == "E1" and "E3" in visit.members


def test_pinned_team_may_grow_to_the_tier_minimum():
    """A single pinned member is a floor: the grassroots minimum of two still holds, with a leader."""
    plan = solve_checked(_round(G1={"fixed_members": ("E2",)})).plan
    visit = _visit(plan, "G1")
    assert "E2" in visit.members and len(visit.members) >= 2 and visit.leader in ("E0", "E1")


def test_greedy_places_pinned_visits_exactly():
    """The greedy hint already keeps every pin (date, leader, member)."""
    sc = _round(G3={"fixed_start": D("2024-11-27"), "fixed_leader": "E0", "fixed_members": ("E2",)})
    instance = build_instance(sc)
    plan = greedy(instance)
    task = next(t for t in instance.tasks if t.inst.id == "G3")
    a = plan[task.index]
    experts = [e.id for e in instance.experts]
    assert instance.workdays[a.start] == D("2024-11-27")
    assert experts[a.leader] == "E0" and "E2" in {experts[k] for k in a.members}


def test_pins_hold_under_even_pacing():
    """Pacing moves other visits, never a pinned one."""
    plan = solve_checked(_round("even", G0={"fixed_start": D("2024-11-29")})).plan
    assert _visit(plan, "G0").start == D("2024-11-29")


def test_standing_team_follows_the_pinned_member():
    """Two standing teams cover grassroots; E3 is only in team B, so pinning E3 makes B visit G0."""
    teams = [Team("A组", "E0", ("E0", "E2")), Team("B组", "E1", ("E1", "E3"))]
    institutions = [
        inst("G0", "卫生院0", "grassroots", fixed_members=("E3",)),
        inst("G1", "卫生院1", "grassroots"),
    ]
    experts = [allround(f"E{k}", leader=k < 2) for k in range(4)]
    plan = solve_checked(scenario(institutions, experts, notice_days=0, teams=teams, pace="early")).plan
    assert _visit(plan, "G0").team == "B组"


def test_replan_keeps_a_pinned_visit_and_follows_a_changed_pin():
    """After an added institution, the pinned G1 stays where it is; when its pin moves, so does it."""
    sc = _round(G1={"fixed_start": D("2024-11-25")})
    base = solve_checked(sc).plan
    today = D("2024-11-05")
    added = replace(sc, institutions=(*sc.institutions, inst("G9", "新增卫生院", "grassroots")))
    result = replan(added, base, today, time_limit=5, seed=0, workers=1)
    assert _visit(result.plan, "G1").start == D("2024-11-25")
    assert validate(added, result.plan) + replanning.check(added, result.plan, base, today) == []
    moved = _round(G1={"fixed_start": D("2024-11-27")})
    result = replan(moved, base, today, time_limit=5, seed=0, workers=1)
    assert _visit(result.plan, "G1").start == D("2024-11-27")


def test_pins_that_clash_only_with_another_rule_are_named():
    """G0 and G1 pinned to the same day while the office runs one visit at a time (R10): each pin holds
    by itself, together they cannot; the one left out says which pins held it."""
    day = {"fixed_start": D("2024-11-12")}
    sc = replace(_round(G0=day, G1=day), params=replace(_round().params, max_concurrent_visits=1))
    plan = solve_checked(sc).plan
    assert len(plan.unscheduled) == 1
    left = plan.unscheduled[0]
    assert left.institution in ("G0", "G1") and "指定开始日期 2024-11-12" in left.reasons[0]
