"""Reasons, in the office's terms, why an institution was left out of the plan, and what would let it in.

For every institution a solve leaves out (SPEC §2 objective 1, issue 5):

1. What the pre-solve checks (:mod:`scheduler.diagnose`) found: what blocks it whatever the plan
   (a missing leader, a skill held only by someone who must step aside, a window too short, …),
   and the capacity shortfalls it shares with other institutions.
2. When the pre-checks do not block it, a relaxation analysis after the solve. The part of the round
   that shares experts with it (the whole round when the office caps concurrent visits) is solved
   again with every planned institution kept in and this one required too, relaxing one group of
   rules at a time, in this order: the office's cap on concurrent visits (R10), yearly caps (R8),
   declared absences (R8), yearly quotas (R9), rest days (R5), the institution's own window (R3),
   the completion deadline (R3), the size of the expert pool (R5: new experts). Each such re-solve
   also minimises the change (the lowest cap, the earliest deadline, the fewest new experts, …),
   so every relaxation that lets the institution in becomes a reason with a concrete fix, e.g.
   「同时巡查数上限 1 … 。建议：将同时巡查数上限（max_concurrent_visits）调为 2。」 The first
   one names the blocking rule (``Unscheduled.rule``).
3. When no single relaxation lets it in, sets of them relaxed together: every pair of the groups
   that apply, then every triple when there are at most ``_MAX_TRIPLES`` of them, in the order
   above (the single relaxations leave a share of the budget for this). Each re-solve minimises the
   sum of the parts' changes, each in its own measure (the cap, the finishing day, …): a proven
   optimum is a fix no part of which can be smaller without another growing. The first set that
   lets the institution in gives one reason under its first group's rule, with each part's facts
   and the combined fix, e.g. 「建议：将同时巡查数上限（max_concurrent_visits）调为 2，并将完成期限
   （deadline）由 2024-12-20 推迟到 2024-12-24。」 When none does, the reason says which sizes of
   set were tried; when the budget runs out first, which sets were not.

The analysis runs under a budget (solver deterministic time, the wall clock only as a safety net),
with one worker and a fixed seed, so the same plan gets the same reasons. It never changes the plan.
"""

from __future__ import annotations

import bisect
import itertools
import math
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple

from ortools.sat.python import cp_model

from constraints.registry import POSTS
from inputs.calendar import UnknownYearError
from inputs.scenario import OWNERSHIP_LABELS, TIER_LABELS, Expert, Institution, Quota, Scenario
from scheduler.diagnose import Diagnosis, Finding, describe, diagnose
from scheduler.eligibility import team_districts
from scheduler.greedy import Assignment, quota_targets
from scheduler.instance import Instance, Task, build_instance
from scheduler.model import Model, build_variables
from scheduler.pins import with_pins
from scheduler.solve import pools

DEFAULT_BUDGET = 10.0  # seconds of analysis when a caller gives none
_PROBE_LIMIT = 2.0  # deterministic seconds for one re-solve
_DET_SHARE = 0.15  # deterministic seconds per second of budget (one worker runs several times slower)
_MAX_FIXES = 3  # relaxations reported per institution
_MAX_TRIPLES = 20  # sets of three rule groups are tried only when there are at most this many
_MAX_NAMES = 4  # experts named in one sentence


class Explanation(NamedTuple):
    """Why one institution was left out: the blocking rule (``R1`` … ``R12``; None when no rule
    blocks it and the solver merely ran out of time) and the reasons, in Chinese."""

    rule: str | None
    reasons: tuple[str, ...]


