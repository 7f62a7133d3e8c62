"""A paper's table for the engine: MSPSP-InstLib instances solved by the product's own model.

``python -m benchmarks.mspsp INSTANCE_DIR [--time-limit S] [--json FILE] [--results DIR]``

The Multi-Skill Project Scheduling Problem (Young, Schutt, Feydy, CP 2017; format notes in
``../shared/mspsp/README.md``) in the product's terms: each activity is a visit (a task) of its
duration in working days whose team covers parts with counts — ``sreq[a, s]`` units of skill ``s``
is the part ``S<s>`` written ``S<s>*n`` — one part per member (分组巡查) and no more members than
units; each resource is an expert holding the skills it masters (all may lead, as MSPSP has no
leaders); a precedence is "B starts at least 0 working days after A ends" (``scheduler.precedence``).
Every working day counts (no calendar). Activities that need no one — the dummies, those of length
0, those without a skill requirement — are not tasks: they only take time, so they become the lags
of the links that pass through them, earliest starts, and bounds on the makespan (``Timing``). The
model is the product's: ``scheduler.model`` variables, every rule module of
``constraints.registry`` (R4 with ``constraints.parts``, R5's NoOverlap, the precedence links), the
greedy's plan as a complete hint and the solver parameters of ``scheduler.cpsat``; only the
objective differs — the makespan, as the library asks.

Prints, per instance, our makespan beside the published optimum (or best bound) and the time; an
instance shown ``none`` has been proven to have no schedule, ``—`` found none in the time. With
``--json`` also writes ``[{"instance", "makespan", "optimal", "seconds"}, …]``. The published
results are read from ``INSTANCE_DIR/../results`` (searched recursively) unless ``--results`` says
where. Exits 1 when a plan breaks an MSPSP rule, a results row does not fit its instance, or a file
cannot be read.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import re
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from ortools.sat.python import cp_model

from constraints.registry import post_all
from inputs.scenario import TIERS, Expert, HolidayRow, Institution, Params, Scenario, TierRule
from scheduler.cpsat import hint, parameters, read
from scheduler.greedy import Assignment, greedy
from scheduler.instance import Instance, Task
from scheduler.model import Model, build_variables
from scheduler.precedence import Precedence

DAY0 = date(2001, 1, 1)  # day 0 of the synthetic calendar in which every day is a working day


@dataclass(frozen=True)
class Project:
    """One MSPSP instance as read from its .dzn file (activities and resources 0-based)."""

    name: str
    durations: tuple[int, ...]
    requirements: tuple[tuple[int, ...], ...]  # per activity, units of each skill
    mastery: tuple[tuple[bool, ...], ...]  # per resource, whether it masters each skill
    precedences: tuple[tuple[int, int], ...]  # (a, b), 1-based: b starts no earlier than a ends
    skills: int  # ``nSkills``
    lower_bound: int = 0  # ``mint``, only to check that a results row is this instance's


# -- reading ---------------------------------------------------------------------------------------

_TOKEN = re.compile(r"[\w.+-]+")
_ARRAY2D = re.compile(r"array2d\s*\((.*?),(.*?),\s*\[(.*)\]\s*\)", re.S)


def read_dzn(path: Path) -> Project:
    """The instance in a MiniZinc data file of MSPSP-InstLib.

    Read as MiniZinc data rather than as the files of set 1a look: ``%`` and ``/* */`` comments, any
    spacing and line breaks (several assignments on one line), ``[]`` for an empty array, a 2-d array
    as ``[| … |]`` or ``array2d(1..n, 1..l, […])``, Booleans as ``true``/``false`` or 1/0, fields the
    adapter does not use (``USEFUL_RES``, ``SumOfsreq``, …). The counts ``nActs``, ``nSkills``,
    ``nResources`` and ``nPrecs``, where given, must agree with the arrays: a misread file stops here."""
    text = re.sub(r"/\*.*?\*/", " ", path.read_text(encoding="utf-8-sig"), flags=re.S)
    values = {}
    for statement in re.sub(r"%[^\n]*", "", text).split(";"):
        name, equals, value = statement.partition("=")
        if equals and name.strip().isidentifier():
            values[name.strip()] = value.strip()

    def numbers(name: str) -> list[int]:
        return [int(x) for x in _TOKEN.findall(values.get(name, ""))]

    def rows(name: str) -> list[list[str]]:
        value = values.get(name, "[]")
        flat = _ARRAY2D.fullmatch(value)
        if flat:  # array2d(1..n, 1..l, [...]): the rows are cut at the second range's size
            low, high = (int(x) for x in re.findall(r"-?\d+", flat.group(2)))
            items = _TOKEN.findall(flat.group(3))
            size = max(high - low + 1, 0)
            return [items[i : i + size] for i in range(0, len(items), size)] if size else []
        found = [_TOKEN.findall(row) for row in value.strip().removeprefix("[").removesuffix("]").split("|")]
        return [row for row in found if row]

    def counted(name: str, found: int) -> None:
        if name in values and int(values[name]) != found:
            raise ValueError(f"{path.name}: {name} = {values[name]}, but the data hold {found}")

    durations = numbers("dur")
    skills = int(values["nSkills"]) if "nSkills" in values else None
    requirements = [[int(x) for x in row] for row in rows("sreq")]
    mastery = [[x in ("true", "1") for x in row] for row in rows("mastery")]
    if skills is None:
        skills = len((requirements or mastery or [[]])[0])
    if skills == 0:  # no skills: rows without entries, one per activity and per resource
        requirements = [[] for _ in durations]
        mastery = [[] for _ in range(int(values.get("nResources", 0)))]
    pred, succ = numbers("pred"), numbers("succ")
    counted("nActs", len(durations))
    counted("nActs", len(requirements))
    counted("nResources", len(mastery))
    counted("nPrecs", len(pred))
    counted("nPrecs", len(succ))
    if len(pred) != len(succ) or any(len(row) != skills for row in requirements + mastery):
        raise ValueError(f"{path.name}: pred/succ or the rows of sreq/mastery differ in length")
    if any(not 1 <= a <= len(durations) for a in pred + succ):
        raise ValueError(f"{path.name}: a precedence names an activity outside 1..{len(durations)}")
    return Project(
        name=path.name,
        durations=tuple(durations),
        requirements=tuple(tuple(row) for row in requirements),
        mastery=tuple(tuple(row) for row in mastery),
        precedences=tuple(zip(pred, succ, strict=True)),
        skills=skills,
        lower_bound=numbers("mint")[0] if numbers("mint") else 0,
    )


@dataclass(frozen=True)
class Published:
    """One instance's row in the library's results: the best makespan found, whether it is proven
    optimal, and ``LB`` (the instance's ``mint``, by which the row is checked against the file)."""

    makespan: int
    optimal: bool
    lower_bound: int


def published(results: Path) -> dict[str, Published]:
    """Instance file name -> its published result, from the library's result files.

    ``results_<group>_pris.txt`` (found anywhere under ``results``) holds one CSV row per instance
    ``inst_<group>_NN.dzn``, ``instNum`` being NN — except in some files of set 2, where ``instNum``
    repeats (0, 0): there the rows are in the order of the files, and that order is used (as it is
    where ``instNum`` is missing)."""
    found: dict[str, Published] = {}
    for path in sorted(results.rglob("results_*.txt")):
        group = re.sub(r"(_pris)?\.txt$", "", path.name.removeprefix("results_"))
        with path.open(encoding="utf-8-sig", newline="") as handle:
            table = [
                {(k or "").strip(): (v or "").strip() for k, v in row.items()}
                for row in csv.DictReader(line for line in handle if line.strip())
            ]
        numbers = [int(row["instNum"]) for row in table if re.fullmatch(r"\d+", row.get("instNum", ""))]
        if len(numbers) < len(table) or len(set(numbers)) < len(numbers):
            numbers = list(range(len(table)))
        for number, row in zip(numbers, table, strict=True):
            if not re.fullmatch(r"-?\d+", row.get("makespan", "")):
                continue  # no schedule published for this instance
            lower = int(row["LB"]) if re.fullmatch(r"-?\d+", row.get("LB", "")) else 0
            found[f"inst_{group}_{number:02d}.dzn"] = Published(
                int(row["makespan"]), row.get("optimal") == "1", lower
            )
    return found


# -- the product's types -----------------------------------------------------------------------------


def to_instance(project: Project, timing: Timing | None = None, within: int | None = None) -> Instance:
    """The project as the engine's instance: activities that need people as tasks, resources as
    experts; the other activities (dummies, no duration, or no skill needed) are time only, in the
    links' lags and the tasks' earliest starts (``timing``: ``Timing.of(project)``, computed when not
    given). ``within``: a makespan to stay within (each task's start domain then ends early enough
    for the task and the free activities after it to end by then), instead of the sum of all
    durations; the links between tasks are left to the model."""
    skills = [f"S{s + 1}" for s in range(project.skills)]
    experts = tuple(
        Expert(
            f"R{r + 1}",
            f"资源{r + 1}",
            "—",
            tuple(s for s, m in zip(skills, row, strict=True) if m),
            leader=True,
        )
        for r, row in enumerate(project.mastery)
    )
    horizon = max(sum(project.durations), 1)
    timing = Timing.of(project) if timing is None else timing
    top = horizon if within is None else min(within, horizon)
    index = {a: t for t, a in enumerate(timing.kept)}
    tasks = []
    for t, a in enumerate(timing.kept):
        need = [(skills[s], n) for s, n in enumerate(project.requirements[a]) if n > 0]
        size = sum(n for _, n in need)
        tasks.append(
            Task(
                index=t,
                inst=Institution(f"A{a + 1}", f"活动{a + 1}", "—", "secondary"),
                days=project.durations[a],
                starts=((timing.release[a], top - project.durations[a] - timing.tail[a]),),
                start_years=(DAY0.year,),
                candidates=tuple(k for k, e in enumerate(experts) if {s for s, _ in need} & set(e.skills)),
                skills=tuple(s for s, _ in need),
                counts=tuple(n for _, n in need),
                one_part_each=True,
                team_min=size,
                team_max=size,
            )
        )
    links = [
        Precedence(index[a], index[b], lag, calendar=False) for (a, b), lag in sorted(timing.lags.items())
    ]
    workdays = [DAY0 + timedelta(days=w) for w in range(horizon)]
    # the makespan: finish early (the greedy's hint then takes the activities in date order)
    params = Params(name=project.name, start=workdays[0], deadline=workdays[-1], pace="early")
    # one tier for every activity, whose rule asks only what each task itself carries (R1: a day)
    rules = {tier: TierRule(tier, 1, 1, max(len(experts), 1), tuple(skills)) for tier in TIERS}
    every_day = tuple(  # the holidays sheet's way of saying that every day is a working day
        HolidayRow(max(workdays[0], date(y, 1, 1)), min(workdays[-1], date(y, 12, 31)), "workday")
        for y in range(workdays[0].year, workdays[-1].year + 1)
    )
    scenario = Scenario(params, tuple(t.inst for t in tasks), experts, tier_rules=rules, holidays=every_day)
    return Instance(scenario, workdays, experts, tasks, (), precedences=links)


@dataclass(frozen=True)
class Timing:
    """What the activities without a task add in time. Those take no one, so they only delay: a
    chain of them between two tasks is a lag, before a task an earliest start, after it a tail the
    makespan must cover; a chain of them alone is a constant the makespan must reach. All are longest
    paths through those activities only (0-based activity numbers)."""

    kept: tuple[int, ...]  # the activities that are tasks: a duration and at least one unit to staff
    lags: dict[tuple[int, int], int]  # (a, b) kept, linked through free activities only -> days
    release: dict[int, int]  # kept -> its earliest start
    tail: dict[int, int]  # kept -> days after its end that the makespan must still cover
    alone: int  # the longest chain of free activities with no task before it

    @staticmethod
    def of(project: Project) -> Timing:
        n = len(project.durations)
        kept = tuple(a for a in range(n) if project.durations[a] > 0 and sum(project.requirements[a]) > 0)
        after: dict[int, set[int]] = {}
        for a, b in project.precedences:
            after.setdefault(a - 1, set()).add(b - 1)
        order = _topological(n, after)
        free = set(range(n)) - set(kept)
        dur = project.durations

        def longest(sources: dict[int, int]) -> dict[int, int]:
            """Earliest starts reached from ``sources`` (activity -> its end) through free activities."""
            start: dict[int, int] = {}
            for a in order:
                end = sources.get(a, start[a] + dur[a] if a in free and a in start else None)
                for b in after.get(a, ()) if end is not None else ():
                    start[b] = max(start.get(b, 0), end)
            return start

        lags, tail = {}, {}
        for a in kept:
            reached = longest({a: 0})
            lags.update({(a, b): s for b, s in reached.items() if b in kept})
            tail[a] = max([0] + [s + dur[b] for b, s in reached.items() if b in free])
        first = longest({a: dur[a] for a in free if not any(a in after.get(u, ()) for u in range(n))})
        first.update({a: 0 for a in range(n) if a not in first})
        release = {a: first[a] for a in kept}
        alone = max([0] + [first[a] + dur[a] for a in free])
        return Timing(kept, lags, release, tail, alone)


def _topological(n: int, after: dict[int, set[int]]) -> list[int]:
    """The activities in an order where every precedence points forward (Kahn)."""
    before = [0] * n
    for bs in after.values():
        for b in bs:
            before[b] += 1
    ready = [a for a in range(n) if not before[a]]
    order = []
    while ready:
        a = ready.pop()
        order.append(a)
        for b in after.get(a, ()):
            before[b] -= 1
            if not before[b]:
                ready.append(b)
    if len(order) != n:
        raise ValueError("the precedences form a cycle")
    return order


# -- solving -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    makespan: int | None  # None: no schedule (``optimal`` then says that there is none)
    optimal: bool
    seconds: float
    problems: tuple[str, ...] = ()  # what the independent check found wrong


def solve_project(project: Project, time_limit: float, seed: int = 0, workers: int = 2) -> Outcome:
    """Minimise the makespan with the product's model; the result checked against the MSPSP rules.

    The first round, from the greedy's plan and within its makespan, runs CP-SAT's parallel portfolio
    for half the time (better on few resources: set 1b with 20-38); the time left goes to rounds of
    CP-SAT's interleaved search (better on many: set 1a's, 1b with 45-60), each from the best plan so
    far and within its makespan (a round stops early when its next batch would not fit)."""
    started = time.monotonic()
    timing = Timing.of(project)
    if not timing.kept:  # nothing to staff: the free activities alone make the makespan
        problems = tuple(check(project, {}, {}, timing.alone))
        return Outcome(timing.alone, True, time.monotonic() - started, problems)
    instance = to_instance(project, timing)
    plan = greedy(instance, [])
    within = _makespan(instance, timing, plan) if len(plan) == len(instance.tasks) else None
    found: _Found | None = None
    for round_ in itertools.count():
        left = time_limit - (time.monotonic() - started)
        if round_ and left < ROUND_SECONDS:
            break
        first = round_ == 0
        budget = left * PORTFOLIO_SHARE if first else left
        status, result = _search(project, timing, plan, within, budget, seed + round_, workers, first)
        if status == cp_model.INFEASIBLE and within is None:
            return Outcome(None, True, time.monotonic() - started)
        if result is None and first:  # nothing found yet: the interleaved rounds go on from the greedy's
            continue
        if result is None:
            break
        found = result
        if status == cp_model.OPTIMAL:  # within the best makespan so far: optimal for the instance
            break
        plan, within = result.plan, result.makespan
    seconds = time.monotonic() - started
    if found is None:
        return Outcome(None, False, seconds)
    problems = check(project, found.starts, found.teams, found.makespan)
    return Outcome(found.makespan, found.optimal, seconds, tuple(problems))


ROUND_SECONDS = 2.0  # a further round gets at least this much time (its presolve alone takes ~0.5 s)
PORTFOLIO_SHARE = 0.5  # of the time left after the greedy's plan: the first round (CP-SAT's portfolio)


@dataclass(frozen=True)
class _Found:
    makespan: int
    optimal: bool
    plan: dict[int, Assignment]  # task -> its start and team, to hint the next round
    starts: dict[int, int]  # activity (0-based) -> start, for the check
    teams: dict[int, list[int]]  # activity -> resources


def _makespan(instance: Instance, timing: Timing, plan: dict[int, Assignment]) -> int:
    return max(
        [timing.alone]
        + [a.start + instance.tasks[t].days + timing.tail[timing.kept[t]] for t, a in plan.items()]
    )


def _search(
    project: Project,
    timing: Timing,
    plan: dict[int, Assignment],
    within: int | None,
    budget: float,
    seed: int,
    workers: int,
    portfolio: bool = False,
) -> tuple[Any, _Found | None]:
    """One CP-SAT search from ``plan`` (complete when ``within`` is given: its makespan), only for
    schedules within that makespan: the starts' domains end there, which the presolve and the
    propagation use from the start (set 1b, one round from the greedy's plan: better on 4 of 12
    instances at 60 s, worse on 2; with the further rounds better on 5, worse on none)."""
    instance = to_instance(project, timing, within=within)
    m = build_variables(instance, instance.tasks, require_all=True)
    post_all(m)
    cp = m.cp
    top = instance.horizon if within is None else within
    makespan = cp.new_int_var(timing.alone, max(timing.alone, top), "makespan")
    for task in instance.tasks:
        cp.add(makespan >= m.start[task.index] + task.days + timing.tail[timing.kept[task.index]])
    _skill_capacities(m, project)
    hint(m, plan, {makespan: within} if within is not None else {})
    cp.minimize(makespan)
    solver = cp_model.CpSolver()
    parameters(solver, budget, seed, workers, portfolio=portfolio)
    status = solver.solve(cp)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return status, None
    tasks = instance.tasks
    return status, _Found(
        solver.value(makespan),
        status == cp_model.OPTIMAL,
        read(m, solver),
        {timing.kept[t.index]: solver.value(m.start[t.index]) for t in tasks},
        {timing.kept[t.index]: [k for k in t.candidates if solver.value(m.x[t.index, k])] for t in tasks},
    )


def _skill_capacities(m: Model, project: Project) -> None:
    """Redundant, for the makespan only: for a set of skills, the units of them under way at once
    never exceed the resources mastering one of them (each resource gives one unit at a time).

    Posted only for the sets that can add something — with 15 skills, 2^15 - 1 cumulatives would
    swamp the model: a set is closed (it holds every skill whose masters are all among its own
    masters; closing a set keeps its capacity and only adds demand) and connected (it does not split
    into two parts with no master in common, whose own constraints would add up to the set's)."""
    cp = m.cp
    intervals = {
        t.index: cp.new_fixed_size_interval_var(m.start[t.index], t.days, f"span[{t.name}]") for t in m.tasks
    }
    activity = {t.index: int(t.inst.id[1:]) - 1 for t in m.tasks}
    skills = range(project.skills)
    masters = [sum(1 << r for r, row in enumerate(project.mastery) if row[s]) for s in skills]
    closed: set[int] = set()
    # every set is looked at (2^15 at most in the library); past 16 skills, only the single ones
    for subset in range(1, 1 << len(skills)) if len(skills) <= 16 else (1 << s for s in skills):
        reach = 0
        for s in skills:
            if subset >> s & 1:
                reach |= masters[s]
        closed.add(sum(1 << s for s in skills if not masters[s] & ~reach))
    for subset in sorted(closed):
        chosen = [s for s in skills if subset >> s & 1]
        if not _connected(chosen, masters):
            continue
        capacity = sum(1 for row in project.mastery if any(row[s] for s in chosen))
        demands = {t: sum(project.requirements[a][s] for s in chosen) for t, a in activity.items()}
        used = [t for t, d in demands.items() if d > 0]
        if used and sum(demands[t] for t in used) > capacity:
            cp.add_cumulative([intervals[t] for t in used], [demands[t] for t in used], capacity)


def _connected(chosen: list[int], masters: list[int]) -> bool:
    """Whether the skills ``chosen`` are linked, two at a time, by resources mastering both."""
    reached, frontier = {chosen[0]}, [chosen[0]]
    while frontier:
        s = frontier.pop()
        for other in chosen:
            if other not in reached and masters[s] & masters[other]:
                reached.add(other)
                frontier.append(other)
    return len(reached) == len(chosen)


def check(project: Project, starts: dict[int, int], teams: dict[int, list[int]], makespan: int) -> list[str]:
    """The MSPSP rules on a schedule (activity -> start and team, 0-based, for the staffed ones), by
    code of its own: every activity with a duration and a need has a team giving exactly its units,
    no resource on two activities at once, every precedence kept (the other activities placed as
    early as their predecessors allow), and the makespan the end of the last activity."""
    problems = []
    n = len(project.durations)
    for a in range(n):
        need = project.requirements[a]
        if project.durations[a] > 0 and any(need) and a not in starts:
            problems.append(f"activity {a + 1} is not scheduled")
    for a, team in teams.items():
        need = project.requirements[a]
        if len(team) != sum(need) or not _units_coverable(project, team, need):
            problems.append(f"activity {a + 1}: team {team} does not give exactly the units {need}")
    for k in range(len(project.mastery)):
        spans = sorted((starts[a], starts[a] + project.durations[a]) for a in teams if k in teams[a])
        if any(b0 < a1 for (_, a1), (b0, _) in itertools.pairwise(spans)):
            problems.append(f"resource {k + 1} is on two activities at once")
    after: dict[int, set[int]] = {}
    for a, b in project.precedences:
        after.setdefault(a - 1, set()).add(b - 1)
    start = dict(starts)
    for a in _topological(n, after):
        ends = [start[u] + project.durations[u] for u in range(n) if a in after.get(u, ())]
        start.setdefault(a, max(ends, default=0))
    for a, b in project.precedences:
        if start[b - 1] < start[a - 1] + project.durations[a - 1]:
            problems.append(f"activity {b} starts before activity {a} ends")
    last = max([0] + [start[a] + project.durations[a] for a in range(n)])
    if makespan != last:
        problems.append(f"the makespan is {makespan}, but the last activity ends at {last}")
    return problems


def _units_coverable(project: Project, team: list[int], need: tuple[int, ...]) -> bool:
    """Whether each member can take one unit of a skill they master so that every skill gets its
    units: a bipartite matching of members to units (augmenting paths)."""
    units = [s for s, n in enumerate(need) for _ in range(n)]
    holder: dict[int, int] = {}  # unit -> member

    def place(member: int, seen: set[int]) -> bool:
        for u, s in enumerate(units):
            if u not in seen and project.mastery[member][s]:
                seen.add(u)
                if u not in holder or place(holder[u], seen):
                    holder[u] = member
                    return True
        return False

    return len(team) == len(units) and all(place(k, set()) for k in team)


# -- the table ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mspsp", description=__doc__.splitlines()[0])
    parser.add_argument("instances", type=Path, help="folder of MSPSP-InstLib .dzn files")
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance")
    parser.add_argument("--json", type=Path, help="also write the results as a JSON list here")
    parser.add_argument("--results", type=Path, help="published results (default: INSTANCE_DIR/../results)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    files = sorted(args.instances.glob("*.dzn"))
    if not files:
        print(f"mspsp: no .dzn files in {args.instances}", file=sys.stderr)
        return 2
    results_dir = args.results or args.instances.parent / "results"
    known = published(results_dir) if results_dir.is_dir() else {}
    rows: list[dict[str, Any]] = []
    matched = better = worse = wrong = 0
    print(f"{'instance':<42} {'ours':>5} {'opt?':>4} {'published':>9} {'seconds':>8}")
    for path in files:
        try:
            project = read_dzn(path)
        except ValueError as error:
            print(f"{path.name:<42} UNREADABLE: {error}")
            wrong += 1
            continue
        outcome = solve_project(project, args.time_limit, args.seed, args.workers)
        theirs = known.get(path.name)
        problems = list(outcome.problems)
        if theirs and outcome.makespan is not None:
            matched += outcome.makespan == theirs.makespan
            better += outcome.makespan < theirs.makespan
            worse += outcome.makespan > theirs.makespan
            if theirs.optimal and outcome.makespan < theirs.makespan:
                problems.append(f"below the published optimum {theirs.makespan}")
        if (
            theirs
            and theirs.lower_bound
            and project.lower_bound
            and theirs.lower_bound != project.lower_bound
        ):
            problems.append(
                f"its results row has LB {theirs.lower_bound}, its file mint {project.lower_bound}"
            )
        wrong += bool(problems)
        shown = str(outcome.makespan) if outcome.makespan is not None else "none" if outcome.optimal else "—"
        published_text = "—" if theirs is None else f"{theirs.makespan}{'' if theirs.optimal else '?'}"
        flag = "  INVALID: " + "; ".join(problems[:2]) if problems else ""
        proof = "yes" if outcome.optimal else "no"
        print(f"{path.name:<42} {shown:>5} {proof:>4} {published_text:>9} {outcome.seconds:>8.1f}{flag}")
        rows.append(
            {
                "instance": path.name,
                "makespan": outcome.makespan,
                "optimal": outcome.optimal,
                "seconds": round(outcome.seconds, 2),
            }
        )
    proven_ours = sum(r["optimal"] for r in rows)
    print(
        f"{len(rows)} instances: {proven_ours} proven optimal, {matched} equal to the published makespan, "
        f"{better} better, {worse} worse, {wrong} invalid or unreadable"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
