"""Turning one spreadsheet cell into a clean value.

Cells arrive as text (CSV) or as what openpyxl gives (str, int, float, bool,
datetime). Each parser returns the clean value or raises :class:`CellError` with
what was expected, in Chinese; the reader adds the place. Keys (ids, districts,
skills, e-mail addresses) are NFKC-normalised so full-width letters and digits
match; display text (names, addresses, reasons) is only stripped, keeping its
Chinese punctuation.

Every text cell is cleaned first: control and format characters (ESC, NUL,
right-to-left overrides, zero-width joiners) are dropped, so none reaches a
file, a message or the terminal; and a leading ``'`` that neutralises a formula
(``'=…``, ``'+…``, ``'-…``, ``'@…``, as our CSV files write them for Excel) is
taken off again.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email
from openpyxl.utils.datetime import from_excel

from inputs.scenario import TIER_LABELS
from inputs.schema import (
    FALSE_WORDS,
    HOLIDAY_KIND_LOOKUP,
    OWNERSHIP_LOOKUP,
    PACE_LOOKUP,
    TIER_LOOKUP,
    TRUE_WORDS,
    normalise_name,
)

TIER_EXPECTED = "、".join(TIER_LABELS.values()) + " 之一"
OWNERSHIP_EXPECTED = "公立、民营 之一"
BOOL_EXPECTED = "是 或 否（也可写 yes/no、true/false、1/0）"
DATE_EXPECTED = "日期，如 2025-03-03、2025/3/3 或 2025年3月3日"
INT_EXPECTED = "整数"
EMAIL_EXPECTED = "电子邮箱地址，如 name@example.cn"
# The years a date may lie in: wide enough for any round, narrow enough that no
# calendar built from a date grows with a typo.
DATE_YEARS = (1900, 2200)
DATE_RANGE_EXPECTED = f"{DATE_YEARS[0]} 到 {DATE_YEARS[1]} 年之间的日期"
# Whole numbers longer than this are out of every range; they are refused before
# Python is asked to convert them.
_MAX_DIGITS = 15
SHARE_EXPECTED = "0 到 1 之间的比例，如 0.3 或 30%"
PACE_EXPECTED = "均衡（even）或 尽早（early）"
KIND_EXPECTED = "放假（holiday）或 上班（workday）"

_ITEM_SEPARATORS = re.compile(r"[;；、,，]")
_DATE_TEXT = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]0{1,2}:0{2}(?::0{2}(?:\.0+)?)?)?"
)
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_INT_TEXT = re.compile(r"([+-]?)(\d+)(?:\.0*)?")
_NUMBER_TEXT = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# Excel serial numbers of 1900-01-01 … 2199-12-31, for date cells stored as numbers.
_EXCEL_SERIALS = (1, 109574)


class CellError(ValueError):
    """A cell's value cannot be read; ``expected`` says what would be accepted."""

    def __init__(self, expected: str, value: str | None = None, *, too_large: bool = False) -> None:
        super().__init__(expected)
        self.expected = expected
        self.value = value  # the part of the cell at fault, when not the whole cell
        self.too_large = too_large  # a number, but beyond every range


def clean(raw: str) -> str:
    """Text without control or format characters; white-space controls (tab, line feed) become spaces."""
    if raw.isprintable():
        return raw
    return "".join(
        (" " if char.isspace() else "") if unicodedata.category(char) in _DROPPED else char for char in raw
    )


_DROPPED = frozenset({"Cc", "Cf", "Cs"})
_FORMULA_QUOTE = re.compile(r"'(?=[=+\-@])")
_SPACES = re.compile(r"\s+")


def is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def display(value: Any) -> str:
    """A cell as the planner would read it back in a message."""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    shown = clean(str(value)).strip()
    match = _FORMULA_QUOTE.match(shown)
    return shown[match.end() :] if match else shown


def text(value: Any) -> str:
    """Display text: stripped, inner runs of white space made one space."""
    return _SPACES.sub(" ", display(value))


