"""The benchmark table (SPEC §6): generate each round, solve it, check it, and compare loads with bounds.

``python -m benchmarks.run [--kinds district,city,province] [--seed N] [--time-limit S] [--json]``

Each kind runs in its own subprocess (``python -m benchmarks.run --one KIND``, which prints one JSON
document) so that peak memory is measured per round and does not accumulate. A run generates the
round from the seed, solves it in-process with ``scheduler.solve.solve``, counts the violations
``constraints.registry.validate`` finds, and for every pool of interchangeable experts sets the
heaviest load beside the independent lower bound of ``benchmarks.bounds``. The same seed gives the
same rounds and the same solver seed; only times and memory vary between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from benchmarks.bounds import loads, lower_bound, pools
from benchmarks.generate import KINDS, generate
from inputs.scenario import Scenario
from scheduler.plan import Plan

REPO = Path(__file__).resolve().parents[1]


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
    """Per pool: name, size, heaviest load in the plan, the bound, their ratio and the deciding term.

    The bound counts every institution of the pool; with some left out of the plan (``visited`` below
    ``institutions``) the ratio flatters the plan.
    """
    load = loads(scenario, plan)
    planned = {v.institution for v in plan.visits}
    rows = []
    for pool in pools(scenario):
        bound = lower_bound(scenario, pool)
        heaviest = max((load.get(x, 0) for x in pool.experts), default=0)
        ratio = heaviest / bound.ceil if bound.ceil else None
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
            }
        )
    return rows


def worst(rows: Sequence[dict[str, Any]]) -> dict[str, Any] | None:
    """The pool row with the largest ratio (first among equals), or None when no ratio applies."""
    rated = [r for r in rows if r["ratio"] is not None]
    return max(rated, key=lambda r: r["ratio"]) if rated else None


def run_one(kind: str, seed: int, time_limit: float) -> dict[str, Any]:
    """Generate, solve, validate and measure one round in this process."""
    solve = _solver()
    started = time.perf_counter()
    scenario = generate(kind, seed)
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
    }


def _by_rule(violations: Sequence[Any]) -> dict[str, int]:
    return dict(sorted(Counter(v.rule for v in violations).items()))


# -- all rounds, each in its own process ---------------------------------------------------------------
def run_in_subprocess(kind: str, seed: int, time_limit: float) -> dict[str, Any]:
    """``run_one`` in a fresh interpreter, so its peak memory is its own; its stderr shows through."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "benchmarks.run", "--one", kind, "--seed", str(seed)]
    command += ["--time-limit", str(time_limit)]
    try:
        done = subprocess.run(
            command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True, timeout=3 * time_limit + 300
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
    summary.add_column("worst pool")
    for r in results:
        if "error" in r:
            summary.add_row(r["kind"], *[""] * 3, f"error: {r['error']}", *[""] * 5)
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
            r["worst_pool"] or "",
        )
    console.print(summary)

    detail = Table(title="Pools: heaviest load against the lower bound")
    numeric = ("size", "visited", "heaviest", "bound", "ratio")
    for header in ("kind", "pool", *numeric, "decided by"):
        detail.add_column(header, justify="right" if header in numeric else "left")
    for r in results:
        for row in r.get("pools", ()):
            decided = row["decided_by"]
            if row["unservable"]:
                decided += f" ({len(row['unservable'])} unservable)"
            detail.add_row(
                r["kind"],
                row["pool"],
                str(row["size"]),
                f"{row['visited']}/{row['institutions']}",
                str(row["heaviest"]),
                _num(row["bound"]),
                _num(row["ratio"], 2),
                decided,
            )
    console.print(detail)


# -- command line ----------------------------------------------------------------------------------------
def _kinds(text: str) -> list[str]:
    kinds = [k.strip() for k in text.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KINDS]
    if unknown or not kinds:
        raise argparse.ArgumentTypeError(f"kinds must be among {', '.join(KINDS)}, got {text!r}")
    return kinds


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--kinds", type=_kinds, default=list(KINDS), help="comma-separated: district,city,province"
    )
    parser.add_argument("--seed", type=int, default=1, help="generator and solver seed")
    parser.add_argument("--time-limit", type=float, default=60.0, help="solver time limit per round, seconds")
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of the tables")
    parser.add_argument("--one", choices=KINDS, help="run one round in this process and print its JSON")
    args = parser.parse_args(argv)
    try:
        if args.one:
            print(json.dumps(run_one(args.one, args.seed, args.time_limit), ensure_ascii=False))
            return 0
        _check_solver_exists()
    except BenchmarkError as exc:
        print(f"benchmark: {exc}", file=sys.stderr)
        return 1
    results = [run_in_subprocess(kind, args.seed, args.time_limit) for kind in args.kinds]
    if args.json:
        document = {"seed": args.seed, "time_limit": args.time_limit, "results": results}
        print(json.dumps(document, ensure_ascii=False, indent=2))
    else:
        console = Console()
        render(results, console if console.is_terminal else Console(width=160))
    return 1 if any("error" in r for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
