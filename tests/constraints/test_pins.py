"""R16: pins — a pinned start date, leader and members are kept by the plan."""

from __future__ import annotations

from dataclasses import replace

from constraints import pins
from constraints.registry import validate
from tests.constraints.builders import D, replace_visit, rules


def _pinned(small, **pin):
    """``small`` with H1's visit pinned (its valid visit: 09-23..09-27, E1 leads E3, E4, E5)."""
    institutions = tuple(replace(i, **pin) if i.id == "H1" else i for i in small.institutions)
    return replace(small, institutions=institutions)


def test_pins_kept_pass(small, small_valid):
    """Pins that the valid plan keeps (its date, leader and two of its members) raise nothing."""
    scenario = _pinned(small, fixed_start=D("2024-09-23"), fixed_leader="E1", fixed_members=("E3", "E4"))
    assert validate(scenario, small_valid) == []


def test_moved_start_bites(small, small_valid):
    """H1 pinned to start on 09-24 but planned for 09-23: one R16 violation naming the pinned date."""
    found = pins.check(_pinned(small, fixed_start=D("2024-09-24")), small_valid)
    assert [v.subject for v in found] == ["H1"] and "2024-09-24" in found[0].message


def test_other_leader_bites(small, small_valid):
    """E3 pinned as H1's leader while E1 leads: R16 names both."""
    found = pins.check(_pinned(small, fixed_leader="E3"), small_valid)
    assert len(found) == 1 and "E3" in found[0].message and "E1" in found[0].message


def test_missing_member_bites(small, small_valid):
    """E8 pinned as a member of H1 but not on the team; a leader pinned as a member counts as present."""
    assert pins.check(_pinned(small, fixed_members=("E1",)), small_valid) == []
    found = pins.check(_pinned(small, fixed_members=("E8", "E1")), small_valid)
    assert len(found) == 1 and "E8" in found[0].message


def test_unpinned_institutions_move_freely(small, small_valid):
    """Only the pinned institution is held: moving G1 breaks no pin."""
    scenario = _pinned(small, fixed_start=D("2024-09-23"))
    moved = replace_visit(small_valid, "G1", start=D("2024-10-16"), end=D("2024-10-16"))
    assert "R16" not in rules(validate(scenario, moved))
