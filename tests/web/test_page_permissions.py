"""Every page, and every form a page posts, is refused (403) to a signed-in user whose role the
bound use case's declared permission leaves out, even with the form's CSRF token right (issue
17; the binding itself is checked in tests/api/test_route_permissions.py). Runs on SQLite and
PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.test_route_permissions import BOUND
from fingerpost.bootstrap import Fingerpost
from fingerpost.config import Settings
from fingerpost.domain.policy import EnquiryPolicy
from fingerpost.domain.vocabulary import Role
from fingerpost.entrypoints.api import create_app
from fingerpost.entrypoints.web.signin import demo_users
from fingerpost.service.permissions import USE_CASES
from web.support import seeded_demo
from web.test_pages import PAGE, sign_in_as

FORMS = {
    name.split(" ", 1)[1]: use_case
    for name, use_case in BOUND.items()
    if use_case and not name.startswith(("POST /api/", "POST /fhir/")) and name.startswith("POST")
}
# An agency's register is read and uploaded through its administrators' pages only, though the
# use cases also serve a practitioner (over the API, or their own involvement).
FOR_ADMINISTRATORS = {
    "/admin/involvements/{involvement_id}",
    "/admin/register",
    "/admin/register/{upload_id}",
    "/admin/register/{upload_id}/progress",
}
PAGES = {
    name.split(" ", 1)[1]: use_case
    for name, use_case in BOUND.items()
    if use_case and name.startswith("GET") and not name.startswith(("GET /api/", "GET /fhir/"))
}


@pytest.fixture
def site(settings: Settings) -> Iterator[Fingerpost]:
    with seeded_demo(settings, cookie_secure=False) as fp:
        yield fp


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_a_role_the_declaration_leaves_out_is_refused_at_every_form(
    site: Fingerpost, role: Role
) -> None:
    user = next(user for user in demo_users(site) if user.role is role)
    refused = []
    with TestClient(create_app(site), base_url="http://testserver") as client:
        token = sign_in_as(client, user.subject)
        for path, use_case in FORMS.items():
            if role in USE_CASES[use_case].allowed(EnquiryPolicy()):
                continue
            url = path.replace("{involvement_id}", "x").replace("{review_id}", "x")
            url = url.replace("{upload_id}", "x")
            answer = client.post(url, data={"csrf_token": token}, headers=PAGE)
            assert answer.status_code == 403, (path, role)
            assert "Not allowed" in answer.text or "may not" in answer.text
            refused.append(path)
    assert refused  # each role is refused some form


@pytest.mark.parametrize("role", list(Role), ids=lambda role: role.value)
def test_a_role_the_declaration_leaves_out_is_refused_at_every_page(
    site: Fingerpost, role: Role
) -> None:
    user = next(user for user in demo_users(site) if user.role is role)
    refused, shown = [], []
    with TestClient(create_app(site), base_url="http://testserver") as client:
        sign_in_as(client, user.subject)
        for path, use_case in PAGES.items():
            url = path.replace("{involvement_id}", "x").replace("{upload_id}", "x")
            answer = client.get(url, headers=PAGE)
            allowed = USE_CASES[use_case].allowed(EnquiryPolicy())
            if path in FOR_ADMINISTRATORS:  # the page's own rule is narrower than its use case's
                allowed &= {Role.AGENCY_ADMIN}
            if role in allowed:
                assert answer.status_code != 403, (path, role)
                shown.append(path)
                continue
            assert answer.status_code == 403, (path, role)
            assert "Not allowed" in answer.text or "may not" in answer.text
            refused.append(path)
    assert refused  # each role is refused some page
    assert shown  # and shown some
