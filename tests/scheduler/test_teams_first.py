"""Teams first, then dates (``scheduler.teams_first``): the teams' model allows the teams of every plan,
teams it picks are dated on stage 1's own model or give no plan (never an error), and on the pool it
was made for the group ends at its bound without stage 1's search."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from ortools.sat.python import cp_model

from benchmarks.generate import generate
from constraints.registry import post_all
from inputs.scenario import Conflict, Quota
from scheduler import cpsat, pooling, stages, teams_first
from scheduler.greedy import Assignment, quota_targets
from scheduler.instance import build_instance
from scheduler.model import build_variables
from scheduler.pooling import pools
from scheduler.shares import quotas_met
from scheduler.solve import _start, solve
from tests.constraints.builders import inst
from tests.scheduler.conftest import allround, check_plan, scenario
from tests.scheduler.test_solve_properties import FEW, scenarios

LATER = time.monotonic() + 3600


def _teams_allow(instance, plan) -> None:
    """Each pool's teams in ``plan`` (complete in the pool) are a plan of the teams' model at the
    pool's heaviest load in ``plan``, and of the exact teams' model (the years' rules; where the plan
    meets the round's quotas, what each quota asks of the pool whatever the other pools do)."""
    targets = quota_targets(instance)
    met = quotas_met(instance, plan, targets)
    for ts, es in pools(instance, instance.tasks):
        if not all(t in plan for t in ts):
            continue
        tasks = [instance.tasks[t] for t in ts]
        most = pooling.heaviest(instance, {t: plan[t] for t in ts})
        mine = set(ts)
        least = [
            (year, [t for t in counted if t in mine], need - sum(t not in mine for t in counted))
            for year, counted, need in targets
        ]
        for exact, shares in ((False, []), (True, least if met else [])):
            m = teams_first.teams_model(instance, tasks, shares, es, most, exact)
            cpsat.fix(m, {t: plan[t] for t in ts})
            assert _solved(m.cp) == cp_model.OPTIMAL, exact


def _solved(cp: cp_model.CpModel) -> int:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    return solver.solve(cp)


@FEW
@given(sc=scenarios())
def test_the_teams_model_allows_the_teams_of_every_start_plan(sc):
    """The teams' model leaves rules out, never adds one: the teams of the plan every search starts
    from (complete and valid for stage 1's model in its complete pools) are teams it allows."""
    instance = build_instance(sc, announce=sc.params.start, followups=True, seed=0)
    _teams_allow(instance, _start(instance)[1])


def test_the_teams_model_allows_the_teams_of_a_hospital_round():
    instance = build_instance(generate("hospitals", 1), followups=True, seed=1)
    _teams_allow(instance, _start(instance)[1])


def _two_clinics(conflicted: bool, days: int = 1):
    """Two one-day clinics to visit within ``days`` working days from 2024-11-04; E2 may visit neither
    when ``conflicted``, so E1 alone makes both visits."""
    clinics = [inst(f"I{n}", f"卫生院{n}", tier="grassroots") for n in (1, 2)]
    experts = [allround("E1", leader=True), allround("E2", leader=True)]
    base = scenario(clinics, experts)
    rules = {"grassroots": replace(base.tier_rules["grassroots"], team_min=1)}
    deadline = base.params.start + timedelta(days=days - 1)
    sc = scenario(clinics, experts, deadline=deadline, tier_rules=rules)
    if conflicted:
        sc = replace(sc, conflicts=(Conflict("E2", "I1"), Conflict("E2", "I2")))
    instance = build_instance(sc, announce=sc.params.start, followups=True, seed=0)
    ((ts, es),) = pools(instance, instance.tasks)
    m = build_variables(instance, [instance.tasks[t] for t in ts], [])
    post_all(m)
    return teams_first.Group(m, [], es, LATER, 0, 1, 4)


def _steps(monkeypatch) -> list[int]:
    """The loads :func:`teams_first.level` is asked for, in order."""
    steps: list[int] = []
    real = teams_first.level

    def level(group, most, budget, exact=False):
        steps.append(most)
        return real(group, most, budget, exact)

    monkeypatch.setattr(teams_first, "level", level)
    return steps


def test_teams_that_cannot_be_dated_give_no_plan(monkeypatch):
    """E1 within two days may make both visits (the teams' model has no dates), but not on one day
    (R5): the dates' step finds no plan, and says so without an error."""
    group = _two_clinics(conflicted=True)
    dated = []
    real = teams_first._dated
    monkeypatch.setattr(teams_first, "_dated", lambda m, picked: dated.append(picked) or real(m, picked))
    found, _, fired, undatable = teams_first.level(group, 2, 1.0)
    assert found is None and not fired and undatable
    assert [sorted(a.members for a in picked.values()) for picked in dated] == [[(0,), (0,)]]


def _new_year(days: int, cap: int | None, quota: bool):
    """Three clinics of ``days``-day visits from 2024-12-02 to 2025-01-31 that E1 alone may make, capped
    at ``cap`` days a year; with ``quota`` every clinic is to be visited in 2024. Returns the instance,
    the pool's tasks, the quota targets and the pool's experts."""
    clinics = [inst(f"I{n}", f"卫生院{n}", tier="grassroots") for n in (1, 2, 3)]
    experts = [allround("E1", leader=True, max_days=cap)]
    base = scenario(clinics, experts)
    rules = {"grassroots": replace(base.tier_rules["grassroots"], team_min=1, min_days=days)}
    quotas = (Quota(2024, tier="grassroots", min_count=3),) if quota else ()
    sc = scenario(clinics, experts, start=date(2024, 12, 2), deadline=date(2025, 1, 31), tier_rules=rules)
    sc = replace(sc, quotas=quotas)
    instance = build_instance(sc, announce=sc.params.start, followups=True, seed=0)
    ((ts, es),) = pools(instance, instance.tasks)
    return instance, [instance.tasks[t] for t in ts], quota_targets(instance), es


def _e1_makes_all(instance, tasks, targets, es, exact, across=0):
    """Whether the teams' model (``exact`` or not) has E1 make every visit, ``across`` of them across
    New Year."""
    m = teams_first.teams_model(instance, tasks, targets, es, 3 * tasks[0].days, exact)
    cpsat.fix(m, {t.index: Assignment(0, (0,), 0) for t in tasks})
    crossing = [sum(m.straddle[t.index].values()) for t in tasks if m.straddle.get(t.index)]
    m.cp.add(sum(crossing) == across)
    return _solved(m.cp) == cp_model.OPTIMAL


def test_the_exact_teams_model_sees_a_quota_that_leaves_no_choice_of_year():
    """E1, capped at two days a year, makes three one-day visits: within the cap over two years, so the
    teams' model allows them; the quota wants all three in 2024, so the exact model does not. Without
    the quota it does (two in 2024, one in 2025)."""
    assert _e1_makes_all(*_new_year(1, 2, quota=True), exact=False)
    assert not _e1_makes_all(*_new_year(1, 2, quota=True), exact=True)
    assert _e1_makes_all(*_new_year(1, 2, quota=False), exact=True)


def test_the_exact_teams_model_lets_a_member_make_one_visit_across_new_year():
    """E1 (no cap) makes three three-day visits: one of them may run across New Year (2024-12-31 to
    2025-01-03), not two (they would share 2024-12-31, R5); the teams' model allows two."""
    new_year = _new_year(3, None, quota=False)
    assert _e1_makes_all(*new_year, exact=True, across=1)
    assert not _e1_makes_all(*new_year, exact=True, across=2)
    assert _e1_makes_all(*new_year, exact=False, across=2)


def _fake_levels(monkeypatch, answers):
    """:func:`teams_first.level` answering from ``answers`` ((load, exact) -> (the plan's heaviest load or
    None, units spent, undatable)); returns the calls, as (load, budget, exact)."""
    calls = []

    def level(group, most, budget, exact=False):
        calls.append((most, round(budget, 6), exact))
        load, used, undatable = answers[most, exact]
        return (None if load is None else {"load": load}), used, False, undatable

    monkeypatch.setattr(teams_first, "level", level)
    monkeypatch.setattr(pooling, "heaviest", lambda instance, plan: plan["load"])
    return calls


def test_undatable_teams_send_the_step_to_the_exact_model(monkeypatch):
    """The loose teams at the bound are proven undatable: the same step is asked again of the exact
    model, on the budget doubled less what was spent; it finds none, and the steps go on from the top
    with the loose model. The exact step's units are its own: only the loose steps' are spent."""
    answers = {(1, False): (None, 0.1, True), (1, True): (None, 0.2, False), (3, False): (None, 0.1, False)}
    calls = _fake_levels(monkeypatch, answers)
    found, spent, fired = teams_first.teams_first(_two_clinics(conflicted=True), 1, 3, 1.0)
    assert found is None and not fired and round(spent, 6) == 0.2
    assert calls == [(1, 1.0, False), (1, 1.9, True), (3, 1.7, False)]


def test_every_step_with_undatable_teams_asks_the_exact_model_the_budget_doubled_once(monkeypatch):
    """Undatable at the bound and at the top: both steps are asked again of the exact model, which dates
    teams at 4 at the top; the next step, at 3, asks the loose model first. The budget doubles once."""
    answers = {
        (1, False): (None, 0.1, True),
        (1, True): (None, 0.2, False),
        (5, False): (None, 0.1, True),
        (5, True): (4, 0.2, False),
        (3, False): (None, 0.1, False),
    }
    calls = _fake_levels(monkeypatch, answers)
    found, spent, _ = teams_first.teams_first(_two_clinics(conflicted=True), 1, 5, 1.0)
    assert found == {"load": 4} and round(spent, 6) == 0.3
    assert calls == [(1, 1.0, False), (1, 1.9, True), (5, 1.7, False), (5, 1.6, True), (3, 1.4, False)]


def test_teams_a_capped_member_s_years_refuse_are_undatable_and_not_exact():
    """E1, capped at two days a year, alone makes three one-day visits the quota wants in 2024: the
    teams' model allows it (three days within two years' caps) and the dates' step proves it
    undatable; the exact model has no teams at all."""
    instance, tasks, targets, es = _new_year(1, 2, quota=True)
    m = build_variables(instance, tasks, targets)
    post_all(m)
    group = teams_first.Group(m, targets, es, LATER, 0, 1, 3)
    found, _, fired, undatable = teams_first.level(group, 3, 1.0)
    assert found is None and not fired and undatable
    found, _, fired, undatable = teams_first.level(group, 3, 1.0, exact=True)
    assert found is None and not fired and not undatable


def test_teams_at_the_bound_are_dated_into_a_plan_of_every_visit(monkeypatch):
    """At the bound (one day each), the teams are dated on stage 1's model: both visits on the one day,
    one member each; no step above the bound follows."""
    group = _two_clinics(conflicted=False)
    m = group.m
    steps = _steps(monkeypatch)
    found, _, fired = teams_first.teams_first(group, 1, 2, 1.0)
    assert found is not None and set(found) == {t.index for t in m.tasks} and not fired
    assert pooling.heaviest(m.instance, found) == 1 and steps == [1]
    assert found[0].start == found[1].start == 0 and found[0].members != found[1].members


def test_where_the_bound_fails_the_steps_come_down_from_the_top(monkeypatch):
    """E1 alone makes both visits (two days, over two days): nothing at a bound of one day, then the
    plan at two, asked for from the top."""
    group = _two_clinics(conflicted=True, days=2)
    steps = _steps(monkeypatch)
    found, _, fired = teams_first.teams_first(group, 1, 2, 0.2)
    assert found is not None and pooling.heaviest(group.m.instance, found) == 2 and not fired
    assert steps == [1, 2] and found[0].start != found[1].start


def test_a_province_pool_ends_at_its_bound_without_stage_one(monkeypatch):
    """Province seed 41's pool 安顺市 (231 one-day visits, start plan 36, bound 35): stage 1's search,
    21 s of it, ended at 36; teams first finds 35, the bound, and the group's search does not run. The
    plan holds every rule."""
    calls = []
    real = teams_first.teams_first

    def spy(group, *args, **kwargs):
        calls.append((len(group.m.tasks), real(group, *args, **kwargs)))
        return calls[-1][1]

    monkeypatch.setattr(stages, "teams_first", spy)
    scenario_41 = generate("province", 41, hard=True)
    result = solve(scenario_41, time_limit=60, seed=41, workers=1, processes=1)
    check_plan(scenario_41, result.plan)
    ((found, _, _),) = [out for tasks, out in calls if tasks == 231]
    assert found is not None
    assert [v for name, v in result.objective.items() if "安顺市" in name] == [35], result.objective


def test_a_followed_up_hospital_pool_is_a_day_lower_by_the_exact_teams(monkeypatch):
    """Hospitals seed 1 with a fifth of its institutions followed up, pool 柏溪市、泉关市→… (bound 27):
    the teams at 29 that the teams' model finds cannot be dated (on the round `schedule solve` makes of
    it, members capped at 8-9 days a year hold three 5-day visits, and a quota wants every private
    secondary hospital in 2025), and the pool ended at 30. The exact teams' model finds teams at 29
    that are dated; the plan holds every rule (stop 52)."""
    asked = []
    real = teams_first.level

    def level(group, most, budget, exact=False):
        found = real(group, most, budget, exact)
        asked.append((most, exact, found[0] is not None))
        return found

    monkeypatch.setattr(teams_first, "level", level)
    followed = generate("hospitals", 1, hard=True, followups=0.2)
    result = solve(followed, time_limit=60, seed=1, workers=1, processes=1)
    check_plan(followed, result.plan)
    assert (29, True, True) in asked
    assert [v for name, v in result.objective.items() if name.startswith("max_load[柏溪市、泉关市")] == [29]


def test_the_teams_local_search_tries_again_with_a_seed_of_its_own(monkeypatch):
    """Where the first try finds no teams (none exist at one day here), a second runs on its own seed,
    each on an equal part of the budget; the same steps again run the same tries."""
    group = _two_clinics(conflicted=True, days=2)
    tries = []
    real = cpsat.solve_until

    def until(solver, cp, deadline, callback=None):
        if solver.parameters.use_ls_only:
            tries.append((solver.parameters.random_seed, solver.parameters.max_deterministic_time))
        return real(solver, cp, deadline, callback)

    monkeypatch.setattr(cpsat, "solve_until", until)
    found, _, _, _ = teams_first.level(group, 1, 0.2)
    assert found is None and len(tries) == teams_first.TEAMS_TRIES == 2
    (seed_a, budget_a), (seed_b, budget_b) = tries
    assert seed_a == group.seed != seed_b and budget_a == budget_b > 0
    first = list(tries)
    tries.clear()
    teams_first.level(group, 1, 0.2)
    assert tries == first


def test_narrow_keeps_a_variable_within_its_domain_and_the_range():
    """``cpsat.narrow`` intersects a copied variable's domain with a range, holes kept; an empty
    intersection leaves the copy with no plan."""
    cp = cp_model.CpModel()
    var = cp.new_int_var_from_domain(cp_model.Domain.from_values([0, 1, 2, 5, 6, 9]), "v")
    copy = cp.clone()
    cpsat.narrow(copy, var, 2, 6)
    assert list(copy.proto.variables[var.index].domain) == [2, 2, 5, 6]
    assert list(cp.proto.variables[var.index].domain) == [0, 2, 5, 6, 9, 9]
    cpsat.narrow(copy, var, 3, 4)
    assert cp_model.CpSolver().solve(copy) in (cp_model.INFEASIBLE, cp_model.MODEL_INVALID)


def test_a_descent_step_with_no_plan_ends_the_descent_proven():
    """E1 alone makes both visits over two days: asked for one day less than the plan's two, the
    descent's copy has no plan (its bounds are the copy's domains, ``cpsat.narrow``); the descent ends
    there, its plan proven best, without an error."""
    group = _two_clinics(conflicted=True, days=2)
    m = group.m
    heaviest = m.cp.new_int_var(1, 2, "heaviest")
    for k in range(len(m.instance.experts)):
        if m.tasks_of.get(k):
            m.cp.add(m.load(k) <= heaviest)
    plan = {t.index: Assignment(t.index, (0,), 0) for t in m.tasks}
    hinted = []
    found, proven, _, loaded, fired = stages.descend(m, heaviest, 1, plan, hinted.append, LATER, 0, 1, 1.0, 4)
    assert found is None and proven and loaded == 1 and not fired and not hinted
