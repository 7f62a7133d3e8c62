"""Solve strategy: greedy hint, independent groups, lexicographic objectives.

1. Build the integer instance and a complete greedy plan (``scheduler.greedy``).
2. Split the visits into groups that share no expert (and no quota or office
   capacity), so that each group is a small model and each pool of experts that
   can stand in for one another (``scheduler.pooling``) is judged on its own.
3. Per group (``scheduler.stages``; this module sizes each group's budgets and
   ``scheduler.executor`` runs them), stage 1: a one-pool group whose greedy plan is complete first
   descends: a short feasibility search per step asks for the same visits with
   the pool's heaviest load one day lower, until a step fails or is proven
   impossible (a tenth of the group's budget). Then schedule as many visits as
   possible, then make the heaviest load of every pool as low as possible
   (weighted so that one more visit always outweighs any load; a plan no
   better than the descent's is not kept), then the days each expert works above
   the pool's bound (a gradient for the search's neighbourhoods); where a one-pool
   group's heaviest load is still more than 10 % above its bound, CP-SAT's violation
   local search alone descends from that plan (the rescue). Stage 2:
   keep those, finish as early as possible. Each stage starts from the
   previous plan as a complete hint. Groups still above their bound after
   both search again on the budget other groups left unspent.

Determinism: a fixed seed, a stable model-building order, interleaved search
and a deterministic time budget; the wall-clock limit is only a safety net.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from enum import Enum

from constraints import lead_time
from constraints.registry import post_all
from inputs.scenario import Scenario
from scheduler import executor, followups, pacing, pooling, stages
from scheduler.executor import Progress
from scheduler.greedy import Assignment, QuotaTarget, greedy, quota_targets
from scheduler.improve import MAX_PAIRS, Work, improve
from scheduler.instance import PRUNE_PAIRS, Instance, build_instance, first_visits, prune
from scheduler.milestones import milestones
from scheduler.model import build_variables
from scheduler.parts import visit_parts
from scheduler.plan import Plan, Unscheduled, Visit, plan_status
from scheduler.pooling import pool_name, pools
from scheduler.quota_caps import caps_for, largest_remainder
from scheduler.shares import Group, able_per_group, grouped, inside_per_group, quotas_met

# The summary's note when the wall-clock last resort, not a deterministic budget, ended a search
# (solve and replan alike).
WALL_CLOCK_NOTE = (
    "。注意：机器过于繁忙，求解因超出时限的安全上限而提前停止，本次计划可能与空闲时相同输入和种子的计划不同"
)


class SolveStatus(Enum):
    OPTIMAL = "optimal"
    FEASIBLE = "feasible"
    PARTIAL = "partial"
    INFEASIBLE = "infeasible"


@dataclass
class Result:
    status: SolveStatus
    plan: Plan
    objective: dict[str, float] = field(default_factory=dict)
    bound: dict[str, float] = field(default_factory=dict)
    wall_time: float = 0.0
    breakdown: dict[str, int] = field(default_factory=dict)  # named terms: load(pool=…), …
    # the wall-clock last resort ended some search: this plan may differ from a run on an idle machine
    wall_clock_fired: bool = False
    # groups solved without a model (no room in the time plan, or the last resort came before they
    # started): they keep the greedy plan
    kept_groups: int = 0

    def summary(self) -> str:
        from outputs.labels import counts_text, status_word

        return (
            f"状态：{status_word(self.status.value)}；{counts_text(self.plan)}；用时 {self.wall_time:.1f} 秒"
            + (WALL_CLOCK_NOTE if self.wall_clock_fired else "")
            + (
                f"；{self.kept_groups} 组专家库未经求解器优化，沿用初始方案（符合全部规则；"
                "加大 --time-limit 可让求解器优化它们）"
                if self.kept_groups
                else ""
            )
        )


# -- the start plan ------------------------------------------------------------


def _start_plan(
    instance: Instance,
    targets: list[QuotaTarget],
    found: list[tuple[list[int], list[int]]] | None = None,
    work: Work | None = None,
) -> dict[int, Assignment]:
    """The complete plan every search starts from: the greedy's, with each pool's heaviest load
    lowered by the local search of ``scheduler.improve`` where moves of members allow, within
    ``work`` (default: unbounded). ``found``: the round's pools, when known."""
    if found is None:
        found = pools(instance, instance.tasks)
    bounds = pooling.floors(instance, found)
    return improve(instance, greedy(instance, targets), found, bounds, targets, work=work)


