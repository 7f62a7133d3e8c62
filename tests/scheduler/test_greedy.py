"""Tests of scheduler.greedy, the construction heuristic the solver starts from: its plans honour
every hard rule on their own (the validator finds nothing), it places what fits at the earliest
start, leaves out what does not, and it reads the yearly quotas (R9) the way SPEC §2 counts them.

Rounds run in November 2024 (working days 11-04..08, 11-11..15, …) unless a test says otherwise;
working-day index 0 is the round's first working day.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from hypothesis import HealthCheck, given, settings

from inputs.scenario import DEFAULT_SKILLS, Quota, Scenario, TierRule, Unavailability
from scheduler import followups, pacing
from scheduler.greedy import (
    Assignment,
    GreedyState,
    _new_state,
    _order,
    _pick_pool_team,
    _pick_standing_team,
    _place,
    _usable,
    greedy,
    quota_targets,
    quota_years,
)
from scheduler.instance import Instance, Task, build_instance
from scheduler.plan import Plan
from scheduler.precedence import earliest_start
from scheduler.quota_caps import CapCounter, caps_for
from scheduler.roster import pools
from scheduler.solve import to_plan
from tests.constraints.builders import expert, inst, small_scenario, teams_scenario
from tests.scheduler.conftest import D, allround, check_plan, loads, scenario
from tests.scheduler.test_solve_properties import scenarios


def greedy_plan(sc: Scenario) -> tuple[Instance, Plan]:
    """The greedy plan of a scenario, as a Plan the validator can read."""
    instance = build_instance(sc, announce=sc.params.start, followups=True)  # as the solver builds it
    return instance, to_plan(instance, greedy(instance), 0.0, False)


def four_allround(prefix: str = "E", leaders: int = 1):
    return [allround(f"{prefix}{k}", leader=k <= leaders) for k in range(1, 5)]


def test_small_scenario_is_placed_whole_and_valid():
    """The ``small`` scenario of the rule tests (windows, a pairing, conflicts, a cap, quotas and one
    visit at a time): greedy places all four visits and its plan breaks no rule."""
    sc = small_scenario()
    _, plan = greedy_plan(sc)
    check_plan(sc, plan)
    assert {v.institution for v in plan.visits} == {"H1", "H2", "G1", "G2"}


def test_standing_teams_are_placed_whole_and_valid():
    """The ``teams`` scenario: every visit placed, standing teams whole but for E6 at his employer."""
    sc = teams_scenario()
    _, plan = greedy_plan(sc)
    check_plan(sc, plan)
    assert plan.visit_of("H2").team == "医院组" and "E6" not in plan.visit_of("H2").members


def test_earliest_start_and_rest_days():
    """Four experts, two secondary hospitals, rest_days=2: the first at index 0 (11-04..08), the
    second after two rest days, at index 7 (11-13..19)."""
    sc = scenario([inst("H1", "巴南第一医院"), inst("H2", "巴南第二医院")], four_allround(), rest_days=2)
    instance, plan = greedy_plan(sc)
    check_plan(sc, plan)
    assert sorted(a.start for a in greedy(instance).values()) == [0, 7]
    assert sorted(v.start for v in plan.visits) == [D("2024-11-04"), D("2024-11-13")]


def test_what_does_not_fit_is_left_to_the_model():
    """Two centres both on 11-05 and one leader: greedy places one and leaves the other out."""
    insts = [
        inst("G1", "花溪社区卫生服务中心", "grassroots", earliest=D("2024-11-05"), latest=D("2024-11-05")),
        inst("G2", "南泉镇卫生院", "grassroots", earliest=D("2024-11-05"), latest=D("2024-11-05")),
    ]
    sc = scenario(insts, [allround("L1", leader=True), allround("M1"), allround("M2")])
    instance, plan = greedy_plan(sc)
    check_plan(sc, plan)
    assert len(greedy(instance)) == 1
    assert len(plan.unscheduled) == 1


def test_unavailability_and_yearly_cap():
    """L1, the only leader, may work 5 days a year and is away 12-02..06: the first hospital starts
    12-09 (index 5), the second waits for 2025 (01-02..08)."""
    experts = [allround("L1", leader=True, max_days=5)] + [allround(f"M{k}") for k in range(1, 7)]
    sc = scenario(
        [inst("H1", "巴南第一医院"), inst("H2", "巴南第二医院")],
        experts,
        start=D("2024-12-02"),
        deadline=D("2025-01-31"),
        unavailability=[Unavailability("L1", D("2024-12-02"), D("2024-12-06"))],
    )
    _, plan = greedy_plan(sc)
    check_plan(sc, plan)
    assert sorted(v.start for v in plan.visits) == [D("2024-12-09"), D("2025-01-02")]


def test_office_capacity():
    """max_concurrent_visits=1: three one-day centres on three different days, 11-04, 05, 06."""
    insts = [inst(f"G{k}", f"第{k}社区卫生服务中心", "grassroots") for k in range(1, 4)]
    sc = scenario(insts, four_allround(leaders=4) + four_allround("B"), max_concurrent_visits=1)
    _, plan = greedy_plan(sc)
    check_plan(sc, plan)
    assert sorted(v.start for v in plan.visits) == [D("2024-11-04"), D("2024-11-05"), D("2024-11-06")]


def _centres_with_quota(quota: Quota, pace: str = "even") -> Instance:
    insts = [
        inst("G1", "花溪社区卫生服务中心", "grassroots"),
        inst("G2", "南泉镇卫生院", "grassroots"),
        inst("G3", "仁爱社区医院", "grassroots", ownership="private"),
        inst("G4", "界石镇卫生院", "grassroots", exempt=True),
        inst("H1", "巴南第一医院"),
    ]
    made = scenario(
        insts, four_allround(leaders=4) + four_allround("B"), deadline=D("2025-03-31"), quotas=[quota]
    )
    return build_instance(replace(made, params=replace(made.params, pace=pace)))


def test_quota_targets_count_non_exempt_matching_institutions():
    """60% of the grassroots centres: G4 is exempt, so 3 count and ceil(1.8) = 2 are needed; a
    private-ownership quota counts only G3; min_count wins when larger than the share."""
    instance = _centres_with_quota(Quota(2025, tier="grassroots", min_share=0.6))
    ((year, tasks, need),) = quota_targets(instance)
    assert (year, need) == (2025, 2)
    assert {instance.tasks[t].inst.id for t in tasks} == {"G1", "G2", "G3"}

    instance = _centres_with_quota(Quota(2025, ownership="private", min_share=0.1, min_count=1))
    ((_, tasks, need),) = quota_targets(instance)
    assert need == 1 and [instance.tasks[t].inst.id for t in tasks] == ["G3"]


def test_quota_years_reserve_enough_visits_and_greedy_meets_the_quota():
    """Two centres are reserved for 2025 and greedy puts them there (01-02); with pace early the
    rest go to 2024, in date order; with pace even the rest are spread over both years by how much
    of each year's working days the pool has filled."""
    for pace in ("early", "even"):
        instance = _centres_with_quota(Quota(2025, tier="grassroots", min_share=0.6), pace)
        reserved = quota_years(instance, quota_targets(instance))
        assert sorted(reserved.values()) == [2025, 2025]
        plan = to_plan(instance, greedy(instance), 0.0, False)
        check_plan(instance.scenario, plan)
        in_2025 = sorted(v.institution for v in plan.visits if v.start.year == 2025)
        if pace == "early":
            assert in_2025 == sorted(instance.tasks[t].inst.id for t in reserved)
        else:
            assert set(in_2025) >= {instance.tasks[t].inst.id for t in reserved}
            assert 2024 in {v.start.year for v in plan.visits}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=scenarios())
