"""The scenario CSV export: written in the §3 format, it reads back as an equal scenario."""

from __future__ import annotations

import csv
import dataclasses
import tempfile
from datetime import date, timedelta
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from inputs.employers import Named, Resolver
from inputs.reader import read_scenario
from inputs.sample import SAMPLE_DIR
from inputs.scenario import (
    DEFAULT_SKILLS,
    TIERS,
    Batch,
    Conflict,
    Expert,
    HolidayRow,
    Institution,
    Pairing,
    Params,
    Quota,
    Scenario,
    Team,
    TierRule,
    Unavailability,
)
from inputs.schema import PARAM_KEYS, SHEETS
from outputs.scenario_csv import write_scenario_csv


def _without_source(scenario: Scenario) -> Scenario:
    return dataclasses.replace(scenario, source="")


def test_sample_round_trip(tmp_path: Path) -> None:
    """The sample written out and read back is the same scenario."""
    sample = read_scenario(SAMPLE_DIR)
    write_scenario_csv(sample, tmp_path / "scenario")
    assert _without_source(read_scenario(tmp_path / "scenario")) == _without_source(sample)


def test_every_sheet_and_key_written_in_english(tmp_path: Path) -> None:
    """Every sheet is written with the English names, params holds every key, tiers all five rules."""
    write_scenario_csv(read_scenario(SAMPLE_DIR), tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{s.key}.csv" for s in SHEETS)
    for sheet in SHEETS:
        with (tmp_path / f"{sheet.key}.csv").open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        assert rows[0] == [c.key for c in sheet.columns]
        if sheet.key == "params":
            assert [r[0] for r in rows[1:]] == [p.key for p in PARAM_KEYS]
        if sheet.key == "tiers":
            assert [r[0] for r in rows[1:]] == list(TIERS)


# -- random small valid scenarios ------------------------------------------------------------

_CHARS = "巴南长寿区人民医院卫生中心测试张王李赵党建财务ABCxyz0123-·"
_text = st.lists(st.text(alphabet=_CHARS + "（）", min_size=1, max_size=6), min_size=1, max_size=3).map(
    " ".join
)
_key = st.text(alphabet=_CHARS, min_size=1, max_size=8)
_optional_text = st.none() | _text
_email = st.none() | st.from_regex(r"[a-z]{1,6}@[a-z]{1,6}\.example", fullmatch=True)
_DISTRICTS = ("巴南区", "长寿区", "南岸区")
_EXTRA_SKILLS = ("信息化", "医保")


def _subset(items: tuple[str, ...], min_size: int = 0) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(items), min_size=min_size, max_size=len(items), unique=True).map(tuple)


