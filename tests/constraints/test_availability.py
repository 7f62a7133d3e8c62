"""R8: declared unavailability and the yearly cap of working days."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from constraints import availability
from constraints.registry import validate
from inputs.scenario import Unavailability
from tests.constraints.builders import replace_visit, rules, small_scenario, subjects


def test_unavailability_on_holidays_only_does_not_clash(small, small_valid):
    """E6 declared 2024-10-01..07 unavailable and is on H2 (09-29..10-12): those are National Day
    holidays, no working day of the visit falls in them."""
    assert availability.check(small, small_valid) == []


def test_unavailability_on_a_working_day(small, small_valid):
    """E6 unavailable 2024-10-07..10-08: 10-08 is a working day of H2, so R8 names E6."""
    scenario = replace(
        small, unavailability=(Unavailability("E6", date(2024, 10, 7), date(2024, 10, 8), "出差"),)
    )
    found = validate(scenario, small_valid)
    assert rules(found) == {"R8"}
    assert subjects(found, "R8") == {"E6"}
    assert "出差" in found[0].message and "2024-10-08" in found[0].message and "1 个" in found[0].message


def test_yearly_cap_of_the_expert(small, small_valid):
    """E3 may work 12 days a year. On H1 (5) and H2 (7) she is exactly at the cap; adding G1 (1) makes
    13 and breaks R8."""
    at_cap = replace_visit(small_valid, "H2", members=("E2", "E6", "E7", "E8", "E3"))
    assert availability.check(small, at_cap) == []
    over = replace_visit(at_cap, "G1", members=("E1", "E4", "E5", "E3"))
    found = validate(small, over)
    assert rules(found) == {"R8"}
    assert subjects(found, "R8") == {"E3"}
    assert "13 个" in found[0].message and "12" in found[0].message and "2024" in found[0].message


def test_yearly_cap_of_the_round(small_valid):
    """With max_days_per_year=6: E2 (H2 7 + G2 1), E5 (H1 5 + G1 1 + G2 1) and H2's other members
    (7) are over; E1 (H1 5 + G1 1) is exactly at it; E3 (5) has her own cap of 12 anyway."""
    found = validate(small_scenario(max_days_per_year=6), small_valid)
    assert rules(found) == {"R8"}
    assert subjects(found, "R8") == {"E2", "E5", "E6", "E7", "E8"}


def test_cap_counts_days_per_calendar_year(small_valid):
    """A cap is per calendar year: the same load split over two years is fine."""
    plan = replace_visit(small_valid, "G2", start=date(2025, 3, 3), end=date(2025, 3, 3))
    found = availability.check(small_scenario(max_days_per_year=7), plan)
    assert found == []
