"""Relaxations of when visits may be (:mod:`scheduler.explain`): rest days between visits (R5), the
institution's own window and the completion deadline (R3). Each method makes the :class:`_Relax` of
its rule group for one institution."""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

from ortools.sat.python import cp_model

from inputs.scenario import Institution, Scenario
from scheduler.diagnose import Finding
from scheduler.explain.base import _SOLVABLE, Reader, _Facts, _Relax
from scheduler.explain.wording import _span
from scheduler.instance import Task
from scheduler.model import Model


class _CalendarRelaxations(_Facts):
    """Relaxing when visits may be: R5 (rest days) and R3 (the institution's window, the deadline)."""

    # -- R5: rest days between visits -----------------------------------------------------------------
    def _rest_applies(self, inst: Institution, task: Task) -> bool:
        return self.scenario.params.rest_days > 0

    def _rest(self, inst: Institution, task: Task) -> _Relax:
        rest = self.scenario.params.rest_days

        def relaxed(days: int) -> Callable[[Scenario], Scenario]:
            return lambda sc: replace(sc, params=replace(sc.params, rest_days=days))

        def post(m: Model, target: Task) -> tuple[Any, Reader]:
            return None, lambda solver: m.scenario.params.rest_days

        def report(value: int) -> Finding | object:
            if value >= rest:
                return _SOLVABLE
            message = (
                f"专家两次巡查之间至少休息 {rest} 个工作日（rest_days），已安排的巡查之间留不出本机构"
                "所需的专家和时段"
            )
            return Finding("R5", message, f"将休息天数（rest_days）调为 {value}", (inst.id,))

        # no rest at all first; then a few larger values, largest first
        milder = tuple(relaxed(days) for days in range(rest - 1, max(rest - 3, 0), -1))
        return _Relax("休息天数", report, relax=relaxed(0), post=post, milder=milder)

    # -- R3: the institution's own window -------------------------------------------------------------
    def _window_applies(self, inst: Institution, task: Task) -> bool:
        return any(v is not None for v in (inst.year, inst.batch, inst.earliest, inst.latest))

    def _own_window(self, inst: Institution, task: Task) -> _Relax:
        free = replace(inst, year=None, batch=None, earliest=None, latest=None)
        first, last = self._window(task)

        def relax(sc: Scenario) -> Scenario:
            return replace(sc, institutions=tuple(free if i.id == inst.id else i for i in sc.institutions))

        def post(m: Model, target: Task) -> tuple[Any, Reader]:
            workdays = m.instance.workdays
            lo = m.instance.index_of(first)
            hi = bisect.bisect_right(workdays, last) - 1
            start = m.start[target.index]
            early = m.cp.new_int_var(0, m.instance.horizon, "early")
            late = m.cp.new_int_var(0, m.instance.horizon, "late")
            m.cp.add(early >= lo - start)
            m.cp.add(late >= start + target.days - 1 - hi)

            def read(solver: cp_model.CpSolver) -> tuple[date, date]:
                s = solver.value(start)
                return workdays[s], workdays[s + target.days - 1]

            return early + late, read

        def report(value: tuple[date, date]) -> Finding | object:
            start, end = value
            if first <= start and end <= last:
                return _SOLVABLE
            bounds, fixes = [], []
            if inst.earliest is not None:
                bounds.append(f"最早开始 {inst.earliest}")
                if start < inst.earliest:
                    fixes.append(f"将本机构的最早开始日期由 {inst.earliest} 提前到 {start}")
            if inst.latest is not None:
                bounds.append(f"最晚结束 {inst.latest}")
                if end > inst.latest:
                    fixes.append(f"将本机构的最晚结束日期由 {inst.latest} 推迟到 {end}")
            batch = self.scenario.batch_by_name.get(inst.batch) if inst.batch else None
            if batch is not None:
                bounds.append(f"批次“{batch.name}”")
                if not batch.start <= start <= end <= batch.end:
                    other = next(
                        (b for b in self.scenario.batches if b.start <= start and end <= b.end), None
                    )
                    fixes.append(
                        f"将本机构由批次“{batch.name}”改到批次“{other.name}”"
                        if other is not None
                        else f"不再限定本机构的批次“{batch.name}”"
                    )
            if inst.year is not None:
                bounds.append(f"年度 {inst.year} 年")
                if start.year != inst.year:
                    fixes.append(f"将本机构的年度由 {inst.year} 年改为 {start.year} 年")
            message = (
                f"本机构只能在 {_span(first, last)}巡查（{'、'.join(bounds)}），这段时间里可派的专家"
                "已被其他巡查占用或不可用"
            )
            return Finding("R3", message, f"{'，并'.join(fixes)}，即可在 {_span(start, end)}巡查", (inst.id,))

        return _Relax("本机构的时间窗口", report, relax=relax, post=post)

    # -- R3: the completion deadline ------------------------------------------------------------------
    def _later_deadline(self) -> date | None:
        deadline = self.scenario.params.deadline
        calendar = self.scenario.calendar
        for year in (deadline.year + 1, deadline.year):
            if calendar.knows(year) and date(year, 12, 31) > deadline:
                return date(year, 12, 31)
        return None

    def _deadline_applies(self, inst: Institution, task: Task) -> bool:
        return self._later_deadline() is not None

    def _deadline(self, inst: Institution, task: Task) -> _Relax:
        deadline = self.scenario.params.deadline
        later = self._later_deadline()
        assert later is not None

        def relax(sc: Scenario) -> Scenario:
            return replace(sc, params=replace(sc.params, deadline=later))

        def post(m: Model, target: Task) -> tuple[Any, Reader]:
            finish = m.cp.new_int_var(0, m.instance.horizon, "finish")
            for t in m.tasks:
                m.cp.add(finish >= m.start[t.index] + t.days)
            return finish, lambda solver: m.instance.workdays[solver.value(finish) - 1]

        def report(value: date) -> Finding | object:
            if value <= deadline:
                return _SOLVABLE
            others = len(self._scope(inst)) - 1
            message = f"在完成期限 {deadline} 之前，可派的专家和时段已被已安排的 {others} 家机构的巡查用满"
            return Finding("R3", message, f"将完成期限（deadline）由 {deadline} 推迟到 {value}", (inst.id,))

        return _Relax("完成期限", report, relax=relax, post=post)
