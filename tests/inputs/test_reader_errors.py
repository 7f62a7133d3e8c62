"""Reading scenarios that are wrong: every kind of problem is named by source, row, column and value,
all of them at once, never as a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from inputs.errors import InputError, Problem
from tests.inputs.helpers import Sheets, base_sheets, problems, write_folder, write_workbook


def test_problem_prints_one_chinese_line() -> None:
    """A problem prints as the planner reads it: place, value, what is wrong, what is expected."""
    problem = Problem(
        "institutions.csv", 5, "类别", "三甲", "三级综合、三级专科、妇幼保健院、二级、基层 之一"
    )
    expected = "应为 三级综合、三级专科、妇幼保健院、二级、基层 之一"
    assert str(problem) == f"institutions.csv 第 5 行 “类别” 列：值 “三甲” 无效，{expected}"
    assert str(Problem("机构", reason="表中没有数据")) == "机构：表中没有数据"
    error = InputError([problem, Problem("x.xlsx", reason="坏了")])
    assert str(error).splitlines() == [str(problem), "x.xlsx：坏了"]


def _set(sheet: str, row: int, column: str, value: str) -> Callable[[Sheets], None]:
    def change(sheets: Sheets) -> None:
        rows = sheets[sheet]
        rows[row - 1][rows[0].index(column)] = value

    return change


def _add(sheet: str, *rows: list[str]) -> Callable[[Sheets], None]:
    headers = {
        "batches": ["name", "start", "end"],
        "tiers": ["tier", "min_days", "team_min", "team_max", "required_skills"],
        "quotas": ["year", "tier", "ownership", "min_share", "min_count"],
        "unavailability": ["expert_id", "start", "end", "reason"],
        "conflicts": ["expert_id", "institution_id", "reason"],
        "pairings": ["inspecting_district", "inspected_district", "tiers"],
        "teams": ["team", "leader", "members", "tiers"],
        "holidays": ["start", "end", "kind"],
    }

    def change(sheets: Sheets) -> None:
        if sheet not in sheets:
            sheets[sheet] = [headers[sheet]]
        sheets[sheet].extend(list(r) for r in rows)

    return change


def _both(*changes: Callable[[Sheets], None]) -> Callable[[Sheets], None]:
    def change(sheets: Sheets) -> None:
        for c in changes:
            c(sheets)

    return change


def _institution_column(column: str, value: str) -> Callable[[Sheets], None]:
    """Add an optional column to the institutions sheet, with ``value`` for H1 (row 2)."""

    def change(sheets: Sheets) -> None:
        sheets["institutions"][0].append(column)
        sheets["institutions"][1].append(value)
        for row in sheets["institutions"][2:]:
            row.append("")

    return change


def _param(key: str, value: str) -> Callable[[Sheets], None]:
    return lambda sheets: sheets["params"].append([key, value])


def _header(sheet: str, old: str, new: str) -> Callable[[Sheets], None]:
    """Rename a column header of ``sheet``."""

    def change(sheets: Sheets) -> None:
        header = sheets[sheet][0]
        header[header.index(old)] = new

    return change


_BATCH = _add("batches", ["第一批", "2025-03-03", "2025-06-30"])

# (what, change, source, row, column, value, words the message holds)
CASES = [
    (
        "required value missing",
        _set("institutions", 3, "name", ""),
        "institutions.csv",
        3,
        "name",
        None,
        "缺少必填值",
    ),
    (
        "bad date",
        _add("batches", ["第一批", "2025-03-03", "2025-13-01"]),
        "batches.csv",
        2,
        "end",
        "2025-13-01",
        "日期",
    ),
    (
        "bad number",
        _institution_column("min_days", "五天"),
        "institutions.csv",
        2,
        "min_days",
        "五天",
        "整数",
    ),
    ("bad boolean", _set("experts", 2, "leader", "也许"), "experts.csv", 2, "leader", "也许", "是 或 否"),
    (
        "unknown tier",
        _set("institutions", 2, "tier", "三甲"),
        "institutions.csv",
        2,
        "tier",
        "三甲",
        "基层 之一",
    ),
    (
        "unknown ownership",
        _set("institutions", 2, "ownership", "国企"),
        "institutions.csv",
        2,
        "ownership",
        "国企",
        "民营",
    ),
    (
        "duplicate institution",
        _set("institutions", 3, "id", "H1"),
        "institutions.csv",
        3,
        "id",
        "H1",
        "第 2 行",
    ),
    ("duplicate expert", _set("experts", 4, "id", "E2"), "experts.csv", 4, "id", "E2", "重复"),
    (
        "duplicate team",
        _add("teams", ["A组", "E1", "E1;E2"], ["A组", "E3", "E3"]),
        "teams.csv",
        3,
        "team",
        "A组",
        "重复",
    ),
    (
        "duplicate batch",
        _add("batches", ["第一批", "2025-03-03", "2025-06-30"], ["第一批", "2025-07-01", "2025-09-30"]),
        "batches.csv",
        3,
        "name",
        "第一批",
        "重复",
    ),
    (
        "unknown skill",
        _set("experts", 3, "skills", "医疗管理;外科"),
        "experts.csv",
        3,
        "skills",
        "外科",
        "党建",
    ),
    (
        "unknown expert (unavailability)",
        _add("unavailability", ["E9", "2025-03-03", "2025-03-05", ""]),
        "unavailability.csv",
        2,
        "expert_id",
        "E9",
        "未找到",
    ),
    (
        "unknown expert (conflict)",
        _add("conflicts", ["E9", "H1", ""]),
        "conflicts.csv",
        2,
        "expert_id",
        "E9",
        "专家",
    ),
    (
        "unknown institution",
        _add("conflicts", ["E1", "H9", ""]),
        "conflicts.csv",
        2,
        "institution_id",
        "H9",
        "机构",
    ),
    ("unknown team member", _add("teams", ["A组", "E1", "E1;E7"]), "teams.csv", 2, "members", "E7", "未找到"),
    ("unknown team leader", _add("teams", ["A组", "E8", "E1"]), "teams.csv", 2, "leader", "E8", "未找到"),
    (
        "unknown batch",
        _both(_BATCH, _institution_column("batch", "第二批")),
        "institutions.csv",
        2,
        "batch",
        "第二批",
        "批次",
    ),
    (
        "unknown district",
        _add("pairings", ["长寿区", "南岸区", ""]),
        "pairings.csv",
        2,
        "inspected_district",
        "南岸区",
        "巴南区、长寿区",
    ),
    (
        "batch ends before it starts",
        _add("batches", ["第一批", "2025-06-30", "2025-03-03"]),
        "batches.csv",
        2,
        "end",
        "2025-03-03",
        "早于开始日期 2025-06-30",
    ),
    (
        "unavailability ends before it starts",
        _add("unavailability", ["E1", "2025-03-05", "2025-03-03", ""]),
        "unavailability.csv",
        2,
        "end",
        "2025-03-03",
        "早于",
    ),
    (
        "holiday ends before it starts",
        _add("holidays", ["2025-10-08", "2025-10-01", "holiday"]),
        "holidays.csv",
        2,
        "end",
        "2025-10-01",
        "早于",
    ),
    (
        "bad holiday kind",
        _add("holidays", ["2025-10-01", "2025-10-08", "过节"]),
        "holidays.csv",
        2,
        "kind",
        "过节",
        "放假",
    ),
    (
        "latest before earliest",
        _both(_institution_column("earliest", "2025-06-01"), _institution_column("latest", "2025-05-01")),
        "institutions.csv",
        2,
        "latest",
        "2025-05-01",
        "早于最早开始日期",
    ),
    (
        "deadline before start",
        _set("params", 4, "value", "2024-12-31"),
        "params.csv",
        4,
        "value",
        "2024-12-31",
        "截止日期早于",
    ),
    (
        "team_min above team_max",
        _add("tiers", ["基层", "", "5", "", ""]),
        "tiers.csv",
        2,
        "team_min",
        "5",
        "大于上限 4",
    ),
    (
        "share above 1",
        _add("quotas", ["2025", "基层", "", "150%", ""]),
        "quotas.csv",
        2,
        "min_share",
        "150%",
        "0 到 1",
    ),
    (
        "year outside cycle",
        _set("institutions", 2, "year", "2027"),
        "institutions.csv",
        2,
        "year",
        "2027",
        "2025–2025",
    ),
    (
        "quota year outside cycle",
        _add("quotas", ["2024", "", "", "0.1", ""]),
        "quotas.csv",
        2,
        "year",
        "2024",
        "周期",
    ),
    (
        "minimum below 1",
        _add("tiers", ["二级", "0", "", "", ""]),
        "tiers.csv",
        2,
        "min_days",
        "0",
        "超出范围，应为 1 到 60 之间的整数",
    ),
    ("unknown param", _param("颜色", "红"), "params.csv", 6, "key", "颜色", "不是已知的参数"),
    ("duplicate param", _param("开始日期", "2025-02-03"), "params.csv", 6, "key", "开始日期", "重复"),
    # -- the cell as typed, not as converted
    (
        "unknown expert typed full-width",
        _add("conflicts", ["Ｅ９", "H1", ""]),
        "conflicts.csv",
        2,
        "expert_id",
        "Ｅ９",
        "未找到",
    ),
    (
        "deadline before start, as typed",
        _set("params", 4, "value", "2024年12月31日"),
        "params.csv",
        4,
        "value",
        "2024年12月31日",
        "截止日期早于",
    ),
    # -- every number has a range (SPEC §3: days and sizes in the hundreds at most)
    (
        "400 nines of minimum days",
        _institution_column("min_days", "9" * 400),
        "institutions.csv",
        2,
        "min_days",
        "9" * 59 + "…",
        "应为 1 到 60 之间的整数",
    ),
    (
        "minimum days as an exponent",
        _institution_column("min_days", "1e400"),
        "institutions.csv",
        2,
        "min_days",
        "1e400",
        "应为 1 到 60 之间的整数",
    ),
    (
        "team size 10^20",
        _add("tiers", ["基层", "", "", "100000000000000000000", ""]),
        "tiers.csv",
        2,
        "team_max",
        "100000000000000000000",
        "超出范围，应为 1 到 50 之间的整数",
    ),
    (
        "concurrent visits 10^20",
        _param("max_concurrent_visits", "100000000000000000000"),
        "params.csv",
        6,
        "value",
        "100000000000000000000",
        "1 到 10000 之间的整数",
    ),
    (
        "rest days 2^31",
        _param("rest_days", "2147483648"),
        "params.csv",
        6,
        "value",
        "2147483648",
        "0 到 60 之间的整数",
    ),
    ("notice days negative", _param("notice_days", "-1"), "params.csv", 6, "value", "-1", "0 到 365"),
    (
        "expert days above a year",
        _both(
            lambda sheets: sheets["experts"][0].append("max_days"),
            lambda sheets: sheets["experts"][3].append("367"),
        ),
        "experts.csv",
        4,
        "max_days",
        "367",
        "0 到 366 之间的整数",
    ),
    (
        "year far outside every cycle",
        _set("institutions", 2, "year", "99999"),
        "institutions.csv",
        2,
        "year",
        "99999",
        "1900 到 2200 之间的整数",
    ),
    (
        "quota count beyond reason",
        _add("quotas", ["2025", "", "", "", "1000001"]),
        "quotas.csv",
        2,
        "min_count",
        "1000001",
        "0 到 100000",
    ),
    (
        "date with an absurd year",
        _add("unavailability", ["E1", "2025-03-03", "9999-12-31", ""]),
        "unavailability.csv",
        2,
        "end",
        "9999-12-31",
        "1900 到 2200 年之间的日期",
    ),
    (
        "round longer than ten years",
        _set("params", 4, "value", "2199-12-31"),
        "params.csv",
        4,
        "value",
        "2199-12-31",
        "超过 10 年",
    ),
    (
        "holiday row of a century",
        _add("holidays", ["2025-01-01", "2125-01-01", "holiday"]),
        "holidays.csv",
        2,
        "end",
        "2125-01-01",
        "不超过 366 天",
    ),
    # -- e-mail addresses are checked
    (
        "expert e-mail with a second attendee",
        _both(
            lambda sheets: sheets["experts"][0].append("email"),
            lambda sheets: sheets["experts"][1].append("a@b.com ATTENDEE:mailto:evil@x"),
        ),
        "experts.csv",
        2,
        "email",
        "a@b.com ATTENDEE:mailto:evil@x",
        "电子邮箱地址",
    ),
    (
        "office e-mail without a domain",
        _param("office_email", "xcb@"),
        "params.csv",
        6,
        "value",
        "xcb@",
        "邮箱",
    ),
    (
        "institution e-mail",
        _institution_column("邮箱", "yb.example.cn"),
        "institutions.csv",
        2,
        "邮箱",
        "yb.example.cn",
        "电子邮箱地址",
    ),
    # -- an unknown name near a known one: one "did you mean", no knock-on problems
    (
        "header near a required column",
        _header("experts", "id", "ids"),
        "experts.csv",
        1,
        "ids",
        None,
        "是否是指 “编号”（id）",
    ),
    (
        "header near an optional column",
        _header("institutions", "address", "adress"),
        "institutions.csv",
        1,
        "adress",
        None,
        "是否是指 “地址”（address）",
    ),
    (
        "param near a required one",
        _set("params", 3, "key", "开始日朝"),
        "params.csv",
        3,
        "key",
        "开始日朝",
        "是否是指 “开始日期”（start）",
    ),
    (
        "param near an optional one",
        _param("监督电活", "023-1"),
        "params.csv",
        6,
        "key",
        "监督电活",
        "是否是指 “监督电话”（hotline）",
    ),
]


@pytest.mark.parametrize(
    ("change", "source", "row", "column", "value", "words"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_kind_of_bad_input(
    tmp_path: Path,
    change: Callable[[Sheets], None],
    source: str,
    row: int,
    column: str,
    value: str | None,
    words: str,
) -> None:
    """Each mistake gives exactly one problem, at the file, row and column as written, with the value."""
    sheets = base_sheets()
    change(sheets)
    found = problems(write_folder(tmp_path, sheets))
    assert len(found) == 1, [str(p) for p in found]
    problem = found[0]
    assert (problem.source, problem.row, problem.column, problem.value) == (source, row, column, value)
    assert words in str(problem)


def test_several_problems_at_once_with_chinese_headers(tmp_path: Path) -> None:
    """A workbook with Chinese names and three mistakes in three sheets reports all three, naming the
    sheets and columns as written."""
    sheets = {
        "参数": [["键", "值"], ["名称", "测试"], ["开始日期", "2025-01-06"], ["截止日期", "明年"]],
        "机构": [["编号", "名称", "区县", "类别"], ["H1", "测试医院", "巴南区", "三甲"]],
        "专家": [
            ["编号", "姓名", "区县", "专长"],
            ["E1", "张一", "巴南区", "党建"],
            ["E1", "李二", "巴南区", "财务"],
        ],
    }
    found = problems(write_workbook(tmp_path / "bad.xlsx", sheets))
    assert [(p.source, p.row, p.column, p.value) for p in found] == [
        ("机构", 2, "类别", "三甲"),
        ("专家", 3, "编号", "E1"),
        ("参数", 4, "值", "明年"),
    ]
    assert (
        str(found[0])
        == "机构 第 2 行 “类别” 列：值 “三甲” 无效，应为 三级综合、三级专科、妇幼保健院、二级、基层 之一"
    )


def test_row_numbers_count_blank_rows(tmp_path: Path) -> None:
    """Row numbers are the spreadsheet's: a skipped blank row still counts."""
    sheets = base_sheets()
    sheets["institutions"].insert(2, [])
    sheets["institutions"][3][3] = "三甲"
    (problem,) = problems(write_folder(tmp_path, sheets))
    assert problem.row == 4