@st.composite
def _window(draw: st.DrawFn, first: date, last: date) -> tuple[date, date]:
    start = draw(st.dates(first, last))
    return start, draw(st.dates(start, last))


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    start, deadline = draw(_window(date(2024, 1, 1), date(2026, 12, 31)))
    cycle = list(range(start.year, deadline.year + 1))
    params = Params(
        name=draw(_text),
        start=start,
        deadline=deadline,
        office=draw(_optional_text),
        office_email=draw(_email),
        hotline=draw(st.none() | st.from_regex(r"0[0-9]{2}-[0-9]{8}", fullmatch=True)),
        report_email=draw(_email),
        max_concurrent_visits=draw(st.none() | st.integers(1, 9)),
        home_district_only=draw(st.booleans()),
        rest_days=draw(st.integers(0, 5)),
        max_days_per_year=draw(st.none() | st.integers(0, 200)),
        notice_days=draw(st.integers(0, 30)),
    )
    rules = {}
    for tier in TIERS:
        team_min = draw(st.integers(1, 5))
        rules[tier] = TierRule(
            tier,
            draw(st.integers(1, 9)),
            team_min,
            draw(st.integers(team_min, 9)),
            draw(_subset(DEFAULT_SKILLS + _EXTRA_SKILLS, min_size=1)),
        )
    skills = tuple(sorted({s for r in rules.values() for s in r.required_skills}))
    batches = tuple(
        Batch(name, *draw(_window(start, deadline))) for name in draw(st.lists(_key, max_size=2, unique=True))
    )
    institutions = []
    for n in range(draw(st.integers(1, 5))):
        earliest, latest = draw(st.none() | _window(start, deadline)) or (None, None)
        institutions.append(
            Institution(
                id=f"I{n}",
                name=draw(_text),
                district=draw(st.sampled_from(_DISTRICTS)),
                tier=draw(st.sampled_from(TIERS)),
                ownership=draw(st.sampled_from(("public", "private"))),
                min_days=draw(st.none() | st.integers(1, 10)),
                year=draw(st.none() | st.sampled_from(cycle)),
                batch=draw(st.none() | st.sampled_from([b.name for b in batches] or [None])),
                earliest=earliest,
                latest=latest,
                exempt=draw(st.booleans()),
                address=draw(_optional_text),
            )
        )
    inst_ids = [i.id for i in institutions]
    experts = tuple(
        Expert(
            id=f"E{n}",
            name=draw(_text),
            district=draw(st.sampled_from(_DISTRICTS)),
            skills=draw(_subset(skills, min_size=1)),
            employer=draw(st.none() | st.sampled_from(inst_ids) | _text),
            leader=draw(st.booleans()),
            max_days=draw(st.none() | st.integers(0, 100)),
            email=draw(_email),
            phone=draw(st.none() | st.from_regex(r"1[0-9]{10}", fullmatch=True)),
        )
        for n in range(draw(st.integers(1, 5)))
    )
    expert_ids = [e.id for e in experts]
    districts = sorted({i.district for i in institutions} | {e.district for e in experts})
    # R6: the reader resolves employer texts, so a valid scenario carries what they resolve to.
    resolver = Resolver([Named(i.id, i.name) for i in institutions], districts, params.name)
    experts = tuple(dataclasses.replace(e, employer=_resolved(resolver, e.employer)) for e in experts)
    teams = []
    for name in draw(st.lists(_key, max_size=2, unique=True)):
        members = draw(st.lists(st.sampled_from(expert_ids), min_size=1, unique=True))
        teams.append(Team(name, draw(st.sampled_from(members)), tuple(members), draw(_subset(TIERS))))
    holidays = []
    for _ in range(draw(st.integers(0, 3))):
        first = draw(st.dates(date(2024, 1, 1), date(2026, 12, 31)))
        last = first + timedelta(days=draw(st.integers(0, 7)))
        holidays.append(
            HolidayRow(
                first, min(last, date(first.year, 12, 31)), draw(st.sampled_from(("holiday", "workday")))
            )
        )
    return Scenario(
        params=params,
        institutions=tuple(institutions),
        experts=experts,
        tier_rules=rules,
        batches=batches,
        quotas=tuple(
            Quota(
                draw(st.sampled_from(cycle)),
                draw(st.none() | st.sampled_from(TIERS)),
                draw(st.none() | st.sampled_from(("public", "private"))),
                draw(st.floats(0, 1)),
                draw(st.integers(0, 5)),
            )
            for _ in range(draw(st.integers(0, 2)))
        ),
        unavailability=tuple(
            Unavailability(
                draw(st.sampled_from(expert_ids)), *draw(_window(start, deadline)), draw(_optional_text)
            )
            for _ in range(draw(st.integers(0, 2)))
        ),
        conflicts=tuple(
            Conflict(draw(st.sampled_from(expert_ids)), draw(st.sampled_from(inst_ids)), draw(_optional_text))
            for _ in range(draw(st.integers(0, 2)))
        ),
        pairings=tuple(
            Pairing(draw(st.sampled_from(districts)), draw(st.sampled_from(districts)), draw(_subset(TIERS)))
            for _ in range(draw(st.integers(0, 2)))
        ),
        teams=tuple(teams),
        holidays=tuple(holidays),
    )


def _resolved(resolver: Resolver, employer: str | None) -> str | None:
    """The employer as the reader resolves it; a text it would refuse (ambiguous, a near miss) left out."""
    if employer is None:
        return None
    resolution = resolver.resolve(employer)
    return None if resolution.problem() else resolution.employer


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_random_scenarios_round_trip(scenario: Scenario) -> None:
    """Property: any small valid scenario, written and read back, is equal to itself (source aside)."""
    with tempfile.TemporaryDirectory() as folder:
        write_scenario_csv(scenario, Path(folder))
        assert _without_source(read_scenario(folder)) == _without_source(scenario)
