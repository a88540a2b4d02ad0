"""Dependence rules as data: where the fields are not independent, which agreements count and
what a `strong` signpost needs (docs/adr/0012, 0015, 0024). Each rule is made of conditions on
the levels a pair reached (`Reached`) and on the pair itself (`Fact`), and is checked against the
model's comparisons when the model is made: a rule naming a field or level there is none of is
refused with the reason, not silently never true."""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from fingerpost.matching.comparisons import Comparison, Pair

__all__ = ["DEPENDENCE", "AllOf", "AnyOf", "Condition", "Dependence", "Fact", "Not", "Reached"]

Levels = Mapping[str, str]  # field → name of the level the pair reached (absent: missing)


@dataclass(frozen=True, slots=True)
class Reached:
    """The pair reached one of `levels` of `field`."""

    field: str
    levels: frozenset[str]

    def holds(self, levels: Levels, pair: Pair) -> bool:  # noqa: ARG002 - every condition's form
        return levels.get(self.field) in self.levels

    def named(self) -> Iterable["Reached"]:
        yield self


@dataclass(frozen=True, slots=True)
class Fact:
    """Something of the pair itself, not of a level."""

    says: str
    of: Callable[[Pair], bool]

    def holds(self, levels: Levels, pair: Pair) -> bool:  # noqa: ARG002 - every condition's form
        return self.of(pair)

    def named(self) -> Iterable[Reached]:
        return ()


@dataclass(frozen=True, slots=True)
class AllOf:
    conditions: tuple["Condition", ...]

    def holds(self, levels: Levels, pair: Pair) -> bool:
        for condition in self.conditions:  # noqa: SIM110 - a loop, not all(): runs for every pair
            if not condition.holds(levels, pair):
                return False
        return True

    def named(self) -> Iterable[Reached]:
        return (r for c in self.conditions for r in c.named())


@dataclass(frozen=True, slots=True)
class AnyOf:
    conditions: tuple["Condition", ...]

    def holds(self, levels: Levels, pair: Pair) -> bool:
        for condition in self.conditions:  # noqa: SIM110 - as above
            if condition.holds(levels, pair):
                return True
        return False

    def named(self) -> Iterable[Reached]:
        return (r for c in self.conditions for r in c.named())


@dataclass(frozen=True, slots=True)
class Not:
    condition: "Condition"

    def holds(self, levels: Levels, pair: Pair) -> bool:
        return not self.condition.holds(levels, pair)

    def named(self) -> Iterable[Reached]:
        return self.condition.named()


Condition = Reached | Fact | AllOf | AnyOf | Not


def _reached(field: str, *levels: str) -> Reached:
    return Reached(field, frozenset(levels))


@dataclass(frozen=True, slots=True)
class Dependence:
    """The rules between fields."""

    # When this holds, agreements on the `discounted` fields say "same household", not "same
    # child", and count for nothing (their disagreements still count).
    household: Condition
    discounted: frozenset[str]
    # A pair reaches `strong` only if this holds...
    strong_needs: Condition
    # ... and none of these does.
    strong_refused: tuple[Condition, ...]
    # Nothing that identifies the child agrees unless this holds (`Verdict.names_only`).
    identifies: Condition
    # A pair for which one of these holds is no signpost at all, whatever its weight: what it
    # shows is near-proof of two children (docs/adr/0038).
    refused: tuple[Condition, ...] = ()

    def check(self, comparisons: Iterable[Comparison]) -> None:
        """Refuse rules that name a field or a level the comparisons do not have."""
        known = {c.field: {level.name for level in c.levels} for c in comparisons}
        unknown = self.discounted - known.keys()
        if unknown:
            raise ValueError(f"dependence rules: no comparison of {sorted(unknown)}")
        conditions = (
            self.household,
            self.strong_needs,
            *self.strong_refused,
            self.identifies,
            *self.refused,
        )
        for reached in (r for c in conditions for r in c.named()):
            if reached.field not in known:
                raise ValueError(f"dependence rules: no comparison of {reached.field!r}")
            missing = reached.levels - known[reached.field]
            if missing:
                raise ValueError(
                    f"dependence rules: {reached.field!r} has no level {sorted(missing)}"
                )


