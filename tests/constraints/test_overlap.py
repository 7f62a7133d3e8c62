"""R5: no expert on two visits at once, and rest days between an expert's visits."""

from __future__ import annotations

import dataclasses
from datetime import date

from constraints import overlap
from constraints.registry import validate
from tests.constraints.builders import replace_visit, rules, small_scenario, subjects


def test_expert_on_two_overlapping_visits(small, small_valid):
    """G2 moved to 10-14, G1's day, and led by E1, who also leads G1: R5 names E1 (capacity lifted,
    so that only R5 is broken)."""
    plan = replace_visit(small_valid, "G2", start=date(2024, 10, 14), end=date(2024, 10, 14))
    plan = replace_visit(plan, "G2", leader="E1", members=("E1", "E7", "E3", "E8"))
    found = validate(small_scenario(max_concurrent_visits=None), plan)
    assert rules(found) == {"R5"}
    assert subjects(found, "R5") == {"E1"}
    assert "张伟（E1）" in found[0].message and "日期重叠" in found[0].message


def test_back_to_back_visits_are_fine_without_rest_days(small, small_valid):
    """E5 is on G1 (10-14) and G2 (10-15): no working day off between them, allowed when rest_days=0."""
    assert overlap.check(small, small_valid) == []


def test_rest_days_between_visits(small_valid):
    """With rest_days=1, E5 (G1 on 10-14, G2 on 10-15) and E7 (H2 to Sat 10-12, G2 on Tue 10-15: only
    Mon 10-14 between, one working day) — E5 has no day off, E7 has one, enough."""
    found = validate(small_scenario(rest_days=1), small_valid)
    assert rules(found) == {"R5"}
    assert subjects(found, "R5") == {"E5"}
    assert "只有 0 个工作日休息，至少应有 1 个" in found[0].message


def test_rest_days_count_working_days_only(small_valid):
    """H1 ends Fri 09-27, H2 starts Sun 09-29 (make-up day); Sat 09-28 is a rest day, so an expert on
    both has 0 working days off: with rest_days=1, putting E4 on H2 is reported."""
    plan = replace_visit(small_valid, "H2", members=("E2", "E6", "E7", "E8", "E4"))
    found = overlap.check(small_scenario(rest_days=1), plan)
    assert {v.subject for v in found} == {"E4", "E5"}


def test_three_visits_sharing_a_day_report_each_pair(small, small_valid):
    """Three visits of E5 on the same day give three overlapping pairs for E5 (E2 and E7, on H2 and G2,
    give one pair each)."""
    plan = replace_visit(small_valid, "G2", start=date(2024, 10, 14), end=date(2024, 10, 14))
    plan = replace_visit(plan, "H2", end=date(2024, 10, 14), days=8, members=("E2", "E6", "E7", "E8", "E5"))
    found = overlap.check(small, plan)
    assert sorted(v.subject for v in found) == ["E2", "E5", "E5", "E5", "E7"]


def test_copies_of_one_visit_are_reported_compactly(small, small_valid):
    """G1 (E1, E4, E5 on 10-14) repeated 200 times: 201 visits give 20,100 overlapping pairs per
    expert; each expert gets at most MAX_PAIRS pair lines (identical here, so one survives) and one
    line counting the rest."""
    g1 = next(v for v in small_valid.visits if v.institution == "G1")
    plan = dataclasses.replace(small_valid, visits=small_valid.visits + (g1,) * 200)
    found = overlap.check(small, plan)
    for expert_id in ("E1", "E4", "E5"):
        mine = [v for v in found if v.subject == expert_id]
        assert len(mine) == overlap.MAX_PAIRS + 1
        assert "共 20100 对" in mine[-1].message
    assert len([v for v in validate(small, plan) if v.rule == "R5"]) == 6  # duplicates merged


def test_rest_days_with_many_visits_use_the_nearest_next_visit(small_valid):
    """With rest_days=1, E5's G1 (10-14) followed by G2 (10-15) is reported once per copy of G1,
    each time against G2, the nearest visit starting after it."""
    g1 = next(v for v in small_valid.visits if v.institution == "G1")
    plan = dataclasses.replace(small_valid, visits=small_valid.visits + (g1,) * 50)
    found = [v for v in overlap.check(small_scenario(rest_days=1), plan) if "休息" in v.message]
    assert {v.subject for v in found} == {"E5"}
    assert all("南坪镇卫生院（G2）" in v.message for v in found)
