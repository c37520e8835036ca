"""The part of staff sessions that several app servers share through Redis (when NICEGUI_REDIS_URL is set).

NiceGUI keeps each session's `app.storage.user` under `<prefix>user-<id>` in Redis, a copy in every
server's memory, and tells the copies of a change on the channel `<key>changes`. NiceGUI writes a
change in a background task; desk needs two writes to have landed before it answers:
- a new session id's storage (`save_user_storage`) before the redirect that hands the browser its
  cookie, because the browser's next request may reach another server, which loads it from Redis;
- the removal of an ended one (`delete_user_storage`), which also empties the copies the other
  servers hold, so a logout through one server ends the session on all of them at once.

And the one-time login tickets (desk.ui.session) live here, not in one server's memory: the
redirect to /login/complete may reach another server than the page that checked the password.

Without NICEGUI_REDIS_URL (`make run`) nothing here is used: storage is a file per session.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

from nicegui.persistence.serialization import dumps
from nicegui.storage import USER_PREFIX, Storage

if TYPE_CHECKING:
    from redis.asyncio import Redis

TICKET_INFIX = "desk-login-ticket:"
_client: Redis | None = None


def enabled() -> bool:
    """Whether sessions live in Redis (NICEGUI_REDIS_URL), shared by the app servers."""
    return bool(Storage.redis_url)


def _redis() -> Redis:
    """One client per process (a pool of connections) on the running event loop."""
    global _client
    if _client is None:
        from redis.asyncio import from_url

        assert Storage.redis_url, "only called when enabled()"
        _client = from_url(Storage.redis_url, socket_connect_timeout=5, health_check_interval=10)
    return _client


def user_key(session_id: str) -> str:
    """The Redis key NiceGUI keeps the storage of `session_id` under."""
    return f"{Storage.redis_key_prefix}{USER_PREFIX}{session_id}"


async def save_user_storage(session_id: str, values: dict[str, Any]) -> None:
    """Write the storage of `session_id` now (and tell the servers holding a copy), not in the background."""
    key = user_key(session_id)
    data = dumps(values, key)
    async with _redis().pipeline(transaction=True) as pipe:
        pipe.set(key, data)  # queued on the pipeline, sent by execute()
        pipe.publish(key + "changes", data)
        await pipe.execute()


async def delete_user_storage(session_id: str) -> None:
    """Remove the storage of `session_id` from Redis and empty every server's copy of it.

    Deleted first, then announced: a server emptying its copy on the announcement finds no key
    left and so writes nothing back (NiceGUI writes an empty storage only over an existing key).
    """
    key = user_key(session_id)
    async with _redis().pipeline(transaction=True) as pipe:
        pipe.delete(key)
        pipe.publish(key + "changes", "{}")
        await pipe.execute()


async def put_ticket(token: str, ticket: dict[str, Any], ttl_s: float) -> None:
    """Keep a login ticket for `ttl_s` seconds, for whichever server the browser's redirect reaches."""
    key = Storage.redis_key_prefix + TICKET_INFIX + token
    await _redis().set(key, json.dumps(ticket, ensure_ascii=False), ex=max(1, math.ceil(ttl_s)))


async def take_ticket(token: str) -> dict[str, Any] | None:
    """The ticket of `token`, removed in the same step (two servers redeeming it at once: one gets it)."""
    data = await _redis().getdel(Storage.redis_key_prefix + TICKET_INFIX + token)
    return json.loads(data) if data else None
