"""The `schedule` command end to end: exit codes, the plan folder, validate, template, bad input."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

import cli
from cli import EXIT_INPUT, EXIT_OK, EXIT_USAGE, app
from inputs.sample import SAMPLE_DIR

runner = CliRunner()


def _run(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def sample_out(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("solve") / "plan"
    result = _run("solve", "--out", str(out), "--time-limit", "10", "--workers", "1", "--today", "2024/11/18")
    assert result.exit_code == EXIT_OK, result.output
    return out


def test_solve_sample_writes_the_whole_plan_folder(sample_out):
    """Without a scenario, solve plans the built-in sample and writes every part of SPEC §4."""
    for name in ("plan.json", "plan.xlsx", "report.html", "calendars", "notices", "scenario"):
        assert (sample_out / name).exists(), name
    plan = json.loads((sample_out / "plan.json").read_text(encoding="utf-8"))
    assert plan["schema"] == "inspection-plan/1"
    assert plan["status"] in ("optimal", "feasible")
    firsts = [v for v in plan["visits"] if v["kind"] == "visit"]
    assert len(firsts) == 18 and plan["unscheduled"] == []
    assert len(plan["visits"]) == 24  # and a follow-up (R15) of each of the six hospitals
    assert len(plan["milestones"]) == 18 and len(list((sample_out / "letters").iterdir())) == 18
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
    assert "（R2）" in bad.output and "（R3）" in bad.output


def test_validate_today_is_the_announcement_day(sample_out):
    """The sample was announced on its start, 2024-11-18 (30 days' notice: visits from 12-18);
    ``validate --today 2024-12-01`` says it was announced later, so its first visits start too early."""
    plan = json.loads((sample_out / "plan.json").read_text(encoding="utf-8"))
    assert plan["announced"] == "2024-11-18"
    assert min(v["start"] for v in plan["visits"]) >= "2024-12-18"
    late = _run(
        "validate", str(sample_out / "scenario"), str(sample_out / "plan.json"), "--today", "2024年12月1日"
    )
    assert late.exit_code == 1 and "【提前通知（R14）】" in late.output
    bad = _run("validate", str(sample_out / "scenario"), str(sample_out / "plan.json"), "--today", "明天")
    assert bad.exit_code == EXIT_USAGE and "--today" in bad.output


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
    # plan.json byte for byte; the timings are in run.json beside it (SPEC §4)
    assert (sample_out / "plan.json").read_bytes() == (again / "plan.json").read_bytes()
    run = json.loads((again / "run.json").read_text(encoding="utf-8"))
    assert run["seed"] == 0 and run["time_limit"] == 10 and "solve_seconds" in run and "version" in run


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


def test_template_never_writes_over_a_file(tmp_path, sample_out):
    """``schedule template`` over a plan folder's plan.xlsx (or an office's filled-in workbook) is
    refused and leaves the file as it was; into a folder that does not exist, no traceback."""
    workbook = sample_out / "plan.xlsx"
    before = workbook.read_bytes()
    result = runner.invoke(app, ["template", str(workbook)])
    assert result.exit_code == EXIT_USAGE and "模板不会覆盖已有的文件" in result.output
    assert workbook.read_bytes() == before
    result = runner.invoke(app, ["template", str(tmp_path / "无此文件夹" / "模板.xlsx")])
    assert result.exit_code == EXIT_USAGE and "所在的文件夹不存在" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_unwritable_out_is_a_usage_error_without_traceback(tmp_path):
    """--out under a plain file cannot be written: exit 2 with a message naming the folder."""
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = runner.invoke(
        app, ["solve", "--out", str(blocker / "plan"), "--time-limit", "5", "--workers", "1"]
    )
    assert result.exit_code == EXIT_USAGE
    assert "无法写出输出文件夹" in result.output and "Traceback" not in result.output


# -- --out never destroys what the tool did not write (SPEC §4) ---------------------------------------


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_out_dot_in_a_folder_with_user_files_is_refused_before_solving(tmp_path, monkeypatch):
    """``--out .`` in a folder holding the scenario and a user's file: exit 2, a Chinese message,
    and every file there is still byte for byte the same (nothing added, nothing hidden)."""
    scenario = _copy_sample(tmp_path)
    (tmp_path / "工作笔记.docx").write_bytes(b"PK\x03\x04 notes")
    before = _snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    for args in (["--out", "."], ["--out", ".", "--force"]):
        result = _run("solve", "scenario", *args, "--time-limit", "5", "--workers", "1")
        assert result.exit_code == EXIT_USAGE, result.output
        assert "无法写出输出文件夹" in result.output and "Traceback" not in result.output
    assert _snapshot(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scenario", "工作笔记.docx"]
    assert scenario.is_dir()


@pytest.mark.parametrize("where", ["scenario", "scenario/plan", "."], ids=["is-it", "inside-it", "holds-it"])
def test_out_may_not_be_inside_or_around_the_scenario(tmp_path, monkeypatch, where):
    """--out equal to the scenario folder, inside it, or holding it: exit 2 even with --force."""
    _copy_sample(tmp_path)
    before = _snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)
    result = _run("solve", "scenario", "--out", where, "--force", "--time-limit", "5", "--workers", "1")
    assert result.exit_code == EXIT_USAGE
    assert "输入方案" in result.output
    assert _snapshot(tmp_path) == before


def test_out_naming_a_file_is_refused(tmp_path):
    """--out naming an existing file: exit 2, and the file stays a file with its content."""
    path = tmp_path / "somefile.txt"
    path.write_text("keep me", encoding="utf-8")
    result = _run("solve", "--out", str(path), "--time-limit", "5", "--workers", "1")
    assert result.exit_code == EXIT_USAGE and "已有的文件" in result.output
    assert path.read_text(encoding="utf-8") == "keep me"


def test_a_previous_plan_is_replaced_only_with_force_and_never_over_a_users_file(tmp_path):
    """A second solve into a plan folder needs --force; a user's 备注.docx inside it blocks even
    --force (it is named and survives); once it is moved away --force replaces the plan."""
    out = tmp_path / "plan"
    args = ("solve", "--out", str(out), "--time-limit", "10", "--workers", "1")
    assert _run(*args).exit_code == EXIT_OK
    again = _run(*args)
    assert again.exit_code == EXIT_USAGE and "--force" in again.output
    (out / "备注.docx").write_bytes(b"PK\x03\x04 the office's own notes")
    before = _snapshot(out)
    blocked = _run(*args, "--force")
    assert blocked.exit_code == EXIT_USAGE and "备注.docx" in blocked.output
    assert _snapshot(out) == before
    (out / "备注.docx").rename(tmp_path / "备注.docx")
    assert _run(*args, "--force").exit_code == EXIT_OK
    assert (out / "run.json").is_file() and not (out / "备注.docx").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan", "备注.docx"]


def test_replan_out_into_its_baseline_is_refused_and_the_announced_plan_survives(sample_out, tmp_path):
    """replan --out the baseline's folder (or a folder inside it), even with --force: exit 2, and the
    announced plan and its invitation ledger stay byte for byte."""
    scenario = tmp_path / "调整后"
    shutil.copytree(sample_out / "scenario", scenario)
    before = _snapshot(sample_out)
    for out in (sample_out, sample_out / "调整"):
        result = _run(
            "replan", str(scenario), "--baseline", str(sample_out), "--today", "2025-06-02",
            "--out", str(out), "--force", "--time-limit", "5", "--workers", "1",
        )  # fmt: skip
        assert result.exit_code == EXIT_USAGE, result.output
        assert "原计划文件夹" in result.output
    assert _snapshot(sample_out) == before


_WRONG_VISIT = {"institution": "BN-H1", "start": "2025-13-45", "end": "2025-01-01", "days": "x", "members": 5}
_BAD_PLANS = {
    "visits-not-a-list": (b'{"visits": 5}', "visits"),
    "stats-a-list": (b'{"stats": [1, 2]}', "stats"),
    "binary": (b"\x00\x01\x02PK\x03\x04\xff", "UTF-8"),
    "invalid-utf8": ('{"scenario": "巡查"}'.encode("gbk"), "UTF-8"),
    "deep-nesting": (b"[" * 200_000, "嵌套"),
    "huge-int": (b'{"visits": [{"days": ' + b"9" * 400 + b"}]}", "visits[0].days"),
    "wrong-types": (json.dumps({"visits": [_WRONG_VISIT]}).encode(), "visits[0].members"),
}


@pytest.mark.parametrize("name", sorted(_BAD_PLANS))
def test_validate_exits_3_on_a_plan_it_cannot_read(tmp_path, name):
    """A plan.json that is not the schema: exit 3, naming the field or the reason, no traceback."""
    content, named = _BAD_PLANS[name]
    plan = tmp_path / "plan.json"
    plan.write_bytes(content)
    result = _run("validate", str(SAMPLE_DIR), str(plan))
    assert result.exit_code == EXIT_INPUT, result.output
    assert "计划文件格式有误" in result.output and named in result.output
    assert "Traceback" not in result.output


def test_validate_refuses_an_oversized_plan_file(tmp_path, monkeypatch):
    """A file over the size cap is refused before it is read whole (the cap made small here)."""
    monkeypatch.setattr("scheduler.plan.MAX_PLAN_BYTES", 1024)
    plan = tmp_path / "plan.json"
    plan.write_bytes(b"[" + b"0," * 2000 + b"0]")
    result = _run("validate", str(SAMPLE_DIR), str(plan))
    assert result.exit_code == EXIT_INPUT and "MiB" in result.output


def test_validate_reports_thousands_of_copies_of_one_visit_compactly(sample_out, tmp_path):
    """3,000 copies of one visit: R0 names the institution visited again, R5 lists a few overlaps per
    expert and counts the rest, and the output stays short."""
    plan = json.loads((sample_out / "plan.json").read_text(encoding="utf-8"))
    plan["visits"] += [plan["visits"][0]] * 3000
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan, ensure_ascii=False), encoding="utf-8")
    result = _run("validate", str(sample_out / "scenario"), str(path))
    assert result.exit_code == 1
    assert "被安排了 3001 次巡查" in result.output
    assert "未逐一列出" in result.output
    assert len(result.output.splitlines()) < 100


def _flat(text: str) -> str:
    """The output without the panels' frames and line breaks (rich wraps to the terminal's width)."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in "│╭╮╰╯─")


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("solve", "--tim", "5"), "没有这个选项：--tim（是不是：--time-limit）。"),
        (("solve", "--time-limit", "abc"), "选项--time-limit的值无效：应为数字。"),
        (("solve", "--time-limit", "0"), "选项--time-limit的值无效：应不小于1。"),
        (("solve", "--seed", "1.5"), "选项--seed的值无效：应为整数。"),
        (("solve", "--time-limit", "1e308"), "选项--time-limit的值无效：应不大于86400。"),
        (("validate", "plan.json"), "缺少参数plan（计划文件plan.json）。"),
        (("solve", "--out"), "选项--out后面要跟一个值。"),
        (("solve", "a", "b c"), "多余的参数：bc（路径中有空格时请加引号）。"),
        (
            ("plan",),
            "没有这个命令：plan（是不是：replan）；可用的命令：solve、replan、validate、template、send、serve",
        ),
        (("--bogus",), "没有这个选项：--bogus。"),
    ],
)
def test_usage_errors_are_told_in_chinese(args, said):
    """A mistyped command line is a usage error (exit 2) told in Chinese with the usage line and where
    to find help, not click's English (``No such option``, ``Missing argument``, ``Invalid value``)."""
    result = runner.invoke(app, list(args), prog_name="schedule")
    assert result.exit_code == EXIT_USAGE, result.output
    flat = _flat(result.output)
    assert said in flat, result.output
    assert "Usage" not in result.output and "Error" not in result.output
    if args != ("solve", "--out"):  # click names no command for an option left without its value
        assert "用法：schedule" in flat


