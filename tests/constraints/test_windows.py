"""R3: the round's dates, and each institution's year, batch and window."""

from __future__ import annotations

from datetime import date

from constraints import windows
from constraints.registry import validate
from tests.constraints.builders import replace_visit, rules, small_scenario, subjects


def test_visit_before_the_round_starts(small_valid):
    """With the round starting 2024-10-01, H1 on 09-23..27 (and H2 from 09-29) start too early."""
    found = validate(small_scenario(start=date(2024, 10, 1)), small_valid)
    assert rules(found) == {"R3"}
    assert subjects(found, "R3") == {"H1", "H2"}


def test_visit_after_the_deadline(small_valid):
    """With the deadline on 2024-10-14, G2 on 10-15 ends too late; G1 on the deadline itself is fine."""
    found = validate(small_scenario(deadline=date(2024, 10, 14)), small_valid)
    assert rules(found) == {"R3"}
    assert subjects(found, "R3") == {"G2"}
    assert "2024-10-14" in found[0].message


def test_visit_outside_the_institution_year(small, small_valid):
    """H1 is fixed to 2024; the same week in 2025 (also outside its batch) breaks R3."""
    plan = replace_visit(small_valid, "H1", start=date(2025, 9, 22), end=date(2025, 9, 26))
    found = windows.check(small, plan)
    assert {v.subject for v in found} == {"H1"}
    assert any("2024 年度" in v.message for v in found)
    assert any("第一批" in v.message for v in found)


def test_visit_outside_the_institution_batch(small, small_valid):
    """H1's batch 第一批 runs 2024-09-01..10-31; a visit ending 2024-11-01 leaves it (still in 2024)."""
    plan = replace_visit(small_valid, "H1", start=date(2024, 10, 28), end=date(2024, 11, 1))
    found = validate(small, plan)
    assert rules(found) == {"R3"}
    assert [v.subject for v in found] == ["H1"]
    assert "第一批" in found[0].message and "2024-09-01 至 2024-10-31" in found[0].message


def test_visit_before_the_earliest_start(small, small_valid):
    """H1 may not start before 2024-09-02; 2024-09-02 itself is allowed, 08-30 is not."""
    on_time = replace_visit(small_valid, "H1", start=date(2024, 9, 2), end=date(2024, 9, 6))
    early = replace_visit(small_valid, "H1", start=date(2024, 8, 27), end=date(2024, 9, 2), days=5)
    assert windows.check(small, on_time) == []
    found = windows.check(small, early)
    assert any("最早开始日期 2024-09-02" in v.message for v in found)


def test_visit_after_the_latest_end(small, small_valid):
    """G1 must end by 2024-10-31; a visit on 11-01 does not."""
    plan = replace_visit(small_valid, "G1", start=date(2024, 11, 1), end=date(2024, 11, 1))
    found = validate(small, plan)
    assert rules(found) == {"R3"}
    assert "最晚结束日期 2024-10-31" in found[0].message


def test_batch_label_must_agree(small, small_valid):
    """A visit labelled with another batch than its institution's, or with an unknown batch, or outside
    the batch it is labelled with, is reported."""
    other = replace_visit(small_valid, "H1", batch="第二批")
    unknown = replace_visit(small_valid, "G1", batch="第九批")
    outside = replace_visit(small_valid, "G1", batch="第二批")
    assert "指定的批次是“第一批”" in windows.check(small, other)[0].message
    assert "没有这个批次" in windows.check(small, unknown)[0].message
    assert "不在计划标注的批次“第二批”" in windows.check(small, outside)[0].message
