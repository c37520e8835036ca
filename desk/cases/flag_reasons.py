"""The reasons a clerk may give for archiving a flagged page (`flag_reasons.toml`), and the one string
the reason travels as: the reason's code, or `other:<the clerk's words>` for a free-text reason.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from desk.i18n import current_language

REASONS_PATH = Path(__file__).with_name("flag_reasons.toml")
MAX_TEXT = 200  # characters of a typed reason


@dataclass(frozen=True)
class FlagReason:
    """One reason of the list, named in both languages."""

    code: str
    zh: str
    en: str
    free_text: bool = False

    def name(self, language: str | None = None) -> str:
        """The reason in `language` (default: the current one)."""
        return self.en if (language or current_language()) == "en" else self.zh


@lru_cache(maxsize=1)
def flag_reasons() -> dict[str, FlagReason]:
    """Reason code -> reason, in the file's order."""
    data = tomllib.loads(REASONS_PATH.read_text(encoding="utf-8"))["reasons"]
    return {
        code: FlagReason(code, entry["zh"], entry["en"], bool(entry.get("free_text", False)))
        for code, entry in data.items()
    }


def reason_value(code: str | None, text: str = "") -> str | None:
    """The reason as it travels to the server, or None when it is incomplete (no reason picked,
    an unknown code, or a free-text reason with no words)."""
    reason = flag_reasons().get(code or "")
    if reason is None:
        return None
    if not reason.free_text:
        return reason.code
    words = " ".join(text.split())[:MAX_TEXT]
    return f"{reason.code}:{words}" if words else None


def describe(value: str, language: str | None = None) -> str:
    """A reason value of `reason_value` in plain words (the clerk's own words as they typed them)."""
    code, _, words = value.partition(":")
    reason = flag_reasons().get(code)
    if reason is None:
        return value
    return f"{reason.name(language)}：{words}" if reason.free_text else reason.name(language)


def reason_is_complete(value: str | None) -> bool:
    """Whether `value` is a reason as `reason_value` makes it (a known code, with words where it needs them)."""
    if not value:
        return False
    code, _, words = value.partition(":")
    return reason_value(code, words) == value
