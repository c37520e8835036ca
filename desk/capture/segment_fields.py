"""Fields read from the engine's segments and where they sit: a value is the segment to the right of its label.

The page text puts segments in rows, and a row is easily wrong on a card: a value printed larger than
its label, or a little lower, lands in a row of its own, and a label regex then takes the next row's
words for the value. Here each label segment is found (tolerant of a misread character), and its
value is the text after the label in the same segment or the nearest segments to its right on its
row; an address goes on over the lines below it that start where its first line starts; an ID number
split into pieces is put back together from the pieces on its label's row.
"""

from __future__ import annotations

import re
import statistics
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

from desk.capture import id_numbers
from desk.capture.reading import Line

# The labels of a resident ID card's front (GB 19982 layout), in their order on the card.
CARD_LABELS: dict[str, str] = {
    "name": "姓名",
    "sex": "性别",
    "ethnicity": "民族",
    "birth": "出生",
    "address": "住址",
    "id_number": "公民身份号码",
}
_MIN_CARD_LABELS = 3  # labels of one column that make a page an ID card front
_SAME_ROW = 0.6  # a value's centre lies within its label's extent widened by this share of its height
_PHRASE_GAP = 1.5  # pieces of one value are at most this many character heights apart
_COLUMN_SLACK = 1.5  # label-column alignment tolerance, in character heights
_WRAP_LINES = 2  # an address goes on over at most this many lines below its first
_WRAP_GAP = 1.2  # ... each starting within this many line heights below the one above
_LEAD = re.compile(r"^[\s:：;；,，.。、|_\-]+")
_CJK = re.compile(r"[\u4e00-\u9fff·]")
_ID_ONLY = re.compile(r"[0-9Xx]")


@dataclass
class Label:
    """A label found on the page: its field, the segment holding it, and where the label ends in its text."""

    field: str
    segment: Line
    end: int
    exact: bool


def card_fields(lines: list[Line], today: date | None = None) -> tuple[dict[str, str], list[dict]]:
    """An ID card front read label by label, and the ID numbers after its 公民身份号码.

    The values are {field: value} for each card label found (name, sex, ethnicity, birth, address);
    a label with no value beside it gives "" (the page has the label, so no other text is its value).
    Both are empty when the segments do not show a card's labels.
    """
    labels = card_labels(lines)
    values: dict[str, str] = {}
    for label in labels.values():
        if label.field == "id_number":
            continue
        pieces = value_pieces(label, lines, labels.values())
        if label.field == "address" and pieces:
            pieces = pieces + wrapped_lines(pieces[0], lines, labels.values())
        values[label.field] = _clean(label.field, pieces)
    numbers = ids_after(labels["id_number"], lines, today) if "id_number" in labels else []
    return values, numbers


def card_labels(lines: list[Line]) -> dict[str, Label]:
    """The card labels among the segments: exact ones, and misread ones standing in the label column."""
    found: dict[str, Label] = {}
    for segment in lines:
        for field_name, label in CARD_LABELS.items():
            match = match_label(segment.text, label)
            if match is not None and (field_name not in found or (match[1] and not found[field_name].exact)):
                found[field_name] = Label(field_name, segment, match[0], match[1])
    exact = [lab for lab in found.values() if lab.exact and lab.field != "ethnicity"]
    if not exact:
        return {}
    column = statistics.median(lab.segment.box[0] for lab in exact)
    height = statistics.median(_char_height(lab.segment) for lab in exact)
    kept = {
        name: lab
        for name, lab in found.items()
        if name == "ethnicity" or abs(lab.segment.box[0] - column) <= _COLUMN_SLACK * height
    }
    if "ethnicity" in kept and not kept["ethnicity"].exact and not _right_on_row(kept.get("sex"), kept["ethnicity"]):
        del kept["ethnicity"]  # a misread 民族 is trusted only where the card prints it: right of 性别
    return kept if len(kept) >= _MIN_CARD_LABELS else {}


