"""R4 分工 in the outputs: the 分工 sheet, the rosters, invitations and notices name each member's parts.

The hand-made plan's H1 visit is given a division: 张建国 (E01, 组长) 党建, 李红 (E02) 医疗管理 and
财务, 欧阳 晓 (E03) 安全生产, 王磊 (E04) 行风 and 医疗管理 — 医疗管理 has two members, 李红 its
小组长.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import icalendar
import openpyxl

from inputs.scenario import Scenario
from outputs.calendars import write_calendars
from outputs.documents import document_text
from outputs.notices import write_notices
from outputs.workbook import write_workbook
from scheduler.plan import Plan

PARTS = (
    ("E01", ("党建",)),
    ("E02", ("医疗管理", "财务")),
    ("E03", ("安全生产",)),
    ("E04", ("行风", "医疗管理")),
)


def _divided(plan: Plan) -> Plan:
    visits = tuple(
        dataclasses.replace(v, parts=PARTS, part_leads=(("医疗管理", "E02"),)) if v.institution == "H1" else v
        for v in plan.visits
    )
    return dataclasses.replace(plan, visits=visits)


def _rows(ws) -> list[dict]:
    values = list(ws.iter_rows(values_only=True))
    return [dict(zip(values[0], row, strict=True)) for row in values[1:]]


def test_division_sheet_and_rosters(tmp_path: Path, scenario: Scenario, plan: Plan) -> None:
    """分工: one row per member with role 组长 / 小组长 / 组员 and the parts, the 小组长's part marked;
    专家组名单 has the parts too; visits without a stated division show blank parts."""
    path = tmp_path / "plan.xlsx"
    write_workbook(scenario, _divided(plan), path, {})
    book = openpyxl.load_workbook(path)
    h1 = [r for r in _rows(book["分工"]) if r["机构名称"].startswith("区人民医院")]
    assert [(r["角色"], r["专家编号"], r["分工"]) for r in h1] == [
        ("组长", "E01", "党建"),
        ("小组长", "E02", "医疗管理（小组长）、财务"),
        ("组员", "E03", "安全生产"),
        ("组员", "E04", "行风、医疗管理"),
    ]
    others = [r for r in _rows(book["分工"]) if not r["机构名称"].startswith("区人民医院")]
    assert others and all(r["分工"] is None for r in others)
    rosters = [r for r in _rows(book["专家组名单"]) if r["机构名称"].startswith("区人民医院")]
    assert [r["分工"] for r in rosters] == ["党建", "医疗管理、财务", "安全生产", "行风、医疗管理"]


def test_invitations_and_notices_name_the_parts(
    tmp_path: Path, scenario: Scenario, plan: Plan, clock: datetime
) -> None:
    """李红's invitation to H1 says 「分工：医疗管理（小组长）、财务」 and her role 小组长; H1's notice
    lists each member's parts."""
    divided = _divided(plan)
    write_calendars(scenario, divided, tmp_path / "calendars", now=clock)
    descriptions = []
    for path in (tmp_path / "calendars" / "requests").glob("*.ics"):
        for event in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
            descriptions.append(str(event["DESCRIPTION"]))
    mine = [d for d in descriptions if "分工：医疗管理（小组长）、财务" in d]
    assert len(mine) == 1 and "您在本组的角色：小组长" in mine[0]
    write_notices(scenario, divided, tmp_path / "notices")
    text = document_text(tmp_path / "notices" / "H1.docx")
    assert "组长：张建国" in text and "，分工：党建" in text
    assert "小组长：李红" in text and "分工：医疗管理、财务" in text
