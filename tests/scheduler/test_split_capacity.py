"""Large rounds under an office capacity (R10): pools solved apart, then timed together."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

import scheduler.solve as solve_module
from benchmarks.generate import generate
from constraints.registry import validate
from scheduler import executor
from scheduler.solve import solve
from tests.constraints.builders import inst
from tests.scheduler.conftest import allround, scenario


def _two_districts(cap: int):
    """Two districts, home_district_only, four one-day grassroots visits each, two leaders each."""
    experts = [allround(f"B{k}", district="巴南区", leader=k < 2) for k in range(3)]
    experts += [allround(f"C{k}", district="长寿区", leader=k < 2) for k in range(3)]
    insts = [inst(f"B-G{k}", f"巴南卫生院{k}", "grassroots", district="巴南区") for k in range(4)]
    insts += [inst(f"C-G{k}", f"长寿卫生院{k}", "grassroots", district="长寿区") for k in range(4)]
    return scenario(insts, experts, home_district_only=True, max_concurrent_visits=cap)


@pytest.fixture
def split_always(monkeypatch):
    monkeypatch.setattr(solve_module, "SPLIT_UNDER_CAPACITY", 0)


def test_split_plan_honours_the_cap_across_pools(split_always):
    """With a cap of 1, the eight visits of both pools never share a day, although each pool was
    staffed on its own: the joint timing stage enforces R10. Loads stay fair: 8 visits × 2 members
    over 6 experts → each pool's heaviest load is 3 days (4 visits × 2 seats / 3 experts, rounded up)."""
    sc = _two_districts(cap=1)
    result = solve(sc, time_limit=10, seed=0, workers=1)
    assert validate(sc, result.plan) == []
    assert len(result.plan.visits) == 8
    days = Counter(v.start for v in result.plan.visits)
    assert max(days.values()) == 1
    assert all(v == 3 for k, v in result.objective.items() if k.startswith("max_load["))


def test_split_gives_the_same_loads_as_the_joint_model(monkeypatch):
    """On a generated city round (office capacity 4), the split strategy's heaviest load per pool is
    never above the one-model strategy's (each pool is solved without the cap first, a relaxation,
    and timing keeps its teams), and both plans are valid. The wall-clock last resort is pushed out:
    on a crowded test machine it would cut either search short, and the comparison is of budgets."""
    monkeypatch.setattr(executor, "last_resort", lambda started, limit: started + 100 * limit + 600)
    sc = generate("city", 2)
    joint = solve(sc, time_limit=20, seed=0, workers=1)
    monkeypatch.setattr(solve_module, "SPLIT_UNDER_CAPACITY", 0)
    split = solve(sc, time_limit=20, seed=0, workers=1)
    assert validate(sc, joint.plan) == [] and validate(sc, split.plan) == []
    assert len(split.plan.visits) == len(joint.plan.visits)
    loads = {k: v for k, v in split.objective.items() if k.startswith("max_load[")}
    joint_loads = {k: v for k, v in joint.objective.items() if k.startswith("max_load[")}
    assert loads.keys() == joint_loads.keys()
    assert all(loads[k] <= joint_loads[k] for k in loads)


@pytest.mark.parametrize("pace", ["even", "early"])
def test_split_timing_asks_for_any_timing_only_where_the_plan_is_paced_after(split_always, monkeypatch, pace):
    """Under ``pace`` even the heuristic paces the plan after the joint timing, so that stage asks for
    the first timing within R10 (a makespan to minimise spent its whole quarter of the limit and changed
    no load); under early it still makes the last visit end as early as possible. Either way the cap
    holds across the pools and every visit is planned."""
    from scheduler import stages

    asked: list[bool] = []
    finish_early = stages.finish_early

    def spy(*args, **kwargs):
        asked.append(kwargs.get("timing", False))
        return finish_early(*args, **kwargs)

    monkeypatch.setattr(stages, "finish_early", spy)
    sc = _two_districts(cap=1)
    sc = replace(sc, params=replace(sc.params, pace=pace))
    result = solve(sc, time_limit=10, seed=0, workers=1)
    assert asked and asked[-1] == (pace == "even")  # the pools' own finishing stages come first
    assert not any(asked[:-1])
    assert validate(sc, result.plan) == []
    assert len(result.plan.visits) == 8
    assert max(Counter(v.start for v in result.plan.visits).values()) == 1


def test_no_split_where_the_cap_cannot_hold_every_visit(split_always, monkeypatch):
    """Eight one-day visits in a week of five working days with a cap of one visit a day: the cap cannot
    hold them all, so the pools' own plans (made without the cap, visiting all eight) could never be
    timed within it; the relaxed round is not built and the round is solved as one model, which plans
    five, each on its own day."""
    relaxed: list[bool] = []
    build = solve_module.build_instance

    def spy(scenario, **kwargs):
        relaxed.append(scenario.params.max_concurrent_visits is None)
        return build(scenario, **kwargs)

    monkeypatch.setattr(solve_module, "build_instance", spy)
    sc = _two_districts(cap=1)
    sc = replace(sc, params=replace(sc.params, deadline=sc.params.start + timedelta(days=4)))
    result = solve(sc, time_limit=10, seed=0, workers=1)
    assert relaxed == [False]
    assert validate(sc, result.plan) == []
    assert len(result.plan.visits) == 5
    assert max(Counter(v.start for v in result.plan.visits).values()) == 1


def test_the_split_s_pools_are_solved_without_the_exact_teams_model(split_always, monkeypatch):
    """Under an office capacity the pools' teams are timed together after: their jobs ask teams first
    not to use the exact teams' model (its teams, dated on their pool alone, failed that timing on
    hospitals seed 190 with a cap of 8, stop 52). The same round without a cap asks for it."""
    asked = []
    real = executor.PoolJob

    def job(**fields):
        asked.append(fields["exact"])
        return real(**fields)

    monkeypatch.setattr(executor, "PoolJob", job)
    capped = _two_districts(cap=1)
    solve(capped, time_limit=10, seed=0, workers=1, processes=1)
    split, asked[:] = list(asked), []
    uncapped = replace(capped, params=replace(capped.params, max_concurrent_visits=None))
    solve(uncapped, time_limit=10, seed=0, workers=1, processes=1)
    assert split and not any(split)
    assert asked and all(asked)
