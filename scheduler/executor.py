"""Where independent pools are solved: in the calling process, in local processes, or on Ray.

One seam (:func:`run_pools`): plain pool data in (:class:`PoolJob`, picklable values: task and
expert indices, the greedy's assignments, budgets and a seed), plain assignments out
(:class:`PoolResult`); no CP-SAT object crosses a process or machine boundary. The integer
:class:`~scheduler.instance.Instance` (plain Python values) is shipped once per process or, on Ray,
put once in the object store.

Determinism (SPEC §5: the same plan whatever the load and whatever the number of processes): each
pool's budgets are *deterministic* CP-SAT time (``max_deterministic_time``), sized by
:func:`budgets` from the time limit and the pools' sizes before any solving starts and never changed
from wall time measured during the run; each pool's seed comes from the run's seed and the pool's
index; CP-SAT runs its interleaved search with a fixed number of workers and batch size, whatever
the process count (:func:`workers_per_pool`); results are merged in pool order. The wall clock is only
a last resort (:func:`last_resort`), and when it stops a search the run says so
(``wall_clock_fired``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context

from scheduler.greedy import Assignment, QuotaTarget
from scheduler.instance import Instance

Progress = Callable[[float, float, float], None]  # as scheduler.solve.Progress

# Deterministic CP-SAT time granted per second of the time limit left for search. Measured here,
# CP-SAT's deterministic time runs at about 0.45 units per CPU second on these models, so 0.4 fills
# most of the limit on an idle machine and leaves the 1.5× last resort for a machine about twice as
# busy; beyond that the wall clock fires and says so.
DETERMINISTIC_PER_SECOND = 0.4
# Estimated seconds of Python model building per (visit, candidate expert) pair, both stages together,
# counted inside the time limit before budgets are sized (measured on the province benchmark, ~1e-4).
BUILD_SECONDS_PER_PAIR = 1.5e-4
# Share of the time limit the pools may use: the rest is the instance, the greedy and the explanations.
SEARCH_SHARE = 0.8
# Of a pool's budget, the share of stage 1 (who visits what); the rest finishes early (stage 2).
STAGE_ONE = 0.75
# A pool whose greedy plan already meets its bound gets this fraction of a searched pool's weight.
AT_BOUND_WEIGHT = 0.05
# The fixed interleave batch of CP-SAT's deterministic search, so that the search does not depend on
# how many workers run it.
INTERLEAVE_BATCH = 4


@dataclass(frozen=True)
class PoolJob:
    """One independent group of pools to solve, as plain values."""

    index: int
    tasks: tuple[int, ...]
    pools: tuple[tuple[tuple[int, ...], tuple[int, ...]], ...]  # (task indices, expert indices)
    targets: tuple[tuple[int, tuple[int, ...], int], ...]  # R9: year, tasks that count, how many
    start: tuple[tuple[int, Assignment], ...]  # the greedy plan of these tasks
    search: float  # deterministic budget of stage 1 (0: the greedy plan is kept)
    finish: float  # deterministic budget of stage 2
    seed: int
    workers: int
    deadline: float  # wall-clock last resort, in epoch seconds (time.time())


@dataclass(frozen=True)
class PoolResult:
    """What solving one :class:`PoolJob` gave, as plain values."""

    index: int
    values: tuple[tuple[int, Assignment], ...]
    optimal: bool
    loads: tuple[tuple[str, int], ...]
    bounds: tuple[tuple[str, int], ...]
    feasible: bool
    wall_clock_fired: bool


def pool_seed(seed: int, index: int) -> int:
    """The CP-SAT seed of pool ``index``: fixed by the run's seed and the pool's place alone."""
    return (seed + 1_000_003 * index) % (2**31 - 1)


def budgets(time_limit: float, pairs: list[int], at_bound: list[bool]) -> list[tuple[float, float]]:
    """Per group, the deterministic budgets (stage 1, stage 2), from the time limit and sizes only.

    ``pairs`` is each group's number of (visit, candidate expert) pairs, ``at_bound`` whether its
    greedy plan already meets its bound (no stage-1 search). The estimated model building is taken
    off the time limit first; what is left is shared in proportion to size, with no minimum per
    group, so that many small groups never add up past the limit.
    """
    building = BUILD_SECONDS_PER_PAIR * sum(pairs)
    left = max(0.0, time_limit * SEARCH_SHARE - building) * DETERMINISTIC_PER_SECOND
    weights = [p * (AT_BOUND_WEIGHT if done else 1.0) for p, done in zip(pairs, at_bound, strict=True)]
    total = sum(weights) or 1.0
    out = []
    for w, done in zip(weights, at_bound, strict=True):
        share = left * w / total
        out.append((0.0, share) if done else (share * STAGE_ONE, share * (1 - STAGE_ONE)))
    return out


def last_resort(started_epoch: float, time_limit: float) -> float:
    """The wall-clock safety net (epoch seconds): 1.5 × the time limit plus a margin of 10 s (for
    starting processes on a busy machine)."""
    return started_epoch + 1.5 * time_limit + 10.0


def cores() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def default_processes(jobs: int) -> int:
    """As many processes as the machine's cores allow, never more than there are jobs."""
    return max(1, min(cores(), jobs))


