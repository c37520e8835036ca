"""One case for a supervisor: the customer (masked), the business, every material with the system
data that proved it or the pages captured for it, the history, and the decision.

The buttons are the workflow's actions for this supervisor (desk.cases.review.allowed_actions);
whoever opened or submitted the case sees none, and `perform` refuses anyway. A decision carries
the version the page was built from, so when another supervisor decided first the page says so
instead of overwriting their decision.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi.responses import HTMLResponse
from nicegui import run, ui

from desk.cases.document_fit import flag_label
from desk.cases.flag_reasons import describe
from desk.cases.review import CapturedPage, Dossier, MaterialView, load_dossier
from desk.cases.workflow import CaseConflict, CaseError, perform
from desk.db import session_scope
from desk.i18n import t
from desk.money import Money, MoneyError, format_money
from desk.security.roles import may_open
from desk.ui.auth import not_found_page, require_staff
from desk.ui.case_labels import (
    MATERIAL_COLOURS,
    STATE_COLOURS,
    business_label,
    due_text,
    label_or_code,
    material_label,
    moment,
    state_label,
)
from desk.ui.fact_text import fact_lines
from desk.ui.formatting import day
from desk.ui.page_images import open_viewer_link, page_viewer
from desk.ui.pairs import pair, pair_grid
from desk.ui.papers_view import papers_avoided
from desk.ui.route_ids import parse_id
from desk.ui.session import SessionStaff
from desk.ui.theme import frame

PATH = "/review"
# action -> (Quasar colour, icon) of its button
ACTION_LOOKS = {
    "approve": ("positive", "check_circle"),
    "review": ("positive", "task_alt"),
    "reject": ("negative", "cancel"),
    "recourse": ("negative", "undo"),
    "return": ("warning", "assignment_return"),
    "pay": ("primary", "payments"),
    "close": ("grey-8", "archive"),
}
CLAWBACK_GUARD = "clawback_given"
LEDGER = "ledger"  # the fact kind of evidence from the centre's own records (desk.cases.evidence)


@dataclass
class DecisionForm:
    """The inputs of the decision card."""

    comment: ui.textarea
    clawback: ui.input | None  # only when an action needs a claw-back amount
    message: ui.label
    reload: ui.button | None = None

    def say(self, text: str, tone: str) -> None:
        """Show `text` under the inputs in the colour `tone`."""
        self.message.text = text
        self.message.classes(replace=f"text-sm min-h-[1.25rem] text-{tone}")


def _fen_of(amount: Money | None) -> int | None:
    return None if amount is None else amount.fen


@dataclass(frozen=True)
class Decision:
    """What the supervisor asked for: the action, the comment and (for a recourse) the amount."""

    action: str
    comment: str
    clawback_fen: int | None


def _dossier(case_id: int, staff: SessionStaff) -> Dossier:
    with session_scope() as db:
        return load_dossier(db, case_id=case_id, viewer=staff, today=date.today())


def _decide(case_id: int, version: int, decision: Decision, staff: SessionStaff) -> None:
    with session_scope() as db:
        perform(
            db,
            case_id=case_id,
            action=decision.action,
            actor=staff,
            expected_version=version,
            comment=decision.comment,
            clawback_fen=decision.clawback_fen,
        )


def _summary(dossier: Dossier) -> None:
    case = dossier.case
    with ui.element("div").classes("grid grid-cols-1 md:grid-cols-3 gap-4 w-full items-start"):
        with ui.card().classes("gap-2").mark("case-summary"):
            with ui.row().classes("items-center gap-2"):
                # a draft (no number yet) shows an empty label, as ui.label(None) did
                ui.label(case.case_no or "").classes("text-2xl font-bold font-mono").mark("case-no")
                ui.badge(state_label(case.state), color=STATE_COLOURS.get(case.state, "grey")).classes("text-sm").mark(
                    "case-state"
                )
            ui.label(business_label(case.business_code)).classes("text-lg")
            with pair_grid():
                pair(t("review.case.mode"), t(f"cases.review_mode.{case.review_mode}"))
                pair(t("review.case.amount"), format_money(case.amount_fen), "case-amount")
                if case.amount_limit_fen is not None:
                    pair(t("review.case.amount_limit"), format_money(case.amount_limit_fen))
                if dossier.payee_card:
                    pair(t("review.case.payee"), dossier.payee_card, "case-payee")
                if case.paid_at:
                    pair(t("review.case.paid_at"), moment(case.paid_at), "case-paid")
                if case.clawback_fen:
                    pair(t("review.case.clawback"), format_money(case.clawback_fen))
        with ui.card().classes("gap-2").mark("case-customer"):
            ui.label(t("review.case.customer")).classes("text-base font-bold text-primary")
            ui.label(dossier.customer_name).classes("text-xl font-bold").mark("customer-name")
            with pair_grid():
                pair(t("ui.profile.id_number"), dossier.customer_id_number, "customer-id")
                pair(t("review.case.account_status"), label_or_code("records.account_status.", dossier.account_status))
                pair(t("review.case.balance"), format_money(dossier.balance_fen))
        with ui.card().classes("gap-2").mark("case-dates"):
            ui.label(t("review.case.progress")).classes("text-base font-bold text-primary")
            with pair_grid():
                pair(t("review.case.opened"), f"{moment(case.opened_at)} · {case.opened_by}")
                pair(t("review.case.submitted"), f"{moment(case.submitted_at)} · {case.submitted_by or '—'}")
                pair(t("review.case.due"), due_text(case.due_on, dossier.overdue, dossier.working_days), "case-due")
                if case.decided_by:
                    pair(t("review.case.decided"), f"{moment(case.decided_at)} · {case.decided_by}")


def _rules_now(dossier: Dossier) -> None:
    """Every rule as the data stand today, with the case's amount: the decision pays only if they hold."""
    case = dossier.case
    if not dossier.rules_now and not case.override_by:
        return
    with ui.card().classes("w-full gap-1").mark("case-rules"):
        ui.label(t("review.case.rules_now")).classes("text-base font-bold text-primary")
        if case.override_by:
            ui.label(
                t("review.case.overridden", supervisor=case.override_by, reason=case.override_reason or "")
            ).classes("text-sm text-amber-10 bg-amber-1 rounded p-2 w-full").mark("case-override")
        for rule in dossier.rules_now:
            overridden = not rule.passed and rule.rule in dossier.overridden
            icon, colour = (
                ("check_circle", "positive")
                if rule.passed
                else ("admin_panel_settings", "amber-9")
                if overridden
                else ("cancel", "negative")
            )
            with ui.row().classes("w-full gap-2 no-wrap items-start").mark(f"rule-now {rule.rule}"):
                ui.icon(icon, color=colour).classes("text-lg shrink-0 mt-0.5")
                with ui.column().classes("gap-0"):
                    ui.label(rule.label()).classes("text-sm font-bold")
                    ui.label(rule.reason()).classes("text-sm text-secondary")


