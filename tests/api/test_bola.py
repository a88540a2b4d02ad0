"""Object-level authorisation, swept over every endpoint: another agency's ids get exactly the
answer a made-up id gets (so an agency cannot read, change or even detect another's objects), and
nothing of the other agency's changes. Agency staff are swept; auditors are the service's own
oversight and review every agency's urgent enquiries by design."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from conftest import PURPOSE, make_agency, make_register_row
from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.api import create_app

# A valid body for each route that takes an object id, so requests reach the authorisation
# check instead of stopping at validation. A new such route must be added here (see below).
BODIES: dict[tuple[str, str], dict[str, Any] | None] = {
    ("GET", "/api/v1/involvements/{involvement_id}"): None,
    ("PATCH", "/api/v1/involvements/{involvement_id}"): {"practitioner_name": "Mallory"},
    ("DELETE", "/api/v1/involvements/{involvement_id}"): {"reason": "registered in error"},
    ("POST", "/api/v1/involvements/{involvement_id}/end"): {"end_date": "2026-11-01"},
    ("POST", "/api/v1/involvements/{involvement_id}/shield"): {"shielded": False, "reason": "x"},
    ("GET", "/api/v1/involvements/{involvement_id}/notice"): None,
    ("POST", "/api/v1/reviews/{review_id}/close"): {"outcome": "justified", "note": ""},
}
CHILD = {"given_names": "Olivia", "family_name": "Harrison", "date_of_birth": "2015-06-07"}
MADE_UP = "AAAAAAAAAAAAAAAA"
STAFF = [Role.PRACTITIONER, Role.AGENCY_ADMIN, Role.OPERATOR]


def token(fp: Fingerpost, agency: str, role: Role) -> dict[str, str]:
    email = f"{role.value}@{agency.lower()}.example"
    actor = Actor(email, role.value, agency, role, email, strong_auth=True)
    return {"Authorization": f"Bearer {fp.tokens.issue(actor)}"}


@pytest.fixture
def world(fp: Fingerpost) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """Agency CSC-LDS has an involvement and (through an urgent enquiry) a review; returns
    the client and the ids of CSC-LDS's objects."""
    fp.hub.import_agencies(
        Actor.system("OPS"), [make_agency("CSC-LDS"), make_agency("GMP", kind="police")]
    )
    with TestClient(create_app(fp)) as client:
        owner = token(fp, "CSC-LDS", Role.AGENCY_ADMIN)
        row = make_register_row(**CHILD) | {"involvement": "child-in-need"}
        created = client.post("/api/v1/involvements", json=row, headers=owner)
        assert created.status_code == 201, created.text
        client.post(
            "/api/v1/enquiries",
            json=CHILD | {"purpose": PURPOSE, "urgent": True},
            headers=token(fp, "CSC-LDS", Role.PRACTITIONER),
        )
        [review] = fp.hub.reviews(Actor("a", "A", "OPS", Role.AUDITOR))
        yield client, {"involvement_id": created.json()["id"], "review_id": review.id}


def call(client: TestClient, method: str, path: str, headers: dict[str, str], **ids: str) -> Any:
    body = BODIES[(method, path)]
    return client.request(method, path.format(**ids), json=body, headers=headers)


def test_every_route_that_takes_an_object_id_is_in_the_sweep(fp: Fingerpost) -> None:
    # The published description lists every route, however the app nests its routers.
    paths = create_app(fp).openapi()["paths"]
    # The hub's API for gateways takes service tokens, not bearer tokens: tests/wire sweeps it.
    routes = {
        (method.upper(), path)
        for path, item in paths.items()
        if "{" in path and not path.startswith("/hub/")
        for method in item
    }
    assert routes == set(BODIES)


@pytest.mark.parametrize(("method", "path"), sorted(BODIES))
@pytest.mark.parametrize("role", STAFF)
def test_another_agencys_id_is_answered_exactly_like_a_made_up_one(
    world: tuple[TestClient, dict[str, str]], fp: Fingerpost, method: str, path: str, role: Role
) -> None:
    client, real = world
    stranger = token(fp, "GMP", role)
    theirs = call(client, method, path, stranger, **real)
    made_up = call(client, method, path, stranger, **dict.fromkeys(real, MADE_UP))
    assert theirs.status_code == made_up.status_code
    assert theirs.status_code in {403, 404}
    assert theirs.json()["detail"].replace(real.get("review_id", "-"), "") == made_up.json()[
        "detail"
    ].replace(MADE_UP, "")


def test_nothing_of_the_other_agency_changes_whatever_a_stranger_tries(
    world: tuple[TestClient, dict[str, str]], fp: Fingerpost
) -> None:
    client, real = world
    owner = token(fp, "CSC-LDS", Role.AGENCY_ADMIN)
    before = client.get(f"/api/v1/involvements/{real['involvement_id']}", headers=owner).json()
    for method, path in BODIES:
        for role in STAFF:
            call(client, method, path, token(fp, "GMP", role), **real)
    after = client.get(f"/api/v1/involvements/{real['involvement_id']}", headers=owner).json()
    assert after == before
    [review] = fp.hub.reviews(Actor("a", "A", "OPS", Role.AUDITOR))
    assert review.closed_at is None


def test_lists_never_show_another_agencys_objects(
    world: tuple[TestClient, dict[str, str]], fp: Fingerpost
) -> None:
    client, _ = world
    stranger = token(fp, "GMP", Role.AGENCY_ADMIN)  # the register list is for administrators
    assert client.get("/api/v1/involvements", headers=stranger).json() == []
    listed = client.get("/api/v1/involvements?local_ref=MAN-0001", headers=stranger).json()
    assert listed == []
    for role in (Role.PRACTITIONER, Role.AGENCY_ADMIN):
        stranger = token(fp, "GMP", role)
        assert client.get("/api/v1/notifications", headers=stranger).json() == []
    users = client.get("/api/v1/users", headers=token(fp, "GMP", Role.AGENCY_ADMIN)).json()
    assert {u["agency"] for u in users} <= {"GMP"}
