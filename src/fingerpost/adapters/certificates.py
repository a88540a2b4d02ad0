"""Destruction certificates: what a decommissioning destroyed, signed with the service's key.

The file is canonical JSON (sorted keys, two-space indent) with an Ed25519 signature over the
certificate's canonical bytes. Verification re-serialises what it read and requires the very same
bytes, so that any change to the file — even of one byte of layout — fails.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from fingerpost.service.records import Destruction

__all__ = ["FORMAT", "issue", "verify"]

FORMAT = "fingerpost destruction certificate v1"


def _canonical(value: Any) -> bytes:
    return (json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def issue(destruction: Destruction, key: Ed25519PrivateKey) -> bytes:
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    certificate = {
        "format": FORMAT,
        "scope": destruction.scope,
        "agencies": destruction.agencies,
        "destroyed": destruction.purged.as_dict()
        | {
            "users": destruction.users,
            "other_notifications": destruction.other_notifications,
            "data_keys": destruction.keys,
        },
        "at": destruction.at.isoformat(),
        "audit": {"size": destruction.audit_size, "root": destruction.audit_root},
        "service_key": public.hex(),
    }
    signature = key.sign(_canonical(certificate))
    return _canonical({"certificate": certificate, "signature": signature.hex()})


def verify(content: bytes, public_key: bytes) -> dict[str, Any]:
    """The certificate, if `content` is exactly as issued and signed by `public_key`; else
    ValueError saying why."""
    try:
        document = json.loads(content)
        certificate, signature = document["certificate"], bytes.fromhex(document["signature"])
    except (ValueError, KeyError, TypeError):
        raise ValueError("not a destruction certificate (unreadable or incomplete)") from None
    if _canonical(document) != content:
        raise ValueError("the file was changed after it was issued")
    if certificate.get("format") != FORMAT:
        raise ValueError("not a destruction certificate of this format")
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, _canonical(certificate))
    except InvalidSignature:
        raise ValueError("the signature does not match: altered, or not this service's") from None
    return dict(certificate)
