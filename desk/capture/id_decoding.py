"""An ID number decoded from the recogniser's own step probabilities, constrained to 18 characters.

PP-OCR's recogniser gives, for each horizontal step of a line, the probability of every character
and of the blank; its greedy decoder takes the best at each step and merges repeats. On a blurred
small print it misreads digits (3 as 8, 6 as 0), and two equal digits side by side ("00" of
…20001003…) run into one: 17 digits, no ID number, and the runner-up repair, which changes one
character, cannot mend either.

Such a line is read once more, stretched (`engine_rapidocr.stretched_id_steps`), and its digit run
decoded with the knowledge of what an ID number is: CTC prefix beam search over digits (and X last)
finds the likeliest readings of exactly 18 characters, and those that pass the GB 11643 check are the
candidates. One is taken only when it is clearly likelier than every other valid reading, including
those the beam did not keep: about one 18-character reading in eleven passes the check by chance, so
the probability of all 18-character readings outside the beam, over eleven, stands for a valid one
not seen (`id_numbers.clearest`); and only when it lies within a few edits of the line as first read.

Measured on typed ID lines 13–17 px high, blurred by 0.9–1.7 px and JPEG'd (tests/capture/id_pages,
four faces): on 269 lines of seeds not used to choose the stretch, 239 numbers were read before and
241 with this decoding, and wrong numbers stayed at 3 (none of them from here).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from datetime import date

import numpy as np
from rapidfuzz.distance import Levenshtein

from desk.capture import id_numbers
from desk.capture.id_numbers import ID_LENGTH

# Columns of the kept steps: the blank, the ten digits, X (an ID number's last character may be X).
ID_CLASSES = id_numbers.ID_CHARACTERS
_BLANK = 0
_X = 1 + ID_CLASSES.index("X")
# Readings kept per step of the beam search; an ID run is 18 characters in 60–150 steps.
_BEAM = 64
# Characters with less probability at a step are not tried there (they add nothing a kept reading lacks).
_FLOOR = 1e-4
# A step whose likeliest reading is neither blank nor an ID character (a letter, a colon, a Chinese
# character) ends a digit run; a run must span at least this many greedy digits to be decoded.
_MIN_RUN_DIGITS = 15
# The chance that an 18-character reading passes the check (the check character is one of eleven).
_CHANCE_PASS = 1 / 11
# A decoded number is taken only this close (in characters added, dropped or changed) to the line as the
# engine first read it: two reads of one line that agree but for a dropped digit or two. A line read
# upside down, or another run, is not mended into some valid number.
_MAX_EDITS = 3
_ID_LIKE_RUN = re.compile(rf"[{id_numbers.ID_LIKE_CHARS}]+")


def id_columns(alphabet: Sequence[str]) -> list[list[int]]:
    """For each kept column (blank, 0–9, X), the recogniser's alphabet indices whose probability it
    sums: the character itself, its full-width form and its look-alikes (O for 0, × for X …)."""
    columns: list[list[int]] = [[0]] + [[] for _ in ID_CLASSES]
    for index, char in enumerate(alphabet):
        if index == 0:
            continue  # the blank
        read_as = id_numbers.id_char(char, ID_LENGTH - 1)
        if read_as is not None:
            columns[1 + ID_CLASSES.index(read_as)].append(index)
    return columns


def id_steps(steps: np.ndarray, columns: list[list[int]]) -> np.ndarray:
    """`steps` (steps × alphabet softmax) reduced to the kept columns, float32 (steps × 12); what is left
    of each row's probability belongs to other characters."""
    return np.stack([steps[:, indices].sum(axis=1) for indices in columns], axis=1).astype(np.float32)


def decode(steps: np.ndarray, read: str, today: date | None = None) -> list[dict]:
    """The ID numbers decoded from a line's kept steps (`id_steps`), one per digit run that gives a clear
    one, each as {"value", "raw", "repaired"}. `read` is the line's text as the engine first read it:
    `raw` is its longest run of ID-like characters, and a value is kept only within _MAX_EDITS of it;
    `repaired` lists the value's positions that `raw` does not give as they are."""
    runs = _ID_LIKE_RUN.findall(re.sub(r"\s", "", read))
    raw = max(runs, key=len) if runs else ""
    found = []
    for start, stop in digit_runs(steps):
        value = likeliest_id(steps[start:stop], today)
        if value is not None and Levenshtein.distance(raw, value) <= _MAX_EDITS:
            found.append({"value": value, "raw": raw, "repaired": _changed(raw, value)})
    return found


def bears_out(steps: np.ndarray, value: str) -> bool:
    """False when the line read again (`steps`) has digit runs and none is within _MAX_EDITS of `value`:
    the second reading disagrees with a number mended from the first by more than a character or two,
    so the line was misread in several places and the mend's check passed by chance. True when it
    agrees, or has no digit run to say anything."""
    runs = digit_runs(steps)
    return not runs or any(Levenshtein.distance(greedy(steps[start:stop]), value) <= _MAX_EDITS for start, stop in runs)


