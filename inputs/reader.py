"""Reading a scenario (SPEC §3): an .xlsx workbook or a folder of CSV files → a validated, frozen Scenario.

Three steps, each collecting problems instead of stopping at the first:

1. *load* — find the sheets (English or Chinese names) in the workbook or folder
   and take their cells as they are, with the row numbers the planner sees;
2. *parse* — match the headers and turn every cell into a clean value
   (``inputs.cells``), per the column tables of ``inputs.schema``;
3. *check* — what spans rows and sheets: duplicate ids, references to nothing,
   dates in the wrong order, unknown skills and districts, years outside the
   cycle, calendar years nobody knows.

Any problem raises one :class:`~inputs.errors.InputError` listing them all.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl

from inputs import cells
from inputs.calendar import WorkCalendar, packaged_years_text
from inputs.errors import InputError, Problem
from inputs.scenario import (
    DEFAULT_TIER_RULES,
    TIERS,
    Batch,
    Conflict,
    Expert,
    HolidayRow,
    Institution,
    Pairing,
    Params,
    Quota,
    Scenario,
    Team,
    TierRule,
    Unavailability,
)
from inputs.schema import (
    HOLIDAYS,
    PARAM_KEYS,
    PARAMS,
    SHEETS,
    Column,
    Sheet,
    match_column,
    match_param,
    match_sheet,
)

_CJK = re.compile(r"[\u4e00-\u9fff]")


def read_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario workbook or CSV folder; raise InputError listing every problem."""
    path = Path(path)
    report = Report()
    raw = _load(path, report)
    if raw is None:
        raise InputError(report.problems)
    tables = {sheet.key: _parse_table(sheet, raw.get(sheet.key), report) for sheet in SHEETS}
    scenario = _assemble(tables, report, source=str(path))
    if report.problems or scenario is None:
        # In the order of the sheets, then of the rows; sheet-level problems first.
        order = {table.source: index for index, table in enumerate(tables.values())}
        raise InputError(sorted(report.problems, key=lambda p: (order.get(p.source, -1), p.row or 0)))
    return scenario


# -- problems -----------------------------------------------------------------------


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.problems.append(problem)


# -- step 1: load ---------------------------------------------------------------------


@dataclass
class RawSheet:
    """A sheet's cells as found: the source name as written and (row number, cells) pairs."""

    source: str
    rows: list[tuple[int, list[Any]]]
    readable: bool = True  # False when the file is there but could not be read (already reported)


def _load(path: Path, report: Report) -> dict[str, RawSheet] | None:
    if path.is_dir():
        found = _load_folder(path, report)
        where = "文件夹中缺少文件 {en}.csv（或 {zh}.csv）"
    elif path.is_file():
        if path.suffix.lower() not in {".xlsx", ".xlsm"}:
            report.add(
                Problem(
                    path.name,
                    reason="不是可读取的场景文件",
                    expected="一个 .xlsx 工作簿（旧版 .xls 请另存为 .xlsx），或一个存放 CSV 文件的文件夹",
                )
            )
            return None
        found = _load_workbook(path, report)
        where = "工作簿中缺少工作表“{zh}”（{en}）"
    else:
        report.add(
            Problem(
                str(path),
                reason="找不到该文件或文件夹",
                expected="一个 .xlsx 工作簿或一个存放 CSV 文件的文件夹",
            )
        )
        return None
    if found is None:
        return None
    for sheet in SHEETS:
        if sheet.required and sheet.key not in found:
            report.add(
                Problem(
                    path.name,
                    reason=where.format(en=sheet.key, zh=sheet.zh),
                    expected=f"包含“{sheet.zh}”表：{sheet.help}",
                )
            )
    return found


def _claim(found: dict[str, RawSheet], name: str, stem: str, report: Report, container: str) -> Sheet | None:
    """The sheet a file or sheet name stands for, unless another one already stood for it."""
    sheet = match_sheet(stem)
    if sheet is None:
        return None
    if sheet.key in found:
        report.add(
            Problem(
                name,
                reason=f"与 {found[sheet.key].source} 重复，都是“{sheet.zh}”（{sheet.key}）表",
                expected=f"{container}中每张表只出现一次",
            )
        )
        return None
    return sheet


