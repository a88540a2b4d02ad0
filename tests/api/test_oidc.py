"""Tokens from an agency's OpenID Connect provider: checked against its published keys (a JWKS
file or URL), its issuer, our audience and expiry; claims mapped to user, agency and role; the
`acr` claim marks strong authentication. The development issuer keeps working beside it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi.testclient import TestClient
from jwt.algorithms import RSAAlgorithm

from conftest import PURPOSE, make_agency, make_register_row
from fingerpost.bootstrap import Fingerpost, bootstrap
from fingerpost.config import Settings
from fingerpost.domain.actor import Actor
from fingerpost.entrypoints.api import create_app
from fingerpost.gateway import parse_register_row
from fingerpost.service.records import Registration

ISSUER = "https://login.example-council.gov.uk/realms/staff"
STRONG = "http://schemas.example/acr/mfa"


def _b64(raw: bytes) -> bytes:
    return base64.urlsafe_b64encode(raw).rstrip(b"=")


class Provider:
    """An identity provider of our own making: RSA keys, a JWKS, signed access tokens."""

    def __init__(self) -> None:
        self.keys = {kid: rsa.generate_private_key(public_exponent=65537, key_size=2048)
                     for kid in ("k1", "k2")}  # fmt: skip

    def jwks(self) -> str:
        keys = []
        for kid, key in self.keys.items():
            jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            keys.append(jwk | {"kid": kid, "use": "sig", "alg": "RS256"})
        return json.dumps({"keys": keys})

    def token(self, *, kid: str = "k1", **overrides: Any) -> str:
        now = datetime.now(UTC)
        claims = {
            "iss": ISSUER,
            "aud": "fingerpost",
            "sub": "f3a9c2d1-jo",
            "name": "DC Jo Patel",
            "email": "jo.patel@gmp.example",
            "phone_number": "0161 000 0000",
            "agency": "GMP",
            "role": ["staff", "practitioner"],
            "acr": STRONG,
            "iat": now,
            "exp": now + timedelta(minutes=10),
        } | overrides
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, self.keys[kid], algorithm="RS256", headers={"kid": kid})


@pytest.fixture
def provider() -> Provider:
    return Provider()


@pytest.fixture
def jwks_file(tmp_path: Path, provider: Provider) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(provider.jwks(), encoding="utf-8")
    return path


@pytest.fixture
def jwks_url(provider: Provider) -> Iterator[str]:
    body = provider.jwks().encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/certs"
    server.shutdown()


def installation(settings: Settings, jwks: str) -> Fingerpost:
    fp = bootstrap(
        settings.model_copy(update={"oidc_issuer": ISSUER, "oidc_jwks": jwks, "strong_acr": STRONG})
    )
    fp.hub.import_agencies(Actor.system("OPS"), [make_agency("CSC-LDS"), make_agency("GMP")])
    return fp


@pytest.fixture(params=["file", "url"])
def client(
    request: pytest.FixtureRequest, settings: Settings, jwks_file: Path, jwks_url: str
) -> Iterator[TestClient]:
    fp = installation(settings, str(jwks_file) if request.param == "file" else jwks_url)
    try:
        with TestClient(create_app(fp)) as client:
            yield client
    finally:
        fp.close()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_providers_token_signs_the_user_in_with_their_agency_and_role(
    client: TestClient, provider: Provider
) -> None:
    response = client.get("/api/v1/notifications", headers=auth(provider.token()))
    assert response.status_code == 200
    admin = provider.token(sub="admin-1", role="agency-admin", email="admin@gmp.example")
    [user] = [u for u in client.get("/api/v1/users", headers=auth(admin)).json()
              if u["subject"] == "f3a9c2d1-jo"]  # fmt: skip
    assert (user["agency"], user["role"], user["name"]) == ("GMP", "practitioner", "DC Jo Patel")


def test_a_rotated_key_is_accepted(client: TestClient, provider: Provider) -> None:
    assert client.get("/api/v1/agencies", headers=auth(provider.token(kid="k2"))).status_code == 200


@pytest.mark.parametrize(
    "bad",
    [
        {"aud": "someone-else"},
        {"iss": "https://evil.example"},
        {"exp": datetime.now(UTC) - timedelta(minutes=5)},
        {"agency": None},
        {"role": ["staff", "superuser"]},
        {"sub": None},
    ],
    ids=["audience", "issuer", "expired", "no-agency", "no-known-role", "no-subject"],
)
def test_a_token_that_is_not_for_us_is_refused(
    client: TestClient, provider: Provider, bad: dict[str, Any]
) -> None:
    response = client.get("/api/v1/agencies", headers=auth(provider.token(**bad)))
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_token_signed_by_another_key_or_forged_with_hmac_is_refused(
    client: TestClient, provider: Provider
) -> None:
    stranger = Provider()
    assert client.get("/api/v1/agencies", headers=auth(stranger.token())).status_code == 401
    # The classic confusion attack: HMAC keyed with the provider's public key. PyJWT refuses to
    # make such a token, so it is put together by hand.
    public = RSAAlgorithm.to_jwk(provider.keys["k1"].public_key()).encode()
    claims = {"iss": ISSUER, "aud": "fingerpost", "sub": "x", "agency": "GMP",
              "role": "practitioner", "exp": int(time.time()) + 300}  # fmt: skip
    signing_input = b".".join(
        _b64(json.dumps(part).encode())
        for part in ({"alg": "HS256", "typ": "JWT", "kid": "k1"}, claims)
    )
    signature = _b64(hmac.new(public, signing_input, hashlib.sha256).digest())
    forged = (signing_input + b"." + signature).decode()
    assert client.get("/api/v1/agencies", headers=auth(forged)).status_code == 401


def test_acr_decides_whether_an_urgent_enquiry_may_be_made(
    client: TestClient, provider: Provider
) -> None:
    admin = Actor.system("CSC-LDS")
    fp: Fingerpost = client.app.state.fp  # type: ignore[attr-defined]
    row = make_register_row(
        given_names="Olivia", family_name="Harrison", date_of_birth="2015-06-07"
    )
    parsed = parse_register_row(row, datetime.now(UTC).date())
    fp.hub.register(
        admin, [Registration(parsed.local_ref, parsed.terms, fp.gateway.encode(parsed.child))]
    )
    body = {"given_names": "Olivia", "family_name": "Harrison", "date_of_birth": "2015-06-07",
            "purpose": PURPOSE, "urgent": True}  # fmt: skip
    weak = client.post("/api/v1/enquiries", json=body, headers=auth(provider.token(acr="pwd")))
    assert weak.status_code == 403
    assert "strong" in weak.json()["detail"]
    strong = client.post("/api/v1/enquiries", json=body, headers=auth(provider.token()))
    assert strong.status_code == 200
    assert strong.json()["strong"] == 1


def test_development_tokens_still_work_beside_the_provider(
    client: TestClient,
) -> None:
    fp: Fingerpost = client.app.state.fp  # type: ignore[attr-defined]
    token = fp.tokens.issue(Actor("x@gmp.example", "X", "GMP", Actor.system("GMP").role))
    assert client.get("/api/v1/agencies", headers=auth(token)).status_code == 200
