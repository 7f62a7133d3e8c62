"""Chinese labels and small formatting helpers shared by the outputs.

Everything a planner reads is in Chinese; these helpers keep the wording of
names, roles, dates and statuses the same across the workbook, the calendars,
the notices and the report. Nothing here writes files.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

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
# The short status words of the console and the report's headline.
STATUS_WORDS: dict[str, str] = {
    "optimal": "最优",
    "feasible": "可行",
    "partial": "部分",
    "infeasible": "无解",
}

# Every rule of SPEC §2 by the name a planner knows it by; codes stay in plan.json only.
RULE_NAMES: dict[str, str] = {
    "R0": "计划完整性",
    "R1": "巡查天数",
    "R2": "工作日",
    "R3": "时间窗口",
    "R4": "组队与分工",
    "R5": "专家时间冲突与间隔",
    "R6": "回避",
    "R7": "交叉检查",
    "R8": "专家不可用与年度上限",
    "R9": "年度指标",
    "R10": "同时巡查上限",
    "R11": "固定巡查组",
    "R12": "免检",
    "R13": "调整规则",
    "R14": "提前通知",
    "R15": "回头看",
    "R16": "指定安排",
}

ROLE_LEADER = "组长"
ROLE_MEMBER = "组员"
ROLE_SUB_LEADER = "小组长"  # leads one part of the work (R4 分工)

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


def status_word(status: str) -> str:
    """最优, 可行, 部分 or 无解."""
    return STATUS_WORDS.get(status, status)


def counts_text(plan: Plan) -> str:
    """「已安排 18 家（另有回头看 6 次），未安排 0 家，免检 0 家」: institutions, follow-ups apart."""
    firsts = sum(1 for v in plan.visits if v.kind == "visit")
    followups = sum(1 for v in plan.visits if v.kind == "followup")
    left = sum(1 for u in plan.unscheduled if u.kind == "visit")
    left_followups = len(plan.unscheduled) - left
    extra = f"（另有回头看 {followups} 次）" if followups else ""
    missing = f"（另有回头看 {left_followups} 次未安排）" if left_followups else ""
    return f"已安排 {firsts} 家{extra}，未安排 {left} 家{missing}，免检 {len(plan.exempt)} 家"


def rule_name(code: str) -> str:
    """The rule's Chinese name (「时间窗口」 for R3); an unknown code is given back as it is."""
    return RULE_NAMES.get(code.strip().upper(), code)


# A rule code as the checks and the scheduler write it into a reason: 「【R15 回头看】」, 「[R8] 」,
# 「R6：」, 「(R3)」 or a bare 「R9」 in a sentence.
_BRACKETED_CODE = re.compile(r"[【\[]\s*(R\d{1,2})(?:\s+[^】\]]*)?\s*[】\]]\s*")
_LEADING_CODE = re.compile(r"(?<![A-Za-z0-9_\-])(R\d{1,2})\s*[：:]\s*")
_PAREN_CODE = re.compile(r"\s*[（(]\s*(R\d{1,2})\s*[）)]")
_BARE_CODE = re.compile(r"(?<![A-Za-z0-9_\-])(R\d{1,2})(?![A-Za-z0-9_\-])")


def plain_rules(text: str) -> str:
    """A reason or message with each rule code replaced by the rule's name.

    「【R15 回头看】…」 → 「【回头看】…」, 「[R8] E01：…」 → 「【专家不可用与年度上限】E01：…」,
    「R6：可派专家…」 → 「回避：可派专家…」, 「违反 R9」 → 「违反年度指标」. Codes the table does not know
    are left alone.
    """

    def known(match: re.Match[str], form: str) -> str:
        code = match.group(1)
        return form.format(RULE_NAMES[code]) if code in RULE_NAMES else match.group(0)

    text = _BRACKETED_CODE.sub(lambda m: known(m, "【{}】"), text)
    text = _LEADING_CODE.sub(lambda m: known(m, "{}："), text)
    text = _PAREN_CODE.sub(lambda m: known(m, "（{}）"), text)
    return _BARE_CODE.sub(lambda m: known(m, "{}"), text)


