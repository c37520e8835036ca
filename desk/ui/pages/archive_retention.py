"""`/archive/retention` (archivists only): legal holds on a document or a whole case, with a reason; the
documents under hold; a loan payoff that starts the retention clock of the loan's files; and the
documents whose retention has ended, disposed of together after a confirmation.

The page only calls desk.archive.legal_hold and desk.archive.disposal, which check the role again and
write every change to the access log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from nicegui import run, ui

from desk.archive.disposal import Disposal, DueDocument, dispose, due_for_disposal, record_payoff
from desk.archive.errors import ArchiveRefused
from desk.archive.legal_hold import HeldDocument, held_documents, place_hold, release_hold
from desk.archive.retention import class_label
from desk.db import session_scope
from desk.i18n import t
from desk.ui.archive_routes import archive_store
from desk.ui.auth import require_staff
from desk.ui.case_labels import label_or_code, moment
from desk.ui.formatting import day
from desk.ui.session import SessionStaff
from desk.ui.theme import frame

MAX_DUE = 200  # documents listed (and disposed of) at once; the count says how many more wait
DATE_PROPS = "outlined dense type=date stack-label"  # the browser's own date picker, ISO value
_HELD_GRID = "grid-template-columns: 5rem minmax(10rem, 1.2fr) 11rem 6rem minmax(10rem, 1.5fr) 12rem 5rem"
_DUE_GRID = "grid-template-columns: 5rem minmax(10rem, 1.2fr) 11rem 6rem minmax(12rem, 1.4fr) 7rem"


@dataclass(frozen=True)
class _Lists:
    held: list[HeldDocument]
    due: list[DueDocument]
    due_total: int


def _lists() -> _Lists:
    with session_scope() as db:
        due = due_for_disposal(db, today=date.today())
        return _Lists(held_documents(db), due[:MAX_DUE], len(due))


def _title(title: str, doc_type: str) -> str:
    """The document's type in words, then the name of the file it came from."""
    kind = label_or_code("capture.doc_type.", doc_type)
    return f"{kind} · {title}" if title else kind


