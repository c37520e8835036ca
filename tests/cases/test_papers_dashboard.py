"""Papers avoided and the centre dashboard on both engines, with cases made through the real services:
what a submission records (proven by data, captured, promised, with pages) in its own transaction,
the counter time from the lookup, and the dashboard's figures per day, week, business and hall
(and its CSV) over those cases."""

from __future__ import annotations

import csv
import io
import time
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest
from case_people import CLERK, CLERK2, SUP, Actor, add_customer, identity, owns_home
from sqlmodel import func, select

from desk.archive.intake import PageInput
from desk.cases.checklist import checklist_for
from desk.cases.counter import archive_capture, checklist_logged, defer_material, notice_for, open_draft, submit_case
from desk.cases.dashboard import DashboardRangeError, centre_dashboard, check_range, period_start
from desk.cases.dashboard_csv import dashboard_csv
from desk.cases.papers import papers_of
from desk.cases.tables import Case, CasePaper
from desk.cases.workflow import CaseError, accept_on_promise, get_case, open_case, perform
from desk.cases.working_days import local_day
from desk.db import session_scope
from desk.records.lookup import lookup_customer
from desk.security.access_log import AccessLog
from desk.security.staff import add_staff, get_staff, set_hall

NOW = datetime.now(UTC)
TODAY = local_day(NOW)
UNMARRIED = {"marriage": {"status": "unmarried"}}
CLERK3 = Actor("clerk3", "clerk")


def _clerk_in(engine, clerk: Actor, hall: str) -> Actor:
    """`clerk` as a staff account working in `hall` (made, or moved there)."""
    with session_scope(engine) as session:
        if get_staff(session, clerk.username) is None:
            add_staff(
                session,
                username=clerk.username,
                display_name=clerk.username,
                role=clerk.role,
                password="Counter2026x",
                hall=hall,
            )
        else:
            set_hall(session, username=clerk.username, hall=hall)
    return clerk


def _customer(engine, *, owns: bool, with_identity: bool = True, today=TODAY) -> tuple[int, str]:
    facts = {"property": owns_home(owns), **UNMARRIED, **({"identity": identity()} if with_identity else {})}
    with session_scope(engine) as session:
        person = add_customer(session, today=today, facts=facts)
        return person.id, person.id_number


def _look_up(engine, id_number: str, clerk: Actor = CLERK) -> datetime:
    """The clerk's lookup, logged as the counter logs it; returns the logged time."""
    with session_scope(engine) as session:
        outcome, _ = lookup_customer(session, id_number, staff=clerk, purpose="counter_service")
        assert outcome.kind == "found"
        at = session.exec(
            select(AccessLog.at).where(AccessLog.action == "lookup").order_by(AccessLog.id.desc())
        ).first()
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _jpeg(shade: int) -> bytes:
    ok, data = cv2.imencode(".jpg", np.full((40, 30, 3), shade, np.uint8))
    assert ok
    return data.tobytes()


def _side(doc_type: str, shade: int) -> PageInput:
    return PageInput(
        original=_jpeg(shade),
        flat=_jpeg(shade + 1),
        thumb=_jpeg(shade + 2),
        text="居民身份证",
        width_px=30,
        height_px=40,
        doc_type=doc_type,
    )


def _rent_case(engine, person_id: int, *, defer_id: bool = False, capture_id: bool = False, clerk: Actor = CLERK):
    """A rent withdrawal (pay-first) submitted by `clerk` through the counter's services; paid at once."""
    checklist = checklist_logged(person_id=person_id, business_code="TQ401", declared=(), staff=clerk, engine=engine)
    draft = open_draft(checklist=checklist, staff=clerk, engine=engine)
    if defer_id:
        draft = defer_material(
            case_id=draft.case_id,
            material="M01",
            promised_on=TODAY + timedelta(days=5),
            staff=clerk,
            expected_version=draft.version,
            engine=engine,
        )
    if capture_id:
        draft = archive_capture(
            case_id=draft.case_id,
            material="M01",
            source="camera",
            title="M01",
            pages=[_side("id_card_front", 90), _side("id_card_back", 130)],
            staff=clerk,
            expected_version=draft.version,
            engine=engine,
        )
    return submit_case(case_id=draft.case_id, staff=clerk, expected_version=draft.version, engine=engine)


