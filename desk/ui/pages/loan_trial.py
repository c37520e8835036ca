"""The loan amount trial (额度试算) for one customer: /loan-trial/{person_id}, opened from the lookup.

The clerk types the price (or leaves it for the filed contract's), the term in years (or leaves it
for the longest allowed) and ticks what the customer declares; the page shows the most that can be
lent, the term, the monthly instalment both ways, and every limit with its rule, how it was
computed, its source and date of effect, the binding one highlighted. Each trial reads the
customer's data and so writes an access-log row (desk.cases.loan_trial computes; this only shows).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fastapi.responses import HTMLResponse
from nicegui import run, ui
from sqlmodel import Session

from desk.cases.catalog import get_catalog
from desk.cases.loan_trial import (
    LoanTrial,
    TrialLimit,
    TrialRefused,
    bonus_declarations,
    loan_trial,
    months_text,
    trial_businesses,
)
from desk.db import session_scope
from desk.i18n import t
from desk.money import Money, MoneyError, format_money
from desk.records.profile import CustomerNotFound
from desk.records.tables import Person
from desk.security.access_log import log_access
from desk.security.masking import mask_id_number, mask_name
from desk.security.purposes import LOOKUP_PURPOSES
from desk.ui.auth import not_found_page, require_staff
from desk.ui.formatting import day, percent
from desk.ui.route_ids import parse_id
from desk.ui.session import SessionStaff
from desk.ui.theme import frame

PATH = "/loan-trial"
DEFAULT_BUSINESS = "DK101"
MAX_TERM_YEARS = 30  # the input's bound only; the catalog's rules decide the real longest term


def trial_url(person_id: int, purpose: str | None = None) -> str:
    """The trial page of a customer, remembering why the clerk looked the customer up."""
    return f"{PATH}/{person_id}" + (f"?purpose={purpose}" if purpose in LOOKUP_PURPOSES else "")


@dataclass(frozen=True)
class TrialInput:
    """What the clerk typed: business, price (fen), term (months), declarations."""

    business: str
    price_fen: int | None
    term_months: int | None
    declared: tuple[str, ...]


def _customer(db: Session, person_id: int) -> str:
    person = db.get(Person, person_id)
    if person is None:
        raise CustomerNotFound(person_id)
    return f"{mask_name(person.name)} · {mask_id_number(person.id_number)}"


def _run(person_id: int, request: TrialInput, staff: SessionStaff, purpose: str) -> tuple[LoanTrial, str]:
    """The trial and the masked customer heading; the read is logged with the trial."""
    with session_scope() as db:
        heading = _customer(db, person_id)
        trial = loan_trial(
            db,
            person_id,
            business_code=request.business,
            price_fen=request.price_fen,
            term_months=request.term_months,
            declared=request.declared,
        )
        log_access(db, staff=staff, action="loan_trial", person_id=person_id, purpose=purpose)
        return trial, heading


def _stat(label_key: str, value: str, marker: str, *, big: bool = False, note: str = "") -> None:
    with ui.column().classes("gap-0 min-w-[10rem]"):
        ui.label(t(label_key)).classes("text-xs text-secondary")
        ui.label(value).classes("font-bold " + ("text-3xl text-primary" if big else "text-lg")).mark(marker)
        if note:
            ui.label(note).classes("text-xs text-secondary")


def _rule_cell(limit: TrialLimit, rows: int) -> None:
    """The rule, its source and date of effect, once for the consecutive limits that come from it."""
    with (
        ui.element("td")
        .classes("py-2 pl-3 text-xs text-secondary font-normal align-top border-l border-gray-200")
        .props(f"rowspan={rows}")
    ):
        ui.label(limit.rule_label()).classes("text-sm text-black")
        ui.label(limit.source)
        ui.label(t("loan_trial.ui.effective_from", date=day(limit.effective_from)))


def _limit_row(limit: TrialLimit, rule_rows: int) -> None:
    """One row of the limits table; the binding one stands out (colour, weight and a badge)."""
    tone = "bg-amber-1 font-bold" if limit.binding else ""
    with (
        ui.element("tr")
        .classes(f"border-b border-gray-200 align-top {tone}")
        .mark(f"limit {limit.name}" + (f" binding-limit binding-{limit.kind}" if limit.binding else ""))
    ):
        with ui.element("td").classes("py-2 pr-3 whitespace-nowrap"):
            ui.label(limit.title())
            if limit.binding:
                ui.badge(t("loan_trial.binding"), color="warning").props("text-color=black").mark("binding")
        with ui.element("td").classes("py-2 pr-4 text-right whitespace-nowrap tabular-nums"):
            ui.label(limit.value_text())
        with ui.element("td").classes("py-2 pr-3 text-sm font-normal"):
            ui.label(limit.how())
        if rule_rows:
            _rule_cell(limit, rule_rows)


def _rule_rows(limits: tuple[TrialLimit, ...]) -> list[int]:
    """For each limit, how many rows its rule cell spans: the run length on a rule's first row, 0 after."""
    spans = [0] * len(limits)
    start = 0
    for index in range(1, len(limits) + 1):
        if index == len(limits) or limits[index].rule != limits[start].rule:
            spans[start] = index - start
            start = index
    return spans


