"""The stored forms of an encoded identity: packed (what the database holds since release 4) and
JSON (what releases before 4 stored, and what a row's digest is of). Both are read back by every
release, so nothing here may change a bit of what it writes (docs/adr/0014, 0031).

`pack`/`to_json` take any object with `EncodedIdentity`'s fields; `unpack`/`from_json` give the
fields, which `EncodedIdentity` makes itself from (so that this module stays below it).
"""

import base64
import json
import struct
from typing import TYPE_CHECKING, Any

from fingerpost.matching.keyed import BLOOM_BYTES, TOKEN_BYTES

if TYPE_CHECKING:
    from fingerpost.matching.encoded import EncodedIdentity

__all__ = ["ENCODING_VERSION", "from_json", "pack", "to_json", "unpack"]

# 3: name Bloom filters salted with the year of birth. 2: filters unsalted. 1: tokens as base64
# lists. Versions 1 and 2 are still read (their filters compare with the probe's unsalted ones).
ENCODING_VERSION = 3
# The stored form since release 4: the same fields as the JSON form, packed. A JSON form starts
# with "{", a packed one with this byte. See docs/adr/0014. Version 5 adds how many of the other
# names' filters are middle or other names (`middle_count`); version 4 is still read.
_PACKED = 5
_PACKED_WITHOUT_MIDDLES = 4
# version, flags, tokens present, sex (a byte each), then how many (two bytes each: a child's
# fields may hold up to 200 characters of names, hundreds of words): other names' filters, of
# them middle or other names (version 5), given forms, given sounds, family sounds, near dates
# and blocking keys.
_HEAD = struct.Struct(">BBBBHHHHHHH")
_HEAD_WITHOUT_MIDDLES = struct.Struct(">BBBBHHHHHH")
_HEADS = {_PACKED: _HEAD, _PACKED_WITHOUT_MIDDLES: _HEAD_WITHOUT_MIDDLES}
_SALTED = 1  # flag: the name filters are salted with the year of birth (encoding version 3)
_SEXES = ("", "m", "f")
# The optional tokens, in the order of their bits in the "present" byte.
_OPTIONAL = (
    "nhs",
    "dob",
    "dob_swapped",
    "dob_month",
    "dob_year",
    "postcode_unit",
    "postcode_sector",
    "postcode_district",
)
# The sets of tokens, in the order they are packed.
_SETS = ("given_forms", "given_sound", "family_sound", "dob_near")


def pack(identity: "EncodedIdentity") -> bytes:
    present = 0
    tokens = []
    for bit, name in enumerate(_OPTIONAL):
        value = getattr(identity, name)
        if value is not None:
            present |= 1 << bit
            tokens.append(value)
    sets = [getattr(identity, name) for name in _SETS]
    keys = sorted(identity.blocking_keys)
    alts = identity.alt_bfs
    head = _HEAD.pack(
        _PACKED,
        _SALTED if identity.names_salted else 0,
        present,
        _SEXES.index(identity.sex),
        len(alts),
        # Not known (-1) is written as more than there are, which no count can be.
        identity.middle_count if identity.middle_count >= 0 else len(alts) + 1,
        *map(len, sets),
        len(keys),
    )
    blooms = (identity.given_bf, identity.family_bf, *alts)
    return b"".join(
        (
            head,
            *tokens,
            *(bf.to_bytes(BLOOM_BYTES, "big") for bf in blooms),
            *(token for values in sets for token in sorted(values)),
            struct.pack(f">{len(keys)}q", *keys),
        )
    )


def _tokens(data: bytes, at: int, present: int) -> tuple[list[bytes | None], int]:
    tokens: list[bytes | None] = []
    for bit in range(len(_OPTIONAL)):
        if present >> bit & 1:
            tokens.append(data[at : at + TOKEN_BYTES])
            at += TOKEN_BYTES
        else:
            tokens.append(None)
    return tokens, at


def unpack(data: bytes) -> dict[str, Any]:
    """The fields of a packed form (version 4 or 5)."""
    head = _HEADS.get(data[0]) if data else None
    if head is None:
        raise ValueError(f"unsupported stored encoding {data[:1]!r}")
    _, flags, present, sex, alts, *counts, keys = head.unpack_from(data)
    middles = counts.pop(0) if head is _HEAD else -1
    if middles > alts:  # written for an encoding that did not know its middle names
        middles = -1
    tokens, at = _tokens(data, head.size, present)
    blooms = []
    for _ in range(2 + alts):
        blooms.append(int.from_bytes(data[at : at + BLOOM_BYTES], "big"))
        at += BLOOM_BYTES
    sets = []
    for count in counts:
        end = at + count * TOKEN_BYTES
        sets.append(frozenset(data[i : i + TOKEN_BYTES] for i in range(at, end, TOKEN_BYTES)))
        at = end
    if len(data) != at + keys * TOKEN_BYTES:
        raise ValueError("stored encoding of the wrong length")
    return {
        **dict(zip(_OPTIONAL, tokens, strict=True)),
        **dict(zip(_SETS, sets, strict=True)),
        "given_bf": blooms[0],
        "family_bf": blooms[1],
        "alt_bfs": tuple(blooms[2:]),
        "sex": _SEXES[sex],
        "blocking_keys": frozenset(struct.unpack_from(f">{keys}q", data, at)),
        "names_salted": bool(flags & _SALTED),
        "middle_count": middles,
    }


