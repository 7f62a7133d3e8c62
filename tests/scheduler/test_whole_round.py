"""The whole round (issue 10): R14 lead time in first plans, R15 follow-ups (回头看) as tasks of their
own linked to their visits by the general precedence of ``scheduler.precedence``, and milestones.

The scenarios run from Monday 2024-11-04 with all-round experts; follow-ups fall in early 2025, when
Spring Festival (2025-01-28..02-04, with 01-26 and 02-08 worked) makes calendar and working days part.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from ortools.sat.python import cp_model

from constraints import replanning
from constraints.registry import post_all, validate
from inputs.scenario import Batch, Quota, Unavailability
from scheduler import followups
from scheduler.greedy import greedy
from scheduler.instance import build_instance
from scheduler.model import build_variables
from scheduler.plan import Plan
from scheduler.precedence import Precedence, earliest_after
from scheduler.replan import replan
from scheduler.solve import solve
from tests.constraints.builders import inst
from tests.scheduler.conftest import allround, check_plan, scenario, solve_checked

D = date.fromisoformat
LEADERS = [allround("E1", leader=True), allround("E2", leader=True)]


def _followup(plan: Plan, institution: str):
    return plan.followup_of(institution)


# -- R14: lead time ----------------------------------------------------------------------------------


def _batch_round(**params):
    """G1 must be visited in 第一批 (11-04..11-15); G2 any time until 11-29."""
    return scenario(
        [inst("G1", "一号卫生院", "grassroots", batch="第一批"), inst("G2", "二号卫生院", "grassroots")],
        LEADERS,
        batches=[Batch("第一批", D("2024-11-04"), D("2024-11-15"))],
        pace="early",
        **params,
    )


def test_lead_time_pushes_a_visit_out_of_its_batch():
    """Announced on 11-04 with 15 days' notice, visits start from 11-19: G1's batch is over by then,
    so G1 is left out under R14 with that reason; G2 starts on 11-19."""
    result = solve_checked(_batch_round(notice_days=15))
    plan = result.plan
    (left,) = plan.unscheduled
    assert left.institution == "G1" and left.rule == "R14"
    assert "提前通知" in left.reasons[0] and "2024-11-19" in left.reasons[0]
    assert plan.visit_of("G2").start == D("2024-11-19")
    assert plan.announced == D("2024-11-04")


def test_lead_time_does_not_bite_when_announced_early_enough():
    """Announced on 2024-10-15 (``--today``), the notice ends on 10-30: G1 is visited in its batch on
    11-04 and G2 (the same two experts) on 11-05; each letter is dated 15 days before its visit."""
    sc = _batch_round(notice_days=15)
    result = solve(sc, time_limit=5, seed=0, workers=1, today=D("2024-10-15"))
    check_plan(sc, result.plan)
    starts = {v.institution: v.start for v in result.plan.visits}
    assert starts == {"G1": D("2024-11-04"), "G2": D("2024-11-05")}
    assert {m.institution: m.letter for m in result.plan.milestones} == {
        "G1": D("2024-10-20"),
        "G2": D("2024-10-21"),
    }


# -- R15: follow-ups ----------------------------------------------------------------------------------


def _followup_round(experts=LEADERS, **params):
    """G1, marked for a follow-up, visited on 11-04 (its only day); the round runs until 2025-03-31."""
    params.setdefault("pace", "early")
    return scenario(
        [
            inst(
                "G1",
                "一号卫生院",
                "grassroots",
                earliest=D("2024-11-04"),
                latest=D("2024-11-04"),
                followup=True,
            )
        ],
        experts,
        deadline=D("2025-03-31"),
        feedback_days=30,
        rectify_days=60,
        **params,
    )


def test_followup_waits_feedback_and_rectification_in_calendar_days():
    """11-04 + 90 days is Sunday 2025-02-02, inside the Spring Festival break: the follow-up starts on
    the first working day after, 02-05, with one of the first team; the greedy does the same."""
    sc = _followup_round()
    plan = solve_checked(sc).plan
    first, followup = plan.visit_of("G1"), _followup(plan, "G1")
    assert first.start == D("2024-11-04")
    assert followup is not None and followup.kind == "followup"
    assert followup.start == followup.end == D("2025-02-05")
    assert set(followup.members) & set(first.members) and 2 <= len(followup.members) <= 3
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    hint = greedy(instance)
    (link,) = instance.precedences
    assert hint[link.after].start == earliest_after(instance, link, hint[link.before].start)
    assert instance.workdays[hint[link.after].start] == D("2025-02-05")


def test_followup_after_its_deadline_is_left_out_and_the_visit_kept():
    """With follow-ups due by 2025-01-31, 90 days after 11-04 is too late: the visit stays, the
    follow-up is listed (kind followup) with the reason, and the plan is partial."""
    sc = _followup_round(followup_deadline=D("2025-01-31"))
    plan = solve_checked(sc).plan
    assert plan.visit_of("G1") is not None and _followup(plan, "G1") is None
    (left,) = plan.unscheduled
    assert (left.institution, left.kind, left.rule) == ("G1", "followup", "R15")
    assert "回头看须在 2025-01-31 前完成" in left.reasons[0]
    assert plan.status == "partial"


def _absent_round(**params):
    """E3 and E4 are away on 11-04, so E1 and E2 make the visit; both are away all of Feb–Mar 2025."""
    experts = [*LEADERS, allround("E3", leader=True), allround("E4", leader=True)]
    away = [
        Unavailability("E3", D("2024-11-04"), D("2024-11-04")),
        Unavailability("E4", D("2024-11-04"), D("2024-11-04")),
        Unavailability("E1", D("2025-02-01"), D("2025-03-31")),
        Unavailability("E2", D("2025-02-01"), D("2025-03-31")),
    ]
    return _followup_round(experts, unavailability=away, **params)


def test_followup_whose_only_continuity_members_are_absent_is_left_out():
    """Continuity needs E1 or E2 on the follow-up, and both are away: it is left out, with that reason."""
    plan = solve_checked(_absent_round()).plan
    assert plan.visit_of("G1") is not None and _followup(plan, "G1") is None
    (left,) = plan.unscheduled
    assert left.kind == "followup" and "保留一名首次巡查的组员" in left.reasons[0]


def test_without_continuity_others_make_the_followup():
    """With followup_continuity 否, E3 and E4 make the follow-up on 02-05."""
    plan = solve_checked(_absent_round(followup_continuity=False)).plan
    followup = _followup(plan, "G1")
    assert followup is not None and set(followup.members) == {"E3", "E4"}
    assert followup.start == D("2025-02-05")


def test_a_share_of_followups_chosen_by_the_seed():
    """followup_share 50 % of four centres: two follow-ups, the same two for the same seed."""
    insts = [inst(f"G{k}", f"{k}号卫生院", "grassroots") for k in range(1, 5)]
    experts = [*LEADERS, allround("E3"), allround("E4")]
    sc = scenario(
        insts, experts, deadline=D("2025-03-31"), followup_share=0.5, feedback_days=10, rectify_days=10
    )
    first = solve_checked(sc, seed=3).plan
    again = solve_checked(sc, seed=3).plan
    chosen = {v.institution for v in first.visits if v.kind == "followup"}
    assert len(chosen) == 2
    assert chosen == {v.institution for v in again.visits if v.kind == "followup"}
    assert len(first.milestones) == 4


def test_precedence_in_working_days():
    """A working-day lag counts working days after a's last day: G1 on 11-04 (index 0), lag 3 → 11-08."""
    sc = _followup_round()
    instance = build_instance(sc)
    link = Precedence(0, 0, 3, calendar=False)
    assert instance.workdays[earliest_after(instance, link, 0)] == D("2024-11-08")


