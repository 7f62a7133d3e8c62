"""``changes.csv``: the change list of a replan (SPEC §5), one row per change a person would name.

Columns, headed in Chinese as everything a planner reads: 机构编号, 机构名称, 变更类型 (新增 / 改期 /
换人 / 更换组长 / 取消, or two of them joined), 变更前, 变更后 and 原因 (rule codes given as the rules'
names); the kind codes stay in ``schedule replan --json``. UTF-8 with a byte-order mark, like the
scenario CSV files, so that Excel and WPS open the Chinese text as it is; a cell Excel would run as a
formula is neutralised (``outputs.csvsafe``). Written from the change list and the scenario only.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from inputs.scenario import Scenario
from outputs.csvsafe import write_csv
from outputs.labels import institution_name, plain_rules

if TYPE_CHECKING:
    from scheduler.replan import Change

COLUMNS: tuple[str, ...] = ("机构编号", "机构名称", "变更类型", "变更前", "变更后", "原因")


def change_rows(scenario: Scenario, changes: Sequence[Change]) -> list[list[str]]:
    """The rows of the change list, in the order of :data:`COLUMNS`."""
    rows = []
    for c in changes:
        name = institution_name(scenario, c.institution)
        rows.append([c.institution, name, c.label, c.before, c.after, plain_rules(c.reason)])
    return rows


def write_changes(scenario: Scenario, changes: Sequence[Change], path: Path) -> None:
    """Write ``changes.csv`` (a header row even when nothing changed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_csv(path, COLUMNS, change_rows(scenario, changes))
