"""Capacity bounds no single institution explains (:mod:`scheduler.diagnose`): person-days of a pool
of experts, a skill and the leaders (R5, R8), standing teams' time (R11), yearly quotas (R9) and the
office's cap on concurrent visits (R10)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from datetime import date

from inputs.scenario import Expert, Institution, Quota, Scenario
from scheduler.diagnose.context import _Context, _InstInfo
from scheduler.diagnose.findings import Finding, _insts_text, _quota_subject


# -- capacity bounds -----------------------------------------------------------------------------------
def _capacity_rule(need: int, uncapped: int) -> str:
    """R8 when caps or declared absences make the difference, else R5 (nobody works two visits)."""
    return "R8" if need <= uncapped else "R5"


def _pool_shortfalls(ctx: _Context, infos: Sequence[_InstInfo]) -> list[Finding]:
    """Person-days, leader-days and skill-days each pool of experts can give vs what it must give."""
    pooled = [x for x in infos if not x.team_mode and x.size is not None]
    by_key: dict[frozenset[str] | None, list[int]] = defaultdict(list)  # key -> places in ``pooled``
    for n, x in enumerate(pooled):
        by_key[x.pool.key].append(n)
    keys = list(by_key)
    place = {e.id: n for n, e in enumerate(ctx.scenario.experts)}
    supplies: dict[str, tuple[int, int]] = {}
    findings: list[Finding] = []
    cycle = f"巡查周期（{ctx.params.start.isoformat()} 至 {ctx.params.deadline.isoformat()}）"
    for key in keys:
        # the institutions of every pool this one holds, and the experts of its districts, in order
        held = [n for k in keys if key is None or (k is not None and k <= key) for n in by_key[k]]
        members = [pooled[n] for n in sorted(held)]
        experts = (
            list(ctx.scenario.experts)
            if key is None
            else sorted((e for d in key for e in ctx.by_district.get(d, ())), key=lambda e: place[e.id])
        )
        for e in experts:
            if e.id not in supplies:
                supplies[e.id] = ctx.supply(e)
        scope = "、".join(sorted(key)) if key is not None else "全部"
        where = f"{'或'.join(sorted(key))}专家库" if key is not None else "专家库"
        ids = tuple(x.inst.id for x in members)
        has = sum(supplies[e.id][0] for e in experts)
        free = sum(supplies[e.id][1] for e in experts)
        need = sum(x.size * x.days for x in members if x.size)
        if need > has:
            findings.append(
                _shortfall(
                    ctx,
                    need,
                    has,
                    free,
                    ids,
                    f"{scope}专家共 {len(experts)} 人，在{cycle}内最多可出 {has} 人·天，而须由他们巡查的 "
                    f"{len(members)} 家机构按最小专家组计算至少需要 {need} 人·天",
                    where,
                    "专家",
                )
            )
        leaders = [e for e in experts if e.leader]
        need_days = sum(x.days for x in members)
        has_l = sum(supplies[e.id][0] for e in leaders)
        if need_days > has_l:
            findings.append(
                _shortfall(
                    ctx,
                    need_days,
                    has_l,
                    sum(supplies[e.id][1] for e in leaders),
                    ids,
                    f"{scope}可任组长的专家共 {len(leaders)} 人，在{cycle}内最多可出 {has_l} 人·天，"
                    "而每次巡查都要一名组长全程参加，"
                    f"须由他们巡查的 {len(members)} 家机构共 {need_days} 个巡查日",
                    where,
                    "可任组长的专家",
                )
            )
        findings += _skill_shortfalls(ctx, members, experts, supplies, scope, where, cycle)
    return findings


def _skill_shortfalls(
    ctx: _Context,
    members: Sequence[_InstInfo],
    experts: Sequence[Expert],
    supplies: dict[str, tuple[int, int]],
    scope: str,
    where: str,
    cycle: str,
) -> list[Finding]:
    """Per required skill: visit-days needing it vs the days its holders in the pool can give."""
    findings = []
    skills = list(dict.fromkeys(s for x in members for s in ctx.scenario.rule(x.inst.tier).required_skills))
    for skill in skills:
        needing = [x for x in members if skill in ctx.scenario.rule(x.inst.tier).required_skills]
        holders = [e for e in experts if skill in e.skills]
        need = sum(x.days for x in needing)
        has = sum(supplies[e.id][0] for e in holders)
        if need > has:
            findings.append(
                _shortfall(
                    ctx,
                    need,
                    has,
                    sum(supplies[e.id][1] for e in holders),
                    tuple(x.inst.id for x in needing),
                    f"{scope}具备“{skill}”专长的专家共 {len(holders)} 人，在{cycle}内最多可出 {has} 人·天，"
                    f"而需要该专长的 {len(needing)} 家机构共 {need} 个巡查日",
                    where,
                    f"具备“{skill}”专长的专家",
                )
            )
    return findings


def _shortfall(
    ctx: _Context,
    need: int,
    has: int,
    uncapped: int,
    ids: tuple[str, ...],
    message: str,
    where: str,
    who: str,
) -> Finding:
    per_new = max(ctx.new_expert_supply(), 1)
    extra = math.ceil((need - has) / per_new)
    rule = _capacity_rule(need, uncapped)
    suggestion = f"在{where}增加至少 {extra} 名{who}"
    if rule == "R8":
        suggestion += "，或提高年度最多天数、减少不可用时间"
    return Finding(rule, message, suggestion, ids)


def _standing_team_shortfalls(ctx: _Context, infos: Sequence[_InstInfo]) -> list[Finding]:
    """Visit-days the standing teams must make vs the days their members can all give."""
    teamed = [x for x in infos if x.team_mode and x.teams]
    findings: list[Finding] = []
    by_name = {t.name: t for t in ctx.scenario.teams}
    for key in dict.fromkeys(frozenset(t.name for t in x.teams) for x in teamed):
        members = [x for x in teamed if {t.name for t in x.teams} <= key]
        need = sum(x.days for x in members)
        has = 0
        for name in key:
            people = [ctx.experts[m] for m in by_name[name].members if m in ctx.experts]
            has += min((ctx.supply(e)[0] for e in people), default=0)
        if need > has:
            names = "、".join(f"“{n}”" for n in sorted(key))
            findings.append(
                Finding(
                    "R11",
                    f"固定巡查组{names}在巡查周期内最多可巡查 {has} 天"
                    "（受成员的年度天数上限和不可用时间限制），"
                    f"而只能由它们巡查的 {len(members)} 家机构共需 {need} 个巡查日",
                    f"增加一个负责这些机构的固定巡查组，或提高成员的年度最多天数（至少还差 {need - has} 天）",
                    tuple(x.inst.id for x in members),
                )
            )
    return findings


def _visitable_in(ctx: _Context, info: _InstInfo, year: int) -> bool:
    if info.span is None or (info.inst.year is not None and info.inst.year != year):
        return False
    i, j = info.span
    yi, yj = ctx.days.span(date(year, 1, 1), date(year, 12, 31))
    return ctx.days.fits(max(i, yi), min(j, yj), info.days)


def _quota_shortfalls(
    ctx: _Context, infos: Sequence[_InstInfo], blocked: set[str], *, minimums: bool = True
) -> list[Finding]:
    """R9: each year's quota against the institutions that match it and can be visited that year.
    Without ``minimums`` only the caps (``max_share``, ``max_count``) are checked, and ``infos`` need
    only hold the institutions the capped rows count."""
    info_by_id = {x.inst.id: x for x in infos}
    findings: list[Finding] = []
    totals: dict[tuple[str | None, str | None], list[tuple[Quota, int]]] = defaultdict(list)
    for q in ctx.scenario.quotas:
        matching = ctx.scenario.counted(q)
        if not minimums:
            if q.allowed(len(matching)) is not None:
                findings += _cap_shortfall(
                    ctx, q, matching, [info_by_id[i.id] for i in matching if i.id not in blocked]
                )
            continue
        required = q.required(len(matching))
        subject = _quota_subject(q)
        totals[(q.tier, q.ownership)].append((q, required))
        ids = tuple(i.id for i in matching)
        if required > len(matching):
            findings.append(
                Finding(
                    "R9",
                    f"{q.year} 年指标要求至少巡查 {required} 家{subject}，"
                    f"而未免检的{subject}只有 {len(matching)} 家",
                    f"将 {q.year} 年该项指标的最少家数降到 {len(matching)} 家以内",
                    ids,
                )
            )
            continue
        able = {
            i.id for i in matching if i.id not in blocked and _visitable_in(ctx, info_by_id[i.id], q.year)
        }
        if len(able) < required:
            missing = required - len(able)
            findings.append(
                Finding(
                    "R9",
                    f"{q.year} 年指标要求至少巡查 {required} 家{subject}（共 {len(matching)} 家），"
                    f"但其中能在 {q.year} 年内巡查的只有 {len(able)} 家"
                    f"（不能的有{_insts_text([i for i in matching if i.id not in able])}）",
                    f"把另外 {missing} 家的年度、批次或起止日期调整到 {q.year} 年内，"
                    f"或将该项指标降到 {len(able)} 家",
                    tuple(i.id for i in matching if i.id not in able),
                )
            )
        findings += _cap_shortfall(
            ctx, q, matching, [info_by_id[i.id] for i in matching if i.id not in blocked]
        )
    findings += _quota_totals(ctx.scenario, totals)
    return findings


def _cap_shortfall(
    ctx: _Context, q: Quota, matching: Sequence[Institution], infos: Sequence[_InstInfo]
) -> list[Finding]:
    """R9's cap (``max_share``, ``max_count``): more matching institutions can be visited only in the
    quota's year than the year allows."""
    cap = q.allowed(len(matching))
    if cap is None:
        return []
    years = range(ctx.scenario.params.start.year, ctx.scenario.params.deadline.year + 1)
    forced = [
        x.inst
        for x in infos
        if _visitable_in(ctx, x, q.year) and not any(_visitable_in(ctx, x, y) for y in years if y != q.year)
    ]
    if len(forced) <= cap:
        return []
    subject = _quota_subject(q)
    return [
        Finding(
            "R9",
            f"{q.year} 年指标规定至多巡查 {cap} 家{subject}，而只能在 {q.year} 年巡查的{subject}有 "
            f"{len(forced)} 家（{_insts_text(forced)}），至少 {len(forced) - cap} 家无法安排",
            f"将 {q.year} 年的最高数量或比例提高到 {len(forced)} 家，或把其中 {len(forced) - cap} 家的年度、"
            "批次或起止日期调整到其他年份",
            tuple(i.id for i in forced),
        )
    ]


