"""Keyed encodings of a normalised identity: what the hub stores instead of the child.

Two kinds of encoding, both keyed with the linkage secret that only gateways hold:
- *tokens*: truncated HMAC-SHA256 of a labelled value, for exact comparisons;
- *Bloom filters*: bigrams of a name hashed (HMAC) into a bit array, for fuzzy comparisons (Dice).

Names are never encoded as a bare single-field token: name tokens *and name Bloom filters* are
salted with the year of birth, and blocking keys are compound (a name with a date, a date with a
postcode sector), so that counting equal encodings does not give a common surname away. What is
asked (the probe, never stored) carries its names' filters under every year the other side may
have been salted with. See docs/adr/0002 and 0011.
"""

import base64
import hashlib
import hmac
import json
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from fingerpost.matching.normalise import NormalisedIdentity, name_family, phonetic

if TYPE_CHECKING:
    from hashlib import _Hash

__all__ = [
    "BLOOM_BITS",
    "ENCODING_VERSION",
    "UNSALTED",
    "EncodedIdentity",
    "EncodedQuery",
    "Encoder",
    "NameFilters",
    "dice",
    "near_dates",
]

# 3: name Bloom filters salted with the year of birth. 2: filters unsalted. 1: tokens as base64
# lists. Versions 1 and 2 are still read (their filters compare with the probe's unsalted ones).
ENCODING_VERSION = 3
BLOOM_BITS = 1024
_BLOOM_HASHES = 15
_TOKEN_BYTES = 8
_BLOOM_BYTES = BLOOM_BITS // 8
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


def dice(a: int, b: int) -> float:
    """Dice coefficient of two Bloom filters: 1.0 for identical names, ~0 for unrelated."""
    total = a.bit_count() + b.bit_count()
    return 2 * (a & b).bit_count() / total if total else 0.0


def _unb64(text: str) -> bytes:
    return base64.b64decode(text)


# A name's forms, given sounds, family sounds, and its first given name's forms, under one salt.
_NameTokens = tuple[frozenset[bytes], frozenset[bytes], frozenset[bytes], frozenset[bytes]]
# Given, family and other names' filters under one salt.
NameFilters = tuple[int, int, tuple[int, ...]]
UNSALTED = b"unsalted"  # the key of the filters older (version 1 and 2) encodings compare with


