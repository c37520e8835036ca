"""The clerk's steps at the counter page, driven over its websocket (desk.bench.page_client): lookup,
business, capture (a camera frame POSTed to the tab's route), 容缺, submit. Used by `bench load` and the
crash test; the visible labels come from desk/i18n in zh-CN, the language the driver's requests ask for."""

from __future__ import annotations

import re
from collections.abc import Callable

import aiohttp

from desk.bench.page_client import Page, PageError, log_in
from desk.i18n import t, use_language

ACCEPT_LANGUAGE = {"Accept-Language": "zh-CN,zh;q=0.9"}


def zh(key: str, **params: object) -> str:
    """A string of desk/i18n in Chinese (what the pages show the driver)."""
    with use_language("zh-CN"):
        return t(key, None, **params)


LOGIN_LABELS = {"username": "ui.login.username", "password": "ui.login.password", "submit": "ui.login.submit"}
_SUBMITTED = re.compile(re.escape(zh("counter.case.submitted", case_no="@")).replace("@", r"([A-Z]{2}\d{4}-\d+)"))


async def clerk_session(url: str, username: str, password: str) -> aiohttp.ClientSession:
    """A logged-in clerk's cookie jar (the login page's own form over its websocket)."""
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True), headers=ACCEPT_LANGUAGE)
    try:
        await log_in(http, url, username, password, {k: zh(v) for k, v in LOGIN_LABELS.items()})
    except BaseException:
        await http.close()
        raise
    return http


def case_number(page: Page) -> str | None:
    """The case number the counter announced on the page, if it did."""
    for text in page.texts():
        if match := _SUBMITTED.search(text):
            return match.group(1)
    return None


def _fewer_buttons(label: str, before: int) -> Callable[[Page], bool]:
    """A page predicate: fewer than `before` buttons show `label`."""
    return lambda page: len(buttons(page, label)) < before


def buttons(page: Page, label: str) -> list[str]:
    """Ids of the buttons showing `label`."""
    return [
        element_id
        for element_id, element in page.elements.items()
        if element and element.get("tag") == "q-btn" and (element.get("props") or {}).get("label") == label
    ]


async def look_up(page: Page, id_number: str, timeout_s: float = 30) -> None:
    """Type the ID number, click 查询, wait until the counter panel (the business picker) is there."""
    label = zh("counter.business.pick")

    def pickers(p: Page) -> set[str]:
        return {i for i, e in p.elements.items() if e and (e.get("props") or {}).get("label") == label}

    old = pickers(page)  # the previous customer's picker: the new customer gets a new one
    await page.type_into(zh("ui.lookup.label"), id_number)
    await page.click(zh("ui.lookup.search"))
    await page.wait_for(lambda p: bool(pickers(p) - old), timeout_s)


async def pick_business(page: Page, code: str, timeout_s: float = 30) -> None:
    """Choose the business in the picker; wait for its checklist (the Submit button)."""
    label = zh("counter.business.pick")
    select_id = max(
        (i for i, e in page.elements.items() if e and (e.get("props") or {}).get("label") == label), key=int
    )  # the newest picker: the current customer's
    select = page.elements[select_id]
    option = next(o for o in select["props"]["options"] if str(o["label"]).startswith(code + " "))
    await page.emit(select_id, "update:modelValue", {"value": option["value"], "label": option["label"]})
    await page.wait_for(lambda p: bool(buttons(p, zh("counter.case.submit"))), timeout_s)


async def capture_frame(
    page: Page, http: aiohttp.ClientSession, url: str, jpeg: bytes, timeout_s: float = 60
) -> int | None:
    """Open the capture dialog of the first material to capture and POST one camera frame; the HTTP status
    (None: this customer has nothing to capture)."""
    camera = await open_camera(page, timeout_s)
    if camera is None:
        return None
    status, _ = await post_frame(http, url + camera[1], jpeg, timeout_s)
    return status


