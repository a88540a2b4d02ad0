"""Probe widening: what else an enquiry looks for, beyond what the child's own record would be
stored under. The other agency may have the day and month swapped, a date one slip away, the
names the other way round, a previous name, or a different (or no) year of birth, under which
their names were salted. None of this is ever stored (docs/adr/0002, 0011, 0024)."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from fingerpost.matching.normalise import NormalisedIdentity

__all__ = [
    "ProbeYears",
    "middle_as_first",
    "name_variants",
    "near_dates",
    "near_years",
    "probe_years",
    "swap_day_month",
    "swapped_names",
]


def swap_day_month(day: date) -> date | None:
    """The date with day and month swapped, where that is another valid date."""
    if day.day > 12 or day.day == day.month:
        return None
    return date(day.year, day.day, day.month)


def near_years(year: int, in_scope: Iterable[int]) -> list[str]:
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


def swapped_names(person: NormalisedIdentity) -> tuple[tuple[str, ...], str] | None:
    """(given words, family name) with the given and family names the other way round."""
    if person.given and person.family:
        return person.family, "".join(person.given)
    return None


def middle_as_first(person: NormalisedIdentity) -> list[tuple[tuple[str, ...], str]]:
    """(given words, family name) with a middle name as the first: the child goes by it, or the
    names are in another order. Probed only with the family name (`blocking.FAMILY_RULES`): a
    middle name with a date alone reaches strangers born that day (docs/adr/0036)."""
    first = person.first_given
    return [
        ((middle, first), person.family_joined)
        for middle in dict.fromkeys(person.given[1:])
        if middle != first
    ]


def name_variants(person: NormalisedIdentity) -> list[tuple[tuple[str, ...], str]]:
    """(given words, family name) the other agency may hold instead: the names the other way
    round, a previous name as the family name, each half of a double-barrelled name."""
    variants: list[tuple[tuple[str, ...], str]] = []
    swapped = swapped_names(person)
    if swapped:
        variants.append(swapped)
    variants.extend((person.given, "".join(name)) for name in person.other)
    if len(person.family) > 1:
        variants.extend((person.given, word) for word in person.family)
    return variants


@dataclass(frozen=True, slots=True)
class ProbeYears:
    """The salts (years, or "?" for no date) a probe carries its names under, besides its own."""

    # Of the names-only probe keys: the other side may not know the date ("?"), or (without
    # one here) know it, or have a date a few days off across New Year.
    keys: tuple[str, ...]
    # Of the name filters: every year in scope but its own (or, with no scope, those a slip
    # away); every year when this side has no date.
    filters: tuple[str, ...]
    # Of the name tokens (nickname forms, sounds), which cost more to make than the filters:
    # only the years a slip would give (one digit, two swapped, one year off), or every year
    # when this side has no date.
    tokens: tuple[str, ...]


NARROW = ProbeYears((), (), ())


def probe_years(born: date | None, birth_years: Iterable[int], *, wide: bool) -> ProbeYears:
    """The other side's date of birth may be wrong in any way (a mistyped year, a sibling's
    date, a placeholder), or unknown ("?"); without the names under its year they would be
    incomparable, and the child findable only by what else agrees. Registration (not `wide`)
    links only strong matches, found under its own year's keys: it needs no other years."""
    if not wide:
        return NARROW
    in_scope = list(birth_years)
    if born is None:
        every = tuple(str(year) for year in in_scope)
        return ProbeYears(keys=("?", *every), filters=every, tokens=every)
    own = born.year
    return ProbeYears(
        keys=(str(own), "?", str(own - 1), str(own + 1)),
        filters=tuple(str(y) for y in in_scope if y != own) or tuple(near_years(own, ())),
        tokens=tuple(near_years(own, in_scope)),
    )
