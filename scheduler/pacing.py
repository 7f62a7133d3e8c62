"""Objective 3, ``pace = even``: spread each window's visits over its calendar months.

A *window* is a calendar year of the cycle (every visit starting in it counts) or a batch (its
own visits). With the teams fixed by objectives 1 and 2, the finishing stage minimises the largest
number of visits starting in one month of the round (so visits may move to a quieter year, where
quotas and yearly caps allow), then the sum over the windows of each window's busiest month; then
every visit starts as early as it can without crowding its windows (so each window finishes early).

The month a visit starts in is read from Booleans ``after[t, i]`` = "starts on or after the
first working day of month i", one per month boundary inside the visit's allowed starts: a chain,
so the visit starts in month i exactly when ``after[t, i] - after[t, i + 1]`` is 1, and a month's
count is a plain sum, without a literal per (visit, working day).

:func:`spread` gives the model a hint that already paces: it moves visits out of crowded months
into the emptiest months where the same team is free (keeping teams, and every quota and yearly
cap when a visit changes year). :func:`pull` then finishes each window early: it moves visits earlier
only into months that stay no busier than the window's busiest month.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ortools.sat.python import cp_model

if TYPE_CHECKING:
    from scheduler.greedy import Assignment, GreedyState
    from scheduler.instance import Instance, Task
    from scheduler.model import Model


def even(instance: Instance) -> bool:
    return getattr(instance.scenario.params, "pace", "even") == "even"


def month_index(instance: Instance) -> list[int]:
    """Per working day, its month counted from the cycle's first month (0, 1, …)."""
    first = instance.workdays[0] if instance.workdays else None
    if first is None:
        return []
    return [(d.year - first.year) * 12 + d.month - first.month for d in instance.workdays]


@dataclass(frozen=True)
class Window:
    name: str
    months: tuple[int, ...]  # month indices (see month_index)
    batch: str | None = None  # None: a calendar year, every visit counts


def windows(instance: Instance) -> list[Window]:
    """The year windows of the cycle, then one per batch (its months inside the cycle)."""
    months = month_index(instance)
    if not months:
        return []
    base = instance.workdays[0]
    by_year: dict[int, set[int]] = {}
    for d, i in zip(instance.workdays, months, strict=True):
        by_year.setdefault(d.year, set()).add(i)
    out = [Window(f"{y}年", tuple(sorted(ms))) for y, ms in sorted(by_year.items())]
    for batch in instance.scenario.batches:
        lo = (batch.start.year - base.year) * 12 + batch.start.month - base.month
        hi = (batch.end.year - base.year) * 12 + batch.end.month - base.month
        inside = tuple(i for i in sorted(set(months)) if lo <= i <= hi)
        if inside:
            out.append(Window(f"批次{batch.name}", inside, batch.name))
    return out


def _starts(m: Model, t: int) -> tuple[int, int]:
    task = m.task(t)
    return task.starts[0][0], task.starts[-1][1]


