"""Invented children are named as often as England's children are (docs/adr/0039).

The published figures are in `src/fingerpost/synth/data/`, each with its source; these tests hold
the generator to them within the stated tolerance, drawing a large sample once.
"""

import math
import random
from collections import Counter
from datetime import date
from functools import cache
from itertools import pairwise

import pytest

from fingerpost.synth import frequencies
from fingerpost.synth.frequencies import (
    GIVEN_EXPONENTS,
    family_shares,
    figure,
    fit_given,
    given_shares,
    names_at_least,
)
from fingerpost.synth.generator import _Generator
from fingerpost.synth.population import RealisticNames, default_names
from fingerpost.synth.tail import family_names, given_names

SAMPLE = 200_000


@cache
def _sample(kind: str) -> Counter[str]:
    names = RealisticNames(random.Random(7))
    return Counter(names.draw(kind) for _ in range(SAMPLE))


def _top_share(counts: Counter[str], top: int) -> float:
    return sum(n for _, n in counts.most_common(top)) / sum(counts.values())


def _expected_distinct(shares: tuple[float, ...], people: int) -> float:
    return sum(-math.expm1(people * math.log1p(-share)) for share in shares)


class TestFamilyNames:
    def test_smith_is_about_one_child_in_a_hundred_as_published(self) -> None:
        counts = _sample("family")
        assert counts.most_common(1)[0][0] == "Smith"
        # Faker's weight (1.15 %) and the dictionary's 546,960 of 61.4 million (0.89 %).
        assert 0.0085 <= _top_share(counts, 1) <= 0.0125
        fanuk = figure("surname_smith_bearers_gb") / figure("population_gb_2011")
        assert fanuk == pytest.approx(0.0089, abs=0.0002)

    def test_the_commonest_hundred_and_five_hundred_hold_their_published_shares(self) -> None:
        counts = _sample("family")
        head = [share for _, share in frequencies.family_head()]
        assert _top_share(counts, 100) == pytest.approx(sum(head[:100]), abs=0.01)
        assert _top_share(counts, 500) == pytest.approx(figure("surname_top500_share"), abs=0.012)

    def test_as_many_names_have_a_hundred_bearers_in_britain_as_the_dictionary_counts(
        self,
    ) -> None:
        named = names_at_least(family_shares(), figure("population_gb_2011"), 100)
        assert named == pytest.approx(figure("surnames_with_100_bearers"), rel=0.05)

    def test_the_shares_add_up_to_one_over_a_quarter_of_a_million_names(self) -> None:
        shares = family_shares()
        assert math.fsum(shares) == pytest.approx(1.0)
        assert 200_000 <= len(shares) <= 350_000
        assert all(a >= b for a, b in pairwise(shares))

    def test_the_sample_has_as_many_different_names_as_the_shares_predict(self) -> None:
        distinct = len(_sample("family"))
        assert distinct == pytest.approx(_expected_distinct(family_shares(), SAMPLE), rel=0.03)


class TestGivenNames:
    @pytest.mark.parametrize(("sex", "who"), [("male", "boys"), ("female", "girls")])
    def test_the_top_one_ten_and_hundred_hold_the_onss_shares(self, sex: str, who: str) -> None:
        counts = _sample(sex)
        # The top 10 are 2016's (13.0 % of boys, 9.9 % of girls); 2008's were 16.4 and 12.8 %.
        assert 0.014 <= _top_share(counts, 1) <= figure(f"{who}_top1_share_2008") + 0.002
        assert 0.09 <= _top_share(counts, 10) <= figure(f"{who}_top10_share_2008") + 0.01
        top100 = figure(f"{who}_top100_share_2008")
        assert _top_share(counts, 100) == pytest.approx(top100, abs=0.015)

    @pytest.mark.parametrize(("sex", "who"), [("male", "boys"), ("female", "girls")])
    def test_a_years_babies_bear_about_as_many_names_as_the_ons_counted(
        self, sex: str, who: str
    ) -> None:
        # The ONS lists names given to three babies or more; the fitted tail falls ~20 % short
        # (its last names are given to three babies on average, so to fewer about half the time).
        named = names_at_least(given_shares(sex), figure(f"{who}_2008"), 3)
        assert named == pytest.approx(figure(f"{who}_names_2008"), rel=0.25)

    @pytest.mark.parametrize("sex", ["male", "female"])
    def test_the_kept_exponents_are_the_ones_that_fit(self, sex: str) -> None:
        assert fit_given(sex) == pytest.approx(GIVEN_EXPONENTS[sex], abs=0.002)


class TestNamesOfTheTail:
    def test_the_published_head_comes_first_by_name(self) -> None:
        assert family_names()[0] == "Smith"
        assert given_names("male")[0] == "Oliver"
        assert given_names("female")[0] == "Olivia"

    def test_a_made_name_is_never_a_real_one_and_is_the_same_every_time(self) -> None:
        names = family_names()
        ranks = range(len(names.real), len(names.real) + 2000)
        made = [names[r] for r in ranks]
        assert not set(made) & set(names.real)
        assert len(set(made)) == len(made)
        again = family_names()
        assert made == [again[r] for r in ranks]
        assert all(name.replace("'", "").isalpha() and name[0].isupper() for name in made)


class TestWhichWorldsUseThem:
    def test_the_own_world_has_englands_names_and_the_independent_keeps_the_locales(self) -> None:
        assert default_names("own") == "realistic"
        assert default_names("independent") == "locales"
        assert _Generator(1, date(2026, 11, 1), "own").realistic is not None
        assert _Generator(1, date(2026, 11, 1), "independent").realistic is None

    def test_an_unknown_name_source_is_refused(self) -> None:
        with pytest.raises(ValueError, match="unknown names"):
            _Generator(1, date(2026, 11, 1), "own", names="klingon")
