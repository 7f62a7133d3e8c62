"""The empty input workbook ``schedule template`` writes (SPEC §5).

A first sheet 填写说明 explains every sheet, column and parameter (required or
not, format, example); then one sheet per sheet of SPEC §3 with Chinese names,
a frozen header row, widths that fit Chinese text, a note on each header, and
drop-down lists for tiers, ownership, yes/no columns and holiday kinds. The
参数 sheet comes with its keys filled in. Everything is taken from
``inputs.schema``, so a filled copy reads back with ``read_scenario``.
"""

from __future__ import annotations

import io
import unicodedata
from pathlib import Path
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from inputs.scenario import OWNERSHIP_LABELS, TIER_LABELS
from inputs.schema import (
    GUIDE_SHEET,
    HOLIDAY_KIND_LABELS,
    PARAM_KEYS,
    PARAMS,
    SHEETS,
    YES_NO_LABELS,
    Column,
    Sheet,
)

ROWS = 2000  # rows that get the drop-down lists and formats
_LISTS: dict[str, list[str]] = {
    "tier": list(TIER_LABELS.values()),
    "ownership": list(OWNERSHIP_LABELS.values()),
    "bool": list(YES_NO_LABELS),
    "kind": list(HOLIDAY_KIND_LABELS.values()),
}
_FORMATS: dict[str, str] = {
    "key": "文本",
    "text": "文本",
    "int": "整数",
    "date": "日期，如 2025-03-03",
    "bool": "下拉选择：是 / 否",
    "share": "比例，如 0.3 或 30%",
    "tier": "下拉选择：" + " / ".join(TIER_LABELS.values()),
    "ownership": "下拉选择：公立 / 民营",
    "items": "列表，用 ; 、 或 , 分隔",
    "tiers": "类别列表，用 ; 、 或 , 分隔",
    "kind": "下拉选择：放假 / 上班",
    "email": "电子邮箱地址，如 name@example.cn",
    "pace": "均衡 或 尽早",
}
_INTRO = (
    "巡查计划输入模板",
    "每张表的第 1 行是列名，请勿修改；从第 2 行起每行填写一条记录，空行会被忽略。",
    "“机构”“专家”“参数”三张表必填，其余各表按需填写，不用的表可以留空。",
    "橙色列名为必填列；把鼠标移到列名上可以看到该列的说明和示例。",
    "日期写作 2025-03-03（也可写 2025/3/3 或 2025年3月3日）；是/否 列也可写 yes/no、1/0。",
    "列表（如专长、成员、类别）用分号 ; 、顿号 、 或逗号 , 分隔。",
    "填好后运行：schedule solve 本文件.xlsx --out 输出文件夹。",
)


def write_template(path: Path) -> None:
    """Write the empty input workbook to a new file ``path`` (.xlsx).

    Never over a file that is there: a template written over an office's filled-in workbook, or over a
    plan folder's plan.xlsx, would lose it. ``FileExistsError`` then, and nothing is written.
    """
    data = template_bytes()
    with path.open("xb") as handle:  # created here, or refused if it exists
        handle.write(data)


def template_bytes() -> bytes:
    """The empty input workbook's bytes."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    styles = _styles(book)
    _guide(book.add_worksheet(GUIDE_SHEET), styles)
    for sheet in SHEETS:
        worksheet = book.add_worksheet(sheet.zh)
        if sheet is PARAMS:
            _params_sheet(worksheet, styles)
        else:
            _data_sheet(worksheet, sheet, styles)
    book.close()
    return buffer.getvalue()


def _styles(book: Workbook) -> dict[str, Any]:
    base = {"font_name": "等线", "font_size": 11, "valign": "vcenter"}
    header = {**base, "bold": True, "border": 1, "align": "center", "text_wrap": True}
    return {
        "header": book.add_format({**header, "bg_color": "#DDEBF7"}),
        "required": book.add_format({**header, "bg_color": "#FCE4D6"}),
        "title": book.add_format({**base, "bold": True, "font_size": 16}),
        "text": book.add_format({**base, "text_wrap": True}),
        "cell": book.add_format({**base, "num_format": "@"}),
        "plain": book.add_format(base),
        "date": book.add_format({**base, "num_format": "yyyy-mm-dd"}),
        "key": book.add_format({**base, "bold": True}),
        "key_required": book.add_format({**base, "bold": True, "bg_color": "#FCE4D6"}),
    }


def text_width(text: str) -> int:
    """Display width: Chinese characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _width(*texts: str, least: int = 8, most: int = 48) -> int:
    return max(least, min(most, max(text_width(t) for t in texts) + 3))


def _column_note(column: Column) -> str:
    need = "必填" if column.required else "选填"
    note = f"{column.zh}（{column.key}），{need}。{column.help}"
    if column.example:
        note += f"\n示例：{column.example}"
    return note


