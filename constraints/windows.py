"""R3 — every visit lies inside the round and inside the window fixed for its institution.

The round runs from ``params.start`` to the completion deadline ``params.deadline`` (e.g.
2026-10-31). An institution may fix a calendar ``year`` (the visit lies wholly in it), a ``batch``
(wholly inside that batch's start..end), an ``earliest`` start and a ``latest`` end. A visit the plan
labels with a batch must lie inside that batch, and the label must agree with the institution's
own batch. Sources: seeds 000, 003, 004.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from constraints.base import Violation
from constraints.coverage import institution_text, span_text
from inputs.scenario import Batch, Scenario
from scheduler.plan import Plan, Visit

if TYPE_CHECKING:
    from scheduler.model import Model

RULE = "R3"


def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Each visit against the round's dates and its institution's year, batch and window."""
    violations: list[Violation] = []
    for visit in plan.visits:
        violations += [Violation(RULE, visit.institution, m) for m in _problems(scenario, visit)]
    return violations


def _problems(scenario: Scenario, visit: Visit) -> list[str]:
    params = scenario.params
    where = f"{institution_text(scenario, visit.institution)} 的巡查 {span_text(visit.start, visit.end)}"
    found: list[str] = []
    if visit.start < params.start:
        found.append(f"{where} 开始于本轮巡查的起始日期 {params.start.isoformat()} 之前")
    if visit.kind == "followup":
        return found  # a follow-up's window is R15's: after its visit, by followup_deadline
    if visit.end > params.deadline:
        found.append(f"{where} 结束于完成期限 {params.deadline.isoformat()} 之后")
    inst = scenario.institution_by_id.get(visit.institution)
    if inst is not None:
        if inst.year is not None and not (visit.start.year == visit.end.year == inst.year):
            found.append(f"{where} 不在该机构指定的 {inst.year} 年度内")
        if inst.batch is not None:
            found += _batch_problems(scenario, where, inst.batch, visit, "该机构指定的")
        if inst.earliest is not None and visit.start < inst.earliest:
            found.append(f"{where} 早于该机构的最早开始日期 {inst.earliest.isoformat()}")
        if inst.latest is not None and visit.end > inst.latest:
            found.append(f"{where} 晚于该机构的最晚结束日期 {inst.latest.isoformat()}")
    if visit.batch is not None:
        if inst is not None and inst.batch is not None and visit.batch != inst.batch:
            found.append(f"{where} 标为“{visit.batch}”，但该机构指定的批次是“{inst.batch}”")
        elif inst is None or inst.batch is None:
            found += _batch_problems(scenario, where, visit.batch, visit, "计划标注的")
    return found


def _batch_problems(scenario: Scenario, where: str, name: str, visit: Visit, whose: str) -> list[str]:
    batch: Batch | None = scenario.batch_by_name.get(name)
    if batch is None:
        return [f"{where} 属于{whose}批次“{name}”，但批次表中没有这个批次"]
    if _inside(visit.start, visit.end, batch.start, batch.end):
        return []
    return [
        f"{where} 不在{whose}批次“{name}”（{span_text(batch.start, batch.end)}）之内",
    ]


def _inside(start: date, end: date, low: date, high: date) -> bool:
    return low <= start and end <= high


# -- model face: how the rule enters the CP-SAT model (see scheduler.model) -------------------


def add(m: Model) -> None:
    """R1–R3: each visit starts where ``days`` consecutive working days fit inside all its windows.

    Time in the model counts working days, so a visit is an interval of fixed size ``days`` (the
    effective minimum of R1) that starts and ends on working days (R2); the starts its windows allow
    (R3) are computed in ``scheduler.instance`` and posted here as the start variable's domain.
    """
    from ortools.sat.python import cp_model

    for task in m.tasks:
        allowed = cp_model.Domain.from_intervals([[a, b] for a, b in task.starts])
        m.cp.add_linear_expression_in_domain(m.start[task.index], allowed)
