"""ID numbers written one character per box: find the row of ruled cells after an ID label, read each cell.

Application forms print 18 boxes after 身份证号码 and the applicant writes one digit in each. Read as a
line, the box rules turn into 1, I or |, and the digits come out in short pieces or not at all. Here
the cells are found from the rules themselves (vertical rules at a regular pitch on the label's row),
the rules are removed, every cell's ink is recognised on its own and again among the row's other
cells as one line (`cell_strip`), restricted to 0-9 and X, and the 18 characters are checked with the
check character. When the check fails or cells are in doubt, the likeliest valid number is computed
exactly over every reading of the cells; it is taken only when it holds most of the probability of
all valid numbers, counting the chance that a cell read with certainty is wrong: a wrong ID number on
a page is worse than none.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import cv2
import numpy as np

from desk.capture import cell_strip, engine_rapidocr, id_numbers, ocr_input
from desk.capture.id_numbers import ID_CHARACTERS, ID_LENGTH
from desk.capture.ink import InkThreshold, ink_mask
from desk.capture.reading import Box

# Look-alikes the recogniser may prefer for a lone character; their probability counts for the ID character.
_LOOKALIKES = {"0": "OoD〇Q", "1": "Il|丨i!", "2": "Zz", "5": "Ss", "6": "b", "8": "B", "9": "gq", "X": "x×χΧメ乂"}
# The cell row lies on the label's row: search this many label heights above and below its centre.
_BAND_HEIGHTS = 1.6
# A vertical rule is at least this share of the label height (digit strokes are told apart by the pitch).
_RULE_MIN_HEIGHT = 0.8
# Cell pitch between these multiples of the label height (a written digit needs about one text height).
_PITCH_RANGE = (0.6, 4.0)
_PITCH_TOLERANCE = 0.18  # how far a rule may sit from where the pitch puts it (share of the pitch)
_MIN_CHAIN_CELLS = 4  # shorter runs of regular rules are table columns, not a cell row
_RULE_END_SLACK = 0.1  # rules of one row start and end within this share of their length (+2 px)
_MIN_RULES_PRESENT = 0.8  # share of a chain's rules that must be found (the others faded or were written over)
_LINE_SHARE = 0.9  # ink this tall a share of the strip around the boxes is a line, not a digit
_MARGIN = 0.15  # white kept around a digit's ink, as a share of its height (the recogniser reads it best so)
_FAINTEST = 0.05  # a character with a smaller share of the cell's probability is no candidate
_CERTAIN = 0.9  # a cell read with less than this probability is in doubt
# Writing less than half as tall as the row's digits (their median) is what is left of a digit (pale
# ink faded, strokes lost to a rule): a 7 whose bar is gone is a confident 1, so the cell is in doubt.
_FRAGMENT = 0.5
# Every character a cell does not read as its candidates gets this much probability: a cell read with
# certainty may still be wrong (a stroke the rule hid, pale ink). Of 1,760 cells read (alone and in
# line) with a share of 0.99 or more on 104 generated forms photographed whole, or pale and out of
# focus (seeds 8300, 9100), 20 were wrong: 1.1%, about 1.3 thousandths for each of the other nine.
_HIDDEN_MISREAD = 1.3e-3
_FRAGMENT_TRUST = 0.5  # a fragment's reading counts this much; the rest is spread over every character
# Each cell image's reading alone and its reading in line are multiplied, every character given at least
# this share in each (a reading sure of the wrong character must not veto the right one outright).
_IN_LINE_FLOOR = 1e-3
_KINDS = ("plain", "beside", "along")  # a cell's images (`CellImages`), in the order they are read
# A number is taken when it holds this share of the probability of all valid numbers. Chosen on
# those forms with the cells read alone (104 rows: 75 right and 1 wrong before; 79 and 1 at this share,
# 81 and 1 at 0.6, 83 and 4 at 0.5); read alone and in line, 82 right and none wrong. On forms of
# other seeds (8400, 9200: 92 rows) 72 right alone, 79 alone and in line, none wrong either way.
_SURE = 0.8
_MIN_LABEL_PX = 8  # the label's height is taken as at least this (a label read as a sliver)
_MIN_RULE_PX = 5  # a vertical rule is at least this tall whatever the label's height
_NEXT_RULES = 3  # a chain's second rule is among the next three (a digit's strokes may stand between)
_RULE_END_SLACK_PX = 2  # added to _RULE_END_SLACK: a pixel of anti-aliasing at either end
_GROUP_ALIGN = 0.5  # × the pitch: groups of one row start and end this close in height
_GROUP_GAP = 2.5  # × the pitch: groups of one row are at most this far apart (a printed gap or a dash)
# The strip cut around the row: half a cell either side and a quarter of the row's height above and
# below, so a digit written over the box's edge stays whole.
_PAD_PITCH, _PAD_HEIGHT = 0.5, 0.25
_MIN_MARK, _MIN_MARK_PX = 0.006, 6.0  # of a cell's area (at least these pixels): smaller ink is a speck
_TOUCH_PX = 2  # a mark this close to a rule touches it
_RULE_HALO_PX = 3  # ink this close to a rule, paler than the block's mean, may be the rule's blurred edge
# Ink in the strip: the block (twice the cell's height, at least 15 px) reaches past the cell to
# paper, so a digit filling its cell stays ink; 12 grey levels keep pencil and a light ballpoint.
_INK_BLOCK_CELLS, _MIN_INK_BLOCK_PX, _INK_OFFSET = 2, 15, 12
_SOLID_RULE = 0.7  # of the row's height: a column inked this far down is the printed rule, not a stroke
# A horizontal line at least 1.5 cells long (10 px or more) is a box's top or bottom rule: a digit is
# narrower than its cell.
_ACROSS_PITCHES, _MIN_ACROSS_PX = 1.5, 10
_RULE_GAP_PITCHES, _MIN_RULE_GAP_PX = 0.1, 3  # a break this short in a horizontal rule is bridged
_STACKED = 0.5  # of the narrower mark's width shared: two marks one above the other are one (a 5's flag)
_MIN_MARGIN_PX = 3  # the least white kept around a digit


@dataclass(frozen=True)
class Rule:
    """One vertical rule of a cell row: its left and right column and its vertical extent (page pixels)."""

    left: int
    right: int
    top: int
    bottom: int

    @property
    def x(self) -> float:
        """The rule's centre column."""
        return (self.left + self.right) / 2


