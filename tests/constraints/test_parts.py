"""R4 分工, the check face (constraints.parts.check): each member's parts against the tier's.

The scenario: one secondary hospital H1 whose tier asks for 党建, 医疗管理*2 and 财务; E1 holds all
three, E2 and E3 医疗管理, E4 财务 and E5 党建. A valid plan: E1 党建, E2 and E3 医疗管理 (E2 their
小组长), E4 财务.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from constraints import parts
from inputs.scenario import TierRule
from tests.constraints.builders import (
    expert,
    inst,
    make_plan,
    make_scenario,
    small_plan,
    small_scenario,
    visit,
)

PARTS = ("党建", "医疗管理", "财务")
TEAM = ["E1", "E2", "E3", "E4"]
GOOD = (("E1", ("党建",)), ("E2", ("医疗管理",)), ("E3", ("医疗管理",)), ("E4", ("财务",)))


def _scenario(one_part_each: bool = True):
    rule = TierRule("secondary", 5, 2, 9, PARTS, (("医疗管理", 2),), one_part_each)
    experts = [
        expert("E1", "甲", *PARTS, leader=True),
        expert("E2", "乙", "医疗管理"),
        expert("E3", "丙", "医疗管理"),
        expert("E4", "丁", "财务"),
        expert("E5", "戊", "党建"),
    ]
    sc = make_scenario([inst("H1", "医院一")], experts)
    return replace(sc, tier_rules={**sc.tier_rules, "secondary": rule})


def _plan(members=TEAM, division=GOOD, leads=(("医疗管理", "E2"),)):
    v = visit("H1", "2024-11-04", "2024-11-08", "E1", members)
    return make_plan([replace(v, parts=division, part_leads=leads)])


def _messages(sc, plan) -> list[str]:
    return [v.message for v in parts.check(sc, plan)]


def test_valid_division_passes():
    """Counts met, one part each, parts held, the 小组长 on his part: nothing to report."""
    assert parts.check(_scenario(), _plan()) == []


@pytest.mark.parametrize(
    ("division", "leads", "words"),
    [
        # E1 takes two parts under 分组巡查
        (
            (("E1", ("党建", "财务")), ("E2", ("医疗管理",)), ("E3", ("医疗管理",)), ("E4", ("财务",))),
            (),
            "只负责一项分工",
        ),
        # E4 given 医疗管理, which he does not hold
        (
            (("E1", ("党建",)), ("E2", ("医疗管理",)), ("E3", ("医疗管理",)), ("E4", ("医疗管理",))),
            (),
            "不具备",
        ),
        # only one member on 医疗管理*2
        ((("E1", ("党建",)), ("E2", ("医疗管理",)), ("E3", ("财务",)), ("E4", ("财务",))), (), "至少 2 名"),
        # E3 has no part
        ((("E1", ("党建",)), ("E2", ("医疗管理",)), ("E4", ("财务",))), (), "只负责一项分工"),
        # a part the tier does not have
        ((*GOOD[:3], ("E4", ("信息化",))), (), "不是二级机构的巡查分工"),
        # the 小组长 of 医疗管理 is not on it
        (GOOD, (("医疗管理", "E4"),), "小组长"),
        # a division naming someone not on the team
        ((*GOOD, ("E5", ("党建",))), (), "不是该组组员"),
    ],
)
def test_wrong_divisions_are_reported(division, leads, words):
    """Each kind of wrong division gives a Chinese message saying what is wrong."""
    found = _messages(_scenario(), _plan(division=division, leads=leads))
    assert any(words in m for m in found), found


def test_missing_division_on_a_dividing_tier():
    """A tier with counts or 分组巡查 needs the plan to name the division; a default tier does not."""
    assert any("没有给出分工" in m for m in _messages(_scenario(), _plan(division=(), leads=())))
    assert parts.check(small_scenario(), small_plan()) == []


def test_several_parts_allowed_without_one_part_each():
    """Without 分组巡查 a member may take more than one part; a member holding a part's skill must
    still have one."""
    sc = _scenario(one_part_each=False)
    two = (("E1", ("党建", "财务")), ("E2", ("医疗管理",)), ("E3", ("医疗管理",)), ("E4", ("财务",)))
    assert parts.check(sc, _plan(division=two)) == []
    idle = (("E1", ("党建", "财务")), ("E2", ("医疗管理",)), ("E3", ("医疗管理",)), ("E4", ()))
    assert any("没有分工" in m for m in _messages(sc, _plan(division=idle)))


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.sampled_from([*PARTS, "行风"]), min_size=4, max_size=4),
    st.sampled_from([None, "E1", "E2", "E3", "E4"]),
)
def test_any_division_is_judged_as_the_rule_says(chosen, lead):
    """Property: give each of the four members one part at random (and maybe a 医疗管理 小组长);
    the check reports nothing exactly when every part is one the member holds and of the tier, each
    count is met and the 小组长 is on 医疗管理."""
    sc = _scenario()
    held = {e.id: set(e.skills) for e in sc.experts}
    division = tuple((m, (p,)) for m, p in zip(TEAM, chosen, strict=True))
    leads = () if lead is None else (("医疗管理", lead),)
    on = {p: [m for m, (q,) in division if q == p and q in held[m]] for p in PARTS}
    good = (
        all(p in PARTS and p in held[m] for m, (p,) in division)
        and len(on["医疗管理"]) >= 2
        and on["党建"]
        and on["财务"]
        and (lead is None or lead in on["医疗管理"])
    )
    assert (parts.check(sc, _plan(division=division, leads=leads)) == []) == bool(good)
