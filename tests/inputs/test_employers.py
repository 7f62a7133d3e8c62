"""R6 employer resolution (inputs.employers): short names, aliases, ambiguity, near misses, external
employers — on the resolver alone, through the reader, and end to end through solve and validate."""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from cli import EXIT_INPUT, app
from constraints.registry import validate
from inputs.employers import Named, Resolver, review
from inputs.reader import read_scenario
from outputs.scenario_csv import write_scenario_csv
from scheduler.solve import solve
from tests.inputs.helpers import Sheets, base_sheets, problems, write_folder, write_workbook

TAIYUAN = [
    Named("T01", "太原市人民医院"),
    Named("T02", "小店区人民医院"),
    Named("T03", "太原市第一人民医院", ("市一院",)),
    Named("T04", "山西省人民医院"),
    Named("T05", "太原市第二人民医院"),
    Named("T06", "太原市疾病预防控制中心"),
]


@pytest.fixture
def resolver() -> Resolver:
    return Resolver(TAIYUAN, districts=["小店区", "迎泽区"], round_name="太原市医疗卫生机构巡查（2025年度）")


# -- the resolver -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "how", "inst"),
    [
        ("T01", "id", "T01"),
        ("ｔ０１", "id", "T01"),  # width and case ignored
        ("太原市 人民医院", "name", "T01"),  # white space ignored
        ("市人民医院", "place", "T01"),  # the city cut to its level
        ("山西省太原市人民医院", "place", "T01"),  # a broader place the name leaves out
        ("区人民医院", "place", "T02"),
        ("太原市小店区人民医院", "place", "T02"),  # the round's place added
        ("省人民医院", "place", "T04"),
        ("第一人民医院", "place", "T03"),
        ("市一院", "alias", "T03"),
        ("太原市一院", "place", "T03"),  # an alias with the round's place
    ],
)
def test_short_names_and_aliases_name_the_institution(
    resolver: Resolver, text: str, how: str, inst: str
) -> None:
    """An id, a name, an alias, or either with the round's place prefix dropped or cut to its level
    names exactly one institution."""
    resolution = resolver.resolve(text)
    assert (resolution.how, resolution.institution, resolution.problem()) == (how, inst, None)
    assert resolution.employer == inst and resolution.text == text


def test_a_suffix_two_hospitals_share_is_ambiguous_and_lists_both(resolver: Resolver) -> None:
    """人民医院 may be 太原市人民医院, 小店区人民医院 or 山西省人民医院: an error naming each with its id."""
    resolution = resolver.resolve("人民医院")
    assert resolution.how == "ambiguous" and resolution.institution is None
    assert [c.id for c in resolution.candidates] == ["T01", "T02", "T04"]
    problem = resolution.problem()
    assert problem is not None
    reason, expected = problem
    assert "T01（太原市人民医院）" in reason and "T02（小店区人民医院）" in reason
    assert "编号" in expected


@pytest.mark.parametrize(
    ("text", "inst"),
    [
        ("太原人民医院", "T01"),  # the city without its level
        ("市人民医", "T01"),  # a character missing
        ("太原市人民醫院", "T01"),  # a character changed
        ("太原市人民医院检验科", "T01"),  # a department
        ("市二院", "T05"),  # a short form
        ("疾控中心", "T06"),
    ],
)
def test_a_near_miss_is_an_error_naming_the_candidate(resolver: Resolver, text: str, inst: str) -> None:
    """Close to an institution's name without naming it: the planner is asked for the id."""
    resolution = resolver.resolve(text)
    assert resolution.how == "near"
    assert [c.id for c in resolution.candidates] == [inst]
    problem = resolution.problem()
    assert problem is not None and resolver.institutions[int(inst[1:]) - 1].label() in problem[0]
    assert inst in problem[1]


@pytest.mark.parametrize(
    "text",
    [
        "市卫健委",
        "山西医科大学",
        "迎泽区人民医院",  # another district's hospital
        "晋中市人民医院",  # another city's
        "太原市第三人民医院",  # another ordinal than the round's
        "人民医院第一分院",  # not a short form of 第一人民医院 or 第二人民医院
        "太原市中心医院",
    ],
)
def test_a_text_naming_no_institution_of_the_round_is_accepted(resolver: Resolver, text: str) -> None:
    """An employer outside the round is kept as typed, without a problem."""
    resolution = resolver.resolve(text)
    assert (resolution.how, resolution.problem(), resolution.employer) == ("external", None, text)


