"""Resident ID numbers read by OCR: strict validity and repair of typical OCR confusions.

The GB 11643 check itself is `desk.validators.check_id_number` (shared, dependency-free); this
module adds only what OCR needs: no normalising of look-alikes, and repair that is accepted only
when the check character then passes.
"""

from __future__ import annotations

import heapq
import itertools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import date

from desk.capture.reading import Choices
from desk.validators import ID_CHECK_CHARS, ID_WEIGHTS, check_id_number

# The engine's runner-up reading of a character counts as a repair only with at least this
# probability. Measured on 700 generated ID lines (five faces, one digit rubbed, blotted or cut, some
# blurred, shrunk and JPEG'd): a digit read right carried a runner-up digit this strong about once in
# a hundred digits (0.2 per number), while in more than half of the single misreads the true digit
# was at least this strong. Where the true digit is not among the choices at all (a confident
# misread), such noise elsewhere passes the check now and then: 1% of those numbers at 0.05, 2% at 0.01.
_MATERIAL_CHOICE = 0.05
# When single repairs at two places each pass the check, one of them passes by chance (1 in 10 for any
# place); the best is taken only when it is this many times as likely as the next (likelihood: the
# runner-up's probability over that of the character read), else the reading is ambiguous and refused.
_CLEAR_ODDS = 10.0
# Readings of the first 17 characters kept per running check sum in `likeliest_valid`: the likeliest is
# exact; the next ones stand in where it has no real birth date or province.
_KEPT_PER_SUM = 20
_MIN_RUN_DIGITS = 16  # an 18-character window with fewer digits is not an ID number read with one slip

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
ID_LENGTH = 18
ID_CHARACTERS = "0123456789X"  # what an ID number is written with (X only as its last character)
# Characters an ID number may be read as (digits, X and their look-alikes); a run of 18 may be one.
ID_LIKE_CHARS = "0-9XxOoDQIl|iLZzSsBGbgqA×χΧメ乂"
_ID_RUN = re.compile(rf"[{ID_LIKE_CHARS}]{{18,}}")
# Labels printed before an ID number on cards and forms.
ID_LABELS = ("公民身份号码", "身份证号码", "身份证号", "证件号码", "身份号码")


def allowed_at(position: int) -> str:
    """The characters an ID number may hold at `position`: digits, and X as its last character."""
    return ID_CHARACTERS if position == ID_LENGTH - 1 else ID_CHARACTERS[:-1]


def is_valid(number: str, today: date | None = None) -> bool:
    """True for exactly 18 characters (17 digits, then a digit or X) that pass the full GB 11643 check.

    Strict on purpose: look-alikes (O for 0) are not normalised here, so `repair` can tell a clean
    reading from a repaired one.
    """
    if len(number) != 18 or not number[:17].isdigit() or number[17] not in ID_CHARACTERS:
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
        allowed = allowed_at(position)
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


def find_with_choices(text: str, choices: list[Choices], today: date | None = None) -> list[dict]:
    """An ID number in one engine line whose reading fails the check, mended with the engine's own
    runner-up reading of one character (`choices`: per character of `text`, (character, probability)
    pairs, the character read first). [] when the line reads valid as it is (or by `find_in_text`'s
    look-alike repair), holds no ID-like run, or the mend is not clear.

    One character is changed, never more: the check character catches every single wrong digit, so
    a number with one misread digit fails, and exactly one digit at a given place makes it pass again.
    Only runner-ups with a material probability are tried, and the repair is refused when two places
    give valid numbers with comparable odds: a wrong ID number on a page is worse than none.
    """
    if len(choices) != len(text):
        return []
    kept = [(char, choice) for char, choice in zip(text, choices) if not char.isspace()]
    compact = "".join(char for char, _ in kept)
    if find_in_text(compact, today):
        return []  # the line reads as a valid number without the engine's second choices
    found: list[tuple[str, float]] = []
    raws: dict[str, tuple[float, str]] = {}  # each number's best odds and the window read that gave them
    for start in range(len(kept) - 17):
        window = kept[start : start + 18]
        for value, odds in _single_repairs(window, today):
            found.append((value, odds))
            if value not in raws or odds > raws[value][0]:
                raws[value] = (odds, "".join(char for char, _ in window))
    best = clearest(found)
    if best is None:
        return []
    raw = raws[best][1]
    return [{"value": best, "raw": raw, "repaired": [n for n in range(18) if best[n] != raw[n]]}]


def repairs(
    options: Sequence[Sequence[tuple[str, float]]], places: Iterable[int], most: int, today: date | None = None
) -> list[tuple[str, float]]:
    """The valid numbers made by changing up to `most` of `places` to another of their options, each with
    its odds against the reading as it stands.

    `options` holds per position (character, probability) pairs, the character read first. Only
    options with a material probability are tried. The odds are the product, over the positions
    changed, of the option's probability over that of the character read: how much likelier the
    engine found the mended number than the one it read.
    """
    read = [choices[0] for choices in options]
    rivals = {n: [(c, p) for c, p in options[n][1:] if p >= _MATERIAL_CHOICE and c != read[n][0]] for n in places}
    found = []
    for count in range(1, most + 1):
        for changed in itertools.combinations(rivals, count):
            for picks in itertools.product(*(rivals[n] for n in changed)):
                chars = [char for char, _ in read]
                odds = 1.0
                for n, (char, probability) in zip(changed, picks):
                    chars[n] = char
                    odds *= probability / max(read[n][1], 1e-6)
                value = "".join(chars)
                if is_valid(value, today):
                    found.append((value, odds))
    return found


