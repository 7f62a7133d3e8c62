"""The pools and the lower bound of ``benchmarks.bounds`` on tiny hand-made scenarios."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace
from datetime import date

import pytest

from benchmarks.bounds import (
    ATTAINABLE,
    ATTAINED,
    LEADERS,
    LP,
    OPEN,
    PERSON_DAYS,
    SEARCH_GAP,
    WEAK_BOUND,
    WEAK_TEAMS,
    WEAK_WHOLE,
    Bound,
    Stronger,
    Whole,
    attainable,
    diagnosis,
    eligible,
    followed,
    length_capacity,
    loads,
    lower_bound,
    pools,
    skill_term,
    smallest_team,
    stronger_bound,
    team_bound,
    whole_bound,
    year_capacity,
)
from inputs.scenario import (
    DEFAULT_TIER_RULES,
    Conflict,
    Expert,
    Institution,
    Pairing,
    Params,
    Scenario,
    Team,
    TierRule,
)
from scheduler.plan import Plan, Visit

TWO_SKILLS = ("党建", "财务")


def scenario(
    institutions: list[Institution],
    experts: list[Expert],
    *,
    home_district_only: bool = True,
    grassroots: TierRule | None = None,
    **extra: object,
) -> Scenario:
    rules = dict(DEFAULT_TIER_RULES)
    if grassroots is not None:
        rules["grassroots"] = grassroots
    return Scenario(
        params=Params("测试", date(2025, 1, 1), date(2025, 12, 31), home_district_only=home_district_only),
        institutions=tuple(institutions),
        experts=tuple(experts),
        tier_rules=rules,
        **extra,  # type: ignore[arg-type]
    )


def grassroots(iid: str, district: str = "A") -> Institution:
    return Institution(iid, f"{iid}卫生院", district, "grassroots")


def expert(
    eid: str, skills: tuple[str, ...], *, leader: bool = False, district: str = "A", **kw: object
) -> Expert:
    return Expert(eid, f"专家{eid}", district, skills, leader=leader, **kw)  # type: ignore[arg-type]


def only_bound(s: Scenario):
    (pool,) = pools(s)
    return lower_bound(s, pool)


def one_leader_three_visits() -> Scenario:
    """Three one-day visits (党建 and 财务, teams of 2–4); E1 alone may lead."""
    return scenario(
        [grassroots("G1"), grassroots("G2"), grassroots("G3")],
        [
            expert("E1", TWO_SKILLS, leader=True),
            expert("E2", TWO_SKILLS),
            expert("E3", ("党建",)),
            expert("E4", ("财务",)),
        ],
        grassroots=TierRule("grassroots", 1, 2, 4, TWO_SKILLS),
    )


# -- the three terms -------------------------------------------------------------------------------------
def test_leader_term_decides() -> None:
    """One leader among four experts carries every visit day, so the leader term is the bound."""
    # Grassroots: 1 day, team 2–4, skills 党建+财务. E1 alone covers both and leads → smallest team
    # max(2, 1) = 2. Three visits: person-days 3×2×1/4 = 1.5; leaders 3/1 = 3; 党建 3/3 = 1; 财务 3/3 = 1.
    s = one_leader_three_visits()
    bound = only_bound(s)
    assert bound.decided_by == LEADERS
    assert (bound.value, bound.ceil) == (3.0, 3)
    assert bound.terms == {PERSON_DAYS: 1.5, LEADERS: 3.0, skill_term("党建"): 1.0, skill_term("财务"): 1.0}


def test_skill_term_decides() -> None:
    """The only 财务 holder is on every visit, so that skill's term is the bound."""
    # Three 党建 leaders and one 财务 non-leader: smallest team = E4 + a leader = 2. Two visits:
    # person-days 2×2/4 = 1; leaders 2/3; 党建 2/3; 财务 2/1 = 2.
    s = scenario(
        [grassroots("G1"), grassroots("G2")],
        [
            expert("E1", ("党建",), leader=True),
            expert("E2", ("党建",), leader=True),
            expert("E3", ("党建",), leader=True),
            expert("E4", ("财务",)),
        ],
        grassroots=TierRule("grassroots", 1, 2, 4, TWO_SKILLS),
    )
    bound = only_bound(s)
    assert bound.decided_by == skill_term("财务")
    assert (bound.value, bound.ceil) == (2.0, 2)
    assert bound.terms[PERSON_DAYS] == 1.0


