"""The standing security-headers test (issue 18): every page, every API route kind and every
error status — 404, 405, 413, 422, 429, 500 — carries the same protective headers, whichever
part of the service answers it. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from httpx import Response

from fingerpost.bootstrap import Fingerpost
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.api import create_app
from fingerpost.entrypoints.web.pages import API_PATHS
from web.support import COUNCIL, PRIYA, seeded_demo
from web.test_hardening_pages import POLICE_ADMIN, enquiry
from web.test_pages import PAGE, sign_in_as

AUDITOR = "ali.reed@demo.invalid"
OPERATOR = "morgan.lee@demo.invalid"
COUNCIL_ADMIN = f"admin.{COUNCIL.lower()}@demo.invalid"


@pytest.fixture
def installation(settings: Settings) -> Iterator[Fingerpost]:
    with seeded_demo(settings, cookie_secure=False, limit_user_per_hour=1) as fp:
        yield fp


@pytest.fixture
def client(installation: Fingerpost) -> Iterator[TestClient]:
    app = create_app(installation)
    with TestClient(app, base_url="http://testserver", raise_server_exceptions=False) as client:
        yield client


def assert_protected(answer: Response, *, page: bool) -> None:
    where = f"{answer.request.method} {answer.request.url.path} -> {answer.status_code}"
    headers = answer.headers
    assert "frame-ancestors 'none'" in headers.get("content-security-policy", ""), where
    assert "'unsafe-eval'" not in headers["content-security-policy"], where
    assert headers.get("x-frame-options") == "DENY", where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert headers.get("referrer-policy") == "no-referrer", where
    if page or answer.request.url.path.startswith("/api/"):
        assert headers.get("cache-control") == "no-store", where


def pages(client: TestClient) -> list[str]:
    """Every page's path with no parameter in it, from the app's own routes (its routers'
    included)."""
    found: list[str] = []
    for route in client.app.routes:  # type: ignore[attr-defined]
        router = getattr(route, "original_router", None)
        for inner in router.routes if router is not None else [route]:
            path = (router.prefix if router is not None else "") + getattr(inner, "path", "")
            if isinstance(inner, APIRoute) and "GET" in inner.methods and "{" not in path:
                found.append(path)
    return sorted(path for path in found if not path.startswith(API_PATHS))


def test_every_page_as_every_role_and_signed_out(client: TestClient) -> None:
    paths = pages(client)
    assert {"/", "/sign-in", "/enquiry", "/audit", "/operations"} <= set(paths)
    for who in (None, PRIYA, COUNCIL_ADMIN, AUDITOR, OPERATOR):
        client.cookies.clear()
        if who:
            sign_in_as(client, who)
        for path in paths:
            assert_protected(client.get(path, headers=PAGE, follow_redirects=False), page=True)


def test_the_api_and_operations_routes(client: TestClient, installation: Fingerpost) -> None:
    operator = Actor("op@ops.example", "Op", COUNCIL, Role.OPERATOR, "op@ops.example")
    token = {"Authorization": f"Bearer {installation.tokens.issue(operator)}"}
    for path in ("/api/v1/agencies", "/healthz", "/readyz", "/metrics", "/openapi.json", "/docs"):
        assert_protected(client.get(path, headers=token), page=False)


def test_every_error_status_of_a_page(
    client: TestClient, installation: Fingerpost, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = sign_in_as(client, POLICE_ADMIN)
    answers = {
        404: client.get("/no-such-page", headers=PAGE),
        405: client.put("/enquiry", headers=PAGE),
        413: client.post("/enquiry", content=b"x" * 70_000, headers=PAGE),
        422: client.get("/admin/involvements?page=0", headers=PAGE),
    }
    client.post("/enquiry", data=enquiry(token), headers=PAGE)
    answers[429] = client.post("/enquiry", data=enquiry(token), headers=PAGE)

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(installation.hub, "notifications", broken)
    answers[500] = client.get("/notifications", headers=PAGE)
    for status, answer in answers.items():
        assert answer.status_code == status
        assert answer.headers["content-type"].startswith("text/html"), status
        assert_protected(answer, page=True)


def test_every_error_status_of_the_api(
    client: TestClient, installation: Fingerpost, monkeypatch: pytest.MonkeyPatch
) -> None:
    police = Actor("jo@police.example", "Jo", "POL-WY", Role.PRACTITIONER, "jo@police.example")
    token = {"Authorization": f"Bearer {installation.tokens.issue(police)}"}
    body = {"purpose": "child protection enquiry", "given_names": "Olivia",
            "family_name": "Harrison", "date_of_birth": "2015-06-07"}  # fmt: skip
    answers = {
        401: client.get("/api/v1/agencies"),
        403: client.get("/api/v1/audit/events", headers=token),
        404: client.get("/api/v1/nothing", headers=token),
        405: client.put("/api/v1/enquiries", headers=token),
        413: client.post("/api/v1/enquiries", content=b"x" * 70_000, headers=token),
        422: client.get("/api/v1/involvements?offset=-1", headers=token),
    }
    client.post("/api/v1/enquiries", json=body, headers=token)
    answers[429] = client.post("/api/v1/enquiries", json=body, headers=token)

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(installation.hub, "agencies", broken)
    answers[500] = client.get("/api/v1/agencies", headers=token)
    for status, answer in answers.items():
        assert answer.status_code == status
        assert answer.headers["content-type"] == "application/problem+json", status
        assert_protected(answer, page=False)
