"""The input template: Chinese sheets, help, drop-downs, frozen headers; a filled copy reads back."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from inputs.errors import InputError
from inputs.reader import read_scenario
from inputs.schema import GUIDE_SHEET, PARAM_KEYS, SHEETS
from outputs.template import write_template


@pytest.fixture
def template(tmp_path: Path) -> Path:
    path = tmp_path / "模板.xlsx"
    write_template(path)
    return path


def _validations(sheet: openpyxl.worksheet.worksheet.Worksheet) -> dict[str, str]:
    """Cell range (first column letter) → list source of each list validation."""
    found = {}
    for validation in sheet.data_validations.dataValidation:
        if validation.type == "list":
            for cell_range in validation.sqref.ranges:
                found[get_column_letter(cell_range.min_col)] = validation.formula1
    return found


def test_sheets_headers_and_frozen_rows(template: Path) -> None:
    """The guide comes first, then one sheet per §3 sheet with Chinese headers and the header row frozen."""
    book = openpyxl.load_workbook(template)
    assert book.sheetnames == [GUIDE_SHEET, *(s.zh for s in SHEETS)]
    for sheet in SHEETS:
        worksheet = book[sheet.zh]
        headers = [c.value for c in worksheet[1] if c.value is not None]
        assert headers[: len(sheet.columns)] == [c.zh for c in sheet.columns]
        assert worksheet.freeze_panes == "A2"
        assert worksheet.column_dimensions["A"].width >= 8


def test_drop_down_lists(template: Path) -> None:
    """Tier, ownership, yes/no and holiday kind columns offer their Chinese choices."""
    book = openpyxl.load_workbook(template)
    institutions = _validations(book["机构"])
    assert institutions["D"] == '"三级综合,三级专科,妇幼保健院,二级,基层"'  # 类别
    assert institutions["E"] == '"公立,民营"'  # 性质
    assert institutions["K"] == '"是,否"'  # 免检
    assert _validations(book["专家"])["F"] == '"是,否"'  # 可任组长
    assert _validations(book["节假日调整"])["C"] == '"放假,上班"'
    assert '"是,否"' in _validations(book["参数"]).values()  # 仅本区县


def test_whole_number_columns_carry_the_readers_range(template: Path) -> None:
    """Each int column's validation is the reader's range (最少天数 1–60 on 机构), not only a minimum."""
    book = openpyxl.load_workbook(template)
    ranges = {}
    for validation in book["机构"].data_validations.dataValidation:
        if validation.type == "whole":
            for cell_range in validation.sqref.ranges:
                # "between" is the default operator, which the file leaves out
                operator = validation.operator or "between"
                ranges[get_column_letter(cell_range.min_col)] = (
                    operator,
                    validation.formula1,
                    validation.formula2,
                )
    sheet = next(s for s in SHEETS if s.key == "institutions")
    letter = get_column_letter(next(i for i, c in enumerate(sheet.columns, 1) if c.key == "min_days"))
    low, high = sheet.column("min_days").bounds() or (None, None)
    assert ranges[letter] == ("between", str(low), str(high))
    assert (low, high) == (1, 60)


def test_guide_explains_every_column_and_param(template: Path) -> None:
    """The 填写说明 sheet lists every column of every sheet and every parameter, with an example."""
    guide = openpyxl.load_workbook(template)[GUIDE_SHEET]
    rows = [[c.value for c in row] for row in guide.iter_rows()]
    described = {(r[1], r[2]) for r in rows if r[1] and r[2]}
    for sheet in SHEETS:
        for column in sheet.columns:
            assert (column.zh, column.key) in described
    for param in PARAM_KEYS:
        assert (param.zh, param.key) in described
    text = "\n".join(str(v) for r in rows for v in r if v)
    assert "必填" in text and "2025-03-03" in text


def test_empty_template_asks_for_the_required_values(template: Path) -> None:
    """Read as it is, the template reports the missing round name, dates, institutions and experts."""
    with pytest.raises(InputError) as caught:
        read_scenario(template)
    message = str(caught.value)
    assert "名称" in message and "开始日期" in message and "截止日期" in message
    assert "机构：表中没有数据" in message and "专家：表中没有数据" in message


def test_filled_copy_reads_back(template: Path) -> None:
    """A copy filled in with openpyxl the way a planner would (drop-down choices, date cells) reads back."""
    book = openpyxl.load_workbook(template)
    params = book["参数"]
    values = {
        "名称": "测试区巡查（2025年度）",
        "开始日期": datetime(2025, 3, 3),
        "截止日期": "2025-12-31",
        "仅本区县": "是",
    }
    for row in range(2, params.max_row + 1):
        key = params.cell(row, 1).value
        if key in values:
            params.cell(row, 2, values[key])

    def fill(name: str, *rows: list[object]) -> None:
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                book[name].cell(r, c, value)

    fill(
        "机构",
        [
            "H1",
            "测试区人民医院",
            "巴南区",
            "三级综合",
            "公立",
            None,
            2025,
            None,
            None,
            None,
            "否",
            "测试路 1 号",
        ],
        ["G1", "测试镇卫生院", "巴南区", "基层", "民营", None, None, None, None, None, "是"],
    )
    fill(
        "专家",
        ["E1", "张一", "长寿区", "党建;行风", "长寿区人民医院", "是", 40],
        ["E2", "李二", "巴南区", "医疗管理、财务、安全生产", "G1", "否"],
    )
    fill("交叉检查", ["长寿区", "巴南区", "三级综合"])
    fill("节假日调整", [datetime(2025, 10, 1), datetime(2025, 10, 8), "放假"])
    filled = template.with_name("已填写.xlsx")
    book.save(filled)

    scenario = read_scenario(filled)
    assert scenario.params.name == "测试区巡查（2025年度）"
    assert (scenario.params.start, scenario.params.deadline) == (date(2025, 3, 3), date(2025, 12, 31))
    assert scenario.params.home_district_only is True
    assert [(i.id, i.tier, i.ownership, i.exempt) for i in scenario.institutions] == [
        ("H1", "tertiary_general", "public", False),
        ("G1", "grassroots", "private", True),
    ]
    assert scenario.experts[0].leader and scenario.experts[0].max_days == 40
    assert scenario.experts[1].skills == ("医疗管理", "财务", "安全生产")
    assert scenario.pairings[0].tiers == ("tertiary_general",)
    assert scenario.holidays[0].kind == "holiday"
