"""``plan.xlsx``: the plan as sheets an office can forward as they are (SPEC §4).

Written with xlsxwriter from the plan and the scenario only. Sheets, in Chinese:
巡查安排 (one row per visit), 专家组名单 (team rosters), 专家日程 (per expert),
年度计划 (per year, grouped by kind of institution like seed 003's annex 4),
交叉检查关系表 (pairings), 工作量 (working days per expert and year), 未安排 (left
out with reasons, and exempt), 巡查进度图 (a Gantt chart made of coloured cells,
one column per week) and 求解信息 (the solve facts). A replan's workbook opens with 变更
(the change list).

Dates are real date cells shown with the weekday (``2024-11-25 周一`` in Excel and
WPS); headers are frozen and repeated on every printed page; pages are landscape
A4 with page numbers.
"""

from __future__ import annotations

import gc
import math
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

from inputs.employers import review
from inputs.scenario import TIERS, Institution, Scenario
from outputs import milestones
from outputs.clean import printable
from outputs.labels import (
    KIND_ORDER,
    STATUS_LABELS,
    chinese_ordinal,
    display_width,
    division_role,
    division_text,
    employer_label,
    expert_label,
    institution_name,
    kind_of,
    load_lines,
    ordered_members,
    other_members,
    ownership_label,
    parts_text,
    plain_rules,
    plan_years,
    reasons_text,
    role_of,
    rule_name,
    sorted_visits,
    status_label,
    tier_label,
    visit_year,
    visits_by_expert,
    workload,
)
from scheduler.plan import Plan, Visit

if TYPE_CHECKING:
    from scheduler.replan import Change

# Chinese Excel and WPS show ``aaa`` as 一…日; the locale tag keeps it Chinese elsewhere.
DATE_FORMAT = '[$-804]yyyy-mm-dd "周"aaa'
SHORT_DATE_FORMAT = "yyyy-mm-dd"
FONT = "宋体"
HEADER_FILL = "#DDEBF7"
SHADE_FILL = "#F2F2F2"
SECTION_FILL = "#FFF2CC"
TIER_COLOURS: dict[str, str] = {
    "tertiary_general": "#C0504D",
    "tertiary_specialty": "#F79646",
    "maternal_child": "#9BBB59",
    "secondary": "#4F81BD",
    "grassroots": "#8064A2",
}
MAX_WIDTH = 48
WEEK_WIDTH = 3.2  # a week column of the Gantt sheet
PAGE_UNITS = 200  # column widths that fit a landscape A4 page at a legible scale
WRAP_WIDTH = 40
ROW_POINTS = 15  # the height of one line of 11-point 宋体

SHEET_ASSIGNMENTS = "巡查安排"
SHEET_ROSTERS = "专家组名单"
SHEET_DIVISION = "分工"
SHEET_EXPERT_SCHEDULE = "专家日程"
SHEET_ANNUAL = "年度计划"
SHEET_PAIRINGS = "交叉检查关系表"
SHEET_WORKLOAD = "工作量"
SHEET_UNSCHEDULED = "未安排"
SHEET_MILESTONES = "时间节点"
SHEET_GANTT = "巡查进度图"
SHEET_FACTS = "求解信息"
SHEET_CHANGES = "变更"

STATS_LABELS = {
    "solve_seconds": "求解用时（秒）",
    "seed": "随机种子",
    "replan": "调整",
    "finish": "最后一次巡查结束日期",
}
REPLAN_LABELS = {
    "today": "调整日期",
    "notice_days": "通知期（天）",
    "announced": "已通知未开始的巡查",
    "changed_visits": "其中改动的巡查",
    "changes": "变更项数",
}
# The solver's objective terms, shown as sentences (labels.load_lines), never as raw terms; the
# facts may name them so (older callers pass 状态, 目标值 and 下界 as the solver gave them).
_SOLVER_TERMS = frozenset({"objective", "bound", "状态", "目标值", "下界"})
LOAD_FACTS = ("各专家库最重负荷与下界", "各专家库最重负荷")


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"  # text, wrap, center, date, int


