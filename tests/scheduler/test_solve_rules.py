"""End to end: the solver honours every rule of SPEC §2 (R1–R12) and the objectives' order.

For each rule, a tiny scenario where the rule bites (without it the plan would differ, or an
institution would be left out) and one where it does not, solved with ``solve(..., time_limit=5,
seed=0, workers=1)``. The expected effect is derived by hand in each test's comments. Every plan is
also checked by the independent validator (``solve_checked``). Unless a test says otherwise the round
is November 2024 (working days 11-04..08, 11-11..15, 11-18..22, 11-25..29) and, since the plan
finishes each window as early as its pacing allows (objective 3), a lone visit starts on the first
allowed working day; tests about the timing of several visits pace them ``early``.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest

from constraints.registry import validate
from inputs.calendar import WorkCalendar
from inputs.scenario import (
    Batch,
    Conflict,
    HolidayRow,
    Pairing,
    Quota,
    Team,
    TierRule,
    Unavailability,
)
from scheduler.solve import SolveStatus, solve
from tests.constraints.builders import expert, inst, teams_scenario
from tests.scheduler.conftest import (
    CJK,
    D,
    allround,
    leads,
    loads,
    overlap,
    scenario,
    solve_checked,
)

CAL = WorkCalendar()


def four_allround(prefix: str = "E", district: str = "巴南", leaders: int = 1):
    """Four all-round experts of one district, the first ``leaders`` of them leader-eligible."""
    return [allround(f"{prefix}{k}", district=district, leader=k <= leaders) for k in range(1, 5)]


def only_visit(result):
    (v,) = result.plan.visits
    return v


# -- R1 visit length ------------------------------------------------------------------------------


def test_r1_planner_minimum_lengthens_a_visit():
    """A secondary hospital with the planner's minimum of 7 days gets 7 working days, 11-04..11-12,
    not the tier's 5 (which would end 11-08)."""
    sc = scenario([inst("H1", "巴南第一医院", "secondary", min_days=7)], four_allround())
    v = only_visit(solve_checked(sc))
    assert (v.start, v.end, v.days) == (D("2024-11-04"), D("2024-11-12"), 7)
    assert CAL.count_workdays(v.start, v.end) == 7


def test_r1_tier_minimum_when_planner_asks_less():
    """The tier's minimum holds when the planner's is shorter: a secondary hospital with min_days 3
    still gets 5 working days (11-04..11-08); a grassroots centre gets a single working day."""
    sc = scenario(
        [
            inst("H1", "巴南第一医院", "secondary", min_days=3),
            inst("G1", "花溪社区卫生服务中心", "grassroots"),
        ],
        [*four_allround(), allround("L9", leader=True), allround("E9")],
    )
    plan = solve_checked(sc).plan
    h1, g1 = plan.visit_of("H1"), plan.visit_of("G1")
    assert (h1.start, h1.end, h1.days) == (D("2024-11-04"), D("2024-11-08"), 5)
    # G1 may run any day up to 11-08 without ending the round later: only its length is fixed
    assert g1.days == 1 and g1.start == g1.end


def test_r1_window_shorter_than_the_minimum_leaves_the_institution_out():
    """A tertiary general hospital (7 days) whose window holds only 6 working days (11-04..11-11)
    cannot be visited: the result is infeasible, the hospital listed with a Chinese reason."""
    sc = scenario([inst("H1", "巴南中心医院", "tertiary_general", latest=D("2024-11-11"))], four_allround())
    result = solve_checked(sc)
    assert result.status is SolveStatus.INFEASIBLE
    assert result.plan.visits == ()
    assert [u.institution for u in result.plan.unscheduled] == ["H1"]


# -- R2 working days ------------------------------------------------------------------------------


def test_r2_visit_spanning_national_day_counts_working_days():
    """A tertiary general hospital (7 working days) from 2024-09-27 spans National Day: its working
    days are 09-27, 09-29 (a make-up Sunday), 09-30, 10-08, 10-09, 10-10, 10-11 — so it ends on
    10-11, fifteen calendar days after it starts, and 10-01..10-07 are not among its days."""
    sc = scenario(
        [inst("H1", "巴南中心医院", "tertiary_general", earliest=D("2024-09-27"))],
        four_allround(),
        start=D("2024-09-02"),
        deadline=D("2024-10-31"),
    )
    v = only_visit(solve_checked(sc))
    assert (v.start, v.end, v.days) == (D("2024-09-27"), D("2024-10-11"), 7)
    assert CAL.count_workdays(v.start, v.end) == 7


def test_r2_visit_in_plain_weeks_skips_only_the_weekend():
    """Without holidays in the way the same 7-day visit from 11-04 ends on 11-12 (the weekend
    11-09/10 skipped)."""
    sc = scenario([inst("H1", "巴南中心医院", "tertiary_general")], four_allround())
    v = only_visit(solve_checked(sc))
    assert (v.start, v.end, v.days) == (D("2024-11-04"), D("2024-11-12"), 7)


