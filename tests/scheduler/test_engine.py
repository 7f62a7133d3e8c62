"""The engine (``scheduler.executor``): deterministic budgets fixed before solving, the same plan
beside a busy competing process, and the same plan in one process, several, or on a local Ray
runtime (SPEC §5's last line, issue 13 items 3 and 5)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from dataclasses import replace

import pytest
from ortools.sat.python import cp_model

from benchmarks.generate import generate
from scheduler import executor, pooling, stages
from scheduler.instance import build_instance
from scheduler.solve import _groups, solve
from tests.scheduler.conftest import check_plan

SPIN = "import time\nend = time.time() + 600\nwhile time.time() < end:\n    pass\n"


def _round():
    """A grassroots round of 240 institutions in two prefectures: two independent pools."""
    return generate("national", 0, size=240)


def _searching(kind: str = "hospitals", size: int | None = None):
    """A round whose groups search (they are not all at their bound before any search, as every
    small grassroots round is): hospitals, or grassroots whose finishing stage searches (``pace``
    early), so that the same-plan tests below compare real CP-SAT searches ended by their budgets.
    Hospitals seed 1: three groups search (seed 0's start plan meets all but one pool's whole-share bound)."""
    sc = generate(kind, 0, size=size) if size else generate(kind, 1)
    return replace(sc, params=replace(sc.params, pace="early"))


@pytest.fixture
def modelled(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many jobs of each batch build a model (and so run in the processes or on Ray)."""
    counts: list[int] = []
    real = executor.Runner._results

    def counted(self, light, heavy, progress, started):
        counts.append(len(heavy))
        return real(self, light, heavy, progress, started)

    monkeypatch.setattr(executor.Runner, "_results", counted)
    return counts


def _seconds(search: float, finish: float, pairs: int) -> float:
    """The estimated seconds of one core of the two budgets of a group of ``pairs`` (one worker)."""
    return executor.unit_seconds(search, 1, 1, pairs) + executor.unit_seconds(finish, 1, 2)


@pytest.fixture
def patient(monkeypatch: pytest.MonkeyPatch) -> None:
    """The wall-clock last resort pushed far out, so that a slow or crowded test machine cannot end a
    search: what such a test shows is that the deterministic budgets alone fix the plan."""
    monkeypatch.setattr(executor, "last_resort", lambda started, limit: started + 100 * limit + 600)


def test_two_pools_in_the_test_round():
    sc = _round()
    assert len(_groups(build_instance(sc, announce=sc.params.start, followups=True, seed=0))) == 2


def test_budgets_depend_on_the_time_limit_and_sizes_only():
    """Shared in proportion to size, no minimum per pool (many pools never add up past the limit),
    pools the greedy already solved get no stage-1 search, and what is spent outside the searches
    (preparing the round, building the models, the reserve) is taken off first."""
    sized = executor.budgets(10.0, [1000, 3000, 500], [False, False, True])
    assert sized == executor.budgets(10.0, [1000, 3000, 500], [False, False, True])
    assert sized[2][0] == 0.0 and sized[2][1] > 0.0
    # in seconds; in units, a larger group's tasks cost more each (``executor.TASK_SECONDS_PER_PAIR``)
    first = [executor.unit_seconds(a, 1, 1, p) for (a, _), p in zip(sized[:2], [1000, 3000], strict=True)]
    assert first[1] == pytest.approx(3 * first[0])
    assert sized[0][0] < sized[1][0] < 3 * sized[0][0]
    assert sized[1][1] == pytest.approx(3 * sized[0][1])
    many = executor.budgets(10.0, [20] * 400, [False] * 400)
    assert sum(_seconds(a, b, 20) for a, b in many) <= 10.0 * executor.USABLE_SHARE
    assert executor.budgets(1.0, [10**6], [False]) == [(0.0, 0.0)]  # building alone fills the limit


