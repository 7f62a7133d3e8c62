"""The seeded round generators: deterministic, valid, and of the shape each kind promises."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from benchmarks.bounds import Eligibility, lower_bound, pools, year_capacity
from benchmarks.generate import HOSPITAL_TIERS, KINDS, generate, main
from inputs.scenario import DEFAULT_SKILLS, TIERS, Scenario

SEED = 11
SMALL_NATIONAL = 500  # the national kind at a size tests can afford
SMALL_OPEN = 400  # the open kind at a size tests can afford
ROUNDS = [(kind, hard) for kind in KINDS for hard in (False, True)]


def make(kind: str, seed: int, hard: bool) -> Scenario:
    size = {"national": SMALL_NATIONAL, "open": SMALL_OPEN}.get(kind)
    return generate(kind, seed, hard=hard, size=size)


@cache
def round_of(kind: str, hard: bool = False) -> Scenario:
    return make(kind, SEED, hard)


@pytest.mark.parametrize(("kind", "hard"), ROUNDS)
def test_same_seed_same_round_other_seed_other_round(kind: str, hard: bool) -> None:
    """A seed fixes the round, hardened or not; another seed gives another one."""
    assert make(kind, SEED, hard) == round_of(kind, hard)
    assert make(kind, SEED + 1, hard) != round_of(kind, hard)


@pytest.mark.parametrize("kind", KINDS)
def test_hardening_changes_the_round_and_easy_is_the_default(kind: str) -> None:
    """``hard=False`` (the default, and ``--easy``) is the old round; hardening makes another one of
    the same institutions."""
    assert make(kind, SEED, False) == round_of(kind)
    assert round_of(kind, True) != round_of(kind)
    assert round_of(kind, True).institutions == round_of(kind).institutions


def test_unknown_kind_and_misplaced_size_are_refused() -> None:
    """Only the listed kinds exist; a size applies to the national and open kinds only."""
    with pytest.raises(ValueError, match="unknown kind"):
        generate("county", 1)
    with pytest.raises(ValueError, match="national"):
        generate("province", 1, size=100)


@pytest.mark.parametrize(("kind", "hard"), ROUNDS)
def test_round_is_a_valid_scenario(kind: str, hard: bool) -> None:
    """Ids are unique, every reference resolves, dates are in order inside the cycle, skills are known."""
    s = round_of(kind, hard)
    assert len({i.id for i in s.institutions}) == len(s.institutions)
    assert len({i.name for i in s.institutions}) == len(s.institutions)
    assert len({e.id for e in s.experts}) == len(s.experts)
    districts = {i.district for i in s.institutions} | {e.district for e in s.experts}
    assert all(i.tier in TIERS for i in s.institutions)
    assert all(e.skills and set(e.skills) <= s.known_skills for e in s.experts)
    assert all(i.batch is None or i.batch in s.batch_by_name for i in s.institutions)
    assert all(c.expert_id in s.expert_by_id and c.institution_id in s.institution_by_id for c in s.conflicts)
    assert all(u.expert_id in s.expert_by_id and u.start <= u.end for u in s.unavailability)
    assert all({p.inspecting_district, p.inspected_district} <= districts for p in s.pairings)
    assert s.params.start < s.params.deadline
    for batch in s.batches:
        assert s.params.start <= batch.start <= batch.end <= s.params.deadline
    for inst in s.institutions:
        assert inst.year is None or s.params.start.year <= inst.year <= s.params.deadline.year
        if inst.earliest and inst.latest:
            assert s.params.start <= inst.earliest < inst.latest <= s.params.deadline


@pytest.mark.parametrize(("kind", "hard"), ROUNDS)
def test_every_institution_has_a_team_in_its_pool(kind: str, hard: bool) -> None:
    """Every non-exempt institution lies in a pool that can form a valid team for it (hardening never
    takes that away)."""
    s = round_of(kind, hard)
    found = pools(s)
    covered = {i for p in found for i in p.institutions}
    assert covered == {i.id for i in s.institutions if not i.exempt}
    assert all(lower_bound(s, p).unservable == () for p in found)


def test_district_round_is_shaped_like_seed_003() -> None:
    """≤ 20 institutions of one district, ~25 experts of two; the other district inspects the hospitals."""
    s = round_of("district")
    assert len(s.institutions) <= 20
    assert {i.district for i in s.institutions} == {"巴南区"}
    assert 20 <= len(s.experts) <= 30
    assert {e.district for e in s.experts} == {"巴南区", "长寿区"}
    (pairing,) = s.pairings
    assert (pairing.inspecting_district, pairing.inspected_district) == ("长寿区", "巴南区")
    assert set(pairing.tiers) == set(HOSPITAL_TIERS)
    assert s.params.home_district_only
    assert (s.params.start.isoformat(), s.params.deadline.isoformat()) == ("2024-11-18", "2026-11-30")
    assert {i.year for i in s.institutions if i.year} == {2024, 2025, 2026}
    tiers = Counter(i.tier for i in s.institutions)
    assert tiers["grassroots"] >= 10 and tiers["tertiary_general"] >= 1


def test_city_round_has_every_feature() -> None:
    """≤ 60 institutions, ≤ 80 experts, pairings across districts, batches, conflicts, absences, quotas."""
    s = round_of("city")
    assert len(s.institutions) <= 60 and len(s.experts) <= 80
    assert len({e.district for e in s.experts}) >= 4
    assert s.pairings and all(p.inspecting_district != p.inspected_district for p in s.pairings)
    assert len({p.tiers for p in s.pairings}) >= 2  # pairings differ by tier
    assert len(s.batches) == 4 and sum(i.batch is not None for i in s.institutions) >= 4
    assert any(e.employer in s.institution_by_id for e in s.experts)
    assert s.conflicts and s.unavailability and s.quotas
    assert s.params.max_concurrent_visits is not None
    assert any(i.exempt for i in s.institutions)


def test_province_round_is_shaped_like_seed_004() -> None:
    """~1,600 grassroots in 9 prefectures, ~250 experts, 1–3 skills each, ~30% leaders, a 10% 2024 quota."""
    s = round_of("province")
    assert all(i.tier == "grassroots" for i in s.institutions)
    sizes = Counter(i.district for i in s.institutions)
    assert len(sizes) == 9 and 1500 <= len(s.institutions) <= 1700
    assert all(100 <= n <= 300 for n in sizes.values())
    staff = Counter(e.district for e in s.experts)
    assert set(staff) == set(sizes) and all(25 <= n <= 35 for n in staff.values())
    assert 220 <= len(s.experts) <= 280
    assert all(1 <= len(e.skills) <= 3 for e in s.experts)
    assert 0.25 <= sum(e.leader for e in s.experts) / len(s.experts) <= 0.35
    (quota,) = s.quotas
    assert (quota.year, quota.tier, quota.min_share) == (2024, "grassroots", 0.1)
    assert s.params.home_district_only and not s.pairings
    assert (s.params.start.isoformat(), s.params.deadline.isoformat()) == ("2024-06-01", "2026-10-31")
    assert all(re.fullmatch(r"P\d-G\d{3}", i.id) for i in s.institutions)
    assert all(re.fullmatch(r"P\d-E\d{2}", e.id) for e in s.experts)


def test_every_prefecture_covers_every_skill_and_has_leaders() -> None:
    """Each prefecture has at least three holders of each of the five skills and several leaders."""
    s = round_of("province")
    for prefecture in {e.district for e in s.experts}:
        local = [e for e in s.experts if e.district == prefecture]
        for skill in DEFAULT_SKILLS:
            assert sum(skill in e.skills for e in local) >= 3, (prefecture, skill)
        assert sum(e.leader for e in local) >= 2


def test_cli_writes_a_csv_folder(tmp_path: Path) -> None:
    """``python -m benchmarks.generate district --out DIR`` writes the institutions and experts sheets."""
    pytest.importorskip("outputs.scenario_csv")
    assert main(["district", "--seed", "3", "--easy", "--out", str(tmp_path / "round")]) == 0
    written = {p.name for p in (tmp_path / "round").iterdir()}
    assert {"institutions.csv", "experts.csv", "params.csv"} <= written


@pytest.mark.parametrize(("kind", "hard"), ROUNDS)
def test_round_survives_the_csv_folder(kind: str, hard: bool, tmp_path: Path) -> None:
    """Written as a CSV folder and read back by the planner's reader, the round is unchanged (so the
    reader's own validation accepts it)."""
    writer = pytest.importorskip("outputs.scenario_csv")
    reader = pytest.importorskip("inputs.reader")
    writer.write_scenario_csv(round_of(kind, hard), tmp_path / kind)
    back = reader.read_scenario(tmp_path / kind)
    assert replace(back, source=round_of(kind, hard).source) == round_of(kind, hard)