def _flags(item: MaterialView) -> None:
    """What capture flagged on the pages and why the clerk accepted them."""
    if not item.flags:
        return
    with ui.column().classes("gap-0 rounded bg-orange-1 p-2 w-full"):
        ui.label(t("review.case.flags", flags="、".join(flag_label(flag) for flag in item.flags))).classes(
            "text-sm font-bold text-negative"
        ).mark(f"flags {item.material}")
        ui.label(t("review.case.flag_reason", reason=describe(item.flag_reason) if item.flag_reason else "—")).classes(
            "text-sm"
        ).mark(f"flag-reason {item.material}")


def _evidence(item: MaterialView) -> None:
    """The system data behind a material; captured pages are shown large beside the evidence."""
    if not item.pages:
        _flags(item)
    if item.status == "proven" and item.fact_kind == LEDGER:
        ui.label(t("review.case.proven_by_ledger", date=day(item.as_of))).classes("text-sm")
    elif item.status == "proven":
        ui.label(
            t(
                "review.case.proven_by",
                kind=label_or_code("records.fact_kind.", item.fact_kind),
                source=label_or_code("records.source.", item.source),
                date=day(item.as_of),
            )
        ).classes("text-sm")
        for line in fact_lines(item.fact or {}, masked=True):
            ui.label(line).classes("text-xs text-secondary")
    elif item.status == "deferred":
        ui.label(t("review.case.promised", date=day(item.promised_on))).classes("text-sm text-warning")
    if item.pages:
        ui.label(", ".join(label_or_code("capture.doc_type.", page.doc_type) for page in item.pages)).classes(
            "text-sm font-bold"
        )
        ui.label(t("review.case.see_page")).classes("text-xs text-secondary")