def violation_text(rule: str, subject: str, message: str) -> str:
    """A broken rule as ``schedule validate`` prints it: 「【时间窗口（R3）】H1：…」 (the code kept in
    parentheses for whoever compares with plan.json)."""
    name = RULE_NAMES.get(rule)
    head = f"【{name}（{rule}）】" if name else f"【{rule}】"
    return f"{head}{subject}：{plain_rules(message)}"


# -- solve facts ---------------------------------------------------------------------


def load_lines(objective: dict[str, Any], bound: dict[str, Any]) -> list[str]:
    """The solver's terms in words, one sentence per expert pool: 「长寿区专家库（巡查巴南区）：最重负荷
    13 天，下界 13 天」, then 「未安排机构：0 家」. Terms named otherwise are left out."""
    lines: list[str] = []
    for key, value in objective.items():
        if not key.startswith("max_load"):
            continue
        pool = key[len("max_load") :].strip("[]")
        inspecting, _, inspected = pool.partition("→")
        if not pool:
            head = "专家库"
        elif inspected:
            head = f"{inspecting}专家库（巡查{inspected}）"
        else:
            head = f"{inspecting}专家库"
        line = f"{head}：最重负荷 {_number(value)} 天"
        if key in bound:
            line += f"，下界 {_number(bound[key])} 天"
        lines.append(line)
    if "unscheduled" in objective:
        line = f"未安排机构：{_number(objective['unscheduled'])} 家"
        low = bound.get("unscheduled")
        if low and low != objective["unscheduled"]:
            line += f"（至少 {_number(low)} 家无法安排）"
        lines.append(line)
    return lines


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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


def parts_text(visit: Visit, expert_id: str) -> str:
    """R4 分工: the parts ``expert_id`` inspects on ``visit`` (「党建、财务」), empty when none are stated."""
    return "、".join(visit.parts_of(expert_id))


def division_text(visit: Visit, expert_id: str) -> str:
    """The parts, each part ``expert_id`` leads as 小组长 marked so: 「医疗管理（小组长）、财务」."""
    leads = {part for part, lead in visit.part_leads if lead == expert_id}
    return "、".join(f"{p}（{ROLE_SUB_LEADER}）" if p in leads else p for p in visit.parts_of(expert_id))


def division_role(visit: Visit, expert_id: str) -> str:
    """组长, 小组长 (of some part with two or more members) or 组员."""
    if expert_id == visit.leader:
        return ROLE_LEADER
    if any(lead == expert_id for _, lead in visit.part_leads):
        return ROLE_SUB_LEADER
    return ROLE_MEMBER


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

# Characters Windows refuses in a file name (the separators among them).
_WINDOWS_FORBIDDEN = frozenset('<>:"/\\|?*')
_RESERVED_NAMES = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{port}{n}" for port in ("COM", "LPT") for n in [*"0123456789", "\u00b9", "\u00b2", "\u00b3"]]
)
# A stem leaves room for a clash suffix (9 bytes) and an extension within the 255 bytes a file
# name may have on every common file system.
MAX_STEM_BYTES = 200


def safe_filename(text: str, *, max_bytes: int = MAX_STEM_BYTES) -> str:
    """A file name stem safe on Windows, macOS and Linux; Chinese characters are kept.

    Path separators, characters Windows forbids, control and format characters (bidi overrides,
    zero-width marks) become ``_``; leading dots and trailing dots and spaces go (no hidden or
    relative names); Windows device names get a leading ``_``; a stem longer than ``max_bytes`` in
    UTF-8 is cut on a character boundary and ends in a short hash of the whole text.
    """
    name = "".join(_safe_char(ch) for ch in unicodedata.normalize("NFC", text))
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").rstrip(" .")
    if not name:
        name = "_"
    if name.split(".")[0].rstrip(" ").upper() in _RESERVED_NAMES:
        name = "_" + name
    if len(name.encode("utf-8")) > max_bytes:
        cut = name.encode("utf-8")[: max_bytes - 9].decode("utf-8", "ignore").rstrip(" .")
        name = f"{cut}_{short_hash(text, 8)}"
    return name