# -- the whole round -----------------------------------------------------------


def _groups(instance: Instance) -> list[Group]:
    """Independent parts of the round; one part when the office's capacity (R10) ties them together."""
    return grouped(instance, pools(instance, instance.tasks))


# Times at most the start plan is made again with a quota's shortfall shared anew (:func:`_start`).
RESHARES = 3


def _start(instance: Instance, work: Work | None = None) -> tuple[list[Group], dict[int, Assignment]]:
    """The groups and the start plan, with each group's share of a yearly quota (R9) one its start
    plan meets wherever the round as a whole allows it.

    The shares start in proportion to what each group can meet (``shares.split_quota``). A group whose
    start plan falls short of its share (its experts are too few or too capped in that year) passes
    the rest to the groups whose start plans lie in that year beyond their own shares; only when
    those, together, do not cover the quota is the shortfall shared anew among the groups that met
    their shares and could take more, and the start plan made again (at most :data:`RESHARES`
    times). So the groups' models start from plans that meet their shares, and no group is asked
    for what another group's plan already gives the round. Deterministic: from the round alone.
    ``work`` bounds the local search on every start plan made (``scheduler.improve``) and counts what
    it spent.
    """
    all_pools = pools(instance, instance.tasks)
    groups = grouped(instance, all_pools)
    targets = quota_targets(instance)
    if len(groups) <= 1 or not targets:
        return groups, _start_plan(instance, [q for _, _, own in groups for q in own], all_pools, work)
    members = [set(ts) for ts, _ in all_pools]
    able = [able_per_group(instance, target, members) for target in targets]
    first = [largest_remainder(need, row, row) for (_, _, need), row in zip(targets, able, strict=True)]
    wanted = first
    for attempt in range(RESHARES + 1):
        groups = grouped(instance, all_pools, wanted)
        plan = _start_plan(instance, [q for _, _, own in groups for q in own], all_pools, work)
        got = [inside_per_group(instance, plan, target, members) for target in targets]
        short = [need - sum(row) for (_, _, need), row in zip(targets, got, strict=True)]
        if all(s <= 0 for s in short) or attempt == RESHARES:
            break
        again = []
        for q, missing in enumerate(short):
            if missing <= 0:
                again.append(wanted[q])
                continue
            # the groups that met their shares and could lie more in the year take the rest
            room = [a - g if g >= w else 0 for a, g, w in zip(able[q], got[q], wanted[q], strict=True)]
            extra = largest_remainder(missing, room, room)
            if sum(extra) < missing:  # no group can take it: keep shares that add up to the quota
                again.append(wanted[q])
                continue
            again.append([g + e for g, e in zip(got[q], extra, strict=True)])
        if again == wanted:
            break
        wanted = again
    shares = []
    for q, ((_, _, need), row) in enumerate(zip(targets, got, strict=True)):
        if need - sum(row) > 0:  # the start plan misses the quota: the groups' models must find more
            shares.append(wanted[q])
            continue
        # no more than each group's start plan gives, as close to the first shares as it allows
        base = [min(f, g) for f, g in zip(first[q], row, strict=True)]
        surplus = [g - b for g, b in zip(row, base, strict=True)]
        extra = largest_remainder(need - sum(base), surplus, surplus)
        shares.append([b + e for b, e in zip(base, extra, strict=True)])
    return grouped(instance, all_pools, shares), plan


