"""The counter's core screen above the customer's profile (design.md §1 steps 2–4).

Pick the business (a searchable list, most common first); the checklist and the eligibility rules
appear at once: each material proven by data (which fact, which source, as of when), missing,
not applicable (why) or unknown (a source did not answer, so it is captured like a missing one).
Each material to capture has Capture (camera or upload) and 容缺 (accept on the customer's
promise). The draft case opens with the first capture or 容缺, or on Submit; the workflow
refuses a submission while a required material is missing and its message is shown as it is.
A paying business shows its amount: every amount rule's limit with its source, the binding one
marked, the most allowed filled in (editable downward, fixed for an account closing) and the payee
card (the joint card on file, or another card once its paper is captured). Failed rules block
submission; a supervisor may override those that are not amount limits with their own password
and a reason (主管授权). Open cases of the customer (returned for 补正, awaiting a decision) are
shown before any new one, and a returned case is continued under its own number. A draft is
discarded when the clerk leaves it (another business, another customer, the tab closed). Before
submitting, a row in our own table (desk.cases.submitting) records the draft's submission key, and
the Submit click itself sets a cookie in the browser; both are cleared once the browser confirms
the answer arrived, so a page reloaded after a server restart says what became of the submission
(desk.ui.pages.lookup) instead of showing nothing.
After submission: the case number, the amount paid, and the printable one-time notice.

`CounterDesk` lives as long as the browser tab (it owns the tab's capture token); each customer
opened gets a fresh `CounterPanel`, whose business picker takes the keyboard focus; after
submission `after_submit` hands it back (to the lookup, for the next customer's scan). Database
work runs in worker threads via desk.cases.counter.
"""

from __future__ import annotations

import tomllib
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from nicegui import events, run, ui

from desk.archive.errors import ArchiveRefused
from desk.cases.amounts import AMOUNT_CHECKS, AmountPlan
from desk.cases.catalog import Catalog, get_catalog
from desk.cases.checklist import NOT_APPLICABLE, PROVEN, Checklist, ChecklistItem
from desk.cases.counter import (
    PAYEE_MATERIAL,
    CaseState,
    amount_plan_for,
    archive_capture,
    checklist_logged,
    defer_material,
    discard_draft,
    document_pages,
    joint_card,
    notice_for,
    open_cases,
    open_draft,
    override_rules,
    spouse_id_number,
    submit_case,
)
from desk.cases.notice import Notice
from desk.cases.submitting import answer_not_shown, answer_shown, note_submitting
from desk.cases.workflow import CaseError, workflow_rules
from desk.cases.working_days import local_day
from desk.i18n import t
from desk.money import Money, MoneyError, format_money
from desk.queue.capture_work import CapturedPage
from desk.records.profile import CustomerProfile
from desk.ui.auth import require_staff
from desk.ui.capture_dialog import CaptureDialog, CaptureTarget
from desk.ui.capture_routes import CaptureTab, open_tab
from desk.ui.form_routes import form_buttons
from desk.ui.formatting import day
from desk.ui.notice_view import show_notice, use_print_styles
from desk.ui.public_links import customer_base_url
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
# Set in the browser by the Submit click itself (a cookie, so the next page request carries it): a
# server killed before the click arrived left no row, and the reloaded page still says "did not go through".
SUBMITTING_COOKIE = "desk_submitting"
ANSWER_TIMEOUT_S = 10.0
MARK_SUBMITTING_JS = f"() => {{ document.cookie = '{SUBMITTING_COOKIE}=1; path=/; max-age=3600; samesite=lax'; }}"
CLEAR_SUBMITTING_JS = f"document.cookie = '{SUBMITTING_COOKIE}=; path=/; max-age=0; samesite=lax'"
CONFIRM_ANSWER_JS = CLEAR_SUBMITTING_JS + "; 'answer shown'"  # awaited: its reply says the answer arrived


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

    def __init__(self, staff: SessionStaff, *, after_submit: Callable[[], Awaitable[None]]) -> None:
        self.staff = staff
        self.tab = open_tab(staff.username, ui.context.client)
        self.base_url = customer_base_url()
        self.after_submit = after_submit
        use_print_styles()

        self.panel: CounterPanel | None = None
        ui.context.client.on_delete(self._leave)  # the tab closed: its draft goes

    async def _leave(self) -> None:
        if self.panel is not None:
            await self.panel.leave_draft()

    async def show(self, profile: CustomerProfile, resume: CaseState | None = None) -> CounterPanel:
        """A fresh panel for `profile` in the current container (the previous customer's draft is discarded);
        `resume` continues one of the customer's returned cases. Images of this customer become visible here."""
        await self._leave()
        self.tab.opened_people.add(profile.person.person_id)
        self.panel = CounterPanel(profile, self.tab, self.base_url, self.after_submit, self.staff)
        await self.panel.start(resume)
        return self.panel