def _cell_format(column: Column, styles: dict[str, Any]) -> Any:
    if column.kind == "date":
        return styles["date"]
    if column.kind in {"int", "share", "bool"}:
        return styles["plain"]
    return styles["cell"]  # text cells stay text: ids like 001 keep their zeros


def _data_sheet(worksheet: Worksheet, sheet: Sheet, styles: dict[str, Any]) -> None:
    worksheet.freeze_panes(1, 0)
    worksheet.set_row(0, 22)
    for index, column in enumerate(sheet.columns):
        style = styles["required"] if column.required else styles["header"]
        worksheet.write_string(0, index, column.zh, style)
        worksheet.write_comment(0, index, _column_note(column), {"x_scale": 2, "y_scale": 1.5})
        worksheet.set_column(index, index, _width(column.zh, column.example), _cell_format(column, styles))
        _validate(worksheet, column, 1, index, ROWS, index)


def _validate(
    worksheet: Worksheet, column: Column, first_row: int, first_col: int, last_row: int, last_col: int
) -> None:
    options: dict[str, Any] | None = None
    if column.kind in _LISTS:
        options = {
            "validate": "list",
            "source": _LISTS[column.kind],
            "error_title": "请从下拉列表中选择",
            "error_message": f"{column.zh}：{_FORMATS[column.kind]}",
        }
    elif (bounds := column.bounds()) is not None:  # the reader's range (inputs.schema.Column.bounds)
        low, high = bounds
        options = {
            "validate": "integer",
            "criteria": "between",
            "minimum": low,
            "maximum": high,
            "error_title": "请输入整数",
            "error_message": f"{column.zh}：{low} 到 {high} 之间的整数",
        }
    if options is not None:
        worksheet.data_validation(first_row, first_col, last_row, last_col, options)


def _params_sheet(worksheet: Worksheet, styles: dict[str, Any]) -> None:
    worksheet.freeze_panes(1, 0)
    worksheet.set_row(0, 22)
    for index, column in enumerate(PARAMS.columns):
        worksheet.write_string(
            0, index, column.zh, styles["required"] if column.required else styles["header"]
        )
        worksheet.write_comment(0, index, _column_note(column), {"x_scale": 2, "y_scale": 1.5})
    worksheet.write_string(0, 2, "说明", styles["header"])
    worksheet.set_column(0, 0, _width(*(p.zh for p in PARAM_KEYS)), styles["cell"])
    worksheet.set_column(1, 1, _width(*(p.example for p in PARAM_KEYS), most=56), styles["cell"])
    worksheet.set_column(2, 2, 60, styles["text"])
    for row, param in enumerate(PARAM_KEYS, start=1):
        worksheet.write_string(row, 0, param.zh, styles["key_required" if param.required else "key"])
        if param.kind == "date":
            worksheet.write_blank(row, 1, None, styles["date"])
        need = "必填" if param.required else "选填"
        worksheet.write_string(row, 2, f"{need}。{param.help}（示例：{param.example}）", styles["text"])
        _validate(worksheet, param, row, 1, row, 1)


def _guide(worksheet: Worksheet, styles: dict[str, Any]) -> None:
    headers = ("工作表", "列名", "英文列名", "必填", "格式", "说明", "示例")
    widths = (14, 16, 22, 6, 30, 60, 30)
    for index, width in enumerate(widths):
        worksheet.set_column(index, index, width, styles["text"])
    worksheet.write_string(0, 0, _INTRO[0], styles["title"])
    row = 1
    for line in _INTRO[1:]:
        worksheet.write_string(row, 0, line, styles["plain"])
        row += 1
    row += 1
    for index, title in enumerate(headers):
        worksheet.write_string(row, index, title, styles["header"])
    worksheet.freeze_panes(row + 1, 0)
    row += 1
    for sheet in SHEETS:
        need = "必填" if sheet.required else "选填"
        worksheet.write_string(row, 0, f"{sheet.zh}（{sheet.key}）", styles["key"])
        worksheet.write_string(row, 5, f"{need}表。{sheet.help}", styles["text"])
        row += 1
        for column in sheet.columns:
            row = _guide_row(worksheet, row, column, styles)
        if sheet is PARAMS:
            worksheet.write_string(row, 1, "可填的参数（写在“键”列）：", styles["key"])
            row += 1
            for param in PARAM_KEYS:
                row = _guide_row(worksheet, row, param, styles)
        row += 1


def _guide_row(worksheet: Worksheet, row: int, column: Column, styles: dict[str, Any]) -> int:
    values = (
        "",
        column.zh,
        column.key,
        "是" if column.required else "",
        _FORMATS[column.kind],
        column.help,
        column.example,
    )
    for index, value in enumerate(values):
        worksheet.write_string(row, index, value, styles["text"])
    return row + 1