def _solve_groups(
    instance: Instance,
    groups: list[Group],
    start_plan: dict[int, Assignment],
    engine: Engine,
    seed: int,
    workers: int,
    progress: Progress | None,
    started: float,
    work: Work | None = None,
) -> Solved:
    """Solve the groups (``scheduler.executor``: here, in processes or on Ray).

    Each group's deterministic budgets are fixed here, before any solving, from ``engine``'s time
    limit and the groups' sizes (groups the greedy already solved to their bound get only a small
    finishing stage), so the plan never depends on the machine's load or the number of processes.
    Large groups are solved on pruned candidate lists (:func:`_pruned`), where the local search
    lowers their start plans first, with what is left of ``work`` (the start plan's work budget).
    """
    live = [g for g, (tasks, _, _) in enumerate(groups) if tasks]
    # groups whose start plan leaves visits out come first, so the time plan admits their models
    # before those of groups that only balance loads (objective 1 before objective 2)
    live.sort(key=lambda g: (all(t.index in start_plan for t in groups[g][0]), g))
    solving = _pruned(instance, groups, live, start_plan)
    if work is not None and solving is not instance:
        start_plan = _improve_pruned(instance, solving, [groups[g] for g in live], start_plan, work)
        engine = replace(engine, improved=work.spent)
    pairs = [pooling.pairs(solving.tasks[t.index] for t in groups[g][0]) for g in live]
    # CP-SAT's search depends on its number of workers, so that number must not depend on how many
    # processes run: one group gets all ``workers``; several get one each and run side by side
    per_pool = executor.workers_per_pool(workers, len(live))
    done = []
    short = []  # whose start plan leaves visits out (objective 1 before objective 2)
    floors = []  # each pool's lower bound, from the whole candidate lists (not the pruned ones); a pool
    # no plan can make whole: that of plans making as many of its visits as the start plan
    # where the start plan is above a pool's relaxed bound, the bound in whole shares, within its budget
    # (``executor.BOUND_SHARE``), its cost charged to the time plan from its deterministic time
    left = executor.BOUND_SHARE * engine.time_limit
    until = executor.monotonic(engine.deadline)
    bounded = 0.0
    for g in live:
        tasks, group_pools, targets = groups[g]
        seeded = {t.index: start_plan[t.index] for t in tasks if t.index in start_plan}
        floor, used, tried = pooling.raised(
            instance,
            group_pools,
            pooling.floors(instance, group_pools),
            seeded,
            left,
            (executor.BOUND_MOST, executor.TEAM_MOST),
            until,
        )
        used = round(used, executor.SPENT_DIGITS)  # CP-SAT's count, to the digits it repeats
        left -= used
        bounded += executor.bound_seconds(used, tried)
        floor = pooling.made_floors(instance, group_pools, floor, seeded)
        floors.append(floor)
        short.append(len(seeded) < len(tasks))
        done.append(
            quotas_met(instance, seeded, targets)
            and stages.greedy_at_bound(instance, tasks, group_pools, seeded, floor)
        )
    # under pace even, the finishing stage searches only in small groups (``executor.PACED_FINISH_PAIRS``)
    paced = pacing.even(instance)
    sized = executor.budgets(
        engine.time_limit,
        pairs,
        done,
        short=short,
        workers=per_pool,
        prepared=engine.prepared,
        reserve=engine.reserve + bounded,
        improved=engine.improved,
        searched=[not paced or p <= executor.PACED_FINISH_PAIRS for p in pairs],
    )
    processes = 1 if engine.ray is None and len(live) <= 1 else engine.processes
    jobs = []
    for g, (search, finish), floor, at_bound in zip(live, sized, floors, done, strict=True):
        tasks, group_pools, targets = groups[g]
        jobs.append(
            executor.PoolJob(
                index=g,
                tasks=tuple(t.index for t in tasks),
                pools=tuple((tuple(ts), tuple(es)) for ts, es in group_pools),
                targets=tuple((year, tuple(ts), need) for year, ts, need in targets),
                start=tuple((t.index, start_plan[t.index]) for t in tasks if t.index in start_plan),
                search=search,
                finish=finish,
                seed=executor.pool_seed(seed, g),
                workers=per_pool,
                deadline=engine.deadline,
                floors=tuple(floor),
                at_bound=at_bound,
                exact=engine.exact,
            )
        )
    loads_so_far: dict[str, float] = {}
    bounds_so_far: dict[str, float] = {}

    def finished(result: executor.PoolResult) -> None:
        loads_so_far.update(result.loads)
        bounds_so_far.update(result.bounds)
        if progress is not None and processes > 1:
            progress(time.monotonic() - started, sum(loads_so_far.values()), sum(bounds_so_far.values()))

    # one process pool (or Ray runtime) for both searches: the second does not start them again
    with executor.Runner(solving, processes=processes, ray=engine.ray) as runner:

        def run(batch: list[executor.PoolJob]) -> list[executor.PoolResult]:
            return runner.run(batch, done=finished, progress=progress, started=started)

        results = _search_again(jobs, run(jobs), pairs, run)
    chosen: dict[int, Assignment] = {}
    objective: dict[str, float] = {}
    bound: dict[str, float] = {}
    for result in sorted(results, key=lambda r: r.index):  # in group order, whatever order they ran in
        chosen.update(result.values)
        objective.update({k: float(v) for k, v in result.loads})
        bound.update({k: float(v) for k, v in result.bounds})
    return Solved(
        chosen,
        optimal=all(r.optimal for r in results),
        objective=objective,
        bound=bound,
        failed=not all(r.feasible for r in results),
        # a search on pruned candidate lists proves nothing of the round's own
        proven=solving is instance and any(r.proven for r in results),
        fired=any(r.wall_clock_fired for r in results),
        kept=sum(r.kept for r in results),
    )


