"""The plan folder of SPEC §4, written all or nothing, never over what the tool did not write.

Everything is written into a hidden sibling folder first (``.inspection-plan-tmp-…``, marked
inside by ``.inspection-plan-writing``) and moved into place only when every file is there, so
an error never leaves a half-written folder behind. Beside the plan goes ``run.json``: the facts
of the run that differ from run to run (times, tool version) and every file written with its
SHA-256. That file is how a plan folder of this tool is recognised, and how a later run with
``--force`` knows whether anything in it is not its own (SPEC §4 "Safety of what is written").
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import json
import os
import pickle
import shutil
import socket
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path
from stat import S_ISREG
from typing import TYPE_CHECKING, Any

from inputs.scenario import Scenario
from outputs.labels import Written, recorded_digest, recording
from scheduler.plan import Plan

if TYPE_CHECKING:
    from scheduler.replan import Change


def clock() -> datetime:
    """Now, or the moment named by SOURCE_DATE_EPOCH (for reproducible calendar stamps)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def folder_checksum(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


# -- safety of what is written (SPEC §4) -------------------------------------------

RUN_FILE = "run.json"
RUN_SCHEMA = "inspection-plan-run/1"
TMP_PREFIX = ".inspection-plan-tmp-"  # a folder being written, beside --out
OLD_PREFIX = ".inspection-plan-old-"  # the previous plan folder, set aside while the new one moves in
MARKER = ".inspection-plan-writing"  # inside those two: whose they are (target, pid, host)
# Files a file browser drops into any folder it shows; they hold nothing of the user's.
OS_LITTER = frozenset({".DS_Store", "Thumbs.db", "ehthumbs.db", "desktop.ini", ".directory"})
MAX_LISTED = 10
_ACTIVE: set[Path] = set()  # folders this process is writing right now


class OutError(Exception):
    """``--out`` cannot be written without destroying something; the message is Chinese."""


def check_out(out: Path, scenario_path: Path, *, baseline: Path | None = None, force: bool = False) -> None:
    """Raise :class:`OutError` unless writing a plan folder at ``out`` is safe (SPEC §4).

    ``out`` may not be, contain or lie inside the scenario (a workbook or a CSV folder), nor, for a
    replan, the ``baseline`` plan's folder (a ``plan.json`` given on its own outside a plan folder:
    the file itself); an existing file is refused; an existing folder must be
    empty, or a plan folder of this tool with ``force`` and nothing in it the tool did not write.
    Leftovers of a killed run beside ``out`` are cleared first (the previous folder put back).
    """
    out = _absolute(out)
    _check_ancestors(out)
    scenario = _absolute(scenario_path)
    kind = "输入工作簿" if scenario.is_file() else "输入方案文件夹"
    _check_apart(out, scenario, kind)
    if baseline is not None:
        base = _absolute(baseline)
        if base.is_dir():
            _check_apart(out, base, "原计划文件夹")
        elif is_plan_folder(base.parent) or (base.parent / "calendars" / "ledger.json").is_file():
            _check_apart(out, base.parent, "原计划文件夹")
        else:  # a plan.json on its own, among other files: it is what must not be touched
            _check_apart(out, base, "原计划文件")
    if out.parent.is_dir():
        recover_leftovers(out.parent)
        _clear_stray_marker(out)
    _check_target(out, force)
    if out.is_dir() and _within(_cwd(), out):
        raise OutError(
            "这是当前所在的文件夹（或包含它），不能整体替换；"
            "请用 --out 指定一个新的子文件夹，例如 --out 巡查计划。"
        )


def is_plan_folder(folder: Path) -> bool:
    """True when ``folder`` holds a ``run.json`` of this tool listing the files it wrote, with plan.json."""
    return _manifest(folder) is not None


def foreign_files(folder: Path) -> list[str]:
    """Files in a plan folder the tool did not write, or changed since (relative paths, sorted).

    Empty folders, file-browser litter and the markers of an interrupted run do not count.
    """
    files = _manifest(folder) or {}
    found: list[str] = []
    for root, dirs, names in os.walk(folder):
        base = Path(root)
        for name in sorted(dirs):
            if (base / name).is_symlink():
                found.append((base / name).relative_to(folder).as_posix())
        for name in names:
            path = base / name
            rel = path.relative_to(folder).as_posix()
            if name in OS_LITTER or rel in (RUN_FILE, MARKER):
                continue
            if path.is_symlink() or rel not in files or _sha256(path) != files[rel]:
                found.append(rel)
    return sorted(found)


def recover_leftovers(parent: Path) -> None:
    """Clear what killed runs left in ``parent``: a half-written folder is removed, a previous plan
    folder set aside is put back if nothing took its place (else removed). Only hidden folders with
    this tool's prefix and marker are touched (and empty ones with the prefix), never a running write's."""
    for entry in sorted(parent.iterdir()):
        if not entry.name.startswith((TMP_PREFIX, OLD_PREFIX)) or entry.is_symlink() or not entry.is_dir():
            continue
        marker = _read_marker(entry)
        if marker is None:
            if not any(entry.iterdir()):
                entry.rmdir()  # killed between creating the folder and marking it
            continue
        if _alive(marker, entry):
            continue
        target = parent / marker["target"]
        if entry.name.startswith(OLD_PREFIX):
            if not target.exists() and not target.is_symlink():
                entry.rename(target)  # killed between the two renames: the previous plan comes back
                (target / MARKER).unlink(missing_ok=True)
                continue
            if not is_plan_folder(target):
                continue  # something else took its place: keep the previous plan rather than guess
        _remove_marked(entry)
        _clear_stray_marker(target)


def write_atomically(
    out: Path, fill: Callable[[Path], None], *, force: bool = False, run: Mapping[str, Any] | None = None
) -> None:
    """Run ``fill`` on a new hidden folder beside ``out``, add ``run.json``, then put it at ``out``.

    ``out`` must be absent, empty, or (with ``force``) a plan folder holding only what the tool
    wrote; otherwise :class:`OutError`. The previous folder is renamed aside, the new one renamed into
    place, and the old one deleted only then; if a step fails the old one comes back, and a run killed
    at any point leaves the previous folder whole (or restorable by :func:`recover_leftovers`).
    """
    out = _absolute(out)
    _check_ancestors(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    recover_leftovers(out.parent)
    _clear_stray_marker(out)
    _check_target(out, force)
    tmp = Path(tempfile.mkdtemp(prefix=TMP_PREFIX, dir=out.parent))
    _ACTIVE.add(tmp)
    try:
        _mark(tmp, out.name)
        fill(tmp)
        _write_run(tmp, run or {})
        _check_target(out, force)  # again: the folder may have changed while the plan was made
        _swap(tmp, out)
    except BaseException:
        _remove_marked(tmp)
        raise
    finally:
        _ACTIVE.discard(tmp)


def _swap(tmp: Path, out: Path) -> None:
    if not out.exists():
        tmp.rename(out)
        (out / MARKER).unlink(missing_ok=True)
        return
    aside = Path(tempfile.mkdtemp(prefix=OLD_PREFIX, dir=out.parent))
    aside.rmdir()
    _ACTIVE.update((aside, out))
    try:
        _mark(out, out.name)
        try:
            out.rename(aside)
        except BaseException:
            (out / MARKER).unlink(missing_ok=True)
            raise
        try:
            tmp.rename(out)
        except BaseException:
            aside.rename(out)
            (out / MARKER).unlink(missing_ok=True)
            raise
        (out / MARKER).unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            _remove_marked(aside)  # what is left is cleared by the next run
    finally:
        _ACTIVE.difference_update((aside, out))


def _write_run(folder: Path, run: Mapping[str, Any]) -> None:
    found: list[tuple[tuple[str, ...], str, os.stat_result]] = []
    for root, _, names in os.walk(folder):
        inside = Path(root).relative_to(folder).parts
        for name in names:
            path = os.path.join(root, name)
            try:
                stat = os.stat(path)
            except OSError:
                continue
            if name != MARKER and S_ISREG(stat.st_mode):
                found.append(((*inside, name), path, stat))
    # in the order of the paths (pathlib's: part by part, in the case the system compares)
    found.sort(key=lambda item: tuple(os.path.normcase(part) for part in item[0]))
    files = {}
    for parts, path, stat in found:
        # what outputs.labels.write_file wrote is known; the rest (a few large files) is read
        files["/".join(parts)] = recorded_digest(path, stat) or _sha256(Path(path))
    doc = {
        "schema": RUN_SCHEMA,
        "tool": "inspection-planner",
        "version": _version(),
        "written_at": clock().isoformat(),
        **run,
        "files": files,
    }
    (folder / RUN_FILE).write_text(json.dumps(doc, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def _manifest(folder: Path) -> dict[str, str] | None:
    """The files a plan folder's run.json lists with their digests, or None if it is not one."""
    try:
        doc = json.loads((folder / RUN_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or doc.get("schema") != RUN_SCHEMA:
        return None
    files = doc.get("files")
    if not isinstance(files, dict) or "plan.json" not in files or not (folder / "plan.json").is_file():
        return None
    return {str(k): str(v) for k, v in files.items()}


def _check_target(out: Path, force: bool) -> None:
    if out.is_symlink() and not out.exists():
        raise OutError("这是一个失效的符号链接；请用 --out 指定一个文件夹。")
    if out.exists() and not out.is_dir():
        raise OutError("这是一个已有的文件，不是文件夹；为免覆盖它，未写出。请用 --out 指定一个文件夹。")
    if not out.is_dir() or _is_empty(out):
        return
    if not is_plan_folder(out):
        raise OutError(
            "该文件夹已存在且不是空的，也不是本工具写出的计划文件夹（其中没有本工具的 run.json 标记）；"
            "为免删除其中的文件，未写出。请用 --out 指定一个新的或空的文件夹。"
        )
    if not force:
        raise OutError(
            "该文件夹中已有一份本工具写出的计划；如要替换它请加 --force，或用 --out 另选一个文件夹。"
        )
    foreign = foreign_files(out)
    if foreign:
        listed = "、".join(_printable(p) for p in foreign[:MAX_LISTED])
        more = f" 等 {len(foreign)} 个" if len(foreign) > MAX_LISTED else ""
        raise OutError(
            f"该计划文件夹中有不是本工具写出、或写出后被修改过的文件：{listed}{more}；替换会删除它们，"
            "因此未写出。请先把这些文件移出该文件夹，或用 --out 另选一个文件夹。"
        )


def _check_apart(out: Path, other: Path, kind: str) -> None:
    if _within(out, other) and _within(other, out):
        raise OutError(f"输出文件夹不能是{kind}本身（{other}）；请用 --out 另选一个文件夹。")
    if _within(other, out):
        raise OutError(
            f"输出文件夹不能包含{kind}（{other}），替换它会删除其中的内容；请用 --out 另选一个文件夹。"
        )
    if _within(out, other):
        raise OutError(f"输出文件夹不能位于{kind}（{other}）之内；请用 --out 另选一个文件夹。")


def _check_ancestors(out: Path) -> None:
    for parent in out.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutError(f"“{parent}”是一个文件，不能在其中建立文件夹；请用 --out 指定其他位置。")
            return


def _cwd() -> Path:
    try:
        return Path.cwd()
    except OSError:  # the working folder was deleted under us: it is in no --out
        return Path("/nonexistent-working-folder")


def _absolute(path: Path) -> Path:
    return Path(path).expanduser().resolve()


def _within(inner: Path, outer: Path) -> bool:
    """``inner`` is ``outer`` or lies inside it; symbolic links, and letter case on disks that
    ignore it, are seen through."""
    inner, outer = _absolute(inner), _absolute(outer)
    outer_exists = outer.exists()
    for path in (inner, *inner.parents):
        if path == outer:
            return True
        if outer_exists and path.exists():
            try:
                if os.path.samefile(path, outer):
                    return True
            except OSError:
                continue
    return False


def _is_empty(folder: Path) -> bool:
    return all(entry.name in OS_LITTER or entry.name == MARKER for entry in folder.iterdir())


def _mark(folder: Path, target: str) -> None:
    doc = {"target": target, "pid": os.getpid(), "host": socket.gethostname()}
    (folder / MARKER).write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def _read_marker(folder: Path) -> dict[str, Any] | None:
    try:
        doc = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(doc, dict) or not isinstance(doc.get("pid"), int):
        return None
    target = doc.get("target")
    if not isinstance(target, str) or target in ("", ".", "..") or "/" in target or "\\" in target:
        return None
    return doc


def _alive(marker: dict[str, Any], folder: Path) -> bool:
    """Whether the run that marked ``folder`` may still be writing (then its folders are left alone)."""
    pid = marker["pid"]
    if marker.get("host") != socket.gethostname():
        # another machine on a shared disk: wait a day before calling its folders abandoned
        try:
            return time.time() - (folder / MARKER).stat().st_mtime < 86400
        except OSError:
            return False
    if pid == os.getpid():
        return folder in _ACTIVE
    if os.name == "nt":  # pragma: no cover - os.kill would end the process on Windows
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists but belongs to someone else
    return True


def _remove_marked(folder: Path) -> None:
    """Delete a marked folder, the marker last, so a deletion cut short is still recognised."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        if entry.name == MARKER:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    (folder / MARKER).unlink(missing_ok=True)
    folder.rmdir()


def _clear_stray_marker(folder: Path) -> None:
    marker = _read_marker(folder) if folder.is_dir() and not folder.is_symlink() else None
    if marker is not None and not _alive(marker, folder):
        (folder / MARKER).unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version() -> str:
    try:
        return metadata.version("inspection-planner")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0+unknown"


def _printable(text: str) -> str:
    """A path as shown in a message: control and format characters (bidi overrides) made visible."""
    return "".join(f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", "Cf") else ch for ch in text)


# A plan of this many visits or more is written by two processes side by side (SPEC §4 unchanged:
# every file is written by exactly one of them, byte for byte as alone); below it, starting a process
# costs more than it saves.
PARALLEL_VISITS = 300
# The families of files, in the order a single process writes them.
FAMILIES = ("workbook", "changes", "calendars", "published", "milestones", "notices", "letters", "report")
# The module that writes a family not named after it (the second process imports them all first).
WRITERS = {"published": "calendars"}
# Two processes: the second starts with the workbook (its time is xlsxwriter's, on the CPU), this one
# with the calendars (thousands of small files: much of their time is the kernel's making them, which
# differs tenfold from one disk to another); then each takes the next of SHARED, largest first, as soon
# as it is free, so that they end together on a fast disk or a slow one. With the families fixed to
# each process instead, one of them waited for the other: at the province on this machine's slower
# folder the calendars took 5 s instead of 2, and the folder 7.1–7.9 s.
FIRST_HERE, FIRST_AWAY = "calendars", "workbook"
SHARED = ("notices", "letters", "published", "milestones", "report", "changes")


@dataclass(frozen=True)
class _Job:
    """What the writers need, as plain picklable values (it crosses to the second process)."""

    scenario: Scenario
    plan: Plan
    folder: Path
    facts: dict[str, str]
    stamp: datetime
    previous_ledger: dict | None
    only_changed: bool
    changes: Sequence[Change] | None


def write_plan_folder(
    scenario: Scenario,
    plan: Plan,
    out: Path,
    *,
    facts: dict[str, str],
    now: datetime | None = None,
    previous_ledger: dict | None = None,
    extra: Callable[[Path], None] | None = None,
    changes: Sequence[Change] | None = None,
    only_changed: bool = False,
    force: bool = False,
    run: Mapping[str, Any] | None = None,
    processes: int | None = None,
) -> None:
    """plan.json, scenario/, plan.xlsx, calendars/, notices/, report.html and run.json into ``out``.

    ``run`` adds the run's facts to run.json; ``force`` lets a previous plan folder be replaced
    (see :func:`write_atomically`).

    A replan passes its ``changes`` (written to ``changes.csv`` and the workbook's 变更 sheet), the
    baseline's calendar ledger as ``previous_ledger``, and ``only_changed`` so that only new and
    changed invitations are sent again.

    ``processes`` 1 writes everything in this process; by default a plan of :data:`PARALLEL_VISITS`
    visits or more is written by two processes when the machine has two cores.
    """
    from outputs.scenario_csv import write_scenario_csv

    stamp = now or clock()

    def first_files(folder: Path) -> _Job:
        """scenario/, and what the writers of the other files need (its checksum is a fact)."""
        write_scenario_csv(scenario, folder / "scenario")
        all_facts = dict(facts)
        all_facts["输入校验和"] = folder_checksum(folder / "scenario")
        return _Job(scenario, plan, folder, all_facts, stamp, previous_ledger, only_changed, changes)

    def fill(folder: Path) -> None:
        if _processes(plan, processes) > 1:
            with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
                # the second process starts and loads its writers while this one writes the first files
                loading = pool.submit(_load, FAMILIES)
                job = first_files(folder)
                # pickled here, before this process goes on to use (and index) the same plan
                shared = _Shared(SHARED)
                away = threading.Thread(target=shared.away, args=(pool, pickle.dumps(job)), daemon=True)
                away.start()
                try:
                    _write_plan_json(folder, plan)  # seconds at a national round: the other one is busy
                    family: str | None = FIRST_HERE
                    while family is not None:
                        _write_families(job, (family,))
                        family = shared.take()
                finally:
                    shared.close()
                    away.join()
                loading.result()
                written.update(shared.result())
        else:
            job = first_files(folder)
            _write_plan_json(folder, plan)
            _write_families(job, FAMILIES)
        if extra is not None:
            extra(folder)

    with recording() as written:  # run.json takes the digests of what the writers wrote
        write_atomically(out, fill, force=force, run=run)


def _write_plan_json(folder: Path, plan: Plan) -> None:
    (folder / "plan.json").write_text(plan.to_json(), encoding="utf-8")


def _processes(plan: Plan, asked: int | None) -> int:
    if asked is not None:
        return max(1, asked)
    if len(plan.visits) < PARALLEL_VISITS:
        return 1
    from scheduler.executor import cores

    return min(2, cores())


def _load(families: Sequence[str]) -> None:
    """Import the writers of ``families`` (and make the documents' template), ahead of the job."""
    for family in families:
        importlib.import_module(f"outputs.{WRITERS.get(family, family)}")
        if family in ("notices", "letters"):
            from outputs.documents import prepare

            prepare()


class _Shared:
    """The families two processes share out (:data:`SHARED`): each takes the next one when it is free.

    :meth:`away` runs in a thread of this process, waiting on the second process: it gives it the job
    with :data:`FIRST_AWAY`, then family after family until none is left or :meth:`close` is called;
    what went wrong there is raised by :meth:`result`."""

    def __init__(self, families: Sequence[str]) -> None:
        self._left = list(families)
        self._lock = threading.Lock()
        self._written: dict[str, Written] = {}
        self._error: BaseException | None = None

    def take(self) -> str | None:
        with self._lock:
            return self._left.pop(0) if self._left and self._error is None else None

    def close(self) -> None:
        with self._lock:
            self._left.clear()

    def away(self, pool: ProcessPoolExecutor, job: bytes) -> None:
        try:
            future = pool.submit(_write_pickled, job, (FIRST_AWAY,))
            while True:
                self._written.update(future.result())
                family = self.take()
                if family is None:
                    return
                future = pool.submit(_write_more, (family,))
        except BaseException as error:  # raised in the calling thread by result()
            with self._lock:
                self._error = error

    def result(self) -> dict[str, Written]:
        if self._error is not None:
            raise self._error
        return self._written


_JOB: list[_Job] = []  # in the second process: the job of the folder being written


def _write_pickled(job: bytes, families: Sequence[str]) -> dict[str, Written]:
    """Write ``families`` in the second process, keeping the job for :func:`_write_more`; what it
    wrote goes back for run.json."""
    _JOB[:] = [pickle.loads(job)]
    return _write_more(families)


def _write_more(families: Sequence[str]) -> dict[str, Written]:
    """Write more ``families`` of the job :func:`_write_pickled` brought to the second process."""
    with recording() as written:
        _write_families(_JOB[0], families)
        return dict(written)


def _write_families(job: _Job, families: Sequence[str]) -> None:
    """Write the named families of files of the plan folder (see :data:`FAMILIES`); each writer is
    imported when needed, so that the second process loads only its own."""
    scenario, plan, folder, changes = job.scenario, job.plan, job.folder, job.changes
    for family in families:
        if family == "workbook":
            from outputs.workbook import write_workbook

            write_workbook(scenario, plan, folder / "plan.xlsx", job.facts, changes=changes)
        elif family == "changes" and changes is not None:
            from outputs.changes import write_changes

            write_changes(scenario, changes, folder / "changes.csv")
        elif family == "calendars":  # the experts' (requests, their calendars, the ledger)
            from outputs.calendars import write_calendars

            write_calendars(
                scenario,
                plan,
                folder / "calendars",
                now=job.stamp,
                previous_ledger=job.previous_ledger,
                only_changed=job.only_changed,
                changes=changes,
                published=False,
            )
        elif family == "published":  # the institutions' calendars and the overview
            from outputs.calendars import write_published

            write_published(
                scenario, plan, folder / "calendars", now=job.stamp, previous_ledger=job.previous_ledger
            )
        elif family == "milestones":  # the office's (R14)
            from outputs.milestones import write_calendar

            write_calendar(scenario, plan, folder / "calendars", job.stamp)
        elif family == "notices":
            from outputs.notices import write_notices

            write_notices(scenario, plan, folder / "notices", changes=changes)
        elif family == "letters":  # 巡查通知 (R14)
            from outputs.letters import write_letters

            write_letters(scenario, plan, folder / "letters", changes=changes)
        elif family == "report":
            from outputs.report import write_report

            write_report(scenario, plan, folder / "report.html", changes=changes)
