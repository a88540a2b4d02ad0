"""Fellegi–Sunter scoring of two encoded identities, with the reasons in plain words.

Each comparison is described as data: a field, its ordered levels, and for each level the
probability of seeing it among true matches (m) and among non-matches (u). A pair's match weight is
the sum of log2(m/u) over fields; two thresholds turn it into `strong` or `possible`. The numbers
in `DEFAULT_MODEL` are hand-set (docs/adr/0012; m re-estimated on tuning data in 0038);
`fingerpost model train` estimates them by EM.
"""

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from fingerpost.domain.vocabulary import Confidence
from fingerpost.matching.comparisons import (
    DOB,
    FAMILY,
    GIVEN,
    MIDDLE,
    NHS,
    POSTCODE,
    SEX,
    Comparison,
    Level,
    Pair,
)
from fingerpost.matching.dependence import DEPENDENCE, Dependence
from fingerpost.matching.encoded import EncodedIdentity
from fingerpost.matching.frequency import NameFrequency, Tokens

__all__ = [
    "DEFAULT_MODEL",
    "DOB",
    "FAMILY",
    "GIVEN",
    "MIDDLE",
    "NHS",
    "POSTCODE",
    "SEX",
    "Comparison",
    "Level",
    "MatchModel",
    "NameFrequency",
    "Verdict",
    "score",
]


@dataclass(frozen=True, slots=True)
class MatchModel:
    """Comparisons with their m/u, and the two weight thresholds. Versioned: a trained model is
    stored and the hub says which version produced a signpost in the audit trail."""

    version: str
    comparisons: tuple[Comparison, ...]
    strong_at: float
    possible_at: float
    # A pair that agrees on the names alone is a signpost only if the register holds at most this
    # many involvements under those names (the child's own among them): beyond, a practitioner
    # would be calling strangers. See docs/adr/0015.
    names_alone_at_most: int = 10
    # The register size (involvements) the thresholds hold their precision at. A larger register
    # holds more strangers who agree as much by chance (namesakes born the same day): see
    # `for_register`.
    reference_size: int = 100_000
    # `possible` asks for `possible_rise` more bits each time the register doubles past
    # `possible_reference_size`: the prior odds that a given involvement is the child's fall as
    # the register grows, and a fixed threshold lets through strangers in proportion to its size
    # (docs/adr/0046: 13.5 bits at 100,000, 15.2 at a million). Half `strong`'s bit: each bit
    # costs children whose records agree on little, and a child missed costs more than a call.
    possible_reference_size: int = 25_000
    possible_rise: float = 0.5
    # The rules between fields (which agreements count, what `strong` needs), checked against
    # the comparisons here: a rule naming a level there is none of is refused.
    dependence: Dependence = DEPENDENCE
    # How far an exact agreement on a name moves with the name's count in the register (bits:
    # at most this far down, this far up; docs/adr/0044), and the years of birth the register
    # spreads over, which say how many children an average name has in one year.
    frequency_bounds: tuple[float, float] = (-3.0, 0.0)
    birth_years: int = 19
    # The child's own involvements are among those counted under its names: an average name's
    # count is what strangers bring plus these.
    own_involvements: float = 2.0
    # The register's size (involvements), once known (`for_register`); 0: not known, and no
    # name's frequency is weighed.
    register_size: int = field(default=0, compare=False)

    def __post_init__(self) -> None:
        self.dependence.check(self.comparisons)

    def for_register(self, size: int) -> "MatchModel":
        """The model for a register of `size` involvements: `strong` needs log2(size/reference)
        more bits of evidence where the register is larger than the reference, which keeps the
        odds that a strong pair is the child, not a stranger, as they were. `possible` needs
        `possible_rise` bits more for each doubling past its own reference: fewer than `strong`,
        as a call to confirm may be wrong and a missed child should not be (docs/adr/0046)."""
        strong = _doublings(size, self.reference_size)
        possible = self.possible_rise * _doublings(size, self.possible_reference_size)
        return replace(
            self,
            strong_at=self.strong_at + strong,
            possible_at=self.possible_at + possible,
            register_size=size,
        )

    def name_frequency(
        self, probe: Tokens, count: Callable[[Iterable[int]], dict[int, int]]
    ) -> NameFrequency:
        """What the register's counts of the enquiry's name tokens do to an exact agreement on
        them (nothing unless the register's size is known and the bounds allow a move)."""
        if not self.register_size or self.frequency_bounds == (0.0, 0.0):
            return NameFrequency()
        per_year = self.register_size / self.birth_years
        return NameFrequency.of(
            probe,
            count,
            expected_given=_exact_u(self, "given") * per_year + self.own_involvements,
            expected_family=_exact_u(self, "family") * per_year + self.own_involvements,
            bounds=self.frequency_bounds,
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": self.version,
                "strong_at": self.strong_at,
                "possible_at": self.possible_at,
                "names_alone_at_most": self.names_alone_at_most,
                "reference_size": self.reference_size,
                "possible_reference_size": self.possible_reference_size,
                "possible_rise": self.possible_rise,
                "comparisons": {
                    c.field: {level.name: [level.m, level.u] for level in c.levels}
                    for c in self.comparisons
                },
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str, base: "MatchModel | None" = None) -> "MatchModel":
        """Read stored parameters onto the comparisons of `base` (the code owns level logic)."""
        raw = json.loads(text)
        base = base or DEFAULT_MODEL
        comparisons = []
        for comparison in base.comparisons:
            stored = raw["comparisons"].get(comparison.field, {})
            levels = tuple(
                replace(level, m=stored[level.name][0], u=stored[level.name][1])
                if level.name in stored
                else level
                for level in comparison.levels
            )
            comparisons.append(replace(comparison, levels=levels))
        return cls(
            version=str(raw["version"]),
            comparisons=tuple(comparisons),
            strong_at=float(raw["strong_at"]),
            possible_at=float(raw["possible_at"]),
            names_alone_at_most=int(raw.get("names_alone_at_most", base.names_alone_at_most)),
            reference_size=int(raw.get("reference_size", base.reference_size)),
            possible_reference_size=int(
                raw.get("possible_reference_size", base.possible_reference_size)
            ),
            possible_rise=float(raw.get("possible_rise", base.possible_rise)),
            dependence=base.dependence,
        )

    def levels_of(self, a: EncodedIdentity, b: EncodedIdentity) -> tuple[int | None, ...]:
        """The comparison vector of a pair: the level index per comparison, None if missing."""
        pair = Pair(*aligned(a, b))
        return tuple(c.index(pair) for c in self.comparisons)


