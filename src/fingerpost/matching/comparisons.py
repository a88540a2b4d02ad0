"""The comparisons of two encoded identities, as data (after Splink's comparison levels): each
comparison is a field and its ordered levels, and each level carries its own predicate over the
pair. A pair reaches the first level whose predicate holds; it reaches none (the field is
missing: neither evidence for nor against) when either side lacks the field, when an `Undecided`
step before a level holds, or when no level's predicate does. The m and u of each level are
hand-set (docs/adr/0012) or trained (`fingerpost model train`)."""

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from fingerpost.matching.encoded import EncodedIdentity
from fingerpost.matching.keyed import dice

__all__ = [
    "DOB",
    "FAMILY",
    "GIVEN",
    "MIDDLE",
    "NHS",
    "POSTCODE",
    "SEX",
    "Comparison",
    "Level",
    "Pair",
]

# Dice cut-offs of the fuzzy levels.
_SAME = 0.97  # the same word (bar a Bloom collision)
_CLOSE = 0.8
_WEAK = 0.6
_FAINT = 0.4
# A name found only in the wrong field, or only among other names, is discounted a little so that
# it never reads as an exact agreement on its own; both names crossed over still do.
_CROSSED = 0.95
_CROSSED_BOTH = 0.99
_OTHER_NAME = 0.97


def _other_given(x: EncodedIdentity) -> list[int]:
    """Middle names and other names (names known by, earlier family names), without the first
    name said again. An encoding knows which of its other names these are (`middle_count`); of
    one stored before packed form 5 only all its other names are known, the parts of a
    double-barrelled family name among them."""
    if not x.alt_bfs:  # most children: asked for on every scored pair, so answered first
        return []
    alts = x.alt_bfs if x.middle_count < 0 else x.alt_bfs[: x.middle_count]
    return [bf for bf in alts if bf and dice(bf, x.given_bf) < _SAME]


