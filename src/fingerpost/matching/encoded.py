"""What the encoder makes: a child as the hub sees it (`EncodedIdentity`) and what is asked
(`EncodedQuery`). Every field is keyed with the linkage secret, useless without it. How they are
made is `encode.py`'s; how they are stored is `codec.py`'s."""

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from operator import attrgetter
from typing import Any, TypeVar

from fingerpost.matching import codec

__all__ = ["UNSALTED", "EncodedIdentity", "EncodedQuery", "NameFilters", "compact_pickling"]

C = TypeVar("C", bound=type)


def _rebuilt(cls: Callable[..., Any], values: tuple[Any, ...], later: tuple[Any, ...]) -> Any:
    made = cls(*values)
    for name, value in later:
        object.__setattr__(made, name, value)
    return made


def compact_pickling(cls: C) -> C:
    """Pickle a frozen, slotted dataclass as its constructor's arguments in one tuple (and its
    fields set later, when not empty). What an encoding worker sends back to the storing process
    is pickled, and the dataclass default runs a Python loop over `fields()` per object on each
    side: unpickling an encoding took 50 µs, 21 µs this way (docs/adr/0037). Values unchanged.
    """
    names = [f.name for f in fields(cls) if f.init]
    later = tuple(f.name for f in fields(cls) if not f.init)
    values = attrgetter(*names) if len(names) > 1 else lambda made: (getattr(made, names[0]),)

    def __reduce__(self: Any) -> tuple[Any, ...]:  # noqa: N807 - the pickle protocol's name
        set_later = tuple((name, value) for name in later if (value := getattr(self, name)))
        return (_rebuilt, (cls, values(self), set_later))

    cls.__reduce__ = __reduce__  # type: ignore[assignment]
    return cls


# Given, family and other names' filters under one salt.
NameFilters = tuple[int, int, tuple[int, ...]]
UNSALTED = b"unsalted"  # the key of the filters older (version 1 and 2) encodings compare with


@compact_pickling
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
            object.__setattr__(self, "_stored", codec.pack(self))
        return self._stored

    @classmethod
    def from_stored(cls, data: bytes) -> "EncodedIdentity":
        """Read a stored form: packed, or JSON as releases before 4 stored it."""
        if data[:1] == b"{":
            return cls.from_json(data.decode())
        return cls(**codec.unpack(data))

    def to_json(self) -> str:
        """The JSON form (what releases before 4 stored; the digest is of it)."""
        return codec.to_json(self)

    @classmethod
    def from_json(cls, text: str) -> "EncodedIdentity":
        return cls(**codec.from_json(text))


@compact_pickling
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