def _load_folder(folder: Path, report: Report) -> dict[str, RawSheet] | None:
    found: dict[str, RawSheet] = {}
    try:
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    except OSError as error:
        report.add(Problem(str(folder), reason=f"无法读取文件夹（{error.strerror or error}）"))
        return None
    for file in files:
        sheet = _claim(found, file.name, file.stem, report, "文件夹")
        if sheet is None:
            continue
        rows = _read_csv(file, report)
        found[sheet.key] = RawSheet(file.name, rows or [], readable=rows is not None)
    return found


def _read_csv(file: Path, report: Report) -> list[tuple[int, list[Any]]] | None:
    try:
        content = file.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError:
        report.add(
            Problem(
                file.name,
                reason="不是 UTF-8 编码",
                expected="UTF-8 编码的 CSV 文件（在 Excel 中“另存为”选择“CSV UTF-8（逗号分隔）”）",
            )
        )
        return None
    except OSError as error:
        report.add(Problem(file.name, reason=f"无法读取文件（{error.strerror or error}）"))
        return None
    try:
        records = list(csv.reader(io.StringIO(content, newline="")))
    except csv.Error as error:
        report.add(Problem(file.name, reason=f"CSV 格式错误（{error}）", expected="逗号分隔的 CSV 文件"))
        return None
    return [(number, list(record)) for number, record in enumerate(records, start=1)]


def _load_workbook(path: Path, report: Report) -> dict[str, RawSheet] | None:
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception:  # any failure to open is the file's fault: corrupt, encrypted, not a workbook
        report.add(
            Problem(
                path.name,
                reason="无法打开工作簿（文件已损坏、已加密或不是 .xlsx 格式）",
                expected="用 Excel 或 WPS 保存的 .xlsx 工作簿",
            )
        )
        return None
    found: dict[str, RawSheet] = {}
    try:
        for sheet_obj in book.worksheets:
            sheet = _claim(found, sheet_obj.title, sheet_obj.title, report, "工作簿")
            if sheet is None:
                continue
            rows = [(n, list(r)) for n, r in enumerate(sheet_obj.iter_rows(values_only=True), start=1)]
            found[sheet.key] = RawSheet(sheet_obj.title, rows)
    except Exception:  # a damaged sheet part
        report.add(
            Problem(
                path.name,
                reason="工作簿内容已损坏，无法读取",
                expected="用 Excel 或 WPS 重新保存的 .xlsx 工作簿",
            )
        )
        return None
    finally:
        book.close()
    return found


# -- step 2: parse ----------------------------------------------------------------------


@dataclass
class Row:
    """One data row: clean values by column key (None when blank or unreadable)."""

    number: int
    values: dict[str, Any]
    cells: dict[str, Any]  # the raw cells, by column key

    def __getitem__(self, key: str) -> Any:
        return self.values.get(key)


@dataclass
class Table:
    sheet: Sheet
    source: str
    headers: dict[str, str] = field(default_factory=dict)  # column key -> header as written
    rows: list[Row] = field(default_factory=list)
    chinese: bool = True  # whether the headers are Chinese, for naming a missing column

    def header(self, key: str) -> str:
        column = self.sheet.column(key)
        return self.headers.get(key) or (column.zh if self.chinese else column.key)

    def problem(
        self, row: Row | None, key: str | None, value: Any, reason: str, expected: str | None
    ) -> Problem:
        return Problem(
            self.source,
            row.number if row else None,
            self.header(key) if key else None,
            None if value is None else cells.display(value),
            expected,
            reason,
        )


def _parse_table(sheet: Sheet, raw: RawSheet | None, report: Report) -> Table:
    if raw is None:
        return Table(sheet, sheet.zh)
    table = Table(sheet, raw.source)
    rows = [(n, r) for n, r in raw.rows if not all(cells.is_blank(c) for c in r)]
    if not rows:
        if sheet.required and raw.readable:
            report.add(
                Problem(raw.source, reason="表是空的，缺少表头", expected=f"第 1 行为列名：{sheet.help}")
            )
        return table
    (header_number, header_cells), data = rows[0], rows[1:]
    positions = _map_headers(table, header_number, header_cells, report)
    for number, row_cells in data:
        row = Row(number, {}, {})
        for key, index in positions.items():
            row.cells[key] = row_cells[index] if index < len(row_cells) else None
        if sheet is not PARAMS:  # params values are parsed per key, see _params
            _parse_row(table, row, report)
        table.rows.append(row)
    return table


