"""How common a child's names are in the register, and what that does to the evidence of an
agreement on them (a term-frequency adjustment: Fellegi–Sunter with a u for each value, as
Splink's; docs/adr/0044).

Two strangers agree on "Oliver" far more often than on "Ksawery": the u of an exact agreement on
a given name is, for that name, the share of children who bear it. The hub holds keyed tokens
only, so it counts tokens: each involvement is indexed under the keyed forms of its given names
and the keyed sounds of its family names, salted with its year of birth (`tokens`), and an
enquiry counts the involvements under its own first name's and family name's tokens
(`probe_tokens`). No clear name is counted, nothing is shown: the adjustment moves a pair's
weight, which is never disclosed.
"""

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from fingerpost.matching.encoded import EncodedIdentity, EncodedQuery

__all__ = ["NameFrequency", "Tokens", "probe_tokens", "tokens"]


def _signed(token: bytes) -> int:
    return int.from_bytes(token, "big", signed=True)


def tokens(identity: EncodedIdentity) -> frozenset[int]:
    """What the hub counts of a stored identity: the keyed forms of its given names and the keyed
    sounds of its family names, each salted with its year of birth, as 64-bit numbers."""
    return frozenset(map(_signed, identity.given_forms | identity.family_sound))


@dataclass(frozen=True, slots=True)
class Tokens:
    """An enquiry's tokens to count: its first name's forms and its family names' sounds, under
    its own year (the stored tokens the child's own registration would carry)."""

    given: frozenset[int]
    family: frozenset[int]

    def all(self) -> frozenset[int]:
        return self.given | self.family


def probe_tokens(query: EncodedQuery) -> Tokens:
    """The first name's forms are those the stored identity and the probe's first-name forms
    share (the stored ones cover the middle names too, the probe's other years)."""
    identity = query.identity
    first = identity.given_forms & query.probe.first_forms
    return Tokens(
        given=frozenset(map(_signed, first)),
        family=frozenset(map(_signed, identity.family_sound)),
    )


@dataclass(frozen=True, slots=True)
class NameFrequency:
    """Bits added to an exact agreement on the enquiry's first name (`given`) and family name
    (`family`): log2 of how many involvements born the same year an average name would have,
    over how many have this one, within bounds. 0.0: nothing known, nothing changed."""

    given: float = 0.0
    family: float = 0.0

    @classmethod
    def of(
        cls,
        probe: Tokens,
        count: Callable[[Iterable[int]], dict[int, int]],
        *,
        expected_given: float,
        expected_family: float,
        bounds: tuple[float, float],
    ) -> "NameFrequency":
        """From the register's `count` of each token (absent: none). A name's count is that of
        its rarest form (a nickname's own spelling, not every name it may stand for); a token
        nobody carries is an encoding stored before these tokens were: nothing is known."""
        counted = count(probe.all())
        return cls(
            given=_bits(probe.given, counted, expected_given, bounds),
            family=_bits(probe.family, counted, expected_family, bounds),
        )


def _bits(
    wanted: frozenset[int], counted: dict[int, int], expected: float, bounds: tuple[float, float]
) -> float:
    found = [counted.get(token, 0) for token in wanted]
    if not found or min(found) <= 0 or expected <= 0:
        return 0.0
    low, high = bounds
    return min(max(math.log2(expected / min(found)), low), high)
