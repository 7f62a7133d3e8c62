"""Replanning (issue 4, SPEC §5, rule R13): change as little as possible of an announced plan.

The round: five grassroots institutions of 巴南 in November–December 2024, each held to its own week by
an earliest start, visited in one working day by a team of two drawn from five all-round experts
(E1–E3 may lead). Solved, each visit falls on the Monday of its week:

    G1 11-04   G2 11-11   G3 12-02   G4 12-09   G5 12-16

"Today" is Thursday 2024-11-14: G1 and G2 have started, G3–G5 are announced and still to come. The
notice period of 15 days ends on 2024-11-29 (a Friday): an added or moved visit starts then or later.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import icalendar
import pytest
from typer.testing import CliRunner

from benchmarks.generate import generate
from constraints import replanning
from constraints.registry import validate
from inputs.scenario import (
    DEFAULT_SKILLS,
    DEFAULT_TIER_RULES,
    Conflict,
    Expert,
    Institution,
    Quota,
    Scenario,
    Team,
    TierRule,
    Unavailability,
)
from outputs.folder import write_plan_folder
from outputs.scenario_csv import write_scenario_csv
from scheduler import executor
from scheduler.plan import Plan, Unscheduled, Visit
from scheduler.replan import ReplanResult, diff, replan
from scheduler.solve import solve
from tests.constraints.builders import expert, inst, make_scenario
from tests.scheduler.conftest import scenario, solve_checked
from tests.scheduler.test_engine import SPIN

D = date.fromisoformat
TODAY = D("2024-11-14")
ANNOUNCED = D("2024-10-18")  # the baseline's announcement (R14): 15 days' notice ends on 11-02
NOTICE_END = D("2024-11-29")
CLOCK = datetime(2024, 11, 14, 9, 0, tzinfo=UTC)
WEEKS = {"G1": "2024-11-04", "G2": "2024-11-11", "G3": "2024-12-02", "G4": "2024-12-09", "G5": "2024-12-16"}


def _round(*extra, unavailability=(), drop=(), teams=(), **params) -> Scenario:
    institutions = [
        inst(i, f"{i}社区卫生服务中心", "grassroots", earliest=D(day))
        for i, day in WEEKS.items()
        if i not in drop
    ]
    experts = [expert(f"E{n}", f"专家{n}", *DEFAULT_SKILLS, leader=n <= 3) for n in range(1, 6)]
    params.setdefault("notice_days", 15)
    return make_scenario(
        [*institutions, *extra],
        experts,
        start=D("2024-11-04"),
        deadline=D("2024-12-31"),
        unavailability=unavailability,
        teams=teams,
        **params,
    )


@pytest.fixture(scope="module")
def baseline() -> Plan:
    plan = solve(_round(), time_limit=5, seed=0, workers=1, today=ANNOUNCED).plan
    assert {v.institution: v.start.isoformat() for v in plan.visits} == WEEKS
    return plan


def _replan(scenario: Scenario, baseline: Plan, today: date = TODAY) -> ReplanResult:
    result = replan(scenario, baseline, today, time_limit=5, seed=0, workers=1)
    assert result.status.value == result.plan.status
    return result


def _visit(plan: Plan, institution: str) -> Visit:
    found = plan.visit_of(institution)
    assert found is not None, institution
    return found


def _holds(scenario: Scenario, result: ReplanResult, baseline: Plan, today: date = TODAY) -> None:
    """The new plan passes the independent checker, R13 included."""
    found = validate(scenario, result.plan) + replanning.check(scenario, result.plan, baseline, today)
    assert found == [], "\n".join(map(str, found))


def _unchanged(result: ReplanResult, baseline: Plan, *institutions: str) -> None:
    for i in institutions:
        assert replanning.same_visit(_visit(baseline, i), _visit(result.plan, i)), i


def _member(visit: Visit) -> str:
    """A member of the visit who does not lead it."""
    return next(m for m in visit.members if m != visit.leader)


# -- the cases of the issue -----------------------------------------------------------------------------


def test_added_institution_gets_notice_and_nothing_else_changes(baseline: Plan) -> None:
    """An added institution is visited no earlier than 15 days after today; every other visit stays."""
    scenario = _round(inst("G6", "新增卫生院", "grassroots"))
    result = _replan(scenario, baseline)
    _holds(scenario, result, baseline)
    added = _visit(result.plan, "G6")
    assert added.start == NOTICE_END  # the first working day of the notice period's end: as early as allowed
    _unchanged(result, baseline, *WEEKS)
    assert [(c.institution, c.kind, c.reason) for c in result.changes] == [("G6", "added", "新增机构")]
    assert result.changed_visits == 0 and result.announced == 3


def test_ill_expert_is_swapped_on_the_same_dates(baseline: Plan) -> None:
    """An expert unavailable over a coming visit is replaced on that visit; its dates do not move."""
    old = _visit(baseline, "G3")
    ill = _member(old)
    scenario = _round(unavailability=[Unavailability(ill, D("2024-12-02"), D("2024-12-06"), "病假")])
    result = _replan(scenario, baseline)
    _holds(scenario, result, baseline)
    new = _visit(result.plan, "G3")
    assert (new.start, new.end, new.leader) == (old.start, old.end, old.leader)
    assert ill not in new.members and len(new.members) == len(old.members)
    _unchanged(result, baseline, "G1", "G2", "G4", "G5")
    assert [(c.institution, c.kind) for c in result.changes] == [("G3", "member_swapped")]
    change = result.changes[0]
    assert ill in change.before and "病假" in change.reason and "2024-12-02 至 2024-12-06" in change.reason
    assert result.changed_visits == 1


def test_ill_leader_is_replaced_by_another_leader(baseline: Plan) -> None:
    """When the leader falls ill, the visit keeps its dates and gets a new leader who may lead."""
    old = _visit(baseline, "G4")
    scenario = _round(unavailability=[Unavailability(old.leader, D("2024-12-09"), D("2024-12-09"))])
    result = _replan(scenario, baseline)
    _holds(scenario, result, baseline)
    new = _visit(result.plan, "G4")
    assert (new.start, new.end) == (old.start, old.end)
    assert new.leader != old.leader and old.leader not in new.members
    (change,) = result.changes  # a leader replaced is one change a person would name
    assert change.kind in ("leader_changed", "member_swapped+leader_changed")
    assert change.summary.startswith(f"组长由{scenario.expert_by_id[old.leader].name}改为")


def test_forced_visit_moves_after_the_notice_period_when_nobody_can_stand_in(baseline: Plan) -> None:
    """If no expert can stand in on the day, the visit moves (keeping its team) to a start after the
    notice period; the dates are the only change."""
    old = _visit(baseline, "G3")
    ill = _member(old)
    others = [f"E{n}" for n in range(1, 6) if f"E{n}" not in old.members]
    day = D("2024-12-02")
    scenario = _round(unavailability=[Unavailability(e, day, day) for e in [ill, *others]])
    result = _replan(scenario, baseline)
    _holds(scenario, result, baseline)
    new = _visit(result.plan, "G3")
    assert new.start > old.start and new.start >= NOTICE_END
    assert set(new.members) == set(old.members) and new.leader == old.leader
    assert [(c.institution, c.kind) for c in result.changes] == [("G3", "moved")]


def test_removed_institution_is_cancelled(baseline: Plan) -> None:
    """An institution taken out of the round loses its visit; the change list says why."""
    scenario = _round(drop=("G4",))
    result = _replan(scenario, baseline)
    _holds(scenario, result, baseline)
    assert result.plan.visit_of("G4") is None
    _unchanged(result, baseline, "G1", "G2", "G3", "G5")
    assert [(c.institution, c.kind, c.reason) for c in result.changes] == [
        ("G4", "cancelled", "机构已从方案中移除")
    ]


def test_exempt_institution_is_cancelled_and_listed_exempt(baseline: Plan) -> None:
    """An institution now exempt (R12) is cancelled and listed as exempt."""
    scenario = _round(drop=("G5",))
    scenario = replace(
        scenario,
        institutions=(*scenario.institutions, inst("G5", "G5社区卫生服务中心", "grassroots", exempt=True)),
    )
    result = _replan(scenario, baseline)
    _holds(scenario, result, baseline)
    assert "G5" in result.plan.exempt and result.plan.visit_of("G5") is None
    assert [(c.kind, c.reason) for c in result.changes] == [("cancelled", "机构已列为免检")]


def test_started_visit_is_kept_and_its_conflict_reported(baseline: Plan) -> None:
    """A visit that began before today never changes, even when its expert is now unavailable; the
    replan says so (a conflict) instead of moving it."""
    old = _visit(baseline, "G2")
    ill = _member(old)
    scenario = _round(unavailability=[Unavailability(ill, D("2024-11-11"), D("2024-11-11"), "病假")])
    result = _replan(scenario, baseline)
    _unchanged(result, baseline, *WEEKS)
    assert result.changes == []
    assert [(v.rule, v.subject) for v in result.conflicts] == [("R8", ill)]
    assert replanning.check(scenario, result.plan, baseline, TODAY) == []
    assert [(v.rule, v.subject) for v in validate(scenario, result.plan)] == [("R8", ill)]


def test_kept_visit_holds_its_experts(baseline: Plan) -> None:
    """An announced visit kept as it is holds its experts: a visit added on the same day uses others (R5)."""
    scenario = _round(
        inst("G6", "新增卫生院", "grassroots", earliest=D("2024-12-02"), latest=D("2024-12-02"))
    )
    result = _replan(scenario, baseline)
    _holds(scenario, result, baseline)
    g3, g6 = _visit(result.plan, "G3"), _visit(result.plan, "G6")
    assert g6.start == g3.start and not set(g6.members) & set(g3.members)
    _unchanged(result, baseline, *WEEKS)


def _only_free_on(day: date, *experts: str) -> list[Unavailability]:
    return [Unavailability(f"E{n}", day, day) for n in range(1, 6) if f"E{n}" not in experts]


def test_started_visit_running_past_today_holds_its_experts(baseline: Plan) -> None:
    """A visit that started before today and runs on (G1, 11-11 to 11-29 in this baseline) keeps its
    experts busy: an institution to add on 11-29 only, when everyone else is away that day but one
    expert, cannot be visited."""
    g2 = _visit(baseline, "G2")
    free = [f"E{n}" for n in range(1, 6) if f"E{n}" not in g2.members]
    leader = next(e for e in free if e in ("E1", "E2", "E3"))
    long_g1 = Visit(
        "G1", D("2024-11-11"), NOTICE_END, 15, leader, (leader, next(e for e in free if e != leader))
    )
    old = replace(baseline, visits=tuple(long_g1 if v.institution == "G1" else v for v in baseline.visits))
    spare = next(e for e in free if e not in long_g1.members)
    g6 = inst("G6", "新增卫生院", "grassroots", earliest=NOTICE_END, latest=NOTICE_END)
    scenario = _round(g6, unavailability=_only_free_on(NOTICE_END, *long_g1.members, spare))
    result = _replan(scenario, old)
    _holds(scenario, result, old)
    assert [u.institution for u in result.plan.unscheduled] == ["G6"]
    _unchanged(result, old, *WEEKS)


def test_yearly_cap_counts_the_visits_kept(baseline: Plan) -> None:
    """Days on started and kept visits count toward an expert's yearly cap (R8): an institution to add
    on a day when only a capped expert and one leader are free cannot be visited."""
    g1 = _visit(baseline, "G1")
    busy = _member(g1)
    used = sum(v.days for v in baseline.visits if busy in v.members)
    g6 = inst("G6", "新增卫生院", "grassroots", earliest=NOTICE_END, latest=NOTICE_END)
    scenario = _round(g6, unavailability=_only_free_on(NOTICE_END, busy, g1.leader))
    capped = replace(
        scenario, experts=tuple(replace(e, max_days=used) if e.id == busy else e for e in scenario.experts)
    )
    result = _replan(capped, baseline)
    _holds(capped, result, baseline)
    assert [u.institution for u in result.plan.unscheduled] == ["G6"]
    _unchanged(result, baseline, *WEEKS)


def test_added_institution_without_a_date_after_notice_is_left_out(baseline: Plan) -> None:
    """An added institution whose window closes before the notice period ends cannot be visited: it is
    listed as left out, with the notice period as the reason (R13)."""
    scenario = _round(inst("G6", "新增卫生院", "grassroots", latest=D("2024-11-22")))
    result = _replan(scenario, baseline)
    _holds(scenario, result, baseline)
    assert result.plan.status == "partial"
    (left,) = result.plan.unscheduled
    assert left.institution == "G6" and left.rule == "R13" and "通知期 15 天" in left.reasons[0]
    _unchanged(result, baseline, *WEEKS)


def test_institution_left_out_before_is_added_when_it_fits(baseline: Plan) -> None:
    """An institution the baseline left out is scheduled now if it can be, and listed as added."""
    with_g6 = replace(baseline, unscheduled=(Unscheduled("G6", ("测试",)),))
    scenario = _round(inst("G6", "新增卫生院", "grassroots"))
    result = _replan(scenario, with_g6)
    assert [(c.institution, c.kind, c.reason) for c in result.changes] == [
        ("G6", "added", "原计划未能安排，本次补充安排")
    ]


def test_same_inputs_give_the_same_replan(baseline: Plan) -> None:
    """Same inputs and seed give the same plan and change list."""
    scenario = _round(
        inst("G6", "新增卫生院", "grassroots"),
        unavailability=[Unavailability(_member(_visit(baseline, "G3")), D("2024-12-02"), D("2024-12-02"))],
    )
    first, second = _replan(scenario, baseline), _replan(scenario, baseline)
    assert first.plan.visits == second.plan.visits and first.changes == second.changes


def test_standing_team_member_falls_ill() -> None:
    """A standing-team visit whose member falls ill cannot go with that team (R11): it changes as little
    as the rules allow, and the ill expert is off it."""
    teams = [Team("甲组", "E1", ("E1", "E4")), Team("乙组", "E2", ("E2", "E5"))]
    scenario = _round(teams=teams)
    old_plan = solve(scenario, time_limit=5, seed=0, workers=1, today=ANNOUNCED).plan
    old = _visit(old_plan, "G3")
    ill = _member(old)
    changed = _round(teams=teams, unavailability=[Unavailability(ill, D("2024-12-02"), D("2024-12-02"))])
    result = _replan(changed, old_plan)
    _holds(changed, result, old_plan)
    assert ill not in _visit(result.plan, "G3").members
    assert {c.institution for c in result.changes} == {"G3"}


def _day_visit(institution: str, day: str, leader: str, member: str) -> Visit:
    return Visit(institution, D(day), D(day), 1, leader, (leader, member))


def test_repair_may_need_a_neighbouring_visit_to_move() -> None:
    """G3 can only be visited on 12-02; its member E4 falls ill and the only other expert free that
    day (E3) is away too. The greedy cannot repair G3 alone, so the visits sharing its experts are
    freed: G7 (same day, any later day allowed) moves past the notice period and lends G3 a member."""
    institutions = [
        inst("G3", "G3社区卫生服务中心", "grassroots", earliest=D("2024-12-02"), latest=D("2024-12-02")),
        inst("G7", "G7社区卫生服务中心", "grassroots", earliest=D("2024-12-02")),
    ]
    experts = [expert(f"E{n}", f"专家{n}", *DEFAULT_SKILLS, leader=n <= 3) for n in range(1, 6)]
    day = D("2024-12-02")
    scenario = make_scenario(
        institutions,
        experts,
        start=D("2024-11-04"),
        deadline=D("2024-12-31"),
        unavailability=[Unavailability("E4", day, day), Unavailability("E3", day, day)],
    )
    old = Plan(
        "测试巡查",
        "feasible",
        (_day_visit("G3", "2024-12-02", "E1", "E4"), _day_visit("G7", "2024-12-02", "E2", "E5")),
    )
    result = _replan(scenario, old)
    _holds(scenario, result, old)
    g3, g7 = _visit(result.plan, "G3"), _visit(result.plan, "G7")
    assert g3.start == day and "E4" not in g3.members
    assert g7.start >= NOTICE_END and g7.start != day
    assert {(c.institution, c.kind) for c in result.changes} >= {("G3", "member_swapped"), ("G7", "moved")}
    assert result.changed_visits == 2


def test_quota_raised_by_an_addition_frees_announced_visits() -> None:
    """A 2024 quota of half the grassroots institutions: adding a fifth one (2025 only) raises the need
    from 2 to 3. Only a move of an announced 2025 visit into 2024 (after the notice period) meets it."""
    institutions = [
        inst(i, f"{i}社区卫生服务中心", "grassroots", latest=D("2024-12-31") if i in ("A", "B") else None)
        for i in ("A", "B", "C", "D")
    ]
    experts = [expert(f"E{n}", f"专家{n}", *DEFAULT_SKILLS, leader=n <= 3) for n in range(1, 6)]
    quota = Quota(2024, tier="grassroots", min_share=0.5)
    kw = {"start": D("2024-11-04"), "deadline": D("2025-03-31"), "quotas": [quota]}
    old = Plan(
        "测试巡查",
        "feasible",
        (
            _day_visit("A", "2024-11-04", "E1", "E4"),
            _day_visit("B", "2024-12-02", "E2", "E5"),
            _day_visit("C", "2025-01-06", "E3", "E4"),
            _day_visit("D", "2025-01-07", "E1", "E5"),
        ),
    )
    assert validate(make_scenario(institutions, experts, **kw), old) == []
    e = inst("E", "E社区卫生服务中心", "grassroots", earliest=D("2025-01-02"))
    scenario = make_scenario([*institutions, e], experts, **kw)
    result = _replan(scenario, old)
    _holds(scenario, result, old)
    moved = [c for c in result.changes if c.kind == "moved"]
    assert len(moved) == 1 and moved[0].institution in ("C", "D")
    assert _visit(result.plan, moved[0].institution).end.year == 2024


# -- R13's check, on hand-made plans --------------------------------------------------------------------


def _moved(plan: Plan, institution: str, **changes) -> Plan:
    return replace(
        plan, visits=tuple(replace(v, **changes) if v.institution == institution else v for v in plan.visits)
    )


def test_check_flags_a_changed_started_visit(baseline: Plan) -> None:
    """Changing the members of a visit that has started breaks R13; cancelling it too."""
    scenario = _round()
    g2 = _visit(baseline, "G2")
    swapped = _moved(baseline, "G2", members=(g2.leader, "E9"))
    assert [v.subject for v in replanning.check(scenario, swapped, baseline, TODAY)] == ["G2"]
    gone = replace(baseline, visits=tuple(v for v in baseline.visits if v.institution != "G2"))
    assert [v.subject for v in replanning.check(scenario, gone, baseline, TODAY)] == ["G2"]


def test_check_flags_a_move_inside_the_notice_period(baseline: Plan) -> None:
    """Moving a visit to a date inside the notice period breaks R13; moving it after it does not."""
    scenario = _round()
    early = _moved(baseline, "G3", start=D("2024-11-28"), end=D("2024-11-28"))
    late = _moved(baseline, "G3", start=NOTICE_END, end=NOTICE_END)
    assert [v.subject for v in replanning.check(scenario, early, baseline, TODAY)] == ["G3"]
    assert replanning.check(scenario, late, baseline, TODAY) == []


def test_check_allows_a_swap_inside_the_notice_period(baseline: Plan) -> None:
    """A member swapped on a coming visit keeps its dates: no notice is needed."""
    scenario = _round()
    g3 = _visit(baseline, "G3")
    other = next(f"E{n}" for n in range(1, 6) if f"E{n}" not in g3.members)
    swapped = _moved(baseline, "G3", members=(g3.leader, other))
    assert replanning.check(scenario, swapped, baseline, D("2024-11-28")) == []


def test_restrict_keeps_the_announced_start_inside_the_notice_period() -> None:
    """The announced start stays allowed inside the notice period; every other start moves past it."""
    from scheduler.instance import build_instance

    task = build_instance(_round()).tasks[2]  # G3: starts from 12-02 (index 20) on
    cut = replanning.restrict(task, keep=20, first=25)
    assert cut is not None and cut.start_values()[:2] == [20, 25]
    assert replanning.restrict(task, keep=None, first=10_000) is None


# -- the change list ------------------------------------------------------------------------------------


def test_diff_names_each_kind_of_change() -> None:
    """One row per visit: cancelled; moved with a new leader (who replaced the old one) in one row
    naming both; added."""
    scenario = _round(drop=("G1",))
    v = Visit("G2", D("2024-12-02"), D("2024-12-02"), 1, "E1", ("E1", "E4"))
    old = Plan(
        "测试巡查", "feasible", (Visit("G1", D("2024-12-02"), D("2024-12-02"), 1, "E1", ("E1", "E4")), v)
    )
    new = Plan(
        "测试巡查",
        "feasible",
        (
            replace(v, start=D("2024-12-09"), end=D("2024-12-09"), leader="E2", members=("E2", "E4")),
            Visit("G3", D("2024-12-10"), D("2024-12-10"), 1, "E3", ("E3", "E5")),
        ),
    )
    rows = diff(scenario, old, new, {"G2": ["专家 专家1（E1）2024-12-02 不可用"]})
    assert [(c.institution, c.kind, c.label) for c in rows] == [
        ("G1", "cancelled", "取消"),
        ("G2", "moved+leader_changed", "改期、更换组长"),
        ("G3", "added", "新增"),
    ]
    changed = rows[1]
    assert changed.before == "日期 2024-12-02；组长 专家1（E1）"
    assert changed.after == "日期 2024-12-09；组长 专家2（E2）"
    assert changed.summary == "日期由2024年12月2日改为2024年12月9日；组长由专家1改为专家2"
    assert changed.reason == "专家 专家1（E1）2024-12-02 不可用"
    assert rows[0].reason == "机构已从方案中移除" and rows[2].reason == "新增机构"


def test_a_leader_swap_within_the_team_is_one_change() -> None:
    """A led and B was a member; now B leads and A stays on: one row 「组长由A改为B」, no member swap."""
    scenario = _round()
    v = Visit("G2", D("2024-12-02"), D("2024-12-02"), 1, "E1", ("E1", "E4"))
    old = Plan("测试巡查", "feasible", (v,))
    new = Plan("测试巡查", "feasible", (replace(v, leader="E4", members=("E4", "E1")),))
    (change,) = diff(scenario, old, new)
    assert (change.kind, change.label) == ("leader_changed", "更换组长")
    assert change.summary == f"组长由{scenario.expert_by_id['E1'].name}改为{scenario.expert_by_id['E4'].name}"


def test_a_team_change_that_is_not_a_leader_swap_is_still_reported() -> None:
    """A member replaced (the leader kept) is one 换人 row naming both experts."""
    scenario = _round()
    v = Visit("G2", D("2024-12-02"), D("2024-12-02"), 1, "E1", ("E1", "E4"))
    old = Plan("测试巡查", "feasible", (v,))
    new = Plan("测试巡查", "feasible", (replace(v, members=("E1", "E5")),))
    (change,) = diff(scenario, old, new)
    assert change.kind == "member_swapped" and change.summary.startswith("组员由")


# -- the plan folder: change list and calendar updates --------------------------------------------------


def _events(path: Path) -> list[icalendar.Event]:
    return list(icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"))


def test_folder_sends_only_what_changed(tmp_path: Path, baseline: Plan) -> None:
    """The replan folder has the change list; calendars hold REQUESTs only for the changed visit (a
    higher SEQUENCE for those still on it, a first one for the newcomer) and a CANCEL for the ill
    expert; unchanged visits get nothing new."""
    from outputs.calendars import read_ledger

    write_plan_folder(_round(), baseline, tmp_path / "old", facts={}, now=CLOCK)
    old = _visit(baseline, "G3")
    ill = _member(old)
    scenario = _round(unavailability=[Unavailability(ill, D("2024-12-02"), D("2024-12-02"))])
    result = _replan(scenario, baseline)
    ledger = read_ledger(tmp_path / "old" / "calendars" / "ledger.json")
    out = tmp_path / "new"
    write_plan_folder(
        scenario,
        result.plan,
        out,
        facts={},
        now=CLOCK,
        previous_ledger=ledger,
        changes=result.changes,
        only_changed=True,
    )
    requests = sorted((out / "calendars" / "requests").glob("*.ics"))
    assert all(p.stem.endswith("_G3") for p in requests) and len(requests) == len(old.members)
    new = _visit(result.plan, "G3")
    newcomer = next(m for m in new.members if m not in old.members)
    for path in requests:
        (event,) = _events(path)
        expected = 0 if path.stem.startswith(f"{newcomer}_") else 1
        assert int(event["SEQUENCE"]) == expected, path.name
    (cancel,) = (out / "calendars" / "cancellations").glob("*.ics")
    assert cancel.stem.startswith(f"{ill}_") and cancel.stem.endswith("_G3")
    assert b"METHOD:CANCEL" in cancel.read_bytes()
    text = (out / "changes.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0] == "机构编号,机构名称,变更类型,变更前,变更后,原因"
    assert ",换人," in text


def test_cli_replan_and_validate(tmp_path: Path, baseline: Plan) -> None:
    """``schedule replan`` writes the folder and exits 0; ``schedule validate --baseline --today``
    checks R13 as well and passes."""
    from cli import app

    write_plan_folder(_round(), baseline, tmp_path / "old", facts={}, now=CLOCK)
    scenario = _round(inst("G6", "新增卫生院", "grassroots"))
    write_scenario_csv(scenario, tmp_path / "changed")
    runner = CliRunner()
    args = ["replan", str(tmp_path / "changed"), "--baseline", str(tmp_path / "old" / "plan.json")]
    args += ["--today", "2024-11-14", "--out", str(tmp_path / "new"), "--time-limit", "5", "--workers", "1"]
    done = runner.invoke(app, args)
    assert done.exit_code == 0, done.output
    assert (tmp_path / "new" / "changes.csv").is_file()
    run = json.loads((tmp_path / "new" / "run.json").read_text(encoding="utf-8"))
    assert run["command"] == "replan" and isinstance(run["wall_clock_fired"], bool)
    check = ["validate", str(tmp_path / "new" / "scenario"), str(tmp_path / "new" / "plan.json")]
    check += ["--baseline", str(tmp_path / "old" / "plan.json"), "--today", "2024-11-14"]
    assert runner.invoke(app, check).exit_code == 0
    late = [*check[:-1], "2024-11-20"]  # G6 at 11-29 would give only 9 days' notice from 11-20
    flagged = runner.invoke(app, late)
    assert flagged.exit_code == 1 and "【调整规则（R13）】G6" in flagged.output


def test_cli_rejects_a_bad_today(tmp_path: Path) -> None:
    """A --today that is not a date is a usage error (exit 2)."""
    from cli import app

    write_scenario_csv(_round(), tmp_path / "sc")
    done = CliRunner().invoke(
        app, ["replan", str(tmp_path / "sc"), "--baseline", "x.json", "--today", "明天"]
    )
    assert done.exit_code == 2


def test_cli_rejects_a_bad_baseline(tmp_path: Path, baseline: Plan) -> None:
    """A baseline that is not a plan, or visits one institution twice, is bad input (exit 3)."""
    from cli import app

    write_scenario_csv(_round(), tmp_path / "sc")
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    twice = replace(baseline, visits=(*baseline.visits, baseline.visits[-1]))
    (tmp_path / "twice.json").write_text(twice.to_json(), encoding="utf-8")
    for name in ("broken.json", "twice.json"):
        args = ["replan", str(tmp_path / "sc"), "--baseline", str(tmp_path / name), "--today", "2024-11-14"]
        done = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "out")])
        assert done.exit_code == 3, (name, done.output)
        assert not (tmp_path / "out").exists()


# -- determinism whatever the load (SPEC §5, issue 13 item 5) ---------------------------------------------


@pytest.fixture(scope="module")
def loaded_round() -> tuple[Scenario, Plan, date]:
    """A grassroots round of 240 institutions in two prefectures (``benchmarks.generate``), announced
    without every 12th institution; a third of the way in, every 6th visit of the later half loses a
    member to an absence. The replan must repair those visits and add 20 institutions; with a time
    limit of 0.5 s its first stage ends on its budget short of the plan a longer search finds (a
    change cost of 9,260 against 9,256), so a search cut short by the wall clock would give another
    plan."""
    full = generate("national", 0, size=240)
    added = {i.id for i in full.institutions[::12]}
    announced = replace(full, institutions=tuple(i for i in full.institutions if i.id not in added))
    old = solve(announced, time_limit=1, seed=5, workers=1).plan
    visits = sorted(old.visits, key=lambda v: (v.start, v.institution))
    today = visits[len(visits) // 3].start
    away = [Unavailability(v.members[-1], v.start, v.end) for v in visits[len(visits) // 2 :: 6]]
    return replace(full, unavailability=full.unavailability + tuple(away)), old, today


def test_same_replan_beside_a_busy_competing_process(loaded_round) -> None:
    """Replanned once on its own and once while a process spins the CPU: byte-identical plan.json,
    because deterministic budgets sized from the time limit, not the wall clock, end each search."""
    scenario, old, today = loaded_round
    quiet = replan(scenario, old, today, time_limit=0.5, seed=5, workers=1)
    spinner = subprocess.Popen([sys.executable, "-c", SPIN])
    try:
        busy = replan(scenario, old, today, time_limit=0.5, seed=5, workers=1)
    finally:
        spinner.kill()
        spinner.wait()
    _holds(scenario, quiet, old, today)
    assert {c.kind for c in quiet.changes} >= {"added"} and quiet.changed_visits > 0
    fired = (quiet.wall_clock_fired, busy.wall_clock_fired)
    assert quiet.plan.to_json().encode("utf-8") == busy.plan.to_json().encode("utf-8"), f"fired: {fired}"


def test_replan_reports_the_wall_clock_last_resort(loaded_round, monkeypatch) -> None:
    """When the wall clock, not the budget, ends a replan's search, the result and its summary say so,
    and the plan still holds every rule."""
    scenario, old, today = loaded_round
    monkeypatch.setattr(executor, "last_resort", lambda started, limit: started)  # already past
    result = replan(scenario, old, today, time_limit=0.5, seed=5, workers=1)
    assert result.wall_clock_fired
    assert "机器过于繁忙" in result.summary()
    _holds(scenario, result, old, today)


# -- a visit straddling New Year --------------------------------------------------------------------------


def _new_year_round(*extra: str) -> Scenario:
    """Three 4-day centres that only L1 may lead, L1 capped at 6 days a year: G1 lies in 2024, G2 in
    2025, so G3 straddles New Year with 2 days in each year (12-30..01-03); ``extra`` centres too."""
    experts = [expert("L1", "专家L1", *DEFAULT_SKILLS, leader=True, max_days=6)]
    experts += [expert(f"M{n}", f"专家M{n}", *DEFAULT_SKILLS) for n in range(1, 5)]
    years = {"G1": 2024, "G2": 2025}
    insts = [
        inst(i, f"{i}社区卫生服务中心", "grassroots", min_days=4, year=years.get(i))
        for i in ("G1", "G2", "G3")
    ]
    insts += [inst(i, f"{i}社区卫生服务中心", "grassroots", min_days=4) for i in extra]
    return make_scenario(insts, experts, start=D("2024-12-02"), deadline=D("2025-01-31"), notice_days=0)


def test_replan_holds_a_straddling_visit_and_counts_its_days_in_both_years() -> None:
    """Replanning on 12-16 with one more centre that only L1 may lead: L1's 6 days a year are spent
    (4 + 2 in 2024 and 2 + 4 in 2025, G3's days split between the years), so the new centre is left
    out and the straddling visit stays as announced."""
    announced = D("2024-12-02")
    baseline = solve(_new_year_round(), time_limit=5, seed=0, workers=1, today=announced).plan
    g3 = _visit(baseline, "G3")
    assert (g3.start, g3.end) == (D("2024-12-30"), D("2025-01-03"))
    scenario = _new_year_round("G4")
    today = D("2024-12-16")
    result = _replan(scenario, baseline, today)
    _holds(scenario, result, baseline, today)
    assert [u.institution for u in result.plan.unscheduled] == ["G4"]
    _unchanged(result, baseline, "G1", "G2", "G3")


def test_replan_counts_a_running_straddling_visit_in_both_years() -> None:
    """Replanning on 2025-01-02 while G3 runs over New Year (it started 12-30 or 12-31 and is held as
    it is): L1, capped at 6 days a year, has G3's days of 2025 (2 or 3) and G2's 3 there, so a
    2-day centre more in 2025 that only L1 may lead is left out; counting G3 in its start year alone
    would let it in and break R8."""
    experts = [expert("L1", "专家L1", *DEFAULT_SKILLS, leader=True, max_days=6)]
    experts += [expert(f"M{n}", f"专家M{n}", *DEFAULT_SKILLS) for n in range(1, 5)]

    def centre(i: str, days: int, year: int | None) -> Institution:
        return inst(i, f"{i}社区卫生服务中心", "grassroots", min_days=days, year=year)

    def round_(*extra: Institution) -> Scenario:
        insts = [centre("G1", 4, 2024), centre("G2", 3, 2025), centre("G3", 4, None), *extra]
        return make_scenario(insts, experts, start=D("2024-12-02"), deadline=D("2025-01-31"), notice_days=0)

    baseline = solve(round_(), time_limit=5, seed=0, workers=1, today=D("2024-12-02")).plan
    g3 = _visit(baseline, "G3")
    assert g3.start.year == 2024 and g3.end.year == 2025
    scenario = round_(centre("G4", 2, 2025))
    today = D("2025-01-02")
    result = _replan(scenario, baseline, today)
    _holds(scenario, result, baseline, today)
    assert [u.institution for u in result.plan.unscheduled] == ["G4"]
    _unchanged(result, baseline, "G3")


def test_a_member_swapped_for_an_ill_one_keeps_the_division_of_work():
    """I1's tier needs two 医疗管理 members (R4 分工, `医疗管理*2`), E1 and E8 the only holders; E1 falls
    ill over I1's visit, replanned on its first day: a same-day team would have one 医疗管理 holder,
    which cannot be given the parts (before: the repair kept the date with such a team and no parts,
    which validate refuses); the visit is listed with its reasons instead."""
    insts = [
        Institution("I0", "第0医疗机构", "巴南区", "tertiary_general", year=2025),
        Institution("I1", "第1医疗机构", "巴南区", "tertiary_general", earliest=D("2024-12-06")),
    ]
    skills = {
        "E0": ("党建", "行风", "财务"),
        "E1": ("党建", "医疗管理"),
        "E2": ("党建",),
        "E3": ("党建",),
        "E4": ("党建",),
        "E5": ("党建",),
        "E6": ("党建", "行风"),
        "E7": ("安全生产",),
        "E8": ("党建", "医疗管理"),
    }
    experts = [
        Expert(e, f"专家{e[1:]}", "巴南区", s, leader=e not in ("E2", "E5")) for e, s in skills.items()
    ]
    rules = {
        **DEFAULT_TIER_RULES,
        "tertiary_general": TierRule("tertiary_general", 7, 4, 9, ("党建", "医疗管理"), (("医疗管理", 2),)),
    }
    sc = scenario(
        insts,
        experts,
        start=D("2024-11-04"),
        deadline=D("2025-01-31"),
        home_district_only=False,
        notice_days=7,
        pace="even",
        tier_rules=rules,
        unavailability=[
            Unavailability("E0", D("2024-11-04"), D("2024-11-04")),
            Unavailability("E1", D("2024-12-14"), D("2025-01-02")),
        ],
        conflicts=[Conflict("E3", "I1")],
    )
    baseline = solve_checked(sc).plan
    i1 = baseline.visit_of("I1")
    assert "E1" in i1.members
    ill = replace(sc, unavailability=(*sc.unavailability, Unavailability("E1", i1.start, i1.end, "病假")))
    result = replan(ill, baseline, i1.start, time_limit=5, seed=0, workers=1)
    assert validate(ill, result.plan) == []
    after = result.plan.visit_of("I1")
    assert after is None or after.parts
