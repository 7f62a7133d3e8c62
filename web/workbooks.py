"""New revisions of a round's workbook: the sample as a workbook, a pinned visit (R16), an absent expert.

Each function reads one .xlsx with openpyxl and writes another; the sheet and the header row are
found the way the reader finds them (``inputs.schema.match_sheet`` / ``match_column``; the header is
the first non-empty row), and a missing column or sheet is added with its Chinese name.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from inputs.schema import INSTITUTIONS, UNAVAILABILITY, Sheet, match_column, match_sheet


class EditError(Exception):
    """The workbook cannot take the change; the message is Chinese."""


def sample_workbook(sample_dir: Path, out: Path) -> None:
    """The built-in sample's CSV folder as one workbook, a sheet per file."""
    book = Workbook()
    assert book.active is not None
    book.remove(book.active)
    for path in sorted(sample_dir.glob("*.csv")):
        sheet = book.create_sheet(path.stem)
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.reader(handle):
                sheet.append(row)
    book.save(out)


def _find_sheet(book: Any, wanted: Sheet) -> Worksheet | None:
    for sheet in book.worksheets:
        if match_sheet(sheet.title) is wanted:
            return sheet
    return None


def _header(sheet: Worksheet) -> tuple[int, dict[str, int]]:
    """The header row's number and the column number of each known column key."""
    for row in sheet.iter_rows():
        values = [c.value for c in row]
        if any(v not in (None, "") for v in values):
            number = row[0].row
            positions: dict[str, int] = {}
            for cell in row:
                if cell.value in (None, ""):
                    continue
                column = match_column(_sheet_of(sheet), str(cell.value))
                if column is not None:
                    positions[column.key] = int(cell.column)
            return int(number), positions
    return 1, {}


def _sheet_of(sheet: Worksheet) -> Sheet:
    found = match_sheet(sheet.title)
    assert found is not None
    return found


def _column(sheet: Worksheet, header_row: int, positions: dict[str, int], key: str, spec: Sheet) -> int:
    if key not in positions:
        index = max([*positions.values(), sheet.max_column, 0]) + 1
        sheet.cell(row=header_row, column=index, value=spec.column(key).zh)
        positions[key] = index
    return positions[key]


def pin_visit(
    source: Path,
    out: Path,
    institution: str,
    *,
    start: date | None,
    leader: str | None,
    members: Sequence[str],
) -> None:
    """Write ``fixed_start``, ``fixed_leader``, ``fixed_members`` of one institution (R16)."""
    book = load_workbook(source)
    sheet = _find_sheet(book, INSTITUTIONS)
    if sheet is None:
        raise EditError("工作簿中没有机构表，无法指定巡查安排。")
    header_row, positions = _header(sheet)
    if "id" not in positions:
        raise EditError("机构表没有“编号”列，无法指定巡查安排。")
    id_col = positions["id"]
    target = None
    for row in range(header_row + 1, sheet.max_row + 1):
        value = sheet.cell(row=row, column=id_col).value
        if value is not None and str(value).strip() == institution:
            target = row
            break
    if target is None:
        raise EditError(f"机构表中没有编号为“{institution}”的机构。")
    values = {
        "fixed_start": start.isoformat() if start else None,
        "fixed_leader": leader or None,
        "fixed_members": ";".join(members) or None,
    }
    for key, value in values.items():
        column = _column(sheet, header_row, positions, key, INSTITUTIONS)
        sheet.cell(row=target, column=column, value=value)
    book.save(out)


def mark_absent(source: Path, out: Path, expert: str, start: date, end: date, reason: str) -> None:
    """Add an ``unavailability`` row for ``expert`` (the sheet is added if the workbook has none)."""
    book = load_workbook(source)
    sheet = _find_sheet(book, UNAVAILABILITY)
    if sheet is None:
        sheet = book.create_sheet(UNAVAILABILITY.zh)
        sheet.append([c.zh for c in UNAVAILABILITY.columns])
    header_row, positions = _header(sheet)
    row = max(sheet.max_row, header_row) + 1
    values = {"expert_id": expert, "start": start.isoformat(), "end": end.isoformat(), "reason": reason}
    for key, value in values.items():
        column = _column(sheet, header_row, positions, key, UNAVAILABILITY)
        sheet.cell(row=row, column=column, value=value)
    book.save(out)
