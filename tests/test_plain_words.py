"""Everything a planner reads is Chinese: no English status word, rule code or solver term in the
workbook, the report, the notices and letters, changes.csv or the console of a solve and a replan."""

from __future__ import annotations

import csv
import html
import json
import re
import shutil
from pathlib import Path

import docx
import icalendar
import openpyxl
import pytest
from typer.testing import CliRunner

from cli import EXIT_OK, EXIT_USAGE, app

runner = CliRunner()

JARGON = re.compile(
    r"(?i:\b(?:optimal|feasible|partial|infeasible|max_load|seed)\b)|(?<![A-Za-z0-9])R\d+(?![0-9])"
)
TODAY = "2025年4月1日"  # the workbook's Chinese date form for --today


def _run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def _jargon(texts: list[tuple[str, str]]) -> list[str]:
    """The (where, text) pairs whose text holds jargon, as readable findings."""
    return [
        f"{where}: {match.group(0)!r} in {text[:120]!r}"
        for where, text in texts
        if (match := JARGON.search(text))
    ]


def _folder_texts(folder: Path) -> list[tuple[str, str]]:
    """Every text a planner reads in a plan folder: all cells of plan.xlsx, the report's visible text,
    every notice and letter, changes.csv."""
    texts: list[tuple[str, str]] = []
    book = openpyxl.load_workbook(folder / "plan.xlsx")
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            texts += [(f"{sheet.title}!{c.coordinate}", c.value) for c in row if isinstance(c.value, str)]
    page = (folder / "report.html").read_text(encoding="utf-8")
    page = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    texts += [("report.html", html.unescape(t)) for t in re.split(r"<[^>]+>", page) if t.strip()]
    for path in sorted([*folder.glob("notices/*.docx"), *folder.glob("letters/*.docx")]):
        texts += [(path.name, p.text) for p in docx.Document(str(path)).paragraphs]
    if (folder / "changes.csv").exists():
        texts.append(("changes.csv", (folder / "changes.csv").read_text(encoding="utf-8-sig")))
    return texts


@pytest.fixture(scope="module")
def solved(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("plain") / "plan"
    result = _run("solve", "--out", str(out), "--time-limit", "10", "--workers", "1")
    assert result.exit_code == EXIT_OK, result.output
    return out, result.output


@pytest.fixture(scope="module")
def ill_leader(solved) -> tuple[str, str, dict]:
    """(institution, leader's name) of the first visit after the notice period from 2025年4月1日."""
    out, _ = solved
    plan = json.loads((out / "plan.json").read_text(encoding="utf-8"))
    visit = min(
        (v for v in plan["visits"] if v["kind"] == "visit" and v["start"] >= "2025-05-02"),
        key=lambda v: v["start"],
    )
    with (out / "scenario" / "experts.csv").open(encoding="utf-8-sig", newline="") as handle:
        names = {row["id"]: row["name"] for row in csv.DictReader(handle)}
    return visit["institution"], names[visit["leader"]], visit


@pytest.fixture(scope="module")
def replanned(solved, ill_leader, tmp_path_factory) -> tuple[Path, str]:
    """A replan from 2025年4月1日 in which the leader of a coming visit falls ill over its dates."""
    baseline, _ = solved
    _, _, visit = ill_leader
    work = tmp_path_factory.mktemp("changed")
    scenario = work / "scenario"
    shutil.copytree(baseline / "scenario", scenario)
    with (scenario / "unavailability.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{visit['leader']},{visit['start']},{visit['end']},病假\n")
    out = work / "plan"
    result = _run(
        "replan", str(scenario), "--baseline", str(baseline), "--today", TODAY, "--out", str(out),
        "--time-limit", "10", "--workers", "1",
    )  # fmt: skip
    assert result.exit_code == EXIT_OK, result.output
    return out, result.output


def test_a_solve_speaks_chinese_everywhere(solved) -> None:
    """plan.xlsx (every cell of every sheet), report.html, the notices and letters and the console
    summary hold no status word, rule code, max_load or seed; the facts say the loads in words."""
    out, console = solved
    texts = _folder_texts(out)
    texts += [("console", line) for line in console.splitlines()]
    assert _jargon(texts) == []
    assert re.search(r"状态：(最优|可行)；", console)
    assert re.search(r"已用 [\d.]+ 秒，当前各专家库最重负荷合计 \d+ 天，下界 \d+ 天", console)
    facts = dict(openpyxl.load_workbook(out / "plan.xlsx")["求解信息"].iter_rows(min_row=2, values_only=True))
    assert facts["计划状态"] in ("最优方案", "可行方案")
    assert re.search(r"专家库（巡查巴南区）：最重负荷 \d+ 天，下界 \d+ 天", facts["各专家库最重负荷与下界"])
    assert facts["随机种子"] == 0


def test_a_replan_speaks_chinese_and_shows_what_changed(replanned, ill_leader) -> None:
    """A replan given --today as 2025年4月1日: the same checks, Chinese headers in changes.csv, the
    leader swap as one row said in words, a 变更 section and a --today line in the report, and the
    updated invitations saying what changed."""
    out, console = replanned
    texts = _folder_texts(out) + [("console", line) for line in console.splitlines()]
    assert _jargon(texts) == []
    lines = (out / "changes.csv").read_text(encoding="utf-8-sig").splitlines()
    assert lines[0] == "机构编号,机构名称,变更类型,变更前,变更后,原因"
    institution, name, _ = ill_leader
    (row,) = [line for line in lines if line.startswith(f"{institution},")]  # one row for the visit
    assert "更换组长" in row
    assert f"组长由{name}改为" in console
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "<h2>变更</h2>" in page and "调整日期 2025年4月1日" in page
    updates = []
    for path in (out / "calendars" / "requests").glob(f"*_{institution}.ics"):
        (event,) = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
        if int(str(event["SEQUENCE"])) > 0:
            updates.append(str(event["DESCRIPTION"]))
    assert updates and all(text.startswith(f"本次变更：组长由{name}改为") for text in updates)


def test_a_bad_today_is_a_usage_error_in_chinese(solved, tmp_path) -> None:
    """A date the workbook would not accept exits 2 with a Chinese message, nothing written."""
    baseline, _ = solved
    result = _run(
        "replan", str(baseline / "scenario"), "--baseline", str(baseline), "--today", "2025年13月1日",
        "--out", str(tmp_path / "new"),
    )  # fmt: skip
    assert result.exit_code == EXIT_USAGE
    assert "--today 的值“2025年13月1日”不是有效日期" in result.output
    assert not (tmp_path / "new").exists()