class RetentionPage:
    """The page's forms and its two lists, refreshed after every change."""

    def __init__(self) -> None:
        self.lists = _Lists([], [], 0)

    async def reload(self) -> None:
        """Read both lists again and redraw them."""
        lists = await run.io_bound(_lists)
        assert lists is not None, "None only when the server is shutting down"
        self.lists = lists
        self.show_held.refresh()
        self.show_due.refresh()

    async def act(self, call: Callable[[SessionStaff], list[int] | Disposal], done_key: str, **params: object) -> bool:
        """Run a service call for the logged-in archivist; say what it did or why it was refused."""
        staff = require_staff()
        if staff is None:
            return False
        try:
            result = await run.io_bound(call, staff)
        except ArchiveRefused as refused:
            ui.notify(refused.message(), color="negative", multi_line=True)
            return False
        assert result is not None, "None only when the server is shutting down"
        count = len(result) if isinstance(result, list) else len(result.document_ids)
        ui.notify(t(done_key, None, count=count, **params), color="positive")
        await self.reload()
        return True

    def hold_form(self) -> None:
        """Target (document id or case number), reason, hold / release."""
        with ui.card().classes("w-full gap-3").mark("hold-form"):
            ui.label(t("archivist.retention.hold_title")).classes("text-lg font-bold text-primary")
            ui.label(t("archivist.retention.hold_hint")).classes("text-secondary text-sm")
            with ui.row().classes("w-full items-start gap-3"):
                self.target = (
                    ui.input(t("archivist.retention.target"))
                    .props("outlined dense")
                    .classes("w-64")
                    .mark("hold-target")
                )
                self.reason = (
                    ui.input(t("archivist.retention.reason"))
                    .props("outlined dense")
                    .classes("grow")
                    .mark("hold-reason")
                )

            async def hold(placing: bool) -> None:
                target, reason = self.target.value or "", self.reason.value or ""
                action = place_hold if placing else release_hold
                if await self.act(
                    lambda staff: action(target, staff=staff, reason=reason),
                    "archivist.retention.held" if placing else "archivist.retention.released",
                    target=target.strip().upper(),
                ):
                    self.target.value = self.reason.value = ""

            with ui.row().classes("gap-2"):
                ui.button(t("archivist.retention.place"), icon="lock", on_click=lambda: hold(True)).props(
                    "no-caps unelevated"
                ).mark("place-hold")
                ui.button(t("archivist.retention.release"), icon="lock_open", on_click=lambda: hold(False)).props(
                    "no-caps outline"
                ).mark("release-hold")

    @ui.refreshable_method
    def show_held(self) -> None:
        """The documents under legal hold, with who placed the hold, when and why."""
        held = self.lists.held
        with ui.row().classes("items-center gap-2"):
            ui.label(t("archivist.retention.held_title")).classes("text-lg font-bold text-primary")
            ui.badge(str(len(held)), color="warning" if held else "grey-6").mark("held-count")
        if not held:
            ui.label(t("archivist.retention.none_held")).classes("text-secondary").mark("none-held")
            return
        with ui.element("div").classes("grid gap-x-4 gap-y-2 items-center w-full overflow-x-auto").style(_HELD_GRID):
            for column in ("document", "title_column", "case_no", "customer", "reason", "placed", ""):
                ui.label(t(f"archivist.retention.{column}") if column else "").classes(
                    "text-xs text-secondary font-bold"
                )
            for item in held:
                ui.label(str(item.document_id)).classes("font-mono")
                ui.label(_title(item.title, item.doc_type))
                ui.label(item.case_no or "—").classes("font-mono text-sm")
                ui.label(item.customer)
                ui.label(item.reason or "—").mark(f"held-reason {item.document_id}")
                ui.label(f"{moment(item.placed_at)} · {item.placed_by}" if item.placed_by else "—").classes("text-sm")
                ui.button(
                    t("archivist.retention.release_this"),
                    on_click=lambda item=item: self.target.set_value(str(item.document_id)),
                ).props("no-caps flat dense").mark(f"release {item.document_id}")

    def payoff_form(self) -> None:
        """A loan case's payoff date, which starts the retention of its loan files."""
        with ui.card().classes("w-full gap-3").mark("payoff-form"):
            ui.label(t("archivist.retention.payoff_title")).classes("text-lg font-bold text-primary")
            ui.label(t("archivist.retention.payoff_hint")).classes("text-secondary text-sm")
            with ui.row().classes("items-start gap-3"):
                case_no = (
                    ui.input(t("archivist.retention.case_no"))
                    .props("outlined dense")
                    .classes("w-64")
                    .mark("payoff-case")
                )
                on = ui.input(t("archivist.retention.payoff_on")).props(DATE_PROPS).mark("payoff-on")

                async def payoff() -> None:
                    try:
                        paid_off = date.fromisoformat((on.value or "").strip())
                    except ValueError:
                        ui.notify(t("archive.search.bad_date", value=on.value or ""), color="negative")
                        return
                    number = (case_no.value or "").strip().upper()
                    if await self.act(
                        lambda staff: record_payoff(number, paid_off, staff=staff),
                        "archivist.retention.payoff_done",
                        case=number,
                        date=day(paid_off),
                    ):
                        case_no.value = on.value = ""

                ui.button(t("archivist.retention.payoff"), icon="event_available", on_click=payoff).props(
                    "no-caps unelevated"
                ).mark("record-payoff")

    @ui.refreshable_method
    def show_due(self) -> None:
        """The documents whose retention has ended (not on hold), and the button that disposes of them."""
        due, total = self.lists.due, self.lists.due_total
        with ui.row().classes("items-center gap-2"):
            ui.label(t("archivist.retention.due_title")).classes("text-lg font-bold text-primary")
            ui.badge(str(total), color="negative" if total else "grey-6").mark("due-count")
        if not due:
            ui.label(t("archivist.retention.none_due")).classes("text-secondary").mark("none-due")
            return
        if total > len(due):
            ui.label(t("archivist.retention.more_due", shown=len(due), total=total)).classes("text-sm")
        with ui.element("div").classes("grid gap-x-4 gap-y-2 items-center w-full overflow-x-auto").style(_DUE_GRID):
            for column in ("document", "title_column", "case_no", "customer", "retention", "until"):
                ui.label(t(f"archivist.retention.{column}")).classes("text-xs text-secondary font-bold")
            for item in due:
                ui.label(str(item.document_id)).classes("font-mono").mark(f"due {item.document_id}")
                ui.label(_title(item.title, item.doc_type))
                ui.label(item.case_no or "—").classes("font-mono text-sm")
                ui.label(item.customer)
                ui.label(class_label(item.retention_class)).classes("text-sm")
                ui.label(day(item.retention_until)).classes("text-sm")
        ui.button(
            t("archivist.retention.dispose", count=len(due)),
            icon="delete_forever",
            color="negative",
            on_click=lambda: self.confirm_disposal([item.document_id for item in due]),
        ).props("no-caps unelevated").mark("dispose")

    def confirm_disposal(self, document_ids: list[int]) -> None:
        """Ask for a reason and a confirmation before the listed documents are deleted for good."""
        with ui.dialog(value=True) as dialog, ui.card().classes("w-[32rem] gap-3").mark("dispose-dialog"):
            ui.label(t("archivist.retention.confirm_title", count=len(document_ids))).classes(
                "text-lg font-bold text-negative"
            )
            ui.label(t("archivist.retention.confirm_hint")).classes("text-sm")
            reason = (
                ui.input(t("archivist.retention.reason"), value=t("archivist.retention.default_reason"))
                .props("outlined dense")
                .classes("w-full")
                .mark("dispose-reason")
            )

            async def confirmed() -> None:
                text = reason.value or ""
                if await self.act(
                    lambda staff: dispose(document_ids, staff=staff, reason=text, store=archive_store()),
                    "archivist.retention.disposed",
                ):
                    dialog.close()

            with ui.row().classes("w-full justify-end gap-2"):
                ui.button(t("archivist.retention.cancel"), on_click=dialog.close).props("no-caps flat").mark(
                    "dispose-cancel"
                )
                ui.button(
                    t("archivist.retention.confirm", count=len(document_ids)),
                    icon="delete_forever",
                    color="negative",
                    on_click=confirmed,
                ).props("no-caps unelevated").mark("dispose-confirm")


def register() -> None:
    """Add the /archive/retention page."""

    @ui.page("/archive/retention")
    async def retention_page() -> None:
        with frame("archivist.retention.title"):
            ui.label(t("archivist.retention.title")).classes("text-2xl font-bold")
            page = RetentionPage()
            lists = await run.io_bound(_lists)
            assert lists is not None, "None only when the server is shutting down"
            page.lists = lists
            page.hold_form()
            with ui.card().classes("w-full gap-3").mark("held-list"):
                page.show_held()
            page.payoff_form()
            with ui.card().classes("w-full gap-3").mark("due-list"):
                page.show_due()
