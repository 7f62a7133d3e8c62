"""A paper's table for the engine: MSPSP-InstLib instances solved by the product's own model.

``python -m benchmarks.mspsp INSTANCE_DIR [--time-limit S] [--json FILE] [--results DIR]``

The Multi-Skill Project Scheduling Problem (Young, Schutt, Feydy, CP 2017; format notes in
``../shared/mspsp/README.md``) in the product's terms: each activity is a visit (a task) of its
duration in working days whose team covers parts with counts — ``sreq[a, s]`` units of skill ``s``
is the part ``S<s>`` written ``S<s>*n`` — one part per member (分组巡查) and no more members than
units; each resource is an expert holding the skills it masters (all may lead, as MSPSP has no
leaders); a precedence is "B starts at least 0 working days after A ends" (``scheduler.precedence``).
Every working day counts (no calendar), dummy activities of length 0 are dropped and their
precedences bridged. The model is the product's: ``scheduler.model`` variables, every rule module
of ``constraints.registry`` (R4 with ``constraints.parts``, R5's NoOverlap, the precedence links),
the greedy's plan as a complete hint and the solver parameters of ``scheduler.solve``; only the
objective differs — the makespan, as the library asks.

Prints, per instance, our makespan beside the published optimum (or best bound) and the time; with
``--json`` also writes ``[{"instance", "makespan", "optimal", "seconds"}, …]``. The published results
are read from ``INSTANCE_DIR/../results`` unless ``--results`` says where.
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
from scheduler.greedy import greedy
from scheduler.instance import Instance, Task
from scheduler.model import Model, build_variables
from scheduler.precedence import Precedence
from scheduler.solve import _hint, _parameters

DAY0 = date(2001, 1, 1)  # day 0 of the synthetic calendar in which every day is a working day


@dataclass(frozen=True)
class Project:
    """One MSPSP instance as read from its .dzn file (activities and resources 0-based)."""

    name: str
    durations: tuple[int, ...]
    requirements: tuple[tuple[int, ...], ...]  # per activity, units of each skill
    mastery: tuple[tuple[bool, ...], ...]  # per resource, whether it masters each skill
    precedences: tuple[tuple[int, int], ...]  # (a, b): b starts no earlier than a ends
    lower_bound: int = 0  # ``mint``


# -- reading ---------------------------------------------------------------------------------------

_ASSIGNMENT = re.compile(r"^\s*(\w+)\s*=\s*(.*?);", re.S | re.M)


def read_dzn(path: Path) -> Project:
    """The instance in a MiniZinc data file of MSPSP-InstLib."""
    text = re.sub(r"%.*", "", path.read_text(encoding="utf-8"))
    values = {name: value for name, value in _ASSIGNMENT.findall(text)}

    def numbers(name: str) -> list[int]:
        return [int(x) for x in re.findall(r"-?\d+", values[name])]

    def matrix(name: str, parse: Any) -> tuple[tuple[Any, ...], ...]:
        rows = values[name].strip().strip("[]").strip("|").split("|")
        return tuple(tuple(parse(x) for x in re.findall(r"[\w.]+", row)) for row in rows if row.strip())

    return Project(
        name=path.name,
        durations=tuple(numbers("dur")),
        requirements=matrix("sreq", int),
        mastery=matrix("mastery", lambda x: x == "true"),
        precedences=tuple(zip(numbers("pred"), numbers("succ"), strict=True)) if "pred" in values else (),
        lower_bound=numbers("mint")[0] if "mint" in values else 0,
    )


def published(results: Path) -> dict[str, tuple[int, bool]]:
    """Instance file name -> (published makespan, proven optimal), from the library's result files."""
    found: dict[str, tuple[int, bool]] = {}
    for path in sorted(results.glob("results_*_pris.txt")):
        group = path.name.removeprefix("results_").removesuffix("_pris.txt")
        with path.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                name = f"inst_{group}_{int(row['instNum']):02d}.dzn"
                found[name] = (int(row["makespan"]), row["optimal"].strip() == "1")
    return found


