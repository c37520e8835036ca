"""The admin's staff page: every account, add one, set the hall one works in, reset a password, deactivate or
reactivate.

New and reset passwords are generated at random and shown once in a dialog, so no admin ever
types (or chooses) a staff member's password.
"""

from __future__ import annotations

from collections.abc import Callable

from nicegui import run, ui

from desk.db import session_scope
from desk.i18n import t
from desk.security.halls import centre_halls, hall_label
from desk.security.passwords import generate_password
from desk.security.roles import ROLES
from desk.security.staff import Staff, StaffError, add_staff, list_staff, set_active, set_hall, set_password
from desk.ui.auth import require_staff
from desk.ui.theme import frame

_GRID = "grid-template-columns: 10rem 8rem 8rem 14rem 6rem 8rem 1fr"
CENTRE_WIDE = ""  # the hall select's value for an account without a hall


def _all_staff() -> list[Staff]:
    with session_scope() as db:
        return list_staff(db)


def _add(username: str, display_name: str, role: str, password: str, hall: str | None) -> str:
    with session_scope() as db:
        staff = add_staff(db, username=username, display_name=display_name, role=role, password=password, hall=hall)
        return staff.username


def _move(username: str, hall: str | None) -> None:
    with session_scope() as db:
        set_hall(db, username=username, hall=hall)


def hall_options() -> dict[str, str]:
    """The hall select's choices: every hall of the centre, then centre-wide."""
    return {hall.code: hall.name() for hall in centre_halls().halls} | {CENTRE_WIDE: hall_label(None)}


def _reset(username: str, password: str) -> None:
    with session_scope() as db:
        set_password(db, username=username, password=password)


def _activate(username: str, active: bool) -> None:
    with session_scope() as db:
        set_active(db, username=username, active=active)


def _show_password(username: str, password: str) -> None:
    """A dialog with the one-time password: the only place it is ever shown."""
    with ui.dialog(value=True) as dialog, ui.card().classes("gap-3"):
        ui.label(t("ui.staff.password_once", username=username)).classes("font-bold")
        ui.label(password).classes("text-2xl font-mono select-all").mark("new-password")
        ui.button(t("ui.close"), on_click=dialog.close).props("no-caps unelevated")


async def _reset_and_show(username: str) -> None:
    if require_staff() is None:
        return
    password = generate_password()
    await run.io_bound(_reset, username, password)
    _show_password(username, password)


def _staff_grid(me: str, refresh: Callable[[], object]) -> None:
    """One row per account with its actions."""

    async def toggle(username: str, active: bool) -> None:
        if require_staff() is not None:
            await run.io_bound(_activate, username, active)
            refresh()

    async def move(username: str, hall: str) -> None:
        if require_staff() is None:
            return
        try:
            await run.io_bound(_move, username, hall or None)
        except StaffError as error:  # a clerk or supervisor cannot be centre-wide
            ui.notify(t(error.key, None, **error.params), type="negative")
        refresh()

    with ui.element("div").classes("grid gap-x-4 gap-y-2 items-center w-full").style(_GRID):
        for key in ("username", "display_name", "role", "hall", "state", "created"):
            ui.label(t(f"ui.staff.{key}")).classes("text-xs text-secondary font-bold")
        ui.label("")
        for staff in _all_staff():
            ui.label(staff.username).classes("font-mono").mark(f"row {staff.username}")
            ui.label(staff.display_name)
            ui.label(t(f"role.{staff.role}"))
            ui.select(
                hall_options(),
                value=staff.hall or CENTRE_WIDE,
                on_change=lambda event, s=staff: move(s.username, event.value),
            ).props("outlined dense").classes("w-full").mark(f"hall {staff.username}")
            ui.label(t("staff.active") if staff.active else t("staff.inactive")).classes(
                "text-positive" if staff.active else "text-negative"
            ).mark(f"state {staff.username}")
            ui.label(staff.created_at.strftime("%Y-%m-%d"))
            with ui.row().classes("gap-1"):
                ui.button(t("ui.staff.reset"), icon="key", on_click=lambda s=staff: _reset_and_show(s.username)).props(
                    "no-caps flat dense"
                ).mark(f"reset {staff.username}")
                if staff.username != me:  # an admin cannot lock themselves out
                    label = "ui.staff.deactivate" if staff.active else "ui.staff.activate"
                    ui.button(t(label), on_click=lambda s=staff: toggle(s.username, not s.active)).props(
                        "no-caps flat dense"
                    ).mark(f"toggle {staff.username}")


def _add_form(refresh: Callable[[], object]) -> None:
    with ui.card().classes("w-full"):
        ui.label(t("ui.staff.add_title")).classes("text-lg font-bold")
        with ui.row().classes("items-start gap-4"):
            username = ui.input(t("ui.staff.username")).props("outlined dense").mark("new-username")
            display_name = ui.input(t("ui.staff.display_name")).props("outlined dense").mark("new-name")
            role = (
                ui.select({r: t(f"role.{r}") for r in ROLES}, value="clerk", label=t("ui.staff.role"))
                .props("outlined dense")
                .classes("w-40")
                .mark("new-role")
            )
            hall = (
                ui.select(hall_options(), value=centre_halls().head_office, label=t("ui.staff.hall"))
                .props("outlined dense")
                .classes("w-56")
                .mark("new-hall")
            )
            add = ui.button(t("ui.staff.add"), icon="person_add").props("no-caps unelevated").mark("add-staff")
        message = ui.label().classes("text-negative text-sm").mark("staff-error")

    async def on_add() -> None:
        if require_staff() is None:
            return
        password = generate_password()
        try:
            created = await run.io_bound(
                _add, username.value or "", display_name.value or "", role.value, password, hall.value or None
            )
        except StaffError as error:
            message.text = t(error.key, None, **error.params)
            return
        assert created is not None, "None only when the server is shutting down"
        message.text = ""
        username.value = display_name.value = ""
        refresh()
        _show_password(created, password)

    add.on_click(on_add)


def register() -> None:
    """Add the /admin/staff page."""

    @ui.page("/admin/staff")
    def staff_page() -> None:
        with frame("ui.staff.title") as me:
            ui.label(t("ui.staff.title")).classes("text-2xl font-bold")

            @ui.refreshable
            def grid() -> None:
                _staff_grid(me.username, grid.refresh)

            _add_form(grid.refresh)
            with ui.card().classes("w-full"):
                grid()