def show_trial(trial: LoanTrial) -> None:
    """The result: the figures, the limits table and the notes."""
    home = t(f"loan_trial.home.{'second' if trial.second_home else 'first'}")
    with ui.card().classes("w-full gap-3").mark("trial-result"):
        with ui.row().classes("w-full items-start gap-8"):
            _stat("loan_trial.max_amount", format_money(trial.max_amount_fen), "max-amount", big=True)
            chosen = trial.term_months < trial.max_term_months
            _stat(
                "loan_trial.term",
                months_text(trial.term_months),
                "term",
                note=t("loan_trial.ui.longest", term=months_text(trial.max_term_months)) if chosen else "",
            )
            _stat(
                "loan_trial.rate",
                t("loan_trial.rate_value", rate=percent(trial.rate_pct).rstrip("%"), home=home),
                "rate",
            )
            _stat("loan_trial.instalment", format_money(trial.instalment_fen), "instalment", big=True)
        with ui.row().classes("w-full gap-8 text-sm"):
            falling = t(
                "loan_trial.equal_principal_value",
                first=format_money(trial.equal_principal.first_fen),
                last=format_money(trial.equal_principal.last_fen),
            )
            ui.label(t("loan_trial.cli.field", label=t("loan_trial.equal_principal"), value=falling)).mark(
                "equal-principal"
            )
            ui.label(
                t(
                    "loan_trial.cli.field",
                    label=t("loan_trial.interest_total"),
                    value=t(
                        "loan_trial.interest",
                        annuity=format_money(trial.equal_instalments.interest_fen),
                        principal=format_money(trial.equal_principal.interest_fen),
                    ),
                )
            )
        price = format_money(trial.price_fen) if trial.price_fen is not None else t("loan_trial.no_price")
        source = f" · {t('loan_trial.price_source.' + trial.price_source)}" if trial.price_source else ""
        ui.label(t("loan_trial.cli.field", label=t("loan_trial.price"), value=price + source)).classes("text-sm").mark(
            "price"
        )
        verdict = "eligible" if trial.eligible else "not_eligible"
        ui.label(t(f"loan_trial.{verdict}")).classes(
            "text-sm font-bold " + ("text-positive" if trial.eligible else "text-negative")
        ).mark("verdict")

    with ui.card().classes("w-full gap-2").mark("trial-limits"):
        ui.label(t("loan_trial.limits")).classes("text-base font-bold text-primary")
        with ui.element("table").classes("w-full text-left border-collapse"):
            with ui.element("thead"), ui.element("tr").classes("border-b-2 border-gray-300 text-sm text-secondary"):
                columns = (("col_limit", ""), ("col_value", "text-right"), ("col_how", ""), ("col_rule", "w-1/4"))
                for key, align in columns:
                    with ui.element("th").classes(f"py-1 px-3 first:pl-0 font-normal {align}"):
                        ui.label(t(f"loan_trial.ui.{key}"))
            with ui.element("tbody"):
                for limit, rule_rows in zip(trial.limits, _rule_rows(trial.limits)):
                    _limit_row(limit, rule_rows)

    if trial.reasons:
        with ui.card().classes("w-full gap-1").mark("trial-reasons"):
            ui.label(t("loan_trial.reasons")).classes("text-base font-bold text-primary")
            for reason in trial.reasons:
                tone = "text-negative" if reason.rule is not None else "text-warning"
                ui.label(f"• {reason.text()}").classes(f"text-sm {tone}")
    ui.label(t("loan_trial.disclaimer")).classes("text-xs text-secondary")


