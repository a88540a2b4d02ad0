"""A bearer token lives at most FINGERPOST_TOKEN_MAX_HOURS (issue 18, defect 11): a validly signed
token that would live longer is refused, whoever issued it."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from jwt.algorithms import RSAAlgorithm

from fingerpost.adapters.tokens import AUDIENCE, ISSUER, InvalidToken, OidcProvider, TokenService
from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role

PROVIDER = "https://login.example-council.gov.uk/realms/staff"
DAY = timedelta(hours=24)
HOUR = timedelta(hours=1)
NOW = datetime.now(UTC)
JO = Actor("jo@gmp.example", "Jo", "GMP", Role.PRACTITIONER, "jo@gmp.example")


@pytest.fixture
def signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


@pytest.fixture
def provider_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def tokens(
    signing_key: Ed25519PrivateKey, provider_key: rsa.RSAPrivateKey, tmp_path: Path
) -> TokenService:
    jwk = RSAAlgorithm.to_jwk(provider_key.public_key(), as_dict=True) | {"kid": "k1"}
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk]}), encoding="utf-8")
    provider = OidcProvider(issuer=PROVIDER, audience="fingerpost", jwks=str(jwks))
    return TokenService(signing_key, ttl=timedelta(hours=12), max_lifetime=DAY, provider=provider)


def development(key: Ed25519PrivateKey, **claims: Any) -> str:
    body = {"iss": ISSUER, "aud": AUDIENCE, "sub": "jo@gmp.example", "agency": "GMP",
            "role": "practitioner", "iat": NOW, "exp": NOW + HOUR} | claims  # fmt: skip
    return jwt.encode({k: v for k, v in body.items() if v is not None}, key, algorithm="EdDSA")


def oidc(key: rsa.RSAPrivateKey, **claims: Any) -> str:
    body = {"iss": PROVIDER, "aud": "fingerpost", "sub": "jo-1", "agency": "GMP",
            "role": "practitioner", "iat": NOW, "exp": NOW + HOUR} | claims  # fmt: skip
    body = {k: v for k, v in body.items() if v is not None}
    return jwt.encode(body, key, algorithm="RS256", headers={"kid": "k1"})


@pytest.mark.parametrize(
    ("claims", "accepted"),
    [
        ({"exp": NOW + DAY}, True),
        ({"exp": NOW + DAY + timedelta(minutes=1)}, False),
        ({"exp": NOW + timedelta(days=3650)}, False),
        # Backdating `iat` does not help: it counts from then.
        ({"iat": NOW - DAY, "exp": NOW + timedelta(hours=1)}, False),
        # Nor does leaving it out: the lifetime counts from now.
        ({"iat": None, "exp": NOW + timedelta(hours=2)}, True),
        ({"iat": None, "exp": NOW + timedelta(days=30)}, False),
    ],
    ids=["a-day", "a-day-and-a-minute", "ten-years", "backdated", "no-iat", "no-iat-30-days"],
)
def test_a_providers_token_that_lives_too_long_is_refused(
    tokens: TokenService, provider_key: rsa.RSAPrivateKey, claims: dict[str, Any], accepted: bool
) -> None:
    token = oidc(provider_key, **claims)
    if accepted:
        assert tokens.verify(token).agency == "GMP"
    else:
        with pytest.raises(InvalidToken):
            tokens.verify(token)


def test_a_development_token_that_lives_too_long_is_refused(
    tokens: TokenService, signing_key: Ed25519PrivateKey
) -> None:
    assert tokens.verify(development(signing_key)).subject == "jo@gmp.example"
    for claims in ({"exp": NOW + timedelta(days=3650)}, {"iat": None}):
        with pytest.raises(InvalidToken):
            tokens.verify(development(signing_key, **claims))


def test_no_token_is_issued_that_would_be_refused(tokens: TokenService) -> None:
    assert tokens.verify(tokens.issue(JO, ttl=DAY)).subject == JO.subject
    with pytest.raises(ValueError, match="at most 24 hours"):
        tokens.issue(JO, ttl=DAY + timedelta(hours=1))
    with pytest.raises(ValueError, match="FINGERPOST_TOKEN_TTL_HOURS"):
        TokenService(Ed25519PrivateKey.generate(), ttl=2 * DAY, max_lifetime=DAY)