def clearest(candidates: list[tuple[str, float]], unseen: float = 0.0) -> str | None:
    """The likeliest of the (number, odds) `candidates` when it is _CLEAR_ODDS times as likely as the
    next number and as `unseen` (the odds that a number outside the candidates is the true one and one
    of them passed by chance); None when there is none or the choice is not clear (a wrong number is
    worse than none)."""
    best: dict[str, float] = {}
    for value, odds in candidates:
        best[value] = max(odds, best.get(value, 0.0))
    ranked = [*sorted(best.values(), reverse=True), 0.0]
    if not best or ranked[0] < _CLEAR_ODDS * max(ranked[1], unseen):
        return None
    return max(best, key=lambda value: best[value])


def likeliest_valid(
    probabilities: Sequence[Mapping[str, float]], today: date | None = None
) -> tuple[str, float] | None:
    """The likeliest valid number when each of the 18 positions holds its characters with the given
    probabilities (independently of each other), and its share of the probability of every valid
    number; None when no valid number can be read.

    The share is a posterior: how sure one can be of the number, given that the true one is a valid ID
    number. The check is a weighted sum modulo 11, so the sum over all 10^17 numbers is exact
    (`_running_sums`). Numbers that pass the check but have no real birth date or province are not ID
    numbers: those among the kept readings are taken out of the sum; the rest are few and unlikely, and
    leave the share low, not high.
    """
    mass, kept = _running_sums(probabilities[: ID_LENGTH - 1])
    last = probabilities[ID_LENGTH - 1]
    passing = sum(mass[total] * last.get(ID_CHECK_CHARS[total], 0.0) for total in range(11))
    valid, not_ids = [], 0.0
    for total, prefixes in kept.items():
        for q, prefix in prefixes:
            number, p = prefix + ID_CHECK_CHARS[total], q * last.get(ID_CHECK_CHARS[total], 0.0)
            if is_valid(number, today):
                valid.append((p, number))
            else:
                not_ids += p
    p, number = max(valid, default=(0.0, ""))
    return (number, p / (passing - not_ids)) if p > 0 else None


def _running_sums(
    probabilities: Sequence[Mapping[str, float]],
) -> tuple[list[float], dict[int, list[tuple[float, str]]]]:
    """For the first 17 positions: the probability of each weighted check sum (modulo 11) over every
    reading, and per sum the _KEPT_PER_SUM likeliest readings with their probabilities."""
    mass = [1.0] + [0.0] * 10
    kept: dict[int, list[tuple[float, str]]] = {0: [(1.0, "")]}
    for weight, chars in zip(ID_WEIGHTS, probabilities, strict=True):
        digits = [(char, p) for char, p in chars.items() if char.isdigit() and p > 0]
        grown_mass = [0.0] * 11
        grown: dict[int, list[tuple[float, str]]] = {}
        for total in range(11):
            for char, p in digits:
                after = (total + int(char) * weight) % 11
                grown_mass[after] += mass[total] * p
                grown.setdefault(after, []).extend((q * p, prefix + char) for q, prefix in kept.get(total, []))
        mass = grown_mass
        kept = {total: heapq.nlargest(_KEPT_PER_SUM, prefixes) for total, prefixes in grown.items()}
    return mass, kept


def _single_repairs(window: list[tuple[str, Choices]], today: date | None) -> list[tuple[str, float]]:
    """The valid numbers one runner-up reading makes of an 18-character window, each with its odds:
    the runner-up's probability over that of the character read."""
    base = [id_char(char, position) for position, (char, _) in enumerate(window)]
    unread = [position for position, char in enumerate(base) if char is None]
    if len(unread) > 1 or sum(char is not None and char.isdigit() for char in base) < _MIN_RUN_DIGITS:
        return []
    options = [
        [(base[n] or "?", choices[0][1]), *_rival_shares(list(choices[1:]), n).items()]
        for n, (_, choices) in enumerate(window)
    ]
    return repairs(options, unread or range(len(window)), 1, today)


def _rival_shares(rivals: list[tuple[str, float]], position: int) -> dict[str, float]:
    """The runner-up readings as ID characters (full-width digits and look-alikes counted for theirs)."""
    shares: dict[str, float] = {}
    for char, probability in rivals:
        read_as = id_char(char, position)
        if read_as is not None:
            shares[read_as] = shares.get(read_as, 0.0) + float(probability)
    return shares


def id_char(char: str, position: int) -> str | None:
    """The ID character `char` stands for at `position` (a digit, or X last), None for anything else."""
    allowed = allowed_at(position)
    plain = unicodedata.normalize("NFKC", char)
    plain = plain.upper() if plain in "xX" else plain
    if plain in allowed:
        return plain
    mapped = _CONFUSIONS.get(plain)
    return mapped if mapped is not None and mapped in allowed else None