# -- the harder rounds -------------------------------------------------------------------------------------
def _by_district(s: Scenario) -> dict[str, list]:
    out: dict[str, list] = {}
    for e in s.experts:
        out.setdefault(e.district, []).append(e)
    return out


def test_hard_province_keeps_seed_004s_shape() -> None:
    """Hardened, the province round still has ~1,600 grassroots institutions in 9 prefectures of
    different sizes and ~250 experts with 1–3 skills."""
    s = round_of("province", True)
    assert all(i.tier == "grassroots" for i in s.institutions) and 1500 <= len(s.institutions) <= 1700
    sizes = Counter(i.district for i in s.institutions)
    assert len(sizes) == 9 and max(sizes.values()) >= 1.5 * min(sizes.values())
    assert 220 <= len(s.experts) <= 280 and all(1 <= len(e.skills) <= 3 for e in s.experts)


def test_hard_province_has_scarcity_that_differs_by_prefecture() -> None:
    """Some prefecture has only 2–3 holders of 财务 or 安全生产, another has more of both; leaders are
    concentrated in a few experts somewhere and not everywhere; some experts hold a single skill."""
    staff = _by_district(round_of("province", True))
    scarce = {
        d
        for d, people in staff.items()
        if min(sum(s in e.skills for e in people) for s in ("财务", "安全生产")) <= 3
    }
    assert scarce and scarce != set(staff)
    few_leaders = {d for d, people in staff.items() if sum(e.leader for e in people) <= 4}
    assert few_leaders and few_leaders != set(staff)
    assert sum(len(e.skills) == 1 for people in staff.values() for e in people) >= 20


