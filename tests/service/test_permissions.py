"""Who may do what to an agency's register and to the audit log (docs/roles.md, ADR 0025),
checked by the service itself whatever the entrypoint. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import Scenario
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import InvalidValue, NotFound, PermissionDenied
from fingerpost.domain.vocabulary import Role

PRIYA = "priya.shah@leeds.example.org"  # the practitioner `make_register_row` names
ADMIN = Scenario.practitioner("CSC-LDS", "admin@leeds.example.org", role=Role.AGENCY_ADMIN)
NAMED = Scenario.practitioner("CSC-LDS", PRIYA.upper())  # e-mail case does not matter
COLLEAGUE = Scenario.practitioner("CSC-LDS", "tom.reid@leeds.example.org")
AUDITOR = Scenario.auditor()
OPERATOR = Actor(subject="ops", name="Operator", agency="-", role=Role.OPERATOR)


@pytest.fixture
def involvement(scenario: Scenario) -> str:
    scenario.agency("CSC-LDS")
    return scenario.register_one("CSC-LDS", local_ref="LDS-1")


def audit_details(scenario: Scenario, action: str) -> list[str]:
    rows = scenario.sql("SELECT detail FROM audit_events WHERE action = :a ORDER BY seq", a=action)
    return [str(detail) for (detail,) in rows]


class TestWithdrawing:
    @pytest.mark.parametrize("practitioner", [NAMED, COLLEAGUE], ids=["named", "colleague"])
    def test_no_practitioner_may_withdraw_not_even_the_one_it_names(
        self, scenario: Scenario, involvement: str, practitioner: Actor
    ) -> None:
        with pytest.raises(PermissionDenied):
            scenario.fp.hub.withdraw(practitioner, involvement, "registered in error")
        assert scenario.fp.hub.get(ADMIN, involvement).id == involvement
        assert audit_details(scenario, "involvement:withdrawn") == []

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_an_administrator_must_say_why(
        self, scenario: Scenario, involvement: str, reason: str
    ) -> None:
        with pytest.raises(InvalidValue, match="reason"):
            scenario.fp.hub.withdraw(ADMIN, involvement, reason)
        assert scenario.fp.hub.get(ADMIN, involvement).id == involvement

    def test_the_reason_is_recorded_in_the_audit_event(
        self, scenario: Scenario, involvement: str
    ) -> None:
        scenario.fp.hub.withdraw(ADMIN, involvement, "registered against the wrong child")
        with pytest.raises(NotFound):
            scenario.fp.hub.get(ADMIN, involvement)
        [detail] = audit_details(scenario, "involvement:withdrawn")
        assert "registered against the wrong child" in detail
        assert involvement in detail


class TestEndingAndEditing:
    def test_a_practitioner_may_not_end_or_edit_a_colleagues_involvement(
        self, scenario: Scenario, involvement: str
    ) -> None:
        before = scenario.fp.hub.get(ADMIN, involvement)
        with pytest.raises(PermissionDenied):
            scenario.fp.hub.end(COLLEAGUE, involvement, None)
        with pytest.raises(PermissionDenied):
            scenario.fp.hub.update_terms(COLLEAGUE, involvement, lambda terms: terms)
        assert scenario.fp.hub.get(ADMIN, involvement) == before

    def test_the_practitioner_it_names_may_end_it(
        self, scenario: Scenario, involvement: str
    ) -> None:
        ended = scenario.fp.hub.end(NAMED, involvement, None)
        assert ended.terms.end_date is not None

    def test_an_administrator_may_end_any_of_the_agencys(
        self, scenario: Scenario, involvement: str
    ) -> None:
        assert scenario.fp.hub.end(ADMIN, involvement, None).terms.end_date is not None

    def test_a_practitioner_without_an_email_is_never_the_named_one(
        self, scenario: Scenario
    ) -> None:
        scenario.agency("CSC-LDS")
        phone_only = scenario.register_one("CSC-LDS", practitioner_email="")
        nameless = Actor(subject="x", name="X", agency="CSC-LDS", role=Role.PRACTITIONER)
        with pytest.raises(PermissionDenied):
            scenario.fp.hub.end(nameless, phone_only, None)


class TestReadingTheRegister:
    def test_the_list_is_for_the_agencys_administrators(
        self, scenario: Scenario, involvement: str
    ) -> None:
        assert [i.id for i in scenario.fp.hub.list_involvements(ADMIN)] == [involvement]
        for actor in (NAMED, AUDITOR, OPERATOR):
            with pytest.raises(PermissionDenied):
                scenario.fp.hub.list_involvements(actor)

    def test_one_involvement_is_for_the_agencys_practitioners_and_administrators(
        self, scenario: Scenario, involvement: str
    ) -> None:
        assert scenario.fp.hub.get(COLLEAGUE, involvement).id == involvement
        for actor in (AUDITOR, OPERATOR):
            with pytest.raises(PermissionDenied):
                scenario.fp.hub.get(actor, involvement)

    def test_notifications_are_for_practitioners_and_administrators(
        self, scenario: Scenario, involvement: str
    ) -> None:
        del involvement
        for actor in (NAMED, ADMIN):
            assert scenario.fp.hub.notifications(actor) == []
        for actor in (AUDITOR, OPERATOR):
            with pytest.raises(PermissionDenied):
                scenario.fp.hub.notifications(actor)


class TestReadingUsers:
    @pytest.mark.parametrize("reader", [AUDITOR, OPERATOR], ids=["auditor", "operator"])
    def test_an_auditors_or_operators_read_of_everyones_contacts_is_audited(
        self, scenario: Scenario, reader: Actor
    ) -> None:
        scenario.agency("CSC-LDS")
        scenario.fp.hub.seen(COLLEAGUE)
        scenario.fp.hub.seen(ADMIN)
        assert len(scenario.fp.hub.users(reader)) == 2
        rows = scenario.sql(
            "SELECT actor, result_count FROM audit_events WHERE action = 'users:read'"
        )
        assert rows == [(reader.subject, 2)]

    def test_an_administrators_read_of_their_own_agency_is_not_a_disclosure(
        self, scenario: Scenario
    ) -> None:
        scenario.agency("CSC-LDS")
        scenario.fp.hub.seen(COLLEAGUE)
        assert len(scenario.fp.hub.users(ADMIN)) == 1
        assert scenario.sql("SELECT 1 FROM audit_events WHERE action = 'users:read'") == []


class TestTheAuditLog:
    @pytest.mark.parametrize("keeper", [AUDITOR, OPERATOR], ids=["auditor", "operator"])
    def test_auditors_and_operators_verify_prove_and_export_it(
        self, scenario: Scenario, involvement: str, keeper: Actor
    ) -> None:
        del involvement
        hub = scenario.fp.hub
        assert hub.verify_audit(keeper) is None
        head = hub.audit_head(keeper)
        assert head is not None
        assert hub.inclusion_proof(keeper, 1).verify()
        assert hub.consistency_proof(keeper, head.size).verify()
        assert hub.audit_checkpoints(keeper)[-1] == head
        assert len(hub.audit_export(keeper)) >= head.size

    @pytest.mark.parametrize("staff", [NAMED, ADMIN], ids=["practitioner", "administrator"])
    def test_agency_staff_may_do_none_of_it(
        self, scenario: Scenario, involvement: str, staff: Actor
    ) -> None:
        del involvement
        hub = scenario.fp.hub
        for attempt in (
            lambda: hub.verify_audit(staff),
            lambda: hub.audit_head(staff),
            lambda: hub.inclusion_proof(staff, 1),
            lambda: hub.consistency_proof(staff, 1),
            lambda: hub.audit_checkpoints(staff),
            lambda: hub.audit_export(staff),
        ):
            with pytest.raises(PermissionDenied):
                attempt()


def test_only_an_operator_rotates_the_master_key_and_nothing_turns_before_the_check(
    scenario: Scenario, involvement: str, home: Path
) -> None:
    del involvement
    keys = {p: p.read_bytes() for p in sorted(home.rglob("*.key"))}
    assert keys  # the master key and the agency's data key live in the home
    for actor in (ADMIN, AUDITOR, Actor.system("CSC-LDS")):
        with pytest.raises(PermissionDenied):
            scenario.fp.rotate_master_key(actor)
    assert {p: p.read_bytes() for p in sorted(home.rglob("*.key"))} == keys
    assert not list(home.rglob("*.next"))
    assert audit_details(scenario, "key:rotated") == []
