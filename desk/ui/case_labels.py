"""How cases read on the supervisor's pages: business and state labels, badge colours, local times, due dates."""

from __future__ import annotations

from datetime import UTC, date, datetime

from desk.cases.catalog import get_catalog
from desk.i18n import catalog, t
from desk.ui.formatting import day

# case state -> Quasar colour of its badge
STATE_COLOURS = {
    "draft": "grey-6",
    "submitted": "primary",
    "approved": "positive",
    "rejected": "negative",
    "returned": "warning",
    "paid": "teal",
    "reviewed": "positive",
    "recourse": "negative",
    "closed": "grey-8",
}
# material status -> Quasar colour of its badge
MATERIAL_COLOURS = {
    "proven": "positive",
    "captured": "primary",
    "deferred": "warning",
    "missing": "negative",
    "unknown": "orange",
    "not_applicable": "grey-6",
}


def business_label(code: str) -> str:
    """'Withdrawal for rent (TQ401)' in the current language; the bare code for an unknown business."""
    business = get_catalog().get_business(code)
    return t("review.business", name=business.name(), code=code) if business else code


def material_label(code: str) -> str:
    """A material's name in the current language, or its code."""
    material = get_catalog().materials.get(code)
    return material.name() if material else code


def state_label(state: str | None) -> str:
    """A case state in words."""
    return t(f"cases.state.{state}") if state else "—"


def label_or_code(prefix: str, code: str | None) -> str:
    """The label `prefix + code` when the catalog has it, else the code itself (or a dash)."""
    if not code:
        return "—"
    return t(prefix + code) if prefix + code in catalog() else code


def moment(value: datetime | None) -> str:
    """An aware (or stored-UTC naive) time as the server's local 'YYYY-MM-DD HH:MM'."""
    if value is None:
        return "—"
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value
    return aware.astimezone().strftime("%Y-%m-%d %H:%M")


def due_text(due_on: date | None, overdue: bool, working_days: int | None) -> str:
    """'Due 2026-11-19, 2 working days left', 'due today', 'overdue by 3 working days', or just the date
    once the case is decided or when the calendar cannot count the days (`working_days` None)."""
    if due_on is None:
        return "—"
    if working_days is None and not overdue:
        return day(due_on)
    if overdue and working_days is None:  # past due, but the calendar lacks the year to count in
        return t("review.due.overdue_uncounted", date=day(due_on))
    if overdue:
        return t("review.due.overdue", date=day(due_on), days=working_days)
    if not working_days:
        return t("review.due.today", date=day(due_on))
    return t("review.due.left", date=day(due_on), days=working_days)