class _Formats:
    """The cell formats of the workbook, made once."""

    def __init__(self, wb: xlsxwriter.Workbook) -> None:
        base: dict[str, Any] = {"font_name": FONT, "font_size": 11, "valign": "vcenter", "border": 1}
        self.header = wb.add_format(
            {**base, "bold": True, "bg_color": HEADER_FILL, "align": "center", "text_wrap": True}
        )
        self.section = wb.add_format({**base, "bold": True, "bg_color": SECTION_FILL})
        self.subsection = wb.add_format({**base, "bold": True, "text_wrap": True})
        self.note = wb.add_format(
            {"font_name": FONT, "font_size": 10, "italic": True, "font_color": "#595959"}
        )
        self.cells: dict[tuple[str, bool], Format] = {}
        kinds: dict[str, dict[str, Any]] = {
            "text": {},
            "wrap": {"text_wrap": True},
            "center": {"align": "center"},
            "date": {"num_format": DATE_FORMAT, "align": "center"},
            "int": {"num_format": "0", "align": "center"},
        }
        for kind, extra in kinds.items():
            for shaded in (False, True):
                props = {**base, **extra}
                if shaded:
                    props["bg_color"] = SHADE_FILL
                self.cells[(kind, shaded)] = wb.add_format(props)
        gantt = {"font_name": FONT, "font_size": 9, "border": 1, "border_color": "#D9D9D9", "align": "center"}
        self.gantt_empty = wb.add_format(gantt)
        self.gantt_head = wb.add_format({**gantt, "bold": True, "bg_color": HEADER_FILL})
        self.gantt_bars = {
            tier: wb.add_format({**gantt, "bg_color": colour, "pattern": 1})
            for tier, colour in TIER_COLOURS.items()
        }

    def cell(self, kind: str, shaded: bool = False) -> Format:
        return self.cells[(kind, shaded)]


# -- the writer --------------------------------------------------------------------------


def write_workbook(
    scenario: Scenario,
    plan: Plan,
    path: Path,
    facts: dict[str, str],
    changes: Sequence[Change] | None = None,
) -> None:
    """Write ``plan.xlsx`` to ``path``; ``facts`` are extra solve facts shown in order on 求解信息.

    ``changes`` (from a replan) adds a first sheet, 变更, with one row per change.
    """
    wb = xlsxwriter.Workbook(
        str(path),
        {
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "default_date_format": SHORT_DATE_FORMAT,
        },
    )
    wb.set_properties(
        {"title": scenario.params.name, "subject": "巡查计划", "author": scenario.params.office or ""}
    )
    fmt = _Formats(wb)
    with _no_cycle_collection():
        if changes is not None:
            _changes_sheet(wb, fmt, scenario, changes)
        _assignments_sheet(wb, fmt, scenario, plan)
        _rosters_sheet(wb, fmt, scenario, plan)
        _division_sheet(wb, fmt, scenario, plan)
        _expert_schedule_sheet(wb, fmt, scenario, plan)
        _annual_sheet(wb, fmt, scenario, plan)
        _pairings_sheet(wb, fmt, scenario, plan)
        _workload_sheet(wb, fmt, scenario, plan)
        _unscheduled_sheet(wb, fmt, scenario, plan)
        _milestones_sheet(wb, fmt, scenario, plan)
        _gantt_sheet(wb, fmt, scenario, plan)
        _facts_sheet(wb, fmt, scenario, plan, facts)
        wb.close()


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Without the cycle collector: xlsxwriter keeps a tuple per cell, millions at a national round,
    which it would walk again and again as they pile up; none of them is part of a cycle."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


# -- shared table helpers ------------------------------------------------------------------


def _text_width(value: Any, kind: str) -> int:
    if value is None:
        return 0
    if kind == "date":
        return 16
    text = value if type(value) is str else str(value)
    if "\n" not in text:
        return display_width(text)
    return max(display_width(line) for line in text.split("\n"))


def _column_widths(columns: Sequence[Column], rows: Sequence[Sequence[Any]]) -> list[float]:
    widths: list[float] = []
    for i, column in enumerate(columns):
        header = display_width(column.header)
        # A column repeats its values (districts, roles, dates): each is measured once, True and 1 apart.
        cells = [row[i] for row in rows if i < len(row)]
        values = set(zip(map(type, cells), cells, strict=True))
        longest = max((_text_width(v, column.kind) for _, v in values), default=0)
        cap = WRAP_WIDTH if column.kind == "wrap" else MAX_WIDTH
        widths.append(min(max(header, longest, 4), cap) + 2)
    return widths


def _print_setup(ws: Worksheet, title: str, *, header_rows: int = 1, fit_width: bool = True) -> None:
    """Landscape A4, the title on top of every page, header rows repeated, page numbers below."""
    ws.set_landscape()
    ws.set_paper(9)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    ws.center_horizontally()
    ws.repeat_rows(0, header_rows - 1)
    ws.set_header(f"&C&12&B{title.replace('&', '&&')}")
    ws.set_footer("&C第 &P 页，共 &N 页")
    if fit_width:
        ws.fit_to_pages(1, 0)


