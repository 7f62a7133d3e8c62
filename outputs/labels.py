"""Chinese labels and small formatting helpers shared by the outputs.

Everything a planner reads is in Chinese; these helpers keep the wording of
names, roles, dates and statuses the same across the workbook, the calendars,
the notices and the report. Nothing here writes files.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, timedelta

from inputs.calendar import UnknownYearError
from inputs.scenario import OWNERSHIP_LABELS, TIER_LABELS, Expert, Institution, Scenario
from scheduler.plan import Plan, Visit

WEEKDAY_LABELS: tuple[str, ...] = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")

STATUS_LABELS: dict[str, str] = {
    "optimal": "最优方案",
    "feasible": "可行方案",
    "partial": "部分安排（有机构未安排）",
    "infeasible": "未找到可行方案",
}

ROLE_LEADER = "组长"
ROLE_MEMBER = "组员"

# Kinds of institution in an annual plan, in the order of seed 003's annex 4.
KIND_HOSPITAL = "大型医疗卫生机构"
KIND_COMMUNITY = "社区卫生服务中心"
KIND_CENTRAL_TOWNSHIP = "中心级卫生院"
KIND_TOWNSHIP = "乡镇卫生院"
KIND_OTHER_GRASSROOTS = "其他基层医疗卫生机构"
KIND_ORDER: tuple[str, ...] = (
    KIND_HOSPITAL,
    KIND_COMMUNITY,
    KIND_CENTRAL_TOWNSHIP,
    KIND_TOWNSHIP,
    KIND_OTHER_GRASSROOTS,
)

CHINESE_ORDINALS = "一二三四五六七八九十"


def chinese_ordinal(n: int) -> str:
    """1 → 一, 12 → 十二, 25 → 二十五 (enough for section numbers)."""
    if n <= 10:
        return CHINESE_ORDINALS[n - 1]
    tens, ones = divmod(n, 10)
    head = "" if tens == 1 else CHINESE_ORDINALS[tens - 1]
    return head + "十" + (CHINESE_ORDINALS[ones - 1] if ones else "")


# -- names ----------------------------------------------------------------------


def tier_label(tier: str) -> str:
    return TIER_LABELS.get(tier, tier)


def ownership_label(ownership: str) -> str:
    return OWNERSHIP_LABELS.get(ownership, ownership)


def status_label(status: str) -> str:
    return STATUS_LABELS.get(status, status)


def institution_name(scenario: Scenario, inst_id: str) -> str:
    inst = scenario.institution_by_id.get(inst_id)
    return inst.name if inst else inst_id


def expert_name(scenario: Scenario, expert_id: str) -> str:
    expert = scenario.expert_by_id.get(expert_id)
    return expert.name if expert else expert_id


def expert_label(scenario: Scenario, expert_id: str) -> str:
    """An expert as shown in tables: name with id, e.g. ``张三（E07）``."""
    expert = scenario.expert_by_id.get(expert_id)
    return f"{expert.name}（{expert_id}）" if expert else expert_id


def employer_label(scenario: Scenario, expert: Expert) -> str:
    """The expert's employer: an institution id is shown by its name."""
    if not expert.employer:
        return ""
    return institution_name(scenario, expert.employer)


def role_of(visit: Visit, expert_id: str) -> str:
    return ROLE_LEADER if expert_id == visit.leader else ROLE_MEMBER


def ordered_members(visit: Visit) -> list[str]:
    """The team with the leader first, the others in the plan's order."""
    return [visit.leader] + [m for m in visit.members if m != visit.leader]


def other_members(visit: Visit) -> list[str]:
    return [m for m in visit.members if m != visit.leader]


def kind_of(inst: Institution) -> str:
    """The kind of institution as seed 003's annex 4 groups them."""
    if inst.tier != "grassroots":
        return KIND_HOSPITAL
    if "社区卫生服务中心" in inst.name:
        return KIND_COMMUNITY
    if "中心卫生院" in inst.name:
        return KIND_CENTRAL_TOWNSHIP
    if "卫生院" in inst.name:
        return KIND_TOWNSHIP
    return KIND_OTHER_GRASSROOTS


# -- dates ----------------------------------------------------------------------


def weekday_label(day: date) -> str:
    return WEEKDAY_LABELS[day.weekday()]


def date_cn(day: date, *, weekday: bool = False) -> str:
    """``2024年11月25日`` or, with the weekday, ``2024年11月25日（周一）``."""
    text = f"{day.year}年{day.month}月{day.day}日"
    return f"{text}（{weekday_label(day)}）" if weekday else text


def period_cn(start: date, end: date, *, weekday: bool = False) -> str:
    """A visit's dates in words, e.g. ``2024年11月25日（周一）至2024年12月3日（周二）``."""
    if start == end:
        return date_cn(start, weekday=weekday)
    return f"{date_cn(start, weekday=weekday)}至{date_cn(end, weekday=weekday)}"


