"""Chinese official documents (公文) as .docx, laid out after GB/T 9704-2012.

Notices (公告) and letters (巡查通知) are printed or edited by the office in WPS or Word, so
they are written as the office writes its own documents: A4 paper with the standard's
margins (top 37 mm, bottom 35 mm, left 28 mm, right 26 mm), the title in 方正小标宋简体 2号,
the body in 仿宋_GB2312 3号 with a two-character first-line indent and a fixed line pitch
of 28.95 pt (22 lines on a page), headings in 黑体 (一、) and 楷体 (（一）), the issuing
office and the date at the foot with room for the seal, and the page number in 4号 as
「— 1 —」 (odd pages on the right, even pages on the left).

Fonts are named as Chinese offices have them; the document's font table names a
common fallback for each (宋体, 仿宋, 楷体, 黑体), so a machine without the GB2312 fonts
still shows the right kind of type.
"""

from __future__ import annotations

import copy
import io
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from docx.shared import Mm, Pt
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from outputs.labels import date_cn, display_width

FONT_TITLE = "方正小标宋简体"
FONT_BODY = "仿宋_GB2312"
FONT_HEADING_1 = "黑体"
FONT_HEADING_2 = "楷体_GB2312"
FONT_PAGE_NUMBER = "宋体"
FONT_LATIN = "Times New Roman"
# Font-table fallbacks (w:altName) for fonts an ordinary Windows or WPS install may lack.
FONT_FALLBACKS: dict[str, str] = {
    FONT_TITLE: "宋体",
    FONT_BODY: "仿宋",
    FONT_HEADING_1: "SimHei",
    FONT_HEADING_2: "楷体",
}

SIZE_TITLE = Pt(22)  # 2号
SIZE_BODY = Pt(16)  # 3号
SIZE_PAGE_NUMBER = Pt(14)  # 4号
LINE_PITCH = Pt(28.95)  # 22 lines in the 225 mm type area
INDENT = Pt(32)  # two characters of 3号

STYLE_BODY = "Normal"
STYLE_TITLE = "公文标题"
STYLE_HEADING_1 = "公文一级标题"
STYLE_HEADING_2 = "公文二级标题"
STYLE_HEADING_3 = "公文三级标题"
STYLE_SIGNATURE = "公文落款"
# Style ids stay ASCII (the names above are what WPS and Word show).
STYLE_IDS: dict[str, str] = {
    STYLE_TITLE: "DocTitle",
    STYLE_HEADING_1: "DocHeading1",
    STYLE_HEADING_2: "DocHeading2",
    STYLE_HEADING_3: "DocHeading3",
    STYLE_SIGNATURE: "DocSignature",
}

HEADING_1 = re.compile(r"^[一二三四五六七八九十]+、")
HEADING_2 = re.compile(r"^（[一二三四五六七八九十]+）")
HEADING_3 = re.compile(r"^[0-9０-９]+[.．]")
# A heading phrase ends at the first full stop; what follows is body text of the same paragraph.
HEADING_END = re.compile(r"^(.*?[。])(.+)$")
TITLE_PITCH = Pt(35)
MIN_PITCH = Pt(20)  # 1.25 × 3号: still comfortable to read
TYPE_AREA_HEIGHT = Mm(225)  # 297 − 37 − 35
TYPE_AREA_WIDTH = Mm(156)  # 210 − 28 − 26
SEAL_ROOM_LINES = 2  # with the office and date, four lines: a 42 mm seal


@dataclass(frozen=True)
class OfficialDoc:
    """One official document: what it says, not how it looks."""

    title: str  # e.g. "关于对太原市第三人民医院开展巡查的通知"
    addressee: str | None  # 主送, e.g. "太原市第三人民医院："
    paragraphs: tuple[str, ...]  # body, one string per paragraph; "一、" "（一）" "1." start headings
    office: str  # 落款 (issuing office)
    date: date  # 成文日期
    attachments: tuple[str, ...] = ()
    # A notice to be posted should fit one page: if it would not at the standard pitch, its lines
    # are set closer (never below MIN_PITCH); a document too long even then keeps the standard.
    one_page: bool = False


def write_docx(doc: OfficialDoc, path: Path) -> None:
    """Write one document to ``path`` as .docx."""
    write_docx_many([doc], path)


def write_docx_many(docs: Sequence[OfficialDoc], path: Path) -> None:
    """Write several documents into one .docx file, each starting on a new page."""
    document = _new_document(docs[0] if docs else None)
    for n, doc in enumerate(docs):
        _render(document, doc, new_page=n > 0)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))


