"""Replanning keeps R14's lead time from the baseline's announcement day (issue h40).

The round of ``test_replan`` (G1–G5, one-day visits, 15 days' notice), solved as announced on
Thursday 2024-11-14: no visit starts before 11-29. The replan happens earlier, on Monday 2024-10-21,
whose own notice period (R13) would already end on 11-05. The replanned plan keeps the baseline's
announcement day, so a visit added or moved may start no earlier than max(11-05, 11-29) = 11-29.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from constraints import lead_time
from inputs.scenario import Unavailability
from scheduler.plan import Plan
from scheduler.solve import solve
from tests.constraints.builders import inst
from tests.scheduler.test_replan import _holds, _replan, _round, _visit

D = date.fromisoformat
ANNOUNCED = D("2024-11-14")  # the baseline's announcement: 15 days' notice ends on 11-29
LEAD_END = D("2024-11-29")
EARLY = D("2024-10-21")  # the replan's today, before the announcement: R13 alone would allow 11-05


@pytest.fixture(scope="module")
def late() -> Plan:
    plan = solve(_round(), time_limit=5, seed=0, workers=1, today=ANNOUNCED).plan
    assert plan.announced == ANNOUNCED and len(plan.visits) == 5
    assert min(v.start for v in plan.visits) >= LEAD_END
    return plan


def test_added_visit_waits_for_the_announcements_notice(late: Plan) -> None:
    """An institution added on 10-21 starts no earlier than 11-29 (the announcement's 15 days), not on
    11-05 (today's); the plan keeps the baseline's announcement day and passes every check."""
    scenario = _round(inst("G6", "新增卫生院", "grassroots"))
    result = _replan(scenario, late, EARLY)
    assert result.plan.announced == ANNOUNCED
    assert lead_time.check(scenario, result.plan) == []
    _holds(scenario, result, late, EARLY)
    assert _visit(result.plan, "G6").start >= LEAD_END  # (on 11-29 G1 and G2 hold four of the five)
    assert [(c.institution, c.kind) for c in result.changes] == [("G6", "added")]


def test_moved_visit_waits_for_the_announcements_notice(late: Plan) -> None:
    """Nobody is free on G1's day, so it moves; not before 11-29, although R13 from 10-21 would allow it."""
    old = _visit(late, "G1")
    away = [Unavailability(f"E{n}", old.start, old.end, "出差") for n in range(1, 6)]
    scenario = _round(unavailability=away)
    result = _replan(scenario, late, EARLY)
    _holds(scenario, result, late, EARLY)
    new = _visit(result.plan, "G1")
    assert new.start != old.start and new.start >= LEAD_END
    assert "G1" in {c.institution for c in result.changes}


def test_today_after_the_announcement_still_counts_from_today(late: Plan) -> None:
    """The other way round: replanned on 11-25 (after the announcement), an added visit waits for
    today's 15 days (12-10), the later of the two floors."""
    today = D("2024-11-25")
    scenario = _round(inst("G6", "新增卫生院", "grassroots"))
    result = _replan(scenario, late, today)
    _holds(scenario, result, late, today)
    assert _visit(result.plan, "G6").start == D("2024-12-10")


def test_kept_visit_inside_a_longer_notice_is_moved(late: Plan) -> None:
    """The office raises ``notice_days`` to 25 after announcing on 11-14: visits must now start from
    12-09. Announced visits before that are moved past it, with R14 as the reason; the others stay."""
    scenario = _round(notice_days=25)
    floor = ANNOUNCED + timedelta(days=25)
    result = _replan(scenario, late, EARLY)
    _holds(scenario, result, late, EARLY)
    too_early = {v.institution for v in late.visits if v.start < floor}
    assert too_early  # the case bites
    changed = {c.institution: c for c in result.changes}
    for v in late.visits:
        new = _visit(result.plan, v.institution)
        if v.institution in too_early:
            assert new.start >= floor
            assert "须提前 25 天通知" in changed[v.institution].reason
        else:
            assert new == v and v.institution not in changed


def test_added_institution_closing_before_the_lead_time_ends_is_left_out(late: Plan) -> None:
    """G6 must be visited by 11-22: R13 from 10-21 would allow it, the announcement's lead time (from
    11-29) does not; it is left out with R14 as the reason."""
    scenario = _round(inst("G6", "新增卫生院", "grassroots", latest=D("2024-11-22")))
    result = _replan(scenario, late, EARLY)
    _holds(scenario, result, late, EARLY)
    (left,) = result.plan.unscheduled
    assert left.institution == "G6" and left.rule == "R14"
    assert "提前通知" in left.reasons[0] and "2024-11-29" in left.reasons[0]


def test_started_visit_inside_a_longer_notice_is_kept_and_reported(late: Plan) -> None:
    """Replanned on 12-03 with ``notice_days`` raised to 25 (visits from 12-09 on): the visits that have
    started before it are kept as they are (R13), and their R14 conflict is reported."""
    today = D("2024-12-03")
    scenario = _round(notice_days=25)
    result = _replan(scenario, late, today)
    started = sorted(v.institution for v in late.visits if v.start < today)
    assert started  # the case bites
    for i in started:
        assert _visit(result.plan, i) == _visit(late, i)
    assert sorted(v.subject for v in result.conflicts if v.rule == "R14") == started
