"""The linkage secret's life at a gateway: made once, carried sealed, imported (docs/adr/0027).

Every gateway must hold the same secret (that is what makes encodings comparable) and the hub
must hold none. The secret goes from one gateway to another only as an *export*: a JSON file
whose header says how it is sealed — under a passphrase (scrypt, then AES-256-GCM) or for one
recipient's X25519 public key (an ephemeral key agreement, HKDF-SHA256, then AES-256-GCM) —
and carries the secret's fingerprint. The whole header is the cipher's associated data, so a
header altered in transit (another fingerprint, weaker scrypt costs) makes the file not open.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import secrets
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from fingerpost.adapters.crypto import write_private
from fingerpost.adapters.keys import (
    LINKAGE_FILE,
    LINKAGE_PIN_FILE,
    home_linkage_fingerprint,
    linkage_fingerprint,
    read_linkage_secret,
)

__all__ = [
    "MIN_PASSPHRASE",
    "RECIPIENT_FILE",
    "HomeLinkagePin",
    "Installed",
    "SecretRefused",
    "describe",
    "home_linkage_fingerprint",
    "install",
    "new_secret",
    "open_export",
    "pin_fingerprint",
    "read_linkage_secret",
    "recipient_key",
    "seal_for_recipient",
    "seal_with_passphrase",
    "write_private",
]

FORMAT = "fingerpost linkage secret"
VERSION = 1
RECIPIENT_FILE = "linkage-recipient.key"  # this gateway's X25519 key for receiving an export
HISTORY_FILE = "linkage.history"  # one line per secret made, imported or replaced (no secret)
MIN_PASSPHRASE = 12
# scrypt's cost: 128 MiB and about half a second per try, for the defender once and for an
# attacker guessing passphrases every time. Read back from the header (bounded) on import.
SCRYPT_N = 2**17
_SCRYPT_MAX_N = 2**20
_SCRYPT_R, _SCRYPT_P = 8, 1
_HKDF_INFO = b"fingerpost linkage secret v1 x25519"
_RECIPIENT_PREFIX = "FPR1-"


class SecretRefused(ValueError):
    """What was asked would lose, expose or mix up a linkage secret: nothing was changed."""


@dataclass(frozen=True, slots=True)
class Installed:
    fingerprint: str
    outcome: str  # "installed", "unchanged" (the home held this secret) or "replaced"
    previous: str | None = None  # the replaced secret's fingerprint


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: object) -> bytes:
    try:
        return base64.b64decode(str(text), validate=True)
    except ValueError:
        raise SecretRefused("the export is damaged: a field is not base64") from None


def _note(home: Path, line: str) -> None:
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    fd = os.open(home / HISTORY_FILE, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(f"{stamp} {line}\n")


def _refuse_at_a_hub(home: Path) -> None:
    if (home / LINKAGE_PIN_FILE).exists():
        raise SecretRefused(
            f"this home is a hub's (it has {LINKAGE_PIN_FILE}): the hub never holds the linkage"
            " secret — run this at a gateway"
        )


def new_secret(home: Path) -> str:
    """Make the deployment's linkage secret, once: refused where a secret exists (replacing it
    would make every encoding made so far incomparable). Returns its fingerprint."""
    _refuse_at_a_hub(home)
    secret = secrets.token_bytes(32)
    try:
        write_private(home / LINKAGE_FILE, secret.hex().encode(), exclusive=True)
    except FileExistsError:
        raise SecretRefused(
            f"this home already holds a linkage secret ({_held(home)}): a deployment makes its"
            " secret once, then carries it to every gateway with `export` and `import`"
        ) from None
    fingerprint = linkage_fingerprint(secret)
    _note(home, f"new {fingerprint}")
    return fingerprint


def _held(home: Path) -> str:
    secret = read_linkage_secret(home)
    return linkage_fingerprint(secret) if secret is not None else "none"


def _header(fingerprint: str, sealing: str, **fields: Any) -> dict[str, Any]:
    created = datetime.now(UTC).isoformat(timespec="seconds")
    return {"format": FORMAT, "version": VERSION, "created": created,
            "fingerprint": fingerprint, "sealing": sealing, **fields}  # fmt: skip


def _aad(header: dict[str, Any]) -> bytes:
    return json.dumps(header, sort_keys=True, separators=(",", ":")).encode()


def _sealed(header: dict[str, Any], key: bytes, secret: bytes) -> bytes:
    nonce = secrets.token_bytes(12)
    header = {**header, "nonce": _b64(nonce)}
    ciphertext = AESGCM(key).encrypt(nonce, secret, _aad(header))
    return (json.dumps({**header, "ciphertext": _b64(ciphertext)}, indent=1) + "\n").encode()


def _scrypt(passphrase: str, salt: bytes, n: int) -> bytes:
    kdf = Scrypt(salt=salt, length=32, n=n, r=_SCRYPT_R, p=_SCRYPT_P)
    return kdf.derive(passphrase.encode())


def seal_with_passphrase(secret: bytes, passphrase: str) -> bytes:
    if len(passphrase) < MIN_PASSPHRASE:
        raise SecretRefused(f"the passphrase is too short: at least {MIN_PASSPHRASE} characters")
    salt = secrets.token_bytes(16)
    kdf = {"name": "scrypt", "n": SCRYPT_N, "r": _SCRYPT_R, "p": _SCRYPT_P, "salt": _b64(salt)}
    header = _header(linkage_fingerprint(secret), "passphrase", kdf=kdf)
    return _sealed(header, _scrypt(passphrase, salt, SCRYPT_N), secret)


def _public_text(key: X25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return _RECIPIENT_PREFIX + base64.b32encode(raw).decode().rstrip("=")


def _public_key(text: str) -> X25519PublicKey:
    body = text.strip().removeprefix(_RECIPIENT_PREFIX)
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
        return X25519PublicKey.from_public_bytes(raw)
    except ValueError:
        raise SecretRefused(
            f"not a recipient key: one is {_RECIPIENT_PREFIX}… as `secret recipient` prints it"
        ) from None


def _agreed(shared: bytes, ephemeral: bytes, recipient: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=_HKDF_INFO)
    return hkdf.derive(shared)


def _raw(key: X25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def seal_for_recipient(secret: bytes, recipient: str) -> bytes:
    """Sealed so that only the holder of `recipient`'s private key opens it: no passphrase to
    carry separately (an age-like construction: X25519, HKDF-SHA256, AES-256-GCM)."""
    public = _public_key(recipient)
    ephemeral = X25519PrivateKey.generate()
    mine = _raw(ephemeral.public_key())
    key = _agreed(ephemeral.exchange(public), mine, _raw(public))
    fields = {"recipient": _public_text(public), "ephemeral": _b64(mine)}
    return _sealed(_header(linkage_fingerprint(secret), "recipient", **fields), key, secret)


def recipient_key(home: Path) -> str:
    """This home's public key for receiving an export (the key pair is made on first use)."""
    path = home / RECIPIENT_FILE
    if not path.exists():
        pem = X25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        with suppress(FileExistsError):  # made meanwhile by another process: use theirs
            write_private(path, pem, exclusive=True)
    return _public_text(_private(home).public_key())


