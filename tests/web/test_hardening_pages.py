"""What a hostile tester found at the pages (issue 18), kept found: a copied session cookie after
sign-out, a refused enquiry without `Retry-After`. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from fingerpost.bootstrap import Fingerpost
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from fingerpost.entrypoints.api import create_app
from web.support import CHILD, seeded_demo
from web.test_pages import PAGE, sign_in_as

POLICE_ADMIN = "admin.pol-wy@demo.invalid"


@pytest.fixture
def site(settings: Settings) -> Iterator[Fingerpost]:
    with seeded_demo(settings, cookie_secure=False, limit_user_per_hour=1) as fp:
        yield fp


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


def test_a_copied_cookie_stops_working_when_its_user_signs_out(
    client: TestClient, site: Fingerpost
) -> None:
    token = sign_in_as(client, POLICE_ADMIN)
    cookie = client.cookies.get("fingerpost")
    assert cookie
    with TestClient(create_app(site), base_url="http://testserver") as thief:
        thief.cookies.set("fingerpost", cookie)
        assert thief.get("/enquiry", headers=PAGE, follow_redirects=False).status_code == 200
        signed_out = client.post(
            "/sign-out", data={"csrf_token": token}, headers=PAGE, follow_redirects=False
        )
        assert signed_out.status_code == 303
        thief.cookies.set("fingerpost", cookie)
        after = thief.get("/enquiry", headers=PAGE, follow_redirects=False)
        assert (after.status_code, after.headers["location"]) == (303, "/sign-in")
        thief.cookies.set("fingerpost", cookie)
        posted = thief.post("/enquiry", data=enquiry(token), headers=PAGE, follow_redirects=False)
        assert posted.status_code in {303, 403}
    assert "Leeds children" not in posted.text


def test_signing_in_again_ends_the_earlier_sign_in_and_expired_ones_are_removed(
    client: TestClient, site: Fingerpost
) -> None:
    sign_in_as(client, POLICE_ADMIN)
    first = client.cookies.get("fingerpost")
    with site.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO web_sessions (id_hash, subject, created_at, expires_at)"
                " VALUES ('stale', 'someone', :then, :then)"
            ),
            {"then": datetime(2020, 1, 1, tzinfo=UTC)},
        )
    sign_in_as(client, POLICE_ADMIN)
    with TestClient(create_app(site), base_url="http://testserver") as other:
        other.cookies.set("fingerpost", first or "")
        answer = other.get("/enquiry", headers=PAGE, follow_redirects=False)
        assert answer.status_code == 303
    with site.engine.begin() as connection:
        held = connection.execute(text("SELECT id_hash, subject FROM web_sessions")).all()
    assert [subject for _, subject in held] == [POLICE_ADMIN]  # the stale row went
    assert all(len(id_hash) == 64 for id_hash, _ in held)  # hashes, not the cookies' ids


def test_a_restored_backup_brings_back_no_sign_in(
    client: TestClient, site: Fingerpost, tmp_path: Path
) -> None:
    sign_in_as(client, POLICE_ADMIN)
    operator = Actor.system("OPS")
    site.backup(operator, tmp_path / "fingerpost.backup")
    site.restore(operator, tmp_path / "fingerpost.backup")
    answer = client.get("/enquiry", headers=PAGE, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/sign-in")