def test_person_days_decide_and_round_up() -> None:
    """A large minimum team makes person-days the bound; a fractional bound rounds up to whole days."""
    # Team minimum 3 of four all-round leaders. Three 1-day visits: person-days 3×3/4 = 2.25 → 3 days;
    # leaders 3/4; each skill 3/4.
    s = scenario(
        [grassroots("G1"), grassroots("G2"), grassroots("G3")],
        [expert(f"E{n}", TWO_SKILLS, leader=True) for n in range(1, 5)],
        grassroots=TierRule("grassroots", 1, 3, 4, TWO_SKILLS),
    )
    bound = only_bound(s)
    assert bound.decided_by == PERSON_DAYS
    assert (bound.value, bound.ceil) == (2.25, 3)


def test_visit_days_use_the_longer_minimum() -> None:
    """A planner's longer minimum (R1) counts in every term."""
    # One secondary visit with min_days 8 (tier: 5), team 4–7, five skills. Four leaders each holding
    # all five: smallest team 4 → person-days 4×8/4 = 8; leaders 8/4 = 2; skills 8/4 = 2.
    everything = ("党建", "行风", "医疗管理", "财务", "安全生产")
    s = scenario(
        [Institution("H1", "医院", "A", "secondary", min_days=8)],
        [expert(f"E{n}", everything, leader=True) for n in range(1, 5)],
    )
    bound = only_bound(s)
    assert (bound.value, bound.decided_by) == (8.0, PERSON_DAYS)


def test_unservable_institution_is_left_out() -> None:
    """An institution no eligible team can visit is reported and counts in no term."""
    # G1: E1 (the leader) works there, so only E2 is eligible: no team. G2: E1+E2 → team 2.
    # Person-days 2/2 = 1; leaders 1/1 = 1; 党建 1/2; 财务 1/1 = 1.
    s = scenario(
        [grassroots("G1"), grassroots("G2")],
        [expert("E1", TWO_SKILLS, leader=True, employer="G1"), expert("E2", ("党建",))],
        grassroots=TierRule("grassroots", 1, 2, 4, TWO_SKILLS),
    )
    bound = only_bound(s)
    assert bound.unservable == ("G1",)
    assert (bound.value, bound.ceil) == (1.0, 1)


def test_standing_teams_make_the_bound_not_applicable() -> None:
    """With standing teams the pools are the teams and no bound is computed."""
    s = scenario(
        [grassroots("G1")],
        [expert("E1", TWO_SKILLS, leader=True), expert("E2", TWO_SKILLS)],
        teams=(Team("第一组", "E1", ("E1", "E2")),),
    )
    (pool,) = pools(s)
    assert (pool.name, pool.experts, pool.institutions) == ("第一组", ("E1", "E2"), ("G1",))
    bound = lower_bound(s, pool)
    assert (bound.value, bound.ceil, bound.decided_by) == (None, None, "n/a")


# -- smallest valid team ------------------------------------------------------------------------------------
FIVE = ("党建", "行风", "医疗管理", "财务", "安全生产")


def singles(leader_skill: str | None) -> list[Expert]:
    return [expert(f"S{n}", (s,), leader=s == leader_skill) for n, s in enumerate(FIVE)]


def test_smallest_team_needs_more_than_the_minimum_when_skills_are_spread() -> None:
    """Five single-skill experts, one of them a leader: all five are needed, above team_min 4."""
    assert smallest_team(FIVE, singles("财务"), 4, 7) == 5


def test_smallest_team_adds_a_leader_without_skills() -> None:
    """When no skill holder may lead, a sixth member is needed to lead; team_max 5 makes it impossible."""
    pool = [*singles(None), expert("L", (), leader=True)]
    assert smallest_team(FIVE, pool, 4, 7) == 6
    assert smallest_team(FIVE, pool, 4, 5) is None


def test_smallest_team_combines_complementary_experts() -> None:
    """A three-skill leader and a two-skill expert who complete each other make a team of two."""
    pool = [expert("A", FIVE[:3], leader=True), expert("B", FIVE[3:]), *singles(None)]
    assert smallest_team(FIVE, pool, 2, 4) == 2


def test_smallest_team_impossible_without_leader_or_people() -> None:
    """No leader-eligible expert, or fewer experts than the team minimum: no valid team."""
    assert smallest_team(FIVE, singles(None), 2, 9) is None
    assert smallest_team(TWO_SKILLS, [expert("A", TWO_SKILLS, leader=True)], 2, 4) is None


