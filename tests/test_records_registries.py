"""Registry sources: local facts are proven; a source that is down, slow or unreachable is unknown."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from desk.db import session_scope
from desk.records.profile import load_profile
from desk.records.registries import (
    NOT_PROVEN,
    PROVEN,
    UNAVAILABLE_ENV,
    UNKNOWN,
    LocalRegistrySource,
    default_directory,
)
from desk.records.tables import Person, RegistryFact


@pytest.fixture
def person_with_home(engine) -> int:
    with session_scope(engine) as session:
        person = Person(
            id_number="21020319900101123X",
            name="张伟",
            phone="13800001234",
            sex="M",
            birth_date=datetime(1990, 1, 1).date(),
            address="大连市",
        )
        session.add(person)
        session.flush()
        session.add(
            RegistryFact(
                person_id=person.id,
                kind="property",
                source="real_estate",
                as_of=datetime(2026, 9, 1, 8, tzinfo=UTC),
                payload={"owns_home_in_dalian": True, "homes": [{"cert_no": "辽(2020)1号"}]},
            )
        )
        session.add(
            RegistryFact(
                person_id=person.id,
                kind="property",
                source="real_estate",
                as_of=datetime(2025, 1, 1, 8, tzinfo=UTC),
                payload={"owns_home_in_dalian": False, "homes": []},
            )
        )
        return person.id


class _SlowSource(LocalRegistrySource):
    def fetch(self, session, person_id, kinds):
        time.sleep(self.timeout_s * 3)
        return super().fetch(session, person_id, kinds)


class _TimingOutSource(LocalRegistrySource):
    def fetch(self, session, person_id, kinds):
        raise TimeoutError("read timed out")


class _UnreachableSource(LocalRegistrySource):
    def fetch(self, session, person_id, kinds):
        raise ConnectionRefusedError("connection refused")


def test_local_source_proves_with_newest_fact_first(engine, person_with_home):
    directory = default_directory(unavailable=())
    with session_scope(engine) as session:
        answer = directory.ask(session, person_with_home, "property")
        none = directory.ask(session, person_with_home, "credit")
    assert answer.status == PROVEN and answer.source == "real_estate"
    assert answer.as_of == datetime(2026, 9, 1, 8, tzinfo=UTC)
    assert answer.get("owns_home_in_dalian") is True and len(answer.facts) == 2
    assert none.status == NOT_PROVEN and none.get("has_commercial_loan") is None


@pytest.mark.parametrize(
    ("source_class", "reason"),
    [
        (_SlowSource, "records.registry.timeout"),
        (_TimingOutSource, "records.registry.timeout"),
        (_UnreachableSource, "records.registry.unreachable"),
    ],
)
def test_slow_or_broken_source_is_unknown_never_proven(engine, person_with_home, source_class, reason):
    source = source_class("real_estate", ["property"], timeout_s=0.02)
    with session_scope(engine) as session:
        answer = source.query(session, person_with_home, "property")
    assert answer.status == UNKNOWN and answer.reason_key == reason
    assert answer.facts == () and answer.get("owns_home_in_dalian") is None


def test_source_marked_down_in_the_environment_is_unknown(engine, person_with_home, monkeypatch):
    monkeypatch.setenv(UNAVAILABLE_ENV, "real_estate, pboc_credit")
    with session_scope(engine) as session:
        profile = load_profile(session, person_with_home)
    assert profile.answer("property").status == UNKNOWN
    assert profile.answer("property").reason_key == "records.registry.unavailable"
    assert profile.answer("credit").status == UNKNOWN
    assert profile.answer("identity").status == NOT_PROVEN  # the others still answer
    monkeypatch.setenv(UNAVAILABLE_ENV, "all")
    with session_scope(engine) as session:
        statuses = {answer.status for answer in load_profile(session, person_with_home).registry}
    assert statuses == {UNKNOWN}


def test_a_source_only_answers_for_its_kinds(engine, person_with_home):
    source = LocalRegistrySource("real_estate", ["property"])
    with session_scope(engine) as session, pytest.raises(ValueError):
        source.query(session, person_with_home, "marriage")