def test_budgets_cost_every_second_of_the_limit_on_one_core(monkeypatch):
    """Estimated on one core, the preparation, the models, the searches and the reserve together fill
    the usable share of the limit, whatever the number of processes (which the budgets never see),
    unless the finishing stages' caps leave some of it unspent."""
    pairs, prepared, reserve = [4000, 9000, 2500], (1000, 20_000), 3.0
    capped = executor.budgets(60.0, pairs, [False, False, False], prepared=prepared, reserve=reserve)
    most = [executor.FINISH_MOST + executor.FINISH_MOST_PER_PAIR * p for p in pairs]
    assert all(b <= cap for (_, b), cap in zip(capped, most, strict=True))
    monkeypatch.setattr(executor, "FINISH_MOST", float("inf"))
    sized = executor.budgets(
        60.0, pairs, [False, False, False], workers=1, prepared=prepared, reserve=reserve
    )
    seconds = sum(_seconds(a, b, p) for (a, b), p in zip(sized, pairs, strict=True))
    seconds += sum(executor.model_seconds(p) for p in pairs)
    seconds += sum(executor.group_work(p) * executor.IMPROVE_SECONDS_PER_UNIT for p in pairs)
    seconds += executor.round_seconds(*prepared) + reserve
    assert seconds == pytest.approx(60.0 * executor.USABLE_SHARE)
    less = executor.budgets(60.0, pairs, [False, False, False], prepared=(2000, 40_000), reserve=reserve)
    assert sum(_seconds(a, b, p) for (a, b), p in zip(less, pairs, strict=True)) < seconds


def test_the_local_search_is_charged_before_the_searches_are_sized():
    """The start plan's local search has a work budget from the limit and sizes alone, a share of
    what is usable; what it spent, in units, comes off the groups' searches, and the explanations'
    reserve grows with the institutions left out, up to their budget."""
    work = executor.improve_work(60.0, (1000, 20_000))
    assert work == executor.improve_work(60.0, (1000, 20_000))
    assert 0 < work * executor.IMPROVE_SECONDS_PER_UNIT <= 60.0 * executor.USABLE_SHARE
    assert executor.improve_work(60.0, (1000, 20_000), reserve=5.0) < work < executor.improve_work(120.0)
    pairs = [4000, 9000]
    sized = executor.budgets(60.0, pairs, [False, False])
    charged = executor.budgets(60.0, pairs, [False, False], improved=work)
    assert all(b[0] < a[0] for a, b in zip(sized, charged, strict=True))
    assert charged == executor.budgets(60.0, pairs, [False, False], improved=work)
    assert 0.0 < executor.explain_budget(10, 10.0) < executor.explain_budget(300, 10.0)
    assert executor.explain_budget(10_000, 10.0) == 10.0 == executor.explain_budget(10_000, 20.0) / 2
    assert executor.explain_seconds(5.0, 0) == 0.0 < executor.explain_seconds(5.0, 1)


def test_last_resort_is_the_time_limit_itself():
    """At the limit itself, but never sooner than LAST_RESORT_FLOOR seconds."""
    assert executor.last_resort(1000.0, 60.0) == 1060.0
    assert executor.last_resort(1000.0, 0.5) == 1000.0 + executor.LAST_RESORT_FLOOR


def test_pool_seeds_depend_on_the_seed_and_the_pool_only():
    assert executor.pool_seed(3, 0) == 3
    assert len({executor.pool_seed(3, g) for g in range(50)}) == 50
    assert all(0 <= executor.pool_seed(2**31, g) < 2**31 for g in range(5))


@pytest.mark.usefixtures("patient")
def test_same_plan_beside_a_busy_competing_process(modelled):
    """Solved once on its own and once while a process spins the CPU: byte-identical plan.json,
    because the deterministic budgets, not the wall clock, end each search."""
    sc = _searching()
    quiet = solve(sc, time_limit=10, seed=5, workers=1)
    assert max(modelled) >= 2  # searches in two processes
    spinner = subprocess.Popen([sys.executable, "-c", SPIN])
    try:
        busy = solve(_searching(), time_limit=10, seed=5, workers=1)
    finally:
        spinner.kill()
        spinner.wait()
    check_plan(sc, quiet.plan)
    fired = (quiet.wall_clock_fired, busy.wall_clock_fired)
    assert quiet.plan.to_json().encode("utf-8") == busy.plan.to_json().encode("utf-8"), f"fired: {fired}"