def _map_headers(table: Table, number: int, header_cells: list[Any], report: Report) -> dict[str, int]:
    positions: dict[str, int] = {}
    table.chinese = any(_CJK.search(str(c)) for c in header_cells if not cells.is_blank(c))
    for index, header in enumerate(header_cells):
        if cells.is_blank(header):
            continue
        column = match_column(table.sheet, header)
        if column is None:
            continue  # extra columns (notes and the like) are the planner's own
        written = cells.display(header)
        if column.key in positions:
            report.add(
                Problem(
                    table.source,
                    number,
                    written,
                    reason=f"与 “{table.headers[column.key]}” 列重复",
                    expected="每列只出现一次",
                )
            )
            continue
        positions[column.key] = index
        table.headers[column.key] = written
    for column in table.sheet.columns:
        if column.required and column.key not in positions:
            name = column.zh if table.chinese else column.key
            report.add(
                Problem(
                    table.source,
                    column=name,
                    reason="缺少必填列",
                    expected=f"表头中有 “{column.zh}” 或 “{column.key}” 列（{column.help}）",
                )
            )
    return positions


def _parse_row(table: Table, row: Row, report: Report) -> None:
    for key, cell in row.cells.items():
        row.values[key] = _parse_value(table, row, table.sheet.column(key), key, cell, report)


def _parse_value(
    table: Table, row: Row, column: Column, key: str, cell: Any, report: Report, subject: str = ""
) -> Any:
    """The clean value of one cell of ``column`` (reported under the header of ``key``), or None.

    ``subject`` names what the cell holds when the header does not (a param's name).
    """
    if cells.is_blank(cell):
        if column.required:
            report.add(table.problem(row, key, None, f"缺少必填值{subject}", column.help or None))
        return None
    try:
        value = cells.parse_cell(column.kind, cell)
    except cells.CellError as error:
        report.add(table.problem(row, key, error.value or cell, f"无效{subject}", error.expected))
        return None
    if column.minimum is not None and value < column.minimum:
        report.add(table.problem(row, key, cell, f"无效{subject}", f"不小于 {column.minimum} 的整数"))
        return None
    if column.kind == "items" and not value and column.required:
        report.add(table.problem(row, key, cell, f"无效{subject}", column.help or None))
        return None
    return value


# -- step 3: check and assemble -------------------------------------------------------------


def _assemble(tables: dict[str, Table], report: Report, source: str) -> Scenario | None:
    params = _params(tables["params"], report)
    rules = _tier_rules(tables["tiers"], report)
    institutions = tables["institutions"].rows
    experts = tables["experts"].rows
    _check_not_empty(tables["institutions"], report)
    _check_not_empty(tables["experts"], report)
    inst_ids = _unique(tables["institutions"], "id", report)
    expert_ids = _unique(tables["experts"], "id", report)
    batch_names = _unique(tables["batches"], "name", report)
    _unique(tables["teams"], "team", report)
    districts = {r["district"] for r in [*institutions, *experts] if r["district"]}
    cycle = None
    if _has(params, "start", "deadline") and params["start"] <= params["deadline"]:
        cycle = range(params["start"].year, params["deadline"].year + 1)

    _check_institutions(tables["institutions"], batch_names, cycle, report)
    _check_experts(tables["experts"], frozenset(s for r in rules.values() for s in r.required_skills), report)
    _check_order(tables["batches"], "start", "end", report)
    _check_quotas(tables["quotas"], cycle, report)
    _check_order(tables["unavailability"], "start", "end", report)
    _check_refs(tables["unavailability"], "expert_id", expert_ids, "专家表中已有的专家编号", report)
    _check_refs(tables["conflicts"], "expert_id", expert_ids, "专家表中已有的专家编号", report)
    _check_refs(tables["conflicts"], "institution_id", inst_ids, "机构表中已有的机构编号", report)
    known_districts = f"机构或专家所在的区县之一：{'、'.join(sorted(districts)) or '（无）'}"
    _check_refs(tables["pairings"], "inspecting_district", districts, known_districts, report)
    _check_refs(tables["pairings"], "inspected_district", districts, known_districts, report)
    _check_teams(tables["teams"], expert_ids, report)
    _check_order(tables["holidays"], "start", "end", report)
    holidays = [
        _make(HolidayRow, r) for r in tables["holidays"].rows if _has(r.values, "start", "end", "kind")
    ]
    if cycle is not None:
        _check_calendar(cycle, holidays, tables["holidays"], report)
    if report.problems:
        return None

    return Scenario(
        params=Params(**params),
        institutions=tuple(_make(Institution, r) for r in institutions),
        experts=tuple(_expert(r, inst_ids) for r in experts),
        tier_rules=rules,
        batches=tuple(_make(Batch, r) for r in tables["batches"].rows),
        quotas=tuple(_make(Quota, r) for r in tables["quotas"].rows),
        unavailability=tuple(_make(Unavailability, r) for r in tables["unavailability"].rows),
        conflicts=tuple(_make(Conflict, r) for r in tables["conflicts"].rows),
        pairings=tuple(_make(Pairing, r) for r in tables["pairings"].rows),
        teams=tuple(_team(r) for r in tables["teams"].rows),
        holidays=tuple(holidays),
        source=source,
    )


