"""The CP-SAT model's variables, built once per solve; the rules post onto them.

Time is in working-day indices (see ``scheduler.instance``), so every visit is a
fixed-size interval and the start variable's domain already carries R1–R3.

Variables per task ``t`` (an institution to visit):
- ``present[t]``: the visit is planned (objective 1 maximises these);
- ``start[t]``: its first working day, over the starts its windows allow;
- ``in_year[t, y]``: it lies wholly in calendar year ``y`` (R8 caps, R9 quotas);
- ``x[t, k]``: expert ``k`` sits on it; ``lead[t, k]``: ``k`` leads it (R4);
- ``team[t, j]``: standing team ``j`` makes it (R11).
Each rule module in ``constraints/`` posts its part through ``add(m)``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from scheduler.instance import Instance, Task


@dataclass
class Model:
    instance: Instance
    tasks: list[Task]
    cp: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    present: dict[int, cp_model.IntVar] = field(default_factory=dict)
    start: dict[int, cp_model.IntVar] = field(default_factory=dict)
    in_year: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    x: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    lead: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    team: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)
    # per expert: the tasks they may sit on (filled by build_variables)
    tasks_of: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    require_all: bool = False  # when True every task must be present
    quotas: list[tuple[int, list[int], int]] = field(default_factory=list)  # R9 targets for these tasks
    caps: list[tuple[int, list[int], int]] = field(default_factory=list)  # R9 at-most caps (year, tasks, cap)

    @property
    def scenario(self):
        return self.instance.scenario

    def task(self, t: int) -> Task:
        return self.instance.tasks[t]

    def years_of(self, t: int) -> list[int]:
        return sorted({y for y in self.task(t).start_years if y >= 0})

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
    cp = m.cp
    for task in tasks:
        t = task.index
        name = task.name
        m.present[t] = cp.new_constant(1) if require_all else cp.new_bool_var(f"present[{name}]")
        m.start[t] = cp.new_int_var_from_domain(_domain(task), f"start[{name}]")
        years = m.years_of(t)
        if len(years) == 1 and -1 not in task.start_years:
            m.in_year[t, years[0]] = m.present[t]
        else:
            for y in years:
                m.in_year[t, y] = cp.new_bool_var(f"in_year[{name},{y}]")
            # the visit lies in at most one year; a straddling one in none
            cp.add(sum(m.in_year[t, y] for y in years) <= m.present[t])
            if -1 not in task.start_years:
                cp.add(sum(m.in_year[t, y] for y in years) == m.present[t])
            for y in years:
                ranges = [[a, b] for (a, b), yy in zip(task.starts, task.start_years, strict=True) if yy == y]
                cp.add_linear_expression_in_domain(
                    m.start[t], cp_model.Domain.from_intervals(ranges)
                ).only_enforce_if(m.in_year[t, y])
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