def _write_table(
    wb: xlsxwriter.Workbook,
    fmt: _Formats,
    name: str,
    title: str,
    columns: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    *,
    shading: Sequence[bool] | None = None,
    autofilter: bool = True,
) -> Worksheet:
    """One header row, then one row per item; frozen header, filter, fitted widths, print setup."""
    ws = wb.add_worksheet(name)
    for col, column in enumerate(columns):
        ws.write_string(0, col, column.header, fmt.header)
    plain = [fmt.cell(column.kind) for column in columns]
    shade = [fmt.cell(column.kind, True) for column in columns]
    write_string = ws.write_string
    for r, row in enumerate(rows, start=1):
        formats = shade if shading and shading[r - 1] else plain
        for col, cell_format in enumerate(formats):
            value = row[col]
            if type(value) is str and value and value.isprintable():  # most cells
                write_string(r, col, value, cell_format)
            else:
                _write_cell(ws, r, col, value, cell_format)
    for col, width in enumerate(_column_widths(columns, rows)):
        ws.set_column(col, col, width)
    ws.freeze_panes(1, 0)
    if rows and autofilter:
        ws.autofilter(0, 0, len(rows), len(columns) - 1)
    _print_setup(ws, title)
    return ws


def _write_cell(ws: Worksheet, row: int, col: int, value: Any, cell_format: Format) -> None:
    if type(value) is str and value:  # most cells: no control character, whatever the plan holds
        ws.write_string(row, col, printable(value), cell_format)
    elif value is None or value == "":
        ws.write_blank(row, col, None, cell_format)
    elif type(value) is date and value >= EXCEL_PLAIN_SERIALS:
        ws.write_number(row, col, _serial(value), cell_format)  # what write_datetime stores, cached
    elif isinstance(value, date):
        ws.write_datetime(row, col, value, cell_format)
    elif isinstance(value, bool):
        ws.write_string(row, col, "是" if value else "否", cell_format)
    elif isinstance(value, int | float):
        ws.write_number(row, col, value, cell_format)
    else:  # no control character in a cell, whatever text the plan holds (outputs.clean)
        ws.write_string(row, col, printable(str(value)), cell_format)


# From 1 March 1900 on, an Excel (1900 system) date is its count of days since 30 December 1899;
# a plan's fifty thousand date cells hold a few hundred dates.
EXCEL_PLAIN_SERIALS = date(1900, 3, 1)
_EXCEL_EPOCH = date(1899, 12, 30)


@lru_cache(maxsize=1 << 14)
def _serial(day: date) -> int:
    return (day - _EXCEL_EPOCH).days


def _names(scenario: Scenario, ids: Sequence[str]) -> str:
    return "、".join(expert_label(scenario, e) for e in ids)


def _title(scenario: Scenario, what: str) -> str:
    return f"{scenario.params.name} {what}"


# -- the sheets ------------------------------------------------------------------------------


def _pins(inst: Institution) -> str:
    """The institution's pins (R16) as the 指定 cell: 「开始日期 2025-04-07；组长 E01；成员 E02、E05」."""
    return "；".join(f"{what} {value}" for what, value in inst.pins)


def _assignments_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, scenario: Scenario, plan: Plan) -> None:
    has_teams = any(v.team for v in plan.visits)
    columns = [
        Column("序号", "int"),
        Column("年度", "center"),
        Column("批次", "center"),
        Column("机构编号"),
        Column("机构名称"),
        Column("区县", "center"),
        Column("类别", "center"),
        Column("性质", "center"),
        Column("开始日期", "date"),
        Column("结束日期", "date"),
        Column("工作日数", "int"),
        Column("组长"),
        Column("组员", "wrap"),
    ]
    if has_teams:
        columns.append(Column("巡查组", "center"))
    has_followups = any(v.kind == "followup" for v in plan.visits)  # R15: 回头看 rows say so
    if has_followups:
        columns.append(Column("类型", "center"))
    has_pins = any(_pins(i) for i in scenario.institutions)  # R16: what the planner fixed
    if has_pins:
        columns.append(Column("指定", "wrap"))
    rows = []
    for n, visit in enumerate(sorted_visits(plan), start=1):
        inst = scenario.institution_by_id.get(visit.institution)
        row = [
            n,
            f"{visit_year(visit)}年",
            visit.batch or "",
            visit.institution,
            institution_name(scenario, visit.institution),
            inst.district if inst else "",
            tier_label(inst.tier) if inst else "",
            ownership_label(inst.ownership) if inst else "",
            visit.start,
            visit.end,
            visit.days,
            expert_label(scenario, visit.leader),
            _names(scenario, other_members(visit)),
        ]
        if has_teams:
            row.append(visit.team or "")
        if has_followups:
            row.append("回头看" if visit.kind == "followup" else "首次巡查")
        if has_pins:
            row.append(_pins(inst) if inst is not None and visit.kind == "visit" else "")
        rows.append(row)
    _write_table(wb, fmt, SHEET_ASSIGNMENTS, _title(scenario, "巡查安排表"), columns, rows)