def _search_again(
    jobs: list[executor.PoolJob],
    results: list[executor.PoolResult],
    pairs: list[int],
    run: Callable[[list[executor.PoolJob]], list[executor.PoolResult]],
) -> list[executor.PoolResult]:
    """``results`` (one per job, in the jobs' order) after a second search of the groups that spent
    their whole stage-1 budget and left a pool above its bound, on the budget the others left unspent
    (``executor.unspent``, ``again``), from their first plan, run by ``run`` (results in its jobs'
    order); a group's second plan is kept only when it has fewer visits left out or lighter heaviest
    loads. Budgets and choices come from deterministic time and plans only, so the plan stays the
    same whatever the load and the number of processes."""
    ahead = [
        i
        for i, (job, result) in enumerate(zip(jobs, results, strict=True))
        if job.search > 0
        and not result.kept
        and executor.left_of(job, result) == 0.0
        and any(load > dict(result.bounds).get(name, load) for name, load in result.loads)
    ]
    if not ahead:
        return results
    left = executor.unspent(jobs, results, pairs)
    extra = executor.again(left, [pairs[i] for i in ahead], [jobs[i].finish for i in ahead], jobs[0].workers)
    second = [
        replace(jobs[i], start=results[i].values, search=budget)
        for i, budget in zip(ahead, extra, strict=True)
        if budget > 0
    ]
    if not second:
        return results
    redone = run(second)
    out = list(results)
    where = {job.index: i for i, job in enumerate(jobs)}
    for result in redone:
        i = where[result.index]
        first = out[i]
        if _outcome_key(jobs[i], result) < _outcome_key(jobs[i], first):
            out[i] = replace(result, wall_clock_fired=result.wall_clock_fired or first.wall_clock_fired)
        elif result.wall_clock_fired:
            out[i] = replace(first, wall_clock_fired=True)
    return out


def _outcome_key(job: executor.PoolJob, result: executor.PoolResult) -> tuple[int, int]:
    """How good a group's result is: visits left out, then the sum of its pools' heaviest loads."""
    return len(job.tasks) - len(result.values), sum(load for _, load in result.loads)


def _pruned(
    instance: Instance, groups: list[Group], live: list[int], start_plan: dict[int, Assignment]
) -> Instance:
    """The instance the groups are solved on: in each group of more than ``PRUNE_PAIRS`` (visit,
    candidate) pairs, the visits the greedy placed get a balanced subset of their candidates that
    keeps the greedy team (``scheduler.instance.prune``); visits it left out keep every candidate.

    Pruning only narrows who may sit on a visit, and the greedy plan stays a plan of the pruned
    instance: a group the greedy completes is still completed; the others keep every way to staff
    the visits the greedy could not place.
    """
    large = [
        g for g in live if sum(len(t.candidates) for t in groups[g][0] if not t.team_staffed) > PRUNE_PAIRS
    ]
    if not large:
        return instance
    caps_for(instance, [])  # the round's cap shares, from the whole lists: the pruned instance keeps them
    out = instance
    for g in large:
        placed = [t.index for t in groups[g][0] if t.index in start_plan]
        out = prune(out, placed, {t: start_plan[t].members for t in placed})
    return out


def _improve_pruned(
    instance: Instance,
    solving: Instance,
    groups: list[Group],
    start_plan: dict[int, Assignment],
    work: Work,
) -> dict[int, Assignment]:
    """The start plan with the pools the start plan's local search left alone for their size
    (``scheduler.improve.MAX_PAIRS`` on the whole candidate lists) lowered on the pruned lists of
    ``solving``, within ``work``; each pool's bound is from the whole lists."""
    large = [
        (ts, es)
        for _, group_pools, _ in groups
        for ts, es in group_pools
        if sum(len(instance.tasks[t].candidates) for t in ts) > MAX_PAIRS
    ]
    if not large:
        return start_plan
    targets = [q for _, _, own in groups for q in own]
    return improve(
        solving, start_plan, large, pooling.floors(instance, large), targets, work=work, max_pairs=None
    )