class Pair:
    """Two encodings being compared, with what several levels ask of them worked out once (the
    name similarities at once: nearly every pair needs them; the rest when first asked)."""

    __slots__ = ("_crossed_middle", "_middles_meet", "a", "b", "crossed", "family", "given")

    def __init__(self, a: EncodedIdentity, b: EncodedIdentity) -> None:
        self.a, self.b = a, b
        forwards, backwards = dice(a.given_bf, b.family_bf), dice(a.family_bf, b.given_bf)
        # Given and family names written the other way round on one side (either side).
        self.crossed = max(forwards, backwards)
        # Both names written the other way round on one side: as good as agreeing on each.
        swapped_over = min(forwards, backwards) * _CROSSED_BOTH
        # One name in the wrong field (a family name typed as the given name) is evidence about
        # the family name only: counting it for the given name too would count one agreement
        # twice.
        self.given = max(dice(a.given_bf, b.given_bf), swapped_over)
        self.family = self._family(swapped_over)
        self._crossed_middle: bool | None = None
        self._middles_meet: bool | None = None

    def _family(self, swapped_over: float) -> float:
        a, b = self.a, self.b
        best = max(dice(a.family_bf, b.family_bf), swapped_over, self.crossed * _CROSSED)
        # A previous name or a double-barrelled part on one side, the family name on the other.
        # Two other names that agree are the `middle` comparison's: the same middle name is no
        # evidence of the same family name (and two double-barrelled names sharing only a half
        # are rare).
        for x in a.alt_bfs:
            if x:
                best = max(best, dice(x, b.family_bf) * _OTHER_NAME)
        for y in b.alt_bfs:
            if y:
                best = max(best, dice(a.family_bf, y) * _OTHER_NAME)
        return best

    @property
    def crossed_middle(self) -> bool:
        """One side's first name is a middle (or other) name on the other side: the same word,
        or, where the first names are not even weakly alike and the family names are, a word a
        slip or two from it ("Amber Natasha Glbbs", "Natazna Gibbs": the child goes by the middle
        name, mistyped). With the family names different too, a middle name alike is what
        strangers born the same day show (docs/adr/0041)."""
        if self._crossed_middle is None:
            a, b = self.a, self.b
            if not (a.alt_bfs or b.alt_bfs):
                self._crossed_middle = False
            else:
                slipped = self.given < _WEAK and self.family >= _WEAK
                at = _WEAK if slipped else _SAME
                self._crossed_middle = any(
                    dice(a.given_bf, y) >= at for y in _other_given(b)
                ) or any(dice(x, b.given_bf) >= at for x in _other_given(a))
        return self._crossed_middle

    @property
    def given_in_other_order(self) -> bool:
        """Each side's first name is one of the other side's middle names: one of the two the
        same word, the other at least weakly alike ("Ksawery Domynik", "Dominik Ksawery": a
        slip in one of them; docs/adr/0041)."""
        a, b = self.a, self.b
        if not (a.alt_bfs and b.alt_bfs):
            return False
        forwards = max((dice(a.given_bf, y) for y in _other_given(b)), default=0.0)
        if forwards < _WEAK:
            return False
        backwards = max((dice(x, b.given_bf) for x in _other_given(a)), default=0.0)
        return min(forwards, backwards) >= _WEAK and max(forwards, backwards) >= _SAME

    @property
    def middles_meet(self) -> bool:
        if self._middles_meet is None:
            a, b = self.a, self.b
            self._middles_meet = bool(a.alt_bfs and b.alt_bfs) and any(
                dice(x, y) >= _SAME for x in _other_given(a) for y in _other_given(b)
            )
        return self._middles_meet

    @property
    def forms_meet(self) -> bool:
        """The first given names are known variants of each other. A probe knows its first
        name's own forms; a stored encoding only the forms of all its given names, so between
        two stored ones, agreeing middle names make the forms meet whatever the first names
        are."""
        a, b = self.a, self.b
        if a.first_forms or b.first_forms:
            return bool((a.first_forms or a.given_forms) & (b.first_forms or b.given_forms))
        return bool(a.given_forms & b.given_forms) and not self.middles_meet

    @property
    def middles_differ(self) -> bool:
        """Other names on both sides and none the same: unless one is the other side's family
        name (an earlier family name, already counted there)."""
        a, b = self.a, self.b
        return any(dice(x, b.family_bf) < _SAME for x in _other_given(a)) and any(
            dice(y, a.family_bf) < _SAME for y in _other_given(b)
        )


Predicate = Callable[[Pair], bool]


def _always(_: Pair) -> bool:
    return True


@dataclass(frozen=True, slots=True)
class Level:
    name: str
    m: float  # P(level | same child)
    u: float  # P(level | different children)
    says: str  # how the level reads in `why`; empty = not worth saying
    agrees: bool
    when: Predicate = field(default=_always, compare=False, repr=False)
    # The level this one counts as when `strong` is weighed (empty: itself): a likeness that may
    # make a call worth it without being evidence enough to act on (docs/adr/0049).
    for_strong: str = field(default="", compare=False)
    weight: float = field(init=False)  # log2(m/u), computed once: scoring is the hot path

    def __post_init__(self) -> None:
        object.__setattr__(self, "weight", math.log2(self.m / self.u))


@dataclass(frozen=True, slots=True)
class Undecided:
    """Before the level `before` is tried: when this holds, the field is neither for nor
    against (`why` says why)."""

    before: str
    when: Predicate
    why: str