def _build_case(engine, person_id: int, *, at: datetime, opened: datetime | None = None, clerk: Actor = CLERK) -> int:
    """A self-build withdrawal (decide-first) opened and submitted by `clerk` at the given times through the
    workflow, the building permit (M22, no data stands in for it) promised."""
    opened = opened or at - timedelta(minutes=3)
    with session_scope(engine) as session:
        checklist = checklist_for(session, person_id, "TQ402", today=local_day(opened))
        case = open_case(session, checklist=checklist, actor=clerk, amount_fen=500_000, now=opened)
        accept_on_promise(
            session,
            case_id=case.id,
            material="M22",
            actor=clerk,
            expected_version=case.version,
            promised_on=local_day(opened) + timedelta(days=7),
            now=opened,
        )
        case = get_case(session, case.id)
        perform(session, case_id=case.id, action="submit", actor=clerk, expected_version=case.version, now=at)
        return case.id


def test_a_submission_records_the_papers_data_proved_with_their_pages(engine):
    person_id, id_number = _customer(engine, owns=False)
    looked_up = _look_up(engine, id_number)
    case = _rent_case(engine, person_id)
    assert case.state == "paid" and case.case_no
    with session_scope(engine) as session:
        papers = papers_of(session, case.case_id)
        stored = session.get(Case, case.case_id)
        looked_up_at, seconds = stored.looked_up_at, stored.counter_seconds
    # the ID card (both sides) and the no-home proof: the registries proved them, the customer brought neither
    assert [(item.material, item.outcome, item.pages) for item in papers.items] == [
        ("M01", "proven", 2),
        ("M11", "proven", 1),
    ]
    assert [item.material for item in papers.avoided] == ["M01", "M11"] and papers.pages_avoided == 3
    assert papers.avoided[0].name("zh-CN") == "居民身份证（正反面）"
    assert looked_up_at.replace(tzinfo=UTC) == looked_up  # the case starts the clock at the clerk's lookup
    assert seconds is not None and 0 <= seconds < 120

    notice = notice_for(case_no=case.case_no, staff=CLERK, base_url="http://desk.test", engine=engine)
    assert [item.material for item in notice.avoided] == ["M01", "M11"]
    assert notice.to_json("zh-CN")["avoided"] == [
        {"material": "M01", "name": "居民身份证（正反面）", "pages": 2},
        {"material": "M11", "name": "无房证明", "pages": 1},
    ]


def test_captured_and_promised_materials_are_recorded_beside_the_avoided_one(engine):
    captured_id, _ = _customer(engine, owns=False, with_identity=False)
    promised_id, _ = _customer(engine, owns=False, with_identity=False)
    captured = _rent_case(engine, captured_id, capture_id=True)
    promised = _rent_case(engine, promised_id, defer_id=True)
    with session_scope(engine) as session:
        on_paper = papers_of(session, captured.case_id)
        later = papers_of(session, promised.case_id)
    # captured: the pages archived; promised: the catalog's usual count; no case has a lookup, so no time
    assert [(item.material, item.outcome, item.pages) for item in on_paper.items] == [
        ("M01", "captured", 2),
        ("M11", "proven", 1),
    ]
    assert [(item.material, item.outcome, item.pages) for item in later.items] == [
        ("M01", "deferred", 2),
        ("M11", "proven", 1),
    ]
    assert [item.material for item in on_paper.avoided] == ["M11"] and on_paper.pages_avoided == 1
    assert [item.material for item in on_paper.captured] == ["M01"]
    with session_scope(engine) as session:
        assert session.get(Case, captured.case_id).counter_seconds is None