def digit_runs(steps: np.ndarray) -> list[tuple[int, int]]:
    """The step ranges [start, stop) between steps read as other characters that hold at least
    _MIN_RUN_DIGITS greedy ID characters."""
    other = 1.0 - steps.sum(axis=1)
    breaks = [-1, *np.flatnonzero(other > steps.max(axis=1)).tolist(), len(steps)]
    runs = []
    for left, right in itertools.pairwise(breaks):
        start, stop = left + 1, right
        if stop - start > 0 and len(greedy(steps[start:stop])) >= _MIN_RUN_DIGITS:
            runs.append((start, stop))
    return runs


def greedy(steps: np.ndarray) -> str:
    """The steps read as the greedy CTC decoder reads them (best column per step, repeats merged)."""
    best = steps.argmax(axis=1)
    chars = [ID_CLASSES[k - 1] for n, k in enumerate(best) if k != _BLANK and (n == 0 or best[n - 1] != k)]
    return "".join(chars)


def likeliest_id(steps: np.ndarray, today: date | None = None) -> str | None:
    """The valid 18-character reading of `steps` that is clearly likelier than any other valid one
    (`id_numbers.clearest`), None when there is none or it is not clear."""
    readings = beam_search(steps)
    full = {value: p for value, p in readings.items() if len(value) == ID_LENGTH}
    valid = [(value, p) for value, p in full.items() if id_numbers.is_valid(value, today)]
    unseen = max(0.0, length_mass(steps, ID_LENGTH) - sum(full.values())) * _CHANCE_PASS
    return id_numbers.clearest(valid, unseen)


def beam_search(steps: np.ndarray, beam: int = _BEAM) -> dict[str, float]:
    """CTC prefix beam search over digits (X only as the 18th character), readings of at most 18
    characters: each kept reading with its probability (summed over the step paths that spell it)."""
    # reading -> (probability its paths end on a blank, probability they end on its last character)
    beams: dict[tuple[int, ...], tuple[float, float]] = {(): (1.0, 0.0)}
    for row in steps.astype(np.float64):
        tried = [k for k in range(1, len(row)) if row[k] >= _FLOOR]
        grown: dict[tuple[int, ...], list[float]] = {}
        for prefix, (on_blank, on_char) in beams.items():
            _add(grown, prefix, (on_blank + on_char) * row[_BLANK], 0)
            if prefix:
                _add(grown, prefix, on_char * row[prefix[-1]], 1)  # the last character held on
            if len(prefix) == ID_LENGTH:
                continue
            for k in tried:
                if k == _X and len(prefix) != ID_LENGTH - 1:
                    continue
                # the same character again needs a blank between; another may follow directly
                before = on_blank if prefix and prefix[-1] == k else on_blank + on_char
                _add(grown, (*prefix, k), before * row[k], 1)
        kept = sorted(grown.items(), key=lambda item: item[1][0] + item[1][1], reverse=True)[:beam]
        beams = {prefix: (p[0], p[1]) for prefix, p in kept}
    return {"".join(ID_CLASSES[k - 1] for k in prefix): p[0] + p[1] for prefix, p in beams.items()}


def length_mass(steps: np.ndarray, length: int) -> float:
    """The probability of all readings of exactly `length` characters over digits (X last), summed by
    the CTC forward pass over (characters read, last character) — no beam, nothing left out."""
    # on_blank[n]: paths with n characters ending on a blank; on_char[n, k]: ending on character k
    on_blank = np.zeros(length + 1)
    on_blank[0] = 1.0
    on_char = np.zeros((length + 1, steps.shape[1]))
    allowed = np.ones((length + 1, steps.shape[1]), dtype=bool)
    allowed[:, _BLANK] = False
    allowed[:length, _X] = False  # X only as the last of `length` characters
    for row in steps.astype(np.float64):
        total_char = on_char.sum(axis=1)
        new_blank = (on_blank + total_char) * row[_BLANK]
        new_char = on_char * row  # held on
        before = on_blank[:-1, None] + total_char[:-1, None] - on_char[:-1]  # another character before
        new_char[1:] += before * row
        new_char[~allowed] = 0.0
        on_blank, on_char = new_blank, new_char
    return float(on_blank[length] + on_char[length].sum())


def _add(grown: dict[tuple[int, ...], list[float]], prefix: tuple[int, ...], p: float, slot: int) -> None:
    grown.setdefault(prefix, [0.0, 0.0])[slot] += p


def _changed(raw: str, value: str) -> list[int]:
    """The positions of `value` that the fewest edits of `raw` into it add or change."""
    return sorted({op.dest_pos for op in Levenshtein.editops(raw, value) if op.tag in ("insert", "replace")})