@pytest.mark.usefixtures("patient")
def test_same_plan_in_one_process_and_in_two(modelled):
    """The pools solved in this process, then in two spawned processes: the same plan.json."""
    sc = _searching()
    here = solve(sc, time_limit=10, seed=2, workers=2, processes=1)
    apart = solve(_searching(), time_limit=10, seed=2, workers=2, processes=2)
    assert max(modelled) >= 2  # the second solve's searches ran in the spawned processes
    fired = (here.wall_clock_fired, apart.wall_clock_fired)
    assert here.plan.to_json() == apart.plan.to_json(), f"wall clock fired: {fired}"
    assert here.plan.visits


@pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="the optional extra [ray] is not installed"
)
@pytest.mark.usefixtures("patient")
def test_same_plan_on_a_local_ray_runtime(modelled):
    """One process against a local Ray runtime (``--ray local``): the same plan.json."""
    sc = _searching("national", 240)
    here = solve(sc, time_limit=6, seed=2, workers=1, processes=1)
    on_ray = solve(_searching("national", 240), time_limit=6, seed=2, workers=1, ray="local")
    assert min(modelled) >= 2  # both groups searched, on Ray the second time
    fired = (here.wall_clock_fired, on_ray.wall_clock_fired)
    assert here.plan.to_json() == on_ray.plan.to_json(), f"wall clock fired: {fired}"


def test_wall_clock_last_resort_is_reported(monkeypatch):
    """When the wall clock, not the budget, ends a search, the result and its summary say so; the
    groups it reached before they started build no model and keep their valid greedy plan (groups
    that would search: a group at its bound timed by the heuristic has no search to stop)."""
    monkeypatch.setattr(executor, "PACED_FINISH_PAIRS", 10**9)
    monkeypatch.setattr(executor, "FINISH_LEAST", 0.0)
    monkeypatch.setattr(executor, "last_resort", lambda started, limit: started)  # already past
    built = []
    monkeypatch.setattr("scheduler.solve.build_variables", lambda *a, **k: built.append(a) or None)
    result = solve(_round(), time_limit=3, seed=1, workers=1)
    assert result.wall_clock_fired and result.kept_groups == 2 and not built
    assert "机器过于繁忙" in result.summary() and "2 组专家库未经求解器优化" in result.summary()
    check_plan(_round(), result.plan)
    assert not result.plan.unscheduled


@pytest.mark.usefixtures("patient")
def test_a_group_the_last_resort_has_not_reached_is_searched(monkeypatch):
    """Only the groups whose start comes after the last resort keep the greedy plan: with the
    first group started in time and the second after it, one group is kept."""
    monkeypatch.setattr(executor, "PACED_FINISH_PAIRS", 10**9)  # groups that search
    monkeypatch.setattr(executor, "FINISH_LEAST", 0.0)
    real = executor.solve_pool
    seen = []

    def late_second(instance, job, *args, **kwargs):
        seen.append(job.index)
        if job.index == 1:
            job = replace(job, deadline=0.0)
        return real(instance, job, *args, **kwargs)

    monkeypatch.setattr(executor, "solve_pool", late_second)
    result = solve(_round(), time_limit=6, seed=1, workers=1)
    assert seen == [0, 1] and result.kept_groups == 1 and result.wall_clock_fired
    check_plan(_round(), result.plan)


def test_groups_the_time_plan_cannot_build_keep_their_greedy_plan():
    """When the models of all groups would take more than MODEL_SHARE of the usable time, groups are
    admitted in order while they fit, searched groups before those at their bound; the others get
    no budget. Decided from sizes alone."""
    usable = 10.0 * executor.USABLE_SHARE
    big = int(executor.MODEL_SHARE * usable / executor.MODEL_SECONDS_PER_PAIR * 0.6)
    sized = executor.budgets(10.0, [big, big, big], [True, False, False])
    assert sized[0] == (0.0, 0.0) and sized[2] == (0.0, 0.0)
    assert sized[1][0] > 0.0 and sized[1][1] > 0.0
    assert sized == executor.budgets(10.0, [big, big, big], [True, False, False])


