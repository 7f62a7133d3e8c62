"""Objective 3 (``pace``) and R9's at-most quotas, end to end.

``even`` (the default) spreads each year's and batch's visits over its months; ``early`` crowds them
into the first weeks. The office's test of an even plan: in every year no calendar month holds more
than twice the mean monthly starts of that year's window, rounded up (:func:`crowded_months`).
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import replace
from datetime import date
from pathlib import Path

import inputs
from benchmarks.generate import generate
from constraints.registry import validate
from inputs.reader import read_scenario
from inputs.scenario import Batch, Quota, Scenario
from scheduler.plan import Plan
from scheduler.solve import solve
from tests.constraints.builders import inst
from tests.scheduler.conftest import allround, check_plan, scenario, solve_checked

D = date.fromisoformat


def crowded_months(sc: Scenario, plan: Plan) -> list[tuple[int, int, int, int]]:
    """(year, month, starts, limit) for every month busier than twice its year's mean, rounded up."""
    p = sc.params
    starts = Counter((v.start.year, v.start.month) for v in plan.visits)
    out = []
    for year in range(p.start.year, p.deadline.year + 1):
        first = p.start.month if year == p.start.year else 1
        last = p.deadline.month if year == p.deadline.year else 12
        total = sum(n for (y, _), n in starts.items() if y == year)
        limit = math.ceil(2 * total / (last - first + 1))
        out += [(year, m, starts[year, m], limit) for m in range(first, last + 1) if starts[year, m] > limit]
    return out


def _paced(sc: Scenario, pace: str) -> Scenario:
    return replace(sc, params=replace(sc.params, pace=pace))


def _grassroots(n: int, **kw) -> list:
    return [inst(f"G{k:02d}", f"卫生院{k}", "grassroots", **kw) for k in range(n)]


def _two_months(n: int = 8, **kw) -> Scenario:
    """n one-day grassroots visits, November–December 2024, four experts (two teams at a time)."""
    experts = [allround(f"E{k}", leader=True) for k in range(4)]
    return scenario(_grassroots(n), experts, deadline=D("2024-12-31"), notice_days=0, **kw)


def test_early_crowds_the_first_weeks_and_even_spreads_them():
    """Early: all 8 visits start in November (two teams, four days). Even: 4 in November, 4 in
    December — the busiest month as low as it can be."""
    early = solve_checked(_paced(_two_months(), "early")).plan
    assert Counter(v.start.month for v in early.visits) == {11: 8}
    sc = _two_months()
    even = solve_checked(sc).plan
    assert Counter(v.start.month for v in even.visits) == {11: 4, 12: 4}
    assert crowded_months(sc, even) == []


def test_even_finishes_each_month_early():
    """Within the paced counts each visit starts as early as its team allows: the four November
    visits take the first two working days (two teams), the December ones the first two of December."""
    plan = solve_checked(_two_months()).plan
    days = sorted(v.start for v in plan.visits)
    assert (
        days == [D("2024-11-04")] * 2 + [D("2024-11-05")] * 2 + [D("2024-12-02")] * 2 + [D("2024-12-03")] * 2
    )


def test_even_paces_each_batch_within_its_window():
    """Batch 第二批 (December) holds 6 of the visits: its window is one month, so all 6 start in
    December; the other 2 then go to November, not December (the year's busiest month stays 6)."""
    batches = [
        Batch("第一批", D("2024-11-01"), D("2024-11-30")),
        Batch("第二批", D("2024-12-01"), D("2024-12-31")),
    ]
    institutions = [
        *_grassroots(2),
        *(inst(f"B{k}", f"批次卫生院{k}", "grassroots", batch="第二批") for k in range(6)),
    ]
    experts = [allround(f"E{k}", leader=True) for k in range(4)]
    sc = scenario(institutions, experts, deadline=D("2024-12-31"), notice_days=0, batches=batches)
    plan = solve_checked(sc).plan
    by_month = Counter((v.institution[0], v.start.month) for v in plan.visits)
    assert by_month == {("B", 12): 6, ("G", 11): 2}


def test_sample_round_is_paced():
    """The built-in sample (seed 003's 巴南 round): no month of any year is crowded."""
    sc = read_scenario(Path(inputs.__file__).parent / "sample")
    assert sc.params.pace == "even"
    result = solve(sc, time_limit=20, seed=0, workers=1)
    assert validate(sc, result.plan) == [] and not result.plan.unscheduled
    assert crowded_months(sc, result.plan) == []


def _small_province() -> Scenario:
    """Two prefectures of the generated province round (seed 1), 60 institutions each, with seed 004's
    "about 10%" of 2024 as a quota that also caps the year."""
    full = generate("province", 1)
    districts = sorted({i.district for i in full.institutions})[:2]
    institutions = []
    for d in districts:
        institutions += [i for i in full.institutions if i.district == d][:60]
    experts = tuple(e for e in full.experts if e.district in districts)
    quota = Quota(2024, tier="grassroots", min_share=0.1, max_share=0.1)
    return replace(full, institutions=tuple(institutions), experts=experts, quotas=(quota,))