def _rosters_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, scenario: Scenario, plan: Plan) -> None:
    columns = [
        Column("序号", "int"),
        Column("机构名称"),
        Column("开始日期", "date"),
        Column("结束日期", "date"),
        Column("巡查组", "center"),
        Column("角色", "center"),
        Column("姓名"),
        Column("专家编号", "center"),
        Column("分工", "wrap"),
        Column("所在区县", "center"),
        Column("工作单位"),
        Column("专长", "wrap"),
        Column("联系电话"),
        Column("邮箱"),
    ]
    rows, shading = [], []
    for n, visit in enumerate(sorted_visits(plan), start=1):
        for expert_id in ordered_members(visit):
            expert = scenario.expert_by_id.get(expert_id)
            rows.append(
                [
                    n,
                    institution_name(scenario, visit.institution),
                    visit.start,
                    visit.end,
                    visit.team or "",
                    role_of(visit, expert_id),
                    expert.name if expert else expert_id,
                    expert_id,
                    parts_text(visit, expert_id),
                    expert.district if expert else "",
                    employer_label(scenario, expert) if expert else "",
                    "、".join(expert.skills) if expert else "",
                    (expert.phone or "") if expert else "",
                    (expert.email or "") if expert else "",
                ]
            )
            shading.append(n % 2 == 0)
    _write_table(wb, fmt, SHEET_ROSTERS, _title(scenario, "巡查组名单"), columns, rows, shading=shading)


def _division_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, scenario: Scenario, plan: Plan) -> None:
    """分工 (R4): each visit's members, their role (组长, 小组长, 组员) and the parts they inspect."""
    columns = [
        Column("序号", "int"),
        Column("机构名称"),
        Column("类别", "center"),
        Column("开始日期", "date"),
        Column("结束日期", "date"),
        Column("角色", "center"),
        Column("姓名"),
        Column("专家编号", "center"),
        Column("分工", "wrap"),
        Column("专长", "wrap"),
    ]
    rows, shading = [], []
    for n, visit in enumerate(sorted_visits(plan), start=1):
        inst = scenario.institution_by_id.get(visit.institution)
        for expert_id in ordered_members(visit):
            expert = scenario.expert_by_id.get(expert_id)
            rows.append(
                [
                    n,
                    institution_name(scenario, visit.institution),
                    tier_label(inst.tier) if inst else "",
                    visit.start,
                    visit.end,
                    division_role(visit, expert_id),
                    expert.name if expert else expert_id,
                    expert_id,
                    division_text(visit, expert_id),
                    "、".join(expert.skills) if expert else "",
                ]
            )
            shading.append(n % 2 == 0)
    _write_table(wb, fmt, SHEET_DIVISION, _title(scenario, "巡查分工表"), columns, rows, shading=shading)


def _expert_schedule_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, scenario: Scenario, plan: Plan) -> None:
    columns = [
        Column("专家编号", "center"),
        Column("姓名"),
        Column("所在区县", "center"),
        Column("序号", "int"),
        Column("巡查机构"),
        Column("机构区县", "center"),
        Column("类别", "center"),
        Column("角色", "center"),
        Column("开始日期", "date"),
        Column("结束日期", "date"),
        Column("工作日数", "int"),
    ]
    by_expert = visits_by_expert(plan)
    expert_ids = [e.id for e in scenario.experts] + sorted(set(by_expert) - set(scenario.expert_by_id))
    rows, shading = [], []
    for k, expert_id in enumerate(expert_ids):
        expert = scenario.expert_by_id.get(expert_id)
        head: list[Any] = [expert_id, expert.name if expert else expert_id, expert.district if expert else ""]
        visits = by_expert.get(expert_id, [])
        if not visits:
            rows.append([*head, None, "（本轮无巡查任务）", "", "", "", None, None, None])
            shading.append(k % 2 == 1)
        for n, visit in enumerate(visits, start=1):
            inst = scenario.institution_by_id.get(visit.institution)
            rows.append(
                [
                    *head,
                    n,
                    institution_name(scenario, visit.institution),
                    inst.district if inst else "",
                    tier_label(inst.tier) if inst else "",
                    role_of(visit, expert_id),
                    visit.start,
                    visit.end,
                    visit.days,
                ]
            )
            shading.append(k % 2 == 1)
    _write_table(wb, fmt, SHEET_EXPERT_SCHEDULE, _title(scenario, "专家日程"), columns, rows, shading=shading)