def test_a_group_leaving_visits_out_weighs_more_in_the_time_plan():
    """Objective 1 before objective 2: a group whose start plan leaves visits out gets SHORT_WEIGHT
    times the search of a group of its size that only balances loads; without such groups nothing
    changes."""
    plain = executor.budgets(60.0, [1000, 1000], [False, False])
    weighed = executor.budgets(60.0, [1000, 1000], [False, False], short=[True, False])
    assert plain == executor.budgets(60.0, [1000, 1000], [False, False], short=[False, False])
    assert weighed[0][0] == pytest.approx(executor.SHORT_WEIGHT * weighed[1][0])
    assert weighed[0][0] + weighed[1][0] == pytest.approx(plain[0][0] + plain[1][0])


def test_a_group_timed_by_the_heuristic_gets_no_finishing_budget():
    """A group whose finishing stage is not a search (``searched`` False: pace even and a large group)
    gets no finishing budget; searched, all its seconds go to stage 1; at its bound it needs no model,
    so it is not admitted and the other groups share its seconds."""
    pairs = [4000, 4000, 4000]
    every = executor.budgets(60.0, pairs, [False, False, True])
    some = executor.budgets(60.0, pairs, [False, False, True], searched=[True, False, False])
    assert some[1][1] == 0.0 and some[2] == (0.0, 0.0)
    assert some[0][1] == every[0][1] and some[0][0] > every[0][0]
    assert some[1][0] > every[1][0] > 0.0
    assert every == executor.budgets(60.0, pairs, [False, False, True], searched=[True, True, True])


@pytest.mark.usefixtures("patient")
def test_large_groups_paced_even_are_timed_without_a_finishing_model(monkeypatch):
    """Under pace even a group above PACED_FINISH_PAIRS is timed by the heuristic (``pacing.settle``)
    without the finishing model; groups at their bound build no model at all, and none is reported as
    kept without the solver. The plan meets every rule and visits every institution."""
    monkeypatch.setattr(executor, "PACED_FINISH_PAIRS", 0)
    finishing = []
    real = stages.finish_early
    monkeypatch.setattr(stages, "finish_early", lambda *a, **k: finishing.append(a) or real(*a, **k))
    result = solve(_round(), time_limit=3, seed=1, workers=1)
    assert not finishing and result.kept_groups == 0 and not result.wall_clock_fired
    check_plan(_round(), result.plan)
    assert not result.plan.unscheduled


@pytest.mark.usefixtures("patient")
def test_a_group_without_budget_is_kept_without_the_wall_clock(monkeypatch):
    """A group the time plan cannot afford builds no model and keeps its valid greedy plan; the wall
    clock did not fire, so the plan is the same on any machine."""
    monkeypatch.setattr(executor, "budgets", lambda limit, pairs, done, **kw: [(0.0, 0.0)] * len(pairs))
    monkeypatch.setattr("scheduler.stages.greedy_at_bound", lambda *a, **k: False)  # both would search
    result = solve(_round(), time_limit=3, seed=1, workers=1)
    assert result.kept_groups == 2 and not result.wall_clock_fired
    check_plan(_round(), result.plan)
    assert not result.plan.unscheduled


