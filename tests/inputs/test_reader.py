"""Reading scenarios that are right: CSV folders and workbooks, English and Chinese names, every sheet."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime
from pathlib import Path

import pytest

from inputs.reader import read_scenario
from inputs.sample import SAMPLE_DIR
from inputs.scenario import (
    DEFAULT_SKILLS,
    DEFAULT_TIER_RULES,
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
from tests.inputs.helpers import base_sheets, problems, write_folder, write_workbook

# -- one complete scenario, written three ways ---------------------------------------------

CHINESE = {
    "参数": [
        ["键", "值"],
        ["名称", "测试区医疗卫生机构巡查（2025-2026年度）"],
        ["开始日期", "2025年3月3日"],
        ["截止日期", "2026/10/30"],
        ["巡查办", "测试区卫生健康委员会巡查工作办公室"],
        ["巡查办邮箱", "ｘｃｂ@example.cn"],
        ["监督电话", "023-66660000"],
        ["举报邮箱", "jubao@example.cn"],
        ["最大并行数", "３"],
        ["仅本区县", "是"],
        ["间隔工作日", "1"],
        ["年度最多天数", "60.0"],
        ["提前通知天数", "10"],
    ],
    "机构": [
        [
            "编号",
            "名称",
            "区县",
            "类别",
            "性质",
            "最少天数",
            "年度",
            "批次",
            "最早开始",
            "最晚结束",
            "免检",
            "地址",
        ],
        [
            "H1",
            "测试区人民医院",
            "巴南区",
            "三级综合",
            "公立",
            "8",
            "2025",
            "第一批",
            "",
            "",
            "否",
            "测试路 1 号",
        ],
        ["H2", "测试区仁爱医院", "巴南区", "二级", "民营", "", "", "", "2025-05-06", "2025-06-30", "", ""],
        ["G1", "测试镇卫生院", "巴南区", "乡镇卫生院", "", "", "2026", "", "", "", "否", ""],
        ["G2", "测试街道社区卫生服务中心", "巴南区", "基层", "", "", "", "", "", "", "是", ""],
    ],
    "专家": [
        ["编号", "姓名", "区县", "专长", "工作单位", "可任组长", "年度最多天数", "邮箱", "电话"],
        [
            "E1",
            "张一",
            "长寿区",
            "党建、行风",
            "长寿区人民医院",
            "是",
            "40",
            "zhang@example.cn",
            "13800000001",
        ],
        ["E2", "李二", "长寿区", "医疗管理，财务", "", "否", "", "", ""],
        ["E3", "王三", "长寿区", "安全生产；党建", "", "√", "", "", ""],
        ["E4", "赵四", "巴南区", "财务", "G1", "否", "", "", ""],
    ],
    "批次": [["名称", "开始", "结束"], ["第一批", "2025-03-03", "2025-06-30"]],
    "类别规则": [["类别", "最少天数", "组员下限", "组员上限", "必备专长"], ["基层", "2", "", "3", ""]],
    "年度指标": [
        ["年度", "类别", "性质", "最低比例", "最低数量"],
        ["2025", "基层", "", "30%", ""],
        ["2025", "二级", "民营", "100%", "1"],
    ],
    "不可用时间": [["专家编号", "开始", "结束", "原因"], ["E2", "2025-04-01", "2025-04-15", "外出进修"]],
    "回避": [["专家编号", "机构编号", "原因"], ["E3", "H2", "近亲属在该院任职"]],
    "交叉检查": [["检查区县", "受检区县", "类别"], ["长寿区", "巴南区", "三级综合、二级"]],
    "巡查组": [["组名", "组长", "成员", "类别"], ["医院组", "E1", "E2;E3", "三级综合;二级"]],
    "节假日调整": [
        ["开始", "结束", "类型"],
        ["2025-10-01", "2025-10-08", "放假"],
        ["2025-09-28", "2025-09-28", "调休上班"],
    ],
}

EXPECTED = Scenario(
    params=Params(
        name="测试区医疗卫生机构巡查（2025-2026年度）",
        start=date(2025, 3, 3),
        deadline=date(2026, 10, 30),
        office="测试区卫生健康委员会巡查工作办公室",
        office_email="xcb@example.cn",
        hotline="023-66660000",
        report_email="jubao@example.cn",
        max_concurrent_visits=3,
        home_district_only=True,
        rest_days=1,
        max_days_per_year=60,
        notice_days=10,
    ),
    institutions=(
        Institution(
            "H1",
            "测试区人民医院",
            "巴南区",
            "tertiary_general",
            "public",
            8,
            2025,
            "第一批",
            address="测试路 1 号",
        ),
        Institution(
            "H2",
            "测试区仁爱医院",
            "巴南区",
            "secondary",
            "private",
            earliest=date(2025, 5, 6),
            latest=date(2025, 6, 30),
        ),
        Institution("G1", "测试镇卫生院", "巴南区", "grassroots", year=2026),
        Institution("G2", "测试街道社区卫生服务中心", "巴南区", "grassroots", exempt=True),
    ),
    experts=(
        Expert(
            "E1",
            "张一",
            "长寿区",
            ("党建", "行风"),
            "长寿区人民医院",
            True,
            40,
            "zhang@example.cn",
            "13800000001",
        ),
        Expert("E2", "李二", "长寿区", ("医疗管理", "财务")),
        Expert("E3", "王三", "长寿区", ("安全生产", "党建"), leader=True),
        Expert("E4", "赵四", "巴南区", ("财务",), employer="G1"),
    ),
    tier_rules={**DEFAULT_TIER_RULES, "grassroots": TierRule("grassroots", 2, 2, 3, DEFAULT_SKILLS)},
    batches=(Batch("第一批", date(2025, 3, 3), date(2025, 6, 30)),),
    quotas=(Quota(2025, "grassroots", None, 0.3, 0), Quota(2025, "secondary", "private", 1.0, 1)),
    unavailability=(Unavailability("E2", date(2025, 4, 1), date(2025, 4, 15), "外出进修"),),
    conflicts=(Conflict("E3", "H2", "近亲属在该院任职"),),
    pairings=(Pairing("长寿区", "巴南区", ("tertiary_general", "secondary")),),
    teams=(Team("医院组", "E1", ("E1", "E2", "E3"), ("tertiary_general", "secondary")),),
    holidays=(
        HolidayRow(date(2025, 10, 1), date(2025, 10, 8), "holiday"),
        HolidayRow(date(2025, 9, 28), date(2025, 9, 28), "workday"),
    ),
)

ENGLISH_NAMES = {
    "参数": "params",
    "机构": "institutions",
    "专家": "experts",
    "批次": "batches",
    "类别规则": "tiers",
    "年度指标": "quotas",
    "不可用时间": "unavailability",
    "回避": "conflicts",
    "交叉检查": "pairings",
    "巡查组": "teams",
    "节假日调整": "holidays",
}
ENGLISH_HEADERS = {
    "参数": ["key", "value"],
    "机构": [
        "id",
        "name",
        "district",
        "tier",
        "ownership",
        "min_days",
        "year",
        "batch",
        "earliest",
        "latest",
        "exempt",
        "address",
    ],
    "专家": ["id", "name", "district", "skills", "employer", "leader", "max_days", "email", "phone"],
    "批次": ["name", "start", "end"],
    "类别规则": ["tier", "min_days", "team_min", "team_max", "required_skills"],
    "年度指标": ["year", "tier", "ownership", "min_share", "min_count"],
    "不可用时间": ["expert_id", "start", "end", "reason"],
    "回避": ["expert_id", "institution_id", "reason"],
    "交叉检查": ["inspecting_district", "inspected_district", "tiers"],
    "巡查组": ["team", "leader", "members", "tiers"],
    "节假日调整": ["start", "end", "kind"],
}
PARAM_ENGLISH = {
    "名称": "name",
    "开始日期": "start",
    "截止日期": "deadline",
    "巡查办": "office",
    "巡查办邮箱": "office_email",
    "监督电话": "hotline",
    "举报邮箱": "report_email",
    "最大并行数": "max_concurrent_visits",
    "仅本区县": "home_district_only",
    "间隔工作日": "rest_days",
    "年度最多天数": "max_days_per_year",
    "提前通知天数": "notice_days",
}


def english() -> dict[str, list[list[str]]]:
    """CHINESE with English sheet names, headers and param keys (values left as they are)."""
    sheets = {}
    for zh, rows in CHINESE.items():
        body = [list(r) for r in rows[1:]]
        if zh == "参数":
            body = [[PARAM_ENGLISH[k], v] for k, v in body]
        sheets[ENGLISH_NAMES[zh]] = [ENGLISH_HEADERS[zh], *body]
    return sheets


def same(a: Scenario, b: Scenario) -> bool:
    return dataclasses.replace(a, source="") == dataclasses.replace(b, source="")


def test_chinese_csv_folder_with_bom(tmp_path: Path) -> None:
    """Chinese file names, headers, param keys and values (with a BOM) give the expected scenario."""
    scenario = read_scenario(write_folder(tmp_path / "zh", CHINESE, bom=True))
    assert same(scenario, EXPECTED)
    assert scenario.source == str(tmp_path / "zh")


def test_english_csv_folder(tmp_path: Path) -> None:
    """The same scenario with English sheet, column and key names reads the same."""
    assert same(read_scenario(write_folder(tmp_path / "en", english())), EXPECTED)


def test_chinese_workbook(tmp_path: Path) -> None:
    """The same scenario as an .xlsx workbook with Chinese sheet names reads the same."""
    assert same(read_scenario(write_workbook(tmp_path / "s.xlsx", CHINESE)), EXPECTED)


def test_workbook_with_excel_typed_cells(tmp_path: Path) -> None:
    """Excel date cells, numbers (2025.0, 5) and boolean cells are read as dates, ints and booleans."""
    sheets = base_sheets()
    sheets["params"][2] = ["start", datetime(2025, 1, 6)]
    sheets["params"][4] = ["home_district_only", True]
    sheets["institutions"][1] = ["H1", "测试区人民医院", "巴南区", "tertiary_general", "公立", 2025.0, None]
    sheets["experts"][0].append("max_days")
    sheets["experts"][1] = ["E1", "张一", "巴南区", "党建;行风", "H1", True, 30]
    sheets["experts"][2] = [1001, "李二", "巴南区", "医疗管理、财务", None, False]
    scenario = read_scenario(write_workbook(tmp_path / "typed.xlsx", sheets))
    assert scenario.params.start == date(2025, 1, 6)
    assert scenario.params.home_district_only is True
    assert scenario.institutions[0].year == 2025
    assert scenario.experts[0].leader is True and scenario.experts[0].max_days == 30
    assert scenario.experts[1].id == "1001" and scenario.experts[1].employer is None


def test_minimal_folder_uses_defaults(tmp_path: Path) -> None:
    """Only the three required sheets: defaults fill the rest; employer text and ids are kept as written."""
    scenario = read_scenario(write_folder(tmp_path, base_sheets()))
    assert [i.id for i in scenario.institutions] == ["H1", "G1"]
    assert scenario.institutions[1].ownership == "public" and scenario.institutions[1].year is None
    assert scenario.experts[0].employer == "H1"
    assert scenario.experts[1].employer == "测试区卫生健康委员会"
    assert scenario.experts[1].skills == ("医疗管理", "财务")
    assert [e.leader for e in scenario.experts] == [True, False, True]
    assert scenario.tier_rules == DEFAULT_TIER_RULES
    assert scenario.params.notice_days == 30 and scenario.params.max_concurrent_visits is None
    assert scenario.batches == () and scenario.holidays == ()


def test_empty_rows_skipped_extra_columns_ignored(tmp_path: Path) -> None:
    """Blank rows are skipped and a planner's own columns (备注) are ignored."""
    sheets = base_sheets()
    sheets["institutions"][0].append("备注")
    sheets["institutions"].insert(2, ["", "", "", "", "", "", "", ""])
    sheets["institutions"].append([])
    sheets["institutions"][1].append("上次巡查 2022 年")
    scenario = read_scenario(write_folder(tmp_path, sheets))
    assert [i.id for i in scenario.institutions] == ["H1", "G1"]


