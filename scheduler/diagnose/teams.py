"""Can a team be formed for an institution (:mod:`scheduler.diagnose`): the smallest valid team from
the pool (R4, less those who step aside, R6, or are busy, R8), or a usable standing team (R11)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from inputs.scenario import Expert, Institution, Team, TierRule
from scheduler.diagnose.context import _Context, _Pool
from scheduler.diagnose.findings import (
    _expert_text,
    _names,
    _Note,
    _skills_text,
    _tier_label,
    _tier_noun,
    _why,
)
from scheduler.parts import division_problem


# -- R4: the smallest team that has a leader and covers the skills ------------------------------------
def _smallest_cover(experts: Sequence[Expert], skills: Sequence[str]) -> int | None:
    """Fewest experts, one of them leader-eligible, who together hold every skill (None: impossible)."""
    skills = tuple(skills)
    masks = frozenset(_mask(e.skills, skills) for e in experts)
    leaders = frozenset(_mask(e.skills, skills) for e in experts if e.leader)
    return _cover_by_masks(masks, leaders, (1 << len(skills)) - 1)


@lru_cache(maxsize=4096)
def _mask(held: tuple[str, ...], skills: tuple[str, ...]) -> int:
    """The bitmask of ``skills`` (by position) that ``held`` contains."""
    return sum(1 << k for k, s in enumerate(skills) if s in held)


@lru_cache(maxsize=4096)
def _cover_by_masks(masks: frozenset[int], leaders: frozenset[int], full: int) -> int | None:
    """Exact search over skill bitmasks: distinct masks only, so at most 2^skills states."""
    # breadth-first over the sets of skills covered: dist[s] = fewest experts covering exactly s
    dist, frontier = {0: 0}, [0]
    while frontier:
        nxt = []
        for state in frontier:
            for m in masks:
                new = state | m
                if new not in dist:
                    dist[new] = dist[state] + 1
                    nxt.append(new)
        frontier = nxt
    best = [1 + n for state, n in dist.items() for lm in leaders if state | lm == full]
    return min(best) if best else None


def _team_notes(
    pool: _Pool,
    rule: TierRule,
    base: Sequence[Expert],
    excluded: dict[str, str],
    excl_rule: str,
    excl_short: str,
) -> tuple[list[_Note], int | None]:
    """Can a team be formed from ``base`` less ``excluded``? Notes naming what is missing, and the
    smallest valid team size when one can.

    A missing leader, skill or headcount is blamed on ``excl_rule`` (R6 recusal, R8 availability) when
    ``base`` had it before the exclusions, else on the district rule (R7) or the pool itself (R4).
    """
    label = _tier_label(rule.tier)
    if rule.team_min > rule.team_max:
        return [
            _Note(
                "R4",
                f"类别“{label}”专家组的最少人数 {rule.team_min} 人大于最多人数 {rule.team_max} 人",
                f"在“类别规则”表中把“{label}”的最多人数改为不少于 {rule.team_min} 人",
            )
        ], None
    if not base:  # one finding rather than one per leader, skill and headcount
        where = pool.districts if pool.restricted else "专家库中"
        message = f"{where}没有专家" + (f"，而{pool.constraint}" if pool.restricted else "")
        fix = f"在{pool.where}增加至少 {rule.team_min} 名专家，其中一名可任组长，合起来具备所需专长"
        return [_Note(pool.rule, message, fix)], None
    chosen = [e for e in base if e.id not in excluded]
    notes: list[_Note] = []
    if not any(e.leader for e in chosen):
        notes.append(
            _lack_note(pool, [e for e in base if e.leader], excluded, excl_rule, "可任组长的专家", "可任组长")
        )
    for skill in rule.required_skills:
        if not any(skill in e.skills for e in chosen):
            holders = [e for e in base if skill in e.skills]
            notes.append(
                _lack_note(pool, holders, excluded, excl_rule, f"专长“{skill}”", f"具备“{skill}”专长")
            )
    if len(chosen) < rule.team_min:
        notes.append(_headcount_note(pool, rule, base, chosen, excl_rule, excl_short))
    if not notes and rule.divides_work:  # R4 分工: part counts, one part each (scheduler.parts)
        lack = division_problem(rule, [e.skills for e in chosen], whole_team=False)
        if lack is not None:
            notes.append(_Note("R4", f"{pool.scope}{lack}", f"在{pool.where}增加具备所缺分工专长的专家"))
    if notes:
        return notes, None
    cover = _smallest_cover(chosen, rule.required_skills)
    assert cover is not None  # a leader and every skill are there, so all of them together cover
    size = max(rule.team_min, cover)
    if size <= rule.team_max:
        return [], size
    whole = _smallest_cover(base, rule.required_skills)
    blame = excl_rule if whole is not None and max(rule.team_min, whole) <= rule.team_max else "R4"
    message = (
        f"{pool.scope}要有一名组长并同时覆盖所需专长{_skills_text(rule.required_skills)}，"
        f"专家组至少要 {size} 人，超过类别“{label}”专家组的最多人数 {rule.team_max} 人"
    )
    suggestion = f"在{pool.where}增加一名兼具多项所需专长的专家，或将“{label}”专家组的最多人数调至 {size} 人"
    return [_Note(blame, message, suggestion)], None


def _lack_note(
    pool: _Pool,
    holders: list[Expert],
    excluded: dict[str, str],
    excl_rule: str,
    subject: str,
    wanted: str,
) -> _Note:
    """Nobody left who is a leader / holds a skill: because of the exclusions, or of the pool.

    ``subject`` starts the sentence (「可任组长的专家」, 「专长“财务”」); ``wanted`` is the kind of
    expert to add, without 「的专家」 (「可任组长」, 「具备“财务”专长」).
    """
    if holders:  # there were some, all excluded
        has = "" if subject.endswith("专家") else "具备"
        message = f"{pool.scope}{subject}只有{_names(holders)}{has}，而{_why(holders, excluded)}"
        fix = "与本机构无回避关系" if excl_rule == "R6" else "在本机构可巡查时段内有空"
        return _Note(excl_rule, message, f"在{pool.where}增加一名{wanted}、{fix}的专家")
    if pool.restricted:
        message = f"{pool.districts}没有{wanted}的专家，而{pool.constraint}"
        return _Note("R7", message, f"在{pool.where}增加一名{wanted}的专家")
    return _Note("R4", f"专家库中没有{wanted}的专家", f"在专家库中增加一名{wanted}的专家")


def _headcount_note(
    pool: _Pool,
    rule: TierRule,
    base: Sequence[Expert],
    chosen: Sequence[Expert],
    excl_rule: str,
    excl_short: str,
) -> _Note:
    label, short = _tier_label(rule.tier), rule.team_min - len(chosen)
    if len(base) >= rule.team_min:
        gone = len(base) - len(chosen)
        message = (
            f"{pool.scope}可派的专家只有 {len(chosen)} 人（另有 {gone} 人{excl_short}），"
            f"少于类别“{label}”专家组的最少人数 {rule.team_min} 人"
        )
        return _Note(excl_rule, message, f"在{pool.where}增加 {short} 名可派的专家")
    if pool.restricted:
        message = (
            f"{pool.districts}只有 {len(base)} 名专家，少于类别“{label}”专家组的最少人数 "
            f"{rule.team_min} 人，而{pool.constraint}"
        )
        return _Note("R7", message, f"在{pool.where}增加 {short} 名专家")
    message = f"专家库只有 {len(base)} 名专家，少于类别“{label}”专家组的最少人数 {rule.team_min} 人"
    return _Note("R4", message, f"在专家库增加 {short} 名专家")


# -- R11: standing teams -------------------------------------------------------------------------------
def _team_problems(
    ctx: _Context, team: Team, inst: Institution, pool: _Pool, rule: TierRule
) -> tuple[list[_Note], tuple[Expert, ...]]:
    """Why a standing team cannot visit ``inst`` (empty when it can), and who would go."""
    excluded = ctx.conflicts(inst)
    members = [ctx.experts[m] for m in dict.fromkeys(team.members) if m in ctx.experts]
    present = tuple(e for e in members if e.id not in excluded)
    label, name = _tier_label(rule.tier), f"“{team.name}”"
    problems: list[_Note] = []
    leader = ctx.experts.get(team.leader)
    if leader is not None and leader.id in excluded:
        problems.append(
            _Note(
                "R6",
                f"{name}的组长{_expert_text(leader)}{excluded[leader.id]}",
                f"为{name}另指定一名与本机构无回避关系的组长",
            )
        )
    elif leader is not None and not leader.leader:
        problems.append(
            _Note(
                "R4",
                f"{name}的组长{_expert_text(leader)}不是可任组长的专家",
                f"为{name}指定一名可任组长的专家为组长",
            )
        )
    if pool.key is not None:
        outsiders = [e for e in present if e.district not in pool.key]
        if outsiders:
            problems.append(
                _Note(
                    "R7",
                    f"{name}的成员{_names(outsiders)}不是{pool.districts}专家，而{pool.constraint}",
                    f"为本机构另组一个由{pool.districts}专家组成的巡查组",
                )
            )
    if len(present) < rule.team_min:
        recused = len(members) >= rule.team_min
        problems.append(
            _Note(
                "R6" if recused else "R11",
                f"{name}{'回避后' if recused else ''}只有 {len(present)} 人，"
                f"少于类别“{label}”专家组的最少人数 {rule.team_min} 人",
                f"为{name}增加 {rule.team_min - len(present)} 名"
                f"{'与本机构无回避关系的' if recused else ''}成员",
            )
        )
    for skill in rule.required_skills:
        if any(skill in e.skills for e in present):
            continue
        holders = [e for e in members if skill in e.skills]
        if holders:
            message = f"{name}中具备“{skill}”专长的只有{_names(holders)}，而{_why(holders, excluded)}"
            problems.append(
                _Note("R6", message, f"为{name}增加一名具备“{skill}”专长、与本机构无回避关系的成员")
            )
        else:
            problems.append(
                _Note(
                    "R11", f"{name}中没有具备“{skill}”专长的成员", f"为{name}增加一名具备“{skill}”专长的成员"
                )
            )
    if not problems and rule.divides_work:  # R4 分工 (scheduler.parts)
        lack = division_problem(rule, [e.skills for e in present], whole_team=True)
        if lack is not None:
            problems.append(_Note("R4", f"{name}{lack}", f"调整{name}的成员，使其能按分工要求分组"))
    return problems, present


def _combine(intro: str, problems: list[tuple[str, list[_Note]]]) -> _Note:
    """One note out of every candidate team's problems."""
    rules = {n.rule for _, notes in problems for n in notes}
    rule = rules.pop() if len(rules) == 1 else "R11"
    details = "；".join(n.message for _, notes in problems for n in notes)
    fixes = list(dict.fromkeys(n.suggestion for _, notes in problems for n in notes if n.suggestion))
    return _Note(rule, f"{intro}：{details}", "；或".join(fixes[:3]) or None)


def _teams_notes(
    ctx: _Context, inst: Institution, pool: _Pool, rule: TierRule, candidates: Sequence[Team]
) -> tuple[list[_Note], list[tuple[Team, tuple[Expert, ...]]]]:
    usable, problems = [], []
    for team in candidates:
        found, present = _team_problems(ctx, team, inst, pool, rule)
        if found:
            problems.append((team.name, found))
        else:
            usable.append((team, present))
    if usable:
        return [], usable
    names = "、".join(f"“{t.name}”" for t in candidates)
    every = "都" if len(candidates) > 1 else ""
    return [_combine(f"负责{_tier_noun(inst.tier)}的固定巡查组{names}{every}不能巡查本机构", problems)], []
