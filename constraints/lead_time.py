"""R14 — lead time, first plans too: every visit starts no earlier than ``notice_days`` (default 30)
calendar days after the plan is announced (``--today``; default the cycle's start).

The institution's 巡查通知 is dated ``notice_days`` before its visit (or the announcement day, if
later), and its self-inspection report (自查报告) is due ``self_report_days`` (default 15) before the
visit, so that it has the days between for its self-inspection; after the visit, the feedback is due
``feedback_days`` after it ends and the rectification report ``rectify_days`` after that. The check
also compares the plan's ``milestones``, when it has them, with these dates. Sources: seeds 003, 004.

The announcement day is the plan's ``announced`` (``schedule validate --today`` overrides it; a plan
without one was announced on the cycle's start). A replan keeps the baseline's announcement day: its
new and moved visits follow R13 from ``--today`` and this rule from the announcement day, whichever
ends later.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from constraints.base import Violation
from constraints.coverage import institution_text, visit_text
from scheduler.plan import Plan, Unscheduled

if TYPE_CHECKING:
    from inputs.scenario import Institution, Scenario
    from scheduler.instance import Instance
    from scheduler.model import Model

RULE = "R14"


def announced(scenario: Scenario, plan: Plan) -> date:
    """The day ``plan`` was announced: its own, else the cycle's start."""
    return plan.announced if plan.announced is not None else scenario.params.start


def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """No visit starts before the announcement day plus ``notice_days``; the milestones add up."""
    p = scenario.params
    day = announced(scenario, plan)
    first = day + timedelta(days=p.notice_days)
    found: list[Violation] = []
    for visit in plan.visits:
        if visit.start < first and visit.start >= p.start:  # before the cycle's start: R3 says so
            found.append(
                Violation(
                    RULE,
                    visit.institution,
                    f"{visit_text(scenario, visit)}于 {visit.start.isoformat()} 开始，"
                    f"但计划 {day.isoformat()} 发布，须提前 {p.notice_days} 天通知，"
                    f"最早 {first.isoformat()} 才能开始",
                )
            )
    firsts = {v.institution: v for v in plan.visits if v.kind != "followup"}
    for m in plan.milestones:
        first_visit = firsts.get(m.institution)
        if first_visit is None:
            found.append(
                Violation(
                    RULE,
                    m.institution,
                    f"{institution_text(scenario, m.institution)}没有巡查，却列有时间节点",
                )
            )
            continue
        expected = {
            "巡查通知日期": max(first_visit.start - timedelta(days=p.notice_days), day),
            "自查报告截止日期": first_visit.start - timedelta(days=p.self_report_days),
            "反馈截止日期": first_visit.end + timedelta(days=p.feedback_days),
            "整改报告截止日期": first_visit.end + timedelta(days=p.feedback_days + p.rectify_days),
        }
        given = {
            "巡查通知日期": m.letter,
            "自查报告截止日期": m.self_report_due,
            "反馈截止日期": m.feedback_due,
            "整改报告截止日期": m.rectify_due,
        }
        for label, want in expected.items():
            if given[label] != want:
                found.append(
                    Violation(
                        RULE,
                        m.institution,
                        f"{institution_text(scenario, m.institution)}的{label}为 {given[label].isoformat()}，"
                        f"按巡查日期和参数应为 {want.isoformat()}",
                    )
                )
    return found


def reason(scenario: Scenario, inst: Institution, day: date) -> str:
    """Why ``inst`` has no visit when the lead time alone leaves its window too short (Chinese)."""
    p = scenario.params
    first = day + timedelta(days=p.notice_days)
    return (
        f"【R14 提前通知】{institution_text(scenario, inst.id)}：计划于 {day.isoformat()} 发布，巡查须提前 "
        f"{p.notice_days} 天通知，最早 {first.isoformat()} 开始，此后在其年度、批次和时间窗口内凑不出连续 "
        f"{scenario.min_days(inst)} 个工作日。建议：放宽该机构的批次或时间窗口、提早发布计划（--today），"
        "或缩短提前通知天数（notice_days）。"
    )


def unscheduled(instance: Instance, inst: Institution) -> Unscheduled | None:
    """The ``unscheduled`` entry of an institution left out by the lead time alone, else None."""
    if instance.announce is None or inst not in instance.lead_cut:
        return None
    return Unscheduled(inst.id, (reason(instance.scenario, inst, instance.announce),), RULE)


# -- model face: how the rule enters the CP-SAT model (see scheduler.model) -------------------


def add(m: Model) -> None:
    """R14: the starts a task may take (``scheduler.instance``, from its ``announce`` date) already
    begin ``notice_days`` after the announcement; posted once more as a bound on every start."""
    instance = m.instance
    if instance.announce is None:
        return
    first = instance.index_of(instance.announce + timedelta(days=m.scenario.params.notice_days))
    for task in m.tasks:
        m.cp.add(m.start[task.index] >= first)
