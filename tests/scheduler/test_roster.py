"""Tests of scheduler.roster, the bit sets the greedy scans starts with: who is free for a whole visit
and its rest days, and which experts share a pool."""

from __future__ import annotations

from scheduler.roster import Pool, SkillBits, pools
from tests.constraints.builders import expert

EXPERTS = [
    expert("L1", "专家L1", "党建", "行风", leader=True),
    expert("M1", "专家M1", "医疗管理"),
    expert("M2", "专家M2", "财务"),
    expert("M3", "专家M3", "安全生产"),
]


def test_a_visit_or_its_rest_days_make_an_expert_busy():
    """M1 (index 1) is on a visit on days 3–4 with one rest day (3–5 taken): for him a two-day visit
    with one rest day may start at 0 (days 0–1, rest 2) or 6, not at 1 (its rest day 3 clashes) nor 5
    (his own rest day)."""
    pool = Pool.of([0, 1], EXPERTS, 10, {})
    pool.take([1], 3, 6)
    both = pool.bits([0, 1])
    assert pool.free(both, 0, 2, 1) == both
    assert pool.free(both, 1, 2, 1) == pool.bits([0])
    assert pool.free(both, 1, 2, 0) == both
    assert pool.free(both, 5, 2, 1) == pool.bits([0])
    assert pool.free(both, 6, 2, 1) == both


def test_unavailability_counts_on_the_visits_days_only():
    """L1 (index 0) is away on day 4: a two-day visit may not start at 3 or 4, but may end on day 3
    even with a rest day after it (rest days may fall on an absence)."""
    pool = Pool.of([0, 1], EXPERTS, 10, {0: {4}})
    leader = pool.bits([0])
    assert pool.free(leader, 2, 2, 1) == leader
    assert pool.free(leader, 3, 2, 1) == 0
    assert pool.free(leader, 4, 2, 0) == 0
    assert pool.free(leader, 5, 2, 0) == leader
    assert pool.leaders == leader and "财务" not in pool.holders  # M2 holds it, in no task of this pool


def test_pools_join_experts_linked_through_tasks_only():
    """Tasks may use {0, 1} and {1, 2}: 0, 1 and 2 share a pool through 1; 3, whom only {3} uses,
    has one of its own, and bit sets in each are numbered from 0."""
    pool_of = pools(EXPERTS, [(0, 1), (1, 2), (3,), (0, 1)], 5, {})
    assert pool_of[0] is pool_of[1] is pool_of[2]
    assert pool_of[3] is not pool_of[0]
    assert pool_of[0].experts == [0, 1, 2] and pool_of[3].experts == [3]
    assert pool_of[3].bits([3]) == 1


def test_skill_bits():
    """Skills as bits: L1 holds two of the five, a team's uncovered skills are what no member holds,
    and a skill nobody holds is never covered."""
    sk = SkillBits.of(EXPERTS)
    required = sk.of_skills(["党建", "行风", "医疗管理", "财务", "安全生产"])
    assert (sk.held[0] & required).bit_count() == 2
    assert required & ~(sk.held[0] | sk.held[1] | sk.held[2] | sk.held[3]) == 0
    assert sk.of_skills(["口腔"]) & ~(sk.held[0] | sk.held[1] | sk.held[2] | sk.held[3])