def _has(values: dict[str, Any], *keys: str) -> bool:
    return all(values.get(k) is not None for k in keys)


def _make(cls: type, row: Row) -> Any:
    """A scenario dataclass from a row; blank optional cells keep the dataclass defaults."""
    return cls(**{k: v for k, v in row.values.items() if v is not None})


def _params(table: Table, report: Report) -> dict[str, Any]:
    values: dict[str, Any] = {}
    seen: dict[str, int] = {}
    for row in table.rows:
        key_cell = row.cells.get("key")
        if cells.is_blank(key_cell):
            if not cells.is_blank(row.cells.get("value")):
                report.add(table.problem(row, "key", None, "缺少必填值", "参数名"))
            continue
        param = match_param(cells.key(key_cell))
        if param is None:
            names = "、".join(f"{p.zh}（{p.key}）" for p in PARAM_KEYS)
            report.add(table.problem(row, "key", key_cell, "不是已知的参数", f"{names} 之一"))
            continue
        if param.key in seen:
            report.add(
                table.problem(
                    row, "key", key_cell, f"重复（第 {seen[param.key]} 行已有）", "每个参数只填一行"
                )
            )
            continue
        seen[param.key] = row.number
        subject = f"（参数“{param.zh}”）"
        value = _parse_value(table, row, param, "value", row.cells.get("value"), report, subject)
        if value is not None:
            values[param.key] = value
    for param in PARAM_KEYS:
        if param.required and param.key not in seen and "key" in table.headers:
            report.add(
                Problem(
                    table.source,
                    column=table.header("key"),
                    reason=f"缺少参数 “{param.zh}”（{param.key}）",
                    expected=f"{param.help}，如 {param.example}",
                )
            )
    if _has(values, "start", "deadline") and values["deadline"] < values["start"]:
        row_number = seen["deadline"]
        row = next(r for r in table.rows if r.number == row_number)
        report.add(
            table.problem(
                row,
                "value",
                values["deadline"],
                f"截止日期早于开始日期 {values['start'].isoformat()}",
                "不早于开始日期的日期",
            )
        )
    return values


def _tier_rules(table: Table, report: Report) -> dict[str, TierRule]:
    rules = dict(DEFAULT_TIER_RULES)
    seen: dict[str, int] = {}
    for row in table.rows:
        tier = row["tier"]
        if tier is None:
            continue
        if tier in seen:
            report.add(
                table.problem(
                    row, "tier", row.cells["tier"], f"重复（第 {seen[tier]} 行已有）", "每个类别只填一行"
                )
            )
            continue
        seen[tier] = row.number
        default = DEFAULT_TIER_RULES[tier]
        rule = TierRule(
            tier,
            min_days=_or(row["min_days"], default.min_days),
            team_min=_or(row["team_min"], default.team_min),
            team_max=_or(row["team_max"], default.team_max),
            required_skills=row["required_skills"] or default.required_skills,
        )
        if rule.team_min > rule.team_max:
            key = "team_max" if row["team_max"] is not None else "team_min"
            report.add(
                table.problem(
                    row,
                    key,
                    row.cells[key],
                    f"组员下限 {rule.team_min} 大于上限 {rule.team_max}",
                    "组员下限不大于组员上限",
                )
            )
        rules[tier] = rule
    return {tier: rules[tier] for tier in TIERS}