def test_tier_rules_override_only_given_columns(tmp_path: Path) -> None:
    """A tiers row changes the columns it fills; the rest keep the defaults, other tiers untouched."""
    sheets = base_sheets()
    sheets["tiers"] = [
        ["tier", "team_max", "required_skills"],
        ["三级综合", "12", "党建;行风;医疗管理;财务;安全生产;信息化"],
    ]
    sheets["experts"].append(["E4", "赵四", "长寿区", "信息化", "", ""])
    scenario = read_scenario(write_folder(tmp_path, sheets))
    rule = scenario.rule("tertiary_general")
    assert (rule.min_days, rule.team_min, rule.team_max) == (7, 4, 12)
    assert "信息化" in rule.required_skills and "信息化" in scenario.known_skills
    assert scenario.rule("secondary") == DEFAULT_TIER_RULES["secondary"]


def test_team_leader_added_to_members(tmp_path: Path) -> None:
    """A team whose members column leaves out the leader gets the leader added first."""
    sheets = base_sheets()
    sheets["teams"] = [["team", "leader", "members"], ["A组", "E1", "E2、E3"], ["B组", "E3", "E2;E3"]]
    scenario = read_scenario(write_folder(tmp_path, sheets))
    assert scenario.teams[0].members == ("E1", "E2", "E3")
    assert scenario.teams[1].members == ("E2", "E3")