@dataclass
class CellRow:
    """A row of ID cells: its groups of boxes left to right (each its vertical rules), pitch and extent."""

    groups: list[list[Rule]]
    pitch: float
    top: int
    bottom: int

    @property
    def rules(self) -> list[Rule]:
        """Every vertical rule of the row, left to right."""
        return [rule for group in self.groups for rule in group]


@dataclass
class CellImages:
    """One cell's writing cut out: alone, and with rule ink restored where it may be part of a stroke."""

    plain: np.ndarray
    beside: np.ndarray | None = None  # with the vertical rule it touches kept beside it
    height: int = 0  # rows the writing spans (pixels)
    along: np.ndarray | None = None  # with the top or bottom rule it touches kept over its width


@dataclass
class CellReading:
    """One cell's character candidates, most probable first (empty when the cell holds no ink)."""

    candidates: list[tuple[str, float]] = field(default_factory=list)
    whole: bool = True  # False: the writing is a fragment, however sure the recogniser is of it

    @property
    def char(self) -> str:
        """The best character, "?" for an empty cell."""
        return self.candidates[0][0] if self.candidates else "?"

    @property
    def confidence(self) -> float:
        """Probability of the best character, 0 for an empty cell."""
        return self.candidates[0][1] if self.candidates else 0.0


def read_id_cells(gray: np.ndarray, labels: list[Box], today: date | None = None) -> tuple[list[dict], list[Box]]:
    """ID numbers written in cell rows to the right of the label boxes `labels` (pixels of `gray`), and
    the box (left, top, width, height) of every cell row found, read or not.

    Each number is a dict like `id_numbers.find_in_text` gives: value, raw (the 18 cells as read, "?"
    for an empty cell) and the repaired positions.
    """
    found: list[dict] = []
    rows: list[Box] = []
    for label in labels:
        row = find_cell_row(gray, label)
        if row is None:
            continue
        rows.append(row_box(row))
        number = id_from_cells(read_cells(gray, row), today)
        if number and all(item["value"] != number["value"] for item in found):
            found.append(number)
    return found, rows


def row_box(row: CellRow) -> Box:
    """The pixel box (left, top, width, height) of the row's cells, outer rules included."""
    left, right = row.rules[0].left, row.rules[-1].right
    return left, row.top, right - left + 1, row.bottom - row.top


