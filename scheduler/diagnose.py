"""Explain, before solving, why institutions cannot be planned (SPEC §2 objective 1, issue 5).

Pure Python over the :class:`~inputs.scenario.Scenario`, independent of the CP-SAT model, and fast
(linear in institutions × experts, with caches keyed by what the answers depend on). For every
non-exempt institution it asks, in this order:

1. can a valid team be formed at all (R4), from the experts the district rule allows (R7) less those
   who must step aside (R6) — or, where standing teams cover the tier, is one of them usable (R11);
2. is there a window of ``min_days`` consecutive working days (R1–R3) inside the cycle, the
   institution's year, batch and earliest/latest dates, on the working-day calendar (R2);
3. are the experts such a team needs free for some placement in that window (R8).

What blocks an institution goes into :attr:`Diagnosis.blocked`. Cheap capacity bounds that no single
institution explains (person-days of a pool of experts, a skill, the leaders; yearly quotas, R9; the
office's cap on concurrent visits, R10; standing teams' time, R11) go into
:attr:`Diagnosis.shortfalls`. Every finding says, in Chinese and in the office's terms, what is
short, by how much, and the smallest change that would fix it.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cached_property, lru_cache
from typing import NamedTuple

from constraints.quotas import allowed
from inputs.calendar import UnknownYearError
from inputs.scenario import (
    OWNERSHIP_LABELS,
    TIER_LABELS,
    Expert,
    Institution,
    Quota,
    Scenario,
    Team,
    TierRule,
    Unavailability,
)
from scheduler.parts import division_problem

RULE_TITLES: dict[str, str] = {
    "R1": "巡查天数",
    "R2": "工作日历",
    "R3": "时间安排",
    "R4": "专家组组成",
    "R5": "专家时间",
    "R6": "回避",
    "R7": "交叉检查",
    "R8": "专家可用时间与工作量",
    "R9": "年度指标",
    "R10": "同时巡查数量",
    "R11": "固定巡查组",
    "R12": "免检",
}

_MAX_NAMES = 6  # experts or institutions named in one message before "等 N 人"


# -- public values ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Finding:
    """One reason, in the office's terms: the rule, what is wrong, and the smallest fix."""

    rule: str  # "R1" … "R12"
    message: str  # Chinese, names the rule's subject and the numbers
    suggestion: str | None = None  # Chinese, the smallest change that would fix it
    institutions: tuple[str, ...] = ()  # ids of the institutions affected


@dataclass(frozen=True)
class Diagnosis:
    """What stands in the way of a complete plan, found before any solving."""

    blocked: dict[str, list[Finding]] = field(default_factory=dict)  # institution id -> reasons
    shortfalls: list[Finding] = field(default_factory=list)  # capacity problems of pools, years

    @property
    def ok(self) -> bool:
        """No institution is blocked and no capacity bound is broken."""
        return not self.blocked and not self.shortfalls

    @cached_property
    def _shortfalls_by_institution(self) -> dict[str, list[Finding]]:
        index: dict[str, list[Finding]] = defaultdict(list)
        for finding in self.shortfalls:
            for inst_id in finding.institutions:
                index[inst_id].append(finding)
        return index

    def reasons_for(self, institution_id: str) -> list[str]:
        """Why this institution may not be planned: its own blocks first, then shortfalls it shares."""
        findings = [
            *self.blocked.get(institution_id, ()),
            *self._shortfalls_by_institution.get(institution_id, ()),
        ]
        return [describe(f) for f in findings]


def describe(finding: Finding) -> str:
    """One sentence for the planner: 「【R7 交叉检查】… 。建议：… 。」"""
    title = RULE_TITLES.get(finding.rule, "")
    head = f"【{finding.rule} {title}】" if title else f"【{finding.rule}】"
    text = f"{head}{finding.message}。"
    if finding.suggestion:
        text += f"建议：{finding.suggestion}。"
    return text


# -- Chinese wording ----------------------------------------------------------------------------------
def _expert_text(expert: Expert) -> str:
    return f"{expert.name}（{expert.id}）"


def _inst_text(inst: Institution) -> str:
    return f"{inst.name}（{inst.id}）"