# -- replanning: a follow-up moves with its visit; a started one is frozen ----------------------------


def test_replan_moves_a_followup_whose_expert_falls_ill():
    """E1 falls ill on the follow-up's day (02-05): replanned on 2024-12-01, the first visit stays and
    the follow-up (both experts needed) moves to the next working day, listed as a 回头看 change."""
    sc = _followup_round()
    baseline = solve_checked(sc).plan
    ill = replace(sc, unavailability=(Unavailability("E1", D("2025-02-05"), D("2025-02-05"), "病假"),))
    result = replan(ill, baseline, D("2024-12-01"), time_limit=5, seed=0, workers=1)
    check_plan(ill, result.plan)
    assert result.plan.visit_of("G1") == baseline.visit_of("G1")
    assert result.plan.followup_of("G1").start == D("2025-02-06")
    assert [(c.kind, c.before.startswith("回头看")) for c in result.changes] == [("moved", True)]
    # the summary counts the announced follow-up and its change too, not only first visits
    waiting = [v for v in baseline.visits if v.start >= D("2024-12-01")]
    assert (result.changed_visits, result.announced) == (1, len(waiting))
    assert any(v.kind == followups.KIND for v in waiting) and "改动 1 次" in result.summary()
    assert replanning.check(ill, result.plan, baseline, D("2024-12-01")) == []


