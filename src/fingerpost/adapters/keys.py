"""Secrets kept in FINGERPOST_HOME: the linkage secret, the service's Ed25519 signing key and the
web session key.

All are created on first use with file mode 0600 and never printed or logged. What may be shown
of the linkage secret is its fingerprint: a keyed hash of it that operators compare across
gateways, and that a hub (which never holds the secret) keeps pinned in its home so that its
backups say which secret their encodings were made with (docs/adr/0027).
"""

import base64
import hashlib
import hmac
import os
import secrets
from contextlib import suppress
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = [
    "LINKAGE_FILE",
    "LINKAGE_PIN_FILE",
    "SESSION_FILE",
    "SIGNING_FILE",
    "home_linkage_fingerprint",
    "linkage_fingerprint",
    "linkage_secret",
    "read_linkage_secret",
    "session_secret",
    "signing_key",
]

LINKAGE_FILE = "linkage.key"
SIGNING_FILE = "signing.key"
SESSION_FILE = "session.key"
# A hub's record of the linkage secret's fingerprint (never the secret): see `pin_linkage`.
LINKAGE_PIN_FILE = "linkage.fingerprint"
_FINGERPRINT_LABEL = b"fingerpost linkage fingerprint v1"


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_EXCL: two processes initialising at once must not overwrite each other's key.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _random_secret(path: Path) -> bytes:
    if not path.exists():
        with suppress(FileExistsError):
            _write_private(path, secrets.token_bytes(32).hex().encode())
    return bytes.fromhex(path.read_text().strip())


def linkage_secret(home: Path) -> bytes:
    """The gateway's linkage secret (32 random bytes). Agencies share it; the hub never does."""
    return _random_secret(home / LINKAGE_FILE)


def read_linkage_secret(home: Path) -> bytes | None:
    """The home's linkage secret, or None when it holds none (a hub): never makes one."""
    path = home / LINKAGE_FILE
    return bytes.fromhex(path.read_text().strip()) if path.exists() else None


def linkage_fingerprint(secret: bytes) -> str:
    """A short keyed hash of the secret (HMAC keyed *with* the secret over a fixed label): equal
    for equal secrets, and without the secret it cannot be made or checked — so it reveals
    nothing an attacker can test a guess of names or dates against. 80 bits, written in
    groups of four for reading aloud over a telephone."""
    digest = hmac.new(secret, _FINGERPRINT_LABEL, hashlib.sha256).digest()[:10]
    text = base64.b32encode(digest).decode()
    return "FP1-" + "-".join(text[i : i + 4] for i in range(0, len(text), 4))


def home_linkage_fingerprint(home: Path) -> str | None:
    """The fingerprint of the secret this home's encodings are made with: from its linkage
    secret (a gateway, or a development home), else from its pin (a hub), else None."""
    secret = read_linkage_secret(home)
    if secret is not None:
        return linkage_fingerprint(secret)
    pinned = home / LINKAGE_PIN_FILE
    return pinned.read_text().strip() if pinned.exists() else None


def session_secret(home: Path) -> bytes:
    """Signs the web's session cookies (32 random bytes); every server of a deployment shares the
    home's copy, so a user stays signed in whichever one answers."""
    return _random_secret(home / SESSION_FILE)


def signing_key(home: Path) -> Ed25519PrivateKey:
    """The service's Ed25519 key: signs bearer tokens (and, later, audit checkpoints)."""
    path = home / SIGNING_FILE
    if not path.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        with suppress(FileExistsError):
            _write_private(path, pem)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{SIGNING_FILE} is not an Ed25519 private key")
    return key
