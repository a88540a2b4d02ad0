"""Blocking rules as a table: which parts of a record make which compound key.

A true pair needs to share only one key to reach scoring, so each rule is tolerant of a different
kind of mess. No key is a single name: each pairs a name with a date, a postcode sector or another
name salted by the year of birth, so that counting equal keys does not give a common surname away
(docs/adr/0002). A key's value is its parts joined with "|", one key per combination of the
parts' values (a name has several forms; a probe has several dates and years). The keys are
hashed by the encoder (`KeyedHash.block`) under the label "block/<label>".
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import product

from fingerpost.matching.normalise import name_family, phonetic

__all__ = [
    "ANCHOR_LABELS",
    "FAMILY_RULES",
    "NEAR_DATE_RULES",
    "NEAR_DATE_SOUND_RULES",
    "RULES",
    "Rule",
    "keys",
    "parts",
]

# The parts a rule may name, and what each holds:
_PARTS = {
    "nhs": "the NHS number",
    "first": "the first given name's nickname and transliteration forms, and '~' + its sound",
    "first_or_sound": "the first given name itself, and '~' + its sound",
    "given_initial": "the first given name's initial",
    "family": "the sounds of the family name (and of its other forms, where asked)",
    "family_initial": "the initials of the family name (and of its other forms)",
    "day": "the date of birth, ISO (or each of the dates asked about)",
    "month": "the year and month of birth",
    "day_month": "the month and day of birth",
    "sector": "the postcode sector",
    "year": "the years the names-only keys are salted with (the year of birth, or '?')",
}


@dataclass(frozen=True, slots=True)
class Rule:
    label: str
    parts: tuple[str, ...]  # joined with "|" in this order
    # The key alone can bring a strong match: any other strong pair shares several keys, which
    # lets register-time linkage skip candidates that share only one (docs/adr/0013).
    anchor: bool = False
    # When probing, also made with each date one slip from the child's (docs/adr/0024).
    near_dates: bool = False


_TABLE = (
    Rule("nhs", ("nhs",), anchor=True),
    Rule("family-dob", ("family", "day"), near_dates=True),
    # Nickname and transliteration forms of the first given name, and its sound, so that "Jena"
    # meets "Jenna" and "Ollie" meets "Oliver" in the same block.
    Rule("given-dob", ("first", "day")),
    # Both names mistyped beyond their sounds: the date and the initials still agree (initials
    # survive most typos and transpositions that change a name's sound: "Menpsah").
    Rule("dob-family-initial", ("day", "family_initial"), near_dates=True),
    Rule("dob-given-initial", ("day", "given_initial"), near_dates=True),
    # One digit off in the day still leaves the month.
    Rule("family-month", ("family", "month")),
    Rule("given-month", ("first", "month")),
    Rule("dob-sector", ("day", "sector"), anchor=True),
    # A mistyped year of birth still leaves the day and month.
    Rule("names-day", ("first", "family", "day_month")),
    Rule("names-year", ("first", "family", "year")),
    # One name mistyped beyond its sound and the date off by more than a digit: the other name,
    # the other's initial and the year.
    Rule("given-year-initial", ("first_or_sound", "family_initial", "year")),
    Rule("family-year-initial", ("family", "given_initial", "year")),
    # A new family name, or one mistyped beyond its sound, at the same address.
    Rule("family-sector", ("family", "sector")),
    Rule("given-sector", ("first", "sector")),
    # Both names mistyped beyond their sounds and the date wrong or missing, at the same address:
    # the initials still agree ("Rakhel Trakey Tcwnsend", "Rachel Tracey Townsend").
    Rule("sector-initials", ("sector", "given_initial", "family_initial")),
)


def _checked(rules: Sequence[Rule]) -> tuple[Rule, ...]:
    """The table, refused at import if a rule names a part there is none of or a label twice."""
    labels = [rule.label for rule in rules]
    if len(set(labels)) != len(labels):
        raise ValueError(f"blocking rules: a label used twice in {labels}")
    for rule in rules:
        unknown = set(rule.parts) - _PARTS.keys()
        if not rule.parts or unknown:
            raise ValueError(f"blocking rule {rule.label!r}: unknown parts {sorted(unknown)}")
    return tuple(rules)


RULES = _checked(_TABLE)
ANCHOR_LABELS = frozenset(rule.label for rule in RULES if rule.anchor)
NEAR_DATE_RULES = tuple(rule for rule in RULES if rule.near_dates)
# Of those, the ones probed for the names the other way round too: a name's sound with each near
# date stays narrow, an initial with each of some forty dates does not (docs/adr/0036).
NEAR_DATE_SOUND_RULES = tuple(rule for rule in NEAR_DATE_RULES if "family" in rule.parts)
# The rules that pair a given name with the family name (or its initial): a probe for a middle
# name as the first uses only these (docs/adr/0036).
FAMILY_RULES = tuple(
    rule
    for rule in RULES
    if {"family", "family_initial"} & set(rule.parts)
    and {"first", "first_or_sound", "given_initial"} & set(rule.parts)
)

Parts = dict[str, tuple[str, ...]]


def parts(
    *,
    nhs: str | None,
    postcode: str | None,
    days: Iterable[date],
    given_words: tuple[str, ...],
    family: str,
    name_years: Iterable[str] = (),
    more_families: Iterable[str] = (),
) -> Parts:
    """The values of every part, for a record's names (`given_words`, `family` and its other
    forms `more_families`: previous names, halves of a double-barrelled name), dates of birth
    (none, its own, or those probed for) and the years its names-only keys are salted with."""
    isos = tuple(day.isoformat() for day in days)
    sector = postcode[:-2] if postcode else ""
    values = _name_parts(given_words[0] if given_words else "", family, tuple(more_families))
    return values | {
        "nhs": (nhs,) if nhs else (),
        "day": isos,
        "month": _distinct([iso[:7] for iso in isos]),
        "day_month": _distinct([iso[5:] for iso in isos]),
        "sector": (sector,) if sector else (),
        "year": tuple(name_years),
    }


@lru_cache(maxsize=1024)  # a household's or an enquiry's names; whole sets seldom recur (ADR 0050)
def _name_parts(first: str, family: str, more: tuple[str, ...]) -> Parts:
    """The parts made of names: names recur, so they are made once each."""
    sound = "~" + phonetic(first)
    return {
        "first": (*name_family(first), sound) if first else (),
        "first_or_sound": (first, sound) if first else (),
        "given_initial": (first[:1],) if first else (),
        "family": _distinct(phonetic(word) for word in (family, *more)),
        "family_initial": _distinct(word[:1] for word in (family, *more)),
    }


def _distinct(values: Iterable[str]) -> tuple[str, ...]:
    """The non-empty values, each once."""
    return tuple(value for value in dict.fromkeys(values) if value)


def keys(values: Parts, rules: Iterable[Rule] = RULES) -> set[tuple[str, str]]:
    """Every key (label, value) the rules make of the parts' values."""
    made: set[tuple[str, str]] = set()
    for rule in rules:
        sets = [values[name] for name in rule.parts]
        if all(sets):
            made.update(_combined(rule.label, sets))
    return made


def _combined(label: str, sets: list[tuple[str, ...]]) -> list[tuple[str, str]]:
    """One key per combination of the parts' values. The common shapes are written out: this
    runs for every row of every feed."""
    if len(sets) == 1:
        return [(label, a) for a in sets[0]]
    if len(sets) == 2:
        return [(label, f"{a}|{b}") for a in sets[0] for b in sets[1]]
    if len(sets) == 3:
        return [(label, f"{a}|{b}|{c}") for a in sets[0] for b in sets[1] for c in sets[2]]
    return [(label, "|".join(parts)) for parts in product(*sets)]