class CounterPanel:
    """Business, checklist, rules, capture, 容缺, submit and notice for one customer."""

    def __init__(
        self,
        profile: CustomerProfile,
        tab: CaptureTab,
        base_url: str,
        after_submit: Callable[[], Awaitable[None]],
        staff: SessionStaff,
    ) -> None:
        self.profile, self.tab, self.base_url, self.after_submit = profile, tab, base_url, after_submit
        self.staff = staff  # who opened this tab: their draft is discarded even after the tab is gone
        self.catalog = get_catalog()
        self.checklist: Checklist | None = None
        self.case: CaseState | None = None
        self.notice: Notice | None = None
        self.declared: set[str] = set()
        self.captured_pages: dict[str, list[int]] = {}
        self.declaration_boxes: list[ui.checkbox] = []
        self.open_cases: list[CaseState] = []
        self.plan: AmountPlan | None = None
        self.joint_card: str | None = None
        self.amount_text = ""  # what the clerk typed (kept across redraws)
        self.other_card = ""
        self.resuming: CaseState | None = None
        with ui.card().classes("w-full gap-3").mark("counter"):
            with ui.row().classes("w-full items-center gap-4 no-wrap"):
                ui.label(t("counter.business.title")).classes("text-base font-bold text-primary shrink-0")
                self.business = (
                    ui.select(
                        business_options(self.catalog),
                        label=t("counter.business.pick"),
                        with_input=True,
                        on_change=self._business_changed,
                    )
                    .props("outlined dense options-dense clearable input-debounce=0")
                    .classes("grow")
                    .mark("business")
                )
            self.declarations = ui.row().classes("w-full gap-4 items-center")
            self.body = ui.column().classes("w-full gap-3")
            self.dialogs = ui.element("div")  # outside the body, which is redrawn while a dialog is open
        self._render()
        self.business.run_method("focus")  # keyboard first: the next step is typing the business

    async def start(self, resume: CaseState | None = None) -> None:
        """Load the customer's open cases (shown before any new one) and, if given, continue `resume`."""
        person_id = self.profile.person.person_id
        cases = await run.io_bound(open_cases, person_id=person_id)
        assert cases is not None, "None only when the server is shutting down"
        self.open_cases = cases
        self.joint_card = await run.io_bound(joint_card, person_id)
        if resume is not None:
            await self.resume(resume)
        else:
            self._render()

    async def resume(self, state: CaseState) -> None:
        """Continue a case of this customer (补正 of a returned case) under its own number."""
        self.resuming = state
        if self.business.value == state.business_code:
            await self._pick(state.business_code)
        else:
            self.business.set_value(state.business_code)  # its handler takes the case over

    async def leave_draft(self) -> None:
        """Discard the draft shown here (a draft the clerk leaves is never a case)."""
        if self.case is not None and self.case.case_no is None:
            case, self.case = self.case, None
            await run.io_bound(discard_draft, case_id=case.case_id, staff=self.staff)

    # --- choosing the business --------------------------------------------------------------------

    async def _business_changed(self, event: events.ValueChangeEventArguments) -> None:
        await self._pick(event.value)

    async def _pick(self, code: str | None) -> None:
        await self.leave_draft()
        self.case, self.notice, self.declared, self.captured_pages = None, None, set(), {}
        self.amount_text, self.other_card = "", ""
        resumed, self.resuming = self.resuming, None
        if resumed is not None and resumed.business_code == code:
            self.case, self.declared = resumed, set(resumed.declared)
            for code, item in resumed.materials.items():
                if item.document_id is not None:
                    page_ids = await run.io_bound(document_pages, item.document_id)
                    assert page_ids is not None, "None only when the server is shutting down"
                    self.captured_pages[code] = page_ids
        self._draw_declarations(code)
        for box, name in zip(self.declaration_boxes, self._declaration_names(code)):
            box.value = name in self.declared
        await self._recompute()

    def _declaration_names(self, code: str | None) -> tuple[str, ...]:
        business = self.catalog.get_business(code) if code else None
        return business.declarations if business else ()

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
                    ui.checkbox(
                        self.catalog.declarations[name].name(), on_change=lambda e, n=name: self._declare(n, e.value)
                    ).mark(f"declare {name}")
                )

    async def _declare(self, name: str, on: bool) -> None:
        (self.declared.add if on else self.declared.discard)(name)
        await self._recompute()

    async def _recompute(self) -> None:
        staff = require_staff()
        if staff is None:
            return
        code = self.business.value
        self.checklist = (
            None
            if not code
            else await run.io_bound(
                checklist_logged,
                person_id=self.profile.person.person_id,
                business_code=code,
                declared=sorted(self.declared),
                staff=staff,
            )
        )
        self.plan = amount_plan_for(self.checklist) if self.checklist is not None else None
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
            if self.case is None or self.case.case_no is None:
                self._open_cases_banner()
            if self.case is not None and self.case.return_comment and self.case.state == "returned":
                self._returned_banner()
            if self.checklist is None:
                ui.label(t("counter.business.hint")).classes("text-secondary").mark("counter-hint")
                return
            self._summary()
            with ui.element("div").classes("grid grid-cols-1 lg:grid-cols-5 gap-6 w-full items-start"):
                with ui.column().classes("lg:col-span-3 gap-0 w-full").mark("materials"):
                    for item in self.checklist.items:
                        self._material_row(item)
                with ui.column().classes("lg:col-span-2 gap-1 w-full"):
                    with ui.column().classes("w-full gap-1").mark("rules"):
                        self._rules()
                    if self.plan is not None and self.plan.pays and self.notice is None:
                        self._amount_section()
            self._case_row()
            if self.notice is not None:
                self._submitted()

    def _summary(self) -> None:
        assert self.checklist is not None, "drawn only once a business is chosen"
        statuses = [self._status(item) for item in self.checklist.items]
        required = [status for status in statuses if status != NOT_APPLICABLE]
        counts = {
            "required": len(required),
            "proven": required.count(PROVEN),
            "captured": required.count("captured"),
            "deferred": required.count("deferred"),
            "to_capture": sum(status in TO_CAPTURE for status in required),
        }
        with ui.row().classes("w-full items-center gap-2").mark("totals"):
            ui.label(self.checklist.business.name()).classes("text-lg font-bold mr-2")
            for name, colour in (
                ("required", "grey-8"),
                ("proven", "positive"),
                ("captured", "primary"),
                ("deferred", "amber-9"),
                ("to_capture", "negative"),
            ):
                if counts[name] or name in ("required", "proven"):
                    ui.chip(t(f"counter.totals.{name}", count=counts[name])).props(
                        f"dense outline color={colour}"
                    ).mark(f"total {name}")
            overridden = self.case is not None and self.case.override_by
            if self.checklist.business.review_mode == "pay_first" and not overridden:
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
        with (
            ui.row()
            .classes("w-full items-center gap-3 py-2 border-b border-gray-200 no-wrap")
            .mark(f"material {item.material}")
        ):
            ui.icon(icon, color=colour).classes("text-2xl shrink-0")
            # the name and its detail take the row's width; the actions go on a line of their own below,
            # so a long name (and a long form button, in English) never squeezes the text into a column
            with ui.column().classes("grow min-w-0 gap-0"):
                with ui.row().classes("items-baseline gap-2"):
                    ui.label(item.material).classes("font-mono text-sm text-secondary")
                    ui.label(self._material_name(item)).classes("font-bold")
                ui.label(self._detail(item, status)).classes("text-sm text-secondary").mark(f"detail {item.material}")
                self._thumbnails(item.material)
                if status in TO_CAPTURE and self._editable():
                    with ui.row().classes("items-center gap-2 pt-1"):
                        ui.button(
                            t("counter.capture.button"), icon="photo_camera", on_click=lambda i=item: self._capture(i)
                        ).props("no-caps unelevated dense").mark(f"capture {item.material}")
                        ui.button(
                            t("counter.defer.button"), icon="event", on_click=lambda i=item: self._ask_defer(i)
                        ).props("no-caps flat dense").mark(f"defer {item.material}")
                        form_buttons(item, self.profile, self.tab.token)  # e.g. the single-status declaration (M03)
            ui.badge(t(f"cases.status.{status}"), color=colour).classes("shrink-0").mark(f"status {item.material}")

    def _thumbnails(self, material: str) -> None:
        pages = self.captured_pages.get(material)
        if not pages:
            return
        with ui.row().classes("gap-2 pt-1"):
            for page_id in pages:
                ui.image(f"/counter/page/{self.tab.token}/{page_id}/thumb").props(
                    "fit=contain no-spinner no-transition"
                ).classes("w-16 h-20 bg-grey-3 border").mark(f"thumb {material}")

    def _rules(self) -> None:
        assert self.checklist is not None, "drawn only once a business is chosen"
        eligible = self.checklist.eligible
        with ui.row().classes("w-full items-center gap-2"):
            ui.label(t("counter.rules.title")).classes("font-bold")
            ui.badge(
                t("counter.rules.eligible" if eligible else "counter.rules.not_eligible"),
                color="positive" if eligible else "negative",
            ).mark("eligibility")
        for rule in self.checklist.rules:
            with ui.row().classes("w-full gap-2 no-wrap items-start").mark(f"rule {rule.rule}"):
                ui.icon(
                    "check_circle" if rule.passed else "cancel", color="positive" if rule.passed else "negative"
                ).classes("text-lg shrink-0 mt-0.5")
                with ui.column().classes("gap-0"):
                    ui.label(rule.label()).classes("text-sm font-bold")
                    ui.label(rule.reason()).classes("text-sm text-secondary")
        if self.case is not None and self.case.override_by:
            ui.label(
                t("counter.override.done", supervisor=self.case.override_by, reason=self.case.override_reason)
            ).classes("text-sm text-amber-10 bg-amber-1 rounded p-2 w-full").mark("override-done")
        elif self._overridable() and self._editable() and self.notice is None:
            with ui.row().classes("w-full items-center gap-2 pt-1"):
                ui.label(t("counter.override.blocked")).classes("text-sm text-negative grow")
                ui.button(t("counter.override.button"), icon="admin_panel_settings", on_click=self._ask_override).props(
                    "no-caps outline dense color=amber-9"
                ).mark("override")

    def _overridable(self) -> list[str]:
        """Labels of the failed rules a supervisor may override (never an amount limit)."""
        assert self.checklist is not None, "asked only once a business is chosen"
        return [rule.label() for rule in self.checklist.rules if not rule.passed and rule.check not in AMOUNT_CHECKS]

    # --- open and returned cases ------------------------------------------------------------------

    def _open_cases_banner(self) -> None:
        for case in self.open_cases:
            returned = case.state == "returned"
            with (
                ui.row()
                .classes("w-full items-center gap-3 rounded p-3 no-wrap " + ("bg-red-1" if returned else "bg-blue-1"))
                .mark(f"open-case {case.case_no}")
            ):
                ui.icon(
                    "assignment_return" if returned else "hourglass_top", color="negative" if returned else "primary"
                ).classes("text-2xl shrink-0")
                with ui.column().classes("grow gap-0"):
                    ui.label(
                        t(
                            "counter.open_case.line",
                            case_no=case.case_no,
                            state=t(f"cases.state.{case.state}"),
                            business=f"{case.business_code} {self.catalog.business[case.business_code].name()}",
                            amount=format_money(case.amount_fen),
                        )
                    ).classes("font-bold")
                    if case.return_comment:
                        ui.label(t("counter.open_case.comment", comment=case.return_comment)).classes("text-sm")
                if returned:
                    ui.button(
                        t("counter.open_case.continue"), icon="edit_note", on_click=lambda c=case: self.resume(c)
                    ).props("no-caps unelevated color=negative").mark(f"continue {case.case_no}")
                else:
                    ui.link(t("counter.open_case.notice"), f"/counter/notice/{case.case_no}", new_tab=True)

    def _returned_banner(self) -> None:
        assert self.case is not None, "drawn only for a returned case"
        with ui.row().classes("w-full items-start gap-3 rounded p-3 bg-red-1 no-wrap").mark("returned-banner"):
            ui.icon("assignment_return", color="negative").classes("text-2xl shrink-0")
            with ui.column().classes("gap-0"):
                ui.label(t("counter.returned.title", case_no=self.case.case_no)).classes("font-bold")
                ui.label(t("counter.open_case.comment", comment=self.case.return_comment)).classes("text-sm")
                ui.label(t("counter.returned.hint")).classes("text-sm text-secondary")

    # --- the amount -------------------------------------------------------------------------------

    def _amount_section(self) -> None:
        plan = self.plan
        assert plan is not None, "drawn only when the business has an amount plan"
        with ui.column().classes("w-full gap-1 pt-3 border-t border-gray-200").mark("amount"):
            ui.label(t("counter.amount.title")).classes("font-bold")
            for rule in plan.limits:
                binding = rule.rule == plan.binding
                with ui.row().classes("w-full items-baseline gap-2 no-wrap text-sm").mark(f"limit {rule.rule}"):
                    ui.label(rule.label()).classes("grow " + ("font-bold" if binding else "text-secondary"))
                    if binding:
                        ui.badge(t("counter.amount.binding"), color="primary").props("outline")
                    ui.label(format_money(rule.limit_fen)).classes("tabular-nums " + ("font-bold" if binding else ""))
            if plan.maximum_fen is None or plan.maximum_fen <= 0:
                ui.label(t("cases.amount.nothing_allowed")).classes("text-sm text-negative").mark("amount-none")
                return
            shown = self.case.amount_fen if self.case is not None and self.case.amount_fen else plan.maximum_fen
            value = self.amount_text or Money(shown).plain().replace(",", "")
            hint = t(
                "counter.amount.fixed" if plan.fixed else "counter.amount.at_most",
                maximum=format_money(plan.maximum_fen),
            )
            ui.input(t("counter.amount.label"), value=value, on_change=self._amount_typed).props(
                f"outlined dense {'readonly' if plan.fixed or not self._editable() else ''} "
                "input-class=text-right inputmode=decimal"
            ).props(f'suffix="{t("counter.amount.unit")}"').classes("w-full text-lg").mark("amount-input")
            ui.label(hint).classes("text-xs text-secondary").mark("amount-hint")
            self._payee()

    def _amount_typed(self, event: events.ValueChangeEventArguments) -> None:
        self.amount_text = (event.value or "").strip()

    def _payee(self) -> None:
        captured = self.case is not None and self._status_of(PAYEE_MATERIAL) == "captured"
        with ui.column().classes("w-full gap-0 pt-1").mark("payee"):
            ui.label(t("counter.payee.title")).classes("text-sm font-bold")
            ui.label(
                t("counter.payee.joint", card=self.joint_card) if self.joint_card else t("counter.payee.no_joint")
            ).classes("text-sm font-mono").mark("payee-joint")
            if captured or self.other_card:
                ui.input(
                    t("counter.payee.other"),
                    value=self.other_card,
                    on_change=lambda e: setattr(self, "other_card", (e.value or "").strip()),
                ).props("outlined dense clearable inputmode=numeric maxlength=23").classes("w-full").mark("payee-other")
            else:
                ui.label(t("counter.payee.other_hint", material=PAYEE_MATERIAL)).classes("text-xs text-secondary")

    def _status_of(self, material: str) -> str | None:
        stored = self.case.materials.get(material) if self.case else None
        return stored.status if stored else None

    def _case_row(self) -> None:
        with ui.row().classes("w-full items-center gap-3 no-wrap"):
            if self.case is not None and self.case.case_no is not None:
                ui.label(
                    t("counter.case.line", case_no=self.case.case_no, state=t(f"cases.state.{self.case.state}"))
                ).classes("font-mono").mark("case-line")
            elif self.case is not None:
                ui.label(t("counter.case.draft")).classes("text-secondary").mark("case-line")
            self.message = ui.label().classes("grow text-negative text-sm").mark("counter-message")
            if self.notice is None:
                ui.button(t("counter.case.submit"), icon="send", on_click=self._submit).on(
                    "click", js_handler=MARK_SUBMITTING_JS
                ).props("no-caps unelevated size=lg").mark("submit-case")

    def _submitted(self) -> None:
        assert self.case is not None and self.notice is not None, "drawn only once a case is submitted"
        ui.label(t("counter.case.submitted", case_no=self.case.case_no)).classes("text-lg text-positive").mark(
            "submitted"
        )
        if self.case.paid:
            key = "counter.case.paid_sampled" if self.case.sampled_for_review else "counter.case.paid_not_sampled"
            ui.label(
                t(
                    "counter.case.paid_amount",
                    amount=format_money(self.case.amount_fen),
                    card=self.case.payee_card or "—",
                )
            ).classes("text-lg font-bold").mark("paid-amount")
            ui.label(t(key)).classes("text-amber-10 font-bold").mark("pay-first")
        elif self.case.amount_fen is not None:
            ui.label(t("counter.case.to_decide", amount=format_money(self.case.amount_fen))).classes("font-bold").mark(
                "to-decide"
            )
        show_notice(self.notice)

    def _say(self, text: str) -> None:
        self.message.text = text

    # --- actions ----------------------------------------------------------------------------------

    async def _ensure_case(self, staff: SessionStaff) -> CaseState:
        if self.case is None:
            assert self.checklist is not None, "a case is opened for the business chosen"
            case = await run.io_bound(open_draft, checklist=self.checklist, staff=staff, declared=sorted(self.declared))
            assert case is not None, "None only when the server is shutting down"
            self.case = case
        return self.case

    def _capture(self, item: ChecklistItem) -> None:
        apply_language()
        person = self.profile.person
        target = CaptureTarget(
            person.person_id,
            item.material,
            item.alternatives,
            f"{item.material} {self._material_name(item)}",
            person.id_number,
            spouse_id_number(self.profile),
        )

        async def accept(pages: list[CapturedPage], source: str, title: str, flag_reason: str | None) -> str | None:
            return await self._accept_capture(item.material, pages, source, title, flag_reason)

        with self.dialogs:
            CaptureDialog(self.tab, target, accept)

    async def _accept_capture(
        self, material: str, pages: list[CapturedPage], source: str, title: str, flag_reason: str | None = None
    ) -> str | None:
        staff = require_staff()
        if staff is None:
            return t("ui.login.expired")
        try:
            case = await self._ensure_case(staff)
            archived = await run.io_bound(
                archive_capture,
                case_id=case.case_id,
                material=material,
                pages=[page.page for page in pages],
                source=source,
                title=title,
                staff=staff,
                expected_version=case.version,
                sides=[page.side for page in pages],
                flag_reason=flag_reason,
                problems=[code for page in pages for code in page.problems],
            )
        except (CaseError, ArchiveRefused) as refused:
            return refused.message()
        assert archived is not None, "None only when the server is shutting down"
        self.case = archived
        document_id = archived.materials[material].document_id
        assert document_id is not None, "the material was just archived as a document"
        page_ids = await run.io_bound(document_pages, document_id)
        assert page_ids is not None, "None only when the server is shutting down"
        self.captured_pages[material] = page_ids
        self._render()
        return None

    def _ask_defer(self, item: ChecklistItem) -> None:
        apply_language()
        days = workflow_rules().max_promise_days
        suggested = local_day(datetime.now(UTC)) + timedelta(days=DEFAULT_PROMISE_DAYS)
        with self.dialogs, ui.dialog(value=True) as dialog, ui.card().classes("w-[28rem] gap-3").mark("defer-dialog"):
            ui.label(t("counter.defer.title", material=f"{item.material} {self._material_name(item)}")).classes(
                "text-lg font-bold"
            )
            ui.label(t("counter.defer.explain", days=days)).classes("text-sm text-secondary")
            promised = (
                ui.input(t("counter.defer.date"), value=suggested.isoformat())
                .props("type=date outlined autofocus")
                .classes("w-full")
                .mark("defer-date")
            )
            error = ui.label().classes("text-negative text-sm").mark("defer-error")
            with ui.row().classes("w-full justify-end"):
                ui.button(t("ui.cancel"), on_click=dialog.close).props("no-caps flat")
                confirm = (
                    ui.button(t("counter.defer.confirm"), icon="event")
                    .props("no-caps unelevated")
                    .mark("defer-confirm")
                )

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
                self.case = await run.io_bound(
                    defer_material,
                    case_id=case.case_id,
                    material=item.material,
                    promised_on=promised_on,
                    staff=staff,
                    expected_version=case.version,
                )
            except CaseError as refused:
                error.text = refused.message()
                return
            dialog.close()
            self._render()

        confirm.on_click(defer)
        promised.on("keydown.enter", defer)
        dialog.on_value_change(lambda event: None if event.value else dialog.delete())

    def _typed_amount(self) -> int | None:
        """The amount the clerk typed, in fen (None: the most allowed); raises MoneyError."""
        if self.plan is None or not self.plan.pays or not self.amount_text:
            return None
        return Money.parse(self.amount_text).fen

    async def _submit(self) -> None:
        staff = require_staff()
        if staff is None or self.checklist is None:
            return
        try:
            amount_fen = self._typed_amount()
        except MoneyError:
            self._say(t("counter.amount.bad", text=self.amount_text))
            ui.run_javascript(CLEAR_SUBMITTING_JS)
            return
        try:
            case = await self._ensure_case(staff)
        except CaseError as refused:
            self._render()
            self._say(refused.message())
            ui.run_javascript(CLEAR_SUBMITTING_JS)  # refused before anything was submitted, and shown
            return
        key = case.submission_key
        assert key is not None, "every case gets a submission key when it is opened (workflow)"
        # committed before the submit starts, removed once the browser has the answer (desk.cases.submitting)
        await run.io_bound(note_submitting, staff=staff.username, submission_key=key, person_id=case.person_id)
        try:
            submitted = await run.io_bound(
                submit_case,
                case_id=case.case_id,
                staff=staff,
                expected_version=case.version,
                amount_fen=amount_fen,
                payee_card=self.other_card or None,
            )
            assert submitted is not None, "None only when the server is shutting down"
            self.case = submitted
            assert submitted.case_no is not None, "a submitted case has its number"
            notice = await run.io_bound(notice_for, case_no=submitted.case_no, staff=staff, base_url=self.base_url)
            assert notice is not None, "None only when the server is shutting down"
            self.notice = notice
        except CaseError as refused:
            self._render()
            self._say(refused.message())
            await self._confirm_answer(key)
            return
        except Exception:
            await run.io_bound(answer_not_shown, key)  # the clerk's next page load says what became of it
            raise
        self.open_cases = []
        self._render()
        await self._confirm_answer(key)
        await self.after_submit()  # the next customer's scan goes to the lookup; the profile shows the payment

    async def _confirm_answer(self, submission_key: str) -> None:
        """Forget the submission once the browser has the answer on screen, else leave it for the next load.

        Messages reach the browser in order, so the reply to this script proves the answer arrived.
        """
        try:
            await ui.run_javascript(CONFIRM_ANSWER_JS, timeout=ANSWER_TIMEOUT_S)
        except (TimeoutError, RuntimeError):
            await run.io_bound(answer_not_shown, submission_key)
            return
        await run.io_bound(answer_shown, submission_key)

    def _ask_override(self) -> None:
        """主管授权: a supervisor types their own username, password and a reason at this counter."""
        apply_language()
        with (
            self.dialogs,
            ui.dialog(value=True) as dialog,
            ui.card().classes("w-[30rem] gap-3").mark("override-dialog"),
        ):
            ui.label(t("counter.override.title")).classes("text-lg font-bold")
            ui.label(t("counter.override.explain", rules="；".join(self._overridable()))).classes("text-sm")
            username = (
                ui.input(t("counter.override.username"))
                .props("outlined dense autofocus autocomplete=off")
                .classes("w-full")
                .mark("override-username")
            )
            password = (
                ui.input(t("counter.override.password"), password=True)
                .props("outlined dense autocomplete=new-password")
                .classes("w-full")
                .mark("override-password")
            )
            reason = (
                ui.textarea(t("counter.override.reason"))
                .props("outlined dense autogrow maxlength=500")
                .classes("w-full")
                .mark("override-reason")
            )
            error = ui.label().classes("text-negative text-sm").mark("override-error")
            with ui.row().classes("w-full justify-end"):
                ui.button(t("ui.cancel"), on_click=dialog.close).props("no-caps flat")
                confirm = (
                    ui.button(t("counter.override.confirm"), icon="admin_panel_settings")
                    .props("no-caps unelevated color=amber-9")
                    .mark("override-confirm")
                )

        async def authorise() -> None:
            staff = require_staff()
            if staff is None:
                return
            try:
                case = await self._ensure_case(staff)
                self.case = await run.io_bound(
                    override_rules,
                    case_id=case.case_id,
                    supervisor=username.value or "",
                    password=password.value or "",
                    reason=reason.value or "",
                    expected_version=case.version,
                )
            except CaseError as refused:
                error.text = refused.message()
                password.value = ""
                return
            dialog.close()
            self._render()

        confirm.on_click(authorise)
        dialog.on_value_change(lambda event: None if event.value else dialog.delete())
