"""The plan: what ``plan.json`` holds (SPEC §4), as plain frozen values.

Every output is written from a :class:`Plan` and the scenario; the validator reads
a plan back with :func:`Plan.from_json`. No solver objects here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

SCHEMA = "inspection-plan/1"
STATUSES = ("optimal", "feasible", "partial", "infeasible")
KINDS = ("visit", "followup")  # a visit's kind; a missing kind means "visit"


class PlanFormatError(Exception):
    """plan.json is not in the shape of SPEC §4; ``problems`` lists every issue found."""

    def __init__(self, source: str, problems: list[str], count: int | None = None) -> None:
        self.source = source
        self.problems = problems  # the first ones found (at most MAX_PROBLEMS)
        self.count = max(count or 0, len(problems))  # how many were found in all
        super().__init__(f"{source}: " + "；".join(problems))


@dataclass(frozen=True)
class Visit:
    institution: str
    start: date
    end: date  # inclusive, a working day
    days: int  # working days from start to end
    leader: str
    members: tuple[str, ...]  # includes the leader
    team: str | None = None  # standing team (R11), if any
    batch: str | None = None
    # R4 分工: each member's parts, in member order (empty: not stated), and the sub-leader (小组长)
    # of each part with two or more members
    parts: tuple[tuple[str, tuple[str, ...]], ...] = ()
    part_leads: tuple[tuple[str, str], ...] = ()
    kind: str = "visit"  # "visit", or "followup" (回头看, R15)

    def parts_of(self, expert: str) -> tuple[str, ...]:
        """The parts ``expert`` inspects on this visit (R4 分工); empty when none are stated."""
        return dict(self.parts).get(expert, ())


@dataclass(frozen=True)
class Unscheduled:
    institution: str
    reasons: tuple[str, ...]
    rule: str | None = None  # structured rule name, e.g. "R7"
    kind: str = "visit"  # "followup": the institution's first visit is planned, its 回头看 is not


@dataclass(frozen=True)
class Milestone:
    """The dates of one visited institution's round (R14, SPEC §4 ``milestones``), calendar days."""

    institution: str
    letter: date  # the 巡查通知 goes out
    self_report_due: date  # 自查报告 due
    feedback_due: date  # 反馈 due after the visit
    rectify_due: date  # 整改报告 due


def plan_status(visits: Sequence[Visit], unscheduled: Sequence[Unscheduled], optimal: bool) -> str:
    """A plan's status: ``partial``/``infeasible`` when institutions are left out (with/without any
    visit), else ``optimal`` when proven, ``feasible`` otherwise."""
    if unscheduled:
        return "partial" if visits else "infeasible"
    return "optimal" if optimal else "feasible"