def _opt(value: bytes | None) -> str:
    return "" if value is None else value.hex()


def _many(values: frozenset[bytes]) -> str:
    return b"".join(sorted(values)).hex()


def _strings(values: tuple[bytes | None, ...]) -> str:
    return ",".join(f'"{_opt(value)}"' for value in values)


def to_json(identity: "EncodedIdentity") -> str:
    """The JSON form. Each set of tokens is one hex string of fixed-width tokens, sorted.

    Written by hand rather than by `json.dumps`, with the very same bytes (`json.dumps` with
    these separators of the same dict: every value is hex, digits, a list of them or a sex
    code, none needing an escape): a row's digest is of this text, and making it was a tenth
    of the cost of encoding a registration."""
    alts = ",".join(f'"{bf:x}"' for bf in identity.alt_bfs)
    dates = (identity.dob, identity.dob_swapped, identity.dob_month, identity.dob_year)
    places = (identity.postcode_unit, identity.postcode_sector, identity.postcode_district)
    keys = ",".join(map(str, sorted(identity.blocking_keys)))
    sex = f'"{identity.sex}"' if identity.sex in _SEXES else json.dumps(identity.sex)
    return (
        f'{{"v":{ENCODING_VERSION},"nhs":"{_opt(identity.nhs)}",'
        f'"g":"{identity.given_bf:x}","f":"{identity.family_bf:x}","a":[{alts}],'
        f'"gf":"{_many(identity.given_forms)}","gs":"{_many(identity.given_sound)}",'
        f'"fs":"{_many(identity.family_sound)}",'
        f'"d":[{_strings(dates)}],"dn":"{_many(identity.dob_near)}","p":[{_strings(places)}],'
        f'"s":{sex},"k":[{keys}]}}'
    )


def from_json(text: str) -> dict[str, Any]:
    """The fields of a JSON form (version 1, 2 or 3)."""
    raw = json.loads(text)
    version = raw.get("v")
    if version == 1:
        raw = _upgrade_v1(raw)
    elif version not in {2, ENCODING_VERSION}:
        raise ValueError(f"unsupported encoding version {version!r}")
    dob, swapped, month, year = (_from_hex(v) for v in raw["d"])
    unit, sector, district = (_from_hex(v) for v in raw["p"])
    return {
        "nhs": _from_hex(raw["nhs"]),
        "given_bf": int(raw["g"], 16),
        "family_bf": int(raw["f"], 16),
        "alt_bfs": tuple(int(bf, 16) for bf in raw["a"]),
        "given_forms": _from_many(raw["gf"]),
        "given_sound": _from_many(raw["gs"]),
        "family_sound": _from_many(raw["fs"]),
        "dob": dob,
        "dob_swapped": swapped,
        "dob_month": month,
        "dob_year": year,
        "dob_near": _from_many(raw["dn"]),
        "postcode_unit": unit,
        "postcode_sector": sector,
        "postcode_district": district,
        "sex": raw["s"],
        "blocking_keys": frozenset(raw["k"]),
        "names_salted": version == ENCODING_VERSION,
    }


def _from_hex(text: str) -> bytes | None:
    return bytes.fromhex(text) if text else None


def _from_many(text: str) -> frozenset[bytes]:
    data = bytes.fromhex(text)
    return frozenset(data[i : i + TOKEN_BYTES] for i in range(0, len(data), TOKEN_BYTES))


def _upgrade_v1(raw: dict[str, Any]) -> dict[str, Any]:
    """The first release stored tokens as lists of base64 strings."""

    def opt(value: str | None) -> str:
        return "" if value is None else base64.b64decode(value).hex()

    def many(values: list[str]) -> str:
        return b"".join(sorted(base64.b64decode(v) for v in values)).hex()

    return raw | {
        "nhs": opt(raw["nhs"]),
        "gf": many(raw["gf"]),
        "gs": many(raw["gs"]),
        "fs": many(raw["fs"]),
        "d": [opt(v) for v in raw["d"]],
        "dn": many(raw["dn"]),
        "p": [opt(v) for v in raw["p"]],
    }