# -- eligibility and pools -------------------------------------------------------------------------------
def test_conflicts_remove_eligibility() -> None:
    """R6: employer given as the institution's id or name, or a conflicts row, keeps the expert away."""
    inst = grassroots("G1")
    by_id = expert("E1", TWO_SKILLS, employer="G1")
    by_name = expert("E2", TWO_SKILLS, employer="G1卫生院")
    by_row = expert("E3", TWO_SKILLS, employer="别处医院")
    free = expert("E4", TWO_SKILLS)
    s = scenario([inst], [by_id, by_name, by_row, free], conflicts=(Conflict("E3", "G1"),))
    assert [eligible(s, e, inst) for e in s.experts] == [False, False, False, True]


def test_home_district_only_splits_pools() -> None:
    """With home_district_only each district's experts form their own pool; without, one pool."""
    insts = [grassroots("A-G1", "A"), grassroots("B-G1", "B")]
    experts = [
        expert("A1", TWO_SKILLS, leader=True, district="A"),
        expert("A2", TWO_SKILLS, district="A"),
        expert("B1", TWO_SKILLS, leader=True, district="B"),
        expert("B2", TWO_SKILLS, district="B"),
    ]
    split = pools(scenario(insts, experts, home_district_only=True))
    assert [(p.name, p.experts, p.institutions) for p in split] == [
        ("A", ("A1", "A2"), ("A-G1",)),
        ("B", ("B1", "B2"), ("B-G1",)),
    ]
    (joined,) = pools(scenario(insts, experts, home_district_only=False))
    assert (joined.name, joined.size, len(joined.institutions)) == ("A、B", 4, 2)


def test_pairings_join_pools_of_inspecting_districts() -> None:
    """Two districts inspecting the same hospital share it, so their experts form one pool."""
    insts = [
        Institution("C-H1", "C区人民医院", "C", "secondary"),
        grassroots("A-G1", "A"),
        grassroots("B-G1", "B"),
    ]
    experts = [
        expert("A1", FIVE, leader=True, district="A"),
        expert("B1", FIVE, leader=True, district="B"),
    ]
    both = (Pairing("A", "C", ("secondary",)), Pairing("B", "C", ("secondary",)))
    (pool,) = pools(scenario(insts, experts, pairings=both))
    assert (pool.name, pool.experts, pool.institutions) == ("A、B→C", ("A1", "B1"), ("C-H1", "A-G1", "B-G1"))
    one = pools(scenario(insts, experts, pairings=both[:1]))
    assert [p.name for p in one] == ["A→C", "B"]


def test_pairing_only_for_its_tiers() -> None:
    """A pairing for hospital tiers leaves grassroots institutions of that district to home experts."""
    insts = [Institution("C-H1", "C区人民医院", "C", "secondary"), grassroots("C-G1", "C")]
    experts = [expert("A1", FIVE, leader=True, district="A"), expert("C1", FIVE, leader=True, district="C")]
    s = scenario(insts, experts, pairings=(Pairing("A", "C", ("secondary",)),))
    assert [(p.name, p.experts, p.institutions) for p in pools(s)] == [
        ("A→C", ("A1",), ("C-H1",)),
        ("C", ("C1",), ("C-G1",)),
    ]


def test_exempt_institutions_take_no_part() -> None:
    """R12: an exempt institution belongs to no pool and adds nothing to the bound."""
    s = scenario(
        [grassroots("G1"), Institution("G2", "G2卫生院", "A", "grassroots", exempt=True)],
        [expert("E1", TWO_SKILLS, leader=True), expert("E2", TWO_SKILLS)],
    )
    (pool,) = pools(s)
    assert pool.institutions == ("G1",)


# -- loads ---------------------------------------------------------------------------------------------------
def test_loads_count_visit_days_per_member() -> None:
    """Every member, leader included, carries the visit's days; unused experts show 0."""
    s = scenario(
        [grassroots("G1"), grassroots("G2")],
        [expert("E1", TWO_SKILLS, leader=True), expert("E2", TWO_SKILLS), expert("E3", TWO_SKILLS)],
    )
    plan = Plan(
        "测试",
        "feasible",
        (
            Visit("G1", date(2025, 3, 3), date(2025, 3, 3), 1, "E1", ("E1", "E2")),
            Visit("G2", date(2025, 3, 4), date(2025, 3, 6), 3, "E1", ("E1", "E2")),
        ),
    )
    assert loads(s, plan) == {"E1": 4, "E2": 4, "E3": 0}


