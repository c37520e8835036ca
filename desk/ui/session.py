"""The staff session kept in `app.storage.user`: who is logged in, when they last acted, their language.

The storage lives on the server, keyed by NiceGUI's signed session cookie; the browser only holds
the cookie. Event handlers run outside the page request, so each one calls `apply_language()`
(or `active_staff()`, which does it) before rendering text.

Three rules keep the cookie from being worth stealing or planting:
- an anonymous visitor's storage stays empty (their language comes from the request's
  `Accept-Language`), so NiceGUI never writes a file for the public pages;
- logging in and a change of role give the browser a new session id (`renew_session`): an id a
  third party planted or saw before the login opens nothing afterwards;
- logging out removes the session's storage and clears the cookie (`end_session`).

With several app servers the storage lives in Redis (NICEGUI_REDIS_URL): the new id's storage is
written, and an ended one removed from every server, before the answer goes out; the login
tickets live there too (desk.ui.shared_sessions).
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import asdict, dataclass
from typing import Any

from nicegui import app
from nicegui.storage import USER_PREFIX, Storage, request_contextvar
from starlette.requests import Request

from desk.i18n import LANGUAGES, normalize_language, set_language
from desk.settings import get_settings
from desk.ui import shared_sessions

_AUTH_KEYS = ("authenticated", "username", "role", "display_name", "last_seen")
TICKET_TTL_S = 30.0


@dataclass(frozen=True)
class SessionStaff:
    """The logged-in staff member as the session remembers them."""

    username: str
    role: str
    display_name: str


@dataclass(frozen=True)
class LoginTicket:
    """A password check that passed, waiting for the browser to fetch its new session id."""

    session_id: str
    staff: SessionStaff
    landing: str
    expires: float


_tickets: dict[str, LoginTicket] = {}  # without Redis (one server): the tickets waiting to be redeemed


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


def _storage() -> dict[str, Any]:
    """This session's storage; an empty detached dict when another tab has renewed or ended the session."""
    request = request_contextvar.get()
    # NiceGUI keeps no public way to ask whether an id still has storage; without this check an
    # event in a tab opened before a login elsewhere in the browser would fail an assertion
    if request is not None and request.session.get("id") not in app.storage._users:
        return {}
    return app.storage.user


def current_language() -> str:
    """The session's chosen language, else the one the request's browser prefers (nothing is stored)."""
    stored = _storage().get("language")
    if stored in LANGUAGES:
        return stored
    request = request_contextvar.get()
    return language_from_header(request.headers.get("accept-language") if request is not None else None)


def apply_language() -> str:
    """Make `t()` render in the session's language for the rest of this task; returns it."""
    language = current_language()
    set_language(language)
    return language


def choose_language(language: str) -> None:
    """Switch the session to `language` (one of desk.i18n.LANGUAGES)."""
    app.storage.user["language"] = normalize_language(language)
    set_language(language)


def _auth_values(staff: SessionStaff) -> dict[str, Any]:
    return {
        "authenticated": True,
        "username": staff.username,
        "role": staff.role,
        "display_name": staff.display_name,
        "last_seen": time.time(),
    }


def sign_out() -> None:
    """Forget who is logged in (the language choice stays)."""
    storage = _storage()
    for key in _AUTH_KEYS:
        storage.pop(key, None)


async def _remove_storage(session_id: str | None) -> None:
    """Delete the server-side storage of `session_id`: in memory, and on disk or in Redis (every server's copy)."""
    if not session_id:
        return
    old = app.storage._users.pop(session_id, None)
    if not shared_sessions.enabled():
        if old is not None:
            old.clear()  # NiceGUI deletes the file of a storage that became empty
        (Storage.path / f"storage-{USER_PREFIX}{session_id}.json").unlink(missing_ok=True)
        return
    if old is not None:
        # emptied without telling NiceGUI: a write of it still pending in the background then
        # carries nothing, instead of putting the logged-in values back after the delete below
        dict.clear(old)
    await shared_sessions.delete_user_storage(session_id)
    if old is not None:
        await old.close()


