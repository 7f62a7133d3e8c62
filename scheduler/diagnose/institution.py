"""The checks of one institution (:mod:`scheduler.diagnose`): a team (R4, R6, R7, R11), a window of
``min_days`` consecutive working days (R1–R3) and experts free in it (R8)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from inputs.scenario import Expert, Institution, Team, TierRule
from scheduler.diagnose.context import _Context, _InstInfo, _Pool
from scheduler.diagnose.findings import _Collector, _names, _Note, _tier_label, _why
from scheduler.diagnose.teams import _combine, _team_notes, _teams_notes


# -- R1–R3: the window ---------------------------------------------------------------------------------
class _Bound(NamedTuple):
    day: date
    label: str  # 「最晚结束」
    subject: str | None  # 「最晚结束日期」; None when it cannot be moved (a fixed year)


def _bounds(ctx: _Context, inst: Institution) -> tuple[list[_Bound], list[_Bound]]:
    p = ctx.params
    starts = [_Bound(p.start, "巡查周期开始", "巡查周期开始日期")]
    ends = [_Bound(p.deadline, "完成期限", "完成期限")]
    if inst.year is not None:
        starts.append(_Bound(date(inst.year, 1, 1), f"{inst.year} 年初", None))
        ends.append(_Bound(date(inst.year, 12, 31), f"{inst.year} 年底", None))
    batch = ctx.scenario.batch_by_name.get(inst.batch) if inst.batch else None
    if batch is not None:
        starts.append(_Bound(batch.start, f"批次“{batch.name}”开始", f"批次“{batch.name}”的开始日期"))
        ends.append(_Bound(batch.end, f"批次“{batch.name}”结束", f"批次“{batch.name}”的结束日期"))
    if inst.earliest is not None:
        starts.append(_Bound(inst.earliest, "最早开始", "最早开始日期"))
    if inst.latest is not None:
        ends.append(_Bound(inst.latest, "最晚结束", "最晚结束日期"))
    return starts, ends


def _bound_text(day: date, bounds: list[_Bound]) -> str:
    return f"{day.isoformat()}（{'、'.join(b.label for b in bounds if b.day == day)}）"


def _window_notes(
    ctx: _Context, inst: Institution, length: int
) -> tuple[list[_Note], tuple[int, int] | None]:
    """Whether ``length`` consecutive working days fit the institution's window (R1–R3)."""
    if inst.year is not None and inst.year not in ctx.cycle_years:
        years = ctx.cycle_years
        message = (
            f"本机构指定的年度 {inst.year} 年不在巡查周期 {ctx.params.start.isoformat()} 至 "
            f"{ctx.params.deadline.isoformat()} 之内"
        )
        return [_Note("R3", message, f"将本机构的年度改为 {years.start}–{years.stop - 1} 年中的一年")], None
    starts, ends = _bounds(ctx, inst)
    first, last = max(b.day for b in starts), min(b.day for b in ends)
    window = f"{_bound_text(first, starts)}至 {_bound_text(last, ends)}"
    if first > last:
        message = f"本机构的可安排时段为空：{_bound_text(first, starts)}晚于 {_bound_text(last, ends)}"
        return [_Note("R3", message, _widen(ctx, starts, ends, first, last, length))], None
    i, j = ctx.days.span(first, last)
    if ctx.days.fits(i, j, length):
        return [], (i, j)
    unknown = ctx.days.unknown_between(first, last)
    count = j - i
    longest = ctx.days.longest_run(i, j)
    have = f"只有 {count} 个工作日" if longest == count else f"有 {count} 个工作日，但最长只连续 {longest} 个"
    tier_days = ctx.scenario.rule(inst.tier).min_days
    source = f"类别“{_tier_label(inst.tier)}”的最少天数" if length == tier_days else "本机构设定的最少天数"
    message = f"本机构的巡查需要连续 {length} 个工作日（{source}），但可安排时段 {window}{have}"
    if unknown:
        year_text = "、".join(str(y) for y in unknown)
        message += f"（{year_text} 年的节假日安排未知，这些日子按不可安排计）"
        fix = f"在“节假日调整”（holidays）表中填写 {year_text} 年的放假与调休安排"
        return [_Note("R2", message, fix)], None
    return [_Note("R3", message, _widen(ctx, starts, ends, first, last, length))], None