def test_the_planner_may_mark_a_near_name_as_another_unit(resolver: Resolver) -> None:
    """（外单位） after a name close to an institution's says it is another unit: accepted as typed."""
    resolution = resolver.resolve("太原人民医院（外单位）")
    assert (resolution.how, resolution.problem()) == ("external", None)


def test_another_districts_hospital_is_no_near_miss_of_the_rounds() -> None:
    """Seed 003's shape: 长寿区 experts of 重庆市长寿区人民医院 in a 巴南区 round are external, though
    their hospital differs from 重庆市巴南区人民医院 only by the district."""
    resolver = Resolver(
        [Named("BN-H1", "重庆市巴南区人民医院"), Named("BN-H2", "重庆市第七人民医院", ("市七院",))],
        districts=["巴南区", "长寿区"],
        round_name="重庆市巴南区医疗卫生机构巡查（2024-2026年度）",
    )
    assert resolver.resolve("重庆市长寿区人民医院").how == "external"
    assert resolver.resolve("巴南区人民医院").institution == "BN-H1"
    assert resolver.resolve("重庆市七院").institution == "BN-H2"
    assert resolver.resolve("重庆市人民医院").how == "external"  # the city's, not the district's


# -- through the reader -----------------------------------------------------------------------------


def _taiyuan_sheets() -> Sheets:
    sheets = base_sheets()
    sheets["params"][1] = ["name", "太原市医疗卫生机构巡查（2025年度）"]
    sheets["institutions"] = [
        ["id", "name", "district", "tier", "aliases"],
        ["T01", "太原市人民医院", "迎泽区", "grassroots", ""],
        ["T02", "小店区人民医院", "小店区", "grassroots", "小店医院、区医院"],
    ]
    return sheets


def _set_employer(sheets: Sheets, expert_id: str, text: str) -> Sheets:
    header = sheets["experts"][0]
    for row in sheets["experts"][1:]:
        if row[0] == expert_id:
            row[header.index("employer")] = text
    return sheets


def test_the_reader_carries_the_resolved_id_and_scenario_csv_writes_it(tmp_path: Path) -> None:
    """市人民医院 and an alias are read as the institutions' ids (the text kept for display), and the
    normalised scenario/experts.csv carries the ids, so validate and replan see the recusal."""
    sheets = _set_employer(_taiyuan_sheets(), "E1", "市人民医院")
    _set_employer(sheets, "E2", "区医院")
    scenario = read_scenario(write_folder(tmp_path / "in", sheets))
    by_id = scenario.expert_by_id
    assert (by_id["E1"].employer, by_id["E1"].employer_text) == ("T01", "市人民医院")
    assert (by_id["E2"].employer, by_id["E2"].employer_text) == ("T02", "区医院")
    assert scenario.institution_by_id["T02"].aliases == ("小店医院", "区医院")
    write_scenario_csv(scenario, tmp_path / "out")
    with (tmp_path / "out" / "experts.csv").open(encoding="utf-8-sig", newline="") as handle:
        rows = {r["id"]: r for r in csv.DictReader(handle)}
    assert (rows["E1"]["employer"], rows["E2"]["employer"]) == ("T01", "T02")
    assert replace(read_scenario(tmp_path / "out"), source="") == replace(scenario, source="")
    assert [(r.text, r.institution, r.experts) for r in review(scenario)] == [
        ("市人民医院", "T01", ("E1",)),
        ("区医院", "T02", ("E2",)),
    ]


def test_a_workbook_with_the_chinese_alias_column(tmp_path: Path) -> None:
    """The 别名 column of a workbook's 机构 sheet is read, and an expert's employer typed as an alias
    names that institution."""
    sheets = _set_employer(_taiyuan_sheets(), "E1", "小店医院")
    sheets["institutions"][0] = ["编号", "名称", "区县", "类别", "别名"]
    scenario = read_scenario(write_workbook(tmp_path / "round.xlsx", sheets))
    assert scenario.expert_by_id["E1"].employer == "T02"


def test_an_ambiguous_employer_is_an_input_error_at_its_cell(tmp_path: Path) -> None:
    """人民医院 with both hospitals in the round: one problem at experts row 2, column 工作单位 as
    written, the value as typed, both candidates listed and the id asked for."""
    sheets = _set_employer(_taiyuan_sheets(), "E1", " 人民医院")
    sheets["experts"][0] = ["编号", "姓名", "区县", "专长", "工作单位", "可任组长"]
    found = problems(write_folder(tmp_path, sheets))
    assert len(found) == 1
    problem = found[0]
    assert (problem.source, problem.row, problem.column, problem.value) == (
        "experts.csv",
        2,
        "工作单位",
        "人民医院",
    )
    assert "T01（太原市人民医院）" in str(problem) and "T02（小店区人民医院）" in str(problem)
    assert "编号" in str(problem)


