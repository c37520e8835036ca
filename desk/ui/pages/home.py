"""`/`: sends each role to its start page; a role whose start is `/` sees its menu as cards."""

from __future__ import annotations

from fastapi.responses import RedirectResponse
from nicegui import ui

from desk.i18n import t
from desk.security.roles import START_PAGE, menu_for
from desk.ui import session as ui_session
from desk.ui.theme import frame


def register() -> None:
    """Add the / page."""

    @ui.page("/")
    def home_page() -> RedirectResponse | None:
        staff = ui_session.session_staff()
        start = START_PAGE.get(staff.role, "/") if staff else "/"
        if start != "/":
            return RedirectResponse(start)
        with frame("ui.home.title") as me:
            ui.label(t("ui.home.welcome", name=me.display_name)).classes("text-2xl font-bold")
            entries = menu_for(me.role)
            if not entries:
                ui.label(t("ui.home.nothing_yet")).classes("text-secondary").mark("nothing-yet")
            for path, label in entries:
                ui.link(t(label), path).classes("text-lg")
        return None
