"""The shortcuts that keep writing a plan folder fast give the bytes the long way gives.

run.json takes the digests the writers noted instead of reading ten thousand files again; a .docx
is its template's entries with two parts added, without re-reading the template's archive; a
calendar's text lines are escaped by icalendar's TEXT type directly.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
from icalendar import Event
from icalendar.parser import Contentline

from outputs import documents
from outputs.calendars import _fold, _line
from outputs.clean import printable
from outputs.folder import RUN_FILE, foreign_files, write_atomically, write_plan_folder
from outputs.labels import recording, write_file
from tests.outputs.conftest import make_plan, make_scenario


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file() and p.name != RUN_FILE
    }


@pytest.mark.parametrize("processes", [1, 2])
def test_run_json_lists_each_file_with_the_digest_of_its_bytes(
    tmp_path: Path, clock: datetime, processes: int
) -> None:
    """Whichever process wrote a file, run.json's digest is that of the bytes on disk."""
    out = tmp_path / "plan"
    write_plan_folder(make_scenario(), make_plan(), out, facts={}, now=clock, processes=processes)
    run = json.loads((out / RUN_FILE).read_text(encoding="utf-8"))
    assert run["files"] == _digests(out)
    assert any(name.startswith("calendars/requests/") for name in run["files"])
    assert foreign_files(out) == []


def test_a_file_replaced_after_it_was_written_is_read_again(tmp_path: Path) -> None:
    """A file put in the place of one write_file wrote (same size, other bytes) is not taken for it."""

    def fill(folder: Path) -> None:
        write_file(folder / "plan.json", b"{}")
        write_file(folder / "notices" / "H1.docx", b"first")
        other = folder / "other.tmp"
        other.write_bytes(b"other")
        os.replace(other, folder / "notices" / "H1.docx")

    out = tmp_path / "plan"
    with recording():
        write_atomically(out, fill)
    run = json.loads((out / RUN_FILE).read_text(encoding="utf-8"))
    assert run["files"]["notices/H1.docx"] == hashlib.sha256(b"other").hexdigest()
    assert run["files"] == _digests(out)


def test_write_file_notes_nothing_outside_a_recording(tmp_path: Path) -> None:
    """Outside a plan folder's writing nothing is kept (a long-running server writes many files)."""
    from outputs import labels

    write_file(tmp_path / "a" / "x.ics", b"x")
    assert (tmp_path / "a" / "x.ics").read_bytes() == b"x"
    assert labels._WRITTEN == {}
    with recording() as written:
        write_file(tmp_path / "y.ics", b"y")
        assert set(written) == {str(tmp_path / "y.ics")}
    assert labels._WRITTEN == {}


def test_a_document_is_what_appending_to_the_template_archive_gives() -> None:
    """The .docx bytes equal those of zipfile's append mode on the template archive (the long way)."""
    doc = documents.OfficialDoc(
        title="关于对区人民医院开展巡查的通知",
        addressee="区人民医院：",
        paragraphs=("一、巡查时间。2025年3月3日至7日。", "特此通知。"),
        office="测试区卫生健康委员会巡查办",
        date=date(2025, 2, 10),
        one_page=True,
    )
    template = documents._template()
    base = io.BytesIO()
    blank = zipfile.ZipFile(io.BytesIO(documents._blank()))
    with zipfile.ZipFile(base, "w") as out:
        for info in blank.infolist():
            if info.filename not in (documents.DOCUMENT_PART, documents.CORE_PART):
                data = blank.read(info.filename)
                out.writestr(documents._entry(info.filename), data, compresslevel=documents.ZIP_LEVEL)
    body = template.body_open + documents._document_body(doc, new_page=False) + template.body_close
    core = documents._core_xml(template.core, doc)
    with zipfile.ZipFile(base, "a") as out:
        level = documents.ZIP_LEVEL
        out.writestr(documents._entry(documents.CORE_PART), core.encode("utf-8"), compresslevel=level)
        out.writestr(documents._entry(documents.DOCUMENT_PART), body.encode("utf-8"), compresslevel=level)
    assert documents._package([doc]) == base.getvalue()


@pytest.mark.parametrize(
    "text",
    [
        "E07_BN-H2@inspection-planner",
        "巡查：区人民医院（本部，东院；南院）",
        "地址：巴南区龙洲大道1号, 3栋; 东门\n组长：张三\\李四",
        "a\\Nb\r\nc\rd" + "长" * 80,
        "含控制\x1b字符\u202e与" + "很长的一行，" * 30,
    ],
)
@pytest.mark.parametrize("name", ["uid", "summary", "description", "location"])
def test_a_text_line_is_what_icalendar_writes(name: str, text: str) -> None:
    """Escaped, folded and cleaned as icalendar's Contentline and outputs.clean would make it."""
    prop = Event.types_factory.for_property(name)(text)
    content = Contentline.from_parts(name.upper(), prop.params, prop)
    expected = "\r\n".join(printable(part) for part in content.to_ical().decode("utf-8").split("\r\n"))
    assert _line(name, text) == expected
    assert _fold(content) == content.to_ical().decode("utf-8")
