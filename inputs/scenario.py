"""The validated, frozen scenario every later layer works from.

The reader (``inputs.reader``) turns messy cells into these values; nothing here
reads files. Identifiers stay as the planner wrote them (after normalisation).
Tiers and ownership use the internal English codes below; the Chinese labels
are for output.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

TIERS: tuple[str, ...] = (
    "tertiary_general",
    "tertiary_specialty",
    "maternal_child",
    "secondary",
    "grassroots",
)
TIER_LABELS: dict[str, str] = {
    "tertiary_general": "三级综合",
    "tertiary_specialty": "三级专科",
    "maternal_child": "妇幼保健院",
    "secondary": "二级",
    "grassroots": "基层",
}
OWNERSHIPS: tuple[str, ...] = ("public", "private")
OWNERSHIP_LABELS: dict[str, str] = {"public": "公立", "private": "民营"}

# The five parts every inspection covers (seeds 000, 001, 003).
DEFAULT_SKILLS: tuple[str, ...] = ("党建", "行风", "医疗管理", "财务", "安全生产")


@dataclass(frozen=True)
class TierRule:
    tier: str
    min_days: int
    team_min: int
    team_max: int
    required_skills: tuple[str, ...] = DEFAULT_SKILLS
    # R4 分工: parts needing more than one member, as (skill, count) (`医疗管理*2`); others need one
    part_counts: tuple[tuple[str, int], ...] = ()
    one_part_each: bool = False  # 分组巡查: every member takes exactly one part

    def count(self, skill: str) -> int:
        """How many members the part of ``skill`` needs (R4; 1 unless written `技能*N`)."""
        return dict(self.part_counts).get(skill, 1)

    @property
    def written_skills(self) -> tuple[str, ...]:
        """The required skills as the tiers sheet writes them: `医疗管理*2` where a part needs more."""
        return tuple(s if self.count(s) == 1 else f"{s}*{self.count(s)}" for s in self.required_skills)

    @property
    def divides_work(self) -> bool:
        """Whether the tier asks more than today's coverage: a count above one, or one part each."""
        return self.one_part_each or any(n > 1 for _, n in self.part_counts)


DEFAULT_TIER_RULES: dict[str, TierRule] = {
    "tertiary_general": TierRule("tertiary_general", 7, 4, 9),
    "tertiary_specialty": TierRule("tertiary_specialty", 5, 4, 7),
    "maternal_child": TierRule("maternal_child", 5, 4, 7),
    "secondary": TierRule("secondary", 5, 4, 7),
    "grassroots": TierRule("grassroots", 1, 2, 4),
}


@dataclass(frozen=True)
class Params:
    name: str
    start: date
    deadline: date
    office: str | None = None
    office_email: str | None = None
    hotline: str | None = None
    report_email: str | None = None
    max_concurrent_visits: int | None = None
    home_district_only: bool = False
    rest_days: int = 0
    max_days_per_year: int | None = None
    notice_days: int = 30
    # the whole round (R14, R15): calendar days unless stated
    self_report_days: int = 15
    feedback_days: int = 30
    rectify_days: int = 60
    followup_share: float = 0.0
    followup_days: int = 1  # working days
    followup_team_min: int = 2
    followup_team_max: int = 3
    followup_deadline: date | None = None  # None: the deadline
    followup_continuity: bool = True
    pace: str = "even"  # objective 3: "even" spreads each window's starts over its months, "early"


@dataclass(frozen=True)
class Institution:
    id: str
    name: str
    district: str
    tier: str  # one of TIERS
    ownership: str = "public"  # one of OWNERSHIPS
    min_days: int | None = None  # planner's own minimum; the effective one is the larger
    year: int | None = None
    batch: str | None = None
    earliest: date | None = None
    latest: date | None = None
    exempt: bool = False
    address: str | None = None
    followup: bool | None = None  # 回头看 (R15); None: blank, the share may choose it
    contact: str | None = None
    email: str | None = None
    # R16 pins: the planner's fixed start date, leader and members (expert ids)
    fixed_start: date | None = None
    fixed_leader: str | None = None
    fixed_members: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()  # other names the office uses (别名), for resolving employers (R6)

    @property
    def pinned(self) -> bool:
        """Whether the planner pinned anything of this institution's visit (R16)."""
        return self.fixed_start is not None or self.fixed_leader is not None or bool(self.fixed_members)

    @property
    def pins(self) -> list[tuple[str, str]]:
        """The pins as (what, value), in the order the planner reads them: 开始日期, 组长, 成员."""
        found = []
        if self.fixed_start is not None:
            found.append(("开始日期", self.fixed_start.isoformat()))
        if self.fixed_leader is not None:
            found.append(("组长", self.fixed_leader))
        if self.fixed_members:
            found.append(("成员", "、".join(self.fixed_members)))
        return found

    @property
    def pin_text(self) -> str:
        """The pins in a sentence: 「指定开始日期 2025-04-07，指定组长 E01，指定成员 E02、E05」."""
        return "，".join(f"指定{what} {value}" for what, value in self.pins)