def match_label(text: str, label: str) -> tuple[int, bool] | None:
    """Where `label` ends in `text` when the text starts with it, and whether it was read exactly.

    A misread label is accepted with one wrong character in the label's place (for a two-character
    label: one right character of the two), or, for labels of five characters or more, with its last
    character missing.
    """
    compact = text.replace(" ", "")
    if compact.startswith(label):
        return _end_in(text, len(label)), True
    head = compact[: len(label)]
    if len(head) == len(label) and all(_CJK.match(c) for c in head) and sum(a != b for a, b in zip(head, label)) == 1:
        return _end_in(text, len(label)), False
    if len(label) >= 5 and compact.startswith(label[:-1]):
        return _end_in(text, len(label) - 1), False
    return None


def _end_in(text: str, characters: int) -> int:
    """The index in `text` after its first `characters` non-space characters."""
    seen = 0
    for index, char in enumerate(text):
        if char != " ":
            seen += 1
            if seen == characters:
                return index + 1
    return len(text)


def value_pieces(
    label: Label, lines: list[Line], labels: Iterable[Label], *, phrase_gap: float | None = _PHRASE_GAP
) -> list[Line]:
    """The value of `label`: the rest of its segment, then the nearest segments to its right on its row,
    stopping at another label or at a gap wider than `phrase_gap` character heights (None: no limit)."""
    segment = label.segment
    height = _char_height(segment)
    pieces: list[Line] = []
    rest = _LEAD.sub("", segment.text[label.end :])
    if rest:
        pieces.append(Line(text=rest, box=_part(segment, label.end, right=True), confidence=segment.confidence))
    label_segments = [other.segment for other in labels]
    last_right = segment.box[0] + segment.box[2]
    row = sorted(
        (s for s in lines if s is not segment and _on_row(segment, s) and s.box[0] >= last_right - height),
        key=lambda s: s.box[0],
    )
    for candidate in row:
        if any(candidate is other for other in label_segments):
            break
        if pieces and phrase_gap is not None and candidate.box[0] - last_right > phrase_gap * height:
            break
        pieces.append(candidate)
        last_right = candidate.box[0] + candidate.box[2]
    return pieces


def wrapped_lines(first: Line, lines: list[Line], labels: Iterable[Label]) -> list[Line]:
    """The lines an address wraps onto: below its first line, starting where it starts, one under the other."""
    height = _char_height(first)
    label_segments = [label.segment for label in labels]
    found: list[Line] = []
    above = first
    for _ in range(_WRAP_LINES):
        bottom = above.box[1] + above.box[3]
        below = [
            s
            for s in lines
            if s is not above
            and not any(s is other for other in label_segments)
            and abs(s.box[0] - first.box[0]) <= height
            and 0 <= s.box[1] + s.box[3] / 2 - bottom <= _WRAP_GAP * max(height, above.box[3])
        ]
        if not below:
            break
        above = min(below, key=lambda s: s.box[1])
        found.append(above)
    return found


def ids_after(label: Label, lines: list[Line], today: date | None = None) -> list[dict]:
    """ID numbers in the pieces after an ID label: to its right on its row, else just below it."""
    pieces = value_pieces(label, lines, [], phrase_gap=None)
    found = ids_in_pieces(pieces, today)
    if found:
        return found
    segment = label.segment
    height = _char_height(segment)
    bottom = segment.box[1] + segment.box[3]
    below = sorted(
        (
            s
            for s in lines
            if s is not segment and 0 <= s.box[1] - bottom <= 2 * height and s.box[0] + s.box[2] >= segment.box[0]
        ),
        key=lambda s: (s.box[1], s.box[0]),
    )
    return ids_in_pieces(below[:3], today)


def ids_in_pieces(pieces: list[Line], today: date | None = None) -> list[dict]:
    """Valid ID numbers from the pieces' text joined left to right: as read, then with everything that
    is not a digit or X left out (box rules read as | or I, stray marks)."""
    joined = "".join(piece.text for piece in pieces)
    found = id_numbers.find_in_text(joined, today)
    if not found:
        found = id_numbers.find_in_text("".join(_ID_ONLY.findall(joined)), today)
    return found


