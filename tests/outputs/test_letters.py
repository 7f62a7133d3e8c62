"""The whole round in the outputs (issue 10): letters/ (巡查通知), the 时间节点 sheet, the report's
table and the office's calendar of milestones."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import icalendar
import openpyxl

from outputs.documents import document_text
from outputs.folder import write_plan_folder
from outputs.letters import letter_text, write_letters
from outputs.milestones import MILESTONE_LABELS
from outputs.notices import write_notices
from outputs.report import report_html
from scheduler.milestones import milestones
from scheduler.plan import Plan, Visit
from scheduler.replan import Change

ANNOUNCED = date(2024, 11, 1)


def _whole(scenario, plan: Plan) -> Plan:
    """The fixture plan announced on 2024-11-01, with its milestones and a follow-up of H1."""
    followup = Visit("H1", date(2025, 3, 20), date(2025, 3, 20), 1, "E02", ("E02", "E04"), kind="followup")
    visits = (*plan.visits, followup)
    return replace(
        plan, visits=visits, announced=ANNOUNCED, milestones=milestones(scenario.params, visits, ANNOUNCED)
    )


def test_letter_names_the_dates_and_what_to_prepare(scenario, plan):
    """H1 (11-25..12-03, 30 days' notice): the letter is dated 11-01 (the announcement, as 10-26 is
    before it), the self-inspection report is due 11-10 at the office's address, the feedback on
    2025-01-02, the rectification report on 2025-03-03; it asks for a contact and an office, and
    names the follow-up."""
    whole = _whole(scenario, plan)
    text = letter_text(scenario, whole, whole.visit_of("H1"))
    assert "2024年11月10日前将自查报告报送测试区卫生健康委员会巡查办" in text
    assert "xunchaban@example.gov.cn" in text
    assert "联系人" in text and "工作用房" in text
    assert "2025年1月2日前反馈" in text and "2025年3月3日前报送整改报告" in text
    assert "回头看" in text and "2025年3月20日" in text
    assert text.rstrip().endswith("2024年11月1日")


def test_plan_folder_has_letters_sheet_and_calendar(tmp_path: Path, scenario, plan, clock: datetime):
    """letters/ holds one .docx per visited institution; 时间节点 one row per visited institution
    with the follow-up's date; milestones.ics four all-day events with an alarm per institution."""
    whole = _whole(scenario, plan)
    out = tmp_path / "plan"
    write_plan_folder(scenario, whole, out, facts={}, now=clock)
    assert sorted(p.name for p in (out / "letters").iterdir()) == ["G1.docx", "H1.docx", "H2.docx"]
    assert "2025年3月" in document_text(out / "letters" / "H2.docx")  # H2 04-02: self-report 03-18

    sheet = openpyxl.load_workbook(out / "plan.xlsx")["时间节点"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("序号", "机构编号", "机构名称", "巡查通知")
    by_id = {r[1]: r for r in rows[1:]}
    assert set(by_id) == {"H1", "H2", "G1"}
    assert by_id["H1"][4].date() == date(2024, 11, 10) and by_id["H1"][9] == "2025-03-20"

    cal = icalendar.Calendar.from_ical((out / "calendars" / "milestones.ics").read_bytes())
    events = list(cal.walk("VEVENT"))
    assert len(events) == 3 * len(MILESTONE_LABELS)
    assert all(
        isinstance(e.decoded("dtstart"), date) and not isinstance(e.decoded("dtstart"), datetime)
        for e in events
    )
    assert all(e.walk("VALARM") for e in events)
    assert len({str(e["uid"]) for e in events}) == len(events)
    assert any(str(e["summary"]) == "自查报告截止：区人民医院（本部，东院；南院）" for e in events)


def test_report_shows_the_milestones(scenario, plan):
    """The report has the 时间节点 table, and the follow-up's row in the timeline says 回头看."""
    html = report_html(scenario, _whole(scenario, plan))
    assert "时间节点" in html and "2024-11-10" in html and "（回头看）" in html


def test_a_follow_up_change_corrects_the_letter_only_when_the_letter_says_it(tmp_path: Path, scenario, plan):
    """After a replan, H1's follow-up with a new leader changes nothing the letter or the 公告 says
    (neither names the follow-up's team): no corrected letter, no 更正公告 (before: a 更正公告 that
    restated the first visit's arrangements under 「更换组长：回头看：…」). The follow-up moved: a
    corrected letter with its new date, still no 更正公告 (the 公告 names the visit only)."""
    whole = _whole(scenario, plan)
    leader = Change("H1", "leader_changed", "回头看：张三", "回头看：李四", "专家不可用", followup=True)
    write_letters(scenario, whole, tmp_path / "a", changes=[leader])
    write_notices(scenario, whole, tmp_path / "a" / "notices", changes=[leader])
    assert [p.name for p in (tmp_path / "a").rglob("*.docx")] == []
    moved = Change("H1", "moved", "回头看：2025-03-13", "回头看：2025-03-20", "专家不可用", followup=True)
    write_letters(scenario, whole, tmp_path / "b", changes=[moved])
    write_notices(scenario, whole, tmp_path / "b" / "notices", changes=[moved])
    assert [p.name for p in (tmp_path / "b").rglob("*.docx")] == ["H1.docx"]
    text = document_text(tmp_path / "b" / "H1.docx")
    assert "（更正）" in text and "2025年3月20日" in text