def objective(m: Model, plan: dict[int, Assignment]) -> tuple[cp_model.LinearExprT, dict]:
    """Post the monthly counts of the visits in ``plan`` on ``m``; returns the objective (the busiest
    month of the round, then the sum of each window's busiest month, then earlier years) and a
    complete hint for the new variables, from ``plan``. Finishing each window early within those
    counts is left to :func:`pull` (a term for it here makes the model many times slower to prove)."""
    cp = m.cp
    instance = m.instance
    months = month_index(instance)
    first_day: dict[int, int] = {}
    for w, i in enumerate(months):
        first_day.setdefault(i, w)
    hint: dict = {}
    # per task: (first month, last month, Booleans "on or after month i" for i in (first, last])
    chains: dict[int, tuple[int, int, dict[int, cp_model.IntVar]]] = {}
    for t in sorted(plan):
        lo, hi = _starts(m, t)
        i0, i1 = months[lo], months[hi]
        after: dict[int, cp_model.IntVar] = {}
        name = m.task(t).inst.id
        for i in range(i0 + 1, i1 + 1):
            b = cp.new_bool_var(f"after[{name},{i}]")
            cp.add(m.start[t] >= first_day[i]).only_enforce_if(b)
            cp.add(m.start[t] <= first_day[i] - 1).only_enforce_if(~b)
            if i > i0 + 1:
                cp.add_implication(b, after[i - 1])
            after[i] = b
            hint[b] = int(plan[t].start >= first_day[i])
        chains[t] = (i0, i1, after)

    def starts_in(t: int, i: int) -> cp_model.LinearExprT | None:
        i0, i1, after = chains[t]
        if not i0 <= i <= i1:
            return None
        on = 1 if i == i0 else after[i]
        return on - after[i + 1] if i + 1 <= i1 else on

    counts = Counter(months[a.start] for a in plan.values())
    busiest = []
    # the busiest month of the whole round first (visits may change year), then of each window
    overall = cp.new_int_var(0, len(chains), "busiest_month")
    hint[overall] = max(counts.values(), default=0)
    for window in windows(instance):
        members = [t for t in chains if window.batch is None or m.task(t).inst.batch == window.batch]
        if not members:
            continue
        top = cp.new_int_var(0, len(members), f"busiest_month[{window.name}]")
        peak = 0
        for i in window.months:
            terms = [e for e in (starts_in(t, i) for t in members) if e is not None]
            if terms:
                cp.add(sum(terms) <= top)
                if window.batch is None:
                    peak = max(peak, counts[i])
                else:
                    peak = max(peak, sum(1 for t in members if months[plan[t].start] == i))
        hint[top] = peak
        busiest.append(top)
        if window.batch is None:
            cp.add(overall >= top)
    # ties broken towards earlier years (a lone visit is not put off to next year); a visit
    # straddling New Year weighs as one in its later year, so it is never the cheaper tie
    first_year = instance.workdays[0].year
    later = [
        (y - first_year) * var
        for (t, y), var in sorted(m.in_year.items(), key=lambda kv: kv[0])
        if t in chains and y > first_year
    ]
    later += [
        (instance.split(w, m.task(t).days)[-1][0] - first_year) * var
        for t in sorted(m.straddle)
        if t in chains
        for w, var in sorted(m.straddle[t].items())
    ]
    tie = len(chains) * (instance.workdays[-1].year - first_year) + 1
    per_window = tie * sum(busiest) + sum(later)
    return (len(windows(instance)) * len(chains) * tie + tie) * overall + per_window, hint