def test_r2_holidays_sheet_overrides_the_calendar():
    """A ``holidays`` row making Wednesday 11-06 a holiday and Saturday 11-09 a working day moves
    the end of a 5-day visit from 11-04: its days are 11-04, 05, 07, 08, 09, so it ends Saturday."""
    sc = scenario(
        [inst("H1", "巴南第一医院", "secondary")],
        four_allround(),
        holidays=[
            HolidayRow(D("2024-11-06"), D("2024-11-06"), "holiday"),
            HolidayRow(D("2024-11-09"), D("2024-11-09"), "workday"),
        ],
    )
    v = only_visit(solve_checked(sc))
    assert (v.start, v.end, v.days) == (D("2024-11-04"), D("2024-11-09"), 5)


# -- R3 windows -----------------------------------------------------------------------------------


BATCHES = [
    Batch("第一批", D("2024-11-04"), D("2024-11-15")),
    Batch("第二批", D("2024-11-18"), D("2024-11-29")),
]


@pytest.mark.parametrize(
    ("window", "start", "end"),
    [
        # no window: the first working day of the round
        ({}, "2024-11-04", "2024-11-08"),
        # earliest on a Wednesday
        ({"earliest": D("2024-11-13")}, "2024-11-13", "2024-11-19"),
        # batch 第二批 runs 11-18..11-29
        ({"batch": "第二批"}, "2024-11-18", "2024-11-22"),
        # year 2025: 01-01 is New Year's Day, so 01-02, 03, 06, 07, 08
        ({"year": 2025}, "2025-01-02", "2025-01-08"),
    ],
)
def test_r3_visit_starts_on_the_first_day_its_window_allows(window, start, end):
    """A secondary hospital's visit (5 working days, round 2024-11-04..2025-01-31) starts on the
    first working day its year, batch or earliest date allows, and carries its batch."""
    sc = scenario(
        [inst("H1", "巴南第一医院", **window)], four_allround(), deadline=D("2025-01-31"), batches=BATCHES
    )
    v = only_visit(solve_checked(sc))
    assert (v.start, v.end) == (D(start), D(end))
    if "batch" in window:
        assert v.batch == window["batch"]


def test_r3_latest_orders_visits_sharing_one_team():
    """Four experts can staff only one secondary hospital at a time. H2 must end by 11-08, so it
    goes first (11-04..11-08) and H1 follows (11-11..11-15)."""
    sc = scenario(
        [inst("H1", "巴南第一医院"), inst("H2", "巴南第二医院", latest=D("2024-11-08"))], four_allround()
    )
    plan = solve_checked(sc).plan
    assert (plan.visit_of("H2").start, plan.visit_of("H2").end) == (D("2024-11-04"), D("2024-11-08"))
    assert (plan.visit_of("H1").start, plan.visit_of("H1").end) == (D("2024-11-11"), D("2024-11-15"))


def test_r3_deadline_bounds_every_visit():
    """With the deadline on 11-12, two secondary hospitals that need the same four experts cannot
    both be visited: after one (11-04..08) the other could start 11-11 at the earliest and would end
    11-15, past the deadline. One is visited, the other left out, and the status is partial."""
    sc = scenario(
        [inst("H1", "巴南第一医院"), inst("H2", "巴南第二医院")], four_allround(), deadline=D("2024-11-12")
    )
    result = solve_checked(sc)
    assert result.status is SolveStatus.PARTIAL
    assert len(result.plan.visits) == 1
    assert result.plan.visits[0].end <= D("2024-11-12")


# -- R4 team composition --------------------------------------------------------------------------


def test_r4_leader_and_skills_force_members():
    """Only L1 may lead (P1 holds the same skills but is not leader-eligible), and M1 (医疗管理),
    F1 (财务), S1 (安全生产) each hold a skill nobody else does: a secondary hospital (4–7 members)
    is led by L1 with M1, F1 and S1 on the team."""
    experts = [
        expert("L1", "张伟", "党建", "行风", leader=True),
        expert("P1", "杨军", "党建", "行风"),
        expert("M1", "李娜", "医疗管理"),
        expert("F1", "刘洋", "财务"),
        expert("S1", "陈静", "安全生产"),
    ]
    v = only_visit(solve_checked(scenario([inst("H1", "巴南第一医院")], experts)))
    assert v.leader == "L1"
    assert {"L1", "M1", "F1", "S1"} <= set(v.members)


