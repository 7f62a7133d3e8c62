"""R12: exempt institutions get no visit and are listed as exempt; no one else is."""

from __future__ import annotations

from dataclasses import replace

from constraints.registry import validate
from scheduler.plan import Unscheduled
from tests.constraints.builders import rules, subjects, visit


def test_exempt_institution_visited(small, small_valid):
    """A visit of the exempt X1 breaks R12 (the visit itself is otherwise valid)."""
    extra = visit("X1", "2024-10-21", "2024-10-25", "E1", ["E1", "E3", "E4", "E5"])
    found = validate(small, replace(small_valid, visits=(*small_valid.visits, extra)))
    assert rules(found) == {"R12"}
    assert subjects(found, "R12") == {"X1"}
    assert "巴南妇幼保健院（X1）" in found[0].message and "2024-10-21" in found[0].message


def test_exempt_institution_not_listed(small, small_valid):
    """X1 missing from the plan's exempt list breaks R12."""
    found = validate(small, replace(small_valid, exempt=()))
    assert rules(found) == {"R12"}
    assert "应列入“免检”名单" in found[0].message


def test_exempt_institution_listed_unscheduled(small, small_valid):
    """X1 belongs on the exempt list, not on the unscheduled one."""
    plan = replace(small_valid, unscheduled=(Unscheduled("X1", ("测试",)),))
    found = validate(small, plan)
    assert rules(found) == {"R12"}
    assert "而不是“未安排”名单" in found[0].message


def test_non_exempt_institution_listed_exempt(small, small_valid):
    """H1 is not exempt: listing it as exempt (while visiting it) breaks R12."""
    found = validate(small, replace(small_valid, exempt=("X1", "H1")))
    assert rules(found) == {"R12"}
    assert subjects(found, "R12") == {"H1"}
