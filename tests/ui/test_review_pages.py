"""The supervisor's pages through NiceGUI's simulated User: who may open them, the queues (oldest
first, overdue flagged), the case page with its evidence and images, decisions, four eyes, a stale
decision, the post-review claw-back."""

from __future__ import annotations

import pytest
from nicegui.testing import User
from review_archive_seed import (  # noqa: F401 - fixtures
    SUPERVISOR,
    SUPERVISOR2,
    actor,
    days_ago,
    lease_page,
    rent_case,
    review_hashes,
    review_staff,
    simple_case,
)
from sqlmodel import select

from desk.cases.tables import Case
from desk.cases.workflow import CaseError, get_case, history, perform
from desk.db import session_scope
from desk.i18n import t, use_language
from desk.security.access_log import AccessLog

CLERK_PASSWORD = "Counter2026a"


def _zh(key: str, **params) -> str:
    with use_language("zh-CN"):
        return t(key, **params)


def _case(engine, case_id: int) -> Case:
    with session_scope(engine) as db:
        return get_case(db, case_id)


def _log(engine, action: str) -> list[AccessLog]:
    with session_scope(engine) as db:
        return list(db.exec(select(AccessLog).where(AccessLog.action == action).order_by(AccessLog.id)))


def markers_in(user: User, marker: str, first: str) -> list[str]:
    """The markers ("case DL2026-000001") whose first word is `first` inside the element marked `marker`, in order."""
    [outer] = user.find(marker=marker).elements
    return [" ".join(element._markers) for element in outer.descendants() if element._markers[:1] == [first]]


async def _as_supervisor(log_in, account=SUPERVISOR) -> None:
    await log_in(account[0], account[3])


async def _simple_case_page(user: User, log_in, engine, ready: str) -> tuple[int, str]:
    """A submitted decide-first case, opened by the supervisor once the element `ready` shows."""
    case_id, case_no = simple_case(engine)
    await _as_supervisor(log_in)
    await user.open(f"/review/case/{case_id}")
    await user.should_see(marker=ready, retries=50)
    return case_id, case_no


async def test_clerk_is_refused_from_supervisor_archive_and_catalog_pages(user: User, log_in, review_staff):
    await log_in("clerk7", CLERK_PASSWORD)
    await user.should_not_see(marker="menu /review")
    for path in (
        "/review",
        "/review/case/1",
        "/archive",
        "/archive/page/1",
        "/archive/fixity",
        "/archive/image/1/thumb",
        "/archive/export/1",
        "/admin/catalog",
    ):
        response = await user.http_client.get(path)
        assert response.status_code == 403, path


async def test_anonymous_gets_the_login_page_except_for_the_inquiry(user: User, review_staff):
    for path in (
        "/review",
        "/review/case/1",
        "/archive",
        "/archive/fixity",
        "/archive/image/1/thumb",
        "/archive/export/1",
        "/admin/catalog",
    ):
        response = await user.http_client.get(path)
        assert response.status_code == 307 and response.headers["location"].startswith("/login"), path
    response = await user.http_client.get("/inquiry?case=DL2026-000001")
    assert response.status_code == 200


async def test_other_roles_keep_to_their_pages(user: User, log_in, review_staff):
    await _as_supervisor(log_in)
    assert user.back_history[-1] == "/review"  # the supervisor's start page
    assert (await user.http_client.get("/admin/catalog")).status_code == 403
    assert (await user.http_client.get("/archive")).status_code == 200  # supervisors may read the archive
    user.find(marker="logout").click()
    await user.should_see(marker="reason", retries=50)  # /logout answered
    await log_in("arch7", "Archive2026cc")
    assert user.back_history[-1] == "/archive"
    assert (await user.http_client.get("/review")).status_code == 403


async def test_queues_oldest_first_with_overdue_flagged_and_the_post_review_sample(
    user: User, log_in, review_staff, data_dir, lease_page
):
    engine = review_staff
    old_id, old_no = simple_case(engine, when=days_ago(20))
    new_id, new_no, _ = rent_case(engine, data_dir, lease_page)
    paid_id, paid_no, _ = rent_case(engine, data_dir, lease_page, paid=True)
    await _as_supervisor(log_in)
    await user.should_see(marker="queue-decisions", retries=50)
    # oldest first; the paid case waits in the other queue
    assert markers_in(user, "queue-decisions", "case") == [f"case {old_no}", f"case {new_no}"]
    assert markers_in(user, "queue-sample", "case") == [f"case {paid_no}"]
    overdue = next(iter(user.find(marker=f"due {old_no}").elements)).text
    assert overdue.startswith("已逾期：应于 " + str(_case(engine, old_id).due_on))
    assert "逾期" not in next(iter(user.find(marker=f"due {new_no}").elements)).text
    assert new_id != paid_id


