"""Large pools solved on pruned candidate lists (``scheduler.instance.prune``, issue 13 point 4): each
visit keeps the greedy's team, enough leaders and skill holders, and a balanced share of the others;
the round's plan stays valid and complete."""

from __future__ import annotations

from collections import Counter

import pytest

from benchmarks.generate import generate
from scheduler import solve as solve_module
from scheduler.greedy import greedy, quota_targets
from scheduler.instance import PRUNE_KEEP, PRUNE_LEADERS, PRUNE_SKILL_SLACK, build_instance, prune
from scheduler.solve import _groups, solve
from tests.scheduler.conftest import check_plan


def _open_round():
    """One open pool: 240 grassroots institutions, 38 experts who may each visit any of them."""
    return generate("open", 0, size=240)


def _instance_and_plan():
    sc = _open_round()
    instance = build_instance(sc, announce=sc.params.start, followups=True, seed=0)
    return instance, greedy(instance, quota_targets(instance))


def test_the_open_round_is_one_pool_with_many_candidates_per_visit():
    sc = _open_round()
    instance = build_instance(sc, announce=sc.params.start, followups=True, seed=0)
    assert len(_groups(instance)) == 1
    assert min(len(t.candidates) for t in instance.tasks) > PRUNE_KEEP


def test_pruned_lists_keep_the_team_leaders_and_skills_and_narrow_only():
    """Every list is a subset of the visit's candidates of size PRUNE_KEEP (the kept team fits in it),
    holds the greedy team, at least PRUNE_LEADERS leaders and PRUNE_SKILL_SLACK holders per skill."""
    instance, plan = _instance_and_plan()
    tasks = sorted(plan)
    pruned = prune(instance, tasks, {t: plan[t].members for t in tasks})
    experts = instance.experts
    for t in tasks:
        before, after = set(instance.tasks[t].candidates), pruned.tasks[t].candidates
        assert set(after) <= before and len(after) == PRUNE_KEEP
        assert set(plan[t].members) <= set(after)
        assert sum(experts[k].leader for k in after) >= PRUNE_LEADERS
        for skill in instance.tasks[t].skills:
            assert sum(skill in experts[k].skills for k in after) >= PRUNE_SKILL_SLACK
    untouched = [t.index for t in instance.tasks if t.index not in plan]
    assert all(pruned.tasks[t] == instance.tasks[t] for t in untouched)


def test_pruned_lists_are_balanced_and_deterministic():
    """Round-robin: no expert lands on many more lists than another (beyond what the kept teams and
    the scarcer leader and skill turns add), and the same input gives the same lists."""
    instance, plan = _instance_and_plan()
    tasks = sorted(plan)
    keep = {t: plan[t].members for t in tasks}
    pruned = prune(instance, tasks, keep)
    again = prune(instance, tasks, keep)
    assert [t.candidates for t in pruned.tasks] == [t.candidates for t in again.tasks]
    on = Counter(k for t in tasks for k in pruned.tasks[t].candidates)
    everyone = {k for t in tasks for k in instance.tasks[t].candidates}
    assert set(on) == everyone  # nobody dropped from every list
    fair = len(tasks) * PRUNE_KEEP / len(everyone)
    assert min(on.values()) >= 0.5 * fair


def test_a_small_round_is_not_pruned():
    """Below PRUNE_PAIRS the groups are solved on the whole lists: the instance is returned as is."""
    sc = _open_round()
    instance = build_instance(sc, announce=sc.params.start, followups=True, seed=0)
    groups = _groups(instance)
    plan = greedy(instance, [q for _, _, targets in groups for q in targets])
    assert solve_module._pruned(instance, groups, [0], plan) is instance


def test_a_pruned_pool_is_solved_completely_and_validly(monkeypatch: pytest.MonkeyPatch):
    """With the threshold lowered so that the open round is pruned, the plan is complete and valid,
    and the same as another run of it."""
    monkeypatch.setattr(solve_module, "PRUNE_PAIRS", 0)
    sc = _open_round()
    first = solve(sc, time_limit=4, seed=3, workers=1)
    check_plan(sc, first.plan)
    assert not first.plan.unscheduled
    second = solve(_open_round(), time_limit=4, seed=3, workers=1)
    assert first.plan.to_json() == second.plan.to_json()
