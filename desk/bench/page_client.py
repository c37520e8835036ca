"""A minimal NiceGUI page driver over HTTP and the page's websocket, for load and crash tests.

A browser is too heavy to start sixty times on a two-core machine, so this plays the browser's part
of NiceGUI's protocol: GET the page (the element tree is embedded in its HTML), open the socket.io
connection with the page's client id (the "implicit handshake" query NiceGUI's own nicegui.js
sends), send the events a browser would send (`update:value`, `click`, `keydown`), and read the
`update` messages back. JavaScript calls are answered with null, as a page whose script found
nothing would. It imports no NiceGUI: it speaks only what goes over the wire, on loopback.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import socketio

_ELEMENTS = re.compile(r"parseElements\(String\.raw`(.*?)`\)", re.S)
_CLIENT_ID = re.compile(r"'client_id': '([0-9a-f-]{36})'")

Element = dict[str, Any]


class PageError(RuntimeError):
    """The page did not load, did not connect, or did not show what was waited for."""


@dataclass
class Page:
    """One open page: its element tree (kept current from `update` messages) and its socket."""

    url: str
    client_id: str
    elements: dict[str, Element]
    sio: socketio.AsyncClient = field(repr=False)
    navigated_to: list[str] = field(default_factory=list)
    disconnected: bool = False
    _changed: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def find(self, predicate: Callable[[Element], bool]) -> tuple[str, Element]:
        """The first element (id, dict) `predicate` accepts; raises PageError if none does."""
        for element_id, element in self.elements.items():
            if element is not None and predicate(element):
                return element_id, element
        raise PageError("no such element on the page")

    def by_label(self, label: str) -> tuple[str, Element]:
        """An input or button by its visible label (a prop in Quasar)."""
        return self.find(lambda e: (e.get("props") or {}).get("label") == label)

    def texts(self) -> list[str]:
        """Every text on the page (labels, props labels)."""
        out = []
        for element in self.elements.values():
            if element is None:
                continue
            if element.get("text"):
                out.append(str(element["text"]))
            label = (element.get("props") or {}).get("label")
            if isinstance(label, str):
                out.append(label)
        return out

    async def emit(self, element_id: str, event_type: str, *args: Any) -> None:
        """Send an event of `event_type` to the element's listener, as nicegui.js does."""
        element = self.elements[element_id]
        for listener in element.get("events", []):  # a listener with its own script only runs in the browser
            if listener["type"] == event_type and not listener.get("js_handler"):
                await self.sio.emit(
                    "event",
                    {
                        "id": int(element_id),
                        "client_id": self.client_id,
                        "listener_id": listener["listener_id"],
                        "args": [json.dumps(arg) for arg in args],
                    },
                )
                return
        raise PageError(f"element {element_id} has no {event_type} listener")

    async def type_into(self, label: str, text: str) -> None:
        """Set an input's value (what typing does), found by its label."""
        element_id, element = self.by_label(label)
        kinds = {listener["type"] for listener in element.get("events", [])}
        await self.emit(element_id, "update:value" if "update:value" in kinds else "update:modelValue", text)

    async def click(self, label: str) -> None:
        """Click the button with this label."""
        element_id, _ = self.by_label(label)
        await self.emit(element_id, "click", {})

    async def wait_for(self, predicate: Callable[[Page], bool], timeout_s: float) -> None:
        """Wait until `predicate(page)` holds after some update; PageError after `timeout_s`."""
        deadline = time.monotonic() + timeout_s
        while not predicate(self):
            if self.disconnected:
                raise PageError("the server closed the connection")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise PageError("timed out waiting for the page")
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                continue

    async def close(self) -> None:
        """Disconnect the socket (the server deletes the client after its reconnect timeout)."""
        await self.sio.disconnect()


async def open_page(http: aiohttp.ClientSession, base_url: str, path: str, timeout_s: float = 30) -> Page:
    """GET `path` with the session's cookies and connect its websocket; PageError if either fails."""
    async with http.get(base_url + path, timeout=aiohttp.ClientTimeout(total=timeout_s)) as response:
        html = await response.text()
        final_url = str(response.url)
    elements_match, client_match = _ELEMENTS.search(html), _CLIENT_ID.search(html)
    if response.status != 200 or not elements_match or not client_match:
        raise PageError(f"{path}: HTTP {response.status}, not a NiceGUI page")
    if response.url.path != path.split("?")[0]:
        raise PageError(f"{path}: sent to {response.url.path}")
    elements = json.loads(elements_match.group(1))
    sio = socketio.AsyncClient(reconnection=False, http_session=http, ssl_verify=False)
    page = Page(final_url, client_match.group(1), elements, sio)

    def on_update(data: dict) -> None:
        data.pop("_id", None)
        for element_id, element in data.items():
            page.elements[element_id] = element
        page._changed.set()

    def on_open(data: dict) -> None:
        page.navigated_to.append(str(data.get("path", "")))
        page._changed.set()

    async def on_javascript(data: dict) -> None:
        if data.get("request_id"):
            await sio.emit(
                "javascript_response", {"request_id": data["request_id"], "client_id": page.client_id, "result": None}
            )

    def on_disconnect(*_: Any) -> None:
        page.disconnected = True
        page._changed.set()

    sio.on("disconnect", on_disconnect)
    sio.on("update", on_update)
    sio.on("open", on_open)
    sio.on("run_javascript", on_javascript)
    query = {
        "client_id": page.client_id,
        "tab_id": str(uuid.uuid4()),
        "document_id": str(uuid.uuid4()),
        "next_message_id": "0",
        "implicit_handshake": "true",
    }
    cookie = "; ".join(f"{c.key}={c.value}" for c in http.cookie_jar)
    ws_url = base_url + "?" + "&".join(f"{k}={v}" for k, v in query.items())
    try:
        await sio.connect(
            ws_url,
            socketio_path="/_nicegui_ws/socket.io",
            transports=["websocket"],
            headers={"Cookie": cookie} if cookie else {},
            wait_timeout=timeout_s,
        )
    except (socketio.exceptions.ConnectionError, aiohttp.ClientError, OSError) as error:
        raise PageError(f"{path}: websocket refused ({error})") from error
    return page


async def log_in(
    http: aiohttp.ClientSession,
    base_url: str,
    username: str,
    password: str,
    labels: dict[str, str],
    timeout_s: float = 30,
) -> None:
    """Log in through the login page's own form (the session cookie in `http` is then signed in).

    `labels` are the visible texts of the username and password inputs and the button
    (`username`, `password`, `submit`), in the page's language.
    """
    page = await open_page(http, base_url, "/login", timeout_s)
    try:
        await page.type_into(labels["username"], username)
        await page.type_into(labels["password"], password)
        await asyncio.sleep(0.05)  # the values arrive before the click, as a typist's would
        await page.click(labels["submit"])
        await page.wait_for(lambda p: bool(p.navigated_to), timeout_s)
    finally:
        await page.close()
    # a right password sends the browser to /login/complete, whose HTTP answer carries the new session
    # id (renewed at login); a browser follows that navigation, so the client does too
    target = page.navigated_to[0]
    if target.startswith("/login/complete"):
        async with http.get(base_url + target, allow_redirects=True) as response:
            await response.read()
