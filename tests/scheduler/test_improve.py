"""Tests of scheduler.improve, the local search that moves members away from a pool's heaviest
experts: it lowers the heaviest load where a plan leaves room, it never breaks a rule (the
validator finds nothing in its output, on hand-made plans and on the greedy's plans of random
scenarios), it leaves pinned visits alone and the same plan in gives the same plan out.

Rounds run in November 2024: working days 11-04..08 (indices 0–4), 11-11..15 (5–9), and so on.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings

from inputs.scenario import DEFAULT_SKILLS, Conflict, Quota, Scenario, TierRule, Unavailability
from scheduler.bounds import pool_bound
from scheduler.greedy import Assignment, greedy
from scheduler.improve import Work, improve
from scheduler.instance import Instance, build_instance
from scheduler.pooling import pools
from scheduler.solve import to_plan
from tests.constraints.builders import expert, inst
from tests.scheduler.conftest import D, allround, check_plan, loads, scenario
from tests.scheduler.test_solve_properties import scenarios


def improved(
    sc: Scenario, plan: dict[int, Assignment], flatten: bool = False
) -> tuple[Instance, dict[int, Assignment]]:
    """``plan`` improved over the round's pools, each stopped at the solver's bound."""
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    found = pools(instance, instance.tasks)
    bounds = [pool_bound(instance, ts, es) for ts, es in found]
    return instance, improve(instance, plan, found, bounds, flatten=flatten)


def by_name(instance: Instance, plan: dict[int, Assignment]) -> dict[str, tuple[int, tuple[str, ...]]]:
    """Each visit's start index and members' ids, by institution."""
    return {
        instance.tasks[t].inst.id: (a.start, tuple(instance.experts[k].id for k in a.members))
        for t, a in plan.items()
    }


def four_centres() -> Scenario:
    """Four one-day centres (teams of 2–4 covering the five skills) and four all-round experts, two
    of whom may lead: 8 person-days over 4 experts, so the pool's best is 2 days each."""
    experts = [allround(f"E{k}", leader=k <= 2) for k in range(1, 5)]
    return scenario([inst(f"G{k}", f"第{k}社区卫生服务中心", "grassroots") for k in range(1, 5)], experts)


def lopsided(instance: Instance) -> dict[int, Assignment]:
    """E1 (leading) and E3 on every visit, on four consecutive days: 4 days each, E2 and E4 idle."""
    e1, e3 = instance.expert_index()["E1"], instance.expert_index()["E3"]
    return {t.index: Assignment(t.index, (e1, e3), e1) for t in instance.tasks}


def test_the_heaviest_load_comes_down_to_the_pools_best():
    """The lopsided plan (heaviest 4) is brought to 2 days each, the bound, and stays valid."""
    sc = four_centres()
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    instance, plan = improved(sc, lopsided(instance))
    result = to_plan(instance, plan, 0.0, False)
    check_plan(sc, result)
    assert max(loads(result).values()) == 2
    assert all(v.leader in ("E1", "E2") for v in result.visits)


def test_a_plan_at_its_bound_is_left_as_it_is():
    """Two days each already: nothing to improve, the plan comes back unchanged."""
    sc = four_centres()
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    index = instance.expert_index()
    e1, e2, e3, e4 = (index[f"E{k}"] for k in range(1, 5))
    plan = {
        0: Assignment(0, (e1, e3), e1),
        1: Assignment(1, (e2, e4), e2),
        2: Assignment(2, (e1, e4), e1),
        3: Assignment(3, (e2, e3), e2),
    }
    assert improved(sc, plan)[1] == plan


def test_a_newcomer_absent_on_the_day_moves_the_visit_within_its_window():
    """E2, the only other leader, is away on 11-04..07, the days of the lopsided plan's visits: E1
    hands over only by moving visits to days E2 is free (11-08 and later), still within November.
    The heaviest load still comes down to 2 and the plan is valid."""
    sc = replace(four_centres(), unavailability=(Unavailability("E2", D("2024-11-04"), D("2024-11-07")),))
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    instance, plan = improved(sc, lopsided(instance))
    result = to_plan(instance, plan, 0.0, False)
    check_plan(sc, result)
    assert max(loads(result).values()) == 2
    assert all(v.start >= D("2024-11-08") for v in result.visits if v.leader == "E2")