def test_a_stage_one_search_runs_the_tasks_its_budget_counts():
    """Stage 1 runs at most the batches of tasks its budget counts (at least one): TASKS_PER_UNIT per
    unit and those TASKS_ONLY_SHARE of its seconds pays for; each task's set-up grows with the group,
    so a unit costs more in a larger group and buys fewer tasks there, and the search with all its
    tasks costs what the time plan counts (``unit_seconds``), give or take one batch."""
    assert executor.batches(0.0, 1000) == 1
    assert executor.batches(0.5, 1000) <= executor.batches(1.0, 1000) < executor.batches(3.0, 1000)
    assert executor.batches(1.0, 100) > executor.batches(1.0, 5000)
    assert executor.unit_seconds(1.0, 1, 1, 100) < executor.unit_seconds(1.0, 1, 1, 5000)
    assert executor.unit_seconds(1.0, 1, 2, 100) == executor.unit_seconds(1.0, 1, 2, 5000)
    assert executor.units(executor.unit_seconds(0.7, 1, 1, 3000), 1, 1, 3000) == pytest.approx(0.7)
    for budget, pairs in [(0.2, 600), (1.4, 3248), (1.2, 5298), (0.05, 20_000)]:
        task = executor.TASK_SECONDS_PER_PAIR * pairs
        tasks = executor.batches(budget, pairs) * executor.INTERLEAVE_BATCH
        cost = budget * executor.SECONDS_PER_UNIT[1] + tasks * task
        assert cost <= executor.unit_seconds(budget, 1, 1, pairs) + executor.INTERLEAVE_BATCH * task + 1e-9


@pytest.mark.usefixtures("patient")
def test_a_search_its_batches_end_has_spent_its_budget(monkeypatch):
    """A stage-1 search its batches of tasks end before its deterministic budget has spent it all
    (nothing of it goes to other groups' second searches); only a proof leaves budget unspent."""
    from scheduler import cpsat

    monkeypatch.setattr(executor, "TASKS_PER_UNIT", 1e-9)  # one batch, whatever the budget
    # one stage-1 search per group: no descent, no teams first
    monkeypatch.setattr(stages, "DESCENT_SHARE", 0.0)
    monkeypatch.setattr(stages, "teams_first", lambda *a, **k: (None, 0.0, False))
    searches = []
    real_until = cpsat.solve_until

    def until(solver, cp, deadline, callback=None):
        status, fired = real_until(solver, cp, deadline, callback)
        searches.append((solver.parameters.max_num_deterministic_batches, status, solver.deterministic_time))
        return status, fired

    monkeypatch.setattr(cpsat, "solve_until", until)
    pools = []
    real_pool = executor.solve_pool

    def pool(instance, job, *args, **kwargs):
        pools.append((job, real_pool(instance, job, *args, **kwargs)))
        return pools[-1][1]

    monkeypatch.setattr(executor, "solve_pool", pool)
    result = solve(_searching(), time_limit=30, seed=1, workers=1, processes=1)
    check_plan(_searching(), result.plan)
    first = [(status, det) for batches, status, det in searches if batches > 0]  # stage 1 only
    assert all(batches in (0, 1) for batches, _, _ in searches)
    searched = [(job, r) for job, r in pools if job.search > 0 and not r.kept]  # one after another
    assert len(searched) == len(first) > 0
    for (job, r), (status, det) in zip(searched, first, strict=True):
        if status == cp_model.OPTIMAL:
            assert r.spent == pytest.approx(det, abs=1e-6)
        else:
            assert r.spent == round(max(det, job.search), executor.SPENT_DIGITS)
    # at least one search was ended by its batch, before its deterministic budget
    assert any(det < job.search for (job, _), (_, det) in zip(searched, first, strict=True))


@pytest.mark.usefixtures("patient")
def test_the_descent_lowers_a_pools_heaviest_load_and_counts_its_time(monkeypatch):
    """Given all of stage 1's budget, the descent (``stages.descend``) lowers some one-pool group of the
    hospital test round below its start plan's heaviest load (35 to 34 days at this writing) with
    every visit placed; what it spends
    is counted in the group's spent time; and the plan holds every rule."""
    monkeypatch.setattr(stages, "DESCENT_SHARE", 1.0)
    monkeypatch.setattr(executor, "RESCUE_ABOVE", 100.0)  # no rescue after the search
    calls = []
    real = stages.descend

    def descend(m, heaviest, lb, plan, *args, **kwargs):
        out = real(m, heaviest, lb, plan, *args, **kwargs)
        calls.append((m, lb, plan, out))
        return out

    monkeypatch.setattr(stages, "descend", descend)
    spent = []
    real_pool = executor.solve_pool

    def pool(instance, job, *args, **kwargs):
        result = real_pool(instance, job, *args, **kwargs)
        spent.append(result.spent)
        return result

    monkeypatch.setattr(executor, "solve_pool", pool)
    scenario = _searching()
    result = solve(scenario, time_limit=30, seed=1, workers=1, processes=1)
    check_plan(scenario, result.plan)
    lowered = 0
    for m, lb, start, (found, _, used, loaded, _) in calls:
        before = pooling.heaviest(m.instance, start)
        assert before > lb and loaded >= 1 and used > 0
        assert any(round(used, executor.SPENT_DIGITS) <= s for s in spent)
        if found is not None:
            assert {t.index for t in m.tasks} == set(found)  # every visit placed
            after = pooling.heaviest(m.instance, found)
            assert lb <= after < before
            lowered += 1
    assert lowered >= 1


