"""The clerk's first screen: one input, Enter, the customer's profile.

Keyboard first: the input is focused on load; Enter searches (an ID-card scanner types the number
and Enter); after each search the text is selected so the next scan replaces it. A customer found
gets the counter panel (desk.ui.counter_panel) above the profile; its business picker takes the
focus, and submitting a case selects the query again. An 18-character ID number is checked while
it is typed. Every search and every unmask writes an access-log row.
"""

from __future__ import annotations

import re

from nicegui import run, ui

from desk.cases.counter import CaseState, reopen_case
from desk.cases.submitting import take_unanswered
from desk.cases.workflow import CaseError, workflow_rules
from desk.db import session_scope
from desk.i18n import t
from desk.records.lookup import CANDIDATES, FOUND, Candidate, LookupOutcome, lookup_customer
from desk.records.profile import CustomerProfile, load_profile
from desk.security.access_log import log_access
from desk.security.purposes import LOOKUP_PURPOSES, UNMASK_REASONS
from desk.security.roles import may_unmask
from desk.ui.auth import require_staff
from desk.ui.counter_panel import CLEAR_SUBMITTING_JS, SUBMITTING_COOKIE, CounterDesk
from desk.ui.pages.loan_trial import trial_url
from desk.ui.profile_view import show_profile
from desk.ui.session import SessionStaff, apply_language
from desk.ui.theme import frame
from desk.ui.typed_enter import on_enter
from desk.validators import check_id_number, normalize_id_input

UNMASKED_FIELDS = ("id_number", "phone", "bank_card_no", "registry_payload")
_FULL_ID = re.compile(r"\d{17}[\dX]")


def _search(query: str, staff: SessionStaff, purpose: str) -> tuple[LookupOutcome, CustomerProfile | None]:
    with session_scope() as db:
        return lookup_customer(db, query, staff=staff, purpose=purpose)


def _open_candidate(person_id: int, staff: SessionStaff, purpose: str) -> CustomerProfile:
    with session_scope() as db:
        log_access(db, staff=staff, action="view_profile", person_id=person_id, purpose=purpose)
        return load_profile(db, person_id)


def _log_unmask(person_id: int, staff: SessionStaff, reason: str) -> None:
    with session_scope() as db:
        log_access(db, staff=staff, action="unmask", person_id=person_id, purpose=reason, fields=UNMASKED_FIELDS)


def live_id_problem(text: str) -> str | None:
    """The message key of a complete-looking ID number that fails its check, else None."""
    number = normalize_id_input(text or "")
    if not _FULL_ID.fullmatch(number):
        return None
    return check_id_number(number).problem


