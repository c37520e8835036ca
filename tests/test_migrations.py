"""Migrations (#10) on SQLite and PostgreSQL: a database of the previous release (revision 0001) with
rows in it is upgraded in place: every row kept, the new columns with their defaults, triggers and
full-text search still working, and the schema then equal to what the models declare; the fast way
of creating an empty database gives the same schema as running every revision."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import MetaData, func, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session

from desk.archive.search import search
from desk.archive.search_index import index_for
from desk.cases.tables import Case
from desk.db import init_db, make_engine, session_scope
from desk.migrations import FIRST_REVISION, head_revision, schema_differences, upgrade
from desk.records.tables import PersonalAccount, Withdrawal
from desk.security.halls import HEAD_OFFICE

ROOT = Path(__file__).resolve().parent.parent
PAGE_TEXT = "房屋租赁合同 出租人 王建国 承租人 于海洋 月租金 叁仟元"
OPENED = datetime(2026, 11, 2, 1, 30, tzinfo=UTC)


def _previous_release(url: str):
    """A database built by the first migration only: the schema of the previous release."""
    engine = make_engine(url)
    assert upgrade(engine, FIRST_REVISION).after == FIRST_REVISION
    return engine


def _insert(conn, tables: MetaData, table: str, /, **values) -> int:
    return conn.execute(tables.tables[table].insert().values(**values)).inserted_primary_key[0]


def _fill_previous_release(engine) -> dict[str, int]:
    """Rows as the previous release wrote them (its columns only): a person, an account with a
    withdrawal, a case with a material and a transition, an access-log row, an archived page with
    text in the full-text index."""
    tables = MetaData()
    tables.reflect(engine)
    with engine.begin() as conn:
        person = _insert(
            conn,
            tables,
            "person",
            id_number="210202198805170011",
            name="于海洋",
            phone="13912345678",
            sex="M",
            birth_date=date(1988, 5, 17),
            address="大连市中山区人民路 1 号",
        )
        account = _insert(
            conn,
            tables,
            "personal_account",
            account_no="900000000001",
            person_id=person,
            status="01",
            status_since=date(2015, 3, 1),
            opened_on=date(2015, 3, 1),
            balance_fen=5_000_000,
            deposit_base_fen=800_000,
            personal_rate_pct=12,
            employer_rate_pct=12,
            monthly_deposit_fen=192_000,
            deposit_months_total=24,
            bank_card_no="6217001234567890123",
        )
        _insert(
            conn,
            tables,
            "withdrawal",
            account_id=account,
            reason_code="05",
            amount_fen=120_000,
            withdrawn_on=date(2025, 6, 1),
        )
        case = _insert(
            conn,
            tables,
            "case_file",
            case_no="DL2026-000001",
            person_id=person,
            business_code="TQ401",
            review_mode="pay_first",
            state="submitted",
            version=2,
            amount_fen=1_200_000,
            opened_by="clerk1",
            opened_at=OPENED,
        )
        _insert(conn, tables, "case_material", case_id=case, material="M01", status="proven")
        _insert(
            conn,
            tables,
            "staff",
            username="clerk1",
            display_name="王丽",
            role="clerk",
            password_hash="$argon2id$previous",
            active=True,
            created_at=OPENED,
        )
        _insert(
            conn,
            tables,
            "case_transition",
            case_id=case,
            action="submit",
            from_state="open",
            to_state="submitted",
            actor="clerk1",
            actor_role="clerk",
            at=OPENED,
            comment="",
        )
        _insert(
            conn,
            tables,
            "access_log",
            at=OPENED,
            staff="clerk1",
            role="clerk",
            action="lookup",
            person_id=person,
            purpose="counter",
            fields="",
            case_no="DL2026-000001",
        )
        captured = datetime(2026, 11, 2, 9, 40)
        document = _insert(
            conn,
            tables,
            "archive_document",
            doc_type="lease",
            material_code="M10",
            person_id=person,
            case_no="DL2026-000001",
            title="lease.jpg",
            captured_by="clerk1",
            captured_at=captured,
            source="upload",
            page_count=1,
            retention_class="withdrawal",
            legal_hold=False,
        )
        page = _insert(
            conn,
            tables,
            "archive_page",
            document_id=document,
            page_no=1,
            original_key="a" * 64 + ".jpg",
            width_px=200,
            height_px=100,
            doc_type="lease",
            text=PAGE_TEXT,
            fields={},
        )
        index_for(conn).add(
            conn,
            page,
            PAGE_TEXT,
            SimpleNamespace(doc_type="lease", captured_by="clerk1", material_code="M10", captured_at=captured),
        )
    return {"person": person, "account": account, "case": case, "document": document, "page": page}


def _counts(engine) -> dict[str, int]:
    names = (
        "person",
        "personal_account",
        "withdrawal",
        "case_file",
        "case_material",
        "case_transition",
        "access_log",
        "staff",
        "archive_document",
        "archive_page",
    )
    with engine.connect() as conn:
        return {name: conn.execute(text(f"SELECT count(*) FROM {name}")).scalar_one() for name in names}


def test_a_previous_release_database_is_upgraded_in_place_with_every_row(db_url, data_dir):
    engine = _previous_release(db_url)
    ids = _fill_previous_release(engine)
    before = _counts(engine)
    assert schema_differences(engine), "the comparison must see the previous release's schema as different"
    if engine.dialect.name == "postgresql":  # that release let PostgreSQL move tsvectors to TOAST
        assert _toast_options(engine) == []

    result = upgrade(engine)
    assert (result.before, result.after, result.created) == (FIRST_REVISION, head_revision(), False)
    assert _counts(engine) == before == {name: 1 for name in before}
    assert schema_differences(engine) == []
    with engine.connect() as conn:  # the new columns have their server defaults on the old rows
        assert conn.execute(text("SELECT brought_forward_fen FROM personal_account")).scalar_one() == 0
        assert conn.execute(text("SELECT kind, case_no FROM withdrawal")).one() == ("withdrawal", None)
        assert conn.execute(text("SELECT declared, case_no, submission_key FROM case_file")).one() == (
            "",
            "DL2026-000001",
            None,
        )
        assert conn.execute(text("SELECT flags FROM case_material")).scalar_one() is None
        # an old case has no recorded papers and no counter time: nothing then said what it spared
        assert conn.execute(text("SELECT looked_up_at, counter_seconds FROM case_file")).one() == (None, None)
        assert conn.execute(text("SELECT count(*) FROM case_paper")).scalar_one() == 0
        # before halls every counter counted in the head office: old cases and accounts are its
        assert conn.execute(text("SELECT hall FROM case_file")).scalar_one() == HEAD_OFFICE == "head"
        assert conn.execute(text("SELECT hall FROM staff")).scalar_one() == HEAD_OFFICE
        assert conn.execute(text("SELECT name FROM person")).scalar_one() == "于海洋"
    if engine.dialect.name == "postgresql":  # tsvectors are kept out of TOAST from now on (0007)
        assert "toast_tuple_target=8160" in _toast_options(engine)

    for table, column in (("case_transition", "comment"), ("access_log", "purpose")):  # still append-only
        with pytest.raises(DBAPIError, match=f"{table} is append-only"), engine.begin() as conn:
            conn.execute(text(f"UPDATE {table} SET {column} = 'rewritten'"))
        with pytest.raises(DBAPIError, match=f"{table} is append-only"), engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {table}"))

    with Session(engine) as session:  # the page's text is still found, and through the current models
        hits = search(session, "租赁合同", staff="archivist1", purpose="test").hits
        assert [(hit.page_id, hit.document_id) for hit in hits] == [(ids["page"], ids["document"])]
        session.commit()

    with session_scope(engine) as session:  # what today's code writes fits: a draft has no number …
        session.add(
            Case(
                person_id=ids["person"],
                business_code="TQ401",
                review_mode="pay_first",
                state="draft",
                opened_by="clerk1",
                opened_at=OPENED,
                submission_key="k-1",
            )
        )
        session.add(
            Withdrawal(
                account_id=ids["account"],
                reason_code="05",
                amount_fen=10_000,
                withdrawn_on=date(2026, 11, 2),
                case_no="DL2026-000001",
                posted_by="clerk1",
            )
        )
    with pytest.raises(IntegrityError), session_scope(engine) as session:  # … a case posts once per kind
        session.add(
            Withdrawal(
                account_id=ids["account"],
                reason_code="05",
                amount_fen=10_000,
                withdrawn_on=date(2026, 11, 2),
                case_no="DL2026-000001",
            )
        )
    with pytest.raises(IntegrityError), session_scope(engine) as session:  # … and a submission key is unique
        session.add(
            Case(
                person_id=ids["person"],
                business_code="TQ401",
                review_mode="pay_first",
                state="draft",
                opened_by="clerk1",
                opened_at=OPENED,
                submission_key="k-1",
            )
        )
    with session_scope(engine) as session:
        balance = session.execute(select(PersonalAccount.brought_forward_fen)).scalar_one()
        assert balance == 0
        assert session.execute(select(func.count()).select_from(Withdrawal)).scalar_one() == 2
    engine.dispose()


def test_init_db_takes_a_database_without_revision_for_the_previous_release(db_url, data_dir):
    engine = _previous_release(db_url)
    _fill_previous_release(engine)
    with engine.begin() as conn:  # as the previous release left it: no alembic_version
        conn.execute(text("DROP TABLE alembic_version"))
    init_db(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()
    assert _counts(engine)["case_transition"] == 1
    assert schema_differences(engine) == []
    with session_scope(engine) as session:  # a draft without a number: the stop-gap could not allow it
        session.add(
            Case(
                person_id=1,
                business_code="TQ401",
                review_mode="pay_first",
                state="draft",
                opened_by="clerk1",
                opened_at=OPENED,
            )
        )
    engine.dispose()


def _stop_gap(engine) -> None:
    """What the money release's start-up did to an older database (desk/db.py `_add_missing_columns`,
    before migrations): ADD COLUMN with the default but without NOT NULL, and the missing indexes.
    Only the money release's own columns (revision 0002's): it knew no later ones."""
    import importlib

    from sqlalchemy import inspect
    from sqlmodel import SQLModel

    import desk.models  # noqa: F401

    money = importlib.import_module("desk.migrations.versions.0002_money").new_columns()
    inspector = inspect(engine)
    with engine.begin() as conn:
        for table in SQLModel.metadata.sorted_tables:
            if not inspector.has_table(table.name):
                continue
            present = {column["name"] for column in inspector.get_columns(table.name)}
            known = {column.name for column in money.get(table.name, [])}
            for column in table.columns:
                if column.name not in present and column.name in known:
                    kind = column.type.compile(dialect=engine.dialect)
                    default = f" DEFAULT {column.server_default.arg!r}" if column.server_default is not None else ""
                    conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}{default}'))
            indexes = {index["name"] for index in inspector.get_indexes(table.name)}
            for index in table.indexes:  # only its own: the release knew no later index
                if index.name not in indexes and any(column.name in known for column in index.columns):
                    index.create(conn, checkfirst=True)


def test_a_database_the_stop_gap_already_altered_is_upgraded_too(db_url, data_dir):
    engine = _previous_release(db_url)
    _fill_previous_release(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    _stop_gap(engine)
    init_db(engine)
    assert schema_differences(engine) == []
    assert _counts(engine)["withdrawal"] == 1
    engine.dispose()


def _toast_options(engine) -> list[str]:
    """The storage options of PostgreSQL's full-text index table."""
    with engine.connect() as conn:
        options = conn.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'archive_page_terms'")).scalar()
    return list(options or [])


