"""Property-based tests of the replan on the solver's own random small rounds (``test_solve_properties``):
an expert falls ill over a coming visit or follow-up (回头看), an institution is added, the follow-up
teams grow; or, harsher, the day falls mid-visit, an illness lasts weeks, a conflict of interest is
declared, the notice period changes, an institution or an expert not yet involved is removed. The
replanned plan passes the validator and the replan's own check against the baseline (R13: started visits
kept, new and moved ones with their notice), whatever the round; a yearly quota the changes put out of
reach is reported unmet beside the institutions left out."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from constraints import replanning
from constraints.registry import validate
from inputs import controls
from inputs.scenario import Conflict, Institution, Scenario, Unavailability
from scheduler.replan import replan
from tests.scheduler.conftest import solve_checked
from tests.scheduler.test_solve_properties import FEW, scenarios


def _later(draw, sc: Scenario, baseline) -> tuple[Scenario, object]:
    """The round as the office changes it mid-cycle, and the replan's day."""
    visits = sorted(baseline.visits, key=lambda v: (v.start, v.institution, v.kind))
    today = visits[draw(st.integers(0, len(visits) - 1))].start if visits else sc.params.start
    coming = [v for v in visits if v.start >= today]
    rows = list(sc.unavailability)
    for visit in draw(st.lists(st.sampled_from(coming), max_size=2, unique=True)) if coming else []:
        rows.append(Unavailability(draw(st.sampled_from(visit.members)), visit.start, visit.end, "病假"))
    params = sc.params
    if draw(st.booleans()):
        params = replace(
            params, followup_team_min=min(params.followup_team_max, params.followup_team_min + 1)
        )
    insts = list(sc.institutions)
    if draw(st.booleans()):
        insts.append(Institution("N1", "新增卫生院", sc.institutions[0].district, "grassroots"))
    return replace(sc, unavailability=tuple(rows), params=params, institutions=tuple(insts)), today


def _harsher(draw, sc: Scenario, baseline) -> tuple[Scenario, object]:
    """The round changed more ways at once: the day may fall inside a visit, an illness may last weeks,
    a conflict of interest may be declared, the notice period may change, an institution and an expert
    with nothing started may be removed."""
    visits = sorted(baseline.visits, key=lambda v: (v.start, v.institution, v.kind))
    today = sc.params.start
    if visits:
        visit = visits[draw(st.integers(0, len(visits) - 1))]
        today = draw(
            st.sampled_from([visit.start, visit.start + timedelta(days=1), visit.end + timedelta(days=1)])
        )
    coming = [v for v in visits if v.start >= today]
    started = [v for v in visits if v.start < today]
    rows, conflicts = list(sc.unavailability), list(sc.conflicts)
    for visit in draw(st.lists(st.sampled_from(coming), max_size=2, unique=True)) if coming else []:
        who = draw(st.sampled_from(visit.members))
        kind = draw(st.sampled_from(["ill", "weeks", "conflict"]))
        if kind == "conflict":
            conflicts.append(Conflict(who, visit.institution, "新申报"))
        else:
            end = visit.end if kind == "ill" else visit.start + timedelta(days=draw(st.integers(5, 60)))
            rows.append(Unavailability(who, visit.start, end, "病假"))
    params = sc.params
    if draw(st.booleans()):
        params = replace(params, notice_days=draw(st.integers(0, 40)))
    insts = list(sc.institutions)
    if draw(st.booleans()):
        insts.append(Institution("N1", "新增卫生院", sc.institutions[0].district, "grassroots"))
    involved = {v.institution for v in started}
    removable = [i.id for i in insts if i.id not in involved and i.id != "N1"]
    if removable and draw(st.booleans()):
        gone = draw(st.sampled_from(removable))
        insts = [i for i in insts if i.id != gone]
        conflicts = [c for c in conflicts if c.institution_id != gone]
    experts, teams = list(sc.experts), sc.teams
    # an expert with nothing started and no institution's pin (R16) naming them, as the reader requires
    pinned = {who for i in insts for who in (i.fixed_leader, *i.fixed_members)}
    busy = {m for v in started for m in v.members} | pinned
    free = [e.id for e in experts if e.id not in busy]
    if free and draw(st.booleans()):
        gone = draw(st.sampled_from(free))
        experts = [e for e in experts if e.id != gone]
        rows = [u for u in rows if u.expert_id != gone]
        conflicts = [c for c in conflicts if c.expert_id != gone]
        teams = tuple(t for t in teams if gone not in t.members)
    changed = replace(
        sc,
        params=params,
        institutions=tuple(insts),
        experts=tuple(experts),
        teams=teams,
        unavailability=tuple(rows),
        conflicts=tuple(conflicts),
    )
    return changed, today


@settings(FEW, derandomize=True)  # the same examples every run: CI never meets a new one by chance
@given(data=st.data(), sc=scenarios())
def test_every_replan_is_valid_and_keeps_what_started(data, sc):
    _replan_checked(sc, _later, data.draw)


@settings(FEW, derandomize=True)
@given(data=st.data(), sc=scenarios())
def test_every_replan_after_harsher_changes_is_valid_and_keeps_what_started(data, sc):
    _replan_checked(sc, _harsher, data.draw)


def _replan_checked(sc: Scenario, change, draw) -> None:
    baseline = solve_checked(sc).plan
    if baseline.status == "infeasible" or validate(sc, baseline):
        return
    later, today = change(draw, sc, baseline)
    # a round the reader refuses never reaches the replan: an added institution may push a quota's
    # minimum share above its cap (30% of 4 needs 2, at most 1)
    assume(not controls.check(later))
    started = [v for v in baseline.visits if v.start < today]
    result = replan(later, baseline, today, time_limit=5, seed=0, workers=1)
    plan = result.plan
    # a started visit is kept as it was, even where the changed round now finds fault with it
    assert all(v in plan.visits for v in started)
    touched = {v.institution for v in started}
    found = [
        v
        for v in validate(later, plan) + replanning.check(later, plan, baseline, today)
        # a quota the illness leaves out of reach is reported as unmet, its institutions listed
        if v.subject not in touched and not (plan.unscheduled and v.rule == "R9")
    ]
    assert found == [], "\n".join(f"{v.rule} {v.subject}: {v.message}" for v in found)
