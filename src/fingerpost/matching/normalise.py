"""Turn what an agency typed into comparable forms, before anything is encoded.

Everything here works on one record at a time and is idempotent: normalising a normalised name
changes nothing.
"""

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources

import jellyfish
from nicknames import NickNamer

__all__ = [
    "ChildIdentity",
    "NormalisedIdentity",
    "fold",
    "name_family",
    "normalise",
    "phonetic",
    "split_names",
]

# Letters NFKD does not decompose into an ASCII base letter.
_SPECIAL_LETTERS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "æ": "ae", "œ": "oe", "ß": "ss"}
)
_APOSTROPHES = re.compile(r"['’`´‘]")
_SEPARATORS = re.compile(r"[^a-z]+")
# Particles written joined, spaced, hyphenated or not at all: "al-Hassan", "Van der Berg".
PARTICLES = frozenset(
    {
        "al",
        "el",
        "bin",
        "ibn",
        "bint",
        "van",
        "von",
        "der",
        "den",
        "de",
        "da",
        "di",
        "du",
        "la",
        "le",
    }
)


def fold(text: str) -> str:
    """Case-fold, strip diacritics, drop apostrophes, and reduce separators to single spaces."""
    text = unicodedata.normalize("NFKD", text.casefold().translate(_SPECIAL_LETTERS))
    text = _APOSTROPHES.sub("", "".join(ch for ch in text if not unicodedata.combining(ch)))
    return _SEPARATORS.sub(" ", text).strip()


def split_names(text: str) -> tuple[str, ...]:
    """The words of a name field, particles kept attached to the word they introduce."""
    words = fold(text).split()
    out: list[str] = []
    prefix = ""
    for word in words:
        if word in PARTICLES and len(words) > 1:
            prefix += word
            continue
        out.append(prefix + word)
        prefix = ""
    if prefix:
        out.append(prefix)
    return tuple(out)


@cache
def _nicknamer() -> NickNamer:
    return NickNamer()


@cache
def _transliterations() -> dict[str, str]:
    """Spelling → the canonical spelling of its family, from the shipped table."""
    table: dict[str, str] = {}
    source = resources.files("fingerpost.matching").joinpath("data/transliterations.csv")
    with source.open(encoding="utf-8") as handle:
        for row in csv.reader(line for line in handle if not line.startswith("#")):
            spellings = [fold(cell) for cell in row if cell.strip()]
            for spelling in spellings:
                table.setdefault(spelling, spellings[0])
    return table


@cache
def name_family(word: str) -> frozenset[str]:
    """The forms a given name may appear under: itself, the names it is a nickname of, and the
    canonical spelling of its transliteration family. Two names agree when their families meet."""
    forms = {word, *_nicknamer().canonicals_of(word)}
    canonical = _transliterations().get(word)
    if canonical:
        forms.add(canonical)
    return frozenset(forms)


@cache
def phonetic(word: str) -> str:
    """A sound-alike code (Metaphone) so that Smith/Smyth and Stephen/Steven agree."""
    return str(jellyfish.metaphone(word)) if word else ""


@dataclass(frozen=True, slots=True)
class ChildIdentity:
    """A child's details as the agency holds them, already validated. Lives only at the gateway."""

    given_names: str = ""
    family_name: str = ""
    other_names: tuple[str, ...] = ()
    date_of_birth: date | None = None
    sex: str = ""
    postcode: str | None = None
    nhs_number: str | None = None


@dataclass(frozen=True, slots=True)
class NormalisedIdentity:
    given: tuple[str, ...] = ()
    family: tuple[str, ...] = ()
    other: tuple[tuple[str, ...], ...] = ()
    date_of_birth: date | None = None
    sex: str = ""
    postcode: str | None = None
    nhs_number: str | None = None
    # Derived for convenience; always consistent with the fields above.
    family_joined: str = field(default="", init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "family_joined", "".join(self.family))

    @property
    def first_given(self) -> str:
        return self.given[0] if self.given else ""


def normalise(child: ChildIdentity) -> NormalisedIdentity:
    sex = child.sex if child.sex in {"male", "female"} else ""
    return NormalisedIdentity(
        given=split_names(child.given_names),
        family=split_names(child.family_name),
        other=tuple(words for name in child.other_names if (words := split_names(name))),
        date_of_birth=child.date_of_birth,
        sex=sex,
        postcode=child.postcode,
        nhs_number=child.nhs_number,
    )