def test_loads_count_on_the_calendar_when_days_are_missing() -> None:
    """A visit read without ``days`` counts its working days on the calendar (Mon 3 – Fri 7 March: 5)."""
    s = scenario([grassroots("G1")], [expert("E1", TWO_SKILLS, leader=True), expert("E2", TWO_SKILLS)])
    plan = Plan(
        "测试", "feasible", (Visit("G1", date(2025, 3, 3), date(2025, 3, 7), -1, "E1", ("E1", "E2")),)
    )
    assert loads(s, plan) == {"E1": 5, "E2": 5}


# -- part counts in the smallest team ------------------------------------------------------------------------
def test_smallest_team_counts_parts_that_need_two() -> None:
    """`财务*2` needs two holders: an all-round leader alone is not enough."""
    pool = [expert("A", TWO_SKILLS, leader=True), expert("B", ("财务",)), expert("C", ("党建",))]
    assert smallest_team(TWO_SKILLS, pool, 1, 4) == 1
    assert smallest_team(TWO_SKILLS, pool, 1, 4, counts={"财务": 2}) == 2
    assert smallest_team(TWO_SKILLS, pool[:1], 1, 4, counts={"财务": 2}) is None


def test_smallest_team_one_part_each_needs_a_member_per_slot() -> None:
    """With one part each a member fills one slot: 党建 + 财务*2 takes three members, and a member
    holding no required skill cannot join."""
    pool = [expert("A", TWO_SKILLS, leader=True), expert("B", TWO_SKILLS), expert("C", ("财务",))]
    assert smallest_team(TWO_SKILLS, pool, 1, 4, counts={"财务": 2}) == 2
    assert smallest_team(TWO_SKILLS, pool, 1, 4, counts={"财务": 2}, one_each=True) == 3
    outsider = [*pool[:2], expert("D", ("行风",))]
    assert smallest_team(TWO_SKILLS, outsider, 1, 4, counts={"财务": 2}, one_each=True) is None


# -- the stronger bound ---------------------------------------------------------------------------------
def test_attainable_loads_are_sums_of_visit_lengths() -> None:
    """7- and 5-day visits cannot make 8 or 9: the next load is 10; one-day visits make anything."""
    assert attainable([7, 7, 5, 5], 8) == 10
    assert attainable([7, 7, 5, 5], 12) == 12
    assert attainable([1, 1, 1], 2) == 2
    assert attainable([7], 9) == 9  # nothing reaches it: the bound stays
    assert attainable([], 0) == 0


def test_year_capacity_sums_the_cap_over_the_cycles_years() -> None:
    """A cap of 10 over a one-year cycle is 10; no cap, no capacity; a cycle of two calendar years
    counts each year, limited to its working days inside the cycle (31 Dec 2024 is one)."""
    s = scenario([grassroots("G1")], [expert("E1", TWO_SKILLS, leader=True, max_days=10)])
    assert year_capacity(s, s.experts[0]) == 10
    assert year_capacity(s, expert("E2", TWO_SKILLS)) is None
    two = Scenario(
        params=Params("测试", date(2024, 12, 31), date(2025, 12, 31)),
        institutions=s.institutions,
        experts=s.experts,
    )
    assert year_capacity(two, two.experts[0]) == 11


ONE = ("党建",)


def single(tier: str, days: int) -> TierRule:
    return TierRule(tier, days, 1, 1, ONE)


def test_integrality_makes_the_stronger_bound() -> None:
    """Two 7-day and one 5-day visit by two interchangeable experts, one at a time: person-days
    19/2 → 10, but no expert's load can be 10 or 11: the stronger bound is 12, which a plan reaches."""
    rules = {
        **DEFAULT_TIER_RULES,
        "tertiary_general": single("tertiary_general", 7),
        "secondary": single("secondary", 5),
    }
    s = Scenario(
        params=Params("测试", date(2025, 1, 1), date(2025, 12, 31)),
        institutions=(
            Institution("H1", "一院", "A", "tertiary_general"),
            Institution("H2", "二院", "A", "tertiary_general"),
            Institution("H3", "三院", "A", "secondary"),
        ),
        experts=(expert("E1", ONE, leader=True), expert("E2", ONE, leader=True)),
        tier_rules=rules,
    )
    (pool,) = pools(s)
    bound, stronger = lower_bound(s, pool), stronger_bound(s, pool)
    assert (bound.ceil, stronger.value, stronger.decided_by) == (10, 12, ATTAINABLE)
    assert best_worst_load(s) == 12


