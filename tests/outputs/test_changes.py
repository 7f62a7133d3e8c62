"""The change list of a replan: ``changes.csv`` and the workbook's 变更 sheet (no solver)."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import openpyxl

from inputs.scenario import Scenario
from outputs.changes import COLUMNS, write_changes
from outputs.folder import write_plan_folder
from outputs.workbook import write_workbook
from scheduler.plan import Plan
from scheduler.replan import Change

CHANGES = [
    Change("G2", "cancelled", "2025-03-10；组长 陈静（E05）", "", "机构已从方案中移除"),
    Change(
        "H2",
        "member_swapped",
        "李红（E02）",
        "王磊（E04）",
        "专家 李红（E02）2025-04-01 至 2025-04-10 不可用（病假）",
    ),
    Change("H2", "leader_changed", "陈静（E05）", "刘洋（E06）", "专家 陈静（E05）须回避该机构"),
    Change("G1", "moved", "2026-03-10", "2026-03-24", "为安排其他变更而联动调整"),
    Change("H1", "added", "", "2024-11-25 至 2024-12-03；组长 张建国（E01）", "新增机构"),
]


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_changes_csv_has_one_row_per_change(tmp_path: Path, scenario: Scenario) -> None:
    """Each change is a row under Chinese headers with the institution's id and name, the kind,
    before, after and the reason; the file starts with a byte-order mark for Excel."""
    path = tmp_path / "changes.csv"
    write_changes(scenario, CHANGES, path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = _rows(path)
    assert list(rows[0]) == list(COLUMNS)
    assert list(rows[0]) == ["机构编号", "机构名称", "变更类型", "变更前", "变更后", "原因"]
    assert [(r["机构编号"], r["变更类型"]) for r in rows] == [
        ("G2", "取消"),
        ("H2", "换人"),
        ("H2", "更换组长"),
        ("G1", "改期"),
        ("H1", "新增"),
    ]
    assert rows[1]["机构名称"] == "南岸区妇幼保健院"
    assert rows[1]["变更前"] == "李红（E02）" and rows[1]["变更后"] == "王磊（E04）"
    assert "病假" in rows[1]["原因"]


def test_changes_csv_without_changes_has_the_header_only(tmp_path: Path, scenario: Scenario) -> None:
    """Nothing changed: the file is still there, with its header."""
    path = tmp_path / "changes.csv"
    write_changes(scenario, [], path)
    assert path.read_text(encoding="utf-8-sig").splitlines() == [",".join(COLUMNS)]


def test_workbook_opens_with_the_change_sheet(tmp_path: Path, scenario: Scenario, plan: Plan) -> None:
    """A replan's workbook has 变更 as its first sheet, one row per change."""
    path = tmp_path / "plan.xlsx"
    write_workbook(scenario, plan, path, {}, changes=CHANGES)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[0] == "变更"
    ws = wb["变更"]
    header = [c.value for c in ws[1]]
    assert header == ["序号", "机构编号", "机构名称", "变更类型", "变更前", "变更后", "原因"]
    body = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [(r[1], r[3]) for r in body] == [
        ("G2", "取消"),
        ("H2", "换人"),
        ("H2", "更换组长"),
        ("G1", "改期"),
        ("H1", "新增"),
    ]
    assert body[0][2] == "一品街道社区卫生服务中心"


def test_workbook_of_a_solve_has_no_change_sheet(tmp_path: Path, scenario: Scenario, plan: Plan) -> None:
    """Without changes (a plain solve) there is no 变更 sheet; with an empty list there is one saying so."""
    plain, empty = tmp_path / "plain.xlsx", tmp_path / "empty.xlsx"
    write_workbook(scenario, plan, plain, {})
    write_workbook(scenario, plan, empty, {}, changes=[])
    assert "变更" not in openpyxl.load_workbook(plain).sheetnames
    ws = openpyxl.load_workbook(empty)["变更"]
    assert ws.cell(row=2, column=1).value == "与原计划相比没有变更。"


def test_plan_folder_writes_the_change_list_on_a_replan(
    tmp_path: Path, scenario: Scenario, plan: Plan, clock: datetime
) -> None:
    """``write_plan_folder`` writes changes.csv when given changes, and not otherwise."""
    write_plan_folder(scenario, plan, tmp_path / "solve", facts={}, now=clock)
    write_plan_folder(scenario, plan, tmp_path / "replan", facts={}, now=clock, changes=CHANGES)
    assert not (tmp_path / "solve" / "changes.csv").exists()
    assert len(_rows(tmp_path / "replan" / "changes.csv")) == len(CHANGES)
