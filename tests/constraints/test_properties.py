"""Property-based tests: random perturbations of the valid plans are caught by the rule they break,
and no plan, however odd, makes the validator raise."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constraints.base import Violation
from constraints.registry import sort_key, validate
from inputs.scenario import Conflict
from scheduler.plan import Plan, Unscheduled, Visit
from tests.constraints.builders import replace_visit, small_plan, small_scenario, teams_plan, teams_scenario

SMALL = small_scenario()
SMALL_PLAN = small_plan()
TEAMS = teams_scenario()
TEAMS_PLAN = teams_plan()
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

visit_ids = st.sampled_from([v.institution for v in SMALL_PLAN.visits])
shifts = st.integers(min_value=-20, max_value=20).filter(lambda k: k != 0)


def caught(found: list[Violation], rule_codes: set[str], subject: str) -> bool:
    return any(v.rule in rule_codes and v.subject == subject for v in found)


@FAST
@given(institution=visit_ids, k=shifts, which=st.sampled_from(["start", "end"]))
def test_shifting_one_end_of_a_visit_is_caught(institution, k, which):
    """Moving a visit's start or end by k calendar days while keeping its ``days`` is caught: the
    working days change (R1), or the new end is not a working day (R2), or the visit is reversed (R0)."""
    old = SMALL_PLAN.visit_of(institution)
    moved = getattr(old, which) + timedelta(days=k)
    found = validate(SMALL, replace_visit(SMALL_PLAN, institution, **{which: moved}))
    assert caught(found, {"R0", "R1", "R2"}, institution)


@FAST
@given(data=st.data())
def test_dropping_a_member_is_caught_by_r4(data):
    """Every team of the small plan is at its tier's minimum or needs each member for a skill or as
    leader, so dropping any member is an R4 violation of that visit."""
    old = data.draw(st.sampled_from(SMALL_PLAN.visits))
    gone = data.draw(st.sampled_from(old.members))
    plan = replace_visit(SMALL_PLAN, old.institution, members=tuple(m for m in old.members if m != gone))
    assert caught(validate(SMALL, plan), {"R4"}, old.institution)


@FAST
@given(data=st.data())
def test_dropping_a_standing_team_member_is_caught_by_r11(data):
    """A standing-team visit without one of the team's members (who has no conflict) breaks R11."""
    old = data.draw(st.sampled_from([v for v in TEAMS_PLAN.visits if v.team is not None]))
    gone = data.draw(st.sampled_from(old.members))
    plan = replace_visit(TEAMS_PLAN, old.institution, members=tuple(m for m in old.members if m != gone))
    assert caught(validate(TEAMS, plan), {"R11"}, old.institution)


@FAST
@given(data=st.data(), by=st.sampled_from(["row", "employer id", "employer name"]))
def test_adding_a_conflicted_member_is_caught_by_r6(data, by):
    """Give some expert a conflict with some visited institution (a conflicts row, or an employer
    written as the institution's id or name) and add them to that visit: R6 names the institution."""
    old = data.draw(st.sampled_from(SMALL_PLAN.visits))
    inst = SMALL.institution_by_id[old.institution]
    expert_id = data.draw(st.sampled_from(sorted(SMALL.expert_by_id)))
    if by == "row":
        scenario = replace(SMALL, conflicts=(*SMALL.conflicts, Conflict(expert_id, inst.id)))
    else:
        employer = inst.id if by == "employer id" else inst.name
        experts = tuple(replace(e, employer=employer) if e.id == expert_id else e for e in SMALL.experts)
        scenario = replace(SMALL, experts=experts)
    members = tuple(dict.fromkeys((*old.members, expert_id)))
    plan = replace_visit(SMALL_PLAN, old.institution, members=members)
    assert caught(validate(scenario, plan), {"R6"}, old.institution)


ids = st.sampled_from(["H1", "H2", "G1", "G2", "X1", "ZZ", ""])
experts = st.sampled_from(["E1", "E2", "E3", "E5", "E6", "E9", "E99", ""])
days_ = st.dates(min_value=date(2023, 12, 20), max_value=date(2028, 1, 10))
odd_visits = st.builds(
    Visit,
    institution=ids,
    start=days_,
    end=days_,
    days=st.integers(min_value=-3, max_value=40),
    leader=experts,
    members=st.lists(experts, max_size=6).map(tuple),
    team=st.sampled_from([None, "医院组", "基层组", "无此组"]),
    batch=st.sampled_from([None, "第一批", "第二批", "无此批"]),
)
odd_plans = st.builds(
    Plan,
    scenario=st.just("测试巡查"),
    status=st.just("feasible"),
    visits=st.lists(odd_visits, max_size=6).map(tuple),
    unscheduled=st.lists(ids.map(lambda i: Unscheduled(i, ("测试",))), max_size=3).map(tuple),
    exempt=st.lists(ids, max_size=3).map(tuple),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plan=odd_plans, scenario=st.sampled_from([SMALL, TEAMS, small_scenario(rest_days=2, max_days_per_year=5)])
)
def test_odd_plans_are_reported_never_raised(plan, scenario):
    """Unknown ids, reversed dates, years the calendar does not know (2027), empty leaders: validation
    returns violations in a stable order, and a visit in an unknown year is an R2 violation."""
    found = validate(scenario, plan)
    assert found == sorted(found, key=sort_key)
    assert validate(scenario, plan) == found
    for v in plan.visits:
        if max(v.start, v.end).year >= 2027:
            assert caught(found, {"R2"}, v.institution)