def _annual_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, scenario: Scenario, plan: Plan) -> None:
    """Per year, the visited institutions grouped by kind, as in seed 003's annex 4."""
    columns = [
        Column("序号", "int"),
        Column("机构名称", "wrap"),
        Column("区县", "center"),
        Column("类别", "center"),
        Column("开始日期", "date"),
        Column("结束日期", "date"),
        Column("工作日数", "int"),
        Column("组长", "wrap"),
    ]
    ws = wb.add_worksheet(SHEET_ANNUAL)
    merged: dict[int, str] = {}  # row → the text of a heading merged across the table
    for col, column in enumerate(columns):
        ws.write_string(0, col, column.header, fmt.header)
    last = len(columns) - 1
    by_year: dict[int, list[Visit]] = defaultdict(list)
    for visit in sorted_visits(plan):
        by_year[visit_year(visit)].append(visit)
    detail_rows: list[list[Any]] = []
    details: dict[int, list[Any]] = {}
    row = 1
    for y, year in enumerate(plan_years(scenario, plan), start=1):
        visits = by_year.get(year, [])
        heading = f"{chinese_ordinal(y)}、{year}年度巡查单位（共 {len(visits)} 家）"
        ws.merge_range(row, 0, row, last, heading, fmt.section)
        merged[row] = heading
        row += 1
        if not visits:
            ws.merge_range(row, 0, row, last, "本年度未安排巡查。", fmt.subsection)
            merged[row] = "本年度未安排巡查。"
            row += 1
            continue
        by_kind: dict[str, list[Visit]] = defaultdict(list)
        for visit in visits:
            inst = scenario.institution_by_id.get(visit.institution)
            by_kind[kind_of(inst) if inst else KIND_ORDER[-1]].append(visit)
        n = 0
        for k, kind in enumerate(kind for kind in KIND_ORDER if kind in by_kind):
            names = "、".join(institution_name(scenario, v.institution) for v in by_kind[kind])
            merged[row] = f"（{chinese_ordinal(k + 1)}）{kind}：{names}"
            ws.merge_range(row, 0, row, last, merged[row], fmt.subsection)
            row += 1
            for visit in by_kind[kind]:
                n += 1
                inst = scenario.institution_by_id.get(visit.institution)
                values = [
                    n,
                    institution_name(scenario, visit.institution),
                    inst.district if inst else "",
                    tier_label(inst.tier) if inst else "",
                    visit.start,
                    visit.end,
                    visit.days,
                    expert_label(scenario, visit.leader),
                ]
                for col, column in enumerate(columns):
                    _write_cell(ws, row, col, values[col], fmt.cell(column.kind))
                detail_rows.append(values)
                details[row] = values
                row += 1
    widths = _column_widths(columns, detail_rows)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    # Excel does not fit the height of merged or wrapped cells when it prints: give each row the
    # lines its text needs in the widths set above.
    for r, text in merged.items():
        ws.set_row(r, _row_height([(text, sum(widths))]))
    for r, values in details.items():
        wrapped = [(str(v), widths[c]) for c, v in enumerate(values) if columns[c].kind == "wrap"]
        ws.set_row(r, _row_height(wrapped))
    ws.freeze_panes(1, 0)
    _print_setup(ws, _title(scenario, "年度巡查计划"))


def _row_height(texts: Sequence[tuple[str, float]]) -> float:
    """The height in points of a row whose cells hold ``texts``, each with its column width in Excel's
    units (a digit's width; a Chinese character takes two): enough lines for the longest of them."""
    lines = 1
    for text, width in texts:
        room = max(width - 1, 1)  # the cell's inner padding
        needed = sum(max(1, math.ceil(display_width(part) / room)) for part in text.split("\n"))
        lines = max(lines, needed)
    return ROW_POINTS * lines + 4