def _names(experts: Sequence[Expert]) -> str:
    shown = "、".join(_expert_text(e) for e in experts[:_MAX_NAMES])
    return shown if len(experts) <= _MAX_NAMES else f"{shown}等 {len(experts)} 人"


def _insts_text(insts: Sequence[Institution]) -> str:
    shown = "、".join(_inst_text(i) for i in insts[:_MAX_NAMES])
    return shown if len(insts) <= _MAX_NAMES else f"{shown}等 {len(insts)} 家"


def _tier_label(tier: str) -> str:
    return TIER_LABELS.get(tier, tier)


def _tier_noun(tier: str) -> str:
    """「三级综合机构」, 「妇幼保健院」: the label, with 机构 unless it already names the kind."""
    label = _tier_label(tier)
    return label if label.endswith("院") else f"{label}机构"


def _skills_text(skills: Iterable[str]) -> str:
    return "".join(f"“{s}”" for s in skills)


def _why(experts: Sequence[Expert], reasons: dict[str, str]) -> str:
    """「其工作单位就是本机构，须回避」 for one; 「他们都…」 or one clause each for several."""
    if len(experts) == 1:
        return f"其{reasons[experts[0].id]}"
    distinct = {reasons[e.id] for e in experts}
    if len(distinct) == 1:
        return f"他们都{distinct.pop()}"
    parts = [f"{_expert_text(e)}{reasons[e.id]}" for e in experts[:_MAX_NAMES]]
    more = "" if len(experts) <= _MAX_NAMES else f"；另有 {len(experts) - _MAX_NAMES} 人同样无法参加"
    return "；".join(parts) + more


# -- the working days of the cycle --------------------------------------------------------------------
class _Days:
    """The cycle's working days as a sorted list; years the calendar does not know are left out.

    ``seg`` numbers the stretches of known years: a visit's working days are consecutive only inside
    one stretch (nobody knows which days of an unknown year are worked).
    """

    def __init__(self, scenario: Scenario) -> None:
        self.cal = scenario.calendar
        self.days: list[date] = []
        self.seg: list[int] = []
        self.unknown_years: set[int] = set()
        start, end = scenario.params.start, scenario.params.deadline
        segment, day = 0, start
        while day <= end:
            try:
                worked = self.cal.is_workday(day)
            except UnknownYearError:
                self.unknown_years.add(day.year)
                segment += 1
                day = date(day.year + 1, 1, 1)
                continue
            if worked:
                self.days.append(day)
                self.seg.append(segment)
            day += timedelta(days=1)
        self.index = {d: i for i, d in enumerate(self.days)}
        self.per_year: dict[int, int] = defaultdict(int)
        for d in self.days:
            self.per_year[d.year] += 1
        self._good: dict[tuple[frozenset[int], int], list[int]] = {}

    def span(self, first: date, last: date) -> tuple[int, int]:
        """Indices ``[i, j)`` of the working days from ``first`` to ``last`` inclusive."""
        return bisect_left(self.days, first), bisect_right(self.days, last)

    def good_ends(self, blocked: frozenset[int], length: int) -> list[int]:
        """Indices where a run of ``length`` consecutive free working days ends (cached)."""
        key = (blocked, length)
        found = self._good.get(key)
        if found is None:
            found, run = [], 0
            for t in range(len(self.days)):
                if t in blocked:
                    run = 0
                elif t > 0 and self.seg[t] == self.seg[t - 1]:
                    run += 1
                else:
                    run = 1
                if run >= length:
                    found.append(t)
            self._good[key] = found
        return found

    def fits(self, i: int, j: int, length: int, blocked: frozenset[int] = frozenset()) -> bool:
        """Whether ``length`` consecutive free working days lie within indices ``[i, j)``."""
        if length <= 0:
            return j > i
        ends = self.good_ends(blocked, length)
        k = bisect_left(ends, i + length - 1)
        return k < len(ends) and ends[k] <= j - 1

    def same_year(self, i: int, j: int) -> bool:
        return self.days[i].year == self.days[j - 1].year

    def longest_run(self, i: int, j: int) -> int:
        best = run = 0
        for t in range(i, j):
            run = run + 1 if t > i and self.seg[t] == self.seg[t - 1] else 1
            best = max(best, run)
        return best

    def unknown_between(self, first: date, last: date) -> list[int]:
        return sorted(y for y in self.unknown_years if first.year <= y <= last.year)

    def nth_workday(self, start: date, n: int, step: int) -> date | None:
        """The ``n``-th working day counting from ``start`` (inclusive) forwards or backwards."""
        day, count = start, 0
        for _ in range(3 * 366):
            try:
                if self.cal.is_workday(day):
                    count += 1
                    if count == n:
                        return day
            except UnknownYearError:
                return None
            day += timedelta(days=step)
        return None

    def text(self, i: int, j: int) -> str:
        return f"{self.days[i].isoformat()} 至 {self.days[j - 1].isoformat()}"