def test_greedy_plans_break_no_rule(sc):
    """On the random scenarios of the solver's property tests, the greedy plan breaks no rule and
    lists whatever it leaves out with reasons. Quotas are taken out: the greedy only reserves years
    for them and may miss one, which the model then enforces."""
    sc = replace(sc, quotas=())
    _, plan = greedy_plan(sc)
    check_plan(sc, plan)


def test_two_leaders_who_cover_each_other_share_the_visits():
    """Only L1 and L2 may lead and each holds the skills the other lacks, so a team of the two is
    always the smallest; M1–M3 cover the same skills. Ten one-day centres: the two must not both go
    on every visit (10 days each) but take turns (the pool's best is 5 each)."""
    experts = [
        expert("L1", "专家L1", "党建", "行风", "财务", leader=True),
        expert("L2", "专家L2", "医疗管理", "财务", "安全生产", leader=True),
        expert("M1", "专家M1", "安全生产"),
        expert("M2", "专家M2", "医疗管理"),
        expert("M3", "专家M3", "党建", "行风"),
    ]
    insts = [inst(f"G{k}", f"第{k}社区卫生服务中心", "grassroots") for k in range(1, 11)]
    sc = scenario(insts, experts)
    _, plan = greedy_plan(sc)
    check_plan(sc, plan)
    assert len(plan.visits) == 10
    assert max(loads(plan)[e] for e in ("L1", "L2")) <= 6