def test_replan_keeps_a_started_followup():
    """Replanned on 02-06, the follow-up of 02-05 has started: it stays as it was, even though E1 now
    reports that day as sick leave (a conflict, not a change)."""
    sc = _followup_round()
    baseline = solve_checked(sc).plan
    ill = replace(sc, unavailability=(Unavailability("E1", D("2025-02-05"), D("2025-02-05"), "病假"),))
    result = replan(ill, baseline, D("2025-02-06"), time_limit=5, seed=0, workers=1)
    assert result.plan.followup_of("G1") == baseline.followup_of("G1")
    assert result.changes == []
    assert replanning.check(ill, result.plan, baseline, D("2025-02-06")) == []


def test_model_precedence_matches_the_calendar_for_every_start():
    """The model's lag classes are exact: for G1 starting on any working day of Nov–Dec 2024, the
    earliest follow-up the model allows is the first working day 90 calendar days after G1 ends."""
    sc = scenario(
        [inst("G1", "一号卫生院", "grassroots", latest=D("2024-12-31"), followup=True)],
        LEADERS,
        deadline=D("2025-04-30"),
        feedback_days=30,
        rectify_days=60,
    )
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    (link,) = instance.precedences
    for s in instance.tasks[link.before].start_values():
        m = build_variables(instance, instance.tasks, require_all=True)
        post_all(m)
        m.cp.add(m.start[link.before] == s)
        m.cp.minimize(m.start[link.after])
        solver = cp_model.CpSolver()
        solver.parameters.num_workers = 1
        assert solver.solve(m.cp) == cp_model.OPTIMAL
        assert solver.value(m.start[link.after]) == earliest_after(instance, link, s), instance.workdays[s]


def test_a_replan_with_nothing_changed_keeps_an_announced_follow_up_inside_the_notice_period():
    """The follow-up of 2025-02-05 was announced with the plan; replanned on 2025-01-27 under 30 days'
    notice (R13: a visit placed or moved now starts no earlier than 02-26) with nothing else changed,
    it stays as it is: the notice applies to visits placed or moved, not to those kept."""
    sc = _followup_round()
    plan = solve_checked(sc).plan
    before = _followup(plan, "G1")
    assert before is not None and before.start == D("2025-02-05")
    later = replace(sc, params=replace(sc.params, notice_days=30))
    result = replan(later, plan, today=D("2025-01-27"), time_limit=5, seed=0, workers=1)
    assert _followup(result.plan, "G1") == before
    assert result.changes == [] or all(c.institution != "G1" for c in result.changes)


def _announced_on(plan: Plan, institution: str, day: date) -> Plan:
    """``plan`` with the follow-up of ``institution`` announced for ``day`` instead (an office's own
    choice of date, later than the earliest the solver takes)."""
    visits = tuple(
        replace(v, start=day, end=day) if v.kind == followups.KIND and v.institution == institution else v
        for v in plan.visits
    )
    return replace(plan, visits=visits)


def test_a_replan_mends_an_announced_follow_up_on_its_own_date():
    """Four all-round leaders; E3 and E4 are away on 11-04, so E1 and E2 make the first visit. The
    follow-up is announced for 02-10; its leader falls ill that day. Replanned on 2024-12-01, the
    follow-up keeps its date and its other member, and an expert free that day takes the sick one's
    place: one member changed, no date moved (before: moved to 02-05, the earliest date, with a new
    team). The change's reason names the sick leave."""
    experts = [*LEADERS, allround("E3", leader=True), allround("E4", leader=True)]
    away = (
        Unavailability("E3", D("2024-11-04"), D("2024-11-04")),
        Unavailability("E4", D("2024-11-04"), D("2024-11-04")),
    )
    sc = _followup_round(experts, unavailability=away)
    baseline = _announced_on(solve_checked(sc).plan, "G1", D("2025-02-10"))
    check_plan(sc, baseline)
    before = _followup(baseline, "G1")
    ill = replace(
        sc, unavailability=(*away, Unavailability(before.leader, D("2025-02-10"), D("2025-02-10"), "病假"))
    )
    result = replan(ill, baseline, D("2024-12-01"), time_limit=5, seed=0, workers=1)
    check_plan(ill, result.plan)
    after = _followup(result.plan, "G1")
    assert (after.start, after.end) == (before.start, before.end)
    assert before.leader not in after.members
    assert len(set(before.members) - set(after.members)) == 1  # only the sick one leaves
    assert set(after.members) & {"E1", "E2"}  # one of the first team stays on it (continuity)
    (change,) = result.changes
    assert "moved" not in change.kinds and "病假" in change.reason
    assert replanning.check(ill, result.plan, baseline, D("2024-12-01")) == []


