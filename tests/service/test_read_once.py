"""What the hub reads once and uses again for a few seconds (docs/adr/0043): a gateway's
registration and an agency's record. A change made by the same process is seen at once; one made
by another process (the command line beside a running hub, another hub worker) within the bound
(`FINGERPOST_HUB_CACHE_SECONDS`), never later. And an enquiry's candidates are resolved from what
the blocking read fetched, exactly as the involvement is stored."""

from __future__ import annotations

from dataclasses import replace

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine
from sqlalchemy.pool import NullPool

from conftest import Scenario
from fingerpost.adapters.db import engine as engines
from fingerpost.adapters.db.gateways import SqlGatewayDirectory
from fingerpost.adapters.db.recent import Recent
from fingerpost.adapters.db.uow import SqlUnitOfWorkFactory
from fingerpost.adapters.service_tokens import public_text
from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import PermissionDenied
from fingerpost.domain.vocabulary import Role
from fingerpost.service.candidates import MOST_CANDIDATES

OPERATOR = Actor(subject="ops", name="Operator", agency="-", role=Role.OPERATOR)
BOUND = 5.0


class Clock:
    """A monotonic clock the test moves on."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


# -- kept values ------------------------------------------------------------------------------


def test_a_value_is_used_again_until_it_is_as_old_as_the_bound() -> None:
    clock = Clock()
    recent: Recent[str, str] = Recent(BOUND, clock=clock)
    recent.keep(recent.ticket(), "leeds-gw", "live")
    clock.now += BOUND - 0.01
    assert recent.get("leeds-gw") == ("live",)
    clock.now += 0.01
    assert recent.get("leeds-gw") is None


def test_the_age_counts_from_before_the_read() -> None:
    clock = Clock()
    recent: Recent[str, str] = Recent(BOUND, clock=clock)
    ticket = recent.ticket()
    clock.now += 2  # a slow read
    recent.keep(ticket, "leeds-gw", "live")
    clock.now += BOUND - 2
    assert recent.get("leeds-gw") is None


def test_a_forgotten_value_is_read_again() -> None:
    recent: Recent[str, str] = Recent(BOUND, clock=Clock())
    recent.keep(recent.ticket(), "leeds-gw", "live")
    recent.keep(recent.ticket(), "police-gw", "live")
    recent.forget("leeds-gw")
    assert (recent.get("leeds-gw"), recent.get("police-gw")) == (None, ("live",))
    recent.forget()
    assert recent.get("police-gw") is None


def test_a_read_overtaken_by_a_change_is_not_kept() -> None:
    recent: Recent[str, str] = Recent(BOUND, clock=Clock())
    ticket = recent.ticket()  # a read begins, before the change is committed
    recent.forget("leeds-gw")  # the change is committed
    recent.keep(ticket, "leeds-gw", "live")  # what the read found may be the old row
    assert recent.get("leeds-gw") is None


def test_a_bound_of_zero_keeps_nothing() -> None:
    recent: Recent[str, str] = Recent(0, clock=Clock())
    recent.keep(recent.ticket(), "leeds-gw", "live")
    assert recent.get("leeds-gw") is None


# -- gateways ---------------------------------------------------------------------------------


@pytest.fixture
def leeds_gateway(scenario: Scenario) -> str:
    scenario.agency("CSC-LDS")
    key = public_text(Ed25519PrivateKey.generate())
    scenario.fp.gateways.add(OPERATOR, "leeds-gw", ["CSC-LDS"], key)
    return "leeds-gw"


def _other_process(fp: Fingerpost) -> Fingerpost:
    """The same home and database opened again, as `fingerpost hub gateways revoke` would be
    beside a running hub: its own reads, its own kept values."""
    return bootstrap(fp.settings)


def test_a_gateway_revoked_by_the_hub_itself_is_refused_at_once(
    fp: Fingerpost, leeds_gateway: str
) -> None:
    assert fp.gateways.get(leeds_gateway).live  # type: ignore[union-attr]
    fp.gateways.revoke(OPERATOR, leeds_gateway)
    assert not fp.gateways.get(leeds_gateway).live  # type: ignore[union-attr]


def test_a_gateway_revoked_elsewhere_is_refused_once_the_bound_has_passed(
    fp: Fingerpost, leeds_gateway: str
) -> None:
    clock = Clock()
    hub = SqlGatewayDirectory(fp.engine, fresh_for=BOUND, clock=clock)
    assert hub.get(leeds_gateway).live  # type: ignore[union-attr]
    other = _other_process(fp)
    try:
        other.gateways.revoke(OPERATOR, leeds_gateway)
    finally:
        other.close()
    clock.now += BOUND - 0.5
    assert hub.get(leeds_gateway).live  # type: ignore[union-attr]  # within the bound
    clock.now += 0.5
    assert not hub.get(leeds_gateway).live  # type: ignore[union-attr]


def test_with_a_bound_of_zero_a_revocation_elsewhere_is_seen_at_once(
    fp: Fingerpost, leeds_gateway: str
) -> None:
    hub = SqlGatewayDirectory(fp.engine, fresh_for=0, clock=Clock())
    assert hub.get(leeds_gateway).live  # type: ignore[union-attr]
    SqlGatewayDirectory(fp.engine).revoke(leeds_gateway, fp.clock())
    assert not hub.get(leeds_gateway).live  # type: ignore[union-attr]


# -- agencies ---------------------------------------------------------------------------------


def _records(fp: Fingerpost, clock: Clock) -> SqlUnitOfWorkFactory:
    """Units of work of a hub process that keeps agencies for BOUND seconds of `clock`."""
    assert fp.keyring is not None
    return SqlUnitOfWorkFactory(
        fp.engine, fp._signing_key, fp.keyring, agencies_fresh_for=BOUND, clock=clock
    )


def _duty_phone(units: SqlUnitOfWorkFactory, code: str) -> str:
    with units() as uow:
        agency = uow.agencies.get(code)
        assert agency is not None
        return agency.duty_phone


def test_an_agency_changed_elsewhere_is_read_anew_once_the_bound_has_passed(
    scenario: Scenario,
) -> None:
    scenario.agency("CSC-LDS", duty_phone="0113 000 0001")
    clock = Clock()
    hub = _records(scenario.fp, clock)
    assert _duty_phone(hub, "CSC-LDS") == "0113 000 0001"
    other = _other_process(scenario.fp)
    try:
        Scenario(other).agency("CSC-LDS", duty_phone="0113 000 0002")
    finally:
        other.close()
    clock.now += BOUND - 0.5
    assert _duty_phone(hub, "CSC-LDS") == "0113 000 0001"  # within the bound
    clock.now += 0.5
    assert _duty_phone(hub, "CSC-LDS") == "0113 000 0002"


def test_an_agency_changed_by_the_same_process_is_read_anew_at_once(scenario: Scenario) -> None:
    scenario.agency("CSC-LDS", duty_phone="0113 000 0001")
    assert scenario.fp.hub.agency("CSC-LDS").duty_phone == "0113 000 0001"  # type: ignore[union-attr]
    scenario.agency("CSC-LDS", duty_phone="0113 000 0002")
    assert scenario.fp.hub.agency("CSC-LDS").duty_phone == "0113 000 0002"  # type: ignore[union-attr]


def test_a_change_rolled_back_is_never_what_others_read(scenario: Scenario) -> None:
    scenario.agency("CSC-LDS", duty_phone="0113 000 0001")
    hub = _records(scenario.fp, Clock())
    with hub() as uow:
        agency = uow.agencies.get("CSC-LDS")
        assert agency is not None
        uow.agencies.upsert(replace(agency, duty_phone="0113 999"))
        assert uow.agencies.get("CSC-LDS").duty_phone == "0113 999"  # type: ignore[union-attr]
        # not committed: left without a commit, rolled back
    assert _duty_phone(hub, "CSC-LDS") == "0113 000 0001"


def test_an_agency_decommissioned_by_the_hub_itself_enquires_no_more_at_once(
    scenario: Scenario,
) -> None:
    scenario.agency("CSC-LDS")
    scenario.agency("CSC-MAN")
    worker = scenario.practitioner("CSC-LDS", "sw@leeds.example")
    scenario.enquire("CSC-LDS", actor=worker)  # its record is now kept
    scenario.fp.decommission(OPERATOR, "CSC-LDS")
    with pytest.raises(PermissionDenied, match="has left"):
        scenario.enquire("CSC-LDS", actor=worker)


# -- candidates -------------------------------------------------------------------------------


def test_a_candidate_is_resolved_exactly_as_the_involvement_is_stored(scenario: Scenario) -> None:
    scenario.agency("CSC-LDS")
    scenario.agency("CSC-MAN")
    registered = scenario.register_one("CSC-LDS")
    scenario.shield(registered)
    with scenario.fp.unit_of_work() as uow:
        reached = uow.involvements.candidates(
            scenario.query().probe_keys, "CSC-MAN", most=MOST_CANDIDATES
        )
        resolved = uow.involvements.resolve(reached)
    with scenario.fp.unit_of_work() as uow:
        stored = uow.involvements.get("CSC-LDS", registered)
    assert stored is not None
    assert resolved[registered].involvement == stored
    assert resolved[registered].involvement.shielded


# -- connections ------------------------------------------------------------------------------


@pytest.mark.postgres
def test_an_idle_connection_the_server_dropped_is_replaced_before_use(
    fp: Fingerpost, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engines, "PING_AFTER_IDLE_S", 0.0)  # every connection counts as idle
    with fp.engine.connect() as connection:
        backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
    server = create_engine(database_url, poolclass=NullPool)
    try:
        with server.connect() as connection:
            connection.exec_driver_sql(f"SELECT pg_terminate_backend({int(backend or 0)})")
    finally:
        server.dispose()
    with fp.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() != backend