# -- collecting per-institution findings --------------------------------------------------------------
class _Note(NamedTuple):
    rule: str
    message: str
    suggestion: str | None = None


class _Collector:
    """Merges identical notes of several institutions into one shared :class:`Finding`."""

    def __init__(self) -> None:
        self._ids: dict[_Note, list[str]] = {}
        self._per_inst: dict[str, list[_Note]] = {}

    def add(self, inst_id: str, notes: Iterable[_Note]) -> None:
        for note in notes:
            self._ids.setdefault(note, []).append(inst_id)
            self._per_inst.setdefault(inst_id, []).append(note)

    def blocks(self, inst_id: str) -> bool:
        return inst_id in self._per_inst

    def finish(self) -> dict[str, list[Finding]]:
        findings = {note: Finding(*note, institutions=tuple(ids)) for note, ids in self._ids.items()}
        return {inst_id: [findings[n] for n in notes] for inst_id, notes in self._per_inst.items()}


# -- who may inspect whom ------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Pool:
    """The experts R7 allows for a district and tier, and the sentence that says why."""

    key: frozenset[str] | None  # allowed districts; None: anywhere
    constraint: str  # 「交叉检查关系“长寿区→巴南区”要求…」, empty when unrestricted
    experts: tuple[Expert, ...]

    @cached_property
    def ids(self) -> frozenset[str]:
        return frozenset(e.id for e in self.experts)

    @property
    def restricted(self) -> bool:
        return self.key is not None

    @property
    def districts(self) -> str:
        return "、".join(sorted(self.key)) if self.key is not None else ""

    @property
    def where(self) -> str:
        """Where to add an expert: 「长寿区专家库」 or 「专家库」."""
        return f"{'或'.join(sorted(self.key))}专家库" if self.key is not None else "专家库"

    @property
    def scope(self) -> str:
        """Prefix of a sentence about some of the pool: 「在长寿区专家中，」 or nothing."""
        return f"在{self.districts}专家中，" if self.key is not None else ""

    @property
    def rule(self) -> str:
        return "R7" if self.key is not None else "R4"


@dataclass
class _InstInfo:
    inst: Institution
    days: int
    pool: _Pool
    teams: tuple[Team, ...] = ()  # usable standing teams (team mode only)
    team_mode: bool = False
    size: int | None = None  # smallest valid team
    span: tuple[int, int] | None = None  # working-day indices of its window