def test_r4_team_size_within_tier_bounds():
    """With eight all-round experts, a secondary hospital still needs four (team 4–7) though one
    would cover every skill, and a grassroots centre at most four (2–4): sizes stay in bounds, and
    each visit has exactly one leader among its members."""
    sc = scenario(
        [inst("H1", "巴南第一医院"), inst("G1", "花溪社区卫生服务中心", "grassroots")],
        four_allround("A", leaders=4) + four_allround("B", leaders=4),
    )
    plan = solve_checked(sc).plan
    assert 4 <= len(plan.visit_of("H1").members) <= 7
    assert 2 <= len(plan.visit_of("G1").members) <= 4
    for v in plan.visits:
        assert v.leader in v.members


def test_r4_custom_tier_rule_shrinks_the_team():
    """A ``tiers`` row asking grassroots teams of 1–1 with only 党建: a single leader suffices, and
    two centres on the same day are made by two single leaders."""
    sc = scenario(
        [
            inst("G1", "花溪社区卫生服务中心", "grassroots", latest=D("2024-11-04")),
            inst("G2", "南泉镇卫生院", "grassroots", latest=D("2024-11-04")),
        ],
        [expert("L1", "张伟", "党建", leader=True), expert("L2", "王芳", "党建", leader=True)],
        tier_rules={"grassroots": TierRule("grassroots", 1, 1, 1, ("党建",))},
    )
    plan = solve_checked(sc).plan
    assert sorted(v.members for v in plan.visits) == [("L1",), ("L2",)]


# -- R5 overlap and rest days ---------------------------------------------------------------------


def test_r5_one_team_of_four_serialises_visits():
    """Two secondary hospitals and only four experts: both visits need all four, so they run one
    after the other, 11-04..08 and 11-11..15."""
    sc = scenario([inst("H1", "巴南第一医院"), inst("H2", "巴南第二医院")], four_allround())
    plan = solve_checked(sc).plan
    first, second = sorted(plan.visits, key=lambda v: v.start)
    assert not overlap(first, second)
    assert (first.start, first.end) == (D("2024-11-04"), D("2024-11-08"))
    assert (second.start, second.end) == (D("2024-11-11"), D("2024-11-15"))


def test_r5_rest_days_leave_working_days_between_visits():
    """With rest_days=2 the same four experts rest 11-11 and 11-12 after the first visit
    (11-04..08): the second runs 11-13..19, leaving 2 working days in between."""
    sc = scenario([inst("H1", "巴南第一医院"), inst("H2", "巴南第二医院")], four_allround(), rest_days=2)
    plan = solve_checked(sc).plan
    first, second = sorted(plan.visits, key=lambda v: v.start)
    assert (first.start, first.end) == (D("2024-11-04"), D("2024-11-08"))
    assert (second.start, second.end) == (D("2024-11-13"), D("2024-11-19"))
    assert CAL.count_workdays(first.end, second.start) - 2 >= 2


def test_r5_enough_experts_let_visits_run_together():
    """With eight experts (two leaders) the two hospitals run at once, both 11-04..08, by disjoint
    teams."""
    sc = scenario(
        [inst("H1", "巴南第一医院"), inst("H2", "巴南第二医院")],
        four_allround("A") + four_allround("B"),
        rest_days=2,
    )
    plan = solve_checked(sc).plan
    h1, h2 = plan.visit_of("H1"), plan.visit_of("H2")
    assert h1.start == h2.start == D("2024-11-04")
    assert not set(h1.members) & set(h2.members)


# -- R6 conflicts ---------------------------------------------------------------------------------


def test_r6_conflicted_experts_never_visit():
    """G1 (grassroots, 2–4 members): L1 works there (employer given by name) and M1 has a conflicts
    row for it, so the only valid team is L2 leading with M2."""
    experts = [
        allround("L1", leader=True, employer="花溪社区卫生服务中心"),
        allround("L2", leader=True),
        allround("M1"),
        allround("M2"),
    ]
    sc = scenario(
        [inst("G1", "花溪社区卫生服务中心", "grassroots")],
        experts,
        conflicts=[Conflict("M1", "G1", "亲属任职")],
    )
    v = only_visit(solve_checked(sc))
    assert v.leader == "L2"
    assert set(v.members) == {"L2", "M2"}


def test_r6_conflict_elsewhere_does_not_bar_the_expert():
    """L1 is the only leader and has a conflict with G2 and an employer elsewhere, not with G1:
    L1 leads the G1 visit (G2, with no other leader, is left out)."""
    experts = [allround("L1", leader=True, employer="G2"), allround("M1")]
    sc = scenario(
        [inst("G1", "花溪社区卫生服务中心", "grassroots"), inst("G2", "南泉镇卫生院", "grassroots")],
        experts,
        conflicts=[Conflict("L1", "G2")],
    )
    plan = solve_checked(sc).plan
    assert plan.visit_of("G1").leader == "L1"
    assert [u.institution for u in plan.unscheduled] == ["G2"]


# -- R7 pairings and home district ----------------------------------------------------------------