def test_sample_reads_and_is_staffable() -> None:
    """The built-in sample reads cleanly: 6 hospitals and 12 grassroots of annex 4, 长寿区 able to staff the
    hospital tiers (each skill held by at least 4, with leaders) and 巴南区 the grassroots."""
    scenario = read_scenario(SAMPLE_DIR)
    assert len(scenario.institutions) == 18
    hospitals = [i for i in scenario.institutions if i.tier != "grassroots"]
    assert len(hospitals) == 6
    assert {i.year for i in scenario.institutions} == {2024, 2025, 2026}
    assert all(sum(i.year == y for i in scenario.institutions) == 6 for y in (2024, 2025, 2026))
    assert scenario.params.home_district_only
    pairing = scenario.pairings[0]
    assert (pairing.inspecting_district, pairing.inspected_district) == ("长寿区", "巴南区")
    assert not pairing.covers("grassroots")
    for district in ("长寿区", "巴南区"):
        pool = [e for e in scenario.experts if e.district == district]
        assert sum(e.leader for e in pool) >= 3
        for skill in DEFAULT_SKILLS:
            assert sum(skill in e.skills for e in pool) >= 4, (district, skill)
    employers = {e.employer for e in scenario.experts}
    assert employers & set(scenario.institution_by_id)  # some experts work at inspected institutions