def test_skills_bind_the_moves():
    """E1 alone holds 财务 and every team needs it: E1 stays on all four visits (4 days), while E3's
    seats go to E4, so the plan stays valid and E1's load is what no move can lower."""
    experts = [
        expert("E1", "专家E1", "党建", "行风", "医疗管理", "财务", "安全生产", leader=True),
        expert("E2", "专家E2", "党建", "行风", "医疗管理", "安全生产", leader=True),
        expert("E3", "专家E3", "党建", "行风", "医疗管理", "安全生产"),
        expert("E4", "专家E4", "党建", "行风", "医疗管理", "安全生产"),
    ]
    sc = scenario([inst(f"G{k}", f"第{k}社区卫生服务中心", "grassroots") for k in range(1, 5)], experts)
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    instance, plan = improved(sc, lopsided(instance))
    result = to_plan(instance, plan, 0.0, False)
    check_plan(sc, result)
    assert loads(result)["E1"] == 4
    assert all("E1" in v.members for v in result.visits)


def test_pinned_visits_keep_their_teams():
    """G1 pins E1 and E3 (R16): its team stays as pinned while the others are spread."""
    sc = four_centres()
    sc = replace(
        sc,
        institutions=(
            replace(sc.institutions[0], fixed_leader="E1", fixed_members=("E3",)),
            *sc.institutions[1:],
        ),
    )
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    instance, plan = improved(sc, lopsided(instance))
    assert by_name(instance, plan)["G1"] == (0, ("E1", "E3"))
    check_plan(sc, to_plan(instance, plan, 0.0, False))


def test_the_same_plan_in_gives_the_same_plan_out():
    """Deterministic: two runs on the same plan agree, visit by visit."""
    sc = four_centres()
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    assert improved(sc, lopsided(instance))[1] == improved(sc, lopsided(instance))[1]


def test_a_work_budget_stops_the_search_and_counts_what_it_spent():
    """A budget of one unit allows one move: the lopsided plan comes down from 4 days but not to the
    bound (2), stays valid, and the same budget gives the same plan again."""
    sc = four_centres()
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    found = pools(instance, instance.tasks)
    bounds = [pool_bound(instance, ts, es) for ts, es in found]
    work = Work(1)
    plan = improve(instance, lopsided(instance), found, bounds, work=work)
    check_plan(sc, to_plan(instance, plan, 0.0, False))
    assert max(loads(to_plan(instance, plan, 0.0, False)).values()) > 2
    assert work.spent >= 1 and work.left() == 0
    assert improve(instance, lopsided(instance), found, bounds, work=Work(1)) == plan
    asked: list[int] = []

    def one(left: int) -> int:  # sized from the tasks the plan leaves out (none)
        asked.append(left)
        return 1

    sized = Work(sized=one)
    assert improve(instance, lopsided(instance), found, bounds, work=sized) == plan
    assert asked == [0] and sized.budget == 1 and sized.sized is None


def test_a_work_budget_with_room_changes_nothing():
    """With room to spare the budget ends nothing: the plan reaches its bound, as unbounded, and the
    work spent is counted below the budget."""
    sc = four_centres()
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    found = pools(instance, instance.tasks)
    bounds = [pool_bound(instance, ts, es) for ts, es in found]
    free = Work()
    unbounded = improve(instance, lopsided(instance), found, bounds, work=free)
    work = Work(10 * free.spent)
    assert improve(instance, lopsided(instance), found, bounds, work=work) == unbounded
    assert 0 < work.spent == free.spent < work.budget
    assert max(loads(to_plan(instance, unbounded, 0.0, False)).values()) == 2


