"""``changes.csv``: the change list of a replan (SPEC §5), one row per change.

Columns: ``institution`` (id), ``name``, ``kind`` (新增 / 改期 / 换人 / 更换组长 / 取消), ``kind_code``
(added / moved / member_swapped / leader_changed / cancelled), ``before``, ``after`` and ``reason``
(in Chinese). UTF-8 with a byte-order mark, like the scenario CSV files, so that Excel and WPS open
the Chinese text as it is. Written from the change list and the scenario only.
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from inputs.scenario import Scenario
from outputs.labels import institution_name

if TYPE_CHECKING:
    from scheduler.replan import Change

COLUMNS: tuple[str, ...] = ("institution", "name", "kind", "kind_code", "before", "after", "reason")


def change_rows(scenario: Scenario, changes: Sequence[Change]) -> list[list[str]]:
    """The rows of the change list, in the order of :data:`COLUMNS`."""
    rows = []
    for c in changes:
        name = institution_name(scenario, c.institution)
        rows.append([c.institution, name, c.label, c.kind, c.before, c.after, c.reason])
    return rows


def write_changes(scenario: Scenario, changes: Sequence[Change], path: Path) -> None:
    """Write ``changes.csv`` (a header row even when nothing changed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(change_rows(scenario, changes))
