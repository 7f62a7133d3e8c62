"""What the relaxation analysis of :mod:`scheduler.explain` works with: its budget, the planned
visits by dates and ids, the parts of the round, the yearly quotas as they bear on a part, and the
shape of one relaxation (:class:`_Relax`)."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, NamedTuple

from ortools.sat.python import cp_model

from inputs.scenario import Institution, Quota, Scenario
from scheduler.diagnose import Finding
from scheduler.greedy import Assignment, quota_targets
from scheduler.instance import Instance, Task
from scheduler.model import Model
from scheduler.pooling import people, pools

_PROBE_LIMIT = 2.0  # deterministic seconds for one re-solve
_DET_SHARE = 0.15  # deterministic seconds per second of budget (one worker runs several times slower)
# Seconds a re-solve's model costs per (visit, candidate) pair of its part, outside CP-SAT's clock: the
# part's instance and model built in Python and loaded by CP-SAT (no presolve). Charged to the budget
# like deterministic time (times _DET_SHARE) before the model is built (:meth:`_Budget.build`).
# Measured on this machine, idle, one process (2026-12-06): 0.37-0.55 s a re-solve on a hospital round
# whose office caps concurrent visits, so that each re-solve is the whole round (7,430 pairs), where
# CP-SAT's clock counted 0.003 units (0.02 s of budget): 84 re-solves took 45 s on a budget of 3.5 s
# and met the solve's last resort; 0.05-0.07 s on hospital pools of 180-320 pairs.
_PROBE_SECONDS_PER_PAIR = 6e-5


class _OutOfTime(Exception):
    """The analysis budget, or one institution's share of it, is spent."""


class _Budget:
    """Deterministic solver time to spend, shared out among institutions and their re-solves, so the
    reasons never depend on the machine's load; the wall clock (1.5 × the seconds + 5 s) is only a
    last resort, and ``fired`` says when it ended the analysis. Given ``until`` (the solve's own last
    resort, monotonic seconds), that is the last resort instead: the time limit, which a busy machine
    may need to finish the deterministic work, so that the reasons stay the same under load."""

    def __init__(self, seconds: float, until: float | None = None) -> None:
        self.det_left = seconds * _DET_SHARE
        self.wall_end = time.monotonic() + 1.5 * seconds + 5.0 if until is None else until
        self.share = 0.0  # what the institution being examined may still spend
        self.fired = False

    def begin(self, institutions: int) -> None:
        """Start on the next institution, ``institutions`` (this one included) still to examine."""
        self.share = self.det_left / max(institutions, 1)

    def limits(self, fraction: float) -> tuple[float, float]:
        """(deterministic, wall) seconds for the next re-solve, ``fraction`` of the institution's share;
        raises :class:`_OutOfTime` when too little is left."""
        det = min(_PROBE_LIMIT, self.share * fraction, self.det_left)
        wall = self.wall_end - time.monotonic()
        if wall <= 0.05:
            self.fired = True
        if det < 0.002 or self.fired:
            raise _OutOfTime
        return det, wall

    def build(self, pairs: int, det: float) -> float:
        """Charge the model of a re-solve on ``pairs`` (visit, candidate) pairs before it is built
        (:data:`_PROBE_SECONDS_PER_PAIR`), and return its search's limit ``det`` within what is left;
        raises :class:`_OutOfTime` when the institution's share cannot pay for the model."""
        cost = pairs * _PROBE_SECONDS_PER_PAIR * _DET_SHARE
        if cost > self.share or cost + 0.002 > self.det_left:
            raise _OutOfTime
        self.det_left -= cost
        self.share -= cost
        return min(det, self.det_left)

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
    # every relaxation (or set) said to fall short was proven to (no plan with it); False when some
    # re-solve only ran out of its limits without a plan, so the reason may not say "not enough"
    settled: bool = True

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


def _parts_holding(instance: Instance, tasks: Sequence[int]) -> list[tuple[list[int], list[int]]]:
    """The parts of the round (task indices, expert indices: who may visit what, as
    :func:`scheduler.pooling.pools` joins them) that hold ``tasks``, found from those tasks outwards."""
    by_expert: dict[int, list[int]] = defaultdict(list)
    for task in instance.tasks:
        for k in people(task):
            by_expert[k].append(task.index)
    linked: dict[int, list[int]] = defaultdict(list)
    for link in instance.precedences:
        linked[link.before].append(link.after)
        linked[link.after].append(link.before)
    seen: set[int] = set()
    parts = []
    for first in tasks:
        if first in seen:
            continue
        seen.add(first)
        ts, es, queue = [first], set(), [first]
        while queue:
            t = queue.pop()
            for k in people(instance.tasks[t]):
                if k in es:
                    continue
                es.add(k)
                for u in by_expert[k]:
                    if u not in seen:
                        seen.add(u)
                        ts.append(u)
                        queue.append(u)
            for u in linked.get(t, ()):
                if u not in seen:
                    seen.add(u)
                    ts.append(u)
                    queue.append(u)
        parts.append((sorted(ts), sorted(es)))
    return parts


class _Facts:
    """The plan and the round as the relaxation analysis sees them: the planned visits by dates and
    ids, the parts of the round, the quotas' targets, and facts about the plan for the messages."""

    def __init__(
        self,
        instance: Instance,
        chosen: dict[int, Assignment],
        budget: _Budget,
        proven: bool = False,
        around: Sequence[Institution] | None = None,
    ) -> None:
        """``around``: the institutions to be examined; only their parts of the round are found
        (default: every part)."""
        self.instance = instance
        self.proven = proven
        self.scenario = instance.scenario
        self.budget = budget
        self.fraction = 1.0  # of the institution's share, for the next re-solve
        self.unknown = False  # the last re-solve ended on its limits without a plan (not a proof)
        self.unsettled = False  # some relaxation of the institution examined fell short only so
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
        elif around is not None:
            parts = _parts_holding(
                instance, [self.task_of[i.id].index for i in around if i.id in self.task_of]
            )
        else:
            parts = pools(instance, instance.tasks)
        for n, (ts, es) in enumerate(parts):
            for t in ts:
                self.part_of[instance.tasks[t].inst.id] = n
            self.part_experts.append(frozenset(instance.experts[k].id for k in es))
        self.targets = list(zip(self.scenario.quotas, quota_targets(instance), strict=True))
        self._planned_in: dict[int, frozenset[str]] = {}

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
                split = self.instance.split(self.instance.index_of(v.start), self.task_of[inst_id].days)
                total += dict(split).get(year, 0)
        return total