def _pairings_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, scenario: Scenario, plan: Plan) -> None:
    columns = [
        Column("序号", "int"),
        Column("检查区县", "center"),
        Column("受检区县", "center"),
        Column("适用类别", "wrap"),
        Column("本计划巡查机构数", "int"),
        Column("受检机构", "wrap"),
    ]
    by_district: dict[str, list[Institution]] = defaultdict(list)  # visited, in the order of the visits
    for visit in sorted_visits(plan):
        inst = scenario.institution_by_id.get(visit.institution)
        if inst:
            by_district[inst.district].append(inst)
    rows = []
    for n, pairing in enumerate(scenario.pairings, start=1):
        covered = [i.name for i in by_district.get(pairing.inspected_district, []) if pairing.covers(i.tier)]
        tiers = "、".join(tier_label(t) for t in pairing.tiers) if pairing.tiers else "全部类别"
        rows.append(
            [
                n,
                pairing.inspecting_district,
                pairing.inspected_district,
                tiers,
                len(covered),
                "、".join(covered),
            ]
        )
    ws = _write_table(wb, fmt, SHEET_PAIRINGS, _title(scenario, "区县交叉检查关系表"), columns, rows)
    if not rows:
        ws.write_string(1, 0, "本轮未设置区县交叉检查关系。", fmt.note)


def _workload_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, scenario: Scenario, plan: Plan) -> None:
    years = plan_years(scenario, plan)
    loads = workload(scenario, plan)
    by_expert = visits_by_expert(plan)
    columns = [
        Column("专家编号", "center"),
        Column("姓名"),
        Column("所在区县", "center"),
        Column("可任组长", "center"),
        Column("年度上限（天）", "int"),
        *(Column(f"{year}年（天）", "int") for year in years),
        Column("合计（天）", "int"),
        Column("巡查次数", "int"),
        Column("任组长次数", "int"),
    ]
    expert_ids = [e.id for e in scenario.experts] + sorted(set(loads) - set(scenario.expert_by_id))
    rows = []
    for expert_id in expert_ids:
        expert = scenario.expert_by_id.get(expert_id)
        per_year = loads.get(expert_id, {})
        visits = by_expert.get(expert_id, [])
        cap = scenario.year_cap(expert) if expert else None
        rows.append(
            [
                expert_id,
                expert.name if expert else expert_id,
                expert.district if expert else "",
                (expert.leader if expert else False),
                cap if cap is not None else "不限",
                *(per_year.get(year, 0) for year in years),
                sum(per_year.values()),
                len(visits),
                sum(1 for v in visits if v.leader == expert_id),
            ]
        )
    ws = _write_table(wb, fmt, SHEET_WORKLOAD, _title(scenario, "专家工作量"), columns, rows)
    if rows:
        total_col = 5 + len(years)
        ws.conditional_format(
            1, total_col, len(rows), total_col, {"type": "data_bar", "bar_color": "#5B9BD5"}
        )


def _changes_sheet(
    wb: xlsxwriter.Workbook, fmt: _Formats, scenario: Scenario, changes: Sequence[Change]
) -> None:
    """The change list of a replan: institution, kind, before, after, reason."""
    columns = [
        Column("序号", "int"),
        Column("机构编号"),
        Column("机构名称"),
        Column("变更类型", "center"),
        Column("变更前", "wrap"),
        Column("变更后", "wrap"),
        Column("原因", "wrap"),
    ]
    rows: list[list[Any]] = [
        [
            n,
            c.institution,
            institution_name(scenario, c.institution),
            c.label,
            c.before,
            c.after,
            plain_rules(c.reason),
        ]
        for n, c in enumerate(changes, start=1)
    ]
    ws = _write_table(wb, fmt, SHEET_CHANGES, _title(scenario, "计划变更清单"), columns, rows)
    if not rows:
        ws.write_string(1, 0, "与原计划相比没有变更。", fmt.note)


def _milestones_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, scenario: Scenario, plan: Plan) -> None:
    """时间节点: per visited institution, the round's dates (R14, R15; ``outputs.milestones``)."""
    kinds = ["int", "text", "text", "date", "date", "date", "date", "date", "date", "center"]
    columns = [Column(h, k) for h, k in zip(milestones.HEADERS, kinds, strict=True)]
    rows = milestones.rows(scenario, plan)
    ws = _write_table(wb, fmt, SHEET_MILESTONES, _title(scenario, "时间节点"), columns, rows)
    if not rows:
        ws.write_string(1, 0, "没有安排巡查。", fmt.note)