@pytest.mark.parametrize("as_workbook", [False, True])
def test_2027_round_needs_holidays(tmp_path: Path, as_workbook: bool) -> None:
    """A round into 2027 (beyond the packaged calendar) is rejected naming 2027 and 节假日调整, and is
    accepted once the holidays sheet lists 2027's days."""
    sheets = base_sheets()
    sheets["params"][3] = ["deadline", "2027-06-30"]
    write = (
        (lambda s, name: write_workbook(tmp_path / f"{name}.xlsx", s))
        if as_workbook
        else (lambda s, name: write_folder(tmp_path / name, s))
    )
    found = problems(write(sheets, "without"))
    assert len(found) == 1
    assert "2027" in str(found[0]) and "节假日调整" in str(found[0])

    sheets["holidays"] = [["start", "end", "kind"], ["2027-01-01", "2027-01-01", "holiday"]]
    scenario = read_scenario(write(sheets, "with"))
    assert scenario.calendar.knows(2027)
    assert not scenario.calendar.is_workday(date(2027, 1, 1))


def test_headers_match_whatever_their_case_width_or_spaces(tmp_path: Path) -> None:
    """Headers like "ID", " Name ", "ＴＩＥＲ" and sheet files named "Institutions.CSV" are recognised."""
    sheets = base_sheets()
    sheets["institutions"][0][:4] = ["ID", " Name ", "District", "ＴＩＥＲ"]
    folder = write_folder(tmp_path, sheets)
    (folder / "institutions.csv").rename(folder / "Institutions.CSV")
    assert [i.tier for i in read_scenario(folder).institutions] == ["tertiary_general", "grassroots"]
