"""R9: yearly coverage quotas over the non-exempt institutions of a tier and ownership."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from constraints import quotas
from constraints.registry import validate
from inputs import cells
from inputs.scenario import Quota
from tests.constraints.builders import drop_visit, inst, make_plan, make_scenario, replace_visit, rules, visit


def test_quota_by_ownership_min_count(small, small_valid):
    """The 2024 private quota needs at least 1 of {G2}; leaving G2 unscheduled breaks it, and only R9
    (the grassroots quota, 50% of {G1, G2} = 1, still holds with G1)."""
    found = validate(small, drop_visit(small_valid, "G2"))
    assert rules(found) == {"R9"}
    assert [v.subject for v in found] == ["2024年 民营"]
    assert (
        "共 1 家" in found[0].message
        and "至少 1 家" in found[0].message
        and "只安排了 0 家" in found[0].message
    )


def test_quota_by_share(small, small_valid):
    """The 2024 grassroots quota (50% of 2 = 1) fails when both G1 and G2 are left out."""
    plan = drop_visit(drop_visit(small_valid, "G1"), "G2")
    found = quotas.check(small, plan)
    assert {v.subject for v in found} == {"2024年 民营", "2024年 基层"}
    grassroots = next(v for v in found if v.subject == "2024年 基层")
    assert "比例 50%" in grassroots.message


def test_visit_counts_only_when_wholly_in_the_year(small, small_valid):
    """G2 visited in 2025 does not count for the 2024 private quota."""
    plan = replace_visit(small_valid, "G2", start=date(2025, 3, 3), end=date(2025, 3, 3))
    assert [v.subject for v in quotas.check(small, plan)] == ["2024年 民营"]


def test_share_rounds_up_and_exempt_institutions_do_not_count():
    """10% of 11 non-exempt grassroots institutions needs 2 (ceil 1.1); the exempt 12th is not counted.
    30% of 10 needs exactly 3 (no float drift to 4)."""
    institutions = [inst(f"G{n}", f"卫生院{n}", "grassroots") for n in range(11)]
    institutions.append(inst("GX", "免检卫生院", "grassroots", exempt=True))
    scenario = make_scenario(institutions, [], quotas=[Quota(2024, tier="grassroots", min_share=0.1)])
    one = make_plan([visit("G0", "2024-03-04", "2024-03-04", "A", ["A"])])
    two = make_plan([*one.visits, visit("G1", "2024-03-05", "2024-03-05", "A", ["A"])])
    found = quotas.check(scenario, one)
    assert len(found) == 1 and "共 11 家" in found[0].message and "至少 2 家" in found[0].message
    assert quotas.check(scenario, two) == []
    assert quotas.required(Quota(2025, min_share=0.3), 10) == 3
    assert quotas.required(Quota(2025, min_share=0.3, min_count=4), 10) == 4


def test_quota_without_tier_or_ownership_counts_everyone(small, small_valid):
    """A 2024 quota of every institution at 100% needs H1, H2, G1, G2 (X1 is exempt)."""
    scenario = replace(small, quotas=(Quota(2024, min_share=1.0),))
    assert quotas.check(scenario, small_valid) == []
    found = quotas.check(scenario, drop_visit(small_valid, "H2"))
    assert [v.subject for v in found] == ["2024年 全部机构"]


# -- at-most caps (max_share, max_count) -----------------------------------------------------------


def _grassroots_round(n: int, quota: Quota):
    institutions = [inst(f"G{k}", f"卫生院{k}", "grassroots") for k in range(n)]
    return make_scenario(institutions, [], quotas=[quota])


def _visits(count: int, month: str = "2024-03"):
    return make_plan(
        [visit(f"G{k}", f"{month}-{4 + k:02d}", f"{month}-{4 + k:02d}", "A", ["A"]) for k in range(count)]
    )


def test_cap_bites_above_max_count():
    """At most 2 of 10 grassroots institutions in 2024: a plan visiting 3 of them in 2024 breaks R9,
    one visiting 2 does not."""
    scenario = _grassroots_round(10, Quota(2024, tier="grassroots", max_count=2))
    found = quotas.check(scenario, _visits(3))
    assert len(found) == 1 and "至多巡查 2 家" in found[0].message and "安排了 3 家" in found[0].message
    assert quotas.check(scenario, _visits(2)) == []


def test_cap_by_share_rounds_down():
    """max_share 25% of 10 allows floor(2.5) = 2."""
    scenario = _grassroots_round(10, Quota(2024, tier="grassroots", max_share=0.25))
    assert quotas.allowed(scenario.quotas[0], 10) == 2
    assert quotas.check(scenario, _visits(2)) == []
    assert "比例不超过 25%" in quotas.check(scenario, _visits(3))[0].message


def test_about_ten_percent_meets_exactly():
    """Seed 004's "about 10%" (min_share = max_share = 10%) of 25 needs ceil(2.5) = 3 and allows 3, not
    floor(2.5) = 2: the two bounds always meet, so exactly 3 passes and 2 or 4 fail."""
    quota = Quota(2024, tier="grassroots", min_share=0.1, max_share=0.1)
    scenario = _grassroots_round(25, quota)
    assert quotas.required(quota, 25) == 3 and quotas.allowed(quota, 25) == 3
    assert quotas.check(scenario, _visits(3)) == []
    assert len(quotas.check(scenario, _visits(2))) == 1
    assert len(quotas.check(scenario, _visits(4))) == 1


def test_cap_counts_only_visits_wholly_in_its_year():
    """Visits in 2025 do not count against a 2024 cap of 1."""
    scenario = _grassroots_round(10, Quota(2024, tier="grassroots", max_count=1))
    assert quotas.check(scenario, _visits(3, "2025-03")) == []
    assert quotas.allowed(Quota(2024), 10) is None


@settings(max_examples=400, deadline=None)
@given(
    least=st.integers(0, 10_000),
    extra=st.integers(0, 10_000),
    count=st.integers(0, 5_000),
    min_count=st.integers(0, 20),
    percent=st.booleans(),
)
def test_the_check_and_the_solver_read_a_quota_row_alike(least, extra, count, min_count, percent):
    """``schedule validate`` reads a quota row with its own exact arithmetic (``constraints.quotas``),
    the solver's side with floats (``Quota.required``/``allowed``): on every share a cell can hold —
    typed as a percentage with two decimals or as a fraction with four, through the reader's own cell
    parser — both give the same minimum and cap."""
    top = min(least + extra, 10_000)
    if percent:
        typed = (f"{least / 100:.2f}%", f"{top / 100:.2f}%")
    else:
        typed = (f"{least / 10_000:.4f}", f"{top / 10_000:.4f}")
    quota = Quota(2025, min_share=cells.share(typed[0]), min_count=min_count, max_share=cells.share(typed[1]))
    assert quotas.required(quota, count) == quota.required(count)
    assert quotas.allowed(quota, count) == quota.allowed(count)


def test_the_check_and_the_solver_count_the_same_institutions(small):
    """Both sides count the same institutions for each row (exempt ones aside)."""
    for quota in small.quotas:
        assert quotas.matching(small, quota) == small.counted(quota)
