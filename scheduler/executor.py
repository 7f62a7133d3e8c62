"""Where independent pools are solved: in the calling process, in local processes, or on Ray.

One seam (:class:`Runner`; :func:`run_pools` for a single batch): plain pool data in
(:class:`PoolJob`, picklable values: task and expert indices, the greedy's assignments, budgets and
a seed), plain assignments out (:class:`PoolResult`); no CP-SAT object crosses a process or machine
boundary. The integer :class:`~scheduler.instance.Instance` (plain Python values) is shipped once per
process or, on Ray, put once in the object store; a runner keeps its processes or Ray runtime for
both of a solve's searches.

Determinism (SPEC §5: the same plan whatever the load and whatever the number of processes): each
pool's budgets are *deterministic* CP-SAT time (``max_deterministic_time``), sized by
:func:`budgets` from the time limit and the pools' sizes before any solving starts and never changed
from wall time measured during the run; each pool's seed comes from the run's seed and the pool's
index; a stage-1 search also stops after a number of CP-SAT's batches of tasks fixed the same way
(:func:`batches`); CP-SAT runs its interleaved search with a fixed number of workers and batch size,
whatever the process count (:func:`workers_per_pool`); results are merged in pool order. What searches that
prove their plan early leave of their budgets goes to a second search of the groups still above their
bound (:func:`unspent`, :func:`again`), counted in CP-SAT's deterministic time, not by the clock. The
wall clock is only a last resort (:func:`last_resort`), and when it stops a search the run says so
(``wall_clock_fired``).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from multiprocessing import get_context
from typing import Any

from scheduler.greedy import Assignment, QuotaTarget
from scheduler.instance import Instance

Progress = Callable[[float, float, float], None]  # elapsed s, heaviest load (days), its bound

# The time plan (:func:`budgets`). Every cost below is CPU seconds on one core of the reference machine
# (2 cores, idle), measured on benchmark rounds (province, national 5k, the open pool): the budgets are
# sized as if all groups ran one after another on one core (``REFERENCE_PROCESSES``). So the limit holds
# with ``--processes 1`` and with the default processes beside a busy competing process, and the plan
# does not depend on the number of processes; on two idle cores the solve takes about half the limit.
#
# CPU seconds per unit of deterministic budget, by stage, with one CP-SAT worker, not counting the
# set-up of each of a stage-1 search's tasks (below). Stage 1 (who visits what): its search, counted by
# CP-SAT's deterministic clock. Measured at d74cfd0 with CP-SAT's log on the stage-1 searches of
# hospitals seeds 3, 10, 14, 17 and 33 and national 6,400 seed 14 (one worker, on an idle machine about
# twice as fast as the reference): CPU seconds = a per unit + 1.17e-4 per (visit, candidate) pair per
# task, a from 2.1 to 7.0 by group (2.5-3.0 in the large hospital groups, 4.5 in hospitals seed 17's
# small group leaving visits out, 7.0 in one national group); here 4.5, the rest left to the usable
# share's slack. Until stop 38 the figures here were doubled (9.0, and 2.4e-4 below), for a machine
# twice as slow: re-measured then on this machine, idle, the stage-1 searches of hospitals seeds 14,
# 17 and 69 took 2.5-6.8 CPU s per unit spent, all in (6.8 in seed 14's group of 5,298 pairs), where the
# doubled plan counted 14-27, so a hospital round at ``--time-limit 60`` ended in 5-15 s and its searches
# stopped short (five of hospitals seeds 1-84 above 1.10 x their best bound, three with these figures:
# README). With these figures the slowest of those rounds (seed 64) solves in 17.5 s here in one
# process, and in 54 s pinned to one core beside two busy processes (a machine three times slower; seed
# 17, whose usable share goes to one search, 11 s and 34 s), the last resort not fired, the plan the same.
# Stage 2 (every team fixed) overshoots its budget 1.1-1.7x at 0.15-0.3 units per second, 2-2.5 s per
# unit, set-up included (its budgets are small and capped: :data:`FINISH_MOST`).
# A search that reaches its bound (stage 1) or its gap (stage 2) stops sooner.
SECONDS_PER_UNIT: dict[int, float] = {1: 4.5, 2: 2.5}
# Each task of a stage-1 search (CP-SAT's interleaved search runs them in batches of
# :data:`INTERLEAVE_BATCH`: a neighbourhood, a slice of its full search or of its own local search)
# copies, presolves and loads the model, which the deterministic clock does not count: this many CPU
# seconds per (visit, candidate) pair of the group, per task (measured above). A search whose
# neighbourhoods close at once (nothing better in them) runs many tasks on little deterministic time:
# hospitals seed 14's one searched group (5,298 pairs) ran 58 tasks on 2.9 units, 45 s here, three times
# what the time plan counted when it costed deterministic time alone (30 s on the reference machine),
# so that on the reference machine the last resort would have ended it. The fit's 1.17e-4, rounded.
TASK_SECONDS_PER_PAIR = 1.2e-4
# The tasks a stage-1 search is given per unit of its deterministic budget: it stops at whichever of
# the two ends first (CP-SAT's ``max_num_deterministic_batches``, :func:`batches`), so that its cost
# is what the time plan counts however its tasks spend their time. Measured on the searches above: 10-20
# tasks per unit where the neighbourhoods search, up to 44 in small groups whose tasks end at once.
TASKS_PER_UNIT = 10.0
# Of a stage-1 search's seconds, this share buys tasks alone, beyond TASKS_PER_UNIT per unit: in a small
# group a task costs little, and its neighbourhoods that end at once are what proves its plan (hospitals
# seed 10's group of 371 pairs proved its plan with 10 tasks on 0.02 units); in a large group, a few
# tasks more. The search's deterministic budget is what the rest buys (:func:`unit_seconds`).
TASKS_ONLY_SHARE = 0.2
# CPU seconds of a unit with two CP-SAT workers over one (the interleaved search shares one budget).
WORKERS_COST: dict[int, float] = {1: 1.0, 2: 1.0}
# Per (visit, candidate expert) pair of a group: Python model building of both stages (6e-5 s per pair
# for stage 1 measured on the province) and CP-SAT's loading, presolve and first stage-1 work, which its
# deterministic clock hardly counts (the same province groups at two budgets: 0.4–13 s loaded at zero
# budget, about 2e-4 s per pair on a quiet core).
MODEL_SECONDS_PER_PAIR = 2.5e-4
# Outside the groups: the instance, the grouping and the greedy plan before the budgets, the plan's
# assembly after and the groups' own overhead where no model is built (bounds, heuristic timing), per
# visit and per (visit, candidate) pair of the round; the local search on the start plan is costed
# apart (IMPROVE_SECONDS_PER_UNIT). Measured on this machine, idle, one process, at 2026-12-06 (b5528c4):
# province 1,600 visits × 45.6k pairs 0.3 s, national 6,400 × 126k 1.3 s, open pool 3,200 × 1.6M
# 2.7 s, national 35,000 × 700k 8.1 s. Until then 5e-4 and 5e-6 (measured on a loaded machine before
# the instance and the greedy were made faster): 21 s at 35k, which with the explanations' reserve left
# the searches nothing at `--time-limit 60` (the round's worst pool 1.28 × its best bound, 28 of 299
# pools in a search gap, 13 s of the limit used).
PREPARE_SECONDS_PER_VISIT = 2.0e-4
PREPARE_SECONDS_PER_PAIR = 1.5e-6
# Share of the limit the plan may fill on the reference machine: the rest is slack for what the model
# above does not see (process start-up, writing the result, a slower machine). At 0.85 the hard
# province (`--time-limit 60 --processes 1`, idle machine) met the last resort at 61 s: the costs
# above run about 1.3× short there, so the plan fills about half the limit on paper.
USABLE_SHARE = 0.55
# The last resort never comes sooner than this many seconds: a limit of a few seconds (a test's, a
# demonstration's) is spent mostly starting up, and a busy machine would stop every such run.
LAST_RESORT_FLOOR = 10.0
# Cores the groups' models and searches are sized for. 1: the limit holds with ``--processes 1`` and
# beside a busy process, so the plan is the same in one process, the default and on Ray; 2 would give
# the searches twice the time on the reference machine, but ``--processes 1`` would then run about twice
# as long and meet the last resort, which changes the plan.
REFERENCE_PROCESSES = 1
# At most this share of the usable time goes to building models; past it, the last groups keep their
# greedy plan without a model (:func:`budgets`), so that the searches that run have time to search.
MODEL_SHARE = 0.6
# Of a group's search seconds, the share of stage 1 (who visits what); the rest finishes (stage 2),
# whose search rarely improves on its paced hint (measured on the province: 0.05–0.1 % at most).
STAGE_ONE = 0.9
# A pool whose greedy plan already meets its bound gets this fraction of a searched pool's weight.
AT_BOUND_WEIGHT = 0.05
# A group whose start plan leaves visits out searches first for more visits (objective 1 before
# objective 2): its weight is this many times its size. Measured on national 6,400 seed 8 (a prefecture
# whose capped 财务 holders let 45 of its 66 institutions be visited, the greedy placing 37): at its
# share by size alone (0.15 units) stage 1 found 40 from one start plan and 45 from another; at 4×, 45.
SHORT_WEIGHT = 4.0
# The finishing stage's budget is at most this many units, plus this many per (visit, candidate)
# pair: its search starts from a paced complete hint and, measured on the province's nine groups
# (3k–7k pairs) at 0.15, 0.3, 0.6 and 1.2 units, never improved on it; 0.3 units found it in every
# group, 0.15 missed it in five. More only proves what the hint already is.
FINISH_MOST = 0.15
FINISH_MOST_PER_PAIR = 5e-5
# Below this deterministic budget the finishing model is not built: measured on 43 groups of a
# national round of 5,000, it found no timing at all (not even its complete hint) under 0.15.
FINISH_LEAST = 0.15
# Under ``pace`` even, the finishing stage is a search only in groups of at most this many (visit,
# candidate) pairs; larger groups are timed by the heuristic that makes its hint (``pacing.settle``).
# Measured at 3bd76f2: on the province's nine groups (3k–7k pairs), hospitals seed 1's three with a
# finishing budget and city seed 1's one (805 pairs), the search's best plan was its hint or one unit of
# the lowest tie-break (a visit a year earlier) better, never proven, at 0.65–2.3 s each on this stop's
# machine (16 of the province's 17 s of solving); district seed 1's two groups (51 and 203 pairs) were
# proven optimal in 0.1 s.
PACED_FINISH_PAIRS = 500
# CPU seconds per unit of the local search's work (``scheduler.improve.Work``: a candidate looked at,
# a seat change or a start tried), the largest measured (2026-12-06, idle, one process): national 6,400
# 4.7e-7, province 5.8e-7, hospitals 5.6–6.8e-7, the open pool 8e-7. Until then 1.4e-6, where hospital
# rounds were (1.36e-6) while ``scheduler.parts.build_team`` made a matching anew for every candidate;
# national rounds, whose start plans use the whole of the local search's share at 35k, were charged
# three times what they took.
IMPROVE_SECONDS_PER_UNIT = 8.0e-7
# Of the usable time, at most this share goes to the local search on the start plan (all pools, in
# their order); what it spends, counted in units, is charged before the groups' budgets are sized.
IMPROVE_SHARE = 0.75
# After a group's first stage, its local search gets this many units per (visit, candidate) pair of
# the (possibly pruned) group, charged with the group's model.
GROUP_WORK_PER_PAIR = 100
# The explanations of left-out institutions (``scheduler.explain``): their budget is this many seconds
# and this many per institution the start plan leaves out, at most the caller's cap; what they cost,
# kept aside from the usable time, is their budget times EXPLAIN_COST (measured at 35k, 272 left out,
# budget 10 s: 12.9 s of CPU, when the budget counted the re-solves' deterministic time alone). Since
# stop 50 it counts their models too (``scheduler.explain.base._PROBE_SECONDS_PER_PAIR``): a hospital
# round capping concurrent visits spent 45 s on a budget of 3.5 s before; hospitals seeds 2 and 16 now
# spend 2.9-3.4 s on 3.2-3.3 s, and national 35k 5.6 s on 8.3 s: their cost is now 1.1 times their
# budget (was 1.3). The base went from 2 to 3 s then, so that those two hospital rounds' reasons go as
# deep as before (seed 2's the same word for word; seed 16's fixes as small or smaller).
EXPLAIN_SECONDS = 3.0
EXPLAIN_SECONDS_PER_LEFT = 0.02
EXPLAIN_COST = 1.1
# Digits of deterministic time a stage-1 search is counted to (:func:`unspent`): CP-SAT's count of it
# repeats run after run to its last bits or so (measured: 1.0405055680110051 and 1.040505568011005 on
# the same search), so that the budgets sized from it stay the same.
SPENT_DIGITS = 6
# The fixed interleave batch of CP-SAT's deterministic search, so that the search does not depend on
# how many workers run it.
INTERLEAVE_BATCH = 4
# The rescue (``stages.solve_group``): where a one-pool group's search ends with its pool more than
# RESCUE_ABOVE times its lower bound, the group descends from that plan with CP-SAT's violation local
# search alone (``use_ls_only``: its feasibility jump, one worker, interleaved: as deterministic as its
# other searches), which finds plans a day lower that the search's tree and neighbourhoods miss: on
# hospitals seed 34's 明桥 pool (30 days, LP bound 27, its model exported from the product) 28 in 5.6
# units, 2.4 s, where the deterministic search stays at 30 at every budget tried; CP-SAT's portfolio
# (two workers, not deterministic) credits the same search with 29, 28 and 27 there.
#
# CPU seconds per deterministic unit of that local search: its clock counts the moves it evaluates, far
# more per CPU second than the full search's. Measured 0.42-0.50 s on the exported models of hospitals
# seeds 34 and 69 (853 and 1,471 pairs, one process, idle) and 0.53-0.68 s in the rounds, each step's
# model copy included: the rounds' figure, rounded up.
LS_SECONDS_PER_UNIT = 0.65
# Only a pool this far above its bound is rescued: the target of a fair plan (README), and where a
# pool's plan is a day or two above its bound the search's own plan is kept. Below it the rescue was
# tried on every pool above its bound, on a quarter of the search's seconds (stop 38, reverted in
# b833296): a day lower on eleven rounds of hospitals seeds 1-84, but its seconds came on top of every
# round's search, the slowest ones too.
RESCUE_ABOVE = 1.10
# The rescue's seconds, as a share of the seconds the group's stage-1 budget costs (:func:`unit_seconds`),
# on top of them: the time plan does not count them, since they are spent only where a plan has missed
# its target (hospitals seeds 1-84: eleven rounds on the relaxed bounds, two since the whole-share bound
# below, which puts most of the others' pools within 10 % of their bound). Hospitals seed 69's 西店市
# pool (30 days, relaxed bound 26) needs about that much (28 days in 28.9 units on the exported model; at
# half, 15.8 → 7.9 units in the round, it stays at 30). What that costs in the worst round is in the README.
RESCUE_SHARE = 1.0
# ... and at most this many units (about 10 s here): a large group's stage-1 seconds are many, and a
# pool whose bound is weaker than the plans it can have (hospitals seed 10's, 27 days against its
# relaxed bound 24, before the whole-share bound below made it 25) would spend them all for nothing
# (41 units, 27 s).
RESCUE_MOST = 16.0
# Of the rescue's seconds, the share its first step may spend (``scheduler.relieve``: only the visits
# of the pool's heaviest and lightest experts re-solved, CP-SAT's full search on them), counted at the
# full search's price (:func:`unit_seconds`); CP-SAT's local search gets what it leaves. On hospitals
# seed 326's pool the first step found 29 → 27 in 0.35 units where the local search alone found nothing
# in 16.
RELIEVE_SHARE = 0.5
# Our whole-share bound (``bounds.whole_bound``) on each pool a group's start plan leaves above its
# relaxed bound, before the groups' budgets are sized: at most BOUND_MOST deterministic units a pool and
# BOUND_SHARE of the time limit's seconds, as units, in all (pools in the groups' order). Hospitals
# seeds 1-30: 16 pools' bounds raised (seed 6: two pools from 27 days to 30, the plans' loads), the
# same 16 at 0.3 units a pool (core-based) as with CP-SAT's default search at 1. What it costs is
# charged to the time plan from its deterministic time: BOUND_SECONDS_PER_UNIT seconds a unit and
# BOUND_SECONDS_PER_POOL a pool tried (its model).
BOUND_MOST = 0.3
# Where the start plan is still above the whole-share bound, our whole-team bound (``bounds.team_bound``)
# within TEAM_MOST units, from the same share: province seed 81's 遵义市 (168 visits, 28 experts, whole
# shares 33, the start plan 35) is proven at 35 in 1.25 units, where stage 1 searched 20 s for 34.
TEAM_MOST = 1.5
BOUND_SHARE = 0.05
BOUND_SECONDS_PER_UNIT = 3.0
BOUND_SECONDS_PER_POOL = 0.03


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
    floors: tuple[int, ...] = ()  # per pool, its lower bound from the whole round (empty: computed)
    at_bound: bool = False  # its start plan meets its quota shares and every pool's bound (no stage 1)
    exact: bool = True  # teams first may ask the exact teams' model (``scheduler.teams_first``)


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
    kept: bool = False  # no model was built (no budget, or the last resort came first): greedy plan kept
    proven: bool = False  # not feasible, and proven so: no plan of the group meets its quota shares
    spent: float = 0.0  # the deterministic time its stage-1 search took (0: no search)


def pool_seed(seed: int, index: int) -> int:
    """The CP-SAT seed of pool ``index``: fixed by the run's seed and the pool's place alone."""
    return (seed + 1_000_003 * index) % (2**31 - 1)


def units(seconds: float, workers: int = 1, stage: int = 1, pairs: int = 0) -> float:
    """The deterministic budget of a ``stage`` (1 or 2) search that takes about ``seconds`` of one core
    with ``workers`` CP-SAT workers on a group of ``pairs`` (visit, candidate) pairs (stage 1 only)."""
    return max(0.0, seconds) / unit_seconds(1.0, workers, stage, pairs)


def unit_seconds(budget: float, workers: int = 1, stage: int = 1, pairs: int = 0) -> float:
    """The seconds of one core a ``stage`` search with ``workers`` workers takes on ``budget``
    deterministic units (the inverse of :func:`units`): for stage 1, its search and the set-up of the
    :data:`TASKS_PER_UNIT` tasks per unit it may run on a group of ``pairs`` pairs."""
    per_unit = SECONDS_PER_UNIT[stage]
    if stage == 1:
        per_unit = (per_unit + TASKS_PER_UNIT * TASK_SECONDS_PER_PAIR * pairs) / (1 - TASKS_ONLY_SHARE)
    return budget * per_unit * WORKERS_COST[min(max(1, workers), max(WORKERS_COST))]


def rescue_units(budget: float, workers: int, pairs: int) -> float:
    """The rescue's deterministic budget (:data:`LS_SECONDS_PER_UNIT`) for a one-pool group of
    ``pairs`` pairs whose stage-1 budget is ``budget``: :data:`RESCUE_SHARE` of the seconds that
    budget costs (:func:`unit_seconds`), at most :data:`RESCUE_MOST`."""
    return min(RESCUE_MOST, unit_seconds(budget, workers, 1, pairs) * RESCUE_SHARE / LS_SECONDS_PER_UNIT)


def bound_seconds(units: float, pools: int) -> float:
    """What the whole-share bounds of ``pools`` pools, ``units`` of deterministic time in all, cost in
    the time plan (:data:`BOUND_SECONDS_PER_UNIT`)."""
    return units * BOUND_SECONDS_PER_UNIT + pools * BOUND_SECONDS_PER_POOL


def batches(budget: float, pairs: int) -> int:
    """The batches of tasks (CP-SAT's ``max_num_deterministic_batches``) a stage-1 search on ``budget``
    deterministic units may run on a group of ``pairs`` pairs: :data:`TASKS_PER_UNIT` tasks per unit,
    and those the :data:`TASKS_ONLY_SHARE` of its seconds pays the set-up of; at least one batch.
    Its search and its tasks' set-up then cost at most what :func:`unit_seconds` counts."""
    task = TASK_SECONDS_PER_PAIR * max(1, pairs)
    tasks = TASKS_PER_UNIT * budget + TASKS_ONLY_SHARE * unit_seconds(budget, 1, 1, pairs) / task
    return max(1, math.ceil(tasks / INTERLEAVE_BATCH))


def round_seconds(visits: int, pairs: int) -> float:
    """The estimated cost of the work outside the groups (instance, grouping, greedy plan, assembly)."""
    return PREPARE_SECONDS_PER_VISIT * visits + PREPARE_SECONDS_PER_PAIR * pairs


def model_seconds(pairs: int) -> float:
    """The estimated cost of a group's models outside their deterministic budgets (building, loading)."""
    return MODEL_SECONDS_PER_PAIR * pairs


def improve_work(time_limit: float, prepared: tuple[int, int] = (0, 0), reserve: float = 0.0) -> int:
    """The local search's work budget on the start plan (units of ``scheduler.improve.Work``): its
    share (:data:`IMPROVE_SHARE`) of what the limit leaves usable, from sizes only."""
    usable = (time_limit * USABLE_SHARE - round_seconds(*prepared) - reserve) * REFERENCE_PROCESSES
    return int(max(0.0, usable) * IMPROVE_SHARE / IMPROVE_SECONDS_PER_UNIT)


def group_work(pairs: int) -> int:
    """The local search's work budget after a group's first stage, from the group's pairs."""
    return GROUP_WORK_PER_PAIR * pairs


def explain_budget(left: int, most: float) -> float:
    """The explanations' budget (seconds, as ``scheduler.explain`` counts them) for ``left`` left-out
    institutions, at most ``most``."""
    return min(most, EXPLAIN_SECONDS + EXPLAIN_SECONDS_PER_LEFT * left)


def explain_seconds(budget: float, left: int) -> float:
    """The seconds explanations with ``budget`` cost, kept aside when ``left`` institutions are left out."""
    return EXPLAIN_COST * budget if left else 0.0


def budgets(
    time_limit: float,
    pairs: list[int],
    at_bound: list[bool],
    *,
    short: list[bool] | None = None,
    workers: int = 1,
    prepared: tuple[int, int] = (0, 0),
    reserve: float = 0.0,
    improved: int = 0,
    searched: list[bool] | None = None,
) -> list[tuple[float, float]]:
    """Per group, the deterministic budgets (stage 1, stage 2), from the time limit and sizes only.

    ``pairs`` is each group's number of (visit, candidate expert) pairs, ``at_bound`` whether its
    greedy plan already meets its bound (no stage-1 search), ``short`` whether it leaves visits out
    (such a group weighs :data:`SHORT_WEIGHT` times its size), ``workers`` the CP-SAT workers of each
    search, ``prepared`` the round's (visits, pairs) (the instance and the greedy plan, done before
    this runs, and the plan's assembly after it, costed from their size like the rest, never from a
    clock), ``reserve`` seconds kept for after the search (explanations) and ``improved`` the units of
    local search already spent on the start plan (``scheduler.improve.Work``), each group's own local
    search (:func:`group_work`) being costed with its model. Costed as if the groups
    ran one after another on one core, the searches get what the usable share of the limit leaves,
    in proportion to size, with no minimum per group, so that many small groups never add up past
    the limit.

    When building every group's models would take more than :data:`MODEL_SHARE` of what is usable,
    groups are admitted in order (those the greedy left above their bound first, then those at it,
    each in pool order) while their models fit; the others get ``(0.0, 0.0)``: no model, the greedy
    plan kept and timed by the heuristic (``pacing.settle``), as for a group stage 2 found nothing for.
    The finishing stage gets at most :data:`FINISH_MOST` units and :data:`FINISH_MOST_PER_PAIR` per
    pair: what is left is not spent, and the solve ends sooner. ``searched`` says per group whether its
    finishing stage is a search (default: all); one that is not gets no finishing budget, its stage 1
    all its seconds, and a group at its bound without one needs no model at all: it is neither admitted
    nor given a share.
    """
    spent = round_seconds(*prepared) + reserve + improved * IMPROVE_SECONDS_PER_UNIT
    usable = (time_limit * USABLE_SHARE - spent) * REFERENCE_PROCESSES
    admitted: set[int] = set()
    building = 0.0
    searched = searched or [True] * len(pairs)
    for g in sorted(range(len(pairs)), key=lambda g: (at_bound[g], g)):
        if at_bound[g] and not searched[g]:
            continue  # nothing to search: timed by the heuristic, without a model
        cost = model_seconds(pairs[g])
        if not at_bound[g]:
            cost += group_work(pairs[g]) * IMPROVE_SECONDS_PER_UNIT
        if building + cost <= MODEL_SHARE * usable:
            admitted.add(g)
            building += cost
    left = max(0.0, usable - building)
    short = short or [False] * len(pairs)
    weights = [
        p * (AT_BOUND_WEIGHT if done else SHORT_WEIGHT if out else 1.0) if g in admitted else 0.0
        for g, (p, done, out) in enumerate(zip(pairs, at_bound, short, strict=True))
    ]
    total = sum(weights) or 1.0
    out = []
    for w, done, p, finishing in zip(weights, at_bound, pairs, searched, strict=True):
        seconds = left * w / total
        most = FINISH_MOST + FINISH_MOST_PER_PAIR * p
        if not finishing:
            out.append((0.0 if done else units(seconds, workers, 1, p), 0.0))
        elif done:
            out.append((0.0, min(most, units(seconds, workers, stage=2))))
        else:
            first, second = seconds * STAGE_ONE, seconds * (1 - STAGE_ONE)
            out.append((units(first, workers, 1, p), min(most, units(second, workers, stage=2))))
    return out


def left_of(job: PoolJob, result: PoolResult) -> float:
    """The deterministic units of ``job``'s stage-1 budget its search left (0: it spent it all), its
    budget counted to the digits its spent time is (:data:`SPENT_DIGITS`): a search its batches ended
    reports its budget as spent (``stages.solve_group``), and the rounding must not leave a crumb of it."""
    return max(0.0, round(job.search, SPENT_DIGITS) - result.spent)


def unspent(jobs: list[PoolJob], results: list[PoolResult], pairs: list[int]) -> float:
    """The seconds (as the time plan counts them) of the stage-1 budgets the groups left unspent, each
    job of ``pairs`` (visit, candidate) pairs: a search that proves its plan optimal stops before its
    budget. Deterministic time is counted by CP-SAT's work, not by the clock, so this is the same
    whatever the load and the number of processes; a search its batches ended counts as spent
    (``stages.solve_group``)."""
    return sum(
        unit_seconds(left_of(job, result), job.workers, 1, p)
        for job, result, p in zip(jobs, results, pairs, strict=True)
        if job.search > 0 and not result.kept
    )


def again(left: float, pairs: list[int], finishes: list[float], workers: int = 1) -> list[float]:
    """Per group searched again (each group's pairs and finishing budget), its second stage-1 budget:
    the ``left`` unspent seconds (:func:`unspent`), less each second search's model, local search and
    finishing stage, shared in proportion to size; 0 for all when nothing is left after those."""
    seconds = left
    for p, finish in zip(pairs, finishes, strict=True):
        seconds -= (
            model_seconds(p) + group_work(p) * IMPROVE_SECONDS_PER_UNIT + unit_seconds(finish, workers, 2)
        )
    total = sum(pairs)
    if seconds <= 0 or total <= 0:
        return [0.0] * len(pairs)
    return [units(seconds * p / total, workers, 1, p) for p in pairs]


def last_resort(started_epoch: float, time_limit: float) -> float:
    """The wall-clock safety net (epoch seconds): the time limit itself, never under
    :data:`LAST_RESORT_FLOOR`. On the reference machine the budgets end every search well before it;
    on a busier or slower one it stops the search, the run says so (``wall_clock_fired``), and groups
    not started by then keep their greedy plan."""
    return started_epoch + max(time_limit, LAST_RESORT_FLOOR)


def monotonic(deadline: float) -> float:
    """The last resort ``deadline`` (epoch seconds: it crosses processes and machines) on this process's
    monotonic clock, which the searches' timers (``cpsat.solve_until``) take."""
    return time.monotonic() + (deadline - time.time())


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


def needs_model(job: PoolJob) -> bool:
    """Whether solving ``job`` builds a model: it has a stage-1 search or a finishing search; the others
    only time their start plan (``pacing.settle``), in milliseconds."""
    return job.search > 0 or job.finish >= FINISH_LEAST


def solve_pool(
    instance: Instance, job: PoolJob, progress: Progress | None = None, started: float | None = None
) -> PoolResult:
    """Solve one job here (what every process, local or on Ray, runs); ``progress`` only in the
    calling process."""
    from scheduler.stages import solve_group

    if not needs_model(job):
        # a group at its bound with no finishing search, or one the time plan has no room for
        return _kept(instance, job, late=False, unsolved=not job.at_bound)
    if time.time() >= job.deadline:
        return _kept(instance, job, late=True)
    tasks = [instance.tasks[t] for t in job.tasks]
    group_pools = [(list(ts), list(es)) for ts, es in job.pools]
    targets: list[QuotaTarget] = [(year, list(ts), need) for year, ts, need in job.targets]
    deadline = monotonic(job.deadline)
    outcome = solve_group(
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
        at_bound=job.at_bound,
        floors=list(job.floors) or None,
        exact=job.exact,
    )
    return PoolResult(
        index=job.index,
        values=tuple(sorted(outcome.values.items())),
        optimal=outcome.optimal,
        loads=tuple(outcome.loads.items()),
        bounds=tuple(outcome.pool_bounds.items()),
        feasible=outcome.feasible,
        wall_clock_fired=outcome.wall_clock_fired,
        spent=round(outcome.spent, SPENT_DIGITS),
        proven=outcome.proven,
    )


def _kept(instance: Instance, job: PoolJob, *, late: bool, unsolved: bool = True) -> PoolResult:
    """A job with no budget, or (``late``) one the last resort reached before it started: no model is
    built; its greedy plan is kept and timed as when stage 2 finds nothing (``pacing.settle``), loads
    set beside the pools' lower bounds. ``unsolved``: the plan is reported as kept without the solver
    (not so for a group at its bound, which had nothing to search)."""
    from scheduler import pacing, pooling
    from scheduler.quota_caps import caps_for
    from scheduler.shares import quotas_met

    targets: list[QuotaTarget] = [(year, list(ts), need) for year, ts, need in job.targets]
    caps = caps_for(instance, [instance.tasks[t] for t in job.tasks])
    plan = pacing.settle(instance, dict(job.start), targets, caps)
    load = pooling.loads(instance, plan)
    loads, bounds = [], []
    floors = job.floors or tuple(pooling.floors(instance, job.pools))
    reported = pooling.reported_bounds(instance, job.pools, floors, plan)
    for (ts, es), bound in zip(job.pools, reported, strict=True):
        name = f"max_load[{pooling.pool_name(instance, list(es), list(ts))}]"
        loads.append((name, max((load.get(k, 0) for k in es), default=0)))
        bounds.append((name, bound))
    return PoolResult(
        index=job.index,
        values=tuple(sorted(plan.items())),
        optimal=False,
        loads=tuple(loads),
        bounds=tuple(bounds),
        feasible=quotas_met(instance, plan, targets),
        wall_clock_fired=late,
        kept=unsolved,
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


class Runner:
    """Where one solve's jobs run: here, in a local pool of spawned processes, or as Ray tasks
    (``ray``: an address, or ``"local"``). The process pool or the Ray runtime is started at the
    first batch that needs it and kept until :meth:`close`, so that the second search on what the
    groups left unspent (``scheduler.solve``) does not pay for starting processes, shipping the
    instance or starting Ray again. A context manager."""

    def __init__(self, instance: Instance, *, processes: int = 1, ray: str | None = None) -> None:
        self.instance = instance
        self.processes = processes
        self.address = ray
        self._pool: ProcessPoolExecutor | None = None
        self._ray: tuple[Any, Any, Any, bool] | None = None  # module, the instance in its store, task, ours
        self._late = 0.0  # seconds the Ray runtime took to start: the last resort moves by them

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop the process pool, and the Ray runtime when this runner started it."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        if self._ray is not None:
            module, _, _, ours = self._ray
            self._ray = None
            if ours:
                module.shutdown()

    def run(
        self,
        jobs: list[PoolJob],
        *,
        done: Callable[[PoolResult], None] | None = None,
        progress: Progress | None = None,
        started: float | None = None,
    ) -> list[PoolResult]:
        """Solve ``jobs`` and return their results in the jobs' order (never in finishing order, nor
        in the groups' order when the jobs are not in it).

        Jobs that build no model (:func:`needs_model`) are solved here, first: shipping them would
        cost more than they do, and a round whose groups are all at their bound starts no process.
        A batch of one job to model, or a runner of one process, solves here, one job after another;
        ``done`` is called with each result as it comes; ``progress`` gets the solver's own reports, in
        this process only."""
        light = [job for job in jobs if not needs_model(job)]
        heavy = [job for job in jobs if needs_model(job)]
        by_job: dict[int, PoolResult] = {}
        for job, result in zip(light + heavy, self._results(light, heavy, progress, started), strict=True):
            by_job[id(job)] = result
            if done is not None:
                done(result)
        return [by_job[id(job)] for job in jobs]

    def _results(
        self, light: list[PoolJob], heavy: list[PoolJob], progress: Progress | None, started: float | None
    ) -> Iterator[PoolResult]:
        """The results of ``light`` (solved here), then of ``heavy`` (where this runner solves)."""
        for job in light:
            yield solve_pool(self.instance, job)
        if self.address is not None and heavy:
            yield from self._on_ray(heavy)
        elif self.processes <= 1 or len(heavy) <= 1:
            for job in heavy:
                yield solve_pool(self.instance, job, progress, started)
        else:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=min(self.processes, len(heavy)),
                    mp_context=get_context("spawn"),
                    initializer=_init,
                    initargs=(self.instance,),
                )
            futures = [self._pool.submit(_solve_here, job) for job in heavy]
            yield from (future.result() for future in futures)

    def _on_ray(self, jobs: list[PoolJob]) -> Iterator[PoolResult]:
        """The jobs submitted as Ray tasks; their results as they are asked for, in the jobs' order."""
        if self._ray is None:
            self._ray = self._start_ray()
        module, shared, remote, _ = self._ray
        # starting a Ray runtime is not solving: the last resort moves by the time it took
        futures = [remote.remote(shared, replace(job, deadline=job.deadline + self._late)) for job in jobs]
        return (module.get(future) for future in futures)

    def _start_ray(self) -> tuple[Any, Any, Any, bool]:
        try:
            import ray
        except ImportError:
            raise RayMissing("未安装 Ray：请先安装可选组件 pip install 'inspection-planner[ray]'") from None
        ours = not ray.is_initialized()
        starting = time.time()
        if ours:
            ray.init(
                address=None if self.address == "local" else self.address,
                include_dashboard=False,
                log_to_driver=False,
                configure_logging=False,
            )
        self._late = time.time() - starting
        try:
            return ray, ray.put(self.instance), ray.remote(num_cpus=1)(_solve_on_ray), ours
        except BaseException:
            if ours:
                ray.shutdown()
            raise


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
    """Solve ``jobs`` once with a :class:`Runner` of their own (``processes`` 1: here; more: a local
    pool of spawned processes; ``ray``: as Ray tasks); the results in the jobs' order."""
    with Runner(instance, processes=processes, ray=ray) as runner:
        return runner.run(jobs, done=done, progress=progress, started=started)
