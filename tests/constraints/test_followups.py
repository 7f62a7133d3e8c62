"""R15: a follow-up (回头看) after its visit, by a small team with one of the first team on it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from constraints import followups
from constraints.registry import validate
from scheduler.plan import Unscheduled
from tests.constraints.builders import make_scenario, rules, small_plan, small_scenario, subjects, visit

D = date.fromisoformat


def _with_followup(*visits, **params):
    """The ``small`` scenario with H1 marked for a follow-up, and its valid plan plus ``visits``."""
    base = small_scenario(feedback_days=30, rectify_days=60, **params)
    marked = tuple(replace(i, followup=True) if i.id == "H1" else i for i in base.institutions)
    plan = small_plan()
    return replace(base, institutions=marked), replace(plan, visits=plan.visits + tuple(visits))


# H1's visit ends 2024-09-27: its follow-up may start 90 days later, on 2024-12-26.
GOOD = visit("H1", "2024-12-26", "2024-12-26", "E1", ["E1", "E8"])


def test_a_right_followup_holds_every_rule():
    """E1 (leader, on the first visit) and E8 on 12-26: R15 and every other rule hold."""
    scenario, plan = _with_followup(replace(GOOD, kind="followup"))
    assert validate(scenario, plan) == []


def test_followup_too_early_too_late_or_without_the_first_team():
    """On 12-20 it is six days early; with E2 and E8 nobody of the first team is on it; after a
    follow-up deadline of 12-20 it ends too late."""
    early = replace(GOOD, kind="followup", start=D("2024-12-20"), end=D("2024-12-20"))
    scenario, plan = _with_followup(early)
    assert "最早 2024-12-26" in " ".join(v.message for v in followups.check(scenario, plan))
    stranger = replace(GOOD, kind="followup", leader="E2", members=("E2", "E8"))
    scenario, plan = _with_followup(stranger)
    assert any("须至少保留一名" in v.message for v in followups.check(scenario, plan))
    scenario, plan = _with_followup(replace(GOOD, kind="followup"), followup_deadline=D("2024-12-20"))
    assert any("2024-12-20 之后" in v.message for v in followups.check(scenario, plan))


def test_continuity_off_accepts_a_new_team():
    """With followup_continuity 否 a team without the first visit's members is fine."""
    stranger = replace(GOOD, kind="followup", leader="E2", members=("E2", "E8"))
    scenario, plan = _with_followup(stranger, followup_continuity=False)
    assert followups.check(scenario, plan) == []


def test_team_size_and_leader():
    """A follow-up of one expert, or led by someone not eligible, breaks R15 (the tier's size does not
    apply: R4 leaves follow-ups to R15)."""
    alone = replace(GOOD, kind="followup", members=("E1",))
    scenario, plan = _with_followup(alone)
    found = validate(scenario, plan)
    assert rules(found) == {"R15"} and "2–3 人" in found[0].message
    unfit = replace(GOOD, kind="followup", leader="E8")
    scenario, plan = _with_followup(unfit)
    assert any("不具备组长资格" in v.message for v in followups.check(scenario, plan))


def test_marked_institution_needs_its_followup_or_a_reason():
    """H1 is marked: without a follow-up the plan must list it as left out (kind followup)."""
    scenario, plan = _with_followup()
    assert subjects(followups.check(scenario, plan), "R15") == {"H1"}
    listed = replace(plan, unscheduled=(Unscheduled("H1", ("回头看无法安排",), "R15", kind="followup"),))
    assert followups.check(scenario, listed) == []
    assert validate(scenario, listed) == []


def test_share_of_followups_in_a_complete_plan():
    """With a share of 50 % of the four visited institutions, one follow-up is too few."""
    scenario, plan = _with_followup(replace(GOOD, kind="followup"), followup_share=0.5)
    found = followups.check(scenario, plan)
    assert len(found) == 1 and "至少应有 2 家" in found[0].message


def test_followup_without_a_first_visit():
    """A follow-up of an institution that has no first visit is flagged."""
    scenario = make_scenario([], [])
    scenario, plan = _with_followup(visit("G9", "2024-12-26", "2024-12-26", "E1", ["E1", "E8"]))
    lone = replace(plan.visits[-1], kind="followup")
    found = followups.check(scenario, replace(plan, visits=(*plan.visits[:-1], lone)))
    assert any("没有首次巡查" in v.message for v in found)
