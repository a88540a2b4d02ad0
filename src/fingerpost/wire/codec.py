"""Encodings on the wire: an `EncodedQuery` as JSON-safe text, and back (docs/wire.md).

What travels is what the hub may hold or compare with, all of it keyed with the linkage secret
the hub never has: the stored identity and the probe in their packed form (docs/adr/0014),
base64; the probe's extra name filters and tokens that the packed form leaves out; and the
blocking keys as big-endian 64-bit integers, base64. Nothing here knows a name or a date.
"""

from __future__ import annotations

import base64
import binascii
import re
import struct
from collections.abc import Iterable, Mapping
from dataclasses import fields, replace
from typing import Any

from fingerpost.matching.encode import BLOOM_BITS, EncodedIdentity, EncodedQuery, NameFilters

__all__ = ["WIRE_VERSION", "WireError", "query_from_wire", "query_to_wire"]

WIRE_VERSION = "fingerpost-encoded/1"
_BLOOM_BYTES = BLOOM_BITS // 8
_TOKEN_BYTES = 8
_KEY = struct.Struct(">q")


class WireError(ValueError):
    """A wire form that does not decode: refused, never guessed at."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, what: str) -> bytes:
    if not isinstance(text, str):
        raise WireError(f"{what}: base64 text expected")
    try:
        # strict: only the alphabet and correct padding (b64decode's `validate` is a regex,
        # several times slower on a batch's thousands of values)
        return binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
    except (binascii.Error, ValueError):
        raise WireError(f"{what}: not base64") from None


def _keys_out(keys: Iterable[int]) -> str:
    ordered = sorted(keys)
    return _b64(struct.pack(f">{len(ordered)}q", *ordered))


def _keys_in(text: object, what: str) -> frozenset[int]:
    data = _unb64(text, what)
    if len(data) % _KEY.size:
        raise WireError(f"{what}: not a whole number of 64-bit keys")
    return frozenset(struct.unpack(f">{len(data) // _KEY.size}q", data))


def _tokens_out(tokens: Iterable[bytes]) -> str:
    return _b64(b"".join(sorted(tokens)))


def _tokens_in(text: object, what: str) -> frozenset[bytes]:
    data = _unb64(text, what)
    if len(data) % _TOKEN_BYTES:
        raise WireError(f"{what}: not a whole number of tokens")
    return frozenset(data[i : i + _TOKEN_BYTES] for i in range(0, len(data), _TOKEN_BYTES))


def _filters_out(filters: NameFilters) -> str:
    given, family, alts = filters
    return _b64(b"".join(bf.to_bytes(_BLOOM_BYTES, "big") for bf in (given, family, *alts)))


def _filters_in(text: object, what: str) -> NameFilters:
    data = _unb64(text, what)
    if len(data) < 2 * _BLOOM_BYTES or len(data) % _BLOOM_BYTES:
        raise WireError(f"{what}: not whole Bloom filters")
    blooms = [
        int.from_bytes(data[i : i + _BLOOM_BYTES], "big") for i in range(0, len(data), _BLOOM_BYTES)
    ]
    return blooms[0], blooms[1], tuple(blooms[2:])


def _identity_out(identity: EncodedIdentity) -> str:
    return _b64(identity.to_stored())


def _identity_in(text: object, what: str) -> EncodedIdentity:
    return _identity_of(_unb64(text, what), what)


def _identity_of(data: bytes, what: str) -> EncodedIdentity:
    if not data or data[:1] == b"{":  # the JSON stored form is for old rows, not for the wire
        raise WireError(f"{what}: not a packed encoding")
    try:
        return EncodedIdentity.from_stored(data)
    except (ValueError, IndexError, struct.error):
        raise WireError(f"{what}: not a packed encoding") from None


_DIGEST = re.compile(r"[0-9a-f]{64}")


def _stored_identity(text: object, digest: object) -> EncodedIdentity:
    """The identity the hub stores, with the two things the gateway made for it kept as they
    came: its packed form (what the hub writes) and its digest (what tells a re-sent row is
    unchanged). Remade at the hub they cost more than reading it; and a gateway that sent them
    wrong could only mislead the idempotency of its own agencies' rows, which it writes anyway."""
    data = _unb64(text, "identity")
    identity = _identity_of(data, "identity")
    if not isinstance(digest, str) or not _DIGEST.fullmatch(digest):
        raise WireError("digest: 64 lower-case hex digits")
    object.__setattr__(identity, "_stored", data)
    object.__setattr__(identity, "_digest", digest)
    return identity


def _variants_out(variants: Mapping[bytes | None, NameFilters]) -> list[dict[str, str | None]]:
    # Sorted so that one query always has one wire form (None, the undated salt, first).
    ordered = sorted(variants.items(), key=lambda item: b"" if item[0] is None else item[0])
    return [
        {"salt": None if salt is None else _b64(salt), "filters": _filters_out(filters)}
        for salt, filters in ordered
    ]


