"""The benchmark table (SPEC §6): generate each round, solve it, check it, and compare loads with bounds.

``python -m benchmarks.run [--kinds district,city,province,hospitals] [--seed N] [--time-limit S]
[--easy] [--size N] [--json]`` — the table (``--kinds open`` adds the one open pool of 3,200 visits ×
500 experts; ``--size`` sets the institutions of the national and open kinds).
``python -m benchmarks.run --sizes 400,1600,6400 [--seed N] [--time-limit S]`` — the sweep.

Each kind runs in its own subprocess (``python -m benchmarks.run --one KIND``, which prints one JSON
document) so that peak memory is measured per round and does not accumulate. A run generates the
round from the seed (hardened unless ``--easy``: ``benchmarks.generate``), solves it in-process with
``scheduler.solve.solve``, counts the violations ``constraints.registry.validate`` finds, and for
every pool of interchangeable experts sets the heaviest load beside the independent lower bound of
``benchmarks.bounds``, the stronger bound, and the diagnosis: ``bound attained``, ``weak bound``
(the plan reaches the stronger bound: no plan can do better). A pool above the stronger bound is
looked into with the whole-share bound (``benchmarks.bounds.whole_bound``, a deterministic CP-SAT
budget per load tried) and the team bound (``benchmarks.bounds.team_bound``: whole teams instead of
shares): ``weak bound (teams)`` (no teams do better: the plan is optimal), ``weak bound (whole
shares)`` (no whole shares do better: the plan is optimal), ``search gap`` (whole shares do
better: the search, or the timing they ignore, is at fault) or ``open`` (the budget ran out). The
same seed gives the same rounds and the same solver seed; only times and memory vary between runs.

The sweep generates a national grassroots round of each size, writes it as a CSV folder and runs the
``schedule solve`` command on it in a child process (reading, solving and writing the plan folder, as
a user would), then prints wall time, solve time, outputs time, the child's peak memory, the worst
pool's load over its bound, and how the wall time grows per doubling of the size (2.0 is linear).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.bounds import (
    LEADERS,
    PERSON_DAYS,
    diagnosis,
    followed,
    loads,
    lower_bound,
    pools,
    stronger_bound,
    team_bound,
    whole_bound,
)
from benchmarks.generate import KINDS, SIZED, TABLE_KINDS, generate
from inputs.scenario import Scenario
from scheduler.plan import Plan

REPO = Path(__file__).resolve().parents[1]
INCOMPLETE = "incomplete"  # the diagnosis of a pool some of whose institutions the plan left out


class BenchmarkError(Exception):
    """The benchmark cannot run (the solver is missing, a round failed)."""


# -- one round ---------------------------------------------------------------------------------------
def _solver() -> Callable[..., Any]:
    """``scheduler.solve.solve``, or a clear error while it does not exist yet."""
    try:
        from scheduler.solve import solve
    except ImportError as exc:
        raise BenchmarkError(
            f"scheduler.solve.solve is not available ({exc}); the benchmark needs the solver"
        ) from exc
    return solve


def _validator() -> Callable[[Scenario, Plan], list[Any]] | None:
    try:
        from constraints.registry import validate
    except ImportError:
        return None
    return validate


def pool_rows(scenario: Scenario, plan: Plan) -> list[dict[str, Any]]:
    """Per pool: name, size, heaviest load in the plan, the bound, their ratio and the deciding term,
    the stronger bound (``stronger``, its LP optimum and deciding term), for pools above the stronger
    one the larger of the whole-share and team bounds (``whole``, else None) and the diagnosis
    (``label``).

    The bounds count every institution of the pool, and the follow-up visits (回头看) of those marked
    for one or given one by the plan (``benchmarks.bounds.followed``); with some left out of the plan
    (``visited`` below ``institutions``, or a marked follow-up missing) the ratio flatters the plan.
    """
    load = loads(scenario, plan)
    planned = {v.institution for v in plan.visits if v.kind != "followup"}
    again = {v.institution for v in plan.visits if v.kind == "followup"}
    following = followed(scenario, plan)
    rows = []
    for pool in pools(scenario):
        bound = lower_bound(scenario, pool, following)
        stronger = stronger_bound(scenario, pool, bound, following)
        heaviest = max((load.get(x, 0) for x in pool.experts), default=0)
        ratio = heaviest / bound.ceil if bound.ceil else None
        complete = all(
            i in bound.unservable or (i in planned and (i in again or i not in following))
            for i in pool.institutions
        )
        above = complete and stronger.value is not None and heaviest > stronger.value
        whole = whole_bound(scenario, pool, stronger, heaviest, following=following) if above else None
        teams = team_bound(scenario, pool, stronger, heaviest, following=following) if above else None
        found = [w.value for w in (whole, teams) if w is not None]
        rows.append(
            {
                "pool": pool.name,
                "size": pool.size,
                "institutions": len(pool.institutions),
                "visited": sum(i in planned for i in pool.institutions),
                "heaviest": heaviest,
                "bound": bound.ceil,
                "bound_value": bound.value,
                "ratio": ratio,
                "decided_by": bound.decided_by,
                "terms": bound.terms,
                "unservable": list(bound.unservable),
                "stronger": stronger.value,
                "stronger_ratio": heaviest / stronger.value if stronger.value else None,
                "lp": None if stronger.lp is None else round(stronger.lp, 3),
                "lp_infeasible": stronger.lp_infeasible,
                "stronger_by": stronger.decided_by,
                "whole": max(found) if found else None,
                "label": diagnosis(heaviest, bound, stronger, whole, teams) if complete else INCOMPLETE,
            }
        )
    return rows


def worst(rows: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The pool row with the largest ratio (first among equals), or None when no ratio applies."""
    rated = [r for r in rows if r["ratio"] is not None]
    return max(rated, key=lambda r: r["ratio"]) if rated else None


