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


_SAME_WORD = 0.97  # Dice at which two filters hold the same word (bar a collision)


def _other_given(x: EncodedIdentity) -> list[int]:
    """Middle names and other names (names known by, earlier family names), without the first
    name said again. An encoding knows which of its other names these are (`middle_count`); of
    one stored before packed form 5 only all its other names are known, the parts of a
    double-barrelled family name among them."""
    if not x.alt_bfs:  # most children: asked for on every scored pair, so answered first
        return []
    alts = x.alt_bfs if x.middle_count < 0 else x.alt_bfs[: x.middle_count]
    return [bf for bf in alts if bf and dice(bf, x.given_bf) < _SAME_WORD]


def _best_dice(a: EncodedIdentity, b: EncodedIdentity, field: str) -> float:
    # One name in the wrong field (a family name typed as the given name) is evidence about the
    # family name only: counting it for the given name too would count one agreement twice.
    if field == "given":
        return max(dice(a.given_bf, b.given_bf), _swapped_over(a, b))
    best = max(dice(a.family_bf, b.family_bf), _swapped_over(a, b), _crossed(a, b) * _CROSSED)
    # A previous name or a double-barrelled part on one side, the family name on the other. Two
    # other names that agree are the `middle` comparison's: the same middle name is no evidence
    # of the same family name (and two double-barrelled names sharing only a half are rare).
    for x in a.alt_bfs:
        if x:
            best = max(best, dice(x, b.family_bf) * _OTHER_NAME)
    for y in b.alt_bfs:
        if y:
            best = max(best, dice(a.family_bf, y) * _OTHER_NAME)
    return best


def _crossed_middle(a: EncodedIdentity, b: EncodedIdentity, cut: float) -> bool:
    """One side's first name is a middle (or other) name on the other side."""
    if not (a.alt_bfs or b.alt_bfs):
        return False
    return any(dice(a.given_bf, y) >= cut for y in _other_given(b)) or any(
        dice(x, b.given_bf) >= cut for x in _other_given(a)
    )


def _given_in_other_order(a: EncodedIdentity, b: EncodedIdentity, cut: float) -> bool:
    """Each side's first name is one of the other side's middle names."""
    if not (a.alt_bfs and b.alt_bfs):
        return False
    return any(dice(a.given_bf, y) >= cut for y in _other_given(b)) and any(
        dice(x, b.given_bf) >= cut for x in _other_given(a)
    )


def _middles_meet(a: EncodedIdentity, b: EncodedIdentity, cut: float) -> bool:
    if not (a.alt_bfs and b.alt_bfs):
        return False
    theirs = _other_given(b)
    return any(dice(x, y) >= cut for x in _other_given(a) for y in theirs)


def _forms_meet(a: EncodedIdentity, b: EncodedIdentity, *, middles_meet: bool) -> bool:
    """The first given names are known variants of each other. A probe knows its first name's own
    forms; a stored encoding only the forms of all its given names, so between two stored ones,
    agreeing middle names make the forms meet whatever the first names are."""
    if a.first_forms or b.first_forms:
        return bool((a.first_forms or a.given_forms) & (b.first_forms or b.given_forms))
    return bool(a.given_forms & b.given_forms) and not middles_meet


def _given(a: EncodedIdentity, b: EncodedIdentity, t: tuple[float, ...]) -> int | None:
    if not a.given_bf or not b.given_bf:
        return None
    similarity = _best_dice(a, b, "given")
    if similarity >= t[0]:
        return 0
    if _given_in_other_order(a, b, t[0]):
        # "Dalia Paulina" for "Paulina Dalia": the same given names, written in another order.
        return 0
    if _crossed(a, b) >= t[0]:
        # One side's given name is the other's family name: which word is the given name is
        # then unknown, so the given name is neither for nor against.
        return None
    if _crossed_middle(a, b, t[0]):
        # One side's first name is the other's middle or earlier name: which of its names the
        # child goes by is unknown too (the agreement is the `middle` comparison's).
        return None
    # Sounds are made for every given name: agreeing middle names make them meet as well.
    middles_meet = _middles_meet(a, b, t[0])
    if _forms_meet(a, b, middles_meet=middles_meet):
        return 1
    if similarity >= t[1]:
        return 2
    if not middles_meet and a.given_sound & b.given_sound:
        return 3
    if similarity >= t[2]:
        return 4
    if similarity >= t[3]:
        return 5
    return 6