@dataclass(frozen=True)
class Solved:
    """What solving a round's groups gave: the plan (``values``), whether every search proved its plan
    optimal, each pool's objective and bound terms, whether some group has no valid plan (``failed``)
    and whether that is proven of one of them (CP-SAT: no plan of it meets its quota shares), whether
    the wall-clock last resort ended some search (``fired``), and how many groups it reached before
    they started (``kept``: they keep their greedy plan)."""

    values: dict[int, Assignment]
    optimal: bool
    objective: dict[str, float]
    bound: dict[str, float]
    failed: bool = False
    proven: bool = False
    fired: bool = False
    kept: int = 0


@dataclass(frozen=True)
class Engine:
    """How the groups are solved: the time limit their deterministic budgets are sized from, the
    wall-clock last resort (epoch seconds), and where (``processes`` here, or a Ray address);
    ``prepared`` (the round's visits and visit–candidate pairs), ``reserve`` (seconds kept for
    explanations) and ``improved`` (units of local search spent on the start plan) are the parts of
    the limit spent outside the groups' searches (``executor.budgets``)."""

    time_limit: float
    deadline: float
    processes: int = 1
    ray: str | None = None
    prepared: tuple[int, int] = (0, 0)
    reserve: float = 0.0
    improved: int = 0
    exact: bool = True  # teams first may ask the exact teams' model (``PoolJob.exact``)

    def work(self) -> Work:
        """The local search's work budget on the start plan (``executor.improve_work``)."""
        return Work(executor.improve_work(self.time_limit, self.prepared, self.reserve))


# A round whose office capacity (R10) ties otherwise independent pools together is solved as one
# model while it is small; past this many (visit, candidate expert) pairs, such a model finds only
# poor plans in a minute (SOLVER-NOTES.md), so the pools are solved apart and then timed together.
# Until stop 50 15,000, which left hospital rounds (about 11,000 pairs) as one model, without the
# one-pool searches (descent, rescue): hospitals seeds 1, 3, 5, 7 and 9 with max_concurrent_visits 10
# (stop 50, `--time-limit 60`, two rounds at a time) 1.11, 1.15, 1.10, 1.03 and 1.06 x their best
# bounds, 18-26 s wall; split, 1.01, 1.04, 1.07, 1.03 and 1.03, 33-43 s wall, the last resort fired in
# none. Seed 190 with the cap at 8 or 12: 1.13 -> 1.09, as without a cap.
SPLIT_UNDER_CAPACITY = 5_000