# -- the product's types -----------------------------------------------------------------------------


def to_instance(project: Project) -> Instance:
    """The project as the engine's instance: activities as tasks, resources as experts."""
    skills = [f"S{s + 1}" for s in range(len(project.mastery[0]))]
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
    horizon = sum(project.durations)
    kept = [a for a, d in enumerate(project.durations) if d > 0]
    index = {a: t for t, a in enumerate(kept)}
    tasks = []
    for t, a in enumerate(kept):
        need = [(skills[s], n) for s, n in enumerate(project.requirements[a]) if n > 0]
        size = sum(n for _, n in need)
        tasks.append(
            Task(
                index=t,
                inst=Institution(f"A{a + 1}", f"活动{a + 1}", "—", "secondary"),
                days=project.durations[a],
                starts=((0, horizon - project.durations[a]),),
                start_years=(DAY0.year,),
                candidates=tuple(k for k, e in enumerate(experts) if {s for s, _ in need} & set(e.skills)),
                skills=tuple(s for s, _ in need),
                counts=tuple(n for _, n in need),
                one_part_each=True,
                team_min=size,
                team_max=size,
            )
        )
    links = [Precedence(index[a], index[b], 0, calendar=False) for a, b in _bridged(project, set(kept))]
    workdays = [DAY0 + timedelta(days=w) for w in range(horizon)]
    params = Params(name=project.name, start=workdays[0], deadline=workdays[-1])
    # one tier for every activity, whose rule asks only what each task itself carries (R1: a day)
    rules = {tier: TierRule(tier, 1, 1, len(experts), tuple(skills)) for tier in TIERS}
    every_day = tuple(  # the holidays sheet's way of saying that every day is a working day
        HolidayRow(max(workdays[0], date(y, 1, 1)), min(workdays[-1], date(y, 12, 31)), "workday")
        for y in range(workdays[0].year, workdays[-1].year + 1)
    )
    scenario = Scenario(params, tuple(t.inst for t in tasks), experts, tier_rules=rules, holidays=every_day)
    return Instance(scenario, workdays, experts, tasks, (), precedences=links)


def _bridged(project: Project, kept: set[int]) -> list[tuple[int, int]]:
    """The precedences between kept activities (1-based in the file), through dropped ones."""
    after: dict[int, set[int]] = {}
    for a, b in project.precedences:
        after.setdefault(a - 1, set()).add(b - 1)

    def reach(a: int, seen: set[int]) -> set[int]:
        out = set()
        for b in after.get(a, ()):
            if b in kept:
                out.add(b)
            elif b not in seen:
                seen.add(b)
                out |= reach(b, seen)
        return out

    return sorted({(a, b) for a in kept for b in reach(a, set())})


# -- solving -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    makespan: int | None
    optimal: bool
    seconds: float
    problems: tuple[str, ...] = ()  # what the independent check found wrong


def solve_project(project: Project, time_limit: float, seed: int = 0, workers: int = 2) -> Outcome:
    """Minimise the makespan with the product's model; the result checked against the MSPSP rules."""
    started = time.monotonic()
    instance = to_instance(project)
    m = build_variables(instance, instance.tasks, require_all=True)
    post_all(m)
    cp = m.cp
    top = instance.horizon
    makespan = cp.new_int_var(min(project.lower_bound, top), top, "makespan")
    for task in instance.tasks:
        cp.add(makespan >= m.start[task.index] + task.days)
    _skill_capacities(m, project)
    start_plan = greedy(instance, [])
    end = max((a.start + instance.tasks[t].days for t, a in start_plan.items()), default=top)
    _hint(m, start_plan, {makespan: end} if len(start_plan) == len(instance.tasks) else {})
    cp.minimize(makespan)
    solver = cp_model.CpSolver()
    _parameters(solver, time_limit - (time.monotonic() - started), seed, workers)
    status = solver.solve(cp)
    seconds = time.monotonic() - started
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Outcome(None, False, seconds)
    starts = {t.index: solver.value(m.start[t.index]) for t in instance.tasks}
    teams = {t: [k for k in instance.tasks[t].candidates if solver.value(m.x[t, k])] for t in starts}
    return Outcome(
        solver.value(makespan),
        status == cp_model.OPTIMAL,
        seconds,
        tuple(check(project, instance, starts, teams)),
    )