def test_generated_province_round_is_paced_and_meets_about_ten_percent():
    """On a cut of the generated province round every institution is visited, no month is crowded,
    and 2024 holds exactly 10% of the 120 institutions (12: the quota's minimum and its cap)."""
    sc = _small_province()
    result = solve(sc, time_limit=20, seed=1, workers=1)
    check_plan(sc, result.plan)
    assert not result.plan.unscheduled
    assert crowded_months(sc, result.plan) == []
    assert sum(1 for v in result.plan.visits if v.start.year == 2024) == 12


# -- R9 at-most quotas in the solver ---------------------------------------------------------------


def _spring(n: int, quota: Quota, **kw) -> Scenario:
    """n grassroots visits, November 2024 – February 2025, with a 2024 quota row."""
    experts = [allround(f"E{k}", leader=True) for k in range(4)]
    return scenario(
        _grassroots(n, **kw), experts, deadline=D("2025-02-28"), notice_days=0, quotas=[quota], pace="early"
    )


def test_cap_keeps_visits_out_of_the_year():
    """Without a cap, early pacing puts all 10 visits in November 2024; with at most 3 in 2024 the
    other 7 go to 2025."""
    free = solve_checked(_spring(10, Quota(2024, tier="grassroots"))).plan
    assert sum(1 for v in free.visits if v.start.year == 2024) == 10
    capped = solve_checked(_spring(10, Quota(2024, tier="grassroots", max_count=3))).plan
    assert len(capped.visits) == 10
    assert sum(1 for v in capped.visits if v.start.year == 2024) == 3


def test_min_and_max_share_meet_exactly():
    """min_share = max_share = 10% of 25: exactly 3 visits in 2024 (ceil 2.5), the rest in 2025."""
    plan = solve_checked(_spring(25, Quota(2024, tier="grassroots", min_share=0.1, max_share=0.1))).plan
    assert len(plan.visits) == 25
    assert sum(1 for v in plan.visits if v.start.year == 2024) == 3


def test_cap_shared_among_independent_pools():
    """Two districts, each with its own experts (home district only): a cap of 4 over both holds in
    total, and every visit is still planned."""
    institutions = _grassroots(6) + [
        inst(f"C{k}", f"长寿卫生院{k}", "grassroots", district="长寿") for k in range(6)
    ]
    experts = [allround(f"E{k}", leader=True) for k in range(2)] + [
        allround(f"F{k}", leader=True, district="长寿") for k in range(2)
    ]
    sc = scenario(
        institutions,
        experts,
        deadline=D("2025-02-28"),
        notice_days=0,
        home_district_only=True,
        quotas=[Quota(2024, tier="grassroots", max_count=4)],
        pace="early",
    )
    plan = solve_checked(sc).plan
    assert len(plan.visits) == 12
    assert sum(1 for v in plan.visits if v.start.year == 2024) == 4


def test_cap_below_institutions_fixed_to_the_year_leaves_some_out():
    """Five institutions must be visited in 2024 but the year allows 3: two are left out, with reasons."""
    plan = solve_checked(_spring(5, Quota(2024, tier="grassroots", max_count=3), year=2024)).plan
    assert len(plan.visits) == 3 and len(plan.unscheduled) == 2
    for left in plan.unscheduled:
        assert any("至多巡查 3 家" in r and "只能在 2024 年巡查" in r for r in left.reasons)


def test_spreading_keeps_a_year_s_minimum_when_a_visit_straddles_new_year():
    """Three 5-day visits, two wholly in 2024 and one straddling New Year, and at least two needed
    wholly in 2024 (R9 counts a visit for a year only when it lies wholly inside it). December holds
    two starts and January none, so even pacing would move the December visit that lies in 2024 to
    January; counted by their starts the straddling one seemed to keep the year at two, and the plan
    broke R9 (found by the property test with ten times its examples). It stays."""
    from scheduler.greedy import Assignment
    from scheduler.instance import build_instance
    from scheduler.pacing import spread
    from scheduler.shares import quotas_met

    experts = [allround(f"E{k}", leader=True) for k in range(12)]
    hospitals = [inst(f"H{k}", f"医院{k}", "secondary") for k in range(3)]
    sc = scenario(hospitals, experts, start=D("2024-11-04"), deadline=D("2025-01-31"), notice_days=0)
    instance = build_instance(sc, announce=sc.params.start, followups=True, seed=0)
    starts = {"H0": "2024-11-04", "H1": "2024-12-23", "H2": "2024-12-30"}
    plan = {}
    for task in instance.tasks:
        n = int(task.inst.id[1])
        team = tuple(range(4 * n, 4 * n + 4))
        plan[task.index] = Assignment(instance.index_of(D(starts[task.inst.id])), team, team[0])
    h2 = next(t for t in instance.tasks if t.inst.id == "H2")
    assert instance.wholly_in(plan[h2.index].start, h2.days) is None  # it straddles New Year
    need = [(2024, [t.index for t in instance.tasks], 2)]
    assert quotas_met(instance, plan, need)
    spread_plan = spread(instance, plan, need, [])
    assert quotas_met(instance, spread_plan, need)
