"""R10: at most max_concurrent_visits visits on any working day."""

from __future__ import annotations

import dataclasses
from datetime import date

from constraints import capacity, working_days
from constraints.registry import validate
from tests.constraints.builders import replace_visit, rules, small_scenario, subjects


def test_two_visits_on_one_day_over_a_limit_of_one(small, small_valid):
    """G2 moved to 10-14, G1's day, with E3 and E8 for E5 (on G1): two visits run at once, the office
    can follow one."""
    plan = replace_visit(
        small_valid, "G2", start=date(2024, 10, 14), end=date(2024, 10, 14), members=("E2", "E7", "E3", "E8")
    )
    found = validate(small, plan)
    assert rules(found) == {"R10"}
    assert subjects(found, "R10") == {"2024-10-14"}
    assert (
        "2 项" in found[0].message
        and "上限 1" in found[0].message
        and "南坪镇卫生院（G2）" in found[0].message
    )


def test_no_limit_set(small_valid):
    """Without max_concurrent_visits, any number may run at once."""
    plan = replace_visit(small_valid, "G2", start=date(2024, 10, 14), end=date(2024, 10, 14))
    assert capacity.check(small_scenario(max_concurrent_visits=None), plan) == []


def test_crowded_days_in_a_row_are_reported_together(small, small_valid):
    """H1 moved onto H2's first week (09-29..10-12 except holidays): the crowded working days with the
    same two visits form one report; the holidays in between do not split it."""
    plan = replace_visit(small_valid, "H1", start=date(2024, 9, 30), end=date(2024, 10, 11))
    found = capacity.check(small, plan)
    assert len(found) == 1
    assert found[0].subject == "2024-09-30"
    assert "2024-09-30 至 2024-10-11" in found[0].message


def test_limit_met_exactly(small_valid):
    """Two visits on one day with a limit of two is fine."""
    plan = replace_visit(small_valid, "G2", start=date(2024, 10, 14), end=date(2024, 10, 14))
    assert capacity.check(small_scenario(max_concurrent_visits=2), plan) == []


def test_a_crowded_day_names_a_few_institutions_and_counts_them_all(small, small_valid):
    """G1 repeated 30 times on 10-14: one violation, 31 + 0 visits that day over the limit of 1, each
    institution named once."""
    g1 = next(v for v in small_valid.visits if v.institution == "G1")
    plan = dataclasses.replace(small_valid, visits=small_valid.visits + (g1,) * 30)
    found = capacity.check(small, plan)
    assert [v.subject for v in found] == ["2024-10-14"]
    assert "31 项巡查" in found[0].message and found[0].message.count("李家沱社区卫生服务中心") == 1


def test_crowded_stretches_are_capped(small):
    """More crowded stretches than MAX_SPANS: the first ones are listed, then one line for the rest."""
    from tests.constraints.builders import make_plan, visit

    days = [d for d in working_days.WorkdayIndex.of(small.calendar).days if d.year == 2025][:120]
    visits = [visit("G1", d.isoformat(), d.isoformat(), "E1", ["E1"]) for d in days for _ in range(2)]
    found = capacity.check(small, make_plan(visits))
    assert len(found) == capacity.MAX_SPANS + 1 and "未逐一列出" in found[-1].message
