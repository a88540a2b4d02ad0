"""Every route that acts for someone is bound to exactly the use case it calls, and refuses (403)
a caller whose role that use case's declared permission leaves out (issue 17, docs/adr/0029).

The table below is the spec: a route added without a binding, or bound to another use case,
fails here until the table says what it should be."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient

from conftest import make_agency, make_register_row
from fingerpost.bootstrap import Fingerpost
from fingerpost.domain.actor import Actor
from fingerpost.domain.policy import EnquiryPolicy
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.api import create_app
from fingerpost.entrypoints.guards import Binding, binding
from fingerpost.service.permissions import USE_CASES

ANYONE = ""  # bound to `anyone`, with a reason
BOUND = {
    # the API, by resource
    "POST /api/v1/involvements": "involvement.register",
    "GET /api/v1/involvements": "involvement.list",
    "GET /api/v1/involvements/{involvement_id}": "involvement.read",
    "PATCH /api/v1/involvements/{involvement_id}": "involvement.change",
    "POST /api/v1/involvements/{involvement_id}/end": "involvement.change",
    "DELETE /api/v1/involvements/{involvement_id}": "involvement.withdraw",
    "POST /api/v1/involvements/{involvement_id}/shield": "involvement.shield",
    "GET /api/v1/involvements/{involvement_id}/notice": "subject.family-notice",
    "POST /api/v1/sync": "involvement.sync",
    "POST /api/v1/enquiries": "enquiry.make",
    "GET /api/v1/notifications": "notification.list",
    "POST /api/v1/notify/status": ANYONE,
    "GET /api/v1/agencies": "agency.read",
    "GET /api/v1/users": "user.list",
    "GET /api/v1/audit/events": "audit.search",
    "GET /api/v1/audit/verify": "audit.verify",
    "POST /api/v1/subject-access": "subject.access-report",
    "GET /api/v1/reviews": "review.list",
    "POST /api/v1/reviews/{review_id}/close": "review.close",
    "GET /api/v1/outbox": "notification.outbox",
    # FHIR's operations
    "POST /fhir/R4": "involvement.register",
    "POST /fhir/R4/Patient/$match": "enquiry.make",
    # the pages' forms
    "POST /sign-in/demo": ANYONE,
    "POST /sign-out": ANYONE,
    "POST /enquiry": "enquiry.make",
    "POST /admin/involvements/{involvement_id}/end": "involvement.change",
    "POST /admin/involvements/{involvement_id}/withdraw": "involvement.withdraw",
    "POST /admin/involvements/{involvement_id}/shield": "involvement.shield",
    "POST /admin/register": "involvement.register",
    "POST /admin/register/{upload_id}/confirm": "involvement.register",
    "POST /audit/verify": "audit.verify",
    "POST /audit/reviews/{review_id}/close": "review.close",
    "POST /audit/subject-access": "subject.access-report",
    # the pages themselves: each refuses a role it is not for before reading anything
    "GET /enquiry": "enquiry.make",
    "GET /notifications": "notification.list",
    "GET /admin/involvements": "involvement.list",
    "GET /admin/involvements/{involvement_id}": "involvement.read",
    "GET /admin/register": "involvement.register",
    "GET /admin/register/{upload_id}": "involvement.register",
    "GET /admin/register/{upload_id}/progress": "involvement.register",
    "GET /admin/users": "user.list",
    "GET /audit": "audit.search",
    "GET /audit/reviews": "review.list",
    "GET /audit/subject-access": "subject.access-report",
    "GET /operations": "notification.outbox",
    # for no one in particular, each with its reason
    "GET /": ANYONE,
    "GET /sign-in": ANYONE,
    "GET /sign-in/oidc": ANYONE,
    "GET /sign-in/callback": ANYONE,
    "GET /docs": ANYONE,
    "GET /healthz": ANYONE,
    "GET /readyz": ANYONE,
    "GET /metrics": ANYONE,
    "GET /fhir/R4/metadata": ANYONE,
    "GET /fhir/R4/CodeSystem/involvement": ANYONE,
    **{
        f"GET /fhir/R4/StructureDefinition/{name}": ANYONE
        for name in (
            "care-leaver",
            "child",
            "current-contact",
            "involvement",
            "shielded",
            "signpost-why",
            "signpost",
        )
    },
}


def acting_routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """Every route: the API's, FHIR's, every page and every form a page posts. The hub's API for
    gateways (`/hub/v1`) is not here: a gateway's service token names the practitioner and the
    hub's use cases check that actor themselves (docs/adr/0026; every route is swept with
    tokens in tests/wire)."""
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or context.path.startswith("/hub/v1/"):
            continue
        for method in sorted(route.methods):
            yield f"{method} {context.path}", route


def misbound(app: FastAPI) -> dict[str, Binding | None]:
    """The routes bound to anything but what the table says (or to nothing)."""
    wrong: dict[str, Binding | None] = {}
    for name, route in acting_routes(app):
        found = binding(route)
        if found is None or found.use_case != BOUND.get(name, "<unbound>"):
            wrong[name] = found
    return wrong


@pytest.fixture
def app(fp: Fingerpost) -> FastAPI:
    return create_app(fp)


def test_every_route_is_bound_to_exactly_its_declared_use_case(app: FastAPI) -> None:
    assert misbound(app) == {}
    assert sorted(name for name, _ in acting_routes(app)) == sorted(BOUND)


def test_every_bound_use_case_is_declared_and_every_open_route_says_why(app: FastAPI) -> None:
    for name, route in acting_routes(app):
        found = binding(route)
        assert found is not None, name
        if found.use_case:
            assert found.use_case in USE_CASES, name
        else:
            assert len(found.reason) > 20, name


def test_a_new_route_without_a_binding_fails_the_check(app: FastAPI) -> None:
    @app.post("/api/v1/involvements/{involvement_id}/reopen")
    def reopen(involvement_id: str) -> None:
        del involvement_id

    assert list(misbound(app)) == ["POST /api/v1/involvements/{involvement_id}/reopen"]


@pytest.fixture
def client(app: FastAPI, fp: Fingerpost) -> Iterator[TestClient]:
    fp.hub.import_agencies(Actor.system("OPS"), [make_agency("CSC-LDS")])
    with TestClient(app) as client:
        yield client


# One body every route's validation accepts (each takes its own fields and ignores the rest):
# the request is refused for who sends it, not for what it says.
BODY = {
    **make_register_row(),
    "purpose": "child protection enquiry",
    "reason": "registered in error",
    "reference": "SAR-1",
    "outcome": "justified",
}


def token(fp: Fingerpost, role: Role) -> dict[str, str]:
    email = f"{role.value}@csc-lds.example.org"
    actor = Actor(email, "Someone", "CSC-LDS", role, email, strong_auth=True)
    return {"Authorization": f"Bearer {fp.tokens.issue(actor)}"}


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_a_role_the_declaration_leaves_out_is_refused_at_every_api_route(
    client: TestClient, fp: Fingerpost, role: Role
) -> None:
    refused = []
    for name, use_case in BOUND.items():
        method, path = name.split(" ", 1)
        if not use_case or not path.startswith(("/api/", "/fhir/")):
            continue
        if role in USE_CASES[use_case].allowed(EnquiryPolicy()):
            continue
        url = path.replace("{involvement_id}", "x").replace("{review_id}", "x")
        answer = client.request(method, url, json=BODY, headers=token(fp, role))
        assert answer.status_code == 403, (name, answer.text)
        refused.append(name)
    assert refused  # every role is refused somewhere
