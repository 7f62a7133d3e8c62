"""Official documents (.docx): layout after GB/T 9704, headings, attachments, several in one file."""

from __future__ import annotations

import dataclasses
import posixpath
import re
import zipfile
from datetime import date
from pathlib import Path

from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH

from outputs.documents import (
    STYLE_HEADING_1,
    STYLE_HEADING_2,
    STYLE_SIGNATURE,
    STYLE_TITLE,
    OfficialDoc,
    document_text,
    write_docx,
    write_docx_many,
)

EAST_ASIA = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia"


def letter(title: str = "关于对太原市第三人民医院开展巡查的通知") -> OfficialDoc:
    return OfficialDoc(
        title=title,
        addressee="太原市第三人民医院：",
        paragraphs=(
            "根据工作安排，现将有关事项通知如下。",
            "一、巡查时间",
            "2025年7月7日至7月15日。",
            "（一）准备事项。请确定一名联络员。",
            "特此通知。",
        ),
        office="太原市卫生健康委员会",
        date=date(2025, 7, 1),
        attachments=("巡查组名单", "自查报告提纲"),
    )


def test_title_addressee_body_and_signature_in_order(tmp_path: Path) -> None:
    """The text reads title, blank line, addressee, body, attachments, office and the Chinese date."""
    write_docx(letter(), tmp_path / "a.docx")
    lines = [line for line in document_text(tmp_path / "a.docx").splitlines() if line]
    assert lines[:3] == [
        "关于对太原市第三人民医院开展巡查的通知",
        "太原市第三人民医院：",
        "根据工作安排，现将有关事项通知如下。",
    ]
    assert lines[-4:] == ["附件：1．巡查组名单", "2．自查报告提纲", "太原市卫生健康委员会", "2025年7月1日"]


def test_styles_follow_the_standard(tmp_path: Path) -> None:
    """Title 22 pt 方正小标宋 centred; body 16 pt 仿宋 at a fixed 28.95 pt with a 2-character indent."""
    write_docx(letter(), tmp_path / "a.docx")
    document = Document(str(tmp_path / "a.docx"))
    title = document.styles[STYLE_TITLE]
    assert title.font.size.pt == 22
    assert title.element.rPr.rFonts.get(EAST_ASIA) == "方正小标宋简体"
    assert title.paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    body = document.styles["Normal"]
    assert body.font.size.pt == 16
    assert body.element.rPr.rFonts.get(EAST_ASIA) == "仿宋_GB2312"
    assert body.paragraph_format.line_spacing.pt == 28.95
    assert body.paragraph_format.first_line_indent.pt == 32


def test_headings_take_their_level_face(tmp_path: Path) -> None:
    """「一、」 is a 黑体 heading; 「（一）…。」 is 楷体 up to its full stop, and the rest plain body text."""
    write_docx(letter(), tmp_path / "a.docx")
    document = Document(str(tmp_path / "a.docx"))
    by_text = {p.text: p for p in document.paragraphs}
    assert by_text["一、巡查时间"].style.name == STYLE_HEADING_1
    assert document.styles[STYLE_HEADING_1].element.rPr.rFonts.get(EAST_ASIA) == "黑体"
    mixed = by_text["（一）准备事项。请确定一名联络员。"]
    head, rest = mixed.runs
    assert head.text == "（一）准备事项。" and head.element.rPr.rFonts.get(EAST_ASIA) == "楷体_GB2312"
    assert rest.text == "请确定一名联络员。"
    assert document.styles[STYLE_HEADING_2].element.rPr.rFonts.get(EAST_ASIA) == "楷体_GB2312"


def test_signature_is_right_aligned_with_the_date_four_characters_in(tmp_path: Path) -> None:
    """Office and date are right-aligned 落款 paragraphs, the date 4 characters (64 pt) from the edge."""
    write_docx(letter(), tmp_path / "a.docx")
    paragraphs = Document(str(tmp_path / "a.docx")).paragraphs
    office, when = paragraphs[-2], paragraphs[-1]
    assert office.style.name == when.style.name == STYLE_SIGNATURE
    assert when.paragraph_format.right_indent.pt == 64
    assert office.paragraph_format.right_indent.pt > 64 - 1
    assert paragraphs[-3].text == ""  # room for the seal


def test_many_documents_start_each_on_a_new_page(tmp_path: Path) -> None:
    """write_docx_many puts every title after the first on a new page."""
    docs = [letter("第一份通知"), letter("第二份通知"), letter("第三份通知")]
    write_docx_many(docs, tmp_path / "all.docx")
    titles = [p for p in Document(str(tmp_path / "all.docx")).paragraphs if p.text.endswith("份通知")]
    assert [p.text for p in titles] == ["第一份通知", "第二份通知", "第三份通知"]
    assert [bool(p.paragraph_format.page_break_before) for p in titles] == [False, True, True]


