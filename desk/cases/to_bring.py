"""The materials a customer still has to bring for a case: shared by the one-time notice and the
public progress inquiry (a returned case tells the customer exactly what is missing)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from desk.cases.catalog import Catalog, get_catalog
from desk.cases.tables import CaseMaterial
from desk.cases.workflow import materials
from desk.i18n import current_language

STILL_TO_BRING = ("missing", "unknown", "deferred")


@dataclass(frozen=True)
class ToBring:
    """A material the customer still has to bring, named in both languages."""

    material: str
    name_zh: str
    name_en: str
    status: str  # missing | unknown | deferred
    promised_on: date | None

    def name(self, language: str | None = None) -> str:
        """The material's name in `language` (default: the current one)."""
        return self.name_en if (language or current_language()) == "en" else self.name_zh


def _item(catalog: Catalog, row: CaseMaterial) -> ToBring:
    material = catalog.materials.get(row.material)
    return ToBring(
        row.material,
        material.zh if material else row.material,
        material.en if material else row.material,
        row.status,
        row.promised_on,
    )


def still_to_bring(session: Session, case_id: int, catalog: Catalog | None = None) -> tuple[ToBring, ...]:
    """The materials of case `case_id` that are missing, unknown or deferred, in checklist order."""
    catalog = catalog or get_catalog()
    return tuple(_item(catalog, row) for row in materials(session, case_id) if row.status in STILL_TO_BRING)