def test_a_refused_submission_records_nothing_and_a_resubmission_records_again(engine):
    missing_id, _ = _customer(engine, owns=False, with_identity=False)
    checklist = checklist_logged(person_id=missing_id, business_code="TQ401", declared=(), staff=CLERK, engine=engine)
    draft = open_draft(checklist=checklist, staff=CLERK, engine=engine)
    with pytest.raises(CaseError):  # the ID card is neither proven, captured nor promised
        submit_case(case_id=draft.case_id, staff=CLERK, expected_version=draft.version, engine=engine)
    with session_scope(engine) as session:
        assert session.exec(select(func.count()).select_from(CasePaper)).one() == 0

    builder_id, _ = _customer(engine, owns=True)
    first = NOW - timedelta(hours=2)
    case_id = _build_case(engine, builder_id, at=first)
    with session_scope(engine) as session:
        case = get_case(session, case_id)
        perform(
            session,
            case_id=case_id,
            action="return",
            actor=SUP,
            expected_version=case.version,
            comment="请补交规划许可证",
            now=first + timedelta(minutes=30),
        )
        case = get_case(session, case_id)
        perform(session, case_id=case_id, action="submit", actor=CLERK, expected_version=case.version, now=NOW)
    with session_scope(engine) as session:
        rows = session.exec(select(CasePaper).where(CasePaper.case_id == case_id).order_by(CasePaper.material)).all()
    # one row per material, written by the last submission (the home's title deed has no usual page count)
    assert [(row.material, row.outcome, row.pages) for row in rows] == [
        ("M01", "proven", 2),
        ("M08", "proven", None),
        ("M22", "deferred", None),
    ]
    assert {row.recorded_at.replace(tzinfo=UTC) for row in rows} == {NOW}


def _clear_of_midnight(margin: timedelta = timedelta(minutes=15)) -> datetime:
    """Now, after waiting out the last `margin` of the local day: the fixture's "today" cases are submitted up to
    seven minutes after its lookups, so begun just before midnight they would fall on two days."""
    now = datetime.now(UTC)
    midnight = datetime.combine(local_day(now) + timedelta(days=1), datetime.min.time()).astimezone()
    if midnight - now < margin:
        time.sleep((midnight - now).total_seconds() + 1)
        now = datetime.now(UTC)
    return now


@pytest.fixture
def centre(engine):
    """Six submitted cases and a draft: two self-build cases 8 and 1 days ago (the second returned), two
    today timed from their lookups (300 and 420 seconds), two rent withdrawals paid today (one clawed back
    on post-review, one reviewed clean). The timed ones are clerk2's in the Zhongshan hall, the others
    clerk1's in the head office."""
    _clerk_in(engine, CLERK, "head")
    _clerk_in(engine, CLERK2, "zhongshan")
    now = _clear_of_midnight()  # the lookups and payments below take the real clock: all on one local day
    days = {"8": now - timedelta(days=8), "1": now - timedelta(days=1)}
    old = _build_case(engine, _customer(engine, owns=True, today=local_day(days["8"]))[0], at=days["8"])
    returned = _build_case(engine, _customer(engine, owns=True, today=local_day(days["1"]))[0], at=days["1"])
    with session_scope(engine) as session:
        perform(
            session,
            case_id=returned,
            action="return",
            actor=SUP,
            comment="补正",
            expected_version=get_case(session, returned).version,
            now=days["1"] + timedelta(hours=1),
        )
    timed = []
    for seconds in (300, 420):
        person_id, id_number = _customer(engine, owns=True)
        looked_up = _look_up(engine, id_number, CLERK2)
        timed.append(
            _build_case(
                engine,
                person_id,
                opened=looked_up + timedelta(seconds=60),
                at=looked_up + timedelta(seconds=seconds),
                clerk=CLERK2,
            )
        )
    found = _rent_case(engine, _customer(engine, owns=False)[0])
    clean = _rent_case(engine, _customer(engine, owns=False, with_identity=False)[0], defer_id=True)
    with session_scope(engine) as session:
        perform(
            session,
            case_id=found.case_id,
            action="recourse",
            actor=SUP,
            comment="租赁合同不实",
            clawback_fen=10_000,
            expected_version=get_case(session, found.case_id).version,
        )
        perform(
            session,
            case_id=clean.case_id,
            action="review",
            actor=SUP,
            expected_version=get_case(session, clean.case_id).version,
        )
    draft_person = _customer(engine, owns=False)[0]
    with session_scope(engine) as session:  # a draft is not a case yet
        open_case(session, checklist=checklist_for(session, draft_person, "TQ401"), actor=CLERK)
    return {
        "today": local_day(now),
        "days": days,
        "old": old,
        "returned": returned,
        "timed": timed,
        "found": found.case_id,
        "clean": clean.case_id,
    }


