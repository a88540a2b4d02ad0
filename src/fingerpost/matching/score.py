"""Fellegi–Sunter scoring of two encoded identities, with the reasons in plain words.

Each comparison is described as data: a field, its ordered levels, and for each level the
probability of seeing it among true matches (m) and among non-matches (u). A pair's match weight is
the sum of log2(m/u) over fields; two thresholds turn it into `strong` or `possible`. The numbers
in `DEFAULT_MODEL` are hand-set (docs/adr/0012); `fingerpost model train` estimates them by EM.
"""

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from fingerpost.domain.vocabulary import Confidence
from fingerpost.matching.encode import EncodedIdentity, dice

__all__ = ["DEFAULT_MODEL", "Comparison", "Level", "MatchModel", "Verdict", "score"]


@dataclass(frozen=True, slots=True)
class Level:
    name: str
    m: float  # P(level | same child)
    u: float  # P(level | different children)
    says: str  # how the level reads in `why`; empty = not worth saying
    agrees: bool
    weight: float = field(init=False)  # log2(m/u), computed once: scoring is the hot path

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", math.log2(self.m / self.u))


# A level function returns the index of the first level the pair reaches, or None when either side
# lacks the field (missing data is neither evidence for nor against).
LevelOf = Callable[[EncodedIdentity, EncodedIdentity, tuple[float, ...]], int | None]


@dataclass(frozen=True, slots=True)
class Comparison:
    field: str
    levels: tuple[Level, ...]
    level_of: LevelOf
    thresholds: tuple[float, ...] = ()  # Dice cut-offs used by fuzzy levels


def _nhs(a: EncodedIdentity, b: EncodedIdentity, _: tuple[float, ...]) -> int | None:
    if a.nhs is None or b.nhs is None:
        return None
    return 0 if a.nhs == b.nhs else 1


def _crossed(a: EncodedIdentity, b: EncodedIdentity) -> float:
    """Given and family names written the other way round on one side (either side)."""
    return max(dice(a.given_bf, b.family_bf), dice(a.family_bf, b.given_bf))


# A name found only in the wrong field, or only among other names, is discounted a little so that
# it never reads as an exact agreement on its own; both names crossed over still do.
_CROSSED = 0.95
_CROSSED_BOTH = 0.99
_OTHER_NAME = 0.97


def _swapped_over(a: EncodedIdentity, b: EncodedIdentity) -> float:
    """Both names written the other way round on one side: as good as agreeing on each."""
    return min(dice(a.given_bf, b.family_bf), dice(a.family_bf, b.given_bf)) * _CROSSED_BOTH


def _best_dice(a: EncodedIdentity, b: EncodedIdentity, field: str) -> float:
    # One name in the wrong field (a family name typed as the given name) is evidence about the
    # family name only: counting it for the given name too would count one agreement twice.
    if field == "given":
        return max(dice(a.given_bf, b.given_bf), _swapped_over(a, b))
    best = max(dice(a.family_bf, b.family_bf), _swapped_over(a, b), _crossed(a, b) * _CROSSED)
    # Previous names, double-barrelled parts, and a family name entered as given name.
    for x in (a.family_bf, *a.alt_bfs):
        for y in (b.family_bf, *b.alt_bfs):
            if x and y and (x is not a.family_bf or y is not b.family_bf):
                best = max(best, dice(x, y) * _OTHER_NAME)
    return best


def _given(a: EncodedIdentity, b: EncodedIdentity, t: tuple[float, ...]) -> int | None:
    if not a.given_bf or not b.given_bf:
        return None
    similarity = _best_dice(a, b, "given")
    if similarity >= t[0]:
        return 0
    if _crossed(a, b) >= t[0]:
        # One side's given name is the other's family name: which word is the given name is
        # then unknown, so the given name is neither for nor against.
        return None
    if a.given_forms & b.given_forms:
        return 1
    if similarity >= t[1]:
        return 2
    if a.given_sound & b.given_sound:
        return 3
    if similarity >= t[2]:
        return 4
    return 5


