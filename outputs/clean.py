"""Text as it may leave the tool: no control characters in any file, message or terminal line.

The reader already drops control and format characters from the cells it reads; what reaches an
output from elsewhere (a plan.json made by another tool, a reason, an exception's text) passes
through :func:`printable` at the output's edge. Control characters (ESC, NUL, DEL, C1), format
characters (right-to-left overrides, zero-width joiners) and lone surrogates are dropped; white
space among them (tab, line feed, carriage return, line and paragraph separators) becomes a space,
or is kept as a line feed where the output has lines (``keep_lines``).
"""

from __future__ import annotations

import unicodedata

_DROPPED = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_LINE_BREAKS = frozenset("\n\r\u2028\u2029\x85\x0b\x0c")


def printable(text: str, *, keep_lines: bool = False) -> str:
    """``text`` without control or format characters (see the module docstring)."""
    if text.isprintable():
        return text
    if keep_lines:
        text = text.replace("\r\n", "\n")
        if all(line.isprintable() for line in text.split("\n")):
            return text  # only line feeds, kept: a whole report goes through here
    out = []
    for char in text:
        if char.isprintable() or unicodedata.category(char) not in _DROPPED:
            out.append(char)
        elif keep_lines and char in _LINE_BREAKS:
            out.append("\n")
        elif char.isspace():
            out.append(" ")
    return "".join(out)