def key(value: Any) -> str:
    """An identifier: NFKC-normalised (full-width letters and digits made plain), stripped."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", display(value))).strip()


def integer(value: Any) -> int:
    if isinstance(value, bool):
        raise CellError(INT_EXPECTED)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():  # False for inf and nan
            return int(value)
        raise CellError(INT_EXPECTED)
    match = _INT_TEXT.fullmatch(key(value).replace(",", ""))
    if match is None:
        raise CellError(INT_EXPECTED)
    digits = match[2].lstrip("0") or "0"
    if len(digits) > _MAX_DIGITS:
        raise CellError(INT_EXPECTED, too_large=True)
    return int(match[1] + digits)


def boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = normalise_name(key(value))
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(BOOL_EXPECTED)


def day(value: Any) -> date:
    """A date from an Excel date cell, an Excel serial number, or text in the usual Chinese forms."""
    result = _day(value)
    if not DATE_YEARS[0] <= result.year <= DATE_YEARS[1]:
        raise CellError(DATE_RANGE_EXPECTED)
    return result


def _day(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if _EXCEL_SERIALS[0] <= value <= _EXCEL_SERIALS[1] and float(value).is_integer():
            return from_excel(value).date()
        raise CellError(DATE_EXPECTED)
    raw = key(value)
    match = _DATE_TEXT.fullmatch(raw) or _COMPACT_DATE.fullmatch(raw)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3]))
        except ValueError:
            pass
    raise CellError(DATE_EXPECTED)


def share(value: Any) -> float:
    """A proportion: 0.3, "30%" or 30 (a number above 1 is read as a percentage)."""
    if isinstance(value, bool):
        raise CellError(SHARE_EXPECTED)
    if isinstance(value, int | float):
        number = float(value)
        percent = False
    else:
        raw = key(value).replace(" ", "")
        percent = raw.endswith("%")
        raw = raw.removesuffix("%")
        if not _NUMBER_TEXT.fullmatch(raw):
            raise CellError(SHARE_EXPECTED)
        number = float(raw)
    if percent or number > 1:
        number /= 100
    if not 0 <= number <= 1:
        raise CellError(SHARE_EXPECTED)
    return number


def email(value: Any) -> str:
    """An e-mail address, checked for its form only (no network look-up) and stored normalised."""
    try:
        return validate_email(key(value), check_deliverability=False).normalized
    except EmailNotValidError:
        raise CellError(EMAIL_EXPECTED) from None


def _coded(value: Any, lookup: dict[str, str], expected: str) -> str:
    code = lookup.get(normalise_name(key(value)))
    if code is None:
        raise CellError(expected)
    return code


def tier(value: Any) -> str:
    return _coded(value, TIER_LOOKUP, TIER_EXPECTED)


def ownership(value: Any) -> str:
    return _coded(value, OWNERSHIP_LOOKUP, OWNERSHIP_EXPECTED)


def holiday_kind(value: Any) -> str:
    return _coded(value, HOLIDAY_KIND_LOOKUP, KIND_EXPECTED)


def pace(value: Any) -> str:
    """Objective 3's pace: ``even`` (均衡) or ``early`` (尽早)."""
    return _coded(value, PACE_LOOKUP, PACE_EXPECTED)


def _split(value: Any, separators: re.Pattern[str]) -> tuple[str, ...]:
    items = (key(part) for part in separators.split(key(value)))
    return tuple(dict.fromkeys(item for item in items if item))


def items(value: Any) -> tuple[str, ...]:
    """A list of keys separated by ; ； 、 , or ， (duplicates dropped, order kept)."""
    return _split(value, _ITEM_SEPARATORS)


def tiers(value: Any) -> tuple[str, ...]:
    codes = []
    for part in items(value):
        try:
            codes.append(tier(part))
        except CellError as error:
            raise CellError(error.expected, part) from None
    return tuple(dict.fromkeys(codes))


PARSERS: dict[str, Callable[[Any], Any]] = {
    "key": key,
    "text": text,
    "int": integer,
    "date": day,
    "bool": boolean,
    "email": email,
    "share": share,
    "tier": tier,
    "ownership": ownership,
    "kind": holiday_kind,
    "pace": pace,
    "items": items,
    "tiers": tiers,
}


def parse_cell(kind: str, value: Any) -> Any:
    """The clean value of a non-blank cell of the given column kind; raises CellError."""
    return PARSERS[kind](value)
