"""Gateway ↔ hub trust (ADR 0026): only a registered gateway's fresh, signed token is believed,
only for its own agencies; whatever else is refused, and a gateway acting for another agency is
refused and audited by name."""

from __future__ import annotations

import time

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from conftest import PURPOSE, Scenario, make_register_row
from fingerpost.adapters.hub_client import RemoteHub
from fingerpost.adapters.service_tokens import ServiceTokenSigner
from fingerpost.audit.events import AuditAction
from fingerpost.domain.actor import Actor
from fingerpost.domain.errors import LimitExceeded, PermissionDenied
from fingerpost.entrypoints.loopback import free_port
from fingerpost.service.unavailable import GatewayNotTrusted, HubUnavailable
from wire.conftest import LEEDS, MANCHESTER, OPERATOR, Gateways

pytestmark = pytest.mark.usefixtures("gateways")


def _status(url: str, token: str) -> tuple[int, str]:
    response = httpx.get(
        f"{url}/hub/v1/notifications", headers={"Authorization": f"Bearer {token}"}
    )
    if response.is_success:
        return response.status_code, ""
    assert response.headers["content-type"] == "application/problem+json"
    return response.status_code, response.json()["code"]


def test_a_token_that_is_not_good_is_refused_401(gateways: Gateways, hub_url: str) -> None:
    key = gateways.add("leeds-gw", LEEDS)
    practitioner = Scenario.practitioner(LEEDS, "jo@leeds.example.org")
    good = ServiceTokenSigner("leeds-gw", key, linkage_fingerprint=gateways.fingerprint)
    assert _status(hub_url, good.mint(practitioner))[0] == 200
    refused = {
        "another key": ServiceTokenSigner("leeds-gw", Ed25519PrivateKey.generate()),
        "unknown gateway": ServiceTokenSigner("bradford-gw", key),
        "another audience": ServiceTokenSigner("leeds-gw", key, audience="elsewhere"),
        "expired": ServiceTokenSigner("leeds-gw", key, clock=lambda: time.time() - 600),
        "from the future": ServiceTokenSigner("leeds-gw", key, clock=lambda: time.time() + 600),
    }
    for why, signer in refused.items():
        assert _status(hub_url, signer.mint(practitioner)) == (401, "service-token"), why
    assert _status(hub_url, "not-a-token") == (401, "service-token")


def test_a_token_is_good_for_one_request(gateways: Gateways, hub_url: str) -> None:
    token = ServiceTokenSigner(
        "leeds-gw", gateways.add("leeds-gw", LEEDS), linkage_fingerprint=gateways.fingerprint
    ).mint(Scenario.practitioner(LEEDS, "jo@leeds.example.org"))
    assert _status(hub_url, token)[0] == 200
    assert _status(hub_url, token) == (401, "service-token")  # a copied token replayed


def test_a_revoked_gateway_is_no_longer_trusted(gateways: Gateways, scenario: Scenario) -> None:
    leeds = gateways.remote("leeds-gw", gateways.add("leeds-gw", LEEDS))
    admin = Actor.system(LEEDS)
    assert leeds.list_involvements(admin) == []
    scenario.fp.gateways.revoke(OPERATOR, "leeds-gw")
    with pytest.raises(GatewayNotTrusted):
        leeds.list_involvements(admin)


def test_a_gateway_acting_for_another_agency_is_refused_and_audited(
    gateways: Gateways, scenario: Scenario, leeds: RemoteHub
) -> None:
    manchester_admin = Actor.system(MANCHESTER)
    registration = scenario.registration(make_register_row(), wide=False)
    with pytest.raises(PermissionDenied, match="leeds-gw may not act for agency CSC-MAN"):
        leeds.register(manchester_admin, [registration])
    with pytest.raises(PermissionDenied):
        leeds.enquire(manchester_admin, PURPOSE, scenario.query())
    assert scenario.count("involvements") == 0
    with scenario.fp.unit_of_work() as uow:
        refused = uow.audit.read(action=AuditAction.GATEWAY_REFUSED.value)
    assert len(refused) == 2
    assert {(e.actor, e.agency) for e in refused} == {("cli:CSC-MAN", MANCHESTER)}
    assert all(e.detail == {"gateway": "leeds-gw", "reason": "cross-gateway"} for e in refused)


def test_the_audit_log_names_the_person_and_the_gateway(
    scenario: Scenario, leeds: RemoteHub
) -> None:
    practitioner = scenario.practitioner(LEEDS, "jo@leeds.example.org")
    leeds.enquire(practitioner, PURPOSE, scenario.query())
    with scenario.fp.unit_of_work() as uow:
        (made,) = uow.audit.read(action=AuditAction.ENQUIRY_MADE.value)
    assert (made.actor, made.agency, made.detail["gateway"]) == (
        "jo@leeds.example.org",
        LEEDS,
        "leeds-gw",
    )


def test_a_taken_over_gateway_is_held_to_the_agencys_limits(
    scenario: Scenario, leeds: RemoteHub
) -> None:
    practitioner = scenario.practitioner(LEEDS, "jo@leeds.example.org")
    per_user = scenario.fp.hub.policy.per_user
    leeds.enquire_many(practitioner, PURPOSE, [scenario.query()] * per_user)
    with pytest.raises(LimitExceeded):
        leeds.enquire(practitioner, PURPOSE, scenario.query())
    with pytest.raises(LimitExceeded):
        leeds.enquire_many(practitioner, PURPOSE, [scenario.query()] * (per_user + 1))
    with pytest.raises(PermissionDenied, match="batch"):
        leeds.enquire_many(practitioner, PURPOSE, [scenario.query()], batch=True)


def test_an_unreachable_hub_is_one_clear_error_quickly() -> None:
    nowhere = RemoteHub(
        f"http://127.0.0.1:{free_port()}", "leeds-gw", Ed25519PrivateKey.generate(), timeout=0.5
    )
    started = time.monotonic()
    with pytest.raises(HubUnavailable, match="cannot be reached"):
        nowhere.list_involvements(Actor.system(LEEDS))
    with pytest.raises(HubUnavailable):
        nowhere.enquire(Actor.system(LEEDS), PURPOSE, _any_query())
    assert time.monotonic() - started < 5
    nowhere.close()


def _any_query():  # type: ignore[no-untyped-def]
    from fingerpost.gateway.secret import Gateway
    from fingerpost.matching.normalise import ChildIdentity

    return Gateway(b"k" * 32).encode(ChildIdentity(given_names="Ada", family_name="Lovelace"))
