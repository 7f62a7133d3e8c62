"""The whole round's inputs (issue 10): the R14/R15 params with their defaults, and the 回头看 column."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from inputs.reader import read_scenario
from tests.inputs.helpers import base_sheets, problems, write_folder


def test_defaults_of_the_whole_round():
    """Without the new keys: 30 days' notice, self-report 15 days before, feedback 30 and rectification
    60 days after, no share of follow-ups, 1-day follow-ups by 2–3 experts, continuity on."""
    from inputs.scenario import Params

    p = Params("x", date(2025, 1, 1), date(2025, 12, 31))
    assert (p.notice_days, p.self_report_days, p.feedback_days, p.rectify_days) == (30, 15, 30, 60)
    assert (p.followup_share, p.followup_days, p.followup_team_min, p.followup_team_max) == (0.0, 1, 2, 3)
    assert p.followup_deadline is None and p.followup_continuity is True


def test_params_and_followup_column_are_read(tmp_path: Path):
    """Chinese keys and values: 回头看比例 20%, 回头看截止日期 in Chinese form, 保留原组员 否; the
    回头看 column is 是, 否 or blank (the share may then choose it)."""
    sheets = base_sheets()
    sheets["params"] += [
        ["回头看比例", "20%"],
        ["回头看截止日期", "2025年12月15日"],
        ["回头看保留原组员", "否"],
        ["整改天数", "45"],
    ]
    sheets["institutions"][0] += ["回头看", "联系人"]
    sheets["institutions"][1] += ["是", "王主任"]
    sheets["institutions"][2] += ["", ""]
    scenario = read_scenario(write_folder(tmp_path / "s", sheets))
    p = scenario.params
    assert p.followup_share == 0.2 and p.followup_deadline == date(2025, 12, 15)
    assert p.followup_continuity is False and p.rectify_days == 45
    h1, g1 = scenario.institutions
    assert (h1.followup, h1.contact) == (True, "王主任") and g1.followup is None


def test_followup_team_minimum_above_maximum_is_an_error(tmp_path: Path):
    """回头看组员下限 4 with the default maximum 3 names the row, the value and what is expected."""
    sheets = base_sheets()
    sheets["params"].append(["followup_team_min", "4"])
    (problem,) = problems(write_folder(tmp_path / "s", sheets))
    assert "回头看组员下限 4 大于上限 3" in str(problem) and "4" in str(problem)
