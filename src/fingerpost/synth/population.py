"""Who the invented children are called: the realistic names of England (docs/adr/0039) or the
older pools drawn from Faker's locales, with postcodes for both."""

from __future__ import annotations

import random
from bisect import bisect_right
from functools import cache
from itertools import accumulate

from faker import Faker

from fingerpost.synth.frequencies import family_shares, given_shares
from fingerpost.synth.names import CURATED_FAMILY, CURATED_GIVEN, LOCALE_SHARES
from fingerpost.synth.tail import RankedNames, family_names, given_names

__all__ = ["NAME_SOURCES", "Pools", "RealisticNames", "default_names"]

# Where children's names come from: `realistic`, England's frequencies (ADR 0039; the own
# world's default), or `locales`, Faker's locales in fixed shares (the independent world's, and
# the own world's before ADR 0039).
NAME_SOURCES = ("realistic", "locales")


def default_names(world: str) -> str:
    """The own world's children have England's name frequencies (ADR 0039); the independent
    world keeps the locale pools its figures (ADR 0036) were measured with."""
    return "realistic" if world == "own" else "locales"


class Pools:
    """Name pools drawn once from Faker: calling Faker per row would be the slow part."""

    def __init__(self, rng: random.Random, seed: int) -> None:
        self.given: dict[str, dict[str, list[str]]] = {}
        self.family: dict[str, list[str]] = {}
        for locale in LOCALE_SHARES:
            if locale == "curated":
                self.given[locale] = {
                    sex: [n for n, s in CURATED_GIVEN if s == sex] for sex in ("male", "female")
                }
                self.family[locale] = list(CURATED_FAMILY)
                continue
            fake = Faker(locale)
            fake.seed_instance(seed)
            size = 400 if locale == "en_GB" else 120
            self.given[locale] = {
                "male": sorted({fake.first_name_male() for _ in range(size)}),
                "female": sorted({fake.first_name_female() for _ in range(size)}),
            }
            self.family[locale] = sorted({fake.last_name() for _ in range(size * 2)})
        fake = Faker("en_GB")
        fake.seed_instance(seed)
        self.postcodes = sorted({fake.postcode() for _ in range(20_000)})
        self.rng = rng
        self.locales = list(LOCALE_SHARES)
        self.shares = list(LOCALE_SHARES.values())

    def locale(self) -> str:
        return self.rng.choices(self.locales, self.shares)[0]


@cache
def _cumulative(kind: str) -> tuple[float, ...]:
    shares = family_shares() if kind == "family" else given_shares(kind)
    return tuple(accumulate(shares))


class RealisticNames:
    """Family and given names drawn with England's frequencies: a child is a Smith about once in
    a hundred, and most family names are borne by a handful of children in a million."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.names: dict[str, RankedNames] = {
            "family": family_names(),
            "male": given_names("male"),
            "female": given_names("female"),
        }

    def draw(self, kind: str) -> str:
        """A name of `kind` ("family", "male" or "female") at its frequency in England."""
        cumulative = _cumulative(kind)
        rank = bisect_right(cumulative, self.rng.random() * cumulative[-1])
        return self.names[kind][min(rank, len(cumulative) - 1)]
