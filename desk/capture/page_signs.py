"""Signs of a document type beyond its words: validated numbers and the layout of a card.

- id_number: a valid resident ID number (GB 11643 check character and birth date);
- card_shape: the page has the proportions of an ID-1 card (ID card, bank card: 85.6 × 54 mm);
- portrait: on a card, a large block on the right that holds no text but a picture (the ID photo);
- card_number: a Luhn-valid number of 16–19 digits (printed in groups or not) that is not an ID
  number and is not introduced by an account label (a form quoting 银行卡号：… is not a card);
- bank_name: a bank's name from the list, or a line that is a commercial bank's name and no more.
"""

from __future__ import annotations

import re

import cv2
import numpy as np

from desk.capture import fields, id_numbers
from desk.capture.doc_rules import SignSettings
from desk.capture.keywords import fuzzy_hit, normalize
from desk.capture.page_text import PageText
from desk.capture.reading import Box
from desk.validators import luhn_ok

CARD_ASPECT = (1.40, 1.80)  # ID-1 is 1.586 wide to high; the flattened photo of a card comes close
CARD_DIGITS = (16, 19)
# where the photo sits on an ID card's portrait side, as shares of the card's width and height
PORTRAIT_REGION = (0.60, 0.08, 0.96, 0.78)  # left, top, right, bottom
PORTRAIT_MAX_TEXT = 0.08  # share of the region that text boxes may cover
PORTRAIT_MIN_INK = 0.12  # share of the region darker than the card by PORTRAIT_CONTRAST
PORTRAIT_CONTRAST = 45  # grey levels below the card's own tone (its 75th percentile)
# digits in groups: single or double spaces between groups of a card number, nothing else
_DIGIT_RUN = re.compile(r"(?<![0-9A-Z])[0-9](?:[0-9]| {1,2}(?=[0-9]))*(?![0-9A-Z])")
_DIGITS_ONLY = re.compile(r"[0-9](?:[0-9]| {1,2}(?=[0-9]))*")  # a row that is one group of a card number


def find_signs(page: PageText, settings: SignSettings, image: np.ndarray | None = None) -> dict[str, str]:
    """The signs present on the page, each with a detail worth showing (the bank's name) or ""."""
    found: dict[str, str] = {}
    if fields.find_id_numbers(page.text):
        found["id_number"] = ""
    if is_card_shaped(page.size):
        found["card_shape"] = ""
        if image is not None and has_portrait(image, page.boxes):
            found["portrait"] = ""
    if card_number(page.rows, settings.card_number_labels):
        found["card_number"] = ""  # the number itself is not repeated in the evidence
    bank = bank_name(page, settings)
    if bank:
        found["bank_name"] = bank
    return found


def is_card_shaped(size: tuple[int, int] | None) -> bool:
    """True when a page of `size` (width, height) has a card's proportions, in landscape."""
    if not size or min(size) <= 0:
        return False
    return CARD_ASPECT[0] <= size[0] / size[1] <= CARD_ASPECT[1]


def has_portrait(image: np.ndarray, text_boxes: list[Box]) -> bool:
    """True when the right part of a card holds a large block without text but with a picture in it
    (dark hair and clothes, or a grey silhouette, against the card's light ground)."""
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    height, width = gray.shape[:2]
    left, top, right, bottom = (int(share * side) for share, side in zip(PORTRAIT_REGION, (width, height) * 2))
    region_area = max(1, (right - left) * (bottom - top))
    covered = sum(_overlap(box, (left, top, right - left, bottom - top)) for box in text_boxes)
    if covered / region_area > PORTRAIT_MAX_TEXT:
        return False
    card_tone = float(np.percentile(gray[::4, ::4], 75))  # a sample is enough for the card's tone
    ink = gray[top:bottom, left:right] < card_tone - PORTRAIT_CONTRAST
    return float(ink.mean()) >= PORTRAIT_MIN_INK


def card_number(rows: tuple[str, ...], account_labels: tuple[str, ...]) -> str | None:
    """The first Luhn-valid card number standing on its own in a row (not after an account label),
    or printed over consecutive rows that hold nothing but digits (a vertical card wraps its number)."""
    for row in rows:
        for match in _DIGIT_RUN.finditer(row):
            digits = match.group().replace(" ", "")
            before = normalize(row[: match.start()])
            if _is_card_number(digits) and not any(label in before for label in account_labels):
                return digits
    return _wrapped_card_number(rows)


def _wrapped_card_number(rows: tuple[str, ...]) -> str | None:
    """A card number whose groups stand on two or more consecutive rows of their own."""
    digit_rows = [row.replace(" ", "") if _DIGITS_ONLY.fullmatch(row.strip()) else "" for row in rows]
    for start in range(len(digit_rows)):
        joined = ""
        for part in digit_rows[start:]:
            if not part:
                break
            joined += part
            if len(joined) > CARD_DIGITS[1]:
                break
            if joined != part and _is_card_number(joined):
                return joined
    return None


def _is_card_number(digits: str) -> bool:
    """True for 16–19 Luhn-valid digits that are not a valid ID number (which may pass Luhn too)."""
    if not CARD_DIGITS[0] <= len(digits) <= CARD_DIGITS[1] or not luhn_ok(digits):
        return False
    return not (len(digits) == 18 and id_numbers.is_valid(digits))


def bank_name(page: PageText, settings: SignSettings) -> str | None:
    """The bank named on the page: a listed name (read exactly, or nearly so on a short line),
    or a line that is a bank's name and nothing else."""
    names = sorted(settings.bank_names, key=len, reverse=True)
    for segment in page.segments:
        exact = next((name for name in names if name in segment.text), None)
        if exact:
            return exact
    for segment in page.segments:
        if segment.running_text:
            continue
        close = next(
            (name for name in names if len(segment.text) <= len(name) + 4 and fuzzy_hit(segment.text, name)), None
        )
        if close:
            return close
        if settings.bank_name_line.match(segment.text) and segment.text not in settings.not_bank_names:
            return segment.text
    return None


def _overlap(box: Box, region: Box) -> int:
    width = min(box[0] + box[2], region[0] + region[2]) - max(box[0], region[0])
    height = min(box[1] + box[3], region[1] + region[3]) - max(box[1], region[1])
    return max(0, width) * max(0, height)