@pytest.mark.usefixtures("patient")
def test_the_rescue_lowers_a_load_the_search_left_far_above_its_bound(monkeypatch):
    """With stage 1's searches given a fiftieth of their budgets and every pool above its bound
    rescued (``RESCUE_ABOVE`` 1), the rescue after the search (first ``scheduler.relieve`` on
    ``executor.RELIEVE_SHARE`` of its seconds, then CP-SAT's violation local search alone,
    ``stages.descend(..., locally=True)``, on what that left) lowers some one-pool group of the
    hospital test round below the plan its search ended on, every visit placed, within its budget
    (``executor.rescue_units`` of the group's stage-1 budget); the plan holds every rule and is the same
    in another run. Where no pool is that far above its bound (``RESCUE_ABOVE`` 100), no rescue runs."""
    real_budgets = executor.budgets
    monkeypatch.setattr(executor, "budgets", lambda *a, **k: [(s / 50, f) for s, f in real_budgets(*a, **k)])
    monkeypatch.setattr(executor, "RESCUE_SHARE", 50.0)  # the seconds the searches went without
    monkeypatch.setattr(executor, "RESCUE_ABOVE", 1.0)
    monkeypatch.setattr(stages, "DESCENT_SHARE", 0.0)  # the search alone before it
    calls = []
    real = stages.descend

    def descend(m, heaviest, lb, plan, hint, until, seed, workers, budget, pairs, locally=False):
        out = real(m, heaviest, lb, plan, hint, until, seed, workers, budget, pairs, locally=locally)
        calls.append((locally, m, lb, plan, budget, pairs, out))
        return out

    monkeypatch.setattr(stages, "descend", descend)
    first = []
    real_relieve = stages.relieve

    def relieve(m, heaviest, lb, plan, hint, until, seed, workers, budget, pairs, subsolvers):
        out = real_relieve(m, heaviest, lb, plan, hint, until, seed, workers, budget, pairs, subsolvers)
        first.append((m, lb, plan, budget, pairs, out))
        return out

    monkeypatch.setattr(stages, "relieve", relieve)
    jobs = []
    real_pool = executor.solve_pool

    def pool(instance, job, *args, **kwargs):
        jobs.append(job)
        return real_pool(instance, job, *args, **kwargs)

    monkeypatch.setattr(executor, "solve_pool", pool)
    scenario = _searching()
    result = solve(scenario, time_limit=30, seed=1, workers=1, processes=1)
    check_plan(scenario, result.plan)
    rescues = [c for c in calls if c[0]]
    assert first and len(rescues) <= len(first)
    searched = {round(job.search, 9) for job in jobs if job.search > 0}
    lowered = 0
    for m, lb, start, budget, pairs, (found, used, _) in first:
        before = pooling.heaviest(m.instance, start)
        assert before > lb and 0 < used <= budget + 1e-9
        seconds = [executor.rescue_units(s, 1, pairs) * executor.LS_SECONDS_PER_UNIT for s in searched]
        assert any(
            budget == pytest.approx(executor.units(s * executor.RELIEVE_SHARE, 1, 1, pairs)) for s in seconds
        )
        if found is not None:
            assert {t.index for t in m.tasks} == set(found)  # every visit placed
            assert lb <= pooling.heaviest(m.instance, found) < before
            lowered += 1
        # the local search gets the rescue's seconds the first step left, from its plan
        rest = [
            (s - executor.unit_seconds(used, 1, 1, pairs)) / executor.LS_SECONDS_PER_UNIT for s in seconds
        ]
        after = [c for c in rescues if c[1] is m]
        for _, _, _, plan, ls_budget, _, (ls_found, _, ls_used, _, _) in after:
            assert plan == (found if found is not None else start)
            assert any(ls_budget == pytest.approx(r) for r in rest) and 0 <= ls_used <= ls_budget + 1e-9
            if ls_found is not None:
                assert {t.index for t in m.tasks} == set(ls_found)
                assert lb <= pooling.heaviest(m.instance, ls_found) < pooling.heaviest(m.instance, plan)
                lowered += 1
    assert lowered >= 1
    again = solve(scenario, time_limit=30, seed=1, workers=1, processes=1)
    assert again.plan.to_json() == result.plan.to_json()

    calls.clear()
    monkeypatch.setattr(executor, "RESCUE_ABOVE", 100.0)
    solve(scenario, time_limit=30, seed=1, workers=1, processes=1)
    assert calls == [] or not any(locally for locally, *_ in calls)


