"""No input crashes the reader (issue 9): random cell values in every sheet of a small valid scenario,
written as CSV and as a workbook, and random CSV bytes, either read as a Scenario or raise InputError —
never any other exception; and `schedule solve` on huge numbers exits 3 without a traceback."""

from __future__ import annotations

import csv
import shutil
import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from typer.testing import CliRunner

from cli import EXIT_INPUT, app
from inputs.errors import InputError
from inputs.reader import read_scenario
from inputs.sample import SAMPLE_DIR
from inputs.scenario import Scenario
from tests.inputs.helpers import Sheets, base_sheets, write_folder, write_workbook


def _full_sheets() -> Sheets:
    """base_sheets() with a row in every optional sheet and every optional column, so that random cells
    land in each kind of column."""
    sheets = base_sheets()
    sheets["params"] += [
        ["office_email", "xcb@example.cn"],
        ["report_email", "jubao@example.cn"],
        ["max_concurrent_visits", "3"],
        ["rest_days", "1"],
        ["max_days_per_year", "60"],
        ["notice_days", "15"],
    ]
    sheets["institutions"][0] += ["min_days", "batch", "earliest", "latest", "exempt", "email"]
    sheets["institutions"][1] += ["8", "第一批", "2025-03-03", "2025-06-30", "否", "yb@example.cn"]
    sheets["institutions"][2] += ["", "", "", "", "", ""]
    sheets["experts"][0] += ["max_days", "email", "phone"]
    for row in sheets["experts"][1:]:
        row += ["40", "e@example.cn", "13800000000"]
    sheets["batches"] = [["name", "start", "end"], ["第一批", "2025-03-03", "2025-06-30"]]
    sheets["tiers"] = [
        ["tier", "min_days", "team_min", "team_max", "required_skills"],
        ["基层", "1", "2", "4", ""],
    ]
    sheets["quotas"] = [
        ["year", "tier", "ownership", "min_share", "min_count"],
        ["2025", "基层", "", "0.5", "1"],
    ]
    sheets["unavailability"] = [
        ["expert_id", "start", "end", "reason"],
        ["E1", "2025-03-03", "2025-03-05", "进修"],
    ]
    sheets["conflicts"] = [["expert_id", "institution_id", "reason"], ["E2", "G1", "亲属"]]
    sheets["pairings"] = [
        ["inspecting_district", "inspected_district", "tiers"],
        ["长寿区", "巴南区", "基层"],
    ]
    sheets["teams"] = [["team", "leader", "members", "tiers"], ["A组", "E1", "E1;E2", ""]]
    sheets["holidays"] = [["start", "end", "kind"], ["2025-10-01", "2025-10-08", "holiday"]]
    return sheets


FULL = _full_sheets()
# Every (sheet, row index, column index) of a data cell, headers included: a header may be hit too.
PLACES = [(name, r, c) for name, rows in FULL.items() for r, row in enumerate(rows) for c in range(len(row))]

_HOSTILE = [
    "9" * 400,
    "1e400",
    "-1e400",
    "10^20",
    "100000000000000000000",
    "2147483648",
    "-1",
    "nan",
    "inf",
    "NaN%",
    "1e-400",
    "9999-12-31",
    "0001-01-01",
    "2025-02-30",
    '\'=HYPERLINK("x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "\x1b[2J\x00",
    "\u202eexe.txt",
    "a@b.com ATTENDEE:mailto:evil@x",
    "；；、、",
    "*",
    "党建*999999999999",
    "",
]
VALUES = st.one_of(
    st.sampled_from(_HOSTILE),
    st.text(max_size=20),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(),
    st.dates(min_value=date(1, 1, 1)),
    st.datetimes(min_value=datetime(1900, 1, 1)),
)
CHANGES = st.lists(st.tuples(st.sampled_from(PLACES), VALUES), min_size=1, max_size=4)


