"""Masking of personal data on screen and on paper (GB/T 35273 display limits, domain.md §6).

ID `2102**********1234`, phone `138****1234`, name `张*`, card first 6 + last 4. Masking happens
on the server; showing a raw value is an explicit act the caller logs
(`desk.security.access_log.log_access(..., action="unmask", fields=[...])`).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

Masker = Callable[[str | None], str | None]


def _keep_ends(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[len(value) - tail :]


def mask_id_number(value: str | None) -> str | None:
    """First 4 and last 4 characters of an ID number: `2102**********1234`."""
    return None if value is None else _keep_ends(value, 4, 4)


def mask_phone(value: str | None) -> str | None:
    """First 3 and last 4 digits of a phone number: `138****1234`."""
    return None if value is None else _keep_ends(value, 3, 4)


def mask_name(value: str | None) -> str | None:
    """The surname's first character, the rest starred: `张*`, `欧**`."""
    if not value:
        return value
    return value[0] + "*" * (len(value) - 1) if len(value) > 1 else "*"


def mask_card(value: str | None) -> str | None:
    """First 6 (the BIN) and last 4 digits of a bank card."""
    return None if value is None else _keep_ends(value, 6, 4)


# Which masker applies to a field or payload key, by the end of its name.
_MASKERS: tuple[tuple[str, Masker], ...] = (
    ("id_number", mask_id_number),
    ("phone", mask_phone),
    ("name", mask_name),
    ("card_no", mask_card),
)


def masker_for(field_name: str) -> Masker | None:
    """The mask function for a field called `field_name`, or None when it is not personal."""
    for suffix, masker in _MASKERS:
        if field_name.endswith(suffix):
            return masker
    return None


def mask_payload(payload: Any) -> Any:
    """A copy of a JSON-like value with every personal key (`*id_number`, `*name`, `*phone`) masked."""
    if isinstance(payload, dict):
        out = {}
        for key, value in payload.items():
            masker = masker_for(key) if isinstance(value, str) else None
            out[key] = masker(value) if masker else mask_payload(value)
        return out
    if isinstance(payload, list):
        return [mask_payload(item) for item in payload]
    return payload


def mask_dataclass(obj: Any) -> Any:
    """A copy of a dataclass tree (e.g. a CustomerProfile) with personal fields and payloads masked.

    Organisation names (an employer's `name`) are not personal data; fields listed in a
    dataclass's `UNMASKED` attribute are left alone.
    """
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        keep = getattr(obj, "UNMASKED", ())
        changes = {}
        for item in dataclasses.fields(obj):
            value = getattr(obj, item.name)
            masker = masker_for(item.name) if isinstance(value, str) and item.name not in keep else None
            if masker:
                changes[item.name] = masker(value)
            elif item.name == "payload":
                changes[item.name] = mask_payload(value)
            elif isinstance(value, (list, tuple)) or dataclasses.is_dataclass(value):
                changes[item.name] = mask_dataclass(value)
        return dataclasses.replace(obj, **changes)
    if isinstance(obj, list):
        return [mask_dataclass(item) for item in obj]
    if isinstance(obj, tuple):
        return tuple(mask_dataclass(item) for item in obj)
    return obj


# An 18-character ID number or an 11-digit mobile number standing alone in free text (OCR output).
_ID_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PHONE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_numbers_in_text(text: str) -> str:
    """`text` with every ID and mobile number masked, character for character.

    The result has the same length as `text`, so offsets computed on the original (search hits,
    highlights) stay valid on the masked copy.
    """
    text = _ID_IN_TEXT.sub(lambda m: mask_id_number(m.group()) or "", text)
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group()) or "", text)
