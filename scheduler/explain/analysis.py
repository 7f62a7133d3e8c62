"""The re-solve machinery of :mod:`scheduler.explain`: each relaxation, then sets of them, tried on
the institution's part of the round with every planned visit kept, under the analysis budget."""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from ortools.sat.python import cp_model

from constraints.registry import POSTS
from inputs.calendar import UnknownYearError
from inputs.scenario import Institution, Scenario
from scheduler.cpsat import solve_until
from scheduler.diagnose import Finding
from scheduler.explain.base import _SOLVABLE, Extra, Reader, _OutOfTime, _Relax, _Solved, _Verdict
from scheduler.explain.relax_calendar import _CalendarRelaxations
from scheduler.explain.relax_capacity import _CapacityRelaxations
from scheduler.explain.wording import _joint, _set_name
from scheduler.instance import Task, build_instance
from scheduler.model import Model, build_variables

_MAX_FIXES = 3  # relaxations reported per institution
_MAX_TRIPLES = 20  # sets of three rule groups are tried only when there are at most this many


class _Analysis(_CapacityRelaxations, _CalendarRelaxations):
    """Re-solves parts of the round with one rule group relaxed (see :mod:`scheduler.explain`)."""

    # -- one institution ------------------------------------------------------------------------------

    def signature(self, inst: Institution) -> tuple | None:
        """What the analysis of ``inst`` depends on: institutions with the same signature are alike
        to the model (same part, rules, window, candidates), so one analysis answers for all."""
        task = self.task_of.get(inst.id)
        if task is None:
            return None
        own = (inst.tier, inst.ownership, inst.district, inst.year, inst.batch, inst.earliest, inst.latest)
        model = (task.days, task.starts, task.candidates, task.teams, task.team_members, task.skills)
        return (self.part_of[inst.id], own, model, task.team_min, task.team_max, task.team_staffed)

    def examine(self, inst: Institution) -> _Verdict:
        """Which single relaxation lets ``inst`` in, with every planned visit kept; when none does,
        the smallest set of relaxations that does (:meth:`_combine`)."""
        task = self.task_of.get(inst.id)
        if task is None:
            return _Verdict("skipped")
        others = len(self._scope(inst)) - 1
        relaxations = [
            make(inst, task)
            for applies, make in (
                (self._capacity_applies, self._capacity),
                (self._caps_apply, self._caps),
                (self._absences_apply, self._absences),
                (self._quotas_apply, self._quotas),
                (self._rest_applies, self._rest),
                (self._window_applies, self._own_window),
                (self._deadline_applies, self._deadline),
                (self._experts_apply, self._more_experts),
            )
            if applies(inst, task)
        ]
        reserve = 1 if len(relaxations) > 1 else 0  # a share kept for the sets, should none work alone
        self.unsettled = False
        fixes: list[Finding] = []
        tried: list[str] = []
        try:
            self.fraction = 0.1
            if not self.proven and self._probe(inst, self.scenario) is not None:
                return _Verdict("solvable", others=others)
            for n, relaxation in enumerate(relaxations):
                self.fraction = 1 / (len(relaxations) - n + reserve)
                tried.append(relaxation.name)
                found = self._run(inst, [relaxation])
                if found is _SOLVABLE:
                    return _Verdict("solvable", others=others)
                if isinstance(found, Finding):
                    fixes.append(found)
                    if len(fixes) >= _MAX_FIXES:
                        break
        except _OutOfTime:
            return _Verdict("found", fixes) if fixes else _Verdict("skipped")
        except UnknownYearError:  # a relaxed deadline reached a year nobody knows: stop there
            return (
                _Verdict("found", fixes)
                if fixes
                else _Verdict("none", tried=tried, settled=not self.unsettled)
            )
        if fixes:
            return _Verdict("found", fixes)
        return self._combine(inst, relaxations, tried, others)

    def _combine(
        self, inst: Institution, relaxations: Sequence[_Relax], tried: list[str], others: int
    ) -> _Verdict:
        """No single relaxation lets ``inst`` in: relax sets of them together, pairs first, then
        (when there are few) triples, each size in the fixed order of the groups; the first set that
        lets it in gives one reason with the combined fix. Stops with the sets not tried when the
        budget is spent."""
        sizes = [2] + ([3] if math.comb(len(relaxations), 3) <= _MAX_TRIPLES else [])
        plan = [parts for size in sizes for parts in itertools.combinations(relaxations, size)]
        done = 1  # every set up to this size relaxed in vain
        for n, parts in enumerate(plan):
            self.fraction = 1 / (len(plan) - n)
            try:
                found = self._run(inst, parts)
            except _OutOfTime:
                untried = [_set_name(p) for p in plan[n:]]
                return _Verdict("none", tried=tried, sets=done, untried=untried, settled=not self.unsettled)
            except UnknownYearError:  # this set's relaxed deadline reached a year nobody knows
                found = None
            if found is _SOLVABLE:
                return _Verdict("solvable", others=others)
            if isinstance(found, Finding):
                return _Verdict("found", [found])
            if n + 1 == len(plan) or len(plan[n + 1]) > len(parts):
                done = len(parts)
        return _Verdict("none", tried=tried, sets=done, settled=not self.unsettled)

    def _run(self, inst: Institution, parts: Sequence[_Relax]) -> Finding | object | None:
        """Re-solve with every relaxation of ``parts`` at once, minimising the sum of their measures
        of change; then each part's milder versions, in turn, while the re-solve still succeeds. The
        reason (the parts whose value shows a change, combined when there are several), ``_SOLVABLE``
        when none does, or None when no plan is found within the limits."""
        skip = frozenset().union(*(p.skip for p in parts))

        def extra(m: Model, target: Task) -> Reader:
            posted = [p.post(m, target) if p.post is not None else (None, None) for p in parts]
            costs = [cost for cost, _ in posted if cost is not None]
            if costs:
                m.cp.minimize(sum(costs))
            return lambda solver: [read(solver) if read is not None else None for _, read in posted]

        def solve(relaxes: Sequence[Callable[[Scenario], Scenario]]) -> _Solved | None:
            scenario = self.scenario
            for relax in relaxes:
                scenario = relax(scenario)
            return self._probe(inst, scenario, skip=skip, extra=extra)

        relaxes = [p.relax for p in parts]
        solved = solve(relaxes)
        if solved is None:
            self.unsettled = self.unsettled or self.unknown
            return None
        try:
            for n, part in enumerate(parts):
                for milder in part.milder:
                    again = solve([*relaxes[:n], milder, *relaxes[n + 1 :]])
                    if again is not None:
                        relaxes[n], solved = milder, again
                        break
        except _OutOfTime:  # keep what was found
            pass
        reports = [(p, p.report(value)) for p, value in zip(parts, solved.value, strict=True)]
        found = [(p.name, r) for p, r in reports if isinstance(r, Finding)]
        if not found:
            return _SOLVABLE
        if len(found) == 1:
            return found[0][1]
        return _joint(found, settled=not self.unsettled)

    # -- re-solving -----------------------------------------------------------------------------------
    def _probe(
        self,
        inst: Institution,
        scenario: Scenario,
        *,
        skip: frozenset[str] = frozenset(),
        extra: Extra | None = None,
    ) -> _Solved | None:
        """Solve the institution's part of ``scenario`` with every planned visit kept and ``inst``
        required, the rules in ``skip`` left out; None when no plan is found within the limits."""
        det, wall = self.budget.limits(self.fraction)
        scope = self._scope(inst)
        det = self.budget.build(sum(len(t.candidates) for i in scope if (t := self.task_of.get(i))), det)
        part = replace(scenario, institutions=tuple(i for i in scenario.institutions if i.id in scope))
        rebuilt = build_instance(part)
        by_id = {t.inst.id: t for t in rebuilt.tasks}
        if any(i not in by_id for i in scope):
            return None
        quotas = [(s.year, [by_id[i].index for i in s.ids], s.need) for s in self._shares(scope)]
        m = build_variables(rebuilt, rebuilt.tasks, quotas, require_all=True)
        for rule, post in POSTS:
            if rule not in skip:
                post(m)
        self._hint(m)
        reader = extra(m, by_id[inst.id]) if extra is not None else None
        solver = cp_model.CpSolver()
        p = solver.parameters
        p.random_seed = 0
        p.num_workers = 1
        p.max_deterministic_time = det
        p.log_search_progress = False
        # No presolve: on a re-solve of a whole prefecture's part (province seed 181: 7,100 Booleans,
        # 0.08-0.14 deterministic units each) presolve and its probing took most of the units and
        # 12-16 times their seconds, so every relaxation ran out of its limit unsettled; without it
        # the same budget finds the fix (a new expert) in 5 re-solves instead of 15 inconclusive
        # ones, 7.9 s instead of 12.3. Hospitals seed 17 and national 6,400 seed 14: the same
        # verdicts, in 2.8 and 3.3 s instead of 3.8 and 4.2.
        p.cp_model_presolve = False
        status, fired = solve_until(solver, m.cp, time.monotonic() + wall)
        self.budget.fired = self.budget.fired or fired
        self.budget.charge(solver.deterministic_time)
        self.unknown = status == cp_model.UNKNOWN
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return None
        return _Solved(m, solver, reader(solver) if reader is not None else None)

    def _hint(self, m: Model) -> None:
        """Start from the plan: each kept visit where and by whom it is planned."""
        inst = m.instance
        expert_idx = inst.expert_index()
        team_idx = {team.name: j for j, team in enumerate(inst.teams)}
        planned: dict[int, tuple[set[int], int | None, int | None]] = {}
        for task in m.tasks:
            v = self.visits.get(task.inst.id)
            if v is None:
                continue
            t = task.index
            m.cp.add_hint(m.start[t], inst.index_of(v.start))
            year = v.start.year if v.start.year == v.end.year else None
            for y in m.years_of(t):
                var = m.in_year.get((t, y))
                if var is not None and var is not m.present[t]:
                    m.cp.add_hint(var, y == year)
            members = {expert_idx[e] for e in v.members if e in expert_idx}
            team = team_idx.get(v.team) if v.team is not None else None
            planned[t] = (members, expert_idx.get(v.leader), team)
        for (t, k), var in m.x.items():
            if t in planned:
                m.cp.add_hint(var, k in planned[t][0])
        for (t, k), var in m.lead.items():
            if t in planned:
                m.cp.add_hint(var, k == planned[t][1])
        for (t, j), var in m.team.items():
            if t in planned:
                m.cp.add_hint(var, j == planned[t][2])