def test_caps_make_the_stronger_bound() -> None:
    """Six one-day visits, one expert each, three experts of whom one may work a single day: the
    averages say 2, the relaxation 2.5, so 3 — what the best plan gives."""
    s = scenario(
        [grassroots(f"G{n}") for n in range(6)],
        [
            expert("E1", ONE, leader=True, max_days=1),
            expert("E2", ONE, leader=True),
            expert("E3", ONE, leader=True),
        ],
        grassroots=single("grassroots", 1),
    )
    (pool,) = pools(s)
    bound, stronger = lower_bound(s, pool), stronger_bound(s, pool)
    assert (bound.ceil, stronger.lp, stronger.value, stronger.decided_by) == (2, 2.5, 3, LP)
    assert best_worst_load(s) == 3


def test_conflicts_make_the_stronger_bound() -> None:
    """Four one-day visits, two experts, one of them recused from three: the averages say 2, but the
    other must make three visits."""
    s = scenario(
        [grassroots(f"G{n}") for n in range(4)],
        [expert("E1", ONE, leader=True), expert("E2", ONE, leader=True)],
        grassroots=single("grassroots", 1),
        conflicts=tuple(Conflict("E1", f"G{n}") for n in range(3)),
    )
    (pool,) = pools(s)
    assert (lower_bound(s, pool).ceil, stronger_bound(s, pool).value) == (2, 3)
    assert best_worst_load(s) == 3


def test_an_infeasible_relaxation_is_reported_and_the_old_bound_kept() -> None:
    """Caps that leave too few days for the visits: the relaxation has no solution, said so."""
    s = scenario(
        [grassroots(f"G{n}") for n in range(3)],
        [expert("E1", ONE, leader=True, max_days=1)],
        grassroots=single("grassroots", 1),
    )
    (pool,) = pools(s)
    stronger = stronger_bound(s, pool)
    assert (stronger.lp, stronger.lp_infeasible, stronger.value) == (None, True, 3)


def test_diagnosis_labels() -> None:
    """At the bound: attained; above it but at the stronger one: weak bound; above both: search gap."""
    bound = Bound("A", 4.0, 4, PERSON_DAYS)
    stronger = Stronger("A", 5, 4.5, LP)
    assert diagnosis(4, bound, stronger) == ATTAINED
    assert diagnosis(5, bound, stronger) == WEAK_BOUND
    assert diagnosis(6, bound, stronger) == SEARCH_GAP


def test_diagnosis_labels_with_the_whole_share_bound() -> None:
    """Above the stronger bound, the whole-share bound decides: at it, the plan is optimal; below it
    with whole shares reaching less, a search gap; else open."""
    bound = Bound("A", 4.0, 4, PERSON_DAYS)
    stronger = Stronger("A", 5, 4.5, LP)
    assert diagnosis(7, bound, stronger, Whole("A", 7, False)) == WEAK_WHOLE
    assert diagnosis(7, bound, stronger, Whole("A", 6, True)) == SEARCH_GAP
    assert diagnosis(7, bound, stronger, Whole("A", 6, False)) == OPEN
    assert diagnosis(5, bound, stronger, Whole("A", 5, True)) == WEAK_BOUND


def test_length_capacity_counts_whole_visits_per_year() -> None:
    """A cap of 9 days a year over 2025 and 2026 with 5- and 7-day visits: 18 days by the caps alone,
    but whole visits give 7 a year (14); one visit straddling New Year, split 4 + 3 days between the
    two caps beside a 5-day visit in each year, gives 17. Counting only 7-day visits: 14 either way."""
    e = expert("E1", ONE, leader=True, max_days=9)
    s = Scenario(
        params=Params("测试", date(2025, 1, 1), date(2026, 12, 31)),
        institutions=(Institution("H1", "一院", "A", "secondary"),),
        experts=(e,),
    )
    lengths = [7, 7, 7, 5, 5, 5]
    assert year_capacity(s, e) == 18
    assert length_capacity(s, e, lengths, 5, straddle=False) == 14
    assert length_capacity(s, e, lengths, 5) == 17
    assert length_capacity(s, e, lengths, 7) == length_capacity(s, e, lengths, 7, straddle=False) == 14
    assert length_capacity(s, expert("E2", ONE), lengths, 5) == sum(lengths)