def _page_details(page: CapturedPage) -> None:
    """Beside one page: whether the customer's ID number is on it and what capture read off it."""
    if page.id_matches is True:
        ui.label(t("review.case.id_matches")).classes("text-sm text-positive").mark(f"id-match {page.page_id}")
    elif page.id_matches is False:
        ui.label(t("review.case.id_differs")).classes("text-sm text-negative font-bold").mark(
            f"id-match {page.page_id}"
        )
    if page.fields:
        ui.label(t("review.case.read_off")).classes("text-xs text-secondary font-bold pt-1")
        for name, value in page.fields:
            ui.label(t("ui.fact.pair", label=label_or_code("archivist.field.", name), value=value)).classes(
                "text-sm break-all"
            )


def _captured_page(item: MaterialView, page: CapturedPage) -> None:
    """One page large; above it the material, its type, the flags and the clerk's reason; beside it what was read."""
    title = t("review.case.page_title", material=f"{item.material} {material_label(item.material)}", page=page.page_no)
    with ui.column().classes("w-full gap-2 min-w-0").mark(f"captured {page.page_id}"):
        with ui.row().classes("w-full items-baseline gap-x-3 gap-y-0"):
            ui.label(title).classes("text-base font-bold")
            ui.label(label_or_code("capture.doc_type.", page.doc_type)).classes("text-sm text-secondary")
            ui.space()
            open_viewer_link(page.page_id)
        _flags(item)
        with ui.element("div").classes("desk-page-with-notes w-full"):
            page_viewer(page.page_id, title)
            with ui.column().classes("gap-1 min-w-0").mark(f"page-notes {page.page_id}"):
                _page_details(page)


def _captured_pages(dossier: Dossier) -> None:
    """Every captured page large, with its flags, the clerk's reasons and what was read off it."""
    with ui.card().classes("w-full gap-4").mark("case-pages"):
        ui.label(t("review.case.pages")).classes("text-base font-bold text-primary")
        for item in dossier.materials:
            for page in item.pages:
                _captured_page(item, page)


def _materials(dossier: Dossier) -> None:
    with ui.card().classes("w-full gap-2").mark("case-materials"):
        ui.label(t("review.case.materials")).classes("text-base font-bold text-primary")
        for item in dossier.materials:
            with (
                ui.row()
                .classes("w-full items-start gap-4 no-wrap border-b border-gray-200 py-2")
                .mark(f"material {item.material}")
            ):
                with ui.column().classes("w-48 shrink-0 gap-1"):
                    ui.label(f"{item.material} {material_label(item.material)}").classes("font-bold")
                    ui.badge(t(f"cases.status.{item.status}"), color=MATERIAL_COLOURS.get(item.status, "grey"))
                with ui.column().classes("grow gap-1 min-w-0"):
                    _evidence(item)


def _history(dossier: Dossier) -> None:
    columns = [
        {"name": c, "label": t(f"review.history.{c}"), "field": c, "align": "left"}
        for c in ("at", "action", "states", "actor", "comment")
    ]
    rows = [
        {
            "id": step.id,
            "at": moment(step.at),
            "action": t(f"review.step.{step.action}"),
            "states": f"{state_label(step.from_state)} → {state_label(step.to_state)}"
            if step.from_state
            else state_label(step.to_state),
            "actor": f"{step.actor} · {t('role.' + step.actor_role)}",
            "comment": step.comment,
        }
        for step in dossier.history
    ]
    with ui.card().classes("w-full gap-2"):
        ui.label(t("review.history.title")).classes("text-base font-bold text-primary")
        ui.table(columns=columns, rows=rows, row_key="id").props("flat dense bordered wrap-cells").classes(
            "w-full"
        ).mark("case-history")