# -- entry points --------------------------------------------------------------------------------------
def explain(
    instance: Instance,
    chosen: dict[int, Assignment],
    left: Sequence[Institution] | None = None,
    *,
    budget: float = DEFAULT_BUDGET,
    proven: bool = False,
) -> dict[str, Explanation]:
    """Reasons for every left-out institution (``left``; default: every non-exempt one not in
    ``chosen``), keyed by institution id. ``budget`` bounds the relaxation analysis, in seconds;
    0 gives the pre-check reasons only. ``proven``: the solver proved ``chosen`` plans as many
    institutions as possible, so none of them fits without a change (no need to re-solve for that)."""
    scenario = instance.scenario
    planned = {instance.tasks[t].inst.id for t in chosen}
    if left is None:
        left = [i for i in scenario.institutions if not i.exempt and i.id not in planned]
    diagnosis = _diagnosis(instance)
    analysis = _Analysis(instance, chosen, _Budget(budget), proven) if budget > 0 else None
    verdicts: dict[str, _Verdict] = {}
    if analysis is not None:
        open_ = [
            i
            for i in left
            if not diagnosis.blocked.get(i.id) and i not in instance.no_window and i not in instance.no_staff
        ]
        signatures = {i.id: analysis.signature(i) for i in open_}
        pending = list(dict.fromkeys(sig for sig in signatures.values() if sig is not None))
        done: dict[tuple, _Verdict] = {}
        for inst in open_:
            sig = signatures[inst.id]
            if sig is None:
                continue
            if sig not in done:
                analysis.budget.begin(len(pending))
                done[sig] = analysis.examine(inst)
                pending.remove(sig)
            verdicts[inst.id] = done[sig].about(inst.id)
    analysed = analysis is not None
    return {
        inst.id: with_pins(_explain_one(instance, inst, diagnosis, verdicts.get(inst.id), analysed), inst)
        for inst in left
    }


def reasons_for(
    instance: Instance,
    inst: Institution,
    chosen: dict[int, Assignment] | None = None,
    *,
    budget: float = DEFAULT_BUDGET,
) -> tuple[str | None, list[str]]:
    """The blocking rule and the reasons for one left-out institution. Without ``chosen`` (the plan)
    only the pre-check reasons can be given."""
    found = explain(instance, chosen or {}, [inst], budget=budget if chosen is not None else 0.0)[inst.id]
    return found.rule, list(found.reasons)


# -- putting the reasons together ----------------------------------------------------------------------
def _diagnosis(instance: Instance) -> Diagnosis:
    cached = getattr(instance, "_diagnosis", None)
    if cached is None:
        cached = diagnose(instance.scenario)
        instance._diagnosis = cached  # type: ignore[attr-defined]
    return cached


def _label(instance: Instance, inst: Institution) -> str:
    return f"{inst.name}（{inst.id}，{TIER_LABELS.get(inst.tier, inst.tier)}）"


def _explain_one(
    instance: Instance, inst: Institution, diagnosis: Diagnosis, verdict: _Verdict | None, analysed: bool
) -> Explanation:
    blocked = diagnosis.blocked.get(inst.id)
    if blocked:
        return Explanation(blocked[0].rule, tuple(dict.fromkeys(describe(f) for f in blocked)))
    shared = [describe(f) for f in diagnosis.shortfalls if inst.id in f.institutions]
    label = _label(instance, inst)
    if inst in instance.no_window:
        days = instance.scenario.min_days(inst)
        return Explanation("R3", (f"{label}在允许的时间窗口内凑不出连续 {days} 个工作日。", *shared))
    if inst in instance.no_staff:
        return Explanation(
            "R7", (f"{label}没有可派出的专家：回避、交叉检查或本区县规则排除了所有专家。", *shared)
        )
    if verdict is None:
        verdict = _Verdict("skipped")
    if verdict.fixes:
        reasons = [describe(f) for f in verdict.fixes]
        return Explanation(verdict.fixes[0].rule, tuple(dict.fromkeys([*reasons, *shared])))
    if verdict.kind == "solvable":
        text = (
            f"在求解时限内没有排入：复核发现{label}可以与已安排的 {verdict.others} 家机构一同排入。"
            "建议：延长求解时限（--time-limit）后重新编排。"
        )
        return Explanation(None, (text, *shared))
    general = f"{label}单独看可以安排（预检未发现问题），但与已安排的巡查争用同一批专家或时段"
    if verdict.kind == "none" and verdict.tried:
        general += f"；单独放宽{'、'.join(verdict.tried)}都不足以排入"
        if verdict.untried:
            if verdict.sets > 1:
                general += f"，其中任意{_COUNTS[verdict.sets]}项同时放宽也不足以排入"
            general += f"；复核时限已到，以下组合未及同时放宽一试：{_sets(verdict.untried)}"
        elif verdict.sets > 1:
            general += f"，其中任意{_COUNTS[verdict.sets]}项同时放宽也不足以排入，需同时调整更多条件"
        else:
            general += "，需同时调整多项条件"
    elif analysed:
        general += "（复核时限已到，未能进一步查明）"
    if shared:
        first = next(f for f in diagnosis.shortfalls if inst.id in f.institutions)
        return Explanation(first.rule, (*shared, general + "。"))
    return Explanation("R5", (general + "。",))