def test_the_dashboard_counts_the_centre_by_day_week_business_and_hall(engine, centre):
    today = centre["today"]  # the day the fixture made its cases, not the day this module was imported
    later = today + timedelta(days=40)  # every self-build case still awaiting a decision is overdue by then
    with session_scope(engine) as session:
        board = centre_dashboard(session, start=today - timedelta(days=29), end=today, period="day", today=later)
        seconds = [session.get(Case, case_id).counter_seconds for case_id in centre["timed"]]
    assert seconds == [300, 420]
    total = board.total
    # self-build: ID card (2 pages) and title deed (no usual count) proven; rent: ID card and no-home proof
    # (3 pages), or the no-home proof alone (1 page) when the ID card was promised
    assert (total.cases, total.papers_avoided, total.pages_avoided) == (6, 4 * 2 + 2 + 1, 4 * 2 + 3 + 1)
    assert (total.pay_first, total.pay_first_percent, total.post_reviewed, total.findings) == (2, 33.3, 2, 1)
    assert (total.overdue, board.overdue_now) == (3, 3)  # the returned case waits for the clerk, not the centre
    assert (total.timed, total.median_counter_seconds) == (2, 360)
    assert [(code, figures.cases, figures.papers_avoided) for code, figures in board.businesses] == [
        ("TQ402", 4, 8),
        ("TQ401", 2, 3),
    ]
    assert [(hall, figures.cases, figures.overdue) for hall, figures in board.halls] == [
        ("head", 4, 1),
        ("zhongshan", 2, 2),
    ]
    assert [(key, figures.cases) for key, figures in board.business_halls] == [
        (("TQ401", "head"), 2),
        (("TQ402", "head"), 2),
        (("TQ402", "zhongshan"), 2),
    ]
    assert len(board.periods) == 30 and board.periods[0][0] == today - timedelta(days=29)
    per_day = {day: figures.cases for day, figures in board.periods if figures.cases}
    days = centre["days"]
    assert per_day == {local_day(days["8"]): 1, local_day(days["1"]): 1, today: 4}

    with session_scope(engine) as session:
        weekly = centre_dashboard(session, start=today - timedelta(days=29), end=today, period="week", today=later)
    expected: dict = {}
    for day, count in ((local_day(days["8"]), 1), (local_day(days["1"]), 1), (today, 4)):
        expected[period_start(day, "week")] = expected.get(period_start(day, "week"), 0) + count
    assert {first: figures.cases for first, figures in weekly.periods if figures.cases} == expected
    assert all(first.weekday() == 0 for first, _ in weekly.periods)

    with session_scope(engine) as session:  # a range holds only the cases first submitted in it
        one_day = centre_dashboard(session, start=local_day(days["1"]), end=local_day(days["1"]), today=later)
    assert (one_day.total.cases, one_day.total.overdue, one_day.total.papers_avoided) == (1, 0, 2)
    assert [row.business_code for row in one_day.rows] == ["TQ402"]


def test_the_csv_carries_the_same_figures_in_the_readers_language(engine, centre):
    today = centre["today"]  # the day the fixture made its cases, not the day this module was imported
    later = today + timedelta(days=40)
    with session_scope(engine) as session:
        board = centre_dashboard(session, start=today - timedelta(days=6), end=today, today=later)
    text = dashboard_csv(board, "zh-CN").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:7] == ["开始日期", "结束日期", "业务代码", "业务名称", "大厅", "办件量", "免交材料（项）"]
    detail, total = rows[1:-1], rows[-1]
    today_rent = next(row for row in detail if row[0] == today.isoformat() and row[2] == "TQ401")
    assert today_rent[3:] == ["租房提取", "中心营业大厅（西岗区）", "2", "3", "4", "2", "100.0", "2", "1", "0", "", "0"]
    today_build = next(row for row in detail if row[0] == today.isoformat() and row[2] == "TQ402")
    assert today_build[4:] == ["中山区服务大厅", "2", "4", "4", "0", "0.0", "0", "0", "2", "6.0", "2"]
    assert total[3:5] == ["合计", "全部大厅"] and total[5:] == [
        str(board.total.cases),
        str(board.total.papers_avoided),
        str(board.total.pages_avoided),
        "2",
        f"{board.total.pay_first_percent:.1f}",
        "2",
        "1",
        str(board.total.overdue),
        "6.0",
        "2",
    ]
    assert sum(int(row[5]) for row in detail) == board.total.cases
    english = list(csv.reader(io.StringIO(dashboard_csv(board, "en").decode("utf-8-sig"))))
    assert english[0][5:7] == ["Cases", "Papers avoided"] and english[-1][3] == "Total"


