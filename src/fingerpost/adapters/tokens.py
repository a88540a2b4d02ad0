"""Bearer tokens: JWTs signed with EdDSA by the built-in development issuer (docs/adr/0004)."""

import secrets
from datetime import UTC, datetime, timedelta

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role

__all__ = ["AUDIENCE", "ISSUER", "InvalidToken", "TokenService"]

ISSUER = "fingerpost-dev"
AUDIENCE = "fingerpost"


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not ours. Deliberately unspecific."""


class TokenService:
    def __init__(self, key: Ed25519PrivateKey, *, ttl: timedelta) -> None:
        self._key = key
        self._public = key.public_key()
        self._ttl = ttl

    def issue(self, actor: Actor, *, ttl: timedelta | None = None) -> str:
        now = datetime.now(UTC)
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "sub": actor.subject,
            "name": actor.name,
            "email": actor.email,
            "phone": actor.phone,
            "agency": actor.agency,
            "role": actor.role.value,
            "iat": now,
            "exp": now + (ttl or self._ttl),
            "jti": secrets.token_urlsafe(12),
        }
        return jwt.encode(claims, self._key, algorithm="EdDSA")

    def verify(self, token: str) -> Actor:
        try:
            claims = jwt.decode(
                token,
                self._public,
                algorithms=["EdDSA"],
                audience=AUDIENCE,
                issuer=ISSUER,
                options={"require": ["exp", "iss", "aud", "sub", "agency", "role"]},
            )
            return Actor(
                subject=str(claims["sub"]),
                name=str(claims.get("name", "")),
                agency=str(claims["agency"]),
                role=Role(claims["role"]),
                email=str(claims.get("email", "")),
                phone=str(claims.get("phone", "")),
            )
        except (jwt.PyJWTError, ValueError, KeyError) as error:
            raise InvalidToken("invalid bearer token") from error