# -- the relaxation analysis ---------------------------------------------------------------------------
class _OutOfTime(Exception):
    """The analysis budget, or one institution's share of it, is spent."""


class _Budget:
    """Deterministic solver time to spend, shared out among institutions and their re-solves, with
    the wall clock as a safety net."""

    def __init__(self, seconds: float) -> None:
        self.det_left = seconds * _DET_SHARE
        self.wall_end = time.monotonic() + seconds
        self.share = 0.0  # what the institution being examined may still spend

    def begin(self, institutions: int) -> None:
        """Start on the next institution, ``institutions`` (this one included) still to examine."""
        self.share = self.det_left / max(institutions, 1)

    def limits(self, fraction: float) -> tuple[float, float]:
        """(deterministic, wall) seconds for the next re-solve, ``fraction`` of the institution's share;
        raises :class:`_OutOfTime` when too little is left."""
        det = min(_PROBE_LIMIT, self.share * fraction, self.det_left)
        wall = self.wall_end - time.monotonic()
        if det < 0.002 or wall <= 0.05:
            raise _OutOfTime
        return det, wall

    def charge(self, det: float) -> None:
        self.det_left -= max(det, 0.001)
        self.share -= max(det, 0.001)


@dataclass(frozen=True)
class _Planned:
    """A planned visit, by dates and ids (so it maps onto a rebuilt instance)."""

    start: date
    end: date
    members: tuple[str, ...]
    leader: str
    team: str | None


@dataclass
class _Verdict:
    kind: str  # "found" | "solvable" | "none" | "skipped"
    fixes: list[Finding] | None = None
    tried: list[str] | None = None  # the rule groups relaxed one at a time, in vain
    others: int = 0
    sets: int = 1  # the largest size of set of rule groups all of whose sets were relaxed in vain
    untried: list[str] | None = None  # sets left untried when the budget ran out, named

    def about(self, inst_id: str) -> _Verdict:
        """The same verdict for an institution alike to the one examined."""
        fixes = [replace(f, institutions=(inst_id,)) for f in self.fixes] if self.fixes else self.fixes
        return replace(self, fixes=fixes)


class _Solved(NamedTuple):
    model: Model
    solver: cp_model.CpSolver
    value: Any  # what the relaxation's reader took from the solution


_SOLVABLE = object()  # a relaxation found the institution fits without any change

Reader = Callable[[cp_model.CpSolver], Any]
Extra = Callable[[Model, Task], Reader]


def _unchanged(scenario: Scenario) -> Scenario:
    return scenario


@dataclass(frozen=True)
class _Relax:
    """One group of rules relaxed, in a form that combines with others: how the scenario is loosened
    (``relax``) and which rules are left out of the model (``skip``); ``post`` adds to the model the
    measure of the change (a cost to minimise, or None) and the reader of its value; ``report`` turns
    that value into a reason with its fix (:class:`Finding`), or ``_SOLVABLE`` when the value shows no
    change of this group is needed. ``milder``: looser-than-the-rule but tighter-than-``relax``
    versions to try, in turn, once the relaxed re-solve succeeds (e.g. fewer rest days, not none)."""

    name: str  # the group, in Chinese
    report: Callable[[Any], Finding | object]
    relax: Callable[[Scenario], Scenario] = _unchanged
    skip: frozenset[str] = frozenset()
    post: Callable[[Model, Task], tuple[Any, Reader]] | None = None
    milder: tuple[Callable[[Scenario], Scenario], ...] = ()


