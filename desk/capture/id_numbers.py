"""Resident ID numbers read by OCR: strict validity and repair of typical OCR confusions.

The GB 11643 check itself is `desk.validators.check_id_number` (shared, dependency-free); this
module adds only what OCR needs: no normalising of look-alikes, and repair that is accepted only
when the check character then passes.
"""

from __future__ import annotations

import re
from datetime import date

from desk.validators import check_id_number

# What OCR reads instead of a digit (or X); each confusable character maps to its candidates.
_CONFUSIONS: dict[str, str] = {
    "O": "0",
    "o": "0",
    "D": "0",
    "Q": "0",
    "I": "1",
    "l": "1",
    "|": "1",
    "i": "1",
    "L": "1",
    "Z": "2",
    "z": "2",
    "S": "5",
    "s": "5",
    "B": "8",
    "G": "6",
    "b": "6",
    "g": "9",
    "q": "9",
    "A": "4",
    "×": "X",
    "x": "X",
    "χ": "X",
    "Χ": "X",
    "メ": "X",
    "乂": "X",
}
_MAX_REPAIRS = 3
# Characters an ID number may be read as (digits, X and their look-alikes); a run of 18 may be one.
_ID_CHARS = "0-9XxOoDQIl|iLZzSsBGbgqA×χΧメ乂"
_ID_RUN = re.compile(rf"[{_ID_CHARS}]{{18,}}")
# Labels printed before an ID number on cards and forms.
ID_LABELS = ("公民身份号码", "身份证号码", "身份证号", "证件号码", "身份号码")


def is_valid(number: str, today: date | None = None) -> bool:
    """True for exactly 18 characters (17 digits, then a digit or X) that pass the full GB 11643 check.

    Strict on purpose: look-alikes (O for 0) are not normalised here, so `repair` can tell a clean
    reading from a repaired one.
    """
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        return False
    return check_id_number(number, today=today).ok


def repair(raw: str, today: date | None = None) -> tuple[str, list[int]] | None:
    """A valid ID from an OCR reading of 18 characters, and the positions changed; None when none passes.

    A confusable character is replaced only when the result passes the check character and the
    date test, and only when exactly one repair does — an ambiguous reading stays unrepaired.
    """
    if len(raw) != 18:
        return None
    upper = raw[:17] + (raw[17].upper() if raw[17] in "xX" else raw[17])
    if is_valid(upper, today):
        return upper, ([17] if upper != raw else [])
    options: list[str] = []
    changed: list[int] = []
    for position, char in enumerate(raw):
        allowed = "0123456789X" if position == 17 else "0123456789"
        if char in allowed:
            options.append(char)
        elif char in _CONFUSIONS and _CONFUSIONS[char] in allowed:
            options.append(_CONFUSIONS[char])
            changed.append(position)
        else:
            return None
    candidate = "".join(options)
    if len(changed) <= _MAX_REPAIRS and is_valid(candidate, today):
        return candidate, changed
    return None


def find_in_text(text: str, today: date | None = None) -> list[dict]:
    """Valid ID numbers in `text`, each with the positions repaired (X/×, 0/O, 1/l …) and the raw reading."""
    compact = re.sub(r"[ \t]", "", text)
    found: list[dict] = []
    for run in _ID_RUN.finditer(compact):
        raw_run = run.group()
        for start in range(len(raw_run) - 17):
            raw = raw_run[start : start + 18]
            if sum(c.isdigit() for c in raw) < 14:
                continue
            repaired = repair(raw, today)
            if repaired and all(item["value"] != repaired[0] for item in found):
                found.append({"value": repaired[0], "raw": raw, "repaired": repaired[1]})
                break
    return found
