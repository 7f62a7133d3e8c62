"""The pools and the lower bound of ``benchmarks.bounds`` on tiny hand-made scenarios."""

from __future__ import annotations

from datetime import date

from benchmarks.bounds import (
    LEADERS,
    PERSON_DAYS,
    eligible,
    loads,
    lower_bound,
    pools,
    skill_term,
    smallest_team,
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


# -- the three terms -------------------------------------------------------------------------------------
def test_leader_term_decides() -> None:
    """One leader among four experts carries every visit day, so the leader term is the bound."""
    # Grassroots: 1 day, team 2–4, skills 党建+财务. E1 alone covers both and leads → smallest team
    # max(2, 1) = 2. Three visits: person-days 3×2×1/4 = 1.5; leaders 3/1 = 3; 党建 3/3 = 1; 财务 3/3 = 1.
    s = scenario(
        [grassroots("G1"), grassroots("G2"), grassroots("G3")],
        [
            expert("E1", TWO_SKILLS, leader=True),
            expert("E2", TWO_SKILLS),
            expert("E3", ("党建",)),
            expert("E4", ("财务",)),
        ],
        grassroots=TierRule("grassroots", 1, 2, 4, TWO_SKILLS),
    )
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