@pytest.mark.parametrize("args", [("--help",), ("solve", "--help"), ("validate", "--help")])
def test_help_is_chinese_but_the_option_names(args):
    """Help pages: panel titles, the usage line, [必填] and the help option's own line in Chinese."""
    result = runner.invoke(app, list(args), prog_name="schedule")
    assert result.exit_code == EXIT_OK, result.output
    for english in ("Usage", "Options", "Arguments", "Commands", "[required]", "Show this message"):
        assert english not in result.output, english
    assert "用法：schedule" in result.output and "显示本帮助并退出。" in result.output
    for kind in ("<path>", "<str>", "<int>", "<float", "<bool>", "x>=", "<=x", "{"):
        assert kind not in result.output, kind


def test_help_pages_name_the_arguments_and_ranges_as_the_readme_does():
    """The usage line names the arguments as the README writes them (SCENARIO PLAN, not typer's
    {scenario} {plan}), and a number's range is said in Chinese (not ``[x>=1]``)."""
    env = {"TERMINAL_WIDTH": "200"}
    validate = runner.invoke(app, ["validate", "--help"], prog_name="schedule", env=env).output
    assert "用法：schedule validate [选项] SCENARIO PLAN" in validate
    solve = runner.invoke(app, ["solve", "--help"], prog_name="schedule", env=env).output
    assert "用法：schedule solve [选项] [SCENARIO]" in solve
    assert "[1 至 86400]" in solve and "[不小于 1]" in solve


