"""Secrets kept in FINGERPOST_HOME: the linkage secret, the service's Ed25519 signing key and the
web session key.

All are created on first use with file mode 0600 and never printed or logged.
"""

import os
import secrets
from contextlib import suppress
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

__all__ = [
    "LINKAGE_FILE",
    "SESSION_FILE",
    "SIGNING_FILE",
    "linkage_secret",
    "session_secret",
    "signing_key",
]

LINKAGE_FILE = "linkage.key"
SIGNING_FILE = "signing.key"
SESSION_FILE = "session.key"


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
