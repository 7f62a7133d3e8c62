"""Relaxations of who is available (:mod:`scheduler.explain`): the office's cap on concurrent visits
(R10), yearly caps and declared absences (R8), yearly quotas (R9) and the size of the expert pool
(R5: new experts). Each method makes the :class:`_Relax` of its rule group for one institution."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable
from dataclasses import replace
from datetime import date
from typing import Any

from ortools.sat.python import cp_model

from inputs.eligibility import team_districts
from inputs.scenario import Expert, Institution, Scenario
from scheduler.diagnose import Finding
from scheduler.diagnose.findings import _expert_text, _quota_subject
from scheduler.explain.base import _SOLVABLE, Reader, _Facts, _Relax
from scheduler.explain.wording import _newcomers, _some, _span
from scheduler.instance import Task
from scheduler.model import Model


class _CapacityRelaxations(_Facts):
    """Relaxing who is available: R10, R8 (caps, absences), R9 and R5 (new experts)."""

    # -- R10: the office's cap on concurrent visits ---------------------------------------------------
    def _capacity_applies(self, inst: Institution, task: Task) -> bool:
        return self.scenario.params.max_concurrent_visits is not None

    def _capacity(self, inst: Institution, task: Task) -> _Relax:
        cap = self.scenario.params.max_concurrent_visits
        assert cap is not None

        def post(m: Model, target: Task) -> tuple[Any, Reader]:
            limit = m.cp.new_int_var(cap, max(cap, len(m.tasks)), "cap")
            visits = [m.cp.new_fixed_size_interval_var(m.start[t.index], t.days, "visit") for t in m.tasks]
            m.cp.add_cumulative(visits, [1] * len(visits), limit)
            return limit, lambda solver: solver.value(limit)

        def report(value: int) -> Finding | object:
            if value <= cap:
                return _SOLVABLE
            first, last = self._window(task)
            days = [d for d in self.instance.workdays if first <= d <= last]
            full = sum(1 for d in days if self._running(d) >= cap)
            if full == len(days):
                taken = f"每个工作日都已有 {cap} 家在巡查"
            else:
                taken = (
                    f"其中 {full} 个工作日已有 {cap} 家在巡查，"
                    f"其余时段凑不齐连续 {task.days} 个工作日和可派的专家组"
                )
            message = (
                f"同时进行的巡查最多 {cap} 个（max_concurrent_visits），本机构可安排的 {_span(first, last)}"
                f"共 {len(days)} 个工作日里，{taken}"
            )
            fix = f"将同时巡查数上限（max_concurrent_visits）调为 {value}"
            return Finding("R10", message, fix, (inst.id,))

        return _Relax("同时巡查数上限", report, skip=frozenset({"R10"}), post=post)

    # -- R8: yearly caps ------------------------------------------------------------------------------
    def _caps_apply(self, inst: Institution, task: Task) -> bool:
        part = self.part_experts[self.part_of[inst.id]]
        return any(self.scenario.year_cap(e) is not None for e in self.scenario.experts if e.id in part)

    def _caps(self, inst: Institution, task: Task) -> _Relax:
        scenario = self.scenario

        def post(m: Model, target: Task) -> tuple[Any, Reader]:
            raises: dict[tuple[int, int], cp_model.IntVar] = {}
            for k in sorted(m.tasks_of):
                cap = scenario.year_cap(m.instance.experts[k])
                if cap is None:
                    continue
                for year, terms, most in _year_terms(m, k):
                    if most <= cap:
                        continue
                    more = m.cp.new_int_var(0, most - cap, f"raise[{k},{year}]")
                    m.cp.add(sum(terms) <= cap + more)
                    raises[k, year] = more
            experts = m.instance.experts

            def read(solver: cp_model.CpSolver) -> dict[tuple[str, int], int]:
                return {
                    (experts[k].id, y): solver.value(v) for (k, y), v in raises.items() if solver.value(v)
                }

            return sum(raises.values()), read

        def report(value: dict[tuple[str, int], int]) -> Finding | object:
            if not value:
                return _SOLVABLE
            by_expert: dict[str, int] = {}
            facts = []
            for (eid, year), more in sorted(value.items()):
                expert = scenario.expert_by_id[eid]
                cap = scenario.year_cap(expert)
                assert cap is not None
                by_expert[eid] = max(by_expert.get(eid, 0), more)
                facts.append(
                    f"{_expert_text(expert)}{year} 年最多 {cap} 天，已安排 {self._year_load(eid, year)} 天"
                )
            message = f"可派的专家受年度最多天数所限：{_some(facts)}，排不进本机构的 {task.days} 天巡查"
            fixes = []
            for eid, more in by_expert.items():
                expert = scenario.expert_by_id[eid]
                cap = scenario.year_cap(expert)
                assert cap is not None
                source = "" if expert.max_days is not None else "（现按参数 max_days_per_year）"
                fixes.append(
                    f"将{_expert_text(expert)}的年度最多天数{source}由 {cap} 天提高到 {cap + more} 天"
                )
            return Finding("R8", message, _some(fixes, "，并"), (inst.id,))

        return _Relax("年度最多天数", report, skip=frozenset({"R8"}), post=post)

    # -- R8: declared absences -----------------------------------------------------------------------
    def _absences_apply(self, inst: Institution, task: Task) -> bool:
        part = self.part_experts[self.part_of[inst.id]]
        return any(u.expert_id in part for u in self.scenario.unavailability)

    def _absences(self, inst: Institution, task: Task) -> _Relax:
        scenario = self.scenario
        part = self.part_experts[self.part_of[inst.id]]
        rows = [(n, u) for n, u in enumerate(scenario.unavailability) if u.expert_id in part]

        def relax(sc: Scenario) -> Scenario:
            return replace(sc, unavailability=tuple(u for u in sc.unavailability if u.expert_id not in part))

        def post(m: Model, target: Task) -> tuple[Any, Reader]:
            workdays = m.instance.workdays
            expert_idx = m.instance.expert_index()
            waive: dict[int, cp_model.IntVar] = {}
            # row -> (clash literal, task, expert, first and last working day of the row)
            hits: dict[int, list[tuple[cp_model.IntVar, int, int, int, int]]] = {}
            for n, u in rows:
                k = expert_idx[u.expert_id]
                a, b = bisect.bisect_left(workdays, u.start), bisect.bisect_right(workdays, u.end)
                if a >= b or not m.tasks_of.get(k):
                    continue
                waive[n] = m.cp.new_bool_var(f"waive[{n}]")
                for t in m.tasks_of[k]:
                    days = m.task(t).days
                    clash = cp_model.Domain(a - days + 1, b - 1)
                    hit = m.cp.new_bool_var(f"clash[{n},{t}]")
                    m.cp.add_linear_expression_in_domain(m.start[t], clash.complement()).only_enforce_if(
                        [m.x[t, k], hit.Not()]
                    )
                    m.cp.add_implication(hit, waive[n])
                    hits.setdefault(n, []).append((hit, t, k, a, b - 1))
            # fewest rows waived, then fewest visits on a waived row
            weight = 1 + sum(len(h) for h in hits.values())
            cost = weight * sum(waive.values()) + sum(h[0] for hs in hits.values() for h in hs)

            def read(solver: cp_model.CpSolver) -> list[tuple[int, date, date]]:
                out = []
                for n, w in waive.items():
                    if not solver.value(w):
                        continue
                    busy = [
                        d
                        for _, t, k, a, b in hits[n]
                        if solver.value(m.x[t, k])
                        for d in range(solver.value(m.start[t]), solver.value(m.start[t]) + m.task(t).days)
                        if a <= d <= b
                    ]
                    if busy:
                        out.append((n, workdays[min(busy)], workdays[max(busy)]))
                return out

            return cost, read

        def report(value: list[tuple[int, date, date]]) -> Finding | object:
            if not value:
                return _SOLVABLE
            facts, fixes = [], []
            for n, first, last in value:
                u = scenario.unavailability[n]
                expert = scenario.expert_by_id[u.expert_id]
                why = f"（{u.reason}）" if u.reason else ""
                facts.append(f"{_expert_text(expert)}申报 {u.start} 至 {u.end} 不可用{why}")
                fixes.append(
                    f"请{_expert_text(expert)}在 {_span(first, last)}参加巡查（缩短其申报的不可用时间）"
                )
            message = f"可派的专家中，{_some(facts)}，其余专家在本机构可安排的时段内已被其他巡查占用"
            return Finding("R8", message, _some(fixes, "，并"), (inst.id,))

        return _Relax("不可用时间", report, relax=relax, post=post)

    # -- R9: yearly quotas ----------------------------------------------------------------------------
    def _quotas_apply(self, inst: Institution, task: Task) -> bool:
        return bool(self._shares(self._scope(inst)))

    def _quotas(self, inst: Institution, task: Task) -> _Relax:
        shares = self._shares(self._scope(inst))

        def post(m: Model, target: Task) -> tuple[Any, Reader]:
            met = []
            for year, tasks, need in m.quotas:
                count = m.cp.new_int_var(0, need, f"met[{year}]")
                m.cp.add(count <= sum(m.in_year[t, year] for t in tasks if (t, year) in m.in_year))
                met.append(count)
            return -sum(met), lambda solver: [solver.value(v) for v in met]

        def report(value: list[int]) -> Finding | object:
            short = [(s, s.need - met) for s, met in zip(shares, value, strict=True) if met < s.need]
            if not short:
                return _SOLVABLE
            facts = [f"{s.year} 年至少巡查 {s.total} 家{_quota_subject(s.quota)}" for s, _ in short]
            fixes = [
                f"将 {s.year} 年{_quota_subject(s.quota)}的指标降到 {s.total - gap} 家" for s, gap in short
            ]
            message = f"年度指标要求 {_some(facts)}，为满足指标而安排的巡查占用了本机构可用的专家或时段"
            return Finding("R9", message, _some(fixes, "，并"), (inst.id,))

        return _Relax("年度指标", report, skip=frozenset({"R9"}), post=post)

    # -- R5: the expert pool --------------------------------------------------------------------------
    def _experts_apply(self, inst: Institution, task: Task) -> bool:
        return not task.team_staffed

    def _more_experts(self, inst: Institution, task: Task) -> _Relax:
        scenario = self.scenario
        rule = scenario.rule(inst.tier)
        districts = team_districts(scenario, inst)
        home = sorted(districts)[0] if districts else inst.district
        taken = {e.id for e in scenario.experts}
        new_ids = [
            f"新增专家{n}" for n in range(1, len(taken) + rule.team_min + 2) if f"新增专家{n}" not in taken
        ]
        added = tuple(
            Expert(eid, eid, home, tuple(rule.required_skills), leader=True)
            for eid in new_ids[: rule.team_min]
        )

        def relax(sc: Scenario) -> Scenario:
            return replace(sc, experts=sc.experts + added)

        def post(m: Model, target: Task) -> tuple[Any, Reader]:
            expert_idx = m.instance.expert_index()
            new = [expert_idx[e.id] for e in added]
            used = []
            leads = []
            for k in new:
                if not m.tasks_of.get(k):
                    continue
                u = m.cp.new_bool_var(f"hire[{k}]")
                for t in m.tasks_of[k]:
                    m.cp.add_implication(m.x[t, k], u)
                    if (t, k) in m.lead:
                        leads.append(m.lead[t, k])
                used.append(u)
            for a, b in itertools.pairwise(used):  # the new experts are alike: hire them in order
                m.cp.add_implication(b, a)

            def read(solver: cp_model.CpSolver) -> tuple[int, bool, list[str]]:
                hired = {k for k in new if any(solver.value(m.x[t, k]) for t in m.tasks_of.get(k, ()))}
                visits = {t for k in hired for t in m.tasks_of[k] if solver.value(m.x[t, k])}
                held: dict[int, set[str]] = {t: set() for t in visits}
                for (t, k), var in m.x.items():
                    if t in visits and k not in hired and solver.value(var):
                        held[t].update(m.instance.experts[k].skills)
                missing = {s for t in visits for s in m.task(t).skills if s not in held[t]}
                needed = [s for s in rule.required_skills if s in missing] + sorted(
                    missing - set(rule.required_skills)
                )
                return len(hired), any(solver.value(v) for v in leads), needed

            return (len(leads) + 1) * sum(used) + sum(leads), read

        def report(value: tuple[int, bool, list[str]]) -> Finding | object:
            count, leading, skills = value
            if count == 0:
                return _SOLVABLE
            candidates = [scenario.experts[k] for k in task.candidates]
            leaders = sum(1 for e in candidates if e.leader)
            scope = "、".join(sorted(districts)) if districts else ""
            message = (
                f"{scope}可派的专家共 {len(candidates)} 人（其中可任组长 {leaders} 人），在本机构可安排的"
                "时段内都已被其他巡查占用或不可用，凑不出本机构的专家组"
            )
            where = f"{home}专家库" if districts else "专家库"
            return Finding("R5", message, f"在{where}增加{_newcomers(count, leading, skills)}", (inst.id,))

        return _Relax("专家人数", report, relax=relax, post=post)


def _year_terms(m: Model, k: int) -> Iterable[tuple[int, list, int]]:
    """Per calendar year, the terms of expert ``k``'s visit days in it and their largest total
    (as ``constraints.availability.add`` counts them: a visit straddling New Year counts in both)."""
    years: dict[int, list[int]] = {}
    for t in m.tasks_of[k]:
        task = m.task(t)
        for y in m.years_of(t):
            years.setdefault(y, []).append(t)
        if -1 in task.start_years:
            workdays = m.instance.workdays
            ends = {workdays[a].year for a, _ in task.starts} | {
                workdays[b + task.days - 1].year for _, b in task.starts
            }
            for y in ends:
                years.setdefault(y, []).append(t)
    for year, ts in sorted(years.items()):
        terms = []
        for t in ts:
            days = m.task(t).days
            var = m.in_year.get((t, year))
            if var is None or var is m.present[t]:
                terms.append(days * m.x[t, k])
            else:
                both = m.cp.new_bool_var(f"x_in[{t},{k},{year}]")
                m.cp.add_bool_and([m.x[t, k], var]).only_enforce_if(both)
                m.cp.add_bool_or([m.x[t, k].Not(), var.Not()]).only_enforce_if(both.Not())
                terms.append(days * both)
        yield year, terms, sum(m.task(t).days for t in ts)
