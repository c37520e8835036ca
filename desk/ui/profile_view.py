"""The customer profile at a glance: identity, account, employer, deposits, withdrawals, loans, registry facts.

`show_profile(profile, masked=…, on_unmask=…, trial_url=…)` renders a `CustomerProfile` (desk.records.profile)
as cards. ID, phone and card numbers (and personal values inside registry facts) are masked
unless `masked` is False; revealing them is the caller's logged act.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from nicegui import ui

from desk.i18n import t
from desk.money import Money, format_money
from desk.records.calendar_months import add_months, month_start
from desk.records.profile import CustomerProfile, DepositMonth
from desk.records.registries import NOT_PROVEN, PROVEN, RegistryAnswer
from desk.security.masking import mask_card, mask_id_number, mask_phone
from desk.ui.fact_text import fact_lines
from desk.ui.formatting import day, month, percent
from desk.ui.palette import PRIMARY

CHART_MONTHS = 24
# account status code -> Quasar colour of its badge (domain.md §4 codes)
STATUS_COLOURS = {"00": "grey", "01": "positive", "02": "warning", "06": "negative"}
REGISTRY_COLOURS = {PROVEN: "positive", NOT_PROVEN: "grey-7"}


def _card(title_key: str, marker: str) -> ui.card:
    card = ui.card().classes("w-full gap-2").mark(marker)
    with card:
        ui.label(t(title_key)).classes("text-base font-bold text-primary")
    return card


def _field(label_key: str, value: str | None, marker: str | None = None) -> None:
    # `value` is None only as the maskers are typed (they pass None through); a label shows None as nothing
    with ui.row().classes("w-full justify-between gap-2 no-wrap"):
        ui.label(t(label_key)).classes("text-secondary text-sm shrink-0")
        text = ui.label(value or "").classes("text-right")
        if marker:
            text.mark(marker)


def _identity(profile: CustomerProfile, masked: bool, on_unmask: Callable[[], None] | None) -> None:
    person = profile.person
    with _card("ui.profile.identity", "card-identity"):
        ui.label(person.name).classes("text-2xl font-bold").mark("customer-name")
        _field("ui.profile.id_number", mask_id_number(person.id_number) if masked else person.id_number, "id-number")
        _field("ui.profile.sex_age", t("ui.profile.sex_age_value", sex=t(f"ui.sex.{person.sex}"), age=person.age))
        _field("ui.profile.birth_date", day(person.birth_date))
        _field("ui.profile.phone", mask_phone(person.phone) if masked else person.phone, "phone")
        _field("ui.profile.address", person.address)
        if masked and on_unmask is not None:
            ui.button(t("ui.unmask.button"), icon="visibility", on_click=on_unmask).props("no-caps flat dense").mark(
                "unmask"
            )
        elif not masked:
            ui.label(t("ui.unmask.shown")).classes("text-xs text-warning").mark("unmasked-note")


def _account(profile: CustomerProfile, masked: bool) -> None:
    account = profile.account
    with _card("ui.profile.account", "card-account"):
        if account is None:
            ui.label(t("ui.profile.no_account")).classes("text-secondary")
            return
        with ui.row().classes("items-center gap-2"):
            ui.label(format_money(account.balance_fen)).classes("text-3xl font-bold").mark("balance")
            ui.badge(account.status_label, color=STATUS_COLOURS.get(account.status_code, "grey-8")).classes(
                "text-sm"
            ).mark("account-status")
        _field("ui.profile.account_no", account.account_no, "account-no")
        _field("ui.profile.status_since", day(account.status_since))
        _field("ui.profile.deposit_base", format_money(account.deposit_base_fen))
        _field(
            "ui.profile.rates",
            t("ui.profile.rates_value", personal=account.personal_rate_pct, employer=account.employer_rate_pct),
        )
        _field("ui.profile.monthly_deposit", format_money(account.monthly_deposit_fen))
        _field("ui.profile.consecutive", t("ui.profile.months", count=account.consecutive_months))
        _field("ui.profile.bank_card", mask_card(account.bank_card_no) if masked else account.bank_card_no)
        if account.bank_card_warning:
            ui.label(t(account.bank_card_warning)).classes("text-xs text-warning")


def _employer(profile: CustomerProfile) -> None:
    employer = profile.employer
    with _card("ui.profile.employer", "card-employer"):
        if employer is None:
            ui.label(t("ui.profile.no_employer")).classes("text-secondary")
            return
        ui.label(employer.name).classes("text-lg font-bold").mark("employer-name")
        _field("ui.profile.unit_account", employer.unit_account)
        _field("ui.profile.credit_code", employer.credit_code)
        if employer.credit_code_problem:
            ui.label(t(employer.credit_code_problem)).classes("text-xs text-negative")
        _field("ui.profile.employer_status", employer.status_label)


def deposit_series(deposits: tuple[DepositMonth, ...], today: date) -> tuple[list[str], list[float]]:
    """(month labels, yuan) for the last 24 months up to `today`, oldest first; missed months are 0."""
    by_month: dict[date, int] = {}
    for entry in deposits:
        by_month[entry.period] = by_month.get(entry.period, 0) + entry.amount_fen
    first = add_months(month_start(today), -(CHART_MONTHS - 1))
    months = [add_months(first, i) for i in range(CHART_MONTHS)]
    return [month(m) for m in months], [float(Money(by_month.get(m, 0)).yuan) for m in months]


def _deposits(profile: CustomerProfile) -> None:
    labels, amounts = deposit_series(profile.deposits, profile.as_of.date())
    paid = sum(1 for a in amounts if a > 0)
    with _card("ui.profile.deposits", "card-deposits").classes("desk-span-2"):
        ui.label(t("ui.profile.deposits_summary", paid=paid, total=CHART_MONTHS)).classes(
            "text-sm text-secondary"
        ).mark("deposits-summary")
        ui.echart(
            {
                "grid": {"left": 56, "right": 8, "top": 12, "bottom": 28},
                "tooltip": {"trigger": "axis"},
                "xAxis": {"type": "category", "data": labels, "axisLabel": {"interval": 5}},
                "yAxis": {"type": "value", "axisLabel": {"formatter": "¥{value}"}},
                "series": [{"type": "bar", "data": amounts, "itemStyle": {"color": PRIMARY}}],
            }
        ).classes("w-full h-44").mark("deposit-chart")


def _withdrawals(profile: CustomerProfile) -> None:
    today = profile.as_of.date()
    with _card("ui.profile.withdrawals", "card-withdrawals"):
        if not profile.withdrawals:
            ui.label(t("ui.profile.no_withdrawals")).classes("text-secondary")
        for item in profile.withdrawals[:6]:
            with ui.column().classes("w-full gap-0 border-b border-gray-200 pb-1"):
                with ui.row().classes("w-full justify-between no-wrap").mark(f"withdrawal {item.case_no or ''}"):
                    label = t("ui.profile.clawback") if item.is_clawback else item.reason_label
                    ui.label(f"{day(item.withdrawn_on)} {label}")
                    sign = "+" if item.is_clawback else ""  # a claw-back puts money back
                    ui.label(sign + format_money(item.amount_fen)).classes(
                        "font-mono " + ("text-positive" if item.is_clawback else "")
                    )
                if item.case_no:
                    ui.label(item.case_no).classes("text-xs font-mono text-secondary")
                if item.next_allowed_on and profile.next_allowed.get(item.reason_code) == item.next_allowed_on:
                    waiting = item.next_allowed_on > today
                    ui.label(t("ui.profile.next_allowed", date=day(item.next_allowed_on))).classes(
                        "text-xs " + ("text-warning" if waiting else "text-positive")
                    ).mark("next-allowed")


def _loans(profile: CustomerProfile, trial_url: str | None) -> None:
    with _card("ui.profile.loans", "card-loans"):
        if trial_url:  # a new tab, so the lookup (and the counter's case) stays as it was
            ui.button(t("loan_trial.ui.open"), icon="calculate").props(
                f'no-caps outline dense href="{trial_url}" target=_blank'
            ).mark("open-loan-trial")
        if not profile.loans:
            ui.label(t("ui.profile.no_loans")).classes("text-secondary")
        for loan in profile.loans:
            with ui.column().classes("w-full gap-0 border-b border-gray-200 pb-1"):
                with ui.row().classes("w-full justify-between no-wrap"):
                    ui.label(loan.loan_no).classes("font-mono")
                    ui.badge(t(f"ui.loan_status.{loan.status}"), color="primary" if loan.status == "open" else "grey")
                _field("ui.profile.loan_amount", format_money(loan.amount_fen))
                _field("ui.profile.loan_outstanding", format_money(loan.outstanding_fen))
                _field(
                    "ui.profile.loan_terms",
                    t(
                        "ui.profile.loan_terms_value",
                        rate=percent(loan.annual_rate_pct),
                        months=loan.term_months,
                        method=loan.repayment_method_label,
                    ),
                )
                _field("ui.profile.loan_monthly", format_money(loan.monthly_payment_fen))


def _registry_row(answer: RegistryAnswer, masked: bool) -> None:
    with (
        ui.row()
        .classes("w-full no-wrap items-start gap-3 border-b border-gray-200 pb-1")
        .mark(f"registry {answer.kind}")
    ):
        with ui.column().classes("w-36 shrink-0 gap-0"):
            ui.label(t(f"records.fact_kind.{answer.kind}")).classes("font-bold")
            ui.badge(t(f"ui.registry_status.{answer.status}"), color=REGISTRY_COLOURS.get(answer.status, "warning"))
        with ui.column().classes("grow gap-0 text-sm"):
            if answer.proven:
                for line in fact_lines(answer.facts[0].payload, masked=masked):
                    ui.label(line)
            elif answer.reason_key:
                ui.label(t(answer.reason_key)).classes("text-warning")
        with ui.column().classes("w-48 shrink-0 gap-0 text-right text-xs text-secondary"):
            ui.label(t(f"records.source.{answer.source}"))
            ui.label(t("ui.profile.as_of", date=day(answer.as_of)))


def _registry(profile: CustomerProfile, masked: bool) -> None:
    """Facts (and sources that could not answer) in full; sources with no record as one line of chips."""
    no_record = [a for a in profile.registry if a.status == NOT_PROVEN]
    with _card("ui.profile.registry", "card-registry").classes("desk-span-2"):
        for answer in profile.registry:
            if answer.status != NOT_PROVEN:
                _registry_row(answer, masked)
        if no_record:
            with ui.row().classes("w-full items-center gap-1").mark("registry-no-record"):
                ui.label(t("ui.registry_status.not_proven")).classes("text-sm text-secondary mr-2")
                for answer in no_record:
                    with ui.chip(t(f"records.fact_kind.{answer.kind}")).props("dense outline color=grey-7"):
                        ui.tooltip(
                            f"{t(f'records.source.{answer.source}')} · {t('ui.profile.as_of', date=day(answer.as_of))}"
                        )


def show_profile(
    profile: CustomerProfile, *, masked: bool, on_unmask: Callable[[], None] | None, trial_url: str | None = None
) -> None:
    """Render every card of the profile into the current container (with a link to the loan trial at
    `trial_url` on the loans card, when given)."""
    # columns by the width the profile has (a container query), not the screen's: beside the counter on a
    # wide screen it has about 700 px, below it the whole width
    with ui.element("div").classes("desk-profile w-full").mark("profile"):
        _identity(profile, masked, on_unmask)
        _account(profile, masked)
        _employer(profile)
        _deposits(profile)
        _withdrawals(profile)
        _loans(profile, trial_url)
        _registry(profile, masked)
