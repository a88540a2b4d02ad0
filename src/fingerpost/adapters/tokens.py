"""Bearer tokens: JWTs from the built-in development issuer (EdDSA, docs/adr/0004) or from an
agency's OpenID Connect provider, checked against its published keys (JWKS, docs/adr/0008)."""

import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from fingerpost.domain.actor import Actor
from fingerpost.domain.vocabulary import Role

__all__ = ["AUDIENCE", "ISSUER", "STRONG_ACR", "InvalidToken", "OidcProvider", "TokenService"]

ISSUER = "fingerpost-dev"
AUDIENCE = "fingerpost"
STRONG_ACR = "urn:fingerpost:acr:strong"  # what the development issuer writes for strong sign-in
# Never `none` and never a shared-secret algorithm: a JWKS holds public keys only.
_ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
                         "ES512", "EdDSA"})  # fmt: skip


class InvalidToken(Exception):
    """The token is missing, malformed, expired, or not ours. Deliberately unspecific."""


@dataclass(frozen=True, slots=True)
class OidcProvider:
    """An agency's identity provider, as configured (docs/configuration.md, FINGERPOST_OIDC_*)."""

    issuer: str
    audience: str
    jwks: str  # a file path, or an http(s) URL
    agency_claim: str = "agency"
    role_claim: str = "role"
    algorithms: tuple[str, ...] = ("RS256", "ES256", "PS256", "EdDSA")

    def __post_init__(self) -> None:
        if not self.issuer or not self.jwks:
            raise ValueError("an OIDC provider needs an issuer and its JWKS (file or URL)")
        unsafe = sorted(set(self.algorithms) - _ASYMMETRIC)
        if unsafe or not self.algorithms:
            raise ValueError(f"OIDC algorithms must be asymmetric signatures, not {unsafe}")


class _Keys:
    """The provider's public keys: fetched from the URL (cached; fetched again when a token
    names a key not seen yet, as providers rotate keys), or read from the file (read again when
    it changes)."""

    def __init__(self, source: str) -> None:
        self._source = source
        self._lock = threading.Lock()
        self._client = (
            jwt.PyJWKClient(source, cache_keys=True, lifespan=3600, timeout=10)
            if source.startswith(("https://", "http://"))
            else None
        )
        self._file_keys: jwt.PyJWKSet | None = None
        self._file_stamp: float = -1.0

    def key_for(self, token: str) -> Any:
        if self._client is not None:
            return self._client.get_signing_key_from_jwt(token).key
        kid = jwt.get_unverified_header(token).get("kid")
        keys = self._from_file().keys
        if kid is None and len(keys) == 1:
            return keys[0].key
        for key in keys:
            if key.key_id == kid:
                return key.key
        raise InvalidToken("no such signing key")

    def _from_file(self) -> jwt.PyJWKSet:
        path = Path(self._source)
        with self._lock:
            stamp = path.stat().st_mtime
            if self._file_keys is None or stamp != self._file_stamp:
                self._file_keys = jwt.PyJWKSet.from_json(path.read_text(encoding="utf-8"))
                self._file_stamp = stamp
            return self._file_keys


class TokenService:
    def __init__(
        self,
        key: Ed25519PrivateKey,
        *,
        ttl: timedelta,
        max_lifetime: timedelta = timedelta(hours=24),
        strong_acr: frozenset[str] = frozenset({STRONG_ACR}),
        provider: OidcProvider | None = None,
    ) -> None:
        if ttl > max_lifetime:
            raise ValueError(
                f"FINGERPOST_TOKEN_TTL_HOURS ({_hours(ttl)}) is longer than"
                f" FINGERPOST_TOKEN_MAX_HOURS ({_hours(max_lifetime)}): its tokens would be refused"
            )
        self._key = key
        self._public = key.public_key()
        self._ttl = ttl
        self._max_lifetime = max_lifetime
        self._strong_acr = strong_acr or frozenset({STRONG_ACR})
        self._provider = provider
        self._provider_keys = _Keys(provider.jwks) if provider else None

    def issue(self, actor: Actor, *, ttl: timedelta | None = None) -> str:
        """A signed token for the user. Raises ValueError for a lifetime longer than accepted."""
        if ttl is not None and ttl > self._max_lifetime:
            raise ValueError(
                f"a token may live at most {_hours(self._max_lifetime)} hours"
                " (FINGERPOST_TOKEN_MAX_HOURS)"
            )
        now = datetime.now(UTC)
        claims: dict[str, Any] = {
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
        if actor.strong_auth:
            claims["acr"] = STRONG_ACR if STRONG_ACR in self._strong_acr else min(self._strong_acr)
        return jwt.encode(claims, self._key, algorithm="EdDSA")

    def verify(self, token: str) -> Actor:
        try:
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
            if issuer == ISSUER:
                claims = jwt.decode(
                    token,
                    self._public,
                    algorithms=["EdDSA"],
                    audience=AUDIENCE,
                    issuer=ISSUER,
                    options={"require": ["exp", "iat", "iss", "aud", "sub", "agency", "role"]},
                )
                self._check_lifetime(claims)
                return self.actor_of(claims, agency_claim="agency", role_claim="role")
            provider, keys = self._provider, self._provider_keys
            if provider is None or keys is None or issuer != provider.issuer:
                raise InvalidToken("unknown issuer")
            claims = jwt.decode(
                token,
                keys.key_for(token),
                algorithms=list(provider.algorithms),
                audience=provider.audience,
                issuer=provider.issuer,
                options={"require": ["exp", "iss", "aud", "sub"]},
                leeway=30,  # seconds of clock skew between the provider and us
            )
            self._check_lifetime(claims)
            return self.actor_of(
                claims, agency_claim=provider.agency_claim, role_claim=provider.role_claim
            )
        except (
            jwt.PyJWTError,
            ValueError,
            KeyError,
            TypeError,
            OSError,
        ) as error:
            raise InvalidToken("invalid bearer token") from error

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        """A stolen token is useful until it expires: one that would live longer than allowed
        is refused, counted from when it was issued (or from now, for a token that does not
        say, or says a time to come)."""
        issued = claims.get("iat")
        now = datetime.now(UTC).timestamp()
        start = min(issued, now) if isinstance(issued, int | float) else now
        if float(claims["exp"]) - start > self._max_lifetime.total_seconds():
            raise InvalidToken("the token lives longer than accepted")

    def actor_of(self, claims: dict[str, Any], *, agency_claim: str, role_claim: str) -> Actor:
        """The user a verified token (or ID token) describes. Raises ValueError or KeyError when
        it names no agency or no known role."""
        agency = claims[agency_claim]
        if not isinstance(agency, str) or not agency:
            raise ValueError("no agency claim")
        return Actor(
            subject=str(claims["sub"]),
            name=str(claims.get("name", "")),
            agency=agency,
            role=_role(claims[role_claim]),
            email=str(claims.get("email", "")),
            phone=str(claims.get("phone_number", claims.get("phone", ""))),
            strong_auth=claims.get("acr") in self._strong_acr,
        )


def _hours(span: timedelta) -> int:
    return int(span.total_seconds() // 3600)


def _role(value: object) -> Role:
    """A role claim: one string, or a list of which the first role fingerpost knows counts."""
    for candidate in value if isinstance(value, list) else [value]:
        try:
            return Role(str(candidate).strip().lower())
        except ValueError:
            continue
    raise ValueError("no known role in the token")
