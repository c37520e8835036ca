"""Retention: how long a document must be kept (retention.toml) and whether it may be deleted today.

Deletion is refused before the retention end, while the end is not yet known (a loan not paid
off) and under legal hold. Holds are desk.archive.legal_hold; the loan payoff that starts a loan
file's clock and the deletion itself are desk.archive.disposal.
"""

from __future__ import annotations

import tomllib
from datetime import date
from functools import lru_cache
from pathlib import Path

from desk.archive.errors import ArchiveRefused
from desk.archive.tables import ArchiveDocument
from desk.i18n import current_language

_RULES_FILE = Path(__file__).with_name("retention.toml")


@lru_cache(maxsize=1)
def retention_rules() -> dict:
    """The retention classes and the default class, from retention.toml."""
    return tomllib.loads(_RULES_FILE.read_text(encoding="utf-8"))


def class_names() -> set[str]:
    """Every retention class of retention.toml."""
    return set(retention_rules()["classes"])


def class_label(name: str, language: str | None = None) -> str:
    """The label staff see for a retention class (its code when the class is unknown)."""
    rule = retention_rules()["classes"].get(name)
    if rule is None:
        return name
    return rule["en"] if (language or current_language()) == "en" else rule["zh"]


def default_class() -> str:
    """The class used when the business catalog names none."""
    return retention_rules()["default"]


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def retention_until(retention_class: str, captured_on: date, *, payoff_on: date | None = None) -> date | None:
    """The first day a document may be deleted; None while that cannot be known or never comes."""
    classes = retention_rules()["classes"]
    if retention_class not in classes:
        raise ArchiveRefused("archive.retention.unknown_class", name=retention_class)
    rule = classes[retention_class]
    if rule.get("permanent"):
        return None
    start = payoff_on if rule.get("from") == "payoff" else captured_on
    return None if start is None else _add_years(start, int(rule["years"]))


def lock_until(retention_class: str, captured_on: date, *, payoff_on: date | None = None) -> date:
    """How long an object store must lock the document's files: its retention end, else (permanent)
    `lock_years_without_end` from capture, else (a loan not paid off) the earliest its end can be."""
    until = retention_until(retention_class, captured_on, payoff_on=payoff_on)
    if until is not None:
        return until
    rule = retention_rules()["classes"][retention_class]
    years = int(retention_rules()["lock_years_without_end"]) if rule.get("permanent") else int(rule["years"])
    return _add_years(captured_on, years)


def deletion_refusal(document: ArchiveDocument, today: date) -> ArchiveRefused | None:
    """Why `document` may not be deleted today, or None when it may."""
    if document.legal_hold:
        return ArchiveRefused("archive.retention.legal_hold")
    if document.retention_until is None:
        return ArchiveRefused("archive.retention.no_end")
    if today < document.retention_until:
        return ArchiveRefused("archive.retention.not_yet", until=document.retention_until.isoformat())
    return None
