"""R11: standing teams make the visits of their scope, less those who step aside (回避)."""

from __future__ import annotations

from constraints import standing_teams
from constraints.registry import validate
from inputs.scenario import Conflict
from tests.constraints.builders import (
    drop_visit,
    replace_visit,
    rules,
    small_scenario,
    subjects,
    teams_scenario,
)


def test_member_with_a_conflict_steps_aside(teams, teams_valid):
    """E6 works at H2: the valid plan leaves him out of H2, and keeping him on breaks R6 and R11."""
    h2 = teams_valid.visit_of("H2")
    assert "E6" not in h2.members
    plan = replace_visit(teams_valid, "H2", members=(*h2.members, "E6"))
    found = validate(teams, plan)
    assert rules(found) == {"R6", "R11"}
    assert subjects(found, "R11") == {"H2"}
    assert "杨军（E6） 须回避" in next(v.message for v in found if v.rule == "R11")


def test_missing_team_member(teams, teams_valid):
    """H1 without E6 (no conflict there) is not the whole standing team: R11 only (size and skills hold)."""
    plan = replace_visit(teams_valid, "H1", members=("E1", "E3", "E4", "E5"))
    found = validate(teams, plan)
    assert rules(found) == {"R11"}
    assert subjects(found, "R11") == {"H1"}
    assert "缺少该组组员 杨军（E6）" in found[0].message


def test_outsider_on_a_standing_team_visit(teams, teams_valid):
    """E6 is not in 基层组: adding him to its visit breaks R11 (the tier maximum does not apply)."""
    plan = replace_visit(teams_valid, "G1", members=("E2", "E4", "E5", "E7", "E12", "E6"))
    found = validate(teams, plan)
    assert rules(found) == {"R11"}
    assert "杨军（E6） 不是该组组员" in found[0].message


def test_visit_in_scope_without_a_team(teams, teams_valid):
    """G1 is grassroots, in 基层组's scope: staffing it from the pool (a team otherwise fine for R4)
    breaks R11."""
    plan = replace_visit(teams_valid, "G1", team=None, members=("E2", "E4", "E5", "E7"))
    found = validate(teams, plan)
    assert rules(found) == {"R11"}
    assert "“基层组”" in found[0].message


def test_team_outside_its_scope(teams, teams_valid):
    """S1 (tertiary specialty) is in no team's scope: naming 医院组 for it is wrong."""
    plan = replace_visit(teams_valid, "S1", team="医院组")
    found = standing_teams.check(teams, plan)
    assert [v.subject for v in found] == ["S1"]
    assert "只负责二级机构" in found[0].message and "专家库" in found[0].message


def test_unknown_team(teams, teams_valid, small, small_valid):
    """A visit naming a team the scenario lacks is reported, with or without teams in the scenario."""
    plan = replace_visit(teams_valid, "G1", team="第三组")
    found = validate(teams, plan)
    assert rules(found) == {"R11"}
    assert "第三组" in found[0].message
    assert subjects(standing_teams.check(small, replace_visit(small_valid, "H1", team="医院组")), "R11") == {
        "H1"
    }


def test_team_leader_with_a_conflict(teams_valid):
    """When the team leader E1 must step aside from H2, 医院组 cannot make that visit: any visit is an R11
    violation, and listing H2 as unscheduled is the valid answer."""
    scenario = teams_scenario(conflicts=[Conflict("E1", "H2", "亲属任职")])
    plan = replace_visit(teams_valid, "H2", leader="E3", members=("E3", "E4", "E5"))
    found = standing_teams.check(scenario, plan)
    assert [v.subject for v in found] == ["H2"]
    assert "张伟（E1） 须回避" in found[0].message and "无法承担" in found[0].message
    assert validate(scenario, drop_visit(teams_valid, "H2")) == []


def test_no_teams_means_pool_staffing(small, small_valid):
    """Without a teams sheet, visits name no team and R11 has nothing to say."""
    assert standing_teams.check(small_scenario(), small_valid) == []