def visit_workdays(scenario: Scenario, visit: Visit) -> list[date] | None:
    """The visit's working days by the scenario's calendar, or None if a year is unknown."""
    try:
        return list(scenario.calendar.workdays(visit.start, visit.end))
    except UnknownYearError:
        return None


def workdays_cn(days: Iterable[date]) -> str:
    """Working days listed compactly: ``11月25日、26日、27日，12月2日、3日``."""
    groups: list[str] = []
    current: tuple[int, int] | None = None
    parts: list[str] = []
    for day in days:
        key = (day.year, day.month)
        if key != current:
            if parts:
                groups.append("、".join(parts))
            parts = [f"{day.month}月{day.day}日"]
            current = key
        else:
            parts.append(f"{day.day}日")
    if parts:
        groups.append("、".join(parts))
    return "，".join(groups)


def last_workday_before(scenario: Scenario, day: date) -> date:
    """The working day before ``day`` (a plain weekday when the calendar does not know the year)."""
    prev = day - timedelta(days=1)
    for _ in range(40):
        try:
            if scenario.calendar.is_workday(prev):
                return prev
        except UnknownYearError:
            if prev.weekday() < 5:
                return prev
        prev -= timedelta(days=1)
    return day - timedelta(days=1)


# -- plan views -------------------------------------------------------------------


def sorted_visits(plan: Plan) -> list[Visit]:
    return sorted(plan.visits, key=lambda v: (v.start, v.end, v.institution))


def visit_year(visit: Visit) -> int:
    """The year a visit is listed under in an annual plan: the year it starts."""
    return visit.start.year


def visits_by_expert(plan: Plan) -> dict[str, list[Visit]]:
    result: dict[str, list[Visit]] = defaultdict(list)
    for visit in sorted_visits(plan):
        for member in visit.members:
            result[member].append(visit)
    return dict(result)


def days_by_year(scenario: Scenario, visit: Visit) -> dict[int, int]:
    """A visit's working days split by calendar year (R8 counts per year).

    Falls back to the plan's own day count, all in the start year, when the
    calendar does not know a year the visit touches.
    """
    workdays = visit_workdays(scenario, visit)
    if workdays is None:
        return {visit.start.year: visit.days}
    result: dict[int, int] = defaultdict(int)
    for day in workdays:
        result[day.year] += 1
    return dict(result)


def workload(scenario: Scenario, plan: Plan) -> dict[str, dict[int, int]]:
    """Working days per expert and year, for every expert of the scenario."""
    result: dict[str, dict[int, int]] = {e.id: {} for e in scenario.experts}
    for visit in plan.visits:
        split = days_by_year(scenario, visit)
        for member in visit.members:
            per_year = result.setdefault(member, {})
            for year, days in split.items():
                per_year[year] = per_year.get(year, 0) + days
    return result


def plan_years(scenario: Scenario, plan: Plan) -> list[int]:
    """The calendar years of the cycle, from its start to its deadline (and any visit outside)."""
    years = set(range(scenario.params.start.year, scenario.params.deadline.year + 1))
    for visit in plan.visits:
        years.update(range(visit.start.year, visit.end.year + 1))
    return sorted(years)


def reasons_text(reasons: Iterable[str]) -> str:
    return "；".join(r for r in reasons if r) or "未说明原因"


# -- files ------------------------------------------------------------------------

_UNSAFE_FILENAME = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL"] + [f"COM{i}" for i in range(1, 10)] + [f"LPT{i}" for i in range(1, 10)]
)


def safe_filename(text: str, *, max_length: int = 80) -> str:
    """A file name stem safe on Windows, macOS and Linux; Chinese characters are kept."""
    name = unicodedata.normalize("NFC", text)
    name = _UNSAFE_FILENAME.sub("_", name)
    name = re.sub(r"\s+", " ", name).strip()
    name = name[:max_length].rstrip(" .")
    if not name:
        name = "_"
    if name.split(".")[0].upper() in _RESERVED_NAMES:
        name = "_" + name
    return name


def unique_filenames(stems: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Map keys to safe, distinct file name stems; a clash gets a short hash of its key.

    ``stems`` yields ``(key, wanted_stem)``. Comparison is case-insensitive, as on Windows.
    """
    wanted = [(key, safe_filename(stem)) for key, stem in stems]
    counts: dict[str, int] = defaultdict(int)
    for _, stem in wanted:
        counts[stem.casefold()] += 1
    result: dict[str, str] = {}
    for key, stem in wanted:
        if counts[stem.casefold()] > 1:
            stem = f"{stem}_{short_hash(key, 8)}"
        result[key] = stem
    return result


def short_hash(text: str, length: int = 16) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def display_width(text: str) -> int:
    """Width of text in columns of a Latin digit: CJK and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
