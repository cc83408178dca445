"""Writing XLSX cells and sheet titles that come from data (imported files, names typed by users).

Shared by every XLSX export. A text that starts like a formula (`=`, `+`, `-`, `@`, or a tab or
carriage return before one) is written as a text cell, never as a formula: openpyxl would otherwise
store `=HYPERLINK(...)` from an imported complex number as a live formula (OWASP: CSV/formula
injection). Sheet titles may not hold `\\ / * ? : [ ]`, may not be empty or longer than 31
characters, and must be unique in a workbook.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_TITLE_FORBIDDEN = re.compile(r"[\\/*?:\[\]]")
MAX_TITLE = 31


def is_formula_like(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def safe_cell(sheet, value: object):
    """The value to append to `sheet` (write-only or not): formula-like text as an explicit text cell."""
    if not is_formula_like(value):
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"  # after the value: openpyxl guessed "f" from the leading "="
    return cell


def safe_row(sheet, values: Iterable[object]) -> list:
    return [safe_cell(sheet, value) for value in values]


def safe_sheet_title(title: str, taken: set[str] | None = None) -> str:
    """A valid, unique sheet title for `title`: forbidden characters become `_`, at most 31
    characters, never empty, and a number added when `taken` (case-insensitive, as Excel compares)
    holds it already. The chosen title is added to `taken`."""
    cleaned = _TITLE_FORBIDDEN.sub("_", title).strip().strip("'") or "_"
    cleaned = cleaned[:MAX_TITLE]
    if taken is None:
        return cleaned
    candidate = cleaned
    number = 2
    while candidate.lower() in taken:
        suffix = f" ({number})"
        candidate = cleaned[: MAX_TITLE - len(suffix)] + suffix
        number += 1
    taken.add(candidate.lower())
    return candidate
