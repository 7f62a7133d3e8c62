"""Reading what offices really save (issue 9): GB18030/GBK and UTF-8 CSV, `;`-separated CSV, near-synonym
sheet, column and param names, "did you mean" for near misses, and cells with hidden characters."""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import pytest

from inputs.reader import read_scenario
from inputs.schema import PARAM_KEYS, SHEETS, Column, Sheet, normalise_name
from tests.inputs.helpers import Sheets, base_sheets, problems, write_folder, write_workbook
from tests.inputs.test_reader import CHINESE, EXPECTED, same


def _write_encoded(folder: Path, sheets: Sheets, encoding: str, delimiter: str = ",") -> Path:
    """Each sheet as ``<name>.csv`` in ``encoding`` with ``delimiter``, as Excel's "Save as" writes it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in sheets.items():
        with (folder / f"{name}.csv").open("w", encoding=encoding, newline="") as handle:
            csv.writer(handle, delimiter=delimiter).writerows(rows)
    return folder


# -- encodings and separators ----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8", "utf-8-sig", "utf-16"])
def test_csv_encodings_offices_save(tmp_path: Path, encoding: str) -> None:
    """A Chinese CSV folder in GBK (Excel's "CSV (逗号分隔)" on Chinese Windows), GB18030, UTF-8 with or
    without BOM, or UTF-16 with its mark reads as the same scenario."""
    assert same(read_scenario(_write_encoded(tmp_path / encoding, CHINESE, encoding)), EXPECTED)


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_semicolon_and_tab_separated_csv(tmp_path: Path, delimiter: str) -> None:
    """`;`-separated CSV (Excel with a European list separator) and tab-separated text read the same;
    commas inside cells (lists such as 党建,行风) stay in their cell."""
    sheets = CHINESE | {"专家": [list(row) for row in CHINESE["专家"]]}
    sheets["专家"][1][3] = sheets["专家"][1][3].replace(";", ",")
    folder = _write_encoded(tmp_path, sheets, "gbk", delimiter)
    assert same(read_scenario(folder), EXPECTED)


def test_gbk_text_with_rare_characters_uses_gb18030(tmp_path: Path) -> None:
    """Characters outside GBK (䶮, in GB18030 only) are read when the file is GB18030."""
    sheets = base_sheets()
    sheets["experts"][1][1] = "刘䶮"
    scenario = read_scenario(_write_encoded(tmp_path, sheets, "gb18030"))
    assert scenario.expert_by_id["E1"].name == "刘䶮"


# -- near synonyms ---------------------------------------------------------------------------------


def test_near_synonym_sheet_column_and_param_names(tmp_path: Path) -> None:
    """`专家库`, `机构名单`, `专家编号`, `机构名称`, `所在区县`, `联系邮箱`, `举报电话` are what offices call
    the sheets, columns and params; they read as the template's names."""
    sheets = base_sheets()
    sheets["专家库"] = sheets.pop("experts")
    sheets["专家库"][0] = ["专家编号", "姓名", "所在区县", "专长", "工作单位", "可任组长", "联系邮箱"]
    sheets["专家库"][1].append("Zhang@Example.CN")
    sheets["机构名单"] = sheets.pop("institutions")
    sheets["机构名单"][0][:3] = ["机构编号", "机构名称", "区"]
    sheets["params"].append(["举报电话", "023-12345"])
    scenario = read_scenario(write_workbook(tmp_path / "s.xlsx", sheets))
    assert [e.id for e in scenario.experts] == ["E1", "E2", "E3"]
    assert scenario.expert_by_id["E1"].email == "Zhang@example.cn"
    assert scenario.institution_by_id["H1"].name == "测试区人民医院"
    assert scenario.params.hotline == "023-12345"


def test_unknown_sheet_near_a_missing_one_is_one_problem(tmp_path: Path) -> None:
    """A file `专家名录.csv` (a variant of 专家名单) gives one "did you mean", not also "missing experts.csv"
    nor references to unknown experts."""
    sheets = base_sheets()
    sheets["专家名录"] = sheets.pop("experts")
    sheets["conflicts"] = [["expert_id", "institution_id"], ["E1", "G1"]]
    (problem,) = problems(write_folder(tmp_path, sheets))
    assert problem.source == "专家名录.csv"
    assert str(problem) == "专家名录.csv：不是已知的表名，是否是指“专家”（experts）？"


def test_unknown_sheet_in_a_workbook(tmp_path: Path) -> None:
    """The same in a workbook: a sheet `Expert` stands for 专家 with one problem."""
    sheets = base_sheets()
    sheets["Expert"] = sheets.pop("experts")
    (problem,) = problems(write_workbook(tmp_path / "s.xlsx", sheets))
    assert problem.source == "Expert" and "experts" in str(problem)


def test_unknown_header_near_a_required_column_is_one_problem(tmp_path: Path) -> None:
    """A header `专家编码` (for 专家编号) gives one problem naming it and the column meant; no "缺少必填列",
    no knock-on "未找到" for the experts other sheets name."""
    sheets = base_sheets()
    sheets["experts"][0][0] = "专家编码"
    sheets["unavailability"] = [["expert_id", "start", "end"], ["E2", "2025-03-03", "2025-03-04"]]
    (problem,) = problems(write_folder(tmp_path, sheets))
    assert (problem.source, problem.row, problem.column) == ("experts.csv", 1, "专家编码")
    assert "是否是指 “编号”（id）" in str(problem)


def test_far_names_stay_the_planners_own(tmp_path: Path) -> None:
    """A `notes.csv`, a `说明` sheet and columns `备注`, `序号`, `expert_name` are near no known name:
    silently ignored, as before."""
    sheets = base_sheets()
    sheets["notes"] = [["备注"], ["上次巡查 2022 年"]]
    sheets["说明"] = [["x"], ["y"]]
    sheets["experts"][0] += ["序号", "备注", "expert_name"]
    sheets["experts"][1] += ["1", "返聘", "张一"]
    read_scenario(write_folder(tmp_path / "csv", sheets))
    read_scenario(write_workbook(tmp_path / "s.xlsx", sheets))


def test_a_near_name_of_a_sheet_already_given_is_left_alone(tmp_path: Path) -> None:
    """`专家名录.csv` beside `experts.csv` (an old copy, say) is not taken for the experts sheet."""
    sheets = base_sheets()
    sheets["专家名录"] = [["x"], ["y"]]
    assert [e.id for e in read_scenario(write_folder(tmp_path, sheets)).experts] == ["E1", "E2", "E3"]


# -- hidden characters and neutralised formulas ---------------------------------------------------------


def test_control_characters_never_enter_the_scenario(tmp_path: Path) -> None:
    """ESC and other C0/C1 controls, a right-to-left override and zero-width joiners typed into names,
    ids and addresses are dropped; Chinese punctuation stays."""
    sheets = base_sheets()
    sheets["institutions"][1][1] = "测试区\x1b[31m人民医院\u202e（总院）"
    sheets["institutions"][1][6] = "测试路\u200d 1 号\x85"
    sheets["experts"][1][0] = "E\u20661"
    sheets["experts"][1][1] = "张\x07一"
    scenario = read_scenario(write_folder(tmp_path, sheets))
    assert scenario.institution_by_id["H1"].name == "测试区[31m人民医院（总院）"
    assert scenario.institution_by_id["H1"].address == "测试路 1 号"
    assert scenario.expert_by_id["E1"].name == "张一"


def test_neutralised_formula_cells_read_back(tmp_path: Path) -> None:
    """A name our CSV writers wrote as `'=…` (so that Excel shows it as text) reads back without the `'`."""
    sheets = base_sheets()
    sheets["institutions"][1][1] = "'=测试区人民医院"
    sheets["experts"][1][1] = "'@张一"
    scenario = read_scenario(write_folder(tmp_path, sheets))
    assert scenario.institution_by_id["H1"].name == "=测试区人民医院"
    assert scenario.expert_by_id["E1"].name == "@张一"


def test_email_addresses_are_stored_normalised(tmp_path: Path) -> None:
    """Params and experts' addresses are stored in their normalised form."""
    sheets = base_sheets()
    sheets["params"] += [
        ["office_email", " XCB@Example.CN "],
        ["report_email", "ｊｕｂａｏ＠ｅｘａｍｐｌｅ．ｃｎ"],
    ]
    scenario = read_scenario(write_folder(tmp_path, sheets))
    assert (scenario.params.office_email, scenario.params.report_email) == (
        "XCB@example.cn",
        "jubao@example.cn",
    )


def test_workbook_declaring_a_huge_size_reads_quickly(tmp_path: Path) -> None:
    """A workbook whose sheets claim the whole grid (A1:XFD1048576, as some programs write) is read by
    its cells, not padded out to the size it claims."""
    path = write_workbook(tmp_path / "s.xlsx", base_sheets())
    patched = tmp_path / "huge.xlsx"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(patched, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', data)
                assert b"XFD1048576" in data
            target.writestr(item, data)
    assert [e.id for e in read_scenario(patched).experts] == ["E1", "E2", "E3"]


def test_no_name_stands_for_two_things() -> None:
    """Every sheet name, every column name within its sheet and every param name (English, Chinese and
    aliases, as compared) belongs to one thing only."""
    groups: list[tuple[Sheet, ...] | tuple[Column, ...]] = [SHEETS, PARAM_KEYS, *(s.columns for s in SHEETS)]
    for group in groups:
        names = [
            normalise_name(n) for item in group for n in dict.fromkeys(map(normalise_name, item.names()))
        ]
        assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