@dataclass(frozen=True)
class Expert:
    id: str
    name: str
    district: str
    skills: tuple[str, ...]
    employer: str | None = None  # an institution id or free text
    leader: bool = False
    max_days: int | None = None
    email: str | None = None
    phone: str | None = None
    # The 工作单位 as typed, when ``employer`` is the id it was resolved to (R6; inputs.employers).
    # For display only: the normalised scenario/ folder carries the id, so it is not compared.
    employer_text: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Batch:
    name: str
    start: date
    end: date


@dataclass(frozen=True)
class Quota:
    year: int
    tier: str | None = None
    ownership: str | None = None
    min_share: float = 0.0  # 0..1
    min_count: int = 0
    max_share: float | None = None  # 0..1; at most floor(max_share × count) visited in the year
    max_count: int | None = None

    # What the row means to the planner's side — the solver, the start plan, the diagnostics, the
    # replan and the read-time controls (``inputs.controls``). ``schedule validate`` checks R9 with its
    # own arithmetic (``constraints.quotas``), not with these.

    def counts(self, inst: Institution) -> bool:
        """The row counts ``inst``: not exempt, of its tier and ownership (a blank one: any)."""
        return (
            not inst.exempt
            and (self.tier is None or inst.tier == self.tier)
            and (self.ownership is None or inst.ownership == self.ownership)
        )

    def required(self, count: int) -> int:
        """How many of ``count`` counted institutions must be visited wholly inside the year."""
        return max(self.min_count, math.ceil(self.min_share * count - 1e-9))

    def allowed(self, count: int) -> int | None:
        """How many of ``count`` counted institutions the year allows at most (None: no cap); where the
        two shares meet ("about 10%") rounding never puts the cap below the minimum's share."""
        caps = [] if self.max_count is None else [self.max_count]
        if self.max_share is not None:
            by_share = math.floor(self.max_share * count + 1e-9)
            if self.min_share and self.max_share >= self.min_share:
                by_share = max(by_share, math.ceil(self.min_share * count - 1e-9))
            caps.append(by_share)
        return min(caps) if caps else None


@dataclass(frozen=True)
class Unavailability:
    expert_id: str
    start: date
    end: date  # inclusive
    reason: str | None = None


@dataclass(frozen=True)
class Conflict:
    expert_id: str
    institution_id: str
    reason: str | None = None


@dataclass(frozen=True)
class Pairing:
    inspecting_district: str
    inspected_district: str
    tiers: tuple[str, ...] = ()  # empty: every tier

    def covers(self, tier: str) -> bool:
        return not self.tiers or tier in self.tiers


@dataclass(frozen=True)
class Team:
    name: str
    leader: str
    members: tuple[str, ...]  # includes the leader
    tiers: tuple[str, ...] = ()  # empty: every tier

    def covers(self, tier: str) -> bool:
        return not self.tiers or tier in self.tiers


@dataclass(frozen=True)
class HolidayRow:
    start: date
    end: date  # inclusive
    kind: str  # "holiday" or "workday"


@dataclass(frozen=True)
class Scenario:
    params: Params
    institutions: tuple[Institution, ...]
    experts: tuple[Expert, ...]
    tier_rules: dict[str, TierRule] = field(default_factory=lambda: dict(DEFAULT_TIER_RULES))
    batches: tuple[Batch, ...] = ()
    quotas: tuple[Quota, ...] = ()
    unavailability: tuple[Unavailability, ...] = ()
    conflicts: tuple[Conflict, ...] = ()
    pairings: tuple[Pairing, ...] = ()
    teams: tuple[Team, ...] = ()
    holidays: tuple[HolidayRow, ...] = ()
    source: str = ""  # where it was read from, for messages

    # -- lookups (pure facts of the input, shared by every layer) --------------
    @cached_property
    def institution_by_id(self) -> dict[str, Institution]:
        return {i.id: i for i in self.institutions}

    @cached_property
    def expert_by_id(self) -> dict[str, Expert]:
        return {e.id: e for e in self.experts}

    @cached_property
    def batch_by_name(self) -> dict[str, Batch]:
        return {b.name: b for b in self.batches}

    @cached_property
    def known_skills(self) -> frozenset[str]:
        return frozenset(s for r in self.tier_rules.values() for s in r.required_skills)

    def counted(self, quota: Quota) -> list[Institution]:
        """The institutions a quota row counts, in the scenario's order (see :meth:`Quota.counts`)."""
        return [inst for inst in self.institutions if quota.counts(inst)]

    def rule(self, tier: str) -> TierRule:
        return self.tier_rules.get(tier, DEFAULT_TIER_RULES[tier])

    def min_days(self, inst: Institution) -> int:
        """R1: the tier's minimum, or the planner's longer one."""
        return max(self.rule(inst.tier).min_days, inst.min_days or 0)

    def year_cap(self, expert: Expert) -> int | None:
        """R8: the expert's own cap, else the round's."""
        return expert.max_days if expert.max_days is not None else self.params.max_days_per_year

    @cached_property
    def calendar(self):  # -> inputs.calendar.WorkCalendar (import kept lazy)
        from inputs.calendar import WorkCalendar

        return WorkCalendar(self.holidays)