def _or(value: Any, default: Any) -> Any:
    return default if value is None else value


def _unique(table: Table, key: str, report: Report) -> set[str]:
    """The set of values of a key column, reporting each repeat."""
    seen: dict[str, int] = {}
    for row in table.rows:
        value = row[key]
        if value is None:
            continue
        if value in seen:
            report.add(
                table.problem(
                    row,
                    key,
                    row.cells[key],
                    f"重复（第 {seen[value]} 行已有）",
                    f"唯一的{table.sheet.column(key).zh}",
                )
            )
        else:
            seen[value] = row.number
    return set(seen)


def _check_not_empty(table: Table, report: Report) -> None:
    if table.headers and not table.rows:
        report.add(
            Problem(
                table.source, reason="表中没有数据", expected=f"从第 2 行起每行一条记录：{table.sheet.help}"
            )
        )


def _check_refs(table: Table, key: str, known: Iterable[str], expected: str, report: Report) -> None:
    known = set(known)
    for row in table.rows:
        value = row[key]
        if value is not None and value not in known:
            report.add(table.problem(row, key, value, "未找到", expected))


def _check_order(table: Table, first: str, last: str, report: Report, what: str = "开始日期") -> None:
    for row in table.rows:
        start: date | None = row[first]
        end: date | None = row[last]
        if start is not None and end is not None and end < start:
            report.add(
                table.problem(
                    row, last, row.cells[last], f"早于{what} {start.isoformat()}", f"不早于{what}的日期"
                )
            )


def _check_institutions(table: Table, batch_names: set[str], cycle: range | None, report: Report) -> None:
    _check_order(table, "earliest", "latest", report, what="最早开始日期")
    _check_refs(table, "batch", batch_names, "“批次”表中已有的批次名称", report)
    if cycle is not None:
        _check_years(table, cycle, report)


def _check_years(table: Table, cycle: range, report: Report) -> None:
    expected = f"本轮周期内的年度：{cycle.start}–{cycle.stop - 1}"
    for row in table.rows:
        year = row["year"]
        if year is not None and year not in cycle:
            report.add(table.problem(row, "year", row.cells["year"], "不在本轮巡查周期内", expected))


def _check_experts(table: Table, known_skills: frozenset[str], report: Report) -> None:
    expected = f"类别规则要求的专长之一：{'、'.join(sorted(known_skills))}"
    for row in table.rows:
        for skill in row["skills"] or ():
            if skill not in known_skills:
                report.add(table.problem(row, "skills", skill, "不是已知的专长", expected))


def _check_quotas(table: Table, cycle: range | None, report: Report) -> None:
    if cycle is not None:
        _check_years(table, cycle, report)


def _check_teams(table: Table, expert_ids: set[str], report: Report) -> None:
    expected = "专家表中已有的专家编号"
    _check_refs(table, "leader", expert_ids, expected, report)
    for row in table.rows:
        for member in row["members"] or ():
            if member not in expert_ids:
                report.add(table.problem(row, "members", member, "未找到", expected))


def _check_calendar(cycle: range, holidays: list[HolidayRow], table: Table, report: Report) -> None:
    calendar = WorkCalendar(holidays)
    for year in cycle:
        if not calendar.knows(year):
            report.add(
                Problem(
                    table.source if table.source != HOLIDAYS.zh else f"{HOLIDAYS.zh}（{HOLIDAYS.key}）",
                    reason=f"{year} 年的法定节假日和调休安排未知（内置日历只覆盖 {packaged_years_text()}）",
                    expected=f"请在“{HOLIDAYS.zh}”（{HOLIDAYS.key}）表中填写 {year} 年的放假与调休日期",
                )
            )


def _expert(row: Row, inst_ids: set[str]) -> Expert:
    expert: Expert = _make(Expert, row)
    employer = expert.employer
    if employer is not None and employer not in inst_ids and cells.key(employer) in inst_ids:
        return replace(expert, employer=cells.key(employer))
    return expert


def _team(row: Row) -> Team:
    values = dict(row.values)
    leader = values["leader"]
    members = values["members"]
    if leader not in members:
        members = (leader, *members)
    return Team(name=values["team"], leader=leader, members=members, tiers=values.get("tiers") or ())
