"""R14: every visit starts ``notice_days`` after the plan is announced; the milestones add up."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from constraints import lead_time
from constraints.registry import validate
from scheduler.milestones import milestones
from scheduler.plan import Milestone
from tests.constraints.builders import rules, small_scenario, subjects

D = date.fromisoformat


def test_visits_inside_the_notice_period_are_flagged(small_valid):
    """Announced on 2024-09-01 with 30 days' notice, visits may start from 10-01: H1 (09-23) and H2
    (09-29) start too early, G1 (10-14) and G2 (10-15) do not."""
    scenario = small_scenario(notice_days=30)
    plan = replace(small_valid, announced=D("2024-09-01"))
    found = validate(scenario, plan)
    assert rules(found) == {"R14"}
    assert subjects(found, "R14") == {"H1", "H2"}
    assert "2024-10-01" in found[0].message


def test_no_violation_when_the_notice_period_ends_in_time(small_valid):
    """Announced on 2024-08-20 with 30 days' notice, the first start allowed is 09-19: all hold."""
    plan = replace(small_valid, announced=D("2024-08-20"))
    assert lead_time.check(small_scenario(notice_days=30), plan) == []


def test_without_an_announcement_the_cycle_start_counts(small_valid):
    """A plan without ``announced`` was announced on the cycle's start (2024-01-01 here)."""
    scenario = small_scenario(notice_days=30, start=D("2024-09-01"))
    assert subjects(lead_time.check(scenario, small_valid), "R14") == {"H1", "H2"}


def test_milestones_must_match_the_visits(small_valid):
    """Milestones computed from the plan hold; a self-inspection due date moved by a day is flagged."""
    scenario = small_scenario(notice_days=30, self_report_days=15, feedback_days=30, rectify_days=60)
    announced = D("2024-08-01")
    good = milestones(scenario.params, small_valid.visits, announced)
    h1 = next(m for m in good if m.institution == "H1")
    # H1 runs 09-23..09-27: letter 08-24, self-report 09-08, feedback 10-27, rectification 12-26
    assert h1 == Milestone("H1", D("2024-08-24"), D("2024-09-08"), D("2024-10-27"), D("2024-12-26"))
    plan = replace(small_valid, announced=announced, milestones=good)
    assert lead_time.check(scenario, plan) == []
    bad = tuple(replace(m, self_report_due=D("2024-09-09")) if m.institution == "H1" else m for m in good)
    found = lead_time.check(scenario, replace(plan, milestones=bad))
    assert [v.subject for v in found] == ["H1"] and "自查报告截止日期" in found[0].message


def test_letter_is_never_before_the_announcement(small_valid):
    """Announced on 09-10, H1's letter (30 days before 09-23 would be 08-24) is dated 09-10."""
    scenario = small_scenario(notice_days=30)
    (h1,) = [
        m for m in milestones(scenario.params, small_valid.visits, D("2024-09-10")) if m.institution == "H1"
    ]
    assert h1.letter == D("2024-09-10")
