"""The base of links meant for customers (the notice's QR code, any printed link), seen from a page."""

from __future__ import annotations

from nicegui import ui

from desk.settings import get_settings


def customer_base_url() -> str:
    """DESK_PUBLIC_URL, else the base URL this page was opened at (a clerk's own address: `make run`)."""
    return get_settings().customer_base_url(str(ui.context.client.request.base_url))