def test_the_dashboard_of_one_hall_counts_only_the_cases_submitted_there(engine, centre):
    today = centre["today"]  # the day the fixture made its cases, not the day this module was imported
    later, start = today + timedelta(days=40), today - timedelta(days=29)
    with session_scope(engine) as session:
        boards = {
            hall: centre_dashboard(session, start=start, end=today, hall=hall, today=later)
            for hall in ("head", "zhongshan", "ganjingzi")
        }
    head, zhongshan, ganjingzi = boards["head"].total, boards["zhongshan"].total, boards["ganjingzi"].total
    assert (head.cases, head.pay_first, head.findings, head.overdue, head.timed) == (4, 2, 1, 1, 0)
    assert (zhongshan.cases, zhongshan.pay_first, zhongshan.overdue, zhongshan.median_counter_seconds) == (2, 0, 2, 360)
    assert (boards["head"].overdue_now, boards["zhongshan"].overdue_now, boards["ganjingzi"].overdue_now) == (1, 2, 0)
    assert ganjingzi.cases == 0 and boards["ganjingzi"].rows == ()
    assert {row.hall for row in boards["zhongshan"].rows} == {"zhongshan"}
    rows = list(csv.reader(io.StringIO(dashboard_csv(boards["zhongshan"], "en").decode("utf-8-sig"))))
    assert {row[4] for row in rows[1:]} == {"Zhongshan District hall"} and rows[-1][5] == "2"


def test_a_submission_records_the_hall_of_the_clerk_who_first_submitted_it(engine):
    clerk = _clerk_in(engine, CLERK3, "ganjingzi")
    first = _rent_case(engine, _customer(engine, owns=False)[0], clerk=clerk)
    _clerk_in(engine, CLERK3, "zhongshan")  # moved to another hall: later cases are counted there
    second = _rent_case(engine, _customer(engine, owns=False)[0], clerk=clerk)
    build = _build_case(engine, _customer(engine, owns=True)[0], at=NOW - timedelta(hours=1), clerk=clerk)
    with session_scope(engine) as session:  # returned and resubmitted in another hall: still the first hall's
        version = get_case(session, build).version
        perform(session, case_id=build, action="return", actor=SUP, comment="补正", expected_version=version, now=NOW)
    _clerk_in(engine, CLERK3, "ganjingzi")
    with session_scope(engine) as session:
        case = get_case(session, build)
        perform(session, case_id=build, action="submit", actor=CLERK3, expected_version=case.version, now=NOW)
    with session_scope(engine) as session:
        halls = [session.get(Case, case_id).hall for case_id in (first.case_id, second.case_id, build)]
        assert session.get(Case, build).state == "submitted"
    assert halls == ["ganjingzi", "zhongshan", "zhongshan"]


def test_a_range_the_dashboard_cannot_answer_is_refused_in_words():
    for start, end, period, key in (
        (TODAY, TODAY - timedelta(days=1), "day", "dashboard.error.reversed"),
        (TODAY - timedelta(days=400), TODAY, "day", "dashboard.error.too_long"),
        (TODAY, TODAY, "month", "dashboard.error.period"),
    ):
        with pytest.raises(DashboardRangeError) as refused:
            check_range(start, end, period)
        assert refused.value.key == key
    with pytest.raises(DashboardRangeError) as refused:
        check_range(TODAY, TODAY, "day", "nowhere")
    assert (refused.value.key, refused.value.params) == ("dashboard.error.hall", {"hall": "nowhere"})