@dataclass(frozen=True, slots=True)
class EncodedIdentity:
    """A child as the hub sees it. Every field is keyed: useless without the linkage secret."""

    nhs: bytes | None
    given_bf: int  # first given name; 0 when unknown
    family_bf: int  # whole family name; 0 when unknown
    alt_bfs: tuple[int, ...]  # middle names, parts of double-barrelled names, other names
    given_forms: frozenset[bytes]  # nickname/transliteration forms of every given name
    given_sound: frozenset[bytes]
    family_sound: frozenset[bytes]
    dob: bytes | None
    dob_swapped: bytes | None
    dob_month: bytes | None
    dob_year: bytes | None
    dob_near: frozenset[bytes]  # the date with one digit wildcarded, eight ways
    postcode_unit: bytes | None
    postcode_sector: bytes | None
    postcode_district: bytes | None
    sex: str  # "m", "f" or "" — not identifying on its own
    blocking_keys: frozenset[int]
    names_salted: bool = True  # False for encodings stored before version 3
    # Probe only, never stored: the name filters (given, family, others) salted with each other
    # year of birth the other side may carry, keyed by that year's `dob_year` token (None: no
    # date), plus the unsalted filters of older encodings under `UNSALTED`.
    name_variants: Mapping[bytes | None, "NameFilters"] = field(
        default_factory=dict, compare=False, repr=False
    )
    # Probe only, never stored: the nickname/transliteration forms of the first given name,
    # salted as `given_forms`. `given_forms` covers middle names too, so it cannot say whether
    # two children's *first* names are variants of each other or one's middle name is the
    # other's first name — which brothers and sisters show.
    first_forms: frozenset[bytes] = field(default=frozenset(), compare=False, repr=False)
    # Probe only, never stored: the `dob` tokens of the dates one slip away (`near_dates`), so
    # that a date a day, ten days or a year off, or with two digits transposed, reads as close,
    # not as different (docs/adr/0024).
    dob_close: frozenset[bytes] = field(default=frozenset(), compare=False, repr=False)
    # How many of `alt_bfs`, first, are middle or other names; the rest are parts of the family
    # name. Stored since packed version 5, outside the JSON form (so digests of re-sent rows
    # stay as they were); -1: not known (an encoding stored before).
    middle_count: int = field(default=-1, compare=False, repr=False)
    # The digest and the stored form, once made: the gateway makes them (in an encoding worker),
    # so the hub's comparison and insert reuse them. Not fields of the value: `replace` and `==`
    # ignore them.
    _digest: str = field(default="", init=False, compare=False, repr=False)
    _stored: bytes = field(default=b"", init=False, compare=False, repr=False)

    def facing(self, other: "EncodedIdentity") -> "EncodedIdentity":
        """This identity with its name filters salted as `other`'s are, so that the two compare;
        with none (0) when it carries no filters for `other`'s salt (names are then unknown)."""
        same_scheme = self.names_salted == other.names_salted
        if same_scheme and (not other.names_salted or self.dob_year == other.dob_year):
            return self
        salt = other.dob_year if other.names_salted else UNSALTED
        given, family, alts = self.name_variants.get(salt, (0, 0, ()))
        return replace(self, given_bf=given, family_bf=family, alt_bfs=alts)

    def digest(self) -> str:
        """SHA-256 of the JSON form: what registration compares to know whether a re-sent row
        changed the child (it stays the JSON form's so that digests stored by earlier releases
        still match)."""
        if not self._digest:
            object.__setattr__(self, "_digest", hashlib.sha256(self.to_json().encode()).hexdigest())
        return self._digest

    def to_stored(self) -> bytes:
        """The form sealed in the database: packed, half the size of the JSON and four times
        quicker to read back, which every candidate of every enquiry does."""
        if not self._stored:
            object.__setattr__(self, "_stored", self._pack())
        return self._stored

    def _pack(self) -> bytes:
        present = 0
        tokens = []
        for bit, name in enumerate(_OPTIONAL):
            value = getattr(self, name)
            if value is not None:
                present |= 1 << bit
                tokens.append(value)
        sets = (self.given_forms, self.given_sound, self.family_sound, self.dob_near)
        keys = sorted(self.blocking_keys)
        head = _HEAD.pack(
            _PACKED,
            _SALTED if self.names_salted else 0,
            present,
            _SEXES.index(self.sex),
            len(self.alt_bfs),
            # Not known (-1) is written as more than there are, which no count can be.
            self.middle_count if self.middle_count >= 0 else len(self.alt_bfs) + 1,
            *map(len, sets),
            len(keys),
        )
        blooms = (self.given_bf, self.family_bf, *self.alt_bfs)
        return b"".join(
            (
                head,
                *tokens,
                *(bf.to_bytes(_BLOOM_BYTES, "big") for bf in blooms),
                *(token for values in sets for token in sorted(values)),
                struct.pack(f">{len(keys)}q", *keys),
            )
        )

    @classmethod
    def from_stored(cls, data: bytes) -> "EncodedIdentity":
        """Read a stored form: packed, or JSON as releases before 4 stored it."""
        if data[:1] == b"{":
            return cls.from_json(data.decode())
        head = _HEADS.get(data[0]) if data else None
        if head is None:
            raise ValueError(f"unsupported stored encoding {data[:1]!r}")
        _, flags, present, sex, alts, *counts, keys = head.unpack_from(data)
        middles = counts.pop(0) if head is _HEAD else -1
        if middles > alts:  # written for an encoding that did not know its middle names
            middles = -1
        at = head.size
        tokens: list[bytes | None] = []
        for bit in range(len(_OPTIONAL)):
            if present >> bit & 1:
                tokens.append(data[at : at + _TOKEN_BYTES])
                at += _TOKEN_BYTES
            else:
                tokens.append(None)
        blooms = []
        for _ in range(2 + alts):
            blooms.append(int.from_bytes(data[at : at + _BLOOM_BYTES], "big"))
            at += _BLOOM_BYTES
        sets = []
        for count in counts:
            end = at + count * _TOKEN_BYTES
            sets.append(frozenset(data[i : i + _TOKEN_BYTES] for i in range(at, end, _TOKEN_BYTES)))
            at = end
        if len(data) != at + keys * _TOKEN_BYTES:
            raise ValueError("stored encoding of the wrong length")
        nhs, dob, swapped, month, year, unit, sector, district = tokens
        return cls(
            nhs=nhs,
            given_bf=blooms[0],
            family_bf=blooms[1],
            alt_bfs=tuple(blooms[2:]),
            given_forms=sets[0],
            given_sound=sets[1],
            family_sound=sets[2],
            dob=dob,
            dob_swapped=swapped,
            dob_month=month,
            dob_year=year,
            dob_near=sets[3],
            postcode_unit=unit,
            postcode_sector=sector,
            postcode_district=district,
            sex=_SEXES[sex],
            blocking_keys=frozenset(struct.unpack_from(f">{keys}q", data, at)),
            names_salted=bool(flags & _SALTED),
            middle_count=middles,
        )

    def to_json(self) -> str:
        """The JSON form (what releases before 4 stored; the digest is of it). Each set of
        tokens is one hex string of fixed-width tokens, sorted."""

        def opt(value: bytes | None) -> str:
            return "" if value is None else value.hex()

        def many(values: frozenset[bytes]) -> str:
            return b"".join(sorted(values)).hex()

        return json.dumps(
            {
                "v": ENCODING_VERSION,
                "nhs": opt(self.nhs),
                "g": format(self.given_bf, "x"),
                "f": format(self.family_bf, "x"),
                "a": [format(bf, "x") for bf in self.alt_bfs],
                "gf": many(self.given_forms),
                "gs": many(self.given_sound),
                "fs": many(self.family_sound),
                "d": [
                    opt(self.dob),
                    opt(self.dob_swapped),
                    opt(self.dob_month),
                    opt(self.dob_year),
                ],
                "dn": many(self.dob_near),
                "p": [
                    opt(self.postcode_unit),
                    opt(self.postcode_sector),
                    opt(self.postcode_district),
                ],
                "s": self.sex,
                "k": sorted(self.blocking_keys),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> "EncodedIdentity":
        raw = json.loads(text)
        version = raw.get("v")
        if version == 1:
            raw = _upgrade_v1(raw)
        elif version not in {2, ENCODING_VERSION}:
            raise ValueError(f"unsupported encoding version {version!r}")
        dob, swapped, month, year = (_opt(v) for v in raw["d"])
        unit, sector, district = (_opt(v) for v in raw["p"])
        return cls(
            nhs=_opt(raw["nhs"]),
            given_bf=int(raw["g"], 16),
            family_bf=int(raw["f"], 16),
            alt_bfs=tuple(int(bf, 16) for bf in raw["a"]),
            given_forms=_many(raw["gf"]),
            given_sound=_many(raw["gs"]),
            family_sound=_many(raw["fs"]),
            dob=dob,
            dob_swapped=swapped,
            dob_month=month,
            dob_year=year,
            dob_near=_many(raw["dn"]),
            postcode_unit=unit,
            postcode_sector=sector,
            postcode_district=district,
            sex=raw["s"],
            blocking_keys=frozenset(raw["k"]),
            names_salted=version == ENCODING_VERSION,
        )


def _opt(text: str) -> bytes | None:
    return bytes.fromhex(text) if text else None


def _many(text: str) -> frozenset[bytes]:
    data = bytes.fromhex(text)
    return frozenset(data[i : i + _TOKEN_BYTES] for i in range(0, len(data), _TOKEN_BYTES))


def _upgrade_v1(raw: dict[str, Any]) -> dict[str, Any]:
    """The first release stored tokens as lists of base64 strings."""

    def opt(value: str | None) -> str:
        return "" if value is None else _unb64(value).hex()

    def many(values: list[str]) -> str:
        return b"".join(sorted(_unb64(v) for v in values)).hex()

    return raw | {
        "nhs": opt(raw["nhs"]),
        "gf": many(raw["gf"]),
        "gs": many(raw["gs"]),
        "fs": many(raw["fs"]),
        "d": [opt(v) for v in raw["d"]],
        "dn": many(raw["dn"]),
        "p": [opt(v) for v in raw["p"]],
    }


@dataclass(frozen=True, slots=True)
class EncodedQuery:
    """An identity to look for: its encoding (what the hub may store), plus a wider `probe` to
    compare with and a wider set of blocking keys (swapped day/month, given/family swapped,
    previous names). Neither the probe nor the probe keys are ever stored."""

    identity: EncodedIdentity
    probe_keys: frozenset[int]
    probe: EncodedIdentity
    # The stored keys that alone can bring a strong match: the NHS number, and the date of birth
    # with the postcode sector (the names may be the other way round, which the stored keys do not
    # cover). Any other strong pair shares several keys, which lets register-time linkage skip
    # candidates that share only one (docs/adr/0013).
    anchor_keys: frozenset[int] = frozenset()
    # The stored keys under which every registration with the same first name (or a variant of
    # it) and family name is indexed, in every year of birth in scope and with no date. How many
    # involvements they reach says how common the names are, which names alone cannot outweigh
    # (see `Verdict.names_only` and docs/adr/0015). Enquiries only: registration carries none.
    name_keys: frozenset[int] = frozenset()


_ANCHOR_LABELS = frozenset({"nhs", "dob-sector"})


def _middle_words(person: NormalisedIdentity) -> list[str]:
    """Middle names and the words of other names: the first of `_alt_words`."""
    other_words = [word for name in person.other for word in name]
    return [w for w in dict.fromkeys((*person.given[1:], *other_words)) if w]


def _alt_words(person: NormalisedIdentity) -> list[str]:
    """Middle names, other names, and the parts of a double-barrelled or multi-word name."""
    words = [
        *_middle_words(person),
        *(person.family if len(person.family) > 1 else ()),
        *("".join(name) for name in person.other if len(name) > 1),
    ]
    return [w for w in dict.fromkeys(words) if w]


def _near_years(year: int, in_scope: Iterable[int]) -> list[str]:
    """Years one mistyped or two swapped digits, or one year, away from `year` (among those in
    scope, if given)."""
    text = str(year)
    near = {year - 1, year + 1}
    near.update(
        int(text[:i] + digit + text[i + 1 :]) for i in range(len(text)) for digit in "0123456789"
    )
    near.update(int(text[:i] + text[i + 1] + text[i] + text[i + 2 :]) for i in range(len(text) - 1))
    near.discard(year)
    scope = set(in_scope)
    return [str(y) for y in sorted(near) if not scope or y in scope]


def near_dates(born: date) -> list[date]:
    """The dates a record of a child born on `born` may carry by one slip (docs/adr/0024): a
    digit of the year's last two, the month or the day mistyped; two neighbouring digits of the
    year, month or day transposed; a day, ten days or a year off. Day and month swapped is
    probed for separately; the date itself is not among them."""
    text = born.strftime("%Y%m%d")
    spellings = {text[:i] + d + text[i + 1 :] for i in range(2, 8) for d in "0123456789"}
    spellings.update(text[:i] + text[i + 1] + text[i] + text[i + 2 :] for i in (2, 4, 6))
    found = {born + timedelta(days=shift) for shift in (-10, -1, 1, 10)}
    for year in (born.year - 1, born.year + 1):
        found.add(_valid_date(year, born.month, born.day) or born)
    for spelt in spellings:
        found.add(_valid_date(int(spelt[:4]), int(spelt[4:6]), int(spelt[6:])) or born)
    found.discard(born)
    return sorted(found)


def _valid_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _hmac_pads(key: bytes) -> tuple["_Hash", "_Hash"]:
    """SHA-256 states with HMAC's inner and outer key pads absorbed (RFC 2104)."""
    block = key.ljust(64, b"\0")  # keys are 32-byte HMAC outputs: never longer than a block
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))
    return inner, outer