def workers_per_pool(workers: int, groups: int) -> int:
    """CP-SAT workers of each group's searches: all ``workers`` for a round of one group, one each
    when there are several (which then run side by side in processes). Never the process count:
    CP-SAT's interleaved search gives other plans with other numbers of workers."""
    return max(1, workers) if groups <= 1 else 1


def solve_pool(
    instance: Instance, job: PoolJob, progress: Progress | None = None, started: float | None = None
) -> PoolResult:
    """Solve one job here (what every process, local or on Ray, runs); ``progress`` only in the
    calling process."""
    from scheduler.solve import _solve_group

    tasks = [instance.tasks[t] for t in job.tasks]
    group_pools = [(list(ts), list(es)) for ts, es in job.pools]
    targets: list[QuotaTarget] = [(year, list(ts), need) for year, ts, need in job.targets]
    deadline = time.monotonic() + (job.deadline - time.time())
    outcome = _solve_group(
        instance,
        tasks,
        group_pools,
        targets,
        dict(job.start),
        deadline,
        job.seed,
        job.workers,
        progress,
        time.monotonic() if started is None else started,
        budgets=(job.search, job.finish),
    )
    return PoolResult(
        index=job.index,
        values=tuple(sorted(outcome.values.items())),
        optimal=outcome.optimal,
        loads=tuple(outcome.loads.items()),
        bounds=tuple(outcome.pool_bounds.items()),
        feasible=outcome.feasible,
        wall_clock_fired=outcome.wall_clock_fired,
    )


_INSTANCE: Instance | None = None


def _init(instance: Instance) -> None:
    global _INSTANCE
    _INSTANCE = instance


def _solve_here(job: PoolJob) -> PoolResult:
    assert _INSTANCE is not None, "the process was started without its instance"
    return solve_pool(_INSTANCE, job)


def _solve_on_ray(instance: Instance, job: PoolJob) -> PoolResult:
    return solve_pool(instance, job)


class RayMissing(RuntimeError):
    """``--ray`` was asked for but the optional extra is not installed."""


def run_pools(
    instance: Instance,
    jobs: list[PoolJob],
    *,
    processes: int = 1,
    ray: str | None = None,
    done: Callable[[PoolResult], None] | None = None,
    progress: Progress | None = None,
    started: float | None = None,
) -> list[PoolResult]:
    """Solve ``jobs`` and return their results in the jobs' order (never in finishing order).

    ``processes`` 1 solves them one after another in this process; more uses a local pool of spawned
    processes; ``ray`` (an address, or ``"local"``) runs each job as a Ray task. ``done`` is called
    with each result as it comes; ``progress`` gets the solver's own reports, in this process only.
    """
    if ray is not None:
        results = _run_on_ray(instance, jobs, ray, done)
    elif processes <= 1 or len(jobs) <= 1:
        results = []
        for job in jobs:
            results.append(solve_pool(instance, job, progress, started))
            if done is not None:
                done(results[-1])
    else:
        with ProcessPoolExecutor(
            max_workers=min(processes, len(jobs)),
            mp_context=get_context("spawn"),
            initializer=_init,
            initargs=(instance,),
        ) as pool:
            futures = [pool.submit(_solve_here, job) for job in jobs]
            results = []
            for future in futures:
                results.append(future.result())
                if done is not None:
                    done(results[-1])
    return sorted(results, key=lambda r: r.index)


def _run_on_ray(
    instance: Instance, jobs: list[PoolJob], address: str, done: Callable[[PoolResult], None] | None
) -> list[PoolResult]:
    try:
        import ray
    except ImportError:
        raise RayMissing("未安装 Ray：请先安装可选组件 pip install 'inspection-planner[ray]'") from None
    started_here = not ray.is_initialized()
    starting = time.time()
    if started_here:
        ray.init(
            address=None if address == "local" else address,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    try:
        # starting a Ray runtime is not solving: the last resort moves by the time it took
        late = time.time() - starting
        jobs = [replace(job, deadline=job.deadline + late) for job in jobs]
        shared = ray.put(instance)
        remote = ray.remote(num_cpus=1)(_solve_on_ray)
        futures = [remote.remote(shared, job) for job in jobs]
        results = []
        for future in futures:
            results.append(ray.get(future))
            if done is not None:
                done(results[-1])
        return results
    finally:
        if started_here:
            ray.shutdown()