def _job(index: int, search: float, tasks: int = 3) -> executor.PoolJob:
    return executor.PoolJob(
        index=index,
        tasks=tuple(range(index * 10, index * 10 + tasks)),
        pools=(),
        targets=(),
        start=(),
        search=search,
        finish=0.2,
        seed=index,
        workers=1,
        deadline=0.0,
    )


def _result(index: int, spent: float, load: int, bound: int, visits: int = 3, **kw) -> executor.PoolResult:
    values = tuple((index * 10 + t, None) for t in range(visits))
    name = f"max_load[{index}]"
    return executor.PoolResult(
        index=index,
        values=values,  # type: ignore[arg-type]
        optimal=False,
        loads=((name, load),),
        bounds=((name, bound),),
        feasible=True,
        wall_clock_fired=False,
        spent=spent,
        **kw,
    )


def test_unspent_budget_is_counted_from_deterministic_time():
    """What a search proving its plan optimal leaves of its stage-1 budget; a search past its budget
    leaves nothing, a group without search or kept without a model counts nothing."""
    jobs = [_job(0, 2.0), _job(1, 1.0), _job(2, 0.0), _job(3, 1.5)]
    results = [
        _result(0, 0.5, 10, 10),
        _result(1, 1.2, 12, 10),
        _result(2, 0.0, 9, 9),
        _result(3, 0.0, 9, 9, kept=True),
    ]
    pairs = [100, 200, 300, 400]
    assert executor.unspent(jobs, results, pairs) == pytest.approx(executor.unit_seconds(1.5, 1, 1, 100))
    assert executor.again(0.0, [1000], [0.2]) == [0.0]
    left = 40.0
    shared = executor.again(left, [1000, 3000], [0.2, 0.2])
    seconds = [executor.unit_seconds(u, 1, 1, p) for u, p in zip(shared, [1000, 3000], strict=True)]
    assert seconds[1] == pytest.approx(3 * seconds[0]) and shared[0] > 0
    costs = sum(
        executor.model_seconds(p) + executor.group_work(p) * executor.IMPROVE_SECONDS_PER_UNIT
        for p in (1000, 3000)
    )
    costs += 2 * executor.unit_seconds(0.2, 1, 2)
    assert sum(seconds) + costs == pytest.approx(left)


def test_a_search_reporting_its_rounded_budget_has_spent_it_all():
    """A search its batches ended reports its budget as spent, counted to SPENT_DIGITS: that rounding
    leaves nothing unspent, and the group still searches again when above its bound."""
    from scheduler import solve as solve_module

    budget = 0.0813661199936339  # rounds down
    jobs = [_job(0, budget), _job(1, 1.0)]
    first = [_result(0, round(budget, executor.SPENT_DIGITS), 12, 10), _result(1, 0.4, 9, 9)]
    assert executor.left_of(jobs[0], first[0]) == 0.0
    assert executor.left_of(jobs[1], first[1]) == pytest.approx(0.6)
    asked = []
    solve_module._search_again(jobs, first, [100, 100], lambda second: asked.extend(second) or [])
    assert [job.index for job in asked] == [0]


