"""The dates of the whole round per visited institution (R14, SPEC §4 ``milestones``).

- 巡查通知 (letter): ``notice_days`` before the visit starts, or the announcement day if later;
- 自查报告截止 (self_report_due): ``self_report_days`` before the visit starts;
- 反馈截止 (feedback_due): ``feedback_days`` after the visit ends;
- 整改报告截止 (rectify_due): ``rectify_days`` after the feedback is due.

All in calendar days, as the seeds write them (「反馈后 2 个月内」): a due date that falls on a weekend or
holiday is kept as it is, not moved to a working day, so every date is the plain sum a planner or a
checker computes by hand (the SPEC §4 example does the same). The follow-up's own dates are its visit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from inputs.scenario import Params
from scheduler.plan import Milestone, Visit


def milestone(params: Params, visit: Visit, announced: date) -> Milestone:
    """The milestones of one first visit, the plan being announced on ``announced``."""
    return Milestone(
        institution=visit.institution,
        letter=max(visit.start - timedelta(days=params.notice_days), announced),
        self_report_due=visit.start - timedelta(days=params.self_report_days),
        feedback_due=visit.end + timedelta(days=params.feedback_days),
        rectify_due=visit.end + timedelta(days=params.feedback_days + params.rectify_days),
    )


def milestones(params: Params, visits: Iterable[Visit], announced: date) -> tuple[Milestone, ...]:
    """One milestone row per first visit, in the order of ``visits``."""
    return tuple(milestone(params, v, announced) for v in visits if v.kind == "visit")
