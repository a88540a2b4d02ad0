"""The age limit the hub stores (ADR 0034): never earlier than the rule, at most five months
later, and one of only two days a year, so it cannot pin a child's month of birth."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from fingerpost.domain.retention import (
    AGE_LIMIT,
    CARE_LEAVER_AGE_LIMIT,
    ages_out,
    half_year_after,
    is_half_year,
    month_after,
)

births = st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31))


@given(births, st.booleans())
def test_the_age_limit_is_never_earlier_than_the_rule_and_at_most_five_months_later(
    born: date, care_leaver: bool
) -> None:
    limit = CARE_LEAVER_AGE_LIMIT if care_leaver else AGE_LIMIT
    rule = month_after(date(born.year + limit, born.month, 1))  # the month after the birthday's
    kept = ages_out(born, care_leaver=care_leaver)
    assert rule <= kept <= month_after(rule, 4)
    assert is_half_year(kept)


@given(births)
def test_every_month_of_a_half_year_gives_the_same_age_limit(born: date) -> None:
    first = date(born.year, 1 if born.month <= 6 else 7, 1)
    same = {ages_out(date(first.year, first.month + n, 1)) for n in range(6)}
    assert same == {ages_out(born)}


def test_a_day_that_is_already_a_half_year_stays() -> None:
    assert half_year_after(date(2031, 7, 1)) == date(2031, 7, 1)
    assert half_year_after(date(2031, 7, 2)) == date(2032, 1, 1)
    assert half_year_after(date(2031, 12, 1)) == date(2032, 1, 1)
    assert not is_half_year(date(2031, 3, 1))