def _safe_char(ch: str) -> str:
    if ch in _WINDOWS_FORBIDDEN:
        return "_"
    category = unicodedata.category(ch)
    if category.startswith("C") or category in ("Zl", "Zp"):
        return "_"
    return " " if category == "Zs" else ch


def unique_filenames(stems: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Map keys to safe, distinct file name stems (see :func:`safe_filename`).

    ``stems`` yields ``(key, wanted_stem)``; only ids should be wanted, never names from the
    workbook (SPEC §4). A stem that had to be changed, or that clashes with another, gets a short
    hash of its key, so that ``a/b`` and ``a_b`` stay apart. Comparison is case-insensitive, as on
    Windows.
    """
    wanted = [(key, text, safe_filename(text)) for key, text in stems]
    counts: dict[str, int] = defaultdict(int)
    for _, _, stem in wanted:
        counts[stem.casefold()] += 1
    result: dict[str, str] = {}
    taken: set[str] = set()
    for key, text, stem in wanted:
        if counts[stem.casefold()] > 1 or stem != unicodedata.normalize("NFC", text):
            stem = f"{stem}_{short_hash(key, 8)}"
            if stem.casefold() in taken or counts[stem.casefold()]:
                stem = f"{stem}{short_hash(key, 24)[8:]}"
        taken.add(stem.casefold())
        result[key] = stem
    return result


class Written(NamedTuple):
    """A file as :func:`write_file` left it: what its stat said then, and the SHA-256 of its bytes."""

    size: int
    mtime_ns: int
    inode: int
    sha256: str


# While a plan folder is written (:func:`recording`), what write_file wrote, by path: run.json
# lists every file's digest, and a round's ten thousand files need not be opened and read again.
_WRITTEN: dict[str, Written] = {}
_RECORDERS = [0]  # how many plan folders are being written (threads of a server)
_RECORDING = threading.Lock()
_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)


@contextmanager
def recording() -> Iterator[dict[str, Written]]:
    """Within the block, :func:`write_file` records each file it writes (by ``str(path)``); a
    digest is to be trusted only while the file's size, mtime and inode are still those recorded."""
    with _RECORDING:
        _RECORDERS[0] += 1
    try:
        yield _WRITTEN
    finally:
        with _RECORDING:
            _RECORDERS[0] -= 1
            if not _RECORDERS[0]:
                _WRITTEN.clear()


def recorded_digest(path: str, stat: os.stat_result) -> str | None:
    """The SHA-256 :func:`write_file` recorded for ``path``, if the file is still as it left it."""
    entry = _WRITTEN.get(path)
    if entry is None or entry[:3] != (stat.st_size, stat.st_mtime_ns, stat.st_ino):
        return None
    return entry.sha256


def write_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, making its folder when it is missing (once, not for every file of
    a folder of thousands); within :func:`recording`, note its digest."""
    try:
        fd = os.open(path, _WRITE_FLAGS, 0o666)
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, _WRITE_FLAGS, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        stat = os.fstat(fd) if _RECORDERS[0] else None
    finally:
        os.close(fd)
    if stat is not None:
        digest = hashlib.sha256(data).hexdigest()
        _WRITTEN[str(path)] = Written(stat.st_size, stat.st_mtime_ns, stat.st_ino, digest)


def short_hash(text: str, length: int = 16) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


@lru_cache(maxsize=1 << 16)
def display_width(text: str) -> int:
    """Width of text in columns of a Latin digit: CJK and full-width characters count 2.

    Cached: the workbook and the documents measure the same names and phrases many times."""
    if text.isascii():
        return len(text)
    return sum(map(_WIDTHS.__getitem__, text))


class _Widths(dict[str, int]):
    """Each character's width (:func:`display_width`), looked up in Unicode's table once."""

    def __missing__(self, char: str) -> int:
        width = 2 if unicodedata.east_asian_width(char) in "WF" else 1
        self[char] = width
        return width


_WIDTHS = _Widths()
