"""plan.xlsx: the sheets carry the plan, read back with openpyxl."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

from inputs.scenario import Scenario
from outputs.workbook import DATE_FORMAT, write_workbook
from scheduler.plan import Plan

SHEETS = [
    "巡查安排",
    "专家组名单",
    "分工",
    "专家日程",
    "年度计划",
    "交叉检查关系表",
    "工作量",
    "未安排",
    "时间节点",
    "巡查进度图",
    "求解信息",
]
FACTS = {
    "状态": "partial",
    "目标值": "12",
    "下界": "12",
    "输入校验和": "sha256:0123abcd",
    "工具版本": "0.1.0",
    "节假日数据来源": "2024–2026：chinesecalendar",
}


@pytest.fixture
def book(tmp_path: Path, scenario: Scenario, plan: Plan) -> openpyxl.Workbook:
    path = tmp_path / "plan.xlsx"
    write_workbook(scenario, plan, path, FACTS)
    return openpyxl.load_workbook(path)


def _rows(ws) -> list[tuple]:
    return list(ws.iter_rows(values_only=True))


def _header(ws) -> list[str]:
    return [c.value for c in ws[1]]


def test_the_workbook_has_the_sheets_in_order(book) -> None:
    """All the Chinese sheets are there, in the order an office reads them."""
    assert book.sheetnames == SHEETS


def test_assignments_have_one_row_per_visit_with_real_date_cells(book, plan: Plan) -> None:
    """巡查安排: one row per visit, in date order; start and end are date cells showing the weekday."""
    ws = book["巡查安排"]
    header = _header(ws)
    for column in ("批次", "机构名称", "区县", "类别", "开始日期", "结束日期", "工作日数", "组长", "组员"):
        assert column in header
    rows = _rows(ws)[1:]
    assert len(rows) == len(plan.visits) == 3
    start_col, end_col = header.index("开始日期") + 1, header.index("结束日期") + 1
    for r, visit in enumerate(sorted(plan.visits, key=lambda v: v.start), start=2):
        start, end = ws.cell(r, start_col), ws.cell(r, end_col)
        assert start.is_date and end.is_date
        assert start.value == datetime.combine(visit.start, datetime.min.time())
        assert end.value == datetime.combine(visit.end, datetime.min.time())
        assert start.number_format == DATE_FORMAT and "aaa" in start.number_format
    first = dict(zip(header, rows[0], strict=True))
    assert first["机构名称"] == "区人民医院（本部，东院；南院）"
    assert first["类别"] == "三级综合"
    assert first["组长"] == "张建国（E01）"
    assert first["组员"] == "李红（E02）、欧阳 晓（E03）、王磊（E04）"
    assert first["工作日数"] == 7


def test_sheets_are_ready_to_print(book) -> None:
    """Every sheet: header frozen, landscape A4 (facts in portrait), header rows repeated, page numbers."""
    for name in SHEETS:
        ws = book[name]
        assert ws.freeze_panes in {"A2", "F3"}, name
        assert ws.page_setup.paperSize in (9, "9"), name
        expected = "portrait" if name == "求解信息" else "landscape"
        assert ws.page_setup.orientation == expected, name
        assert ws.print_title_rows in {"$1:$1", "$1:$2"}, (name, ws.print_title_rows)
        assert "&P" in (ws.oddFooter.center.text or ""), name
    assert book["巡查安排"].column_dimensions["E"].width >= 30, "the institution column fits its Chinese name"


def test_rosters_list_every_member_with_role(book, plan: Plan) -> None:
    """专家组名单: one row per member of each visit, leader first with the role 组长."""
    ws = book["专家组名单"]
    header = _header(ws)
    rows = [dict(zip(header, row, strict=True)) for row in _rows(ws)[1:]]
    assert len(rows) == sum(len(v.members) for v in plan.visits)
    h2 = [r for r in rows if r["机构名称"] == "南岸区妇幼保健院"]
    assert [(r["角色"], r["姓名"]) for r in h2] == [
        ("组长", "陈静"),
        ("组员", "刘洋"),
        ("组员", "欧阳 晓"),
        ("组员", "李红"),
    ]
    assert h2[0]["工作单位"] == "一品街道社区卫生服务中心", (
        "an employer given as institution id shows its name"
    )


def test_expert_schedule_lists_each_experts_visits(book) -> None:
    """专家日程: 李红 (E02) has two visits, in date order; every expert appears."""
    ws = book["专家日程"]
    header = _header(ws)
    rows = [dict(zip(header, row, strict=True)) for row in _rows(ws)[1:]]
    assert {r["专家编号"] for r in rows} == {"E01", "E02", "E03", "E04", "E05", "E06"}
    li = [r for r in rows if r["专家编号"] == "E02"]
    assert [r["巡查机构"] for r in li] == ["区人民医院（本部，东院；南院）", "南岸区妇幼保健院"]
    assert [r["角色"] for r in li] == ["组员", "组员"]


def test_annual_plan_groups_each_year_by_kind(book) -> None:
    """年度计划: a heading per year of the cycle, then the kind of institution, then the visits."""
    texts = [row[0] for row in _rows(book["年度计划"]) if isinstance(row[0], str)]
    assert texts[1:] == [
        "一、2024年度巡查单位（共 1 家）",
        "（一）大型医疗卫生机构：区人民医院（本部，东院；南院）",
        "二、2025年度巡查单位（共 1 家）",
        "（一）大型医疗卫生机构：南岸区妇幼保健院",
        "三、2026年度巡查单位（共 1 家）",
        "（一）中心级卫生院：木洞镇中心卫生院",
    ]


def test_pairings_sheet_lists_each_pairing_with_its_visits(book) -> None:
    """交叉检查关系表: 长寿→巴南 covers H1 (tertiary); 巴南→南岸 covers H2."""
    rows = _rows(book["交叉检查关系表"])[1:]
    assert rows[0][1:5] == ("长寿", "巴南", "三级综合、二级", 1)
    assert rows[1][1:6] == ("巴南", "南岸", "全部类别", 1, "南岸区妇幼保健院")


def test_workload_counts_working_days_per_year(book) -> None:
    """工作量: 李红 works 7 days in 2024 and 5 in 2025 (Qingming excluded), 12 in all."""
    ws = book["工作量"]
    header = _header(ws)
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in _rows(ws)[1:]}
    assert rows["E02"]["2024年（天）"] == 7
    assert rows["E02"]["2025年（天）"] == 5
    assert rows["E02"]["合计（天）"] == 12
    assert rows["E05"]["任组长次数"] == 2
    assert rows["E04"]["巡查次数"] == 1


def test_unscheduled_sheet_gives_reasons_and_lists_exempt(book) -> None:
    """未安排: G2 with both reasons and its rule; S1 as exempt."""
    header = _header(book["未安排"])
    rows = {row[1]: dict(zip(header, row, strict=True)) for row in _rows(book["未安排"])[1:]}
    assert rows["G2"]["情况"] == "未安排"
    assert "回避：可派专家均与该机构存在回避关系" in rows["G2"]["原因"]
    assert "专家不可用与年度上限：剩余专家年度天数已满" in rows["G2"]["原因"]
    assert rows["G2"]["规则"] == "回避" and rows["S1"]["规则"] == "免检"
    assert rows["S1"]["情况"] == "免检"


def test_facts_sheet_shows_the_facts_in_order_then_the_stats(book) -> None:
    """求解信息: the given facts in their order, then plan.stats not already given, all in plain words:
    the solver's raw status and terms become 计划状态 and a sentence per expert pool."""
    rows = _rows(book["求解信息"])[1:]
    keys = [row[0] for row in rows]
    assert keys[: keys.index("输入校验和")] == [
        "方案名称",
        "计划状态",
        "巡查周期",
        "机构总数",
        "已安排巡查",
        "未安排",
        "免检",
        "专家总数",
        "参与巡查的专家",
    ]
    given = [k for k in keys if k in FACTS]
    assert given == [k for k in FACTS if k not in ("状态", "目标值", "下界")]
    facts = dict(rows)
    assert facts["计划状态"] == "部分安排（有机构未安排）"
    assert facts["输入校验和"] == "sha256:0123abcd"
    assert facts["求解用时（秒）"] == 1.25
    assert facts["各专家库最重负荷与下界"] == "专家库：最重负荷 12 天，下界 12 天；未安排机构：1 家"


def test_gantt_sheet_colours_the_weeks_of_each_visit(book) -> None:
    """巡查进度图: a row per visit; the week of 25 November 2024 is filled for H1, the next one too."""
    ws = book["巡查进度图"]
    assert ws.cell(3, 1).value == "区人民医院（本部，东院；南院）"
    assert ws.cell(2, 6).value == 25  # the first week column starts on Monday 25 November
    fills = [ws.cell(3, col).fill.fgColor.rgb for col in range(6, 9)]
    assert fills[0] == fills[1] != fills[2]


def test_an_empty_plan_still_writes_every_sheet(tmp_path: Path, scenario: Scenario, plan: Plan) -> None:
    """A plan without visits (all left out) gives the same sheets, with a note instead of a chart."""
    empty = dataclasses.replace(plan, visits=(), status="infeasible")
    path = tmp_path / "empty.xlsx"
    write_workbook(scenario, empty, path, {})
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == SHEETS
    assert book["巡查安排"].max_row == 1
    assert book["巡查进度图"].cell(3, 1).value == "本计划没有巡查安排。"