def _split_under_capacity(
    instance: Instance,
    engine: Engine,
    seed: int,
    workers: int,
    progress: Progress | None,
    started: float,
) -> Solved | None:
    """For a large round with an office capacity (R10): teams per independent pool without R10, then
    one model that pins those teams and finds starts that honour every rule together (three quarters
    of the limit for the first, at most a quarter for the second; the relaxed instance and its greedy plan
    are prepared twice over).

    None when the round is small, has one pool, needs more visit-days than the cap allows over the
    cycle, or the pinned teams cannot be timed within R10; the caller then solves the round as one
    model.
    """
    scenario = instance.scenario
    if scenario.params.max_concurrent_visits is None:
        return None
    if sum(len(t.candidates) for t in instance.tasks) <= SPLIT_UNDER_CAPACITY:
        return None
    if sum(t.days for t in instance.tasks) > scenario.params.max_concurrent_visits * instance.horizon:
        # the cap cannot hold every visit (the pre-check's R10 finding), and the pools' own plans, made
        # without it, visit as many as they can: their teams could not be timed within it. Stop 51:
        # hospitals seed 190 with a cap of 3 spent about 9 s on the split before falling back to one
        # model (idle, 31.1 s wall with the split tried, 22.3 s without)
        return None
    relaxed = build_instance(
        replace(scenario, params=replace(scenario.params, max_concurrent_visits=None)),
        announce=instance.announce,
        followups=True,
        seed=seed,
    )
    if len(pools(relaxed, relaxed.tasks)) <= 1:
        return None
    twice = (2 * engine.prepared[0], 2 * engine.prepared[1])
    # the pools' teams without teams first's exact model: on hospitals seed 190 with a cap of 8 (stop
    # 52) its teams, dated on their pool alone, could not be timed together within the cap with seeds 0
    # and 2 (the round then solved as one model, 1.13 x its best bound), where the loose model's and
    # the descent's were on all four seeds tried (1.09-1.10)
    first = replace(engine, time_limit=engine.time_limit * 0.75, prepared=twice, exact=False)
    work = first.work()
    groups, start_plan = _start(relaxed, work)
    first = replace(first, improved=work.spent)
    solved = _solve_groups(relaxed, groups, start_plan, first, seed, workers, progress, started)
    if solved.failed:  # a group missing its share is fine while the others' plans meet the quota
        if not quotas_met(relaxed, solved.values, quota_targets(relaxed)):
            return None
        _fill_pools(relaxed, groups, solved.values, solved.objective, solved.bound)
    # the same tasks in the same order: R10 changes no window and no candidate
    m = build_variables(instance, list(instance.tasks), quota_targets(instance))
    post_all(m)
    # the pools' teams timed together within R10, then paced by the heuristic (the paced model has no
    # valid hint here: the pools' own timings may break R10). Under ``pace`` early, the last visit as
    # early as possible; under even, the first timing found, which the heuristic paces anyway: until
    # stop 51 the last visit's end was minimised there too, which spent the whole quarter of the limit
    # and changed no load (hospitals seeds 1 and 3 with max_concurrent_visits 10: 42.5 and 40.4 s wall,
    # now 12.0 and 16.2 s; national 400 with a cap of 4 17.8 -> 3.2 s; the same loads)
    until = executor.monotonic(engine.deadline)
    pairs = pooling.pairs(instance.tasks)
    usable = engine.time_limit * 0.25 * executor.USABLE_SHARE - executor.model_seconds(pairs)
    deterministic = executor.units(usable, workers, stage=2)
    timed, finish_optimal, finish_fired = stages.finish_early(
        m,
        solved.values,
        until,
        seed,
        workers,
        paced=False,
        deterministic=deterministic,
        timing=pacing.even(instance),
    )
    if timed is None:
        return None
    if pacing.even(instance):
        timed = pacing.settle(instance, timed, m.quotas, m.caps)
    loads = pooling.loads(instance, timed)
    objective = dict(solved.objective)
    for ts, es in pools(instance, instance.tasks):
        name = f"max_load[{pool_name(instance, es, ts)}]"
        objective[name] = float(max((loads.get(k, 0) for k in es), default=0))
    return replace(
        solved,
        values=timed,
        optimal=solved.optimal and finish_optimal,
        objective=objective,
        failed=False,  # the round's quotas are met (above)
        proven=False,
        fired=solved.fired or finish_fired,
    )


def _fill_pools(
    instance: Instance,
    groups: list[Group],
    chosen: dict[int, Assignment],
    objective: dict[str, float],
    bound: dict[str, float],
) -> None:
    """The heaviest load and lower bound of each pool a failed group left without them."""
    load = pooling.loads(instance, chosen)
    for _, group_pools, _ in groups:
        names = [f"max_load[{pool_name(instance, es, ts)}]" for ts, es in group_pools]
        if all(name in objective for name in names):
            continue  # a group that was solved: its bounds (and their linear programmes) are known
        reported = pooling.reported_bounds(
            instance, group_pools, pooling.floors(instance, group_pools), chosen
        )
        for (_, es), name, floor in zip(group_pools, names, reported, strict=True):
            if name not in objective:
                objective[name] = float(max((load.get(k, 0) for k in es), default=0))
                bound[name] = float(floor)


