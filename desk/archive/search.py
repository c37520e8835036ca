"""Archive search: a query string and filters in, ranked pages with masked customers and snippets out."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, col

from desk.archive.query_parser import ParsedQuery, parse_query
from desk.archive.search_index import SearchFilters, index_for
from desk.archive.snippets import make_snippet
from desk.archive.tables import ArchiveDocument, ArchivePage
from desk.records.tables import Person
from desk.security.access_log import log_access
from desk.security.masking import mask_id_number, mask_name

log = logging.getLogger(__name__)
MAX_LIMIT = 200
SEARCH_ACTION = "archive_search"
_LOG_FIELDS_CHARS = 500  # the access log's `fields` column


@dataclass
class SearchHit:
    """One matching page."""

    document_id: int
    page_id: int
    page: int
    doc_type: str
    material_code: str | None
    customer: str  # masked name and ID number
    case_no: str | None
    captured_at: datetime
    captured_by: str
    snippet: str
    score: float

    def to_json(self) -> dict:
        """A JSON-ready dict."""
        out = asdict(self)
        out["captured_at"] = self.captured_at.isoformat(timespec="seconds")
        out["score"] = round(self.score, 4)
        return out


@dataclass
class SearchResult:
    """The hits, or a problem (a message key) when the query has nothing to search for."""

    hits: list[SearchHit] = field(default_factory=list)
    problem: str | None = None
    notes: tuple[str, ...] = ()
    more: bool = False  # further hits exist beyond this page of results


def _masked_customer(name: str | None, id_number: str | None) -> str:
    if name is None:
        return ""
    return f"{mask_name(name)} {mask_id_number(id_number)}"


def _hydrate(session: Session, ranked: list[tuple[int, float]], parsed: ParsedQuery) -> list[SearchHit]:
    if not ranked:
        return []
    # Plain columns, not ORM objects: this runs on every search and must stay a few milliseconds.
    rows = session.execute(
        select(
            col(ArchivePage.id),
            col(ArchivePage.page_no),
            col(ArchivePage.doc_type),
            col(ArchivePage.text),
            col(ArchiveDocument.id),
            col(ArchiveDocument.doc_type),
            col(ArchiveDocument.material_code),
            col(ArchiveDocument.case_no),
            col(ArchiveDocument.captured_at),
            col(ArchiveDocument.captured_by),
            col(Person.name),
            col(Person.id_number),
        )
        .join(ArchiveDocument, col(ArchiveDocument.id) == ArchivePage.document_id)
        .join(Person, col(Person.id) == ArchiveDocument.person_id, isouter=True)
        .where(col(ArchivePage.id).in_([page_id for page_id, _ in ranked]))
    ).all()
    by_id = {row[0]: row for row in rows}
    hits = []
    for page_id, score in ranked:
        if page_id not in by_id:
            continue
        _, page_no, page_type, page_text, document_id, doc_type, material, case_no, at, by, name, id_number = by_id[
            page_id
        ]
        hits.append(
            SearchHit(
                document_id,
                page_id,
                page_no,
                page_type or doc_type,
                material,
                _masked_customer(name, id_number),
                case_no,
                at,
                by,
                make_snippet(page_text, parsed.positive),
                score,
            )
        )
    return hits


def filter_summary(filters: SearchFilters) -> list[str]:
    """The filters in use as `name=value` strings, in field order, for the access log."""
    return [f"{item.name}={value}" for item in fields(filters) if (value := getattr(filters, item.name)) is not None]


def _log_search(session: Session, filters: SearchFilters, staff: object, purpose: str) -> None:
    # One row per search, not per hit: the filters say whose pages the search could reach.
    summary = ",".join(filter_summary(filters))[:_LOG_FIELDS_CHARS]
    log_access(
        session,
        staff=staff,
        action=SEARCH_ACTION,
        person_id=filters.person_id,
        purpose=purpose,
        fields=[summary] if summary else [],
        case_no=filters.case_no,
    )


def search(
    session: Session,
    query: object,
    filters: SearchFilters | None = None,
    *,
    staff: object,
    purpose: str,
    limit: int = 20,
    offset: int = 0,
) -> SearchResult:
    """Ranked pages matching `query` (any string) and `filters`; never raises on the query text.

    A search that reaches the index is written to the access log (as `staff`, for `purpose`) in the
    caller's transaction; a query refused by the parser reads nothing and is not logged.
    """
    parsed = parse_query(query)
    if parsed.problem:
        return SearchResult(problem=parsed.problem, notes=parsed.notes)
    limit = max(1, min(int(limit), MAX_LIMIT))
    filters = filters or SearchFilters()
    try:
        ranked = index_for(session).match(session, parsed, filters, limit=limit + 1, offset=max(0, int(offset)))
    except DBAPIError:
        # Tokens never carry query syntax, so this is a bug or a broken index: log it, tell the user plainly.
        log.exception("archive search failed for %r", query)
        session.rollback()
        return SearchResult(problem="archive.search.failed", notes=parsed.notes)
    _log_search(session, filters, staff, purpose)
    return SearchResult(_hydrate(session, ranked[:limit], parsed), notes=parsed.notes, more=len(ranked) > limit)