def test_a_replan_moves_an_announced_follow_up_with_its_team_to_the_nearest_date():
    """E1 and E2 alone may make the follow-up (both needed), announced for 03-03; E1 falls ill that
    day. Replanned on 2024-12-01, the same team makes it on the nearest working day, 03-04 (before:
    02-05, the earliest date)."""
    sc = _followup_round()
    baseline = _announced_on(solve_checked(sc).plan, "G1", D("2025-03-03"))
    check_plan(sc, baseline)
    ill = replace(sc, unavailability=(Unavailability("E1", D("2025-03-03"), D("2025-03-03"), "病假"),))
    result = replan(ill, baseline, D("2024-12-01"), time_limit=5, seed=0, workers=1)
    check_plan(ill, result.plan)
    before, after = _followup(baseline, "G1"), _followup(result.plan, "G1")
    assert after.start == D("2025-03-04")
    assert (after.leader, after.members) == (before.leader, before.members)
    (change,) = result.changes
    assert change.kinds == ("moved",) and "病假" in change.reason


def test_a_replan_keeps_the_follow_ups_a_share_drew_and_draws_only_what_the_share_adds():
    """followup_share 50 % of four centres, two follow-ups drawn with the seed. Two centres added
    mid-cycle: the share now asks for three; the replan keeps both announced follow-ups (the draw is
    not made anew over the six, which cancelled and added follow-ups before) and draws one more, with
    the reason 「按回头看比例（50%）增加的回头看」."""
    insts = [inst(f"G{k}", f"{k}号卫生院", "grassroots") for k in range(1, 5)]
    experts = [*LEADERS, allround("E3"), allround("E4")]
    params = dict(deadline=D("2025-06-30"), followup_share=0.5, feedback_days=10, rectify_days=10)
    sc = scenario(insts, experts, **params)
    baseline = solve_checked(sc, seed=3).plan
    drawn = {v.institution for v in baseline.visits if v.kind == "followup"}
    assert len(drawn) == 2
    more = [*insts, *(inst(f"G{k}", f"{k}号卫生院", "grassroots") for k in (5, 6))]
    later = scenario(more, experts, **params)
    today = D("2024-11-05")
    result = replan(later, baseline, today, time_limit=5, seed=3, workers=1)
    check_plan(later, result.plan)
    again = {v.institution for v in result.plan.visits if v.kind == "followup"}
    assert drawn < again and len(again) == 3
    assert all(c.kind != "cancelled" for c in result.changes)
    (extra,) = [c for c in result.changes if c.after.startswith("回头看")]
    assert extra.kind == "added" and extra.reason == "按回头看比例（50%）增加的回头看"
    assert replanning.check(later, result.plan, baseline, today) == []