class CaseScreen:
    """The case page of one browser tab; rebuilt from the database after each decision."""

    def __init__(self, case_id: int) -> None:
        self.case_id = case_id
        self.body = ui.column().classes("w-full gap-4")

    async def load(self) -> None:
        """Read the case again and draw it."""
        staff = require_staff()
        if staff is None:
            return
        try:
            dossier = await run.io_bound(_dossier, self.case_id, staff)
        except CaseError as error:
            self.body.clear()
            with self.body:
                ui.label(error.message()).classes("text-negative text-lg").mark("case-error")
            return
        assert dossier is not None, "None only when the server is shutting down"
        self.body.clear()
        with self.body:
            _summary(dossier)
            self._sheet(dossier)
            _history(dossier)

    def _sheet(self, dossier: Dossier) -> None:
        """The captured pages large beside the evidence and the decision (side by side from 1400 px on)."""
        has_pages = any(item.pages for item in dossier.materials)
        with ui.element("div").classes("desk-case-sheet w-full").mark("case-sheet"):
            with ui.column().classes("gap-4 min-w-0").mark("case-sheet-main"):
                if has_pages:
                    _captured_pages(dossier)
                else:
                    _materials(dossier)
            with ui.column().classes("gap-4 min-w-0").mark("case-sheet-side"):
                if has_pages:
                    _materials(dossier)
                if dossier.avoided:
                    with ui.card().classes("w-full"):
                        papers_avoided(dossier.avoided)
                _rules_now(dossier)
                self._decision_card(dossier)

    def _decision_card(self, dossier: Dossier) -> None:
        with ui.card().classes("w-full gap-3").mark("decision"):
            ui.label(t("review.decision.title")).classes("text-base font-bold text-primary")
            if dossier.four_eyes_barred:
                with ui.row().classes("items-center gap-2 bg-orange-1 text-orange-10 rounded px-3 py-2"):
                    ui.icon("front_hand", color="orange-9")
                    ui.label(t("review.decision.four_eyes")).mark("four-eyes")
            if not dossier.actions:
                if not dossier.four_eyes_barred:
                    ui.label(t("review.decision.none")).classes("text-secondary").mark("no-actions")
                return
            form = DecisionForm(
                ui.textarea(t("review.decision.comment"))
                .props("outlined autogrow maxlength=1000")
                .classes("w-full")
                .mark("comment"),
                ui.input(t("review.decision.clawback"))
                .props("outlined dense inputmode=decimal")
                .classes("w-60")
                .mark("clawback")
                if any(CLAWBACK_GUARD in dossier.guards[action] for action in dossier.actions)
                else None,
                ui.label().classes("text-sm min-h-[1.25rem]").mark("decision-message"),
            )
            with ui.row().classes("gap-2 items-center"):
                for action in dossier.actions:
                    colour, icon = ACTION_LOOKS.get(action, ("primary", "send"))
                    ui.button(
                        t(f"review.button.{action}"),
                        icon=icon,
                        color=colour,
                        on_click=lambda a=action: self._decide(dossier, a, form),
                    ).props("no-caps unelevated").mark(f"action {action}")
                form.reload = (
                    ui.button(t("review.decision.reload"), icon="refresh", on_click=self.load)
                    .props("no-caps outline")
                    .mark("reload")
                )
                form.reload.set_visibility(False)

    async def _decide(self, dossier: Dossier, action: str, form: DecisionForm) -> None:
        staff = require_staff()
        if staff is None:
            return
        if not may_open(staff.role, PATH):
            form.say(t("review.decision.not_allowed"), "negative")
            return
        try:
            clawback = form.clawback
            wants_amount = clawback is not None and CLAWBACK_GUARD in dossier.guards[action]
            amount = _fen_of(Money.optional(clawback.value)) if clawback is not None and wants_amount else None
        except MoneyError:
            form.say(t("review.decision.bad_amount"), "negative")
            return
        decision = Decision(action, form.comment.value or "", amount)
        try:
            await run.io_bound(_decide, self.case_id, dossier.version, decision, staff)
        except CaseConflict as conflict:
            form.say(conflict.message(), "negative")
            assert form.reload is not None, "made with the decision card, before any button can be clicked"
            form.reload.set_visibility(True)  # the decision of the other supervisor stands; look at it first
            return
        except CaseError as error:
            form.say(error.message(), "negative")
            return
        ui.notify(t(f"review.done.{action}", case_no=dossier.case.case_no), color="positive")
        await self.load()


def register() -> None:
    """Add the /review/case/{case_id} page."""

    @ui.page("/review/case/{case_id}")
    async def review_case_page(case_id: str) -> HTMLResponse | None:
        case = parse_id(case_id)
        if case is None:
            return not_found_page()
        with frame("review.case.title", wide=True):
            ui.link(t("review.case.back"), "/review").classes("text-sm").mark("back")
            screen = CaseScreen(case)
        await screen.load()
        return None