@dataclass(frozen=True)
class _Share:
    """A yearly quota (R9) as it bears on one part of the round, the rest of the plan fixed."""

    quota: Quota
    year: int
    ids: tuple[str, ...]  # matching institutions in the part
    need: int  # how many of them must lie in the year
    total: int  # the quota's requirement over the whole round


class _Analysis:
    """Re-solves parts of the round with one rule group relaxed (see the module docstring)."""

    def __init__(
        self, instance: Instance, chosen: dict[int, Assignment], budget: _Budget, proven: bool = False
    ) -> None:
        self.instance = instance
        self.proven = proven
        self.scenario = instance.scenario
        self.budget = budget
        self.fraction = 1.0  # of the institution's share, for the next re-solve
        self.visits: dict[str, _Planned] = {}
        for t, a in chosen.items():
            task = instance.tasks[t]
            self.visits[task.inst.id] = _Planned(
                instance.workdays[a.start],
                instance.workdays[a.start + task.days - 1],
                tuple(instance.experts[k].id for k in a.members),
                instance.experts[a.leader].id,
                None if a.team is None else instance.teams[a.team].name,
            )
        self.task_of = {task.inst.id: task for task in instance.tasks}
        self.part_of: dict[str, int] = {}
        self.part_experts: list[frozenset[str]] = []
        if self.scenario.params.max_concurrent_visits is not None:
            parts = [([t.index for t in instance.tasks], list(range(len(instance.experts))))]
        else:
            parts = pools(instance, instance.tasks)
        for n, (ts, es) in enumerate(parts):
            for t in ts:
                self.part_of[instance.tasks[t].inst.id] = n
            self.part_experts.append(frozenset(instance.experts[k].id for k in es))
        self.targets = list(zip(self.scenario.quotas, quota_targets(instance), strict=True))
        self._planned_in: dict[int, frozenset[str]] = {}

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
            return _Verdict("found", fixes) if fixes else _Verdict("none", tried=tried)
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
                return _Verdict("none", tried=tried, sets=done, untried=untried)
            except UnknownYearError:  # this set's relaxed deadline reached a year nobody knows
                found = None
            if found is _SOLVABLE:
                return _Verdict("solvable", others=others)
            if isinstance(found, Finding):
                return _Verdict("found", [found])
            if n + 1 == len(plan) or len(plan[n + 1]) > len(parts):
                done = len(parts)
        return _Verdict("none", tried=tried, sets=done)

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
        return _joint(found)

    def _scope(self, inst: Institution) -> set[str]:
        """The planned institutions of ``inst``'s part of the round, and ``inst``."""
        part = self.part_of[inst.id]
        if part not in self._planned_in:
            self._planned_in[part] = frozenset(i for i in self.visits if self.part_of.get(i) == part)
        return {*self._planned_in[part], inst.id}

    def _shares(self, scope: set[str]) -> list[_Share]:
        shares = []
        for quota, (year, tasks, total) in self.targets:
            ids = [self.instance.tasks[t].inst.id for t in tasks]
            outside = sum(
                1
                for i in ids
                if i not in scope and (v := self.visits.get(i)) and v.start.year == year == v.end.year
            )
            inside = tuple(i for i in ids if i in scope)
            if total - outside > 0 and inside:
                shares.append(_Share(quota, year, inside, total - outside, total))
        return shares

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
        p.max_time_in_seconds = wall
        p.log_search_progress = False
        status = solver.solve(m.cp)
        self.budget.charge(solver.deterministic_time)
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

    # -- facts about the plan, for the messages -------------------------------------------------------
    def _window(self, task: Task) -> tuple[date, date]:
        workdays = self.instance.workdays
        return workdays[task.starts[0][0]], workdays[task.starts[-1][1] + task.days - 1]

    def _running(self, day: date) -> int:
        return sum(1 for v in self.visits.values() if v.start <= day <= v.end)

    def _year_load(self, expert_id: str, year: int) -> int:
        total = 0
        for inst_id, v in self.visits.items():
            if expert_id in v.members and v.start.year <= year <= v.end.year:
                total += self.task_of[inst_id].days
        return total

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
                    f"{_expert(expert)}{year} 年最多 {cap} 天，已安排 {self._year_load(eid, year)} 天"
                )
            message = f"可派的专家受年度最多天数所限：{_some(facts)}，排不进本机构的 {task.days} 天巡查"
            fixes = []
            for eid, more in by_expert.items():
                expert = scenario.expert_by_id[eid]
                cap = scenario.year_cap(expert)
                assert cap is not None
                source = "" if expert.max_days is not None else "（现按参数 max_days_per_year）"
                fixes.append(f"将{_expert(expert)}的年度最多天数{source}由 {cap} 天提高到 {cap + more} 天")
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
                facts.append(f"{_expert(expert)}申报 {u.start} 至 {u.end} 不可用{why}")
                fixes.append(f"请{_expert(expert)}在 {_span(first, last)}参加巡查（缩短其申报的不可用时间）")
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


