"""The audit log: every enquiry recorded with its purpose, the chain verifiable and any edit
found, and no disclosure without its audit record (fail closed). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import psycopg
import pytest
from sqlalchemy import Engine, make_url, text

from conftest import Scenario
from fingerpost.adapters.db.repositories import SqlAuditLog
from fingerpost.audit.events import AuditAction
from fingerpost.bootstrap import bootstrap
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import InvalidValue, PermissionDenied
from fingerpost.domain.model import Agency
from fingerpost.domain.vocabulary import AgencyKind

if TYPE_CHECKING:
    from fingerpost.config import Settings

IntegrityError = (sqlite3.IntegrityError, psycopg.errors.IntegrityError)
CHILD = {"given_names": "Amelia", "family_name": "Nowak", "date_of_birth": "2012-10-30"}
STRANGER = {"given_names": "Chloe", "family_name": "Wright", "date_of_birth": "2011-12-25"}


@pytest.fixture
def scenario(scenario: Scenario) -> Scenario:
    scenario.agency("CSC-BRM", name="Birmingham children's trust", authority_area="E08000025")
    scenario.agency("WMP", name="West Midlands Police", kind="police")
    scenario.register_one("CSC-BRM", **CHILD)
    return scenario


def enquiry_seqs(scenario: Scenario) -> list[int]:
    rows = scenario.sql("SELECT seq FROM audit_events WHERE action = 'enquiry:made' ORDER BY seq")
    return [int(seq) for (seq,) in rows]  # type: ignore[call-overload]


def test_each_enquiry_is_recorded_once_with_its_purpose_and_result_count(
    scenario: Scenario,
) -> None:
    results = scenario.fp.hub.enquire_many(
        Actor.system("WMP"),
        "child found at a police incident",
        [scenario.query(**CHILD), scenario.query(**STRANGER), scenario.query(**CHILD)],
    )
    events = [
        e for e in scenario.fp.hub.audit_events(scenario.auditor()) if e.action == "enquiry:made"
    ]
    events.reverse()  # newest first → the order the enquiries were made
    assert len(events) == 3
    assert [e.purpose for e in events] == ["child found at a police incident"] * 3
    assert [e.result_count for e in events] == [1, 0, 1]
    assert {(e.actor, e.agency) for e in events} == {("cli:WMP", "WMP")}
    assert [e.detail["enquiry"] for e in events] == [r.enquiry_id for r in results]
    assert events[1].detail["disclosed"] == ""
    assert events[0].detail["disclosed"] != ""


def test_an_enquiry_with_no_signpost_is_recorded_too(scenario: Scenario) -> None:
    scenario.enquire("WMP", **STRANGER)
    assert len(enquiry_seqs(scenario)) == 1


def test_only_an_auditor_reads_the_audit_log(scenario: Scenario) -> None:
    with pytest.raises(PermissionDenied):
        scenario.fp.hub.audit_events(scenario.practitioner("WMP", "pc@wmp.example"))
    scenario.fp.hub.audit_events(scenario.auditor())
    [read] = [
        e for e in scenario.fp.hub.audit_events(scenario.auditor()) if e.action == "audit:read"
    ]
    assert read.actor == "auditor@example.org"


def test_an_auditor_searches_the_log_by_action_actor_and_agency(scenario: Scenario) -> None:
    officer = scenario.practitioner("WMP", "pc@wmp.example")
    scenario.enquire("WMP", actor=officer, **CHILD)
    scenario.enquire("CSC-BRM", **STRANGER)
    hub, auditor = scenario.fp.hub, scenario.auditor()

    made = hub.audit_events(auditor, action="enquiry:made")
    assert {(e.action, e.actor) for e in made} == {
        ("enquiry:made", "pc@wmp.example"),
        ("enquiry:made", "cli:CSC-BRM"),
    }
    assert [e.agency for e in hub.audit_events(auditor, subject="pc@wmp.example")] == ["WMP"]
    assert {e.action for e in hub.audit_events(auditor, agency="CSC-BRM")} >= {"enquiry:made"}
    with pytest.raises(InvalidValue):
        hub.audit_events(auditor, action="no-such:action")
    # Each search is itself recorded, with what was searched for (a refused one is not).
    previous = hub.audit_events(auditor, action="audit:read", limit=1)[0]
    assert previous.detail == {"agency": "CSC-BRM"}


def test_the_chain_verifies(scenario: Scenario) -> None:
    scenario.enquire("WMP", **CHILD)
    scenario.enquire("WMP", **STRANGER)
    assert scenario.fp.hub.verify_audit(Scenario.auditor()) is None


@pytest.mark.parametrize(
    "change",
    [
        "purpose = 'routine check'",
        "result_count = 0",
        "actor = 'someone-else'",
        "agency = 'CSC-BRM'",
        "detail = '{}'",
        "action = 'audit:read'",
    ],
)
def test_editing_a_stored_event_is_found_at_its_sequence_number(
    scenario: Scenario, change: str
) -> None:
    scenario.enquire("WMP", **CHILD)
    scenario.enquire("WMP", **STRANGER)
    edited, _ = enquiry_seqs(scenario)
    scenario.sql(f"UPDATE audit_events SET {change} WHERE seq = :seq", seq=edited)
    assert scenario.fp.hub.verify_audit(Scenario.auditor()) == edited


def test_deleting_an_event_is_found(scenario: Scenario) -> None:
    scenario.enquire("WMP", **CHILD)
    scenario.enquire("WMP", **STRANGER)
    deleted, _newest = enquiry_seqs(scenario)
    scenario.sql("DELETE FROM audit_events WHERE seq = :seq", seq=deleted)
    assert scenario.fp.hub.verify_audit(Scenario.auditor()) == deleted


def test_deleting_the_newest_events_is_found(scenario: Scenario) -> None:
    scenario.enquire("WMP", **CHILD)
    [newest] = enquiry_seqs(scenario)
    scenario.sql("DELETE FROM audit_events WHERE seq = :seq", seq=newest)
    assert scenario.fp.hub.verify_audit(Scenario.auditor()) is not None


class TestFailClosed:
    @pytest.fixture
    def broken_audit(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def refuse(*_: object, **__: object) -> int:
            raise RuntimeError("the audit store is unavailable")

        monkeypatch.setattr(SqlAuditLog, "append_many", refuse)

    def test_an_enquiry_that_cannot_be_audited_discloses_nothing(
        self, scenario: Scenario, broken_audit: None
    ) -> None:
        before = {t: scenario.count(t) for t in ("audit_events", "notifications", "links")}
        with pytest.raises(RuntimeError, match="audit store"):
            scenario.enquire("WMP", **CHILD)
        assert {t: scenario.count(t) for t in before} == before

    def test_a_registration_that_cannot_be_audited_stores_nothing(
        self, scenario: Scenario, broken_audit: None
    ) -> None:
        before = {t: scenario.count(t) for t in ("involvements", "blocking_keys", "notifications")}
        with pytest.raises(RuntimeError, match="audit store"):
            scenario.register_one("WMP", **CHILD, involvement="police-concern")
        assert {t: scenario.count(t) for t in before} == before

    def test_an_audit_append_the_database_refuses_discloses_nothing(
        self, scenario: Scenario
    ) -> None:
        """The events, their disclosures and the signed head are sent together (on PostgreSQL
        pipelined): one refused skips the rest, and the whole enquiry is rolled back."""
        [(size,)] = scenario.sql("SELECT max(size) FROM audit_checkpoints")
        scenario.sql(  # an event in the place the next append will take
            "INSERT INTO audit_events (seq, at, action, actor, agency, purpose, result_count,"
            " urgent, detail, leaf) VALUES (:seq, :at, 'enquiry:made', 'x', 'WMP', '', 0,"
            " false, '{}', '')",
            seq=int(size) + 1,  # type: ignore[call-overload]
            at=datetime.now(UTC),
        )
        tables = ("audit_events", "audit_checkpoints", "notifications", "disclosures")
        before = {t: scenario.count(t) for t in tables}
        with pytest.raises(IntegrityError):
            scenario.enquire("WMP", **CHILD)
        assert {t: scenario.count(t) for t in before} == before


class TestUnitOfWork:
    def test_nothing_is_written_without_commit(self, scenario: Scenario) -> None:
        agency = Agency("UNCOMMITTED", "Not committed", "E08000025", AgencyKind.OTHER)
        with scenario.fp.unit_of_work() as uow:
            uow.agencies.upsert(agency)
            assert uow.agencies.get("UNCOMMITTED") is not None
        assert scenario.fp.hub.agency("UNCOMMITTED") is None

    def test_an_error_rolls_everything_back(self, scenario: Scenario) -> None:
        involvement = scenario.fp.hub.list_involvements(Actor.system("CSC-BRM"))[0].id

        def shield_withdraw_and_fail() -> None:
            with scenario.fp.unit_of_work() as uow:
                uow.involvements.set_shielded(involvement, True)
                uow.involvements.remove(involvement)
                raise KeyError("stop")

        with pytest.raises(KeyError):
            shield_withdraw_and_fail()
        assert scenario.fp.hub.get(Actor.system("CSC-BRM"), involvement).shielded is False
        assert scenario.count("blocking_keys") > 0


@pytest.mark.postgres
def test_the_chain_verifies_whatever_the_servers_time_zone(
    settings: Settings, postgres_server: Engine
) -> None:
    name = make_url(settings.resolved_database_url).database
    with postgres_server.connect() as connection:
        connection.execute(text(f"ALTER DATABASE \"{name}\" SET timezone TO 'Europe/Paris'"))
    fp = bootstrap(settings)
    try:
        fp.hub.record(Actor.system("OPS"), AuditAction.TOKEN_ISSUED, subject="ops@example.org")
        assert fp.hub.verify_audit(Scenario.auditor()) is None
    finally:
        fp.close()
