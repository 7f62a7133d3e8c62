"""The CP-SAT model's variables, built once per solve; the rules post onto them.

Time is in working-day indices (see ``scheduler.instance``), so every visit is a
fixed-size interval and the start variable's domain already carries R1–R3.

Variables per task ``t`` (an institution to visit):
- ``present[t]``: the visit is planned (objective 1 maximises these);
- ``start[t]``: its first working day, over the starts its windows allow;
- ``in_year[t, y]``: it lies wholly in calendar year ``y`` (R8 caps, R9 quotas);
- ``straddle[t][s]``: it starts on ``s``, a start from which it straddles New Year (R8 splits its
  days between the two years' caps, R9 counts it in neither);
- ``x[t, k]``: expert ``k`` sits on it; ``lead[t, k]``: ``k`` leads it (R4);
- ``team[t, j]``: standing team ``j`` makes it (R11).
Each rule module in ``constraints/`` posts its part through ``add(m)``; one that makes variables of
its own says through :meth:`Model.derive` what they are in a given plan, so that a hint is complete
(``scheduler.cpsat.hint``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

from scheduler.instance import Instance, Task

if TYPE_CHECKING:
    from scheduler.greedy import Assignment

# What some variables made beside the tasks' own are in a plan (task index -> assignment): pairs of
# a variable and its value (``Model.derive``).
Derived = Callable[[Mapping[int, "Assignment"]], Iterable[tuple[cp_model.IntVar, int]]]


@dataclass
class Model:
    instance: Instance
    tasks: list[Task]
    cp: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    present: dict[int, cp_model.IntVar] = field(default_factory=dict)
    start: dict[int, cp_model.IntVar] = field(default_factory=dict)
    in_year: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    straddle: dict[int, dict[int, cp_model.IntVar]] = field(default_factory=dict)
    x: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    lead: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    team: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    # per expert: the tasks they may sit on (filled by build_variables)
    tasks_of: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    require_all: bool = False  # when True every task must be present
    quotas: list[tuple[int, list[int], int]] = field(default_factory=list)  # R9 targets for these tasks
    caps: list[tuple[int, list[int], int]] = field(default_factory=list)  # R9 at-most caps (year, tasks, cap)
    # (t, k, year) -> the days expert k works on task t in that year (``member_days``, made once)
    _member_days: dict[tuple[int, int, int], cp_model.LinearExprT] = field(default_factory=dict)
    _touched: dict[int, list[int]] = field(default_factory=dict)  # per task: ``touched_years``
    # the variables ``member_days`` made: (t, k, year, variable, whether it counts days or is a Boolean)
    _made_days: list[tuple[int, int, int, cp_model.IntVar, bool]] = field(default_factory=list)
    # what the variables made beside the tasks' own are in a plan (``derive``)
    derived: list[Derived] = field(default_factory=list)

    def derive(self, values: Derived) -> None:
        """Say what variables made by a rule (or a stage's objective) are in a plan: ``values(plan)``
        gives them with their values. CP-SAT makes good use only of a complete hint (SOLVER-NOTES.md):
        one that leaves such variables out is repaired first, or not at all, and the search then does
        not start from the hinted plan."""
        self.derived.append(values)

    @property
    def scenario(self):
        return self.instance.scenario

    def task(self, t: int) -> Task:
        return self.instance.tasks[t]

    def years_of(self, t: int) -> list[int]:
        return sorted({y for y in self.task(t).start_years if y >= 0})

    def touched_years(self, t: int) -> list[int]:
        """The calendar years some working day of task ``t`` may fall in."""
        known = self._touched.get(t)
        if known is None:
            split, days = self.instance.split, self.task(t).days
            straddling = (y for s in self.straddle.get(t, ()) for y, _ in split(s, days))
            known = self._touched[t] = sorted({*self.years_of(t), *straddling})
        return known

    def member_days(self, t: int, k: int, year: int) -> cp_model.LinearExprT:
        """The days expert ``k`` works on task ``t`` in calendar ``year`` (R8): the visit's days when
        it lies wholly in the year, a straddling start's share of them; made once per triple."""
        known = self._member_days.get((t, k, year))
        if known is None:
            known = self._member_days[t, k, year] = self._new_member_days(t, k, year)
        return known

    def _new_member_days(self, t: int, k: int, year: int) -> cp_model.LinearExprT:
        cp, task = self.cp, self.task(t)
        x, inside = self.x[t, k], self.in_year.get((t, year))
        split = self.instance.split
        shares = [
            (n, var)
            for s, var in sorted(self.straddle.get(t, {}).items())
            for y, n in split(s, task.days)
            if y == year
        ]
        if not shares:
            if inside is None:
                return 0
            if inside is self.present[t]:
                return task.days * x
            both = cp.new_bool_var(f"x_in[{task.name},{k},{year}]")
            cp.add_bool_and([x, inside]).only_enforce_if(both)
            cp.add_bool_or([x.Not(), inside.Not()]).only_enforce_if(both.Not())
            self._made_days.append((t, k, year, both, False))
            return task.days * both
        days = sum(n * var for n, var in shares)
        if inside is not None:
            days += task.days * inside
        most = max(task.days if inside is not None else 0, *(n for n, _ in shares))
        part = cp.new_int_var(0, most, f"x_days[{task.name},{k},{year}]")
        cp.add(part == days).only_enforce_if(x)
        cp.add(part == 0).only_enforce_if(x.Not())
        self._made_days.append((t, k, year, part, True))
        return part

    def _made_days_values(self, plan: Mapping[int, Assignment]) -> Iterable[tuple[cp_model.IntVar, int]]:
        """In ``plan``, the variables ``member_days`` made: whether the member works on the task wholly
        inside the year, or (where it may straddle New Year) their days in that year."""
        for t, k, year, var, share in self._made_days:
            a = plan.get(t)
            if a is None or k not in a.members:
                yield var, 0
            elif share:
                yield var, dict(self.instance.split(a.start, self.task(t).days)).get(year, 0)
            else:
                yield var, int(self.instance.wholly_in(a.start, self.task(t).days) == year)

    def load(self, k: int) -> cp_model.LinearExpr:
        return cp_model.LinearExpr.weighted_sum(
            [self.x[t, k] for t in self.tasks_of[k]], [self.task(t).days for t in self.tasks_of[k]]
        )


def _domain(task: Task) -> cp_model.Domain:
    return cp_model.Domain.from_intervals([[a, b] for a, b in task.starts])


def build_variables(
    instance: Instance,
    tasks: list[Task],
    quotas: list[tuple[int, list[int], int]] | None = None,
    require_all: bool = False,
    caps: list[tuple[int, list[int], int]] | None = None,
) -> Model:
    """The variables for ``tasks``; ``caps`` defaults to this part's share of the at-most quotas."""
    if caps is None:
        from scheduler.quota_caps import caps_for

        caps = caps_for(instance, tasks)
    m = Model(instance=instance, tasks=tasks, require_all=require_all, quotas=quotas or [], caps=caps)
    m.derive(m._made_days_values)
    cp = m.cp
    for task in tasks:
        t = task.index
        name = task.name
        m.present[t] = cp.new_constant(1) if require_all else cp.new_bool_var(f"present[{name}]")
        m.start[t] = cp.new_int_var_from_domain(_domain(task), f"start[{name}]")
        years = m.years_of(t)
        straddles = [
            w
            for (a, b), y in zip(task.starts, task.start_years, strict=True)
            if y == -1
            for w in range(a, b + 1)
        ]
        if len(years) == 1 and not straddles:
            m.in_year[t, years[0]] = m.present[t]
        else:
            for y in years:
                m.in_year[t, y] = cp.new_bool_var(f"in_year[{name},{y}]")
            m.straddle[t] = {w: cp.new_bool_var(f"straddle[{name},{w}]") for w in straddles}
            # the visit lies wholly in one year or starts on one of the straddling starts
            cp.add(sum(m.in_year[t, y] for y in years) + sum(m.straddle[t].values()) == m.present[t])
            for y in years:
                ranges = [[a, b] for (a, b), yy in zip(task.starts, task.start_years, strict=True) if yy == y]
                cp.add_linear_expression_in_domain(
                    m.start[t], cp_model.Domain.from_intervals(ranges)
                ).only_enforce_if(m.in_year[t, y])
            for w, var in m.straddle[t].items():
                cp.add(m.start[t] == w).only_enforce_if(var)
        if task.team_staffed:
            members: set[int] = set()
            for j, present_members in zip(task.teams, task.team_members, strict=True):
                m.team[t, j] = cp.new_bool_var(f"team[{name},{j}]")
                members.update(present_members)
            for k in sorted(members):
                m.x[t, k] = cp.new_bool_var(f"x[{name},{instance.experts[k].id}]")
                m.tasks_of[k].append(t)
        else:
            for k in task.candidates:
                m.x[t, k] = cp.new_bool_var(f"x[{name},{instance.experts[k].id}]")
                m.tasks_of[k].append(t)
                if instance.experts[k].leader:
                    m.lead[t, k] = cp.new_bool_var(f"lead[{name},{instance.experts[k].id}]")
    return m
