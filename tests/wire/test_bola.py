"""Broken object-level authorisation, through the hub's API for gateways: another agency's
object id, sent by a gateway for its own agency, is answered exactly like a made-up one."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from conftest import Scenario, make_register_row
from fingerpost.adapters.service_tokens import ServiceTokenSigner
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.hub_api import hub_router
from wire.conftest import LEEDS, POLICE, Gateways, hub_app

MADE_UP = "00000000-0000-0000-0000-000000000000"
TERMS = {
    "kind": "child-in-need",
    "practitioner_name": "Mallory",
    "practitioner_phone": "0300 000 0000",
    "start_date": "2024-01-01",
}
BODIES: dict[tuple[str, str], Any] = {
    ("GET", "/hub/v1/agencies/{code}"): None,
    ("GET", "/hub/v1/involvements/{involvement_id}"): None,
    ("PUT", "/hub/v1/involvements/{involvement_id}/terms"): TERMS,
    ("POST", "/hub/v1/involvements/{involvement_id}/end"): {"end_date": None},
    ("POST", "/hub/v1/involvements/{involvement_id}/withdraw"): {"reason": "a test"},
    ("POST", "/hub/v1/involvements/{involvement_id}/shield"): {"shielded": True, "reason": "x"},
    ("POST", "/hub/v1/involvements/{involvement_id}/family-notice"): None,
    ("POST", "/hub/v1/reviews/{review_id}/close"): {"outcome": "justified", "note": ""},
}


def test_every_hub_route_that_takes_an_id_is_in_the_sweep(scenario: Scenario) -> None:
    routes = {
        (method, route.path)  # type: ignore[attr-defined]
        for route in hub_router(scenario.fp).routes
        for method in route.methods  # type: ignore[attr-defined]
        if "{" in route.path  # type: ignore[attr-defined]
    }
    assert routes == set(BODIES)
    assert hub_app(scenario.fp)  # the router mounts


@pytest.mark.parametrize(("method", "path"), sorted(BODIES))
@pytest.mark.parametrize("role", [Role.PRACTITIONER, Role.AGENCY_ADMIN])
def test_another_agencys_id_is_answered_like_a_made_up_one(
    scenario: Scenario, gateways: Gateways, hub_url: str, method: str, path: str, role: Role
) -> None:
    involvement = scenario.register_one(LEEDS, **make_register_row())
    signer = ServiceTokenSigner(
        "police-gw",
        gateways.add("police-gw", POLICE),
        linkage_fingerprint=gateways.fingerprint,
    )
    stranger = scenario.practitioner(POLICE, "mallory@police.example.org", role=role)

    def send(**ids: str) -> httpx.Response:
        url = hub_url + path.format(**ids)
        token = {"Authorization": f"Bearer {signer.mint(stranger)}"}
        return httpx.request(method, url, json=BODIES[(method, path)], headers=token)

    theirs = send(involvement_id=involvement, review_id=MADE_UP, code=LEEDS)
    made_up = send(involvement_id=MADE_UP, review_id=MADE_UP, code=LEEDS)
    if path.endswith("{code}"):  # the directory is public to every gateway: no object of theirs
        assert theirs.status_code == 200
        return
    assert theirs.status_code == made_up.status_code
    assert theirs.status_code in {403, 404}
    assert theirs.json()["detail"] == made_up.json()["detail"]
    assert scenario.fp.hub.get(scenario.practitioner(LEEDS, "x@y.org"), involvement).id