async def renew_session(request: Request, values: dict[str, Any]) -> None:
    """Give this browser a new session id whose storage holds only `values`; the old id's storage is removed.

    Runs inside an HTTP request: only a response can set the new cookie (Starlette's
    SessionMiddleware writes it because `request.session` changed).
    """
    old_id = request.session.get("id")
    new_id = str(uuid.uuid4())
    await app.storage._create_user_storage(new_id)
    app.storage._users[new_id].update(values)
    if shared_sessions.enabled():
        # the browser's next request may reach another server: the storage is in Redis before the cookie
        await shared_sessions.save_user_storage(new_id, values)
    request.session["id"] = new_id
    await _remove_storage(old_id)


async def end_session(request: Request) -> None:
    """Log out for good: the storage is removed (on every server) and the cookie cleared."""
    old_id = request.session.get("id")
    request.session.clear()
    await _remove_storage(old_id)


async def renew_for_role(request: Request, role: str) -> None:
    """The account's role changed since login: a new session id carrying the new role."""
    storage = app.storage.user
    staff = SessionStaff(storage["username"], role, storage.get("display_name") or storage["username"])
    await renew_session(request, {**_keep(storage), **_auth_values(staff)})


def _keep(storage: dict[str, Any]) -> dict[str, Any]:
    """What survives a new session id: only the language choice."""
    return {"language": storage["language"]} if storage.get("language") in LANGUAGES else {}


async def issue_ticket(staff: SessionStaff, landing: str) -> str:
    """After a correct password (in a websocket event, which cannot set cookies): a one-time ticket
    the same browser redeems at /login/complete within TICKET_TTL_S seconds (through any app server)."""
    now = time.time()
    request = request_contextvar.get()
    session_id = request.session.get("id", "") if request is not None else ""
    token = secrets.token_urlsafe(32)
    ticket = LoginTicket(session_id, staff, landing, now + TICKET_TTL_S)
    if shared_sessions.enabled():
        await shared_sessions.put_ticket(token, asdict(ticket), TICKET_TTL_S)
        return token
    for old_token, old_ticket in list(_tickets.items()):
        if old_ticket.expires < now:
            _tickets.pop(old_token, None)
    _tickets[token] = ticket
    return token


async def _take_ticket(token: str) -> LoginTicket | None:
    """The ticket of `token`, used up by this call."""
    if not shared_sessions.enabled():
        return _tickets.pop(token, None)
    kept = await shared_sessions.take_ticket(token)
    if kept is None:
        return None
    return LoginTicket(kept["session_id"], SessionStaff(**kept["staff"]), kept["landing"], kept["expires"])


async def redeem_ticket(request: Request, token: str) -> LoginTicket | None:
    """Log the browser in under a new session id if `token` is its own fresh ticket; None otherwise.

    The ticket is bound to the session id it was issued to, so a ticket seen in a log or the
    browser history is useless to anyone else, and it is used up at once.
    """
    ticket = await _take_ticket(token)
    if ticket is None or ticket.expires < time.time() or ticket.session_id != request.session.get("id"):
        return None
    values = {"language": current_language(), **_auth_values(ticket.staff)}
    await renew_session(request, values)
    return ticket


def idle_expired(now: float | None = None) -> bool:
    """Whether the logged-in session has been idle longer than `session_idle_minutes`."""
    last_seen = _storage().get("last_seen") or 0.0
    return (now or time.time()) - float(last_seen) > get_settings().session_idle_minutes * 60


def touch() -> None:
    """Record activity now, so the idle clock starts again."""
    storage = _storage()
    if storage.get("authenticated"):
        storage["last_seen"] = time.time()


def session_staff() -> SessionStaff | None:
    """The staff member of this session if logged in and not idle too long; does not count as activity."""
    storage = _storage()
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
