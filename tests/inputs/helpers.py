"""Small hand-made scenario sheets for the reader tests, and writers for CSV folders and workbooks.

``base_sheets()`` is a valid one-year round: a hospital and a township health
centre in 巴南区, three experts (one in 长寿区). Tests copy it, break one
thing, and write it as a CSV folder or an .xlsx workbook.
"""

from __future__ import annotations

import copy
import csv
from pathlib import Path
from typing import Any

import openpyxl

from inputs.errors import InputError, Problem
from inputs.reader import read_scenario

Sheets = dict[str, list[list[Any]]]

BASE: Sheets = {
    "params": [
        ["key", "value"],
        ["name", "测试区医疗卫生机构巡查（2025年度）"],
        ["start", "2025-01-06"],
        ["deadline", "2025-12-31"],
        ["home_district_only", "是"],
    ],
    "institutions": [
        ["id", "name", "district", "tier", "ownership", "year", "address"],
        ["H1", "测试区人民医院", "巴南区", "tertiary_general", "公立", "2025", "测试路 1 号"],
        ["G1", "测试镇卫生院", "巴南区", "grassroots", "", "", ""],
    ],
    "experts": [
        ["id", "name", "district", "skills", "employer", "leader"],
        ["E1", "张一", "巴南区", "党建;行风", "H1", "是"],
        ["E2", "李二", "巴南区", "医疗管理、财务", "测试区卫生健康委员会", "否"],
        ["E3", "王三", "长寿区", "安全生产", "", "yes"],
    ],
}


def base_sheets() -> Sheets:
    return copy.deepcopy(BASE)


def write_folder(folder: Path, sheets: Sheets, *, bom: bool = False) -> Path:
    """Write each sheet as ``<name>.csv`` (the name as given, English or Chinese)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in sheets.items():
        with (folder / f"{name}.csv").open(
            "w", encoding="utf-8-sig" if bom else "utf-8", newline=""
        ) as handle:
            csv.writer(handle).writerows(rows)
    return folder


def write_workbook(path: Path, sheets: Sheets) -> Path:
    """Write each sheet as a worksheet; cells keep their Python types (dates, numbers, booleans)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def problems(path: Path) -> list[Problem]:
    """The problems reading ``path`` reports (the test fails if it reads cleanly)."""
    try:
        read_scenario(path)
    except InputError as error:
        return error.problems
    raise AssertionError(f"{path} was read without problems")
