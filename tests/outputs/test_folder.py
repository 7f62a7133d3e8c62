"""The plan folder never destroys what the tool did not write (SPEC §4 "Safety of what is written").

Most tests write a tiny folder with ``write_atomically`` (a plan.json and a notice), so that they
show the folder rules without the writers; the last ones write a whole plan folder with hostile ids.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import socket
import subprocess
import sys
import unicodedata
import zipfile
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path

import pytest

from inputs.scenario import Scenario
from outputs.folder import (
    FAMILIES,
    FIRST_AWAY,
    FIRST_HERE,
    MARKER,
    OLD_PREFIX,
    PARALLEL_VISITS,
    RUN_FILE,
    RUN_SCHEMA,
    SHARED,
    TMP_PREFIX,
    OutError,
    _processes,
    _Shared,
    check_out,
    foreign_files,
    is_plan_folder,
    write_atomically,
    write_plan_folder,
)
from outputs.labels import safe_filename, unique_filenames
from scheduler.executor import cores
from scheduler.plan import Plan

ROOT = Path(__file__).resolve().parents[2]


def _fill(text: str = "一"):
    def fill(folder: Path) -> None:
        (folder / "plan.json").write_text(json.dumps({"version": text}), encoding="utf-8")
        (folder / "notices").mkdir()
        (folder / "notices" / "H1.docx").write_bytes(text.encode("utf-8"))

    return fill


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too) with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def _hidden(parent: Path) -> list[str]:
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


def _dead_pid() -> int:
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(done.stdout)


@pytest.fixture
def scenario_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "方案"
    folder.mkdir()
    (folder / "institutions.csv").write_text("id,name\n", encoding="utf-8")
    return folder


# -- what a new folder gets ---------------------------------------------------------------------------


def test_run_json_lists_every_file_written_and_marks_the_folder(tmp_path: Path) -> None:
    """A new folder gets run.json with the schema, the run's facts and every file with its SHA-256;
    that is what makes it a plan folder of this tool, and nothing hidden is left beside it."""
    out = tmp_path / "plan"
    write_atomically(out, _fill(), run={"seed": 3, "solve_seconds": 1.5})
    run = json.loads((out / RUN_FILE).read_text(encoding="utf-8"))
    assert run["schema"] == RUN_SCHEMA and run["seed"] == 3 and run["solve_seconds"] == 1.5
    assert sorted(run["files"]) == ["notices/H1.docx", "plan.json"]
    assert is_plan_folder(out) and foreign_files(out) == []
    assert _hidden(tmp_path) == [] and _hidden(out) == []


def test_an_empty_folder_or_one_with_only_file_browser_litter_is_written_into(tmp_path: Path) -> None:
    """An empty folder is not a record of anything: it takes the plan without --force (a .DS_Store too)."""
    empty, browsed = tmp_path / "empty", tmp_path / "browsed"
    empty.mkdir()
    browsed.mkdir()
    (browsed / ".DS_Store").write_bytes(b"\0")
    for out in (empty, browsed):
        check_out(out, tmp_path / "elsewhere.xlsx")
        write_atomically(out, _fill())
        assert is_plan_folder(out)


# -- refused: not ours, a file, a previous plan without --force ----------------------------------------


def test_a_folder_with_a_users_file_is_refused_and_the_file_survives(tmp_path: Path) -> None:
    """A non-empty folder without our run.json is refused, before solving and at writing; the user's
    file stays byte for byte and nothing hidden is left beside it."""
    out = tmp_path / "资料"
    out.mkdir()
    (out / "笔记.txt").write_bytes("年度工作安排\n".encode("gb18030"))
    before = _snapshot(out)
    with pytest.raises(OutError, match="不是本工具写出的计划文件夹"):
        check_out(out, tmp_path / "scenario.xlsx", force=True)
    with pytest.raises(OutError, match="不是本工具写出的计划文件夹"):
        write_atomically(out, _fill(), force=True)
    assert _snapshot(out) == before
    assert _hidden(tmp_path) == []


def test_a_plan_json_alone_does_not_make_a_plan_folder(tmp_path: Path) -> None:
    """A folder holding a plan.json made elsewhere (no run.json of ours) is not ours to replace."""
    out = tmp_path / "other"
    out.mkdir()
    (out / "plan.json").write_text('{"schema": "inspection-plan/1"}', encoding="utf-8")
    (out / RUN_FILE).write_text('{"schema": "something-else"}', encoding="utf-8")
    assert not is_plan_folder(out)
    with pytest.raises(OutError):
        check_out(out, tmp_path / "s.xlsx", force=True)


def test_an_existing_file_is_refused(tmp_path: Path) -> None:
    """--out naming a file is refused; the file is not turned into a folder; nor is a folder under it made."""
    path = tmp_path / "somefile.txt"
    path.write_text("keep", encoding="utf-8")
    with pytest.raises(OutError, match="已有的文件"):
        check_out(path, tmp_path / "s.xlsx", force=True)
    with pytest.raises(OutError, match="已有的文件"):
        write_atomically(path, _fill(), force=True)
    with pytest.raises(OutError, match="是一个文件"):
        check_out(path / "plan", tmp_path / "s.xlsx")
    assert path.read_text(encoding="utf-8") == "keep"


def test_a_previous_plan_folder_is_replaced_only_with_force(tmp_path: Path) -> None:
    """Without --force a previous plan folder is refused with a message naming --force; with it the
    new plan takes its place and nothing hidden is left."""
    out = tmp_path / "plan"
    write_atomically(out, _fill("一"))
    with pytest.raises(OutError, match="--force"):
        check_out(out, tmp_path / "s.xlsx")
    with pytest.raises(OutError, match="--force"):
        write_atomically(out, _fill("二"))
    assert (out / "notices" / "H1.docx").read_text(encoding="utf-8") == "一"
    check_out(out, tmp_path / "s.xlsx", force=True)
    write_atomically(out, _fill("二"), force=True)
    assert (out / "notices" / "H1.docx").read_text(encoding="utf-8") == "二"
    assert _hidden(tmp_path) == [] and _hidden(out) == []


def test_force_refuses_a_plan_folder_holding_a_users_file_or_an_edited_one(tmp_path: Path) -> None:
    """--force replaces only what the tool wrote: a 备注.docx put inside, or a notice edited in WPS
    after it was written, is named in the refusal and survives byte for byte."""
    out = tmp_path / "plan"
    write_atomically(out, _fill())
    (out / "备注.docx").write_bytes(b"PK\x03\x04 user notes")
    (out / "notices" / "H1.docx").write_bytes(b"edited by the office")
    before = _snapshot(out)
    with pytest.raises(OutError) as refused:
        check_out(out, tmp_path / "s.xlsx", force=True)
    assert "备注.docx" in str(refused.value) and "notices/H1.docx" in str(refused.value)
    with pytest.raises(OutError):
        write_atomically(out, _fill("二"), force=True)
    assert _snapshot(out) == before
    assert foreign_files(out) == ["notices/H1.docx", "备注.docx"]


def test_a_file_added_while_solving_is_still_not_lost(tmp_path: Path) -> None:
    """The folder is checked again just before the swap: a file dropped in during the run stays."""
    out = tmp_path / "plan"
    write_atomically(out, _fill())

    def fill(folder: Path) -> None:
        _fill("二")(folder)
        (out / "刚放进来的.xlsx").write_bytes(b"user")

    with pytest.raises(OutError):
        write_atomically(out, fill, force=True)
    assert (out / "刚放进来的.xlsx").read_bytes() == b"user"
    assert (out / "notices" / "H1.docx").read_text(encoding="utf-8") == "一"
    assert _hidden(tmp_path) == []


# -- the scenario and the baseline ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (lambda s: s, "本身"),
        (lambda s: s.parent, "不能包含"),
        (lambda s: s / "plan", "之内"),
    ],
    ids=["is-the-scenario", "contains-it", "inside-it"],
)
def test_out_may_not_be_contain_or_lie_inside_the_scenario_folder(scenario_dir: Path, where, message) -> None:
    """--out equal to the CSV folder, its parent (which holds it), or a folder inside it: refused,
    even with --force, and the scenario is untouched."""
    before = _snapshot(scenario_dir.parent)
    with pytest.raises(OutError, match=message):
        check_out(where(scenario_dir), scenario_dir, force=True)
    assert _snapshot(scenario_dir.parent) == before


def test_out_may_not_be_or_contain_the_scenario_workbook(tmp_path: Path) -> None:
    """A workbook as scenario: --out naming it or its folder is refused."""
    book = tmp_path / "方案.xlsx"
    book.write_bytes(b"PK")
    with pytest.raises(OutError, match="输入工作簿本身"):
        check_out(book, book, force=True)
    with pytest.raises(OutError, match="不能包含输入工作簿"):
        check_out(tmp_path, book, force=True)
    check_out(tmp_path / "plan", book)  # a new folder beside it is fine


def test_a_symlink_to_the_scenario_is_seen_through(scenario_dir: Path, tmp_path: Path) -> None:
    """--out reaching the scenario through a symbolic link is refused like the scenario itself."""
    link = tmp_path / "link"
    link.symlink_to(scenario_dir, target_is_directory=True)
    with pytest.raises(OutError):
        check_out(link, scenario_dir, force=True)


@pytest.mark.parametrize("as_file", [False, True], ids=["folder", "plan.json"])
def test_replan_out_may_not_be_in_or_around_the_baseline_folder(tmp_path: Path, as_file: bool) -> None:
    """The announced plan and its ledger are the record a later replan needs: --out equal to the
    baseline's folder, inside it or holding it is refused, with the baseline named either way."""
    baseline = tmp_path / "plans" / "announced"
    write_atomically(baseline, _fill())
    before = _snapshot(baseline)
    given = baseline / "plan.json" if as_file else baseline
    scenario = tmp_path / "in" / "s.xlsx"
    for out in (baseline, baseline / "new", baseline.parent):
        with pytest.raises(OutError, match="原计划文件夹"):
            check_out(out, scenario, baseline=given, force=True)
    assert _snapshot(baseline) == before
    check_out(tmp_path / "plans" / "replanned", scenario, baseline=given)


