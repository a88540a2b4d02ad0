"""Keyed encodings of a normalised identity: what the hub stores instead of the child.

Two kinds of encoding, both keyed with the linkage secret that only gateways hold (`keyed.py`):
tokens (truncated HMAC-SHA256 of a labelled value) for exact comparisons, and Bloom filters of a
name's bigrams for fuzzy ones (Dice).

Names are never encoded as a bare single-field token: name tokens *and name Bloom filters* are
salted with the year of birth, and blocking keys are compound (`blocking.py`: a name with a date,
a date with a postcode sector), so that counting equal encodings does not give a common surname
away. What is asked (the probe, never stored) carries its names' filters under every year the
other side may have been salted with (`widen.py`). See docs/adr/0002, 0011 and 0031.

The encoding of a child must stay the same bit for bit across releases: hubs store it.
`tests/unit/test_golden_encodings.py` holds every output field of a few hundred children.
"""

import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

from fingerpost.matching import blocking, widen
from fingerpost.matching.codec import ENCODING_VERSION
from fingerpost.matching.encoded import UNSALTED, EncodedIdentity, EncodedQuery, NameFilters
from fingerpost.matching.keyed import BLOOM_BITS, KeyedHash, dice
from fingerpost.matching.normalise import NormalisedIdentity, name_family, phonetic
from fingerpost.matching.widen import near_dates

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

# Per-name work is remembered for this many whole name sets (each entry a few kilobytes at most):
# enough for one enquiry's salts and a household's children. A whole name set seldom recurs
# between children (5 % of a 100,000-row feed), so more only held memory (docs/adr/0050).
_NAMES_KEPT = 1024


@dataclass(frozen=True, slots=True)
class _NameTokens:
    """A name's nickname/transliteration forms, given sounds and family sounds under one salt;
    and, of the forms, those of the first given name."""

    forms: frozenset[bytes]
    given_sound: frozenset[bytes]
    family_sound: frozenset[bytes]
    first_forms: frozenset[bytes]


class _Names(NamedTuple):
    """The words of a child's names, as the encoder uses them. A tuple: per-name work is
    remembered by it, and a tuple hashes and compares in C."""

    given: tuple[str, ...]
    family: tuple[str, ...]
    family_joined: str
    other: tuple[tuple[str, ...], ...]
    alt_words: tuple[str, ...]  # middle names and other names, then parts of the family name
    middle_count: int  # how many of `alt_words` are middle or other names

    @classmethod
    def of(cls, person: NormalisedIdentity) -> "_Names":
        other_words = [word for name in person.other for word in name]
        middles = [w for w in dict.fromkeys((*person.given[1:], *other_words)) if w]
        words = [
            *middles,
            *(person.family if len(person.family) > 1 else ()),
            *("".join(name) for name in person.other if len(name) > 1),
        ]
        return cls(
            given=person.given,
            family=person.family,
            family_joined=person.family_joined,
            other=person.other,
            alt_words=tuple(w for w in dict.fromkeys(words) if w),
            middle_count=len(middles),
        )

    @property
    def first(self) -> str:
        return self.given[0] if self.given else ""

    @property
    def more_families(self) -> list[str]:
        """Previous names, and each half of a double-barrelled name: the other agency may know
        only one of them."""
        return [
            *("".join(name) for name in self.other),
            *(self.family if len(self.family) > 1 else ()),
        ]