def _private(home: Path) -> X25519PrivateKey:
    path = home / RECIPIENT_FILE
    if not path.exists():
        raise SecretRefused(f"this home has no recipient key ({RECIPIENT_FILE})")
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, X25519PrivateKey):
        raise SecretRefused(f"{RECIPIENT_FILE} is not an X25519 private key")
    return key


def describe(data: bytes) -> dict[str, Any]:
    """The export's header (how it is sealed, the fingerprint it claims): not yet checked."""
    try:
        body = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise SecretRefused("not a linkage secret export (not JSON)") from None
    if not isinstance(body, dict) or body.get("format") != FORMAT:
        raise SecretRefused("not a linkage secret export")
    if body.get("version") != VERSION:
        raise SecretRefused(f"an export of version {body.get('version')}: this release reads 1")
    missing = {"created", "fingerprint", "sealing", "nonce", "ciphertext"} - set(body)
    if missing:
        raise SecretRefused(f"the export is damaged: no {', '.join(sorted(missing))}")
    return body


def _passphrase_key(header: dict[str, Any], passphrase: str) -> bytes:
    kdf = header.get("kdf")
    if not isinstance(kdf, dict) or kdf.get("name") != "scrypt":
        raise SecretRefused("the export names no key derivation this release knows")
    n = kdf.get("n")
    if (kdf.get("r"), kdf.get("p")) != (_SCRYPT_R, _SCRYPT_P) or not isinstance(n, int):
        raise SecretRefused("the export's scrypt costs are not this release's")
    if not 2**14 <= n <= _SCRYPT_MAX_N or n & (n - 1):
        raise SecretRefused("the export's scrypt cost is out of bounds")
    return _scrypt(passphrase, _unb64(kdf.get("salt")), n)