def test_caps_count_whole_visits_and_whole_shares_agree() -> None:
    """Five 5-day visits, one member each; E1 and E2 may work 7 days a year, E3 has no cap. By the
    caps alone E1 and E2 carry 7 days each (E3 11, so 15 by whole loads); a cap of 7 holds one 5-day
    visit, so E3 makes three: the stronger bound says 15, and the whole-share bound, which a plan
    of that load stops at, agrees and finds whole shares there."""
    s = Scenario(
        params=Params("测试", date(2025, 1, 1), date(2025, 12, 31)),
        institutions=tuple(Institution(f"H{n}", f"医院{n}", "A", "secondary") for n in range(5)),
        experts=(
            expert("E1", ONE, leader=True, max_days=7),
            expert("E2", ONE, leader=True, max_days=7),
            expert("E3", ONE, leader=True),
        ),
        tier_rules={**DEFAULT_TIER_RULES, "secondary": single("secondary", 5)},
    )
    (pool,) = pools(s)
    stronger = stronger_bound(s, pool)
    assert stronger.lp == pytest.approx(15.0)
    assert stronger.value == 15
    whole = whole_bound(s, pool, stronger, 20)
    assert whole == Whole(pool.name, 15, True)
    assert best_worst_load(s) == 15


# -- the bounds never exceed what a plan can do: brute force on tiny random rounds -------------------------
def _valid_team(s: Scenario, inst: Institution, team: tuple[Expert, ...]) -> bool:
    """R4 (size, a leader, parts with their counts, one part each) and R6/R7, checked by enumeration."""
    rule = s.rule(inst.tier)
    if not rule.team_min <= len(team) <= rule.team_max or not any(e.leader for e in team):
        return False
    if not all(eligible(s, e, inst) for e in team):
        return False
    need = {skill: rule.count(skill) for skill in rule.required_skills}
    if rule.one_part_each:
        choices = [[x for x in e.skills if x in need] for e in team]
        return any(
            all(list(parts).count(x) >= n for x, n in need.items()) for parts in itertools.product(*choices)
        )
    return all(sum(x in e.skills for e in team) >= n for x, n in need.items())


def _valid_followup_team(s: Scenario, inst: Institution, team: tuple[Expert, ...]) -> bool:
    """R15's team of a follow-up: its sizes, a leader, R6/R7 as for the institution; no skill."""
    p = s.params
    return (
        p.followup_team_min <= len(team) <= p.followup_team_max
        and any(e.leader for e in team)
        and all(eligible(s, e, inst) for e in team)
    )


def best_worst_load(s: Scenario, following: frozenset[str] = frozenset()) -> int:
    """The smallest heaviest load over every choice of valid teams, visits at their minimum days and
    each expert within their yearly caps over the cycle (dates aside: a relaxation of a plan); the
    institutions in ``following`` are visited again (R15)."""
    options = []
    for inst in s.institutions:
        teams = [
            team
            for size in range(1, len(s.experts) + 1)
            for team in itertools.combinations(s.experts, size)
            if _valid_team(s, inst, team)
        ]
        options.append([(s.min_days(inst), team) for team in teams])
        if inst.id in following:
            again = [
                team
                for size in range(1, len(s.experts) + 1)
                for team in itertools.combinations(s.experts, size)
                if _valid_followup_team(s, inst, team)
            ]
            options.append([(s.params.followup_days, team) for team in again])
    best = None
    for choice in itertools.product(*options):
        load = dict.fromkeys((e.id for e in s.experts), 0)
        for days, team in choice:
            for e in team:
                load[e.id] += days
        if any((cap := year_capacity(s, e)) is not None and load[e.id] > cap for e in s.experts):
            continue
        heaviest = max(load.values())
        best = heaviest if best is None else min(best, heaviest)
    assert best is not None, "the tiny round has no valid assignment"
    return best


def _tiny_round(rng: random.Random) -> Scenario:
    skills = ("党建", "财务")
    rules = {
        "grassroots": TierRule("grassroots", 1, 1, 2, skills),
        "secondary": TierRule("secondary", 5, 1, 2, skills, part_counts=(("财务", 2),)),
        "tertiary_general": TierRule("tertiary_general", 7, 2, 3, skills, one_part_each=True),
    }
    tiers = list(rules)
    institutions = tuple(
        Institution(f"I{n}", f"机构{n}", "A", rng.choice(tiers)) for n in range(rng.randint(2, 3))
    )
    experts = tuple(
        expert(
            f"E{n}",
            tuple(x for x in skills if rng.random() < 0.6) or (rng.choice(skills),),
            leader=n == 0 or rng.random() < 0.4,
            max_days=rng.choice((None, None, 1, 5, 7, 12)),
        )
        for n in range(rng.randint(2, 4))
    )
    conflicts = tuple(Conflict(e.id, i.id) for e in experts[1:] for i in institutions if rng.random() < 0.15)
    return Scenario(
        params=Params("测试", date(2025, 1, 1), date(2025, 12, 31)),
        institutions=institutions,
        experts=experts,
        tier_rules={**DEFAULT_TIER_RULES, **rules},
        conflicts=conflicts,
    )