def _unscheduled_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, scenario: Scenario, plan: Plan) -> None:
    columns = [
        Column("序号", "int"),
        Column("机构编号"),
        Column("机构名称"),
        Column("区县", "center"),
        Column("类别", "center"),
        Column("情况", "center"),
        Column("原因", "wrap"),
        Column("规则", "center"),
    ]
    rows: list[list[Any]] = []

    def head(inst_id: str) -> list[Any]:
        inst = scenario.institution_by_id.get(inst_id)
        return [
            len(rows) + 1,
            inst_id,
            institution_name(scenario, inst_id),
            inst.district if inst else "",
            tier_label(inst.tier) if inst else "",
        ]

    for item in plan.unscheduled:
        status = "回头看未安排" if item.kind == "followup" else "未安排"
        reasons = plain_rules(reasons_text(item.reasons))
        rows.append([*head(item.institution), status, reasons, rule_name(item.rule) if item.rule else ""])
    for inst_id in plan.exempt:
        rows.append([*head(inst_id), "免检", "已列为免检机构，本轮不安排巡查", rule_name("R12")])
    ws = _write_table(wb, fmt, SHEET_UNSCHEDULED, _title(scenario, "未安排巡查的机构"), columns, rows)
    if not rows:
        ws.write_string(1, 0, "所有机构均已安排巡查。", fmt.note)


