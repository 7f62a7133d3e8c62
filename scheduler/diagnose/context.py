"""Facts the pre-solve checks build once per diagnosis (:mod:`scheduler.diagnose`): the cycle's
working days, who may inspect whom (R7), who steps aside (R6) and who is away or capped (R8)."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from inputs.calendar import UnknownYearError
from inputs.scenario import Expert, Institution, Scenario, Team, Unavailability
from scheduler.diagnose.findings import _tier_noun


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