def spread(
    instance: Instance,
    plan: dict[int, Assignment],
    mins: list[tuple[int, list[int], int]] | None = None,
    caps: list[tuple[int, list[int], int]] | None = None,
) -> dict[int, Assignment]:
    """Move visits from crowded months to the emptiest months where their team is free (same team,
    every hard rule kept); a hint for :func:`objective`. Given the model's quota targets (``mins``)
    and caps, a visit may change year when both years' quotas and its members' yearly caps (R8)
    allow; otherwise it stays in its year."""
    from scheduler.greedy import _new_state, _place, _unplace, _year_cap_ok

    months = month_index(instance)
    if not plan or not months:
        return dict(plan)
    state = _new_state(instance)
    for t, a in plan.items():
        _place(state, instance.tasks[t], a.start, a)
    linked = {link.before for link in instance.precedences} | {link.after for link in instance.precedences}
    cap = instance.scenario.params.max_concurrent_visits
    counts = Counter(months[a.start] for a in plan.values())
    days_of: dict[int, list[int]] = {}
    for w, i in enumerate(months):
        days_of.setdefault(i, []).append(w)
    cross = mins is not None and caps is not None
    rows = [(y, set(ts), need, True) for y, ts, need in mins or ()] + [
        (y, set(ts), most, False) for y, ts, most in caps or ()
    ]
    # R9 counts a visit for a year when it lies wholly inside it: one straddling New Year counts for
    # neither (counted by its start, it let a visit leave a year whose minimum it was needed for)
    inside = [
        sum(1 for t in ts if t in plan and instance.wholly_in(plan[t].start, instance.tasks[t].days) == y)
        for y, ts, _, _ in rows
    ]

    def may_move(t: int, a: Assignment, year: int, to: int) -> bool:
        if year == to:
            return True
        for r, (y, ts, bound, is_min) in enumerate(rows):
            if t in ts and (
                (is_min and y == year and inside[r] - 1 < bound)
                or (not is_min and y == to and inside[r] + 1 > bound)
            ):
                return False
        return all(_year_cap_ok(state, k, to, instance.tasks[t].days) for k in a.members)

    out = dict(plan)
    for t, a in sorted(plan.items(), key=lambda p: (p[1].start, instance.tasks[p[0]].inst.id)):
        task = instance.tasks[t]
        year = instance.year_of(a.start)
        here = months[a.start]
        if t in linked or instance.wholly_in(a.start, task.days) is None:
            continue  # a visit straddling New Year stays: its days count in two years' caps (R8)
        ranges = [
            (lo, hi)
            for (lo, hi), y in zip(task.starts, task.start_years, strict=True)
            if y != -1 and (cross or y == year)
        ]
        options = sorted(
            {i for lo, hi in ranges for i in range(months[lo], months[hi] + 1)}, key=lambda i: (counts[i], i)
        )
        if not options or counts[options[0]] + 1 >= counts[here]:
            continue
        _unplace(state, task, a)
        best = a
        for i in options:
            if counts[i] + 1 >= counts[here]:
                break
            to = instance.year_of(days_of[i][0])
            if not may_move(t, a, year, to):
                continue
            free_day = _first_free(state, task, a, days_of[i], ranges, cap)
            if free_day is not None:
                best = replace(a, start=free_day)
                break
        _place(state, task, best.start, best)
        if best is not a:
            counts[here] -= 1
            counts[months[best.start]] += 1
            to = instance.year_of(best.start)
            for r, (y, ts, _, _) in enumerate(rows):
                if t in ts:
                    inside[r] += (y == to) - (y == year)
            out[t] = best
    return out


def _first_free(
    state: GreedyState,
    task: Task,
    a: Assignment,
    days: list[int],
    ranges: list[tuple[int, int]],
    cap: int | None,
) -> int | None:
    """The first of ``days`` inside ``ranges`` where ``a``'s team is free and the office has room."""
    from scheduler.greedy import _free

    for w in days:
        if not any(lo <= w <= hi for lo, hi in ranges):
            continue
        if cap is not None and max(state.concurrent[w : w + task.days]) >= cap:
            continue
        if all(_free(state, k, w, task.days) for k in a.members):
            return w
    return None


def settle(
    instance: Instance,
    plan: dict[int, Assignment],
    mins: list[tuple[int, list[int], int]] | None = None,
    caps: list[tuple[int, list[int], int]] | None = None,
) -> dict[int, Assignment]:
    """The plan's final timing when the finishing model found none in its time: paced by
    :func:`spread` (across years when the model's quota targets and caps are given) and
    :func:`pull` under ``even``, else every visit at its earliest free start (``compact``)."""
    from scheduler.greedy import compact

    if even(instance):
        return pull(instance, spread(instance, plan, mins, caps))
    return compact(instance, plan)


def _window_keys(instance: Instance) -> tuple[list[int], dict[str, tuple[int, set[int]]]]:
    """Per month index its year window's number; per batch name its window's number and months."""
    found = windows(instance)
    by_name = {w.name: n for n, w in enumerate(found)}
    year_of_month: dict[int, int] = {}
    for d, i in zip(instance.workdays, month_index(instance), strict=True):
        year_of_month.setdefault(i, by_name[f"{d.year}年"])
    months = [year_of_month[i] for i in range(max(year_of_month) + 1)] if year_of_month else []
    batches = {w.batch: (n, set(w.months)) for n, w in enumerate(found) if w.batch is not None}
    return months, batches


