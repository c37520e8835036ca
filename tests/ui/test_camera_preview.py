"""The live outline's route (`POST /counter/preview/{token}`) behind a real capture dialog: a generated
page photo sent as camera.js sends it (a 640-px preview frame, then a full-resolution crop of the
page's middle) comes back outlined and ok, a page running off the frame comes back cut off with the
reason in the clerk's language; a wrong token, an anonymous caller, an oversize body and a non-image
are refused, and so is a staff member whose role may not capture (an archivist, an admin), even
with a token of their own tab."""

from __future__ import annotations

import cv2
import numpy as np
from conftest import ADMIN
from docgen import SceneOptions, make_sample
from nicegui.testing import User
from sqlmodel import select
from test_counter import _capture_a_missing_material

from desk.db import session_scope
from desk.i18n import t, use_language
from desk.security.staff import Staff

PREVIEW_SIDE, DETAIL_SIDE = 640, 512


def _zh(key: str, **params) -> str:
    with use_language("zh-CN"):
        return t(key, **params)


def _body(frame: np.ndarray, centre: np.ndarray) -> tuple[bytes, dict[str, str]]:
    """What camera.js POSTs: the preview JPEG, then the crop, with where the crop starts."""
    scale = PREVIEW_SIDE / max(frame.shape[:2])
    small = cv2.imencode(
        ".jpg",
        cv2.resize(frame, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA),
        [cv2.IMWRITE_JPEG_QUALITY, 70],
    )[1].tobytes()
    x, y = (int(np.clip(centre[k] - DETAIL_SIDE / 2, 0, frame.shape[1 - k] - DETAIL_SIDE)) for k in (0, 1))
    detail = cv2.imencode(".jpg", frame[y : y + DETAIL_SIDE, x : x + DETAIL_SIDE], [cv2.IMWRITE_JPEG_QUALITY, 90])[1]
    return small + detail.tobytes(), {"content-type": "image/jpeg", "x-frame-bytes": str(len(small))}


def _preview_url(user: User) -> str:
    return next(iter(user.find(marker="camera").elements))._props["preview_url"]


async def test_a_preview_frame_comes_back_outlined_and_a_cut_off_page_says_why(user: User, log_in, desk_db):
    await _capture_a_missing_material(user, log_in, desk_db)
    url = _preview_url(user)
    sample = make_sample(23, "lease", SceneOptions(angle_deg=3.0))
    frame, truth = sample.decode(), sample.corners

    body, headers = _body(frame, truth.mean(axis=0))
    whole = await user.http_client.post(url, content=body, headers=headers)
    assert whole.status_code == 200
    reply = whole.json()
    assert reply["found"] and reply["ok"] and reply["problems"] == [] and reply["messages"] == []
    corners = np.array(reply["corners"]) * [frame.shape[1], frame.shape[0]]
    error = min(np.linalg.norm(np.roll(corners, k, axis=0) - truth, axis=1).mean() for k in range(4))
    assert error / np.hypot(*frame.shape[:2]) < 0.01

    xs = truth[:, 0]
    cut = frame[:, : int(xs.max() - 0.15 * (xs.max() - xs.min()))]
    body, headers = _body(cut, truth.mean(axis=0))
    reply = (await user.http_client.post(url, content=body, headers=headers)).json()
    assert not reply["ok"] and "page_cut_off" in reply["problems"]
    assert _zh("counter.camera.outline.page_cut_off") in reply["messages"]


async def test_the_preview_route_refuses_a_wrong_token_an_oversize_body_and_a_non_image(user: User, log_in, desk_db):
    await _capture_a_missing_material(user, log_in, desk_db)
    url = _preview_url(user)
    wrong = await user.http_client.post("/counter/preview/not-a-token", content=b"\xff\xd8")
    assert wrong.status_code == 403 and wrong.json()["message"] == _zh("counter.route.bad_token")
    big = await user.http_client.post(url, content=b"\0" * (3 * 2**20), headers={"content-type": "image/jpeg"})
    assert big.status_code == 413 and big.json()["message"] == _zh("ui.request_too_large", mb=2)
    garbage = await user.http_client.post(url, content=b"not a jpeg")
    assert garbage.status_code == 400 and garbage.json()["message"] == _zh("counter.route.not_an_image")

    cookies = dict(user.http_client.cookies)
    user.http_client.cookies.clear()  # anonymous: the middleware sends it to the login page
    anonymous = await user.http_client.post(url, content=b"\xff\xd8")
    assert anonymous.status_code == 307 and anonymous.headers["location"].startswith("/login")
    user.http_client.cookies.update(cookies)


async def test_the_preview_and_frame_routes_refuse_a_role_that_may_not_capture(user: User, log_in, desk_db):
    await _capture_a_missing_material(user, log_in, desk_db)
    preview, frame = _preview_url(user), next(iter(user.find(marker="camera").elements))._props["upload_url"]
    photo = cv2.imencode(".jpg", make_sample(23, "lease", SceneOptions(angle_deg=3.0)).decode())[1].tobytes()
    headers = {"content-type": "image/jpeg"}
    assert (await user.http_client.post(preview, content=photo, headers=headers)).json()["ok"]  # the clerk may

    with session_scope(desk_db) as db:  # the clerk is made an archivist while the dialog is open
        db.exec(select(Staff).where(Staff.username == "clerk7")).one().role = "archivist"
    for url in (preview, frame):  # the tab's own token, but no longer a role that captures
        refused = await user.http_client.post(url, content=photo, headers=headers)
        assert refused.status_code == 403 and _zh("ui.forbidden.title") in refused.text

    username, _, _, password, _ = ADMIN  # an admin, logged in on the same browser, may not capture either
    await log_in(username, password, wait=False)
    await user.should_see(marker="who", retries=100)
    refused = await user.http_client.post(preview, content=photo, headers=headers)
    assert refused.status_code == 403 and _zh("ui.forbidden.title") in refused.text


async def test_a_preview_arriving_after_the_dialog_closed_is_dropped_not_refused(user: User, log_in, desk_db):
    """A preview still on its way when the clerk closes the dialog gets a quiet 200 (a 403 is a browser console
    error); a full frame after the close is still refused."""
    await _capture_a_missing_material(user, log_in, desk_db)
    url = _preview_url(user)
    user.find(marker="cancel-capture").click()
    late = await user.http_client.post(url, content=b"\xff\xd8")
    assert late.status_code == 200 and late.json()["dropped"] is True
    frame = await user.http_client.post(url.replace("/preview/", "/frame/"), content=b"\xff\xd8")
    assert frame.status_code == 403
