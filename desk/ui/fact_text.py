"""Registry facts in words: a payload dict becomes short "label: value" lines in the current language.

Field and value labels are `ui.fact_field.<key>` and `ui.fact_value.<value>`; keys ending in
`_fen` are money. Personal values inside payloads (a spouse's name or ID number) are masked
unless the clerk has unmasked the profile.
"""

from __future__ import annotations

from typing import Any

from desk.i18n import catalog, t
from desk.money import format_money
from desk.security.masking import mask_payload

MAX_LIST_ITEMS = 3


def _value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return t("common.yes") if value else t("common.no")
    if key.endswith("_fen") and isinstance(value, (int, float)):
        return format_money(int(value))
    if isinstance(value, str) and f"ui.fact_value.{value}" in catalog():
        return t(f"ui.fact_value.{value}")
    return str(value)


def _pair(key: str, value: Any) -> str:
    return t("ui.fact.pair", label=t(f"ui.fact_field.{key}"), value=_value(key, value))


def fact_lines(payload: dict[str, Any], *, masked: bool) -> list[str]:
    """One line per payload field; lists (homes, loans, contracts) as a count and their first items.

    The customer's own `name` stays readable (the identity card shows it anyway); other people's
    names and numbers inside the payload are masked.
    """
    shown = payload
    if masked:
        shown = mask_payload(payload)
        if "name" in payload:
            shown["name"] = payload["name"]
    lines: list[str] = []
    for key, value in shown.items():
        if value is None or value == "":
            continue
        if isinstance(value, list):
            lines.append(t("ui.fact.count", label=t(f"ui.fact_field.{key}"), count=len(value)))
            for item in value[:MAX_LIST_ITEMS]:
                parts = (
                    [_pair(k, v) for k, v in item.items() if v not in (None, "")]
                    if isinstance(item, dict)
                    else [str(item)]
                )
                lines.append("· " + t("ui.fact.separator").join(parts))
            continue
        lines.append(_pair(key, value))
    return lines
