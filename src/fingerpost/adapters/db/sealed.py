"""How an involvement's private fields are sealed in one column with the agency's data key.

The plaintext is the JSON list [local_ref, practitioner name, role, phone, email], a newline and
the child's encoding in its stored form (packed since release 4, JSON before: both are read).
The associated data binds the ciphertext to its agency and involvement, so a sealed value copied
onto another row does not open.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from fingerpost.adapters.crypto import DataKey, Keyring, sealed_version

__all__ = ["Opened", "open_about", "open_sealed", "seal", "seal_about"]


@dataclass(frozen=True, slots=True)
class Opened:
    local_ref: str
    contact: tuple[str, str, str, str]  # practitioner name, role, phone, email
    identity: bytes  # EncodedIdentity in its stored form (`EncodedIdentity.from_stored`)


def _context(agency: str, public_id: str) -> bytes:
    return f"fingerpost involvement v1\n{agency}\n{public_id}".encode()


def seal(
    key: DataKey,
    public_id: str,
    local_ref: str,
    contact: tuple[str, str, str, str],
    identity: bytes,
) -> tuple[str, bytes]:
    """(blind index of local_ref, sealed fields). `identity` is a stored form."""
    plaintext = json.dumps([local_ref, *contact]).encode() + b"\n" + identity
    return key.blind(local_ref), key.seal(plaintext, _context(key.agency, public_id))


def open_sealed(keyring: Keyring, agency: str, public_id: str, sealed: bytes) -> Opened:
    """Raises KeyShredded when the agency's key is destroyed."""
    key = keyring.get(agency, sealed_version(sealed))
    # The head is ASCII JSON (no raw newline): the first newline ends it, whatever follows.
    head, _, identity = key.open(sealed, _context(agency, public_id)).partition(b"\n")
    local_ref, name, role, phone, email = json.loads(head)
    return Opened(local_ref, (name, role, phone, email), identity)


def _about_context(agency: str, notification_id: str) -> bytes:
    return f"fingerpost notification v1\n{agency}\n{notification_id}".encode()


def seal_about(key: DataKey, notification_id: str, about: dict[str, str]) -> bytes:
    """What a notification says about someone, sealed with the key of the agency it describes
    (the other practitioner's, the enquirer's), so that agency's keys reach it too."""
    plaintext = json.dumps(about, sort_keys=True).encode()
    return key.seal(plaintext, _about_context(key.agency, notification_id))


def open_about(
    keyring: Keyring, agency: str, notification_id: str, sealed: bytes
) -> dict[str, str]:
    """Raises KeyShredded when the agency's key is destroyed."""
    key = keyring.get(agency, sealed_version(sealed))
    opened: dict[str, str] = json.loads(key.open(sealed, _about_context(agency, notification_id)))
    return opened
