"""Property-based tests of the solver: on random small scenarios every plan it returns passes the
independent validator, and every non-exempt institution is visited or listed as left out with
reasons in Chinese (``check_plan``); the solver never plans fewer visits than its own greedy start.

Scenarios: 2–6 institutions of random tiers in two districts, 6–12 experts with random skills (each
required skill held by someone, someone able to lead), and random pairings, home-district rule,
conflicts, unavailability, windows, rest days, office capacity, yearly caps, standing teams (also
under district rules), yearly quotas (often unmeetable: then no plan may be called feasible) and
caps, R4's division of work (part counts, one part each), R16 pins, both paces, R14's lead time and
R15's follow-ups (marked, by share, continuity or not).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from constraints.registry import validate
from inputs.scenario import (
    DEFAULT_SKILLS,
    DEFAULT_TIER_RULES,
    TIERS,
    Conflict,
    Expert,
    Institution,
    Pairing,
    Quota,
    Scenario,
    Team,
    TierRule,
    Unavailability,
)
from scheduler.greedy import greedy
from scheduler.instance import build_instance
from scheduler.solve import to_plan
from tests.scheduler.conftest import scenario, solve_checked

DISTRICTS = ("巴南区", "长寿区")
START = date(2024, 11, 4)
DEADLINES = (date(2024, 12, 31), date(2025, 1, 31), date(2025, 3, 31))
FEW = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _day(draw, deadline: date) -> date:
    return START + timedelta(days=draw(st.integers(0, (deadline - START).days)))


@st.composite
def institutions(draw, deadline: date) -> list[Institution]:
    out = []
    for k in range(draw(st.integers(2, 6))):
        window: dict = {}
        if draw(st.booleans()):
            first, second = sorted((_day(draw, deadline), _day(draw, deadline)))
            window = draw(
                st.sampled_from(
                    [{"earliest": first}, {"latest": second}, {"earliest": first, "latest": second}]
                )
            )
        elif deadline.year == 2025 and draw(st.integers(0, 4)) == 0:
            window = {"year": draw(st.sampled_from([2024, 2025]))}
        out.append(
            Institution(
                id=f"I{k}",
                name=f"第{k}医疗机构",
                district=draw(st.sampled_from(DISTRICTS)),
                tier=draw(st.sampled_from(TIERS)),
                ownership=draw(st.sampled_from(["public", "public", "private"])),
                min_days=draw(st.sampled_from([None, None, None, 2, 6])),
                exempt=draw(st.integers(0, 7)) == 0,
                followup=draw(st.sampled_from([None, None, True, False])),  # R15
                **window,
            )
        )
    return out


@st.composite
def experts(draw, insts: list[Institution]) -> list[Expert]:
    n = draw(st.integers(6, 12))
    skills = [set(draw(st.sets(st.sampled_from(DEFAULT_SKILLS), min_size=1, max_size=3))) for _ in range(n)]
    for skill in DEFAULT_SKILLS:  # every required skill held by someone
        if not any(skill in s for s in skills):
            skills[draw(st.integers(0, n - 1))].add(skill)
    leaders = [draw(st.integers(0, 2)) == 0 for _ in range(n)]
    leaders[draw(st.integers(0, n - 1))] = True  # someone can lead
    inst_ids = [i.id for i in insts]
    return [
        Expert(
            id=f"E{k}",
            name=f"专家{k}",
            district=draw(st.sampled_from(DISTRICTS)),
            skills=tuple(s for s in DEFAULT_SKILLS if s in skills[k]),
            leader=leaders[k],
            employer=draw(st.sampled_from([None, None, None, *inst_ids])),
            max_days=draw(st.sampled_from([None, None, None, 8, 15])),
        )
        for k in range(n)
    ]


@st.composite
def divisions(draw) -> dict[str, TierRule]:
    """R4 分工 on up to two tiers: part counts `技能*2` and one part each (the team's maximum raised
    to the counts' sum where one part each needs it, as the reader refuses less)."""
    rules = {}
    for tier in sorted(draw(st.sets(st.sampled_from(TIERS), max_size=3))):
        base = DEFAULT_TIER_RULES[tier]
        counts = draw(
            st.sampled_from([(), (("医疗管理", 2),), (("医疗管理", 2),), (("党建", 2), ("财务", 2))])
        )
        skills = draw(
            st.sampled_from([base.required_skills, ("党建", "医疗管理"), ("党建", "医疗管理", "财务")])
        )
        one_each = draw(st.booleans())
        need = len(skills) + sum(n - 1 for _, n in counts)
        team_max = max(base.team_max, need) if one_each else base.team_max
        rules[tier] = replace(
            base, required_skills=skills, part_counts=counts, one_part_each=one_each, team_max=team_max
        )
    return rules


@st.composite
def pins(draw, inst: Institution, pool: list[Expert], deadline: date) -> dict:
    """R16 on about one institution in four: a start date, a leader and members drawn at random (a pin
    that cannot hold leaves the institution out, with its reasons)."""
    if draw(st.integers(0, 3)):
        return {}
    pin: dict = {}
    if draw(st.booleans()):
        pin["fixed_start"] = _day(draw, deadline)
    if draw(st.booleans()):
        pin["fixed_leader"] = draw(st.sampled_from([e.id for e in pool if e.leader]))
    if draw(st.booleans()):
        pin["fixed_members"] = tuple(
            draw(st.lists(st.sampled_from([e.id for e in pool]), max_size=2, unique=True))
        )
    return pin


@st.composite
def scenarios(draw) -> Scenario:
    deadline = draw(st.sampled_from(DEADLINES))
    insts = draw(institutions(deadline))
    pool = draw(experts(insts))
    expert_ids = [e.id for e in pool]
    inst_ids = [i.id for i in insts]
    conflicts = [
        Conflict(e, i)
        for e, i in draw(
            st.lists(
                st.tuples(st.sampled_from(expert_ids), st.sampled_from(inst_ids)), max_size=4, unique=True
            )
        )
    ]
    unavailability = []
    for eid in draw(st.lists(st.sampled_from(expert_ids), max_size=4, unique=True)):
        first = _day(draw, deadline)
        unavailability.append(Unavailability(eid, first, first + timedelta(days=draw(st.integers(0, 20)))))
    teams = []
    if draw(st.integers(0, 3)) == 0:
        leader = next(e.id for e in pool if e.leader)
        others = [e for e in expert_ids if e != leader]
        members = draw(st.lists(st.sampled_from(others), min_size=3, max_size=5, unique=True))
        scope = tuple(draw(st.sets(st.sampled_from(TIERS), min_size=1, max_size=2)))
        teams.append(Team("第一组", leader, (leader, *members), scope))
    pairings = []
    if draw(st.booleans()):
        tiers = tuple(draw(st.sets(st.sampled_from(TIERS), max_size=3)))
        pairings.append(Pairing("长寿区", "巴南区", tiers))
    home_district_only = draw(st.booleans())
    quotas = [
        Quota(
            year=draw(st.sampled_from([2024, 2025])),
            tier=draw(st.sampled_from([None, "grassroots", "secondary"])),
            min_share=draw(st.sampled_from([0.0, 0.3])),
            min_count=draw(st.integers(0, 2)),
        )
        for _ in range(draw(st.integers(0, 1)))
    ]
    if draw(st.booleans()):  # R9 at-most: a cap never below the row's minimum (the reader refuses that)
        quotas = [replace(q, max_count=q.min_count + draw(st.integers(0, 2))) for q in quotas] or [
            Quota(2024, max_share=draw(st.sampled_from([0.0, 0.5])))
        ]
    insts = [replace(i, **draw(pins(i, pool, deadline))) for i in insts]  # R16
    return scenario(
        insts,
        pool,
        start=START,
        deadline=deadline,
        conflicts=conflicts,
        unavailability=unavailability,
        pairings=pairings,
        teams=teams,
        home_district_only=home_district_only,
        quotas=quotas,
        rest_days=draw(st.integers(0, 2)),
        max_concurrent_visits=draw(st.sampled_from([None, None, 1, 2])),
        max_days_per_year=draw(st.sampled_from([None, None, 10, 20])),
        tier_rules=draw(divisions()),
        pace=draw(st.sampled_from(["even", "early"])),  # objective 3
        # R14 lead time and R15 follow-ups, their periods short enough to fit the short rounds
        notice_days=draw(st.sampled_from([0, 0, 7, 20])),
        followup_share=draw(st.sampled_from([0.0, 0.0, 0.5, 1.0])),
        feedback_days=draw(st.sampled_from([0, 10, 30])),
        rectify_days=draw(st.sampled_from([0, 15, 30])),
        followup_days=draw(st.sampled_from([1, 1, 2])),
        followup_team_max=draw(st.sampled_from([2, 3])),
        followup_continuity=draw(st.booleans()),
    )


@FEW
@given(sc=scenarios())
def test_every_returned_plan_is_valid_and_accounts_for_every_institution(sc):
    """Whatever the scenario, the plan passes every check of the validator, and every non-exempt
    institution is visited once or left out with reasons in Chinese; exempt ones are listed."""
    solve_checked(sc)  # asserts check_plan on the result


@FEW
@given(sc=scenarios())
def test_solver_plans_at_least_as_many_visits_as_its_greedy_start(sc):
    """Objective 1 (schedule as many as possible) is never worse than the greedy plan the solver
    starts from, when that plan is itself valid."""
    instance = build_instance(sc, announce=sc.params.start, followups=True, seed=0)  # as solve builds it
    start = to_plan(instance, greedy(instance), 0.0, False)
    if validate(sc, start):
        return  # the greedy start breaks a rule (it may miss a quota): nothing to compare with
    result = solve_checked(sc)
    assert len(result.plan.visits) >= len(start.visits)
