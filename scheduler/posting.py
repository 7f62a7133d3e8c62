"""Model faces of the rules (to be merged into the constraints modules)."""

from __future__ import annotations

from itertools import groupby

from ortools.sat.python import cp_model

from scheduler.model import Model


def add_team_composition(m: Model) -> None:
    """R4 for pool-staffed visits: one eligible leader, size bounds, skills covered."""
    cp = m.cp
    experts = m.instance.experts
    for task in m.tasks:
        if task.team_staffed:
            continue
        t = task.index
        xs = [m.x[t, k] for k in task.candidates]
        cp.add(sum(xs) >= task.team_min * m.present[t])
        cp.add(sum(xs) <= task.team_max * m.present[t])
        leads = [m.lead[t, k] for k in task.candidates if (t, k) in m.lead]
        cp.add(sum(leads) == m.present[t])
        for k in task.candidates:
            if (t, k) in m.lead:
                cp.add_implication(m.lead[t, k], m.x[t, k])
            cp.add_implication(m.x[t, k], m.present[t])
        for skill in task.skills:
            holders = [m.x[t, k] for k in task.candidates if skill in experts[k].skills]
            cp.add(sum(holders) >= m.present[t])


def add_standing_teams(m: Model) -> None:
    """R11: a standing-team visit is made by exactly one team in scope, its recused members stepping aside."""
    cp = m.cp
    for task in m.tasks:
        if not task.team_staffed:
            continue
        t = task.index
        cp.add(sum(m.team[t, j] for j in task.teams) == m.present[t])
        on: dict[int, list] = {}
        for j, members in zip(task.teams, task.team_members, strict=True):
            for k in members:
                on.setdefault(k, []).append(m.team[t, j])
        for k, teams in on.items():
            cp.add(m.x[t, k] == sum(teams))


def add_no_overlap(m: Model) -> None:
    """R5 and R8 (unavailable dates): each expert's visits, rest tails and absences never overlap."""
    cp = m.cp
    rest = m.scenario.params.rest_days
    for k in sorted(m.tasks_of):
        intervals = []
        blocked = m.instance.blocked.get(k, set())
        for t in m.tasks_of[k]:
            task = m.task(t)
            size = task.days + rest
            intervals.append(
                cp.new_optional_fixed_size_interval_var(
                    m.start[t], size, m.x[t, k], f"on[{task.inst.id},{m.instance.experts[k].id}]"
                )
            )
            if blocked and rest:
                # with rest days the tail may touch an absence; forbid only the visit's own days
                bad = {w - d for w in blocked for d in range(task.days)}
                values = [w for w in task.start_values() if w not in bad]
                if len(values) < len(task.start_values()):
                    cp.add_linear_expression_in_domain(
                        m.start[t], cp_model.Domain.from_values(values)
                    ).only_enforce_if(m.x[t, k])
        if blocked and not rest:
            for _, run in groupby(enumerate(sorted(blocked)), key=lambda p: p[1] - p[0]):
                days = [w for _, w in run]
                intervals.append(cp.new_fixed_size_interval_var(days[0], len(days), "absent"))
        if len(intervals) > 1:
            cp.add_no_overlap(intervals)


def add_year_caps(m: Model) -> None:
    """R8: no expert works more visit days in a calendar year than their cap."""
    cp = m.cp
    for k in sorted(m.tasks_of):
        cap = m.scenario.year_cap(m.instance.experts[k])
        if cap is None:
            continue
        years: dict[int, list] = {}
        for t in m.tasks_of[k]:
            task = m.task(t)
            for y in m.years_of(t):
                years.setdefault(y, []).append(t)
            if -1 in task.start_years:
                for y in {m.instance.workdays[a].year for a, _ in task.starts} | {
                    m.instance.workdays[b + task.days - 1].year for _, b in task.starts
                }:
                    years.setdefault(y, []).append(t)
        for y, ts in sorted(years.items()):
            if sum(m.task(t).days for t in ts) <= cap:
                continue
            terms = []
            for t in ts:
                task = m.task(t)
                if m.in_year.get((t, y)) is m.present[t] or (t, y) not in m.in_year:
                    terms.append(task.days * m.x[t, k])
                else:
                    both = cp.new_bool_var(f"x_in[{task.inst.id},{k},{y}]")
                    cp.add_bool_and([m.x[t, k], m.in_year[t, y]]).only_enforce_if(both)
                    cp.add_bool_or([m.x[t, k].Not(), m.in_year[t, y].Not()]).only_enforce_if(both.Not())
                    terms.append(task.days * both)
            cp.add(sum(terms) <= cap)


def add_quotas(m: Model) -> None:
    """R9: enough of the matching institutions are visited wholly inside the quota's year."""
    for year, tasks, need in m.quotas:
        terms = [m.in_year[t, year] for t in tasks if (t, year) in m.in_year]
        m.cp.add(sum(terms) >= need)


def add_capacity(m: Model) -> None:
    """R10: at most ``max_concurrent_visits`` visits on any working day."""
    cap = m.scenario.params.max_concurrent_visits
    if cap is None:
        return
    intervals = [
        m.cp.new_optional_fixed_size_interval_var(m.start[t.index], t.days, m.present[t.index], "visit")
        for t in m.tasks
    ]
    m.cp.add_cumulative(intervals, [1] * len(intervals), cap)


RULES = [
    add_team_composition,
    add_standing_teams,
    add_no_overlap,
    add_year_caps,
    add_quotas,
    add_capacity,
]
