"""The plan of a version as the page's tables: visits, per expert, workload, left out, 时间节点.

Built from the version folder alone (``plan.json`` and the normalised ``scenario/`` beside it),
with the same labels the workbook and the report use (``outputs.labels``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from inputs.reader import read_scenario
from outputs.labels import expert_label, institution_name, period_cn, reasons_text, workload
from scheduler.plan import Plan


def plan_view(folder: Path) -> dict[str, Any]:
    scenario = read_scenario(folder / "scenario")
    plan = Plan.read(folder / "plan.json")
    visits = [
        {
            "institution": v.institution,
            "name": institution_name(scenario, v.institution),
            "kind": "回头看" if v.kind == "followup" else "巡查",
            "start": v.start.isoformat(),
            "end": v.end.isoformat(),
            "period": period_cn(v.start, v.end),
            "days": v.days,
            "leader": v.leader,
            "leader_label": expert_label(scenario, v.leader),
            "members": list(v.members),
            "member_labels": "、".join(expert_label(scenario, m) for m in v.members),
            "pinnable": v.kind == "visit",
        }
        for v in sorted(plan.visits, key=lambda v: (v.start, v.institution))
    ]
    by_expert: dict[str, list[str]] = {}
    for v in sorted(plan.visits, key=lambda v: v.start):
        for member in v.members:
            role = "组长" if member == v.leader else "组员"
            by_expert.setdefault(member, []).append(
                f"{period_cn(v.start, v.end)} {institution_name(scenario, v.institution)}（{role}）"
            )
    loads = workload(scenario, plan)
    experts: list[dict[str, Any]] = [
        {
            "id": e.id,
            "label": expert_label(scenario, e.id),
            "days": sum(loads.get(e.id, {}).values()),
            "per_year": "；".join(f"{y} 年 {d} 天" for y, d in sorted(loads.get(e.id, {}).items())),
            "visits": by_expert.get(e.id, []),
        }
        for e in scenario.experts
    ]
    most = max((e["days"] for e in experts), default=0) or 1
    for e in experts:
        e["share"] = round(100 * e["days"] / most)
    return {
        "scenario": plan.scenario,
        "status": plan.status,
        "visits": visits,
        "experts": experts,
        "unscheduled": [
            {
                "institution": u.institution,
                "name": institution_name(scenario, u.institution),
                "reasons": reasons_text(u.reasons),
            }
            for u in plan.unscheduled
        ],
        "exempt": [institution_name(scenario, i) for i in plan.exempt],
        "milestones": [
            {
                "name": institution_name(scenario, m.institution),
                "letter": m.letter.isoformat(),
                "self_report_due": m.self_report_due.isoformat(),
                "feedback_due": m.feedback_due.isoformat(),
                "rectify_due": m.rectify_due.isoformat(),
            }
            for m in plan.milestones
        ],
        "expert_ids": [{"id": e.id, "label": expert_label(scenario, e.id)} for e in scenario.experts],
    }
