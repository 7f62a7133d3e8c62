"""Public notices: one .docx per visited institution, with dates, team, discipline and channels."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document

from inputs.scenario import Scenario
from outputs.documents import document_text
from outputs.labels import date_cn
from outputs.notices import notice_doc, write_notices
from scheduler.plan import Plan
from scheduler.replan import Change


def test_one_notice_per_visit_and_none_for_the_left_out(
    tmp_path: Path, scenario: Scenario, plan: Plan
) -> None:
    """H1, H2 and G1 are visited and get a notice; G2 (left out) and S1 (exempt) get none; no .txt."""
    write_notices(scenario, plan, tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["G1.docx", "H1.docx", "H2.docx"]


def test_a_notice_gives_dates_team_discipline_and_channels(
    tmp_path: Path, scenario: Scenario, plan: Plan
) -> None:
    """Each .docx opens in python-docx and names the dates, leader and members, discipline and channels."""
    write_notices(scenario, plan, tmp_path)
    for visit in plan.visits:
        text = document_text(tmp_path / f"{visit.institution}.docx")
        inst = scenario.institution_by_id[visit.institution].name
        assert text.splitlines()[0] == f"关于对{inst}开展巡查的公告"
        assert date_cn(visit.start) in text and date_cn(visit.end) in text
        assert f"组长：{scenario.expert_by_id[visit.leader].name}" in text
        for member in visit.members:
            if member != visit.leader:
                assert f"组员：{scenario.expert_by_id[member].name}" in text
        assert "中央八项规定" in text
        assert "不干预" in text and "不处理具体事务" in text
        assert "023-66660000" in text and "jubao@example.gov.cn" in text
        assert "测试区卫生健康委员会巡查办" in text


def test_the_notice_is_dated_the_working_day_before_the_visit(
    tmp_path: Path, scenario: Scenario, plan: Plan
) -> None:
    """H1 starts Monday 25 November 2024: the notice ends with the office and Friday 22 November."""
    write_notices(scenario, plan, tmp_path)
    lines = document_text(tmp_path / "H1.docx").rstrip().splitlines()
    assert lines[-2:] == ["测试区卫生健康委员会巡查办", "2024年11月22日"]


def test_the_notice_is_laid_out_as_an_official_document(
    tmp_path: Path, scenario: Scenario, plan: Plan
) -> None:
    """A4, GB/T 9704 margins; title 2号 小标宋 centred; body 3号 仿宋; headings 黑体; a page number."""
    write_notices(scenario, plan, tmp_path)
    document = Document(str(tmp_path / "H2.docx"))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    title = document.paragraphs[0]
    assert title.style.font.size.pt == 22
    assert title.style.element.rPr.rFonts.get(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"
    ) == ("方正小标宋简体")
    assert document.styles["Normal"].font.size.pt == 16
    heading = next(p for p in document.paragraphs if p.text == "二、巡查组成员")
    assert "黑体" in heading.style.element.xml
    with zipfile.ZipFile(tmp_path / "H2.docx") as docx_zip:
        footer = docx_zip.read("word/footer1.xml").decode() + docx_zip.read("word/footer2.xml").decode()
        fonts = docx_zip.read("word/fontTable.xml").decode()
    assert "PAGE" in footer and "—" in footer
    assert 'w:name="仿宋_GB2312"' in fonts and 'w:val="仿宋"' in fonts


def test_missing_channels_are_marked_for_the_office(scenario: Scenario, plan: Plan) -> None:
    """Without hotline and report e-mail in params, the notice asks the office to fill them in."""
    params = dataclasses.replace(scenario.params, hotline=None, report_email=None)
    visit = plan.visit_of("G1")
    assert visit is not None
    doc = notice_doc(dataclasses.replace(scenario, params=params), visit)
    assert sum(p.count("（请巡查办填写）") for p in doc.paragraphs) == 2


def test_a_replan_writes_corrections_only_for_changed_institutions(
    tmp_path: Path, scenario: Scenario, plan: Plan
) -> None:
    """H1 moved, H2 a member swapped, G2 cancelled: each a 更正公告 saying what changed; G1 none."""
    changes = [
        Change(
            "H1", "moved", "2024年11月18日至2024年11月26日", "2024年11月25日至2024年12月3日", "专家不可用"
        ),
        Change("G2", "cancelled", "2025年5月6日", "", "机构已撤销"),
        Change("H2", "member_swapped", "王磊（E04）", "刘洋（E06）", "专家不可用"),
    ]
    write_notices(scenario, plan, tmp_path, changes=changes)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["G2.docx", "H1.docx", "H2.docx"]
    assert "由“王磊”调整为“刘洋”" in document_text(tmp_path / "H2.docx")  # names only, no ids
    moved = document_text(tmp_path / "H1.docx")
    assert moved.startswith("关于对区人民医院（本部，东院；南院）开展巡查的更正公告")
    assert "由“2024年11月18日至2024年11月26日”调整为“2024年11月25日至2024年12月3日”" in moved
    assert "组长：张建国" in moved
    cancelled = document_text(tmp_path / "G2.docx")
    assert "更正公告" in cancelled and "巡查取消" in cancelled and "组长" not in cancelled


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_prints_one_page_per_notice(tmp_path: Path, scenario: Scenario, plan: Plan) -> None:
    """LibreOffice opens G1's notice (a two-person team) and prints it on one page."""
    write_notices(scenario, plan, tmp_path / "notices")
    profile = (tmp_path / "lo-profile").as_uri()  # a private profile: no clash with a running LibreOffice
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(tmp_path / "notices" / "G1.docx"),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = (tmp_path / "G1.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf)) == 1