class TrialScreen:
    """The inputs and the result area of one tab."""

    def __init__(self, person_id: int, purpose: str) -> None:
        self.person_id, self.purpose = person_id, purpose
        catalog = get_catalog()
        self.codes = trial_businesses(catalog)
        self.heading = ui.label().classes("text-2xl font-bold").mark("trial-customer")
        with ui.card().classes("w-full gap-3").mark("trial-inputs"):
            with ui.row().classes("w-full items-start gap-4"):
                self.business = (
                    ui.select(
                        {code: f"{code} {catalog.business[code].name()}" for code in self.codes},
                        value=DEFAULT_BUSINESS if DEFAULT_BUSINESS in self.codes else self.codes[0],
                        label=t("loan_trial.ui.business"),
                        on_change=lambda: self._declarations.refresh(),
                    )
                    .props("outlined")
                    .classes("w-96")
                    .mark("trial-business")
                )
                self.price = (
                    ui.input(t("loan_trial.ui.price"))
                    .props("outlined clearable inputmode=decimal")
                    .classes("w-72")
                    .mark("trial-price")
                )
                self.price.props["hint"] = t("loan_trial.ui.price_hint")
                self.term = (
                    ui.number(t("loan_trial.ui.term_years"), min=1, max=MAX_TERM_YEARS, step=1, precision=0)
                    .props("outlined clearable")
                    .classes("w-64")
                    .mark("trial-term")
                )
                self.term.props["hint"] = t("loan_trial.ui.term_hint")
                ui.button(t("loan_trial.ui.compute"), icon="calculate", on_click=self.compute).props(
                    "no-caps unelevated size=lg"
                ).mark("trial-compute")
            self.boxes: dict[str, ui.checkbox] = {}
            self._declarations()
            self.message = ui.label().classes("text-sm text-negative").mark("trial-message")
        self.result = ui.column().classes("w-full gap-4").mark("trial-area")
        self.price.on("keydown.enter", self.compute)

    @ui.refreshable_method
    def _declarations(self) -> None:
        """One checkbox per declaration that raises the business's ceiling (labels from the catalog)."""
        catalog = get_catalog()
        names = bonus_declarations(catalog, self.business.value, date.today())
        self.boxes = {}
        with ui.row().classes("items-center gap-x-4 gap-y-0"):
            ui.label(t("loan_trial.ui.declarations")).classes("text-sm text-secondary")
            for name in names:
                self.boxes[name] = ui.checkbox(catalog.declarations[name].name()).mark(f"declare {name}")

    def _input(self) -> TrialInput | None:
        """The typed inputs, or None after saying what is wrong."""
        try:
            price = Money.optional(self.price.value)
        except MoneyError:
            self.message.text = t("loan_trial.refused.bad_price")
            return None
        years = self.term.value
        declared = tuple(name for name, box in self.boxes.items() if box.value)
        return TrialInput(
            self.business.value, price.fen if price else None, int(years) * 12 if years else None, declared
        )

    async def compute(self) -> None:
        """Run the trial with the inputs and show it (and log the read)."""
        staff = require_staff()
        request = self._input()
        if staff is None or request is None:
            return
        try:
            ran = await run.io_bound(_run, self.person_id, request, staff, self.purpose)
        except TrialRefused as refusal:
            self.message.text = refusal.message()
            return
        except CustomerNotFound:
            self.message.text = t("loan_trial.refused.not_found")
            return
        assert ran is not None, "None only when the server is shutting down"
        trial, heading = ran
        self.message.text = ""
        self.heading.text = t("loan_trial.cli.field", label=t("loan_trial.ui.customer"), value=heading)
        self.result.clear()
        with self.result:
            show_trial(trial)


def register() -> None:
    """Add the /loan-trial/{person_id} page."""

    @ui.page(PATH + "/{person_id}")
    async def loan_trial_page(person_id: str, purpose: str = LOOKUP_PURPOSES[0]) -> HTMLResponse | None:
        person = parse_id(person_id)
        if person is None:
            return not_found_page()
        with frame("loan_trial.ui.title"):
            ui.link(t("loan_trial.ui.back"), "/lookup").classes("text-sm").mark("back")
            screen = TrialScreen(person, purpose if purpose in LOOKUP_PURPOSES else LOOKUP_PURPOSES[0])
        await screen.compute()
        return None
