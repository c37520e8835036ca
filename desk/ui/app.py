"""Wires the app together: one `build()` registers the auth middleware and every page.

Called by `desk.ui.server` before `ui.run`, and by the tests' main file. Registering from a
function (not at import time) matters: NiceGUI's test harness re-imports page modules between
tests, and anything done at import time would silently happen once only.
"""

from __future__ import annotations

from nicegui import app

from desk.ui import archive_routes, capture_routes, fixity_schedule, form_routes
from desk.ui.auth import AuthMiddleware
from desk.ui.pages import (
    access_log,
    admin_catalog,
    admin_staff,
    archive_fixity,
    archive_page,
    archive_retention,
    archive_search,
    counter,
    dashboard,
    home,
    inquiry,
    loan_trial,
    login,
    lookup,
    review_case,
    review_overdue,
    review_queue,
)
from desk.ui.public_limit import PublicLimitMiddleware
from desk.ui.security_headers import wrap_outermost
from desk.ui.upload_limit import UploadLimitMiddleware


def build() -> None:
    """Register the middleware and all pages on NiceGUI's app."""
    app.add_middleware(AuthMiddleware)
    app.add_middleware(PublicLimitMiddleware)  # a refused flood of public requests never reaches the rest
    app.add_middleware(
        UploadLimitMiddleware
    )  # outside the auth and NiceGUI: bodies are limited before anything reads them
    wrap_outermost(app)  # outside everything: the auth's redirects, 403s, 413s, 429s and the 500s too
    for page in (login, home, lookup, loan_trial, admin_staff, access_log):
        page.register()
    for page in (
        review_queue,
        review_overdue,
        review_case,
        dashboard,
        inquiry,
        admin_catalog,
        archive_search,
        archive_page,
        archive_fixity,
        archive_retention,
        archive_routes,
        fixity_schedule,
    ):
        page.register()
    for page in (counter, capture_routes, form_routes):
        page.register()
