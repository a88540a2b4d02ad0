"""The hub takes encodings only: a request naming a clear identity field anywhere is refused
whole (422, problem+json naming the field), and the value is never stored, logged or echoed."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from conftest import Scenario, make_register_row
from fingerpost.adapters.service_tokens import ServiceTokenSigner
from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.entrypoints.api import create_app
from fingerpost.wire import WIRE_VERSION, clear_identity_fields
from fingerpost.wire.clear_fields import any_clear_field, loads_noting_keys
from fingerpost.wire.models import RegistrationIn
from wire.conftest import LEEDS, Gateways

NAME, BORN, NHS = "Zebedee Quillfeather", "2016-02-29", "9434765919"


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"given_names": "x"}, ["given_names"]),
        (
            {"registrations": [{"child": {"dateOfBirth": "x"}}]},
            ["registrations.0.child.dateOfBirth"],
        ),
        (
            {"a": {"b": [{"NHS-Number": 1, "Post_Code": 2}]}},
            ["a.b.0.NHS-Number", "a.b.0.Post_Code"],
        ),
        ({"queries": [{"address": {"postcode": "x"}}]}, ["queries.0.address"]),
        ({"practitioner_name": "Priya", "purpose": "a name in words"}, []),
    ],
)
def test_clear_identity_fields_are_found_at_any_depth(body: object, named: list[str]) -> None:
    assert clear_identity_fields(body) == named


@pytest.mark.usefixtures("gateways")
def test_a_registration_carrying_a_childs_details_is_refused_and_never_kept(
    fp: Fingerpost,
    gateways: Gateways,
    scenario: Scenario,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    signer = ServiceTokenSigner(
        "leeds-gw", gateways.add("leeds-gw", LEEDS), linkage_fingerprint=gateways.fingerprint
    )
    registration = scenario.registration(make_register_row(), wide=False)
    item = RegistrationIn.of(registration).model_dump(mode="json")
    item["child"] |= {"given_names": NAME, "date_of_birth": BORN}
    item["nhs_number"] = NHS
    body = {"wire": WIRE_VERSION, "registrations": [item]}
    client = TestClient(create_app(fp))  # the hub's API as today's application mounts it
    with capture_logs() as logged, caplog.at_level(logging.DEBUG):
        response = client.post(
            "/hub/v1/registrations",
            content=json.dumps(body),
            headers={
                "Authorization": f"Bearer {signer.mint(Actor.system(LEEDS))}",
                "Content-Type": "application/json",
            },
        )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "clear-identity-field"
    assert {e["field"] for e in problem["errors"]} == {
        "registrations.0.child.given_names",
        "registrations.0.child.date_of_birth",
        "registrations.0.nhs_number",
    }
    seen = response.text + repr(logged) + caplog.text + "".join(capfd.readouterr())
    for value in (NAME, BORN, NHS, "Zebedee"):
        assert value not in seen
    assert scenario.count("involvements") == 0
    dump = json.dumps([scenario.sql(f"SELECT * FROM {t}") for t in ("audit_events",)], default=str)
    assert "Zebedee" not in dump


def test_a_gateway_without_a_token_is_refused_before_its_body_is_read(fp: Fingerpost) -> None:
    client = TestClient(create_app(fp))
    response = client.post("/hub/v1/registrations", content=b"{" * 100)
    assert (response.status_code, response.json()["code"]) == (401, "service-token")


def test_an_encoding_that_does_not_decode_is_refused_422(
    gateways: Gateways, scenario: Scenario, hub_url: str
) -> None:
    token = ServiceTokenSigner(
        "leeds-gw", gateways.add("leeds-gw", LEEDS), linkage_fingerprint=gateways.fingerprint
    ).mint(Actor.system(LEEDS))
    item = RegistrationIn.of(scenario.registration(make_register_row(), wide=False))
    sent = item.model_dump(mode="json")
    sent["child"]["identity"] = sent["child"]["identity"][:40]  # cut short
    response = httpx.post(
        f"{hub_url}/hub/v1/registrations",
        json={"wire": WIRE_VERSION, "registrations": [sent]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert (response.status_code, response.json()["code"]) == (422, "invalid-encoding")
    assert scenario.count("involvements") == 0


def test_a_request_of_another_wire_version_is_refused_422(
    gateways: Gateways, scenario: Scenario, hub_url: str
) -> None:
    token = ServiceTokenSigner(
        "leeds-gw", gateways.add("leeds-gw", LEEDS), linkage_fingerprint=gateways.fingerprint
    ).mint(Actor.system(LEEDS))
    item = RegistrationIn.of(scenario.registration(make_register_row(), wide=False))
    response = httpx.post(
        f"{hub_url}/hub/v1/registrations",
        json={"wire": "fingerpost-encoded/2", "registrations": [item.model_dump(mode="json")]},
        headers={"Authorization": f"Bearer {token}"},
    )
    problem = response.json()
    assert (response.status_code, problem["code"]) == (422, "invalid-request")
    assert [e["field"] for e in problem["errors"]] == ["wire"]


@pytest.mark.parametrize(
    "body",
    [
        '{"given_names": "x"}',
        '{"a": [{"b": {"Date-Of-Birth" : 1}}]}',
        '{"\\u0064ob": "x"}',  # "dob", escaped
        '{"x": "a \\"quoted\\" value", "postcode": 1}',
    ],
)
def test_the_quick_look_misses_no_clear_field(body: str) -> None:
    raw, keys = loads_noting_keys(body)
    assert any_clear_field(keys)
    assert clear_identity_fields(raw)


def test_the_quick_look_passes_a_body_of_encodings() -> None:
    _, keys = loads_noting_keys('{"wire": "x", "y": "given_names", "practitioner_name": "Jo"}')
    assert not any_clear_field(keys)


@pytest.mark.parametrize(
    "query",
    [
        {"given_names": NAME, "date_of_birth": BORN},
        {"local_ref": "R-1", "NHS-Number": NHS},
    ],
)
def test_a_childs_details_in_the_query_string_are_refused_like_in_the_body(
    gateways: Gateways,
    scenario: Scenario,
    hub_url: str,
    caplog: pytest.LogCaptureFixture,
    query: dict[str, str],
) -> None:
    token = ServiceTokenSigner(
        "leeds-gw", gateways.add("leeds-gw", LEEDS), linkage_fingerprint=gateways.fingerprint
    ).mint(Actor.system(LEEDS))
    with caplog.at_level(logging.DEBUG):
        response = httpx.get(
            f"{hub_url}/hub/v1/involvements",
            params=query,
            headers={"Authorization": f"Bearer {token}"},
        )
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "clear-identity-field"
    named = {k for k in query if k != "local_ref"}
    assert {e["field"] for e in problem["errors"]} == {f"query.{k}" for k in named}
    hub_logs = "".join(r.getMessage() for r in caplog.records if r.name.startswith("fingerpost"))
    for value in (NAME, BORN, NHS):
        assert value not in response.text + hub_logs