def test_r7_pairing_takes_every_member_from_the_inspecting_district():
    """With 长寿区 inspecting 巴南区's hospitals, every member of the team at a 巴南 hospital comes
    from 长寿区, though 巴南区 has its own experts (and a leader)."""
    experts = four_allround("C", "长寿区") + four_allround("B", "巴南区", leaders=4)
    sc = scenario(
        [inst("H1", "巴南区人民医院", district="巴南区")],
        experts,
        pairings=[Pairing("长寿区", "巴南区", ("secondary", "tertiary_general"))],
    )
    v = only_visit(solve_checked(sc))
    assert {m[0] for m in v.members} == {"C"}


def test_r7_pairing_outside_its_tiers_and_home_district_only():
    """The pairing covers hospitals only; with home_district_only a 巴南 grassroots centre is
    visited by 巴南 experts alone, and the 巴南 hospital by 长寿 experts alone."""
    experts = four_allround("C", "长寿区", leaders=4) + four_allround("B", "巴南区", leaders=4)
    sc = scenario(
        [
            inst("H1", "巴南区人民医院", district="巴南区"),
            inst("G1", "花溪社区卫生服务中心", "grassroots", district="巴南区"),
        ],
        experts,
        pairings=[Pairing("长寿区", "巴南区", ("secondary",))],
        home_district_only=True,
    )
    plan = solve_checked(sc).plan
    assert {m[0] for m in plan.visit_of("H1").members} == {"C"}
    assert {m[0] for m in plan.visit_of("G1").members} == {"B"}


def test_r7_without_pairing_experts_come_from_anywhere():
    """巴南区 has one expert only; a secondary hospital needs four, so without any pairing or
    home_district_only the team takes 长寿 experts too and the hospital is visited."""
    experts = [allround("B1", district="巴南区", leader=True), *four_allround("C", "长寿区")]
    sc = scenario([inst("H1", "巴南区人民医院", district="巴南区")], experts)
    v = only_visit(solve_checked(sc))
    assert any(m.startswith("C") for m in v.members)


def test_r7_home_district_only_leaves_out_an_understaffed_district():
    """The same scenario with home_district_only: 巴南区's single expert cannot form a team of four,
    so the hospital is left out with a reason."""
    experts = [allround("B1", district="巴南区", leader=True), *four_allround("C", "长寿区")]
    sc = scenario([inst("H1", "巴南区人民医院", district="巴南区")], experts, home_district_only=True)
    result = solve_checked(sc)
    assert result.status is SolveStatus.INFEASIBLE
    assert [u.institution for u in result.plan.unscheduled] == ["H1"]


# -- R8 unavailability and yearly caps ------------------------------------------------------------


def test_r8_unavailable_expert_is_replaced():
    """F1 and F2 both hold 财务; F1 is away 11-04..08 and the visit must end by 11-08, so F2 is on
    the team and F1 is not."""
    experts = [
        expert("L1", "张伟", "党建", "行风", "医疗管理", leader=True),
        expert("S1", "陈静", "安全生产"),
        expert("F1", "刘洋", "财务"),
        expert("F2", "黄敏", "财务"),
        expert("P1", "杨军", "党建"),
    ]
    sc = scenario(
        [inst("H1", "巴南第一医院", latest=D("2024-11-08"))],
        experts,
        unavailability=[Unavailability("F1", D("2024-11-04"), D("2024-11-08"), "出差")],
    )
    v = only_visit(solve_checked(sc))
    assert "F2" in v.members and "F1" not in v.members


def test_r8_visit_waits_for_the_only_holder_of_a_skill():
    """F1 is the only 财务 expert and away 11-04..06: the visit, which would start 11-04, starts on
    11-07 and ends 11-13 (07, 08, 11, 12, 13)."""
    experts = [
        expert("L1", "张伟", "党建", "行风", "医疗管理", leader=True),
        expert("S1", "陈静", "安全生产"),
        expert("F1", "刘洋", "财务"),
        expert("P1", "杨军", "党建"),
    ]
    sc = scenario(
        [inst("H1", "巴南第一医院")],
        experts,
        unavailability=[Unavailability("F1", D("2024-11-04"), D("2024-11-06"))],
    )
    v = only_visit(solve_checked(sc))
    assert (v.start, v.end) == (D("2024-11-07"), D("2024-11-13"))
    assert "F1" in v.members


def test_r8_unavailability_on_a_weekend_does_not_clash():
    """F1 (the only 财务 expert) is away on the weekend 11-09/10; the only allowed start, 11-06
    (window 11-06..11-12), spans that weekend, and F1 is on the visit all the same."""
    experts = [
        expert("L1", "张伟", "党建", "行风", "医疗管理", leader=True),
        expert("S1", "陈静", "安全生产"),
        expert("F1", "刘洋", "财务"),
        expert("P1", "杨军", "党建"),
    ]
    sc = scenario(
        [inst("H1", "巴南第一医院", earliest=D("2024-11-06"), latest=D("2024-11-12"))],
        experts,
        unavailability=[Unavailability("F1", D("2024-11-09"), D("2024-11-10"))],
    )
    v = only_visit(solve_checked(sc))
    assert (v.start, v.end) == (D("2024-11-06"), D("2024-11-12"))
    assert "F1" in v.members