async def open_camera(page: Page, timeout_s: float = 60) -> tuple[str, str] | None:
    """Open the capture dialog of the first material to capture: the camera's element id and upload path
    (None: this customer has nothing to capture)."""
    capture = buttons(page, zh("counter.capture.button"))
    if not capture:  # everything proven by data: declaring the actual rent asks for the lease
        try:
            box_id, _ = page.find(lambda e: "实际租金" in str((e.get("props") or {}).get("label", "")))
        except PageError:
            return None
        await page.emit(box_id, "update:modelValue", True)
        await page.wait_for(lambda p: bool(buttons(p, zh("counter.capture.button"))), timeout_s)
        capture = buttons(page, zh("counter.capture.button"))
    before = set(_cameras(page))  # a dialog closed before may still be listed until its deletion arrives
    await page.emit(capture[0], "click", {})
    await page.wait_for(lambda p: bool(set(_cameras(p)) - before), timeout_s)
    camera_id = max(set(_cameras(page)) - before, key=int)
    return camera_id, page.elements[camera_id]["props"]["upload_url"]


def _cameras(page: Page) -> list[str]:
    return [i for i, e in page.elements.items() if e and "upload_url" in (e.get("props") or {})]


async def post_frame(
    http: aiohttp.ClientSession, upload_url: str, jpeg: bytes, timeout_s: float = 60
) -> tuple[int, dict]:
    """POST one camera frame as the camera's script does: the HTTP status and the JSON reply ({} if none)."""
    async with http.post(
        upload_url,
        data=jpeg,
        headers={"Content-Type": "image/jpeg"},
        timeout=aiohttp.ClientTimeout(total=timeout_s),
    ) as response:
        try:
            reply = await response.json()
        except (aiohttp.ContentTypeError, ValueError):
            reply = {}
        return response.status, reply if isinstance(reply, dict) else {}


async def show_and_cancel(page: Page, camera_id: str, status: int, reply: dict, timeout_s: float = 30) -> None:
    """What the browser does after the POST (the `posted` event: the dialog draws the result), then Cancel,
    which forgets the pages, as a clerk retaking the photo would; returns once the dialog has gone."""
    await page.emit(camera_id, "posted", {"status": status, **reply})
    cancel = buttons(page, zh("ui.cancel"))
    if not cancel:
        raise PageError("no Cancel button on the capture dialog")
    await page.emit(max(cancel, key=int), "click", {})  # the newest: the capture dialog's
    await page.wait_for(lambda p: camera_id not in _cameras(p), timeout_s)


async def defer_all(page: Page, timeout_s: float = 30) -> bool:
    """容缺 every material still missing; False if one may not be deferred (the dialog said why)."""
    while defer := buttons(page, zh("counter.defer.button")):
        count = len(defer)
        await page.emit(defer[0], "click", {})
        await page.wait_for(lambda p: bool(buttons(p, zh("counter.defer.confirm"))), timeout_s)
        await page.emit(buttons(page, zh("counter.defer.confirm"))[-1], "click", {})
        try:
            await page.wait_for(_fewer_buttons(zh("counter.defer.button"), count), 5)
        except PageError:
            if page.disconnected:
                raise
            return False
    return True


async def submit(page: Page, on_sent=None, timeout_s: float = 30) -> str | None:
    """Click Submit; the case number shown, or None if the counter refused (its reason is on the page)."""
    before = set(page.texts())
    await page.emit(buttons(page, zh("counter.case.submit"))[0], "click", {})
    if on_sent is not None:
        on_sent()
    await page.wait_for(lambda p: case_number(p) is not None or bool(set(p.texts()) - before), timeout_s)
    try:  # a new text that is not the case number may be a redraw on the way to it, or the refusal
        await page.wait_for(lambda p: case_number(p) is not None, 2)
    except PageError:
        if page.disconnected:
            raise
        return None
    return case_number(page)
