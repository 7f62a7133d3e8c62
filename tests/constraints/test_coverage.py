"""R0: the plan accounts for every institution once and names only what the scenario holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from constraints import coverage
from constraints.registry import validate
from scheduler.plan import Unscheduled
from tests.constraints.builders import drop_visit, replace_visit, rules, subjects, visit


def test_unscheduled_with_reason_is_accounted_for(small, small_valid):
    """Leaving H2 out with a reason is fine for R0 (no quota needs it)."""
    assert validate(small, drop_visit(small_valid, "H2")) == []


def test_institution_neither_visited_nor_listed(small, small_valid):
    """H2 dropped without being listed as unscheduled breaks R0, and only R0."""
    found = validate(small, drop_visit(small_valid, "H2", unscheduled=False))
    assert rules(found) == {"R0"}
    assert subjects(found, "R0") == {"H2"}
    assert "巴南中心医院（H2）" in found[0].message


def test_institution_visited_twice(small, small_valid):
    """G1 visited a second time, on 10-16, is reported once as visited twice."""
    again = visit("G1", "2024-10-16", "2024-10-16", "E1", ["E1", "E4", "E5"])
    found = coverage.check(small, replace(small_valid, visits=(*small_valid.visits, again)))
    assert [v.subject for v in found] == ["G1"]
    assert "2 次" in found[0].message and "2024-10-16" in found[0].message


def test_visited_and_unscheduled(small, small_valid):
    """G1 both visited and on the unscheduled list is reported."""
    plan = replace(small_valid, unscheduled=(Unscheduled("G1", ("测试",)),))
    found = validate(small, plan)
    assert rules(found) == {"R0"}
    assert "既安排了巡查，又列在“未安排”名单中" in found[0].message


def test_unknown_institution_ids(small, small_valid):
    """A visit, an unscheduled entry and an exempt entry for ids the scenario lacks are each reported;
    no other rule trips over the unknown institution."""
    ghost = visit("ZZ", "2024-10-21", "2024-10-21", "E1", ["E1", "E4"])
    plan = replace(
        small_valid,
        visits=(*small_valid.visits, ghost),
        unscheduled=(Unscheduled("YY", ("测试",)),),
        exempt=("X1", "WW"),
    )
    found = validate(small, plan)
    assert rules(found) == {"R0"}
    assert subjects(found, "R0") == {"ZZ", "YY", "WW"}


def test_unknown_experts(small, small_valid):
    """A member and a leader missing from the expert pool are named."""
    plan = replace_visit(small_valid, "G1", leader="E99", members=("E99", "E4", "E5", "E98"))
    found = coverage.check(small, plan)
    assert [v.subject for v in found] == ["G1"]
    assert "E99、E98 不在专家库中" in found[0].message


def test_end_before_start(small, small_valid):
    """A visit ending before it starts is reported by R0, not by R1."""
    plan = replace_visit(small_valid, "G1", end=date(2024, 10, 11))
    found = validate(small, plan)
    assert "R0" in rules(found) and "R1" not in rules(found)
    assert any("早于开始日期" in v.message for v in found)


def test_naming_helpers(small):
    """Names come with ids; unknown ids are marked; one-day spans show one date."""
    assert coverage.institution_text(small, "H1") == "巴南第一医院（H1）"
    assert coverage.institution_text(small, "Q") == "未知机构（Q）"
    assert coverage.expert_text(small, "E1") == "张伟（E1）"
    assert coverage.span_text(date(2024, 1, 2), date(2024, 1, 2)) == "2024-01-02"