@dataclass(frozen=True)
class Round:
    """One benchmark round to run: its kind and seed (the generator's and the solver's), the solver's
    time limit, whether it is hardened, ``size`` (the institutions of a national or open round; other
    kinds ignore it) and ``followups`` (R15's share of follow-ups)."""

    kind: str
    seed: int
    time_limit: float
    hard: bool = True
    size: int | None = None
    followups: float = 0.0

    def arguments(self) -> list[str]:
        """The command-line arguments of ``python -m benchmarks.run --one`` for this round."""
        out = ["--one", self.kind, "--seed", str(self.seed), "--time-limit", str(self.time_limit)]
        out += [] if self.hard else ["--easy"]
        out += [] if self.size is None else ["--size", str(self.size)]
        return out + (["--followups", str(self.followups)] if self.followups else [])


def run_one(round_: Round) -> dict[str, Any]:
    """Generate, solve, validate and measure one round in this process."""
    kind, seed, time_limit = round_.kind, round_.seed, round_.time_limit
    solve = _solver()
    started = time.perf_counter()
    size = round_.size if kind in SIZED else None
    scenario = generate(kind, seed, hard=round_.hard, size=size, followups=round_.followups)
    generated = time.perf_counter()
    with redirect_stdout(sys.stderr):  # anything the solver prints must not spoil the JSON on stdout
        result = solve(scenario, time_limit=time_limit, seed=seed)
    solved = time.perf_counter()
    plan: Plan = result.plan
    validate = _validator()
    violations = validate(scenario, plan) if validate is not None else None
    rows = pool_rows(scenario, plan)
    top = worst(rows)
    return {
        "kind": kind,
        "seed": seed,
        "hard": round_.hard,
        "followups": round_.followups,
        "time_limit": time_limit,
        "institutions": len(scenario.institutions),
        "to_visit": sum(not i.exempt for i in scenario.institutions),
        "experts": len(scenario.experts),
        "scheduled": len(plan.visits),
        "unscheduled": len(plan.unscheduled),
        "status": str(getattr(result.status, "value", result.status)),
        "generate_s": round(generated - started, 3),
        "wall_s": round(solved - generated, 3),
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "violations": None if violations is None else len(violations),
        "violations_by_rule": None if violations is None else _by_rule(violations),
        "pools": rows,
        "worst_ratio": None if top is None else top["ratio"],
        "worst_pool": None if top is None else top["pool"],
        "worst_stronger_ratio": _worst_stronger(rows),
        "worst_best_ratio": worst_best(rows),
        "labels": _labels(rows),
    }


def _worst_stronger(rows: Sequence[dict[str, Any]]) -> float | None:
    return max((r["stronger_ratio"] for r in rows if r["stronger_ratio"] is not None), default=None)


def worst_best(rows: Sequence[dict[str, Any]]) -> float | None:
    """The largest heaviest load over the best bound found for its pool (the largest of the bound, the
    stronger one and the whole-share or team bound), among the pools whose institutions a plan can all
    visit: above 1.0 only where the search may be at fault or the budget ran out before a bound showed
    the plan optimal (a pool whose load whole teams prove optimal counts 1.0, however far above the
    linear relaxation it is)."""
    ratios = []
    for r in rows:
        found = [b for b in (r["bound"], r["stronger"], r["whole"]) if b]
        if r["label"] != INCOMPLETE and found:
            ratios.append(r["heaviest"] / max(found))
    return max(ratios, default=None)