class Encoder:
    """Encodes normalised identities with one linkage secret. Deterministic under one secret,
    unlinkable across two."""

    def __init__(self, secret: bytes) -> None:
        self._keyed = KeyedHash(secret)
        token = self._keyed.tokener
        # An NHS number is one child's, and a blocking key's value combines a name with a date,
        # a postcode sector or a year: all but unique, so not remembered (docs/adr/0050).
        self._nhs = token("nhs", kept=False)
        self._dob, self._dob_near = token("dob"), token("dob-near")
        self._dob_month, self._dob_year = token("dob-month"), token("dob-year")
        self._postcode, self._sector = token("postcode"), token("postcode-sector")
        self._district = token("postcode-district")
        self._given_form, self._given_sound = token("given-form"), token("given-sound")
        self._family_sound = token("family-sound")
        self._name_tokens = lru_cache(maxsize=_NAMES_KEPT)(self._name_tokens_of)
        self._name_filters = lru_cache(maxsize=_NAMES_KEPT)(self._name_filters_of)
        self._blocks: dict[str, Callable[[str], bytes]] = {
            rule.label: token("block/" + rule.label, kept=False) for rule in blocking.RULES
        }

    def token(self, label: str, value: str) -> bytes:
        return self._keyed.token(label, value)

    def bloom(self, label: str, word: str) -> int:
        return self._keyed.bloom(label, word)

    def _hashed(self, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Each blocking key (label, value) as the signed 64-bit integer the hub indexes: the
        8-byte tokens joined and read in one call (`int.from_bytes(token, "big", signed=True)`
        each, without a Python-level call per key)."""
        blocks = self._blocks
        listed = list(keys)
        joined = b"".join([blocks[label](value) for label, value in listed])
        return dict(zip(listed, _signed64s(len(listed)).unpack(joined), strict=True))

    def _name_filters_of(self, salt: str, names: _Names) -> NameFilters:
        # One Bloom key for every name field, so a name entered in the wrong field still agrees.
        label = f"name/{salt}" if salt else "name"
        bloom = self._keyed.bloom
        return (
            bloom(label, names.first),
            bloom(label, names.family_joined),
            tuple(bloom(label, w) for w in names.alt_words),
        )

    def _name_tokens_of(self, salt: str, names: _Names) -> _NameTokens:
        """Nickname/transliteration forms and sounds of the names, salted (see the module doc)."""
        other_words = [word for name in names.other for word in name]
        first = self._forms(salt, names.given[:1])
        # Given names written as other names ("known as") count as given forms too.
        forms = first | self._forms(salt, (*names.given[1:], *other_words))
        given_sound = frozenset(self._given_sound(f"{salt}|{phonetic(w)}") for w in names.given)
        family_sound = frozenset(
            self._family_sound(f"{salt}|{phonetic(w)}")
            for w in (names.family_joined, *names.family, *other_words)
            if w
        )
        return _NameTokens(forms, given_sound, family_sound, first)

    def _forms(self, salt: str, words: Iterable[str]) -> frozenset[bytes]:
        form = self._given_form
        return frozenset(form(f"{salt}|{f}") for word in words for f in name_family(word))

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
        names = _Names.of(person)
        stored = blocking.keys(
            blocking.parts(
                nhs=person.nhs_number,
                postcode=person.postcode,
                days=[born] if born else [],
                given_words=names.given,
                family=names.family_joined,
                name_years=[salt],
                more_families=names.more_families,
            )
        )
        hashed = self._hashed(stored)  # each stored key hashed once
        own = self._name_tokens(salt, names)
        fields = self._stored_fields(person, names, salt, own, frozenset(hashed.values()))
        identity = EncodedIdentity(**fields)
        years = widen.probe_years(born, birth_years, wide=wide)
        close = near_dates(born) if born and wide else []
        probe_keys = identity.blocking_keys
        if wide:
            probe_keys |= frozenset(
                self._hashed(_probe_keys(person, names, years, close) - stored).values()
            )
        probe = EncodedIdentity(**fields | self._probe_fields(own, names, years, close))
        identity.digest()  # both made here, where encoding runs (often a worker process)
        identity.to_stored()
        return EncodedQuery(
            identity=identity,
            probe_keys=probe_keys,
            probe=probe,
            anchor_keys=frozenset(
                h for key, h in hashed.items() if key[0] in blocking.ANCHOR_LABELS
            ),
            name_keys=self._name_keys(names, salt, years) if wide else frozenset(),
        )

    def _stored_fields(
        self,
        person: NormalisedIdentity,
        names: _Names,
        salt: str,
        tokens: _NameTokens,
        keys: frozenset[int],
    ) -> dict[str, Any]:
        """The fields of the encoding the hub may store."""
        born = person.date_of_birth
        dob_text = born.isoformat() if born else ""
        swapped = widen.swap_day_month(born) if born else None
        digits = dob_text.replace("-", "")
        unit = person.postcode
        sector = unit[:-2] if unit else None
        district = unit.split(" ")[0] if unit else None
        given_bf, family_bf, alt_bfs = self._name_filters(salt, names)
        return {
            "nhs": self._nhs(person.nhs_number) if person.nhs_number else None,
            "given_bf": given_bf,
            "family_bf": family_bf,
            "alt_bfs": alt_bfs,
            "given_forms": tokens.forms,
            "given_sound": tokens.given_sound,
            "family_sound": tokens.family_sound,
            "dob": self._dob(dob_text) if born else None,
            "dob_swapped": self._dob(swapped.isoformat()) if swapped else None,
            "dob_month": self._dob_month(dob_text[:7]) if born else None,
            "dob_year": self._dob_year(dob_text[:4]) if born else None,
            "dob_near": frozenset(
                self._dob_near(digits[:i] + "*" + digits[i + 1 :]) for i in range(len(digits))
            ),
            "postcode_unit": self._postcode(unit) if unit else None,
            "postcode_sector": self._sector(sector) if sector else None,
            "postcode_district": self._district(district) if district else None,
            "sex": person.sex[:1],
            "blocking_keys": keys,
            "middle_count": names.middle_count,
        }

    def _probe_fields(
        self, own: _NameTokens, names: _Names, years: widen.ProbeYears, close: list[date]
    ) -> dict[str, Any]:
        """What the probe carries beyond the stored fields: the names under every year the other
        side may have been salted with (`widen.probe_years`), and the dates one slip away."""
        wider = [self._name_tokens(year, names) for year in years.tokens]
        wider.append(self._name_tokens("?", names))
        variants: dict[bytes | None, NameFilters] = {
            self._dob_year(year): self._name_filters(year, names) for year in years.filters
        }
        variants[None] = self._name_filters("?", names)
        variants[UNSALTED] = self._name_filters("", names)
        return {
            "first_forms": own.first_forms.union(*(w.first_forms for w in wider)),
            "given_forms": own.forms.union(*(w.forms for w in wider)),
            "given_sound": own.given_sound.union(*(w.given_sound for w in wider)),
            "family_sound": own.family_sound.union(*(w.family_sound for w in wider)),
            "name_variants": variants,
            "dob_close": frozenset(self._dob(day.isoformat()) for day in close),
        }

    def _name_keys(self, names: _Names, salt: str, years: widen.ProbeYears) -> frozenset[int]:
        """The names-year keys of the first name's forms and the family name's sound in every
        year (see `EncodedQuery.name_keys`)."""
        first = names.first
        sound = phonetic(names.family_joined)  # empty for a name of vowels only: no keys then
        if not (first and sound):
            return frozenset()
        block = self._blocks["names-year"]
        return frozenset(
            int.from_bytes(block(f"{form}|{sound}|{year}"), "big", signed=True)
            for form in name_family(first)
            for year in dict.fromkeys((salt, *years.filters, "?"))
        )


@lru_cache(maxsize=256)
def _signed64s(count: int) -> struct.Struct:
    """`count` big-endian signed 64-bit integers (`keyed.TOKEN_BYTES` is 8)."""
    return struct.Struct(f">{count}q")


def _probe_keys(
    person: NormalisedIdentity, names: _Names, years: widen.ProbeYears, close: list[date]
) -> set[tuple[str, str]]:
    """The keys an enquiry looks under beyond its own: every names-only key under the probe's
    years; the date with day and month swapped; a date one slip away with a name's sound or an
    initial (nothing stored changes: docs/adr/0024); the names the other way round and previous
    names."""
    born = person.date_of_birth
    days = [born] if born else []

    def parts(given: tuple[str, ...], family: str, **more: Any) -> blocking.Parts:
        return blocking.parts(
            nhs=person.nhs_number,
            postcode=person.postcode,
            given_words=given,
            family=family,
            **({"days": days} | more),
        )

    probes = blocking.keys(parts(names.given, names.family_joined, name_years=years.keys))
    swapped = widen.swap_day_month(born) if born else None
    if swapped:
        probes |= blocking.keys(parts(names.given, names.family_joined, days=[swapped]))
    halves = names.family if len(names.family) > 1 else ()
    probes |= blocking.keys(
        parts(names.given, names.family_joined, days=close, more_families=halves),
        blocking.NEAR_DATE_RULES,
    )
    swapped_names = widen.swapped_names(person)  # the names the other way round, too
    if swapped_names:
        probes |= blocking.keys(parts(*swapped_names, days=close), blocking.NEAR_DATE_SOUND_RULES)
    for given_alt, family_alt in widen.name_variants(person):
        probes |= blocking.keys(parts(given_alt, family_alt, name_years=years.keys))
    for given_alt, family_alt in widen.middle_as_first(person):
        probes |= blocking.keys(
            parts(given_alt, family_alt, name_years=years.keys), blocking.FAMILY_RULES
        )
    return probes