def test_groups_above_their_bound_search_again_on_what_others_left(monkeypatch):
    """Only a group that spent its whole stage-1 budget and left a pool above its bound searches
    again, from its first plan and on the budget the others left; its second plan is kept when it
    is lighter, the first when the second is not."""
    from scheduler import solve as solve_module

    jobs = [_job(0, 2.0), _job(1, 1.0), _job(2, 1.0)]
    # group 0 proved 11 optimal within its budget (its bound is weak): it is not searched again
    first = [_result(0, 0.2, 11, 10), _result(1, 1.1, 12, 10), _result(2, 1.0, 15, 11)]
    asked = []

    def run(second):
        asked.extend(second)
        return [_result(1, 1.0, 11, 10), _result(2, 1.0, 16, 11)]

    out = solve_module._search_again(jobs, first, [100, 100, 100], run)
    assert [job.index for job in asked] == [1, 2]
    assert all(job.start == first[job.index].values for job in asked)
    left = executor.unit_seconds(1.8, 1, 1, 100)
    assert asked[0].search == pytest.approx(executor.again(left, [100, 100], [0.2, 0.2])[0])
    assert out[0] is first[0] and out[2] is first[2]
    assert dict(out[1].loads) == {"max_load[1]": 11}
    none_left = [_result(0, 2.0, 11, 10), *first[1:]]
    asked.clear()
    assert solve_module._search_again(jobs, none_left, [100] * 3, run) == none_left
    assert asked == []


def test_a_second_search_reads_each_result_beside_its_own_job():
    """The jobs run in the time plan's order (groups leaving visits out first), not the groups'; the
    results come back in the jobs' order, so the second search sees each group's own result and a
    second plan replaces its own group's first plan, never another's."""
    from scheduler import solve as solve_module

    jobs = [_job(2, 1.0), _job(0, 2.0), _job(1, 1.0)]
    first = [_result(2, 1.0, 15, 11), _result(0, 0.2, 11, 10), _result(1, 1.1, 12, 10)]
    asked = []

    def run(second):
        asked.extend(job.index for job in second)
        return [_result(2, 1.0, 12, 11), _result(1, 1.0, 11, 10)]

    out = solve_module._search_again(jobs, first, [100, 100, 100], run)
    assert asked == [2, 1]
    assert [r.index for r in out] == [2, 0, 1]
    assert dict(out[0].loads) == {"max_load[2]": 12} and out[1] is first[1]
    assert dict(out[2].loads) == {"max_load[1]": 11}


def test_results_come_back_in_the_jobs_order(monkeypatch):
    """Here and in processes alike, whatever the groups' order."""
    monkeypatch.setattr(executor, "solve_pool", lambda instance, job, *a: _result(job.index, 0.0, 1, 1))
    jobs = [_job(2, 0.0), _job(0, 0.0), _job(1, 0.0)]
    with executor.Runner(None, processes=1) as runner:  # type: ignore[arg-type]
        assert [r.index for r in runner.run(jobs)] == [2, 0, 1]
        assert [r.index for r in runner.run(jobs[1:])] == [0, 1]


@pytest.mark.usefixtures("patient")
def test_a_search_never_ends_on_fewer_visits_than_its_start_plan(monkeypatch):
    """Stage 1 returns the group's start plan rather than a searched plan with fewer visits (one that
    a search ended by its budget before it found its hint again may be): here every plan stage 1
    reads loses one visit, and the round is still planned whole, every rule held."""
    from scheduler import cpsat

    real = cpsat.read

    def losing(m, solver):
        plan = real(m, solver)
        if sys._getframe(1).f_code.co_name in ("solve_group", "descend") and plan:
            del plan[max(plan)]
        return plan

    monkeypatch.setattr(cpsat, "read", losing)
    scenario = _searching()
    result = solve(scenario, time_limit=30, seed=1, workers=1, processes=1)
    check_plan(scenario, result.plan)
    assert not result.plan.unscheduled