@dataclass(frozen=True)
class Plan:
    scenario: str
    status: str
    visits: tuple[Visit, ...]
    unscheduled: tuple[Unscheduled, ...] = ()
    exempt: tuple[str, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict)
    announced: date | None = None  # the day the plan was announced (R14, ``--today``)
    milestones: tuple[Milestone, ...] = ()

    def visit_of(self, institution: str) -> Visit | None:
        """The institution's (first) visit; its follow-up is :meth:`followup_of`."""
        return self._visit_index.get(("visit", institution))

    def followup_of(self, institution: str) -> Visit | None:
        """The institution's follow-up visit (回头看, R15), if planned."""
        return self._visit_index.get(("followup", institution))

    def milestone_of(self, institution: str) -> Milestone | None:
        return self._milestone_index.get(institution)

    def unscheduled_of(self, institution: str, kind: str = "visit") -> Unscheduled | None:
        """The institution's entry among the left out (its first visit, or its 回头看 with ``kind``)."""
        return self._unscheduled_index.get((kind, institution))

    # Indexes built on first use (the plan is frozen): the outputs look visits up per institution,
    # and a scan per look-up is quadratic at a national round's 35,000 visits.
    @cached_property
    def _visit_index(self) -> dict[tuple[str, str], Visit]:
        index: dict[tuple[str, str], Visit] = {}
        for v in self.visits:
            index.setdefault((v.kind, v.institution), v)  # the first one, as a scan finds it
        return index

    @cached_property
    def _unscheduled_index(self) -> dict[tuple[str, str], Unscheduled]:
        index: dict[tuple[str, str], Unscheduled] = {}
        for u in self.unscheduled:
            index.setdefault((u.kind, u.institution), u)
        return index

    @cached_property
    def _milestone_index(self) -> dict[str, Milestone]:
        index: dict[str, Milestone] = {}
        for m in self.milestones:
            index.setdefault(m.institution, m)
        return index

    # -- JSON --------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "scenario": self.scenario,
            "status": self.status,
            "visits": [
                {
                    "institution": v.institution,
                    "start": v.start.isoformat(),
                    "end": v.end.isoformat(),
                    "days": v.days,
                    "leader": v.leader,
                    "members": list(v.members),
                    "team": v.team,
                    "batch": v.batch,
                    "parts": {member: list(parts) for member, parts in v.parts},
                    "part_leads": dict(v.part_leads),
                    "kind": v.kind,
                }
                for v in self.visits
            ],
            "milestones": [
                {
                    "institution": m.institution,
                    "letter": m.letter.isoformat(),
                    "self_report_due": m.self_report_due.isoformat(),
                    "feedback_due": m.feedback_due.isoformat(),
                    "rectify_due": m.rectify_due.isoformat(),
                }
                for m in self.milestones
            ],
            "unscheduled": [
                {"institution": u.institution, "reasons": list(u.reasons), "rule": u.rule, "kind": u.kind}
                for u in self.unscheduled
            ],
            "exempt": list(self.exempt),
            "stats": self.stats,
            "announced": None if self.announced is None else self.announced.isoformat(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "plan.json") -> Plan:
        try:
            data = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as exc:
            raise PlanFormatError(
                source, [f"不是有效的 JSON（第 {exc.lineno} 行第 {exc.colno} 列）：{_json_fault(exc.msg)}"]
            ) from None
        except RecursionError:
            raise PlanFormatError(source, ["JSON 嵌套层数过深，不是计划文件的结构"]) from None
        except ValueError:  # NaN/Infinity, or an integer of thousands of digits
            raise PlanFormatError(
                source, ["JSON 中有无法使用的数值（NaN、Infinity 或位数过多的整数）"]
            ) from None
        return cls.from_dict(data, source)

    @classmethod
    def read(cls, path: Path) -> Plan:
        """Read ``plan.json``: at most :data:`MAX_PLAN_BYTES`, UTF-8 (a BOM is allowed)."""
        try:
            with path.open("rb") as handle:
                raw = handle.read(MAX_PLAN_BYTES + 1)
        except FileNotFoundError:
            raise PlanFormatError(str(path), ["找不到这个文件"]) from None
        except PermissionError:
            raise PlanFormatError(str(path), ["没有读取这个文件的权限"]) from None
        except OSError as exc:
            raise PlanFormatError(
                str(path), [f"无法读取文件（{exc.strerror or type(exc).__name__}）"]
            ) from None
        if len(raw) > MAX_PLAN_BYTES:
            limit = MAX_PLAN_BYTES // (1024 * 1024)
            raise PlanFormatError(str(path), [f"文件超过 {limit} MiB，不是本工具的计划文件"])
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise PlanFormatError(
                str(path), [f"不是 UTF-8 编码的文本（第 {exc.start + 1} 个字节无法解码），应为 JSON 计划文件"]
            ) from None
        return cls.from_json(text, str(path))

    @classmethod
    def from_dict(cls, data: Any, source: str = "plan.json") -> Plan:
        """The plan in ``data`` (parsed JSON), every field's type checked; else :class:`PlanFormatError`
        listing each problem by its path (``visits[3].members``)."""
        reader = _Reader()
        fields = reader.record(data, "", PLAN_FIELDS)
        if reader.problems or fields is None:
            raise PlanFormatError(source, reader.problems or ["顶层应为 JSON 对象"], reader.count)
        return cls(**fields)


# -- reading plan.json strictly -------------------------------------------------------------------
#
# Each object of plan.json is read by a table of fields: the JSON key, a parser that turns the JSON
# value into the dataclass value (or raises _Bad saying what was expected), and what a missing or
# null value means. A new field is one more row; unknown keys are ignored.

MAX_PLAN_BYTES = 64 * 1024 * 1024
MAX_PROBLEMS = 50  # problems kept for the message; the rest are only counted
MAX_DAYS = 10_000
FIRST_YEAR, LAST_YEAR = 1900, 2999  # the years a plan's dates may lie in


class _Bad(Exception):
    """A JSON value is not what a field expects; ``sub`` locates it inside the field (``[2]``)."""

    def __init__(self, expected: str, value: Any, sub: str = "") -> None:
        self.expected = expected
        self.value = value
        self.sub = sub


_REQUIRED = object()