class _Context:
    """Facts built once per diagnosis: calendar, pools, conflicts, availability."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.params = scenario.params
        self.days = _Days(scenario)
        self.experts = scenario.expert_by_id
        self.by_district: dict[str, list[Expert]] = defaultdict(list)
        for e in scenario.experts:
            self.by_district[e.district].append(e)
        self._pools: dict[tuple[str, str], _Pool] = {}
        self._conflicts = self._build_conflicts()
        self.blocked_days: dict[str, frozenset[int]] = self._build_unavailability()
        self.absences: dict[str, list[Unavailability]] = defaultdict(list)
        for row in scenario.unavailability:
            self.absences[row.expert_id].append(row)
        self.cycle_years = range(self.params.start.year, self.params.deadline.year + 1)

    # R7
    def pool(self, inst: Institution) -> _Pool:
        key = (inst.district, inst.tier)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._make_pool(*key)
            self._pools[key] = pool
        return pool

    def _make_pool(self, district: str, tier: str) -> _Pool:
        pairs = [p for p in self.scenario.pairings if p.inspected_district == district and p.covers(tier)]
        if pairs:
            inspecting = sorted({p.inspecting_district for p in pairs})
            links = "".join(f"“{p.inspecting_district}→{p.inspected_district}”" for p in pairs)
            why = f"交叉检查关系{links}要求{district}的{_tier_noun(tier)}由{'、'.join(inspecting)}专家巡查"
            allowed = frozenset(inspecting)
        elif self.params.home_district_only:
            why = (
                f"参数“只用本区县专家”（home_district_only）要求{district}的{_tier_noun(tier)}"
                f"由{district}专家巡查"
            )
            allowed = frozenset({district})
        else:
            return _Pool(None, "", tuple(self.scenario.experts))
        experts = tuple(e for d in sorted(allowed) for e in self.by_district.get(d, ()))
        return _Pool(allowed, why, experts)

    # R6
    def _build_conflicts(self) -> dict[str, dict[str, str]]:
        """Institution id -> expert id -> why the expert steps aside (回避)."""
        by_employer: dict[str, list[Expert]] = defaultdict(list)
        for e in self.scenario.experts:
            if e.employer:
                by_employer[e.employer].append(e)
        conflicts: dict[str, dict[str, str]] = defaultdict(dict)
        for inst in self.scenario.institutions:
            for e in (*by_employer.get(inst.id, ()), *by_employer.get(inst.name, ())):
                conflicts[inst.id][e.id] = "工作单位就是本机构，须回避"
        for row in self.scenario.conflicts:
            why = f"列在本机构的回避名单中（{row.reason}）" if row.reason else "列在本机构的回避名单中"
            conflicts[row.institution_id].setdefault(row.expert_id, f"{why}，须回避")
        return conflicts

    def conflicts(self, inst: Institution) -> dict[str, str]:
        return self._conflicts.get(inst.id, {})

    # R8
    def _build_unavailability(self) -> dict[str, frozenset[int]]:
        blocked: dict[str, set[int]] = defaultdict(set)
        for row in self.scenario.unavailability:
            i, j = self.days.span(row.start, row.end)
            blocked[row.expert_id].update(range(i, j))
        return {eid: frozenset(days) for eid, days in blocked.items()}

    def cannot_serve(self, expert: Expert, i: int, j: int, length: int) -> bool:
        """Whether ``expert`` can make no placement of ``length`` days in ``[i, j)`` (R8)."""
        cap = self.scenario.year_cap(expert)
        if cap is not None and (cap <= 0 or (cap < length and self.days.same_year(i, j))):
            return True
        blocked = self.blocked_days.get(expert.id, frozenset())
        return bool(blocked) and not self.days.fits(i, j, length, blocked)

    def busy_reason(self, expert: Expert, i: int, j: int, length: int) -> str:
        """Why :meth:`cannot_serve` said so, in Chinese (a predicate after 「其」)."""
        cap = self.scenario.year_cap(expert)
        if cap is not None and (cap <= 0 or (cap < length and self.days.same_year(i, j))):
            return f"年度最多只能巡查 {cap} 天，少于所需的 {length} 个工作日"
        first, last = self.days.days[i], self.days.days[j - 1]
        why = "、".join(
            dict.fromkeys(
                u.reason
                for u in self.absences.get(expert.id, ())
                if u.reason and u.start <= last and u.end >= first
            )
        )
        return (
            f"在 {self.days.text(i, j)} 没有连续 {length} 个工作日的空闲"
            f"（已申报不可用{'：' + why if why else ''}）"
        )

    def supply(self, expert: Expert) -> tuple[int, int]:
        """(days the expert can give in the cycle under caps and unavailability, days without them)."""
        blocked = self.blocked_days.get(expert.id, frozenset())
        free: dict[int, int] = dict(self.days.per_year)
        for t in blocked:
            free[self.days.days[t].year] -= 1
        cap = self.scenario.year_cap(expert)
        capped = sum(min(n, cap) if cap is not None else n for n in free.values())
        return max(capped, 0), len(self.days.days)

    def new_expert_supply(self) -> int:
        cap = self.params.max_days_per_year
        return sum(min(n, cap) if cap is not None else n for n in self.days.per_year.values())


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


# -- capacity bounds -----------------------------------------------------------------------------------
def _capacity_rule(need: int, uncapped: int) -> str:
    """R8 when caps or declared absences make the difference, else R5 (nobody works two visits)."""
    return "R8" if need <= uncapped else "R5"


def _pool_shortfalls(ctx: _Context, infos: Sequence[_InstInfo]) -> list[Finding]:
    """Person-days, leader-days and skill-days each pool of experts can give vs what it must give."""
    pooled = [x for x in infos if not x.team_mode and x.size is not None]
    keys = list(dict.fromkeys(x.pool.key for x in pooled))
    supplies = {e.id: ctx.supply(e) for e in ctx.scenario.experts}
    findings: list[Finding] = []
    cycle = f"巡查周期（{ctx.params.start.isoformat()} 至 {ctx.params.deadline.isoformat()}）"
    for key in keys:
        members = [x for x in pooled if key is None or (x.pool.key is not None and x.pool.key <= key)]
        experts = (
            list(ctx.scenario.experts)
            if key is None
            else [e for e in ctx.scenario.experts if e.district in key]
        )
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


def _quota_subject(quota: Quota) -> str:
    own = OWNERSHIP_LABELS.get(quota.ownership, quota.ownership) if quota.ownership else ""
    kind = _tier_noun(quota.tier) if quota.tier else "机构"
    return f"{own}{kind}"


def _visitable_in(ctx: _Context, info: _InstInfo, year: int) -> bool:
    if info.span is None or (info.inst.year is not None and info.inst.year != year):
        return False
    i, j = info.span
    yi, yj = ctx.days.span(date(year, 1, 1), date(year, 12, 31))
    return ctx.days.fits(max(i, yi), min(j, yj), info.days)


def _quota_shortfalls(ctx: _Context, infos: Sequence[_InstInfo], blocked: set[str]) -> list[Finding]:
    """R9: each year's quota against the institutions that match it and can be visited that year."""
    open_ = [i for i in ctx.scenario.institutions if not i.exempt]
    info_by_id = {x.inst.id: x for x in infos}
    findings: list[Finding] = []
    totals: dict[tuple[str | None, str | None], list[tuple[Quota, int]]] = defaultdict(list)
    for q in ctx.scenario.quotas:
        matching = [
            i
            for i in open_
            if (q.tier is None or i.tier == q.tier) and (q.ownership is None or i.ownership == q.ownership)
        ]
        required = max(q.min_count, math.ceil(q.min_share * len(matching) - 1e-9))
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
    findings += _quota_totals(open_, totals)
    return findings


