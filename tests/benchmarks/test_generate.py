"""The seeded round generators: deterministic, valid, and of the shape each kind promises."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import replace
from functools import cache
from pathlib import Path

import pytest

from benchmarks.bounds import lower_bound, pools
from benchmarks.generate import HOSPITAL_TIERS, KINDS, generate, main
from inputs.scenario import DEFAULT_SKILLS, TIERS, Scenario

SEED = 11


@cache
def round_of(kind: str) -> Scenario:
    return generate(kind, SEED)


@pytest.mark.parametrize("kind", KINDS)
def test_same_seed_same_round_other_seed_other_round(kind: str) -> None:
    """A seed fixes the round; another seed gives another one."""
    assert generate(kind, SEED) == round_of(kind)
    assert generate(kind, SEED + 1) != round_of(kind)


def test_unknown_kind_is_refused() -> None:
    """Only district, city and province exist."""
    with pytest.raises(ValueError, match="unknown kind"):
        generate("county", 1)


@pytest.mark.parametrize("kind", KINDS)
def test_round_is_a_valid_scenario(kind: str) -> None:
    """Ids are unique, every reference resolves, dates are in order inside the cycle, skills are known."""
    s = round_of(kind)
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


@pytest.mark.parametrize("kind", KINDS)
def test_every_institution_has_a_team_in_its_pool(kind: str) -> None:
    """Every non-exempt institution lies in a pool that can form a valid team for it."""
    s = round_of(kind)
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
    assert main(["district", "--seed", "3", "--out", str(tmp_path / "round")]) == 0
    written = {p.name for p in (tmp_path / "round").iterdir()}
    assert {"institutions.csv", "experts.csv", "params.csv"} <= written


@pytest.mark.parametrize("kind", KINDS)
def test_round_survives_the_csv_folder(kind: str, tmp_path: Path) -> None:
    """Written as a CSV folder and read back by the planner's reader, the round is unchanged (so the
    reader's own validation accepts it)."""
    writer = pytest.importorskip("outputs.scenario_csv")
    reader = pytest.importorskip("inputs.reader")
    writer.write_scenario_csv(round_of(kind), tmp_path / kind)
    back = reader.read_scenario(tmp_path / kind)
    assert replace(back, source=round_of(kind).source) == round_of(kind)