def test_solve_help_names_the_ray_extra_in_full():
    """Square brackets in a help text are rich markup unless escaped: the extra's name keeps ``[ray]``."""
    result = runner.invoke(app, ["solve", "--help"], prog_name="schedule", env={"TERMINAL_WIDTH": "200"})
    assert "'inspection-planner[ray]'" in result.output and "<路径>" in result.output


def test_the_workbook_names_every_solve_fact_in_chinese(sample_out):
    """求解信息 as a solve writes it: every item's name is Chinese (plan.stats' ``finish`` showed as
    the English key), the last visit's end among them."""
    book = openpyxl.load_workbook(sample_out / "plan.xlsx", read_only=True)
    names = [row[0] for row in book["求解信息"].iter_rows(min_row=2, max_col=1, values_only=True) if row[0]]
    assert names and all(re.search("[\u4e00-\u9fff]", str(name)) for name in names), names
    plan = json.loads((sample_out / "plan.json").read_text(encoding="utf-8"))
    assert "最后一次巡查结束日期" in names and plan["stats"]["finish"]


def test_a_fault_of_the_tool_is_said_in_chinese_and_kept_for_the_maintainers(monkeypatch, capsys, tmp_path):
    """An unexpected error (a solver's fault, say) ends the command with a Chinese line naming it and
    the file that keeps its traceback, not a traceback on the screen; exit code 1."""
    monkeypatch.setattr(cli.tempfile, "gettempdir", lambda: str(tmp_path))

    def broken() -> None:
        raise IndexError("raw_hash_map<>::at")

    monkeypatch.setattr(cli, "app", broken)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == cli.EXIT_ERROR
    shown = capsys.readouterr().err
    assert "程序内部错误" in shown and "IndexError: raw_hash_map<>::at" in shown and "Traceback" not in shown
    (saved,) = tmp_path.glob("巡查计划-错误-*.txt")
    assert str(saved) in shown.replace("\n", "")
    kept = saved.read_text(encoding="utf-8")
    assert "Traceback" in kept and "raw_hash_map" in kept and "工具版本" in kept


def test_running_out_of_memory_is_said_as_such(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(cli.tempfile, "gettempdir", lambda: str(tmp_path / "absent"))

    def broken() -> None:
        raise MemoryError()

    monkeypatch.setattr(cli, "app", broken)
    with pytest.raises(SystemExit):
        cli.main()
    shown = capsys.readouterr().err
    assert "内存不足" in shown and "详细信息未能保存" in shown and "Traceback" not in shown