async def test_approve_with_a_comment_moves_the_case_and_records_it(user: User, log_in, review_staff):
    engine = review_staff
    case_id, case_no = await _simple_case_page(user, log_in, engine, "action approve")
    await user.should_see(marker="case-history")
    user.find(marker="comment").type("数据齐全，同意")
    user.find(marker="action approve").click()
    await user.should_see(marker="case-state", content=_zh("cases.state.approved"), retries=50)
    case = _case(engine, case_id)
    assert (case.state, case.decided_by) == ("approved", "sup7")
    with session_scope(engine) as db:
        last = history(db, case_id)[-1]
    assert (last.action, last.actor, last.comment) == ("approve", "sup7", "数据齐全，同意")
    assert [(row.staff, row.case_no) for row in _log(engine, "view_case")][:1] == [("sup7", case_no)]
    await user.should_not_see(marker="action approve")  # nothing left to decide


async def test_reject_without_a_reason_is_refused_in_words(user: User, log_in, review_staff):
    case_id, _ = await _simple_case_page(user, log_in, review_staff, "action reject")
    user.find(marker="action reject").click()
    await user.should_see(_zh("cases.workflow.comment_needed"), retries=50)
    assert _case(review_staff, case_id).state == "submitted"


async def test_the_supervisor_who_opened_a_case_gets_no_decision_buttons(user: User, log_in, review_staff):
    case_id, _ = simple_case(review_staff, opened_by=actor(SUPERVISOR))
    await _as_supervisor(log_in)
    await user.should_see(marker="queue-decisions", retries=50)
    await user.should_see(_zh("review.queue.mine"))
    await user.open(f"/review/case/{case_id}")
    await user.should_see(marker="four-eyes", retries=50)
    for action in ("approve", "reject", "return"):
        await user.should_not_see(marker=f"action {action}")
    with session_scope(review_staff) as db, pytest.raises(Exception) as refused:  # and the server refuses anyway
        perform(db, case_id=case_id, action="approve", actor=actor(SUPERVISOR), expected_version=2)
    assert getattr(refused.value, "key", "") == "cases.workflow.four_eyes"


async def test_a_decision_on_a_case_another_supervisor_decided_meanwhile_says_so(user: User, log_in, review_staff):
    engine = review_staff
    case_id, case_no = await _simple_case_page(user, log_in, engine, "action return")
    with session_scope(engine) as db:  # the second supervisor, at another counter, is quicker
        perform(db, case_id=case_id, action="approve", actor=actor(SUPERVISOR2), expected_version=2)
    user.find(marker="comment").type("请补交材料")
    user.find(marker="action return").click()
    await user.should_see(_zh("cases.workflow.conflict", case_no=case_no), retries=50)
    await user.should_see(marker="reload")
    case = _case(engine, case_id)
    assert (case.state, case.decided_by) == ("approved", "sup8")  # the first decision stands
    user.find(marker="reload").click()
    await user.should_see(marker="case-state", content=_zh("cases.state.approved"), retries=50)


async def test_case_page_shows_evidence_and_the_captured_lease_and_logs_the_image_read(
    user: User, log_in, review_staff, data_dir, lease_page
):
    engine = review_staff
    case_id, case_no, _ = rent_case(engine, data_dir, lease_page)
    await _as_supervisor(log_in)
    await user.open(f"/review/case/{case_id}")
    await user.should_see(marker="case-materials", retries=50)
    with user.scope(marker="material M01"):
        await user.should_see(_zh("cases.status.proven"))
        await user.should_see(_zh("records.fact_kind.identity"))
    with user.scope(marker="material M10"):
        await user.should_see(_zh("cases.status.captured"))
        await user.should_see(_zh("capture.doc_type.lease"))
    larges = markers_in(user, "case-pages", "large")  # the captured page itself, large beside the evidence
    assert len(larges) == 1
    page_id = int(larges[0].split()[1])
    [viewer] = user.find(marker=larges[0]).elements
    assert viewer.props["src"] == f"/archive/image/{page_id}/flat"  # by URL from the role-checked route
    # the generated lease names another tenant: the page says the ID numbers on it are not the customer's
    await user.should_see(marker=f"id-match {page_id}", content=_zh("review.case.id_differs"))
    response = await user.http_client.get(f"/archive/image/{page_id}/flat")
    assert response.status_code == 200 and response.headers["content-type"] == "image/jpeg"
    reads = _log(engine, "archive_image")
    assert (reads[-1].staff, reads[-1].case_no, reads[-1].fields) == ("sup7", case_no, f"page:{page_id},flat")