def test_a_one_page_document_sets_its_lines_closer_only_when_needed(tmp_path: Path) -> None:
    """one_page: a short text keeps 28.95 pt; 22 lines of text go closer (but not under 20 pt) to fit."""
    short = dataclasses.replace(letter(), one_page=True)
    write_docx(short, tmp_path / "short.docx")
    spacings = {p.paragraph_format.line_spacing for p in Document(str(tmp_path / "short.docx")).paragraphs}
    assert spacings == {None}  # the style's standard pitch

    long = dataclasses.replace(letter(), paragraphs=tuple(f"第{n}段。" for n in range(16)), one_page=True)
    write_docx(long, tmp_path / "long.docx")
    body = [
        p for p in Document(str(tmp_path / "long.docx")).paragraphs if p.style.name != STYLE_TITLE and p.text
    ]
    pitches = {p.paragraph_format.line_spacing.pt for p in body}
    assert len(pitches) == 1 and 20 <= pitches.pop() < 28.95

    endless = dataclasses.replace(letter(), paragraphs=tuple(f"第{n}段。" for n in range(60)), one_page=True)
    write_docx(endless, tmp_path / "endless.docx")
    endless_doc = Document(str(tmp_path / "endless.docx"))
    assert {p.paragraph_format.line_spacing for p in endless_doc.paragraphs} == {None}


def test_the_same_documents_give_the_same_bytes(tmp_path: Path) -> None:
    """Files are reproducible: writing a document twice gives byte-identical .docx files."""
    write_docx(letter(), tmp_path / "a.docx")
    write_docx(letter(), tmp_path / "b.docx")
    assert (tmp_path / "a.docx").read_bytes() == (tmp_path / "b.docx").read_bytes()
    write_docx(letter("另一份通知"), tmp_path / "c.docx")
    assert (tmp_path / "c.docx").read_bytes() != (tmp_path / "a.docx").read_bytes()


def test_markup_characters_tabs_and_line_breaks_read_back_as_typed(tmp_path: Path) -> None:
    """「<」「&」「>」 and quotes are escaped, a tab and a line break stay a tab and a break."""
    odd = dataclasses.replace(
        letter('关于<A&B>"医院"的通知'),
        office="A&B 卫健委",
        paragraphs=("一、时间 <待定> & 地点", "正文\t制表\n换行", " 两端留空 "),
    )
    write_docx(odd, tmp_path / "odd.docx")
    document = Document(str(tmp_path / "odd.docx"))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == '关于<A&B>"医院"的通知'
    assert "一、时间 <待定> & 地点" in texts and "正文\t制表\n换行" in texts and "两端留空" in texts
    assert document.core_properties.title == '关于<A&B>"医院"的通知'
    assert document.core_properties.author == "A&B 卫健委"
    assert document.core_properties.created is not None and document.core_properties.created.year == 2025


def test_a_third_level_heading_phrase_is_bold_body_type(tmp_path: Path) -> None:
    """「1．…。」 keeps the body face in bold up to its full stop; the rest is plain."""
    doc = dataclasses.replace(letter(), paragraphs=("1．报送材料。按时报送。",))
    write_docx(doc, tmp_path / "h3.docx")
    mixed = next(p for p in Document(str(tmp_path / "h3.docx")).paragraphs if p.text.startswith("1．"))
    head, rest = mixed.runs
    assert head.text == "1．报送材料。" and head.bold is True and head.font.size.pt == 16
    assert head.element.rPr.rFonts.get(EAST_ASIA) == "仿宋_GB2312"
    assert rest.text == "按时报送。" and rest.bold is None


def test_a_document_carries_only_what_it_uses(tmp_path: Path) -> None:
    """No part of python-docx's template the documents do not use (Word 2010's second copy of the
    styles, custom XML, a thumbnail) and no unused style: a letter is a few kilobytes, not 38; every
    style a part names is defined, and every part a relationship names is in the file."""
    write_docx(letter(), tmp_path / "a.docx")
    path = tmp_path / "a.docx"
    assert path.stat().st_size < 16_000
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        assert not any("stylesWithEffects" in n or "customXml" in n or "thumbnail" in n for n in names)
        styles = archive.read("word/styles.xml").decode("utf-8")
        defined = set(re.findall(r'w:styleId="([^"]+)"', styles))
        used = set(re.findall(r'w:(?:pStyle|rStyle|basedOn|link|next) w:val="([^"]+)"', styles))
        for name in names:
            if name.startswith("word/") and name.endswith(".xml"):
                used |= set(re.findall(r'w:[pr]Style w:val="([^"]+)"', archive.read(name).decode("utf-8")))
        assert used <= defined, used - defined
        for name in names:
            if name.endswith(".rels"):
                folder = posixpath.dirname(posixpath.dirname(name))
                for target in re.findall(r'Target="([^"]+)"', archive.read(name).decode("utf-8")):
                    assert posixpath.normpath(posixpath.join(folder, target)) in names, (name, target)
        types = archive.read("[Content_Types].xml").decode("utf-8")
        for part in re.findall(r'PartName="/([^"]+)"', types):
            assert part in names, part
    # python-docx reads it back with the documents' styles
    document = Document(str(path))
    assert document.styles[STYLE_TITLE].font.size.pt == 22
