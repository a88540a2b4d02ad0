"""The hub reached over loopback HTTP answers exactly as the in-process hub does: the same
signposts, the same outcomes, the same errors — and a registration sent twice is stored once."""

from __future__ import annotations

from dataclasses import replace

import pytest

from conftest import PURPOSE, Scenario, make_register_row
from fingerpost.adapters.hub_client import RemoteHub
from fingerpost.audit.events import AuditAction
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import NotFound, PermissionDenied
from fingerpost.domain.vocabulary import Role
from fingerpost.service.unavailable import HubOnly
from wire.conftest import LEEDS, POLICE, Gateways

OLIVIA = {"given_names": "Olivia", "family_name": "Harrison", "date_of_birth": "2015-06-07"}


def test_a_registration_and_an_enquiry_through_the_wire_signpost_as_in_process(
    scenario: Scenario, leeds: RemoteHub, police: RemoteHub
) -> None:
    rows = [make_register_row(**OLIVIA), make_register_row(given_names="Jack", family_name="Ng")]
    registrations = [scenario.registration(row, wide=False) for row in rows]
    outcome = leeds.register(Actor.system(LEEDS), registrations)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (2, 0, 0)

    query = scenario.query(**OLIVIA)
    remote = police.enquire(Actor.system(POLICE), PURPOSE, query)
    local = scenario.fp.hub.enquire(Actor.system(POLICE), PURPOSE, query)
    assert [s.agency for s in remote.signposts] == [LEEDS]
    # Everything but when the office next opens, which the clock moves between the two calls.
    assert [replace(s, practitioner_from=None) for s in remote.signposts] == [
        replace(s, practitioner_from=None) for s in local.signposts
    ]
    assert remote.enquiry_id != local.enquiry_id  # two enquiries, each audited


def test_a_batch_sent_again_changes_nothing(scenario: Scenario, leeds: RemoteHub) -> None:
    registrations = [
        scenario.registration(
            make_register_row(local_ref=f"R{i}", given_names=f"Child{i}"), wide=False
        )
        for i in range(5)
    ]
    first = leeds.register(Actor.system(LEEDS), registrations)
    again = leeds.register(Actor.system(LEEDS), registrations)
    assert (first.created, again.created, again.unchanged) == (5, 0, 5)
    assert first.ids == again.ids
    assert scenario.count("involvements") == 5


def test_errors_come_back_as_the_hubs_own(scenario: Scenario, leeds: RemoteHub) -> None:
    practitioner = scenario.practitioner(LEEDS, "jo@leeds.example.org")
    with pytest.raises(NotFound):
        leeds.get(Actor.system(LEEDS), "no-such-involvement")
    with pytest.raises(PermissionDenied):
        leeds.list_involvements(practitioner)  # agency administrators only
    with pytest.raises(HubOnly):
        leeds.expire(Actor.system(LEEDS))


def test_the_agency_register_round_trips(scenario: Scenario, leeds: RemoteHub) -> None:
    admin = Actor.system(LEEDS)
    involvement = leeds.register(admin, [scenario.registration(make_register_row(**OLIVIA))]).ids[0]
    stored = leeds.get(admin, involvement)
    assert stored == scenario.fp.hub.get(admin, involvement)
    ended = leeds.end(admin, involvement, None)
    assert ended.terms.end_date is not None
    assert leeds.list_involvements(admin) == scenario.fp.hub.list_involvements(admin)
    assert leeds.agencies() == scenario.fp.hub.agencies()
    assert leeds.policy.override_roles == scenario.fp.hub.policy.override_roles


def test_auditors_and_operators_read_through_the_wire_as_in_process(
    scenario: Scenario, gateways: Gateways
) -> None:
    scenario.agency("AUDIT")
    audit = gateways.remote("audit-gw", gateways.add("audit-gw", "CSC-LDS", "AUDIT"))
    auditor = replace(scenario.auditor("AUDIT"), strong_auth=True)
    assert audit.verify_audit(auditor) is None
    assert audit.audit_head(auditor) == scenario.fp.hub.audit_head(auditor)
    remote = audit.audit_events(auditor, limit=5)
    # The hub's own answer now begins with the remote read, itself audited.
    assert remote == scenario.fp.hub.audit_events(auditor, limit=6)[1:]
    operator = Actor("ops@leeds.example.org", "Ops", "CSC-LDS", Role.OPERATOR)
    assert audit.retention_status(operator) == scenario.fp.hub.retention_status(operator)
    assert audit.count_involvements() == scenario.fp.hub.count_involvements()


def test_a_gateway_records_only_what_it_does_itself(scenario: Scenario, leeds: RemoteHub) -> None:
    admin = Actor.system(LEEDS)
    leeds.record(
        admin, AuditAction.TOKEN_ISSUED, subject="jo@leeds.example.org", role="practitioner"
    )
    with scenario.fp.unit_of_work() as uow:
        (issued,) = uow.audit.read(action=AuditAction.TOKEN_ISSUED.value)
    assert issued.detail["gateway"] == "leeds-gw"
    with pytest.raises(PermissionDenied):
        leeds.record(admin, AuditAction.BACKUP_RESTORED, rows="0")
