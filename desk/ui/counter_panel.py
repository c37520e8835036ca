"""The counter's core screen above the customer's profile (design.md §1 steps 2–4).

Pick the business (a searchable list, most common first); the checklist and the eligibility rules
appear at once: each material proven by data (which fact, which source, as of when), missing,
not applicable (why) or unknown (a source did not answer, so it is captured like a missing one).
Each material to capture has Capture (camera or upload) and 容缺 (accept on the customer's
promise). The draft case opens with the first capture or 容缺, or on Submit; the workflow
refuses a submission while a required material is missing and its message is shown as it is.
After submission: the case number, the pay-first note, and the printable one-time notice.

`CounterDesk` lives as long as the browser tab (it owns the tab's capture token); each customer
opened gets a fresh `CounterPanel`, whose business picker takes the keyboard focus; after
submission `after_submit` hands it back (to the lookup, for the next customer's scan). Database
work runs in worker threads via desk.cases.counter.
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from nicegui import events, run, ui

from desk.archive.errors import ArchiveRefused
from desk.cases.catalog import Catalog, get_catalog
from desk.cases.checklist import NOT_APPLICABLE, PROVEN, Checklist, ChecklistItem
from desk.cases.counter import (CaseState, archive_capture, checklist_logged, defer_material, document_pages,
                                notice_for, open_draft, spouse_id_number, submit_case)
from desk.cases.notice import Notice
from desk.cases.workflow import CaseError, workflow_rules
from desk.cases.working_days import local_day
from desk.i18n import t
from desk.records.profile import CustomerProfile
from desk.ui.auth import require_staff
from desk.ui.capture_dialog import CaptureDialog, CaptureTarget
from desk.ui.capture_job import CapturedPage
from desk.ui.capture_routes import CaptureTab, open_tab
from desk.ui.form_routes import form_buttons
from desk.ui.formatting import day
from desk.ui.notice_view import show_notice, use_print_styles
from desk.ui.session import SessionStaff, apply_language

ORDER_PATH = Path(__file__).with_name("business_order.toml")
TO_CAPTURE = ("missing", "unknown")
# status -> (icon, Quasar colour)
STATUS_LOOK = {
    "proven": ("verified", "positive"),
    "missing": ("error_outline", "negative"),
    "unknown": ("help_outline", "warning"),
    "not_applicable": ("remove_circle_outline", "grey-6"),
    "captured": ("photo_camera", "primary"),
    "deferred": ("event", "amber-9"),
}
DEFAULT_PROMISE_DAYS = 7


@lru_cache(maxsize=1)
def _first_businesses() -> tuple[str, ...]:
    return tuple(tomllib.loads(ORDER_PATH.read_text(encoding="utf-8"))["first"])


def business_options(catalog: Catalog) -> dict[str, str]:
    """Business code -> "code name" for the picker, the most common first, then the catalog's order."""
    first = [code for code in _first_businesses() if code in catalog.business]
    rest = [code for code in catalog.business if code not in first]
    return {code: f"{code} {catalog.business[code].name()}" for code in first + rest}


class CounterDesk:
    """The counter part of one browser tab: its capture token and the panel of the customer shown."""

    def __init__(self, staff: SessionStaff, *, after_submit: Callable[[], None]) -> None:
        self.tab = open_tab(staff.username, ui.context.client)
        self.base_url = str(ui.context.client.request.base_url)
        self.after_submit = after_submit
        use_print_styles()

    def show(self, profile: CustomerProfile) -> CounterPanel:
        """A fresh panel for `profile` in the current container; images of this customer become visible here."""
        self.tab.opened_people.add(profile.person.person_id)
        return CounterPanel(profile, self.tab, self.base_url, self.after_submit)