def _variants_in(raw: object) -> dict[bytes | None, NameFilters]:
    if not isinstance(raw, list):
        raise WireError("name_variants: a list expected")
    variants: dict[bytes | None, NameFilters] = {}
    for item in raw:
        if not isinstance(item, dict) or set(item) != {"salt", "filters"}:
            raise WireError("name_variants: each item has a salt and filters")
        salt = None if item["salt"] is None else _unb64(item["salt"], "name_variants.salt")
        if salt in variants:
            raise WireError("name_variants: a salt given twice")
        variants[salt] = _filters_in(item["filters"], "name_variants.filters")
    return variants


# The probe the encoder makes is the identity with these sets widened (name tokens under other
# salts): sent as the tokens it adds, it is read without a second packed form to unpack.
_WIDENED = ("given_forms", "given_sound", "family_sound")


# What the probe must share with the identity for its widened sets to be all that is sent: every
# field the value compares, but those.
_SHARED = tuple(f.name for f in fields(EncodedIdentity) if f.compare and f.name not in _WIDENED)


def _widens(identity: EncodedIdentity, probe: EncodedIdentity) -> bool:
    # Field by field, not `replace(identity, …) == probe`: a gateway sends this for every row
    # of a register file, and a made dataclass costs more than the comparisons (ADR 0045).
    return (
        probe.middle_count == identity.middle_count
        and all(getattr(identity, name) == getattr(probe, name) for name in _SHARED)
        and all(getattr(identity, name) <= getattr(probe, name) for name in _WIDENED)
    )


def _probe_out(identity: EncodedIdentity, probe: EncodedIdentity) -> str | dict[str, str]:
    if _widens(identity, probe):
        return {
            name: _tokens_out(getattr(probe, name) - getattr(identity, name)) for name in _WIDENED
        }
    return _identity_out(probe)


def _widening_in(raw: object, identity: EncodedIdentity) -> dict[str, Any]:
    """The probe's widened sets, or nothing when the probe came packed whole."""
    if not isinstance(raw, dict):
        return {}
    if set(raw) != set(_WIDENED):
        raise WireError(f"probe: the tokens it adds to {', '.join(_WIDENED)}, or a packed form")
    return {
        name: getattr(identity, name) | _tokens_in(raw[name], f"probe.{name}") for name in _WIDENED
    }


def query_to_wire(query: EncodedQuery) -> dict[str, Any]:
    """The wire form of one encoded child (what `query_from_wire` reads back equal)."""
    probe = query.probe
    return {
        "identity": _identity_out(query.identity),
        "digest": query.identity.digest(),
        "probe": _probe_out(query.identity, probe),
        # The probe's fields the packed form does not carry (never stored at the hub).
        "first_forms": _tokens_out(probe.first_forms),
        "dob_close": _tokens_out(probe.dob_close),
        "name_variants": _variants_out(probe.name_variants),
        "probe_keys": _keys_out(query.probe_keys),
        "anchor_keys": _keys_out(query.anchor_keys),
        "name_keys": _keys_out(query.name_keys),
    }


_QUERY_FIELDS = frozenset(
    {
        "identity",
        "digest",
        "probe",
        "first_forms",
        "dob_close",
        "name_variants",
        "probe_keys",
        "anchor_keys",
        "name_keys",
    }
)


def query_from_wire(raw: object) -> EncodedQuery:
    """Read one encoded child; WireError when anything is missing, extra or malformed."""
    if not isinstance(raw, dict):
        raise WireError("an encoded child is an object")
    if set(raw) != _QUERY_FIELDS:
        missing = sorted(_QUERY_FIELDS - set(raw))
        extra = sorted(set(raw) - _QUERY_FIELDS)
        raise WireError(f"encoded child: missing {missing}, not allowed {extra}")
    identity = _stored_identity(raw["identity"], raw["digest"])
    widened = _widening_in(raw["probe"], identity)
    # One `replace` makes the probe: a dataclass's replace costs as much as reading a form.
    probe = replace(
        identity if widened else _identity_in(raw["probe"], "probe"),
        **widened,
        first_forms=_tokens_in(raw["first_forms"], "first_forms"),
        dob_close=_tokens_in(raw["dob_close"], "dob_close"),
        name_variants=_variants_in(raw["name_variants"]),
    )
    return EncodedQuery(
        identity=identity,
        probe_keys=_keys_in(raw["probe_keys"], "probe_keys"),
        probe=probe,
        anchor_keys=_keys_in(raw["anchor_keys"], "anchor_keys"),
        name_keys=_keys_in(raw["name_keys"], "name_keys"),
    )