def _no_given_names_to_tell(pair: Pair) -> bool:
    return not (pair.a.given_bf and pair.b.given_bf)


def _same_month(pair: Pair) -> bool:
    return pair.a.dob_month == pair.b.dob_month


def _first_is_middle(pair: Pair) -> bool:
    return pair.crossed_middle


NHS_EXACT = _reached("nhs", "exact")

DEPENDENCE = Dependence(
    # Siblings share a family name and an address, so unless the given name agrees at least
    # weakly, or something else sets the child apart from a brother or sister (the same date of
    # birth, the same NHS number), those agreements say "same household". A twin, or a badly
    # mistyped given name, keeps them. A given name missing on one side (an unborn or newborn
    # baby, a record with the family name only) is unknown, not different: there is nothing to
    # set a brother or sister apart by, and nothing to say it is one either — unless the one
    # given name is the other's middle (or a word of the other's double-barrelled family name:
    # a stored encoding cannot tell which), as a brother's or sister's may be.
    household=Not(
        AnyOf(
            (
                _reached("given", "exact", "nickname", "close", "sounds-alike", "weak"),
                AllOf(
                    (
                        Fact("a given name missing on one side", _no_given_names_to_tell),
                        Not(_reached("middle", "agrees")),
                    )
                ),
                NHS_EXACT,
                _reached("dob", "exact", "swapped"),
                # One digit off within the same month: a slip of the day, not a brother or
                # sister (born at least months apart, or a twin the same day; docs/adr/0024).
                AllOf((_reached("dob", "one-digit"), Fact("born the same month", _same_month))),
                # The child goes by the middle name, or the given name is two slips away
                # ("Jade", "Jacle"), with the date a slip away (a digit, a day, ten days, a year):
                # a brother or sister named after the middle name, or with a name that close,
                # born on the same day and month another year or a few days apart, is rarer
                # than a slip of the date (docs/adr/0036, 0041). A twin's given name is another
                # name, not a slip: twins with a date mistyped stay the household.
                AllOf(
                    (
                        AnyOf(
                            (
                                Fact("first name a middle name", _first_is_middle),
                                _reached("given", "faint"),
                            )
                        ),
                        _reached("dob", "one-digit", "close"),
                    )
                ),
            )
        )
    ),
    discounted=frozenset({"family", "postcode", "middle"}),
    # A twin shares family name, date of birth and address and differs only in given name (Jack
    # and Jake sound alike): `strong` needs the given name to agree positively (or, only alike,
    # with a middle name agreeing too), or the NHS number to vouch for the pair.
    strong_needs=AnyOf(
        (
            NHS_EXACT,
            _reached("given", "exact", "nickname", "close"),
            AllOf((_reached("given", "sounds-alike", "weak"), _reached("middle", "agrees"))),
        )
    ),
    # Two different valid NHS numbers are near-proof of two children; two dates of birth that
    # share nothing, without an NHS number to vouch, are what a brother or sister with the same
    # (or a variant) given name shows at the same address.
    strong_refused=(
        _reached("nhs", "different"),
        AllOf((_reached("dob", "different"), Not(NHS_EXACT))),
    ),
    identifies=AnyOf(
        (
            NHS_EXACT,
            _reached("dob", "exact", "swapped", "one-digit", "close"),
            _reached("postcode", "unit", "sector"),
        )
    ),
    # Two different valid NHS numbers and given names that differ (not even weakly alike): twins,
    # each with a number of their own (the same family name, date of birth and address). A record of
    # the same child with both its NHS number and its given name mistyped is a hundred times
    # rarer than a twin (docs/adr/0038).
    refused=(
        AllOf(
            (
                _reached("nhs", "different"),
                _reached("given", "faint", "different"),
            )
        ),
    ),
)