def _capped(leader_max_days: int | None, **params):
    """Two secondary hospitals that only L1 may lead; six all-round members; Dec 2024 to Jan 2025."""
    experts = [allround("L1", leader=True, max_days=leader_max_days)] + [
        allround(f"M{k}") for k in range(1, 7)
    ]
    return scenario(
        [inst("H1", "巴南第一医院"), inst("H2", "巴南第二医院")],
        experts,
        start=D("2024-12-02"),
        deadline=D("2025-01-31"),
        **params,
    )


def test_r8_yearly_cap_splits_an_experts_work_across_years():
    """L1 may work 5 days a year and must lead both 5-day visits: one lies in December 2024, the
    other in 2025, at the earliest 01-02..01-08 (01-01 is a holiday). Without the cap both would be
    done by 12-13."""
    plan = solve_checked(_capped(5)).plan
    first, second = sorted(plan.visits, key=lambda v: v.start)
    assert first.start.year == first.end.year == 2024
    assert (second.start, second.end) == (D("2025-01-02"), D("2025-01-08"))


def test_r8_own_cap_overrides_the_rounds_cap():
    """max_days_per_year is 5 but L1's own cap is 10: both visits fit in December, back to back
    (12-02..06 and 12-09..13), each with three different members (they are capped at 5)."""
    plan = solve_checked(_capped(10, max_days_per_year=5, pace="early")).plan  # even would spread them
    first, second = sorted(plan.visits, key=lambda v: v.start)
    assert (first.start, second.end) == (D("2024-12-02"), D("2024-12-13"))
    assert set(first.members) & set(second.members) == {"L1"}


def test_r8_rounds_cap_applies_without_an_own_cap():
    """With max_days_per_year 5 and no own cap, L1 again has to split the visits across the years."""
    plan = solve_checked(_capped(None, max_days_per_year=5)).plan
    assert sorted(v.start.year for v in plan.visits) == [2024, 2025]


def _new_year(cap: int | None, **years):
    """Three 4-day grassroots visits that only L1 may lead (six members besides), December 2024 to
    January 2025; L1 may work ``cap`` days a year; ``years`` pins a centre's visit to a year."""
    experts = [allround("L1", leader=True, max_days=cap)] + [allround(f"M{k}") for k in range(1, 7)]
    names = {"G1": "花溪社区卫生服务中心", "G2": "南泉镇卫生院", "G3": "界石镇卫生院"}
    insts = [inst(i, n, "grassroots", min_days=4, year=years.get(i)) for i, n in names.items()]
    return scenario(insts, experts, start=D("2024-12-02"), deadline=D("2025-01-31"))


def test_r8_a_visit_straddling_new_year_splits_its_days_between_the_years():
    """L1, capped at 6 days a year, must lead three 4-day visits: G1 lies in 2024, G2 in 2025 (4
    days each), so G3 fits only straddling New Year with 2 days in each year: 12-30, 12-31, then
    01-02, 01-03 (01-01 is a holiday). Starting a day earlier would put 3 days in 2024 (7), a day
    later 3 in 2025: the model counts each of the visit's days in the year it falls in."""
    plan = solve_checked(_new_year(6, G1=2024, G2=2025)).plan
    g3 = plan.visit_of("G3")
    assert (g3.start, g3.end) == (D("2024-12-30"), D("2025-01-03"))
    assert loads(plan)["L1"] == 12


def test_r8_straddling_lets_a_capped_expert_use_both_years():
    """Without pins the same three visits need 12 of L1's 12 days: whole visits give L1 one a year
    (8 of 6 would break the cap), so every plan visiting all three lets one straddle New Year with
    2 days in each year, and the solver finds it."""
    plan = solve_checked(_new_year(6)).plan
    assert len(plan.visits) == 3
    assert sum(v.start.year != v.end.year for v in plan.visits) == 1


def test_r8_no_visit_needs_to_straddle_under_a_looser_cap():
    """At 8 days a year L1 leads two visits in one year and one in the other: all three are visited,
    and the validator's count of each year's days (R8) holds whatever the split."""
    plan = solve_checked(_new_year(8)).plan
    assert len(plan.visits) == 3


# -- R9 yearly quotas -----------------------------------------------------------------------------


