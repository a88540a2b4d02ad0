"""The contract's values: dates, NHS numbers, postcodes, vocabularies and the scope rule."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fingerpost.domain.errors import InvalidValue, OutOfScope
from fingerpost.domain.model import InvolvementTerms, Practitioner
from fingerpost.domain.values import (
    age_on,
    check_in_scope,
    parse_date,
    parse_nhs_number,
    parse_postcode,
    parse_vocabulary,
)
from fingerpost.domain.vocabulary import InvolvementKind, InvolvementStatus, Sex


def mod11_check_digit(nine_digits: str) -> int | None:
    """The NHS number check digit, computed independently of the code under test."""
    total = sum(int(d) * w for d, w in zip(nine_digits, range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return {11: 0, 10: None}.get(check, check)


# -- dates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2015-06-07", date(2015, 6, 7)),
        (" 2015-06-07 ", date(2015, 6, 7)),
        ("07/06/2015", date(2015, 6, 7)),  # UK: day first
        ("7/6/2015", date(2015, 6, 7)),
        ("29/02/2016", date(2016, 2, 29)),
        ("2016-02-29", date(2016, 2, 29)),
    ],
)
def test_dates_are_read_as_iso_or_uk(text: str, expected: date) -> None:
    assert parse_date(text, "date_of_birth") == expected


def test_an_empty_date_is_unknown() -> None:
    assert parse_date("", "end_date") is None
    assert parse_date("   ", "end_date") is None


@pytest.mark.parametrize(
    "text",
    ["31/02/2015", "2015-02-30", "2015-13-01", "13/13/2015", "07-06-2015", "20150607", "soon"],
)
def test_an_impossible_date_is_rejected_without_echoing_it(text: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_date(text, "date_of_birth")
    message = str(raised.value)
    assert message.startswith("date_of_birth:")
    assert text not in message


# -- NHS numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("9434765919", "9434765919"),
        ("943 476 5919", "9434765919"),
        ("943-476-5919", "9434765919"),
        ("4010232137", "4010232137"),
        ("", None),
    ],
)
def test_valid_nhs_numbers_are_kept_as_ten_digits(text: str, expected: str | None) -> None:
    assert parse_nhs_number(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "9434765918",  # wrong check digit
        "943476591",  # nine digits
        "94347659190",  # eleven digits
        "943476591X",
        "4000000080",  # the check digit would be 10: no valid number has these nine digits
    ],
)
def test_invalid_nhs_numbers_are_rejected_without_echoing_them(text: str) -> None:
    with pytest.raises(InvalidValue) as raised:
        parse_nhs_number(text)
    message = str(raised.value)
    assert message.startswith("nhs_number:")
    assert text not in message


def test_the_mod11_helper_agrees_with_published_examples() -> None:
    assert mod11_check_digit("943476591") == 9
    assert mod11_check_digit("400000008") is None


# England, Wales and the Isle of Man (4…, 6…, 7…) and the test range (9…). The other ranges
# are other nations' numbers or never issued: set aside with their own reason (test_gateway_rows).
english_stems = st.from_regex(r"\A[4679][0-9]{8}\Z")


@given(english_stems)
def test_any_number_with_its_mod11_check_digit_is_valid(stem: str) -> None:
    check = mod11_check_digit(stem)
    if check is None:
        with pytest.raises(InvalidValue):
            parse_nhs_number(stem + "0")
    else:
        assert parse_nhs_number(f"{stem}{check}") == f"{stem}{check}"


@given(english_stems, st.integers(min_value=1, max_value=9))
def test_any_other_check_digit_is_invalid(stem: str, offset: int) -> None:
    check = mod11_check_digit(stem)
    wrong = ((check or 0) + offset) % 10
    with pytest.raises(InvalidValue):
        parse_nhs_number(f"{stem}{wrong}")


# -- postcodes ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("M1 1AA", "M1 1AA"),
        ("m1 1aa", "M1 1AA"),
        ("m11aa", "M1 1AA"),
        ("  ls6   3hn ", "LS6 3HN"),
        ("SW1A2AA", "SW1A 2AA"),
        ("ec1a 1bb", "EC1A 1BB"),
        ("B33 8TH", "B33 8TH"),
        ("", None),
    ],
)
def test_postcodes_are_upper_case_with_one_space(text: str, expected: str | None) -> None:
    assert parse_postcode(text) == expected


@pytest.mark.parametrize("text", ["M1", "1AA M1", "M1 1A", "ABCDEFG", "M1 1AA X"])
def test_malformed_postcodes_are_rejected(text: str) -> None:
    with pytest.raises(InvalidValue, match=r"^postcode:"):
        parse_postcode(text)


@given(st.from_regex(r"\A[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\Z"))
def test_postcode_normalisation_is_idempotent(text: str) -> None:
    once = parse_postcode(text)
    assert once is not None
    assert parse_postcode(once) == once
    assert parse_postcode(once.lower().replace(" ", "")) == once


# -- vocabularies ---------------------------------------------------------------------------------


def test_vocabularies_ignore_case_and_surrounding_space() -> None:
    assert parse_vocabulary(InvolvementKind, " Child-Protection-Plan ", "involvement") is (
        InvolvementKind.CHILD_PROTECTION_PLAN
    )
    assert parse_vocabulary(Sex, "FEMALE", "sex") is Sex.FEMALE


def test_free_text_is_not_an_involvement() -> None:
    with pytest.raises(InvalidValue, match=r"^involvement: not one of .*child-in-need"):
        parse_vocabulary(InvolvementKind, "neglect concerns", "involvement")


# -- scope: children and care leavers under 26 ----------------------------------------------------

TODAY = date(2026, 11, 25)


@pytest.mark.parametrize(
    ("born", "start"),
    [
        (date(2015, 6, 7), date(2024, 1, 1)),
        (date(2000, 6, 15), date(2026, 6, 14)),  # the day before the 26th birthday
        (date(2000, 2, 29), date(2026, 2, 28)),  # a 29 February birthday counts on 1 March
        (TODAY, TODAY),  # born today
        (date(2026, 10, 1), date(2026, 8, 1)),  # pre-birth work starts before birth
        (None, date(2024, 1, 1)),  # unknown date of birth
    ],
)
def test_in_scope(born: date | None, start: date) -> None:
    check_in_scope(born, start, TODAY)


@pytest.mark.parametrize(
    ("born", "start", "reason"),
    [
        (date(2000, 6, 15), date(2026, 6, 15), "aged 26 or more"),  # the 26th birthday itself
        (date(2000, 2, 29), date(2026, 3, 1), "aged 26 or more"),
        (date(1980, 1, 1), date(2024, 1, 1), "aged 26 or more"),
        (TODAY + timedelta(days=1), TODAY, "in the future"),
        (TODAY + timedelta(days=1), TODAY + timedelta(days=2), "in the future"),
    ],
)
def test_out_of_scope(born: date, start: date, reason: str) -> None:
    with pytest.raises(OutOfScope, match=reason) as raised:
        check_in_scope(born, start, TODAY)
    assert str(raised.value).startswith("date_of_birth:")
    assert born.isoformat() not in str(raised.value)


@pytest.mark.parametrize(
    ("born", "day", "age"),
    [
        (date(2010, 5, 20), date(2026, 5, 19), 15),
        (date(2010, 5, 20), date(2026, 5, 20), 16),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
    ],
)
def test_age_in_whole_years(born: date, day: date, age: int) -> None:
    assert age_on(born, day) == age


# -- involvement terms ----------------------------------------------------------------------------


def test_a_practitioner_needs_a_name_and_a_way_to_reach_them() -> None:
    Practitioner("Sam Lee", phone="0161 000 0000")
    Practitioner("Sam Lee", email="sam@example.org")
    with pytest.raises(InvalidValue, match="practitioner_name"):
        Practitioner(" ", email="sam@example.org")
    with pytest.raises(InvalidValue, match="practitioner_phone or practitioner_email"):
        Practitioner("Sam Lee")


def test_an_involvement_with_an_end_date_is_ended_and_cannot_end_before_it_starts() -> None:
    who = Practitioner("Sam Lee", email="sam@example.org")
    active = InvolvementTerms(InvolvementKind.EARLY_HELP, who, date(2024, 1, 1))
    ended = InvolvementTerms(InvolvementKind.EARLY_HELP, who, date(2024, 1, 1), date(2024, 6, 1))
    assert active.status is InvolvementStatus.ACTIVE
    assert ended.status is InvolvementStatus.ENDED
    with pytest.raises(InvalidValue, match="end_date"):
        InvolvementTerms(InvolvementKind.EARLY_HELP, who, date(2024, 1, 1), date(2023, 12, 31))


def test_public_ids_never_start_like_an_option() -> None:
    """A command line reads a leading '-' as an option (`fingerpost shield -Pa…`)."""
    from fingerpost.domain.ids import new_id

    ids = [new_id() for _ in range(5000)]
    assert all(i[0].isalnum() for i in ids)
    assert len(set(ids)) == len(ids)
    assert all(len(i) == 16 for i in ids)
