"""End to end: rounds with a known cause (one rule, or two that block only together) come back
partial, with exactly the institutions that cause blocks left out, reasons that name the cause, and
the rest scheduled and valid (issue 5).

Each round is solved by ``scheduler.solve.solve`` (one worker, a short time limit); the plan must pass
the independent validator (``constraints.registry.validate``), list every non-exempt institution once
(visited or left out), and be ``partial`` with visits: what ``schedule solve`` answers with exit 4.
The last test runs ``schedule solve`` itself and reads the reasons back from plan.json, the workbook's
未安排 sheet, the report and the summary.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from cli import EXIT_PARTIAL, app
from constraints.registry import validate
from inputs.scenario import Expert, Pairing, Scenario
from outputs.labels import plain_rules
from outputs.scenario_csv import write_scenario_csv
from scheduler.plan import Plan, Unscheduled
from scheduler.solve import solve
from tests.constraints.builders import expert, inst
from tests.scheduler.test_explain import (
    allround,
    concurrency_round,
    deadline_round,
    november,
    two_causes_round,
    yearly_cap_round,
)


def solved_partial(sc: Scenario) -> Plan:
    """Solve ``sc``; check the plan is valid, partial with visits (exit 4), each institution once."""
    plan = solve(sc, time_limit=3, seed=0, workers=1).plan
    violations = validate(sc, plan)
    assert violations == [], "\n".join(f"{v.rule} {v.subject}: {v.message}" for v in violations)
    assert plan.status == "partial" and plan.visits and plan.unscheduled
    visited = [v.institution for v in plan.visits]
    left = [u.institution for u in plan.unscheduled]
    assert sorted(visited + left) == sorted(i.id for i in sc.institutions if not i.exempt)
    return plan


def left_out(plan: Plan) -> dict[str, Unscheduled]:
    return {u.institution: u for u in plan.unscheduled}


def no_leader_in_paired_district() -> Scenario:
    """长寿 inspects 巴南 (pairing), but none of 长寿's four experts may lead: B1 and B2 (巴南) cannot
    be visited; C1 (长寿, no pairing) is visited by 巴南's experts, one of whom may lead."""
    insts = [
        inst("B1", "巴南第一医院", district="巴南"),
        inst("B2", "巴南第二医院", district="巴南"),
        inst("C1", "长寿第一医院", district="长寿"),
    ]
    experts = [allround(f"C{k}", district="长寿") for k in range(1, 5)]
    experts += [allround(f"B{k}", district="巴南", leader=k == 1) for k in range(1, 5)]
    return november(insts, experts, pairings=(Pairing("长寿", "巴南"),))


def skill_only_at_its_own_hospital() -> Scenario:
    """财务 is held only by F1, who works at H1: H1 cannot be visited (F1 steps aside), H2 can."""
    four = ("党建", "行风", "医疗管理", "安全生产")
    experts: list[Expert] = [expert(f"E{k}", f"专家E{k}", *four, leader=k == 1) for k in range(1, 5)]
    experts.append(expert("F1", "财务张", "财务", employer="H1"))
    return november([inst("H1", "巴南第一医院"), inst("H2", "巴南第二医院")], experts)


def test_paired_district_without_a_leader_leaves_out_exactly_its_institutions():
    """B1 and B2 are left out under R7 with reasons naming 组长 and the pairing; C1 is visited."""
    plan = solved_partial(no_leader_in_paired_district())
    left = left_out(plan)
    assert set(left) == {"B1", "B2"}
    assert [v.institution for v in plan.visits] == ["C1"]
    for item in left.values():
        assert item.rule == "R7"
        assert any("组长" in r and "长寿→巴南" in r for r in item.reasons)


def test_skill_held_only_by_an_employee_leaves_out_exactly_that_institution():
    """H1 is left out under R6 with a reason naming the skill 财务 and F1's recusal; H2 is visited
    (with F1 on its team, the only holder of 财务)."""
    plan = solved_partial(skill_only_at_its_own_hospital())
    left = left_out(plan)
    assert set(left) == {"H1"}
    assert left["H1"].rule == "R6"
    assert any("财务" in r and "财务张（F1）" in r and "回避" in r for r in left["H1"].reasons)
    (visit,) = plan.visits
    assert visit.institution == "H2" and "F1" in visit.members


