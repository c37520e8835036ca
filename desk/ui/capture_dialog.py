"""The capture dialog of one missing material, while the customer is still at the counter.

The document camera (live preview with the page's outline; a page held still is taken by itself,
the button or the space bar takes a frame at any time) with an upload
fallback (image or PDF). Every frame or file runs through the capture pipeline in a worker
process; each resulting page is shown by URL with its retake reasons, its document type and
whether that fits the material, and whose ID number it carries. Several pages make one
document (a lease of three pages); Retake drops a page, Accept hands all of them to the caller,
which archives them and marks the material captured.

A material whose paper has required sides (an ID card's front and back, catalog `pages`) shows
which sides are present, by each page's classified type or, where the classifier found none, by
the clerk's choice; Accept stays disabled until every side has a page. Pages that carry flags
(wrong type, someone else's ID number, quality problems; document_fit.page_flags) are archived
only with a reason picked from flag_reasons.toml (or typed, for "other").
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from nicegui import events, ui

from desk.capture.classify import describe_evidence
from desk.cases import document_fit
from desk.cases.flag_reasons import flag_reasons, reason_value
from desk.i18n import t
from desk.queue.capture_work import CAMERA, PDF, UPLOAD, CapturedPage, CaptureJob, CaptureOutcome
from desk.queue.tables import QUEUED, WORKING
from desk.security.masking import mask_id_number
from desk.settings import get_settings
from desk.ui import preview_pool
from desk.ui.auth import require_staff
from desk.ui.camera import Camera
from desk.ui.capture_routes import CaptureTab, PendingPage, run_capture
from desk.ui.session import apply_language

_EVIDENCE_SHOWN, _KEYWORDS_SHOWN = 3, 4  # the strongest reasons, briefly; more would crowd the page card
FIT_COLOURS = {
    document_fit.FITS: "positive",
    document_fit.DOES_NOT_FIT: "negative",
    document_fit.NOT_RECOGNISED: "warning",
    document_fit.NOT_CHECKED: "grey-7",
}
ID_COLOURS = {
    document_fit.APPLICANT: "positive",
    document_fit.SPOUSE: "positive",
    document_fit.MISMATCH: "negative",
    document_fit.NO_ID: "grey-7",
}
# where a capture on the queue stands -> what the busy line says
QUEUE_STATES = {QUEUED: "counter.capture.queued", WORKING: "counter.capture.working"}
# browser errors of getUserMedia -> what the clerk is told
CAMERA_FAILURES = {
    "insecure": "counter.camera.insecure",
    "NotAllowedError": "counter.camera.denied",
    "NotFoundError": "counter.camera.none",
    "NotReadableError": "counter.camera.busy",
}


@dataclass(frozen=True)
class CaptureTarget:
    """Which material of which customer the dialog captures."""

    person_id: int
    material: str
    alternatives: tuple[str, ...]
    title: str  # code and name, as the checklist shows it
    applicant_id: str
    spouse_id: str | None


# (pages, archive source, title, the clerk's reason for flagged pages or None)
#   -> None when archived, else the reason in the clerk's language
AcceptHandler = Callable[[list[CapturedPage], str, str, str | None], Awaitable[str | None]]


class CaptureDialog:
    """One open capture dialog; closing it forgets whatever was not accepted."""

    def __init__(self, tab: CaptureTab, target: CaptureTarget, on_accept: AcceptHandler) -> None:
        self.tab, self.target, self.on_accept = tab, target, on_accept
        tab.person_id, tab.pending, tab.inbox = target.person_id, [], []
        with (
            ui.dialog(value=True).props("no-backdrop-dismiss") as self.dialog,
            ui.card().classes("w-[72rem] max-w-full gap-3").mark("capture-dialog") as self.card,
        ):
            self._header()
            with ui.row().classes("w-full gap-4 items-start no-wrap"):
                with ui.column().classes("w-1/2 gap-2"):
                    self._camera_side()
                with ui.column().classes("w-1/2 gap-2"):
                    with ui.row().classes("items-center gap-2") as self.busy:
                        ui.spinner(size="md")
                        self.busy_text = ui.label(t("counter.capture.processing")).mark("capture-busy")
                    self.busy.set_visibility(False)
                    # with DESK_CAPTURE_QUEUE=postgres the job waits for a worker: say whether it is queued or read
                    if get_settings().capture_queue == "postgres":
                        ui.timer(0.25, self._show_queue_state)
                    with ui.row().classes("w-full items-center gap-2 no-wrap"):
                        self.message = ui.label().classes("text-negative").mark("capture-message")
                        # shown only when trying the same frame or file again may help (its worker died)
                        self.retry = (
                            ui.button(t("counter.capture.retry"), icon="refresh", on_click=self._retry)
                            .props("no-caps outline dense")
                            .mark("capture-retry")
                        )
                        self.retry.set_visibility(False)
                        self._retry_job: CaptureJob | None = None
                    self.sides = ui.row().classes("w-full items-center gap-2").mark("capture-sides")
                    self.pages = ui.column().classes("w-full gap-2").mark("capture-pages")
            with ui.row().classes("w-full items-center justify-end gap-2"):
                with ui.column().classes("grow gap-0"):
                    self.summary = ui.label().classes("text-sm").mark("capture-summary")
                    self.hint = ui.label().classes("text-sm text-negative").mark("capture-hint")
                ui.button(t("ui.cancel"), on_click=self.dialog.close).props("no-caps flat").mark("cancel-capture")
                self.accept = (
                    ui.button(t("counter.capture.accept", pages=0), icon="archive", on_click=self._accept)
                    .props("no-caps unelevated")
                    .mark("accept-capture")
                )
        self.dialog.on_value_change(self._visibility_changed)
        self._draw_pages()

    def _header(self) -> None:
        with ui.row().classes("w-full items-center no-wrap"):
            ui.label(t("counter.capture.title", material=self.target.title)).classes("text-lg font-bold grow")
            ui.button(icon="close", on_click=self.dialog.close).props("flat round dense")

    def _camera_side(self) -> None:
        preview_pool.warm_up()  # the outline's worker starts while the camera does
        self.camera = (
            Camera(
                f"/counter/frame/{self.tab.token}",
                f"/counter/preview/{self.tab.token}",
                on_started=self._camera_started,
                on_failed=self._camera_failed,
                on_capturing=lambda: self._set_busy(True),
                on_posted=self._frame_posted,
            )
            .classes("w-full")
            .mark("camera")
        )
        self.camera_note = ui.label(t("counter.camera.starting")).classes("text-sm text-secondary").mark("camera-note")
        # Quasar's uploader stays hidden: one button opens the file picker, the upload starts at once
        self.upload = (
            ui.upload(
                auto_upload=True,
                on_upload=self._uploaded,
                max_file_size=get_settings().upload_max_mb * 2**20,
                on_rejected=self._upload_rejected,
            )
            .props('accept="image/*,.pdf,application/pdf"')
            .classes("hidden")
            .mark("upload")
        )
        with ui.row().classes("w-full items-center gap-3"):
            ui.button(t("counter.capture.shoot"), icon="photo_camera", on_click=self.camera.capture).props(
                "no-caps unelevated"
            ).mark("shoot")
            ui.label(t("counter.capture.space_hint")).classes("text-sm text-secondary grow")
            ui.button(
                t("counter.capture.upload"), icon="upload_file", on_click=lambda: self.upload.run_method("pickFiles")
            ).props("no-caps outline").mark("pick-file")

    def _camera_started(self, event: events.GenericEventArguments) -> None:
        apply_language()
        self.camera_note.text = t(
            "counter.camera.ready", width=event.args.get("width"), height=event.args.get("height")
        )

    def _camera_failed(self, event: events.GenericEventArguments) -> None:
        apply_language()
        key = CAMERA_FAILURES.get(event.args.get("reason", ""), "counter.camera.failed")
        self.camera_note.text = t(key, detail=event.args.get("message", ""))
        self.camera_note.classes(replace="text-sm text-warning")

    def _set_busy(self, busy: bool, text_key: str = "counter.capture.processing") -> None:
        apply_language()
        self.busy_text.text = t(text_key)
        self.busy.set_visibility(busy)
        if busy:
            self.message.text = ""
            self.retry.set_visibility(False)

    def _show_queue_state(self) -> None:
        state = self.tab.capture_state
        if state in QUEUE_STATES and self.busy.visible:
            apply_language()
            self.busy_text.text = t(QUEUE_STATES[state])

    async def _frame_posted(self, event: events.GenericEventArguments) -> None:
        """The camera's POST came back: show what the route left in the tab's inbox, or why it refused."""
        self._set_busy(bool(event.args.get("more")))  # the spinner stays while later frames are being read
        if require_staff() is None:
            return
        if not event.args.get("ok"):
            self.message.text = event.args.get("message") or t("counter.capture.frame_failed")
            return
        while self.tab.inbox:
            self._take(self.tab.inbox.pop(0))

    async def _uploaded(self, event: events.UploadEventArguments) -> None:
        if require_staff() is None:
            return
        self._set_busy(True)
        try:
            data = await event.file.read()
            outcome = await run_capture(data, name=event.file.name or "upload", camera=False, tab=self.tab)
        finally:  # whatever happened, the clerk is not left watching a spinner
            self._set_busy(False)
            self.upload.reset()
        if outcome is not None:
            self._take(outcome)

    async def _retry(self) -> None:
        """Run the frame or file whose worker died once more (the pool has a live worker again)."""
        job = self._retry_job
        if require_staff() is None or job is None:
            return
        self._retry_job = None
        self._set_busy(True)
        try:
            outcome = await run_capture(job.data, name=job.name, camera=job.camera, tab=self.tab)
        finally:
            self._set_busy(False)
        if outcome is not None:
            self._take(outcome)

    def _upload_rejected(self) -> None:
        apply_language()
        self.message.text = t("counter.capture.upload_refused")

    def _take(self, outcome: CaptureOutcome) -> None:
        apply_language()
        if outcome.refused_key:
            reason = t(outcome.refused_key, **outcome.refused_params)
            # a dead worker says nothing about the file: no "cannot be used", and a way to try again
            self.message.text = reason if outcome.retry else t("counter.capture.refused", reason=reason)
            self._retry_job = outcome.retry
            self.retry.set_visibility(outcome.retry is not None)
            return
        self.tab.add_pages(outcome)
        self._draw_pages()

    def _retake(self, key: str) -> None:
        apply_language()
        self.tab.pending = [page for page in self.tab.pending if page.key != key]
        self._draw_pages()

    def _draw_pages(self) -> None:
        self.pages.clear()
        with self.pages:
            if not self.tab.pending:
                ui.label(t("counter.capture.no_pages")).classes("text-secondary")
            for number, page in enumerate(self.tab.pending, start=1):
                self._page_card(number, page)
        self._draw_sides()

    def _missing_sides(self) -> list[str]:
        pages = [pending.captured for pending in self.tab.pending]
        assigned = document_fit.assigned_sides(
            self.target.material, [page.doc_type for page in pages], [page.side for page in pages]
        )
        return document_fit.missing_sides(self.target.material, assigned)

    def _draw_sides(self) -> None:
        """The required sides, present or missing, and Accept enabled only when none is missing."""
        apply_language()
        missing = self._missing_sides()
        self.sides.clear()
        required = document_fit.required_sides(self.target.material)
        if required:
            with self.sides:
                ui.label(t("counter.side.title")).classes("text-sm font-bold")
                for side in required:
                    present = side.side not in missing
                    ui.chip(
                        t("counter.side.present" if present else "counter.side.missing", side=side.name()),
                        icon="check_circle" if present else "radio_button_unchecked",
                    ).props(f"dense outline color={'positive' if present else 'negative'}").mark(f"side {side.side}")
        self.accept.text = t("counter.capture.accept", pages=len(self.tab.pending))
        self.accept.set_enabled(bool(self.tab.pending) and not missing)
        self.summary.text = self._summary() if self.tab.pending else ""
        labels = [side.name() for side in required if side.side in missing]
        self.hint.text = (
            t("counter.capture.sides_hint", sides=t("cases.list_separator").join(labels))
            if self.tab.pending and missing
            else ""
        )

    def _fit(self, doc_types: list[str]) -> str:
        return document_fit.type_fit(self.target.material, self.target.alternatives, doc_types)

    def _ids(self, numbers: list[str]) -> document_fit.IdCheck:
        return document_fit.id_check(numbers, applicant_id=self.target.applicant_id, spouse_id=self.target.spouse_id)

    def _page_card(self, number: int, pending: PendingPage) -> None:
        page = pending.captured
        with ui.card().classes("w-full p-2").mark(f"page {number}"), ui.row().classes("w-full gap-3 no-wrap"):
            source = f"/counter/pending/{self.tab.token}/{pending.key}"
            ui.image(source).props("fit=contain no-spinner no-transition").classes(
                "w-44 h-56 shrink-0 bg-grey-3 cursor-zoom-in"
            ).on("click", lambda s=source, n=number: self._enlarge(s, n)).mark(f"page-image {number}")
            with ui.column().classes("grow gap-1"):
                with ui.row().classes("w-full items-center"):
                    ui.label(t("counter.capture.page_no", number=number)).classes("font-bold grow")
                    ui.button(
                        t("counter.capture.retake"), icon="replay", on_click=lambda k=pending.key: self._retake(k)
                    ).props("no-caps flat dense").mark(f"retake {number}")
                fit = self._fit([page.doc_type])
                ui.label(t(f"counter.fit.{fit}", type=t(f"capture.doc_type.{page.doc_type}"))).classes(
                    f"text-sm text-{FIT_COLOURS[fit]}"
                ).mark(f"fit {number}")
                if page.evidence:  # why the type was decided, so the clerk can judge it
                    ui.label(
                        t(
                            "counter.capture.evidence",
                            evidence=t("counter.capture.evidence_joiner").join(
                                describe_evidence(item, most=_KEYWORDS_SHOWN)
                                for item in page.evidence[:_EVIDENCE_SHOWN]
                            ),
                        )
                    ).classes("text-xs text-grey-7").mark(f"evidence {number}")
                ids = self._ids(page.id_numbers)
                ui.label(self._id_text(ids)).classes(f"text-sm text-{ID_COLOURS[ids.verdict]}").mark(f"id {number}")
                if page.mended_ids:  # read only with a guess at one character: the clerk looks at the paper
                    mended = "、".join(mask_id_number(value) or "" for value in page.mended_ids)
                    ui.label(t("counter.id.mended", numbers=mended)).classes("text-sm text-warning").mark(
                        f"id-mended {number}"
                    )
                self._side_of(number, page)
                for code in page.problems:
                    ui.label(t("counter.capture.retake_reason", reason=t(f"capture.retake.{code}"))).classes(
                        "text-sm text-warning"
                    ).mark(f"problem {number}")
                if not page.problems:
                    ui.label(t("counter.capture.quality_ok")).classes("text-sm text-positive")

    def _side_of(self, number: int, page: CapturedPage) -> None:
        """Which required side the page shows: the classifier's, or the clerk picks it where it found no type."""
        sides = {side.side: side.name() for side in document_fit.required_sides(self.target.material)}
        if not sides:
            return
        if page.doc_type in sides:
            ui.label(t("counter.side.shows", side=sides[page.doc_type])).classes("text-sm").mark(f"side-of {number}")
        elif page.doc_type in document_fit.NOT_A_TYPE:
            ui.select(
                sides,
                value=page.side,
                label=t("counter.side.assign"),
                clearable=True,
                on_change=lambda event, p=page: self._assign_side(p, event.value),
            ).props("dense outlined options-dense").classes("w-56").mark(f"side-select {number}")

    def _assign_side(self, page: CapturedPage, side: str | None) -> None:
        page.side = side
        self._draw_sides()

    def _enlarge(self, source: str, number: int) -> None:
        """The page big enough to read, to judge a retake."""
        apply_language()
        with self.card, ui.dialog(value=True) as large, ui.card().classes("w-[min(96vw,64rem)] max-w-none gap-2"):
            with ui.row().classes("w-full items-center"):
                ui.label(t("counter.capture.page_no", number=number)).classes("font-bold grow")
                ui.button(icon="close", on_click=large.close).props("flat round dense")
            ui.image(source).props("fit=contain").classes("w-full h-[80vh] bg-grey-3")
        large.on_value_change(lambda event: None if event.value else large.delete())

    def _id_text(self, ids: document_fit.IdCheck) -> str:
        others = "、".join(mask_id_number(number) or "" for number in ids.others)
        text = t(f"counter.id.{ids.verdict}", numbers=others)
        if ids.matched and ids.others:
            text += t("counter.id.also_others", numbers=others)
        return text

    def _summary(self) -> str:
        pages = [pending.captured for pending in self.tab.pending]
        fit = self._fit([page.doc_type for page in pages])
        ids = self._ids([number for page in pages for number in page.id_numbers])
        retakes = sum(bool(page.problems) for page in pages)
        return t(
            "counter.capture.summary",
            pages=len(pages),
            fit=t(f"counter.fit_short.{fit}"),
            ids=t(f"counter.id_short.{ids.verdict}"),
            retakes=retakes,
        )

    def _source_and_title(self) -> tuple[str, str]:
        """The archive source of the pages kept (a PDF or the camera over an upload) and the document's title."""
        sources = {pending.source for pending in self.tab.pending}
        source = next((kind for kind in (PDF, CAMERA) if kind in sources), UPLOAD)
        files = [pending.title for pending in self.tab.pending if pending.source != CAMERA]
        return source, files[0] if files else self.target.title  # a file's name says more than "camera"

    def _flags(self) -> list[str]:
        pages = [pending.captured for pending in self.tab.pending]
        return document_fit.page_flags(
            self.target.material,
            self.target.alternatives,
            [page.doc_type for page in pages],
            [number for page in pages for number in page.id_numbers],
            [code for page in pages for code in page.problems],
            self.target.applicant_id,
            self.target.spouse_id,
        )

    async def _accept(self) -> None:
        if require_staff() is None or not self.tab.pending or self._missing_sides():
            return
        flags = self._flags()
        if flags:
            self._ask_reason(flags)
            return
        await self._archive(None)

    def _ask_reason(self, flags: list[str]) -> None:
        """The flags and a required reason; archiving goes on only with a complete one."""
        apply_language()
        reasons = flag_reasons()
        with (
            self.card,
            ui.dialog(value=True).props("persistent") as asking,
            ui.card().classes("w-[32rem] gap-3").mark("reason-dialog"),
        ):
            ui.label(t("counter.reason.title")).classes("text-lg font-bold")
            ui.label(t("counter.reason.explain")).classes("text-sm text-secondary")
            for flag in flags:
                ui.label(document_fit.flag_label(flag)).classes("text-sm text-negative").mark("reason-flag")
            picked = ui.radio({code: reason.name() for code, reason in reasons.items()}).mark("reason-pick")
            typed = (
                ui.textarea(t("counter.reason.other_text"))
                .props("outlined stack-label rows=2 maxlength=200")
                .classes("w-full")
                .mark("reason-text")
            )
            typed.bind_visibility_from(picked, "value", backward=lambda code: bool(code) and reasons[code].free_text)
            error = ui.label().classes("text-sm text-negative").mark("reason-error")
            with ui.row().classes("w-full justify-end"):
                ui.button(t("ui.cancel"), on_click=asking.close).props("no-caps flat").mark("reason-cancel")
                confirm = (
                    ui.button(t("counter.reason.confirm"), icon="archive")
                    .props("no-caps unelevated")
                    .mark("reason-confirm")
                )

        async def confirmed() -> None:
            if not asking.value:
                return  # a second click after the dialog closed: archive once only
            apply_language()
            reason = reason_value(picked.value, typed.value or "")
            if reason is None:
                error.text = t("counter.reason.required")
                return
            asking.close()
            await self._archive(reason)

        confirm.on_click(confirmed)
        asking.on_value_change(lambda event: None if event.value else asking.delete())

    async def _archive(self, flag_reason: str | None) -> None:
        if require_staff() is None:
            return
        self.accept.disable()
        self._set_busy(True, "counter.capture.archiving")
        pages = [pending.captured for pending in self.tab.pending]
        problem = await self.on_accept(pages, *self._source_and_title(), flag_reason)
        self._set_busy(False)
        if problem:
            self.message.text = problem
            self.accept.enable()
            return
        self.dialog.close()

    def _visibility_changed(self, event: events.ValueChangeEventArguments) -> None:
        if event.value:
            return
        # closing forgets the pending pages and stops the camera (its element goes away)
        self.tab.person_id, self.tab.pending, self.tab.inbox = None, [], []
        self.dialog.clear()
        self.dialog.delete()