@dataclass(frozen=True)
class Field:
    """One key of a plan.json object: how to read it, and its value when missing or null."""

    key: str
    parse: Callable[[Any], Any]
    default: Any = _REQUIRED  # _REQUIRED: the key must be present and not null
    attr: str = ""  # the dataclass attribute, if not ``key``
    keep: bool = True  # False: checked, not passed on (``schema``)

    @property
    def name(self) -> str:
        return self.attr or self.key


def _shown(value: Any) -> str:
    """A JSON value as typed, short and printable."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    if len(text) > 60:
        text = text[:59] + "…"
    return "".join(ch if ch.isprintable() else f"\\u{ord(ch):04x}" for ch in text)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} 不是 JSON 数值")


def _check_text(value: str) -> str:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate ("\ud800" in the JSON): no text can hold it
        raise _Bad("不含无效 Unicode 代理字符的文本", value) from None
    return value


def as_text(value: Any) -> str:
    """A JSON string."""
    if not isinstance(value, str):
        raise _Bad("文本（JSON 字符串）", value)
    return _check_text(value)


def as_id(value: Any) -> str:
    """A non-empty JSON string: an institution or expert id."""
    if not isinstance(value, str) or not value.strip():
        raise _Bad("非空的编号（JSON 字符串）", value)
    return _check_text(value)


def as_optional_text(value: Any) -> str | None:
    return None if value is None else as_text(value)


def as_date(value: Any) -> date:
    """A date written ``YYYY-MM-DD``, in a year from :data:`FIRST_YEAR` to :data:`LAST_YEAR` (so that
    no check steps off the calendar when it counts days before or after it)."""
    if isinstance(value, str) and len(value) == 10 and value.isascii() and value[4] == value[7] == "-":
        try:
            day = date.fromisoformat(value)
        except ValueError:
            pass
        else:
            if FIRST_YEAR <= day.year <= LAST_YEAR:
                return day
    raise _Bad(f"日期，格式为 YYYY-MM-DD，年份在 {FIRST_YEAR} 到 {LAST_YEAR} 之间", value)


def as_int(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise _Bad(f"整数（{low} 到 {high}）", value)
        return value

    return parse


def as_choice(options: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if not isinstance(value, str) or value not in options:
            raise _Bad("下列之一：" + " / ".join(options), value)
        return value

    return parse


def list_of(item: Callable[[Any], Any]) -> Callable[[Any], tuple[Any, ...]]:
    """A JSON array whose every element ``item`` accepts, as a tuple."""

    def parse(value: Any) -> tuple[Any, ...]:
        if not isinstance(value, list):
            raise _Bad("数组（[…]）", value)
        out = []
        for n, element in enumerate(value):
            try:
                out.append(item(element))
            except _Bad as bad:
                raise _Bad(bad.expected, bad.value, f"[{n}]{bad.sub}") from None
        return tuple(out)

    return parse


def mapping_of(item: Callable[[Any], Any]) -> Callable[[Any], dict[str, Any]]:
    """A JSON object whose every value ``item`` accepts (keys are ids)."""

    def parse(value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise _Bad("对象（{…}）", value)
        out = {}
        for key, element in value.items():
            _check_text(key)
            try:
                out[key] = item(element)
            except _Bad as bad:
                raise _Bad(bad.expected, bad.value, f".{key}{bad.sub}") from None
        return out

    return parse


def as_object(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Bad("对象（{…}）", value)
    return dict(value)


def _at(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


class _Reader:
    """Collects the problems of one plan.json (the first :data:`MAX_PROBLEMS`, and how many)."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.count = 0

    def problem(self, path: str, expected: str, value: Any = _REQUIRED) -> None:
        """``path`` should hold ``expected``; ``value`` is what it holds (none: the field is missing)."""
        self.count += 1
        if len(self.problems) < MAX_PROBLEMS:
            found = "" if value is _REQUIRED else f"，实际为 {_shown(value)}"
            self.problems.append(f"{path or '顶层'}：{expected}{found}")

    def record(self, raw: Any, path: str, fields: tuple[Field, ...]) -> dict[str, Any] | None:
        """The dataclass keyword arguments read from the JSON object ``raw``; None if it is not one."""
        if not isinstance(raw, dict):
            self.problem(path, "应为对象（{…}）", raw)
            return None
        out: dict[str, Any] = {}
        for spec in fields:
            value = raw.get(spec.key)
            if value is None:
                if spec.default is _REQUIRED:
                    missing = "缺少此字段" if spec.key not in raw else "不能为 null"
                    self.problem(_at(path, spec.key), missing, _REQUIRED)
                elif spec.keep:
                    out[spec.name] = dict(spec.default) if isinstance(spec.default, dict) else spec.default
                continue
            parse = spec.parse
            try:
                parsed = (
                    self.records(value, _at(path, spec.key), parse)
                    if isinstance(parse, Records)
                    else parse(value)
                )
            except _Bad as bad:
                self.problem(_at(path, spec.key) + bad.sub, f"应为{bad.expected}", bad.value)
                continue
            if spec.keep and parsed is not None:
                out[spec.name] = parsed
        return out

    def records(self, raw: Any, path: str, spec: Records) -> tuple[Any, ...] | None:
        """Each object of the JSON array ``raw``, read by ``spec``; None if ``raw`` is not an array."""
        if not isinstance(raw, list):
            self.problem(path, "应为数组（[…]）", raw)
            return None
        out = []
        for n, element in enumerate(raw):
            before = self.count
            fields = self.record(element, f"{path}[{n}]", spec.fields)
            if fields is not None and self.count == before:
                out.append(spec.build(**fields))
        return tuple(out)