@pytest.mark.parametrize("seed", range(40))
def test_bounds_never_exceed_the_best_plan_on_tiny_rounds(seed: int) -> None:
    """On tiny random rounds (caps, conflicts, part counts, one part each, 1-, 5- and 7-day visits),
    old bound ≤ stronger bound ≤ the smallest heaviest load any assignment reaches."""
    rng = random.Random(seed)
    while True:  # draws until every institution has a team and the caps leave an assignment
        s = _tiny_round(rng)
        rows = [(lower_bound(s, p), stronger_bound(s, p)) for p in pools(s)]
        if any(b.unservable for b, _ in rows):
            continue
        try:
            best = best_worst_load(s)
        except AssertionError:
            continue
        break
    for (bound, stronger), pool in zip(rows, pools(s), strict=True):
        assert bound.ceil is not None and stronger.value is not None
        assert bound.ceil <= stronger.value <= best
        whole = whole_bound(s, pool, stronger, best + 1)
        assert whole is not None and stronger.value <= whole.value <= best


@pytest.mark.parametrize("seed", range(25))
def test_bounds_with_follow_ups_never_exceed_the_best_plan_on_tiny_rounds(seed: int) -> None:
    """The same with some institutions visited again (R15: 1- or 2-day follow-ups by 2–3 experts with
    a leader): the bounds counting the follow-ups stay at most the best plan's heaviest load, and at
    least the bounds without them."""
    rng = random.Random(1000 + seed)
    while True:
        s = _tiny_round(rng)
        s = replace(s, params=replace(s.params, followup_days=rng.choice((1, 2))))
        following = frozenset(i.id for i in s.institutions if rng.random() < 0.6)
        rows = [(lower_bound(s, p, following), stronger_bound(s, p, following=following)) for p in pools(s)]
        if any(b.unservable for b, _ in rows):
            continue
        try:
            best = best_worst_load(s, following)
        except AssertionError:
            continue
        break
    for (bound, stronger), pool in zip(rows, pools(s), strict=True):
        assert bound.ceil is not None and stronger.value is not None
        assert lower_bound(s, pool).ceil <= bound.ceil <= stronger.value <= best
        assert stronger_bound(s, pool).value <= stronger.value
        whole = whole_bound(s, pool, stronger, best + 1, following=following)
        assert whole is not None and stronger.value <= whole.value <= best
        teams = team_bound(s, pool, stronger, best + 1, following=following)
        assert teams is None or teams.value <= best


def test_follow_ups_raise_the_bound_where_leaders_are_scarce() -> None:
    """One leader, three one-day visits (leaders 3/1 = 3): two follow-ups add two leader days (5);
    without follow-ups the bound is as before. A follow-up needs no skill: it adds no skill days."""
    s = one_leader_three_visits()
    (pool,) = pools(s)
    assert only_bound(s).ceil == 3
    bound = lower_bound(s, pool, frozenset({"G1", "G2"}))
    assert (bound.decided_by, bound.ceil) == (LEADERS, 5)
    assert bound.terms[skill_term("党建")] == 1.0
    assert stronger_bound(s, pool, following=frozenset({"G1", "G2"})).value == 5
    assert best_worst_load(s, frozenset({"G1", "G2"})) == 5


def test_a_follow_up_no_team_can_make_is_left_out_of_every_bound() -> None:
    """Follow-ups by teams of five from a pool of four: none can be made, and the planner leaves them
    out, not their visits. The bounds counting them are those without them, and say which."""
    s = one_leader_three_visits()
    s = replace(s, params=replace(s.params, followup_team_min=5, followup_team_max=5))
    (pool,) = pools(s)
    following = frozenset({"G1", "G2"})
    bound = lower_bound(s, pool, following)
    assert (bound.unservable, bound.unfollowed) == ((), ("G1", "G2"))
    assert bound.terms == lower_bound(s, pool).terms
    stronger = stronger_bound(s, pool, following=following)
    assert stronger.value == stronger_bound(s, pool).value == 3
    whole = whole_bound(s, pool, stronger, 4, following=following)
    assert whole is None or whole.value == 3