class CounterPanel:
    """Business, checklist, rules, capture, 容缺, submit and notice for one customer."""

    def __init__(self, profile: CustomerProfile, tab: CaptureTab, base_url: str,
                 after_submit: Callable[[], None]) -> None:
        self.profile, self.tab, self.base_url, self.after_submit = profile, tab, base_url, after_submit
        self.catalog = get_catalog()
        self.checklist: Checklist | None = None
        self.case: CaseState | None = None
        self.notice: Notice | None = None
        self.declared: set[str] = set()
        self.captured_pages: dict[str, list[int]] = {}
        self.declaration_boxes: list[ui.checkbox] = []
        with ui.card().classes("w-full gap-3").mark("counter"):
            with ui.row().classes("w-full items-center gap-4 no-wrap"):
                ui.label(t("counter.business.title")).classes("text-base font-bold text-primary shrink-0")
                self.business = ui.select(business_options(self.catalog), label=t("counter.business.pick"),
                                          with_input=True, on_change=self._business_changed) \
                    .props("outlined dense options-dense clearable input-debounce=0").classes("grow").mark("business")
            self.declarations = ui.row().classes("w-full gap-4 items-center")
            self.body = ui.column().classes("w-full gap-3")
            self.dialogs = ui.element("div")  # outside the body, which is redrawn while a dialog is open
        self._render()
        self.business.run_method("focus")  # keyboard first: the next step is typing the business

    # --- choosing the business --------------------------------------------------------------------

    async def _business_changed(self, event: events.ValueChangeEventArguments) -> None:
        self.case, self.notice, self.declared, self.captured_pages = None, None, set(), {}
        self._draw_declarations(event.value)
        await self._recompute()

    def _draw_declarations(self, code: str | None) -> None:
        apply_language()
        self.declarations.clear()
        self.declaration_boxes = []
        business = self.catalog.get_business(code) if code else None
        if business is None or not business.declarations:
            return
        with self.declarations:
            ui.label(t("counter.business.declarations")).classes("text-sm text-secondary")
            for name in business.declarations:
                self.declaration_boxes.append(
                    ui.checkbox(self.catalog.declarations[name].name(),
                                on_change=lambda e, n=name: self._declare(n, e.value)).mark(f"declare {name}"))

    async def _declare(self, name: str, on: bool) -> None:
        (self.declared.add if on else self.declared.discard)(name)
        await self._recompute()

    async def _recompute(self) -> None:
        staff = require_staff()
        if staff is None:
            return
        code = self.business.value
        self.checklist = None if not code else await run.io_bound(
            checklist_logged, person_id=self.profile.person.person_id, business_code=code,
            declared=sorted(self.declared), staff=staff)
        self._render()

    # --- drawing ----------------------------------------------------------------------------------

    def _status(self, item: ChecklistItem) -> str:
        stored = self.case.materials.get(item.material) if self.case else None
        return stored.status if stored else item.status

    def _editable(self) -> bool:
        return self.case is None or self.case.state in workflow_rules().editable_states

    def _render(self) -> None:
        apply_language()
        for box in self.declaration_boxes:  # a case keeps the materials it was opened with
            box.set_enabled(self.case is None)
        self.body.clear()
        with self.body:
            if self.checklist is None:
                ui.label(t("counter.business.hint")).classes("text-secondary").mark("counter-hint")
                return
            self._summary()
            with ui.element("div").classes("grid grid-cols-1 lg:grid-cols-5 gap-6 w-full items-start"):
                with ui.column().classes("lg:col-span-3 gap-0 w-full").mark("materials"):
                    for item in self.checklist.items:
                        self._material_row(item)
                with ui.column().classes("lg:col-span-2 gap-1 w-full").mark("rules"):
                    self._rules()
            self._case_row()
            if self.notice is not None:
                self._submitted()

    def _summary(self) -> None:
        statuses = [self._status(item) for item in self.checklist.items]
        required = [status for status in statuses if status != NOT_APPLICABLE]
        counts = {"required": len(required), "proven": required.count(PROVEN),
                  "captured": required.count("captured"), "deferred": required.count("deferred"),
                  "to_capture": sum(status in TO_CAPTURE for status in required)}
        with ui.row().classes("w-full items-center gap-2").mark("totals"):
            ui.label(self.checklist.business.name()).classes("text-lg font-bold mr-2")
            for name, colour in (("required", "grey-8"), ("proven", "positive"), ("captured", "primary"),
                                 ("deferred", "amber-9"), ("to_capture", "negative")):
                if counts[name] or name in ("required", "proven"):
                    ui.chip(t(f"counter.totals.{name}", count=counts[name])) \
                        .props(f"dense outline color={colour}").mark(f"total {name}")
            if self.checklist.business.review_mode == "pay_first":
                ui.chip(t("counter.business.pay_first")).props("dense color=amber-9 text-color=white")

    def _material_name(self, item: ChecklistItem) -> str:
        return " / ".join(self.catalog.materials[code].name() for code in (item.material, *item.alternatives))

    def _detail(self, item: ChecklistItem, status: str) -> str:
        stored = self.case.materials.get(item.material) if self.case else None
        if status == "captured":
            return t("counter.material.captured", pages=len(self.captured_pages.get(item.material, ())))
        if status == "deferred" and stored is not None:
            return t("counter.material.deferred", date=day(stored.promised_on))
        if status == PROVEN and item.as_of:
            return t("counter.material.proven", reason=item.reason(), date=day(local_day(item.as_of)))
        return item.reason()

    def _material_row(self, item: ChecklistItem) -> None:
        status = self._status(item)
        icon, colour = STATUS_LOOK[status]
        with ui.row().classes("w-full items-center gap-3 py-2 border-b border-gray-200 no-wrap") \
                .mark(f"material {item.material}"):
            ui.icon(icon, color=colour).classes("text-2xl shrink-0")
            with ui.column().classes("grow gap-0"):
                with ui.row().classes("items-baseline gap-2"):
                    ui.label(item.material).classes("font-mono text-sm text-secondary")
                    ui.label(self._material_name(item)).classes("font-bold")
                ui.label(self._detail(item, status)).classes("text-sm text-secondary").mark(f"detail {item.material}")
                self._thumbnails(item.material)
            ui.badge(t(f"cases.status.{status}"), color=colour).classes("shrink-0").mark(f"status {item.material}")
            if status in TO_CAPTURE and self._editable():
                ui.button(t("counter.capture.button"), icon="photo_camera", on_click=lambda i=item: self._capture(i)) \
                    .props("no-caps unelevated dense").classes("shrink-0").mark(f"capture {item.material}")
                ui.button(t("counter.defer.button"), icon="event", on_click=lambda i=item: self._ask_defer(i)) \
                    .props("no-caps flat dense").classes("shrink-0").mark(f"defer {item.material}")
                form_buttons(item, self.profile, self.tab.token)  # e.g. the single-status declaration beside M03

    def _thumbnails(self, material: str) -> None:
        pages = self.captured_pages.get(material)
        if not pages:
            return
        with ui.row().classes("gap-2 pt-1"):
            for page_id in pages:
                ui.image(f"/counter/page/{self.tab.token}/{page_id}/thumb") \
                    .props("fit=contain no-spinner no-transition") \
                    .classes("w-16 h-20 bg-grey-3 border").mark(f"thumb {material}")

    def _rules(self) -> None:
        eligible = self.checklist.eligible
        with ui.row().classes("w-full items-center gap-2"):
            ui.label(t("counter.rules.title")).classes("font-bold")
            ui.badge(t("counter.rules.eligible" if eligible else "counter.rules.not_eligible"),
                     color="positive" if eligible else "negative").mark("eligibility")
        for rule in self.checklist.rules:
            with ui.row().classes("w-full gap-2 no-wrap items-start").mark(f"rule {rule.rule}"):
                ui.icon("check_circle" if rule.passed else "cancel",
                        color="positive" if rule.passed else "negative").classes("text-lg shrink-0 mt-0.5")
                with ui.column().classes("gap-0"):
                    ui.label(rule.label()).classes("text-sm font-bold")
                    ui.label(rule.reason()).classes("text-sm text-secondary")

    def _case_row(self) -> None:
        with ui.row().classes("w-full items-center gap-3 no-wrap"):
            if self.case is not None:
                ui.label(t("counter.case.line", case_no=self.case.case_no,
                           state=t(f"cases.state.{self.case.state}"))).classes("font-mono").mark("case-line")
            self.message = ui.label().classes("grow text-negative text-sm").mark("counter-message")
            if self.notice is None:
                ui.button(t("counter.case.submit"), icon="send", on_click=self._submit) \
                    .props("no-caps unelevated size=lg").mark("submit-case")

    def _submitted(self) -> None:
        ui.label(t("counter.case.submitted", case_no=self.case.case_no)).classes("text-lg text-positive") \
            .mark("submitted")
        if self.case.review_mode == "pay_first":
            key = "counter.case.paid_sampled" if self.case.sampled_for_review else "counter.case.paid_not_sampled"
            ui.label(t(key)).classes("text-amber-10 font-bold").mark("pay-first")
        show_notice(self.notice)

    def _say(self, text: str) -> None:
        self.message.text = text

    # --- actions ----------------------------------------------------------------------------------

    async def _ensure_case(self, staff: SessionStaff) -> CaseState:
        if self.case is None:
            self.case = await run.io_bound(open_draft, checklist=self.checklist, staff=staff)
        return self.case

    def _capture(self, item: ChecklistItem) -> None:
        apply_language()
        person = self.profile.person
        target = CaptureTarget(person.person_id, item.material, item.alternatives,
                               f"{item.material} {self._material_name(item)}", person.id_number,
                               spouse_id_number(self.profile))

        async def accept(pages: list[CapturedPage], source: str, title: str, flag_reason: str | None) -> str | None:
            return await self._accept_capture(item.material, pages, source, title, flag_reason)

        with self.dialogs:
            CaptureDialog(self.tab, target, accept)

    async def _accept_capture(self, material: str, pages: list[CapturedPage], source: str, title: str,
                              flag_reason: str | None = None) -> str | None:
        staff = require_staff()
        if staff is None:
            return t("ui.login.expired")
        try:
            case = await self._ensure_case(staff)
            self.case = await run.io_bound(archive_capture, case_id=case.case_id, material=material,
                                           pages=[page.page for page in pages], source=source, title=title,
                                           staff=staff, expected_version=case.version,
                                           sides=[page.side for page in pages], flag_reason=flag_reason)
        except (CaseError, ArchiveRefused) as refused:
            return refused.message()
        document_id = self.case.materials[material].document_id
        self.captured_pages[material] = await run.io_bound(document_pages, document_id)
        self._render()
        return None

    def _ask_defer(self, item: ChecklistItem) -> None:
        apply_language()
        days = workflow_rules().max_promise_days
        suggested = local_day(datetime.now(UTC)) + timedelta(days=DEFAULT_PROMISE_DAYS)
        with self.dialogs, ui.dialog(value=True) as dialog, ui.card().classes("w-[28rem] gap-3").mark("defer-dialog"):
            ui.label(t("counter.defer.title", material=f"{item.material} {self._material_name(item)}")) \
                .classes("text-lg font-bold")
            ui.label(t("counter.defer.explain", days=days)).classes("text-sm text-secondary")
            promised = ui.input(t("counter.defer.date"), value=suggested.isoformat()) \
                .props("type=date outlined autofocus").classes("w-full").mark("defer-date")
            error = ui.label().classes("text-negative text-sm").mark("defer-error")
            with ui.row().classes("w-full justify-end"):
                ui.button(t("ui.cancel"), on_click=dialog.close).props("no-caps flat")
                confirm = ui.button(t("counter.defer.confirm"), icon="event").props("no-caps unelevated") \
                    .mark("defer-confirm")

        async def defer() -> None:
            staff = require_staff()
            if staff is None:
                return
            try:
                promised_on = date.fromisoformat((promised.value or "").strip())
            except ValueError:
                error.text = t("counter.defer.bad_date")
                return
            try:
                case = await self._ensure_case(staff)
                self.case = await run.io_bound(defer_material, case_id=case.case_id, material=item.material,
                                               promised_on=promised_on, staff=staff, expected_version=case.version)
            except CaseError as refused:
                error.text = refused.message()
                return
            dialog.close()
            self._render()

        confirm.on_click(defer)
        promised.on("keydown.enter", defer)
        dialog.on_value_change(lambda event: None if event.value else dialog.delete())

    async def _submit(self) -> None:
        staff = require_staff()
        if staff is None or self.checklist is None:
            return
        try:
            case = await self._ensure_case(staff)
            self.case = await run.io_bound(submit_case, case_id=case.case_id, staff=staff,
                                           expected_version=case.version)
        except CaseError as refused:
            self._render()  # the draft may be new: show its number beside the refusal
            self._say(refused.message())
            return
        self.notice = await run.io_bound(notice_for, case_no=self.case.case_no, staff=staff, base_url=self.base_url)
        self._render()
        self.after_submit()  # the next customer's scan goes to the lookup again