def test_greedy_straddles_new_year_where_whole_visits_exceed_a_cap():
    """Three 4-day centres that only L1 may lead, L1 capped at 6 days a year, December 2024 to
    January 2025: G1 lies in 2024 and G2 from 01-13, so G3, which fits wholly in neither year
    within the cap, straddles New Year with 2 days in each (12-30..01-03)."""
    experts = [allround("L1", leader=True, max_days=6)] + [allround(f"M{k}") for k in range(1, 7)]
    insts = [
        inst("G1", "第1社区卫生服务中心", "grassroots", min_days=4, year=2024),
        inst("G2", "第2社区卫生服务中心", "grassroots", min_days=4, earliest=D("2025-01-13")),
        inst("G3", "第3社区卫生服务中心", "grassroots", min_days=4),
    ]
    sc = scenario(insts, experts, start=D("2024-12-02"), deadline=D("2025-01-31"))
    _, plan = greedy_plan(sc)
    check_plan(sc, plan)
    assert len(plan.visits) == 3
    (over,) = [v for v in plan.visits if v.start.year != v.end.year]
    assert (over.start, over.end) == (D("2024-12-30"), D("2025-01-03"))


def test_instance_splits_a_visits_days_between_years():
    """Starts whose 4-day visit straddles New Year form a range of their own (year -1) between the
    two years' ranges, and ``split`` gives each year's working days."""
    sc = scenario(
        [inst("G1", "花溪社区卫生服务中心", "grassroots", min_days=4)],
        [allround("L1", leader=True)],
        start=D("2024-12-02"),
        deadline=D("2025-01-31"),
    )
    instance = build_instance(sc)
    (task,) = instance.tasks
    assert task.start_years == (2024, -1, 2025)
    lo, hi = task.starts[1]
    assert [instance.workdays[w] for w in (lo, hi)] == [D("2024-12-27"), D("2024-12-31")]
    assert instance.split(instance.index_of(D("2024-12-30")), 4) == ((2024, 2), (2025, 2))
    assert instance.split(instance.index_of(D("2024-12-02")), 4) == ((2024, 4),)


def every_start(instance: Instance) -> dict[int, Assignment]:
    """The greedy as first written, the oracle of its fast scan: each start of a task tried in turn
    and a team picked afresh at each, by the per-start pickers the replanning also uses. A task
    reserved for a quota's year is tried there first, then in any year (as the greedy does); with
    ``pace`` even, the years in the order the greedy takes them (its pool's least filled first)."""
    state = _new_state(instance)
    room = CapCounter(caps_for(instance, instance.tasks))
    reserved = room.allowing(quota_years(instance, quota_targets(instance)))
    pool_of = pools(instance.experts, map(_usable, instance.tasks), len(state.concurrent), instance.blocked)
    year_days = Counter(day.year for day in instance.workdays)
    filled: dict[int, Counter[int]] = {}  # per pool (its first expert), visit days per year
    plan: dict[int, Assignment] = {}
    for task in _order(instance, reserved):
        floor = earliest_start(instance, task.index, {t: a.start for t, a in plan.items()})
        if floor is None:
            continue
        want = reserved.get(task.index)
        usable = _usable(task)
        pool = pool_of[usable[0]].experts[0] if usable else None
        ranges = task.preferred_ranges()
        if pacing.even(instance) and pool is not None:
            mine = filled.get(pool, Counter())
            ranges.sort(key=lambda r: (r[1] == -1, mine[r[1]] / max(1, year_days[r[1]]), r[0]))
        for wanted in (want, None) if want is not None else (None,):
            placed = None
            for (lo, hi), year in ranges:
                if (wanted is not None and year != wanted) or not room.fits(task.index, year):
                    continue
                found = (_team_at(state, task, w, plan) for w in range(max(lo, floor), hi + 1))
                placed = next((a for a in found if a is not None), None)
                if placed is not None:
                    _place(state, task, placed.start, placed)
                    plan[task.index] = placed
                    room.take(task.index, year)
                    if pool is not None:
                        for y, n in instance.split(placed.start, task.days):
                            filled.setdefault(pool, Counter())[y] += n
                    break
            if placed is not None:
                break
    return plan