@dataclass(frozen=True)
class Records:
    """A field holding an array of objects, each read by ``fields`` and built by ``build``."""

    fields: tuple[Field, ...]
    build: Callable[..., Any]

    def __call__(self, value: Any) -> Any:  # pragma: no cover - _Reader.record handles Records
        raise NotImplementedError


def as_parts(value: Any) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """R4 分工: ``{"E07": ["党建"], …}`` as (member, parts) pairs in the order written."""
    return tuple(mapping_of(list_of(as_text))(value).items())


def as_part_leads(value: Any) -> tuple[tuple[str, str], ...]:
    """The sub-leader (小组长) of each part: ``{"医疗管理": "E11"}`` as (part, expert) pairs."""
    return tuple(mapping_of(as_id)(value).items())


VISIT_FIELDS: tuple[Field, ...] = (
    Field("institution", as_id),
    Field("start", as_date),
    Field("end", as_date),
    Field("days", as_int(0, MAX_DAYS), default=-1),
    Field("leader", as_text),
    Field("members", list_of(as_id), default=()),
    Field("team", as_optional_text, default=None),
    Field("batch", as_optional_text, default=None),
    Field("parts", as_parts, default=()),
    Field("part_leads", as_part_leads, default=()),
    Field("kind", as_choice(KINDS), default="visit"),
)

UNSCHEDULED_FIELDS: tuple[Field, ...] = (
    Field("institution", as_id),
    Field("reasons", list_of(as_text), default=()),
    Field("rule", as_optional_text, default=None),
    Field("kind", as_choice(KINDS), default="visit"),
)

MILESTONE_FIELDS: tuple[Field, ...] = (
    Field("institution", as_id),
    Field("letter", as_date),
    Field("self_report_due", as_date),
    Field("feedback_due", as_date),
    Field("rectify_due", as_date),
)

PLAN_FIELDS: tuple[Field, ...] = (
    Field("schema", as_choice((SCHEMA,)), default=SCHEMA, keep=False),
    Field("scenario", as_text, default=""),
    Field("status", as_choice(STATUSES), default=""),
    Field("visits", Records(VISIT_FIELDS, Visit), default=()),
    Field("unscheduled", Records(UNSCHEDULED_FIELDS, Unscheduled), default=()),
    Field("exempt", list_of(as_id), default=()),
    Field("stats", as_object, default={}),
    Field("announced", as_date, default=None),
    Field("milestones", Records(MILESTONE_FIELDS, Milestone), default=()),
)


# The json module's words for what it could not read, as a planner is told them.
_JSON_FAULTS = (
    ("Expecting value", "此处应有一个值"),
    ("Expecting property name enclosed in double quotes", "此处应有一个用双引号括起的名称"),
    ("Expecting ':' delimiter", "此处缺少冒号"),
    ("Expecting ',' delimiter", "此处缺少逗号"),
    ("Unterminated string", "引号没有闭合"),
    ("Invalid control character", "引号内有控制字符"),
    ("Invalid \\escape", "有无效的转义字符"),
    ("Invalid \\uXXXX escape", "有无效的 \\u 转义"),
    ("Extra data", "内容结束后还有多余的文字"),
    ("Illegal trailing comma", "结尾多了一个逗号"),
)


def _json_fault(message: str) -> str:
    return next((chinese for english, chinese in _JSON_FAULTS if message.startswith(english)), message)
