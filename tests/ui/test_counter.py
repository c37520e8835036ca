"""The counter flow through NiceGUI's simulated User: business → checklist and rules, capture by
upload (real pipeline in a worker process) → archive row and checklist update, submit refused
while a material is missing, 容缺 then submit → case number, pay-first payment and the notice;
the frame route and the image routes refusing what they must; the clerk's own cases."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta

import pypdfium2 as pdfium
import pytest
from counter_documents import as_holder, photo_of
from nicegui import ElementFilter, app
from nicegui.testing import User
from sqlmodel import select

from desk.archive.tables import ArchiveDocument, ArchivePage
from desk.cases.catalog import get_catalog
from desk.cases.checklist import checklist_for
from desk.cases.tables import Case, CaseMaterial
from desk.cases.working_days import local_day
from desk.db import session_scope
from desk.i18n import t, use_language
from desk.money import Money
from desk.records.tables import Person, PersonalAccount
from desk.security.access_log import AccessLog
from desk.security.masking import mask_name
from desk.security.staff import Staff

CLERK_PASSWORD = "Counter2026a"
RENT = "TQ401"


def _zh(key: str, **params) -> str:
    with use_language("zh-CN"):
        return t(key, **params)


def _people(engine) -> list[Person]:
    with session_scope(engine) as db:
        return list(
            db.exec(select(Person).join(PersonalAccount, PersonalAccount.person_id == Person.id).order_by(Person.id))
        )


def _statuses(engine, person: Person, business: str, declared=()) -> dict[str, str]:
    with session_scope(engine) as db:
        checklist = checklist_for(db, person.id, business, declared=declared)
    return {item.material: item.status for item in checklist.items}


def _first(engine, business: str, wanted, declared=(), eligible: bool | None = None) -> Person:
    """The first seeded customer whose checklist of `business` satisfies `wanted(statuses)`."""
    for person in _people(engine):
        if wanted(_statuses(engine, person, business, declared)) and (
            eligible is None or _eligible(engine, person, business, declared) == eligible
        ):
            return person
    pytest.fail(f"no demo customer fits the {business} scenario")


def _eligible(engine, person: Person, business: str, declared=()) -> bool:
    with session_scope(engine) as db:
        return checklist_for(db, person.id, business, declared=declared).eligible


def _log(engine, action: str | None = None) -> list[AccessLog]:
    with session_scope(engine) as db:
        rows = list(db.exec(select(AccessLog).order_by(AccessLog.id)))
    return [row for row in rows if action is None or row.action == action]


async def _open_customer(user: User, log_in, person: Person) -> None:
    await log_in("clerk7", CLERK_PASSWORD)
    user.find(marker="query").clear().type(person.id_number).trigger("keydown.enter")
    await user.should_see(marker="counter", retries=100)


async def _pick(user: User, business: str) -> None:
    user.find(marker="business").click()
    user.find(f"{business} {get_catalog().business[business].zh}").click()
    await user.should_see(marker="totals", retries=100)


def _text(user: User, marker: str) -> str:
    """The text of the elements with `marker` and of everything inside them."""
    return " ".join(
        str(getattr(item, "text", "") or "")
        for element in user.find(marker=marker).elements
        for item in (element, *element.descendants())
    ).strip()


async def _capture_a_missing_material(user: User, log_in, desk_db) -> None:
    """Log in, open a customer with a missing material for rent, and open its capture dialog."""
    person = _first(desk_db, RENT, lambda s: "missing" in s.values())
    missing = next(m for m, v in _statuses(desk_db, person, RENT).items() if v == "missing")
    await _open_customer(user, log_in, person)
    await _pick(user, RENT)
    user.find(marker=f"capture {missing}").click()
    await user.should_see(marker="capture-dialog")


def _has(user: User, marker: str) -> bool:
    with user:
        return any(ElementFilter(marker=marker))


def _accept_enabled(user: User) -> bool:
    return next(iter(user.find(marker="accept-capture").elements)).enabled


def _frame_url(user: User) -> str:
    return next(iter(user.find(marker="camera").elements))._props["upload_url"]


async def test_business_shows_checklist_and_rules_at_once_and_logs_the_read(user: User, log_in, desk_db):
    person = _first(
        desk_db, RENT, lambda s: "proven" in s.values() and "missing" in s.values() and "not_applicable" in s.values()
    )
    await _open_customer(user, log_in, person)
    await user.should_see(_zh("counter.business.hint"))
    await _pick(user, RENT)
    with session_scope(desk_db) as db:
        checklist = checklist_for(db, person.id, RENT)
    with use_language("zh-CN"):
        for item in checklist.items:
            detail = _text(user, f"detail {item.material}")
            assert item.reason() in detail, (item.material, detail)
            assert _text(user, f"status {item.material}") == t(f"cases.status.{item.status}")
            if item.status == "proven":
                assert f"截至 {local_day(item.as_of).isoformat()}" in detail  # as of when
            to_capture = item.status in ("missing", "unknown")
            assert _has(user, f"capture {item.material}") == to_capture
        totals = _text(user, "totals")
        assert t("counter.totals.required", count=checklist.totals["required"]) in totals
        assert t("counter.totals.proven", count=checklist.totals["proven"]) in totals
        assert t("counter.totals.to_capture", count=checklist.totals["to_capture"]) in totals
        for rule in checklist.rules:
            shown = _text(user, f"rule {rule.rule}")
            assert rule.label() in shown and rule.reason() in shown
        verdict = "counter.rules.eligible" if checklist.eligible else "counter.rules.not_eligible"
        assert _text(user, "eligibility") == t(verdict)
    assert [(row.action, row.person_id) for row in _log(desk_db)][-1] == ("checklist", person.id)


async def test_a_declaration_switches_the_conditional_material_on(user: User, log_in, desk_db):
    person = _first(desk_db, RENT, lambda s: s["M10"] == "not_applicable")
    await _open_customer(user, log_in, person)
    await _pick(user, RENT)
    await user.should_see(marker="status M10")
    assert _text(user, "status M10") == _zh("cases.status.not_applicable")
    user.find(marker="declare actual_rent").click()
    expected = _statuses(desk_db, person, RENT, ["actual_rent"])["M10"]
    await user.should_see(marker="status M10", content=_zh(f"cases.status.{expected}"), retries=100)


async def test_submit_is_refused_while_missing_then_deferred_submitted_paid_and_noticed(user: User, log_in, desk_db):
    person = _first(
        desk_db, RENT, lambda s: [m for m, v in s.items() if v in ("missing", "unknown")] == ["M03"], eligible=True
    )
    await _open_customer(user, log_in, person)
    await _pick(user, RENT)
    user.find(marker="submit-case").click()
    await user.should_see(_zh("cases.workflow.materials_missing", materials="M03"), retries=100)
    with session_scope(desk_db) as db:
        case = db.exec(select(Case).where(Case.person_id == person.id)).one()
        assert (case.state, case.opened_by, case.business_code, case.case_no) == ("draft", "clerk7", RENT, None)
    await user.should_see(marker="case-line", content=_zh("counter.case.draft"))  # a draft has no number

    user.find(marker="defer M03").click()
    await user.should_see(marker="defer-dialog")
    too_late = local_day(case.opened_at) + timedelta(days=45)
    user.find(marker="defer-date").clear().type(too_late.isoformat())
    user.find(marker="defer-confirm").click()
    await user.should_see(_zh("cases.workflow.bad_promise_date", days=30), retries=100)
    promised = local_day(case.opened_at) + timedelta(days=10)
    user.find(marker="defer-date").clear().type(promised.isoformat())
    user.find(marker="defer-confirm").click()
    await user.should_see(marker="status M03", content=_zh("cases.status.deferred"), retries=100)
    await user.should_see(_zh("counter.material.deferred", date=promised.isoformat()))

    user.find(marker="submit-case").click()
    await user.should_see(marker="notice", retries=100)
    with session_scope(desk_db) as db:
        case = db.exec(select(Case).where(Case.id == case.id)).one()
        deferred = db.exec(
            select(CaseMaterial).where(CaseMaterial.case_id == case.id, CaseMaterial.material == "M03")
        ).one()
    assert case.state == "paid" and case.submitted_by == "clerk7"  # rent is pay-first: paid at once
    assert case.paid_at is not None and case.amount_fen > 0
    assert (deferred.status, deferred.promised_on) == ("deferred", promised)
    pay_note = "counter.case.paid_sampled" if case.sampled_for_review else "counter.case.paid_not_sampled"
    await user.should_see(_zh(pay_note))
    assert _text(user, "notice-case-no") == case.case_no
    with use_language("zh-CN"):
        item = _text(user, "notice-item M03")
        assert "结婚证" in item and promised.isoformat() in item
        assert Money(case.amount_fen).plain() in _text(user, "notice-amount")
        assert mask_name(person.name) in _text(user, "notice")
    assert _text(user, "notice-url").endswith(f"/inquiry?case={case.case_no}")
    qr = next(iter(user.find(marker="notice-qr").elements))
    assert qr.content.lstrip().startswith("<svg")
    assert _log(desk_db, "view_notice")[-1].case_no == case.case_no

    await user.open("/counter/cases")  # the clerk's own recent cases
    await user.should_see(marker="my-cases", retries=50)
    table = next(iter(user.find(marker="my-cases").elements))
    assert [(row["case_no"], row["business"]) for row in table.rows] == [(case.case_no, RENT)]
    await user.open(f"/counter/notice/{case.case_no}")  # printable again later
    await user.should_see(marker="notice-case-no", content=case.case_no, retries=50)


async def test_upload_capture_shows_mismatch_then_accepts_the_customers_card(user: User, log_in, desk_db, monkeypatch):
    # the population registry is down: the ID card is "unknown", so it is captured like a missing paper
    monkeypatch.setenv("DESK_REGISTRY_UNAVAILABLE", "mps_population")
    person = _people(desk_db)[0]
    stranger = _people(desk_db)[1]
    await _open_customer(user, log_in, person)
    await _pick(user, RENT)
    assert _text(user, "status M01") == _zh("cases.status.unknown")
    user.find(marker="capture M01").click()
    await user.should_see(marker="capture-dialog")

    upload = next(iter(user.find(marker="upload").elements))
    stranger_card = photo_of("id_card_front", as_holder(stranger), seed=11)
    await upload.handle_uploads([upload.SmallFileUpload("stranger.jpg", "image/jpeg", stranger_card.jpeg)])
    await user.should_see(marker="id 1", retries=600)
    assert "证件号码不一致" in _text(user, "id 1")
    assert _text(user, "fit 1") == _zh("counter.fit.fits", type=_zh("capture.doc_type.id_card_front"))
    user.find(marker="retake 1").click()
    await user.should_not_see(marker="page 1")

    card = photo_of("id_card_front", as_holder(person), seed=12)
    await upload.handle_uploads([upload.SmallFileUpload("id-front.jpg", "image/jpeg", card.jpeg)])
    await user.should_see(marker="id 1", content=_zh("counter.id.applicant"), retries=600)
    token_url = next(iter(user.find(marker="page-image 1").elements)).source
    response = await user.http_client.get(token_url)  # the pending page, by URL, for this session only
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "no-store, private"

    # a second front is not the back: Accept stays disabled and says what is missing
    again = photo_of("id_card_front", as_holder(person), seed=13)
    await upload.handle_uploads([upload.SmallFileUpload("id-second.jpg", "image/jpeg", again.jpeg)])
    await user.should_see(marker="id 2", content=_zh("counter.id.applicant"), retries=600)
    assert not _accept_enabled(user)
    back_label = get_catalog().side_label("id_card_back", "zh-CN")
    assert _text(user, "capture-hint") == _zh("counter.capture.sides_hint", sides=back_label)
    assert _text(user, "side id_card_back") == _zh("counter.side.missing", side=back_label)
    user.find(marker="retake 2").click()
    await user.should_not_see(marker="page 2")

    back = photo_of("id_card_back", as_holder(person), seed=13)  # the back: one document of two pages
    await upload.handle_uploads([upload.SmallFileUpload("id-back.jpg", "image/jpeg", back.jpeg)])
    await user.should_see(marker="side-of 2", content=back_label, retries=600)
    assert _text(user, "side id_card_back") == _zh("counter.side.present", side=back_label)
    assert _accept_enabled(user) and _text(user, "capture-hint") == ""
    await user.should_see(marker="accept-capture", content=_zh("counter.capture.accept", pages=2))

    user.find(marker="accept-capture").click()
    await user.should_see(marker="status M01", content=_zh("cases.status.captured"), retries=200)
    await user.should_not_see(marker="capture-dialog")
    with session_scope(desk_db) as db:
        case = db.exec(select(Case).where(Case.person_id == person.id)).one()
        material = db.exec(
            select(CaseMaterial).where(CaseMaterial.case_id == case.id, CaseMaterial.material == "M01")
        ).one()
        document = db.get(ArchiveDocument, material.document_id)
        pages = list(db.exec(select(ArchivePage).where(ArchivePage.document_id == document.id)))
    assert (material.status, document.person_id, document.material_code, document.case_no) == (
        "captured",
        person.id,
        "M01",
        case.case_no,
    )
    assert (document.source, document.captured_by, document.title, document.page_count) == (
        "upload",
        "clerk7",
        "id-front.jpg",
        2,
    )
    assert [page.page_no for page in sorted(pages, key=lambda p: p.page_no)] == [1, 2]
    assert pages[0].doc_type == "id_card_front" and person.id_number in pages[0].text.replace(" ", "")
    await user.should_see(_zh("counter.material.captured", pages=2))

    thumbs = [element.source for element in user.find(marker="thumb M01").elements]
    assert len(thumbs) == 2
    thumb = thumbs[0]
    response = await user.http_client.get(thumb)
    assert response.status_code == 200 and response.content[:2] == b"\xff\xd8"
    assert (_log(desk_db, "view_document")[-1].person_id, _log(desk_db, "view_document")[-1].case_no) == (
        person.id,
        case.case_no,
    )
    wrong_token = thumb.replace(thumb.split("/")[3], "not-the-token")
    assert (await user.http_client.get(wrong_token)).status_code == 404


async def test_a_bad_upload_gets_a_clear_message(user: User, log_in, desk_db):
    await _capture_a_missing_material(user, log_in, desk_db)
    upload = next(iter(user.find(marker="upload").elements))
    await upload.handle_uploads([upload.SmallFileUpload("notes.jpg", "image/jpeg", b"this is not a picture")])
    await user.should_see(marker="capture-message", content="无法使用此文件", retries=300)
    await user.should_not_see(marker="page 1")


async def test_the_frame_route_refuses_anonymous_wrong_token_and_closed_dialog(user: User, log_in, desk_db):
    await _capture_a_missing_material(user, log_in, desk_db)
    url = _frame_url(user)

    wrong = await user.http_client.post("/counter/frame/not-a-token", content=b"\xff\xd8")
    assert wrong.status_code == 403 and wrong.json() == {"ok": False, "message": _zh("counter.route.bad_token")}
    posted = await user.http_client.post(url, content=b"garbage, not a JPEG")
    assert posted.status_code == 200 and posted.json() == {"ok": True}
    # what camera.js does next: tell the page the POST came back; the refusal is shown in the dialog
    user.find(marker="camera").trigger("posted", {"status": 200, "ok": True})
    await user.should_see(marker="capture-message", content="无法使用此文件", retries=300)

    cookies = dict(user.http_client.cookies)
    user.http_client.cookies.clear()  # anonymous: the middleware sends it to the login page
    anonymous = await user.http_client.post(url, content=b"\xff\xd8")
    assert anonymous.status_code == 307 and anonymous.headers["location"].startswith("/login")
    user.http_client.cookies.update(cookies)

    user.find(marker="cancel-capture").click()
    await user.should_not_see(marker="capture-dialog")
    closed = await user.http_client.post(url, content=b"\xff\xd8")
    assert closed.status_code == 403  # the token lives on, but no dialog waits for a frame


async def test_another_clerk_cannot_see_the_pages_or_the_notice(user: User, log_in, desk_db, staff_hashes):
    person = _first(
        desk_db, RENT, lambda s: [m for m, v in s.items() if v in ("missing", "unknown")] == ["M03"], eligible=True
    )
    with session_scope(desk_db) as db:
        db.add(Staff(username="clerk8", display_name="李强", role="clerk", password_hash=staff_hashes["clerk7"]))
    await _open_customer(user, log_in, person)
    await _pick(user, RENT)
    user.find(marker="defer M03").click()
    user.find(marker="defer-confirm").click()  # the suggested date is a week ahead
    await user.should_see(marker="status M03", content=_zh("cases.status.deferred"), retries=100)
    user.find(marker="submit-case").click()
    await user.should_see(marker="notice", retries=100)
    case_no = _text(user, "notice-case-no")

    user.find(marker="logout").click()
    await user.should_see(marker="reason", retries=50)  # /logout answered
    await log_in("clerk8", CLERK_PASSWORD)
    await user.open(f"/counter/notice/{case_no}")
    await user.should_see(marker="notice-refused", retries=50)
    await user.should_not_see(marker="notice-case-no")
    await user.open("/counter/cases")
    await user.should_see(marker="no-cases", retries=50)
    assert app.storage.user["username"] == "clerk8"


def _spy_on_archive(monkeypatch) -> list[dict]:
    """Record what the counter panel passes to archive_capture (and still archive for real)."""
    panel = sys.modules["desk.ui.counter_panel"]
    calls, real = [], panel.archive_capture

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(panel, "archive_capture", spy)
    return calls


async def test_flagged_pages_need_a_reason_and_the_clerk_names_an_unreadable_side(
    user: User, log_in, desk_db, monkeypatch
):
    monkeypatch.setenv("DESK_REGISTRY_UNAVAILABLE", "mps_population")  # M01 to capture
    person, stranger = _people(desk_db)[0], _people(desk_db)[1]
    await _open_customer(user, log_in, person)
    await _pick(user, RENT)
    calls = _spy_on_archive(monkeypatch)
    user.find(marker="capture M01").click()
    await user.should_see(marker="capture-dialog")
    upload = next(iter(user.find(marker="upload").elements))
    front = photo_of("id_card_front", as_holder(stranger), seed=21)  # someone else's card
    await upload.handle_uploads([upload.SmallFileUpload("front.jpg", "image/jpeg", front.jpeg)])
    await user.should_see(marker="id 1", retries=600)
    hidden = photo_of("id_card_back_hidden", as_holder(stranger), seed=22)  # its back, lines unreadable
    await upload.handle_uploads([upload.SmallFileUpload("back.jpg", "image/jpeg", hidden.jpeg)])
    await user.should_see(marker="side-select 2", retries=600)
    assert not _accept_enabled(user)  # the classifier found no type: the back is not there yet

    next(iter(user.find(marker="side-select 2").elements)).value = "id_card_back"  # the clerk says it is
    await user.should_see(marker="side id_card_back", content="✓")
    assert _accept_enabled(user)
    user.find(marker="accept-capture").click()
    await user.should_see(marker="reason-dialog")
    assert _zh("counter.flag.id_mismatch") in _text(user, "reason-flag")
    user.find(marker="reason-confirm").click()  # no reason picked
    await user.should_see(marker="reason-error", content=_zh("counter.reason.required"))
    assert calls == []
    next(iter(user.find(marker="reason-error").elements)).text = ""  # so the next refusal is seen anew
    next(iter(user.find(marker="reason-pick").elements)).value = "other"
    user.find(marker="reason-confirm").click()  # "other" without words
    await user.should_see(marker="reason-error", content=_zh("counter.reason.required"))
    assert calls == []
    user.find(marker="reason-text").type("客户持配偶前妻的旧证，已电话核实")
    user.find(marker="reason-confirm").click()
    await user.should_see(marker="status M01", content=_zh("cases.status.captured"), retries=200)
    assert [call["flag_reason"] for call in calls] == ["other:客户持配偶前妻的旧证，已电话核实"]
    assert calls[0]["sides"] == [None, "id_card_back"]
    with session_scope(desk_db) as db:
        document = db.exec(select(ArchiveDocument).where(ArchiveDocument.person_id == person.id)).one()
        pages = db.exec(
            select(ArchivePage.doc_type).where(ArchivePage.document_id == document.id).order_by(ArchivePage.page_no)
        ).all()
    assert list(pages) == ["id_card_front", "other"]


async def test_an_unmarried_customer_signs_the_printed_declaration_instead_of_m03(user: User, log_in, desk_db):
    person = _first(desk_db, RENT, lambda s: s["M03"] == "missing")  # the registry holds no marriage record
    married = _first(desk_db, RENT, lambda s: s["M03"] == "proven")
    await _open_customer(user, log_in, person)
    await _pick(user, RENT)
    button = next(iter(user.find(marker="print-form M03").elements))
    assert button.text == _zh("counter.form.print", form="婚姻状况声明（单身）")
    url = button._props["href"]
    token = url.split("/")[3]
    assert url == f"/counter/form/{token}/{person.id}/single_status" and button._props["target"] == "_blank"
    response = await user.http_client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == "application/pdf"
    assert response.headers["cache-control"] == "no-store, private"
    text = pdfium.PdfDocument(response.content)[0].get_textpage().get_text_range()
    assert person.name in text and person.id_number in text
    assert (_log(desk_db, "print_form")[-1].person_id, _log(desk_db, "print_form")[-1].staff) == (person.id, "clerk7")
    # another tab's token, or a customer not opened in this tab, gets nothing
    assert (await user.http_client.get(url.replace(token, "not-the-token"))).status_code == 404
    assert (await user.http_client.get(f"/counter/form/{token}/{married.id}/single_status")).status_code == 404
    assert len(_log(desk_db, "print_form")) == 1

    # signed at the counter, then captured like any other paper: it fits M03 through M32
    user.find(marker="capture M03").click()
    await user.should_see(marker="capture-dialog")
    upload = next(iter(user.find(marker="upload").elements))
    await upload.handle_uploads([upload.SmallFileUpload("declaration.pdf", "application/pdf", response.content)])
    await user.should_see(marker="fit 1", retries=600)
    assert _text(user, "fit 1") == _zh("counter.fit.fits", type=_zh("capture.doc_type.marital_status_declaration"))
    user.find(marker="accept-capture").click()
    await user.should_see(marker="status M03", content=_zh("cases.status.captured"), retries=200)


async def test_no_declaration_is_offered_to_a_married_customer(user: User, log_in, desk_db):
    married = _first(desk_db, RENT, lambda s: s["M03"] == "proven")
    single = _first(desk_db, RENT, lambda s: s["M03"] == "missing")
    await _open_customer(user, log_in, single)
    await _pick(user, RENT)
    token = next(iter(user.find(marker="print-form M03").elements))._props["href"].split("/")[3]
    user.find(marker="query").clear().type(married.id_number).trigger("keydown.enter")  # same tab, next customer
    await user.should_not_see(marker="print-form M03", retries=100)
    await _pick(user, RENT)
    assert not _has(user, "print-form M03")
    # a crafted request for the married customer (opened in this tab) is refused by the server too
    response = await user.http_client.get(f"/counter/form/{token}/{married.id}/single_status")
    assert response.status_code == 409 and "已婚" in response.text
    assert _log(desk_db, "print_form") == []


async def test_a_draft_left_for_another_business_is_discarded_and_never_listed(user: User, log_in, desk_db):
    person = _first(
        desk_db, RENT, lambda s: [m for m, v in s.items() if v in ("missing", "unknown")] == ["M03"], eligible=True
    )
    await _open_customer(user, log_in, person)
    await _pick(user, RENT)
    user.find(marker="defer M03").click()
    user.find(marker="defer-confirm").click()  # 容缺 opens the draft
    await user.should_see(marker="status M03", content=_zh("cases.status.deferred"), retries=100)
    with session_scope(desk_db) as db:
        draft = db.exec(select(Case).where(Case.person_id == person.id)).one()
    assert (draft.state, draft.case_no) == ("draft", None)
    await _pick(user, "TQ501")  # the clerk changes their mind
    for _ in range(100):
        with session_scope(desk_db) as db:
            if db.exec(select(Case.state).where(Case.id == draft.id)).one() == "discarded":
                break
        await asyncio.sleep(0.05)
    with session_scope(desk_db) as db:
        assert db.exec(select(Case.state).where(Case.id == draft.id)).one() == "discarded"
    await user.open("/counter/cases")
    await user.should_see(marker="no-cases", retries=50)  # a draft was never a case
