"""The hub takes the age limit to the half-year only (ADR 0034): to the month it would give away
a child's year and month of birth, so a gateway that sends one is refused 422, nothing stored."""

from __future__ import annotations

from datetime import date

import httpx

from conftest import Scenario, make_register_row
from fingerpost.adapters.service_tokens import ServiceTokenSigner
from fingerpost.domain.actor import Actor
from fingerpost.wire import WIRE_VERSION
from fingerpost.wire.models import RegistrationIn
from wire.conftest import LEEDS, Gateways


def _post(gateways: Gateways, hub_url: str, item: dict[str, object]) -> httpx.Response:
    token = ServiceTokenSigner(
        "leeds-gw", gateways.add("leeds-gw", LEEDS), linkage_fingerprint=gateways.fingerprint
    ).mint(Actor.system(LEEDS))
    return httpx.post(
        f"{hub_url}/hub/v1/registrations",
        json={"wire": WIRE_VERSION, "registrations": [item]},
        headers={"Authorization": f"Bearer {token}"},
    )


def test_an_age_limit_to_the_month_is_refused_422_and_nothing_is_stored(
    gateways: Gateways, scenario: Scenario, hub_url: str
) -> None:
    item = RegistrationIn.of(scenario.registration(make_register_row(), wide=False))
    sent = item.model_dump(mode="json") | {"ages_out": "2033-10-01"}
    response = _post(gateways, hub_url, sent)
    problem = response.json()
    assert (response.status_code, problem["code"]) == (422, "invalid-request")
    assert [e["field"] for e in problem["errors"]] == ["registrations.0.ages_out"]
    assert "2033-10-01" not in response.text
    assert scenario.count("involvements") == 0


def test_the_gateway_sends_a_half_year_and_the_hub_keeps_it(
    gateways: Gateways, scenario: Scenario, hub_url: str
) -> None:
    row = make_register_row(date_of_birth="2015-09-07")  # 18 in September 2033
    item = RegistrationIn.of(scenario.registration(row, wide=False))
    assert item.ages_out == date(2034, 1, 1)
    response = _post(gateways, hub_url, item.model_dump(mode="json"))
    assert response.status_code == 200, response.text
    assert scenario.sql("SELECT ages_out FROM involvements") in (
        [(date(2034, 1, 1),)],
        [("2034-01-01",)],
    )
