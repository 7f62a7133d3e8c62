"""Public notices: one per visited institution, with dates, team, discipline and channels."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from inputs.scenario import Scenario
from outputs.labels import date_cn, display_width
from outputs.notices import PAGE_WIDTH, notice_text, wrap, write_notices
from scheduler.plan import Plan


def test_one_notice_per_visit_and_none_for_the_left_out(
    tmp_path: Path, scenario: Scenario, plan: Plan
) -> None:
    """H1, H2 and G1 are visited and get a notice; G2 (left out) and S1 (exempt) get none."""
    write_notices(scenario, plan, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["G1.txt", "H1.txt", "H2.txt"]


def test_a_notice_gives_dates_team_discipline_and_channels(
    tmp_path: Path, scenario: Scenario, plan: Plan
) -> None:
    """Each notice names the dates, the leader and members with roles, the discipline, hotline and e-mail."""
    write_notices(scenario, plan, tmp_path)
    for visit in plan.visits:
        text = (tmp_path / f"{visit.institution}.txt").read_text(encoding="utf-8")
        flat = "".join(line.strip() for line in text.splitlines())
        assert date_cn(visit.start) in flat and date_cn(visit.end) in flat
        leader = scenario.expert_by_id[visit.leader].name
        assert f"组长：{leader}" in flat
        for member in visit.members:
            if member != visit.leader:
                assert f"组员：{scenario.expert_by_id[member].name}" in flat
        assert "中央八项规定" in flat
        assert "不干预" in flat and "不处理具体事务" in flat
        assert "023-66660000" in flat and "jubao@example.gov.cn" in flat
        assert "测试区卫生健康委员会巡查办" in flat
        assert scenario.institution_by_id[visit.institution].name in flat


def test_the_notice_is_dated_the_working_day_before_the_visit(scenario: Scenario, plan: Plan) -> None:
    """H1 starts Monday 25 November 2024: the notice is dated Friday 22 November."""
    text = notice_text(scenario, plan.visit_of("H1"))
    assert text.rstrip().endswith("2024年11月22日")


def test_notices_are_utf8_with_windows_line_endings(tmp_path: Path, scenario: Scenario, plan: Plan) -> None:
    """The files decode as UTF-8 and every line ends with CRLF, so Notepad prints them as they are."""
    write_notices(scenario, plan, tmp_path)
    data = (tmp_path / "H1.txt").read_bytes()
    text = data.decode("utf-8")
    assert "\n" not in text.replace("\r\n", "")
    assert text.endswith("\r\n")


def test_lines_fit_the_page_and_keep_numbers_whole(scenario: Scenario, plan: Plan) -> None:
    """No line is wider than the page; the phone number and e-mail address are never split."""
    text = notice_text(scenario, plan.visit_of("H2"))
    for line in text.splitlines():
        assert display_width(line) <= PAGE_WIDTH, line
    assert "023-66660000" in text and "jubao@example.gov.cn" in text


def test_wrap_keeps_closing_punctuation_off_the_line_start() -> None:
    """A break that would put '，' first on a line moves it to the end of the line before."""
    lines = wrap("一二三四，五六", 8)
    assert lines == ["一二三四，", "五六"]
    assert all(not line.startswith("，") for line in lines)


def test_missing_channels_are_marked_for_the_office(scenario: Scenario, plan: Plan) -> None:
    """Without hotline and report e-mail in params, the notice asks the office to fill them in."""
    params = dataclasses.replace(scenario.params, hotline=None, report_email=None)
    text = notice_text(dataclasses.replace(scenario, params=params), plan.visit_of("G1"))
    assert text.count("（请巡查办填写）") == 2
