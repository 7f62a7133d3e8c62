"""R4: one eligible leader among the members, team size within the tier's bounds, skills covered."""

from __future__ import annotations

from constraints import team_composition
from constraints.registry import validate
from tests.constraints.builders import replace_visit, rules, subjects


def test_leader_not_eligible(small, small_valid):
    """E3 may not lead (可任组长 否); making her H1's leader breaks R4, and only R4."""
    plan = replace_visit(small_valid, "H1", leader="E3")
    found = validate(small, plan)
    assert rules(found) == {"R4"}
    assert subjects(found, "R4") == {"H1"}
    assert "李娜（E3）" in found[0].message and "组长资格" in found[0].message


def test_leader_not_among_members(small, small_valid):
    """A leader who is not on the member list is reported (the leader is one of the members)."""
    plan = replace_visit(small_valid, "G1", leader="E2")
    found = validate(small, plan)
    assert rules(found) == {"R4"}
    assert any("不在组员名单中" in v.message for v in found)


def test_no_leader(small, small_valid):
    """An empty leader is reported as a visit without a leader."""
    plan = replace_visit(small_valid, "G1", leader="")
    assert any("没有指定组长" in v.message for v in team_composition.check(small, plan))


def test_member_listed_twice(small, small_valid):
    """A member named twice is reported; the team counts him once."""
    plan = replace_visit(small_valid, "G1", members=("E1", "E4", "E5", "E4"))
    found = validate(small, plan)
    assert rules(found) == {"R4"}
    assert "重复列出了 刘洋（E4）" in found[0].message


def test_team_too_small(small, small_valid):
    """H1 (secondary, 4–7 members) with three members is too small, though their skills still cover."""
    plan = replace_visit(small_valid, "H1", members=("E1", "E4", "E5"))
    found = validate(small, plan)
    assert rules(found) == {"R4"}
    assert [v.message for v in found] == [
        "巴南第一医院（H1） 2024-09-23 至 2024-09-27 的巡查只有 3 名组员，二级机构的巡查组至少需要 4 人"
    ]


def test_team_too_large(small, small_valid):
    """G1 (grassroots, 2–4 members) with five members is too large."""
    plan = replace_visit(small_valid, "G1", members=("E1", "E4", "E5", "E2", "E3"))
    found = validate(small, plan)
    assert rules(found) == {"R4"}
    assert "最多 4 人" in found[0].message


def test_skills_not_covered(small, small_valid):
    """H2 with E3 instead of E7 has no one for 财务."""
    plan = replace_visit(small_valid, "H2", members=("E2", "E6", "E3", "E8"))
    found = validate(small, plan)
    assert rules(found) == {"R4"}
    assert found[0].message.endswith("必需专长：财务")


def test_standing_team_needs_its_own_leader(teams, teams_valid):
    """On a standing-team visit the team's leader leads, even if another member is leader-eligible."""
    plan = replace_visit(teams_valid, "G1", leader="E5")
    found = team_composition.check(teams, plan)
    assert [v.subject for v in found] == ["G1"]
    assert "组长应为该组组长 王芳（E2）" in found[0].message


def test_standing_team_is_not_bound_by_the_tier_maximum(teams, teams_valid):
    """基层组 visits G1 with five members, above the grassroots maximum of 4: fine for a standing team,
    too many for a pool team; the tier's minimum still binds a standing team."""
    assert len(teams_valid.visit_of("G1").members) == 5
    assert team_composition.check(teams, teams_valid) == []
    pool = replace_visit(teams_valid, "G1", team=None)
    assert any("最多 4 人" in v.message for v in team_composition.check(teams, pool))
    tiny = replace_visit(teams_valid, "H2", members=("E1", "E3", "E4"))
    assert any("至少需要 4 人" in v.message for v in team_composition.check(teams, tiny))
