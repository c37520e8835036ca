"""`/archive`: the archivist's search. One query box (Chinese words of two characters, phrases in
quotes, -word to exclude, 2102* prefixes), filters by document type, customer ID number, case
number, capture dates and staff member, and pages of results with thumbnails and marked snippets.

Any query text gives results or a plain message: the parser (desk.archive.query_parser) never
lets a character through to the database's own query language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from html import escape
from urllib.parse import urlencode

from nicegui import run, ui

from desk.archive.commands import resolve_customer
from desk.archive.errors import ArchiveRefused
from desk.archive.search import SearchHit, SearchResult, search
from desk.archive.search_index import SearchFilters
from desk.archive.snippets import CLOSE, OPEN
from desk.archive.viewer import ARCHIVE_PURPOSE
from desk.capture.classify import doc_type_names
from desk.db import session_scope
from desk.i18n import t
from desk.security.staff import list_staff
from desk.ui.archive_routes import image_url
from desk.ui.auth import require_staff
from desk.ui.case_labels import label_or_code, material_label
from desk.ui.theme import frame
from desk.ui.typed_enter import on_enter

PAGE_SIZE = 20
DATE_PROPS = "outlined dense type=date stack-label"  # the browser's own date picker, ISO value


@dataclass(frozen=True)
class Criteria:
    """The query and the filters as typed (checked and resolved in `_run_search`)."""

    query: str
    doc_type: str | None
    customer: str
    case_no: str
    staff: str | None
    date_from: str
    date_to: str


def marked_html(snippet: str) -> str:
    """A snippet with its 【hits】 as <mark> and everything else escaped."""
    return escape(snippet).replace(escape(OPEN), "<mark>").replace(escape(CLOSE), "</mark>")


def _date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ArchiveRefused("archive.search.bad_date", value=value.strip()) from None


def _run_search(criteria: Criteria, offset: int, staff: object) -> SearchResult:
    """The search in a worker thread; raises ArchiveRefused for an unknown customer or a bad date."""
    date_from, date_to = _date(criteria.date_from), _date(criteria.date_to)
    with session_scope() as db:
        person_id = resolve_customer(db, criteria.customer) if criteria.customer.strip() else None
        filters = SearchFilters(
            doc_type=criteria.doc_type or None,
            person_id=person_id,
            case_no=criteria.case_no.strip().upper() or None,
            captured_by=criteria.staff or None,
            date_from=date_from,
            date_to=date_to,
        )
        return search(db, criteria.query, filters, staff=staff, purpose=ARCHIVE_PURPOSE, limit=PAGE_SIZE, offset=offset)


def _usernames() -> list[str]:
    with session_scope() as db:
        return [staff.username for staff in list_staff(db)]


def viewer_url(hit: SearchHit, query: str) -> str:
    """The viewer of the hit's page, highlighting the query's words."""
    return f"/archive/page/{hit.page_id}?" + urlencode({"q": query})


def _hit(hit: SearchHit, query: str) -> None:
    url = viewer_url(hit, query)
    with ui.card().classes("w-full").props("flat bordered").mark(f"hit {hit.page_id}"):
        with ui.row().classes("w-full items-start gap-4 no-wrap"):
            with ui.link(target=url).classes("shrink-0"):
                ui.image(image_url(hit.page_id, "thumb")).props("fit=contain").classes(
                    "w-24 h-32 bg-grey-2 rounded"
                ).mark(f"thumb {hit.page_id}")
            with ui.column().classes("grow gap-1 min-w-0"):
                with ui.row().classes("items-baseline gap-2"):
                    ui.link(label_or_code("capture.doc_type.", hit.doc_type), url).classes("text-base font-bold").mark(
                        f"open {hit.page_id}"
                    )
                    if hit.material_code:
                        ui.label(f"{hit.material_code} {material_label(hit.material_code)}").classes(
                            "text-sm text-secondary"
                        )
                    ui.label(t("archivist.search.page_of_doc", page=hit.page, document=hit.document_id)).classes(
                        "text-sm text-secondary"
                    )
                ui.html(marked_html(hit.snippet), sanitize=False).classes("text-sm leading-relaxed").mark(
                    f"snippet {hit.page_id}"
                )
                ui.label(
                    t(
                        "archivist.search.hit_meta",
                        customer=hit.customer or "—",
                        case=hit.case_no or "—",
                        at=hit.captured_at.strftime("%Y-%m-%d %H:%M"),
                        by=hit.captured_by,
                    )
                ).classes("text-xs text-secondary")


class SearchScreen:
    """The query box, the filters, the results and the pager of one browser tab."""

    def __init__(self, usernames: list[str]) -> None:
        self.offset = 0
        self.criteria: Criteria | None = None
        with ui.card().classes("w-full gap-3"):
            with ui.row().classes("w-full items-start gap-3 no-wrap"):
                self.query = (
                    ui.input(t("archivist.search.query"), placeholder=t("archivist.search.placeholder"))
                    .props("autofocus outlined clearable maxlength=200 autocomplete=off")
                    .classes("grow text-lg")
                    .mark("query")
                )
                ui.button(t("archivist.search.button"), icon="search", on_click=lambda: self.run(0)).props(
                    "no-caps unelevated size=lg"
                ).mark("search")
            with ui.row().classes("w-full items-start gap-3"):
                types = {name: label_or_code("capture.doc_type.", name) for name in doc_type_names()}
                self.doc_type = (
                    ui.select(types, label=t("archivist.search.doc_type"), clearable=True)
                    .props("outlined dense")
                    .classes("w-52")
                    .mark("filter-type")
                )
                self.customer = (
                    ui.input(t("archivist.search.customer"))
                    .props("outlined dense clearable maxlength=18")
                    .classes("w-52")
                    .mark("filter-customer")
                )
                self.case_no = (
                    ui.input(t("archivist.search.case_no"))
                    .props("outlined dense clearable maxlength=20")
                    .classes("w-44")
                    .mark("filter-case")
                )
                self.staff = (
                    ui.select(usernames, label=t("archivist.search.staff"), clearable=True)
                    .props("outlined dense")
                    .classes("w-40")
                    .mark("filter-staff")
                )
                self.date_from = (
                    ui.input(t("archivist.search.date_from")).props(DATE_PROPS).classes("w-40").mark("filter-from")
                )
                self.date_to = (
                    ui.input(t("archivist.search.date_to")).props(DATE_PROPS).classes("w-40").mark("filter-to")
                )
            ui.label(t("archivist.search.help")).classes("text-xs text-secondary")
        self.message = ui.label().classes("text-sm min-h-[1.25rem]").mark("search-message")
        self.results = ui.element("div").classes("desk-results w-full").mark("results")
        with ui.row().classes("w-full items-center justify-center gap-4"):
            self.previous = (
                ui.button(
                    t("archivist.search.previous"),
                    icon="chevron_left",
                    on_click=lambda: self.run(self.offset - PAGE_SIZE, keep=True),
                )
                .props("no-caps flat")
                .mark("previous")
            )
            self.position = ui.label().classes("text-sm text-secondary").mark("position")
            self.next = (
                ui.button(
                    t("archivist.search.next"),
                    icon="chevron_right",
                    on_click=lambda: self.run(self.offset + PAGE_SIZE, keep=True),
                )
                .props("no-caps flat icon-right=chevron_right")
                .mark("next")
            )
        self._pager(False)
        for field in (self.query, self.customer, self.case_no):
            on_enter(field, lambda: self.run(0))

    def _typed(self) -> Criteria:
        return Criteria(
            self.query.value or "",
            self.doc_type.value,
            self.customer.value or "",
            self.case_no.value or "",
            self.staff.value,
            self.date_from.value or "",
            self.date_to.value or "",
        )

    def _say(self, text: str, tone: str = "secondary") -> None:
        self.message.text = text
        self.message.classes(replace=f"text-sm min-h-[1.25rem] text-{tone}")

    def _pager(self, more: bool) -> None:
        shown = self.criteria is not None and (self.offset > 0 or more)
        self.previous.set_visibility(shown)
        self.next.set_visibility(shown)
        self.previous.set_enabled(self.offset > 0)
        self.next.set_enabled(more)
        self.position.text = t("archivist.search.position", page=self.offset // PAGE_SIZE + 1) if shown else ""

    async def run(self, offset: int, keep: bool = False) -> None:
        """Search (again), from result `offset`; `keep` pages through the last search's criteria."""
        staff = require_staff()
        if staff is None:
            return
        criteria = self.criteria if keep and self.criteria else self._typed()
        offset = max(0, offset)
        try:
            result = await run.io_bound(_run_search, criteria, offset, staff)
        except ArchiveRefused as refused:
            self._say(refused.message(), "negative")
            return
        assert result is not None, "None only when the server is shutting down"
        self.criteria, self.offset = criteria, offset
        self.results.clear()
        notes = " ".join(t(note) for note in result.notes)
        if result.problem:
            self._say(" ".join(filter(None, [t(result.problem), notes])), "negative")
        elif not result.hits:
            self._say(" ".join(filter(None, [t("archive.search.no_hits"), notes])), "secondary")
        else:
            first = offset + 1
            self._say(
                " ".join(
                    filter(None, [t("archivist.search.showing", first=first, last=offset + len(result.hits)), notes])
                ),
                "secondary",
            )
        with self.results:
            for hit in result.hits:
                _hit(hit, criteria.query)
        self._pager(result.more)


def register() -> None:
    """Add the /archive page."""

    @ui.page("/archive")
    async def archive_search_page() -> None:
        with frame("archivist.search.title", wide=True):
            ui.label(t("archivist.search.title")).classes("text-2xl font-bold")
            usernames = await run.io_bound(_usernames)
            assert usernames is not None, "None only when the server is shutting down"
            SearchScreen(usernames)