def test_a_share_the_replan_cannot_meet_lists_the_follow_up_left_out_with_its_reason():
    """followup_share 50 %; the round's one centre, added mid-cycle, may be visited only in 2025 (the
    quota of 2024 allows none), and a visit in January ends less than 30 days before the deadline of
    01-31: no follow-up fits. The replan draws it all the same and lists it as left out with the
    reason, as a fresh plan does (before: it drew none, and validate found the share unmet)."""
    hospital = replace(inst("H1", "一号医院", "tertiary_general"), exempt=True)  # not visited this round
    params = dict(
        deadline=D("2025-01-31"),
        followup_share=0.5,
        feedback_days=0,
        rectify_days=30,
        quotas=[Quota(2024, max_share=0.0)],
    )
    sc = scenario([hospital], LEADERS, **params)
    baseline = solve_checked(sc).plan
    assert baseline.visits == ()
    later = scenario([hospital, inst("G1", "一号卫生院", "grassroots")], LEADERS, **params)
    result = replan(later, baseline, D("2024-11-04"), time_limit=5, seed=0, workers=1)
    check_plan(later, result.plan)
    assert [v.kind for v in result.plan.visits] == ["visit"]
    (left,) = result.plan.unscheduled
    assert (left.institution, left.kind, left.rule) == ("G1", "followup", "R15")
    assert "已超过该日期" in left.reasons[0]
    fresh = solve_checked(later).plan
    assert [(u.institution, u.kind) for u in fresh.unscheduled] == [("G1", "followup")]


def test_a_replan_adds_a_member_to_an_announced_follow_up_when_the_round_asks_for_larger_teams():
    """The round now asks for follow-up teams of at least three (followup_team_min 3): the announced
    two-person follow-up keeps its date and both members and takes a third."""
    experts = [*LEADERS, allround("E3", leader=True), allround("E4", leader=True)]
    away = (
        Unavailability("E3", D("2024-11-04"), D("2024-11-04")),
        Unavailability("E4", D("2024-11-04"), D("2024-11-04")),
    )
    sc = _followup_round(experts, unavailability=away)
    baseline = solve_checked(sc).plan
    before = _followup(baseline, "G1")
    assert len(before.members) == 2
    larger = replace(sc, params=replace(sc.params, followup_team_min=3))
    result = replan(larger, baseline, D("2024-12-01"), time_limit=5, seed=0, workers=1)
    check_plan(larger, result.plan)
    after = _followup(result.plan, "G1")
    assert (after.start, after.leader) == (before.start, before.leader)
    assert set(before.members) < set(after.members) and len(after.members) == 3


def test_a_follow_up_with_only_holidays_left_is_listed_with_that_reason_also_after_a_replan():
    """Follow-ups due by 2025-01-31, 85 days after G1's visit of 11-04: 01-28, when Spring Festival
    leaves no working day before the deadline. The follow-up is listed with that reason (before: 「已超过
    该日期」, untrue of 01-28), and a replan with nothing changed lists it again (before: it dropped the
    entry, which validate refuses)."""
    sc = _followup_round(followup_deadline=D("2025-01-31"))
    sc = replace(sc, params=replace(sc.params, rectify_days=55))
    plan = solve_checked(sc).plan
    (left,) = plan.unscheduled
    assert left.kind == "followup" and "为 2025-01-28，此后至 2025-01-31 已没有工作日" in left.reasons[0]
    result = replan(sc, plan, D("2024-11-04"), time_limit=5, seed=0, workers=1)
    check_plan(sc, result.plan)
    assert result.plan.unscheduled == plan.unscheduled and result.changes == []


def test_a_started_follow_up_holds_its_experts_while_the_first_visits_are_replanned():
    """G1's two-day 回头看 (02-05..02-06) has started when the replan runs on 02-06; G2, visited on 02-06
    only, loses a member to illness. The follow-up's two experts are busy that day: the replan may not
    take either for G2 (before: it did, two visits at once), so G2, with nobody else free, is left out
    with its reason."""
    experts = [*LEADERS, allround("E3", leader=True), allround("E4", leader=True)]
    g2 = inst("G2", "二号卫生院", "grassroots", earliest=D("2025-02-06"), latest=D("2025-02-06"))
    sc = _followup_round(experts, followup_days=2)
    sc = replace(sc, institutions=(*sc.institutions, g2))
    baseline = solve_checked(sc).plan
    again, second = _followup(baseline, "G1"), baseline.visit_of("G2")
    assert (again.start, again.end) == (D("2025-02-05"), D("2025-02-06"))
    assert not set(again.members) & set(second.members)
    ill = replace(
        sc, unavailability=(Unavailability(second.members[0], D("2025-02-06"), D("2025-02-06"), "病假"),)
    )
    result = replan(ill, baseline, D("2025-02-06"), time_limit=5, seed=0, workers=1)
    assert _followup(result.plan, "G1") == again
    after = result.plan.visit_of("G2")
    assert after is None or not set(after.members) & set(again.members)
    assert [v for v in validate(ill, result.plan) if v.rule == "R5"] == []
