"""Encoding with the linkage secret: the step that turns a child into what the hub may hold."""

from datetime import date

from fingerpost.domain.values import MAX_AGE_YEARS
from fingerpost.matching.encode import EncodedQuery, Encoder
from fingerpost.matching.normalise import ChildIdentity, normalise

__all__ = ["Gateway"]


class Gateway:
    def __init__(self, linkage_secret: bytes) -> None:
        self._encoder = Encoder(linkage_secret)

    def encode(self, child: ChildIdentity, *, today: date | None = None) -> EncodedQuery:
        year = (today or date.today()).year
        # Everyone in scope was born in these years (aged under 26, up to a year-end margin).
        years = range(year - MAX_AGE_YEARS - 1, year + 1)
        return self._encoder.encode(normalise(child), birth_years=years)