def test_hard_province_has_binding_caps_absences_and_conflicts_that_bite() -> None:
    """Some experts have a yearly cap that holds them below their prefecture's average person-days;
    some are absent for a while; every conflicts row keeps an otherwise eligible expert away."""
    s = round_of("province", True)
    capped = [e for e in s.experts if e.max_days is not None]
    assert len(capped) >= 20
    bounds = {p.experts[0]: lower_bound(s, p) for p in pools(s)}
    by_pool = {x: bounds[p.experts[0]] for p in pools(s) for x in p.experts}
    binding = [e for e in capped if (year_capacity(s, e) or 0) < by_pool[e.id].terms["person-days"]]
    assert binding
    assert len({u.expert_id for u in s.unavailability}) >= 20
    rules = Eligibility(s)
    assert s.conflicts
    for c in s.conflicts:
        expert, inst = s.expert_by_id[c.expert_id], s.institution_by_id[c.institution_id]
        districts = rules.districts(inst)
        assert districts is None or expert.district in districts
        assert expert.employer not in (inst.id, inst.name)


def test_hospitals_round_is_hospital_heavy() -> None:
    """~300 hospitals of every hospital tier (5- and 7-day visits) and a few grassroots ones, teams of
    4–9 with tertiary general hospitals inspected by groups (one part each, two on 医疗管理),
    cross-city pairings, conflicts with employers among the institutions, a private-hospital quota."""
    s = round_of("hospitals", True)
    tiers = Counter(i.tier for i in s.institutions)
    assert 290 <= sum(n for t, n in tiers.items() if t != "grassroots") <= 310
    assert set(tiers) == set(TIERS) and tiers["grassroots"] < tiers["secondary"]
    assert {s.min_days(i) for i in s.institutions if i.tier != "grassroots"} == {5, 7}
    general = s.rule("tertiary_general")
    assert (general.team_min, general.team_max, general.one_part_each) == (4, 9, True)
    assert general.count("医疗管理") == 2
    assert s.pairings and all(p.inspecting_district != p.inspected_district for p in s.pairings)
    rules = Eligibility(s)
    biting = [
        e
        for e in s.experts
        if e.employer in s.institution_by_id
        and e.district in (rules.districts(s.institution_by_id[e.employer]) or ())
    ]
    assert biting and s.conflicts
    assert any(q.ownership == "private" for q in s.quotas)


def test_national_round_has_the_size_asked_for() -> None:
    """A national round of N institutions has exactly N, in about N/117 prefectures of different
    sizes, each with its own experts; names stay unique."""
    s = generate("national", 3, size=2000)
    assert len(s.institutions) == 2000
    sizes = Counter(i.district for i in s.institutions)
    assert 15 <= len(sizes) <= 19 and max(sizes.values()) > min(sizes.values())
    assert set(_by_district(s)) == set(sizes)
    assert len({i.name for i in s.institutions}) == 2000


def test_open_round_is_one_pool_where_anyone_may_visit_anyone() -> None:
    """An open round of N institutions: N grassroots institutions in counties of one prefecture,
    one expert per 6.4 institutions, ``home_district_only`` 否, so every expert may visit every
    institution but their employer and listed conflicts; hardened, it stays one pool."""
    s = generate("open", 2, size=640, hard=True)
    assert len(s.institutions) == 640 and {i.tier for i in s.institutions} == {"grassroots"}
    assert len(s.experts) == 100 and not s.params.home_district_only
    assert len(pools(s)) == 1
    rules = Eligibility(s)
    inst = s.institutions[0]
    allowed = sum(rules.eligible(e, inst) for e in s.experts)
    assert allowed >= len(s.experts) - 3


def test_followups_set_r15s_share_and_nothing_else() -> None:
    """``followups`` gives a round with R15's follow-up share and is otherwise the same round; a share
    outside 0..1 is refused."""
    plain, followed = generate("district", 1, hard=True), generate("district", 1, hard=True, followups=0.2)
    assert plain.params.followup_share == 0.0 and followed.params.followup_share == 0.2
    assert replace(followed, params=plain.params, source=plain.source) == plain
    with pytest.raises(ValueError, match="share"):
        generate("district", 1, followups=1.5)
