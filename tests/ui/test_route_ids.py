"""Finding 7 of issue #10: every route with an id in its path answers 404 to a malformed or
out-of-range id (never 500 from an overflowing integer, never FastAPI's 422), as a role that may open it."""

from __future__ import annotations

import re
import sys

from nicegui import app
from nicegui.testing import User
from sqlmodel import select

from desk.db import session_scope
from desk.records.tables import Person, PersonalAccount
from desk.security.staff import Staff

BAD_IDS = ("-1", "0", str(2**70), "abc", "1e3", "2147483648", "１２", "٣", "12%20", "")
# route -> the parameters that are ids (the others get a valid value: the tab's token, a kind, a form)
ID_ROUTES = {
    ("GET", "/archive/image/{page_id}/{kind}"): {"page_id"},
    ("GET", "/archive/export/{document_id}"): {"document_id"},
    ("GET", "/archive/page/{page_id}"): {"page_id"},
    ("GET", "/review/case/{case_id}"): {"case_id"},
    ("GET", "/loan-trial/{person_id}"): {"person_id"},
    ("GET", "/counter/notice/{case_no}"): {"case_no"},
    ("GET", "/counter/page/{token}/{page_id}/{kind}"): {"page_id"},
    ("GET", "/counter/form/{token}/{person_id}/{form}"): {"person_id"},
    ("GET", "/counter/pending/{token}/{key}"): {"key"},
    ("POST", "/counter/frame/{token}"): set(),  # a token only: a wrong one is refused with 403 (test_counter.py)
    ("POST", "/counter/preview/{token}"): set(),  # the same (test_camera_preview.py)
}


def _routes_with_parameters() -> set[tuple[str, str]]:
    """Every (method, path) of our own routes and pages whose path has a parameter."""
    found = set()
    for route in app.routes:
        path = getattr(route, "path", "")
        if "{" in path and not path.startswith("/_nicegui"):
            for method in sorted(getattr(route, "methods", None) or {"GET"}):
                if method != "HEAD":
                    found.add((method, path))
    return found


async def _supervisor_with_a_customer_open(user: User, log_in, desk_db, staff_hashes) -> str:
    """Log in as a supervisor (who may open every one of these routes), open a customer; the tab's token."""
    with session_scope(desk_db) as db:
        db.add(Staff(username="super7", display_name="赵敏", role="supervisor", password_hash=staff_hashes["clerk7"]))
        person = db.exec(
            select(Person).join(PersonalAccount, PersonalAccount.person_id == Person.id).order_by(Person.id)
        ).first()
    await log_in("super7", "Counter2026a", path="/login?redirect_to=/lookup")
    user.find(marker="query").clear().type(person.id_number).trigger("keydown.enter")
    await user.should_see(marker="counter", retries=100)
    [tab] = [tab for tab in sys.modules["desk.ui.capture_routes"]._tabs.values() if tab.username == "super7"]
    return tab.token


async def test_every_route_with_an_id_answers_404_to_bad_ids(user: User, log_in, desk_db, staff_hashes):
    from desk.cases.forms import forms

    assert _routes_with_parameters() == set(ID_ROUTES), "a route with a path parameter is missing from this test"
    token = await _supervisor_with_a_customer_open(user, log_in, desk_db, staff_hashes)
    valid = {"token": token, "kind": "thumb", "form": next(iter(forms()))}
    checked = 0
    for (method, template), id_params in ID_ROUTES.items():
        for bad in BAD_IDS:
            if not id_params or (
                bad == "" and template.endswith("}") and template.rsplit("/", 1)[1][1:-1] in id_params
            ):
                continue  # an empty last segment is another path (the list page), not this route
            path = re.sub(r"\{(\w+)\}", lambda m: bad if m.group(1) in id_params else valid[m.group(1)], template)
            response = await user.http_client.request(method, path)
            assert response.status_code == 404, f"{method} {path}: {response.status_code}"
            checked += 1
    frame = await user.http_client.post(f"/counter/frame/{2**70}", content=b"x")
    assert frame.status_code == 403  # a token that is no tab's
    assert checked >= 80


async def test_the_404_page_speaks_the_users_language(user: User, log_in, desk_db, staff_hashes):
    await _supervisor_with_a_customer_open(user, log_in, desk_db, staff_hashes)
    zh = await user.http_client.get(f"/archive/page/{2**70}")
    assert zh.status_code == 404 and "页面不存在" in zh.text
    user.http_client.headers["Accept-Language"] = "en"  # the session's stored language wins over the header
    assert "页面不存在" in (await user.http_client.get("/review/case/abc")).text


def test_parse_id_bounds():
    from desk.ui.route_ids import MAX_ID, parse_case_no, parse_id

    assert [parse_id(x) for x in ("1", "007", str(MAX_ID))] == [1, 7, MAX_ID]
    assert [parse_id(x) for x in BAD_IDS] == [None] * len(BAD_IDS)
    assert parse_case_no("DL2026-000123") == "DL2026-000123"
    assert [parse_case_no(x) for x in ("abc", "DL2026-1", "dl2026-000123", "DL2026-000123x", "1e3")] == [None] * 5