def _no_plan(instance: Instance, elapsed: float, seed: int, proven: bool) -> Result:
    """No plan meets every rule (a yearly quota cannot be met): say why, plan nothing. ``proven``:
    that no plan can is proven (a count, or CP-SAT's search of the whole round); otherwise the search
    found none within its budget, and the reason says so."""
    from scheduler.diagnose import describe, diagnose

    scenario = instance.scenario
    found = [describe(f) for f in diagnose(scenario).shortfalls if f.rule == "R9"]
    reasons = tuple(found) or (
        (
            "【R9 年度指标】在其他规则之下，任何计划都无法同时满足全部年度指标（各年度须巡查的机构数），"
            "因此没有给出计划。建议：降低指标比例或数量，或放宽相关机构的年度、批次和时间窗口。"
        )
        if proven
        else (
            "【R9 年度指标】在时限内没有找到同时满足全部年度指标（各年度须巡查的机构数）的计划，"
            "因此没有给出计划；这些指标可能确实无法同时满足，也可能需要更长的时限。"
            "建议：延长时限（--time-limit）后重试，或降低指标比例或数量，或放宽相关机构的年度、批次和时间窗口。"
        ),
    )
    plan = Plan(
        scenario=scenario.params.name,
        status="infeasible",
        visits=(),
        unscheduled=tuple(Unscheduled(i.id, reasons, "R9") for i in scenario.institutions if not i.exempt),
        exempt=tuple(i.id for i in scenario.institutions if i.exempt),
        stats={"objective": {}, "bound": {}, "seed": seed},  # timings go to run.json (SPEC §4)
    )
    return Result(SolveStatus.INFEASIBLE, plan, {}, {}, elapsed, {})


def solve(
    scenario: Scenario,
    *,
    time_limit: float = 60.0,
    seed: int = 0,
    workers: int = 2,
    progress: Progress | None = None,
    today: date | None = None,
    processes: int = 1,
    ray: str | None = None,
) -> Result:
    """Plan the round; ``today`` is the day the plan is announced (R14, default the cycle's start).

    Independent pools are solved in ``processes`` local processes (1: here), or as Ray tasks when
    ``ray`` is an address or ``"local"`` (``scheduler.executor``); the plan is the same either way.
    """
    started = time.monotonic()
    deadline = executor.last_resort(time.time(), time_limit)
    announced = today if today is not None else scenario.params.start
    instance = build_instance(scenario, announce=announced, followups=True, seed=seed)
    most = min(10.0, 0.2 * time_limit)  # the explanations' budget at most
    known = len(instance.no_window) + len(instance.no_staff)  # left out by every plan
    explain_budget = executor.explain_budget(known, most)
    engine = Engine(
        time_limit,
        deadline,
        max(1, processes),
        ray,
        prepared=(len(instance.tasks), pooling.pairs(instance.tasks)),
        # institutions no plan can visit are explained after the search: their time is kept aside
        reserve=executor.explain_seconds(explain_budget, known),
    )
    for year, tasks, need in quota_targets(instance):
        if need > sum(1 for t in tasks if year in instance.tasks[t].years()):
            # a quota asks for more visits in its year than there are institutions that fit in it
            return _no_plan(instance, time.monotonic() - started, seed, proven=True)
    solved = _split_under_capacity(instance, engine, seed, workers, progress, started)
    if solved is None:

        def explained(left: int) -> float:
            """The explanations' budget when the start plan leaves ``left`` tasks out."""
            return executor.explain_budget(known + left, most)

        def sized(left: int) -> int:
            """The start plan's work budget, its explanations' cost kept aside."""
            reserve = executor.explain_seconds(explained(left), known + left)
            return executor.improve_work(time_limit, engine.prepared, reserve)

        work = Work(sized=sized)
        groups, start_plan = _start(instance, work)
        # the start plan leaves some out, who may stay out: their explanations' budget grows with
        # their number, and what it costs is kept aside
        left = known + len(instance.tasks) - len(start_plan)
        explain_budget = explained(len(instance.tasks) - len(start_plan))
        engine = replace(engine, reserve=executor.explain_seconds(explain_budget, left), improved=work.spent)
        solved = _solve_groups(instance, groups, start_plan, engine, seed, workers, progress, started, work)
        # whether the round meets its quotas (R9) is decided over the whole round: a group may miss
        # its share while the others' plans meet the quota
        met = quotas_met(instance, solved.values, quota_targets(instance))
        if solved.failed and met:
            _fill_pools(instance, groups, solved.values, solved.objective, solved.bound)
        solved = replace(solved, failed=not met)
        if solved.failed and len(groups) > 1 and instance.scenario.quotas:
            # the last resort: a quota the groups could not meet between them, solved as one model
            whole = [(list(instance.tasks), pools(instance, instance.tasks), quota_targets(instance))]
            retry_plan = _start_plan(instance, whole[0][2], work=work)
            engine = replace(engine, improved=work.spent)
            retried = _solve_groups(
                instance, whole, retry_plan, engine, seed, workers, progress, started, work
            )
            solved = replace(retried, fired=solved.fired or retried.fired)
    if solved.failed:
        return _no_plan(instance, time.monotonic() - started, seed, solved.proven)
    objective, bound = solved.objective, solved.bound
    elapsed = time.monotonic() - started
    late: list[bool] = []  # the explanations' wall-clock last resort fired
    until = executor.monotonic(deadline)  # the last resort, on the monotonic clock
    plan = to_plan(
        instance, solved.values, elapsed, solved.optimal, explain_budget, lambda: late.append(True), until
    )
    fired = solved.fired or bool(late)
    status = SolveStatus(plan.status)
    objective["unscheduled"] = float(len(plan.unscheduled))
    bound["unscheduled"] = float(len(instance.no_window) + len(instance.no_staff))
    last = max((v.end for v in plan.visits), default=None)
    breakdown = {name: int(v) for name, v in objective.items()}
    plan = Plan(
        scenario=plan.scenario,
        status=plan.status,
        visits=plan.visits,
        unscheduled=plan.unscheduled,
        exempt=plan.exempt,
        announced=plan.announced,
        milestones=plan.milestones,
        stats={  # deterministic facts only: timings go to run.json (SPEC §4)
            "objective": objective,
            "bound": bound,
            "finish": last.isoformat() if last else None,
            "seed": seed,
        },
    )
    return Result(
        status, plan, objective, bound, elapsed, breakdown, wall_clock_fired=fired, kept_groups=solved.kept
    )


