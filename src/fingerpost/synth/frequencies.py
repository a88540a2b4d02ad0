"""How common names are in England: the published figures and the Zipf-like shares fitted to them
(docs/adr/0039).

The figures live in `data/published_figures.csv` and `data/baby_names_2016_top10.csv`, each with
a header that cites its source. A share here is the chance that one child has the name.

- **Family names.** The head is Faker's `en_GB` surname weights (the 500 commonest, per cent of
  people: Smith 1.15, together 39.5). Beyond rank 500 the share falls as a power of the rank,
  f(r) = f(500)·(r/500)^-a, with `a` set so that the name of rank 45,602 has 100 bearers in Great
  Britain's 61.4 million (the dictionary of family names counts 45,602 names of about that many
  bearers), and ranks continue until the shares add up to one (about 250,000 names).
- **Given names**, for each sex: the head is the ONS top 10 of 2016 with its counts; ranks 11–100
  fall as a power of the rank fitted to the ONS top-100 share (2008), and the tail beyond as
  another, fitted so that the number of names given to at least three of a year's babies is the
  ONS count of different names (2008). The exponents are fitted by `fit_given` and kept here
  (fitting takes seconds); `tests/synth/test_frequencies.py` checks they still fit.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Iterator
from functools import cache
from pathlib import Path

from faker.providers.person.en_GB import Provider as EnGb

__all__ = [
    "GIVEN_EXPONENTS",
    "family_shares",
    "figure",
    "given_head",
    "given_shares",
    "names_at_least",
]

_DATA = Path(__file__).parent / "data"

# (exponent of ranks 11–100, exponent beyond rank 100) for each sex, from `fit_given`.
GIVEN_EXPONENTS = {"male": (0.535, 0.51), "female": (0.422, 0.463)}

_MOST_RANKS = 2_000_000  # a tail too shallow to fill its room stops here (fits try such)
_MALE_SHARE_OF_BIRTHS = 1.05 / 2.05  # about 105 boys are born for every 100 girls


def _rows(name: str) -> Iterator[dict[str, str]]:
    with (_DATA / name).open(encoding="utf-8") as handle:
        yield from csv.DictReader(line for line in handle if not line.startswith("#"))


@cache
def _figures() -> dict[str, float]:
    return {row["figure"]: float(row["value"]) for row in _rows("published_figures.csv")}


def figure(name: str) -> float:
    """One published figure of `data/published_figures.csv`, by name."""
    return _figures()[name]


@cache
def given_head(sex: str) -> tuple[tuple[str, float], ...]:
    """The ONS top 10 of 2016 for `sex`, with each name's share of that year's babies of it."""
    share = _MALE_SHARE_OF_BIRTHS if sex == "male" else 1 - _MALE_SHARE_OF_BIRTHS
    babies = figure("births_2016") * share
    rows = [row for row in _rows("baby_names_2016_top10.csv") if row["sex"] == sex]
    rows.sort(key=lambda row: int(row["rank"]))
    return tuple((row["name"], int(row["babies"]) / babies) for row in rows)


def _power_tail(start: float, rank: int, exponent: float, room: float) -> list[float]:
    """Shares start·(r/rank)^-exponent for ranks after `rank` until they add up to `room`."""
    shares: list[float] = []
    total = 0.0
    r = rank
    while total < room and r < _MOST_RANKS:
        r += 1
        share = start * (r / rank) ** -exponent
        shares.append(min(share, room - total))
        total += share
    return shares


@cache
def family_head() -> tuple[tuple[str, float], ...]:
    """Faker's en_GB surnames, commonest first, with their shares of people."""
    ordered = sorted(EnGb.last_names.items(), key=lambda item: (-item[1], item[0]))
    return tuple((name, weight / 100) for name, weight in ordered)


@cache
def family_shares() -> tuple[float, ...]:
    """The share of children with the family name of each rank, commonest first."""
    head = [share for _, share in family_head()]
    threshold = 100 / figure("population_gb_2011")
    named = figure("surnames_with_100_bearers")
    exponent = math.log(head[-1] / threshold) / math.log(named / len(head))
    return (*head, *_power_tail(head[-1], len(head), exponent, 1 - sum(head)))


def _given(sex: str, exponents: tuple[float, float]) -> list[float]:
    who = "boys" if sex == "male" else "girls"
    head = [share for _, share in given_head(sex)]
    top100 = figure(f"{who}_top100_share_2008")
    middle = [head[-1] * (r / len(head)) ** -exponents[0] for r in range(len(head) + 1, 101)]
    scale = (top100 - sum(head)) / sum(middle)  # the exponent is fitted; this mops up rounding
    tail = [r ** -exponents[1] for r in range(101, int(figure(f"{who}_names_2008")) + 1)]
    rest = (1 - top100) / sum(tail)
    return [*head, *(share * scale for share in middle), *(share * rest for share in tail)]


@cache
def given_shares(sex: str) -> tuple[float, ...]:
    """The share of children of `sex` with the given name of each rank, commonest first."""
    return tuple(_given(sex, GIVEN_EXPONENTS[sex]))


def names_at_least(shares: tuple[float, ...] | list[float], people: float, bearers: int) -> float:
    """How many names would be borne by at least `bearers` of `people` drawn from `shares`
    (expected, each name's count being Poisson)."""
    total = 0.0
    for share in shares:
        mean = share * people
        if mean > 2 * bearers + 50:
            total += 1.0
            continue
        term = below = math.exp(-mean)
        for k in range(1, bearers):
            term *= mean / k
            below += term
        total += 1 - below
    return total


def fit_given(sex: str) -> tuple[float, float]:
    """The exponents that fit the ONS 2008 figures for `sex`: ranks 11–100 to the top-100 share;
    beyond, as many names as the ONS counted (those given to at least three babies) share what
    the top 100 leave, falling so that the last is given to three babies in a year."""
    who = "boys" if sex == "male" else "girls"
    head = [share for _, share in given_head(sex)]
    top100 = figure(f"{who}_top100_share_2008")

    def middle_sum(a: float) -> float:
        return math.fsum(head[-1] * (r / len(head)) ** -a for r in range(len(head) + 1, 101))

    first = _bisect(lambda a: top100 - sum(head) - middle_sum(a), 0.05, 3.0)
    babies = figure(f"{who}_2008")
    second = _bisect(lambda a: 3 / babies - _given(sex, (first, a))[-1], 0.3, 3.0)
    return round(first, 3), round(second, 3)


def _bisect(f: Callable[[float], float], low: float, high: float) -> float:
    """The root of increasing-or-decreasing `f` between `low` and `high`."""
    f_low = f(low)
    for _ in range(30):
        mid = (low + high) / 2
        if (f(mid) > 0) == (f_low > 0):
            low = mid
        else:
            high = mid
    return (low + high) / 2