def _gantt_sheet(wb: xlsxwriter.Workbook, fmt: _Formats, scenario: Scenario, plan: Plan) -> None:
    """One row per visit, one column per week (Monday to Sunday), the visit's weeks coloured."""
    ws = wb.add_worksheet(SHEET_GANTT)
    visits = sorted_visits(plan)
    fixed = [Column("机构名称"), Column("类别", "center"), Column("组长"), Column("开始日期", "date")]
    fixed.append(Column("结束日期", "date"))
    for col, column in enumerate(fixed):
        ws.merge_range(0, col, 1, col, column.header, fmt.header)
    if not visits:
        ws.write_string(2, 0, "本计划没有巡查安排。", fmt.note)
        _print_setup(ws, _title(scenario, "巡查进度图"), header_rows=2)
        return
    first = min(v.start for v in visits)
    first -= timedelta(days=first.weekday())
    last = max(v.end for v in visits)
    weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    base = len(fixed)
    # Row 0: the month of each run of weeks (a week belongs to the month of its Monday).
    col = base
    for (year, month), run in groupby(weeks, key=lambda d: (d.year, d.month)):
        span = len(list(run))
        label = f"{year}年{month}月" if span > 1 else f"{month}月"
        if span > 1:
            ws.merge_range(0, col, 0, col + span - 1, label, fmt.gantt_head)
        else:
            ws.write_string(0, col, label, fmt.gantt_head)
        col += span
    # Row 1: the day of month of each week's Monday.
    for i, monday in enumerate(weeks):
        ws.write_number(1, base + i, monday.day, fmt.gantt_head)
    rows = []
    for r, visit in enumerate(visits, start=2):
        inst = scenario.institution_by_id.get(visit.institution)
        values = [
            institution_name(scenario, visit.institution),
            tier_label(inst.tier) if inst else "",
            expert_label(scenario, visit.leader),
            visit.start,
            visit.end,
        ]
        rows.append(values)
        for col, column in enumerate(fixed):
            _write_cell(ws, r, col, values[col], fmt.cell(column.kind))
        bar = fmt.gantt_bars.get(inst.tier if inst else "", fmt.gantt_bars["grassroots"])
        # Only the visit's weeks are cells; the others take the week columns' format (the grid).
        for i in range((visit.start - first).days // 7, (visit.end - first).days // 7 + 1):
            ws.write_blank(r, base + i, None, bar)
    widths = _column_widths(fixed, rows)
    for col, width in enumerate(widths):
        ws.set_column(col, col, width)
    ws.set_column(base, base + len(weeks) - 1, WEEK_WIDTH, fmt.gantt_empty)
    # Legend under the chart.
    legend_row = len(visits) + 3
    ws.write_string(legend_row, 0, "图例（每列为一周，自周一起；着色表示该周有现场巡查）：", fmt.note)
    for k, tier in enumerate(TIERS):
        ws.write_blank(legend_row + 1 + k, 1, None, fmt.gantt_bars[tier])
        ws.write_string(legend_row + 1 + k, 2, tier_label(tier))
    ws.freeze_panes(2, base)
    _print_setup(ws, _title(scenario, "巡查进度图"), header_rows=2, fit_width=False)
    # Each printed page repeats the institution's name; spread the weeks over as few
    # pages as stay legible (about PAGE_UNITS column widths a landscape page).
    ws.repeat_columns(0, 0)
    total = sum(widths) + WEEK_WIDTH * len(weeks)
    pages = max(1, math.ceil(total / PAGE_UNITS))
    pages = max(1, math.ceil((total + (pages - 1) * widths[0]) / PAGE_UNITS))
    ws.fit_to_pages(pages, 0)


def _facts_sheet(
    wb: xlsxwriter.Workbook, fmt: _Formats, scenario: Scenario, plan: Plan, facts: dict[str, str]
) -> None:
    experts_used = {m for v in plan.visits for m in v.members}
    params = scenario.params
    rows: list[list[Any]] = [
        ["方案名称", params.name],
        ["计划状态", status_label(plan.status)],
        ["巡查周期", f"{params.start.isoformat()} 至 {params.deadline.isoformat()}"],
        ["机构总数", len(scenario.institutions)],
        ["已安排巡查", len(plan.visits)],
        ["未安排", len(plan.unscheduled)],
        ["免检", len(plan.exempt)],
        ["专家总数", len(scenario.experts)],
        ["参与巡查的专家", len(experts_used)],
    ]
    rows += [[str(key), _plain_fact(value)] for key, value in facts.items() if key not in _SOLVER_TERMS]
    rows += _stats_rows(plan.stats, {str(k) for k in facts})
    columns = [Column("项目"), Column("内容", "wrap")]
    ws = _write_table(wb, fmt, SHEET_FACTS, _title(scenario, "求解信息"), columns, rows, autofilter=False)
    ws.set_column(1, 1, 60)
    ws.set_portrait()
    _employer_review(ws, fmt, scenario, len(rows) + 2)


def _employer_review(ws: Worksheet, fmt: _Formats, scenario: Scenario, first: int) -> None:
    """R6, below the facts: a section 工作单位核对 listing each employer text that names no institution
    of the round, or that was recognised from a short name or alias, with its experts."""
    items = review(scenario)
    if not items:
        return
    ws.write_string(first, 0, "工作单位核对", fmt.section)
    ws.write_string(first, 1, "专家填写的工作单位（请核对，专家不巡查本单位）", fmt.section)
    for row, item in enumerate(items, start=first + 1):
        people = "、".join(expert_label(scenario, e) for e in item.experts)
        if item.institution is None:
            note = f"不是本轮受检机构：{people}"
        else:
            note = f"识别为 {institution_name(scenario, item.institution)}（{item.institution}）：{people}"
        ws.write_string(row, 0, item.text, fmt.cell("text"))
        ws.write_string(row, 1, note, fmt.cell("wrap"))


def _fact_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int | float | date):
        return value
    return str(value)


def _plain_fact(value: Any) -> Any:
    """A fact in words: a status word as 最优方案 etc., rule codes as the rules' names."""
    if isinstance(value, str):
        return plain_rules(status_label(value)) if value in STATUS_LABELS else plain_rules(value)
    return _fact_value(value)


def _stats_rows(stats: dict[str, Any], seen: set[str]) -> list[list[Any]]:
    """plan.stats in words: the solver's terms as one sentence per expert pool (「长寿区专家库：最重负荷
    18 天，下界 16 天」), the seed as 随机种子; what the facts already gave is left out."""
    rows: list[list[Any]] = []
    objective, bound = stats.get("objective"), stats.get("bound")
    if isinstance(objective, dict) and not seen & set(LOAD_FACTS):
        lines = load_lines(objective, bound if isinstance(bound, dict) else {})
        if lines:
            rows.append([LOAD_FACTS[0], "；".join(lines)])
    for key, value in stats.items():
        if key in _SOLVER_TERMS:
            continue
        label = STATS_LABELS.get(key, key)
        if isinstance(value, dict):
            for sub, subvalue in value.items():
                name = REPLAN_LABELS.get(sub, f"{label}：{sub}") if key == "replan" else f"{label}：{sub}"
                if name not in seen:
                    rows.append([name, _plain_fact(subvalue)])
        elif label not in seen:
            rows.append([label, _plain_fact(value)])
    return rows
