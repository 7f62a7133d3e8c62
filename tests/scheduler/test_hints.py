"""The searches' hints are complete and are plans: every variable of the model, the ones rules and
stages make beside the tasks' own included (``Model.derive``), gets a hinted value, and the hinted
values together satisfy every constraint (CP-SAT, told to keep each variable at its hint, finds that
solution). CP-SAT makes good use only of complete hints (SOLVER-NOTES.md): with yearly caps over New
Year, follow-ups or explicit parts, an incomplete one left the search to repair it first.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from ortools.sat.python import cp_model

import constraints.parts
from constraints.registry import post_all
from inputs.sample import load_sample
from inputs.scenario import DEFAULT_SKILLS, TierRule, Unavailability
from scheduler import cpsat
from scheduler.bounds import TEAM_MODEL, WHOLE_MODEL
from scheduler.greedy import Assignment, greedy
from scheduler.instance import Instance, build_instance
from scheduler.model import build_variables
from scheduler.replan import replan
from scheduler.solve import solve
from tests.constraints.builders import inst
from tests.scheduler.conftest import allround, scenario
from tests.scheduler.test_new_year import new_year_rounds


def _unhinted(cp: cp_model.CpModel) -> list[str]:
    """The names of the model's free (not fixed) variables its hint leaves out."""
    proto = cp.proto
    hinted = set(proto.solution_hint.vars)
    return [
        v.name
        for i, v in enumerate(proto.variables)
        if i not in hinted and not (len(v.domain) == 2 and v.domain[0] == v.domain[1])
    ]


def _unhinted_and_status(instance: Instance, plan: dict[int, Assignment]) -> tuple[list[str], str]:
    """The names of the model's free variables the hint of ``plan`` leaves out, and what CP-SAT says
    of the model with every variable kept at its hint."""
    m = build_variables(instance, instance.tasks)
    post_all(m)
    cpsat.hint(m, plan, {})
    unhinted = _unhinted(m.cp)
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.max_time_in_seconds = 10
    return unhinted, solver.status_name(solver.solve(m.cp))


def test_the_hint_of_a_round_with_follow_ups_is_complete_and_a_plan() -> None:
    """The sample round: follow-ups (R15's continuity, their distance from the first visit)."""
    sc = load_sample()
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    assert instance.precedences
    plan = greedy(instance)
    unhinted, status = _unhinted_and_status(instance, plan)
    assert unhinted == []
    assert status in ("OPTIMAL", "FEASIBLE")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=new_year_rounds())
def test_the_hint_over_new_year_with_yearly_caps_is_complete_and_a_plan(sc) -> None:
    """Visits that may straddle New Year, experts with yearly caps: each member's days in each year."""
    instance = build_instance(sc)
    plan = greedy(instance)
    unhinted, status = _unhinted_and_status(instance, plan)
    assert unhinted == []
    assert status in ("OPTIMAL", "FEASIBLE")


def test_the_hint_of_explicit_parts_is_complete_and_a_plan(monkeypatch) -> None:
    """One part each posted as a Boolean per member and part (what a tier of many parts gets)."""
    monkeypatch.setattr(constraints.parts, "HALL_PARTS", 0)
    experts = [allround(f"E{k}", leader=k <= 2) for k in range(1, 8)]
    rule = TierRule("secondary", 5, 4, 9, DEFAULT_SKILLS, (("医疗管理", 2),), True)
    sc = scenario(
        [inst("H1", "医院一"), inst("H2", "医院二")], experts, tier_rules={"secondary": rule}, notice_days=0
    )
    instance = build_instance(sc)
    plan = greedy(instance)
    assert plan
    m = build_variables(instance, instance.tasks)
    post_all(m)
    assert any(v.name.startswith("part[") for v in m.cp.proto.variables)
    unhinted, status = _unhinted_and_status(instance, plan)
    assert unhinted == []
    assert status in ("OPTIMAL", "FEASIBLE")


def test_every_search_of_a_solve_and_a_replan_starts_from_a_complete_hint(monkeypatch) -> None:
    """Stage 1 (the objective's variables), stage 2 (stage 1's left in its model) and the replan's
    two stages (its count of changes), on the sample round and a replan of it."""
    searched: list[list[str]] = []
    real = cpsat.solve_until

    def watched(solver, cp, until, callback=None):
        if cp.name not in (WHOLE_MODEL, TEAM_MODEL):  # a bound's model searches no plan: nothing to hint
            searched.append(_unhinted(cp))
        return real(solver, cp, until, callback)

    monkeypatch.setattr(cpsat, "solve_until", watched)
    sc = load_sample()
    result = solve(sc, time_limit=20, seed=0, workers=1, processes=1)
    assert result.plan.visits and not result.plan.unscheduled
    solved = len(searched)
    assert solved >= 2
    today = result.plan.visits[len(result.plan.visits) // 2].start
    ill = result.plan.visits[-1].members[-1]
    changed = replace(
        sc, unavailability=(*sc.unavailability, Unavailability(ill, today, sc.params.deadline, "病假"))
    )
    replan(changed, result.plan, today=today, time_limit=5, seed=0, workers=1)
    assert len(searched) > solved
    assert all(names == [] for names in searched), [names[:3] for names in searched if names]


def test_a_search_the_last_resort_came_before_does_not_run():
    """``cpsat.solve_until`` with its last resort already past: the search gets no time (a stop before
    CP-SAT's solve starts would be lost and the search would run its whole budget) and says it fired."""
    cp = cp_model.CpModel()
    xs = [cp.new_int_var(0, 50, f"x{i}") for i in range(60)]
    for a, b in itertools.pairwise(xs):
        cp.add(a != b)
    cp.maximize(sum(xs))
    solver = cp_model.CpSolver()
    solver.parameters.max_deterministic_time = 1e6
    solver.parameters.num_workers = 1
    started = time.monotonic()
    status, fired = cpsat.solve_until(solver, cp, started - 1.0)
    assert time.monotonic() - started < 5.0
    assert fired and status != cp_model.OPTIMAL
