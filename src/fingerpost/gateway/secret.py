"""Encoding with the linkage secret: the step that turns a child into what the hub may hold."""

from fingerpost.matching.encode import EncodedQuery, Encoder
from fingerpost.matching.normalise import ChildIdentity, normalise

__all__ = ["Gateway"]


class Gateway:
    def __init__(self, linkage_secret: bytes) -> None:
        self._encoder = Encoder(linkage_secret)

    def encode(self, child: ChildIdentity) -> EncodedQuery:
        return self._encoder.encode(normalise(child))
