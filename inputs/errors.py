"""Input problems and the error that carries all of them.

The reader collects every problem it finds in a scenario (it never stops at the
first) and raises one :class:`InputError` listing them. Each :class:`Problem`
names the place as the planner sees it — the file or sheet name as written, the
spreadsheet row number (header row 1, first data row 2), the column header as
written — with the offending value and what was expected, and prints as one
Chinese line.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as the planner sees it."""

    source: str  # file name (CSV folder) or sheet name (workbook), as the planner wrote it
    row: int | None = None  # spreadsheet row number; None for sheet-level problems
    column: str | None = None  # column header as written
    value: str | None = None  # the offending value as written; None when it is missing
    expected: str | None = None  # what would be accepted
    reason: str = "无效"  # what is wrong with the value, e.g. "无效", "重复", "缺少必填值"

    def location(self) -> str:
        text = self.source
        if self.row is not None:
            text += f" 第 {self.row} 行"
        if self.column:
            text += f" “{self.column}” 列"
        return text

    def __str__(self) -> str:
        text = f"{self.location()}："
        if self.value is not None:
            text += f"值 “{self.value}” "
        text += self.reason
        if self.expected:
            # A hint that is already a request ("请…") reads better without "应为".
            text += f"，{self.expected}" if self.expected.startswith("请") else f"，应为 {self.expected}"
        return _printable(text)


def _printable(text: str) -> str:
    """The line without control or format characters (a file name typed with ESC must not reach the
    terminal as an escape sequence)."""
    if text.isprintable():
        return text
    return "".join(c for c in text if unicodedata.category(c) not in {"Cc", "Cf", "Cs"})


class InputError(Exception):
    """The scenario cannot be used; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)
