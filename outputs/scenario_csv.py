"""The normalised scenario as a CSV folder (SPEC §4 ``scenario/``), in the input format of SPEC §3.

One UTF-8 file per sheet with the English sheet and column names, every sheet
written (header only when empty), the tiers sheet with the effective rules of all
five tiers and the params sheet with every key, so that reading the folder back
with ``inputs.reader.read_scenario`` gives an equal Scenario. Codes stay English
(tier, ownership, holiday kind); booleans are ``true``/``false``; lists are joined
with ``;``; dates are ISO. An expert's employer is written as resolved when the
scenario was read (R6: the institution's id where the text named one), so a later
validate or replan of ``OUT/scenario`` sees the same recusals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from pathlib import Path
from typing import Any

from inputs.scenario import TIERS, Scenario
from inputs.schema import PARAM_KEYS, SHEETS, Sheet
from outputs.csvsafe import write_csv

# Where each sheet's records come from.
_RECORDS: dict[str, Callable[[Scenario], Iterable[Any]]] = {
    "institutions": lambda s: s.institutions,
    "experts": lambda s: s.experts,
    "batches": lambda s: s.batches,
    "tiers": lambda s: (s.rule(tier) for tier in TIERS),
    "quotas": lambda s: s.quotas,
    "unavailability": lambda s: s.unavailability,
    "conflicts": lambda s: s.conflicts,
    "pairings": lambda s: s.pairings,
    "teams": lambda s: s.teams,
    "holidays": lambda s: s.holidays,
}
# Columns whose dataclass field has another name.
_FIELDS: dict[tuple[str, str], str] = {
    ("teams", "team"): "name",
    ("tiers", "required_skills"): "written_skills",  # `医疗管理*2` where a part needs more (R4)
}


def write_scenario_csv(scenario: Scenario, folder: Path) -> None:
    """Write every sheet of ``scenario`` as ``<sheet>.csv`` into ``folder`` (created if missing)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for sheet in SHEETS:
        _write(folder / f"{sheet.key}.csv", [c.key for c in sheet.columns], _rows(sheet, scenario))


def _rows(sheet: Sheet, scenario: Scenario) -> list[list[str]]:
    if sheet.key == "params":
        return [[param.key, cell(getattr(scenario.params, param.key))] for param in PARAM_KEYS]
    return [
        [cell(getattr(record, _FIELDS.get((sheet.key, c.key), c.key))) for c in sheet.columns]
        for record in _RECORDS[sheet.key](scenario)
    ]


def cell(value: Any) -> str:
    """One value as the reader reads it back."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return ";".join(cell(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    # A byte-order mark, so that Excel opens the Chinese text correctly, and formula-like cells
    # neutralised with a leading ' (outputs.csvsafe); the reader accepts both and undoes the '.
    write_csv(path, header, rows)
