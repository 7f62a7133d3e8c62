"""Reading R4's division of work from the tiers sheet: `技能*N` counts and 分组巡查 (one_part_each)."""

from __future__ import annotations

from pathlib import Path

import pytest

from inputs.reader import read_scenario
from inputs.scenario import DEFAULT_TIER_RULES
from outputs.scenario_csv import write_scenario_csv
from tests.inputs.helpers import base_sheets, problems, write_folder, write_workbook

FIVE = "党建;行风;医疗管理;财务;安全生产"


def _tiers(*rows: list[str]) -> dict:
    sheets = base_sheets()
    sheets["tiers"] = [["tier", "team_max", "required_skills", "one_part_each"], *rows]
    return sheets


@pytest.mark.parametrize(
    "written",
    [
        "党建;行风;医疗管理*2;财务;安全生产",
        "党建、行风、医疗管理×2、财务、安全生产",
        "党建;行风;医疗管理x2;财务;安全生产",
        "党建；行风；医疗管理＊２；财务；安全生产",
        "党建;行风;医疗管理 * 2;财务;安全生产",
    ],
)
def test_part_counts_in_every_spelling(tmp_path: Path, written: str) -> None:
    """`医疗管理*2`, `×2`, `x2`, full-width and spaced forms all mean two members on 医疗管理."""
    scenario = read_scenario(write_folder(tmp_path, _tiers(["三级综合", "", written, "是"])))
    rule = scenario.rule("tertiary_general")
    assert rule.required_skills == ("党建", "行风", "医疗管理", "财务", "安全生产")
    assert rule.count("医疗管理") == 2 and rule.count("党建") == 1
    assert rule.one_part_each and rule.divides_work
    assert "医疗管理" in scenario.known_skills


def test_defaults_keep_todays_rules(tmp_path: Path) -> None:
    """Without counts or 分组巡查 every tier reads as before: count 1, one_part_each 否."""
    scenario = read_scenario(write_folder(tmp_path, _tiers(["二级", "", FIVE, ""])))
    assert scenario.rule("secondary") == DEFAULT_TIER_RULES["secondary"]
    assert not scenario.rule("secondary").divides_work


@pytest.mark.parametrize(
    ("written", "value", "words"),
    [
        ("党建;医疗管理*0", "医疗管理*0", "1 到 50"),
        ("党建;医疗管理*1000", "医疗管理*1000", "1 到 50"),
        ("党建;医疗管理*两", "医疗管理*两", "分工人数无效"),
        ("党建;医疗管理*2;医疗管理", "医疗管理", "重复"),
    ],
)
def test_bad_counts_name_the_cell(tmp_path: Path, written: str, value: str, words: str) -> None:
    """A count that is not 1–50, text, or a skill written twice is one problem naming the cell."""
    found = problems(write_folder(tmp_path, _tiers(["二级", "", written, ""])))
    assert len(found) == 1, [str(p) for p in found]
    problem = found[0]
    assert (problem.source, problem.row, problem.column, problem.value) == (
        "tiers.csv",
        2,
        "required_skills",
        value,
    )
    assert words in str(problem)


def test_counts_beyond_the_team_are_refused(tmp_path: Path) -> None:
    """A part needing more than team_max, or (分组巡查) parts adding up past it, is an input error."""
    found = problems(write_folder(tmp_path, _tiers(["二级", "4", "党建;医疗管理*5", ""])))
    assert [(p.column, "超过组员上限 4" in str(p)) for p in found] == [("required_skills", True)]
    found = problems(write_folder(tmp_path / "b", _tiers(["二级", "4", "党建;行风;医疗管理*2;财务", "是"])))
    assert [(p.column, "共需 5 人" in str(p)) for p in found] == [("one_part_each", True)]


def test_chinese_headers_in_a_workbook(tmp_path: Path) -> None:
    """The Chinese column 分组巡查 and `技能*N` read from an .xlsx workbook."""
    sheets = base_sheets()
    sheets["类别规则"] = [
        ["类别", "必备专长", "分组巡查"],
        ["二级", "党建;行风;医疗管理*2;财务;安全生产", "是"],
    ]
    scenario = read_scenario(write_workbook(tmp_path / "s.xlsx", sheets))
    assert scenario.rule("secondary").one_part_each
    assert scenario.rule("secondary").part_counts == (("医疗管理", 2),)


def test_counts_survive_the_scenario_export(tmp_path: Path) -> None:
    """The normalised scenario/ folder writes `医疗管理*2` and 分组巡查 back, so it reads the same."""
    scenario = read_scenario(write_folder(tmp_path / "in", _tiers(["三级综合", "", "党建;医疗管理*3", "是"])))
    write_scenario_csv(scenario, tmp_path / "out")
    again = read_scenario(tmp_path / "out")
    assert again.tier_rules == scenario.tier_rules
