"""The centre's service halls, read from halls.toml: their codes and names in both languages.

Halls are data, not code: a centre adds a hall by adding an entry. Staff and cases store a hall's
code; `HEAD_OFFICE` is the hall of everything recorded before halls were known.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from desk.i18n import current_language, t

_FILE = Path(__file__).with_name("halls.toml")


@dataclass(frozen=True)
class Hall:
    """One service hall of the centre."""

    code: str
    zh: str
    en: str

    def name(self, language: str | None = None) -> str:
        """The hall's name in `language` (default: the current one)."""
        return self.en if (language or current_language()) == "en" else self.zh


@dataclass(frozen=True)
class Halls:
    """Every hall of the centre, in the file's order, and the head office's code."""

    halls: tuple[Hall, ...]
    head_office: str
    hall_roles: frozenset[str]  # roles that must work in a hall (the others may be centre-wide)

    def codes(self) -> tuple[str, ...]:
        """The codes of every hall, in the file's order."""
        return tuple(hall.code for hall in self.halls)

    def get(self, code: str) -> Hall | None:
        """The hall called `code`, or None."""
        return next((hall for hall in self.halls if hall.code == code), None)

    def name(self, code: str, language: str | None = None) -> str:
        """The name of hall `code` (the code itself for a hall no longer in the file)."""
        hall = self.get(code)
        return hall.name(language) if hall else code


def _load(path: Path) -> Halls:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    halls = tuple(Hall(entry["code"], entry["zh"], entry["en"]) for entry in data["hall"])
    codes = [hall.code for hall in halls]
    if len(set(codes)) != len(codes) or data["head_office"] not in codes:
        raise ValueError(f"{path}: hall codes must be unique and include head_office")
    if any(not code or len(code) > 16 for code in codes):
        raise ValueError(f"{path}: a hall code has 1 to 16 characters")
    return Halls(halls, data["head_office"], frozenset(data["hall_roles"]))


@lru_cache(maxsize=1)
def centre_halls() -> Halls:
    """The centre's halls (read once)."""
    return _load(_FILE)


HEAD_OFFICE = centre_halls().head_office


def hall_label(code: str | None, language: str | None = None) -> str:
    """A staff member's hall by name, "centre-wide" for an account without one."""
    return t("staff.centre_wide", language) if code is None else centre_halls().name(code, language)