def document_text(path: Path) -> str:
    """The paragraphs of a .docx file, one per line (for tests and previews)."""
    return "\n".join(p.text for p in Document(str(path)).paragraphs)


# -- document set-up -------------------------------------------------------------------------


@cache
def _blank() -> bytes:
    """The empty document every one starts from (page, styles, fonts), made once: setting up the
    styles costs more than filling in a notice, and a round writes thousands of them."""
    document = Document()
    _page_setup(document)
    _define_styles(document)
    _font_fallbacks(document)
    # The template's empty first paragraph would print as a blank line above the title.
    for paragraph in list(document.paragraphs):
        paragraph._element.getparent().remove(paragraph._element)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


_LOADED = threading.local()  # per thread: the blank document, loaded once (see _reused_blank)


def _reused_blank() -> DocxDocument:
    """The blank document, loaded once per thread, with fresh copies of its body and its core
    properties: they are all a document changes (paragraphs are added, styles are named by id), so
    every file is written as from a newly opened blank, without reading the package again."""
    held = getattr(_LOADED, "blank", None)
    if held is None:
        loaded = Document(io.BytesIO(_blank()))
        core = loaded.part.package._core_properties_part
        held = _LOADED.blank = (
            loaded.part,
            core,
            copy.deepcopy(loaded.element),
            copy.deepcopy(core._element),
        )
    part, core, body, props = held
    part._element = copy.deepcopy(body)
    core._element = copy.deepcopy(props)
    return part.document


def _new_document(first: OfficialDoc | None) -> DocxDocument:
    document = _reused_blank() if first is not None else Document(io.BytesIO(_blank()))
    props = document.core_properties
    props.author = first.office if first else ""
    props.last_modified_by = first.office if first else ""
    props.title = first.title if first else ""
    props.comments = ""
    props.revision = 1
    if first is not None:
        stamp = datetime.combine(first.date, time(9, 0))
        props.created = stamp
        props.modified = stamp
        props.last_printed = stamp
    return document


def _page_setup(document: DocxDocument) -> None:
    section = document.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width = Mm(210)
    section.page_height = Mm(297)
    section.top_margin = Mm(37)
    section.bottom_margin = Mm(35)
    section.left_margin = Mm(28)
    section.right_margin = Mm(26)
    section.header_distance = Mm(15)
    # The page number's top sits 7 mm below the type area: 35 - 7 - a line of 4号 ≈ 22 mm.
    section.footer_distance = Mm(22)
    document.settings.odd_and_even_pages_header_footer = True
    _page_number(section.footer.paragraphs[0], WD_ALIGN_PARAGRAPH.RIGHT)
    _page_number(section.even_page_footer.paragraphs[0], WD_ALIGN_PARAGRAPH.LEFT)


def _page_number(paragraph: Paragraph, align: WD_ALIGN_PARAGRAPH) -> None:
    """「— N —」 in 4号 宋体, one character in from the outer edge."""
    paragraph.alignment = align
    fmt = paragraph.paragraph_format
    fmt.first_line_indent = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    if align == WD_ALIGN_PARAGRAPH.RIGHT:
        fmt.right_indent = SIZE_PAGE_NUMBER
    else:
        fmt.left_indent = SIZE_PAGE_NUMBER
    _font(paragraph.add_run("— "), FONT_PAGE_NUMBER, SIZE_PAGE_NUMBER)
    run = paragraph.add_run()
    _font(run, FONT_PAGE_NUMBER, SIZE_PAGE_NUMBER)
    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = " PAGE "
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    shown = OxmlElement("w:t")
    shown.text = "1"
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, instr, separate, shown, end):
        run._r.append(element)
    _font(paragraph.add_run(" —"), FONT_PAGE_NUMBER, SIZE_PAGE_NUMBER)