def _three_centres(*quotas: Quota):
    """Three grassroots centres (G3 private), plenty of experts, November 2024 to March 2025, paced
    ``early`` (objective 3) so that the quota alone decides which visit lies in which year."""
    insts = [
        inst("G1", "花溪社区卫生服务中心", "grassroots"),
        inst("G2", "南泉镇卫生院", "grassroots"),
        inst("G3", "仁爱社区医院", "grassroots", ownership="private"),
        inst("G4", "界石镇卫生院", "grassroots", exempt=True),
    ]
    experts = four_allround("A", leaders=4) + four_allround("B", leaders=4)
    return scenario(insts, experts, deadline=D("2025-03-31"), quotas=quotas, pace="early")


def test_r9_quota_forces_visits_into_2025():
    """At least 60% of the non-exempt grassroots centres in 2025: ceil(0.6 × 3) = 2 (G4 is exempt
    and not counted). Without the quota all three would be visited on 2024-11-04; with it at least
    two lie in 2025, and the plan ends on 2025-01-02, the first working day of 2025."""
    plan = solve_checked(_three_centres(Quota(2025, tier="grassroots", min_share=0.6))).plan
    assert sum(v.start.year == 2025 and v.end.year == 2025 for v in plan.visits) >= 2
    assert max(v.end for v in plan.visits) == D("2025-01-02")


def test_r9_ownership_quota_picks_the_private_centre():
    """At least one private centre in 2025: G3, the only private one, is visited in 2025."""
    plan = solve_checked(_three_centres(Quota(2025, ownership="private", min_count=1))).plan
    assert plan.visit_of("G3").start.year == 2025


def test_r9_quota_already_met_changes_nothing():
    """A 2024 quota of two centres is met by finishing early: all three visited on 2024-11-04."""
    plan = solve_checked(_three_centres(Quota(2024, tier="grassroots", min_count=2))).plan
    assert {v.start for v in plan.visits} == {D("2024-11-04")}


# -- R10 office capacity --------------------------------------------------------------------------


def _four_centres(**params):
    insts = [inst(f"G{k}", f"第{k}社区卫生服务中心", "grassroots") for k in range(1, 5)]
    experts = four_allround("A", leaders=4) + four_allround("B")
    return scenario(insts, experts, **params)


def test_r10_one_visit_at_a_time():
    """max_concurrent_visits=1 serialises four one-day visits onto 11-04, 05, 06, 07; without the
    cap they would all run on 11-04."""
    plan = solve_checked(_four_centres(max_concurrent_visits=1)).plan
    assert sorted(v.start for v in plan.visits) == [D(f"2024-11-0{d}") for d in (4, 5, 6, 7)]


def test_r10_cap_of_two():
    """With max_concurrent_visits=2 two visits run per day: two on 11-04, two on 11-05."""
    plan = solve_checked(_four_centres(max_concurrent_visits=2)).plan
    assert Counter(v.start for v in plan.visits) == {D("2024-11-04"): 2, D("2024-11-05"): 2}


def test_r10_no_cap_all_at_once():
    """Without the cap, four leaders and eight experts make all four visits on 11-04."""
    plan = solve_checked(_four_centres()).plan
    assert {v.start for v in plan.visits} == {D("2024-11-04")}


# -- R11 standing teams ---------------------------------------------------------------------------


def test_r11_standing_teams_make_their_visits_and_recused_member_steps_aside():
    """The ``teams`` scenario (tests.constraints.builders): 医院组 makes H1 and H2 with all its
    members except E6 at H2, his employer; 基层组 makes G1 with all five members (above the grassroots
    maximum of 4); S1 is in no team's scope and gets a pool team. The two teams share E4 and E5, so
    their visits never overlap; nor do 医院组's own two."""
    sc = teams_scenario()
    plan = solve_checked(sc).plan
    h1, h2, g1, s1 = (plan.visit_of(i) for i in ("H1", "H2", "G1", "S1"))
    assert (h1.team, h2.team, g1.team, s1.team) == ("医院组", "医院组", "基层组", None)
    assert set(h1.members) == {"E1", "E3", "E4", "E5", "E6"}
    assert set(h2.members) == {"E1", "E3", "E4", "E5"}
    assert set(g1.members) == {"E2", "E4", "E5", "E7", "E12"}
    assert h1.leader == h2.leader == "E1" and g1.leader == "E2"
    assert not overlap(h1, h2) and not overlap(h1, g1) and not overlap(h2, g1)


def test_r11_recused_leader_leaves_the_visit_out():
    """If E1, 医院组's leader, has a conflict with H1, the team cannot make H1 (it has no leader)
    and no other team covers secondary hospitals: H1 is left out with a reason, the rest planned."""
    sc = teams_scenario(conflicts=[Conflict("E1", "H1", "曾在该院任职")])
    result = solve_checked(sc)
    assert result.status is SolveStatus.PARTIAL
    assert [u.institution for u in result.plan.unscheduled] == ["H1"]
    assert {v.institution for v in result.plan.visits} == {"H2", "G1", "S1"}


