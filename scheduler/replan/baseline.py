"""The baseline of a replan (:mod:`scheduler.replan`): whether it can be replanned from, why each
announced visit no longer holds on its own under the changed round, and which rules the started
visits, kept as they are, now break."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from constraints import (
    conflicts,
    lead_time,
    pairings,
    pins,
    standing_teams,
    team_composition,
    visit_length,
    windows,
    working_days,
)
from constraints.base import Violation
from constraints.coverage import expert_text, span_text
from constraints.registry import validate
from inputs.scenario import Scenario, Unavailability
from scheduler.plan import Plan, Visit


class BaselineError(Exception):
    """The baseline plan cannot be replanned from; ``problems`` says why, in Chinese."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("；".join(problems))


# -- checking the baseline ------------------------------------------------------------------------------

_PER_VISIT_CHECKS = (
    visit_length,
    working_days,
    windows,
    team_composition,
    conflicts,
    pairings,
    standing_teams,
    pins,  # R16: a visit whose pin changed moves to it
    lead_time,  # R14: a visit that a longer notice_days puts too close to the announcement moves
)


def _visit_problems(scenario: Scenario, visits: list[Visit], announced: date) -> dict[str, list[str]]:
    """Why each visit, taken on its own, no longer holds under the changed round (in Chinese); the plan
    is announced on ``announced`` (R14)."""
    found: dict[str, list[str]] = defaultdict(list)
    alone = Plan(scenario=scenario.params.name, status="feasible", visits=tuple(visits), announced=announced)
    for module in _PER_VISIT_CHECKS:
        for v in module.check(scenario, alone):
            found[v.subject].append(v.message)
    rows = absences(scenario)
    for visit in visits:
        found[visit.institution] += unavailable(scenario, visit, rows)
    return found


def absences(scenario: Scenario) -> dict[str, list[Unavailability]]:
    """The unavailability rows of each expert, in the sheet's order."""
    rows: dict[str, list[Unavailability]] = defaultdict(list)
    for row in scenario.unavailability:
        rows[row.expert_id].append(row)
    return rows


def unavailable(
    scenario: Scenario, visit: Visit, rows: dict[str, list[Unavailability]] | None = None
) -> list[str]:
    """Why members of ``visit`` cannot make it on its days (in Chinese): an expert no longer in the
    pool, or an unavailability row over one of its working days (with the row's reason: 「病假」);
    ``rows``: :func:`absences`, when asked for many visits."""
    rows = absences(scenario) if rows is None else rows
    out = []
    for expert_id in dict.fromkeys((*visit.members, visit.leader)):
        if expert_id not in scenario.expert_by_id:
            out.append(f"专家 {expert_id} 已不在专家库中")
            continue
        for row in rows.get(expert_id, ()):
            if not (row.start <= visit.end and visit.start <= row.end):
                continue
            days = working_days.workdays_between(
                scenario.calendar, max(row.start, visit.start), min(row.end, visit.end)
            )
            if days == []:
                continue  # only holidays in common
            why = f"（{row.reason}）" if row.reason else ""
            out.append(f"专家 {expert_text(scenario, expert_id)}{span_text(row.start, row.end)} 不可用{why}")
    return out


def _check_baseline(scenario: Scenario, baseline: Plan) -> None:
    problems = []
    seen: set[str] = set()
    for v in baseline.visits:
        if v.institution in seen:
            problems.append(f"原计划中机构 {v.institution} 出现了不止一次巡查")
        seen.add(v.institution)
        if v.end < v.start:
            problems.append(f"原计划中机构 {v.institution} 的巡查结束日期早于开始日期")
        if not v.members:
            problems.append(f"原计划中机构 {v.institution} 的巡查没有组员")
    if problems:
        raise BaselineError(problems)


def started_conflicts(scenario: Scenario, started: list[Visit], announced: date) -> list[Violation]:
    """The rules the started visits, kept as they are, now break; the plan is announced on
    ``announced`` (R14: a ``notice_days`` longer than the one they were announced with)."""
    if not started:
        return []
    ids = {v.institution for v in started}
    people = {e for v in started for e in (*v.members, v.leader)}
    alone = Plan(scenario=scenario.params.name, status="feasible", visits=tuple(started), announced=announced)
    out = []
    for v in validate(scenario, alone):
        if v.rule in ("R9", "R15"):
            continue  # quotas and follow-ups are judged on the whole plan
        if v.subject in ids or v.subject in people or v.rule == "R10":
            out.append(v)
    return out