def test_a_plan_json_given_on_its_own_protects_that_file(tmp_path: Path) -> None:
    """A baseline plan.json lying loose among other files (not in a plan folder): --out may not be
    or hold that file, but a new folder beside it is fine."""
    loose = tmp_path / "downloads"
    loose.mkdir()
    (loose / "plan.json").write_text("{}", encoding="utf-8")
    with pytest.raises(OutError, match="原计划文件"):
        check_out(loose, tmp_path / "s.xlsx", baseline=loose / "plan.json", force=True)
    check_out(loose / "replanned", tmp_path / "s.xlsx", baseline=loose / "plan.json")


# -- interruptions --------------------------------------------------------------------------------------


def test_a_fill_failing_midway_leaves_the_previous_folder_whole(tmp_path: Path) -> None:
    """An error while writing (disk full, a writer's bug) leaves the previous plan exactly as it was
    and no hidden folder behind."""
    out = tmp_path / "plan"
    write_atomically(out, _fill("一"))
    before = _snapshot(out)

    def failing(folder: Path) -> None:
        _fill("二")(folder)
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        write_atomically(out, failing, force=True)
    assert _snapshot(out) == before
    assert _hidden(tmp_path) == []


KILLED_WRITE = """
import os, sys
from pathlib import Path
from outputs import folder
out, when = Path(sys.argv[1]), sys.argv[2]
renames = []
original = Path.rename
def rename(self, target):
    renames.append(target)
    if when == "between-renames" and len(renames) == 2:
        os._exit(9)  # killed after the old folder was set aside, before the new one moved in
    return original(self, target)
Path.rename = rename
def fill(tmp):
    (tmp / "plan.json").write_text("{}", encoding="utf-8")
    (tmp / "notices").mkdir()
    (tmp / "notices" / "H1.docx").write_text("二", encoding="utf-8")
    if when == "while-writing":
        os._exit(9)
folder.write_atomically(out, fill, force=True)
"""