def _recipient_key(header: dict[str, Any], home: Path) -> bytes:
    private = _private(home)
    mine = private.public_key()
    if header.get("recipient") != _public_text(mine):
        raise SecretRefused(
            f"the export is sealed for another recipient ({header.get('recipient')}), not for"
            f" this home's key ({_public_text(mine)})"
        )
    ephemeral = _unb64(header.get("ephemeral"))
    try:
        shared = private.exchange(X25519PublicKey.from_public_bytes(ephemeral))
    except ValueError:
        raise SecretRefused("the export is damaged: its ephemeral key is not valid") from None
    return _agreed(shared, ephemeral, _raw(mine))


def open_export(data: bytes, home: Path, passphrase: Callable[[], str]) -> bytes:
    """The secret in an export, after checking it whole: the cipher's tag over the secret and
    the header, and the header's fingerprint against the secret's. `passphrase` is asked only
    for a file sealed under one."""
    body = describe(data)
    header = {name: value for name, value in body.items() if name != "ciphertext"}
    if body["sealing"] == "passphrase":
        key = _passphrase_key(header, passphrase())
    elif body["sealing"] == "recipient":
        key = _recipient_key(header, home)
    else:
        raise SecretRefused("the export is sealed in a way this release does not know")
    try:
        nonce, ciphertext = _unb64(body["nonce"]), _unb64(body["ciphertext"])
        secret = AESGCM(key).decrypt(nonce, ciphertext, _aad(header))
    except InvalidTag:
        raise SecretRefused(
            "the export does not open: a wrong passphrase or key, or the file was altered"
        ) from None
    if len(secret) < 32 or linkage_fingerprint(secret) != body["fingerprint"]:
        raise SecretRefused("the export's secret does not match its fingerprint")
    return secret


def install(home: Path, secret: bytes, *, replace_reason: str | None = None) -> Installed:
    """Put `secret` in the home. A home holding another secret is refused unless a reason is
    given: then the old secret is kept aside (renamed, still 0600) and the reason noted."""
    _refuse_at_a_hub(home)
    fingerprint = linkage_fingerprint(secret)
    held = read_linkage_secret(home)
    if held == secret:
        return Installed(fingerprint, "unchanged")
    path = home / LINKAGE_FILE
    previous = None
    if held is not None:
        previous = linkage_fingerprint(held)
        if not (replace_reason or "").strip():
            raise SecretRefused(
                f"this home holds another linkage secret ({previous}) than the export's"
                f" ({fingerprint}): its encodings would no longer compare with the register's."
                " To replace it anyway, give --replace with --reason"
            )
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        path.rename(path.with_name(f"{LINKAGE_FILE}.replaced-{stamp}"))
    try:
        write_private(path, secret.hex().encode(), exclusive=True)
    except FileExistsError:
        raise SecretRefused("another process wrote a linkage secret meanwhile") from None
    reason = " ".join((replace_reason or "").split())
    _note(home, f"replaced {previous} by {fingerprint}: {reason}" if previous
          else f"imported {fingerprint}")  # fmt: skip
    return Installed(fingerprint, "replaced" if previous else "installed", previous)


def pin_fingerprint(home: Path, fingerprint: str) -> None:
    """Record at a hub which secret its encodings are made with (its backups then carry it),
    without the secret. Refused in a home holding a secret, or pinned to another one."""
    text = fingerprint.strip().upper()
    parts = text.split("-")
    if parts[0] != "FP1" or len(parts) != 5 or any(len(p) != 4 for p in parts[1:]):
        raise SecretRefused("not a fingerprint: one reads FP1-XXXX-XXXX-XXXX-XXXX")
    if read_linkage_secret(home) is not None:
        raise SecretRefused("this home holds the linkage secret: its fingerprint is the secret's")
    path = home / LINKAGE_PIN_FILE
    # Two gateways may pin an unpinned hub at once: the first link wins, the second compares.
    with suppress(FileExistsError):
        write_private(path, (text + "\n").encode(), exclusive=True)
    pinned = path.read_text().strip()
    if pinned != text:
        raise SecretRefused(f"this hub is pinned to another secret ({pinned})")


class HomeLinkagePin:
    """The hub's side of ADR 0034's check: the fingerprint its home is pinned to (or, in a
    development home, its own secret's), and the pinning of the first one a gateway presents."""

    def __init__(self, home: Path) -> None:
        self._home = home

    def expected(self) -> str | None:
        return home_linkage_fingerprint(self._home)

    def pin(self, fingerprint: str) -> None:
        # Pinned meanwhile (another worker): the caller compares with what is pinned.
        with contextlib.suppress(SecretRefused):
            pin_fingerprint(self._home, fingerprint)
