"""A yearly quota (R9) shared among independent groups (``scheduler.solve._start``): a group whose start
plan misses its share leaves it to the groups whose plans already lie in that year, or the shortfall is
shared anew and the start plan made again, without solving the round as one model; a quota no plan can
meet is still reported as before.

Every scenario has two districts and ``home_district_only``, so two groups: 巴南 (GA…) and 长寿 (GB…),
each with two all-round experts, the first of them the only leader. Grassroots visits last one day.
The start plans are made in date order (``pace`` early).
"""

from __future__ import annotations

import pytest

from inputs.scenario import Quota, Unavailability
from scheduler import solve as solve_module
from scheduler.instance import build_instance
from scheduler.solve import SolveStatus, _start, solve
from tests.constraints.builders import inst
from tests.scheduler.conftest import D, allround, solve_checked
from tests.scheduler.conftest import scenario as make_scenario

EXPERTS = [
    allround("B1", district="巴南区", leader=True),
    allround("B2", district="巴南区"),
    allround("C1", district="长寿区", leader=True),
    allround("C2", district="长寿区"),
]


def scenario(*args, **kw):
    """The rounds here are read with the start plan in date order (``pace`` early: the greedy
    places each centre at its earliest fit, as the tests' stories tell; with ``pace`` even it
    spreads a pool's visits over the years first)."""
    kw.setdefault("pace", "early")
    return make_scenario(*args, **kw)


def centres(prefix: str, district: str, n: int) -> list:
    return [
        inst(f"{prefix}{k}", f"{district}第{k}卫生院", "grassroots", district=district)
        for k in range(1, n + 1)
    ]


def shares_of(sc) -> tuple[list[int], int]:
    """Each group's share of the only quota (巴南 first), and how many start plans were made."""
    made = []
    original = solve_module._start_plan

    def counting(*args):
        made.append(1)
        return original(*args)

    solve_module._start_plan = counting
    try:
        groups, _ = _start(build_instance(sc, announce=sc.params.start, followups=True, seed=0))
    finally:
        solve_module._start_plan = original
    return [sum(need for _, _, need in own) for _, _, own in groups], len(made)


@pytest.fixture
def solves(monkeypatch) -> list[int]:
    """Counts the calls of ``_solve_groups``: one is the groups, a second the whole-round retry."""
    calls: list[int] = []
    original = solve_module._solve_groups

    def counting(*args, **kw):
        calls.append(len(args[1]))
        return original(*args, **kw)

    monkeypatch.setattr(solve_module, "_solve_groups", counting)
    return calls


def test_a_share_one_group_misses_is_met_by_the_others_surplus(solves):
    """The round runs 2024-11-04 to 2025-01-31; at least two centres must lie in 2024. Each group
    can place both of its centres in 2024 on paper, so the first split asks one of each. But 巴南's
    only leader B1 is away until the end of 2024: 巴南's centres go to January 2025 and its share is
    missed, while 长寿's start plan puts both its centres in November 2024 (earliest first), one
    beyond its share. So 巴南's share is 0 and 长寿's 2, met by the start plan as it is: one start
    plan, one solve of the groups, no whole-round retry, every centre visited."""
    sc = scenario(
        [*centres("GA", "巴南区", 2), *centres("GB", "长寿区", 2)],
        EXPERTS,
        deadline=D("2025-01-31"),
        home_district_only=True,
        quotas=[Quota(2024, tier="grassroots", min_count=2)],
        unavailability=[Unavailability("B1", D("2024-11-01"), D("2024-12-31"))],
    )
    assert shares_of(sc) == ([0, 2], 1)
    plan = solve_checked(sc).plan
    assert plan.unscheduled == ()
    assert solves == [2]
    assert sum(v.start.year == 2024 for v in plan.visits) >= 2
    assert all(plan.visit_of(i).start.year == 2025 for i in ("GA1", "GA2"))