def _middle(a: EncodedIdentity, b: EncodedIdentity, t: tuple[float, ...]) -> int | None:
    if _crossed_middle(a, b, t[0]) or _middles_meet(a, b, t[0]):
        return 0
    # Other names on both sides and none the same: unless one is the other side's family name
    # (an earlier family name, already counted there).
    if any(dice(x, b.family_bf) < t[0] for x in _other_given(a)) and any(
        dice(y, a.family_bf) < t[0] for y in _other_given(b)
    ):
        return 1
    return None


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
    # A day, ten days or a year off, or two digits transposed: known only to a probe, which
    # carries the dates one slip from its own (docs/adr/0024).
    if a.dob in b.dob_close or b.dob in a.dob_close:
        return 3
    if a.dob_month == b.dob_month:
        return 4
    if a.dob_year == b.dob_year:
        return 5
    return 6


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
        Level("nickname", 0.10, 2e-3, "given name a known variant", agrees=True),
        Level("close", 0.05, 1e-3, "given name similar", agrees=True),
        Level("sounds-alike", 0.02, 3e-3, "given name sounds alike", agrees=True),
        Level("weak", 0.03, 3e-3, "", agrees=False),
        # Two slips apart, one on each record ("Adaese", "Afaeze"): about half the bigrams
        # shared. u measured on random pairs of both generated worlds (1.6 %; docs/adr/0024).
        Level("faint", 0.03, 0.016, "", agrees=False),
        Level("different", 0.02, 0.975, "different given name", agrees=False),
    ),
    _given,
    thresholds=(0.97, 0.8, 0.6, 0.4),
)
FAMILY = Comparison(
    "family",
    (
        Level("exact", 0.8, 3e-3, "family name", agrees=True),
        Level("close", 0.07, 1e-3, "family name similar", agrees=True),
        Level("sounds-alike", 0.03, 8e-4, "family name sounds alike", agrees=True),
        Level("weak", 0.04, 3e-3, "", agrees=False),
        Level("different", 0.06, 0.99, "different family name", agrees=False),
    ),
    _family,
    thresholds=(0.97, 0.8, 0.6),
)
MIDDLE = Comparison(
    "middle",
    (
        # Shown on both sides in about one pair of records in eight; u counts a first name
        # that is the other's middle name too.
        Level("agrees", 0.12, 2.5e-3, "a middle name", agrees=True),
        # Middle names are recorded unevenly (one agency has two, another one): weak evidence.
        Level("different", 0.5, 0.99, "", agrees=False),
    ),
    _middle,
    thresholds=(0.97,),
)
DOB = Comparison(
    "dob",
    (
        Level("exact", 0.88, 1.6e-4, "date of birth", agrees=True),
        Level("swapped", 0.03, 1e-4, "date of birth with day and month swapped", agrees=True),
        Level("one-digit", 0.05, 4e-3, "date of birth one digit apart", agrees=True),
        # About ten of the ~9,000 dates in scope are one such slip away and not one digit.
        Level("close", 0.02, 1e-3, "date of birth close", agrees=True),
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
    # A pair that agrees on the names alone is a signpost only if the register holds at most this
    # many involvements under those names (the child's own among them): beyond, a practitioner
    # would be calling strangers. See docs/adr/0015.
    names_alone_at_most: int = 10
    # The register size (involvements) the thresholds hold their precision at. A larger register
    # holds more strangers who agree as much by chance (namesakes born the same day): see
    # `for_register`.
    reference_size: int = 100_000

    def for_register(self, size: int) -> "MatchModel":
        """The model for a register of `size` involvements: `strong` needs log2(size/reference)
        more bits of evidence where the register is larger than the reference, which keeps the
        odds that a strong pair is the child, not a stranger, as they were. `possible` keeps its
        threshold: a call to confirm may be wrong, a missed child should not be."""
        if size <= self.reference_size:
            return self
        return replace(self, strong_at=self.strong_at + math.log2(size / self.reference_size))

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": self.version,
                "strong_at": self.strong_at,
                "possible_at": self.possible_at,
                "names_alone_at_most": self.names_alone_at_most,
                "reference_size": self.reference_size,
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
    comparisons=(NHS, GIVEN, FAMILY, MIDDLE, DOB, POSTCODE, SEX),
    strong_at=22.0,
    possible_at=12.0,
)


# Given-name levels that can carry a pair to `strong` without an agreeing NHS number; a missing
# given name (None) cannot.
_GIVEN_VOUCHES = frozenset({"exact", "nickname", "close"})
_GIVEN_ALIKE = frozenset({"sounds-alike", "weak"})
# What brothers and sisters share: with a given name that clearly differs, agreeing on these says
# "same household", not "same child", so it adds nothing (see `score`).
_HOUSEHOLD = frozenset({"family", "postcode", "middle"})
_GIVEN_SETS_APART = frozenset({"exact", "nickname", "close", "sounds-alike", "weak"})
_DOB_SETS_APART = frozenset({"exact", "swapped"})
# Agreements that point to one child rather than to anyone with the same names.
_DOB_IDENTIFIES = frozenset({"exact", "swapped", "one-digit", "close"})
_POSTCODE_IDENTIFIES = frozenset({"unit", "sector"})


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
    # name, keeps them. A given name missing on one side (an unborn or newborn baby, a record
    # with the family name only) is unknown, not different: there is nothing to set a brother or
    # sister apart by, and nothing to say it is one either — unless the one given name is the
    # other's middle (or a word of the other's double-barrelled family name: a stored encoding
    # cannot tell which), as a brother's or sister's may be.
    household = (
        levels.get("given") not in _GIVEN_SETS_APART
        and (bool(a.given_bf and b.given_bf) or levels.get("middle") == "agrees")
        and levels.get("nhs") != "exact"
        and levels.get("dob") not in _DOB_SETS_APART
        # One digit off within the same month: a slip of the day, not a brother or sister (born
        # at least months apart, or a twin the same day; docs/adr/0024).
        and not (levels.get("dob") == "one-digit" and a.dob_month == b.dob_month)
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
    # A first name only alike (a typo beyond "similar") vouches when a middle name agrees too.
    vouched = levels.get("given") in _GIVEN_VOUCHES or (
        levels.get("given") in _GIVEN_ALIKE and levels.get("middle") == "agrees"
    )
    if levels.get("nhs") != "exact" and not vouched:
        confidence = Confidence.POSSIBLE
    # Two different valid NHS numbers are near-proof of two children; two dates of birth that
    # share nothing, without an NHS number to vouch, are what a brother or sister with the same
    # (or a variant) given name shows at the same address.
    if levels.get("nhs") == "different" or (
        levels.get("dob") == "different" and levels.get("nhs") != "exact"
    ):
        confidence = Confidence.POSSIBLE
    names_only = not (
        levels.get("nhs") == "exact"
        or levels.get("dob") in _DOB_IDENTIFIES
        or levels.get("postcode") in _POSTCODE_IDENTIFIES
    )
    return Verdict(
        confidence=confidence,
        why="; ".join(agreeing + disagreeing),
        weight=weight,
        names_only=names_only,
    )
