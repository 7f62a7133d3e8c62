"""The plan: what ``plan.json`` holds (SPEC §4), as plain frozen values.

Every output is written from a :class:`Plan` and the scenario; the validator reads
a plan back with :func:`Plan.from_json`. No solver objects here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

SCHEMA = "inspection-plan/1"
STATUSES = ("optimal", "feasible", "partial", "infeasible")


class PlanFormatError(Exception):
    """plan.json is not in the shape of SPEC §4; ``problems`` lists every issue found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
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


@dataclass(frozen=True)
class Unscheduled:
    institution: str
    reasons: tuple[str, ...]
    rule: str | None = None  # structured rule name, e.g. "R7"


@dataclass(frozen=True)
class Plan:
    scenario: str
    status: str
    visits: tuple[Visit, ...]
    unscheduled: tuple[Unscheduled, ...] = ()
    exempt: tuple[str, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict)

    def visit_of(self, institution: str) -> Visit | None:
        for v in self.visits:
            if v.institution == institution:
                return v
        return None

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
                }
                for v in self.visits
            ],
            "unscheduled": [
                {"institution": u.institution, "reasons": list(u.reasons), "rule": u.rule}
                for u in self.unscheduled
            ],
            "exempt": list(self.exempt),
            "stats": self.stats,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str = "plan.json") -> Plan:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise PlanFormatError(source, [f"不是有效的 JSON（第 {exc.lineno} 行）：{exc.msg}"]) from None
        return cls.from_dict(data, source)

    @classmethod
    def read(cls, path: Path) -> Plan:
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise PlanFormatError(str(path), [f"无法读取文件：{exc.strerror}"]) from None
        return cls.from_json(text, str(path))

    @classmethod
    def from_dict(cls, data: Any, source: str = "plan.json") -> Plan:
        problems: list[str] = []
        if not isinstance(data, dict):
            raise PlanFormatError(source, ["顶层应为 JSON 对象"])
        visits: list[Visit] = []
        for n, raw in enumerate(data.get("visits") or [], start=1):
            where = f"visits 第 {n} 项"
            if not isinstance(raw, dict):
                problems.append(f"{where} 应为对象")
                continue
            try:
                start = date.fromisoformat(str(raw["start"]))
                end = date.fromisoformat(str(raw["end"]))
                members = tuple(str(m) for m in raw.get("members") or ())
                leader = str(raw["leader"])
                days_raw = raw.get("days")
                days = int(days_raw) if days_raw is not None else -1
                visits.append(
                    Visit(
                        institution=str(raw["institution"]),
                        start=start,
                        end=end,
                        days=days,
                        leader=leader,
                        members=members,
                        team=None if raw.get("team") is None else str(raw["team"]),
                        batch=None if raw.get("batch") is None else str(raw["batch"]),
                    )
                )
            except KeyError as exc:
                problems.append(f"{where} 缺少字段 {exc.args[0]}")
            except (TypeError, ValueError) as exc:
                problems.append(f"{where} 的值无效：{exc}")
        unscheduled = []
        for raw in data.get("unscheduled") or []:
            if isinstance(raw, dict) and "institution" in raw:
                unscheduled.append(
                    Unscheduled(
                        institution=str(raw["institution"]),
                        reasons=tuple(str(r) for r in raw.get("reasons") or ()),
                        rule=raw.get("rule"),
                    )
                )
            else:
                problems.append("unscheduled 的每一项应为含 institution 的对象")
        if problems:
            raise PlanFormatError(source, problems)
        return cls(
            scenario=str(data.get("scenario", "")),
            status=str(data.get("status", "")),
            visits=tuple(visits),
            unscheduled=tuple(unscheduled),
            exempt=tuple(str(x) for x in data.get("exempt") or ()),
            stats=dict(data.get("stats") or {}),
        )
