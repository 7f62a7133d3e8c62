"""Reading a scenario (SPEC §3): an .xlsx workbook or a folder of CSV files → a validated, frozen Scenario.

Three steps, each collecting problems instead of stopping at the first:

1. *load* — find the sheets (English or Chinese names and their near synonyms) in
   the workbook or folder (CSV in UTF-8 or GB18030/GBK, `,`- or `;`-separated)
   and take their cells as they are, with the row numbers the planner sees;
2. *parse* — match the headers and turn every cell into a clean value
   (``inputs.cells``), per the column tables of ``inputs.schema``, each number
   within its column's range; an unknown sheet, column or param name near a
   known one is one "did you mean" problem and is read as that one;
3. *check* — what spans rows and sheets: duplicate ids, references to nothing,
   dates in the wrong order, unknown skills and districts, years outside the
   cycle, calendar years nobody knows.

Any problem raises one :class:`~inputs.errors.InputError` listing them all.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import charset_normalizer
import openpyxl

from inputs import cells, controls
from inputs.calendar import WorkCalendar, packaged_years_text
from inputs.employers import Named, Resolution, Resolver
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
    GUIDE_SHEET,
    HOLIDAYS,
    PARAM_KEYS,
    PARAMS,
    SHEETS,
    Column,
    Sheet,
    closest,
    match_column,
    match_param,
    match_sheet,
    normalise_name,
)

_CJK = re.compile(r"[\u4e00-\u9fff]")
# The longest round (start to deadline) and the longest row of the holidays sheet, in days:
# no typed date may make the tool build a calendar of centuries.
_MAX_CYCLE_YEARS = 10
_MAX_CYCLE_DAYS = 3653
_MAX_HOLIDAY_DAYS = 366
# A value longer than this is cut short in a message.
_SHOWN = 60


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
    shown = path.name or path.resolve().name or str(path)  # "." (or "") is named by the folder it is
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
                    shown,
                    reason=where.format(en=sheet.key, zh=sheet.zh),
                    expected=f"包含“{sheet.zh}”表：{sheet.help}",
                )
            )
    return found


def _claim(found: dict[str, RawSheet], name: str, stem: str, report: Report, container: str) -> Sheet | None:
    """The sheet a file or sheet name stands for, unless another one already stood for it."""
    sheet = match_sheet(cells.key(stem))
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


def _guess(found: dict[str, RawSheet], name: str, stem: str, report: Report) -> Sheet | None:
    """The sheet an unknown file or sheet name is likely a variant of, reported once ("did you mean").

    Only sheets not otherwise given are candidates; the guessed sheet is then read
    as that sheet, so that one problem stands for the name instead of a chain of
    knock-on ones. A name near none (the planner's own notes) is left alone.
    """
    if normalise_name(cells.key(stem)) == normalise_name(GUIDE_SHEET):
        return None
    sheet = closest(cells.key(stem), [s for s in SHEETS if s.key not in found])
    if sheet is not None:
        report.add(Problem(name, reason=f"不是已知的表名，是否是指“{sheet.zh}”（{sheet.key}）？"))
    return sheet


def _load_folder(folder: Path, report: Report) -> dict[str, RawSheet] | None:
    found: dict[str, RawSheet] = {}
    try:
        files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    except OSError as error:
        report.add(Problem(str(folder), reason=f"无法读取文件夹（{error.strerror or error}）"))
        return None
    unknown = [file for file in files if match_sheet(cells.key(file.stem)) is None]
    for file in files:
        sheet = None if file in unknown else _claim(found, file.name, file.stem, report, "文件夹")
        if sheet is not None:
            found[sheet.key] = _read_csv(file, report)
    for file in unknown:
        sheet = _guess(found, file.name, file.stem, report)
        if sheet is not None:
            found[sheet.key] = _read_csv(file, report)
    return found


def _read_csv(file: Path, report: Report) -> RawSheet:
    try:
        data = file.read_bytes()
    except OSError as error:
        report.add(Problem(file.name, reason=f"无法读取文件（{error.strerror or error}）"))
        return RawSheet(file.name, [], readable=False)
    content = _decode(data)
    if content is None:
        report.add(
            Problem(
                file.name,
                reason="无法识别文件的字符编码",
                expected="UTF-8 或 GB18030（GBK）编码的 CSV 文件（Excel“另存为”中的“CSV UTF-8（逗号分隔）”）",
            )
        )
        return RawSheet(file.name, [], readable=False)
    try:
        records = list(csv.reader(io.StringIO(content, newline=""), delimiter=_delimiter(content)))
    except csv.Error as error:
        report.add(
            Problem(file.name, reason=f"CSV 格式错误（{error}）", expected="逗号或分号分隔的 CSV 文件")
        )
        return RawSheet(file.name, [], readable=False)
    return RawSheet(file.name, [(number, list(record)) for number, record in enumerate(records, start=1)])


_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def _decode(data: bytes) -> str | None:
    """The text of a CSV file as offices save it, or None when no encoding fits.

    A byte-order mark decides; then UTF-8, strictly; then GB18030 (a superset of
    GBK, what Excel on Chinese Windows writes); only what neither decodes is left
    to charset-normalizer's detection.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                return None
    for encoding in ("utf-8", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            pass
    best = charset_normalizer.from_bytes(data).best()
    return None if best is None else str(best)


def _delimiter(content: str) -> str:
    """`,` unless the header line holds more `;` (Excel with a European list separator) or tabs
    (Excel's "Unicode text")."""
    header = next((line for line in io.StringIO(content) if line.strip()), "")
    counts = {separator: header.count(separator) for separator in ",;\t"}
    return max(counts, key=lambda separator: counts[separator]) if any(counts.values()) else ","


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
        unknown = [s for s in book.worksheets if match_sheet(cells.key(s.title)) is None]
        for sheet_obj in book.worksheets:
            sheet = (
                None
                if sheet_obj in unknown
                else _claim(found, sheet_obj.title, sheet_obj.title, report, "工作簿")
            )
            if sheet is not None:
                found[sheet.key] = _worksheet(sheet_obj)
        for sheet_obj in unknown:
            sheet = _guess(found, sheet_obj.title, sheet_obj.title, report)
            if sheet is not None:
                found[sheet.key] = _worksheet(sheet_obj)
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


def _worksheet(sheet: Any) -> RawSheet:
    """A worksheet's non-empty rows. The size the file declares is ignored: a workbook claiming
    A1:XFD1048576 would otherwise have every row padded out to 16,384 cells."""
    sheet.reset_dimensions()
    rows = sheet.iter_rows(values_only=True)
    return RawSheet(
        sheet.title, [(n, list(r)) for n, r in enumerate(rows, start=1) if any(c is not None for c in r)]
    )


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
        shown = None if value is None else cells.text(value)
        if shown is not None and len(shown) > _SHOWN:
            shown = shown[: _SHOWN - 1] + "…"
        return Problem(
            self.source,
            row.number if row else None,
            self.header(key) if key else None,
            shown,
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
    unknown: list[tuple[int, Any]] = []
    for index, header in enumerate(header_cells):
        if cells.is_blank(header):
            continue
        column = match_column(table.sheet, cells.key(header))
        if column is None:
            unknown.append((index, header))
            continue
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
    for index, header in unknown:
        # A header near a column not otherwise given is one problem ("did you mean"), and is read as
        # that column so that no knock-on problems follow; one near none (notes) is the planner's own.
        column = closest(cells.key(header), [c for c in table.sheet.columns if c.key not in positions])
        if column is None:
            continue
        written = cells.display(header)
        report.add(
            Problem(
                table.source,
                number,
                written,
                reason=f"不是已知的列名，是否是指 “{column.zh}”（{column.key}）？",
            )
        )
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
    column_of = table.sheet.column
    values = row.values
    for key, cell in row.cells.items():
        column = column_of(key)
        if (cell is None or cell == "") and not column.required:
            values[key] = None  # most of a large round's cells: optional columns left empty
        else:
            values[key] = _parse_value(table, row, column, key, cell, report)


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
    bounds = column.bounds()
    try:
        value = cells.parse_cell(column.kind, cell)
    except cells.CellError as error:
        expected = error.expected if bounds is None else _range_expected(bounds)
        reason = "超出范围" if error.too_large else "无效"
        report.add(table.problem(row, key, error.value or cell, f"{reason}{subject}", expected))
        return None
    if bounds is not None and not bounds[0] <= value <= bounds[1]:
        report.add(table.problem(row, key, cell, f"超出范围{subject}", _range_expected(bounds)))
        return None
    if column.kind == "items" and not value and column.required:
        report.add(table.problem(row, key, cell, f"无效{subject}", column.help or None))
        return None
    return value


def _range_expected(bounds: tuple[int, int]) -> str:
    return f"{bounds[0]} 到 {bounds[1]} 之间的整数"


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
    employers = _employers(tables, params, districts, report)
    if report.problems:
        return None

    scenario = Scenario(
        params=Params(**params),
        institutions=tuple(_make(Institution, r) for r in institutions),
        experts=tuple(_expert(r, employers) for r in experts),
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
    # what needs the whole scenario: pins that break a rule (R16), quota caps below minima (R9)
    for flaw in controls.check(scenario):
        table = tables[flaw.sheet]
        row = table.rows[flaw.index]
        value = row.cells.get(flaw.column) if flaw.value is None else flaw.value
        report.add(table.problem(row, flaw.column, value, flaw.reason, flaw.expected))
    return None if report.problems else scenario


def _has(values: dict[str, Any], *keys: str) -> bool:
    return all(values.get(k) is not None for k in keys)


def _make(cls: type, row: Row) -> Any:
    """A scenario dataclass from a row; blank optional cells keep the dataclass defaults."""
    return cls(**{k: v for k, v in row.values.items() if v is not None})


def _params(table: Table, report: Report) -> dict[str, Any]:
    values: dict[str, Any] = {}
    seen: dict[str, int] = {}
    given = {p.key for r in table.rows if (p := match_param(cells.key(r.cells.get("key") or "")))}
    for row in table.rows:
        key_cell = row.cells.get("key")
        if cells.is_blank(key_cell):
            if not cells.is_blank(row.cells.get("value")):
                report.add(table.problem(row, "key", None, "缺少必填值", "参数名"))
            continue
        param = match_param(cells.key(key_cell))
        if param is None:
            # A name near a param not otherwise given is one problem ("did you mean"), its value read
            # as that param's so that no knock-on problems (a missing start date) follow.
            param = closest(cells.key(key_cell), [p for p in PARAM_KEYS if p.key not in given | set(seen)])
            if param is None:
                names = "、".join(f"{p.zh}（{p.key}）" for p in PARAM_KEYS)
                report.add(table.problem(row, "key", key_cell, "不是已知的参数", f"{names} 之一"))
                continue
            reason = f"不是已知的参数，是否是指 “{param.zh}”（{param.key}）？"
            report.add(table.problem(row, "key", key_cell, reason, None))
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
                row.cells.get("value"),
                f"截止日期早于开始日期 {values['start'].isoformat()}",
                "不早于开始日期的日期",
            )
        )
    _check_cycle_length(table, values, seen, report)
    _check_followup_team(table, values, seen, report)
    return values


def _check_followup_team(table: Table, values: dict[str, Any], seen: dict[str, int], report: Report) -> None:
    """R15: the follow-up team's minimum is not above its maximum (default 2 and 3)."""
    low, high = values.get("followup_team_min", 2), values.get("followup_team_max", 3)
    if low <= high:
        return
    key = "followup_team_max" if "followup_team_max" in seen else "followup_team_min"
    row = next(r for r in table.rows if r.number == seen[key])
    report.add(
        table.problem(
            row, "value", row.cells.get("value"), f"回头看组员下限 {low} 大于上限 {high}", "下限不大于上限"
        )
    )
    values.pop(key, None)


def _check_cycle_length(table: Table, values: dict[str, Any], seen: dict[str, int], report: Report) -> None:
    """A round of at most ten years: a deadline (or follow-up deadline) further out is a problem, and is
    dropped, so that no calendar of centuries is built from a typo."""
    start: date | None = values.get("start")
    if start is None:
        return
    for key in ("deadline", "followup_deadline"):
        end: date | None = values.get(key)
        if end is None or (end - start).days <= _MAX_CYCLE_DAYS:
            continue
        row = next(r for r in table.rows if r.number == seen[key])
        report.add(
            table.problem(
                row,
                "value",
                row.cells.get("value"),
                f"距开始日期 {start.isoformat()} 超过 {_MAX_CYCLE_YEARS} 年",
                f"开始日期后 {_MAX_CYCLE_YEARS} 年以内的日期",
            )
        )
        del values[key]


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
        skills, counts = _part_counts(table, row, report)
        rule = TierRule(
            tier,
            min_days=_or(row["min_days"], default.min_days),
            team_min=_or(row["team_min"], default.team_min),
            team_max=_or(row["team_max"], default.team_max),
            required_skills=skills or default.required_skills,
            part_counts=counts,
            one_part_each=bool(row["one_part_each"]),
        )
        _check_part_sizes(table, row, rule, report)
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


# `医疗管理*2`, `医疗管理×2`, `医疗管理x2` (full-width forms are NFKC-normalised by the items parser)
_PART_COUNT = re.compile(r"(?P<skill>.+?)\s*(?:[*×✕]\s*(?P<count>.*)|[xX]\s*(?P<digits>\d+))")
_MAX_PART_COUNT = 50


def _part_counts(
    table: Table, row: Row, report: Report
) -> tuple[tuple[str, ...], tuple[tuple[str, int], ...]]:
    """R4: the required skills of a tiers row and the counts written `技能*N` (only those above one)."""
    skills: list[str] = []
    counts: list[tuple[str, int]] = []
    for item in row["required_skills"] or ():
        match = _PART_COUNT.fullmatch(item)
        if match is None:
            skill, count = item, 1
        else:
            skill = match["skill"]
            text = match["count"] if match["digits"] is None else match["digits"]
            count = int(text) if text.isascii() and text.isdigit() and len(text) <= 3 else 0
            if not 1 <= count <= _MAX_PART_COUNT:
                expected = f"专长*人数，人数为 1 到 {_MAX_PART_COUNT} 之间的整数，如 医疗管理*2"
                report.add(table.problem(row, "required_skills", item, "分工人数无效", expected))
                continue
        if skill in skills:
            report.add(table.problem(row, "required_skills", item, f"专长“{skill}”重复", "每项专长只写一次"))
            continue
        skills.append(skill)
        if count > 1:
            counts.append((skill, count))
    return tuple(skills), tuple(counts)


def _check_part_sizes(table: Table, row: Row, rule: TierRule, report: Report) -> None:
    """A part needing more members than the team may have, or (分组巡查) parts adding up past it."""
    for skill, count in rule.part_counts:
        if count > rule.team_max:
            report.add(
                table.problem(
                    row,
                    "required_skills",
                    row.cells["required_skills"],
                    f"“{skill}”需要 {count} 人，超过组员上限 {rule.team_max}",
                    "分工人数不大于组员上限",
                )
            )
    need = sum(rule.count(s) for s in rule.required_skills)
    if rule.one_part_each and need > rule.team_max:
        report.add(
            table.problem(
                row,
                "one_part_each",
                row.cells.get("one_part_each"),
                f"分组巡查时每人只负责一项分工，各项分工共需 {need} 人，超过组员上限 {rule.team_max}",
                "各项分工人数之和不大于组员上限，或 分组巡查 填 否",
            )
        )


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
            report.add(table.problem(row, key, row.cells[key], "未找到", expected))


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
    too_long = [
        row
        for row in table.rows
        if _has(row.values, "start", "end") and (row["end"] - row["start"]).days >= _MAX_HOLIDAY_DAYS
    ]
    for row in too_long:
        report.add(
            table.problem(
                row,
                "end",
                row.cells["end"],
                f"与开始日期 {row['start'].isoformat()} 相隔超过 {_MAX_HOLIDAY_DAYS} 天",
                f"每行一段放假或调休，不超过 {_MAX_HOLIDAY_DAYS} 天",
            )
        )
    if too_long:
        return  # the calendar is not built from them
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


def _employers(
    tables: dict[str, Table], params: dict[str, Any], districts: set[str], report: Report
) -> dict[int, Resolution]:
    """R6: each expert's 工作单位 resolved to an institution (``inputs.employers``), by row number;
    a text that may name several institutions, or nearly names one, is a problem."""
    resolver = Resolver(
        [
            Named(r["id"], r["name"], r["aliases"] or ())
            for r in tables["institutions"].rows
            if _has(r.values, "id", "name")
        ],
        districts=sorted(districts),
        round_name=params.get("name") or "",
    )
    table = tables["experts"]
    found: dict[int, Resolution] = {}
    for row in table.rows:
        if row["employer"] is None:
            continue
        found[row.number] = resolution = resolver.resolve(row["employer"])
        problem = resolution.problem()
        if problem is not None:
            report.add(table.problem(row, "employer", row.cells["employer"], *problem))
    return found


def _expert(row: Row, employers: dict[int, Resolution]) -> Expert:
    expert: Expert = _make(Expert, row)
    resolution = employers.get(row.number)
    if resolution is None:
        return expert
    typed = resolution.text if resolution.text != resolution.employer else None
    return replace(expert, employer=resolution.employer, employer_text=typed)


def _team(row: Row) -> Team:
    values = dict(row.values)
    leader = values["leader"]
    members = values["members"]
    if leader not in members:
        members = (leader, *members)
    return Team(name=values["team"], leader=leader, members=members, tiers=values.get("tiers") or ())
