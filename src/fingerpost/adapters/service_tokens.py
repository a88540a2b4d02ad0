"""Service tokens between a gateway and the hub (docs/adr/0026): short-lived JWTs signed with
the gateway's own Ed25519 key (EdDSA), naming the gateway (`iss`), the hub (`aud`), the
practitioner signed in at the gateway, and the fingerprint of the gateway's linkage secret
(`lfp`, ADR 0034).

The gateway keeps its private key in its home (`service-token.key`, 0600); the hub keeps only
the public key, registered with `fingerpost hub gateways add`.
"""

from __future__ import annotations

import base64
import os
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_pem_private_key,
)

from fingerpost.domain.actor import Actor
from fingerpost.service.gateways import ServiceTokenRefused, public_key_text

__all__ = [
    "HUB_AUDIENCE",
    "KEY_FILE",
    "MAX_LIFETIME_S",
    "PUBLIC_FILE",
    "ServiceTokenReader",
    "ServiceTokenSigner",
    "load_gateway_key",
    "new_gateway_key",
    "public_text",
]

HUB_AUDIENCE = "fingerpost-hub"
KEY_FILE = "service-token.key"
PUBLIC_FILE = "service-token.pub"
MAX_LIFETIME_S = 120  # the hub refuses a token meant to live longer
_TTL_S = 60
_LEEWAY_S = 10  # the two clocks may differ this much
_REQUIRED = ["iss", "aud", "exp", "iat", "jti", "sub"]


def public_text(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return f"ed25519:{base64.b64encode(raw).decode()}"


def new_gateway_key(home: Path) -> str:
    """Make the gateway's key pair in its home (refusing to replace one: the hub knows the
    public half) and return the public key to register at the hub."""
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = home / KEY_FILE
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    # O_EXCL: never overwrite a key the hub has registered; 0600 from the first byte.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    text = public_text(key)
    (home / PUBLIC_FILE).write_text(text + "\n", encoding="ascii")
    return text


def load_gateway_key(home: Path) -> Ed25519PrivateKey:
    path = home / KEY_FILE
    if not path.exists():
        raise FileNotFoundError(
            f"no service-token key in {home}: make one with `fingerpost gateway keys new`"
        )
    key = load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return key


class ServiceTokenSigner:
    """The gateway's side: one token per request, for the practitioner signed in."""

    def __init__(
        self,
        gateway: str,
        key: Ed25519PrivateKey,
        *,
        audience: str = HUB_AUDIENCE,
        ttl_s: int = _TTL_S,
        clock: Callable[[], float] = time.time,
        linkage_fingerprint: str | None = None,
    ) -> None:
        self.gateway = gateway
        self._fingerprint = linkage_fingerprint
        self._key = key
        self._audience = audience
        self._ttl = min(ttl_s, MAX_LIFETIME_S)
        self._clock = clock

    def mint(self, actor: Actor) -> str:
        now = int(self._clock())
        claims = {
            "iss": self.gateway,
            "aud": self._audience,
            "iat": now,
            "exp": now + self._ttl,
            "jti": uuid.uuid4().hex,
            "sub": actor.subject,
            "name": actor.name,
            "role": actor.role.value,
            "agency": actor.agency,
            "email": actor.email,
            "phone": actor.phone,
            "strong": actor.strong_auth,
        }
        if self._fingerprint:  # the hub refuses a gateway whose secret is not its (ADR 0034)
            claims["lfp"] = self._fingerprint
        return jwt.encode(claims, self._key, algorithm="EdDSA")


class ServiceTokenReader:
    """The hub's side: a token's signature, audience, lifetime, and that its jti is new."""

    def __init__(
        self, *, audience: str = HUB_AUDIENCE, clock: Callable[[], float] = time.time
    ) -> None:
        self._audience = audience
        self._clock = clock
        self._keys: dict[str, Ed25519PublicKey] = {}
        self._seen: dict[str, float] = {}  # jti → when it may be forgotten (it has expired)
        self._lock = threading.Lock()

    def issuer(self, token: str) -> str:
        try:
            claims = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise ServiceTokenRefused("not a service token") from None
        issuer = claims.get("iss")
        if not isinstance(issuer, str) or not issuer:
            raise ServiceTokenRefused("no issuer")
        return issuer

    def claims(self, token: str, public_key: str) -> dict[str, object]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._key(public_key),
                algorithms=["EdDSA"],
                audience=self._audience,
                options={"require": _REQUIRED, "verify_iat": False},
                leeway=_LEEWAY_S,
            )
        except jwt.PyJWTError as error:
            raise ServiceTokenRefused(type(error).__name__) from None
        issued, expires, jti = claims["iat"], claims["exp"], claims["jti"]
        if not isinstance(issued, int) or not isinstance(expires, int) or not isinstance(jti, str):
            raise ServiceTokenRefused("malformed lifetime or jti")
        if expires - issued > MAX_LIFETIME_S or issued > self._clock() + _LEEWAY_S:
            raise ServiceTokenRefused("a service token lives two minutes at most")
        self._first_use(jti, expires + _LEEWAY_S)
        return claims

    def _key(self, text: str) -> Ed25519PublicKey:
        key = self._keys.get(text)
        if key is None:
            raw = base64.b64decode(public_key_text(text).partition(":")[2])
            key = self._keys[text] = Ed25519PublicKey.from_public_bytes(raw)
        return key

    def _first_use(self, jti: str, forget_at: float) -> None:
        """A token is good for one request: a copied one is refused (in this process; each
        hub worker keeps its own list, which a two-minute lifetime keeps short)."""
        now = self._clock()
        with self._lock:
            if jti in self._seen:
                raise ServiceTokenRefused("token used before")
            if len(self._seen) > 10_000:
                self._seen = {k: t for k, t in self._seen.items() if t > now}
            self._seen[jti] = forget_at