@dataclass(frozen=True, slots=True)
class Comparison:
    field: str
    levels: tuple[Level, ...]
    known: Predicate  # both sides carry the field
    undecided: tuple[Undecided, ...] = ()
    thresholds: tuple[float, ...] = ()  # the Dice cut-offs its fuzzy levels use, for reference
    # (position, the level's predicate, the undecided steps' predicates before it), in order:
    # made once, as scoring runs for every candidate of every enquiry.
    _plan: tuple[tuple[int, Predicate, tuple[Predicate, ...]], ...] = dataclasses.field(
        default=(), init=False, compare=False, repr=False
    )
    # Each level's counterpart when `strong` is weighed (`Level.for_strong`), made once.
    for_strong: tuple[Level, ...] = dataclasses.field(
        default=(), init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        names = [level.name for level in self.levels]
        if len(set(names)) != len(names):
            raise ValueError(f"comparison {self.field!r}: a level named twice in {names}")
        unknown = {lv.for_strong for lv in self.levels if lv.for_strong} - set(names)
        if unknown:
            raise ValueError(f"comparison {self.field!r}: no level {sorted(unknown)} for strong")
        by_name = {level.name: level for level in self.levels}
        object.__setattr__(
            self, "for_strong", tuple(by_name.get(lv.for_strong, lv) for lv in self.levels)
        )
        for step in self.undecided:
            if step.before not in names:
                raise ValueError(f"comparison {self.field!r}: no level {step.before!r}")
        plan = tuple(
            (i, level.when, tuple(s.when for s in self.undecided if s.before == level.name))
            for i, level in enumerate(self.levels)
        )
        object.__setattr__(self, "_plan", plan)

    def level(self, pair: Pair) -> Level | None:
        """The level the pair reaches, or None when the field says nothing about it."""
        index = self.index(pair)
        return None if index is None else self.levels[index]

    def index(self, pair: Pair) -> int | None:
        """Where in `levels` the pair's level is (what a comparison vector holds for training)."""
        if not self.known(pair):
            return None
        for index, when, undecided in self._plan:
            for step in undecided:
                if step(pair):
                    return None
            if when(pair):
                return index
        return None


NHS = Comparison(
    "nhs",
    (
        Level("exact", 0.98, 1e-7, "NHS number", True, lambda p: p.a.nhs == p.b.nhs),
        Level("different", 0.02, 0.9999999, "different NHS number", agrees=False),
    ),
    known=lambda p: p.a.nhs is not None and p.b.nhs is not None,
)
GIVEN = Comparison(
    "given",
    (
        # "Dalia Paulina" for "Paulina Dalia": the same given names, in another order, too.
        Level(
            "exact",
            0.67,
            2e-3,
            "given name",
            True,
            lambda p: p.given >= _SAME or p.given_in_other_order,
        ),
        Level("nickname", 0.08, 2e-3, "given name a known variant", True, lambda p: p.forms_meet),
        Level("close", 0.031, 1e-3, "given name similar", True, lambda p: p.given >= _CLOSE),
        # Sounds are made for every given name: agreeing middle names make them meet as well.
        Level(
            "sounds-alike",
            0.058,
            3e-3,
            "given name sounds alike",
            True,
            lambda p: not p.middles_meet and bool(p.a.given_sound & p.b.given_sound),
        ),
        Level("weak", 0.105, 3e-3, "", False, lambda p: p.given >= _WEAK),
        # Two slips apart, one on each record ("Adaese", "Afaeze"): about half the bigrams
        # shared. u measured on random pairs of both generated worlds (1.6 %; docs/adr/0024).
        Level("faint", 0.026, 0.016, "", False, lambda p: p.given >= _FAINT),
        Level("different", 0.028, 0.975, "different given name", agrees=False),
    ),
    known=lambda p: bool(p.a.given_bf and p.b.given_bf),
    undecided=(
        # One side's given name is the other's family name: which word is the given name is
        # then unknown — unless the other two names agree at least weakly too (both crossed
        # over, one with a slip: "Ibrahym Malik" for "Malik Ibrahim"), when `given` holds
        # that likeness.
        Undecided(
            "nickname", lambda p: p.crossed >= _SAME and p.given < _WEAK, "names crossed over"
        ),
        # One side's first name is the other's middle or earlier name: which of its names the
        # child goes by is unknown too (the agreement is the `middle` comparison's).
        Undecided("nickname", lambda p: p.crossed_middle, "first name a middle name"),
    ),
    thresholds=(_SAME, _CLOSE, _WEAK, _FAINT),
)
FAMILY = Comparison(
    "family",
    (
        Level("exact", 0.65, 3e-3, "family name", True, lambda p: p.family >= _SAME),
        Level("close", 0.076, 1e-3, "family name similar", True, lambda p: p.family >= _CLOSE),
        Level(
            "sounds-alike",
            0.065,
            8e-4,
            "family name sounds alike",
            True,
            lambda p: bool(p.a.family_sound & p.b.family_sound),
        ),
        Level("weak", 0.13, 3e-3, "", False, lambda p: p.family >= _WEAK),
        # Two slips apart, or one in a short name ("Fox", "Fcx"; "Toma", "Torna"): about half
        # the bigrams shared, as the given name's `faint`. Worth a call, not proof: for `strong`
        # it counts as different (docs/adr/0049).
        Level(
            "faint",
            0.032,
            0.012,
            "",
            False,
            lambda p: p.family >= _FAINT,
            for_strong="different",
        ),
        Level("different", 0.072, 0.978, "different family name", agrees=False),
    ),
    known=lambda p: bool(p.a.family_bf and p.b.family_bf),
    thresholds=(_SAME, _CLOSE, _WEAK, _FAINT),
)
MIDDLE = Comparison(
    "middle",
    (
        # Shown on both sides in about one pair of records in eight; u counts a first name
        # that is the other's middle name too.
        Level(
            "agrees",
            0.12,
            2.5e-3,
            "a middle name",
            True,
            lambda p: p.crossed_middle or p.middles_meet,
        ),
        # Middle names are recorded unevenly (one agency has two, another one): weak evidence.
        Level("different", 0.5, 0.99, "", False, lambda p: p.middles_differ),
    ),
    known=_always,
    thresholds=(_SAME,),
)
DOB = Comparison(
    "dob",
    (
        Level("exact", 0.88, 1.6e-4, "date of birth", True, lambda p: p.a.dob == p.b.dob),
        Level(
            "swapped",
            0.03,
            1e-4,
            "date of birth with day and month swapped",
            True,
            lambda p: p.a.dob == p.b.dob_swapped,
        ),
        Level(
            "one-digit",
            0.05,
            4e-3,
            "date of birth one digit apart",
            True,
            lambda p: bool(p.a.dob_near & p.b.dob_near),
        ),
        # A day, ten days or a year off, or two digits transposed: known only to a probe, which
        # carries the dates one slip from its own (docs/adr/0024). About ten of the ~9,000
        # dates in scope are one such slip away and not one digit.
        Level(
            "close",
            0.02,
            1e-3,
            "date of birth close",
            True,
            lambda p: p.a.dob in p.b.dob_close or p.b.dob in p.a.dob_close,
        ),
        Level("same-month", 0.001, 3e-3, "", False, lambda p: p.a.dob_month == p.b.dob_month),
        Level("same-year", 0.002, 0.05, "", False, lambda p: p.a.dob_year == p.b.dob_year),
        Level("different", 0.01, 0.94, "different date of birth", agrees=False),
    ),
    known=lambda p: p.a.dob is not None and p.b.dob is not None,
)
POSTCODE = Comparison(
    "postcode",
    (
        Level(
            "unit", 0.59, 1.5e-4, "postcode", True, lambda p: p.a.postcode_unit == p.b.postcode_unit
        ),
        Level(
            "sector",
            0.07,
            1e-3,
            "postcode sector",
            True,
            lambda p: p.a.postcode_sector == p.b.postcode_sector,
        ),
        Level(
            "district",
            0.02,
            5e-3,
            "postcode district",
            True,
            lambda p: p.a.postcode_district == p.b.postcode_district,
        ),
        Level("different", 0.32, 0.99, "", agrees=False),
    ),
    known=lambda p: p.a.postcode_unit is not None and p.b.postcode_unit is not None,
)
SEX = Comparison(
    "sex",
    (
        Level("same", 0.97, 0.5, "", True, lambda p: p.a.sex == p.b.sex),
        Level("different", 0.01, 0.5, "different sex", agrees=False),
    ),
    known=lambda p: bool(p.a.sex and p.b.sex),
)
