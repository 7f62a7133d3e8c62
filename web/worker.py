"""One solve or replan, run as its own process so that the page can cancel it by ending the process.

``python -m web.worker JOB.json`` reads the job (the scenario workbook, the version folder to
write, the options and, for a replan, the baseline folder), calls the same layers as the CLI
(``read_scenario``, ``solve`` or ``replan``, ``write_plan_folder``) and prints one JSON object a
line on stdout: ``progress`` events while the solver works, then one ``done``, ``problems`` or
``error`` event.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

NO_PLAN = "没有找到满足全部规则的计划"


def _emit(event: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(event, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def _progress(elapsed: float, objective: float, bound: float) -> None:
    _emit({"event": "progress", "elapsed": round(elapsed, 2), "objective": objective, "bound": bound})


def problem_rows(problems: list[Any]) -> list[dict[str, Any]]:
    """InputError problems as the table the page and the API show (sheet, row, column, value, expected)."""
    return [
        {
            "sheet": p.source,
            "row": p.row,
            "column": p.column,
            "value": p.value,
            "expected": p.expected,
            "reason": p.reason,
            "text": str(p),
        }
        for p in problems
    ]


def summary(plan: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    doc = {
        "status": plan.status,
        "scheduled": sum(1 for v in plan.visits if v.kind == "visit"),
        "followups": sum(1 for v in plan.visits if v.kind == "followup"),
        "unscheduled": [
            {"institution": u.institution, "rule": u.rule, "reasons": list(u.reasons), "kind": u.kind}
            for u in plan.unscheduled
        ],
        "exempt": list(plan.exempt),
    }
    doc.update(extra or {})
    return doc


def run(job: dict[str, Any]) -> dict[str, Any]:
    """Do the job; the returned event is the last one printed."""
    from inputs.calendar import UnknownYearError
    from inputs.errors import InputError
    from inputs.reader import read_scenario
    from outputs.folder import write_plan_folder
    from scheduler.plan import Plan, PlanFormatError

    started = time.monotonic()
    try:
        scenario = read_scenario(Path(job["scenario"]))
    except InputError as exc:
        return {"event": "problems", "problems": problem_rows(exc.problems)}
    except UnknownYearError as exc:
        return {"event": "error", "message": f"日历未知：{exc}"}
    out = Path(job["out"])
    today = date.fromisoformat(job["today"]) if job.get("today") else None
    time_limit, seed = float(job["time_limit"]), int(job["seed"])
    run_facts = {"command": job["kind"], "seed": seed, "time_limit": time_limit, "source": "schedule serve"}
    if job["kind"] == "solve":
        from scheduler.solve import solve

        solved = solve(scenario, time_limit=time_limit, seed=seed, progress=_progress, today=today)
        plan = solved.plan
        if not plan.visits and plan.unscheduled:
            return {"event": "done", "state": "failed", "summary": summary(plan), "message": NO_PLAN}
        facts = {
            "状态": plan.status,
            "目标值": json.dumps(solved.objective, ensure_ascii=False),
            "下界": json.dumps(solved.bound, ensure_ascii=False),
            "求解用时（秒）": f"{solved.wall_time:.1f}",
        }
        write_plan_folder(
            scenario, plan, out, facts=facts, run={**run_facts, "solve_seconds": round(solved.wall_time, 2)}
        )
        extra: dict[str, Any] = {"objective": solved.objective, "bound": solved.bound}
        return {"event": "done", "state": "done", "summary": summary(plan, extra)}

    from scheduler.replan import BaselineError, replan

    baseline_dir = Path(job["baseline"])
    assert today is not None
    try:
        baseline = Plan.read(baseline_dir / "plan.json")
    except PlanFormatError as exc:
        return {"event": "error", "message": "已发布版本的计划无法读取：" + "；".join(exc.problems)}
    ledger_path = baseline_dir / "calendars" / "ledger.json"
    ledger = json.loads(ledger_path.read_text(encoding="utf-8")) if ledger_path.is_file() else None
    try:
        result = replan(scenario, baseline, today, time_limit=time_limit, seed=seed, progress=_progress)
    except BaselineError as exc:
        return {"event": "error", "message": "已发布版本无法作为调整的基础：" + "；".join(exc.problems)}
    plan = result.plan
    changes = [
        {
            "institution": c.institution,
            "kind": c.label,
            "before": c.before,
            "after": c.after,
            "reason": c.reason,
        }
        for c in result.changes
    ]
    extra = {
        "changes": changes,
        "announced_visits": result.announced,
        "changed_visits": result.changed_visits,
        "conflicts": [str(v) for v in result.conflicts],
        "today": today.isoformat(),
    }
    if not plan.visits and plan.unscheduled:
        return {"event": "done", "state": "failed", "summary": summary(plan, extra), "message": NO_PLAN}
    facts = {
        "状态": plan.status,
        "调整日期": today.isoformat(),
        "变更项数": str(len(result.changes)),
        "改动的已通知巡查": f"{result.changed_visits} / {result.announced}",
        "求解用时（秒）": f"{result.wall_time:.1f}",
    }
    write_plan_folder(
        scenario,
        plan,
        out,
        facts=facts,
        previous_ledger=ledger,
        changes=result.changes,
        only_changed=True,
        run={**run_facts, "today": today.isoformat(), "elapsed": round(time.monotonic() - started, 2)},
    )
    return {"event": "done", "state": "done", "summary": summary(plan, extra)}


def main() -> None:
    job = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    try:
        last = run(job)
    except Exception as exc:  # reported to the page as a failed version, never a traceback
        last = {"event": "error", "message": f"编排出错：{type(exc).__name__}：{exc}"}
    _emit(last)


if __name__ == "__main__":
    main()