class LookupScreen:
    """The search bar and the result area of one browser tab."""

    def __init__(self, staff: SessionStaff) -> None:
        self.profile: CustomerProfile | None = None
        self.profile_area: ui.column | None = None
        self.counter = CounterDesk(staff, after_submit=self._after_submit)
        self.masked = True
        self.showing_live_problem = False
        with ui.card().classes("w-full"):
            with ui.row().classes("w-full items-start gap-3 no-wrap"):
                self.query = (
                    ui.input(
                        t("ui.lookup.label"), placeholder=t("ui.lookup.placeholder"), on_change=self._check_as_typed
                    )
                    .props("autofocus outlined clearable autocomplete=off maxlength=40")
                    .classes("grow text-lg")
                    .mark("query")
                )
                self.purpose = (
                    ui.select(
                        {p: t(f"ui.purpose.{p}") for p in LOOKUP_PURPOSES},
                        value=LOOKUP_PURPOSES[0],
                        label=t("ui.lookup.purpose"),
                    )
                    .props("outlined")
                    .classes("w-44")
                    .mark("purpose")
                )
                ui.button(t("ui.lookup.search"), icon="search", on_click=self.search).props(
                    "no-caps unelevated size=lg"
                ).mark("search")
            self.message = ui.label().classes("text-sm min-h-[1.25rem]").mark("lookup-message")
        self.results = ui.column().classes("w-full gap-4").mark("results")
        on_enter(self.query, self.search)  # the scanner's number as typed, even before the page is connected
        self.may_unmask = may_unmask(staff.role)

    def _say(self, text: str, tone: str) -> None:
        self.message.text = text
        self.message.classes(replace=f"text-sm min-h-[1.25rem] text-{tone}")

    def _check_as_typed(self) -> None:
        apply_language()  # a pure check of the typed text: no data is read, so no session check
        problem = live_id_problem(self.query.value)
        if problem:
            self._say(t(problem), "negative")
        elif self.showing_live_problem:
            self._say("", "secondary")
        self.showing_live_problem = problem is not None

    async def search(self) -> None:
        """Look up what is in the input and show the profile, the candidates or why nothing was found."""
        staff = require_staff()
        text = (self.query.value or "").strip()
        if staff is None or not text:
            return
        searched = await run.io_bound(_search, text, staff, self.purpose.value)
        assert searched is not None, "None only when the server is shutting down"
        outcome, profile = searched
        self.query.run_method("select")  # the next scan or typing replaces the old query
        self.showing_live_problem = False
        self.results.clear()
        if outcome.kind == FOUND and profile is not None:
            self._say("", "secondary")
            self._clear_query()
            await self._open(profile)
        elif outcome.kind == CANDIDATES:
            self._say(outcome.message(), "secondary")
            self._candidates(outcome.candidates)
        else:
            self._say(outcome.message(), "negative")

    def _candidates(self, candidates: tuple[Candidate, ...]) -> None:
        with self.results, ui.card().classes("w-full").mark("candidates"):
            ui.label(t("ui.lookup.choose")).classes("font-bold")
            with ui.list().props("separator").classes("w-full"):
                for candidate in candidates:
                    with ui.item(on_click=lambda c=candidate: self._choose(c.person_id)).mark(
                        f"candidate {candidate.person_id}"
                    ):
                        with ui.item_section():
                            ui.item_label(candidate.name).classes("font-bold").mark(
                                f"candidate-name {candidate.person_id}"
                            )
                        with ui.item_section():
                            ui.item_label(t("records.lookup.candidate_age", age=candidate.age)).mark(
                                f"candidate-age {candidate.person_id}"
                            )
                        with ui.item_section():
                            ui.item_label(candidate.id_number).classes("font-mono")
                        with ui.item_section():
                            ui.item_label(candidate.phone).classes("font-mono")

    async def _choose(self, person_id: int) -> None:
        staff = require_staff()
        if staff is None:
            return
        profile = await run.io_bound(_open_candidate, person_id, staff, self.purpose.value)
        assert profile is not None, "None only when the server is shutting down"
        self.results.clear()
        self._say("", "secondary")
        self._clear_query()
        await self._open(profile)

    def _clear_query(self) -> None:
        """The customer is open: the box empties, so the full ID number the scanner typed does not stay on
        screen beside the masked profile, and the next scan starts from nothing (the focus goes on to the
        business the clerk picks next)."""
        self.query.value = ""

    async def _open(self, profile: CustomerProfile, resume: CaseState | None = None) -> None:
        """A new customer: a fresh counter panel (continuing `resume` if given) beside the profile on a wide
        screen, above it on a narrow one."""
        self.results.clear()
        with self.results, ui.element("div").classes("desk-counter-sheet w-full").mark("counter-sheet"):
            await self.counter.show(profile, resume)
            self.profile_area = ui.column().classes("w-full").mark("profile-area")
        self._show(profile)

    async def _after_submit(self) -> None:
        """The next customer's scan goes to the lookup again; the profile shows the payment just posted."""
        self.query.run_method("select")
        staff = require_staff()
        if staff is None or self.profile is None:
            return
        profile = await run.io_bound(_open_candidate, self.profile.person.person_id, staff, self.purpose.value)
        assert profile is not None, "None only when the server is shutting down"
        self._show(profile, masked=self.masked)

    async def resume_case(self, case_no: str) -> None:
        """Open one of the clerk's returned cases for 补正 (from 我的业务)."""
        staff = require_staff()
        if staff is None:
            return
        try:
            case = await run.io_bound(reopen_case, case_no=case_no, staff=staff)
        except CaseError as refused:
            self._say(refused.message(), "negative")
            return
        assert case is not None, "None only when the server is shutting down"
        profile = await run.io_bound(_open_candidate, case.person_id, staff, self.purpose.value)
        assert profile is not None, "None only when the server is shutting down"
        await self._open(profile, resume=case if case.state in workflow_rules().editable_states else None)

    async def recover_submission(self, browser_was_submitting: bool) -> None:
        """After a lost answer (the server restarted while submitting): say what became of the submission.

        `browser_was_submitting`: the Submit click's cookie came with this page; without a row the
        server never started that submission, so it did not go through.
        """
        staff = require_staff()
        if staff is None:
            return
        taken = await run.io_bound(take_unanswered, staff=staff.username)
        assert taken is not None, "None only when the server is shutting down"
        unanswered, in_flight = taken
        if browser_was_submitting:
            ui.run_javascript(CLEAR_SUBMITTING_JS)
        if not unanswered:
            if browser_was_submitting and not in_flight:
                self._say(t("counter.recovered.lost"), "negative")
            return
        lines = []
        for submission in unanswered:
            case = submission.case
            if case is None:
                lines.append(t("counter.recovered.lost"))
                continue
            lines.append(t("counter.recovered.found", case_no=case.case_no, state=t(f"cases.state.{case.state}")))
            with self.results:
                ui.link(t("counter.open_case.notice") + f" {case.case_no}", f"/counter/notice/{case.case_no}").classes(
                    "text-lg font-bold"
                ).mark("recovered-notice")
        recorded = all(submission.case is not None for submission in unanswered)
        self._say(" · ".join(lines) if len(lines) > 1 else lines[0], "positive" if recorded else "negative")

    def _show(self, profile: CustomerProfile, masked: bool = True) -> None:
        self.profile, self.masked = profile, masked
        assert self.profile_area is not None, "made by _open, which shows every profile first"
        self.profile_area.clear()  # unmasking redraws the profile only; the counter keeps its state
        with self.profile_area:
            show_profile(
                profile,
                masked=masked,
                on_unmask=self._ask_unmask if self.may_unmask else None,
                trial_url=trial_url(profile.person.person_id, self.purpose.value),
            )

    def _ask_unmask(self) -> None:
        """A dialog asking why; only a chosen reason reveals the numbers (and is logged)."""
        apply_language()
        with ui.dialog(value=True) as dialog, ui.card().classes("gap-3 w-96").mark("unmask-dialog"):
            ui.label(t("ui.unmask.title")).classes("text-lg font-bold")
            ui.label(t("ui.unmask.explain")).classes("text-sm text-secondary")
            reason = ui.radio({r: t(f"ui.unmask_reason.{r}") for r in UNMASK_REASONS}).mark("unmask-reason")
            error = ui.label().classes("text-negative text-sm")
            with ui.row().classes("w-full justify-end"):
                ui.button(t("ui.cancel"), on_click=dialog.close).props("no-caps flat")
                confirm = (
                    ui.button(t("ui.unmask.confirm"), icon="visibility")
                    .props("no-caps unelevated")
                    .mark("unmask-confirm")
                )

        async def reveal() -> None:
            staff = require_staff()
            if staff is None or self.profile is None:
                return
            if not reason.value:
                error.text = t("ui.unmask.need_reason")
                return
            await run.io_bound(_log_unmask, self.profile.person.person_id, staff, reason.value)
            dialog.close()
            self._show(self.profile, masked=False)

        confirm.on_click(reveal)


def register() -> None:
    """Add the /lookup page."""

    @ui.page("/lookup")
    async def lookup_page(case: str = "") -> None:
        with frame("ui.lookup.title", wide=True) as staff:
            screen = LookupScreen(staff)
        await screen.recover_submission(SUBMITTING_COOKIE in ui.context.client.request.cookies)
        if case.strip():
            await screen.resume_case(case.strip()[:20])
