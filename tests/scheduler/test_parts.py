"""The engine's side of R4's division of work (scheduler.parts): matching members to parts."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.parts import build_team, can_divide, divide, part_leads

PARTS = ("党建", "医疗管理", "财务")


def test_one_part_each_needs_a_matching_not_only_coverage() -> None:
    """Three members cover 党建, 医疗管理*2 and 财务 between them, but four slots cannot be filled by
    three people one part each; a fourth 医疗管理 holder makes it possible."""
    team = [{"党建", "医疗管理"}, {"医疗管理", "财务"}, {"医疗管理"}]
    assert not can_divide(team, PARTS, (1, 2, 1), True)
    assert can_divide(team, PARTS, (1, 2, 1), False)  # more than one part per member is fine
    divided = divide([*team, {"医疗管理"}], PARTS, (1, 2, 1), True)
    assert divided is not None
    assert all(len(p) == 1 for p in divided)
    assert sorted(p[0] for p in divided) == ["党建", "医疗管理", "医疗管理", "财务"]


def test_one_part_each_refuses_a_member_without_a_part() -> None:
    """With 分组巡查 a member holding none of the parts' skills cannot be on the team."""
    assert not can_divide([{"党建"}, {"医疗管理"}, {"财务"}, {"信息化"}], PARTS, (1, 1, 1), True)
    assert can_divide([{"党建"}, {"医疗管理"}, {"财务"}, {"信息化"}], PARTS, (1, 1, 1), False)


def test_every_skilled_member_gets_a_part_and_counts_hold() -> None:
    """Without one part each: counts met, each member holding a part's skill gets one, parts only
    where the skill is held, in the tier's order."""
    team = [{"党建", "医疗管理", "财务"}, {"医疗管理"}, {"财务"}, {"信息化"}]
    divided = divide(team, PARTS, (1, 2, 1), False)
    assert divided is not None
    assert divided[3] == ()
    for held, mine in zip(team, divided, strict=True):
        assert set(mine) <= held
    assert all(divided[k] for k in range(3))
    assert sum("医疗管理" in p for p in divided) >= 2


def test_sub_leader_prefers_an_eligible_member_other_than_the_leader() -> None:
    """A part with two or more members gets a 小组长 among them: eligible first, never the 组长 when
    another member is on it; parts with one member get none."""
    parts = {"E1": ("党建",), "E2": ("医疗管理",), "E3": ("医疗管理",), "E4": ("党建",)}
    leads = part_leads(parts, "E1", lambda e: e == "E3")
    assert leads == {"党建": "E4", "医疗管理": "E3"}


def test_build_team_fills_counts_one_part_each() -> None:
    """The greedy's team: the leader plus members until every slot is matched, then the minimum size."""
    skills = {1: {"党建"}, 2: {"医疗管理"}, 3: {"医疗管理"}, 4: {"财务"}, 5: {"信息化"}, 6: {"医疗管理"}}
    team = build_team(
        [1, 2, 3, 4, 5, 6], 1, skills.__getitem__, PARTS, (1, 2, 1), True, (4, 9), lambda k: (k,)
    )
    assert team == [1, 2, 3, 4]
    assert (
        build_team([1, 2, 4, 5], 1, skills.__getitem__, PARTS, (1, 2, 1), True, (4, 9), lambda k: (k,))
        is None
    )
    # team_max too small for the four slots
    assert (
        build_team([1, 2, 3, 4], 1, skills.__getitem__, PARTS, (1, 2, 1), True, (3, 3), lambda k: (k,))
        is None
    )


def _most_filled(members: list[set[str]], slots: list[str]) -> int:
    """The most slots distinct members can fill, one slot each, by trying every assignment (small
    teams only): independent of the augmenting paths under test."""
    best = 0
    for k in range(len(slots) + 1):
        for chosen in itertools.combinations(range(len(slots)), k):
            for who in itertools.permutations(range(len(members)), k):
                if all(slots[s] in members[m] for s, m in zip(chosen, who, strict=True)):
                    best = max(best, k)
                    break
    return best


def _team_from_scratch(
    free: list[int], leader: int, skills: dict[int, set[str]], slots: list[str], size: tuple[int, int]
) -> list[int] | None:
    """``build_team`` with one part each as first written: the matching made anew for every candidate."""
    required = set(PARTS)
    if not required & skills[leader]:
        return None
    team = [leader]
    ranked = sorted(k for k in free if k != leader)
    while (filled := _most_filled([skills[k] for k in team], slots)) < len(slots):
        if len(team) >= size[1]:
            return None
        grows = [
            k
            for k in ranked
            if k not in team
            and required & skills[k]
            and _most_filled([skills[m] for m in [*team, k]], slots) > filled
        ]
        if not grows:
            return None
        team.append(grows[0])
    team += [k for k in ranked if k not in team and required & skills[k]][: max(0, size[0] - len(team))]
    return team if size[0] <= len(team) <= size[1] else None


@settings(max_examples=300, deadline=None)
@given(
    held=st.lists(st.sets(st.sampled_from(PARTS), max_size=2), min_size=1, max_size=6),
    counts=st.tuples(st.integers(1, 2), st.integers(1, 2), st.integers(1, 2)),
    size=st.tuples(st.integers(1, 4), st.integers(1, 6)),
)
def test_build_team_keeps_its_matching_as_made_anew(
    held: list[set[str]], counts: tuple[int, int, int], size: tuple[int, int]
) -> None:
    """The matching kept from member to member (one more member fills one more slot exactly when an
    augmenting path ends at them) picks the same team as a matching made anew for every candidate."""
    skills = dict(enumerate(held))
    slots = [s for s, n in zip(PARTS, counts, strict=True) for _ in range(n)]
    free = list(skills)
    team = build_team(free, 0, skills.__getitem__, PARTS, counts, True, size, lambda k: (k,))
    assert team == _team_from_scratch(free, 0, skills, slots, size)
