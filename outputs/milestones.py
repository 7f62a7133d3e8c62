"""The whole round per institution (R14, R15): the 时间节点 sheet's rows and the office's calendar of
milestones, ``calendars/milestones.ics``.

The calendar holds, per visited institution, four all-day events — 巡查通知 sent, 自查报告 due,
反馈 due, 整改报告 due — each with a reminder (VALARM) the day before. All-day VEVENTs rather than
VTODOs with a DUE date: Outlook and Google Calendar ignore VTODO components in an imported .ics
file (Apple Calendar files them as reminders, Thunderbird as tasks), so events are what every
client the offices use shows. ``METHOD:PUBLISH`` (no attendees): it is the office's own calendar.
UIDs are deterministic (round name, institution, milestone), DTSTAMP comes from the injected clock.
"""

from __future__ import annotations

from collections.abc import Hashable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from inputs.scenario import Scenario
from outputs.labels import institution_name, short_hash
from scheduler.plan import Milestone, Plan

MILESTONE_LABELS: dict[str, str] = {
    "letter": "巡查通知",
    "self_report_due": "自查报告截止",
    "feedback_due": "反馈截止",
    "rectify_due": "整改报告截止",
}
CALENDAR_FILE = "milestones.ics"

HEADERS: tuple[str, ...] = (
    "序号",
    "机构编号",
    "机构名称",
    "巡查通知",
    "自查报告截止",
    "实地巡查开始",
    "实地巡查结束",
    "反馈截止",
    "整改报告截止",
    "回头看",
)


def followup_text(plan: Plan, institution: str) -> str:
    """The 回头看 cell: its dates, 未安排 when it was left out, empty when none is planned."""
    followup = plan.followup_of(institution)
    if followup is not None:
        if followup.start == followup.end:
            return followup.start.isoformat()
        return f"{followup.start.isoformat()} 至 {followup.end.isoformat()}"
    if plan.unscheduled_of(institution, "followup") is not None:
        return "未安排（见“未安排”表）"
    return ""


def rows(scenario: Scenario, plan: Plan) -> list[list[Any]]:
    """One row per visited institution, in the order of its visit."""
    out: list[list[Any]] = []
    firsts = sorted((v for v in plan.visits if v.kind == "visit"), key=lambda v: (v.start, v.institution))
    for visit in firsts:
        m = plan.milestone_of(visit.institution)
        out.append(
            [
                len(out) + 1,
                visit.institution,
                institution_name(scenario, visit.institution),
                m.letter if m else "",
                m.self_report_due if m else "",
                visit.start,
                visit.end,
                m.feedback_due if m else "",
                m.rectify_due if m else "",
                followup_text(plan, visit.institution),
            ]
        )
    return out


def _uid(scenario: Scenario, m: Milestone, what: str) -> str:
    key = "\x1f".join((scenario.params.name, m.institution, what))
    return f"milestone-{short_hash(key, 32)}@inspection-planner"


def events(scenario: Scenario, plan: Plan, now: datetime) -> list[str]:
    """The office's milestones as written VEVENTs (see ``outputs.calendars._component``)."""
    from icalendar import Alarm, Event  # here: the workbook needs this module's rows, not icalendar

    from outputs.calendars import _component, _utc

    stamp = _utc(now)
    out: list[str] = []
    for m in sorted(plan.milestones, key=lambda m: (m.letter, m.institution)):
        name = institution_name(scenario, m.institution)
        details = _details(scenario, plan, m)
        for what, label in MILESTONE_LABELS.items():
            day: date = getattr(m, what)
            alarm = _component(
                Alarm,
                [
                    ("action", "DISPLAY"),
                    ("description", f"明天：{label}（{name}）"),
                    ("trigger", timedelta(days=-1)),
                ],
            )
            props: list[tuple[str, Hashable]] = [
                ("uid", _uid(scenario, m, what)),
                ("dtstamp", stamp),
                ("dtstart", day),
                ("dtend", day + timedelta(days=1)),
                ("summary", f"{label}：{name}"),
                ("description", "\n".join([f"{name}（{m.institution}）：{label}", *details])),
                ("categories", ("巡查时间节点",)),
                ("transp", "TRANSPARENT"),
            ]
            out.append(_component(Event, props, alarm))
    return out


def _details(scenario: Scenario, plan: Plan, m: Milestone) -> list[str]:
    """The description's lines after its first: the visit's dates and all the institution's milestones."""
    visit = plan.visit_of(m.institution)
    lines = []
    if visit is not None:
        lines.append(f"实地巡查：{visit.start.isoformat()} 至 {visit.end.isoformat()}")
    lines += [
        f"巡查通知：{m.letter.isoformat()}",
        f"自查报告截止：{m.self_report_due.isoformat()}",
        f"反馈截止：{m.feedback_due.isoformat()}",
        f"整改报告截止：{m.rectify_due.isoformat()}",
    ]
    followup = followup_text(plan, m.institution)
    if followup:
        lines.append(f"回头看：{followup}")
    return lines


def write_calendar(scenario: Scenario, plan: Plan, folder: Path, now: datetime) -> Path | None:
    """Write ``folder/milestones.ics``; returns its path (None when the plan has no milestones)."""
    from outputs.calendars import _write_events

    if not plan.milestones:
        return None
    path = folder / CALENDAR_FILE
    _write_events(path, "PUBLISH", f"{scenario.params.name} 时间节点", events(scenario, plan, now))
    return path
