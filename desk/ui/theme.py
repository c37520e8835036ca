"""The shared layout: colours, the header (title, menu, language, who is logged in, log out) and the page body.

Every staff page is `with frame('ui.lookup.title'): …`; the login page uses `bare_frame()`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from nicegui import ui

from desk.i18n import t
from desk.security.roles import menu_for
from desk.ui import session as ui_session
from desk.ui.auth import login_url
from desk.ui.palette import ACCENT, NEGATIVE, POSITIVE, PRIMARY, SECONDARY

IDLE_CHECK_SECONDS = 30
# the content column: forms read best narrow; case pages, queues and search results use a 1920 screen
NARROW_COLUMN = "max-w-screen-xl"
WIDE_COLUMN = "max-w-[1840px]"
# Layouts that change at a width Tailwind has no breakpoint for: a case's pages beside its evidence
# from 1400 px of screen on (stacked below), a page beside its notes once its column is 1000 px wide,
# search results in two columns from 1400 px on; the counter (business, checklist, amount) beside the
# customer's profile from 1600 px on, the profile's cards in as many columns as its own width holds.
LAYOUT_CSS = """
.desk-case-sheet { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem; align-items: start; }
.desk-case-sheet > * { container-type: inline-size; }
@media (min-width: 1400px) { .desk-case-sheet { grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); } }
.desk-page-with-notes { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem; align-items: start; }
@container (min-width: 1000px) { .desk-page-with-notes { grid-template-columns: minmax(0, 1fr) 17rem; } }
.desk-results { display: grid; grid-template-columns: minmax(0, 1fr); gap: 0.5rem; align-items: start; }
@media (min-width: 1400px) { .desk-results { grid-template-columns: repeat(2, minmax(0, 1fr)); } }
.desk-counter-sheet { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem; align-items: start; }
.desk-counter-sheet > * { container-type: inline-size; }
@media (min-width: 1600px) { .desk-counter-sheet { grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); } }
.desk-profile { display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem; align-items: start; }
@container (min-width: 560px) {
  .desk-profile { grid-template-columns: repeat(2, minmax(0, 1fr)); }
  .desk-profile > .desk-span-2 { grid-column: span 2; }
}
@container (min-width: 1000px) { .desk-profile { grid-template-columns: repeat(3, minmax(0, 1fr)); } }
"""


def _document(language: str) -> None:
    """The app's colours, and the page's language for screen readers, fonts and the browser."""
    ui.colors(primary=PRIMARY, secondary=SECONDARY, accent=ACCENT, positive=POSITIVE, negative=NEGATIVE)
    ui.query("body").classes("bg-grey-2")
    ui.query("html").props(f"lang={language}")  # ui.run's language is one for every session
    ui.add_css(LAYOUT_CSS)


def language_switch() -> None:
    """中文 | English; switching reloads the page in the other language."""

    def switch(event) -> None:
        ui_session.choose_language(event.value)
        ui.navigate.reload()

    ui.toggle({"zh-CN": "中文", "en": "English"}, value=ui_session.apply_language(), on_change=switch).props(
        "no-caps dense flat toggle-color=white text-color=blue-2 unelevated"
    ).mark("language")


def _idle_watch() -> None:
    """Send an idle page back to the login page even when nobody clicks (the server decides)."""

    def check() -> None:
        if ui_session.session_staff() is None:
            ui_session.sign_out()
            ui.navigate.to(login_url(reason="expired"))

    ui.timer(IDLE_CHECK_SECONDS, check)


def _log_out() -> None:
    # an HTTP request, not this websocket event, can remove the session and clear the cookie
    ui.navigate.to("/logout")


def _header(staff: ui_session.SessionStaff) -> None:
    with ui.header().classes("items-center gap-4 px-6 py-2 bg-primary"):
        ui.link(t("ui.app_name"), "/").classes("text-lg font-bold text-white no-underline")
        for path, label in menu_for(staff.role):
            ui.link(t(label), path).classes("text-white no-underline opacity-90 hover:opacity-100").mark(f"menu {path}")
        ui.space()
        language_switch()
        ui.label(f"{staff.display_name} · {t('role.' + staff.role)}").classes("text-white text-sm").mark("who")
        ui.button(t("ui.logout"), icon="logout", on_click=_log_out).props("no-caps flat dense color=white").mark(
            "logout"
        )


@contextmanager
def frame(title_key: str, *, wide: bool = False) -> Iterator[ui_session.SessionStaff]:
    """The page layout for a logged-in staff member; yields that staff member, inside the content column
    (`wide`: the column grows up to 1840 px on a wide screen, for pages of pages, lists and tables)."""
    language = ui_session.apply_language()
    staff = ui_session.session_staff()
    assert staff is not None, "the auth middleware lets only logged-in staff reach a framed page"
    _document(language)
    ui.page_title(f"{t(title_key)} · {t('ui.app_name')}")
    _header(staff)
    _idle_watch()
    with ui.column().classes(f"w-full {WIDE_COLUMN if wide else NARROW_COLUMN} mx-auto p-4 gap-4").mark("content"):
        yield staff


@contextmanager
def bare_frame(title_key: str) -> Iterator[ui.column]:
    """The layout of pages without a logged-in user (the login page): title bar and language switch only."""
    _document(ui_session.apply_language())
    ui.page_title(f"{t(title_key)} · {t('ui.app_name')}")
    with ui.header().classes("items-center px-6 py-2 bg-primary no-wrap"):  # one line on a phone too
        ui.label(t("ui.app_name")).classes("text-lg font-bold text-white truncate")
        ui.space()
        with ui.element("div").classes("shrink-0"):
            language_switch()
    with ui.column().classes("w-full items-center p-4") as content:
        yield content