def test_a_share_without_surplus_elsewhere_is_shared_anew(solves):
    """One centre of three must lie in 2025 (round 2024-11-04 to 2025-01-31). The first split gives
    the share to 长寿 (two of the three centres), but 长寿's only leader C1 is away all of January
    2025; 巴南's start plan puts GA1 in November 2024 (no share, earliest first). The round's start
    plan has nothing in 2025, so the shortfall goes to 巴南, which met its share of 0 and could put
    GA1 in 2025: the start plan is made again with 巴南's share 1, and GA1 lands on 2025-01-02 —
    still without solving the round as one model."""
    sc = scenario(
        [*centres("GA", "巴南区", 1), *centres("GB", "长寿区", 2)],
        EXPERTS,
        deadline=D("2025-01-31"),
        home_district_only=True,
        quotas=[Quota(2025, tier="grassroots", min_count=1)],
        unavailability=[Unavailability("C1", D("2025-01-01"), D("2025-01-31"))],
    )
    assert shares_of(sc) == ([1, 0], 2)
    plan = solve_checked(sc).plan
    assert plan.unscheduled == ()
    assert solves == [2]
    assert plan.visit_of("GA1").start == D("2025-01-02")


def test_shares_the_start_plan_meets_stay_as_first_split(solves):
    """Without absences both groups meet their first shares (one each of two in 2024): nothing moves."""
    sc = scenario(
        [*centres("GA", "巴南区", 2), *centres("GB", "长寿区", 2)],
        EXPERTS,
        deadline=D("2025-01-31"),
        home_district_only=True,
        quotas=[Quota(2024, tier="grassroots", min_count=2)],
    )
    assert shares_of(sc) == ([1, 1], 1)
    assert solve_checked(sc).plan.unscheduled == ()
    assert solves == [2]


def test_a_quota_the_groups_cannot_meet_between_them_gives_no_plan(solves):
    """Two centres must lie in 2025 and each could (its window reaches January 2025), but both
    districts' only leaders are away all of January 2025: no plan meets the quota. The groups fail,
    the whole-round retry (the last resort) fails too, and the solver plans nothing and names R9."""
    sc = _leaders_away_in_january()
    result = solve(sc, time_limit=5, seed=0, workers=1)
    assert result.status is SolveStatus.INFEASIBLE
    assert result.plan.visits == ()
    assert {u.institution for u in result.plan.unscheduled} == {"GA1", "GB1"}
    assert all(u.rule == "R9" for u in result.plan.unscheduled)
    assert solves == [2, 1]
    # the whole-round search proved it: the reason says no plan can
    assert all("任何计划都无法" in u.reasons[0] for u in result.plan.unscheduled)


def _leaders_away_in_january():
    return scenario(
        [*centres("GA", "巴南区", 1), *centres("GB", "长寿区", 1)],
        EXPERTS,
        deadline=D("2025-01-31"),
        home_district_only=True,
        quotas=[Quota(2025, tier="grassroots", min_count=2)],
        unavailability=[
            Unavailability("B1", D("2025-01-01"), D("2025-01-31")),
            Unavailability("C1", D("2025-01-01"), D("2025-01-31")),
        ],
    )


def test_a_quota_no_search_could_try_is_not_said_to_be_impossible(monkeypatch):
    """The same round with no budget for any search (each group keeps its start plan, which misses
    the quota): the solver still plans nothing, but does not claim that no plan can meet the quota —
    it says none was found within the limit, and that a longer one may help."""
    from scheduler import executor

    monkeypatch.setattr(
        executor, "budgets", lambda time_limit, pairs, *args, **kwargs: [(0.0, 0.0)] * len(pairs)
    )
    result = solve(_leaders_away_in_january(), time_limit=5, seed=0, workers=1)
    assert result.status is SolveStatus.INFEASIBLE
    assert result.plan.visits == ()
    for u in result.plan.unscheduled:
        assert u.rule == "R9"
        assert "任何计划都无法" not in u.reasons[0]
        assert "在时限内没有找到" in u.reasons[0] and "--time-limit" in u.reasons[0]


def test_a_quota_found_unmeetable_on_pruned_candidate_lists_is_not_said_to_be_impossible(monkeypatch):
    """The same round solved on pruned candidate lists (as a large group is): a search that finds no
    plan there proves nothing of the round, so the reason does not say that no plan can."""
    monkeypatch.setattr(solve_module, "PRUNE_PAIRS", 0)
    result = solve(_leaders_away_in_january(), time_limit=5, seed=0, workers=1)
    assert result.status is SolveStatus.INFEASIBLE
    assert all("在时限内没有找到" in u.reasons[0] for u in result.plan.unscheduled)
