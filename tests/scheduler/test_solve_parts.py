"""End to end: R4's division of work (分工) — part counts `技能*N` and one part each (分组巡查).

Rounds in November 2024 (announced in time: ``notice_days=0``), solved and checked by the
independent validator (``solve_checked``). Tier rules below ask for 党建, 医疗管理*2 and 财务 on a
secondary hospital, so a team needs two 医疗管理 members; with one part each it needs four members,
one on each slot.
"""

from __future__ import annotations

from inputs.scenario import DEFAULT_SKILLS, TierRule
from scheduler.solve import solve
from tests.constraints.builders import expert, inst
from tests.scheduler.conftest import scenario, solve_checked

PARTS = ("党建", "医疗管理", "财务")


def _rule(one_part_each: bool, skills=PARTS, counts=(("医疗管理", 2),), team_max: int = 9) -> TierRule:
    return TierRule("secondary", 5, 2, team_max, tuple(skills), counts, one_part_each)


def _unmatchable():
    """E1 holds all three parts, E2 医疗管理, E3 and E4 党建: together they cover every part and
    医疗管理 twice, but one part each cannot work — 医疗管理 needs E1 and E2, and then nobody is left
    for 财务."""
    return [
        expert("E1", "甲", "党建", "医疗管理", "财务", leader=True),
        expert("E2", "乙", "医疗管理"),
        expert("E3", "丙", "党建"),
        expert("E4", "丁", "党建"),
    ]


def _visit_of(result, institution: str):
    return next(v for v in result.plan.visits if v.institution == institution)


def test_hospital_tier_with_two_on_medical_management_one_part_each():
    """医疗管理*2 with 分组巡查 on the five default parts: every member has exactly one part they hold,
    医疗管理 has two members and a 小组长 among them, and the team has the six members it needs."""
    experts = [
        expert("E1", "甲", "党建", "行风", leader=True),
        expert("E2", "乙", "行风", "财务"),
        expert("E3", "丙", "医疗管理"),
        expert("E4", "丁", "医疗管理", "安全生产"),
        expert("E5", "戊", "安全生产"),
        expert("E6", "己", "财务"),
        expert("E7", "庚", "医疗管理"),
    ]
    rule = TierRule("secondary", 5, 4, 9, DEFAULT_SKILLS, (("医疗管理", 2),), True)
    sc = scenario([inst("H1", "医院一")], experts, tier_rules={"secondary": rule}, notice_days=0)
    result = solve_checked(sc)
    assert result.plan.status == "optimal"
    visit = _visit_of(result, "H1")
    assert len(visit.members) == 6
    assert [m for m, _ in visit.parts] == list(visit.members)
    assert all(len(p) == 1 for _, p in visit.parts)
    medical = [m for m, p in visit.parts if p == ("医疗管理",)]
    assert len(medical) == 2
    assert dict(visit.part_leads) == {"医疗管理": min(medical)}


def test_one_part_each_bites_when_the_team_only_covers():
    """The four experts cover the parts (and 医疗管理 twice), so without 分组巡查 they make the visit,
    E1 taking 医疗管理 and 财务; with it no division exists and H1 is left out with a reason."""
    sc = scenario(
        [inst("H1", "医院一")], _unmatchable(), tier_rules={"secondary": _rule(False)}, notice_days=0
    )
    visit = _visit_of(solve_checked(sc), "H1")
    assert set(visit.parts_of("E1")) >= {"财务"} and "医疗管理" in dict(visit.parts)["E2"]

    strict = scenario(
        [inst("H1", "医院一")], _unmatchable(), tier_rules={"secondary": _rule(True)}, notice_days=0
    )
    result = solve_checked(strict)
    assert result.plan.visits == ()
    (left,) = result.plan.unscheduled
    assert left.institution == "H1" and left.rule == "R4"
    assert "分组巡查" in left.reasons[0] and "最多只能分出 3 人" in left.reasons[0]


def test_count_bites_and_brings_a_second_holder():
    """医疗管理*2 without 分组巡查: one all-round leader would cover everything, but a second 医疗管理
    holder must join; with count 1 the smallest team (team_min 2) has any second member."""
    experts = [
        expert("E1", "甲", *PARTS, leader=True),
        expert("E2", "乙", "党建"),
        expert("E3", "丙", "医疗管理"),
    ]
    sc = scenario([inst("H1", "医院一")], experts, tier_rules={"secondary": _rule(False)}, notice_days=0)
    visit = _visit_of(solve_checked(sc), "H1")
    assert "E3" in visit.members
    assert sum("医疗管理" in p for _, p in visit.parts) >= 2


def test_standing_team_that_cannot_be_divided_is_not_eligible():
    """A standing team of the four (R11) covers the parts but cannot take one part each: it may not
    make the visit, and H1 is left out; without 分组巡查 the team makes it."""
    from inputs.scenario import Team

    team = Team("医院组", "E1", ("E1", "E2", "E3", "E4"), ("secondary",))
    loose = scenario(
        [inst("H1", "医院一")],
        _unmatchable(),
        teams=[team],
        tier_rules={"secondary": _rule(False)},
        notice_days=0,
    )
    assert _visit_of(solve_checked(loose), "H1").team == "医院组"
    strict = scenario(
        [inst("H1", "医院一")],
        _unmatchable(),
        teams=[team],
        tier_rules={"secondary": _rule(True)},
        notice_days=0,
    )
    result = solve_checked(strict)
    assert result.plan.visits == ()
    assert "“医院组”分组巡查" in result.plan.unscheduled[0].reasons[0]


def test_too_few_holders_for_a_count_is_explained():
    """医疗管理*2 with a single 医疗管理 holder in the pool: H1 is left out, the reason naming the part."""
    experts = [expert("E1", "甲", *PARTS, leader=True), expert("E2", "乙", "党建")]
    sc = scenario([inst("H1", "医院一")], experts, tier_rules={"secondary": _rule(False)}, notice_days=0)
    (left,) = solve_checked(sc).plan.unscheduled
    assert left.rule == "R4" and "分工“医疗管理”需要至少 2 名" in left.reasons[0]


def test_default_tiers_name_parts_too():
    """Today's rules (counts 1, no 分组巡查) solve as before and the plan still names each member's
    parts: every part has someone, each member only parts they hold."""
    experts = [
        expert("E1", "甲", "党建", "行风", leader=True),
        expert("E2", "乙", "医疗管理", "财务", "安全生产"),
    ]
    sc = scenario([inst("G1", "卫生院", "grassroots")], experts, notice_days=0)
    result = solve(sc, time_limit=5, seed=0, workers=1)
    visit = _visit_of(result, "G1")
    assert dict(visit.parts) == {"E1": ("党建", "行风"), "E2": ("医疗管理", "财务", "安全生产")}
    assert visit.part_leads == ()
