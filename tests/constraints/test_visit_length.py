"""R1: the visit's working days, counted on the official calendar, and the tier's minimum."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from constraints import visit_length
from constraints.registry import validate
from inputs.scenario import TierRule
from tests.constraints.builders import inst, make_plan, make_scenario, replace_visit, rules, subjects, visit


def test_national_day_week_does_not_count(small, small_valid):
    """H2 runs 2024-09-29..10-12: 14 calendar days, but only 7 working days (09-29 Sun and 10-12 Sat
    are make-up days, 10-01..07 is National Day), which meets the tertiary general minimum of 7."""
    h2 = small_valid.visit_of("H2")
    assert (h2.end - h2.start).days + 1 == 14
    assert h2.days == 7
    assert visit_length.check(small, small_valid) == []


def test_too_short_for_the_tier(small, small_valid):
    """H2 ending on 10-11 has 6 working days, below the tertiary general minimum of 7."""
    plan = replace_visit(small_valid, "H2", end=date(2024, 10, 11), days=6)
    found = validate(small, plan)
    assert rules(found) == {"R1"}
    assert subjects(found, "R1") == {"H2"}
    assert "6 个工作日" in found[0].message and "7" in found[0].message


def test_days_field_must_match_the_calendar(small, small_valid):
    """H2 claims 14 days (calendar days) where the calendar gives 7 working days."""
    plan = replace_visit(small_valid, "H2", days=14)
    found = validate(small, plan)
    assert rules(found) == {"R1"}
    assert "含 7 个工作日" in found[0].message and "14" in found[0].message


def test_planner_minimum_longer_than_the_tier():
    """A grassroots institution whose planner set 3 days is not done in 2 (tier minimum 1)."""
    scenario = make_scenario([inst("G", "某卫生院", "grassroots", min_days=3)], [])
    plan = make_plan([visit("G", "2024-03-04", "2024-03-05", "X", ["X"])])
    found = visit_length.check(scenario, plan)
    assert [v.subject for v in found] == ["G"]
    assert "该机构设定的最少天数为 3" in found[0].message


def test_tier_minimum_from_the_tiers_sheet():
    """With the tiers sheet raising grassroots to 2 days, a one-day visit is too short."""
    scenario = replace(
        make_scenario([inst("G", "某卫生院", "grassroots")], []),
        tier_rules={"grassroots": TierRule("grassroots", 2, 2, 4)},
    )
    found = visit_length.check(scenario, make_plan([visit("G", "2024-03-04", "2024-03-04", "X", ["X"])]))
    assert [v.subject for v in found] == ["G"]
    assert "基层机构至少 2 个工作日" in found[0].message


def test_reversed_and_unknown_year_visits_are_left_to_other_rules(small, small_valid):
    """An end before the start (R0) or a year the calendar does not know (R2) gives no R1 report."""
    reversed_plan = replace_visit(small_valid, "H1", end=date(2024, 9, 20))
    future_plan = replace_visit(small_valid, "G1", start=date(2030, 3, 4), end=date(2030, 3, 4))
    assert visit_length.check(small, reversed_plan) == []
    assert visit_length.check(small, future_plan) == []
