"""The admin's view of the append-only access log: who read which customer, when and why."""

from __future__ import annotations

from nicegui import run, ui

from desk.db import session_scope
from desk.i18n import catalog, t
from desk.security.access_log import AccessLog
from desk.security.access_log_query import recent_access
from desk.security.purposes import LOOKUP_PURPOSES, UNMASK_REASONS
from desk.ui.auth import require_staff
from desk.ui.theme import frame

_COLUMNS = ("at", "staff", "role", "action", "person_id", "purpose", "fields", "case_no")
_PURPOSES = {**{p: f"ui.purpose.{p}" for p in LOOKUP_PURPOSES}, **{r: f"ui.unmask_reason.{r}" for r in UNMASK_REASONS}}


def _label(key: str, raw: str) -> str:
    """The label of a logged code, or the code itself when it has none (never hide what was logged)."""
    return t(key) if key in catalog() else raw


def _field_label(field: str) -> str:
    return _label(f"ui.logged_field.{field}", field)


def _entries(staff_filter: str) -> list[AccessLog]:
    with session_scope() as db:
        return recent_access(db, staff=staff_filter or None)


def _rows(entries: list[AccessLog]) -> list[dict]:
    """Table rows in the current language (run in the event loop, where the language is set)."""
    return [
        {
            "id": e.id,
            "at": e.at.strftime("%Y-%m-%d %H:%M:%S"),
            "staff": e.staff,
            "role": t(f"role.{e.role}") if e.role else "",
            "action": _label(f"ui.access_action.{e.action}", e.action),
            "person_id": e.person_id if e.person_id is not None else "",
            "purpose": t(_PURPOSES[e.purpose])
            if e.purpose in _PURPOSES
            else _label(f"ui.purpose.{e.purpose}", e.purpose),
            "fields": t("ui.fact.separator").join(_field_label(f) for f in e.fields.split(",") if f),
            "case_no": e.case_no or "",
        }
        for e in entries
    ]


def register() -> None:
    """Add the /admin/access-log page."""

    @ui.page("/admin/access-log")
    async def access_log_page() -> None:
        # the listeners are attached as the input is made, before the first await sends the page
        # (see desk/ui/pages/archive_fixity.py): a later one makes the browser re-render the input
        table: ui.table | None = None

        async def refilter() -> None:
            if require_staff() is not None and table is not None:
                entries = await run.io_bound(_entries, staff_filter.value or "")
                assert entries is not None, "None only when the server is shutting down"
                table.rows = _rows(entries)

        with frame("ui.access_log.title", wide=True):
            ui.label(t("ui.access_log.title")).classes("text-2xl font-bold")
            ui.label(t("ui.access_log.hint")).classes("text-secondary text-sm")
            staff_filter = (
                ui.input(t("ui.access_log.filter_staff"))
                .props("outlined dense clearable")
                .classes("w-80")
                .on("keydown.enter", refilter)
                .on("clear", refilter)
                .mark("filter-staff")
            )
            columns = [{"name": c, "label": t(f"ui.access_log.{c}"), "field": c, "align": "left"} for c in _COLUMNS]
            entries = await run.io_bound(_entries, "")
            assert entries is not None, "None only when the server is shutting down"
            table = (
                ui.table(columns=columns, rows=_rows(entries), row_key="id")
                .props("flat bordered dense")
                .classes("w-full")
                .mark("access-log")
            )
