"""The `schedule` command end to end: exit codes, the plan folder, validate, template, bad input."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli import EXIT_INPUT, EXIT_OK, EXIT_USAGE, app
from inputs.sample import SAMPLE_DIR

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("solve") / "plan"
    result = _run("solve", "--out", str(out), "--time-limit", "10", "--workers", "1")
    assert result.exit_code == EXIT_OK, result.output
    return out


def test_solve_sample_writes_the_whole_plan_folder(sample_out):
    """Without a scenario, solve plans the built-in sample and writes every part of SPEC §4."""
    for name in ("plan.json", "plan.xlsx", "report.html", "calendars", "notices", "scenario"):
        assert (sample_out / name).exists(), name
    plan = json.loads((sample_out / "plan.json").read_text(encoding="utf-8"))
    assert plan["schema"] == "inspection-plan/1"
    assert plan["status"] in ("optimal", "feasible")
    assert len(plan["visits"]) == 18 and plan["unscheduled"] == []
    # one invitation per visit and member
    pairs = sum(len(v["members"]) for v in plan["visits"])
    assert len(list((sample_out / "calendars" / "requests").glob("*.ics"))) == pairs
    assert len(list((sample_out / "notices").iterdir())) == 18


def test_validate_accepts_the_solved_plan_and_rejects_a_broken_one(sample_out, tmp_path):
    """validate exits 0 on the plan solve wrote, 1 once a visit is moved onto a Sunday."""
    ok = _run("validate", str(sample_out / "scenario"), str(sample_out / "plan.json"))
    assert ok.exit_code == 0, ok.output
    plan = json.loads((sample_out / "plan.json").read_text(encoding="utf-8"))
    plan["visits"][0]["start"] = "2024-11-17"  # a Sunday, and before the round starts
    broken = tmp_path / "plan.json"
    broken.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    bad = _run("validate", str(sample_out / "scenario"), str(broken))
    assert bad.exit_code == 1
    assert "[R2]" in bad.output and "[R3]" in bad.output


def test_solve_json_summary_on_stdout(tmp_path):
    """--json prints one document on stdout naming the status and exit code."""
    result = runner.invoke(
        app, ["solve", "--out", str(tmp_path / "p"), "--json", "--time-limit", "5", "--workers", "1"]
    )
    assert result.exit_code == EXIT_OK
    doc = json.loads(result.stdout)
    assert doc["exit_code"] == EXIT_OK and doc["scheduled"] == 18 and doc["unscheduled"] == []


def test_same_seed_gives_the_same_plan_and_uids(sample_out, tmp_path):
    """A second run with the same inputs and seed gives the same visits and the same invitation UIDs."""
    again = tmp_path / "again"
    result = _run("solve", "--out", str(again), "--time-limit", "10", "--workers", "1")
    assert result.exit_code == EXIT_OK
    first = json.loads((sample_out / "plan.json").read_text(encoding="utf-8"))
    second = json.loads((again / "plan.json").read_text(encoding="utf-8"))
    assert first["visits"] == second["visits"]
    ledger1 = json.loads((sample_out / "calendars" / "ledger.json").read_text(encoding="utf-8"))
    ledger2 = json.loads((again / "calendars" / "ledger.json").read_text(encoding="utf-8"))
    assert sorted(ledger1) == sorted(ledger2)


def _copy_sample(tmp_path: Path) -> Path:
    folder = tmp_path / "scenario"
    shutil.copytree(SAMPLE_DIR, folder, ignore=shutil.ignore_patterns("__*"))
    return folder


def _edit(path: Path, row_id: str, column: str, value: str) -> None:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        if row.get("id", row.get("key")) == row_id:
            row[column] = value
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_bad_input_exits_3_lists_every_problem_and_writes_nothing(tmp_path):
    """An unknown tier and a deadline before the start are both reported; the old output stays as it was."""
    scenario = _copy_sample(tmp_path)
    _edit(scenario / "institutions.csv", "BN-H1", "tier", "三甲")
    _edit(scenario / "params.csv", "deadline", "value", "2024-01-01")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("earlier plan", encoding="utf-8")
    result = _run("solve", str(scenario), "--out", str(out))
    assert result.exit_code == EXIT_INPUT
    assert "三甲" in result.output and "2024-01-01" in result.output
    assert "institutions.csv" in result.output and "params.csv" in result.output
    assert "Traceback" not in result.output
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_unknown_calendar_year_exits_3_naming_the_year_and_the_sheet(tmp_path):
    """A round reaching 2027 without a holidays sheet for it is refused, naming 2027 and 节假日调整."""
    scenario = _copy_sample(tmp_path)
    _edit(scenario / "params.csv", "deadline", "value", "2027-06-30")
    (scenario / "holidays.csv").write_text("start,end,kind\n", encoding="utf-8")
    result = _run("solve", str(scenario), "--out", str(tmp_path / "out"))
    assert result.exit_code == EXIT_INPUT
    assert "2027" in result.output and "节假日调整" in result.output
    assert not (tmp_path / "out").exists()


def test_wrong_usage_exits_2(tmp_path):
    """An unknown option is a usage error (exit 2), as is a template name without .xlsx."""
    assert runner.invoke(app, ["solve", "--no-such-option"]).exit_code == EXIT_USAGE
    assert runner.invoke(app, ["template", str(tmp_path / "t.txt")]).exit_code == EXIT_USAGE


def test_template_reads_back_as_an_empty_workbook(tmp_path):
    """template writes a workbook whose sheets carry Chinese names."""
    from openpyxl import load_workbook

    path = tmp_path / "模板.xlsx"
    result = _run("template", str(path))
    assert result.exit_code == EXIT_OK
    names = load_workbook(path).sheetnames
    assert "机构" in names and "专家" in names


def test_unwritable_out_is_a_usage_error_without_traceback(tmp_path):
    """--out under a plain file cannot be written: exit 2 with a message naming the folder."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = runner.invoke(
        app, ["solve", "--out", str(blocker / "plan"), "--time-limit", "5", "--workers", "1"]
    )
    assert result.exit_code == EXIT_USAGE
    assert "无法写出输出文件夹" in result.output and "Traceback" not in result.output
