"""The replanning benchmark (SPEC §6): the province round, solved, then 10 institutions added mid-cycle.

``python -m benchmarks.replan [--seed N] [--added 10] [--ill 0] [--followups SHARE] [--solve-limit S]
[--time-limit S] [--json]``

1. Generates the province round (``benchmarks.generate``) and solves it with ``scheduler.solve`` in a
   child process (so that the peak memory printed is the replan's, not the first solve's).
2. Takes as ``today`` the median start of the plan's visits, so half the visits have started and the
   other half are announced but still to come.
3. Adds ``--added`` grassroots institutions, spread over the prefectures; with ``--ill N``, N experts
   also fall ill over the dates of one of their coming visits (with ``--followups SHARE``, R15's
   ``followup_share``, the round has follow-up visits, 回头看, and a coming one may be that visit).
   Then replans.
4. Prints the replan's wall time and peak memory (resident set of this process: generation and
   replan), the announced visits it changed, and the violations the independent checker finds
   (rules R0–R12 and R13 against the baseline).

The target (SPEC §6): ≤ 30 s and ≤ 5% of the announced visits changed. Same seed, same figures
except times and memory.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from benchmarks.generate import _Names, generate
from constraints import replanning
from constraints.registry import validate
from inputs.scenario import Institution, Scenario, Unavailability
from scheduler.plan import Plan

REPO = Path(__file__).resolve().parents[1]


def with_added(scenario: Scenario, count: int, seed: int) -> Scenario:
    """The round with ``count`` new grassroots institutions, one prefecture after another."""
    rng = random.Random(f"replan-{seed}")
    names = _Names(rng)
    districts = sorted({i.district for i in scenario.institutions})
    prefix = {i.district: i.id.split("-")[0] for i in scenario.institutions}
    added = []
    for n in range(count):
        district = districts[n % len(districts)]
        name, place = names.grassroots()
        added.append(
            Institution(
                f"{prefix[district]}-N{n + 1:02d}",
                f"{name}（新增）",
                district,
                "grassroots",
                address=names.address(f"贵州省{district}", place),
            )
        )
    return replace(scenario, institutions=scenario.institutions + tuple(added))


def with_ill(scenario: Scenario, plan: Plan, today: date, count: int, seed: int) -> Scenario:
    """The round where ``count`` experts are unavailable over one of their visits still to come."""
    rng = random.Random(f"ill-{seed}")
    coming = sorted((v for v in plan.visits if v.start > today), key=lambda v: (v.start, v.institution))
    rows: list[Unavailability] = []
    seen: set[str] = set()
    for visit in rng.sample(coming, min(len(coming), 4 * count)):
        expert = rng.choice(visit.members)
        if expert not in seen and len(rows) < count:
            seen.add(expert)
            rows.append(Unavailability(expert, visit.start, visit.end, "病假"))
    return replace(scenario, unavailability=scenario.unavailability + tuple(rows))


def mid_cycle(plan: Plan) -> date:
    """The median start of the plan's visits."""
    starts = sorted(v.start for v in plan.visits)
    return starts[len(starts) // 2]


def _baseline(seed: int, solve_limit: float, folder: Path, followups: float = 0.0) -> Plan:
    """Solve the province round in a child process; its plan.json lands in ``folder``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "benchmarks.replan", "--solve-only", str(folder), "--seed", str(seed)]
    command += ["--solve-limit", str(solve_limit), "--followups", str(followups)]
    subprocess.run(command, cwd=REPO, env=env, check=True)
    return Plan.read(folder / "plan.json")


def _solve_only(seed: int, solve_limit: float, folder: Path, followups: float = 0.0) -> None:
    from scheduler.solve import solve

    result = solve(generate("province", seed, followups=followups), time_limit=solve_limit, seed=seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.json").write_text(result.plan.to_json(), encoding="utf-8")


def run(
    seed: int, added: int, ill: int, solve_limit: float, time_limit: float, followups: float = 0.0
) -> dict[str, Any]:
    from scheduler.replan import replan

    with tempfile.TemporaryDirectory(prefix="replan-bench-") as tmp:
        baseline = _baseline(seed, solve_limit, Path(tmp), followups)
    today = mid_cycle(baseline)
    generated = generate("province", seed, followups=followups)
    scenario = with_ill(with_added(generated, added, seed), baseline, today, ill, seed)
    began = time.perf_counter()
    result = replan(scenario, baseline, today, time_limit=time_limit, seed=seed)
    wall = time.perf_counter() - began
    plan = result.plan
    violations = validate(scenario, plan) + replanning.check(scenario, plan, baseline, today)
    new_ids = {i.id for i in scenario.institutions[-added:]} if added else set()
    return {
        "seed": seed,
        "institutions": len(scenario.institutions),
        "baseline_visits": len(baseline.visits),
        "today": today.isoformat(),
        "started": sum(v.start < today for v in baseline.visits),
        "announced": result.announced,
        "changed": result.changed_visits,
        "changed_share": result.changed_visits / result.announced if result.announced else 0.0,
        "added": added,
        "ill": ill,
        "followups": followups,
        "baseline_followups": sum(v.kind == "followup" for v in baseline.visits),
        "added_scheduled": sum(v.institution in new_ids for v in plan.visits),
        "unscheduled": len(plan.unscheduled),
        "changes": len(result.changes),
        "status": result.status.value,
        "wall_s": round(wall, 2),
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "violations": len(violations),
        "violation_rules": sorted({v.rule for v in violations}),
    }


def render(r: dict[str, Any]) -> str:
    return "\n".join(
        [
            f"province round, seed {r['seed']}: {r['institutions']} institutions "
            f"({r['added']} added, {r['ill']} experts ill), baseline {r['baseline_visits']} visits"
            f" ({r['baseline_followups']} follow-ups)",
            f"today {r['today']}: {r['started']} visits started, {r['announced']} announced and to come",
            f"replan: {r['wall_s']:.1f} s, peak {r['peak_mib']:.0f} MiB, status {r['status']}",
            f"changed announced visits: {r['changed']} / {r['announced']} ({100 * r['changed_share']:.1f}%)",
            f"added institutions scheduled: {r['added_scheduled']} / {r['added']}; "
            f"unscheduled {r['unscheduled']}; change rows {r['changes']}",
            f"violations (R0-R13): {r['violations']} {r['violation_rules'] or ''}".rstrip(),
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--added", type=int, default=10, help="institutions to add (default 10)")
    parser.add_argument("--ill", type=int, default=0, help="experts who fall ill over a coming visit")
    parser.add_argument("--solve-limit", type=float, default=60.0, help="time limit of the first solve")
    parser.add_argument("--time-limit", type=float, default=30.0, help="time limit of the replan")
    parser.add_argument(
        "--followups", type=float, default=0.0, help="share of institutions with a follow-up visit (R15)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--solve-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.solve_only is not None:
        _solve_only(args.seed, args.solve_limit, args.solve_only, args.followups)
        return 0
    if not 0.0 <= args.followups <= 1.0:
        parser.error("--followups is a share between 0 and 1")
    result = run(args.seed, args.added, args.ill, args.solve_limit, args.time_limit, args.followups)
    print(json.dumps(result, ensure_ascii=False) if args.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