def id_label_rows(lines: list[Line], today: date | None = None) -> list[dict]:
    """ID numbers split into pieces on the row of an ID label (e.g. 证件号码), put back together."""
    found: list[dict] = []
    for segment, end in id_label_segments(lines):
        for number in ids_after(Label("id_number", segment, end, True), lines, today):
            if all(number["value"] != item["value"] for item in found):
                found.append(number)
    return found


def id_label_segments(lines: list[Line]) -> list[tuple[Line, int]]:
    """The segments holding an ID label (id_numbers.ID_LABELS), each with where the label ends in its text."""
    out = []
    for segment in lines:
        ends = [end for label in id_numbers.ID_LABELS if (end := _label_in(segment.text, label)) is not None]
        if ends:
            out.append((segment, min(ends)))
    return out


def label_box(segment: Line, end: int) -> tuple[int, int, int, int]:
    """The box of the segment's first `end` characters of text (its label, without the value after it)."""
    return _part(segment, end, right=False)


def _label_in(text: str, label: str) -> int | None:
    """Where `label` ends in `text` (anywhere in it; one wrong character allowed in labels of four or more)."""
    compact = text.replace(" ", "")
    at = compact.find(label)
    if at >= 0:
        return _end_in(text, at + len(label))
    if len(label) >= 4:
        for start in range(len(compact) - len(label) + 1):
            window = compact[start : start + len(label)]
            if sum(a != b for a, b in zip(window, label)) == 1 and window[0] == label[0]:
                return _end_in(text, start + len(label))
    return None


def _clean(field_name: str, pieces: list[Line]) -> str:
    """The value of `field_name` from its pieces, or "" when they do not hold one."""
    text = "".join(piece.text for piece in pieces).replace(" ", "")
    if field_name == "name":
        name = "".join(_CJK.findall(text))
        return name if 2 <= len(name) <= 15 else ""
    if field_name == "sex":
        return next((c for c in text if c in "男女"), "")
    if field_name == "ethnicity":
        known = [group for group in ethnic_groups() if group in text]
        if known:
            return max(known, key=len)
        found = re.match(r"[\u4e00-\u9fff]{1,5}", text)  # a name misread: as read
        return found.group().removesuffix("族") if found and found.group() != "族" else ""
    return text.strip()


@lru_cache(maxsize=1)
def ethnic_groups() -> tuple[str, ...]:
    """The 56 ethnic groups' names as ID cards print them (ethnic_groups.toml)."""
    data = tomllib.loads((Path(__file__).parent / "ethnic_groups.toml").read_text(encoding="utf-8"))
    return tuple(data["names"])


def _char_height(segment: Line) -> float:
    """A character's height in the segment: the box height (one printed line)."""
    return float(max(segment.box[3], 1))


def _on_row(label: Line, other: Line) -> bool:
    top, height = label.box[1], label.box[3]
    centre = other.box[1] + other.box[3] / 2
    return top - _SAME_ROW * height <= centre <= top + height + _SAME_ROW * height


def _right_on_row(left: Label | None, right: Label) -> bool:
    return left is not None and _on_row(left.segment, right.segment) and right.segment.box[0] > left.segment.box[0]


def _part(segment: Line, end: int, *, right: bool) -> tuple[int, int, int, int]:
    """The box of the segment's text before (or after) index `end`: from its character boxes when the
    engine gave them, else by the share of characters."""
    left, top, width, height = segment.box
    split = left + round(width * end / max(len(segment.text), 1))
    before = len(segment.text[:end].replace(" ", ""))
    seen, previous_right = 0, left
    for word in segment.words:
        if seen >= before:
            split = word.box[0] if right else previous_right
            break
        seen += len(word.text)
        previous_right = word.box[0] + word.box[2]
    else:
        if segment.words and seen >= before:
            split = previous_right
    if right:
        return split, top, max(1, left + width - split), height
    return left, top, max(1, split - left), height
