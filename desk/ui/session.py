"""The staff session kept in `app.storage.user`: who is logged in, when they last acted, their language.

The storage lives on the server, keyed by NiceGUI's signed session cookie; the browser only holds
the cookie. Event handlers run outside the page request, so each one calls `apply_language()`
(or `active_staff()`, which does it) before rendering text.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from nicegui import app

from desk.i18n import LANGUAGES, normalize_language, set_language
from desk.settings import get_settings

_AUTH_KEYS = ("authenticated", "username", "role", "display_name", "last_seen")


@dataclass(frozen=True)
class SessionStaff:
    """The logged-in staff member as the session remembers them."""

    username: str
    role: str
    display_name: str


def language_from_header(accept_language: str | None) -> str:
    """The supported language the browser prefers most (`Accept-Language`), else the default."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        if tag and quality > 0 and tag.lower().split("-")[0] in ("zh", "en"):
            ranked.append((-quality, position, tag))
    if not ranked:
        return normalize_language(get_settings().default_language)
    return normalize_language(min(ranked)[2])


def remember_language(accept_language: str | None) -> str:
    """On the first visit store the browser's language; return the session's language."""
    storage = app.storage.user
    if storage.get("language") not in LANGUAGES:
        storage["language"] = language_from_header(accept_language)
    return storage["language"]


def apply_language() -> str:
    """Make `t()` render in the session's language for the rest of this task; returns it."""
    language = app.storage.user.get("language") or get_settings().default_language
    set_language(language)
    return language


def choose_language(language: str) -> None:
    """Switch the session to `language` (one of desk.i18n.LANGUAGES)."""
    app.storage.user["language"] = normalize_language(language)
    set_language(language)


def sign_in(*, username: str, role: str, display_name: str) -> None:
    """Mark the session as logged in for this staff member."""
    app.storage.user.update(authenticated=True, username=username, role=role, display_name=display_name,
                            last_seen=time.time())


def sign_out() -> None:
    """Forget who is logged in (the language choice stays)."""
    storage = app.storage.user
    for key in _AUTH_KEYS:
        storage.pop(key, None)


def idle_expired(now: float | None = None) -> bool:
    """Whether the logged-in session has been idle longer than `session_idle_minutes`."""
    last_seen = app.storage.user.get("last_seen") or 0.0
    return (now or time.time()) - float(last_seen) > get_settings().session_idle_minutes * 60


def touch() -> None:
    """Record activity now, so the idle clock starts again."""
    app.storage.user["last_seen"] = time.time()


def session_staff() -> SessionStaff | None:
    """The staff member of this session if logged in and not idle too long; does not count as activity."""
    storage = app.storage.user
    if not storage.get("authenticated") or idle_expired():
        return None
    return SessionStaff(storage["username"], storage["role"], storage.get("display_name") or storage["username"])


def active_staff() -> SessionStaff | None:
    """For event handlers: the session's staff member (activity recorded, language applied), or None."""
    apply_language()
    staff = session_staff()
    if staff is not None:
        touch()
    return staff