def _team_at(state: GreedyState, task: Task, w: int, plan: dict[int, Assignment]) -> Assignment | None:
    cap = state.instance.scenario.params.max_concurrent_visits
    if cap is not None and max(state.concurrent[w : w + task.days]) >= cap:
        return None
    if task.team_staffed:
        standing = _pick_standing_team(state, task, w)
        return None if standing is None else Assignment(w, standing[2], standing[1], standing[0])
    if task.kind == "followup":
        picked = followups.pick_team(state, task, w, plan)
    else:
        picked = _pick_pool_team(state, task, w)
    return None if picked is None else Assignment(w, picked[1], picked[0])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=scenarios())
def test_fast_scan_places_as_trying_every_start(sc):
    """The greedy skips starts where the same experts are free as at one that gave no team, and
    starts where no leader, too few experts or too few holders of a skill are free. On the random
    scenarios of the solver's property tests (standing teams, pins, parts, follow-ups, caps, the
    office's capacity), its plan is the one of trying every start in turn, assignment for assignment."""
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    assert greedy(instance) == every_start(instance)


def test_fast_scan_finds_the_first_start_with_a_leader_and_every_skill():
    """One-day centres, a leader away 11-04..06 and the only 财务 holder away 11-07: nothing fits
    before 11-08 (index 4), where the first centre goes; the second follows on 11-11 (index 5), the
    leader being on the first on 11-08."""
    experts = [
        expert("L1", "专家L1", "党建", "行风", "医疗管理", "安全生产", leader=True),
        expert("F1", "专家F1", "财务"),
        expert("M1", "专家M1", "党建", "行风", "医疗管理", "安全生产"),
    ]
    away = [
        Unavailability("L1", D("2024-11-04"), D("2024-11-06")),
        Unavailability("F1", D("2024-11-07"), D("2024-11-07")),
    ]
    insts = [inst(f"G{k}", f"第{k}社区卫生服务中心", "grassroots") for k in (1, 2)]
    sc = scenario(insts, experts, unavailability=away)
    instance, plan = greedy_plan(sc)
    check_plan(sc, plan)
    assert sorted(a.start for a in greedy(instance).values()) == [4, 5]
    assert greedy(instance) == every_start(instance)


def test_a_leader_past_the_three_least_loaded_leads_when_they_cannot():
    """Grassroots teams here have at most three members covering five skills. L1–L3 lead but hold
    only 党建, so a team around any of them needs 行风 and 医疗管理 (L4, or M and D) and 财务 F and 安全生产
    S: four at least. L4 holds 党建, 行风 and 医疗管理: L4, F and S make a team. After G1 (L4's first
    visit, 11-04), L4 is the most loaded leader, yet only L4 can lead G2: the greedy looks past the
    three least loaded and places G2 with L4 the next day, where it used to leave G2 to the model."""
    experts = [
        *(expert(f"L{k}", f"组长{k}", "党建", leader=True) for k in (1, 2, 3)),
        expert("L4", "组长4", "党建", "行风", "医疗管理", leader=True),
        expert("M", "专家M", "行风"),
        expert("D", "专家D", "医疗管理"),
        expert("F", "专家F", "财务"),
        expert("S", "专家S", "安全生产"),
    ]
    three = TierRule("grassroots", min_days=1, team_min=2, team_max=3, required_skills=DEFAULT_SKILLS)
    sc = scenario(
        [inst(f"G{k}", f"卫生院{k}", "grassroots") for k in (1, 2)], experts, tier_rules={"grassroots": three}
    )
    _, plan = greedy_plan(sc)
    check_plan(sc, plan)
    assert plan.unscheduled == ()
    assert {v.leader for v in plan.visits} == {"L4"}


def test_a_visit_reserved_for_a_quota_year_it_cannot_meet_is_placed_in_another():
    """The quota asks for one centre in 2025 (round 2024-11-04 to 2025-01-31); G1 is reserved for
    2025, but its only leader L1 is away all of January 2025. The greedy places it in 2024
    (11-04) rather than not at all: visiting it comes first, and the model sees the quota."""
    sc = scenario(
        [inst("G1", "花溪社区卫生服务中心", "grassroots")],
        four_allround(),
        deadline=D("2025-01-31"),
        quotas=[Quota(2025, tier="grassroots", min_count=1)],
        unavailability=[Unavailability("E1", D("2025-01-01"), D("2025-01-31"))],
    )
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    assert quota_years(instance, quota_targets(instance)) == {0: 2025}
    plan = greedy(instance)
    assert instance.workdays[plan[0].start] == D("2024-11-04")