def find_cell_row(gray: np.ndarray, label: Box) -> CellRow | None:
    """The row of 18 ruled cells to the right of the label box `label`, None when there is none."""
    left, top, width, height = label
    height = max(height, _MIN_LABEL_PX)
    centre = top + height / 2
    band_top = max(0, int(centre - _BAND_HEIGHTS * height))
    band_bottom = min(gray.shape[0], int(centre + _BAND_HEIGHTS * height))
    band_left = min(gray.shape[1] - 1, left + width // 2)
    band = gray[band_top:band_bottom, band_left:]
    if band.size == 0:
        return None
    _, down = ocr_input.rules(band, min_length=max(_MIN_RULE_PX, int(_RULE_MIN_HEIGHT * height)))
    rules = [
        Rule(r.left + band_left, r.right + band_left, r.top + band_top, r.bottom + band_top) for r in _rules_in(down)
    ]
    chains = _chains(rules, height)
    return _id_row(chains)


def _rules_in(mask: np.ndarray) -> list[Rule]:
    """Each connected vertical stroke of `mask` as a Rule, left to right."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    rules = [Rule(int(x), int(x + w - 1), int(y), int(y + h)) for x, y, w, h, _ in stats[1:count]]
    return sorted(rules, key=lambda r: r.x)


def _chains(rules: list[Rule], height: int) -> list[list[Rule]]:
    """Runs of rules at a regular pitch and of one length, each as long as it goes (most rules first).

    Rules of a run start and end alike (a digit's stroke is shorter); only at either end may a longer
    line stand in, a table border that the first or last box shares.
    """
    low, high = _PITCH_RANGE[0] * height, _PITCH_RANGE[1] * height
    chains: list[list[Rule]] = []
    for i, first in enumerate(rules):
        for second in rules[i + 1 : i + 1 + _NEXT_RULES]:
            if low <= second.x - first.x <= high and _alike(first, second):
                chain = _with_borders(_extend([first, second], second.x - first.x, rules), rules)
                cells = _cells_of(chain)
                # most of the rules are there (a chain at half the pitch would be missing every other one)
                if cells >= _MIN_CHAIN_CELLS and len(chain) - 1 >= _MIN_RULES_PRESENT * cells and chain not in chains:
                    chains.append(chain)
    return sorted(chains, key=len, reverse=True)


def _extend(chain: list[Rule], pitch: float, rules: list[Rule]) -> list[Rule]:
    """`chain` continued to the right while a like rule sits one pitch on (or two: one may be missing)."""
    while True:
        for step in (1, 2):
            expected = chain[-1].x + step * pitch
            near = [r for r in rules if abs(r.x - expected) <= _PITCH_TOLERANCE * pitch and _alike(chain[-1], r)]
            if near:
                chain.append(min(near, key=lambda r: abs(r.x - expected)))
                pitch = (chain[-1].x - chain[0].x) / _cells_of(chain, pitch)
                break
        else:
            return chain


def _with_borders(chain: list[Rule], rules: list[Rule]) -> list[Rule]:
    """`chain` with a longer line one pitch before or after it (a border shared by the end box) added."""
    pitch = _pitch(chain)
    for end, step in ((chain[0], -1), (chain[-1], 1)):
        expected = end.x + step * pitch
        border = [r for r in rules if abs(r.x - expected) <= _PITCH_TOLERANCE * pitch and _covers(r, end)]
        if border:
            chain = [border[0], *chain] if step < 0 else [*chain, border[0]]
    return chain


def _cells_of(chain: list[Rule], pitch: float | None = None) -> int:
    """How many cells the chain's rules bound (a missing rule leaves a double gap)."""
    pitch = pitch or min(b.x - a.x for a, b in itertools.pairwise(chain))
    return sum(max(1, round((b.x - a.x) / pitch)) for a, b in itertools.pairwise(chain))


def _slack(rule: Rule) -> float:
    return _RULE_END_SLACK * (rule.bottom - rule.top) + _RULE_END_SLACK_PX


def _alike(a: Rule, b: Rule) -> bool:
    """Both rules start and end at about the same height: two sides of one row of boxes."""
    return abs(a.top - b.top) <= _slack(a) and abs(a.bottom - b.bottom) <= _slack(a)


def _covers(line: Rule, rule: Rule) -> bool:
    """`line` runs from above `rule`'s top to below its bottom (or about)."""
    return line.top <= rule.top + _slack(rule) and line.bottom >= rule.bottom - _slack(rule)


def _id_row(chains: list[list[Rule]]) -> CellRow | None:
    """The 18 cells among the chains: one chain of 18 or more, or chains of one pitch side by side that
    add up to 18 (boxes printed in groups, 6 + 8 + 4)."""
    for chain in chains:
        groups = _group_with(chain, chains)
        rules = [rule for group in groups for rule in group]
        row = CellRow(
            groups=groups,
            pitch=_pitch(chain),
            top=int(np.median([r.top for r in rules])),
            bottom=int(np.median([r.bottom for r in rules])),
        )
        if len(_all_cells(row)) >= ID_LENGTH:
            return row
    return None


def _group_with(chain: list[Rule], chains: list[list[Rule]]) -> list[list[Rule]]:
    """`chain` and the chains of its pitch and height that continue it on either side, left to right."""
    pitch = _pitch(chain)
    alike = [
        c
        for c in chains
        if c is not chain
        and abs(_pitch(c) - pitch) <= _PITCH_TOLERANCE * pitch
        and abs(c[0].top - chain[0].top) <= _GROUP_ALIGN * pitch
        and abs(c[0].bottom - chain[0].bottom) <= _GROUP_ALIGN * pitch
    ]
    group = [chain]
    while True:
        after = [c for c in alike if 0 < c[0].x - group[-1][-1].x <= _GROUP_GAP * pitch]
        before = [c for c in alike if 0 < group[0][0].x - c[-1].x <= _GROUP_GAP * pitch]
        if not after and not before:
            return group
        if after:
            group.append(min(after, key=lambda c: c[0].x))
        if before:
            group.insert(0, max(before, key=lambda c: c[-1].x))


def _pitch(chain: list[Rule]) -> float:
    """The chain's cell width (centre to centre of its rules)."""
    return (chain[-1].x - chain[0].x) / _cells_of(chain)


def read_cells(gray: np.ndarray, row: CellRow) -> list[CellReading]:
    """Each of the row's 18 cells read on its own (the row's rules removed first)."""
    return recognise(cell_images(gray, row, cell_boxes(row)))


def cell_boxes(row: CellRow) -> list[Box]:
    """The row's 18 cells, left to right (a run of more boxes is filled from the left, as people write)."""
    return _all_cells(row)[:ID_LENGTH]


def _all_cells(row: CellRow) -> list[Box]:
    """Every cell of every group; two rules a few pitches apart bound that many cells (rules were missed)."""
    cells: list[Box] = []
    for group in row.groups:
        for a, b in itertools.pairwise(group):
            count = max(1, round((b.x - a.x) / row.pitch))
            step = (b.x - a.x) / count
            for k in range(count):
                left = a.right + 1 if k == 0 else int(a.x + k * step) + 1
                right = b.left - 1 if k == count - 1 else int(a.x + (k + 1) * step) - 1
                cells.append((left, row.top, max(1, right - left), row.bottom - row.top))
    return cells


def cell_images(gray: np.ndarray, row: CellRow, boxes: list[Box]) -> list[CellImages | None]:
    """Each cell's writing on white, rules removed, cut to its ink with a margin (None for an empty cell).

    A digit that touches or crosses a rule stays whole: the rule is kept where a stroke runs through
    it, pieces on either side of a rule are one mark, and the marks fill the cells in order. A digit
    that runs along a rule loses the stroke the rule hid (a 1 beside a vertical rule, a 7's bar on
    the top rule), so a cell whose writing touches a rule gets more images, with that rule kept.
    """
    pad = int(_PAD_PITCH * row.pitch)
    x0 = max(0, row.rules[0].left - pad)
    x1 = min(gray.shape[1], row.rules[-1].right + pad + 1)
    y0 = max(0, row.top - int(_PAD_HEIGHT * (row.bottom - row.top)))
    y1 = min(gray.shape[0], row.bottom + int(_PAD_HEIGHT * (row.bottom - row.top)) + 1)
    region = gray[y0:y1, x0:x1]
    ink = _ink(region, row, x0, y0)
    rule_mask, spans, across = _rule_mask(ink, row, x0, y0)
    writing = cv2.bitwise_and(ink, cv2.bitwise_not(rule_mask))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(writing, connectivity=8)
    groups = _joined_across_rules(labels, count, spans)
    cell_area = row.pitch * (row.bottom - row.top)
    owners = _owners(labels, stats, groups, boxes, x0, min_area=max(_MIN_MARK_PX, _MIN_MARK * cell_area))
    kept_rules = cv2.bitwise_and(ink, rule_mask)
    kept_across = cv2.bitwise_and(ink, across) > 0
    masks = _split_into_empty_cells(
        [np.isin(labels, [label for label, cell in owners.items() if cell == index]) for index in range(len(boxes))],
        boxes,
        x0,
    )
    images: list[CellImages | None] = []
    for mask in masks:
        if not mask.any():
            images.append(None)
            continue
        beside = _rule_beside(mask, kept_rules, spans)
        along = _rule_along(mask, kept_across)
        images.append(
            CellImages(
                plain=_cut(region, mask),
                height=int(np.ptp(np.flatnonzero(mask.any(axis=1)))) + 1,
                beside=None if beside is None else _cut(region, mask | beside),
                along=None if along is None else _cut(region, mask | along),
            )
        )
    return images


def _rule_along(mask: np.ndarray, across: np.ndarray) -> np.ndarray | None:
    """The top or bottom rule's ink over the width of a mark that touches it, None when it touches none.

    A stroke drawn along the rule (a 7's bar, a 5's flag) is as dark as the rule and often no thicker:
    what is left of the digit may be a confident 1. Over the mark's columns the touched rule is kept,
    only the run of rule rows the mark meets.
    """
    near = cv2.dilate(mask.astype(np.uint8), np.ones((2 * _TOUCH_PX + 1, 1), np.uint8)) > 0
    touched = near & across & ~mask
    if not touched.any():
        return None
    columns = np.flatnonzero(mask.any(axis=0))
    rows = np.flatnonzero(touched.any(axis=1))
    along = np.zeros_like(mask)
    # the touched rule's rows and those of its ink next to them (the rule is a few rows thick)
    reach = _runs(np.flatnonzero(across[:, columns[0] : columns[-1] + 1].any(axis=1)))
    for start, stop in reach:
        if start <= rows[-1] and stop > rows[0]:
            along[start:stop, columns[0] : columns[-1] + 1] = across[start:stop, columns[0] : columns[-1] + 1]
    return along if along.any() else None


def _rule_beside(mask: np.ndarray, rules: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray | None:
    """The rule ink alongside a mark that touches a rule (between the highest and lowest rows where it
    touches), None when the mark touches none."""
    beside = np.zeros_like(mask)
    width = mask.shape[1]
    for first, last in spans:
        near = mask[:, max(0, first - _TOUCH_PX) : first].any(axis=1) | mask[
            :, last : min(width, last + _TOUCH_PX)
        ].any(axis=1)
        rows = np.flatnonzero(near)
        if rows.size:
            beside[rows[0] : rows[-1] + 1, first:last] = rules[rows[0] : rows[-1] + 1, first:last] > 0
    return beside if beside.any() else None


def _split_into_empty_cells(masks: list[np.ndarray], boxes: list[Box], x0: int) -> list[np.ndarray]:
    """Two digits written against one rule from both sides join into one mark in one cell, leaving the
    other cell empty: such a mark is cut at the rule, each part to its own cell."""
    for index, mask in enumerate(masks):
        if mask.any():
            continue
        left, _, width, _ = boxes[index]
        columns = slice(max(0, left - x0), max(0, left - x0 + width))
        for neighbour in (index - 1, index + 1):
            if 0 <= neighbour < len(masks) and masks[neighbour][:, columns].any():
                part = np.zeros_like(mask)
                part[:, columns] = masks[neighbour][:, columns]
                masks[neighbour] = masks[neighbour] & ~part
                masks[index] = part
                break
    return masks


def _ink(region: np.ndarray, row: CellRow, x0: int, y0: int) -> np.ndarray:
    """Dark marks on the paper (ink and pencil), robust to uneven light across the row.

    Each pixel is compared with the mean of the paper and writing around it, the row's printed rules
    left out: a heavy rule darkens the mean of every block it crosses, and pale or blurred writing
    between the rules, lighter than that mean but plainly darker than the paper, would break up.
    """
    block = max(_MIN_INK_BLOCK_PX, ((row.bottom - row.top) * _INK_BLOCK_CELLS) | 1)
    ink = ink_mask(region, InkThreshold(block_px=block, offset=_INK_OFFSET))
    rules, _, _ = _rule_mask(ink, row, x0, y0)
    paper = (cv2.dilate(rules, np.ones((3, 3), np.uint8)) == 0).astype(np.float32)
    pixels = region.astype(np.float32)
    size, border = (block, block), cv2.BORDER_REPLICATE
    mean = cv2.boxFilter(pixels * paper, -1, size, borderType=border) / np.maximum(
        cv2.boxFilter(paper, -1, size, borderType=border), 1e-3
    )
    # the rules' blurred edges are paler than the rules: not writing, though a stroke may touch them
    clear = cv2.dilate(rules, np.ones((2 * _RULE_HALO_PX + 1,) * 2, np.uint8)) == 0
    pale = (pixels <= mean - _INK_OFFSET) & clear
    return np.where(pale, 255, ink).astype(np.uint8)


def _rule_mask(ink: np.ndarray, row: CellRow, x0: int, y0: int) -> tuple[np.ndarray, list[tuple[int, int]], np.ndarray]:
    """The row's box rules in `ink` as printed (not widened), each vertical rule's columns, and the
    horizontal rules alone.

    Where a stroke crosses a rule (ink on both sides of it at one height) the rule is left in, so
    the stroke stays whole.
    """
    height, width = ink.shape
    mask = np.zeros_like(ink)
    top, bottom = max(0, row.top - y0), min(height, row.bottom - y0)
    spans: list[tuple[int, int]] = []
    for rule in row.rules:
        left, right = max(0, rule.left - x0), min(width, rule.right - x0 + 1)
        solid = np.flatnonzero((ink[top:bottom, left:right] > 0).sum(axis=0) >= _SOLID_RULE * (bottom - top))
        if solid.size == 0:
            continue
        first, last = max(0, left + solid[0] - 1), min(width, left + solid[-1] + 2)  # and its anti-aliased edge
        mask[max(0, rule.top - y0 - 1) : min(height, rule.bottom - y0 + 1), first:last] = 255
        spans.append((first, last))
    across = _horizontal_rules(ink, row.pitch)
    for first, last in spans:
        if first >= 1 and last < width:
            left_ink, right_ink = ink[:, first - 1] > 0, ink[:, last] > 0
            near_right = right_ink | np.roll(right_ink, 1) | np.roll(right_ink, -1)
            mask[left_ink & near_right, first:last] = 0
    _clear_where_crossed(across, ink)
    return cv2.bitwise_or(mask, across), spans, across


def _clear_where_crossed(across: np.ndarray, ink: np.ndarray) -> None:
    """Clear each horizontal rule of `across` (in place) in the columns where a stroke crosses it: ink
    just above and just below the rule in that column.

    Column by column, because a rule is rarely level: turned half a degree it climbs a row every
    hundred pixels, and the rows it spans as a whole say nothing of where it lies in one column.
    """
    height = ink.shape[0]
    count, lines = cv2.connectedComponents(across)
    for label in range(1, count):
        line = lines == label
        columns = np.flatnonzero(line.any(axis=0))
        top = line[:, columns].argmax(axis=0)
        stop = height - line[::-1, columns].argmax(axis=0)  # one past its lowest row
        above = (top >= 1) & (ink[np.maximum(top - 1, 0), columns] > 0)
        below = (stop < height) & (ink[np.minimum(stop, height - 1), columns] > 0)
        crossed = columns[above & below]
        across[:, crossed] = np.where(line[:, crossed], 0, across[:, crossed])


def _horizontal_rules(ink: np.ndarray, pitch: float) -> np.ndarray:
    """The boxes' top and bottom rules in `ink` (lines at least _ACROSS_PITCHES cells long), with the
    anti-aliased rows above and below them.

    A thin rule photographed with the whole page and straightened comes out as a staircase a pixel
    high, broken where its steps meet: each row of ink is given a row of slack either side and gaps of
    up to _RULE_GAP_PITCHES of a cell are bridged before a long run is looked for. A digit is narrower
    than its cell, so neither makes one of it.
    """
    length = max(_MIN_ACROSS_PX, int(_ACROSS_PITCHES * pitch))
    gap = max(_MIN_RULE_GAP_PX, int(_RULE_GAP_PITCHES * pitch))
    loose = cv2.dilate(ink, np.ones((3, 1), np.uint8))
    loose = cv2.morphologyEx(loose, cv2.MORPH_CLOSE, np.ones((1, gap), np.uint8))
    return cv2.morphologyEx(loose, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, (length, 1)))


def _runs(indices: np.ndarray) -> list[tuple[int, int]]:
    """Consecutive runs in sorted `indices` as (start, stop) pairs."""
    if indices.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(indices) > 1)
    starts = np.concatenate([[indices[0]], indices[breaks + 1]])
    stops = np.concatenate([indices[breaks], [indices[-1]]]) + 1
    return list(zip(starts.tolist(), stops.tolist()))


def _joined_across_rules(labels: np.ndarray, count: int, spans: list[tuple[int, int]]) -> np.ndarray:
    """A group number per ink piece: pieces that meet from both sides of a rule are one stroke."""
    parent = np.arange(count)

    def find(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    width = labels.shape[1]
    for first, last in spans:
        left, right = first - 1, last
        if left < 0 or right >= width:
            continue
        # a slanted or curved stroke comes out of the rule a little higher or lower than it went in
        reach = right - left
        on_right = cv2.dilate(labels[:, right].astype(np.float32).reshape(-1, 1), np.ones((2 * reach + 1, 1)))
        for a, b in set(zip(labels[:, left].tolist(), on_right.astype(np.int64).ravel().tolist())):
            if a and b:
                parent[find(a)] = find(b)
    return np.array([find(a) for a in range(count)])


@dataclass
class _Mark:
    """One piece of writing: ink pieces that belong together, their columns and their area."""

    left: int
    right: int
    area: int
    members: list[int]


def _owners(
    labels: np.ndarray, stats: np.ndarray, groups: np.ndarray, boxes: list[Box], x0: int, min_area: float
) -> dict[int, int]:
    """Which cell each ink piece belongs to (specks dropped).

    Ink over no cell at all (a table's rule beside the row, a stroke of the label) is not writing.
    When there are as many marks as cells and each mark reaches into its cell, they fill the cells in
    order: a digit written half over a rule still belongs to the cell it stands for. Otherwise each
    mark goes to the cell holding most of its ink: one mark too many and one too few (a stray mark,
    two digits joined across a rule) also add up to the count, and filled in order they would shift
    every digit between them by a cell.
    """
    columns = np.array([(b[0] - x0, b[0] + b[2] - x0) for b in boxes], dtype=np.float64)
    marks = [mark for mark in _marks(labels, stats, groups, min_area) if _reaches(mark, columns).any()]
    if len(marks) == len(boxes) and all(_reaches(mark, columns)[cell] for cell, mark in enumerate(marks)):
        return {member: cell for cell, mark in enumerate(marks) for member in mark.members}
    owners: dict[int, int] = {}
    for mark in marks:
        share = np.zeros(len(boxes))
        for m in mark.members:
            left, width = stats[m, cv2.CC_STAT_LEFT], stats[m, cv2.CC_STAT_WIDTH]
            overlap = np.clip(np.minimum(columns[:, 1], left + width) - np.maximum(columns[:, 0], left), 0, None)
            share += overlap * stats[m, cv2.CC_STAT_AREA] / max(width, 1)
        if share.any():
            owners.update({m: int(np.argmax(share)) for m in mark.members})
    return owners


def _reaches(mark: _Mark, columns: np.ndarray) -> np.ndarray:
    """Per cell (its left and right column), whether the mark's columns overlap the cell's."""
    return (np.minimum(columns[:, 1], mark.right) - np.maximum(columns[:, 0], mark.left)) > 0


def _marks(labels: np.ndarray, stats: np.ndarray, groups: np.ndarray, min_area: float) -> list[_Mark]:
    """The pieces of writing left to right: ink pieces joined across a rule are one mark, marks one
    above the other (a 5's flag) are one; specks and lines through the whole strip are dropped."""
    members_of: dict[int, list[int]] = {}
    for label in range(1, len(groups)):
        members_of.setdefault(int(groups[label]), []).append(label)
    marks = []
    for members in members_of.values():
        area = int(sum(stats[m, cv2.CC_STAT_AREA] for m in members))
        top = min(int(stats[m, cv2.CC_STAT_TOP]) for m in members)
        bottom = max(int(stats[m, cv2.CC_STAT_TOP] + stats[m, cv2.CC_STAT_HEIGHT]) for m in members)
        # a line through the whole strip (a table's rule next to the boxes) is not writing
        if area >= min_area and bottom - top < _LINE_SHARE * labels.shape[0]:
            left = min(int(stats[m, cv2.CC_STAT_LEFT]) for m in members)
            right = max(int(stats[m, cv2.CC_STAT_LEFT] + stats[m, cv2.CC_STAT_WIDTH]) for m in members)
            marks.append(_Mark(left, right, area, members))
    return _stacked(sorted(marks, key=lambda mark: mark.left))


def _stacked(marks: list[_Mark]) -> list[_Mark]:
    """Marks (sorted by left) with those that share most of their width merged into one."""
    merged: list[_Mark] = []
    for mark in marks:
        if merged:
            last = merged[-1]
            overlap = min(last.right, mark.right) - max(last.left, mark.left)
            if overlap > _STACKED * min(last.right - last.left, mark.right - mark.left):
                merged[-1] = _Mark(
                    min(last.left, mark.left),
                    max(last.right, mark.right),
                    last.area + mark.area,
                    last.members + mark.members,
                )
                continue
        merged.append(mark)
    return merged


def _cut(region: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The masked writing on white, cut to its ink with a thin margin, as BGR."""
    ys, xs = np.nonzero(mask)
    keep = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0  # with the strokes' anti-aliased edge
    clean = np.where(keep, region, 255).astype(np.uint8)
    crop = clean[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    margin = max(_MIN_MARGIN_PX, round(_MARGIN * crop.shape[0]))
    framed = cv2.copyMakeBorder(crop, margin, margin, margin, margin, cv2.BORDER_CONSTANT, value=255)
    return cv2.cvtColor(framed, cv2.COLOR_GRAY2BGR)


def recognise(cells: list[CellImages | None]) -> list[CellReading]:
    """Each cell read as one ID character by PP-OCRv4's recogniser (no detection), 0-9 and X only.

    The recogniser scores every character of its alphabet at every step; a cell holds one character,
    so each ID character scores its best step (look-alikes such as O or | count for 0 and 1). Each
    image is read twice, alone and among its row's other cells as one line (`cell_strip`), and the
    two readings are multiplied. Where the first image leaves the recogniser in doubt, the cell's
    image with the rule kept beside the digit is read too, and the two readings are averaged: the cell
    stays in doubt, and both readings become candidates for the check character to choose from. An
    image with a rule kept (beside or along) also counts whenever it reads another character with
    certainty, however sure the plain image is: the plain image of a 7 whose bar the top rule hid, or
    of a 4 whose stem a vertical rule hid, is a confident 1, so the cell is put in doubt between the
    two rather than trusted (a digit that merely touches the rule reads as nothing clear with it, and
    stays as the plain image reads).
    """
    crops = [crop for images in cells if images for crop in _crops(images)]
    heights = [images.height for images in cells if images]
    typical = float(np.median(heights)) if heights else 0.0
    found = iter(_character_probabilities(crops, _in_line(cells)) if crops else [])
    readings: list[CellReading] = []
    for images in cells:
        if images is None:
            readings.append(CellReading())
            continue
        plain = next(found)
        beside = next(found) if images.beside is not None else None
        along = next(found) if images.along is not None else None
        shares = [plain]
        if beside is not None and (max(plain.values()) < _CERTAIN or _contradicts(beside, plain)):
            shares.append(beside)
        if along is not None and _contradicts(along, plain):
            shares.append(along)
        mean = {char: sum(s[char] for s in shares) / len(shares) for char in ID_CHARACTERS}
        ranked = sorted(mean.items(), key=lambda item: item[1], reverse=True)
        readings.append(
            CellReading(
                candidates=[(char, share) for char, share in ranked if share >= _FAINTEST],
                whole=images.height >= _FRAGMENT * typical,
            )
        )
    return readings


def _in_line(cells: list[CellImages | None]) -> list[dict[str, float] | None]:
    """The readings in line (`cell_strip`) of every crop, in `_crops` order: the plain images side by
    side, and where some cell has an image with a rule kept, a line with those images in place of its
    plain one (the other cells stay plain)."""
    recogniser, columns = _recogniser()
    lines = {}
    for kind in _KINDS:
        if kind == "plain" or any(images is not None and getattr(images, kind) is not None for images in cells):
            variant = [None if images is None else _image(images, kind) for images in cells]
            lines[kind] = cell_strip.read_in_line(variant, recogniser, columns)
    return [
        lines[kind][n]
        for n, images in enumerate(cells)
        if images is not None
        for kind in _KINDS
        if getattr(images, kind) is not None
    ]


def _image(images: CellImages, kind: str) -> np.ndarray:
    """The cell's image of that kind, or its plain image when it has none."""
    image = getattr(images, kind)
    return images.plain if image is None else image


def _crops(images: CellImages) -> list[np.ndarray]:
    """The cell's images to read, the plain one first."""
    return [getattr(images, kind) for kind in _KINDS if getattr(images, kind) is not None]


def _contradicts(other: dict[str, float], plain: dict[str, float]) -> bool:
    """True when `other` (an image with a rule kept) reads another character than `plain`, with certainty."""
    return _best(other) != _best(plain) and max(other.values()) >= _CERTAIN


def _best(shares: dict[str, float]) -> str:
    """The character with the largest share."""
    return max(shares, key=lambda char: shares[char])


def _shares(scores: dict[str, float]) -> dict[str, float]:
    """Each ID character's share of the probability the recogniser gives ID characters at all.

    The share, not the raw probability, is the confidence: on a lone character the recogniser puts
    much of its probability on "blank" or on look-alike letters, but how it splits the rest among the
    digits tells a clear reading (one digit takes nearly all of it) from a doubtful one.
    """
    total = sum(scores.values()) or 1.0
    return {char: score / total for char, score in scores.items()}


@lru_cache(maxsize=1)
def _recogniser() -> tuple[Any, dict[str, list[int]]]:
    """PP-OCRv4's recogniser, and for each ID character the alphabet indices that count for it."""
    recogniser = engine_rapidocr._model().text_rec
    index = recogniser.postprocess_op.dict
    columns = {char: [index[c] for c in char + _LOOKALIKES.get(char, "") if c in index] for char in ID_CHARACTERS}
    return recogniser, columns


def _character_probabilities(crops: list[np.ndarray], in_line: list[dict[str, float] | None]) -> list[dict[str, float]]:
    """Per crop, each ID character's share (`_shares`) of its reading alone times its reading in line
    (`in_line`, same order), each at the recogniser step where that character is most probable.

    A digit is narrower than it is tall; such crops are read together, each as a square (the
    recogniser pads it, as it pads a short line): few steps, so quick, and the same reading whatever
    else is in the batch. A wider crop (two digits run together) is read on its own.
    """
    recogniser, columns = _recogniser()
    ratios = [max(1.0, crop.shape[1] / crop.shape[0]) for crop in crops]
    alone: list[dict[str, float]] = [{} for _ in crops]
    for ratio in sorted(set(ratios)):
        members = [n for n, r in enumerate(ratios) if r == ratio]
        batch = np.stack([recogniser.resize_norm_img(crops[n], ratio) for n in members]).astype(np.float32)
        steps = recogniser.session(batch)[0]  # (crops, steps, alphabet): softmax probabilities
        for row, n in enumerate(members):
            alone[n] = cell_strip.best_steps(steps[row], columns)
    return [_both(_shares(a), None if b is None else _shares(b)) for a, b in zip(alone, in_line, strict=True)]


def _both(alone: dict[str, float], in_line: dict[str, float] | None) -> dict[str, float]:
    """The two readings of one image multiplied (each character at least _IN_LINE_FLOOR in either), as shares."""
    if in_line is None:
        return alone
    product = {char: (alone[char] + _IN_LINE_FLOOR) * (in_line[char] + _IN_LINE_FLOOR) for char in alone}
    return _shares(product)


def id_from_cells(readings: list[CellReading], today: date | None = None) -> dict | None:
    """The valid ID number the 18 cell readings spell, its doubtful cells repaired if need be; else None.

    Each cell holds its candidates with the recogniser's shares, and every other character with a small
    probability (_HIDDEN_MISREAD: a cell read with certainty is now and then wrong); an empty cell may
    hold anything, and a fragment's reading counts only half (_FRAGMENT_TRUST). The likeliest valid
    number is taken only when it holds _SURE of the probability of every valid number
    (`id_numbers.likeliest_valid`): the check character catches every single wrong digit but only ten
    in eleven of anything worse, so with many doubtful cells, or a cell left empty beside another in
    doubt, the probability spreads over many valid numbers and none is taken: a wrong ID number on a
    page is worse than none.
    """
    if len(readings) != ID_LENGTH:
        return None
    found = id_numbers.likeliest_valid([_probabilities(reading, n) for n, reading in enumerate(readings)], today)
    if found is None or found[1] < _SURE:
        return None
    value, raw = found[0], "".join(r.char for r in readings)
    return {"value": value, "raw": raw, "repaired": [n for n in range(ID_LENGTH) if value[n] != raw[n]]}


def _probabilities(reading: CellReading, position: int) -> dict[str, float]:
    """What the cell at `position` holds: each character that may stand there, with its probability.

    The candidates keep their shares; what the recogniser gave characters too faint to be candidates is
    spread over those; every character has at least _HIDDEN_MISREAD.
    """
    allowed = id_numbers.allowed_at(position)
    shares = {char: share for char, share in reading.candidates if char in allowed}
    faint = [char for char in allowed if char not in shares]
    rest = max(0.0, 1.0 - sum(shares.values())) if shares else 1.0
    weights = {char: shares.get(char, rest / len(faint) if faint else 0.0) + _HIDDEN_MISREAD for char in allowed}
    total = sum(weights.values())
    trust = 1.0 if reading.whole else _FRAGMENT_TRUST
    return {char: trust * weight / total + (1.0 - trust) / len(allowed) for char, weight in weights.items()}