def test_concurrency_cap_leaves_out_one_of_the_three_fixed_to_two_weeks():
    """Cap 1: two of H1–H3 fill weeks 1–2, the third is left out under R10 with the cap that fits
    (2); H4, without a window, is still visited."""
    plan = solved_partial(concurrency_round())
    left = left_out(plan)
    assert len(left) == 1 and set(left) <= {"H1", "H2", "H3"}
    (item,) = left.values()
    assert item.rule == "R10"
    assert "同时巡查数上限（max_concurrent_visits）调为 2" in item.reasons[0]
    assert plan.visit_of("H4") is not None


def test_deadline_too_close_leaves_out_one_and_names_a_later_deadline():
    """Four visits fill November; the fifth is left out under R3 with the deadline moved to
    12-06."""
    plan = solved_partial(deadline_round())
    (item,) = plan.unscheduled
    assert item.rule == "R3"
    assert "完成期限" in item.reasons[0] and "推迟到 2024-12-06" in item.reasons[0]
    assert len(plan.visits) == 4


def test_yearly_cap_leaves_out_one_and_names_the_cap():
    """A leads one week and has used his 5 days; B is away: one of H1, H2 is left out under R8, with
    A's cap raised to 10 days."""
    plan = solved_partial(yearly_cap_round())
    (item,) = plan.unscheduled
    assert item.institution in {"H1", "H2"}
    assert item.rule == "R8"
    assert "年度最多天数" in item.reasons[0] and "提高到 10 天" in item.reasons[0]


def test_two_causes_together_leave_out_one_and_name_both_fixes():
    """Cap 1 and a deadline that together block H2 (derived in ``two_causes_round``): H1 and G1 are
    visited in a valid plan, H2 is left out under R10 with the combined fix (cap 2 and deadline
    12-24). Applying that fix schedules all three; applying either half alone still leaves H2 out."""
    sc = two_causes_round()
    plan = solved_partial(sc)
    (item,) = plan.unscheduled
    assert item.institution == "H2" and item.rule == "R10"
    assert "单独放宽同时巡查数上限或完成期限都不足以排入" in item.reasons[0]
    assert "调为 2，并将完成期限（deadline）由 2024-12-20 推迟到 2024-12-24" in item.reasons[0]
    assert sorted(v.institution for v in plan.visits) == ["G1", "H1"]

    def with_params(cap: int, deadline: str) -> Plan:
        params = replace(sc.params, max_concurrent_visits=cap, deadline=date.fromisoformat(deadline))
        changed = replace(sc, params=params)
        fixed = solve(changed, time_limit=3, seed=0, workers=1).plan
        assert validate(changed, fixed) == []
        return fixed

    assert not with_params(2, "2024-12-24").unscheduled
    assert [u.institution for u in with_params(2, "2024-12-20").unscheduled] == ["H2"]
    assert [u.institution for u in with_params(1, "2024-12-24").unscheduled] == ["H2"]


def test_schedule_solve_exits_4_and_writes_the_reasons_everywhere(tmp_path: Path):
    """``schedule solve`` on the concurrency round: exit 4; plan.json's unscheduled entry has the
    reasons and the rule R10; the workbook's 未安排 sheet, report.html, the --json summary and the
    printed summary carry the same reason."""
    source = tmp_path / "round"
    write_scenario_csv(concurrency_round(), source)
    out = tmp_path / "plan"
    args = ["solve", str(source), "--out", str(out), "--time-limit", "3", "--workers", "1", "--json"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == EXIT_PARTIAL, result.output

    data = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    (entry,) = data["unscheduled"]
    assert entry["rule"] == "R10"
    reason = entry["reasons"][0]
    assert "调为 2" in reason

    # what a planner reads names the rule (同时巡查上限), not its code; plan.json and --json keep R10
    said = plain_rules(reason)
    sheet = load_workbook(out / "plan.xlsx")["未安排"]
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(said in c for c in cells) and "同时巡查上限" in cells

    assert said in (out / "report.html").read_text(encoding="utf-8")
    summary = json.loads(result.stdout)
    assert summary["exit_code"] == EXIT_PARTIAL
    assert summary["unscheduled"][0]["reasons"][0] == reason
    assert f"未安排 {entry['institution']}：\n    · {said}" in result.stderr
