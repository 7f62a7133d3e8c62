"""The rescue's first step (scheduler.relieve): only the heaviest and lightest experts' visits re-solved."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import timedelta

from constraints.registry import post_all
from inputs.scenario import Conflict, Team
from scheduler import cpsat, pooling, relieve
from scheduler.greedy import Assignment
from scheduler.instance import build_instance
from scheduler.model import build_variables
from scheduler.pooling import pools
from tests.constraints.builders import inst
from tests.scheduler.conftest import allround, scenario

LATER = time.monotonic() + 3600


def _clinics(count: int, experts: int, *, conflicted: bool = False):
    """``count`` one-day clinics to visit within ``count`` working days, teams of one, ``experts``
    all-round leaders; with ``conflicted`` only E1 may visit any. Returns the model and its heaviest
    load's variable (at least 1)."""
    clinics = [inst(f"I{n}", f"卫生院{n}", tier="grassroots") for n in range(1, count + 1)]
    pool = [allround(f"E{n}", leader=True) for n in range(1, experts + 1)]
    base = scenario(clinics, pool)
    rules = {"grassroots": replace(base.tier_rules["grassroots"], team_min=1)}
    sc = scenario(clinics, pool, deadline=base.params.start + timedelta(days=count + 2), tier_rules=rules)
    if conflicted:
        sc = replace(sc, conflicts=tuple(Conflict(e.id, c.id) for e in pool[1:] for c in clinics))
    instance = build_instance(sc, announce=sc.params.start, followups=True, seed=0)
    ((ts, _),) = pools(instance, instance.tasks)
    m = build_variables(instance, [instance.tasks[t] for t in ts], [])
    post_all(m)
    heaviest = m.cp.new_int_var(1, count, "heaviest")
    for k in range(len(instance.experts)):
        if m.tasks_of.get(k):
            m.cp.add(m.load(k) <= heaviest)
    return m, heaviest


def _start(m, members: list[int]) -> dict[int, Assignment]:
    """A plan giving the i-th visit to expert ``members[i]``, each on its own first start."""
    return {
        task.index: Assignment(task.starts[0][0] + i, (k,), k)
        for i, (task, k) in enumerate(zip(m.tasks, members, strict=True))
    }


def test_the_heaviest_hands_visits_to_the_light_and_others_keep_theirs():
    """E1 makes two visits and E4 one; E2 and E3 none. Asked for a day less (bound 1), the heaviest (E1)
    and the experts below the bound (E2, E3) are re-solved: E1 ends with one visit, E4's visit keeps its
    member and its start (E4 is neither), every visit is made, within the budget."""
    m, heaviest = _clinics(3, 4)
    start = _start(m, [0, 0, 3])
    hinted = []
    found, spent, fired = relieve.relieve(m, heaviest, 1, start, hinted.append, LATER, 0, 1, 1.0, 12, ())
    assert found is not None and not fired
    assert set(found) == {t.index for t in m.tasks}
    assert pooling.heaviest(m.instance, found) == 1
    kept = m.tasks[2].index
    assert found[kept].members == (3,) and found[kept].start == start[kept].start
    assert hinted == [found] and 0 < spent <= 1.0


def test_no_one_to_take_the_days_gives_no_plan_without_an_error():
    """Only E1 may visit the clinics: asked for a day less, the neighbourhood has no plan however far it
    widens; the step ends with none, the budget not overspent."""
    m, heaviest = _clinics(2, 2, conflicted=True)
    start = _start(m, [0, 0])
    hinted = []
    found, spent, fired = relieve.relieve(m, heaviest, 1, start, hinted.append, LATER, 0, 1, 1.0, 4, ())
    assert found is None and not hinted and not fired and spent <= 1.0


def test_an_expert_at_a_yearly_cap_is_not_room():
    """R8: an expert below the bound but without room for the heaviest's visit under their cap is not
    among the light; one with room is."""
    assert not relieve._room(13, 7, 2, 5)
    assert relieve._room(9, 7, 2, 5)
    assert relieve._room(40, None, 2, 7)


def test_a_kept_standing_team_visit_keeps_its_team_start_and_members():
    """``cpsat.keep`` on a visit two standing teams may make (R11): in the copy, its start, its seats
    (the teams' members, not its candidates) and its team are those of the plan, the other team out."""
    teams = (Team("A组", "E1", ("E1", "E3")), Team("B组", "E2", ("E2", "E4")))
    clinic = inst("I1", "卫生院1", tier="grassroots")
    sc = scenario([clinic], [allround(f"E{n}", leader=n < 3) for n in range(1, 5)], teams=teams)
    instance = build_instance(sc, announce=sc.params.start, followups=True, seed=0)
    m = build_variables(instance, list(instance.tasks), [])
    post_all(m)
    (task,) = m.tasks
    assert task.team_staffed and len(task.teams) == 2
    b = [j for j in task.teams if set(task.team_members[task.teams.index(j)]) == {1, 3}]
    kept = Assignment(task.starts[0][0] + 1, (1, 3), 1, b[0])
    target = m.cp.clone()
    cpsat.keep(target, m, task.index, kept)

    def domain(var):
        return list(target.proto.variables[var.index].domain)

    assert domain(m.start[task.index]) == [kept.start, kept.start]
    for k in cpsat.seats(task):
        assert domain(m.x[task.index, k]) == [int(k in (1, 3))] * 2
    for j in task.teams:
        assert domain(m.team[task.index, j]) == [int(j == b[0])] * 2