def _quota_totals(
    scenario: Scenario, totals: dict[tuple[str | None, str | None], list[tuple[Quota, int]]]
) -> list[Finding]:
    """Quotas of several years on the same institutions: each is visited once in the round."""
    findings = []
    for rows in totals.values():
        if len({q.year for q, _ in rows}) < 2:
            continue
        matching = scenario.counted(rows[0][0])  # the rows share their tier and ownership
        total = sum(r for _, r in rows)
        if all(r <= len(matching) for _, r in rows) and total > len(matching):
            subject = _quota_subject(rows[0][0])
            parts = "、".join(f"{q.year} 年 {r} 家" for q, r in sorted(rows, key=lambda x: x[0].year))
            findings.append(
                Finding(
                    "R9",
                    f"{subject}各年度指标合计要求巡查 {total} 家（{parts}），而未免检的{subject}只有 "
                    f"{len(matching)} 家，每家在本轮只巡查一次",
                    f"把各年度指标合计降到 {len(matching)} 家以内",
                    tuple(i.id for i in matching),
                )
            )
    return findings


def _concurrency_shortfalls(ctx: _Context, infos: Sequence[_InstInfo]) -> list[Finding]:
    """R10: visit-days against the cap on visits running on one working day."""
    cap = ctx.params.max_concurrent_visits
    if cap is None:
        return []
    live = [x for x in infos if x.span is not None]
    groups: list[tuple[str, list[_InstInfo], int]] = [("巡查周期内", live, len(ctx.days.days))]
    for year in sorted({x.inst.year for x in live if x.inst.year is not None}):
        groups.append(
            (f"{year} 年", [x for x in live if x.inst.year == year], ctx.days.per_year.get(year, 0))
        )
    for batch in ctx.scenario.batches:
        i, j = ctx.days.span(batch.start, batch.end)
        groups.append((f"批次“{batch.name}”", [x for x in live if x.inst.batch == batch.name], j - i))
    findings = []
    for label, members, workdays in groups:
        need = sum(x.days for x in members)
        if members and need > cap * workdays:
            raise_to = math.ceil(need / workdays) if workdays else None
            fix = (
                f"将同时进行的巡查数上限（max_concurrent_visits）提高到 {raise_to}"
                if raise_to
                else f"为{label}安排工作日"
            )
            findings.append(
                Finding(
                    "R10",
                    f"{label}共有 {workdays} 个工作日，同时进行的巡查最多 {cap} 个，"
                    f"至多容纳 {cap * workdays} 个巡查日，而 {len(members)} 家机构共需 {need} 个巡查日",
                    fix,
                    tuple(x.inst.id for x in members),
                )
            )
    return findings