async def test_post_review_recourse_needs_a_proper_amount_and_records_it(
    user: User, log_in, review_staff, data_dir, lease_page
):
    engine = review_staff
    case_id, _, _ = rent_case(engine, data_dir, lease_page, paid=True)
    await _as_supervisor(log_in)
    await user.open(f"/review/case/{case_id}")
    await user.should_see(marker="action recourse", retries=50)
    await user.should_see(marker="action review")
    user.find(marker="comment").type("租赁合同与备案不符")
    user.find(marker="clawback").type("12.345")  # a fen has no thousandths
    user.find(marker="action recourse").click()
    await user.should_see(_zh("review.decision.bad_amount"), retries=50)
    user.find(marker="clawback").clear().type("1,200.50")
    user.find(marker="action recourse").click()
    await user.should_see(marker="case-state", content=_zh("cases.state.recourse"), retries=50)
    case = _case(engine, case_id)
    assert (case.state, case.clawback_fen, case.clawback_reason) == ("recourse", 120_050, "租赁合同与备案不符")


async def test_the_case_page_in_english_and_an_unknown_case(user: User, log_in, review_staff):
    user.http_client.headers["Accept-Language"] = "en"
    case_id, _ = simple_case(review_staff)
    await _as_supervisor(log_in)
    await user.should_see("Awaiting a decision", retries=50)
    await user.open(f"/review/case/{case_id}")
    await user.should_see("Materials and evidence", retries=50)
    await user.should_see("Approve")
    await user.open("/review/case/99999")
    await user.should_see(marker="case-error", retries=50)
    await user.should_see("There is no case 99999")
    malformed = await user.http_client.get("/review/case/abc")  # not an id at all: no page (tests/ui/test_route_ids.py)
    assert malformed.status_code == 404 and "Page not found" in malformed.text


async def test_the_case_page_shows_the_amount_the_payee_the_flags_with_the_reason_and_the_rules_now(
    user: User, log_in, review_staff, data_dir, lease_page
):
    """A pay-first rent case whose lease was accepted with a flag: decided first, and the supervisor sees
    what was flagged, the clerk's reason, the amount, the masked card and every rule as it stands today."""
    import dataclasses

    from review_archive_seed import CLERK_ACTOR, _customer_for

    from desk.cases.checklist import checklist_for
    from desk.cases.counter import archive_capture, open_draft, submit_case

    engine = review_staff
    with session_scope(engine) as db:
        person_id = _customer_for(db, "TQ401", ("M10",), declared=("actual_rent",))
        checklist = checklist_for(db, person_id, "TQ401", declared=("actual_rent",))
    draft = open_draft(checklist=checklist, staff=CLERK_ACTOR, declared=("actual_rent",), engine=engine)
    invoice = dataclasses.replace(lease_page, doc_type="invoice")  # not a lease: the type is flagged
    with pytest.raises(CaseError, match="flag_reason_needed"):
        archive_capture(
            case_id=draft.case_id,
            material="M10",
            pages=[invoice],
            source="upload",
            title="x.jpg",
            staff=CLERK_ACTOR,
            expected_version=draft.version,
            engine=engine,
        )
    draft = archive_capture(
        case_id=draft.case_id,
        material="M10",
        pages=[invoice],
        source="upload",
        title="x.jpg",
        staff=CLERK_ACTOR,
        expected_version=draft.version,
        engine=engine,
        flag_reason="other:客户称发票即租金凭证",
    )
    case = submit_case(
        case_id=draft.case_id, staff=CLERK_ACTOR, expected_version=draft.version, amount_fen=360_000, engine=engine
    )
    assert (case.state, case.review_mode, case.paid) == ("submitted", "decide_first", False)  # not paid first
    await _as_supervisor(log_in)
    await user.open(f"/review/case/{case.case_id}")
    await user.should_see(marker="case-amount", content="3,600.00", retries=50)
    await user.should_see(marker="case-payee", content="******")
    await user.should_see(marker="flags M10", content=_zh("counter.flag.wrong_type"))
    await user.should_see("客户称发票即租金凭证")
    await user.should_see(marker="rule-now rent_cap")
