"""A limit on the request volume of the public pages, so a flood of /inquiry cannot starve the clerks.

Every public page load builds a NiceGUI client (its element tree, kept about a minute if no websocket
comes) on the one event loop the clerks' pages share. Two token buckets stand in front of it: one per
address (a phone asking again and again) and one for all addresses together (many phones, or one
attacker with many). A refused request costs a few microseconds: a small page in the asker's
language with `Retry-After`, status 429, and no NiceGUI client. Staff pages are never limited here.

The per-address burst is generous because a hall's customers may share one address (the hall's
Wi-Fi behind NAT): a few dozen of them checking their case at once still get through.
Failed inquiries are throttled separately, in the database (desk.cases.inquiry).

Per process on purpose, also with several app servers: what it protects is this process's one event
loop, so its capacity (TOTAL_RATE) is this server's, and N servers rightly admit N times as many
page builds. Guessing, the part that must be counted across servers, is the database's (above); a
shared bucket in Redis would add a network round trip to every public request and make one
server's flood refuse customers on the others.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from html import escape

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from desk.i18n import t, use_language
from desk.ui.session import language_from_header

LIMITED_PREFIXES = ("/inquiry",)
PER_ADDRESS_RATE, PER_ADDRESS_BURST = 1.0, 20.0  # requests per second, and how many at once
# a page build takes some 20-40 ms of the one event loop: ten a second leave most of it to the clerks
# (`python -m desk bench load` measured 25-45 builds a second filling it on two busy cores)
TOTAL_RATE, TOTAL_BURST = 10.0, 20.0
MAX_ADDRESSES = 10_000  # buckets kept; the fullest (least recently used) go first


@dataclass
class Bucket:
    """A token bucket: `rate` tokens a second up to `burst`; a request takes one."""

    rate: float
    burst: float
    tokens: float = field(default=-1.0)
    at: float = 0.0

    def take(self, now: float) -> float:
        """0 if a token was taken, else the seconds until one will be there."""
        if self.tokens < 0:
            self.tokens, self.at = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


class PublicLimit:
    """The per-address buckets and the one for all addresses (in memory: a limit of this server process)."""

    def __init__(self, clock=time.monotonic) -> None:
        self.clock = clock
        self.total = Bucket(TOTAL_RATE, TOTAL_BURST)
        self.addresses: dict[str, Bucket] = {}

    def wait_s(self, address: str) -> float:
        """0 to let the request in, else how long the asker should wait."""
        now = self.clock()
        bucket = self.addresses.pop(address, None) or Bucket(PER_ADDRESS_RATE, PER_ADDRESS_BURST)
        self.addresses[address] = bucket  # most recently used last
        if len(self.addresses) > MAX_ADDRESSES:
            del self.addresses[next(iter(self.addresses))]
        wait = bucket.take(now)
        if wait:
            return wait
        wait = self.total.take(now)
        if wait:
            bucket.tokens += 1  # refused by the shared bucket: the asker's own token is given back
        return wait


def busy_page(wait_s: float, accept_language: str | None) -> Response:
    """429 with Retry-After and one sentence in the language the browser asks for (no session is read)."""
    seconds = max(1, math.ceil(wait_s))
    language = language_from_header(accept_language)
    with use_language(language):
        return HTMLResponse(
            _busy_body(language, seconds),
            status_code=429,
            headers={"Retry-After": str(seconds), "Cache-Control": "no-store"},
        )


def _busy_body(language: str, seconds: int) -> str:
    return (
        f"<!doctype html><html lang='{language}'><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{escape(t('ui.app_name'))}</title><body style='font-family:sans-serif;margin:2rem'>"
        f"<p>{escape(t('ui.public.busy', seconds=seconds))}</p></body></html>"
    )


class PublicLimitMiddleware(BaseHTTPMiddleware):
    """Answers a public page request over its limits with `busy_page` before anything else runs."""

    def __init__(self, app, limit: PublicLimit | None = None) -> None:
        super().__init__(app)
        self.limit = limit or PublicLimit()

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        """Let the request through, or refuse it cheaply."""
        path = request.url.path
        if any(path == prefix or path.startswith(prefix + "/") for prefix in LIMITED_PREFIXES):
            address = request.client.host if request.client else "unknown"
            wait = self.limit.wait_s(address)
            if wait:
                return busy_page(wait, request.headers.get("accept-language"))
        return await call_next(request)