def _swap_day_month(day: date) -> date | None:
    if day.day > 12 or day.day == day.month:
        return None
    return date(day.year, day.day, day.month)


class Encoder:
    """Encodes normalised identities with one linkage secret. Deterministic under one secret,
    unlinkable across two."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the linkage secret must be at least 32 bytes")
        self._secret = secret
        self._subkeys: dict[str, bytes] = {}
        self._pads: dict[str, tuple[_Hash, _Hash]] = {}
        self._positions = lru_cache(maxsize=65536)(self._bigram_positions)
        # Whole names too: an enquiry carries each name under every birth year in scope, and
        # common names come back all day (about 10 MiB when full).
        self._filters = lru_cache(maxsize=32768)(self._filter_of)

    def _subkey(self, label: str) -> bytes:
        key = self._subkeys.get(label)
        if key is None:
            key = hmac.new(self._secret, f"fingerpost/v1/{label}".encode(), hashlib.sha256).digest()
            self._subkeys[label] = key
        return key

    def token(self, label: str, value: str) -> bytes:
        # HMAC-SHA256 (RFC 2104) from the label's two keyed hash states, copied: the key pads are
        # hashed once per label, and each token costs four calls into OpenSSL and none into the
        # hmac module's Python. Tokens are most of the cost of encoding a row.
        pads = self._pads.get(label)
        if pads is None:
            pads = self._pads[label] = _hmac_pads(self._subkey(label))
        inner, outer = pads[0].copy(), pads[1].copy()
        inner.update(value.encode())
        outer.update(inner.digest())
        return outer.digest()[:_TOKEN_BYTES]

    def _block(self, label: str, value: str) -> int:
        return int.from_bytes(self.token("block/" + label, value), "big", signed=True)

    def _hashed(self, keys: Iterable[tuple[str, str]]) -> frozenset[int]:
        return frozenset(self._block(label, value) for label, value in keys)

    def _bigram_positions(self, label: str, gram: str) -> int:
        digest = hmac.new(self._subkey("bloom/" + label), gram.encode(), hashlib.sha256).digest()
        bits = 0
        for i in range(_BLOOM_HASHES):
            bits |= 1 << (int.from_bytes(digest[2 * i : 2 * i + 2], "big") % BLOOM_BITS)
        return bits

    def _name_filters(self, salt: str, person: NormalisedIdentity) -> NameFilters:
        # One Bloom key for every name field, so a name entered in the wrong field still agrees.
        label = f"name/{salt}" if salt else "name"
        return (
            self.bloom(label, person.first_given),
            self.bloom(label, person.family_joined),
            tuple(self.bloom(label, w) for w in _alt_words(person)),
        )

    def bloom(self, label: str, word: str) -> int:
        return self._filters(label, word) if word else 0

    def _filter_of(self, label: str, word: str) -> int:
        padded = f"_{word}_"
        bits = 0
        for i in range(len(padded) - 1):
            bits |= self._positions(label, padded[i : i + 2])
        return bits

    def _name_tokens(self, salt: str, person: NormalisedIdentity) -> "_NameTokens":
        """Nickname/transliteration forms and sounds of the names, salted (see the module doc);
        and, of the forms, those of the first given name."""
        other_words = [word for name in person.other for word in name]
        first = self._forms(salt, person.given[:1])
        # Given names written as other names ("known as") count as given forms too.
        forms = first | self._forms(salt, (*person.given[1:], *other_words))
        given_sound = frozenset(
            self.token("given-sound", f"{salt}|{phonetic(w)}") for w in person.given
        )
        family_sound = frozenset(
            self.token("family-sound", f"{salt}|{phonetic(w)}")
            for w in (person.family_joined, *person.family, *other_words)
            if w
        )
        return forms, given_sound, family_sound, first

    def _forms(self, salt: str, words: Iterable[str]) -> frozenset[bytes]:
        return frozenset(
            self.token("given-form", f"{salt}|{form}")
            for word in words
            for form in name_family(word)
        )

    def encode(
        self, person: NormalisedIdentity, *, birth_years: Iterable[int] = (), wide: bool = True
    ) -> EncodedQuery:
        """Encode `person`. `birth_years` are the years a child in scope may have been born in:
        when the date of birth is unknown, the probe carries name tokens salted with each, so a
        nickname still agrees with a record that knows the date.

        `wide=False` leaves out the extra probe keys (swapped day and month, names the other way
        round, other years): the probe keys are then the stored keys. Registration uses it — its
        linkage looks only for strong matches, which share a stored key (see ADR 0007) — and
        saves two thirds of the keyed hashes."""
        born = person.date_of_birth
        # Name tokens are salted with the year of birth so no token counts a surname nationally.
        salt = str(born.year) if born else "?"
        given_words = person.given
        family = person.family_joined
        forms, given_sound, family_sound, first_forms = self._name_tokens(salt, person)

        dob_text = born.isoformat() if born else ""
        swapped = _swap_day_month(born) if born else None
        digits = dob_text.replace("-", "")
        near = frozenset(
            self.token("dob-near", digits[:i] + "*" + digits[i + 1 :]) for i in range(len(digits))
        )
        unit = person.postcode
        sector = unit[:-2] if unit else None
        district = unit.split(" ")[0] if unit else None

        stored = self._blocking_keys(
            person,
            born,
            given_words,
            family,
            name_years=[salt],
            # Previous names, and each half of a double-barrelled name: the other agency may
            # know only one of them.
            more_families=[
                *("".join(name) for name in person.other),
                *(person.family if len(person.family) > 1 else ()),
            ],
        )
        hashed = {key: self._block(*key) for key in stored}  # each stored key hashed once
        given_bf, family_bf, alt_bfs = self._name_filters(salt, person)
        identity = EncodedIdentity(
            nhs=self.token("nhs", person.nhs_number) if person.nhs_number else None,
            given_bf=given_bf,
            family_bf=family_bf,
            alt_bfs=alt_bfs,
            given_forms=forms,
            given_sound=given_sound,
            family_sound=family_sound,
            dob=self.token("dob", dob_text) if born else None,
            dob_swapped=self.token("dob", swapped.isoformat()) if swapped else None,
            dob_month=self.token("dob-month", dob_text[:7]) if born else None,
            dob_year=self.token("dob-year", dob_text[:4]) if born else None,
            dob_near=near,
            postcode_unit=self.token("postcode", unit) if unit else None,
            postcode_sector=self.token("postcode-sector", sector) if sector else None,
            postcode_district=self.token("postcode-district", district) if district else None,
            sex=person.sex[:1],
            blocking_keys=frozenset(hashed.values()),
            middle_count=len(_middle_words(person)),
        )
        probe_keys = identity.blocking_keys
        close = near_dates(born) if born and wide else []
        if wide:
            # The other side may not know the date ("?"), or (without one here) know it, or
            # have a date a few days off across New Year.
            years = (
                [salt, "?", str(born.year - 1), str(born.year + 1)]
                if born
                else ["?", *map(str, birth_years)]
            )
            probes = self._blocking_keys(person, born, given_words, family, name_years=years)
            if swapped:
                probes |= self._blocking_keys(person, swapped, given_words, family)
            # A date one slip away, with a name mistyped beyond its sound or changed: the other
            # name's sound, or either initial, with that date (stored keys: nothing stored
            # changes; docs/adr/0024).
            probes |= self._near_date_keys(person, close, given_words, family)
            # Names entered the other way round, and previous names, are probed for as well.
            for given_alt, family_alt in self._name_variants(person):
                probes |= self._blocking_keys(person, born, given_alt, family_alt, name_years=years)
            probe_keys |= self._hashed(probes - stored)
        # The names under every year the other side may have been salted with: its date of birth
        # may be wrong in any way (a mistyped year, a sibling's date, a placeholder), or unknown
        # ("?"); older encodings are unsalted. Without this, a wrong year would make the names
        # incomparable, and the child findable only by what else agrees. Registration
        # (`wide=False`) links only strong matches, found under its own year's keys: it needs no
        # other years.
        # The name tokens (nickname forms, sounds) cost more to make than the filters: they go
        # only under the years a slip would give (one digit, two swapped, one year off), or every
        # year when this side has no date.
        if not wide:
            variant_years: list[str] = []
            token_years: list[str] = []
        elif born:
            own = born.year
            variant_years = [str(y) for y in birth_years if y != own] or _near_years(own, ())
            token_years = _near_years(own, birth_years)
        else:
            variant_years = token_years = [str(year) for year in birth_years]
        wider = [self._name_tokens(year, person) for year in token_years]
        wider.append(self._name_tokens("?", person))
        variants: dict[bytes | None, NameFilters] = {
            self.token("dob-year", year): self._name_filters(year, person) for year in variant_years
        }
        variants[None] = self._name_filters("?", person)
        variants[UNSALTED] = self._name_filters("", person)
        probe = replace(
            identity,
            first_forms=first_forms.union(*(w[3] for w in wider)),
            given_forms=identity.given_forms.union(*(w[0] for w in wider)),
            given_sound=identity.given_sound.union(*(w[1] for w in wider)),
            family_sound=identity.family_sound.union(*(w[2] for w in wider)),
            name_variants=variants,
            dob_close=frozenset(self.token("dob", day.isoformat()) for day in close),
        )
        identity.digest()  # both made here, where encoding runs (often a worker process)
        identity.to_stored()
        anchors = frozenset(h for key, h in hashed.items() if key[0] in _ANCHOR_LABELS)
        first = given_words[0] if given_words else ""
        sound = phonetic(family)  # empty for a name of vowels only: no names keys are stored then
        name_keys = (
            frozenset(
                self._block("names-year", f"{form}|{sound}|{year}")
                for form in name_family(first)
                for year in dict.fromkeys((salt, *variant_years, "?"))
            )
            if wide and first and sound
            else frozenset()
        )
        return EncodedQuery(
            identity=identity,
            probe_keys=probe_keys,
            probe=probe,
            anchor_keys=anchors,
            name_keys=name_keys,
        )

    @staticmethod
    def _name_variants(person: NormalisedIdentity) -> list[tuple[tuple[str, ...], str]]:
        variants: list[tuple[tuple[str, ...], str]] = []
        if person.given and person.family:
            variants.append((person.family, "".join(person.given)))
        variants.extend((person.given, "".join(name)) for name in person.other)
        if len(person.family) > 1:
            variants.extend((person.given, word) for word in person.family)
        return variants

    @staticmethod
    def _near_date_keys(
        person: NormalisedIdentity,
        dates: Iterable[date],
        given_words: tuple[str, ...],
        family: str,
    ) -> set[tuple[str, str]]:
        """The keys of `_blocking_keys` that pair a name's sound or an initial with the date,
        for each of `dates`."""
        first = given_words[0] if given_words else ""
        more = [word for word in person.family if len(person.family) > 1]
        families = {code for code in (phonetic(family), *map(phonetic, more)) if code}
        initials = {word[:1] for word in (family, *more) if word}
        keys: set[tuple[str, str]] = set()
        for day in (d.isoformat() for d in dates):
            keys.update(("family-dob", f"{code}|{day}") for code in families)
            keys.update(("dob-family-initial", f"{day}|{i}") for i in initials)
            if first:
                keys.add(("dob-given-initial", f"{day}|{first[:1]}"))
        return keys

    def _blocking_keys(
        self,
        person: NormalisedIdentity,
        born: date | None,
        given_words: tuple[str, ...],
        family: str,
        *,
        name_years: Iterable[str] = (),
        more_families: Iterable[str] = (),
    ) -> set[tuple[str, str]]:
        """Compound keys as (label, value), hashed by the caller once each. Each is tolerant of
        a different kind of mess; a true pair needs to share only one of them to reach scoring.
        No key is a single name: each pairs a name with a date, a postcode sector or another name
        salted by the year of birth (see ADR 0002).

        `name_years` are the years (or "?") the names-only keys are salted with: the record's own
        year when stored; when probing, also "?" (the other side may not know the date) and,
        without a date, every year a child in scope may have been born in."""
        keys: set[tuple[str, str]] = set()
        if person.nhs_number:
            keys.add(("nhs", person.nhs_number))
        first = given_words[0] if given_words else ""
        # Nickname and transliteration forms of the first given name, and its sound, so that
        # "Jena" meets "Jenna" and "Ollie" meets "Oliver" in the same block.
        firsts = (name_family(first) | {"~" + phonetic(first)}) if first else frozenset()
        families = {code for code in (phonetic(family), *map(phonetic, more_families)) if code}
        # Initials survive most typos and transpositions that change a name's sound ("Menpsah").
        given_initial = first[:1]
        family_initials = {word[:1] for word in (family, *more_families) if word}
        sector = person.postcode[:-2] if person.postcode else ""
        if born:
            day, month = born.isoformat(), born.isoformat()[:7]
            keys.update(("family-dob", f"{code}|{day}") for code in families)
            keys.update(("given-dob", f"{form}|{day}") for form in firsts)
            # Both names mistyped beyond their sounds: the date and the initials still agree.
            keys.update(("dob-family-initial", f"{day}|{i}") for i in family_initials)
            if given_initial:
                keys.add(("dob-given-initial", f"{day}|{given_initial}"))
            # One digit off in the day still leaves the month.
            keys.update(("family-month", f"{code}|{month}") for code in families)
            keys.update(("given-month", f"{form}|{month}") for form in firsts)
            if sector:
                keys.add(("dob-sector", f"{day}|{sector}"))
            # A mistyped year of birth still leaves the day and month.
            keys.update(
                ("names-day", f"{form}|{code}|{day[5:]}") for form in firsts for code in families
            )
        keys.update(
            ("names-year", f"{form}|{code}|{year}")
            for form in firsts
            for code in families
            for year in name_years
        )
        # One name mistyped beyond its sound and the date off by more than a digit: the other
        # name, the other's initial and the year.
        keys.update(
            ("given-year-initial", f"{form}|{i}|{year}")
            for form in (first, "~" + phonetic(first))
            for i in family_initials
            for year in name_years
            if first
        )
        keys.update(
            ("family-year-initial", f"{code}|{given_initial}|{year}")
            for code in families
            for year in name_years
            if given_initial
        )
        if sector:
            # A new family name, or one mistyped beyond its sound, at the same address.
            keys.update(("family-sector", f"{code}|{sector}") for code in families)
            keys.update(("given-sector", f"{form}|{sector}") for form in firsts)
        return keys
