"""The plan folder of SPEC §4, written all or nothing.

Everything is written into a temporary sibling folder first and moved into
place only when every file is there, so an error never leaves a half-written
folder behind.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from inputs.scenario import Scenario
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


def write_atomically(out: Path, fill: Callable[[Path], None]) -> None:
    """Run ``fill`` on an empty temporary folder, then put it at ``out`` (replacing what was there)."""
    out = out.resolve()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        fill(tmp)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            old.rmdir()
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            tmp.rename(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


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
) -> None:
    """plan.json, scenario/, plan.xlsx, calendars/, notices/ and report.html into ``out``.

    A replan passes its ``changes`` (written to ``changes.csv`` and the workbook's 变更 sheet), the
    baseline's calendar ledger as ``previous_ledger``, and ``only_changed`` so that only new and
    changed invitations are sent again.
    """
    from outputs.calendars import write_calendars
    from outputs.changes import write_changes
    from outputs.notices import write_notices
    from outputs.report import write_report
    from outputs.scenario_csv import write_scenario_csv
    from outputs.workbook import write_workbook

    stamp = now or clock()

    def fill(folder: Path) -> None:
        (folder / "plan.json").write_text(plan.to_json(), encoding="utf-8")
        write_scenario_csv(scenario, folder / "scenario")
        all_facts = dict(facts)
        all_facts["输入校验和"] = folder_checksum(folder / "scenario")
        write_workbook(scenario, plan, folder / "plan.xlsx", all_facts, changes=changes)
        if changes is not None:
            write_changes(scenario, changes, folder / "changes.csv")
        write_calendars(
            scenario,
            plan,
            folder / "calendars",
            now=stamp,
            previous_ledger=previous_ledger,
            only_changed=only_changed,
        )
        write_notices(scenario, plan, folder / "notices")
        write_report(scenario, plan, folder / "report.html")
        if extra is not None:
            extra(folder)

    write_atomically(out, fill)
