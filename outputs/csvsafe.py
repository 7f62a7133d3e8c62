"""Every CSV the tool writes for people: UTF-8 with a byte-order mark, and no cell Excel would run.

Excel and WPS treat a cell that begins with ``=``, ``+``, ``-`` or ``@`` (also after leading blanks,
and one that begins with a tab or carriage return) as a formula; a name typed ``=HYPERLINK(…)`` must
stay text. Control characters are dropped first (:func:`outputs.clean.printable`: a tab, carriage
return or line feed becomes a space, so every cell is one line), then a cell that begins with one of
those characters, after any spaces, gets a leading ``'``, which spreadsheets show as text and our
reader takes off again (``inputs.cells``). So does a cell that already begins with ``'`` before one
of them, so that reading it back gives the cell exactly. Negative numbers are quoted too: no cell of
ours is a number Excel must calculate with, and the reader reads ``'-3`` as ``-3``.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from outputs.clean import printable

_FORMULA = re.compile(r"\s*[=+\-@]|'[=+\-@]")


def safe_cell(value: str) -> str:
    """One cell as written: control characters dropped, a formula neutralised with a leading ``'``."""
    value = printable(value)
    return "'" + value if _FORMULA.match(value) else value


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> None:
    """Write a CSV file for people (and for our reader): BOM, ``\\n`` line ends, every cell safe."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([safe_cell(c) for c in header])
        writer.writerows([safe_cell(c) for c in row] for row in rows)