def test_missing_folder_or_file(tmp_path: Path) -> None:
    """A path that is not there is a problem, not a traceback."""
    (problem,) = problems(tmp_path / "nowhere")
    assert "找不到" in str(problem) and "nowhere" in problem.source


def test_the_current_folder_is_named_by_its_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``schedule validate . plan.json`` (or an empty path) in a folder that is no scenario: each missing
    file is located at the folder's name, not at an empty one (「：文件夹中缺少文件…」)."""
    folder = tmp_path / "第三轮"
    folder.mkdir()
    monkeypatch.chdir(folder)
    found = problems(Path("."))
    assert found and all(p.source == "第三轮" for p in found), [str(p) for p in found]


def test_missing_sheet_and_missing_column(tmp_path: Path) -> None:
    """A folder without experts.csv and an institutions file without the tier column: both reported."""
    sheets = base_sheets()
    del sheets["experts"]
    for row in sheets["institutions"]:
        del row[3]
    found = problems(write_folder(tmp_path / "s", sheets))
    messages = [str(p) for p in found]
    assert any("experts.csv" in m and "专家.csv" in m for m in messages), messages
    column = next(p for p in found if p.source == "institutions.csv")
    assert column.column == "tier" and column.row is None and "缺少必填列" in str(column)


def test_missing_required_param(tmp_path: Path) -> None:
    """A params sheet without a deadline row names the missing key."""
    sheets = base_sheets()
    del sheets["params"][3]
    (problem,) = problems(write_folder(tmp_path, sheets))
    assert problem.source == "params.csv" and "截止日期" in str(problem) and "deadline" in str(problem)