def _family(a: EncodedIdentity, b: EncodedIdentity, t: tuple[float, ...]) -> int | None:
    if not a.family_bf or not b.family_bf:
        return None
    similarity = _best_dice(a, b, "family")
    if similarity >= t[0]:
        return 0
    if similarity >= t[1]:
        return 1
    if a.family_sound & b.family_sound:
        return 2
    if similarity >= t[2]:
        return 3
    return 4


def _dob(a: EncodedIdentity, b: EncodedIdentity, _: tuple[float, ...]) -> int | None:
    if a.dob is None or b.dob is None:
        return None
    if a.dob == b.dob:
        return 0
    if a.dob == b.dob_swapped:
        return 1
    if a.dob_near & b.dob_near:
        return 2
    if a.dob_month == b.dob_month:
        return 3
    if a.dob_year == b.dob_year:
        return 4
    return 5


def _postcode(a: EncodedIdentity, b: EncodedIdentity, _: tuple[float, ...]) -> int | None:
    if a.postcode_unit is None or b.postcode_unit is None:
        return None
    if a.postcode_unit == b.postcode_unit:
        return 0
    if a.postcode_sector == b.postcode_sector:
        return 1
    if a.postcode_district == b.postcode_district:
        return 2
    return 3


def _sex(a: EncodedIdentity, b: EncodedIdentity, _: tuple[float, ...]) -> int | None:
    if not a.sex or not b.sex:
        return None
    return 0 if a.sex == b.sex else 1


NHS = Comparison(
    "nhs",
    (
        Level("exact", 0.98, 1e-7, "NHS number", agrees=True),
        Level("different", 0.02, 0.9999999, "different NHS number", agrees=False),
    ),
    _nhs,
)
GIVEN = Comparison(
    "given",
    (
        Level("exact", 0.78, 2e-3, "given name", agrees=True),
        Level("nickname", 0.10, 3e-4, "given name a known variant", agrees=True),
        Level("close", 0.05, 1e-3, "given name similar", agrees=True),
        Level("sounds-alike", 0.02, 2e-4, "given name sounds alike", agrees=True),
        Level("weak", 0.03, 3e-3, "", agrees=False),
        Level("different", 0.02, 0.99, "different given name", agrees=False),
    ),
    _given,
    thresholds=(0.97, 0.8, 0.6),
)
FAMILY = Comparison(
    "family",
    (
        Level("exact", 0.8, 3e-3, "family name", agrees=True),
        Level("close", 0.07, 1e-3, "family name similar", agrees=True),
        Level("sounds-alike", 0.03, 1e-4, "family name sounds alike", agrees=True),
        Level("weak", 0.04, 3e-3, "", agrees=False),
        Level("different", 0.06, 0.99, "different family name", agrees=False),
    ),
    _family,
    thresholds=(0.97, 0.8, 0.6),
)
DOB = Comparison(
    "dob",
    (
        Level("exact", 0.88, 1.6e-4, "date of birth", agrees=True),
        Level("swapped", 0.03, 1e-4, "date of birth with day and month swapped", agrees=True),
        Level("one-digit", 0.05, 4e-3, "date of birth one digit apart", agrees=True),
        Level("same-month", 0.01, 3e-3, "", agrees=False),
        Level("same-year", 0.02, 0.05, "", agrees=False),
        Level("different", 0.01, 0.94, "different date of birth", agrees=False),
    ),
    _dob,
)
POSTCODE = Comparison(
    "postcode",
    (
        Level("unit", 0.7, 1.5e-4, "postcode", agrees=True),
        Level("sector", 0.04, 1e-3, "postcode sector", agrees=True),
        Level("district", 0.04, 5e-3, "postcode district", agrees=True),
        Level("different", 0.22, 0.99, "", agrees=False),
    ),
    _postcode,
)
SEX = Comparison(
    "sex",
    (
        Level("same", 0.97, 0.5, "", agrees=True),
        Level("different", 0.01, 0.5, "different sex", agrees=False),
    ),
    _sex,
)