def _labels(rows: Sequence[dict[str, Any]]) -> dict[str, int]:
    return dict(sorted(Counter(r["label"] for r in rows).items()))


def _by_rule(violations: Sequence[Any]) -> dict[str, int]:
    return dict(sorted(Counter(v.rule for v in violations).items()))


# -- all rounds, each in its own process ---------------------------------------------------------------
def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    return env


def run_in_subprocess(round_: Round) -> dict[str, Any]:
    """``run_one`` in a fresh interpreter, so its peak memory is its own; its stderr shows through."""
    kind, seed, time_limit = round_.kind, round_.seed, round_.time_limit
    command = [sys.executable, "-m", "benchmarks.run", *round_.arguments()]
    try:
        done = subprocess.run(
            command,
            cwd=REPO,
            env=_child_env(),
            stdout=subprocess.PIPE,
            text=True,
            timeout=3 * time_limit + 300,
        )
    except subprocess.TimeoutExpired:
        return {"kind": kind, "seed": seed, "error": f"no answer within {3 * time_limit + 300:.0f} s"}
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    if done.returncode != 0 or not lines:
        return {"kind": kind, "seed": seed, "error": f"exit code {done.returncode} (see the messages above)"}
    return json.loads(lines[-1])


def _check_solver_exists() -> None:
    import importlib.util

    if importlib.util.find_spec("scheduler.solve") is None:
        raise BenchmarkError("scheduler.solve does not exist yet; the benchmark needs the solver")