def _widen(
    ctx: _Context, starts: list[_Bound], ends: list[_Bound], first: date, last: date, length: int
) -> str:
    """The smallest move of one side of the window that makes ``length`` working days fit."""
    new_end = ctx.days.nth_workday(first, length, 1)
    if new_end is not None:
        movers = [b for b in ends if b.day < new_end]
        if movers and all(b.subject for b in movers):
            return "，并".join(f"将{b.subject}推迟到 {new_end.isoformat()}" for b in movers)
    new_start = ctx.days.nth_workday(last, length, -1)
    if new_start is not None:
        movers = [b for b in starts if b.day > new_start]
        if movers and all(b.subject for b in movers):
            return "，并".join(f"将{b.subject}提前到 {new_start.isoformat()}" for b in movers)
    return f"放宽本机构的年度、批次或起止日期，使可安排时段至少包含连续 {length} 个工作日"


# -- R8: who is free in the window ---------------------------------------------------------------------
def _availability_notes(
    ctx: _Context, pool: _Pool, rule: TierRule, eligible: Sequence[Expert], span: tuple[int, int], length: int
) -> list[_Note]:
    i, j = span
    busy = [e for e in eligible if ctx.cannot_serve(e, i, j, length)]
    if not busy:
        return []
    notes, _ = _team_notes(pool, rule, eligible, dict.fromkeys((e.id for e in busy), ""), "R8", "")
    if not notes:
        return []
    # worded only now, for the few institutions it blocks
    reasons = {e.id: ctx.busy_reason(e, i, j, length) for e in busy}
    notes, _ = _team_notes(pool, rule, eligible, reasons, "R8", "在可巡查时段内没空")
    return notes


def _team_availability_notes(
    ctx: _Context, usable: Sequence[tuple[Team, tuple[Expert, ...]]], span: tuple[int, int], length: int
) -> list[_Note]:
    """A standing team travels together: its members need one common free placement."""
    i, j = span
    problems = []
    for team, present in usable:
        stuck = [e for e in present if ctx.cannot_serve(e, i, j, length)]
        if stuck:
            reasons = {e.id: ctx.busy_reason(e, i, j, length) for e in stuck}
            problems.append(
                (team.name, [_Note("R8", f"“{team.name}”的{_names(stuck)}：{_why(stuck, reasons)}")])
            )
            continue
        joint = frozenset().union(*(ctx.blocked_days.get(e.id, frozenset()) for e in present))
        if ctx.days.fits(i, j, length, joint):
            return []
        problems.append(
            (team.name, [_Note("R8", f"“{team.name}”成员的不可用时间相互错开，凑不出共同的空闲")])
        )
    intro = f"可用的固定巡查组在 {ctx.days.text(i, j)} 都凑不齐连续 {length} 个工作日"
    note = _combine(intro, problems)
    return [note._replace(suggestion="放宽本机构的时间窗口，或调整相关专家的不可用时间")]


# -- one institution -----------------------------------------------------------------------------------
def _diagnose_institution(
    ctx: _Context,
    inst: Institution,
    collector: _Collector,
    cache: dict[tuple, tuple[list[_Note], int | None]],
) -> _InstInfo:
    rule = ctx.scenario.rule(inst.tier)
    length = ctx.scenario.min_days(inst)
    pool = ctx.pool(inst)
    info = _InstInfo(inst, length, pool)
    notes: list[_Note] = []
    excluded = ctx.conflicts(inst)
    candidates = [t for t in ctx.scenario.teams if t.covers(inst.tier)]
    in_pool: tuple[tuple[str, str], ...] = ()  # (expert id, why) of the pool's experts who step aside
    eligible: list[Expert] = []
    usable: list[tuple[Team, tuple[Expert, ...]]] = []
    if candidates:
        info.team_mode = True
        team_notes, usable = _teams_notes(ctx, inst, pool, rule, candidates)
        notes += team_notes
        info.teams = tuple(t for t, _ in usable)
        info.size = min((len(p) for _, p in usable), default=None)
    else:
        in_pool = tuple(sorted((eid, why) for eid, why in excluded.items() if eid in pool.ids))
        key: tuple = (inst.district, inst.tier, in_pool)
        if key not in cache:
            cache[key] = _team_notes(pool, rule, pool.experts, dict(in_pool), "R6", "须回避本机构")
        team_notes, info.size = cache[key]
        notes += team_notes
        eligible = [e for e in pool.experts if e.id not in excluded]
    window_notes, info.span = _window_notes(ctx, inst, length)
    notes += window_notes
    if not notes and info.span is not None:
        if info.team_mode:
            notes += _team_availability_notes(ctx, usable, info.span, length)
        else:
            r8_key: tuple = ("R8", inst.district, inst.tier, in_pool, info.span, length)
            if r8_key not in cache:
                cache[r8_key] = (_availability_notes(ctx, pool, rule, eligible, info.span, length), None)
            notes += cache[r8_key][0]
    collector.add(inst.id, notes)
    return info