def test_a_near_miss_exits_3_through_solve(tmp_path: Path) -> None:
    """The CLI stops with exit 3 on a near miss and writes nothing."""
    folder = write_folder(tmp_path / "in", _set_employer(_taiyuan_sheets(), "E1", "太原人民医院"))
    result = CliRunner().invoke(app, ["solve", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == EXIT_INPUT
    assert "太原人民医院" in result.output and "T01（太原市人民医院）" in result.output
    assert not (tmp_path / "out").exists()


# -- end to end: the short-named employer never inspects their hospital ---------------------------------

SKILLS = "党建;行风;医疗管理;财务;安全生产"


def _round(employer: str) -> Sheets:
    """Two one-day grassroots visits, three all-round experts; E1 works at T01 under a short name."""
    return {
        "params": [
            ["key", "value"],
            ["name", "太原市医疗卫生机构巡查（2025年度）"],
            ["start", "2025-03-03"],
            ["deadline", "2025-06-30"],
        ],
        "institutions": [
            ["id", "name", "district", "tier"],
            ["T01", "太原市人民医院", "迎泽区", "grassroots"],
            ["T02", "小店区妇幼保健院", "小店区", "grassroots"],
        ],
        "experts": [
            ["id", "name", "district", "skills", "employer", "leader"],
            ["E1", "张一", "迎泽区", SKILLS, employer, "是"],
            ["E2", "李二", "迎泽区", SKILLS, "市卫健委", "是"],
            ["E3", "王三", "小店区", SKILLS, "", "是"],
        ],
    }


def test_solve_keeps_the_short_named_employer_off_their_hospital(tmp_path: Path) -> None:
    """With E1's 工作单位 typed 市人民医院, T01's team is E2 and E3 in every plan; the validator
    flags a plan that puts E1 there, and accepts it once the text names no institution."""
    scenario = read_scenario(write_folder(tmp_path, _round("市人民医院")))
    result = solve(scenario, time_limit=5, seed=0, workers=1)
    visit = next(v for v in result.plan.visits if v.institution == "T01")
    assert "E1" not in visit.members and validate(scenario, result.plan) == []
    moved = replace(visit, leader="E1", members=("E1", *visit.members[1:]))
    broken = replace(result.plan, visits=tuple(moved if v is visit else v for v in result.plan.visits))
    assert "R6" in {v.rule for v in validate(scenario, broken)}
    external = read_scenario(write_folder(tmp_path / "external", _round("市卫生健康委员会")))
    assert "R6" not in {v.rule for v in validate(external, broken)}


def test_validate_of_the_plan_folder_sees_the_resolved_employer(tmp_path: Path) -> None:
    """solve lists the external employer for review; validate of OUT/scenario (which carries T01 for
    市人民医院) exits 1 on a plan.json edited to put E1 on T01's team."""
    runner = CliRunner()
    folder = write_folder(tmp_path / "in", _round("市人民医院"))
    out = tmp_path / "out"
    solved = runner.invoke(
        app, ["solve", str(folder), "--out", str(out), "--time-limit", "5", "--workers", "1"]
    )
    assert solved.exit_code == 0, solved.output
    assert "以下专家的工作单位不是本轮受检机构" in solved.output and "市卫健委：李二（E2）" in solved.output
    assert "市人民医院 → 太原市人民医院（T01）：张一（E1）" in solved.output
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    visit = next(v for v in plan["visits"] if v["institution"] == "T01")
    visit["leader"], visit["members"][0] = "E1", "E1"
    edited = tmp_path / "plan.json"
    edited.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    checked = runner.invoke(app, ["validate", str(out / "scenario"), str(edited)])
    assert checked.exit_code == 1 and "【回避（R6）】" in checked.output
    facts = [tuple(r) for r in load_workbook(out / "plan.xlsx")["求解信息"].iter_rows(values_only=True)]
    section = facts.index(next(r for r in facts if r[0] == "工作单位核对"))
    assert facts[section + 1 :] == [
        ("市卫健委", "不是本轮受检机构：李二（E2）"),
        ("市人民医院", "识别为 太原市人民医院（T01）：张一（E1）"),
    ]
