"""The change list of a replan (:mod:`scheduler.replan`): one :class:`Change` per institution whose
visit was added, moved, given other members or another leader, or cancelled, before and after, in
the words of the people told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from constraints.coverage import expert_text, experts_text, span_text
from inputs.scenario import Scenario
from scheduler.plan import Plan, Visit

KIND_LABELS: dict[str, str] = {
    "added": "新增",
    "moved": "改期",
    "member_swapped": "换人",
    "leader_changed": "更换组长",
    "cancelled": "取消",
}
_KIND_ORDER = {
    kind: n for n, kind in enumerate(("cancelled", "moved", "member_swapped", "leader_changed", "added"))
}
FOLLOW_ON = "为安排其他变更而联动调整"


@dataclass(frozen=True)
class Change:
    """One row of the change list: what changed for one institution, before and after, and why.

    A visit that changed in several ways (moved and given a new leader) is one row whose ``kind``
    joins the keys with ``+`` (「moved+leader_changed」); ``summary`` says it in a sentence for the
    people told (「日期由2025年3月10日至3月14日改为…；组长由张三改为李四」).
    """

    institution: str
    kind: str  # a key of KIND_LABELS, or several joined by "+"
    before: str
    after: str
    reason: str
    summary: str = ""
    followup: bool = False  # a row of the institution's follow-up visit (回头看, R15), not of its visit

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(self.kind.split("+"))

    @property
    def label(self) -> str:
        return "、".join(KIND_LABELS.get(kind, kind) for kind in self.kinds)


def _visit_text(scenario: Scenario, visit: Visit) -> str:
    others = [m for m in visit.members if m != visit.leader]
    team = f"（{visit.team}）" if visit.team else ""
    return (
        f"{span_text(visit.start, visit.end)}；组长 {expert_text(scenario, visit.leader)}；"
        f"组员 {experts_text(scenario, others) or '无'}{team}"
    )


def _differences(scenario: Scenario, before: Visit, after: Visit) -> list[tuple[str, str, str]]:
    """(kind, before, after) for each way one institution's visit changed.

    A leader replaced by someone new to the team is one change (leader_changed), not also a member
    swap: the members taken off and put on leave out the old and the new leader.
    """
    found = []
    if (before.start, before.end) != (after.start, after.end):
        found.append(("moved", span_text(before.start, before.end), span_text(after.start, after.end)))
    off, on = _swapped(before, after)
    if off or on:
        found.append(
            ("member_swapped", experts_text(scenario, off) or "无", experts_text(scenario, on) or "无")
        )
    if before.leader != after.leader:
        found.append(
            ("leader_changed", expert_text(scenario, before.leader), expert_text(scenario, after.leader))
        )
    return found


def _swapped(before: Visit, after: Visit) -> tuple[list[str], list[str]]:
    """The members taken off and put on, but for a leader who left and one who came with the lead."""
    off = [m for m in before.members if m not in after.members]
    on = [m for m in after.members if m not in before.members]
    if before.leader != after.leader:
        off = [m for m in off if m != before.leader]
        on = [m for m in on if m != after.leader]
    return off, on


def _day_cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def _span_cn(first: date, last: date) -> str:
    if first == last:
        return _day_cn(first)
    tail = f"{last.month}月{last.day}日" if last.year == first.year else _day_cn(last)
    return f"{_day_cn(first)}至{tail}"


def _names_cn(scenario: Scenario, ids: list[str]) -> str:
    return "、".join(scenario.expert_by_id[e].name if e in scenario.expert_by_id else e for e in ids)


def change_sentence(scenario: Scenario, before: Visit, after: Visit) -> str:
    """What changed on a visit, as the people told would say it: 「日期由2025年3月10日至3月14日改为
    2025年4月7日至4月11日；组长由张三改为李四；组员由王五改为赵六」."""
    parts = []
    if (before.start, before.end) != (after.start, after.end):
        parts.append(f"日期由{_span_cn(before.start, before.end)}改为{_span_cn(after.start, after.end)}")
    if before.leader != after.leader:
        parts.append(f"组长由{_names_cn(scenario, [before.leader])}改为{_names_cn(scenario, [after.leader])}")
    off, on = _swapped(before, after)
    if off and on:
        parts.append(f"组员由{_names_cn(scenario, off)}改为{_names_cn(scenario, on)}")
    elif on:
        parts.append(f"增加组员{_names_cn(scenario, on)}")
    elif off:
        parts.append(f"减少组员{_names_cn(scenario, off)}")
    return "；".join(parts)


def visit_change(
    scenario: Scenario, inst_id: str, before: Visit, after: Visit, reason: str, prefix: str = ""
) -> Change | None:
    """The one row of a visit that changed, naming every way it changed; None when it did not."""
    found = _differences(scenario, before, after)
    if not found:
        return None
    kinds = [kind for kind, _, _ in found]
    if len(found) == 1:
        was, now = found[0][1], found[0][2]
    else:
        aspect = {"moved": "日期", "member_swapped": "组员", "leader_changed": "组长"}
        was = "；".join(f"{aspect[kind]} {text}" for kind, text, _ in found)
        now = "；".join(f"{aspect[kind]} {text}" for kind, _, text in found)
    summary = change_sentence(scenario, before, after)
    followup = before.kind == "followup"
    return Change(inst_id, "+".join(kinds), prefix + was, prefix + now, reason, prefix + summary, followup)


def diff(
    scenario: Scenario, baseline: Plan, plan: Plan, why: dict[str, list[str]] | None = None
) -> list[Change]:
    """One row per change from ``baseline`` to ``plan``; ``why`` gives the forced reasons per institution."""
    why = why or {}
    old = {v.institution: v for v in baseline.visits}
    new = {v.institution: v for v in plan.visits}
    rows: list[tuple[date, Change]] = []
    for inst_id in sorted(old.keys() | new.keys()):
        before, after = old.get(inst_id), new.get(inst_id)
        reason = "；".join(why.get(inst_id) or ()) or FOLLOW_ON
        if before is not None and after is None:
            inst = scenario.institution_by_id.get(inst_id)
            if inst is None:
                reason = "机构已从方案中移除"
            elif inst.exempt:
                reason = "机构已列为免检"
            rows.append(
                (before.start, Change(inst_id, "cancelled", _visit_text(scenario, before), "", reason))
            )
        elif before is None and after is not None:
            if inst_id in {u.institution for u in baseline.unscheduled}:
                reason = "原计划未能安排，本次补充安排"
            elif inst_id in baseline.exempt:
                reason = "原为免检机构，现需巡查"
            else:
                reason = "新增机构"
            rows.append((after.start, Change(inst_id, "added", "", _visit_text(scenario, after), reason)))
        elif before is not None and after is not None:
            change = visit_change(scenario, inst_id, before, after, reason)
            if change is not None:
                rows.append((before.start, change))
    rows.sort(key=lambda r: (r[0], r[1].institution, _KIND_ORDER.get(r[1].kinds[0], 9)))
    return [change for _, change in rows]
