"""The demo customer being drawn: shared by the generator, which fills it, and the registry facts built from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any


@dataclass
class Draft:
    """One customer being drawn: the facts every table's rows derive from."""

    pid: int
    sex: str
    birth: date
    age: int
    district: dict[str, Any]
    id_number: str
    name: str
    phone: str
    address: str
    events: set[str] = field(default_factory=set)
    spouse: tuple[str, str] | None = None  # (ID number, name)
    marital: str = "unmarried"
    married_on: date | None = None
    owner: bool = False
    homes: list[dict[str, Any]] = field(default_factory=list)
    commercial_loans: list[dict[str, Any]] = field(default_factory=list)
    purchase: dict[str, Any] | None = None
    lease: dict[str, Any] | None = None
    ended_on: date | None = None  # the day a life event (death, disability, …) ended the deposits
