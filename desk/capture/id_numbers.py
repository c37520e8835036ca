"""Resident ID numbers (GB 11643-1999, ISO 7064 MOD 11-2), with repair of typical OCR confusions.

Kept here, dependency-free, because capture must not import `desk.records`; the same check lives in
`desk/records/validators.py` until it moves to a shared dependency-free module.
"""

from __future__ import annotations

from datetime import date

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
# What OCR reads instead of a digit (or X); each confusable character maps to its candidates.
_CONFUSIONS: dict[str, str] = {
    "O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "|": "1", "i": "1", "L": "1",
    "Z": "2", "z": "2", "S": "5", "s": "5", "B": "8", "G": "6", "b": "6", "g": "9", "q": "9", "A": "4",
    "×": "X", "x": "X", "χ": "X", "Χ": "X", "メ": "X", "乂": "X",
}
_MAX_REPAIRS = 3


def check_character(first17: str) -> str:
    """The MOD 11-2 check character for 17 digits."""
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def is_valid(number: str, today: date | None = None) -> bool:
    """True for an 18-character ID with digits, a real birth date after 1900 and the right check."""
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in "0123456789X":
        return False
    if number[:2] in ("00",) or check_character(number[:17]) != number[17]:
        return False
    return birth_date(number, today) is not None


def birth_date(number: str, today: date | None = None) -> date | None:
    """The birth date inside an 18-character ID, or None when it is not a real past date after 1900."""
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    return born if date(1900, 1, 1) <= born <= (today or date.today()) else None


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