def test_pools_share_the_budget_in_their_order():
    """Two lopsided pools (two districts, experts at home only), half the work an unbounded search
    spends: the first pool's share does not starve the second, both move, and the same budget
    gives the same plan again."""
    sc = four_centres()
    other = [allround(f"F{k}", leader=k <= 2, district="九龙坡") for k in range(1, 5)]
    places = [inst(f"H{k}", f"第{k}卫生院", "grassroots", district="九龙坡") for k in range(1, 5)]
    sc = replace(
        sc,
        institutions=(*sc.institutions, *places),
        experts=(*sc.experts, *other),
        params=replace(sc.params, home_district_only=True),
    )
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    found = pools(instance, instance.tasks)
    assert len(found) == 2
    bounds = [pool_bound(instance, ts, es) for ts, es in found]
    plan = {}
    for ts, es in found:
        lead = min(k for k in es if instance.experts[k].leader)
        mate = min(k for k in es if k != lead)
        plan.update({t: Assignment(i, (lead, mate), lead) for i, t in enumerate(sorted(ts))})
    free = Work()
    improve(instance, plan, found, bounds, work=free)
    out = improve(instance, plan, found, bounds, work=Work(free.spent // 2))
    assert out == improve(instance, plan, found, bounds, work=Work(free.spent // 2))
    assert all(any(out[t] != plan[t] for t in ts) for ts, _ in found)
    check_plan(sc, to_plan(instance, out, 0.0, False))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sc=scenarios())
def test_improving_the_greedy_plan_breaks_no_rule_and_never_raises_a_pools_heaviest(sc):
    """On the random scenarios of the solver's property tests (pairings, conflicts, absences, caps,
    rest days, office capacity, parts, pins, standing teams, follow-ups), the greedy plan improved
    breaks no rule, keeps every visit, and no pool's heaviest load goes up; improved with the
    flattening, the same, and no pool ends heavier than without it. Quotas are taken out as in the
    greedy's own test (the greedy may miss one; the search keeps every year)."""
    sc = replace(sc, quotas=())
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    plan = greedy(instance)
    heaviest = [loads(to_plan(instance, plan, 0.0, False))]
    for flatten in (False, True):
        _, better = improved(sc, plan, flatten)
        assert set(better) == set(plan)
        result = to_plan(instance, better, 0.0, False)
        check_plan(sc, result)
        heaviest.append(loads(result))
    for _, experts in pools(instance, instance.tasks):
        ids = [instance.experts[k].id for k in experts]
        before, plain, flat = (max((load[e] for e in ids), default=0) for load in heaviest)
        assert flat <= plain <= before


def test_a_visit_changes_year_only_where_no_quota_counts_it():
    """E2, the only other leader, is away until the end of 2024; the round runs into January 2025.
    Without quotas E1's visits may move into 2025 for E2 to lead, and the heaviest load comes down
    to 2; with a quota row counting the centres in 2024 (R9), their year stays and E1 keeps them."""
    away = (Unavailability("E2", D("2024-11-04"), D("2024-12-31")),)
    base = replace(four_centres(), unavailability=away)
    base = replace(base, params=replace(base.params, deadline=D("2025-01-31")))
    for quotas, heaviest in (((), 2), ((Quota(2024, tier="grassroots", min_count=4),), 4)):
        sc = replace(base, quotas=quotas)
        instance = build_instance(sc, announce=sc.params.start, followups=True)
        instance, plan = improved(sc, lopsided(instance))
        result = to_plan(instance, plan, 0.0, False)
        check_plan(sc, result)
        assert max(loads(result).values()) == heaviest, quotas


def test_a_visit_changes_year_while_its_quota_still_holds():
    """As above, with a quota asking two of the four centres in 2024 (R9): two visits may move into
    2025 for E2 to lead and the heaviest load comes down to 2, the quota still met. A cap of one
    visit in 2025 (max_count) lets only one move: E1 keeps three."""
    away = (Unavailability("E2", D("2024-11-04"), D("2024-12-31")),)
    base = replace(four_centres(), unavailability=away)
    base = replace(base, params=replace(base.params, deadline=D("2025-01-31")))
    least = Quota(2024, tier="grassroots", min_count=2)
    capped = Quota(2025, tier="grassroots", max_count=1)
    for quotas, heaviest in (((least,), 2), ((least, capped), 3)):
        sc = replace(base, quotas=quotas)
        instance = build_instance(sc, announce=sc.params.start, followups=True)
        instance, plan = improved(sc, lopsided(instance))
        result = to_plan(instance, plan, 0.0, False)
        check_plan(sc, result)
        assert max(loads(result).values()) == heaviest, quotas
        assert sum(v.start.year == 2024 for v in result.visits) >= 2


def two_skill_holder(team_max: int) -> Scenario:
    """Four one-day centres; E1 and E5 may lead (党建, 行风, 医疗管理), E2 alone holds both 财务 and
    安全生产, E3 holds 财务 and E4 安全生产. The greedy-like plan puts E1 and E2 on every visit."""
    lead = ("党建", "行风", "医疗管理")
    experts = [
        expert("E1", "专家E1", *lead, leader=True),
        expert("E2", "专家E2", "财务", "安全生产"),
        expert("E3", "专家E3", "财务"),
        expert("E4", "专家E4", "安全生产"),
        expert("E5", "专家E5", *lead, leader=True),
    ]
    rules = {"grassroots": TierRule("grassroots", min_days=1, team_min=2, team_max=team_max)}
    centres = [inst(f"G{k}", f"第{k}社区卫生服务中心", "grassroots") for k in range(1, 5)]
    return scenario(centres, experts, tier_rules=rules)


def improved_pair(sc: Scenario, leader: str, member: str) -> dict[str, int]:
    """The loads after improving the plan that puts ``leader`` (leading) and ``member`` on every visit,
    each on its own day; the improved plan is checked."""
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    index = instance.expert_index()
    a, b = index[leader], index[member]
    plan = {t.index: Assignment(t.index, (a, b), a) for t in instance.tasks}
    instance, better = improved(sc, plan)
    result = to_plan(instance, better, 0.0, False)
    check_plan(sc, result)
    return loads(result)


def test_two_newcomers_share_the_seat_of_an_expert_with_two_skills():
    """Nobody else holds both of E2's skills: E3 and E4 together take E2's seat on two visits (teams
    of three, within the tier's four), and E5 leads two, so the heaviest load is 2, the bound. With
    teams of at most two the seat cannot be shared: E2 keeps all four visits."""
    for team_max, heaviest in ((4, 2), (2, 4)):
        found = improved_pair(two_skill_holder(team_max), "E1", "E2")
        assert max(found.values()) == heaviest, team_max
        assert found["E2"] == heaviest


def test_spreading_keeps_every_team_and_every_load():
    """The spread moves the crowded visits of a pool across its window with their teams: loads and
    teams stay, the plan stays valid, and the four visits no longer start on four days in a row."""
    from scheduler.greedy import quota_targets
    from scheduler.improve import _Search
    from scheduler.quota_caps import caps_for

    sc = four_centres()
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    plan = lopsided(instance)
    search = _Search(instance, plan, quota_targets(instance), caps_for(instance, list(instance.tasks)))
    search.spread(sorted(plan))
    spread = search.state.plan
    check_plan(sc, to_plan(instance, spread, 0.0, False))
    assert {t: a.members for t, a in spread.items()} == {t: a.members for t, a in plan.items()}
    assert sorted(a.start for a in spread.values()) != [0, 1, 2, 3]
    assert max(a.start for a in spread.values()) > 10  # the window runs to the end of November


def chained(far_end_recused: bool) -> tuple[Scenario, Instance, dict[int, Assignment]]:
    """Three centres visited on 11-04 only (G1 E1+A, G2 E2+B, G3 E3+C) and two more that pin E1
    (R16): E1 carries 3 days against a bound of 2. Only E2 may take E1's seat on G1 (the others are
    recused there) but E2 is at G2 that day; E2's seat on G2 may go to E3 or C (E4 is recused), who
    are at G3; E4 is free that day and may take a seat on G3 unless ``far_end_recused``."""
    experts = [allround(e, leader=True) for e in ("E1", "E2", "E3", "E4", "A", "B", "C")]
    day = D("2024-11-04")
    centres = [inst(f"G{k}", f"第{k}社区卫生服务中心", "grassroots", latest=day) for k in (1, 2, 3)]
    centres += [
        inst("G4", "第4社区卫生服务中心", "grassroots", fixed_leader="E1", fixed_members=("B",)),
        inst("G5", "第5社区卫生服务中心", "grassroots", fixed_leader="E1", fixed_members=("C",)),
    ]
    recused = [("E3", "G1"), ("E4", "G1"), ("B", "G1"), ("C", "G1"), ("E4", "G2")]
    recused += [("E4", "G3")] if far_end_recused else []
    sc = scenario(centres, experts, conflicts=tuple(Conflict(e, i) for e, i in recused))
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    k = instance.expert_index()
    team = {"G1": ("E1", "A", 0), "G2": ("E2", "B", 0), "G3": ("E3", "C", 0)}
    team |= {"G4": ("E1", "B", 1), "G5": ("E1", "C", 2)}
    plan = {}
    for t in instance.tasks:
        lead, other, start = team[t.inst.id]
        plan[t.index] = Assignment(start, tuple(sorted((k[lead], k[other]))), k[lead])
    return sc, instance, plan


def test_an_ejection_chain_passes_a_seat_on_through_two_experts():
    """E1's seat on G1 goes to E2, E2's on G2 to E3 (or C), theirs on G3 to E4: E1 comes down to 2,
    the bound, and no one else goes above it; no shorter move exists. With E4 recused at G3 too,
    the chain has no end and E1 keeps 3."""
    for far_end_recused, heaviest in ((False, 2), (True, 3)):
        sc, instance, plan = chained(far_end_recused)
        instance, better = improved(sc, plan)
        result = to_plan(instance, better, 0.0, False)
        check_plan(sc, result)
        assert loads(result)["E1"] == heaviest, far_end_recused
        assert max(loads(result).values()) == max(heaviest, 2)


def two_leaders_together(team_max: int) -> Scenario:
    """Four one-day centres; L1 (党建, 医疗管理, 财务) and L2 (行风, 安全生产) may lead and between
    them hold every skill, and five plain members hold one skill each."""
    experts = [
        expert("L1", "专家L1", "党建", "医疗管理", "财务", leader=True),
        expert("L2", "专家L2", "行风", "安全生产", leader=True),
        *(expert(f"M{k}", f"专家M{k}", skill) for k, skill in enumerate(DEFAULT_SKILLS, 1)),
    ]
    rules = {"grassroots": TierRule("grassroots", min_days=1, team_min=2, team_max=team_max)}
    centres = [inst(f"G{k}", f"第{k}社区卫生服务中心", "grassroots") for k in range(1, 5)]
    return scenario(centres, experts, tier_rules=rules)


def test_a_team_is_rebuilt_when_two_leaders_sit_on_every_visit():
    """L1 and L2 on every visit: 4 days each, while each visit needs only one of them. No single seat
    change helps (nobody else holds two of L1's skills), but a team made anew does: L2 leads with
    three plain members in L1's place, L1 with two in L2's, and the heaviest load comes down to 2,
    the bound. With teams of at most three, L2 cannot lead without L1 (it would take four), so L1
    keeps every visit."""
    for team_max, heaviest in ((4, 2), (3, 4)):
        found = improved_pair(two_leaders_together(team_max), "L1", "L2")
        assert max(found.values()) == heaviest, team_max
        assert found["L1"] == heaviest, team_max


def spared_skill_holder() -> tuple[Scenario, Instance, dict[int, Assignment]]:
    """Three one-day centres (党建 and 财务, teams of 2–3) on 11-04, 11-06 and 11-08. H, K and M may
    lead (H holds both skills, K and M 党建), P and Q hold 党建, S and R 财务; R is away but on 11-06,
    and the office runs one visit a day (R10). The plan: (H, P), (M, S), (H, Q): H works 2 days, K
    and R none."""
    experts = [
        expert("H", "专家H", "党建", "财务", leader=True),
        expert("K", "专家K", "党建", leader=True),
        expert("M", "专家M", "党建", leader=True),
        expert("P", "专家P", "党建"),
        expert("Q", "专家Q", "党建"),
        expert("S", "专家S", "财务"),
        expert("R", "专家R", "财务"),
    ]
    rules = {
        "grassroots": TierRule(
            "grassroots", min_days=1, team_min=2, team_max=3, required_skills=("党建", "财务")
        )
    }
    away = (
        Unavailability("R", D("2024-11-04"), D("2024-11-05")),
        Unavailability("R", D("2024-11-07"), D("2024-11-30")),
    )
    centres = [inst(f"G{k}", f"第{k}社区卫生服务中心", "grassroots") for k in range(1, 4)]
    sc = replace(scenario(centres, experts, tier_rules=rules, max_concurrent_visits=1), unavailability=away)
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    x = instance.expert_index()
    plan = {
        0: Assignment(0, tuple(sorted((x["H"], x["P"]))), x["H"]),
        1: Assignment(2, tuple(sorted((x["M"], x["S"]))), x["M"]),
        2: Assignment(4, tuple(sorted((x["H"], x["Q"]))), x["H"]),
    }
    return sc, instance, plan


def test_a_rebuild_spares_a_skill_holder_from_another_visit():
    """For H to leave the first visit, K must lead it with a 财务 holder: R is away and S would reach
    H's load, and the visit cannot move to R's day. No move of one or two seats helps; two rebuilds
    in a chain do: S takes the first visit and leaves the second to R, and nobody works more than
    one day (the bound)."""
    sc, instance, plan = spared_skill_holder()
    assert [instance.tasks[t].inst.id for t in sorted(plan)] == ["G1", "G2", "G3"]
    instance, better = improved(sc, plan)
    result = to_plan(instance, better, 0.0, False)
    check_plan(sc, result)
    assert max(loads(result).values()) == 1


def test_a_rebuild_spares_an_expert_at_their_yearly_cap():
    """As above with four centres on 11-04, 11-06, 11-08 and 11-12 and H on three of them: S, the
    other 财务 holder, may work one day a year and has it on the second visit. For H to leave a
    visit, a leader must come with S, whose load is light but whose year is full; no move of one
    or two seats helps (S alone cannot lead, R is away but on 11-06 and the office runs one visit a
    day). Two rebuilds in a chain do: S takes one of H's visits and leaves the second to R, and H's
    load comes down to 2 (the 财务 holders' capacity allows no less)."""
    sc, instance, _ = spared_skill_holder()
    capped = tuple(replace(e, max_days=1) if e.id == "S" else e for e in sc.experts)
    centres = (*sc.institutions, inst("G4", "第4社区卫生服务中心", "grassroots"))
    sc = replace(sc, experts=capped, institutions=centres)
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    x = instance.expert_index()
    assert [instance.tasks[t].inst.id for t in range(4)] == ["G1", "G2", "G3", "G4"]
    plan = {
        0: Assignment(0, tuple(sorted((x["H"], x["P"]))), x["H"]),
        1: Assignment(2, tuple(sorted((x["M"], x["S"]))), x["M"]),
        2: Assignment(4, tuple(sorted((x["H"], x["Q"]))), x["H"]),
        3: Assignment(6, tuple(sorted((x["H"], x["P"]))), x["H"]),
    }
    instance, better = improved(sc, plan)
    result = to_plan(instance, better, 0.0, False)
    check_plan(sc, result)
    found = loads(result)
    assert found["H"] == 2 and max(found.values()) == 2
    assert found["S"] == 1 and found["R"] == 1


def test_sparing_an_expert_at_their_cap_frees_enough_days_in_that_year():
    """K (cap 3 days a year) sits on a 3-day visit straddling New Year (2 days in 2024, 1 in 2025),
    on a 2-day visit in 2025 and, newly, on a 3-day visit in 2025: 6 days in 2025, 3 over the cap.
    Leaving the straddling visit frees one day of 2025, not three, and the 2-day visit is shorter
    than the one taken: no visit can spare K, so the rebuild that brought K in is undone (before
    this was found on a hospital round, the straddling visit was taken as enough: R8 broken)."""
    from scheduler.improve import _Search

    rules = {
        "grassroots": TierRule("grassroots", min_days=3, team_min=2, team_max=3, required_skills=("党建",))
    }
    experts = [allround("K", max_days=3, leader=True), allround("L", leader=True), allround("M")]
    centres = [inst(f"G{k}", f"第{k}社区卫生服务中心", "grassroots") for k in range(1, 4)]
    sc = scenario(centres, experts, start=D("2024-12-02"), deadline=D("2025-02-28"), tier_rules=rules)
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    x = instance.expert_index()
    day = instance.index_of
    straddling, short, taken = 0, 1, 2
    assert instance.split(day(D("2024-12-30")), 3) == ((2024, 2), (2025, 1))
    plan = {
        straddling: Assignment(day(D("2024-12-30")), tuple(sorted((x["K"], x["M"]))), x["K"]),
        short: Assignment(day(D("2025-01-06")), tuple(sorted((x["K"], x["L"]))), x["L"]),
        taken: Assignment(day(D("2025-01-13")), tuple(sorted((x["K"], x["L"]))), x["L"]),
    }
    instance = replace(
        instance, tasks=[replace(t, days=2) if t.index == short else t for t in instance.tasks]
    )
    search = _Search(instance, plan, [], [])
    assert search.state.year_load[x["K"]][2025] == 6
    spared = search._spare(x["K"], taken, ceiling=100)
    assert not spared or search.state.year_load[x["K"]][2025] <= 3


def absent_second_holder() -> Scenario:
    """Two general hospitals (7 days, teams of 4–9 covering the five skills) and a centre. The
    greedy puts E5 (行风, 医疗管理, 安全生产) on both hospitals: 14 days. E6, the other 安全生产 holder,
    sits on I0 and the centre; E2 (党建, 行风, 医疗管理), on I1 and the centre, is away on 11-04,
    I0's first day, as are E0 and E1."""
    holds = {
        "E0": ("党建",),
        "E1": ("党建",),
        "E2": ("党建", "行风", "医疗管理"),
        "E3": ("党建",),
        "E4": ("财务",),
        "E5": ("行风", "医疗管理", "安全生产"),
        "E6": ("党建", "行风", "安全生产"),
        "E7": ("财务",),
    }
    experts = [expert(e, f"专家{e[1:]}", *skills, leader=True) for e, skills in holds.items()]
    hospitals = [inst(f"I{k}", f"第{k}医疗机构", "tertiary_general") for k in (0, 1)]
    day = D("2024-11-04")
    away = tuple(Unavailability(e, day, day) for e in ("E0", "E1", "E2"))
    centre = inst("I2", "第2医疗机构", "grassroots")
    return scenario([*hospitals, centre], experts, deadline=D("2024-12-31"), unavailability=away)


def test_flattening_relieves_the_expert_a_chain_stops_at():
    """E5's seat on I0 can go only to E2 (行风 and 医疗管理 beside E6's 安全生产), who would reach 15
    days, and whose own seat on I1 another could take: a chain, but one that needs I0 moved off E2's
    day away, which chains do not do. Without the flattening E5 keeps 14 days; with it, E2 (8, the
    next-heaviest) first hands I1 to E1, then takes E5's seat with I0 a day later: E5 comes down to
    7 and no one is above 8."""
    sc = absent_second_holder()
    instance = build_instance(sc, announce=sc.params.start, followups=True)
    plan = greedy(instance)
    assert loads(to_plan(instance, plan, 0.0, False))["E5"] == 14
    for flatten, heaviest in ((False, 14), (True, 8)):
        _, better = improved(sc, plan, flatten)
        result = to_plan(instance, better, 0.0, False)
        check_plan(sc, result)
        assert max(loads(result).values()) == heaviest, flatten
    assert by_name(instance, better)["I0"] == (1, ("E2", "E3", "E4", "E6"))
    assert loads(result)["E5"] == 7