def test_r11_second_team_takes_over_when_the_first_is_away():
    """Two hospital teams cover secondary hospitals; 甲组's leader is away all of November's first
    week and H1 must end by 11-08, so 乙组 makes it."""
    experts = four_allround("A") + four_allround("B")
    sc = scenario(
        [inst("H1", "巴南第一医院", latest=D("2024-11-08"))],
        experts,
        teams=[
            Team("甲组", "A1", ("A1", "A2", "A3", "A4"), ("secondary",)),
            Team("乙组", "B1", ("B1", "B2", "B3", "B4"), ("secondary",)),
        ],
        unavailability=[Unavailability("A1", D("2024-11-04"), D("2024-11-08"))],
    )
    v = only_visit(solve_checked(sc))
    assert v.team == "乙组"
    assert set(v.members) == {"B1", "B2", "B3", "B4"}


# -- R12 exempt -----------------------------------------------------------------------------------


def test_r12_exempt_institution_is_listed_not_visited():
    """H2 is exempt: it gets no visit and is listed as exempt; the one team of four visits H1 only,
    so the plan ends on 11-08 instead of 11-15."""
    sc = scenario([inst("H1", "巴南第一医院"), inst("H2", "巴南第二医院", exempt=True)], four_allround())
    plan = solve_checked(sc).plan
    assert plan.exempt == ("H2",)
    assert [v.institution for v in plan.visits] == ["H1"]
    assert plan.unscheduled == ()
    assert plan.visit_of("H1").end == D("2024-11-08")


def test_r12_without_exemption_both_are_visited():
    """The same two hospitals, none exempt: both visited, one after the other, ending 11-15."""
    sc = scenario([inst("H1", "巴南第一医院"), inst("H2", "巴南第二医院")], four_allround())
    plan = solve_checked(sc).plan
    assert plan.exempt == ()
    assert max(v.end for v in plan.visits) == D("2024-11-15")


# -- a round that cannot be complete --------------------------------------------------------------


def test_partial_round_lists_the_left_out_institution_with_reasons():
    """Two grassroots centres must both be visited on 11-05 and only L1 may lead: one is visited
    (by L1), the other is left out with reasons in Chinese; the status is partial and the planned
    visit is valid."""
    insts = [
        inst("G1", "花溪社区卫生服务中心", "grassroots", earliest=D("2024-11-05"), latest=D("2024-11-05")),
        inst("G2", "南泉镇卫生院", "grassroots", earliest=D("2024-11-05"), latest=D("2024-11-05")),
    ]
    experts = [allround("L1", leader=True), allround("M1"), allround("M2"), allround("M3")]
    result = solve_checked(scenario(insts, experts))
    plan = result.plan
    assert result.status is SolveStatus.PARTIAL and plan.status == "partial"
    (v,) = plan.visits
    assert (v.start, v.leader) == (D("2024-11-05"), "L1")
    (left,) = plan.unscheduled
    assert {left.institution, v.institution} == {"G1", "G2"}
    assert left.reasons and all(CJK.search(r) for r in left.reasons)


# -- objectives -----------------------------------------------------------------------------------


def _centres_and_two_leaders(**unavailability_of_l2):
    insts = [inst(f"G{k}", f"第{k}社区卫生服务中心", "grassroots") for k in range(1, 5)]
    experts = [allround("L1", leader=True), allround("L2", leader=True)] + [
        allround(f"M{k}") for k in range(1, 5)
    ]
    return scenario(insts, experts, **unavailability_of_l2)


def test_objective_heaviest_load_is_minimal():
    """Four one-day centres, each led by one of two leaders, with four other members: the heaviest
    load is 2 days (each leader leads two; nobody works more), and the plan ends 11-05."""
    plan = solve_checked(_centres_and_two_leaders()).plan
    assert leads(plan) == {"L1": 2, "L2": 2}
    assert max(loads(plan).values()) == 2
    assert max(v.end for v in plan.visits) == D("2024-11-05")


def test_objective_fair_load_comes_before_finishing_early():
    """L2 is away until 11-08. Finishing first would let L1 lead all four (11-04..07); sharing the
    load fairly comes first, so each leads two, and L2's two take 11-11 and 11-12: the plan ends
    11-12."""
    sc = _centres_and_two_leaders(unavailability=[Unavailability("L2", D("2024-11-04"), D("2024-11-08"))])
    plan = solve_checked(sc).plan
    assert leads(plan) == {"L1": 2, "L2": 2}
    assert max(loads(plan).values()) == 2
    assert max(v.end for v in plan.visits) == D("2024-11-12")