def _schema_objects(engine) -> set[tuple[str, str]]:
    """What the models do not declare but the schema must have: triggers and the full-text index."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(
                text("SELECT type, name FROM sqlite_master WHERE type = 'trigger' OR name LIKE 'archive_page_fts%'")
            )
        else:
            rows = conn.execute(
                text(
                    "SELECT 'trigger', tgname FROM pg_trigger WHERE NOT tgisinternal UNION "
                    "SELECT 'function', proname FROM pg_proc WHERE proname LIKE '%refuse_change' UNION "
                    "SELECT 'relation', relname FROM pg_class WHERE relname LIKE 'archive_page_terms%' "
                    "OR relname = 'ix_archive_page_terms' UNION "
                    "SELECT 'option', unnest(reloptions) FROM pg_class WHERE relname = 'archive_page_terms' UNION "
                    "SELECT 'statistics', 'terms:' || attstattarget FROM pg_attribute "
                    "WHERE attrelid = 'archive_page_terms'::regclass AND attname = 'terms'"
                )
            )
        return {tuple(row) for row in rows}


@pytest.fixture
def second_url(db_url, tmp_path, request) -> str:
    """Another empty database of the same engine as `db_url`."""
    if db_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'second.sqlite3'}"
    return request.getfixturevalue("pg_cluster").create_database(f"second{os.getpid()}_{abs(hash(db_url)) % 10**6}")


def test_creating_an_empty_database_gives_the_schema_of_every_revision(db_url, second_url, data_dir):
    fast, stepwise = make_engine(db_url), make_engine(second_url)
    assert upgrade(fast).created
    assert upgrade(stepwise, fast_create=False).created
    assert schema_differences(fast) == [] and schema_differences(stepwise) == []
    objects = _schema_objects(fast)
    assert objects == _schema_objects(stepwise)
    expected = (
        {"case_transition_no_update", "access_log_no_delete"}
        if fast.dialect.name == "sqlite"
        else {
            "case_transition_no_change",
            "access_log_no_truncate",
            "ix_archive_page_terms",
            "toast_tuple_target=8160",
            "terms:1000",
        }
    )
    assert expected <= {name for _kind, name in objects}
    for engine in (fast, stepwise):
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head_revision()]
        engine.dispose()


def test_an_unknown_revision_is_refused_with_a_message(tmp_path, data_dir):
    engine = make_engine(f"sqlite:///{tmp_path / 'newer.sqlite3'}")
    init_db(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    env = {**os.environ, "DESK_DATABASE_URL": str(engine.url), "DESK_DEFAULT_LANGUAGE": "en"}
    result = subprocess.run(
        [sys.executable, "-m", "desk", "migrate"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1 and "could not be upgraded" in result.stderr and "9999" in result.stderr
    assert "Traceback" not in result.stderr
    engine.dispose()


def test_migrate_command_upgrades_a_previous_release_file(tmp_path):
    folder = tmp_path / "desk-data"
    folder.mkdir()
    engine = _previous_release(f"sqlite:///{folder / 'desk.sqlite3'}")
    _fill_previous_release(engine)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))
    engine.dispose()
    env = {**os.environ, "DESK_DATA_DIR": str(folder), "DESK_DEFAULT_LANGUAGE": "zh-CN"}
    env.pop("DESK_DATABASE_URL", None)

    def migrate(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "desk", "migrate", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    first = migrate()
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == f"数据库已升级：上一版本（无版本记录） → {head_revision()}（最新）"
    again = migrate("--lang", "en")
    assert (
        again.returncode == 0
        and again.stdout.strip() == f"The database is at revision {head_revision()}, the newest: nothing to do"
    )
    engine = make_engine(f"sqlite:///{folder / 'desk.sqlite3'}")
    assert _counts(engine)["case_file"] == 1 and schema_differences(engine) == []
    with engine.begin() as conn:
        conn.execute(update(Case).values(declared="x"))  # a new column, writable
    engine.dispose()


def test_two_processes_starting_on_one_empty_database_create_it_once(db_url, data_dir):
    """Two desks (here: threads with engines of their own) start at once: one creates the schema, the
    other waits for its lock and then finds the newest revision."""
    import threading

    engines = [make_engine(db_url) for _ in range(2)]
    results, errors = [], []

    def start(engine) -> None:
        try:
            results.append(upgrade(engine))
        except Exception as error:
            errors.append(error)

    threads = [threading.Thread(target=start, args=(engine,)) for engine in engines]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors and len(results) == 2
    assert sorted(result.created for result in results) == [False, True]
    with engines[0].connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head_revision()]
    for engine in engines:
        engine.dispose()