def _cap_shortfall(
    ctx: _Context, q: Quota, matching: Sequence[Institution], infos: Sequence[_InstInfo]
) -> list[Finding]:
    """R9's cap (``max_share``, ``max_count``): more matching institutions can be visited only in the
    quota's year than the year allows."""
    cap = allowed(q, len(matching))
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
    open_: Sequence[Institution], totals: dict[tuple[str | None, str | None], list[tuple[Quota, int]]]
) -> list[Finding]:
    """Quotas of several years on the same institutions: each is visited once in the round."""
    findings = []
    for (tier, ownership), rows in totals.items():
        if len({q.year for q, _ in rows}) < 2:
            continue
        matching = [
            i
            for i in open_
            if (tier is None or i.tier == tier) and (ownership is None or i.ownership == ownership)
        ]
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


# -- entry points --------------------------------------------------------------------------------------
def diagnose(scenario: Scenario) -> Diagnosis:
    """Find, without solving, which institutions cannot be visited and which capacities fall short."""
    ctx = _Context(scenario)
    collector = _Collector()
    cache: dict[tuple, tuple[list[_Note], int | None]] = {}
    infos = [_diagnose_institution(ctx, i, collector, cache) for i in scenario.institutions if not i.exempt]
    blocked = collector.finish()
    free = [x for x in infos if x.inst.id not in blocked]
    shortfalls = [
        *_pool_shortfalls(ctx, free),
        *_standing_team_shortfalls(ctx, free),
        *_quota_shortfalls(ctx, infos, set(blocked)),
        *_concurrency_shortfalls(ctx, free),
    ]
    return Diagnosis(blocked=blocked, shortfalls=shortfalls)
