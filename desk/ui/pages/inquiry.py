"""`/inquiry`: the public progress inquiry, opened from the notice's QR code on a customer's phone.

No login. The case number (filled in from `?case=`) and the last four characters of the ID number
show the case's state and the dates of its steps; a returned case also shows the supervisor's
reason and the materials still to bring. Nothing else. An empty or malformed entry is told what to
fix; whatever well-formed pair does not match — a wrong pair or an unknown number — gets one and
the same answer, and the service counts failures (desk.cases.inquiry), so the page only shows what
the service says, including how many seconds to wait.
"""

from __future__ import annotations

from nicegui import run, ui

from desk.cases.inquiry import INQUIRY_PATH, InquiryAnswer, inquire
from desk.db import session_scope
from desk.i18n import catalog, t
from desk.money import format_money
from desk.ui.case_labels import STATE_COLOURS, state_label
from desk.ui.formatting import day
from desk.ui.session import apply_language
from desk.ui.theme import bare_frame

UNKNOWN_ADDRESS = "unknown"


def _ask(case_no: str, id_tail: str, address: str) -> InquiryAnswer:
    with session_scope() as db:
        return inquire(db, case_no=case_no, id_tail=id_tail, address=address)


def public_state(state: str | None) -> str:
    """A state as the customer reads it: a public wording where the staff's word would puzzle (草稿)."""
    key = f"inquiry.state.{state}"
    return t(key) if key in catalog() else state_label(state)


def _show_returned(answer: InquiryAnswer) -> None:
    """Why the case came back and what to bring (only a returned case carries these)."""
    with ui.card().classes("w-full gap-1 bg-amber-1").props("flat bordered").mark("inquiry-returned"):
        ui.label(t("inquiry.returned.reason")).classes("text-sm text-secondary")
        ui.label(answer.return_comment).classes("text-base whitespace-pre-line").mark("inquiry-return-comment")
        if not answer.to_bring:
            ui.label(t("inquiry.returned.nothing_listed")).classes("text-sm mt-2")
            return
        ui.label(t("inquiry.returned.to_bring")).classes("text-sm text-secondary mt-2")
        with ui.column().classes("gap-1 pl-2").mark("inquiry-to-bring"):
            for number, item in enumerate(answer.to_bring, start=1):
                promised = f" · {t('inquiry.returned.promised_on')} {day(item.promised_on)}" if item.promised_on else ""
                ui.label(f"{number}. {item.name()}{promised}").mark(f"inquiry-to-bring-item {item.material}")


def show_answer(answer: InquiryAnswer) -> None:
    """The answer card: the state and its steps, or the one refusal (or the wait)."""
    if not answer.found:
        with ui.row().classes("w-full items-start gap-2 no-wrap"):
            ui.icon("info", color="warning", size="sm")
            text = t(answer.message_key)
            if answer.retry_after_s:
                text += " " + t("inquiry.retry_after", seconds=answer.retry_after_s)
            ui.label(text).classes("text-base").mark("inquiry-refusal")
        return
    assert answer.state is not None, "a found case has a state"
    ui.label(t(answer.message_key)).classes("text-sm text-secondary")
    ui.badge(public_state(answer.state), color=STATE_COLOURS.get(answer.state, "grey")).classes(
        "text-lg px-3 py-1"
    ).mark("inquiry-state")
    if answer.amount_fen is not None:
        key = "inquiry.amount_paid" if answer.paid else "inquiry.amount"
        ui.label(t(key, amount=format_money(answer.amount_fen), card=answer.payee_card or "—")).classes(
            "text-base"
        ).mark("inquiry-amount")
    if answer.return_comment or answer.to_bring:
        _show_returned(answer)
    with ui.timeline(side="right", color="primary").classes("w-full").mark("inquiry-steps"):
        for state, on in answer.steps:
            ui.timeline_entry(title=public_state(state), subtitle=day(on))


def register() -> None:
    """Add the public /inquiry page."""

    @ui.page(INQUIRY_PATH)
    def inquiry_page(case: str = "") -> None:
        with bare_frame("inquiry.title"):
            with ui.card().classes("w-full max-w-md gap-3 mt-4 p-5"):
                ui.label(t("inquiry.title")).classes("text-xl font-bold")
                ui.label(t("inquiry.intro")).classes("text-sm text-secondary")
                case_no = (
                    ui.input(
                        t("inquiry.case_no"), value=case.strip()[:20], placeholder=t("inquiry.case_no_placeholder")
                    )
                    .props("outlined maxlength=20 autocomplete=off autocapitalize=characters")
                    .classes("w-full")
                    .mark("case-no")
                )
                id_tail = (
                    ui.input(t("inquiry.id_tail"), placeholder=t("inquiry.id_tail_placeholder"))
                    .props(
                        "outlined maxlength=4 autocomplete=off autocapitalize=characters inputmode=text"
                        + (" autofocus" if case else "")
                    )
                    .classes("w-full")
                    .mark("id-tail")
                )
                button = (
                    ui.button(t("inquiry.submit"), icon="search")
                    .props("no-caps unelevated size=lg")
                    .classes("w-full")
                    .mark("inquire")
                )
                result = ui.column().classes("w-full gap-2").mark("inquiry-result")
            ui.label(t("inquiry.privacy")).classes("text-xs text-secondary max-w-md text-center mt-2")

            async def submit() -> None:
                apply_language()
                button.disable()
                result.clear()  # the old answer goes at once: it must never pass for the new one
                with result:
                    ui.spinner(size="lg").classes("self-center")
                try:
                    answer = await run.io_bound(
                        _ask, case_no.value or "", id_tail.value or "", ui.context.client.ip or UNKNOWN_ADDRESS
                    )
                finally:
                    button.enable()
                assert answer is not None, "None only when the server is shutting down"
                result.clear()
                with result:
                    show_answer(answer)

            button.on_click(submit)
            case_no.on("keydown.enter", lambda: id_tail.run_method("focus"))
            id_tail.on("keydown.enter", submit)