def _changed(changes: list[tuple[tuple[str, int, int], Any]], *, for_csv: bool) -> Sheets:
    sheets = {name: [list(row) for row in rows] for name, rows in FULL.items()}
    for (name, r, c), value in changes:
        if for_csv:
            value = str(value)
        elif isinstance(value, str):
            value = ILLEGAL_CHARACTERS_RE.sub("", value)  # openpyxl cannot write these at all
        elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
            value = str(value)  # Excel holds no such number; typed, it is text
        sheets[name][r][c] = value
    return sheets


def _read_cleanly(path: Path) -> None:
    try:
        assert isinstance(read_scenario(path), Scenario)
    except InputError as error:
        assert error.problems
        for problem in error.problems:
            assert not ILLEGAL_CHARACTERS_RE.search(str(problem))  # no control character in a message


_FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_the_full_scenario_reads() -> None:
    """The scenario the fuzz tests start from is valid, so that what they change is what fails."""
    with tempfile.TemporaryDirectory() as tmp:
        read_scenario(write_folder(Path(tmp), FULL))


@_FUZZ
@given(CHANGES)
def test_random_cells_in_csv(changes: list[tuple[tuple[str, int, int], Any]]) -> None:
    """Random cell values (huge numbers, exponents, control characters, dates, formulas) in a CSV folder:
    a Scenario or an InputError, nothing else."""
    with tempfile.TemporaryDirectory() as tmp:
        _read_cleanly(write_folder(Path(tmp), _changed(changes, for_csv=True)))


@_FUZZ
@given(CHANGES)
def test_random_cells_in_a_workbook(changes: list[tuple[tuple[str, int, int], Any]]) -> None:
    """The same with typed workbook cells (numbers, floats, infinities, dates, booleans)."""
    with tempfile.TemporaryDirectory() as tmp:
        _read_cleanly(write_workbook(Path(tmp) / "s.xlsx", _changed(changes, for_csv=False)))


@_FUZZ
@given(
    st.sampled_from(sorted(FULL)),
    st.one_of(
        st.binary(max_size=400),
        st.text(max_size=200).map(lambda t: t.encode("gbk", errors="ignore")),
        st.text(max_size=200).map(lambda t: t.encode("utf-16")),
    ),
)
def test_random_csv_bytes(name: str, data: bytes) -> None:
    """Any bytes as one CSV file (garbage, GBK, UTF-16) are read or refused cleanly."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_folder(Path(tmp), FULL)
        (folder / f"{name}.csv").write_bytes(data)
        _read_cleanly(folder)


def test_the_sample_in_gbk_reads_the_same(tmp_path: Path) -> None:
    """The built-in sample saved in GBK (as Excel on Chinese Windows does) is the same scenario."""
    for file in SAMPLE_DIR.glob("*.csv"):
        (tmp_path / file.name).write_bytes(file.read_text(encoding="utf-8").encode("gbk"))
    assert read_scenario(tmp_path).institutions == read_scenario(SAMPLE_DIR).institutions


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_solve_on_huge_numbers_exits_3_without_traceback(tmp_path: Path) -> None:
    """`schedule solve` on the sample with 10^20 parallel visits, 400 nines of minimum days, a team of
    10^20 and 2^31 rest days stops with exit 3, each number named with its range, nothing written."""
    scenario = tmp_path / "scenario"
    shutil.copytree(SAMPLE_DIR, scenario)
    huge = {"max_concurrent_visits": "1" + "0" * 20, "rest_days": "2147483648"}
    params = [row for row in _rows(scenario / "params.csv") if row[0] not in huge]
    params += [[key, value] for key, value in huge.items()]
    rows = _rows(scenario / "institutions.csv")
    rows[1][rows[0].index("min_days")] = "9" * 400
    tiers = _rows(scenario / "tiers.csv")
    tiers[1][tiers[0].index("team_max")] = "1" + "0" * 20
    for name, table in (("params.csv", params), ("institutions.csv", rows), ("tiers.csv", tiers)):
        with (scenario / name).open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(table)
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["solve", str(scenario), "--out", str(out)])
    assert result.exit_code == EXIT_INPUT, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    for words in ("1 到 10000", "0 到 60", "1 到 60", "1 到 50"):
        assert words in result.output
    assert not out.exists()
