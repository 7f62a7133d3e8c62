"""R0, plan-level sanity: the plan talks about the scenario it claims to plan, once each.

Not a rule of SPEC §2 but what every rule presumes: every non-exempt institution is either visited
once or listed as unscheduled (objective 1 of SPEC §2 and the ``unscheduled`` list of SPEC §4);
no visit, unscheduled entry or exempt entry names an institution the scenario does not know; no
institution is visited twice or both visited and left out; every expert a visit names is in the
expert pool; no visit ends before it starts.

Checked elsewhere so that one fault is reported once: the ``days`` field (R1), the leader being
among the members (R4), anything about exempt institutions (R12).

This module also holds the small helpers every check uses to name institutions, experts and dates
in its messages: it is the module that knows which ids the scenario holds.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date

from constraints.base import Violation
from inputs.scenario import Scenario
from scheduler.plan import Plan, Visit

RULE = "R0"


# -- naming helpers shared by every check ----------------------------------------------------------
def institution_text(scenario: Scenario, institution_id: str) -> str:
    """「名称（编号）」, or a marked id when the scenario does not know it."""
    inst = scenario.institution_by_id.get(institution_id)
    if inst is None:
        return f"未知机构（{institution_id}）"
    return f"{inst.name}（{inst.id}）"


def expert_text(scenario: Scenario, expert_id: str) -> str:
    """「姓名（编号）」, or a marked id when the expert pool does not hold it."""
    expert = scenario.expert_by_id.get(expert_id)
    if expert is None:
        return f"未知专家（{expert_id}）"
    return f"{expert.name}（{expert.id}）"


def experts_text(scenario: Scenario, expert_ids: Iterable[str]) -> str:
    """Several experts, in the order given, separated by 「、」."""
    return "、".join(expert_text(scenario, e) for e in expert_ids)


def span_text(first: date, last: date) -> str:
    """A date range as the office writes it; one date when both ends are the same day."""
    if first == last:
        return first.isoformat()
    return f"{first.isoformat()} 至 {last.isoformat()}"


MAX_LISTED = 10  # items a message lists one by one


def listed_text(items: list[str]) -> str:
    """「a、b、c」, the first :data:`MAX_LISTED` of a long list followed by 「等 N 个」."""
    shown = "、".join(items[:MAX_LISTED])
    return shown if len(items) <= MAX_LISTED else f"{shown} 等 {len(items)} 个"


def visit_text(scenario: Scenario, visit: Visit) -> str:
    """「机构名称（编号）2024-09-23 至 2024-09-27 的巡查」 (「… 的回头看」 for a follow-up, R15)."""
    what = "回头看" if visit.kind == "followup" else "巡查"
    return f"{institution_text(scenario, visit.institution)} {span_text(visit.start, visit.end)} 的{what}"


# -- the check -------------------------------------------------------------------------------------
def check(scenario: Scenario, plan: Plan) -> list[Violation]:
    """Every plan-level inconsistency between the plan and its scenario."""
    violations: list[Violation] = []
    violations += _unknown_institutions(scenario, plan)
    violations += _visited_twice(scenario, plan)
    violations += _left_unaccounted(scenario, plan)
    for visit in plan.visits:
        violations += _visit_sanity(scenario, visit)
    return violations


def _unknown_institutions(scenario: Scenario, plan: Plan) -> list[Violation]:
    known = scenario.institution_by_id
    found: list[Violation] = []
    for visit in plan.visits:
        if visit.institution not in known:
            found.append(
                Violation(
                    RULE,
                    visit.institution,
                    f"计划安排了 {span_text(visit.start, visit.end)} 对机构 {visit.institution} 的巡查，"
                    "但机构表中没有这个编号",
                )
            )
    for entry in plan.unscheduled:
        if entry.institution not in known:
            found.append(
                Violation(RULE, entry.institution, f"“未安排”名单中的机构 {entry.institution} 不在机构表中")
            )
    for institution_id in plan.exempt:
        if institution_id not in known:
            found.append(Violation(RULE, institution_id, f"“免检”名单中的机构 {institution_id} 不在机构表中"))
    return found


def _visited_twice(scenario: Scenario, plan: Plan) -> list[Violation]:
    found: list[Violation] = []
    dates: dict[str, list[Visit]] = defaultdict(list)  # R15 checks follow-ups
    for v in plan.visits:
        if v.kind != "followup":
            dates[v.institution].append(v)
    counts = {institution_id: len(visits) for institution_id, visits in dates.items()}
    for institution_id, count in sorted(counts.items()):
        if count > 1:
            shown = list(dict.fromkeys(span_text(v.start, v.end) for v in dates[institution_id]))
            spans = "、".join(shown[:MAX_LISTED]) + (" 等" if len(shown) > MAX_LISTED else "")
            found.append(
                Violation(
                    RULE,
                    institution_id,
                    f"{institution_text(scenario, institution_id)} 被安排了 {count} 次巡查（{spans}），"
                    "每个机构只应巡查一次",
                )
            )
    listed = Counter(u.institution for u in plan.unscheduled if u.kind != "followup")
    for institution_id, count in sorted(listed.items()):
        if count > 1:
            found.append(
                Violation(
                    RULE,
                    institution_id,
                    f"{institution_text(scenario, institution_id)} 在“未安排”名单中出现了 {count} 次",
                )
            )
        if institution_id in counts:
            found.append(
                Violation(
                    RULE,
                    institution_id,
                    f"{institution_text(scenario, institution_id)} 既安排了巡查，又列在“未安排”名单中",
                )
            )
    return found


def _left_unaccounted(scenario: Scenario, plan: Plan) -> list[Violation]:
    visited = {v.institution for v in plan.visits if v.kind != "followup"}
    listed = {u.institution for u in plan.unscheduled if u.kind != "followup"}
    return [
        Violation(
            RULE,
            inst.id,
            f"{institution_text(scenario, inst.id)} 既没有安排巡查，也没有列入“未安排”名单并说明原因",
        )
        for inst in scenario.institutions
        if not inst.exempt and inst.id not in visited and inst.id not in listed
    ]


def _visit_sanity(scenario: Scenario, visit: Visit) -> list[Violation]:
    found: list[Violation] = []
    named = list(dict.fromkeys((*visit.members, visit.leader)))
    unknown = [e for e in named if e not in scenario.expert_by_id]
    if unknown:
        found.append(
            Violation(
                RULE,
                visit.institution,
                f"{visit_text(scenario, visit)}中的专家 {listed_text(unknown)} 不在专家库中",
            )
        )
    if visit.end < visit.start:
        found.append(
            Violation(
                RULE,
                visit.institution,
                f"{institution_text(scenario, visit.institution)} 的巡查结束日期 {visit.end.isoformat()} "
                f"早于开始日期 {visit.start.isoformat()}",
            )
        )
    return found