def pull(instance: Instance, plan: dict[int, Assignment]) -> dict[int, Assignment]:
    """Finish each window early without crowding it: every first visit, in start order, moves to its
    earliest start in the same year where its team is free and no window it counts in gets a month
    busier than that window's busiest month of first visits now (the months the pacing stage set).
    Follow-ups (R15) come after, each to its earliest start in the same year (earlier or later) where
    its team is free and its month stays within twice its year's mean monthly starts, counting every
    visit; one with no such start stays where it is.
    Teams, years and every hard rule are kept."""
    from scheduler.greedy import _new_state, _place, _unplace
    from scheduler.precedence import earliest_start

    months = month_index(instance)
    if not plan or not months:
        return dict(plan)
    year_window, batch_windows = _window_keys(instance)
    month_count = Counter(year_window)  # per year window: how many calendar months it spans

    def keys(t: int, i: int) -> list[tuple[int, int]]:
        out = [(year_window[i], i)]
        batch = instance.tasks[t].inst.batch
        if batch in batch_windows and i in batch_windows[batch][1]:
            out.append((batch_windows[batch][0], i))
        return out

    firsts = {t for t in plan if instance.tasks[t].kind == "visit"}
    counts: Counter[tuple[int, int]] = Counter()  # first visits per (window, month)
    every: Counter[int] = Counter()  # every visit per month
    per_year: Counter[int] = Counter()  # every visit per year window
    for t, a in plan.items():
        if t in firsts:
            counts.update(keys(t, months[a.start]))
        every[months[a.start]] += 1
        per_year[year_window[months[a.start]]] += 1
    top: dict[int, int] = {}
    for (n, _), c in counts.items():
        top[n] = max(top.get(n, 0), c)

    def full(t: int, i: int) -> bool:
        if t in firsts:
            return any(counts[k] >= top[k[0]] for k in keys(t, i))
        n = year_window[i]
        return every[i] + 1 > max(1, 2 * per_year[n] // month_count[n])

    state = _new_state(instance)
    for t, a in plan.items():
        _place(state, instance.tasks[t], a.start, a)
    cap = instance.scenario.params.max_concurrent_visits
    out = dict(plan)
    starts = {u: b.start for u, b in out.items()}  # kept in step with ``out``
    order = sorted(plan.items(), key=lambda p: (p[0] not in firsts, p[1].start, instance.tasks[p[0]].name))
    for t, a in order:
        task = instance.tasks[t]
        _unplace(state, task, a)
        if t in firsts:
            counts.subtract(keys(t, months[a.start]))
        every[months[a.start]] -= 1
        best = a
        floor = earliest_start(instance, t, starts) or 0
        for (lo, hi), year in zip(task.starts, task.start_years, strict=True):
            if not lo <= a.start <= hi:
                continue
            w = max(lo, floor)
            # a first visit only moves earlier; a follow-up may also move later, out of a full month
            last = a.start if t in firsts else hi + 1
            while w < last:
                i = months[w]
                if full(t, i):
                    while w < last and months[w] == i:  # a full month: skip to the next one
                        w += 1
                    continue
                if year == -1 and instance.split(w, task.days) != instance.split(a.start, task.days):
                    w += 1  # a straddling visit keeps its split of days between the years (R8)
                    continue
                if _first_free(state, task, a, [w], [(w, w)], cap) is not None:
                    best = replace(a, start=w)
                    break
                w += 1
            break
        _place(state, task, best.start, best)
        if t in firsts:
            counts.update(keys(t, months[best.start]))
        every[months[best.start]] += 1
        out[t] = best
        starts[t] = best.start
    return out