def test_the_follow_ups_are_those_marked_and_those_the_plan_gives() -> None:
    """:func:`followed`: the institutions marked 是 (not exempt ones) and those the plan visits again."""
    s = one_leader_three_visits()
    s = replace(
        s,
        institutions=(
            replace(s.institutions[0], followup=True),
            replace(s.institutions[1], followup=True, exempt=True),
            s.institutions[2],
        ),
    )
    again = Visit("G3", date(2025, 9, 1), date(2025, 9, 1), 1, "E1", ("E1", "E2"), kind="followup")
    first = Visit("G1", date(2025, 3, 3), date(2025, 3, 3), 1, "E1", ("E1", "E2"))
    assert followed(s) == {"G1"}
    assert followed(s, Plan("测试", "feasible", (first, again))) == {"G1", "G3"}


def paired_leaders(cap: int | None) -> Scenario:
    """Nine one-day visits needing five skills, teams of 2–4, three leaders (E05 may work ``cap``
    days), 安全生产 held by E02, E03 and E05 alone, 财务 by E02, E04 and E08. By shares 安全生产 asks
    E02 and E03 for 4 each; but E04's visits need E02 for 安全生产 (E03 leads its own), so 财务 on
    E03's visits falls to E08: whole teams cannot keep everyone under 5."""
    five = ("党建", "行风", "医疗管理", "财务", "安全生产")
    people = [
        expert("E01", ("行风", "医疗管理")),
        expert("E02", ("财务", "安全生产")),
        expert("E03", ("行风", "安全生产"), leader=True),
        expert("E04", ("党建", "医疗管理", "财务"), leader=True),
        expert("E05", ("安全生产",), leader=True, max_days=cap),
        expert("E06", ("党建",)),
        expert("E07", ("医疗管理",)),
        expert("E08", ("财务",)),
        expert("E09", ("行风", "医疗管理")),
        expert("E10", ("党建",)),
    ]
    return scenario(
        [grassroots(f"G{n}") for n in range(9)], people, grassroots=TierRule("grassroots", 1, 2, 4, five)
    )


def test_the_team_bound_sees_what_shares_hide() -> None:
    """With E05 capped at one day the shares' bounds say 4 and whole shares reach it, but no choice of
    teams gets under 5: the team bound proves 5, and a plan at 5 is labelled ``weak bound (teams)``.
    Asked whether 5 can be beaten by less than 6, it finds teams reaching 5."""
    s = paired_leaders(1)
    (pool,) = pools(s)
    bound, stronger = lower_bound(s, pool), stronger_bound(s, pool)
    assert stronger.value == 4
    assert whole_bound(s, pool, stronger, 5) == Whole(pool.name, 4, True)
    teams = team_bound(s, pool, stronger, 5)
    assert teams == Whole(pool.name, 5, False)
    assert diagnosis(5, bound, stronger, whole_bound(s, pool, stronger, 5), teams) == WEAK_TEAMS
    assert team_bound(s, pool, stronger, 6) == Whole(pool.name, 4, True)


def test_the_team_bound_agrees_where_the_shares_are_exact() -> None:
    """One leader among four experts on three visits: the shares' bound (3) is what teams reach, so
    asked about a plan at 4 the team bound finds teams doing better, and the label is a search gap."""
    s = one_leader_three_visits()
    (pool,) = pools(s)
    bound, stronger = lower_bound(s, pool), stronger_bound(s, pool)
    teams = team_bound(s, pool, stronger, 4)
    assert teams == Whole(pool.name, 3, True)
    assert diagnosis(4, bound, stronger, None, teams) == SEARCH_GAP


def test_the_team_bound_leaves_divided_work_alone() -> None:
    """A tier that divides the work (R4 分工) is not this bound's case: None."""
    s = paired_leaders(1)
    s = Scenario(
        params=s.params,
        institutions=s.institutions,
        experts=s.experts,
        tier_rules={
            **s.tier_rules,
            "grassroots": TierRule("grassroots", 1, 2, 4, TWO_SKILLS, one_part_each=True),
        },
    )
    (pool,) = pools(s)
    assert team_bound(s, pool, Stronger(pool.name, 1, 1.0, LP), 9) is None