def _define_styles(document: DocxDocument) -> None:
    styles = document.styles
    body = styles[STYLE_BODY]
    assert isinstance(body, ParagraphStyle)
    _style_font(body, FONT_BODY, SIZE_BODY)
    fmt = body.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.space_before = Pt(0)
    fmt.space_after = Pt(0)
    fmt.first_line_indent = INDENT
    fmt.widow_control = False
    _indent_chars(body.element, first_line_chars=200)
    # Align to the document grid's character pitch rather than stretching lines.
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    title = styles.add_style(STYLE_TITLE, WD_STYLE_TYPE.PARAGRAPH)
    title.style_id = STYLE_IDS[STYLE_TITLE]
    assert isinstance(title, ParagraphStyle)
    title.base_style = body
    _style_font(title, FONT_TITLE, SIZE_TITLE)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.first_line_indent = Pt(0)
    title.paragraph_format.line_spacing = TITLE_PITCH
    title.paragraph_format.keep_with_next = True
    _indent_chars(title.element, first_line_chars=0)

    for name, font, bold in (
        (STYLE_HEADING_1, FONT_HEADING_1, False),
        (STYLE_HEADING_2, FONT_HEADING_2, False),
        (STYLE_HEADING_3, FONT_BODY, True),
    ):
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.style_id = STYLE_IDS[name]
        assert isinstance(style, ParagraphStyle)
        style.base_style = body
        _style_font(style, font, SIZE_BODY)
        style.font.bold = bold
        style.paragraph_format.keep_with_next = True

    signature = styles.add_style(STYLE_SIGNATURE, WD_STYLE_TYPE.PARAGRAPH)
    signature.style_id = STYLE_IDS[STYLE_SIGNATURE]
    assert isinstance(signature, ParagraphStyle)
    signature.base_style = body
    signature.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    signature.paragraph_format.first_line_indent = Pt(0)
    signature.paragraph_format.keep_together = True
    signature.paragraph_format.keep_with_next = True
    _indent_chars(signature.element, first_line_chars=0)


def _font_fallbacks(document: DocxDocument) -> None:
    """Name each Chinese font in the font table with an ``altName`` an office machine surely has."""
    part = next(
        (rel.target_part for rel in document.part.rels.values() if rel.reltype.endswith("/fontTable")),
        None,
    )
    if part is None:
        return
    table = parse_xml(part.blob)
    for name, alt in FONT_FALLBACKS.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        for tag, value in (
            ("w:altName", alt),
            ("w:charset", "86"),
            ("w:family", "auto"),
            ("w:pitch", "variable"),
        ):
            child = OxmlElement(tag)
            child.set(qn("w:val"), value)
            font.append(child)
        table.append(font)
    part._blob = etree.tostring(table, xml_declaration=True, encoding="UTF-8", standalone=True)


def _style_font(style: ParagraphStyle, east_asian: str, size: Pt) -> None:
    style.font.name = FONT_LATIN
    style.font.size = size
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asian)
    fonts.set(qn("w:hint"), "eastAsia")


def _font(run: Run, east_asian: str, size: Pt, *, bold: bool | None = None) -> None:
    run.font.name = FONT_LATIN
    run.font.size = size
    if bold is not None:
        run.font.bold = bold
    rpr = run._r.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), east_asian)


def _indent_chars(element: object, *, first_line_chars: int) -> None:
    """Set the first-line indent in hundredths of a character (Word's ``w:firstLineChars``)."""
    ppr = element.get_or_add_pPr()  # type: ignore[attr-defined]
    ind = ppr.get_or_add_ind()  # in its place in the schema's sequence, as Word insists
    ind.set(qn("w:firstLineChars"), str(first_line_chars))


# -- content ---------------------------------------------------------------------------------


def _render(document: DocxDocument, doc: OfficialDoc, *, new_page: bool = False) -> None:
    first = len(document.paragraphs)
    _render_content(document, doc, new_page=new_page)
    if doc.one_page:
        _fit_one_page(document.paragraphs[first:])