def _skill_capacities(m: Model, project: Project) -> None:
    """Redundant, for the makespan only: for every set of skills, the units of them under way at
    once never exceed the resources mastering one of them (each resource gives one unit at a time)."""
    cp = m.cp
    intervals = {
        t.index: cp.new_fixed_size_interval_var(m.start[t.index], t.days, f"span[{t.name}]") for t in m.tasks
    }
    activity = {t.index: int(t.inst.id[1:]) - 1 for t in m.tasks}
    skills = range(len(project.mastery[0]))
    for subset in range(1, 1 << len(skills)):
        chosen = [s for s in skills if subset >> s & 1]
        capacity = sum(1 for row in project.mastery if any(row[s] for s in chosen))
        demands = {t: sum(project.requirements[a][s] for s in chosen) for t, a in activity.items()}
        used = [t for t, d in demands.items() if d > 0]
        if used and sum(demands[t] for t in used) > capacity:
            cp.add_cumulative([intervals[t] for t in used], [demands[t] for t in used], capacity)


def check(
    project: Project, instance: Instance, starts: dict[int, int], teams: dict[int, list[int]]
) -> list[str]:
    """The MSPSP rules on a schedule, by code of its own: team sizes, skills, one activity at a time
    per resource, precedences."""
    problems = []
    by_activity = {int(t.inst.id[1:]) - 1: t.index for t in instance.tasks}
    for a, t in by_activity.items():
        need = project.requirements[a]
        team = teams[t]
        if len(team) != sum(need) or not _units_coverable(project, team, need):
            problems.append(f"activity {a + 1}: team {team} does not give exactly the units {need}")
    for k in range(len(project.mastery)):
        spans = sorted((starts[t], starts[t] + instance.tasks[t].days) for t in teams if k in teams[t])
        if any(b0 < a1 for (_, a1), (b0, _) in itertools.pairwise(spans)):
            problems.append(f"resource {k + 1} is on two activities at once")
    for a, b in project.precedences:
        if a - 1 in by_activity and b - 1 in by_activity:
            ta, tb = by_activity[a - 1], by_activity[b - 1]
            if starts[tb] < starts[ta] + instance.tasks[ta].days:
                problems.append(f"activity {b} starts before activity {a} ends")
    return problems


def _units_coverable(project: Project, team: list[int], need: tuple[int, ...]) -> bool:
    """Whether each member can take one unit of a skill they master so that every skill gets its
    units: a depth-first search over the members (teams are small)."""
    left = list(need)

    def place(i: int) -> bool:
        if i == len(team):
            return not any(left)
        for s, n in enumerate(left):
            if n and project.mastery[team[i]][s]:
                left[s] -= 1
                if place(i + 1):
                    return True
                left[s] += 1
        return False

    return place(0)


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
    matched = wrong = 0
    print(f"{'instance':<42} {'ours':>5} {'opt?':>4} {'published':>9} {'seconds':>8}")
    for path in files:
        outcome = solve_project(read_dzn(path), args.time_limit, args.seed, args.workers)
        best, proven = known.get(path.name, (None, False))
        matched += best is not None and outcome.makespan == best
        wrong += bool(outcome.problems)
        shown = "—" if outcome.makespan is None else str(outcome.makespan)
        theirs = "—" if best is None else f"{best}{'' if proven else '?'}"
        flag = "  INVALID: " + "; ".join(outcome.problems[:2]) if outcome.problems else ""
        proof = "yes" if outcome.optimal else "no"
        print(f"{path.name:<42} {shown:>5} {proof:>4} {theirs:>9} {outcome.seconds:>8.1f}{flag}")
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
        f"{len(rows)} instances: {proven_ours} proven optimal, "
        f"{matched} equal to the published makespan, {wrong} invalid"
    )
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
