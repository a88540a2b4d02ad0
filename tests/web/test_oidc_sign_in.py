"""Web sign-in with the agency's OpenID Connect provider: the authorisation code flow with
PKCE (S256), state and nonce, against a fake provider on 127.0.0.1. The user fingerpost signs in
is the one the ID token describes; anything spoiled on the way is refused."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.entrypoints.api import create_app
from fingerpost.entrypoints.loopback import serving
from web.support import COUNCIL, FakeProvider

PAGE = {"accept": "text/html"}
STRONG = "urn:example:acr:mfa"


@pytest.fixture
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    with serving(fake.app) as url:
        fake.url = url
        fake.claims = {
            "sub": "7c1d-priya",
            "name": "Priya Shah",
            "email": "priya.shah@leeds.example.org",
            "agency": COUNCIL,
            "role": ["staff", "practitioner"],
            "acr": STRONG,
        }
        yield fake


@pytest.fixture
def client(settings: Settings, provider: FakeProvider) -> Iterator[TestClient]:
    configured = settings.model_copy(
        update={
            "oidc_issuer": provider.url,
            "oidc_client_id": FakeProvider.CLIENT_ID,
            "oidc_client_secret": SecretStr(FakeProvider.CLIENT_SECRET),
            "oidc_jwks": f"{provider.url}/jwks",
            "strong_acr": STRONG,
            "cookie_secure": False,
        }
    )
    fp: Fingerpost = bootstrap(configured)
    with TestClient(create_app(fp)) as client:
        yield client
    fp.close()


def to_provider_and_back(client: TestClient) -> httpx.URL:
    """Follow the sign-in to the provider, which signs the user in at once; returns where it
    sends the browser back to."""
    start = client.get("/sign-in/oidc", headers=PAGE, follow_redirects=False)
    assert start.status_code == 302
    back = httpx.get(start.headers["location"], follow_redirects=False)
    assert back.status_code == 302
    return httpx.URL(back.headers["location"])


def test_the_sign_in_page_offers_the_agency_account(client: TestClient) -> None:
    page = client.get("/sign-in", headers=PAGE).text
    assert 'href="/sign-in/oidc"' in page
    assert "Demo only" not in page


def test_the_code_flow_signs_in_the_user_the_id_token_names(
    client: TestClient, provider: FakeProvider
) -> None:
    callback = to_provider_and_back(client)
    asked = provider.requests[-1]
    assert asked["response_type"] == "code"
    assert asked["client_id"] == FakeProvider.CLIENT_ID
    assert asked["code_challenge_method"] == "S256"
    assert len(asked["code_challenge"]) >= 43
    assert asked["state"]
    assert asked["nonce"]
    assert set(asked["scope"].split()) >= {"openid", "email"}

    done = client.get(f"{callback.path}?{callback.query.decode()}", headers=PAGE,
                      follow_redirects=False)  # fmt: skip
    assert (done.status_code, done.headers["location"]) == (303, "/enquiry")
    page = client.get("/enquiry", headers=PAGE)
    assert page.status_code == 200
    assert "Priya Shah" in page.text
    assert COUNCIL in page.text


def test_a_callback_with_another_state_is_refused(client: TestClient) -> None:
    callback = to_provider_and_back(client)
    code = parse_qs(callback.query.decode())["code"][0]
    answer = client.get(f"{callback.path}?code={code}&state=forged", headers=PAGE)
    assert answer.status_code == 400
    assert "Sign-in did not work" in answer.text
    assert client.get("/enquiry", headers=PAGE, follow_redirects=False).status_code == 303


@pytest.mark.parametrize(
    "spoiled",
    [
        pytest.param({"nonce": "replayed"}, id="nonce"),
        pytest.param({"aud": "someone-else"}, id="audience"),
        pytest.param({"iss": "https://elsewhere.example"}, id="issuer"),
        pytest.param({"role": "janitor"}, id="no-known-role"),
        pytest.param({"agency": ""}, id="no-agency"),
    ],
)
def test_an_id_token_that_cannot_be_trusted_signs_nobody_in(
    client: TestClient, provider: FakeProvider, spoiled: dict[str, str]
) -> None:
    provider.tamper = spoiled
    callback = to_provider_and_back(client)
    answer = client.get(f"{callback.path}?{callback.query.decode()}", headers=PAGE)
    assert answer.status_code == 400
    assert client.get("/enquiry", headers=PAGE, follow_redirects=False).status_code == 303


def test_without_the_pkce_verifier_the_provider_gives_no_token(provider: FakeProvider) -> None:
    """The fake provider really checks PKCE: the flow above passing means fingerpost sent it."""
    asked = {"redirect_uri": "http://x/cb", "code_challenge": "abc", "state": "s", "nonce": "n"}
    back = httpx.get(f"{provider.url}/authorize", params=asked, follow_redirects=False)
    code = parse_qs(urlsplit(back.headers["location"]).query)["code"][0]
    token = httpx.post(f"{provider.url}/token", data={"code": code, "code_verifier": "wrong"})
    assert token.status_code == 400