def _doublings(size: int, reference: int) -> float:
    """How many times the register doubled past `reference` (0 up to it)."""
    return math.log2(size / reference) if size > reference else 0.0


def _exact_u(model: MatchModel, field: str) -> float:
    for comparison in model.comparisons:
        if comparison.field == field:
            return next((level.u for level in comparison.levels if level.name == "exact"), 0.0)
    return 0.0


def aligned(a: EncodedIdentity, b: EncodedIdentity) -> tuple[EncodedIdentity, EncodedIdentity]:
    """The pair with the probe's name filters salted as the other side's (see the encoder)."""
    if a.name_variants:
        return a.facing(b), b
    if b.name_variants:
        return a, b.facing(a)
    return a.facing(b), b


DEFAULT_MODEL = MatchModel(
    version="v2-handset",
    comparisons=(NHS, GIVEN, FAMILY, MIDDLE, DOB, POSTCODE, SEX),
    strong_at=22.0,
    possible_at=12.5,
)


def _moved(frequency: NameFrequency | None, field: str, level: Level) -> float:
    if frequency is None or level.name != "exact":
        return 0.0
    if field == "given":
        return frequency.given
    return frequency.family if field == "family" else 0.0


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome for one pair. `weight` stays inside the hub: it is never disclosed."""

    confidence: Confidence
    why: str
    weight: float
    # Only the names (and what siblings and strangers share: sex, a birth month or year, a
    # district) agree: nothing that identifies the child. Such a pair is worth a signpost only
    # where few children have those names; the hub counts them (MatchModel.names_alone_at_most).
    names_only: bool = False


def score(
    a: EncodedIdentity,
    b: EncodedIdentity,
    model: MatchModel = DEFAULT_MODEL,
    frequency: NameFrequency | None = None,
) -> Verdict | None:
    """Compare two encodings (`a` the enquiry's probe); None when the pair is not worth a
    signpost. With `frequency`, an exact agreement on the enquiry's first or family name weighs
    as much as that name's count in the register says (`MatchModel.name_frequency`)."""
    pair = Pair(*aligned(a, b))
    reached: list[tuple[str, Level, Level]] = []  # field, level, the level it is for `strong`
    for comparison in model.comparisons:
        index = comparison.index(pair)
        if index is not None:
            reached.append(
                (comparison.field, comparison.levels[index], comparison.for_strong[index])
            )
    levels = {name: level.name for name, level, _ in reached}
    rules = model.dependence
    household = rules.household.holds(levels, pair)
    weight = for_strong = 0.0
    agreeing: list[str] = []
    disagreeing: list[str] = []
    for name, level, as_strong in reached:
        discounted = household and name in rules.discounted
        if not (discounted and level.weight > 0):
            weight += level.weight + _moved(frequency, name, level)
        if not (discounted and as_strong.weight > 0):
            for_strong += as_strong.weight + _moved(frequency, name, as_strong)
        if level.says:
            (agreeing if level.agrees else disagreeing).append(level.says)
    if weight < model.possible_at or any(rule.holds(levels, pair) for rule in rules.refused):
        return None
    strong = (
        for_strong >= model.strong_at
        and rules.strong_needs.holds(levels, pair)
        and not any(rule.holds(levels, pair) for rule in rules.strong_refused)
    )
    return Verdict(
        confidence=Confidence.STRONG if strong else Confidence.POSSIBLE,
        why="; ".join(agreeing + disagreeing),
        weight=weight,
        names_only=not rules.identifies.holds(levels, pair),
    )