def _batch_of(scenario: Scenario, start: date, end: date, given: str | None) -> str | None:
    if given is not None:
        return given
    for b in scenario.batches:
        if b.start <= start and end <= b.end:
            return b.name
    return None


def to_plan(
    instance: Instance,
    chosen: dict[int, Assignment],
    elapsed: float,
    optimal: bool,
    explain_budget: float = 0.0,
    on_last_resort: Callable[[], None] | None = None,
    until: float | None = None,
) -> Plan:
    """The plan of SPEC §4 from the chosen assignments; left-out institutions get their reasons
    (``scheduler.explain``, re-solving for at most ``explain_budget`` seconds; ``on_last_resort`` is
    called if the wall clock — at the latest ``until``, monotonic seconds —, not the deterministic
    budget, ended that analysis)."""
    scenario = instance.scenario
    visits = []
    for t, a in sorted(chosen.items(), key=lambda p: (p[1].start, instance.tasks[p[0]].inst.id)):
        task = instance.tasks[t]
        start = instance.workdays[a.start]
        end = instance.workdays[a.start + task.days - 1]
        others = sorted(instance.experts[k].id for k in a.members if k != a.leader)
        members = (instance.experts[a.leader].id, *others)
        parts, part_leads = visit_parts(instance, task, a.leader, a.members)
        visits.append(
            Visit(
                institution=task.inst.id,
                start=start,
                end=end,
                days=task.days,
                leader=instance.experts[a.leader].id,
                members=members,
                team=None if a.team is None else instance.teams[a.team].name,
                batch=_batch_of(scenario, start, end, task.inst.batch),
                parts=parts,
                part_leads=part_leads,
                kind=task.kind,
            )
        )
    from scheduler.explain import explain

    planned = {v.institution for v in visits}
    left = [i for i in scenario.institutions if not i.exempt and i.id not in planned]
    firsts, kept = first_visits(instance, chosen)
    explained = explain(
        firsts, kept, left, budget=explain_budget, proven=optimal, on_last_resort=on_last_resort, until=until
    )
    unscheduled = tuple(
        lead_time.unscheduled(instance, i) or Unscheduled(i.id, explained[i.id].reasons, explained[i.id].rule)
        for i in left
    ) + followups.left_out(instance, chosen)
    status = plan_status(visits, unscheduled, optimal)
    return Plan(
        scenario=scenario.params.name,
        status=status,
        visits=tuple(visits),
        unscheduled=unscheduled,
        exempt=tuple(i.id for i in scenario.institutions if i.exempt),
        stats={},
        announced=instance.announce,
        milestones=milestones(scenario.params, visits, instance.announce) if instance.announce else (),
    )
