"""R7: cross-district pairings, and home_district_only."""

from __future__ import annotations

from constraints import pairings
from constraints.registry import validate
from inputs.scenario import Pairing
from tests.constraints.builders import (
    expert,
    inst,
    make_plan,
    make_scenario,
    replace_visit,
    rules,
    small_scenario,
    subjects,
    visit,
)


def test_member_outside_the_inspecting_district(small, small_valid):
    """G2 lies in 南岸, inspected by 巴南 for grassroots: E9 from 南岸 may not join."""
    plan = replace_visit(small_valid, "G2", members=("E2", "E7", "E5", "E9"))
    found = validate(small, plan)
    assert rules(found) == {"R7"}
    assert subjects(found, "R7") == {"G2"}
    assert "周涛（E9）" in found[0].message and "巴南" in found[0].message


def test_without_pairing_anyone_may_come(small, small_valid):
    """H1 (巴南) has no pairing and home_district_only is off: E9 from 南岸 may join."""
    plan = replace_visit(small_valid, "H1", members=("E1", "E3", "E4", "E5", "E9"))
    assert pairings.check(small, plan) == []


def test_home_district_only(small_valid):
    """With home_district_only, E9 (南岸) on H1 (巴南) breaks R7; G2 keeps its pairing with 巴南."""
    plan = replace_visit(small_valid, "H1", members=("E1", "E3", "E4", "E5", "E9"))
    found = validate(small_scenario(home_district_only=True), plan)
    assert rules(found) == {"R7"}
    assert subjects(found, "R7") == {"H1"}
    assert "本区县" in found[0].message


def test_pairing_covers_only_its_tiers():
    """A pairing for grassroots does not bind a secondary hospital of the inspected district."""
    scenario = make_scenario(
        [
            inst("H", "南岸医院", "secondary", district="南岸"),
            inst("G", "南岸卫生院", "grassroots", district="南岸"),
        ],
        [expert("A", "甲", district="南岸"), expert("B", "乙", district="长寿")],
        pairings=[Pairing("巴南", "南岸", ("grassroots",))],
    )
    plan = make_plan(
        [
            visit("H", "2024-03-04", "2024-03-08", "A", ["A", "B"]),
            visit("G", "2024-03-11", "2024-03-11", "A", ["A", "B"]),
        ]
    )
    found = pairings.check(scenario, plan)
    assert {(v.subject, v.message.split(" ")[0]) for v in found} == {("G", "甲（A）"), ("G", "乙（B）")}


def test_several_pairings_allow_any_of_their_districts():
    """When both 巴南 and 长寿 inspect 南岸, experts from either may join; one from 江北 may not."""
    scenario = make_scenario(
        [inst("G", "南岸卫生院", "grassroots", district="南岸")],
        [
            expert("A", "甲", district="巴南"),
            expert("B", "乙", district="长寿"),
            expert("C", "丙", district="江北"),
        ],
        pairings=[Pairing("巴南", "南岸"), Pairing("长寿", "南岸")],
    )
    plan = make_plan([visit("G", "2024-03-04", "2024-03-04", "A", ["A", "B", "C"])])
    found = pairings.check(scenario, plan)
    assert len(found) == 1 and "丙（C）" in found[0].message
    assert found[0].subject == "G"