# -- the table -------------------------------------------------------------------------------------------
def _num(value: Any, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def render(results: Sequence[dict[str, Any]], console: Console) -> None:
    """Print the summary per round, then the pools of every round."""
    summary = Table(title="Benchmark rounds")
    for header in ("kind", "institutions", "experts", "scheduled", "status", "wall s", "peak MiB"):
        summary.add_column(header, justify="left" if header in ("kind", "status") else "right")
    summary.add_column("violations", justify="right")
    summary.add_column("worst ratio", justify="right")
    summary.add_column("÷ stronger", justify="right")
    summary.add_column("÷ best", justify="right")
    summary.add_column("worst pool")
    summary.add_column("diagnosis")
    for r in results:
        if "error" in r:
            summary.add_row(r["kind"], *[""] * 3, f"error: {r['error']}", *[""] * 8)
            continue
        summary.add_row(
            r["kind"],
            str(r["institutions"]),
            str(r["experts"]),
            f"{r['scheduled']}/{r['to_visit']}",
            r["status"],
            _num(r["wall_s"]),
            _num(r["peak_mib"], 0),
            _num(r["violations"]),
            _num(r["worst_ratio"], 2),
            _num(r.get("worst_stronger_ratio"), 2),
            _num(r.get("worst_best_ratio"), 2),
            r["worst_pool"] or "",
            ", ".join(f"{n} {label}" for label, n in r.get("labels", {}).items()),
        )
    console.print(summary)

    detail = Table(title="Pools: heaviest load against the lower bound and the stronger bound")
    numeric = ("size", "visited", "heaviest", "bound", "ratio", "stronger", "LP", "whole")
    for header in ("kind", "pool", *numeric, "terms", "decided by", "diagnosis"):
        detail.add_column(header, justify="right" if header in numeric else "left")
    for r in results:
        for row in r.get("pools", ()):
            decided = row["decided_by"]
            if row["unservable"]:
                decided += f" ({len(row['unservable'])} unservable)"
            if row.get("stronger") is not None and row["stronger"] != row["bound"]:
                decided += f"; stronger: {row['stronger_by']}"
            lp = "infeasible" if row.get("lp_infeasible") else _num(row.get("lp"))
            detail.add_row(
                r["kind"],
                row["pool"],
                str(row["size"]),
                f"{row['visited']}/{row['institutions']}",
                str(row["heaviest"]),
                _num(row["bound"]),
                _num(row["ratio"], 2),
                _num(row.get("stronger")),
                lp,
                _num(row.get("whole")),
                _terms(row["terms"]),
                decided,
                row.get("label", ""),
            )
    console.print(detail)


def _terms(terms: dict[str, float]) -> str:
    """The bound's terms, short: ``pd 21.3 · ld 30.5 · 财务 29.8`` (person-days, leaders, skills)."""
    short = {PERSON_DAYS: "pd", LEADERS: "ld"}
    return " · ".join(
        f"{short.get(name, name.removeprefix('skill:'))} {value:.1f}" for name, value in terms.items()
    )


# -- the sweep: national grassroots rounds of growing size, through the CLI ------------------------------
def _cli_child(timing: Path, args: Sequence[str]) -> int:
    """Run ``schedule ARGS`` in this process and record its time and exit code in ``timing``."""
    began = time.perf_counter()
    import cli

    imported = time.perf_counter()
    sys.argv = ["schedule", *args]
    code: int | str | None = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code
    done = time.perf_counter()
    document = {"import_s": imported - began, "command_s": done - imported, "code": code}
    timing.write_text(json.dumps(document), encoding="utf-8")
    return 0


def _wait(child: subprocess.Popen[bytes], timeout: float) -> tuple[int | None, float]:
    """Reap ``child`` (one this process started) and return its exit code and its own peak resident
    memory in MiB (``os.wait4``: the rusage of that child alone); None and 0 when it ran out of time."""
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(child.pid, os.WNOHANG)
        if pid == child.pid:
            code = os.waitstatus_to_exitcode(status)
            child.returncode = code
            return code, usage.ru_maxrss / 1024
        if time.monotonic() > deadline:
            child.kill()
            child.wait()
            return None, 0.0
        time.sleep(0.1)


def sweep_one(size: int, seed: int, time_limit: float, folder: Path, *, check: bool = True) -> dict[str, Any]:
    """One size of the sweep: the national round written as CSV, then ``schedule solve`` in a child."""
    from outputs.scenario_csv import write_scenario_csv

    scenario = generate("national", seed, hard=True, size=size)
    write_scenario_csv(scenario, folder / "round")
    out, timing, log = folder / "plan", folder / "timing.json", folder / "stderr.txt"
    command = [sys.executable, "-m", "benchmarks.run", "--cli-child", str(timing), "--", "solve"]
    command += [
        str(folder / "round"),
        "--out",
        str(out),
        "--time-limit",
        str(time_limit),
        "--seed",
        str(seed),
    ]
    base = {"size": size, "institutions": len(scenario.institutions), "experts": len(scenario.experts)}
    patience = 3 * time_limit + 600 + size  # a safety net only: outputs may take a second per institution
    began = time.perf_counter()
    with log.open("wb") as errors:
        child = subprocess.Popen(
            command, cwd=REPO, env=_child_env(), stdout=subprocess.DEVNULL, stderr=errors
        )
        code, peak = _wait(child, patience)
    wall = time.perf_counter() - began
    if code is None:
        return {**base, "error": f"no answer within {patience:.0f} s"}
    if not (out / "plan.json").exists() or not timing.exists():
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-3:]
        return {**base, "error": f"exit code {code}: {' | '.join(tail)}"}
    facts = json.loads((out / "run.json").read_text(encoding="utf-8"))
    spent = json.loads(timing.read_text(encoding="utf-8"))
    before_writing = float(facts.get("wall_seconds_before_writing", 0.0))
    plan = Plan.read(out / "plan.json")
    validate = _validator() if check else None
    violations = validate(scenario, plan) if validate is not None else None
    rows = pool_rows(scenario, plan)
    top = worst(rows)
    return {
        **base,
        "pools": len(rows),
        "exit_code": code,
        "scheduled": len(plan.visits),
        "status": plan.status,
        "wall_s": round(wall, 2),
        "solve_s": facts.get("solve_seconds"),
        "outputs_s": round(spent["command_s"] - before_writing, 2),
        "peak_mib": round(peak, 1),
        "violations": None if violations is None else len(violations),
        "worst_ratio": None if top is None else top["ratio"],
        "worst_pool": None if top is None else top["pool"],
        "worst_stronger_ratio": _worst_stronger(rows),
        "worst_best_ratio": worst_best(rows),
        "labels": _labels(rows),
    }


def sweep(sizes: Sequence[int], seed: int, time_limit: float, *, check: bool = True) -> list[dict[str, Any]]:
    """Every size in turn, each in its own child process and scratch folder, with :func:`add_growth`."""
    results: list[dict[str, Any]] = []
    for size in sizes:
        with tempfile.TemporaryDirectory(prefix=f"sweep-{size}-") as tmp:
            results.append(sweep_one(size, seed, time_limit, Path(tmp), check=check))
        print(f"sweep: {size} done", file=sys.stderr)
    add_growth(results)
    return results