def _fit_one_page(paragraphs: list[Paragraph]) -> None:
    """Set the body lines closer when that keeps the document on one page (estimated, not measured)."""
    fixed_height = 0.0
    body_lines = 0
    body_chars = int(TYPE_AREA_WIDTH.pt // SIZE_BODY.pt)
    title_chars = int(TYPE_AREA_WIDTH.pt // SIZE_TITLE.pt)
    for paragraph in paragraphs:
        # Characters of the paragraph's size: a CJK character is one, a Latin letter or digit half.
        width = display_width(paragraph.text) / 2
        if _fixed(paragraph):
            # The title, and the blank lines left for the seal (which must not cover the text), keep theirs.
            pitch = TITLE_PITCH if paragraph._p.style == STYLE_IDS[STYLE_TITLE] else LINE_PITCH
            fixed_height += max(1, math.ceil(width / title_chars)) * pitch.pt
        else:
            # Two characters of indent, and one of slack for punctuation kept off a line's start.
            body_lines += max(1, math.ceil((width + 3) / body_chars))
    room = TYPE_AREA_HEIGHT.pt - fixed_height - 6  # a little slack for rounding in the renderer
    if body_lines * LINE_PITCH.pt <= room:
        return
    pitch = math.floor(room / body_lines * 20) / 20  # whole twips
    if pitch < MIN_PITCH.pt:
        return
    for paragraph in paragraphs:
        if not _fixed(paragraph):
            paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
            paragraph.paragraph_format.line_spacing = Pt(pitch)


def _fixed(paragraph: Paragraph) -> bool:
    """Paragraphs whose line pitch a one-page fit leaves alone: the title and the seal's room.

    Told by the paragraph's style id (``w:pStyle``): resolving ``paragraph.style`` searches the
    whole style table each time, which made this the slowest step of writing the notices."""
    style_id = paragraph._p.style
    if style_id == STYLE_IDS[STYLE_TITLE]:
        return True
    return style_id == STYLE_IDS[STYLE_SIGNATURE] and not paragraph.text


def _render_content(document: DocxDocument, doc: OfficialDoc, *, new_page: bool) -> None:
    for n, line in enumerate(doc.title.split("\n")):
        title = _paragraph(document, line.strip(), STYLE_TITLE)
        title.paragraph_format.page_break_before = new_page and n == 0
    _paragraph(document, "", STYLE_TITLE)  # a blank line of the title's size below it
    if doc.addressee:
        addressee = document.add_paragraph(doc.addressee.strip())
        addressee.paragraph_format.first_line_indent = Pt(0)
        _indent_chars(addressee._element, first_line_chars=0)
    for text in doc.paragraphs:
        _body_paragraph(document, text)
    if doc.attachments:
        document.add_paragraph("")
        _attachments(document, doc.attachments)
    _signature(document, doc)


def _paragraph(document: DocxDocument, text: str, style: str) -> Paragraph:
    """``document.add_paragraph(text, style=style)`` for the styles defined here, without looking the
    style up by name in the style table for every paragraph (the same ``w:pStyle`` results)."""
    paragraph = document.add_paragraph(text)
    # The default style is left unnamed (an empty w:pPr), as python-docx does.
    paragraph._p.style = None if style == STYLE_BODY else STYLE_IDS[style]
    return paragraph


def _body_paragraph(document: DocxDocument, text: str) -> None:
    text = text.strip().lstrip("\u3000")
    if not text:
        document.add_paragraph("")
        return
    style = None
    if HEADING_1.match(text):
        style = STYLE_HEADING_1
    elif HEADING_2.match(text):
        style = STYLE_HEADING_2
    elif HEADING_3.match(text):
        style = STYLE_HEADING_3
    if style is None:
        document.add_paragraph(text)
        return
    match = HEADING_END.match(text)
    if match is None:
        _paragraph(document, text, style)
        return
    # A heading phrase with body text after it: the phrase keeps the heading's face.
    head, rest = match.groups()
    paragraph = _paragraph(document, "", STYLE_BODY)
    font = {STYLE_HEADING_1: FONT_HEADING_1, STYLE_HEADING_2: FONT_HEADING_2}.get(style, FONT_BODY)
    _font(paragraph.add_run(head), font, SIZE_BODY, bold=style == STYLE_HEADING_3 or None)
    paragraph.add_run(rest)


def _attachments(document: DocxDocument, attachments: tuple[str, ...]) -> None:
    """「附件：1．…」 two characters in; further items aligned under the first name."""
    numbered = len(attachments) > 1
    for n, name in enumerate(attachments, start=1):
        label = f"{n}．{name}" if numbered else name
        if n == 1:
            paragraph = document.add_paragraph(f"附件：{label}")
            paragraph.paragraph_format.left_indent = INDENT
            paragraph.paragraph_format.first_line_indent = Pt(0)
        else:
            paragraph = document.add_paragraph(label)
            paragraph.paragraph_format.left_indent = INDENT + SIZE_BODY * 3
            paragraph.paragraph_format.first_line_indent = Pt(0)
        _indent_chars(paragraph._element, first_line_chars=0)


def _signature(document: DocxDocument, doc: OfficialDoc) -> None:
    """The office over the date, right-aligned, the date four characters in, room for the seal above."""
    for _ in range(SEAL_ROOM_LINES):
        spacer = _paragraph(document, "", STYLE_SIGNATURE)
        spacer.paragraph_format.keep_with_next = True
    when = date_cn(doc.date)
    office = doc.office.strip()
    # The office's name is centred over the date (GB/T 9704 7.3.5.1), in characters of 3号.
    date_chars = display_width(when) / 2
    office_chars = display_width(office) / 2
    office_indent = 4 + max(0.0, (date_chars - office_chars) / 2)
    for text, chars in ((office, office_indent), (when, 4.0)):
        paragraph = _paragraph(document, text, STYLE_SIGNATURE)
        paragraph.paragraph_format.right_indent = Pt(16 * chars)
    paragraph.paragraph_format.keep_with_next = False