def test_corrupt_workbook(tmp_path: Path) -> None:
    """A file named .xlsx that is not a workbook is a problem naming the file."""
    path = tmp_path / "broken.xlsx"
    path.write_bytes(b"this is not a zip file")
    (problem,) = problems(path)
    assert problem.source == "broken.xlsx" and "无法打开" in str(problem)


def test_old_xls_is_refused_with_advice(tmp_path: Path) -> None:
    """An .xls file is refused with the advice to save it as .xlsx."""
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    (problem,) = problems(path)
    assert ".xlsx" in str(problem)


def test_csv_in_no_known_encoding(tmp_path: Path) -> None:
    """A CSV whose bytes no encoding reads (a UTF-16 mark before bytes that are not UTF-16) is reported
    naming the file and the encodings that are read."""
    folder = write_folder(tmp_path, base_sheets())
    (folder / "experts.csv").write_bytes(b"\xff\xfei\x00d\x00\x00\xd8")
    (problem,) = problems(folder)
    assert problem.source == "experts.csv" and "编码" in str(problem) and "GB18030" in str(problem)


def test_same_sheet_twice(tmp_path: Path) -> None:
    """institutions.csv and 机构.csv in one folder: the second is reported as a duplicate sheet."""
    sheets = base_sheets()
    sheets["机构"] = sheets["institutions"]
    found = problems(write_folder(tmp_path, sheets))
    assert len(found) == 1 and "重复" in str(found[0])


def test_empty_institutions_sheet(tmp_path: Path) -> None:
    """An institutions sheet with only its header is reported: nothing to plan."""
    sheets = base_sheets()
    sheets["institutions"] = sheets["institutions"][:1]
    (problem,) = problems(write_folder(tmp_path, sheets))
    assert problem.source == "institutions.csv" and "没有数据" in str(problem)


def test_problem_lines_carry_no_control_characters() -> None:
    """A file name or value holding ESC or a right-to-left override prints without them."""
    problem = Problem("a\x1b[2Jb.csv", 2, "名称", "x\u202ey", "文字")
    assert str(problem) == "a[2Jb.csv 第 2 行 “名称” 列：值 “xy” 无效，应为 文字"