def add_growth(results: Sequence[dict[str, Any]]) -> None:
    """Set each result's ``growth_per_doubling``: how its wall time grew over the previous size's, per
    doubling of the size (2.0 is linear growth, 4.0 quadratic)."""
    for before, after in itertools.pairwise(results):
        if "wall_s" in before and "wall_s" in after and after["size"] > before["size"]:
            doublings = math.log2(after["size"] / before["size"])
            after["growth_per_doubling"] = round((after["wall_s"] / before["wall_s"]) ** (1 / doublings), 2)


def render_sweep(results: Sequence[dict[str, Any]], console: Console) -> None:
    table = Table(title="Sweep: national grassroots rounds through `schedule solve`")
    headers: tuple[str, ...] = ("size", "experts", "pools", "scheduled", "wall s", "solve s", "outputs s")
    headers += ("peak MiB", "violations", "worst ÷ bound", "worst ÷ stronger", "worst ÷ best")
    headers += ("growth/doubling", "diagnosis")
    for header in headers:
        table.add_column(header, justify="left" if header == "diagnosis" else "right")
    for r in results:
        if "error" in r:
            table.add_row(str(r["size"]), str(r.get("experts", "")), "", f"error: {r['error']}", *[""] * 10)
            continue
        labels = ", ".join(f"{n} {label}" for label, n in r["labels"].items())
        table.add_row(
            str(r["size"]),
            str(r["experts"]),
            str(r["pools"]),
            f"{r['scheduled']}/{r['institutions']}",
            _num(r["wall_s"]),
            _num(r["solve_s"]),
            _num(r["outputs_s"]),
            _num(r["peak_mib"], 0),
            _num(r["violations"]),
            _num(r["worst_ratio"], 2),
            _num(r["worst_stronger_ratio"], 2),
            _num(r.get("worst_best_ratio"), 2),
            _num(r.get("growth_per_doubling"), 2),
            labels,
        )
    console.print(table)


# -- command line ----------------------------------------------------------------------------------------
def _kinds(text: str) -> list[str]:
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(f"kinds must be among {', '.join(KINDS)}, got {text!r}")
    return kinds


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        sizes = []
    if not sizes or any(s < 1 or s > 200_000 for s in sizes):
        raise argparse.ArgumentTypeError(f"sizes must be whole numbers from 1 to 200000, got {text!r}")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["--cli-child"] and len(arguments) >= 3 and arguments[2] == "--":
        return _cli_child(Path(arguments[1]), arguments[3:])
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--kinds", type=_kinds, default=list(TABLE_KINDS), help="comma-separated: " + ",".join(KINDS)
    )
    parser.add_argument("--seed", type=int, default=1, help="generator and solver seed")
    parser.add_argument("--time-limit", type=float, default=60.0, help="solver time limit per round, seconds")
    parser.add_argument(
        "--easy", action="store_true", help="the rounds without hardening (the old benchmark)"
    )
    parser.add_argument("--sizes", type=_sizes, help="sweep national grassroots rounds of these sizes")
    parser.add_argument("--size", type=int, help="institutions of the national and open kinds in the table")
    parser.add_argument("--no-check", action="store_true", help="sweep: skip the independent checker")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of the tables")
    parser.add_argument("--one", choices=KINDS, help="run one round in this process and print its JSON")
    parser.add_argument(
        "--followups", type=float, default=0.0, help="share of institutions with a follow-up visit (R15)"
    )
    args = parser.parse_args(arguments)
    try:
        if args.one:
            result = run_one(
                Round(args.one, args.seed, args.time_limit, not args.easy, args.size, args.followups)
            )
            print(json.dumps(result, ensure_ascii=False))
            return 0
        _check_solver_exists()
    except BenchmarkError as exc:
        print(f"benchmark: {exc}", file=sys.stderr)
        return 1
    console = Console()
    console = console if console.is_terminal else Console(width=200)
    if args.sizes:
        swept = sweep(args.sizes, args.seed, args.time_limit, check=not args.no_check)
        if args.json:
            document = {"seed": args.seed, "time_limit": args.time_limit, "sweep": swept}
            print(json.dumps(document, ensure_ascii=False, indent=2))
        else:
            render_sweep(swept, console)
        return 1 if any("error" in r for r in swept) else 0
    results = [
        run_in_subprocess(Round(kind, args.seed, args.time_limit, not args.easy, args.size, args.followups))
        for kind in args.kinds
    ]
    if args.json:
        document = {
            "seed": args.seed,
            "time_limit": args.time_limit,
            "hard": not args.easy,
            "results": results,
        }
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        render(results, console)
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
