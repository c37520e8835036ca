"""Papers avoided: what a submitted case spared the customer, kept with the case.

At submission, in the submitting transaction, every material of the case is written down as it
stands: proven by data (the paper the customer no longer brings, with the pages the catalog says
that paper usually has), captured at the counter (with the pages archived) or promised (容缺).
The reform this desk serves is measured by the papers customers no longer bring: the case page,
the notice and the centre dashboard (desk.cases.dashboard) read these rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlmodel import Session, col

from desk.archive.tables import ArchiveDocument
from desk.cases.catalog import Catalog, get_catalog
from desk.cases.tables import Case, CaseMaterial, CasePaper
from desk.i18n import current_language

PROVEN = "proven"
# the material statuses a submission records (not_applicable: no paper was ever asked for)
RECORDED = (PROVEN, "captured", "deferred")


@dataclass(frozen=True)
class Paper:
    """One material of a submitted case: how the submission left it and its pages (None: unknown)."""

    material: str
    outcome: str  # proven | captured | deferred
    pages: int | None

    def name(self, language: str | None = None, catalog: Catalog | None = None) -> str:
        """The material's name in `language` (its code when the catalog no longer has it)."""
        known = (catalog or get_catalog()).materials.get(self.material)
        return known.name(language or current_language()) if known else self.material


@dataclass(frozen=True)
class Papers:
    """The recorded materials of one case, in material order."""

    items: tuple[Paper, ...]

    @property
    def avoided(self) -> tuple[Paper, ...]:
        """The materials data proved: paper the customer did not have to bring."""
        return tuple(item for item in self.items if item.outcome == PROVEN)

    @property
    def pages_avoided(self) -> int:
        """Pages of the avoided papers whose usual count the catalog knows."""
        return sum(item.pages or 0 for item in self.avoided)

    @property
    def captured(self) -> tuple[Paper, ...]:
        """The materials whose paper was captured at the counter."""
        return tuple(item for item in self.items if item.outcome == "captured")


def _archived_pages(session: Session, document_ids: list[int]) -> dict[int, int]:
    if not document_ids:
        return {}
    rows = session.execute(
        select(col(ArchiveDocument.id), col(ArchiveDocument.page_count)).where(
            col(ArchiveDocument.id).in_(document_ids)
        )
    ).all()
    return {document_id: count for document_id, count in rows}


def record_papers(session: Session, case: Case, *, now: datetime, catalog: Catalog | None = None) -> Papers:
    """Write down, in the caller's (submitting) transaction, how each material of `case` stands; a
    resubmission replaces what the previous submission wrote."""
    catalog = catalog or get_catalog()
    assert case.id is not None, "a submitted case is on file"
    rows = (
        session.execute(
            select(CaseMaterial)
            .where(col(CaseMaterial.case_id) == case.id, col(CaseMaterial.status).in_(RECORDED))
            .order_by(col(CaseMaterial.material))
        )
        .scalars()
        .all()
    )
    archived = _archived_pages(session, [row.document_id for row in rows if row.document_id is not None])
    session.execute(delete(CasePaper).where(col(CasePaper.case_id) == case.id))
    items = []
    for row in rows:
        known = catalog.materials.get(row.material)
        usual = known.usual_pages if known else None
        pages = archived.get(row.document_id, usual) if row.status == "captured" else usual
        items.append(Paper(row.material, row.status, pages))
        session.add(CasePaper(case_id=case.id, material=row.material, outcome=row.status, pages=pages, recorded_at=now))
    session.flush()
    return Papers(tuple(items))


def papers_of(session: Session, case_id: int) -> Papers:
    """What the last submission of case `case_id` recorded (nothing for a case never submitted)."""
    rows = (
        session.execute(select(CasePaper).where(col(CasePaper.case_id) == case_id).order_by(col(CasePaper.material)))
        .scalars()
        .all()
    )
    return Papers(tuple(Paper(row.material, row.outcome, row.pages) for row in rows))