# -- helpers -------------------------------------------------------------------------------------------
_COUNTS = {2: "两", 3: "三"}


def _joint(found: Sequence[tuple[str, Finding]]) -> Finding:
    """One reason for a set of relaxations that let the institution in only together: the first
    group's rule, each group's facts, and the fixes joined into one."""
    first = found[0][1]
    names = [name for name, _ in found]
    if len(found) == 2:
        lead = f"单独放宽{'或'.join(names)}都不足以排入本机构"
    else:
        lead = f"单独或两两放宽{'、'.join(names)}都不足以排入本机构"
    facts = "；".join(f"（{n}）{f.message}" for n, (_, f) in enumerate(found, 1))
    message = f"{lead}，需{_COUNTS.get(len(found), str(len(found)))}项同时调整：{facts}"
    suggestion = "，并".join(f.suggestion for _, f in found if f.suggestion)
    return Finding(first.rule, message, suggestion, first.institutions)


def _set_name(parts: Sequence[_Relax]) -> str:
    """「同时巡查数上限与完成期限」, 「年度指标、休息天数与完成期限」."""
    names = [p.name for p in parts]
    return f"{'、'.join(names[:-1])}与{names[-1]}"


def _sets(names: Sequence[str]) -> str:
    shown = "；".join(names[:_MAX_NAMES])
    return shown if len(names) <= _MAX_NAMES else f"{shown}等 {len(names)} 组"


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


def _expert(expert: Expert) -> str:
    return f"{expert.name}（{expert.id}）"


def _some(parts: Sequence[str], sep: str = "；") -> str:
    shown = sep.join(parts[:_MAX_NAMES])
    return shown if len(parts) <= _MAX_NAMES else f"{shown}等 {len(parts)} 项"


def _span(first: date, last: date) -> str:
    """「2024-11-05 」 or 「2024-11-04 至 2024-11-08 」, to stand before a Chinese word."""
    return f"{first} " if first == last else f"{first} 至 {last} "


def _quota_subject(quota: Quota) -> str:
    own = OWNERSHIP_LABELS.get(quota.ownership, quota.ownership) if quota.ownership else ""
    label = TIER_LABELS.get(quota.tier, quota.tier) if quota.tier else ""
    kind = label if label.endswith("院") else f"{label}机构"
    return f"{own}{kind}"


def _newcomers(count: int, leading: bool, skills: Sequence[str]) -> str:
    """「 1 名可任组长、具备“财务”专长的专家」 or 「 2 名专家（其中 1 名可任组长），合起来具备…专长」."""
    held = "具备" + "".join(f"“{s}”" for s in skills) + "专长" if skills else ""
    if count == 1:
        role = "、".join(p for p in ("可任组长" if leading else "", held) if p)
        return f" 1 名{role}的专家" if role else " 1 名专家"
    text = f" {count} 名专家"
    if leading:
        text += "（其中 1 名可任组长）"
    if held:
        text += f"，合起来{held}"
    return text