def test_objective_finishes_as_early_as_possible():
    """Three one-day centres, two leaders and two members: at most two visits a day (two teams of
    two); the heaviest load is 2 either way, so the plan finishes on the second working day, 11-05,
    though the round runs to 11-29."""
    insts = [inst(f"G{k}", f"第{k}社区卫生服务中心", "grassroots") for k in range(1, 4)]
    experts = [allround("L1", leader=True), allround("L2", leader=True), allround("M1"), allround("M2")]
    plan = solve_checked(scenario(insts, experts)).plan
    assert max(loads(plan).values()) == 2
    assert max(v.end for v in plan.visits) == D("2024-11-05")


# -- cases that were solver bugs once ------------------------------------------------------------------


def test_r11_team_member_from_another_district_cannot_step_aside():
    """基层组 (B1*, B2 of 巴南区, C1 of 长寿区) is the only team for grassroots centres, and the round
    has home_district_only. At the 巴南 centre G1, C1 may not come (R7) and may not step aside either,
    as he has no conflict (R11): the team cannot make the visit, so G1 is left out with a reason."""
    experts = [
        allround("B1", district="巴南区", leader=True),
        allround("B2", district="巴南区"),
        allround("C1", district="长寿区"),
    ]
    sc = scenario(
        [inst("G1", "花溪社区卫生服务中心", "grassroots", district="巴南区")],
        experts,
        teams=[Team("基层组", "B1", ("B1", "B2", "C1"), ("grassroots",))],
        home_district_only=True,
    )
    result = solve_checked(sc)
    assert [u.institution for u in result.plan.unscheduled] == ["G1"]


def test_r9_unmeetable_quota_is_not_called_feasible():
    """G1, the only grassroots centre, is fixed to 2024, but a quota asks for one centre in 2025: no
    plan can meet it. The solver must not return a plan that breaks R9 as optimal or feasible."""
    sc = scenario(
        [inst("G1", "花溪社区卫生服务中心", "grassroots", year=2024)],
        [allround("L1", leader=True), allround("M1")],
        deadline=D("2025-01-31"),
        quotas=[Quota(2025, tier="grassroots", min_count=1)],
    )
    result = solve(sc, time_limit=5, seed=0, workers=1)
    assert validate(sc, result.plan) == [] or result.status not in (SolveStatus.OPTIMAL, SolveStatus.FEASIBLE)


def test_r9_quota_no_group_can_meet_gives_no_plan_and_names_the_quota():
    """Two districts (home_district_only) make two groups. The quota asks for one secondary hospital
    in 2024, but the only one (S1, 5 days) may start no earlier than 2024-12-26, and only 4 working
    days of 2024 remain then (12-26, 27, 30, 31): no group can meet the quota, so the solver plans
    nothing, says infeasible, and each institution's reason names the yearly quota (R9)."""
    experts = [allround(f"B{k}", district="巴南区", leader=k == 0) for k in range(4)]
    experts += [allround(f"C{k}", district="长寿区", leader=k == 0) for k in range(4)]
    sc = scenario(
        [
            inst("G1", "花溪社区卫生服务中心", "grassroots", district="巴南区"),
            replace(
                inst("S1", "长寿区第二人民医院", "secondary", district="长寿区"), earliest=D("2024-12-26")
            ),
        ],
        experts,
        deadline=D("2025-01-31"),
        home_district_only=True,
        quotas=[Quota(2024, tier="secondary", min_count=1)],
    )
    result = solve(sc, time_limit=5, seed=0, workers=1)
    assert result.status is SolveStatus.INFEASIBLE
    assert result.plan.visits == ()
    assert {u.institution for u in result.plan.unscheduled} == {"G1", "S1"}
    assert all(u.rule == "R9" for u in result.plan.unscheduled)


def test_r9_quota_met_by_the_group_that_can_meet_it():
    """home_district_only splits the round into a 巴南 group (GA) and a 长寿 group (GB1, GB2). One
    centre must lie in 2025; 长寿's only leader C1 is away all of January 2025, so only GA can: GA on
    2025-01-02, GB1 and GB2 in November 2024. The solver instead gives the 2025 share to 长寿 (two of
    the three centres), misses the quota and leaves GB1 out."""
    insts = [
        inst("GA", "巴南甲卫生院", "grassroots", district="巴南区"),
        inst("GB1", "长寿甲卫生院", "grassroots", district="长寿区"),
        inst("GB2", "长寿乙卫生院", "grassroots", district="长寿区"),
    ]
    experts = [
        allround("B1", district="巴南区", leader=True),
        allround("B2", district="巴南区"),
        allround("C1", district="长寿区", leader=True),
        allround("C2", district="长寿区"),
    ]
    sc = scenario(
        insts,
        experts,
        deadline=D("2025-01-31"),
        home_district_only=True,
        quotas=[Quota(2025, tier="grassroots", min_count=1)],
        unavailability=[Unavailability("C1", D("2025-01-01"), D("2025-01-31"))],
    )
    plan = solve_checked(sc).plan
    assert plan.unscheduled == ()
    assert plan.visit_of("GA").start == D("2025-01-02")
