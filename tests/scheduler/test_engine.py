"""The engine (``scheduler.executor``): deterministic budgets fixed before solving, the same plan
beside a busy competing process, and the same plan in one process, several, or on a local Ray
runtime (SPEC §5's last line, issue 13 items 3 and 5)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from benchmarks.generate import generate
from scheduler import executor
from scheduler.instance import build_instance
from scheduler.solve import _groups, solve
from tests.scheduler.conftest import check_plan

SPIN = "import time\nend = time.time() + 600\nwhile time.time() < end:\n    pass\n"


def _round():
    """A grassroots round of 240 institutions in two prefectures: two independent pools."""
    return generate("national", 0, size=240)


def test_two_pools_in_the_test_round():
    sc = _round()
    assert len(_groups(build_instance(sc, announce=sc.params.start, followups=True, seed=0))) == 2


def test_budgets_depend_on_the_time_limit_and_sizes_only():
    """Shared in proportion to size, no minimum per pool (many pools never add up past the limit),
    pools the greedy already solved get no stage-1 search, and model building is taken off first."""
    sized = executor.budgets(10.0, [1000, 3000, 500], [False, False, True])
    assert sized == executor.budgets(10.0, [1000, 3000, 500], [False, False, True])
    assert sized[2][0] == 0.0 and sized[2][1] > 0.0
    assert sized[1][0] == pytest.approx(3 * sized[0][0])
    total = sum(a + b for a, b in sized)
    building = executor.BUILD_SECONDS_PER_PAIR * 4500
    assert total == pytest.approx(
        (10.0 * executor.SEARCH_SHARE - building) * executor.DETERMINISTIC_PER_SECOND
    )
    many = executor.budgets(10.0, [20] * 400, [False] * 400)
    assert sum(a + b for a, b in many) <= 10.0 * executor.SEARCH_SHARE * executor.DETERMINISTIC_PER_SECOND
    assert executor.budgets(1.0, [10**6], [False]) == [(0.0, 0.0)]  # building alone fills the limit


def test_pool_seeds_depend_on_the_seed_and_the_pool_only():
    assert executor.pool_seed(3, 0) == 3
    assert len({executor.pool_seed(3, g) for g in range(50)}) == 50
    assert all(0 <= executor.pool_seed(2**31, g) < 2**31 for g in range(5))


def test_same_plan_beside_a_busy_competing_process():
    """Solved once on its own and once while a process spins the CPU: byte-identical plan.json,
    because the deterministic budgets, not the wall clock, end each search."""
    sc = _round()
    quiet = solve(sc, time_limit=3, seed=5, workers=1)
    spinner = subprocess.Popen([sys.executable, "-c", SPIN])
    try:
        busy = solve(_round(), time_limit=3, seed=5, workers=1)
    finally:
        spinner.kill()
        spinner.wait()
    check_plan(sc, quiet.plan)
    fired = (quiet.wall_clock_fired, busy.wall_clock_fired)
    assert quiet.plan.to_json().encode("utf-8") == busy.plan.to_json().encode("utf-8"), f"fired: {fired}"


def test_same_plan_in_one_process_and_in_two():
    """The pools solved in this process, then in two spawned processes: the same plan.json."""
    sc = _round()
    here = solve(sc, time_limit=3, seed=2, workers=2, processes=1)
    apart = solve(_round(), time_limit=3, seed=2, workers=2, processes=2)
    fired = (here.wall_clock_fired, apart.wall_clock_fired)
    assert here.plan.to_json() == apart.plan.to_json(), f"wall clock fired: {fired}"
    assert here.plan.visits


@pytest.mark.skipif(
    importlib.util.find_spec("ray") is None, reason="the optional extra [ray] is not installed"
)
def test_same_plan_on_a_local_ray_runtime():
    """One process against a local Ray runtime (``--ray local``): the same plan.json."""
    sc = _round()
    here = solve(sc, time_limit=3, seed=2, workers=1, processes=1)
    on_ray = solve(_round(), time_limit=3, seed=2, workers=1, ray="local")
    fired = (here.wall_clock_fired, on_ray.wall_clock_fired)
    assert here.plan.to_json() == on_ray.plan.to_json(), f"wall clock fired: {fired}"


def test_wall_clock_last_resort_is_reported(monkeypatch):
    """When the wall clock, not the budget, ends a search, the result and its summary say so."""
    monkeypatch.setattr(executor, "last_resort", lambda started, limit: started)  # already past
    result = solve(_round(), time_limit=3, seed=1, workers=1)
    assert result.wall_clock_fired
    assert "机器过于繁忙" in result.summary()
    check_plan(_round(), result.plan)