@pytest.mark.parametrize("when", ["while-writing", "between-renames"])
def test_a_killed_run_leaves_the_previous_folder_and_the_next_run_clears_its_leftovers(
    tmp_path: Path, when: str
) -> None:
    """A run killed while writing leaves the previous folder whole; one killed between setting the old
    folder aside and moving the new one in leaves it restorable. The next run puts it back and removes
    the hidden folders it marked — and no other hidden folder beside them."""
    out = tmp_path / "plan"
    write_atomically(out, _fill("一"))
    before = _snapshot(out)
    (tmp_path / ".git").mkdir()  # someone else's hidden folders
    (tmp_path / ".plan.x1y2").mkdir()
    (tmp_path / ".plan.x1y2" / "notes").write_text("not ours", encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", KILLED_WRITE, str(out), when], env=env, cwd=ROOT)
    assert done.returncode == 9
    leftovers = [n for n in _hidden(tmp_path) if n.startswith((TMP_PREFIX, OLD_PREFIX))]
    assert leftovers, "the kill left something to clear"
    if when == "while-writing":
        assert _snapshot(out) == before
    else:
        assert not out.exists()
    check_out(out, tmp_path / "s.xlsx", force=True)  # the next run, before it solves
    assert _snapshot(out) == before
    assert _hidden(tmp_path) == [".git", ".plan.x1y2"]
    write_atomically(out, _fill("三"), force=True)
    assert (out / "notices" / "H1.docx").read_text(encoding="utf-8") == "三"
    assert _hidden(tmp_path) == [".git", ".plan.x1y2"] and _hidden(out) == []


def test_leftovers_of_a_live_run_are_left_alone(tmp_path: Path) -> None:
    """A marked folder whose writer is still running (here: the test's parent process) is not touched;
    one whose writer is gone is removed."""
    live, dead = tmp_path / f"{TMP_PREFIX}live", tmp_path / f"{TMP_PREFIX}dead"
    for folder, pid in ((live, os.getppid()), (dead, _dead_pid())):
        folder.mkdir()
        marker = {"target": "plan", "pid": pid, "host": socket.gethostname()}
        (folder / MARKER).write_text(json.dumps(marker), encoding="utf-8")
        (folder / "plan.json").write_text("{}", encoding="utf-8")
    check_out(tmp_path / "plan", tmp_path / "s.xlsx")
    assert live.is_dir() and not dead.exists()


def test_a_set_aside_plan_is_kept_when_something_else_took_its_place(tmp_path: Path) -> None:
    """A previous plan set aside by a killed run is put back only where nothing is; if the user has
    since made another folder of that name, the set-aside plan is kept rather than deleted."""
    aside = tmp_path / f"{OLD_PREFIX}x"
    write_atomically(aside, _fill("一"))
    marker = {"target": "plan", "pid": _dead_pid(), "host": socket.gethostname()}
    (aside / MARKER).write_text(json.dumps(marker), encoding="utf-8")
    (tmp_path / "plan").mkdir()
    (tmp_path / "plan" / "新文件.txt").write_text("user", encoding="utf-8")
    with pytest.raises(OutError):
        check_out(tmp_path / "plan", tmp_path / "s.xlsx", force=True)
    assert (aside / "notices" / "H1.docx").read_text(encoding="utf-8") == "一"


# -- file names from hostile ids ------------------------------------------------------------------------

HOSTILE = {
    "H1": "../x",
    "H2": "\u202egpj.exe",
    "G1": "\U00020000" * 300,
    "E01": "../../E01",
    "E05": "CON",
    "E06": ".hidden:E06 ",
}


def _hostile(scenario: Scenario, plan: Plan) -> tuple[Scenario, Plan]:
    def new(old: str) -> str:
        return HOSTILE.get(old, old)

    institutions = tuple(dataclasses.replace(i, id=new(i.id)) for i in scenario.institutions)
    experts = tuple(
        dataclasses.replace(e, id=new(e.id), employer=new(e.employer) if e.employer else None)
        for e in scenario.experts
    )
    visits = tuple(
        dataclasses.replace(
            v, institution=new(v.institution), leader=new(v.leader), members=tuple(new(m) for m in v.members)
        )
        for v in plan.visits
    )
    unscheduled = tuple(dataclasses.replace(u, institution=new(u.institution)) for u in plan.unscheduled)
    return (
        dataclasses.replace(scenario, institutions=institutions, experts=experts),
        dataclasses.replace(plan, visits=visits, unscheduled=unscheduled),
    )


def test_hostile_ids_never_make_a_file_outside_out_or_an_unsafe_name(
    tmp_path: Path, scenario: Scenario, plan: Plan, clock: datetime
) -> None:
    """Ids with ``../``, a right-to-left override, a leading dot, a device name and 300 four-byte
    characters: every file lands inside --out, no name is hidden, carries a control or format
    character, or exceeds 255 bytes, and each visit still has its own files."""
    odd_scenario, odd_plan = _hostile(scenario, plan)
    out = tmp_path / "deep" / "plan"
    write_plan_folder(odd_scenario, odd_plan, out, facts={}, now=clock)
    everything = sorted(tmp_path.rglob("*"))
    assert all(p == out or out in p.parents or p == out.parent for p in everything)
    for path in everything:
        name = path.name
        assert len(name.encode("utf-8")) <= 255, name
        assert not name.startswith("."), name
        assert not any(unicodedata.category(ch) in ("Cc", "Cf") for ch in name), repr(name)
        assert name.split(".")[0].upper() != "CON"
    requests = list((out / "calendars" / "requests").glob("*.ics"))
    assert len(requests) == sum(len(v.members) for v in odd_plan.visits)
    assert len(list((out / "calendars" / "institutions").glob("*.ics"))) == len(odd_plan.visits)


def test_ids_that_sanitise_alike_keep_distinct_file_names() -> None:
    """``a/b`` and ``a_b``, ``H1`` and ``h1`` (one file on Windows and macOS) get distinct stems; an id
    that needs no change keeps its own name, so names do not depend on which other ids are present."""
    names = unique_filenames([("a/b", "a/b"), ("a_b", "a_b"), ("H1", "H1"), ("h1", "h1"), ("E01", "E01")])
    assert len({n.casefold() for n in names.values()}) == 5
    assert names["E01"] == "E01"
    assert unique_filenames([("E01", "E01")]) == {"E01": "E01"}
    assert safe_filename("../x") == "_x" and safe_filename("CON") == "_CON"
    assert len(safe_filename("\U00020000" * 300).encode("utf-8")) <= 200


# -- written by two processes ----------------------------------------------------------------------


def _contents(folder: Path) -> dict[str, object]:
    """What a plan folder says, leaving out what records the moment of writing: run.json's
    ``written_at`` (and the workbook's digest, which includes it), the workbook's creation time."""
    out: dict[str, object] = {}
    for name, data in _snapshot(folder).items():
        if name == RUN_FILE:
            run = json.loads(data)
            run.pop("written_at")
            run["files"].pop("plan.xlsx")
            out[name] = run
        elif name.endswith(".xlsx"):
            with zipfile.ZipFile(io.BytesIO(data)) as book:
                out[name] = {n: book.read(n) for n in book.namelist() if n != "docProps/core.xml"}
        else:
            out[name] = data
    return out


def test_two_processes_write_the_folder_one_process_writes(
    tmp_path: Path, scenario: Scenario, plan: Plan, clock: datetime
) -> None:
    """A large plan's files are shared out between this process and a second one; every file comes
    out byte for byte as one process writes it, and nothing more or less."""
    one, two = tmp_path / "one", tmp_path / "two"
    write_plan_folder(scenario, plan, one, facts={"工具版本": "1"}, now=clock, processes=1)
    write_plan_folder(scenario, plan, two, facts={"工具版本": "1"}, now=clock, processes=2)
    assert _contents(one) == _contents(two)
    assert (two / "plan.xlsx").is_file() and (two / "calendars" / "overview.ics").is_file()
    assert _hidden(tmp_path) == []


def test_a_small_plan_is_written_in_one_process_and_a_large_one_in_two(plan: Plan) -> None:
    """Starting a process costs more than a small plan's files; a large one's are shared out when
    the machine has two cores, and ``processes`` says how many whatever the plan's size."""
    large = dataclasses.replace(plan, visits=plan.visits * (PARALLEL_VISITS // len(plan.visits) + 1))
    assert _processes(plan, None) == 1
    assert _processes(large, None) == min(2, cores())
    assert _processes(plan, 2) == 2 and _processes(large, 1) == 1


class _Pool:
    """Stands for the second process: records the families it is given, fails on ``failing``."""

    def __init__(self, failing: str | None = None) -> None:
        self.given: list[str] = []
        self.failing = failing

    def submit(self, _writer: object, *args: object) -> Future:
        (family,) = args[-1]  # type: ignore[misc]
        self.given.append(family)
        future: Future = Future()
        if family == self.failing:
            future.set_exception(OSError(28, "No space left on device"))
        else:
            future.set_result({f"{family}.txt": family})
        return future


def test_the_two_processes_share_out_every_family_once() -> None:
    """Each family is written by one process: the second starts with the workbook, this one with the
    experts' calendars, and each takes the next of the rest when it is free."""
    assert sorted((FIRST_HERE, FIRST_AWAY, *SHARED)) == sorted(FAMILIES)
    shared, pool = _Shared(SHARED), _Pool()
    here = [shared.take(), shared.take()]  # this process is quicker at first
    shared.away(pool, b"job")  # type: ignore[arg-type]
    assert here == list(SHARED[:2]) and pool.given == [FIRST_AWAY, *SHARED[2:]]
    assert shared.take() is None
    assert set(shared.result()) == {f"{f}.txt" for f in pool.given}


def test_a_family_failing_in_the_second_process_stops_the_sharing_and_is_raised() -> None:
    """What goes wrong in the second process (a full disk) reaches the caller, and neither process
    starts another family after it."""
    shared, pool = _Shared(SHARED), _Pool(failing=SHARED[0])
    shared.away(pool, b"job")  # type: ignore[arg-type]
    assert pool.given == [FIRST_AWAY, SHARED[0]]
    assert shared.take() is None
    with pytest.raises(OSError, match="No space"):
        shared.result()