@dataclass(frozen=True, slots=True)
class MatchModel:
    """Comparisons with their m/u, and the two weight thresholds. Versioned: a trained model is
    stored and the hub says which version produced a signpost in the audit trail."""

    version: str
    comparisons: tuple[Comparison, ...]
    strong_at: float
    possible_at: float

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": self.version,
                "strong_at": self.strong_at,
                "possible_at": self.possible_at,
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
        )

    def levels_of(self, a: EncodedIdentity, b: EncodedIdentity) -> tuple[int | None, ...]:
        """The comparison vector of a pair: the level index per comparison, None if missing."""
        a, b = aligned(a, b)
        return tuple(c.level_of(a, b, c.thresholds) for c in self.comparisons)


def aligned(a: EncodedIdentity, b: EncodedIdentity) -> tuple[EncodedIdentity, EncodedIdentity]:
    """The pair with the probe's name filters salted as the other side's (see the encoder)."""
    if a.name_variants:
        return a.facing(b), b
    if b.name_variants:
        return a, b.facing(a)
    return a.facing(b), b


DEFAULT_MODEL = MatchModel(
    version="v2-handset",
    comparisons=(NHS, GIVEN, FAMILY, DOB, POSTCODE, SEX),
    strong_at=22.0,
    possible_at=12.0,
)


# Given-name levels that can carry a pair to `strong` without an agreeing NHS number; a missing
# given name (None) cannot.
_GIVEN_VOUCHES = frozenset({"exact", "nickname", "close"})
# What brothers and sisters share: with a given name that clearly differs, agreeing on these says
# "same household", not "same child", so it adds nothing (see `score`).
_HOUSEHOLD = frozenset({"family", "postcode"})
_GIVEN_SETS_APART = frozenset({"exact", "nickname", "close", "sounds-alike", "weak"})
_DOB_SETS_APART = frozenset({"exact", "swapped"})


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome for one pair. `weight` stays inside the hub: it is never disclosed."""

    confidence: Confidence
    why: str
    weight: float


def score(
    a: EncodedIdentity, b: EncodedIdentity, model: MatchModel = DEFAULT_MODEL
) -> Verdict | None:
    """Compare two encodings; None when the pair is not worth a signpost."""
    a, b = aligned(a, b)
    reached: list[tuple[str, Level]] = []
    for comparison in model.comparisons:
        index = comparison.level_of(a, b, comparison.thresholds)
        if index is not None:
            reached.append((comparison.field, comparison.levels[index]))
    levels = {name: level.name for name, level in reached}
    # Fields are not independent: siblings share a family name and an address, so unless the
    # given name agrees at least weakly, or something else sets the child apart from a brother
    # or sister (the same date of birth, the same NHS number), those agreements say "same
    # household", not "same child", and count for nothing. A twin, or a badly mistyped given
    # name, keeps them.
    household = (
        levels.get("given") not in _GIVEN_SETS_APART
        and levels.get("nhs") != "exact"
        and levels.get("dob") not in _DOB_SETS_APART
    )
    weight = 0.0
    agreeing: list[str] = []
    disagreeing: list[str] = []
    for name, level in reached:
        if not (household and name in _HOUSEHOLD and level.weight > 0):
            weight += level.weight
        if level.says:
            (agreeing if level.agrees else disagreeing).append(level.says)
    if weight < model.possible_at:
        return None
    confidence = Confidence.STRONG if weight >= model.strong_at else Confidence.POSSIBLE
    # A twin shares family name, date of birth and address and differs only in given name (Jack
    # and Jake sound alike). A strong signpost needs the given name to agree positively, or the
    # NHS number to vouch for the pair.
    if levels.get("nhs") != "exact" and levels.get("given") not in _GIVEN_VOUCHES:
        confidence = Confidence.POSSIBLE
    # Two different valid NHS numbers are near-proof of two children.
    if levels.get("nhs") == "different":
        confidence = Confidence.POSSIBLE
    return Verdict(confidence=confidence, why="; ".join(agreeing + disagreeing), weight=weight)
