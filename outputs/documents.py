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

import io
import math
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from docx.shared import Emu, Mm, Pt
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

from outputs.labels import date_cn, display_width, write_file

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
    write_file(Path(path), _package(docs))


def prepare() -> None:
    """Make the blank document every file starts from now rather than at the first file (a second
    process writing documents does it while the first one writes other files)."""
    _template()


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
    _slim(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


# What python-docx's default template carries that no notice or letter uses, dropped from the blank:
# a file of a few kilobytes instead of 38 (a national round writes tens of thousands of them).
# Word 2010's copy of the styles for older versions, the template's own custom XML and thumbnail,
# and its list numbering (no document has a list; its levels name list styles dropped below).
UNUSED_PARTS = ("/stylesWithEffects", "/customXml", "/metadata/thumbnail", "/numbering")
# Styles kept: those the documents and their page numbers use, and the defaults Word assumes.
KEPT_STYLES = {
    "Normal",
    "DefaultParagraphFont",
    "TableNormal",
    "NoList",
    "Footer",
    "FooterChar",
    *STYLE_IDS.values(),
}


def _slim(document: DocxDocument) -> None:
    """Drop the template's parts and styles that the documents do not use."""
    for rels in (document.part.package.rels, document.part.rels):
        for r_id, rel in list(rels.items()):
            if rel.reltype.endswith(UNUSED_PARTS):
                del rels[r_id]
    styles = document.styles.element
    for style in styles.findall(qn("w:style")):
        if style.get(qn("w:styleId")) not in KEPT_STYLES:
            styles.remove(style)
    latent = styles.find(qn("w:latentStyles"))
    if latent is not None:
        styles.remove(latent)


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


# -- the package -----------------------------------------------------------------------------
#
# python-docx re-serialises and re-compresses every part of a package on each save (20 ms a
# file, a minute for a province's notices and letters). Only two parts differ from one document
# to the next, word/document.xml and docProps/core.xml, so the blank's other parts are
# compressed once into a base archive and each file is that archive with the two parts added,
# written as python-docx writes them (same elements, attributes and order).

DOCUMENT_PART = "word/document.xml"
CORE_PART = "docProps/core.xml"
ZIP_TIME = (2000, 1, 1, 0, 0, 0)  # a fixed stamp: the same documents give the same bytes
ZIP_LEVEL = 6
# What lxml refuses in text (python-docx raised this for such a string).
XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
RUN_BREAKS = re.compile(r"([\t\r\n])")
CORE_LIMIT = 255  # python-docx refuses longer core properties
LATIN_FONTS = f'w:ascii="{FONT_LATIN}" w:hAnsi="{FONT_LATIN}"'
IND_NONE = '<w:ind w:firstLine="0" w:firstLineChars="0"/>'


@dataclass(frozen=True)
class _Template:
    entries: bytes  # every part but the document body and the core properties, compressed, as the
    # archive's first entries (local headers and data; no central directory)
    parts: tuple[zipfile.ZipInfo, ...]  # what the central directory says of them
    body_open: str  # word/document.xml up to and including <w:body>
    body_close: str  # the blank's w:sectPr and the closing tags
    core: str  # the blank's docProps/core.xml


@cache
def _template() -> _Template:
    blank = zipfile.ZipFile(io.BytesIO(_blank()))
    xml = blank.read(DOCUMENT_PART).decode("utf-8")
    cut = xml.index("<w:body>") + len("<w:body>")
    base = io.BytesIO()
    with zipfile.ZipFile(base, "w") as out:
        for info in blank.infolist():
            if info.filename not in (DOCUMENT_PART, CORE_PART):
                out.writestr(_entry(info.filename), blank.read(info.filename), compresslevel=ZIP_LEVEL)
        end = base.tell()  # the central directory comes next
    parts = tuple(zipfile.ZipFile(io.BytesIO(base.getvalue())).infolist())
    core = blank.read(CORE_PART).decode("utf-8")
    return _Template(base.getvalue()[:end], parts, xml[:cut], xml[cut:], core)


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def _package(docs: Sequence[OfficialDoc]) -> bytes:
    """The .docx file's bytes: the base archive with this file's body and core properties."""
    template = _template()
    body = "".join(_document_body(doc, new_page=n > 0) for n, doc in enumerate(docs))
    core = _core_xml(template.core, docs[0] if docs else None)
    # The base's entries, then this file's two: the bytes zipfile writes when it appends to the base
    # archive (mode "a"), without reading the base's central directory again for every file.
    buffer = io.BytesIO()
    buffer.write(template.entries)
    with zipfile.ZipFile(buffer, "w") as out:
        out.filelist.extend(template.parts)
        out.writestr(_entry(CORE_PART), core.encode("utf-8"), compresslevel=ZIP_LEVEL)
        document = template.body_open + body + template.body_close
        out.writestr(_entry(DOCUMENT_PART), document.encode("utf-8"), compresslevel=ZIP_LEVEL)
    return buffer.getvalue()


def _core_xml(blank: str, first: OfficialDoc | None) -> str:
    """docProps/core.xml: the first document's title and office, dated at 09:00 of its date."""
    title = first.title if first else ""
    office = first.office if first else ""
    for value in (title, office):
        _check_text(value)
        if len(value) > CORE_LIMIT:
            raise ValueError(f"exceeded {CORE_LIMIT} char limit for property, got:\n\n'{value}'")
    stamps: tuple[str, str, str | None]
    if first is None:
        created = re.search(r"<dcterms:created [^>]*>([^<]*)<", blank)
        modified = re.search(r"<dcterms:modified [^>]*>([^<]*)<", blank)
        stamps = (created.group(1) if created else "", modified.group(1) if modified else "", None)
    else:
        stamp = datetime.combine(first.date, time(9, 0)).strftime("%Y-%m-%dT%H:%M:%SZ")
        stamps = (stamp, stamp, stamp)
    dated = '<{0} xsi:type="dcterms:W3CDTF">{1}</{0}>'
    printed = f"<cp:lastPrinted>{stamps[2]}</cp:lastPrinted>" if stamps[2] else ""
    return (
        blank[: blank.index("<dc:title")]
        + f"<dc:title>{_text(title)}</dc:title><dc:subject/><dc:creator>{_text(office)}</dc:creator>"
        + "<cp:keywords/><dc:description></dc:description>"
        + f"<cp:lastModifiedBy>{_text(office)}</cp:lastModifiedBy><cp:revision>1</cp:revision>"
        + dated.format("dcterms:created", stamps[0])
        + dated.format("dcterms:modified", stamps[1])
        + f"<cp:category/>{printed}</cp:coreProperties>"
    )


def _check_text(text: str) -> None:
    if XML_INVALID.search(text):
        raise ValueError(
            "All strings must be XML compatible: Unicode or ASCII, no NULL bytes or control characters"
        )


def _text(text: str) -> str:
    """Element text escaped as lxml writes it."""
    return escape(text, {"\r": "&#13;"})


# -- content ---------------------------------------------------------------------------------


@dataclass
class _Para:
    """One w:p: its text as read back, its runs, and its properties around the line spacing."""

    text: str = ""
    runs: str = ""
    head: str = ""  # w:pPr children before w:spacing (style, keep, page break)
    tail: str = ""  # w:pPr children after w:spacing (indents)
    ppr: bool = False  # an empty w:pPr is still written
    style: str | None = None
    spacing: str = ""

    def xml(self) -> str:
        inner = self.head + self.spacing + self.tail
        ppr = f"<w:pPr>{inner}</w:pPr>" if inner else ("<w:pPr/>" if self.ppr else "")
        content = ppr + self.runs
        return f"<w:p>{content}</w:p>" if content else "<w:p/>"


def _style(style: str) -> str:
    return f'<w:pStyle w:val="{STYLE_IDS[style]}"/>'


def _run(text: str, rpr: str = "") -> str:
    """A w:r as python-docx makes it: tabs as w:tab, line breaks as w:br, the rest in w:t."""
    _check_text(text)
    parts = []
    for piece in RUN_BREAKS.split(text):
        if piece == "\t":
            parts.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            parts.append("<w:br/>")
        elif piece:
            space = ' xml:space="preserve"' if len(piece.strip()) < len(piece) else ""
            parts.append(f"<w:t{space}>{_text(piece)}</w:t>")
    content = rpr + "".join(parts)
    return f"<w:r>{content}</w:r>" if content else "<w:r/>"


def _plain(text: str, *, head: str = "", tail: str = "", style: str | None = None) -> _Para:
    """``document.add_paragraph(text)``: one run, none for empty text."""
    runs = _run(text) if text else ""
    return _Para(text=text.replace("\r", "\n"), runs=runs, head=head, tail=tail, style=style)


def _document_body(doc: OfficialDoc, *, new_page: bool) -> str:
    paragraphs = _render_content(doc, new_page=new_page)
    if doc.one_page:
        _fit_one_page(paragraphs)
    return "".join(p.xml() for p in paragraphs)


def _render_content(doc: OfficialDoc, *, new_page: bool) -> list[_Para]:
    out = []
    title = _style(STYLE_TITLE)
    for n, line in enumerate(doc.title.split("\n")):
        page_break = "<w:pageBreakBefore/>" if new_page and n == 0 else '<w:pageBreakBefore w:val="0"/>'
        out.append(_plain(line.strip(), head=title + page_break, style=STYLE_TITLE))
    out.append(_Para(head=title, style=STYLE_TITLE))  # a blank line of the title's size below it
    if doc.addressee:
        out.append(_plain(doc.addressee.strip(), tail=IND_NONE))
    out += [_body_paragraph(text) for text in doc.paragraphs]
    if doc.attachments:
        out.append(_Para())
        out += _attachments(doc.attachments)
    out += _signature(doc)
    return out


def _body_paragraph(text: str) -> _Para:
    text = text.strip().lstrip("\u3000")
    style = None
    if HEADING_1.match(text):
        style = STYLE_HEADING_1
    elif HEADING_2.match(text):
        style = STYLE_HEADING_2
    elif HEADING_3.match(text):
        style = STYLE_HEADING_3
    if style is None:
        return _plain(text)
    match = HEADING_END.match(text)
    if match is None:
        return _plain(text, head=_style(style), style=style)
    # A heading phrase with body text after it: the phrase keeps the heading's face.
    head, rest = match.groups()
    font = {STYLE_HEADING_1: FONT_HEADING_1, STYLE_HEADING_2: FONT_HEADING_2}.get(style, FONT_BODY)
    bold = "<w:b/>" if style == STYLE_HEADING_3 else ""
    size = round(SIZE_BODY.pt * 2)  # w:sz is in half-points
    rpr = f'<w:rPr><w:rFonts {LATIN_FONTS} w:eastAsia="{font}"/>{bold}<w:sz w:val="{size}"/></w:rPr>'
    return _Para(text=text.replace("\r", "\n"), runs=_run(head, rpr) + _run(rest), ppr=True)


def _attachments(attachments: tuple[str, ...]) -> list[_Para]:
    """「附件：1．…」 two characters in; further items aligned under the first name."""
    numbered = len(attachments) > 1
    out = []
    for n, name in enumerate(attachments, start=1):
        label = f"{n}．{name}" if numbered else name
        text, left = (f"附件：{label}", INDENT) if n == 1 else (label, Emu(INDENT + SIZE_BODY * 3))
        tail = f'<w:ind w:left="{left.twips}" w:firstLine="0" w:firstLineChars="0"/>'
        out.append(_plain(text, tail=tail))
    return out


def _signature(doc: OfficialDoc) -> list[_Para]:
    """The office over the date, right-aligned, the date four characters in, room for the seal above."""
    style = _style(STYLE_SIGNATURE)
    out = [_Para(head=style + "<w:keepNext/>", style=STYLE_SIGNATURE) for _ in range(SEAL_ROOM_LINES)]
    when = date_cn(doc.date)
    office = doc.office.strip()
    # The office's name is centred over the date (GB/T 9704 7.3.5.1), in characters of 3号.
    date_chars = display_width(when) / 2
    office_chars = display_width(office) / 2
    office_indent = 4 + max(0.0, (date_chars - office_chars) / 2)
    for text, chars, keep in ((office, office_indent, ""), (when, 4.0, '<w:keepNext w:val="0"/>')):
        right = f'<w:ind w:right="{Pt(16 * chars).twips}"/>'
        out.append(_plain(text, head=style + keep, tail=right, style=STYLE_SIGNATURE))
    return out


def _fit_one_page(paragraphs: list[_Para]) -> None:
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
            pitch = TITLE_PITCH if paragraph.style == STYLE_TITLE else LINE_PITCH
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
    spacing = f'<w:spacing w:lineRule="exact" w:line="{Pt(pitch).twips}"/>'
    for paragraph in paragraphs:
        if not _fixed(paragraph):
            paragraph.spacing = spacing


def _fixed(paragraph: _Para) -> bool:
    """Paragraphs whose line pitch a one-page fit leaves alone: the title and the seal's room."""
    if paragraph.style == STYLE_TITLE:
        return True
    return paragraph.style == STYLE_SIGNATURE and not paragraph.text
