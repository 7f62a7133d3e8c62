"""R1 — a visit lasts at least its minimum of working days, consecutive on the working-day calendar.

The minimum is the tier's (tertiary general 7; tertiary specialty, maternal-child and secondary 5;
grassroots 1, or the ``tiers`` sheet's), or the planner's longer one for that institution
(``scenario.min_days``). A visit is a start..end range, so every working day between its ends
belongs to it: consecutive is automatic. The plan's ``days`` must be that count of working days.
Sources: seeds 000, 003.

Visits whose dates are unreadable for the calendar (R2) or reversed (R0) are left to those checks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from constraints.base import Violation
from constraints.coverage import institution_text, span_text
from constraints.working_days import WorkdayIndex
from inputs.scenario import TIER_LABELS, Scenario
from scheduler.plan import Plan

if TYPE_CHECKING:
    from scheduler.model import Model

RULE = "R1"


def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """``days`` equals the working days from start to end, and that is at least the minimum."""
    violations: list[Violation] = []
    for visit in plan.visits:
        if visit.end < visit.start:
            continue
        counted = WorkdayIndex.of(scenario.calendar).count(visit.start, visit.end)
        if counted is None:
            continue
        where = f"{institution_text(scenario, visit.institution)} 的巡查 {span_text(visit.start, visit.end)}"
        if visit.days != counted:
            violations.append(
                Violation(
                    RULE,
                    visit.institution,
                    f"{where} 含 {counted} 个工作日，但计划中的天数写为 {visit.days}",
                )
            )
        inst = scenario.institution_by_id.get(visit.institution)
        if inst is None:
            continue
        if visit.kind == "followup":  # a follow-up's length: R15's followup_days
            if counted < scenario.params.followup_days:
                violations.append(
                    Violation(
                        RULE,
                        visit.institution,
                        f"{where}（回头看）只有 {counted} 个工作日，"
                        f"少于回头看天数 {scenario.params.followup_days}",
                    )
                )
            continue
        minimum = scenario.min_days(inst)
        if counted < minimum:
            tier_min = scenario.rule(inst.tier).min_days
            source = (
                f"{TIER_LABELS.get(inst.tier, inst.tier)}机构至少 {tier_min} 个工作日"
                if minimum == tier_min
                else f"该机构设定的最少天数为 {minimum} 个工作日"
            )
            violations.append(
                Violation(
                    RULE,
                    visit.institution,
                    f"{where} 只有 {counted} 个工作日，少于最少天数 {minimum}（{source}）",
                )
            )
    return violations


# -- model face: how the rule enters the CP-SAT model (see scheduler.model) -------------------


def add(m: Model) -> None:
    """R1 in the model: every interval a visit puts in a NoOverlap or Cumulative has size ``days``.

    ``scheduler.instance`` sets ``days`` to ``scenario.min_days`` (longer visits would only add load);
    the start domain posted by ``constraints.windows.add`` keeps the whole visit inside its window.
    Nothing further to post.
    """
    for task in m.tasks:
        if task.kind == "visit":  # a follow-up lasts followup_days (R15)
            assert task.days >= m.scenario.rule(task.inst.tier).min_days
